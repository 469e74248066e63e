//! Executions: running a plan as a drill or a recovery, wave by wave.
//!
//! An [`Execution`] is the whole state of one run; the engine ([`drive`]) moves it forward one
//! tick at a time and hands every new state to the [`Journal`] **before** acting on it, so a
//! killed process resumes exactly where it was: a batch of servers is written down (with a
//! unique key) before its `StartRecovery` is sent, every job is tagged with the execution ID,
//! wave and batch key, and on resume a batch without a job ID is looked up by those tags among
//! the target's jobs before it is ever started again. No server is launched twice by one
//! execution.
//!
//! Inside a wave all servers launch in parallel, split into jobs of at most 100 servers, with at
//! most 20 active jobs and 500 servers in active jobs per target (admission control). One
//! `DescribeJobs` per target per tick polls every active job; a finished job's log gives each
//! server's timeline and failure reason. Waves start when the waves they depend on are done and
//! their approval (if any) is given; a wave that fails with policy "stop" halts the waves after
//! it. Drills end with a verified cleanup of exactly their own recovery instances; launch-into
//! settings are suspended for a drill (so it launches new instances and cleanup can never
//! terminate a pre-provisioned DR instance) and restored afterwards.

use crate::cloud::{Cloud, CloudError};
use crate::group::{DrillNetwork, LaunchMode, ProtectionGroup};
use crate::inventory::SourceServer;
use crate::jobs::{self, JobStatus, LaunchStatus};
use crate::launch::{LaunchConfiguration, LaunchConfigurationUpdate, LaunchTemplate};
use crate::plan::{FailurePolicy, RecoveryPlan};
use crate::readiness::{
    members, seconds_between, CONCURRENT_JOBS, SERVERS_IN_ACTIVE_JOBS, SERVERS_PER_JOB,
};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

/// Drill or real recovery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ExecutionKind {
    /// `isDrill=true`, cleaned up afterwards.
    Drill,
    /// A real failover; nothing is cleaned up.
    Recovery,
}

/// Where an execution is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ExecutionStatus {
    /// Suspending launch-into settings before a drill.
    Preparing,
    /// Waves are running or waiting.
    Running,
    /// No new job starts; running jobs go on.
    Paused,
    /// Cancel asked: no new job starts; then cleanup.
    Cancelling,
    /// Terminating and verifying a drill's recovery instances.
    CleaningUp,
    /// Every server launched (and, for a drill, cleanup verified).
    Completed,
    /// Some server failed, a wave timed out, or cleanup failed.
    Failed,
    /// Cancelled (and cleaned up).
    Cancelled,
}

impl ExecutionStatus {
    /// Nothing more will happen.
    pub fn is_final(self) -> bool {
        matches!(self, Self::Completed | Self::Failed | Self::Cancelled)
    }
}

/// Where a wave is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum WaveStatus {
    /// Waiting for the waves it depends on.
    Pending,
    /// Ready, waiting for someone to approve it.
    WaitingApproval,
    /// Launching.
    Running,
    /// Every server launched.
    Completed,
    /// Some server failed, or it timed out.
    Failed,
    /// Not run: an earlier wave failed with policy "stop", or the execution was cancelled.
    Skipped,
}

impl WaveStatus {
    fn is_final(self) -> bool {
        matches!(self, Self::Completed | Self::Failed | Self::Skipped)
    }
}

/// Where a server is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ServerStatus {
    /// Its wave has not started.
    Pending,
    /// Waiting for room in the DRS quotas.
    Queued,
    /// In a job.
    Launching,
    /// A recovery instance runs.
    Launched,
    /// Did not launch; see `failure`.
    Failed,
    /// Not launched: cancelled or skipped.
    NotRun,
}

impl ServerStatus {
    fn is_final(self) -> bool {
        matches!(self, Self::Launched | Self::Failed | Self::NotRun)
    }
}

/// One step of a server's timeline (from the job log).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Step {
    /// `SNAPSHOT_START`, `LAUNCH_END`, …
    pub event: String,
    /// When (RFC 3339).
    pub at: String,
}

/// A server in an execution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServerRun {
    /// `s-…`.
    pub source_server_id: String,
    /// Name.
    pub name: String,
    /// Protection group.
    pub group: String,
    /// Target.
    pub target: String,
    /// Status.
    pub status: ServerStatus,
    /// The batch it launched in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch: Option<String>,
    /// The recovery instance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recovery_instance_id: Option<String>,
    /// The EC2 instance launched (or launched into).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ec2_instance_id: Option<String>,
    /// Why it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<String>,
    /// When its wave started it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<String>,
    /// When it launched or failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_at: Option<String>,
    /// Timeline.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<Step>,
    /// A launch-into launch: the DR instance it must come up as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_instance_id: Option<String>,
    /// A launch-into launch: the private IP it must keep.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_private_ip: Option<String>,
}

/// A wave in an execution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WaveRun {
    /// Name.
    pub name: String,
    /// Waves it waits for.
    #[serde(default)]
    pub depends_on: Vec<String>,
    /// Needs an approval to start.
    #[serde(default)]
    pub approval_required: bool,
    /// Who approved it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approved_by: Option<String>,
    /// Timeout.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_minutes: Option<u32>,
    /// Stop or continue when it fails.
    pub on_failure: FailurePolicy,
    /// Status.
    pub status: WaveStatus,
    /// Started (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<String>,
    /// Ended (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_at: Option<String>,
    /// Servers.
    pub servers: Vec<ServerRun>,
}

/// One `StartRecovery` job of an execution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Batch {
    /// Unique within the execution (`<wave index>-<n>`), also a job tag.
    pub key: String,
    /// Target.
    pub target: String,
    /// Wave.
    pub wave: String,
    /// Its servers.
    pub servers: Vec<String>,
    /// The DRS job, once started (or found again).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_id: Option<String>,
    /// The job ended and its log was read.
    #[serde(default)]
    pub done: bool,
}

/// A drill's cleanup.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Cleanup {
    /// `notNeeded`, `pending`, `running`, `verified`, `failed`, `skipped`.
    pub status: String,
    /// TERMINATE jobs started, per target.
    #[serde(default)]
    pub jobs: Vec<(String, String)>,
    /// Recovery instances still there after cleanup (the proof is that this is empty).
    #[serde(default)]
    pub remaining: Vec<String>,
    /// What happened, in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// A launch-into setting suspended for a drill, to restore afterwards.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Suspended {
    /// Target.
    pub target: String,
    /// The launch configuration before the drill.
    pub before: LaunchConfiguration,
    /// Restored after the drill.
    #[serde(default)]
    pub restored: bool,
}

