//! Replication health against `sandbox serve`: the CLI's view and exit code, per-target
//! thresholds that readiness uses too, and the monitor raising one alert (recorded by a test
//! sink, as the window's notification sink would show it) when a scenario server's agent
//! disconnects.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use crate::common;
use common::Cli;
use drs_core::health::Alert;
use drs_orchestrator::connect::EmbeddedSandbox;
use drs_orchestrator::health::{prepare, Monitor};

const WEB01: &str = "s-0005e7a1100000001";

#[test]
fn the_health_view_thresholds_and_an_alert_when_an_agent_disconnects() {
    let sandbox = common::serve(&[]);
    let cli = Cli::new(&sandbox.endpoint);

    // The scenario's stalled server is critical: exit 3.
    let h = cli.json(&["health"], 3);
    assert_eq!(h[0]["summary"]["critical"], 1, "{h}");
    let mq03 = h[0]["servers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "retail-mq-03")
        .unwrap();
    assert_eq!(mq03["level"], "critical");
    assert_eq!(mq03["agentDisconnected"], true);

    // Thresholds: one place, used by readiness too.
    let r = cli.json(&["readiness", "--plan", "retail-dr"], 3);
    let lag_of_db02 = |r: &serde_json::Value| {
        r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["serverName"] == "retail-db-02" && f["check"] == "lag")
    };
    assert!(lag_of_db02(&r), "20 min lag is above the default 5 min");
    cli.ok(&[
        "health",
        "thresholds",
        "--target",
        "Sandbox",
        "--lag-warning",
        "30",
        "--lag-critical",
        "120",
    ]);
    let r = cli.json(&["readiness", "--plan", "retail-dr"], 3);
    assert!(!lag_of_db02(&r), "20 min is within a 30 min threshold");
    // The readiness report states the thresholds it judged with.
    let pdf = cli.data().join("readiness.pdf");
    cli.ok(&[
        "report",
        "readiness",
        "--plan",
        "retail-dr",
        "--out",
        pdf.to_str().unwrap(),
    ]);
    if let Some(text) = common::pdf_text(&pdf) {
        let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            flat.contains("A lag above 30 min is a warning and above 2 h 0 min a blocker"),
            "{flat}"
        );
    }
    let bad = cli.run(&[
        "health",
        "thresholds",
        "--target",
        "Sandbox",
        "--lag-critical",
        "10",
    ]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("criticalLagSeconds"), "{}", bad.stderr);
    let audit = cli.ok(&["audit", "--subject", "health.thresholds"]);
    assert!(audit.contains("setting.update"), "{audit}");

    // The monitor: the first look sets the baseline, a disconnected agent raises one alert.
    let store = drs_store::Store::open(cli.data()).unwrap();
    let prepared = prepare(&store, &drs_secrets::Keychain::new(), None).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let embedded = EmbeddedSandbox::default();
    let mut monitor = Monitor::default();
    let mut sink: Vec<Alert> = Vec::new();
    let (first, alerts) = rt.block_on(monitor.look(&prepared, &embedded));
    assert_eq!(first[0].servers.len(), 40);
    sink.extend(alerts);
    assert!(sink.is_empty(), "{sink:?}");
    let status = ureq::post(&sandbox.admin(&format!("disconnect/{WEB01}")))
        .send_empty()
        .unwrap()
        .status();
    assert!(status.is_success());
    let (_, alerts) = rt.block_on(monitor.look(&prepared, &embedded));
    sink.extend(alerts);
    assert_eq!(sink.len(), 1, "{sink:?}");
    assert_eq!(
        sink[0].title,
        "Replication agent disconnected: retail-web-01"
    );
    assert!(
        sink[0].body.contains("replication is DISCONNECTED"),
        "{}",
        sink[0].body
    );
    let (_, alerts) = rt.block_on(monitor.look(&prepared, &embedded));
    assert!(alerts.is_empty(), "no repeat while it stays disconnected");
}
