//! SDK types → the core's inventory types.

use drs_core::inventory::{
    parse_iso_duration, Ec2Instance, InstanceState, ReplicationError, ReplicationState,
    SourceServer,
};
use std::collections::BTreeMap;

pub(crate) fn source_server(s: &aws_sdk_drs::types::SourceServer, target: &str) -> SourceServer {
    let tags: BTreeMap<String, String> = s
        .tags()
        .map(|t| t.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default();
    let repl = s.data_replication_info();
    let lag = repl.and_then(|r| r.lag_duration()).map(str::to_string);
    let hints = s.source_properties().and_then(|p| p.identification_hints());
    SourceServer {
        id: s.source_server_id().unwrap_or_default().to_string(),
        arn: s.arn().unwrap_or_default().to_string(),
        target: target.to_string(),
        name: tags.get("Name").cloned(),
        hostname: hints.and_then(|h| h.hostname()).map(str::to_string),
        replication_state: repl
            .and_then(|r| r.data_replication_state())
            .map(|st| ReplicationState::parse(st.as_str())),
        lag_seconds: lag
            .as_deref()
            .and_then(parse_iso_duration)
            .map(|d| d.as_secs()),
        lag,
        last_seen: s
            .life_cycle()
            .and_then(|l| l.last_seen_by_service_date_time())
            .map(str::to_string),
        replication_error: repl.and_then(|r| r.data_replication_error()).and_then(|e| {
            e.error().map(|code| ReplicationError {
                error: code.as_str().to_string(),
                raw_error: e.raw_error().map(str::to_string),
            })
        }),
        origin_instance_id: hints.and_then(|h| h.aws_instance_id()).map(str::to_string),
        origin_account_id: s
            .source_cloud_properties()
            .and_then(|c| c.origin_account_id())
            .map(str::to_string),
        origin_region: s
            .source_cloud_properties()
            .and_then(|c| c.origin_region())
            .map(str::to_string),
        recommended_instance_type: s
            .source_properties()
            .and_then(|p| p.recommended_instance_type())
            .map(str::to_string),
        architecture: s.source_properties().and_then(|p| {
            let cpus = p.cpus();
            if cpus.is_empty() {
                return None;
            }
            let arm = cpus.iter().any(|c| {
                let m = c.model_name().unwrap_or_default().to_lowercase();
                m.contains("graviton")
                    || m.contains("arm")
                    || m.contains("aarch64")
                    || m.contains("neoverse")
            });
            Some(if arm { "arm64" } else { "x86_64" }.to_string())
        }),
        os: s
            .source_properties()
            .and_then(|p| p.os())
            .and_then(|o| o.full_string())
            .map(str::to_string),
        replication_direction: s.replication_direction().map(|d| d.as_str().to_string()),
        reversed_source_server_id: s
            .reversed_direction_source_server_arn()
            .and_then(|a| a.rsplit('/').next())
            .map(str::to_string),
        recovery_instance_id: s.recovery_instance_id().map(str::to_string),
        initial_sync_percent: repl.and_then(|r| {
            let syncing = matches!(
                r.data_replication_state().map(|s| s.as_str()),
                Some("INITIAL_SYNC" | "INITIATING" | "RESCAN" | "BACKLOG")
            );
            let disks = r.replicated_disks();
            let total: i64 = disks.iter().map(|d| d.total_storage_bytes()).sum();
            let done: i64 = disks.iter().map(|d| d.replicated_storage_bytes()).sum();
            (syncing && total > 0).then(|| ((done.clamp(0, total) * 100) / total) as u8)
        }),
        tags,
    }
}

pub(crate) fn instance(
    i: &aws_sdk_ec2::types::Instance,
    target: &str,
    region: &str,
) -> Ec2Instance {
    let tags: BTreeMap<String, String> = i
        .tags()
        .iter()
        .filter_map(|t| {
            Some((
                t.key()?.to_string(),
                t.value().unwrap_or_default().to_string(),
            ))
        })
        .collect();
    Ec2Instance {
        id: i.instance_id().unwrap_or_default().to_string(),
        target: target.to_string(),
        region: region.to_string(),
        name: tags.get("Name").cloned(),
        state: i
            .state()
            .and_then(|s| s.name())
            .map(|n| InstanceState::parse(n.as_str()))
            .unwrap_or(InstanceState::Other("unknown".into())),
        instance_type: i.instance_type().map(|t| t.as_str().to_string()),
        private_ip: i.private_ip_address().map(str::to_string),
        subnet_id: i.subnet_id().map(str::to_string),
        architecture: i.architecture().map(|a| a.as_str().to_string()),
        platform: i.platform_details().map(str::to_string),
        root_device_type: i.root_device_type().map(|r| r.as_str().to_string()),
        boot_mode: i.boot_mode().map(|b| b.as_str().to_string()),
        tags,
        launch_time: i
            .launch_time()
            .and_then(|t| t.fmt(aws_smithy_types::date_time::Format::DateTime).ok()),
    }
}

/// A launch configuration from the fields GetLaunchConfiguration and UpdateLaunchConfiguration
/// both return.
pub(crate) fn launch_configuration(
    source_server_id: &str,
    into: Option<&aws_sdk_drs::types::LaunchIntoInstanceProperties>,
    copy_private_ip: Option<bool>,
    copy_tags: Option<bool>,
    right_sizing: Option<String>,
    launch_disposition: Option<String>,
    template: Option<&str>,
) -> drs_core::launch::LaunchConfiguration {
    drs_core::launch::LaunchConfiguration {
        source_server_id: source_server_id.to_string(),
        launch_into_instance_id: into
            .and_then(|p| p.launch_into_ec2_instance_id())
            .filter(|i| !i.is_empty())
            .map(str::to_string),
        copy_private_ip,
        copy_tags,
        right_sizing,
        launch_disposition,
        ec2_launch_template_id: template.filter(|t| !t.is_empty()).map(str::to_string),
        os_byol: None,
        recovery_mode: None,
        post_launch_enabled: None,
    }
}

/// A DRS post-launch action in the app's types.
pub(crate) fn launch_action(
    a: &aws_sdk_drs::types::LaunchAction,
) -> drs_core::launch_actions::LaunchAction {
    drs_core::launch_actions::LaunchAction {
        action_id: a.action_id().unwrap_or_default().to_string(),
        name: a.name().unwrap_or_default().to_string(),
        document: a.action_code().unwrap_or_default().to_string(),
        order: a.order().and_then(|o| u32::try_from(o).ok()).unwrap_or(0),
        category: a
            .category()
            .map(|c| c.as_str().to_string())
            .unwrap_or_default(),
        parameters: a
            .parameters()
            .map(|p| {
                p.iter()
                    .map(|(k, v)| (k.clone(), v.value().unwrap_or_default().to_string()))
                    .collect()
            })
            .unwrap_or_default(),
        optional: a.optional().unwrap_or(false),
        active: a.active().unwrap_or(true),
        description: a.description().unwrap_or_default().to_string(),
    }
}

/// A DRS job in the app's types.
pub(crate) fn job(j: &aws_sdk_drs::types::Job) -> drs_core::jobs::Job {
    use drs_core::jobs::{JobServer, JobStatus, LaunchStatus};
    drs_core::jobs::Job {
        job_id: j.job_id().to_string(),
        status: match j.status().map(|s| s.as_str()) {
            Some("PENDING") => JobStatus::Pending,
            Some("STARTED") => JobStatus::Started,
            Some("COMPLETED") => JobStatus::Completed,
            other => JobStatus::Other(other.unwrap_or_default().to_string()),
        },
        job_type: j
            .r#type()
            .map(|t| t.as_str().to_string())
            .unwrap_or_default(),
        initiated_by: j
            .initiated_by()
            .map(|i| i.as_str().to_string())
            .unwrap_or_default(),
        created: j.creation_date_time().unwrap_or_default().to_string(),
        ended: j
            .end_date_time()
            .filter(|e| !e.is_empty())
            .map(str::to_string),
        tags: j
            .tags()
            .map(|t| t.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default(),
        servers: j
            .participating_servers()
            .iter()
            .map(|p| JobServer {
                source_server_id: p.source_server_id().unwrap_or_default().to_string(),
                launch_status: match p.launch_status().map(|s| s.as_str()) {
                    Some("PENDING") => LaunchStatus::Pending,
                    Some("IN_PROGRESS") => LaunchStatus::InProgress,
                    Some("LAUNCHED") => LaunchStatus::Launched,
                    Some("FAILED") => LaunchStatus::Failed,
                    Some("TERMINATED") => LaunchStatus::Terminated,
                    other => LaunchStatus::Other(other.unwrap_or_default().to_string()),
                },
                recovery_instance_id: p.recovery_instance_id().map(str::to_string),
                action_runs: p
                    .launch_actions_status()
                    .map(|st| {
                        st.runs()
                            .iter()
                            .map(|r| drs_core::launch_actions::ActionRun {
                                name: r
                                    .action()
                                    .and_then(|a| a.name())
                                    .unwrap_or_default()
                                    .to_string(),
                                status: r
                                    .status()
                                    .map(|s| s.as_str().to_string())
                                    .unwrap_or_default(),
                                optional: r.action().and_then(|a| a.optional()).unwrap_or(false),
                                failure: r.failure_reason().map(str::to_string),
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
            })
            .collect(),
    }
}
