//! `drs-orchestrator native …` and `plan publish`: DRS's own recovery plans. `native preview`
//! (or `plan publish --check`) shows what a plan becomes in DRS, what DRS cannot express and
//! whether DRS's copy matches; `plan publish` creates or updates it; `native list` and
//! `native import` bring DRS plans into the app; `native drill|recover` start DRS's run of a
//! published plan with the app's gates and follow it into the history; `native adopt` journals
//! runs started in the DRS console, `native follow` takes up following one.

use super::output::{self, Output};
use super::{Cx, Failure};
use clap::Subcommand;
use drs_app::native::{NativePreview, PublishOutcome};
use drs_core::execution::{Execution, ExecutionKind};
use drs_core::native_plan::{DriftState, NativeStepConfig};

/// `native` subcommands.
#[derive(Debug, Subcommand)]
pub enum NativeCommand {
    /// What a plan becomes in DRS, what DRS cannot express, and whether DRS's copy matches.
    Preview {
        /// Plan name.
        plan: String,
        /// The target (needed when the plan spans several).
        #[arg(long)]
        target: Option<String>,
    },
    /// DRS's recovery plans in a target.
    List {
        /// The target.
        #[arg(long)]
        target: String,
    },
    /// Make an app plan (and one protection group per SERVER step) from a DRS recovery plan.
    Import {
        /// The target.
        #[arg(long)]
        target: String,
        /// The DRS recovery plan's ARN.
        #[arg(long)]
        arn: String,
        /// Name of the app plan (default: the DRS plan's).
        #[arg(long)]
        name: Option<String>,
    },
    /// Start DRS's run of a published plan as a drill and follow it.
    Drill {
        /// Plan name.
        #[arg(long)]
        plan: String,
        /// The target (needed when the plan spans several).
        #[arg(long)]
        target: Option<String>,
        /// Start even though readiness finds blockers (audited).
        #[arg(long)]
        override_readiness: bool,
        /// Leave the drill's recovery instances running once DRS's run ends; clean up later
        /// with `cleanup --execution`.
        #[arg(long)]
        no_cleanup: bool,
    },
    /// Start DRS's run of a published plan as a real recovery (needs --confirm with the plan's
    /// name) and follow it.
    Recover {
        /// Plan name.
        #[arg(long)]
        plan: String,
        /// The plan's name, typed again.
        #[arg(long, value_name = "PLAN")]
        confirm: Option<String>,
        /// The target (needed when the plan spans several).
        #[arg(long)]
        target: Option<String>,
        /// Start even though readiness finds blockers (audited).
        #[arg(long)]
        override_readiness: bool,
    },
    /// Journal the runs of a plan's DRS copy that the app does not know (started in the
    /// console); they then show in the history and can be followed and reported.
    Adopt {
        /// Plan name.
        #[arg(long)]
        plan: String,
        /// The target (needed when the plan spans several).
        #[arg(long)]
        target: Option<String>,
    },
    /// Follow a journalled native run until it ends (a drill's cleanup then waits for
    /// `cleanup --execution`).
    Follow {
        /// Execution ID.
        execution: String,
    },
}

/// `plan publish` options.
#[derive(Debug, clap::Args)]
pub struct PublishArgs {
    /// Plan name.
    pub name: String,
    /// The target (needed when the plan spans several).
    #[arg(long)]
    pub target: Option<String>,
    /// Only show what would be published and whether DRS's copy matches (exit 3 when it does
    /// not).
    #[arg(long)]
    pub check: bool,
}

fn state_words(s: DriftState) -> &'static str {
    match s {
        DriftState::NotPublished => "not published",
        DriftState::InSync => "matches the current revision",
        DriftState::OlderRevision => "an older revision",
        DriftState::ChangedInDrs => "changed in DRS since it was published",
        DriftState::NotOurs => "a DRS plan of that name the app did not publish",
    }
}

