//! Always-on monitoring through the CLI against `sandbox serve`: what a target's monitoring
//! should be (an alarm per replicating server at the target's critical lag, DRS's events routed
//! to the team's topic), and the same as a CloudFormation template that `cfn-lint` (an
//! independent peer) accepts.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use crate::common::Cli;
use crate::executions::serve;
use std::process::Command;

#[test]
fn a_targets_monitoring_is_planned_and_exported_as_a_template_cfn_lint_accepts() {
    let sandbox = serve(&[]);
    let cli = Cli::new(&sandbox.endpoint);
    cli.ok(&[
        "health",
        "thresholds",
        "--target",
        "Sandbox",
        "--lag-critical",
        "45",
    ]);
    let m = cli.json(
        &[
            "monitoring",
            "plan",
            "--target",
            "Sandbox",
            "--email",
            "ops@example.com",
        ],
        0,
    );
    assert_eq!(m["topic"], "drs-orchestrator-Sandbox");
    assert_eq!(m["rules"].as_array().unwrap().len(), 3);
    let alarms = m["alarms"].as_array().unwrap();
    assert_eq!(
        alarms.len(),
        40,
        "every replicating server of the retail scenario"
    );
    assert!(alarms.iter().all(|a| a["thresholdSeconds"] == 2700));
    assert_eq!(m["tags"]["drs-orchestrator:owner"], "drs-orchestrator");

    let r = cli.run(&[
        "monitoring",
        "plan",
        "--target",
        "Sandbox",
        "--email",
        "ops",
    ]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("\"ops\" is not an email address"),
        "{}",
        r.stderr
    );

    let file = cli.data().join("monitoring.json");
    cli.ok(&[
        "monitoring",
        "template",
        "--target",
        "Sandbox",
        "--email",
        "ops@example.com",
        "--out",
        file.to_str().unwrap(),
    ]);
    let t: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(t["Resources"].as_object().unwrap().len(), 3 + 3 + 40);
    match Command::new("cfn-lint").arg(&file).output() {
        Ok(o) => assert!(
            o.status.success(),
            "cfn-lint refused the template:\n{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        ),
        Err(e) => {
            assert!(
                std::env::var("DRS_E2E").as_deref() != Ok("1"),
                "cfn-lint is missing ({e}); run scripts/install-deps.sh --test"
            );
            eprintln!("skipped: cfn-lint is not installed");
        }
    }
}
