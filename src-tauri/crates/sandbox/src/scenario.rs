//! Scenarios: the estate a sandbox simulates. The built-in [`Scenario::retail`] is a multi-tier
//! retail application with deliberate problems; YAML files let tests build their own estates,
//! including generated ones of thousands of servers.
//!
//! ```yaml
//! name: tiny
//! accounts:
//!   - id: "111122223333"
//!     accessKeyId: AKIASANDBOXTINY00001
//!     secretAccessKey: tiny-secret
//! sourceServers:
//!   - { account: "111122223333", region: us-west-2, name: web-01, tags: { Tier: web } }
//! instances:
//!   - { account: "111122223333", region: us-west-2, name: web-01, state: stopped,
//!       tags: { AWSDRS: AllowLaunchingIntoThisInstance } }
//! generate:    # optional bulk estate
//!   account: "111122223333"
//!   region: us-west-2
//!   sourceServers: 4000
//!   instances: 10000
//! ```

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// An IAM role that can be assumed in a sandbox account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RoleSpec {
    /// Role name (`arn:aws:iam::<account>:role/<name>`).
    pub name: String,
    /// Accounts whose principals may assume it.
    #[serde(default)]
    pub trusted_accounts: Vec<String>,
    /// External ID the caller must give, if any.
    #[serde(default)]
    pub external_id: Option<String>,
}

/// A sandbox account with its static keys.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AccountSpec {
    /// 12-digit account ID.
    pub id: String,
    /// Display name.
    #[serde(default)]
    pub name: String,
    /// Static access key ID that maps to this account.
    pub access_key_id: String,
    /// Its secret (any value works: signatures are not verified).
    pub secret_access_key: String,
    /// IAM user name the static keys belong to.
    #[serde(default = "default_user")]
    pub user: String,
    /// Assumable roles.
    #[serde(default)]
    pub roles: Vec<RoleSpec>,
}

fn default_user() -> String {
    "sandbox-admin".into()
}

/// A DRS source server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ServerSpec {
    /// Account whose DRS holds it.
    pub account: String,
    /// Region whose DRS holds it (the recovery region).
    pub region: String,
    /// `s-…`; generated when absent.
    #[serde(default)]
    pub id: Option<String>,
    /// The `Name` tag.
    pub name: String,
    /// Hostname (identification hint); defaults to the name.
    #[serde(default)]
    pub hostname: Option<String>,
    /// Replication state.
    #[serde(default = "default_state")]
    pub replication_state: String,
    /// Lag (ISO-8601 duration).
    #[serde(default = "default_lag")]
    pub lag: String,
    /// Seconds since DRS last heard from the agent.
    #[serde(default = "default_seen")]
    pub last_seen_seconds_ago: u64,
    /// Replication error code, e.g. `AGENT_NOT_SEEN`.
    #[serde(default)]
    pub replication_error: Option<String>,
    /// Raw error text.
    #[serde(default)]
    pub raw_error: Option<String>,
    /// Tags (the `Name` tag is added from `name`).
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// Origin EC2 instance, for servers running in AWS.
    #[serde(default)]
    pub origin_instance_id: Option<String>,
    /// Origin region.
    #[serde(default)]
    pub origin_region: Option<String>,
    /// Recommended instance type.
    #[serde(default = "default_type")]
    pub instance_type: String,
    /// Operating system.
    #[serde(default = "default_os")]
    pub os: String,
    /// CPU architecture of the source.
    #[serde(default = "default_arch")]
    pub architecture: String,
}

