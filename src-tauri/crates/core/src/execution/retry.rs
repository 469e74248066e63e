//! Retries that outlast a whole drill: what an AWS error means for the engine (refused for
//! good, not done and worth another try, or done-or-not-unknown), and when a step that failed
//! is tried again. There is no retry loop: a failed step keeps its place in the journal with the
//! time of its next attempt, and a later tick tries it again. The schedule is `backon`'s
//! exponential backoff with a jitter seeded per step, so a simulation replays exactly.

use crate::cloud::CloudError;
use backon::{BackoffBuilder, ExponentialBuilder};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// What an error from AWS says about the request that got it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Refused for good (validation, not found, access denied): repeating it will not help.
    Refused,
    /// Not carried out, and worth another try later (throttled, quota full, credentials to
    /// renew).
    NotDone,
    /// May or may not have been carried out (a 5xx, a dropped connection, a timeout, a
    /// conflict): look before acting again.
    Unknown,
}

/// What `err` says about the request that got it.
pub fn outcome(err: &CloudError) -> Outcome {
    match err {
        CloudError::Validation { .. }
        | CloudError::NotFound { .. }
        | CloudError::AccessDenied { .. } => Outcome::Refused,
        CloudError::Throttled { .. }
        | CloudError::QuotaExceeded { .. }
        | CloudError::Credentials(_) => Outcome::NotDone,
        CloudError::Conflict { .. } | CloudError::Network { .. } | CloudError::Service { .. } => {
            Outcome::Unknown
        }
    }
}

/// A step that failed and will be tried again.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub struct Retry {
    /// Failed attempts in a row.
    #[serde(default)]
    pub attempts: u32,
    /// Not before this time (the execution's clock, RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub next_at: Option<String>,
    /// What the last attempt got.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub last_error: Option<String>,
}

/// The first retry waits this long (clock time).
const FIRST_DELAY: Duration = Duration::from_secs(1);
/// No retry waits longer than this (clock time).
const LONGEST_DELAY: Duration = Duration::from_secs(300);

impl Retry {
    /// Nothing is being retried.
    pub fn is_clear(&self) -> bool {
        self.attempts == 0 && self.last_error.is_none()
    }

    /// The step may be tried at `now`.
    pub fn due(&self, now: time::OffsetDateTime) -> bool {
        self.next_at
            .as_deref()
            .and_then(super::model::parse)
            .is_none_or(|t| t <= now)
    }

    /// When it may be tried next (`None`: now).
    pub fn next(&self) -> Option<time::OffsetDateTime> {
        self.next_at.as_deref().and_then(super::model::parse)
    }

    /// Records a failed attempt at `now` and schedules the next one; `seed` makes the jitter
    /// differ between steps but replay exactly.
    pub fn failed(&mut self, now: time::OffsetDateTime, error: impl Into<String>, seed: &str) {
        self.attempts = self.attempts.saturating_add(1);
        self.last_error = Some(error.into());
        let delay = backoff(self.attempts, seed);
        self.next_at = Some(super::model::rfc3339(
            now + time::Duration::try_from(delay).unwrap_or(time::Duration::SECOND),
        ));
    }

    /// Schedules the next look at `now + after` without counting a failure (e.g. a stop that
    /// has not finished yet).
    pub fn wait(&mut self, now: time::OffsetDateTime, after: Duration) {
        self.next_at = Some(super::model::rfc3339(
            now + time::Duration::try_from(after).unwrap_or(time::Duration::SECOND),
        ));
    }

    /// The step succeeded.
    pub fn clear(&mut self) {
        *self = Self::default();
    }
}

/// The delay before attempt `attempts + 1`: exponential from 1 s to 5 min, with jitter.
fn backoff(attempts: u32, seed: &str) -> Duration {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (seed, attempts).hash(&mut h);
    ExponentialBuilder::default()
        .with_min_delay(FIRST_DELAY)
        .with_max_delay(LONGEST_DELAY)
        .with_factor(2.0)
        .with_jitter()
        .with_jitter_seed(h.finish())
        .without_max_times()
        .build()
        .nth(attempts.saturating_sub(1) as usize)
        .unwrap_or(LONGEST_DELAY)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> time::OffsetDateTime {
        super::super::model::parse(s).unwrap()
    }

    #[test]
    fn errors_say_whether_the_request_may_have_happened() {
        let op = || "drs:StartRecovery".to_string();
        assert_eq!(
            outcome(&CloudError::Throttled {
                operation: op(),
                request_id: None
            }),
            Outcome::NotDone
        );
        assert_eq!(
            outcome(&CloudError::Network {
                operation: op(),
                message: "reset".into()
            }),
            Outcome::Unknown
        );
        assert_eq!(
            outcome(&CloudError::Service {
                operation: op(),
                code: "InternalServerException".into(),
                message: String::new(),
                request_id: None
            }),
            Outcome::Unknown
        );
        assert_eq!(
            outcome(&CloudError::Validation {
                operation: op(),
                message: String::new(),
                fields: vec![],
                request_id: None
            }),
            Outcome::Refused
        );
        assert_eq!(
            outcome(&CloudError::Credentials("expired".into())),
            Outcome::NotDone
        );
    }

    #[test]
    fn retries_back_off_and_replay_exactly() {
        let now = t("2026-12-01T10:00:00Z");
        let mut a = Retry::default();
        let mut b = Retry::default();
        for _ in 0..12 {
            a.failed(now, "throttled", "batch 0-1");
            b.failed(now, "throttled", "batch 0-1");
        }
        assert_eq!(a, b, "the same step replays the same schedule");
        let first = {
            let mut r = Retry::default();
            r.failed(now, "x", "s");
            (r.next().unwrap() - now).whole_milliseconds()
        };
        assert!((1000..=2000).contains(&first), "{first}");
        let last = (a.next().unwrap() - now).whole_seconds();
        assert!(
            (300..=600).contains(&last),
            "capped at 5 min (+ jitter): {last}"
        );
        assert!(!a.due(now));
        assert!(a.due(t("2026-12-01T10:11:00Z")));
        a.clear();
        assert!(a.is_clear() && a.due(now));
    }
}
