//! The `Cloud` port: the AWS operations the app uses, in the app's own types. The `drs-aws`
//! crate implements it over the AWS SDK, pointed at AWS or at the sandbox; nothing else in the
//! core knows about AWS wire formats.

use crate::group_settings::NetworkFacts;
use crate::inventory::{Ec2Instance, SourceServer};
use crate::jobs::{Job, JobLogItem};
use crate::launch::{
    LaunchConfiguration, LaunchConfigurationUpdate, LaunchTemplate, RecoveryInstance,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Who the app is acting as (STS GetCallerIdentity).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub struct CallerIdentity {
    /// Account ID.
    pub account: String,
    /// Caller ARN.
    pub arn: String,
    /// User ID.
    pub user_id: String,
}

/// What went wrong calling AWS, after the SDK's retries. Every variant keeps the AWS request ID
/// when there was one, for support cases.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum CloudError {
    /// Still throttled after the SDK's retries.
    #[error("{operation}: AWS kept throttling the request after retries{}", rid(.request_id))]
    Throttled {
        /// The operation.
        operation: String,
        /// AWS request ID.
        request_id: Option<String>,
    },
    /// Not allowed.
    #[error("{operation}: access denied: {message}{}", rid(.request_id))]
    AccessDenied {
        /// The operation.
        operation: String,
        /// AWS's message.
        message: String,
        /// AWS request ID.
        request_id: Option<String>,
    },
    /// The resource does not exist.
    #[error("{operation}: not found: {message}{}", rid(.request_id))]
    NotFound {
        /// The operation.
        operation: String,
        /// AWS's message.
        message: String,
        /// AWS request ID.
        request_id: Option<String>,
    },
    /// AWS rejected the input.
    #[error("{operation}: invalid request: {message}{}{}", fields_text(.fields), rid(.request_id))]
    Validation {
        /// The operation.
        operation: String,
        /// AWS's message.
        message: String,
        /// Offending fields (DRS `fieldList`).
        fields: Vec<String>,
        /// AWS request ID.
        request_id: Option<String>,
    },
    /// A DRS quota would be exceeded.
    #[error("{operation}: service quota exceeded: {message}{}", rid(.request_id))]
    QuotaExceeded {
        /// The operation.
        operation: String,
        /// AWS's message.
        message: String,
        /// AWS request ID.
        request_id: Option<String>,
    },
    /// A conflicting request (e.g. a job already running for the server).
    #[error("{operation}: conflict: {message}{}", rid(.request_id))]
    Conflict {
        /// The operation.
        operation: String,
        /// AWS's message.
        message: String,
        /// AWS request ID.
        request_id: Option<String>,
    },
    /// Credentials could not be obtained (expired SSO token, missing profile, …).
    #[error("credentials: {0}")]
    Credentials(String),
    /// The endpoint could not be reached.
    #[error("{operation}: cannot reach AWS: {message}")]
    Network {
        /// The operation.
        operation: String,
        /// What failed.
        message: String,
    },
    /// Any other service error.
    #[error("{operation}: {code}: {message}{}", rid(.request_id))]
    Service {
        /// The operation.
        operation: String,
        /// AWS error code.
        code: String,
        /// AWS's message.
        message: String,
        /// AWS request ID.
        request_id: Option<String>,
    },
}

fn rid(id: &Option<String>) -> String {
    id.as_ref()
        .map(|i| format!(" (request ID {i})"))
        .unwrap_or_default()
}

fn fields_text(fields: &[String]) -> String {
    if fields.is_empty() {
        String::new()
    } else {
        format!(" (fields: {})", fields.join(", "))
    }
}

/// An EC2 instance as SSM sees it (`DescribeInstanceInformation`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ManagedInstance {
    /// EC2 instance ID.
    pub id: String,
    /// `Online`, `ConnectionLost` or `Inactive`.
    pub ping_status: String,
    /// `Linux`, `Windows` or `MacOS`.
    pub platform: String,
}

/// An instance's EC2 status checks (`DescribeInstanceStatus`): `ok`, `impaired`,
/// `initializing`, `insufficient-data` or `not-applicable`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusChecks {
    /// EC2 instance ID.
    pub id: String,
    /// The system status check.
    pub system: String,
    /// The instance status check.
    pub instance: String,
}

