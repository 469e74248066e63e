//! Reprotect: reversed replication of a recovery's instances, journalled and resumable like any
//! execution. After a recovery it runs in the recovery region and each recovery instance gets a
//! source server in the origin region (`FAILBACK`); after a failback it runs in the origin
//! region and the failed-back instances are protected towards the recovery region again
//! (`FAILOVER`, DRS re-points the original source servers).
//!
//! Each tick reads the source servers of the other region once per target and recognises each
//! server's reversed source server by the recovery instance's EC2 ID (its `awsInstanceID`).
//! `ReverseReplication` is sent only for a server whose reversed source server is not there:
//! written down first, sent once, and after an answer whose outcome is unknown (a lost answer,
//! a 5xx, a conflict) looked for again before it is sent again — so a second reprotect, or a
//! resume after a crash, finds what exists. Each server is followed through its initial sync
//! until it replicates continuously; only a definitive refusal fails it.

use super::journal::Event;
use super::model::{Direction, ExecutionStatus, ServerStatus};
use super::retry::{outcome, Outcome};
use super::{Engine, EngineError, Execution};
use crate::cloud::{Cloud, CloudError};
use crate::inventory::{ReplicationState, SourceServer};
use std::collections::BTreeMap;
use std::sync::Arc;
use time::OffsetDateTime;

/// The replication direction the reversed source servers of a reprotect have.
fn wanted_direction(e: &Execution) -> &'static str {
    match e.direction {
        Direction::Failback => "FAILBACK",
        Direction::Failover => "FAILOVER",
    }
}

/// The server of `others` that replicates `ec2_instance_id` in `direction` (stopped ones do
/// not count), or the one named `id`.
fn find<'a>(
    others: &'a [SourceServer],
    ec2_instance_id: &str,
    id: Option<&str>,
    direction: &str,
) -> Option<&'a SourceServer> {
    others
        .iter()
        .find(|s| {
            s.origin_instance_id.as_deref() == Some(ec2_instance_id)
                && s.replication_direction
                    .as_deref()
                    .is_none_or(|d| d == direction)
                && s.replication_state != Some(ReplicationState::Stopped)
        })
        .or_else(|| id.and_then(|id| others.iter().find(|s| s.id == id)))
}

