//! Readiness and pairing runs, shared by the window and the CLI: read what the plan needs from
//! the store and the keychain (blocking), connect to its targets, gather the evidence, judge it,
//! and, for pairs, apply or undo launch-configuration changes and record them.

use crate::connect::{connect, resolve_targets, EmbeddedSandbox, TargetResolution};
use drs_core::cloud::{Cloud, CloudError};
use drs_core::launch::LaunchConfiguration;
use drs_core::launch_into::{self, ApplyOutcome, ApplyPlan};
use drs_core::pairing::PairOverride;
use drs_core::readiness::{self, Evidence, Readiness, Thresholds};
use drs_core::{ProtectionGroup, RecoveryPlan};
use drs_secrets::Secrets;
use drs_store::{Store, StoreError};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// What a run needs from the store and the keychain.
pub struct Prepared {
    /// The plan.
    pub plan: RecoveryPlan,
    /// Every protection group (pairs are 1:1 across all launch-into groups of a target).
    pub groups: Vec<ProtectionGroup>,
    /// Manual pair overrides per target.
    pub overrides: BTreeMap<String, Vec<PairOverride>>,
    /// The plan's targets with their connections resolved.
    pub targets: Vec<TargetResolution>,
    /// Replication thresholds set per target.
    pub thresholds: BTreeMap<String, Thresholds>,
}

/// Reads the plan, groups, overrides and the plan's targets (with their secrets). Blocking.
pub fn prepare(store: &Store, secrets: &dyn Secrets, plan: &str) -> Result<Prepared, StoreError> {
    prepare_with(store, plan, &resolve_targets(store, secrets, None)?)
}

/// Like [`prepare`], with every target already resolved (several plans read the keychain once).
pub fn prepare_with(
    store: &Store,
    plan: &str,
    resolved: &[TargetResolution],
) -> Result<Prepared, StoreError> {
    let plan = store.plan(plan)?.plan;
    let groups = store.groups()?;
    let names = plan.group_names();
    let wanted: BTreeSet<&str> = groups
        .iter()
        .filter(|g| names.contains(g.name.as_str()))
        .map(|g| g.target.as_str())
        .collect();
    let targets = resolved
        .iter()
        .filter(|(t, _)| wanted.contains(t.name.as_str()))
        .cloned()
        .collect();
    Ok(Prepared {
        thresholds: crate::health::thresholds(store)?,
        overrides: store.pair_overrides()?,
        plan,
        groups,
        targets,
    })
}

/// A finished readiness run: the verdict, the evidence behind it, and the connections used.
pub struct Run {
    /// The verdict.
    pub readiness: Readiness,
    /// What was read.
    pub evidence: Evidence,
    /// A connection per target.
    pub clouds: BTreeMap<String, Result<Arc<dyn Cloud>, CloudError>>,
}

use crate::now;

/// Connects to the plan's targets, reads the evidence and judges it.
pub async fn check(prepared: Prepared, sandbox: &EmbeddedSandbox) -> Run {
    let mut clouds = BTreeMap::new();
    for (t, resolved) in prepared.targets {
        let cloud = match resolved {
            Ok(r) => connect(r, sandbox).await,
            Err(e) => Err(e),
        };
        clouds.insert(t.name, cloud);
    }
    let mut evidence = readiness::gather(
        &prepared.plan,
        &prepared.groups,
        &clouds,
        prepared.overrides,
        now(),
    )
    .await;
    evidence.thresholds = prepared.thresholds;
    let verdict = readiness::assess(
        &prepared.plan,
        &prepared.groups,
        &evidence,
        &Thresholds::default(),
    );
    Run {
        readiness: verdict,
        evidence,
        clouds,
    }
}

