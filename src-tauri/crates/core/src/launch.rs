//! DRS launch configurations and recovery instances, in the app's own types: what readiness
//! checks, what pairing writes, and what undo restores.

use serde::{Deserialize, Serialize};

/// The DRS tag key and value that allow launching into an existing instance.
pub const AWSDRS_TAG: (&str, &str) = ("AWSDRS", "AllowLaunchingIntoThisInstance");

/// A source server's DRS launch configuration (`GetLaunchConfiguration`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub struct LaunchConfiguration {
    /// `s-…`.
    pub source_server_id: String,
    /// The pre-provisioned instance DRS launches into, if set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub launch_into_instance_id: Option<String>,
    /// Keep the source's private IP (must be off when launching into an instance).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub copy_private_ip: Option<bool>,
    /// Copy the source's tags (must be off when launching into an instance).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub copy_tags: Option<bool>,
    /// `NONE`, `BASIC` or `IN_AWS`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub right_sizing: Option<String>,
    /// `STOPPED` or `STARTED`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub launch_disposition: Option<String>,
    /// The EC2 launch template DRS launches new instances from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub ec2_launch_template_id: Option<String>,
    /// Bring your own OS licence (`licensing.osByol`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub os_byol: Option<bool>,
    /// `FAST` or `OPTIMAL`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub recovery_mode: Option<String>,
    /// DRS runs the server's post-launch actions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub post_launch_enabled: Option<bool>,
}

/// The launch-configuration fields pairing sets (and undo restores). `None` leaves a field as it
/// is, except `launch_into_instance_id`, where `None` clears it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LaunchConfigurationUpdate {
    /// `s-…`.
    pub source_server_id: String,
    /// The instance to launch into; `None` clears it.
    #[serde(default)]
    pub launch_into_instance_id: Option<String>,
    /// Copy the private IP.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub copy_private_ip: Option<bool>,
    /// Copy tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub copy_tags: Option<bool>,
    /// Right-sizing method.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub right_sizing: Option<String>,
    /// `STOPPED` or `STARTED`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub launch_disposition: Option<String>,
    /// Bring your own OS licence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub os_byol: Option<bool>,
    /// `FAST` or `OPTIMAL`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recovery_mode: Option<String>,
    /// DRS runs the server's post-launch actions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub post_launch_enabled: Option<bool>,
}

impl LaunchConfigurationUpdate {
    /// The update that launches `server` into `instance`: copyPrivateIp and copyTags off,
    /// right-sizing NONE.
    pub fn launch_into(server: &str, instance: &str) -> Self {
        Self {
            source_server_id: server.to_string(),
            launch_into_instance_id: Some(instance.to_string()),
            copy_private_ip: Some(false),
            copy_tags: Some(false),
            right_sizing: Some("NONE".into()),
            ..Default::default()
        }
    }

    /// The update that puts back what `before` held.
    pub fn restoring(before: &LaunchConfiguration) -> Self {
        Self {
            source_server_id: before.source_server_id.clone(),
            launch_into_instance_id: before.launch_into_instance_id.clone(),
            copy_private_ip: before.copy_private_ip,
            copy_tags: before.copy_tags,
            right_sizing: before.right_sizing.clone(),
            launch_disposition: before.launch_disposition.clone(),
            os_byol: before.os_byol,
            recovery_mode: before.recovery_mode.clone(),
            post_launch_enabled: before.post_launch_enabled,
        }
    }

    /// `before` with this update applied (what the configuration will read afterwards).
    pub fn applied_to(&self, before: &LaunchConfiguration) -> LaunchConfiguration {
        LaunchConfiguration {
            launch_into_instance_id: self.launch_into_instance_id.clone(),
            copy_private_ip: self.copy_private_ip.or(before.copy_private_ip),
            copy_tags: self.copy_tags.or(before.copy_tags),
            right_sizing: self
                .right_sizing
                .clone()
                .or_else(|| before.right_sizing.clone()),
            launch_disposition: self
                .launch_disposition
                .clone()
                .or_else(|| before.launch_disposition.clone()),
            os_byol: self.os_byol.or(before.os_byol),
            recovery_mode: self
                .recovery_mode
                .clone()
                .or_else(|| before.recovery_mode.clone()),
            post_launch_enabled: self.post_launch_enabled.or(before.post_launch_enabled),
            ..before.clone()
        }
    }
}

/// A DRS recovery instance (`DescribeRecoveryInstances`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecoveryInstance {
    /// `i-…` of the recovery instance resource (DRS's own ID).
    pub recovery_instance_id: String,
    /// The EC2 instance it runs as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ec2_instance_id: Option<String>,
    /// The source server it recovers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_server_id: Option<String>,
    /// From a drill (true) or a recovery.
    pub is_drill: bool,
    /// The job that launched it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_id: Option<String>,
    /// `RUNNING`, `STOPPED`, `SHUTTING-DOWN`, `TERMINATED`, `NOT_FOUND`, …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ec2_instance_state: Option<String>,
    /// Its failback state (`FAILBACK_NOT_STARTED`, `FAILBACK_IN_PROGRESS`,
    /// `FAILBACK_READY_FOR_LAUNCH`, …), for recoveries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failback_state: Option<String>,
}

/// The EC2 launch template a source server launches new instances from: the fields a
/// protection group sets, as its default version holds them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub struct LaunchTemplate {
    /// `lt-…`.
    pub id: String,
    /// The default version read.
    pub version: i64,
    /// Instance type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub instance_type: Option<String>,
    /// Subnet of the primary network interface.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub subnet_id: Option<String>,
    /// Security groups of the primary network interface.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub security_group_ids: Vec<String>,
    /// Static private IP of the primary network interface.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub private_ip: Option<String>,
}

/// A subnet, for checking launch settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Subnet {
    /// `subnet-…`.
    pub id: String,
    /// Its VPC.
    pub vpc_id: String,
    /// Its IPv4 CIDR block (`10.0.1.0/24`).
    pub cidr: String,
}

/// A security group, for checking launch settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SecurityGroup {
    /// `sg-…`.
    pub id: String,
    /// Its VPC.
    pub vpc_id: String,
    /// Its name.
    pub name: String,
}
