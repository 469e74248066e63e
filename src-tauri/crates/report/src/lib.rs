//! # drs-report — PDF and CSV reports for auditors
//!
//! Pure functions of core data, no I/O:
//! - [`readiness_pdf`]: one plan's (or every plan's) readiness — cover, executive summary,
//!   readiness by wave and replication-lag charts, the last drill's RTO per wave against the
//!   target, waves against DRS's quotas, waves → groups → servers tables with blockers
//!   highlighted, every finding with its remediation, the pairs, and an appendix on how each
//!   check works; [`readiness_csv`] is its server table.
//! - [`drill_pdf`]: one execution — measured RTO against the target, per wave and server
//!   timelines, failures with their reasons, approvals and who gave them, the cleanup proof,
//!   the plan revision and the identity; an execution still running is marked "in progress";
//!   [`drill_csv`] is its server table.
//!
//! Layout is in [`layout`]: an embedded font (DejaVu Sans, its licence in `fonts/`), running
//! headers, "page X of Y" footers, table headers repeated on every page, rows never split,
//! bookmarks and document metadata.

pub mod drill;
pub mod failback;
pub mod layout;
pub mod readiness;
pub mod sample;

pub use drill::{drill_csv, drill_pdf, JournalLine};
pub use failback::{failback_csv, failback_pdf, FailbackStory};
pub use layout::LayoutError;
pub use readiness::{readiness_csv, readiness_pdf, PlanReadiness};

/// Who and what a report is about, besides the data itself.
#[derive(Debug, Clone)]
pub struct ReportContext {
    /// Targets with their accounts and regions, as lines ("Sandbox: 111122223333, us-east-1 → us-west-2").
    pub targets: Vec<String>,
    /// The identity the data was read with (caller ARNs), if known.
    pub identity: Vec<String>,
    /// When the report is made.
    pub generated_at: time::OffsetDateTime,
    /// The app version.
    pub version: String,
    /// The replication thresholds of each target the report covers (empty: the defaults).
    pub target_thresholds: Vec<(String, drs_core::readiness::Thresholds)>,
}

impl ReportContext {
    /// The cover's lines about the report itself: when it was made, by which version, the
    /// accounts and regions, and the identities (under `identity_label`).
    pub(crate) fn cover_facts(&self, identity_label: &'static str) -> Vec<(&'static str, String)> {
        let mut facts = vec![(
            "Report generated",
            format!(
                "{} by DRS Orchestrator {}",
                when(&rfc(self.generated_at)),
                self.version
            ),
        )];
        for t in &self.targets {
            facts.push(("Account / regions", t.clone()));
        }
        for i in &self.identity {
            facts.push((identity_label, i.clone()));
        }
        if self.identity.is_empty() {
            facts.push((identity_label, "unknown (no target answered)".into()));
        }
        facts
    }
}

pub(crate) fn rfc(t: time::OffsetDateTime) -> String {
    t.replace_nanosecond(0)
        .unwrap_or(t)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// An RFC 3339 time as people read it in a report (`2026-11-26 10:00:05 UTC`); other text is
/// returned as it is.
pub fn when(t: &str) -> String {
    use time::format_description::well_known::Rfc3339;
    match time::OffsetDateTime::parse(t, &Rfc3339) {
        Ok(v) => {
            let v = v.to_offset(time::UtcOffset::UTC);
            format!(
                "{:04}-{:02}-{:02} {:02}:{:02}:{:02} UTC",
                v.year(),
                u8::from(v.month()),
                v.day(),
                v.hour(),
                v.minute(),
                v.second()
            )
        }
        Err(_) => t.to_string(),
    }
}

/// A duration in seconds as a clock (`1:02:05` or `12:05`).
pub fn clock(seconds: i64) -> String {
    let s = seconds.max(0);
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, (s % 3600) / 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}

pub(crate) fn col(header: &str, width: f32) -> layout::Column {
    layout::Column {
        header: header.to_string(),
        width,
    }
}

/// A cell a spreadsheet would not run as a formula: text starting with `=`, `+`, `-`, `@`, a
/// tab or a carriage return gets a leading `'` (as OWASP advises against CSV injection); a
/// number, negative or not, stays a number.
pub fn neutralise_cell(cell: &str) -> std::borrow::Cow<'_, str> {
    let risky = cell
        .chars()
        .next()
        .is_some_and(|c| matches!(c, '=' | '+' | '-' | '@' | '\t' | '\r'));
    if risky && cell.parse::<f64>().is_err() {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

/// CSV text from a header and rows (quoted as RFC 4180 asks, by the `csv` crate; every cell
/// neutralised against formulas by [`neutralise_cell`]: server names, tags and AWS error texts
/// come from outside).
pub(crate) fn csv_text(header: &[&str], rows: impl IntoIterator<Item = Vec<String>>) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    // Writing into memory cannot fail; a failure would only drop the row.
    let _ = w.write_record(header);
    for r in rows {
        let _ = w.write_record(r.iter().map(|c| neutralise_cell(c).into_owned()));
    }
    let bytes = w.into_inner().unwrap_or_default();
    String::from_utf8(bytes).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_and_durations_read_as_people_say_them() {
        assert_eq!(when("2026-11-26T10:00:05Z"), "2026-11-26 10:00:05 UTC");
        assert_eq!(when("2026-11-26T12:00:05+02:00"), "2026-11-26 10:00:05 UTC");
        assert_eq!(when("soon"), "soon");
        assert_eq!(clock(65), "1:05");
        assert_eq!(clock(3725), "1:02:05");
    }

    #[test]
    fn csv_fields_are_quoted_when_they_must_be() {
        let t = csv_text(&["a", "b"], [vec!["x,y".into(), "say \"hi\"".into()]]);
        assert_eq!(t, "a,b\n\"x,y\",\"say \"\"hi\"\"\"\n");
    }

    #[test]
    fn cells_that_a_spreadsheet_would_run_are_neutralised() {
        let t = csv_text(
            &["name", "n"],
            [
                vec!["=HYPERLINK(\"http://x\",\"y\")".into(), "-5".into()],
                vec!["@SUM(A1)".into(), "+1.5".into()],
                vec!["-cmd".into(), "web-01".into()],
                vec!["\tx".into(), "ok".into()],
            ],
        );
        let mut r = csv::Reader::from_reader(t.as_bytes());
        let rows: Vec<Vec<String>> = r
            .records()
            .map(|r| r.unwrap().iter().map(String::from).collect())
            .collect();
        assert_eq!(rows[0], ["'=HYPERLINK(\"http://x\",\"y\")", "-5"]);
        assert_eq!(rows[1], ["'@SUM(A1)", "+1.5"]);
        assert_eq!(rows[2], ["'-cmd", "web-01"]);
        assert_eq!(rows[3], ["'\tx", "ok"]);
    }
}
