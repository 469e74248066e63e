//! Reports for the CLI and the window alike: the readiness report of one plan or of all (a
//! fresh check), the drill report of one execution (from its journal), and the schedule that
//! writes readiness reports into a folder while the app runs.

use crate::connect::EmbeddedSandbox;
use crate::files::{write_atomic, FileError};
use crate::readiness::{self as checks, Prepared};
use drs_core::execution::{Execution, ExecutionKind};
use drs_core::readiness::{Readiness, Thresholds};
use drs_report::{JournalLine, PlanReadiness, ReportContext};
use drs_secrets::Secrets;
use drs_store::{Store, StoreError};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The setting holding the report schedule.
pub const SCHEDULE_KEY: &str = "reports.schedule";
/// The setting holding the schedule's last run.
pub const LAST_RUN_KEY: &str = "reports.schedule.lastRun";

/// PDF for people, CSV (the server table) for spreadsheets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
#[ts(export_to = "ipc.ts")]
pub enum ReportFormat {
    /// A PDF.
    Pdf,
    /// The server table as CSV.
    Csv,
}

impl ReportFormat {
    /// The file extension.
    pub fn extension(self) -> &'static str {
        match self {
            ReportFormat::Pdf => "pdf",
            ReportFormat::Csv => "csv",
        }
    }
}

/// Why a report could not be made or written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The store refused (a plan or execution that does not exist, a damaged file, …).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// "All plans" when there is none.
    #[error("there is no recovery plan to report on: create or import one first")]
    NoPlans,
    /// The PDF could not be laid out.
    #[error("the report could not be laid out: {0}")]
    Layout(#[from] drs_report::LayoutError),
    /// The file could not be written.
    #[error("cannot write the report: {0}")]
    File(#[from] FileError),
    /// The schedule's settings are wrong.
    #[error("{0}")]
    Schedule(String),
}

/// One plan's line in a readiness preview.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts", rename = "ReportPlanLine")]
pub struct PlanLine {
    /// Plan.
    pub plan: String,
    /// No blocker.
    pub ready: bool,
    /// Servers.
    pub servers: usize,
    /// Servers with a blocker.
    pub blocked_servers: usize,
    /// Servers with warnings only.
    pub warning_servers: usize,
    /// Blocker findings.
    pub blockers: usize,
    /// Warning findings.
    pub warnings: usize,
    /// The first blockers, as "server: message".
    pub top_blockers: Vec<String>,
    /// The last drill's execution ID.
    pub last_drill: Option<String>,
    /// Its measured RTO (seconds).
    pub last_drill_rto_seconds: Option<i64>,
    /// The plan's RTO target (seconds).
    pub rto_target_seconds: Option<i64>,
}

/// What a report says, for the window's preview before saving.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(
    rename_all = "camelCase",
    rename_all_fields = "camelCase",
    tag = "kind"
)]
#[ts(export_to = "ipc.ts", rename = "ReportSummary")]
pub enum Summary {
    /// A readiness report.
    Readiness {
        /// One line per plan.
        plans: Vec<PlanLine>,
        /// When the evidence was read.
        checked_at: String,
        /// Identities the evidence was read with.
        identity: Vec<String>,
    },
    /// A drill (or recovery) report.
    Drill {
        /// Execution ID.
        execution: String,
        /// Plan.
        plan: String,
        /// Drill or recovery.
        execution_kind: ExecutionKind,
        /// Its status.
        status: String,
        /// Still running.
        in_progress: bool,
        /// Measured RTO (seconds), when every server launched.
        measured_seconds: Option<i64>,
        /// The plan's target (seconds).
        target_seconds: Option<i64>,
        /// Servers launched.
        launched: usize,
        /// Servers failed.
        failed: usize,
        /// Servers in all.
        total: usize,
        /// Cleanup status.
        cleanup: String,
    },
    /// A failback report.
    Failback {
        /// Plan.
        plan: String,
        /// Where the plan is.
        phase: drs_core::failback::Phase,
        /// Executions of its lifecycle.
        executions: usize,
    },
}

/// A report made in memory.
#[derive(Debug, Clone)]
pub struct Made {
    /// The file's bytes.
    pub bytes: Vec<u8>,
    /// The preview.
    pub preview: Preview,
}

