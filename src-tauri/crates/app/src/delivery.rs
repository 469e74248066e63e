//! Delivering the scheduled readiness reports: after the schedule writes its files, each is put
//! into the schedule's S3 bucket and/or e-mailed through SES with the delivering target's
//! account. Each file and channel becomes a [`DeliveryRecord`] in the run; a failed one is kept
//! in the store's retry queue and retried by later scheduler ticks (the window's, the daemon's
//! or `schedule run`'s) with a growing delay, from the file in the schedule's folder, until it
//! is delivered or given up. The run's records are updated as retries go, so the Reports page
//! and `schedule show` always say where each report stands.

use crate::reports::{self, Schedule, ScheduleRun, Written};
use crate::AppError;
use drs_core::cloud::{Cloud, CloudError};
use drs_core::delivery::{
    object_key, Channel, Delivery, DeliveryRecord, DeliveryStatus, ReportEmail, ReportObject,
};
use std::sync::Arc;

/// The setting holding the deliveries waiting for a retry.
pub const PENDING_KEY: &str = "reports.delivery.pending";

/// Whether a failure is one no retry changes (the request itself is wrong).
fn for_good(e: &CloudError) -> bool {
    matches!(e, CloudError::Validation { .. })
}

fn content_type(file: &str) -> &'static str {
    if file.ends_with(".csv") {
        "text/csv"
    } else {
        "application/pdf"
    }
}

fn file_name(path: &str) -> String {
    std::path::Path::new(path)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.to_string())
}

/// The records to make for one written report.
fn records_for(delivery: &Delivery, w: &Written) -> Vec<DeliveryRecord> {
    let file = w.path.display().to_string();
    let blank = |channel: Channel, destination: String, key: Option<String>| DeliveryRecord {
        plan: w.plan.clone(),
        file: file.clone(),
        channel,
        destination,
        status: DeliveryStatus::Retrying,
        attempts: 0,
        last_attempt: String::new(),
        next_attempt: None,
        key,
        version_id: None,
        message_id: None,
        error: None,
        summary: w.summary.clone(),
    };
    let mut out = Vec::new();
    if let Some(s3) = &delivery.s3 {
        let key = object_key(&s3.prefix, &file_name(&file));
        out.push(blank(
            Channel::S3,
            format!("s3://{}/{key}", s3.bucket),
            Some(key),
        ));
    }
    if let Some(email) = &delivery.email {
        out.push(blank(Channel::Email, email.to.join(", "), None));
    }
    out
}

/// One attempt of `record` through `cloud`; the record says how it went.
async fn attempt(
    cloud: Result<&Arc<dyn Cloud>, &str>,
    delivery: &Delivery,
    record: &mut DeliveryRecord,
    bytes: Result<&[u8], String>,
) {
    let now = time::OffsetDateTime::now_utc();
    let cloud = match cloud {
        Ok(c) => c,
        Err(e) => return record.failed(e.to_string(), false, now),
    };
    let bytes = match bytes {
        Ok(b) => b,
        Err(e) => return record.failed(e, true, now),
    };
    let file = file_name(&record.file);
    let result = match record.channel {
        Channel::S3 => {
            let Some(s3) = &delivery.s3 else {
                return record.failed("the schedule no longer delivers to S3".into(), true, now);
            };
            let key = record
                .key
                .clone()
                .unwrap_or_else(|| object_key(&s3.prefix, &file));
            cloud
                .put_report(&ReportObject {
                    bucket: &s3.bucket,
                    key: &key,
                    body: bytes,
                    content_type: content_type(&file),
                    encryption: s3.encryption,
                    kms_key_id: s3.kms_key_id.as_deref(),
                })
                .await
                .map(|stored| {
                    record.key = Some(key);
                    record.version_id = stored.version_id;
                })
        }
        Channel::Email => {
            let Some(email) = &delivery.email else {
                return record.failed(
                    "the schedule no longer delivers by e-mail".into(),
                    true,
                    now,
                );
            };
            record.destination = email.to.join(", ");
            let subject = format!("DR readiness report: {}", record.plan);
            cloud
                .send_report_email(&ReportEmail {
                    from: &email.from,
                    to: &email.to,
                    subject: &subject,
                    body: &record.summary,
                    attachment_name: &file,
                    attachment: bytes,
                    content_type: content_type(&file),
                })
                .await
                .map(|id| record.message_id = Some(id))
        }
    };
    match result {
        Ok(()) => {
            record.attempts += 1;
            record.last_attempt = crate::rfc3339(now);
            record.status = DeliveryStatus::Delivered;
            record.next_attempt = None;
            record.error = None;
        }
        Err(e) => {
            let definitive = for_good(&e);
            record.failed(e.to_string(), definitive, now);
        }
    }
}

impl crate::App {
    /// Connects to the delivering target, or says why not (as the failure of each delivery).
    async fn delivery_cloud(&self, delivery: &Delivery) -> Result<Arc<dyn Cloud>, String> {
        self.connect_target(&delivery.target)
            .await
            .map_err(|e| format!("target \"{}\": {}", delivery.target, e.message))
    }