fn preview_text(p: &NativePreview) -> String {
    let pb = &p.publication;
    let mut s = format!(
        "Plan \"{}\" revision {} as DRS recovery plan \"{}\" in target \"{}\": {} step(s), {} server(s)\n",
        pb.plan,
        pb.revision,
        pb.native_name,
        pb.target,
        pb.steps.len(),
        pb.servers()
    );
    let mut t = output::table(&["#", "STEP", "WAVE", "DOES"]);
    for (i, st) in pb.steps.iter().enumerate() {
        let does = match &st.config {
            NativeStepConfig::Servers { servers } => format!(
                "launch {} server(s){}",
                servers.len(),
                if servers.iter().all(|v| v.critical) {
                    ""
                } else {
                    " (OPTIONAL: failures do not stop the plan)"
                }
            ),
            NativeStepConfig::Wait { minutes } => format!("wait {minutes} min"),
        };
        t.add_row(vec![
            (i + 1).to_string(),
            st.name.clone(),
            st.wave.clone().unwrap_or_default(),
            does,
        ]);
    }
    s.push_str(&format!("{t}\n"));
    if !pb.gaps.is_empty() {
        s.push_str("What DRS cannot express (and what its run does instead):\n");
        let mut g = output::table(&["WAVE", "ITEM", "THE APP", "DRS'S RUN"]);
        for gap in &pb.gaps {
            g.add_row(vec![
                gap.wave.clone().unwrap_or_default(),
                format!(
                    "{}{}",
                    gap.item,
                    if gap.blocks_drill {
                        " (no native drill)"
                    } else {
                        ""
                    }
                ),
                gap.app.clone(),
                gap.native.clone(),
            ]);
        }
        s.push_str(&format!("{g}\n"));
    }
    for problem in &pb.problems {
        s.push_str(&format!("Cannot publish: {problem}\n"));
    }
    s.push_str(&format!(
        "DRS's copy: {}{}\n",
        state_words(p.drift.state),
        p.drift
            .published_revision
            .map(|r| format!(" (published from revision {r})"))
            .unwrap_or_default()
    ));
    for d in &p.drift.differences {
        s.push_str(&format!("  - {d}\n"));
    }
    s
}

fn publish_text(o: &PublishOutcome) -> String {
    format!(
        "{} DRS recovery plan {}: {} step(s) added, {} rewritten, {} removed ({} DRS calls). DRS's copy now: {}\n",
        if o.created { "Created" } else { "Updated" },
        o.arn,
        o.steps_created,
        o.steps_updated,
        o.steps_deleted,
        o.api_calls,
        state_words(o.after.state)
    )
}

/// `plan publish`.
pub fn publish(a: &PublishArgs, cx: &Cx) -> Result<u8, Failure> {
    let out: &Output = &cx.out;
    let preview = cx.block_on(cx.app.native_preview(&a.name, a.target.as_deref()))?;
    if a.check {
        out.value(&preview, || preview_text(&preview));
        return Ok(if preview.drift.state == DriftState::InSync {
            0
        } else {
            3
        });
    }
    if !out.json {
        out.note(&preview_text(&preview));
    }
    let outcome = cx.block_on(cx.app.publish_native(&a.name, a.target.as_deref()))?;
    out.value(&outcome, || publish_text(&outcome));
    Ok(0)
}