/// A server moved to its group's drill-only network for a drill: its launch template as it
/// was (the recovery settings), written down before the move and put back after its wave.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Isolated {
    /// Target.
    pub target: String,
    /// Wave.
    pub wave: String,
    /// `s-…`.
    pub source_server_id: String,
    /// The launch template before the move.
    pub before: LaunchTemplate,
    /// The drill network was written.
    #[serde(default)]
    pub applied: bool,
    /// The recovery settings were put back.
    #[serde(default)]
    pub restored: bool,
}

/// One run of a plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Execution {
    /// `exec-…`.
    pub id: String,
    /// Plan name.
    pub plan: String,
    /// Plan revision used.
    pub plan_revision: u32,
    /// Drill or recovery.
    pub kind: ExecutionKind,
    /// Who started it.
    pub started_by: String,
    /// When (RFC 3339).
    pub started_at: String,
    /// When it ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_at: Option<String>,
    /// Status.
    pub status: ExecutionStatus,
    /// The plan's RTO target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rto_target_minutes: Option<u32>,
    /// Clean up a drill without asking.
    pub auto_cleanup: bool,
    /// Waves in plan order.
    pub waves: Vec<WaveRun>,
    /// Jobs.
    #[serde(default)]
    pub batches: Vec<Batch>,
    /// Launch-into settings suspended for a drill.
    #[serde(default)]
    pub suspended: Vec<Suspended>,
    /// Servers moved to a drill-only network for a drill.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub isolated: Vec<Isolated>,
    /// A drill's cleanup.
    #[serde(default)]
    pub cleanup: Cleanup,
    /// Why it failed, when it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<String>,
}

impl Execution {
    /// Every server of every wave.
    pub fn servers(&self) -> impl Iterator<Item = &ServerRun> {
        self.waves.iter().flat_map(|w| w.servers.iter())
    }

    fn server_mut(&mut self, id: &str) -> Option<&mut ServerRun> {
        self.waves
            .iter_mut()
            .flat_map(|w| w.servers.iter_mut())
            .find(|s| s.source_server_id == id)
    }

    /// Counts by status: (launched, failed, in flight, not started).
    pub fn counts(&self) -> (usize, usize, usize, usize) {
        let mut c = (0, 0, 0, 0);
        for s in self.servers() {
            match s.status {
                ServerStatus::Launched => c.0 += 1,
                ServerStatus::Failed => c.1 += 1,
                ServerStatus::Launching => c.2 += 1,
                _ => c.3 += 1,
            }
        }
        c
    }
}

/// An execution's recovery time, measured from its own journal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RtoMeasure {
    /// From the start of the execution to the last server launched, when every server that
    /// was to launch has launched; `None` while it runs or when servers failed or were not run.
    pub measured_seconds: Option<i64>,
    /// The plan's RTO target, in seconds.
    pub target_seconds: Option<i64>,
    /// Measured within the target (`None` when either is unknown).
    pub within_target: Option<bool>,
    /// Per wave.
    pub waves: Vec<WaveRto>,
}

/// One wave's share of the recovery time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WaveRto {
    /// Wave name.
    pub wave: String,
    /// Its status.
    pub status: WaveStatus,
    /// How long the wave itself ran (its start to its end).
    pub duration_seconds: Option<i64>,
    /// From the start of the execution to the end of the wave: the recovery time of the
    /// servers in it, which the plan's RTO target applies to.
    pub since_start_seconds: Option<i64>,
    /// `since_start_seconds` within the plan's target.
    pub within_target: Option<bool>,
    /// Servers launched.
    pub launched: usize,
    /// Servers failed.
    pub failed: usize,
    /// Servers in the wave.
    pub servers: usize,
}

impl Execution {
    /// The measured recovery time against the plan's target, overall and per wave.
    pub fn rto(&self) -> RtoMeasure {
        let target = self.rto_target_minutes.map(|m| i64::from(m) * 60);
        let within = |s: Option<i64>| Some(s? <= target?);
        let waves: Vec<WaveRto> = self
            .waves
            .iter()
            .map(|w| {
                let since = w
                    .ended_at
                    .as_deref()
                    .filter(|_| w.status == WaveStatus::Completed)
                    .and_then(|end| seconds_between(&self.started_at, end));
                WaveRto {
                    wave: w.name.clone(),
                    status: w.status,
                    duration_seconds: match (&w.started_at, &w.ended_at) {
                        (Some(a), Some(b)) => seconds_between(a, b),
                        _ => None,
                    },
                    since_start_seconds: since,
                    within_target: within(since),
                    launched: w
                        .servers
                        .iter()
                        .filter(|s| s.status == ServerStatus::Launched)
                        .count(),
                    failed: w
                        .servers
                        .iter()
                        .filter(|s| s.status == ServerStatus::Failed)
                        .count(),
                    servers: w.servers.len(),
                }
            })
            .collect();
        let all_launched = self.servers().next().is_some()
            && self.servers().all(|s| s.status == ServerStatus::Launched);
        let measured = if all_launched {
            self.servers()
                .filter_map(|s| s.ended_at.as_deref())
                .filter_map(|end| seconds_between(&self.started_at, end))
                .max()
        } else {
            None
        };
        RtoMeasure {
            measured_seconds: measured,
            target_seconds: target,
            within_target: within(measured),
            waves,
        }
    }
}

/// Why an execution cannot be set up.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExecutionError {
    /// A wave names a group that does not exist.
    #[error("wave \"{wave}\" names protection group \"{group}\", which does not exist")]
    UnknownGroup {
        /// Wave.
        wave: String,
        /// Group.
        group: String,
    },
    /// A server would launch twice.
    #[error(
        "source server {server} is in groups \"{first}\" and \"{second}\"; it would launch twice"
    )]
    TwiceInPlan {
        /// Server.
        server: String,
        /// First group.
        first: String,
        /// Second group.
        second: String,
    },
    /// Nothing to launch.
    #[error("the plan selects no source server")]
    Empty,
}

