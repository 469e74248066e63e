//! Readiness: would a launch of this plan work right now? Per server, group and plan, each
//! finding with a severity (a blocker stops the plan from being "ready"), the evidence seen and
//! when, and what to do about it.
//!
//! Two steps: [`gather`] reads the evidence from the targets through the [`Cloud`] port (source
//! servers, recovery-region instances, DRS recovery instances, and the launch configuration of
//! every server that matters), and [`assess`] judges it without any I/O, so it is fast and
//! testable on its own.

use crate::cloud::{Cloud, CloudError};
use crate::group::{LaunchMode, ProtectionGroup};
use crate::inventory::{Ec2Instance, ReplicationState, SourceServer};
use crate::launch::{LaunchConfiguration, RecoveryInstance};
use crate::pairing::{check_pairs, match_pairs, Pair, PairContext, PairOverride, PairStatus};
use crate::plan::RecoveryPlan;
use futures::stream::{self, StreamExt};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// DRS quota: source servers in one recovery job.
pub const SERVERS_PER_JOB: usize = 100;
/// DRS quota: concurrent jobs.
pub const CONCURRENT_JOBS: usize = 20;
/// DRS quota: source servers in all active jobs.
pub const SERVERS_IN_ACTIVE_JOBS: usize = 500;
/// Launch configurations read at once (the SDK retries throttling on top of this).
const LAUNCH_CONFIG_CONCURRENCY: usize = 16;

/// How strict the checks are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub struct Thresholds {
    /// Replication lag above this is a warning (seconds).
    pub max_lag_seconds: u64,
    /// Replication lag above this is critical: a blocker for readiness, an alert while the
    /// app runs (seconds).
    #[serde(default = "default_critical_lag")]
    pub critical_lag_seconds: u64,
    /// An agent not seen for longer than this is a blocker (seconds).
    pub max_agent_silence_seconds: u64,
}

fn default_critical_lag() -> u64 {
    1800
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            max_lag_seconds: 300,
            critical_lag_seconds: default_critical_lag(),
            max_agent_silence_seconds: 900,
        }
    }
}

impl Thresholds {
    /// What is wrong with these thresholds, with the field named.
    pub fn problems(&self) -> Vec<crate::validation::Problem> {
        use crate::validation::Problem;
        let mut p = Vec::new();
        if self.max_lag_seconds == 0 {
            p.push(Problem::error(
                "maxLagSeconds",
                "must be more than 0 seconds",
            ));
        }
        if self.critical_lag_seconds <= self.max_lag_seconds {
            p.push(Problem::error(
                "criticalLagSeconds",
                format!(
                    "must be more than the warning threshold ({} s)",
                    self.max_lag_seconds
                ),
            ));
        }
        if self.max_agent_silence_seconds < 60 {
            p.push(Problem::error(
                "maxAgentSilenceSeconds",
                "must be at least 60 seconds (DRS updates last-seen about once a minute)",
            ));
        }
        for (field, v) in [
            ("maxLagSeconds", self.max_lag_seconds),
            ("criticalLagSeconds", self.critical_lag_seconds),
            ("maxAgentSilenceSeconds", self.max_agent_silence_seconds),
        ] {
            if v > 7 * 86_400 {
                p.push(Problem::error(field, "must be at most 7 days"));
            }
        }
        p
    }
}

/// What one target answered.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TargetEvidence {
    /// DRS source servers.
    pub servers: Vec<SourceServer>,
    /// Recovery-region EC2 instances.
    pub instances: Vec<Ec2Instance>,
    /// DRS recovery instances.
    pub recovery_instances: Vec<RecoveryInstance>,
    /// Launch configurations read (servers of the plan and of launch-into groups).
    pub launch: Vec<LaunchConfiguration>,
    /// Launch configurations that could not be read, with why.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub launch_errors: BTreeMap<String, String>,
    /// Route 53 hosted zones of the target's account (read when the plan changes records).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hosted_zones: Option<Vec<crate::cloud::HostedZone>>,
    /// Why the hosted zones could not be listed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zones_error: Option<String>,
    /// Why the target could not be read at all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Everything [`assess`] judges.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Evidence {
    /// When it was read (RFC 3339).
    pub observed_at: String,
    /// Per target.
    pub targets: BTreeMap<String, TargetEvidence>,
    /// Manual pair overrides per target.
    #[serde(default)]
    pub overrides: BTreeMap<String, Vec<PairOverride>>,
    /// Replication thresholds set per target (others use the thresholds `assess` is given).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub thresholds: BTreeMap<String, Thresholds>,
}

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts", rename = "FindingSeverity")]
pub enum Severity {
    /// A launch would fail or be wrong: the plan is not ready.
    Blocker,
    /// Worth fixing; the launch would still work.
    Warning,
}

