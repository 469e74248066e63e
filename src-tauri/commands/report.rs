//! Reports in the window: make a readiness or drill report, preview what it says, save it
//! where the user chose (native dialog), and the schedule that writes readiness reports into a
//! folder while the app runs.

use super::{with_store, CmdResult, ErrorCode, IpcError};
use crate::dialogs::{Dialogs, Pick};
use drs_app::ipc::MadeReport;
use drs_app::reports::{self, Made, ReportFormat, Schedule, ScheduleRun};
use drs_app::schedules::ScheduleState;
use drs_app::App;
use std::sync::Mutex;
use tauri::{AppHandle, Runtime, State};

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
        let mut m = self.made.lock().map_err(|_| {
            IpcError::new(ErrorCode::Internal, "the report cache lock was poisoned")
        })?;
        m.push((token.clone(), made));
        let excess = m.len().saturating_sub(4);
        m.drain(..excess);
        Ok(token)
    }

    fn get(&self, token: &str) -> CmdResult<Made> {
        let m = self.made.lock().map_err(|_| {
            IpcError::new(ErrorCode::Internal, "the report cache lock was poisoned")
        })?;
        m.iter()
            .find(|(t, _)| t == token)
            .map(|(_, made)| made.clone())
            .ok_or_else(|| {
                IpcError::new(
                    ErrorCode::NotFound,
                    "this report is no longer in memory; make it again",
                )
            })
    }
}

/// Checks the plans now (every plan when `plans` is empty) and makes their readiness report.
#[tauri::command]
pub async fn report_readiness(
    state: State<'_, App>,
    made: State<'_, MadeReports>,
    plans: Vec<String>,
    format: ReportFormat,
) -> CmdResult<MadeReport> {
    let (report, _) = state.readiness_report(&plans, format).await?;
    Ok(MadeReport {
        preview: report.preview.clone(),
        token: made.keep(report)?,
    })
}

/// Makes the failback report of `plan` (its way home after a real recovery).
#[tauri::command]
pub async fn report_failback(
    state: State<'_, App>,
    made: State<'_, MadeReports>,
    plan: String,
    format: ReportFormat,
) -> CmdResult<MadeReport> {
    let report = state.failback_report(&plan, format).await?;
    Ok(MadeReport {
        preview: report.preview.clone(),
        token: made.keep(report)?,
    })
}

/// Makes the report of one execution (a running one is reported as in progress), off the main
/// thread (a large PDF takes a while and the window stays responsive).
#[tauri::command]
pub async fn report_drill(
    state: State<'_, App>,
    made: State<'_, MadeReports>,
    execution: String,
    format: ReportFormat,
) -> CmdResult<MadeReport> {
    let app = state.inner().clone();
    let report = tokio::task::spawn_blocking(move || app.execution_report(&execution, format))
        .await
        .map_err(|e| {
            IpcError::new(
                ErrorCode::Internal,
                format!("making the report failed: {e}"),
            )
        })??;
    Ok(MadeReport {
        preview: report.preview.clone(),
        token: made.keep(report)?,
    })
}

/// Saves a report made earlier where the user picks in the native save dialog (opened here:
/// the web view names no path); the path written, or `null` when they cancelled.
#[tauri::command]
pub async fn report_save<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, App>,
    made: State<'_, MadeReports>,
    dialogs: State<'_, Dialogs>,
    token: String,
) -> CmdResult<Option<String>> {
    let made = made.get(&token)?;
    let filter: (&str, &[&str]) = match made.preview.format {
        ReportFormat::Pdf => ("PDF", &["pdf"]),
        ReportFormat::Csv => ("CSV", &["csv"]),
    };
    let pick = Pick::Save {
        title: "Save report",
        file_name: made.preview.file_name.clone(),
        filter,
    };
    let Some(path) = dialogs.pick(&app, pick).await else {
        return Ok(None);
    };
    reports::write(&made, &path)?;
    with_store(&state, |s| {
        s.audit_event(
            state.actor(),
            "report.save",
            "report",
            &made.preview.title,
            serde_json::json!({ "path": path, "bytes": made.bytes.len() }),
        )
    })?;
    Ok(Some(path.display().to_string()))
}

/// Asks the user for the schedule's folder in the native folder dialog; the folder, or `null`
/// when they cancelled. Only a folder picked here (or the one already saved) can be saved.
#[tauri::command]
pub async fn report_schedule_choose_folder<R: Runtime>(
    app: AppHandle<R>,
    dialogs: State<'_, Dialogs>,
) -> CmdResult<Option<String>> {
    let pick = Pick::Folder {
        title: "Folder for scheduled reports",
    };
    Ok(dialogs
        .pick(&app, pick)
        .await
        .map(|p| p.display().to_string()))
}

/// The report schedule.
#[tauri::command]
pub fn report_schedule_get(state: State<'_, App>) -> CmdResult<ScheduleState> {
    state.report_schedule()
}

/// Saves the report schedule (checked first: hour, weekday, a folder that exists and can be
/// written to).
/// The folder must be the one saved already or one the folder dialog returned: the web view
/// cannot make the app write reports anywhere else.
#[tauri::command]
pub fn report_schedule_set(
    state: State<'_, App>,
    dialogs: State<'_, Dialogs>,
    schedule: Schedule,
) -> CmdResult<ScheduleState> {
    let saved = state
        .report_schedule()?
        .schedule
        .map(|s| s.folder)
        .filter(|f| *f == schedule.folder);
    if schedule.enabled && saved.is_none() && !dialogs.was_chosen(&schedule.folder) {
        return Err(IpcError::new(
            ErrorCode::Invalid,
            format!(
                "the folder {} was not chosen in the folder dialog: choose it with \"Choose folder\"",
                schedule.folder.display()
            ),
        ));
    }
    state.set_report_schedule(schedule)
}

/// Runs the schedule now (whatever its time), writing its reports into its folder.
#[tauri::command]
pub async fn report_schedule_run_now(state: State<'_, App>) -> CmdResult<ScheduleRun> {
    state.run_report_schedule_now().await
}

/// Retries every failed report delivery now; the retried deliveries as they stand.
#[tauri::command]
pub async fn report_delivery_retry(
    state: State<'_, App>,
) -> CmdResult<Vec<drs_core::delivery::DeliveryRecord>> {
    state.retry_deliveries(true).await
}