/// Sets up an execution of `plan`: every wave with its servers (from `servers` per target).
#[allow(clippy::too_many_arguments)]
pub fn prepare(
    id: &str,
    plan: &RecoveryPlan,
    plan_revision: u32,
    groups: &[ProtectionGroup],
    servers: &BTreeMap<String, Vec<SourceServer>>,
    kind: ExecutionKind,
    started_by: &str,
    now: &str,
    auto_cleanup: bool,
) -> Result<Execution, ExecutionError> {
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    let mut waves = Vec::new();
    for w in &plan.waves {
        let mut runs = Vec::new();
        for g in &w.groups {
            let group = groups.iter().find(|x| &x.name == g).ok_or_else(|| {
                ExecutionError::UnknownGroup {
                    wave: w.name.clone(),
                    group: g.clone(),
                }
            })?;
            let empty = Vec::new();
            let pool = servers.get(&group.target).unwrap_or(&empty);
            for s in members(group, pool) {
                if let Some(first) = seen.insert(s.id.clone(), g.clone()) {
                    return Err(ExecutionError::TwiceInPlan {
                        server: s.id.clone(),
                        first,
                        second: g.clone(),
                    });
                }
                runs.push(ServerRun {
                    source_server_id: s.id.clone(),
                    name: s.display_name().to_string(),
                    group: g.clone(),
                    target: group.target.clone(),
                    status: ServerStatus::Pending,
                    batch: None,
                    recovery_instance_id: None,
                    ec2_instance_id: None,
                    failure: None,
                    started_at: None,
                    ended_at: None,
                    steps: Vec::new(),
                    expected_instance_id: None,
                    expected_private_ip: None,
                });
            }
        }
        waves.push(WaveRun {
            name: w.name.clone(),
            depends_on: w.depends_on.clone(),
            approval_required: w.approval_required,
            approved_by: None,
            timeout_minutes: w.timeout_minutes,
            on_failure: w.on_failure,
            status: WaveStatus::Pending,
            started_at: None,
            ended_at: None,
            servers: runs,
        });
    }
    if waves.iter().all(|w| w.servers.is_empty()) {
        return Err(ExecutionError::Empty);
    }
    Ok(Execution {
        id: id.to_string(),
        plan: plan.name.clone(),
        plan_revision,
        kind,
        started_by: started_by.to_string(),
        started_at: now.to_string(),
        ended_at: None,
        status: if kind == ExecutionKind::Drill {
            ExecutionStatus::Preparing
        } else {
            ExecutionStatus::Running
        },
        rto_target_minutes: plan.rto_target_minutes,
        auto_cleanup,
        waves,
        batches: Vec::new(),
        suspended: Vec::new(),
        isolated: Vec::new(),
        cleanup: Cleanup {
            status: if kind == ExecutionKind::Drill {
                "pending".into()
            } else {
                "notNeeded".into()
            },
            ..Default::default()
        },
        failure: None,
    })
}

/// Requests from people (the window, another CLI process) that the engine reads every tick.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Control {
    /// Pause asked.
    pub pause: bool,
    /// Cancel asked.
    pub cancel: bool,
    /// Approved waves, with who approved.
    pub approvals: BTreeMap<String, String>,
    /// A confirmed cleanup (when it is not automatic).
    pub cleanup_confirmed: bool,
}

/// Where executions are written down, before anything is acted on.
pub trait Journal: Send + Sync {
    /// Writes the whole state, with an event saying what changed.
    fn record(&self, execution: &Execution, event: &str) -> Result<(), String>;
    /// Reads the people's requests for an execution.
    fn control(&self, id: &str) -> Result<Control, String>;

    /// Jobs and servers that *other* unfinished executions have in active jobs on `target`:
    /// the DRS quotas are per account and region, shared by every execution.
    fn active_elsewhere(&self, _execution: &str, _target: &str) -> Result<(usize, usize), String> {
        Ok((0, 0))
    }
}

/// How the engine runs.
#[derive(Debug, Clone)]
pub struct DriveOptions {
    /// Time between polls.
    pub tick: Duration,
    /// Groups whose launch-into setting a drill suspends ([`drill_suspended_groups`]).
    pub launch_into_groups: BTreeSet<String>,
    /// Groups whose drills launch into a drill-only network ([`drill_network_groups`]).
    pub drill_networks: BTreeMap<String, DrillNetwork>,
}

fn now() -> String {
    let t = time::OffsetDateTime::now_utc();
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// The engine's connections, per target.
pub type Clouds = BTreeMap<String, Arc<dyn Cloud>>;

struct Ctx<'a> {
    clouds: &'a Clouds,
    journal: &'a dyn Journal,
}

impl Ctx<'_> {
    fn cloud(&self, target: &str) -> Result<&Arc<dyn Cloud>, CloudError> {
        self.clouds
            .get(target)
            .ok_or_else(|| CloudError::Credentials(format!("target \"{target}\" is not connected")))
    }

    fn record(&self, e: &Execution, event: &str) -> Result<(), String> {
        self.journal.record(e, event)
    }
}

/// Runs (or resumes) `e` until it ends, or until it waits for a person (an approval or a
/// cleanup confirmation) and `stop_when_waiting` is set. Returns the last state.
pub async fn drive(
    mut e: Execution,
    clouds: &Clouds,
    journal: &dyn Journal,
    options: &DriveOptions,
    stop_when_waiting: bool,
) -> Result<Execution, String> {
    let cx = Ctx { clouds, journal };
    loop {
        let waiting = tick(&mut e, &cx, options).await?;
        // A cleanup that waits for a confirmation is left pending (shown on the Dashboard and
        // by `executions list`); `cleanup --execution` confirms and finishes it.
        let cleanup_pending = e.cleanup.status == "awaitingConfirmation";
        if e.status.is_final() || cleanup_pending || (waiting && stop_when_waiting) {
            return Ok(e);
        }
        tokio::time::sleep(options.tick).await;
    }
}

