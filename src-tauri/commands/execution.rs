//! Executions from the window: start a drill or a recovery, follow any execution live (its
//! states stream on a `Channel` from the application layer's follower, whoever drives it), send
//! requests, resume or take over an execution nobody drives, and read the history. The rules
//! live in `drs_app::executions`.

use super::{with_store, CmdResult};
use drs_app::execute::StartOptions;
use drs_app::executions::{ExecutionDetail, Observer, Orphan, RequestOutcome};
use drs_app::App;
use drs_core::execution::{Execution, ExecutionKind};
use drs_store::ExecutionSummary;
use std::sync::Arc;
use tauri::ipc::Channel;
use tauri::State;

/// A live view: a channel to the window.
pub(crate) struct ChannelObserver(pub(crate) Channel<Execution>);

impl Observer for ChannelObserver {
    fn state(&self, e: &Execution) -> bool {
        // A closed window's channel fails: it is forgotten.
        self.0.send(e.clone()).is_ok()
    }
}

/// Starts a drill or a recovery of `plan` (a recovery needs the plan's name in `confirm`),
/// driven by this window; returns its ID. Its states stream on `events`.
#[tauri::command]
pub async fn execution_start(
    state: State<'_, App>,
    plan: String,
    kind: ExecutionKind,
    override_readiness: bool,
    auto_cleanup: bool,
    confirm: Option<String>,
    events: Channel<Execution>,
) -> CmdResult<String> {
    let options = StartOptions {
        kind,
        override_readiness,
        auto_cleanup,
        actor: state.actor().to_string(),
    };
    let ready = state
        .start_execution(&plan, options, confirm.as_deref(), "window")
        .await?;
    let id = ready.execution.id.clone();
    let observer = Arc::new(ChannelObserver(events));
    observer.state(&ready.execution);
    state.executions().watch(&id, observer);
    state.drive_in_background(ready);
    Ok(id)
}

/// Streams an execution's states on `events` (the current one at once), whoever drives it.
#[tauri::command]
pub fn execution_watch(
    state: State<'_, App>,
    id: String,
    events: Channel<Execution>,
) -> CmdResult<Execution> {
    let e = with_store(&state, |s| s.execution(&id))?;
    state
        .executions()
        .watch(&id, Arc::new(ChannelObserver(events)));
    Ok(e)
}

/// The newest executions.
#[tauri::command]
pub fn execution_list(state: State<'_, App>) -> CmdResult<Vec<ExecutionSummary>> {
    with_store(&state, |s| s.executions(500))
}

/// One execution with its events and who drives it.
#[tauri::command]
pub fn execution_get(state: State<'_, App>, id: String) -> CmdResult<ExecutionDetail> {
    state.execution_detail(&id)
}

/// Pause, resume, cancel, approve a wave, confirm a drill's cleanup, or abandon a cleanup.
#[tauri::command]
pub async fn execution_request(
    state: State<'_, App>,
    id: String,
    request: String,
    wave: Option<String>,
) -> CmdResult<RequestOutcome> {
    state
        .request_execution(&id, &request, wave.as_deref())
        .await
}

/// A person confirms a wave's step (a manual step); the driving engine acts on it.
#[tauri::command]
pub fn execution_confirm_step(
    state: State<'_, App>,
    id: String,
    wave: String,
    step: String,
) -> CmdResult<RequestOutcome> {
    state.confirm_step(&id, Some(&wave), &step)
}

/// Drives here an execution that no process drives.
#[tauri::command]
pub async fn execution_resume(
    state: State<'_, App>,
    id: String,
    confirm: Option<String>,
    take_over: bool,
) -> CmdResult<()> {
    if state.executions().is_driving(&id) {
        return Ok(());
    }
    if let Some(ready) = state
        .resume_execution(&id, confirm.as_deref(), take_over, "window")
        .await?
    {
        state.drive_in_background(ready);
    }
    Ok(())
}

/// Unfinished executions that no live process drives.
#[tauri::command]
pub fn execution_orphans(state: State<'_, App>) -> CmdResult<Vec<Orphan>> {
    state.orphaned_executions()
}
