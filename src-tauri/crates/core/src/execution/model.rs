//! The state of one execution as the journal keeps it: waves, servers, the DRS jobs (batches)
//! started for them, the settings a drill suspended or moved, its cleanup, and the retries in
//! progress. Everything here is plain data (serde), written whole at every journal entry.

use super::retry::Retry;
use crate::launch::{LaunchConfiguration, LaunchTemplate};
use crate::plan::FailurePolicy;
use crate::readiness::seconds_between;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Drill or real recovery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub enum ExecutionKind {
    /// `isDrill=true`, cleaned up afterwards.
    Drill,
    /// A real failover; nothing is cleaned up.
    Recovery,
    /// Reversed replication of a recovery's instances (after a recovery, towards the origin
    /// region; after a failback, towards the recovery region again), followed until each
    /// server replicates continuously. Launches nothing.
    Reprotect,
}

impl ExecutionKind {
    /// The name the journal, the CLI and the UI use.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Drill => "drill",
            Self::Recovery => "recovery",
            Self::Reprotect => "reprotect",
        }
    }
}

/// Which way an execution goes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub enum Direction {
    /// Towards the recovery region: a drill or recovery of the protected servers; a reprotect
    /// that protects the failed-back instances again.
    #[default]
    Failover,
    /// Back to the origin region: a failback drill or failback of the servers that replicate
    /// recovery instances back; a reprotect after a recovery.
    Failback,
}

/// A server's reversed replication in a reprotect.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub struct Reversal {
    /// The recovery instance whose replication is reversed (in the region the reprotect acts
    /// in).
    pub recovery_instance_id: String,
    /// Its EC2 instance (how the source server of the other direction is recognised).
    pub ec2_instance_id: String,
    /// `ReverseReplication` was written down (and maybe sent).
    #[serde(default)]
    pub sent: bool,
    /// Its last answer was lost: look for the source server before sending again.
    #[serde(default)]
    pub uncertain: bool,
    /// The source server that replicates it the other way, once found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub source_server_id: Option<String>,
    /// Its replication state as last read (`INITIAL_SYNC`, `CONTINUOUS`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub state: Option<String>,
    /// How far the initial sync is (0–100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub sync_percent: Option<u8>,
    /// Its lag, in seconds, once replicating continuously.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub lag_seconds: Option<u64>,
    /// When it was last read (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub read_at: Option<String>,
}

/// What a failback does with a server's original instance in the origin region.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub enum OriginalUse {
    /// Launch into it (it is stopped and tagged `AWSDRS=AllowLaunchingIntoThisInstance`).
    #[default]
    LaunchInto,
    /// Stop it (and tag it `AWSDRS`) first, then launch into it: the user's choice for an
    /// original that was running or untagged.
    PrepareThenLaunchInto,
    /// Launch a new instance (the original is gone, or the user chose so).
    NewInstance,
}

/// The way back for one server in a failback: its recovery-region instance stopped (so its
/// last writes replicate), its original instance made ready, its launch-into set, and the lag
/// of its failback source server under the threshold — each written down before it is sent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub struct Drain {
    /// The recovery-region EC2 instance to stop before the launch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub recovery_ec2_instance_id: Option<String>,
    /// Its stop was sent.
    #[serde(default)]
    pub stop_sent: bool,
    /// It is stopped (read back).
    #[serde(default)]
    pub stopped: bool,
    /// The original instance in the origin region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub original_instance_id: Option<String>,
    /// What is done with it.
    #[serde(default)]
    pub original_use: OriginalUse,
    /// The original was tagged and its stop sent (PrepareThenLaunchInto).
    #[serde(default)]
    pub original_prepare_sent: bool,
    /// The original is stopped and tagged (read back).
    #[serde(default)]
    pub original_ready: bool,
    /// The failback source server's launch-into setting matches `original_use` (AWS
    /// confirmed).
    #[serde(default)]
    pub launch_set: bool,
    /// The lag the failback source server must be under before the launch, in seconds.
    #[serde(default)]
    pub max_lag_seconds: u64,
    /// Its lag as last read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub lag_seconds: Option<u64>,
    /// Everything above is done: the server may launch.
    #[serde(default)]
    pub done: bool,
}

