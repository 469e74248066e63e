//! The end of an execution. After a wave's jobs have ended, its servers' recovery network is
//! put back; after every job has ended, a drill's suspended launch-into settings are restored
//! and its cleanup runs as states advanced tick by tick (pause and cancel are read meanwhile):
//! list the recovery instances of this execution's own jobs, re-read each EC2 instance, stop and
//! disconnect a DR instance or one protected from termination, terminate the rest, follow the
//! TERMINATE jobs, verify that none is left. Every failed step is retried on later ticks until
//! it succeeds or a person gives up; the execution never rests half-done.

use super::journal::{Control, Event};
use super::model::{
    CleanupAction, CleanupItem, CleanupState, ExecutionKind, ExecutionStatus, ServerStatus,
    WaveStatus,
};
use super::retry::{outcome, Outcome};
use super::{rfc3339, Engine, EngineError, Execution};
use crate::cloud::CloudError;
use crate::inventory::InstanceState;
use crate::jobs::JobStatus;
use crate::launch::{LaunchConfigurationUpdate, LaunchTemplate, AWSDRS_TAG};
use std::collections::{BTreeMap, BTreeSet};
use time::OffsetDateTime;

/// Why an instance is stopped and disconnected rather than terminated.
const PROTECTED: &str = "termination protection is on";