/// One step of the engine. Returns true when it waits for a person.
async fn tick(e: &mut Execution, cx: &Ctx<'_>, options: &DriveOptions) -> Result<bool, String> {
    let control = cx.journal.control(&e.id)?;
    for w in &mut e.waves {
        if w.approved_by.is_none() {
            if let Some(by) = control.approvals.get(&w.name) {
                w.approved_by = Some(by.clone());
            }
        }
    }
    if control.cancel
        && !matches!(
            e.status,
            ExecutionStatus::Cancelling | ExecutionStatus::CleaningUp
        )
        && !e.status.is_final()
    {
        e.status = ExecutionStatus::Cancelling;
        cx.record(e, "cancel requested")?;
    } else if control.pause && e.status == ExecutionStatus::Running {
        e.status = ExecutionStatus::Paused;
        cx.record(e, "paused")?;
    } else if !control.pause && e.status == ExecutionStatus::Paused {
        e.status = ExecutionStatus::Running;
        cx.record(e, "resumed")?;
    }

    if e.status == ExecutionStatus::Preparing {
        suspend_launch_into(e, cx, options).await?;
        e.status = ExecutionStatus::Running;
        cx.record(e, "started")?;
    }

    adopt_or_start_unstarted(e, cx).await?;
    poll(e, cx).await?;
    let now = now();
    finish_waves(e, &now);
    if e.status == ExecutionStatus::Cancelling {
        for w in &mut e.waves {
            for s in &mut w.servers {
                if matches!(s.status, ServerStatus::Pending | ServerStatus::Queued) {
                    s.status = ServerStatus::NotRun;
                    s.failure = Some("cancelled".into());
                }
            }
            if matches!(w.status, WaveStatus::Pending | WaveStatus::WaitingApproval) {
                w.status = WaveStatus::Skipped;
            }
        }
        finish_waves(e, &now);
    }
    restore_isolation(e, cx, false).await?;
    let mut waiting = false;
    if e.status == ExecutionStatus::Running {
        waiting = start_waves(e, &now);
        isolate_running_waves(e, cx, options).await?;
        admit(e, cx).await?;
    }
    cx.record(e, "tick")?;

    let all_done = e.waves.iter().all(|w| w.status.is_final());
    if all_done && !e.status.is_final() {
        if e.kind == ExecutionKind::Drill
            && e.cleanup.status != "verified"
            && e.cleanup.status != "skipped"
        {
            if !e.auto_cleanup && !control.cleanup_confirmed {
                if e.cleanup.status != "awaitingConfirmation" {
                    e.cleanup.status = "awaitingConfirmation".into();
                    cx.record(e, "cleanup awaits confirmation")?;
                }
                return Ok(true);
            }
            e.status = ExecutionStatus::CleaningUp;
            cx.record(e, "cleanup")?;
            cleanup(e, cx).await?;
        }
        restore_launch_into(e, cx).await?;
        restore_isolation(e, cx, true).await?;
        let cancelled = control.cancel;
        let failed = e.servers().any(|s| s.status == ServerStatus::Failed)
            || e.waves.iter().any(|w| w.status == WaveStatus::Failed)
            || (e.kind == ExecutionKind::Drill && e.cleanup.status == "failed")
            || e.suspended.iter().any(|s| !s.restored)
            || e.isolated.iter().any(|s| s.applied && !s.restored);
        e.status = if cancelled {
            ExecutionStatus::Cancelled
        } else if failed {
            ExecutionStatus::Failed
        } else {
            ExecutionStatus::Completed
        };
        e.ended_at = Some(now.clone());
        cx.record(e, "ended")?;
        return Ok(false);
    }
    Ok(waiting
        || e.waves
            .iter()
            .any(|w| w.status == WaveStatus::WaitingApproval))
}

/// Drill: launch-into servers launch new instances instead (the setting is written down, then
/// cleared); restored at the end.
async fn suspend_launch_into(
    e: &mut Execution,
    cx: &Ctx<'_>,
    options: &DriveOptions,
) -> Result<(), String> {
    let wanted: Vec<(String, String)> = e
        .servers()
        .filter(|s| options.launch_into_groups.contains(&s.group))
        .map(|s| (s.target.clone(), s.source_server_id.clone()))
        .collect();
    for (target, id) in wanted {
        if e.suspended.iter().any(|s| s.before.source_server_id == id) {
            continue; // already done before a crash
        }
        let cloud = match cx.cloud(&target) {
            Ok(c) => Arc::clone(c),
            Err(err) => return Err(err.to_string()),
        };
        let before = cloud
            .launch_configuration(&id)
            .await
            .map_err(|e| e.to_string())?;
        if before.launch_into_instance_id.is_none() {
            continue;
        }
        e.suspended.push(Suspended {
            target: target.clone(),
            before: before.clone(),
            restored: false,
        });
        cx.record(e, &format!("suspending launch-into of {id} for the drill"))?;
        let update = LaunchConfigurationUpdate {
            source_server_id: id.clone(),
            launch_into_instance_id: None,
            ..Default::default()
        };
        cloud
            .update_launch_configuration(&update)
            .await
            .map_err(|err| format!("cannot suspend the launch-into setting of {id}: {err}"))?;
    }
    Ok(())
}

async fn restore_launch_into(e: &mut Execution, cx: &Ctx<'_>) -> Result<(), String> {
    for i in 0..e.suspended.len() {
        if e.suspended[i].restored {
            continue;
        }
        let s = e.suspended[i].clone();
        let Ok(cloud) = cx.cloud(&s.target) else {
            continue;
        };
        match cloud
            .update_launch_configuration(&LaunchConfigurationUpdate::restoring(&s.before))
            .await
        {
            Ok(_) => {
                e.suspended[i].restored = true;
                cx.record(
                    e,
                    &format!("restored launch-into of {}", s.before.source_server_id),
                )?;
            }
            Err(err) => {
                e.failure = Some(format!(
                    "the launch-into setting of {} could not be restored: {err}",
                    s.before.source_server_id
                ));
                cx.record(e, "restore failed")?;
            }
        }
    }
    Ok(())
}

/// The drill-only network's launch template for a server whose template is `before`.
fn drill_template(before: &LaunchTemplate, n: &DrillNetwork) -> LaunchTemplate {
    LaunchTemplate {
        subnet_id: Some(n.subnet_id.clone()),
        security_group_ids: if n.security_group_ids.is_empty() {
            before.security_group_ids.clone()
        } else {
            n.security_group_ids.clone()
        },
        private_ip: None,
        ..before.clone()
    }
}