/// One thing readiness found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub struct Finding {
    /// Blocker or warning.
    pub severity: Severity,
    /// Stable check ID (`replicationState`, `lag`, `pair.stopped`, `waveSize`, …).
    pub check: String,
    /// The wave, when the finding is about one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub wave: Option<String>,
    /// The protection group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub group: Option<String>,
    /// `s-…`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub source_server_id: Option<String>,
    /// The server's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub server_name: Option<String>,
    /// What is wrong.
    pub message: String,
    /// The value seen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub evidence: Option<String>,
    /// When it was seen (RFC 3339).
    pub observed_at: String,
    /// What to do.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub remediation: Option<String>,
}

/// How a wave will run against the DRS quotas.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub struct WavePlan {
    /// Wave name.
    pub wave: String,
    /// Source servers in it.
    pub servers: usize,
    /// Recovery jobs the engine starts (≤ 100 servers each).
    pub jobs: usize,
    /// Batches the jobs run in (≤ 20 concurrent jobs and ≤ 500 servers in active jobs).
    pub batches: usize,
}

/// The verdict for a plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub struct Readiness {
    /// Plan name.
    pub plan: String,
    /// When the evidence was read.
    pub checked_at: String,
    /// No blocker.
    pub ready: bool,
    /// Blocker count.
    pub blockers: usize,
    /// Warning count.
    pub warnings: usize,
    /// Source servers the plan recovers.
    pub servers: usize,
    /// Findings, blockers first, then by wave, group and server.
    pub findings: Vec<Finding>,
    /// How each wave will run.
    pub waves: Vec<WavePlan>,
    /// The pairs of the plan's launch-into groups.
    pub pairs: Vec<Pair>,
    /// Every server of the plan in wave → group order, with its own verdict.
    #[serde(default)]
    pub by_server: Vec<ServerReadiness>,
}

/// One server's verdict: the worst of its findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub enum ServerVerdict {
    /// At least one blocker.
    Blocked,
    /// Warnings only.
    Warning,
    /// Nothing found.
    Ready,
}

impl ServerVerdict {
    /// How a report prints it.
    pub fn as_str(self) -> &'static str {
        match self {
            ServerVerdict::Blocked => "blocked",
            ServerVerdict::Warning => "warning",
            ServerVerdict::Ready => "ready",
        }
    }
}

/// One server of a plan as the readiness check saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub struct ServerReadiness {
    /// Wave.
    pub wave: String,
    /// Protection group.
    pub group: String,
    /// Target it is read from.
    pub target: String,
    /// `s-…`.
    pub source_server_id: String,
    /// Display name (Name tag, else hostname, else the ID).
    pub name: String,
    /// Replication state as DRS reports it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub replication_state: Option<String>,
    /// Replication lag in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub lag_seconds: Option<u64>,
    /// When DRS last heard from the agent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub last_seen: Option<String>,
    /// Its group launches into pre-provisioned DR instances.
    #[serde(default)]
    pub launch_into: bool,
    /// The DR instance it launches into, when its group launches into pre-provisioned instances.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub dr_instance: Option<String>,
    /// Its verdict.
    pub verdict: ServerVerdict,
    /// Blocker count.
    pub blockers: usize,
    /// Warning count.
    pub warnings: usize,
}

/// Jobs and batches for `servers` servers in one wave.
pub fn wave_plan(wave: &str, servers: usize) -> WavePlan {
    let jobs = servers.div_ceil(SERVERS_PER_JOB);
    // Jobs that may run at once: the concurrent-job quota, or fewer when the servers-in-active-
    // jobs quota binds first (500 / 100 = 5).
    let per_batch = (SERVERS_IN_ACTIVE_JOBS / SERVERS_PER_JOB).clamp(1, CONCURRENT_JOBS);
    WavePlan {
        wave: wave.to_string(),
        servers,
        jobs,
        batches: jobs.div_ceil(per_batch),
    }
}

/// The servers of `group` among `servers`.
pub fn members<'a>(group: &ProtectionGroup, servers: &'a [SourceServer]) -> Vec<&'a SourceServer> {
    servers
        .iter()
        .filter(|s| group.selector.matches(&s.id, &s.tags))
        .collect()
}

/// Computes every pair of `target`'s launch-into groups, with prerequisites.
pub fn target_pairs(
    target: &str,
    groups: &[ProtectionGroup],
    ev: &TargetEvidence,
    overrides: &[PairOverride],
) -> Vec<Pair> {
    let servers: Vec<(String, SourceServer)> = groups
        .iter()
        .filter(|g| g.target == target && g.launch.launch_mode == LaunchMode::PreProvisioned)
        .flat_map(|g| {
            members(g, &ev.servers)
                .into_iter()
                .map(|s| (g.name.clone(), s.clone()))
        })
        .collect();
    // Only this target's own instances (its account and recovery region) can be DR instances.
    let instances: Vec<Ec2Instance> = ev
        .instances
        .iter()
        .filter(|i| i.target == target)
        .cloned()
        .collect();
    let mut pairs = match_pairs(target, &servers, &instances, overrides);
    let ctx = PairContext {
        servers: ev.servers.iter().map(|s| (s.id.as_str(), s)).collect(),
        instances: ev.instances.iter().map(|i| (i.id.as_str(), i)).collect(),
        launch: ev
            .launch
            .iter()
            .map(|l| (l.source_server_id.as_str(), l))
            .collect(),
        recovery_instances: &ev.recovery_instances,
    };
    check_pairs(&mut pairs, &ctx);
    pairs
}

