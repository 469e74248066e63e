//! `drs-orchestrator health`: every target's servers against its replication thresholds (exit
//! 3 when any is critical); `health thresholds --target T …` shows or sets those thresholds,
//! which readiness uses too.

use super::output::table;
use super::{Cx, Failure};
use crate::health::{self as run, TargetHealth};
use clap::Subcommand;
use drs_core::health::Level;
use drs_core::readiness::{human_seconds, Thresholds};

/// Health subcommands.
#[derive(Debug, Subcommand)]
pub enum HealthCommand {
    /// Show or set a target's replication thresholds (minutes).
    Thresholds {
        /// The target.
        #[arg(long)]
        target: String,
        /// Lag above this is a warning.
        #[arg(long, value_name = "MINUTES")]
        lag_warning: Option<u64>,
        /// Lag above this is critical (a readiness blocker and an alert).
        #[arg(long, value_name = "MINUTES")]
        lag_critical: Option<u64>,
        /// An agent silent for longer than this is critical.
        #[arg(long, value_name = "MINUTES")]
        agent_silence: Option<u64>,
    },
}

fn thresholds_text(target: &str, t: &Thresholds) -> String {
    format!(
        "target {target}: lag warning above {}, critical above {}; agent silent for more than {} is critical",
        human_seconds(t.max_lag_seconds),
        human_seconds(t.critical_lag_seconds),
        human_seconds(t.max_agent_silence_seconds)
    )
}

fn text(all: &[TargetHealth]) -> String {
    let mut s = String::new();
    for t in all {
        if let Some(e) = &t.error {
            s.push_str(&format!("target {}: cannot read: {e}\n", t.target));
            continue;
        }
        let m = &t.summary;
        s.push_str(&format!(
            "target {}: {} servers — {} critical, {} warning, {} healthy\n",
            t.target, m.servers, m.critical, m.warning, m.healthy
        ));
        let mut bad: Vec<_> = t
            .servers
            .iter()
            .filter(|h| h.level != Level::Healthy)
            .collect();
        bad.sort_by_key(|h| (h.level, h.name.clone()));
        if !bad.is_empty() {
            let mut tb = table(&["LEVEL", "SERVER", "NAME", "STATE", "LAG", "WHY"]);
            for h in bad {
                tb.add_row(vec![
                    match h.level {
                        Level::Critical => "CRITICAL".to_string(),
                        Level::Warning => "warning".into(),
                        Level::Healthy => "healthy".into(),
                    },
                    h.source_server_id.clone(),
                    h.name.clone(),
                    h.replication_state.clone().unwrap_or_default(),
                    h.lag_seconds.map(human_seconds).unwrap_or_default(),
                    h.reasons.join("; "),
                ]);
            }
            s.push_str(&format!("{tb}\n"));
        }
    }
    s.trim_end().to_string()
}

/// Runs `health` (or its subcommand).
pub fn run(cmd: Option<&HealthCommand>, target: Option<&str>, cx: &Cx) -> Result<u8, Failure> {
    let out = &cx.out;
    if let Some(HealthCommand::Thresholds {
        target,
        lag_warning,
        lag_critical,
        agent_silence,
    }) = cmd
    {
        let actor = cx.actor().to_string();
        return cx.with_store(|store| {
            store.target(target)?;
            let mut t = run::thresholds_of(store, target)?;
            let changing =
                lag_warning.is_some() || lag_critical.is_some() || agent_silence.is_some();
            if let Some(m) = lag_warning {
                t.max_lag_seconds = m.saturating_mul(60);
            }
            if let Some(m) = lag_critical {
                t.critical_lag_seconds = m.saturating_mul(60);
            }
            if let Some(m) = agent_silence {
                t.max_agent_silence_seconds = m.saturating_mul(60);
            }
            if changing {
                run::set_thresholds(store, target, t, &actor)?;
            }
            out.value(&t, || thresholds_text(target, &t));
            Ok(0)
        });
    }
    let all = cx.block_on(cx.app.health_check(target))?;
    out.value(&all, || text(&all));
    if all.iter().any(|t| t.error.is_some()) {
        return Ok(1);
    }
    Ok(if all.iter().any(|t| t.summary.critical > 0) {
        3
    } else {
        0
    })
}
