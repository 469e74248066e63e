//! # drs-aws — the `Cloud` port over the AWS SDK for Rust
//!
//! One client set per target (account + regions): DRS and EC2 in the recovery region, STS for
//! identity, SSM and Route 53 for wave steps. The same code reaches real AWS or the sandbox; only the endpoint URL differs.
//!
//! - Credentials come from aws-config's providers: static keys, named profiles (SSO and
//!   `credential_process` included) and `AssumeRoleProvider` with an external ID. No parser of
//!   our own.
//! - Retries are the SDK's own (standard mode, tuned for DRS's undocumented request rates); there
//!   is no hand-written backoff loop. Each client has its own retry partition with an unlimited
//!   token bucket, so a long drill under throttling never runs the retry budget dry (the default
//!   bucket is shared by the process and, once empty, stops retrying even a 5xx). Requests that
//!   are not safe to repeat blindly — `StartRecovery` and `TerminateRecoveryInstances` — are
//!   sent once: the engine looks for their outcome before it acts again.
//! - Every paginated call uses the SDK paginator.
//! - SDK errors become [`CloudError`]s that keep the AWS request ID ([`errors`]).

mod convert;
mod delivery;
pub mod errors;
mod failback;
mod monitoring;
mod native;
pub mod profiles;
mod runbook;

use async_trait::async_trait;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;
use drs_core::cloud::{
    AutomationRun, CallerIdentity, Cloud, CloudError, CommandRequest, CommandResult, HostedZone,
    ManagedInstance, RecordSet, StatusChecks,
};
use drs_core::group_settings::NetworkFacts;
use drs_core::inventory::{Ec2Instance, SourceServer};
use drs_core::jobs::{Job, JobLogItem};
use drs_core::launch::{
    LaunchConfiguration, LaunchConfigurationUpdate, LaunchTemplate, RecoveryInstance,
    SecurityGroup, Subnet,
};
use errors::map_err;
use std::collections::BTreeMap;
use std::time::Duration;

/// Where a target's credentials come from, resolved (secrets already fetched by the caller).
#[derive(Clone)]
pub enum CredentialSpec {
    /// Static keys (sandbox keys, or keys from the OS keychain).
    Static {
        /// Access key ID.
        access_key_id: String,
        /// Secret access key.
        secret_access_key: String,
        /// Session token, for temporary keys.
        session_token: Option<String>,
    },
    /// A named profile from the standard AWS config files.
    Profile(String),
    /// A role assumed with the credentials of `base`.
    AssumeRole {
        /// Role ARN.
        role_arn: String,
        /// External ID, if the role requires one.
        external_id: Option<String>,
        /// Session name.
        session_name: String,
        /// Whose credentials assume the role.
        base: Box<CredentialSpec>,
    },
}

impl std::fmt::Debug for CredentialSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print secrets.
        match self {
            Self::Static { access_key_id, .. } => {
                write!(f, "Static({access_key_id}, secret hidden)")
            }
            Self::Profile(p) => write!(f, "Profile({p})"),
            Self::AssumeRole { role_arn, base, .. } => {
                write!(f, "AssumeRole({role_arn} via {base:?})")
            }
        }
    }
}

/// How to reach one target.
#[derive(Debug, Clone)]
pub struct TargetConnection {
    /// Target name (copied into inventory rows).
    pub target: String,
    /// Region DRS runs in (the recovery region).
    pub recovery_region: String,
    /// The origin (primary) region, where failbacks go.
    pub origin_region: Option<String>,
    /// Endpoint override for every service: the sandbox, LocalStack.
    pub endpoint_url: Option<String>,
    /// Endpoints of single services (VPC interface endpoints), before `endpoint_url`.
    pub endpoints: drs_core::ServiceEndpoints,
    /// Credentials.
    pub credentials: CredentialSpec,
}

/// No configuration from the environment for single services: the SDK would otherwise take
/// `AWS_ENDPOINT_URL_DRS` and its kin from the environment or the profile, and send a real
/// target's signed requests wherever someone once pointed them for a test.
#[derive(Debug)]
struct TargetDecides;

impl aws_types::service_config::LoadServiceConfig for TargetDecides {
    fn load_config(&self, _key: aws_types::service_config::ServiceConfigKey<'_>) -> Option<String> {
        None
    }
}

/// The SDK's retry settings used for every client: standard mode, 8 attempts, exponential
/// backoff with jitter from 200 ms up to 10 s — enough to ride out DRS throttling bursts.
pub fn retry_config() -> RetryConfig {
    RetryConfig::standard()
        .with_max_attempts(8)
        .with_initial_backoff(Duration::from_millis(200))
        .with_max_backoff(Duration::from_secs(10))
}

/// A retry partition of one client's own with an unlimited token bucket: retries are bounded
/// by `max_attempts` per request, never by a budget spent earlier in a long drill.
fn retry_partition(name: &str) -> aws_sdk_drs::config::retry::RetryPartition {
    use aws_sdk_drs::config::retry::{RetryPartition, TokenBucket};
    RetryPartition::custom(format!("drs-orchestrator-{name}"))
        .token_bucket(TokenBucket::unlimited())
        .build()
}

