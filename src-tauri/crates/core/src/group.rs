//! Protection groups: a named set of source servers in one target, chosen by tags (all given
//! tags must match) or by explicit source server IDs, with group-level launch settings and
//! per-server overrides.

use crate::rules;
use crate::validation::Problem;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// How the group chooses its source servers. In YAML and JSON it is a mapping with exactly one
/// of `tags` or `sourceServerIds`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(try_from = "SelectorFields", into = "SelectorFields")]
#[ts(export_to = "ipc.ts", as = "SelectorFields")]
pub enum Selector {
    /// Every source server carrying all of these tags (key = value).
    Tags(BTreeMap<String, String>),
    /// Exactly these source servers.
    SourceServerIds(Vec<String>),
}

/// The wire form of [`Selector`].
#[derive(Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SelectorFields {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    tags: Option<BTreeMap<String, String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    source_server_ids: Option<Vec<String>>,
}

impl TryFrom<SelectorFields> for Selector {
    type Error = String;

    fn try_from(f: SelectorFields) -> Result<Self, String> {
        match (f.tags, f.source_server_ids) {
            (Some(tags), None) => Ok(Selector::Tags(tags)),
            (None, Some(ids)) => Ok(Selector::SourceServerIds(ids)),
            (Some(_), Some(_)) => Err("give either tags or sourceServerIds, not both".into()),
            (None, None) => Err("give tags (all must match) or sourceServerIds".into()),
        }
    }
}

impl From<Selector> for SelectorFields {
    fn from(s: Selector) -> Self {
        match s {
            Selector::Tags(tags) => SelectorFields {
                tags: Some(tags),
                source_server_ids: None,
            },
            Selector::SourceServerIds(ids) => SelectorFields {
                tags: None,
                source_server_ids: Some(ids),
            },
        }
    }
}

impl Default for Selector {
    fn default() -> Self {
        Selector::Tags(BTreeMap::new())
    }
}

impl Selector {
    /// True when a server with `tags` and `id` belongs to the group.
    pub fn matches(&self, id: &str, tags: &BTreeMap<String, String>) -> bool {
        match self {
            Selector::Tags(wanted) => {
                !wanted.is_empty() && wanted.iter().all(|(k, v)| tags.get(k) == Some(v))
            }
            Selector::SourceServerIds(ids) => ids.iter().any(|s| s == id),
        }
    }
}

/// Where a recovery launches.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub enum LaunchMode {
    /// DRS launches new EC2 instances from the launch template.
    #[default]
    NewInstances,
    /// DRS launches into pre-provisioned, stopped DR instances (AllowLaunchingIntoThisInstance).
    PreProvisioned,
}

/// State of the recovered instance after launch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub enum LaunchDisposition {
    /// Launched and left stopped.
    Stopped,
    /// Launched and started.
    Started,
}

/// DRS instance right-sizing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub enum RightSizing {
    /// Use the launch template's instance type.
    None,
    /// DRS picks a type from the source server's CPU and RAM.
    Basic,
    /// DRS picks a type for servers already in AWS.
    InAws,
}

/// DRS recovery mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub enum RecoveryMode {
    /// Faster launch from the latest snapshot.
    Fast,
    /// Optimal conversion.
    Optimal,
}

/// Launch settings applied to every server of a group (unset = leave DRS as it is).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export_to = "ipc.ts")]
pub struct LaunchSettings {
    /// New instances or pre-provisioned DR instances.
    #[serde(default)]
    pub launch_mode: LaunchMode,
    /// Subnet of the recovered instances.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub subnet_id: Option<String>,
    /// Security groups of the recovered instances.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub security_group_ids: Vec<String>,
    /// EC2 instance type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub instance_type: Option<String>,
    /// Started or stopped after launch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub launch_disposition: Option<LaunchDisposition>,
    /// Keep the source server's private IP.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub copy_private_ip: Option<bool>,
    /// Copy the source server's tags to the recovered instance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub copy_tags: Option<bool>,
    /// Instance right-sizing method.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub right_sizing: Option<RightSizing>,
    /// Bring your own OS licence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub os_byol: Option<bool>,
    /// Fast or optimal recovery.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub recovery_mode: Option<RecoveryMode>,
    /// Launch-into groups only: drills launch into the DR instances too (full fidelity); their
    /// cleanup stops the instances and disconnects the recovery instances instead of
    /// terminating them. Off by default: drills launch new instances.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub full_fidelity_drills: bool,
    /// Drill-only network: drills of this group launch into this isolated subnet and security
    /// groups; the recovery settings are put back afterwards.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub drill_network: Option<DrillNetwork>,
    /// Failback drills of this group (after a real recovery, in the origin region) launch into
    /// this isolated subnet and security groups of the origin region; the failback source
    /// servers' settings are put back afterwards.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub failback_drill_network: Option<Box<DrillNetwork>>,
    /// DRS post-launch actions every server of the group gets (SSM documents DRS runs on the
    /// recovered instance); a recovery counts a server recovered once its required actions
    /// succeeded.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub post_launch_actions: Vec<crate::launch_actions::PostLaunchAction>,
}

