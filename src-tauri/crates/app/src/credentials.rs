//! Targets together with their secrets. Adding, editing and removing a target changes its
//! database row and its OS-keychain entries as one unit: keychain entries are changed first (the
//! old values kept in memory), then the row is written; if the row cannot be written the entries
//! are put back. So a target is never stored without its secret, nor a secret left for a target
//! that was not stored.
//!
//! Secrets arrive as [`SecretString`]s (redacted in `Debug`), are checked without ever being
//! echoed, and go nowhere but the keychain. The stored target only records that one is kept
//! (`externalIdStored`, `sessionTokenStored`).
//!
//! Keychain calls block (the Secret Service is reached over D-Bus); callers run them off the
//! async runtime (`spawn_blocking` in the GUI, before the runtime in the CLI).

use drs_core::{CredentialSource, Problem, RoleBase, Target};
use drs_secrets::{SecretKind, Secrets, SecretsError};
use drs_store::{Store, StoreError};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

/// Secrets entered with a target. `None` keeps what is stored (when it still applies).
#[derive(Debug, Default, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export_to = "ipc.ts")]
pub struct SecretInput {
    /// Secret access key, for an access-key target.
    #[serde(default)]
    #[ts(as = "Option<String>", optional)]
    pub secret_access_key: Option<SecretString>,
    /// Session token, for temporary access keys.
    #[serde(default)]
    #[ts(as = "Option<String>", optional)]
    pub session_token: Option<SecretString>,
    /// External ID the role's trust policy requires.
    #[serde(default)]
    #[ts(as = "Option<String>", optional)]
    pub external_id: Option<SecretString>,
}

/// Add a new target, or edit an existing one (the name identifies it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub enum SaveMode {
    /// The name must be free.
    Add,
    /// The target must exist.
    Edit,
}

/// Why a target (and its secrets) could not be saved or removed. Never contains a secret.
#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    /// The input breaks a rule.
    #[error("target \"{target}\" is not valid: {}", problems.iter().map(|p| format!("{}: {}", p.path, p.message)).collect::<Vec<_>>().join("; "))]
    Invalid {
        /// The target's name.
        target: String,
        /// Each problem with its field path.
        problems: Vec<Problem>,
    },
    /// The store refused or failed; the keychain was put back as it was.
    #[error("{0}")]
    Store(#[from] StoreError),
    /// The keychain refused or failed; nothing was saved.
    #[error("{error}; nothing was saved")]
    Keychain {
        /// What the keychain said.
        error: SecretsError,
    },
    /// Saving failed and the keychain could not be put back either.
    #[error("{error}; in addition the OS keychain could not be put back as it was ({restore})")]
    Inconsistent {
        /// The first failure.
        error: Box<TargetError>,
        /// The failure to restore.
        restore: SecretsError,
    },
}

/// The keychain entry name of a target in a store: `<store id>/<target>`, so that two data
/// directories with a target of the same name never share an entry.
pub fn entry(store_id: &str, target: &str) -> String {
    format!("{store_id}/{target}")
}

fn check_secret(what: &str, path: &str, value: &SecretString, problems: &mut Vec<Problem>) {
    let v = value.expose_secret();
    if v.trim().is_empty() {
        problems.push(Problem::error(path, format!("{what} is empty")));
    } else if v.chars().any(char::is_whitespace) {
        problems.push(Problem::error(
            path,
            format!("{what} contains spaces or line breaks; paste it again without them"),
        ));
    } else if v.len() > 4096 {
        problems.push(Problem::error(
            path,
            format!("{what} is longer than 4,096 characters"),
        ));
    }
}

fn check_external_id(value: &SecretString, problems: &mut Vec<Problem>) {
    let v = value.expose_secret();
    let ok = (2..=1224).contains(&v.len())
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+=,.@:/_-".contains(&b));
    if !ok {
        problems.push(Problem::error(
            "credentials.externalId",
            "external ID must be 2–1,224 letters, digits or + = , . @ : / _ - (it is not shown here)",
        ));
    }
}

/// One planned keychain change: `Some` stores a value, `None` deletes the entry.
struct Change {
    kind: SecretKind,
    value: Option<SecretString>,
}

