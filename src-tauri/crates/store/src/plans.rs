//! Recovery plans and their revisions. Every save is a new revision; restoring an old revision
//! saves it again as the newest one, so history only grows.

use crate::{audit, now, Result, Store, StoreError};
use drs_core::document::plan_to_yaml;
use drs_core::RecoveryPlan;
use rusqlite::{params, OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};

/// A plan as stored, with its current revision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub struct StoredPlan {
    /// The plan.
    pub plan: RecoveryPlan,
    /// Its current revision number (1, 2, …).
    pub revision: u32,
    /// When that revision was saved (RFC 3339 UTC).
    pub updated_at: String,
    /// Who saved it.
    pub updated_by: String,
}

/// One line of the plan list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub struct PlanSummary {
    /// Plan name.
    pub name: String,
    /// Plan description.
    pub description: String,
    /// Number of waves.
    pub waves: usize,
    /// Number of protection groups across the waves.
    pub groups: usize,
    /// RTO target in minutes.
    pub rto_target_minutes: Option<u32>,
    /// Current revision.
    pub revision: u32,
    /// When it was last saved.
    pub updated_at: String,
    /// Who last saved it.
    pub updated_by: String,
}

/// One revision of a plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub struct RevisionInfo {
    /// Revision number.
    pub revision: u32,
    /// When it was saved.
    pub created_at: String,
    /// Who saved it.
    pub author: String,
    /// What the save was ("created", "restored revision 2", …).
    pub message: String,
}

/// How a plan is saved.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub struct SavePlan {
    /// The name the plan had when it was loaded (`None` for a new plan). Differs from the
    /// plan's name on a rename.
    #[serde(default)]
    pub original_name: Option<String>,
    /// The revision the edit started from; the save fails if the plan moved on meanwhile
    /// (someone saved from the CLI or another window).
    #[serde(default)]
    pub expected_revision: Option<u32>,
    /// A short note stored with the revision.
    #[serde(default)]
    pub message: String,
}

fn decode(body: &str) -> Result<RecoveryPlan> {
    serde_json::from_str(body).map_err(|e| StoreError::Corrupt(format!("plan revision: {e}")))
}