impl StatusChecks {
    /// How many of the two checks passed.
    pub fn passed(&self) -> u8 {
        u8::from(self.system == "ok") + u8::from(self.instance == "ok")
    }
}

/// An SSM document to run on instances (`SendCommand`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CommandRequest {
    /// Document name.
    pub document: String,
    /// Its parameters.
    pub parameters: BTreeMap<String, Vec<String>>,
    /// Instances it runs on.
    pub instance_ids: Vec<String>,
    /// The command's comment: the token it is found by if the answer is lost.
    pub comment: String,
    /// Seconds each instance may take.
    pub timeout_seconds: u32,
}

/// How a command went on one instance (`ListCommandInvocations` with details).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CommandResult {
    /// Instance.
    pub instance_id: String,
    /// `Pending`, `InProgress`, `Delayed`, `Success`, `Cancelled`, `TimedOut`, `Failed`, …
    pub status: String,
    /// Exit code of the script, when it ran.
    pub response_code: Option<i32>,
    /// Output (SSM keeps the first 2,500 characters), standard error included.
    pub output: String,
}

impl CommandResult {
    /// The command is over on this instance.
    pub fn is_final(&self) -> bool {
        !matches!(
            self.status.as_str(),
            "Pending" | "InProgress" | "Delayed" | "Cancelling"
        )
    }
}

/// An SSM automation execution (`GetAutomationExecution`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AutomationRun {
    /// Execution ID.
    pub id: String,
    /// `Pending`, `InProgress`, `Waiting`, `Success`, `TimedOut`, `Cancelled`, `Failed`, …
    pub status: String,
    /// Why it failed.
    pub failure: Option<String>,
    /// Its outputs.
    pub outputs: BTreeMap<String, Vec<String>>,
}

impl AutomationRun {
    /// The automation is over.
    pub fn is_final(&self) -> bool {
        !matches!(
            self.status.as_str(),
            "Pending" | "InProgress" | "Waiting" | "Cancelling" | "RunbookInProgress" | "Scheduled"
        )
    }
}

/// A Route 53 record set (simple routing).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordSet {
    /// Name (as Route 53 returns it, with its final dot).
    pub name: String,
    /// Type: A, AAAA, CNAME, TXT, …
    pub record_type: String,
    /// TTL in seconds.
    pub ttl: Option<i64>,
    /// Values.
    pub values: Vec<String>,
}

/// A Route 53 hosted zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HostedZone {
    /// ID without `/hostedzone/`.
    pub id: String,
    /// Domain name, with its final dot.
    pub name: String,
    /// Private (seen from associated VPCs only).
    pub private: bool,
}

fn unsupported(operation: &str) -> CloudError {
    CloudError::Service {
        operation: operation.to_string(),
        code: "NotSupported".into(),
        message: "this connection cannot run wave steps".into(),
        request_id: None,
    }
}

/// The AWS operations the app needs, for one target (account + regions).
#[async_trait::async_trait]
pub trait Cloud: Send + Sync {
    /// STS GetCallerIdentity through the target's credentials.
    async fn caller_identity(&self) -> Result<CallerIdentity, CloudError>;

    /// Every DRS source server of the target (DRS runs in the recovery region), all pages.
    async fn source_servers(&self) -> Result<Vec<SourceServer>, CloudError>;

    /// Every EC2 instance in the recovery region (DR instances among them), all pages.
    async fn recovery_instances_ec2(&self) -> Result<Vec<Ec2Instance>, CloudError>;

    /// Recovery-region EC2 instances by ID, read fresh (the re-check right before an apply).
    /// IDs that do not exist are left out.
    async fn instances(&self, ids: &[String]) -> Result<Vec<Ec2Instance>, CloudError>;

    /// One source server's launch configuration.
    async fn launch_configuration(
        &self,
        source_server_id: &str,
    ) -> Result<LaunchConfiguration, CloudError>;

