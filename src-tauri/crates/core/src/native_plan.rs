//! Plans published to DRS's own recovery plans (`CreateRecoveryPlan` and its steps), so a
//! recovery can be run from the AWS console by whoever is on duty, without the app.
//!
//! - [`publication`] turns a plan into the native plan DRS can hold: the waves in dependency
//!   order become SERVER steps (one list of source servers per wave, split at DRS's 100 servers
//!   per step) and WAIT steps (the wave's `wait` steps, split at DRS's 120 minutes); what a
//!   native plan cannot express is listed item by item with what the native run does instead
//!   ([`NativeGap`]), and what stops publishing altogether ([`Publication::problems`]).
//! - [`compare`] says whether DRS's copy still matches: the copy carries the plan's name, the
//!   revision published and a digest of the steps published as tags, so a copy changed in the
//!   console is told apart from one published from an older revision.
//! - [`import`] turns a native plan into an app plan with one protection group per SERVER step.
//!
//! Pure functions: reading and writing DRS is the `Cloud` port's job.

use crate::execution::{
    Batch, Execution, ExecutionStatus, ServerRun, ServerStatus, WaveRun, WaveStatus,
};
use crate::group::{ProtectionGroup, Selector};
use crate::inventory::SourceServer;
use crate::jobs::Job;
use crate::launch::LaunchConfiguration;
use crate::plan::{FailurePolicy, RecoveryPlan, Wave};
use crate::step::{Step, StepKind};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};

/// DRS: most steps one recovery plan holds.
pub const MAX_NATIVE_STEPS: usize = 20;
/// DRS: most source servers one SERVER step lists.
pub const MAX_SERVERS_PER_NATIVE_STEP: usize = 100;
/// DRS: longest WAIT step, in minutes.
pub const MAX_NATIVE_WAIT_MINUTES: u32 = 120;
/// Tag on a published native plan: the app plan's name.
pub const TAG_PLAN: &str = "drs-orchestrator:plan";
/// Tag on a published native plan: the plan revision published.
pub const TAG_REVISION: &str = "drs-orchestrator:revision";
/// Tag on a published native plan: the digest of the steps published.
pub const TAG_DIGEST: &str = "drs-orchestrator:digest";
/// DRS: longest recovery plan and step name.
const MAX_NATIVE_NAME: usize = 256;

/// A source server in a SERVER step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub struct NativeServer {
    /// Source server ARN (what DRS's step lists).
    pub arn: String,
    /// Source server ID.
    pub source_server_id: String,
    /// Its name, when known.
    pub name: String,
    /// `CRITICAL` (its failure fails the step) rather than `OPTIONAL`.
    pub critical: bool,
}

/// What a native step does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub enum NativeStepConfig {
    /// Launch these source servers (one DRS job).
    Servers {
        /// The servers.
        servers: Vec<NativeServer>,
    },
    /// Pause.
    Wait {
        /// Minutes (1–120).
        minutes: u32,
    },
}

/// One step of a native plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub struct NativeStep {
    /// Step name (DRS: letters, digits, spaces, `_` and `-`).
    pub name: String,
    /// The app wave it comes from (none when read from DRS).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub wave: Option<String>,
    /// What it does.
    pub config: NativeStepConfig,
    /// Its ARN, when read from DRS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub arn: Option<String>,
}

/// Something the app does that a native plan cannot express, and what the native run does
/// instead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub struct NativeGap {
    /// The wave it is about, if one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub wave: Option<String>,
    /// The item: `approval`, `step "warm cache"`, `parallel waves`, `drill network`, …
    pub item: String,
    /// What an app-driven run does.
    pub app: String,
    /// What the native run does instead.
    pub native: String,
    /// The app refuses to start a native drill while this holds (it would break a rule the
    /// app keeps: a drill never launches into a DR instance).
    pub blocks_drill: bool,
}

/// A plan as DRS's native recovery plan would hold it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub struct Publication {
    /// App plan name.
    pub plan: String,
    /// Its revision.
    pub revision: u32,
    /// Target (account and region) the native plan lives in.
    pub target: String,
    /// The native plan's name (the plan's name with what DRS refuses replaced by `-`).
    pub native_name: String,
    /// Its description.
    pub description: String,
    /// Its steps, in order.
    pub steps: Vec<NativeStep>,
    /// What the native plan cannot express.
    pub gaps: Vec<NativeGap>,
    /// Why it cannot be published (empty: it can).
    pub problems: Vec<String>,
    /// Digest of the steps (tagged on the native plan).
    pub digest: String,
}

impl Publication {
    /// The tags the native plan carries.
    pub fn tags(&self) -> BTreeMap<String, String> {
        BTreeMap::from([
            (TAG_PLAN.to_string(), self.plan.clone()),
            (TAG_REVISION.to_string(), self.revision.to_string()),
            (TAG_DIGEST.to_string(), self.digest.clone()),
        ])
    }

    /// Source servers of the native plan.
    pub fn servers(&self) -> usize {
        self.steps
            .iter()
            .map(|s| match &s.config {
                NativeStepConfig::Servers { servers } => servers.len(),
                NativeStepConfig::Wait { .. } => 0,
            })
            .sum()
    }

    /// Whether a native drill may be started (no gap forbids it).
    pub fn drill_blockers(&self) -> Vec<&NativeGap> {
        self.gaps.iter().filter(|g| g.blocks_drill).collect()
    }
}

