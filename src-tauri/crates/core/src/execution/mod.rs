//! Executions: running a plan as a drill or a recovery, wave by wave — the engine that must not
//! lose a job or destroy a DR instance whatever fails.
//!
//! An [`Execution`] is the whole state of one run. The [`Engine`] moves it forward one tick at
//! a time and hands every new state to the [`Journal`] **before** acting on it, so a killed
//! process resumes exactly where it was. Its rules:
//!
//! - **Journal before acting.** A batch of servers is written down (with a unique key) before
//!   its `StartRecovery`; every job carries the execution, wave and batch as tags. A suspension,
//!   a drill-network move, a terminate or a stop is written down before it is sent.
//! - **One driver.** The journal refuses writes from a driver that no longer holds the
//!   execution's lease ([`JournalError::Fenced`]); the engine stops at once.
//! - **Uncertain is not failed** ([`retry`]). After an error whose outcome is unknown (a lost
//!   answer, a 5xx, a dropped connection), the engine looks — the job by its tags, the setting by
//!   reading it — before acting again. Throttling, a full quota or expired credentials keep the
//!   work queued and retried with backoff; only a definitive refusal fails a server.
//! - **DR instances are untouchable by drills.** A drill reads every server's launch
//!   configuration before it launches and suspends every launch-into outside full-fidelity
//!   groups; a server launches only once AWS has confirmed its suspension (and drill network).
//!   Cleanup acts only on recovery instances of this execution's own jobs, after every job has
//!   ended, re-reads each EC2 instance first, and stops and disconnects (never terminates) one
//!   tagged `AWSDRS=AllowLaunchingIntoThisInstance` or protected from termination.
//! - **Every job read to its end.** A wave is over when its servers have launched or failed
//!   *and* its jobs have ended with their logs read; the execution ends only when every job it
//!   started has. Launch outcomes come from what DRS returns (`launchStatus`, recovery instances,
//!   the job log) and launch times from EC2.
//! - **Time.** The [`Clock`] port gives the time (the sandbox's simulated clock on the sandbox); a
//!   gap between ticks (a sleeping laptop, a stopped process) is recorded and not counted against
//!   wave timeouts; a timed-out wave starts nothing more but follows its jobs to their end.
//! - **Cheap under load.** DRS is polled when a job can have changed ([`PollTimes`]), one
//!   `DescribeJobs` per target for every active job; launch configurations are read
//!   concurrently, first for the waves about to start.
//!
//! Modules: [`model`] (the state), [`setup`] (from a plan), [`clock`], [`journal`] (the port
//! and the events), [`retry`] (what errors mean, backoff), `preparation` (launch settings
//! before a launch), `drain` (a failback server's way back before its launch: recovery
//! instance stopped, original prepared, launch-into set, lag under the threshold), `launch`
//! (waves, admission, jobs), `cleanup` (a drill's end), `reprotect` (reversed replication,
//! found again by the recovery instance before it is ever sent twice), and `simulation` (a
//! deterministic simulated cloud for the engine's tests).

pub mod clock;
pub mod journal;
pub mod model;
pub mod retry;
pub mod setup;

mod actions;
mod cleanup;
mod drain;
mod launch;
mod preparation;
mod reprotect;
#[cfg(any(test, feature = "simulation"))]
pub mod simulation;
mod steps;

pub use clock::{Clock, ManualClock, ScaledClock, SystemClock};
pub use journal::{Control, Event, Journal, JournalError};
pub use model::*;
pub use setup::{
    drill_network_groups, failback_drill_network_groups, full_fidelity_groups, launch_into_groups,
    prepare, DriveOptions, ExecutionError, PollTimes,
};

use crate::cloud::Cloud;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;

/// The engine's connections, per target.
pub type Clouds = BTreeMap<String, Arc<dyn Cloud>>;

/// A boxed future the engine runs among others.
pub(crate) type Boxed<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;

/// Runs `futures` with at most `limit` in flight, answers in completion order.
pub(crate) async fn concurrently<T: Send>(futures: Vec<Boxed<'static, T>>, limit: usize) -> Vec<T> {
    use futures::stream::{self, StreamExt};
    stream::iter(futures)
        .buffer_unordered(limit.max(1))
        .collect()
        .await
}