/// What the window shows before saving.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts", rename = "ReportPreview")]
pub struct Preview {
    /// Document title.
    pub title: String,
    /// Suggested file name.
    pub file_name: String,
    /// PDF or CSV.
    pub format: ReportFormat,
    /// Size in bytes.
    pub bytes: usize,
    /// What it says.
    pub summary: Summary,
}

fn today(now: time::OffsetDateTime) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        now.year(),
        u8::from(now.month()),
        now.day()
    )
}

/// A plan name made safe for a file name (`retail dr/eu` → `retail-dr-eu`).
pub fn file_safe(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '-'
            }
        })
        .collect();
    let s = s.trim_matches(|c| c == '-' || c == '.').to_string();
    if s.is_empty() {
        "plan".into()
    } else {
        s
    }
}

/// The plans a readiness report covers, read from the store and keychain. Blocking.
pub struct ReadinessPrepared {
    plans: Vec<(Prepared, Option<Execution>)>,
}

impl ReadinessPrepared {
    /// The plans it covers, by name.
    pub fn plan_names(&self) -> Vec<String> {
        self.plans
            .iter()
            .map(|(p, _)| p.plan.name.clone())
            .collect()
    }
}

/// The thresholds of the targets `prepared` covers, by target name.
fn thresholds_of(prepared: &ReadinessPrepared) -> Vec<(String, Thresholds)> {
    let mut out: BTreeMap<String, Thresholds> = BTreeMap::new();
    for (p, _) in &prepared.plans {
        for (t, _) in &p.targets {
            out.insert(
                t.name.clone(),
                p.thresholds.get(&t.name).copied().unwrap_or_default(),
            );
        }
    }
    out.into_iter().collect()
}

/// The most recent finished drill of `plan`, if any.
pub fn last_drill(store: &Store, plan: &str) -> Result<Option<Execution>, StoreError> {
    for e in store.executions(500)? {
        if e.plan == plan && e.kind == "drill" && e.ended_at.is_some() {
            return store.execution(&e.id).map(Some);
        }
    }
    Ok(None)
}

/// Reads what a readiness report of `plans` (every plan when empty) needs. Blocking.
pub fn prepare_readiness(
    store: &Store,
    secrets: &dyn Secrets,
    plans: &[String],
) -> Result<ReadinessPrepared, ReportError> {
    let names: Vec<String> = if plans.is_empty() {
        store.plans()?.into_iter().map(|p| p.name).collect()
    } else {
        plans.to_vec()
    };
    if names.is_empty() {
        return Err(ReportError::NoPlans);
    }
    let resolved = crate::connect::resolve_targets(store, secrets, None)?;
    let mut out = Vec::new();
    for name in names {
        let prepared = checks::prepare_with(store, &name, &resolved)?;
        let drill = last_drill(store, &name)?;
        out.push((prepared, drill));
    }
    Ok(ReadinessPrepared { plans: out })
}

/// Fresh readiness of each plan, with the targets and identities it was read with.
pub struct Checked {
    /// Per plan: the verdict and its last drill.
    pub plans: Vec<(Readiness, Option<Execution>)>,
    /// "name: account, primary → recovery" per target.
    pub targets: Vec<String>,
    /// "name: caller ARN" per target that answered.
    pub identity: Vec<String>,
    /// The thresholds of each target covered.
    pub thresholds: Vec<(String, Thresholds)>,
    /// Recovered plans: where each is on its way home, and its failback readiness.
    pub failback: BTreeMap<
        String,
        (
            drs_core::failback::Lifecycle,
            Option<drs_core::failback::FailbackReadiness>,
        ),
    >,
}

/// Checks every plan now (the same check as the Readiness page).
pub async fn check_readiness(prepared: ReadinessPrepared, sandbox: &EmbeddedSandbox) -> Checked {
    let thresholds = thresholds_of(&prepared);
    let mut targets = BTreeSet::new();
    let mut plans = Vec::new();
    for (p, drill) in prepared.plans {
        for (t, _) in &p.targets {
            targets.insert(format!(
                "{}: {}, {} → {}",
                t.name, t.account_id, t.primary_region, t.recovery_region
            ));
        }
        plans.push((checks::check(p, sandbox).await, drill));
    }
    let mut identity = BTreeSet::new();
    let mut asked = BTreeSet::new();
    for (run, _) in &plans {
        for (target, cloud) in &run.clouds {
            if !asked.insert(target.clone()) {
                continue;
            }
            if let Ok(c) = cloud {
                if let Ok(me) = c.caller_identity().await {
                    identity.insert(format!("{target}: {}", me.arn));
                }
            }
        }
    }
    Checked {
        plans: plans
            .into_iter()
            .map(|(run, drill)| (run.readiness, drill))
            .collect(),
        targets: targets.into_iter().collect(),
        identity: identity.into_iter().collect(),
        thresholds,
        failback: BTreeMap::new(),
    }
}

