//! `drs-orchestrator drill | recover | executions … | cleanup`: run a plan wave by wave, from a
//! terminal (a progress bar) or a script (`--json`: one JSON line per event). The process that
//! starts or resumes an execution drives it (holding its lease); every other command only sends
//! requests to it. Ctrl-C records a pause and stops driving cleanly.

use super::output::{self, Output};
use super::{Cx, Failure};
use crate::execute::{self, StartOptions};
use clap::{Args, Subcommand};
use drs_app::executions::{notices, Notice, Ready};
use drs_core::execution::{Event, Execution, ExecutionKind, ExecutionStatus};
use drs_store::Request;
use indicatif::{ProgressBar, ProgressStyle};
use std::collections::BTreeSet;
use std::io::{BufRead, IsTerminal, Write};
use std::sync::Mutex;
use std::time::Duration;

/// `drill` options.
#[derive(Debug, Args)]
pub struct DrillArgs {
    /// The recovery plan.
    #[arg(long)]
    plan: String,
    /// Do not ask for confirmation.
    #[arg(long)]
    yes: bool,
    /// Leave the drill's recovery instances running; clean up later with `cleanup --execution`.
    #[arg(long)]
    no_cleanup: bool,
    /// Start even though readiness finds blockers (recorded in the audit log).
    #[arg(long)]
    override_readiness: bool,
    /// The longest time between two ticks, in milliseconds.
    #[arg(long, default_value_t = 2000, hide = true)]
    tick_ms: u64,
}

/// `recover` options.
#[derive(Debug, Args)]
pub struct RecoverArgs {
    /// The recovery plan.
    #[arg(long)]
    plan: String,
    /// Type the plan name again to confirm a real failover.
    #[arg(long, value_name = "PLAN")]
    confirm: String,
    /// Start even though readiness finds blockers (recorded in the audit log).
    #[arg(long)]
    override_readiness: bool,
    /// The longest time between two ticks, in milliseconds.
    #[arg(long, default_value_t = 2000, hide = true)]
    tick_ms: u64,
}

/// `executions` subcommands.
#[derive(Debug, Subcommand)]
pub enum ExecutionsCommand {
    /// The newest executions.
    List {
        /// How many.
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// One execution: who drives it, waves, servers, cleanup, retries, events.
    Show {
        /// Execution ID.
        id: String,
    },
    /// Drive an execution whose process ended (a crash, a kill, a closed lid, Ctrl-C).
    /// Refused while another process drives it.
    Resume {
        /// Execution ID.
        id: String,
        /// Take over from a driver that stopped renewing its lease (its process died or was
        /// stopped); recorded in the audit log.
        #[arg(long)]
        take_over: bool,
        /// A real recovery: type the plan's name again.
        #[arg(long, value_name = "PLAN")]
        confirm: Option<String>,
        /// The longest time between two ticks, in milliseconds.
        #[arg(long, default_value_t = 2000, hide = true)]
        tick_ms: u64,
    },
    /// Start no new job (running jobs go on).
    Pause {
        /// Execution ID.
        id: String,
    },
    /// Go on after a pause.
    Unpause {
        /// Execution ID.
        id: String,
    },
    /// Stop: no new job starts; a drill is cleaned up.
    Cancel {
        /// Execution ID.
        id: String,
    },
    /// Let a wave that needs an approval start.
    Approve {
        /// Execution ID.
        id: String,
        /// The wave.
        #[arg(long)]
        wave: String,
    },
    /// Stop retrying a drill's cleanup and restores: the execution ends (failed) with what is
    /// left listed.
    Abandon {
        /// Execution ID.
        id: String,
    },
    /// Confirm a wave's manual step (what it asked is done).
    Confirm {
        /// Execution ID.
        id: String,
        /// The step.
        #[arg(long)]
        step: String,
        /// Its wave (needed only when two waves have a step of that name).
        #[arg(long)]
        wave: Option<String>,
    },
}

/// Prints progress as the journal is written: a bar on a terminal, JSON lines with `--json`.
struct Reporting {
    out: Output,
    bar: Option<ProgressBar>,
    hinted: Mutex<BTreeSet<String>>,
}

impl Reporting {
    fn new(out: &Output) -> Self {
        Self {
            out: *out,
            bar: progress(out),
            hinted: Mutex::new(BTreeSet::new()),
        }
    }

    fn say(&self, text: String, json: serde_json::Value) {
        match &self.bar {
            Some(bar) => bar.println(text),
            None if self.out.json => println!("{json}"),
            None if !self.out.quiet => eprintln!("{text}"),
            None => {}
        }
    }