/// Why the engine stopped driving.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EngineError {
    /// The journal refused (another driver took over, or the store failed).
    #[error(transparent)]
    Journal(#[from] JournalError),
    /// A target of the execution has no connection.
    #[error("target \"{0}\" of the execution is not connected")]
    NotConnected(String),
    /// DRS runs the execution (a native recovery plan's): the engine never drives it.
    #[error("execution {0} is run by DRS (a native recovery plan); the app only follows it")]
    RunByDrs(String),
}

/// What one tick found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TickOutcome {
    /// A wave waits for an approval, or the cleanup for a confirmation.
    pub waiting_for_person: bool,
    /// The drill's cleanup waits for a confirmation (nothing else will happen until then).
    pub cleanup_awaits_confirmation: bool,
    /// The execution has ended.
    pub ended: bool,
    /// When something is next due (the execution's clock time from now).
    pub next_in: Duration,
}

/// The engine for one execution: its connections, journal, clock and options, and what it
/// keeps between ticks that need not be journalled (when each target is next polled).
pub struct Engine<'a> {
    clouds: &'a Clouds,
    journal: &'a dyn Journal,
    clock: &'a dyn Clock,
    options: &'a DriveOptions,
    next_poll: BTreeMap<String, OffsetDateTime>,
    /// When each job is read again for its servers' post-launch actions.
    next_action_look: BTreeMap<String, OffsetDateTime>,
    planned: Option<Duration>,
    pauses: Option<&'a std::sync::Mutex<Vec<Gap>>>,
    /// Launch configurations a failback's way back just read or set (AWS's answer), so the
    /// settings check before the launch need not read them again.
    read_back: BTreeMap<String, crate::launch::LaunchConfiguration>,
}

impl<'a> Engine<'a> {
    /// An engine over `clouds`, writing to `journal`.
    pub fn new(
        clouds: &'a Clouds,
        journal: &'a dyn Journal,
        clock: &'a dyn Clock,
        options: &'a DriveOptions,
    ) -> Self {
        Self {
            clouds,
            journal,
            clock,
            options,
            next_poll: BTreeMap::new(),
            next_action_look: BTreeMap::new(),
            planned: None,
            pauses: None,
            read_back: BTreeMap::new(),
        }
    }

    fn cloud(&self, target: &str) -> Result<Arc<dyn Cloud>, EngineError> {
        self.clouds
            .get(target)
            .cloned()
            .ok_or_else(|| EngineError::NotConnected(target.to_string()))
    }

    fn record(&self, e: &Execution, event: Event) -> Result<(), EngineError> {
        Ok(self.journal.record(e, &event)?)
    }

