//! Executions from the window: start a drill or a recovery, watch it live (state snapshots
//! streamed from Rust through a `tauri::ipc::Channel`, throttled), pause, resume, cancel,
//! approve, confirm cleanup, and read the history.

use super::{with_store, with_store_and_keychain, CmdResult, IpcError};
use crate::execute::{self, StartError, StartOptions};
use crate::AppState;
use drs_core::execution::{
    self, Control, DriveOptions, Execution, ExecutionKind, ExecutionStatus, Journal,
};
use drs_store::{ExecutionEvent, ExecutionSummary, Request, StoreJournal};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tauri::ipc::Channel;
use tauri::{AppHandle, Runtime, State};

/// Live-view subscribers per execution, and the executions this app is driving.
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

/// The store's journal, forwarding snapshots to the live views at most every 250 ms (and
/// always for events that are not routine polls), with desktop notifications for approvals and
/// the end.
struct LiveJournal {
    inner: StoreJournal,
    watchers: Watchers,
    last_sent: Mutex<Option<Instant>>,
    last_state: Mutex<Option<Execution>>,
    notify: Notifier,
}

impl Journal for LiveJournal {
    fn record(&self, e: &Execution, event: &str) -> Result<(), String> {
        self.inner.record(e, event)?;
        let due = self.last_sent.lock().map_or(true, |mut last| {
            let due =
                event != "tick" || last.is_none_or(|t| t.elapsed() >= Duration::from_millis(250));
            if due {
                *last = Some(Instant::now());
            }
            due
        });
        if due {
            self.watchers.send(e);
        }
        if let Ok(mut last) = self.last_state.lock() {
            if let Some((title, body)) = notice(last.as_ref(), e) {
                (self.notify)(&title, &body);
            }
            *last = Some(e.clone());
        }
        Ok(())
    }

    fn control(&self, id: &str) -> Result<Control, String> {
        self.inner.control(id)
    }

    fn active_elsewhere(&self, execution: &str, target: &str) -> Result<(usize, usize), String> {
        self.inner.active_elsewhere(execution, target)
    }
}

fn start_error(e: StartError) -> IpcError {
    match e {
        StartError::NotReady { .. } => IpcError::new("not_ready", e.to_string()),
        StartError::Store(s) => s.into(),
        StartError::Plan(_) => IpcError::new("invalid", e.to_string()),
        other => IpcError::new("aws", other.to_string()),
    }
}

fn notifier<R: Runtime>(app: &AppHandle<R>) -> Notifier {
    use tauri_plugin_notification::NotificationExt;
    let app = app.clone();
    Box::new(move |title: &str, body: &str| {
        let _ = app.notification().builder().title(title).body(body).show();
    })
}

/// Drives `e` on the async runtime until it ends (or waits for a cleanup confirmation).
fn spawn_driver(
    state: &AppState,
    e: Execution,
    clouds: execution::Clouds,
    options: DriveOptions,
    notify: Notifier,
) -> CmdResult<()> {
    let journal = LiveJournal {
        inner: StoreJournal::open(&state.data_dir).map_err(IpcError::from)?,
        watchers: state.watchers.clone(),
        last_sent: Mutex::new(None),
        last_state: Mutex::new(Some(e.clone())),
        notify,
    };
    let watchers = state.watchers.clone();
    if let Ok(mut d) = watchers.driving.lock() {
        d.insert(e.id.clone());
    }
    tauri::async_runtime::spawn(async move {
        let id = e.id.clone();
        if let Err(err) = execution::drive(e, &clouds, &journal, &options, false).await {
            eprintln!("execution {id}: {err}");
        }
        if let Ok(mut d) = watchers.driving.lock() {
            d.remove(&id);
        }
    });
    Ok(())
}

