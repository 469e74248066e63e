//! Both reports read back with poppler's tools: `pdftotext` for the facts, `pdfinfo` for the
//! metadata and page count, `pdftoppm` to render every page (a renderer error fails).

#![allow(clippy::expect_used, clippy::unwrap_used)]

use drs_core::readiness::Thresholds;
use drs_report::{drill_csv, drill_pdf, readiness_csv, readiness_pdf, sample, JournalLine};
use drs_report::{PlanReadiness, ReportContext};
use std::path::Path;
use std::process::Command;

fn tool(name: &str, args: &[&str]) -> Option<String> {
    match Command::new(name).args(args).output() {
        Ok(o) => {
            assert!(
                o.status.success(),
                "{name} {args:?}: {}",
                String::from_utf8_lossy(&o.stderr)
            );
            Some(String::from_utf8_lossy(&o.stdout).into_owned())
        }
        Err(e) => {
            assert!(
                std::env::var("DRS_E2E").as_deref() != Ok("1"),
                "{name} is missing ({e}); run scripts/install-deps.sh --test"
            );
            eprintln!("skipped: {name} (poppler-utils) is not installed");
            None
        }
    }
}

fn cx() -> ReportContext {
    ReportContext {
        targets: vec!["Sandbox: 111122223333, us-east-1 → us-west-2".into()],
        identity: vec!["Sandbox: arn:aws:iam::111122223333:user/sandbox-admin".into()],
        generated_at: time::OffsetDateTime::from_unix_timestamp(1_795_680_000).unwrap(),
        version: "0.1.0".into(),
        target_thresholds: vec![],
    }
}

/// Writes `bytes`, renders every page, and returns (text, pdfinfo, pages) — or None without
/// poppler outside the full test run.
fn read_back(dir: &Path, name: &str, bytes: &[u8]) -> Option<(String, String, usize)> {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    let p = path.to_str().unwrap();
    let text = tool("pdftotext", &["-layout", p, "-"])?;
    let info = tool("pdfinfo", &[p]).unwrap();
    let pages: usize = info
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let out = dir.join(format!("{name}-page"));
    tool("pdftoppm", &["-r", "40", "-png", p, out.to_str().unwrap()]).unwrap();
    let pngs = std::fs::read_dir(dir)
        .unwrap()
        .filter(|e| {
            let p = e.as_ref().unwrap().path();
            p.extension().is_some_and(|x| x == "png")
                && p.file_name().unwrap().to_str().unwrap().starts_with(name)
        })
        .count();
    assert_eq!(pngs, pages, "every page renders");
    for (i, page) in text
        .split('\u{c}')
        .filter(|p| !p.trim().is_empty())
        .enumerate()
    {
        assert!(
            page.contains(&format!("page {} of {pages}", i + 1)),
            "page {} carries its footer",
            i + 1
        );
    }
    if let Ok(keep) = std::env::var("DRS_REPORT_KEEP") {
        std::fs::copy(&path, Path::new(&keep).join(name)).unwrap();
    }
    Some((text, info, pages))
}

#[test]
fn the_readiness_report_states_the_facts_and_every_page_reads_back() {
    let dir = tempfile::tempdir().unwrap();
    let plan = PlanReadiness {
        readiness: sample::readiness(120),
        last_drill: Some(sample::drill(120, false).unwrap()),
        failback: None,
    };
    let bytes = readiness_pdf(std::slice::from_ref(&plan), &cx(), &Thresholds::default()).unwrap();
    let Some((text, info, pages)) = read_back(dir.path(), "readiness.pdf", &bytes) else {
        return;
    };
    assert!(text.contains("retail-dr"));
    assert!(text.contains("NOT READY: blockers were found"));
    assert!(text.contains("retail-app-0010"), "a server name");
    assert!(text.contains("s-0000000000000000a"), "its source server ID");
    assert!(text.contains("BLOCKED (1)"), "blocked servers are marked");
    assert!(
        text.contains("none paired"),
        "a launch-into server without a DR instance"
    );
    assert!(
        text.contains("new instance"),
        "a server that launches a new instance"
    );
    assert!(text.contains("BLOCKER"));
    assert!(text.contains("arn:aws:iam::111122223333:user/sandbox-admin"));
    // Counts: 120 servers, every tenth blocked (12), every seventh lagging but not blocked.
    let warned = (0..120).filter(|i| i % 7 == 0 && i % 10 != 0).count();
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains(&format!("Of 120 servers, 12 cannot be recovered as planned right now (at least one blocker), {warned} have warnings only and {} are ready", 120 - 12 - warned)),
        "executive summary counts"
    );
    assert!(text.contains("Servers by replication state"));
    assert!(text.contains("STALLED"));
    assert!(text.contains("Replication lag distribution"));
    // The last drill's RTO: the last server of 120 launches at 10:28:59 → 28:59 of 30:00.
    assert!(text.contains("Last drill: measured RTO per wave"));
    assert!(text.contains("28:59"), "measured RTO");
    assert!(text.contains("30:00"), "RTO target");
    assert!(text.contains("within the target"));
    assert!(text.contains("Appendix: thresholds and how each check works"));
    assert!(pages >= 5, "{info}");
    assert!(
        info.contains("Readiness report: retail-dr"),
        "title metadata: {info}"
    );
    assert!(
        info.contains("Author:") && info.contains("DRS Orchestrator"),
        "{info}"
    );
    assert!(info.contains("CreationDate:"), "{info}");
    // The long name is cut with an ellipsis, never past the page; table headers repeat.
    assert!(text.contains('…'));
    assert!(text.matches("Source server").count() >= 3);
    // The outline has the sections.
    let bookmarks = String::from_utf8_lossy(&bytes).matches("/Outlines").count();
    assert!(bookmarks >= 1, "the PDF has an outline");

    let csv = readiness_csv(&[plan]);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 121, "a header and one row per server");
    assert!(lines[0].starts_with("plan,wave,group,target,server,source_server_id"));
    assert!(lines
        .iter()
        .any(|l| l.contains("s-0000000000000000a") && l.contains(",blocked,")));
}