/// Keeps each fresh verdict (the Readiness page and Dashboard show the latest).
pub fn save_checks(store: &mut Store, checked: &Checked) -> Result<(), StoreError> {
    for (readiness, _) in &checked.plans {
        store.save_readiness(readiness)?;
    }
    Ok(())
}

fn context(
    targets: Vec<String>,
    identity: Vec<String>,
    now: time::OffsetDateTime,
) -> ReportContext {
    ReportContext {
        targets,
        identity,
        generated_at: now,
        version: env!("CARGO_PKG_VERSION").into(),
        target_thresholds: vec![],
    }
}

/// The readiness report of the checked plans.
pub fn readiness_report(
    checked: &Checked,
    format: ReportFormat,
    now: time::OffsetDateTime,
) -> Result<Made, ReportError> {
    let plans: Vec<PlanReadiness> = checked
        .plans
        .iter()
        .map(|(readiness, drill)| PlanReadiness {
            readiness: readiness.clone(),
            last_drill: drill.clone(),
            failback: checked.failback.get(&readiness.plan).cloned(),
        })
        .collect();
    let bytes = match format {
        ReportFormat::Pdf => drs_report::readiness_pdf(
            &plans,
            &ReportContext {
                target_thresholds: checked.thresholds.clone(),
                ..context(checked.targets.clone(), checked.identity.clone(), now)
            },
            // The charts and appendix use the first target's thresholds (the appendix lists
            // each target's when they differ).
            &checked
                .thresholds
                .first()
                .map(|(_, t)| *t)
                .unwrap_or_default(),
        )?,
        ReportFormat::Csv => drs_report::readiness_csv(&plans).into_bytes(),
    };
    let (title, stem) = match plans.as_slice() {
        [one] => (
            format!("Readiness report: {}", one.readiness.plan),
            format!("readiness-{}", file_safe(&one.readiness.plan)),
        ),
        _ => (
            "Readiness report: all recovery plans".to_string(),
            "readiness-all-plans".to_string(),
        ),
    };
    let lines = plans
        .iter()
        .map(|p| {
            let r = &p.readiness;
            let count = |v| r.by_server.iter().filter(|s| s.verdict == v).count();
            let rto = p.last_drill.as_ref().map(Execution::rto);
            PlanLine {
                plan: r.plan.clone(),
                ready: r.ready,
                servers: r.servers,
                blocked_servers: count(drs_core::readiness::ServerVerdict::Blocked),
                warning_servers: count(drs_core::readiness::ServerVerdict::Warning),
                blockers: r.blockers,
                warnings: r.warnings,
                top_blockers: r
                    .findings
                    .iter()
                    .filter(|f| f.severity == drs_core::readiness::Severity::Blocker)
                    .take(5)
                    .map(|f| {
                        format!(
                            "{}: {}",
                            f.server_name
                                .as_deref()
                                .or(f.group.as_deref())
                                .unwrap_or("plan"),
                            f.message
                        )
                    })
                    .collect(),
                last_drill: p.last_drill.as_ref().map(|e| e.id.clone()),
                last_drill_rto_seconds: rto.as_ref().and_then(|r| r.measured_seconds),
                rto_target_seconds: rto.as_ref().and_then(|r| r.target_seconds),
            }
        })
        .collect();
    Ok(Made {
        preview: Preview {
            title,
            file_name: format!("{stem}-{}.{}", today(now), format.extension()),
            format,
            bytes: bytes.len(),
            summary: Summary::Readiness {
                plans: lines,
                checked_at: plans
                    .iter()
                    .map(|p| p.readiness.checked_at.clone())
                    .max()
                    .unwrap_or_default(),
                identity: checked.identity.clone(),
            },
        },
        bytes,
    })
}

