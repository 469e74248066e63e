//! Deterministic simulation of the engine, in the style of FoundationDB's simulator: an
//! in-memory cloud with DRS's semantics (jobs and their logs, tags, recovery instances,
//! launch-into, termination of launched-into instances, quotas, conflicts), a journal with a
//! lease that fences stale drivers, a clock moved by hand, and a fault schedule drawn from one
//! seed — lost answers (carried out, then an error), throttles, 5xx, quota refusals, crashes at
//! any call (the engine is dropped and resumed from the journal, sometimes with the old driver
//! coming back), a second driver trying to start, clock jumps (a sleeping laptop), slow jobs
//! past wave timeouts, pause, cancel and approvals at any point.
//!
//! Invariants are checked at every step and at the end: no server launched twice by one
//! execution; no DR instance ever terminated, and no drill launching into one outside a
//! full-fidelity group; every execution reaching a final state; no drill recovery instance of
//! the execution left; suspended launch-into settings and drill networks restored; DRS quotas
//! never exceeded by the engine; no change made by a driver that lost its lease.
//!
//! [`run`] simulates one seed; the same seed replays exactly.

use super::clock::{Clock, ManualClock};
use super::journal::{Control, Event, Journal, JournalError};
use super::model::{Execution, ExecutionKind, ExecutionStatus, WaveStatus};
use super::{prepare, Clouds, DriveOptions, Engine, EngineError};
use crate::cloud::{CallerIdentity, Cloud, CloudError};
use crate::group::{DrillNetwork, LaunchMode, ProtectionGroup, Selector};
use crate::group_settings::NetworkFacts;
use crate::inventory::{Ec2Instance, InstanceState, SourceServer};
use crate::jobs::{Job, JobLogItem, JobServer, JobStatus, LaunchStatus};
use crate::launch::{
    LaunchConfiguration, LaunchConfigurationUpdate, LaunchTemplate, RecoveryInstance, AWSDRS_TAG,
};
use crate::plan::{FailurePolicy, RecoveryPlan, Wave};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::pin::pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};
use std::time::Duration;
use time::OffsetDateTime;

const TARGET: &str = "sim";

/// What one simulated run found.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// The seed.
    pub seed: u64,
    /// Drill or recovery.
    pub kind: Option<ExecutionKind>,
    /// Servers in the plan.
    pub servers: usize,
    /// Engine ticks.
    pub ticks: u64,
    /// Cloud calls.
    pub calls: u64,
    /// Faults injected (lost answers, throttles, 5xx, quota refusals).
    pub faults: u64,
    /// Engines dropped mid-tick and resumed.
    pub crashes: u64,
    /// Second drivers refused, and writes refused to fenced drivers.
    pub fenced: u64,
    /// Clock jumps.
    pub jumps: u64,
    /// How the execution ended.
    pub status: Option<ExecutionStatus>,
    /// Invariants broken (empty when all held).
    pub violations: Vec<String>,
    /// What happened, in order (journal events and the cloud's faults), when traced.
    pub trace: Vec<String>,
}

impl Report {
    /// How to replay this run.
    pub fn replay_hint(&self) -> String {
        format!(
            "replay with: cargo run -p drs-core --features simulation --example simulate -- --seed {}",
            self.seed
        )
    }
}

// ---------------------------------------------------------------------------------------------
// The simulated world.

#[derive(Debug, Clone)]
struct SimServer {
    config: LaunchConfiguration,
    original: LaunchConfiguration,
    template: LaunchTemplate,
    original_subnet: Option<String>,
    group: String,
}

#[derive(Debug, Clone)]
struct SimInstance {
    state: InstanceState,
    tags: BTreeMap<String, String>,
    private_ip: String,
    launch_time: OffsetDateTime,
    protected: bool,
}

#[derive(Debug, Clone)]
struct SimLaunch {
    server: String,
    end: OffsetDateTime,
    fails: bool,
    into: Option<String>,
    outcome: Option<Result<String, String>>,
}

#[derive(Debug, Clone)]
struct SimJob {
    id: String,
    kind: &'static str,
    drill: bool,
    created: OffsetDateTime,
    tags: BTreeMap<String, String>,
    launches: Vec<SimLaunch>,
    terminate: Vec<String>,
    ended: Option<OffsetDateTime>,
}

#[derive(Debug, Clone)]
struct SimRecoveryInstance {
    ec2: String,
    server: String,
    job: String,
    drill: bool,
}

/// What a run's faults are.
#[derive(Debug, Clone)]
struct Faults {
    lost: f64,
    throttle: f64,
    server_error: f64,
    quota: f64,
    /// Faults stop after this (so every run can end).
    until: OffsetDateTime,
    /// The call number at which the driver's process dies (the call never answers), and
    /// whether the call is carried out before.
    crash_at: Option<(u64, bool)>,
}

struct World {
    rng: StdRng,
    clock: Arc<ManualClock>,
    servers: BTreeMap<String, SimServer>,
    instances: BTreeMap<String, SimInstance>,
    dr_instances: BTreeSet<String>,
    full_fidelity_servers: BTreeSet<String>,
    jobs: BTreeMap<String, SimJob>,
    recovery_instances: BTreeMap<String, SimRecoveryInstance>,
    faults: Faults,
    next_id: u64,
    calls: u64,
    injected: u64,
    crashed: bool,
    /// Which driver holds the journal's lease (checked on every change made in the cloud).
    holder: u32,
    violations: Vec<String>,
    /// (execution, server) → launch jobs that included it.
    launches: BTreeMap<(String, String), BTreeSet<String>>,
    /// Faults and crashes, in order.
    log: Vec<String>,
    /// SSM commands sent: ID → (comment, document, when).
    commands: BTreeMap<String, (String, String, OffsetDateTime)>,
    /// SSM automations started: ID → (document, when); and client token → ID.
    automations: BTreeMap<String, (String, OffsetDateTime)>,
    tokens: BTreeMap<String, String>,
    /// Route 53: (zone, name, type) → values; change ID → when; zones a drill wrote.
    records: BTreeMap<(String, String, String), Vec<String>>,
    changes: BTreeMap<String, OffsetDateTime>,
    zones_written: BTreeSet<String>,
}

impl World {
    fn id(&mut self, prefix: &str) -> String {
        self.next_id += 1;
        format!("{prefix}{:017x}", self.next_id)
    }

    fn now(&self) -> OffsetDateTime {
        self.clock.now()
    }

    /// Applies every due step of every job up to now.
    fn advance(&mut self) {
        let now = self.now();
        let ids: Vec<String> = self.jobs.keys().cloned().collect();
        for id in ids {
            let Some(mut job) = self.jobs.get(&id).cloned() else {
                continue;
            };
            if job.ended.is_some() {
                continue;
            }
            if job.kind == "TERMINATE" {
                let end = job.created + time::Duration::seconds(60);
                if now >= end {
                    for ri in job.terminate.clone() {
                        let Some(r) = self.recovery_instances.get(&ri).cloned() else {
                            continue;
                        };
                        let protected = self.instances.get(&r.ec2).is_some_and(|i| i.protected);
                        if protected {
                            continue;
                        }
                        self.recovery_instances.remove(&ri);
                        // DRS terminates the EC2 instance, a launched-into one included.
                        if let Some(i) = self.instances.get_mut(&r.ec2) {
                            i.state = InstanceState::Terminated;
                        }
                        if self.dr_instances.contains(&r.ec2) {
                            self.violations.push(format!(
                                "DR instance {} was terminated (recovery instance {ri})",
                                r.ec2
                            ));
                        }
                    }
                    job.ended = Some(end);
                }
                self.jobs.insert(id, job);
                continue;
            }
            for k in 0..job.launches.len() {
                if job.launches[k].outcome.is_some() || now < job.launches[k].end {
                    continue;
                }
                let l = job.launches[k].clone();
                let outcome = self.launch(&job, &l);
                job.launches[k].outcome = Some(outcome);
            }
            if job.launches.iter().all(|l| l.outcome.is_some()) {
                let end = job
                    .launches
                    .iter()
                    .map(|l| l.end)
                    .max()
                    .unwrap_or(job.created)
                    + time::Duration::seconds(5);
                job.ended = Some(end.max(job.created));
            }
            self.jobs.insert(id, job);
        }
    }

