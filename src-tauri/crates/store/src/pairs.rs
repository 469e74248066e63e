//! Pairing and readiness state: manual pair overrides (kept across inventory refreshes), every
//! applied set of launch-configuration changes with its "before" (so it can be undone), and the
//! latest readiness verdict of each plan (shown on the plan list and the Dashboard).

use crate::{audit, now, Result, Store, StoreError};
use drs_core::launch_into::PairChange;
use drs_core::pairing::PairOverride;
use drs_core::readiness::Readiness;
use rusqlite::{params, OptionalExtension};
use serde::Serialize;
use std::collections::BTreeMap;

/// One recorded apply of pairs to launch configurations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub struct PairApplication {
    /// Its ID.
    pub id: i64,
    /// The plan whose pairs were applied.
    pub plan: String,
    /// The target written to.
    pub target: String,
    /// When.
    pub applied_at: String,
    /// Who.
    pub applied_by: String,
    /// Each launch configuration before and after.
    pub changes: Vec<PairChange>,
    /// When it was undone, if it was.
    pub undone_at: Option<String>,
}

/// The latest readiness of a plan, in short.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub struct ReadinessSummary {
    /// Plan name.
    pub plan: String,
    /// When the evidence was read.
    pub checked_at: String,
    /// No blocker.
    pub ready: bool,
    /// Blockers.
    pub blockers: u32,
    /// Warnings.
    pub warnings: u32,
    /// Servers the plan recovers.
    pub servers: u32,
}

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{what}: {e}"))
}

