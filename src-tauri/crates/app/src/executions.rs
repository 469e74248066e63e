//! Executions as both faces use them: start and resume (the rules: a recovery's name typed
//! again, one driver per execution), requests to whichever process drives one, the executions
//! nobody drives, what is worth telling people as an execution goes, and following every
//! execution from the journal whoever drives it (observers get each new state).

use crate::execute::{self, Driver, StartOptions};
use crate::{App, AppError, ErrorCode};
use drs_core::execution::{
    self, Clock, Clouds, DriveOptions, Event, Execution, ExecutionKind, ExecutionStatus, Journal,
    JournalError, WaveStatus,
};
use drs_store::{ExecutionEvent, ExecutionSummary, Request, Store};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How often executions are looked at in the journal to follow them.
pub const FOLLOW_EVERY: Duration = Duration::from_millis(400);

/// Receives each new state of an execution (the window's live view over a channel).
pub trait Observer: Send + Sync {
    /// A new state; `false` when the observer is gone (a closed view) and can be dropped.
    fn state(&self, e: &Execution) -> bool;
}

/// The executions this process drives, and who watches which.
#[derive(Default)]
pub struct Registry {
    observers: Mutex<BTreeMap<String, Vec<Arc<dyn Observer>>>>,
    driving: Mutex<BTreeSet<String>>,
}

impl Registry {
    /// Sends `id`'s new states to `observer`.
    pub fn watch(&self, id: &str, observer: Arc<dyn Observer>) {
        if let Ok(mut o) = self.observers.lock() {
            o.entry(id.to_string()).or_default().push(observer);
        }
    }

    fn watched(&self) -> Vec<String> {
        self.observers
            .lock()
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default()
    }

    fn send(&self, e: &Execution) {
        if let Ok(mut o) = self.observers.lock() {
            if let Some(list) = o.get_mut(&e.id) {
                list.retain(|x| x.state(e));
            }
        }
    }

    /// This process drives `id`.
    pub fn is_driving(&self, id: &str) -> bool {
        self.driving.lock().is_ok_and(|d| d.contains(id))
    }
}

/// What deserves telling people between two states of an execution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// A wave started waiting for an approval.
    WaitingApproval {
        /// Wave.
        wave: String,
        /// Its servers.
        servers: usize,
    },
    /// The drill is done and its cleanup waits for a confirmation.
    CleanupAwaits,
    /// The execution ended.
    Ended {
        /// How.
        status: ExecutionStatus,
        /// Servers launched.
        launched: usize,
        /// Servers failed.
        failed: usize,
        /// The cleanup's status.
        cleanup: String,
    },
}

impl Notice {
    /// As a desktop notification: `(title, body)`.
    pub fn words(&self, e: &Execution) -> (String, String) {
        let kind = e.label();
        match self {
            Self::WaitingApproval { wave, servers } => (
                format!("{kind} of {} needs an approval", e.plan),
                format!("Wave \"{wave}\" ({servers} servers) waits for an approval."),
            ),
            Self::CleanupAwaits => (
                format!("{kind} of {} is done", e.plan),
                format!(
                    "Its recovery instances are still running; clean up: drs-orchestrator cleanup --execution {}",
                    e.id
                ),
            ),
            Self::Ended {
                status,
                launched,
                failed,
                cleanup,
            } => {
                let word = match status {
                    ExecutionStatus::Completed => "completed",
                    ExecutionStatus::Failed => "failed",
                    _ => "cancelled",
                };
                (
                    format!("{kind} of {} {word}", e.plan),
                    format!("{launched} launched, {failed} failed; cleanup {cleanup}"),
                )
            }
        }
    }
}

/// What changed between two states that people should be told (approvals awaited, a cleanup
/// awaiting its confirmation, the end), each once.
pub fn notices(before: Option<&Execution>, now: &Execution) -> Vec<Notice> {
    let mut out = Vec::new();
    if now.status.is_final() && before.is_none_or(|b| !b.status.is_final()) {
        let (launched, failed, _, _) = now.counts();
        out.push(Notice::Ended {
            status: now.status,
            launched,
            failed,
            cleanup: now.cleanup.status.clone(),
        });
        return out;
    }
    let waiting = |e: &Execution, name: &str| {
        e.waves
            .iter()
            .any(|w| w.name == name && w.status == WaveStatus::WaitingApproval)
    };
    for w in &now.waves {
        if w.status == WaveStatus::WaitingApproval && !before.is_some_and(|b| waiting(b, &w.name)) {
            out.push(Notice::WaitingApproval {
                wave: w.name.clone(),
                servers: w.servers.len(),
            });
        }
    }
    if now.cleanup.status == "awaitingConfirmation"
        && before.is_none_or(|b| b.cleanup.status != "awaitingConfirmation")
    {
        out.push(Notice::CleanupAwaits);
    }
    out
}