/// Works out the keychain changes for `target` (setting its `…Stored` flags) or the problems.
fn plan_changes(
    target: &mut Target,
    previous: Option<&Target>,
    input: SecretInput,
    stored: impl Fn(SecretKind) -> Result<bool, SecretsError>,
) -> Result<Vec<Change>, TargetError> {
    let mut problems = Vec::new();
    let mut changes = Vec::new();
    let SecretInput {
        secret_access_key,
        session_token,
        external_id,
    } = input;
    let keychain = |error| TargetError::Keychain { error };

    let previous_key_id = match previous.map(|p| &p.credentials) {
        Some(CredentialSource::AccessKeys { access_key_id, .. }) => Some(access_key_id.clone()),
        _ => None,
    };
    match &mut target.credentials {
        CredentialSource::AccessKeys {
            access_key_id,
            session_token_stored,
        } => {
            match secret_access_key {
                Some(secret) => {
                    check_secret(
                        "secret access key",
                        "credentials.secretAccessKey",
                        &secret,
                        &mut problems,
                    );
                    changes.push(Change {
                        kind: SecretKind::SecretAccessKey,
                        value: Some(secret),
                    });
                }
                None if previous_key_id.as_deref() != Some(access_key_id.as_str()) => {
                    problems.push(Problem::error(
                        "credentials.secretAccessKey",
                        format!("enter the secret access key of {access_key_id}"),
                    ))
                }
                None if !stored(SecretKind::SecretAccessKey).map_err(keychain)? => {
                    problems.push(Problem::error(
                        "credentials.secretAccessKey",
                        "no secret access key is stored in the OS keychain for this target; enter it",
                    ))
                }
                None => {}
            }
            match session_token {
                Some(token) => {
                    check_secret(
                        "session token",
                        "credentials.sessionToken",
                        &token,
                        &mut problems,
                    );
                    *session_token_stored = true;
                    changes.push(Change {
                        kind: SecretKind::SessionToken,
                        value: Some(token),
                    });
                }
                None if *session_token_stored
                    && (previous_key_id.as_deref() != Some(access_key_id.as_str())
                        || !stored(SecretKind::SessionToken).map_err(keychain)?) =>
                {
                    problems.push(Problem::error(
                        "credentials.sessionToken",
                        "enter the session token, or say the keys have none",
                    ))
                }
                None if *session_token_stored => {}
                None => changes.push(Change {
                    kind: SecretKind::SessionToken,
                    value: None,
                }),
            }
            changes.push(Change {
                kind: SecretKind::ExternalId,
                value: None,
            });
        }
        CredentialSource::AssumeRole {
            external_id_stored, ..
        } => {
            if secret_access_key.is_some() || session_token.is_some() {
                problems.push(Problem::error(
                    "credentials",
                    "a role target takes no access keys; its base profile or target has them",
                ));
            }
            let had_role = matches!(
                previous.map(|p| &p.credentials),
                Some(CredentialSource::AssumeRole { .. })
            );
            match external_id {
                Some(id) => {
                    check_external_id(&id, &mut problems);
                    *external_id_stored = true;
                    changes.push(Change {
                        kind: SecretKind::ExternalId,
                        value: Some(id),
                    });
                }
                None if *external_id_stored
                    && (!had_role || !stored(SecretKind::ExternalId).map_err(keychain)?) =>
                {
                    problems.push(Problem::error(
                        "credentials.externalId",
                        "enter the external ID, or say the role needs none",
                    ))
                }
                None if *external_id_stored => {}
                None => changes.push(Change {
                    kind: SecretKind::ExternalId,
                    value: None,
                }),
            }
            for kind in [SecretKind::SecretAccessKey, SecretKind::SessionToken] {
                changes.push(Change { kind, value: None });
            }
        }
        CredentialSource::Sandbox | CredentialSource::Profile { .. } => {
            if secret_access_key.is_some() || session_token.is_some() || external_id.is_some() {
                problems.push(Problem::error(
                    "credentials",
                    format!(
                        "a {} target keeps no secrets in the app",
                        target.credentials.kind()
                    ),
                ));
            }
            for kind in [
                SecretKind::SecretAccessKey,
                SecretKind::SessionToken,
                SecretKind::ExternalId,
            ] {
                changes.push(Change { kind, value: None });
            }
        }
    }
    // Deletes only of what the previous credentials kept: a sandbox or profile target never
    // touches the keychain.
    let kept = |kind: SecretKind| match previous.map(|p| &p.credentials) {
        Some(CredentialSource::AccessKeys {
            session_token_stored,
            ..
        }) => {
            kind == SecretKind::SecretAccessKey
                || (kind == SecretKind::SessionToken && *session_token_stored)
        }
        Some(CredentialSource::AssumeRole {
            external_id_stored, ..
        }) => kind == SecretKind::ExternalId && *external_id_stored,
        _ => false,
    };
    changes.retain(|c| c.value.is_some() || kept(c.kind));
    if problems.is_empty() {
        Ok(changes)
    } else {
        Err(TargetError::Invalid {
            target: target.name.clone(),
            problems,
        })
    }
}