    /// One step of the engine: reads people's requests, prepares servers, finds or starts
    /// jobs, polls what is due, starts waves, cleans up at the end. Never sleeps.
    pub async fn tick(&mut self, e: &mut Execution) -> Result<TickOutcome, EngineError> {
        if e.native.as_ref().is_some_and(|n| n.drs_drives()) {
            return Err(EngineError::RunByDrs(e.id.clone()));
        }
        let now = self.clock.now();
        if e.status.is_final() {
            return Ok(TickOutcome {
                waiting_for_person: false,
                cleanup_awaits_confirmation: false,
                ended: true,
                next_in: Duration::ZERO,
            });
        }
        self.note_gap(e, now)?;
        let control = self.journal.control(&e.id)?;
        self.apply_requests(e, &control)?;
        // Changing things in AWS stops while paused (cancel overrides a pause: it leads to the
        // cleanup). Reading and following jobs go on.
        let acting = !control.pause || control.cancel;
        let launching = acting && !matches!(e.status, ExecutionStatus::Cancelling);
        if e.kind == ExecutionKind::Reprotect {
            self.reprotect(e, now, launching).await?;
            e.last_tick_at = Some(rfc3339(self.clock.now()));
            if !e.status.is_final() {
                self.record(e, Event::Tick)?;
            }
            let next_in = self.next_in(e, now);
            self.planned = Some(next_in);
            return Ok(TickOutcome {
                waiting_for_person: false,
                cleanup_awaits_confirmation: false,
                ended: e.status.is_final(),
                next_in,
            });
        }

        self.prepare(e, now, launching, true).await?;
        self.resolve_unstarted(e, now, launching).await?;
        self.poll(e, now).await?;
        self.follow_actions(e, now).await?;
        self.settle_waves(e, now)?;
        // Automated steps move on; one that ended lets the next one (or the wave's end, and
        // the waves after it) follow in this tick.
        for _ in 0..4 {
            if !self.run_steps(e, now, acting).await? {
                break;
            }
            self.settle_waves(e, now)?;
        }
        if e.status == ExecutionStatus::Cancelling {
            self.cancel_unstarted(e)?;
        }
        let mut waiting = false;
        if matches!(
            e.status,
            ExecutionStatus::Running | ExecutionStatus::Preparing
        ) {
            e.status = ExecutionStatus::Running;
            waiting = self.start_waves(e, now)?;
            if launching {
                // Servers of waves that just started are prepared (drill network) and admitted
                // in the same tick.
                self.prepare(e, now, launching, false).await?;
                self.admit(e, now).await?;
            }
        }
        let end = self.finish(e, now, &control, acting).await?;
        // When this tick ended: the next one measures the time it did not run from here.
        e.last_tick_at = Some(rfc3339(self.clock.now()));
        if !e.status.is_final() {
            self.record(e, Event::Tick)?;
        }
        let next_in = self.next_in(e, now);
        self.planned = Some(next_in);
        let awaiting = e.cleanup.status == "awaitingConfirmation";
        Ok(TickOutcome {
            waiting_for_person: waiting
                || awaiting
                || e.waves
                    .iter()
                    .any(|w| w.status == WaveStatus::WaitingApproval)
                || e.waves
                    .iter()
                    .flat_map(|w| &w.steps)
                    .any(|s| s.status == StepStatus::Waiting),
            cleanup_awaits_confirmation: awaiting,
            ended: end || e.status.is_final(),
            next_in,
        })
    }

    /// A tick that comes much later than planned after the previous one ended: the laptop slept
    /// or the process was stopped (or this is a resume). Recorded, and kept out of wave
    /// timeouts. (A long tick — slow AWS answers — is not a gap: it is measured from the end of
    /// the previous tick.)
    fn note_gap(&mut self, e: &mut Execution, now: OffsetDateTime) -> Result<(), EngineError> {
        // Times the process did not run while a tick was under way (seen by `drive`'s watcher).
        let seen: Vec<Gap> = self
            .pauses
            .map(|p| match p.lock() {
                Ok(mut g) => std::mem::take(&mut *g),
                Err(poisoned) => std::mem::take(&mut *poisoned.into_inner()),
            })
            .unwrap_or_default();
        for g in seen {
            if let (Some(from), Some(to)) = (model::parse(&g.from), model::parse(&g.to)) {
                self.add_gap(e, from, to)?;
            }
        }
        let Some(last) = e.last_tick_at.as_deref().and_then(model::parse) else {
            return Ok(());
        };
        let gap = now - last;
        let planned = self
            .planned
            .unwrap_or(self.options.tick.mul_f64(self.clock.rate().max(1.0)));
        let real_gap = self
            .clock
            .real(Duration::try_from(gap).unwrap_or(Duration::ZERO));
        // The sleep between two ticks overshooting its plan by seconds is no scheduling jitter.
        let real_planned = self.clock.real(planned).min(self.options.tick);
        if real_gap > real_planned * 2 + Duration::from_secs(5) {
            self.add_gap(e, last, now)?;
        }
        Ok(())
    }