/// Starts a drill or a recovery of `plan`; returns its ID. Its states stream on `events`.
#[tauri::command]
#[allow(clippy::too_many_arguments)]
pub async fn execution_start<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    plan: String,
    kind: ExecutionKind,
    override_readiness: bool,
    auto_cleanup: bool,
    confirm: Option<String>,
    events: Channel<Execution>,
) -> CmdResult<String> {
    if kind == ExecutionKind::Recovery && confirm.as_deref() != Some(plan.as_str()) {
        return Err(IpcError::new(
            "invalid",
            format!("a real recovery needs the plan's name typed again (\"{plan}\")"),
        ));
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
    let journal = StoreJournal::open(&state.data_dir).map_err(IpcError::from)?;
    // `start` needs the store behind a plain mutex: open a connection of its own.
    let store =
        std::sync::Mutex::new(drs_store::Store::open(&state.data_dir).map_err(IpcError::from)?);
    let (e, clouds, drive) = execute::start(setup, &store, &state.sandbox, &journal, &options)
        .await
        .map_err(start_error)?;
    let id = e.id.clone();
    state.watchers.add(&id, events);
    state.watchers.send(&e);
    spawn_driver(&state, e, clouds, drive, notifier(&app))?;
    Ok(id)
}

/// Streams an execution's states on `events` (the current one at once).
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

/// One execution, its events, and whether this app is driving it.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExecutionDetail {
    /// The state.
    pub execution: Execution,
    /// Its events, oldest first.
    pub events: Vec<ExecutionEvent>,
    /// This app runs its engine now.
    pub driving: bool,
}

/// One execution with its events.
#[tauri::command]
pub fn execution_get(state: State<'_, AppState>, id: String) -> CmdResult<ExecutionDetail> {
    let (execution, events) = with_store(&state, |s| {
        Ok((s.execution(&id)?, s.execution_events(&id)?))
    })?;
    Ok(ExecutionDetail {
        driving: state.watchers.is_driving(&id),
        execution,
        events,
    })
}

/// Pause, resume, cancel, approve a wave, or confirm a drill's cleanup.
#[tauri::command]
pub async fn execution_request<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    id: String,
    request: String,
    wave: Option<String>,
) -> CmdResult<()> {
    let actor = state.actor.clone();
    with_store(&state, |s| {
        let r = match (request.as_str(), wave.as_deref()) {
            ("pause", _) => Request::Pause,
            ("resume", _) => Request::Resume,
            ("cancel", _) => Request::Cancel,
            ("approve", Some(w)) => Request::Approve(w),
            ("cleanup", _) => Request::ConfirmCleanup,
            (other, _) => {
                return Err(drs_store::StoreError::Conflict(format!(
                "unknown request \"{other}\" (pause, resume, cancel, approve with a wave, cleanup)"
            )))
            }
        };
        s.request(&id, r, &actor)
    })?;
    // A confirmed cleanup (or a request to an execution nobody drives) needs an engine.
    if !state.watchers.is_driving(&id) {
        execution_resume(app, state, id).await?;
    }
    Ok(())
}

/// Drives an execution that no process is driving (after a crash, or a deferred cleanup).
#[tauri::command]
pub async fn execution_resume<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    id: String,
) -> CmdResult<()> {
    if state.watchers.is_driving(&id) {
        return Ok(());
    }
    let lookup = id.clone();
    let r = with_store_and_keychain(&state, move |s, keychain| {
        Ok(execute::resume_setup(
            s,
            keychain,
            &lookup,
            Duration::from_secs(2),
        )?)
    })
    .await?;
    if r.execution.status.is_final() {
        return Ok(());
    }
    let clouds = execute::clouds(r.targets, &state.sandbox).await?;
    spawn_driver(&state, r.execution, clouds, r.options, notifier(&app))
}

/// Resumes, in this app, every execution whose process ended without finishing it (nothing has
/// written its journal for 20 seconds). Called once when the window opens; returns their IDs.
#[tauri::command]
pub async fn execution_resume_orphans<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
) -> CmdResult<Vec<String>> {
    let ids = with_store(&state, |s| s.orphaned_executions(20))?;
    let mut resumed = Vec::new();
    for id in ids {
        if execution_resume(app.clone(), state.clone(), id.clone())
            .await
            .is_ok()
        {
            resumed.push(id);
        }
    }
    Ok(resumed)
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