/// Where an execution is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub enum ExecutionStatus {
    /// Written by earlier versions before the first wave; read as running.
    Preparing,
    /// Waves are running or waiting.
    Running,
    /// No new job starts and nothing is changed in AWS; running jobs go on and are followed.
    Paused,
    /// Cancel asked: no new job starts; jobs already started are followed to their end, then
    /// the drill is cleaned up.
    Cancelling,
    /// Every job has ended: a drill's instances are being terminated and verified, and the
    /// settings it changed are being put back.
    CleaningUp,
    /// Every server launched (and, for a drill, cleanup verified and settings restored).
    Completed,
    /// Some server failed, a wave timed out, or a person gave up on a cleanup or restore.
    Failed,
    /// Cancelled (and cleaned up).
    Cancelled,
}

impl ExecutionStatus {
    /// Nothing more will happen.
    pub fn is_final(self) -> bool {
        matches!(self, Self::Completed | Self::Failed | Self::Cancelled)
    }

    /// The name the journal and the UI use (`running`, `cleaningUp`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Preparing => "preparing",
            Self::Running => "running",
            Self::Paused => "paused",
            Self::Cancelling => "cancelling",
            Self::CleaningUp => "cleaningUp",
            Self::Completed => "completed",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
        }
    }
}

/// Where a wave is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub enum WaveStatus {
    /// Waiting for the waves it depends on.
    Pending,
    /// Ready, waiting for someone to approve it.
    WaitingApproval,
    /// Launching, or following its jobs to their end.
    Running,
    /// Every server launched and every job of the wave ended.
    Completed,
    /// Some server failed, or it timed out.
    Failed,
    /// Not run: an earlier wave failed with policy "stop", or the execution was cancelled.
    Skipped,
}

impl WaveStatus {
    /// Nothing more happens in the wave.
    pub fn is_final(self) -> bool {
        matches!(self, Self::Completed | Self::Failed | Self::Skipped)
    }
}

/// Where a server is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub enum ServerStatus {
    /// Its wave has not started.
    Pending,
    /// Its launch settings are being read and, for a drill, made safe (launch-into suspended,
    /// drill network applied) before it may launch.
    Preparing,
    /// Ready, waiting for room in the DRS quotas.
    Queued,
    /// In a job (or its job is being started).
    Launching,
    /// A recovery instance runs.
    Launched,
    /// Did not launch; see `failure`.
    Failed,
    /// Not launched: cancelled or skipped.
    NotRun,
}

impl ServerStatus {
    /// Nothing more happens to the server.
    pub fn is_final(self) -> bool {
        matches!(self, Self::Launched | Self::Failed | Self::NotRun)
    }
}

/// One step of a server's timeline: a DRS job-log event with DRS's own time, or an engine
/// check (`VERIFIED`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub struct Step {
    /// `SNAPSHOT_START`, `CONVERSION_END`, `LAUNCH_START`, `LAUNCHED`, …
    pub event: String,
    /// When (RFC 3339).
    pub at: String,
}

