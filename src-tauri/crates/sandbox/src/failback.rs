//! DRS failback between two AWS regions, as the sandbox simulates it (see
//! `docs/failback.md` for what it follows from the DRS documentation):
//!
//! - `ReverseReplication` on a recovery instance in the recovery region creates a source server
//!   in the origin region (`replicationDirection=FAILBACK`, found by the recovery instance's
//!   EC2 ID as `hardwareId`) whose initial sync runs for a seeded while, then replicates
//!   continuously; when the origin region's default launch settings say
//!   `launchIntoSourceInstance`, it launches into the original instance.
//! - `ReverseReplication` on the failed-back instance in the origin region re-points the
//!   original source server (no new one), which syncs again and then protects the instance.
//! - A failback source server lags 6 minutes while its recovery instance runs and 2 s once it
//!   is stopped.
//! - `StopReplication` stops a source server; a recovery instance whose reversed source server
//!   still replicates cannot be terminated.
//! - `DescribeLaunchConfigurationTemplates` / `UpdateLaunchConfigurationTemplate` hold one
//!   template per region with `launchIntoSourceInstance`.

use crate::estate::Estate;
use crate::protocol::{json_error, json_ok, Request};
use crate::scenario::ServerSpec;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{json, Value};
use std::collections::BTreeMap;

fn validation(req: &Request, message: &str, field: &str) -> Response {
    crate::protocol::json_error_with(
        StatusCode::BAD_REQUEST,
        "ValidationException",
        message,
        &req.request_id,
        json!({ "reason": "other", "fieldList": [{ "name": field, "message": message }] }),
    )
}

fn conflict(req: &Request, message: &str) -> Response {
    json_error(
        StatusCode::CONFLICT,
        "ConflictException",
        message,
        &req.request_id,
    )
}

fn not_found(req: &Request, message: &str) -> Response {
    json_error(
        StatusCode::NOT_FOUND,
        "ResourceNotFoundException",
        message,
        &req.request_id,
    )
}

/// The source server ID at the end of an ARN.
pub(crate) fn id_of_arn(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}

/// The region of a DRS ARN.
fn region_of_arn(arn: &str) -> &str {
    arn.split(':').nth(3).unwrap_or("")
}

/// When an initial sync that starts now ends: a seeded 8–25 simulated minutes, or never for a
/// server named in the `stuck_syncs` fault.
fn sync_end(e: &Estate, names: &[&str]) -> Option<time::OffsetDateTime> {
    if names.iter().any(|n| e.stuck_syncs.contains(*n)) {
        return None;
    }
    let now = e.clock.now();
    Some(now + crate::drs::planned(e.seed, names.first().copied().unwrap_or(""), 7, 480, 1500))
}

