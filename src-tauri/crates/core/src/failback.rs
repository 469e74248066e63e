//! Failback: the way home after a real recovery. What makes a plan ready to fail back (per
//! server: its failback source server replicating within the lag threshold, and its original
//! instance fit to be launched into — or gone, so a new one is launched), how a failback
//! execution is set up from the plan and its reprotect, and where a plan is in its lifecycle
//! (protected → recovered → reprotecting → ready to fail back → failed back → protected
//! again). Pure functions over what the application layer read; no I/O.

use crate::execution::{
    Direction, Drain, Execution, ExecutionKind, ExecutionStatus, OriginalUse, Reversal,
    ServerStatus, WaveStatus,
};
use crate::inventory::{Ec2Instance, InstanceState, ReplicationState, SourceServer};
use crate::launch::AWSDRS_TAG;
use crate::plan::FailbackOrder;
use crate::readiness::{human_seconds, Finding, Severity, Thresholds};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// What to do with an original instance that is running or not tagged `AWSDRS`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub enum OriginalChoice {
    /// Nothing: it is a blocker until someone stops and tags it.
    #[default]
    Require,
    /// The failback tags it `AWSDRS` and stops it right before its wave launches.
    Prepare,
    /// The failback launches a new instance instead (a new instance ID and private IP).
    NewInstance,
}

/// One server on its way back, as failback readiness sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub struct FailbackServer {
    /// Name.
    pub name: String,
    /// Target.
    pub target: String,
    /// Protection group.
    pub group: String,
    /// Wave.
    pub wave: String,
    /// The source server that protected it (recovery region).
    pub source_server_id: String,
    /// The recovery instance it runs as in the recovery region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub recovery_instance_id: Option<String>,
    /// Its EC2 instance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub recovery_ec2_instance_id: Option<String>,
    /// The failback source server (origin region) that replicates it back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub failback_source_server_id: Option<String>,
    /// Its replication state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub replication_state: Option<String>,
    /// How far its initial sync is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub sync_percent: Option<u8>,
    /// Its lag in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub lag_seconds: Option<u64>,
    /// The original instance in the origin region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub original_instance_id: Option<String>,
    /// Its state (`stopped`, `running`, `terminated`, or `missing`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub original_state: Option<String>,
    /// Its private IP (the one it comes back with when launched into).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub original_private_ip: Option<String>,
    /// What the failback does with it.
    pub original_use: OriginalUse,
    /// Nothing blocks it.
    pub ready: bool,
}

/// Failback readiness of a recovered plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub struct FailbackReadiness {
    /// Plan.
    pub plan: String,
    /// When checked (RFC 3339).
    pub checked_at: String,
    /// The recovery it comes back from.
    pub recovery_execution: String,
    /// The reprotect that opened the way back, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub reprotect_execution: Option<String>,
    /// Nothing blocks the failback.
    pub ready: bool,
    /// Blockers.
    pub blockers: usize,
    /// Warnings.
    pub warnings: usize,
    /// Per server.
    pub servers: Vec<FailbackServer>,
    /// Findings with remediation.
    pub findings: Vec<Finding>,
}

/// A server of a recovery, as the reprotect and failback start from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recovered {
    /// Name.
    pub name: String,
    /// Target.
    pub target: String,
    /// Group.
    pub group: String,
    /// Wave.
    pub wave: String,
    /// The source server (recovery region).
    pub source_server_id: String,
    /// Its recovery instance.
    pub recovery_instance_id: String,
    /// Its EC2 instance.
    pub ec2_instance_id: String,
    /// The failback source server, when the reprotect found it.
    pub failback_source_server_id: Option<String>,
}

/// The servers a recovery brought up (launched, with a recovery instance), with what a
/// reprotect found for them.
pub fn recovered(recovery: &Execution, reprotect: Option<&Execution>) -> Vec<Recovered> {
    let reversals: BTreeMap<&str, &Reversal> = reprotect
        .map(|r| {
            r.servers()
                .filter_map(|s| {
                    s.reversal
                        .as_ref()
                        .map(|v| (s.source_server_id.as_str(), v))
                })
                .collect()
        })
        .unwrap_or_default();
    recovery
        .waves
        .iter()
        .flat_map(|w| w.servers.iter().map(move |s| (w, s)))
        .filter(|(_, s)| s.status == ServerStatus::Launched)
        .filter_map(|(w, s)| {
            let ri = s.recovery_instance_id.clone()?;
            Some(Recovered {
                name: s.name.clone(),
                target: s.target.clone(),
                group: s.group.clone(),
                wave: w.name.clone(),
                source_server_id: s.source_server_id.clone(),
                ec2_instance_id: s.ec2_instance_id.clone().unwrap_or_else(|| ri.clone()),
                recovery_instance_id: ri,
                failback_source_server_id: reversals
                    .get(s.source_server_id.as_str())
                    .and_then(|r| r.source_server_id.clone()),
            })
        })
        .collect()
}

fn finding(
    severity: Severity,
    check: &str,
    r: &Recovered,
    message: String,
    evidence: Option<String>,
    remediation: Option<String>,
    now: &str,
) -> Finding {
    Finding {
        severity,
        check: check.to_string(),
        wave: Some(r.wave.clone()),
        group: Some(r.group.clone()),
        source_server_id: Some(r.source_server_id.clone()),
        server_name: Some(r.name.clone()),
        message,
        evidence,
        observed_at: now.to_string(),
        remediation,
    }
}

