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