/// What [`publication`] reads.
pub struct PublishInput<'a> {
    /// The plan.
    pub plan: &'a RecoveryPlan,
    /// Its revision.
    pub revision: u32,
    /// Every protection group.
    pub groups: &'a [ProtectionGroup],
    /// The target the native plan goes to.
    pub target: &'a str,
    /// The target's source servers, as DRS lists them now.
    pub servers: &'a [SourceServer],
    /// Their launch configurations (launch-into instances).
    pub launch: &'a [LaunchConfiguration],
}

/// A name DRS accepts: letters, digits, spaces, `_` and `-`, starting with a letter or digit.
pub fn native_name(name: &str) -> String {
    let mut out: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == ' ' || c == '_' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    while out.starts_with([' ', '_', '-']) {
        out.remove(0);
    }
    if out.is_empty() {
        out = "plan".into();
    }
    out.chars().take(MAX_NATIVE_NAME).collect::<String>()
}

fn gap(wave: Option<&str>, item: impl Into<String>, app: &str, native: &str) -> NativeGap {
    NativeGap {
        wave: wave.map(str::to_string),
        item: item.into(),
        app: app.into(),
        native: native.into(),
        blocks_drill: false,
    }
}

/// The waves in the order a native plan runs them: by dependency level, then plan order.
fn wave_order(plan: &RecoveryPlan) -> Option<Vec<usize>> {
    let levels = plan.levels()?;
    let mut order: Vec<usize> = (0..plan.waves.len()).collect();
    order.sort_by_key(|&i| (levels[i], i));
    Some(order)
}

fn wait_steps(steps: &mut Vec<NativeStep>, wave: &str, step: &Step) {
    let mut left = step.minutes.unwrap_or(0);
    let parts = left.div_ceil(MAX_NATIVE_WAIT_MINUTES).max(1);
    let mut part = 1;
    while left > 0 {
        let minutes = left.min(MAX_NATIVE_WAIT_MINUTES);
        left -= minutes;
        let base = native_name(&format!("{wave} {}", step.name));
        steps.push(NativeStep {
            name: if parts > 1 {
                format!("{base} part {part} of {parts}")
            } else {
                base
            },
            wave: Some(wave.to_string()),
            config: NativeStepConfig::Wait { minutes },
            arn: None,
        });
        part += 1;
    }
}

/// Turns a plan into the native plan DRS would hold for `input.target`.
pub fn publication(input: &PublishInput<'_>) -> Publication {
    let plan = input.plan;
    let mut steps = Vec::new();
    let mut gaps = Vec::new();
    let mut problems = Vec::new();
    let by_id: BTreeMap<&str, &SourceServer> =
        input.servers.iter().map(|s| (s.id.as_str(), s)).collect();
    let launch_into: BTreeMap<&str, &str> = input
        .launch
        .iter()
        .filter_map(|c| {
            c.launch_into_instance_id
                .as_deref()
                .map(|i| (c.source_server_id.as_str(), i))
        })
        .collect();
    let groups: BTreeMap<&str, &ProtectionGroup> =
        input.groups.iter().map(|g| (g.name.as_str(), g)).collect();
    let Some(order) = wave_order(plan) else {
        problems.push(
            "the plan's waves depend on each other in a cycle or on a wave that does not exist: \
             fix the plan first"
                .into(),
        );
        return finish(input, steps, gaps, problems);
    };
    let levels = plan.levels().unwrap_or_default();
    let mut seen_level: BTreeMap<usize, &str> = BTreeMap::new();
    let mut other_targets: BTreeSet<&str> = BTreeSet::new();
    for &i in &order {
        let wave = &plan.waves[i];
        let w = wave.name.as_str();
        if let Some(first) = seen_level.get(&levels[i]) {
            gaps.push(gap(
                Some(w),
                "parallel waves",
                &format!("starts alongside wave \"{first}\" (neither waits for the other)"),
                &format!("starts after the steps before it have ended (DRS runs one step at a time), later than wave \"{first}\""),
            ));
        } else {
            seen_level.insert(levels[i], w);
        }
        if wave.approval_required {
            gaps.push(gap(
                Some(w),
                "approval",
                "waits for a person's approval before launching",
                "starts as soon as the step before it ends: DRS has no approval step",
            ));
        }
        if let Some(t) = wave.timeout_minutes {
            gaps.push(gap(
                Some(w),
                "timeout",
                &format!("fails the wave after {t} minutes"),
                "the step times out on DRS's own step timeout",
            ));
        }
        for (phase, list) in [("before", &wave.before), ("after", &wave.after)] {
            if phase == "after" {
                server_steps(
                    input,
                    wave,
                    &groups,
                    &by_id,
                    &launch_into,
                    &mut steps,
                    &mut gaps,
                    &mut other_targets,
                );
            }
            for step in list {
                if step.kind == StepKind::Wait {
                    if !step.in_drills {
                        gaps.push(gap(
                            Some(w),
                            format!("wait \"{}\"", step.name),
                            "waits in recoveries only",
                            "waits in drills and recoveries alike",
                        ));
                    }
                    wait_steps(&mut steps, w, step);
                } else {
                    gaps.push(gap(
                        Some(w),
                        format!("{} step \"{}\"", step.kind.label(), step.name),
                        &format!(
                            "runs it {} the wave's servers launch",
                            if phase == "before" { "before" } else { "after" }
                        ),
                        &match step.kind {
                            StepKind::Manual => "nobody is asked: do it by hand while the plan runs".to_string(),
                            StepKind::SsmCommand | StepKind::SsmAutomation => {
                                "not run; a DRS post-launch action on the servers can run the same SSM document".to_string()
                            }
                            StepKind::Route53 => "the record is not changed: change it by hand".to_string(),
                            StepKind::Check => "nothing is checked before the next step".to_string(),
                            StepKind::Wait => String::new(),
                        },
                    ));
                }
            }
        }
    }
    for t in other_targets {
        gaps.push(gap(
            None,
            format!("target \"{t}\""),
            "recovers the plan's servers in every target as one execution",
            &format!("a native plan lives in one account and region: the servers in \"{t}\" are not in it (publish the plan to that target too)"),
        ));
    }
    if plan.failback_order.is_some() {
        gaps.push(gap(
            None,
            "failback order",
            "fails back in the order the plan names",
            "a native plan recovers only; failback is run from the app",
        ));
    }
    if steps
        .iter()
        .all(|s| matches!(s.config, NativeStepConfig::Wait { .. }))
    {
        problems.push(format!(
            "no server of the plan is in target \"{}\": nothing to publish",
            input.target
        ));
    }
    if steps.len() > MAX_NATIVE_STEPS {
        problems.push(format!(
            "the native plan would need {} steps; DRS holds at most {MAX_NATIVE_STEPS} (merge waves, or publish part of the plan)",
            steps.len()
        ));
    }
    finish(input, steps, gaps, problems)
}

