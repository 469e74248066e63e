//! Pair matching: which pre-provisioned DR instance each source server of a "launch into
//! pre-provisioned instances" group recovers into, and whether that pair would launch.
//!
//! Matching is by name: the server's `Name` tag, falling back to the hostname DRS reports in
//! `identificationHints` (then its short form before the first dot), against the instance's
//! `Name` tag. Names are compared normalised: Unicode NFKC, whitespace trimmed and collapsed,
//! lower-cased. Candidates are the recovery-region instances tagged
//! `AWSDRS=AllowLaunchingIntoThisInstance`; an untagged instance is used only when no tagged
//! one has the name (the pair then fails its tag check, which says how to fix it).
//!
//! Every instance is paired at most once and every server appears exactly once in the result.
//! Manual overrides (server → instance, or "leave unpaired") come first and survive refreshes.
//! The result does not depend on the order of the inputs.

use crate::inventory::{Ec2Instance, InstanceState, SourceServer};
use crate::launch::{LaunchConfiguration, RecoveryInstance, AWSDRS_TAG};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use unicode_normalization::UnicodeNormalization;

/// The name key two names match on: NFKC, trimmed, inner whitespace collapsed, lower-cased.
/// `None` for a name that is empty after that.
pub fn name_key(name: &str) -> Option<String> {
    let folded: String = name.nfkc().collect::<String>().to_lowercase();
    let key = folded.split_whitespace().collect::<Vec<_>>().join(" ");
    (!key.is_empty()).then_some(key)
}

/// How a pair came about, or why there is none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub enum PairStatus {
    /// Matched by name.
    Matched,
    /// Set by hand; kept across refreshes.
    Override,
    /// A source server with no DR instance.
    Unmatched,
    /// More than one candidate (or more than one server for one instance).
    Ambiguous,
    /// A tagged DR instance no server of a launch-into group matches.
    Orphan,
}

/// Which name matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub enum MatchedBy {
    /// The server's Name tag.
    NameTag,
    /// The server's hostname.
    Hostname,
    /// The hostname before its first dot.
    ShortHostname,
    /// A manual override.
    Override,
}

/// One prerequisite of a pair: whether it holds, what was seen, and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub struct PairCheck {
    /// Stable ID (`awsdrsTag`, `stopped`, `architecture`, …).
    pub check: String,
    /// Holds.
    pub ok: bool,
    /// What was seen.
    pub message: String,
    /// What to do when it does not hold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub remediation: Option<String>,
    /// Pairing sets this itself when applied (launch-configuration fields).
    #[serde(default)]
    pub fixed_by_apply: bool,
}

/// A source server and the DR instance it recovers into (or why there is none).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub struct Pair {
    /// Status.
    pub status: PairStatus,
    /// The protection group of the server (none for an orphan instance).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub group: Option<String>,
    /// Target (account + regions).
    pub target: String,
    /// `s-…`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub source_server_id: Option<String>,
    /// The server's name (Name tag or hostname).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub server_name: Option<String>,
    /// `i-…`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub instance_id: Option<String>,
    /// The instance's Name tag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub instance_name: Option<String>,
    /// Which name matched.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub matched_by: Option<MatchedBy>,
    /// For ambiguous pairs: the competing instances or servers, as `id (name)`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub candidates: Vec<String>,
    /// Why the pair is as it is, in words.
    pub note: String,
    /// Prerequisites (filled by [`check_pairs`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<PairCheck>,
}

impl Pair {
    /// A matched or overridden pair whose every prerequisite holds or is set by apply.
    pub fn is_valid(&self) -> bool {
        matches!(self.status, PairStatus::Matched | PairStatus::Override)
            && self.instance_id.is_some()
            && self.checks.iter().all(|c| c.ok || c.fixed_by_apply)
    }
}