/// One execution, its events, and who drives it.
#[derive(Debug, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub struct ExecutionDetail {
    /// The state.
    pub execution: Execution,
    /// Its events, oldest first.
    pub events: Vec<ExecutionEvent>,
    /// Who drives it (from its lease).
    pub driver: drs_store::Driver,
    /// This process drives it.
    pub driving: bool,
    /// What is being retried now and why.
    pub retries: Vec<(String, String)>,
    /// Its recovery time so far: launch-only and to "application up".
    pub rto: drs_core::execution::RtoMeasure,
}

/// What a request did.
#[derive(Debug, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub struct RequestOutcome {
    /// Who drives the execution now (and so acts on the request).
    pub driver: drs_store::Driver,
    /// This process started driving it to act on the request (a confirmed cleanup of a drill
    /// nobody drove).
    pub driven_here: bool,
}

/// An unfinished execution no live process drives.
#[derive(Debug, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub struct Orphan {
    /// The execution.
    #[serde(flatten)]
    pub summary: ExecutionSummary,
    /// Its lease: nobody, or a driver that stopped renewing it.
    pub driver: drs_store::Driver,
}

/// A request people make of an execution, by its name (`pause`, `resume`, `cancel`,
/// `approve` with a wave, `cleanup`, `abandon`).
pub fn parse_request<'a>(name: &str, wave: Option<&'a str>) -> Result<Request<'a>, AppError> {
    Ok(match (name, wave) {
        ("pause", _) => Request::Pause,
        ("resume", _) => Request::Resume,
        ("cancel", _) => Request::Cancel,
        ("approve", Some(w)) => Request::Approve(w),
        ("cleanup", _) => Request::ConfirmCleanup,
        ("abandon", _) => Request::Abandon,
        (other, _) => {
            return Err(AppError::new(
                ErrorCode::Invalid,
                format!("unknown request \"{other}\" (pause, resume, cancel, approve with a wave, cleanup, abandon)"),
            ))
        }
    })
}

/// Hears each state of an execution this process drives, after the journal holds it.
pub type Listener<'a> = &'a (dyn Fn(&Execution, &Event) + Send + Sync);

/// Marks an execution as driven by this process for as long as it lives.
struct DrivingMark<'a> {
    registry: &'a Registry,
    id: String,
}

impl<'a> DrivingMark<'a> {
    fn new(registry: &'a Registry, id: &str) -> Self {
        if let Ok(mut d) = registry.driving.lock() {
            d.insert(id.to_string());
        }
        Self {
            registry,
            id: id.to_string(),
        }
    }
}

impl Drop for DrivingMark<'_> {
    fn drop(&mut self) {
        if let Ok(mut d) = self.registry.driving.lock() {
            d.remove(&self.id);
        }
    }
}

/// The driver's journal, telling a listener what it wrote.
struct Listening<'a> {
    inner: &'a dyn Journal,
    listener: Option<Listener<'a>>,
}

impl Journal for Listening<'_> {
    fn record(&self, e: &Execution, event: &Event) -> Result<(), JournalError> {
        self.inner.record(e, event)?;
        if !event.is_routine() {
            tracing::info!(execution = %e.id, status = e.status.as_str(), "{event}");
        }
        if let Some(l) = self.listener {
            l(e, event);
        }
        Ok(())
    }

    fn control(&self, id: &str) -> Result<drs_core::execution::Control, JournalError> {
        self.inner.control(id)
    }

    fn active_elsewhere(
        &self,
        execution: &str,
        target: &str,
    ) -> Result<(usize, usize), JournalError> {
        self.inner.active_elsewhere(execution, target)
    }
}

