//! `pairs` and `readiness` from the command line, against a `sandbox serve` that outlives each
//! command (the Sandbox target pointed at it), with the AWS CLI reading back what was written.
//!
//! The AWS CLI part runs when `aws` is available (scripts/test.sh puts it on PATH); `DRS_E2E=1`
//! makes its absence a failure.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use crate::common;
use common::{Cli, Serve};
use serde_json::Value;

fn serve() -> Serve {
    common::serve(&[])
}

/// What the AWS CLI reads back for a server's launch configuration, if the AWS CLI is here.
fn aws_launch_configuration(endpoint: &str, server: &str) -> Option<Value> {
    common::aws(
        endpoint,
        &[
            "drs",
            "get-launch-configuration",
            "--source-server-id",
            server,
        ],
    )
}

const WEB01: &str = "s-0005e7a1100000001";

#[test]
fn readiness_apply_read_back_undo() {
    let sandbox = serve();
    let cli = Cli::new(&sandbox.endpoint);

    // Not ready: exit 3, with the deliberate problems.
    let r = cli.json(&["readiness", "--plan", "retail-dr"], 3);
    assert_eq!(r["ready"], false);
    let found =
        |server: &str, check: &str| {
            r["findings"].as_array().unwrap().iter().any(|f| {
                f["serverName"] == server && f["check"] == check && f["severity"] == "blocker"
            })
        };
    assert!(found("retail-app-07", "pair.stopped"));
    assert!(found("retail-app-08", "pair.awsdrsTag"));
    assert!(found("retail-db-03", "pair.ambiguous"));
    assert!(found("retail-batch-04", "pair.unmatched"));
    assert!(found("retail-mq-03", "agentSeen"));
    let text = cli.run(&["readiness", "--plan", "retail-dr"]);
    assert_eq!(text.code, 3);
    assert!(text.stdout.contains("NOT READY"), "{}", text.stdout);

    // Apply needs a confirmation; without a terminal, --yes.
    let refused = cli.run(&["pairs", "apply", "--plan", "retail-dr"]);
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    assert!(refused.stderr.contains("add --yes"), "{}", refused.stderr);
    assert!(
        refused
            .stderr
            .contains("launchIntoEC2InstanceID — → i-0d000000000000001"),
        "the diff is shown: {}",
        refused.stderr
    );
    if let Some(lc) = aws_launch_configuration(&sandbox.endpoint, WEB01) {
        assert_eq!(
            lc["launchIntoInstanceProperties"],
            serde_json::json!({}),
            "nothing written"
        );
    }

    let applied = cli.json(&["pairs", "apply", "--plan", "retail-dr", "--yes"], 0);
    assert_eq!(
        applied["targets"]["Sandbox"]["applied"]
            .as_array()
            .unwrap()
            .len(),
        35
    );
    if let Some(lc) = aws_launch_configuration(&sandbox.endpoint, WEB01) {
        assert_eq!(
            lc["launchIntoInstanceProperties"]["launchIntoEC2InstanceID"],
            "i-0d000000000000001"
        );
        assert_eq!(lc["copyTags"], false);
        assert_eq!(lc["targetInstanceTypeRightSizingMethod"], "NONE");
    }
    let pairs = cli.json(&["pairs", "match", "--plan", "retail-dr"], 0);
    let web01 = pairs
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["sourceServerId"] == WEB01)
        .unwrap();
    assert!(
        web01["checks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["ok"] == true),
        "{web01}"
    );

    let undone = cli.json(&["pairs", "undo", "--plan", "retail-dr", "--yes"], 0);
    assert_eq!(
        undone["targets"]["Sandbox"]["applied"]
            .as_array()
            .unwrap()
            .len(),
        35
    );
    if let Some(lc) = aws_launch_configuration(&sandbox.endpoint, WEB01) {
        assert_eq!(lc["launchIntoInstanceProperties"], serde_json::json!({}));
        assert_eq!(lc["copyTags"], true);
        assert_eq!(lc["targetInstanceTypeRightSizingMethod"], "BASIC");
    }
    let again = cli.run(&["pairs", "undo", "--plan", "retail-dr", "--yes"]);
    assert_eq!(again.code, 2);
    assert!(
        again.stderr.contains("no applied pairs to undo"),
        "{}",
        again.stderr
    );

    // The audit log has both.
    let audit = cli.ok(&["audit", "--subject", "retail-dr"]);
    assert!(
        audit.contains("pairs.apply") && audit.contains("pairs.undo"),
        "{audit}"
    );
}

