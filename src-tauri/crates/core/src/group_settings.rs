//! Protection groups on the live inventory: which servers each group selects now (and which
//! servers two groups claim), what each server's DRS launch configuration and EC2 launch
//! template should hold according to its group, the per-field difference from what they hold
//! now (the apply preview, and drift), and the checks that need AWS's facts (subnets, security
//! groups, instance types, static IPs inside their subnet and not used twice).

use crate::group::{LaunchDisposition, ProtectionGroup, RecoveryMode, RightSizing, Selector};
use crate::inventory::SourceServer;
use crate::launch::{
    LaunchConfiguration, LaunchConfigurationUpdate, LaunchTemplate, SecurityGroup, Subnet,
};
use crate::validation::Problem;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::Ipv4Addr;

/// The servers one group selects now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Membership {
    /// Group name.
    pub group: String,
    /// Its target.
    pub target: String,
    /// Source server IDs, in inventory order.
    pub servers: Vec<String>,
    /// Explicit IDs that are not in the inventory any more.
    pub missing: Vec<String>,
    /// The target's inventory could not be read (its error), so nothing was resolved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unavailable: Option<String>,
}

/// A server two or more groups select.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts", rename = "GroupConflict")]
pub struct Conflict {
    /// Target.
    pub target: String,
    /// `s-…`.
    pub source_server_id: String,
    /// Its display name.
    pub name: String,
    /// The groups that select it, by name.
    pub groups: Vec<String>,
}

impl Conflict {
    /// The error text, naming both groups.
    pub fn message(&self) -> String {
        format!(
            "source server {} ({}) is selected by protection groups {}; a server may be in one group only",
            self.name,
            self.source_server_id,
            self.groups
                .iter()
                .map(|g| format!("\"{g}\""))
                .collect::<Vec<_>>()
                .join(" and ")
        )
    }
}

/// Every group resolved against the inventory.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Resolution {
    /// Per group, in the order given.
    pub groups: Vec<Membership>,
    /// Servers claimed by more than one group.
    pub conflicts: Vec<Conflict>,
}

impl Resolution {
    /// The membership of `group`.
    pub fn of(&self, group: &str) -> Option<&Membership> {
        self.groups.iter().find(|m| m.group == group)
    }
}

/// Resolves every group against the inventory of its target (`inventory` maps a target name to
/// its servers, or to why they could not be read).
pub fn resolve(
    groups: &[ProtectionGroup],
    inventory: &BTreeMap<String, Result<Vec<SourceServer>, String>>,
) -> Resolution {
    let mut claimed: HashMap<(&str, &str), Vec<&str>> = HashMap::new();
    let mut names: HashMap<(&str, &str), &str> = HashMap::new();
    let mut out = Vec::with_capacity(groups.len());
    for g in groups {
        let servers = match inventory.get(&g.target) {
            Some(Ok(s)) => s,
            Some(Err(e)) => {
                out.push(Membership {
                    group: g.name.clone(),
                    target: g.target.clone(),
                    servers: vec![],
                    missing: vec![],
                    unavailable: Some(e.clone()),
                });
                continue;
            }
            None => {
                out.push(Membership {
                    group: g.name.clone(),
                    target: g.target.clone(),
                    servers: vec![],
                    missing: vec![],
                    unavailable: Some(format!("target \"{}\" was not read", g.target)),
                });
                continue;
            }
        };
        let mut members = Vec::new();
        let mut missing = Vec::new();
        match &g.selector {
            Selector::Tags(_) => {
                for s in servers {
                    if g.selector.matches(&s.id, &s.tags) {
                        members.push(s);
                    }
                }
            }
            Selector::SourceServerIds(ids) => {
                let by_id: HashMap<&str, &SourceServer> =
                    servers.iter().map(|s| (s.id.as_str(), s)).collect();
                for id in ids {
                    match by_id.get(id.as_str()) {
                        Some(s) => members.push(s),
                        None => missing.push(id.clone()),
                    }
                }
            }
        }
        for s in &members {
            let key = (g.target.as_str(), s.id.as_str());
            let owners = claimed.entry(key).or_default();
            if !owners.contains(&g.name.as_str()) {
                owners.push(&g.name);
            }
            names.insert(key, s.display_name());
        }
        out.push(Membership {
            group: g.name.clone(),
            target: g.target.clone(),
            servers: members.iter().map(|s| s.id.clone()).collect(),
            missing,
            unavailable: None,
        });
    }
    let mut conflicts: Vec<Conflict> = claimed
        .into_iter()
        .filter(|(_, owners)| owners.len() > 1)
        .map(|((target, id), owners)| Conflict {
            target: target.to_string(),
            source_server_id: id.to_string(),
            name: names.get(&(target, id)).copied().unwrap_or(id).to_string(),
            groups: owners.iter().map(|g| g.to_string()).collect(),
        })
        .collect();
    conflicts
        .sort_by(|a, b| (&a.target, &a.source_server_id).cmp(&(&b.target, &b.source_server_id)));
    Resolution {
        groups: out,
        conflicts,
    }
}

