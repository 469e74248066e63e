//! Operations on the live estate from the window: a group's members while it is edited, its
//! launch settings previewed, applied (with progress) and rolled back, replication health and
//! its thresholds, and EC2 → DRS tag sync.

use super::{with_store, CmdResult};
use drs_app::health::{self, TargetHealth};
use drs_app::ipc::Progress;
use drs_app::launch_settings::{GroupPreview, Members};
use drs_app::schedules::{TagSchedule, TagScheduleState};
use drs_app::tag_sync::TargetSync;
use drs_app::App;
use drs_core::group_settings::LaunchApplication;
use drs_core::readiness::Thresholds;
use drs_core::ProtectionGroup;
use std::collections::{BTreeMap, BTreeSet};
use tauri::ipc::Channel;
use tauri::State;

/// The servers a group being edited selects now, and its conflicts.
#[tauri::command]
pub async fn group_members(
    state: State<'_, App>,
    group: ProtectionGroup,
    original_name: Option<String>,
) -> CmdResult<Members> {
    state.group_members(group, original_name).await
}

/// A saved group against the live inventory and what DRS and EC2 hold.
#[tauri::command]
pub async fn group_launch_preview(state: State<'_, App>, name: String) -> CmdResult<GroupPreview> {
    state.group_preview(&name).await
}

/// Applies a group's launch settings to `servers` (every server that differs when empty).
#[tauri::command]
pub async fn group_launch_apply(
    state: State<'_, App>,
    name: String,
    servers: Vec<String>,
    events: Channel<Progress>,
) -> CmdResult<LaunchApplication> {
    let only: BTreeSet<String> = servers.into_iter().collect();
    let progress = move |done: usize, total: usize| {
        let _ = events.send(Progress { done, total });
    };
    state.apply_group(&name, &only, "apply", &progress).await
}

/// A group's applies and rollbacks, newest first.
#[tauri::command]
pub fn group_launch_applies(
    state: State<'_, App>,
    name: String,
) -> CmdResult<Vec<LaunchApplication>> {
    with_store(&state, |s| s.launch_applications(&name))
}

/// Puts back what apply `id` changed.
#[tauri::command]
pub async fn group_launch_rollback(
    state: State<'_, App>,
    name: String,
    id: i64,
    events: Channel<Progress>,
) -> CmdResult<LaunchApplication> {
    let progress = move |done: usize, total: usize| {
        let _ = events.send(Progress { done, total });
    };
    state.rollback_group(&name, id, &progress).await
}

/// Every target's servers against its replication thresholds, read now.
#[tauri::command]
pub async fn health_check(state: State<'_, App>) -> CmdResult<Vec<TargetHealth>> {
    state.health_check(None).await
}

/// Every target's thresholds (targets without their own use the defaults).
#[tauri::command]
pub fn thresholds_get(state: State<'_, App>) -> CmdResult<BTreeMap<String, Thresholds>> {
    with_store(&state, |s| {
        let set = health::thresholds(s)?;
        Ok(s.targets()?
            .into_iter()
            .map(|t| {
                let th = set.get(&t.name).copied().unwrap_or_default();
                (t.name, th)
            })
            .collect())
    })
}

/// Sets a target's thresholds (readiness and the health monitor use them).
#[tauri::command]
pub fn thresholds_set(
    state: State<'_, App>,
    target: String,
    thresholds: Thresholds,
) -> CmdResult<()> {
    let actor = state.actor().to_string();
    with_store(&state, |s| {
        health::set_thresholds(s, &target, thresholds, &actor)
    })
}

/// EC2 → DRS tag sync of one target or all; `dry_run` writes nothing.
#[tauri::command]
pub async fn tags_sync(
    state: State<'_, App>,
    target: Option<String>,
    dry_run: bool,
) -> CmdResult<Vec<TargetSync>> {
    state.sync_tags(target.as_deref(), dry_run).await
}

/// The tag sync schedule.
#[tauri::command]
pub fn tags_schedule_get(state: State<'_, App>) -> CmdResult<TagScheduleState> {
    state.tag_schedule()
}

/// Sets the tag sync schedule (interval 1–24 hours).
#[tauri::command]
pub fn tags_schedule_set(state: State<'_, App>, schedule: TagSchedule) -> CmdResult<()> {
    state.set_tag_schedule(schedule)
}