/// A server in an execution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
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
    /// Its launch configuration was read and handled: for a drill, any launch-into suspended
    /// (AWS confirmed) or, in a full-fidelity group, the DR instance it launches into noted; for
    /// a recovery into a DR instance, the instance and private IP it must keep noted.
    #[serde(default)]
    pub checked: bool,
    /// The batch it launched in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub batch: Option<String>,
    /// The recovery instance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub recovery_instance_id: Option<String>,
    /// The EC2 instance launched (or launched into).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub ec2_instance_id: Option<String>,
    /// Why it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub failure: Option<String>,
    /// When its job was created (DRS's time).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub started_at: Option<String>,
    /// When it launched (the EC2 instance's launch time) or failed (the job log's time).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub ended_at: Option<String>,
    /// Timeline.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<Step>,
    /// A launch-into launch: the DR instance it must come up as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub expected_instance_id: Option<String>,
    /// A launch-into launch: the private IP it must keep.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub expected_private_ip: Option<String>,
    /// Reading or preparing its launch settings, retried.
    #[serde(default, skip_serializing_if = "Retry::is_clear")]
    pub retry: Retry,
    /// Its group's post-launch actions and how they ran: a launched server counts as recovered
    /// once its required actions succeeded.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub actions: Vec<crate::launch_actions::ActionRun>,
    /// A reprotect: its reversed replication.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub reversal: Option<Reversal>,
    /// A failback: the way back before its launch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub drain: Option<Drain>,
    /// A failback: the source server (recovery region) it replicated from before, by which
    /// the lifecycle follows one server there and back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub original_source_server_id: Option<String>,
}

impl ServerRun {
    /// Launched, and its required post-launch actions have not all reported yet.
    pub fn awaits_actions(&self) -> bool {
        self.status == ServerStatus::Launched
            && self.actions.iter().any(|a| !a.optional && !a.is_final())
    }

    /// A server of `group` on `target`, not started.
    pub fn new(id: &str, name: &str, group: &str, target: &str) -> Self {
        Self {
            source_server_id: id.to_string(),
            name: name.to_string(),
            group: group.to_string(),
            target: target.to_string(),
            status: ServerStatus::Pending,
            checked: false,
            batch: None,
            recovery_instance_id: None,
            ec2_instance_id: None,
            failure: None,
            started_at: None,
            ended_at: None,
            steps: Vec::new(),
            expected_instance_id: None,
            expected_private_ip: None,
            retry: Retry::default(),
            actions: Vec::new(),
            reversal: None,
            drain: None,
            original_source_server_id: None,
        }
    }
}

/// A wave in an execution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub struct WaveRun {
    /// Name.
    pub name: String,
    /// Waves it waits for (the plan's `dependsOn`, or the wave before it when the plan says
    /// nothing).
    #[serde(default)]
    pub depends_on: Vec<String>,
    /// Needs an approval to start.
    #[serde(default)]
    pub approval_required: bool,
    /// Who approved it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub approved_by: Option<String>,
    /// Timeout.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub timeout_minutes: Option<u32>,
    /// The timeout passed: no new server of the wave starts; its jobs are followed to the end.
    #[serde(default)]
    pub timed_out: bool,
    /// Stop or continue when it fails.
    pub on_failure: FailurePolicy,
    /// Status.
    pub status: WaveStatus,
    /// Started (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub started_at: Option<String>,
    /// Ended (RFC 3339): its last server's launch or failure as DRS reports it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub ended_at: Option<String>,
    /// Servers.
    pub servers: Vec<ServerRun>,
    /// Its before- and after-steps, in the order they run.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<StepRun>,
}

impl WaveRun {
    /// Every server of the wave has launched (its required post-launch actions succeeded),
    /// failed or been left out, and its after-steps are over: the waves that depend on it may
    /// start (its jobs may still be ending).
    pub fn settled(&self) -> bool {
        self.status.is_final()
            || (self
                .servers
                .iter()
                .all(|s| s.status.is_final() && !s.awaits_actions())
                && self
                    .steps
                    .iter()
                    .filter(|s| s.phase == StepPhase::After)
                    .all(|s| s.status.is_final()))
    }

    /// Settled with a failure (a server failed, the wave timed out, or a step whose policy
    /// is stop failed).
    pub fn failed(&self) -> bool {
        self.status == WaveStatus::Failed
            || self.steps.iter().any(StepRun::stops)
            || (self.settled()
                && (self.timed_out
                    || self
                        .servers
                        .iter()
                        .any(|s| s.status == ServerStatus::Failed)))
    }

