//! The append-only audit log: who did what, when.

use crate::{now, Result, Store};
use rusqlite::{params, Connection};
use serde::Serialize;

/// One audit entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub struct AuditEntry {
    /// Increasing sequence number.
    pub id: i64,
    /// RFC 3339 UTC time.
    pub at: String,
    /// Who (OS user now; the caller ARN once AWS actions exist).
    pub actor: String,
    /// What, e.g. `plan.update`.
    pub action: String,
    /// `plan`, `group`, `target`.
    pub subject_kind: String,
    /// The object's name.
    pub subject: String,
    /// Details as JSON (revision numbers, previous names, …).
    #[ts(type = "unknown")]
    pub detail: serde_json::Value,
    /// The AWS identity (caller ARN) the action used, where it used one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub aws_identity: Option<String>,
}

/// Appends an entry inside the caller's transaction.
pub(crate) fn append(
    conn: &Connection,
    actor: &str,
    action: &str,
    subject_kind: &str,
    subject: &str,
    detail: serde_json::Value,
) -> Result<()> {
    conn.execute(
        "INSERT INTO audit_log (at, actor, action, subject_kind, subject, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![now(), actor, action, subject_kind, subject, detail.to_string()],
    )?;
    Ok(())
}

impl Store {
    /// Appends one audit entry naming the AWS identity (caller ARNs) the action used.
    pub fn audit_event_as(
        &mut self,
        actor: &str,
        aws_identity: &str,
        action: &str,
        subject_kind: &str,
        subject: &str,
        detail: serde_json::Value,
    ) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO audit_log (at, actor, action, subject_kind, subject, detail, aws_identity) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![now(), actor, action, subject_kind, subject, detail.to_string(), aws_identity],
            )?;
            Ok(())
        })
    }

    /// Appends one audit entry on its own (for actions that change nothing else in the store,
    /// such as starting an execution or overriding readiness).
    pub fn audit_event(
        &mut self,
        actor: &str,
        action: &str,
        subject_kind: &str,
        subject: &str,
        detail: serde_json::Value,
    ) -> Result<()> {
        self.write(|tx| append(tx, actor, action, subject_kind, subject, detail))
    }

    /// The newest `limit` entries, newest first, optionally only those about `subject`.
    pub fn audit(&self, subject: Option<&str>, limit: u32) -> Result<Vec<AuditEntry>> {
        let mut stmt = self.conn.prepare(
            "SELECT id, at, actor, action, subject_kind, subject, detail, aws_identity FROM audit_log
             WHERE ?1 IS NULL OR subject = ?1 ORDER BY id DESC LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![subject, limit], |r| {
            let detail: String = r.get(6)?;
            Ok(AuditEntry {
                id: r.get(0)?,
                at: r.get(1)?,
                actor: r.get(2)?,
                action: r.get(3)?,
                subject_kind: r.get(4)?,
                subject: r.get(5)?,
                detail: serde_json::from_str(&detail).unwrap_or(serde_json::Value::String(detail)),
                aws_identity: r.get(7)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