/// Entries changed so far, with what they held before, to put back on failure.
struct Undo<'a> {
    secrets: &'a dyn Secrets,
    entry: String,
    done: Vec<(SecretKind, Option<String>)>,
}

impl Undo<'_> {
    fn apply(&mut self, change: Change) -> Result<(), SecretsError> {
        let before = self.secrets.get(&self.entry, change.kind)?;
        if before.is_none() && change.value.is_none() {
            return Ok(());
        }
        match &change.value {
            Some(v) => self
                .secrets
                .put(&self.entry, change.kind, v.expose_secret())?,
            None => self.secrets.delete(&self.entry, change.kind)?,
        }
        self.done.push((change.kind, before));
        Ok(())
    }

    /// Puts every changed entry back; returns `error`, or `Inconsistent` if that fails too.
    fn roll_back(self, error: TargetError) -> TargetError {
        for (kind, before) in self.done.into_iter().rev() {
            let restored = match &before {
                Some(v) => self.secrets.put(&self.entry, kind, v),
                None => self.secrets.delete(&self.entry, kind),
            };
            if let Err(restore) = restored {
                return TargetError::Inconsistent {
                    error: Box::new(error),
                    restore,
                };
            }
        }
        error
    }
}

/// Checks a target before anything is written: its own rules, the role chain, the name.
fn precheck(store: &Store, target: &Target, mode: SaveMode) -> Result<Option<Target>, TargetError> {
    let problems: Vec<Problem> = target
        .validate()
        .into_iter()
        .filter(|p| p.is_error())
        .collect();
    if !problems.is_empty() {
        return Err(TargetError::Invalid {
            target: target.name.clone(),
            problems,
        });
    }
    match mode {
        SaveMode::Add => {
            if store.target_names()?.contains(&target.name) {
                return Err(StoreError::Conflict(format!(
                    "a target named \"{}\" already exists",
                    target.name
                ))
                .into());
            }
            Ok(None)
        }
        SaveMode::Edit => Ok(Some(store.target(&target.name)?)),
    }
}

/// Saves `target` and its secrets as one unit; returns the target as stored.
pub fn save(
    store: &mut Store,
    secrets: &dyn Secrets,
    mut target: Target,
    input: SecretInput,
    mode: SaveMode,
    actor: &str,
) -> Result<Target, TargetError> {
    let previous = precheck(store, &target, mode)?;
    let entry = entry(&store.store_id()?, &target.name);
    let changes = plan_changes(&mut target, previous.as_ref(), input, |kind| {
        secrets.get(&entry, kind).map(|v| v.is_some())
    })?;
    let mut undo = Undo {
        secrets,
        entry,
        done: Vec::new(),
    };
    for change in changes {
        if let Err(error) = undo.apply(change) {
            return Err(undo.roll_back(TargetError::Keychain { error }));
        }
    }
    let written = match mode {
        SaveMode::Add => store.add_target(&target, actor),
        SaveMode::Edit => store.update_target(&target, actor),
    };
    match written {
        Ok(()) => Ok(target),
        Err(e) => Err(undo.roll_back(e.into())),
    }
}