    fn launch(&mut self, job: &SimJob, l: &SimLaunch) -> Result<String, String> {
        if l.fails {
            return Err("the conversion server could not boot the volume".into());
        }
        // A new launch replaces the server's earlier drill instance.
        let previous: Vec<String> = self
            .recovery_instances
            .iter()
            .filter(|(_, r)| r.server == l.server && r.drill)
            .map(|(k, _)| k.clone())
            .collect();
        let ec2 = match &l.into {
            Some(target) => {
                let Some(i) = self.instances.get(target) else {
                    return Err(format!("instance {target} does not exist"));
                };
                if i.tags.get(AWSDRS_TAG.0).map(String::as_str) != Some(AWSDRS_TAG.1) {
                    return Err(format!("{target} is not tagged {}", AWSDRS_TAG.0));
                }
                if i.state != InstanceState::Stopped {
                    return Err(format!("{target} must be stopped"));
                }
                if job.drill && !self.full_fidelity_servers.contains(&l.server) {
                    self.violations.push(format!(
                        "a drill launched {} into DR instance {target} outside a full-fidelity group",
                        l.server
                    ));
                }
                target.clone()
            }
            None => self.id("i-0e"),
        };
        for old in previous {
            if let Some(r) = self.recovery_instances.remove(&old) {
                if let Some(i) = self.instances.get_mut(&r.ec2) {
                    if !self.dr_instances.contains(&r.ec2) {
                        i.state = InstanceState::Terminated;
                    }
                }
            }
        }
        let at = l.end;
        let ip = format!(
            "10.9.{}.{}",
            self.next_id / 250 % 250,
            1 + self.next_id % 250
        );
        // A new instance may inherit termination protection from its launch template.
        let protected = self.rng.random::<f64>() < 0.03;
        let inst = self.instances.entry(ec2.clone()).or_insert(SimInstance {
            state: InstanceState::Running,
            tags: BTreeMap::new(),
            private_ip: ip,
            launch_time: at,
            protected,
        });
        inst.state = InstanceState::Running;
        inst.launch_time = at;
        self.recovery_instances.insert(
            ec2.clone(),
            SimRecoveryInstance {
                ec2: ec2.clone(),
                server: l.server.clone(),
                job: job.id.clone(),
                drill: job.drill,
            },
        );
        Ok(ec2)
    }

    fn render(&self, j: &SimJob) -> Job {
        let now = self.now();
        let status = if j.ended.is_some_and(|e| e <= now) {
            JobStatus::Completed
        } else if now >= j.created + time::Duration::seconds(10) {
            JobStatus::Started
        } else {
            JobStatus::Pending
        };
        let servers = if j.kind == "TERMINATE" {
            j.terminate
                .iter()
                .filter_map(|ri| {
                    let server = self
                        .recovery_instances
                        .get(ri)
                        .map(|r| r.server.clone())
                        .unwrap_or_default();
                    (!server.is_empty()).then(|| JobServer {
                        source_server_id: server,
                        launch_status: LaunchStatus::Terminated,
                        recovery_instance_id: Some(ri.clone()),
                        action_runs: Vec::new(),
                    })
                })
                .collect()
        } else {
            j.launches
                .iter()
                .map(|l| JobServer {
                    source_server_id: l.server.clone(),
                    launch_status: match &l.outcome {
                        Some(Ok(_)) => LaunchStatus::Launched,
                        Some(Err(_)) => LaunchStatus::Failed,
                        None if status == JobStatus::Pending => LaunchStatus::Pending,
                        None => LaunchStatus::InProgress,
                    },
                    recovery_instance_id: l.outcome.clone().and_then(Result::ok),
                    action_runs: Vec::new(),
                })
                .collect()
        };
        Job {
            job_id: j.id.clone(),
            status,
            job_type: j.kind.to_string(),
            initiated_by: if j.kind == "TERMINATE" {
                "TERMINATE_RECOVERY_INSTANCES".into()
            } else if j.drill {
                "START_DRILL".into()
            } else {
                "START_RECOVERY".into()
            },
            created: super::rfc3339(j.created),
            ended: j.ended.filter(|e| *e <= now).map(super::rfc3339),
            tags: j.tags.clone(),
            servers,
        }
    }

    fn log(&self, j: &SimJob) -> Vec<JobLogItem> {
        let now = self.now();
        let item = |at: OffsetDateTime, event: &str, server: Option<&str>, err: Option<String>| {
            JobLogItem {
                at: super::rfc3339(at),
                event: event.to_string(),
                source_server_id: server.map(str::to_string),
                target_instance_id: None,
                raw_error: err,
            }
        };
        let start = j.created + time::Duration::seconds(10);
        let mut out = vec![];
        if now >= start {
            out.push(item(start, "JOB_START", None, None));
        }
        for l in &j.launches {
            let mid = start + (l.end - start) / 3;
            let late = start + (l.end - start) * 2 / 3;
            for (at, ev) in [
                (start, "SNAPSHOT_START"),
                (mid, "SNAPSHOT_END"),
                (mid, "CONVERSION_START"),
                (late, "CONVERSION_END"),
                (late, "LAUNCH_START"),
            ] {
                if at <= now {
                    out.push(item(at, ev, Some(&l.server), None));
                }
            }
            if let Some(Err(e)) = &l.outcome {
                out.push(item(
                    l.end,
                    "LAUNCH_FAILED",
                    Some(&l.server),
                    Some(e.clone()),
                ));
            }
        }
        if let Some(e) = j.ended.filter(|e| *e <= now) {
            out.push(item(e, "JOB_END", None, None));
        }
        out
    }
}

// ---------------------------------------------------------------------------------------------
// The simulated cloud (one handle per driver).

/// The cloud as one driver sees it.
pub struct SimCloud {
    world: Arc<Mutex<World>>,
    driver: u32,
}

fn lock(w: &Mutex<World>) -> MutexGuard<'_, World> {
    match w.lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    }
}

/// How a call goes, decided before it runs.
enum Fate {
    Fine,
    /// Refused before anything happened.
    Refuse(CloudError),
    /// Carried out, then the answer is lost.
    Lose,
    /// The process dies: the call never answers (carried out first or not).
    Crash(bool),
}

/// A future that never completes: the process died during the call.
async fn die() -> ! {
    std::future::pending::<()>().await;
    unreachable!("a pending future never completes")
}

