//! Replication health for the CLI and the window: per-target thresholds (one setting, also
//! used by readiness), a look at every target's servers, and the monitor that turns a look
//! that got worse into alerts for a notification sink.

use crate::connect::{connect, resolve_targets, EmbeddedSandbox, Resolved};
use drs_core::cloud::CloudError;
use drs_core::health::{self, Alert, HealthSummary, ServerHealth};
use drs_core::readiness::Thresholds;
use drs_secrets::Secrets;
use drs_store::{Store, StoreError};
use serde::Serialize;
use std::collections::BTreeMap;

/// The setting holding every target's thresholds.
pub const THRESHOLDS_KEY: &str = "health.thresholds";

/// Every target's thresholds that were set (others use the defaults).
pub fn thresholds(store: &Store) -> Result<BTreeMap<String, Thresholds>, StoreError> {
    Ok(store.setting(THRESHOLDS_KEY)?.unwrap_or_default())
}

/// One target's thresholds.
pub fn thresholds_of(store: &Store, target: &str) -> Result<Thresholds, StoreError> {
    Ok(thresholds(store)?.get(target).copied().unwrap_or_default())
}

/// Sets a target's thresholds (checked first; the change is audited with the previous values).
pub fn set_thresholds(
    store: &mut Store,
    target: &str,
    t: Thresholds,
    actor: &str,
) -> Result<(), StoreError> {
    store.target(target)?;
    let problems = t.problems();
    if !problems.is_empty() {
        return Err(StoreError::Invalid {
            what: format!("the replication thresholds setting of target \"{target}\""),
            problems,
        });
    }
    let mut all = thresholds(store)?;
    all.insert(target.to_string(), t);
    store.set_setting(THRESHOLDS_KEY, &all, actor, true)
}

/// The targets to look at. Blocking (the keychain).
pub struct Prepared {
    targets: Vec<(String, Result<Resolved, CloudError>, Thresholds)>,
}

impl Prepared {
    /// Leaves out the targets that would start the embedded sandbox (background loops look at
    /// the sandbox only once someone used it: a user of real AWS alone never runs it).
    pub fn without_idle_sandbox(mut self, sandbox: &crate::connect::EmbeddedSandbox) -> Self {
        if !sandbox.is_running() {
            self.targets
                .retain(|(_, r, _)| !r.as_ref().is_ok_and(Resolved::uses_embedded_sandbox));
        }
        self
    }
}

/// Reads the targets (one, or every one), their secrets and thresholds. Blocking.
pub fn prepare(
    store: &Store,
    secrets: &dyn Secrets,
    target: Option<&str>,
) -> Result<Prepared, StoreError> {
    let all = thresholds(store)?;
    Ok(Prepared {
        targets: resolve_targets(store, secrets, target)?
            .into_iter()
            .map(|(t, r)| {
                let th = all.get(&t.name).copied().unwrap_or_default();
                (t.name, r, th)
            })
            .collect(),
    })
}

/// One target's servers judged.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub struct TargetHealth {
    /// Target.
    pub target: String,
    /// Its thresholds.
    pub thresholds: Thresholds,
    /// Every server.
    pub servers: Vec<ServerHealth>,
    /// Counts and the lag distribution.
    pub summary: HealthSummary,
    /// The target could not be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub error: Option<String>,
}

use crate::now;

/// Reads every prepared target's source servers and judges them.
pub async fn check(prepared: &Prepared, sandbox: &EmbeddedSandbox) -> Vec<TargetHealth> {
    let mut out = Vec::new();
    for (target, resolved, t) in &prepared.targets {
        let servers = match resolved {
            Ok(r) => match connect(r.clone(), sandbox).await {
                Ok(c) => c.source_servers().await,
                Err(e) => Err(e),
            },
            Err(e) => Err(e.clone()),
        };
        let (servers, error) = match servers {
            Ok(s) => (health::assess(&s, t, &now()), None),
            Err(e) => (vec![], Some(e.to_string())),
        };
        out.push(TargetHealth {
            target: target.clone(),
            thresholds: *t,
            summary: health::summary(&servers, t),
            servers,
            error,
        });
    }
    out
}

/// Looks again and again, remembering the last look, and reports what got worse.
#[derive(Default)]
pub struct Monitor {
    previous: Option<Vec<ServerHealth>>,
}

impl Monitor {
    /// One look: the health now, and the alerts against the previous look (none on the
    /// first, which sets the baseline; targets that could not be read keep their last state).
    pub async fn look(
        &mut self,
        prepared: &Prepared,
        sandbox: &EmbeddedSandbox,
    ) -> (Vec<TargetHealth>, Vec<Alert>) {
        let now = check(prepared, sandbox).await;
        let mut current: Vec<ServerHealth> =
            now.iter().flat_map(|t| t.servers.iter().cloned()).collect();
        let failed: Vec<&str> = now
            .iter()
            .filter(|t| t.error.is_some())
            .map(|t| t.target.as_str())
            .collect();
        if let Some(prev) = &self.previous {
            current.extend(
                prev.iter()
                    .filter(|h| failed.contains(&h.target.as_str()))
                    .cloned(),
            );
        }
        let alerts = match &self.previous {
            Some(prev) => health::alerts(prev, &current),
            None => vec![],
        };
        self.previous = Some(current);
        (now, alerts)
    }
}

impl crate::App {
    /// Every target's servers (or one target's) against its replication thresholds, read now.
    pub async fn health_check(
        &self,
        target: Option<&str>,
    ) -> Result<Vec<TargetHealth>, crate::AppError> {
        let only = target.map(str::to_string);
        let prepared = self
            .with_store_and_keychain(move |s, k| Ok(prepare(s, k, only.as_deref())?))
            .await?;
        Ok(check(&prepared, self.sandbox()).await)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use drs_secrets::{SecretKind, SecretsError};
    use std::sync::Arc;

    struct NoSecrets;

    impl Secrets for NoSecrets {
        fn put(&self, _: &str, _: SecretKind, _: &str) -> Result<(), SecretsError> {
            Ok(())
        }
        fn get(&self, _: &str, _: SecretKind) -> Result<Option<String>, SecretsError> {
            Ok(None)
        }
        fn delete(&self, _: &str, _: SecretKind) -> Result<(), SecretsError> {
            Ok(())
        }
    }

    /// A user of real AWS alone never runs the sandbox: the background monitor leaves out the
    /// sandbox target until someone uses it, and then looks at it too.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_monitor_does_not_start_a_sandbox_nobody_used() {
        let dir = tempfile::tempdir().unwrap();
        let app = crate::App::with_keychain(dir.path().to_path_buf(), Arc::new(NoSecrets));
        let prepare_all = || app.with_store_and_keychain(move |s, k| Ok(prepare(s, k, None)?));
        let prepared = prepare_all().await.unwrap();
        assert_eq!(prepared.targets.len(), 1, "the sandbox target exists");
        let prepared = prepared.without_idle_sandbox(app.sandbox());
        let (health, _) = Monitor::default().look(&prepared, app.sandbox()).await;
        assert!(health.is_empty());
        assert!(!app.sandbox().is_running(), "no sandbox listening");
        // Once a person uses it (here: its inventory), the monitor includes it.
        let used = app.health_check(None).await.unwrap();
        assert_eq!(used.len(), 1);
        assert!(app.sandbox().is_running());
        let prepared = prepare_all()
            .await
            .unwrap()
            .without_idle_sandbox(app.sandbox());
        assert_eq!(
            Monitor::default()
                .look(&prepared, app.sandbox())
                .await
                .0
                .len(),
            1
        );
    }
}
