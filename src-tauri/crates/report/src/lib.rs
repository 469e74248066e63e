//! # drs-report — PDF reports for auditors
//!
//! Pure functions of core data: [`readiness_pdf`] turns a plan's [`Readiness`] into an A4 PDF
//! with a cover, an executive summary, a chart of findings by wave, the waves against DRS's
//! quotas, every finding with its evidence and remediation (blockers first, in red), the pairs,
//! and an appendix on how each check works. Layout is in [`layout`]: an embedded font (DejaVu
//! Sans, its licence in `fonts/`), running headers, "page X of Y" footers, table headers
//! repeated on every page, rows never split, bookmarks and document metadata.

pub mod layout;

use drs_core::readiness::{Readiness, Severity, Thresholds};
use layout::{Column, Doc, LayoutError, Row, Weight, AMBER, GREEN, GREY, INK, RED};

/// Who and what a report is about, besides the data itself.
#[derive(Debug, Clone)]
pub struct ReportContext {
    /// Targets with their accounts and regions, as lines ("Sandbox: 111122223333, us-east-1 → us-west-2").
    pub targets: Vec<String>,
    /// The identity the data was read with (caller ARNs), if known.
    pub identity: Vec<String>,
    /// When the report is made.
    pub generated_at: time::OffsetDateTime,
    /// The app version.
    pub version: String,
}

