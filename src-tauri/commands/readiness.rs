//! Pairs and readiness: match DR instances, apply and undo launch configurations, and judge
//! whether a plan would launch right now.

use super::{with_store, with_store_and_keychain, CmdResult, IpcError};
use crate::readiness::{self as run, PairsOutcome};
use crate::AppState;
use drs_core::launch_into::ApplyPlan;
use drs_core::readiness::Readiness;
use drs_store::{PairApplication, ReadinessSummary};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use tauri::State;

async fn fresh(state: &AppState, plan: String) -> CmdResult<run::Run> {
    let prepared = with_store_and_keychain(state, move |s, keychain| {
        Ok(run::prepare(s, keychain, &plan)?)
    })
    .await?;
    Ok(run::check(prepared, &state.sandbox).await)
}

/// Reads the evidence for a plan now, judges it and keeps the verdict.
#[tauri::command]
pub async fn readiness_check(state: State<'_, AppState>, plan: String) -> CmdResult<Readiness> {
    let r = fresh(&state, plan).await?;
    with_store(&state, |s| s.save_readiness(&r.readiness))?;
    Ok(r.readiness)
}

/// The last verdict for a plan, if it was ever checked.
#[tauri::command]
pub fn readiness_get(state: State<'_, AppState>, plan: String) -> CmdResult<Option<Readiness>> {
    with_store(&state, |s| s.readiness(&plan))
}

/// The last verdict of every plan that has one (plan list, Dashboard).
#[tauri::command]
pub fn readiness_list(state: State<'_, AppState>) -> CmdResult<Vec<ReadinessSummary>> {
    with_store(&state, |s| s.readiness_summaries())
}

/// The pairs of a plan and what applying them would change, per target.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PairsPreview {
    /// The verdict (its `pairs` are the plan's pairs).
    pub readiness: Readiness,
    /// Per target: the launch-configuration changes, already-set pairs and skipped pairs.
    pub apply: BTreeMap<String, ApplyPlan>,
    /// Applies that can be undone, newest first.
    pub undoable: Vec<PairApplication>,
}

/// Matches the plan's servers with DR instances, checks each pair, and previews an apply.
#[tauri::command]
pub async fn pairs_preview(state: State<'_, AppState>, plan: String) -> CmdResult<PairsPreview> {
    let r = fresh(&state, plan.clone()).await?;
    let apply = run::apply_plans(&r);
    let undoable = with_store(&state, |s| {
        s.save_readiness(&r.readiness)?;
        s.pair_applications_to_undo(&plan)
    })?;
    Ok(PairsPreview {
        readiness: r.readiness,
        apply,
        undoable,
    })
}

/// Applies the confirmed changes (`servers`: the source servers the user confirmed in the
/// preview). The evidence is read again first, so only still-valid pairs are written.
#[tauri::command]
pub async fn pairs_apply(
    state: State<'_, AppState>,
    plan: String,
    servers: Vec<String>,
) -> CmdResult<PairsOutcome> {
    if servers.is_empty() {
        return Err(IpcError::new("invalid", "no change was confirmed"));
    }
    let r = fresh(&state, plan.clone()).await?;
    let plans = run::apply_plans(&r);
    let only: BTreeSet<String> = servers.into_iter().collect();
    let outcome = run::apply(&r, plans, Some(&only)).await;
    let actor = state.actor.clone();
    with_store(&state, |s| run::record(s, &plan, &outcome, &actor))?;
    Ok(outcome)
}

/// Puts back the launch configurations the newest apply of the plan changed.
#[tauri::command]
pub async fn pairs_undo(state: State<'_, AppState>, plan: String) -> CmdResult<PairsOutcome> {
    let name = plan.clone();
    let (apps, targets) = with_store_and_keychain(&state, move |s, keychain| {
        s.plan(&name)?;
        let apps = s.pair_applications_to_undo(&name)?;
        let targets = crate::connect::resolve_targets(s, keychain, None)?;
        Ok((apps, targets))
    })
    .await?;
    if apps.is_empty() {
        return Err(IpcError::new(
            "not_found",
            format!("plan \"{plan}\" has no applied pairs to undo"),
        ));
    }
    let (outcome, done) = run::undo(apps, targets, &state.sandbox).await;
    let actor = state.actor.clone();
    with_store(&state, |s| {
        for id in done {
            s.mark_pair_application_undone(id, &plan, &actor)?;
        }
        Ok(())
    })?;
    Ok(outcome)
}

/// Pairs a server by hand (`instanceId`), keeps it unpaired (`null`), kept across refreshes.
#[tauri::command]
pub fn pair_override_set(
    state: State<'_, AppState>,
    target: String,
    source_server_id: String,
    instance_id: Option<String>,
) -> CmdResult<()> {
    let actor = state.actor.clone();
    with_store(&state, |s| {
        s.set_pair_override(&target, &source_server_id, instance_id.as_deref(), &actor)
    })
}

/// Removes a manual pair override.
#[tauri::command]
pub fn pair_override_clear(
    state: State<'_, AppState>,
    target: String,
    source_server_id: String,
) -> CmdResult<()> {
    let actor = state.actor.clone();
    with_store(&state, |s| {
        s.clear_pair_override(&target, &source_server_id, &actor)
    })
}
