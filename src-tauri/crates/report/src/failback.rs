//! The failback report of one plan: where it is between a disaster and normal again, each
//! phase's execution with who ran it, each server's path there and back (recovered as, replicated
//! back as, failed back into, with its private IP), what the cleanup did, and — before the
//! failback — what failback readiness found.

use crate::layout::{Doc, LayoutError, Row, Weight, AMBER, GREEN, GREY, INK, RED, RED_SHADE};
use crate::{clock, col, csv_text, rfc, when, ReportContext};
use drs_core::execution::{Execution, ServerRun, ServerStatus};
use drs_core::failback::{FailbackReadiness, Lifecycle, Phase};
use drs_core::readiness::{seconds_between, Severity};
use std::collections::BTreeMap;

/// Everything a failback report tells.
#[derive(Debug, Clone)]
pub struct FailbackStory {
    /// Where the plan is, with the executions of each phase.
    pub lifecycle: Lifecycle,
    /// The executions named by the lifecycle, by ID.
    pub executions: BTreeMap<String, Execution>,
    /// What the cleanup did (its audit record), when it ran.
    pub cleanup: Vec<String>,
    /// Failback readiness, when the plan has not failed back yet.
    pub readiness: Option<FailbackReadiness>,
}

/// One server's path there and back.
struct Path {
    name: String,
    wave: String,
    recovered_as: String,
    replicated_back_as: String,
    failed_back_into: String,
    private_ip: String,
    protected_again: String,
    outcome: String,
    failed: bool,
}

fn last<'a>(story: &'a FailbackStory, phase: &str) -> Option<&'a Execution> {
    story
        .lifecycle
        .steps
        .iter()
        .rev()
        .find(|s| s.phase == phase)
        .and_then(|s| story.executions.get(&s.execution))
}

fn by_source(
    e: Option<&Execution>,
    key: impl Fn(&ServerRun) -> Option<String>,
) -> BTreeMap<String, &ServerRun> {
    e.map(|e| e.servers().filter_map(|s| key(s).map(|k| (k, s))).collect())
        .unwrap_or_default()
}

fn paths(story: &FailbackStory) -> Vec<Path> {
    let Some(recovery) = last(story, "recovery") else {
        return Vec::new();
    };
    let reprotect = by_source(last(story, "reprotect"), |s| {
        Some(s.source_server_id.clone())
    });
    let failback = by_source(last(story, "failback"), |s| {
        s.original_source_server_id.clone()
    });
    let again = by_source(last(story, "protect again"), |s| {
        s.original_source_server_id
            .clone()
            .or(Some(s.source_server_id.clone()))
    });
    let mut out = Vec::new();
    for w in &recovery.waves {
        for s in &w.servers {
            let back = reprotect
                .get(&s.source_server_id)
                .and_then(|r| r.reversal.as_ref());
            let fb = failback.get(&s.source_server_id);
            let a2 = back.and_then(|b| b.source_server_id.clone());
            let pa = a2.as_ref().and_then(|a| {
                again
                    .values()
                    .find(|x| &x.source_server_id == a)
                    .and_then(|x| x.reversal.as_ref())
            });
            let failed = s.status == ServerStatus::Failed
                || fb.is_some_and(|f| f.status == ServerStatus::Failed);
            let outcome = match (
                s.status,
                fb.map(|f| f.status),
                pa.and_then(|p| p.state.clone()),
            ) {
                (ServerStatus::Launched, Some(ServerStatus::Launched), Some(st))
                    if st == "CONTINUOUS" =>
                {
                    "home, protected again".to_string()
                }
                (ServerStatus::Launched, Some(ServerStatus::Launched), _) => "home".to_string(),
                (ServerStatus::Launched, Some(ServerStatus::Failed), _) => format!(
                    "failback failed: {}",
                    fb.and_then(|f| f.failure.clone()).unwrap_or_default()
                ),
                (ServerStatus::Launched, _, _) if back.is_some() => "replicating back".to_string(),
                (ServerStatus::Launched, _, _) => "recovered".to_string(),
                _ => format!("not recovered: {}", s.failure.clone().unwrap_or_default()),
            };
            out.push(Path {
                name: s.name.clone(),
                wave: w.name.clone(),
                recovered_as: s.ec2_instance_id.clone().unwrap_or_else(|| "—".into()),
                replicated_back_as: a2.unwrap_or_else(|| "—".into()),
                failed_back_into: fb
                    .and_then(|f| f.ec2_instance_id.clone())
                    .map(|i| {
                        let original = f_original(fb);
                        if original.as_deref() == Some(i.as_str()) {
                            format!("{i} (original)")
                        } else {
                            format!("{i} (new)")
                        }
                    })
                    .unwrap_or_else(|| "—".into()),
                private_ip: fb
                    .and_then(|f| f.expected_private_ip.clone())
                    .unwrap_or_else(|| "—".into()),
                protected_again: pa
                    .map(|p| p.state.clone().unwrap_or_else(|| "started".into()))
                    .unwrap_or_else(|| "—".into()),
                outcome,
                failed,
            });
        }
    }
    out
}