    /// Records a time the engine did not run, merged with one it overlaps.
    fn add_gap(
        &mut self,
        e: &mut Execution,
        from: OffsetDateTime,
        to: OffsetDateTime,
    ) -> Result<(), EngineError> {
        if to <= from {
            return Ok(());
        }
        let overlapping = e.gaps.iter_mut().find(|g| {
            matches!((model::parse(&g.from), model::parse(&g.to)), (Some(a), Some(b)) if a <= to && from <= b)
        });
        match overlapping {
            Some(g) => {
                let a = model::parse(&g.from).unwrap_or(from).min(from);
                let b = model::parse(&g.to).unwrap_or(to).max(to);
                g.from = rfc3339(a);
                g.to = rfc3339(b);
            }
            None => {
                e.gaps.push(Gap {
                    from: rfc3339(from),
                    to: rfc3339(to),
                });
                self.record(
                    e,
                    Event::Gap {
                        seconds: (to - from).whole_seconds(),
                    },
                )?;
            }
        }
        // Everything is looked at afresh after a gap.
        self.next_poll.clear();
        Ok(())
    }

    fn apply_requests(&mut self, e: &mut Execution, control: &Control) -> Result<(), EngineError> {
        let now = rfc3339(self.clock.now());
        let mut events = Vec::new();
        for w in &mut e.waves {
            if w.approved_by.is_none() {
                if let Some(by) = control.approvals.get(&w.name) {
                    w.approved_by = Some(by.clone());
                }
            }
            for s in &mut w.steps {
                if s.status != StepStatus::Waiting {
                    continue;
                }
                let key = (w.name.clone(), s.name.clone());
                if let Some(by) = control.confirmations.get(&key) {
                    if s.asking {
                        let failed = s
                            .note
                            .as_deref()
                            .unwrap_or("failed")
                            .split("; confirm it")
                            .next()
                            .unwrap_or("failed")
                            .to_string();
                        s.note = Some(format!("{failed}; the plan went on (confirmed by {by})"));
                    }
                    s.status = StepStatus::Done;
                    s.confirmed_by = Some(by.clone());
                    s.ended_at = Some(now.clone());
                    events.push(Event::StepConfirmed {
                        wave: key.0,
                        step: key.1,
                        by: by.clone(),
                    });
                }
            }
        }
        for ev in events {
            self.record(e, ev)?;
        }
        self.time_out_steps(e)?;
        if control.cancel
            && matches!(
                e.status,
                ExecutionStatus::Running | ExecutionStatus::Paused | ExecutionStatus::Preparing
            )
        {
            e.status = ExecutionStatus::Cancelling;
            self.record(e, Event::CancelRequested)?;
        } else if control.pause
            && matches!(
                e.status,
                ExecutionStatus::Running | ExecutionStatus::Preparing
            )
        {
            e.status = ExecutionStatus::Paused;
            self.record(e, Event::Paused)?;
        } else if !control.pause && e.status == ExecutionStatus::Paused {
            e.status = ExecutionStatus::Running;
            self.record(e, Event::Unpaused)?;
        }
        Ok(())
    }

    /// A waiting or running step past its timeout fails (the time the engine did not run does
    /// not count); one whose policy is ask waits for a person instead.
    fn time_out_steps(&mut self, e: &mut Execution) -> Result<(), EngineError> {
        let now = rfc3339(self.clock.now());
        let mut events = Vec::new();
        let mut timed_out = Vec::new();
        for wi in 0..e.waves.len() {
            for si in 0..e.waves[wi].steps.len() {
                let s = &e.waves[wi].steps[si];
                let (Some(limit), Some(start)) = (s.timeout_minutes, s.started_at.clone()) else {
                    continue;
                };
                // A failed step that asks waits for a person without limit.
                if !matches!(s.status, StepStatus::Waiting | StepStatus::Running) || s.asking {
                    continue;
                }
                let elapsed = e.counted_seconds_between(&start, &now);
                if elapsed < i64::from(limit) * 60 {
                    continue;
                }
                let why = if s.status == StepStatus::Waiting {
                    format!("nobody confirmed it within {limit} min")
                } else {
                    let last = s
                        .output
                        .as_deref()
                        .and_then(|o| o.lines().next())
                        .map(|l| format!("; last: {l}"))
                        .unwrap_or_default();
                    format!("did not succeed within {limit} min{last}")
                };
                timed_out.push((wi, si, why));
            }
        }
        for (wi, si, why) in timed_out {
            if e.waves[wi].steps[si].status == StepStatus::Waiting
                && e.waves[wi].steps[si].on_failure != crate::step::StepFailure::Ask
            {
                let wave = e.waves[wi].name.clone();
                let s = &mut e.waves[wi].steps[si];
                s.status = StepStatus::Failed;
                s.ended_at = Some(now.clone());
                s.note = Some(why.clone());
                events.push(Event::StepFailed {
                    wave,
                    step: s.name.clone(),
                    why,
                });
            } else {
                self.fail_step(e, wi, si, why)?;
            }
        }
        for ev in events {
            self.record(e, ev)?;
        }
        Ok(())
    }

