//! Always-on monitoring over the SDK: the alert topic (SNS), DRS event rules (EventBridge) and
//! lag alarms (CloudWatch) in the target's recovery region, read back by name prefix and
//! changed one [`MonitoringChange`] at a time. The clients are made when monitoring is read or
//! changed (rarely), from the target's configuration and its endpoints for these services.

use crate::errors::map_err;
use crate::{retry_partition, AwsCloud};
use drs_core::cloud::CloudError;
use drs_core::monitoring::{
    self, Monitoring, MonitoringChange, Observed, ObservedAlarm, ObservedRule, LAG_METRIC,
    NAMESPACE,
};

fn build_error(operation: &str, e: impl std::fmt::Display) -> CloudError {
    CloudError::Validation {
        operation: operation.into(),
        message: e.to_string(),
        fields: Vec::new(),
        request_id: None,
    }
}

impl AwsCloud {
    fn sns(&self) -> aws_sdk_sns::Client {
        let mut b = aws_sdk_sns::config::Builder::from(&self.config)
            .retry_partition(retry_partition(&format!("sns-{}", self.target)));
        b.set_endpoint_url(
            self.endpoints
                .sns
                .clone()
                .or_else(|| self.endpoint_url.clone()),
        );
        aws_sdk_sns::Client::from_conf(b.build())
    }

    fn events(&self) -> aws_sdk_eventbridge::Client {
        let mut b = aws_sdk_eventbridge::config::Builder::from(&self.config)
            .retry_partition(retry_partition(&format!("events-{}", self.target)));
        b.set_endpoint_url(
            self.endpoints
                .events
                .clone()
                .or_else(|| self.endpoint_url.clone()),
        );
        aws_sdk_eventbridge::Client::from_conf(b.build())
    }

    fn cloudwatch(&self) -> aws_sdk_cloudwatch::Client {
        let mut b = aws_sdk_cloudwatch::config::Builder::from(&self.config)
            .retry_partition(retry_partition(&format!("cloudwatch-{}", self.target)));
        b.set_endpoint_url(
            self.endpoints
                .cloudwatch
                .clone()
                .or_else(|| self.endpoint_url.clone()),
        );
        aws_sdk_cloudwatch::Client::from_conf(b.build())
    }

