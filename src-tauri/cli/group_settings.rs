//! `group preview|apply|drift|rollback`: a protection group's launch settings against DRS and
//! EC2, through the same adapter as the window.

use super::group::GroupCommand;
use super::output::{table, Output};
use super::pairs::confirm;
use super::{Cx, Failure};
use crate::launch_settings::{self as ls, GroupPreview};
use drs_app::AppError;
use drs_core::group_settings::{LaunchApplication, ServerApplyStatus};
use indicatif::{ProgressBar, ProgressStyle};
use std::collections::BTreeSet;

fn value(v: &Option<String>) -> String {
    v.clone().unwrap_or_else(|| "—".into())
}

fn preview_text(p: &GroupPreview, verb: &str) -> String {
    let mut s = format!(
        "Protection group \"{}\" (target {}): {} server(s) selected now",
        p.group,
        p.target,
        p.members.len()
    );
    if !p.missing.is_empty() {
        s.push_str(&format!(
            "\n  listed but no longer in DRS: {}",
            p.missing.join(", ")
        ));
    }
    for c in &p.conflicts {
        s.push_str(&format!("\n  CONFLICT: {}", c.message()));
    }
    for pr in &p.problems {
        s.push_str(&format!(
            "\n  {}: {}: {}",
            if pr.is_error() { "error" } else { "warning" },
            pr.path,
            pr.message
        ));
    }
    let mut t = table(&["SERVER", "NAME", "FIELD", "NOW", verb]);
    let mut rows = 0;
    for d in &p.servers {
        if let Some(e) = &d.error {
            t.add_row(vec![
                d.source_server_id.clone(),
                d.name.clone(),
                "(unreadable)".into(),
                e.clone(),
                String::new(),
            ]);
            rows += 1;
        }
        for c in &d.changes {
            t.add_row(vec![
                d.source_server_id.clone(),
                d.name.clone(),
                c.field.clone(),
                value(&c.before),
                value(&c.after),
            ]);
            rows += 1;
        }
    }
    if rows == 0 {
        s.push_str("\nEvery server already holds the group's launch settings.");
    } else {
        s.push_str(&format!(
            "\n{} of {} server(s) differ:\n{t}",
            p.drifted(),
            p.servers.len()
        ));
    }
    s
}

fn outcome_text(a: &LaunchApplication) -> String {
    let mut s = format!(
        "{} {}: {} server(s) changed, {} failed",
        if a.kind == "rollback" {
            "rollback"
        } else {
            "apply"
        },
        a.id,
        a.applied(),
        a.failed()
    );
    for r in a
        .servers
        .iter()
        .filter(|r| r.status == ServerApplyStatus::Failed)
    {
        s.push_str(&format!(
            "\n  {} ({}): {}",
            r.source_server_id,
            r.name,
            r.error.as_deref().unwrap_or("failed")
        ));
    }
    if a.kind != "rollback" && a.applied() > 0 {
        s.push_str(&format!(
            "\nundo with: drs-orchestrator group rollback {} --apply {}",
            a.group, a.id
        ));
    }
    s
}

fn progress_bar(out: &Output, what: &str) -> Option<ProgressBar> {
    if out.json || !std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        return None;
    }
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} servers ({elapsed})")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.set_message(what.to_string());
    Some(bar)
}

/// Runs `op` with a progress bar on a terminal and prints what it did; exit 1 when a server
/// failed.
fn with_progress(
    out: &Output,
    what: &str,
    op: impl FnOnce(ls::Progress<'_>) -> Result<LaunchApplication, AppError>,
) -> Result<u8, Failure> {
    let bar = progress_bar(out, what);
    let report = |done: usize, total: usize| {
        if let Some(b) = &bar {
            b.set_length(total as u64);
            b.set_position(done as u64);
        }
    };
    let a = op(&report)?;
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    out.value(&a, || outcome_text(&a));
    Ok(if a.failed() > 0 { 1 } else { 0 })
}

/// Runs a launch-settings subcommand of `group`.
pub fn run(cmd: &GroupCommand, cx: &Cx) -> Result<u8, Failure> {
    let out = &cx.out;
    match cmd {
        GroupCommand::Preview { name } | GroupCommand::Drift { name } => {
            let p = cx.block_on(cx.app.group_preview(name))?;
            out.value(&p, || preview_text(&p, "GROUP SAYS"));
            let drift = matches!(cmd, GroupCommand::Drift { .. });
            Ok(if drift && p.drifted() > 0 { 3 } else { 0 })
        }
        GroupCommand::Apply {
            name, servers, yes, ..
        } => {
            let p = cx.block_on(cx.app.group_preview(name))?;
            let only: BTreeSet<String> = servers.iter().cloned().collect();
            if let Some(unknown) = only
                .iter()
                .find(|s| !p.members.iter().any(|m| &m.source_server_id == *s))
            {
                return Err(Failure::invalid(format!(
                    "--server {unknown}: not a server of protection group \"{name}\""
                )));
            }
            let changing = p
                .servers
                .iter()
                .filter(|d| !d.changes.is_empty())
                .filter(|d| only.is_empty() || only.contains(&d.source_server_id))
                .count();
            if !out.json {
                eprintln!("{}", preview_text(&p, "AFTER"));
            }
            if p.problems.iter().any(|x| x.is_error()) {
                return Err(AppError::from(ls::SettingsError::Invalid {
                    group: name.clone(),
                    problems: p.problems.into_iter().filter(|x| x.is_error()).collect(),
                })
                .into());
            }
            if changing == 0 {
                out.value(&serde_json::json!({ "changed": 0 }), || {
                    "nothing to apply".to_string()
                });
                return Ok(0);
            }
            if !confirm(
                &format!("Change the launch settings of {changing} server(s)?"),
                *yes,
            )? {
                return Err(Failure::runtime("not applied (not confirmed)"));
            }
            with_progress(out, "applying", |report| {
                cx.block_on(cx.app.apply_group(name, &only, "apply", report))
            })
        }
        GroupCommand::Rollback { name, apply, yes } => {
            let original = cx.with_store(|s| Ok(s.launch_application(*apply)?))?;
            if !out.json {
                let mut t = table(&["SERVER", "NAME", "FIELD", "NOW", "BACK TO"]);
                for r in &original.servers {
                    for c in &r.changes {
                        t.add_row(vec![
                            r.source_server_id.clone(),
                            r.name.clone(),
                            c.field.clone(),
                            value(&c.after),
                            value(&c.before),
                        ]);
                    }
                }
                eprintln!(
                    "Apply {} of \"{name}\" by {} at {}:\n{t}",
                    original.id, original.actor, original.started_at
                );
            }
            if !confirm(
                &format!(
                    "Put back the settings of {} server(s)?",
                    original.servers.len()
                ),
                *yes,
            )? {
                return Err(Failure::runtime("not rolled back (not confirmed)"));
            }
            with_progress(out, "rolling back", |report| {
                cx.block_on(cx.app.rollback_group(name, *apply, report))
            })
        }
        _ => Err(Failure::runtime(
            "internal: not a launch-settings subcommand",
        )),
    }
}