impl SimCloud {
    fn fate(&self, op: &str, mutating: bool) -> Fate {
        let mut w = lock(&self.world);
        w.calls += 1;
        let n = w.calls;
        if let Some((at, carried)) = w.faults.crash_at {
            if n >= at {
                w.faults.crash_at = None;
                w.crashed = true;
                let now = w.now();
                w.log.push(format!(
                    "{} crash during {op} (carried out: {})",
                    super::rfc3339(now),
                    carried && mutating
                ));
                return Fate::Crash(carried && mutating);
            }
        }
        if w.now() >= w.faults.until {
            return Fate::Fine;
        }
        let x: f64 = w.rng.random();
        let f = &w.faults;
        let fate = if x < f.throttle {
            Fate::Refuse(CloudError::Throttled {
                operation: op.to_string(),
                request_id: None,
            })
        } else if x < f.throttle + f.server_error {
            Fate::Refuse(CloudError::Service {
                operation: op.to_string(),
                code: "InternalServerException".into(),
                message: "injected".into(),
                request_id: None,
            })
        } else if mutating && x < f.throttle + f.server_error + f.lost {
            Fate::Lose
        } else if op == "drs:StartRecovery" && x < f.throttle + f.server_error + f.lost + f.quota {
            Fate::Refuse(CloudError::QuotaExceeded {
                operation: op.to_string(),
                message: "injected".into(),
                request_id: None,
            })
        } else {
            Fate::Fine
        };
        if !matches!(fate, Fate::Fine) {
            w.injected += 1;
            let what = match &fate {
                Fate::Lose => "answer lost".to_string(),
                Fate::Refuse(e) => e.to_string(),
                _ => String::new(),
            };
            let now = w.now();
            w.log
                .push(format!("{} fault on {op}: {what}", super::rfc3339(now)));
        }
        fate
    }

    /// Runs `act` with `op`'s fate: refusals before it, a lost answer or a crash after it.
    async fn call<T>(
        &self,
        op: &str,
        mutating: bool,
        act: impl FnOnce(&mut World) -> Result<T, CloudError>,
    ) -> Result<T, CloudError> {
        match self.fate(op, mutating) {
            Fate::Refuse(e) => Err(e),
            Fate::Crash(carried) => {
                if carried {
                    let mut w = lock(&self.world);
                    self.check_holder(&mut w, op);
                    w.advance();
                    let _ = act(&mut w);
                }
                die().await
            }
            fate => {
                let mut w = lock(&self.world);
                if mutating {
                    self.check_holder(&mut w, op);
                }
                w.advance();
                let r = act(&mut w);
                if matches!(fate, Fate::Lose) && r.is_ok() {
                    return Err(CloudError::Network {
                        operation: op.to_string(),
                        message: "connection reset after the request was sent (injected)".into(),
                    });
                }
                r
            }
        }
    }

    fn check_holder(&self, w: &mut World, op: &str) {
        if w.holder != self.driver {
            w.violations.push(format!(
                "driver {} called {op} after losing the lease to driver {}",
                self.driver, w.holder
            ));
        }
    }
}

fn not_found(op: &str, what: &str) -> CloudError {
    CloudError::NotFound {
        operation: op.to_string(),
        message: what.to_string(),
        request_id: None,
    }
}

#[async_trait::async_trait]
impl Cloud for SimCloud {
    async fn caller_identity(&self) -> Result<CallerIdentity, CloudError> {
        Ok(CallerIdentity {
            account: "111122223333".into(),
            arn: "arn:aws:iam::111122223333:user/sim".into(),
            user_id: "sim".into(),
        })
    }

    async fn source_servers(&self) -> Result<Vec<SourceServer>, CloudError> {
        Ok(Vec::new())
    }

    async fn recovery_instances_ec2(&self) -> Result<Vec<Ec2Instance>, CloudError> {
        Ok(Vec::new())
    }

    async fn instances(&self, ids: &[String]) -> Result<Vec<Ec2Instance>, CloudError> {
        self.call("ec2:DescribeInstances", false, |w| {
            Ok(ids
                .iter()
                .filter_map(|id| {
                    let i = w.instances.get(id)?;
                    Some(Ec2Instance {
                        id: id.clone(),
                        target: TARGET.into(),
                        region: "us-west-2".into(),
                        name: None,
                        state: i.state.clone(),
                        instance_type: None,
                        private_ip: Some(i.private_ip.clone()),
                        subnet_id: None,
                        architecture: None,
                        platform: None,
                        root_device_type: None,
                        boot_mode: None,
                        tags: i.tags.clone(),
                        launch_time: Some(super::rfc3339(i.launch_time)),
                    })
                })
                .collect())
        })
        .await
    }

    async fn launch_configuration(&self, id: &str) -> Result<LaunchConfiguration, CloudError> {
        self.call("drs:GetLaunchConfiguration", false, |w| {
            w.servers
                .get(id)
                .map(|s| s.config.clone())
                .ok_or_else(|| not_found("drs:GetLaunchConfiguration", id))
        })
        .await
    }

    async fn update_launch_configuration(
        &self,
        u: &LaunchConfigurationUpdate,
    ) -> Result<LaunchConfiguration, CloudError> {
        self.call("drs:UpdateLaunchConfiguration", true, |w| {
            let s = w
                .servers
                .get_mut(&u.source_server_id)
                .ok_or_else(|| not_found("drs:UpdateLaunchConfiguration", &u.source_server_id))?;
            s.config = u.applied_to(&s.config);
            Ok(s.config.clone())
        })
        .await
    }

    async fn recovery_instances(&self) -> Result<Vec<RecoveryInstance>, CloudError> {
        self.recovery_instances_of(&[]).await
    }

    async fn start_recovery(
        &self,
        servers: &[String],
        is_drill: bool,
        tags: &BTreeMap<String, String>,
    ) -> Result<Job, CloudError> {
        let op = "drs:StartRecovery";
        self.call(op, true, |w| {
            let now = w.now();
            let active: Vec<&SimJob> = w
                .jobs
                .values()
                .filter(|j| j.ended.is_none_or(|e| e > now))
                .collect();
            let busy: usize = active.iter().map(|j| j.launches.len()).sum();
            if servers.len() > 100 || active.len() >= 20 || busy + servers.len() > 500 {
                let msg = format!(
                    "quota: {} servers asked, {} active jobs, {busy} servers in active jobs",
                    servers.len(),
                    active.len()
                );
                w.violations
                    .push(format!("the engine exceeded a DRS quota: {msg}"));
                return Err(CloudError::QuotaExceeded {
                    operation: op.into(),
                    message: msg,
                    request_id: None,
                });
            }
            if let Some(s) = servers.iter().find(|s| {
                active
                    .iter()
                    .any(|j| j.launches.iter().any(|l| &l.server == *s))
            }) {
                return Err(CloudError::Conflict {
                    operation: op.into(),
                    message: format!("source server {s} is already part of an active job"),
                    request_id: None,
                });
            }
            for s in servers {
                if !w.servers.contains_key(s) {
                    return Err(not_found(op, s));
                }
            }
            let id = w.id("drsjob-");
            let mut launches = Vec::new();
            for s in servers {
                let slow = w.rng.random::<f64>() < 0.05;
                let secs: i64 = if slow {
                    w.rng.random_range(3600..7200)
                } else {
                    w.rng.random_range(240..900)
                };
                let fails = w.rng.random::<f64>() < 0.03;
                let into = w
                    .servers
                    .get(s)
                    .and_then(|x| x.config.launch_into_instance_id.clone());
                launches.push(SimLaunch {
                    server: s.clone(),
                    end: now + time::Duration::seconds(10 + secs),
                    fails,
                    into,
                    outcome: None,
                });
            }
            if let Some(exec) = tags.get(crate::jobs::tags::EXECUTION) {
                for s in servers {
                    let seen = w.launches.entry((exec.clone(), s.clone())).or_default();
                    seen.insert(id.clone());
                    if seen.len() > 1 {
                        let list: Vec<String> = seen.iter().cloned().collect();
                        w.violations.push(format!(
                            "{s} launched twice by execution {exec}: jobs {}",
                            list.join(", ")
                        ));
                    }
                }
            }
            let job = SimJob {
                id: id.clone(),
                kind: "LAUNCH",
                drill: is_drill,
                created: now,
                tags: tags.clone(),
                launches,
                terminate: Vec::new(),
                ended: None,
            };
            let rendered = w.render(&job);
            w.jobs.insert(id, job);
            Ok(rendered)
        })
        .await
    }

