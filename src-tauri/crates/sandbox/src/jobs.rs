//! Recovery jobs, simulated on the sandbox clock: StartRecovery creates a LAUNCH job whose
//! servers go through snapshot → conversion → launch with seeded durations; DescribeJobs,
//! DescribeJobLogItems and DescribeRecoveryInstances read the state as of the simulated now;
//! TerminateRecoveryInstances creates a TERMINATE job that terminates the EC2 instances — the
//! launched-into ones included, as DRS does (the app must guard against that). An instance
//! tagged `DisableApiTermination=true` stands for EC2 termination protection (EC2's
//! `DescribeInstanceAttribute` reports it): it is not terminated and its recovery instance
//! stays. Like DRS, a launch's job log has `LAUNCH_START` and `LAUNCH_FAILED` but no event for a
//! finished launch; new instance IDs come from a counter and are never reused.

use crate::estate::{iso, Instance, RegionState};
use std::collections::BTreeMap;
use time::{Duration, OffsetDateTime};

/// DRS quota: source servers per recovery job.
pub const MAX_SERVERS_PER_JOB: usize = 100;
/// DRS quota: concurrent jobs per account and region.
pub const MAX_CONCURRENT_JOBS: usize = 20;
/// DRS quota: source servers in all active jobs.
pub const MAX_SERVERS_IN_ACTIVE_JOBS: usize = 500;

/// One server's planned path through a launch job (offsets from the job's start).
#[derive(Debug, Clone)]
pub struct ServerPlan {
    /// Source server.
    pub source_server_id: String,
    /// Snapshot takes this long.
    pub snapshot: Duration,
    /// Then conversion.
    pub conversion: Duration,
    /// Then launch.
    pub launch: Duration,
    /// Launch-into target, when the launch configuration names one.
    pub launch_into: Option<String>,
    /// Set once the launch step has been applied.
    pub outcome: Option<Outcome>,
    /// The server's active post-launch actions when the job started (when DRS runs them), and
    /// whether each one's run fails.
    pub actions: Vec<(serde_json::Value, Option<String>)>,
}

/// Simulated seconds from a launch to DRS discovering the instance's SSM agent.
const AGENT_DISCOVERED_AFTER: i64 = 40;
/// Simulated seconds a post-launch action runs.
const ACTION_RUNS_FOR: i64 = 20;

/// How a server's launch ended.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// Launched; the recovery instance.
    Launched {
        /// Recovery instance ID.
        recovery_instance_id: String,
    },
    /// Failed, with DRS's raw error.
    Failed {
        /// Why.
        raw_error: String,
    },
}

/// A DRS job.
#[derive(Debug, Clone)]
pub struct Job {
    /// `drsjob-…`.
    pub id: String,
    /// ARN.
    pub arn: String,
    /// `LAUNCH` or `TERMINATE`.
    pub job_type: &'static str,
    /// `START_DRILL`, `START_RECOVERY` or `TERMINATE_RECOVERY_INSTANCES`.
    pub initiated_by: &'static str,
    /// Simulated creation time.
    pub created: OffsetDateTime,
    /// Tags given at creation.
    pub tags: BTreeMap<String, String>,
    /// Launch jobs: each server's plan.
    pub servers: Vec<ServerPlan>,
    /// Terminate jobs: the recovery instances to terminate.
    pub terminate: Vec<String>,
    /// When it ended (simulated).
    pub ended: Option<OffsetDateTime>,
}

impl Job {
    fn server_end(&self, p: &ServerPlan) -> OffsetDateTime {
        self.created + Duration::seconds(10) + p.snapshot + p.conversion + p.launch
    }

    /// When the job will end, as planned.
    pub fn planned_end(&self) -> OffsetDateTime {
        if self.job_type == "TERMINATE" {
            return self.created + Duration::seconds(60);
        }
        self.servers
            .iter()
            .map(|p| self.server_end(p))
            .max()
            .unwrap_or(self.created)
            + Duration::seconds(5)
    }

