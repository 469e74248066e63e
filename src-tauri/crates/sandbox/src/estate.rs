//! The live state of a sandbox: accounts and their keys, regions with DRS source servers, launch
//! configurations and EC2 instances, and the simulated clock (`time_scale` simulated seconds per
//! real second) that everything time-based reads.

use crate::scenario::{AccountSpec, InstanceSpec, Scenario, ServerSpec};
use std::collections::{BTreeMap, HashMap};
use std::time::Instant;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// Who a request comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// Account ID.
    pub account: String,
    /// Caller ARN.
    pub arn: String,
    /// STS user ID.
    pub user_id: String,
}

/// A DRS source server.
#[derive(Debug, Clone)]
pub struct Server {
    /// Scenario definition (with its ID filled in).
    pub spec: ServerSpec,
    /// Tags, including `Name`.
    pub tags: BTreeMap<String, String>,
    /// `FAILOVER` (towards the recovery region), or `FAILBACK` (a source server created by
    /// `ReverseReplication`, replicating a recovery instance back to its origin region).
    pub direction: String,
    /// The source server of the opposite direction, once replication was reversed.
    pub reversed_arn: Option<String>,
    /// The recovery instance it is associated with (DRS's `recoveryInstanceId`).
    pub recovery_instance_id: Option<String>,
    /// Its (re)started initial sync: when it began and when it ends (`None`: never — a fault).
    pub sync: Option<(OffsetDateTime, Option<OffsetDateTime>)>,
}

impl Server {
    /// A source server as a scenario defines it: replicating towards the recovery region.
    pub fn new(spec: ServerSpec, tags: BTreeMap<String, String>) -> Self {
        Self {
            spec,
            tags,
            direction: "FAILOVER".into(),
            reversed_arn: None,
            recovery_instance_id: None,
            sync: None,
        }
    }

    /// Its replication state at `now` (an initial sync in progress reports `INITIAL_SYNC`),
    /// and how far the initial sync is (0–100) when one runs.
    pub fn replication_at(&self, now: OffsetDateTime) -> (String, Option<f64>) {
        match self.sync {
            Some((from, Some(until))) if now < until => {
                let total = (until - from).as_seconds_f64().max(1.0);
                let done = (now - from).as_seconds_f64().clamp(0.0, total);
                ("INITIAL_SYNC".into(), Some(done / total * 100.0))
            }
            Some((_, None)) => ("INITIAL_SYNC".into(), Some(37.0)),
            _ => (self.spec.replication_state.clone(), None),
        }
    }
}

/// An EC2 instance.
#[derive(Debug, Clone)]
pub struct Instance {
    /// `i-…`.
    pub id: String,
    /// `pending`, `running`, `stopping`, `stopped`, `shutting-down`, `terminated`.
    pub state: String,
    /// Instance type.
    pub instance_type: String,
    /// Private IPv4.
    pub private_ip: String,
    /// Subnet.
    pub subnet_id: String,
    /// Architecture.
    pub architecture: String,
    /// Platform details.
    pub platform: String,
    /// Boot mode.
    pub boot_mode: String,
    /// Root device type.
    pub root_device_type: String,
    /// Tags.
    pub tags: BTreeMap<String, String>,
    /// Launch time (RFC 3339).
    pub launch_time: String,
}