/// The journal of an execution merged with the requests people made, oldest first.
fn journal(store: &Store, id: &str) -> Result<Vec<JournalLine>, StoreError> {
    let mut lines: Vec<JournalLine> = store
        .execution_events(id)?
        .into_iter()
        .map(|e| JournalLine {
            at: e.at,
            by: "engine".into(),
            what: e.event,
        })
        .collect();
    lines.extend(
        store
            .execution_requests(id)?
            .into_iter()
            .map(|r| JournalLine {
                at: r.at,
                by: r.actor,
                what: match r.wave {
                    Some(w) => format!("{} {w}", r.request),
                    None => r.request,
                },
            }),
    );
    lines.sort_by(|a, b| a.at.cmp(&b.at));
    Ok(lines)
}

/// The drill (or recovery) report of execution `id`, from its journal; an execution still
/// running is reported as in progress.
pub fn drill_report(
    store: &Store,
    id: &str,
    format: ReportFormat,
    now: time::OffsetDateTime,
) -> Result<Made, ReportError> {
    let e = store.execution(id)?;
    let used: BTreeSet<&str> = e.servers().map(|s| s.target.as_str()).collect();
    let targets: Vec<String> = store
        .targets()?
        .into_iter()
        .filter(|t| used.contains(t.name.as_str()))
        .map(|t| {
            format!(
                "{}: {}, {} → {}",
                t.name, t.account_id, t.primary_region, t.recovery_region
            )
        })
        .collect();
    // The identities the execution acted as, recorded in it when it started.
    let identity: Vec<String> = e
        .identities
        .iter()
        .map(|(t, arn)| format!("{t}: {arn}"))
        .collect();
    let bytes = match format {
        ReportFormat::Pdf => {
            drs_report::drill_pdf(&e, &journal(store, id)?, &context(targets, identity, now))?
        }
        ReportFormat::Csv => drs_report::drill_csv(&e).into_bytes(),
    };
    let rto = e.rto();
    let (launched, failed, launching, waiting) = e.counts();
    let kind = e.label().to_lowercase().replace(' ', "-");
    Ok(Made {
        preview: Preview {
            title: format!("{} report: {} ({})", e.label(), e.plan, e.id),
            file_name: format!(
                "{kind}-{}-{}.{}",
                file_safe(&e.plan),
                file_safe(&e.id),
                format.extension()
            ),
            format,
            bytes: bytes.len(),
            summary: Summary::Drill {
                execution: e.id.clone(),
                plan: e.plan.clone(),
                execution_kind: e.kind,
                status: drs_report::drill::status_word(e.status).into(),
                in_progress: !e.status.is_final(),
                measured_seconds: rto.measured_seconds,
                target_seconds: rto.target_seconds,
                launched,
                failed,
                total: launched + failed + launching + waiting,
                cleanup: e.cleanup.status.clone(),
            },
        },
        bytes,
    })
}

/// Writes a report where the user chose; the file appears whole or not at all.
pub fn write(made: &Made, path: &Path) -> Result<(), ReportError> {
    write_atomic(path, &made.bytes)?;
    Ok(())
}

/// How often the schedule writes reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
#[ts(export_to = "ipc.ts", rename = "ReportCadence")]
pub enum Cadence {
    /// Every day at `hour`.
    Daily,
    /// Every week on `weekday` at `hour`.
    Weekly,
}

/// Readiness reports written into a folder while the app runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts", rename = "ReportSchedule")]
pub struct Schedule {
    /// On or off.
    pub enabled: bool,
    /// Where the reports go.
    pub folder: PathBuf,
    /// Daily or weekly.
    pub cadence: Cadence,
    /// Weekly: 1 = Monday … 7 = Sunday.
    #[serde(default = "monday")]
    pub weekday: u8,
    /// Hour of the day (UTC), 0–23.
    pub hour: u8,
    /// The plans, one report each; empty for every plan.
    #[serde(default)]
    pub plans: Vec<String>,
    /// PDF or CSV.
    #[serde(default = "pdf")]
    pub format: ReportFormat,
    /// When it was last saved (reports are due from then on, not for slots before it).
    #[serde(default)]
    pub saved_at: Option<String>,
    /// Where the reports are delivered besides the folder (S3, e-mail), if anywhere.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub delivery: Option<drs_core::delivery::Delivery>,
}

fn monday() -> u8 {
    1
}

fn pdf() -> ReportFormat {
    ReportFormat::Pdf
}