/// Removes a target and its keychain entries as one unit.
pub fn remove(
    store: &mut Store,
    secrets: &dyn Secrets,
    name: &str,
    actor: &str,
) -> Result<(), TargetError> {
    let target = store.target(name)?;
    let mut undo = Undo {
        secrets,
        entry: entry(&store.store_id()?, name),
        done: Vec::new(),
    };
    // What the target keeps in the keychain (a sandbox or profile target keeps nothing).
    let kept: &[SecretKind] = match &target.credentials {
        CredentialSource::AccessKeys {
            session_token_stored: true,
            ..
        } => &[SecretKind::SecretAccessKey, SecretKind::SessionToken],
        CredentialSource::AccessKeys { .. } => &[SecretKind::SecretAccessKey],
        CredentialSource::AssumeRole {
            external_id_stored: true,
            ..
        } => &[SecretKind::ExternalId],
        _ => &[],
    };
    for &kind in kept {
        if let Err(error) = undo.apply(Change { kind, value: None }) {
            return Err(undo.roll_back(TargetError::Keychain { error }));
        }
    }
    match store.delete_target(name, actor) {
        Ok(()) => Ok(()),
        Err(e) => Err(undo.roll_back(e.into())),
    }
}

/// The profiles a target's credentials name (its own, or the base profile of its role).
pub fn profiles_named(target: &Target) -> Option<(&'static str, &str)> {
    match &target.credentials {
        CredentialSource::Profile { profile } => Some(("credentials.profile", profile)),
        CredentialSource::AssumeRole {
            via,
            via_kind: RoleBase::Profile,
            ..
        } => Some(("credentials.via", via)),
        _ => None,
    }
}

