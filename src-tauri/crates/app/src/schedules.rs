//! What runs while the app does — the report schedule, the tag-sync schedule, the replication
//! health monitor and the follower of executions — in the application layer, so the window and
//! `drs-orchestrator daemon` run the same loops. A loop never swallows a failure: it is logged
//! and kept in [`Problems`] (the Dashboard shows them).

use crate::reports::{self, ReportError, Schedule, ScheduleRun};
use crate::{health, tag_sync, App, AppError, ErrorCode};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

/// The setting holding the tag sync schedule.
pub const TAG_SCHEDULE_KEY: &str = "tags.sync.schedule";
/// The setting holding the tag sync's last scheduled run.
pub const TAG_LAST_RUN_KEY: &str = "tags.sync.lastRun";

/// Tag sync while the app runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub struct TagSchedule {
    /// On or off.
    pub enabled: bool,
    /// Hours between runs (1–24).
    pub interval_hours: u32,
}

/// The last scheduled tag sync.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub struct TagRun {
    /// When (RFC 3339).
    pub at: String,
    /// Servers tagged.
    pub written: usize,
    /// What failed.
    pub errors: Vec<String>,
}

/// The tag sync schedule and its last run.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub struct TagScheduleState {
    /// The schedule, if set.
    pub schedule: Option<TagSchedule>,
    /// Its last run.
    pub last_run: Option<TagRun>,
}

/// The report schedule, its last run and its next.
#[derive(Debug, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub struct ScheduleState {
    /// The schedule, if one was ever saved.
    pub schedule: Option<Schedule>,
    /// Its last run.
    pub last_run: Option<ScheduleRun>,
    /// When it runs next (RFC 3339), when enabled.
    pub next_run: Option<String>,
    /// Deliveries that failed and wait for their retry.
    pub pending_deliveries: Vec<drs_core::delivery::DeliveryRecord>,
}

/// A failure of a loop that runs while the app does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts", rename = "BackgroundProblem")]
pub struct Problem {
    /// Which loop.
    pub what: String,
    /// What failed.
    pub message: String,
    /// When (RFC 3339).
    pub at: String,
}

/// The latest failure of each loop (cleared when it next succeeds).
#[derive(Debug, Default)]
pub struct Problems {
    latest: Mutex<BTreeMap<String, Problem>>,
}

impl Problems {
    /// Records a failure of `what` (and logs it).
    pub fn report(&self, what: &str, message: &str) {
        tracing::warn!(loop_name = what, "{what} failed: {message}");
        if let Ok(mut p) = self.latest.lock() {
            p.insert(
                what.to_string(),
                Problem {
                    what: what.to_string(),
                    message: message.to_string(),
                    at: crate::now(),
                },
            );
        }
    }

    /// `what` worked again.
    pub fn clear(&self, what: &str) {
        if let Ok(mut p) = self.latest.lock() {
            if p.remove(what).is_some() {
                tracing::info!(loop_name = what, "{what} works again");
            }
        }
    }

    /// The failures now.
    pub fn list(&self) -> Vec<Problem> {
        self.latest
            .lock()
            .map(|p| p.values().cloned().collect())
            .unwrap_or_default()
    }
}

/// Whether a tag sync is due under `schedule` after `last`.
pub fn tag_sync_due(schedule: &TagSchedule, last: Option<&TagRun>) -> bool {
    if !schedule.enabled {
        return false;
    }
    let Some(last) = last else { return true };
    match drs_core::timestamp::parse(&last.at) {
        Some(at) => {
            time::OffsetDateTime::now_utc() - at
                >= time::Duration::hours(i64::from(schedule.interval_hours))
        }
        None => true,
    }
}

fn env_seconds(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(default)
        .max(1)
}

impl App {
    /// The tag sync schedule and its last run.
    pub fn tag_schedule(&self) -> Result<TagScheduleState, AppError> {
        self.with_store(|s| {
            Ok(TagScheduleState {
                schedule: s.setting(TAG_SCHEDULE_KEY)?,
                last_run: s.setting(TAG_LAST_RUN_KEY)?,
            })
        })
    }

    /// Sets the tag sync schedule (interval 1–24 hours).
    pub fn set_tag_schedule(&self, schedule: TagSchedule) -> Result<(), AppError> {
        if !(1..=24).contains(&schedule.interval_hours) {
            return Err(AppError::invalid(
                format!(
                    "the interval must be 1 to 24 hours, not {}",
                    schedule.interval_hours
                ),
                vec![drs_core::Problem::error(
                    "intervalHours",
                    "must be 1 to 24 hours",
                )],
            ));
        }
        let actor = self.actor().to_string();
        self.with_store(|s| Ok(s.set_setting(TAG_SCHEDULE_KEY, &schedule, &actor, true)?))
    }

