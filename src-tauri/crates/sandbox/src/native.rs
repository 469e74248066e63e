//! DRS's native recovery plans: plans and their steps (SERVER and WAIT), and executions run on
//! the simulated clock. An execution runs its steps one at a time: a SERVER step starts one
//! LAUNCH job (drill or recovery, as the execution's mode) for its servers when the step before
//! it ends and completes when the job ends — failed when a CRITICAL server failed to launch,
//! which fails the execution and skips the steps after it; a WAIT step waits its minutes. As in
//! DRS, a plan has at most 20 steps, a SERVER step at most 100 servers, a WAIT step 1–120
//! minutes, a plan one unfinished execution at a time, and a client token makes a repeated
//! create return what the first one created. Tags of plans and executions live with the other
//! DRS resource tags (`TagResource` and `ListTagsForResource` work on them).

use crate::drs::{launch_job, LaunchRunbook};
use crate::estate::{iso, Estate, RegionState};
use crate::protocol::{json_error_with, json_ok, Request};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use time::{Duration, OffsetDateTime};

/// Most steps in a plan.
const MAX_STEPS: usize = 20;
/// Most servers in a SERVER step.
const MAX_STEP_SERVERS: usize = 100;

/// A native recovery plan.
#[derive(Debug, Clone)]
pub struct Plan {
    arn: String,
    name: String,
    description: String,
    created: OffsetDateTime,
    updated: OffsetDateTime,
    steps: Vec<PlanStep>,
}

/// A step of a plan: its configuration as DRS renders it.
#[derive(Debug, Clone)]
struct PlanStep {
    arn: String,
    name: String,
    configuration: Value,
    created: OffsetDateTime,
    updated: OffsetDateTime,
}

/// An execution of a plan.
#[derive(Debug, Clone)]
pub struct Execution {
    arn: String,
    plan_arn: String,
    drill: bool,
    status: &'static str,
    started: OffsetDateTime,
    completed: Option<OffsetDateTime>,
    error: Option<(String, String)>,
    steps: Vec<ExecutionStep>,
}

#[derive(Debug, Clone)]
struct ExecutionStep {
    arn: String,
    name: String,
    configuration: Value,
    status: &'static str,
    started: Option<OffsetDateTime>,
    ended: Option<OffsetDateTime>,
    job_id: Option<String>,
    error: Option<(String, String)>,
}

impl ExecutionStep {
    fn is_final(&self) -> bool {
        matches!(
            self.status,
            "COMPLETED" | "FAILED" | "SKIPPED" | "TIMED_OUT"
        )
    }
}

/// Native plans, executions and client tokens of one account and region.
#[derive(Debug, Clone, Default)]
pub struct NativeState {
    plans: BTreeMap<String, Plan>,
    executions: BTreeMap<String, Execution>,
    /// Client token → the ARN the request that carried it created.
    tokens: BTreeMap<String, String>,
}

/// DRS's validation error naming one field.
fn validation(req: &Request, message: &str, field: &str) -> Response {
    crate::drs::validation(req, message, &[(field, message)])
}

use crate::drs::not_found;

fn conflict(req: &Request, message: &str, id: &str) -> Response {
    json_error_with(
        StatusCode::CONFLICT,
        "ConflictException",
        message,
        &req.request_id,
        json!({ "resourceId": id, "resourceType": "RECOVERY_PLAN" }),
    )
}

fn text<'a>(req: &'a Request, field: &str) -> Option<&'a str> {
    req.json.get(field).and_then(Value::as_str)
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 256
        && name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '_' || c == '-')
}

/// One page of `items` under `key`.
fn paged(req: &Request, key: &str, items: Vec<Value>) -> Response {
    let max = req
        .json
        .get("maxResults")
        .and_then(Value::as_u64)
        .map_or(1000, |n| n.clamp(1, 1000) as usize);
    let start = match req.json.get("nextToken").and_then(Value::as_str) {
        None => 0,
        Some(t) => match t.parse::<usize>() {
            Ok(n) => n,
            Err(_) => return validation(req, "Invalid nextToken", "nextToken"),
        },
    };
    let end = (start + max).min(items.len());
    let mut body = json!({ key: items.get(start.min(end)..end).unwrap_or_default() });
    if end < items.len() {
        body["nextToken"] = json!(end.to_string());
    }
    json_ok(StatusCode::OK, &body, &req.request_id)
}

