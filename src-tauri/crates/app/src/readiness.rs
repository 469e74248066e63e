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
#[derive(Debug, Clone, Default, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
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

/// The pairs of a plan and what applying them would change, per target.
#[derive(Debug, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub struct PairsPreview {
    /// The verdict (its `pairs` are the plan's pairs).
    pub readiness: Readiness,
    /// Per target: the launch-configuration changes, already-set pairs and skipped pairs.
    pub apply: BTreeMap<String, ApplyPlan>,
    /// Applies that can be undone, newest first.
    pub undoable: Vec<drs_store::PairApplication>,
}

impl crate::App {
    /// Reads a plan's evidence now and judges it.
    pub async fn fresh_readiness(&self, plan: &str) -> Result<Run, crate::AppError> {
        let plan = plan.to_string();
        let prepared = self
            .with_store_and_keychain(move |s, keychain| Ok(prepare(s, keychain, &plan)?))
            .await?;
        Ok(check(prepared, self.sandbox()).await)
    }

    /// Reads the evidence for a plan now, judges it and keeps the verdict.
    pub async fn check_readiness(&self, plan: &str) -> Result<Readiness, crate::AppError> {
        let r = self.fresh_readiness(plan).await?;
        self.with_store(|s| Ok(s.save_readiness(&r.readiness)?))?;
        Ok(r.readiness)
    }

    /// Matches the plan's servers with DR instances, checks each pair, and previews an apply.
    pub async fn preview_pairs(&self, plan: &str) -> Result<PairsPreview, crate::AppError> {
        let r = self.fresh_readiness(plan).await?;
        let apply = apply_plans(&r);
        let undoable = self.with_store(|s| {
            s.save_readiness(&r.readiness)?;
            Ok(s.pair_applications_to_undo(plan)?)
        })?;
        Ok(PairsPreview {
            readiness: r.readiness,
            apply,
            undoable,
        })
    }

    /// Applies the plan's pairs (only the source servers in `only`, when given); the evidence
    /// is read again first, so only still-valid pairs are written. Recorded for undo.
    pub async fn apply_pairs(
        &self,
        plan: &str,
        only: Option<&BTreeSet<String>>,
    ) -> Result<PairsOutcome, crate::AppError> {
        if only.is_some_and(BTreeSet::is_empty) {
            return Err(crate::AppError::new(
                crate::ErrorCode::Invalid,
                "no change was confirmed",
            ));
        }
        let r = self.fresh_readiness(plan).await?;
        let plans = apply_plans(&r);
        let outcome = apply(&r, plans, only).await;
        let actor = self.actor().to_string();
        self.with_store(|s| Ok(record(s, plan, &outcome, &actor)?))?;
        Ok(outcome)
    }

    /// Puts back the launch configurations the newest apply of the plan changed.
    pub async fn undo_pairs(&self, plan: &str) -> Result<PairsOutcome, crate::AppError> {
        let name = plan.to_string();
        let (apps, targets) = self
            .with_store_and_keychain(move |s, keychain| {
                s.plan(&name)?;
                let apps = s.pair_applications_to_undo(&name)?;
                let targets = resolve_targets(s, keychain, None)?;
                Ok((apps, targets))
            })
            .await?;
        if apps.is_empty() {
            return Err(crate::AppError::new(
                crate::ErrorCode::NotFound,
                format!("plan \"{plan}\" has no applied pairs to undo"),
            ));
        }
        let (outcome, done) = undo(apps, targets, self.sandbox()).await;
        let actor = self.actor().to_string();
        self.with_store(|s| {
            for id in done {
                s.mark_pair_application_undone(id, plan, &actor)?;
            }
            Ok(())
        })?;
        Ok(outcome)
    }
}
