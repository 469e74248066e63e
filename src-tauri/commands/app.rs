//! App-wide commands: what the app is running on, targets, the audit log.

use super::{with_store, CmdResult};
use crate::AppState;
use drs_core::Target;
use drs_store::AuditEntry;
use serde::Serialize;
use tauri::State;

/// What the header and Settings page show.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AppInfo {
    /// App version.
    pub version: String,
    /// The data directory.
    pub data_dir: String,
    /// The database file, when open.
    pub database: Option<String>,
    /// Why the database could not be opened.
    pub store_error: Option<String>,
    /// Who edits are recorded as.
    pub actor: String,
}

/// Version, data directory, database state and actor.
#[tauri::command]
pub fn app_info(state: State<'_, AppState>) -> AppInfo {
    let database = state
        .store
        .lock()
        .ok()
        .and_then(|g| g.as_ref().map(|s| s.path().display().to_string()));
    AppInfo {
        version: env!("CARGO_PKG_VERSION").into(),
        data_dir: state.data_dir.display().to_string(),
        database,
        store_error: state.open_error.clone(),
        actor: state.actor.clone(),
    }
}

/// Every target.
#[tauri::command]
pub fn target_list(state: State<'_, AppState>) -> CmdResult<Vec<Target>> {
    with_store(&state, |s| s.targets())
}

/// The newest audit entries, optionally about one object.
#[tauri::command]
pub fn audit_list(
    state: State<'_, AppState>,
    subject: Option<String>,
    limit: Option<u32>,
) -> CmdResult<Vec<AuditEntry>> {
    with_store(&state, |s| {
        s.audit(subject.as_deref(), limit.unwrap_or(200).min(10_000))
    })
}
