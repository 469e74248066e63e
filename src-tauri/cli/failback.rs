//! `drs-orchestrator reprotect | failback | plan status`: the way home after a real recovery.
//! `reprotect --plan P` replicates the plan's recovered instances back to their origin region
//! (or, after a failback, protects the failed-back instances again) and follows each server's
//! initial sync; `failback --plan P --check` shows failback readiness, `--drill` rehearses the
//! failback in the origin region, `--confirm P` runs it; `failback --plan P --cleanup` lists
//! (and with `--confirm P` does) what brings the plan back to normal; `plan status P` says
//! where the plan is.

use super::output::{self, Output};
use super::{Cx, Failure};
use clap::{Args, ValueEnum};
use drs_core::execution::Event;
use drs_core::failback::{FailbackReadiness, Lifecycle, OriginalChoice};
use std::time::Duration;

/// What to do with original instances that are running or not tagged `AWSDRS`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Originals {
    /// Leave them: they are blockers until someone stops and tags them.
    Require,
    /// Tag them AWSDRS and stop them right before their wave launches.
    Prepare,
    /// Launch new instances instead (new instance IDs and private IPs).
    New,
}

impl From<Originals> for OriginalChoice {
    fn from(o: Originals) -> Self {
        match o {
            Originals::Require => Self::Require,
            Originals::Prepare => Self::Prepare,
            Originals::New => Self::NewInstance,
        }
    }
}

/// `reprotect` options.
#[derive(Debug, Args)]
pub struct ReprotectArgs {
    /// The recovery plan (its last recovery, or its failback, is reprotected).
    #[arg(long)]
    plan: String,
    /// Start it and return without following the initial sync (follow it later with
    /// `executions show` / `executions resume`).
    #[arg(long)]
    no_wait: bool,
    /// The longest time between two ticks, in milliseconds.
    #[arg(long, default_value_t = 2000, hide = true)]
    tick_ms: u64,
}

/// `failback` options.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("what").required(true).multiple(true).args(["check", "drill", "confirm", "cleanup"])))]
pub struct FailbackArgs {
    /// The recovery plan.
    #[arg(long)]
    plan: String,
    /// Show failback readiness only (exit 3 when something blocks).
    #[arg(long, conflicts_with_all = ["drill", "confirm", "cleanup"])]
    check: bool,
    /// Rehearse the failback: launch the failback source servers as a drill in the origin
    /// region and clean them up; the recovery region keeps running.
    #[arg(long, conflicts_with_all = ["confirm", "cleanup"])]
    drill: bool,
    /// Type the plan's name again to run the real failback (or, with --cleanup, to do it).
    #[arg(long, value_name = "PLAN")]
    confirm: Option<String>,
    /// List the failback's leftovers (failback source servers, old recovery instances); with
    /// --confirm, stop their replication and terminate (or keep) the old instances.
    #[arg(long)]
    cleanup: bool,
    /// With --cleanup: keep the old recovery instances (disconnected from DRS) instead of
    /// terminating them.
    #[arg(long, requires = "cleanup")]
    keep_instances: bool,
    /// What to do with original instances that are running or untagged.
    #[arg(long, value_enum, default_value_t = Originals::Require)]
    originals: Originals,
    /// Start even though failback readiness finds blockers (recorded in the audit log).
    #[arg(long)]
    override_readiness: bool,
    /// The longest time between two ticks, in milliseconds.
    #[arg(long, default_value_t = 2000, hide = true)]
    tick_ms: u64,
}

fn readiness_text(r: &FailbackReadiness) -> String {
    let mut s = format!(
        "Failback readiness of plan \"{}\" (from recovery {}{}): {}\n  {} blocker(s), {} warning(s), checked {}\n",
        r.plan,
        r.recovery_execution,
        r.reprotect_execution
            .as_deref()
            .map(|x| format!(", reprotect {x}"))
            .unwrap_or_default(),
        if r.ready { "READY" } else { "NOT READY" },
        r.blockers,
        r.warnings,
        r.checked_at
    );
    let mut t = output::table(&[
        "WAVE",
        "SERVER",
        "FAILBACK SOURCE SERVER",
        "REPLICATION",
        "ORIGINAL",
        "ORIGINAL STATE",
        "LAUNCH",
        "READY",
    ]);
    for x in &r.servers {
        let replication = match (
            x.replication_state.as_deref(),
            x.sync_percent,
            x.lag_seconds,
        ) {
            (Some("INITIAL_SYNC"), Some(p), _) => format!("initial sync {p}%"),
            (Some(st), _, Some(l)) => {
                format!("{st} (lag {})", drs_core::readiness::human_seconds(l))
            }
            (Some(st), _, None) => st.to_string(),
            (None, _, _) => "—".into(),
        };
        t.add_row(vec![
            x.wave.clone(),
            x.name.clone(),
            x.failback_source_server_id
                .clone()
                .unwrap_or_else(|| "—".into()),
            replication,
            x.original_instance_id.clone().unwrap_or_else(|| "—".into()),
            x.original_state.clone().unwrap_or_else(|| "—".into()),
            match x.original_use {
                drs_core::execution::OriginalUse::LaunchInto => "into original".into(),
                drs_core::execution::OriginalUse::PrepareThenLaunchInto => {
                    "prepare original, launch into it".into()
                }
                drs_core::execution::OriginalUse::NewInstance => "new instance".to_string(),
            },
            if x.ready { "yes" } else { "no" }.into(),
        ]);
    }
    s.push_str(&t.to_string());
    if !r.findings.is_empty() {
        s.push_str("\nFindings\n");
        for f in &r.findings {
            s.push_str(&format!(
                "  {} {}: {}\n",
                match f.severity {
                    drs_core::readiness::Severity::Blocker => "BLOCKER",
                    drs_core::readiness::Severity::Warning => "warning",
                },
                f.check,
                f.message
            ));
            if let Some(r) = &f.remediation {
                s.push_str(&format!("      → {r}\n"));
            }
        }
    }
    s
}

