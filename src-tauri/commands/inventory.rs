//! Inventory: source servers and recovery-region instances of every target, read in parallel.

use super::CmdResult;
use drs_app::App;
use drs_core::inventory::Inventory;
use tauri::State;

/// Reads the inventory of every target (or one). Targets that fail are listed in `failures`
/// with the reason; the others are still shown.
#[tauri::command]
pub async fn inventory_load(state: State<'_, App>, target: Option<String>) -> CmdResult<Inventory> {
    state.inventory(target.as_deref()).await
}
