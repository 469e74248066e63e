//! Time, one way: every time the app stores, journals or reports is RFC 3339 text in UTC, made
//! and read here, and "now" comes from a [`Clock`] (the system's, the sandbox's simulated one,
//! or one moved by hand in tests).

pub use crate::execution::clock::{Clock, ManualClock, ScaledClock, SystemClock};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// `t` as RFC 3339 in whole seconds (how the store, journals and reports write times).
pub fn format(t: OffsetDateTime) -> String {
    t.replace_nanosecond(0)
        .unwrap_or(t)
        .format(&Rfc3339)
        .unwrap_or_default()
}

/// `t` as RFC 3339 with its fractions of a second (the engine's clock).
pub fn format_precise(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

/// Reads RFC 3339 text.
pub fn parse(text: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text, &Rfc3339).ok()
}

/// Now on the system clock, as [`format()`].
pub fn now() -> String {
    format(SystemClock.now())
}

/// Whole seconds from `earlier` to `later` (RFC 3339), when both read.
pub fn seconds_between(earlier: &str, later: &str) -> Option<i64> {
    Some((parse(later)? - parse(earlier)?).whole_seconds())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_written_and_read_one_way() {
        let t = time::macros::datetime!(2026-12-01 10:00:30.75 UTC);
        assert_eq!(format(t), "2026-12-01T10:00:30Z");
        assert_eq!(parse(&format_precise(t)), Some(t));
        assert_eq!(
            seconds_between("2026-12-01T10:00:00Z", "2026-12-01T10:02:05Z"),
            Some(125)
        );
        assert_eq!(seconds_between("yesterday", "2026-12-01T10:02:05Z"), None);
        assert!(parse(&now()).is_some());
    }
}
