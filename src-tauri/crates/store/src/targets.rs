//! Targets (accounts + regions). Credentials are only described here; secrets live in the OS
//! keychain, never in this database.

use crate::{audit, now, Result, Store, StoreError};
use drs_core::Target;
use rusqlite::{params, OptionalExtension};
use std::collections::BTreeSet;

impl Store {
    /// Every target, by name.
    pub fn targets(&self) -> Result<Vec<Target>> {
        let mut stmt = self
            .conn
            .prepare("SELECT body FROM targets ORDER BY name")?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        rows.map(|body| {
            serde_json::from_str(&body?).map_err(|e| StoreError::Corrupt(format!("target: {e}")))
        })
        .collect()
    }

    /// Names of every target.
    pub fn target_names(&self) -> Result<BTreeSet<String>> {
        Ok(self.targets()?.into_iter().map(|t| t.name).collect())
    }

    /// Creates the built-in sandbox target when no target exists yet. Returns true if it did.
    pub fn ensure_sandbox_target(&mut self, actor: &str) -> Result<bool> {
        self.write(|tx| {
            let any: Option<String> = tx
                .query_row("SELECT name FROM targets LIMIT 1", [], |r| r.get(0))
                .optional()?;
            if any.is_some() {
                return Ok(false);
            }
            let t = Target::sandbox();
            let body = serde_json::to_string(&t).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            tx.execute(
                "INSERT INTO targets (name, body, created_at, updated_at) VALUES (?1, ?2, ?3, ?3)",
                params![t.name, body, now()],
            )?;
            audit::append(
                tx,
                actor,
                "target.create",
                "target",
                &t.name,
                serde_json::json!({"credentials": "sandbox", "automatic": true}),
            )?;
            Ok(true)
        })
    }

    /// This store's random ID (scopes its keychain entries).
    pub fn store_id(&self) -> Result<String> {
        Ok(self.conn.query_row(
            "SELECT value FROM store_info WHERE key = 'store_id'",
            [],
            |r| r.get(0),
        )?)
    }

    /// Refuses a role base target that does not exist, or a chain of role bases that loops.
    fn check_role_chain(&self, target: &Target) -> Result<()> {
        let Some(mut base) = target.credentials.base_target().map(str::to_string) else {
            return Ok(());
        };
        let targets = self.targets()?;
        let mut chain = vec![target.name.clone()];
        loop {
            let Some(next) = targets.iter().find(|t| t.name == base) else {
                return Err(StoreError::Invalid {
                    what: format!("target \"{}\"", target.name),
                    problems: vec![drs_core::Problem::error(
                        "credentials.via",
                        format!("the base target \"{base}\" does not exist"),
                    )],
                });
            };
            chain.push(base.clone());
            if next.name == target.name || chain.len() > 16 {
                return Err(StoreError::Invalid {
                    what: format!("target \"{}\"", target.name),
                    problems: vec![drs_core::Problem::error(
                        "credentials.via",
                        format!("role chain loops: {}", chain.join(" → ")),
                    )],
                });
            }
            match next.credentials.base_target() {
                Some(b) => base = b.to_string(),
                None => return Ok(()),
            }
        }
    }

    /// Creates or replaces a target after validating it.
    pub fn save_target(&mut self, target: &Target, actor: &str) -> Result<()> {
        let problems = target.validate();
        if problems.iter().any(|p| p.is_error()) {
            return Err(StoreError::Invalid {
                what: format!("target \"{}\"", target.name),
                problems,
            });
        }
        self.check_role_chain(target)?;
        let body = serde_json::to_string(target).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let after = serde_json::to_value(target).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        self.write(|tx| {
            let before: Option<String> = tx
                .query_row(
                    "SELECT body FROM targets WHERE name = ?1",
                    params![target.name],
                    |r| r.get(0),
                )
                .optional()?;
            let before: serde_json::Value = before
                .and_then(|b| serde_json::from_str(&b).ok())
                .unwrap_or(serde_json::Value::Null);
            let changes = changes(&before, &after);
            let existed = tx.execute(
                "UPDATE targets SET body = ?2, updated_at = ?3 WHERE name = ?1",
                params![target.name, body, now()],
            )? > 0;
            if !existed {
                tx.execute(
                    "INSERT INTO targets (name, body, created_at, updated_at) VALUES (?1, ?2, ?3, ?3)",
                    params![target.name, body, now()],
                )?;
            }
            let action = if existed { "target.update" } else { "target.create" };
            audit::append(tx, actor, action, "target", &target.name, serde_json::json!({
                "accountId": target.account_id,
                "primaryRegion": target.primary_region,
                "recoveryRegion": target.recovery_region,
                "credentials": target.credentials.kind(),
                "changes": changes,
            }))
        })
    }
}

