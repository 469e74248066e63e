//! `drs-orchestrator schedule show | report | tags | run` (see and set the report and tag-sync
//! schedules the window's Reports and Settings pages set, with the reports' delivery to S3 and
//! by e-mail, and run what is due now — retrying failed deliveries — for cron)
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
        /// Retry every failed report delivery now, whatever its retry time.
        #[arg(long)]
        retry: bool,
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
    #[command(flatten)]
    delivery: DeliveryArgs,
}

/// Where `schedule report` delivers the reports besides the folder. Without any of these, the
/// schedule keeps the delivery it had.
#[derive(Debug, Args)]
pub struct DeliveryArgs {
    /// The target whose AWS account delivers (credentials, recovery region, S3/SES endpoints).
    #[arg(long, value_name = "TARGET")]
    deliver_with: Option<String>,
    /// Put each report into this S3 bucket.
    #[arg(long, value_name = "BUCKET")]
    s3_bucket: Option<String>,
    /// Key prefix in the bucket (e.g. dr/readiness/).
    #[arg(
        long,
        value_name = "PREFIX",
        requires = "s3_bucket",
        default_value = ""
    )]
    s3_prefix: String,
    /// Server-side encryption of the objects.
    #[arg(long, value_enum, requires = "s3_bucket", default_value_t = Sse::S3)]
    sse: Sse,
    /// With --sse kms: the KMS key (ID, ARN or alias); the account's aws/s3 key otherwise.
    #[arg(long, value_name = "KEY", requires = "s3_bucket")]
    kms_key: Option<String>,
    /// E-mail each report from this address (verified in SES) ...
    #[arg(long, value_name = "ADDRESS", requires = "email_to")]
    email_from: Option<String>,
    /// ... to this address (repeat for several).
    #[arg(long, value_name = "ADDRESS", requires = "email_from")]
    email_to: Vec<String>,
    /// Stop delivering (the reports are only written into the folder).
    #[arg(long, conflicts_with_all = ["deliver_with", "s3_bucket", "email_from"])]
    no_delivery: bool,
}

/// Server-side encryption.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Sse {
    /// S3-managed keys (AES256).
    S3,
    /// AWS KMS (aws:kms).
    Kms,
}

impl DeliveryArgs {
    /// The delivery to save: the one given, none, or (nothing said) the one the schedule had.
    fn delivery(
        &self,
        had: Option<drs_core::delivery::Delivery>,
    ) -> Result<Option<drs_core::delivery::Delivery>, Failure> {
        use drs_core::delivery::{Delivery, EmailDelivery, Encryption, S3Delivery};
        if self.no_delivery {
            return Ok(None);
        }
        if self.s3_bucket.is_none() && self.email_from.is_none() {
            if let (Some(t), Some(mut d)) = (&self.deliver_with, had.clone()) {
                d.target = t.clone();
                return Ok(Some(d));
            }
            return Ok(had);
        }
        let target = self
            .deliver_with
            .clone()
            .or_else(|| had.map(|d| d.target))
            .ok_or_else(|| {
                Failure::invalid("--deliver-with: name the target whose AWS account delivers")
            })?;
        Ok(Some(Delivery {
            target,
            s3: self.s3_bucket.as_ref().map(|bucket| S3Delivery {
                bucket: bucket.clone(),
                prefix: self.s3_prefix.clone(),
                encryption: match self.sse {
                    Sse::S3 => Encryption::S3Managed,
                    Sse::Kms => Encryption::Kms,
                },
                kms_key_id: self.kms_key.clone(),
            }),
            email: self.email_from.as_ref().map(|from| EmailDelivery {
                from: from.clone(),
                to: self.email_to.clone(),
            }),
        }))
    }
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
        ScheduleCommand::Run { now, retry } => run_schedules(*now, *retry, cx),
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
    let mut s = format!(
        "{}: wrote {} file(s){}",
        r.at,
        r.files.len(),
        failures(&r.errors)
    );
    for d in &r.deliveries {
        s.push_str(&format!("\n    {}", d.words()));
    }
    s
}

fn delivery_line(d: &drs_core::delivery::Delivery) -> String {
    let mut parts = Vec::new();
    if let Some(s3) = &d.s3 {
        parts.push(format!(
            "s3://{}/{} ({})",
            s3.bucket,
            s3.prefix,
            match s3.encryption {
                drs_core::delivery::Encryption::S3Managed => "SSE-S3".to_string(),
                drs_core::delivery::Encryption::Kms => format!(
                    "SSE-KMS{}",
                    s3.kms_key_id
                        .as_deref()
                        .map(|k| format!(" {k}"))
                        .unwrap_or_default()
                ),
            }
        ));
    }
    if let Some(e) = &d.email {
        parts.push(format!("e-mail from {} to {}", e.from, e.to.join(", ")));
    }
    format!(
        "  delivered with target {}: {}\n",
        d.target,
        parts.join("; ")
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
            if let Some(d) = report.schedule.as_ref().and_then(|x| x.delivery.as_ref()) {
                s.push_str(&delivery_line(d));
            }
            if let Some(next) = &report.next_run {
                s.push_str(&format!("  next run: {next}\n"));
            }
            if let Some(last) = &report.last_run {
                s.push_str(&format!("  last run: {}\n", report_run_line(last)));
            }
            if !report.pending_deliveries.is_empty() {
                s.push_str(&format!(
                    "  {} deliver(ies) waiting for a retry (schedule run --retry retries them now)\n",
                    report.pending_deliveries.len()
                ));
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
        let had = cx.app.report_schedule()?.schedule.and_then(|s| s.delivery);
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
            delivery: args.delivery.delivery(had)?,
        }
    };
    let state = cx.app.set_report_schedule(schedule)?;
    cx.out.value(&state, || {
        let mut s = report_line(state.schedule.as_ref());
        s.push('\n');
        if let Some(d) = state.schedule.as_ref().and_then(|x| x.delivery.as_ref()) {
            s.push_str(&delivery_line(d));
        }
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
fn run_schedules(now: bool, retry: bool, cx: &Cx) -> Result<u8, Failure> {
    let retried = if retry {
        cx.block_on(cx.app.retry_deliveries(true))?
    } else {
        Vec::new()
    };
    let (report, tags) = if now {
        let report = cx.block_on(cx.app.run_report_schedule_now())?;
        let (_, tags) = cx.block_on(cx.app.run_due_schedules());
        (Some(report), tags)
    } else {
        cx.block_on(cx.app.run_due_schedules())
    };
    let undelivered = |d: &[drs_core::delivery::DeliveryRecord]| {
        d.iter()
            .any(|x| x.status != drs_core::delivery::DeliveryStatus::Delivered)
    };
    let failed = report
        .as_ref()
        .is_some_and(|r| !r.errors.is_empty() || undelivered(&r.deliveries))
        || tags.as_ref().is_some_and(|t| !t.errors.is_empty())
        || undelivered(&retried);
    cx.out.value(
        &serde_json::json!({ "report": report, "tags": tags, "retried": retried }),
        || {
            let mut s = String::new();
            for d in &retried {
                s.push_str(&format!("retried: {}\n", d.words()));
            }
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
