//! `drs-orchestrator report readiness --plan NAME --out FILE.pdf` (or `--all`) and
//! `report drill --execution ID --out FILE.pdf`; `--format csv` writes the server table.

use super::output::Output;
use super::Failure;
use crate::connect::EmbeddedSandbox;
use crate::reports::{self, Made, ReportError, ReportFormat};
use clap::{Subcommand, ValueEnum};
use drs_secrets::Secrets;
use drs_store::Store;
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
}

impl From<ReportError> for Failure {
    fn from(e: ReportError) -> Self {
        match e {
            ReportError::Store(s) => s.into(),
            ReportError::File(f) => f.into(),
            ReportError::NoPlans | ReportError::Schedule(_) => Failure::invalid(e.to_string()),
            ReportError::Layout(_) => Failure::runtime(e.to_string()),
        }
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
pub fn run(
    cmd: &ReportCommand,
    store: &mut Store,
    keychain: &dyn Secrets,
    out: &Output,
) -> Result<u8, Failure> {
    let now = time::OffsetDateTime::now_utc();
    match cmd {
        ReportCommand::Readiness {
            plan,
            all: _,
            out: file,
            format,
        } => {
            check_out(file)?;
            let prepared = reports::prepare_readiness(store, keychain, plan)?;
            let rt = tokio::runtime::Runtime::new()
                .map_err(|e| Failure::runtime(format!("cannot start the async runtime: {e}")))?;
            let sandbox = EmbeddedSandbox::default();
            let checked = rt.block_on(reports::check_readiness(prepared, &sandbox));
            reports::save_checks(store, &checked)?;
            let made = reports::readiness_report(&checked, (*format).into(), now)?;
            reports::write(&made, file)?;
            let ready = checked.plans.iter().all(|(r, _)| r.ready);
            written(out, &made, file, Some(ready));
            Ok(0)
        }
        ReportCommand::Drill {
            execution,
            out: file,
            format,
        } => {
            check_out(file)?;
            let made = reports::drill_report(store, execution, (*format).into(), now)?;
            reports::write(&made, file)?;
            written(out, &made, file, None);
            Ok(0)
        }
    }
}
