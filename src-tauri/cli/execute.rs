//! `drs-orchestrator drill | recover | executions … | cleanup`: run a plan wave by wave, from a
//! terminal (a progress bar) or a script (`--json`: one JSON line per event). The process that
//! starts or resumes an execution drives it (holding its lease); every other command only sends
//! requests to it. Ctrl-C records a pause and stops driving cleanly.

use super::output::{self, Output};
use super::Failure;
use crate::connect::EmbeddedSandbox;
use crate::execute::{self, Driver, StartError, StartOptions};
use clap::{Args, Subcommand};
use drs_core::execution::{
    self, Control, Event, Execution, ExecutionKind, ExecutionStatus, Journal, JournalError,
};
use drs_secrets::Secrets;
use drs_store::{Request, Store};
use indicatif::{ProgressBar, ProgressStyle};
use std::collections::BTreeSet;
use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;
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
}

/// Prints progress as the journal is written: a bar on a terminal, JSON lines with `--json`.
struct Reporting<'a> {
    inner: &'a dyn Journal,
    out: Output,
    bar: Option<ProgressBar>,
    hinted: Mutex<BTreeSet<String>>,
}

impl Reporting<'_> {
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
}

impl Journal for Reporting<'_> {
    fn record(&self, e: &Execution, event: &Event) -> Result<(), JournalError> {
        self.inner.record(e, event)?;
        let (launched, failed, in_flight, _) = e.counts();
        let total = e.servers().count();
        if let Some(bar) = &self.bar {
            bar.set_length(total as u64);
            bar.set_position((launched + failed) as u64);
            bar.set_message(format!(
                "{} · {launched} launched, {failed} failed, {in_flight} launching",
                e.status.as_str()
            ));
        }
        if !event.is_routine() {
            let text = event.to_string();
            self.say(
                format!("{} [{launched}/{total} launched, {failed} failed] {text}", e.id),
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
        for w in e
            .waves
            .iter()
            .filter(|w| w.status == execution::WaveStatus::WaitingApproval)
        {
            self.hint_once(
                &format!("wave:{}", w.name),
                format!(
                    "wave \"{}\" waits for an approval: drs-orchestrator executions approve {} --wave \"{}\"",
                    w.name, e.id, w.name
                ),
                serde_json::json!({ "execution": e.id, "waitingApproval": w.name }),
            );
        }
        if e.cleanup.status == "awaitingConfirmation" {
            self.hint_once(
                "cleanup",
                format!(
                    "the drill is done; clean it up with: drs-orchestrator cleanup --execution {}",
                    e.id
                ),
                serde_json::json!({ "execution": e.id, "awaitingCleanup": true }),
            );
        }
        Ok(())
    }

    fn control(&self, id: &str) -> Result<Control, JournalError> {
        self.inner.control(id)
    }

    fn active_elsewhere(
        &self,
        execution: &str,
        target: &str,
    ) -> Result<(usize, usize), JournalError> {
        self.inner.active_elsewhere(execution, target)
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Runtime::new()
        .map_err(|e| Failure::runtime(format!("cannot start the async runtime: {e}")))
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

fn summary(e: &Execution, driver: Option<&drs_store::Driver>) -> String {
    let (launched, failed, _, not_run) = e.counts();
    let mut s = format!(
        "Execution {} of plan \"{}\" (revision {}, {:?}) by {}: {}\n  started {}{}\n  {launched} launched, {failed} failed, {not_run} not run\n",
        e.id,
        e.plan,
        e.plan_revision,
        e.kind,
        e.started_by,
        e.status.as_str(),
        e.started_at,
        e.ended_at.as_deref().map(|t| format!(", ended {t}")).unwrap_or_default(),
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
fn exit_code(e: &Execution) -> u8 {
    if e.status == ExecutionStatus::Completed {
        0
    } else {
        3
    }
}

/// Drives `e` until it ends (or waits for a cleanup confirmation); Ctrl-C records a pause and
/// stops driving (the caller's [`Driver`] then lets the lease go).
#[allow(clippy::too_many_arguments)]
fn drive(
    rt: &tokio::runtime::Runtime,
    e: Execution,
    clouds: &execution::Clouds,
    clock: &dyn execution::Clock,
    options: &execution::DriveOptions,
    reporting: &Reporting<'_>,
    data: &Path,
    actor: &str,
    out: &Output,
) -> Result<u8, Failure> {
    let id = e.id.clone();
    let result = rt.block_on(async {
        tokio::select! {
            r = execution::drive(e, clouds, reporting, clock, options, false) => Some(r),
            _ = tokio::signal::ctrl_c() => None,
        }
    });
    if let Some(bar) = &reporting.bar {
        bar.finish_and_clear();
    }
    match result {
        Some(Ok(e)) => {
            out.value(&e, || summary(&e, None));
            Ok(exit_code(&e))
        }
        Some(Err(err)) => Err(Failure::runtime(format!(
                "execution {id} stopped: {err}. Nothing started is lost: see drs-orchestrator executions show {id}"
            ))),
        None => {
            // Interrupted: the journal already holds everything started; record a pause so a
            // resume does not start new work until someone says so, and let the lease go.
            Store::open(data)?.request(&id, Request::Pause, actor)?;
            out.value(
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
    data: &Path,
    store: Store,
    keychain: &dyn Secrets,
    out: &Output,
    plan: &str,
    options: StartOptions,
    tick_ms: u64,
) -> Result<u8, Failure> {
    let setup = execute::setup(&store, keychain, plan).map_err(start_failure)?;
    let store = Mutex::new(store);
    let rt = runtime()?;
    // Kept for the whole run: every job and poll goes to the same sandbox.
    let sandbox = EmbeddedSandbox::default();
    let ready = rt
        .block_on(execute::start(setup, &store, &sandbox, &options))
        .map_err(start_failure)?;
    drop(store);
    let driver = Driver::begin(data, &ready.execution.id, "cli")?;
    let reporting = Reporting {
        inner: driver.journal(),
        out: *out,
        bar: progress(out),
        hinted: Mutex::new(BTreeSet::new()),
    };
    reporting
        .record(&ready.execution, &Event::Created)
        .map_err(|e| Failure::runtime(e.to_string()))?;
    let mut drive_options = ready.options;
    drive_options.tick = Duration::from_millis(tick_ms);
    drive(
        &rt,
        ready.execution,
        &ready.clouds,
        ready.clock.as_ref(),
        &drive_options,
        &reporting,
        data,
        &options.actor,
        out,
    )
}

fn start_failure(e: StartError) -> Failure {
    match e {
        StartError::NotReady { .. } => Failure {
            code: 3,
            message: e.to_string(),
        },
        StartError::Store(s) => s.into(),
        StartError::Plan(_) | StartError::Overlap(_) => Failure::invalid(e.to_string()),
        other => Failure::runtime(other.to_string()),
    }
}

/// `drill`.
pub fn drill(
    a: &DrillArgs,
    data: &Path,
    store: Store,
    keychain: &dyn Secrets,
    actor: &str,
    out: &Output,
) -> Result<u8, Failure> {
    store.plan(&a.plan)?;
    if !a.yes && !confirm(&format!("Start a drill of plan \"{}\"?", a.plan))? {
        return Err(Failure::runtime("not started (not confirmed)"));
    }
    let options = StartOptions {
        kind: ExecutionKind::Drill,
        override_readiness: a.override_readiness,
        auto_cleanup: !a.no_cleanup,
        actor: actor.to_string(),
    };
    start(data, store, keychain, out, &a.plan, options, a.tick_ms)
}

/// `recover`.
pub fn recover(
    a: &RecoverArgs,
    data: &Path,
    store: Store,
    keychain: &dyn Secrets,
    actor: &str,
    out: &Output,
) -> Result<u8, Failure> {
    store.plan(&a.plan)?;
    execute::confirm_recovery(&a.plan, Some(&a.confirm))
        .map_err(|m| Failure::invalid(format!("{m} (--confirm \"{}\")", a.plan)))?;
    let options = StartOptions {
        kind: ExecutionKind::Recovery,
        override_readiness: a.override_readiness,
        auto_cleanup: false,
        actor: actor.to_string(),
    };
    start(data, store, keychain, out, &a.plan, options, a.tick_ms)
}

/// Drives an existing execution to its end (taking its lease).
#[allow(clippy::too_many_arguments)]
fn resume(
    id: &str,
    data: &Path,
    store: Store,
    keychain: &dyn Secrets,
    actor: &str,
    out: &Output,
    tick_ms: u64,
    take_over: bool,
    confirmed: Option<&str>,
) -> Result<u8, Failure> {
    let r = execute::resume_setup(&store, keychain, id)?;
    let e = r.execution;
    if e.status.is_final() {
        out.value(&e, || summary(&e, None));
        return Ok(exit_code(&e));
    }
    if e.kind == ExecutionKind::Recovery {
        execute::confirm_recovery(&e.plan, confirmed).map_err(|m| {
            Failure::invalid(format!(
                "{m}: resuming a real recovery is confirmed like starting one (--confirm \"{}\")",
                e.plan
            ))
        })?;
    }
    drop(store);
    let driver = Driver::take(data, id, "cli", take_over, actor)?;
    // The journal as it is now (a stopped driver may have written after we read it).
    let e = Store::open(data)?.execution(id)?;
    let reporting = Reporting {
        inner: driver.journal(),
        out: *out,
        bar: progress(out),
        hinted: Mutex::new(BTreeSet::new()),
    };
    let rt = runtime()?;
    let sandbox = EmbeddedSandbox::default();
    let (clouds, clock) = rt
        .block_on(execute::connect_all(r.targets, &sandbox))
        .map_err(|e| Failure::runtime(e.to_string()))?;
    let mut options = r.options;
    options.tick = Duration::from_millis(tick_ms);
    reporting
        .record(&e, &Event::Resumed)
        .map_err(|err| Failure::runtime(err.to_string()))?;
    drive(
        &rt,
        e,
        &clouds,
        clock.as_ref(),
        &options,
        &reporting,
        data,
        actor,
        out,
    )
}

/// `executions …`.
pub fn executions(
    cmd: &ExecutionsCommand,
    data: &Path,
    mut store: Store,
    keychain: &dyn Secrets,
    actor: &str,
    out: &Output,
) -> Result<u8, Failure> {
    match cmd {
        ExecutionsCommand::List { limit } => {
            let list = store.executions(*limit)?;
            out.table(
                &list,
                &["ID", "PLAN", "KIND", "STATUS", "STARTED", "ENDED", "BY"],
                |e| {
                    vec![
                        e.id.clone(),
                        e.plan.clone(),
                        e.kind.clone(),
                        e.status.clone(),
                        e.started_at.clone(),
                        e.ended_at.clone().unwrap_or_default(),
                        e.started_by.clone(),
                    ]
                },
            );
            Ok(0)
        }
        ExecutionsCommand::Show { id } => {
            let e = store.execution(id)?;
            let events = store.execution_events(id)?;
            let driver = store.driver(id)?;
            out.value(
                &serde_json::json!({ "execution": e, "events": events, "driver": driver, "retries": e.retries() }),
                || {
                    let mut s = summary(&e, Some(&driver));
                    s.push_str("\nEvents\n");
                    for ev in &events {
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
        } => resume(
            id,
            data,
            store,
            keychain,
            actor,
            out,
            *tick_ms,
            *take_over,
            confirm.as_deref(),
        ),
        ExecutionsCommand::Pause { id } => {
            request(&mut store, id, Request::Pause, actor, out, "pause asked")
        }
        ExecutionsCommand::Unpause { id } => {
            request(&mut store, id, Request::Resume, actor, out, "resume asked")
        }
        ExecutionsCommand::Cancel { id } => {
            request(&mut store, id, Request::Cancel, actor, out, "cancel asked")
        }
        ExecutionsCommand::Approve { id, wave } => request(
            &mut store,
            id,
            Request::Approve(wave),
            actor,
            out,
            &format!("wave \"{wave}\" approved"),
        ),
        ExecutionsCommand::Abandon { id } => request(
            &mut store,
            id,
            Request::Abandon,
            actor,
            out,
            "cleanup and restores abandoned",
        ),
    }
}

fn request(
    store: &mut Store,
    id: &str,
    r: Request<'_>,
    actor: &str,
    out: &Output,
    done: &str,
) -> Result<u8, Failure> {
    store.request(id, r, actor)?;
    let driver = store.driver(id)?;
    out.value(
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

/// `cleanup --execution ID`: confirms a drill's cleanup and runs it.
pub fn cleanup(
    id: &str,
    data: &Path,
    mut store: Store,
    keychain: &dyn Secrets,
    actor: &str,
    out: &Output,
) -> Result<u8, Failure> {
    let e = store.execution(id)?;
    if e.kind != ExecutionKind::Drill {
        return Err(Failure::invalid(format!(
            "execution {id} is a recovery; recoveries are not cleaned up"
        )));
    }
    store.request(id, Request::ConfirmCleanup, actor)?;
    if let drs_store::Driver::Live { owner, .. } = store.driver(id)? {
        out.value(
            &serde_json::json!({ "execution": id, "request": "cleanup confirmed", "driver": owner }),
            || format!("{id}: cleanup confirmed; {owner} drives it and cleans up on its next tick"),
        );
        return Ok(0);
    }
    resume(id, data, store, keychain, actor, out, 1000, false, None)
}