/// Drill: before a wave's servers are admitted, servers of groups with a drill-only network
/// get it in their launch template (the recovery settings written down first). A server that
/// cannot be moved fails rather than launch into the recovery network. Idempotent on resume.
async fn isolate_running_waves(
    e: &mut Execution,
    cx: &Ctx<'_>,
    options: &DriveOptions,
) -> Result<(), String> {
    if e.kind != ExecutionKind::Drill || options.drill_networks.is_empty() {
        return Ok(());
    }
    let wanted: Vec<(String, String, String, DrillNetwork)> = e
        .waves
        .iter()
        .filter(|w| w.status == WaveStatus::Running)
        .flat_map(|w| {
            w.servers
                .iter()
                .filter(|s| s.status == ServerStatus::Queued && s.batch.is_none())
                .filter_map(|s| {
                    options.drill_networks.get(&s.group).map(|n| {
                        (
                            w.name.clone(),
                            s.target.clone(),
                            s.source_server_id.clone(),
                            n.clone(),
                        )
                    })
                })
                .collect::<Vec<_>>()
        })
        .collect();
    for (wave, target, id, network) in wanted {
        if e.isolated
            .iter()
            .any(|x| x.source_server_id == id && x.applied)
        {
            continue;
        }
        let cloud = match cx.cloud(&target) {
            Ok(c) => Arc::clone(c),
            Err(err) => return Err(err.to_string()),
        };
        let before = match e.isolated.iter().find(|x| x.source_server_id == id) {
            // Written down before a crash: the recovery settings, not what is there now.
            Some(x) => Ok(x.before.clone()),
            None => {
                let read = async {
                    let lc = cloud.launch_configuration(&id).await?;
                    let t = lc
                        .ec2_launch_template_id
                        .ok_or_else(|| CloudError::NotFound {
                            operation: "drs:GetLaunchConfiguration".into(),
                            message: format!("{id} has no EC2 launch template"),
                            request_id: None,
                        })?;
                    cloud.launch_template(&t).await
                };
                read.await
            }
        };
        let before = match before {
            Ok(b) => b,
            Err(err) => {
                fail_server(
                    e,
                    &id,
                    &format!("could not move to the drill network: {err}"),
                );
                cx.record(e, &format!("{id} not isolated"))?;
                continue;
            }
        };
        if !e.isolated.iter().any(|x| x.source_server_id == id) {
            e.isolated.push(Isolated {
                target: target.clone(),
                wave: wave.clone(),
                source_server_id: id.clone(),
                before: before.clone(),
                applied: false,
                restored: false,
            });
            cx.record(
                e,
                &format!("moving {id} to the drill network {}", network.subnet_id),
            )?;
        }
        let current = match cloud.launch_template(&before.id).await {
            Ok(t) => t,
            Err(err) => {
                fail_server(
                    e,
                    &id,
                    &format!("could not move to the drill network: {err}"),
                );
                cx.record(e, &format!("{id} not isolated"))?;
                continue;
            }
        };
        let drill = LaunchTemplate {
            version: current.version,
            ..drill_template(&before, &network)
        };
        match cloud.update_launch_template(&drill).await {
            Ok(_) => {
                if let Some(x) = e.isolated.iter_mut().find(|x| x.source_server_id == id) {
                    x.applied = true;
                }
                cx.record(e, &format!("{id} isolated in {}", network.subnet_id))?;
            }
            Err(err) => {
                fail_server(
                    e,
                    &id,
                    &format!("could not move to the drill network: {err}"),
                );
                cx.record(e, &format!("{id} not isolated"))?;
            }
        }
    }
    Ok(())
}

fn fail_server(e: &mut Execution, id: &str, why: &str) {
    if let Some(s) = e.server_mut(id) {
        s.status = ServerStatus::Failed;
        s.failure = Some(why.to_string());
        s.ended_at = Some(now());
    }
}

/// Puts the recovery settings back for servers whose wave is over (or all, at the end).
async fn restore_isolation(e: &mut Execution, cx: &Ctx<'_>, all: bool) -> Result<(), String> {
    let final_waves: BTreeSet<String> = e
        .waves
        .iter()
        .filter(|w| w.status.is_final())
        .map(|w| w.name.clone())
        .collect();
    for i in 0..e.isolated.len() {
        let x = e.isolated[i].clone();
        if x.restored || !(all || final_waves.contains(&x.wave)) {
            continue;
        }
        let Ok(cloud) = cx.cloud(&x.target) else {
            continue;
        };
        let result = async {
            let current = cloud.launch_template(&x.before.id).await?;
            cloud
                .update_launch_template(&LaunchTemplate {
                    version: current.version,
                    ..x.before.clone()
                })
                .await
        }
        .await;
        match result {
            Ok(_) => {
                e.isolated[i].restored = true;
                cx.record(
                    e,
                    &format!("restored the recovery network of {}", x.source_server_id),
                )?;
            }
            Err(err) => {
                e.failure = Some(format!(
                    "the recovery launch settings of {} could not be restored: {err}",
                    x.source_server_id
                ));
                cx.record(e, "restore failed")?;
            }
        }
    }
    Ok(())
}

fn batch_tags(e: &Execution, b: &Batch) -> BTreeMap<String, String> {
    BTreeMap::from([
        (jobs::tags::EXECUTION.to_string(), e.id.clone()),
        (jobs::tags::WAVE.to_string(), b.wave.clone()),
        (jobs::tags::BATCH.to_string(), b.key.clone()),
    ])
}

/// Batches written down but without a job: found again by their tags, or started now.
async fn adopt_or_start_unstarted(e: &mut Execution, cx: &Ctx<'_>) -> Result<(), String> {
    let pending: Vec<usize> = (0..e.batches.len())
        .filter(|i| e.batches[*i].job_id.is_none() && !e.batches[*i].done)
        .collect();
    if pending.is_empty() {
        return Ok(());
    }
    let targets: BTreeSet<String> = pending
        .iter()
        .map(|i| e.batches[*i].target.clone())
        .collect();
    for target in targets {
        let cloud = match cx.cloud(&target) {
            Ok(c) => Arc::clone(c),
            Err(err) => return Err(err.to_string()),
        };
        let existing = cloud.jobs(&[]).await.map_err(|err| err.to_string())?;
        let of_target: Vec<usize> = pending
            .iter()
            .copied()
            .filter(|i| e.batches[*i].target == target)
            .collect();
        for i in of_target {
            let key = e.batches[i].key.clone();
            let found = existing.iter().find(|j| {
                j.tags.get(jobs::tags::EXECUTION) == Some(&e.id)
                    && j.tags.get(jobs::tags::BATCH) == Some(&key)
            });
            match found {
                Some(j) => {
                    e.batches[i].job_id = Some(j.job_id.clone());
                    cx.record(e, &format!("found job {} of batch {key} again", j.job_id))?;
                }
                None => start_batch(e, i, &cloud, cx).await?,
            }
        }
    }
    Ok(())
}

async fn start_batch(
    e: &mut Execution,
    i: usize,
    cloud: &Arc<dyn Cloud>,
    cx: &Ctx<'_>,
) -> Result<(), String> {
    let b = e.batches[i].clone();
    let is_drill = e.kind == ExecutionKind::Drill;
    match cloud
        .start_recovery(&b.servers, is_drill, &batch_tags(e, &b))
        .await
    {
        Ok(job) => {
            e.batches[i].job_id = Some(job.job_id.clone());
            cx.record(
                e,
                &format!(
                    "started job {} for batch {} ({} servers)",
                    job.job_id,
                    b.key,
                    b.servers.len()
                ),
            )?;
        }
        Err(err) => {
            e.batches[i].done = true;
            let at = now();
            for id in &b.servers {
                if let Some(s) = e.server_mut(id) {
                    s.status = ServerStatus::Failed;
                    s.failure = Some(format!("StartRecovery failed: {err}"));
                    s.ended_at = Some(at.clone());
                }
            }
            cx.record(e, &format!("batch {} could not start: {err}", b.key))?;
        }
    }
    Ok(())
}