fn render_plan(p: &Plan, tags: Option<&BTreeMap<String, String>>) -> Value {
    let mut v = json!({
        "recoveryPlanArn": p.arn, "name": p.name, "description": p.description,
        "status": if p.steps.is_empty() { "INVALID" } else { "ACTIVE" },
        "createdAt": iso(p.created), "updatedAt": iso(p.updated),
    });
    if let Some(t) = tags {
        v["tags"] = json!(t);
    }
    v
}

fn render_step(s: &PlanStep, order: usize) -> Value {
    json!({
        "recoveryPlanStepArn": s.arn, "stepOrder": order, "stepName": s.name,
        "configuration": s.configuration, "createdAt": iso(s.created), "updatedAt": iso(s.updated),
    })
}

fn render_execution(e: &Execution, tags: Option<&BTreeMap<String, String>>, full: bool) -> Value {
    let mut v = json!({
        "recoveryPlanExecutionArn": e.arn, "recoveryPlanArn": e.plan_arn,
        "mode": if e.drill { "DRILL" } else { "RECOVERY" }, "status": e.status,
        "startedAt": iso(e.started),
    });
    if let Some((code, message)) = &e.error {
        v["errorDetail"] = json!({ "code": code, "message": message });
    }
    if full {
        if let Some(c) = e.completed {
            v["completedAt"] = json!(iso(c));
        }
        if let Some(t) = tags {
            v["tags"] = json!(t);
        }
    }
    v
}

fn render_execution_step(s: &ExecutionStep, index: usize, full: bool) -> Value {
    let configuration = match s.configuration.get("serverStepConfiguration") {
        Some(c) => {
            let servers: Vec<Value> = c
                .get("servers")
                .and_then(Value::as_array)
                .map(|list| {
                    list.iter()
                        .map(|v| {
                            let mut v = v.clone();
                            if let Some(j) = &s.job_id {
                                v["jobID"] = json!(j);
                            }
                            v
                        })
                        .collect()
                })
                .unwrap_or_default();
            json!({ "executionServerStepConfiguration": { "servers": servers } })
        }
        None => s.configuration.clone(),
    };
    let mut v = json!({
        "recoveryPlanExecutionStepArn": s.arn, "stepName": s.name, "stepIndex": index,
        "status": s.status, "configuration": configuration,
    });
    if let Some((code, message)) = &s.error {
        v["errorDetail"] = json!({ "code": code, "message": message });
    }
    if full {
        let created = s.started.unwrap_or(OffsetDateTime::UNIX_EPOCH);
        v["attempt"] = json!(1);
        v["createdAt"] = json!(iso(created));
        v["updatedAt"] = json!(iso(s.ended.or(s.started).unwrap_or(created)));
    }
    v
}

