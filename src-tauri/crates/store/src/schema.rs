//! Schema migrations. Append new migrations; never edit a released one.

use crate::{Result, StoreError};
use rusqlite::Connection;
use rusqlite_migration::{Migrations, M};
use std::path::PathBuf;

const MIGRATIONS: &[&str] = &[
    // 1: targets, groups, plans with revisions, append-only audit log.
    r#"
    CREATE TABLE targets (
        name        TEXT PRIMARY KEY,
        body        TEXT NOT NULL,
        created_at  TEXT NOT NULL,
        updated_at  TEXT NOT NULL
    ) STRICT;
    CREATE TABLE protection_groups (
        name        TEXT PRIMARY KEY,
        target      TEXT NOT NULL,
        body        TEXT NOT NULL,
        created_at  TEXT NOT NULL,
        updated_at  TEXT NOT NULL
    ) STRICT;
    CREATE TABLE plans (
        id                INTEGER PRIMARY KEY,
        name              TEXT NOT NULL UNIQUE,
        current_revision  INTEGER NOT NULL,
        created_at        TEXT NOT NULL,
        updated_at        TEXT NOT NULL
    ) STRICT;
    CREATE TABLE plan_revisions (
        plan_id     INTEGER NOT NULL REFERENCES plans(id) ON DELETE CASCADE,
        revision    INTEGER NOT NULL,
        body        TEXT NOT NULL,
        created_at  TEXT NOT NULL,
        author      TEXT NOT NULL,
        message     TEXT NOT NULL,
        PRIMARY KEY (plan_id, revision)
    ) STRICT;
    CREATE TABLE audit_log (
        id            INTEGER PRIMARY KEY AUTOINCREMENT,
        at            TEXT NOT NULL,
        actor         TEXT NOT NULL,
        action        TEXT NOT NULL,
        subject_kind  TEXT NOT NULL,
        subject       TEXT NOT NULL,
        detail        TEXT NOT NULL
    ) STRICT;
    CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    "#,
    // 2: a random ID for this store, so keychain entries of two data directories never collide.
    r#"
    CREATE TABLE store_info (
        key    TEXT PRIMARY KEY,
        value  TEXT NOT NULL
    ) STRICT;
    INSERT INTO store_info (key, value) VALUES ('store_id', lower(hex(randomblob(8))));
    "#,
    // 3: manual pair overrides, applied pair changes (for undo), the latest readiness per plan.
    r#"
    CREATE TABLE pair_overrides (
        target            TEXT NOT NULL,
        source_server_id  TEXT NOT NULL,
        instance_id       TEXT,
        set_at            TEXT NOT NULL,
        set_by            TEXT NOT NULL,
        PRIMARY KEY (target, source_server_id)
    ) STRICT;
    CREATE TABLE pair_applications (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        plan        TEXT NOT NULL,
        target      TEXT NOT NULL,
        applied_at  TEXT NOT NULL,
        applied_by  TEXT NOT NULL,
        changes     TEXT NOT NULL,
        undone_at   TEXT,
        undone_by   TEXT
    ) STRICT;
    CREATE INDEX pair_applications_plan ON pair_applications (plan, id);
    CREATE TABLE readiness (
        plan        TEXT PRIMARY KEY,
        checked_at  TEXT NOT NULL,
        ready       INTEGER NOT NULL,
        blockers    INTEGER NOT NULL,
        warnings    INTEGER NOT NULL,
        servers     INTEGER NOT NULL,
        body        TEXT NOT NULL
    ) STRICT;
    "#,
    // 4: executions (the whole state, written before every action), their events, and the
    // requests people make of them (pause, resume, cancel, approve, confirm cleanup).
    r#"
    CREATE TABLE executions (
        id          TEXT PRIMARY KEY,
        plan        TEXT NOT NULL,
        kind        TEXT NOT NULL,
        status      TEXT NOT NULL,
        started_at  TEXT NOT NULL,
        ended_at    TEXT,
        started_by  TEXT NOT NULL,
        body        TEXT NOT NULL
    ) STRICT;
    CREATE TABLE execution_events (
        id         INTEGER PRIMARY KEY AUTOINCREMENT,
        execution  TEXT NOT NULL REFERENCES executions(id),
        at         TEXT NOT NULL,
        event      TEXT NOT NULL,
        status     TEXT NOT NULL
    ) STRICT;
    CREATE INDEX execution_events_execution ON execution_events (execution, id);
    CREATE TABLE execution_requests (
        id         INTEGER PRIMARY KEY AUTOINCREMENT,
        execution  TEXT NOT NULL,
        at         TEXT NOT NULL,
        actor      TEXT NOT NULL,
        request    TEXT NOT NULL,
        wave       TEXT
    ) STRICT;
    "#,
    // 5: when an execution's journal was last written (a driving process writes every poll),
    // so a window can tell an orphaned execution from one a terminal is running.
    r#"
    ALTER TABLE executions ADD COLUMN updated_at TEXT;
    "#,
    // 6: app settings (report schedule and its last run), one JSON value per key.
    r#"
    CREATE TABLE settings (
        key        TEXT PRIMARY KEY,
        value      TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        updated_by TEXT NOT NULL
    );
    "#,
    // 7: applies of protection groups' launch settings, server by server (for rollback).
    r#"
    CREATE TABLE launch_applications (
        id             INTEGER PRIMARY KEY,
        group_name     TEXT NOT NULL,
        target         TEXT NOT NULL,
        kind           TEXT NOT NULL,
        started_at     TEXT NOT NULL,
        finished_at    TEXT,
        actor          TEXT NOT NULL,
        rolled_back_by INTEGER,
        body           TEXT NOT NULL
    );
    CREATE INDEX launch_applications_group ON launch_applications (group_name, id);
    "#,
    // 8: one driver per execution: a lease (owner, fencing version, heartbeat in Unix seconds)
    // that every journal write checks; audit entries name the AWS identity used, where one was.
    r#"
    CREATE TABLE execution_leases (
        execution  TEXT PRIMARY KEY,
        owner      TEXT,
        version    INTEGER NOT NULL,
        heartbeat  INTEGER NOT NULL,
        acquired   TEXT NOT NULL
    ) STRICT;
    ALTER TABLE audit_log ADD COLUMN aws_identity TEXT;
    ALTER TABLE executions ADD COLUMN writes INTEGER NOT NULL DEFAULT 0;
    "#,
    // 9: a wave without `dependsOn` now waits for the wave before it (the hook writes
    // `dependsOn: []` into existing plans so they keep starting such waves with the first).
    "CREATE INDEX IF NOT EXISTS executions_status ON executions (status);",
    // 10: a person confirms a wave's step (manual steps): the request names the step.
    "ALTER TABLE execution_requests ADD COLUMN step TEXT;",
];

