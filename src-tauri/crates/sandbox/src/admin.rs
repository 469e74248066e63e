//! Admin endpoints for tests and benchmarks: `/_sandbox/stats` (calls per operation, throttled
//! and failed counts), `/_sandbox/reset` (back to the scenario, counters and the fault
//! generator reset), `/_sandbox/state` (what the simulation holds), `/_sandbox/clock` (the
//! simulated now and time scale), and fault hooks: `/_sandbox/refuse/…`,
//! `/_sandbox/lose-answer/…`, `/_sandbox/disconnect/…`, `/_sandbox/reverse-sync-stuck/…`,
//! `/_sandbox/delete-instance/…`.

use crate::faults::Fault;
use crate::protocol::json_ok;
use crate::Shared;
use axum::http::{Method, StatusCode};
use axum::response::Response;
use serde::Serialize;
use std::collections::BTreeMap;

/// Counters per `service:Operation`.
#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Stats {
    /// Every request that reached an operation, by `service:Operation`.
    pub calls: BTreeMap<String, u64>,
    /// Requests answered with an injected throttle.
    pub throttled: BTreeMap<String, u64>,
    /// Requests answered with an injected 5xx.
    pub injected_errors: BTreeMap<String, u64>,
    /// Requests the operation itself refused (4xx/5xx).
    pub failed: BTreeMap<String, u64>,
    /// Requests carried out whose answer was then lost (a 500 instead).
    pub lost_answers: BTreeMap<String, u64>,
    /// Total requests.
    pub total: u64,
}

impl Stats {
    pub(crate) fn lost(&mut self, service: &str, op: &str) {
        *self
            .lost_answers
            .entry(format!("{service}:{op}"))
            .or_default() += 1;
    }

    pub(crate) fn record(&mut self, service: &str, op: &str, fault: Option<Fault>, failed: bool) {
        let key = format!("{service}:{op}");
        self.total += 1;
        *self.calls.entry(key.clone()).or_default() += 1;
        match fault {
            Some(Fault::Throttle) => *self.throttled.entry(key).or_default() += 1,
            Some(Fault::ServerError) => *self.injected_errors.entry(key).or_default() += 1,
            None if failed => *self.failed.entry(key).or_default() += 1,
            None => {}
        }
    }
}

/// Whether an admin request carries this run's token (`x-sandbox-token` or `?token=`).
pub(crate) fn authorised(
    token: &str,
    headers: &axum::http::HeaderMap,
    uri: &axum::http::Uri,
) -> bool {
    let header = headers.get("x-sandbox-token").and_then(|v| v.to_str().ok());
    let query = uri
        .query()
        .and_then(|q| q.split('&').find_map(|kv| kv.strip_prefix("token=")));
    header.or(query) == Some(token)
}

/// The answer to an admin request without the token.
pub(crate) fn forbidden() -> Response {
    use axum::response::IntoResponse;
    (
        StatusCode::FORBIDDEN,
        "the sandbox's admin endpoints need this run's token (`x-sandbox-token` header or \
         `?token=`); `drs-orchestrator sandbox serve` prints it",
    )
        .into_response()
}