#[allow(clippy::too_many_arguments)]
fn server_steps<'a>(
    input: &PublishInput<'a>,
    wave: &Wave,
    groups: &BTreeMap<&str, &'a ProtectionGroup>,
    by_id: &BTreeMap<&str, &SourceServer>,
    launch_into: &BTreeMap<&str, &str>,
    steps: &mut Vec<NativeStep>,
    gaps: &mut Vec<NativeGap>,
    other_targets: &mut BTreeSet<&'a str>,
) {
    let w = wave.name.as_str();
    let critical = wave.on_failure == FailurePolicy::Stop;
    let mut servers: BTreeMap<String, NativeServer> = BTreeMap::new();
    for g in &wave.groups {
        let Some(group) = groups.get(g.as_str()) else {
            continue;
        };
        if group.target != input.target {
            other_targets.insert(group.target.as_str());
            continue;
        }
        if let Some(net) = &group.launch.drill_network {
            gaps.push(gap(
                Some(w),
                format!("drill network of group \"{g}\""),
                &format!("a drill moves the group's servers to subnet {} and puts them back afterwards", net.subnet_id),
                "a native drill launches into the subnet of each server's launch template (the recovery network)",
            ));
        }
        let members: Vec<&SourceServer> = match &group.selector {
            Selector::SourceServerIds(ids) => {
                for id in ids.iter().filter(|id| !by_id.contains_key(id.as_str())) {
                    gaps.push(gap(
                        Some(w),
                        format!("source server {id}"),
                        "reports it as missing",
                        "left out: DRS does not know it",
                    ));
                }
                ids.iter()
                    .filter_map(|id| by_id.get(id.as_str()).copied())
                    .collect()
            }
            Selector::Tags(_) => crate::readiness::members(group, input.servers),
        };
        for s in members {
            if let Some(instance) = launch_into.get(s.id.as_str()) {
                let mut g = gap(
                    Some(w),
                    format!("launch-into {} ({})", s.display_name(), instance),
                    if group.launch.full_fidelity_drills {
                        "a full-fidelity drill stops and disconnects the DR instance first"
                    } else {
                        "a drill suspends launch-into and launches a new instance; a recovery launches into the DR instance"
                    },
                    &format!("a native drill would launch into DR instance {instance}: the app does not start native drills of this plan"),
                );
                g.blocks_drill = true;
                gaps.push(g);
            }
            servers.insert(
                s.id.clone(),
                NativeServer {
                    arn: s.arn.clone(),
                    source_server_id: s.id.clone(),
                    name: s.display_name().to_string(),
                    critical,
                },
            );
        }
    }
    let list: Vec<NativeServer> = servers.into_values().collect();
    let parts = list.len().div_ceil(MAX_SERVERS_PER_NATIVE_STEP);
    for (n, chunk) in list.chunks(MAX_SERVERS_PER_NATIVE_STEP).enumerate() {
        let base = native_name(w);
        steps.push(NativeStep {
            name: if parts > 1 {
                format!("{base} part {} of {parts}", n + 1)
            } else {
                base
            },
            wave: Some(w.to_string()),
            config: NativeStepConfig::Servers {
                servers: chunk.to_vec(),
            },
            arn: None,
        });
    }
    if parts > 1 {
        gaps.push(gap(
            Some(w),
            "wave size",
            &format!("launches the wave's {} servers as jobs side by side", list.len()),
            &format!("{parts} steps one after the other (DRS: at most {MAX_SERVERS_PER_NATIVE_STEP} servers per step)"),
        ));
    }
}

fn finish(
    input: &PublishInput<'_>,
    steps: Vec<NativeStep>,
    gaps: Vec<NativeGap>,
    problems: Vec<String>,
) -> Publication {
    let plan = input.plan;
    let mut description = format!(
        "Published by DRS Orchestrator from plan \"{}\" revision {}.",
        plan.name, input.revision
    );
    if !plan.description.is_empty() {
        description.push(' ');
        description.push_str(&plan.description);
    }
    Publication {
        plan: plan.name.clone(),
        revision: input.revision,
        target: input.target.to_string(),
        native_name: native_name(&plan.name),
        description: description.chars().take(1024).collect(),
        digest: digest(&steps),
        steps,
        gaps,
        problems,
    }
}