/// One region of one account.
#[derive(Debug, Default, Clone)]
pub struct RegionState {
    /// DRS post-launch actions by source server (as PutLaunchAction stored them).
    pub launch_actions: BTreeMap<String, Vec<serde_json::Value>>,
    /// DRS source servers by ID.
    pub servers: BTreeMap<String, Server>,
    /// DRS launch configurations by source server ID.
    pub launch_configs: BTreeMap<String, serde_json::Value>,
    /// EC2 instances by ID.
    pub instances: BTreeMap<String, Instance>,
    /// Tags of DRS resources other than source servers, by ARN.
    pub resource_tags: BTreeMap<String, BTreeMap<String, String>>,
    /// EC2 launch templates by ID (one per source server, as DRS creates them).
    pub launch_templates: BTreeMap<String, LaunchTemplate>,
    /// DRS jobs by ID.
    pub jobs: BTreeMap<String, crate::jobs::Job>,
    /// EC2 state changes in flight: when, which instance, the state it settles in.
    pub transitions: Vec<(OffsetDateTime, String, String)>,
    /// DRS recovery instances by ID.
    pub recovery_instances: BTreeMap<String, crate::jobs::RecoveryInstance>,
    /// Instances DRS has launched here (new instance IDs come from it).
    pub launched: u64,
    /// The most recovery jobs active at once since the scenario was loaded (measured each time
    /// a job starts, when the count can rise), so tests need not sample `/_sandbox/state`.
    pub peak_active_jobs: usize,
    /// The most source servers in active recovery jobs at once, measured the same way.
    pub peak_servers_in_active_jobs: usize,
    /// The default DRS launch settings' `launchIntoSourceInstance`: a source server created by
    /// `ReverseReplication` into this region launches into its original instance.
    pub launch_into_source: bool,
    /// DRS native recovery plans and their executions.
    pub native: crate::native::NativeState,
}

impl RegionState {
    /// Records the jobs and servers active now if they are the most so far.
    pub fn record_peaks(&mut self, now: OffsetDateTime) {
        let active: Vec<&crate::jobs::Job> = self.jobs.values().filter(|j| j.active(now)).collect();
        let servers: usize = active.iter().map(|j| j.servers.len()).sum();
        self.peak_active_jobs = self.peak_active_jobs.max(active.len());
        self.peak_servers_in_active_jobs = self.peak_servers_in_active_jobs.max(servers);
    }
}

/// An EC2 launch template and its versions (version N is `versions[N - 1]`).
#[derive(Debug, Clone, Default)]
pub struct LaunchTemplate {
    /// `lt-…`.
    pub id: String,
    /// Template name.
    pub name: String,
    /// Default version number.
    pub default_version: u32,
    /// Every version's data.
    pub versions: Vec<TemplateData>,
}

/// What a launch template version sets.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TemplateData {
    /// Instance type.
    pub instance_type: Option<String>,
    /// Subnet of the primary network interface.
    pub subnet_id: Option<String>,
    /// Security groups.
    pub security_group_ids: Vec<String>,
    /// Static private IP.
    pub private_ip: Option<String>,
}

/// One account.
#[derive(Debug, Clone)]
pub struct AccountState {
    /// Its definition.
    pub spec: AccountSpec,
    /// Regions by code.
    pub regions: BTreeMap<String, RegionState>,
}

/// The simulated clock.
#[derive(Debug, Clone)]
pub struct SimClock {
    real_start: Instant,
    sim_start: OffsetDateTime,
    scale: f64,
}

impl SimClock {
    /// Simulated now.
    pub fn now(&self) -> OffsetDateTime {
        let real = self.real_start.elapsed().as_secs_f64();
        let sim = time::Duration::seconds_f64(real * self.scale);
        self.sim_start + sim
    }
}

/// Formats a time as DRS and EC2 do (RFC 3339, UTC, whole seconds).
pub fn iso(t: OffsetDateTime) -> String {
    t.replace_nanosecond(0)
        .unwrap_or(t)
        .format(&Rfc3339)
        .unwrap_or_default()
}

/// Everything the sandbox simulates.
#[derive(Debug, Clone)]
pub struct Estate {
    /// The clock.
    pub clock: SimClock,
    /// Accounts by ID.
    pub accounts: BTreeMap<String, AccountState>,
    principals: HashMap<String, Principal>,
    counter: u64,
    /// Seed for simulated durations.
    pub seed: u64,
    /// SSM commands and automations, Route 53 zones and changes.
    pub runbook: crate::ssm::RunbookState,
    /// Source servers (by name or ID) whose reversed replication never finishes its initial
    /// sync (a fault).
    pub stuck_syncs: std::collections::BTreeSet<String>,
    /// CloudWatch metric alarms by account and region.
    pub alarms: crate::cloudwatch::Alarms,
    /// SNS topics and EventBridge rules.
    pub alerts: crate::alerts::Alerts,
}