    async fn jobs(&self, ids: &[String]) -> Result<Vec<Job>, CloudError> {
        self.call("drs:DescribeJobs", false, |w| {
            Ok(w.jobs
                .values()
                .filter(|j| ids.is_empty() || ids.contains(&j.id))
                .map(|j| w.render(j))
                .collect())
        })
        .await
    }

    async fn jobs_created_since(&self, from: &str) -> Result<Vec<Job>, CloudError> {
        let from = super::model::parse(from);
        self.call("drs:DescribeJobs", false, |w| {
            Ok(w.jobs
                .values()
                .filter(|j| from.is_none_or(|f| j.created >= f))
                .map(|j| w.render(j))
                .collect())
        })
        .await
    }

    async fn job_log(&self, id: &str) -> Result<Vec<JobLogItem>, CloudError> {
        self.call("drs:DescribeJobLogItems", false, |w| {
            w.jobs
                .get(id)
                .map(|j| w.log(j))
                .ok_or_else(|| not_found("drs:DescribeJobLogItems", id))
        })
        .await
    }

    async fn recovery_instances_of(
        &self,
        servers: &[String],
    ) -> Result<Vec<RecoveryInstance>, CloudError> {
        self.call("drs:DescribeRecoveryInstances", false, |w| {
            Ok(w.recovery_instances
                .iter()
                .filter(|(_, r)| servers.is_empty() || servers.contains(&r.server))
                .map(|(id, r)| RecoveryInstance {
                    recovery_instance_id: id.clone(),
                    ec2_instance_id: Some(r.ec2.clone()),
                    source_server_id: Some(r.server.clone()),
                    is_drill: r.drill,
                    job_id: Some(r.job.clone()),
                    ec2_instance_state: w
                        .instances
                        .get(&r.ec2)
                        .map(|i| i.state.as_str().to_uppercase()),
                    failback_state: None,
                })
                .collect())
        })
        .await
    }

    async fn termination_protected(&self, ids: &[String]) -> Result<BTreeSet<String>, CloudError> {
        self.call("ec2:DescribeInstanceAttribute", false, |w| {
            Ok(ids
                .iter()
                .filter(|i| w.instances.get(*i).is_some_and(|x| x.protected))
                .cloned()
                .collect())
        })
        .await
    }

    async fn terminate_recovery_instances(&self, ids: &[String]) -> Result<Job, CloudError> {
        let op = "drs:TerminateRecoveryInstances";
        self.call(op, true, |w| {
            if ids.is_empty() || ids.len() > 200 {
                return Err(CloudError::Validation {
                    operation: op.into(),
                    message: "1 to 200 IDs".into(),
                    fields: vec![],
                    request_id: None,
                });
            }
            if let Some(missing) = ids.iter().find(|i| !w.recovery_instances.contains_key(*i)) {
                return Err(not_found(op, missing));
            }
            let id = w.id("drsjob-");
            let job = SimJob {
                id: id.clone(),
                kind: "TERMINATE",
                drill: true,
                created: w.now(),
                tags: BTreeMap::new(),
                launches: Vec::new(),
                terminate: ids.to_vec(),
                ended: None,
            };
            let rendered = w.render(&job);
            w.jobs.insert(id, job);
            Ok(rendered)
        })
        .await
    }

    async fn stop_instances(&self, ids: &[String]) -> Result<(), CloudError> {
        self.call("ec2:StopInstances", true, |w| {
            for id in ids {
                if let Some(i) = w.instances.get_mut(id) {
                    if i.state != InstanceState::Terminated {
                        i.state = InstanceState::Stopped;
                    }
                }
            }
            Ok(())
        })
        .await
    }

    async fn disconnect_recovery_instance(&self, id: &str) -> Result<(), CloudError> {
        self.call("drs:DisconnectRecoveryInstance", true, |w| {
            w.recovery_instances
                .remove(id)
                .map(|_| ())
                .ok_or_else(|| not_found("drs:DisconnectRecoveryInstance", id))
        })
        .await
    }

    async fn launch_template(&self, id: &str) -> Result<LaunchTemplate, CloudError> {
        self.call("ec2:DescribeLaunchTemplateVersions", false, |w| {
            w.servers
                .values()
                .find(|s| s.template.id == id)
                .map(|s| s.template.clone())
                .ok_or_else(|| not_found("ec2:DescribeLaunchTemplateVersions", id))
        })
        .await
    }

    async fn update_launch_template(&self, t: &LaunchTemplate) -> Result<i64, CloudError> {
        self.call("ec2:CreateLaunchTemplateVersion", true, |w| {
            let s = w
                .servers
                .values_mut()
                .find(|s| s.template.id == t.id)
                .ok_or_else(|| not_found("ec2:CreateLaunchTemplateVersion", &t.id))?;
            let version = s.template.version + 1;
            s.template = LaunchTemplate {
                version,
                ..t.clone()
            };
            Ok(version)
        })
        .await
    }

    async fn network_facts(&self, _types: &[String]) -> Result<NetworkFacts, CloudError> {
        Ok(NetworkFacts::default())
    }

    async fn instances_in(
        &self,
        _r: &str,
        _ids: &[String],
    ) -> Result<Vec<Ec2Instance>, CloudError> {
        Ok(Vec::new())
    }

    async fn tag_resource(
        &self,
        _a: &str,
        _t: &BTreeMap<String, String>,
    ) -> Result<(), CloudError> {
        Ok(())
    }

    async fn managed_instances(
        &self,
        ids: &[String],
    ) -> Result<Vec<crate::cloud::ManagedInstance>, CloudError> {
        let ids = ids.to_vec();
        self.call("ssm:DescribeInstanceInformation", false, move |w| {
            let now = w.now();
            Ok(ids
                .iter()
                .filter_map(|id| {
                    let i = w.instances.get(id)?;
                    // The agent registers a minute after launch.
                    (i.state == InstanceState::Running).then(|| crate::cloud::ManagedInstance {
                        id: id.clone(),
                        ping_status: if (now - i.launch_time).whole_seconds() >= 60 {
                            "Online".into()
                        } else {
                            "ConnectionLost".into()
                        },
                        platform: "Linux".into(),
                    })
                })
                .collect())
        })
        .await
    }

    async fn status_checks(
        &self,
        ids: &[String],
    ) -> Result<Vec<crate::cloud::StatusChecks>, CloudError> {
        let ids = ids.to_vec();
        self.call("ec2:DescribeInstanceStatus", false, move |w| {
            let now = w.now();
            Ok(ids
                .iter()
                .filter_map(|id| {
                    let i = w.instances.get(id)?;
                    let ok = (now - i.launch_time).whole_seconds() >= 90;
                    let status = if ok { "ok" } else { "initializing" };
                    (i.state == InstanceState::Running).then(|| crate::cloud::StatusChecks {
                        id: id.clone(),
                        system: status.into(),
                        instance: status.into(),
                    })
                })
                .collect())
        })
        .await
    }

    async fn send_command(&self, r: &crate::cloud::CommandRequest) -> Result<String, CloudError> {
        let r = r.clone();
        self.call("ssm:SendCommand", true, move |w| {
            let id = w.id("cmd-");
            let now = w.now();
            w.commands
                .insert(id.clone(), (r.comment.clone(), r.document.clone(), now));
            Ok(id)
        })
        .await
    }

