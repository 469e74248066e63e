//! The drill (or recovery) report of one execution: what happened, when, who decided, and the
//! proof that a drill left nothing behind.

use crate::layout::{Doc, LayoutError, Row, Weight, AMBER, GREEN, GREY, INK, RED, RED_SHADE};
use crate::{clock, col, csv_text, rfc, when, ReportContext};
use drs_core::execution::{Execution, ExecutionKind, ExecutionStatus, ServerStatus, WaveStatus};
use drs_core::readiness::seconds_between;

/// One line of an execution's journal or of what people asked of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalLine {
    /// When (RFC 3339).
    pub at: String,
    /// Who: the engine, or the person who asked.
    pub by: String,
    /// What happened or was asked.
    pub what: String,
}

/// An execution status in words.
pub fn status_word(s: ExecutionStatus) -> &'static str {
    match s {
        ExecutionStatus::Preparing => "preparing",
        ExecutionStatus::Running => "running",
        ExecutionStatus::Paused => "paused",
        ExecutionStatus::Cancelling => "cancelling",
        ExecutionStatus::CleaningUp => "cleaning up",
        ExecutionStatus::Completed => "completed",
        ExecutionStatus::Failed => "failed",
        ExecutionStatus::Cancelled => "cancelled",
    }
}

fn wave_word(s: WaveStatus) -> &'static str {
    match s {
        WaveStatus::Pending => "pending",
        WaveStatus::WaitingApproval => "awaiting approval",
        WaveStatus::Running => "running",
        WaveStatus::Completed => "completed",
        WaveStatus::Failed => "failed",
        WaveStatus::Skipped => "skipped",
    }
}

fn server_word(s: ServerStatus) -> &'static str {
    match s {
        ServerStatus::Pending => "pending",
        ServerStatus::Preparing => "preparing",
        ServerStatus::Queued => "queued",
        ServerStatus::Launching => "launching",
        ServerStatus::Launched => "launched",
        ServerStatus::Failed => "FAILED",
        ServerStatus::NotRun => "not run",
    }
}

