//! Waves and jobs: which waves start (dependencies, approvals, a failed wave with policy
//! "stop"), wave timeouts, admission of ready servers into `StartRecovery` jobs within the DRS
//! quotas, finding or starting a batch whose answer was lost, polling the active jobs, and
//! reading each job to its end (its log, its recovery instances, the EC2 launch times).

use super::journal::Event;
use super::model::{
    Batch, ExecutionKind, ExecutionStatus, ServerStatus, Step, StepPhase, StepRun, StepStatus,
    WaveStatus,
};
use super::retry::{outcome, Outcome};
use super::{rfc3339, Engine, EngineError, Execution};
use crate::cloud::{Cloud, CloudError};
use crate::jobs::{self, Job, JobStatus, LaunchStatus};
use crate::plan::FailurePolicy;
use crate::readiness::{CONCURRENT_JOBS, SERVERS_IN_ACTIVE_JOBS, SERVERS_PER_JOB};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;

/// A lost `StartRecovery` is looked for among jobs created since this long before its batch
/// was written down (clock skew between this machine and AWS).
const LOOKUP_MARGIN: time::Duration = time::Duration::minutes(15);
/// Conflicts in a row, with no job of ours found, before DRS's refusal is taken as final.
const CONFLICTS_BEFORE_REFUSAL: u32 = 5;

fn batch_tags(e: &Execution, b: &Batch) -> BTreeMap<String, String> {
    BTreeMap::from([
        (jobs::tags::EXECUTION.to_string(), e.id.clone()),
        (jobs::tags::WAVE.to_string(), b.wave.clone()),
        (jobs::tags::BATCH.to_string(), b.key.clone()),
    ])
}

/// Every step of `w` not over yet is skipped, with why.
fn skip_steps(w: &mut super::model::WaveRun, why: &str) {
    for s in &mut w.steps {
        if !s.status.is_final() {
            s.status = StepStatus::Skipped;
            s.note = Some(why.to_string());
        }
    }
}

