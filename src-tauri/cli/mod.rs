//! The command-line interface: clap subcommands over the same store and core as the GUI.
//!
//! Output is for people by default and JSON with `--json`. Exit codes: 0 success; 1 runtime
//! failure; 2 invalid input or usage; 3 "checked, and the answer is no".

mod execute;
mod group;
mod group_settings;
mod health;
mod inventory;
mod output;
mod pairs;
mod plan;
mod report;
mod sandbox;
mod tags;
mod target;

use crate::data_dir;
use clap::{Parser, Subcommand};
use drs_secrets::Keychain;
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
    /// Print more (details of each step).
    #[arg(short, long, global = true)]
    pub verbose: bool,
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

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Self {
        let code = match e {
            StoreError::Invalid { .. } | StoreError::NotFound { .. } | StoreError::Conflict(_) => 2,
            _ => 1,
        };
        Self {
            code,
            message: e.to_string(),
        }
    }
}

impl From<crate::credentials::TargetError> for Failure {
    fn from(e: crate::credentials::TargetError) -> Self {
        use crate::credentials::TargetError;
        match e {
            TargetError::Store(s) => s.into(),
            TargetError::Invalid { target, problems } => Self::invalid(format!(
                "target \"{target}\" is not valid:\n{}",
                problems
                    .iter()
                    .map(|p| format!("  {}: {}", p.path, p.message))
                    .collect::<Vec<_>>()
                    .join("\n")
            )),
            other => Self::runtime(other.to_string()),
        }
    }
}

impl From<crate::files::FileError> for Failure {
    fn from(e: crate::files::FileError) -> Self {
        match e {
            crate::files::FileError::NotText { path, source } => {
                Self::invalid(output::problems(&path, &source.problems))
            }
            crate::files::FileError::TooLarge { .. } => Self::invalid(e.to_string()),
            crate::files::FileError::Io { .. } => Self::runtime(e.to_string()),
        }
    }
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
    let out = Output::new(cli.json, cli.quiet, cli.verbose);
    match run(&cli, &out) {
        Ok(code) => ExitCode::from(code),
        Err(f) => {
            out.error(&f.message);
            ExitCode::from(f.code)
        }
    }
}

fn open_store(cli: &Cli) -> Result<Store, Failure> {
    let dir = data_dir::resolve(cli.data_dir.clone()).map_err(Failure::invalid)?;
    Ok(crate::open_store(&dir, &data_dir::actor())?)
}

fn data_dir_of(cli: &Cli) -> Result<PathBuf, Failure> {
    data_dir::resolve(cli.data_dir.clone()).map_err(Failure::invalid)
}

fn run(cli: &Cli, out: &Output) -> Result<u8, Failure> {
    if let Command::Sandbox(cmd) = &cli.command {
        return sandbox::run(cmd, out);
    }
    let mut store = open_store(cli)?;
    let actor = data_dir::actor();
    match &cli.command {
        Command::Drill(a) => {
            return execute::drill(a, &data_dir_of(cli)?, store, &Keychain::new(), &actor, out)
        }
        Command::Recover(a) => {
            return execute::recover(a, &data_dir_of(cli)?, store, &Keychain::new(), &actor, out)
        }
        Command::Executions(cmd) => {
            return execute::executions(
                cmd,
                &data_dir_of(cli)?,
                store,
                &Keychain::new(),
                &actor,
                out,
            )
        }
        Command::Group(cmd) if cmd.uses_aws() => {
            return group_settings::run(cmd, store, &Keychain::new(), &actor, out)
        }
        Command::Cleanup { execution } => {
            return execute::cleanup(
                execution,
                &data_dir_of(cli)?,
                store,
                &Keychain::new(),
                &actor,
                out,
            )
        }
        _ => {}
    }
    match &cli.command {
        Command::Plan(cmd) => plan::run(cmd, &mut store, &actor, out),
        Command::Group(cmd) => group::run(cmd, &mut store, &actor, out),
        Command::Inventory { target } => {
            inventory::run(&store, &Keychain::new(), target.as_deref(), out)
        }
        Command::Sandbox(_)
        | Command::Drill(_)
        | Command::Recover(_)
        | Command::Executions(_)
        | Command::Cleanup { .. } => Ok(0),
        Command::Pairs(cmd) => pairs::run(cmd, &mut store, &Keychain::new(), &actor, out),
        Command::Readiness { plan } => pairs::readiness(plan, &mut store, &Keychain::new(), out),
        Command::Report(cmd) => report::run(cmd, &mut store, &Keychain::new(), out),
        Command::Tags(cmd) => tags::run(cmd, &mut store, &Keychain::new(), &actor, out),
        Command::Health { target, cmd } => health::run(
            cmd.as_ref(),
            target.as_deref(),
            &mut store,
            &Keychain::new(),
            &actor,
            out,
        ),
        Command::Target(cmd) => {
            target::run(cmd.as_ref(), &mut store, &Keychain::new(), &actor, out)
        }
        Command::Audit { subject, limit } => {
            let entries = store.audit(subject.as_deref(), *limit)?;
            out.table(&entries, &["#", "WHEN", "WHO", "ACTION", "SUBJECT"], |e| {
                vec![
                    e.id.to_string(),
                    e.at.clone(),
                    e.actor.clone(),
                    e.action.clone(),
                    e.subject.clone(),
                ]
            });
            Ok(0)
        }
    }
}
