//! Always-on monitoring in the customer's own account, so an alarm raised while the laptop is
//! closed still reaches the team: an SNS topic with the team's email subscriptions, EventBridge
//! rules for DRS's own events routed to it, and a CloudWatch alarm on each source server's
//! `LagDuration` at the target's critical lag threshold — every resource named and tagged as
//! the app's. [`desired`] says what a target should have; [`template`] writes it as a
//! CloudFormation template for teams that deploy infrastructure through their own pipelines.
//!
//! Pure functions: creating the resources is the `Cloud` port's job.

use crate::inventory::SourceServer;
use crate::readiness::Thresholds;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// Tag on every monitoring resource: who owns it.
pub const TAG_OWNER: &str = "drs-orchestrator:owner";
/// Value of [`TAG_OWNER`].
pub const OWNER: &str = "drs-orchestrator";
/// Tag on every monitoring resource: the target it watches.
pub const TAG_TARGET: &str = "drs-orchestrator:target";
/// CloudWatch: DRS's metric namespace.
pub const NAMESPACE: &str = "AWS/DRS";
/// CloudWatch: the replication lag metric (seconds), per `SourceServerID`.
pub const LAG_METRIC: &str = "LagDuration";

/// The DRS events routed to the team, with what each means (EventBridge `detail-type`).
pub const DRS_EVENTS: &[(&str, &str, &str)] = &[
    (
        "replication",
        "DRS Source Server Data Replication Stalled Change",
        "a source server's replication stalled, or recovered from a stall",
    ),
    (
        "launch",
        "DRS Source Server Launch Result",
        "a drill or recovery launch succeeded or failed",
    ),
    (
        "failback",
        "DRS Recovery Instance Failback State Change",
        "a recovery instance's failback state changed",
    ),
];

/// An EventBridge rule routing DRS events to the topic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub struct EventRule {
    /// Rule name.
    pub name: String,
    /// What it catches, in words.
    pub description: String,
    /// Its event pattern (JSON text, as EventBridge takes it).
    pub pattern: String,
}

/// A CloudWatch alarm on one source server's replication lag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub struct LagAlarm {
    /// Alarm name.
    pub name: String,
    /// Source server ID (the metric's `SourceServerID` dimension).
    pub source_server_id: String,
    /// The server's name.
    pub server: String,
    /// Alarm when the lag is above this many seconds.
    pub threshold_seconds: u64,
}

/// What a target's monitoring should be.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub struct Monitoring {
    /// The target.
    pub target: String,
    /// SNS topic name.
    pub topic: String,
    /// Email addresses subscribed to it.
    pub emails: Vec<String>,
    /// EventBridge rules.
    pub rules: Vec<EventRule>,
    /// CloudWatch alarms, one per replicating source server.
    pub alarms: Vec<LagAlarm>,
    /// Tags on every resource.
    pub tags: BTreeMap<String, String>,
}

/// What a target's account holds of the app's monitoring.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub struct Observed {
    /// The topic's ARN, when it exists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub topic_arn: Option<String>,
    /// The topic's tags.
    #[serde(default)]
    pub topic_tags: BTreeMap<String, String>,
    /// Email subscriptions: address and subscription ARN (`PendingConfirmation` until the
    /// person confirms).
    #[serde(default)]
    pub subscriptions: Vec<(String, String)>,
    /// The app's rules (by name prefix), with their pattern and target ARNs.
    #[serde(default)]
    pub rules: Vec<ObservedRule>,
    /// The app's alarms (by name prefix).
    #[serde(default)]
    pub alarms: Vec<ObservedAlarm>,
}

/// A rule as EventBridge holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub struct ObservedRule {
    /// Name.
    pub name: String,
    /// Event pattern (JSON text).
    pub pattern: String,
    /// Its targets' ARNs.
    pub targets: Vec<String>,
}

/// An alarm as CloudWatch holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub struct ObservedAlarm {
    /// Name.
    pub name: String,
    /// The `SourceServerID` dimension.
    pub source_server_id: String,
    /// Threshold (seconds).
    pub threshold_seconds: u64,
    /// Alarm action ARNs.
    pub actions: Vec<String>,
}

