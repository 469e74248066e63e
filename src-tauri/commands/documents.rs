//! Importing YAML documents (plans and groups, one or many per file).

use super::{with_store, CmdResult, IpcError};
use drs_app::files::read_yaml;
use drs_app::ipc::ImportOutcome;
use drs_app::App;
use std::path::PathBuf;
use tauri::State;

/// Imports a YAML text: all of it, or nothing when any document has an error.
#[tauri::command]
pub fn import_yaml(state: State<'_, App>, text: String) -> CmdResult<ImportOutcome> {
    let actor = state.actor().to_string();
    let (summary, warnings) = with_store(&state, |s| s.import_yaml(&text, &actor))?;
    Ok(ImportOutcome { summary, warnings })
}

/// Imports a YAML file chosen in the native open dialog.
#[tauri::command]
pub fn import_file(state: State<'_, App>, path: PathBuf) -> CmdResult<ImportOutcome> {
    let text = read_yaml(&path).map_err(IpcError::from)?;
    let actor = state.actor().to_string();
    let result = with_store(&state, |s| s.import_yaml(&text, &actor));
    match result {
        Ok((summary, warnings)) => Ok(ImportOutcome { summary, warnings }),
        Err(mut e) => {
            e.message = format!("{}: {}", path.display(), e.message);
            Err(e)
        }
    }
}