/// Reads the evidence for `plan` from its targets. `clouds` holds a connection per target the
/// plan's groups use (a target missing there, or failing, is recorded as an error).
pub async fn gather(
    plan: &RecoveryPlan,
    groups: &[ProtectionGroup],
    clouds: &BTreeMap<String, Result<Arc<dyn Cloud>, CloudError>>,
    overrides: BTreeMap<String, Vec<PairOverride>>,
    observed_at: String,
) -> Evidence {
    let plan_groups = plan.group_names();
    let targets: BTreeSet<&str> = groups
        .iter()
        .filter(|g| plan_groups.contains(g.name.as_str()))
        .map(|g| g.target.as_str())
        .collect();
    let reads = targets.into_iter().map(|target| async move {
        let cloud = match clouds.get(target) {
            Some(Ok(c)) => Arc::clone(c),
            Some(Err(e)) => {
                return (
                    target.to_string(),
                    TargetEvidence {
                        error: Some(e.to_string()),
                        ..Default::default()
                    },
                )
            }
            None => {
                return (
                    target.to_string(),
                    TargetEvidence {
                        error: Some(format!("target \"{target}\" is not configured")),
                        ..Default::default()
                    },
                )
            }
        };
        (
            target.to_string(),
            read_target(target, plan, groups, cloud).await,
        )
    });
    Evidence {
        observed_at,
        targets: futures::future::join_all(reads).await.into_iter().collect(),
        overrides,
        thresholds: BTreeMap::new(),
    }
}

async fn read_target(
    target: &str,
    plan: &RecoveryPlan,
    groups: &[ProtectionGroup],
    cloud: Arc<dyn Cloud>,
) -> TargetEvidence {
    let (servers, instances, recovery) = futures::join!(
        cloud.source_servers(),
        cloud.recovery_instances_ec2(),
        cloud.recovery_instances()
    );
    let (servers, instances, recovery_instances) = match (servers, instances, recovery) {
        (Ok(s), Ok(i), Ok(r)) => (s, i, r),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => {
            return TargetEvidence {
                error: Some(e.to_string()),
                ..Default::default()
            }
        }
    };
    // Launch configurations of the plan's servers and of every launch-into group's servers
    // (an instance may already be named by a server outside the plan).
    let plan_groups = plan.group_names();
    let wanted: BTreeSet<String> = groups
        .iter()
        .filter(|g| g.target == target)
        .filter(|g| {
            plan_groups.contains(g.name.as_str())
                || g.launch.launch_mode == LaunchMode::PreProvisioned
        })
        .flat_map(|g| members(g, &servers).into_iter().map(|s| s.id.clone()))
        .collect();
    let results: Vec<(String, Result<LaunchConfiguration, CloudError>)> = stream::iter(wanted)
        .map(|id| {
            let cloud = Arc::clone(&cloud);
            async move {
                let r = cloud.launch_configuration(&id).await;
                (id, r)
            }
        })
        .buffer_unordered(LAUNCH_CONFIG_CONCURRENCY)
        .collect()
        .await;
    let mut launch = Vec::new();
    let mut launch_errors = BTreeMap::new();
    for (id, r) in results {
        match r {
            Ok(l) => launch.push(l),
            Err(e) => {
                launch_errors.insert(id, e.to_string());
            }
        }
    }
    launch.sort_by(|a, b| a.source_server_id.cmp(&b.source_server_id));
    // The hosted zones Route 53 steps write, when the plan has any.
    let changes_records = plan
        .steps()
        .any(|(_, s)| s.kind == crate::step::StepKind::Route53);
    let (hosted_zones, zones_error) = if changes_records {
        match cloud.hosted_zones().await {
            Ok(z) => (Some(z), None),
            Err(e) => (None, Some(e.to_string())),
        }
    } else {
        (None, None)
    };
    TargetEvidence {
        servers,
        instances,
        recovery_instances,
        launch,
        launch_errors,
        hosted_zones,
        zones_error,
        error: None,
    }
}

/// Seconds between two RFC 3339 instants (`later - earlier`), if both parse.
pub fn seconds_between(earlier: &str, later: &str) -> Option<i64> {
    crate::timestamp::seconds_between(earlier, later)
}

