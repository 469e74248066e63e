//! Always-on monitoring in the customer's account, for the window and the CLI: what a target's
//! monitoring should be (its topic and subscriptions, DRS event rules, a lag alarm per source
//! server at the target's critical threshold) and the same as a CloudFormation template. The
//! shapes and the template live in `drs_core::monitoring`.

use crate::{AppError, ErrorCode};
use drs_core::monitoring::{self, Monitoring};

impl crate::App {
    /// What `target`'s monitoring should be, from its source servers as DRS lists them now
    /// and its thresholds; `emails` are subscribed to the topic.
    pub async fn monitoring_plan(
        &self,
        target: &str,
        emails: &[String],
    ) -> Result<Monitoring, AppError> {
        if let Some(bad) = emails.iter().find_map(|e| monitoring::check_email(e).err()) {
            return Err(AppError::new(ErrorCode::Invalid, bad));
        }
        let name = target.to_string();
        let thresholds = self.with_store(move |s| Ok(crate::health::thresholds_of(s, &name)?))?;
        let cloud = self.connect_target(target).await?;
        let servers = cloud
            .source_servers()
            .await
            .map_err(|e| AppError::from(e).context(&format!("target \"{target}\"")))?;
        Ok(monitoring::desired(target, &servers, &thresholds, emails))
    }

    /// `target`'s monitoring as a CloudFormation template (JSON).
    pub async fn monitoring_template(
        &self,
        target: &str,
        emails: &[String],
    ) -> Result<serde_json::Value, AppError> {
        Ok(monitoring::template(
            &self.monitoring_plan(target, emails).await?,
        ))
    }
}

/// A target's monitoring: what it should be, what the account holds, and the changes between.
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub struct MonitoringStatus {
    /// What it should be.
    pub desired: Monitoring,
    /// What the account holds.
    pub observed: monitoring::Observed,
    /// The changes that bring the account to it (empty: deployed and in place).
    pub changes: Vec<MonitoringChange>,
    /// The same in words.
    pub words: Vec<String>,
}

/// What a deploy or a removal did.
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub struct MonitoringOutcome {
    /// The changes made, in words.
    pub done: Vec<String>,
    /// The change that failed and why (the ones after it were not made).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub failed: Option<String>,
    /// The monitoring read back afterwards.
    pub after: MonitoringStatus,
}

use drs_core::monitoring::MonitoringChange;

impl crate::App {
    /// `target`'s monitoring against what its account holds. Without `emails`, the addresses
    /// already subscribed are kept.
    pub async fn monitoring_status(
        &self,
        target: &str,
        emails: &[String],
    ) -> Result<MonitoringStatus, AppError> {
        let cloud = self.connect_target(target).await?;
        let mut desired = self.monitoring_plan(target, emails).await?;
        let observed = cloud
            .monitoring(&desired.topic)
            .await
            .map_err(|e| AppError::from(e).context(&format!("target \"{target}\"")))?;
        if observed.topic_arn.is_some()
            && observed
                .topic_tags
                .get(monitoring::TAG_OWNER)
                .map(String::as_str)
                != Some(monitoring::OWNER)
        {
            return Err(AppError::new(
                ErrorCode::Conflict,
                format!(
                    "target \"{target}\" has an SNS topic named {} that the app did not create (no {}={} tag): rename or remove it first",
                    desired.topic,
                    monitoring::TAG_OWNER,
                    monitoring::OWNER
                ),
            ));
        }
        if emails.is_empty() {
            desired.emails = observed
                .subscriptions
                .iter()
                .map(|(e, _)| e.clone())
                .collect();
            desired.emails.sort();
            desired.emails.dedup();
        }
        let changes = monitoring::changes(&desired, &observed);
        Ok(MonitoringStatus {
            words: changes.iter().map(MonitoringChange::words).collect(),
            desired,
            observed,
            changes,
        })
    }

    /// Brings `target`'s monitoring to what it should be, change by change (stops at the first
    /// refusal, saying which), audited, then reads it back.
    pub async fn monitoring_deploy(
        &self,
        target: &str,
        emails: &[String],
    ) -> Result<MonitoringOutcome, AppError> {
        let status = self.monitoring_status(target, emails).await?;
        let changes = status.changes.clone();
        self.monitoring_apply(target, emails, &status, &changes, "monitoring.deploy")
            .await
    }

    /// Removes every monitoring resource of the app from `target`'s account, audited.
    pub async fn monitoring_remove(&self, target: &str) -> Result<MonitoringOutcome, AppError> {
        let status = self.monitoring_status(target, &[]).await?;
        let changes = monitoring::removal(&status.observed);
        self.monitoring_apply(target, &[], &status, &changes, "monitoring.remove")
            .await
    }

    async fn monitoring_apply(
        &self,
        target: &str,
        emails: &[String],
        status: &MonitoringStatus,
        changes: &[MonitoringChange],
        action: &str,
    ) -> Result<MonitoringOutcome, AppError> {
        let cloud = self.connect_target(target).await?;
        let mut topic = status.observed.topic_arn.clone();
        let mut done = Vec::new();
        let mut failed = None;
        for c in changes {
            match cloud
                .change_monitoring(&status.desired, c, &mut topic)
                .await
            {
                Ok(()) => done.push(c.words()),
                Err(e) => {
                    failed = Some(format!("{}: {}", c.words(), AppError::from(e).message));
                    break;
                }
            }
        }
        let actor = self.actor().to_string();
        let (t, a) = (target.to_string(), action.to_string());
        let detail =
            serde_json::json!({ "done": done, "failed": failed, "topic": status.desired.topic });
        self.with_store(move |s| Ok(s.audit_event(&actor, &a, "target", &t, detail)?))?;
        let after = if action == "monitoring.remove" {
            self.monitoring_status(target, &[]).await?
        } else {
            self.monitoring_status(target, emails).await?
        };
        Ok(MonitoringOutcome {
            done,
            failed,
            after,
        })
    }
}
