//! Report delivery: where the scheduled readiness reports go besides their folder — an S3
//! bucket (under a prefix, encrypted at rest) and/or e-mail through SES to a list of addresses
//! (the report attached, a one-paragraph summary in the body) — sent with one target's AWS
//! account. Each file and channel is one [`DeliveryRecord`]: delivered (with the object's key
//! and version, or the message ID), or failed and retried later with a growing delay until
//! [`MAX_ATTEMPTS`]. The Cloud port's [`ReportObject`] and [`ReportEmail`] are what the AWS
//! adapter sends.

use serde::{Deserialize, Serialize};

/// Attempts per delivery before it is given up (the first included).
pub const MAX_ATTEMPTS: u32 = 5;
/// The delay before the first retry; each later one doubles it.
pub const FIRST_RETRY_MINUTES: i64 = 5;
/// The longest delay between two attempts.
pub const LONGEST_RETRY_MINUTES: i64 = 6 * 60;

/// Where a report schedule delivers its reports.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts", rename = "ReportDelivery")]
pub struct Delivery {
    /// The target whose AWS account delivers (its credentials, recovery region, endpoints).
    pub target: String,
    /// Into an S3 bucket.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub s3: Option<S3Delivery>,
    /// By e-mail through SES.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub email: Option<EmailDelivery>,
}

/// Into an S3 bucket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub struct S3Delivery {
    /// The bucket's name.
    pub bucket: String,
    /// Key prefix (e.g. `drs/readiness/`); the file name follows it.
    #[serde(default)]
    pub prefix: String,
    /// Server-side encryption.
    #[serde(default)]
    pub encryption: Encryption,
    /// With KMS: the key (ID, ARN or alias); none for the account's `aws/s3` key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub kms_key_id: Option<String>,
}

/// Server-side encryption of the delivered object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "kebab-case")]
#[ts(export_to = "ipc.ts")]
pub enum Encryption {
    /// S3-managed keys (`AES256`).
    #[default]
    S3Managed,
    /// AWS KMS (`aws:kms`).
    Kms,
}

impl Encryption {
    /// The `x-amz-server-side-encryption` value.
    pub fn header(self) -> &'static str {
        match self {
            Encryption::S3Managed => "AES256",
            Encryption::Kms => "aws:kms",
        }
    }
}

/// By e-mail through SES.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub struct EmailDelivery {
    /// The sender: an address or domain verified in SES in the target's recovery region.
    pub from: String,
    /// The recipients.
    pub to: Vec<String>,
}

/// SES's most recipients of one message.
pub const MAX_RECIPIENTS: usize = 50;

impl Delivery {
    /// Whether it delivers anywhere.
    pub fn any(&self) -> bool {
        self.s3.is_some() || self.email.is_some()
    }

    /// What is wrong with the fields, each as `path: message` (`delivery.s3.bucket: …`).
    pub fn problems(&self) -> Vec<String> {
        let mut p = Vec::new();
        if !self.any() {
            return p;
        }
        if self.target.trim().is_empty() {
            p.push("delivery.target: choose the target whose AWS account delivers".into());
        }
        if let Some(s3) = &self.s3 {
            if let Err(e) = check_bucket(&s3.bucket) {
                p.push(format!("delivery.s3.bucket: {e}"));
            }
            if s3.prefix.starts_with('/') {
                p.push(format!(
                    "delivery.s3.prefix: \"{}\" starts with \"/\" (S3 keys do not; write \"{}\")",
                    s3.prefix,
                    s3.prefix.trim_start_matches('/')
                ));
            }
            if s3.prefix.len() > 512 {
                p.push("delivery.s3.prefix: longer than 512 characters".into());
            }
            if s3.kms_key_id.is_some() && s3.encryption != Encryption::Kms {
                p.push(
                    "delivery.s3.kmsKeyId: a KMS key is named but the encryption is not KMS".into(),
                );
            }
        }
        if let Some(email) = &self.email {
            if let Err(e) = crate::monitoring::check_email(&email.from) {
                p.push(format!("delivery.email.from: {e}"));
            }
            if email.to.is_empty() {
                p.push("delivery.email.to: name at least one recipient".into());
            }
            if email.to.len() > MAX_RECIPIENTS {
                p.push(format!(
                    "delivery.email.to: {} recipients; SES sends one message to at most {MAX_RECIPIENTS}",
                    email.to.len()
                ));
            }
            for (i, to) in email.to.iter().enumerate() {
                if let Err(e) = crate::monitoring::check_email(to) {
                    p.push(format!("delivery.email.to[{i}]: {e}"));
                }
            }
        }
        p
    }
}

