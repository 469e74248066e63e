//! DRS's native recovery plans over the SDK: plans and their steps (create, read, update,
//! delete) and their executions (start, list, read with steps). Creating a plan, a step or an
//! execution carries a client token, so a request repeated after a lost answer does not create
//! a second one; `StartRecoveryPlanExecution` is still sent once (no SDK retry): DRS allows one
//! unfinished execution per plan, and the app looks for it before starting again.

use crate::errors::map_err;
use crate::{send_once, AwsCloud};
use aws_sdk_drs::types::{
    RecoveryPlanExecutionMode, RecoveryPlanExecutionStepConfiguration, RecoveryPlanServer,
    RecoveryPlanServerImpactLevel, RecoveryPlanStepConfiguration, ServerStepConfiguration,
    WaitStepConfiguration,
};
use drs_core::cloud::CloudError;
use drs_core::native_plan::{
    NativeExecution, NativePlan, NativeRunServer, NativeRunStep, NativeServer, NativeStep,
    NativeStepConfig,
};
use std::collections::BTreeMap;

fn build_error(operation: &str, e: impl std::fmt::Display) -> CloudError {
    CloudError::Validation {
        operation: operation.into(),
        message: e.to_string(),
        fields: Vec::new(),
        request_id: None,
    }
}

/// An answer without the member the operation promises.
fn missing(operation: &str, member: &str) -> CloudError {
    CloudError::Service {
        operation: operation.into(),
        code: "MalformedResponse".into(),
        message: format!("the answer holds no {member}"),
        request_id: None,
    }
}

fn server_id(arn: &str) -> String {
    arn.rsplit('/').next().unwrap_or(arn).to_string()
}

fn step_configuration(
    operation: &str,
    step: &NativeStep,
) -> Result<RecoveryPlanStepConfiguration, CloudError> {
    Ok(match &step.config {
        NativeStepConfig::Servers { servers } => {
            let list = servers
                .iter()
                .map(|s| {
                    RecoveryPlanServer::builder()
                        .server_arn(&s.arn)
                        .impact_level(if s.critical {
                            RecoveryPlanServerImpactLevel::Critical
                        } else {
                            RecoveryPlanServerImpactLevel::Optional
                        })
                        .build()
                        .map_err(|e| build_error(operation, e))
                })
                .collect::<Result<Vec<_>, _>>()?;
            RecoveryPlanStepConfiguration::ServerStepConfiguration(
                ServerStepConfiguration::builder()
                    .set_servers(Some(list))
                    .build()
                    .map_err(|e| build_error(operation, e))?,
            )
        }
        NativeStepConfig::Wait { minutes } => RecoveryPlanStepConfiguration::WaitStepConfiguration(
            WaitStepConfiguration::builder()
                .wait_duration_minutes(i32::try_from(*minutes).unwrap_or(i32::MAX))
                .build()
                .map_err(|e| build_error(operation, e))?,
        ),
    })
}

fn read_configuration(config: Option<&RecoveryPlanStepConfiguration>) -> NativeStepConfig {
    match config {
        Some(RecoveryPlanStepConfiguration::ServerStepConfiguration(c)) => {
            NativeStepConfig::Servers {
                servers: c
                    .servers()
                    .iter()
                    .map(|s| NativeServer {
                        arn: s.server_arn().to_string(),
                        source_server_id: server_id(s.server_arn()),
                        name: String::new(),
                        critical: s.impact_level()
                            != Some(&RecoveryPlanServerImpactLevel::Optional),
                    })
                    .collect(),
            }
        }
        Some(RecoveryPlanStepConfiguration::WaitStepConfiguration(c)) => NativeStepConfig::Wait {
            minutes: u32::try_from(c.wait_duration_minutes()).unwrap_or(0),
        },
        // A step kind this SDK does not know: shown as no servers, so it reads as a difference.
        _ => NativeStepConfig::Servers {
            servers: Vec::new(),
        },
    }
}

fn tags(map: Option<&std::collections::HashMap<String, String>>) -> BTreeMap<String, String> {
    map.map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default()
}

