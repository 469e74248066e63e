//! `drs-orchestrator pairs …` and `drs-orchestrator readiness`: launch into pre-provisioned DR
//! instances, and whether a plan would launch right now.

use super::output;
use super::{Cx, Failure};
use crate::readiness::{self as run, PairsOutcome};
use clap::{Args, Subcommand};
use drs_core::launch_into::ApplyPlan;
use drs_core::pairing::{Pair, PairStatus};
use drs_core::readiness::{Readiness, Severity};
use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, IsTerminal, Write};

/// Pairs subcommands.
#[derive(Debug, Subcommand)]
pub enum PairsCommand {
    /// Match the plan's source servers with pre-provisioned DR instances and check each pair.
    Match(PlanArg),
    /// Write launchIntoEC2InstanceID (copyPrivateIp/copyTags off, right-sizing NONE) for every
    /// valid pair, after showing each change.
    Apply {
        #[command(flatten)]
        plan: PlanArg,
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
    },
    /// Put back the launch configurations the newest apply changed.
    Undo {
        #[command(flatten)]
        plan: PlanArg,
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
    },
    /// Pair a server by hand (kept across refreshes), keep it unpaired, or clear the override.
    Override(OverrideArgs),
}

/// `--plan NAME`.
#[derive(Debug, Args)]
pub struct PlanArg {
    /// The recovery plan.
    #[arg(long)]
    plan: String,
}

/// `pairs override` options.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("choice").required(true).args(["instance", "none", "clear"])))]
pub struct OverrideArgs {
    /// The target the server is in.
    #[arg(long)]
    target: String,
    /// The source server (s-…).
    #[arg(long)]
    server: String,
    /// The DR instance to launch into (i-…).
    #[arg(long)]
    instance: Option<String>,
    /// Keep the server unpaired on purpose.
    #[arg(long)]
    none: bool,
    /// Remove the override: match by name again.
    #[arg(long)]
    clear: bool,
}

fn status(p: &Pair) -> &'static str {
    match p.status {
        PairStatus::Matched if p.is_valid() => "matched",
        PairStatus::Matched => "matched (checks fail)",
        PairStatus::Override if p.is_valid() => "override",
        PairStatus::Override => "override (checks fail)",
        PairStatus::Unmatched => "unmatched",
        PairStatus::Ambiguous => "ambiguous",
        PairStatus::Orphan => "orphan",
    }
}

fn problems(p: &Pair) -> String {
    let failing: Vec<String> = p
        .checks
        .iter()
        .filter(|c| !c.ok && !c.fixed_by_apply)
        .map(|c| c.message.clone())
        .collect();
    let by_apply: Vec<&str> = p
        .checks
        .iter()
        .filter(|c| !c.ok && c.fixed_by_apply)
        .map(|c| match c.check.as_str() {
            "launchInto" => "launch into it",
            "copyPrivateIpOff" => "copyPrivateIp off",
            "copyTagsOff" => "copyTags off",
            "rightSizingNone" => "right-sizing NONE",
            other => other,
        })
        .collect();
    let mut parts = Vec::new();
    if failing.is_empty() {
        parts.push(p.note.clone());
    } else {
        parts.push(failing.join("; "));
    }
    if !by_apply.is_empty() {
        parts.push(format!("apply sets: {}", by_apply.join(", ")));
    }
    parts.join(" · ")
}

fn pairs_table(pairs: &[Pair]) -> String {
    let mut t = output::table(&[
        "GROUP",
        "SERVER",
        "SOURCE SERVER",
        "DR INSTANCE",
        "STATUS",
        "DETAIL",
    ]);
    for p in pairs {
        t.add_row(vec![
            p.group.clone().unwrap_or_else(|| "—".into()),
            p.server_name.clone().unwrap_or_else(|| "—".into()),
            p.source_server_id.clone().unwrap_or_else(|| "—".into()),
            match (&p.instance_id, &p.instance_name) {
                (Some(i), Some(n)) => format!("{i} ({n})"),
                (Some(i), None) => i.clone(),
                _ => "—".into(),
            },
            status(p).into(),
            problems(p),
        ]);
    }
    t.to_string()
}