fn is_windows(text: Option<&str>) -> bool {
    text.is_some_and(|t| t.to_lowercase().contains("windows"))
}

/// Checks the way back for each server of `recovered`: `failback_servers` are the origin
/// region's source servers (failback ones among them), `originals` the origin region's
/// instances read by ID, `recovery_instances` the recovery region's EC2 instances read by ID,
/// `forward` the recovery region's source servers (for each server's original instance ID).
#[allow(clippy::too_many_arguments)]
pub fn assess(
    plan: &str,
    recovery_execution: &str,
    reprotect_execution: Option<&str>,
    recovered: &[Recovered],
    forward: &[SourceServer],
    failback_servers: &[SourceServer],
    originals: &[Ec2Instance],
    recovery_instances: &[Ec2Instance],
    thresholds: &Thresholds,
    choice: OriginalChoice,
    now: &str,
) -> FailbackReadiness {
    let mut findings = Vec::new();
    let mut servers = Vec::new();
    for r in recovered {
        let mut blocked = false;
        let fwd = forward.iter().find(|s| s.id == r.source_server_id);
        let original_id = fwd.and_then(|s| s.origin_instance_id.clone());
        let back = r
            .failback_source_server_id
            .as_deref()
            .and_then(|id| failback_servers.iter().find(|s| s.id == id))
            .or_else(|| {
                failback_servers.iter().find(|s| {
                    s.origin_instance_id.as_deref() == Some(r.ec2_instance_id.as_str())
                        && s.replication_direction.as_deref() == Some("FAILBACK")
                })
            });
        match back {
            None => {
                blocked = true;
                findings.push(finding(
                    Severity::Blocker,
                    "failback.notReplicating",
                    r,
                    format!(
                        "{} does not replicate back to its origin region: no failback source server replicates its recovery instance {}",
                        r.name, r.recovery_instance_id
                    ),
                    None,
                    Some(format!(
                        "reprotect the plan: drs-orchestrator reprotect --plan {plan}"
                    )),
                    now,
                ));
            }
            Some(b) => match &b.replication_state {
                Some(ReplicationState::Continuous) => {
                    if let Some(lag) = b.lag_seconds.filter(|l| *l > thresholds.max_lag_seconds) {
                        findings.push(finding(
                            Severity::Warning,
                            "failback.lag",
                            r,
                            format!(
                                "{} replicates back with a lag of {} (threshold {}): its failback waits, once its recovery instance is stopped, until the lag is under the threshold",
                                r.name,
                                human_seconds(lag),
                                human_seconds(thresholds.max_lag_seconds)
                            ),
                            Some(format!("lagDuration {}", b.lag.clone().unwrap_or_default())),
                            None,
                            now,
                        ));
                    }
                }
                Some(ReplicationState::Stopped) => {
                    blocked = true;
                    findings.push(finding(
                        Severity::Blocker,
                        "failback.stopped",
                        r,
                        format!("the failback source server {} of {} no longer replicates (STOPPED)", b.id, r.name),
                        None,
                        Some(format!("start reversed replication again: drs-orchestrator reprotect --plan {plan}")),
                        now,
                    ));
                }
                state => {
                    blocked = true;
                    let what = match (state, b.initial_sync_percent) {
                        (Some(ReplicationState::InitialSync), Some(p)) => {
                            format!("is in its initial sync ({p}% copied)")
                        }
                        (Some(st), _) => format!("replicates back in state {}", st.as_str()),
                        (None, _) => "reports no replication state".to_string(),
                    };
                    let error = b.replication_error.as_ref().map(|e| {
                        format!(
                            " ({}{})",
                            e.error,
                            e.raw_error
                                .as_deref()
                                .map(|r| format!(": {r}"))
                                .unwrap_or_default()
                        )
                    });
                    findings.push(finding(
                        Severity::Blocker,
                        "failback.notInSync",
                        r,
                        format!(
                            "{} {}{}: it can fail back once it replicates continuously",
                            r.name,
                            what,
                            error.unwrap_or_default()
                        ),
                        Some(format!("failback source server {}", b.id)),
                        Some("wait for the initial sync to finish; if it does not progress, check the recovery instance can reach the origin region's DRS endpoint (TCP 443) and the replication servers (TCP 1500)".into()),
                        now,
                    ));
                }
            },
        }
        // The original instance.
        let original = original_id
            .as_deref()
            .and_then(|id| originals.iter().find(|i| i.id == id))
            .filter(|i| i.state != InstanceState::Terminated);
        let recovery_ec2 = recovery_instances
            .iter()
            .find(|i| i.id == r.ec2_instance_id);
        let mut original_use = OriginalUse::LaunchInto;
        match (&original_id, original) {
            (None, _) => {
                original_use = OriginalUse::NewInstance;
                findings.push(finding(
                    Severity::Warning,
                    "failback.noOriginal",
                    r,
                    format!("DRS names no original instance for {}: its failback launches a new instance (a new instance ID and private IP)", r.name),
                    None,
                    None,
                    now,
                ));
            }
            (Some(id), None) => {
                original_use = OriginalUse::NewInstance;
                findings.push(finding(
                    Severity::Warning,
                    "failback.originalGone",
                    r,
                    format!("the original instance {id} of {} no longer exists: its failback launches a new instance (a new instance ID and private IP; update what pointed at the old one)", r.name),
                    Some(format!("{id}: terminated or not found")),
                    None,
                    now,
                ));
            }
            (Some(id), Some(i)) => {
                let tagged = i.allows_launch_into();
                let stopped = i.state == InstanceState::Stopped;
                // Requirements DRS documents for launching into the source instance.
                let source_windows = is_windows(
                    back.and_then(|b| b.os.as_deref())
                        .or(fwd.and_then(|f| f.os.as_deref())),
                );
                let original_windows = is_windows(i.platform.as_deref());
                let mut unfit = Vec::new();
                if source_windows != original_windows {
                    unfit.push(format!(
                        "platform {} does not match the server's ({})",
                        i.platform.clone().unwrap_or_else(|| "Linux/UNIX".into()),
                        if source_windows { "Windows" } else { "Linux" }
                    ));
                }
                if i.root_device_type.as_deref().is_some_and(|t| t != "ebs") {
                    unfit.push(format!(
                        "root device {} is not EBS",
                        i.root_device_type.clone().unwrap_or_default()
                    ));
                }
                if !original_windows && i.boot_mode.as_deref().is_some_and(|b| b != "legacy-bios") {
                    unfit.push(format!(
                        "boot mode {} (a Linux instance must boot with BIOS)",
                        i.boot_mode.clone().unwrap_or_default()
                    ));
                }
                if original_windows {
                    if let (Some(a), Some(b)) = (
                        i.boot_mode.as_deref(),
                        recovery_ec2.and_then(|x| x.boot_mode.as_deref()),
                    ) {
                        if a != b {
                            unfit.push(format!(
                                "boot mode {a} differs from the recovery instance's ({b})"
                            ));
                        }
                    }
                }
                let arch = back
                    .and_then(|b| b.architecture.clone())
                    .or(fwd.and_then(|f| f.architecture.clone()));
                if let (Some(want), Some(have)) = (arch.as_deref(), i.architecture.as_deref()) {
                    if want != have {
                        unfit.push(format!(
                            "architecture {have} does not match the server's ({want})"
                        ));
                    }
                }
                if !unfit.is_empty() {
                    blocked |= choice != OriginalChoice::NewInstance;
                    if choice == OriginalChoice::NewInstance {
                        original_use = OriginalUse::NewInstance;
                    }
                    findings.push(finding(
                        if choice == OriginalChoice::NewInstance {
                            Severity::Warning
                        } else {
                            Severity::Blocker
                        },
                        "failback.originalUnfit",
                        r,
                        format!(
                            "{} cannot be launched into its original instance {id}: {}{}",
                            r.name,
                            unfit.join("; "),
                            if choice == OriginalChoice::NewInstance {
                                "; a new instance is launched instead"
                            } else {
                                ""
                            }
                        ),
                        Some(format!("{id}: {}", i.state.as_str())),
                        Some(
                            "fail back into a new instance (--originals new), or fix the instance"
                                .into(),
                        ),
                        now,
                    ));
                } else if !(tagged && stopped) {
                    let mut what = Vec::new();
                    if !stopped {
                        what.push(format!("is {}", i.state.as_str()));
                    }
                    if !tagged {
                        what.push(format!("is not tagged {}={}", AWSDRS_TAG.0, AWSDRS_TAG.1));
                    }
                    let (severity, tail) = match choice {
                        OriginalChoice::Require => (Severity::Blocker, String::new()),
                        OriginalChoice::Prepare => {
                            original_use = OriginalUse::PrepareThenLaunchInto;
                            (Severity::Warning, "; the failback tags and stops it right before its wave (as chosen)".to_string())
                        }
                        OriginalChoice::NewInstance => {
                            original_use = OriginalUse::NewInstance;
                            (
                                Severity::Warning,
                                "; a new instance is launched instead (as chosen)".to_string(),
                            )
                        }
                    };
                    blocked |= severity == Severity::Blocker;
                    findings.push(finding(
                        severity,
                        if stopped { "failback.originalUntagged" } else { "failback.originalRunning" },
                        r,
                        format!("the original instance {id} of {} {}{tail}", r.name, what.join(" and ")),
                        Some(format!("{id}: {}", i.state.as_str())),
                        Some(format!(
                            "let the failback prepare it (--originals prepare), launch a new instance (--originals new), or: aws ec2 stop-instances --instance-ids {id} && aws ec2 create-tags --resources {id} --tags Key={},Value={}",
                            AWSDRS_TAG.0, AWSDRS_TAG.1
                        )),
                        now,
                    ));
                }
            }
        }
        servers.push(FailbackServer {
            name: r.name.clone(),
            target: r.target.clone(),
            group: r.group.clone(),
            wave: r.wave.clone(),
            source_server_id: r.source_server_id.clone(),
            recovery_instance_id: Some(r.recovery_instance_id.clone()),
            recovery_ec2_instance_id: Some(r.ec2_instance_id.clone()),
            failback_source_server_id: back.map(|b| b.id.clone()),
            replication_state: back
                .and_then(|b| b.replication_state.as_ref())
                .map(|s| s.as_str().to_string()),
            sync_percent: back.and_then(|b| b.initial_sync_percent),
            lag_seconds: back.and_then(|b| b.lag_seconds),
            original_private_ip: original.and_then(|i| i.private_ip.clone()),
            original_state: original_id.as_ref().map(|_| {
                original
                    .map(|i| i.state.as_str().to_string())
                    .unwrap_or_else(|| "missing".into())
            }),
            original_instance_id: original_id,
            original_use,
            ready: !blocked,
        });
    }
    let blockers = findings
        .iter()
        .filter(|f| f.severity == Severity::Blocker)
        .count();
    FailbackReadiness {
        plan: plan.to_string(),
        checked_at: now.to_string(),
        recovery_execution: recovery_execution.to_string(),
        reprotect_execution: reprotect_execution.map(str::to_string),
        ready: blockers == 0 && !servers.is_empty(),
        warnings: findings.len() - blockers,
        blockers,
        servers,
        findings,
    }
}