/// An execution ready to be driven by this process: its state, connections, clock, options,
/// and the lease-holding driver. `App::drive` runs it; the CLI runs it in the foreground.
pub struct Ready {
    /// The execution.
    pub execution: Execution,
    /// Its targets' connections.
    pub clouds: Clouds,
    /// Its clock.
    pub clock: Arc<dyn Clock>,
    /// How to drive it.
    pub options: DriveOptions,
    /// The lease holder.
    pub driver: Driver,
}

impl App {
    /// Starts a drill or a recovery of `plan` (a recovery needs the plan's name in `confirm`):
    /// readiness, overlap and identity checks, then the execution is written to the journal
    /// under a lease this process holds. `face` names the process in the lease (`cli`,
    /// `window`).
    pub async fn start_execution(
        &self,
        plan: &str,
        options: StartOptions,
        confirm: Option<&str>,
        face: &str,
    ) -> Result<Ready, AppError> {
        if options.kind == ExecutionKind::Recovery {
            execute::confirm_recovery(plan, confirm)
                .map_err(|m| AppError::new(ErrorCode::Invalid, m))?;
        }
        let name = plan.to_string();
        let setup = self
            .with_store_and_keychain(move |s, k| Ok(execute::setup(s, k, &name)?))
            .await?;
        let store = Mutex::new(Store::open(self.data_dir())?);
        let ready = execute::start(setup, &store, self.sandbox(), &options).await?;
        self.begin_execution(
            ready.execution,
            ready.clouds,
            ready.clock,
            ready.options,
            face,
        )
    }

    /// Writes a new execution to the journal under a lease this process takes (`face` names it:
    /// `cli`, `window`), ready to be driven here.
    pub fn begin_execution(
        &self,
        execution: Execution,
        clouds: Clouds,
        clock: Arc<dyn Clock>,
        options: DriveOptions,
        face: &str,
    ) -> Result<Ready, AppError> {
        let driver = Driver::begin(self.data_dir(), &execution.id, face)?;
        driver
            .journal()
            .record(&execution, &Event::Created)
            .map_err(|e| AppError::new(ErrorCode::Internal, e.to_string()))?;
        tracing::info!(
            execution = %execution.id,
            "{} of plan \"{}\" started by {} ({face})",
            execution.label(),
            execution.plan,
            self.actor()
        );
        Ok(Ready {
            execution,
            clouds,
            clock,
            options,
            driver,
        })
    }

    /// Takes up an execution no process drives (after a crash, Ctrl-C, a confirmed cleanup):
    /// refused while another process drives it; a driver that stopped renewing its lease is
    /// taken over only with `take_over` (audited); a real recovery needs its plan's name again.
    /// `Ok(None)` when it has ended already.
    pub async fn resume_execution(
        &self,
        id: &str,
        confirm: Option<&str>,
        take_over: bool,
        face: &str,
    ) -> Result<Option<Ready>, AppError> {
        let lookup = id.to_string();
        let r = self
            .with_store_and_keychain(move |s, k| Ok(execute::resume_setup(s, k, &lookup)?))
            .await?;
        if r.execution.status.is_final() {
            return Ok(None);
        }
        if r.execution.native.as_ref().is_some_and(|n| n.drs_drives()) {
            return Err(AppError::new(
                ErrorCode::Conflict,
                format!("execution {id} is DRS's run of a native recovery plan: the app does not drive it; follow it with: drs-orchestrator native follow {id}"),
            ));
        }
        if r.execution.kind == ExecutionKind::Recovery {
            execute::confirm_recovery(&r.execution.plan, confirm).map_err(|m| {
                AppError::new(
                    ErrorCode::Invalid,
                    format!("{m}: resuming a real recovery is confirmed like starting one"),
                )
            })?;
        }
        let driver = Driver::take(self.data_dir(), id, face, take_over, self.actor())?;
        // The journal as it is now (a stopped driver may have written after it was read).
        let e = self.with_store(|s| Ok(s.execution(id)?))?;
        let (clouds, clock) = execute::connect_all(r.targets, self.sandbox()).await?;
        // A failback (drill) acts in the origin region.
        let clouds = crate::failback::clouds_for(&e, clouds)?;
        driver
            .journal()
            .record(&e, &Event::Resumed)
            .map_err(|err| AppError::new(ErrorCode::Conflict, err.to_string()))?;
        tracing::info!(
            execution = %id,
            "resumed by {} ({face}){}",
            self.actor(),
            if take_over { ", taking over" } else { "" }
        );
        Ok(Some(Ready {
            execution: e,
            clouds,
            clock,
            options: r.options,
            driver,
        }))
    }