fn counts(pairs: &[Pair]) -> String {
    let mut c: BTreeMap<&str, usize> = BTreeMap::new();
    for p in pairs {
        *c.entry(status(p)).or_default() += 1;
    }
    c.iter()
        .map(|(k, v)| format!("{v} {k}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn diff_text(plans: &BTreeMap<String, ApplyPlan>) -> String {
    let mut s = String::new();
    for (target, plan) in plans {
        s.push_str(&format!(
            "Target {target}: {} to change, {} already set, {} skipped\n",
            plan.changes.len(),
            plan.unchanged,
            plan.skipped.len()
        ));
        for c in &plan.changes {
            let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "—".into());
            let b = |v: Option<bool>| v.map_or("—".to_string(), |b| b.to_string());
            s.push_str(&format!(
                "  {} {} ({}):\n    launchIntoEC2InstanceID {} → {}\n    copyPrivateIp {} → {}   copyTags {} → {}   right-sizing {} → {}\n",
                c.group,
                c.server_name,
                c.source_server_id,
                show(&c.before.launch_into_instance_id),
                show(&c.after.launch_into_instance_id),
                b(c.before.copy_private_ip),
                b(c.after.copy_private_ip),
                b(c.before.copy_tags),
                b(c.after.copy_tags),
                show(&c.before.right_sizing),
                show(&c.after.right_sizing),
            ));
        }
        for k in &plan.skipped {
            s.push_str(&format!(
                "  skipped {} ({}): {}\n",
                k.name, k.subject, k.reason
            ));
        }
    }
    s
}

fn outcome_text(verb: &str, o: &PairsOutcome) -> String {
    let mut s = String::new();
    for (target, r) in &o.targets {
        s.push_str(&format!(
            "Target {target}: {verb} {}, skipped {}, failed {}\n",
            r.applied.len(),
            r.skipped.len(),
            r.failed.len()
        ));
        for c in &r.applied {
            s.push_str(&format!(
                "  {} {} → {}\n",
                c.server_name,
                c.source_server_id,
                c.after
                    .launch_into_instance_id
                    .clone()
                    .unwrap_or_else(|| "new instances".into())
            ));
        }
        for k in r.skipped.iter().chain(&r.failed) {
            s.push_str(&format!(
                "  not changed {} ({}): {}\n",
                k.name, k.subject, k.reason
            ));
        }
    }
    s
}

/// Asks "proceed?" on a terminal; without one, `--yes` is required.
pub(crate) fn confirm(question: &str, yes: bool) -> Result<bool, Failure> {
    if yes {
        return Ok(true);
    }
    if !std::io::stdin().is_terminal() {
        return Err(Failure::invalid(
            "standard input is not a terminal: add --yes to confirm the changes shown",
        ));
    }
    eprint!("{question} [y/N] ");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| Failure::runtime(format!("cannot read the answer: {e}")))?;
    Ok(matches!(line.trim(), "y" | "Y" | "yes"))
}

