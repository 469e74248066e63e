//! Inventory: source servers and recovery-region instances of every target, read in parallel.

use super::{with_store_and_keychain, CmdResult};
use crate::connect::{connect, resolve_targets};
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
    let targets = with_store_and_keychain(&state, move |s, keychain| {
        Ok(resolve_targets(s, keychain, target.as_deref())?)
    })
    .await?;
    let mut clouds = Vec::new();
    let mut failures = Vec::new();
    for (t, resolved) in targets {
        let cloud = match resolved {
            Ok(r) => connect(r, &state.sandbox).await,
            Err(e) => Err(e),
        };
        match cloud {
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