impl Engine<'_> {
    /// Starts the waves whose dependencies have settled; returns true when one waits for an
    /// approval.
    pub(super) fn start_waves(
        &mut self,
        e: &mut Execution,
        now: OffsetDateTime,
    ) -> Result<bool, EngineError> {
        let mut waiting = false;
        let settled: BTreeMap<String, bool> = e
            .waves
            .iter()
            .map(|w| (w.name.clone(), w.settled()))
            .collect();
        // When each wave's last server launched or failed, as AWS reports it.
        let last_end: BTreeMap<String, OffsetDateTime> = e
            .waves
            .iter()
            .filter_map(|w| {
                let end = w
                    .servers
                    .iter()
                    .filter_map(|s| s.ended_at.as_deref().and_then(super::model::parse))
                    .max()?;
                Some((w.name.clone(), end))
            })
            .collect();
        // A failed wave with policy "stop" halts every wave not yet started.
        let halted = e
            .waves
            .iter()
            .any(|w| w.on_failure == FailurePolicy::Stop && w.failed());
        let mut skipped = Vec::new();
        let mut events = Vec::new();
        for w in &mut e.waves {
            if !matches!(w.status, WaveStatus::Pending | WaveStatus::WaitingApproval) {
                continue;
            }
            // Its before-steps, in order; a failed one whose policy is stop fails the wave
            // before any of its servers launches.
            if let Some(failed) = w
                .steps
                .iter()
                .find(|s| s.phase == StepPhase::Before && s.stops())
                .map(|s| s.name.clone())
            {
                let why = format!("not launched: step \"{failed}\" failed");
                for s in &mut w.servers {
                    s.status = ServerStatus::NotRun;
                    s.failure = Some(why.clone());
                }
                skip_steps(w, &format!("not run: step \"{failed}\" failed"));
                w.status = WaveStatus::Failed;
                w.ended_at = Some(rfc3339(now));
                events.push(Event::WaveEnded {
                    wave: w.name.clone(),
                    status: WaveStatus::Failed,
                });
                continue;
            }
            if halted {
                w.status = WaveStatus::Skipped;
                for s in &mut w.servers {
                    s.status = ServerStatus::NotRun;
                    s.failure =
                        Some("not run: an earlier wave failed and its policy is stop".into());
                }
                skip_steps(w, "not run: an earlier wave failed and its policy is stop");
                skipped.push(w.name.clone());
                continue;
            }
            let ready = w
                .depends_on
                .iter()
                .all(|d| settled.get(d).copied().unwrap_or(true));
            if !ready {
                continue;
            }
            if w.approval_required && w.approved_by.is_none() {
                if w.status != WaveStatus::WaitingApproval {
                    w.status = WaveStatus::WaitingApproval;
                    events.push(Event::WaveWaitingApproval {
                        wave: w.name.clone(),
                    });
                }
                waiting = true;
                continue;
            }
            let wave_name = w.name.clone();
            if let Some(step) = w.next_step(StepPhase::Before) {
                if step.status == StepStatus::Pending {
                    events.push(Self::begin_step(step, &wave_name, now));
                }
                waiting |= step.status == StepStatus::Waiting;
                continue;
            }
            w.status = WaveStatus::Running;
            // Never before the waves it waited for ended: AWS's clock and this machine's may
            // differ by seconds.
            let after = w
                .depends_on
                .iter()
                .filter_map(|d| last_end.get(d).copied())
                .max()
                .map_or(now, |t| t.max(now));
            w.started_at = Some(rfc3339(after));
            for s in &mut w.servers {
                if !s.status.is_final() {
                    s.status = ServerStatus::Preparing;
                }
            }
            events.push(Event::WaveStarted {
                wave: w.name.clone(),
            });
        }
        if !skipped.is_empty() {
            self.record(
                e,
                Event::WavesSkipped {
                    waves: skipped,
                    why: "an earlier wave failed and its policy is stop".into(),
                },
            )?;
        }
        for ev in events {
            self.record(e, ev)?;
        }
        Ok(waiting)
    }

    /// Timeouts, and waves whose servers have settled and whose jobs have all ended.
    pub(super) fn settle_waves(
        &mut self,
        e: &mut Execution,
        now: OffsetDateTime,
    ) -> Result<(), EngineError> {
        let now_text = rfc3339(now);
        for i in 0..e.waves.len() {
            if e.waves[i].status != WaveStatus::Running {
                continue;
            }
            if let (Some(limit), Some(start), false) = (
                e.waves[i].timeout_minutes,
                e.waves[i].started_at.clone(),
                e.waves[i].timed_out,
            ) {
                let elapsed = e.counted_seconds_between(&start, &now_text);
                if elapsed >= i64::from(limit) * 60 {
                    let name = e.waves[i].name.clone();
                    let w = &mut e.waves[i];
                    w.timed_out = true;
                    let mut not_started = 0;
                    for s in &mut w.servers {
                        if !s.status.is_final() && s.batch.is_none() {
                            s.status = ServerStatus::Failed;
                            s.failure = Some(format!(
                                "not launched: the wave timed out after {limit} min"
                            ));
                            s.ended_at = Some(now_text.clone());
                            not_started += 1;
                        }
                    }
                    let jobs_running = e
                        .batches
                        .iter()
                        .filter(|b| b.wave == name && !b.done)
                        .count();
                    self.record(
                        e,
                        Event::WaveTimedOut {
                            wave: name,
                            minutes: limit,
                            not_started,
                            jobs_running,
                        },
                    )?;
                }
            }
            let name = e.waves[i].name.clone();
            let jobs_done = e.batches.iter().filter(|b| b.wave == name).all(|b| b.done);
            let w = &mut e.waves[i];
            if jobs_done
                && w.servers
                    .iter()
                    .all(|s| s.status.is_final() && !s.awaits_actions())
            {
                let servers_failed =
                    w.timed_out || w.servers.iter().any(|s| s.status == ServerStatus::Failed);
                // After-steps run once the servers are up (not after a failure that stops the
                // plan); the wave ends when they are over.
                if servers_failed && w.on_failure == crate::plan::FailurePolicy::Stop {
                    skip_steps(w, "not run: the wave failed");
                }
                if let Some(step) = w.next_step(StepPhase::After) {
                    if step.status == StepStatus::Pending {
                        let event = Self::begin_step(step, &name, now);
                        self.record(e, event)?;
                    }
                    continue;
                }
                let w = &mut e.waves[i];
                w.status = if servers_failed || w.steps.iter().any(StepRun::stops) {
                    WaveStatus::Failed
                } else {
                    WaveStatus::Completed
                };
                w.ended_at = w
                    .servers
                    .iter()
                    .filter_map(|s| s.ended_at.clone())
                    .chain(w.steps.iter().filter_map(|s| s.ended_at.clone()))
                    .max()
                    .or_else(|| Some(now_text.clone()));
                let status = w.status;
                self.record(e, Event::WaveEnded { wave: name, status })?;
            }
        }
        Ok(())
    }

    /// Cancelled: servers not in a job will not run; waves not started are skipped.
    pub(super) fn cancel_unstarted(&mut self, e: &mut Execution) -> Result<(), EngineError> {
        let mut changed = false;
        for w in &mut e.waves {
            for s in &mut w.servers {
                if !s.status.is_final() && s.batch.is_none() {
                    s.status = ServerStatus::NotRun;
                    s.failure = Some("cancelled".into());
                    changed = true;
                }
            }
            if matches!(w.status, WaveStatus::Pending | WaveStatus::WaitingApproval) {
                w.status = WaveStatus::Skipped;
                changed = true;
            }
            // Steps not done will not run (a cancelled execution waits for nobody).
            if w.steps.iter().any(|s| !s.status.is_final()) {
                skip_steps(w, "cancelled");
                changed = true;
            }
        }
        if changed {
            let now = self.clock.now();
            self.settle_waves(e, now)?;
        }
        Ok(())
    }

    /// Admission control: ready servers go into jobs of ≤ 100 while the target has < 20 active
    /// jobs and < 500 servers in active jobs (this execution's and others'). Each batch is
    /// written down before it is started.
    pub(super) async fn admit(
        &mut self,
        e: &mut Execution,
        now: OffsetDateTime,
    ) -> Result<(), EngineError> {
        loop {
            let mut admitted = false;
            let ready: Vec<(usize, String, String)> = e
                .waves
                .iter()
                .enumerate()
                .filter(|(_, w)| w.status == WaveStatus::Running && !w.timed_out)
                .flat_map(|(i, w)| {
                    w.servers
                        .iter()
                        .filter(|s| s.status == ServerStatus::Queued && s.batch.is_none())
                        .map(move |s| (i, s.target.clone(), s.source_server_id.clone()))
                })
                .filter(|(_, _, id)| e.server(id).is_some_and(|s| self.ready(e, id, &s.group)))
                .collect();
            let targets: BTreeSet<String> = ready.iter().map(|(_, t, _)| t.clone()).collect();
            for target in targets {
                let active: Vec<&Batch> = e
                    .batches
                    .iter()
                    .filter(|b| b.target == target && b.active())
                    .collect();
                let (other_jobs, other_servers) = self.journal.active_elsewhere(&e.id, &target)?;
                let active_jobs = active.len() + other_jobs;
                let active_servers: usize =
                    active.iter().map(|b| b.servers.len()).sum::<usize>() + other_servers;
                if active_jobs >= CONCURRENT_JOBS || active_servers >= SERVERS_IN_ACTIVE_JOBS {
                    continue;
                }
                let room = (SERVERS_IN_ACTIVE_JOBS - active_servers).min(SERVERS_PER_JOB);
                // The earliest running wave first.
                let Some(wi) = ready
                    .iter()
                    .filter(|(_, t, _)| *t == target)
                    .map(|(i, _, _)| *i)
                    .min()
                else {
                    continue;
                };
                let wave = e.waves[wi].name.clone();
                let ids: Vec<String> = ready
                    .iter()
                    .filter(|(i, t, _)| *i == wi && *t == target)
                    .take(room)
                    .map(|(_, _, id)| id.clone())
                    .collect();
                let n = e.batches.iter().filter(|b| b.wave == wave).count() + 1;
                let key = format!("{wi}-{n}");
                for id in &ids {
                    if let Some(s) = e.server_mut(id) {
                        s.status = ServerStatus::Launching;
                        s.batch = Some(key.clone());
                    }
                }
                e.batches.push(Batch {
                    key: key.clone(),
                    target: target.clone(),
                    wave,
                    servers: ids.clone(),
                    admitted_at: Some(rfc3339(now)),
                    job_id: None,
                    job_created_at: None,
                    job_ended_at: None,
                    // Until an answer says otherwise, a crash after this write leaves it
                    // unknown whether the request went out: look before starting it again.
                    uncertain: true,
                    conflicts: 0,
                    done: false,
                    retry: Default::default(),
                });
                self.record(
                    e,
                    Event::BatchAdmitted {
                        key,
                        servers: ids.len(),
                    },
                )?;
                let i = e.batches.len() - 1;
                let cloud = self.cloud(&target)?;
                self.start_batch(e, i, &cloud, now).await?;
                admitted = true;
            }
            if !admitted {
                return Ok(());
            }
        }
    }

    /// Sends `StartRecovery` for batch `i` (never retried blindly: the SDK does not retry it).
    async fn start_batch(
        &mut self,
        e: &mut Execution,
        i: usize,
        cloud: &Arc<dyn Cloud>,
        now: OffsetDateTime,
    ) -> Result<(), EngineError> {
        let b = e.batches[i].clone();
        let is_drill = e.kind == ExecutionKind::Drill;
        let result = cloud
            .start_recovery(&b.servers, is_drill, &batch_tags(e, &b))
            .await;
        match result {
            Ok(job) => self.adopt(e, i, &job, false),
            Err(err) => {
                let text = err.to_string();
                let batch = &mut e.batches[i];
                match (outcome(&err), &err) {
                    (Outcome::Refused, _) => self.refuse_batch(e, i, now, &text),
                    (Outcome::NotDone, _) => {
                        batch.uncertain = false;
                        batch
                            .retry
                            .failed(now, text.clone(), &format!("start {}", b.key));
                        self.record(
                            e,
                            Event::StartDeferred {
                                key: b.key,
                                error: text,
                            },
                        )
                    }
                    (Outcome::Unknown, CloudError::Conflict { .. }) => {
                        batch.uncertain = true;
                        batch.conflicts += 1;
                        batch
                            .retry
                            .failed(now, text.clone(), &format!("start {}", b.key));
                        self.record(
                            e,
                            Event::StartUncertain {
                                key: b.key,
                                error: text,
                            },
                        )
                    }
                    (Outcome::Unknown, _) => {
                        batch.uncertain = true;
                        batch
                            .retry
                            .failed(now, text.clone(), &format!("start {}", b.key));
                        self.record(
                            e,
                            Event::StartUncertain {
                                key: b.key,
                                error: text,
                            },
                        )
                    }
                }
            }
        }
    }

    /// DRS refused a batch for good: its servers failed, the batch is over.
    fn refuse_batch(
        &mut self,
        e: &mut Execution,
        i: usize,
        now: OffsetDateTime,
        why: &str,
    ) -> Result<(), EngineError> {
        let b = e.batches[i].clone();
        e.batches[i].done = true;
        e.batches[i].uncertain = false;
        e.batches[i].retry.clear();
        let at = rfc3339(now);
        for id in &b.servers {
            if let Some(s) = e.server_mut(id) {
                s.status = ServerStatus::Failed;
                s.failure = Some(format!("DRS refused StartRecovery: {why}"));
                s.ended_at = Some(at.clone());
            }
        }
        self.record(
            e,
            Event::StartRefused {
                key: b.key,
                error: why.to_string(),
            },
        )
    }

    fn adopt(
        &mut self,
        e: &mut Execution,
        i: usize,
        job: &Job,
        found: bool,
    ) -> Result<(), EngineError> {
        let b = &mut e.batches[i];
        b.job_id = Some(job.job_id.clone());
        b.job_created_at = Some(job.created.clone()).filter(|c| !c.is_empty());
        b.uncertain = false;
        b.conflicts = 0;
        b.retry.clear();
        let key = b.key.clone();
        let servers = b.servers.clone();
        let created = b.job_created_at.clone();
        for id in &servers {
            if let Some(s) = e.server_mut(id) {
                s.started_at = created.clone();
            }
        }
        // The first look at a new job is when a launch can first have happened.
        let target = e.batches[i].target.clone();
        let first = self.now_plus(
            self.options
                .poll
                .first_launch
                .mul_f64(0.8)
                .min(self.options.poll.quiet),
        );
        let next = self.next_poll.entry(target).or_insert(first);
        *next = (*next).min(first);
        self.record(
            e,
            if found {
                Event::JobFound {
                    key,
                    job: job.job_id.clone(),
                }
            } else {
                Event::JobStarted {
                    key,
                    job: job.job_id.clone(),
                    servers: servers.len(),
                }
            },
        )
    }

    fn now_plus(&self, d: Duration) -> OffsetDateTime {
        self.clock.now() + time::Duration::try_from(d).unwrap_or(time::Duration::ZERO)
    }

    /// Batches written down without a job: looked for by their tags when the last answer was
    /// unknown (or the process died after writing them), then started when not found.
    pub(super) async fn resolve_unstarted(
        &mut self,
        e: &mut Execution,
        now: OffsetDateTime,
        may_start: bool,
    ) -> Result<(), EngineError> {
        let pending: Vec<usize> = (0..e.batches.len())
            .filter(|i| {
                let b = &e.batches[*i];
                b.job_id.is_none() && !b.done && b.retry.due(now)
            })
            .collect();
        if pending.is_empty() {
            return Ok(());
        }
        let cancelling = e.status == ExecutionStatus::Cancelling;
        let mut found_jobs: BTreeMap<String, Result<Vec<Job>, CloudError>> = BTreeMap::new();
        for i in pending {
            let b = e.batches[i].clone();
            let cloud = self.cloud(&b.target)?;
            if b.uncertain {
                if !found_jobs.contains_key(&b.target) {
                    let since = e
                        .batches
                        .iter()
                        .filter(|x| x.target == b.target && x.job_id.is_none() && !x.done)
                        .filter_map(|x| x.admitted_at.as_deref().and_then(super::model::parse))
                        .min()
                        .unwrap_or(now)
                        - LOOKUP_MARGIN;
                    found_jobs.insert(
                        b.target.clone(),
                        cloud.jobs_created_since(&rfc3339(since)).await,
                    );
                }
                match found_jobs.get(&b.target) {
                    Some(Ok(list)) => {
                        let found = list.iter().find(|j| {
                            j.tags.get(jobs::tags::EXECUTION) == Some(&e.id)
                                && j.tags.get(jobs::tags::BATCH) == Some(&b.key)
                        });
                        if let Some(job) = found {
                            let job = job.clone();
                            self.adopt(e, i, &job, true)?;
                            continue;
                        }
                        if b.conflicts >= CONFLICTS_BEFORE_REFUSAL {
                            let why = b
                                .retry
                                .last_error
                                .clone()
                                .unwrap_or_else(|| "conflict".into());
                            self.refuse_batch(
                                e,
                                i,
                                now,
                                &format!("{why} ({} times, and no job of this execution holds these servers)", b.conflicts),
                            )?;
                            continue;
                        }
                    }
                    Some(Err(err)) => {
                        let text = err.to_string();
                        e.batches[i]
                            .retry
                            .failed(now, text.clone(), &format!("start {}", b.key));
                        self.record(
                            e,
                            Event::Retrying {
                                what: format!("looking for the job of batch {}", b.key),
                                error: text,
                            },
                        )?;
                        continue;
                    }
                    None => continue,
                }
            }
            // Known not to exist.
            if cancelling {
                e.batches[i].done = true;
                e.batches[i].uncertain = false;
                for id in &b.servers {
                    if let Some(s) = e.server_mut(id) {
                        s.status = ServerStatus::NotRun;
                        s.failure = Some("cancelled".into());
                    }
                }
                self.record(e, Event::BatchCancelled { key: b.key.clone() })?;
                continue;
            }
            if !may_start {
                continue;
            }
            // From here until an answer says otherwise, a crash leaves it unknown whether the
            // request went out.
            e.batches[i].uncertain = true;
            self.record(e, Event::StartingAgain { key: b.key.clone() })?;
            self.start_batch(e, i, &cloud, now).await?;
        }
        Ok(())
    }

    /// One `DescribeJobs` per target for every active job, when due; a job that has ended is
    /// read to its end.
    pub(super) async fn poll(
        &mut self,
        e: &mut Execution,
        now: OffsetDateTime,
    ) -> Result<(), EngineError> {
        let mut by_target: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for b in e.batches.iter().filter(|b| !b.done) {
            if let Some(j) = &b.job_id {
                by_target
                    .entry(b.target.clone())
                    .or_default()
                    .push(j.clone());
            }
        }
        self.next_poll.retain(|t, _| by_target.contains_key(t));
        for (target, ids) in by_target {
            if self.next_poll.get(&target).is_some_and(|t| *t > now) {
                continue;
            }
            let cloud = self.cloud(&target)?;
            let found = match cloud.jobs(&ids).await {
                Ok(j) => j,
                Err(err) => {
                    self.next_poll
                        .insert(target.clone(), now + to_time(self.options.poll.launching));
                    self.record(
                        e,
                        Event::Retrying {
                            what: format!("polling {} job(s) on {target}", ids.len()),
                            error: err.to_string(),
                        },
                    )?;
                    continue;
                }
            };
            let mut changed = false;
            for job in &found {
                changed |= observe(e, job, now);
            }
            for job in found.iter().filter(|j| j.status == JobStatus::Completed) {
                let Some(i) = e
                    .batches
                    .iter()
                    .position(|b| b.job_id.as_deref() == Some(job.job_id.as_str()) && !b.done)
                else {
                    continue;
                };
                if !e.batches[i].retry.due(now) {
                    continue;
                }
                if let Err(err) = self.complete_batch(e, i, job, &cloud, now).await? {
                    let text = err.to_string();
                    let key = e.batches[i].key.clone();
                    e.batches[i]
                        .retry
                        .failed(now, text.clone(), &format!("end {key}"));
                    self.record(
                        e,
                        Event::Retrying {
                            what: format!("reading the end of job {}", job.job_id),
                            error: text,
                        },
                    )?;
                }
                changed = false;
            }
            if changed {
                self.record(e, Event::Tick)?;
            }
            let next = self.schedule(e, &target, now);
            self.next_poll.insert(target, next);
        }
        Ok(())
    }

    /// When target `target` is next polled: slowly while no server of its jobs can have
    /// launched yet, often while they launch, very often when nine in ten have launched or
    /// failed (the last launches let the next wave start; the job's end is imminent).
    fn schedule(&self, e: &Execution, target: &str, now: OffsetDateTime) -> OffsetDateTime {
        let p = self.options.poll;
        // The shortest launch seen in this execution, or the default.
        let first = e
            .servers()
            .filter(|s| s.status == ServerStatus::Launched)
            .filter_map(|s| {
                crate::readiness::seconds_between(s.started_at.as_deref()?, s.ended_at.as_deref()?)
            })
            .filter(|s| *s > 0)
            .min()
            .map(|s| Duration::from_secs(s as u64))
            .unwrap_or(p.first_launch);
        let mut next: Option<OffsetDateTime> = None;
        for b in e
            .batches
            .iter()
            .filter(|b| b.target == target && !b.done && b.job_id.is_some())
        {
            let settled = b
                .servers
                .iter()
                .filter(|id| e.server(id).is_some_and(|s| s.status.is_final()))
                .count();
            // The job's end (or its last launches, which let the next wave start) is near.
            let near_end = settled * 10 >= b.servers.len() * 9;
            let at = if near_end {
                now + to_time(p.ending)
            } else {
                let created = b
                    .job_created_at
                    .as_deref()
                    .and_then(super::model::parse)
                    .unwrap_or(now);
                let quiet_until = created + to_time(first.mul_f64(0.8));
                if now < quiet_until {
                    (now + to_time(p.quiet)).min(quiet_until)
                } else {
                    now + to_time(p.launching)
                }
            };
            // A completed job whose end could not be read is retried on its own schedule.
            let at = match b.retry.next() {
                Some(r) if r > at => r,
                _ => at,
            };
            next = Some(next.map_or(at, |n| n.min(at)));
        }
        next.unwrap_or(now + to_time(p.quiet))
    }

    /// Reads a completed job to its end: its log (each server's timeline with DRS's times and
    /// failure reasons), its recovery instances (which EC2 instance each server is) and the EC2
    /// launch times; checks launches into DR instances. The batch is done only when all of it
    /// was read. Returns the AWS error that stopped it, to retry.
    async fn complete_batch(
        &mut self,
        e: &mut Execution,
        i: usize,
        job: &Job,
        cloud: &Arc<dyn Cloud>,
        now: OffsetDateTime,
    ) -> Result<Result<(), CloudError>, EngineError> {
        let b = e.batches[i].clone();
        let log = match cloud.job_log(&job.job_id).await {
            Ok(l) => l,
            Err(err) => return Ok(Err(err)),
        };
        let ris = match cloud.recovery_instances_of(&b.servers).await {
            Ok(r) => r,
            Err(err) => return Ok(Err(err)),
        };
        let mine = |server: &str, recorded: Option<&String>| {
            ris.iter().find(|r| {
                r.source_server_id.as_deref() == Some(server)
                    && (r.job_id.as_deref() == Some(job.job_id.as_str())
                        || Some(&r.recovery_instance_id) == recorded)
            })
        };
        let mut ec2_ids: Vec<String> = Vec::new();
        for id in &b.servers {
            if let Some(s) = e.server(id) {
                if let Some(r) = mine(id, s.recovery_instance_id.as_ref()) {
                    ec2_ids.extend(r.ec2_instance_id.clone());
                }
                ec2_ids.extend(s.expected_instance_id.clone());
            }
        }
        ec2_ids.sort();
        ec2_ids.dedup();
        let instances = if ec2_ids.is_empty() {
            Vec::new()
        } else {
            match cloud.instances(&ec2_ids).await {
                Ok(i) => i,
                Err(err) => return Ok(Err(err)),
            }
        };
        let job_end = log
            .iter()
            .find(|x| x.event == "JOB_END")
            .map(|x| x.at.clone())
            .or_else(|| job.ended.clone());
        let mut launched = 0;
        let mut failed = 0;
        let mut checked = 0;
        let mut not_as_expected = 0;
        for id in &b.servers {
            let recorded = e.server(id).and_then(|s| s.recovery_instance_id.clone());
            let ri = mine(id, recorded.as_ref()).cloned();
            let Some(s) = e.server_mut(id) else {
                continue;
            };
            for item in log
                .iter()
                .filter(|x| x.source_server_id.as_deref() == Some(id))
            {
                if !s.steps.iter().any(|x| x.event == item.event) {
                    s.steps.push(Step {
                        event: item.event.clone(),
                        at: item.at.clone(),
                    });
                }
                if item.event == "LAUNCH_FAILED" {
                    s.failure = item
                        .raw_error
                        .clone()
                        .or_else(|| Some("DRS reports the launch failed".into()));
                    s.ended_at = Some(item.at.clone());
                }
            }
            if s.status == ServerStatus::Launched {
                if let Some(r) = &ri {
                    s.recovery_instance_id = Some(r.recovery_instance_id.clone());
                    s.ec2_instance_id.clone_from(&r.ec2_instance_id);
                }
                let launch_time = s
                    .ec2_instance_id
                    .as_ref()
                    .and_then(|i| instances.iter().find(|x| &x.id == i))
                    .and_then(|x| x.launch_time.clone());
                if let Some(t) = launch_time.or_else(|| job_end.clone()) {
                    s.ended_at = Some(t.clone());
                    if !s.steps.iter().any(|x| x.event == "LAUNCHED") {
                        s.steps.push(Step {
                            event: "LAUNCHED".into(),
                            at: t,
                        });
                    }
                }
                // A launch into a DR instance must come up as that instance, with its IP.
                if let Some(expected) = s.expected_instance_id.clone() {
                    checked += 1;
                    let seen_ip = instances
                        .iter()
                        .find(|x| x.id == expected)
                        .and_then(|x| x.private_ip.clone());
                    let problem = match (&s.ec2_instance_id, &s.expected_private_ip) {
                        (Some(l), _) if l != &expected => Some(format!(
                            "launched as {l}, not into its DR instance {expected}"
                        )),
                        (None, _) => Some(format!("DRS did not report launching into {expected}")),
                        (_, Some(want)) if seen_ip.as_ref() != Some(want) => Some(format!(
                            "{expected} came up with private IP {}, expected {want}",
                            seen_ip.as_deref().unwrap_or("none")
                        )),
                        _ => None,
                    };
                    match problem {
                        Some(p) => {
                            s.status = ServerStatus::Failed;
                            s.failure = Some(p);
                            not_as_expected += 1;
                        }
                        None => s.steps.push(Step {
                            event: "VERIFIED".into(),
                            at: rfc3339(now),
                        }),
                    }
                }
            }
            if !s.status.is_final() {
                s.status = ServerStatus::Failed;
                s.failure = Some("the job ended without launching it".into());
            }
            if s.status == ServerStatus::Failed {
                if s.failure.is_none() {
                    s.failure = Some("DRS reports the launch failed".into());
                }
                if s.ended_at.is_none() {
                    s.ended_at.clone_from(&job_end);
                }
                failed += 1;
            } else if s.status == ServerStatus::Launched {
                launched += 1;
            }
        }
        let batch = &mut e.batches[i];
        batch.done = true;
        batch.retry.clear();
        batch.job_ended_at = job_end;
        self.record(
            e,
            Event::JobEnded {
                job: job.job_id.clone(),
                launched,
                failed,
            },
        )?;
        if checked > 0 {
            self.record(
                e,
                Event::LaunchIntoChecked {
                    servers: checked,
                    failed: not_as_expected,
                },
            )?;
        }
        Ok(Ok(()))
    }
}

/// Applies what a job says about its servers (as it runs); true when something changed.
fn observe(e: &mut Execution, job: &Job, now: OffsetDateTime) -> bool {
    let at = rfc3339(now);
    let mut changed = false;
    for js in &job.servers {
        let Some(s) = e.server_mut(&js.source_server_id) else {
            continue;
        };
        if s.status.is_final() || s.batch.is_none() {
            continue;
        }
        let before = s.status;
        match js.launch_status {
            LaunchStatus::Launched => {
                s.status = ServerStatus::Launched;
                if js.recovery_instance_id.is_some() {
                    s.recovery_instance_id.clone_from(&js.recovery_instance_id);
                }
                // Seen now; the EC2 launch time replaces it when the job is read to its end.
                s.ended_at.get_or_insert(at.clone());
            }
            LaunchStatus::Failed | LaunchStatus::Terminated => {
                s.status = ServerStatus::Failed;
                s.ended_at.get_or_insert(at.clone());
            }
            _ => s.status = ServerStatus::Launching,
        }
        changed |= before != s.status;
    }
    changed
}

fn to_time(d: Duration) -> time::Duration {
    time::Duration::try_from(d).unwrap_or(time::Duration::ZERO)
}
