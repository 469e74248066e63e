//! `drs-orchestrator report readiness --plan NAME --out FILE.pdf`: the readiness report as PDF
//! (or the findings as CSV with `--format csv`).

use super::output::Output;
use super::Failure;
use crate::connect::EmbeddedSandbox;
use crate::readiness as run;
use clap::{Subcommand, ValueEnum};
use drs_core::readiness::Thresholds;
use drs_report::ReportContext;
use drs_secrets::Secrets;
use drs_store::Store;
use std::path::PathBuf;

/// Report formats.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Format {
    /// A PDF for auditors.
    Pdf,
    /// The findings as CSV.
    Csv,
}

/// Report subcommands.
#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// A plan's readiness, checked now.
    Readiness {
        /// The recovery plan.
        #[arg(long)]
        plan: String,
        /// Where to write the report.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// PDF (default) or CSV.
        #[arg(long, value_enum, default_value = "pdf")]
        format: Format,
    },
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Runs a report subcommand.
pub fn run(
    cmd: &ReportCommand,
    store: &mut Store,
    keychain: &dyn Secrets,
    out: &Output,
) -> Result<u8, Failure> {
    match cmd {
        ReportCommand::Readiness {
            plan,
            out: file,
            format,
        } => {
            let prepared = run::prepare(store, keychain, plan)?;
            let targets: Vec<String> = prepared
                .targets
                .iter()
                .map(|(t, _)| {
                    format!(
                        "{}: {}, {} → {}",
                        t.name, t.account_id, t.primary_region, t.recovery_region
                    )
                })
                .collect();
            let rt = tokio::runtime::Runtime::new()
                .map_err(|e| Failure::runtime(format!("cannot start the async runtime: {e}")))?;
            let sandbox = EmbeddedSandbox::default();
            let r = rt.block_on(run::check(prepared, &sandbox));
            let mut identity = Vec::new();
            for (target, cloud) in &r.clouds {
                if let Ok(c) = cloud {
                    if let Ok(me) = rt.block_on(c.caller_identity()) {
                        identity.push(format!("{target}: {}", me.arn));
                    }
                }
            }
            store.save_readiness(&r.readiness)?;
            let bytes = match format {
                Format::Pdf => drs_report::readiness_pdf(
                    &r.readiness,
                    &ReportContext {
                        targets,
                        identity,
                        generated_at: time::OffsetDateTime::now_utc(),
                        version: env!("CARGO_PKG_VERSION").into(),
                    },
                    &Thresholds::default(),
                )
                .map_err(|e| Failure::runtime(e.to_string()))?,
                Format::Csv => {
                    let mut s = String::from("severity,wave,group,server,source_server_id,check,finding,evidence,observed_at,remediation\n");
                    for f in &r.readiness.findings {
                        let row = [
                            format!("{:?}", f.severity).to_lowercase(),
                            f.wave.clone().unwrap_or_default(),
                            f.group.clone().unwrap_or_default(),
                            f.server_name.clone().unwrap_or_default(),
                            f.source_server_id.clone().unwrap_or_default(),
                            f.check.clone(),
                            f.message.clone(),
                            f.evidence.clone().unwrap_or_default(),
                            f.observed_at.clone(),
                            f.remediation.clone().unwrap_or_default(),
                        ];
                        s.push_str(
                            &row.iter()
                                .map(|c| csv_field(c))
                                .collect::<Vec<_>>()
                                .join(","),
                        );
                        s.push('\n');
                    }
                    s.into_bytes()
                }
            };
            crate::files::write_atomic(file, &bytes)?;
            out.value(&serde_json::json!({ "written": file, "ready": r.readiness.ready, "bytes": bytes.len() }), || {
                format!(
                    "wrote the readiness report of \"{plan}\" to {} ({} KiB): {}",
                    file.display(),
                    bytes.len() / 1024,
                    if r.readiness.ready { "ready" } else { "not ready" }
                )
            });
            Ok(0)
        }
    }
}