/// A manual override for one source server: an instance, or `None` to leave it unpaired.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PairOverride {
    /// `s-…`.
    pub source_server_id: String,
    /// `i-…`, or none to keep the server unpaired on purpose.
    #[serde(default)]
    pub instance_id: Option<String>,
}

fn label(id: &str, name: Option<&str>) -> String {
    match name {
        Some(n) if !n.trim().is_empty() => format!("{id} ({n})"),
        _ => id.to_string(),
    }
}

/// The keys a server may match on, in order, with what each is.
fn server_keys(s: &SourceServer) -> Vec<(String, MatchedBy)> {
    let mut keys = Vec::new();
    if let Some(k) = s.name.as_deref().and_then(name_key) {
        keys.push((k, MatchedBy::NameTag));
        return keys;
    }
    if let Some(h) = s.hostname.as_deref() {
        if let Some(k) = name_key(h) {
            keys.push((k, MatchedBy::Hostname));
        }
        if let Some(short) = h.split('.').next().and_then(name_key) {
            if keys.iter().all(|(k, _)| k != &short) {
                keys.push((short, MatchedBy::ShortHostname));
            }
        }
    }
    keys
}

/// Matches the servers of a target's launch-into groups (`(group, server)`) with its
/// recovery-region `instances`, honouring `overrides`. Returns one pair per server, then one per
/// orphan tagged instance, sorted by group, server name, and instance.
pub fn match_pairs(
    target: &str,
    servers: &[(String, SourceServer)],
    instances: &[Ec2Instance],
    overrides: &[PairOverride],
) -> Vec<Pair> {
    // Deterministic order whatever the input order.
    let mut servers: Vec<&(String, SourceServer)> = servers.iter().collect();
    servers.sort_by(|a, b| a.1.id.cmp(&b.1.id).then(a.0.cmp(&b.0)));
    servers.dedup_by(|a, b| a.1.id == b.1.id);
    let live: BTreeMap<&str, &Ec2Instance> = instances
        .iter()
        .filter(|i| {
            !matches!(
                i.state,
                InstanceState::Terminated | InstanceState::ShuttingDown
            )
        })
        .map(|i| (i.id.as_str(), i))
        .collect();
    let overrides: BTreeMap<&str, Option<&str>> = overrides
        .iter()
        .map(|o| (o.source_server_id.as_str(), o.instance_id.as_deref()))
        .collect();

    let mut claimed: BTreeSet<&str> = BTreeSet::new();
    let mut result: BTreeMap<&str, Pair> = BTreeMap::new();
    let base = |group: &str, s: &SourceServer| Pair {
        status: PairStatus::Unmatched,
        group: Some(group.to_string()),
        target: target.to_string(),
        source_server_id: Some(s.id.clone()),
        server_name: Some(s.display_name().to_string()),
        instance_id: None,
        instance_name: None,
        matched_by: None,
        candidates: Vec::new(),
        note: String::new(),
        checks: Vec::new(),
    };

    // 1. Overrides.
    for (group, s) in servers.iter().map(|x| (&x.0, &x.1)) {
        let Some(choice) = overrides.get(s.id.as_str()) else {
            continue;
        };
        let mut pair = base(group, s);
        match choice {
            None => {
                pair.note = "left unpaired on purpose (manual override)".into();
                pair.matched_by = Some(MatchedBy::Override);
            }
            Some(id) => match live.get(id) {
                Some(i) if !claimed.contains(id) => {
                    claimed.insert(i.id.as_str());
                    pair.status = PairStatus::Override;
                    pair.instance_id = Some(i.id.clone());
                    pair.instance_name = i.name.clone();
                    pair.matched_by = Some(MatchedBy::Override);
                    pair.note = "paired by hand (manual override)".into();
                }
                Some(_) => {
                    pair.status = PairStatus::Ambiguous;
                    pair.note = format!(
                        "the manual override names {id}, which another override already uses"
                    );
                    pair.candidates = vec![id.to_string()];
                }
                None => {
                    pair.note = format!(
                        "the manual override names {id}, which no longer exists in the recovery region; choose another instance or remove the override"
                    );
                }
            },
        }
        result.insert(s.id.as_str(), pair);
    }

    // 2. Name matching, key by key: name tag / hostname first, then short hostnames.
    let mut by_key: BTreeMap<String, Vec<&Ec2Instance>> = BTreeMap::new();
    for i in live.values() {
        if let Some(k) = i.name.as_deref().and_then(name_key) {
            by_key.entry(k).or_default().push(i);
        }
    }
    for round in 0..2 {
        // Which servers want which key this round.
        let mut wanting: BTreeMap<String, Vec<(&String, &SourceServer, MatchedBy)>> =
            BTreeMap::new();
        for (group, s) in servers.iter().map(|x| (&x.0, &x.1)) {
            if result.contains_key(s.id.as_str()) {
                continue;
            }
            if let Some((k, by)) = server_keys(s).into_iter().nth(round) {
                wanting.entry(k).or_default().push((group, s, by));
            }
        }
        for (key, wanters) in wanting {
            let free: Vec<&Ec2Instance> = by_key
                .get(&key)
                .map(|v| {
                    v.iter()
                        .copied()
                        .filter(|i| !claimed.contains(i.id.as_str()))
                        .collect()
                })
                .unwrap_or_default();
            let tagged: Vec<&Ec2Instance> = free
                .iter()
                .copied()
                .filter(|i| i.allows_launch_into())
                .collect();
            let pool = if tagged.is_empty() { free } else { tagged };
            if pool.is_empty() {
                continue; // maybe the next round's key matches
            }
            if wanters.len() > 1 {
                let names: Vec<String> = wanters
                    .iter()
                    .map(|(_, s, _)| label(&s.id, Some(s.display_name())))
                    .collect();
                for (group, s, _) in &wanters {
                    let mut pair = base(group, s);
                    pair.status = PairStatus::Ambiguous;
                    pair.candidates = names
                        .iter()
                        .filter(|n| !n.starts_with(&s.id))
                        .cloned()
                        .collect();
                    pair.candidates
                        .extend(pool.iter().map(|i| label(&i.id, i.name.as_deref())));
                    pair.note = format!(
                        "{} servers share the name \"{key}\"; rename them or pair them by hand",
                        wanters.len()
                    );
                    result.insert(s.id.as_str(), pair);
                }
                // Contested instances are neither paired nor orphans.
                for i in &pool {
                    claimed.insert(i.id.as_str());
                }
                continue;
            }
            let (group, s, by) = wanters[0];
            let mut pair = base(group, s);
            if pool.len() > 1 {
                pair.status = PairStatus::Ambiguous;
                pair.candidates = pool
                    .iter()
                    .map(|i| label(&i.id, i.name.as_deref()))
                    .collect();
                pair.note = format!(
                    "{} DR instances are named \"{key}\": {}; rename one or pair by hand",
                    pool.len(),
                    pair.candidates.join(", ")
                );
                // The competing instances are not orphans: keep them from other servers too.
                for i in &pool {
                    claimed.insert(i.id.as_str());
                }
            } else {
                let i = pool[0];
                claimed.insert(i.id.as_str());
                pair.status = PairStatus::Matched;
                pair.instance_id = Some(i.id.clone());
                pair.instance_name = i.name.clone();
                pair.matched_by = Some(by);
                pair.note = match by {
                    MatchedBy::NameTag => "matched by Name tag".into(),
                    MatchedBy::Hostname => {
                        "matched by hostname (the server has no Name tag)".into()
                    }
                    MatchedBy::ShortHostname => {
                        "matched by short hostname (the server has no Name tag)".into()
                    }
                    MatchedBy::Override => "paired by hand".into(),
                };
            }
            result.insert(s.id.as_str(), pair);
        }
    }

    // 3. Servers still without a pair.
    for (group, s) in servers.iter().map(|x| (&x.0, &x.1)) {
        result.entry(s.id.as_str()).or_insert_with(|| {
            let mut pair = base(group, s);
            pair.note = if server_keys(s).is_empty() {
                "the server has neither a Name tag nor a hostname to match on; pair it by hand"
                    .into()
            } else {
                format!(
                    "no DR instance in the recovery region is named \"{}\"",
                    s.display_name().trim()
                )
            };
            pair
        });
    }

    let mut pairs: Vec<Pair> = result.into_values().collect();
    // 4. Orphans: tagged instances nobody matched.
    for i in live.values() {
        if i.allows_launch_into() && !claimed.contains(i.id.as_str()) {
            pairs.push(Pair {
                status: PairStatus::Orphan,
                group: None,
                target: target.to_string(),
                source_server_id: None,
                server_name: None,
                instance_id: Some(i.id.clone()),
                instance_name: i.name.clone(),
                matched_by: None,
                candidates: Vec::new(),
                note:
                    "tagged for launch-into but no source server of a launch-into group matches it"
                        .into(),
                checks: Vec::new(),
            });
        }
    }
    pairs.sort_by(|a, b| {
        (
            a.group.is_none(),
            &a.group,
            &a.server_name,
            &a.source_server_id,
            &a.instance_id,
        )
            .cmp(&(
                b.group.is_none(),
                &b.group,
                &b.server_name,
                &b.source_server_id,
                &b.instance_id,
            ))
    });
    pairs
}

