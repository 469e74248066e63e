//! `drs-orchestrator report readiness --plan NAME --out FILE.pdf` (or `--all`) and
//! `report drill --execution ID --out FILE.pdf`, `report failback --plan NAME --out FILE.pdf`;
//! `--format csv` writes the server table.

use super::output::Output;
use super::{Cx, Failure};
use crate::reports::{self, Made, ReportError, ReportFormat};
use clap::{Subcommand, ValueEnum};
use std::path::{Path, PathBuf};

/// Report formats.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Format {
    /// A PDF for auditors.
    Pdf,
    /// The server table as CSV.
    Csv,
}

impl From<Format> for ReportFormat {
    fn from(f: Format) -> Self {
        match f {
            Format::Pdf => ReportFormat::Pdf,
            Format::Csv => ReportFormat::Csv,
        }
    }
}

/// Report subcommands.
#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// Readiness of a plan (or several, or all), checked now.
    Readiness {
        /// The recovery plan (repeat for several in one report).
        #[arg(long, required_unless_present = "all", conflicts_with = "all")]
        plan: Vec<String>,
        /// Every plan, in one report.
        #[arg(long)]
        all: bool,
        /// Where to write the report.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// PDF (default) or CSV (the server table).
        #[arg(long, value_enum, default_value = "pdf")]
        format: Format,
    },
    /// What happened in a drill or recovery (a running one is reported as in progress).
    Drill {
        /// The execution ID (see `executions list`).
        #[arg(long)]
        execution: String,
        /// Where to write the report.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// PDF (default) or CSV (the server table).
        #[arg(long, value_enum, default_value = "pdf")]
        format: Format,
    },
    /// A plan's way home after a real recovery: each phase, each server there and back, the
    /// cleanup.
    Failback {
        /// The recovery plan.
        #[arg(long)]
        plan: String,
        /// Where to write the report.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// PDF (default) or CSV (the server table).
        #[arg(long, value_enum, default_value = "pdf")]
        format: Format,
    },
}

impl From<ReportError> for Failure {
    fn from(e: ReportError) -> Self {
        drs_app::AppError::from(e).into()
    }
}

/// Refuses an output path whose folder does not exist before any work is done.
fn check_out(out: &Path) -> Result<(), Failure> {
    let dir = match out.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    if !dir.is_dir() {
        return Err(Failure::invalid(format!(
            "--out {}: the folder {} does not exist",
            out.display(),
            dir.display()
        )));
    }
    if out.is_dir() {
        return Err(Failure::invalid(format!(
            "--out {}: is a folder; give a file name",
            out.display()
        )));
    }
    Ok(())
}

fn written(out: &Output, made: &Made, file: &Path, verdict: Option<bool>) {
    out.value(
        &serde_json::json!({
            "written": file,
            "bytes": made.bytes.len(),
            "summary": made.preview.summary,
        }),
        || {
            format!(
                "wrote \"{}\" to {} ({} KiB){}",
                made.preview.title,
                file.display(),
                made.bytes.len().div_ceil(1024),
                match verdict {
                    Some(true) => ": ready",
                    Some(false) => ": not ready",
                    None => "",
                }
            )
        },
    );
}

/// Runs a report subcommand.
pub fn run(cmd: &ReportCommand, cx: &Cx) -> Result<u8, Failure> {
    let out = &cx.out;
    match cmd {
        ReportCommand::Readiness {
            plan,
            all: _,
            out: file,
            format,
        } => {
            check_out(file)?;
            let (made, ready) = cx.block_on(cx.app.readiness_report(plan, (*format).into()))?;
            reports::write(&made, file)?;
            written(out, &made, file, Some(ready));
            Ok(0)
        }
        ReportCommand::Drill {
            execution,
            out: file,
            format,
        } => {
            check_out(file)?;
            let made = cx.app.execution_report(execution, (*format).into())?;
            reports::write(&made, file)?;
            written(out, &made, file, None);
            Ok(0)
        }
        ReportCommand::Failback {
            plan,
            out: file,
            format,
        } => {
            check_out(file)?;
            let made = cx.block_on(cx.app.failback_report(plan, (*format).into()))?;
            reports::write(&made, file)?;
            written(out, &made, file, None);
            Ok(0)
        }
    }
}