/// `ReverseReplication` in `region` (where the recovery instance is).
pub(crate) fn reverse_replication(req: &Request, e: &mut Estate, account: &str) -> Response {
    let Some(ri_id) = req.json.get("recoveryInstanceID").and_then(Value::as_str) else {
        return validation(req, "recoveryInstanceID is required", "recoveryInstanceID");
    };
    let here = req.region.clone();
    let now = e.clock.now();
    let region = e.region_mut(account, &here);
    let Some(ri) = region.recovery_instances.get(ri_id).cloned() else {
        return not_found(req, &format!("Recovery instance {ri_id} not found"));
    };
    if ri.is_drill {
        return validation(
            req,
            "Cannot reverse replication of a drill instance",
            "recoveryInstanceID",
        );
    }
    let Some(source) = region.servers.get(&ri.source_server_id).cloned() else {
        return not_found(
            req,
            &format!("Source server {} not found", ri.source_server_id),
        );
    };
    let source_arn = format!(
        "arn:aws:drs:{here}:{account}:source-server/{}",
        ri.source_server_id
    );
    if source.direction == "FAILBACK" {
        // A failed-back instance in the origin region: the original source server protects it
        // again.
        let Some(original_arn) = source.reversed_arn.clone() else {
            return validation(
                req,
                "The source server of this recovery instance has no source server in the opposite direction",
                "recoveryInstanceID",
            );
        };
        let other_region = region_of_arn(&original_arn).to_string();
        let original_id = id_of_arn(&original_arn).to_string();
        let name = source.spec.name.clone();
        let end = sync_end(e, &[&name, &original_id, ri_id]);
        let other = e.region_mut(account, &other_region);
        let Some(original) = other.servers.get_mut(&original_id) else {
            return not_found(req, &format!("Source server {original_id} not found"));
        };
        if original.spec.origin_instance_id.as_deref() == Some(ri.ec2_instance_id.as_str())
            && original.spec.replication_state != "STOPPED"
        {
            return conflict(
                req,
                &format!(
                    "Replication from recovery instance {ri_id} to source server {original_id} was already started"
                ),
            );
        }
        original.spec.origin_instance_id = Some(ri.ec2_instance_id.clone());
        original.spec.origin_region = Some(here.clone());
        original.spec.replication_state = "CONTINUOUS".into();
        original.spec.lag = "PT3S".into();
        original.spec.replication_error = None;
        original.spec.raw_error = None;
        original.spec.last_seen_seconds_ago = 4;
        original.direction = "FAILOVER".into();
        original.reversed_arn = Some(source_arn);
        original.sync = Some((now, end));
        return json_ok(
            StatusCode::OK,
            &json!({ "reversedDirectionSourceServerArn": original_arn }),
            &req.request_id,
        );
    }
    let Some(origin_region) = source.spec.origin_region.clone() else {
        return validation(
            req,
            "Reversed replication applies only to source servers that run in AWS",
            "recoveryInstanceID",
        );
    };
    // Already reversed from this instance and still replicating: a conflict.
    if let Some(arn) = &source.reversed_arn {
        let existing = e
            .region_mut(account, region_of_arn(arn))
            .servers
            .get(id_of_arn(arn))
            .cloned();
        if let Some(x) = existing {
            if x.spec.origin_instance_id.as_deref() == Some(ri.ec2_instance_id.as_str())
                && x.spec.replication_state != "STOPPED"
            {
                return conflict(
                    req,
                    &format!(
                        "Reversed replication of recovery instance {ri_id} was already started (source server {})",
                        id_of_arn(arn)
                    ),
                );
            }
        }
    }
    let original_instance = source.spec.origin_instance_id.clone();
    let origin = e.region_mut(account, &origin_region);
    let launch_into = if origin.launch_into_source {
        match original_instance
            .as_ref()
            .and_then(|i| origin.instances.get(i))
            .filter(|i| i.state != "terminated")
        {
            Some(i) => {
                if i.tags.get("AWSDRS").map(String::as_str)
                    != Some("AllowLaunchingIntoThisInstance")
                {
                    return validation(
                        req,
                        &format!(
                            "Launch into source instance is active in {origin_region}, but instance {} is not tagged AWSDRS=AllowLaunchingIntoThisInstance",
                            i.id
                        ),
                        "recoveryInstanceID",
                    );
                }
                if i.architecture != source.spec.architecture {
                    return validation(
                        req,
                        &format!(
                            "You cannot define the EC2 instance {} as a launch into instance ID as is has conflicting instance settings to those of the source server. The following fields have a configuration mismatch: Architecture",
                            i.id
                        ),
                        "recoveryInstanceID",
                    );
                }
                Some(i.id.clone())
            }
            None => None,
        }
    } else {
        None
    };
    let name = source.spec.name.clone();
    let end = sync_end(e, &[&name, &ri.source_server_id, ri_id]);
    let mut tags = source.tags.clone();
    tags.remove("Name");
    let spec = ServerSpec {
        account: account.to_string(),
        region: origin_region.clone(),
        id: None,
        name: name.clone(),
        hostname: source.spec.hostname.clone(),
        replication_state: "CONTINUOUS".into(),
        lag: "PT4S".into(),
        last_seen_seconds_ago: 3,
        replication_error: None,
        raw_error: None,
        tags,
        origin_instance_id: Some(ri.ec2_instance_id.clone()),
        origin_region: Some(here.clone()),
        instance_type: source.spec.instance_type.clone(),
        os: source.spec.os.clone(),
        architecture: source.spec.architecture.clone(),
    };
    let new_id = e.add_server_with(spec, |s| {
        s.direction = "FAILBACK".into();
        s.reversed_arn = Some(source_arn.clone());
        s.sync = Some((now, end));
    });
    let arn = format!("arn:aws:drs:{origin_region}:{account}:source-server/{new_id}");
    let origin = e.region_mut(account, &origin_region);
    if let Some(cfg) = origin.launch_configs.get_mut(&new_id) {
        cfg["copyPrivateIp"] = json!(false);
        cfg["copyTags"] = json!(false);
        cfg["targetInstanceTypeRightSizingMethod"] = json!("NONE");
        if let Some(i) = &launch_into {
            cfg["launchIntoInstanceProperties"] = json!({ "launchIntoEC2InstanceID": i });
        }
    }
    let region = e.region_mut(account, &here);
    if let Some(s) = region.servers.get_mut(&ri.source_server_id) {
        s.reversed_arn = Some(arn.clone());
        s.recovery_instance_id = Some(ri_id.to_string());
        // Nothing replicates towards the recovery region while the way back is open.
        s.spec.replication_state = "STOPPED".into();
        s.sync = None;
    }
    json_ok(
        StatusCode::OK,
        &json!({ "reversedDirectionSourceServerArn": arn }),
        &req.request_id,
    )
}

