//! DRS's own recovery plans from the window: preview and publish a plan, list and import DRS
//! plans, and start DRS's run of a published plan (followed live like any execution). The
//! rules live in `drs_app::native`.

use super::execution::ChannelObserver;
use super::CmdResult;
use drs_app::executions::Observer;
use drs_app::native::{NativePreview, PublishOutcome};
use drs_app::App;
use drs_core::execution::{Execution, ExecutionKind};
use drs_core::native_plan::{Imported, NativePlan};
use std::sync::Arc;
use tauri::ipc::Channel;
use tauri::State;

/// What `plan` becomes in DRS, what DRS cannot express, whether DRS's copy matches.
#[tauri::command]
pub async fn native_preview(
    state: State<'_, App>,
    plan: String,
    target: Option<String>,
) -> CmdResult<NativePreview> {
    state.native_preview(&plan, target.as_deref()).await
}

/// Creates or updates DRS's copy of `plan`.
#[tauri::command]
pub async fn native_publish(
    state: State<'_, App>,
    plan: String,
    target: Option<String>,
) -> CmdResult<PublishOutcome> {
    state.publish_native(&plan, target.as_deref()).await
}

/// DRS's recovery plans in `target`.
#[tauri::command]
pub async fn native_plans(state: State<'_, App>, target: String) -> CmdResult<Vec<NativePlan>> {
    state.native_plans(&target).await
}

/// Imports DRS recovery plan `arn` of `target` as app plan `name` (the DRS plan's name when
/// `None`).
#[tauri::command]
pub async fn native_import(
    state: State<'_, App>,
    target: String,
    arn: String,
    name: Option<String>,
) -> CmdResult<Imported> {
    state.import_native(&target, &arn, name.as_deref()).await
}

/// Starts DRS's run of `plan` as a drill, or as a recovery (`confirm` = the plan's name),
/// followed by this window; its states stream on `events`. A drill is cleaned up by the app
/// once DRS's run ends.
#[tauri::command]
pub async fn native_start(
    state: State<'_, App>,
    plan: String,
    target: Option<String>,
    drill: bool,
    override_readiness: bool,
    confirm: Option<String>,
    events: Channel<Execution>,
) -> CmdResult<String> {
    let follow = state
        .start_native(
            &plan,
            target.as_deref(),
            if drill {
                ExecutionKind::Drill
            } else {
                ExecutionKind::Recovery
            },
            confirm.as_deref(),
            override_readiness,
            "window",
        )
        .await?;
    let id = follow.execution.id.clone();
    let observer = Arc::new(ChannelObserver(events));
    observer.state(&follow.execution);
    state.executions().watch(&id, observer);
    state.follow_native_in_background(follow);
    Ok(id)
}