/// For requests sent once (the caller looks for their outcome before sending them again).
fn send_once() -> aws_sdk_drs::config::Builder {
    aws_sdk_drs::config::Builder::default().retry_config(RetryConfig::disabled())
}

fn timeout_config() -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(5))
        .operation_attempt_timeout(Duration::from_secs(30))
        .operation_timeout(Duration::from_secs(180))
        .build()
}

async fn sdk_config(
    region: &str,
    endpoint: Option<&str>,
    creds: &CredentialSpec,
) -> Result<SdkConfig, CloudError> {
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(region.to_string()))
        .retry_config(retry_config())
        .timeout_config(timeout_config());
    if let Some(url) = endpoint {
        loader = loader.endpoint_url(url);
    }
    match creds {
        CredentialSpec::Static {
            access_key_id,
            secret_access_key,
            session_token,
        } => {
            loader = loader.credentials_provider(Credentials::new(
                access_key_id,
                secret_access_key,
                session_token.clone(),
                None,
                "drs-orchestrator",
            ));
        }
        CredentialSpec::Profile(p) => {
            profiles::find(p).await?;
            // The profile's own credentials (SSO, credential_process, role chains…), never the
            // environment's keys that the default chain would try first.
            // A role profile without a region of its own calls STS in the target's region.
            let provider = aws_config::profile::ProfileFileCredentialsProvider::builder()
                .profile_name(p)
                .configure(
                    &aws_config::provider_config::ProviderConfig::default()
                        .with_region(Some(Region::new(region.to_string()))),
                )
                .build();
            loader = loader.profile_name(p).credentials_provider(provider);
        }
        CredentialSpec::AssumeRole {
            role_arn,
            external_id,
            session_name,
            base,
        } => {
            let base_config = Box::pin(sdk_config(region, endpoint, base)).await?;
            let mut builder = aws_config::sts::AssumeRoleProvider::builder(role_arn)
                .session_name(session_name)
                .configure(&base_config);
            if let Some(id) = external_id {
                builder = builder.external_id(id);
            }
            loader = loader.credentials_provider(builder.build().await);
        }
    }
    // The target alone decides where requests go: not `AWS_ENDPOINT_URL*` from the
    // environment, not a profile's `endpoint_url`/`services` section.
    let mut config = loader.load().await.into_builder();
    config.set_endpoint_url(endpoint.map(str::to_string));
    config.set_service_config(Some(TargetDecides));
    Ok(config.build())
}

/// The `Cloud` port for one target over the AWS SDK.
#[derive(Debug, Clone)]
pub struct AwsCloud {
    target: String,
    recovery_region: String,
    /// The other region of the target (the origin when this connection acts in the recovery
    /// region; the recovery region for its reversed view).
    other_region: Option<String>,
    /// The endpoint override every service uses (the sandbox), kept for the reversed view.
    endpoint_url: Option<String>,
    /// Endpoints of single services, for the clients made on demand (monitoring).
    endpoints: drs_core::ServiceEndpoints,
    /// The connection to the other region, built on first use and kept (its clients hold
    /// their own connection pools).
    reversed_view: std::sync::OnceLock<std::sync::Arc<AwsCloud>>,
    drs: aws_sdk_drs::Client,
    ec2_recovery: aws_sdk_ec2::Client,
    sts: aws_sdk_sts::Client,
    /// SSM in the recovery region (wave steps).
    ssm: aws_sdk_ssm::Client,
    /// Route 53 (global; wave steps).
    route53: aws_sdk_route53::Client,
    /// The SDK configuration, for clients of other regions (origin instances).
    config: SdkConfig,
    /// The profile at the root of these credentials, if any.
    profile: Option<String>,
    /// The profile behind these credentials when it signs in through SSO.
    sso_profile: Option<String>,
    /// The role these credentials assume, if any.
    role_arn: Option<String>,
}

/// The profile at the root of a credential chain, if any.
fn root_profile(creds: &CredentialSpec) -> Option<&str> {
    let mut current = creds;
    loop {
        match current {
            CredentialSpec::Static { .. } => return None,
            CredentialSpec::Profile(p) => return Some(p),
            CredentialSpec::AssumeRole { base, .. } => current = base,
        }
    }
}

/// The root profile when it signs in through SSO.
async fn sso_root(creds: &CredentialSpec) -> Option<String> {
    let p = root_profile(creds)?;
    profiles::find(p)
        .await
        .ok()
        .filter(|i| i.sso)
        .map(|i| i.name)
}

