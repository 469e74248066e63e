//! Reports in the window: make a readiness or drill report, preview what it says, save it
//! where the user chose (native dialog), and the schedule that writes readiness reports into a
//! folder while the app runs.

use super::{with_store, with_store_and_keychain, CmdResult, IpcError};
use crate::reports::{self, Made, Preview, ReportError, ReportFormat, Schedule, ScheduleRun};
use crate::AppState;
use drs_core::Problem;
use serde::Serialize;
use std::path::PathBuf;
use std::sync::Mutex;
use tauri::{AppHandle, Manager, Runtime, State};

impl From<ReportError> for IpcError {
    fn from(e: ReportError) -> Self {
        match e {
            ReportError::Store(s) => s.into(),
            ReportError::File(f) => f.into(),
            ReportError::NoPlans => IpcError::new("not_found", e.to_string()),
            ReportError::Schedule(_) => IpcError::new("invalid", e.to_string()),
            ReportError::Layout(_) => IpcError::new("internal", e.to_string()),
        }
    }
}

/// Reports made in this session and not yet saved, by token (the newest few).
#[derive(Default)]
pub struct MadeReports {
    made: Mutex<Vec<(String, Made)>>,
}

impl MadeReports {
    fn keep(&self, made: Made) -> CmdResult<String> {
        let token = format!(
            "report-{}",
            time::OffsetDateTime::now_utc().unix_timestamp_nanos()
        );
        let mut m = self
            .made
            .lock()
            .map_err(|_| IpcError::new("internal", "the report cache lock was poisoned"))?;
        m.push((token.clone(), made));
        let excess = m.len().saturating_sub(4);
        m.drain(..excess);
        Ok(token)
    }

    fn get(&self, token: &str) -> CmdResult<Made> {
        let m = self
            .made
            .lock()
            .map_err(|_| IpcError::new("internal", "the report cache lock was poisoned"))?;
        m.iter()
            .find(|(t, _)| t == token)
            .map(|(_, made)| made.clone())
            .ok_or_else(|| {
                IpcError::new(
                    "not_found",
                    "this report is no longer in memory; make it again",
                )
            })
    }
}

/// A report ready to save.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MadeReport {
    /// Pass to `report_save`.
    pub token: String,
    /// What it says.
    pub preview: Preview,
}

/// Checks the plans now (every plan when `plans` is empty) and makes their readiness report.
#[tauri::command]
pub async fn report_readiness(
    state: State<'_, AppState>,
    plans: Vec<String>,
    format: ReportFormat,
) -> CmdResult<MadeReport> {
    let prepared = with_store_and_keychain(&state, move |s, keychain| {
        Ok(reports::prepare_readiness(s, keychain, &plans)?)
    })
    .await?;
    let checked = reports::check_readiness(prepared, &state.sandbox).await;
    with_store(&state, |s| reports::save_checks(s, &checked))?;
    let made = reports::readiness_report(&checked, format, time::OffsetDateTime::now_utc())?;
    Ok(MadeReport {
        preview: made.preview.clone(),
        token: state.reports.keep(made)?,
    })
}

/// Makes the report of one execution (a running one is reported as in progress).
#[tauri::command]
pub fn report_drill(
    state: State<'_, AppState>,
    execution: String,
    format: ReportFormat,
) -> CmdResult<MadeReport> {
    let made = locked_report(&state, |s| {
        reports::drill_report(s, &execution, format, time::OffsetDateTime::now_utc())
    })?;
    Ok(MadeReport {
        preview: made.preview.clone(),
        token: state.reports.keep(made)?,
    })
}

fn locked_report<T>(
    state: &AppState,
    f: impl FnOnce(&mut drs_store::Store) -> Result<T, ReportError>,
) -> CmdResult<T> {
    let mut out = None;
    with_store(state, |s| {
        out = Some(f(s));
        Ok(())
    })?;
    match out {
        Some(r) => Ok(r?),
        None => Err(IpcError::new("internal", "the report was not made")),
    }
}

/// Saves a report made earlier to `path` (chosen in the native save dialog).
#[tauri::command]
pub fn report_save(state: State<'_, AppState>, token: String, path: PathBuf) -> CmdResult<()> {
    let made = state.reports.get(&token)?;
    reports::write(&made, &path)?;
    with_store(&state, |s| {
        s.audit_event(
            &state.actor,
            "report.save",
            "report",
            &made.preview.title,
            serde_json::json!({ "path": path, "bytes": made.bytes.len() }),
        )
    })
}

/// The schedule, its last run and its next.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScheduleState {
    /// The schedule, if one was ever saved.
    pub schedule: Option<Schedule>,
    /// Its last run.
    pub last_run: Option<ScheduleRun>,
    /// When it runs next (RFC 3339), when enabled.
    pub next_run: Option<String>,
}