/// A reprotect of `servers` (each with the recovery instance whose replication it reverses):
/// towards the origin region after a recovery (`Direction::Failback`), towards the recovery
/// region after a failback (`Direction::Failover`). Waves as in `template` (the execution the
/// servers came up in), without steps or approvals.
pub fn reprotect_execution(
    id: &str,
    template: &Execution,
    direction: Direction,
    started_by: &str,
    now: &str,
) -> Execution {
    let mut e = template.clone();
    e.id = id.to_string();
    e.kind = ExecutionKind::Reprotect;
    e.direction = direction;
    e.started_by = started_by.to_string();
    e.identities = BTreeMap::new();
    e.started_at = now.to_string();
    e.ended_at = None;
    e.status = ExecutionStatus::Running;
    e.auto_cleanup = false;
    e.batches = Vec::new();
    e.suspended = Vec::new();
    e.isolated = Vec::new();
    e.cleanup = crate::execution::Cleanup {
        status: "notNeeded".into(),
        ..Default::default()
    };
    e.gaps = Vec::new();
    e.last_tick_at = None;
    e.failure = None;
    e.index = Default::default();
    for w in &mut e.waves {
        w.steps.clear();
        w.approval_required = false;
        w.approved_by = None;
        w.timed_out = false;
        w.timeout_minutes = None;
        w.status = WaveStatus::Running;
        w.started_at = Some(now.to_string());
        w.ended_at = None;
        w.servers
            .retain(|s| s.status == ServerStatus::Launched && s.recovery_instance_id.is_some());
        for s in &mut w.servers {
            let ri = s.recovery_instance_id.clone().unwrap_or_default();
            s.reversal = Some(Reversal {
                ec2_instance_id: s.ec2_instance_id.clone().unwrap_or_else(|| ri.clone()),
                recovery_instance_id: ri,
                ..Default::default()
            });
            s.status = ServerStatus::Pending;
            s.checked = true;
            s.batch = None;
            s.failure = None;
            s.started_at = None;
            s.ended_at = None;
            s.steps.clear();
            s.expected_instance_id = None;
            s.expected_private_ip = None;
            s.retry = Default::default();
            s.actions.clear();
            s.drain = None;
        }
    }
    e.waves.retain(|w| !w.servers.is_empty());
    e
}