/// The OS family a string names: `windows` or `linux`.
fn os_family(s: &str) -> Option<&'static str> {
    let l = s.to_lowercase();
    if l.contains("windows") {
        Some("windows")
    } else if l.contains("linux")
        || l.contains("unix")
        || l.contains("ubuntu")
        || l.contains("red hat")
    {
        Some("linux")
    } else {
        None
    }
}

/// What the prerequisite checks look at besides the pairs themselves.
#[derive(Debug, Default)]
pub struct PairContext<'a> {
    /// Source servers by ID.
    pub servers: BTreeMap<&'a str, &'a SourceServer>,
    /// Instances by ID.
    pub instances: BTreeMap<&'a str, &'a Ec2Instance>,
    /// Launch configurations by source server ID.
    pub launch: BTreeMap<&'a str, &'a LaunchConfiguration>,
    /// DRS recovery instances of the target.
    pub recovery_instances: &'a [RecoveryInstance],
}

fn check(id: &str, ok: bool, message: String, remediation: Option<String>) -> PairCheck {
    PairCheck {
        check: id.into(),
        ok,
        message,
        remediation: if ok { None } else { remediation },
        fixed_by_apply: false,
    }
}

/// Fills in the prerequisites of every matched or overridden pair.
pub fn check_pairs(pairs: &mut [Pair], ctx: &PairContext<'_>) {
    // Which server's launch configuration already names each instance.
    let mut named_by: BTreeMap<&str, &str> = BTreeMap::new();
    for (server, lc) in &ctx.launch {
        if let Some(i) = lc.launch_into_instance_id.as_deref() {
            named_by.insert(i, server);
        }
    }
    for pair in pairs.iter_mut() {
        if !matches!(pair.status, PairStatus::Matched | PairStatus::Override) {
            continue;
        }
        let (Some(sid), Some(iid)) = (pair.source_server_id.clone(), pair.instance_id.clone())
        else {
            continue;
        };
        let Some(instance) = ctx.instances.get(iid.as_str()) else {
            pair.checks = vec![check(
                "exists",
                false,
                format!("{iid} is not in the recovery region any more"),
                Some("refresh the inventory and pair again".into()),
            )];
            continue;
        };
        let server = ctx.servers.get(sid.as_str());
        let mut checks = Vec::new();
        let tag = instance.tags.get(AWSDRS_TAG.0);
        checks.push(check(
            "awsdrsTag",
            tag.map(String::as_str) == Some(AWSDRS_TAG.1),
            match tag {
                Some(v) => format!("tag AWSDRS={v}"),
                None => "no AWSDRS tag".into(),
            },
            Some(format!(
                "aws ec2 create-tags --resources {iid} --tags Key=AWSDRS,Value=AllowLaunchingIntoThisInstance"
            )),
        ));
        checks.push(check(
            "stopped",
            instance.state == InstanceState::Stopped,
            format!("instance state {}", instance.state.as_str()),
            Some(format!(
                "stop it (DRS does not): aws ec2 stop-instances --instance-ids {iid}"
            )),
        ));
        let src_arch = server.and_then(|s| s.architecture.as_deref());
        let dst_arch = instance.architecture.as_deref();
        checks.push(check(
            "architecture",
            src_arch.is_none() || dst_arch.is_none() || src_arch == dst_arch,
            format!(
                "source {} · instance {}",
                src_arch.unwrap_or("unknown"),
                dst_arch.unwrap_or("unknown")
            ),
            Some("use a DR instance of the source's architecture (DRS refuses a mismatch)".into()),
        ));
        let src_os = server.and_then(|s| s.os.as_deref()).and_then(os_family);
        let dst_os = instance.platform.as_deref().and_then(os_family);
        checks.push(check(
            "platform",
            src_os.is_none() || dst_os.is_none() || src_os == dst_os,
            format!(
                "source {} · instance {}",
                src_os.unwrap_or("unknown"),
                dst_os.unwrap_or("unknown")
            ),
            Some("use a DR instance with the source's operating system family".into()),
        ));
        checks.push(check(
            "ebsRoot",
            instance.root_device_type.as_deref() != Some("instance-store"),
            format!(
                "root device {}",
                instance.root_device_type.as_deref().unwrap_or("unknown")
            ),
            Some("use an EBS-backed DR instance (DRS swaps EBS volumes)".into()),
        ));
        if let Some(other) = named_by.get(iid.as_str()).filter(|s| **s != sid) {
            checks.push(check(
                "notPairedElsewhere",
                false,
                format!("source server {other}'s launch configuration already launches into {iid}"),
                Some(format!(
                    "clear the launch-into setting of {other}, or pair {sid} with another instance"
                )),
            ));
        }
        if let Some(ri) = ctx
            .recovery_instances
            .iter()
            .find(|r| r.ec2_instance_id.as_deref() == Some(iid.as_str()))
        {
            checks.push(check(
                "notInUse",
                false,
                format!(
                    "{iid} is DRS recovery instance {} ({})",
                    ri.recovery_instance_id,
                    if ri.is_drill { "a drill" } else { "a recovery" }
                ),
                Some("terminate the drill's recovery instance (drill cleanup) or disconnect it first".into()),
            ));
        }
        let lc = ctx.launch.get(sid.as_str());
        let fixed = |id: &str, ok: bool, message: String| PairCheck {
            check: id.into(),
            ok,
            message,
            remediation: (!ok).then(|| "set by Apply".to_string()),
            fixed_by_apply: !ok,
        };
        if let Some(lc) = lc {
            checks.push(fixed(
                "launchInto",
                lc.launch_into_instance_id.as_deref() == Some(iid.as_str()),
                match &lc.launch_into_instance_id {
                    Some(x) => format!("launch configuration launches into {x}"),
                    None => "launch configuration launches new instances".into(),
                },
            ));
            checks.push(fixed(
                "copyPrivateIpOff",
                lc.copy_private_ip != Some(true),
                format!("copyPrivateIp {}", lc.copy_private_ip.unwrap_or(false)),
            ));
            checks.push(fixed(
                "copyTagsOff",
                lc.copy_tags != Some(true),
                format!("copyTags {}", lc.copy_tags.unwrap_or(false)),
            ));
            checks.push(fixed(
                "rightSizingNone",
                lc.right_sizing.as_deref().is_none_or(|r| r == "NONE"),
                format!(
                    "right-sizing {}",
                    lc.right_sizing.as_deref().unwrap_or("NONE")
                ),
            ));
        }
        pair.checks = checks;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn server(id: &str, name: Option<&str>, hostname: Option<&str>) -> SourceServer {
        SourceServer {
            id: id.into(),
            arn: String::new(),
            target: "t".into(),
            name: name.map(str::to_string),
            hostname: hostname.map(str::to_string),
            replication_state: None,
            lag: None,
            lag_seconds: None,
            last_seen: None,
            replication_error: None,
            origin_instance_id: None,
            origin_account_id: None,
            origin_region: None,
            recommended_instance_type: None,
            os: None,
            architecture: None,
            replication_direction: None,
            reversed_source_server_id: None,
            recovery_instance_id: None,
            initial_sync_percent: None,
            tags: BTreeMap::new(),
        }
    }

    fn instance(id: &str, name: Option<&str>, tagged: bool) -> Ec2Instance {
        let mut tags = BTreeMap::new();
        if tagged {
            tags.insert(AWSDRS_TAG.0.to_string(), AWSDRS_TAG.1.to_string());
        }
        Ec2Instance {
            id: id.into(),
            target: "t".into(),
            region: "us-west-2".into(),
            name: name.map(str::to_string),
            state: InstanceState::Stopped,
            instance_type: None,
            private_ip: None,
            subnet_id: None,
            architecture: None,
            platform: None,
            root_device_type: None,
            boot_mode: None,
            tags,
            launch_time: None,
        }
    }

    fn g(s: SourceServer) -> (String, SourceServer) {
        ("g".into(), s)
    }

    fn find<'a>(pairs: &'a [Pair], server: &str) -> &'a Pair {
        pairs
            .iter()
            .find(|p| p.source_server_id.as_deref() == Some(server))
            .unwrap()
    }

    #[test]
    fn names_are_normalised() {
        assert_eq!(name_key("  Web-01 "), Some("web-01".into()));
        assert_eq!(name_key("web\u{00a0}\t01"), Some("web 01".into()));
        assert_eq!(
            name_key("ＷＥＢ０１"),
            Some("web01".into()),
            "full-width folds"
        );
        assert_eq!(
            name_key("DÉJÀ"),
            name_key("de\u{301}ja\u{300}"),
            "composed = decomposed"
        );
        assert_eq!(name_key("   "), None);
    }

    #[test]
    fn every_outcome() {
        let servers = vec![
            g(server("s-1", Some("Web-01 "), None)),
            g(server("s-2", None, Some("db01.corp.example.com"))),
            g(server("s-3", Some("dup"), None)),
            g(server("s-4", Some("nobody"), None)),
            g(server("s-5", Some("manual"), None)),
            g(server("s-6", Some(""), None)),
        ];
        let instances = vec![
            instance("i-1", Some("web-01"), true),
            instance("i-2", Some("DB01"), true),
            instance("i-3", Some("dup"), true),
            instance("i-4", Some("dup "), true),
            instance("i-5", Some("spare"), true),
            instance("i-6", Some("whatever"), true),
            instance("i-7", Some("web-01"), false),
        ];
        let overrides = vec![PairOverride {
            source_server_id: "s-5".into(),
            instance_id: Some("i-6".into()),
        }];
        let pairs = match_pairs("t", &servers, &instances, &overrides);
        assert_eq!(find(&pairs, "s-1").status, PairStatus::Matched);
        assert_eq!(
            find(&pairs, "s-1").instance_id.as_deref(),
            Some("i-1"),
            "tagged wins"
        );
        let db = find(&pairs, "s-2");
        assert_eq!(
            (db.status, db.matched_by),
            (PairStatus::Matched, Some(MatchedBy::ShortHostname))
        );
        let dup = find(&pairs, "s-3");
        assert_eq!(dup.status, PairStatus::Ambiguous);
        assert_eq!(dup.candidates, ["i-3 (dup)", "i-4 (dup )"]);
        assert!(
            dup.note.contains("2 DR instances are named \"dup\""),
            "{}",
            dup.note
        );
        assert_eq!(find(&pairs, "s-4").status, PairStatus::Unmatched);
        assert_eq!(find(&pairs, "s-5").status, PairStatus::Override);
        assert!(find(&pairs, "s-6")
            .note
            .contains("neither a Name tag nor a hostname"));
        let orphans: Vec<&str> = pairs
            .iter()
            .filter(|p| p.status == PairStatus::Orphan)
            .filter_map(|p| p.instance_id.as_deref())
            .collect();
        assert_eq!(
            orphans,
            ["i-5"],
            "untagged i-7 is no orphan; ambiguous i-3/i-4 are not either"
        );
    }

    #[test]
    fn an_untagged_instance_is_used_when_no_tagged_one_has_the_name() {
        let pairs = match_pairs(
            "t",
            &[g(server("s-1", Some("app-08"), None))],
            &[instance("i-1", Some("app-08"), false)],
            &[],
        );
        assert_eq!(pairs[0].status, PairStatus::Matched);
        let mut pairs = pairs;
        let servers = [server("s-1", Some("app-08"), None)];
        let insts = [instance("i-1", Some("app-08"), false)];
        let ctx = PairContext {
            servers: servers.iter().map(|s| (s.id.as_str(), s)).collect(),
            instances: insts.iter().map(|i| (i.id.as_str(), i)).collect(),
            ..Default::default()
        };
        check_pairs(&mut pairs, &ctx);
        let tag = pairs[0]
            .checks
            .iter()
            .find(|c| c.check == "awsdrsTag")
            .unwrap();
        assert!(!tag.ok);
        assert!(tag
            .remediation
            .as_deref()
            .unwrap()
            .contains("create-tags --resources i-1"));
        assert!(!pairs[0].is_valid());
    }

    #[test]
    fn two_servers_with_one_name_are_both_ambiguous() {
        let pairs = match_pairs(
            "t",
            &[
                g(server("s-1", Some("x"), None)),
                g(server("s-2", Some("X"), None)),
            ],
            &[instance("i-1", Some("x"), true)],
            &[],
        );
        assert!(pairs
            .iter()
            .filter(|p| p.group.is_some())
            .all(|p| p.status == PairStatus::Ambiguous));
        assert!(pairs.iter().all(|p| p.status != PairStatus::Orphan));
    }

    #[test]
    fn an_override_to_a_vanished_instance_says_so() {
        let pairs = match_pairs(
            "t",
            &[g(server("s-1", Some("x"), None))],
            &[instance("i-1", Some("x"), true)],
            &[PairOverride {
                source_server_id: "s-1".into(),
                instance_id: Some("i-gone".into()),
            }],
        );
        assert_eq!(pairs[0].status, PairStatus::Unmatched);
        assert!(pairs[0].note.contains("i-gone, which no longer exists"));
        assert_eq!(pairs[1].status, PairStatus::Orphan, "i-1 is free again");
    }

    #[test]
    fn an_instance_named_by_another_launch_configuration_or_in_use_fails_its_checks() {
        let servers = [
            server("s-1", Some("web"), None),
            server("s-2", Some("db"), None),
        ];
        let insts = [
            instance("i-1", Some("web"), true),
            instance("i-2", Some("db"), true),
        ];
        let mut pairs = match_pairs(
            "t",
            &servers.iter().cloned().map(g).collect::<Vec<_>>(),
            &insts,
            &[],
        );
        // s-9 (outside these groups) already launches into i-1; i-2 is a drill's instance.
        let other = LaunchConfiguration {
            source_server_id: "s-9".into(),
            launch_into_instance_id: Some("i-1".into()),
            ..Default::default()
        };
        let recovery = [RecoveryInstance {
            recovery_instance_id: "i-ri".into(),
            ec2_instance_id: Some("i-2".into()),
            source_server_id: Some("s-2".into()),
            is_drill: true,
            job_id: None,
            ec2_instance_state: None,
            failback_state: None,
        }];
        let ctx = PairContext {
            servers: servers.iter().map(|s| (s.id.as_str(), s)).collect(),
            instances: insts.iter().map(|i| (i.id.as_str(), i)).collect(),
            launch: BTreeMap::from([("s-9", &other)]),
            recovery_instances: &recovery,
        };
        check_pairs(&mut pairs, &ctx);
        let failed = |server: &str| -> Vec<String> {
            find(&pairs, server)
                .checks
                .iter()
                .filter(|c| !c.ok)
                .map(|c| c.check.clone())
                .collect()
        };
        assert_eq!(failed("s-1"), ["notPairedElsewhere"]);
        assert_eq!(failed("s-2"), ["notInUse"]);
        assert!(find(&pairs, "s-2").checks[5].message.contains("a drill"));
    }

    #[test]
    fn empty_instance_names_never_match_and_tagged_ones_are_orphans() {
        let pairs = match_pairs(
            "t",
            &[g(server("s-1", Some(" "), Some("  ")))],
            &[
                instance("i-1", Some("   "), true),
                instance("i-2", None, false),
            ],
            &[],
        );
        assert_eq!(pairs[0].status, PairStatus::Unmatched);
        assert_eq!(pairs[1].status, PairStatus::Orphan);
        assert_eq!(
            pairs.len(),
            2,
            "the untagged, unnamed instance is nobody's business"
        );
    }

    fn arb_name() -> impl Strategy<Value = Option<String>> {
        prop_oneof![
            Just(None),
            "[a-c]{1,2}".prop_map(Some),
            "[A-C ]{1,3}".prop_map(Some),
        ]
    }

    proptest! {
        #[test]
        fn one_to_one_nothing_lost_order_independent(
            s in proptest::collection::vec((arb_name(), arb_name()), 0..25),
            i in proptest::collection::vec((arb_name(), any::<bool>()), 0..25),
            shuffle in any::<u64>(),
        ) {
            let servers: Vec<(String, SourceServer)> = s
                .iter()
                .enumerate()
                .map(|(n, (name, host))| g(server(&format!("s-{n:03}"), name.as_deref(), host.as_deref())))
                .collect();
            let instances: Vec<Ec2Instance> = i
                .iter()
                .enumerate()
                .map(|(n, (name, tagged))| instance(&format!("i-{n:03}"), name.as_deref(), *tagged))
                .collect();
            let pairs = match_pairs("t", &servers, &instances, &[]);
            // Every server exactly once.
            let mut seen: Vec<&str> = pairs.iter().filter_map(|p| p.source_server_id.as_deref()).collect();
            seen.sort_unstable();
            let expected: Vec<String> = (0..servers.len()).map(|n| format!("s-{n:03}")).collect();
            prop_assert_eq!(seen, expected.iter().map(String::as_str).collect::<Vec<_>>());
            // No instance in two pairs.
            let mut used: Vec<&str> = pairs
                .iter()
                .filter(|p| matches!(p.status, PairStatus::Matched | PairStatus::Override | PairStatus::Orphan))
                .filter_map(|p| p.instance_id.as_deref())
                .collect();
            let before = used.len();
            used.sort_unstable();
            used.dedup();
            prop_assert_eq!(before, used.len());
            // Matched pairs really share the name key.
            for p in pairs.iter().filter(|p| p.status == PairStatus::Matched) {
                let inst = instances.iter().find(|x| Some(&x.id) == p.instance_id.as_ref()).unwrap();
                prop_assert!(inst.name.as_deref().and_then(name_key).is_some());
            }
            // Same result for any input order.
            let mut rs = servers.clone();
            let mut ri = instances.clone();
            let k = (shuffle as usize) % (rs.len().max(1));
            let len = rs.len();
            rs.rotate_left(k.min(len));
            rs.reverse();
            ri.reverse();
            let again = match_pairs("t", &rs, &ri, &[]);
            prop_assert_eq!(pairs, again);
        }
    }
}