fn f_original(fb: Option<&&ServerRun>) -> Option<String> {
    fb.and_then(|f| {
        f.drain
            .as_ref()
            .and_then(|d| d.original_instance_id.clone())
            .or(f.expected_instance_id.clone())
    })
}

const PATH_HEADER: [&str; 9] = [
    "server",
    "wave",
    "recovered as",
    "replicated back as",
    "failed back into",
    "private IP",
    "protected again",
    "outcome",
    "plan",
];

/// The failback report's server table as CSV (one row per server).
pub fn failback_csv(story: &FailbackStory) -> String {
    csv_text(
        &PATH_HEADER,
        paths(story).into_iter().map(|p| {
            vec![
                p.name,
                p.wave,
                p.recovered_as,
                p.replicated_back_as,
                p.failed_back_into,
                p.private_ip,
                p.protected_again,
                p.outcome,
                story.lifecycle.plan.clone(),
            ]
        }),
    )
}

/// The failback report as PDF bytes.
pub fn failback_pdf(story: &FailbackStory, cx: &ReportContext) -> Result<Vec<u8>, LayoutError> {
    let l = &story.lifecycle;
    let title = format!("Failback report: {}", l.plan);
    let mut d = Doc::new(&title, &format!("DRS Orchestrator · {title}"))?;
    d.space(110.0);
    d.paragraph("DISASTER RECOVERY: THE WAY HOME", 11.0, Weight::Bold, GREY);
    d.paragraph(&l.plan, 30.0, Weight::Bold, INK);
    let ink = match l.phase {
        Phase::Protected if !l.steps.is_empty() => GREEN,
        Phase::ProtectedAgain | Phase::FailedBack => GREEN,
        Phase::Protected => INK,
        _ => AMBER,
    };
    d.paragraph(&l.phase.words().to_uppercase(), 15.0, Weight::Bold, ink);
    d.paragraph(&format!("Next: {}", l.next), 10.0, Weight::Regular, INK);
    d.space(24.0);
    let mut facts = cx.cover_facts("Read as");
    if let Some(c) = &l.cleaned_up_at {
        facts.push(("Cleaned up", when(c)));
    }
    d.facts(&facts, 120.0);

    d.new_page();
    d.heading("Phases", 1);
    if l.steps.is_empty() {
        d.paragraph(
            "No real recovery of this plan has run: it is protected towards the recovery region.",
            10.0,
            Weight::Regular,
            INK,
        );
    } else {
        let rows: Vec<Row> = l
            .steps
            .iter()
            .map(|s| {
                let e = story.executions.get(&s.execution);
                let took = s
                    .ended_at
                    .as_deref()
                    .and_then(|end| seconds_between(&s.started_at, end))
                    .map(clock)
                    .unwrap_or_else(|| "—".into());
                let who = e
                    .map(|e| {
                        let arns: Vec<String> = e.identities.values().cloned().collect();
                        format!("{} as {}", e.started_by, arns.join(", "))
                    })
                    .unwrap_or_default();
                let ink = match s.status.as_str() {
                    "completed" => INK,
                    "failed" => RED,
                    _ => AMBER,
                };
                Row::new(
                    vec![
                        s.phase.clone(),
                        s.execution.clone(),
                        s.status.clone(),
                        when(&s.started_at),
                        took,
                        who,
                    ],
                    ink,
                )
            })
            .collect();
        d.table(
            &[
                col("phase", 56.0),
                col("execution", 188.0),
                col("status", 48.0),
                col("started", 70.0),
                col("took", 30.0),
                col("by / acting as", 100.0),
            ],
            &rows,
        );
    }

    let paths = paths(story);
    if !paths.is_empty() {
        d.heading("Each server there and back", 1);
        let home = paths
            .iter()
            .filter(|p| p.outcome.starts_with("home"))
            .count();
        d.paragraph(
            &format!(
                "{home} of {} servers are back in the origin region. \"Original\" means launched into the instance it ran on before the disaster, with its private IP.",
                paths.len()
            ),
            9.0,
            Weight::Regular,
            INK,
        );
        let rows: Vec<Row> = paths
            .iter()
            .map(|p| {
                let row = Row::new(
                    vec![
                        p.name.clone(),
                        p.recovered_as.clone(),
                        p.replicated_back_as.clone(),
                        p.failed_back_into.clone(),
                        p.private_ip.clone(),
                        p.outcome.clone(),
                    ],
                    if p.failed { RED } else { INK },
                );
                if p.failed {
                    row.shaded(RED_SHADE)
                } else {
                    row
                }
            })
            .collect();
        d.table(
            &[
                col("server", 74.0),
                col("recovered as", 98.0),
                col("replicated back as", 98.0),
                col("failed back into", 102.0),
                col("private IP", 54.0),
                col("outcome", 66.0),
            ],
            &rows,
        );
    }

    if let Some(r) = &story.readiness {
        d.heading("Failback readiness", 1);
        d.paragraph(
            &format!(
                "{} — {} blocker(s), {} warning(s), checked {}.",
                if r.ready {
                    "Ready to fail back"
                } else {
                    "Not ready to fail back"
                },
                r.blockers,
                r.warnings,
                when(&r.checked_at)
            ),
            10.0,
            Weight::Bold,
            if r.ready { GREEN } else { RED },
        );
        let rows: Vec<Row> = r
            .findings
            .iter()
            .map(|f| {
                let blocker = f.severity == Severity::Blocker;
                let row = Row::new(
                    vec![
                        if blocker { "BLOCKER" } else { "warning" }.to_string(),
                        f.server_name.clone().unwrap_or_default(),
                        f.message.clone(),
                        f.remediation.clone().unwrap_or_default(),
                    ],
                    if blocker { RED } else { AMBER },
                );
                if blocker {
                    row.shaded(RED_SHADE)
                } else {
                    row
                }
            })
            .collect();
        if !rows.is_empty() {
            d.table(
                &[
                    col("", 48.0),
                    col("server", 70.0),
                    col("finding", 200.0),
                    col("remediation", 174.0),
                ],
                &rows,
            );
        }
    }

    d.heading("Cleanup", 1);
    if story.cleanup.is_empty() {
        d.paragraph(
            "Nothing cleaned up yet: the failback source servers and the old recovery instances are listed before anything is done (drs-orchestrator failback --cleanup).",
            9.0,
            Weight::Regular,
            INK,
        );
    } else {
        for line in &story.cleanup {
            d.paragraph(line, 9.0, Weight::Regular, INK);
        }
    }
    Ok(d.finish(
        "DRS Orchestrator",
        &title,
        &format!("Failback report of {} · {}", l.plan, rfc(cx.generated_at)),
        cx.generated_at,
    ))
}