impl Engine<'_> {
    /// Restores what is due, cleans a drill up, and ends the execution when everything is
    /// done. Returns true when it ended in this tick.
    pub(super) async fn finish(
        &mut self,
        e: &mut Execution,
        now: OffsetDateTime,
        control: &Control,
        acting: bool,
    ) -> Result<bool, EngineError> {
        if acting {
            self.restore_networks(e, now, false).await?;
        }
        let waves_done = e.waves.iter().all(|w| w.status.is_final());
        if !waves_done || !e.jobs_done() {
            return Ok(false);
        }
        if acting {
            self.restore_networks(e, now, true).await?;
            self.restore_launch_into(e, now).await?;
        }
        if e.kind == ExecutionKind::Drill && !e.cleanup.is_over() {
            if !e.auto_cleanup && !control.cleanup_confirmed && !control.abandon {
                if e.cleanup.status != "awaitingConfirmation" {
                    e.cleanup.status = "awaitingConfirmation".into();
                    self.record(e, Event::CleanupAwaitsConfirmation)?;
                }
            } else {
                if e.status != ExecutionStatus::CleaningUp {
                    e.status = ExecutionStatus::CleaningUp;
                    e.cleanup.status = "running".into();
                    self.record(e, Event::CleanupStarted)?;
                }
                if acting {
                    self.cleanup_step(e, now).await?;
                }
            }
        }
        let restored =
            e.suspended.iter().all(|s| s.restored) && e.isolated.iter().all(|x| x.restored);
        if control.abandon && (!restored || !e.cleanup.is_over()) {
            self.abandon(e)?;
        }
        let restored =
            e.suspended.iter().all(|s| s.restored) && e.isolated.iter().all(|x| x.restored);
        let cleaned = e.kind == ExecutionKind::Recovery || e.cleanup.is_over();
        if !(cleaned && (restored || control.abandon)) {
            return Ok(false);
        }
        let failed = e.servers().any(|s| s.status == ServerStatus::Failed)
            || e.waves.iter().any(|w| w.status == WaveStatus::Failed)
            || matches!(e.cleanup.status.as_str(), "failed" | "abandoned")
            || !restored;
        e.status = if control.cancel {
            ExecutionStatus::Cancelled
        } else if failed {
            ExecutionStatus::Failed
        } else {
            ExecutionStatus::Completed
        };
        e.ended_at = Some(rfc3339(now));
        let status = e.status;
        self.record(e, Event::Ended { status })?;
        Ok(true)
    }

    /// A person gave up on the cleanup and restores: what is left is written down.
    fn abandon(&mut self, e: &mut Execution) -> Result<(), EngineError> {
        let mut left: Vec<String> = Vec::new();
        for s in e.suspended.iter().filter(|s| !s.restored) {
            left.push(format!(
                "launch-into of {} (was {})",
                s.before.source_server_id,
                s.before
                    .launch_into_instance_id
                    .as_deref()
                    .unwrap_or("none")
            ));
        }
        for x in e.isolated.iter().filter(|x| !x.restored) {
            left.push(format!(
                "launch template {} of {} (recovery subnet {})",
                x.before.id,
                x.source_server_id,
                x.before.subnet_id.as_deref().unwrap_or("none")
            ));
        }
        if e.kind == ExecutionKind::Drill && !e.cleanup.is_over() {
            let instances: Vec<String> = if e.cleanup.listed {
                e.cleanup
                    .items
                    .iter()
                    .filter(|i| i.state != CleanupState::Done)
                    .map(|i| i.recovery_instance_id.clone())
                    .collect()
            } else {
                e.servers()
                    .filter_map(|s| s.recovery_instance_id.clone())
                    .collect()
            };
            e.cleanup.remaining.clone_from(&instances);
            e.cleanup.status = "abandoned".into();
            e.cleanup.message = Some(format!(
                "a person stopped the cleanup; still there: {}",
                if instances.is_empty() {
                    "none".to_string()
                } else {
                    instances.join(", ")
                }
            ));
            left.extend(
                instances
                    .into_iter()
                    .map(|i| format!("recovery instance {i}")),
            );
        }
        e.failure = Some(format!(
            "cleanup and restores were abandoned; left: {}",
            if left.is_empty() {
                "nothing".to_string()
            } else {
                left.join("; ")
            }
        ));
        self.record(
            e,
            Event::Abandoned {
                left: if left.is_empty() {
                    "nothing".into()
                } else {
                    left.join("; ")
                },
            },
        )
    }

    /// Puts the recovery network back for servers whose wave's jobs have all ended (or all,
    /// at the end).
    async fn restore_networks(
        &mut self,
        e: &mut Execution,
        now: OffsetDateTime,
        all: bool,
    ) -> Result<(), EngineError> {
        let over: BTreeSet<String> = e
            .waves
            .iter()
            .filter(|w| {
                w.settled()
                    && e.batches
                        .iter()
                        .filter(|b| b.wave == w.name)
                        .all(|b| b.done)
            })
            .map(|w| w.name.clone())
            .collect();
        for i in 0..e.isolated.len() {
            let x = e.isolated[i].clone();
            if x.restored || !x.retry.due(now) || !(all || over.contains(&x.wave)) {
                continue;
            }
            // A server whose move was written down but never confirmed may have been moved:
            // putting the recovery template back is harmless either way.
            if e.server(&x.source_server_id)
                .is_some_and(|s| !s.status.is_final() && !all)
            {
                continue;
            }
            let cloud = self.cloud(&x.target)?;
            self.record(
                e,
                Event::RestoringNetwork {
                    server: x.source_server_id.clone(),
                },
            )?;
            let result = async {
                let current = cloud.launch_template(&x.before.id).await?;
                if same_network(&current, &x.before) {
                    return Ok(current.version);
                }
                cloud
                    .update_launch_template(&LaunchTemplate {
                        version: current.version,
                        ..x.before.clone()
                    })
                    .await
            }
            .await;
            match result {
                Ok(_) => {
                    e.isolated[i].restored = true;
                    e.isolated[i].retry.clear();
                    self.record(
                        e,
                        Event::NetworkRestored {
                            server: x.source_server_id.clone(),
                        },
                    )?;
                }
                Err(err) => {
                    let text = err.to_string();
                    e.isolated[i].retry.failed(
                        now,
                        text.clone(),
                        &format!("network {}", x.source_server_id),
                    );
                    self.record(
                        e,
                        Event::Retrying {
                            what: format!(
                                "restoring the recovery network of {}",
                                x.source_server_id
                            ),
                            error: text,
                        },
                    )?;
                }
            }
        }
        Ok(())
    }

    /// Puts the drill's suspended launch-into settings back (every job has ended); confirmed
    /// by DRS's answer.
    async fn restore_launch_into(
        &mut self,
        e: &mut Execution,
        now: OffsetDateTime,
    ) -> Result<(), EngineError> {
        let due: Vec<usize> = (0..e.suspended.len())
            .filter(|i| !e.suspended[*i].restored && e.suspended[*i].retry.due(now))
            .collect();
        if due.is_empty() {
            return Ok(());
        }
        let mut calls = Vec::new();
        for i in &due {
            let s = &e.suspended[*i];
            calls.push((*i, s.before.clone(), self.cloud(&s.target)?));
        }
        let servers: Vec<String> = due
            .iter()
            .map(|i| e.suspended[*i].before.source_server_id.clone())
            .collect();
        self.record(e, Event::RestoringLaunchInto { servers })?;
        let answers: Vec<(usize, Result<_, CloudError>)> = super::concurrently(
            calls
                .into_iter()
                .map(|(i, before, cloud)| -> super::Boxed<'static, _> {
                    Box::pin(async move {
                        let r = cloud
                            .update_launch_configuration(&LaunchConfigurationUpdate::restoring(
                                &before,
                            ))
                            .await;
                        (i, r)
                    })
                })
                .collect(),
            self.options.read_concurrency,
        )
        .await;
        let mut restored = Vec::new();
        for (i, r) in answers {
            let id = e.suspended[i].before.source_server_id.clone();
            match r {
                Ok(after)
                    if after.launch_into_instance_id
                        == e.suspended[i].before.launch_into_instance_id =>
                {
                    e.suspended[i].restored = true;
                    e.suspended[i].retry.clear();
                    restored.push(id);
                }
                Ok(after) => {
                    let text = format!(
                        "DRS shows launch-into {} after the restore",
                        after.launch_into_instance_id.as_deref().unwrap_or("none")
                    );
                    e.suspended[i]
                        .retry
                        .failed(now, text.clone(), &format!("restore {id}"));
                    self.record(
                        e,
                        Event::Retrying {
                            what: format!("restoring the launch-into setting of {id}"),
                            error: text,
                        },
                    )?;
                }
                Err(err) => {
                    let text = err.to_string();
                    e.suspended[i]
                        .retry
                        .failed(now, text.clone(), &format!("restore {id}"));
                    self.record(
                        e,
                        Event::Retrying {
                            what: format!("restoring the launch-into setting of {id}"),
                            error: text,
                        },
                    )?;
                }
            }
        }
        if !restored.is_empty() {
            self.record(e, Event::LaunchIntoRestored { servers: restored })?;
        }
        Ok(())
    }

    /// One step of a drill's cleanup.
    async fn cleanup_step(
        &mut self,
        e: &mut Execution,
        now: OffsetDateTime,
    ) -> Result<(), EngineError> {
        if !e.cleanup.retry.due(now) {
            return Ok(());
        }
        if let Err(err) = self.cleanup_advance(e, now).await? {
            let text = err.to_string();
            e.cleanup
                .retry
                .failed(now, text.clone(), &format!("cleanup {}", e.id));
            e.cleanup.message = Some(format!(
                "retrying: {text} (attempt {}); the cleanup goes on until it is verified or a person stops it",
                e.cleanup.retry.attempts
            ));
            self.record(
                e,
                Event::Retrying {
                    what: "the drill's cleanup".into(),
                    error: text,
                },
            )?;
        }
        Ok(())
    }

    async fn cleanup_advance(
        &mut self,
        e: &mut Execution,
        now: OffsetDateTime,
    ) -> Result<Result<(), CloudError>, EngineError> {
        if !e.cleanup.listed {
            if let Err(err) = self.list_cleanup(e).await? {
                return Ok(Err(err));
            }
        }
        let targets: BTreeSet<String> = e.cleanup.items.iter().map(|i| i.target.clone()).collect();
        for target in &targets {
            if let Err(err) = self.terminate(e, target, now).await? {
                return Ok(Err(err));
            }
            if let Err(err) = self.stop_and_disconnect(e, target, now).await? {
                return Ok(Err(err));
            }
        }
        self.verify_cleanup(e, now).await
    }

    /// The recovery instances of this execution's own jobs, each EC2 instance re-read: DR
    /// instances and protected instances are kept (stopped and disconnected). Written down
    /// before anything is sent.
    async fn list_cleanup(
        &mut self,
        e: &mut Execution,
    ) -> Result<Result<(), CloudError>, EngineError> {
        let ours: BTreeSet<String> = e.job_ids().into_iter().collect();
        let recorded: BTreeSet<String> = e
            .servers()
            .filter_map(|s| s.recovery_instance_id.clone())
            .collect();
        let mut by_target: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for s in e.servers().filter(|s| s.batch.is_some()) {
            by_target
                .entry(s.target.clone())
                .or_default()
                .push(s.source_server_id.clone());
        }
        let mut items = Vec::new();
        for (target, servers) in by_target {
            let cloud = self.cloud(&target)?;
            let ris = match cloud.recovery_instances_of(&servers).await {
                Ok(r) => r,
                Err(err) => return Ok(Err(err)),
            };
            let mine: Vec<_> = ris
                .into_iter()
                .filter(|r| {
                    r.job_id.as_ref().is_some_and(|j| ours.contains(j))
                        || recorded.contains(&r.recovery_instance_id)
                })
                .collect();
            let ec2: Vec<String> = mine
                .iter()
                .filter_map(|r| r.ec2_instance_id.clone())
                .collect();
            // Each instance re-read (its tags); termination protection is asked of EC2 (one call
            // per instance) only for instances a terminate left behind, or kept for it before.
            let instances = if ec2.is_empty() {
                Vec::new()
            } else {
                match cloud.instances(&ec2).await {
                    Ok(i) => i,
                    Err(err) => return Ok(Err(err)),
                }
            };
            let protected: BTreeSet<String> = e
                .cleanup
                .items
                .iter()
                .filter(|i| i.kept_because.as_deref() == Some(PROTECTED))
                .filter_map(|i| i.ec2_instance_id.clone())
                .collect();
            for r in mine {
                let instance = r
                    .ec2_instance_id
                    .as_ref()
                    .and_then(|i| instances.iter().find(|x| &x.id == i));
                let dr = instance.is_some_and(|i| i.allows_launch_into());
                let prot = r
                    .ec2_instance_id
                    .as_ref()
                    .is_some_and(|i| protected.contains(i));
                let kept_because = if dr {
                    Some(format!("a DR instance ({}={})", AWSDRS_TAG.0, AWSDRS_TAG.1))
                } else if prot {
                    Some(PROTECTED.to_string())
                } else {
                    None
                };
                items.push(CleanupItem {
                    target: target.clone(),
                    recovery_instance_id: r.recovery_instance_id.clone(),
                    ec2_instance_id: r.ec2_instance_id.clone(),
                    source_server_id: r.source_server_id.clone(),
                    launched_by_job: r.job_id.clone(),
                    action: if kept_because.is_some() {
                        CleanupAction::StopAndDisconnect
                    } else {
                        CleanupAction::Terminate
                    },
                    kept_because,
                    state: CleanupState::Found,
                    job_id: None,
                    sent_at: None,
                    uncertain: false,
                });
            }
        }
        let terminate = items
            .iter()
            .filter(|i| i.action == CleanupAction::Terminate)
            .count();
        let keep = items.len() - terminate;
        e.cleanup.items = items;
        e.cleanup.listed = true;
        self.record(e, Event::CleanupListed { terminate, keep })?;
        Ok(Ok(()))
    }

    /// Terminates the drill instances of `target` (TerminateRecoveryInstances takes at most 200
    /// IDs). After an unknown answer, looks first: instances already gone or shutting down, or
    /// a TERMINATE job with them, count as sent.
    async fn terminate(
        &mut self,
        e: &mut Execution,
        target: &str,
        now: OffsetDateTime,
    ) -> Result<Result<(), CloudError>, EngineError> {
        let cloud = self.cloud(target)?;
        let uncertain: Vec<usize> = (0..e.cleanup.items.len())
            .filter(|i| {
                let it = &e.cleanup.items[*i];
                it.target == target
                    && it.action == CleanupAction::Terminate
                    && it.state == CleanupState::Found
                    && it.uncertain
            })
            .collect();
        if !uncertain.is_empty() {
            let servers: Vec<String> = uncertain
                .iter()
                .filter_map(|i| e.cleanup.items[*i].source_server_id.clone())
                .collect();
            let ris = match cloud.recovery_instances_of(&servers).await {
                Ok(r) => r,
                Err(err) => return Ok(Err(err)),
            };
            let since = uncertain
                .iter()
                .filter_map(|i| {
                    e.cleanup.items[*i]
                        .sent_at
                        .as_deref()
                        .and_then(super::model::parse)
                })
                .min()
                .unwrap_or(now)
                - time::Duration::minutes(15);
            let jobs = match cloud.jobs_created_since(&rfc3339(since)).await {
                Ok(j) => j,
                Err(err) => return Ok(Err(err)),
            };
            for i in uncertain {
                let it = &mut e.cleanup.items[i];
                let still = ris
                    .iter()
                    .find(|r| r.recovery_instance_id == it.recovery_instance_id);
                let going = still.is_none_or(|r| {
                    matches!(
                        r.ec2_instance_state.as_deref(),
                        Some("SHUTTING-DOWN" | "TERMINATED" | "NOT_FOUND")
                    )
                });
                let job = jobs.iter().find(|j| {
                    j.job_type == "TERMINATE"
                        && it
                            .source_server_id
                            .as_ref()
                            .is_some_and(|s| j.servers.iter().any(|p| &p.source_server_id == s))
                });
                if let Some(j) = job {
                    it.job_id = Some(j.job_id.clone());
                    it.state = CleanupState::Terminating;
                    it.uncertain = false;
                } else if going {
                    it.state = CleanupState::Terminating;
                    it.uncertain = false;
                }
            }
        }
        let send: Vec<usize> = (0..e.cleanup.items.len())
            .filter(|i| {
                let it = &e.cleanup.items[*i];
                it.target == target
                    && it.action == CleanupAction::Terminate
                    && it.state == CleanupState::Found
            })
            .collect();
        for chunk in send.chunks(200) {
            let ids: Vec<String> = chunk
                .iter()
                .map(|i| e.cleanup.items[*i].recovery_instance_id.clone())
                .collect();
            for i in chunk {
                e.cleanup.items[*i].sent_at = Some(rfc3339(now));
                e.cleanup.items[*i].uncertain = true;
            }
            self.record(
                e,
                Event::Terminating {
                    target: target.to_string(),
                    instances: ids.len(),
                },
            )?;
            match cloud.terminate_recovery_instances(&ids).await {
                Ok(job) => {
                    for i in chunk {
                        let it = &mut e.cleanup.items[*i];
                        it.state = CleanupState::Terminating;
                        it.job_id = Some(job.job_id.clone());
                        it.uncertain = false;
                    }
                    e.cleanup
                        .jobs
                        .push((target.to_string(), job.job_id.clone()));
                    self.record(
                        e,
                        Event::TerminateJob {
                            target: target.to_string(),
                            job: job.job_id,
                        },
                    )?;
                }
                Err(err) => {
                    if outcome(&err) == Outcome::NotDone {
                        for i in chunk {
                            e.cleanup.items[*i].uncertain = false;
                        }
                    }
                    // A refusal (e.g. an instance already gone) or an unknown answer: look
                    // again on the next attempt.
                    return Ok(Err(err));
                }
            }
        }
        Ok(Ok(()))
    }

    /// DR instances and protected ones: stopped, then disconnected from DRS (the EC2 instance
    /// stays).
    async fn stop_and_disconnect(
        &mut self,
        e: &mut Execution,
        target: &str,
        now: OffsetDateTime,
    ) -> Result<Result<(), CloudError>, EngineError> {
        let cloud = self.cloud(target)?;
        let to_stop: Vec<usize> = (0..e.cleanup.items.len())
            .filter(|i| {
                let it = &e.cleanup.items[*i];
                it.target == target
                    && it.action == CleanupAction::StopAndDisconnect
                    && it.state == CleanupState::Found
            })
            .collect();
        if !to_stop.is_empty() {
            let instances: Vec<String> = to_stop
                .iter()
                .filter_map(|i| e.cleanup.items[*i].ec2_instance_id.clone())
                .collect();
            for i in &to_stop {
                e.cleanup.items[*i].sent_at = Some(rfc3339(now));
            }
            self.record(
                e,
                Event::Stopping {
                    instances: instances.clone(),
                },
            )?;
            if !instances.is_empty() {
                if let Err(err) = cloud.stop_instances(&instances).await {
                    return Ok(Err(err));
                }
            }
            for i in &to_stop {
                e.cleanup.items[*i].state = CleanupState::Stopping;
            }
        }
        let stopping: Vec<usize> = (0..e.cleanup.items.len())
            .filter(|i| {
                let it = &e.cleanup.items[*i];
                it.target == target && it.state == CleanupState::Stopping
            })
            .collect();
        if stopping.is_empty() {
            return Ok(Ok(()));
        }
        let ids: Vec<String> = stopping
            .iter()
            .filter_map(|i| e.cleanup.items[*i].ec2_instance_id.clone())
            .collect();
        let seen = match cloud.instances(&ids).await {
            Ok(s) => s,
            Err(err) => return Ok(Err(err)),
        };
        let mut waiting = false;
        for i in stopping {
            let it = e.cleanup.items[i].clone();
            let stopped = it.ec2_instance_id.as_ref().is_none_or(|id| {
                seen.iter()
                    .find(|x| &x.id == id)
                    .is_none_or(|x| x.state == InstanceState::Stopped)
            });
            if !stopped {
                waiting = true;
                continue;
            }
            self.record(
                e,
                Event::Disconnecting {
                    recovery_instance: it.recovery_instance_id.clone(),
                },
            )?;
            match cloud
                .disconnect_recovery_instance(&it.recovery_instance_id)
                .await
            {
                Ok(()) => {}
                // Already disconnected (a lost answer the first time) is fine.
                Err(CloudError::NotFound { .. }) => {}
                Err(err) => return Ok(Err(err)),
            }
            e.cleanup.items[i].state = CleanupState::Done;
            self.record(
                e,
                Event::Disconnected {
                    recovery_instance: it.recovery_instance_id.clone(),
                },
            )?;
        }
        if waiting {
            e.cleanup.retry.wait(now, self.options.poll.ending);
        }
        Ok(Ok(()))
    }

    /// When every terminate was sent and every kept instance disconnected: waits for the
    /// TERMINATE jobs, then checks that none of this drill's recovery instances is left.
    async fn verify_cleanup(
        &mut self,
        e: &mut Execution,
        now: OffsetDateTime,
    ) -> Result<Result<(), CloudError>, EngineError> {
        let pending = e
            .cleanup
            .items
            .iter()
            .any(|i| matches!(i.state, CleanupState::Found | CleanupState::Stopping));
        if pending {
            return Ok(Ok(()));
        }
        let mut by_target: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for it in &e.cleanup.items {
            if let Some(j) = &it.job_id {
                by_target
                    .entry(it.target.clone())
                    .or_default()
                    .push(j.clone());
            }
        }
        for (target, mut jobs) in by_target {
            jobs.sort();
            jobs.dedup();
            let cloud = self.cloud(&target)?;
            let seen = match cloud.jobs(&jobs).await {
                Ok(j) => j,
                Err(err) => return Ok(Err(err)),
            };
            if seen.iter().any(|j| j.status != JobStatus::Completed) {
                e.cleanup.retry.wait(now, self.options.poll.launching);
                return Ok(Ok(()));
            }
        }
        // Verify: none of this drill's recovery instances is left.
        let ours: BTreeSet<String> = e.job_ids().into_iter().collect();
        let listed: BTreeSet<String> = e
            .cleanup
            .items
            .iter()
            .map(|i| i.recovery_instance_id.clone())
            .collect();
        let mut by_target: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for s in e.servers().filter(|s| s.batch.is_some()) {
            by_target
                .entry(s.target.clone())
                .or_default()
                .push(s.source_server_id.clone());
        }
        let mut remaining = Vec::new();
        for (target, servers) in by_target {
            let cloud = self.cloud(&target)?;
            let ris = match cloud.recovery_instances_of(&servers).await {
                Ok(r) => r,
                Err(err) => return Ok(Err(err)),
            };
            remaining.extend(
                ris.into_iter()
                    .filter(|r| {
                        r.job_id.as_ref().is_some_and(|j| ours.contains(j))
                            || listed.contains(&r.recovery_instance_id)
                    })
                    .map(|r| r.recovery_instance_id),
            );
        }
        if remaining.is_empty() {
            for it in &mut e.cleanup.items {
                it.state = CleanupState::Done;
            }
            e.cleanup.remaining.clear();
            e.cleanup.status = "verified".into();
            e.cleanup.retry.clear();
            let kept = e
                .cleanup
                .items
                .iter()
                .filter(|i| i.action == CleanupAction::StopAndDisconnect)
                .count();
            e.cleanup.message = Some(if kept == 0 {
                "every drill recovery instance of this execution is gone (checked with DescribeRecoveryInstances)".into()
            } else {
                format!("every drill recovery instance of this execution is gone (checked with DescribeRecoveryInstances); {kept} DR instance(s) were stopped and disconnected, not terminated")
            });
            self.record(e, Event::CleanupVerified)?;
            return Ok(Ok(()));
        }
        // Still there. An instance protected from termination is never terminated: stop and
        // disconnect it instead. The others are terminated again.
        e.cleanup.remaining.clone_from(&remaining);
        let mut by_target: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for it in e
            .cleanup
            .items
            .iter()
            .filter(|i| remaining.contains(&i.recovery_instance_id))
            .filter(|i| i.action == CleanupAction::Terminate)
        {
            if let Some(ec2) = &it.ec2_instance_id {
                by_target
                    .entry(it.target.clone())
                    .or_default()
                    .push(ec2.clone());
            }
        }
        let mut protected = BTreeSet::new();
        for (target, ids) in by_target {
            let cloud = self.cloud(&target)?;
            match cloud.termination_protected(&ids).await {
                Ok(p) => protected.extend(p),
                Err(err) => return Ok(Err(err)),
            }
        }
        let mut kept = 0;
        for it in &mut e.cleanup.items {
            if it.action == CleanupAction::Terminate
                && it
                    .ec2_instance_id
                    .as_ref()
                    .is_some_and(|i| protected.contains(i))
            {
                it.action = CleanupAction::StopAndDisconnect;
                it.kept_because = Some(PROTECTED.to_string());
                it.state = CleanupState::Found;
                it.job_id = None;
                kept += 1;
            }
        }
        if kept > 0 && kept == remaining.len() {
            // Nothing failed: the next step stops and disconnects them.
            self.record(
                e,
                Event::CleanupListed {
                    terminate: 0,
                    keep: kept,
                },
            )?;
            return Ok(Ok(()));
        }
        let again: BTreeSet<String> = e
            .cleanup
            .items
            .iter()
            .filter(|i| remaining.contains(&i.recovery_instance_id))
            .filter(|i| i.action == CleanupAction::Terminate)
            .map(|i| i.recovery_instance_id.clone())
            .collect();
        let unknown: Vec<String> = remaining
            .iter()
            .filter(|r| !listed.contains(*r))
            .cloned()
            .collect();
        if !unknown.is_empty() {
            e.cleanup.listed = false;
        }
        for it in &mut e.cleanup.items {
            if again.contains(&it.recovery_instance_id) {
                it.state = CleanupState::Found;
                it.job_id = None;
                it.uncertain = true;
            }
        }
        Ok(Err(CloudError::Service {
            operation: "drs:DescribeRecoveryInstances".into(),
            code: "StillThere".into(),
            message: format!(
                "still there after cleanup: {}; terminating them again",
                remaining.join(", ")
            ),
            request_id: None,
        }))
    }
}

/// The network fields a drill changes are as in `before`.
fn same_network(current: &LaunchTemplate, before: &LaunchTemplate) -> bool {
    current.subnet_id == before.subnet_id
        && current.security_group_ids == before.security_group_ids
        && current.private_ip == before.private_ip
}