/// One DescribeJobs per target for every active job; a finished job's log is read once.
async fn poll(e: &mut Execution, cx: &Ctx<'_>) -> Result<(), String> {
    let mut by_target: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for b in e.batches.iter().filter(|b| !b.done) {
        if let Some(j) = &b.job_id {
            by_target
                .entry(b.target.clone())
                .or_default()
                .push(j.clone());
        }
    }
    for (target, ids) in by_target {
        let cloud = match cx.cloud(&target) {
            Ok(c) => Arc::clone(c),
            Err(err) => return Err(err.to_string()),
        };
        let mut completed_any = false;
        let found = match cloud.jobs(&ids).await {
            Ok(j) => j,
            Err(err) => {
                // After the SDK's retries: keep going, the next tick polls again.
                cx.record(e, &format!("polling target {target} failed: {err}"))?;
                continue;
            }
        };
        for job in found {
            let at = now();
            for js in &job.servers {
                let Some(s) = e.server_mut(&js.source_server_id) else {
                    continue;
                };
                if s.status.is_final() {
                    continue;
                }
                match js.launch_status {
                    LaunchStatus::Launched => {
                        s.status = ServerStatus::Launched;
                        s.recovery_instance_id.clone_from(&js.recovery_instance_id);
                        s.ended_at.get_or_insert(at.clone());
                    }
                    LaunchStatus::Failed | LaunchStatus::Terminated => {
                        s.status = ServerStatus::Failed;
                        s.ended_at.get_or_insert(at.clone());
                    }
                    _ => s.status = ServerStatus::Launching,
                }
            }
            if job.status == JobStatus::Completed {
                let log = cloud.job_log(&job.job_id).await.unwrap_or_default();
                for item in &log {
                    let Some(id) = &item.source_server_id else {
                        continue;
                    };
                    if let Some(s) = e.server_mut(id) {
                        if !s.steps.iter().any(|x| x.event == item.event) {
                            s.steps.push(Step {
                                event: item.event.clone(),
                                at: item.at.clone(),
                            });
                        }
                        // `steps` keep DRS's own times; `ended_at` stays the time the engine
                        // saw the outcome, so the timeline is on one clock.
                        if item.event == "LAUNCH_END" {
                            s.ec2_instance_id =
                                item.target_instance_id.clone().or(s.ec2_instance_id.take());
                        }
                        if item.event == "LAUNCH_FAILED" {
                            s.failure = item.raw_error.clone().or(Some("launch failed".into()));
                        }
                    }
                }
                if let Some(b) = e
                    .batches
                    .iter_mut()
                    .find(|b| b.job_id.as_deref() == Some(job.job_id.as_str()))
                {
                    b.done = true;
                    let members = b.servers.clone();
                    for id in members {
                        if let Some(s) = e.server_mut(&id) {
                            if !s.status.is_final() {
                                s.status = ServerStatus::Failed;
                                s.failure = Some("the job ended without launching it".into());
                            }
                            if s.status == ServerStatus::Failed && s.failure.is_none() {
                                s.failure = Some("DRS reports the launch failed".into());
                            }
                        }
                    }
                }
                cx.record(e, &format!("job {} completed", job.job_id))?;
                completed_any = true;
            }
        }
        if completed_any {
            verify_launch_into(e, cx, &cloud, &target).await?;
        }
        // The EC2 instance behind each new recovery instance (one paged call per tick with
        // finished jobs).
        if completed_any {
            if let Ok(ris) = cloud.recovery_instances().await {
                for w in &mut e.waves {
                    for s in &mut w.servers {
                        if s.ec2_instance_id.is_none() {
                            if let Some(ri) = ris.iter().find(|r| {
                                Some(&r.recovery_instance_id) == s.recovery_instance_id.as_ref()
                            }) {
                                s.ec2_instance_id.clone_from(&ri.ec2_instance_id);
                            }
                        }
                    }
                }
            }
        }
    }
    Ok(())
}

/// A launch into a pre-provisioned instance must come up as that instance, with its private
/// IP; otherwise the server is marked failed with the difference.
async fn verify_launch_into(
    e: &mut Execution,
    cx: &Ctx<'_>,
    cloud: &Arc<dyn Cloud>,
    target: &str,
) -> Result<(), String> {
    let due: Vec<(String, String, Option<String>, Option<String>)> = e
        .servers()
        .filter(|s| s.target == target && s.status == ServerStatus::Launched)
        .filter_map(|s| {
            let expected = s.expected_instance_id.clone()?;
            let verified = s.steps.iter().any(|x| x.event == "VERIFIED");
            (!verified).then(|| {
                (
                    s.source_server_id.clone(),
                    expected,
                    s.expected_private_ip.clone(),
                    s.ec2_instance_id.clone(),
                )
            })
        })
        .collect();
    if due.is_empty() {
        return Ok(());
    }
    let ids: Vec<String> = due.iter().map(|d| d.1.clone()).collect();
    let now_seen = cloud.instances(&ids).await.map_err(|err| err.to_string())?;
    let at = now();
    for (server, expected, ip, launched) in due {
        let seen_ip = now_seen
            .iter()
            .find(|i| i.id == expected)
            .and_then(|i| i.private_ip.clone());
        let problem = match (&launched, &ip) {
            (Some(l), _) if l != &expected => Some(format!(
                "launched as {l}, not into its DR instance {expected}"
            )),
            (None, _) => Some(format!("DRS did not report launching into {expected}")),
            (_, Some(want)) if seen_ip.as_ref() != Some(want) => Some(format!(
                "{expected} came up with private IP {}, expected {want}",
                seen_ip.as_deref().unwrap_or("none")
            )),
            _ => None,
        };
        if let Some(s) = e.server_mut(&server) {
            match problem {
                Some(p) => {
                    s.status = ServerStatus::Failed;
                    s.failure = Some(p);
                }
                None => s.steps.push(Step {
                    event: "VERIFIED".into(),
                    at: at.clone(),
                }),
            }
        }
    }
    cx.record(e, "launch-into instances checked")?;
    Ok(())
}

/// Waves whose servers are all final end; running waves past their timeout fail.
fn finish_waves(e: &mut Execution, now: &str) {
    for w in &mut e.waves {
        if w.status != WaveStatus::Running {
            continue;
        }
        if let (Some(limit), Some(start)) = (w.timeout_minutes, w.started_at.as_deref()) {
            if seconds_between(start, now).is_some_and(|s| s / 60 >= i64::from(limit)) {
                for s in &mut w.servers {
                    if !s.status.is_final() {
                        s.status = ServerStatus::Failed;
                        s.failure = Some(format!("the wave timed out after {limit} min"));
                        s.ended_at = Some(now.to_string());
                    }
                }
            }
        }
        if w.servers.iter().all(|s| s.status.is_final()) {
            w.status = if w.servers.iter().any(|s| s.status == ServerStatus::Failed) {
                WaveStatus::Failed
            } else {
                WaveStatus::Completed
            };
            w.ended_at = Some(now.to_string());
        }
    }
}