/// A duration as people say it (`45 s`, `20 min`, `3 h 12 min`).
pub fn human_seconds(s: u64) -> String {
    match s {
        0..=119 => format!("{s} s"),
        120..=7199 => format!("{} min", s / 60),
        _ => format!("{} h {} min", s / 3600, (s % 3600) / 60),
    }
}

struct Ctx<'a> {
    observed_at: &'a str,
    findings: Vec<Finding>,
}

impl Ctx<'_> {
    #[allow(clippy::too_many_arguments)]
    fn add(
        &mut self,
        severity: Severity,
        check: &str,
        wave: Option<&str>,
        group: Option<&str>,
        server: Option<&SourceServer>,
        message: String,
        evidence: Option<String>,
        remediation: Option<String>,
    ) {
        self.findings.push(Finding {
            severity,
            check: check.into(),
            wave: wave.map(str::to_string),
            group: group.map(str::to_string),
            source_server_id: server.map(|s| s.id.clone()),
            server_name: server.map(|s| s.display_name().to_string()),
            message,
            evidence,
            observed_at: self.observed_at.to_string(),
            remediation,
        });
    }
}

/// Judges `evidence` for `plan` (pure: no I/O).
pub fn assess(
    plan: &RecoveryPlan,
    groups: &[ProtectionGroup],
    evidence: &Evidence,
    thresholds: &Thresholds,
) -> Readiness {
    let mut cx = Ctx {
        observed_at: &evidence.observed_at,
        findings: Vec::new(),
    };
    let by_name: BTreeMap<&str, &ProtectionGroup> =
        groups.iter().map(|g| (g.name.as_str(), g)).collect();

    // The plan itself.
    let names: BTreeSet<String> = groups.iter().map(|g| g.name.clone()).collect();
    for p in plan.validate(&names).into_iter().filter(|p| p.is_error()) {
        cx.add(
            Severity::Blocker,
            "plan",
            None,
            None,
            None,
            format!("{} ({})", p.message, p.path),
            None,
            Some("fix the plan in the plan editor".into()),
        );
    }
    if plan.rto_target_minutes.is_none() {
        cx.add(
            Severity::Warning,
            "rtoTarget",
            None,
            None,
            None,
            "the plan has no RTO target, so drills cannot be judged against one".into(),
            None,
            Some("set an RTO target in the plan editor".into()),
        );
    }
    for (target, ev) in &evidence.targets {
        if let Some(e) = &ev.error {
            cx.add(
                Severity::Blocker,
                "target",
                None,
                None,
                None,
                format!("target \"{target}\" could not be read: {e}"),
                None,
                Some("test the target's connection on the Targets page".into()),
            );
        }
    }

    // Pairs of every target (1:1 across all launch-into groups of the target).
    let mut pairs_by_server: BTreeMap<String, Pair> = BTreeMap::new();
    let mut plan_pairs = Vec::new();
    let plan_group_names = plan.group_names();
    for (target, ev) in &evidence.targets {
        if ev.error.is_some() {
            continue;
        }
        let overrides = evidence
            .overrides
            .get(target)
            .map(Vec::as_slice)
            .unwrap_or_default();
        for pair in target_pairs(target, groups, ev, overrides) {
            let in_plan = pair
                .group
                .as_deref()
                .is_some_and(|g| plan_group_names.contains(g));
            if in_plan || pair.status == PairStatus::Orphan {
                plan_pairs.push(pair.clone());
            }
            if let Some(id) = &pair.source_server_id {
                pairs_by_server.insert(id.clone(), pair);
            }
        }
    }

    // Waves, groups, servers.
    let mut seen_in: BTreeMap<String, String> = BTreeMap::new();
    let mut by_server: Vec<ServerReadiness> = Vec::new();
    let mut wave_plans = Vec::new();
    let mut total_servers = 0;
    for wave in &plan.waves {
        let mut wave_servers = 0;
        for group_name in &wave.groups {
            let Some(group) = by_name.get(group_name.as_str()) else {
                continue; // reported by plan validation
            };
            let Some(ev) = evidence.targets.get(&group.target) else {
                continue;
            };
            if ev.error.is_some() {
                continue;
            }
            let servers = members(group, &ev.servers);
            if servers.is_empty() {
                cx.add(
                    Severity::Blocker,
                    "groupEmpty",
                    Some(&wave.name),
                    Some(group_name),
                    None,
                    format!("protection group \"{group_name}\" selects no source server in target \"{}\"", group.target),
                    Some(format!("{} source servers in the target", ev.servers.len())),
                    Some("check the group's tags or IDs against the Inventory page".into()),
                );
            }
            wave_servers += servers.len();
            let launch: BTreeMap<&str, &LaunchConfiguration> = ev
                .launch
                .iter()
                .map(|l| (l.source_server_id.as_str(), l))
                .collect();
            for s in servers {
                if let Some(other) = seen_in.insert(s.id.clone(), group_name.clone()) {
                    if &other != group_name {
                        cx.add(
                            Severity::Blocker,
                            "conflict",
                            Some(&wave.name),
                            Some(group_name),
                            Some(s),
                            format!("the server is in protection groups \"{other}\" and \"{group_name}\" of this plan; it would be launched twice"),
                            None,
                            Some("narrow one group's selector".into()),
                        );
                    }
                }
                by_server.push(ServerReadiness {
                    wave: wave.name.clone(),
                    group: group_name.clone(),
                    target: group.target.clone(),
                    source_server_id: s.id.clone(),
                    name: s.display_name().to_string(),
                    replication_state: s.replication_state.as_ref().map(|r| r.as_str().to_string()),
                    lag_seconds: s.lag_seconds,
                    last_seen: s.last_seen.clone(),
                    launch_into: group.launch.launch_mode == LaunchMode::PreProvisioned,
                    dr_instance: if group.launch.launch_mode == LaunchMode::PreProvisioned {
                        pairs_by_server
                            .get(&s.id)
                            .and_then(|p| p.instance_id.clone())
                    } else {
                        None
                    },
                    verdict: ServerVerdict::Ready,
                    blockers: 0,
                    warnings: 0,
                });
                server_checks(
                    &mut cx,
                    &wave.name,
                    group,
                    s,
                    evidence.thresholds.get(&group.target).unwrap_or(thresholds),
                    &evidence.observed_at,
                );
                launch_checks(
                    &mut cx,
                    &wave.name,
                    group,
                    s,
                    launch.get(s.id.as_str()).copied(),
                    ev.launch_errors.get(&s.id),
                    pairs_by_server.get(&s.id),
                );
            }
        }
        total_servers += wave_servers;
        let wp = wave_plan(&wave.name, wave_servers);
        if wp.jobs > 1 {
            cx.add(
                Severity::Warning,
                "waveSize",
                Some(&wave.name),
                None,
                None,
                format!(
                    "{} servers exceed DRS's {SERVERS_PER_JOB} per recovery job: the engine splits the wave into {} jobs{}",
                    wp.servers,
                    wp.jobs,
                    if wp.batches > 1 {
                        format!(
                            ", run in {} batches (at most {CONCURRENT_JOBS} concurrent jobs and {SERVERS_IN_ACTIVE_JOBS} servers in active jobs)",
                            wp.batches
                        )
                    } else {
                        String::new()
                    }
                ),
                Some(format!("{} servers", wp.servers)),
                Some("split the wave if the batches would break its timeout".into()),
            );
        }
        wave_plans.push(wp);
    }

    // The hosted zones Route 53 steps write exist in the plan's accounts.
    let zones: BTreeSet<&str> = evidence
        .targets
        .values()
        .filter_map(|t| t.hosted_zones.as_ref())
        .flatten()
        .map(|z| z.id.as_str())
        .collect();
    let listed = evidence.targets.values().any(|t| t.hosted_zones.is_some());
    for (target, t) in &evidence.targets {
        if let Some(e) = &t.zones_error {
            cx.add(
                Severity::Warning,
                "step",
                None,
                None,
                None,
                format!("the hosted zones of target \"{target}\" could not be listed, so Route 53 steps are not checked: {e}"),
                None,
                Some("allow route53:ListHostedZones to the target's credentials".into()),
            );
        }
    }
    if listed {
        for (wave, step) in plan
            .steps()
            .filter(|(_, s)| s.kind == crate::step::StepKind::Route53)
        {
            for zone in [&step.zone_id, &step.drill_zone_id] {
                let bare = crate::step::bare_zone_id(zone);
                if !bare.is_empty() && !zones.contains(bare) {
                    cx.add(
                        Severity::Blocker,
                        "step",
                        Some(&wave.name),
                        None,
                        None,
                        format!(
                            "Route 53 step \"{}\" writes hosted zone {bare}, which the plan's accounts do not have",
                            step.name
                        ),
                        Some(format!("{} hosted zone(s) listed", zones.len())),
                        Some("correct the zone ID in the plan (Route 53 console: Hosted zones)".into()),
                    );
                }
            }
        }
    }

    // The servers wave steps name are in the plan (when every target could be read).
    if evidence.targets.values().all(|t| t.error.is_none()) {
        let names: BTreeSet<&str> = by_server.iter().map(|s| s.name.as_str()).collect();
        for (wave, step) in plan.steps() {
            for server in step.servers.iter().filter(|n| !names.contains(n.as_str())) {
                cx.add(
                    Severity::Blocker,
                    "step",
                    Some(&wave.name),
                    None,
                    None,
                    format!(
                        "step \"{}\" names server \"{server}\", which is in none of the plan's protection groups",
                        step.name
                    ),
                    Some(format!("{} servers in the plan", names.len())),
                    Some("name a server the plan recovers, or add its group to a wave".into()),
                );
            }
        }
    }

    let mut findings = cx.findings;
    findings.sort_by(|a, b| {
        (a.severity, &a.wave, &a.group, &a.server_name, &a.check).cmp(&(
            b.severity,
            &b.wave,
            &b.group,
            &b.server_name,
            &b.check,
        ))
    });
    let blockers = findings
        .iter()
        .filter(|f| f.severity == Severity::Blocker)
        .count();
    let mut counts: BTreeMap<(&str, &str), (usize, usize)> = BTreeMap::new();
    for f in &findings {
        if let (Some(id), Some(g)) = (&f.source_server_id, &f.group) {
            let c = counts.entry((id.as_str(), g.as_str())).or_default();
            match f.severity {
                Severity::Blocker => c.0 += 1,
                Severity::Warning => c.1 += 1,
            }
        }
    }
    for row in &mut by_server {
        if let Some(&(b, w)) = counts.get(&(row.source_server_id.as_str(), row.group.as_str())) {
            row.blockers = b;
            row.warnings = w;
            row.verdict = if b > 0 {
                ServerVerdict::Blocked
            } else if w > 0 {
                ServerVerdict::Warning
            } else {
                ServerVerdict::Ready
            };
        }
    }
    Readiness {
        plan: plan.name.clone(),
        checked_at: evidence.observed_at.clone(),
        ready: blockers == 0,
        blockers,
        warnings: findings.len() - blockers,
        servers: total_servers,
        findings,
        waves: wave_plans,
        pairs: plan_pairs,
        by_server,
    }
}

