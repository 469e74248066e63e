//! `drs-orchestrator drill | recover | executions … | cleanup`: run a plan wave by wave, from a
//! terminal (a progress bar) or a script (`--json`: one JSON line per event).

use super::output::{self, Output};
use super::Failure;
use crate::connect::EmbeddedSandbox;
use crate::execute::{self, StartError, StartOptions};
use clap::{Args, Subcommand};
use drs_core::execution::{self, Control, Execution, ExecutionKind, ExecutionStatus, Journal};
use drs_secrets::Secrets;
use drs_store::{Request, Store, StoreJournal};
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
    /// Poll interval in milliseconds.
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
    /// Poll interval in milliseconds.
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
    /// One execution: waves, servers, cleanup, events.
    Show {
        /// Execution ID.
        id: String,
    },
    /// Go on with an execution whose process ended (a crash, a kill, a closed lid).
    Resume {
        /// Execution ID.
        id: String,
        /// Poll interval in milliseconds.
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
}

/// Prints progress as the journal is written: a bar on a terminal, JSON lines with `--json`.
struct Reporting<'a> {
    inner: &'a dyn Journal,
    out: Output,
    bar: Option<ProgressBar>,
    hinted: Mutex<BTreeSet<String>>,
}

impl Journal for Reporting<'_> {
    fn record(&self, e: &Execution, event: &str) -> Result<(), String> {
        self.inner.record(e, event)?;
        let (launched, failed, in_flight, _) = e.counts();
        let total = e.servers().count();
        if let Some(bar) = &self.bar {
            bar.set_length(total as u64);
            bar.set_position((launched + failed) as u64);
            bar.set_message(format!(
                "{:?} · {launched} launched, {failed} failed, {in_flight} launching",
                e.status
            ));
            if event != "tick" {
                bar.println(format!("{}: {event}", e.id));
            }
        } else if event != "tick" {
            if self.out.json {
                println!(
                    "{}",
                    serde_json::json!({
                        "execution": e.id, "event": event, "status": e.status,
                        "launched": launched, "failed": failed, "launching": in_flight, "servers": total,
                    })
                );
            } else if !self.out.quiet {
                eprintln!(
                    "{} [{launched}/{total} launched, {failed} failed] {event}",
                    e.id
                );
            }
        }
        for w in e
            .waves
            .iter()
            .filter(|w| w.status == execution::WaveStatus::WaitingApproval)
        {
            let mut hinted = self.hinted.lock().map_err(|_| "lock".to_string())?;
            if hinted.insert(w.name.clone()) {
                let hint = format!(
                    "wave \"{}\" waits for an approval: drs-orchestrator executions approve {} --wave \"{}\"",
                    w.name, e.id, w.name
                );
                match &self.bar {
                    Some(bar) => bar.println(hint),
                    None if self.out.json => println!(
                        "{}",
                        serde_json::json!({ "execution": e.id, "waitingApproval": w.name })
                    ),
                    None => eprintln!("{hint}"),
                }
            }
        }
        if e.cleanup.status == "awaitingConfirmation" {
            let mut hinted = self.hinted.lock().map_err(|_| "lock".to_string())?;
            if hinted.insert("cleanup".into()) {
                let hint = format!(
                    "the drill is done; clean it up with: drs-orchestrator cleanup --execution {}",
                    e.id
                );
                match &self.bar {
                    Some(bar) => bar.println(hint),
                    None => eprintln!("{hint}"),
                }
            }
        }
        Ok(())
    }

    fn control(&self, id: &str) -> Result<Control, String> {
        self.inner.control(id)
    }

    fn active_elsewhere(&self, execution: &str, target: &str) -> Result<(usize, usize), String> {
        self.inner.active_elsewhere(execution, target)
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Runtime::new()
        .map_err(|e| Failure::runtime(format!("cannot start the async runtime: {e}")))
}