/// One change bringing the account to the desired monitoring.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub enum MonitoringChange {
    /// Create the topic (and its policy).
    CreateTopic {
        /// Topic name.
        name: String,
    },
    /// Subscribe an address.
    Subscribe {
        /// The address.
        email: String,
    },
    /// Remove a subscription no longer wanted.
    Unsubscribe {
        /// The address.
        email: String,
        /// Its subscription ARN.
        arn: String,
    },
    /// Create or rewrite a rule (and route it to the topic).
    PutRule {
        /// The rule.
        rule: EventRule,
        /// Why (missing, pattern changed, not routed to the topic).
        why: String,
    },
    /// Remove a rule the app no longer wants.
    DeleteRule {
        /// Rule name.
        name: String,
    },
    /// Create or rewrite an alarm.
    PutAlarm {
        /// The alarm.
        alarm: LagAlarm,
        /// Why (missing, threshold changed, not routed to the topic).
        why: String,
    },
    /// Remove alarms of servers that no longer replicate (or left the target).
    DeleteAlarms {
        /// Alarm names.
        names: Vec<String>,
    },
    /// Remove the topic (and with it its subscriptions).
    DeleteTopic {
        /// Topic ARN.
        arn: String,
    },
}

impl MonitoringChange {
    /// The change in words.
    pub fn words(&self) -> String {
        match self {
            Self::CreateTopic { name } => format!("create SNS topic {name}"),
            Self::Subscribe { email } => format!("subscribe {email} (they confirm by email)"),
            Self::Unsubscribe { email, .. } => format!("unsubscribe {email}"),
            Self::PutRule { rule, why } => format!("put EventBridge rule {} ({why})", rule.name),
            Self::DeleteRule { name } => format!("delete EventBridge rule {name}"),
            Self::PutAlarm { alarm, why } => {
                format!("put lag alarm {} for {} ({why})", alarm.name, alarm.server)
            }
            Self::DeleteAlarms { names } => {
                format!("delete {} lag alarm(s): {}", names.len(), names.join(", "))
            }
            Self::DeleteTopic { arn } => format!("delete SNS topic {arn}"),
        }
    }
}

/// The changes that bring `observed` to `desired` (empty: in place, nothing drifted). Email
/// subscriptions are only added; an address is removed only by [`removal`].
pub fn changes(desired: &Monitoring, observed: &Observed) -> Vec<MonitoringChange> {
    let mut out = Vec::new();
    let topic = observed.topic_arn.clone();
    if topic.is_none() {
        out.push(MonitoringChange::CreateTopic {
            name: desired.topic.clone(),
        });
    }
    for e in &desired.emails {
        if !observed.subscriptions.iter().any(|(a, _)| a == e) {
            out.push(MonitoringChange::Subscribe { email: e.clone() });
        }
    }
    let routed = |targets: &[String]| topic.as_ref().is_some_and(|t| targets.contains(t));
    for r in &desired.rules {
        let why = match observed.rules.iter().find(|o| o.name == r.name) {
            None => Some("missing".to_string()),
            Some(o) if !same_json(&o.pattern, &r.pattern) => {
                Some("its event pattern was changed".to_string())
            }
            Some(o) if !routed(&o.targets) => Some("it does not notify the topic".to_string()),
            Some(_) => None,
        };
        if let Some(why) = why {
            out.push(MonitoringChange::PutRule {
                rule: r.clone(),
                why,
            });
        }
    }
    for o in &observed.rules {
        if !desired.rules.iter().any(|r| r.name == o.name) {
            out.push(MonitoringChange::DeleteRule {
                name: o.name.clone(),
            });
        }
    }
    for a in &desired.alarms {
        let why = match observed.alarms.iter().find(|o| o.name == a.name) {
            None => Some("missing".to_string()),
            Some(o) if o.threshold_seconds != a.threshold_seconds => Some(format!(
                "threshold {} s, the target's critical lag is {} s",
                o.threshold_seconds, a.threshold_seconds
            )),
            Some(o) if !routed(&o.actions) => Some("it does not notify the topic".to_string()),
            Some(_) => None,
        };
        if let Some(why) = why {
            out.push(MonitoringChange::PutAlarm {
                alarm: a.clone(),
                why,
            });
        }
    }
    let stale: Vec<String> = observed
        .alarms
        .iter()
        .filter(|o| !desired.alarms.iter().any(|a| a.name == o.name))
        .map(|o| o.name.clone())
        .collect();
    if !stale.is_empty() {
        out.push(MonitoringChange::DeleteAlarms { names: stale });
    }
    out
}

