//! DRS (restJson1): source servers, launch configurations and resource tags.

use crate::estate::{iso, RegionState, Server};
use crate::protocol::{json_error, json_error_with, json_ok, Request};
use crate::Shared;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// Largest page DRS returns.
const MAX_PAGE: usize = 1000;

pub(crate) fn validation(req: &Request, message: &str, fields: &[(&str, &str)]) -> Response {
    json_error_with(
        StatusCode::BAD_REQUEST,
        "ValidationException",
        message,
        &req.request_id,
        json!({
            "reason": if fields.is_empty() { "other" } else { "fieldValidationFailed" },
            "fieldList": fields.iter().map(|(n, m)| json!({ "name": n, "message": m })).collect::<Vec<_>>(),
        }),
    )
}

pub(crate) fn not_found(req: &Request, kind: &str, id: &str) -> Response {
    json_error_with(
        StatusCode::NOT_FOUND,
        "ResourceNotFoundException",
        &format!("{kind} {id} not found"),
        &req.request_id,
        json!({ "resourceId": id, "resourceType": kind }),
    )
}

fn server_arn(account: &str, region: &str, id: &str) -> String {
    format!("arn:aws:drs:{region}:{account}:source-server/{id}")
}

pub(crate) fn render_server(
    s: &Server,
    account: &str,
    region: &str,
    now: time::OffsetDateTime,
) -> Value {
    let spec = &s.spec;
    let id = spec.id.clone().unwrap_or_default();
    let seen = iso(now - time::Duration::seconds(spec.last_seen_seconds_ago as i64));
    let (state, synced) = s.replication_at(now);
    const DISK: u64 = 107_374_182_400;
    let replicated = synced.map_or(DISK, |p| (DISK as f64 * p / 100.0) as u64);
    let mut replication = json!({
        "dataReplicationState": state,
        "replicatedDisks": [{
            "deviceName": "/dev/xvda", "totalStorageBytes": DISK,
            "replicatedStorageBytes": replicated, "backloggedStorageBytes": 0, "rescannedStorageBytes": 0
        }],
        "stagingAvailabilityZone": format!("{region}a"),
    });
    if synced.is_none() && state != "STOPPED" {
        replication["lagDuration"] = json!(spec.lag);
    }
    if let Some((from, until)) = s.sync {
        replication["dataReplicationInitiation"] = json!({ "startDateTime": iso(from) });
        if let (Some(until), true) = (until, synced.is_some()) {
            replication["etaDateTime"] = json!(iso(until));
        }
    }
    if let Some(code) = &spec.replication_error {
        replication["dataReplicationError"] =
            json!({ "error": code, "rawError": spec.raw_error.clone().unwrap_or_default() });
    }
    let mut hints =
        json!({ "hostname": spec.hostname.clone().unwrap_or_else(|| spec.name.clone()) });
    if let Some(h) = &spec.hostname {
        hints["fqdn"] = json!(h);
    }
    if let Some(origin) = &spec.origin_instance_id {
        hints["awsInstanceID"] = json!(origin);
    }
    let mut v = json!({
        "sourceServerID": id,
        "arn": server_arn(account, region, &id),
        "tags": s.tags,
        "lastLaunchResult": "NOT_STARTED",
        "dataReplicationInfo": replication,
        "lifeCycle": {
            "addedToServiceDateTime": iso(now - time::Duration::days(90)),
            "firstByteDateTime": iso(now - time::Duration::days(90)),
            "elapsedReplicationDuration": "P90D",
            "lastSeenByServiceDateTime": seen,
        },
        "sourceProperties": {
            "lastUpdatedDateTime": iso(now - time::Duration::hours(1)),
            "recommendedInstanceType": spec.instance_type,
            "identificationHints": hints,
            "os": { "fullString": spec.os },
            "cpus": [{ "cores": 4, "modelName": if spec.architecture == "arm64" { "AWS Graviton" } else { "Intel(R) Xeon(R) Platinum 8375C" } }],
            "ramBytes": 17_179_869_184u64,
            "disks": [{ "deviceName": "/dev/xvda", "bytes": 107_374_182_400u64 }],
            "networkInterfaces": [],
            "supportsNitroInstances": true,
        },
        "stagingArea": { "status": "NOT_EXTENDED" },
        "replicationDirection": s.direction,
        "agentVersion": "1.48.0",
    });
    if let Some(arn) = &s.reversed_arn {
        v["reversedDirectionSourceServerArn"] = json!(arn);
    }
    if let Some(ri) = &s.recovery_instance_id {
        v["recoveryInstanceId"] = json!(ri);
    }
    if let (Some(origin_region), Some(_)) = (&spec.origin_region, &spec.origin_instance_id) {
        v["sourceCloudProperties"] = json!({
            "originAccountID": account,
            "originRegion": origin_region,
            "originAvailabilityZone": format!("{origin_region}a"),
        });
    }
    v
}