impl AwsCloud {
    /// Builds the clients for a target. Nothing is called yet.
    pub async fn connect(conn: TargetConnection) -> Result<Self, CloudError> {
        let config = sdk_config(
            &conn.recovery_region,
            conn.endpoint_url.as_deref(),
            &conn.credentials,
        )
        .await?;
        let endpoint = |one: &Option<String>| one.clone().or_else(|| conn.endpoint_url.clone());
        Ok(Self {
            endpoints: conn.endpoints.clone(),
            sso_profile: sso_root(&conn.credentials).await,
            profile: root_profile(&conn.credentials).map(str::to_string),
            role_arn: match &conn.credentials {
                CredentialSpec::AssumeRole { role_arn, .. } => Some(role_arn.clone()),
                _ => None,
            },
            drs: {
                let mut b = aws_sdk_drs::config::Builder::from(&config)
                    .retry_partition(retry_partition(&format!("drs-{}", conn.target)));
                b.set_endpoint_url(endpoint(&conn.endpoints.drs));
                aws_sdk_drs::Client::from_conf(b.build())
            },
            ec2_recovery: {
                let mut b = aws_sdk_ec2::config::Builder::from(&config)
                    .retry_partition(retry_partition(&format!("ec2-{}", conn.target)));
                b.set_endpoint_url(endpoint(&conn.endpoints.ec2));
                aws_sdk_ec2::Client::from_conf(b.build())
            },
            sts: {
                let mut b = aws_sdk_sts::config::Builder::from(&config);
                b.set_endpoint_url(endpoint(&conn.endpoints.sts));
                aws_sdk_sts::Client::from_conf(b.build())
            },
            ssm: {
                let mut b = aws_sdk_ssm::config::Builder::from(&config)
                    .retry_partition(retry_partition(&format!("ssm-{}", conn.target)));
                b.set_endpoint_url(endpoint(&conn.endpoints.ssm));
                aws_sdk_ssm::Client::from_conf(b.build())
            },
            route53: {
                // A global service: signed for us-east-1 whatever the recovery region.
                let mut b = aws_sdk_route53::config::Builder::from(&config)
                    .region(Region::new("us-east-1"))
                    .retry_partition(retry_partition(&format!("route53-{}", conn.target)));
                b.set_endpoint_url(endpoint(&conn.endpoints.route53));
                aws_sdk_route53::Client::from_conf(b.build())
            },
            target: conn.target,
            recovery_region: conn.recovery_region,
            other_region: conn.origin_region,
            endpoint_url: conn.endpoint_url,
            reversed_view: std::sync::OnceLock::new(),
            config,
        })
    }
}

impl AwsCloud {
    /// Adds the `aws sso login` hint to a credentials error of an SSO profile.
    fn explain(&self, e: CloudError) -> CloudError {
        match (e, &self.sso_profile, &self.role_arn) {
            (CloudError::Credentials(text), _, Some(role))
                if text.starts_with("sts:AssumeRole was refused (AccessDenied)") =>
            {
                CloudError::Credentials(format!(
                    "access denied assuming role {role}: {text}. Check the role's trust policy names the base credentials and that the external ID matches"
                ))
            }
            (CloudError::Credentials(text), Some(p), _) => {
                CloudError::Credentials(format!("{}: {text}", profiles::sso_hint(p)))
            }
            (CloudError::Credentials(text), None, _) if self.profile.is_some() => {
                let p = self.profile.as_deref().unwrap_or_default();
                if text.contains("credential provider was not enabled") {
                    CloudError::Credentials(format!(
                        "profile \"{p}\" holds no credentials (access keys, SSO, a role or credential_process) in the AWS config files"
                    ))
                } else {
                    CloudError::Credentials(format!("profile \"{p}\": {text}"))
                }
            }
            (other, _, _) => other,
        }
    }

    /// One small DRS call (DescribeJobs, first page), for throughput benchmarks.
    #[doc(hidden)]
    pub async fn bench_describe_jobs(&self) {
        let _ = self.drs.describe_jobs().max_results(10).send().await;
    }

    /// One small EC2 call, for throughput benchmarks.
    #[doc(hidden)]
    pub async fn bench_describe_one_instance(&self) {
        let _ = self
            .ec2_recovery
            .describe_instances()
            .filters(
                aws_sdk_ec2::types::Filter::builder()
                    .name("instance-state-name")
                    .values("pending")
                    .build(),
            )
            .send()
            .await;
    }
}

impl AwsCloud {
    /// Recovery instances, of these source servers only when some are given (DRS's
    /// `sourceServerIDs` filter takes at most 200).
    async fn recovery_instances_filtered(
        &self,
        servers: &[String],
    ) -> Result<Vec<RecoveryInstance>, CloudError> {
        use aws_sdk_drs::types::DescribeRecoveryInstancesRequestFilters;
        let chunks: Vec<&[String]> = if servers.is_empty() {
            vec![&[]]
        } else {
            servers.chunks(200).collect()
        };
        let mut out = Vec::new();
        for chunk in chunks {
            let mut req = self.drs.describe_recovery_instances().max_results(200);
            if !chunk.is_empty() {
                req = req.filters(
                    DescribeRecoveryInstancesRequestFilters::builder()
                        .set_source_server_ids(Some(chunk.to_vec()))
                        .build(),
                );
            }
            let mut pages = req.into_paginator().send();
            while let Some(page) = pages.next().await {
                let page =
                    page.map_err(|e| self.explain(map_err("drs:DescribeRecoveryInstances", e)))?;
                out.extend(page.items().iter().map(|r| {
                    RecoveryInstance {
                        recovery_instance_id: r
                            .recovery_instance_id()
                            .unwrap_or_default()
                            .to_string(),
                        ec2_instance_id: r.ec2_instance_id().map(str::to_string),
                        source_server_id: r.source_server_id().map(str::to_string),
                        is_drill: r.is_drill().unwrap_or(false),
                        job_id: r.job_id().map(str::to_string),
                        ec2_instance_state: r.ec2_instance_state().map(|s| s.as_str().to_string()),
                        failback_state: r
                            .failback()
                            .and_then(|f| f.state())
                            .map(|s| s.as_str().to_string()),
                    }
                }));
            }
        }
        Ok(out)
    }

