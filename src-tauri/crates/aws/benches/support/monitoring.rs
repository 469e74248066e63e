//! `monitoring deploy` for 500 replicating servers, measured (not asserted): CloudWatch's
//! alarms in the sandbox (it speaks CloudWatch's CBOR protocol), SNS and EventBridge in moto
//! (`moto_server` on a free port; skipped with a message when it is not installed), all through
//! the real SDK clients over HTTP.
//!
//! `cargo bench -p drs-aws --bench drill -- monitoring` prints the real time and the calls of:
//! the first deploy (1 topic, 1 subscription, 3 rules, 500 alarms), a status read that finds it
//! in place, a deploy after the critical lag changed (500 alarms rewritten), and the removal.

use super::{admin, serve_with, TARGET};
use drs_core::monitoring;
use drs_core::readiness::Thresholds;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

struct Moto(std::process::Child);

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn moto() -> Option<(Moto, String)> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .ok()?
        .local_addr()
        .ok()?
        .port();
    let child = Command::new("moto_server")
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let m = Moto(child);
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Some((m, format!("http://127.0.0.1:{port}")));
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    None
}

pub async fn run() {
    let Some((_moto, moto_url)) = moto() else {
        println!("monitoring bench skipped: moto_server is not installed (scripts/install-deps.sh --test)");
        return;
    };
    let (sb, cloud) = serve_with(drs_core::ServiceEndpoints {
        sns: Some(moto_url.clone()),
        events: Some(moto_url.clone()),
        ..Default::default()
    })
    .await;
    let ep = sb.endpoint();
    let servers = cloud.source_servers().await.unwrap();
    let emails = vec!["ops@example.com".to_string()];
    println!(
        "monitoring of {} source servers: CloudWatch in the sandbox, SNS and EventBridge in moto, through the AWS SDK over HTTP",
        servers.len()
    );
    let mut thresholds = Thresholds::default();
    for round in [
        "first deploy",
        "status (in place)",
        "deploy after the critical lag changed",
        "remove",
    ] {
        if round == "deploy after the critical lag changed" {
            thresholds.critical_lag_seconds += 900;
        }
        admin(&ep, "POST", "/_sandbox/stats/clear").await;
        let start = Instant::now();
        let desired = monitoring::desired(TARGET, &servers, &thresholds, &emails);
        let observed = cloud.monitoring(&desired.topic).await.unwrap();
        let mut calls_made = 0usize;
        let changes = match round {
            "remove" => monitoring::removal(&observed),
            "status (in place)" => {
                let c = monitoring::changes(&desired, &observed);
                assert!(c.is_empty(), "in place: {c:?}");
                c
            }
            _ => monitoring::changes(&desired, &observed),
        };
        let mut topic = observed.topic_arn.clone();
        for c in &changes {
            cloud
                .change_monitoring(&desired, c, &mut topic)
                .await
                .unwrap();
            calls_made += 1;
        }
        let took = start.elapsed();
        let stats = admin(&ep, "GET", "/_sandbox/stats").await;
        let cw: Vec<String> = stats["calls"]
            .as_object()
            .map(|m| {
                m.iter()
                    .filter(|(op, _)| op.starts_with("cloudwatch:"))
                    .map(|(op, n)| format!("{} {n}", op.trim_start_matches("cloudwatch:")))
                    .collect()
            })
            .unwrap_or_default();
        println!(
            "{round}: {} change(s) in {:.2} s ({:.1} ms a change); CloudWatch calls: {}",
            calls_made,
            took.as_secs_f64(),
            if calls_made > 0 {
                took.as_secs_f64() * 1000.0 / calls_made as f64
            } else {
                0.0
            },
            if cw.is_empty() {
                "none".to_string()
            } else {
                cw.join(", ")
            }
        );
    }
}