fn journal(data: &Path) -> Result<StoreJournal, Failure> {
    Ok(StoreJournal::open(data)?)
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

fn summary(e: &Execution) -> String {
    let (launched, failed, _, not_run) = e.counts();
    let mut s = format!(
        "Execution {} of plan \"{}\" (revision {}, {:?}) by {}: {:?}\n  started {}{}\n  {launched} launched, {failed} failed, {not_run} not run\n",
        e.id,
        e.plan,
        e.plan_revision,
        e.kind,
        e.started_by,
        e.status,
        e.started_at,
        e.ended_at.as_deref().map(|t| format!(", ended {t}")).unwrap_or_default(),
    );
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

fn exit_code(e: &Execution) -> u8 {
    if e.status == ExecutionStatus::Completed {
        0
    } else {
        1
    }
}

/// Runs `drill` or `recover`.
#[allow(clippy::too_many_arguments)]
fn start(
    data: &Path,
    store: Store,
    keychain: &dyn Secrets,
    actor: &str,
    out: &Output,
    plan: &str,
    options: StartOptions,
    tick_ms: u64,
) -> Result<u8, Failure> {
    let setup = execute::setup(&store, keychain, plan).map_err(start_failure)?;
    let store = Mutex::new(store);
    let journal = journal(data)?;
    let reporting = Reporting {
        inner: &journal,
        out: *out,
        bar: progress(out),
        hinted: Mutex::new(BTreeSet::new()),
    };
    let rt = runtime()?;
    // Kept for the whole run: every job and poll goes to the same sandbox.
    let sandbox = EmbeddedSandbox::default();
    let _ = actor;
    let (e, clouds, mut drive) = rt
        .block_on(execute::start(
            setup, &store, &sandbox, &reporting, &options,
        ))
        .map_err(start_failure)?;
    drive.tick = Duration::from_millis(tick_ms);
    let e = rt
        .block_on(execution::drive(e, &clouds, &reporting, &drive, false))
        .map_err(Failure::runtime)?;
    if let Some(bar) = &reporting.bar {
        bar.finish_and_clear();
    }
    out.value(&e, || summary(&e));
    Ok(exit_code(&e))
}

fn start_failure(e: StartError) -> Failure {
    match e {
        StartError::NotReady { .. } => Failure {
            code: 3,
            message: e.to_string(),
        },
        StartError::Store(s) => s.into(),
        StartError::Plan(_) => Failure::invalid(e.to_string()),
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
    start(
        data, store, keychain, actor, out, &a.plan, options, a.tick_ms,
    )
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
    if a.confirm != a.plan {
        return Err(Failure::invalid(format!(
            "a real recovery needs the plan's name typed again: --confirm \"{}\" (got \"{}\")",
            a.plan, a.confirm
        )));
    }
    let options = StartOptions {
        kind: ExecutionKind::Recovery,
        override_readiness: a.override_readiness,
        auto_cleanup: false,
        actor: actor.to_string(),
    };
    start(
        data, store, keychain, actor, out, &a.plan, options, a.tick_ms,
    )
}

/// Drives an existing execution to its end.
fn resume(
    id: &str,
    data: &Path,
    store: Store,
    keychain: &dyn Secrets,
    out: &Output,
    tick_ms: u64,
) -> Result<u8, Failure> {
    let r = execute::resume_setup(&store, keychain, id, Duration::from_millis(tick_ms))?;
    let e = r.execution;
    if e.status.is_final() {
        out.value(&e, || summary(&e));
        return Ok(exit_code(&e));
    }
    drop(store);
    let journal = journal(data)?;
    let reporting = Reporting {
        inner: &journal,
        out: *out,
        bar: progress(out),
        hinted: Mutex::new(BTreeSet::new()),
    };
    let rt = runtime()?;
    let sandbox = EmbeddedSandbox::default();
    let clouds = rt
        .block_on(execute::clouds(r.targets, &sandbox))
        .map_err(|e| Failure::runtime(e.to_string()))?;
    let options = r.options;
    reporting.record(&e, "resumed")?;
    let e = rt
        .block_on(execution::drive(e, &clouds, &reporting, &options, false))
        .map_err(Failure::runtime)?;
    if let Some(bar) = &reporting.bar {
        bar.finish_and_clear();
    }
    out.value(&e, || summary(&e));
    Ok(exit_code(&e))
}

impl From<String> for Failure {
    fn from(message: String) -> Self {
        Failure::runtime(message)
    }
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
            out.value(
                &serde_json::json!({ "execution": e, "events": events }),
                || {
                    let mut s = summary(&e);
                    s.push_str("\nEvents\n");
                    for ev in &events {
                        s.push_str(&format!("  {} {} ({})\n", ev.at, ev.event, ev.status));
                    }
                    s
                },
            );
            Ok(0)
        }
        ExecutionsCommand::Resume { id, tick_ms } => {
            resume(id, data, store, keychain, out, *tick_ms)
        }
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
    out.value(&serde_json::json!({ "execution": id, "request": done }), || {
        format!("{id}: {done}; the process running it acts on its next poll (or run: drs-orchestrator executions resume {id})")
    });
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
    resume(id, data, store, keychain, out, 1000)
}