/// What a server's DRS launch configuration and EC2 launch template should hold; `None` (or an
/// empty list) leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Desired {
    /// `STOPPED` or `STARTED`.
    pub launch_disposition: Option<String>,
    /// Copy the private IP.
    pub copy_private_ip: Option<bool>,
    /// Copy tags.
    pub copy_tags: Option<bool>,
    /// `NONE`, `BASIC`, `IN_AWS`.
    pub right_sizing: Option<String>,
    /// Bring your own licence.
    pub os_byol: Option<bool>,
    /// `FAST`, `OPTIMAL`.
    pub recovery_mode: Option<String>,
    /// Launch template: instance type.
    pub instance_type: Option<String>,
    /// Launch template: subnet.
    pub subnet_id: Option<String>,
    /// Launch template: security groups (empty: leave).
    pub security_group_ids: Vec<String>,
    /// Launch template: static private IP.
    pub private_ip: Option<String>,
    /// DRS runs post-launch actions (set when the group declares any).
    pub post_launch_enabled: Option<bool>,
}

/// DRS's word for a disposition.
pub fn disposition_word(d: LaunchDisposition) -> &'static str {
    match d {
        LaunchDisposition::Stopped => "STOPPED",
        LaunchDisposition::Started => "STARTED",
    }
}

/// DRS's word for a right-sizing method.
pub fn right_sizing_word(r: RightSizing) -> &'static str {
    match r {
        RightSizing::None => "NONE",
        RightSizing::Basic => "BASIC",
        RightSizing::InAws => "IN_AWS",
    }
}

/// DRS's word for a recovery mode.
pub fn recovery_mode_word(r: RecoveryMode) -> &'static str {
    match r {
        RecoveryMode::Fast => "FAST",
        RecoveryMode::Optimal => "OPTIMAL",
    }
}

/// What `group` says server `source_server_id` should launch with. A drill of a group with
/// drill-only network settings uses those (subnet and security groups) instead, and no static
/// IP.
pub fn desired(group: &ProtectionGroup, source_server_id: &str, drill: bool) -> Desired {
    let l = &group.launch;
    let o = group
        .overrides
        .iter()
        .find(|o| o.source_server_id == source_server_id);
    let mut d = Desired {
        launch_disposition: l.launch_disposition.map(|x| disposition_word(x).into()),
        copy_private_ip: l.copy_private_ip,
        copy_tags: l.copy_tags,
        right_sizing: l.right_sizing.map(|x| right_sizing_word(x).into()),
        os_byol: l.os_byol,
        recovery_mode: l.recovery_mode.map(|x| recovery_mode_word(x).into()),
        instance_type: o
            .and_then(|o| o.instance_type.clone())
            .or_else(|| l.instance_type.clone()),
        subnet_id: o
            .and_then(|o| o.subnet_id.clone())
            .or_else(|| l.subnet_id.clone()),
        security_group_ids: l.security_group_ids.clone(),
        private_ip: o.and_then(|o| o.private_ip.clone()),
        post_launch_enabled: (!l.post_launch_actions.is_empty()).then_some(true),
    };
    if drill {
        if let Some(n) = &l.drill_network {
            d.subnet_id = Some(n.subnet_id.clone());
            if !n.security_group_ids.is_empty() {
                d.security_group_ids = n.security_group_ids.clone();
            }
            d.private_ip = None;
        }
    }
    d
}