    /// The report schedule, its last run and its next.
    pub fn report_schedule(&self) -> Result<ScheduleState, AppError> {
        self.with_store(|s| {
            let schedule: Option<Schedule> = s.setting(reports::SCHEDULE_KEY)?;
            let next_run = schedule
                .as_ref()
                .filter(|x| x.enabled)
                .map(|x| crate::rfc3339(x.next_slot(time::OffsetDateTime::now_utc())));
            Ok(ScheduleState {
                schedule,
                last_run: s.setting(reports::LAST_RUN_KEY)?,
                next_run,
                pending_deliveries: s.setting(crate::delivery::PENDING_KEY)?.unwrap_or_default(),
            })
        })
    }

    /// Saves the report schedule (checked first: hour, weekday, a folder that exists and can
    /// be written to).
    pub fn set_report_schedule(&self, mut schedule: Schedule) -> Result<ScheduleState, AppError> {
        let problems = schedule.problems();
        if !problems.is_empty() {
            return Err(AppError::invalid(
                format!("the schedule is not valid: {}", problems.join("; ")),
                problems
                    .iter()
                    .map(|p| {
                        let (path, message) = p.split_once(": ").unwrap_or(("", p));
                        drs_core::Problem::error(path, message)
                    })
                    .collect(),
            ));
        }
        schedule.saved_at = Some(crate::now());
        let actor = self.actor().to_string();
        self.with_store(|s| Ok(s.set_setting(reports::SCHEDULE_KEY, &schedule, &actor, true)?))?;
        self.report_schedule()
    }

    /// Runs the report schedule now (whatever its time), writing its reports into its folder.
    pub async fn run_report_schedule_now(&self) -> Result<ScheduleRun, AppError> {
        let schedule: Option<Schedule> =
            self.with_store(|s| Ok(s.setting(reports::SCHEDULE_KEY)?))?;
        let schedule = schedule
            .ok_or_else(|| AppError::new(ErrorCode::NotFound, "no report schedule is saved yet"))?;
        let problems = schedule.problems();
        if !problems.is_empty() {
            return Err(AppError::new(ErrorCode::Invalid, problems.join("; ")));
        }
        Ok(self.run_report_schedule(&schedule).await)
    }

    /// Runs `schedule` once and records the run (and tells people when something failed).
    async fn run_report_schedule(&self, schedule: &Schedule) -> ScheduleRun {
        let plans = schedule.plans.clone();
        let prepared = self
            .with_store_and_keychain(move |s, keychain| {
                Ok(reports::prepare_readiness(s, keychain, &plans))
            })
            .await
            .unwrap_or_else(|e| Err(ReportError::Schedule(e.message)));
        // Recovered plans get their way home in the report, as on demand.
        let names: Vec<String> = match &prepared {
            Ok(p) => p.plan_names(),
            Err(_) => Vec::new(),
        };
        let failback = self.failback_sections(&names).await;
        let (mut run, checked, written) = reports::run_schedule(
            schedule,
            prepared,
            self.sandbox(),
            time::OffsetDateTime::now_utc(),
            failback,
        )
        .await;
        if let Some(delivery) = &schedule.delivery {
            run.deliveries = self.deliver_written(delivery, &written).await;
        }
        let recorded = self.with_store(|s| {
            if let Some(c) = &checked {
                reports::save_checks(s, c)?;
            }
            s.set_setting(reports::LAST_RUN_KEY, &run, "schedule", false)?;
            s.audit_event(
                "schedule",
                "report.scheduled",
                "report",
                "readiness",
                serde_json::json!({
                    "files": run.files,
                    "errors": run.errors,
                    "deliveries": run.deliveries.iter().map(|d| d.words()).collect::<Vec<_>>(),
                }),
            )?;
            Ok(())
        });
        if let Err(e) = recorded {
            self.background_problems()
                .report("the report schedule", &e.message);
        }
        if run.errors.is_empty() {
            tracing::info!(
                "scheduled readiness report written: {}",
                run.files.join(", ")
            );
            self.background_problems().clear("the report schedule");
        } else {
            let text = run.errors.join("; ");
            self.background_problems()
                .report("the report schedule", &text);
            self.notify("Scheduled readiness report failed", &text);
        }
        self.tell_about(&run.deliveries);
        run
    }

    /// The report schedule's next due run, if one is due now.
    fn due_report(&self) -> Option<Schedule> {
        self.with_store(|s| {
            let schedule: Option<Schedule> = s.setting(reports::SCHEDULE_KEY)?;
            let last: Option<ScheduleRun> = s.setting(reports::LAST_RUN_KEY)?;
            Ok(schedule.filter(|x| {
                x.due(
                    last.as_ref().map(|l| l.at.as_str()),
                    time::OffsetDateTime::now_utc(),
                )
            }))
        })
        .ok()
        .flatten()
    }

