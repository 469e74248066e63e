//! The command-line interface: clap subcommands over the same store and core as the GUI.
//!
//! Output is for people by default and JSON with `--json`. Exit codes: 0 success; 1 runtime
//! failure; 2 invalid input or usage; 3 "checked, and the answer is no".

mod execute;
mod failback;
mod group;
mod group_settings;
mod health;
mod inventory;
mod monitoring;
mod native;
mod output;
mod pairs;
mod plan;
mod report;
mod sandbox;
mod schedule;
mod tags;
mod target;

use crate::data_dir;
use clap::{Parser, Subcommand};
use drs_app::{App, AppError, ErrorCode};
use drs_store::{Store, StoreError};
use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

pub use output::Output;

/// Plan, rehearse, execute and prove recovery of servers protected by AWS Elastic Disaster
/// Recovery. Run without arguments to open the app window.
#[derive(Debug, Parser)]
#[command(name = "drs-orchestrator", version, propagate_version = true)]
pub struct Cli {
    /// Data directory (default: the platform's app data directory).
    #[arg(long, global = true, env = data_dir::ENV_DATA_DIR, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Print machine-readable JSON instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    /// Print less (only errors).
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Print more: `-v` logs on stderr what the app does, `-vv` in detail. (Everything is
    /// logged to a daily file in the log directory either way; see `diagnostics`.)
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Top-level subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Recovery plans: list, show, validate, import, export, revisions.
    #[command(subcommand)]
    Plan(plan::PlanCommand),
    /// Protection groups: list, show, import, export.
    #[command(subcommand)]
    Group(group::GroupCommand),
    /// Targets (AWS accounts and regions).
    #[command(subcommand)]
    Target(Box<target::TargetCommand>),
    /// Source servers and recovery-region EC2 instances of every target (or one).
    Inventory {
        /// Only this target.
        #[arg(long)]
        target: Option<String>,
    },
    /// Launch into pre-provisioned DR instances: match, apply, undo, override.
    #[command(subcommand)]
    Pairs(pairs::PairsCommand),
    /// Would the plan launch right now? Exit 0 ready, 3 not ready.
    Readiness {
        /// The recovery plan.
        #[arg(long)]
        plan: String,
    },
    /// Run a plan as a drill (isDrill=true), wave by wave, then clean up its recovery instances.
    Drill(execute::DrillArgs),
    /// Run a plan as a real recovery (failover). Needs --confirm with the plan's name.
    Recover(execute::RecoverArgs),
    /// After a real recovery: replicate the recovered instances back to their origin region
    /// (and, after a failback, protect them towards the recovery region again), following each
    /// server's initial sync.
    Reprotect(failback::ReprotectArgs),
    /// Go home after a real recovery: --check (failback readiness), --drill (rehearse it in the
    /// origin region), --confirm PLAN (run it), --cleanup (the leftovers, once protected again).
    Failback(failback::FailbackArgs),
    /// DRS's own recovery plans: preview and publish a plan, import one, start and follow DRS's
    /// run of a published plan (drill or recovery), adopt runs started in the console.
    #[command(subcommand)]
    Native(native::NativeCommand),
    /// Executions: list, show, resume, pause, unpause, cancel, approve.
    #[command(subcommand)]
    Executions(execute::ExecutionsCommand),
    /// Confirm and run a drill's cleanup (terminate and verify its recovery instances).
    Cleanup {
        /// Execution ID.
        #[arg(long)]
        execution: String,
    },
    /// Reports for auditors: the readiness report as PDF (or CSV).
    #[command(subcommand)]
    Report(report::ReportCommand),
    /// The simulated AWS estate.
    #[command(subcommand)]
    Sandbox(sandbox::SandboxCommand),
    /// Replication health of every target's servers (exit 3 when any is critical), and the
    /// thresholds it (and readiness) uses.
    Health {
        /// Only this target.
        #[arg(long)]
        target: Option<String>,
        /// Show or set thresholds.
        #[command(subcommand)]
        cmd: Option<health::HealthCommand>,
    },
    /// EC2 → DRS tag sync.
    #[command(subcommand)]
    Tags(tags::TagsCommand),
    /// The report and tag-sync schedules: show them, set them, run what is due (for cron).
    #[command(subcommand)]
    Schedule(schedule::ScheduleCommand),
    /// Run what the window runs in the background, without a window: the report and tag-sync
    /// schedules, the replication health monitor (alerts as log lines), and the follower of
    /// executions. Stops on Ctrl-C.
    Daemon,
    /// What support needs to know: version, platform, data and log places, targets (without
    /// secrets) and what failed in the background. Paste it into a support ticket.
    Diagnostics,
    /// The IAM actions each feature calls (what to grant the app's identity); --policy prints
    /// them as an IAM policy.
    Permissions {
        /// Only these features (identity, inventory, launchSettings, tagSync, drills,
        /// waveSteps, failback, native, monitoring).
        #[arg(long = "feature", value_name = "ID")]
        features: Vec<String>,
        /// Print an IAM policy document instead of the table.
        #[arg(long)]
        policy: bool,
    },
    /// Always-on monitoring in a target's own account: what it should be (SNS topic, DRS event
    /// rules, replication lag alarms) and the same as a CloudFormation template.
    #[command(subcommand)]
    Monitoring(monitoring::MonitoringCommand),
    /// The append-only audit log.
    Audit {
        /// Only entries about this plan, group or target.
        #[arg(long)]
        subject: Option<String>,
        /// How many of the newest entries.
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
}

/// A CLI failure and the exit code it maps to.
#[derive(Debug)]
pub struct Failure {
    /// Exit code: 1 runtime, 2 invalid input, 3 checked-and-no.
    pub code: u8,
    /// What to print on stderr.
    pub message: String,
}

impl Failure {
    /// Invalid input or usage (exit 2).
    pub fn invalid(message: impl Into<String>) -> Self {
        Self {
            code: 2,
            message: message.into(),
        }
    }

    /// Runtime failure (exit 1).
    pub fn runtime(message: impl Into<String>) -> Self {
        Self {
            code: 1,
            message: message.into(),
        }
    }
}

impl From<AppError> for Failure {
    fn from(e: AppError) -> Self {
        let mut message = e.message;
        if !e.problems.is_empty() && !message.ends_with(':') {
            message.push(':');
        }
        for p in &e.problems {
            message.push_str(&format!("\n  {}: {}", p.path, p.message));
        }
        Self {
            code: e.code.exit_code(),
            message,
        }
    }
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Self {
        AppError::from(e).into()
    }
}

impl From<crate::credentials::TargetError> for Failure {
    fn from(e: crate::credentials::TargetError) -> Self {
        AppError::from(e).into()
    }
}

impl From<drs_core::cloud::CloudError> for Failure {
    fn from(e: drs_core::cloud::CloudError) -> Self {
        AppError::from(e).into()
    }
}

impl From<crate::files::FileError> for Failure {
    fn from(e: crate::files::FileError) -> Self {
        let code = e.code();
        match e {
            // A document's problems are listed with the file's path, line and column.
            crate::files::FileError::NotText { path, source } => Self {
                code: code.exit_code(),
                message: output::problems(&path, &source.problems),
            },
            other => Self {
                code: code.exit_code(),
                message: other.to_string(),
            },
        }
    }
}

/// What every subcommand gets: the application (the use cases the window calls too), one async
/// runtime for the whole command, and how to print.
pub struct Cx {
    /// The application.
    pub app: App,
    rt: tokio::runtime::Runtime,
    /// Output style.
    pub out: Output,
}

impl Cx {
    /// Runs `f` to its end on the command's runtime.
    pub fn block_on<F: std::future::Future>(&self, f: F) -> F::Output {
        self.rt.block_on(f)
    }

    /// Runs `f` with the open store.
    pub fn with_store<T>(
        &self,
        f: impl FnOnce(&mut Store) -> Result<T, Failure>,
    ) -> Result<T, Failure> {
        let mut result = None;
        self.app.with_store(|s| {
            result = Some(f(s));
            Ok(())
        })?;
        result.unwrap_or_else(|| Err(Failure::runtime("the store was not reached")))
    }

    /// Who acts.
    pub fn actor(&self) -> &str {
        self.app.actor()
    }
}

/// `permissions`: the IAM actions per feature, or an IAM policy for them.
fn permissions(ids: &[String], policy: bool, out: &Output) -> Result<u8, Failure> {
    let all = drs_core::permissions::features();
    if let Some(bad) = ids.iter().find(|i| !all.iter().any(|f| f.id == i.as_str())) {
        return Err(Failure::invalid(format!(
            "no feature \"{bad}\"; the features: {}",
            all.iter().map(|f| f.id).collect::<Vec<_>>().join(", ")
        )));
    }
    let wanted: Vec<&str> = ids.iter().map(String::as_str).collect();
    if policy {
        let p = drs_core::permissions::policy(&wanted);
        println!("{}", serde_json::to_string_pretty(&p).unwrap_or_default());
        return Ok(0);
    }
    let chosen: Vec<_> = all
        .into_iter()
        .filter(|f| wanted.is_empty() || wanted.contains(&f.id))
        .collect();
    out.value(&chosen, || {
        let mut t = output::table(&["FEATURE", "ID", "SCOPE", "IAM ACTIONS"]);
        for f in &chosen {
            t.add_row(vec![
                f.feature.to_string(),
                f.id.to_string(),
                f.scope.to_string(),
                f.actions.join("\n"),
            ]);
        }
        format!("{t}\n")
    });
    Ok(0)
}

/// Runs the CLI with `args` (the first being the program name) and returns the exit code.
pub fn main(args: Vec<OsString>) -> ExitCode {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let out = Output::new(cli.json, cli.quiet, cli.verbose > 0);
    match run(&cli, &out) {
        Ok(code) => ExitCode::from(code),
        Err(f) => {
            out.error(&f.message);
            ExitCode::from(f.code)
        }
    }
}

fn data_dir_of(cli: &Cli) -> Result<PathBuf, Failure> {
    data_dir::resolve(cli.data_dir.clone()).map_err(Failure::invalid)
}

fn run(cli: &Cli, out: &Output) -> Result<u8, Failure> {
    if let Command::Sandbox(cmd) = &cli.command {
        return sandbox::run(cmd, out);
    }
    if let Command::Permissions { features, policy } = &cli.command {
        return permissions(features, *policy, out);
    }
    let dir = data_dir_of(cli)?;
    let (_logging, log_problem) = drs_app::logs::init(&drs_app::logs::log_dir(&dir), cli.verbose);
    if let Some(p) = log_problem {
        out.note(&format!("warning: {p}"));
    }
    let app = App::open(dir);
    if let Some(e) = app.open_error() {
        return Err(AppError::new(ErrorCode::StoreUnavailable, e).into());
    }
    let rt = tokio::runtime::Runtime::new()
        .map_err(|e| Failure::runtime(format!("cannot start the async runtime: {e}")))?;
    let cx = Cx { app, rt, out: *out };
    let actor = cx.actor().to_string();
    match &cli.command {
        Command::Drill(a) => execute::drill(a, &cx),
        Command::Recover(a) => execute::recover(a, &cx),
        Command::Executions(cmd) => execute::executions(cmd, &cx),
        Command::Reprotect(a) => failback::reprotect(a, &cx),
        Command::Failback(a) => failback::failback(a, &cx),
        Command::Plan(plan::PlanCommand::Status { name }) => failback::status(name, &cx),
        Command::Plan(plan::PlanCommand::Publish(a)) => native::publish(a, &cx),
        Command::Native(cmd) => native::run(cmd, &cx),
        Command::Monitoring(cmd) => monitoring::run(cmd, &cx),
        Command::Cleanup { execution } => execute::cleanup(execution, &cx),
        Command::Group(cmd) if cmd.uses_aws() => group_settings::run(cmd, &cx),
        Command::Plan(cmd) => cx.with_store(|s| plan::run(cmd, s, &actor, out)),
        Command::Group(cmd) => cx.with_store(|s| group::run(cmd, s, &actor, out)),
        Command::Inventory { target } => inventory::run(&cx, target.as_deref()),
        Command::Pairs(cmd) => pairs::run(cmd, &cx),
        Command::Readiness { plan } => pairs::readiness(plan, &cx),
        Command::Report(cmd) => report::run(cmd, &cx),
        Command::Tags(cmd) => tags::run(cmd, &cx),
        Command::Health { target, cmd } => health::run(cmd.as_ref(), target.as_deref(), &cx),
        Command::Target(cmd) => target::run(cmd.as_ref(), &cx),
        Command::Schedule(cmd) => schedule::run(cmd, &cx),
        Command::Daemon => schedule::daemon(&cx),
        Command::Sandbox(_) | Command::Permissions { .. } => Ok(0),
        Command::Diagnostics => {
            let d = cx.app.diagnostics();
            out.value(&d, || d.text());
            Ok(0)
        }
        Command::Audit { subject, limit } => {
            let entries = cx.with_store(|s| Ok(s.audit(subject.as_deref(), *limit)?))?;
            out.table(
                &entries,
                &["#", "WHEN", "WHO", "ACTION", "SUBJECT", "AWS IDENTITY"],
                |e| {
                    vec![
                        e.id.to_string(),
                        e.at.clone(),
                        e.actor.clone(),
                        e.action.clone(),
                        e.subject.clone(),
                        e.aws_identity.clone().unwrap_or_default(),
                    ]
                },
            );
            Ok(0)
        }
    }
}
