//! CloudWatch metric alarms over the Smithy RPC v2 CBOR protocol (the one the current AWS SDKs
//! speak to CloudWatch; awsJson1_0, which the AWS CLI v1 sends, is answered in kind): `PutMetricAlarm`, `DescribeAlarms`, `DeleteAlarms`,
//! `ListTagsForResource`, `TagResource` and `UntagResource`. Requests are
//! `POST /service/GraniteServiceVersion20100801/operation/{Operation}` with a CBOR body;
//! answers carry `smithy-protocol: rpc-v2-cbor`, and errors a CBOR `__type` plus the
//! `x-amzn-query-error` header of CloudWatch's query-compatible codes. Alarms belong to an
//! account and region; their state stays `INSUFFICIENT_DATA` (the sandbox publishes no metrics).

use crate::protocol::Request;
use crate::Shared;
use axum::body::Body;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// The path prefix of CloudWatch's RPC v2 operations.
pub const PATH_PREFIX: &str = "/service/GraniteServiceVersion20100801/operation/";
/// DescribeAlarms' largest page.
const MAX_RECORDS: usize = 100;
/// DeleteAlarms' most names in one call.
const MAX_DELETE: usize = 100;

/// One metric alarm: the fields it was put with (CloudWatch's member names) and its tags.
#[derive(Debug, Clone)]
pub struct Alarm {
    /// The alarm as DescribeAlarms shows it.
    pub body: Map<String, Value>,
    /// Tags (key → value).
    pub tags: BTreeMap<String, String>,
}

/// Alarms by (account, region), then by name.
pub type Alarms = BTreeMap<(String, String), BTreeMap<String, Alarm>>;

/// The operation a CloudWatch request is for (the last segment of its path).
pub fn operation(path: &str) -> String {
    path.strip_prefix(PATH_PREFIX)
        .unwrap_or("Unknown")
        .trim_end_matches('/')
        .to_string()
}

/// Decodes a CBOR request body into JSON (timestamps, tag 1, become their epoch seconds).
pub fn decode(bytes: &[u8]) -> Result<Value, String> {
    if bytes.is_empty() {
        return Ok(Value::Object(Map::new()));
    }
    let mut d = minicbor::Decoder::new(bytes);
    let v = decode_item(&mut d, 0)?;
    if d.position() != bytes.len() {
        return Err(format!(
            "{} bytes follow the CBOR item",
            bytes.len() - d.position()
        ));
    }
    Ok(v)
}

fn decode_item(d: &mut minicbor::Decoder<'_>, depth: usize) -> Result<Value, String> {
    use minicbor::data::Type;
    if depth > 32 {
        return Err("the CBOR body nests deeper than 32 levels".into());
    }
    let e = |e: minicbor::decode::Error| e.to_string();
    let t = d.datatype().map_err(e)?;
    Ok(match t {
        Type::Bool => Value::Bool(d.bool().map_err(e)?),
        Type::Null | Type::Undefined => {
            d.skip().map_err(e)?;
            Value::Null
        }
        Type::U8 | Type::U16 | Type::U32 | Type::U64 => json!(d.u64().map_err(e)?),
        Type::I8 | Type::I16 | Type::I32 | Type::I64 => json!(d.i64().map_err(e)?),
        Type::F16 | Type::F32 | Type::F64 => json!(d.f64().map_err(e)?),
        Type::String => Value::String(d.str().map_err(e)?.to_string()),
        Type::StringIndef => {
            let mut s = String::new();
            for part in d.str_iter().map_err(e)? {
                s.push_str(part.map_err(e)?);
            }
            Value::String(s)
        }
        Type::Array | Type::ArrayIndef => {
            let len = d.array().map_err(e)?;
            let mut items = Vec::new();
            match len {
                Some(n) => {
                    for _ in 0..n {
                        items.push(decode_item(d, depth + 1)?);
                    }
                }
                None => loop {
                    if d.datatype().map_err(e)? == Type::Break {
                        d.skip().map_err(e)?;
                        break;
                    }
                    items.push(decode_item(d, depth + 1)?);
                },
            }
            Value::Array(items)
        }
        Type::Map | Type::MapIndef => {
            let len = d.map().map_err(e)?;
            let mut map = Map::new();
            let mut entry = |d: &mut minicbor::Decoder<'_>| -> Result<(), String> {
                let key = match decode_item(d, depth + 1)? {
                    Value::String(s) => s,
                    other => return Err(format!("a map key is not text: {other}")),
                };
                let value = decode_item(d, depth + 1)?;
                map.insert(key, value);
                Ok(())
            };
            match len {
                Some(n) => {
                    for _ in 0..n {
                        entry(d)?;
                    }
                }
                None => loop {
                    if d.datatype().map_err(e)? == Type::Break {
                        d.skip().map_err(e)?;
                        break;
                    }
                    entry(d)?;
                },
            }
            Value::Object(map)
        }
        Type::Tag => {
            // Timestamps are tag 1 around their epoch seconds; other tags are looked through.
            d.tag().map_err(e)?;
            decode_item(d, depth + 1)?
        }
        other => {
            return Err(format!(
                "the sandbox does not read CBOR items of type {other}"
            ))
        }
    })
}