    /// Changes a source server's launch configuration; returns it as DRS now holds it.
    async fn update_launch_configuration(
        &self,
        update: &LaunchConfigurationUpdate,
    ) -> Result<LaunchConfiguration, CloudError>;

    /// Every DRS recovery instance of the target, all pages.
    async fn recovery_instances(&self) -> Result<Vec<RecoveryInstance>, CloudError>;

    /// Starts one recovery job (a drill when `is_drill`) for `servers`, tagged with `tags`.
    async fn start_recovery(
        &self,
        servers: &[String],
        is_drill: bool,
        tags: &BTreeMap<String, String>,
    ) -> Result<Job, CloudError>;

    /// The jobs with these IDs (all jobs of the target when `ids` is empty), all pages.
    async fn jobs(&self, ids: &[String]) -> Result<Vec<Job>, CloudError>;

    /// Every job created at or after `from` (RFC 3339), all pages: how the engine finds a job
    /// whose `StartRecovery` answer was lost (by its tags) without reading the whole history.
    async fn jobs_created_since(&self, from: &str) -> Result<Vec<Job>, CloudError>;

    /// The recovery instances of these source servers, all pages.
    async fn recovery_instances_of(
        &self,
        source_server_ids: &[String],
    ) -> Result<Vec<RecoveryInstance>, CloudError>;

    /// Which of these recovery-region EC2 instances have termination protection on.
    async fn termination_protected(
        &self,
        ids: &[String],
    ) -> Result<std::collections::BTreeSet<String>, CloudError>;

    /// A job's log, all pages.
    async fn job_log(&self, job_id: &str) -> Result<Vec<JobLogItem>, CloudError>;

    /// Terminates recovery instances (a TERMINATE job).
    async fn terminate_recovery_instances(&self, ids: &[String]) -> Result<Job, CloudError>;

    /// Stops recovery-region EC2 instances.
    async fn stop_instances(&self, ids: &[String]) -> Result<(), CloudError>;

    /// Disconnects a recovery instance from DRS (the EC2 instance stays).
    async fn disconnect_recovery_instance(&self, id: &str) -> Result<(), CloudError>;
    /// The default version of an EC2 launch template (recovery region).
    async fn launch_template(&self, id: &str) -> Result<LaunchTemplate, CloudError>;
    /// Writes `template`'s fields as a new version of its launch template (based on the
    /// version it was read at) and makes that the default; returns the new version number.
    async fn update_launch_template(&self, template: &LaunchTemplate) -> Result<i64, CloudError>;
    /// Subnets and security groups of the recovery region, and which of `instance_types`
    /// exist there.
    async fn network_facts(&self, instance_types: &[String]) -> Result<NetworkFacts, CloudError>;
    /// EC2 instances of `region` by ID (the origin instances of source servers that run in
    /// AWS, for tag sync); IDs that do not exist are left out.
    async fn instances_in(
        &self,
        region: &str,
        ids: &[String],
    ) -> Result<Vec<Ec2Instance>, CloudError>;
    /// Adds or replaces tags on a DRS resource (a source server's ARN).
    async fn tag_resource(
        &self,
        arn: &str,
        tags: &BTreeMap<String, String>,
    ) -> Result<(), CloudError>;