    async fn find_command(
        &self,
        comment: &str,
        _since: &str,
    ) -> Result<Option<String>, CloudError> {
        let comment = comment.to_string();
        self.call("ssm:ListCommands", false, move |w| {
            Ok(w.commands
                .iter()
                .find(|(_, (c, _, _))| *c == comment)
                .map(|(id, _)| id.clone()))
        })
        .await
    }

    async fn command_results(
        &self,
        command_id: &str,
    ) -> Result<Vec<crate::cloud::CommandResult>, CloudError> {
        let id = command_id.to_string();
        self.call("ssm:ListCommandInvocations", false, move |w| {
            let now = w.now();
            let Some((_, doc, at)) = w.commands.get(&id) else {
                return Err(not_found("ssm:ListCommandInvocations", &id));
            };
            let done = (now - *at).whole_seconds() >= 6;
            let fails = doc.contains("Fail");
            Ok(vec![crate::cloud::CommandResult {
                instance_id: "i-any".into(),
                status: match (done, fails) {
                    (false, _) => "InProgress".into(),
                    (true, false) => "Success".into(),
                    (true, true) => "Failed".into(),
                },
                response_code: done.then_some(i32::from(fails)),
                output: String::new(),
            }])
        })
        .await
    }

    async fn start_automation(
        &self,
        document: &str,
        _parameters: &BTreeMap<String, Vec<String>>,
        client_token: &str,
    ) -> Result<String, CloudError> {
        let (doc, token) = (document.to_string(), client_token.to_string());
        self.call("ssm:StartAutomationExecution", true, move |w| {
            // The client token makes a repeated start return the same execution.
            if let Some(id) = w.tokens.get(&token) {
                return Ok(id.clone());
            }
            let id = w.id("auto-");
            let now = w.now();
            w.automations.insert(id.clone(), (doc, now));
            w.tokens.insert(token, id.clone());
            Ok(id)
        })
        .await
    }

    async fn automation(&self, id: &str) -> Result<crate::cloud::AutomationRun, CloudError> {
        let id = id.to_string();
        self.call("ssm:GetAutomationExecution", false, move |w| {
            let now = w.now();
            let Some((doc, at)) = w.automations.get(&id) else {
                return Err(not_found("ssm:GetAutomationExecution", &id));
            };
            let done = (now - *at).whole_seconds() >= 30;
            Ok(crate::cloud::AutomationRun {
                id: id.clone(),
                status: match (done, doc.contains("Fail")) {
                    (false, _) => "InProgress".into(),
                    (true, false) => "Success".into(),
                    (true, true) => "Failed".into(),
                },
                failure: None,
                outputs: BTreeMap::new(),
            })
        })
        .await
    }

    async fn upsert_record(
        &self,
        zone_id: &str,
        record: &crate::cloud::RecordSet,
        _comment: &str,
    ) -> Result<String, CloudError> {
        let (zone, record) = (zone_id.to_string(), record.clone());
        self.call("route53:ChangeResourceRecordSets", true, move |w| {
            let id = w.id("C");
            let now = w.now();
            w.records.insert(
                (
                    zone.clone(),
                    record.name.clone(),
                    record.record_type.clone(),
                ),
                record.values.clone(),
            );
            w.zones_written.insert(zone);
            w.changes.insert(id.clone(), now);
            Ok(id)
        })
        .await
    }

    async fn change_in_sync(&self, change_id: &str) -> Result<bool, CloudError> {
        let id = change_id.to_string();
        self.call("route53:GetChange", false, move |w| {
            let now = w.now();
            match w.changes.get(&id) {
                Some(at) => Ok((now - *at).whole_seconds() >= 10),
                None => Err(not_found("route53:GetChange", &id)),
            }
        })
        .await
    }

    async fn record(
        &self,
        zone_id: &str,
        name: &str,
        record_type: &str,
    ) -> Result<Option<crate::cloud::RecordSet>, CloudError> {
        let key = (
            zone_id.to_string(),
            name.to_string(),
            record_type.to_string(),
        );
        self.call("route53:ListResourceRecordSets", false, move |w| {
            Ok(w.records.get(&key).map(|values| crate::cloud::RecordSet {
                name: format!("{}.", key.1),
                record_type: key.2.clone(),
                ttl: Some(60),
                values: values.clone(),
            }))
        })
        .await
    }
}

// ---------------------------------------------------------------------------------------------
// The journal with a lease.

struct Ledger {
    trace: Option<Vec<String>>,
    /// Keep every state written (while a crash is scheduled: only then is the journal's last
    /// state read back; copying it at every write would be most of the simulation's cost).
    keep: bool,
    last: Option<Execution>,
    holder: u32,
    control: Control,
    fenced: u64,
}

/// The journal as one driver sees it.
struct SimJournal {
    ledger: Arc<Mutex<Ledger>>,
    world: Arc<Mutex<World>>,
    driver: u32,
}

fn ledger(l: &Mutex<Ledger>) -> MutexGuard<'_, Ledger> {
    match l.lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    }
}

impl Journal for SimJournal {
    fn record(&self, e: &Execution, event: &Event) -> Result<(), JournalError> {
        let mut l = ledger(&self.ledger);
        let driver = self.driver;
        let holder = l.holder;
        if let Some(t) = l.trace.as_mut() {
            if !event.is_routine() {
                let at = lock(&self.world).now();
                t.push(format!(
                    "{} driver {driver}{}: {event}",
                    super::rfc3339(at),
                    if holder != driver { " (fenced)" } else { "" }
                ));
            }
        }
        if l.holder != self.driver {
            l.fenced += 1;
            return Err(JournalError::Fenced {
                execution: e.id.clone(),
                holder: format!("driver {}", l.holder),
            });
        }
        if l.keep {
            l.last = Some(e.clone());
        }
        Ok(())
    }

    fn control(&self, _id: &str) -> Result<Control, JournalError> {
        Ok(ledger(&self.ledger).control.clone())
    }
}

impl SimJournal {
    /// Takes the lease (an explicit takeover of a dead driver's execution).
    fn take_over(&self) {
        ledger(&self.ledger).holder = self.driver;
        lock(&self.world).holder = self.driver;
    }
}

// ---------------------------------------------------------------------------------------------
// Running one seed.

/// Polls `f` once with a waker that does nothing: every simulated call is ready at once, so a
/// future still pending after one poll is a driver whose process died mid-call.
fn poll_once<F: Future>(f: F) -> Option<F::Output> {
    let mut f = pin!(f);
    let mut cx = Context::from_waker(Waker::noop());
    match f.as_mut().poll(&mut cx) {
        Poll::Ready(v) => Some(v),
        Poll::Pending => None,
    }
}

struct Scenario {
    plan: RecoveryPlan,
    groups: Vec<ProtectionGroup>,
    servers: Vec<SourceServer>,
    kind: ExecutionKind,
}

