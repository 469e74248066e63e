//! The readiness report: one plan, or every plan in one document.

use crate::layout::{Doc, LayoutError, Rgb3, Row, Weight, AMBER, GREEN, GREY, INK, RED, RED_SHADE};
use crate::{clock, col, csv_text, when, ReportContext};
use drs_core::execution::{Execution, WaveStatus};
use drs_core::readiness::{
    human_seconds, seconds_between, Readiness, ServerVerdict, Severity, Thresholds,
};
use std::collections::BTreeMap;

/// One plan's readiness and the last drill of it, if any.
#[derive(Debug, Clone)]
pub struct PlanReadiness {
    /// The readiness check.
    pub readiness: Readiness,
    /// The plan's most recent finished drill.
    pub last_drill: Option<Execution>,
    /// After a real recovery: where the plan is on its way home, and failback readiness while
    /// it has not failed back.
    pub failback: Option<(
        drs_core::failback::Lifecycle,
        Option<drs_core::failback::FailbackReadiness>,
    )>,
}

/// The readiness report as PDF bytes: one plan, or (with several) a cover and an overview of
/// every plan followed by each plan's sections.
pub fn readiness_pdf(
    plans: &[PlanReadiness],
    cx: &ReportContext,
    thresholds: &Thresholds,
) -> Result<Vec<u8>, LayoutError> {
    let single = plans.len() == 1;
    let title = match plans {
        [one] => format!("Readiness report: {}", one.readiness.plan),
        _ => "Readiness report: all recovery plans".to_string(),
    };
    let checked = plans
        .iter()
        .map(|p| p.readiness.checked_at.as_str())
        .max()
        .unwrap_or_default();
    let mut d = Doc::new(
        &title,
        &format!(
            "DRS Orchestrator · {title} · evidence read {}",
            when(checked)
        ),
    )?;
    let ready = plans.iter().all(|p| p.readiness.ready);

    // Cover.
    d.space(110.0);
    d.paragraph("DISASTER RECOVERY READINESS", 11.0, Weight::Bold, GREY);
    match plans {
        [one] => d.paragraph(&one.readiness.plan, 30.0, Weight::Bold, INK),
        _ => d.paragraph(
            &format!("All recovery plans ({})", plans.len()),
            30.0,
            Weight::Bold,
            INK,
        ),
    }
    d.paragraph(
        match (ready, single) {
            (true, true) => "READY: no blocker was found",
            (false, true) => "NOT READY: blockers were found",
            (true, false) => "READY: no plan has a blocker",
            (false, false) => "NOT READY: some plans have blockers",
        },
        16.0,
        Weight::Bold,
        if ready { GREEN } else { RED },
    );
    d.space(24.0);
    let mut facts: Vec<(&str, String)> = vec![("Evidence read", when(checked))];
    facts.extend(cx.cover_facts("Read as"));
    d.facts(&facts, 120.0);

    if !single {
        d.new_page();
        d.heading("Overview of all plans", 1);
        d.table(
            &[
                col("Plan", 130.0),
                col("Verdict", 70.0),
                col("Servers", 55.0),
                col("Blockers", 55.0),
                col("Warnings", 55.0),
                col("Last drill RTO / target", 134.0),
            ],
            &plans
                .iter()
                .map(|p| {
                    let r = &p.readiness;
                    Row::new(
                        vec![
                            r.plan.clone(),
                            if r.ready { "ready" } else { "NOT READY" }.into(),
                            r.servers.to_string(),
                            r.blockers.to_string(),
                            r.warnings.to_string(),
                            drill_line(p),
                        ],
                        if r.ready { INK } else { RED },
                    )
                })
                .collect::<Vec<_>>(),
        );
    }
    for (i, p) in plans.iter().enumerate() {
        if single || i == 0 {
            d.new_page();
        }
        let base = if single {
            1
        } else {
            d.heading(&format!("Plan {}", p.readiness.plan), 1);
            2
        };
        plan_sections(&mut d, p, thresholds, base);
    }
    appendix(
        &mut d,
        thresholds,
        &cx.target_thresholds,
        if single { 1 } else { 2 },
    );

    Ok(d.finish(
        "DRS Orchestrator",
        &title,
        &format!(
            "{} · {}",
            title.trim_start_matches("Readiness report: "),
            if ready { "ready" } else { "not ready" }
        ),
        cx.generated_at,
    ))
}