fn page(req: &Request) -> Result<(usize, usize), Box<Response>> {
    let max = match req.json.get("maxResults") {
        None | Some(Value::Null) => MAX_PAGE,
        Some(v) => match v.as_u64() {
            Some(n) if n >= 1 => (n as usize).min(MAX_PAGE),
            _ => {
                return Err(Box::new(validation(
                    req,
                    "maxResults must be a positive integer",
                    &[("maxResults", "must be at least 1")],
                )))
            }
        },
    };
    let start = match req.json.get("nextToken") {
        None | Some(Value::Null) => 0,
        Some(Value::String(t)) => match t.parse::<usize>() {
            Ok(n) => n,
            Err(_) => {
                return Err(Box::new(validation(
                    req,
                    "Invalid nextToken",
                    &[("nextToken", "not a token this service issued")],
                )))
            }
        },
        Some(_) => {
            return Err(Box::new(validation(
                req,
                "nextToken must be a string",
                &[("nextToken", "must be a string")],
            )))
        }
    };
    Ok((start, max))
}

/// One page of `items` as `{items, nextToken?}`, rendering only the items on the page.
fn paged<T>(
    req: &Request,
    items: &[T],
    (start, max): (usize, usize),
    render: impl Fn(&T) -> Value,
) -> Response {
    let end = (start + max).min(items.len());
    let page: Vec<Value> = items
        .get(start.min(end)..end)
        .unwrap_or_default()
        .iter()
        .map(render)
        .collect();
    let mut body = json!({ "items": page });
    if end < items.len() {
        body["nextToken"] = json!(end.to_string());
    }
    json_ok(StatusCode::OK, &body, &req.request_id)
}

/// A string-list filter such as `/filters/jobIDs`, when given.
fn string_list(req: &Request, pointer: &str) -> Option<Vec<String>> {
    req.json
        .pointer(pointer)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
}

pub(crate) fn handle(shared: &Shared, req: &Request, op: &str) -> Response {
    let Some(principal) = shared.with_estate(|e| e.principal(&req.access_key).cloned()) else {
        return json_error(
            StatusCode::FORBIDDEN,
            "UnrecognizedClientException",
            "The security token included in the request is invalid.",
            &req.request_id,
        );
    };
    let account = principal.account;
    shared.with_estate(|e| {
        let now = e.clock.now();
        let region_name = req.region.clone();
        if let Some(response) = crate::native::handle(req, e, &account, op) {
            return response;
        }
        match op {
            "StartRecovery" => return start_recovery(req, e, &account),
            "TerminateRecoveryInstances" => return terminate_recovery_instances(req, e, &account),
            "ReverseReplication" => return crate::failback::reverse_replication(req, e, &account),
            "StopReplication" => return crate::failback::stop_replication(req, e, &account, now),
            "DescribeLaunchConfigurationTemplates" => {
                return crate::failback::describe_templates(req, e, &account)
            }
            "UpdateLaunchConfigurationTemplate" => {
                return crate::failback::update_template(req, e, &account)
            }
            "DescribeSourceServers" => {
                let lags = crate::failback::failback_lags(e, &account, &region_name);
                let region = e.region_mut(&account, &region_name);
                return describe_source_servers(req, region, &account, now, &lags);
            }
            "DescribeRecoveryInstances" => {
                let failback = crate::failback::failback_states(e, &account, &region_name);
                let region = e.region_mut(&account, &region_name);
                return describe_recovery_instances(req, region, &account, &failback);
            }
            _ => {}
        }
        let region = e.region_mut(&account, &region_name);
        match op {
            "GetLaunchConfiguration" => get_launch_configuration(req, region),
            "UpdateLaunchConfiguration" => update_launch_configuration(req, region),
            "ListTagsForResource" | "TagResource" | "UntagResource" => {
                tags(req, region, &account, op)
            }
            "DescribeJobs" => describe_jobs(req, region, now),
            "DescribeJobLogItems" => describe_job_log_items(req, region, now),
            "DescribeRecoverySnapshots" => describe_recovery_snapshots(req, region, now),
            "DisconnectRecoveryInstance" => disconnect_recovery_instance(req, region),
            "PutLaunchAction" => put_launch_action(req, region),
            "ListLaunchActions" => list_launch_actions(req, region),
            "DeleteLaunchAction" => delete_launch_action(req, region),
            other => json_error(
                StatusCode::BAD_REQUEST,
                "UnknownOperationException",
                &format!("Unknown operation drs:{other}"),
                &req.request_id,
            ),
        }
    })
}

