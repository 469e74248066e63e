//! The alert path of always-on monitoring: SNS topics (awsQuery, XML) — `CreateTopic`,
//! `ListTopics`, `ListTagsForResource`, `TagResource`, `SetTopicAttributes`, `Subscribe`,
//! `ListSubscriptionsByTopic`, `Unsubscribe`, `DeleteTopic` — and EventBridge rules
//! (awsJson1_1, `X-Amz-Target: AWSEvents.<Operation>`) — `PutRule`, `ListRules`,
//! `PutTargets`, `ListTargetsByRule`, `RemoveTargets`, `DeleteRule`, `TagResource`,
//! `ListTagsForResource`. Topics and rules belong to an account and region. An e-mail
//! subscription stays `PendingConfirmation` (no one clicks the link in the sandbox); a rule with
//! targets cannot be deleted, as in EventBridge.

use crate::protocol::{esc, json11_error, json11_ok, query_error, xml_ok, Request, Service};
use crate::Shared;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{json, Value};
use std::collections::BTreeMap;

const SNS_NS: &str = "http://sns.amazonaws.com/doc/2010-03-31/";
/// ListTopics' and ListSubscriptionsByTopic's page (as SNS: 100).
const PAGE: usize = 100;
/// ListRules' default page.
const RULES_PAGE: usize = 50;

/// An e-mail (or other) subscription.
#[derive(Debug, Clone)]
pub struct Subscription {
    /// Protocol (`email`, …).
    pub protocol: String,
    /// The address.
    pub endpoint: String,
    /// Its ARN once confirmed; `PendingConfirmation` until then.
    pub arn: String,
}

/// An SNS topic.
#[derive(Debug, Clone, Default)]
pub struct Topic {
    /// ARN.
    pub arn: String,
    /// Tags.
    pub tags: BTreeMap<String, String>,
    /// Attributes set (`Policy`, …).
    pub attributes: BTreeMap<String, String>,
    /// Subscriptions.
    pub subscriptions: Vec<Subscription>,
}

/// An EventBridge rule on the default bus.
#[derive(Debug, Clone, Default)]
pub struct Rule {
    /// ARN.
    pub arn: String,
    /// Event pattern (JSON text).
    pub pattern: String,
    /// Description.
    pub description: String,
    /// `ENABLED` or `DISABLED`.
    pub state: String,
    /// Tags.
    pub tags: BTreeMap<String, String>,
    /// Targets: ID → ARN, in the order put.
    pub targets: Vec<(String, String)>,
}

/// Topics and rules by (account, region), then by name.
#[derive(Debug, Clone, Default)]
pub struct Alerts {
    /// SNS topics.
    pub topics: BTreeMap<(String, String), BTreeMap<String, Topic>>,
    /// EventBridge rules.
    pub rules: BTreeMap<(String, String), BTreeMap<String, Rule>>,
}

fn sns_err(req: &Request, status: StatusCode, code: &str, message: &str) -> Response {
    query_error(Service::Sns, status, code, message, &req.request_id)
}

fn sns_ok(req: &Request, op: &str, result: &str) -> Response {
    xml_ok(format!(
        "<{op}Response xmlns=\"{SNS_NS}\"><{op}Result>{result}</{op}Result><ResponseMetadata><RequestId>{}</RequestId></ResponseMetadata></{op}Response>",
        esc(&req.request_id)
    ))
}

fn sns_empty(req: &Request, op: &str) -> Response {
    xml_ok(format!(
        "<{op}Response xmlns=\"{SNS_NS}\"><ResponseMetadata><RequestId>{}</RequestId></ResponseMetadata></{op}Response>",
        esc(&req.request_id)
    ))
}

/// `Prefix.member.N.Key` / `.Value` pairs, in order.
fn member_tags(req: &Request, prefix: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for n in 1..=50 {
        let Some(key) = req.param(&format!("{prefix}.member.{n}.Key")) else {
            continue;
        };
        let value = req
            .param(&format!("{prefix}.member.{n}.Value"))
            .unwrap_or("");
        out.push((key.to_string(), value.to_string()));
    }
    out
}

