//! Reprotect and failback of a whole plan on the sandbox through the real SDK clients, measured
//! (not asserted).
//!
//! `cargo bench -p drs-aws --bench drill -- failback` sets up an estate of N servers (40, then
//! 500) replicating from us-east-1 to us-west-2, each with its original instance stopped and
//! tagged in us-east-1, recovers it (not measured), then measures:
//! - **reprotect**: `ReverseReplication` for every recovery instance, followed to continuous
//!   replication of every failback source server;
//! - **failback**: every wave's recovery instances stopped, the lag awaited, launch-into set,
//!   launched into the original instances and checked.
//!
//! For each it prints the AWS calls by operation (the sandbox's counts) and per server, the
//! journal writes, and the **engine time**: the real time spent inside the engine's ticks (its
//! own work, AWS round trips included), against the wall time of the phase, whose rest is
//! waiting on the simulated clock (time scale 3600: a simulated hour per second).

use drs_core::cloud::Cloud;
use drs_core::execution::{
    self, Clock, Control, Direction, DriveOptions, Engine, Event, Execution, ExecutionKind,
    Journal, JournalError,
};
use drs_core::failback;
use drs_core::group::{ProtectionGroup, Selector};
use drs_core::plan::{RecoveryPlan, Wave};
use drs_core::readiness::Thresholds;
use drs_sandbox::scenario::{self, InstanceSpec, Scenario, ServerSpec};
use drs_sandbox::SandboxConfig;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::TARGET;

const SCALE: f64 = 3600.0;

#[derive(Default)]
struct MemoryJournal {
    writes: Mutex<u64>,
}

impl Journal for MemoryJournal {
    fn record(&self, _e: &Execution, _event: &Event) -> Result<(), JournalError> {
        *self.writes.lock().unwrap() += 1;
        Ok(())
    }
    fn control(&self, _id: &str) -> Result<Control, JournalError> {
        Ok(Control::default())
    }
}

/// `n` servers replicating from us-east-1, originals stopped and tagged there.
fn estate(n: usize) -> Scenario {
    let mut sc = Scenario::retail();
    sc.source_servers.clear();
    sc.instances.clear();
    sc.hosted_zones.clear();
    for i in 0..n {
        let origin = format!("i-0b{i:015x}");
        sc.source_servers.push(ServerSpec {
            account: scenario::RETAIL_PROD_ACCOUNT.into(),
            region: "us-west-2".into(),
            id: Some(format!("s-{:017x}", 0x7b0_0000_0000_u64 + i as u64)),
            name: format!("fb-{i:04}"),
            hostname: None,
            replication_state: "CONTINUOUS".into(),
            lag: "PT3S".into(),
            last_seen_seconds_ago: 3,
            replication_error: None,
            raw_error: None,
            tags: BTreeMap::from([("Wave".to_string(), (i % 5).to_string())]),
            origin_instance_id: Some(origin.clone()),
            origin_region: Some("us-east-1".into()),
            instance_type: "m5.large".into(),
            os: "Linux".into(),
            architecture: "x86_64".into(),
        });
        sc.instances.push(InstanceSpec {
            account: scenario::RETAIL_PROD_ACCOUNT.into(),
            region: "us-east-1".into(),
            id: Some(origin),
            name: Some(format!("fb-{i:04}")),
            state: "stopped".into(),
            instance_type: "m5.large".into(),
            private_ip: None,
            subnet_id: None,
            architecture: "x86_64".into(),
            platform: "Linux/UNIX".into(),
            boot_mode: "legacy-bios".into(),
            root_device_type: "ebs".into(),
            tags: BTreeMap::from([(
                "AWSDRS".to_string(),
                "AllowLaunchingIntoThisInstance".to_string(),
            )]),
        });
    }
    sc
}

fn plan() -> (RecoveryPlan, Vec<ProtectionGroup>) {
    let groups: Vec<ProtectionGroup> = (0..5)
        .map(|w| ProtectionGroup {
            name: format!("wave-{w}"),
            target: TARGET.into(),
            selector: Selector::Tags(BTreeMap::from([("Wave".to_string(), w.to_string())])),
            ..Default::default()
        })
        .collect();
    let plan = RecoveryPlan {
        name: "homecoming".into(),
        failback_order: None,
        rto_target_minutes: Some(240),
        waves: (0..5)
            .map(|w| Wave {
                name: format!("wave-{w}"),
                groups: vec![format!("wave-{w}")],
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    };
    (plan, groups)
}

struct Phase {
    e: Execution,
    wall: Duration,
    in_ticks: Duration,
    ticks: u64,
    writes: u64,
    calls: BTreeMap<String, u64>,
}

/// Drives `e` to its end tick by tick, timing the ticks.
async fn run(
    e: Execution,
    clouds: &execution::Clouds,
    options: &DriveOptions,
    clock: &dyn Clock,
    endpoint: &str,
) -> Phase {
    super::admin(endpoint, "POST", "/_sandbox/stats/clear").await;
    let journal = MemoryJournal::default();
    let mut engine = Engine::new(clouds, &journal, clock, options);
    let mut e = e;
    let start = Instant::now();
    let mut in_ticks = Duration::ZERO;
    let mut ticks = 0;
    loop {
        let t = Instant::now();
        let out = engine.tick(&mut e).await.unwrap();
        in_ticks += t.elapsed();
        ticks += 1;
        if out.ended {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(600),
            "stuck: {}",
            e.status.as_str()
        );
        tokio::time::sleep(
            clock
                .real(out.next_in)
                .clamp(Duration::from_millis(5), options.tick),
        )
        .await;
    }
    let stats = super::admin(endpoint, "GET", "/_sandbox/stats").await;
    let calls = stats["calls"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_u64().unwrap_or(0)))
                .collect()
        })
        .unwrap_or_default();
    let writes = *journal.writes.lock().unwrap();
    Phase {
        e,
        wall: start.elapsed(),
        in_ticks,
        ticks,
        writes,
        calls,
    }
}