/// A digest of what the steps do (names, kinds, servers with their impact, minutes): equal
/// for the plan's steps and DRS's copy of them when nothing differs.
pub fn digest(steps: &[NativeStep]) -> String {
    let mut h = Sha256::new();
    for s in steps {
        h.update(s.name.as_bytes());
        h.update([0]);
        match &s.config {
            NativeStepConfig::Servers { servers } => {
                let mut arns: Vec<(&str, bool)> = servers
                    .iter()
                    .map(|v| (v.arn.as_str(), v.critical))
                    .collect();
                arns.sort();
                for (arn, critical) in arns {
                    h.update(arn.as_bytes());
                    h.update(if critical { b"!" } else { b"?" });
                }
            }
            NativeStepConfig::Wait { minutes } => h.update(format!("wait {minutes}").as_bytes()),
        }
        h.update([1]);
    }
    h.finalize()
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// What [`publish`] did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub struct PublishOutcome {
    /// The native plan's ARN.
    pub arn: String,
    /// The native plan was created (not updated).
    pub created: bool,
    /// Steps added.
    pub steps_created: u32,
    /// Steps rewritten.
    pub steps_updated: u32,
    /// Steps removed.
    pub steps_deleted: u32,
    /// DRS API calls made (reads included).
    pub api_calls: u32,
    /// DRS's copy against the plan before.
    pub before: Drift,
    /// DRS's copy against the plan afterwards (read back).
    pub after: Drift,
}

/// Why [`publish`] did not publish.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PublishError {
    /// The plan cannot be a native plan (too many steps, no server, a cycle).
    #[error("plan \"{plan}\" cannot be published to DRS: {}", .problems.join("; "))]
    Unpublishable {
        /// The plan.
        plan: String,
        /// Why.
        problems: Vec<String>,
    },
    /// DRS has a plan of the same name that the app did not publish.
    #[error("DRS already has a recovery plan named \"{0}\" that the app did not publish: rename it in DRS, or import it (native import)")]
    NotOurs(String),
    /// AWS refused or could not be reached.
    #[error(transparent)]
    Cloud(#[from] crate::cloud::CloudError),
}

/// A client token (at most 64 characters) from what makes a request the same request.
pub fn client_token(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update([0]);
    }
    let hex: String = h
        .finalize()
        .iter()
        .take(24)
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("drso-{hex}")
}

/// The native plan of `name` in DRS (`None` when DRS has none), with its steps and tags;
/// `calls` counts the requests.
pub async fn find_copy(
    cloud: &dyn crate::cloud::Cloud,
    name: &str,
    calls: &mut u32,
) -> Result<Option<NativePlan>, crate::cloud::CloudError> {
    *calls += 1;
    let listed = cloud.native_plans().await?;
    match listed.into_iter().find(|p| p.name == name) {
        Some(p) => {
            *calls += 2;
            Ok(Some(cloud.native_plan(&p.arn).await?))
        }
        None => Ok(None),
    }
}

/// Brings DRS's copy of `p` to it: creates the native plan, or rewrites the steps that differ,
/// adds the missing ones and removes the extra ones, then tags it with the revision and digest
/// and reads it back. Idempotent: client tokens name the plan, revision and step, and a copy
/// that already matches gets no step written.
pub async fn publish(
    cloud: &dyn crate::cloud::Cloud,
    p: &Publication,
) -> Result<PublishOutcome, PublishError> {
    if !p.problems.is_empty() {
        return Err(PublishError::Unpublishable {
            plan: p.plan.clone(),
            problems: p.problems.clone(),
        });
    }
    let mut calls = 0u32;
    let copy = find_copy(cloud, &p.native_name, &mut calls).await?;
    let before = compare(p, copy.as_ref());
    if before.state == DriftState::NotOurs {
        return Err(PublishError::NotOurs(p.native_name.clone()));
    }
    let revision = p.revision.to_string();
    let (description_same, tags_same) = copy.as_ref().map_or((false, false), |c| {
        (
            c.description == p.description,
            p.tags().iter().all(|(k, v)| c.tags.get(k) == Some(v)),
        )
    });
    let (arn, existing, created) = match copy {
        Some(c) => (c.arn.clone(), c.steps, false),
        None => {
            calls += 1;
            let arn = cloud
                .create_native_plan(
                    &p.native_name,
                    &p.description,
                    &p.tags(),
                    &client_token(&["plan", &p.plan, &revision, &p.target]),
                )
                .await?;
            (arn, Vec::new(), true)
        }
    };
    let (mut steps_created, mut steps_updated, mut steps_deleted) = (0, 0, 0);
    for (i, wanted) in p.steps.iter().enumerate() {
        match existing.get(i) {
            Some(have) => {
                if digest(std::slice::from_ref(have)) != digest(std::slice::from_ref(wanted)) {
                    calls += 1;
                    cloud
                        .update_native_step(have.arn.as_deref().unwrap_or_default(), wanted)
                        .await?;
                    steps_updated += 1;
                }
            }
            None => {
                calls += 1;
                cloud
                    .create_native_step(
                        &arn,
                        u32::try_from(i + 1).unwrap_or(u32::MAX),
                        wanted,
                        &client_token(&["step", &p.plan, &revision, &p.digest, &i.to_string()]),
                    )
                    .await?;
                steps_created += 1;
            }
        }
    }
    for extra in existing.iter().skip(p.steps.len()).rev() {
        calls += 1;
        cloud
            .delete_native_step(extra.arn.as_deref().unwrap_or_default())
            .await?;
        steps_deleted += 1;
    }
    if !created && !description_same {
        calls += 1;
        cloud.update_native_plan(&arn, &p.description).await?;
    }
    // A new plan got its tags when it was created.
    if !created && !tags_same {
        calls += 1;
        cloud.tag_resource(&arn, &p.tags()).await?;
    }
    let wrote = created
        || !description_same
        || !tags_same
        || steps_created + steps_updated + steps_deleted > 0;
    // What was written is read back; a copy that already matched is left alone.
    let after = if wrote {
        calls += 2;
        let back = cloud.native_plan(&arn).await?;
        compare(p, Some(&back))
    } else {
        before.clone()
    };
    Ok(PublishOutcome {
        arn,
        created,
        steps_created,
        steps_updated,
        steps_deleted,
        api_calls: calls,
        before,
        after,
    })
}

