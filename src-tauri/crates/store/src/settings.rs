//! App settings: one JSON value per key (the report schedule and its last run). Writes are
//! audited with the previous value.

use crate::{audit, now, Result, Store, StoreError};
use rusqlite::{params, OptionalExtension};
use serde::de::DeserializeOwned;
use serde::Serialize;

impl Store {
    /// The value of `key`, if it was ever set.
    pub fn setting<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>> {
        let text: Option<String> = self
            .conn
            .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()?;
        text.map(|t| {
            serde_json::from_str(&t).map_err(|e| StoreError::Corrupt(format!("setting {key}: {e}")))
        })
        .transpose()
    }

    /// Sets `key` to `value`; `audited` writes an audit entry with the previous value (the
    /// bookkeeping of a schedule's last run is not audited).
    pub fn set_setting<T: Serialize>(
        &mut self,
        key: &str,
        value: &T,
        actor: &str,
        audited: bool,
    ) -> Result<()> {
        let text = serde_json::to_string(value)
            .map_err(|e| StoreError::Corrupt(format!("setting {key}: {e}")))?;
        self.write(|tx| {
            let before: Option<String> = tx
                .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
                    r.get(0)
                })
                .optional()?;
            tx.execute(
                "INSERT INTO settings (key, value, updated_at, updated_by) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (key) DO UPDATE SET value = ?2, updated_at = ?3, updated_by = ?4",
                params![key, text, now(), actor],
            )?;
            if audited {
                let before = before
                    .and_then(|b| serde_json::from_str::<serde_json::Value>(&b).ok())
                    .unwrap_or(serde_json::Value::Null);
                let after = serde_json::from_str::<serde_json::Value>(&text)
                    .unwrap_or(serde_json::Value::Null);
                audit::append(
                    tx,
                    actor,
                    "setting.update",
                    "setting",
                    key,
                    serde_json::json!({ "before": before, "after": after }),
                )?;
            }
            Ok(())
        })
    }
}