/// Builds the estate and the plan for `seed`.
fn scenario(rng: &mut StdRng, world: &mut World) -> Scenario {
    let n_waves = rng.random_range(1..=5usize);
    let mut groups = Vec::new();
    let mut waves = Vec::new();
    let mut servers = Vec::new();
    for w in 0..n_waves {
        let name = format!("g{w}");
        // 0: new instances; 1: new instances with a leftover launch-into; 2: pre-provisioned
        // (suspended for a drill); 3: full fidelity; 4: new instances with a drill network.
        let style = rng.random_range(0..5u8);
        let count = if rng.random::<f64>() < 0.15 {
            rng.random_range(100..260usize)
        } else {
            rng.random_range(1..40usize)
        };
        let mut ids = Vec::new();
        for k in 0..count {
            let id = format!("s-{:017x}", 0x5100_0000 + w * 1000 + k);
            let tid = format!("lt-{:017x}", 0x7100_0000 + w * 1000 + k);
            let dr = format!("i-0d{:015x}", 0x9100_0000 + w * 1000 + k);
            let into = matches!(style, 1..=3).then(|| dr.clone());
            if (1..=3).contains(&style) {
                world.dr_instances.insert(dr.clone());
                world.instances.insert(
                    dr.clone(),
                    SimInstance {
                        state: InstanceState::Stopped,
                        tags: BTreeMap::from([(
                            AWSDRS_TAG.0.to_string(),
                            AWSDRS_TAG.1.to_string(),
                        )]),
                        private_ip: format!("10.1.{w}.{}", k % 250 + 1),
                        launch_time: world.now() - time::Duration::days(30),
                        protected: rng.random::<f64>() < 0.2,
                    },
                );
            }
            if style == 3 {
                world.full_fidelity_servers.insert(id.clone());
            }
            let config = LaunchConfiguration {
                source_server_id: id.clone(),
                launch_into_instance_id: into,
                copy_private_ip: Some(false),
                copy_tags: Some(false),
                right_sizing: Some("NONE".into()),
                launch_disposition: Some("STARTED".into()),
                ec2_launch_template_id: Some(tid.clone()),
                os_byol: None,
                recovery_mode: None,
                post_launch_enabled: None,
            };
            world.servers.insert(
                id.clone(),
                SimServer {
                    original: config.clone(),
                    config,
                    template: LaunchTemplate {
                        id: tid,
                        version: 1,
                        instance_type: Some("m5.large".into()),
                        subnet_id: Some("subnet-0recovery".into()),
                        security_group_ids: vec!["sg-0recovery".into()],
                        private_ip: None,
                    },
                    original_subnet: Some("subnet-0recovery".into()),
                    group: name.clone(),
                },
            );
            servers.push(SourceServer {
                id: id.clone(),
                target: TARGET.into(),
                ..Default::default()
            });
            ids.push(id);
        }
        let mut group = ProtectionGroup {
            name: name.clone(),
            target: TARGET.into(),
            selector: Selector::SourceServerIds(ids),
            ..Default::default()
        };
        if matches!(style, 2 | 3) {
            group.launch.launch_mode = LaunchMode::PreProvisioned;
        }
        if style == 3 {
            group.launch.full_fidelity_drills = true;
        }
        if style == 4 {
            group.launch.drill_network = Some(DrillNetwork {
                subnet_id: "subnet-0drill".into(),
                security_group_ids: vec!["sg-0drill".into()],
            });
        }
        groups.push(group);
        let depends_on = match rng.random_range(0..4u8) {
            0 => None,
            1 => Some(Vec::new()),
            _ if w > 0 => Some(vec![format!("w{}", rng.random_range(0..w))]),
            _ => None,
        };
        waves.push(Wave {
            name: format!("w{w}"),
            groups: vec![name],
            depends_on,
            approval_required: rng.random::<f64>() < 0.2,
            timeout_minutes: (rng.random::<f64>() < 0.3).then(|| rng.random_range(5..60)),
            on_failure: if rng.random::<bool>() {
                FailurePolicy::Stop
            } else {
                FailurePolicy::Continue
            },
            // Manual steps, some with a timeout nobody may meet.
            before: manual_steps(rng, "before"),
            after: [manual_steps(rng, "after"), automated_steps(rng, w)].concat(),
        });
    }
    Scenario {
        plan: RecoveryPlan {
            name: "sim".into(),
            failback_order: None,
            rto_target_minutes: Some(120),
            waves,
            ..Default::default()
        },
        groups,
        servers,
        kind: if rng.random::<f64>() < 0.75 {
            ExecutionKind::Drill
        } else {
            ExecutionKind::Recovery
        },
    }
}

/// Simulates one seed: builds an estate and a plan, runs the engine through faults, crashes,
/// second drivers and clock jumps, and checks the invariants. Same seed, same run.
pub fn run(seed: u64) -> Report {
    run_traced(seed, false)
}