/// Checks a step configuration; `Err` says what is wrong and in which field.
fn check_configuration(
    config: &Value,
    region: &RegionState,
    account: &str,
    region_name: &str,
) -> Result<Value, (String, &'static str)> {
    match (
        config.get("serverStepConfiguration"),
        config.get("waitStepConfiguration"),
    ) {
        (Some(c), None) => {
            let servers = c
                .get("servers")
                .and_then(Value::as_array)
                .ok_or(("servers is required".to_string(), "servers"))?;
            if servers.is_empty() || servers.len() > MAX_STEP_SERVERS {
                return Err((
                    format!(
                        "servers must hold 1 to {MAX_STEP_SERVERS} items; this step has {}",
                        servers.len()
                    ),
                    "servers",
                ));
            }
            let prefix = format!("arn:aws:drs:{region_name}:{account}:source-server/");
            for s in servers {
                let arn = s
                    .get("serverArn")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                let Some(id) = arn.strip_prefix(&prefix) else {
                    return Err((
                        format!("{arn:?} is not a source server ARN of this account and region"),
                        "serverArn",
                    ));
                };
                if !region.servers.contains_key(id) {
                    return Err((format!("source server {id} does not exist"), "serverArn"));
                }
                if let Some(level) = s.get("impactLevel").and_then(Value::as_str) {
                    if level != "CRITICAL" && level != "OPTIONAL" {
                        return Err((
                            format!("impactLevel {level:?} is not CRITICAL or OPTIONAL"),
                            "impactLevel",
                        ));
                    }
                }
            }
            Ok(json!({ "serverStepConfiguration": { "servers": servers } }))
        }
        (None, Some(w)) => {
            let minutes = w
                .get("waitDurationMinutes")
                .and_then(Value::as_i64)
                .unwrap_or(0);
            if !(1..=120).contains(&minutes) {
                return Err((
                    format!("waitDurationMinutes must be 1 to 120; got {minutes}"),
                    "waitDurationMinutes",
                ));
            }
            Ok(json!({ "waitStepConfiguration": { "waitDurationMinutes": minutes } }))
        }
        _ => Err((
            "configuration needs exactly one of serverStepConfiguration and waitStepConfiguration"
                .into(),
            "configuration",
        )),
    }
}