    /// The first step of `phase` not yet over.
    pub fn next_step(&mut self, phase: StepPhase) -> Option<&mut StepRun> {
        self.steps
            .iter_mut()
            .find(|s| s.phase == phase && !s.status.is_final())
    }
}

/// When a step runs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub enum StepPhase {
    /// Before the wave's servers launch.
    #[default]
    Before,
    /// After they have.
    After,
}

/// Where a step is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub enum StepStatus {
    /// Not reached yet.
    #[default]
    Pending,
    /// Waiting for a person to confirm it (a manual step, or a failed one whose policy is ask).
    Waiting,
    /// Being run by the engine (an SSM command, an automation, a record change, a check).
    Running,
    /// Done (confirmed, or succeeded).
    Done,
    /// Failed (timed out, or what it ran failed).
    Failed,
    /// Not run (a drill and the step runs in recoveries only, or its wave did not run).
    Skipped,
}

impl StepStatus {
    /// Over, one way or another.
    pub fn is_final(self) -> bool {
        matches!(self, Self::Done | Self::Failed | Self::Skipped)
    }
}

/// One step of a wave in an execution.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub struct StepRun {
    /// Name (unique within the wave).
    pub name: String,
    /// Before or after the launch.
    pub phase: StepPhase,
    /// What it is.
    pub kind: crate::plan::StepKind,
    /// What a person is asked to do.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub instruction: String,
    /// Its timeout, in minutes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub timeout_minutes: Option<u32>,
    /// What its failure does.
    pub on_failure: crate::step::StepFailure,
    /// Where it is.
    pub status: StepStatus,
    /// When it started (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub started_at: Option<String>,
    /// When it ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub ended_at: Option<String>,
    /// Who confirmed it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub confirmed_by: Option<String>,
    /// Why it failed or was skipped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub note: Option<String>,
    /// The step as the plan wrote it (automated steps): what the engine runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub spec: Option<crate::step::Step>,
    /// An action written in the journal before it was sent and whose outcome is not known yet:
    /// its token (an SSM command's comment, an automation's client token). Looked up by it,
    /// never sent blindly again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub attempt: Option<String>,
    /// What AWS gave back for it: SSM command IDs, an automation execution ID, a Route 53
    /// change ID.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub action_ids: Vec<String>,
    /// The EC2 instances it acts on or reads.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub instances: Vec<String>,
    /// What it reported: SSM output, the record read back, the check's last answer (an
    /// excerpt).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub output: Option<String>,
    /// Route 53: the value the record was given (resolved once, then kept).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub value: Option<String>,
    /// When the engine looks at it again (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub next_at: Option<String>,
    /// Tries made (a check tries until it passes or times out).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub tries: u32,
    /// AWS calls made for it.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub api_calls: u32,
    /// It failed, its policy is ask, and it waits for a person to let the plan go on.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub asking: bool,
}

impl StepRun {
    /// A step of the plan as it starts in an execution of `kind`.
    pub fn new(step: &crate::plan::Step, phase: StepPhase, kind: ExecutionKind) -> Self {
        let skipped = kind == ExecutionKind::Drill && !step.in_drills;
        Self {
            name: step.name.clone(),
            phase,
            kind: step.kind,
            instruction: step.instruction.clone(),
            timeout_minutes: step.effective_timeout(),
            on_failure: step.on_failure,
            spec: step.kind.automated().then(|| step.clone()),
            status: if skipped {
                StepStatus::Skipped
            } else {
                StepStatus::Pending
            },
            note: skipped.then(|| "runs in recoveries only".to_string()),
            ..Self::default()
        }
    }

    /// Failed with policy stop: its wave fails.
    pub fn stops(&self) -> bool {
        self.status == StepStatus::Failed && self.on_failure == crate::step::StepFailure::Stop
    }
}

