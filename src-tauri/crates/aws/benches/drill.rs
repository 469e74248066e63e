//! A 500-server, 5-wave drill on the sandbox, measured (not asserted).
//!
//! `cargo bench -p drs-aws --bench drill` prints:
//! - orchestration overhead: the execution's wall time against the critical path of the
//!   sandbox's simulated job durations (per wave, first job start to last server launch, read
//!   from the job logs and divided by the time scale), as a ratio;
//! - the DRS and EC2 API calls the drill cost, by operation;
//! - time to resume: the engine is stopped mid-wave (its future dropped, as a kill would), and a
//!   new engine is started from the journal's last state; measured to its first completed tick
//!   (jobs found again by their tags, nothing started twice).

#![allow(clippy::expect_used, clippy::unwrap_used, missing_docs)]

use drs_aws::{AwsCloud, CredentialSpec, TargetConnection};
use drs_core::cloud::Cloud;
use drs_core::execution::{self, Control, DriveOptions, Execution, ExecutionKind, Journal};
use drs_core::group::{ProtectionGroup, Selector};
use drs_core::plan::{RecoveryPlan, Wave};
use drs_sandbox::scenario::{self, GenerateSpec, Scenario};
use drs_sandbox::SandboxConfig;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const SCALE: f64 = 300.0;

#[derive(Default)]
struct MemoryJournal {
    last: Mutex<Option<Execution>>,
}

impl Journal for MemoryJournal {
    fn record(&self, e: &Execution, _event: &str) -> Result<(), String> {
        *self.last.lock().unwrap() = Some(e.clone());
        Ok(())
    }
    fn control(&self, _id: &str) -> Result<Control, String> {
        Ok(Control::default())
    }
}

fn rfc(s: &str) -> time::OffsetDateTime {
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).unwrap()
}

async fn stats(endpoint: &str) -> serde_json::Value {
    let url = format!("{endpoint}/_sandbox/stats");
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
    let url = format!("{endpoint}/_sandbox/reset");
    tokio::task::spawn_blocking(move || ureq::post(&url).send("").unwrap())
        .await
        .unwrap();
}

fn setup() -> (RecoveryPlan, Vec<ProtectionGroup>) {
    let groups: Vec<ProtectionGroup> = (0..5u64)
        .map(|w| ProtectionGroup {
            name: format!("wave-{w}"),
            target: "bench".into(),
            selector: Selector::SourceServerIds(
                (w * 100..(w + 1) * 100)
                    .map(|i| format!("s-{:017x}", 0x6e0_0000_0000_u64 + i))
                    .collect(),
            ),
            ..Default::default()
        })
        .collect();
    let plan = RecoveryPlan {
        name: "bench".into(),
        rto_target_minutes: Some(240),
        waves: (0..5)
            .map(|w| Wave {
                name: format!("wave-{w}"),
                groups: vec![format!("wave-{w}")],
                depends_on: if w == 0 {
                    vec![]
                } else {
                    vec![format!("wave-{}", w - 1)]
                },
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    };
    (plan, groups)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let mut sc = Scenario::retail();
    sc.source_servers.clear();
    sc.instances.clear();
    sc.generate = Some(GenerateSpec {
        account: scenario::RETAIL_PROD_ACCOUNT.into(),
        region: "us-west-2".into(),
        source_servers: 500,
        instances: 500,
    });
    let sandbox = drs_sandbox::start(SandboxConfig {
        scenario: sc,
        time_scale: SCALE,
        ..Default::default()
    })
    .await
    .unwrap();
    let ep = sandbox.endpoint();
    let cloud: Arc<dyn Cloud> = Arc::new(
        AwsCloud::connect(TargetConnection {
            target: "bench".into(),
            recovery_region: "us-west-2".into(),
            endpoint_url: Some(ep.clone()),
            credentials: CredentialSpec::Static {
                access_key_id: scenario::RETAIL_PROD_KEY.into(),
                secret_access_key: "x".into(),
                session_token: None,
            },
        })
        .await
        .unwrap(),
    );
    let clouds: execution::Clouds = BTreeMap::from([("bench".to_string(), Arc::clone(&cloud))]);
    let (plan, groups) = setup();
    let options = DriveOptions {
        tick: Duration::from_millis(250),
        launch_into_groups: Default::default(),
        drill_networks: Default::default(),
    };
    let now = || {
        time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap()
    };

    // 1. A whole drill.
    reset(&ep).await;
    let servers = BTreeMap::from([("bench".to_string(), cloud.source_servers().await.unwrap())]);
    let e = execution::prepare(
        "bench-1",
        &plan,
        1,
        &groups,
        &servers,
        ExecutionKind::Drill,
        "bench",
        &now(),
        true,
    )
    .unwrap();
    let journal = MemoryJournal::default();
    let t = Instant::now();
    let e = execution::drive(e, &clouds, &journal, &options, false)
        .await
        .unwrap();
    let wall = t.elapsed();
    assert_eq!(e.counts().0, 500);
    // Critical path: per wave, first server snapshot start → last launch end, simulated.
    let mut critical = 0.0;
    for w in &e.waves {
        let starts = w
            .servers
            .iter()
            .filter_map(|s| s.steps.iter().find(|x| x.event == "SNAPSHOT_START"))
            .map(|x| rfc(&x.at));
        let ends = w
            .servers
            .iter()
            .filter_map(|s| s.steps.iter().find(|x| x.event == "LAUNCH_END"))
            .map(|x| rfc(&x.at));
        let (Some(a), Some(b)) = (starts.min(), ends.max()) else {
            continue;
        };
        critical += (b - a).as_seconds_f64() / SCALE;
    }
    let s = stats(&ep).await;
    println!(
        "500-server, 5-wave drill (time scale {SCALE}x, tick 250 ms): wall {:.1} s incl. cleanup; critical path of simulated jobs {:.1} s; overhead ratio {:.2}",
        wall.as_secs_f64(),
        critical,
        wall.as_secs_f64() / critical
    );
    println!("API calls of the drill: {}", s["calls"]);

    // 2. Resume after a "kill" mid-drill.
    reset(&ep).await;
    let e = execution::prepare(
        "bench-2",
        &plan,
        1,
        &groups,
        &servers,
        ExecutionKind::Drill,
        "bench",
        &now(),
        true,
    )
    .unwrap();
    let journal = MemoryJournal::default();
    let _ = tokio::time::timeout(
        Duration::from_secs(4),
        execution::drive(e, &clouds, &journal, &options, false),
    )
    .await;
    let last = journal.last.lock().unwrap().clone().unwrap();
    let before = stats(&ep).await["calls"]["drs:StartRecovery"]
        .as_u64()
        .unwrap_or(0);
    let t = Instant::now();
    let resumed = execution::drive(last.clone(), &clouds, &journal, &options, true);
    // Time to the first completed tick of the new engine.
    let probe = async {
        loop {
            if journal.last.lock().unwrap().as_ref() != Some(&last) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    };
    tokio::select! {
        _ = resumed => {}
        _ = probe => {}
        _ = tokio::time::sleep(Duration::from_secs(30)) => {}
    }
    let resume_time = t.elapsed();
    let after = stats(&ep).await["calls"]["drs:StartRecovery"]
        .as_u64()
        .unwrap_or(0);
    println!(
        "resume after a kill in wave {}: first tick after {:?}; StartRecovery calls by the resumed engine's first tick: {}",
        last.waves.iter().position(|w| w.status == execution::WaveStatus::Running).unwrap_or(0),
        resume_time,
        after - before
    );
}