fn server_checks(
    cx: &mut Ctx<'_>,
    wave: &str,
    group: &ProtectionGroup,
    s: &SourceServer,
    t: &Thresholds,
    now: &str,
) {
    let g = Some(group.name.as_str());
    let w = Some(wave);
    match &s.replication_state {
        Some(ReplicationState::Continuous) => {}
        Some(st @ (ReplicationState::Backlog | ReplicationState::Rescan | ReplicationState::CreatingSnapshot)) => cx.add(
            Severity::Warning,
            "replicationState",
            w,
            g,
            Some(s),
            format!("replication is {} (not yet continuous): the newest recovery point may be older than usual", st.as_str()),
            Some(st.as_str().to_string()),
            Some("wait for replication to reach CONTINUOUS".into()),
        ),
        Some(st) => cx.add(
            Severity::Blocker,
            "replicationState",
            w,
            g,
            Some(s),
            format!("replication is {}, not CONTINUOUS", st.as_str()),
            Some(st.as_str().to_string()),
            Some(match st {
                ReplicationState::InitialSync | ReplicationState::Initiating => "wait for the initial sync to finish (there is no recovery point yet)".to_string(),
                ReplicationState::Paused | ReplicationState::Stopped => "resume replication in DRS".to_string(),
                _ => "check the replication agent and the network to the staging area".to_string(),
            }),
        ),
        None => cx.add(
            Severity::Blocker,
            "replicationState",
            w,
            g,
            Some(s),
            "DRS reports no replication state".into(),
            None,
            Some("check the server in the DRS console".into()),
        ),
    }
    if let Some(lag) = s.lag_seconds {
        if lag > t.critical_lag_seconds {
            cx.add(
                Severity::Blocker,
                "lag",
                w,
                g,
                Some(s),
                format!(
                    "replication lags {} behind, beyond the critical threshold of {}: a recovery now would lose that much data",
                    human_seconds(lag),
                    human_seconds(t.critical_lag_seconds)
                ),
                s.lag.clone(),
                Some("check the agent's bandwidth and the staging area; resolve before relying on this server".into()),
            );
        } else if lag > t.max_lag_seconds {
            cx.add(
                Severity::Warning,
                "lag",
                w,
                g,
                Some(s),
                format!(
                    "replication lags {} behind (threshold {}): a recovery now would lose that much data",
                    human_seconds(lag),
                    human_seconds(t.max_lag_seconds)
                ),
                s.lag.clone(),
                Some("check the agent's bandwidth and the staging area".into()),
            );
        }
    }
    if let Some(err) = &s.replication_error {
        cx.add(
            Severity::Blocker,
            "replicationError",
            w,
            g,
            Some(s),
            format!(
                "replication error {}{}",
                err.error,
                err.raw_error
                    .as_deref()
                    .map(|r| format!(": {r}"))
                    .unwrap_or_default()
            ),
            Some(err.error.clone()),
            Some("fix the replication error shown in the DRS console".into()),
        );
    }
    match s
        .last_seen
        .as_deref()
        .and_then(|seen| seconds_between(seen, now).map(|d| (seen, d)))
    {
        Some((seen, silent)) if silent > t.max_agent_silence_seconds as i64 => cx.add(
            Severity::Blocker,
            "agentSeen",
            w,
            g,
            Some(s),
            format!(
                "the replication agent was last seen {} ago (threshold {})",
                human_seconds(silent.unsigned_abs()),
                human_seconds(t.max_agent_silence_seconds)
            ),
            Some(seen.to_string()),
            Some("check the source server and its agent service".into()),
        ),
        Some(_) => {}
        None => cx.add(
            Severity::Warning,
            "agentSeen",
            w,
            g,
            Some(s),
            "DRS reports no time the agent was last seen".into(),
            None,
            None,
        ),
    }
}