/// Encodes JSON as CBOR (members named in `timestamps` as tag 1 epoch seconds).
pub fn encode(v: &Value) -> Vec<u8> {
    let mut e = minicbor::Encoder::new(Vec::new());
    encode_item(&mut e, v, false);
    e.into_writer()
}

const TIMESTAMPS: [&str; 3] = [
    "AlarmConfigurationUpdatedTimestamp",
    "StateUpdatedTimestamp",
    "StateTransitionedTimestamp",
];

fn encode_item(e: &mut minicbor::Encoder<Vec<u8>>, v: &Value, timestamp: bool) {
    // Writing into a Vec cannot fail.
    let _ = match v {
        Value::Null => e.null().map(|_| ()),
        Value::Bool(b) => e.bool(*b).map(|_| ()),
        Value::Number(n) => {
            if timestamp {
                let _ = e.tag(minicbor::data::Tag::new(1));
            }
            if let Some(u) = n.as_u64() {
                e.u64(u).map(|_| ())
            } else if let Some(i) = n.as_i64() {
                e.i64(i).map(|_| ())
            } else {
                e.f64(n.as_f64().unwrap_or(0.0)).map(|_| ())
            }
        }
        Value::String(s) => e.str(s).map(|_| ()),
        Value::Array(items) => {
            let _ = e.array(items.len() as u64);
            for i in items {
                encode_item(e, i, false);
            }
            Ok(())
        }
        Value::Object(map) => {
            let _ = e.map(map.len() as u64);
            for (k, val) in map {
                let _ = e.str(k);
                encode_item(e, val, TIMESTAMPS.contains(&k.as_str()));
            }
            Ok(())
        }
    };
}

fn cbor_response(status: StatusCode, body: &Value, request_id: &str) -> Response {
    let mut resp = Response::new(Body::from(encode(body)));
    *resp.status_mut() = status;
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/cbor"),
    );
    h.insert("smithy-protocol", HeaderValue::from_static("rpc-v2-cbor"));
    if let Ok(v) = HeaderValue::from_str(request_id) {
        h.insert("x-amzn-requestid", v);
    }
    resp
}

/// A CloudWatch error: CBOR `__type`/`message` and the query-compatible code in
/// `x-amzn-query-error`.
pub fn error(status: StatusCode, code: &str, message: &str, request_id: &str) -> Response {
    let mut resp = cbor_response(
        status,
        &json!({ "__type": format!("com.amazonaws.cloudwatch#{code}"), "message": message }),
        request_id,
    );
    let fault = if status.is_server_error() {
        "Receiver"
    } else {
        "Sender"
    };
    if let Ok(v) = HeaderValue::from_str(&format!("{code};{fault}")) {
        resp.headers_mut().insert("x-amzn-query-error", v);
    }
    resp
}

/// An answer in the request's protocol: CBOR, or JSON 1.0 when it came as awsJson1_0 (an
/// `X-Amz-Target` header, as older SDKs and the AWS CLI v1 send).
fn answer(req: &Request, body: &Value) -> Response {
    if req.target.is_none() {
        return cbor_response(StatusCode::OK, body, &req.request_id);
    }
    let mut resp = crate::protocol::json11_ok(body, &req.request_id);
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/x-amz-json-1.0"),
    );
    resp
}

/// An error in the request's protocol (see [`answer`]).
fn fail(req: &Request, status: StatusCode, code: &str, message: &str) -> Response {
    if req.target.is_none() {
        return error(status, code, message, &req.request_id);
    }
    let mut resp = answer(
        req,
        &json!({ "__type": format!("com.amazonaws.cloudwatch#{code}"), "message": message }),
    );
    *resp.status_mut() = status;
    if let Ok(v) = HeaderValue::from_str(&format!("{code};Sender")) {
        resp.headers_mut().insert("x-amzn-query-error", v);
    }
    resp
}