/// What applying the plan's pairs would change, per target.
pub fn apply_plans(run: &Run) -> BTreeMap<String, ApplyPlan> {
    let mut out = BTreeMap::new();
    for (target, ev) in &run.evidence.targets {
        let pairs: Vec<_> = run
            .readiness
            .pairs
            .iter()
            .filter(|p| &p.target == target)
            .cloned()
            .collect();
        if pairs.is_empty() {
            continue;
        }
        let launch: BTreeMap<String, LaunchConfiguration> = ev
            .launch
            .iter()
            .map(|l| (l.source_server_id.clone(), l.clone()))
            .collect();
        out.insert(target.clone(), launch_into::plan_apply(&pairs, &launch));
    }
    out
}

/// What an apply or undo did, per target.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PairsOutcome {
    /// Per target.
    pub targets: BTreeMap<String, ApplyOutcome>,
}

impl PairsOutcome {
    /// Launch configurations written.
    pub fn applied(&self) -> usize {
        self.targets.values().map(|o| o.applied.len()).sum()
    }
    /// Refused by DRS (or not re-checkable).
    pub fn failed(&self) -> usize {
        self.targets.values().map(|o| o.failed.len()).sum()
    }
}

/// Applies `plans` (only the changes of servers in `only`, when given: what the user confirmed).
pub async fn apply(
    run: &Run,
    mut plans: BTreeMap<String, ApplyPlan>,
    only: Option<&BTreeSet<String>>,
) -> PairsOutcome {
    let mut outcome = PairsOutcome::default();
    for (target, plan) in plans.iter_mut() {
        if let Some(only) = only {
            plan.changes.retain(|c| only.contains(&c.source_server_id));
        }
        let result = match run.clouds.get(target) {
            Some(Ok(cloud)) => launch_into::apply(cloud.as_ref(), plan).await,
            Some(Err(e)) => failed_all(plan, &e.to_string()),
            None => failed_all(plan, "the target is not connected"),
        };
        outcome.targets.insert(target.clone(), result);
    }
    outcome
}

fn failed_all(plan: &ApplyPlan, why: &str) -> ApplyOutcome {
    ApplyOutcome {
        failed: plan
            .changes
            .iter()
            .map(|c| launch_into::Skipped {
                subject: c.source_server_id.clone(),
                name: c.server_name.clone(),
                reason: why.to_string(),
            })
            .collect(),
        skipped: plan.skipped.clone(),
        applied: Vec::new(),
    }
}

/// Records what `outcome` wrote, one record per target (so undo can restore it).
pub fn record(
    store: &mut Store,
    plan: &str,
    outcome: &PairsOutcome,
    actor: &str,
) -> Result<(), StoreError> {
    for (target, o) in &outcome.targets {
        if !o.applied.is_empty() {
            store.record_pair_application(plan, target, &o.applied, actor)?;
        }
    }
    Ok(())
}

/// Undoes the newest apply of `plan` on each target; returns what was done and the records
/// that were undone (to mark them).
pub async fn undo(
    store_applications: Vec<drs_store::PairApplication>,
    targets: Vec<TargetResolution>,
    sandbox: &EmbeddedSandbox,
) -> (PairsOutcome, Vec<i64>) {
    let mut outcome = PairsOutcome::default();
    let mut done = Vec::new();
    let mut resolved: BTreeMap<String, _> = targets
        .into_iter()
        .map(|(t, r)| (t.name.clone(), r))
        .collect();
    for app in store_applications {
        let cloud = match resolved.remove(&app.target) {
            Some(Ok(r)) => connect(r, sandbox).await,
            Some(Err(e)) => Err(e),
            None => Err(CloudError::Credentials(format!(
                "target \"{}\" no longer exists",
                app.target
            ))),
        };
        let result = match cloud {
            Ok(c) => launch_into::undo(c.as_ref(), &app.changes).await,
            Err(e) => ApplyOutcome {
                failed: app
                    .changes
                    .iter()
                    .map(|c| launch_into::Skipped {
                        subject: c.source_server_id.clone(),
                        name: c.server_name.clone(),
                        reason: e.to_string(),
                    })
                    .collect(),
                ..Default::default()
            },
        };
        if result.failed.is_empty() {
            done.push(app.id);
        }
        outcome.targets.insert(app.target.clone(), result);
    }
    (outcome, done)
}