/// Where a group's drills launch instead of its recovery network.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export_to = "ipc.ts")]
pub struct DrillNetwork {
    /// The isolated subnet.
    pub subnet_id: String,
    /// Its security groups (empty: keep the recovery ones).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub security_group_ids: Vec<String>,
}

/// Per-server exceptions to the group's launch settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export_to = "ipc.ts")]
pub struct ServerOverride {
    /// The source server (`s-…`).
    pub source_server_id: String,
    /// Static private IPv4 address for the recovered instance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub private_ip: Option<String>,
    /// Instance type for this server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub instance_type: Option<String>,
    /// Subnet for this server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub subnet_id: Option<String>,
}

/// A named set of source servers in one target.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export_to = "ipc.ts")]
pub struct ProtectionGroup {
    /// Unique name.
    pub name: String,
    /// Free text.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Name of the target (account + regions) the servers live in.
    pub target: String,
    /// Which servers belong.
    pub selector: Selector,
    /// Group-level launch settings.
    #[serde(default)]
    pub launch: LaunchSettings,
    /// Per-server overrides.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub overrides: Vec<ServerOverride>,
}

/// Most explicit source servers one group may list (DRS: 4,000 source servers per account).
pub const MAX_EXPLICIT_SERVERS: usize = 4000;

impl ProtectionGroup {
    /// Checks the group on its own and against the configured `targets`.
    /// Paths are relative to the group (`selector.tags.App`, `overrides[2].privateIp`).
    pub fn validate(&self, targets: &BTreeSet<String>) -> Vec<Problem> {
        let mut problems = Vec::new();
        if let Err(m) = rules::check_name("protection group", &self.name) {
            problems.push(Problem::error("name", m));
        }
        if self.target.trim().is_empty() {
            problems.push(Problem::error(
                "target",
                "choose the target the servers live in",
            ));
        } else if !targets.contains(&self.target) {
            problems.push(Problem::error(
                "target",
                format!("unknown target \"{}\"", self.target),
            ));
        }
        self.validate_selector(&mut problems);
        self.validate_launch(&mut problems);
        self.validate_overrides(&mut problems);
        problems
    }

    fn validate_selector(&self, problems: &mut Vec<Problem>) {
        match &self.selector {
            Selector::Tags(tags) => {
                if tags.is_empty() {
                    problems.push(Problem::error(
                        "selector.tags",
                        "give at least one tag (key = value); all of them must match",
                    ));
                }
                for (key, value) in tags {
                    let path = format!("selector.tags.{key}");
                    if let Err(m) = rules::check_tag_key(key) {
                        problems.push(Problem::error(&path, m));
                    }
                    if let Err(m) = rules::check_tag_value(key, value) {
                        problems.push(Problem::error(&path, m));
                    }
                }
            }
            Selector::SourceServerIds(ids) => {
                if ids.is_empty() {
                    problems.push(Problem::error(
                        "selector.sourceServerIds",
                        "list at least one source server ID",
                    ));
                }
                if ids.len() > MAX_EXPLICIT_SERVERS {
                    problems.push(Problem::error(
                        "selector.sourceServerIds",
                        format!(
                            "{} source servers listed; at most {MAX_EXPLICIT_SERVERS} are allowed",
                            ids.len()
                        ),
                    ));
                    return;
                }
                let mut seen = HashMap::new();
                for (i, id) in ids.iter().enumerate() {
                    let path = format!("selector.sourceServerIds[{i}]");
                    if let Err(m) = rules::check_source_server_id(id) {
                        problems.push(Problem::error(&path, m));
                    }
                    if let Some(first) = seen.insert(id.as_str(), i) {
                        problems.push(Problem::error(
                            &path,
                            format!(
                                "source server \"{id}\" is listed twice (also at position {})",
                                first + 1
                            ),
                        ));
                    }
                }
            }
        }
    }

