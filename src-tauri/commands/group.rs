//! Protection group commands.

use super::{with_store, CmdResult, IpcError};
use crate::dialogs::{Dialogs, Pick, YAML};
use drs_app::files::write_atomic;
use drs_app::App;
use drs_core::document::group_to_yaml;
use drs_core::{Problem, ProtectionGroup};
use tauri::{AppHandle, Runtime, State};

/// Every group.
#[tauri::command]
pub fn group_list(state: State<'_, App>) -> CmdResult<Vec<ProtectionGroup>> {
    with_store(&state, |s| s.groups())
}

/// One group.
#[tauri::command]
pub fn group_get(state: State<'_, App>, name: String) -> CmdResult<ProtectionGroup> {
    with_store(&state, |s| s.group(&name))
}

/// Every problem with an edited group (not saved).
#[tauri::command]
pub fn group_validate(
    state: State<'_, App>,
    group: ProtectionGroup,
    original_name: Option<String>,
) -> CmdResult<Vec<Problem>> {
    with_store(&state, |s| s.check_group(&group, original_name.as_deref()))
}

/// Creates, updates or renames a group.
#[tauri::command]
pub fn group_save(
    state: State<'_, App>,
    group: ProtectionGroup,
    original_name: Option<String>,
) -> CmdResult<ProtectionGroup> {
    let actor = state.actor().to_string();
    with_store(&state, |s| {
        s.save_group(&group, original_name.as_deref(), &actor)?;
        s.group(&group.name)
    })
}

/// Deletes a group no plan uses.
#[tauri::command]
pub fn group_delete(state: State<'_, App>, name: String) -> CmdResult<()> {
    let actor = state.actor().to_string();
    with_store(&state, |s| s.delete_group(&name, &actor))
}

/// A group as YAML text.
#[tauri::command]
pub fn group_export_yaml(state: State<'_, App>, name: String) -> CmdResult<String> {
    with_store(&state, |s| s.group(&name)).map(|g| group_to_yaml(&g))
}

/// Writes a group's YAML where the user picks in the native save dialog (opened here: the web
/// view names no path); the path written, or `null` when they cancelled.
#[tauri::command]
pub async fn group_export_file<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, App>,
    dialogs: State<'_, Dialogs>,
    name: String,
) -> CmdResult<Option<String>> {
    let yaml = group_export_yaml(state, name.clone())?;
    let pick = Pick::Save {
        title: "Export as YAML",
        file_name: format!("{name}.yaml"),
        filter: YAML,
    };
    let Some(path) = dialogs.pick(&app, pick).await else {
        return Ok(None);
    };
    write_atomic(&path, &yaml).map_err(IpcError::from)?;
    Ok(Some(path.display().to_string()))
}
