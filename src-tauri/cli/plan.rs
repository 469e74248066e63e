//! `drs-orchestrator plan …`

use super::output::{self, Output};
use super::Failure;
use crate::files::read_yaml;
use clap::Subcommand;
use drs_core::document::plan_to_yaml;
use drs_core::FailurePolicy;
use drs_store::{Store, StoreError};
use std::path::PathBuf;

/// Plan subcommands.
#[derive(Debug, Subcommand)]
pub enum PlanCommand {
    /// List plans.
    List,
    /// Show a plan and its waves.
    Show {
        /// Plan name.
        name: String,
        /// Show this revision instead of the current one.
        #[arg(long)]
        revision: Option<u32>,
    },
    /// Check a YAML file (plans and groups) against the rules and the stored groups; saves nothing.
    Validate {
        /// The YAML file.
        file: PathBuf,
    },
    /// Import plans and groups from a YAML file: all of it, or nothing if anything is invalid.
    Import {
        /// The YAML file.
        file: PathBuf,
    },
    /// Export a plan as YAML.
    Export {
        /// Plan name.
        name: String,
        /// Write to this file instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Where a plan is after a disaster: protected, recovered, reprotecting, ready to fail
    /// back, failed back, protected again — with the executions of each phase.
    Status {
        /// Plan name.
        name: String,
    },
    /// Publish a plan to DRS's own recovery plans (create or update DRS's copy), so it can be
    /// run from the AWS console without the app; --check only shows what would change.
    Publish(super::native::PublishArgs),
    /// List a plan's revisions.
    Revisions {
        /// Plan name.
        name: String,
    },
    /// Show what changed between two revisions.
    Diff {
        /// Plan name.
        name: String,
        /// Older revision.
        from: u32,
        /// Newer revision (default: current).
        to: Option<u32>,
    },
    /// Make an old revision current again (saved as a new revision).
    Restore {
        /// Plan name.
        name: String,
        /// The revision to restore.
        revision: u32,
    },
    /// Copy a plan under a new name.
    Clone {
        /// Plan to copy.
        name: String,
        /// Name of the copy.
        new_name: String,
    },
    /// Delete a plan and its revisions (the audit log keeps the record).
    Delete {
        /// Plan name.
        name: String,
        /// Do not ask; required when not on a terminal.
        #[arg(long)]
        yes: bool,
    },
}

/// Shared by `plan validate|import` and `group import`: check (and optionally write) a file.
pub(super) fn import_or_validate(
    store: &mut Store,
    file: &std::path::Path,
    write: bool,
    actor: &str,
    out: &Output,
) -> Result<u8, Failure> {
    let text = read_yaml(file)?;
    let shown = file.display().to_string();
    let result = if write {
        store.import_yaml(&text, actor).map(|(s, w)| (Some(s), w))
    } else {
        store.check_yaml(&text).map(|c| (None, c.warnings))
    };
    match result {
        Ok((summary, warnings)) => {
            if !warnings.is_empty() && !out.json {
                out.note(&output::problems(&shown, &warnings));
            }
            let json =
                serde_json::json!({ "valid": true, "imported": summary, "warnings": warnings });
            out.value(&json, || match &summary {
                Some(s) => {
                    let mut lines = Vec::new();
                    for g in &s.groups {
                        lines.push(format!("imported protection group \"{g}\""));
                    }
                    for (p, r) in &s.plans {
                        lines.push(format!("imported plan \"{p}\" as revision {r}"));
                    }
                    lines.join("\n")
                }
                None => format!("{shown}: valid"),
            });
            Ok(0)
        }
        Err(StoreError::Invalid { problems, .. }) => {
            if out.json {
                out.value(
                    &serde_json::json!({ "valid": false, "problems": problems }),
                    String::new,
                );
            }
            let errors = problems.iter().filter(|p| p.is_error()).count();
            Err(Failure::invalid(format!(
                "{}\n{shown}: {errors} error(s){}",
                output::problems(&shown, &problems),
                if write { "; nothing was imported" } else { "" }
            )))
        }
        Err(e) => Err(e.into()),
    }
}

fn policy(p: FailurePolicy) -> &'static str {
    match p {
        FailurePolicy::Stop => "stop",
        FailurePolicy::Continue => "continue",
    }
}