#[test]
fn every_plan_in_one_report() {
    let dir = tempfile::tempdir().unwrap();
    let mut other = sample::readiness(12);
    other.plan = "payroll-dr".into();
    let plans = [
        PlanReadiness {
            readiness: sample::readiness(30),
            last_drill: None,
            failback: None,
        },
        PlanReadiness {
            readiness: other,
            last_drill: Some(sample::drill(12, true).unwrap()),
            failback: None,
        },
    ];
    let bytes = readiness_pdf(&plans, &cx(), &Thresholds::default()).unwrap();
    let Some((text, info, _)) = read_back(dir.path(), "all.pdf", &bytes) else {
        return;
    };
    assert!(info.contains("all recovery plans"), "{info}");
    assert!(text.contains("Overview of all plans"));
    assert!(text.contains("Plan retail-dr") && text.contains("Plan payroll-dr"));
    assert!(text.contains("no drill yet"));
    assert!(text.contains("did not complete"));
}

#[test]
fn the_drill_report_tells_the_story_of_an_execution() {
    let dir = tempfile::tempdir().unwrap();
    let e = sample::drill(24, true).unwrap();
    let journal = vec![
        JournalLine {
            at: "2026-11-26T10:00:00Z".into(),
            by: "engine".into(),
            what: "started".into(),
        },
        JournalLine {
            at: "2026-11-26T10:09:30Z".into(),
            by: "arn:aws:iam::111122223333:user/dr-lead".into(),
            what: "approve 2-applications".into(),
        },
    ];
    let bytes = drill_pdf(&e, &journal, &cx()).unwrap();
    let Some((text, info, _)) = read_back(dir.path(), "drill.pdf", &bytes) else {
        return;
    };
    assert!(info.contains("Drill report: retail-dr"), "{info}");
    assert!(text.contains("FAILED: 1 of 24 servers did not launch"));
    assert!(
        text.contains("subnet-0bad has no free addresses"),
        "failure reason"
    );
    assert!(text.contains("Approvals and requests"));
    assert!(text.contains("user/dr-lead"), "who approved");
    assert!(
        text.contains("2026-11-26 10:09:30 UTC"),
        "when they approved"
    );
    assert!(text.contains("Cleanup proof"));
    assert!(text.contains("drsjob-0000000000000c1ea"));
    assert!(text.contains("gone (verified)"));
    assert!(text.contains("revision 7"));
    assert!(text.contains("user/dr-coordinator"), "who started it");
    assert!(text.contains("MISSED") || text.contains("not measured"));

    let csv = drill_csv(&e);
    assert_eq!(csv.lines().count(), 25);
    assert!(csv.contains("LAUNCH_FAILED"));
}

#[test]
fn a_running_execution_is_reported_as_in_progress() {
    let dir = tempfile::tempdir().unwrap();
    let mut e = sample::drill(9, false).unwrap();
    e.status = drs_core::execution::ExecutionStatus::Running;
    e.ended_at = None;
    let last = e.waves.last_mut().unwrap();
    last.status = drs_core::execution::WaveStatus::Running;
    last.ended_at = None;
    for s in &mut last.servers {
        s.status = drs_core::execution::ServerStatus::Launching;
        s.ended_at = None;
    }
    let bytes = drill_pdf(&e, &[], &cx()).unwrap();
    let Some((text, _, _)) = read_back(dir.path(), "running.pdf", &bytes) else {
        return;
    };
    assert!(text.contains("IN PROGRESS"));
    assert!(text.contains("still in progress"));
    assert!(text.contains("The RTO is measured once every server has launched."));
}

#[test]
fn a_four_thousand_server_report_completes() {
    let plan = PlanReadiness {
        readiness: sample::readiness(4_000),
        last_drill: Some(sample::drill(4_000, false).unwrap()),
        failback: None,
    };
    let bytes = readiness_pdf(&[plan], &cx(), &Thresholds::default()).unwrap();
    assert!(bytes.starts_with(b"%PDF"));
    let e = sample::drill(4_000, false).unwrap();
    let bytes = drill_pdf(&e, &[], &cx()).unwrap();
    assert!(bytes.starts_with(b"%PDF"));
}