/// A native recovery plan as DRS holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub struct NativePlan {
    /// ARN.
    pub arn: String,
    /// Name.
    pub name: String,
    /// Description.
    #[serde(default)]
    pub description: String,
    /// `ACTIVE` or `INVALID`.
    pub status: String,
    /// Created (ISO 8601).
    pub created_at: String,
    /// Last changed (ISO 8601).
    pub updated_at: String,
    /// Its tags.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// Its steps in order (empty in a listing).
    #[serde(default)]
    pub steps: Vec<NativeStep>,
}

impl NativePlan {
    /// The app plan it was published from, when the app published it.
    pub fn published_from(&self) -> Option<&str> {
        self.tags.get(TAG_PLAN).map(String::as_str)
    }

    /// The revision published.
    pub fn published_revision(&self) -> Option<u32> {
        self.tags.get(TAG_REVISION).and_then(|r| r.parse().ok())
    }
}

/// Whether DRS's copy of a plan matches the plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub enum DriftState {
    /// No native plan of this name.
    NotPublished,
    /// DRS's copy is the current revision's.
    InSync,
    /// DRS's copy is an older revision's, unchanged since it was published.
    OlderRevision,
    /// DRS's copy was changed after it was published (in the console or another tool).
    ChangedInDrs,
    /// A native plan of this name exists that the app did not publish.
    NotOurs,
}

/// DRS's copy against the plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub struct Drift {
    /// The verdict.
    pub state: DriftState,
    /// The revision DRS's copy was published from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub published_revision: Option<u32>,
    /// Each difference between DRS's copy and the plan, in words.
    pub differences: Vec<String>,
}

/// Compares DRS's copy (`None`: none of the plan's native name) with the publication.
pub fn compare(publication: &Publication, copy: Option<&NativePlan>) -> Drift {
    let Some(copy) = copy else {
        return Drift {
            state: DriftState::NotPublished,
            published_revision: None,
            differences: Vec::new(),
        };
    };
    let published_revision = copy.published_revision();
    if copy.published_from() != Some(publication.plan.as_str()) {
        return Drift {
            state: DriftState::NotOurs,
            published_revision,
            differences: vec![format!(
                "DRS already has a recovery plan named \"{}\" that the app did not publish",
                copy.name
            )],
        };
    }
    let actual = digest(&copy.steps);
    let differences = differences(&publication.steps, &copy.steps);
    let state = if actual == publication.digest {
        DriftState::InSync
    } else if copy.tags.get(TAG_DIGEST) == Some(&actual) {
        DriftState::OlderRevision
    } else {
        DriftState::ChangedInDrs
    };
    Drift {
        state,
        published_revision,
        differences,
    }
}

fn describe(config: &NativeStepConfig) -> String {
    match config {
        NativeStepConfig::Servers { servers } => format!("launches {} servers", servers.len()),
        NativeStepConfig::Wait { minutes } => format!("waits {minutes} min"),
    }
}

