//! The way back for a failback's servers, before they launch. When its wave runs, each server
//! of a failback has, in order: its original instance tagged `AWSDRS` and stopped when the user
//! chose so; its recovery-region instance stopped, so the last writes replicate; its failback
//! source server's launch-into set to the original instance (or cleared, for a new instance),
//! confirmed by DRS's answer; and the lag of its failback source server under the threshold.
//! Each change is written down before it is sent; stops and tags may be sent again safely, and
//! every state is read back before the next step. Only then may the server launch — into its
//! original instance, with the instance ID and private IP checked like any launch-into.

use super::journal::Event;
use super::model::{Direction, ExecutionKind, OriginalUse, ServerStatus, WaveStatus};
use super::retry::{outcome, Outcome};
use super::{Engine, EngineError, Execution};
use crate::cloud::CloudError;
use crate::inventory::{InstanceState, ReplicationState};
use crate::launch::{LaunchConfigurationUpdate, AWSDRS_TAG};
use std::collections::BTreeMap;
use std::time::Duration;
use time::OffsetDateTime;

/// How long before a stop or the lag is read again (clock time).
const LOOK_AGAIN: Duration = Duration::from_secs(10);

/// Where one server is on its way back.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Next {
    PrepareOriginal,
    StopRecoveryInstance,
    ReadBack,
    SetLaunchInto,
    Lag,
}