/// An EC2 instance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct InstanceSpec {
    /// Account.
    pub account: String,
    /// Region.
    pub region: String,
    /// `i-…`; generated when absent.
    #[serde(default)]
    pub id: Option<String>,
    /// The `Name` tag.
    #[serde(default)]
    pub name: Option<String>,
    /// `running` or `stopped`.
    #[serde(default = "default_instance_state")]
    pub state: String,
    /// Instance type.
    #[serde(default = "default_type")]
    pub instance_type: String,
    /// Private IPv4; generated when absent.
    #[serde(default)]
    pub private_ip: Option<String>,
    /// Subnet.
    #[serde(default)]
    pub subnet_id: Option<String>,
    /// `x86_64` or `arm64`.
    #[serde(default = "default_arch")]
    pub architecture: String,
    /// Platform details.
    #[serde(default = "default_platform")]
    pub platform: String,
    /// `uefi` or `legacy-bios`.
    #[serde(default = "default_boot")]
    pub boot_mode: String,
    /// `ebs` or `instance-store`.
    #[serde(default = "default_root")]
    pub root_device_type: String,
    /// Tags (the `Name` tag is added from `name`).
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// A bulk estate for scale tests and benchmarks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GenerateSpec {
    /// Account.
    pub account: String,
    /// Region.
    pub region: String,
    /// How many source servers.
    pub source_servers: usize,
    /// How many EC2 instances (one DR instance per server first, the rest unrelated).
    pub instances: usize,
}

/// A whole estate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Scenario {
    /// Name.
    pub name: String,
    /// What it shows.
    #[serde(default)]
    pub description: String,
    /// Accounts.
    pub accounts: Vec<AccountSpec>,
    /// DRS source servers.
    #[serde(default)]
    pub source_servers: Vec<ServerSpec>,
    /// EC2 instances.
    #[serde(default)]
    pub instances: Vec<InstanceSpec>,
    /// Bulk additions.
    #[serde(default)]
    pub generate: Option<GenerateSpec>,
    /// Route 53 hosted zones.
    #[serde(default)]
    pub hosted_zones: Vec<HostedZoneSpec>,
    /// SSM documents of the accounts' own (`AWS-…` documents always exist).
    #[serde(default)]
    pub ssm_documents: Vec<String>,
    /// TCP ports the recovered instances answer on (what network checks find).
    #[serde(default = "default_open_ports")]
    pub open_ports: Vec<u16>,
}

fn default_open_ports() -> Vec<u16> {
    vec![22, 80, 443, 1433, 3389, 5432, 5672, 6379, 8080]
}

/// A Route 53 hosted zone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HostedZoneSpec {
    /// Account that owns it.
    pub account: String,
    /// Zone ID (`Z…`).
    pub id: String,
    /// Domain name (`retail.internal`).
    pub name: String,
    /// Private zone.
    #[serde(default)]
    pub private: bool,
    /// Its records.
    #[serde(default)]
    pub records: Vec<RecordSpec>,
}

/// A simple record set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RecordSpec {
    /// Full name.
    pub name: String,
    /// Type (A, CNAME, …).
    #[serde(rename = "type")]
    pub record_type: String,
    /// TTL.
    #[serde(default = "default_ttl")]
    pub ttl: i64,
    /// Values.
    pub values: Vec<String>,
}

fn default_ttl() -> i64 {
    300
}

fn default_state() -> String {
    "CONTINUOUS".into()
}
fn default_lag() -> String {
    "PT1S".into()
}
fn default_seen() -> u64 {
    4
}
fn default_type() -> String {
    "m5.large".into()
}
fn default_os() -> String {
    "Linux version 5.15.0-1051-aws (Ubuntu 22.04.4 LTS)".into()
}
fn default_arch() -> String {
    "x86_64".into()
}
fn default_instance_state() -> String {
    "stopped".into()
}
fn default_platform() -> String {
    "Linux/UNIX".into()
}
fn default_boot() -> String {
    "uefi".into()
}
fn default_root() -> String {
    "ebs".into()
}

/// The keys a client uses for one sandbox account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountKeys {
    /// Account ID.
    pub account_id: String,
    /// Account name.
    pub name: String,
    /// Access key ID.
    pub access_key_id: String,
    /// Secret access key.
    pub secret_access_key: String,
}

/// A scenario file that cannot be used, with where the problem is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{path}: {message}", location(.line, .column))]
pub struct ScenarioError {
    /// Field path, e.g. `sourceServers[3].account`.
    pub path: String,
    /// What is wrong.
    pub message: String,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// 1-based column, when known.
    pub column: Option<usize>,
}

fn location(line: &Option<usize>, column: &Option<usize>) -> String {
    match (line, column) {
        (Some(l), Some(c)) => format!("line {l}, column {c}: "),
        (Some(l), None) => format!("line {l}: "),
        _ => String::new(),
    }
}

