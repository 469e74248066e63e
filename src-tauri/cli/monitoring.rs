//! `drs-orchestrator monitoring …`: always-on monitoring in the target's own account — what it
//! should be (`plan`) and the same as a CloudFormation template (`template`) for teams that
//! deploy infrastructure through their own pipelines.

use super::output::{self, Output};
use super::{Cx, Failure};
use clap::Subcommand;

/// `monitoring` subcommands.
#[derive(Debug, Subcommand)]
pub enum MonitoringCommand {
    /// What the target's monitoring should be: SNS topic and email subscriptions, EventBridge
    /// rules for DRS's events, a CloudWatch alarm on each source server's replication lag.
    Plan {
        /// The target.
        #[arg(long)]
        target: String,
        /// An email address subscribed to the alerts (repeat for several).
        #[arg(long = "email", value_name = "ADDRESS")]
        emails: Vec<String>,
    },
    /// The same as a CloudFormation template (JSON).
    Template {
        /// The target.
        #[arg(long)]
        target: String,
        /// An email address subscribed to the alerts (repeat for several).
        #[arg(long = "email", value_name = "ADDRESS")]
        emails: Vec<String>,
        /// Write to this file instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<std::path::PathBuf>,
    },
}

/// `monitoring …`.
pub fn run(cmd: &MonitoringCommand, cx: &Cx) -> Result<u8, Failure> {
    let out: &Output = &cx.out;
    match cmd {
        MonitoringCommand::Plan { target, emails } => {
            let m = cx.block_on(cx.app.monitoring_plan(target, emails))?;
            out.value(&m, || {
                let mut s = format!(
                    "Monitoring of target \"{}\": SNS topic {} ({} email subscription(s)), {} DRS event rule(s), {} lag alarm(s); every resource tagged {}={}\n",
                    m.target,
                    m.topic,
                    m.emails.len(),
                    m.rules.len(),
                    m.alarms.len(),
                    drs_core::monitoring::TAG_OWNER,
                    drs_core::monitoring::OWNER
                );
                for r in &m.rules {
                    s.push_str(&format!("  rule {}: {}\n", r.name, r.description));
                }
                let mut t = output::table(&["ALARM", "SERVER", "SOURCE SERVER", "LAG ABOVE"]);
                for a in &m.alarms {
                    t.add_row(vec![
                        a.name.clone(),
                        a.server.clone(),
                        a.source_server_id.clone(),
                        drs_core::readiness::human_seconds(a.threshold_seconds),
                    ]);
                }
                s.push_str(&format!("{t}\n"));
                s
            });
            Ok(0)
        }
        MonitoringCommand::Template {
            target,
            emails,
            out: file,
        } => {
            let t = cx.block_on(cx.app.monitoring_template(target, emails))?;
            let text = serde_json::to_string_pretty(&t)
                .map_err(|e| Failure::runtime(format!("cannot write the template: {e}")))?;
            match file {
                Some(path) => {
                    crate::files::write_atomic(path, text.as_bytes()).map_err(|e| {
                        Failure::runtime(format!("cannot write {}: {e}", path.display()))
                    })?;
                    out.value(&serde_json::json!({ "written": path }), || {
                        format!("wrote the CloudFormation template to {}\n", path.display())
                    });
                }
                None => println!("{text}"),
            }
            Ok(0)
        }
    }
}