fn invalid(req: &Request, message: &str) -> Response {
    fail(
        req,
        StatusCode::BAD_REQUEST,
        "InvalidParameterValue",
        message,
    )
}

fn missing(req: &Request, member: &str) -> Response {
    fail(
        req,
        StatusCode::BAD_REQUEST,
        "MissingParameter",
        &format!("The parameter {member} is required."),
    )
}

pub(crate) fn handle(shared: &Shared, req: &Request, op: &str) -> Response {
    let Some(principal) = shared.with_estate(|e| e.principal(&req.access_key).cloned()) else {
        return fail(
            req,
            StatusCode::FORBIDDEN,
            "InvalidClientTokenId",
            "The security token included in the request is invalid.",
        );
    };
    let key = (principal.account.clone(), req.region.clone());
    shared.with_estate(|e| {
        let now = e.clock.now().unix_timestamp();
        let alarms = e.alarms.entry(key.clone()).or_default();
        match op {
            "PutMetricAlarm" => put_alarm(req, alarms, &key, now),
            "DescribeAlarms" => describe(req, alarms),
            "DeleteAlarms" => delete(req, alarms),
            "ListTagsForResource" => list_tags(req, alarms),
            "TagResource" => tag(req, alarms, true),
            "UntagResource" => tag(req, alarms, false),
            _ => fail(
                req,
                StatusCode::BAD_REQUEST,
                "UnknownOperationException",
                &format!("The sandbox does not implement CloudWatch's {op}"),
            ),
        }
    })
}

fn text<'a>(req: &'a Request, member: &str) -> Option<&'a str> {
    req.json.get(member).and_then(Value::as_str)
}