/// The schedule's last run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub struct ScheduleRun {
    /// When it ran (RFC 3339).
    pub at: String,
    /// The files written.
    pub files: Vec<String>,
    /// What went wrong, if anything (per plan).
    #[serde(default)]
    pub errors: Vec<String>,
    /// Each report's delivery through each channel (S3, e-mail), as it stood after the run.
    #[serde(default)]
    pub deliveries: Vec<drs_core::delivery::DeliveryRecord>,
}

impl Schedule {
    /// What is wrong with the schedule's fields, with the field named (checked before saving).
    pub fn problems(&self) -> Vec<String> {
        let mut p = Vec::new();
        if self.hour > 23 {
            p.push(format!(
                "hour: {} is not an hour of the day (0–23)",
                self.hour
            ));
        }
        if self.cadence == Cadence::Weekly && !(1..=7).contains(&self.weekday) {
            p.push(format!(
                "weekday: {} is not a day of the week (1 = Monday … 7 = Sunday)",
                self.weekday
            ));
        }
        if self.enabled {
            if self.folder.as_os_str().is_empty() {
                p.push("folder: choose the folder the reports are written to".into());
            } else if !self.folder.is_dir() {
                p.push(format!(
                    "folder: {} is not an existing folder",
                    self.folder.display()
                ));
            } else if let Err(e) = tempfile::NamedTempFile::new_in(&self.folder) {
                p.push(format!(
                    "folder: {} cannot be written to ({e})",
                    self.folder.display()
                ));
            }
        }
        if let Some(d) = &self.delivery {
            p.extend(d.problems());
        }
        p
    }

    /// The most recent scheduled moment at or before `now`.
    pub fn last_slot(&self, now: time::OffsetDateTime) -> time::OffsetDateTime {
        let now = now.to_offset(time::UtcOffset::UTC);
        let at_hour = now.replace_time(
            time::Time::from_hms(self.hour.min(23), 0, 0).unwrap_or(time::Time::MIDNIGHT),
        );
        let mut slot = if at_hour > now {
            at_hour - time::Duration::days(1)
        } else {
            at_hour
        };
        if self.cadence == Cadence::Weekly {
            let want = self.weekday.clamp(1, 7);
            while slot.weekday().number_from_monday() != want {
                slot -= time::Duration::days(1);
            }
        }
        slot
    }

    /// Whether a run is due at `now`, given the last run.
    pub fn due(&self, last_run: Option<&str>, now: time::OffsetDateTime) -> bool {
        use time::format_description::well_known::Rfc3339;
        if !self.enabled {
            return false;
        }
        let slot = self.last_slot(now);
        let parse = |s: &str| time::OffsetDateTime::parse(s, &Rfc3339).ok();
        let since = [
            last_run.and_then(parse),
            self.saved_at.as_deref().and_then(parse),
        ]
        .into_iter()
        .flatten()
        .max();
        since.is_none_or(|t| t < slot)
    }

    /// The next scheduled moment after `now` (for the window to show).
    pub fn next_slot(&self, now: time::OffsetDateTime) -> time::OffsetDateTime {
        let step = match self.cadence {
            Cadence::Daily => time::Duration::days(1),
            Cadence::Weekly => time::Duration::weeks(1),
        };
        self.last_slot(now) + step
    }
}

/// A report the schedule wrote, to be delivered.
#[derive(Debug, Clone)]
pub struct Written {
    /// The plan.
    pub plan: String,
    /// The file.
    pub path: PathBuf,
    /// Its bytes.
    pub bytes: Vec<u8>,
    /// The one-paragraph summary for the e-mail's body.
    pub summary: String,
}

/// The e-mail summary of one plan's readiness: verdict, counts, the first blockers, and when.
pub fn summary(r: &drs_core::readiness::Readiness, target: Option<&str>) -> String {
    let verdict = if r.ready { "READY" } else { "NOT READY" };
    let mut text = format!(
        "Readiness of recovery plan \"{}\"{} checked at {}: {verdict}. {} server(s), {} blocker(s), {} warning(s).",
        r.plan,
        target.map(|t| format!(" (target {t})")).unwrap_or_default(),
        r.checked_at,
        r.servers,
        r.blockers,
        r.warnings
    );
    let blockers: Vec<&str> = r
        .findings
        .iter()
        .filter(|f| f.severity == drs_core::readiness::Severity::Blocker)
        .map(|f| f.message.as_str())
        .take(3)
        .collect();
    if !blockers.is_empty() {
        text.push_str(&format!(" Blocking: {}", blockers.join("; ")));
        if r.blockers > blockers.len() {
            text.push_str(&format!(" (and {} more)", r.blockers - blockers.len()));
        }
        text.push('.');
    }
    text.push_str(" The full report is attached.");
    text
}

