//! EC2 → DRS tag synchronisation: the tags of each source server's origin EC2 instance
//! (`identificationHints.awsInstanceID`) copied onto the DRS source server. Tags only on the
//! source server are kept; reserved `aws:` keys are never copied; DRS's limit of 50 tags per
//! resource is respected (what does not fit is reported, not dropped silently).

use crate::inventory::{Ec2Instance, SourceServer};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// DRS's limit of tags per resource.
pub const MAX_TAGS: usize = 50;

/// One tag whose value changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub struct TagValueChange {
    /// Key.
    pub key: String,
    /// The source server's value now.
    pub before: String,
    /// The instance's value.
    pub after: String,
}

/// What syncing one source server would do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub struct ServerTagSync {
    /// `s-…`.
    pub source_server_id: String,
    /// Its ARN (what TagResource takes).
    pub arn: String,
    /// Display name.
    pub name: String,
    /// The origin instance.
    pub origin_instance_id: String,
    /// Tags to add.
    pub add: BTreeMap<String, String>,
    /// Tags whose value changes.
    pub change: Vec<TagValueChange>,
    /// Keys not copied, with why.
    pub skipped: Vec<String>,
}

impl ServerTagSync {
    /// The tags TagResource is given (added and changed).
    pub fn to_write(&self) -> BTreeMap<String, String> {
        let mut t = self.add.clone();
        for c in &self.change {
            t.insert(c.key.clone(), c.after.clone());
        }
        t
    }
}

/// What syncing a target's tags would do.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub struct TagSyncPlan {
    /// Servers with something to write.
    pub servers: Vec<ServerTagSync>,
    /// Servers already in line.
    pub in_line: usize,
    /// Servers whose origin instance was not found (ID, name, instance).
    pub missing_instances: Vec<String>,
    /// Servers that do not run in AWS (no origin instance).
    pub not_in_aws: usize,
}

/// Compares each server's tags with its origin instance's (`instances` by ID).
pub fn plan(servers: &[SourceServer], instances: &BTreeMap<String, Ec2Instance>) -> TagSyncPlan {
    let mut out = TagSyncPlan::default();
    for s in servers {
        let Some(origin) = &s.origin_instance_id else {
            out.not_in_aws += 1;
            continue;
        };
        let Some(instance) = instances.get(origin) else {
            out.missing_instances.push(format!(
                "{} ({}): instance {origin} not found in {}",
                s.display_name(),
                s.id,
                s.origin_region.as_deref().unwrap_or("its region")
            ));
            continue;
        };
        let mut add = BTreeMap::new();
        let mut change = Vec::new();
        let mut skipped = Vec::new();
        let mut count = s.tags.len();
        for (k, v) in &instance.tags {
            if k.starts_with("aws:") {
                skipped.push(format!("{k}: reserved by AWS"));
                continue;
            }
            match s.tags.get(k) {
                Some(now) if now == v => {}
                Some(now) => change.push(TagValueChange {
                    key: k.clone(),
                    before: now.clone(),
                    after: v.clone(),
                }),
                None => {
                    if count >= MAX_TAGS {
                        skipped.push(format!(
                            "{k}: the source server already has {MAX_TAGS} tags, DRS's limit"
                        ));
                        continue;
                    }
                    count += 1;
                    add.insert(k.clone(), v.clone());
                }
            }
        }
        if add.is_empty() && change.is_empty() {
            out.in_line += 1;
            if skipped.is_empty() {
                continue;
            }
        }
        out.servers.push(ServerTagSync {
            source_server_id: s.id.clone(),
            arn: s.arn.clone(),
            name: s.display_name().to_string(),
            origin_instance_id: origin.clone(),
            add,
            change,
            skipped,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(id: &str, origin: Option<&str>, tags: &[(&str, &str)]) -> SourceServer {
        serde_json::from_value(serde_json::json!({
            "id": id, "arn": format!("arn:aws:drs:us-west-2:1:source-server/{id}"), "target": "t",
            "name": id, "originInstanceId": origin, "originRegion": "us-east-1",
            "tags": tags.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<BTreeMap<_, _>>(),
        }))
        .unwrap()
    }

    fn instance(id: &str, tags: &[(&str, &str)]) -> (String, Ec2Instance) {
        (
            id.to_string(),
            serde_json::from_value(serde_json::json!({
                "id": id, "target": "t", "region": "us-east-1", "state": "running",
                "tags": tags.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<BTreeMap<_, _>>(),
            }))
            .unwrap(),
        )
    }

    #[test]
    fn new_and_changed_tags_are_copied_and_the_rest_is_kept() {
        let servers = [
            server(
                "s-1",
                Some("i-1"),
                &[("Tier", "web"), ("Owner", "old"), ("DrOnly", "x")],
            ),
            server("s-2", Some("i-2"), &[("Tier", "db")]),
            server("s-3", Some("i-gone"), &[]),
            server("s-4", None, &[]),
        ];
        let instances: BTreeMap<_, _> = [
            instance(
                "i-1",
                &[
                    ("Tier", "web"),
                    ("Owner", "team-web"),
                    ("CostCenter", "cc-1"),
                    ("aws:cloudformation:stack-name", "s"),
                ],
            ),
            instance("i-2", &[("Tier", "db")]),
        ]
        .into();
        let p = plan(&servers, &instances);
        assert_eq!(p.servers.len(), 1);
        let s = &p.servers[0];
        assert_eq!(
            s.add,
            [("CostCenter".to_string(), "cc-1".to_string())].into()
        );
        assert_eq!(s.change[0].key, "Owner");
        assert_eq!(
            (s.change[0].before.as_str(), s.change[0].after.as_str()),
            ("old", "team-web")
        );
        assert!(s.skipped[0].contains("reserved by AWS"));
        assert!(
            !s.to_write().contains_key("DrOnly"),
            "tags only on DRS are left alone"
        );
        assert_eq!(p.in_line, 1);
        assert_eq!(p.missing_instances.len(), 1);
        assert!(p.missing_instances[0].contains("i-gone"));
        assert_eq!(p.not_in_aws, 1);
    }

    #[test]
    fn the_fifty_tag_limit_is_respected() {
        let existing: Vec<(String, String)> =
            (0..49).map(|i| (format!("k{i:02}"), "v".into())).collect();
        let refs: Vec<(&str, &str)> = existing
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let servers = [server("s-1", Some("i-1"), &refs)];
        let instances: BTreeMap<_, _> = [instance("i-1", &[("a", "1"), ("b", "2")])].into();
        let p = plan(&servers, &instances);
        assert_eq!(p.servers[0].add.len(), 1);
        assert!(p.servers[0].skipped[0].contains("50 tags"));
    }
}
