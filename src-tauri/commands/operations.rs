//! Operations on the live estate from the window: a group's members while it is edited, its
//! launch settings previewed, applied (with progress) and rolled back, replication health and
//! its thresholds, and EC2 → DRS tag sync.

use super::{with_store, with_store_and_keychain, CmdResult, IpcError};
use crate::health::{self, TargetHealth};
use crate::launch_settings::{self as ls, GroupPreview, Members, SettingsError};
use crate::tag_sync::{self, TargetSync};
use crate::AppState;
use drs_core::group_settings::LaunchApplication;
use drs_core::readiness::Thresholds;
use drs_core::ProtectionGroup;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use tauri::ipc::Channel;
use tauri::State;

impl From<SettingsError> for IpcError {
    fn from(e: SettingsError) -> Self {
        match e {
            SettingsError::Store(s) => s.into(),
            SettingsError::Cloud(c) => c.into(),
            SettingsError::Invalid { problems, .. } => IpcError {
                code: "invalid",
                message: "the launch settings are not valid in AWS; nothing was changed".into(),
                problems,
            },
            SettingsError::Conflict(m) => IpcError::new("conflict", m),
        }
    }
}

/// Progress of a long operation: servers done of servers in all.
#[derive(Debug, Clone, Copy, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Progress {
    /// Done.
    pub done: usize,
    /// In all.
    pub total: usize,
}

/// The servers a group being edited selects now, and its conflicts.
#[tauri::command]
pub async fn group_members(
    state: State<'_, AppState>,
    group: ProtectionGroup,
    original_name: Option<String>,
) -> CmdResult<Members> {
    let prepared = with_store_and_keychain(&state, move |s, k| {
        Ok(ls::prepare_draft(s, k, group, original_name.as_deref())?)
    })
    .await?;
    let cloud = ls::cloud(&prepared, &state.sandbox).await?;
    Ok(ls::members(&prepared, cloud.as_ref()).await?)
}

/// A saved group against the live inventory and what DRS and EC2 hold.
#[tauri::command]
pub async fn group_launch_preview(
    state: State<'_, AppState>,
    name: String,
) -> CmdResult<GroupPreview> {
    let prepared =
        with_store_and_keychain(&state, move |s, k| Ok(ls::prepare(s, k, &name)?)).await?;
    let cloud = ls::cloud(&prepared, &state.sandbox).await?;
    Ok(ls::preview(&prepared, cloud.as_ref()).await?)
}

/// Applies a group's launch settings to `servers` (every server that differs when empty).
#[tauri::command]
pub async fn group_launch_apply(
    state: State<'_, AppState>,
    name: String,
    servers: Vec<String>,
    events: Channel<Progress>,
) -> CmdResult<LaunchApplication> {
    let prepared =
        with_store_and_keychain(&state, move |s, k| Ok(ls::prepare(s, k, &name)?)).await?;
    let cloud = ls::cloud(&prepared, &state.sandbox).await?;
    let only: BTreeSet<String> = servers.into_iter().collect();
    let progress = move |done: usize, total: usize| {
        let _ = events.send(Progress { done, total });
    };
    Ok(ls::apply(
        &prepared,
        cloud.as_ref(),
        state.store.as_ref(),
        &only,
        "apply",
        &state.actor,
        &progress,
    )
    .await?)
}

/// A group's applies and rollbacks, newest first.
#[tauri::command]
pub fn group_launch_applies(
    state: State<'_, AppState>,
    name: String,
) -> CmdResult<Vec<LaunchApplication>> {
    with_store(&state, |s| s.launch_applications(&name))
}

/// Puts back what apply `id` changed.
#[tauri::command]
pub async fn group_launch_rollback(
    state: State<'_, AppState>,
    name: String,
    id: i64,
    events: Channel<Progress>,
) -> CmdResult<LaunchApplication> {
    let prepared =
        with_store_and_keychain(&state, move |s, k| Ok(ls::prepare(s, k, &name)?)).await?;
    let cloud = ls::cloud(&prepared, &state.sandbox).await?;
    let progress = move |done: usize, total: usize| {
        let _ = events.send(Progress { done, total });
    };
    Ok(ls::rollback(
        &prepared,
        cloud.as_ref(),
        state.store.as_ref(),
        id,
        &state.actor,
        &progress,
    )
    .await?)
}