    /// Delivers the reports a run wrote through the schedule's channels (one attempt each;
    /// the SDK retries throttling and 5xx within it); the failed ones join the retry queue.
    pub(crate) async fn deliver_written(
        &self,
        delivery: &Delivery,
        written: &[Written],
    ) -> Vec<DeliveryRecord> {
        if !delivery.any() || written.is_empty() {
            return Vec::new();
        }
        let cloud = self.delivery_cloud(delivery).await;
        let mut records = Vec::new();
        for w in written {
            for mut r in records_for(delivery, w) {
                attempt(
                    cloud.as_ref().map_err(String::as_str),
                    delivery,
                    &mut r,
                    Ok(w.bytes.as_slice()),
                )
                .await;
                records.push(r);
            }
        }
        let retrying: Vec<DeliveryRecord> = records
            .iter()
            .filter(|r| r.status == DeliveryStatus::Retrying)
            .cloned()
            .collect();
        if !retrying.is_empty() {
            let saved = self.with_store(|s| {
                let mut pending: Vec<DeliveryRecord> = s.setting(PENDING_KEY)?.unwrap_or_default();
                pending.extend(retrying);
                Ok(s.set_setting(PENDING_KEY, &pending, "schedule", false)?)
            });
            if let Err(e) = saved {
                self.background_problems()
                    .report("report delivery", &e.message);
            }
        }
        records
    }

    /// The deliveries waiting for a retry.
    pub fn pending_deliveries(&self) -> Result<Vec<DeliveryRecord>, AppError> {
        self.with_store(|s| Ok(s.setting(PENDING_KEY)?.unwrap_or_default()))
    }

    /// Retries the queued deliveries that are due (all of them with `now`), from their files in
    /// the schedule's folder and with the schedule's current delivery settings. Returns the
    /// retried records as they stand; the last run's records are updated to match.
    pub async fn retry_deliveries(&self, now: bool) -> Result<Vec<DeliveryRecord>, AppError> {
        let pending = self.pending_deliveries()?;
        let at = time::OffsetDateTime::now_utc();
        let (due, waiting): (Vec<_>, Vec<_>) = pending.into_iter().partition(|r| now || r.due(at));
        if due.is_empty() {
            return Ok(Vec::new());
        }
        let schedule: Option<Schedule> =
            self.with_store(|s| Ok(s.setting(reports::SCHEDULE_KEY)?))?;
        let delivery = schedule.and_then(|s| s.delivery).unwrap_or_default();
        let cloud = if delivery.any() {
            self.delivery_cloud(&delivery).await
        } else {
            Err("the report schedule no longer delivers anywhere".into())
        };
        let mut retried = Vec::new();
        for mut r in due {
            let bytes = std::fs::read(&r.file)
                .map_err(|e| format!("the report file {} cannot be read: {e}", r.file));
            match &cloud {
                Err(e) if !delivery.any() => {
                    r.failed(e.clone(), true, time::OffsetDateTime::now_utc())
                }
                _ => {
                    attempt(
                        cloud.as_ref().map_err(String::as_str),
                        &delivery,
                        &mut r,
                        bytes.as_deref().map_err(Clone::clone),
                    )
                    .await
                }
            }
            retried.push(r);
        }
        let still: Vec<DeliveryRecord> = waiting
            .into_iter()
            .chain(
                retried
                    .iter()
                    .filter(|r| r.status == DeliveryStatus::Retrying)
                    .cloned(),
            )
            .collect();
        self.with_store(|s| {
            s.set_setting(PENDING_KEY, &still, "schedule", false)?;
            let last: Option<ScheduleRun> = s.setting(reports::LAST_RUN_KEY)?;
            if let Some(mut last) = last {
                for r in &retried {
                    if let Some(old) = last
                        .deliveries
                        .iter_mut()
                        .find(|o| o.file == r.file && o.channel == r.channel)
                    {
                        *old = r.clone();
                    }
                }
                s.set_setting(reports::LAST_RUN_KEY, &last, "schedule", false)?;
            }
            s.audit_event(
                "schedule",
                "report.delivery.retried",
                "report",
                "readiness",
                serde_json::json!({
                    "deliveries": retried.iter().map(DeliveryRecord::words).collect::<Vec<_>>()
                }),
            )?;
            Ok(())
        })?;
        self.tell_about(&retried);
        Ok(retried)
    }

    /// Says, on the Dashboard and as a notification, which deliveries failed; clears the
    /// problem when none did.
    pub(crate) fn tell_about(&self, records: &[DeliveryRecord]) {
        let failed: Vec<String> = records
            .iter()
            .filter(|r| r.status != DeliveryStatus::Delivered)
            .map(DeliveryRecord::words)
            .collect();
        if failed.is_empty() {
            if !records.is_empty() {
                self.background_problems().clear("report delivery");
            }
        } else {
            let text = failed.join("; ");
            self.background_problems().report("report delivery", &text);
            self.notify("Readiness report delivery failed", &text);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use drs_core::delivery::{EmailDelivery, Encryption, S3Delivery};

    #[test]
    fn a_report_gets_one_record_per_channel_with_its_key() {
        let d = Delivery {
            target: "Sandbox".into(),
            s3: Some(S3Delivery {
                bucket: "evidence".into(),
                prefix: "dr/readiness".into(),
                encryption: Encryption::S3Managed,
                kms_key_id: None,
            }),
            email: Some(EmailDelivery {
                from: "dr@example.com".into(),
                to: vec!["a@example.com".into(), "b@example.com".into()],
            }),
        };
        let w = Written {
            plan: "retail".into(),
            path: "/tmp/reports/readiness-retail.pdf".into(),
            bytes: vec![],
            summary: "ready".into(),
        };
        let r = records_for(&d, &w);
        assert_eq!(r.len(), 2);
        assert_eq!(
            r[0].destination,
            "s3://evidence/dr/readiness/readiness-retail.pdf"
        );
        assert_eq!(
            r[0].key.as_deref(),
            Some("dr/readiness/readiness-retail.pdf")
        );
        assert_eq!(r[1].destination, "a@example.com, b@example.com");
        assert_eq!(content_type("x.csv"), "text/csv");
    }
}