/// `StopReplication`: the server stops replicating (its points in time are gone).
pub(crate) fn stop_replication(
    req: &Request,
    e: &mut Estate,
    account: &str,
    now: time::OffsetDateTime,
) -> Response {
    let Some(id) = req.json.get("sourceServerID").and_then(Value::as_str) else {
        return validation(req, "sourceServerID is required", "sourceServerID");
    };
    let here = req.region.clone();
    let region = e.region_mut(account, &here);
    let Some(s) = region.servers.get_mut(id) else {
        return not_found(req, &format!("Source server {id} not found"));
    };
    s.spec.replication_state = "STOPPED".into();
    s.spec.lag = "PT0S".into();
    s.sync = None;
    let rendered = crate::drs::render_server(s, account, &here, now);
    json_ok(
        StatusCode::OK,
        &json!({ "sourceServer": rendered }),
        &req.request_id,
    )
}

/// The failback state of each recovery instance of `region` whose source server was reversed:
/// `FAILBACK_IN_PROGRESS` during the initial sync, `FAILBACK_READY_FOR_LAUNCH` once it
/// replicates continuously.
pub(crate) fn failback_states(
    e: &mut Estate,
    account: &str,
    region_name: &str,
) -> BTreeMap<String, String> {
    let now = e.clock.now();
    // (recovery instance, its EC2 instance, the reversed source server's ARN)
    let reversed: Vec<(String, String, String)> = {
        let region = e.region_mut(account, region_name);
        region
            .recovery_instances
            .values()
            .filter_map(|ri| {
                let arn = region
                    .servers
                    .get(&ri.source_server_id)?
                    .reversed_arn
                    .clone()?;
                Some((ri.id.clone(), ri.ec2_instance_id.clone(), arn))
            })
            .collect()
    };
    let mut out = BTreeMap::new();
    for (ri, ec2, arn) in reversed {
        let other = e.region_mut(account, region_of_arn(&arn));
        let Some(rev) = other.servers.get(id_of_arn(&arn)) else {
            continue;
        };
        if rev.spec.origin_instance_id.as_deref() != Some(ec2.as_str()) {
            continue;
        }
        let state = match rev.replication_at(now).0.as_str() {
            "CONTINUOUS" => "FAILBACK_READY_FOR_LAUNCH",
            "STOPPED" => "FAILBACK_NOT_STARTED",
            _ => "FAILBACK_IN_PROGRESS",
        };
        out.insert(ri, state.to_string());
    }
    out
}

