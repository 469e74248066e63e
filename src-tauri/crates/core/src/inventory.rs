//! What DRS and EC2 report about the estate, in the app's own types: source servers with their
//! replication health, and EC2 instances (the DR instances in the recovery region among them).

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::Duration;

/// DRS `dataReplicationInfo.dataReplicationState`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[ts(export_to = "ipc.ts")]
pub enum ReplicationState {
    /// Replication stopped.
    Stopped,
    /// Starting up.
    Initiating,
    /// First full copy in progress.
    InitialSync,
    /// Catching up with a backlog.
    Backlog,
    /// Taking a snapshot.
    CreatingSnapshot,
    /// Healthy, continuous replication.
    Continuous,
    /// Paused by a user.
    Paused,
    /// Rescanning disks.
    Rescan,
    /// Stalled (an error stops progress).
    Stalled,
    /// The agent is disconnected.
    Disconnected,
    /// A value this version does not know.
    #[serde(untagged)]
    Other(String),
}

impl ReplicationState {
    /// Parses the wire value (unknown values are kept, not rejected).
    pub fn parse(s: &str) -> Self {
        serde_json::from_value(serde_json::Value::String(s.to_string()))
            .unwrap_or_else(|_| ReplicationState::Other(s.to_string()))
    }

    /// The wire value.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Stopped => "STOPPED",
            Self::Initiating => "INITIATING",
            Self::InitialSync => "INITIAL_SYNC",
            Self::Backlog => "BACKLOG",
            Self::CreatingSnapshot => "CREATING_SNAPSHOT",
            Self::Continuous => "CONTINUOUS",
            Self::Paused => "PAUSED",
            Self::Rescan => "RESCAN",
            Self::Stalled => "STALLED",
            Self::Disconnected => "DISCONNECTED",
            Self::Other(s) => s,
        }
    }
}

/// A replication error DRS reports for a server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub struct ReplicationError {
    /// The error code, e.g. `AGENT_NOT_SEEN`.
    pub error: String,
    /// DRS's raw message, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub raw_error: Option<String>,
}

/// A DRS source server, with what readiness and monitoring need.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub struct SourceServer {
    /// `s-…`.
    pub id: String,
    /// ARN.
    pub arn: String,
    /// Target (account + regions) it was read from.
    pub target: String,
    /// The `Name` tag, when present.
    pub name: Option<String>,
    /// Hostname from `sourceProperties.identificationHints`.
    pub hostname: Option<String>,
    /// Replication state.
    pub replication_state: Option<ReplicationState>,
    /// Replication lag as DRS reports it (ISO-8601, e.g. `PT2S`).
    pub lag: Option<String>,
    /// The lag in seconds, when it parses.
    pub lag_seconds: Option<u64>,
    /// When DRS last heard from the agent (RFC 3339).
    pub last_seen: Option<String>,
    /// Replication error, if any.
    pub replication_error: Option<ReplicationError>,
    /// The origin EC2 instance (servers that run in AWS).
    pub origin_instance_id: Option<String>,
    /// Origin account.
    pub origin_account_id: Option<String>,
    /// Origin region.
    pub origin_region: Option<String>,
    /// DRS's recommended instance type.
    pub recommended_instance_type: Option<String>,
    /// Operating system string.
    pub os: Option<String>,
    /// CPU architecture (`x86_64`, `arm64`) as far as the CPU model tells.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub architecture: Option<String>,
    /// `FAILOVER` or `FAILBACK`.
    pub replication_direction: Option<String>,
    /// The source server of the opposite replication direction (after a reversed
    /// replication): for a server replicating towards the recovery region, the one that
    /// replicates its recovery instance back; for a failback server, the original.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub reversed_source_server_id: Option<String>,
    /// The recovery instance DRS associates with it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub recovery_instance_id: Option<String>,
    /// How far its initial sync is (0–100), while one runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub initial_sync_percent: Option<u8>,
    /// Tags on the source server.
    pub tags: BTreeMap<String, String>,
}

impl SourceServer {
    /// The name matching uses: the Name tag, else the hostname.
    pub fn display_name(&self) -> &str {
        self.name
            .as_deref()
            .or(self.hostname.as_deref())
            .unwrap_or(&self.id)
    }
}

/// EC2 instance state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "kebab-case")]
#[ts(export_to = "ipc.ts")]
pub enum InstanceState {
    /// Launching.
    Pending,
    /// Running.
    Running,
    /// Shutting down.
    ShuttingDown,
    /// Terminated.
    Terminated,
    /// Stopping.
    Stopping,
    /// Stopped.
    Stopped,
    /// A value this version does not know.
    #[serde(untagged)]
    Other(String),
}

