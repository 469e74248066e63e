//! Wave steps on the sandbox through the real SDK clients (DRS, EC2, SSM, Route 53), measured
//! (not asserted).
//!
//! `cargo bench -p drs-aws --bench drill -- steps` drills one wave (the retail caches, 4 servers) whose
//! after-steps are one of each automated kind — SSM command, SSM automation, Route 53 record,
//! and the four checks — and prints:
//! - **engine overhead after the last launch**: real time from the moment the engine saw the
//!   wave's last launch (its first after-step starting) to the wave's end, with the sandbox's
//!   clock so fast (1 simulated hour per second) that its simulated waits (agents coming
//!   online, commands running, changes going `INSYNC`) cost almost nothing: what is left is the
//!   engine's ticks, journal writes and AWS calls. Also at 60× (the app's default sandbox), where
//!   the simulated waits dominate, for comparison.
//! - **AWS calls per step kind**: as each step counted them, and the sandbox's own counts.

use drs_core::execution::{
    self, Clock, Control, DriveOptions, Event, Execution, ExecutionKind, Journal, JournalError,
};
use drs_core::group::{ProtectionGroup, Selector};
use drs_core::plan::{RecoveryPlan, Wave};
use drs_core::step::{CheckKind, Step, StepKind};
use drs_sandbox::scenario::{self, Scenario};
use drs_sandbox::SandboxConfig;
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::TARGET;

/// The journal in memory, noting when the after-steps started and the wave ended (real time).
#[derive(Default)]
struct MemoryJournal {
    last: Mutex<Option<Execution>>,
    steps_started: Mutex<Option<Instant>>,
    wave_ended: Mutex<Option<Instant>>,
    records: Mutex<u64>,
}

impl Journal for MemoryJournal {
    fn record(&self, e: &Execution, event: &Event) -> Result<(), JournalError> {
        match event {
            Event::StepStarted { .. } => {
                self.steps_started
                    .lock()
                    .unwrap()
                    .get_or_insert(Instant::now());
            }
            Event::WaveEnded { .. } => {
                self.wave_ended
                    .lock()
                    .unwrap()
                    .get_or_insert(Instant::now());
            }
            _ => {}
        }
        *self.records.lock().unwrap() += 1;
        *self.last.lock().unwrap() = Some(e.clone());
        Ok(())
    }
    fn control(&self, _id: &str) -> Result<Control, JournalError> {
        Ok(Control::default())
    }
}

fn step(name: &str, kind: StepKind) -> Step {
    Step {
        name: name.into(),
        kind,
        in_drills: true,
        ..Step::default()
    }
}

fn plan() -> (RecoveryPlan, Vec<ProtectionGroup>) {
    let group = ProtectionGroup {
        name: "caches".into(),
        target: TARGET.into(),
        selector: Selector::Tags(BTreeMap::from([
            ("Application".to_string(), "retail".to_string()),
            ("Tier".to_string(), "cache".to_string()),
        ])),
        ..Default::default()
    };
    let check = |name: &str, kind: CheckKind| Step {
        check: Some(kind),
        ..step(name, StepKind::Check)
    };
    let after = vec![
        check("status checks", CheckKind::Ec2Status),
        check("agents online", CheckKind::SsmAgent),
        Step {
            document: "AWS-RunShellScript".into(),
            parameters: BTreeMap::from([("commands".to_string(), vec!["echo warm".to_string()])]),
            servers: vec!["retail-cache-01".into()],
            ..step("warm the cache", StepKind::SsmCommand)
        },
        Step {
            document: "Retail-SqlAlwaysOnFailover".into(),
            ..step("runbook", StepKind::SsmAutomation)
        },
        Step {
            zone_id: scenario::RETAIL_ZONE.into(),
            drill_zone_id: scenario::RETAIL_DRILL_ZONE.into(),
            record: "cache.retail.internal".into(),
            servers: vec!["retail-cache-01".into()],
            ..step("cache endpoint", StepKind::Route53)
        },
        Step {
            port: Some(6379),
            servers: vec!["retail-cache-01".into()],
            ..check("valkey port", CheckKind::Tcp)
        },
        Step {
            url: "http://localhost/health".into(),
            servers: vec!["retail-cache-01".into()],
            ..check("health URL", CheckKind::Http)
        },
    ];
    let plan = RecoveryPlan {
        name: "steps".into(),
        failback_order: None,
        rto_target_minutes: Some(60),
        waves: vec![Wave {
            name: "cache".into(),
            groups: vec!["caches".into()],
            after,
            ..Default::default()
        }],
        ..Default::default()
    };
    (plan, vec![group])
}