/// The differences between the plan's steps and DRS's, step by step.
pub fn differences(wanted: &[NativeStep], actual: &[NativeStep]) -> Vec<String> {
    let mut out = Vec::new();
    for i in 0..wanted.len().max(actual.len()) {
        let n = i + 1;
        match (wanted.get(i), actual.get(i)) {
            (Some(w), None) => out.push(format!(
                "step {n} \"{}\" ({}) is missing in DRS",
                w.name,
                describe(&w.config)
            )),
            (None, Some(a)) => out.push(format!(
                "step {n} \"{}\" ({}) is in DRS but not in the plan",
                a.name,
                describe(&a.config)
            )),
            (Some(w), Some(a)) => {
                if w.name != a.name {
                    out.push(format!(
                        "step {n} is named \"{}\" in DRS, \"{}\" in the plan",
                        a.name, w.name
                    ));
                }
                match (&w.config, &a.config) {
                    (
                        NativeStepConfig::Servers { servers: ws },
                        NativeStepConfig::Servers { servers: as_ },
                    ) => {
                        let wm: BTreeMap<&str, (&NativeServer, bool)> = ws
                            .iter()
                            .map(|s| (s.arn.as_str(), (s, s.critical)))
                            .collect();
                        let am: BTreeMap<&str, bool> =
                            as_.iter().map(|s| (s.arn.as_str(), s.critical)).collect();
                        let id = |arn: &str| arn.rsplit('/').next().unwrap_or(arn).to_string();
                        let added: Vec<String> = am
                            .keys()
                            .filter(|a| !wm.contains_key(*a))
                            .map(|a| id(a))
                            .collect();
                        let removed: Vec<String> = wm
                            .iter()
                            .filter(|(a, _)| !am.contains_key(*a))
                            .map(|(a, (s, _))| format!("{} ({})", id(a), s.name))
                            .collect();
                        let impact: Vec<String> = wm
                            .iter()
                            .filter(|(a, (_, c))| am.get(*a).is_some_and(|ac| ac != c))
                            .map(|(a, (s, c))| {
                                format!(
                                    "{} ({}) is {} in DRS",
                                    id(a),
                                    s.name,
                                    if *c { "OPTIONAL" } else { "CRITICAL" }
                                )
                            })
                            .collect();
                        if !added.is_empty() {
                            out.push(format!(
                                "step {n} \"{}\": DRS also launches {}",
                                w.name,
                                added.join(", ")
                            ));
                        }
                        if !removed.is_empty() {
                            out.push(format!(
                                "step {n} \"{}\": DRS does not launch {}",
                                w.name,
                                removed.join(", ")
                            ));
                        }
                        if !impact.is_empty() {
                            out.push(format!("step {n} \"{}\": {}", w.name, impact.join("; ")));
                        }
                    }
                    (wc, ac) if wc != ac => out.push(format!(
                        "step {n} \"{}\" {} in DRS; the plan's {}",
                        w.name,
                        describe(ac),
                        describe(wc)
                    )),
                    _ => {}
                }
            }
            (None, None) => {}
        }
    }
    out
}

/// An app plan made from a native plan, with its groups and what could not be carried over.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub struct Imported {
    /// The plan.
    pub plan: RecoveryPlan,
    /// One group per SERVER step.
    pub groups: Vec<ProtectionGroup>,
    /// What differs from the native plan.
    pub notes: Vec<String>,
}

/// An app plan named `name` from a native plan read from `target`: one wave (and one
/// protection group listing its source servers) per SERVER step, each WAIT step a wait step
/// before the next wave (after the last one when it ends the plan).
pub fn import(native: &NativePlan, name: &str, target: &str) -> Imported {
    let mut waves: Vec<Wave> = Vec::new();
    let mut groups = Vec::new();
    let mut notes = Vec::new();
    let mut pending: Vec<Step> = Vec::new();
    for (i, s) in native.steps.iter().enumerate() {
        match &s.config {
            NativeStepConfig::Wait { minutes } => pending.push(Step {
                name: format!("wait {}", i + 1),
                kind: StepKind::Wait,
                minutes: Some(*minutes),
                ..Default::default()
            }),
            NativeStepConfig::Servers { servers } => {
                let mut wave_name = s.name.clone();
                let mut k = 2;
                while waves.iter().any(|w| w.name == wave_name) {
                    wave_name = format!("{} {k}", s.name);
                    k += 1;
                }
                let group = format!("{name}-{}", waves.len() + 1);
                let critical = servers.iter().filter(|v| v.critical).count();
                if critical != 0 && critical != servers.len() {
                    notes.push(format!(
                        "step \"{}\" has CRITICAL and OPTIONAL servers; the wave stops the plan when any of its servers fails",
                        s.name
                    ));
                }
                groups.push(ProtectionGroup {
                    name: group.clone(),
                    description: format!(
                        "Imported from DRS recovery plan \"{}\", step \"{}\"",
                        native.name, s.name
                    ),
                    target: target.to_string(),
                    selector: Selector::SourceServerIds(
                        servers.iter().map(|v| v.source_server_id.clone()).collect(),
                    ),
                    launch: Default::default(),
                    overrides: Vec::new(),
                });
                waves.push(Wave {
                    name: wave_name,
                    groups: vec![group],
                    on_failure: if critical == 0 {
                        FailurePolicy::Continue
                    } else {
                        FailurePolicy::Stop
                    },
                    before: std::mem::take(&mut pending),
                    ..Default::default()
                });
            }
        }
    }
    if let Some(last) = waves.last_mut() {
        last.after.append(&mut pending);
    } else if !pending.is_empty() {
        notes.push("the native plan only waits: no wave to put its wait steps in".into());
    }
    Imported {
        plan: RecoveryPlan {
            name: name.to_string(),
            description: if native.description.is_empty() {
                format!("Imported from DRS recovery plan \"{}\"", native.name)
            } else {
                native.description.clone()
            },
            waves,
            ..Default::default()
        },
        groups,
        notes,
    }
}

/// A server of a native execution's SERVER step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub struct NativeRunServer {
    /// Source server ARN.
    pub arn: String,
    /// Source server ID.
    pub source_server_id: String,
    /// Its failure fails the step.
    pub critical: bool,
    /// The DRS job launching it, once the step has started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub job_id: Option<String>,
}

