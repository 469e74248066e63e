//! Executions from the window: start a drill or a recovery, follow any execution live (states
//! read from the journal, whoever drives it: this window, a terminal, cron), send requests
//! (pause, resume, cancel, approve, confirm cleanup, abandon) without driving, resume or take
//! over an execution nobody drives, and read the history.

use super::{with_store, with_store_and_keychain, CmdResult, IpcError};
use crate::execute::{self, Driver, StartError, StartOptions};
use crate::AppState;
use drs_core::execution::{
    self, Clock, Clouds, DriveOptions, Event, Execution, ExecutionKind, ExecutionStatus, Journal,
};
use drs_store::{ExecutionEvent, ExecutionSummary, Request, Store};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tauri::ipc::Channel;
use tauri::{AppHandle, Manager, Runtime, State};

/// How often the window looks at the journal for executions to follow.
const FOLLOW_EVERY: Duration = Duration::from_millis(400);

/// Live-view subscribers per execution, and the executions this window drives.
#[derive(Default, Clone)]
pub struct Watchers {
    channels: Arc<Mutex<BTreeMap<String, Vec<Channel<Execution>>>>>,
    driving: Arc<Mutex<BTreeSet<String>>>,
}

impl Watchers {
    fn add(&self, id: &str, channel: Channel<Execution>) {
        if let Ok(mut c) = self.channels.lock() {
            c.entry(id.to_string()).or_default().push(channel);
        }
    }

    fn watched(&self) -> Vec<String> {
        self.channels
            .lock()
            .map(|c| c.keys().cloned().collect())
            .unwrap_or_default()
    }

    fn send(&self, e: &Execution) {
        if let Ok(mut c) = self.channels.lock() {
            if let Some(list) = c.get_mut(&e.id) {
                // A closed window's channel fails: forget it.
                list.retain(|ch| ch.send(e.clone()).is_ok());
            }
        }
    }

    fn is_driving(&self, id: &str) -> bool {
        self.driving.lock().is_ok_and(|d| d.contains(id))
    }
}

/// What deserves a desktop notification between two states of an execution: a wave that
/// starts waiting for an approval, or the end. `(title, body)`.
pub fn notice(before: Option<&Execution>, now: &Execution) -> Option<(String, String)> {
    let kind = match now.kind {
        ExecutionKind::Drill => "Drill",
        ExecutionKind::Recovery => "Recovery",
    };
    if now.status.is_final() && before.is_none_or(|b| !b.status.is_final()) {
        let (launched, failed, _, _) = now.counts();
        let word = match now.status {
            ExecutionStatus::Completed => "completed",
            ExecutionStatus::Failed => "failed",
            _ => "cancelled",
        };
        return Some((
            format!("{kind} of {} {word}", now.plan),
            format!(
                "{launched} launched, {failed} failed; cleanup {}",
                now.cleanup.status
            ),
        ));
    }
    let waiting = |e: &Execution, name: &str| {
        e.waves
            .iter()
            .any(|w| w.name == name && w.status == execution::WaveStatus::WaitingApproval)
    };
    now.waves
        .iter()
        .find(|w| {
            w.status == execution::WaveStatus::WaitingApproval
                && !before.is_some_and(|b| waiting(b, &w.name))
        })
        .map(|w| {
            (
                format!("{kind} of {} needs an approval", now.plan),
                format!(
                    "Wave \"{}\" ({} servers) waits for an approval.",
                    w.name,
                    w.servers.len()
                ),
            )
        })
}

/// Shows a desktop notification (best effort: a desktop without a notification service has
/// none, and the live view still shows everything).
pub type Notifier = Box<dyn Fn(&str, &str) + Send + Sync>;

fn notifier<R: Runtime>(app: &AppHandle<R>) -> Notifier {
    use tauri_plugin_notification::NotificationExt;
    let app = app.clone();
    Box::new(move |title: &str, body: &str| {
        let _ = app.notification().builder().title(title).body(body).show();
    })
}

/// Follows every unfinished execution and every watched one from the journal while the app
/// runs: each new state goes to the live views, and approvals and endings raise a desktop
/// notification — whichever process drives the execution.
pub fn spawn_follower<R: Runtime>(app: AppHandle<R>) {
    let notify = notifier(&app);
    tauri::async_runtime::spawn(async move {
        let mut seen: BTreeMap<String, i64> = BTreeMap::new();
        let mut last: BTreeMap<String, Execution> = BTreeMap::new();
        let mut first = true;
        loop {
            tokio::time::sleep(FOLLOW_EVERY).await;
            let state = app.state::<AppState>();
            let watched = state.watchers.watched();
            let store = Arc::clone(&state.store);
            let known = seen.clone();
            let changed = tauri::async_runtime::spawn_blocking(move || {
                let guard = store.lock().ok()?;
                let s = guard.as_ref()?;
                let versions = s.execution_versions(&watched).ok()?;
                let mut out = Vec::new();
                for (id, v) in versions {
                    if known.get(&id) != Some(&v) {
                        if let Ok(e) = s.execution(&id) {
                            out.push((v, e));
                        }
                    }
                }
                Some(out)
            })
            .await
            .ok()
            .flatten()
            .unwrap_or_default();
            for (version, e) in changed {
                seen.insert(e.id.clone(), version);
                state.watchers.send(&e);
                // Executions that were already there when the app opened are not announced.
                if !first {
                    if let Some((title, body)) = notice(last.get(&e.id), &e) {
                        notify(&title, &body);
                    }
                }
                last.insert(e.id.clone(), e);
            }
            first = false;
        }
    });
}

