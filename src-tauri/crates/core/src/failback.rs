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
use crate::plan::FailbackOrder;
use crate::readiness::{human_seconds, Finding, Severity, Thresholds};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The tag DRS requires on an instance it launches into.
pub const AWSDRS_TAG: (&str, &str) = ("AWSDRS", "AllowLaunchingIntoThisInstance");

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
                let tagged = i.tags.get(AWSDRS_TAG.0).map(String::as_str) == Some(AWSDRS_TAG.1);
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