fn describe_source_servers(
    req: &Request,
    region: &RegionState,
    account: &str,
    now: time::OffsetDateTime,
    lags: &BTreeMap<String, String>,
) -> Response {
    let page = match page(req) {
        Ok(p) => p,
        Err(resp) => return *resp,
    };
    let wanted = string_list(req, "/filters/sourceServerIDs");
    let hardware = req
        .json
        .pointer("/filters/hardwareId")
        .and_then(Value::as_str);
    let selected: Vec<&Server> = region
        .servers
        .iter()
        .filter(|(id, _)| wanted.as_ref().is_none_or(|w| w.contains(id)))
        .filter(|(_, s)| hardware.is_none_or(|h| s.spec.origin_instance_id.as_deref() == Some(h)))
        .map(|(_, s)| s)
        .collect();
    paged(req, &selected, page, |s| {
        match lags.get(s.spec.id.as_deref().unwrap_or("")) {
            Some(lag) => {
                let mut live = Server::clone(s);
                live.spec.lag = lag.clone();
                render_server(&live, account, &req.region, now)
            }
            None => render_server(s, account, &req.region, now),
        }
    })
}

fn server_id(req: &Request) -> Result<&str, Box<Response>> {
    match req.json.get("sourceServerID").and_then(Value::as_str) {
        Some(id) if id.starts_with("s-") && id.len() == 19 => Ok(id),
        Some(id) => Err(Box::new(validation(
            req,
            &format!("Invalid sourceServerID {id}"),
            &[("sourceServerID", "must match ^s-[0-9a-zA-Z]{17}$")],
        ))),
        None => Err(Box::new(validation(
            req,
            "sourceServerID is required",
            &[("sourceServerID", "required")],
        ))),
    }
}

fn get_launch_configuration(req: &Request, region: &RegionState) -> Response {
    let id = match server_id(req) {
        Ok(id) => id,
        Err(r) => return *r,
    };
    match region.launch_configs.get(id) {
        Some(cfg) => json_ok(StatusCode::OK, cfg, &req.request_id),
        None => not_found(req, "SOURCE_SERVER", id),
    }
}

const UPDATABLE: &[&str] = &[
    "name",
    "launchDisposition",
    "targetInstanceTypeRightSizingMethod",
    "copyPrivateIp",
    "copyTags",
    "licensing",
    "postLaunchEnabled",
    "launchIntoInstanceProperties",
    "recoveryMode",
];

fn update_launch_configuration(req: &Request, region: &mut RegionState) -> Response {
    let id = match server_id(req) {
        Ok(id) => id.to_string(),
        Err(r) => return *r,
    };
    let Some(server) = region.servers.get(&id).cloned() else {
        return not_found(req, "SOURCE_SERVER", &id);
    };
    let enums: [(&str, &[&str]); 3] = [
        ("launchDisposition", &["STOPPED", "STARTED"]),
        (
            "targetInstanceTypeRightSizingMethod",
            &["NONE", "BASIC", "IN_AWS"],
        ),
        ("recoveryMode", &["FAST", "OPTIMAL"]),
    ];
    for (field, allowed) in enums {
        if let Some(v) = req.json.get(field) {
            if !v.as_str().is_some_and(|s| allowed.contains(&s)) {
                return validation(
                    req,
                    &format!("Invalid value for {field}"),
                    &[(field, "not one of the allowed values")],
                );
            }
        }
    }
    for field in ["copyPrivateIp", "copyTags", "postLaunchEnabled"] {
        if let Some(v) = req.json.get(field) {
            if !v.is_boolean() {
                return validation(
                    req,
                    &format!("{field} must be a boolean"),
                    &[(field, "must be a boolean")],
                );
            }
        }
    }
    if let Some(target) = req
        .json
        .pointer("/launchIntoInstanceProperties/launchIntoEC2InstanceID")
        .and_then(Value::as_str)
    {
        let well_formed = target
            .strip_prefix("i-")
            .is_some_and(|h| h.len() >= 8 && h.bytes().all(|b| b.is_ascii_hexdigit()));
        if !well_formed {
            return validation(
                req,
                "Invalid launchIntoEC2InstanceID",
                &[("launchIntoEC2InstanceID", "must match ^i-[0-9a-fA-F]{8,}$")],
            );
        }
        let Some(instance) = region.instances.get(target) else {
            return validation(
                req,
                &format!("Instance {target} does not exist in {}", req.region),
                &[("launchIntoEC2InstanceID", "instance not found")],
            );
        };
        if instance.architecture != server.spec.architecture {
            return validation(
                req,
                &format!(
                    "Cannot launch into instance {target}: its architecture {} does not match the source server's {}",
                    instance.architecture, server.spec.architecture
                ),
                &[("launchIntoEC2InstanceID", "architecture mismatch")],
            );
        }
    }
    let Some(cfg) = region.launch_configs.get_mut(&id) else {
        return not_found(req, "SOURCE_SERVER", &id);
    };
    for field in UPDATABLE {
        if let Some(v) = req.json.get(*field) {
            cfg[*field] = v.clone();
        }
    }
    json_ok(StatusCode::OK, cfg, &req.request_id)
}