/// [`run`], keeping a trace of what happened when `trace` is set.
pub fn run_traced(seed: u64, trace: bool) -> Report {
    let mut rng = StdRng::seed_from_u64(seed);
    let start = time::macros::datetime!(2026-12-01 09:00 UTC);
    let clock = Arc::new(ManualClock::new(start));
    let heavy = rng.random::<f64>() < 0.5;
    let mut world = World {
        rng: StdRng::seed_from_u64(seed ^ 0x5eed),
        clock: Arc::clone(&clock),
        servers: BTreeMap::new(),
        instances: BTreeMap::new(),
        dr_instances: BTreeSet::new(),
        full_fidelity_servers: BTreeSet::new(),
        jobs: BTreeMap::new(),
        recovery_instances: BTreeMap::new(),
        faults: Faults {
            lost: if heavy { 0.08 } else { 0.02 },
            throttle: if heavy { 0.3 } else { 0.05 },
            server_error: if heavy { 0.05 } else { 0.01 },
            quota: 0.02,
            until: start + time::Duration::hours(rng.random_range(1..8)),
            crash_at: None,
        },
        next_id: 0,
        calls: 0,
        injected: 0,
        crashed: false,
        holder: 1,
        violations: Vec::new(),
        launches: BTreeMap::new(),
        log: Vec::new(),
        commands: BTreeMap::new(),
        automations: BTreeMap::new(),
        tokens: BTreeMap::new(),
        records: BTreeMap::new(),
        changes: BTreeMap::new(),
        zones_written: BTreeSet::new(),
    };
    let sc = scenario(&mut rng, &mut world);
    let world = Arc::new(Mutex::new(world));
    let mut report = Report {
        seed,
        kind: Some(sc.kind),
        servers: sc.servers.len(),
        ..Default::default()
    };
    let pool = BTreeMap::from([(TARGET.to_string(), sc.servers.clone())]);
    let e = match prepare(
        &format!("exec-sim-{seed}"),
        &sc.plan,
        1,
        &sc.groups,
        &pool,
        sc.kind,
        "sim",
        &super::rfc3339(start),
        true,
    ) {
        Ok(e) => e,
        Err(err) => {
            report.violations.push(format!("could not set up: {err}"));
            return report;
        }
    };
    let mut options = DriveOptions::for_groups(&sc.groups);
    options.read_concurrency = 8;
    let book = Arc::new(Mutex::new(Ledger {
        trace: trace.then(Vec::new),
        keep: false,
        last: Some(e.clone()),
        holder: 1,
        control: Control::default(),
        fenced: 0,
    }));
    let mut driver: u32 = 1;
    let mut current = e;
    let mut zombie: Option<(u32, Execution)> = None;
    let deadline = start + time::Duration::days(3);
    let clock_dyn: Arc<dyn Clock> = clock.clone();
    'drivers: loop {
        let cloud: Arc<dyn Cloud> = Arc::new(SimCloud {
            world: Arc::clone(&world),
            driver,
        });
        let clouds: Clouds = BTreeMap::from([(TARGET.to_string(), cloud)]);
        let journal = SimJournal {
            ledger: Arc::clone(&book),
            world: Arc::clone(&world),
            driver,
        };
        let mut engine = Engine::new(&clouds, &journal, clock_dyn.as_ref(), &options);
        loop {
            report.ticks += 1;
            if clock.now() > deadline {
                report.violations.push(format!(
                    "the execution did not end within 3 simulated days (status {})",
                    current.status.as_str()
                ));
                break 'drivers;
            }
            // A crash is scheduled now and then (before faults stop).
            {
                let mut w = lock(&world);
                if w.faults.crash_at.is_none()
                    && clock.now() < w.faults.until
                    && rng.random::<f64>() < 0.02
                {
                    let at = w.calls + rng.random_range(1..40);
                    w.faults.crash_at = Some((at, rng.random::<bool>()));
                    let mut l = ledger(&book);
                    l.keep = true;
                    l.last = Some(current.clone());
                }
            }
            // People: approvals, pause, cancel.
            {
                let mut l = ledger(&book);
                for wv in &current.waves {
                    if wv.status == WaveStatus::WaitingApproval && rng.random::<f64>() < 0.3 {
                        l.control
                            .approvals
                            .insert(wv.name.clone(), "sim-approver".into());
                    }
                    for st in &wv.steps {
                        if st.status == super::StepStatus::Waiting && rng.random::<f64>() < 0.3 {
                            l.control
                                .confirmations
                                .insert((wv.name.clone(), st.name.clone()), "sim-person".into());
                        }
                    }
                }
                if clock.now() < lock(&world).faults.until {
                    let x: f64 = rng.random();
                    if x < 0.01 {
                        l.control.pause = !l.control.pause;
                    } else if x < 0.0115 {
                        l.control.cancel = true;
                    }
                } else {
                    l.control.pause = false;
                }
            }
            let result = poll_once(engine.tick(&mut current));
            match result {
                None => {
                    // The process died mid-call: the engine is gone; its journal stays.
                    report.crashes += 1;
                    drop(engine);
                    let last = {
                        let mut l = ledger(&book);
                        l.keep = false;
                        l.last.clone()
                    };
                    let Some(last) = last else {
                        report
                            .violations
                            .push("the journal lost the execution".into());
                        break 'drivers;
                    };
                    // Sometimes the dead driver was only stopped (SIGSTOP) and comes back after
                    // another took over.
                    let working = std::mem::replace(&mut current, last);
                    if rng.random::<f64>() < 0.3 {
                        zombie = Some((driver, working));
                    }
                    // A second driver trying to start while the lease is live is refused (the
                    // app checks the lease's heartbeat; here the lease is live until taken over).
                    if rng.random::<f64>() < 0.3 {
                        report.fenced += 1;
                    }
                    driver += 1;
                    lock(&world).crashed = false;
                    let j = SimJournal {
                        ledger: Arc::clone(&book),
                        world: Arc::clone(&world),
                        driver,
                    };
                    j.take_over();
                    clock.advance(Duration::from_secs(rng.random_range(1..600)));
                    continue 'drivers;
                }
                Some(Err(EngineError::Journal(JournalError::Fenced { .. }))) => {
                    report.violations.push(format!(
                        "driver {driver} was fenced while holding the lease"
                    ));
                    break 'drivers;
                }
                Some(Err(err)) => {
                    report.violations.push(format!("the engine stopped: {err}"));
                    break 'drivers;
                }
                Some(Ok(out)) => {
                    if let Some(v) = lock(&world).violations.first().cloned() {
                        report.violations.push(v);
                        break 'drivers;
                    }
                    if out.ended {
                        break 'drivers;
                    }
                    // The stopped driver comes back: its first write must be refused, and it
                    // must change nothing in the cloud.
                    if let Some((old, mut state)) = zombie.take() {
                        let zc: Arc<dyn Cloud> = Arc::new(SimCloud {
                            world: Arc::clone(&world),
                            driver: old,
                        });
                        let zclouds: Clouds = BTreeMap::from([(TARGET.to_string(), zc)]);
                        let zj = SimJournal {
                            ledger: Arc::clone(&book),
                            world: Arc::clone(&world),
                            driver: old,
                        };
                        let mut z = Engine::new(&zclouds, &zj, clock_dyn.as_ref(), &options);
                        match poll_once(z.tick(&mut state)) {
                            Some(Err(EngineError::Journal(JournalError::Fenced { .. }))) => {
                                report.fenced += 1;
                            }
                            Some(Ok(_)) if state.status.is_final() => {}
                            None => {
                                lock(&world).faults.crash_at = None;
                            }
                            other => report.violations.push(format!(
                                "a driver that lost its lease was not fenced: {other:?}"
                            )),
                        }
                        if let Some(v) = lock(&world).violations.first().cloned() {
                            report.violations.push(v);
                            break 'drivers;
                        }
                    }
                    let mut step = out
                        .next_in
                        .clamp(Duration::from_secs(1), Duration::from_secs(120));
                    if clock.now() < lock(&world).faults.until && rng.random::<f64>() < 0.01 {
                        // The laptop sleeps.
                        step += Duration::from_secs(rng.random_range(1800..14_400));
                        report.jumps += 1;
                    }
                    clock.advance(step);
                }
            }
        }
    }
    let w = lock(&world);
    report.calls = w.calls;
    report.faults = w.injected;
    report.fenced += ledger(&book).fenced;
    report.status = Some(current.status);
    report.trace = ledger(&book).trace.clone().unwrap_or_default();
    if trace {
        report.trace.extend(w.log.iter().cloned());
        report
            .trace
            .sort_by(|a, b| a.split(' ').next().cmp(&b.split(' ').next()));
    }
    for v in &w.violations {
        if !report.violations.contains(v) {
            report.violations.push(v.clone());
        }
    }
    if report.violations.is_empty() {
        final_checks(&w, &current, &mut report);
    }
    report
}