/// Reverses the waves' order: each wave waits for the waves that depended on it.
pub fn reverse_waves(e: &mut Execution) {
    let deps: BTreeMap<String, Vec<String>> = e
        .waves
        .iter()
        .map(|w| {
            let dependents = e
                .waves
                .iter()
                .filter(|x| x.depends_on.contains(&w.name))
                .map(|x| x.name.clone())
                .collect();
            (w.name.clone(), dependents)
        })
        .collect();
    e.waves.reverse();
    for w in &mut e.waves {
        w.depends_on = deps.get(&w.name).cloned().unwrap_or_default();
    }
}

/// Turns a forward execution set up from the plan (`forward`: servers are the recovery
/// region's source servers) into a failback of the servers `readiness` found ready: each
/// server becomes its failback source server with its way back (`Drain`). Servers not ready
/// are left out (readiness listed why); waves left empty are dropped.
pub fn failback_execution(
    mut forward: Execution,
    readiness: &FailbackReadiness,
    order: FailbackOrder,
    max_lag_seconds: u64,
    drill: bool,
) -> Execution {
    let by_source: BTreeMap<&str, &FailbackServer> = readiness
        .servers
        .iter()
        .filter(|s| s.ready && s.failback_source_server_id.is_some())
        .map(|s| (s.source_server_id.as_str(), s))
        .collect();
    forward.direction = Direction::Failback;
    forward.kind = if drill {
        ExecutionKind::Drill
    } else {
        ExecutionKind::Recovery
    };
    for w in &mut forward.waves {
        w.servers
            .retain(|s| by_source.contains_key(s.source_server_id.as_str()));
        for s in &mut w.servers {
            let Some(f) = by_source.get(s.source_server_id.as_str()) else {
                continue;
            };
            s.original_source_server_id = Some(s.source_server_id.clone());
            s.source_server_id = f.failback_source_server_id.clone().unwrap_or_default();
            // DRS runs no post-launch actions it was not given for the failback servers.
            s.actions.clear();
            if !drill {
                s.drain = Some(Drain {
                    recovery_ec2_instance_id: f.recovery_ec2_instance_id.clone(),
                    original_instance_id: f.original_instance_id.clone(),
                    original_use: f.original_use,
                    max_lag_seconds,
                    ..Default::default()
                });
            }
        }
    }
    let kept: BTreeSet<String> = forward
        .waves
        .iter()
        .filter(|w| !w.servers.is_empty())
        .map(|w| w.name.clone())
        .collect();
    forward.waves.retain(|w| kept.contains(&w.name));
    for w in &mut forward.waves {
        w.depends_on.retain(|d| kept.contains(d));
    }
    if order == FailbackOrder::Reverse {
        reverse_waves(&mut forward);
    }
    forward.index = Default::default();
    forward
}

