//! Pairs and readiness: match DR instances, apply and undo launch configurations, and judge
//! whether a plan would launch right now.

use super::{with_store, CmdResult};
use drs_app::readiness::{PairsOutcome, PairsPreview};
use drs_app::App;
use drs_core::readiness::Readiness;
use drs_store::ReadinessSummary;
use std::collections::BTreeSet;
use tauri::State;

/// Reads the evidence for a plan now, judges it and keeps the verdict.
#[tauri::command]
pub async fn readiness_check(state: State<'_, App>, plan: String) -> CmdResult<Readiness> {
    state.check_readiness(&plan).await
}

/// The last verdict for a plan, if it was ever checked.
#[tauri::command]
pub fn readiness_get(state: State<'_, App>, plan: String) -> CmdResult<Option<Readiness>> {
    with_store(&state, |s| s.readiness(&plan))
}

/// The last verdict of every plan that has one (plan list, Dashboard).
#[tauri::command]
pub fn readiness_list(state: State<'_, App>) -> CmdResult<Vec<ReadinessSummary>> {
    with_store(&state, |s| s.readiness_summaries())
}

/// Matches the plan's servers with DR instances, checks each pair, and previews an apply.
#[tauri::command]
pub async fn pairs_preview(state: State<'_, App>, plan: String) -> CmdResult<PairsPreview> {
    state.preview_pairs(&plan).await
}

/// Applies the confirmed changes (`servers`: the source servers the user confirmed in the
/// preview). The evidence is read again first, so only still-valid pairs are written.
#[tauri::command]
pub async fn pairs_apply(
    state: State<'_, App>,
    plan: String,
    servers: Vec<String>,
) -> CmdResult<PairsOutcome> {
    let only: BTreeSet<String> = servers.into_iter().collect();
    state.apply_pairs(&plan, Some(&only)).await
}

/// Puts back the launch configurations the newest apply of the plan changed.
#[tauri::command]
pub async fn pairs_undo(state: State<'_, App>, plan: String) -> CmdResult<PairsOutcome> {
    state.undo_pairs(&plan).await
}

/// Pairs a server by hand (`instanceId`), keeps it unpaired (`null`), kept across refreshes.
#[tauri::command]
pub fn pair_override_set(
    state: State<'_, App>,
    target: String,
    source_server_id: String,
    instance_id: Option<String>,
) -> CmdResult<()> {
    let actor = state.actor().to_string();
    with_store(&state, |s| {
        s.set_pair_override(&target, &source_server_id, instance_id.as_deref(), &actor)
    })
}

/// Removes a manual pair override.
#[tauri::command]
pub fn pair_override_clear(
    state: State<'_, App>,
    target: String,
    source_server_id: String,
) -> CmdResult<()> {
    let actor = state.actor().to_string();
    with_store(&state, |s| {
        s.clear_pair_override(&target, &source_server_id, &actor)
    })
}