/// Starts the waves whose dependencies are done; returns true when one waits for approval.
fn start_waves(e: &mut Execution, now: &str) -> bool {
    let mut waiting = false;
    let status: BTreeMap<String, (WaveStatus, FailurePolicy)> = e
        .waves
        .iter()
        .map(|w| (w.name.clone(), (w.status, w.on_failure)))
        .collect();
    // A failed wave with policy "stop" halts every wave not yet started.
    let halted = e
        .waves
        .iter()
        .any(|w| w.status == WaveStatus::Failed && w.on_failure == FailurePolicy::Stop);
    for w in &mut e.waves {
        if !matches!(w.status, WaveStatus::Pending | WaveStatus::WaitingApproval) {
            continue;
        }
        if halted {
            w.status = WaveStatus::Skipped;
            for s in &mut w.servers {
                s.status = ServerStatus::NotRun;
                s.failure = Some("not run: an earlier wave failed and its policy is stop".into());
            }
            continue;
        }
        let ready = w.depends_on.iter().all(|d| {
            status
                .get(d)
                .is_some_and(|(st, _)| matches!(st, WaveStatus::Completed | WaveStatus::Failed))
        });
        if !ready {
            continue;
        }
        if w.approval_required && w.approved_by.is_none() {
            w.status = WaveStatus::WaitingApproval;
            waiting = true;
            continue;
        }
        w.status = WaveStatus::Running;
        w.started_at = Some(now.to_string());
        for s in &mut w.servers {
            s.status = ServerStatus::Queued;
            s.started_at = Some(now.to_string());
        }
    }
    waiting
}

/// Admission control: queued servers go into jobs of ≤ 100 while the target has < 20 active
/// jobs and < 500 servers in active jobs. Each batch is written down before it is started.
async fn admit(e: &mut Execution, cx: &Ctx<'_>) -> Result<(), String> {
    loop {
        let mut admitted = false;
        let targets: BTreeSet<String> = e
            .servers()
            .filter(|s| s.status == ServerStatus::Queued)
            .map(|s| s.target.clone())
            .collect();
        for target in targets {
            let active: Vec<&Batch> = e
                .batches
                .iter()
                .filter(|b| b.target == target && !b.done)
                .collect();
            let (other_jobs, other_servers) = cx.journal.active_elsewhere(&e.id, &target)?;
            let active_jobs = active.len() + other_jobs;
            let active_servers: usize =
                active.iter().map(|b| b.servers.len()).sum::<usize>() + other_servers;
            if active_jobs >= CONCURRENT_JOBS || active_servers >= SERVERS_IN_ACTIVE_JOBS {
                continue;
            }
            let room = (SERVERS_IN_ACTIVE_JOBS - active_servers).min(SERVERS_PER_JOB);
            // The earliest running wave first.
            let Some((wi, wave)) = e
                .waves
                .iter()
                .enumerate()
                .find(|(_, w)| {
                    w.servers
                        .iter()
                        .any(|s| s.status == ServerStatus::Queued && s.target == target)
                })
                .map(|(i, w)| (i, w.name.clone()))
            else {
                continue;
            };
            let ids: Vec<String> = e.waves[wi]
                .servers
                .iter()
                .filter(|s| s.status == ServerStatus::Queued && s.target == target)
                .take(room)
                .map(|s| s.source_server_id.clone())
                .collect();
            let n = e.batches.iter().filter(|b| b.wave == wave).count() + 1;
            let key = format!("{wi}-{n}");
            for id in &ids {
                if let Some(s) = e.server_mut(id) {
                    s.status = ServerStatus::Launching;
                    s.batch = Some(key.clone());
                }
            }
            e.batches.push(Batch {
                key: key.clone(),
                target: target.clone(),
                wave,
                servers: ids,
                job_id: None,
                done: false,
            });
            // Written down first: a crash now finds the batch by its tags, or starts it.
            cx.record(e, &format!("batch {key} admitted"))?;
            let cloud = match cx.cloud(&target) {
                Ok(c) => Arc::clone(c),
                Err(err) => return Err(err.to_string()),
            };
            let i = e.batches.len() - 1;
            start_batch(e, i, &cloud, cx).await?;
            admitted = true;
        }
        if !admitted {
            return Ok(());
        }
    }
}