/// Whether `name` is a valid S3 bucket name (3–63 lower-case letters, digits, dots and
/// hyphens, starting and ending with a letter or digit, not an IP address).
pub fn check_bucket(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("name the bucket".into());
    }
    if !(3..=63).contains(&name.len()) {
        return Err(format!(
            "\"{name}\" is {} characters long; a bucket name has 3 to 63",
            name.len()
        ));
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '.' || *c == '-'))
    {
        return Err(format!(
            "\"{name}\" holds '{c}'; a bucket name has lower-case letters, digits, dots and hyphens"
        ));
    }
    let edge = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    if !edge(name.chars().next()) || !edge(name.chars().last()) {
        return Err(format!(
            "\"{name}\" must start and end with a letter or digit"
        ));
    }
    if name.contains("..") {
        return Err(format!("\"{name}\" holds two dots in a row"));
    }
    if name.parse::<std::net::Ipv4Addr>().is_ok() {
        return Err(format!("\"{name}\" is an IP address, not a bucket name"));
    }
    Ok(())
}

/// The object key of `file_name` under `prefix` (a `/` is put between them when the prefix
/// does not end with one).
pub fn object_key(prefix: &str, file_name: &str) -> String {
    if prefix.is_empty() || prefix.ends_with('/') {
        format!("{prefix}{file_name}")
    } else {
        format!("{prefix}/{file_name}")
    }
}

/// The delay before attempt `attempts + 1`, after `attempts` failed ones: 5 min, 10, 20, 40, …
/// up to 6 h.
pub fn retry_delay(attempts: u32) -> time::Duration {
    let minutes = FIRST_RETRY_MINUTES
        .saturating_mul(1_i64 << attempts.saturating_sub(1).min(20))
        .min(LONGEST_RETRY_MINUTES);
    time::Duration::minutes(minutes)
}

/// How a report travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
#[ts(export_to = "ipc.ts", rename = "DeliveryChannel")]
pub enum Channel {
    /// Into the S3 bucket.
    S3,
    /// By e-mail through SES.
    Email,
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "kebab-case")]
#[ts(export_to = "ipc.ts")]
pub enum DeliveryStatus {
    /// Delivered.
    Delivered,
    /// Failed; retried at `nextAttempt`.
    Retrying,
    /// Failed [`MAX_ATTEMPTS`] times, or refused for good; not retried.
    GaveUp,
}

/// One report file through one channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub struct DeliveryRecord {
    /// The plan the report is about.
    pub plan: String,
    /// The report file (in the schedule's folder).
    pub file: String,
    /// How.
    pub channel: Channel,
    /// `s3://bucket/key` or the recipients.
    pub destination: String,
    /// Where it stands.
    pub status: DeliveryStatus,
    /// Attempts made.
    pub attempts: u32,
    /// When the last attempt was made (RFC 3339).
    pub last_attempt: String,
    /// When it is retried (RFC 3339), while retrying.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub next_attempt: Option<String>,
    /// S3: the object's key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub key: Option<String>,
    /// S3: the object's version (in a versioned bucket).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub version_id: Option<String>,
    /// E-mail: SES's message ID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub message_id: Option<String>,
    /// The last failure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub error: Option<String>,
    /// The e-mail's summary paragraph (kept for retries).
    #[serde(default)]
    pub summary: String,
}

impl DeliveryRecord {
    /// Records a failed attempt made at `now`: retried later, or given up after the last
    /// attempt or when `for_good` (a refusal no retry changes).
    pub fn failed(&mut self, error: String, for_good: bool, now: time::OffsetDateTime) {
        self.attempts += 1;
        self.last_attempt = crate::timestamp::format(now);
        self.error = Some(error);
        if for_good || self.attempts >= MAX_ATTEMPTS {
            self.status = DeliveryStatus::GaveUp;
            self.next_attempt = None;
        } else {
            self.status = DeliveryStatus::Retrying;
            self.next_attempt = Some(crate::timestamp::format(now + retry_delay(self.attempts)));
        }
    }

    /// Whether a retry is due at `now`.
    pub fn due(&self, now: time::OffsetDateTime) -> bool {
        self.status == DeliveryStatus::Retrying
            && self
                .next_attempt
                .as_deref()
                .and_then(crate::timestamp::parse)
                .is_none_or(|t| t <= now)
    }

    /// The record in words, for the CLI and notifications.
    pub fn words(&self) -> String {
        let what = match self.channel {
            Channel::S3 => "S3",
            Channel::Email => "e-mail",
        };
        match self.status {
            DeliveryStatus::Delivered => match self.channel {
                Channel::S3 => format!(
                    "{}: {what} delivered to {}{}",
                    self.plan,
                    self.destination,
                    self.version_id
                        .as_deref()
                        .map(|v| format!(" (version {v})"))
                        .unwrap_or_default()
                ),
                Channel::Email => format!(
                    "{}: {what} sent to {}{}",
                    self.plan,
                    self.destination,
                    self.message_id
                        .as_deref()
                        .map(|m| format!(" (message {m})"))
                        .unwrap_or_default()
                ),
            },
            DeliveryStatus::Retrying => format!(
                "{}: {what} to {} failed (attempt {} of {MAX_ATTEMPTS}; retried at {}): {}",
                self.plan,
                self.destination,
                self.attempts,
                self.next_attempt.as_deref().unwrap_or("the next run"),
                self.error.as_deref().unwrap_or("")
            ),
            DeliveryStatus::GaveUp => format!(
                "{}: {what} to {} failed {} time(s), given up: {}",
                self.plan,
                self.destination,
                self.attempts,
                self.error.as_deref().unwrap_or("")
            ),
        }
    }
}