/// The invariants that hold once the execution has ended.
fn final_checks(w: &World, e: &Execution, report: &mut Report) {
    if !e.status.is_final() {
        report.violations.push(format!(
            "the execution ended in state {}",
            e.status.as_str()
        ));
        return;
    }
    // Automated steps: an SSM command or automation sent at most once (each step has its own
    // document); a done one names what it followed; a drill never wrote the production zone.
    for wv in &e.waves {
        for st in &wv.steps {
            let Some(spec) = &st.spec else { continue };
            let sent = match spec.kind {
                crate::step::StepKind::SsmCommand => {
                    w.commands.values().filter(|c| c.1 == spec.document).count()
                }
                crate::step::StepKind::SsmAutomation => w
                    .automations
                    .values()
                    .filter(|a| a.0 == spec.document)
                    .count(),
                _ => 0,
            };
            if sent > 1 {
                report.violations.push(format!(
                    "step {}/{} ({}) was sent {sent} times",
                    wv.name,
                    st.name,
                    spec.kind.label()
                ));
            }
            // A wait step that is done waited its minutes (on the execution's clock), unless a
            // person confirmed it after it failed (its timeout shorter than its wait).
            if st.status == super::StepStatus::Done
                && spec.kind == crate::step::StepKind::Wait
                && st.confirmed_by.is_none()
            {
                let waited = match (
                    st.started_at.as_deref().and_then(super::model::parse),
                    st.ended_at.as_deref().and_then(super::model::parse),
                ) {
                    (Some(a), Some(b)) => (b - a).whole_seconds(),
                    _ => -1,
                };
                let minutes = i64::from(spec.minutes.unwrap_or(0));
                if waited < minutes * 60 {
                    report.violations.push(format!(
                        "wait step {}/{} ended after {waited} s, before its {minutes} min",
                        wv.name, st.name
                    ));
                }
            }
            if st.status == super::StepStatus::Done
                && st.confirmed_by.is_none()
                && matches!(
                    spec.kind,
                    crate::step::StepKind::SsmCommand | crate::step::StepKind::SsmAutomation
                )
                && st.action_ids.is_empty()
            {
                report.violations.push(format!(
                    "step {}/{} done without the ID of what it ran",
                    wv.name, st.name
                ));
            }
        }
    }
    if e.kind == ExecutionKind::Drill && w.zones_written.contains("ZPROD") {
        report
            .violations
            .push("a drill wrote the production hosted zone".into());
    }
    // Steps: all over; a confirmed one says who; no server of a wave launched before its
    // before-steps let it.
    for wv in &e.waves {
        for st in &wv.steps {
            if !st.status.is_final() {
                report.violations.push(format!(
                    "step {}/{} is {:?} after the execution ended",
                    wv.name, st.name, st.status
                ));
            }
            if st.status == super::StepStatus::Done
                && st.confirmed_by.is_none()
                && !st.kind.automated()
            {
                report.violations.push(format!(
                    "step {}/{} done without a confirmation",
                    wv.name, st.name
                ));
            }
        }
        let cleared = wv
            .steps
            .iter()
            .filter(|st| st.phase == super::StepPhase::Before)
            .all(|st| match st.status {
                super::StepStatus::Done => true,
                super::StepStatus::Skipped => st.note.as_deref() == Some("runs in recoveries only"),
                super::StepStatus::Failed => st.on_failure == crate::step::StepFailure::Continue,
                _ => false,
            });
        if !cleared && wv.servers.iter().any(|sv| sv.batch.is_some()) {
            report.violations.push(format!(
                "wave {} launched servers although its before-steps did not let it",
                wv.name
            ));
        }
    }
    let ours: BTreeSet<&String> = w
        .jobs
        .values()
        .filter(|j| j.tags.get(crate::jobs::tags::EXECUTION) == Some(&e.id))
        .map(|j| &j.id)
        .collect();
    // Every job the execution started has ended and is known to the journal.
    for j in w.jobs.values().filter(|j| ours.contains(&j.id)) {
        if !e
            .batches
            .iter()
            .any(|b| b.job_id.as_deref() == Some(j.id.as_str()))
        {
            report.violations.push(format!(
                "job {} of the execution is not in its journal",
                j.id
            ));
        }
    }
    if e.kind == ExecutionKind::Drill {
        let left: Vec<&String> = w
            .recovery_instances
            .iter()
            .filter(|(_, r)| ours.contains(&r.job))
            .map(|(k, _)| k)
            .collect();
        if !left.is_empty() {
            report.violations.push(format!(
                "{} drill recovery instance(s) left after the drill ended: {:?}",
                left.len(),
                left
            ));
        }
        for (id, s) in &w.servers {
            if s.config.launch_into_instance_id != s.original.launch_into_instance_id {
                report.violations.push(format!(
                    "{id}: launch-into is {:?} after the drill, was {:?}",
                    s.config.launch_into_instance_id, s.original.launch_into_instance_id
                ));
            }
            if s.template.subnet_id != s.original_subnet {
                report.violations.push(format!(
                    "{id} ({}): subnet {:?} after the drill, was {:?}",
                    s.group, s.template.subnet_id, s.original_subnet
                ));
            }
        }
    }
    for dr in &w.dr_instances {
        if w.instances
            .get(dr)
            .is_some_and(|i| i.state == InstanceState::Terminated)
        {
            report
                .violations
                .push(format!("DR instance {dr} is terminated"));
        }
    }
}

/// Runs `seeds` and returns the reports that broke an invariant, with totals.
pub fn run_many(seeds: impl IntoIterator<Item = u64>) -> (Vec<Report>, Report) {
    let mut failing = Vec::new();
    let mut total = Report::default();
    for seed in seeds {
        let r = run(seed);
        total.ticks += r.ticks;
        total.calls += r.calls;
        total.faults += r.faults;
        total.crashes += r.crashes;
        total.fenced += r.fenced;
        total.jumps += r.jumps;
        total.servers += r.servers;
        if !r.violations.is_empty() {
            failing.push(r);
        }
    }
    (failing, total)
}

/// Zero to two manual steps, some in recoveries only, some with a timeout and either policy.
fn manual_steps(rng: &mut impl rand::Rng, phase: &str) -> Vec<crate::plan::Step> {
    let n = if rng.random::<f64>() < 0.25 {
        rng.random_range(1..=2)
    } else {
        0
    };
    (0..n)
        .map(|i| crate::plan::Step {
            name: format!("{phase}-{i}"),
            kind: crate::plan::StepKind::Manual,
            instruction: "confirm it".into(),
            timeout_minutes: (rng.random::<f64>() < 0.3).then(|| rng.random_range(1..30)),
            on_failure: if rng.random::<bool>() {
                crate::step::StepFailure::Stop
            } else {
                crate::step::StepFailure::Continue
            },
            in_drills: rng.random::<f64>() < 0.9,
            ..crate::plan::Step::default()
        })
        .collect()
}

/// Zero to two automated after-steps of wave `w` (an SSM command or automation, a Route 53
/// change, an EC2 status check), some failing, with any policy. Each SSM step has a document of
/// its own, so the cloud's record tells how many times it was sent.
fn automated_steps(rng: &mut impl rand::Rng, w: usize) -> Vec<crate::plan::Step> {
    use crate::step::{CheckKind, Step, StepFailure, StepKind};
    let n = if rng.random::<f64>() < 0.3 {
        rng.random_range(1..=2)
    } else {
        0
    };
    (0..n)
        .map(|i| {
            let fails = if rng.random::<f64>() < 0.15 {
                "-Fail"
            } else {
                ""
            };
            let base = Step {
                name: format!("auto-{i}"),
                timeout_minutes: (rng.random::<f64>() < 0.3).then(|| rng.random_range(2..30)),
                on_failure: match rng.random_range(0..3) {
                    0 => StepFailure::Stop,
                    1 => StepFailure::Continue,
                    _ => StepFailure::Ask,
                },
                in_drills: rng.random::<f64>() < 0.9,
                ..Step::default()
            };
            match rng.random_range(0..5) {
                4 => Step {
                    kind: StepKind::Wait,
                    minutes: Some(rng.random_range(1..6)),
                    ..base
                },
                0 => Step {
                    kind: StepKind::SsmCommand,
                    document: format!("Doc-w{w}-{i}{fails}"),
                    ..base
                },
                1 => Step {
                    kind: StepKind::SsmAutomation,
                    document: format!("Auto-w{w}-{i}{fails}"),
                    ..base
                },
                2 => Step {
                    kind: StepKind::Route53,
                    zone_id: "ZPROD".into(),
                    drill_zone_id: "ZDRILL".into(),
                    record: format!("w{w}-{i}.sim.internal"),
                    value: "10.0.0.1".into(),
                    ..base
                },
                _ => Step {
                    kind: StepKind::Check,
                    check: Some(CheckKind::Ec2Status),
                    ..base
                },
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The seeds CI runs (about a minute on two cores); `--seeds N` with the example runs more.
    const CI_SEEDS: u64 = 1500;

    #[test]
    fn a_fixed_set_of_seeds_keeps_every_invariant() {
        let (failing, total) = run_many(0..CI_SEEDS);
        let text: Vec<String> = failing
            .iter()
            .take(5)
            .map(|r| {
                format!(
                    "seed {}: {}\n  {}",
                    r.seed,
                    r.violations.join("\n  "),
                    r.replay_hint()
                )
            })
            .collect();
        assert!(
            failing.is_empty(),
            "{} of {CI_SEEDS} seeds broke an invariant:\n{}",
            failing.len(),
            text.join("\n")
        );
        assert!(
            total.crashes > 0 && total.faults > 0 && total.jumps > 0,
            "{total:?}"
        );
    }

    #[test]
    fn a_seed_replays_exactly() {
        let a = run(7);
        let b = run(7);
        assert_eq!(
            (a.ticks, a.calls, a.faults, a.crashes),
            (b.ticks, b.calls, b.faults, b.crashes)
        );
        assert_eq!(a.violations, b.violations);
    }
}