impl Store {
    /// The manual overrides of every target.
    pub fn pair_overrides(&self) -> Result<BTreeMap<String, Vec<PairOverride>>> {
        let mut stmt = self.conn.prepare(
            "SELECT target, source_server_id, instance_id FROM pair_overrides ORDER BY target, source_server_id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                PairOverride {
                    source_server_id: r.get(1)?,
                    instance_id: r.get(2)?,
                },
            ))
        })?;
        let mut out: BTreeMap<String, Vec<PairOverride>> = BTreeMap::new();
        for row in rows {
            let (target, o) = row?;
            out.entry(target).or_default().push(o);
        }
        Ok(out)
    }

    /// Pairs a server by hand with `instance_id` (or, with `None`, keeps it unpaired on purpose).
    pub fn set_pair_override(
        &mut self,
        target: &str,
        source_server_id: &str,
        instance_id: Option<&str>,
        actor: &str,
    ) -> Result<()> {
        if drs_core::rules::check_source_server_id(source_server_id).is_err() {
            return Err(StoreError::Invalid {
                what: "pair override".into(),
                problems: vec![drs_core::Problem::error(
                    "sourceServerId",
                    format!("\"{source_server_id}\" is not a source server ID (s-…)"),
                )],
            });
        }
        if let Some(i) = instance_id {
            if let Err(m) = drs_core::rules::check_instance_id(i) {
                return Err(StoreError::Invalid {
                    what: "pair override".into(),
                    problems: vec![drs_core::Problem::error("instanceId", m)],
                });
            }
        }
        self.target(target)?;
        self.write(|tx| {
            tx.execute(
                "INSERT INTO pair_overrides (target, source_server_id, instance_id, set_at, set_by)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (target, source_server_id) DO UPDATE SET instance_id = ?3, set_at = ?4, set_by = ?5",
                params![target, source_server_id, instance_id, now(), actor],
            )?;
            audit::append(
                tx,
                actor,
                "pair.override",
                "target",
                target,
                serde_json::json!({ "sourceServerId": source_server_id, "instanceId": instance_id }),
            )
        })
    }

    /// Removes a manual override (the server is matched by name again).
    pub fn clear_pair_override(
        &mut self,
        target: &str,
        source_server_id: &str,
        actor: &str,
    ) -> Result<()> {
        self.write(|tx| {
            let n = tx.execute(
                "DELETE FROM pair_overrides WHERE target = ?1 AND source_server_id = ?2",
                params![target, source_server_id],
            )?;
            if n == 0 {
                return Err(StoreError::NotFound {
                    kind: "pair override",
                    name: format!("{target}/{source_server_id}"),
                });
            }
            audit::append(
                tx,
                actor,
                "pair.override.clear",
                "target",
                target,
                serde_json::json!({ "sourceServerId": source_server_id }),
            )
        })
    }

    /// Records launch-configuration changes just written for `plan`; returns the record's ID.
    pub fn record_pair_application(
        &mut self,
        plan: &str,
        target: &str,
        changes: &[PairChange],
        actor: &str,
    ) -> Result<i64> {
        let body = serde_json::to_string(changes).map_err(|e| corrupt("pair changes", e))?;
        self.write(|tx| {
            tx.execute(
                "INSERT INTO pair_applications (plan, target, applied_at, applied_by, changes) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![plan, target, now(), actor, body],
            )?;
            let id = tx.last_insert_rowid();
            audit::append(
                tx,
                actor,
                "pairs.apply",
                "plan",
                plan,
                serde_json::json!({
                    "target": target,
                    "application": id,
                    "servers": changes.iter().map(|c| format!("{} → {}", c.source_server_id, c.instance_id)).collect::<Vec<_>>(),
                }),
            )?;
            Ok(id)
        })
    }

    /// The newest applies of `plan` not undone yet (one per target), newest first.
    pub fn pair_applications_to_undo(&self, plan: &str) -> Result<Vec<PairApplication>> {
        let mut stmt = self.conn.prepare(
            "SELECT id, plan, target, applied_at, applied_by, changes, undone_at FROM pair_applications
             WHERE plan = ?1 AND undone_at IS NULL AND id IN (
               SELECT max(id) FROM pair_applications WHERE plan = ?1 GROUP BY target)
             ORDER BY id DESC",
        )?;
        let rows = stmt.query_map([plan], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, Option<String>>(6)?,
            ))
        })?;
        rows.map(|row| {
            let (id, plan, target, applied_at, applied_by, changes, undone_at) = row?;
            Ok(PairApplication {
                id,
                plan,
                target,
                applied_at,
                applied_by,
                changes: serde_json::from_str(&changes).map_err(|e| corrupt("pair changes", e))?,
                undone_at,
            })
        })
        .collect()
    }

    /// Marks an apply as undone.
    pub fn mark_pair_application_undone(&mut self, id: i64, plan: &str, actor: &str) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "UPDATE pair_applications SET undone_at = ?2, undone_by = ?3 WHERE id = ?1",
                params![id, now(), actor],
            )?;
            audit::append(
                tx,
                actor,
                "pairs.undo",
                "plan",
                plan,
                serde_json::json!({ "application": id }),
            )
        })
    }

    /// Keeps `r` as the latest readiness of its plan.
    pub fn save_readiness(&mut self, r: &Readiness) -> Result<()> {
        let body = serde_json::to_string(r).map_err(|e| corrupt("readiness", e))?;
        self.write(|tx| {
            tx.execute(
                "INSERT INTO readiness (plan, checked_at, ready, blockers, warnings, servers, body)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (plan) DO UPDATE SET checked_at = ?2, ready = ?3, blockers = ?4, warnings = ?5, servers = ?6, body = ?7",
                params![r.plan, r.checked_at, r.ready, r.blockers as i64, r.warnings as i64, r.servers as i64, body],
            )?;
            Ok(())
        })
    }

    /// The latest readiness of every plan that has one.
    pub fn readiness_summaries(&self) -> Result<Vec<ReadinessSummary>> {
        let mut stmt = self.conn.prepare(
            "SELECT r.plan, r.checked_at, r.ready, r.blockers, r.warnings, r.servers FROM readiness r
             JOIN plans p ON p.name = r.plan ORDER BY r.plan",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(ReadinessSummary {
                plan: r.get(0)?,
                checked_at: r.get(1)?,
                ready: r.get(2)?,
                blockers: r.get(3)?,
                warnings: r.get(4)?,
                servers: r.get(5)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The latest full readiness of `plan`, if it was ever checked.
    pub fn readiness(&self, plan: &str) -> Result<Option<Readiness>> {
        let body: Option<String> = self
            .conn
            .query_row("SELECT body FROM readiness WHERE plan = ?1", [plan], |r| {
                r.get(0)
            })
            .optional()?;
        body.map(|b| serde_json::from_str(&b).map_err(|e| corrupt("readiness", e)))
            .transpose()
    }
}
