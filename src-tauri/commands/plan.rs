//! Plan commands: list, read, validate, save (each save a revision), clone, delete, revisions,
//! diff, restore, export.

use super::{with_store, CmdResult, IpcError};
use crate::dialogs::{Dialogs, Pick, YAML};
use drs_app::files::write_atomic;
use drs_app::App;
use drs_core::document::plan_to_yaml;
use drs_core::{Problem, RecoveryPlan};
use drs_store::{PlanSummary, RevisionInfo, SavePlan, StoredPlan};
use tauri::{AppHandle, Runtime, State};

/// Every plan's summary.
#[tauri::command]
pub fn plan_list(state: State<'_, App>) -> CmdResult<Vec<PlanSummary>> {
    with_store(&state, |s| s.plans())
}

/// A plan's current revision.
#[tauri::command]
pub fn plan_get(state: State<'_, App>, name: String) -> CmdResult<StoredPlan> {
    with_store(&state, |s| s.plan(&name))
}

/// Every problem with an edited plan (not saved), for the live validation panel.
#[tauri::command]
pub fn plan_validate(state: State<'_, App>, plan: RecoveryPlan) -> CmdResult<Vec<Problem>> {
    with_store(&state, |s| s.check_plan(&plan))
}

/// Saves a plan as a new revision.
#[tauri::command]
pub fn plan_save(
    state: State<'_, App>,
    plan: RecoveryPlan,
    options: Option<SavePlan>,
) -> CmdResult<StoredPlan> {
    let actor = state.actor().to_string();
    with_store(&state, |s| {
        s.save_plan(&plan, &options.unwrap_or_default(), &actor)
    })
}

/// Copies a plan under a new name.
#[tauri::command]
pub fn plan_clone(state: State<'_, App>, name: String, new_name: String) -> CmdResult<StoredPlan> {
    let actor = state.actor().to_string();
    with_store(&state, |s| s.clone_plan(&name, &new_name, &actor))
}

/// Deletes a plan and its revisions.
#[tauri::command]
pub fn plan_delete(state: State<'_, App>, name: String) -> CmdResult<()> {
    let actor = state.actor().to_string();
    with_store(&state, |s| s.delete_plan(&name, &actor))
}

/// A plan's revisions, newest first.
#[tauri::command]
pub fn plan_revisions(state: State<'_, App>, name: String) -> CmdResult<Vec<RevisionInfo>> {
    with_store(&state, |s| s.plan_revisions(&name))
}

/// A plan at one revision.
#[tauri::command]
pub fn plan_revision_get(
    state: State<'_, App>,
    name: String,
    revision: u32,
) -> CmdResult<StoredPlan> {
    with_store(&state, |s| s.plan_at(&name, revision))
}

/// A unified diff of the plan's YAML between two revisions.
#[tauri::command]
pub fn plan_revision_diff(
    state: State<'_, App>,
    name: String,
    from: u32,
    to: u32,
) -> CmdResult<String> {
    with_store(&state, |s| s.plan_diff(&name, from, to))
}

/// Makes an old revision current (as a new revision).
#[tauri::command]
pub fn plan_restore(state: State<'_, App>, name: String, revision: u32) -> CmdResult<StoredPlan> {
    let actor = state.actor().to_string();
    with_store(&state, |s| s.restore_plan(&name, revision, &actor))
}

/// A plan as YAML text.
#[tauri::command]
pub fn plan_export_yaml(state: State<'_, App>, name: String) -> CmdResult<String> {
    with_store(&state, |s| s.plan(&name)).map(|p| plan_to_yaml(&p.plan))
}

/// Writes a plan's YAML where the user picks in the native save dialog (opened here: the web
/// view names no path); the path written, or `null` when they cancelled.
#[tauri::command]
pub async fn plan_export_file<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, App>,
    dialogs: State<'_, Dialogs>,
    name: String,
) -> CmdResult<Option<String>> {
    let yaml = plan_export_yaml(state, name.clone())?;
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
