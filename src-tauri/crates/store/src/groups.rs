//! Protection groups.

use crate::{audit, now, Result, Store, StoreError};
use drs_core::group::explicit_conflicts;
use drs_core::ProtectionGroup;
use rusqlite::{params, OptionalExtension, Transaction};

fn decode(body: &str) -> Result<ProtectionGroup> {
    serde_json::from_str(body).map_err(|e| StoreError::Corrupt(format!("protection group: {e}")))
}

/// Writes a group inside a transaction (validation is the caller's), renaming it when
/// `original_name` differs, and appends an audit entry.
pub(crate) fn upsert(
    tx: &Transaction<'_>,
    group: &ProtectionGroup,
    original_name: Option<&str>,
    actor: &str,
    action: &str,
) -> Result<()> {
    let body = serde_json::to_string(group).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let old = original_name.unwrap_or(&group.name);
    let existed = tx.execute(
        "UPDATE protection_groups SET name = ?2, target = ?3, body = ?4, updated_at = ?5 WHERE name = ?1",
        params![old, group.name, group.target, body, now()],
    )? > 0;
    if !existed {
        tx.execute(
            "INSERT INTO protection_groups (name, target, body, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4)",
            params![group.name, group.target, body, now()],
        )?;
    }
    let action = if action.is_empty() {
        if existed {
            "group.update"
        } else {
            "group.create"
        }
    } else {
        action
    };
    let mut detail = serde_json::json!({ "group": group });
    if old != group.name {
        detail["renamedFrom"] = serde_json::Value::String(old.to_string());
    }
    audit::append(tx, actor, action, "group", &group.name, detail)
}

impl Store {
    /// Every protection group, by name.
    pub fn groups(&self) -> Result<Vec<ProtectionGroup>> {
        let mut stmt = self
            .conn
            .prepare("SELECT body FROM protection_groups ORDER BY name")?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        rows.map(|b| decode(&b?)).collect()
    }

    /// One group.
    pub fn group(&self, name: &str) -> Result<ProtectionGroup> {
        let body: Option<String> = self
            .conn
            .query_row(
                "SELECT body FROM protection_groups WHERE name = ?1",
                [name],
                |r| r.get(0),
            )
            .optional()?;
        match body {
            Some(b) => decode(&b),
            None => Err(StoreError::NotFound {
                kind: "protection group",
                name: name.into(),
            }),
        }
    }

    /// Every problem with `group` if it were saved (replacing `original_name`, if given).
    pub fn check_group(
        &self,
        group: &ProtectionGroup,
        original_name: Option<&str>,
    ) -> Result<Vec<drs_core::Problem>> {
        let mut problems = group.validate(&self.target_names()?);
        let mut others: Vec<ProtectionGroup> = self
            .groups()?
            .into_iter()
            .filter(|g| g.name != original_name.unwrap_or(&group.name))
            .collect();
        if original_name.is_some_and(|o| o != group.name)
            && others.iter().any(|g| g.name == group.name)
        {
            problems.push(drs_core::Problem::error(
                "name",
                format!("a protection group named \"{}\" already exists", group.name),
            ));
        }
        others.push(group.clone());
        let last = others.len() - 1;
        problems.extend(
            explicit_conflicts(&others)
                .into_iter()
                .filter(|(i, _)| *i == last)
                .map(|(_, p)| p),
        );
        Ok(problems)
    }

    /// Creates or updates (and possibly renames) a group after validating it. Renaming a group
    /// that plans use is refused: the plans would lose it.
    pub fn save_group(
        &mut self,
        group: &ProtectionGroup,
        original_name: Option<&str>,
        actor: &str,
    ) -> Result<()> {
        let problems = self.check_group(group, original_name)?;
        if problems.iter().any(|p| p.is_error()) {
            return Err(StoreError::Invalid {
                what: format!("protection group \"{}\"", group.name),
                problems,
            });
        }
        if let Some(old) = original_name.filter(|o| *o != group.name) {
            let users = self.plans_using_group(old)?;
            if !users.is_empty() {
                return Err(StoreError::Conflict(format!(
                    "protection group \"{old}\" cannot be renamed: plans {} use it",
                    quoted(&users)
                )));
            }
        }
        self.write(|tx| upsert(tx, group, original_name, actor, ""))
    }

    /// Deletes a group that no plan uses.
    pub fn delete_group(&mut self, name: &str, actor: &str) -> Result<()> {
        let group = self.group(name)?;
        let users = self.plans_using_group(name)?;
        if !users.is_empty() {
            return Err(StoreError::Conflict(format!(
                "protection group \"{name}\" is used by plans {}; remove it from their waves first",
                quoted(&users)
            )));
        }
        self.write(|tx| {
            tx.execute("DELETE FROM protection_groups WHERE name = ?1", [name])?;
            audit::append(
                tx,
                actor,
                "group.delete",
                "group",
                name,
                serde_json::json!({ "group": group }),
            )
        })
    }

    /// Names of the plans whose current revision uses `group`.
    pub fn plans_using_group(&self, group: &str) -> Result<Vec<String>> {
        Ok(self
            .plan_bodies()?
            .into_iter()
            .filter(|p| p.waves.iter().any(|w| w.groups.iter().any(|g| g == group)))
            .map(|p| p.name)
            .collect())
    }
}

fn quoted(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("\"{n}\""))
        .collect::<Vec<_>>()
        .join(", ")
}