/// Checks a target before anything is written: its own rules, then that the profile it names
/// is in the AWS config files (naming what is there when not).
pub async fn preflight(target: &Target) -> Result<(), TargetError> {
    let mut problems: Vec<Problem> = target
        .validate()
        .into_iter()
        .filter(|p| p.is_error())
        .collect();
    if let Some((path, profile)) = profiles_named(target) {
        if problems.iter().all(|p| p.path != path) {
            if let Err(e) = drs_aws::profiles::find(profile).await {
                let message = match e {
                    drs_core::cloud::CloudError::Credentials(m) => m,
                    other => other.to_string(),
                };
                problems.push(Problem::error(path, message));
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(TargetError::Invalid {
            target: target.name.clone(),
            problems,
        })
    }
}

#[cfg(test)]
mod tests {
    //! The all-or-nothing rules with an in-memory keychain that can be told to fail (the real
    //! Secret Service is exercised by the integration tests).

    use super::*;
    use std::collections::BTreeMap;
    use std::sync::Mutex;

    #[derive(Default)]
    struct FakeKeychain {
        entries: Mutex<BTreeMap<String, String>>,
        fail_puts: bool,
    }

    fn key(target: &str, kind: SecretKind) -> String {
        format!("{target}/{kind:?}")
    }

    impl Secrets for FakeKeychain {
        fn put(&self, target: &str, kind: SecretKind, value: &str) -> Result<(), SecretsError> {
            if self.fail_puts {
                return Err(SecretsError::Unavailable("locked".into()));
            }
            self.entries
                .lock()
                .unwrap()
                .insert(key(target, kind), value.into());
            Ok(())
        }
        fn get(&self, target: &str, kind: SecretKind) -> Result<Option<String>, SecretsError> {
            Ok(self
                .entries
                .lock()
                .unwrap()
                .get(&key(target, kind))
                .cloned())
        }
        fn delete(&self, target: &str, kind: SecretKind) -> Result<(), SecretsError> {
            self.entries.lock().unwrap().remove(&key(target, kind));
            Ok(())
        }
    }

    fn keys_target(name: &str, key_id: &str) -> Target {
        Target {
            name: name.into(),
            credentials: CredentialSource::AccessKeys {
                access_key_id: key_id.into(),
                session_token_stored: false,
            },
            ..Target::sandbox()
        }
    }

    fn secret(v: &str) -> Option<SecretString> {
        Some(SecretString::from(v.to_string()))
    }

    fn open() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        (dir, store)
    }

    #[test]
    fn a_target_and_its_secret_are_saved_edited_and_removed_together() {
        let (_d, mut store) = open();
        let k = FakeKeychain::default();
        let t = keys_target("prod", "AKIAEXAMPLE000000001");
        let input = SecretInput {
            secret_access_key: secret("wJalrXUtnFEMI/K7MDENG"),
            ..Default::default()
        };
        save(&mut store, &k, t.clone(), input, SaveMode::Add, "t").unwrap();
        let e = entry(&store.store_id().unwrap(), "prod");
        assert_eq!(
            k.get(&e, SecretKind::SecretAccessKey).unwrap().as_deref(),
            Some("wJalrXUtnFEMI/K7MDENG")
        );

        // Editing the regions keeps the secret without re-entering it.
        let mut edited = t.clone();
        edited.recovery_region = "eu-west-1".into();
        save(
            &mut store,
            &k,
            edited,
            SecretInput::default(),
            SaveMode::Edit,
            "t",
        )
        .unwrap();
        assert!(k.get(&e, SecretKind::SecretAccessKey).unwrap().is_some());

        // A new key ID needs its secret.
        let err = save(
            &mut store,
            &k,
            keys_target("prod", "AKIAEXAMPLE000000002"),
            SecretInput::default(),
            SaveMode::Edit,
            "t",
        )
        .unwrap_err();
        assert!(err
            .to_string()
            .contains("enter the secret access key of AKIAEXAMPLE000000002"));

        // Switching to a profile deletes the secret.
        let mut profile = t.clone();
        profile.credentials = CredentialSource::Profile {
            profile: "ops".into(),
        };
        save(
            &mut store,
            &k,
            profile,
            SecretInput::default(),
            SaveMode::Edit,
            "t",
        )
        .unwrap();
        assert!(k.entries.lock().unwrap().is_empty());

        remove(&mut store, &k, "prod", "t").unwrap();
        assert!(store.target("prod").is_err());
    }

    #[test]
    fn a_keychain_failure_saves_nothing_and_a_store_failure_restores_the_keychain() {
        let (_d, mut store) = open();
        let locked = FakeKeychain {
            fail_puts: true,
            ..Default::default()
        };
        let input = || SecretInput {
            secret_access_key: secret("abc/def"),
            ..Default::default()
        };
        let t = keys_target("prod", "AKIAEXAMPLE000000001");
        let err = save(&mut store, &locked, t.clone(), input(), SaveMode::Add, "t").unwrap_err();
        assert!(err.to_string().contains("nothing was saved"), "{err}");
        assert!(
            store.targets().unwrap().is_empty(),
            "no target without its secret"
        );

        // The store refuses (the base target does not exist): the secret is not left behind.
        let k = FakeKeychain::default();
        let mut role = t.clone();
        role.credentials = CredentialSource::AssumeRole {
            role_arn: "arn:aws:iam::111122223333:role/R".into(),
            via: "missing".into(),
            via_kind: RoleBase::Target,
            session_name: None,
            external_id_stored: false,
        };
        let err = save(
            &mut store,
            &k,
            role,
            SecretInput {
                external_id: secret("ext-id-1"),
                ..Default::default()
            },
            SaveMode::Add,
            "t",
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("\"missing\" does not exist"),
            "{err}"
        );
        assert!(
            k.entries.lock().unwrap().is_empty(),
            "no secret without its target"
        );
    }

    #[test]
    fn secrets_are_checked_without_being_echoed() {
        let (_d, mut store) = open();
        let k = FakeKeychain::default();
        for (value, fragment) in [
            ("   ", "secret access key is empty"),
            ("abc def-SECRET", "contains spaces or line breaks"),
        ] {
            let err = save(
                &mut store,
                &k,
                keys_target("prod", "AKIAEXAMPLE000000001"),
                SecretInput {
                    secret_access_key: secret(value),
                    ..Default::default()
                },
                SaveMode::Add,
                "t",
            )
            .unwrap_err()
            .to_string();
            assert!(err.contains(fragment), "{err}");
            assert!(!err.contains("SECRET"), "{err}");
        }
        let mut role = keys_target("r", "AKIAEXAMPLE000000001");
        role.credentials = CredentialSource::AssumeRole {
            role_arn: "arn:aws:iam::111122223333:role/R".into(),
            via: "ops".into(),
            via_kind: RoleBase::Profile,
            session_name: None,
            external_id_stored: true,
        };
        let err = save(
            &mut store,
            &k,
            role,
            SecretInput::default(),
            SaveMode::Add,
            "t",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("enter the external ID"), "{err}");
        assert!(format!(
            "{:?}",
            SecretInput {
                external_id: secret("hidden-id"),
                ..Default::default()
            }
        )
        .contains("REDACTED"));
        assert!(k.entries.lock().unwrap().is_empty());
    }
}
