//! `drs-orchestrator schedule show | report | tags | run` (see and set the report and tag-sync
//! schedules the window's Reports and Settings pages set, and run what is due now: for cron)
//! and `drs-orchestrator daemon` (the loops the window runs in the background, without a
//! window).

use super::report::Format;
use super::{Cx, Failure};
use crate::reports::{Cadence, Schedule, ScheduleRun};
use clap::{Args, Subcommand};
use drs_app::schedules::{TagRun, TagSchedule};
use std::path::PathBuf;

/// Schedule subcommands.
#[derive(Debug, Subcommand)]
pub enum ScheduleCommand {
    /// Show the report and tag-sync schedules, their last runs and the next report run.
    Show,
    /// Set (or turn off) the readiness report schedule.
    Report(ReportArgs),
    /// Set (or turn off) the tag-sync schedule.
    Tags(TagArgs),
    /// Run the report schedule and the tag-sync schedule if they are due now (`--now`: run the
    /// report schedule whatever its time).
    Run {
        /// Run the report schedule now, due or not.
        #[arg(long)]
        now: bool,
    },
}

/// `schedule report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Turn the schedule off (its settings are kept).
    #[arg(long, conflicts_with_all = ["folder", "hour", "weekly", "weekday", "plan", "format"])]
    off: bool,
    /// The folder the reports are written into (it must exist and be writable).
    #[arg(long, required_unless_present = "off")]
    folder: Option<PathBuf>,
    /// Hour of the day, UTC (0-23).
    #[arg(long, required_unless_present = "off")]
    hour: Option<u8>,
    /// Weekly instead of daily.
    #[arg(long)]
    weekly: bool,
    /// With --weekly: 1 = Monday ... 7 = Sunday.
    #[arg(long, requires = "weekly", default_value_t = 1)]
    weekday: u8,
    /// A plan to report on (repeat for several); none for every plan.
    #[arg(long)]
    plan: Vec<String>,
    /// The reports' format.
    #[arg(long, value_enum, default_value_t = Format::Pdf)]
    format: Format,
}

/// `schedule tags`.
#[derive(Debug, Args)]
pub struct TagArgs {
    /// Every so many hours (1-24).
    #[arg(long, required_unless_present = "off")]
    every_hours: Option<u32>,
    /// Turn the schedule off.
    #[arg(long, conflicts_with = "every_hours")]
    off: bool,
}

/// Runs a schedule subcommand.
pub fn run(cmd: &ScheduleCommand, cx: &Cx) -> Result<u8, Failure> {
    match cmd {
        ScheduleCommand::Show => show(cx),
        ScheduleCommand::Report(args) => set_report(args, cx),
        ScheduleCommand::Tags(args) => set_tags(args, cx),
        ScheduleCommand::Run { now } => run_schedules(*now, cx),
    }
}

fn report_line(s: Option<&Schedule>) -> String {
    match s {
        None => "report schedule: not set".into(),
        Some(s) => format!(
            "report schedule: {} - {} {} at {:02}:00 UTC into {}, {}",
            if s.enabled { "on" } else { "off" },
            if s.plans.is_empty() {
                "every plan".to_string()
            } else {
                format!("plan(s) {}", s.plans.join(", "))
            },
            match s.cadence {
                Cadence::Daily => "daily".to_string(),
                Cadence::Weekly => format!("weekly on {}", weekday_name(s.weekday)),
            },
            s.hour,
            s.folder.display(),
            match s.format {
                crate::reports::ReportFormat::Pdf => "PDF",
                crate::reports::ReportFormat::Csv => "CSV",
            }
        ),
    }
}

fn weekday_name(d: u8) -> &'static str {
    match d {
        1 => "Monday",
        2 => "Tuesday",
        3 => "Wednesday",
        4 => "Thursday",
        5 => "Friday",
        6 => "Saturday",
        7 => "Sunday",
        _ => "an unknown day",
    }
}

/// `; failed: a; b` when a run had errors.
fn failures(errors: &[String]) -> String {
    if errors.is_empty() {
        String::new()
    } else {
        format!("; failed: {}", errors.join("; "))
    }
}

fn report_run_line(r: &ScheduleRun) -> String {
    format!(
        "{}: wrote {} file(s){}",
        r.at,
        r.files.len(),
        failures(&r.errors)
    )
}

fn tag_run_line(t: &TagRun) -> String {
    format!(
        "{}: tagged {} server(s){}",
        t.at,
        t.written,
        failures(&t.errors)
    )
}