/// One field that differs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub struct FieldChange {
    /// `launchDisposition`, `copyPrivateIp`, …, `template.subnetId`, `template.instanceType`.
    pub field: String,
    /// What it holds now.
    pub before: Option<String>,
    /// What the group says.
    pub after: Option<String>,
}

fn text<T: ToString>(v: &Option<T>) -> Option<String> {
    v.as_ref().map(ToString::to_string)
}

/// The fields where `lc` and `template` differ from `want` (fields `want` leaves unset are not
/// compared).
pub fn diff(
    want: &Desired,
    lc: &LaunchConfiguration,
    template: Option<&LaunchTemplate>,
) -> Vec<FieldChange> {
    let mut out = Vec::new();
    let mut cmp = |field: &str, before: Option<String>, after: Option<String>| {
        if after.is_some() && before != after {
            out.push(FieldChange {
                field: field.into(),
                before,
                after,
            });
        }
    };
    cmp(
        "launchDisposition",
        lc.launch_disposition.clone(),
        want.launch_disposition.clone(),
    );
    cmp(
        "copyPrivateIp",
        text(&lc.copy_private_ip),
        text(&want.copy_private_ip),
    );
    cmp("copyTags", text(&lc.copy_tags), text(&want.copy_tags));
    cmp(
        "rightSizing",
        lc.right_sizing.clone(),
        want.right_sizing.clone(),
    );
    cmp("osByol", text(&lc.os_byol), text(&want.os_byol));
    cmp(
        "recoveryMode",
        lc.recovery_mode.clone(),
        want.recovery_mode.clone(),
    );
    cmp(
        "postLaunchEnabled",
        text(&lc.post_launch_enabled),
        text(&want.post_launch_enabled),
    );
    let t = template.cloned().unwrap_or_default();
    cmp(
        "template.instanceType",
        t.instance_type.clone(),
        want.instance_type.clone(),
    );
    cmp(
        "template.subnetId",
        t.subnet_id.clone(),
        want.subnet_id.clone(),
    );
    if !want.security_group_ids.is_empty() {
        let mut a = t.security_group_ids.clone();
        let mut b = want.security_group_ids.clone();
        a.sort();
        b.sort();
        cmp(
            "template.securityGroupIds",
            (!a.is_empty()).then(|| a.join(", ")),
            Some(b.join(", ")),
        );
    }
    cmp(
        "template.privateIp",
        t.private_ip.clone(),
        want.private_ip.clone(),
    );
    out
}

/// True when any change is to the launch template.
pub fn touches_template(changes: &[FieldChange]) -> bool {
    changes.iter().any(|c| c.field.starts_with("template."))
}

/// True when any change is to the DRS launch configuration.
pub fn touches_configuration(changes: &[FieldChange]) -> bool {
    changes
        .iter()
        .any(|c| !c.field.starts_with("template.") && !c.field.starts_with("action."))
}

/// The launch-configuration update that brings `lc` to `want` (keeping its launch-into
/// setting, which pairing owns).
pub fn configuration_update(want: &Desired, lc: &LaunchConfiguration) -> LaunchConfigurationUpdate {
    LaunchConfigurationUpdate {
        source_server_id: lc.source_server_id.clone(),
        launch_into_instance_id: lc.launch_into_instance_id.clone(),
        copy_private_ip: want.copy_private_ip,
        copy_tags: want.copy_tags,
        right_sizing: want.right_sizing.clone(),
        launch_disposition: want.launch_disposition.clone(),
        os_byol: want.os_byol,
        recovery_mode: want.recovery_mode.clone(),
        post_launch_enabled: want.post_launch_enabled,
    }
}