fn start_error(e: StartError) -> IpcError {
    match e {
        StartError::NotReady { .. } => IpcError::new("not_ready", e.to_string()),
        StartError::Store(s) => s.into(),
        StartError::Plan(_) => IpcError::new("invalid", e.to_string()),
        StartError::Overlap(_) => IpcError::new("conflict", e.to_string()),
        other => IpcError::new("aws", other.to_string()),
    }
}

/// Drives `e` on the async runtime until it ends (or waits for a cleanup confirmation), then
/// lets its lease go.
fn spawn_driver(
    state: &AppState,
    e: Execution,
    clouds: Clouds,
    clock: Arc<dyn Clock>,
    options: DriveOptions,
    driver: Driver,
) {
    let watchers = state.watchers.clone();
    if let Ok(mut d) = watchers.driving.lock() {
        d.insert(e.id.clone());
    }
    tauri::async_runtime::spawn(async move {
        let id = e.id.clone();
        if let Err(err) = execution::drive(
            e,
            &clouds,
            driver.journal(),
            clock.as_ref(),
            &options,
            false,
        )
        .await
        {
            eprintln!("execution {id}: {err}");
        }
        drop(driver);
        if let Ok(mut d) = watchers.driving.lock() {
            d.remove(&id);
        }
    });
}

/// Starts a drill or a recovery of `plan`; returns its ID. Its states stream on `events`.
#[tauri::command]
#[allow(clippy::too_many_arguments)]
pub async fn execution_start<R: Runtime>(
    _app: AppHandle<R>,
    state: State<'_, AppState>,
    plan: String,
    kind: ExecutionKind,
    override_readiness: bool,
    auto_cleanup: bool,
    confirm: Option<String>,
    events: Channel<Execution>,
) -> CmdResult<String> {
    if kind == ExecutionKind::Recovery {
        execute::confirm_recovery(&plan, confirm.as_deref())
            .map_err(|m| IpcError::new("invalid", m))?;
    }
    let name = plan.clone();
    let setup = with_store_and_keychain(&state, move |s, keychain| {
        execute::setup(s, keychain, &name).map_err(start_error)
    })
    .await?;
    let options = StartOptions {
        kind,
        override_readiness,
        auto_cleanup,
        actor: state.actor.clone(),
    };
    // `start` needs the store behind a plain mutex: open a connection of its own.
    let store = std::sync::Mutex::new(Store::open(&state.data_dir).map_err(IpcError::from)?);
    let ready = execute::start(setup, &store, &state.sandbox, &options)
        .await
        .map_err(start_error)?;
    let driver = Driver::begin(&state.data_dir, &ready.execution.id, "window")?;
    driver
        .journal()
        .record(&ready.execution, &Event::Created)
        .map_err(|e| IpcError::new("internal", e.to_string()))?;
    let id = ready.execution.id.clone();
    state.watchers.add(&id, events);
    state.watchers.send(&ready.execution);
    spawn_driver(
        &state,
        ready.execution,
        ready.clouds,
        ready.clock,
        ready.options,
        driver,
    );
    Ok(id)
}

/// Streams an execution's states on `events` (the current one at once), whoever drives it.
#[tauri::command]
pub fn execution_watch(
    state: State<'_, AppState>,
    id: String,
    events: Channel<Execution>,
) -> CmdResult<Execution> {
    let e = with_store(&state, |s| s.execution(&id))?;
    state.watchers.add(&id, events);
    Ok(e)
}

/// The newest executions.
#[tauri::command]
pub fn execution_list(state: State<'_, AppState>) -> CmdResult<Vec<ExecutionSummary>> {
    with_store(&state, |s| s.executions(500))
}

/// One execution, its events, and who drives it.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExecutionDetail {
    /// The state.
    pub execution: Execution,
    /// Its events, oldest first.
    pub events: Vec<ExecutionEvent>,
    /// Who drives it (from its lease).
    pub driver: drs_store::Driver,
    /// This window drives it.
    pub driving: bool,
    /// What is being retried now and why.
    pub retries: Vec<(String, String)>,
}

/// One execution with its events.
#[tauri::command]
pub fn execution_get(state: State<'_, AppState>, id: String) -> CmdResult<ExecutionDetail> {
    let (execution, events, driver) = with_store(&state, |s| {
        Ok((s.execution(&id)?, s.execution_events(&id)?, s.driver(&id)?))
    })?;
    Ok(ExecutionDetail {
        driving: state.watchers.is_driving(&id),
        retries: execution.retries(),
        execution,
        events,
        driver,
    })
}