/// Makes and writes the scheduled reports (one per plan), returning what was written and what
/// failed. Nothing half-written is left: each file is written whole or not at all.
pub async fn run_schedule(
    schedule: &Schedule,
    prepared: Result<ReadinessPrepared, ReportError>,
    sandbox: &EmbeddedSandbox,
    now: time::OffsetDateTime,
    failback: BTreeMap<
        String,
        (
            drs_core::failback::Lifecycle,
            Option<drs_core::failback::FailbackReadiness>,
        ),
    >,
) -> (ScheduleRun, Option<Checked>, Vec<Written>) {
    let at = crate::rfc3339(now);
    let prepared = match prepared {
        Ok(p) => p,
        Err(e) => {
            return (
                ScheduleRun {
                    at,
                    files: vec![],
                    errors: vec![e.to_string()],
                    deliveries: vec![],
                },
                None,
                vec![],
            )
        }
    };
    let mut checked = check_readiness(prepared, sandbox).await;
    checked.failback = failback;
    let mut files = Vec::new();
    let mut errors = Vec::new();
    let mut written = Vec::new();
    for (readiness, drill) in &checked.plans {
        let one = Checked {
            plans: vec![(readiness.clone(), drill.clone())],
            targets: checked.targets.clone(),
            identity: checked.identity.clone(),
            thresholds: checked.thresholds.clone(),
            failback: checked.failback.clone(),
        };
        let result = readiness_report(&one, schedule.format, now).and_then(|made| {
            let path = schedule.folder.join(&made.preview.file_name);
            write(&made, &path)?;
            Ok((path, made))
        });
        match result {
            Ok((path, made)) => {
                files.push(path.display().to_string());
                written.push(Written {
                    plan: readiness.plan.clone(),
                    path,
                    bytes: made.bytes,
                    summary: summary(readiness, None),
                });
            }
            Err(e) => errors.push(format!("{}: {e}", readiness.plan)),
        }
    }
    (
        ScheduleRun {
            at,
            files,
            errors,
            deliveries: vec![],
        },
        Some(checked),
        written,
    )
}

impl crate::App {
    /// Checks the plans now (every plan when `plans` is empty), keeps their verdicts, and makes
    /// their readiness report; also says whether every plan is ready.
    pub async fn readiness_report(
        &self,
        plans: &[String],
        format: ReportFormat,
    ) -> Result<(Made, bool), crate::AppError> {
        let plans = plans.to_vec();
        let prepared = self
            .with_store_and_keychain(move |s, keychain| Ok(prepare_readiness(s, keychain, &plans)?))
            .await?;
        let mut checked = check_readiness(prepared, self.sandbox()).await;
        self.with_store(|s| Ok(save_checks(s, &checked)?))?;
        // A plan recovered for real gets its way home in the report.
        let names: Vec<String> = checked.plans.iter().map(|(r, _)| r.plan.clone()).collect();
        checked.failback = self.failback_sections(&names).await;
        let ready = checked.plans.iter().all(|(r, _)| r.ready);
        Ok((
            readiness_report(&checked, format, time::OffsetDateTime::now_utc())?,
            ready,
        ))
    }

    /// For each of `plans` recovered for real: where it is on its way home, and its failback
    /// readiness while it has not failed back (read from AWS; a plan whose readiness cannot be
    /// read gets its lifecycle only).
    pub async fn failback_sections(
        &self,
        plans: &[String],
    ) -> BTreeMap<
        String,
        (
            drs_core::failback::Lifecycle,
            Option<drs_core::failback::FailbackReadiness>,
        ),
    > {
        use drs_core::failback::Phase;
        let mut out = BTreeMap::new();
        for plan in plans {
            let Ok(life) = self.lifecycle(plan) else {
                continue;
            };
            if life.phase == Phase::Protected {
                continue;
            }
            let fb = if matches!(
                life.phase,
                Phase::Recovered | Phase::Reprotecting | Phase::ReadyToFailBack
            ) {
                self.failback_readiness(plan, drs_core::failback::OriginalChoice::Require)
                    .await
                    .ok()
            } else {
                None
            };
            out.insert(plan.clone(), (life, fb));
        }
        out
    }