    /// `PENDING`, `STARTED` or `COMPLETED` at `now`.
    pub fn status(&self, now: OffsetDateTime) -> &'static str {
        if self.ended.is_some_and(|e| e <= now) {
            "COMPLETED"
        } else if now >= self.created + Duration::seconds(10) {
            "STARTED"
        } else {
            "PENDING"
        }
    }

    /// Whether the job still counts against the quotas.
    pub fn active(&self, now: OffsetDateTime) -> bool {
        self.status(now) != "COMPLETED"
    }

    /// A server's `launchStatus` at `now`.
    pub fn launch_status(&self, p: &ServerPlan, now: OffsetDateTime) -> &'static str {
        match &p.outcome {
            Some(Outcome::Launched { .. }) => "LAUNCHED",
            Some(Outcome::Failed { .. }) => "FAILED",
            None if now >= self.created + Duration::seconds(10) => "IN_PROGRESS",
            None => "PENDING",
        }
    }

    /// The job log as of `now`.
    pub fn log(&self, now: OffsetDateTime) -> Vec<serde_json::Value> {
        let mut events: Vec<(OffsetDateTime, &str, serde_json::Value)> = Vec::new();
        let start = self.created + Duration::seconds(10);
        events.push((start, "JOB_START", serde_json::json!({})));
        for p in &self.servers {
            let data = |extra: serde_json::Value| {
                let mut d = serde_json::json!({ "sourceServerID": p.source_server_id });
                if let (Some(o), serde_json::Value::Object(e)) = (d.as_object_mut(), extra) {
                    o.extend(e);
                }
                d
            };
            let snap_end = start + p.snapshot;
            let conv_end = snap_end + p.conversion;
            let end = conv_end + p.launch;
            events.push((start, "SNAPSHOT_START", data(serde_json::json!({}))));
            events.push((snap_end, "SNAPSHOT_END", data(serde_json::json!({}))));
            events.push((
                snap_end,
                "CONVERSION_START",
                data(serde_json::json!({ "conversionServerID": "i-0c0nversion0000001" })),
            ));
            events.push((conv_end, "CONVERSION_END", data(serde_json::json!({}))));
            // DRS names the instance a launch goes into when it is an existing one; it has no
            // event for a finished launch (`launchStatus` says so).
            events.push((
                conv_end,
                "LAUNCH_START",
                data(match &p.launch_into {
                    Some(i) => serde_json::json!({ "targetInstanceID": i }),
                    None => serde_json::json!({}),
                }),
            ));
            if let Some(Outcome::Failed { raw_error }) = &p.outcome {
                events.push((
                    end,
                    "LAUNCH_FAILED",
                    data(serde_json::json!({ "rawError": raw_error })),
                ));
            }
        }
        if let Some(end) = self.ended {
            events.push((end, "JOB_END", serde_json::json!({})));
        }
        events.sort_by_key(|(t, _, _)| *t);
        events
            .into_iter()
            .filter(|(t, _, _)| *t <= now)
            .map(|(t, event, data)| serde_json::json!({ "logDateTime": iso(t), "event": event, "eventData": data }))
            .collect()
    }

    /// A launched server's post-launch action runs as of `now`: none before its agent is
    /// discovered, then each in progress for a while and then succeeded (or failed).
    fn action_runs(&self, p: &ServerPlan, now: OffsetDateTime) -> serde_json::Value {
        let launched = self.created + Duration::seconds(10) + p.snapshot + p.conversion + p.launch;
        let discovered = launched + Duration::seconds(AGENT_DISCOVERED_AFTER);
        if now < discovered {
            return serde_json::json!({ "runs": [] });
        }
        let done = now >= discovered + Duration::seconds(ACTION_RUNS_FOR);
        let runs: Vec<serde_json::Value> = p
            .actions
            .iter()
            .enumerate()
            .map(|(i, (action, failure))| {
                let mut run = serde_json::json!({
                    "action": action,
                    "runId": format!("{}-run-{i}", self.id),
                    "status": match (done, failure) {
                        (false, _) => "IN_PROGRESS",
                        (true, None) => "SUCCEEDED",
                        (true, Some(_)) => "FAILED",
                    },
                });
                if let (true, Some(f)) = (done, failure) {
                    run["failureReason"] = serde_json::json!(f);
                }
                run
            })
            .collect();
        serde_json::json!({ "ssmAgentDiscoveryDatetime": iso(discovered), "runs": runs })
    }

    /// The job as DRS returns it.
    pub fn render(&self, now: OffsetDateTime) -> serde_json::Value {
        let participating: Vec<serde_json::Value> = self
            .servers
            .iter()
            .map(|p| {
                let mut v = serde_json::json!({
                    "sourceServerID": p.source_server_id,
                    "launchStatus": self.launch_status(p, now),
                });
                if let Some(Outcome::Launched {
                    recovery_instance_id,
                }) = &p.outcome
                {
                    v["recoveryInstanceID"] = serde_json::json!(recovery_instance_id);
                    if !p.actions.is_empty() {
                        v["launchActionsStatus"] = self.action_runs(p, now);
                    }
                }
                v
            })
            .collect();
        let mut v = serde_json::json!({
            "jobID": self.id,
            "arn": self.arn,
            "type": self.job_type,
            "initiatedBy": self.initiated_by,
            "creationDateTime": iso(self.created),
            "status": self.status(now),
            "participatingServers": participating,
            "tags": self.tags,
        });
        if let Some(end) = self.ended.filter(|e| *e <= now) {
            v["endDateTime"] = serde_json::json!(iso(end));
        }
        v
    }
}