/// `template` with the fields `want` sets (what the new default version will hold).
pub fn template_update(want: &Desired, template: &LaunchTemplate) -> LaunchTemplate {
    LaunchTemplate {
        id: template.id.clone(),
        version: template.version,
        instance_type: want
            .instance_type
            .clone()
            .or_else(|| template.instance_type.clone()),
        subnet_id: want
            .subnet_id
            .clone()
            .or_else(|| template.subnet_id.clone()),
        security_group_ids: if want.security_group_ids.is_empty() {
            template.security_group_ids.clone()
        } else {
            want.security_group_ids.clone()
        },
        private_ip: want
            .private_ip
            .clone()
            .or_else(|| template.private_ip.clone()),
    }
}

/// What AWS says exists, for checking launch settings before any change.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NetworkFacts {
    /// Subnets of the recovery region.
    pub subnets: Vec<Subnet>,
    /// Security groups of the recovery region.
    pub security_groups: Vec<SecurityGroup>,
    /// Instance types that exist (of those the group names).
    pub instance_types: BTreeSet<String>,
}

fn parse_cidr(cidr: &str) -> Option<(u32, u32)> {
    let (ip, bits) = cidr.split_once('/')?;
    let ip: Ipv4Addr = ip.parse().ok()?;
    let bits: u32 = bits.parse().ok()?;
    if bits > 32 {
        return None;
    }
    let mask = if bits == 0 {
        0
    } else {
        u32::MAX << (32 - bits)
    };
    Some((u32::from(ip) & mask, mask))
}

/// Whether `ip` is a usable host address of `cidr` (AWS reserves the first four addresses and
/// the last one of every subnet).
pub fn ip_in_subnet(ip: &str, cidr: &str) -> Result<(), String> {
    let addr: Ipv4Addr = ip
        .parse()
        .map_err(|_| format!("{ip} is not an IPv4 address"))?;
    let (net, mask) = parse_cidr(cidr).ok_or_else(|| format!("{cidr} is not a CIDR block"))?;
    let a = u32::from(addr);
    if a & mask != net {
        return Err(format!("{ip} is outside the subnet's range {cidr}"));
    }
    let host = a & !mask;
    if host < 4 || host == !mask {
        return Err(format!(
            "{ip} is reserved by AWS in {cidr} (the first four addresses and the last are not usable)"
        ));
    }
    Ok(())
}

/// Checks a group's launch settings against what exists in AWS: the subnets, security groups
/// and instance types it names (group, overrides and drill network), and every static IP inside
/// its subnet and used once. Each problem names its field.
pub fn check_against(group: &ProtectionGroup, facts: &NetworkFacts) -> Vec<Problem> {
    let mut out = Vec::new();
    let subnet = |id: &str| facts.subnets.iter().find(|s| s.id == id);
    let check_subnet = |out: &mut Vec<Problem>, path: &str, id: &str| {
        if subnet(id).is_none() {
            out.push(Problem::error(
                path,
                format!("subnet {id} does not exist in the recovery region"),
            ));
        }
    };
    let check_sgs =
        |out: &mut Vec<Problem>, path: &str, ids: &[String], subnet_id: Option<&str>| {
            let vpc = subnet_id.and_then(subnet).map(|s| s.vpc_id.as_str());
            for (i, sg) in ids.iter().enumerate() {
                match facts.security_groups.iter().find(|g| &g.id == sg) {
                    None => out.push(Problem::error(
                        format!("{path}[{i}]"),
                        format!("security group {sg} does not exist in the recovery region"),
                    )),
                    Some(g) => {
                        if let Some(v) = vpc {
                            if g.vpc_id != v {
                                out.push(Problem::error(
                                    format!("{path}[{i}]"),
                                    format!(
                                        "security group {sg} is in {} but the subnet is in {v}",
                                        g.vpc_id
                                    ),
                                ));
                            }
                        }
                    }
                }
            }
        };
    let check_type = |out: &mut Vec<Problem>, path: &str, t: &str| {
        if !facts.instance_types.contains(t) {
            out.push(Problem::error(
                path,
                format!("instance type {t} does not exist in the recovery region"),
            ));
        }
    };
    let l = &group.launch;
    if let Some(s) = &l.subnet_id {
        check_subnet(&mut out, "launch.subnetId", s);
    }
    check_sgs(
        &mut out,
        "launch.securityGroupIds",
        &l.security_group_ids,
        l.subnet_id.as_deref(),
    );
    if let Some(t) = &l.instance_type {
        check_type(&mut out, "launch.instanceType", t);
    }
    if let Some(n) = &l.drill_network {
        check_subnet(&mut out, "launch.drillNetwork.subnetId", &n.subnet_id);
        check_sgs(
            &mut out,
            "launch.drillNetwork.securityGroupIds",
            &n.security_group_ids,
            Some(&n.subnet_id),
        );
    }
    let mut ips: HashMap<&str, usize> = HashMap::new();
    for (i, o) in group.overrides.iter().enumerate() {
        let base = format!("overrides[{i}]");
        if let Some(s) = &o.subnet_id {
            check_subnet(&mut out, &format!("{base}.subnetId"), s);
        }
        if let Some(t) = &o.instance_type {
            check_type(&mut out, &format!("{base}.instanceType"), t);
        }
        if let Some(ip) = &o.private_ip {
            if let Some(first) = ips.insert(ip.as_str(), i) {
                out.push(Problem::error(
                    format!("{base}.privateIp"),
                    format!("private IP {ip} is also given to overrides[{first}]"),
                ));
            }
            let subnet_id = o.subnet_id.as_deref().or(l.subnet_id.as_deref());
            match subnet_id.and_then(subnet) {
                Some(s) => {
                    if let Err(m) = ip_in_subnet(ip, &s.cidr) {
                        out.push(Problem::error(format!("{base}.privateIp"), m));
                    }
                }
                None if subnet_id.is_none() => out.push(Problem::error(
                    format!("{base}.privateIp"),
                    "a static IP needs a subnet: set the group's subnet or this server's",
                )),
                None => {} // the unknown subnet is reported above
            }
        }
    }
    out
}

