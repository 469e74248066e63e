//! A 500-server, 5-wave drill on the sandbox through the real SDK clients, measured (not
//! asserted), side by side with a replay of the platform this replaces (one untagged job per
//! wave, DescribeJobs every 30 s).
//!
//! `cargo bench -p drs-aws --bench drill` prints, for each:
//! - **overhead to the last launch**: time from the start to the last server's launch (EC2
//!   launch times, on the sandbox's simulated clock) minus the critical path (per wave, from its
//!   first job's creation to its last launch, as DRS and EC2 report them), as a share of the
//!   critical path;
//! - **DRS calls** for the whole drill (cleanup included), by operation;
//! - **first StartRecovery**: real time from the start of the engine to its first
//!   `StartRecovery`;
//! - under **30 % throttling and 5 % 5xx**: 12 drills, how many completed with their cleanup
//!   verified and how many drill instances were left, and the first-StartRecovery latency;
//! - the time to **resume** after the engine is dropped mid-wave (as a kill would).
//! - with `-- steps`: wave steps instead (see `support/steps.rs`);
//! - with `-- failback`: reprotect and failback of 40 and 500 servers (`support/failback.rs`);
//! - with `-- native`: publishing the plan to DRS's own recovery plans and following DRS's
//!   drill of it (`support/native.rs`);
//! - with `-- monitoring`: `monitoring deploy` of 500 servers (`support/monitoring.rs`).
//!
//! Launch configurations are read once before the start, as the readiness check does, and
//! given to the engine (as the app does); those reads are reported separately.

#![allow(clippy::expect_used, clippy::unwrap_used, missing_docs)]

#[path = "support/steps.rs"]
mod steps;

#[path = "support/failback.rs"]
mod failback_bench;

#[path = "support/native.rs"]
mod native_bench;

#[path = "support/monitoring.rs"]
mod monitoring_bench;

use drs_aws::{AwsCloud, CredentialSpec, TargetConnection};
use drs_core::cloud::Cloud;
use drs_core::execution::{
    self, Clock, Control, DriveOptions, Event, Execution, ExecutionKind, ExecutionStatus, Journal,
    JournalError, ScaledClock,
};
use drs_core::group::{ProtectionGroup, Selector};
use drs_core::jobs::JobStatus;
use drs_core::plan::{RecoveryPlan, Wave};
use drs_sandbox::scenario::{self, GenerateSpec, Scenario};
use drs_sandbox::{FaultConfig, SandboxConfig};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const SCALE: f64 = 300.0;
const TARGET: &str = "bench";

/// The journal in memory, noting when the first batch was written down.
struct MemoryJournal {
    last: Mutex<Option<Execution>>,
    first_batch: Mutex<Option<Instant>>,
}

impl MemoryJournal {
    fn new() -> Self {
        Self {
            last: Mutex::new(None),
            first_batch: Mutex::new(None),
        }
    }
}

impl Journal for MemoryJournal {
    fn record(&self, e: &Execution, event: &Event) -> Result<(), JournalError> {
        if matches!(event, Event::BatchAdmitted { .. }) {
            self.first_batch
                .lock()
                .unwrap()
                .get_or_insert(Instant::now());
        }
        *self.last.lock().unwrap() = Some(e.clone());
        Ok(())
    }
    fn control(&self, _id: &str) -> Result<Control, JournalError> {
        Ok(Control::default())
    }
}

fn rfc(s: &str) -> time::OffsetDateTime {
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).unwrap()
}

/// The sandboxes' admin token here (a fixed one: the benchmark starts several).
const ADMIN_TOKEN: &str = "bench";

async fn admin(endpoint: &str, method: &str, path: &str) -> serde_json::Value {
    let url = format!("{endpoint}{path}?token={ADMIN_TOKEN}");
    let method = method.to_string();
    tokio::task::spawn_blocking(move || {
        let mut r = if method == "POST" {
            ureq::post(&url).send("").unwrap()
        } else {
            ureq::get(&url).call().unwrap()
        };
        r.body_mut().read_json().unwrap_or_default()
    })
    .await
    .unwrap()
}

fn drs_calls(stats: &serde_json::Value) -> (u64, BTreeMap<String, u64>) {
    let mut by_op = BTreeMap::new();
    let mut total = 0;
    if let Some(calls) = stats["calls"].as_object() {
        for (op, n) in calls {
            let n = n.as_u64().unwrap_or(0);
            if op.starts_with("drs:") {
                total += n;
            }
            by_op.insert(op.clone(), n);
        }
    }
    (total, by_op)
}

