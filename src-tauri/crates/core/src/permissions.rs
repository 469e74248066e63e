//! The IAM actions each feature of the app calls, exactly: shown in the window and by
//! `drs-orchestrator permissions`, written to `docs/permissions.md`, turned into an IAM policy,
//! and named when AWS refuses one. A test checks that every AWS operation the app sends is in
//! this table (see `drs-aws`).

use serde::Serialize;

/// One feature and the IAM actions it calls.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub struct FeaturePermissions {
    /// Stable ID (`inventory`, `drills`, `native`, …).
    pub id: &'static str,
    /// What the feature is, in words.
    pub feature: &'static str,
    /// Where the actions are called (the recovery region, the origin region, global).
    pub scope: &'static str,
    /// The IAM actions, `service:Action`.
    pub actions: Vec<&'static str>,
}

/// Every feature and its actions.
pub fn features() -> Vec<FeaturePermissions> {
    let f = |id, feature, scope, actions: &[&'static str]| FeaturePermissions {
        id,
        feature,
        scope,
        actions: actions.to_vec(),
    };
    vec![
        f(
            "identity",
            "Connect to a target (who the app acts as; a role assumed with an external ID)",
            "STS (regional endpoint)",
            &["sts:GetCallerIdentity", "sts:AssumeRole"],
        ),
        f(
            "inventory",
            "Inventory, readiness, health and reports: source servers, recovery instances, EC2 instances, launch settings",
            "recovery region",
            &[
                "drs:DescribeSourceServers",
                "drs:DescribeRecoveryInstances",
                "drs:GetLaunchConfiguration",
                "drs:ListLaunchActions",
                "drs:DescribeJobs",
                "ec2:DescribeInstances",
                "ec2:DescribeInstanceAttribute",
                "ec2:DescribeInstanceTypes",
                "ec2:DescribeLaunchTemplateVersions",
                "ec2:DescribeSubnets",
                "ec2:DescribeSecurityGroups",
                "route53:ListHostedZones",
            ],
        ),
        f(
            "launchSettings",
            "Pairs (launch into DR instances) and group launch settings, post-launch actions",
            "recovery region",
            &[
                "drs:UpdateLaunchConfiguration",
                "drs:PutLaunchAction",
                "drs:DeleteLaunchAction",
                "ec2:CreateLaunchTemplateVersion",
                "ec2:ModifyLaunchTemplate",
            ],
        ),
        f(
            "tagSync",
            "Tag sync: EC2 tags of origin instances copied to their DRS source servers",
            "origin region (EC2), recovery region (DRS)",
            &["ec2:DescribeInstances", "drs:TagResource"],
        ),
        f(
            "drills",
            "Drills and recoveries: jobs tagged with execution, wave and batch; launch-into suspended and restored; drill networks; cleanup",
            "recovery region",
            &[
                "drs:StartRecovery",
                "drs:DescribeJobs",
                "drs:DescribeJobLogItems",
                "drs:DescribeRecoveryInstances",
                "drs:GetLaunchConfiguration",
                "drs:UpdateLaunchConfiguration",
                "drs:TerminateRecoveryInstances",
                "drs:DisconnectRecoveryInstance",
                "ec2:DescribeInstances",
                "ec2:DescribeInstanceAttribute",
                "ec2:StopInstances",
                "ec2:StartInstances",
                "ec2:CreateLaunchTemplateVersion",
                "ec2:ModifyLaunchTemplate",
                "ec2:DescribeLaunchTemplateVersions",
            ],
        ),
        f(
            "waveSteps",
            "Wave steps: SSM commands and automations, checks, Route 53 records",
            "recovery region (SSM, EC2), global (Route 53)",
            &[
                "ssm:SendCommand",
                "ssm:ListCommands",
                "ssm:ListCommandInvocations",
                "ssm:DescribeInstanceInformation",
                "ssm:StartAutomationExecution",
                "ssm:GetAutomationExecution",
                "ec2:DescribeInstanceStatus",
                "route53:ListHostedZones",
                "route53:ChangeResourceRecordSets",
                "route53:GetChange",
                "route53:ListResourceRecordSets",
            ],
        ),
        f(
            "failback",
            "Reprotect and failback: replication reversed, originals prepared, the way home, the cleanup",
            "both regions",
            &[
                "drs:ReverseReplication",
                "drs:StopReplication",
                "drs:DescribeLaunchConfigurationTemplates",
                "drs:DescribeSourceServers",
                "drs:StartRecovery",
                "drs:UpdateLaunchConfiguration",
                "ec2:CreateTags",
                "ec2:StopInstances",
            ],
        ),
        f(
            "native",
            "DRS recovery plans: publish, update, import, start and follow DRS's runs",
            "recovery region",
            &[
                "drs:ListRecoveryPlans",
                "drs:GetRecoveryPlan",
                "drs:CreateRecoveryPlan",
                "drs:UpdateRecoveryPlan",
                "drs:ListRecoveryPlanSteps",
                "drs:CreateRecoveryPlanStep",
                "drs:UpdateRecoveryPlanStep",
                "drs:DeleteRecoveryPlanStep",
                "drs:TagResource",
                "drs:StartRecoveryPlanExecution",
                "drs:ListRecoveryPlanExecutions",
                "drs:GetRecoveryPlanExecution",
                "drs:ListRecoveryPlanExecutionSteps",
                "drs:DescribeJobs",
                "drs:DescribeRecoveryInstances",
            ],
        ),
        f(
            "monitoring",
            "Always-on monitoring: the alert topic and its email subscriptions, DRS event rules, replication lag alarms",
            "recovery region",
            &[
                "drs:DescribeSourceServers",
                "sns:ListTopics",
                "sns:ListTagsForResource",
                "sns:ListSubscriptionsByTopic",
                "sns:CreateTopic",
                "sns:TagResource",
                "sns:SetTopicAttributes",
                "sns:Subscribe",
                "sns:Unsubscribe",
                "sns:DeleteTopic",
                "events:ListRules",
                "events:ListTargetsByRule",
                "events:PutRule",
                "events:TagResource",
                "events:PutTargets",
                "events:RemoveTargets",
                "events:DeleteRule",
                "cloudwatch:DescribeAlarms",
                "cloudwatch:PutMetricAlarm",
                "cloudwatch:TagResource",
                "cloudwatch:DeleteAlarms",
            ],
        ),
        f(
            "report-delivery",
            "Report delivery: scheduled readiness reports put into an S3 bucket and e-mailed through SES",
            "recovery region of the delivering target",
            &[
                "s3:PutObject",
                // With SSE-KMS: S3 asks KMS for a data key on the caller's behalf.
                "kms:GenerateDataKey",
                "ses:SendEmail",
                "ses:SendRawEmail",
            ],
        ),
    ]
}