/// The instance types a group names (to look up before [`check_against`]).
pub fn named_instance_types(group: &ProtectionGroup) -> BTreeSet<String> {
    group
        .launch
        .instance_type
        .iter()
        .chain(
            group
                .overrides
                .iter()
                .filter_map(|o| o.instance_type.as_ref()),
        )
        .cloned()
        .collect()
}

/// Where one server of an apply is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub enum ServerApplyStatus {
    /// Written down, not changed yet.
    Pending,
    /// Changed (configuration and/or template).
    Applied,
    /// AWS refused; nothing or part of it changed (see `error`).
    Failed,
}

/// One server of an apply: what it held before, what changes, and what happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub struct ServerRecord {
    /// `s-…`.
    pub source_server_id: String,
    /// Display name.
    pub name: String,
    /// The launch configuration before.
    pub before: LaunchConfiguration,
    /// The launch template (default version) before, when the apply changes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub before_template: Option<LaunchTemplate>,
    /// The changes.
    pub changes: Vec<FieldChange>,
    /// What happened.
    pub status: ServerApplyStatus,
    /// Why it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub error: Option<String>,
    /// The configuration was written.
    #[serde(default)]
    pub configuration_written: bool,
    /// The new default template version, when the template was written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub template_version: Option<i64>,
    /// Its post-launch actions before, when the apply changes them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub before_actions: Vec<crate::launch_actions::LaunchAction>,
    /// Post-launch actions were written.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub actions_written: bool,
}

/// An apply (or a rollback) of a group's launch settings, as recorded before and during it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub struct LaunchApplication {
    /// Record ID.
    pub id: i64,
    /// Protection group.
    pub group: String,
    /// Target.
    pub target: String,
    /// `apply`, `remediate` or `rollback`.
    pub kind: String,
    /// When it started.
    pub started_at: String,
    /// When it finished (absent: interrupted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub finished_at: Option<String>,
    /// Who.
    pub actor: String,
    /// The rollback that undid it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub rolled_back_by: Option<i64>,
    /// For a rollback: the apply it undoes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub rolls_back: Option<i64>,
    /// Per server.
    pub servers: Vec<ServerRecord>,
}

impl LaunchApplication {
    /// Servers changed.
    pub fn applied(&self) -> usize {
        self.servers
            .iter()
            .filter(|s| s.status == ServerApplyStatus::Applied)
            .count()
    }