fn strings(req: &Request, member: &str) -> Vec<String> {
    req.json
        .get(member)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

const STATISTICS: [&str; 5] = ["SampleCount", "Average", "Sum", "Minimum", "Maximum"];
const COMPARISONS: [&str; 7] = [
    "GreaterThanOrEqualToThreshold",
    "GreaterThanThreshold",
    "LessThanThreshold",
    "LessThanOrEqualToThreshold",
    "LessThanLowerOrGreaterThanUpperThreshold",
    "LessThanLowerThreshold",
    "GreaterThanUpperThreshold",
];
const MISSING_DATA: [&str; 4] = ["breaching", "notBreaching", "ignore", "missing"];

fn put_alarm(
    req: &Request,
    alarms: &mut BTreeMap<String, Alarm>,
    (account, region): &(String, String),
    now: i64,
) -> Response {
    let Some(name) = text(req, "AlarmName") else {
        return missing(req, "AlarmName");
    };
    if name.is_empty() || name.chars().count() > 255 {
        return invalid(req, "AlarmName must be 1 to 255 characters long.");
    }
    for member in ["EvaluationPeriods", "ComparisonOperator"] {
        if req.json.get(member).is_none() {
            return missing(req, member);
        }
    }
    let comparison = text(req, "ComparisonOperator").unwrap_or_default();
    if !COMPARISONS.contains(&comparison) {
        return invalid(
            req,
            &format!("ComparisonOperator {comparison} is not a valid comparison operator."),
        );
    }
    let periods = req
        .json
        .get("EvaluationPeriods")
        .and_then(Value::as_u64)
        .unwrap_or(0);
    if periods == 0 {
        return invalid(req, "EvaluationPeriods must be at least 1.");
    }
    let metrics = req.json.get("Metrics").is_some();
    if !metrics {
        for member in ["MetricName", "Namespace", "Period"] {
            if req.json.get(member).is_none() {
                return missing(req, member);
            }
        }
        if req.json.get("Statistic").is_none() && req.json.get("ExtendedStatistic").is_none() {
            return fail(
                req,
                StatusCode::BAD_REQUEST,
                "InvalidParameterCombination",
                "Either Statistic or ExtendedStatistic must be specified.",
            );
        }
        if let Some(s) = text(req, "Statistic") {
            if !STATISTICS.contains(&s) {
                return invalid(req, &format!("Statistic {s} is not a valid statistic."));
            }
        }
        let period = req.json.get("Period").and_then(Value::as_u64).unwrap_or(0);
        if !(period == 10 || period == 30 || (period >= 60 && period % 60 == 0)) {
            return invalid(
                req,
                &format!("Period {period} must be 10, 30 or a multiple of 60."),
            );
        }
    }
    if req.json.get("Threshold").is_none() && req.json.get("ThresholdMetricId").is_none() {
        return missing(req, "Threshold");
    }
    if let Some(m) = text(req, "TreatMissingData") {
        if !MISSING_DATA.contains(&m) {
            return invalid(req, &format!("TreatMissingData {m} is not valid."));
        }
    }
    let arn = format!("arn:aws:cloudwatch:{region}:{account}:alarm:{name}");
    let mut body = Map::new();
    for member in [
        "AlarmName",
        "AlarmDescription",
        "ActionsEnabled",
        "OKActions",
        "AlarmActions",
        "InsufficientDataActions",
        "MetricName",
        "Namespace",
        "Statistic",
        "ExtendedStatistic",
        "Dimensions",
        "Period",
        "Unit",
        "EvaluationPeriods",
        "DatapointsToAlarm",
        "Threshold",
        "ComparisonOperator",
        "TreatMissingData",
        "EvaluateLowSampleCountPercentile",
        "Metrics",
        "ThresholdMetricId",
    ] {
        if let Some(v) = req.json.get(member) {
            body.insert(member.into(), v.clone());
        }
    }
    body.entry("ActionsEnabled").or_insert(Value::Bool(true));
    for list in [
        "OKActions",
        "AlarmActions",
        "InsufficientDataActions",
        "Dimensions",
    ] {
        body.entry(list).or_insert_with(|| json!([]));
    }
    body.insert("AlarmArn".into(), json!(arn));
    body.insert("AlarmConfigurationUpdatedTimestamp".into(), json!(now));
    // Tags apply when the alarm is made; a put on an existing alarm keeps its tags.
    let existing = alarms.get(name);
    let (state, reason, state_at, tags) = match existing {
        Some(a) => (
            a.body
                .get("StateValue")
                .cloned()
                .unwrap_or(json!("INSUFFICIENT_DATA")),
            a.body.get("StateReason").cloned().unwrap_or(json!("")),
            a.body
                .get("StateUpdatedTimestamp")
                .cloned()
                .unwrap_or(json!(now)),
            a.tags.clone(),
        ),
        None => {
            let mut tags = BTreeMap::new();
            for t in req
                .json
                .get("Tags")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let (Some(k), Some(v)) = (
                    t.get("Key").and_then(Value::as_str),
                    t.get("Value").and_then(Value::as_str),
                ) else {
                    return invalid(req, "Each tag needs a Key and a Value.");
                };
                tags.insert(k.to_string(), v.to_string());
            }
            (
                json!("INSUFFICIENT_DATA"),
                json!("Unchecked: Initial alarm creation"),
                json!(now),
                tags,
            )
        }
    };
    body.insert("StateValue".into(), state);
    body.insert("StateReason".into(), reason);
    body.insert("StateUpdatedTimestamp".into(), state_at);
    alarms.insert(name.to_string(), Alarm { body, tags });
    answer(req, &json!({}))
}

fn describe(req: &Request, alarms: &BTreeMap<String, Alarm>) -> Response {
    let names = strings(req, "AlarmNames");
    let prefix = text(req, "AlarmNamePrefix");
    if prefix.is_some() && !names.is_empty() {
        return fail(
            req,
            StatusCode::BAD_REQUEST,
            "InvalidParameterCombination",
            "AlarmNamePrefix and AlarmNames cannot be used together.",
        );
    }
    let state = text(req, "StateValue");
    let max = match req.json.get("MaxRecords").and_then(Value::as_u64) {
        None => 50,
        Some(n @ 1..=100) => n as usize,
        Some(n) => {
            return invalid(
                req,
                &format!("MaxRecords {n} must be between 1 and {MAX_RECORDS}."),
            )
        }
    };
    let after = text(req, "NextToken").unwrap_or("");
    let matching: Vec<(&String, &Alarm)> = alarms
        .iter()
        .filter(|(n, _)| names.is_empty() || names.contains(n))
        .filter(|(n, _)| prefix.is_none_or(|p| n.starts_with(p)))
        .filter(|(_, a)| state.is_none_or(|s| a.body.get("StateValue") == Some(&json!(s))))
        .filter(|(n, _)| after.is_empty() || n.as_str() > after)
        .collect();
    let page: Vec<Value> = matching
        .iter()
        .take(max)
        .map(|(_, a)| Value::Object(a.body.clone()))
        .collect();
    let mut out = json!({ "MetricAlarms": page, "CompositeAlarms": [] });
    if matching.len() > max {
        out["NextToken"] = json!(matching[max - 1].0);
    }
    answer(req, &out)
}