fn topic_name_ok(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 256
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

pub(crate) fn handle_sns(shared: &Shared, req: &Request, op: &str) -> Response {
    let Some(principal) = shared.with_estate(|e| e.principal(&req.access_key).cloned()) else {
        return sns_err(
            req,
            StatusCode::FORBIDDEN,
            "InvalidClientTokenId",
            "The security token included in the request is invalid.",
        );
    };
    let key = (principal.account.clone(), req.region.clone());
    shared.with_estate(|e| {
        let topics = e.alerts.topics.entry(key.clone()).or_default();
        let by_arn = |topics: &BTreeMap<String, Topic>, arn: &str| -> Option<String> {
            topics
                .iter()
                .find(|(_, t)| t.arn == arn)
                .map(|(n, _)| n.clone())
        };
        let not_found = |what: &str| {
            sns_err(
                req,
                StatusCode::NOT_FOUND,
                "NotFound",
                &format!("{what} does not exist"),
            )
        };
        match op {
            "CreateTopic" => {
                let Some(name) = req.param("Name") else {
                    return sns_err(req, StatusCode::BAD_REQUEST, "InvalidParameter", "Invalid parameter: Name");
                };
                if !topic_name_ok(name) {
                    return sns_err(
                        req,
                        StatusCode::BAD_REQUEST,
                        "InvalidParameter",
                        "Invalid parameter: Topic Name",
                    );
                }
                let arn = format!("arn:aws:sns:{}:{}:{name}", key.1, key.0);
                let tags = member_tags(req, "Tags");
                let t = topics.entry(name.to_string()).or_insert_with(|| Topic {
                    arn: arn.clone(),
                    ..Default::default()
                });
                // CreateTopic of an existing topic answers it; tags that differ are refused.
                if !t.tags.is_empty()
                    && tags.iter().any(|(k, v)| t.tags.get(k).is_some_and(|o| o != v))
                {
                    return sns_err(
                        req,
                        StatusCode::BAD_REQUEST,
                        "InvalidParameter",
                        "Invalid parameter: Tags Reason: Topic already exists with different tags",
                    );
                }
                t.tags.extend(tags);
                sns_ok(req, op, &format!("<TopicArn>{}</TopicArn>", esc(&arn)))
            }
            "ListTopics" => {
                let after = req.param("NextToken").unwrap_or("");
                let arns: Vec<&String> = topics
                    .values()
                    .map(|t| &t.arn)
                    .filter(|a| after.is_empty() || a.as_str() > after)
                    .collect();
                let mut xml = String::from("<Topics>");
                for a in arns.iter().take(PAGE) {
                    xml.push_str(&format!("<member><TopicArn>{}</TopicArn></member>", esc(a)));
                }
                xml.push_str("</Topics>");
                if arns.len() > PAGE {
                    xml.push_str(&format!("<NextToken>{}</NextToken>", esc(arns[PAGE - 1])));
                }
                sns_ok(req, op, &xml)
            }
            "ListTagsForResource" | "TagResource" => {
                let arn = req.param("ResourceArn").unwrap_or("");
                let Some(name) = by_arn(topics, arn) else {
                    return sns_err(
                        req,
                        StatusCode::NOT_FOUND,
                        "ResourceNotFound",
                        "Resource does not exist",
                    );
                };
                let Some(t) = topics.get_mut(&name) else {
                    return not_found("Topic");
                };
                if op == "TagResource" {
                    t.tags.extend(member_tags(req, "Tags"));
                    return sns_ok(req, op, "");
                }
                let mut xml = String::from("<Tags>");
                for (k, v) in &t.tags {
                    xml.push_str(&format!(
                        "<member><Key>{}</Key><Value>{}</Value></member>",
                        esc(k),
                        esc(v)
                    ));
                }
                xml.push_str("</Tags>");
                sns_ok(req, op, &xml)
            }
            "SetTopicAttributes" => {
                let arn = req.param("TopicArn").unwrap_or("");
                let Some(t) = by_arn(topics, arn).and_then(|n| topics.get_mut(&n)) else {
                    return not_found("Topic");
                };
                let name = req.param("AttributeName").unwrap_or("");
                let value = req.param("AttributeValue").unwrap_or("");
                if name == "Policy" && serde_json::from_str::<Value>(value).is_err() {
                    return sns_err(
                        req,
                        StatusCode::BAD_REQUEST,
                        "InvalidParameter",
                        "Invalid parameter: Policy Error: null",
                    );
                }
                t.attributes.insert(name.to_string(), value.to_string());
                sns_empty(req, op)
            }
            "Subscribe" => {
                let arn = req.param("TopicArn").unwrap_or("");
                let Some(t) = by_arn(topics, arn).and_then(|n| topics.get_mut(&n)) else {
                    return not_found("Topic");
                };
                let protocol = req.param("Protocol").unwrap_or("");
                let endpoint = req.param("Endpoint").unwrap_or("");
                if protocol != "email" {
                    return sns_err(
                        req,
                        StatusCode::BAD_REQUEST,
                        "InvalidParameter",
                        &format!("Invalid parameter: the sandbox subscribes e-mail only, not {protocol}"),
                    );
                }
                if !endpoint.contains('@') {
                    return sns_err(
                        req,
                        StatusCode::BAD_REQUEST,
                        "InvalidParameter",
                        "Invalid parameter: Email address",
                    );
                }
                if !t.subscriptions.iter().any(|s| s.endpoint == endpoint) {
                    t.subscriptions.push(Subscription {
                        protocol: protocol.into(),
                        endpoint: endpoint.into(),
                        arn: "PendingConfirmation".into(),
                    });
                }
                sns_ok(req, op, "<SubscriptionArn>pending confirmation</SubscriptionArn>")
            }
            "ListSubscriptionsByTopic" => {
                let arn = req.param("TopicArn").unwrap_or("");
                let Some(t) = by_arn(topics, arn).and_then(|n| topics.get(&n)) else {
                    return not_found("Topic");
                };
                let mut xml = String::from("<Subscriptions>");
                for s in t.subscriptions.iter().take(PAGE) {
                    xml.push_str(&format!(
                        "<member><TopicArn>{}</TopicArn><Protocol>{}</Protocol><SubscriptionArn>{}</SubscriptionArn><Owner>{}</Owner><Endpoint>{}</Endpoint></member>",
                        esc(&t.arn), esc(&s.protocol), esc(&s.arn), esc(&key.0), esc(&s.endpoint)
                    ));
                }
                xml.push_str("</Subscriptions>");
                sns_ok(req, op, &xml)
            }
            "Unsubscribe" => {
                let arn = req.param("SubscriptionArn").unwrap_or("");
                // A pending subscription has no ARN of its own; AWS refuses to unsubscribe it
                // by that word, the sandbox drops the first pending one of the app's topics.
                let mut removed = false;
                for t in topics.values_mut() {
                    if let Some(i) = t.subscriptions.iter().position(|s| s.arn == arn) {
                        t.subscriptions.remove(i);
                        removed = true;
                        break;
                    }
                }
                if !removed {
                    return not_found("Subscription");
                }
                sns_empty(req, op)
            }
            "DeleteTopic" => {
                let arn = req.param("TopicArn").unwrap_or("");
                if let Some(name) = by_arn(topics, arn) {
                    topics.remove(&name);
                }
                // Deleting a topic that does not exist succeeds, as in SNS.
                sns_empty(req, op)
            }
            "" => sns_err(req, StatusCode::BAD_REQUEST, "MissingAction", "The request has no Action parameter"),
            other => sns_err(
                req,
                StatusCode::BAD_REQUEST,
                "InvalidAction",
                &format!("The sandbox does not implement SNS's {other}"),
            ),
        }
    })
}

fn ev_err(req: &Request, code: &str, message: &str) -> Response {
    json11_error(StatusCode::BAD_REQUEST, code, message, &req.request_id)
}

fn tags_of(v: Option<&Value>) -> Vec<(String, String)> {
    v.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|t| {
            Some((
                t.get("Key")?.as_str()?.to_string(),
                t.get("Value")?.as_str()?.to_string(),
            ))
        })
        .collect()
}