fn schedule_state(s: &drs_store::Store) -> Result<ScheduleState, drs_store::StoreError> {
    let schedule: Option<Schedule> = s.setting(reports::SCHEDULE_KEY)?;
    let next_run = schedule
        .as_ref()
        .filter(|x| x.enabled)
        .map(|x| crate::rfc3339(x.next_slot(time::OffsetDateTime::now_utc())));
    Ok(ScheduleState {
        schedule,
        last_run: s.setting(reports::LAST_RUN_KEY)?,
        next_run,
    })
}

/// The report schedule.
#[tauri::command]
pub fn report_schedule_get(state: State<'_, AppState>) -> CmdResult<ScheduleState> {
    with_store(&state, |s| schedule_state(s))
}

/// Saves the report schedule (checked first: hour, weekday, a folder that exists and can be
/// written to).
#[tauri::command]
pub fn report_schedule_set(
    state: State<'_, AppState>,
    mut schedule: Schedule,
) -> CmdResult<ScheduleState> {
    let problems = schedule.problems();
    if !problems.is_empty() {
        return Err(IpcError {
            code: "invalid",
            message: format!("the schedule is not valid: {}", problems.join("; ")),
            problems: problems
                .iter()
                .map(|p| {
                    let (path, message) = p.split_once(": ").unwrap_or(("", p));
                    Problem::error(path, message)
                })
                .collect(),
        });
    }
    schedule.saved_at = Some(crate::now());
    with_store(&state, |s| {
        s.set_setting(reports::SCHEDULE_KEY, &schedule, &state.actor, true)?;
        schedule_state(s)
    })
}

/// Runs the schedule now (whatever its time), writing its reports into its folder.
#[tauri::command]
pub async fn report_schedule_run_now<R: Runtime>(app: AppHandle<R>) -> CmdResult<ScheduleRun> {
    let state = app.state::<AppState>();
    let schedule: Option<Schedule> = with_store(&state, |s| s.setting(reports::SCHEDULE_KEY))?;
    let schedule =
        schedule.ok_or_else(|| IpcError::new("not_found", "no report schedule is saved yet"))?;
    let problems = schedule.problems();
    if !problems.is_empty() {
        return Err(IpcError::new("invalid", problems.join("; ")));
    }
    Ok(run_scheduled(&app, &schedule).await)
}

/// Runs `schedule` once and records the run (and notifies when something failed).
async fn run_scheduled<R: Runtime>(app: &AppHandle<R>, schedule: &Schedule) -> ScheduleRun {
    let state = app.state::<AppState>();
    let plans = schedule.plans.clone();
    let prepared = with_store_and_keychain(&state, move |s, keychain| {
        Ok(reports::prepare_readiness(s, keychain, &plans))
    })
    .await
    .unwrap_or_else(|e| Err(ReportError::Schedule(e.message)));
    let (run, checked) = reports::run_schedule(
        schedule,
        prepared,
        &state.sandbox,
        time::OffsetDateTime::now_utc(),
    )
    .await;
    let _ = with_store(&state, |s| {
        if let Some(c) = &checked {
            reports::save_checks(s, c)?;
        }
        s.set_setting(reports::LAST_RUN_KEY, &run, "schedule", false)?;
        s.audit_event(
            "schedule",
            "report.scheduled",
            "report",
            "readiness",
            serde_json::json!({ "files": run.files, "errors": run.errors }),
        )
    });
    if !run.errors.is_empty() {
        use tauri_plugin_notification::NotificationExt;
        let _ = app
            .notification()
            .builder()
            .title("Scheduled readiness report failed")
            .body(run.errors.join("; "))
            .show();
    }
    run
}

/// While the app runs: once a minute, runs the report schedule when it is due.
pub fn spawn_schedule<R: Runtime>(app: AppHandle<R>) {
    let tick = std::env::var("DRS_ORCH_SCHEDULE_TICK_SECONDS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(60)
        .max(1);
    tauri::async_runtime::spawn(async move {
        loop {
            let due = {
                let state = app.state::<AppState>();
                with_store(&state, |s| {
                    let schedule: Option<Schedule> = s.setting(reports::SCHEDULE_KEY)?;
                    let last: Option<ScheduleRun> = s.setting(reports::LAST_RUN_KEY)?;
                    Ok(schedule.filter(|x| {
                        x.due(
                            last.as_ref().map(|l| l.at.as_str()),
                            time::OffsetDateTime::now_utc(),
                        )
                    }))
                })
                .ok()
                .flatten()
            };
            if let Some(schedule) = due {
                run_scheduled(&app, &schedule).await;
            }
            tokio::time::sleep(std::time::Duration::from_secs(tick)).await;
        }
    });
}