/// Runs a pairs subcommand.
pub fn run(cmd: &PairsCommand, cx: &Cx) -> Result<u8, Failure> {
    let out = &cx.out;
    match cmd {
        PairsCommand::Match(PlanArg { plan }) => {
            let r = cx.block_on(cx.app.fresh_readiness(plan))?;
            cx.with_store(|s| Ok(s.save_readiness(&r.readiness)?))?;
            let pairs = &r.readiness.pairs;
            out.value(pairs, || {
                format!(
                    "Pairs of plan \"{plan}\" ({})\n{}",
                    counts(pairs),
                    pairs_table(pairs)
                )
            });
            target_errors(&r.evidence)
        }
        PairsCommand::Apply {
            plan: PlanArg { plan },
            yes,
        } => {
            let r = cx.block_on(cx.app.fresh_readiness(plan))?;
            target_errors(&r.evidence)?;
            let plans = run::apply_plans(&r);
            let shown: BTreeSet<String> = plans
                .values()
                .flat_map(|p| p.changes.iter().map(|c| c.source_server_id.clone()))
                .collect();
            if !out.json {
                out.note(&diff_text(&plans));
            }
            if shown.is_empty() {
                out.value(&plans, || "nothing to apply".into());
                return Ok(0);
            }
            if !confirm(
                &format!("Write {} launch configuration(s)?", shown.len()),
                *yes,
            )? {
                return Err(Failure::runtime("not applied (not confirmed)"));
            }
            // Only the changes shown are written, and only those still valid when read again.
            let outcome = cx.block_on(cx.app.apply_pairs(plan, Some(&shown)))?;
            out.value(&outcome, || outcome_text("applied", &outcome));
            Ok(if outcome.failed() == 0 { 0 } else { 1 })
        }
        PairsCommand::Undo {
            plan: PlanArg { plan },
            yes,
        } => {
            let apps = cx.with_store(|s| {
                s.plan(plan)?;
                Ok(s.pair_applications_to_undo(plan)?)
            })?;
            if apps.is_empty() {
                return Err(Failure::invalid(format!(
                    "plan \"{plan}\" has no applied pairs to undo"
                )));
            }
            if !out.json {
                for a in &apps {
                    out.note(&format!(
                        "Undo the apply of {} by {} on target {}: {} launch configuration(s) back to what they were",
                        a.applied_at,
                        a.applied_by,
                        a.target,
                        a.changes.len()
                    ));
                }
            }
            let n: usize = apps.iter().map(|a| a.changes.len()).sum();
            if !confirm(&format!("Restore {n} launch configuration(s)?"), *yes)? {
                return Err(Failure::runtime("not undone (not confirmed)"));
            }
            let outcome = cx.block_on(cx.app.undo_pairs(plan))?;
            out.value(&outcome, || outcome_text("restored", &outcome));
            Ok(if outcome.failed() == 0 { 0 } else { 1 })
        }
        PairsCommand::Override(o) => {
            cx.with_store(|s| {
                if o.clear {
                    s.clear_pair_override(&o.target, &o.server, cx.actor())?;
                } else {
                    s.set_pair_override(&o.target, &o.server, o.instance.as_deref(), cx.actor())?;
                }
                Ok(())
            })?;
            out.value(
                &serde_json::json!({ "target": o.target, "server": o.server, "instance": o.instance, "cleared": o.clear }),
                || match (&o.instance, o.clear) {
                    (_, true) => format!("{}: matched by name again", o.server),
                    (Some(i), _) => format!("{}: launches into {i} (manual override)", o.server),
                    (None, _) => format!("{}: kept unpaired (manual override)", o.server),
                },
            );
            Ok(0)
        }
    }
}

fn target_errors(ev: &drs_core::readiness::Evidence) -> Result<u8, Failure> {
    let errors: Vec<String> = ev
        .targets
        .iter()
        .filter_map(|(t, e)| e.error.as_ref().map(|m| format!("target \"{t}\": {m}")))
        .collect();
    if errors.is_empty() {
        Ok(0)
    } else {
        Err(Failure::runtime(errors.join("\n")))
    }
}

fn readiness_text(r: &Readiness) -> String {
    let mut s = format!(
        "Plan \"{}\": {} — {} blocker(s), {} warning(s), {} server(s), checked {}\n",
        r.plan,
        if r.ready { "READY" } else { "NOT READY" },
        r.blockers,
        r.warnings,
        r.servers,
        r.checked_at
    );
    for w in &r.waves {
        s.push_str(&format!(
            "  wave {}: {} server(s) in {} job(s), {} batch(es)\n",
            w.wave, w.servers, w.jobs, w.batches
        ));
    }
    let mut t = output::table(&[
        "SEVERITY",
        "WAVE",
        "GROUP",
        "SERVER",
        "FINDING",
        "EVIDENCE",
        "REMEDIATION",
    ]);
    for f in &r.findings {
        t.add_row(vec![
            match f.severity {
                Severity::Blocker => "BLOCKER".into(),
                Severity::Warning => "warning".into(),
            },
            f.wave.clone().unwrap_or_default(),
            f.group.clone().unwrap_or_default(),
            f.server_name.clone().unwrap_or_default(),
            f.message.clone(),
            f.evidence.clone().unwrap_or_default(),
            f.remediation.clone().unwrap_or_default(),
        ]);
    }
    if !r.findings.is_empty() {
        s.push_str(&t.to_string());
    }
    s
}

/// `drs-orchestrator readiness --plan NAME`: exit 0 ready, 3 not ready.
pub fn readiness(plan: &str, cx: &Cx) -> Result<u8, Failure> {
    let r = cx.block_on(cx.app.check_readiness(plan))?;
    cx.out.value(&r, || readiness_text(&r));
    Ok(if r.ready { 0 } else { 3 })
}