/// A DRS recovery instance.
#[derive(Debug, Clone)]
pub struct RecoveryInstance {
    /// `i-…` (DRS uses the EC2 instance ID).
    pub id: String,
    /// The EC2 instance.
    pub ec2_instance_id: String,
    /// The source server.
    pub source_server_id: String,
    /// The job that launched it.
    pub job_id: String,
    /// Drill or recovery.
    pub is_drill: bool,
    /// Launched into a pre-provisioned instance.
    pub launched_into: bool,
    /// Point in time recovered.
    pub snapshot_time: OffsetDateTime,
}

/// Instance IDs launched in the recovery region (us-west-2) keep their historic form; other
/// regions get a prefix of their own so IDs never collide across regions.
fn region_prefix(region: &str) -> u64 {
    if region == "us-west-2" {
        return 0;
    }
    let n = region
        .bytes()
        .fold(7u64, |a, b| a.wrapping_mul(31).wrapping_add(u64::from(b)));
    (1 + n % 0xfe) << 28
}

/// Applies every due step of every job in `region` up to `now` (idempotent).
pub fn advance(region: &mut RegionState, account: &str, region_name: &str, now: OffsetDateTime) {
    let job_ids: Vec<String> = region.jobs.keys().cloned().collect();
    for job_id in job_ids {
        let Some(job) = region.jobs.get(&job_id).cloned() else {
            continue;
        };
        if job.ended.is_some() {
            continue;
        }
        let mut job = job;
        if job.job_type == "TERMINATE" {
            if now >= job.planned_end() {
                for ri in &job.terminate {
                    // An EC2 instance with termination protection (the sandbox reads the tag
                    // `DisableApiTermination=true`) refuses, and its recovery instance stays.
                    let protected = region
                        .recovery_instances
                        .get(ri)
                        .and_then(|r| region.instances.get(&r.ec2_instance_id))
                        .is_some_and(|i| {
                            i.tags.get("DisableApiTermination").map(String::as_str) == Some("true")
                        });
                    if protected {
                        continue;
                    }
                    if let Some(r) = region.recovery_instances.remove(ri) {
                        if let Some(i) = region.instances.get_mut(&r.ec2_instance_id) {
                            i.state = "terminated".into();
                        }
                    }
                }
                job.ended = Some(job.planned_end());
            }
            region.jobs.insert(job_id, job);
            continue;
        }
        let is_drill = job.initiated_by == "START_DRILL";
        for idx in 0..job.servers.len() {
            let end = job.server_end(&job.servers[idx]);
            if job.servers[idx].outcome.is_some() || now < end {
                continue;
            }
            let server_id = job.servers[idx].source_server_id.clone();
            let outcome = launch(
                region,
                account,
                region_name,
                &job,
                &server_id,
                job.servers[idx].launch_into.clone(),
                is_drill,
                end,
            );
            job.servers[idx].outcome = Some(outcome);
        }
        if job.servers.iter().all(|p| p.outcome.is_some()) {
            job.ended = Some(job.planned_end());
        }
        region.jobs.insert(job_id, job);
    }
}