/// Handles the recovery plan operations; `None` when `op` is not one of them.
pub(crate) fn handle(req: &Request, e: &mut Estate, account: &str, op: &str) -> Option<Response> {
    if !op.contains("RecoveryPlan") {
        return None;
    }
    let now = e.clock.now();
    let region_name = req.region.clone();
    let arn_base = format!("arn:aws:drs:{region_name}:{account}");
    let id = |e: &mut Estate, prefix: &str| format!("{prefix}{}", &e.next_id("")[..17]);
    let new_plan_id = id(e, "rp-");
    let new_step_id = id(e, "rps-");
    let region = e.region_mut(account, &region_name);
    let token = text(req, "clientToken").map(|t| format!("{op}/{t}"));
    if let Some(arn) = token
        .as_ref()
        .and_then(|t| region.native.tokens.get(t))
        .cloned()
    {
        // A repeated create: answer with what the first one created.
        return Some(match op {
            "CreateRecoveryPlan" => match region.native.plans.get(&arn) {
                Some(p) => json_ok(
                    StatusCode::CREATED,
                    &json!({ "recoveryPlan": render_plan(p, region.resource_tags.get(&arn)) }),
                    &req.request_id,
                ),
                None => not_found(req, "RECOVERY_PLAN", &arn),
            },
            "CreateRecoveryPlanStep" => match region
                .native
                .plans
                .values()
                .flat_map(|p| p.steps.iter().enumerate())
                .find(|(_, s)| s.arn == arn)
            {
                Some((i, s)) => json_ok(
                    StatusCode::CREATED,
                    &json!({ "recoveryPlanStep": render_step(s, i + 1) }),
                    &req.request_id,
                ),
                None => not_found(req, "RECOVERY_PLAN_STEP", &arn),
            },
            _ => match region.native.executions.get(&arn) {
                Some(x) => json_ok(
                    StatusCode::CREATED,
                    &json!({ "recoveryPlanExecution": render_execution(x, region.resource_tags.get(&arn), true) }),
                    &req.request_id,
                ),
                None => not_found(req, "RECOVERY_PLAN_EXECUTION", &arn),
            },
        });
    }
    let plan_arn = text(req, "recoveryPlanArn").unwrap_or_default().to_string();
    let response = match op {
        "CreateRecoveryPlan" => {
            let name = text(req, "name").unwrap_or_default();
            if !valid_name(name) {
                return Some(validation(
                    req,
                    &format!("name {name:?} must be 1-256 letters, digits, spaces, _ or -, starting with a letter or digit"),
                    "name",
                ));
            }
            if region.native.plans.values().any(|p| p.name == name) {
                return Some(conflict(
                    req,
                    &format!("A recovery plan named {name:?} already exists"),
                    name,
                ));
            }
            let arn = format!("{arn_base}:recovery-plan/{new_plan_id}");
            let plan = Plan {
                arn: arn.clone(),
                name: name.to_string(),
                description: text(req, "description").unwrap_or_default().to_string(),
                created: now,
                updated: now,
                steps: Vec::new(),
            };
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
            let body = json!({ "recoveryPlan": render_plan(&plan, Some(&tags)) });
            region.resource_tags.insert(arn.clone(), tags);
            region.native.plans.insert(arn.clone(), plan);
            if let Some(t) = token {
                region.native.tokens.insert(t, arn);
            }
            json_ok(StatusCode::CREATED, &body, &req.request_id)
        }
        "GetRecoveryPlan" => match region.native.plans.get(&plan_arn) {
            Some(p) => json_ok(
                StatusCode::OK,
                &json!({ "recoveryPlan": render_plan(p, Some(region.resource_tags.get(&plan_arn).unwrap_or(&BTreeMap::new()))) }),
                &req.request_id,
            ),
            None => not_found(req, "RECOVERY_PLAN", &plan_arn),
        },
        "ListRecoveryPlans" => paged(
            req,
            "recoveryPlans",
            region
                .native
                .plans
                .values()
                .map(|p| {
                    let mut v = render_plan(p, None);
                    if let Some(o) = v.as_object_mut() {
                        o.remove("description");
                    }
                    v
                })
                .collect(),
        ),
        "UpdateRecoveryPlan" => {
            let Some(p) = region.native.plans.get_mut(&plan_arn) else {
                return Some(not_found(req, "RECOVERY_PLAN", &plan_arn));
            };
            if let Some(name) = text(req, "name") {
                if !valid_name(name) {
                    return Some(validation(
                        req,
                        &format!("name {name:?} is not a valid recovery plan name"),
                        "name",
                    ));
                }
                p.name = name.to_string();
            }
            if let Some(d) = text(req, "description") {
                p.description = d.to_string();
            }
            p.updated = now;
            let p = p.clone();
            json_ok(
                StatusCode::OK,
                &json!({ "recoveryPlan": render_plan(&p, region.resource_tags.get(&plan_arn)) }),
                &req.request_id,
            )
        }
        "DeleteRecoveryPlan" => {
            if !region.native.plans.contains_key(&plan_arn) {
                return Some(not_found(req, "RECOVERY_PLAN", &plan_arn));
            }
            if region
                .native
                .executions
                .values()
                .any(|x| x.plan_arn == plan_arn && x.completed.is_none())
            {
                return Some(conflict(
                    req,
                    "The recovery plan has an execution in progress",
                    &plan_arn,
                ));
            }
            region.native.plans.remove(&plan_arn);
            region.resource_tags.remove(&plan_arn);
            json_ok(
                StatusCode::OK,
                &json!({ "recoveryPlanArn": plan_arn }),
                &req.request_id,
            )
        }
        "CreateRecoveryPlanStep" => {
            let config = match check_configuration(
                req.json.get("configuration").unwrap_or(&Value::Null),
                region,
                account,
                &region_name,
            ) {
                Ok(c) => c,
                Err((m, f)) => return Some(validation(req, &m, f)),
            };
            let name = text(req, "stepName").unwrap_or_default().to_string();
            if !valid_name(&name) {
                return Some(validation(
                    req,
                    &format!("stepName {name:?} is not a valid step name"),
                    "stepName",
                ));
            }
            let Some(p) = region.native.plans.get_mut(&plan_arn) else {
                return Some(not_found(req, "RECOVERY_PLAN", &plan_arn));
            };
            if p.steps.len() >= MAX_STEPS {
                return Some(json_error_with(
                    StatusCode::PAYMENT_REQUIRED,
                    "ServiceQuotaExceededException",
                    &format!("A recovery plan may have at most {MAX_STEPS} steps"),
                    &req.request_id,
                    json!({ "serviceCode": "drs", "quotaCode": "L-PLAN-STEPS", "resourceType": "RECOVERY_PLAN_STEP" }),
                ));
            }
            let order = req
                .json
                .get("stepOrder")
                .and_then(Value::as_u64)
                .map(|o| o as usize);
            let at = match order {
                Some(o) if o >= 1 && o <= p.steps.len() + 1 => o - 1,
                Some(o) => {
                    return Some(validation(
                        req,
                        &format!("stepOrder {o} is out of range 1..{}", p.steps.len() + 1),
                        "stepOrder",
                    ))
                }
                None => p.steps.len(),
            };
            let step = PlanStep {
                arn: format!("{arn_base}:recovery-plan-step/{new_step_id}"),
                name,
                configuration: config,
                created: now,
                updated: now,
            };
            let body = json!({ "recoveryPlanStep": render_step(&step, at + 1) });
            if let Some(t) = token {
                region.native.tokens.insert(t, step.arn.clone());
            }
            p.steps.insert(at, step);
            p.updated = now;
            json_ok(StatusCode::CREATED, &body, &req.request_id)
        }
        "GetRecoveryPlanStep" | "UpdateRecoveryPlanStep" | "DeleteRecoveryPlanStep" => {
            let step_arn = text(req, "recoveryPlanStepArn")
                .unwrap_or_default()
                .to_string();
            let checked = match req.json.get("configuration") {
                Some(c) if op == "UpdateRecoveryPlanStep" => {
                    match check_configuration(c, region, account, &region_name) {
                        Ok(c) => Some(c),
                        Err((m, f)) => return Some(validation(req, &m, f)),
                    }
                }
                _ => None,
            };
            let Some(p) = region
                .native
                .plans
                .values_mut()
                .find(|p| p.steps.iter().any(|s| s.arn == step_arn))
            else {
                return Some(not_found(req, "RECOVERY_PLAN_STEP", &step_arn));
            };
            let i = p.steps.iter().position(|s| s.arn == step_arn).unwrap_or(0);
            match op {
                "DeleteRecoveryPlanStep" => {
                    p.steps.remove(i);
                    p.updated = now;
                    json_ok(
                        StatusCode::OK,
                        &json!({ "recoveryPlanStepArn": step_arn }),
                        &req.request_id,
                    )
                }
                "UpdateRecoveryPlanStep" => {
                    if let Some(name) = text(req, "stepName") {
                        if !valid_name(name) {
                            return Some(validation(
                                req,
                                &format!("stepName {name:?} is not a valid step name"),
                                "stepName",
                            ));
                        }
                        p.steps[i].name = name.to_string();
                    }
                    if let Some(c) = checked {
                        p.steps[i].configuration = c;
                    }
                    p.steps[i].updated = now;
                    p.updated = now;
                    json_ok(
                        StatusCode::OK,
                        &json!({ "recoveryPlanStep": render_step(&p.steps[i], i + 1) }),
                        &req.request_id,
                    )
                }
                _ => json_ok(
                    StatusCode::OK,
                    &json!({ "recoveryPlanStep": render_step(&p.steps[i], i + 1) }),
                    &req.request_id,
                ),
            }
        }
        "ListRecoveryPlanSteps" => match region.native.plans.get(&plan_arn) {
            Some(p) => paged(
                req,
                "recoveryPlanSteps",
                p.steps
                    .iter()
                    .enumerate()
                    .map(|(i, s)| render_step(s, i + 1))
                    .collect(),
            ),
            None => not_found(req, "RECOVERY_PLAN", &plan_arn),
        },
        "ReorderRecoveryPlanSteps" => {
            let Some(p) = region.native.plans.get_mut(&plan_arn) else {
                return Some(not_found(req, "RECOVERY_PLAN", &plan_arn));
            };
            let order: Vec<String> = req
                .json
                .get("orderedStepArns")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default();
            let mut current: Vec<String> = p.steps.iter().map(|s| s.arn.clone()).collect();
            let mut wanted = order.clone();
            current.sort();
            wanted.sort();
            if current != wanted {
                return Some(validation(
                    req,
                    "orderedStepArns must list every step of the plan once",
                    "orderedStepArns",
                ));
            }
            p.steps
                .sort_by_key(|s| order.iter().position(|a| a == &s.arn));
            p.updated = now;
            paged(
                req,
                "recoveryPlanSteps",
                p.steps
                    .iter()
                    .enumerate()
                    .map(|(i, s)| render_step(s, i + 1))
                    .collect(),
            )
        }
        "StartRecoveryPlanExecution" => {
            let mode = text(req, "mode").unwrap_or_default();
            if mode != "DRILL" && mode != "RECOVERY" {
                return Some(validation(
                    req,
                    &format!("mode {mode:?} must be DRILL or RECOVERY"),
                    "mode",
                ));
            }
            let Some(p) = region.native.plans.get(&plan_arn) else {
                return Some(not_found(req, "RECOVERY_PLAN", &plan_arn));
            };
            if p.steps.is_empty() {
                return Some(validation(
                    req,
                    "The recovery plan has no steps",
                    "recoveryPlanArn",
                ));
            }
            if region
                .native
                .executions
                .values()
                .any(|x| x.plan_arn == plan_arn && x.completed.is_none())
            {
                return Some(conflict(
                    req,
                    "The recovery plan already has an execution in progress",
                    &plan_arn,
                ));
            }
            let exec_arn = format!(
                "{arn_base}:recovery-plan-execution/rpe-{}",
                &new_plan_id[3..]
            );
            let steps = p
                .steps
                .iter()
                .enumerate()
                .map(|(i, s)| ExecutionStep {
                    arn: format!("{exec_arn}/step/{}", i + 1),
                    name: s.name.clone(),
                    configuration: s.configuration.clone(),
                    status: "NOT_STARTED",
                    started: None,
                    ended: None,
                    job_id: None,
                    error: None,
                })
                .collect();
            let x = Execution {
                arn: exec_arn.clone(),
                plan_arn: plan_arn.clone(),
                drill: mode == "DRILL",
                status: "IN_PROGRESS",
                started: now,
                completed: None,
                error: None,
                steps,
            };
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
            let body = json!({ "recoveryPlanExecution": render_execution(&x, Some(&tags), true) });
            region.resource_tags.insert(exec_arn.clone(), tags);
            region.native.executions.insert(exec_arn.clone(), x);
            if let Some(t) = token {
                region.native.tokens.insert(t, exec_arn);
            }
            json_ok(StatusCode::ACCEPTED, &body, &req.request_id)
        }
        "GetRecoveryPlanExecution"
        | "CancelRecoveryPlanExecution"
        | "DeleteRecoveryPlanExecution"
        | "ListRecoveryPlanExecutionSteps" => {
            let arn = text(req, "recoveryPlanExecutionArn")
                .unwrap_or_default()
                .to_string();
            let tags = region.resource_tags.get(&arn).cloned().unwrap_or_default();
            let Some(x) = region.native.executions.get_mut(&arn) else {
                return Some(not_found(req, "RECOVERY_PLAN_EXECUTION", &arn));
            };
            match op {
                "CancelRecoveryPlanExecution" => {
                    if x.completed.is_some() {
                        return Some(conflict(req, "The execution has already ended", &arn));
                    }
                    x.status = "CANCELLED";
                    x.completed = Some(now);
                    for s in x.steps.iter_mut().filter(|s| !s.is_final()) {
                        s.status = "SKIPPED";
                        s.ended = Some(now);
                    }
                    json_ok(
                        StatusCode::OK,
                        &json!({ "recoveryPlanExecution": render_execution(x, Some(&tags), true) }),
                        &req.request_id,
                    )
                }
                "DeleteRecoveryPlanExecution" => {
                    if x.completed.is_none() {
                        return Some(conflict(req, "The execution has not ended", &arn));
                    }
                    region.native.executions.remove(&arn);
                    region.resource_tags.remove(&arn);
                    json_ok(
                        StatusCode::OK,
                        &json!({ "recoveryPlanExecutionArn": arn }),
                        &req.request_id,
                    )
                }
                "ListRecoveryPlanExecutionSteps" => {
                    let wanted = req.json.pointer("/filter/status").and_then(Value::as_str);
                    let items = x
                        .steps
                        .iter()
                        .enumerate()
                        .filter(|(_, s)| wanted.is_none_or(|w| w == s.status))
                        .map(|(i, s)| render_execution_step(s, i + 1, false))
                        .collect();
                    paged(req, "recoveryPlanExecutionSteps", items)
                }
                _ => json_ok(
                    StatusCode::OK,
                    &json!({ "recoveryPlanExecution": render_execution(x, Some(&tags), true) }),
                    &req.request_id,
                ),
            }
        }
        "GetRecoveryPlanExecutionStep" => {
            let arn = text(req, "recoveryPlanExecutionStepArn")
                .unwrap_or_default()
                .to_string();
            match region
                .native
                .executions
                .values()
                .flat_map(|x| x.steps.iter().enumerate())
                .find(|(_, s)| s.arn == arn)
            {
                Some((i, s)) => json_ok(
                    StatusCode::OK,
                    &json!({ "recoveryPlanExecutionStep": render_execution_step(s, i + 1, true) }),
                    &req.request_id,
                ),
                None => not_found(req, "RECOVERY_PLAN_EXECUTION_STEP", &arn),
            }
        }
        "ListRecoveryPlanExecutions" => {
            let status = text(req, "status");
            let mut list: Vec<&Execution> = region
                .native
                .executions
                .values()
                .filter(|x| plan_arn.is_empty() || x.plan_arn == plan_arn)
                .filter(|x| status.is_none_or(|s| s == x.status))
                .collect();
            list.sort_by_key(|x| std::cmp::Reverse(x.started));
            let items = list
                .into_iter()
                .map(|x| render_execution(x, None, false))
                .collect();
            paged(req, "recoveryPlanExecutions", items)
        }
        _ => return None,
    };
    Some(response)
}