impl Engine<'_> {
    /// Moves the servers of a failback's running waves towards their launch.
    pub(super) async fn drain(
        &mut self,
        e: &mut Execution,
        now: OffsetDateTime,
        may_change: bool,
    ) -> Result<(), EngineError> {
        if e.kind != ExecutionKind::Recovery || e.direction != Direction::Failback {
            return Ok(());
        }
        let mut work: BTreeMap<String, Vec<(String, Next)>> = BTreeMap::new();
        for w in e.waves.iter().filter(|w| w.status == WaveStatus::Running) {
            for s in &w.servers {
                let Some(d) = &s.drain else { continue };
                if d.done || s.status.is_final() || s.batch.is_some() || !s.retry.due(now) {
                    continue;
                }
                let next = if d.original_use == OriginalUse::PrepareThenLaunchInto
                    && !d.original_prepare_sent
                {
                    Next::PrepareOriginal
                } else if !d.stop_sent {
                    Next::StopRecoveryInstance
                } else if !d.stopped
                    || (d.original_use == OriginalUse::PrepareThenLaunchInto && !d.original_ready)
                {
                    Next::ReadBack
                } else if !d.launch_set {
                    Next::SetLaunchInto
                } else {
                    Next::Lag
                };
                work.entry(s.target.clone())
                    .or_default()
                    .push((s.source_server_id.clone(), next));
            }
        }
        for (target, list) in work {
            self.drain_target(e, now, may_change, &target, list).await?;
        }
        Ok(())
    }

    async fn drain_target(
        &mut self,
        e: &mut Execution,
        now: OffsetDateTime,
        may_change: bool,
        target: &str,
        list: Vec<(String, Next)>,
    ) -> Result<(), EngineError> {
        let origin = self.cloud(target)?;
        let recovery = match origin.reversed() {
            Ok(c) => c,
            Err(err) => {
                for (id, _) in &list {
                    self.drain_failed(e, now, id, "reaching the recovery region", &err)?;
                }
                return Ok(());
            }
        };
        let of = |n: Next| -> Vec<String> {
            list.iter()
                .filter(|(_, x)| *x == n)
                .map(|(id, _)| id.clone())
                .collect()
        };
        // 1. Originals the user chose to prepare: tagged, then stopped.
        let prepare = of(Next::PrepareOriginal);
        if may_change && !prepare.is_empty() {
            let mut instances = Vec::new();
            let mut named = Vec::new();
            for id in &prepare {
                let Some(s) = e.server_mut(id) else { continue };
                let name = s.name.clone();
                let Some(d) = s.drain.as_mut() else { continue };
                d.original_prepare_sent = true;
                if let Some(i) = d.original_instance_id.clone() {
                    named.push(format!("{name}: {i}"));
                    instances.push((id.clone(), i));
                }
            }
            if !named.is_empty() {
                self.record(e, Event::PreparingOriginals { servers: named })?;
            }
            let ids: Vec<String> = instances.iter().map(|(_, i)| i.clone()).collect();
            if !ids.is_empty() {
                let tags = BTreeMap::from([(AWSDRS_TAG.0.to_string(), AWSDRS_TAG.1.to_string())]);
                let r = match origin.tag_instances(&ids, &tags).await {
                    Ok(()) => origin.stop_instances(&ids).await,
                    Err(err) => Err(err),
                };
                if let Err(err) = r {
                    for (id, _) in &instances {
                        if let Some(d) = e.server_mut(id).and_then(|s| s.drain.as_mut()) {
                            d.original_prepare_sent = false;
                        }
                        self.drain_failed(
                            e,
                            now,
                            id,
                            "tagging and stopping its original instance",
                            &err,
                        )?;
                    }
                }
            }
        }
        // 2. Recovery-region instances stopped, so their last writes replicate.
        let stop = of(Next::StopRecoveryInstance);
        if may_change && !stop.is_empty() {
            let mut ids = Vec::new();
            let mut owners = Vec::new();
            for id in &stop {
                if let Some(d) = e.server_mut(id).and_then(|s| s.drain.as_mut()) {
                    d.stop_sent = true;
                    match d.recovery_ec2_instance_id.clone() {
                        Some(i) => {
                            ids.push(i);
                            owners.push(id.clone());
                        }
                        None => d.stopped = true,
                    }
                }
            }
            self.record(
                e,
                Event::StoppingForFailback {
                    instances: ids.clone(),
                },
            )?;
            if !ids.is_empty() {
                if let Err(err) = recovery.stop_instances(&ids).await {
                    for id in &owners {
                        if let Some(d) = e.server_mut(id).and_then(|s| s.drain.as_mut()) {
                            d.stop_sent = false;
                        }
                        self.drain_failed(e, now, id, "stopping its recovery instance", &err)?;
                    }
                }
            }
        }
        // 3. Read back: recovery instances stopped, originals stopped and tagged.
        let back = of(Next::ReadBack);
        if !back.is_empty() {
            let mut rec_ids = Vec::new();
            let mut orig_ids = Vec::new();
            for id in &back {
                if let Some(d) = e.server(id).and_then(|s| s.drain.as_ref()) {
                    if !d.stopped {
                        rec_ids.extend(d.recovery_ec2_instance_id.clone());
                    }
                    if d.original_use == OriginalUse::PrepareThenLaunchInto && !d.original_ready {
                        orig_ids.extend(d.original_instance_id.clone());
                    }
                }
            }
            let rec = if rec_ids.is_empty() {
                Ok(Vec::new())
            } else {
                recovery.instances(&rec_ids).await
            };
            let orig = if orig_ids.is_empty() {
                Ok(Vec::new())
            } else {
                origin.instances(&orig_ids).await
            };
            match (rec, orig) {
                (Ok(rec), Ok(orig)) => {
                    for id in &back {
                        let Some(s) = e.server_mut(id) else { continue };
                        let Some(d) = s.drain.as_mut() else { continue };
                        if !d.stopped {
                            let state = d.recovery_ec2_instance_id.as_ref().and_then(|i| {
                                rec.iter().find(|x| &x.id == i).map(|x| x.state.clone())
                            });
                            // Gone or terminated: nothing more can be written on it.
                            d.stopped = matches!(
                                state,
                                None | Some(InstanceState::Stopped)
                                    | Some(InstanceState::Terminated)
                            );
                        }
                        if d.original_use == OriginalUse::PrepareThenLaunchInto && !d.original_ready
                        {
                            d.original_ready = d.original_instance_id.as_ref().is_some_and(|i| {
                                orig.iter().any(|x| {
                                    &x.id == i
                                        && x.state == InstanceState::Stopped
                                        && x.allows_launch_into()
                                })
                            });
                        }
                        s.retry.wait(now, LOOK_AGAIN);
                    }
                }
                (Err(err), _) | (_, Err(err)) => {
                    for id in &back {
                        self.drain_failed(e, now, id, "reading its instances back", &err)?;
                    }
                }
            }
        }
        // 4. The failback source server's launch-into: the original, or none. Read
        // concurrently; the changes written down in one entry, then sent concurrently.
        let set = of(Next::SetLaunchInto);
        if may_change && !set.is_empty() {
            let wanted: BTreeMap<String, Option<String>> = set
                .iter()
                .filter_map(|id| {
                    let d = e.server(id)?.drain.as_ref()?;
                    let w = match d.original_use {
                        OriginalUse::NewInstance => None,
                        _ => d.original_instance_id.clone(),
                    };
                    Some((id.clone(), w))
                })
                .collect();
            let reads = super::concurrently(
                wanted
                    .keys()
                    .map(|id| -> super::Boxed<'static, _> {
                        let (cloud, id) = (origin.clone(), id.clone());
                        Box::pin(async move {
                            let r = cloud.launch_configuration(&id).await;
                            (id, r)
                        })
                    })
                    .collect(),
                self.options.read_concurrency,
            )
            .await;
            let mut changes = Vec::new();
            for (id, r) in reads {
                let want = wanted.get(&id).cloned().flatten();
                match r {
                    Ok(lc) if lc.launch_into_instance_id == want => {
                        if let Some(d) = e.server_mut(&id).and_then(|s| s.drain.as_mut()) {
                            d.launch_set = true;
                        }
                        self.read_back.insert(id, lc);
                    }
                    Ok(_) => changes.push((id, want)),
                    Err(err) => {
                        self.drain_failed(e, now, &id, "reading its launch configuration", &err)?
                    }
                }
            }
            if !changes.is_empty() {
                let named: Vec<String> = changes
                    .iter()
                    .map(|(id, w)| {
                        let name = e.server(id).map(|s| s.name.clone()).unwrap_or_default();
                        match w {
                            Some(i) => format!("{name} → {i}"),
                            None => format!("{name} → a new instance"),
                        }
                    })
                    .collect();
                self.record(e, Event::SettingLaunchInto { servers: named })?;
                let answers = super::concurrently(
                    changes
                        .into_iter()
                        .map(|(id, w)| -> super::Boxed<'static, _> {
                            let cloud = origin.clone();
                            Box::pin(async move {
                                let update = match &w {
                                    Some(i) => LaunchConfigurationUpdate::launch_into(&id, i),
                                    None => LaunchConfigurationUpdate {
                                        source_server_id: id.clone(),
                                        launch_into_instance_id: None,
                                        ..Default::default()
                                    },
                                };
                                let r = cloud.update_launch_configuration(&update).await;
                                (id, w, r)
                            })
                        })
                        .collect(),
                    self.options.read_concurrency,
                )
                .await;
                for (id, w, r) in answers {
                    match r {
                        Ok(after) if after.launch_into_instance_id == w => {
                            if let Some(d) = e.server_mut(&id).and_then(|s| s.drain.as_mut()) {
                                d.launch_set = true;
                            }
                            self.read_back.insert(id, after);
                        }
                        Ok(_) => {
                            // Read again on the next tick.
                            if let Some(s) = e.server_mut(&id) {
                                s.retry.wait(now, LOOK_AGAIN);
                            }
                        }
                        Err(err) => {
                            self.drain_failed(e, now, &id, "setting its launch-into", &err)?
                        }
                    }
                }
            }
        }
        // 5. The lag of each failback source server, once its instance is stopped.
        let lag = of(Next::Lag);
        if !lag.is_empty() {
            match origin.source_servers().await {
                Ok(servers) => {
                    let mut ready = Vec::new();
                    for id in &lag {
                        let found = servers.iter().find(|x| &x.id == id);
                        let Some(s) = e.server_mut(id) else { continue };
                        let name = s.name.clone();
                        let Some(d) = s.drain.as_mut() else { continue };
                        let Some(found) = found else {
                            let why =
                                "its failback source server no longer exists in the origin region"
                                    .to_string();
                            s.status = ServerStatus::Failed;
                            s.failure = Some(why.clone());
                            s.ended_at = Some(super::rfc3339(now));
                            self.record(e, Event::ServerNotLaunched { server: name, why })?;
                            continue;
                        };
                        d.lag_seconds = found.lag_seconds;
                        let continuous =
                            found.replication_state == Some(ReplicationState::Continuous);
                        let under = found.lag_seconds.is_some_and(|l| l <= d.max_lag_seconds);
                        if continuous && under {
                            d.done = true;
                            let lag = found.lag_seconds.unwrap_or(0);
                            ready.push(format!(
                                "{name} (lag {})",
                                crate::readiness::human_seconds(lag)
                            ));
                        } else {
                            s.retry.wait(now, LOOK_AGAIN);
                        }
                    }
                    if !ready.is_empty() {
                        self.record(e, Event::ReadyToFailBack { servers: ready })?;
                    }
                }
                Err(err) => {
                    for id in &lag {
                        self.drain_failed(e, now, id, "reading its replication lag", &err)?;
                    }
                }
            }
        }
        Ok(())
    }

    /// A step of the way back failed: a refusal fails the server (nothing launches), anything
    /// else is tried again later.
    fn drain_failed(
        &mut self,
        e: &mut Execution,
        now: OffsetDateTime,
        id: &str,
        doing: &str,
        err: &CloudError,
    ) -> Result<(), EngineError> {
        let Some(s) = e.server_mut(id) else {
            return Ok(());
        };
        let name = s.name.clone();
        if outcome(err) == Outcome::Refused {
            let why = format!("{doing} was refused: {err}; it does not fail back");
            s.status = ServerStatus::Failed;
            s.failure = Some(why.clone());
            s.ended_at = Some(super::rfc3339(now));
            self.record(e, Event::ServerNotLaunched { server: name, why })
        } else {
            s.retry.failed(now, err.to_string(), &format!("drain {id}"));
            self.record(
                e,
                Event::Retrying {
                    what: format!("{doing} ({name})"),
                    error: err.to_string(),
                },
            )
        }
    }
}