impl InstanceState {
    /// The EC2 state name.
    pub fn as_str(&self) -> &str {
        match self {
            InstanceState::Pending => "pending",
            InstanceState::Running => "running",
            InstanceState::ShuttingDown => "shutting-down",
            InstanceState::Terminated => "terminated",
            InstanceState::Stopping => "stopping",
            InstanceState::Stopped => "stopped",
            InstanceState::Other(s) => s,
        }
    }

    /// Parses the EC2 state name.
    pub fn parse(s: &str) -> Self {
        serde_json::from_value(serde_json::Value::String(s.to_string()))
            .unwrap_or_else(|_| InstanceState::Other(s.to_string()))
    }
}

/// An EC2 instance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub struct Ec2Instance {
    /// `i-…`.
    pub id: String,
    /// Target it was read from.
    pub target: String,
    /// Region.
    pub region: String,
    /// The `Name` tag.
    pub name: Option<String>,
    /// State.
    pub state: InstanceState,
    /// Instance type.
    pub instance_type: Option<String>,
    /// Private IPv4.
    pub private_ip: Option<String>,
    /// Subnet.
    pub subnet_id: Option<String>,
    /// `x86_64`, `arm64`, …
    pub architecture: Option<String>,
    /// Platform details (`Linux/UNIX`, `Windows`, …).
    pub platform: Option<String>,
    /// `ebs` or `instance-store`.
    pub root_device_type: Option<String>,
    /// `legacy-bios`, `uefi`, …
    pub boot_mode: Option<String>,
    /// Tags.
    pub tags: BTreeMap<String, String>,
    /// When it was last launched or started (EC2's `LaunchTime`, RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub launch_time: Option<String>,
}

impl Ec2Instance {
    /// Tagged `AWSDRS=AllowLaunchingIntoThisInstance`: DRS may launch into it.
    pub fn allows_launch_into(&self) -> bool {
        let (key, value) = crate::launch::AWSDRS_TAG;
        self.tags.get(key).map(String::as_str) == Some(value)
    }
}

/// Everything read from the targets, and what could not be read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub struct Inventory {
    /// Source servers of every target that answered.
    pub source_servers: Vec<SourceServer>,
    /// Recovery-region EC2 instances of every target that answered.
    pub instances: Vec<Ec2Instance>,
    /// Targets that failed, with the reason.
    pub failures: Vec<TargetFailure>,
}

/// A target whose inventory could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub struct TargetFailure {
    /// Target name.
    pub target: String,
    /// Why.
    pub message: String,
}

/// Reads every target in parallel (servers and instances of a target in parallel too). A
/// failing target is reported in `failures`; the others are still returned.
pub async fn collect(targets: Vec<(String, std::sync::Arc<dyn crate::cloud::Cloud>)>) -> Inventory {
    let reads = targets.into_iter().map(|(name, cloud)| async move {
        let (servers, instances) =
            futures::join!(cloud.source_servers(), cloud.recovery_instances_ec2());
        (name, servers, instances)
    });
    let mut inventory = Inventory::default();
    for (name, servers, instances) in futures::future::join_all(reads).await {
        match (servers, instances) {
            (Ok(s), Ok(i)) => {
                inventory.source_servers.extend(s);
                inventory.instances.extend(i);
            }
            (Err(e), _) | (_, Err(e)) => inventory.failures.push(TargetFailure {
                target: name,
                message: e.to_string(),
            }),
        }
    }
    inventory
}

/// Parses an ISO-8601 duration (`PT2S`, `PT1H5M`, `P1DT2H`) into a [`Duration`].
pub fn parse_iso_duration(s: &str) -> Option<Duration> {
    iso8601::duration(s).ok().map(Into::into)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_iso_duration("PT2S"), Some(Duration::from_secs(2)));
        assert_eq!(
            parse_iso_duration("PT1H5M"),
            Some(Duration::from_secs(3900))
        );
        assert_eq!(
            parse_iso_duration("P1DT1S"),
            Some(Duration::from_secs(86_401))
        );
        assert_eq!(parse_iso_duration("soon"), None);
    }

    #[test]
    fn states_keep_unknown_values() {
        assert_eq!(
            ReplicationState::parse("CONTINUOUS"),
            ReplicationState::Continuous
        );
        assert_eq!(
            ReplicationState::parse("INITIAL_SYNC").as_str(),
            "INITIAL_SYNC"
        );
        assert_eq!(
            ReplicationState::parse("NEW_THING"),
            ReplicationState::Other("NEW_THING".into())
        );
        assert_eq!(
            InstanceState::parse("shutting-down"),
            InstanceState::ShuttingDown
        );
    }
}