/// Runs a plan subcommand.
pub fn run(cmd: &PlanCommand, store: &mut Store, actor: &str, out: &Output) -> Result<u8, Failure> {
    match cmd {
        PlanCommand::List => {
            let plans = store.plans()?;
            out.table(
                &plans,
                &[
                    "NAME", "WAVES", "GROUPS", "RTO", "REVISION", "UPDATED", "BY",
                ],
                |p| {
                    vec![
                        p.name.clone(),
                        p.waves.to_string(),
                        p.groups.to_string(),
                        p.rto_target_minutes
                            .map_or("—".into(), |m| format!("{m} min")),
                        p.revision.to_string(),
                        p.updated_at.clone(),
                        p.updated_by.clone(),
                    ]
                },
            );
            Ok(0)
        }
        PlanCommand::Show { name, revision } => {
            let stored = match revision {
                Some(r) => store.plan_at(name, *r)?,
                None => store.plan(name)?,
            };
            let problems = store.check_plan(&stored.plan)?;
            let levels = stored.plan.levels();
            out.value(
                &serde_json::json!({ "plan": stored, "problems": problems }),
                || {
                    let p = &stored.plan;
                    let mut s = format!(
                        "Plan:      {}\nRevision:  {} (saved {} by {})\nRTO:       {}\n",
                        p.name,
                        stored.revision,
                        stored.updated_at,
                        stored.updated_by,
                        p.rto_target_minutes
                            .map_or("not set".into(), |m| format!("{m} minutes"))
                    );
                    if !p.description.is_empty() {
                        s.push_str(&format!("About:     {}\n", p.description));
                    }
                    let mut table = comfy_table::Table::new();
                    table
                        .load_preset(comfy_table::presets::UTF8_FULL_CONDENSED)
                        .set_header(vec![
                            "#",
                            "WAVE",
                            "GROUPS",
                            "AFTER",
                            "STEP",
                            "APPROVAL",
                            "TIMEOUT",
                            "ON FAILURE",
                        ]);
                    for (i, w) in p.waves.iter().enumerate() {
                        table.add_row(vec![
                            (i + 1).to_string(),
                            w.name.clone(),
                            w.groups.join(", "),
                            match (&w.depends_on, p.dependencies(i)) {
                                (_, d) if d.is_empty() => "— (starts first)".into(),
                                (None, d) => format!("{} (the wave before)", d.join(", ")),
                                (Some(_), d) => d.join(", "),
                            },
                            levels
                                .as_ref()
                                .map_or("?".into(), |l| (l[i] + 1).to_string()),
                            if w.approval_required {
                                "required".into()
                            } else {
                                "—".into()
                            },
                            w.timeout_minutes.map_or("—".into(), |t| format!("{t} min")),
                            policy(w.on_failure).into(),
                        ]);
                    }
                    s.push_str(&table.to_string());
                    for pr in &problems {
                        s.push_str(&format!("\n{pr}"));
                    }
                    s
                },
            );
            Ok(0)
        }
        PlanCommand::Validate { file } => import_or_validate(store, file, false, actor, out),
        PlanCommand::Import { file } => import_or_validate(store, file, true, actor, out),
        PlanCommand::Export { name, out: file } => {
            let yaml = plan_to_yaml(&store.plan(name)?.plan);
            out.yaml(&yaml, file.as_deref(), &format!("plan \"{name}\""))?;
            Ok(0)
        }
        PlanCommand::Revisions { name } => {
            let revs = store.plan_revisions(name)?;
            out.table(&revs, &["REVISION", "SAVED", "BY", "NOTE"], |r| {
                vec![
                    r.revision.to_string(),
                    r.created_at.clone(),
                    r.author.clone(),
                    r.message.clone(),
                ]
            });
            Ok(0)
        }
        PlanCommand::Publish(_) => Err(Failure::invalid(
            "plan publish talks to AWS and is run on its own",
        )),
        PlanCommand::Status { .. } => Err(Failure::invalid(
            "plan status reads AWS-side executions through the app; run it as `drs-orchestrator plan status NAME`",
        )),
        PlanCommand::Diff { name, from, to } => {
            let to = match to {
                Some(t) => *t,
                None => store.plan(name)?.revision,
            };
            let diff = store.plan_diff(name, *from, to)?;
            out.value(
                &serde_json::json!({ "from": from, "to": to, "diff": diff }),
                || {
                    if diff.is_empty() {
                        "no differences".into()
                    } else {
                        diff.clone()
                    }
                },
            );
            Ok(0)
        }
        PlanCommand::Restore { name, revision } => {
            let saved = store.restore_plan(name, *revision, actor)?;
            out.value(&saved, || {
                format!(
                    "restored \"{name}\" revision {revision} as revision {}",
                    saved.revision
                )
            });
            Ok(0)
        }
        PlanCommand::Clone { name, new_name } => {
            let saved = store.clone_plan(name, new_name, actor)?;
            out.value(&saved, || format!("cloned \"{name}\" as \"{new_name}\""));
            Ok(0)
        }
        PlanCommand::Delete { name, yes } => {
            if !yes {
                return Err(Failure::invalid(format!(
                    "deleting plan \"{name}\" removes all its revisions; repeat with --yes to confirm"
                )));
            }
            store.delete_plan(name, actor)?;
            out.value(&serde_json::json!({ "deleted": name }), || {
                format!("deleted plan \"{name}\"")
            });
            Ok(0)
        }
    }
}
