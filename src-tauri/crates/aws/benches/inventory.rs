//! Inventory at scale and sandbox throughput, measured (not asserted).
//!
//! `cargo bench -p drs-aws --bench inventory` prints:
//! - the wall time and API call count of a full inventory (DescribeSourceServers + recovery-region
//!   DescribeInstances, all pages, through the real SDK clients over loopback HTTP) of a generated
//!   estate of 4,000 source servers and 10,000 EC2 instances, best and median of 5 runs;
//! - sandbox requests per second: 8 concurrent SDK callers issuing DRS DescribeJobs (a small
//!   restJson1 call) for 3 seconds, and the same with an EC2 DescribeInstances filter that scans
//!   all 10,000 instances and matches none;
//! - a full readiness check (evidence gathered through the SDK, then judged) of a plan covering
//!   all 4,000 servers, with the API calls it costs, best and median of 3 runs.

#![allow(clippy::expect_used, clippy::unwrap_used, missing_docs)]

use drs_aws::{AwsCloud, CredentialSpec, TargetConnection};
use drs_core::cloud::Cloud;
use drs_core::group::{LaunchMode, LaunchSettings, ProtectionGroup, Selector};
use drs_core::plan::{RecoveryPlan, Wave};
use drs_core::readiness::{self, Thresholds};
use drs_sandbox::scenario::{self, GenerateSpec, Scenario};
use drs_sandbox::SandboxConfig;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn keys() -> CredentialSpec {
    CredentialSpec::Static {
        access_key_id: scenario::RETAIL_PROD_KEY.into(),
        secret_access_key: "x".into(),
        session_token: None,
    }
}

/// The sandbox's admin token here.
const ADMIN_TOKEN: &str = "bench";

async fn stats(endpoint: &str) -> serde_json::Value {
    let url = format!("{endpoint}/_sandbox/stats?token={ADMIN_TOKEN}");
    tokio::task::spawn_blocking(move || {
        ureq::get(&url)
            .call()
            .unwrap()
            .body_mut()
            .read_json()
            .unwrap()
    })
    .await
    .unwrap()
}

async fn reset(endpoint: &str) {
    let url = format!("{endpoint}/_sandbox/reset?token={ADMIN_TOKEN}");
    tokio::task::spawn_blocking(move || ureq::post(&url).send("").unwrap())
        .await
        .unwrap();
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let mut scenario = Scenario::retail();
    scenario.source_servers.clear();
    scenario.instances.clear();
    scenario.generate = Some(GenerateSpec {
        account: scenario::RETAIL_PROD_ACCOUNT.into(),
        region: "us-west-2".into(),
        source_servers: 4_000,
        instances: 10_000,
    });
    let sandbox = drs_sandbox::start(SandboxConfig {
        scenario,
        admin_token: Some(ADMIN_TOKEN.into()),
        ..Default::default()
    })
    .await
    .unwrap();
    let ep = sandbox.endpoint();
    let cloud = AwsCloud::connect(TargetConnection {
        target: "bench".into(),
        recovery_region: "us-west-2".into(),
        origin_region: Some("us-east-1".into()),
        endpoint_url: Some(ep.clone()),
        endpoints: Default::default(),
        credentials: keys(),
    })
    .await
    .unwrap();

    let mut times = Vec::new();
    let mut calls = 0;
    for _ in 0..5 {
        reset(&ep).await;
        let t = Instant::now();
        let (s, i) = tokio::join!(cloud.source_servers(), cloud.recovery_instances_ec2());
        let elapsed = t.elapsed();
        assert_eq!(s.unwrap().len(), 4_000);
        assert_eq!(i.unwrap().len(), 10_000);
        times.push(elapsed);
        calls = stats(&ep).await["total"].as_u64().unwrap();
    }
    times.sort();
    println!(
        "inventory of 4,000 source servers + 10,000 instances: best {:?}, median {:?} over 5 runs; {calls} API calls per inventory",
        times[0], times[2]
    );

    for (label, op) in [
        ("drs:DescribeJobs", 0),
        (
            "ec2:DescribeInstances (a filter scanning 10,000 instances, no match)",
            1,
        ),
    ] {
        reset(&ep).await;
        let deadline = Instant::now() + Duration::from_secs(3);
        let mut tasks = Vec::new();
        for _ in 0..8 {
            let c = cloud.clone();
            tasks.push(tokio::spawn(async move {
                let mut n = 0u64;
                while Instant::now() < deadline {
                    if op == 0 {
                        c.bench_describe_jobs().await;
                    } else {
                        c.bench_describe_one_instance().await;
                    }
                    n += 1;
                }
                n
            }));
        }
        let mut total = 0;
        for t in tasks {
            total += t.await.unwrap();
        }
        println!(
            "sandbox throughput, {label}: {:.0} requests/s (8 concurrent SDK callers, 3 s)",
            total as f64 / 3.0
        );
    }

    // A full readiness check of a plan covering all 4,000 servers (four launch-into groups by
    // tier): wall time and the API calls it costs.
    let tiers = ["web", "app", "db", "cache"];
    let groups: Vec<ProtectionGroup> = tiers
        .iter()
        .map(|t| ProtectionGroup {
            name: format!("gen-{t}"),
            target: "bench".into(),
            selector: Selector::Tags(BTreeMap::from([("Tier".to_string(), t.to_string())])),
            launch: LaunchSettings {
                launch_mode: LaunchMode::PreProvisioned,
                ..Default::default()
            },
            ..Default::default()
        })
        .collect();
    let plan = RecoveryPlan {
        name: "bench".into(),
        failback_order: None,
        rto_target_minutes: Some(120),
        waves: tiers
            .iter()
            .map(|t| Wave {
                name: t.to_string(),
                groups: vec![format!("gen-{t}")],
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    };
    let shared: Arc<dyn Cloud> = Arc::new(cloud.clone());
    let clouds = BTreeMap::from([("bench".to_string(), Ok(shared))]);
    let mut times = Vec::new();
    let mut calls = serde_json::Value::Null;
    for _ in 0..3 {
        reset(&ep).await;
        let t = Instant::now();
        let ev = readiness::gather(
            &plan,
            &groups,
            &clouds,
            BTreeMap::new(),
            "2026-11-26T10:00:00Z".into(),
        )
        .await;
        let r = readiness::assess(&plan, &groups, &ev, &Thresholds::default());
        times.push(t.elapsed());
        assert_eq!(r.servers, 4_000);
        calls = stats(&ep).await["calls"].clone();
    }
    times.sort();
    println!(
        "readiness of a 4,000-server plan (gather + assess, 16 launch-configuration reads in flight): best {:?}, median {:?} over 3 runs; API calls per check: {calls}",
        times[0], times[1]
    );
}