    fn hint_once(&self, key: &str, text: String, json: serde_json::Value) {
        let fresh = self
            .hinted
            .lock()
            .map(|mut h| h.insert(key.to_string()))
            .unwrap_or(false);
        if fresh {
            self.say(text, json);
        }
    }

    /// Tells what the journal just recorded.
    fn hear(&self, e: &Execution, event: &Event) {
        let (launched, failed, in_flight, _) = e.counts();
        let total = e.servers().count();
        // A reprotect launches nothing: its servers replicate, then are in sync.
        let (done, doing) = if e.kind == ExecutionKind::Reprotect {
            ("in sync", "syncing")
        } else {
            ("launched", "launching")
        };
        if let Some(bar) = &self.bar {
            bar.set_length(total as u64);
            bar.set_position((launched + failed) as u64);
            bar.set_message(format!(
                "{} · {launched} {done}, {failed} failed, {in_flight} {doing}",
                e.status.as_str()
            ));
        }
        if !event.is_routine() {
            let text = event.to_string();
            self.say(
                format!("{} [{launched}/{total} {done}, {failed} failed] {text}", e.id),
                serde_json::json!({
                    "execution": e.id, "event": text, "status": e.status,
                    "launched": launched, "failed": failed, "launching": in_flight, "servers": total,
                }),
            );
        }
        if matches!(event, Event::Created | Event::Resumed) && !e.identities.is_empty() {
            let who = e
                .identities
                .iter()
                .map(|(t, a)| format!("{t}: {a}"))
                .collect::<Vec<_>>()
                .join("; ");
            self.hint_once(
                "identity",
                format!("acting as {who}"),
                serde_json::json!({ "execution": e.id, "actingAs": e.identities }),
            );
        }
        for n in notices(None, e) {
            match n {
                Notice::WaitingApproval { wave, .. } => self.hint_once(
                    &format!("wave:{wave}"),
                    format!(
                        "wave \"{wave}\" waits for an approval: drs-orchestrator executions approve {} --wave \"{wave}\"",
                        e.id
                    ),
                    serde_json::json!({ "execution": e.id, "waitingApproval": wave }),
                ),
                Notice::CleanupAwaits => self.hint_once(
                    "cleanup",
                    format!(
                        "the drill is done; clean it up with: drs-orchestrator cleanup --execution {}",
                        e.id
                    ),
                    serde_json::json!({ "execution": e.id, "awaitingCleanup": true }),
                ),
                Notice::Ended { .. } => {}
            }
        }
    }
}

fn progress(out: &Output) -> Option<ProgressBar> {
    if out.json || out.quiet || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{spinner} [{elapsed_precise}] {bar:40} {pos}/{len} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.enable_steady_tick(Duration::from_millis(200));
    Some(bar)
}

pub(super) fn summary(e: &Execution, driver: Option<&drs_store::Driver>) -> String {
    let (launched, failed, _, not_run) = e.counts();
    let mut s = format!(
        "Execution {} of plan \"{}\" (revision {}, {}) by {}: {}\n  started {}{}\n  {launched} {}, {failed} failed, {not_run} not run\n",
        e.id,
        e.plan,
        e.plan_revision,
        e.label(),
        e.started_by,
        e.status.as_str(),
        e.started_at,
        e.ended_at.as_deref().map(|t| format!(", ended {t}")).unwrap_or_default(),
        if e.kind == ExecutionKind::Reprotect { "replicating" } else { "launched" },
    );
    for (target, arn) in &e.identities {
        s.push_str(&format!("  acting as {arn} on {target}\n"));
    }
    if let Some(d) = driver {
        s.push_str(&match d {
            drs_store::Driver::None if !e.status.is_final() => format!(
                "  driven by: nobody (resume it: drs-orchestrator executions resume {})\n",
                e.id
            ),
            drs_store::Driver::None => String::new(),
            drs_store::Driver::Live { owner, .. } => format!("  driven by: {owner}\n"),
            drs_store::Driver::Stale {
                owner,
                seconds_since_heartbeat,
            } => format!(
                "  driven by: {owner}, silent for {seconds_since_heartbeat} s (its process died or was stopped; take over with: drs-orchestrator executions resume {} --take-over)\n",
                e.id
            ),
        });
    }
    if e.kind == ExecutionKind::Drill {
        s.push_str(&format!(
            "  cleanup: {}{}\n",
            e.cleanup.status,
            e.cleanup
                .message
                .as_deref()
                .map(|m| format!(" — {m}"))
                .unwrap_or_default()
        ));
    }
    for (what, why) in e.retries() {
        s.push_str(&format!("  retrying {what}: {why}\n"));
    }
    if let Some(f) = &e.failure {
        s.push_str(&format!("  {f}\n"));
    }
    if e.kind == ExecutionKind::Reprotect {
        let mut t = output::table(&[
            "WAVE",
            "SERVER",
            "RECOVERY INSTANCE",
            "REPLICATES AS",
            "REPLICATION",
            "STATUS",
            "FAILURE",
        ]);
        for w in &e.waves {
            for srv in &w.servers {
                let r = srv.reversal.clone().unwrap_or_default();
                let progress = match (r.state.as_deref(), r.sync_percent, r.lag_seconds) {
                    (Some("INITIAL_SYNC"), Some(p), _) => format!("initial sync {p}%"),
                    (Some(st), _, Some(l)) => {
                        format!("{st}, lag {}", drs_core::readiness::human_seconds(l))
                    }
                    (Some(st), _, None) => st.to_string(),
                    (None, _, _) if r.sent => "sent".into(),
                    (None, _, _) => "—".into(),
                };
                t.add_row(vec![
                    w.name.clone(),
                    srv.name.clone(),
                    r.recovery_instance_id.clone(),
                    r.source_server_id.clone().unwrap_or_default(),
                    progress,
                    format!("{:?}", srv.status),
                    srv.failure.clone().unwrap_or_default(),
                ]);
            }
        }
        s.push_str(&t.to_string());
        return s;
    }
    let mut t = output::table(&[
        "WAVE",
        "STATUS",
        "SERVER",
        "SERVER STATUS",
        "RECOVERY INSTANCE",
        "EC2 INSTANCE",
        "FAILURE",
    ]);
    for w in &e.waves {
        for srv in &w.servers {
            t.add_row(vec![
                w.name.clone(),
                format!("{:?}", w.status),
                srv.name.clone(),
                format!("{:?}", srv.status),
                srv.recovery_instance_id.clone().unwrap_or_default(),
                srv.ec2_instance_id.clone().unwrap_or_default(),
                srv.failure.clone().unwrap_or_default(),
            ]);
        }
    }
    s.push_str(&t.to_string());
    let steps: Vec<_> = e
        .waves
        .iter()
        .flat_map(|w| w.steps.iter().map(move |st| (w, st)))
        .collect();
    if !steps.is_empty() {
        s.push_str("\nSteps\n");
        let mut t = output::table(&["WAVE", "STEP", "KIND", "WHEN", "STATUS", "ENDED", "NOTE"]);
        for (w, st) in &steps {
            let note = st
                .confirmed_by
                .as_ref()
                .map(|b| format!("confirmed by {b}"))
                .into_iter()
                .chain(st.note.clone())
                .collect::<Vec<_>>()
                .join("; ");
            t.add_row(vec![
                w.name.clone(),
                st.name.clone(),
                st.kind.label().to_string(),
                format!("{:?}", st.phase).to_lowercase(),
                format!("{:?}", st.status).to_lowercase(),
                st.ended_at.clone().unwrap_or_default(),
                note,
            ]);
        }
        s.push_str(&t.to_string());
        for (w, st) in steps {
            if let Some(o) = st.output.as_deref().filter(|o| !o.trim().is_empty()) {
                s.push_str(&format!("\n  {} / {} output:\n", w.name, st.name));
                for line in o.lines().take(20) {
                    s.push_str(&format!("    {line}\n"));
                }
            }
        }
    }
    s
}

fn confirm(question: &str) -> Result<bool, Failure> {
    if !std::io::stdin().is_terminal() {
        return Err(Failure::invalid(
            "standard input is not a terminal: add --yes to confirm",
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

/// 0 when the execution fully succeeded; 3 ("checked, and the answer is no") otherwise.
pub(super) fn exit_code(e: &Execution) -> u8 {
    if e.status == ExecutionStatus::Completed {
        0
    } else {
        3
    }
}

/// Drives `ready` until it ends (or waits for a cleanup confirmation); Ctrl-C records a pause
/// and stops driving (the driver then lets the lease go).
pub(super) fn drive(ready: Ready, event: Event, cx: &Cx) -> Result<u8, Failure> {
    let id = ready.execution.id.clone();
    let reporting = Reporting::new(&cx.out);
    reporting.hear(&ready.execution, &event);
    let hear = |e: &Execution, ev: &Event| reporting.hear(e, ev);
    let result = cx.block_on(async {
        tokio::select! {
            r = cx.app.drive(ready, Some(&hear)) => Some(r),
            _ = tokio::signal::ctrl_c() => None,
        }
    });
    if let Some(bar) = &reporting.bar {
        bar.finish_and_clear();
    }
    match result {
        Some(Ok(e)) => {
            cx.out.value(&e, || summary(&e, None));
            Ok(exit_code(&e))
        }
        Some(Err(err)) => Err(Failure::runtime(format!(
                "execution {id} stopped: {}. Nothing started is lost: see drs-orchestrator executions show {id}", err.message
            ))),
        None => {
            // Interrupted: the journal already holds everything started; record a pause so a
            // resume does not start new work until someone says so; the lease was let go.
            cx.with_store(|s| Ok(s.request(&id, Request::Pause, cx.actor())?))?;
            cx.out.value(
                &serde_json::json!({ "execution": id, "interrupted": true, "status": "paused" }),
                || {
                    format!(
                        "Interrupted: execution {id} is paused and no longer driven. Jobs already started go on in AWS.\nGo on with: drs-orchestrator executions unpause {id} && drs-orchestrator executions resume {id}\n"
                    )
                },
            );
            Ok(3)
        }
    }
}

/// Runs `drill` or `recover`.
fn start(
    cx: &Cx,
    plan: &str,
    options: StartOptions,
    confirm: Option<&str>,
    tick_ms: u64,
) -> Result<u8, Failure> {
    let mut ready = cx.block_on(cx.app.start_execution(plan, options, confirm, "cli"))?;
    ready.options.tick = Duration::from_millis(tick_ms);
    drive(ready, Event::Created, cx)
}

/// `drill`.
pub fn drill(a: &DrillArgs, cx: &Cx) -> Result<u8, Failure> {
    cx.with_store(|s| Ok(s.plan(&a.plan).map(|_| ())?))?;
    if !a.yes && !confirm(&format!("Start a drill of plan \"{}\"?", a.plan))? {
        return Err(Failure::runtime("not started (not confirmed)"));
    }
    let options = StartOptions {
        kind: ExecutionKind::Drill,
        override_readiness: a.override_readiness,
        auto_cleanup: !a.no_cleanup,
        actor: cx.actor().to_string(),
    };
    start(cx, &a.plan, options, None, a.tick_ms)
}

/// `recover`.
pub fn recover(a: &RecoverArgs, cx: &Cx) -> Result<u8, Failure> {
    cx.with_store(|s| Ok(s.plan(&a.plan).map(|_| ())?))?;
    execute::confirm_recovery(&a.plan, Some(&a.confirm))
        .map_err(|m| Failure::invalid(format!("{m} (--confirm \"{}\")", a.plan)))?;
    let options = StartOptions {
        kind: ExecutionKind::Recovery,
        override_readiness: a.override_readiness,
        auto_cleanup: false,
        actor: cx.actor().to_string(),
    };
    start(cx, &a.plan, options, Some(&a.confirm), a.tick_ms)
}

/// Drives an existing execution to its end (taking its lease).
fn resume(
    id: &str,
    cx: &Cx,
    tick_ms: u64,
    take_over: bool,
    confirmed: Option<&str>,
) -> Result<u8, Failure> {
    let e = cx.with_store(|s| Ok(s.execution(id)?))?;
    if e.kind == ExecutionKind::Recovery && !e.status.is_final() {
        execute::confirm_recovery(&e.plan, confirmed).map_err(|m| {
            Failure::invalid(format!(
                "{m}: resuming a real recovery is confirmed like starting one (--confirm \"{}\")",
                e.plan
            ))
        })?;
    }
    match cx.block_on(cx.app.resume_execution(id, confirmed, take_over, "cli"))? {
        Some(mut ready) => {
            ready.options.tick = Duration::from_millis(tick_ms);
            drive(ready, Event::Resumed, cx)
        }
        None => {
            let e = cx.with_store(|s| Ok(s.execution(id)?))?;
            cx.out.value(&e, || summary(&e, None));
            Ok(exit_code(&e))
        }
    }
}

/// `executions …`.
pub fn executions(cmd: &ExecutionsCommand, cx: &Cx) -> Result<u8, Failure> {
    let out = &cx.out;
    match cmd {
        ExecutionsCommand::List { limit } => {
            let list = cx.with_store(|s| Ok(s.executions(*limit)?))?;
            out.table(
                &list,
                &[
                    "ID",
                    "PLAN",
                    "KIND",
                    "STATUS",
                    "STARTED",
                    "ENDED",
                    "BY",
                    "LAUNCHED IN",
                    "APPLICATION UP IN",
                ],
                |e| {
                    let time = |s: Option<i64>| {
                        s.map(|s| drs_core::readiness::human_seconds(s.max(0) as u64))
                            .unwrap_or_else(|| "—".into())
                    };
                    vec![
                        e.id.clone(),
                        e.plan.clone(),
                        e.kind.clone(),
                        e.status.clone(),
                        e.started_at.clone(),
                        e.ended_at.clone().unwrap_or_default(),
                        e.started_by.clone(),
                        time(e.recovery_seconds),
                        time(e.application_up_seconds),
                    ]
                },
            );
            Ok(0)
        }
        ExecutionsCommand::Show { id } => {
            let d = cx.app.execution_detail(id)?;
            out.value(
                &serde_json::json!({ "execution": d.execution, "events": d.events, "driver": d.driver, "retries": d.retries }),
                || {
                    let mut s = summary(&d.execution, Some(&d.driver));
                    s.push_str("\nEvents\n");
                    for ev in &d.events {
                        s.push_str(&format!("  {} {} ({})\n", ev.at, ev.event, ev.status));
                    }
                    s
                },
            );
            Ok(0)
        }
        ExecutionsCommand::Resume {
            id,
            tick_ms,
            take_over,
            confirm,
        } => resume(id, cx, *tick_ms, *take_over, confirm.as_deref()),
        ExecutionsCommand::Pause { id } => request(cx, id, "pause", None, "pause asked"),
        ExecutionsCommand::Unpause { id } => request(cx, id, "resume", None, "resume asked"),
        ExecutionsCommand::Cancel { id } => request(cx, id, "cancel", None, "cancel asked"),
        ExecutionsCommand::Approve { id, wave } => request(
            cx,
            id,
            "approve",
            Some(wave),
            &format!("wave \"{wave}\" approved"),
        ),
        ExecutionsCommand::Abandon { id } => {
            request(cx, id, "abandon", None, "cleanup and restores abandoned")
        }
        ExecutionsCommand::Confirm { id, step, wave } => {
            let outcome = cx.app.confirm_step(id, wave.as_deref(), step)?;
            cx.out.value(&outcome, || {
                match &outcome.driver {
                    drs_store::Driver::Live { owner, .. } => format!(
                        "{id}: step \"{step}\" confirmed; {owner} drives it and acts on its next tick"
                    ),
                    _ => format!(
                        "{id}: step \"{step}\" confirmed; no process drives it now: it is acted on when it is resumed (drs-orchestrator executions resume {id})"
                    ),
                }
            });
            Ok(0)
        }
    }
}

fn request(
    cx: &Cx,
    id: &str,
    request: &str,
    wave: Option<&str>,
    done: &str,
) -> Result<u8, Failure> {
    let outcome = cx.block_on(cx.app.request_execution(id, request, wave))?;
    let driver = outcome.driver;
    cx.out.value(
        &serde_json::json!({ "execution": id, "request": done, "driver": driver }),
        || match &driver {
            drs_store::Driver::Live { owner, .. } => {
                format!("{id}: {done}; {owner} drives it and acts on its next tick")
            }
            _ => format!(
                "{id}: {done}; no process drives it now: it is acted on when it is resumed (drs-orchestrator executions resume {id})"
            ),
        },
    );
    Ok(0)
}

/// `cleanup --execution ID`: confirms a drill's cleanup and runs it (here, when no process
/// drives the drill).
pub fn cleanup(id: &str, cx: &Cx) -> Result<u8, Failure> {
    let driver = cx.with_store(|s| {
        let e = s.execution(id)?;
        if e.kind != ExecutionKind::Drill {
            return Err(Failure::invalid(format!(
                "execution {id} is a recovery; recoveries are not cleaned up"
            )));
        }
        s.request(id, Request::ConfirmCleanup, cx.actor())?;
        Ok(s.driver(id)?)
    })?;
    if let drs_store::Driver::Live { owner, .. } = driver {
        cx.out.value(
            &serde_json::json!({ "execution": id, "request": "cleanup confirmed", "driver": owner }),
            || format!("{id}: cleanup confirmed; {owner} drives it and cleans up on its next tick"),
        );
        return Ok(0);
    }
    resume(id, cx, 1000, false, None)
}