fn drill_line(p: &PlanReadiness) -> String {
    match &p.last_drill {
        None => "no drill yet".into(),
        Some(e) => {
            let rto = e.rto();
            match (rto.measured_seconds, rto.target_seconds) {
                (Some(m), Some(t)) => format!(
                    "{} / {} ({})",
                    clock(m),
                    clock(t),
                    if m <= t { "met" } else { "MISSED" }
                ),
                (Some(m), None) => format!("{} (no target)", clock(m)),
                (None, _) => format!("{} did not complete", e.id),
            }
        }
    }
}

fn lag_bucket(lag: Option<u64>, t: &Thresholds) -> usize {
    match lag {
        None => 5,
        Some(l) if l <= 60 => 0,
        Some(l) if l <= t.max_lag_seconds => 1,
        Some(l) if l <= 900 => 2,
        Some(l) if l <= 3600 => 3,
        Some(_) => 4,
    }
}

fn plan_sections(d: &mut Doc, p: &PlanReadiness, t: &Thresholds, base: u8) {
    let r = &p.readiness;
    let n = |v: ServerVerdict| r.by_server.iter().filter(|s| s.verdict == v).count();
    let (blocked, warned, ready) = (
        n(ServerVerdict::Blocked),
        n(ServerVerdict::Warning),
        n(ServerVerdict::Ready),
    );

    // Executive summary.
    d.heading("Executive summary", base);
    d.figures(&[
        (
            "Verdict",
            if r.ready { "Ready" } else { "Not ready" }.into(),
            if r.ready { GREEN } else { RED },
        ),
        ("Servers", r.servers.to_string(), INK),
        ("Ready", ready.to_string(), GREEN),
        (
            "With warnings",
            warned.to_string(),
            if warned > 0 { AMBER } else { INK },
        ),
        (
            "Blocked",
            blocked.to_string(),
            if blocked > 0 { RED } else { GREEN },
        ),
    ]);
    d.paragraph(
        &format!(
            "Of {} servers, {blocked} cannot be recovered as planned right now (at least one blocker), {warned} have warnings only and {ready} are ready. The check found {} blockers and {} warnings in all. A plan is ready when nothing blocks a launch: replication is continuous, agents are seen, launch configurations and DR instance pairs are valid, and the waves fit DRS's quotas. {}",
            r.servers,
            r.blockers,
            r.warnings,
            drill_sentence(p),
        ),
        10.0,
        Weight::Regular,
        INK,
    );
    let blockers: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Blocker)
        .collect();
    if !blockers.is_empty() {
        d.paragraph("Blockers first", 10.0, Weight::Bold, RED);
        for f in blockers.iter().take(10) {
            let who = f
                .server_name
                .as_deref()
                .or(f.group.as_deref())
                .unwrap_or("plan");
            d.paragraph(
                &format!("• {who}: {}", f.message),
                9.0,
                Weight::Regular,
                RED,
            );
        }
        if blockers.len() > 10 {
            d.paragraph(
                &format!(
                    "… and {} more blockers, all listed under Findings.",
                    blockers.len() - 10
                ),
                9.0,
                Weight::Regular,
                GREY,
            );
        }
    }

    // Replication state counts.
    let mut states: BTreeMap<String, usize> = BTreeMap::new();
    for s in &r.by_server {
        *states
            .entry(
                s.replication_state
                    .clone()
                    .unwrap_or_else(|| "unknown".into()),
            )
            .or_default() += 1;
    }
    d.heading("Servers by replication state", base + 1);
    d.table(
        &[
            col("Replication state", 200.0),
            col("Servers", 100.0),
            col("Share", 100.0),
        ],
        &states
            .iter()
            .map(|(state, count)| {
                Row::new(
                    vec![
                        state.clone(),
                        count.to_string(),
                        format!(
                            "{:.0} %",
                            *count as f32 * 100.0 / r.by_server.len().max(1) as f32
                        ),
                    ],
                    if state == "CONTINUOUS" { INK } else { AMBER },
                )
            })
            .collect::<Vec<_>>(),
    );

    // Charts.
    d.ensure(r.waves.len().min(10) as f32 * 18.0 + 36.0 + 60.0);
    d.heading("Readiness by wave", base + 1);
    let mut rows: Vec<(String, Vec<(f32, Rgb3)>)> = Vec::new();
    for w in &r.waves {
        let count = |v: ServerVerdict| {
            r.by_server
                .iter()
                .filter(|s| s.wave == w.wave && s.verdict == v)
                .count() as f32
        };
        rows.push((
            format!("{} ({} servers)", w.wave, w.servers),
            vec![
                (count(ServerVerdict::Ready), GREEN),
                (count(ServerVerdict::Warning), AMBER),
                (count(ServerVerdict::Blocked), RED),
            ],
        ));
    }
    d.bars(
        &rows,
        &[("ready", GREEN), ("warnings", AMBER), ("blocked", RED)],
    );

    d.ensure(6.0 * 18.0 + 36.0 + 60.0); // the heading, six bars and the legend together
    d.heading("Replication lag distribution", base + 1);
    let labels = [
        "≤ 1 min".to_string(),
        format!("1 min – {}", human_seconds(t.max_lag_seconds)),
        format!("{} – 15 min", human_seconds(t.max_lag_seconds)),
        "15 min – 1 h".to_string(),
        "> 1 h".to_string(),
        "not reported".to_string(),
    ];
    let mut buckets = [0usize; 6];
    for s in &r.by_server {
        buckets[lag_bucket(s.lag_seconds, t)] += 1;
    }
    let colours = [GREEN, GREEN, AMBER, AMBER, RED, GREY];
    d.bars(
        &labels
            .iter()
            .zip(buckets)
            .zip(colours)
            .map(|((l, n), c)| (l.to_string(), vec![(n as f32, c)]))
            .collect::<Vec<_>>(),
        &[
            ("within the lag threshold", GREEN),
            ("above it", AMBER),
            ("over an hour", RED),
        ],
    );
    let mut laggiest: Vec<_> = r
        .by_server
        .iter()
        .filter(|s| s.lag_seconds.is_some_and(|l| l > t.max_lag_seconds))
        .collect();
    laggiest.sort_by_key(|s| std::cmp::Reverse(s.lag_seconds));
    if !laggiest.is_empty() {
        d.paragraph(
            &format!(
                "Largest lag ({} servers above {}):",
                laggiest.len(),
                human_seconds(t.max_lag_seconds)
            ),
            9.5,
            Weight::Bold,
            INK,
        );
        d.table(
            &[
                col("Server", 150.0),
                col("Wave", 100.0),
                col("Replication", 100.0),
                col("Lag", 70.0),
            ],
            &laggiest
                .iter()
                .take(10)
                .map(|s| {
                    Row::new(
                        vec![
                            s.name.clone(),
                            s.wave.clone(),
                            s.replication_state.clone().unwrap_or_default(),
                            s.lag_seconds.map(human_seconds).unwrap_or_default(),
                        ],
                        AMBER,
                    )
                })
                .collect::<Vec<_>>(),
        );
    }

    // The last drill.
    d.heading("Last drill: measured RTO per wave", base + 1);
    match &p.last_drill {
        None => d.paragraph(
            "No drill of this plan has finished yet, so its recovery time is unproven. Run a drill to measure it.",
            10.0,
            Weight::Regular,
            AMBER,
        ),
        Some(e) => {
            let rto = e.rto();
            d.facts(
                &[
                    ("Execution", format!("{} · {} · plan revision {}", e.id, crate::drill::status_word(e.status), e.plan_revision)),
                    ("Started", format!("{} by {}", when(&e.started_at), e.started_by)),
                    ("Measured RTO", match rto.measured_seconds {
                        Some(m) => clock(m),
                        None => "not measured: not every server launched".into(),
                    }),
                    ("RTO target", rto.target_seconds.map_or_else(|| "none set in the plan".into(), clock)),
                    ("Verdict", match rto.within_target {
                        Some(true) => "within the target".into(),
                        Some(false) => "TARGET MISSED".into(),
                        None => "cannot be judged".into(),
                    }),
                ],
                110.0,
            );
            d.table(
                &[
                    col("Wave", 130.0),
                    col("Status", 75.0),
                    col("Launched", 65.0),
                    col("Wave ran", 65.0),
                    col("Done after", 70.0),
                    col("Against target", 94.0),
                ],
                &rto.waves
                    .iter()
                    .map(|w| {
                        let judged = match w.within_target {
                            Some(true) => "met",
                            Some(false) => "MISSED",
                            None if w.status == WaveStatus::Completed => "no target",
                            None => "not measured",
                        };
                        Row::new(
                            vec![
                                w.wave.clone(),
                                format!("{:?}", w.status).to_lowercase(),
                                format!("{}/{}", w.launched, w.servers),
                                w.duration_seconds.map(clock).unwrap_or_else(|| "—".into()),
                                w.since_start_seconds.map(clock).unwrap_or_else(|| "—".into()),
                                judged.into(),
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
        }
    }

    d.heading("Waves and DRS quotas", base + 1);
    d.table(
        &[
            col("Wave", 170.0),
            col("Servers", 80.0),
            col("Jobs (≤100 servers)", 130.0),
            col("Batches (≤500 active)", 119.0),
        ],
        &r.waves
            .iter()
            .map(|w| {
                Row::new(
                    vec![
                        w.wave.clone(),
                        w.servers.to_string(),
                        w.jobs.to_string(),
                        w.batches.to_string(),
                    ],
                    INK,
                )
            })
            .collect::<Vec<_>>(),
    );

    // Servers by wave and group.
    d.heading("Servers by wave and group", base);
    let columns = [
        col("Server", 75.0),
        col("Source server", 100.0),
        col("Replication", 62.0),
        col("Lag", 38.0),
        col("Agent seen", 56.0),
        col("DR instance", 100.0),
        col("Readiness", 68.0),
    ];
    for w in &r.waves {
        let in_wave: Vec<_> = r.by_server.iter().filter(|s| s.wave == w.wave).collect();
        d.heading(
            &format!("Wave {} · {} servers", w.wave, in_wave.len()),
            base + 1,
        );
        let mut groups: Vec<&str> = Vec::new();
        for s in &in_wave {
            if !groups.contains(&s.group.as_str()) {
                groups.push(&s.group);
            }
        }
        for g in groups {
            let rows: Vec<_> = in_wave.iter().filter(|s| s.group == g).collect();
            let blocked = rows
                .iter()
                .filter(|s| s.verdict == ServerVerdict::Blocked)
                .count();
            d.heading(
                &format!(
                    "Group {g} · target {} · {} servers{}",
                    rows.first().map(|s| s.target.as_str()).unwrap_or_default(),
                    rows.len(),
                    if blocked > 0 {
                        format!(" · {blocked} blocked")
                    } else {
                        String::new()
                    }
                ),
                3,
            );
            d.table(
                &columns,
                &rows
                    .iter()
                    .map(|s| {
                        let row = Row::new(
                            vec![
                                s.name.clone(),
                                s.source_server_id.clone(),
                                s.replication_state.clone().unwrap_or_else(|| "—".into()),
                                s.lag_seconds
                                    .map(human_seconds)
                                    .unwrap_or_else(|| "—".into()),
                                seen_ago(s.last_seen.as_deref(), &r.checked_at),
                                match (&s.dr_instance, s.launch_into) {
                                    (Some(i), _) => i.clone(),
                                    (None, true) => "none paired".into(),
                                    (None, false) => "new instance".into(),
                                },
                                match s.verdict {
                                    ServerVerdict::Blocked => format!("BLOCKED ({})", s.blockers),
                                    ServerVerdict::Warning => format!("warning ({})", s.warnings),
                                    ServerVerdict::Ready => "ready".into(),
                                },
                            ],
                            match s.verdict {
                                ServerVerdict::Blocked => RED,
                                ServerVerdict::Warning => AMBER,
                                ServerVerdict::Ready => INK,
                            },
                        );
                        if s.verdict == ServerVerdict::Blocked {
                            row.shaded(RED_SHADE)
                        } else {
                            row
                        }
                    })
                    .collect::<Vec<_>>(),
            );
        }
        if in_wave.is_empty() {
            d.paragraph("This wave recovers no server.", 9.0, Weight::Regular, GREY);
        }
    }

    // Findings.
    d.heading("Findings and what to do", base);
    if r.findings.is_empty() {
        d.paragraph("Nothing was found.", 10.0, Weight::Regular, GREEN);
    }
    d.table(
        &[
            col("Severity", 48.0),
            col("Wave / group", 78.0),
            col("Server", 80.0),
            col("Finding", 140.0),
            col("Evidence", 50.0),
            col("What to do", 103.0),
        ],
        &r.findings
            .iter()
            .map(|f| {
                let row = Row::new(
                    vec![
                        match f.severity {
                            Severity::Blocker => "BLOCKER".into(),
                            Severity::Warning => "warning".into(),
                        },
                        match (&f.wave, &f.group) {
                            (Some(w), Some(g)) => format!("{w} / {g}"),
                            (Some(w), None) => w.clone(),
                            (None, Some(g)) => g.clone(),
                            (None, None) => "plan".into(),
                        },
                        f.server_name.clone().unwrap_or_default(),
                        f.message.clone(),
                        f.evidence.clone().unwrap_or_default(),
                        f.remediation.clone().unwrap_or_default(),
                    ],
                    match f.severity {
                        Severity::Blocker => RED,
                        Severity::Warning => AMBER,
                    },
                );
                if f.severity == Severity::Blocker {
                    row.shaded(RED_SHADE)
                } else {
                    row
                }
            })
            .collect::<Vec<_>>(),
    );

    // Pairs.
    if !r.pairs.is_empty() {
        d.heading("DR instance pairs", base);
        d.table(
            &[
                col("Group", 70.0),
                col("Server", 90.0),
                col("Source server", 100.0),
                col("DR instance", 100.0),
                col("Status", 139.0),
            ],
            &r.pairs
                .iter()
                .map(|p| {
                    let ok = p.is_valid();
                    Row::new(
                        vec![
                            p.group.clone().unwrap_or_else(|| "—".into()),
                            p.server_name.clone().unwrap_or_else(|| "—".into()),
                            p.source_server_id.clone().unwrap_or_else(|| "—".into()),
                            p.instance_id.clone().unwrap_or_else(|| "—".into()),
                            format!("{:?}: {}", p.status, p.note).to_lowercase(),
                        ],
                        if ok { INK } else { AMBER },
                    )
                })
                .collect::<Vec<_>>(),
        );
    }

    if let Some((life, fb)) = &p.failback {
        failback_section(d, life, fb.as_ref(), base);
    }
}

/// A recovered plan's way home: where it is, and what failback readiness found.
fn failback_section(
    d: &mut Doc,
    life: &drs_core::failback::Lifecycle,
    fb: Option<&drs_core::failback::FailbackReadiness>,
    base: u8,
) {
    d.heading("Failback", base);
    d.paragraph(
        &format!(
            "The plan was recovered for real: it is {}. Next: {}.",
            life.phase.words(),
            life.next
        ),
        9.0,
        Weight::Regular,
        INK,
    );
    let Some(fb) = fb else {
        return;
    };
    d.paragraph(
        &format!(
            "{}: {} of {} servers ready, {} blocker(s), {} warning(s).",
            if fb.ready {
                "Ready to fail back"
            } else {
                "Not ready to fail back"
            },
            fb.servers.iter().filter(|s| s.ready).count(),
            fb.servers.len(),
            fb.blockers,
            fb.warnings
        ),
        10.0,
        Weight::Bold,
        if fb.ready { GREEN } else { RED },
    );
    d.table(
        &[
            col("Server", 80.0),
            col("Failback source server", 100.0),
            col("Replication", 90.0),
            col("Original instance", 110.0),
            col("Launch", 60.0),
            col("Ready", 39.0),
        ],
        &fb.servers
            .iter()
            .map(|s| {
                let replication = match (s.replication_state.as_deref(), s.sync_percent) {
                    (Some("INITIAL_SYNC"), Some(p)) => format!("initial sync {p}%"),
                    (Some(st), _) => match s.lag_seconds {
                        Some(l) => format!("{st} (lag {})", human_seconds(l)),
                        None => st.to_string(),
                    },
                    (None, _) => "not replicating back".into(),
                };
                let row = Row::new(
                    vec![
                        s.name.clone(),
                        s.failback_source_server_id
                            .clone()
                            .unwrap_or_else(|| "—".into()),
                        replication,
                        s.original_instance_id
                            .as_ref()
                            .map(|i| {
                                format!("{i} ({})", s.original_state.clone().unwrap_or_default())
                            })
                            .unwrap_or_else(|| "—".into()),
                        match s.original_use {
                            drs_core::execution::OriginalUse::NewInstance => "new instance",
                            _ => "into original",
                        }
                        .into(),
                        if s.ready { "yes" } else { "no" }.into(),
                    ],
                    if s.ready { INK } else { RED },
                );
                if s.ready {
                    row
                } else {
                    row.shaded(RED_SHADE)
                }
            })
            .collect::<Vec<_>>(),
    );
    for f in fb
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Blocker)
        .take(20)
    {
        d.paragraph(
            &format!(
                "BLOCKER {}: {}{}",
                f.server_name.clone().unwrap_or_default(),
                f.message,
                f.remediation
                    .as_deref()
                    .map(|r| format!(" — {r}"))
                    .unwrap_or_default()
            ),
            8.5,
            Weight::Regular,
            RED,
        );
    }
}

/// How long before the check the agent was last seen ("30 s ago").
fn seen_ago(last_seen: Option<&str>, checked_at: &str) -> String {
    let Some(seen) = last_seen else {
        return "never".into();
    };
    match seconds_between(seen, checked_at) {
        Some(x) => format!("{} ago", human_seconds(x.max(0) as u64)),
        None => seen.to_string(),
    }
}

fn drill_sentence(p: &PlanReadiness) -> String {
    match &p.last_drill {
        None => "No drill of this plan has finished yet: its recovery time is unproven.".into(),
        Some(e) => {
            let rto = e.rto();
            match (rto.measured_seconds, rto.target_seconds) {
                (Some(m), Some(t)) => format!(
                    "The last drill ({}) recovered every server in {} against an RTO target of {}: {}.",
                    when(&e.started_at),
                    clock(m),
                    clock(t),
                    if m <= t { "met" } else { "missed" }
                ),
                (Some(m), None) => format!(
                    "The last drill ({}) recovered every server in {}; the plan sets no RTO target.",
                    when(&e.started_at),
                    clock(m)
                ),
                (None, _) => format!(
                    "The last drill ({}) did not launch every server, so it measured no RTO.",
                    when(&e.started_at)
                ),
            }
        }
    }
}

fn appendix(d: &mut Doc, thresholds: &Thresholds, per_target: &[(String, Thresholds)], level: u8) {
    d.heading("Appendix: thresholds and how each check works", level);
    if per_target.len() > 1 {
        d.paragraph("Thresholds per target", 10.0, Weight::Bold, INK);
        for (target, t) in per_target {
            d.paragraph(
                &format!(
                    "{target}: lag warning above {}, critical above {}; agent silent for more than {}",
                    human_seconds(t.max_lag_seconds),
                    human_seconds(t.critical_lag_seconds),
                    human_seconds(t.max_agent_silence_seconds)
                ),
                9.0,
                Weight::Regular,
                INK,
            );
        }
    }
    for (name, how) in [
        ("Replication state", "DRS must report CONTINUOUS. Initial sync, stalled, stopped or disconnected replication blocks a launch; backlog, rescan and snapshot creation are warnings.".to_string()),
        ("Replication lag", format!("A lag above {} is a warning and above {} a blocker: a recovery now would lose that much data.", human_seconds(thresholds.max_lag_seconds), human_seconds(thresholds.critical_lag_seconds))),
        ("Agent last seen", format!("An agent not seen for more than {} blocks: DRS may not have a recent recovery point.", human_seconds(thresholds.max_agent_silence_seconds))),
        ("Replication errors", "Any replication error DRS reports for a server blocks it.".into()),
        ("Launch configuration", "Groups launching new instances need an EC2 launch template; groups launching into pre-provisioned instances need launchIntoEC2InstanceID set to the paired instance, with copyPrivateIp and copyTags off and right-sizing NONE.".into()),
        ("DR instance pairs", "Each server is matched by Name (or hostname) with one stopped instance tagged AWSDRS=AllowLaunchingIntoThisInstance, of the same architecture and OS family, EBS-backed, not paired elsewhere and not in use by a recovery instance.".into()),
        ("Groups and conflicts", "A group that selects no server, and a server selected by two groups of one plan, block the plan.".into()),
        ("Quotas", "At most 100 servers per recovery job, 20 concurrent jobs and 500 servers in active jobs: larger waves are split into jobs and batches.".into()),
        ("RTO", "The measured RTO of a drill runs from its start to the last server launched, including approval waits; each wave is judged by the time from the start to its end against the plan's target.".into()),
        ("Server verdict", "A server is blocked when any finding about it is a blocker, has warnings when its findings are all warnings, and is ready otherwise.".into()),
    ] {
        d.ensure(48.0); // a check's name stays with its text
        d.paragraph(name, 10.0, Weight::Bold, INK);
        d.paragraph(&how, 9.0, Weight::Regular, INK);
    }
}

/// The readiness server table as CSV: one row per plan and server.
pub fn readiness_csv(plans: &[PlanReadiness]) -> String {
    csv_text(
        &[
            "plan",
            "wave",
            "group",
            "target",
            "server",
            "source_server_id",
            "replication_state",
            "lag_seconds",
            "last_seen",
            "dr_instance",
            "readiness",
            "blockers",
            "warnings",
            "findings",
            "checked_at",
        ],
        plans.iter().flat_map(|p| {
            let r = &p.readiness;
            r.by_server.iter().map(move |s| {
                let findings: Vec<&str> = r
                    .findings
                    .iter()
                    .filter(|f| {
                        f.source_server_id.as_deref() == Some(s.source_server_id.as_str())
                            && f.group.as_deref() == Some(s.group.as_str())
                    })
                    .map(|f| f.message.as_str())
                    .collect();
                vec![
                    r.plan.clone(),
                    s.wave.clone(),
                    s.group.clone(),
                    s.target.clone(),
                    s.name.clone(),
                    s.source_server_id.clone(),
                    s.replication_state.clone().unwrap_or_default(),
                    s.lag_seconds.map(|l| l.to_string()).unwrap_or_default(),
                    s.last_seen.clone().unwrap_or_default(),
                    s.dr_instance.clone().unwrap_or_default(),
                    s.verdict.as_str().to_string(),
                    s.blockers.to_string(),
                    s.warnings.to_string(),
                    findings.join("; "),
                    r.checked_at.clone(),
                ]
            })
        }),
    )
}
