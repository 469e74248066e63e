//! `drs-orchestrator group …`

use super::output::Output;
use super::plan::import_or_validate;
use super::Failure;
use clap::Subcommand;
use drs_core::document::group_to_yaml;
use drs_core::{LaunchMode, Selector};
use drs_store::Store;
use std::path::PathBuf;

/// Group subcommands.
#[derive(Debug, Subcommand)]
pub enum GroupCommand {
    /// List protection groups.
    List,
    /// Show a protection group.
    Show {
        /// Group name.
        name: String,
    },
    /// Import groups (and plans) from a YAML file: all of it, or nothing if anything is invalid.
    Import {
        /// The YAML file.
        file: PathBuf,
    },
    /// Export a group as YAML.
    Export {
        /// Group name.
        name: String,
        /// Write to this file instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Delete a group that no plan uses.
    Delete {
        /// Group name.
        name: String,
    },
    /// The servers the group selects now, conflicts with other groups, its settings checked
    /// against AWS, and what applying it would change per server.
    Preview {
        /// Group name.
        name: String,
    },
    /// Writes the group's launch settings to DRS and EC2 (after showing each change).
    Apply {
        /// Group name.
        name: String,
        /// Only these source servers (repeat; default: every server that differs).
        #[arg(long = "server", value_name = "s-…")]
        servers: Vec<String>,
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
    },
    /// What DRS and EC2 hold now that differs from the group's settings (exit 3 when any).
    Drift {
        /// Group name.
        name: String,
    },
    /// Puts back what an apply changed (see `group applies`).
    Rollback {
        /// Group name.
        name: String,
        /// The apply's number.
        #[arg(long = "apply", value_name = "N")]
        apply: i64,
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
    },
    /// The group's applies and rollbacks, newest first.
    Applies {
        /// Group name.
        name: String,
    },
}

impl GroupCommand {
    /// Whether the subcommand talks to AWS (and needs the keychain and a runtime).
    pub fn uses_aws(&self) -> bool {
        matches!(
            self,
            Self::Preview { .. } | Self::Apply { .. } | Self::Drift { .. } | Self::Rollback { .. }
        )
    }
}

fn selector(s: &Selector) -> String {
    match s {
        Selector::Tags(tags) => tags
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(" AND "),
        Selector::SourceServerIds(ids) => format!("{} listed server(s)", ids.len()),
    }
}

fn mode(m: LaunchMode) -> &'static str {
    match m {
        LaunchMode::NewInstances => "new instances",
        LaunchMode::PreProvisioned => "pre-provisioned DR instances",
    }
}

/// Runs a group subcommand.
pub fn run(
    cmd: &GroupCommand,
    store: &mut Store,
    actor: &str,
    out: &Output,
) -> Result<u8, Failure> {
    match cmd {
        GroupCommand::List => {
            let groups = store.groups()?;
            out.table(&groups, &["NAME", "TARGET", "SELECTOR", "LAUNCH"], |g| {
                vec![
                    g.name.clone(),
                    g.target.clone(),
                    selector(&g.selector),
                    mode(g.launch.launch_mode).into(),
                ]
            });
            Ok(0)
        }
        GroupCommand::Show { name } => {
            let g = store.group(name)?;
            out.value(&g, || group_to_yaml(&g));
            Ok(0)
        }
        GroupCommand::Import { file } => import_or_validate(store, file, true, actor, out),
        GroupCommand::Export { name, out: file } => {
            let yaml = group_to_yaml(&store.group(name)?);
            out.yaml(
                &yaml,
                file.as_deref(),
                &format!("protection group \"{name}\""),
            )?;
            Ok(0)
        }
        GroupCommand::Applies { name } => {
            store.group(name)?;
            let applies = store.launch_applications(name)?;
            out.table(
                &applies,
                &[
                    "#",
                    "KIND",
                    "STARTED",
                    "BY",
                    "CHANGED",
                    "FAILED",
                    "ROLLED BACK BY",
                ],
                |a| {
                    vec![
                        a.id.to_string(),
                        match a.rolls_back {
                            Some(o) => format!("rollback of {o}"),
                            None => a.kind.clone(),
                        },
                        a.started_at.clone(),
                        a.actor.clone(),
                        a.applied().to_string(),
                        a.failed().to_string(),
                        a.rolled_back_by.map(|r| r.to_string()).unwrap_or_default(),
                    ]
                },
            );
            Ok(0)
        }
        GroupCommand::Preview { .. }
        | GroupCommand::Apply { .. }
        | GroupCommand::Drift { .. }
        | GroupCommand::Rollback { .. } => Err(Failure::runtime(
            "internal: this subcommand runs through the launch-settings adapter",
        )),
        GroupCommand::Delete { name } => {
            store.delete_group(name, actor)?;
            out.value(&serde_json::json!({ "deleted": name }), || {
                format!("deleted protection group \"{name}\"")
            });
            Ok(0)
        }
    }
}
