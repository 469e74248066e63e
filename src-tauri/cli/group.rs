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
        GroupCommand::Delete { name } => {
            store.delete_group(name, actor)?;
            out.value(&serde_json::json!({ "deleted": name }), || {
                format!("deleted protection group \"{name}\"")
            });
            Ok(0)
        }
    }
}
