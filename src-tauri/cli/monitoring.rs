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
    /// What the account holds against what it should (exit 3 when something differs: not
    /// deployed, a threshold changed, a server added or gone, a rule edited).
    Status {
        /// The target.
        #[arg(long)]
        target: String,
    },
    /// Create or bring back the monitoring in the target's account; lists the changes and
    /// makes them only with --yes.
    Deploy {
        /// The target.
        #[arg(long)]
        target: String,
        /// An email address subscribed to the alerts (repeat for several; none: keep the
        /// addresses already subscribed).
        #[arg(long = "email", value_name = "ADDRESS")]
        emails: Vec<String>,
        /// Make the changes.
        #[arg(long)]
        yes: bool,
    },
    /// Remove every monitoring resource of the app from the target's account; lists them and
    /// removes them only with --yes.
    Remove {
        /// The target.
        #[arg(long)]
        target: String,
        /// Remove them.
        #[arg(long)]
        yes: bool,
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

fn status_text(s: &drs_app::monitoring::MonitoringStatus) -> String {
    let o = &s.observed;
    let mut t = format!(
        "Monitoring of target \"{}\": topic {} ({}), {} subscription(s), {} of {} rule(s), {} of {} alarm(s) in the account\n",
        s.desired.target,
        s.desired.topic,
        if o.topic_arn.is_some() { "exists" } else { "missing" },
        o.subscriptions.len(),
        o.rules.len(),
        s.desired.rules.len(),
        o.alarms.len(),
        s.desired.alarms.len()
    );
    for (email, arn) in &o.subscriptions {
        t.push_str(&format!(
            "  {email}: {}\n",
            if arn == "PendingConfirmation" {
                "waiting for the person to confirm"
            } else {
                "confirmed"
            }
        ));
    }
    if s.words.is_empty() {
        t.push_str("In place: nothing differs.\n");
    } else {
        t.push_str(&format!("{} change(s) to make:\n", s.words.len()));
        for w in &s.words {
            t.push_str(&format!("  - {w}\n"));
        }
    }
    t
}

fn outcome_text(o: &drs_app::monitoring::MonitoringOutcome) -> String {
    let mut t = String::new();
    for d in &o.done {
        t.push_str(&format!("  done: {d}\n"));
    }
    if let Some(f) = &o.failed {
        t.push_str(&format!("  FAILED: {f}\n"));
    }
    t.push_str(&status_text(&o.after));
    t
}

/// `monitoring …`.
pub fn run(cmd: &MonitoringCommand, cx: &Cx) -> Result<u8, Failure> {
    let out: &Output = &cx.out;
    match cmd {
        MonitoringCommand::Status { target } => {
            let s = cx.block_on(cx.app.monitoring_status(target, &[]))?;
            out.value(&s, || status_text(&s));
            Ok(if s.changes.is_empty() { 0 } else { 3 })
        }
        MonitoringCommand::Deploy {
            target,
            emails,
            yes,
        } => {
            if !yes {
                let s = cx.block_on(cx.app.monitoring_status(target, emails))?;
                out.value(&s, || {
                    format!(
                        "{}Nothing changed: add --yes to make these changes.\n",
                        status_text(&s)
                    )
                });
                return Ok(if s.changes.is_empty() { 0 } else { 3 });
            }
            let o = cx.block_on(cx.app.monitoring_deploy(target, emails))?;
            out.value(&o, || outcome_text(&o));
            Ok(if o.failed.is_some() { 1 } else { 0 })
        }
        MonitoringCommand::Remove { target, yes } => {
            if !yes {
                let s = cx.block_on(cx.app.monitoring_status(target, &[]))?;
                let gone = drs_core::monitoring::removal(&s.observed);
                out.value(&gone, || {
                    let mut t = format!("Would remove from target \"{target}\" ({} change(s)); add --yes to remove:\n", gone.len());
                    for g in &gone {
                        t.push_str(&format!("  - {}\n", g.words()));
                    }
                    t
                });
                return Ok(0);
            }
            let o = cx.block_on(cx.app.monitoring_remove(target))?;
            out.value(&o, || outcome_text(&o));
            Ok(if o.failed.is_some() { 1 } else { 0 })
        }
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
