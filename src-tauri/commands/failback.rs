//! Failback from the window: where a plan is (its lifecycle), failback readiness, starting a
//! reprotect, a failback drill or a failback (followed live like any execution), and the
//! cleanup that brings the plan back to normal. The rules live in `drs_app::failback`.

use super::execution::ChannelObserver;
use super::CmdResult;
use drs_app::executions::Observer;
use drs_app::failback::FailbackCleanup;
use drs_app::App;
use drs_core::execution::Execution;
use drs_core::failback::{FailbackReadiness, Lifecycle, OriginalChoice};
use std::sync::Arc;
use tauri::ipc::Channel;
use tauri::State;

/// Where `plan` is between a disaster and normal again.
#[tauri::command]
pub fn plan_lifecycle(state: State<'_, App>, plan: String) -> CmdResult<Lifecycle> {
    state.lifecycle(&plan)
}

/// Failback readiness of a recovered plan, with `originals` deciding what would happen to
/// original instances that are running or untagged.
#[tauri::command]
pub async fn failback_check(
    state: State<'_, App>,
    plan: String,
    originals: OriginalChoice,
) -> CmdResult<FailbackReadiness> {
    state.failback_readiness(&plan, originals).await
}

/// Starts a reprotect of `plan`, driven by this window; its states stream on `events`.
#[tauri::command]
pub async fn reprotect_start(
    state: State<'_, App>,
    plan: String,
    events: Channel<Execution>,
) -> CmdResult<String> {
    let ready = state.start_reprotect(&plan, "window").await?;
    Ok(drive_here(&state, ready, events))
}

/// Starts a failback drill (`drill`) or a failback (`confirm` = the plan's name) of `plan`,
/// driven by this window; its states stream on `events`.
#[tauri::command]
pub async fn failback_start(
    state: State<'_, App>,
    plan: String,
    drill: bool,
    originals: OriginalChoice,
    override_readiness: bool,
    confirm: Option<String>,
    events: Channel<Execution>,
) -> CmdResult<String> {
    let ready = state
        .start_failback(
            &plan,
            drill,
            originals,
            override_readiness,
            confirm.as_deref(),
            "window",
        )
        .await?;
    Ok(drive_here(&state, ready, events))
}

/// The failback's leftovers, listed; done when `confirm` is the plan's name.
#[tauri::command]
pub async fn failback_cleanup(
    state: State<'_, App>,
    plan: String,
    keep_instances: bool,
    confirm: Option<String>,
) -> CmdResult<FailbackCleanup> {
    state
        .failback_cleanup(&plan, keep_instances, confirm.as_deref())
        .await
}

fn drive_here(
    state: &App,
    ready: drs_app::executions::Ready,
    events: Channel<Execution>,
) -> String {
    let id = ready.execution.id.clone();
    let observer = Arc::new(ChannelObserver(events));
    observer.state(&ready.execution);
    state.executions().watch(&id, observer);
    state.drive_in_background(ready);
    id
}