struct Run {
    e: Execution,
    overhead: Duration,
    journal_writes: u64,
    calls: BTreeMap<String, u64>,
}

async fn drill(scale: f64) -> Run {
    let (sb, cloud) = super::serve(SandboxConfig {
        scenario: Scenario::retail(),
        time_scale: scale,
        ..Default::default()
    })
    .await;
    let clock = super::clock(&sb.endpoint()).await;
    let (plan, groups) = plan();
    let servers = cloud.source_servers().await.unwrap();
    let clouds: execution::Clouds = BTreeMap::from([(TARGET.to_string(), cloud.clone())]);
    let journal = MemoryJournal::default();
    let pool = BTreeMap::from([(TARGET.to_string(), servers)]);
    let now = execution::rfc3339(clock.now());
    let e = execution::prepare(
        &format!("exec-steps-{scale}"),
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
    options.tick = Duration::from_millis(100);
    let e = execution::drive(e, &clouds, &journal, &clock, &options, false)
        .await
        .unwrap();
    let started = journal.steps_started.lock().unwrap().unwrap();
    let ended = journal.wave_ended.lock().unwrap().unwrap();
    let stats = super::admin(&sb.endpoint(), "GET", "/_sandbox/stats").await;
    let calls = stats["calls"]
        .as_object()
        .map(|o| {
            o.iter()
                .filter(|(k, _)| !k.starts_with("drs:"))
                .map(|(k, v)| (k.clone(), v.as_u64().unwrap_or(0)))
                .collect()
        })
        .unwrap_or_default();
    let journal_writes = *journal.records.lock().unwrap();
    sb.stop().await;
    Run {
        e,
        overhead: ended - started,
        journal_writes,
        calls,
    }
}

/// Runs the measurement and prints it.
pub async fn run() {
    for scale in [3600.0, 60.0] {
        let mut runs = Vec::new();
        for _ in 0..3 {
            runs.push(drill(scale).await);
        }
        let mut ms: Vec<f64> = runs
            .iter()
            .map(|r| r.overhead.as_secs_f64() * 1000.0)
            .collect();
        ms.sort_by(f64::total_cmp);
        let r = &runs[0];
        let w = &r.e.waves[0];
        let last_launch = w
            .servers
            .iter()
            .filter_map(|s| s.ended_at.clone())
            .max()
            .unwrap_or_default();
        let sim = drs_core::readiness::seconds_between(
            &last_launch,
            w.ended_at.as_deref().unwrap_or_default(),
        )
        .unwrap_or_default();
        println!(
            "sandbox at {scale}×: {:?}, {} journal writes; real time from the last launch seen to the after-steps done: median {:.0} ms (runs: {}); on the simulated clock: {sim} s",
            r.e.status,
            r.journal_writes,
            ms[ms.len() / 2],
            ms.iter().map(|m| format!("{m:.0}")).collect::<Vec<_>>().join(", ")
        );
        for s in &w.steps {
            println!(
                "  {:<16} {:<14} {:?}: {} AWS calls, {} tries",
                s.name,
                s.kind.label(),
                s.status,
                s.api_calls,
                s.tries
            );
        }
        println!("  sandbox counts (non-DRS): {:?}", r.calls);
    }
    println!(
        "(3 drills per scale; the overhead figure is measured from the first after-step starting to the wave ending, in real time)"
    );
}