/// Where a plan is between a disaster and normal again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub enum Phase {
    /// Protected towards the recovery region (no recovery since the last return, or never).
    Protected,
    /// A recovery is running.
    Recovering,
    /// Recovered: running in the recovery region, not protected.
    Recovered,
    /// Reversed replication is being set up and synced.
    Reprotecting,
    /// Replicating back: ready to fail back (drills of the failback may run).
    ReadyToFailBack,
    /// A failback is running.
    FailingBack,
    /// Back in the origin region; not yet protected towards the recovery region.
    FailedBack,
    /// The failed-back instances are being protected again.
    ProtectingAgain,
    /// Protected again; the failback's leftovers (failback source servers, old recovery
    /// instances) wait to be cleaned up.
    ProtectedAgain,
}

impl Phase {
    /// In words.
    pub fn words(self) -> &'static str {
        match self {
            Self::Protected => "protected",
            Self::Recovering => "recovering",
            Self::Recovered => "recovered (running in the recovery region, not protected)",
            Self::Reprotecting => "reprotecting (replicating back to the origin region)",
            Self::ReadyToFailBack => "ready to fail back",
            Self::FailingBack => "failing back",
            Self::FailedBack => "failed back (not yet protected again)",
            Self::ProtectingAgain => "protecting again",
            Self::ProtectedAgain => "protected again (the failback's leftovers to clean up)",
        }
    }
}

/// One execution of a plan's lifecycle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub struct LifecycleStep {
    /// What it was: `recovery`, `reprotect`, `failback drill`, `failback`, `protect again`,
    /// `drill`.
    pub phase: String,
    /// Execution ID.
    pub execution: String,
    /// Its status.
    pub status: String,
    /// Started.
    pub started_at: String,
    /// Ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub ended_at: Option<String>,
}

/// Where a plan is, with the executions of each phase since its last real recovery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub struct Lifecycle {
    /// Plan.
    pub plan: String,
    /// Phase.
    pub phase: Phase,
    /// What comes next, in words (with the command).
    pub next: String,
    /// The executions since (and including) the last real recovery, oldest first.
    pub steps: Vec<LifecycleStep>,
    /// When the failback's leftovers were cleaned up (back to normal), if they were.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub cleaned_up_at: Option<String>,
}

/// An execution as the lifecycle needs it: `(id, kind, direction, status, started_at,
/// ended_at)`.
pub type ExecutionRow = (String, String, String, String, String, Option<String>);

fn phase_name(kind: &str, direction: &str) -> &'static str {
    match (kind, direction) {
        ("recovery", "failback") => "failback",
        ("drill", "failback") => "failback drill",
        ("reprotect", "failback") => "reprotect",
        ("reprotect", _) => "protect again",
        ("recovery", _) => "recovery",
        _ => "drill",
    }
}