/// Migration 9's hook: a new revision of every plan whose waves after the first say nothing
/// about what they wait for, with `dependsOn: []` written so they keep their meaning.
fn explicit_wave_order(tx: &rusqlite::Transaction<'_>) -> rusqlite_migration::HookResult {
    use rusqlite::params;
    let plans: Vec<(i64, String, i64)> = {
        let mut stmt = tx.prepare("SELECT id, name, current_revision FROM plans")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let at = crate::now();
    for (id, name, revision) in plans {
        let body: String = tx.query_row(
            "SELECT body FROM plan_revisions WHERE plan_id = ?1 AND revision = ?2",
            params![id, revision],
            |r| r.get(0),
        )?;
        let Ok(mut plan) = serde_json::from_str::<serde_json::Value>(&body) else {
            continue;
        };
        let mut changed = Vec::new();
        if let Some(waves) = plan.get_mut("waves").and_then(|w| w.as_array_mut()) {
            for w in waves.iter_mut().skip(1) {
                if let Some(obj) = w.as_object_mut() {
                    if !obj.contains_key("dependsOn") {
                        obj.insert("dependsOn".into(), serde_json::json!([]));
                        changed.push(
                            obj.get("name")
                                .and_then(|n| n.as_str())
                                .unwrap_or_default()
                                .to_string(),
                        );
                    }
                }
            }
        }
        if changed.is_empty() {
            continue;
        }
        let message = format!(
            "upgrade: dependsOn: [] written for wave(s) {} so they still start with the first wave (a wave without dependsOn now waits for the wave before it)",
            changed.join(", ")
        );
        tx.execute(
            "INSERT INTO plan_revisions (plan_id, revision, body, created_at, author, message) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![id, revision + 1, plan.to_string(), at, "drs-orchestrator upgrade", message],
        )?;
        tx.execute(
            "UPDATE plans SET current_revision = ?1, updated_at = ?2 WHERE id = ?3",
            params![revision + 1, at, id],
        )?;
        tx.execute(
            "INSERT INTO audit_log (at, actor, action, subject_kind, subject, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                at,
                "drs-orchestrator upgrade",
                "plan.update",
                "plan",
                name,
                serde_json::json!({ "revision": revision + 1, "message": message }).to_string()
            ],
        )?;
    }
    Ok(())
}