fn print(name: &str, n: usize, p: &Phase) {
    let total: u64 = p.calls.values().sum();
    println!(
        "  {name}: {} in {:.1} s wall ({} ticks; engine {:.2} s = {:.0} ms per 100 servers); {} AWS calls ({:.2} per server); {} journal writes",
        p.e.status.as_str(),
        p.wall.as_secs_f64(),
        p.ticks,
        p.in_ticks.as_secs_f64(),
        p.in_ticks.as_secs_f64() * 1000.0 * 100.0 / n as f64,
        total,
        total as f64 / n as f64,
        p.writes
    );
    let ops: Vec<String> = p.calls.iter().map(|(k, v)| format!("{k} {v}")).collect();
    println!("    {}", ops.join(", "));
}

async fn one(n: usize) {
    let (sb, cloud) = super::serve(SandboxConfig {
        scenario: estate(n),
        time_scale: SCALE,
        ..Default::default()
    })
    .await;
    let ep = sb.endpoint();
    let clock = super::clock(&ep).await;
    let (plan, groups) = plan();
    let servers = cloud.source_servers().await.unwrap();
    let pool = BTreeMap::from([(TARGET.to_string(), servers.clone())]);
    let forward: execution::Clouds = BTreeMap::from([(TARGET.to_string(), cloud.clone())]);
    let origin: Arc<dyn Cloud> = cloud.reversed().unwrap();
    let back: execution::Clouds = BTreeMap::from([(TARGET.to_string(), origin.clone())]);
    let mut options = DriveOptions::for_groups(&groups);
    options.tick = Duration::from_millis(100);
    // The recovery (not measured).
    let now = execution::rfc3339(clock.now());
    let recovery = execution::prepare(
        "recovery",
        &plan,
        1,
        &groups,
        &pool,
        ExecutionKind::Recovery,
        "bench",
        &now,
        false,
    )
    .unwrap();
    let recovered = run(recovery, &forward, &options, &clock, &ep).await.e;
    assert_eq!(recovered.counts().0, n, "every server recovered");
    println!("{n} servers in 5 waves, us-east-1 → us-west-2 and back, time scale {SCALE}x, through the AWS SDK over HTTP");
    // Reprotect.
    let reprotect = failback::reprotect_execution(
        "reprotect",
        &recovered,
        Direction::Failback,
        "bench",
        &execution::rfc3339(clock.now()),
    );
    let rp = run(reprotect, &forward, &options, &clock, &ep).await;
    assert_eq!(rp.e.counts().0, n, "every server replicating back");
    print("reprotect", n, &rp);
    // Failback readiness as the app reads it, then the failback.
    let fwd = cloud.source_servers().await.unwrap();
    let back_servers = origin.source_servers().await.unwrap();
    let originals: Vec<String> = fwd
        .iter()
        .filter_map(|s| s.origin_instance_id.clone())
        .collect();
    let originals = origin.instances(&originals).await.unwrap();
    let rec = failback::recovered(&recovered, Some(&rp.e));
    let readiness = failback::assess(
        "homecoming",
        "recovery",
        Some("reprotect"),
        &rec,
        &fwd,
        &back_servers,
        &originals,
        &[],
        &Thresholds::default(),
        failback::OriginalChoice::Require,
        &execution::rfc3339(clock.now()),
    );
    assert!(readiness.ready, "{:?}", readiness.findings.first());
    let setup = execution::prepare(
        "failback",
        &plan,
        1,
        &groups,
        &BTreeMap::from([(TARGET.to_string(), fwd)]),
        ExecutionKind::Recovery,
        "bench",
        &execution::rfc3339(clock.now()),
        false,
    )
    .unwrap();
    let fb = failback::failback_execution(setup, &readiness, Default::default(), 60, false);
    let mut fb_options = options.clone();
    fb_options.launch_into_groups = fb.servers().map(|s| s.group.clone()).collect();
    let done = run(fb, &back, &fb_options, &clock, &ep).await;
    let into_original = done
        .e
        .servers()
        .filter(|s| s.ec2_instance_id.is_some() && s.ec2_instance_id == s.expected_instance_id)
        .count();
    assert_eq!(
        into_original, n,
        "every server back in its original instance"
    );
    print("failback", n, &done);
}

/// The failback benchmark.
pub async fn run_all() {
    for n in [40, 500] {
        one(n).await;
    }
}
