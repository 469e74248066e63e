//! DRS recovery jobs in the app's own types: what `StartRecovery`, `DescribeJobs`,
//! `DescribeJobLogItems` and `TerminateRecoveryInstances` return that the execution engine uses.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Tag keys the engine puts on every job it starts, to find them again after a crash.
pub mod tags {
    /// The execution ID.
    pub const EXECUTION: &str = "drs-orchestrator:execution";
    /// The wave name.
    pub const WAVE: &str = "drs-orchestrator:wave";
    /// The batch key (unique within the execution).
    pub const BATCH: &str = "drs-orchestrator:batch";
}

/// A job's overall status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum JobStatus {
    /// Accepted, not started.
    Pending,
    /// Running.
    Started,
    /// Ended (servers may still have failed).
    Completed,
    /// A value this version does not know.
    #[serde(untagged)]
    Other(String),
}

/// One server's launch within a job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum LaunchStatus {
    /// Waiting.
    Pending,
    /// Snapshot, conversion or launch under way.
    InProgress,
    /// A recovery instance runs.
    Launched,
    /// The launch failed.
    Failed,
    /// Its recovery instance was terminated.
    Terminated,
    /// A value this version does not know.
    #[serde(untagged)]
    Other(String),
}

/// A server in a job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JobServer {
    /// `s-…`.
    pub source_server_id: String,
    /// Launch status.
    pub launch_status: LaunchStatus,
    /// The recovery instance, once launched.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recovery_instance_id: Option<String>,
    /// Its post-launch actions' runs, as DRS reports them (once the agent was discovered).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub action_runs: Vec<crate::launch_actions::ActionRun>,
}

/// A DRS job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Job {
    /// `drsjob-…`.
    pub job_id: String,
    /// Status.
    pub status: JobStatus,
    /// `LAUNCH`, `TERMINATE`, `CREATE_CONVERTED_SNAPSHOT`.
    #[serde(default)]
    pub job_type: String,
    /// `START_DRILL`, `START_RECOVERY`, `TERMINATE_RECOVERY_INSTANCES`, …
    #[serde(default)]
    pub initiated_by: String,
    /// Created (RFC 3339).
    #[serde(default)]
    pub created: String,
    /// Ended (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended: Option<String>,
    /// Tags.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// Participating servers.
    #[serde(default)]
    pub servers: Vec<JobServer>,
}

/// One entry of a job's log (`DescribeJobLogItems`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JobLogItem {
    /// When (RFC 3339).
    pub at: String,
    /// `SNAPSHOT_START`, `CONVERSION_END`, `LAUNCH_START`, `LAUNCH_FAILED`, `JOB_END`, …
    /// (DRS has no event for a finished launch: `launchStatus` says so.)
    pub event: String,
    /// The server it concerns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_server_id: Option<String>,
    /// The EC2 instance the event concerns, where DRS names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_instance_id: Option<String>,
    /// DRS's error text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw_error: Option<String>,
}