fn setup() -> (RecoveryPlan, Vec<ProtectionGroup>) {
    let groups: Vec<ProtectionGroup> = (0..5u64)
        .map(|w| ProtectionGroup {
            name: format!("wave-{w}"),
            target: TARGET.into(),
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
        failback_order: None,
        rto_target_minutes: Some(240),
        waves: (0..5)
            .map(|w| Wave {
                name: format!("wave-{w}"),
                groups: vec![format!("wave-{w}")],
                // No dependsOn: each wave waits for the one before it.
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    };
    (plan, groups)
}

/// Per wave: (first job created, last launch), summed; and the start → last launch span.
fn critical_path(waves: &[(time::OffsetDateTime, time::OffsetDateTime)]) -> f64 {
    waves.iter().map(|(a, b)| (*b - *a).as_seconds_f64()).sum()
}

struct Measured {
    to_last_launch: f64,
    critical: f64,
    drs: u64,
    by_op: BTreeMap<String, u64>,
}

impl Measured {
    fn overhead(&self) -> f64 {
        (self.to_last_launch - self.critical) / self.critical * 100.0
    }
}

async fn sandbox(faults: FaultConfig) -> (drs_sandbox::RunningSandbox, Arc<dyn Cloud>) {
    sandbox_with(faults, Default::default()).await
}

/// The 500-server sandbox with these endpoints of single services (monitoring's peers).
async fn serve_with(
    endpoints: drs_core::ServiceEndpoints,
) -> (drs_sandbox::RunningSandbox, Arc<dyn Cloud>) {
    sandbox_with(FaultConfig::default(), endpoints).await
}

async fn sandbox_with(
    faults: FaultConfig,
    endpoints: drs_core::ServiceEndpoints,
) -> (drs_sandbox::RunningSandbox, Arc<dyn Cloud>) {
    let mut sc = Scenario::retail();
    sc.source_servers.clear();
    sc.instances.clear();
    sc.generate = Some(GenerateSpec {
        account: scenario::RETAIL_PROD_ACCOUNT.into(),
        region: "us-west-2".into(),
        source_servers: 500,
        instances: 500,
    });
    serve_endpoints(
        SandboxConfig {
            scenario: sc,
            time_scale: SCALE,
            faults,
            ..Default::default()
        },
        endpoints,
    )
    .await
}

/// A sandbox with the benchmarks' admin token, and the Cloud port over the SDK pointed at it.
async fn serve(config: SandboxConfig) -> (drs_sandbox::RunningSandbox, Arc<dyn Cloud>) {
    serve_endpoints(config, Default::default()).await
}

async fn serve_endpoints(
    config: SandboxConfig,
    endpoints: drs_core::ServiceEndpoints,
) -> (drs_sandbox::RunningSandbox, Arc<dyn Cloud>) {
    let sb = drs_sandbox::start(SandboxConfig {
        admin_token: Some(ADMIN_TOKEN.into()),
        ..config
    })
    .await
    .unwrap();
    let cloud: Arc<dyn Cloud> = Arc::new(
        AwsCloud::connect(TargetConnection {
            target: TARGET.into(),
            recovery_region: "us-west-2".into(),
            origin_region: Some("us-east-1".into()),
            endpoint_url: Some(sb.endpoint()),
            endpoints,
            credentials: CredentialSpec::Static {
                access_key_id: scenario::RETAIL_PROD_KEY.into(),
                secret_access_key: "x".into(),
                session_token: None,
            },
        })
        .await
        .unwrap(),
    );
    (sb, cloud)
}

async fn clock(endpoint: &str) -> ScaledClock {
    let c = admin(endpoint, "GET", "/_sandbox/clock").await;
    ScaledClock::new(
        rfc(c["now"].as_str().unwrap()),
        c["timeScale"].as_f64().unwrap(),
    )
}

/// One drill by the engine; returns its last state, the measures, and the real time to the
/// first batch.
async fn engine_drill(
    cloud: &Arc<dyn Cloud>,
    endpoint: &str,
    id: &str,
) -> (Execution, Measured, Duration, u64) {
    let (plan, groups) = setup();
    admin(endpoint, "POST", "/_sandbox/reset").await;
    let servers = cloud.source_servers().await.unwrap();
    eprintln!("    read {} servers", servers.len());
    // The readiness check's reads (16 at a time, as it does), given to the engine as the app
    // does.
    use futures::stream::{self, StreamExt};
    let reads: Vec<_> = stream::iter(servers.iter().map(|s| {
        let cloud = Arc::clone(cloud);
        let id = s.id.clone();
        async move { (id.clone(), cloud.launch_configuration(&id).await) }
    }))
    .buffer_unordered(16)
    .collect()
    .await;
    let preread: BTreeMap<_, _> = reads
        .into_iter()
        .filter_map(|(id, r)| r.ok().map(|lc| (id, lc)))
        .collect();
    let readiness_reads = drs_calls(&admin(endpoint, "GET", "/_sandbox/stats").await).0;
    admin(endpoint, "POST", "/_sandbox/stats/clear").await;
    let clock = clock(endpoint).await;
    let pool = BTreeMap::from([(TARGET.to_string(), servers)]);
    let now = execution::rfc3339(clock.now());
    let e = execution::prepare(
        id,
        &plan,
        1,
        &groups,
        &pool,
        ExecutionKind::Drill,
        "bench",
        &now,
        true,
    )
    .unwrap();
    let mut options = DriveOptions::for_groups(&groups);
    options.tick = Duration::from_millis(250);
    options.preread = Some((now, preread));
    let clouds: execution::Clouds = BTreeMap::from([(TARGET.to_string(), Arc::clone(cloud))]);
    let journal = MemoryJournal::new();
    eprintln!("    driving");
    let t = Instant::now();
    let driven = tokio::time::timeout(
        Duration::from_secs(300),
        execution::drive(e, &clouds, &journal, &clock, &options, false),
    )
    .await;
    let e = match driven {
        Ok(r) => r.unwrap(),
        Err(_) => {
            let last = journal.last.lock().unwrap().clone().unwrap();
            eprintln!(
                "STUCK after 300 s: status {}, waves {:?}, open batches {:?}, cleanup {} {:?}, retries {:?}, last tick {:?}",
                last.status.as_str(),
                last.waves.iter().map(|w| (w.name.clone(), w.status)).collect::<Vec<_>>(),
                last.batches.iter().filter(|b| !b.done).map(|b| (b.key.clone(), b.job_id.clone(), b.uncertain)).collect::<Vec<_>>(),
                last.cleanup.status,
                last.cleanup.items.iter().map(|i| (i.state, i.action)).collect::<Vec<_>>(),
                last.retries(),
                last.last_tick_at
            );
            std::process::exit(1);
        }
    };
    eprintln!(
        "    {} in {:.0} s",
        e.status.as_str(),
        t.elapsed().as_secs_f64()
    );
    let first = journal
        .first_batch
        .lock()
        .unwrap()
        .map(|f| f - t)
        .unwrap_or_default();
    let stats = admin(endpoint, "GET", "/_sandbox/stats").await;
    let (drs, by_op) = drs_calls(&stats);
    let start = rfc(&e.started_at);
    let mut waves = Vec::new();
    let mut last = start;
    for w in &e.waves {
        let created = e
            .batches
            .iter()
            .filter(|b| b.wave == w.name)
            .filter_map(|b| b.job_created_at.as_deref().map(rfc))
            .min();
        let launched = w
            .servers
            .iter()
            .filter_map(|s| s.ended_at.as_deref().map(rfc))
            .max();
        if let (Some(a), Some(b)) = (created, launched) {
            waves.push((a, b));
            last = last.max(b);
        }
    }
    (
        e,
        Measured {
            to_last_launch: (last - start).as_seconds_f64(),
            critical: critical_path(&waves),
            drs,
            by_op,
        },
        first,
        readiness_reads,
    )
}

/// The replaced platform's policy: one untagged job per wave, DescribeJobs every 30 s, then a
/// terminate of everything and the same 30 s polling until it ends.
async fn baseline_drill(cloud: &Arc<dyn Cloud>, endpoint: &str) -> Measured {
    let (_, groups) = setup();
    admin(endpoint, "POST", "/_sandbox/reset").await;
    let clock = clock(endpoint).await;
    let poll = Duration::from_secs_f64(30.0 / SCALE);
    let start = clock.now();
    let mut jobs = Vec::new();
    for g in &groups {
        let Selector::SourceServerIds(ids) = &g.selector else {
            continue;
        };
        let job = cloud
            .start_recovery(ids, true, &BTreeMap::new())
            .await
            .unwrap();
        loop {
            tokio::time::sleep(poll).await;
            let j = cloud.jobs(std::slice::from_ref(&job.job_id)).await.unwrap();
            if j.first().is_some_and(|j| j.status == JobStatus::Completed) {
                break;
            }
        }
        jobs.push(job.job_id);
    }
    let ris = cloud.recovery_instances().await.unwrap();
    let ids: Vec<String> = ris.iter().map(|r| r.recovery_instance_id.clone()).collect();
    let mut terminations = Vec::new();
    for chunk in ids.chunks(200) {
        terminations.push(
            cloud
                .terminate_recovery_instances(chunk)
                .await
                .unwrap()
                .job_id,
        );
    }
    loop {
        tokio::time::sleep(poll).await;
        let j = cloud.jobs(&terminations).await.unwrap();
        if j.iter().all(|j| j.status == JobStatus::Completed) {
            break;
        }
    }
    let stats = admin(endpoint, "GET", "/_sandbox/stats").await;
    let (drs, by_op) = drs_calls(&stats);
    // What DRS and EC2 say about the launches (not counted above).
    let done = cloud.jobs(&jobs).await.unwrap();
    let mut waves = Vec::new();
    let mut last = start;
    for j in &done {
        let created = rfc(&j.created);
        let log = cloud.job_log(&j.job_id).await.unwrap();
        let end = log
            .iter()
            .find(|x| x.event == "JOB_END")
            .map(|x| rfc(&x.at))
            .unwrap_or(created);
        // The last launch is at most the job's end; the sandbox ends a job 5 s after it.
        let launched = end - time::Duration::seconds(5);
        waves.push((created, launched));
        last = last.max(launched);
    }
    Measured {
        to_last_launch: (last - start).as_seconds_f64(),
        critical: critical_path(&waves),
        drs,
        by_op,
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    // `cargo test --all-targets` runs bench binaries without `--bench`: the measurement is for
    // `cargo bench` only (the engine is tested elsewhere).
    if !std::env::args().any(|a| a == "--bench") {
        println!("drill bench: run it with cargo bench -p drs-aws --bench drill");
        return;
    }
    // `--bench steps` measures wave steps instead (benches/support/steps.rs).
    if std::env::args().any(|a| a == "steps") {
        steps::run().await;
        return;
    }
    // `--bench failback` measures reprotect and failback (benches/support/failback.rs).
    if std::env::args().any(|a| a == "failback") {
        failback_bench::run_all().await;
        return;
    }
    // `--bench monitoring` measures deploying always-on monitoring for 500 servers.
    if std::env::args().any(|a| a == "monitoring") {
        monitoring_bench::run().await;
        return;
    }
    // `--bench native` measures publishing to DRS's own recovery plans and following its run.
    if std::env::args().any(|a| a == "native") {
        native_bench::run().await;
        return;
    }
    // `--bench faults` runs only the drills under faults.
    let only_faults = std::env::args().any(|a| a == "faults");
    let (sb, cloud) = sandbox(FaultConfig::default()).await;
    let ep = sb.endpoint();
    println!("500 servers in 5 waves of 100 on the sandbox (time scale {SCALE}x), through the AWS SDK over HTTP");
    if !only_faults {
        eprintln!("  the engine's drill…");
        let (e, ours, first, reads) = engine_drill(&cloud, &ep, "bench-1").await;
        eprintln!("  the baseline's drill…");
        assert_eq!(e.counts().0, 500, "every server launched");
        let base = baseline_drill(&cloud, &ep).await;
        println!(
        "engine:   overhead to the last launch {:.2} % of the critical path ({:.0} s of {:.0} s, simulated); {} DRS calls; first StartRecovery {:.0} ms after the start; cleanup {}",
        ours.overhead(),
        ours.to_last_launch - ours.critical,
        ours.critical,
        ours.drs,
        first.as_secs_f64() * 1000.0,
        e.cleanup.status
    );
        println!(
        "baseline: overhead to the last launch {:.2} % of the critical path ({:.0} s of {:.0} s); {} DRS calls",
        base.overhead(),
        base.to_last_launch - base.critical,
        base.critical,
        base.drs
    );
        println!(
        "DRS calls: engine {:.2}x the baseline (before the start, the readiness check read {} launch configurations, given to the engine)",
        ours.drs as f64 / base.drs as f64,
        reads
    );
        println!("  engine calls:   {:?}", ours.by_op);
        println!("  baseline calls: {:?}", base.by_op);
    }
    drop(sb);

    // Under faults: 30 % throttling and 5 % 5xx on every call.
    let (sb, cloud) = sandbox(FaultConfig {
        throttle_rate: 0.3,
        error_rate: 0.05,
        latency_ms: 0,
    })
    .await;
    let ep = sb.endpoint();
    let mut complete = 0;
    let mut left_total = 0;
    let mut firsts = Vec::new();
    let mut overheads = Vec::new();
    for i in 0..12 {
        let t = Instant::now();
        let (e, m, first, _) = engine_drill(&cloud, &ep, &format!("bench-f{i}")).await;
        eprintln!(
            "  drill {i}: {} in {:.0} s, cleanup {}",
            e.status.as_str(),
            t.elapsed().as_secs_f64(),
            e.cleanup.status
        );
        let ours: Vec<String> = e.job_ids();
        let left = cloud
            .recovery_instances()
            .await
            .map(|r| {
                r.iter()
                    .filter(|x| x.job_id.as_ref().is_some_and(|j| ours.contains(j)))
                    .count()
            })
            .unwrap_or(usize::MAX);
        if e.status == ExecutionStatus::Completed && e.cleanup.status == "verified" && left == 0 {
            complete += 1;
        }
        left_total += left;
        firsts.push(first.as_secs_f64() * 1000.0);
        overheads.push(m.overhead());
    }
    firsts.sort_by(f64::total_cmp);
    overheads.sort_by(f64::total_cmp);
    println!(
        "under 30 % throttling + 5 % 5xx: {complete} of 12 drills completed with their cleanup verified; {left_total} drill instances left; first StartRecovery median {:.0} ms (max {:.0} ms); overhead median {:.2} %",
        firsts[firsts.len() / 2],
        firsts[firsts.len() - 1],
        overheads[overheads.len() / 2]
    );
    drop(sb);

    // Resume after a "kill" mid-drill.
    let (sb, cloud) = sandbox(FaultConfig::default()).await;
    let ep = sb.endpoint();
    admin(&ep, "POST", "/_sandbox/reset").await;
    let (plan, groups) = setup();
    let clock = clock(&ep).await;
    let servers = BTreeMap::from([(TARGET.to_string(), cloud.source_servers().await.unwrap())]);
    let e = execution::prepare(
        "bench-k",
        &plan,
        1,
        &groups,
        &servers,
        ExecutionKind::Drill,
        "bench",
        &execution::rfc3339(clock.now()),
        true,
    )
    .unwrap();
    let mut options = DriveOptions::for_groups(&groups);
    options.tick = Duration::from_millis(250);
    let clouds: execution::Clouds = BTreeMap::from([(TARGET.to_string(), Arc::clone(&cloud))]);
    let journal = MemoryJournal::new();
    let _ = tokio::time::timeout(
        Duration::from_secs(3),
        execution::drive(e, &clouds, &journal, &clock, &options, false),
    )
    .await;
    let last = journal.last.lock().unwrap().clone().unwrap();
    let before = admin(&ep, "GET", "/_sandbox/stats").await["calls"]["drs:StartRecovery"]
        .as_u64()
        .unwrap_or(0);
    let t = Instant::now();
    let mut engine = execution::Engine::new(&clouds, &journal, &clock, &options);
    let mut state = last.clone();
    engine.tick(&mut state).await.unwrap();
    let resume_time = t.elapsed();
    let after = admin(&ep, "GET", "/_sandbox/stats").await["calls"]["drs:StartRecovery"]
        .as_u64()
        .unwrap_or(0);
    println!(
        "resume after a kill in wave {}: first tick {:.0} ms; StartRecovery calls in it: {} (batches found again by their tags)",
        last.waves
            .iter()
            .position(|w| w.status == execution::WaveStatus::Running)
            .unwrap_or(0),
        resume_time.as_secs_f64() * 1000.0,
        after - before
    );
    drop(sb);
}