/// Every target's servers against its replication thresholds, read now.
#[tauri::command]
pub async fn health_check(state: State<'_, AppState>) -> CmdResult<Vec<TargetHealth>> {
    let prepared =
        with_store_and_keychain(&state, move |s, k| Ok(health::prepare(s, k, None)?)).await?;
    Ok(health::check(&prepared, &state.sandbox).await)
}

/// Every target's thresholds (targets without their own use the defaults).
#[tauri::command]
pub fn thresholds_get(state: State<'_, AppState>) -> CmdResult<BTreeMap<String, Thresholds>> {
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
    state: State<'_, AppState>,
    target: String,
    thresholds: Thresholds,
) -> CmdResult<()> {
    let actor = state.actor.clone();
    with_store(&state, |s| {
        health::set_thresholds(s, &target, thresholds, &actor)
    })
}

/// EC2 → DRS tag sync of one target or all; `dry_run` writes nothing.
#[tauri::command]
pub async fn tags_sync(
    state: State<'_, AppState>,
    target: Option<String>,
    dry_run: bool,
) -> CmdResult<Vec<TargetSync>> {
    let prepared = with_store_and_keychain(&state, move |s, k| {
        Ok(tag_sync::prepare(s, k, target.as_deref())?)
    })
    .await?;
    let syncs = tag_sync::run(prepared, &state.sandbox, dry_run).await;
    let actor = state.actor.clone();
    with_store(&state, |s| tag_sync::record(s, &syncs, &actor))?;
    Ok(syncs)
}

/// The setting holding the tag sync schedule.
pub const TAG_SCHEDULE_KEY: &str = "tags.sync.schedule";
/// The setting holding the tag sync's last scheduled run.
pub const TAG_LAST_RUN_KEY: &str = "tags.sync.lastRun";

/// Tag sync while the app runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TagSchedule {
    /// On or off.
    pub enabled: bool,
    /// Hours between runs (1–24).
    pub interval_hours: u32,
}

/// The last scheduled tag sync.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TagRun {
    /// When (RFC 3339).
    pub at: String,
    /// Servers tagged.
    pub written: usize,
    /// What failed.
    pub errors: Vec<String>,
}

/// The tag sync schedule and its last run.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TagScheduleState {
    /// The schedule, if set.
    pub schedule: Option<TagSchedule>,
    /// Its last run.
    pub last_run: Option<TagRun>,
}

/// The tag sync schedule.
#[tauri::command]
pub fn tags_schedule_get(state: State<'_, AppState>) -> CmdResult<TagScheduleState> {
    with_store(&state, |s| {
        Ok(TagScheduleState {
            schedule: s.setting(TAG_SCHEDULE_KEY)?,
            last_run: s.setting(TAG_LAST_RUN_KEY)?,
        })
    })
}

/// Sets the tag sync schedule (interval 1–24 hours).
#[tauri::command]
pub fn tags_schedule_set(state: State<'_, AppState>, schedule: TagSchedule) -> CmdResult<()> {
    if !(1..=24).contains(&schedule.interval_hours) {
        return Err(IpcError {
            code: "invalid",
            message: format!(
                "the interval must be 1 to 24 hours, not {}",
                schedule.interval_hours
            ),
            problems: vec![drs_core::Problem::error(
                "intervalHours",
                "must be 1 to 24 hours",
            )],
        });
    }
    let actor = state.actor.clone();
    with_store(&state, |s| {
        s.set_setting(TAG_SCHEDULE_KEY, &schedule, &actor, true)
    })
}