/// The changes that remove every monitoring resource of the app from the account.
pub fn removal(observed: &Observed) -> Vec<MonitoringChange> {
    let mut out: Vec<MonitoringChange> = observed
        .rules
        .iter()
        .map(|r| MonitoringChange::DeleteRule {
            name: r.name.clone(),
        })
        .collect();
    if !observed.alarms.is_empty() {
        out.push(MonitoringChange::DeleteAlarms {
            names: observed.alarms.iter().map(|a| a.name.clone()).collect(),
        });
    }
    if let Some(arn) = &observed.topic_arn {
        out.push(MonitoringChange::DeleteTopic { arn: arn.clone() });
    }
    out
}

fn same_json(a: &str, b: &str) -> bool {
    match (
        serde_json::from_str::<Value>(a),
        serde_json::from_str::<Value>(b),
    ) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

/// The topic's access policy: DRS's events (EventBridge) and the lag alarms (CloudWatch) may
/// publish to it.
pub fn topic_policy(topic_arn: &str) -> String {
    json!({
        "Version": "2012-10-17",
        "Statement": [
            { "Sid": "DrsEventsToTopic", "Effect": "Allow", "Principal": { "Service": "events.amazonaws.com" }, "Action": "sns:Publish", "Resource": topic_arn },
            { "Sid": "LagAlarmsToTopic", "Effect": "Allow", "Principal": { "Service": "cloudwatch.amazonaws.com" }, "Action": "sns:Publish", "Resource": topic_arn },
        ],
    })
    .to_string()
}

/// A name AWS accepts for topics, rules and alarms: letters, digits, `-` and `_`.
fn resource_name(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// Why an email address cannot be subscribed, if it cannot.
pub fn check_email(address: &str) -> Result<(), String> {
    let ok = address.len() <= 254
        && address.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !address.chars().any(|c| c.is_whitespace() || c.is_control())
        });
    if ok {
        Ok(())
    } else {
        Err(format!("\"{address}\" is not an email address"))
    }
}

/// What `target`'s monitoring should be: its topic and `emails`, the DRS event rules, and an
/// alarm per source server (stopped and disconnected ones left out) at the critical lag.
pub fn desired(
    target: &str,
    servers: &[SourceServer],
    thresholds: &Thresholds,
    emails: &[String],
) -> Monitoring {
    let base = format!("drs-orchestrator-{}", resource_name(target));
    let mut emails: Vec<String> = emails.to_vec();
    emails.sort();
    emails.dedup();
    let rules = DRS_EVENTS
        .iter()
        .map(|(id, detail_type, what)| EventRule {
            name: format!("{base}-{id}"),
            description: format!("DRS Orchestrator ({target}): {what}"),
            pattern: json!({ "source": ["aws.drs"], "detail-type": [detail_type] }).to_string(),
        })
        .collect();
    let mut alarms: Vec<LagAlarm> = servers
        .iter()
        .filter(|s| {
            !matches!(
                s.replication_state,
                Some(
                    crate::inventory::ReplicationState::Stopped
                        | crate::inventory::ReplicationState::Disconnected
                )
            )
        })
        .map(|s| LagAlarm {
            name: format!("{base}-lag-{}", s.id),
            source_server_id: s.id.clone(),
            server: s.display_name().to_string(),
            threshold_seconds: thresholds.critical_lag_seconds,
        })
        .collect();
    alarms.sort_by(|a, b| a.name.cmp(&b.name));
    Monitoring {
        target: target.to_string(),
        topic: base,
        emails,
        rules,
        alarms,
        tags: BTreeMap::from([
            (TAG_OWNER.to_string(), OWNER.to_string()),
            (TAG_TARGET.to_string(), target.to_string()),
        ]),
    }
}

/// A CloudFormation logical ID from `s` (letters and digits only).
fn logical_id(prefix: &str, s: &str) -> String {
    let tail: String = s.chars().filter(char::is_ascii_alphanumeric).collect();
    format!("{prefix}{tail}")
}