fn tags(req: &Request, region: &mut RegionState, account: &str, op: &str) -> Response {
    let arn = req.path.trim_start_matches("/tags/").to_string();
    let server_id = arn
        .strip_prefix(&format!(
            "arn:aws:drs:{}:{account}:source-server/",
            req.region
        ))
        .map(str::to_string);
    let store: &mut BTreeMap<String, String> = match &server_id {
        Some(id) => match region.servers.get_mut(id) {
            Some(s) => &mut s.tags,
            None => return not_found(req, "SOURCE_SERVER", id),
        },
        None if arn.starts_with("arn:aws:drs:") => {
            region.resource_tags.entry(arn.clone()).or_default()
        }
        None => {
            return validation(
                req,
                &format!("Invalid resource ARN {arn}"),
                &[("resourceArn", "not a DRS ARN")],
            )
        }
    };
    match op {
        "ListTagsForResource" => {
            json_ok(StatusCode::OK, &json!({ "tags": store }), &req.request_id)
        }
        "TagResource" => {
            let Some(new) = req.json.get("tags").and_then(Value::as_object) else {
                return validation(req, "tags is required", &[("tags", "required")]);
            };
            for (k, v) in new {
                store.insert(k.clone(), v.as_str().unwrap_or_default().to_string());
            }
            json_ok(StatusCode::NO_CONTENT, &json!({}), &req.request_id)
        }
        _ => {
            for (k, v) in &req.params {
                if k == "tagKeys" {
                    store.remove(v);
                }
            }
            json_ok(StatusCode::NO_CONTENT, &json!({}), &req.request_id)
        }
    }
}

/// Seeded simulated duration between `lo` and `hi` seconds for one server and step.
pub(crate) fn planned(seed: u64, server: &str, step: u64, lo: i64, hi: i64) -> time::Duration {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (seed, server, step).hash(&mut h);
    let span = (hi - lo).max(1) as u64;
    time::Duration::seconds(lo + (h.finish() % span) as i64)
}

fn quota(req: &Request, message: String, code: &str) -> Response {
    json_error_with(
        StatusCode::PAYMENT_REQUIRED,
        "ServiceQuotaExceededException",
        &message,
        &req.request_id,
        json!({ "serviceCode": "drs", "quotaCode": code, "resourceType": "SOURCE_SERVER" }),
    )
}

pub(crate) fn start_recovery(
    req: &Request,
    e: &mut crate::estate::Estate,
    account: &str,
) -> Response {
    use crate::jobs::{MAX_CONCURRENT_JOBS, MAX_SERVERS_IN_ACTIVE_JOBS, MAX_SERVERS_PER_JOB};
    let Some(list) = req.json.get("sourceServers").and_then(Value::as_array) else {
        return validation(
            req,
            "sourceServers is required",
            &[("sourceServers", "required")],
        );
    };
    if list.is_empty() || list.len() > 200 {
        return validation(
            req,
            "sourceServers must hold 1 to 200 items",
            &[("sourceServers", "length 1..200")],
        );
    }
    let mut ids = Vec::new();
    for item in list {
        match item.get("sourceServerID").and_then(Value::as_str) {
            Some(id) => ids.push(id.to_string()),
            None => {
                return validation(
                    req,
                    "every sourceServers item needs a sourceServerID",
                    &[("sourceServerID", "required")],
                )
            }
        }
    }
    if ids.len() > MAX_SERVERS_PER_JOB {
        return quota(req, format!("A recovery job may include at most {MAX_SERVERS_PER_JOB} source servers; this one has {}", ids.len()), "L-SERVERS-PER-JOB");
    }
    let is_drill = req
        .json
        .get("isDrill")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let tags: BTreeMap<String, String> = req
        .json
        .get("tags")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                .collect()
        })
        .unwrap_or_default();
    let now = e.clock.now();
    let seed = e.seed;
    let job_id = format!("drsjob-{}", &e.next_id("")[..17]);
    let region_name = req.region.clone();
    let failing_actions = e.runbook.failing_actions.clone();
    let offline = e.runbook.agents_offline.clone();
    let region = e.region_mut(account, &region_name);
    for id in &ids {
        if !region.servers.contains_key(id) {
            return not_found(req, "SOURCE_SERVER", id);
        }
    }
    let active: Vec<&crate::jobs::Job> = region.jobs.values().filter(|j| j.active(now)).collect();
    if active.len() >= MAX_CONCURRENT_JOBS {
        return quota(
            req,
            format!(
                "At most {MAX_CONCURRENT_JOBS} jobs may run at once; {} are active",
                active.len()
            ),
            "L-CONCURRENT-JOBS",
        );
    }
    let busy: usize = active.iter().map(|j| j.servers.len()).sum();
    if busy + ids.len() > MAX_SERVERS_IN_ACTIVE_JOBS {
        return quota(
            req,
            format!("At most {MAX_SERVERS_IN_ACTIVE_JOBS} source servers may be in active jobs; {busy} are and this job adds {}", ids.len()),
            "L-SERVERS-IN-ACTIVE-JOBS",
        );
    }
    if let Some(id) = ids.iter().find(|id| {
        active
            .iter()
            .any(|j| j.servers.iter().any(|p| &p.source_server_id == *id))
    }) {
        return json_error_with(
            StatusCode::CONFLICT,
            "ConflictException",
            &format!("Source server {id} is already part of an active job"),
            &req.request_id,
            json!({ "resourceId": id, "resourceType": "SOURCE_SERVER" }),
        );
    }
    let job = launch_job(
        region,
        &LaunchRunbook {
            seed,
            failing_actions: &failing_actions,
            offline: &offline,
        },
        &ids,
        is_drill,
        tags,
        now,
        (
            job_id.clone(),
            format!("arn:aws:drs:{region_name}:{account}:job/{job_id}"),
        ),
    );
    let body = json!({ "job": job.render(now) });
    region.jobs.insert(job_id, job);
    region.record_peaks(now);
    json_ok(StatusCode::ACCEPTED, &body, &req.request_id)
}