/// `schedule show`.
fn show(cx: &Cx) -> Result<u8, Failure> {
    let report = cx.app.report_schedule()?;
    let tags = cx.app.tag_schedule()?;
    cx.out.value(
        &serde_json::json!({ "report": report, "tags": tags }),
        || {
            let mut s = report_line(report.schedule.as_ref());
            s.push('\n');
            if let Some(next) = &report.next_run {
                s.push_str(&format!("  next run: {next}\n"));
            }
            if let Some(last) = &report.last_run {
                s.push_str(&format!("  last run: {}\n", report_run_line(last)));
            }
            match &tags.schedule {
                None => s.push_str("tag sync schedule: not set\n"),
                Some(t) => s.push_str(&format!(
                    "tag sync schedule: {} - every {} hour(s)\n",
                    if t.enabled { "on" } else { "off" },
                    t.interval_hours
                )),
            }
            if let Some(last) = &tags.last_run {
                s.push_str(&format!("  last run: {}\n", tag_run_line(last)));
            }
            s
        },
    );
    Ok(0)
}

/// `schedule report`.
fn set_report(args: &ReportArgs, cx: &Cx) -> Result<u8, Failure> {
    let schedule = if args.off {
        let Some(mut s) = cx.app.report_schedule()?.schedule else {
            return Err(Failure::invalid(
                "no report schedule is set, so there is nothing to turn off",
            ));
        };
        s.enabled = false;
        s
    } else {
        let (Some(folder), Some(hour)) = (args.folder.clone(), args.hour) else {
            return Err(Failure::invalid("--folder and --hour are required"));
        };
        Schedule {
            enabled: true,
            folder,
            cadence: if args.weekly {
                Cadence::Weekly
            } else {
                Cadence::Daily
            },
            weekday: args.weekday,
            hour,
            plans: args.plan.clone(),
            format: args.format.into(),
            saved_at: None,
        }
    };
    let state = cx.app.set_report_schedule(schedule)?;
    cx.out.value(&state, || {
        let mut s = report_line(state.schedule.as_ref());
        s.push('\n');
        if let Some(next) = &state.next_run {
            s.push_str(&format!("  next run: {next}\n"));
        }
        s
    });
    Ok(0)
}

/// `schedule tags`.
fn set_tags(args: &TagArgs, cx: &Cx) -> Result<u8, Failure> {
    let schedule = match args.every_hours {
        Some(hours) => TagSchedule {
            enabled: true,
            interval_hours: hours,
        },
        None => {
            let Some(mut t) = cx.app.tag_schedule()?.schedule else {
                return Err(Failure::invalid(
                    "no tag sync schedule is set, so there is nothing to turn off",
                ));
            };
            t.enabled = false;
            t
        }
    };
    cx.app.set_tag_schedule(schedule)?;
    cx.out.value(&schedule, || {
        if schedule.enabled {
            format!(
                "tag sync schedule: on - every {} hour(s)\n",
                schedule.interval_hours
            )
        } else {
            "tag sync schedule: off\n".into()
        }
    });
    Ok(0)
}

/// `schedule run`.
fn run_schedules(now: bool, cx: &Cx) -> Result<u8, Failure> {
    let (report, tags) = if now {
        let report = cx.block_on(cx.app.run_report_schedule_now())?;
        let (_, tags) = cx.block_on(cx.app.run_due_schedules());
        (Some(report), tags)
    } else {
        cx.block_on(cx.app.run_due_schedules())
    };
    let failed = report.as_ref().is_some_and(|r| !r.errors.is_empty())
        || tags.as_ref().is_some_and(|t| !t.errors.is_empty());
    cx.out.value(
        &serde_json::json!({ "report": report, "tags": tags }),
        || {
            let mut s = String::new();
            match &report {
                Some(r) => s.push_str(&format!("report schedule: {}\n", report_run_line(r))),
                None => s.push_str("report schedule: not due (or not set)\n"),
            }
            match &tags {
                Some(t) => s.push_str(&format!("tag sync schedule: {}\n", tag_run_line(t))),
                None => s.push_str("tag sync schedule: not due (or not set)\n"),
            }
            s
        },
    );
    Ok(if failed { 1 } else { 0 })
}

/// `daemon`: runs the background loops until Ctrl-C.
pub fn daemon(cx: &Cx) -> Result<u8, Failure> {
    cx.out.note(&format!(
        "running the schedules, the health monitor and the follower of executions on {} (Ctrl-C stops)",
        cx.app.data_dir().display()
    ));
    cx.block_on(async {
        cx.app.spawn_background();
        let _ = tokio::signal::ctrl_c().await;
    });
    Ok(0)
}