    fn validate_launch(&self, problems: &mut Vec<Problem>) {
        let l = &self.launch;
        if let Some(subnet) = &l.subnet_id {
            if let Err(m) = rules::check_subnet_id(subnet) {
                problems.push(Problem::error("launch.subnetId", m));
            }
        }
        for (i, sg) in l.security_group_ids.iter().enumerate() {
            if let Err(m) = rules::check_security_group_id(sg) {
                problems.push(Problem::error(format!("launch.securityGroupIds[{i}]"), m));
            }
        }
        if let Some(t) = &l.instance_type {
            if let Err(m) = rules::check_instance_type(t) {
                problems.push(Problem::error("launch.instanceType", m));
            }
        }
        crate::launch_actions::validate(
            &l.post_launch_actions,
            "launch.postLaunchActions",
            problems,
        );
        if let Some(n) = &l.failback_drill_network {
            if let Err(m) = rules::check_subnet_id(&n.subnet_id) {
                problems.push(Problem::error("launch.failbackDrillNetwork.subnetId", m));
            }
            for (i, sg) in n.security_group_ids.iter().enumerate() {
                if let Err(m) = rules::check_security_group_id(sg) {
                    problems.push(Problem::error(
                        format!("launch.failbackDrillNetwork.securityGroupIds[{i}]"),
                        m,
                    ));
                }
            }
        }
        if let Some(n) = &l.drill_network {
            if let Err(m) = rules::check_subnet_id(&n.subnet_id) {
                problems.push(Problem::error("launch.drillNetwork.subnetId", m));
            }
            for (i, sg) in n.security_group_ids.iter().enumerate() {
                if let Err(m) = rules::check_security_group_id(sg) {
                    problems.push(Problem::error(
                        format!("launch.drillNetwork.securityGroupIds[{i}]"),
                        m,
                    ));
                }
            }
            if l.launch_mode == LaunchMode::PreProvisioned && !l.full_fidelity_drills {
                problems.push(Problem::warning(
                    "launch.drillNetwork",
                    "drills of a launch-into group launch new instances from the launch template, so the drill network applies to them",
                ));
            }
            if l.subnet_id.as_deref() == Some(n.subnet_id.as_str()) {
                problems.push(Problem::warning(
                    "launch.drillNetwork.subnetId",
                    "the drill subnet is the recovery subnet: drills would not be isolated",
                ));
            }
        }
        if l.full_fidelity_drills && l.launch_mode != LaunchMode::PreProvisioned {
            problems.push(Problem::error(
                "launch.fullFidelityDrills",
                "full-fidelity drills apply only to groups that launch into pre-provisioned instances",
            ));
        }
        if l.launch_mode == LaunchMode::PreProvisioned {
            if l.copy_private_ip == Some(true) {
                problems.push(Problem::error(
                    "launch.copyPrivateIp",
                    "copyPrivateIp must be off when launching into pre-provisioned instances (the DR instance keeps its own IP)",
                ));
            }
            if l.copy_tags == Some(true) {
                problems.push(Problem::error(
                    "launch.copyTags",
                    "copyTags must be off when launching into pre-provisioned instances",
                ));
            }
            if matches!(
                l.right_sizing,
                Some(RightSizing::Basic | RightSizing::InAws)
            ) {
                problems.push(Problem::warning(
                    "launch.rightSizing",
                    "right-sizing should be none when launching into pre-provisioned instances; pairing sets it to none",
                ));
            }
        }
    }

    fn validate_overrides(&self, problems: &mut Vec<Problem>) {
        let mut servers = HashMap::new();
        let mut ips = HashMap::new();
        for (i, o) in self.overrides.iter().enumerate() {
            let base = format!("overrides[{i}]");
            if let Err(m) = rules::check_source_server_id(&o.source_server_id) {
                problems.push(Problem::error(format!("{base}.sourceServerId"), m));
            }
            if let Some(first) = servers.insert(o.source_server_id.as_str(), i) {
                problems.push(Problem::error(
                    format!("{base}.sourceServerId"),
                    format!(
                        "source server \"{}\" has two overrides (also overrides[{first}])",
                        o.source_server_id
                    ),
                ));
            }
            if let Selector::SourceServerIds(ids) = &self.selector {
                if !ids.contains(&o.source_server_id) {
                    problems.push(Problem::warning(
                        format!("{base}.sourceServerId"),
                        format!(
                            "source server \"{}\" is not in this group's server list; the override has no effect",
                            o.source_server_id
                        ),
                    ));
                }
            }
            if let Some(ip) = &o.private_ip {
                match rules::check_private_ipv4(ip) {
                    Err(m) => problems.push(Problem::error(format!("{base}.privateIp"), m)),
                    Ok(addr) => {
                        if let Some(first) = ips.insert(addr, i) {
                            problems.push(Problem::error(
                                format!("{base}.privateIp"),
                                format!("private IP {ip} is also given to overrides[{first}]; static IPs must be unique"),
                            ));
                        }
                    }
                }
                if self.launch.launch_mode == LaunchMode::PreProvisioned {
                    problems.push(Problem::warning(
                        format!("{base}.privateIp"),
                        "a static IP has no effect when launching into a pre-provisioned instance (it keeps its own IP)",
                    ));
                }
            }
            if let Some(t) = &o.instance_type {
                if let Err(m) = rules::check_instance_type(t) {
                    problems.push(Problem::error(format!("{base}.instanceType"), m));
                }
            }
            if let Some(s) = &o.subnet_id {
                if let Err(m) = rules::check_subnet_id(s) {
                    problems.push(Problem::error(format!("{base}.subnetId"), m));
                }
            }
        }
    }
}

