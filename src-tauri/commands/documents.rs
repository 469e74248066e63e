//! Importing YAML documents (plans and groups, one or many per file).

use super::{with_store, CmdResult, IpcError};
use crate::dialogs::{Dialogs, Pick, YAML};
use drs_app::files::read_yaml;
use drs_app::ipc::ImportOutcome;
use drs_app::App;
use tauri::{AppHandle, Runtime, State};

/// Imports a YAML text: all of it, or nothing when any document has an error.
#[tauri::command]
pub fn import_yaml(state: State<'_, App>, text: String) -> CmdResult<ImportOutcome> {
    let actor = state.actor().to_string();
    let (summary, warnings) = with_store(&state, |s| s.import_yaml(&text, &actor))?;
    Ok(ImportOutcome { summary, warnings })
}

/// Imports a YAML file the user picks in the native open dialog (opened here: the web view
/// names no path); `null` when they cancelled.
#[tauri::command]
pub async fn import_file<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, App>,
    dialogs: State<'_, Dialogs>,
) -> CmdResult<Option<ImportOutcome>> {
    let pick = Pick::Open {
        title: "Import plans and groups",
        filter: YAML,
    };
    let Some(path) = dialogs.pick(&app, pick).await else {
        return Ok(None);
    };
    let text = read_yaml(&path).map_err(IpcError::from)?;
    let actor = state.actor().to_string();
    let result = with_store(&state, |s| s.import_yaml(&text, &actor));
    match result {
        Ok((summary, warnings)) => Ok(Some(ImportOutcome { summary, warnings })),
        Err(mut e) => {
            e.message = format!("{}: {}", path.display(), e.message);
            Err(e)
        }
    }
}
