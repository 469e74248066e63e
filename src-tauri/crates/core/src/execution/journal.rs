//! The journal port (where every state is written before the engine acts on it), the requests
//! people make of a running execution, and the engine's typed events.

use super::model::{Execution, ExecutionStatus, WaveStatus};
use std::collections::BTreeMap;

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
    /// A person decided to stop retrying a drill's cleanup and restores: the execution ends
    /// (failed) with what is left listed.
    pub abandon: bool,
    /// Confirmed steps, by (wave, step), with who confirmed.
    pub confirmations: BTreeMap<(String, String), String>,
}

/// Why the journal refused a write.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JournalError {
    /// Another driver holds the execution's lease now: this one must stop at once.
    #[error("execution {execution} is driven by {holder} now; this process stops driving it")]
    Fenced {
        /// Execution.
        execution: String,
        /// Who holds the lease.
        holder: String,
    },
    /// The store failed.
    #[error("the execution journal: {0}")]
    Store(String),
}

/// Where executions are written down, before anything is acted on.
pub trait Journal: Send + Sync {
    /// Writes the whole state, with an event saying what changed. Refused with
    /// [`JournalError::Fenced`] when this driver no longer holds the execution's lease.
    fn record(&self, execution: &Execution, event: &Event) -> Result<(), JournalError>;

    /// Reads the people's requests for an execution.
    fn control(&self, id: &str) -> Result<Control, JournalError>;

    /// Jobs and servers that *other* unfinished executions have in active jobs on `target`:
    /// the DRS quotas are per account and region, shared by every execution.
    fn active_elsewhere(
        &self,
        _execution: &str,
        _target: &str,
    ) -> Result<(usize, usize), JournalError> {
        Ok((0, 0))
    }
}