/// What a new launch job's simulation depends on besides the region.
pub(crate) struct LaunchRunbook<'a> {
    /// Seed of the simulated durations.
    pub seed: u64,
    /// SSM documents whose post-launch runs fail.
    pub failing_actions: &'a std::collections::BTreeSet<String>,
    /// Servers whose recovered instance's SSM agent stays offline.
    pub offline: &'a std::collections::BTreeSet<String>,
}

/// A LAUNCH job for `ids` created at `created`: by StartRecovery, or by a step of a native
/// recovery plan's execution.
#[allow(clippy::too_many_arguments)]
pub(crate) fn launch_job(
    region: &RegionState,
    runbook: &LaunchRunbook<'_>,
    ids: &[String],
    is_drill: bool,
    tags: BTreeMap<String, String>,
    created: time::OffsetDateTime,
    (job_id, arn): (String, String),
) -> crate::jobs::Job {
    use crate::jobs::{Job, ServerPlan};
    let servers = ids
        .iter()
        .map(|id| ServerPlan {
            source_server_id: id.clone(),
            snapshot: planned(runbook.seed, id, 1, 60, 240),
            conversion: planned(runbook.seed, id, 2, 120, 360),
            launch: planned(runbook.seed, id, 3, 60, 180),
            launch_into: region
                .launch_configs
                .get(id)
                .and_then(|c| c.pointer("/launchIntoInstanceProperties/launchIntoEC2InstanceID"))
                .and_then(Value::as_str)
                .map(str::to_string),
            outcome: None,
            // DRS runs the active actions of a server whose configuration enables them.
            actions: if region
                .launch_configs
                .get(id)
                .and_then(|c| c.get("postLaunchEnabled"))
                .and_then(Value::as_bool)
                .unwrap_or(false)
            {
                let mut list: Vec<Value> = region
                    .launch_actions
                    .get(id)
                    .map(|l| {
                        l.iter()
                            .filter(|a| a.get("active").and_then(Value::as_bool).unwrap_or(true))
                            .cloned()
                            .collect()
                    })
                    .unwrap_or_default();
                list.sort_by_key(|a| a.get("order").and_then(Value::as_i64).unwrap_or(0));
                list.into_iter()
                    .map(|a| {
                        let code = a.get("actionCode").and_then(Value::as_str).unwrap_or("");
                        let failure = if runbook.offline.contains(id) {
                            Some(
                                "The SSM agent was not discovered on the recovered instance"
                                    .to_string(),
                            )
                        } else if runbook.failing_actions.contains(code) {
                            Some(format!(
                                "SSM document {code} failed on the recovered instance (exit 1)"
                            ))
                        } else {
                            None
                        };
                        (a, failure)
                    })
                    .collect()
            } else {
                Vec::new()
            },
        })
        .collect();
    Job {
        arn,
        id: job_id,
        job_type: "LAUNCH",
        initiated_by: if is_drill {
            "START_DRILL"
        } else {
            "START_RECOVERY"
        },
        created,
        tags,
        servers,
        terminate: Vec::new(),
        ended: None,
    }
}