#[allow(clippy::too_many_arguments)]
fn launch(
    region: &mut RegionState,
    _account: &str,
    region_name: &str,
    job: &Job,
    server_id: &str,
    launch_into: Option<String>,
    is_drill: bool,
    at: OffsetDateTime,
) -> Outcome {
    let Some(server) = region.servers.get(server_id).cloned() else {
        return Outcome::Failed {
            raw_error: format!("Source server {server_id} no longer exists"),
        };
    };
    // A new launch of a server replaces its previous drill instance.
    let previous: Vec<String> = region
        .recovery_instances
        .values()
        .filter(|r| r.source_server_id == server_id && r.is_drill)
        .map(|r| r.id.clone())
        .collect();
    let ec2_id = match &launch_into {
        Some(target) => {
            let Some(inst) = region.instances.get(target) else {
                return Outcome::Failed {
                    raw_error: format!(
                        "Launch into instance {target} failed: the instance does not exist"
                    ),
                };
            };
            if inst.tags.get("AWSDRS").map(String::as_str) != Some("AllowLaunchingIntoThisInstance")
            {
                return Outcome::Failed {
                    raw_error: format!("Launch into instance {target} failed: the instance is not tagged AWSDRS=AllowLaunchingIntoThisInstance"),
                };
            }
            if inst.state != "stopped" {
                return Outcome::Failed {
                    raw_error: format!("Launch into instance {target} failed: the instance must be stopped (it is {})", inst.state),
                };
            }
            target.clone()
        }
        None => {
            // Unique at any scale: a counter per region, never reused, under a prefix of the
            // region's own (a failback launches in the origin region too).
            region.launched += 1;
            format!(
                "i-0e{:015x}",
                0xd7_0000_0000_u64 + region_prefix(region_name) + region.launched
            )
        }
    };
    for old in previous {
        if let Some(r) = region.recovery_instances.remove(&old) {
            if !r.launched_into {
                if let Some(i) = region.instances.get_mut(&r.ec2_instance_id) {
                    i.state = "terminated".into();
                }
            }
        }
    }
    // A new instance is launched from the server's launch template (its default version).
    let template = region
        .launch_configs
        .get(server_id)
        .and_then(|c| c["ec2LaunchTemplateID"].as_str())
        .and_then(|id| region.launch_templates.get(id))
        .and_then(|t| t.versions.get((t.default_version.max(1) - 1) as usize))
        .cloned()
        .unwrap_or_default();
    match region.instances.get_mut(&ec2_id) {
        Some(inst) => {
            // Started by DRS after its volumes were swapped: EC2's launch time is now.
            inst.state = "running".into();
            inst.launch_time = iso(at);
        }
        None => {
            let mut tags = server.tags.clone();
            tags.insert("AWSDRS-Job".into(), job.id.clone());
            region.instances.insert(
                ec2_id.clone(),
                Instance {
                    id: ec2_id.clone(),
                    state: "running".into(),
                    instance_type: template
                        .instance_type
                        .clone()
                        .unwrap_or_else(|| server.spec.instance_type.clone()),
                    private_ip: template.private_ip.clone().unwrap_or_else(|| {
                        format!(
                            "10.99.{}.{}",
                            (region.instances.len() / 250) % 250,
                            1 + region.instances.len() % 250
                        )
                    }),
                    subnet_id: template
                        .subnet_id
                        .clone()
                        .unwrap_or_else(|| "subnet-0f0000000000000a1".into()),
                    architecture: server.spec.architecture.clone(),
                    platform: if server.spec.os.contains("Windows") {
                        "Windows".into()
                    } else {
                        "Linux/UNIX".into()
                    },
                    boot_mode: "uefi".into(),
                    root_device_type: "ebs".into(),
                    tags,
                    launch_time: iso(at),
                },
            );
        }
    }
    region.recovery_instances.insert(
        ec2_id.clone(),
        RecoveryInstance {
            id: ec2_id.clone(),
            ec2_instance_id: ec2_id.clone(),
            source_server_id: server_id.to_string(),
            job_id: job.id.clone(),
            is_drill,
            launched_into: launch_into.is_some(),
            snapshot_time: job.created,
        },
    );
    Outcome::Launched {
        recovery_instance_id: ec2_id,
    }
}