fn rule_json(name: &str, r: &Rule) -> Value {
    json!({
        "Name": name,
        "Arn": r.arn,
        "EventPattern": r.pattern,
        "State": r.state,
        "Description": r.description,
        "EventBusName": "default",
    })
}

pub(crate) fn handle_events(shared: &Shared, req: &Request, op: &str) -> Response {
    let Some(principal) = shared.with_estate(|e| e.principal(&req.access_key).cloned()) else {
        return json11_error(
            StatusCode::BAD_REQUEST,
            "UnrecognizedClientException",
            "The security token included in the request is invalid.",
            &req.request_id,
        );
    };
    let key = (principal.account.clone(), req.region.clone());
    let body = &req.json;
    let text = |member: &str| body.get(member).and_then(Value::as_str);
    shared.with_estate(|e| {
        let rules = e.alerts.rules.entry(key.clone()).or_default();
        let no_rule = |name: &str| {
            ev_err(
                req,
                "ResourceNotFoundException",
                &format!("Rule {name} does not exist on EventBus default."),
            )
        };
        match op {
            "PutRule" => {
                let Some(name) = text("Name") else {
                    return ev_err(req, "ValidationException", "1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not be null");
                };
                if name.is_empty()
                    || name.len() > 64
                    || !name
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
                {
                    return ev_err(req, "ValidationException", &format!("1 validation error detected: Value '{name}' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+"));
                }
                let pattern = text("EventPattern").unwrap_or("");
                if serde_json::from_str::<Value>(pattern)
                    .map(|v| !v.is_object())
                    .unwrap_or(true)
                {
                    return ev_err(req, "InvalidEventPatternException", "Event pattern is not valid. Reason: it is not a JSON object");
                }
                let arn = format!("arn:aws:events:{}:{}:rule/{name}", key.1, key.0);
                let r = rules.entry(name.to_string()).or_insert_with(|| Rule {
                    arn: arn.clone(),
                    ..Default::default()
                });
                r.pattern = pattern.to_string();
                r.description = text("Description").unwrap_or("").to_string();
                r.state = text("State").unwrap_or("ENABLED").to_string();
                r.tags.extend(tags_of(body.get("Tags")));
                json11_ok(&json!({ "RuleArn": arn }), &req.request_id)
            }
            "ListRules" => {
                let prefix = text("NamePrefix").unwrap_or("");
                let after = text("NextToken").unwrap_or("");
                let limit = body
                    .get("Limit")
                    .and_then(Value::as_u64)
                    .map(|n| n as usize)
                    .unwrap_or(RULES_PAGE)
                    .clamp(1, 100);
                let matching: Vec<(&String, &Rule)> = rules
                    .iter()
                    .filter(|(n, _)| n.starts_with(prefix))
                    .filter(|(n, _)| after.is_empty() || n.as_str() > after)
                    .collect();
                let mut out = json!({
                    "Rules": matching.iter().take(limit).map(|(n, r)| rule_json(n, r)).collect::<Vec<_>>()
                });
                if matching.len() > limit {
                    out["NextToken"] = json!(matching[limit - 1].0);
                }
                json11_ok(&out, &req.request_id)
            }
            "PutTargets" => {
                let name = text("Rule").unwrap_or("");
                let Some(r) = rules.get_mut(name) else {
                    return no_rule(name);
                };
                for t in body.get("Targets").and_then(Value::as_array).into_iter().flatten() {
                    let (Some(id), Some(arn)) = (
                        t.get("Id").and_then(Value::as_str),
                        t.get("Arn").and_then(Value::as_str),
                    ) else {
                        return ev_err(req, "ValidationException", "Each target needs an Id and an Arn");
                    };
                    match r.targets.iter_mut().find(|(i, _)| i == id) {
                        Some(slot) => slot.1 = arn.to_string(),
                        None => r.targets.push((id.to_string(), arn.to_string())),
                    }
                }
                json11_ok(&json!({ "FailedEntryCount": 0, "FailedEntries": [] }), &req.request_id)
            }
            "ListTargetsByRule" => {
                let name = text("Rule").unwrap_or("");
                let Some(r) = rules.get(name) else {
                    return no_rule(name);
                };
                let targets: Vec<Value> = r
                    .targets
                    .iter()
                    .map(|(id, arn)| json!({ "Id": id, "Arn": arn }))
                    .collect();
                json11_ok(&json!({ "Targets": targets }), &req.request_id)
            }
            "RemoveTargets" => {
                let name = text("Rule").unwrap_or("");
                let Some(r) = rules.get_mut(name) else {
                    return no_rule(name);
                };
                let ids: Vec<&str> = body
                    .get("Ids")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .collect();
                r.targets.retain(|(id, _)| !ids.contains(&id.as_str()));
                json11_ok(&json!({ "FailedEntryCount": 0, "FailedEntries": [] }), &req.request_id)
            }
            "DeleteRule" => {
                let name = text("Name").unwrap_or("");
                if let Some(r) = rules.get(name) {
                    if !r.targets.is_empty() {
                        return ev_err(req, "ValidationException", "Rule can't be deleted since it has targets.");
                    }
                    rules.remove(name);
                }
                json11_ok(&json!({}), &req.request_id)
            }
            "TagResource" | "ListTagsForResource" => {
                let arn = text("ResourceARN").unwrap_or("");
                let Some(r) = rules.values_mut().find(|r| r.arn == arn) else {
                    return ev_err(req, "ResourceNotFoundException", &format!("{arn} does not exist"));
                };
                if op == "TagResource" {
                    r.tags.extend(tags_of(body.get("Tags")));
                    return json11_ok(&json!({}), &req.request_id);
                }
                let tags: Vec<Value> = r.tags.iter().map(|(k, v)| json!({ "Key": k, "Value": v })).collect();
                json11_ok(&json!({ "Tags": tags }), &req.request_id)
            }
            "" => ev_err(req, "MissingAction", "The request must name its operation in X-Amz-Target"),
            other => ev_err(
                req,
                "UnknownOperationException",
                &format!("The sandbox does not implement EventBridge's {other}"),
            ),
        }
    })
}