    /// Drives `ready` until it ends (or its cleanup waits for a confirmation), then lets its
    /// lease go. `listener` hears each state once the journal holds it (the CLI's progress).
    pub async fn drive(
        &self,
        ready: Ready,
        listener: Option<Listener<'_>>,
    ) -> Result<Execution, AppError> {
        // Unmarked however the drive ends, even when its future is dropped (Ctrl-C).
        let _mark = DrivingMark::new(self.executions(), &ready.execution.id);
        let journal = Listening {
            inner: ready.driver.journal(),
            listener,
        };
        let result = execution::drive(
            ready.execution,
            &ready.clouds,
            &journal,
            ready.clock.as_ref(),
            &ready.options,
            false,
        )
        .await;
        Ok(result?)
    }

    /// Drives `ready` on the runtime in the background (the window).
    pub fn drive_in_background(&self, ready: Ready) {
        let app = self.clone();
        if let Ok(mut d) = self.executions().driving.lock() {
            d.insert(ready.execution.id.clone());
        }
        tokio::spawn(async move {
            let id = ready.execution.id.clone();
            if let Err(err) = app.drive(ready, None).await {
                tracing::error!(execution = %id, "driving stopped: {}", err.message);
                app.notify(&format!("Execution {id} stopped"), &err.message);
            }
        });
    }

    /// Records a request for whichever process drives `id`. A confirmed cleanup of a drill
    /// nobody drives (its driver let go while it waited) is driven by this process.
    pub async fn request_execution(
        &self,
        id: &str,
        request: &str,
        wave: Option<&str>,
    ) -> Result<RequestOutcome, AppError> {
        let r = parse_request(request, wave)?;
        let actor = self.actor().to_string();
        tracing::info!(execution = %id, "{request} asked by {actor}");
        let (driver, kind) = self.with_store(|s| {
            s.request(id, r, &actor)?;
            Ok((s.driver(id)?, s.execution(id)?.kind))
        })?;
        if matches!(driver, drs_store::Driver::None)
            && request == "cleanup"
            && kind == ExecutionKind::Drill
        {
            if let Some(ready) = self.resume_execution(id, None, false, "window").await? {
                self.drive_in_background(ready);
            }
            let driver = self.with_store(|s| Ok(s.driver(id)?))?;
            return Ok(RequestOutcome {
                driver,
                driven_here: true,
            });
        }
        Ok(RequestOutcome {
            driver,
            driven_here: false,
        })
    }

    /// A person confirms a wave's step (a manual step). Without a wave, the step's name must
    /// be unique in the execution.
    pub fn confirm_step(
        &self,
        id: &str,
        wave: Option<&str>,
        step: &str,
    ) -> Result<RequestOutcome, AppError> {
        let actor = self.actor().to_string();
        let driver = self.with_store(|s| {
            let e = s.execution(id)?;
            let wave = match wave {
                Some(w) => w.to_string(),
                None => {
                    let holders: Vec<&str> = e
                        .waves
                        .iter()
                        .filter(|w| w.steps.iter().any(|x| x.name == step))
                        .map(|w| w.name.as_str())
                        .collect();
                    match holders.as_slice() {
                        [one] => one.to_string(),
                        [] => {
                            return Err(AppError::new(
                                ErrorCode::NotFound,
                                format!("execution {id} has no step \"{step}\""),
                            ))
                        }
                        many => {
                            return Err(AppError::new(
                                ErrorCode::Invalid,
                                format!(
                                    "step \"{step}\" is in waves {}: name the wave with --wave",
                                    many.join(", ")
                                ),
                            ))
                        }
                    }
                }
            };
            s.request(id, Request::ConfirmStep { wave: &wave, step }, &actor)?;
            tracing::info!(execution = %id, "step \"{step}\" of wave \"{wave}\" confirmed by {actor}");
            Ok(s.driver(id)?)
        })?;
        Ok(RequestOutcome {
            driver,
            driven_here: self.executions().is_driving(id),
        })
    }

    /// One execution with its events and who drives it.
    pub fn execution_detail(&self, id: &str) -> Result<ExecutionDetail, AppError> {
        let (execution, events, driver) =
            self.with_store(|s| Ok((s.execution(id)?, s.execution_events(id)?, s.driver(id)?)))?;
        Ok(ExecutionDetail {
            rto: execution.rto(),
            driving: self.executions().is_driving(id),
            retries: execution.retries(),
            execution,
            events,
            driver,
        })
    }

