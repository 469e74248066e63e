//! The calls wave steps make: SSM (commands, automations, agents), EC2 status checks and
//! Route 53 records, in the port's own types. `SendCommand` is sent once (no SDK retry): the
//! engine looks for a command whose answer was lost by its comment before sending it again.
//! Route 53 is global: its client signs for `us-east-1` whatever the recovery region.

use crate::errors::map_err;
use crate::AwsCloud;
use aws_config::retry::RetryConfig;
use drs_core::cloud::{
    AutomationRun, CloudError, CommandRequest, CommandResult, HostedZone, ManagedInstance,
    RecordSet, StatusChecks,
};
use std::collections::BTreeMap;

/// Most instance IDs one `DescribeInstanceInformation` filter takes.
const SSM_IDS_PER_CALL: usize = 50;

fn fqdn(name: &str) -> String {
    if name.ends_with('.') {
        name.to_string()
    } else {
        format!("{name}.")
    }
}

impl AwsCloud {
    pub(crate) async fn ssm_managed_instances(
        &self,
        ids: &[String],
    ) -> Result<Vec<ManagedInstance>, CloudError> {
        use aws_sdk_ssm::types::InstanceInformationStringFilter;
        let mut out = Vec::new();
        for chunk in ids.chunks(SSM_IDS_PER_CALL) {
            let filter = InstanceInformationStringFilter::builder()
                .key("InstanceIds")
                .set_values(Some(chunk.to_vec()))
                .build()
                .map_err(|e| build_error("ssm:DescribeInstanceInformation", e))?;
            let mut pages = self
                .ssm
                .describe_instance_information()
                .filters(filter)
                .into_paginator()
                .send();
            while let Some(page) = pages.next().await {
                let page =
                    page.map_err(|e| self.explain(map_err("ssm:DescribeInstanceInformation", e)))?;
                out.extend(page.instance_information_list().iter().map(|i| {
                    ManagedInstance {
                        id: i.instance_id().unwrap_or_default().to_string(),
                        ping_status: i
                            .ping_status()
                            .map(|p| p.as_str().to_string())
                            .unwrap_or_default(),
                        platform: i
                            .platform_type()
                            .map(|p| p.as_str().to_string())
                            .unwrap_or_default(),
                    }
                }));
            }
        }
        Ok(out)
    }