/// One `StartRecovery` job of an execution.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub struct Batch {
    /// Unique within the execution (`<wave index>-<n>`), also a job tag.
    pub key: String,
    /// Target.
    pub target: String,
    /// Wave.
    pub wave: String,
    /// Its servers.
    pub servers: Vec<String>,
    /// When it was written down (engine clock), before its first `StartRecovery`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub admitted_at: Option<String>,
    /// The DRS job, once started (or found again by its tags).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub job_id: Option<String>,
    /// When DRS created the job.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub job_created_at: Option<String>,
    /// When DRS ended the job.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub job_ended_at: Option<String>,
    /// The last `StartRecovery` answered with an error whose outcome is unknown: look for the
    /// job by its tags before starting it again.
    #[serde(default)]
    pub uncertain: bool,
    /// Conflicts in a row with no job of ours found.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub conflicts: u32,
    /// The job ended and its log, recovery instances and launch times were read (or the batch
    /// never started: refused or cancelled).
    #[serde(default)]
    pub done: bool,
    /// Starting it (or reading its end), retried.
    #[serde(default, skip_serializing_if = "Retry::is_clear")]
    pub retry: Retry,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl Batch {
    /// Counts against the DRS quotas: started (or maybe started) and not ended.
    pub fn active(&self) -> bool {
        !self.done
    }
}

/// What cleanup does with one recovery instance of the drill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub enum CleanupAction {
    /// A drill instance: terminate it (TerminateRecoveryInstances).
    Terminate,
    /// A DR instance (tagged `AWSDRS=AllowLaunchingIntoThisInstance`) or one with termination
    /// protection: stop it and disconnect it from DRS, never terminate it.
    StopAndDisconnect,
}

/// Where one item of a cleanup is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub enum CleanupState {
    /// Found; nothing sent yet.
    Found,
    /// A terminate was sent (its job in `job_id`, or unknown after an uncertain answer).
    Terminating,
    /// A stop was sent; waiting for the instance to be stopped.
    Stopping,
    /// Terminated, or stopped and disconnected, and verified.
    Done,
}

/// One recovery instance a drill's cleanup handles.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub struct CleanupItem {
    /// Target.
    pub target: String,
    /// DRS recovery instance ID.
    pub recovery_instance_id: String,
    /// Its EC2 instance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub ec2_instance_id: Option<String>,
    /// Its source server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub source_server_id: Option<String>,
    /// The job that launched it (one of this execution's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub launched_by_job: Option<String>,
    /// Terminate, or stop and disconnect.
    pub action: CleanupAction,
    /// Why it is not terminated, when it is not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub kept_because: Option<String>,
    /// Where it is.
    pub state: CleanupState,
    /// The TERMINATE job, once known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub job_id: Option<String>,
    /// When the terminate or stop was last sent (engine clock).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub sent_at: Option<String>,
    /// The last terminate answered with an error whose outcome is unknown.
    #[serde(default)]
    pub uncertain: bool,
}

/// A drill's cleanup.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub struct Cleanup {
    /// `notNeeded`, `pending`, `awaitingConfirmation`, `running`, `verified`, `skipped`,
    /// `abandoned` (a person gave up; `remaining` lists what is left), or `failed` (earlier
    /// versions).
    pub status: String,
    /// The recovery instances of this drill's own jobs were listed (`items`).
    #[serde(default)]
    pub listed: bool,
    /// Each recovery instance of this drill's jobs and what is done with it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<CleanupItem>,
    /// TERMINATE jobs started, per target.
    #[serde(default)]
    pub jobs: Vec<(String, String)>,
    /// Recovery instances still there after cleanup (the proof is that this is empty).
    #[serde(default)]
    pub remaining: Vec<String>,
    /// What happened, in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub message: Option<String>,
    /// A step that failed, retried on later ticks.
    #[serde(default, skip_serializing_if = "Retry::is_clear")]
    pub retry: Retry,
}