#[test]
fn overrides_survive_refreshes_and_bad_input_is_named() {
    let sandbox = serve();
    let cli = Cli::new(&sandbox.endpoint);
    let db03 = "s-0005e7a1100000019";
    cli.ok(&[
        "pairs",
        "override",
        "--target",
        "Sandbox",
        "--server",
        db03,
        "--instance",
        "i-0d00000000000001a",
    ]);
    for _ in 0..2 {
        let pairs = cli.json(&["pairs", "match", "--plan", "retail-dr"], 0);
        let p = pairs
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["sourceServerId"] == db03)
            .unwrap();
        assert_eq!(p["status"], "override");
        assert_eq!(p["instanceId"], "i-0d00000000000001a");
    }
    cli.ok(&[
        "pairs", "override", "--target", "Sandbox", "--server", db03, "--clear",
    ]);
    let pairs = cli.json(&["pairs", "match", "--plan", "retail-dr"], 0);
    assert!(pairs
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["sourceServerId"] == db03 && p["status"] == "ambiguous"));

    for (args, expected) in [
        (
            vec![
                "pairs", "override", "--target", "Sandbox", "--server", "s-1", "--none",
            ],
            "\"s-1\" is not a source server ID",
        ),
        (
            vec![
                "pairs",
                "override",
                "--target",
                "Sandbox",
                "--server",
                db03,
                "--instance",
                "i-xyz",
            ],
            "EC2 instance ID \"i-xyz\" is not valid",
        ),
        (
            vec![
                "pairs", "override", "--target", "Nope", "--server", db03, "--none",
            ],
            "target \"Nope\" not found",
        ),
        (
            vec!["readiness", "--plan", "nope"],
            "plan \"nope\" not found",
        ),
        (
            vec!["pairs", "match", "--plan", "nope"],
            "plan \"nope\" not found",
        ),
    ] {
        let r = cli.run(&args);
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        assert!(r.stderr.contains(expected), "{args:?}: {}", r.stderr);
    }
}

#[test]
fn the_readiness_report_as_pdf_and_csv() {
    let sandbox = serve();
    let cli = Cli::new(&sandbox.endpoint);
    let pdf = cli.dir.path().join("retail readiness.pdf");
    cli.ok(&[
        "report",
        "readiness",
        "--plan",
        "retail-dr",
        "--out",
        pdf.to_str().unwrap(),
    ]);
    let bytes = std::fs::read(&pdf).unwrap();
    assert!(bytes.starts_with(b"%PDF"));
    match std::process::Command::new("pdftotext")
        .args(["-layout", pdf.to_str().unwrap(), "-"])
        .output()
    {
        Ok(o) => {
            let text = String::from_utf8_lossy(&o.stdout);
            assert!(text.contains("NOT READY"), "{text}");
            assert!(
                text.contains("retail-app-07") && text.contains("instance state running"),
                "{text}"
            );
            assert!(text.contains("retail-mq-03"), "{text}");
            assert!(
                text.contains("arn:aws:iam::111122223333:user/sandbox-admin"),
                "the identity used"
            );
            assert!(text.contains("page 1 of "), "{text}");
        }
        Err(e) => assert!(
            std::env::var("DRS_E2E").as_deref() != Ok("1"),
            "pdftotext is missing: {e}"
        ),
    }
    let csv = cli.dir.path().join("servers.csv");
    cli.ok(&[
        "report",
        "readiness",
        "--plan",
        "retail-dr",
        "--out",
        csv.to_str().unwrap(),
        "--format",
        "csv",
    ]);
    let text = std::fs::read_to_string(&csv).unwrap();
    assert!(text.starts_with("plan,wave,group,target,server,source_server_id,"));
    assert_eq!(text.lines().count(), 41, "a header and one row per server");
    let row = text
        .lines()
        .find(|l| l.starts_with("retail-dr,application,retail-app,Sandbox,retail-app-07,s-"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(row.contains(",blocked,"), "{row}");
    // Bad input: a folder that does not exist, a place that cannot be written, a plan that
    // does not exist; nothing is written.
    let r = cli.run(&[
        "report",
        "readiness",
        "--plan",
        "retail-dr",
        "--out",
        "/nonexistent/dir/r.pdf",
    ]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("the folder /nonexistent/dir does not exist"),
        "{}",
        r.stderr
    );
    let r = cli.run(&[
        "report",
        "readiness",
        "--plan",
        "retail-dr",
        "--out",
        "/proc/readiness.pdf",
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("/proc/readiness.pdf: "), "{}", r.stderr);
    let r = cli.run(&[
        "report",
        "drill",
        "--execution",
        "exec-nope",
        "--out",
        pdf.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("exec-nope"), "{}", r.stderr);
    let r = cli.run(&[
        "report",
        "readiness",
        "--plan",
        "gone",
        "--out",
        pdf.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("plan \"gone\" not found"), "{}", r.stderr);
    assert_eq!(
        std::fs::read(&pdf).unwrap(),
        bytes,
        "the earlier report is untouched"
    );
}