#[allow(clippy::too_many_arguments)]
fn launch_checks(
    cx: &mut Ctx<'_>,
    wave: &str,
    group: &ProtectionGroup,
    s: &SourceServer,
    launch: Option<&LaunchConfiguration>,
    launch_error: Option<&String>,
    pair: Option<&Pair>,
) {
    let g = Some(group.name.as_str());
    let w = Some(wave);
    let Some(lc) = launch else {
        cx.add(
            Severity::Blocker,
            "launchConfiguration",
            w,
            g,
            Some(s),
            format!(
                "the launch configuration could not be read{}",
                launch_error.map(|e| format!(": {e}")).unwrap_or_default()
            ),
            None,
            Some("check the target's permissions (drs:GetLaunchConfiguration)".into()),
        );
        return;
    };
    if group.launch.launch_mode == LaunchMode::NewInstances {
        if lc.ec2_launch_template_id.is_none() {
            cx.add(
                Severity::Blocker,
                "launchTemplate",
                w,
                g,
                Some(s),
                "the server has no EC2 launch template, so DRS cannot launch a new instance".into(),
                None,
                Some("re-initialise the server's launch settings in DRS".into()),
            );
        }
        if let Some(i) = &lc.launch_into_instance_id {
            // A blocker: what DRS would do (launch into, and for a drill's cleanup terminate, the
            // instance) is not what the plan says. A drill suspends it anyway rather than
            // launch into it.
            cx.add(
                Severity::Blocker,
                "launchInto",
                w,
                g,
                Some(s),
                format!("the group launches new instances, but the launch configuration launches into {i}"),
                Some(i.clone()),
                Some("clear the launch-into setting in DRS (launch settings of the source server), or make the group launch into pre-provisioned instances".into()),
            );
        }
        return;
    }
    let Some(pair) = pair else {
        return;
    };
    match pair.status {
        PairStatus::Unmatched => cx.add(
            Severity::Blocker,
            "pair.unmatched",
            w,
            g,
            Some(s),
            format!("no DR instance to launch into: {}", pair.note),
            None,
            Some("create a stopped DR instance with the server's Name and the AWSDRS tag, or pair one by hand on the Pairs page".into()),
        ),
        PairStatus::Ambiguous => cx.add(
            Severity::Blocker,
            "pair.ambiguous",
            w,
            g,
            Some(s),
            pair.note.clone(),
            Some(pair.candidates.join(", ")),
            Some("rename the duplicates, or pair by hand on the Pairs page".into()),
        ),
        PairStatus::Matched | PairStatus::Override => {
            let instance = pair.instance_id.clone().unwrap_or_default();
            for c in pair.checks.iter().filter(|c| !c.ok && !c.fixed_by_apply) {
                cx.add(
                    Severity::Blocker,
                    &format!("pair.{}", c.check),
                    w,
                    g,
                    Some(s),
                    format!("DR instance {instance}: {}", c.message),
                    Some(c.message.clone()),
                    c.remediation.clone(),
                );
            }
            let unset: Vec<&str> = pair
                .checks
                .iter()
                .filter(|c| !c.ok && c.fixed_by_apply)
                .map(|c| c.message.as_str())
                .collect();
            if !unset.is_empty() {
                cx.add(
                    Severity::Blocker,
                    "pair.launchConfiguration",
                    w,
                    g,
                    Some(s),
                    format!("the launch configuration does not launch into {instance} yet"),
                    Some(unset.join("; ")),
                    Some("apply the pairs (Pairs page, or: drs-orchestrator pairs apply --plan …)".into()),
                );
            }
        }
        PairStatus::Orphan => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waves_are_split_by_the_quotas() {
        assert_eq!(wave_plan("w", 0).jobs, 0);
        assert_eq!(
            wave_plan("w", 100),
            WavePlan {
                wave: "w".into(),
                servers: 100,
                jobs: 1,
                batches: 1
            }
        );
        assert_eq!(wave_plan("w", 101).jobs, 2);
        let big = wave_plan("w", 1_250);
        assert_eq!(
            (big.jobs, big.batches),
            (13, 3),
            "5 jobs (500 servers) at a time"
        );
    }

    #[test]
    fn an_instance_of_another_account_or_region_is_never_paired() {
        let server: SourceServer = serde_json::from_value(serde_json::json!({
            "id": "s-0000000000000000a", "arn": "", "target": "prod", "name": "web-01",
            "tags": {"Tier": "web"}
        }))
        .unwrap();
        let instance = |target: &str| -> Ec2Instance {
            serde_json::from_value(serde_json::json!({
                "id": "i-0000000000000000a", "target": target, "region": "eu-west-1",
                "name": "web-01", "state": "stopped",
                "tags": {"AWSDRS": "AllowLaunchingIntoThisInstance", "Name": "web-01"}
            }))
            .unwrap()
        };
        let group = ProtectionGroup {
            name: "web".into(),
            target: "prod".into(),
            selector: crate::group::Selector::Tags(
                [("Tier".to_string(), "web".to_string())].into(),
            ),
            launch: crate::group::LaunchSettings {
                launch_mode: LaunchMode::PreProvisioned,
                ..Default::default()
            },
            ..Default::default()
        };
        let ev = |target: &str| TargetEvidence {
            servers: vec![server.clone()],
            instances: vec![instance(target)],
            ..Default::default()
        };
        let elsewhere = target_pairs("prod", std::slice::from_ref(&group), &ev("staging"), &[]);
        assert_eq!(elsewhere.len(), 1);
        assert_eq!(elsewhere[0].status, PairStatus::Unmatched);
        let here = target_pairs("prod", &[group], &ev("prod"), &[]);
        assert_eq!(here[0].status, PairStatus::Matched);
    }

    #[test]
    fn steps_name_servers_of_the_plan_and_zones_of_its_accounts() {
        let server: SourceServer = serde_json::from_value(serde_json::json!({
            "id": "s-0000000000000000a", "arn": "", "target": "prod", "name": "web-01",
            "tags": {"Tier": "web"}
        }))
        .unwrap();
        let group: ProtectionGroup = serde_json::from_value(serde_json::json!({
            "name": "web", "target": "prod", "selector": {"tags": {"Tier": "web"}}
        }))
        .unwrap();
        let step = |servers: &[&str], zone: &str| crate::step::Step {
            name: "endpoint".into(),
            kind: crate::step::StepKind::Route53,
            zone_id: zone.into(),
            drill_zone_id: "ZDRILL".into(),
            record: "web.shop.internal".into(),
            servers: servers.iter().map(|s| s.to_string()).collect(),
            in_drills: true,
            ..Default::default()
        };
        let plan = |servers: &[&str], zone: &str| RecoveryPlan {
            name: "p".into(),
            failback_order: None,
            rto_target_minutes: Some(60),
            waves: vec![crate::plan::Wave {
                name: "web".into(),
                groups: vec!["web".into()],
                after: vec![step(servers, zone)],
                ..Default::default()
            }],
            ..Default::default()
        };
        let zones = |ids: &[&str]| {
            ids.iter()
                .map(|id| crate::cloud::HostedZone {
                    id: id.to_string(),
                    name: "shop.internal.".into(),
                    private: true,
                })
                .collect::<Vec<_>>()
        };
        let evidence = |z: Option<Vec<crate::cloud::HostedZone>>| Evidence {
            observed_at: "2026-11-26T10:00:00Z".into(),
            targets: BTreeMap::from([(
                "prod".to_string(),
                TargetEvidence {
                    servers: vec![server.clone()],
                    hosted_zones: z,
                    ..Default::default()
                },
            )]),
            ..Default::default()
        };
        let steps = |r: Readiness| {
            r.findings
                .into_iter()
                .filter(|f| f.check == "step")
                .map(|f| f.message)
                .collect::<Vec<_>>()
        };
        let t = Thresholds::default();
        let ok = assess(
            &plan(&["web-01"], "ZPROD"),
            std::slice::from_ref(&group),
            &evidence(Some(zones(&["ZPROD", "ZDRILL"]))),
            &t,
        );
        assert_eq!(steps(ok), Vec::<String>::new());
        let bad = assess(
            &plan(&["web-09"], "ZTYPO"),
            std::slice::from_ref(&group),
            &evidence(Some(zones(&["ZPROD", "ZDRILL"]))),
            &t,
        );
        let found = steps(bad);
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found.iter().any(|m| m.contains("hosted zone ZTYPO")));
        assert!(found
            .iter()
            .any(|m| m.contains("\"web-09\", which is in none")));
        // Zones not listed (no Route 53 read): not judged.
        let unread = assess(&plan(&["web-01"], "ZTYPO"), &[group], &evidence(None), &t);
        assert_eq!(steps(unread), Vec::<String>::new());
    }

    #[test]
    fn durations_read_as_people_say_them() {
        assert_eq!(human_seconds(45), "45 s");
        assert_eq!(human_seconds(1_200), "20 min");
        assert_eq!(human_seconds(11_520), "3 h 12 min");
        assert_eq!(
            seconds_between("2026-11-26T10:00:00Z", "2026-11-26T10:20:00Z"),
            Some(1_200)
        );
    }
}