/// The lag of each failback source server of `region_name` as its recovery instance's state
/// makes it: 6 minutes while the instance runs (production writes keep coming), 2 s once it is
/// stopped (its last writes replicated).
pub(crate) fn failback_lags(
    e: &mut Estate,
    account: &str,
    region_name: &str,
) -> BTreeMap<String, String> {
    let servers: Vec<(String, String, String)> = e
        .region_mut(account, region_name)
        .servers
        .iter()
        .filter(|(_, s)| s.direction == "FAILBACK")
        .filter_map(|(id, s)| {
            Some((
                id.clone(),
                s.spec.origin_region.clone()?,
                s.spec.origin_instance_id.clone()?,
            ))
        })
        .collect();
    let mut out = BTreeMap::new();
    for (id, region, instance) in servers {
        let running = e
            .region_mut(account, &region)
            .instances
            .get(&instance)
            .is_some_and(|i| i.state == "running");
        out.insert(id, if running { "PT6M" } else { "PT2S" }.to_string());
    }
    out
}

/// Whether a recovery instance's reversed source server still replicates (it must be stopped
/// before the instance is terminated).
pub(crate) fn still_replicating_back(
    e: &mut Estate,
    account: &str,
    region_name: &str,
    ri_id: &str,
) -> Option<String> {
    let region = e.region_mut(account, region_name);
    let ri = region.recovery_instances.get(ri_id)?.clone();
    let arn = region
        .servers
        .get(&ri.source_server_id)?
        .reversed_arn
        .clone()?;
    let other = e.region_mut(account, region_of_arn(&arn));
    let rev = other.servers.get(id_of_arn(&arn))?;
    (rev.spec.origin_instance_id.as_deref() == Some(ri.ec2_instance_id.as_str())
        && rev.spec.replication_state != "STOPPED")
        .then(|| id_of_arn(&arn).to_string())
}

fn template(e: &mut Estate, account: &str, region: &str) -> Value {
    let r = e.region_mut(account, region);
    json!({
        "launchConfigurationTemplateID": "lct-0a1b2c3d4e5f60718",
        "arn": format!("arn:aws:drs:{region}:{account}:launch-configuration-template/lct-0a1b2c3d4e5f60718"),
        "launchDisposition": "STARTED",
        "targetInstanceTypeRightSizingMethod": "NONE",
        "copyPrivateIp": false,
        "copyTags": false,
        "licensing": { "osByol": true },
        "postLaunchEnabled": false,
        "launchIntoSourceInstance": r.launch_into_source,
        "tags": {},
    })
}

/// `DescribeLaunchConfigurationTemplates`: the region's one template.
pub(crate) fn describe_templates(req: &Request, e: &mut Estate, account: &str) -> Response {
    let t = template(e, account, &req.region);
    json_ok(StatusCode::OK, &json!({ "items": [t] }), &req.request_id)
}

/// `UpdateLaunchConfigurationTemplate`: `launchIntoSourceInstance` (other fields are kept).
pub(crate) fn update_template(req: &Request, e: &mut Estate, account: &str) -> Response {
    match req
        .json
        .get("launchConfigurationTemplateID")
        .and_then(Value::as_str)
    {
        Some("lct-0a1b2c3d4e5f60718") => {}
        Some(other) => {
            return not_found(
                req,
                &format!("Launch configuration template {other} not found"),
            )
        }
        None => {
            return validation(
                req,
                "launchConfigurationTemplateID is required",
                "launchConfigurationTemplateID",
            )
        }
    }
    if let Some(v) = req
        .json
        .get("launchIntoSourceInstance")
        .and_then(Value::as_bool)
    {
        e.region_mut(account, &req.region).launch_into_source = v;
    }
    let t = template(e, account, &req.region);
    json_ok(
        StatusCode::OK,
        &json!({ "launchConfigurationTemplate": t }),
        &req.request_id,
    )
}