fn follow(
    cx: &Cx,
    follow: drs_app::native::NativeFollow,
    auto_cleanup: bool,
) -> Result<u8, Failure> {
    let id = follow.execution.id.clone();
    let out = cx.out;
    let last = std::sync::Mutex::new(String::new());
    let hear = |e: &Execution| {
        let line = e
            .waves
            .iter()
            .map(|w| format!("{} {:?}", w.name, w.status).to_lowercase())
            .collect::<Vec<_>>()
            .join(" · ");
        if let Ok(mut l) = last.lock() {
            if *l != line {
                out.note(&format!("[{id}] {line}"));
                *l = line;
            }
        }
    };
    let result = cx.block_on(async {
        tokio::select! {
            r = cx.app.follow_native(follow, auto_cleanup, Some(&hear)) => Some(r),
            _ = tokio::signal::ctrl_c() => None,
        }
    });
    match result {
        Some(r) => {
            let e = r?;
            if !e.status.is_final() {
                // DRS's drill has ended; its cleanup (this run's own jobs' instances only) is
                // the engine's, as for any drill.
                if let Some(ready) =
                    cx.block_on(cx.app.resume_execution(&id, None, false, "cli"))?
                {
                    return super::execute::drive(ready, drs_core::execution::Event::Resumed, cx);
                }
            }
            out.value(&e, || super::execute::summary(&e, None));
            Ok(super::execute::exit_code(&e))
        }
        None => {
            out.value(&serde_json::json!({ "execution": id, "interrupted": true }), || {
                format!("Stopped following {id}; DRS keeps running it. Follow it again with: drs-orchestrator native follow {id}\n")
            });
            Ok(3)
        }
    }
}

/// `native …`.
pub fn run(cmd: &NativeCommand, cx: &Cx) -> Result<u8, Failure> {
    let out: &Output = &cx.out;
    match cmd {
        NativeCommand::Preview { plan, target } => {
            let p = cx.block_on(cx.app.native_preview(plan, target.as_deref()))?;
            out.value(&p, || preview_text(&p));
            Ok(0)
        }
        NativeCommand::List { target } => {
            let plans = cx.block_on(cx.app.native_plans(target))?;
            out.value(&plans, || {
                let mut t = output::table(&[
                    "NAME",
                    "STATUS",
                    "STEPS",
                    "PUBLISHED FROM",
                    "UPDATED",
                    "ARN",
                ]);
                for p in &plans {
                    t.add_row(vec![
                        p.name.clone(),
                        p.status.clone(),
                        p.steps.len().to_string(),
                        p.published_from()
                            .map(|n| format!("{n} r{}", p.published_revision().unwrap_or(0)))
                            .unwrap_or_else(|| "-".into()),
                        p.updated_at.clone(),
                        p.arn.clone(),
                    ]);
                }
                format!("{t}\n")
            });
            Ok(0)
        }
        NativeCommand::Import { target, arn, name } => {
            let i = cx.block_on(cx.app.import_native(target, arn, name.as_deref()))?;
            out.value(&i, || {
                let mut s = format!(
                    "Imported plan \"{}\" ({} wave(s)) with {} protection group(s)\n",
                    i.plan.name,
                    i.plan.waves.len(),
                    i.groups.len()
                );
                for n in &i.notes {
                    s.push_str(&format!("  note: {n}\n"));
                }
                s
            });
            Ok(0)
        }
        NativeCommand::Drill {
            plan,
            target,
            override_readiness,
            no_cleanup,
        } => {
            let f = cx.block_on(cx.app.start_native(
                plan,
                target.as_deref(),
                ExecutionKind::Drill,
                None,
                *override_readiness,
                "cli",
            ))?;
            follow(cx, f, !no_cleanup)
        }
        NativeCommand::Recover {
            plan,
            confirm,
            target,
            override_readiness,
        } => {
            let f = cx.block_on(cx.app.start_native(
                plan,
                target.as_deref(),
                ExecutionKind::Recovery,
                confirm.as_deref(),
                *override_readiness,
                "cli",
            ))?;
            follow(cx, f, false)
        }
        NativeCommand::Adopt { plan, target } => {
            let ids = cx.block_on(cx.app.adopt_native_runs(plan, target.as_deref()))?;
            out.value(&ids, || {
                if ids.is_empty() {
                    "No run of the plan's DRS copy that the app does not know\n".to_string()
                } else {
                    format!("Journalled DRS runs as executions: {}\n", ids.join(", "))
                }
            });
            Ok(0)
        }
        NativeCommand::Follow { execution } => {
            let f = cx.block_on(cx.app.resume_native(execution, "cli"))?;
            follow(cx, f, false)
        }
    }
}
