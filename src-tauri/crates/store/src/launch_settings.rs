//! Applies of protection groups' launch settings: written down (with every server's previous
//! configuration and template) before anything changes, updated server by server, so a
//! failure part-way leaves a record of exactly which servers changed; the record is what a
//! rollback restores. Each apply and rollback is in the audit log.

use crate::{audit, now, Result, Store, StoreError};
use drs_core::group_settings::{LaunchApplication, ServerApplyStatus, ServerRecord};
use rusqlite::{params, OptionalExtension};

fn corrupt(e: serde_json::Error) -> StoreError {
    StoreError::Corrupt(format!("launch application: {e}"))
}

impl Store {
    /// Writes down an apply before it starts (every server pending); returns its ID.
    pub fn begin_launch_application(
        &mut self,
        group: &str,
        target: &str,
        kind: &str,
        rolls_back: Option<i64>,
        servers: Vec<ServerRecord>,
        actor: &str,
    ) -> Result<LaunchApplication> {
        let mut app = LaunchApplication {
            id: 0,
            group: group.to_string(),
            target: target.to_string(),
            kind: kind.to_string(),
            started_at: now(),
            finished_at: None,
            actor: actor.to_string(),
            rolled_back_by: None,
            rolls_back,
            servers,
        };
        let body = serde_json::to_string(&app).map_err(corrupt)?;
        let id = self.write(|tx| {
            tx.execute(
                "INSERT INTO launch_applications (group_name, target, kind, started_at, actor, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![group, target, kind, app.started_at, actor, body],
            )?;
            Ok(tx.last_insert_rowid())
        })?;
        app.id = id;
        self.save_launch_application(&app)?;
        Ok(app)
    }

    /// Saves the current state of an apply (after each server).
    pub fn save_launch_application(&mut self, app: &LaunchApplication) -> Result<()> {
        let body = serde_json::to_string(app).map_err(corrupt)?;
        self.write(|tx| {
            tx.execute(
                "UPDATE launch_applications SET body = ?2 WHERE id = ?1",
                params![app.id, body],
            )?;
            Ok(())
        })
    }

    /// Marks an apply finished and audits it with the previous values of what changed.
    pub fn finish_launch_application(&mut self, app: &mut LaunchApplication) -> Result<()> {
        app.finished_at = Some(now());
        let body = serde_json::to_string(&*app).map_err(corrupt)?;
        let changed: Vec<serde_json::Value> = app
            .servers
            .iter()
            .filter(|s| s.status == ServerApplyStatus::Applied)
            .map(|s| {
                serde_json::json!({
                    "sourceServerId": s.source_server_id,
                    "changes": s.changes,
                    "templateVersion": s.template_version,
                })
            })
            .collect();
        let failed: Vec<serde_json::Value> = app
            .servers
            .iter()
            .filter(|s| s.status == ServerApplyStatus::Failed)
            .map(|s| serde_json::json!({ "sourceServerId": s.source_server_id, "error": s.error }))
            .collect();
        let app_ref = &*app;
        self.write(|tx| {
            tx.execute(
                "UPDATE launch_applications SET body = ?2, finished_at = ?3 WHERE id = ?1",
                params![app_ref.id, body, app_ref.finished_at],
            )?;
            if let Some(original) = app_ref.rolls_back {
                tx.execute(
                    "UPDATE launch_applications SET rolled_back_by = ?2, body = json_set(body, '$.rolledBackBy', ?2) WHERE id = ?1",
                    params![original, app_ref.id],
                )?;
            }
            audit::append(
                tx,
                &app_ref.actor,
                &format!("group.{}", app_ref.kind),
                "group",
                &app_ref.group,
                serde_json::json!({
                    "application": app_ref.id,
                    "target": app_ref.target,
                    "rollsBack": app_ref.rolls_back,
                    "changed": changed,
                    "failed": failed,
                }),
            )
        })
    }

    /// One apply.
    pub fn launch_application(&self, id: i64) -> Result<LaunchApplication> {
        let body: Option<String> = self
            .conn
            .query_row(
                "SELECT body FROM launch_applications WHERE id = ?1",
                [id],
                |r| r.get(0),
            )
            .optional()?;
        let body = body.ok_or_else(|| StoreError::NotFound {
            kind: "launch settings apply",
            name: id.to_string(),
        })?;
        serde_json::from_str(&body).map_err(corrupt)
    }

    /// The applies of a group, newest first.
    pub fn launch_applications(&self, group: &str) -> Result<Vec<LaunchApplication>> {
        let mut stmt = self.conn.prepare(
            "SELECT body FROM launch_applications WHERE group_name = ?1 ORDER BY id DESC",
        )?;
        let rows = stmt.query_map([group], |r| r.get::<_, String>(0))?;
        rows.map(|b| serde_json::from_str(&b?).map_err(corrupt))
            .collect()
    }
}
