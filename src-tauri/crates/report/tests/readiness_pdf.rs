//! The readiness report read back with poppler's tools: `pdftotext` for the facts, `pdfinfo`
//! for the metadata and page count, `pdftoppm` to render every page (a renderer error fails).

#![allow(clippy::expect_used, clippy::unwrap_used)]

use drs_core::readiness::{Finding, Readiness, Severity, Thresholds, WavePlan};
use drs_report::{readiness_pdf, ReportContext};
use std::process::Command;

fn finding(i: usize, severity: Severity) -> Finding {
    Finding {
        severity,
        check: "lag".into(),
        wave: Some(format!("wave-{}", i % 3)),
        group: Some("retail-db".into()),
        source_server_id: Some(format!("s-{i:017x}")),
        server_name: Some(if i == 7 {
            // Longer than any column, with characters outside the font.
            format!("retail-db-{i:04}-{}-\u{1F600}-名前", "x".repeat(200))
        } else {
            format!("retail-db-{i:04}")
        }),
        message: format!("replication lags 20 min behind (threshold 5 min), finding {i}"),
        evidence: Some("PT20M".into()),
        observed_at: "2026-11-26T10:00:00Z".into(),
        remediation: Some("check the agent's bandwidth and the staging area".into()),
    }
}

fn readiness(servers: usize) -> Readiness {
    let findings: Vec<Finding> = (0..servers)
        .map(|i| {
            finding(
                i,
                if i % 10 == 0 {
                    Severity::Blocker
                } else {
                    Severity::Warning
                },
            )
        })
        .collect();
    let blockers = findings
        .iter()
        .filter(|f| f.severity == Severity::Blocker)
        .count();
    Readiness {
        plan: "retail-dr".into(),
        checked_at: "2026-11-26T10:00:00Z".into(),
        ready: blockers == 0,
        blockers,
        warnings: findings.len() - blockers,
        servers,
        waves: (0..3)
            .map(|w| WavePlan {
                wave: format!("wave-{w}"),
                servers: servers / 3,
                jobs: 1,
                batches: 1,
            })
            .collect(),
        findings,
        pairs: vec![],
    }
}

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

#[test]
fn the_facts_metadata_and_every_page_read_back() {
    let dir = tempfile::tempdir().unwrap();
    let cx = ReportContext {
        targets: vec!["Sandbox: 111122223333, us-east-1 → us-west-2".into()],
        identity: vec!["Sandbox: arn:aws:iam::111122223333:user/sandbox-admin".into()],
        generated_at: time::OffsetDateTime::from_unix_timestamp(1_795_680_000).unwrap(),
        version: "0.1.0".into(),
    };
    let bytes = readiness_pdf(&readiness(120), &cx, &Thresholds::default()).unwrap();
    let path = dir.path().join("readiness.pdf");
    std::fs::write(&path, &bytes).unwrap();
    let p = path.to_str().unwrap();

    let Some(text) = tool("pdftotext", &["-layout", p, "-"]) else {
        return;
    };
    assert!(text.contains("retail-dr"));
    assert!(text.contains("NOT READY: blockers were found"));
    assert!(text.contains("retail-db-0010"), "a server name");
    assert!(text.contains("BLOCKER"));
    assert!(text.contains("arn:aws:iam::111122223333:user/sandbox-admin"));
    let info = tool("pdfinfo", &[p]).unwrap();
    let pages: usize = info
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(pages >= 4, "{info}");
    assert!(
        text.contains(&format!("page 1 of {pages}")),
        "footers number the pages"
    );
    assert!(text.contains(&format!("page {pages} of {pages}")));
    assert!(
        info.contains("Title:") && info.contains("Readiness report: retail-dr"),
        "{info}"
    );
    assert!(info.contains("DRS Orchestrator"), "{info}");
    // The long name is cut with an ellipsis, never past the page; the table header repeats.
    assert!(text.contains('…'));
    let headers = text.matches("Severity").count();
    assert!(
        headers >= pages - 2,
        "the findings table header repeats on every page ({headers} for {pages} pages)"
    );
    // Every page renders.
    let out = dir.path().join("page");
    tool("pdftoppm", &["-r", "50", "-png", p, out.to_str().unwrap()]).unwrap();
    let pngs = std::fs::read_dir(dir.path())
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "png")
        })
        .count();
    assert_eq!(pngs, pages);
    if let Ok(keep) = std::env::var("DRS_REPORT_KEEP") {
        std::fs::copy(&path, keep).unwrap();
    }
}

#[test]
fn a_four_thousand_server_report_completes() {
    let cx = ReportContext {
        targets: vec![],
        identity: vec![],
        generated_at: time::OffsetDateTime::now_utc(),
        version: "0.1.0".into(),
    };
    let bytes = readiness_pdf(&readiness(4_000), &cx, &Thresholds::default()).unwrap();
    assert!(bytes.starts_with(b"%PDF"));
    assert!(bytes.len() > 50_000);
}