    /// The report of one execution from its journal (a running one is reported as in
    /// progress).
    pub fn execution_report(
        &self,
        id: &str,
        format: ReportFormat,
    ) -> Result<Made, crate::AppError> {
        let mut made = None;
        self.with_store(|s| {
            made = Some(drill_report(s, id, format, time::OffsetDateTime::now_utc()));
            Ok(())
        })?;
        match made {
            Some(r) => Ok(r?),
            None => Err(crate::AppError::new(
                crate::ErrorCode::Internal,
                "the report was not made",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn schedule(cadence: Cadence, hour: u8, weekday: u8) -> Schedule {
        Schedule {
            enabled: true,
            folder: PathBuf::from("/tmp"),
            cadence,
            weekday,
            hour,
            plans: vec![],
            format: ReportFormat::Pdf,
            saved_at: Some("2026-11-20T00:00:00Z".into()),
            delivery: None,
        }
    }

    #[test]
    fn a_daily_report_is_due_once_per_day_after_its_hour() {
        let s = schedule(Cadence::Daily, 6, 1);
        let now = datetime!(2026-11-26 07:30 UTC);
        assert_eq!(s.last_slot(now), datetime!(2026-11-26 06:00 UTC));
        assert!(s.due(Some("2026-11-25T06:00:10Z"), now), "yesterday's run");
        assert!(!s.due(Some("2026-11-26T06:00:10Z"), now), "ran today");
        let early = datetime!(2026-11-26 05:59 UTC);
        assert!(!s.due(Some("2026-11-25T06:00:10Z"), early));
        assert_eq!(s.next_slot(now), datetime!(2026-11-27 06:00 UTC));
    }

    #[test]
    fn a_weekly_report_waits_for_its_weekday_and_nothing_runs_for_slots_before_it_was_saved() {
        // 2026-11-26 is a Thursday.
        let s = schedule(Cadence::Weekly, 8, 1);
        let now = datetime!(2026-11-26 12:00 UTC);
        assert_eq!(s.last_slot(now), datetime!(2026-11-23 08:00 UTC));
        assert!(!s.due(Some("2026-11-23T08:01:00Z"), now));
        assert!(s.due(Some("2026-11-16T08:01:00Z"), now));
        let mut fresh = s.clone();
        fresh.saved_at = Some("2026-11-25T10:00:00Z".into());
        assert!(
            !fresh.due(None, now),
            "saved after Monday's slot: wait for next Monday"
        );
        fresh.enabled = false;
        assert!(!fresh.due(None, datetime!(2026-12-07 09:00 UTC)));
    }

    #[test]
    fn bad_schedules_name_the_field() {
        let mut s = schedule(Cadence::Weekly, 24, 9);
        s.folder = PathBuf::from("/nonexistent/reports");
        let p = s.problems().join("\n");
        assert!(p.contains("hour: 24"), "{p}");
        assert!(p.contains("weekday: 9"), "{p}");
        assert!(
            p.contains("folder: /nonexistent/reports is not an existing folder"),
            "{p}"
        );
    }

    #[test]
    fn the_window_receives_camel_case_fields() {
        let v = serde_json::to_value(Summary::Drill {
            execution: "exec-1".into(),
            plan: "p".into(),
            execution_kind: ExecutionKind::Drill,
            status: "completed".into(),
            in_progress: false,
            measured_seconds: Some(60),
            target_seconds: Some(120),
            launched: 1,
            failed: 0,
            total: 1,
            cleanup: "verified".into(),
        })
        .unwrap();
        assert_eq!(v["kind"], "drill");
        assert_eq!(v["executionKind"], "drill");
        assert_eq!(v["measuredSeconds"], 60);
        assert_eq!(v["inProgress"], false);
        let v = serde_json::to_value(Summary::Readiness {
            plans: vec![],
            checked_at: "t".into(),
            identity: vec![],
        })
        .unwrap();
        assert_eq!(v["kind"], "readiness");
        assert_eq!(v["checkedAt"], "t");
    }

    #[test]
    fn plan_names_become_safe_file_names() {
        assert_eq!(file_safe("retail dr/eu"), "retail-dr-eu");
        assert_eq!(file_safe("../.."), "plan");
        assert_eq!(file_safe("Zahlungsverkehr-DR"), "Zahlungsverkehr-DR");
    }
}