    /// Servers that failed.
    pub fn failed(&self) -> usize {
        self.servers
            .iter()
            .filter(|s| s.status == ServerApplyStatus::Failed)
            .count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::group::{DrillNetwork, LaunchSettings, ServerOverride};

    fn server(id: &str, name: &str, tags: &[(&str, &str)]) -> SourceServer {
        serde_json::from_value(serde_json::json!({
            "id": id, "arn": "", "target": "t", "name": name,
            "tags": tags.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<BTreeMap<_, _>>(),
        }))
        .unwrap()
    }

    fn group(name: &str, selector: Selector) -> ProtectionGroup {
        ProtectionGroup {
            name: name.into(),
            target: "t".into(),
            selector,
            ..Default::default()
        }
    }

    fn tags(t: &[(&str, &str)]) -> Selector {
        Selector::Tags(
            t.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    #[test]
    fn tags_must_all_match_and_a_server_in_two_groups_names_both() {
        let inv: BTreeMap<_, _> = [(
            "t".to_string(),
            Ok(vec![
                server("s-1", "web-1", &[("App", "shop"), ("Tier", "web")]),
                server("s-2", "web-2", &[("App", "shop")]),
                server("s-3", "db-1", &[("App", "shop"), ("Tier", "db")]),
            ]),
        )]
        .into();
        let groups = [
            group("web", tags(&[("App", "shop"), ("Tier", "web")])),
            group("shop", tags(&[("App", "shop")])),
            group(
                "listed",
                Selector::SourceServerIds(vec!["s-3".into(), "s-0000000000000dead".into()]),
            ),
        ];
        let r = resolve(&groups, &inv);
        assert_eq!(r.of("web").unwrap().servers, ["s-1"], "AND semantics");
        assert_eq!(r.of("shop").unwrap().servers, ["s-1", "s-2", "s-3"]);
        assert_eq!(r.of("listed").unwrap().missing, ["s-0000000000000dead"]);
        assert_eq!(r.conflicts.len(), 2);
        assert_eq!(r.conflicts[0].groups, ["web", "shop"]);
        assert!(r.conflicts[0]
            .message()
            .contains("web-1 (s-1) is selected by protection groups \"web\" and \"shop\""));
        assert_eq!(r.conflicts[1].groups, ["shop", "listed"]);
    }

    #[test]
    fn an_unreadable_target_resolves_nothing_and_says_why() {
        let inv: BTreeMap<_, _> = [("t".to_string(), Err("access denied".to_string()))].into();
        let r = resolve(&[group("web", tags(&[("Tier", "web")]))], &inv);
        assert_eq!(r.groups[0].unavailable.as_deref(), Some("access denied"));
    }

    fn settings_group() -> ProtectionGroup {
        ProtectionGroup {
            launch: LaunchSettings {
                subnet_id: Some("subnet-0a".into()),
                security_group_ids: vec!["sg-0b".into(), "sg-0a".into()],
                instance_type: Some("m5.large".into()),
                launch_disposition: Some(LaunchDisposition::Started),
                right_sizing: Some(RightSizing::None),
                drill_network: Some(DrillNetwork {
                    subnet_id: "subnet-0d".into(),
                    security_group_ids: vec!["sg-0d".into()],
                }),
                ..Default::default()
            },
            overrides: vec![ServerOverride {
                source_server_id: "s-1".into(),
                private_ip: Some("10.0.1.20".into()),
                instance_type: Some("r5.xlarge".into()),
                ..Default::default()
            }],
            ..group("web", tags(&[("Tier", "web")]))
        }
    }

    #[test]
    fn the_diff_lists_only_what_differs_and_overrides_win() {
        let g = settings_group();
        let lc = LaunchConfiguration {
            source_server_id: "s-1".into(),
            launch_disposition: Some("STOPPED".into()),
            right_sizing: Some("NONE".into()),
            ec2_launch_template_id: Some("lt-1".into()),
            ..Default::default()
        };
        let t = LaunchTemplate {
            id: "lt-1".into(),
            version: 3,
            instance_type: Some("m5.large".into()),
            subnet_id: Some("subnet-0a".into()),
            security_group_ids: vec!["sg-0a".into(), "sg-0b".into()],
            private_ip: None,
        };
        let changes = diff(&desired(&g, "s-1", false), &lc, Some(&t));
        let fields: Vec<&str> = changes.iter().map(|c| c.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "launchDisposition",
                "template.instanceType",
                "template.privateIp"
            ],
            "security groups in another order are the same"
        );
        assert_eq!(changes[1].after.as_deref(), Some("r5.xlarge"));
        // Another server gets the group's type: nothing to change there.
        let other = diff(&desired(&g, "s-2", false), &lc, Some(&t));
        assert_eq!(other.len(), 1);
        // A drill uses the drill network and no static IP.
        let drill = desired(&g, "s-1", true);
        assert_eq!(drill.subnet_id.as_deref(), Some("subnet-0d"));
        assert_eq!(drill.security_group_ids, ["sg-0d"]);
        assert_eq!(drill.private_ip, None);
        let update = configuration_update(&desired(&g, "s-1", false), &lc);
        assert_eq!(update.launch_disposition.as_deref(), Some("STARTED"));
        let applied = template_update(&desired(&g, "s-1", false), &t);
        assert_eq!(applied.instance_type.as_deref(), Some("r5.xlarge"));
        assert_eq!(applied.private_ip.as_deref(), Some("10.0.1.20"));
    }

    #[test]
    fn settings_are_checked_against_what_exists() {
        let facts = NetworkFacts {
            subnets: vec![
                Subnet {
                    id: "subnet-0a".into(),
                    vpc_id: "vpc-1".into(),
                    cidr: "10.0.1.0/24".into(),
                },
                Subnet {
                    id: "subnet-0d".into(),
                    vpc_id: "vpc-2".into(),
                    cidr: "10.9.0.0/24".into(),
                },
            ],
            security_groups: vec![
                SecurityGroup {
                    id: "sg-0a".into(),
                    vpc_id: "vpc-1".into(),
                    name: "web".into(),
                },
                SecurityGroup {
                    id: "sg-0d".into(),
                    vpc_id: "vpc-1".into(),
                    name: "other".into(),
                },
            ],
            instance_types: ["m5.large".to_string()].into(),
        };
        let mut g = settings_group();
        g.overrides.push(ServerOverride {
            source_server_id: "s-2".into(),
            private_ip: Some("10.0.2.9".into()),
            ..Default::default()
        });
        g.overrides.push(ServerOverride {
            source_server_id: "s-3".into(),
            private_ip: Some("10.0.1.20".into()),
            ..Default::default()
        });
        let p = check_against(&g, &facts);
        let text: Vec<String> = p
            .iter()
            .map(|p| format!("{}: {}", p.path, p.message))
            .collect();
        assert!(text.contains(&"launch.securityGroupIds[0]: security group sg-0b does not exist in the recovery region".to_string()), "{text:#?}");
        assert!(text.contains(&"launch.drillNetwork.securityGroupIds[0]: security group sg-0d is in vpc-1 but the subnet is in vpc-2".to_string()), "{text:#?}");
        assert!(text.contains(&"overrides[0].instanceType: instance type r5.xlarge does not exist in the recovery region".to_string()), "{text:#?}");
        assert!(
            text.contains(
                &"overrides[1].privateIp: 10.0.2.9 is outside the subnet's range 10.0.1.0/24"
                    .to_string()
            ),
            "{text:#?}"
        );
        assert!(
            text.contains(
                &"overrides[2].privateIp: private IP 10.0.1.20 is also given to overrides[0]"
                    .to_string()
            ),
            "{text:#?}"
        );
        assert_eq!(p.len(), 5, "{text:#?}");
    }

    #[test]
    fn reserved_addresses_are_refused() {
        assert!(ip_in_subnet("10.0.1.3", "10.0.1.0/24").is_err());
        assert!(ip_in_subnet("10.0.1.255", "10.0.1.0/24").is_err());
        assert!(ip_in_subnet("10.0.1.4", "10.0.1.0/24").is_ok());
        assert!(ip_in_subnet("10.0.1.4", "10.0.1.0/33").is_err());
    }
}
