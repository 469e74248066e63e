//! EC2 → DRS tag sync for the CLI and the window: read each target's source servers and their
//! origin instances, show what would change (dry run), write it with TagResource, and audit it.

use crate::connect::{connect, resolve_targets, EmbeddedSandbox, Resolved};
use drs_core::cloud::{Cloud, CloudError};
use drs_core::tag_sync::{self, TagSyncPlan};
use drs_secrets::Secrets;
use drs_store::{Store, StoreError};
use futures::stream::{self, StreamExt};
use serde::Serialize;
use std::collections::BTreeMap;

/// Tag writes in flight per target.
const IN_FLIGHT: usize = 8;

/// The targets to sync, with their connections. Blocking (the keychain).
pub struct Prepared {
    targets: Vec<(String, Result<Resolved, CloudError>)>,
}

/// Reads the targets (one, or every one) and their secrets. Blocking.
pub fn prepare(
    store: &Store,
    secrets: &dyn Secrets,
    target: Option<&str>,
) -> Result<Prepared, StoreError> {
    Ok(Prepared {
        targets: resolve_targets(store, secrets, target)?
            .into_iter()
            .map(|(t, r)| (t.name, r))
            .collect(),
    })
}

/// One target's sync.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub struct TargetSync {
    /// Target.
    pub target: String,
    /// What differs.
    pub plan: TagSyncPlan,
    /// Servers whose tags were written.
    pub written: usize,
    /// Servers whose write failed, with why.
    pub failed: Vec<String>,
    /// The target could not be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub error: Option<String>,
}

async fn plan_target(cloud: &dyn Cloud) -> Result<TagSyncPlan, CloudError> {
    let servers = cloud.source_servers().await?;
    let mut by_region: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for s in &servers {
        if let (Some(i), Some(r)) = (&s.origin_instance_id, &s.origin_region) {
            by_region.entry(r.clone()).or_default().push(i.clone());
        }
    }
    let mut instances = BTreeMap::new();
    for (region, ids) in by_region {
        for i in cloud.instances_in(&region, &ids).await? {
            instances.insert(i.id.clone(), i);
        }
    }
    Ok(tag_sync::plan(&servers, &instances))
}

/// Plans (and unless `dry_run`, writes) the tag sync of every prepared target.
pub async fn run(prepared: Prepared, sandbox: &EmbeddedSandbox, dry_run: bool) -> Vec<TargetSync> {
    let mut out = Vec::new();
    for (target, resolved) in prepared.targets {
        let cloud = match resolved {
            Ok(r) => connect(r, sandbox).await,
            Err(e) => Err(e),
        };
        let planned = match &cloud {
            Ok(c) => plan_target(c.as_ref()).await,
            Err(e) => Err(e.clone()),
        };
        let (plan, error) = match planned {
            Ok(p) => (p, None),
            Err(e) => (TagSyncPlan::default(), Some(e.to_string())),
        };
        let mut sync = TargetSync {
            target,
            plan,
            written: 0,
            failed: vec![],
            error,
        };
        if let (false, Ok(cloud)) = (dry_run, &cloud) {
            let servers: Vec<_> = sync
                .plan
                .servers
                .iter()
                .filter(|s| !s.to_write().is_empty())
                .cloned()
                .collect();
            let results: Vec<(String, Result<(), CloudError>)> = stream::iter(servers)
                .map(|s| {
                    let cloud = cloud.clone();
                    async move {
                        (
                            format!("{} ({})", s.name, s.source_server_id),
                            cloud.tag_resource(&s.arn, &s.to_write()).await,
                        )
                    }
                })
                .buffer_unordered(IN_FLIGHT)
                .collect()
                .await;
            for (who, r) in results {
                match r {
                    Ok(()) => sync.written += 1,
                    Err(e) => sync.failed.push(format!("{who}: {e}")),
                }
            }
        }
        out.push(sync);
    }
    out
}

/// Audits a sync that wrote something (one entry per target).
pub fn record(store: &mut Store, syncs: &[TargetSync], actor: &str) -> Result<(), StoreError> {
    for s in syncs
        .iter()
        .filter(|s| s.written > 0 || !s.failed.is_empty())
    {
        store.audit_event(
            actor,
            "tags.sync",
            "target",
            &s.target,
            serde_json::json!({
                "written": s.written,
                "failed": s.failed,
                "servers": s.plan.servers.iter().map(|x| serde_json::json!({
                    "sourceServerId": x.source_server_id,
                    "added": x.add,
                    "changed": x.change,
                })).collect::<Vec<_>>(),
            }),
        )?;
    }
    Ok(())
}

impl crate::App {
    /// EC2 → DRS tag sync of one target or all (audited); `dry_run` writes nothing.
    pub async fn sync_tags(
        &self,
        target: Option<&str>,
        dry_run: bool,
    ) -> Result<Vec<TargetSync>, crate::AppError> {
        let only = target.map(str::to_string);
        let prepared = self
            .with_store_and_keychain(move |s, k| Ok(prepare(s, k, only.as_deref())?))
            .await?;
        let syncs = run(prepared, self.sandbox(), dry_run).await;
        let actor = self.actor().to_string();
        self.with_store(|s| Ok(record(s, &syncs, &actor)?))?;
        Ok(syncs)
    }
}