impl Cleanup {
    /// Cleanup is over, one way or another.
    pub fn is_over(&self) -> bool {
        matches!(
            self.status.as_str(),
            "notNeeded" | "verified" | "skipped" | "abandoned" | "failed"
        )
    }
}

/// A launch-into setting suspended for a drill, to restore afterwards.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub struct Suspended {
    /// Target.
    pub target: String,
    /// The launch configuration before the drill.
    pub before: LaunchConfiguration,
    /// AWS confirmed the suspension (its answer, or a later read, shows no launch-into): only
    /// then may the server launch.
    #[serde(default)]
    pub confirmed: bool,
    /// Restored after the drill (AWS confirmed).
    #[serde(default)]
    pub restored: bool,
    /// Suspending or restoring it, retried.
    #[serde(default, skip_serializing_if = "Retry::is_clear")]
    pub retry: Retry,
}

/// A server moved to its group's drill-only network for a drill: its launch template as it
/// was (the recovery settings), written down before the move and put back after its wave.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub struct Isolated {
    /// Target.
    pub target: String,
    /// Wave.
    pub wave: String,
    /// `s-…`.
    pub source_server_id: String,
    /// The launch template before the move.
    pub before: LaunchTemplate,
    /// The drill subnet it is moved to.
    #[serde(default)]
    pub drill_subnet_id: String,
    /// AWS confirmed the drill network (a new default template version).
    #[serde(default)]
    pub applied: bool,
    /// The recovery settings were put back (AWS confirmed).
    #[serde(default)]
    pub restored: bool,
    /// Applying or restoring it, retried.
    #[serde(default, skip_serializing_if = "Retry::is_clear")]
    pub retry: Retry,
}

/// A time the engine did not run (a sleeping laptop, a stopped process, a crash before a
/// resume): shown as an event and not counted against wave timeouts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub struct Gap {
    /// The last tick before it.
    pub from: String,
    /// The first tick after it.
    pub to: String,
}

/// One run of a plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub struct Execution {
    /// `exec-…` (time-ordered, unique).
    pub id: String,
    /// Plan name.
    pub plan: String,
    /// Plan revision used.
    pub plan_revision: u32,
    /// Drill, recovery or reprotect.
    pub kind: ExecutionKind,
    /// Towards the recovery region, or back to the origin region.
    #[serde(default)]
    pub direction: Direction,
    /// Who started it.
    pub started_by: String,
    /// The AWS identity (caller ARN) of each target, read when it started.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub identities: BTreeMap<String, String>,
    /// When (RFC 3339, on the execution's clock: the sandbox's simulated clock on the sandbox).
    pub started_at: String,
    /// When it ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub ended_at: Option<String>,
    /// Status.
    pub status: ExecutionStatus,
    /// The plan's RTO target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
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
    /// Times the engine did not run.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub gaps: Vec<Gap>,
    /// The engine's last tick (its clock).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub last_tick_at: Option<String>,
    /// Why it failed, when it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub failure: Option<String>,
    /// Where each server is (its wave and place), built on first use: servers never move once
    /// an execution is set up.
    /// DRS runs this execution (a native recovery plan's); the app only follows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub native: Option<crate::native_plan::NativeRef>,
    #[serde(skip)]
    pub(crate) index: ServerIndex,
}

/// Server ID → (wave, position), for lookups that do not scan every server.
#[derive(Debug, Clone, Default)]
pub(crate) struct ServerIndex(
    std::sync::OnceLock<std::collections::HashMap<String, (usize, usize)>>,
);

impl PartialEq for ServerIndex {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for ServerIndex {}

impl Execution {
    fn position(&self, id: &str) -> Option<(usize, usize)> {
        self.index
            .0
            .get_or_init(|| {
                self.waves
                    .iter()
                    .enumerate()
                    .flat_map(|(w, wave)| {
                        wave.servers
                            .iter()
                            .enumerate()
                            .map(move |(i, s)| (s.source_server_id.clone(), (w, i)))
                    })
                    .collect()
            })
            .get(id)
            .copied()
    }

