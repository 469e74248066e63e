//! `drs-orchestrator tags sync [--target NAME] [--dry-run]`: copies each source server's origin
//! EC2 instance tags onto the DRS source server.

use super::output::table;
use super::{Cx, Failure};
use crate::tag_sync::TargetSync;
use clap::Subcommand;

/// Tag subcommands.
#[derive(Debug, Subcommand)]
pub enum TagsCommand {
    /// Copy EC2 instance tags onto DRS source servers (new tags and changed values; tags only
    /// on DRS are kept, `aws:` tags are never copied).
    Sync {
        /// Only this target (default: every target).
        #[arg(long)]
        target: Option<String>,
        /// Show what would change; write nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

fn text(syncs: &[TargetSync], dry_run: bool) -> String {
    let mut s = String::new();
    for sync in syncs {
        if let Some(e) = &sync.error {
            s.push_str(&format!("target {}: cannot read: {e}\n", sync.target));
            continue;
        }
        let p = &sync.plan;
        s.push_str(&format!(
            "target {}: {} server(s) to tag, {} already in line{}{}\n",
            sync.target,
            p.servers
                .iter()
                .filter(|x| !x.to_write().is_empty())
                .count(),
            p.in_line,
            if p.not_in_aws > 0 {
                format!(", {} not running in AWS", p.not_in_aws)
            } else {
                String::new()
            },
            if p.missing_instances.is_empty() {
                String::new()
            } else {
                format!(
                    ", {} origin instance(s) not found",
                    p.missing_instances.len()
                )
            }
        ));
        let mut t = table(&["SERVER", "NAME", "TAG", "NOW", "FROM EC2"]);
        let mut rows = 0;
        for x in &p.servers {
            for (k, v) in &x.add {
                t.add_row(vec![
                    x.source_server_id.clone(),
                    x.name.clone(),
                    k.clone(),
                    "—".into(),
                    v.clone(),
                ]);
                rows += 1;
            }
            for c in &x.change {
                t.add_row(vec![
                    x.source_server_id.clone(),
                    x.name.clone(),
                    c.key.clone(),
                    c.before.clone(),
                    c.after.clone(),
                ]);
                rows += 1;
            }
        }
        if rows > 0 {
            s.push_str(&format!("{t}\n"));
        }
        for m in &p.missing_instances {
            s.push_str(&format!("  not found: {m}\n"));
        }
        for x in &p.servers {
            for k in &x.skipped {
                s.push_str(&format!("  {} not copied: {k}\n", x.name));
            }
        }
        if dry_run {
            s.push_str("dry run: nothing was written\n");
        } else {
            s.push_str(&format!("{} server(s) tagged", sync.written));
            if !sync.failed.is_empty() {
                s.push_str(&format!(", {} failed:", sync.failed.len()));
                for f in &sync.failed {
                    s.push_str(&format!("\n  {f}"));
                }
            }
            s.push('\n');
        }
    }
    s.trim_end().to_string()
}

/// Runs a tags subcommand.
pub fn run(cmd: &TagsCommand, cx: &Cx) -> Result<u8, Failure> {
    let TagsCommand::Sync { target, dry_run } = cmd;
    let out = &cx.out;
    let syncs = cx.block_on(cx.app.sync_tags(target.as_deref(), *dry_run))?;
    out.value(&syncs, || text(&syncs, *dry_run));
    let failed = syncs
        .iter()
        .any(|s| s.error.is_some() || !s.failed.is_empty());
    Ok(if failed { 1 } else { 0 })
}