/// The lifecycle of `plan` from its executions (any order) and when its failback leftovers
/// were last cleaned up.
pub fn lifecycle(plan: &str, rows: &[ExecutionRow], cleaned_up_at: Option<&str>) -> Lifecycle {
    let mut rows: Vec<&ExecutionRow> = rows.iter().collect();
    rows.sort_by(|a, b| a.4.cmp(&b.4).then(a.0.cmp(&b.0)));
    // The last real recovery that brought servers up opens a lifecycle.
    let start = rows
        .iter()
        .rposition(|r| r.1 == "recovery" && r.2 != "failback" && r.3 != "cancelled");
    let Some(start) = start else {
        return Lifecycle {
            plan: plan.to_string(),
            phase: Phase::Protected,
            next: "nothing to do: drills keep it proven".into(),
            steps: Vec::new(),
            cleaned_up_at: None,
        };
    };
    let steps: Vec<LifecycleStep> = rows[start..]
        .iter()
        .map(|r| LifecycleStep {
            phase: phase_name(&r.1, &r.2).to_string(),
            execution: r.0.clone(),
            status: r.3.clone(),
            started_at: r.4.clone(),
            ended_at: r.5.clone(),
        })
        .collect();
    let last = |name: &str| steps.iter().rev().find(|s| s.phase == name);
    let running =
        |s: &LifecycleStep| !matches!(s.status.as_str(), "completed" | "failed" | "cancelled");
    let done = |s: &LifecycleStep| s.status == "completed";
    let cleaned = cleaned_up_at.filter(|c| {
        last("protect again").is_some_and(|p| p.ended_at.as_deref().is_some_and(|e| e <= *c))
    });
    let (phase, next) = if let Some(p) = last("protect again") {
        if running(p) {
            (
                Phase::ProtectingAgain,
                format!(
                    "wait for the initial sync (drs-orchestrator executions show {})",
                    p.execution
                ),
            )
        } else if done(p) && cleaned.is_some() {
            (
                Phase::Protected,
                "back to normal: drill the plan to prove it".into(),
            )
        } else if done(p) {
            (Phase::ProtectedAgain, format!("list and clean up the failback's leftovers: drs-orchestrator failback cleanup --plan {plan}"))
        } else {
            (
                Phase::FailedBack,
                format!("protect it again: drs-orchestrator reprotect --plan {plan}"),
            )
        }
    } else if let Some(f) = last("failback") {
        if running(f) {
            (
                Phase::FailingBack,
                format!(
                    "follow it: drs-orchestrator executions show {}",
                    f.execution
                ),
            )
        } else if done(f) {
            (
                Phase::FailedBack,
                format!("protect it again: drs-orchestrator reprotect --plan {plan}"),
            )
        } else {
            (Phase::ReadyToFailBack, format!("see why the failback did not complete (drs-orchestrator executions show {}), then fail back again", f.execution))
        }
    } else if let Some(r) = last("reprotect") {
        if running(r) {
            (
                Phase::Reprotecting,
                format!(
                    "wait for the initial sync: drs-orchestrator executions show {}",
                    r.execution
                ),
            )
        } else if done(r) {
            (Phase::ReadyToFailBack, format!("check it (drs-orchestrator failback --plan {plan} --check), drill it (--drill), then fail back (--confirm {plan})"))
        } else {
            (
                Phase::Recovered,
                format!("reprotect again: drs-orchestrator reprotect --plan {plan}"),
            )
        }
    } else {
        let r = &steps[0];
        if running(r) {
            (
                Phase::Recovering,
                format!(
                    "follow it: drs-orchestrator executions show {}",
                    r.execution
                ),
            )
        } else {
            (
                Phase::Recovered,
                format!("reprotect it: drs-orchestrator reprotect --plan {plan}"),
            )
        }
    };
    Lifecycle {
        plan: plan.to_string(),
        phase,
        next,
        steps,
        cleaned_up_at: cleaned.map(str::to_string),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::execution::{ServerRun, WaveRun};
    use crate::plan::FailurePolicy;

    fn row(id: &str, kind: &str, dir: &str, status: &str, at: &str) -> ExecutionRow {
        (
            id.into(),
            kind.into(),
            dir.into(),
            status.into(),
            at.into(),
            (status != "running").then(|| format!("{at}+")),
        )
    }

    #[test]
    fn the_lifecycle_follows_the_last_real_recovery() {
        let mut rows = vec![row("d1", "drill", "failover", "completed", "2026-01-01")];
        assert_eq!(lifecycle("p", &rows, None).phase, Phase::Protected);
        rows.push(row("r1", "recovery", "failover", "running", "2026-02-01"));
        assert_eq!(lifecycle("p", &rows, None).phase, Phase::Recovering);
        rows[1].3 = "completed".into();
        rows[1].5 = Some("2026-02-01+".into());
        let l = lifecycle("p", &rows, None);
        assert_eq!(l.phase, Phase::Recovered);
        assert!(l.next.contains("reprotect --plan p"), "{}", l.next);
        rows.push(row("rp", "reprotect", "failback", "running", "2026-02-02"));
        assert_eq!(lifecycle("p", &rows, None).phase, Phase::Reprotecting);
        rows[2] = row("rp", "reprotect", "failback", "completed", "2026-02-02");
        assert_eq!(lifecycle("p", &rows, None).phase, Phase::ReadyToFailBack);
        // A failback drill does not move the plan.
        rows.push(row("fd", "drill", "failback", "completed", "2026-02-03"));
        assert_eq!(lifecycle("p", &rows, None).phase, Phase::ReadyToFailBack);
        rows.push(row("fb", "recovery", "failback", "failed", "2026-02-04"));
        assert_eq!(lifecycle("p", &rows, None).phase, Phase::ReadyToFailBack);
        rows.push(row(
            "fb2",
            "recovery",
            "failback",
            "completed",
            "2026-02-05",
        ));
        assert_eq!(lifecycle("p", &rows, None).phase, Phase::FailedBack);
        rows.push(row(
            "pa",
            "reprotect",
            "failover",
            "completed",
            "2026-02-06",
        ));
        let l = lifecycle("p", &rows, None);
        assert_eq!(l.phase, Phase::ProtectedAgain);
        assert_eq!(
            l.steps.iter().map(|s| s.phase.as_str()).collect::<Vec<_>>(),
            [
                "recovery",
                "reprotect",
                "failback drill",
                "failback",
                "failback",
                "protect again"
            ]
        );
        // A cleanup before the protect-again ended does not count; one after it does.
        assert_eq!(
            lifecycle("p", &rows, Some("2026-02-05")).phase,
            Phase::ProtectedAgain
        );
        let done = lifecycle("p", &rows, Some("2026-02-07"));
        assert_eq!(done.phase, Phase::Protected);
        assert_eq!(done.cleaned_up_at.as_deref(), Some("2026-02-07"));
        // A new recovery starts a new lifecycle.
        rows.push(row("r2", "recovery", "failover", "completed", "2026-03-01"));
        let l = lifecycle("p", &rows, Some("2026-02-07"));
        assert_eq!(l.phase, Phase::Recovered);
        assert_eq!(l.steps.len(), 1);
    }

    fn server(id: &str, origin: Option<&str>, os: &str) -> SourceServer {
        SourceServer {
            id: id.into(),
            origin_instance_id: origin.map(str::to_string),
            os: Some(os.into()),
            architecture: Some("x86_64".into()),
            ..Default::default()
        }
    }

    fn back(id: &str, from: &str, state: ReplicationState, lag: u64) -> SourceServer {
        SourceServer {
            id: id.into(),
            origin_instance_id: Some(from.into()),
            replication_direction: Some("FAILBACK".into()),
            replication_state: Some(state),
            lag_seconds: Some(lag),
            initial_sync_percent: Some(40),
            architecture: Some("x86_64".into()),
            os: Some("Linux".into()),
            ..Default::default()
        }
    }

    fn instance(id: &str, state: InstanceState, tagged: bool, boot: &str) -> Ec2Instance {
        let mut tags = BTreeMap::new();
        if tagged {
            tags.insert(AWSDRS_TAG.0.to_string(), AWSDRS_TAG.1.to_string());
        }
        Ec2Instance {
            id: id.into(),
            target: "t".into(),
            region: "us-east-1".into(),
            name: None,
            state,
            instance_type: None,
            private_ip: Some("10.1.1.1".into()),
            subnet_id: None,
            architecture: Some("x86_64".into()),
            platform: Some("Linux/UNIX".into()),
            root_device_type: Some("ebs".into()),
            boot_mode: Some(boot.into()),
            tags,
            launch_time: None,
        }
    }

    fn recovered(name: &str, n: u32) -> Recovered {
        Recovered {
            name: name.into(),
            target: "t".into(),
            group: "g".into(),
            wave: "w".into(),
            source_server_id: format!("s-{n}"),
            recovery_instance_id: format!("i-r{n}"),
            ec2_instance_id: format!("i-r{n}"),
            failback_source_server_id: None,
        }
    }

    #[test]
    fn readiness_judges_each_server_and_its_original_as_the_user_chose() {
        let rec = [
            recovered("ok", 1),
            recovered("running", 2),
            recovered("gone", 3),
            recovered("syncing", 4),
            recovered("uefi", 5),
            recovered("never", 6),
        ];
        let forward: Vec<SourceServer> = (1..=6)
            .map(|n| server(&format!("s-{n}"), Some(&format!("i-o{n}")), "Linux"))
            .collect();
        let failback = [
            back("s-b1", "i-r1", ReplicationState::Continuous, 3),
            back("s-b2", "i-r2", ReplicationState::Continuous, 900),
            back("s-b3", "i-r3", ReplicationState::Continuous, 3),
            back("s-b4", "i-r4", ReplicationState::InitialSync, 0),
            back("s-b5", "i-r5", ReplicationState::Continuous, 3),
        ];
        let originals = [
            instance("i-o1", InstanceState::Stopped, true, "legacy-bios"),
            instance("i-o2", InstanceState::Running, false, "legacy-bios"),
            instance("i-o3", InstanceState::Terminated, true, "legacy-bios"),
            instance("i-o4", InstanceState::Stopped, true, "legacy-bios"),
            instance("i-o5", InstanceState::Stopped, true, "uefi"),
            instance("i-o6", InstanceState::Stopped, true, "legacy-bios"),
        ];
        let t = Thresholds::default();
        let judge = |choice| {
            assess(
                "p",
                "exec-r",
                None,
                &rec,
                &forward,
                &failback,
                &originals,
                &[],
                &t,
                choice,
                "now",
            )
        };
        let r = judge(OriginalChoice::Require);
        let by = |name: &str| r.servers.iter().find(|s| s.name == name).unwrap();
        let checks = |name: &str| {
            r.findings
                .iter()
                .filter(|f| f.server_name.as_deref() == Some(name))
                .map(|f| (f.check.as_str(), f.severity))
                .collect::<Vec<_>>()
        };
        assert!(by("ok").ready);
        assert_eq!(by("ok").original_use, OriginalUse::LaunchInto);
        assert_eq!(checks("ok"), []);
        assert!(!by("running").ready);
        assert_eq!(
            checks("running"),
            [
                ("failback.lag", Severity::Warning),
                ("failback.originalRunning", Severity::Blocker)
            ]
        );
        assert!(
            by("gone").ready,
            "a gone original is said plainly, not a blocker"
        );
        assert_eq!(by("gone").original_use, OriginalUse::NewInstance);
        assert_eq!(
            checks("gone"),
            [("failback.originalGone", Severity::Warning)]
        );
        assert!(!by("syncing").ready);
        let sync = r
            .findings
            .iter()
            .find(|f| f.check == "failback.notInSync")
            .unwrap();
        assert!(
            sync.message.contains("initial sync (40% copied)"),
            "{}",
            sync.message
        );
        assert_eq!(
            checks("uefi"),
            [("failback.originalUnfit", Severity::Blocker)]
        );
        assert_eq!(
            checks("never"),
            [("failback.notReplicating", Severity::Blocker)]
        );
        assert!(!r.ready);
        assert_eq!(r.blockers, 4);

        // Chosen: prepare the running one; launch new instances where the original is unfit.
        let prepared = judge(OriginalChoice::Prepare);
        let running = prepared
            .servers
            .iter()
            .find(|s| s.name == "running")
            .unwrap();
        assert!(running.ready);
        assert_eq!(running.original_use, OriginalUse::PrepareThenLaunchInto);
        let fresh = judge(OriginalChoice::NewInstance);
        let uefi = fresh.servers.iter().find(|s| s.name == "uefi").unwrap();
        assert!(uefi.ready);
        assert_eq!(uefi.original_use, OriginalUse::NewInstance);
    }

    fn exec_with(waves: &[(&str, &[&str], &[&str])]) -> Execution {
        let mut x = Execution {
            id: "e".into(),
            plan: "p".into(),
            plan_revision: 1,
            kind: ExecutionKind::Recovery,
            direction: Direction::Failover,
            started_by: "me".into(),
            identities: BTreeMap::new(),
            started_at: "now".into(),
            ended_at: None,
            status: ExecutionStatus::Completed,
            rto_target_minutes: None,
            auto_cleanup: false,
            waves: Vec::new(),
            batches: Vec::new(),
            suspended: Vec::new(),
            isolated: Vec::new(),
            cleanup: Default::default(),
            gaps: Vec::new(),
            last_tick_at: None,
            failure: None,
            native: None,
            index: Default::default(),
        };
        for (name, deps, servers) in waves {
            x.waves.push(WaveRun {
                name: name.to_string(),
                depends_on: deps.iter().map(|d| d.to_string()).collect(),
                approval_required: false,
                approved_by: None,
                timeout_minutes: None,
                timed_out: false,
                on_failure: FailurePolicy::Stop,
                status: WaveStatus::Completed,
                started_at: None,
                ended_at: None,
                servers: servers
                    .iter()
                    .map(|s| {
                        let mut r = ServerRun::new(s, s, "g", "t");
                        r.status = ServerStatus::Launched;
                        r.recovery_instance_id = Some(format!("i-{s}"));
                        r.ec2_instance_id = Some(format!("i-{s}"));
                        r
                    })
                    .collect(),
                steps: Vec::new(),
            });
        }
        x
    }

    #[test]
    fn a_failback_runs_the_ready_servers_in_the_order_chosen() {
        let forward = exec_with(&[
            ("data", &[], &["s-1", "s-2"]),
            ("app", &["data"], &["s-3"]),
            ("web", &["app"], &["s-4"]),
        ]);
        let line = |src: &str, back: Option<&str>, ready: bool| FailbackServer {
            name: src.into(),
            target: "t".into(),
            group: "g".into(),
            wave: String::new(),
            source_server_id: src.into(),
            recovery_instance_id: Some(format!("i-{src}")),
            recovery_ec2_instance_id: Some(format!("i-{src}")),
            failback_source_server_id: back.map(str::to_string),
            replication_state: None,
            sync_percent: None,
            lag_seconds: None,
            original_instance_id: Some(format!("i-o{src}")),
            original_state: None,
            original_private_ip: None,
            original_use: OriginalUse::LaunchInto,
            ready,
        };
        let r = FailbackReadiness {
            plan: "p".into(),
            checked_at: "now".into(),
            recovery_execution: "e".into(),
            reprotect_execution: None,
            ready: false,
            blockers: 1,
            warnings: 0,
            servers: vec![
                line("s-1", Some("s-b1"), true),
                line("s-2", Some("s-b2"), false),
                line("s-3", None, false),
                line("s-4", Some("s-b4"), true),
            ],
            findings: Vec::new(),
        };
        let fb = failback_execution(forward.clone(), &r, FailbackOrder::Reverse, 60, false);
        assert_eq!(fb.direction, Direction::Failback);
        assert_eq!(fb.kind, ExecutionKind::Recovery);
        // The app wave had no ready server: dropped, and nothing waits for it.
        let names: Vec<&str> = fb.waves.iter().map(|w| w.name.as_str()).collect();
        assert_eq!(names, ["web", "data"]);
        assert!(fb.waves.iter().all(|w| w.depends_on.is_empty()));
        let ids: Vec<&str> = fb.servers().map(|s| s.source_server_id.as_str()).collect();
        assert_eq!(ids, ["s-b4", "s-b1"]);
        let s = fb.server("s-b1").unwrap();
        assert_eq!(s.original_source_server_id.as_deref(), Some("s-1"));
        let d = s.drain.as_ref().unwrap();
        assert_eq!(d.recovery_ec2_instance_id.as_deref(), Some("i-s-1"));
        assert_eq!(d.original_instance_id.as_deref(), Some("i-os-1"));
        assert_eq!(d.max_lag_seconds, 60);
        // A drill has no way back to prepare: nothing is stopped in the recovery region.
        let drill = failback_execution(forward, &r, FailbackOrder::Plan, 60, true);
        assert_eq!(drill.kind, ExecutionKind::Drill);
        assert!(drill.servers().all(|s| s.drain.is_none()));
        assert_eq!(drill.waves[0].name, "data");
    }

    #[test]
    fn reversed_waves_wait_for_the_waves_that_depended_on_them() {
        let mut e = exec_with(&[
            ("a", &[], &["1"]),
            ("b", &["a"], &["2"]),
            ("c", &["a"], &["3"]),
            ("d", &["b", "c"], &["4"]),
        ]);
        reverse_waves(&mut e);
        let deps: Vec<(String, Vec<String>)> = e
            .waves
            .iter()
            .map(|w| (w.name.clone(), w.depends_on.clone()))
            .collect();
        assert_eq!(
            deps,
            [
                ("d".to_string(), vec![]),
                ("c".to_string(), vec!["d".to_string()]),
                ("b".to_string(), vec!["d".to_string()]),
                ("a".to_string(), vec!["b".to_string(), "c".to_string()]),
            ]
        );
    }

    #[test]
    fn a_reprotect_takes_the_launched_servers_of_its_template() {
        let mut rec = exec_with(&[("data", &[], &["s-1", "s-2"]), ("web", &["data"], &["s-3"])]);
        rec.waves[1].servers[0].status = ServerStatus::Failed;
        rec.waves[1].servers[0].recovery_instance_id = None;
        let r = reprotect_execution("rp", &rec, Direction::Failback, "me", "now");
        assert_eq!(r.kind, ExecutionKind::Reprotect);
        assert_eq!(r.waves.len(), 1, "a wave with nothing launched is left out");
        let s = r.server("s-1").unwrap();
        assert_eq!(s.status, ServerStatus::Pending);
        assert_eq!(s.reversal.as_ref().unwrap().ec2_instance_id, "i-s-1");
        assert!(!r.acts_in_origin());
        let again = reprotect_execution("pa", &rec, Direction::Failover, "me", "now");
        assert!(again.acts_in_origin());
        assert_eq!(again.label(), "Protect again");
    }
}