    /// EC2 instances of `region` by ID, through `ec2`. A filter (not InstanceIds): IDs that
    /// no longer exist are simply absent.
    async fn instances_by_id(
        &self,
        ec2: &aws_sdk_ec2::Client,
        region: &str,
        ids: &[String],
    ) -> Result<Vec<Ec2Instance>, CloudError> {
        let mut out = Vec::new();
        for chunk in ids.chunks(200) {
            let mut pages = ec2
                .describe_instances()
                .filters(
                    aws_sdk_ec2::types::Filter::builder()
                        .name("instance-id")
                        .set_values(Some(chunk.to_vec()))
                        .build(),
                )
                .into_paginator()
                .send();
            while let Some(page) = pages.next().await {
                let page = page.map_err(|e| self.explain(map_err("ec2:DescribeInstances", e)))?;
                for r in page.reservations() {
                    out.extend(
                        r.instances()
                            .iter()
                            .map(|i| convert::instance(i, &self.target, region)),
                    );
                }
            }
        }
        Ok(out)
    }
}

#[async_trait]
impl Cloud for AwsCloud {
    async fn caller_identity(&self) -> Result<CallerIdentity, CloudError> {
        let out = self
            .sts
            .get_caller_identity()
            .send()
            .await
            .map_err(|e| self.explain(map_err("sts:GetCallerIdentity", e)))?;
        Ok(CallerIdentity {
            account: out.account().unwrap_or_default().to_string(),
            arn: out.arn().unwrap_or_default().to_string(),
            user_id: out.user_id().unwrap_or_default().to_string(),
        })
    }