/// Moves every unfinished execution of `region` on to `now`, starting the jobs of SERVER steps
/// at the moment the step before them ended. True when a job was started (the jobs must then be
/// brought up to `now` too).
pub(crate) fn advance(
    region: &mut RegionState,
    account: &str,
    region_name: &str,
    now: OffsetDateTime,
    runbook: &LaunchRunbook<'_>,
) -> bool {
    let mut started_job = false;
    let arns: Vec<String> = region
        .native
        .executions
        .iter()
        .filter(|(_, x)| x.completed.is_none())
        .map(|(a, _)| a.clone())
        .collect();
    for arn in arns {
        let Some(mut x) = region.native.executions.get(&arn).cloned() else {
            continue;
        };
        loop {
            let Some(i) = x.steps.iter().position(|s| !s.is_final()) else {
                x.status = "COMPLETED";
                x.completed = Some(x.steps.iter().filter_map(|s| s.ended).max().unwrap_or(now));
                break;
            };
            let begin = if i == 0 {
                x.started
            } else {
                x.steps[i - 1].ended.unwrap_or(x.started)
            };
            if begin > now {
                break;
            }
            let step = &mut x.steps[i];
            match step.status {
                "NOT_STARTED" => {
                    step.started = Some(begin);
                    if let Some(c) = step.configuration.get("serverStepConfiguration") {
                        let ids: Vec<String> = c
                            .get("servers")
                            .and_then(Value::as_array)
                            .map(|l| {
                                l.iter()
                                    .filter_map(|v| v.get("serverArn").and_then(Value::as_str))
                                    .filter_map(|a| a.rsplit('/').next().map(str::to_string))
                                    .collect()
                            })
                            .unwrap_or_default();
                        let busy = ids.iter().find(|id| {
                            region.jobs.values().any(|j| {
                                j.active(begin)
                                    && j.servers.iter().any(|p| &p.source_server_id == *id)
                            })
                        });
                        if let Some(id) = busy {
                            step.status = "FAILED";
                            step.ended = Some(begin);
                            step.error = Some((
                                "CONFLICT".into(),
                                format!("Source server {id} is already part of an active job"),
                            ));
                        } else {
                            let job_id = format!(
                                "drsjob-{:017x}",
                                fnv(&step.arn) & 0xfff_ffff_ffff_ffff_u128
                            );
                            let job = launch_job(
                                region,
                                runbook,
                                &ids,
                                x.drill,
                                BTreeMap::new(),
                                begin,
                                (
                                    job_id.clone(),
                                    format!("arn:aws:drs:{region_name}:{account}:job/{job_id}"),
                                ),
                            );
                            region.jobs.insert(job_id.clone(), job);
                            region.record_peaks(begin);
                            step.job_id = Some(job_id);
                            step.status = "EXECUTING";
                            started_job = true;
                            // The job has to catch up with `now` before the step can end.
                            break;
                        }
                    } else {
                        step.status = "WAITING";
                    }
                }
                "WAITING" => {
                    let minutes = step
                        .configuration
                        .pointer("/waitStepConfiguration/waitDurationMinutes")
                        .and_then(Value::as_i64)
                        .unwrap_or(1);
                    let until = step.started.unwrap_or(begin) + Duration::minutes(minutes);
                    if now < until {
                        break;
                    }
                    step.status = "COMPLETED";
                    step.ended = Some(until);
                }
                _ => {
                    // EXECUTING: ends with its job.
                    let job = step.job_id.as_ref().and_then(|j| region.jobs.get(j));
                    if let Some(job) = job {
                        let Some(ended) = job.ended else { break };
                        let critical: Vec<String> = step
                            .configuration
                            .pointer("/serverStepConfiguration/servers")
                            .and_then(Value::as_array)
                            .map(|l| {
                                l.iter()
                                    .filter(|v| {
                                        v.get("impactLevel").and_then(Value::as_str)
                                            != Some("OPTIONAL")
                                    })
                                    .filter_map(|v| v.get("serverArn").and_then(Value::as_str))
                                    .filter_map(|a| a.rsplit('/').next().map(str::to_string))
                                    .collect()
                            })
                            .unwrap_or_default();
                        let failed: Vec<&str> = job
                            .servers
                            .iter()
                            .filter(|p| {
                                matches!(p.outcome, Some(crate::jobs::Outcome::Failed { .. }))
                            })
                            .map(|p| p.source_server_id.as_str())
                            .filter(|id| critical.iter().any(|c| c == id))
                            .collect();
                        step.ended = Some(ended);
                        if failed.is_empty() {
                            step.status = "COMPLETED";
                        } else {
                            step.status = "FAILED";
                            step.error = Some((
                                "LAUNCH_FAILED".into(),
                                format!(
                                    "Critical source servers failed to launch: {}",
                                    failed.join(", ")
                                ),
                            ));
                        }
                    } else {
                        step.status = "FAILED";
                        step.ended = Some(now);
                        step.error =
                            Some(("JOB_NOT_FOUND".into(), "the step's job is gone".into()));
                    }
                }
            }
            if x.steps[i].status == "FAILED" {
                let why = x.steps[i].error.clone().unwrap_or_default();
                let ended = x.steps[i].ended.unwrap_or(now);
                for s in x.steps.iter_mut().skip(i + 1) {
                    s.status = "SKIPPED";
                }
                x.status = "FAILED";
                x.completed = Some(ended);
                x.error = Some((
                    "STEP_FAILED".into(),
                    format!("Step {} ({}) failed: {}", i + 1, x.steps[i].name, why.1),
                ));
                break;
            }
        }
        region.native.executions.insert(arn, x);
    }
    started_job
}

fn fnv(s: &str) -> u128 {
    s.bytes()
        .fold(0x6c62_272e_07bb_0142_62b8_2175_6295_c58d_u128, |h, b| {
            (h ^ u128::from(b)).wrapping_mul(0x0000_0000_0100_0000_0000_0000_0000_013b)
        })
}

impl NativeState {
    /// Whether an execution is unfinished (the estate then needs advancing).
    pub fn running(&self) -> bool {
        self.executions.values().any(|x| x.completed.is_none())
    }
}