    /// Runs a scheduled tag sync when one is due; returns it.
    async fn run_tag_schedule_if_due(&self) -> Option<TagRun> {
        let due = self
            .with_store(|s| {
                let schedule: Option<TagSchedule> = s.setting(TAG_SCHEDULE_KEY)?;
                let last: Option<TagRun> = s.setting(TAG_LAST_RUN_KEY)?;
                Ok(schedule.is_some_and(|x| tag_sync_due(&x, last.as_ref())))
            })
            .unwrap_or(false);
        if !due {
            return None;
        }
        let prepared = self
            .with_store_and_keychain(move |s, k| Ok(tag_sync::prepare(s, k, None)?))
            .await;
        let run = match prepared {
            Ok(p) => {
                let syncs = tag_sync::run(p, self.sandbox(), false).await;
                if let Err(e) = self.with_store(|s| Ok(tag_sync::record(s, &syncs, "schedule")?)) {
                    self.background_problems()
                        .report("the tag sync schedule", &e.message);
                }
                TagRun {
                    at: crate::now(),
                    written: syncs.iter().map(|x| x.written).sum(),
                    errors: syncs
                        .iter()
                        .flat_map(|x| x.error.iter().chain(x.failed.iter()).cloned())
                        .collect(),
                }
            }
            Err(e) => TagRun {
                at: crate::now(),
                written: 0,
                errors: vec![e.message],
            },
        };
        if run.errors.is_empty() {
            tracing::info!("scheduled tag sync wrote {} tag(s)", run.written);
            self.background_problems().clear("the tag sync schedule");
        } else {
            self.background_problems()
                .report("the tag sync schedule", &run.errors.join("; "));
        }
        if let Err(e) =
            self.with_store(|s| Ok(s.set_setting(TAG_LAST_RUN_KEY, &run, "schedule", false)?))
        {
            self.background_problems()
                .report("the tag sync schedule", &e.message);
        }
        Some(run)
    }

    /// Runs whatever is due now, once: the report schedule and the tag sync schedule (for cron
    /// or `drs-orchestrator schedule run`). Returns what ran.
    pub async fn run_due_schedules(&self) -> (Option<ScheduleRun>, Option<TagRun>) {
        // Deliveries that failed before are retried when their time comes.
        if let Err(e) = self.retry_deliveries(false).await {
            self.background_problems()
                .report("report delivery", &e.message);
        }
        let report = match self.due_report() {
            Some(schedule) => Some(self.run_report_schedule(&schedule).await),
            None => None,
        };
        let tags = self.run_tag_schedule_if_due().await;
        (report, tags)
    }

    /// Starts what runs while the app does, on the current Tokio runtime: the follower of
    /// executions; the report and tag-sync schedules (checked once a minute, or
    /// `DRS_ORCH_SCHEDULE_TICK_SECONDS`); the replication health monitor (first 30 s after
    /// start, then every 5 minutes, or `DRS_ORCH_HEALTH_TICK_SECONDS`), whose alerts (a server
    /// crossing into critical, an agent disconnecting) go to the notifier.
    pub fn spawn_background(&self) {
        self.spawn_follower();
        let app = self.clone();
        tokio::spawn(async move {
            let tick = env_seconds("DRS_ORCH_SCHEDULE_TICK_SECONDS", 60);
            loop {
                app.run_due_schedules().await;
                tokio::time::sleep(Duration::from_secs(tick)).await;
            }
        });
        let app = self.clone();
        tokio::spawn(async move {
            let tick = env_seconds("DRS_ORCH_HEALTH_TICK_SECONDS", 300);
            let mut monitor = health::Monitor::default();
            // Not at start-up: the window's first pages read the same targets.
            tokio::time::sleep(Duration::from_secs(tick.min(30))).await;
            loop {
                let prepared = app
                    .with_store_and_keychain(move |s, k| Ok(health::prepare(s, k, None)?))
                    .await;
                match prepared {
                    Ok(prepared) => {
                        let prepared = prepared.without_idle_sandbox(app.sandbox());
                        let (_, alerts) = monitor.look(&prepared, app.sandbox()).await;
                        app.background_problems().clear("the health monitor");
                        for a in alerts {
                            app.notify(&a.title, &a.body);
                        }
                    }
                    Err(e) => app
                        .background_problems()
                        .report("the health monitor", &e.message),
                }
                tokio::time::sleep(Duration::from_secs(tick)).await;
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tag_sync_is_due_after_its_interval() {
        let s = TagSchedule {
            enabled: true,
            interval_hours: 6,
        };
        assert!(tag_sync_due(&s, None));
        let recent = TagRun {
            at: crate::now(),
            written: 0,
            errors: vec![],
        };
        assert!(!tag_sync_due(&s, Some(&recent)));
        let old = TagRun {
            at: "2026-01-01T00:00:00Z".into(),
            ..recent
        };
        assert!(tag_sync_due(&s, Some(&old)));
        assert!(!tag_sync_due(
            &TagSchedule {
                enabled: false,
                ..s
            },
            Some(&old)
        ));
    }

    #[test]
    fn a_loop_s_failure_is_kept_until_it_works_again() {
        let p = Problems::default();
        p.report("the health monitor", "target Sandbox: cannot reach AWS");
        assert_eq!(p.list().len(), 1);
        p.clear("the health monitor");
        assert!(p.list().is_empty());
    }
}