fn instance_from_spec(spec: &InstanceSpec, id: String, ip: String, launched: &str) -> Instance {
    let mut tags = spec.tags.clone();
    if let Some(n) = &spec.name {
        tags.insert("Name".into(), n.clone());
    }
    Instance {
        id,
        state: spec.state.clone(),
        instance_type: spec.instance_type.clone(),
        private_ip: ip,
        subnet_id: spec
            .subnet_id
            .clone()
            .unwrap_or_else(|| "subnet-0f0000000000000a1".into()),
        architecture: spec.architecture.clone(),
        platform: spec.platform.clone(),
        boot_mode: spec.boot_mode.clone(),
        root_device_type: spec.root_device_type.clone(),
        tags,
        launch_time: launched.to_string(),
    }
}

/// The launch configuration DRS creates for a new source server.
pub fn default_launch_config(server: &Server, counter: u64) -> serde_json::Value {
    serde_json::json!({
        "sourceServerID": server.spec.id,
        "name": server.spec.name,
        "ec2LaunchTemplateID": format!("lt-0{counter:016x}"),
        "launchDisposition": "STARTED",
        "targetInstanceTypeRightSizingMethod": "BASIC",
        "copyPrivateIp": false,
        "copyTags": true,
        "licensing": { "osByol": true },
        "postLaunchEnabled": false,
        "recoveryMode": "FAST",
        "launchIntoInstanceProperties": {}
    })
}

impl Estate {
    /// A fresh estate from a scenario.
    pub fn new(scenario: &Scenario, time_scale: f64, seed: u64) -> Self {
        let now = OffsetDateTime::now_utc();
        let mut e = Estate {
            clock: SimClock {
                real_start: Instant::now(),
                sim_start: now,
                scale: if time_scale > 0.0 { time_scale } else { 1.0 },
            },
            accounts: BTreeMap::new(),
            principals: HashMap::new(),
            counter: 0,
            seed,
            stuck_syncs: Default::default(),
            alarms: Default::default(),
            alerts: Default::default(),
            runbook: crate::ssm::RunbookState {
                documents: scenario.ssm_documents.iter().cloned().collect(),
                open_ports: scenario.open_ports.iter().copied().collect(),
                zones: scenario
                    .hosted_zones
                    .iter()
                    .map(|z| {
                        (
                            z.id.clone(),
                            crate::route53::Zone {
                                account: z.account.clone(),
                                name: crate::route53::fqdn(&z.name),
                                private: z.private,
                                records: z
                                    .records
                                    .iter()
                                    .map(|r| {
                                        (
                                            (crate::route53::fqdn(&r.name), r.record_type.clone()),
                                            crate::route53::Record {
                                                ttl: r.ttl,
                                                values: r.values.clone(),
                                            },
                                        )
                                    })
                                    .collect(),
                            },
                        )
                    })
                    .collect(),
                ..Default::default()
            },
        };
        for a in &scenario.accounts {
            e.principals.insert(
                a.access_key_id.clone(),
                Principal {
                    account: a.id.clone(),
                    arn: format!("arn:aws:iam::{}:user/{}", a.id, a.user),
                    user_id: format!(
                        "AIDA{}",
                        &a.access_key_id.chars().skip(4).collect::<String>()
                    ),
                },
            );
            e.accounts.insert(
                a.id.clone(),
                AccountState {
                    spec: a.clone(),
                    regions: BTreeMap::new(),
                },
            );
        }
        let launched = iso(now - time::Duration::days(30));
        for s in &scenario.source_servers {
            e.add_server(s.clone());
        }
        for (i, spec) in scenario.instances.iter().enumerate() {
            let id = spec.id.clone().unwrap_or_else(|| e.next_id("i-0"));
            let ip = spec.private_ip.clone().unwrap_or_else(|| {
                format!(
                    "10.{}.{}.{}",
                    100 + (i / 65_536) % 100,
                    (i / 256) % 256,
                    i % 256
                )
            });
            let inst = instance_from_spec(spec, id.clone(), ip, &launched);
            e.region_mut(&spec.account, &spec.region)
                .instances
                .insert(id, inst);
        }
        if let Some(g) = scenario.generate.clone() {
            for i in 0..g.source_servers {
                let tier = ["web", "app", "db", "cache"][i % 4];
                e.add_server(ServerSpec {
                    account: g.account.clone(),
                    region: g.region.clone(),
                    id: Some(format!("s-{:017x}", 0x6e0_0000_0000_u64 + i as u64)),
                    name: format!("gen-{tier}-{i:05}"),
                    hostname: None,
                    replication_state: "CONTINUOUS".into(),
                    lag: format!("PT{}S", 1 + i % 7),
                    last_seen_seconds_ago: 3,
                    replication_error: None,
                    raw_error: None,
                    tags: BTreeMap::from([("Tier".to_string(), tier.to_string())]),
                    origin_instance_id: None,
                    origin_region: None,
                    instance_type: "m5.large".into(),
                    os: "Linux".into(),
                    architecture: "x86_64".into(),
                });
            }
            for i in 0..g.instances {
                let (name, tags, state) = if i < g.source_servers {
                    let tier = ["web", "app", "db", "cache"][i % 4];
                    (
                        format!("gen-{tier}-{i:05}"),
                        BTreeMap::from([(
                            "AWSDRS".to_string(),
                            "AllowLaunchingIntoThisInstance".to_string(),
                        )]),
                        "stopped",
                    )
                } else {
                    (format!("other-{i:05}"), BTreeMap::new(), "running")
                };
                let spec = InstanceSpec {
                    account: g.account.clone(),
                    region: g.region.clone(),
                    id: None,
                    name: Some(name),
                    state: state.into(),
                    instance_type: "m5.large".into(),
                    private_ip: None,
                    subnet_id: None,
                    architecture: "x86_64".into(),
                    platform: "Linux/UNIX".into(),
                    boot_mode: "uefi".into(),
                    root_device_type: "ebs".into(),
                    tags,
                };
                let id = format!("i-0{:016x}", 0x9e_0000_0000_u64 + i as u64);
                let ip = format!(
                    "10.{}.{}.{}",
                    200 + (i / 65_536) % 50,
                    (i / 256) % 256,
                    i % 256
                );
                let inst = instance_from_spec(&spec, id.clone(), ip, &launched);
                e.region_mut(&g.account, &g.region)
                    .instances
                    .insert(id, inst);
            }
        }
        e
    }