    /// SSM's view of recovery-region instances (agent online or not); IDs SSM does not know
    /// are left out.
    async fn managed_instances(&self, _ids: &[String]) -> Result<Vec<ManagedInstance>, CloudError> {
        Err(unsupported("DescribeInstanceInformation"))
    }
    /// EC2 status checks of recovery-region instances (stopped ones are left out).
    async fn status_checks(&self, _ids: &[String]) -> Result<Vec<StatusChecks>, CloudError> {
        Err(unsupported("DescribeInstanceStatus"))
    }
    /// Sends an SSM command; returns its command ID.
    async fn send_command(&self, _request: &CommandRequest) -> Result<String, CloudError> {
        Err(unsupported("SendCommand"))
    }
    /// The command sent at or after `since` (RFC 3339) whose comment is `comment`: how a command
    /// whose `SendCommand` answer was lost is found again.
    async fn find_command(
        &self,
        _comment: &str,
        _since: &str,
    ) -> Result<Option<String>, CloudError> {
        Err(unsupported("ListCommands"))
    }
    /// How a command went on each of its instances.
    async fn command_results(&self, _command_id: &str) -> Result<Vec<CommandResult>, CloudError> {
        Err(unsupported("ListCommandInvocations"))
    }
    /// Starts an SSM automation; `client_token` (a UUID) makes a repeat of the same start return
    /// the same execution. Returns its execution ID.
    async fn start_automation(
        &self,
        _document: &str,
        _parameters: &BTreeMap<String, Vec<String>>,
        _client_token: &str,
    ) -> Result<String, CloudError> {
        Err(unsupported("StartAutomationExecution"))
    }
    /// An automation execution.
    async fn automation(&self, _id: &str) -> Result<AutomationRun, CloudError> {
        Err(unsupported("GetAutomationExecution"))
    }
    /// The account's Route 53 hosted zones, all pages.
    async fn hosted_zones(&self) -> Result<Vec<HostedZone>, CloudError> {
        Err(unsupported("ListHostedZones"))
    }
    /// UPSERTs one simple record set; returns the change ID.
    async fn upsert_record(
        &self,
        _zone_id: &str,
        _record: &RecordSet,
        _comment: &str,
    ) -> Result<String, CloudError> {
        Err(unsupported("ChangeResourceRecordSets"))
    }
    /// Whether a Route 53 change has reached every authoritative server (`INSYNC`).
    async fn change_in_sync(&self, _change_id: &str) -> Result<bool, CloudError> {
        Err(unsupported("GetChange"))
    }
    /// The record set of this name and type in a zone, if there is one.
    async fn record(
        &self,
        _zone_id: &str,
        _name: &str,
        _record_type: &str,
    ) -> Result<Option<RecordSet>, CloudError> {
        Err(unsupported("ListResourceRecordSets"))
    }
    /// The same target seen from its other region: DRS, EC2 and SSM of the origin region when
    /// this connection acts in the recovery region, and the other way round (failback and
    /// reprotect act in both).
    fn reversed(&self) -> Result<std::sync::Arc<dyn Cloud>, CloudError> {
        Err(unsupported("failback (a connection to the origin region)"))
    }
    /// The region this connection acts in.
    fn region(&self) -> String {
        String::new()
    }
    /// Starts replicating a recovery instance the other way (`ReverseReplication`); returns
    /// the ID of the source server that replicates it.
    async fn reverse_replication(&self, _recovery_instance_id: &str) -> Result<String, CloudError> {
        Err(unsupported("ReverseReplication"))
    }
    /// Stops a source server's replication (`StopReplication`).
    async fn stop_replication(&self, _source_server_id: &str) -> Result<(), CloudError> {
        Err(unsupported("StopReplication"))
    }
    /// Whether the region's default DRS launch settings launch failbacks into the source
    /// instance (`launchIntoSourceInstance` of the launch configuration template).
    async fn launch_into_source_default(&self) -> Result<bool, CloudError> {
        Err(unsupported("DescribeLaunchConfigurationTemplates"))
    }
    /// Adds tags to EC2 instances of this connection's region.
    async fn tag_instances(
        &self,
        _ids: &[String],
        _tags: &BTreeMap<String, String>,
    ) -> Result<(), CloudError> {
        Err(unsupported("CreateTags"))
    }
    /// A source server's DRS post-launch actions, all pages.
    async fn launch_actions(
        &self,
        _source_server_id: &str,
    ) -> Result<Vec<crate::launch_actions::LaunchAction>, CloudError> {
        Err(unsupported("ListLaunchActions"))
    }
    /// Creates or replaces one post-launch action of a source server (by its ID); returns it as
    /// DRS now holds it.
    async fn put_launch_action(
        &self,
        _source_server_id: &str,
        _action: &crate::launch_actions::LaunchAction,
    ) -> Result<crate::launch_actions::LaunchAction, CloudError> {
        Err(unsupported("PutLaunchAction"))
    }
    /// Removes one post-launch action of a source server.
    async fn delete_launch_action(
        &self,
        _source_server_id: &str,
        _action_id: &str,
    ) -> Result<(), CloudError> {
        Err(unsupported("DeleteLaunchAction"))
    }