/// Saves a plan inside a transaction. `upsert` lets an import update an existing plan without
/// naming it as the original.
pub(crate) fn save_in(
    tx: &Transaction<'_>,
    plan: &RecoveryPlan,
    opts: &SavePlan,
    actor: &str,
    upsert: bool,
) -> Result<StoredPlan> {
    let at = now();
    let body = serde_json::to_string(plan).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let lookup = opts.original_name.as_deref().unwrap_or(&plan.name);
    let existing: Option<(i64, u32)> = tx
        .query_row(
            "SELECT id, current_revision FROM plans WHERE name = ?1",
            [lookup],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let (id, revision, action) = match existing {
        Some(_) if opts.original_name.is_none() && !upsert => {
            return Err(StoreError::Conflict(format!(
                "a plan named \"{}\" already exists",
                plan.name
            )))
        }
        Some((id, current)) => {
            if let Some(expected) = opts.expected_revision {
                if expected != current {
                    return Err(StoreError::Conflict(format!(
                        "plan \"{lookup}\" was saved elsewhere meanwhile (revision {current} is newer than revision {expected} you edited); reload it and apply your change again"
                    )));
                }
            }
            if lookup != plan.name {
                let taken: Option<i64> = tx
                    .query_row("SELECT id FROM plans WHERE name = ?1", [&plan.name], |r| {
                        r.get(0)
                    })
                    .optional()?;
                if taken.is_some() {
                    return Err(StoreError::Conflict(format!(
                        "a plan named \"{}\" already exists",
                        plan.name
                    )));
                }
            }
            tx.execute(
                "UPDATE plans SET name = ?2, current_revision = ?3, updated_at = ?4 WHERE id = ?1",
                params![id, plan.name, current + 1, at],
            )?;
            (id, current + 1, "plan.update")
        }
        None if opts.original_name.is_some() && !upsert => {
            return Err(StoreError::NotFound {
                kind: "plan",
                name: lookup.to_string(),
            })
        }
        None => {
            tx.execute(
                "INSERT INTO plans (name, current_revision, created_at, updated_at) VALUES (?1, 1, ?2, ?2)",
                params![plan.name, at],
            )?;
            (tx.last_insert_rowid(), 1, "plan.create")
        }
    };
    let message = if opts.message.trim().is_empty() {
        if revision == 1 {
            "created".to_string()
        } else {
            "edited".to_string()
        }
    } else {
        opts.message.trim().to_string()
    };
    tx.execute(
        "INSERT INTO plan_revisions (plan_id, revision, body, created_at, author, message) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![id, revision, body, at, actor, message],
    )?;
    let mut detail = serde_json::json!({ "revision": revision, "message": message });
    if lookup != plan.name {
        detail["renamedFrom"] = serde_json::Value::String(lookup.to_string());
    }
    audit::append(tx, actor, action, "plan", &plan.name, detail)?;
    Ok(StoredPlan {
        plan: plan.clone(),
        revision,
        updated_at: at,
        updated_by: actor.to_string(),
    })
}

impl Store {
    /// Every plan's current revision.
    pub(crate) fn plan_bodies(&self) -> Result<Vec<RecoveryPlan>> {
        let mut stmt = self.conn.prepare(
            "SELECT r.body FROM plans p JOIN plan_revisions r
               ON r.plan_id = p.id AND r.revision = p.current_revision ORDER BY p.name",
        )?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        rows.map(|b| decode(&b?)).collect()
    }

    /// The plan list.
    pub fn plans(&self) -> Result<Vec<PlanSummary>> {
        let mut stmt = self.conn.prepare(
            "SELECT r.body, p.current_revision, r.created_at, r.author FROM plans p
               JOIN plan_revisions r ON r.plan_id = p.id AND r.revision = p.current_revision
              ORDER BY p.name",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, u32>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
            ))
        })?;
        rows.map(|row| {
            let (body, revision, updated_at, updated_by) = row?;
            let plan = decode(&body)?;
            Ok(PlanSummary {
                groups: plan.waves.iter().map(|w| w.groups.len()).sum(),
                waves: plan.waves.len(),
                name: plan.name,
                description: plan.description,
                rto_target_minutes: plan.rto_target_minutes,
                revision,
                updated_at,
                updated_by,
            })
        })
        .collect()
    }

    fn plan_id(&self, name: &str) -> Result<(i64, u32)> {
        self.conn
            .query_row(
                "SELECT id, current_revision FROM plans WHERE name = ?1",
                [name],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?
            .ok_or_else(|| StoreError::NotFound {
                kind: "plan",
                name: name.into(),
            })
    }

    /// A plan's current revision.
    pub fn plan(&self, name: &str) -> Result<StoredPlan> {
        let (_, current) = self.plan_id(name)?;
        self.plan_at(name, current)
    }

    /// A plan as it was at `revision`.
    pub fn plan_at(&self, name: &str, revision: u32) -> Result<StoredPlan> {
        let (id, _) = self.plan_id(name)?;
        let row: Option<(String, String, String)> = self
            .conn
            .query_row(
                "SELECT body, created_at, author FROM plan_revisions WHERE plan_id = ?1 AND revision = ?2",
                params![id, revision],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let (body, updated_at, updated_by) = row.ok_or_else(|| StoreError::NotFound {
            kind: "plan revision",
            name: format!("{name} revision {revision}"),
        })?;
        Ok(StoredPlan {
            plan: decode(&body)?,
            revision,
            updated_at,
            updated_by,
        })
    }

    /// Every problem with `plan` against the stored groups.
    pub fn check_plan(&self, plan: &RecoveryPlan) -> Result<Vec<drs_core::Problem>> {
        let groups = self.groups()?.into_iter().map(|g| g.name).collect();
        Ok(plan.validate(&groups))
    }

    /// Saves a plan as a new revision after validating it; refuses stale edits and name clashes.
    pub fn save_plan(
        &mut self,
        plan: &RecoveryPlan,
        opts: &SavePlan,
        actor: &str,
    ) -> Result<StoredPlan> {
        let problems = self.check_plan(plan)?;
        if problems.iter().any(|p| p.is_error()) {
            return Err(StoreError::Invalid {
                what: format!("plan \"{}\"", plan.name),
                problems,
            });
        }
        self.write(|tx| save_in(tx, plan, opts, actor, false))
    }

    /// Copies a plan under a new name (revision 1 of the copy).
    pub fn clone_plan(&mut self, name: &str, new_name: &str, actor: &str) -> Result<StoredPlan> {
        let source = self.plan(name)?;
        let mut plan = source.plan;
        plan.name = new_name.to_string();
        let opts = SavePlan {
            original_name: None,
            expected_revision: None,
            message: format!("cloned from \"{name}\" revision {}", source.revision),
        };
        self.save_plan(&plan, &opts, actor)
    }

    /// Deletes a plan and its revisions (the audit log keeps the record, with the last body).
    pub fn delete_plan(&mut self, name: &str, actor: &str) -> Result<()> {
        let last = self.plan(name)?;
        self.write(|tx| {
            tx.execute("DELETE FROM plans WHERE name = ?1", [name])?;
            tx.execute("DELETE FROM readiness WHERE plan = ?1", [name])?;
            audit::append(
                tx,
                actor,
                "plan.delete",
                "plan",
                name,
                serde_json::json!({
                    "lastRevision": last.revision,
                    "plan": last.plan,
                }),
            )
        })
    }

    /// Every revision of a plan, newest first.
    pub fn plan_revisions(&self, name: &str) -> Result<Vec<RevisionInfo>> {
        let (id, _) = self.plan_id(name)?;
        let mut stmt = self.conn.prepare(
            "SELECT revision, created_at, author, message FROM plan_revisions WHERE plan_id = ?1 ORDER BY revision DESC",
        )?;
        let rows = stmt.query_map([id], |r| {
            Ok(RevisionInfo {
                revision: r.get(0)?,
                created_at: r.get(1)?,
                author: r.get(2)?,
                message: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// A unified diff of the plan's YAML between two revisions.
    pub fn plan_diff(&self, name: &str, from: u32, to: u32) -> Result<String> {
        let a = plan_to_yaml(&self.plan_at(name, from)?.plan);
        let b = plan_to_yaml(&self.plan_at(name, to)?.plan);
        Ok(similar::TextDiff::from_lines(&a, &b)
            .unified_diff()
            .context_radius(3)
            .header(&format!("revision {from}"), &format!("revision {to}"))
            .to_string())
    }

    /// Makes an old revision current again by saving it as a new revision. The old revision
    /// must still be valid against today's groups.
    pub fn restore_plan(&mut self, name: &str, revision: u32, actor: &str) -> Result<StoredPlan> {
        let (_, current) = self.plan_id(name)?;
        let old = self.plan_at(name, revision)?;
        let opts = SavePlan {
            original_name: Some(name.to_string()),
            expected_revision: Some(current),
            message: format!("restored revision {revision}"),
        };
        self.save_plan(&old.plan, &opts, actor)
    }
}