/// A step of a native execution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub struct NativeRunStep {
    /// Execution step ARN.
    pub arn: String,
    /// Position (1-based).
    pub index: u32,
    /// Name.
    pub name: String,
    /// `NOT_STARTED`, `EXECUTING`, `WAITING`, `COMPLETED`, `FAILED`, `TIMED_OUT` or `SKIPPED`.
    pub status: String,
    /// A SERVER step's servers.
    #[serde(default)]
    pub servers: Vec<NativeRunServer>,
    /// A WAIT step's minutes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub wait_minutes: Option<u32>,
    /// Why it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub error: Option<String>,
}

/// An execution of a native recovery plan, as DRS reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub struct NativeExecution {
    /// Execution ARN.
    pub arn: String,
    /// The native plan's ARN.
    pub plan_arn: String,
    /// A drill (else a recovery).
    pub drill: bool,
    /// `CREATED`, `IN_PROGRESS`, `COMPLETED`, `FAILED`, `CANCELLING` or `CANCELLED`.
    pub status: String,
    /// Started (ISO 8601).
    pub started_at: String,
    /// Ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub completed_at: Option<String>,
    /// Why it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub error: Option<String>,
    /// Its tags (`drs-orchestrator:execution` when the app started it).
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// Its steps (empty in a listing).
    #[serde(default)]
    pub steps: Vec<NativeRunStep>,
}

impl NativeExecution {
    /// Over: completed, failed or cancelled.
    pub fn is_final(&self) -> bool {
        matches!(self.status.as_str(), "COMPLETED" | "FAILED" | "CANCELLED")
    }

    /// The DRS jobs its steps started, in step order.
    pub fn job_ids(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for s in &self.steps {
            for v in &s.servers {
                if let Some(j) = &v.job_id {
                    if !out.contains(j) {
                        out.push(j.clone());
                    }
                }
            }
        }
        out
    }
}

/// The native run an execution mirrors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub struct NativeRef {
    /// The target it runs in.
    pub target: String,
    /// The native plan's ARN.
    pub plan_arn: String,
    /// The native execution's ARN.
    pub execution_arn: String,
    /// Started from the app (else in the console or another tool).
    pub started_by_app: bool,
    /// DRS's run has ended; a drill is then the app's to clean up (its own jobs' instances).
    #[serde(default)]
    pub drs_done: bool,
}

impl NativeRef {
    /// DRS still drives the execution: the engine must not.
    pub fn drs_drives(&self) -> bool {
        !self.drs_done
    }
}

/// Hands a mirrored drill whose native run has ended to the engine for its cleanup (pending,
/// or automatic when `auto_cleanup`); a recovery stays as DRS ended it.
pub fn hand_over(mut e: Execution, auto_cleanup: bool) -> Execution {
    if e.kind == crate::execution::ExecutionKind::Drill && e.status.is_final() {
        if let Some(n) = e.native.as_mut() {
            n.drs_done = true;
            e.status = ExecutionStatus::Running;
            e.ended_at = None;
            e.auto_cleanup = auto_cleanup;
            e.cleanup.status = "pending".into();
        }
    }
    e
}

fn wave_status(step: &str) -> WaveStatus {
    match step {
        "EXECUTING" | "WAITING" => WaveStatus::Running,
        "COMPLETED" => WaveStatus::Completed,
        "FAILED" | "TIMED_OUT" => WaveStatus::Failed,
        "SKIPPED" => WaveStatus::Skipped,
        _ => WaveStatus::Pending,
    }
}

/// A new execution for a native run (its waves come from [`mirror`]).
pub fn native_execution(
    id: &str,
    plan: &str,
    revision: u32,
    kind: crate::execution::ExecutionKind,
    started_by: &str,
    started_at: &str,
) -> Execution {
    Execution {
        id: id.to_string(),
        plan: plan.to_string(),
        plan_revision: revision,
        kind,
        direction: Default::default(),
        started_by: started_by.to_string(),
        identities: BTreeMap::new(),
        started_at: started_at.to_string(),
        ended_at: None,
        status: ExecutionStatus::Running,
        rto_target_minutes: None,
        auto_cleanup: false,
        waves: Vec::new(),
        batches: Vec::new(),
        suspended: Vec::new(),
        isolated: Vec::new(),
        cleanup: crate::execution::Cleanup {
            status: "notNeeded".into(),
            ..Default::default()
        },
        gaps: Vec::new(),
        last_tick_at: None,
        failure: None,
        native: None,
        index: Default::default(),
    }
}

