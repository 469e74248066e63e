//! Failback and reprotect over the SDK, in one place (see `docs/failback.md` for what this
//! relies on): the target's other region as a connection of its own (`reversed`),
//! `ReverseReplication` (sent once: the engine looks for the reversed source server by the
//! recovery instance's EC2 ID before sending again), `StopReplication`, the default launch
//! settings' `launchIntoSourceInstance`, and EC2 tags on original instances. The failback
//! launch itself is a `StartRecovery` of the failback source server in the origin region, like
//! any recovery: DRS documents no other call for an EC2 source (`StartFailbackLaunch` serves
//! the Failback Client of servers outside AWS).

use crate::errors::map_err;
use crate::{retry_partition, send_once, AwsCloud};
use aws_types::region::Region;
use drs_core::cloud::CloudError;
use std::collections::BTreeMap;

impl AwsCloud {
    /// This target's connection for `region`, the current region becoming its other one.
    pub(crate) fn for_region(&self, region: &str) -> Self {
        let region_id = Region::new(region.to_string());
        Self {
            target: self.target.clone(),
            recovery_region: region.to_string(),
            other_region: Some(self.recovery_region.clone()),
            endpoint_url: self.endpoint_url.clone(),
            endpoints: self.endpoints.clone(),
            reversed_view: std::sync::OnceLock::new(),
            drs: aws_sdk_drs::Client::from_conf(
                aws_sdk_drs::config::Builder::from(&self.config)
                    .region(region_id.clone())
                    .retry_partition(retry_partition(&format!("drs-{}-{region}", self.target)))
                    .build(),
            ),
            ec2_recovery: aws_sdk_ec2::Client::from_conf(
                aws_sdk_ec2::config::Builder::from(&self.config)
                    .region(region_id.clone())
                    .retry_partition(retry_partition(&format!("ec2-{}-{region}", self.target)))
                    .build(),
            ),
            sts: self.sts.clone(),
            ssm: aws_sdk_ssm::Client::from_conf(
                aws_sdk_ssm::config::Builder::from(&self.config)
                    .region(region_id)
                    .retry_partition(retry_partition(&format!("ssm-{}-{region}", self.target)))
                    .build(),
            ),
            route53: self.route53.clone(),
            config: self.config.clone(),
            profile: self.profile.clone(),
            sso_profile: self.sso_profile.clone(),
            role_arn: self.role_arn.clone(),
        }
    }

    /// The target's other region, or why there is none.
    pub(crate) fn other_region(&self) -> Result<&str, CloudError> {
        self.other_region
            .as_deref()
            .ok_or_else(|| CloudError::Validation {
                operation: "failback".into(),
                message: format!(
                    "target \"{}\" names no origin region: failback needs it",
                    self.target
                ),
                fields: vec!["primaryRegion".into()],
                request_id: None,
            })
    }

    pub(crate) async fn drs_reverse_replication(
        &self,
        recovery_instance_id: &str,
    ) -> Result<String, CloudError> {
        let out = self
            .drs
            .reverse_replication()
            .recovery_instance_id(recovery_instance_id)
            .customize()
            .config_override(send_once())
            .send()
            .await
            .map_err(|e| self.explain(map_err("drs:ReverseReplication", e)))?;
        let arn = out
            .reversed_direction_source_server_arn()
            .unwrap_or_default();
        match arn.rsplit('/').next() {
            Some(id) if id.starts_with("s-") => Ok(id.to_string()),
            _ => Err(CloudError::Service {
                operation: "drs:ReverseReplication".into(),
                code: "NoSourceServer".into(),
                message: format!("DRS answered without the reversed source server's ARN ({arn:?})"),
                request_id: None,
            }),
        }
    }

    pub(crate) async fn drs_stop_replication(&self, id: &str) -> Result<(), CloudError> {
        self.drs
            .stop_replication()
            .source_server_id(id)
            .send()
            .await
            .map_err(|e| self.explain(map_err("drs:StopReplication", e)))?;
        Ok(())
    }

    pub(crate) async fn drs_launch_into_source_default(&self) -> Result<bool, CloudError> {
        let out = self
            .drs
            .describe_launch_configuration_templates()
            .send()
            .await
            .map_err(|e| self.explain(map_err("drs:DescribeLaunchConfigurationTemplates", e)))?;
        Ok(out
            .items()
            .iter()
            .any(|t| t.launch_into_source_instance().unwrap_or(false)))
    }

    pub(crate) async fn ec2_tag_instances(
        &self,
        ids: &[String],
        tags: &BTreeMap<String, String>,
    ) -> Result<(), CloudError> {
        let tags: Vec<aws_sdk_ec2::types::Tag> = tags
            .iter()
            .map(|(k, v)| aws_sdk_ec2::types::Tag::builder().key(k).value(v).build())
            .collect();
        self.ec2_recovery
            .create_tags()
            .set_resources(Some(ids.to_vec()))
            .set_tags(Some(tags))
            .send()
            .await
            .map_err(|e| self.explain(map_err("ec2:CreateTags", e)))?;
        Ok(())
    }
}