/// Explicitly listed servers that appear in two groups of the same target (a server may be in
/// one group only). Returns `(group index, path, message)` for the second group of each clash.
pub fn explicit_conflicts(groups: &[ProtectionGroup]) -> Vec<(usize, Problem)> {
    let mut owner: HashMap<(&str, &str), &str> = HashMap::new();
    let mut out = Vec::new();
    for (gi, g) in groups.iter().enumerate() {
        if let Selector::SourceServerIds(ids) = &g.selector {
            for (i, id) in ids.iter().enumerate() {
                if let Some(other) = owner.get(&(g.target.as_str(), id.as_str())) {
                    if *other != g.name {
                        out.push((
                            gi,
                            Problem::error(
                                format!("selector.sourceServerIds[{i}]"),
                                format!(
                                    "source server \"{id}\" is also in protection group \"{other}\"; a server may be in one group only"
                                ),
                            ),
                        ));
                    }
                } else {
                    owner.insert((g.target.as_str(), id.as_str()), g.name.as_str());
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn targets() -> BTreeSet<String> {
        ["Sandbox".to_string()].into()
    }

    fn group() -> ProtectionGroup {
        ProtectionGroup {
            name: "web".into(),
            target: "Sandbox".into(),
            selector: Selector::Tags([("Tier".to_string(), "web".to_string())].into()),
            ..Default::default()
        }
    }

    #[test]
    fn valid_group_has_no_problems() {
        assert!(group().validate(&targets()).is_empty());
    }

    #[test]
    fn unknown_target_and_bad_tag() {
        let mut g = group();
        g.target = "nope".into();
        g.selector = Selector::Tags([("aws:x".to_string(), "1".to_string())].into());
        let p = g.validate(&targets());
        assert_eq!(p[0].message, "unknown target \"nope\"");
        assert_eq!(p[1].path, "selector.tags.aws:x");
    }

    #[test]
    fn duplicate_static_ips_and_overrides() {
        let mut g = group();
        g.overrides = vec![
            ServerOverride {
                source_server_id: "s-1234567890abcdef0".into(),
                private_ip: Some("10.0.0.5".into()),
                ..Default::default()
            },
            ServerOverride {
                source_server_id: "s-1234567890abcdef0".into(),
                private_ip: Some("10.0.0.5".into()),
                ..Default::default()
            },
        ];
        let p = g.validate(&targets());
        let messages: Vec<_> = p.iter().map(|p| p.message.as_str()).collect();
        assert!(messages.contains(
            &"source server \"s-1234567890abcdef0\" has two overrides (also overrides[0])"
        ));
        assert!(messages.contains(
            &"private IP 10.0.0.5 is also given to overrides[0]; static IPs must be unique"
        ));
    }

    #[test]
    fn pre_provisioned_requires_copy_settings_off() {
        let mut g = group();
        g.launch.launch_mode = LaunchMode::PreProvisioned;
        g.launch.copy_private_ip = Some(true);
        let p = g.validate(&targets());
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].path, "launch.copyPrivateIp");
    }

    #[test]
    fn selector_matching_is_an_and() {
        let sel = Selector::Tags(
            [
                ("A".to_string(), "1".to_string()),
                ("B".to_string(), "2".to_string()),
            ]
            .into(),
        );
        let both: BTreeMap<_, _> = [
            ("A".to_string(), "1".to_string()),
            ("B".to_string(), "2".to_string()),
        ]
        .into();
        let one: BTreeMap<_, _> = [("A".to_string(), "1".to_string())].into();
        assert!(sel.matches("s-1", &both));
        assert!(!sel.matches("s-1", &one));
    }

    #[test]
    fn explicit_conflicts_are_found() {
        let a = ProtectionGroup {
            name: "a".into(),
            target: "Sandbox".into(),
            selector: Selector::SourceServerIds(vec!["s-1234567890abcdef0".into()]),
            ..Default::default()
        };
        let mut b = a.clone();
        b.name = "b".into();
        let c = explicit_conflicts(&[a, b]);
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].0, 1);
        assert!(c[0].1.message.contains("also in protection group \"a\""));
    }
}
