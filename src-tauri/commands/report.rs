//! Reports in the window: make a readiness or drill report, preview what it says, save it
//! where the user chose (native dialog), and the schedule that writes readiness reports into a
//! folder while the app runs.

use super::{with_store, CmdResult, ErrorCode, IpcError};
use drs_app::ipc::MadeReport;
use drs_app::reports::{self, Made, ReportFormat, Schedule, ScheduleRun};
use drs_app::schedules::ScheduleState;
use drs_app::App;
use std::path::PathBuf;
use std::sync::Mutex;
use tauri::State;

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

/// Makes the report of one execution (a running one is reported as in progress).
#[tauri::command]
pub fn report_drill(
    state: State<'_, App>,
    made: State<'_, MadeReports>,
    execution: String,
    format: ReportFormat,
) -> CmdResult<MadeReport> {
    let report = state.execution_report(&execution, format)?;
    Ok(MadeReport {
        preview: report.preview.clone(),
        token: made.keep(report)?,
    })
}

/// Saves a report made earlier to `path` (chosen in the native save dialog).
#[tauri::command]
pub fn report_save(
    state: State<'_, App>,
    made: State<'_, MadeReports>,
    token: String,
    path: PathBuf,
) -> CmdResult<()> {
    let made = made.get(&token)?;
    reports::write(&made, &path)?;
    with_store(&state, |s| {
        s.audit_event(
            state.actor(),
            "report.save",
            "report",
            &made.preview.title,
            serde_json::json!({ "path": path, "bytes": made.bytes.len() }),
        )
    })
}

/// The report schedule.
#[tauri::command]
pub fn report_schedule_get(state: State<'_, App>) -> CmdResult<ScheduleState> {
    state.report_schedule()
}

/// Saves the report schedule (checked first: hour, weekday, a folder that exists and can be
/// written to).
#[tauri::command]
pub fn report_schedule_set(state: State<'_, App>, schedule: Schedule) -> CmdResult<ScheduleState> {
    state.set_report_schedule(schedule)
}

/// Runs the schedule now (whatever its time), writing its reports into its folder.
#[tauri::command]
pub async fn report_schedule_run_now(state: State<'_, App>) -> CmdResult<ScheduleRun> {
    state.run_report_schedule_now().await
}