pub(crate) fn describe_jobs(
    req: &Request,
    region: &RegionState,
    now: time::OffsetDateTime,
) -> Response {
    let page = match page(req) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let wanted = string_list(req, "/filters/jobIDs");
    if wanted.as_ref().is_some_and(|w| w.len() > 1000) {
        return validation(req, "at most 1000 jobIDs", &[("jobIDs", "length 0..1000")]);
    }
    // `fromDate` / `toDate` bound the jobs' creation time (ISO 8601).
    let mut bounds = [None, None];
    for (i, field) in ["fromDate", "toDate"].iter().enumerate() {
        if let Some(v) = req
            .json
            .pointer(&format!("/filters/{field}"))
            .and_then(Value::as_str)
        {
            match time::OffsetDateTime::parse(v, &time::format_description::well_known::Rfc3339) {
                Ok(t) => bounds[i] = Some(t),
                Err(_) => {
                    return validation(
                        req,
                        &format!("{field} must be an ISO 8601 date and time, got \"{v}\""),
                        &[(field, "format")],
                    )
                }
            }
        }
    }
    let selected: Vec<&crate::jobs::Job> = region
        .jobs
        .values()
        .filter(|j| wanted.as_ref().is_none_or(|w| w.contains(&j.id)))
        .filter(|j| bounds[0].is_none_or(|f| j.created >= f))
        .filter(|j| bounds[1].is_none_or(|t| j.created <= t))
        .collect();
    paged(req, &selected, page, |j| j.render(now))
}

pub(crate) fn describe_job_log_items(
    req: &Request,
    region: &RegionState,
    now: time::OffsetDateTime,
) -> Response {
    let Some(id) = req.json.get("jobID").and_then(Value::as_str) else {
        return validation(req, "jobID is required", &[("jobID", "required")]);
    };
    let Some(job) = region.jobs.get(id) else {
        return not_found(req, "JOB", id);
    };
    let page = match page(req) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    paged(req, &job.log(now), page, Value::clone)
}

pub(crate) fn describe_recovery_instances(
    req: &Request,
    region: &RegionState,
    account: &str,
    failback: &BTreeMap<String, String>,
) -> Response {
    let page = match page(req) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let ids = string_list(req, "/filters/recoveryInstanceIDs");
    let servers = string_list(req, "/filters/sourceServerIDs");
    let selected: Vec<&crate::jobs::RecoveryInstance> = region
        .recovery_instances
        .values()
        .filter(|r| ids.as_ref().is_none_or(|w| w.contains(&r.id)))
        .filter(|r| {
            servers
                .as_ref()
                .is_none_or(|w| w.contains(&r.source_server_id))
        })
        .collect();
    paged(req, &selected, page, |r| {
        let state = region
            .instances
            .get(&r.ec2_instance_id)
            .map(|i| i.state.to_uppercase())
            .unwrap_or_else(|| "NOT_FOUND".into());
        let mut v = json!({
            "recoveryInstanceID": r.id,
            "ec2InstanceID": r.ec2_instance_id,
            "ec2InstanceState": state,
            "jobID": r.job_id,
            "sourceServerID": r.source_server_id,
            "arn": format!("arn:aws:drs:{}:{account}:recovery-instance/{}", req.region, r.id),
            "tags": {},
            "isDrill": r.is_drill,
            "pointInTimeSnapshotDateTime": iso(r.snapshot_time),
            "originEnvironment": "AWS",
        });
        if !r.is_drill {
            v["failback"] = json!({
                "state": failback.get(&r.id).map(String::as_str).unwrap_or("FAILBACK_NOT_STARTED"),
                "failbackToOriginalServer": true,
            });
        }
        v
    })
}

pub(crate) fn terminate_recovery_instances(
    req: &Request,
    e: &mut crate::estate::Estate,
    account: &str,
) -> Response {
    let Some(list) = req
        .json
        .get("recoveryInstanceIDs")
        .and_then(Value::as_array)
    else {
        return validation(
            req,
            "recoveryInstanceIDs is required",
            &[("recoveryInstanceIDs", "required")],
        );
    };
    let ids: Vec<String> = list
        .iter()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect();
    if ids.is_empty() || ids.len() > 200 || ids.len() != list.len() {
        return validation(
            req,
            "recoveryInstanceIDs must hold 1 to 200 IDs",
            &[("recoveryInstanceIDs", "length 1..200")],
        );
    }
    let now = e.clock.now();
    let region_name = req.region.clone();
    // DRS: stop replication of the failback source server before terminating the recovery
    // instance it replicates from.
    for id in &ids {
        if let Some(back) = crate::failback::still_replicating_back(e, account, &region_name, id) {
            return json_error_with(
                StatusCode::CONFLICT,
                "ConflictException",
                &format!("Recovery instance {id} is replicating to source server {back}: stop its replication first"),
                &req.request_id,
                json!({ "resourceId": id, "resourceType": "RECOVERY_INSTANCE" }),
            );
        }
    }
    let job_id = format!("drsjob-{}", &e.next_id("")[..17]);
    let region = e.region_mut(account, &region_name);
    if let Some(missing) = ids
        .iter()
        .find(|id| !region.recovery_instances.contains_key(*id))
    {
        return not_found(req, "RECOVERY_INSTANCE", missing);
    }
    let job = crate::jobs::Job {
        arn: format!("arn:aws:drs:{region_name}:{account}:job/{job_id}"),
        id: job_id.clone(),
        job_type: "TERMINATE",
        initiated_by: "TERMINATE_RECOVERY_INSTANCES",
        created: now,
        tags: BTreeMap::new(),
        servers: Vec::new(),
        terminate: ids,
        ended: None,
    };
    let body = json!({ "job": job.render(now) });
    region.jobs.insert(job_id, job);
    json_ok(StatusCode::OK, &body, &req.request_id)
}