impl Engine<'_> {
    /// One tick of a reprotect: read, send what is missing, follow, end.
    pub(super) async fn reprotect(
        &mut self,
        e: &mut Execution,
        now: OffsetDateTime,
        acting: bool,
    ) -> Result<(), EngineError> {
        if e.status == ExecutionStatus::Cancelling {
            return self.stop_following(e, now);
        }
        if e.status == ExecutionStatus::Preparing {
            e.status = ExecutionStatus::Running;
        }
        let targets: std::collections::BTreeSet<String> = e
            .servers()
            .filter(|s| !s.status.is_final())
            .map(|s| s.target.clone())
            .collect();
        for target in targets {
            if self.next_poll.get(&target).is_some_and(|t| *t > now) {
                continue;
            }
            let cloud = self.cloud(&target)?;
            let read = match cloud.reversed() {
                Ok(other) => other.source_servers().await,
                Err(err) => Err(err),
            };
            let others = match read {
                Ok(list) => list,
                Err(err) => {
                    self.note_read_failure(e, now, &target, &err)?;
                    continue;
                }
            };
            let sent = self
                .follow_and_send(e, now, acting, &target, &others, cloud)
                .await?;
            let wait = if sent {
                self.options.poll.ending
            } else if e
                .servers()
                .any(|s| s.target == target && s.status == ServerStatus::Launching)
            {
                self.options.poll.launching
            } else {
                self.options.poll.quiet
            };
            self.next_poll.insert(
                target,
                now + time::Duration::try_from(wait).unwrap_or(time::Duration::SECOND),
            );
        }
        if e.servers().all(|s| s.status.is_final()) {
            let failed = e.servers().any(|s| s.status == ServerStatus::Failed);
            e.status = if failed {
                ExecutionStatus::Failed
            } else {
                ExecutionStatus::Completed
            };
            if failed {
                e.failure = Some("reversed replication was refused for some servers".into());
            }
            e.ended_at = Some(super::rfc3339(now));
            for w in &mut e.waves {
                w.status = if w.servers.iter().any(|s| s.status == ServerStatus::Failed) {
                    super::WaveStatus::Failed
                } else {
                    super::WaveStatus::Completed
                };
                w.ended_at = e.ended_at.clone();
            }
            self.record(e, Event::Ended { status: e.status })?;
        }
        Ok(())
    }

    /// Cancelled: the engine stops following. Replication already started goes on in DRS
    /// (stopping it is a separate, deliberate act).
    fn stop_following(
        &mut self,
        e: &mut Execution,
        now: OffsetDateTime,
    ) -> Result<(), EngineError> {
        for w in &mut e.waves {
            for s in &mut w.servers {
                if !s.status.is_final() {
                    let started = s
                        .reversal
                        .as_ref()
                        .is_some_and(|r| r.sent || r.source_server_id.is_some());
                    s.status = ServerStatus::NotRun;
                    s.failure = Some(if started {
                        "no longer followed (cancelled); its reversed replication goes on in DRS"
                            .into()
                    } else {
                        "not started (cancelled)".into()
                    });
                }
            }
            if !w.status.is_final() {
                w.status = super::WaveStatus::Skipped;
            }
        }
        e.status = ExecutionStatus::Cancelled;
        e.ended_at = Some(super::rfc3339(now));
        self.record(e, Event::Ended { status: e.status })
    }

    fn note_read_failure(
        &mut self,
        e: &mut Execution,
        now: OffsetDateTime,
        target: &str,
        err: &CloudError,
    ) -> Result<(), EngineError> {
        let ids: Vec<String> = e
            .servers()
            .filter(|s| s.target == target && !s.status.is_final())
            .map(|s| s.source_server_id.clone())
            .collect();
        for id in &ids {
            if let Some(s) = e.server_mut(id) {
                s.retry
                    .failed(now, err.to_string(), &format!("reverse {id}"));
            }
        }
        self.next_poll.insert(
            target.to_string(),
            now + time::Duration::try_from(self.options.poll.launching)
                .unwrap_or(time::Duration::SECOND),
        );
        self.record(
            e,
            Event::Retrying {
                what: format!("reading the source servers of the other region ({target})"),
                error: err.to_string(),
            },
        )
    }

    /// Updates each server of `target` from `others`, then sends `ReverseReplication` for the
    /// ones with nothing to find. Returns whether anything was sent.
    async fn follow_and_send(
        &mut self,
        e: &mut Execution,
        now: OffsetDateTime,
        acting: bool,
        target: &str,
        others: &[SourceServer],
        cloud: Arc<dyn Cloud>,
    ) -> Result<bool, EngineError> {
        let direction = wanted_direction(e);
        let at = super::rfc3339(now);
        let ids: Vec<String> = e
            .servers()
            .filter(|s| s.target == target && !s.status.is_final())
            .map(|s| s.source_server_id.clone())
            .collect();
        let mut reversed = Vec::new();
        let mut in_sync = Vec::new();
        let mut to_send: Vec<(String, String, String)> = Vec::new();
        for id in &ids {
            let Some(s) = e.server_mut(id) else { continue };
            let name = s.name.clone();
            let Some(rev) = s.reversal.as_mut() else {
                s.status = ServerStatus::Failed;
                s.failure = Some("it has no recovery instance to reverse".into());
                continue;
            };
            match find(
                others,
                &rev.ec2_instance_id,
                rev.source_server_id.as_deref(),
                direction,
            ) {
                Some(found) => {
                    let first = rev.source_server_id.as_deref() != Some(found.id.as_str());
                    rev.source_server_id = Some(found.id.clone());
                    rev.uncertain = false;
                    rev.state = found
                        .replication_state
                        .as_ref()
                        .map(|st| st.as_str().to_string());
                    rev.sync_percent = found.initial_sync_percent;
                    rev.lag_seconds = found.lag_seconds;
                    rev.read_at = Some(at.clone());
                    s.retry.clear();
                    if first {
                        reversed.push(format!("{name} → {}", found.id));
                    }
                    if found.replication_state == Some(ReplicationState::Continuous) {
                        s.status = ServerStatus::Launched;
                        s.ended_at = Some(at.clone());
                        in_sync.push(name);
                    } else {
                        if s.started_at.is_none() {
                            s.started_at = Some(at.clone());
                        }
                        s.status = ServerStatus::Launching;
                    }
                }
                None => {
                    let answered = rev.source_server_id.is_some() && !rev.uncertain;
                    if answered {
                        // DRS answered with its ID and does not list it yet: look again.
                        continue;
                    }
                    if acting && (!rev.sent || rev.uncertain) && s.retry.due(now) {
                        rev.sent = true;
                        to_send.push((id.clone(), name, rev.recovery_instance_id.clone()));
                    }
                }
            }
        }
        // One journal write per kind of news, whatever the number of servers.
        if !reversed.is_empty() {
            self.record(e, Event::Reversed { servers: reversed })?;
        }
        if !in_sync.is_empty() {
            self.record(e, Event::InSync { servers: in_sync })?;
        }
        if to_send.is_empty() {
            return Ok(false);
        }
        for (id, _, _) in &to_send {
            if let Some(s) = e.server_mut(id) {
                s.status = ServerStatus::Launching;
                if s.started_at.is_none() {
                    s.started_at = Some(at.clone());
                }
            }
        }
        // Written down before anything is sent.
        self.record(
            e,
            Event::Reversing {
                servers: to_send.iter().map(|(_, n, _)| n.clone()).collect(),
            },
        )?;
        let answers: Vec<(String, Result<String, CloudError>)> = super::concurrently(
            to_send
                .iter()
                .map(|(id, _, ri)| -> super::Boxed<'static, _> {
                    let cloud = cloud.clone();
                    let (id, ri) = (id.clone(), ri.clone());
                    Box::pin(async move {
                        let r = cloud.reverse_replication(&ri).await;
                        (id, r)
                    })
                })
                .collect(),
            self.options.read_concurrency,
        )
        .await;
        let names: BTreeMap<String, String> = to_send
            .into_iter()
            .map(|(id, name, _)| (id, name))
            .collect();
        let mut answered = Vec::new();
        for (id, r) in answers {
            let name = names.get(&id).cloned().unwrap_or_default();
            let Some(s) = e.server_mut(&id) else { continue };
            match r {
                Ok(reversed) => {
                    if let Some(rev) = s.reversal.as_mut() {
                        rev.source_server_id = Some(reversed.clone());
                        rev.uncertain = false;
                        rev.state = Some("INITIATING".into());
                    }
                    s.retry.clear();
                    answered.push(format!("{name} → {reversed}"));
                }
                Err(err) if outcome(&err) == Outcome::Refused => {
                    s.status = ServerStatus::Failed;
                    s.ended_at = Some(at.clone());
                    let why = format!("ReverseReplication was refused: {err}");
                    s.failure = Some(why.clone());
                    self.record(e, Event::ServerNotLaunched { server: name, why })?;
                }
                Err(err) => {
                    if let Some(rev) = s.reversal.as_mut() {
                        rev.uncertain = true;
                    }
                    s.retry
                        .failed(now, err.to_string(), &format!("reverse {id}"));
                    self.record(
                        e,
                        Event::Retrying {
                            what: format!(
                                "reversing the replication of {name} (looked for before it is sent again)"
                            ),
                            error: err.to_string(),
                        },
                    )?;
                }
            }
        }
        if !answered.is_empty() {
            self.record(e, Event::Reversed { servers: answered })?;
        }
        Ok(true)
    }
}