/// Production account of the built-in scenario.
pub const RETAIL_PROD_ACCOUNT: &str = "111122223333";
/// Recovery account of the built-in scenario.
pub const RETAIL_RECOVERY_ACCOUNT: &str = "444455556666";
/// Access key of the production account.
pub const RETAIL_PROD_KEY: &str = "AKIASANDBOXPROD00001";
/// Access key of the recovery account.
pub const RETAIL_RECOVERY_KEY: &str = "AKIASANDBOXRECOV0001";
/// Role in the recovery account that the production account may assume.
pub const RETAIL_RECOVERY_ROLE: &str = "DRSOrchestratorRecovery";
/// External ID that role requires.
pub const RETAIL_EXTERNAL_ID: &str = "sandbox-external-id";

impl Scenario {
    /// Reads a scenario from YAML, naming the line and field of the first problem.
    pub fn from_yaml(text: &str) -> Result<Self, ScenarioError> {
        let de = serde_norway::Deserializer::from_str(text);
        let scenario: Scenario = serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            let inner = e.into_inner();
            let loc = inner.location();
            let mut message = inner.to_string();
            if let Some(cut) = message.rfind(" at line ") {
                message.truncate(cut);
            }
            if let Some((head, rest)) = message.split_once(": ") {
                if path.starts_with(head) {
                    message = rest.to_string();
                }
            }
            ScenarioError {
                path: if path == "." { String::new() } else { path },
                message,
                line: loc.as_ref().map(|l| l.line()),
                column: loc.as_ref().map(|l| l.column()),
            }
        })?;
        scenario.check()?;
        Ok(scenario)
    }

    /// Checks references between parts (accounts named by servers and instances exist, …).
    pub fn check(&self) -> Result<(), ScenarioError> {
        let err = |path: String, message: String| ScenarioError {
            path,
            message,
            line: None,
            column: None,
        };
        if self.accounts.is_empty() {
            return Err(err(
                "accounts".into(),
                "a scenario needs at least one account".into(),
            ));
        }
        for (i, a) in self.accounts.iter().enumerate() {
            if a.id.len() != 12 || !a.id.bytes().all(|b| b.is_ascii_digit()) {
                return Err(err(
                    format!("accounts[{i}].id"),
                    format!("\"{}\" is not a 12-digit account ID", a.id),
                ));
            }
        }
        let known = |acct: &str| self.accounts.iter().any(|a| a.id == acct);
        for (i, s) in self.source_servers.iter().enumerate() {
            if !known(&s.account) {
                return Err(err(
                    format!("sourceServers[{i}].account"),
                    format!("unknown account \"{}\"", s.account),
                ));
            }
        }
        for (i, s) in self.instances.iter().enumerate() {
            if !known(&s.account) {
                return Err(err(
                    format!("instances[{i}].account"),
                    format!("unknown account \"{}\"", s.account),
                ));
            }
            if !matches!(s.state.as_str(), "running" | "stopped") {
                return Err(err(
                    format!("instances[{i}].state"),
                    format!("state \"{}\" must be running or stopped", s.state),
                ));
            }
        }
        if let Some(g) = &self.generate {
            if !known(&g.account) {
                return Err(err(
                    "generate.account".into(),
                    format!("unknown account \"{}\"", g.account),
                ));
            }
            if g.source_servers > 4000 || g.instances > 20_000 {
                return Err(err(
                    "generate".into(),
                    "at most 4,000 source servers and 20,000 instances".into(),
                ));
            }
        }
        Ok(())
    }

    /// The static keys of every account.
    pub fn account_keys(&self) -> Vec<AccountKeys> {
        self.accounts
            .iter()
            .map(|a| AccountKeys {
                account_id: a.id.clone(),
                name: a.name.clone(),
                access_key_id: a.access_key_id.clone(),
                secret_access_key: a.secret_access_key.clone(),
            })
            .collect()
    }

    /// A scenario by built-in name (`retail`) or YAML file path.
    pub fn load(name_or_file: &str) -> Result<Self, ScenarioError> {
        match name_or_file {
            "retail" => Ok(Self::retail()),
            path => {
                let text = std::fs::read_to_string(path).map_err(|e| ScenarioError {
                    path: String::new(),
                    message: format!(
                        "cannot read scenario file {path}: {e} (built-in scenarios: retail)"
                    ),
                    line: None,
                    column: None,
                })?;
                Self::from_yaml(&text).map_err(|mut e| {
                    e.message = format!("{path}: {}", e.message);
                    e
                })
            }
        }
    }

    /// The built-in scenario: "retail", a web shop in a production account replicating from
    /// us-east-1 to us-west-2, with pre-provisioned DR instances and deliberate problems:
    /// a server lagging 20 minutes, a stalled agent with a replication error, a DR instance left
    /// running, one without the AWSDRS tag, two DR instances with the same Name, and a server
    /// with no DR instance. A recovery account holds a small ERP estate and a role the
    /// production account can assume with an external ID.
    pub fn retail() -> Self {
        let prod = RETAIL_PROD_ACCOUNT;
        let rec = RETAIL_RECOVERY_ACCOUNT;
        let tiers: [(&str, usize, &str, &str); 6] = [
            (
                "web",
                10,
                "c6i.large",
                "Linux version 5.15.0-1051-aws (Ubuntu 22.04.4 LTS)",
            ),
            (
                "app",
                12,
                "m6i.xlarge",
                "Linux version 5.14.0-362.el9.x86_64 (Red Hat Enterprise Linux 9.3)",
            ),
            (
                "db",
                6,
                "r6i.2xlarge",
                "Linux version 5.14.0-362.el9.x86_64 (Red Hat Enterprise Linux 9.3)",
            ),
            (
                "cache",
                4,
                "r6g.large",
                "Linux version 6.1.0-13-cloud-arm64 (Debian 12)",
            ),
            (
                "mq",
                4,
                "m6i.large",
                "Linux version 5.15.0-1051-aws (Ubuntu 22.04.4 LTS)",
            ),
            (
                "batch",
                4,
                "c6i.2xlarge",
                "Microsoft Windows Server 2022 Datacenter",
            ),
        ];
        let mut servers = Vec::new();
        let mut instances = Vec::new();
        let mut n = 0u32;
        for (tier, count, itype, os) in tiers {
            for i in 1..=count {
                n += 1;
                let name = format!("retail-{tier}-{i:02}");
                let arch = if tier == "cache" { "arm64" } else { "x86_64" };
                let windows = tier == "batch";
                let origin = format!("i-0a{n:015x}");
                let mut tags = BTreeMap::from([
                    ("Application".to_string(), "retail".to_string()),
                    ("Tier".to_string(), tier.to_string()),
                    ("Environment".to_string(), "production".to_string()),
                    ("CostCenter".to_string(), "CC-4410".to_string()),
                ]);
                if tier == "db" {
                    tags.insert("DataClass".into(), "confidential".into());
                }
                let mut s = ServerSpec {
                    account: prod.into(),
                    region: "us-west-2".into(),
                    id: Some(format!("s-{:017x}", 0x5e_7a11_0000_0000_u64 + u64::from(n))),
                    name: name.clone(),
                    hostname: Some(format!("{name}.corp.example.com")),
                    replication_state: default_state(),
                    lag: format!("PT{}S", 1 + (n % 4)),
                    last_seen_seconds_ago: u64::from(2 + n % 9),
                    replication_error: None,
                    raw_error: None,
                    tags,
                    origin_instance_id: Some(origin),
                    origin_region: Some("us-east-1".into()),
                    instance_type: itype.into(),
                    os: os.into(),
                    architecture: arch.into(),
                };
                // Deliberate problems.
                if name == "retail-db-02" {
                    s.replication_state = "CONTINUOUS".into();
                    s.lag = "PT20M".into();
                }
                if name == "retail-mq-03" {
                    s.replication_state = "STALLED".into();
                    s.lag = "PT3H12M".into();
                    s.last_seen_seconds_ago = 3 * 3600 + 12 * 60;
                    s.replication_error = Some("AGENT_NOT_SEEN".into());
                    s.raw_error =
                        Some("The replication agent has not been seen for over 3 hours".into());
                }
                servers.push(s);
                if name == "retail-batch-04" {
                    continue; // a server with no DR instance
                }
                let mut dr_tags = BTreeMap::from([
                    (
                        "AWSDRS".to_string(),
                        "AllowLaunchingIntoThisInstance".to_string(),
                    ),
                    ("Application".to_string(), "retail".to_string()),
                    ("Tier".to_string(), tier.to_string()),
                    ("Role".to_string(), "dr-placeholder".to_string()),
                ]);
                let mut state = "stopped".to_string();
                if name == "retail-app-07" {
                    state = "running".into(); // left running
                }
                if name == "retail-app-08" {
                    dr_tags.remove("AWSDRS"); // missing the tag
                }
                let dr_name = if name == "retail-db-04" {
                    "retail-db-03".to_string() // two DR instances named retail-db-03
                } else {
                    name.clone()
                };
                let subnet = match tier {
                    "web" => "subnet-0d1a2b3c4d5e6f701",
                    "db" => "subnet-0d1a2b3c4d5e6f703",
                    _ => "subnet-0d1a2b3c4d5e6f702",
                };
                dr_tags.insert("Name".into(), dr_name.clone());
                instances.push(InstanceSpec {
                    account: prod.into(),
                    region: "us-west-2".into(),
                    id: Some(format!("i-0d{n:015x}")),
                    name: Some(dr_name),
                    state,
                    instance_type: itype.into(),
                    private_ip: Some(format!(
                        "10.20.{}.{}",
                        match tier {
                            "web" => 1,
                            "db" => 3,
                            _ => 2,
                        },
                        10 + n
                    )),
                    subnet_id: Some(subnet.into()),
                    architecture: arch.into(),
                    platform: if windows {
                        "Windows".into()
                    } else {
                        default_platform()
                    },
                    boot_mode: if windows {
                        "legacy-bios".into()
                    } else {
                        default_boot()
                    },
                    root_device_type: default_root(),
                    tags: dr_tags,
                });
            }
        }
        // Source instances in the primary region (what tag sync reads): they carry tags the
        // DRS source servers do not have yet.
        for s in &servers {
            let mut tags = s.tags.clone();
            tags.insert("Name".into(), s.name.clone());
            if s.name == "retail-db-01" {
                tags.insert("CostCenter".into(), "CC-5520".into()); // moved to another budget
            }
            if let Some(tier) = s.tags.get("Tier") {
                tags.insert("Owner".into(), format!("team-{tier}"));
            }
            instances.push(InstanceSpec {
                account: prod.into(),
                region: "us-east-1".into(),
                id: s.origin_instance_id.clone(),
                name: Some(s.name.clone()),
                state: "running".into(),
                instance_type: s.instance_type.clone(),
                private_ip: None,
                subnet_id: Some("subnet-0e1a2b3c4d5e6f701".into()),
                architecture: s.architecture.clone(),
                platform: if s.os.contains("Windows") {
                    "Windows".into()
                } else {
                    default_platform()
                },
                // Launching back into a Linux source instance needs BIOS boot (DRS).
                boot_mode: if s.os.contains("Windows") {
                    default_boot()
                } else {
                    "legacy-bios".into()
                },
                root_device_type: default_root(),
                tags,
            });
        }
        // Recovery account: a small ERP estate.
        for i in 1..=6u32 {
            let name = format!("erp-{}-{:02}", if i <= 3 { "app" } else { "db" }, i);
            servers.push(ServerSpec {
                account: rec.into(),
                region: "us-west-2".into(),
                id: Some(format!("s-{:017x}", 0xe4_9000_0000_0000_u64 + u64::from(i))),
                name: name.clone(),
                hostname: Some(format!("{name}.erp.example.com")),
                replication_state: default_state(),
                lag: "PT2S".into(),
                last_seen_seconds_ago: 6,
                replication_error: None,
                raw_error: None,
                tags: BTreeMap::from([
                    ("Application".to_string(), "erp".to_string()),
                    (
                        "Tier".to_string(),
                        if i <= 3 { "app" } else { "db" }.to_string(),
                    ),
                ]),
                origin_instance_id: None,
                origin_region: None,
                instance_type: "m6i.xlarge".into(),
                os: default_os(),
                architecture: default_arch(),
            });
        }
        Scenario {
            name: "retail".into(),
            description: "A retail web shop (40 servers: web, app, db, cache, mq, batch) replicating us-east-1 → us-west-2 with pre-provisioned DR instances and deliberate problems, plus a small ERP estate in a recovery account.".into(),
            accounts: vec![
                AccountSpec {
                    id: prod.into(),
                    name: "retail-production".into(),
                    access_key_id: RETAIL_PROD_KEY.into(),
                    secret_access_key: "sandbox/production/secret/key/0000000000".into(),
                    user: default_user(),
                    roles: vec![],
                },
                AccountSpec {
                    id: rec.into(),
                    name: "retail-recovery".into(),
                    access_key_id: RETAIL_RECOVERY_KEY.into(),
                    secret_access_key: "sandbox/recovery/secret/key/00000000000".into(),
                    user: default_user(),
                    roles: vec![RoleSpec {
                        name: RETAIL_RECOVERY_ROLE.into(),
                        trusted_accounts: vec![prod.into()],
                        external_id: Some(RETAIL_EXTERNAL_ID.into()),
                    }],
                },
            ],
            source_servers: servers,
            instances,
            generate: None,
            // The shop's private zone as production resolves it, and a zone of the same name
            // that only the drill network sees.
            hosted_zones: vec![
                HostedZoneSpec {
                    account: prod.into(),
                    id: RETAIL_ZONE.into(),
                    name: "retail.internal".into(),
                    private: true,
                    records: vec![
                        RecordSpec {
                            name: "cache.retail.internal".into(),
                            record_type: "A".into(),
                            ttl: 60,
                            values: vec!["10.10.2.41".into()],
                        },
                        RecordSpec {
                            name: "db.retail.internal".into(),
                            record_type: "A".into(),
                            ttl: 60,
                            values: vec!["10.10.3.21".into()],
                        },
                    ],
                },
                HostedZoneSpec {
                    account: prod.into(),
                    id: RETAIL_DRILL_ZONE.into(),
                    name: "retail.internal".into(),
                    private: true,
                    records: vec![],
                },
            ],
            ssm_documents: vec!["Retail-SqlAlwaysOnFailover".into()],
            open_ports: default_open_ports(),
        }
    }
}