/// `base` (the execution as the app last saw it) brought up to what DRS reports of its native
/// run: one wave per native step, each SERVER step's servers with their job's launch status and
/// recovery instance, one batch per job. `names` gives servers their names.
pub fn mirror(
    base: &Execution,
    run: &NativeExecution,
    jobs: &[Job],
    instances: &[crate::launch::RecoveryInstance],
    names: &BTreeMap<String, String>,
) -> Execution {
    let mut e = base.clone();
    let target = e
        .native
        .as_ref()
        .map(|n| n.target.clone())
        .unwrap_or_default();
    e.status = match run.status.as_str() {
        "COMPLETED" => ExecutionStatus::Completed,
        "FAILED" => ExecutionStatus::Failed,
        "CANCELLED" => ExecutionStatus::Cancelled,
        "CANCELLING" => ExecutionStatus::Cancelling,
        _ => ExecutionStatus::Running,
    };
    e.started_at = run.started_at.clone();
    e.ended_at = run.completed_at.clone();
    e.failure = run.error.clone();
    let by_job: BTreeMap<&str, &Job> = jobs.iter().map(|j| (j.job_id.as_str(), j)).collect();
    let mut waves = Vec::new();
    let mut batches = Vec::new();
    let mut previous: Option<String> = None;
    for s in &run.steps {
        let name = match s.wait_minutes {
            Some(m) => format!("{} (wait {m} min)", s.name),
            None => s.name.clone(),
        };
        let mut servers = Vec::new();
        let mut started: Option<String> = None;
        let mut ended: Option<String> = None;
        for v in &s.servers {
            let display = names
                .get(&v.source_server_id)
                .cloned()
                .unwrap_or_else(|| v.source_server_id.clone());
            let mut r = ServerRun::new(&v.source_server_id, &display, "", &target);
            let job = v.job_id.as_deref().and_then(|j| by_job.get(j));
            r.batch = v.job_id.clone();
            if let Some(job) = job {
                started = Some(job.created.clone());
                ended = job.ended.clone();
                r.started_at = Some(job.created.clone());
                let js = job
                    .servers
                    .iter()
                    .find(|x| x.source_server_id == v.source_server_id);
                r.recovery_instance_id = js.and_then(|x| x.recovery_instance_id.clone());
                r.ec2_instance_id = instances
                    .iter()
                    .find(|i| {
                        Some(&i.recovery_instance_id) == r.recovery_instance_id.as_ref()
                            || (i.job_id.as_deref() == Some(job.job_id.as_str())
                                && i.source_server_id.as_deref() == Some(&v.source_server_id))
                    })
                    .and_then(|i| i.ec2_instance_id.clone());
                let job_over = job.status == crate::jobs::JobStatus::Completed;
                r.status = match js.map(|x| &x.launch_status) {
                    Some(crate::jobs::LaunchStatus::Launched) => ServerStatus::Launched,
                    Some(
                        crate::jobs::LaunchStatus::Failed | crate::jobs::LaunchStatus::Terminated,
                    ) => ServerStatus::Failed,
                    _ if job_over => ServerStatus::Failed,
                    _ => ServerStatus::Launching,
                };
                if r.status.is_final() {
                    r.ended_at = job.ended.clone();
                }
                if r.status == ServerStatus::Failed {
                    r.failure = Some(format!("DRS job {} did not launch it", job.job_id));
                }
            } else if s.status == "SKIPPED" || e.status.is_final() {
                r.status = ServerStatus::NotRun;
            }
            servers.push(r);
        }
        if let Some(job) = s.servers.iter().find_map(|v| v.job_id.as_deref()) {
            let found = by_job.get(job);
            batches.push(Batch {
                key: job.to_string(),
                target: target.clone(),
                wave: name.clone(),
                servers: s
                    .servers
                    .iter()
                    .map(|v| v.source_server_id.clone())
                    .collect(),
                admitted_at: found.map(|j| j.created.clone()),
                job_id: Some(job.to_string()),
                job_created_at: found.map(|j| j.created.clone()),
                job_ended_at: found.and_then(|j| j.ended.clone()),
                done: found.is_some_and(|j| j.status == crate::jobs::JobStatus::Completed),
                ..Default::default()
            });
        }
        // A WAIT step starts when the step before it ended and lasts its minutes.
        if let Some(minutes) = s.wait_minutes {
            let begin = waves
                .last()
                .and_then(|w: &WaveRun| w.ended_at.clone())
                .or_else(|| (waves.is_empty()).then(|| run.started_at.clone()));
            if s.status != "NOT_STARTED" && s.status != "SKIPPED" {
                started = begin.clone();
            }
            if s.status == "COMPLETED" {
                ended = begin
                    .as_deref()
                    .and_then(crate::execution::model::parse)
                    .map(|t| {
                        crate::execution::model::rfc3339(
                            t + time::Duration::minutes(i64::from(minutes)),
                        )
                    });
            }
        }
        let critical = s.servers.iter().any(|v| v.critical);
        waves.push(WaveRun {
            name: name.clone(),
            depends_on: previous.iter().cloned().collect(),
            approval_required: false,
            approved_by: None,
            timeout_minutes: None,
            timed_out: s.status == "TIMED_OUT",
            on_failure: if critical || s.servers.is_empty() {
                FailurePolicy::Stop
            } else {
                FailurePolicy::Continue
            },
            status: wave_status(&s.status),
            started_at: started.or_else(|| {
                (s.status != "NOT_STARTED" && s.status != "SKIPPED").then(|| run.started_at.clone())
            }),
            ended_at: ended,
            servers,
            steps: Vec::new(),
        });
        previous = Some(name);
    }
    e.waves = waves;
    e.batches = batches;
    e.index = Default::default();
    e
}

/// What an app-driven run adds to a native one, shown side by side with a plan's gaps.
pub fn app_adds() -> Vec<&'static str> {
    vec![
        "Readiness checked before it starts (replication, lag, pairs, launch settings); a recovery needs the plan's name typed",
        "Every action written to a journal before it is sent; a run survives the laptop closing and resumes where it was",
        "Every DRS job tagged with the execution, wave and batch; an answer lost in the network is looked for before anything is sent again",
        "Waves in parallel where they do not depend on each other; approvals; failure policies per wave",
        "Wave steps: SSM commands and automations, Route 53 records, checks, manual sign-off",
        "Drills never launch into a DR instance (launch-into suspended and restored); drill networks isolate drills",
        "Cleanup of a drill's own instances only, audited",
    ]
}

#[cfg(test)]
mod tests;