/// The features that call `action` (`service:Action`).
pub fn features_calling(action: &str) -> Vec<FeaturePermissions> {
    features()
        .into_iter()
        .filter(|f| f.actions.contains(&action))
        .collect()
}

/// An IAM policy document allowing the actions of `ids` (every feature when empty), sorted and
/// without repeats.
pub fn policy(ids: &[&str]) -> serde_json::Value {
    let mut actions: Vec<&str> = features()
        .iter()
        .filter(|f| ids.is_empty() || ids.contains(&f.id))
        .flat_map(|f| f.actions.clone())
        .collect();
    actions.sort_unstable();
    actions.dedup();
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "DrsOrchestrator",
            "Effect": "Allow",
            "Action": actions,
            "Resource": "*",
        }],
    })
}

/// The permissions as Markdown (`docs/permissions.md`).
pub fn markdown() -> String {
    let mut s = String::from(
        "# AWS permissions\n\n\
         The IAM actions DRS Orchestrator calls, per feature — exactly these, no more. The same \
         table is shown by `drs-orchestrator permissions` and in the window (Settings → AWS \
         permissions); `drs-orchestrator permissions --policy [--feature ID …]` prints an IAM \
         policy for them. When AWS refuses one, the app names the action and the feature that \
         needs it.\n\nThis file is generated from the app's own table \
         (`src-tauri/crates/core/src/permissions.rs`); a test keeps the two equal.\n",
    );
    for f in features() {
        s.push_str(&format!(
            "\n## {} (`{}`)\n\nScope: {}.\n\n",
            f.feature, f.id, f.scope
        ));
        for a in f.actions {
            s.push_str(&format!("- `{a}`\n"));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_is_an_iam_action_and_listed_once_per_feature() {
        for f in features() {
            let mut seen = std::collections::BTreeSet::new();
            for a in &f.actions {
                let (svc, op) = a.split_once(':').expect("service:Action");
                assert!(
                    [
                        "drs",
                        "ec2",
                        "sts",
                        "ssm",
                        "route53",
                        "sns",
                        "events",
                        "s3",
                        "ses",
                        "kms",
                        "cloudwatch"
                    ]
                    .contains(&svc),
                    "{a}"
                );
                assert!(
                    op.chars().next().is_some_and(|c| c.is_ascii_uppercase()),
                    "{a}"
                );
                assert!(seen.insert(a), "{a} twice in {}", f.id);
            }
        }
        let p = policy(&["native"]);
        let actions = p["Statement"][0]["Action"].as_array().unwrap();
        assert!(actions
            .iter()
            .any(|a| a == "drs:StartRecoveryPlanExecution"));
        assert!(!actions.iter().any(|a| a == "ssm:SendCommand"));
        assert_eq!(features_calling("drs:CreateRecoveryPlan")[0].id, "native");
    }

    #[test]
    fn the_docs_are_the_table() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../docs/permissions.md");
        if std::env::var("DRS_UPDATE_DOCS").is_ok() {
            std::fs::write(path, markdown()).unwrap();
        }
        let written = std::fs::read_to_string(path).unwrap_or_default();
        assert_eq!(
            written,
            markdown(),
            "docs/permissions.md is out of date: run DRS_UPDATE_DOCS=1 cargo test -p drs-core --lib permissions"
        );
    }
}