fn cfn_tags(tags: &BTreeMap<String, String>) -> Value {
    Value::Array(
        tags.iter()
            .map(|(k, v)| json!({ "Key": k, "Value": v }))
            .collect(),
    )
}

/// The monitoring as a CloudFormation template (JSON).
pub fn template(m: &Monitoring) -> Value {
    let mut resources = serde_json::Map::new();
    resources.insert(
        "AlertTopic".into(),
        json!({
            "Type": "AWS::SNS::Topic",
            "Properties": {
                "TopicName": m.topic,
                "DisplayName": format!("DRS alerts: {}", m.target).chars().take(100).collect::<String>(),
                "Tags": cfn_tags(&m.tags),
            }
        }),
    );
    for (i, e) in m.emails.iter().enumerate() {
        resources.insert(
            format!("EmailSubscription{}", i + 1),
            json!({
                "Type": "AWS::SNS::Subscription",
                "Properties": { "TopicArn": { "Ref": "AlertTopic" }, "Protocol": "email", "Endpoint": e }
            }),
        );
    }
    resources.insert(
        "AlertTopicPolicy".into(),
        json!({
            "Type": "AWS::SNS::TopicPolicy",
            "Properties": {
                "Topics": [{ "Ref": "AlertTopic" }],
                "PolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [{
                        "Sid": "DrsEventsToTopic",
                        "Effect": "Allow",
                        "Principal": { "Service": "events.amazonaws.com" },
                        "Action": "sns:Publish",
                        "Resource": { "Ref": "AlertTopic" },
                    }, {
                        "Sid": "LagAlarmsToTopic",
                        "Effect": "Allow",
                        "Principal": { "Service": "cloudwatch.amazonaws.com" },
                        "Action": "sns:Publish",
                        "Resource": { "Ref": "AlertTopic" },
                    }],
                },
            }
        }),
    );
    for r in &m.rules {
        let pattern: Value = serde_json::from_str(&r.pattern).unwrap_or(Value::Null);
        resources.insert(
            logical_id("Rule", r.name.trim_start_matches(&m.topic)),
            json!({
                "Type": "AWS::Events::Rule",
                "Properties": {
                    "Name": r.name,
                    "Description": r.description,
                    "EventPattern": pattern,
                    "State": "ENABLED",
                    "Targets": [{ "Arn": { "Ref": "AlertTopic" }, "Id": "team" }],
                }
            }),
        );
    }
    for a in &m.alarms {
        resources.insert(
            logical_id("LagAlarm", &a.source_server_id),
            json!({
                "Type": "AWS::CloudWatch::Alarm",
                "Properties": {
                    "AlarmName": a.name,
                    "AlarmDescription": format!("Replication lag of {} ({}) above {} s", a.server, a.source_server_id, a.threshold_seconds),
                    "Namespace": NAMESPACE,
                    "MetricName": LAG_METRIC,
                    "Dimensions": [{ "Name": "SourceServerID", "Value": a.source_server_id }],
                    "Statistic": "Maximum",
                    "Period": 300,
                    "EvaluationPeriods": 1,
                    "Threshold": a.threshold_seconds,
                    "ComparisonOperator": "GreaterThanThreshold",
                    "TreatMissingData": "breaching",
                    "AlarmActions": [{ "Ref": "AlertTopic" }],
                    "OKActions": [{ "Ref": "AlertTopic" }],
                    "Tags": cfn_tags(&m.tags),
                }
            }),
        );
    }
    json!({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": format!(
            "DRS Orchestrator monitoring for target {}: SNS topic, {} DRS event rules, {} replication lag alarms",
            m.target, m.rules.len(), m.alarms.len()
        ),
        "Resources": resources,
        "Outputs": { "AlertTopicArn": { "Value": { "Ref": "AlertTopic" } } },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(id: &str, state: Option<crate::inventory::ReplicationState>) -> SourceServer {
        SourceServer {
            id: id.into(),
            name: Some(format!("name-{id}")),
            replication_state: state,
            ..Default::default()
        }
    }

    #[test]
    fn a_target_gets_a_topic_three_rules_and_an_alarm_per_replicating_server() {
        use crate::inventory::ReplicationState::{Continuous, Disconnected, Stopped};
        let servers = [
            server("s-00000000000000002", Some(Continuous)),
            server("s-00000000000000001", None),
            server("s-00000000000000003", Some(Stopped)),
            server("s-00000000000000004", Some(Disconnected)),
        ];
        let thresholds = Thresholds {
            critical_lag_seconds: 1800,
            ..Thresholds::default()
        };
        let emails = ["ops@example.com".to_string(), "ops@example.com".to_string()];
        let m = desired("Prod DR", &servers, &thresholds, &emails);
        assert_eq!(m.topic, "drs-orchestrator-Prod-DR");
        assert_eq!(m.emails, ["ops@example.com"]);
        assert_eq!(m.rules.len(), 3);
        assert!(m.rules[0]
            .pattern
            .contains("DRS Source Server Data Replication Stalled Change"));
        let ids: Vec<&str> = m
            .alarms
            .iter()
            .map(|a| a.source_server_id.as_str())
            .collect();
        assert_eq!(ids, ["s-00000000000000001", "s-00000000000000002"]);
        assert_eq!(m.alarms[0].threshold_seconds, 1800);
        assert_eq!(m.tags[TAG_OWNER], OWNER);

        let t = template(&m);
        let resources = t["Resources"].as_object().unwrap();
        // Topic, its policy, one subscription, three rules, two alarms.
        assert_eq!(resources.len(), 8);
        let alarm = &resources["LagAlarms00000000000000001"]["Properties"];
        assert_eq!(alarm["Dimensions"][0]["Value"], "s-00000000000000001");
        assert_eq!(alarm["Threshold"], 1800);
        assert!(resources.contains_key("Rulereplication"));
    }

    #[test]
    fn drift_is_each_change_that_brings_the_account_back() {
        use crate::inventory::ReplicationState::Continuous;
        let servers = [
            server("s-00000000000000001", Some(Continuous)),
            server("s-00000000000000002", Some(Continuous)),
        ];
        let m = desired(
            "dr",
            &servers,
            &Thresholds::default(),
            &["a@example.com".into()],
        );
        let nothing = changes(&m, &Observed::default());
        // Topic, subscription, 3 rules, 2 alarms.
        assert_eq!(nothing.len(), 7, "{nothing:?}");
        let topic = "arn:aws:sns:us-west-2:111122223333:drs-orchestrator-dr".to_string();
        let mut o = Observed {
            topic_arn: Some(topic.clone()),
            subscriptions: vec![("a@example.com".into(), "PendingConfirmation".into())],
            rules: m
                .rules
                .iter()
                .map(|r| ObservedRule {
                    name: r.name.clone(),
                    pattern: r.pattern.clone(),
                    targets: vec![topic.clone()],
                })
                .collect(),
            alarms: m
                .alarms
                .iter()
                .map(|a| ObservedAlarm {
                    name: a.name.clone(),
                    source_server_id: a.source_server_id.clone(),
                    threshold_seconds: a.threshold_seconds,
                    actions: vec![topic.clone()],
                })
                .collect(),
            ..Default::default()
        };
        assert!(changes(&m, &o).is_empty());
        // Someone raised a threshold, a server left, and a rule lost its target.
        o.alarms[0].threshold_seconds = 99_999;
        o.alarms.push(ObservedAlarm {
            name: "drs-orchestrator-dr-lag-s-00000000000000009".into(),
            source_server_id: "s-00000000000000009".into(),
            threshold_seconds: 1,
            actions: vec![],
        });
        o.rules[1].targets.clear();
        let words: Vec<String> = changes(&m, &o)
            .iter()
            .map(MonitoringChange::words)
            .collect();
        assert_eq!(words.len(), 3, "{words:?}");
        assert!(words[0].contains("launch") && words[0].contains("does not notify the topic"));
        assert!(words[1].contains("threshold 99999 s"));
        assert!(words[2].contains("delete 1 lag alarm(s)"));
        let gone = removal(&o);
        assert!(matches!(
            gone.last(),
            Some(MonitoringChange::DeleteTopic { .. })
        ));
        assert_eq!(gone.len(), 3 + 1 + 1);
    }

    #[test]
    fn emails_are_checked() {
        assert!(check_email("ops@example.com").is_ok());
        for bad in [
            "ops",
            "@example.com",
            "ops@example",
            "ops @example.com",
            "ops@.com",
        ] {
            assert!(check_email(bad).is_err(), "{bad}");
        }
    }
}