/// What a request did.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestOutcome {
    /// Who drives the execution now (and so acts on the request).
    pub driver: drs_store::Driver,
    /// This window started driving it to act on the request (a confirmed cleanup of a drill
    /// nobody drove).
    pub driven_here: bool,
}

/// Pause, resume, cancel, approve a wave, confirm a drill's cleanup, or abandon a cleanup:
/// recorded for whichever process drives the execution. A confirmed cleanup of a drill that
/// nobody drives (its driver let go while it waited) is driven here.
#[tauri::command]
pub async fn execution_request<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    id: String,
    request: String,
    wave: Option<String>,
) -> CmdResult<RequestOutcome> {
    let actor = state.actor.clone();
    let (driver, kind) = with_store(&state, |s| {
        let r = match (request.as_str(), wave.as_deref()) {
            ("pause", _) => Request::Pause,
            ("resume", _) => Request::Resume,
            ("cancel", _) => Request::Cancel,
            ("approve", Some(w)) => Request::Approve(w),
            ("cleanup", _) => Request::ConfirmCleanup,
            ("abandon", _) => Request::Abandon,
            (other, _) => {
                return Err(drs_store::StoreError::Conflict(format!(
                "unknown request \"{other}\" (pause, resume, cancel, approve with a wave, cleanup, abandon)"
            )))
            }
        };
        s.request(&id, r, &actor)?;
        Ok((s.driver(&id)?, s.execution(&id)?.kind))
    })?;
    let free = matches!(driver, drs_store::Driver::None);
    if free && request == "cleanup" && kind == ExecutionKind::Drill {
        execution_resume(app, state.clone(), id.clone(), None, false).await?;
        let driver = with_store(&state, |s| s.driver(&id))?;
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

/// Drives here an execution that no process drives: one whose process ended (after a crash, a
/// kill, Ctrl-C) or whose cleanup was confirmed. Refused while another process drives it; a
/// driver that stopped renewing its lease is taken over only with `take_over` (audited). A real
/// recovery needs its plan's name typed again.
#[tauri::command]
pub async fn execution_resume<R: Runtime>(
    _app: AppHandle<R>,
    state: State<'_, AppState>,
    id: String,
    confirm: Option<String>,
    take_over: bool,
) -> CmdResult<()> {
    if state.watchers.is_driving(&id) {
        return Ok(());
    }
    let lookup = id.clone();
    let r = with_store_and_keychain(&state, move |s, keychain| {
        Ok(execute::resume_setup(s, keychain, &lookup)?)
    })
    .await?;
    if r.execution.status.is_final() {
        return Ok(());
    }
    if r.execution.kind == ExecutionKind::Recovery {
        execute::confirm_recovery(&r.execution.plan, confirm.as_deref()).map_err(|m| {
            IpcError::new(
                "invalid",
                format!("{m}: resuming a real recovery is confirmed like starting one"),
            )
        })?;
    }
    let driver = Driver::take(&state.data_dir, &id, "window", take_over, &state.actor)?;
    let e = with_store(&state, |s| s.execution(&id))?;
    let (clouds, clock) = execute::connect_all(r.targets, &state.sandbox).await?;
    driver
        .journal()
        .record(&e, &Event::Resumed)
        .map_err(|err| IpcError::new("conflict", err.to_string()))?;
    spawn_driver(&state, e, clouds, clock, r.options, driver);
    Ok(())
}

/// An unfinished execution no live process drives.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Orphan {
    /// The execution.
    #[serde(flatten)]
    pub summary: ExecutionSummary,
    /// Its lease: nobody, or a driver that stopped renewing it.
    pub driver: drs_store::Driver,
}

/// Unfinished executions that no live process drives (their process died, was stopped, or let
/// go): the window offers to resume them (a recovery after its name is typed again; a stopped
/// driver after an explicit take-over). Nothing is resumed without a person asking.
#[tauri::command]
pub fn execution_orphans(state: State<'_, AppState>) -> CmdResult<Vec<Orphan>> {
    with_store(&state, |s| {
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
    fn approvals_and_endings_are_noticed_once() {
        let running = exec("running", "pending");
        let waiting = exec("running", "waitingApproval");
        let (title, body) = notice(Some(&running), &waiting).unwrap();
        assert_eq!(title, "Drill of retail-dr needs an approval");
        assert!(body.contains("Wave \"web\""));
        assert_eq!(notice(Some(&waiting), &waiting), None, "once");
        let done = exec("completed", "completed");
        let (title, body) = notice(Some(&waiting), &done).unwrap();
        assert_eq!(title, "Drill of retail-dr completed");
        assert!(body.contains("cleanup verified"), "{body}");
        assert_eq!(notice(Some(&done), &done), None);
        assert_eq!(notice(Some(&running), &running), None);
    }
}