    /// Unfinished executions no live process drives (their process died, was stopped, or let
    /// go). Nothing is resumed without a person asking.
    pub fn orphaned_executions(&self) -> Result<Vec<Orphan>, AppError> {
        self.with_store(|s| {
            let mut out = Vec::new();
            for summary in s.unfinished_executions()? {
                if summary.cleanup == "awaitingConfirmation" {
                    continue;
                }
                let driver = s.driver(&summary.id)?;
                if !matches!(driver, drs_store::Driver::Live { .. }) {
                    out.push(Orphan { summary, driver });
                }
            }
            Ok(out)
        })
    }

    /// Follows every unfinished execution and every watched one from the journal while the app
    /// runs: each new state goes to its observers, and what is worth telling goes to the
    /// notifier — whichever process drives the execution.
    pub fn spawn_follower(&self) {
        let app = self.clone();
        tokio::spawn(async move {
            let mut seen: BTreeMap<String, i64> = BTreeMap::new();
            let mut last: BTreeMap<String, Execution> = BTreeMap::new();
            let mut first = true;
            loop {
                tokio::time::sleep(FOLLOW_EVERY).await;
                let watched = app.executions().watched();
                let known = seen.clone();
                let reader = app.clone();
                let changed = tokio::task::spawn_blocking(move || {
                    reader.with_store(|s| {
                        let mut out = Vec::new();
                        for (id, v) in s.execution_versions(&watched)? {
                            if known.get(&id) != Some(&v) {
                                out.push((v, s.execution(&id)?));
                            }
                        }
                        Ok(out)
                    })
                })
                .await;
                let changed = match changed {
                    Ok(Ok(c)) => {
                        app.background_problems().clear("following executions");
                        c
                    }
                    Ok(Err(e)) => {
                        app.background_problems()
                            .report("following executions", &e.message);
                        continue;
                    }
                    Err(e) => {
                        app.background_problems()
                            .report("following executions", &e.to_string());
                        continue;
                    }
                };
                for (version, e) in changed {
                    seen.insert(e.id.clone(), version);
                    app.executions().send(&e);
                    // Executions already there when the app opened are not announced.
                    if !first {
                        for n in notices(last.get(&e.id), &e) {
                            let (title, body) = n.words(&e);
                            app.notify(&title, &body);
                        }
                    }
                    last.insert(e.id.clone(), e);
                }
                first = false;
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exec(status: &str, wave: &str) -> Execution {
        serde_json::from_value(serde_json::json!({
            "id": "exec-1", "plan": "retail-dr", "planRevision": 1, "kind": "drill", "startedBy": "t",
            "startedAt": "2026-11-26T10:00:00Z", "status": status, "autoCleanup": true,
            "waves": [{"name": "web", "onFailure": "stop", "status": wave, "servers": []}],
            "cleanup": {"status": "verified"}
        }))
        .unwrap()
    }

    #[test]
    fn approvals_and_endings_are_told_once() {
        let running = exec("running", "pending");
        let waiting = exec("running", "waitingApproval");
        let n = notices(Some(&running), &waiting);
        assert_eq!(n.len(), 1);
        let (title, body) = n[0].words(&waiting);
        assert_eq!(title, "Drill of retail-dr needs an approval");
        assert!(body.contains("Wave \"web\""));
        assert!(notices(Some(&waiting), &waiting).is_empty(), "once");
        let done = exec("completed", "completed");
        let n = notices(Some(&waiting), &done);
        let (title, body) = n[0].words(&done);
        assert_eq!(title, "Drill of retail-dr completed");
        assert!(body.contains("cleanup verified"), "{body}");
        assert!(notices(Some(&done), &done).is_empty());
        assert!(notices(Some(&running), &running).is_empty());
    }

    #[test]
    fn requests_are_named_once_for_both_faces() {
        assert_eq!(
            parse_request("approve", Some("web")).unwrap(),
            Request::Approve("web")
        );
        assert_eq!(parse_request("abandon", None).unwrap(), Request::Abandon);
        let err = parse_request("approve", None).unwrap_err();
        assert_eq!(err.code, ErrorCode::Invalid);
    }
}