    pub(crate) async fn ec2_status_checks(
        &self,
        ids: &[String],
    ) -> Result<Vec<StatusChecks>, CloudError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut pages = self
            .ec2_recovery
            .describe_instance_status()
            .set_instance_ids(Some(ids.to_vec()))
            .into_paginator()
            .send();
        let mut out = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| self.explain(map_err("ec2:DescribeInstanceStatus", e)))?;
            out.extend(page.instance_statuses().iter().map(|s| {
                StatusChecks {
                    id: s.instance_id().unwrap_or_default().to_string(),
                    system: s
                        .system_status()
                        .and_then(|x| x.status())
                        .map(|x| x.as_str().to_string())
                        .unwrap_or_default(),
                    instance: s
                        .instance_status()
                        .and_then(|x| x.status())
                        .map(|x| x.as_str().to_string())
                        .unwrap_or_default(),
                }
            }));
        }
        Ok(out)
    }

    pub(crate) async fn ssm_send_command(
        &self,
        request: &CommandRequest,
    ) -> Result<String, CloudError> {
        let out = self
            .ssm
            .send_command()
            .document_name(&request.document)
            .set_instance_ids(Some(request.instance_ids.clone()))
            .set_parameters(Some(request.parameters.clone().into_iter().collect()))
            .comment(&request.comment)
            .timeout_seconds(i32::try_from(request.timeout_seconds).unwrap_or(600))
            .customize()
            .config_override(
                aws_sdk_ssm::config::Builder::default().retry_config(RetryConfig::disabled()),
            )
            .send()
            .await
            .map_err(|e| self.explain(map_err("ssm:SendCommand", e)))?;
        out.command()
            .and_then(|c| c.command_id())
            .map(str::to_string)
            .ok_or_else(|| missing("ssm:SendCommand", "Command.CommandId"))
    }

    pub(crate) async fn ssm_find_command(
        &self,
        comment: &str,
        since: &str,
    ) -> Result<Option<String>, CloudError> {
        use aws_sdk_ssm::types::{CommandFilter, CommandFilterKey};
        let filter = CommandFilter::builder()
            .key(CommandFilterKey::InvokedAfter)
            .value(since)
            .build()
            .map_err(|e| build_error("ssm:ListCommands", e))?;
        let mut pages = self
            .ssm
            .list_commands()
            .filters(filter)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| self.explain(map_err("ssm:ListCommands", e)))?;
            if let Some(c) = page
                .commands()
                .iter()
                .find(|c| c.comment() == Some(comment))
            {
                return Ok(c.command_id().map(str::to_string));
            }
        }
        Ok(None)
    }

    pub(crate) async fn ssm_command_results(
        &self,
        command_id: &str,
    ) -> Result<Vec<CommandResult>, CloudError> {
        let mut pages = self
            .ssm
            .list_command_invocations()
            .command_id(command_id)
            .details(true)
            .into_paginator()
            .send();
        let mut out = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| self.explain(map_err("ssm:ListCommandInvocations", e)))?;
            for inv in page.command_invocations() {
                let plugins = inv.command_plugins();
                let output: Vec<&str> = plugins.iter().filter_map(|p| p.output()).collect();
                let code = plugins
                    .iter()
                    .map(|p| p.response_code())
                    .find(|c| *c != 0)
                    .or_else(|| plugins.first().map(|p| p.response_code()));
                out.push(CommandResult {
                    instance_id: inv.instance_id().unwrap_or_default().to_string(),
                    status: inv
                        .status()
                        .map(|s| s.as_str().to_string())
                        .unwrap_or_default(),
                    response_code: code.filter(|c| *c >= 0),
                    output: output.join("\n"),
                });
            }
        }
        Ok(out)
    }

    pub(crate) async fn ssm_start_automation(
        &self,
        document: &str,
        parameters: &BTreeMap<String, Vec<String>>,
        client_token: &str,
    ) -> Result<String, CloudError> {
        let out = self
            .ssm
            .start_automation_execution()
            .document_name(document)
            .set_parameters(Some(parameters.clone().into_iter().collect()))
            .client_token(client_token)
            .send()
            .await
            .map_err(|e| self.explain(map_err("ssm:StartAutomationExecution", e)))?;
        out.automation_execution_id()
            .map(str::to_string)
            .ok_or_else(|| missing("ssm:StartAutomationExecution", "AutomationExecutionId"))
    }

    pub(crate) async fn ssm_automation(&self, id: &str) -> Result<AutomationRun, CloudError> {
        let out = self
            .ssm
            .get_automation_execution()
            .automation_execution_id(id)
            .send()
            .await
            .map_err(|e| self.explain(map_err("ssm:GetAutomationExecution", e)))?;
        let a = out
            .automation_execution()
            .ok_or_else(|| missing("ssm:GetAutomationExecution", "AutomationExecution"))?;
        Ok(AutomationRun {
            id: a.automation_execution_id().unwrap_or(id).to_string(),
            status: a
                .automation_execution_status()
                .map(|s| s.as_str().to_string())
                .unwrap_or_default(),
            failure: a.failure_message().map(str::to_string),
            outputs: a
                .outputs()
                .map(|o| o.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                .unwrap_or_default(),
        })
    }

    pub(crate) async fn r53_hosted_zones(&self) -> Result<Vec<HostedZone>, CloudError> {
        let mut out = Vec::new();
        let mut marker: Option<String> = None;
        // ListHostedZones pages by marker; the SDK has no paginator for it.
        loop {
            let page = self
                .route53
                .list_hosted_zones()
                .set_marker(marker.clone())
                .send()
                .await
                .map_err(|e| self.explain(map_err("route53:ListHostedZones", e)))?;
            out.extend(page.hosted_zones().iter().map(|z| HostedZone {
                id: drs_core::step::bare_zone_id(z.id()).to_string(),
                name: z.name().to_string(),
                private: z.config().is_some_and(|c| c.private_zone()),
            }));
            match (page.is_truncated(), page.next_marker()) {
                (true, Some(m)) => marker = Some(m.to_string()),
                _ => return Ok(out),
            }
        }
    }

    pub(crate) async fn r53_upsert(
        &self,
        zone_id: &str,
        record: &RecordSet,
        comment: &str,
    ) -> Result<String, CloudError> {
        use aws_sdk_route53::types::{
            Change, ChangeAction, ChangeBatch, ResourceRecord, ResourceRecordSet, RrType,
        };
        let op = "route53:ChangeResourceRecordSets";
        let mut set = ResourceRecordSet::builder()
            .name(fqdn(&record.name))
            .r#type(RrType::from(record.record_type.as_str()))
            .set_ttl(record.ttl);
        for v in &record.values {
            set = set.resource_records(
                ResourceRecord::builder()
                    .value(v)
                    .build()
                    .map_err(|e| build_error(op, e))?,
            );
        }
        let change = Change::builder()
            .action(ChangeAction::Upsert)
            .resource_record_set(set.build().map_err(|e| build_error(op, e))?)
            .build()
            .map_err(|e| build_error(op, e))?;
        let batch = ChangeBatch::builder()
            .comment(comment)
            .changes(change)
            .build()
            .map_err(|e| build_error(op, e))?;
        let out = self
            .route53
            .change_resource_record_sets()
            .hosted_zone_id(drs_core::step::bare_zone_id(zone_id))
            .change_batch(batch)
            .send()
            .await
            .map_err(|e| self.explain(map_err(op, e)))?;
        Ok(out
            .change_info()
            .map(|c| c.id().trim_start_matches("/change/").to_string())
            .unwrap_or_default())
    }

    pub(crate) async fn r53_change_in_sync(&self, change_id: &str) -> Result<bool, CloudError> {
        let out = self
            .route53
            .get_change()
            .id(change_id)
            .send()
            .await
            .map_err(|e| self.explain(map_err("route53:GetChange", e)))?;
        Ok(out
            .change_info()
            .is_some_and(|c| c.status().as_str() == "INSYNC"))
    }

    pub(crate) async fn r53_record(
        &self,
        zone_id: &str,
        name: &str,
        record_type: &str,
    ) -> Result<Option<RecordSet>, CloudError> {
        use aws_sdk_route53::types::RrType;
        let wanted = fqdn(name).to_ascii_lowercase();
        let out = self
            .route53
            .list_resource_record_sets()
            .hosted_zone_id(drs_core::step::bare_zone_id(zone_id))
            .start_record_name(&wanted)
            .start_record_type(RrType::from(record_type))
            .max_items(1)
            .send()
            .await
            .map_err(|e| self.explain(map_err("route53:ListResourceRecordSets", e)))?;
        Ok(out
            .resource_record_sets()
            .iter()
            .find(|r| r.name().to_ascii_lowercase() == wanted && r.r#type().as_str() == record_type)
            .map(|r| RecordSet {
                name: r.name().to_string(),
                record_type: r.r#type().as_str().to_string(),
                ttl: r.ttl(),
                values: r
                    .resource_records()
                    .iter()
                    .map(|v| v.value().to_string())
                    .collect(),
            }))
    }
}

impl AwsCloud {
    pub(crate) async fn drs_launch_actions(
        &self,
        source_server_id: &str,
    ) -> Result<Vec<drs_core::launch_actions::LaunchAction>, CloudError> {
        let mut pages = self
            .drs
            .list_launch_actions()
            .resource_id(source_server_id)
            .into_paginator()
            .send();
        let mut out = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| self.explain(map_err("drs:ListLaunchActions", e)))?;
            out.extend(page.items().iter().map(crate::convert::launch_action));
        }
        Ok(out)
    }

    pub(crate) async fn drs_put_launch_action(
        &self,
        source_server_id: &str,
        a: &drs_core::launch_actions::LaunchAction,
    ) -> Result<drs_core::launch_actions::LaunchAction, CloudError> {
        use aws_sdk_drs::types::{
            LaunchActionCategory, LaunchActionParameter, LaunchActionParameterType,
        };
        let op = "drs:PutLaunchAction";
        let mut params = std::collections::HashMap::new();
        for (k, v) in &a.parameters {
            params.insert(
                k.clone(),
                LaunchActionParameter::builder()
                    .value(v)
                    .r#type(LaunchActionParameterType::Dynamic)
                    .build(),
            );
        }
        let out = self
            .drs
            .put_launch_action()
            .resource_id(source_server_id)
            .action_id(&a.action_id)
            .action_code(&a.document)
            .name(&a.name)
            .order(i32::try_from(a.order).unwrap_or(100))
            .optional(a.optional)
            .active(a.active)
            .action_version("$DEFAULT")
            .category(LaunchActionCategory::from(a.category.as_str()))
            .description(&a.description)
            .set_parameters((!params.is_empty()).then_some(params))
            .send()
            .await
            .map_err(|e| self.explain(map_err(op, e)))?;
        Ok(drs_core::launch_actions::LaunchAction {
            action_id: out.action_id().unwrap_or(&a.action_id).to_string(),
            name: out.name().unwrap_or(&a.name).to_string(),
            document: out.action_code().unwrap_or(&a.document).to_string(),
            order: out
                .order()
                .and_then(|o| u32::try_from(o).ok())
                .unwrap_or(a.order),
            category: out
                .category()
                .map(|c| c.as_str().to_string())
                .unwrap_or_else(|| a.category.clone()),
            parameters: out
                .parameters()
                .map(|p| {
                    p.iter()
                        .map(|(k, v)| (k.clone(), v.value().unwrap_or_default().to_string()))
                        .collect()
                })
                .unwrap_or_else(|| a.parameters.clone()),
            optional: out.optional().unwrap_or(a.optional),
            active: out.active().unwrap_or(a.active),
            description: out.description().unwrap_or(&a.description).to_string(),
        })
    }

    pub(crate) async fn drs_delete_launch_action(
        &self,
        source_server_id: &str,
        action_id: &str,
    ) -> Result<(), CloudError> {
        self.drs
            .delete_launch_action()
            .resource_id(source_server_id)
            .action_id(action_id)
            .send()
            .await
            .map_err(|e| self.explain(map_err("drs:DeleteLaunchAction", e)))?;
        Ok(())
    }
}

fn build_error(operation: &str, e: impl std::fmt::Display) -> CloudError {
    CloudError::Validation {
        operation: operation.to_string(),
        message: e.to_string(),
        fields: Vec::new(),
        request_id: None,
    }
}

fn missing(operation: &str, field: &str) -> CloudError {
    CloudError::Service {
        operation: operation.to_string(),
        code: "IncompleteResponse".into(),
        message: format!("the answer has no {field}"),
        request_id: None,
    }
}