fn delete(req: &Request, alarms: &mut BTreeMap<String, Alarm>) -> Response {
    let names = strings(req, "AlarmNames");
    if names.is_empty() {
        return missing(req, "AlarmNames");
    }
    if names.len() > MAX_DELETE {
        return invalid(
            req,
            &format!(
                "AlarmNames holds {} names; at most {MAX_DELETE}.",
                names.len()
            ),
        );
    }
    // One unknown name and nothing is deleted.
    if let Some(unknown) = names.iter().find(|n| !alarms.contains_key(*n)) {
        return fail(
            req,
            StatusCode::NOT_FOUND,
            "ResourceNotFound",
            &format!("Alarm {unknown} does not exist."),
        );
    }
    for n in &names {
        alarms.remove(n);
    }
    answer(req, &json!({}))
}

fn alarm_of<'a>(
    req: &Request,
    alarms: &'a mut BTreeMap<String, Alarm>,
) -> Result<&'a mut Alarm, Box<Response>> {
    let arn = text(req, "ResourceARN").ok_or_else(|| Box::new(missing(req, "ResourceARN")))?;
    let name = arn.split_once(":alarm:").map(|(_, n)| n).unwrap_or("");
    alarms
        .values_mut()
        .find(|a| a.body.get("AlarmArn").and_then(Value::as_str) == Some(arn) && !name.is_empty())
        .ok_or_else(|| {
            Box::new(fail(
                req,
                StatusCode::NOT_FOUND,
                "ResourceNotFoundException",
                &format!("{arn} does not exist."),
            ))
        })
}

fn list_tags(req: &Request, alarms: &mut BTreeMap<String, Alarm>) -> Response {
    match alarm_of(req, alarms) {
        Ok(a) => {
            let tags: Vec<Value> = a
                .tags
                .iter()
                .map(|(k, v)| json!({ "Key": k, "Value": v }))
                .collect();
            answer(req, &json!({ "Tags": tags }))
        }
        Err(resp) => *resp,
    }
}

fn tag(req: &Request, alarms: &mut BTreeMap<String, Alarm>, add: bool) -> Response {
    let alarm = match alarm_of(req, alarms) {
        Ok(a) => a,
        Err(resp) => return *resp,
    };
    if add {
        for t in req
            .json
            .get("Tags")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let (Some(k), Some(v)) = (
                t.get("Key").and_then(Value::as_str),
                t.get("Value").and_then(Value::as_str),
            ) {
                alarm.tags.insert(k.to_string(), v.to_string());
            }
        }
    } else {
        for k in strings(req, "TagKeys") {
            alarm.tags.remove(&k);
        }
    }
    answer(req, &json!({}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cbor_round_trips_what_the_alarms_hold() {
        let v = json!({
            "AlarmName": "a",
            "Threshold": 1800.5,
            "Period": 300,
            "Offset": -3,
            "ActionsEnabled": true,
            "Dimensions": [{ "Name": "SourceServerID", "Value": "s-1" }],
            "Nothing": null
        });
        assert_eq!(decode(&encode(&v)).unwrap(), v);
    }

    #[test]
    fn indefinite_maps_and_timestamps_are_read() {
        // {_ "a": 1(1700000000), "b": [_ "x"]}
        let mut e = minicbor::Encoder::new(Vec::new());
        e.begin_map().unwrap();
        e.str("a").unwrap();
        e.tag(minicbor::data::Tag::new(1)).unwrap();
        e.u64(1_700_000_000).unwrap();
        e.str("b").unwrap();
        e.begin_array().unwrap();
        e.str("x").unwrap();
        e.end().unwrap();
        e.end().unwrap();
        let v = decode(&e.into_writer()).unwrap();
        assert_eq!(v, json!({ "a": 1_700_000_000u64, "b": ["x"] }));
    }

    #[test]
    fn garbage_is_refused_with_a_reason() {
        assert!(decode(&[0xa1, 0x01]).is_err());
        assert!(decode(&[0x01, 0x02]).unwrap_err().contains("follow"));
    }

    #[test]
    fn operations_come_from_the_path() {
        assert_eq!(
            operation("/service/GraniteServiceVersion20100801/operation/DescribeAlarms"),
            "DescribeAlarms"
        );
        assert_eq!(operation("/"), "Unknown");
    }
}