    fn add_server(&mut self, spec: ServerSpec) {
        self.add_server_with(spec, |_| {});
    }

    /// Adds a source server (with its launch configuration and launch template), changed by
    /// `adjust` first; returns its ID.
    pub fn add_server_with(
        &mut self,
        mut spec: ServerSpec,
        adjust: impl FnOnce(&mut Server),
    ) -> String {
        let id = spec.id.clone().unwrap_or_else(|| self.next_id("s-"));
        spec.id = Some(id.clone());
        let mut tags = spec.tags.clone();
        tags.insert("Name".into(), spec.name.clone());
        let mut server = Server::new(spec, tags);
        adjust(&mut server);
        self.counter += 1;
        let config = default_launch_config(&server, self.counter);
        let template_id = config["ec2LaunchTemplateID"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let template = LaunchTemplate {
            id: template_id.clone(),
            name: format!("drs-{id}"),
            default_version: 1,
            versions: vec![TemplateData {
                instance_type: Some(server.spec.instance_type.clone()),
                subnet_id: Some("subnet-0f0000000000000a1".into()),
                security_group_ids: vec!["sg-0123456789abcdef1".into()],
                private_ip: None,
            }],
        };
        let region = self.region_mut(&server.spec.account, &server.spec.region);
        region.launch_templates.insert(template_id, template);
        region.launch_configs.insert(id.clone(), config);
        region.servers.insert(id.clone(), server);
        id
    }

    /// A new unique ID with `prefix` (`s-`, `i-0`, `j-`, …), 17 hex digits after `s-`.
    pub fn next_id(&mut self, prefix: &str) -> String {
        self.counter += 1;
        let width = if prefix == "i-0" { 16 } else { 17 };
        format!(
            "{prefix}{:0width$x}",
            0xc0_0000_0000_u64 + self.counter,
            width = width
        )
    }

    /// Brings time-driven state (jobs, launches, terminations) up to the simulated now.
    pub fn advance(&mut self) {
        let now = self.clock.now();
        let runbook = crate::drs::LaunchRunbook {
            seed: self.seed,
            failing_actions: &self.runbook.failing_actions,
            offline: &self.runbook.agents_offline,
        };
        for (account, a) in self.accounts.iter_mut() {
            for (name, region) in a.regions.iter_mut() {
                if !region.transitions.is_empty() {
                    let due: Vec<(OffsetDateTime, String, String)> = region
                        .transitions
                        .iter()
                        .filter(|(t, _, _)| *t <= now)
                        .cloned()
                        .collect();
                    region.transitions.retain(|(t, _, _)| *t > now);
                    for (_, id, state) in due {
                        if let Some(i) = region.instances.get_mut(&id) {
                            i.state = state;
                        }
                    }
                }
                if !region.jobs.is_empty() {
                    crate::jobs::advance(region, account, name, now);
                }
                // A native plan's step starts its job when the step before it ended, which may
                // be before now: the job is then brought up to now before the next step.
                while region.native.running()
                    && crate::native::advance(region, account, name, now, &runbook)
                {
                    crate::jobs::advance(region, account, name, now);
                }
            }
        }
    }

    /// The principal an access key belongs to.
    pub fn principal(&self, access_key: &str) -> Option<&Principal> {
        self.principals.get(access_key)
    }

    /// Registers temporary credentials (from AssumeRole).
    pub fn add_principal(&mut self, access_key: String, principal: Principal) {
        self.principals.insert(access_key, principal);
    }

    /// An account's region, created empty on first use.
    pub fn region_mut(&mut self, account: &str, region: &str) -> &mut RegionState {
        let acct = self
            .accounts
            .entry(account.to_string())
            .or_insert_with(|| AccountState {
                spec: AccountSpec {
                    id: account.to_string(),
                    name: String::new(),
                    access_key_id: String::new(),
                    secret_access_key: String::new(),
                    user: "sandbox-admin".into(),
                    roles: vec![],
                },
                regions: BTreeMap::new(),
            });
        acct.regions.entry(region.to_string()).or_default()
    }

    /// Disconnects the agent of source server `id` (in any account and region); false when
    /// there is no such server.
    pub fn disconnect_agent(&mut self, id: &str) -> bool {
        for account in self.accounts.values_mut() {
            for region in account.regions.values_mut() {
                if let Some(s) = region.servers.get_mut(id) {
                    s.spec.replication_state = "DISCONNECTED".into();
                    s.spec.last_seen_seconds_ago = 3600;
                    s.spec.replication_error = Some("AGENT_NOT_SEEN".into());
                    s.spec.raw_error =
                        Some("The replication agent has not been seen for an hour".into());
                    return true;
                }
            }
        }
        false
    }

    /// A summary for `/_sandbox/state`.
    pub fn summary(&self) -> serde_json::Value {
        let mut accounts = serde_json::Map::new();
        for (id, a) in &self.accounts {
            let mut regions = serde_json::Map::new();
            for (r, st) in &a.regions {
                let mut states: BTreeMap<&str, usize> = BTreeMap::new();
                for i in st.instances.values() {
                    *states.entry(i.state.as_str()).or_default() += 1;
                }
                let now = self.clock.now();
                let active: Vec<&crate::jobs::Job> = st
                    .jobs
                    .values()
                    .filter(|j| j.job_type == "LAUNCH" && j.status(now) != "COMPLETED")
                    .collect();
                regions.insert(
                    r.clone(),
                    serde_json::json!({
                        "sourceServers": st.servers.len(),
                        "instances": st.instances.len(),
                        "instanceStates": states,
                        "jobs": st.jobs.len(),
                        "activeJobs": active.len(),
                        "serversInActiveJobs": active.iter().map(|j| j.servers.len()).sum::<usize>(),
                        "peakActiveJobs": st.peak_active_jobs,
                        "peakServersInActiveJobs": st.peak_servers_in_active_jobs,
                        "recoveryInstances": st.recovery_instances.len(),
                        "drillRecoveryInstances": st.recovery_instances.values().filter(|r| r.is_drill).count(),
                    }),
                );
            }
            accounts.insert(id.clone(), serde_json::Value::Object(regions));
        }
        serde_json::json!({ "now": iso(self.clock.now()), "accounts": accounts })
    }
}