/// The drill report of `e` as PDF bytes. `journal` is the execution's journal merged with the
/// requests people made (approvals, pauses, cleanup confirmations), oldest first.
pub fn drill_pdf(
    e: &Execution,
    journal: &[JournalLine],
    cx: &ReportContext,
) -> Result<Vec<u8>, LayoutError> {
    let kind = e.label();
    let title = format!("{kind} report: {} ({})", e.plan, e.id);
    let in_progress = !e.status.is_final();
    let mut d = Doc::new(
        &title,
        &format!(
            "DRS Orchestrator · {title}{}",
            if in_progress { " · IN PROGRESS" } else { "" }
        ),
    )?;
    let rto = e.rto();
    let (launched, failed, launching, waiting) = e.counts();
    let total = launched + failed + launching + waiting;

    // Cover.
    d.space(110.0);
    d.paragraph(
        &format!("DISASTER RECOVERY {}", kind.to_uppercase()),
        11.0,
        Weight::Bold,
        GREY,
    );
    d.paragraph(&e.plan, 30.0, Weight::Bold, INK);
    let (verdict, ink) = if in_progress {
        (
            format!(
                "IN PROGRESS: {} as of this report ({launched} of {total} servers launched)",
                status_word(e.status)
            ),
            AMBER,
        )
    } else {
        match e.status {
            ExecutionStatus::Completed => (
                match e.kind {
                    ExecutionKind::Drill => format!(
                        "COMPLETED: all {total} servers launched, cleanup {}",
                        e.cleanup.status
                    ),
                    ExecutionKind::Recovery => {
                        format!("COMPLETED: all {total} servers recovered")
                    }
                    ExecutionKind::Reprotect => {
                        format!("COMPLETED: all {total} servers replicate the other way")
                    }
                },
                GREEN,
            ),
            ExecutionStatus::Cancelled => ("CANCELLED".to_string(), AMBER),
            _ => (
                format!("FAILED: {failed} of {total} servers did not launch"),
                RED,
            ),
        }
    };
    d.paragraph(&verdict, 15.0, Weight::Bold, ink);
    d.space(24.0);
    let mut facts: Vec<(&str, String)> = vec![
        ("Execution", e.id.clone()),
        ("Plan", format!("{} (revision {})", e.plan, e.plan_revision)),
        (
            "Started",
            format!("{} by {}", when(&e.started_at), e.started_by),
        ),
        (
            "Ended",
            e.ended_at
                .as_deref()
                .map(when)
                .unwrap_or_else(|| "not yet: the execution is still in progress".into()),
        ),
    ];
    facts.extend(cx.cover_facts("Identity"));
    d.facts(&facts, 120.0);

    // Summary.
    d.new_page();
    d.heading("Summary", 1);
    if in_progress {
        d.paragraph(
            &format!(
                "This execution is still in progress ({}): the figures below are as of {} and will change.",
                status_word(e.status),
                when(&rfc(cx.generated_at))
            ),
            10.0,
            Weight::Bold,
            AMBER,
        );
    }
    d.figures(&[
        (
            "Measured RTO",
            rto.measured_seconds
                .map(clock)
                .unwrap_or_else(|| "—".into()),
            match rto.within_target {
                Some(true) => GREEN,
                Some(false) => RED,
                None => INK,
            },
        ),
        (
            "RTO target",
            rto.target_seconds
                .map(clock)
                .unwrap_or_else(|| "none".into()),
            INK,
        ),
        ("Launched", format!("{launched}/{total}"), GREEN),
        (
            "Failed",
            failed.to_string(),
            if failed > 0 { RED } else { INK },
        ),
        (
            "Cleanup",
            match e.kind {
                ExecutionKind::Drill => e.cleanup.status.clone(),
                ExecutionKind::Recovery | ExecutionKind::Reprotect => "not applicable".into(),
            },
            match e.cleanup.status.as_str() {
                "verified" => GREEN,
                "failed" => RED,
                _ => INK,
            },
        ),
    ]);
    d.paragraph(
        &match (rto.measured_seconds, rto.target_seconds) {
            (Some(m), Some(t)) => format!(
                "Every server launched {} after the start, against an RTO target of {}: the target was {}.",
                clock(m),
                clock(t),
                if m <= t { "met" } else { "MISSED" }
            ),
            (Some(m), None) => format!(
                "Every server launched {} after the start; the plan sets no RTO target to judge it against.",
                clock(m)
            ),
            (None, _) if in_progress => {
                "The RTO is measured once every server has launched.".to_string()
            }
            (None, _) => format!(
                "Not every server launched ({failed} failed, {} not run), so this execution measured no RTO.",
                waiting + launching
            ),
        },
        10.0,
        Weight::Regular,
        INK,
    );
    if let (Some(up), Some(launched)) = (rto.application_up_seconds, rto.measured_seconds) {
        if up != launched {
            d.paragraph(
                &format!(
                    "With the runbook's steps done, the application was up {} after the start{}.",
                    clock(up),
                    rto.target_seconds
                        .map(|t| format!(
                            " ({} the RTO target)",
                            if up <= t { "within" } else { "OUTSIDE" }
                        ))
                        .unwrap_or_default()
                ),
                10.0,
                Weight::Regular,
                INK,
            );
        }
    }
    if let Some(f) = &e.failure {
        d.paragraph(&format!("Why it failed: {f}"), 10.0, Weight::Regular, RED);
    }

    d.heading("Recovery time per wave", 2);
    d.table(
        &[
            col("Wave", 120.0),
            col("Status", 80.0),
            col("Launched", 60.0),
            col("Wave ran", 60.0),
            col("Done after", 70.0),
            col("Against target", 109.0),
        ],
        &rto.waves
            .iter()
            .map(|w| {
                Row::new(
                    vec![
                        w.wave.clone(),
                        wave_word(w.status).into(),
                        format!("{}/{}", w.launched, w.servers),
                        w.duration_seconds.map(clock).unwrap_or_else(|| "—".into()),
                        w.since_start_seconds
                            .map(clock)
                            .unwrap_or_else(|| "—".into()),
                        match w.within_target {
                            Some(true) => "met".into(),
                            Some(false) => "MISSED".into(),
                            None if w.status == WaveStatus::Completed => "no target".into(),
                            None => "not measured".into(),
                        },
                    ],
                    if w.within_target == Some(false) || w.status == WaveStatus::Failed {
                        RED
                    } else {
                        INK
                    },
                )
            })
            .collect::<Vec<_>>(),
    );

    // Timeline of waves.
    d.heading("Timeline", 1);
    d.paragraph(
        "Each bar runs from a wave's start to its end, measured from the start of the execution; the red line is the RTO target.",
        9.0,
        Weight::Regular,
        GREY,
    );
    let span = |a: Option<&str>, b: Option<&str>| -> Option<(f32, f32)> {
        let a = seconds_between(&e.started_at, a?)?;
        let b = match b {
            Some(b) => seconds_between(&e.started_at, b)?,
            None => seconds_between(&e.started_at, &rfc(cx.generated_at))?,
        };
        Some((a as f32, b.max(a) as f32))
    };
    let target_marker = rto.target_seconds.map(|t| (t as f32, "RTO target"));
    d.timeline(
        &e.waves
            .iter()
            .map(|w| {
                (
                    format!("{} ({})", w.name, wave_word(w.status)),
                    span(w.started_at.as_deref(), w.ended_at.as_deref()),
                    match w.status {
                        WaveStatus::Completed => GREEN,
                        WaveStatus::Failed => RED,
                        _ => AMBER,
                    },
                )
            })
            .collect::<Vec<_>>(),
        target_marker,
        &|v| clock(v as i64),
    );
    for w in &e.waves {
        d.heading(
            &format!(
                "Wave {} · {} · {} servers",
                w.name,
                wave_word(w.status),
                w.servers.len()
            ),
            2,
        );
        let mut facts: Vec<(&str, String)> = vec![(
            "Ran",
            match (&w.started_at, &w.ended_at) {
                (Some(a), Some(b)) => format!("{} → {}", when(a), when(b)),
                (Some(a), None) => format!("{} → (still running)", when(a)),
                _ => "did not start".into(),
            },
        )];
        if !w.depends_on.is_empty() {
            facts.push(("After", w.depends_on.join(", ")));
        }
        if w.approval_required {
            facts.push((
                "Approval",
                w.approved_by
                    .as_deref()
                    .map(|by| format!("given by {by}"))
                    .unwrap_or_else(|| "required, not given".into()),
            ));
        }
        d.facts(&facts, 80.0);
        // A bar per server reads well up to a few dozen; bigger waves keep the table only.
        if w.servers.len() <= 60 {
            d.timeline(
                &w.servers
                    .iter()
                    .map(|s| {
                        (
                            s.name.clone(),
                            span(s.started_at.as_deref(), s.ended_at.as_deref()),
                            match s.status {
                                ServerStatus::Launched => GREEN,
                                ServerStatus::Failed => RED,
                                _ => AMBER,
                            },
                        )
                    })
                    .collect::<Vec<_>>(),
                target_marker,
                &|v| clock(v as i64),
            );
        }
        d.table(
            &[
                col("Server", 78.0),
                col("Group", 50.0),
                col("Status", 44.0),
                col("Start", 40.0),
                col("Launched", 50.0),
                col("Took", 34.0),
                col("Recovery instance", 100.0),
                col("EC2 instance", 100.0),
            ],
            &w.servers
                .iter()
                .map(|s| {
                    let offset = |t: &Option<String>| {
                        t.as_deref()
                            .and_then(|t| seconds_between(&e.started_at, t))
                            .map(|v| format!("+{}", clock(v)))
                            .unwrap_or_else(|| "—".into())
                    };
                    let took = match (&s.started_at, &s.ended_at) {
                        (Some(a), Some(b)) => seconds_between(a, b).map(clock),
                        _ => None,
                    };
                    let row = Row::new(
                        vec![
                            s.name.clone(),
                            s.group.clone(),
                            server_word(s.status).into(),
                            offset(&s.started_at),
                            if s.status == ServerStatus::Launched {
                                offset(&s.ended_at)
                            } else {
                                "—".into()
                            },
                            took.unwrap_or_else(|| "—".into()),
                            s.recovery_instance_id.clone().unwrap_or_else(|| "—".into()),
                            s.ec2_instance_id.clone().unwrap_or_else(|| "—".into()),
                        ],
                        if s.status == ServerStatus::Failed {
                            RED
                        } else {
                            INK
                        },
                    );
                    if s.status == ServerStatus::Failed {
                        row.shaded(RED_SHADE)
                    } else {
                        row
                    }
                })
                .collect::<Vec<_>>(),
        );
    }

    // Failures.
    d.heading("Failures and their reasons", 1);
    let failures: Vec<_> = e
        .servers()
        .filter(|s| s.status == ServerStatus::Failed)
        .collect();
    if failures.is_empty() {
        d.paragraph(
            if in_progress {
                "No server has failed so far."
            } else {
                "No server failed."
            },
            10.0,
            Weight::Regular,
            GREEN,
        );
    } else {
        d.table(
            &[
                col("Server", 100.0),
                col("Source server", 100.0),
                col("Wave", 70.0),
                col("Reason", 229.0),
            ],
            &e.waves
                .iter()
                .flat_map(|w| {
                    w.servers
                        .iter()
                        .filter(|s| s.status == ServerStatus::Failed)
                        .map(move |s| {
                            Row::new(
                                vec![
                                    s.name.clone(),
                                    s.source_server_id.clone(),
                                    w.name.clone(),
                                    s.failure
                                        .clone()
                                        .unwrap_or_else(|| "no reason recorded".into()),
                                ],
                                RED,
                            )
                        })
                })
                .collect::<Vec<_>>(),
        );
    }

    // The runbook's steps.
    let steps: Vec<_> = e
        .waves
        .iter()
        .flat_map(|w| w.steps.iter().map(move |s| (w, s)))
        .collect();
    if !steps.is_empty() {
        d.heading("Steps", 1);
        d.table(
            &[
                col("Wave", 90.0),
                col("Step", 150.0),
                col("Outcome", 139.0),
                col("When", 120.0),
            ],
            &steps
                .iter()
                .map(|(w, s)| {
                    use drs_core::execution::StepStatus;
                    let outcome = match s.status {
                        StepStatus::Done => match (&s.confirmed_by, &s.output) {
                            (Some(b), _) => format!(
                                "done, confirmed by {b}{}",
                                s.note
                                    .as_deref()
                                    .map(|n| format!(" ({n})"))
                                    .unwrap_or_default()
                            ),
                            (None, Some(o)) => {
                                let first: String =
                                    o.lines().next().unwrap_or("").chars().take(90).collect();
                                format!("done: {first}")
                            }
                            (None, None) => "done".into(),
                        },
                        StepStatus::Running => "running".into(),
                        StepStatus::Failed => {
                            format!("failed: {}", s.note.as_deref().unwrap_or("no reason"))
                        }
                        StepStatus::Skipped => {
                            format!("skipped: {}", s.note.as_deref().unwrap_or("not run"))
                        }
                        StepStatus::Waiting => "waiting for a person".into(),
                        StepStatus::Pending => "not reached".into(),
                    };
                    let colour = match s.status {
                        StepStatus::Done => INK,
                        StepStatus::Failed => RED,
                        _ => AMBER,
                    };
                    Row::new(
                        vec![
                            w.name.clone(),
                            format!(
                                "{} ({}{})",
                                s.name,
                                if s.kind.automated() {
                                    format!("{}, ", s.kind.label())
                                } else {
                                    String::new()
                                },
                                match s.phase {
                                    drs_core::execution::StepPhase::Before => "before launch",
                                    drs_core::execution::StepPhase::After => "after launch",
                                }
                            ),
                            outcome,
                            s.ended_at
                                .as_deref()
                                .map(when)
                                .unwrap_or_else(|| "—".into()),
                        ],
                        colour,
                    )
                })
                .collect::<Vec<_>>(),
        );
    }

    // Decisions.
    d.heading("Approvals and requests", 1);
    let gated: Vec<_> = e.waves.iter().filter(|w| w.approval_required).collect();
    if gated.is_empty() {
        d.paragraph(
            "No wave of this plan needs an approval.",
            10.0,
            Weight::Regular,
            INK,
        );
    } else {
        d.table(
            &[
                col("Wave", 130.0),
                col("Approved by", 249.0),
                col("When", 120.0),
            ],
            &gated
                .iter()
                .map(|w| {
                    let at = journal
                        .iter()
                        .find(|j| j.what == format!("approve {}", w.name))
                        .map(|j| when(&j.at));
                    Row::new(
                        vec![
                            w.name.clone(),
                            w.approved_by
                                .clone()
                                .unwrap_or_else(|| "not approved".into()),
                            at.unwrap_or_else(|| "—".into()),
                        ],
                        if w.approved_by.is_some() { INK } else { AMBER },
                    )
                })
                .collect::<Vec<_>>(),
        );
    }
    let asked: Vec<_> = journal.iter().filter(|j| j.by != "engine").collect();
    if !asked.is_empty() {
        d.paragraph(
            "Everything people asked of the execution:",
            9.5,
            Weight::Bold,
            INK,
        );
        d.table(
            &[col("When", 120.0), col("Who", 229.0), col("Asked", 150.0)],
            &asked
                .iter()
                .map(|j| Row::new(vec![when(&j.at), j.by.clone(), j.what.clone()], INK))
                .collect::<Vec<_>>(),
        );
    }

    // Cleanup proof.
    if e.kind == ExecutionKind::Drill {
        d.heading("Cleanup proof", 1);
        let launched_instances: Vec<&str> = e
            .servers()
            .filter_map(|s| s.recovery_instance_id.as_deref())
            .collect();
        d.facts(
            &[
                ("Status", e.cleanup.status.clone()),
                (
                    "Recovery instances",
                    format!("{} launched by this drill", launched_instances.len()),
                ),
                (
                    "Terminate jobs",
                    if e.cleanup.jobs.is_empty() {
                        "none".into()
                    } else {
                        e.cleanup
                            .jobs
                            .iter()
                            .map(|(t, j)| format!("{j} on {t}"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    },
                ),
                (
                    "Left behind",
                    match (e.cleanup.status.as_str(), e.cleanup.remaining.is_empty()) {
                        ("verified", true) => "none: DescribeRecoveryInstances no longer lists any recovery instance of this drill".into(),
                        (_, true) => "not verified yet".into(),
                        (_, false) => e.cleanup.remaining.join(", "),
                    },
                ),
                (
                    "Notes",
                    e.cleanup.message.clone().unwrap_or_else(|| "—".into()),
                ),
            ],
            120.0,
        );
        if !e.suspended.is_empty() {
            let restored = e.suspended.iter().filter(|s| s.restored).count();
            d.paragraph(
                &format!(
                    "Launch-into settings suspended for the drill: {} servers, {restored} restored afterwards.",
                    e.suspended.len()
                ),
                9.5,
                Weight::Regular,
                if restored == e.suspended.len() {
                    INK
                } else {
                    AMBER
                },
            );
        }
        if !launched_instances.is_empty() {
            d.table(
                &[
                    col("Server", 130.0),
                    col("Recovery instance", 130.0),
                    col("EC2 instance", 120.0),
                    col("Now", 119.0),
                ],
                &e.servers()
                    .filter(|s| s.recovery_instance_id.is_some())
                    .map(|s| {
                        let id = s.recovery_instance_id.clone().unwrap_or_default();
                        let left = e.cleanup.remaining.contains(&id);
                        Row::new(
                            vec![
                                s.name.clone(),
                                id,
                                s.ec2_instance_id.clone().unwrap_or_else(|| "—".into()),
                                if left {
                                    "STILL THERE".into()
                                } else if e.cleanup.status == "verified" {
                                    "gone (verified)".into()
                                } else {
                                    e.cleanup.status.clone()
                                },
                            ],
                            if left { RED } else { INK },
                        )
                    })
                    .collect::<Vec<_>>(),
            );
        }
    }

    // Journal.
    d.heading("Journal", 1);
    d.paragraph(
        "Every state the engine recorded before acting on it, and every request, oldest first.",
        9.0,
        Weight::Regular,
        GREY,
    );
    d.table(
        &[col("When", 110.0), col("By", 190.0), col("What", 199.0)],
        &journal
            .iter()
            .map(|j| Row::new(vec![when(&j.at), j.by.clone(), j.what.clone()], INK))
            .collect::<Vec<_>>(),
    );

    Ok(d.finish(
        "DRS Orchestrator",
        &title,
        &format!(
            "{} {} of {} · {}",
            kind,
            e.id,
            e.plan,
            if in_progress {
                "IN PROGRESS".to_string()
            } else {
                status_word(e.status).to_string()
            }
        ),
        cx.generated_at,
    ))
}

/// The execution's server table as CSV: one row per server.
pub fn drill_csv(e: &Execution) -> String {
    csv_text(
        &[
            "execution",
            "plan",
            "plan_revision",
            "kind",
            "wave",
            "group",
            "target",
            "server",
            "source_server_id",
            "status",
            "started_at",
            "ended_at",
            "seconds_since_start",
            "recovery_instance_id",
            "ec2_instance_id",
            "failure",
        ],
        e.waves.iter().flat_map(|w| {
            w.servers.iter().map(move |s| {
                vec![
                    e.id.clone(),
                    e.plan.clone(),
                    e.plan_revision.to_string(),
                    e.label().to_lowercase(),
                    w.name.clone(),
                    s.group.clone(),
                    s.target.clone(),
                    s.name.clone(),
                    s.source_server_id.clone(),
                    server_word(s.status).to_lowercase(),
                    s.started_at.clone().unwrap_or_default(),
                    s.ended_at.clone().unwrap_or_default(),
                    s.ended_at
                        .as_deref()
                        .and_then(|t| seconds_between(&e.started_at, t))
                        .map(|v| v.to_string())
                        .unwrap_or_default(),
                    s.recovery_instance_id.clone().unwrap_or_default(),
                    s.ec2_instance_id.clone().unwrap_or_default(),
                    s.failure.clone().unwrap_or_default(),
                ]
            })
        }),
    )
}