/// Point-in-time snapshots: every 10 minutes for the last hour, then hourly for a day.
pub(crate) fn describe_recovery_snapshots(
    req: &Request,
    region: &RegionState,
    now: time::OffsetDateTime,
) -> Response {
    let id = match server_id(req) {
        Ok(id) => id,
        Err(r) => return *r,
    };
    if !region.servers.contains_key(id) {
        return not_found(req, "SOURCE_SERVER", id);
    }
    let page = match page(req) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let parse = |name: &str| -> Result<Option<time::OffsetDateTime>, Box<Response>> {
        match req
            .json
            .pointer(&format!("/filters/{name}"))
            .and_then(Value::as_str)
        {
            None => Ok(None),
            Some(t) => {
                time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339)
                    .map(Some)
                    .map_err(|_| {
                        Box::new(validation(
                            req,
                            &format!("{name} is not an ISO-8601 date-time"),
                            &[(name, "invalid date-time")],
                        ))
                    })
            }
        }
    };
    let (from, to) = match (parse("fromDateTime"), parse("toDateTime")) {
        (Ok(f), Ok(t)) => (f, t),
        (Err(r), _) | (_, Err(r)) => return *r,
    };
    let latest = now.replace_second(0).unwrap_or(now);
    let latest = latest - time::Duration::minutes(i64::from(latest.minute() % 10));
    let mut times: Vec<time::OffsetDateTime> = (0..6)
        .map(|i| latest - time::Duration::minutes(10 * i))
        .collect();
    times.extend((1..24).map(|h| latest - time::Duration::hours(h)));
    times.retain(|t| from.is_none_or(|f| *t >= f) && to.is_none_or(|x| *t <= x));
    if req.json.get("order").and_then(Value::as_str) == Some("ASC") {
        times.reverse();
    }
    paged(req, &times, page, |t| {
        json!({
            "snapshotID": format!("pit-{}{:010x}", &id[2..9], t.unix_timestamp()),
            "sourceServerID": id,
            "expectedTimestamp": iso(*t),
            "timestamp": iso(*t + time::Duration::seconds(7)),
            "ebsSnapshots": [format!("snap-0{:016x}", t.unix_timestamp())],
        })
    })
}

fn recovery_instance_id(req: &Request) -> Result<&str, Box<Response>> {
    req.json
        .get("recoveryInstanceID")
        .and_then(Value::as_str)
        .ok_or_else(|| {
            Box::new(validation(
                req,
                "recoveryInstanceID is required",
                &[("recoveryInstanceID", "required")],
            ))
        })
}

/// Forgets a recovery instance in DRS; its EC2 instance keeps running.
pub(crate) fn disconnect_recovery_instance(req: &Request, region: &mut RegionState) -> Response {
    let id = match recovery_instance_id(req) {
        Ok(id) => id,
        Err(r) => return *r,
    };
    match region.recovery_instances.remove(id) {
        Some(_) => json_ok(StatusCode::OK, &json!({}), &req.request_id),
        None => not_found(req, "RECOVERY_INSTANCE", id),
    }
}

/// The server a launch action request is about (`resourceId`), which must exist.
fn action_server<'a>(req: &'a Request, region: &RegionState) -> Result<&'a str, Box<Response>> {
    let id = req
        .json
        .get("resourceId")
        .and_then(Value::as_str)
        .unwrap_or("");
    if id.is_empty() {
        return Err(Box::new(validation(
            req,
            "resourceId is required",
            &[("resourceId", "required")],
        )));
    }
    if !region.servers.contains_key(id) {
        return Err(Box::new(not_found(req, "SOURCE_SERVER", id)));
    }
    Ok(id)
}