    pub(crate) async fn read_monitoring(&self, topic: &str) -> Result<Observed, CloudError> {
        let sns = self.sns();
        let mut observed = Observed::default();
        let mut pages = sns.list_topics().into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| self.explain(map_err("sns:ListTopics", e)))?;
            if let Some(arn) = page
                .topics()
                .iter()
                .filter_map(|t| t.topic_arn())
                .find(|a| a.rsplit(':').next() == Some(topic))
            {
                observed.topic_arn = Some(arn.to_string());
            }
        }
        if let Some(arn) = observed.topic_arn.clone() {
            let tags = sns
                .list_tags_for_resource()
                .resource_arn(&arn)
                .send()
                .await
                .map_err(|e| self.explain(map_err("sns:ListTagsForResource", e)))?;
            observed.topic_tags = tags
                .tags()
                .iter()
                .map(|t| (t.key().to_string(), t.value().to_string()))
                .collect();
            let mut subs = sns
                .list_subscriptions_by_topic()
                .topic_arn(&arn)
                .into_paginator()
                .send();
            while let Some(page) = subs.next().await {
                let page =
                    page.map_err(|e| self.explain(map_err("sns:ListSubscriptionsByTopic", e)))?;
                observed.subscriptions.extend(
                    page.subscriptions()
                        .iter()
                        .filter(|s| s.protocol() == Some("email"))
                        .map(|s| {
                            (
                                s.endpoint().unwrap_or_default().to_string(),
                                s.subscription_arn().unwrap_or_default().to_string(),
                            )
                        }),
                );
            }
        }
        let events = self.events();
        let mut token: Option<String> = None;
        loop {
            let page = events
                .list_rules()
                .name_prefix(format!("{topic}-"))
                .set_next_token(token.clone())
                .send()
                .await
                .map_err(|e| self.explain(map_err("events:ListRules", e)))?;
            for r in page.rules() {
                let name = r.name().unwrap_or_default().to_string();
                let targets = events
                    .list_targets_by_rule()
                    .rule(&name)
                    .send()
                    .await
                    .map_err(|e| self.explain(map_err("events:ListTargetsByRule", e)))?;
                observed.rules.push(ObservedRule {
                    pattern: r.event_pattern().unwrap_or_default().to_string(),
                    targets: targets
                        .targets()
                        .iter()
                        .map(|t| t.arn().to_string())
                        .collect(),
                    name,
                });
            }
            token = page.next_token().map(str::to_string);
            if token.is_none() {
                break;
            }
        }
        let cw = self.cloudwatch();
        let mut alarms = cw
            .describe_alarms()
            .alarm_name_prefix(format!("{topic}-lag-"))
            .into_paginator()
            .send();
        while let Some(page) = alarms.next().await {
            let page = page.map_err(|e| self.explain(map_err("cloudwatch:DescribeAlarms", e)))?;
            observed.alarms.extend(page.metric_alarms().iter().map(|a| {
                ObservedAlarm {
                    name: a.alarm_name().unwrap_or_default().to_string(),
                    source_server_id: a
                        .dimensions()
                        .iter()
                        .find(|d| d.name() == Some("SourceServerID"))
                        .and_then(|d| d.value())
                        .unwrap_or_default()
                        .to_string(),
                    threshold_seconds: a.threshold().unwrap_or(0.0).max(0.0) as u64,
                    actions: a.alarm_actions().to_vec(),
                }
            }));
        }
        Ok(observed)
    }

    pub(crate) async fn change_monitoring(
        &self,
        m: &Monitoring,
        change: &MonitoringChange,
        topic_arn: &mut Option<String>,
    ) -> Result<(), CloudError> {
        let topic = || {
            topic_arn.clone().ok_or_else(|| CloudError::Validation {
                operation: "monitoring".into(),
                message: format!("the alert topic {} does not exist yet", m.topic),
                fields: Vec::new(),
                request_id: None,
            })
        };
        match change {
            MonitoringChange::CreateTopic { name } => {
                let op = "sns:CreateTopic";
                let tags = m
                    .tags
                    .iter()
                    .map(|(k, v)| {
                        aws_sdk_sns::types::Tag::builder()
                            .key(k)
                            .value(v)
                            .build()
                            .map_err(|e| build_error(op, e))
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                let sns = self.sns();
                let out = sns
                    .create_topic()
                    .name(name)
                    .set_tags(Some(tags))
                    .send()
                    .await
                    .map_err(|e| self.explain(map_err(op, e)))?;
                let arn = out.topic_arn().unwrap_or_default().to_string();
                sns.set_topic_attributes()
                    .topic_arn(&arn)
                    .attribute_name("Policy")
                    .attribute_value(monitoring::topic_policy(&arn))
                    .send()
                    .await
                    .map_err(|e| self.explain(map_err("sns:SetTopicAttributes", e)))?;
                *topic_arn = Some(arn);
            }
            MonitoringChange::Subscribe { email } => {
                self.sns()
                    .subscribe()
                    .topic_arn(topic()?)
                    .protocol("email")
                    .endpoint(email)
                    .send()
                    .await
                    .map_err(|e| self.explain(map_err("sns:Subscribe", e)))?;
            }
            MonitoringChange::Unsubscribe { arn, .. } => {
                self.sns()
                    .unsubscribe()
                    .subscription_arn(arn)
                    .send()
                    .await
                    .map_err(|e| self.explain(map_err("sns:Unsubscribe", e)))?;
            }
            MonitoringChange::PutRule { rule, .. } => {
                let op = "events:PutRule";
                let events = self.events();
                let tags = m
                    .tags
                    .iter()
                    .map(|(k, v)| {
                        aws_sdk_eventbridge::types::Tag::builder()
                            .key(k)
                            .value(v)
                            .build()
                            .map_err(|e| build_error(op, e))
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                events
                    .put_rule()
                    .name(&rule.name)
                    .description(&rule.description)
                    .event_pattern(&rule.pattern)
                    .state(aws_sdk_eventbridge::types::RuleState::Enabled)
                    .set_tags(Some(tags))
                    .send()
                    .await
                    .map_err(|e| self.explain(map_err(op, e)))?;
                let target = aws_sdk_eventbridge::types::Target::builder()
                    .id("team")
                    .arn(topic()?)
                    .build()
                    .map_err(|e| build_error("events:PutTargets", e))?;
                events
                    .put_targets()
                    .rule(&rule.name)
                    .targets(target)
                    .send()
                    .await
                    .map_err(|e| self.explain(map_err("events:PutTargets", e)))?;
            }
            MonitoringChange::DeleteRule { name } => {
                let events = self.events();
                let targets = events
                    .list_targets_by_rule()
                    .rule(name)
                    .send()
                    .await
                    .map_err(|e| self.explain(map_err("events:ListTargetsByRule", e)))?;
                let ids: Vec<String> = targets
                    .targets()
                    .iter()
                    .map(|t| t.id().to_string())
                    .collect();
                if !ids.is_empty() {
                    events
                        .remove_targets()
                        .rule(name)
                        .set_ids(Some(ids))
                        .send()
                        .await
                        .map_err(|e| self.explain(map_err("events:RemoveTargets", e)))?;
                }
                events
                    .delete_rule()
                    .name(name)
                    .send()
                    .await
                    .map_err(|e| self.explain(map_err("events:DeleteRule", e)))?;
            }
            MonitoringChange::PutAlarm { alarm, .. } => {
                let op = "cloudwatch:PutMetricAlarm";
                let topic = topic()?;
                let tags = m
                    .tags
                    .iter()
                    .map(|(k, v)| {
                        aws_sdk_cloudwatch::types::Tag::builder()
                            .key(k)
                            .value(v)
                            .build()
                    })
                    .collect::<Vec<_>>();
                self.cloudwatch()
                    .put_metric_alarm()
                    .alarm_name(&alarm.name)
                    .alarm_description(format!(
                        "Replication lag of {} ({}) above {} s",
                        alarm.server, alarm.source_server_id, alarm.threshold_seconds
                    ))
                    .namespace(NAMESPACE)
                    .metric_name(LAG_METRIC)
                    .dimensions(
                        aws_sdk_cloudwatch::types::Dimension::builder()
                            .name("SourceServerID")
                            .value(&alarm.source_server_id)
                            .build(),
                    )
                    .statistic(aws_sdk_cloudwatch::types::Statistic::Maximum)
                    .period(300)
                    .evaluation_periods(1)
                    .threshold(alarm.threshold_seconds as f64)
                    .comparison_operator(
                        aws_sdk_cloudwatch::types::ComparisonOperator::GreaterThanThreshold,
                    )
                    .treat_missing_data("breaching")
                    .alarm_actions(&topic)
                    .ok_actions(&topic)
                    .set_tags(Some(tags))
                    .send()
                    .await
                    .map_err(|e| self.explain(map_err(op, e)))?;
            }
            MonitoringChange::DeleteAlarms { names } => {
                let cw = self.cloudwatch();
                // DeleteAlarms takes at most 100 names.
                for chunk in names.chunks(100) {
                    cw.delete_alarms()
                        .set_alarm_names(Some(chunk.to_vec()))
                        .send()
                        .await
                        .map_err(|e| self.explain(map_err("cloudwatch:DeleteAlarms", e)))?;
                }
            }
            MonitoringChange::DeleteTopic { arn } => {
                self.sns()
                    .delete_topic()
                    .topic_arn(arn)
                    .send()
                    .await
                    .map_err(|e| self.explain(map_err("sns:DeleteTopic", e)))?;
                *topic_arn = None;
            }
        }
        Ok(())
    }
}