    /// It acts in the targets' origin region: a failback (drill), or a reprotect that
    /// protects failed-back instances again. Its connections are the targets' reversed ones.
    pub fn acts_in_origin(&self) -> bool {
        match self.kind {
            ExecutionKind::Reprotect => self.direction == Direction::Failover,
            _ => self.direction == Direction::Failback,
        }
    }

    /// What it is, in words: `Drill`, `Recovery`, `Failback drill`, `Failback`, `Reprotect`
    /// or `Protect again`.
    pub fn label(&self) -> &'static str {
        match (self.kind, self.direction) {
            (ExecutionKind::Drill, Direction::Failover) => "Drill",
            (ExecutionKind::Recovery, Direction::Failover) => "Recovery",
            (ExecutionKind::Drill, Direction::Failback) => "Failback drill",
            (ExecutionKind::Recovery, Direction::Failback) => "Failback",
            (ExecutionKind::Reprotect, Direction::Failback) => "Reprotect",
            (ExecutionKind::Reprotect, Direction::Failover) => "Protect again",
        }
    }

    /// Every server of every wave.
    pub fn servers(&self) -> impl Iterator<Item = &ServerRun> {
        self.waves.iter().flat_map(|w| w.servers.iter())
    }

    pub(crate) fn server_mut(&mut self, id: &str) -> Option<&mut ServerRun> {
        let (w, i) = self.position(id)?;
        self.waves.get_mut(w)?.servers.get_mut(i)
    }

    /// The server with this ID.
    pub fn server(&self, id: &str) -> Option<&ServerRun> {
        let (w, i) = self.position(id)?;
        self.waves.get(w)?.servers.get(i)
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

    /// The job IDs of this execution's own launch jobs.
    pub fn job_ids(&self) -> Vec<String> {
        self.batches
            .iter()
            .filter_map(|b| b.job_id.clone())
            .collect()
    }

    /// Every job this execution started has ended and been read.
    pub fn jobs_done(&self) -> bool {
        self.batches.iter().all(|b| b.done)
    }

    /// Seconds from `from` to `to` that count against a timeout: the time the engine did not
    /// run (its `gaps`) left out.
    pub fn counted_seconds_between(&self, from: &str, to: &str) -> i64 {
        seconds_between(from, to).unwrap_or(0) - self.gap_seconds_between(from, to)
    }

    /// Seconds of `gaps` inside `[from, to]`.
    pub fn gap_seconds_between(&self, from: &str, to: &str) -> i64 {
        let (Some(a), Some(b)) = (parse(from), parse(to)) else {
            return 0;
        };
        self.gaps
            .iter()
            .filter_map(|g| Some((parse(&g.from)?, parse(&g.to)?)))
            .map(|(gf, gt)| {
                let start = gf.max(a);
                let end = gt.min(b);
                (end - start).whole_seconds().max(0)
            })
            .sum()
    }

    /// What is being retried now and why, for the live view and the CLI: `(what, why)`.
    pub fn retries(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let mut note = |what: String, r: &Retry| {
            if let Some(err) = &r.last_error {
                out.push((format!("{what} (attempt {})", r.attempts + 1), err.clone()));
            }
        };
        for b in self.batches.iter().filter(|b| !b.done) {
            let what = if b.job_id.is_some() {
                format!(
                    "reading the end of job {} (batch {})",
                    b.job_id.as_deref().unwrap_or(""),
                    b.key
                )
            } else if b.uncertain {
                format!(
                    "finding or starting the job of batch {} ({} servers)",
                    b.key,
                    b.servers.len()
                )
            } else {
                format!("starting batch {} ({} servers)", b.key, b.servers.len())
            };
            note(what, &b.retry);
        }
        for s in self.servers().filter(|s| !s.status.is_final()) {
            note(format!("preparing {}", s.name), &s.retry);
        }
        for s in &self.suspended {
            let what = if s.confirmed {
                "restoring the launch-into setting of"
            } else {
                "suspending the launch-into setting of"
            };
            note(format!("{what} {}", s.before.source_server_id), &s.retry);
        }
        for x in &self.isolated {
            let what = if x.applied {
                "restoring the recovery network of"
            } else {
                "moving to the drill network"
            };
            note(format!("{what} {}", x.source_server_id), &x.retry);
        }
        note("the drill's cleanup".into(), &self.cleanup.retry);
        out
    }
}

pub(crate) fn parse(t: &str) -> Option<time::OffsetDateTime> {
    crate::timestamp::parse(t)
}

/// RFC 3339 text of a time, with its fractions of a second (the engine's clock).
pub fn rfc3339(t: time::OffsetDateTime) -> String {
    crate::timestamp::format_precise(t)
}

/// An execution's recovery time, measured from its own journal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub struct RtoMeasure {
    /// From the start of the execution to the last server launched (as DRS and EC2 report it),
    /// when every server that was to launch has launched; `None` while it runs or when servers
    /// failed or were not run.
    pub measured_seconds: Option<i64>,
    /// From the start to "application up": the last server launched *and* every wave's
    /// after-steps done (the same as `measured_seconds` for a plan without steps); `None`
    /// unless every server launched and no step failed.
    #[serde(default)]
    pub application_up_seconds: Option<i64>,
    /// The plan's RTO target, in seconds.
    pub target_seconds: Option<i64>,
    /// Measured within the target (`None` when either is unknown).
    pub within_target: Option<bool>,
    /// Per wave.
    pub waves: Vec<WaveRto>,
}