pub(crate) fn handle(shared: &Shared, method: &Method, path: &str) -> Response {
    match (method, path) {
        (&Method::GET, "/_sandbox/stats") => {
            let body = match shared.stats.lock() {
                Ok(s) => serde_json::to_value(&*s).unwrap_or_default(),
                Err(_) => serde_json::json!({}),
            };
            json_ok(StatusCode::OK, &body, "admin")
        }
        (&Method::POST, "/_sandbox/stats/clear") => {
            // Counters only (a benchmark measures one phase).
            if let Ok(mut s) = shared.stats.lock() {
                *s = Stats::default();
            }
            json_ok(
                StatusCode::OK,
                &serde_json::json!({ "cleared": true }),
                "admin",
            )
        }
        (&Method::POST, "/_sandbox/reset") => {
            if let Ok(mut s) = shared.stats.lock() {
                *s = Stats::default();
            }
            if let Ok(mut r) = shared.refusals.lock() {
                r.clear();
            }
            if let Ok(mut l) = shared.lost_answers.lock() {
                l.clear();
            }
            shared.faults.reset();
            if let Ok(mut e) = shared.estate.lock() {
                *e = crate::estate::Estate::new(
                    &shared.config.scenario,
                    shared.config.time_scale,
                    shared.config.seed,
                );
            }
            json_ok(
                StatusCode::OK,
                &serde_json::json!({ "reset": true }),
                "admin",
            )
        }
        (&Method::POST, p) if p.starts_with("/_sandbox/refuse/") => {
            // Refuse one operation on one resource from now on (a launch template ID or a
            // source server ID; `*`: on anything, as an IAM policy without the action), until
            // reset.
            let rest = p.trim_start_matches("/_sandbox/refuse/");
            match rest.split_once('/') {
                Some((op, resource)) if !op.is_empty() && !resource.is_empty() => {
                    if let Ok(mut r) = shared.refusals.lock() {
                        r.push((op.to_string(), resource.to_string()));
                    }
                    json_ok(
                        StatusCode::OK,
                        &serde_json::json!({ "refused": op, "resource": resource }),
                        "admin",
                    )
                }
                _ => json_ok(
                    StatusCode::BAD_REQUEST,
                    &serde_json::json!({ "message": "use POST /_sandbox/refuse/{Operation}/{resourceId}" }),
                    "admin",
                ),
            }
        }
        (&Method::POST, p) if p.starts_with("/_sandbox/lose-answer/") => {
            // The next N answers of an operation are lost: carried out, then a 500.
            let rest = p.trim_start_matches("/_sandbox/lose-answer/");
            let (op, count) = match rest.split_once('/') {
                Some((op, n)) => (op, n.parse::<u32>().ok()),
                None => (rest, Some(1)),
            };
            match count {
                Some(n) if !op.is_empty() => {
                    if let Ok(mut l) = shared.lost_answers.lock() {
                        *l.entry(op.to_string()).or_default() += n;
                    }
                    json_ok(
                        StatusCode::OK,
                        &serde_json::json!({ "loseAnswers": op, "count": n }),
                        "admin",
                    )
                }
                _ => json_ok(
                    StatusCode::BAD_REQUEST,
                    &serde_json::json!({ "message": "use POST /_sandbox/lose-answer/{Operation}[/{count}]" }),
                    "admin",
                ),
            }
        }
        (&Method::GET, "/_sandbox/clock") => {
            // The simulated clock, so an execution on the sandbox can live on it.
            // Sub-second precision: an execution's clock is set from it.
            let now = shared.with_estate(|e| {
                e.clock
                    .now()
                    .format(&time::format_description::well_known::Rfc3339)
                    .unwrap_or_default()
            });
            json_ok(
                StatusCode::OK,
                &serde_json::json!({ "now": now, "timeScale": shared.config.time_scale }),
                "admin",
            )
        }
        (&Method::POST, p) if p.starts_with("/_sandbox/disconnect/") => {
            // The agent of a source server stops talking to DRS: replication disconnects, the
            // agent is last seen an hour ago and DRS reports AGENT_NOT_SEEN.
            let id = p.trim_start_matches("/_sandbox/disconnect/").to_string();
            let found = shared.with_estate(|e| e.disconnect_agent(&id));
            if found {
                json_ok(
                    StatusCode::OK,
                    &serde_json::json!({ "disconnected": id }),
                    "admin",
                )
            } else {
                json_ok(
                    StatusCode::NOT_FOUND,
                    &serde_json::json!({ "message": format!("no source server {id}") }),
                    "admin",
                )
            }
        }
        (&Method::POST, p) if p.starts_with("/_sandbox/ssm-agent-offline/") => {
            // The SSM agent of an instance (or of a source server's recovered instances) never
            // comes online.
            let id = p
                .trim_start_matches("/_sandbox/ssm-agent-offline/")
                .to_string();
            shared.with_estate(|e| e.runbook.agents_offline.insert(id.clone()));
            json_ok(
                StatusCode::OK,
                &serde_json::json!({ "agentOffline": id }),
                "admin",
            )
        }
        (&Method::POST, p) if p.starts_with("/_sandbox/automation-timeout/") => {
            // Automations of this document time out instead of succeeding.
            let doc = p
                .trim_start_matches("/_sandbox/automation-timeout/")
                .to_string();
            shared.with_estate(|e| e.runbook.automation_timeouts.insert(doc.clone()));
            json_ok(
                StatusCode::OK,
                &serde_json::json!({ "automationTimesOut": doc }),
                "admin",
            )
        }
        (&Method::POST, p) if p.starts_with("/_sandbox/launch-action-fails/") => {
            // Post-launch actions running this SSM document fail.
            let doc = p
                .trim_start_matches("/_sandbox/launch-action-fails/")
                .to_string();
            shared.with_estate(|e| e.runbook.failing_actions.insert(doc.clone()));
            json_ok(
                StatusCode::OK,
                &serde_json::json!({ "launchActionFails": doc }),
                "admin",
            )
        }
        (&Method::POST, p) if p.starts_with("/_sandbox/reverse-sync-stuck/") => {
            // The reversed replication of this source server (by name or ID, in either
            // direction) never finishes its initial sync.
            let id = p
                .trim_start_matches("/_sandbox/reverse-sync-stuck/")
                .to_string();
            shared.with_estate(|e| e.stuck_syncs.insert(id.clone()));
            json_ok(
                StatusCode::OK,
                &serde_json::json!({ "syncStuck": id }),
                "admin",
            )
        }
        (&Method::POST, p) if p.starts_with("/_sandbox/delete-instance/") => {
            // An EC2 instance (in any account and region) is terminated outside DRS: an
            // original instance that is gone by the time of a failback.
            let id = p
                .trim_start_matches("/_sandbox/delete-instance/")
                .to_string();
            let found = shared.with_estate(|e| {
                let mut found = false;
                for a in e.accounts.values_mut() {
                    for r in a.regions.values_mut() {
                        if let Some(i) = r.instances.get_mut(&id) {
                            i.state = "terminated".into();
                            found = true;
                        }
                    }
                }
                found
            });
            json_ok(
                if found {
                    StatusCode::OK
                } else {
                    StatusCode::NOT_FOUND
                },
                &serde_json::json!({ "terminated": id, "found": found }),
                "admin",
            )
        }
        (&Method::GET, "/_sandbox/runbook") => {
            // What SSM and Route 53 hold: commands, automations, records.
            let body = shared.with_estate(|e| {
                serde_json::json!({
                    "commands": e.runbook.commands.values().map(|c| serde_json::json!({
                        "id": c.id, "document": c.document, "comment": c.comment,
                        "instances": c.invocations.iter().map(|i| i.instance_id.clone()).collect::<Vec<_>>(),
                    })).collect::<Vec<_>>(),
                    "automations": e.runbook.automations.values().map(|a| serde_json::json!({
                        "id": a.id, "document": a.document,
                    })).collect::<Vec<_>>(),
                    "records": e.runbook.zones.iter().flat_map(|(id, z)| z.records.iter().map(move |((n, t), r)| serde_json::json!({
                        "zone": id, "name": n, "type": t, "values": r.values,
                    }))).collect::<Vec<_>>(),
                })
            });
            json_ok(StatusCode::OK, &body, "admin")
        }
        (&Method::GET, "/_sandbox/state") => {
            let body = shared.with_estate(|e| e.summary());
            json_ok(StatusCode::OK, &body, "admin")
        }
        _ => json_ok(
            StatusCode::NOT_FOUND,
            &serde_json::json!({ "message": format!("no admin endpoint {method} {path}; try GET /_sandbox/stats, POST /_sandbox/reset, GET /_sandbox/state, GET /_sandbox/clock, POST /_sandbox/refuse/{{Operation}}/{{resourceId}}, POST /_sandbox/lose-answer/{{Operation}}[/{{count}}], POST /_sandbox/disconnect/{{sourceServerId}}, POST /_sandbox/ssm-agent-offline/{{instanceOrServerId}}, POST /_sandbox/automation-timeout/{{DocumentName}}, POST /_sandbox/launch-action-fails/{{DocumentName}}, POST /_sandbox/reverse-sync-stuck/{{nameOrSourceServerId}}, POST /_sandbox/delete-instance/{{instanceId}}, GET /_sandbox/runbook") }),
            "admin",
        ),
    }
}