    async fn source_servers(&self) -> Result<Vec<SourceServer>, CloudError> {
        let mut pages = self
            .drs
            .describe_source_servers()
            .max_results(1000)
            .into_paginator()
            .send();
        let mut out = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| self.explain(map_err("drs:DescribeSourceServers", e)))?;
            out.extend(
                page.items()
                    .iter()
                    .map(|s| convert::source_server(s, &self.target)),
            );
        }
        Ok(out)
    }

    async fn recovery_instances_ec2(&self) -> Result<Vec<Ec2Instance>, CloudError> {
        let mut pages = self
            .ec2_recovery
            .describe_instances()
            .max_results(1000)
            .into_paginator()
            .send();
        let mut out = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| self.explain(map_err("ec2:DescribeInstances", e)))?;
            for r in page.reservations() {
                out.extend(
                    r.instances()
                        .iter()
                        .map(|i| convert::instance(i, &self.target, &self.recovery_region)),
                );
            }
        }
        Ok(out)
    }

    async fn instances(&self, ids: &[String]) -> Result<Vec<Ec2Instance>, CloudError> {
        self.instances_by_id(&self.ec2_recovery, &self.recovery_region, ids)
            .await
    }

    async fn launch_configuration(
        &self,
        source_server_id: &str,
    ) -> Result<LaunchConfiguration, CloudError> {
        let out = self
            .drs
            .get_launch_configuration()
            .source_server_id(source_server_id)
            .send()
            .await
            .map_err(|e| self.explain(map_err("drs:GetLaunchConfiguration", e)))?;
        let mut lc = convert::launch_configuration(
            source_server_id,
            out.launch_into_instance_properties(),
            out.copy_private_ip(),
            out.copy_tags(),
            out.target_instance_type_right_sizing_method()
                .map(|m| m.as_str().to_string()),
            out.launch_disposition().map(|d| d.as_str().to_string()),
            out.ec2_launch_template_id(),
        );
        lc.os_byol = out.licensing().and_then(|l| l.os_byol());
        lc.recovery_mode = out.recovery_mode().map(|m| m.as_str().to_string());
        lc.post_launch_enabled = out.post_launch_enabled();
        Ok(lc)
    }

    async fn update_launch_configuration(
        &self,
        update: &LaunchConfigurationUpdate,
    ) -> Result<LaunchConfiguration, CloudError> {
        use aws_sdk_drs::types::{
            LaunchDisposition, LaunchIntoInstanceProperties, Licensing, RecoveryMode,
            TargetInstanceTypeRightSizingMethod,
        };
        let into = LaunchIntoInstanceProperties::builder()
            .set_launch_into_ec2_instance_id(update.launch_into_instance_id.clone())
            .build();
        let out = self
            .drs
            .update_launch_configuration()
            .source_server_id(&update.source_server_id)
            .launch_into_instance_properties(into)
            .set_copy_private_ip(update.copy_private_ip)
            .set_copy_tags(update.copy_tags)
            .set_target_instance_type_right_sizing_method(
                update
                    .right_sizing
                    .as_deref()
                    .map(TargetInstanceTypeRightSizingMethod::from),
            )
            .set_launch_disposition(
                update
                    .launch_disposition
                    .as_deref()
                    .map(LaunchDisposition::from),
            )
            .set_licensing(
                update
                    .os_byol
                    .map(|b| Licensing::builder().os_byol(b).build()),
            )
            .set_recovery_mode(update.recovery_mode.as_deref().map(RecoveryMode::from))
            .set_post_launch_enabled(update.post_launch_enabled)
            .send()
            .await
            .map_err(|e| self.explain(map_err("drs:UpdateLaunchConfiguration", e)))?;
        let mut lc = convert::launch_configuration(
            &update.source_server_id,
            out.launch_into_instance_properties(),
            out.copy_private_ip(),
            out.copy_tags(),
            out.target_instance_type_right_sizing_method()
                .map(|m| m.as_str().to_string()),
            out.launch_disposition().map(|d| d.as_str().to_string()),
            out.ec2_launch_template_id(),
        );
        lc.os_byol = out.licensing().and_then(|l| l.os_byol());
        lc.recovery_mode = out.recovery_mode().map(|m| m.as_str().to_string());
        lc.post_launch_enabled = out.post_launch_enabled();
        Ok(lc)
    }

    async fn recovery_instances(&self) -> Result<Vec<RecoveryInstance>, CloudError> {
        self.recovery_instances_filtered(&[]).await
    }

    async fn start_recovery(
        &self,
        servers: &[String],
        is_drill: bool,
        tags: &BTreeMap<String, String>,
    ) -> Result<Job, CloudError> {
        use aws_sdk_drs::types::StartRecoveryRequestSourceServer;
        let mut req = self.drs.start_recovery().is_drill(is_drill);
        for id in servers {
            let item = StartRecoveryRequestSourceServer::builder()
                .source_server_id(id)
                .build()
                .map_err(|e| CloudError::Service {
                    operation: "drs:StartRecovery".into(),
                    code: "BuildError".into(),
                    message: e.to_string(),
                    request_id: None,
                })?;
            req = req.source_servers(item);
        }
        for (k, v) in tags {
            req = req.tags(k, v);
        }
        let out = req
            .customize()
            .config_override(send_once())
            .send()
            .await
            .map_err(|e| self.explain(map_err("drs:StartRecovery", e)))?;
        out.job()
            .map(convert::job)
            .ok_or_else(|| CloudError::Service {
                operation: "drs:StartRecovery".into(),
                code: "NoJob".into(),
                message: "DRS answered without a job".into(),
                request_id: None,
            })
    }

    async fn jobs(&self, ids: &[String]) -> Result<Vec<Job>, CloudError> {
        use aws_sdk_drs::types::DescribeJobsRequestFilters;
        let mut out = Vec::new();
        let chunks: Vec<&[String]> = if ids.is_empty() {
            vec![&[]]
        } else {
            ids.chunks(100).collect()
        };
        for chunk in chunks {
            let mut req = self.drs.describe_jobs().max_results(1000);
            if !chunk.is_empty() {
                req = req.filters(
                    DescribeJobsRequestFilters::builder()
                        .set_job_ids(Some(chunk.to_vec()))
                        .build(),
                );
            }
            let mut pages = req.into_paginator().send();
            while let Some(page) = pages.next().await {
                let page = page.map_err(|e| self.explain(map_err("drs:DescribeJobs", e)))?;
                out.extend(page.items().iter().map(convert::job));
            }
        }
        Ok(out)
    }

    async fn jobs_created_since(&self, from: &str) -> Result<Vec<Job>, CloudError> {
        use aws_sdk_drs::types::DescribeJobsRequestFilters;
        let mut pages = self
            .drs
            .describe_jobs()
            .max_results(1000)
            .filters(
                DescribeJobsRequestFilters::builder()
                    .from_date(from)
                    .build(),
            )
            .into_paginator()
            .send();
        let mut out = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| self.explain(map_err("drs:DescribeJobs", e)))?;
            out.extend(page.items().iter().map(convert::job));
        }
        Ok(out)
    }

    async fn recovery_instances_of(
        &self,
        source_server_ids: &[String],
    ) -> Result<Vec<RecoveryInstance>, CloudError> {
        if source_server_ids.is_empty() {
            return Ok(Vec::new());
        }
        self.recovery_instances_filtered(source_server_ids).await
    }

    async fn termination_protected(
        &self,
        ids: &[String],
    ) -> Result<std::collections::BTreeSet<String>, CloudError> {
        use aws_sdk_ec2::types::InstanceAttributeName;
        let mut out = std::collections::BTreeSet::new();
        // One instance per call: EC2 has no batch form of this attribute.
        for id in ids {
            let attr = self
                .ec2_recovery
                .describe_instance_attribute()
                .instance_id(id)
                .attribute(InstanceAttributeName::DisableApiTermination)
                .send()
                .await;
            match attr {
                Ok(a) => {
                    if a.disable_api_termination().and_then(|v| v.value()) == Some(true) {
                        out.insert(id.clone());
                    }
                }
                // Gone already: nothing to protect.
                Err(aws_sdk_ec2::error::SdkError::ServiceError(e))
                    if aws_sdk_ec2::error::ProvideErrorMetadata::code(e.err())
                        == Some("InvalidInstanceID.NotFound") => {}
                Err(e) => return Err(self.explain(map_err("ec2:DescribeInstanceAttribute", e))),
            }
        }
        Ok(out)
    }

    async fn job_log(&self, job_id: &str) -> Result<Vec<JobLogItem>, CloudError> {
        let mut pages = self
            .drs
            .describe_job_log_items()
            .job_id(job_id)
            .max_results(1000)
            .into_paginator()
            .send();
        let mut out = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| self.explain(map_err("drs:DescribeJobLogItems", e)))?;
            out.extend(page.items().iter().map(|i| {
                let data = i.event_data();
                JobLogItem {
                    at: i.log_date_time().unwrap_or_default().to_string(),
                    event: i
                        .event()
                        .map(|e| e.as_str().to_string())
                        .unwrap_or_default(),
                    source_server_id: data.and_then(|d| d.source_server_id()).map(str::to_string),
                    target_instance_id: data
                        .and_then(|d| d.target_instance_id())
                        .map(str::to_string),
                    raw_error: data.and_then(|d| d.raw_error()).map(str::to_string),
                }
            }));
        }
        Ok(out)
    }

    async fn terminate_recovery_instances(&self, ids: &[String]) -> Result<Job, CloudError> {
        let out = self
            .drs
            .terminate_recovery_instances()
            .set_recovery_instance_ids(Some(ids.to_vec()))
            .customize()
            .config_override(send_once())
            .send()
            .await
            .map_err(|e| self.explain(map_err("drs:TerminateRecoveryInstances", e)))?;
        out.job()
            .map(convert::job)
            .ok_or_else(|| CloudError::Service {
                operation: "drs:TerminateRecoveryInstances".into(),
                code: "NoJob".into(),
                message: "DRS answered without a job".into(),
                request_id: None,
            })
    }

    async fn stop_instances(&self, ids: &[String]) -> Result<(), CloudError> {
        self.ec2_recovery
            .stop_instances()
            .set_instance_ids(Some(ids.to_vec()))
            .send()
            .await
            .map_err(|e| self.explain(map_err("ec2:StopInstances", e)))?;
        Ok(())
    }

    async fn disconnect_recovery_instance(&self, id: &str) -> Result<(), CloudError> {
        self.drs
            .disconnect_recovery_instance()
            .recovery_instance_id(id)
            .send()
            .await
            .map_err(|e| self.explain(map_err("drs:DisconnectRecoveryInstance", e)))?;
        Ok(())
    }

    async fn launch_template(&self, id: &str) -> Result<LaunchTemplate, CloudError> {
        let out = self
            .ec2_recovery
            .describe_launch_template_versions()
            .launch_template_id(id)
            .versions("$Default")
            .send()
            .await
            .map_err(|e| self.explain(map_err("ec2:DescribeLaunchTemplateVersions", e)))?;
        let v = out
            .launch_template_versions()
            .first()
            .ok_or_else(|| CloudError::NotFound {
                operation: "ec2:DescribeLaunchTemplateVersions".into(),
                message: format!("launch template {id} has no default version"),
                request_id: None,
            })?;
        let data = v.launch_template_data();
        let nic = data.and_then(|d| d.network_interfaces().first());
        Ok(LaunchTemplate {
            id: id.to_string(),
            version: v.version_number().unwrap_or(1),
            instance_type: data
                .and_then(|d| d.instance_type())
                .map(|t| t.as_str().to_string()),
            subnet_id: nic.and_then(|n| n.subnet_id()).map(str::to_string),
            security_group_ids: nic.map(|n| n.groups().to_vec()).unwrap_or_default(),
            private_ip: nic.and_then(|n| n.private_ip_address()).map(str::to_string),
        })
    }

    async fn update_launch_template(&self, t: &LaunchTemplate) -> Result<i64, CloudError> {
        use aws_sdk_ec2::types::{
            InstanceType, LaunchTemplateInstanceNetworkInterfaceSpecificationRequest,
            RequestLaunchTemplateData,
        };
        // The whole primary interface is given: a new version's interface replaces the
        // source version's, so a static IP that should go is left out.
        let nic = LaunchTemplateInstanceNetworkInterfaceSpecificationRequest::builder()
            .device_index(0)
            .set_subnet_id(t.subnet_id.clone())
            .set_groups((!t.security_group_ids.is_empty()).then(|| t.security_group_ids.clone()))
            .set_private_ip_address(t.private_ip.clone())
            .build();
        let data = RequestLaunchTemplateData::builder()
            .set_instance_type(t.instance_type.as_deref().map(InstanceType::from))
            .network_interfaces(nic)
            .build();
        let out = self
            .ec2_recovery
            .create_launch_template_version()
            .launch_template_id(&t.id)
            .source_version(t.version.to_string())
            .launch_template_data(data)
            .send()
            .await
            .map_err(|e| self.explain(map_err("ec2:CreateLaunchTemplateVersion", e)))?;
        let version = out
            .launch_template_version()
            .and_then(|v| v.version_number())
            .ok_or_else(|| CloudError::Service {
                operation: "ec2:CreateLaunchTemplateVersion".into(),
                code: "NoVersion".into(),
                message: "EC2 did not say which version it created".into(),
                request_id: None,
            })?;
        self.ec2_recovery
            .modify_launch_template()
            .launch_template_id(&t.id)
            .default_version(version.to_string())
            .send()
            .await
            .map_err(|e| self.explain(map_err("ec2:ModifyLaunchTemplate", e)))?;
        Ok(version)
    }

    async fn network_facts(&self, instance_types: &[String]) -> Result<NetworkFacts, CloudError> {
        let mut facts = NetworkFacts::default();
        let mut pages = self
            .ec2_recovery
            .describe_subnets()
            .max_results(1000)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| self.explain(map_err("ec2:DescribeSubnets", e)))?;
            facts.subnets.extend(page.subnets().iter().map(|s| Subnet {
                id: s.subnet_id().unwrap_or_default().to_string(),
                vpc_id: s.vpc_id().unwrap_or_default().to_string(),
                cidr: s.cidr_block().unwrap_or_default().to_string(),
            }));
        }
        let mut pages = self
            .ec2_recovery
            .describe_security_groups()
            .max_results(1000)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| self.explain(map_err("ec2:DescribeSecurityGroups", e)))?;
            facts
                .security_groups
                .extend(page.security_groups().iter().map(|g| SecurityGroup {
                    id: g.group_id().unwrap_or_default().to_string(),
                    vpc_id: g.vpc_id().unwrap_or_default().to_string(),
                    name: g.group_name().unwrap_or_default().to_string(),
                }));
        }
        // One call per type: EC2 refuses a whole request naming one unknown type.
        for t in instance_types {
            let result = self
                .ec2_recovery
                .describe_instance_types()
                .instance_types(aws_sdk_ec2::types::InstanceType::from(t.as_str()))
                .send()
                .await;
            match result {
                Ok(out) => facts.instance_types.extend(
                    out.instance_types()
                        .iter()
                        .filter_map(|i| i.instance_type())
                        .map(|i| i.as_str().to_string()),
                ),
                Err(aws_sdk_ec2::error::SdkError::ServiceError(e))
                    if aws_sdk_ec2::error::ProvideErrorMetadata::code(e.err())
                        == Some("InvalidInstanceType") => {}
                Err(e) => return Err(self.explain(map_err("ec2:DescribeInstanceTypes", e))),
            }
        }
        Ok(facts)
    }

    async fn instances_in(
        &self,
        region: &str,
        ids: &[String],
    ) -> Result<Vec<Ec2Instance>, CloudError> {
        let ec2 = aws_sdk_ec2::Client::from_conf(
            aws_sdk_ec2::config::Builder::from(&self.config)
                .region(Region::new(region.to_string()))
                .build(),
        );
        self.instances_by_id(&ec2, region, ids).await
    }

    async fn tag_resource(
        &self,
        arn: &str,
        tags: &BTreeMap<String, String>,
    ) -> Result<(), CloudError> {
        self.drs
            .tag_resource()
            .resource_arn(arn)
            .set_tags(Some(tags.clone().into_iter().collect()))
            .send()
            .await
            .map_err(|e| self.explain(map_err("drs:TagResource", e)))?;
        Ok(())
    }

    async fn native_plans(&self) -> Result<Vec<drs_core::native_plan::NativePlan>, CloudError> {
        self.drs_native_plans().await
    }

    async fn native_plan(
        &self,
        arn: &str,
    ) -> Result<drs_core::native_plan::NativePlan, CloudError> {
        self.drs_native_plan(arn).await
    }

    async fn create_native_plan(
        &self,
        name: &str,
        description: &str,
        tags: &BTreeMap<String, String>,
        token: &str,
    ) -> Result<String, CloudError> {
        self.drs_create_native_plan(name, description, tags, token)
            .await
    }

    async fn update_native_plan(&self, arn: &str, description: &str) -> Result<(), CloudError> {
        self.drs_update_native_plan(arn, description).await
    }

    async fn create_native_step(
        &self,
        plan_arn: &str,
        order: u32,
        step: &drs_core::native_plan::NativeStep,
        token: &str,
    ) -> Result<String, CloudError> {
        self.drs_create_native_step(plan_arn, order, step, token)
            .await
    }

    async fn update_native_step(
        &self,
        step_arn: &str,
        step: &drs_core::native_plan::NativeStep,
    ) -> Result<(), CloudError> {
        self.drs_update_native_step(step_arn, step).await
    }

    async fn delete_native_step(&self, step_arn: &str) -> Result<(), CloudError> {
        self.drs_delete_native_step(step_arn).await
    }

    async fn start_native_execution(
        &self,
        plan_arn: &str,
        drill: bool,
        tags: &BTreeMap<String, String>,
        token: &str,
    ) -> Result<drs_core::native_plan::NativeExecution, CloudError> {
        self.drs_start_native_execution(plan_arn, drill, tags, token)
            .await
    }

    async fn native_executions(
        &self,
        plan_arn: Option<&str>,
    ) -> Result<Vec<drs_core::native_plan::NativeExecution>, CloudError> {
        self.drs_native_executions(plan_arn).await
    }

    async fn native_execution(
        &self,
        arn: &str,
    ) -> Result<drs_core::native_plan::NativeExecution, CloudError> {
        self.drs_native_execution(arn).await
    }

    async fn monitoring(&self, topic: &str) -> Result<drs_core::monitoring::Observed, CloudError> {
        self.read_monitoring(topic).await
    }

    async fn change_monitoring(
        &self,
        m: &drs_core::monitoring::Monitoring,
        change: &drs_core::monitoring::MonitoringChange,
        topic_arn: &mut Option<String>,
    ) -> Result<(), CloudError> {
        AwsCloud::change_monitoring(self, m, change, topic_arn).await
    }

    async fn put_report(
        &self,
        object: &drs_core::delivery::ReportObject<'_>,
    ) -> Result<drs_core::delivery::StoredObject, CloudError> {
        self.put_report_object(object).await
    }

    async fn send_report_email(
        &self,
        email: &drs_core::delivery::ReportEmail<'_>,
    ) -> Result<String, CloudError> {
        self.send_report_mail(email).await
    }

    fn reversed(&self) -> Result<std::sync::Arc<dyn Cloud>, CloudError> {
        let other = self.other_region()?.to_string();
        let view = self
            .reversed_view
            .get_or_init(|| std::sync::Arc::new(self.for_region(&other)));
        Ok(view.clone())
    }

    fn region(&self) -> String {
        self.recovery_region.clone()
    }

    async fn reverse_replication(&self, recovery_instance_id: &str) -> Result<String, CloudError> {
        self.drs_reverse_replication(recovery_instance_id).await
    }

    async fn stop_replication(&self, source_server_id: &str) -> Result<(), CloudError> {
        self.drs_stop_replication(source_server_id).await
    }

    async fn launch_into_source_default(&self) -> Result<bool, CloudError> {
        self.drs_launch_into_source_default().await
    }

    async fn tag_instances(
        &self,
        ids: &[String],
        tags: &BTreeMap<String, String>,
    ) -> Result<(), CloudError> {
        self.ec2_tag_instances(ids, tags).await
    }

    async fn managed_instances(&self, ids: &[String]) -> Result<Vec<ManagedInstance>, CloudError> {
        self.ssm_managed_instances(ids).await
    }

    async fn status_checks(&self, ids: &[String]) -> Result<Vec<StatusChecks>, CloudError> {
        self.ec2_status_checks(ids).await
    }

    async fn send_command(&self, request: &CommandRequest) -> Result<String, CloudError> {
        self.ssm_send_command(request).await
    }

    async fn find_command(&self, comment: &str, since: &str) -> Result<Option<String>, CloudError> {
        self.ssm_find_command(comment, since).await
    }

    async fn command_results(&self, command_id: &str) -> Result<Vec<CommandResult>, CloudError> {
        self.ssm_command_results(command_id).await
    }

    async fn start_automation(
        &self,
        document: &str,
        parameters: &BTreeMap<String, Vec<String>>,
        client_token: &str,
    ) -> Result<String, CloudError> {
        self.ssm_start_automation(document, parameters, client_token)
            .await
    }

    async fn automation(&self, id: &str) -> Result<AutomationRun, CloudError> {
        self.ssm_automation(id).await
    }

    async fn hosted_zones(&self) -> Result<Vec<HostedZone>, CloudError> {
        self.r53_hosted_zones().await
    }

    async fn upsert_record(
        &self,
        zone_id: &str,
        record: &RecordSet,
        comment: &str,
    ) -> Result<String, CloudError> {
        self.r53_upsert(zone_id, record, comment).await
    }

    async fn change_in_sync(&self, change_id: &str) -> Result<bool, CloudError> {
        self.r53_change_in_sync(change_id).await
    }

    async fn record(
        &self,
        zone_id: &str,
        name: &str,
        record_type: &str,
    ) -> Result<Option<RecordSet>, CloudError> {
        self.r53_record(zone_id, name, record_type).await
    }

    async fn launch_actions(
        &self,
        source_server_id: &str,
    ) -> Result<Vec<drs_core::launch_actions::LaunchAction>, CloudError> {
        self.drs_launch_actions(source_server_id).await
    }

    async fn put_launch_action(
        &self,
        source_server_id: &str,
        action: &drs_core::launch_actions::LaunchAction,
    ) -> Result<drs_core::launch_actions::LaunchAction, CloudError> {
        self.drs_put_launch_action(source_server_id, action).await
    }

    async fn delete_launch_action(
        &self,
        source_server_id: &str,
        action_id: &str,
    ) -> Result<(), CloudError> {
        self.drs_delete_launch_action(source_server_id, action_id)
            .await
    }
}

#[cfg(test)]
mod permission_table {
    /// Every AWS operation this crate sends is in the app's permission table (so the table,
    /// the docs and the IAM policy the app prints stay exact).
    #[test]
    fn every_operation_sent_is_in_the_permission_table() {
        let sources = [
            include_str!("lib.rs"),
            include_str!("native.rs"),
            include_str!("monitoring.rs"),
            include_str!("delivery.rs"),
            include_str!("failback.rs"),
            include_str!("runbook.rs"),
            include_str!("convert.rs"),
            include_str!("profiles.rs"),
        ];
        let known: std::collections::BTreeSet<&str> = drs_core::permissions::features()
            .into_iter()
            .flat_map(|f| f.actions)
            .collect();
        let mut missing = Vec::new();
        for src in sources {
            for piece in src.split("map_err(\"").skip(1) {
                let op = &piece[..piece.find('"').unwrap_or(0)];
                if !known.contains(op) {
                    missing.push(op.to_string());
                }
            }
        }
        assert!(
            missing.is_empty(),
            "not in drs_core::permissions: {missing:?}"
        );
    }
}