fn rfc(t: time::OffsetDateTime) -> String {
    t.replace_nanosecond(0)
        .unwrap_or(t)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// The readiness report of one plan, as PDF bytes.
pub fn readiness_pdf(
    r: &Readiness,
    cx: &ReportContext,
    thresholds: &Thresholds,
) -> Result<Vec<u8>, LayoutError> {
    let title = format!("Readiness report: {}", r.plan);
    let mut d = Doc::new(
        &title,
        &format!("DRS Orchestrator · {title} · checked {}", r.checked_at),
    )?;

    // Cover.
    d.space(120.0);
    d.paragraph("DISASTER RECOVERY READINESS", 11.0, Weight::Bold, GREY);
    d.paragraph(&r.plan, 30.0, Weight::Bold, INK);
    d.paragraph(
        if r.ready {
            "READY: no blocker was found"
        } else {
            "NOT READY: blockers were found"
        },
        16.0,
        Weight::Bold,
        if r.ready { GREEN } else { RED },
    );
    d.space(20.0);
    d.paragraph(
        &format!("Evidence read: {}", r.checked_at),
        10.0,
        Weight::Regular,
        INK,
    );
    d.paragraph(
        &format!(
            "Report generated: {} by DRS Orchestrator {}",
            rfc(cx.generated_at),
            cx.version
        ),
        10.0,
        Weight::Regular,
        INK,
    );
    for t in &cx.targets {
        d.paragraph(&format!("Target {t}"), 10.0, Weight::Regular, INK);
    }
    for i in &cx.identity {
        d.paragraph(&format!("Read as {i}"), 10.0, Weight::Regular, INK);
    }

    // Executive summary.
    d.new_page();
    d.heading("Executive summary", 1);
    d.figures(&[
        (
            "Verdict",
            if r.ready {
                "Ready".into()
            } else {
                "Not ready".into()
            },
            if r.ready { GREEN } else { RED },
        ),
        (
            "Blockers",
            r.blockers.to_string(),
            if r.blockers > 0 { RED } else { GREEN },
        ),
        (
            "Warnings",
            r.warnings.to_string(),
            if r.warnings > 0 { AMBER } else { INK },
        ),
        ("Servers", r.servers.to_string(), INK),
    ]);
    let blocked_servers: std::collections::BTreeSet<&str> = r
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Blocker)
        .filter_map(|f| f.server_name.as_deref())
        .collect();
    d.paragraph(
        &format!(
            "Of {} servers, {} have at least one blocker. A plan is ready when nothing blocks a launch right now: replication is continuous, agents are seen, launch configurations and DR instance pairs are valid, and the waves fit DRS's quotas.",
            r.servers,
            blocked_servers.len()
        ),
        10.0,
        Weight::Regular,
        INK,
    );
    for f in r
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Blocker)
        .take(8)
    {
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

    d.heading("Findings by wave", 2);
    let mut rows: Vec<(String, Vec<(f32, layout::Rgb3)>)> = Vec::new();
    for w in &r.waves {
        let count = |s: Severity| {
            r.findings
                .iter()
                .filter(|f| f.wave.as_deref() == Some(w.wave.as_str()) && f.severity == s)
                .count() as f32
        };
        rows.push((
            format!("{} ({} servers)", w.wave, w.servers),
            vec![
                (count(Severity::Blocker), RED),
                (count(Severity::Warning), AMBER),
            ],
        ));
    }
    d.bars(&rows, &[("blockers", RED), ("warnings", AMBER)]);

    d.heading("Waves and DRS quotas", 2);
    d.table(
        &[
            col("Wave", 170.0),
            col("Servers", 80.0),
            col("Jobs (≤100 servers)", 130.0),
            col("Batches (≤500 active)", 119.0),
        ],
        &r.waves
            .iter()
            .map(|w| Row {
                cells: vec![
                    w.wave.clone(),
                    w.servers.to_string(),
                    w.jobs.to_string(),
                    w.batches.to_string(),
                ],
                ink: INK,
            })
            .collect::<Vec<_>>(),
    );

    // Findings.
    d.heading("Findings", 1);
    d.table(
        &[
            col("Severity", 48.0),
            col("Wave", 45.0),
            col("Group", 55.0),
            col("Server", 72.0),
            col("Finding", 130.0),
            col("Evidence", 50.0),
            col("What to do", 99.0),
        ],
        &r.findings
            .iter()
            .map(|f| Row {
                cells: vec![
                    match f.severity {
                        Severity::Blocker => "BLOCKER".into(),
                        Severity::Warning => "warning".into(),
                    },
                    f.wave.clone().unwrap_or_default(),
                    f.group.clone().unwrap_or_default(),
                    f.server_name.clone().unwrap_or_default(),
                    f.message.clone(),
                    f.evidence.clone().unwrap_or_default(),
                    f.remediation.clone().unwrap_or_default(),
                ],
                ink: match f.severity {
                    Severity::Blocker => RED,
                    Severity::Warning => AMBER,
                },
            })
            .collect::<Vec<_>>(),
    );

    // Pairs.
    if !r.pairs.is_empty() {
        d.heading("DR instance pairs", 1);
        d.table(
            &[
                col("Group", 75.0),
                col("Server", 95.0),
                col("Source server", 95.0),
                col("DR instance", 110.0),
                col("Status", 124.0),
            ],
            &r.pairs
                .iter()
                .map(|p| {
                    let ok = p.is_valid();
                    Row {
                        cells: vec![
                            p.group.clone().unwrap_or_else(|| "—".into()),
                            p.server_name.clone().unwrap_or_else(|| "—".into()),
                            p.source_server_id.clone().unwrap_or_else(|| "—".into()),
                            p.instance_id.clone().unwrap_or_else(|| "—".into()),
                            format!("{:?}: {}", p.status, p.note).to_lowercase(),
                        ],
                        ink: if ok { INK } else { AMBER },
                    }
                })
                .collect::<Vec<_>>(),
        );
    }

    // Appendix.
    d.heading("Appendix: how each check works", 1);
    for (name, how) in [
        ("Replication state", "DRS must report CONTINUOUS. Initial sync, stalled, stopped or disconnected replication blocks a launch; backlog, rescan and snapshot creation are warnings.".to_string()),
        ("Replication lag", format!("A lag above {} seconds is a warning: a recovery now would lose that much data.", thresholds.max_lag_seconds)),
        ("Agent last seen", format!("An agent not seen for more than {} seconds blocks.", thresholds.max_agent_silence_seconds)),
        ("Launch configuration", "Groups launching new instances need an EC2 launch template; groups launching into pre-provisioned instances need launchIntoEC2InstanceID set to the paired instance, with copyPrivateIp and copyTags off and right-sizing NONE.".into()),
        ("DR instance pairs", "Each server is matched by Name (or hostname) with one stopped instance tagged AWSDRS=AllowLaunchingIntoThisInstance, of the same architecture and OS family, EBS-backed, not paired elsewhere and not in use.".into()),
        ("Quotas", "At most 100 servers per recovery job, 20 concurrent jobs and 500 servers in active jobs: larger waves are split into jobs and batches.".into()),
    ] {
        d.paragraph(name, 10.0, Weight::Bold, INK);
        d.paragraph(&how, 9.0, Weight::Regular, INK);
    }

    Ok(d.finish(
        "DRS Orchestrator",
        &format!("Readiness of recovery plan {}", r.plan),
        &format!(
            "{} · {}",
            r.plan,
            if r.ready { "ready" } else { "not ready" }
        ),
        cx.generated_at,
    ))
}

fn col(header: &str, width: f32) -> Column {
    Column {
        header: header.to_string(),
        width,
    }
}