fn matches(text: &str, ok: impl Fn(char) -> bool) -> bool {
    !text.is_empty() && text.chars().all(ok)
}

/// PutLaunchAction: creates or replaces (by `actionId`) one action of a source server, with
/// DRS's field rules.
fn put_launch_action(req: &Request, region: &mut RegionState) -> Response {
    let id = match action_server(req, region) {
        Ok(id) => id.to_string(),
        Err(r) => return *r,
    };
    let j = &req.json;
    let text = |k: &str| j.get(k).and_then(Value::as_str).unwrap_or("");
    let action_id = text("actionId");
    let uuid_like = action_id.len() == 36
        && action_id.chars().enumerate().all(|(i, c)| {
            if [8, 13, 18, 23].contains(&i) {
                c == '-'
            } else {
                c.is_ascii_hexdigit()
            }
        });
    let mut bad: Vec<(&str, &str)> = Vec::new();
    if !uuid_like {
        bad.push(("actionId", "must be a UUID"));
    }
    if !matches(text("actionCode"), |c| {
        c.is_ascii_alphanumeric() || "-/:".contains(c)
    }) {
        bad.push(("actionCode", "invalid SSM document name"));
    }
    let name = text("name");
    if !matches(name, |c| c.is_ascii_alphanumeric() || " /_-".contains(c))
        || !name.starts_with(|c: char| c.is_ascii_alphanumeric())
    {
        bad.push(("name", "invalid name"));
    }
    let order = j.get("order").and_then(Value::as_i64).unwrap_or(0);
    if !(2..=10_000).contains(&order) {
        bad.push(("order", "must be 2-10000"));
    }
    if ![
        "MONITORING",
        "VALIDATION",
        "CONFIGURATION",
        "SECURITY",
        "OTHER",
    ]
    .contains(&text("category"))
    {
        bad.push(("category", "invalid category"));
    }
    if !text("description")
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || " ():/.,'-_#*;".contains(c))
    {
        bad.push(("description", "invalid characters"));
    }
    for k in ["optional", "active"] {
        if !j.get(k).is_some_and(Value::is_boolean) {
            bad.push((k, "required"));
        }
    }
    if let Some(params) = j.get("parameters").and_then(Value::as_object) {
        for (k, v) in params {
            let value = v.get("value").and_then(Value::as_str).unwrap_or("");
            if !matches(k, |c| c.is_ascii_alphanumeric())
                || !matches(value, |c| c.is_ascii_alphanumeric() || ".-".contains(c))
            {
                bad.push(("parameters", "invalid parameter"));
            }
        }
    }
    if let Some((field, why)) = bad.first() {
        return validation(req, &format!("Invalid value for {field}: {why}"), &bad);
    }
    let mut action = json!({
        "actionId": action_id,
        "actionCode": text("actionCode"),
        "type": "SSM_COMMAND",
        "name": name,
        "active": j.get("active").and_then(Value::as_bool).unwrap_or(true),
        "order": order,
        "actionVersion": text("actionVersion"),
        "optional": j.get("optional").and_then(Value::as_bool).unwrap_or(false),
        "description": text("description"),
        "category": text("category"),
    });
    if let Some(p) = j.get("parameters") {
        action["parameters"] = p.clone();
    }
    let list = region.launch_actions.entry(id.clone()).or_default();
    list.retain(|a| a.get("actionId").and_then(Value::as_str) != Some(action_id));
    list.push(action.clone());
    let mut body = action;
    body["resourceId"] = json!(id);
    json_ok(StatusCode::OK, &body, &req.request_id)
}

fn list_launch_actions(req: &Request, region: &mut RegionState) -> Response {
    let id = match action_server(req, region) {
        Ok(id) => id.to_string(),
        Err(r) => return *r,
    };
    let mut items = region.launch_actions.get(&id).cloned().unwrap_or_default();
    items.sort_by_key(|a| a.get("order").and_then(Value::as_i64).unwrap_or(0));
    json_ok(StatusCode::OK, &json!({ "items": items }), &req.request_id)
}

fn delete_launch_action(req: &Request, region: &mut RegionState) -> Response {
    let id = match action_server(req, region) {
        Ok(id) => id.to_string(),
        Err(r) => return *r,
    };
    let action_id = req
        .json
        .get("actionId")
        .and_then(Value::as_str)
        .unwrap_or("");
    let list = region.launch_actions.entry(id.clone()).or_default();
    let before = list.len();
    list.retain(|a| a.get("actionId").and_then(Value::as_str) != Some(action_id));
    if list.len() == before {
        return not_found(req, "LAUNCH_ACTION", action_id);
    }
    let mut resp = json_ok(StatusCode::NO_CONTENT, &json!({}), &req.request_id);
    *resp.body_mut() = axum::body::Body::empty();
    resp
}