/// Every field of a target's JSON as `path → value` (`credentials.roleArn`, `endpointUrl`).
fn flatten(
    v: &serde_json::Value,
    path: &str,
    out: &mut std::collections::BTreeMap<String, String>,
) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, v) in m {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                flatten(v, &p, out);
            }
        }
        serde_json::Value::Null => {}
        serde_json::Value::String(s) => {
            out.insert(path.to_string(), s.clone());
        }
        other => {
            out.insert(path.to_string(), other.to_string());
        }
    }
}

/// What changed between two versions of a target, field by field: endpoint, role, key ID,
/// regions. A target's JSON holds no secret (secrets live in the keychain; only whether one is
/// stored is kept), so none can reach the audit log.
fn changes(before: &serde_json::Value, after: &serde_json::Value) -> Vec<serde_json::Value> {
    let (mut a, mut b) = (Default::default(), Default::default());
    flatten(before, "", &mut a);
    flatten(after, "", &mut b);
    let fields: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    fields
        .into_iter()
        .filter(|f| a.get(*f) != b.get(*f))
        .map(|f| serde_json::json!({ "field": f, "before": a.get(f), "after": b.get(f) }))
        .collect()
}

impl Store {
    /// One target.
    pub fn target(&self, name: &str) -> Result<Target> {
        self.targets()?
            .into_iter()
            .find(|t| t.name == name)
            .ok_or_else(|| StoreError::NotFound {
                kind: "target",
                name: name.into(),
            })
    }

    /// Creates a target; refuses a name that is taken.
    pub fn add_target(&mut self, target: &Target, actor: &str) -> Result<()> {
        if self.target_names()?.contains(&target.name) {
            return Err(StoreError::Conflict(format!(
                "a target named \"{}\" already exists",
                target.name
            )));
        }
        self.save_target(target, actor)
    }

    /// Replaces an existing target (the name identifies it and cannot change).
    pub fn update_target(&mut self, target: &Target, actor: &str) -> Result<()> {
        self.target(&target.name)?;
        self.save_target(target, actor)
    }

    /// Deletes a target that no protection group uses and no other target assumes a role from.
    pub fn delete_target(&mut self, name: &str, actor: &str) -> Result<()> {
        self.target(name)?;
        let users: Vec<String> = self
            .groups()?
            .into_iter()
            .filter(|g| g.target == name)
            .map(|g| format!("\"{}\"", g.name))
            .collect();
        if !users.is_empty() {
            return Err(StoreError::Conflict(format!(
                "target \"{name}\" is used by protection groups {}; move or delete them first",
                users.join(", ")
            )));
        }
        let bases: Vec<String> = self
            .targets()?
            .into_iter()
            .filter(|t| t.credentials.base_target() == Some(name))
            .map(|t| format!("\"{}\"", t.name))
            .collect();
        if !bases.is_empty() {
            return Err(StoreError::Conflict(format!(
                "target \"{name}\" is the role base of targets {}; change or remove them first",
                bases.join(", ")
            )));
        }
        self.write(|tx| {
            tx.execute("DELETE FROM targets WHERE name = ?1", [name])?;
            audit::append(
                tx,
                actor,
                "target.delete",
                "target",
                name,
                serde_json::json!({}),
            )
        })
    }
}