    /// DRS's native recovery plans (without steps or tags).
    async fn native_plans(&self) -> Result<Vec<crate::native_plan::NativePlan>, CloudError> {
        Err(unsupported("ListRecoveryPlans"))
    }
    /// One native recovery plan with its tags and steps.
    async fn native_plan(&self, _arn: &str) -> Result<crate::native_plan::NativePlan, CloudError> {
        Err(unsupported("GetRecoveryPlan"))
    }
    /// Creates a native recovery plan (idempotent for one `token`); its ARN.
    async fn create_native_plan(
        &self,
        _name: &str,
        _description: &str,
        _tags: &BTreeMap<String, String>,
        _token: &str,
    ) -> Result<String, CloudError> {
        Err(unsupported("CreateRecoveryPlan"))
    }
    /// Sets a native recovery plan's description.
    async fn update_native_plan(&self, _arn: &str, _description: &str) -> Result<(), CloudError> {
        Err(unsupported("UpdateRecoveryPlan"))
    }
    /// Adds a step at `order` (1-based; idempotent for one `token`); its ARN.
    async fn create_native_step(
        &self,
        _plan_arn: &str,
        _order: u32,
        _step: &crate::native_plan::NativeStep,
        _token: &str,
    ) -> Result<String, CloudError> {
        Err(unsupported("CreateRecoveryPlanStep"))
    }
    /// Rewrites a step's name and configuration.
    async fn update_native_step(
        &self,
        _step_arn: &str,
        _step: &crate::native_plan::NativeStep,
    ) -> Result<(), CloudError> {
        Err(unsupported("UpdateRecoveryPlanStep"))
    }
    /// Removes a step.
    async fn delete_native_step(&self, _step_arn: &str) -> Result<(), CloudError> {
        Err(unsupported("DeleteRecoveryPlanStep"))
    }
    /// Starts an execution of a native plan (idempotent for one `token`).
    async fn start_native_execution(
        &self,
        _plan_arn: &str,
        _drill: bool,
        _tags: &BTreeMap<String, String>,
        _token: &str,
    ) -> Result<crate::native_plan::NativeExecution, CloudError> {
        Err(unsupported("StartRecoveryPlanExecution"))
    }
    /// Executions of native plans, newest first (of one plan when `plan_arn` is given), without
    /// steps.
    async fn native_executions(
        &self,
        _plan_arn: Option<&str>,
    ) -> Result<Vec<crate::native_plan::NativeExecution>, CloudError> {
        Err(unsupported("ListRecoveryPlanExecutions"))
    }
    /// One native execution with its steps.
    async fn native_execution(
        &self,
        _arn: &str,
    ) -> Result<crate::native_plan::NativeExecution, CloudError> {
        Err(unsupported("GetRecoveryPlanExecution"))
    }
    /// The app's monitoring resources in the recovery region (topic `topic`, rules and alarms
    /// named after it).
    async fn monitoring(&self, _topic: &str) -> Result<crate::monitoring::Observed, CloudError> {
        Err(unsupported("ListTopics"))
    }
    /// Makes one monitoring change; `topic_arn` is the topic's (set when the topic is
    /// created, cleared when it is deleted).
    async fn change_monitoring(
        &self,
        _monitoring: &crate::monitoring::Monitoring,
        _change: &crate::monitoring::MonitoringChange,
        _topic_arn: &mut Option<String>,
    ) -> Result<(), CloudError> {
        Err(unsupported("CreateTopic"))
    }
    /// Puts a report into S3 (in the recovery region), encrypted at rest as asked.
    async fn put_report(
        &self,
        _object: &crate::delivery::ReportObject<'_>,
    ) -> Result<crate::delivery::StoredObject, CloudError> {
        Err(unsupported("PutObject"))
    }
    /// Sends a report by e-mail through SES (in the recovery region); returns the message ID.
    async fn send_report_email(
        &self,
        _email: &crate::delivery::ReportEmail<'_>,
    ) -> Result<String, CloudError> {
        Err(unsupported("SendEmail"))
    }
}