/// The retail shop's production private zone (`retail.internal`).
pub const RETAIL_ZONE: &str = "Z05RETAILPROD";
/// The retail shop's drill zone (`retail.internal`, seen only from the drill network).
pub const RETAIL_DRILL_ZONE: &str = "Z05RETAILDRILL";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retail_has_forty_shop_servers_and_its_problems() {
        let s = Scenario::retail();
        s.check().unwrap();
        let shop: Vec<_> = s
            .source_servers
            .iter()
            .filter(|s| s.account == RETAIL_PROD_ACCOUNT)
            .collect();
        assert_eq!(shop.len(), 40);
        assert!(shop.iter().any(|s| s.lag == "PT20M"));
        assert!(shop
            .iter()
            .any(|s| s.replication_state == "STALLED" && s.replication_error.is_some()));
        let dr: Vec<_> = s
            .instances
            .iter()
            .filter(|i| i.region == "us-west-2")
            .collect();
        assert_eq!(dr.len(), 39);
        assert_eq!(
            dr.iter()
                .filter(|i| i.name.as_deref() == Some("retail-db-03"))
                .count(),
            2
        );
        assert!(dr.iter().any(|i| i.state == "running"));
        assert!(dr.iter().any(|i| !i.tags.contains_key("AWSDRS")));
    }

    #[test]
    fn yaml_errors_name_line_and_field() {
        let text = "name: t\naccounts:\n  - id: \"111122223333\"\n    accessKeyId: A\n    secretAccessKey: B\n    colour: blue\n";
        let e = Scenario::from_yaml(text).unwrap_err();
        assert_eq!(e.path, "accounts[0].colour");
        assert_eq!(e.line, Some(6));
        assert!(e.message.contains("unknown field `colour`"), "{e}");
        let text = "name: t\naccounts:\n  - id: \"111122223333\"\n    accessKeyId: A\n    secretAccessKey: B\nsourceServers:\n  - { account: \"999999999999\", region: us-west-2, name: x }\n";
        let e = Scenario::from_yaml(text).unwrap_err();
        assert_eq!(
            e.to_string(),
            "sourceServers[0].account: unknown account \"999999999999\""
        );
    }
}