    /// When something is next due, from now (clock time).
    fn next_in(&self, e: &Execution, now: OffsetDateTime) -> Duration {
        let mut due: Vec<OffsetDateTime> = self
            .next_poll
            .values()
            .chain(self.next_action_look.values())
            .copied()
            .collect();
        due.extend(
            e.batches
                .iter()
                .filter(|b| !b.done)
                .filter_map(|b| b.retry.next()),
        );
        due.extend(
            e.servers()
                .filter(|s| !s.status.is_final())
                .filter_map(|s| s.retry.next()),
        );
        due.extend(
            e.suspended
                .iter()
                .filter(|s| !s.restored)
                .filter_map(|s| s.retry.next()),
        );
        due.extend(
            e.isolated
                .iter()
                .filter(|s| !s.restored)
                .filter_map(|s| s.retry.next()),
        );
        due.extend(e.cleanup.retry.next());
        for s in e.waves.iter().flat_map(|w| &w.steps) {
            if s.status == StepStatus::Running {
                due.push(s.next_at.as_deref().and_then(model::parse).unwrap_or(now));
            }
        }
        let soonest = due.into_iter().min();
        let tick = self.options.tick.mul_f64(self.clock.rate().max(1.0));
        match soonest {
            Some(t) if t <= now => Duration::ZERO,
            Some(t) => Duration::try_from(t - now).unwrap_or(tick).min(tick),
            None => tick,
        }
    }
}

/// Runs (or resumes) `e` until it ends, until its cleanup waits for a confirmation, or — when
/// `stop_when_waiting` is set — until it waits for a person. Between ticks it sleeps until the
/// next thing is due (at most `options.tick`). Returns the last state.
pub async fn drive(
    mut e: Execution,
    clouds: &Clouds,
    journal: &dyn Journal,
    clock: &dyn Clock,
    options: &DriveOptions,
    stop_when_waiting: bool,
) -> Result<Execution, EngineError> {
    if e.native.as_ref().is_some_and(|n| n.drs_drives()) {
        return Err(EngineError::RunByDrs(e.id));
    }
    // A watcher beside the engine notices when the whole process did not run (stopped, or the
    // computer slept) even in the middle of a tick: a one-second sleep that took much longer.
    let pauses = std::sync::Mutex::new(Vec::new());
    let watcher = async {
        loop {
            let before = clock.now();
            tokio::time::sleep(Duration::from_secs(1)).await;
            let after = clock.now();
            let real = clock.real(Duration::try_from(after - before).unwrap_or(Duration::ZERO));
            if real > Duration::from_secs(4) {
                if let Ok(mut p) = pauses.lock() {
                    p.push(Gap {
                        from: rfc3339(before),
                        to: rfc3339(after),
                    });
                }
            }
        }
    };
    let run = async {
        let mut engine = Engine::new(clouds, journal, clock, options);
        engine.pauses = Some(&pauses);
        loop {
            // Let the watcher report a pause before the tick judges timeouts.
            tokio::task::yield_now().await;
            let out = engine.tick(&mut e).await?;
            if out.ended
                || out.cleanup_awaits_confirmation
                || (out.waiting_for_person && stop_when_waiting)
            {
                return Ok(());
            }
            let wait = clock.real(out.next_in).clamp(
                Duration::from_millis(20),
                options.tick.max(Duration::from_millis(20)),
            );
            tokio::time::sleep(wait).await;
        }
    };
    let outcome: Result<(), EngineError> = tokio::select! {
        r = run => r,
        _ = watcher => Ok(()),
    };
    outcome.map(|()| e)
}