fn lifecycle_text(l: &Lifecycle) -> String {
    let mut s = format!(
        "Plan \"{}\": {}\n  next: {}\n",
        l.plan,
        l.phase.words(),
        l.next
    );
    if let Some(c) = &l.cleaned_up_at {
        s.push_str(&format!("  failback leftovers cleaned up {c}\n"));
    }
    if !l.steps.is_empty() {
        let mut t = output::table(&["PHASE", "EXECUTION", "STATUS", "STARTED", "ENDED"]);
        for st in &l.steps {
            t.add_row(vec![
                st.phase.clone(),
                st.execution.clone(),
                st.status.clone(),
                st.started_at.clone(),
                st.ended_at.clone().unwrap_or_default(),
            ]);
        }
        s.push_str(&t.to_string());
    }
    s
}

/// `plan status NAME`.
pub fn status(plan: &str, cx: &Cx) -> Result<u8, Failure> {
    let l = cx.app.lifecycle(plan)?;
    cx.out.value(&l, || lifecycle_text(&l));
    Ok(0)
}

/// `reprotect`.
pub fn reprotect(a: &ReprotectArgs, cx: &Cx) -> Result<u8, Failure> {
    let mut ready = cx.block_on(cx.app.start_reprotect(&a.plan, "cli"))?;
    ready.options.tick = Duration::from_millis(a.tick_ms);
    if a.no_wait {
        let id = ready.execution.id.clone();
        // The lease is let go with `ready`; the window or `executions resume` drives it.
        drop(ready);
        cx.out.value(&serde_json::json!({ "execution": id, "started": true }), || {
            format!("Reprotect {id} written down; drive it with: drs-orchestrator executions resume {id}\n")
        });
        return Ok(0);
    }
    super::execute::drive(ready, Event::Created, cx)
}

/// `failback`.
pub fn failback(a: &FailbackArgs, cx: &Cx) -> Result<u8, Failure> {
    let out: &Output = &cx.out;
    if a.check {
        let r = cx.block_on(cx.app.failback_readiness(&a.plan, a.originals.into()))?;
        out.value(&r, || readiness_text(&r));
        return Ok(if r.ready { 0 } else { 3 });
    }
    if a.cleanup {
        let c = cx.block_on(cx.app.failback_cleanup(
            &a.plan,
            a.keep_instances,
            a.confirm.as_deref(),
        ))?;
        out.value(&c, || {
            let mut s = format!(
                "{} for plan \"{}\":\n",
                if a.confirm.is_some() {
                    "Cleanup"
                } else {
                    "Cleanup (listed only; add --confirm with the plan's name to do it)"
                },
                c.plan
            );
            for l in &c.stop_replication {
                s.push_str(&format!(
                    "  stop replication of failback source server {} ({})\n",
                    l.id, l.server
                ));
            }
            for l in &c.terminate {
                s.push_str(&format!(
                    "  terminate recovery instance {} ({}, EC2 {})\n",
                    l.id,
                    l.server,
                    l.ec2_instance_id.clone().unwrap_or_default()
                ));
            }
            for l in &c.keep {
                s.push_str(&format!(
                    "  keep recovery instance {} ({}): {}; disconnected from DRS\n",
                    l.id,
                    l.server,
                    l.why.clone().unwrap_or_default()
                ));
            }
            for r in &c.results {
                s.push_str(&format!("  → {r}\n"));
            }
            s
        });
        return Ok(if a.confirm.is_some() && !c.done { 3 } else { 0 });
    }
    let mut ready = cx.block_on(cx.app.start_failback(
        &a.plan,
        a.drill,
        a.originals.into(),
        a.override_readiness,
        a.confirm.as_deref(),
        "cli",
    ))?;
    ready.options.tick = Duration::from_millis(a.tick_ms);
    super::execute::drive(ready, Event::Created, cx)
}
