//! Always-on monitoring from the window's Monitoring page: what a target's monitoring should be
//! against what its account holds (the changes, in words), deploying and removing it, and the
//! CloudFormation template saved where the user picks. The rules live in
//! `drs_app::monitoring`.

use super::{CmdResult, IpcError};
use crate::dialogs::{Dialogs, Pick, JSON};
use drs_app::files::write_atomic;
use drs_app::monitoring::{MonitoringOutcome, MonitoringStatus};
use drs_app::App;
use tauri::{AppHandle, Runtime, State};

/// `target`'s monitoring against its account; `emails` (none: the subscribed ones are kept).
#[tauri::command]
pub async fn monitoring_status(
    state: State<'_, App>,
    target: String,
    emails: Vec<String>,
) -> CmdResult<MonitoringStatus> {
    state.monitoring_status(&target, &emails).await
}

/// Creates or brings back `target`'s monitoring, change by change.
#[tauri::command]
pub async fn monitoring_deploy(
    state: State<'_, App>,
    target: String,
    emails: Vec<String>,
) -> CmdResult<MonitoringOutcome> {
    state.monitoring_deploy(&target, &emails).await
}

/// Removes every monitoring resource of the app from `target`'s account.
#[tauri::command]
pub async fn monitoring_remove(
    state: State<'_, App>,
    target: String,
) -> CmdResult<MonitoringOutcome> {
    state.monitoring_remove(&target).await
}

/// Saves `target`'s monitoring as a CloudFormation template where the user picks (native save
/// dialog, opened here); the path written, or `null` when the dialog was cancelled.
#[tauri::command]
pub async fn monitoring_template_save<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, App>,
    dialogs: State<'_, Dialogs>,
    target: String,
    emails: Vec<String>,
) -> CmdResult<Option<String>> {
    let template = state.monitoring_template(&target, &emails).await?;
    let text = serde_json::to_string_pretty(&template)
        .map_err(|e| IpcError::new(drs_app::ErrorCode::Internal, e.to_string()))?;
    let pick = Pick::Save {
        title: "Save the monitoring template",
        file_name: format!("drs-orchestrator-monitoring-{target}.json"),
        filter: JSON,
    };
    let Some(path) = dialogs.pick(&app, pick).await else {
        return Ok(None);
    };
    write_atomic(&path, text.as_bytes()).map_err(IpcError::from)?;
    Ok(Some(path.display().to_string()))
}