/// Terminates exactly this drill's recovery instances, then verifies none is left.
async fn cleanup(e: &mut Execution, cx: &Ctx<'_>) -> Result<(), String> {
    let mut by_target: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for s in e.servers() {
        if let Some(ri) = &s.recovery_instance_id {
            by_target
                .entry(s.target.clone())
                .or_default()
                .push(ri.clone());
        }
    }
    let mut remaining = Vec::new();
    let mut problems = Vec::new();
    for (target, ids) in &by_target {
        let cloud = match cx.cloud(target) {
            Ok(c) => Arc::clone(c),
            Err(err) => {
                problems.push(err.to_string());
                remaining.extend(ids.clone());
                continue;
            }
        };
        // Only drill instances, and never a pre-provisioned DR instance: a full-fidelity drill's
        // instance (launched into its DR instance) is stopped and disconnected instead.
        let current = cloud
            .recovery_instances()
            .await
            .map_err(|err| err.to_string())?;
        let drills: Vec<String> = current
            .iter()
            .filter(|r| ids.contains(&r.recovery_instance_id) && r.is_drill)
            .map(|r| r.recovery_instance_id.clone())
            .collect();
        let mut protected: BTreeSet<String> = e
            .suspended
            .iter()
            .filter_map(|s| s.before.launch_into_instance_id.clone())
            .collect();
        protected.extend(e.servers().filter_map(|s| s.expected_instance_id.clone()));
        let ec2_of = |ri: &String| {
            current
                .iter()
                .find(|r| &r.recovery_instance_id == ri)
                .and_then(|r| r.ec2_instance_id.clone())
        };
        let (kept, to_terminate): (Vec<String>, Vec<String>) = drills
            .into_iter()
            .partition(|ri| ec2_of(ri).is_some_and(|i| protected.contains(&i)));
        if !kept.is_empty() {
            let instances: Vec<String> = kept.iter().filter_map(&ec2_of).collect();
            if let Err(err) = cloud.stop_instances(&instances).await {
                problems.push(format!("stopping the DR instances on {target}: {err}"));
            }
            for _ in 0..600 {
                let seen = cloud
                    .instances(&instances)
                    .await
                    .map_err(|err| err.to_string())?;
                if seen
                    .iter()
                    .all(|i| i.state == crate::inventory::InstanceState::Stopped)
                {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            for ri in &kept {
                if let Err(err) = cloud.disconnect_recovery_instance(ri).await {
                    problems.push(format!("disconnecting {ri} on {target}: {err}"));
                }
            }
            let seen = cloud
                .instances(&instances)
                .await
                .map_err(|err| err.to_string())?;
            for i in &instances {
                match seen.iter().find(|x| &x.id == i) {
                    Some(x) if x.state == crate::inventory::InstanceState::Stopped => {}
                    Some(x) => problems.push(format!(
                        "DR instance {i} is {} after cleanup, not stopped",
                        x.state.as_str()
                    )),
                    None => problems.push(format!("DR instance {i} is gone")),
                }
            }
            cx.record(
                e,
                &format!(
                    "stopped and disconnected {} full-fidelity drill instance(s) on {target}",
                    kept.len()
                ),
            )?;
        }
        if to_terminate.is_empty() {
            continue;
        }
        // TerminateRecoveryInstances takes at most 200 IDs.
        let mut started = Vec::new();
        for chunk in to_terminate.chunks(200) {
            match cloud.terminate_recovery_instances(chunk).await {
                Ok(job) => {
                    e.cleanup.jobs.push((target.clone(), job.job_id.clone()));
                    cx.record(e, &format!("cleanup job {} on {target}", job.job_id))?;
                    started.push(job.job_id);
                }
                Err(err) => problems.push(format!("TerminateRecoveryInstances on {target}: {err}")),
            }
        }
        // Wait for the TERMINATE jobs.
        for _ in 0..600 {
            if started.is_empty() {
                break;
            }
            let jobs = cloud.jobs(&started).await.map_err(|err| err.to_string())?;
            if jobs.iter().all(|j| j.status == JobStatus::Completed) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        // Verify.
        let after = cloud
            .recovery_instances()
            .await
            .map_err(|err| err.to_string())?;
        remaining.extend(
            after
                .iter()
                .filter(|r| ids.contains(&r.recovery_instance_id))
                .map(|r| r.recovery_instance_id.clone()),
        );
    }
    e.cleanup.remaining = remaining;
    if e.cleanup.remaining.is_empty() && problems.is_empty() {
        e.cleanup.status = "verified".into();
        e.cleanup.message = Some("every drill recovery instance of this execution is gone (checked with DescribeRecoveryInstances)".into());
    } else {
        e.cleanup.status = "failed".into();
        e.cleanup.message = Some(if problems.is_empty() {
            format!(
                "still there after cleanup: {}",
                e.cleanup.remaining.join(", ")
            )
        } else {
            problems.join("; ")
        });
    }
    cx.record(e, &format!("cleanup {}", e.cleanup.status))?;
    Ok(())
}

/// Which groups of `groups` launch into pre-provisioned instances.
pub fn launch_into_groups(groups: &[ProtectionGroup]) -> BTreeSet<String> {
    groups
        .iter()
        .filter(|g| g.launch.launch_mode == LaunchMode::PreProvisioned)
        .map(|g| g.name.clone())
        .collect()
}

/// The groups whose drills launch into a drill-only network.
pub fn drill_network_groups(groups: &[ProtectionGroup]) -> BTreeMap<String, DrillNetwork> {
    groups
        .iter()
        .filter_map(|g| g.launch.drill_network.clone().map(|n| (g.name.clone(), n)))
        .collect()
}

/// The launch-into groups whose setting a drill suspends (all but full-fidelity ones).
pub fn drill_suspended_groups(groups: &[ProtectionGroup]) -> BTreeSet<String> {
    groups
        .iter()
        .filter(|g| {
            g.launch.launch_mode == LaunchMode::PreProvisioned && !g.launch.full_fidelity_drills
        })
        .map(|g| g.name.clone())
        .collect()
}

/// Full-fidelity drill groups: drills launch into their DR instances.
pub fn full_fidelity_groups(groups: &[ProtectionGroup]) -> BTreeSet<String> {
    groups
        .iter()
        .filter(|g| {
            g.launch.launch_mode == LaunchMode::PreProvisioned && g.launch.full_fidelity_drills
        })
        .map(|g| g.name.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn execution(statuses: &[(&str, &str, &str)], target: Option<u32>) -> Execution {
        // (wave, server status, server ended_at)
        let mut waves: Vec<serde_json::Value> = Vec::new();
        for (i, (wave, status, ended)) in statuses.iter().enumerate() {
            waves.push(serde_json::json!({
                "name": wave, "onFailure": "stop",
                "status": if *status == "launched" { "completed" } else { "failed" },
                "startedAt": "2026-11-26T10:00:00Z", "endedAt": ended,
                "servers": [{
                    "sourceServerId": format!("s-{i}"), "name": format!("app-{i}"),
                    "group": "g", "target": "t", "status": status, "endedAt": ended,
                }],
            }));
        }
        serde_json::from_value(serde_json::json!({
            "id": "exec-1", "plan": "p", "planRevision": 3, "kind": "drill",
            "startedBy": "me", "startedAt": "2026-11-26T10:00:00Z", "status": "completed",
            "rtoTargetMinutes": target, "autoCleanup": true, "waves": waves,
            "batches": [], "suspended": [], "cleanup": {"status": "verified"},
        }))
        .unwrap()
    }

    #[test]
    fn the_rto_is_the_last_launch_since_the_start_judged_per_wave() {
        let e = execution(
            &[
                ("db", "launched", "2026-11-26T10:12:00Z"),
                ("app", "launched", "2026-11-26T10:31:30Z"),
            ],
            Some(30),
        );
        let r = e.rto();
        assert_eq!(r.measured_seconds, Some(31 * 60 + 30));
        assert_eq!(r.target_seconds, Some(1800));
        assert_eq!(r.within_target, Some(false));
        assert_eq!(r.waves[0].since_start_seconds, Some(720));
        assert_eq!(r.waves[0].within_target, Some(true));
        assert_eq!(r.waves[1].within_target, Some(false));
        assert_eq!(r.waves[1].launched, 1);
    }

    #[test]
    fn no_rto_is_claimed_when_a_server_failed_or_there_is_no_target() {
        let e = execution(
            &[
                ("db", "launched", "2026-11-26T10:12:00Z"),
                ("app", "failed", "2026-11-26T10:20:00Z"),
            ],
            None,
        );
        let r = e.rto();
        assert_eq!(r.measured_seconds, None);
        assert_eq!(r.within_target, None);
        assert_eq!(r.waves[0].since_start_seconds, Some(720));
        assert_eq!(r.waves[0].within_target, None);
        assert_eq!(
            r.waves[1].since_start_seconds, None,
            "a failed wave has no RTO"
        );
        assert_eq!(r.waves[1].failed, 1);
    }
}