/// What changed, as the journal and the live views tell it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// The execution was written down.
    Created,
    /// A driver took it up again.
    Resumed,
    /// DRS's own run of a native recovery plan moved on (the app follows it; DRS drives it).
    Native {
        /// What DRS reported, in words.
        what: String,
    },
    /// A routine poll (not kept in the event list).
    Tick,
    /// No new job starts.
    Paused,
    /// Going on after a pause.
    Unpaused,
    /// Cancel asked.
    CancelRequested,
    /// The engine did not run for a while.
    Gap {
        /// How long, in seconds of the execution's clock.
        seconds: i64,
    },
    /// A wave started.
    WaveStarted {
        /// Wave.
        wave: String,
    },
    /// A wave waits for a person.
    WaveWaitingApproval {
        /// Wave.
        wave: String,
    },
    /// A step waits for a person to confirm it.
    StepWaiting {
        /// Wave.
        wave: String,
        /// Step.
        step: String,
    },
    /// A person confirmed a step.
    StepConfirmed {
        /// Wave.
        wave: String,
        /// Step.
        step: String,
        /// Who.
        by: String,
    },
    /// The engine started running a step (SSM, Route 53, a check).
    StepStarted {
        /// Wave.
        wave: String,
        /// Step.
        step: String,
        /// Its kind, as a plan writes it.
        kind: String,
    },
    /// A step's action is about to be sent (written before the call): `action` says what,
    /// `token` is how it is found again if the answer is lost.
    StepSending {
        /// Wave.
        wave: String,
        /// Step.
        step: String,
        /// What is sent.
        action: String,
        /// Its token.
        token: String,
    },
    /// AWS accepted a step's action.
    StepSent {
        /// Wave.
        wave: String,
        /// Step.
        step: String,
        /// The command, automation or change ID.
        id: String,
    },
    /// A step succeeded.
    StepDone {
        /// Wave.
        wave: String,
        /// Step.
        step: String,
        /// What it reported, in a line.
        summary: String,
    },
    /// A failed step whose policy is ask waits for a person to let the plan go on.
    StepAsks {
        /// Wave.
        wave: String,
        /// Step.
        step: String,
        /// Why it failed.
        why: String,
    },
    /// A launched server's required post-launch actions succeeded.
    ActionsPassed {
        /// Server name.
        server: String,
        /// Required actions.
        actions: usize,
    },
    /// A launched server's required post-launch actions failed (or never reported): the
    /// server is failed.
    ActionsFailed {
        /// Server name.
        server: String,
        /// Why.
        why: String,
    },
    /// A step failed.
    StepFailed {
        /// Wave.
        wave: String,
        /// Step.
        step: String,
        /// Why.
        why: String,
    },
    /// A wave passed its timeout.
    WaveTimedOut {
        /// Wave.
        wave: String,
        /// Its timeout.
        minutes: u32,
        /// Servers not started because of it.
        not_started: usize,
        /// Jobs still followed to their end.
        jobs_running: usize,
    },
    /// A wave ended.
    WaveEnded {
        /// Wave.
        wave: String,
        /// How.
        status: WaveStatus,
    },
    /// Waves not run.
    WavesSkipped {
        /// Which.
        waves: Vec<String>,
        /// Why.
        why: String,
    },
    /// A server will not launch (its settings could not be read or made safe).
    ServerNotLaunched {
        /// Server.
        server: String,
        /// Why.
        why: String,
    },
    /// Launch-into settings about to be suspended for the drill (written before the calls).
    Suspending {
        /// Servers.
        servers: Vec<String>,
    },
    /// AWS confirmed suspensions.
    SuspensionsConfirmed {
        /// Servers.
        servers: Vec<String>,
    },
    /// Launch-into settings put back.
    LaunchIntoRestored {
        /// Servers.
        servers: Vec<String>,
    },
    /// A server about to move to its drill network (written before the call).
    Isolating {
        /// Server.
        server: String,
        /// Drill subnet.
        subnet: String,
    },
    /// AWS confirmed a drill network.
    Isolated {
        /// Server.
        server: String,
        /// Drill subnet.
        subnet: String,
    },
    /// Recovery network settings put back.
    NetworkRestored {
        /// Server.
        server: String,
    },
    /// A batch was written down before its `StartRecovery`.
    BatchAdmitted {
        /// Batch key.
        key: String,
        /// Servers in it.
        servers: usize,
    },
    /// DRS accepted a batch's job.
    JobStarted {
        /// Batch.
        key: String,
        /// Job.
        job: String,
        /// Servers.
        servers: usize,
    },
    /// A batch's job was found again by its tags.
    JobFound {
        /// Batch.
        key: String,
        /// Job.
        job: String,
    },
    /// A start whose outcome is unknown: the next attempt looks for the job first.
    StartUncertain {
        /// Batch.
        key: String,
        /// The error.
        error: String,
    },
    /// A start not carried out (throttled, quota full, credentials): tried again later.
    StartDeferred {
        /// Batch.
        key: String,
        /// The error.
        error: String,
    },
    /// DRS refused a batch for good: its servers failed.
    StartRefused {
        /// Batch.
        key: String,
        /// The error.
        error: String,
    },
    /// A batch whose job is known not to exist is about to be started again (written before
    /// the call).
    StartingAgain {
        /// Batch.
        key: String,
    },
    /// Launch-into settings about to be put back (written before the calls).
    RestoringLaunchInto {
        /// Servers.
        servers: Vec<String>,
    },
    /// A server's recovery network about to be put back (written before the call).
    RestoringNetwork {
        /// Server.
        server: String,
    },
    /// A stopped DR instance about to be disconnected from DRS (written before the call).
    Disconnecting {
        /// Recovery instance.
        recovery_instance: String,
    },
    /// A batch was never started (cancelled before it could).
    BatchCancelled {
        /// Batch.
        key: String,
    },
    /// A job ended and its log was read.
    JobEnded {
        /// Job.
        job: String,
        /// Servers launched.
        launched: usize,
        /// Servers failed.
        failed: usize,
    },
    /// Launches into DR instances checked (instance ID and private IP kept).
    LaunchIntoChecked {
        /// Servers checked.
        servers: usize,
        /// Of which failed the check.
        failed: usize,
    },
    /// Something failed and is retried later.
    Retrying {
        /// What.
        what: String,
        /// The error.
        error: String,
    },
    /// A drill's cleanup waits for a person.
    CleanupAwaitsConfirmation,
    /// A drill's cleanup started.
    CleanupStarted,
    /// The drill's own recovery instances were listed (written before anything is sent).
    CleanupListed {
        /// To terminate.
        terminate: usize,
        /// To stop and disconnect (DR instances, termination protection).
        keep: usize,
    },
    /// Recovery instances about to be terminated (written before the call).
    Terminating {
        /// Target.
        target: String,
        /// How many.
        instances: usize,
    },
    /// A TERMINATE job started.
    TerminateJob {
        /// Target.
        target: String,
        /// Job.
        job: String,
    },
    /// Instances about to be stopped (written before the call).
    Stopping {
        /// EC2 instances.
        instances: Vec<String>,
    },
    /// Stopped and disconnected from DRS.
    Disconnected {
        /// Recovery instance.
        recovery_instance: String,
    },
    /// Cleanup verified: none of the drill's recovery instances is left.
    CleanupVerified,
    /// A person gave up on the cleanup and restores.
    Abandoned {
        /// What is left.
        left: String,
    },
    /// Reversed replication about to be started for these servers (written before the call).
    Reversing {
        /// Servers.
        servers: Vec<String>,
    },
    /// Servers' recovery instances replicate the other way (answered, or found again):
    /// "name → s-…" each.
    Reversed {
        /// Servers with the source server of the other direction.
        servers: Vec<String>,
    },
    /// Reversed replications finished their initial sync.
    InSync {
        /// Servers.
        servers: Vec<String>,
    },
    /// Recovery-region instances about to be stopped before their failback (written before
    /// the call).
    StoppingForFailback {
        /// EC2 instances.
        instances: Vec<String>,
    },
    /// Original instances about to be tagged and stopped for their failback (written before
    /// the calls): "name: i-…" each.
    PreparingOriginals {
        /// Servers with their original instance.
        servers: Vec<String>,
    },
    /// Failback source servers' launch-into settings about to be set (written before the
    /// calls): "name → i-…" (the original instance) or "name → a new instance" each.
    SettingLaunchInto {
        /// Servers with what they launch into.
        servers: Vec<String>,
    },
    /// Servers ready to fail back: recovery instance stopped, lag under the threshold.
    ReadyToFailBack {
        /// Servers.
        servers: Vec<String>,
    },
    /// The execution ended.
    Ended {
        /// How.
        status: ExecutionStatus,
    },
}