fn migrations() -> Migrations<'static> {
    Migrations::new(
        MIGRATIONS
            .iter()
            .enumerate()
            .map(|(i, sql)| {
                if i == 8 {
                    M::up_with_hook(sql, explicit_wave_order)
                } else {
                    M::up(sql)
                }
            })
            .collect(),
    )
}

/// The schema version this build writes.
pub fn latest_version() -> i64 {
    MIGRATIONS.len() as i64
}

/// Brings the database to the latest schema; refuses a newer one without touching it.
pub fn migrate(conn: &mut Connection) -> Result<()> {
    let found: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if found > latest_version() {
        return Err(StoreError::TooNew {
            path: PathBuf::new(),
            found,
            supported: latest_version(),
        });
    }
    migrations().to_latest(conn).map_err(|e| match e {
        rusqlite_migration::Error::RusqliteError { err, .. } => StoreError::Sqlite(err),
        other => StoreError::Corrupt(format!("migration failed: {other}")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans_saved_before_the_wave_order_change_keep_their_meaning() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrations().to_version(&mut conn, 8).unwrap();
        let old = serde_json::json!({
            "name": "old", "waves": [
                {"name": "data", "groups": ["db"]},
                {"name": "app", "groups": ["app"]},
                {"name": "web", "groups": ["web"], "dependsOn": ["app"]}
            ]
        });
        conn.execute_batch(&format!(
            "INSERT INTO plans (id, name, current_revision, created_at, updated_at) VALUES (1, 'old', 1, 'x', 'x');
             INSERT INTO plan_revisions (plan_id, revision, body, created_at, author, message) VALUES (1, 1, '{old}', 'x', 'me', 'created');"
        ))
        .unwrap();
        migrate(&mut conn).unwrap();
        let (current, body, message): (i64, String, String) = conn
            .query_row(
                "SELECT p.current_revision, r.body, r.message FROM plans p JOIN plan_revisions r ON r.plan_id = p.id AND r.revision = p.current_revision",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap();
        assert_eq!(current, 2);
        let plan: drs_core::RecoveryPlan = serde_json::from_str(&body).unwrap();
        assert_eq!(
            plan.waves[0].depends_on, None,
            "the first wave needs nothing"
        );
        assert_eq!(
            plan.waves[1].depends_on,
            Some(vec![]),
            "still starts with the first"
        );
        assert_eq!(plan.waves[2].depends_on, Some(vec!["app".to_string()]));
        assert_eq!(plan.dependencies(1), Vec::<String>::new());
        assert!(message.contains("app"), "{message}");
    }

    #[test]
    fn migrations_are_valid() {
        assert!(migrations().validate().is_ok());
    }
}