fn tag_sync_due(schedule: &TagSchedule, last: Option<&TagRun>) -> bool {
    use time::format_description::well_known::Rfc3339;
    if !schedule.enabled {
        return false;
    }
    let Some(last) = last else { return true };
    match time::OffsetDateTime::parse(&last.at, &Rfc3339) {
        Ok(at) => {
            time::OffsetDateTime::now_utc() - at
                >= time::Duration::hours(i64::from(schedule.interval_hours))
        }
        Err(_) => true,
    }
}

fn env_seconds(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(default)
        .max(1)
}

/// While the app runs: the replication health monitor (a desktop notification when a server
/// crosses into critical or its agent disconnects; first 30 s after start, then every 5
/// minutes, or `DRS_ORCH_HEALTH_TICK_SECONDS`), and the tag sync schedule (checked once a
/// minute).
pub fn spawn_monitors<R: tauri::Runtime>(app: tauri::AppHandle<R>) {
    use tauri::Manager;
    let health_app = app.clone();
    tauri::async_runtime::spawn(async move {
        let tick = env_seconds("DRS_ORCH_HEALTH_TICK_SECONDS", 300);
        let mut monitor = health::Monitor::default();
        // Not at start-up: the window's first pages read the same targets.
        tokio::time::sleep(std::time::Duration::from_secs(tick.min(30))).await;
        loop {
            let state = health_app.state::<AppState>();
            let prepared =
                with_store_and_keychain(&state, move |s, k| Ok(health::prepare(s, k, None)?)).await;
            if let Ok(prepared) = prepared {
                let (_, alerts) = monitor.look(&prepared, &state.sandbox).await;
                use tauri_plugin_notification::NotificationExt;
                for a in alerts {
                    let _ = health_app
                        .notification()
                        .builder()
                        .title(&a.title)
                        .body(&a.body)
                        .show();
                }
            }
            tokio::time::sleep(std::time::Duration::from_secs(tick)).await;
        }
    });
    tauri::async_runtime::spawn(async move {
        let tick = env_seconds("DRS_ORCH_SCHEDULE_TICK_SECONDS", 60);
        loop {
            let state = app.state::<AppState>();
            let due = with_store(&state, |s| {
                let schedule: Option<TagSchedule> = s.setting(TAG_SCHEDULE_KEY)?;
                let last: Option<TagRun> = s.setting(TAG_LAST_RUN_KEY)?;
                Ok(schedule.is_some_and(|x| tag_sync_due(&x, last.as_ref())))
            })
            .unwrap_or(false);
            if due {
                let prepared =
                    with_store_and_keychain(&state, move |s, k| Ok(tag_sync::prepare(s, k, None)?))
                        .await;
                let run = match prepared {
                    Ok(p) => {
                        let syncs = tag_sync::run(p, &state.sandbox, false).await;
                        let _ = with_store(&state, |s| tag_sync::record(s, &syncs, "schedule"));
                        TagRun {
                            at: crate::now(),
                            written: syncs.iter().map(|x| x.written).sum(),
                            errors: syncs
                                .iter()
                                .flat_map(|x| x.error.iter().chain(x.failed.iter()).cloned())
                                .collect(),
                        }
                    }
                    Err(e) => TagRun {
                        at: crate::now(),
                        written: 0,
                        errors: vec![e.message],
                    },
                };
                let _ = with_store(&state, |s| {
                    s.set_setting(TAG_LAST_RUN_KEY, &run, "schedule", false)
                });
            }
            tokio::time::sleep(std::time::Duration::from_secs(tick)).await;
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tag_sync_is_due_after_its_interval() {
        let s = TagSchedule {
            enabled: true,
            interval_hours: 6,
        };
        assert!(tag_sync_due(&s, None));
        let recent = TagRun {
            at: crate::now(),
            written: 0,
            errors: vec![],
        };
        assert!(!tag_sync_due(&s, Some(&recent)));
        let old = TagRun {
            at: "2026-01-01T00:00:00Z".into(),
            ..recent
        };
        assert!(tag_sync_due(&s, Some(&old)));
        assert!(!tag_sync_due(
            &TagSchedule {
                enabled: false,
                ..s
            },
            Some(&old)
        ));
    }
}