impl AwsCloud {
    pub(crate) async fn drs_native_plans(&self) -> Result<Vec<NativePlan>, CloudError> {
        let mut pages = self
            .drs
            .list_recovery_plans()
            .max_results(1000)
            .into_paginator()
            .send();
        let mut out = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| self.explain(map_err("drs:ListRecoveryPlans", e)))?;
            out.extend(page.recovery_plans().iter().map(|p| NativePlan {
                arn: p.recovery_plan_arn().to_string(),
                name: p.name().to_string(),
                description: String::new(),
                status: p.status().as_str().to_string(),
                created_at: p.created_at().to_string(),
                updated_at: p.updated_at().to_string(),
                tags: BTreeMap::new(),
                steps: Vec::new(),
            }));
        }
        Ok(out)
    }

    pub(crate) async fn drs_native_plan(&self, arn: &str) -> Result<NativePlan, CloudError> {
        let out = self
            .drs
            .get_recovery_plan()
            .recovery_plan_arn(arn)
            .send()
            .await
            .map_err(|e| self.explain(map_err("drs:GetRecoveryPlan", e)))?;
        let p = out
            .recovery_plan()
            .ok_or_else(|| missing("drs:GetRecoveryPlan", "recoveryPlan"))?;
        let mut steps = Vec::new();
        let mut pages = self
            .drs
            .list_recovery_plan_steps()
            .recovery_plan_arn(arn)
            .max_results(1000)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| self.explain(map_err("drs:ListRecoveryPlanSteps", e)))?;
            steps.extend(page.recovery_plan_steps().iter().map(|s| {
                (
                    s.step_order(),
                    NativeStep {
                        name: s.step_name().to_string(),
                        wave: None,
                        config: read_configuration(s.configuration()),
                        arn: Some(s.recovery_plan_step_arn().to_string()),
                    },
                )
            }));
        }
        steps.sort_by_key(|(order, _)| *order);
        Ok(NativePlan {
            arn: p.recovery_plan_arn().to_string(),
            name: p.name().to_string(),
            description: p.description().unwrap_or_default().to_string(),
            status: p.status().as_str().to_string(),
            created_at: p.created_at().to_string(),
            updated_at: p.updated_at().to_string(),
            tags: tags(p.tags()),
            steps: steps.into_iter().map(|(_, s)| s).collect(),
        })
    }

    pub(crate) async fn drs_create_native_plan(
        &self,
        name: &str,
        description: &str,
        plan_tags: &BTreeMap<String, String>,
        token: &str,
    ) -> Result<String, CloudError> {
        let out = self
            .drs
            .create_recovery_plan()
            .name(name)
            .description(description)
            .client_token(token)
            .set_tags(Some(plan_tags.clone().into_iter().collect()))
            .send()
            .await
            .map_err(|e| self.explain(map_err("drs:CreateRecoveryPlan", e)))?;
        Ok(out
            .recovery_plan()
            .map(|p| p.recovery_plan_arn().to_string())
            .unwrap_or_default())
    }

    pub(crate) async fn drs_update_native_plan(
        &self,
        arn: &str,
        description: &str,
    ) -> Result<(), CloudError> {
        self.drs
            .update_recovery_plan()
            .recovery_plan_arn(arn)
            .description(description)
            .send()
            .await
            .map_err(|e| self.explain(map_err("drs:UpdateRecoveryPlan", e)))?;
        Ok(())
    }

    pub(crate) async fn drs_create_native_step(
        &self,
        plan_arn: &str,
        order: u32,
        step: &NativeStep,
        token: &str,
    ) -> Result<String, CloudError> {
        let op = "drs:CreateRecoveryPlanStep";
        let out = self
            .drs
            .create_recovery_plan_step()
            .recovery_plan_arn(plan_arn)
            .step_name(&step.name)
            .step_order(i32::try_from(order).unwrap_or(i32::MAX))
            .configuration(step_configuration(op, step)?)
            .client_token(token)
            .send()
            .await
            .map_err(|e| self.explain(map_err(op, e)))?;
        Ok(out
            .recovery_plan_step()
            .map(|s| s.recovery_plan_step_arn().to_string())
            .unwrap_or_default())
    }

    pub(crate) async fn drs_update_native_step(
        &self,
        step_arn: &str,
        step: &NativeStep,
    ) -> Result<(), CloudError> {
        let op = "drs:UpdateRecoveryPlanStep";
        self.drs
            .update_recovery_plan_step()
            .recovery_plan_step_arn(step_arn)
            .step_name(&step.name)
            .configuration(step_configuration(op, step)?)
            .send()
            .await
            .map_err(|e| self.explain(map_err(op, e)))?;
        Ok(())
    }

    pub(crate) async fn drs_delete_native_step(&self, step_arn: &str) -> Result<(), CloudError> {
        self.drs
            .delete_recovery_plan_step()
            .recovery_plan_step_arn(step_arn)
            .send()
            .await
            .map_err(|e| self.explain(map_err("drs:DeleteRecoveryPlanStep", e)))?;
        Ok(())
    }

    pub(crate) async fn drs_start_native_execution(
        &self,
        plan_arn: &str,
        drill: bool,
        run_tags: &BTreeMap<String, String>,
        token: &str,
    ) -> Result<NativeExecution, CloudError> {
        let out = self
            .drs
            .start_recovery_plan_execution()
            .recovery_plan_arn(plan_arn)
            .mode(if drill {
                RecoveryPlanExecutionMode::Drill
            } else {
                RecoveryPlanExecutionMode::Recovery
            })
            .client_token(token)
            .set_tags(Some(run_tags.clone().into_iter().collect()))
            .customize()
            .config_override(send_once())
            .send()
            .await
            .map_err(|e| self.explain(map_err("drs:StartRecoveryPlanExecution", e)))?;
        let e = out
            .recovery_plan_execution()
            .ok_or_else(|| missing("drs:StartRecoveryPlanExecution", "recoveryPlanExecution"))?;
        Ok(execution(e))
    }

    pub(crate) async fn drs_native_executions(
        &self,
        plan_arn: Option<&str>,
    ) -> Result<Vec<NativeExecution>, CloudError> {
        let mut pages = self
            .drs
            .list_recovery_plan_executions()
            .set_recovery_plan_arn(plan_arn.map(str::to_string))
            .max_results(1000)
            .into_paginator()
            .send();
        let mut out = Vec::new();
        while let Some(page) = pages.next().await {
            let page =
                page.map_err(|e| self.explain(map_err("drs:ListRecoveryPlanExecutions", e)))?;
            out.extend(page.recovery_plan_executions().iter().map(|e| {
                NativeExecution {
                    arn: e.recovery_plan_execution_arn().to_string(),
                    plan_arn: e.recovery_plan_arn().to_string(),
                    drill: e.mode() == &RecoveryPlanExecutionMode::Drill,
                    status: e.status().as_str().to_string(),
                    started_at: e.started_at().to_string(),
                    completed_at: None,
                    error: e
                        .error_detail()
                        .map(|d| format!("{}: {}", d.code(), d.message())),
                    tags: BTreeMap::new(),
                    steps: Vec::new(),
                }
            }));
        }
        out.sort_by_key(|x| std::cmp::Reverse(x.started_at.clone()));
        Ok(out)
    }

    pub(crate) async fn drs_native_execution(
        &self,
        arn: &str,
    ) -> Result<NativeExecution, CloudError> {
        let out = self
            .drs
            .get_recovery_plan_execution()
            .recovery_plan_execution_arn(arn)
            .send()
            .await
            .map_err(|e| self.explain(map_err("drs:GetRecoveryPlanExecution", e)))?;
        let e = out
            .recovery_plan_execution()
            .ok_or_else(|| missing("drs:GetRecoveryPlanExecution", "recoveryPlanExecution"))?;
        let mut run = execution(e);
        let mut pages = self
            .drs
            .list_recovery_plan_execution_steps()
            .recovery_plan_execution_arn(arn)
            .max_results(1000)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page =
                page.map_err(|e| self.explain(map_err("drs:ListRecoveryPlanExecutionSteps", e)))?;
            for s in page.recovery_plan_execution_steps() {
                let (servers, wait_minutes) = match s.configuration() {
                    Some(
                        RecoveryPlanExecutionStepConfiguration::ExecutionServerStepConfiguration(c),
                    ) => (
                        c.servers()
                            .iter()
                            .map(|v| NativeRunServer {
                                arn: v.server_arn().to_string(),
                                source_server_id: server_id(v.server_arn()),
                                critical: v.impact_level()
                                    != Some(&RecoveryPlanServerImpactLevel::Optional),
                                job_id: v.job_id().map(str::to_string),
                            })
                            .collect(),
                        None,
                    ),
                    Some(RecoveryPlanExecutionStepConfiguration::WaitStepConfiguration(c)) => {
                        (Vec::new(), u32::try_from(c.wait_duration_minutes()).ok())
                    }
                    _ => (Vec::new(), None),
                };
                run.steps.push(NativeRunStep {
                    arn: s.recovery_plan_execution_step_arn().to_string(),
                    index: u32::try_from(s.step_index()).unwrap_or(0),
                    name: s.step_name().to_string(),
                    status: s.status().as_str().to_string(),
                    servers,
                    wait_minutes,
                    error: s
                        .error_detail()
                        .map(|d| format!("{}: {}", d.code(), d.message())),
                });
            }
        }
        run.steps.sort_by_key(|s| s.index);
        Ok(run)
    }
}

fn execution(e: &aws_sdk_drs::types::RecoveryPlanExecution) -> NativeExecution {
    NativeExecution {
        arn: e.recovery_plan_execution_arn().to_string(),
        plan_arn: e.recovery_plan_arn().to_string(),
        drill: e.mode() == &RecoveryPlanExecutionMode::Drill,
        status: e.status().as_str().to_string(),
        started_at: e.started_at().to_string(),
        completed_at: e.completed_at().map(str::to_string),
        error: e
            .error_detail()
            .map(|d| format!("{}: {}", d.code(), d.message())),
        tags: tags(e.tags()),
        steps: Vec::new(),
    }
}