/// One wave's share of the recovery time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
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
        let steps_ok = self
            .waves
            .iter()
            .flat_map(|w| &w.steps)
            .all(|s| matches!(s.status, StepStatus::Done | StepStatus::Skipped));
        let application_up = measured.filter(|_| steps_ok).map(|launched| {
            self.waves
                .iter()
                .flat_map(|w| &w.steps)
                .filter_map(|s| s.ended_at.as_deref())
                .filter_map(|end| seconds_between(&self.started_at, end))
                .fold(launched, i64::max)
        });
        RtoMeasure {
            measured_seconds: measured,
            application_up_seconds: application_up,
            target_seconds: target,
            within_target: within(measured),
            waves,
        }
    }
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
    fn application_up_ends_when_the_last_after_step_is_done() {
        let mut e = execution(&[("app", "launched", "2026-11-26T10:20:00Z")], Some(30));
        assert_eq!(
            e.rto().application_up_seconds,
            Some(20 * 60),
            "no steps: the launch"
        );
        e.waves[0].steps = vec![StepRun {
            name: "smoke test".into(),
            phase: StepPhase::After,
            status: StepStatus::Done,
            ended_at: Some("2026-11-26T10:26:40Z".into()),
            ..StepRun::default()
        }];
        let r = e.rto();
        assert_eq!(
            r.measured_seconds,
            Some(20 * 60),
            "launch-only kept alongside"
        );
        assert_eq!(r.application_up_seconds, Some(26 * 60 + 40));
        e.waves[0].steps[0].status = StepStatus::Failed;
        assert_eq!(
            e.rto().application_up_seconds,
            None,
            "a failed step: not up"
        );
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

    #[test]
    fn gaps_are_counted_only_inside_the_window() {
        let mut e = execution(&[("db", "launched", "2026-11-26T10:12:00Z")], None);
        e.gaps.push(Gap {
            from: "2026-11-26T09:50:00Z".into(),
            to: "2026-11-26T10:05:00Z".into(),
        });
        e.gaps.push(Gap {
            from: "2026-11-26T10:20:00Z".into(),
            to: "2026-11-26T11:00:00Z".into(),
        });
        assert_eq!(
            e.gap_seconds_between("2026-11-26T10:00:00Z", "2026-11-26T10:30:00Z"),
            5 * 60 + 10 * 60
        );
    }
}
