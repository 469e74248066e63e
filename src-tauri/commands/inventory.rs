//! Inventory: source servers and recovery-region instances of every target, read in parallel.

use super::{with_store, CmdResult};
use crate::connect::cloud_for;
use crate::AppState;
use drs_core::inventory::{collect, Inventory, TargetFailure};
use tauri::State;

/// Reads the inventory of every target (or one). Targets that fail are listed in `failures`
/// with the reason; the others are still shown.
#[tauri::command]
pub async fn inventory_load(
    state: State<'_, AppState>,
    target: Option<String>,
) -> CmdResult<Inventory> {
    let mut targets = with_store(&state, |s| s.targets())?;
    if let Some(name) = &target {
        targets.retain(|t| &t.name == name);
    }
    let mut clouds = Vec::new();
    let mut failures = Vec::new();
    for t in &targets {
        match cloud_for(t, &state.sandbox).await {
            Ok(c) => clouds.push((t.name.clone(), c)),
            Err(e) => failures.push(TargetFailure {
                target: t.name.clone(),
                message: e.to_string(),
            }),
        }
    }
    let mut inventory = collect(clouds).await;
    inventory.failures.extend(failures);
    Ok(inventory)
}