impl Event {
    /// A routine poll, not kept in the event list.
    pub fn is_routine(&self) -> bool {
        matches!(self, Self::Tick)
    }
}

fn list(items: &[String]) -> String {
    const SHOWN: usize = 5;
    if items.len() <= SHOWN {
        items.join(", ")
    } else {
        format!(
            "{} and {} more",
            items[..SHOWN].join(", "),
            items.len() - SHOWN
        )
    }
}

impl std::fmt::Display for Event {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Created => write!(f, "created"),
            Self::Resumed => write!(f, "resumed"),
            Self::Native { what } => write!(f, "DRS: {what}"),
            Self::Tick => write!(f, "tick"),
            Self::Paused => write!(f, "paused"),
            Self::Unpaused => write!(f, "going on after a pause"),
            Self::CancelRequested => write!(f, "cancel requested"),
            Self::Gap { seconds } => write!(
                f,
                "the engine did not run for {} (the computer slept or the process was stopped); not counted against wave timeouts",
                crate::readiness::human_seconds((*seconds).max(0) as u64)
            ),
            Self::WaveStarted { wave } => write!(f, "wave \"{wave}\" started"),
            Self::WaveWaitingApproval { wave } => write!(f, "wave \"{wave}\" waits for an approval"),
            Self::StepWaiting { wave, step } => write!(f, "wave \"{wave}\": step \"{step}\" waits for a person to confirm it"),
            Self::StepConfirmed { wave, step, by } => write!(f, "wave \"{wave}\": step \"{step}\" confirmed by {by}"),
            Self::StepFailed { wave, step, why } => write!(f, "wave \"{wave}\": step \"{step}\" failed: {why}"),
            Self::ActionsPassed { server, actions } => write!(f, "{server}: {actions} required post-launch action(s) succeeded"),
            Self::ActionsFailed { server, why } => write!(f, "{server} failed: {why}"),
            Self::StepStarted { wave, step, kind } => write!(f, "wave \"{wave}\": {kind} step \"{step}\" started"),
            Self::StepSending { wave, step, action, token } => write!(f, "wave \"{wave}\": step \"{step}\": sending {action} (token {token})"),
            Self::StepSent { wave, step, id } => write!(f, "wave \"{wave}\": step \"{step}\": accepted as {id}"),
            Self::StepDone { wave, step, summary } => write!(f, "wave \"{wave}\": step \"{step}\" done: {summary}"),
            Self::StepAsks { wave, step, why } => write!(f, "wave \"{wave}\": step \"{step}\" failed ({why}); waits for a person to let the plan go on or cancel it"),
            Self::WaveTimedOut { wave, minutes, not_started, jobs_running } => write!(
                f,
                "wave \"{wave}\" timed out after {minutes} min: {not_started} server(s) not started; {jobs_running} job(s) followed to their end"
            ),
            Self::WaveEnded { wave, status } => write!(f, "wave \"{wave}\" {}", match status {
                WaveStatus::Completed => "completed",
                WaveStatus::Failed => "failed",
                WaveStatus::Skipped => "skipped",
                _ => "ended",
            }),
            Self::WavesSkipped { waves, why } => write!(f, "not run: {} ({why})", list(waves)),
            Self::ServerNotLaunched { server, why } => write!(f, "{server} will not launch: {why}"),
            Self::Suspending { servers } => write!(f, "suspending launch-into for the drill: {}", list(servers)),
            Self::SuspensionsConfirmed { servers } => write!(f, "launch-into suspended (AWS confirmed): {}", list(servers)),
            Self::LaunchIntoRestored { servers } => write!(f, "launch-into restored: {}", list(servers)),
            Self::Isolating { server, subnet } => write!(f, "moving {server} to the drill network {subnet}"),
            Self::Isolated { server, subnet } => write!(f, "{server} isolated in {subnet}"),
            Self::NetworkRestored { server } => write!(f, "restored the recovery network of {server}"),
            Self::BatchAdmitted { key, servers } => write!(f, "batch {key} admitted ({servers} servers)"),
            Self::JobStarted { key, job, servers } => write!(f, "started job {job} for batch {key} ({servers} servers)"),
            Self::JobFound { key, job } => write!(f, "found job {job} of batch {key} again by its tags"),
            Self::StartUncertain { key, error } => write!(f, "batch {key}: the answer to StartRecovery was lost ({error}); looking for its job before starting it again"),
            Self::StartDeferred { key, error } => write!(f, "batch {key} not started yet ({error}); trying again"),
            Self::StartRefused { key, error } => write!(f, "batch {key} refused by DRS: {error}"),
            Self::StartingAgain { key } => write!(f, "starting batch {key} (no job of it exists)"),
            Self::RestoringLaunchInto { servers } => write!(f, "restoring launch-into: {}", list(servers)),
            Self::RestoringNetwork { server } => write!(f, "restoring the recovery network of {server}"),
            Self::Disconnecting { recovery_instance } => write!(f, "disconnecting {recovery_instance} from DRS"),
            Self::BatchCancelled { key } => write!(f, "batch {key} cancelled before it started"),
            Self::JobEnded { job, launched, failed } => write!(f, "job {job} ended: {launched} launched, {failed} failed"),
            Self::LaunchIntoChecked { servers, failed } => write!(f, "launch-into instances checked: {servers}, {failed} not as expected"),
            Self::Retrying { what, error } => write!(f, "retrying {what}: {error}"),
            Self::CleanupAwaitsConfirmation => write!(f, "cleanup awaits confirmation"),
            Self::CleanupStarted => write!(f, "cleanup"),
            Self::CleanupListed { terminate, keep } => write!(f, "cleanup: {terminate} drill instance(s) to terminate, {keep} DR instance(s) to stop and disconnect"),
            Self::Terminating { target, instances } => write!(f, "terminating {instances} drill instance(s) on {target}"),
            Self::TerminateJob { target, job } => write!(f, "cleanup job {job} on {target}"),
            Self::Stopping { instances } => write!(f, "stopping DR instance(s) {}", list(instances)),
            Self::Disconnected { recovery_instance } => write!(f, "stopped and disconnected {recovery_instance}"),
            Self::CleanupVerified => write!(f, "cleanup verified"),
            Self::Abandoned { left } => write!(f, "cleanup and restores abandoned by a person; left: {left}"),
            Self::Reversing { servers } => write!(f, "starting reversed replication: {}", list(servers)),
            Self::Reversed { servers } => write!(f, "replicating the other way: {}", list(servers)),
            Self::InSync { servers } => write!(f, "initial sync done, replicating continuously: {}", list(servers)),
            Self::StoppingForFailback { instances } => write!(f, "stopping recovery instance(s) before their failback: {}", list(instances)),
            Self::PreparingOriginals { servers } => write!(f, "tagging and stopping original instances: {}", list(servers)),
            Self::SettingLaunchInto { servers } => write!(f, "setting launch-into for the failback: {}", list(servers)),
            Self::ReadyToFailBack { servers } => write!(f, "ready to fail back (recovery instance stopped, lag under the threshold): {}", list(servers)),
            Self::Ended { status } => write!(f, "ended ({})", status.as_str()),
        }
    }
}