/// A report to put into S3 (the Cloud port's `put_report`).
#[derive(Debug, Clone)]
pub struct ReportObject<'a> {
    /// Bucket.
    pub bucket: &'a str,
    /// Key.
    pub key: &'a str,
    /// The file's bytes.
    pub body: &'a [u8],
    /// MIME type.
    pub content_type: &'a str,
    /// Server-side encryption.
    pub encryption: Encryption,
    /// With KMS: the key.
    pub kms_key_id: Option<&'a str>,
}

/// What S3 answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredObject {
    /// The object's version (versioned buckets).
    pub version_id: Option<String>,
    /// Its ETag.
    pub etag: Option<String>,
}

/// A report to send by e-mail (the Cloud port's `send_report_email`).
#[derive(Debug, Clone)]
pub struct ReportEmail<'a> {
    /// Sender.
    pub from: &'a str,
    /// Recipients.
    pub to: &'a [String],
    /// Subject.
    pub subject: &'a str,
    /// The body: one paragraph of plain text.
    pub body: &'a str,
    /// The attachment's file name.
    pub attachment_name: &'a str,
    /// The attachment.
    pub attachment: &'a [u8],
    /// Its MIME type.
    pub content_type: &'a str,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn delivery() -> Delivery {
        Delivery {
            target: "Production".into(),
            s3: Some(S3Delivery {
                bucket: "dr-evidence".into(),
                prefix: "readiness/".into(),
                encryption: Encryption::S3Managed,
                kms_key_id: None,
            }),
            email: Some(EmailDelivery {
                from: "dr@example.com".into(),
                to: vec!["audit@example.com".into()],
            }),
        }
    }

    #[test]
    fn a_good_delivery_has_no_problems() {
        assert!(delivery().problems().is_empty());
        assert!(Delivery::default().problems().is_empty(), "none is fine");
    }

    #[test]
    fn bad_fields_are_named() {
        let mut d = delivery();
        d.target.clear();
        d.s3.as_mut().unwrap().bucket = "DR_Evidence".into();
        d.s3.as_mut().unwrap().prefix = "/x".into();
        d.s3.as_mut().unwrap().kms_key_id = Some("alias/dr".into());
        d.email.as_mut().unwrap().to = vec!["audit".into()];
        let p = d.problems();
        assert_eq!(p.len(), 5, "{p:?}");
        assert!(p[0].starts_with("delivery.target: "));
        assert!(p[1].starts_with("delivery.s3.bucket: \"DR_Evidence\" holds 'D'"));
        assert!(p[2].contains("write \"x\""));
        assert!(p[3].starts_with("delivery.s3.kmsKeyId"));
        assert!(p[4].starts_with("delivery.email.to[0]: "));
    }

    #[test]
    fn bucket_names_follow_s3s_rules() {
        assert!(check_bucket("dr-evidence.2026").is_ok());
        for bad in ["ab", "-dr", "dr-", "a..b", "192.168.1.1", &"x".repeat(64)] {
            assert!(check_bucket(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn keys_join_prefix_and_file() {
        assert_eq!(object_key("", "r.pdf"), "r.pdf");
        assert_eq!(object_key("a/", "r.pdf"), "a/r.pdf");
        assert_eq!(object_key("a", "r.pdf"), "a/r.pdf");
    }

    #[test]
    fn retries_wait_longer_each_time_then_give_up() {
        assert_eq!(retry_delay(1), time::Duration::minutes(5));
        assert_eq!(retry_delay(2), time::Duration::minutes(10));
        assert_eq!(retry_delay(4), time::Duration::minutes(40));
        assert_eq!(retry_delay(30), time::Duration::hours(6));
        let now = time::macros::datetime!(2026-12-01 06:00 UTC);
        let mut r = DeliveryRecord {
            plan: "retail".into(),
            file: "r.pdf".into(),
            channel: Channel::S3,
            destination: "s3://b/r.pdf".into(),
            status: DeliveryStatus::Retrying,
            attempts: 0,
            last_attempt: String::new(),
            next_attempt: None,
            key: None,
            version_id: None,
            message_id: None,
            error: None,
            summary: String::new(),
        };
        r.failed("NoSuchBucket".into(), false, now);
        assert_eq!(r.status, DeliveryStatus::Retrying);
        assert!(!r.due(now));
        assert!(r.due(now + time::Duration::minutes(5)));
        assert!(r.words().contains("attempt 1 of 5"), "{}", r.words());
        for _ in 1..MAX_ATTEMPTS {
            r.failed("NoSuchBucket".into(), false, now);
        }
        assert_eq!(r.status, DeliveryStatus::GaveUp);
        assert!(!r.due(now + time::Duration::days(1)));
        let mut refused = r.clone();
        refused.attempts = 0;
        refused.failed("AccessDenied".into(), true, now);
        assert_eq!(refused.status, DeliveryStatus::GaveUp);
    }
}
