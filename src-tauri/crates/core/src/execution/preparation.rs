//! Launch settings before a launch. A drill reads every server's launch configuration and
//! suspends every launch-into outside full-fidelity groups (so it launches a new instance and
//! no DR instance can be launched into or terminated); a full-fidelity drill and a recovery into
//! DR instances note the instance and private IP each server must come up as; a drill of a group
//! with a drill-only network moves its servers there right before their wave is admitted. A
//! server may launch only when all of that is confirmed by AWS. Reads run concurrently, first
//! for the waves that run, then ahead for the waves to come.

use super::journal::Event;
use super::model::{ExecutionKind, Isolated, ServerStatus, Suspended, WaveStatus};
use super::retry::{outcome, Outcome};
use super::{Engine, EngineError, Execution};
use crate::cloud::{Cloud, CloudError};
use crate::group::DrillNetwork;
use crate::launch::{LaunchConfiguration, LaunchConfigurationUpdate, LaunchTemplate};
use std::collections::BTreeMap;
use std::sync::Arc;
use time::OffsetDateTime;

/// Launch configurations read by the readiness check are used when at most this old.
const PREREAD_FRESH_SECONDS: i64 = 300;

impl Engine<'_> {
    /// Reads and makes safe the launch settings of the servers that are about to launch (and,
    /// when `ahead`, of servers of later waves); changes nothing in AWS unless `may_change`.
    pub(super) async fn prepare(
        &mut self,
        e: &mut Execution,
        now: OffsetDateTime,
        may_change: bool,
        ahead: bool,
    ) -> Result<(), EngineError> {
        self.drain(e, now, may_change).await?;
        self.check_settings(e, now, may_change, ahead).await?;
        if may_change && e.kind == ExecutionKind::Drill && !self.options.drill_networks.is_empty() {
            self.isolate(e, now).await?;
        }
        self.mark_ready(e);
        Ok(())
    }

    fn needs_read(&self, e: &Execution, group: &str) -> bool {
        match e.kind {
            ExecutionKind::Drill => true,
            ExecutionKind::Recovery => self.options.launch_into_groups.contains(group),
            ExecutionKind::Reprotect => false,
        }
    }

    /// A server may be admitted: settings checked and, for a drill with a drill network, the
    /// network confirmed.
    pub(super) fn ready(&self, e: &Execution, id: &str, group: &str) -> bool {
        let Some(s) = e.server(id) else {
            return false;
        };
        if !s.checked || s.drain.as_ref().is_some_and(|d| !d.done) {
            return false;
        }
        if e.kind == ExecutionKind::Drill && self.options.drill_networks.contains_key(group) {
            return e
                .isolated
                .iter()
                .any(|x| x.source_server_id == id && x.applied && !x.restored);
        }
        true
    }

    /// Servers of running waves show whether they wait for their settings or for room.
    fn mark_ready(&self, e: &mut Execution) {
        let states: Vec<(String, bool)> = e
            .waves
            .iter()
            .filter(|w| w.status == WaveStatus::Running)
            .flat_map(|w| w.servers.iter())
            .filter(|s| s.batch.is_none() && !s.status.is_final())
            .map(|s| {
                (
                    s.source_server_id.clone(),
                    self.ready(e, &s.source_server_id, &s.group),
                )
            })
            .collect();
        for (id, ready) in states {
            if let Some(s) = e.server_mut(&id) {
                s.status = if ready {
                    ServerStatus::Queued
                } else {
                    ServerStatus::Preparing
                };
            }
        }
    }

    async fn check_settings(
        &mut self,
        e: &mut Execution,
        now: OffsetDateTime,
        may_change: bool,
        ahead: bool,
    ) -> Result<(), EngineError> {
        let drill = e.kind == ExecutionKind::Drill;
        let mut budget = if ahead { self.options.prepare_ahead } else { 0 };
        let mut wanted: Vec<(String, String, String)> = Vec::new();
        let mut no_read: Vec<String> = Vec::new();
        for w in &e.waves {
            let running = w.status == WaveStatus::Running;
            let upcoming = matches!(w.status, WaveStatus::Pending | WaveStatus::WaitingApproval);
            if !running && !upcoming {
                continue;
            }
            for s in &w.servers {
                if s.checked || s.status.is_final() || s.batch.is_some() || !s.retry.due(now) {
                    continue;
                }
                // A failback server's settings are read once its way back is ready.
                if s.drain.as_ref().is_some_and(|d| !d.done) {
                    continue;
                }
                if !self.needs_read(e, &s.group) {
                    no_read.push(s.source_server_id.clone());
                    continue;
                }
                if !running {
                    if budget == 0 {
                        continue;
                    }
                    budget -= 1;
                }
                wanted.push((
                    s.target.clone(),
                    s.source_server_id.clone(),
                    s.group.clone(),
                ));
            }
        }
        for id in no_read {
            if let Some(s) = e.server_mut(&id) {
                s.checked = true;
            }
        }
        if wanted.is_empty() {
            return Ok(());
        }
        // Launch configurations the readiness check read moments ago count as this read.
        let fresh: BTreeMap<String, LaunchConfiguration> = match &self.options.preread {
            Some((at, map))
                if super::model::parse(at)
                    .is_some_and(|t| (now - t).whole_seconds().abs() <= PREREAD_FRESH_SECONDS) =>
            {
                map.clone()
            }
            _ => BTreeMap::new(),
        };
        let mut results: Vec<(String, String, Result<LaunchConfiguration, CloudError>)> =
            Vec::new();
        let mut to_read: Vec<(String, String, Arc<dyn Cloud>)> = Vec::new();
        for (target, id, _) in &wanted {
            // What a failback's way back just read or set (AWS's own answer) is this read.
            if let Some(lc) = self.read_back.remove(id) {
                results.push((target.clone(), id.clone(), Ok(lc)));
                continue;
            }
            let used_before = e.suspended.iter().any(|s| s.before.source_server_id == *id)
                || e.server(id).is_some_and(|s| s.retry.attempts > 0);
            match fresh.get(id) {
                Some(lc) if !used_before => {
                    results.push((target.clone(), id.clone(), Ok(lc.clone())));
                }
                _ => to_read.push((target.clone(), id.clone(), self.cloud(target)?)),
            }
        }
        let read: Vec<(String, String, Result<LaunchConfiguration, CloudError>)> =
            super::concurrently(
                to_read
                    .into_iter()
                    .map(|(target, id, cloud)| -> super::Boxed<'static, _> {
                        Box::pin(async move {
                            let r = cloud.launch_configuration(&id).await;
                            (target, id, r)
                        })
                    })
                    .collect(),
                self.options.read_concurrency,
            )
            .await;
        results.extend(read);
        // Keep the plan's order, whatever order the answers came in.
        let order: BTreeMap<&str, usize> = wanted
            .iter()
            .enumerate()
            .map(|(i, (_, id, _))| (id.as_str(), i))
            .collect();
        results.sort_by_key(|(_, id, _)| order.get(id.as_str()).copied().unwrap_or(usize::MAX));

        let mut to_suspend: Vec<(String, LaunchConfiguration)> = Vec::new();
        let mut expected: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
        let mut confirmed = Vec::new();
        for (target, id, r) in results {
            let group = e.server(&id).map(|s| s.group.clone()).unwrap_or_default();
            let full = self.options.full_fidelity_groups.contains(&group);
            match r {
                Ok(lc) => {
                    if drill && !full {
                        match &lc.launch_into_instance_id {
                            None => {
                                if let Some(sus) = e
                                    .suspended
                                    .iter_mut()
                                    .find(|s| s.before.source_server_id == id && !s.confirmed)
                                {
                                    sus.confirmed = true;
                                    sus.retry.clear();
                                    confirmed.push(id.clone());
                                }
                                if let Some(s) = e.server_mut(&id) {
                                    s.checked = true;
                                    s.retry.clear();
                                }
                            }
                            Some(_) => to_suspend.push((target, lc)),
                        }
                    } else {
                        match &lc.launch_into_instance_id {
                            Some(i) => expected.entry(target).or_default().push((id, i.clone())),
                            None => {
                                if let Some(s) = e.server_mut(&id) {
                                    s.checked = true;
                                    s.retry.clear();
                                }
                            }
                        }
                    }
                }
                Err(err) => {
                    self.setting_failed(e, now, &id, "reading its launch configuration", &err)?
                }
            }
        }
        if !confirmed.is_empty() {
            self.record(e, Event::SuspensionsConfirmed { servers: confirmed })?;
        }
        if may_change && !to_suspend.is_empty() {
            self.suspend(e, now, to_suspend).await?;
        }
        for (target, list) in expected {
            self.note_expected(e, now, &target, list).await?;
        }
        Ok(())
    }

    /// A server's setting could not be read or changed: a refusal fails it (it is not launched,
    /// so nothing it could launch into is touched); anything else is retried later.
    fn setting_failed(
        &self,
        e: &mut Execution,
        now: OffsetDateTime,
        id: &str,
        doing: &str,
        err: &CloudError,
    ) -> Result<(), EngineError> {
        let Some(s) = e.server_mut(id) else {
            return Ok(());
        };
        if outcome(err) == Outcome::Refused {
            let why = format!("{doing} was refused: {err}; it is not launched");
            s.status = ServerStatus::Failed;
            s.failure = Some(why.clone());
            s.ended_at = Some(super::rfc3339(now));
            self.record(
                e,
                Event::ServerNotLaunched {
                    server: id.to_string(),
                    why,
                },
            )
        } else {
            s.retry
                .failed(now, err.to_string(), &format!("settings {id}"));
            self.record(
                e,
                Event::Retrying {
                    what: format!("{doing} ({id})"),
                    error: err.to_string(),
                },
            )
        }
    }

    /// Suspends launch-into for the drill: written down first, then cleared; confirmed by
    /// DRS's answer (or, after an error, by a later read).
    async fn suspend(
        &mut self,
        e: &mut Execution,
        now: OffsetDateTime,
        list: Vec<(String, LaunchConfiguration)>,
    ) -> Result<(), EngineError> {
        let mut ids = Vec::new();
        let mut calls = Vec::new();
        for (target, lc) in list {
            let id = lc.source_server_id.clone();
            if !e.suspended.iter().any(|s| s.before.source_server_id == id) {
                e.suspended.push(Suspended {
                    target: target.clone(),
                    before: lc.clone(),
                    confirmed: false,
                    restored: false,
                    retry: Default::default(),
                });
            }
            ids.push(id.clone());
            calls.push((id, self.cloud(&target)?));
        }
        self.record(e, Event::Suspending { servers: ids })?;
        let answers: Vec<(String, Result<LaunchConfiguration, CloudError>)> = super::concurrently(
            calls
                .into_iter()
                .map(|(id, cloud)| -> super::Boxed<'static, _> {
                    Box::pin(async move {
                        let update = LaunchConfigurationUpdate {
                            source_server_id: id.clone(),
                            launch_into_instance_id: None,
                            ..Default::default()
                        };
                        let r = cloud.update_launch_configuration(&update).await;
                        (id, r)
                    })
                })
                .collect(),
            self.options.read_concurrency,
        )
        .await;
        let mut confirmed = Vec::new();
        for (id, r) in answers {
            match r {
                Ok(after) if after.launch_into_instance_id.is_none() => {
                    if let Some(sus) = e
                        .suspended
                        .iter_mut()
                        .find(|s| s.before.source_server_id == id)
                    {
                        sus.confirmed = true;
                        sus.retry.clear();
                    }
                    if let Some(s) = e.server_mut(&id) {
                        s.checked = true;
                        s.retry.clear();
                    }
                    confirmed.push(id);
                }
                Ok(after) => {
                    let err = CloudError::Service {
                        operation: "drs:UpdateLaunchConfiguration".into(),
                        code: "NotApplied".into(),
                        message: format!(
                            "DRS still shows launch-into {} after the update",
                            after.launch_into_instance_id.unwrap_or_default()
                        ),
                        request_id: None,
                    };
                    self.setting_failed(e, now, &id, "suspending its launch-into setting", &err)?;
                }
                Err(err) => {
                    self.setting_failed(e, now, &id, "suspending its launch-into setting", &err)?
                }
            }
        }
        if !confirmed.is_empty() {
            self.record(e, Event::SuspensionsConfirmed { servers: confirmed })?;
        }
        Ok(())
    }

    /// Notes the DR instance (and its private IP) each launch-into server must come up as.
    async fn note_expected(
        &mut self,
        e: &mut Execution,
        now: OffsetDateTime,
        target: &str,
        list: Vec<(String, String)>,
    ) -> Result<(), EngineError> {
        let cloud = self.cloud(target)?;
        let ids: Vec<String> = list.iter().map(|(_, i)| i.clone()).collect();
        match cloud.instances(&ids).await {
            Ok(found) => {
                for (server, instance) in list {
                    if let Some(s) = e.server_mut(&server) {
                        s.expected_private_ip = found
                            .iter()
                            .find(|x| x.id == instance)
                            .and_then(|x| x.private_ip.clone());
                        s.expected_instance_id = Some(instance);
                        s.checked = true;
                        s.retry.clear();
                    }
                }
                Ok(())
            }
            Err(err) => {
                for (server, _) in &list {
                    if let Some(s) = e.server_mut(server) {
                        s.retry
                            .failed(now, err.to_string(), &format!("settings {server}"));
                    }
                }
                self.record(
                    e,
                    Event::Retrying {
                        what: format!("reading the DR instances of {} server(s)", list.len()),
                        error: err.to_string(),
                    },
                )
            }
        }
    }

    /// Moves the servers of running waves whose group has a drill-only network there, the
    /// recovery template written down first; confirmed by EC2's answer or a later read.
    async fn isolate(&mut self, e: &mut Execution, now: OffsetDateTime) -> Result<(), EngineError> {
        let wanted: Vec<(String, String, String, DrillNetwork)> = e
            .waves
            .iter()
            .filter(|w| w.status == WaveStatus::Running && !w.timed_out)
            .flat_map(|w| {
                w.servers
                    .iter()
                    .filter(|s| s.checked && s.batch.is_none() && !s.status.is_final())
                    .filter(|s| s.retry.due(now))
                    .filter_map(|s| {
                        self.options.drill_networks.get(&s.group).map(|n| {
                            (
                                w.name.clone(),
                                s.target.clone(),
                                s.source_server_id.clone(),
                                n.clone(),
                            )
                        })
                    })
                    .collect::<Vec<_>>()
            })
            .collect();
        for (wave, target, id, network) in wanted {
            if e.isolated
                .iter()
                .any(|x| x.source_server_id == id && x.applied)
            {
                continue;
            }
            let cloud = self.cloud(&target)?;
            let existing = e
                .isolated
                .iter()
                .find(|x| x.source_server_id == id)
                .cloned();
            let before = match existing {
                Some(x) => {
                    // Written down before a crash or an unknown answer: look first.
                    match cloud.launch_template(&x.before.id).await {
                        Ok(current)
                            if current.subnet_id.as_deref() == Some(network.subnet_id.as_str()) =>
                        {
                            self.confirm_isolation(e, &id, &network)?;
                            continue;
                        }
                        Ok(_) => x.before,
                        Err(err) => {
                            self.setting_failed(
                                e,
                                now,
                                &id,
                                "moving it to the drill network",
                                &err,
                            )?;
                            continue;
                        }
                    }
                }
                None => {
                    let read = async {
                        let lc = cloud.launch_configuration(&id).await?;
                        let t = lc
                            .ec2_launch_template_id
                            .ok_or_else(|| CloudError::NotFound {
                                operation: "drs:GetLaunchConfiguration".into(),
                                message: format!("{id} has no EC2 launch template"),
                                request_id: None,
                            })?;
                        cloud.launch_template(&t).await
                    };
                    match read.await {
                        Ok(b) => {
                            e.isolated.push(Isolated {
                                target: target.clone(),
                                wave: wave.clone(),
                                source_server_id: id.clone(),
                                before: b.clone(),
                                drill_subnet_id: network.subnet_id.clone(),
                                applied: false,
                                restored: false,
                                retry: Default::default(),
                            });
                            b
                        }
                        Err(err) => {
                            self.setting_failed(
                                e,
                                now,
                                &id,
                                "moving it to the drill network",
                                &err,
                            )?;
                            continue;
                        }
                    }
                }
            };
            self.record(
                e,
                Event::Isolating {
                    server: id.clone(),
                    subnet: network.subnet_id.clone(),
                },
            )?;
            let result = async {
                let current = cloud.launch_template(&before.id).await?;
                cloud
                    .update_launch_template(&LaunchTemplate {
                        version: current.version,
                        ..drill_template(&before, &network)
                    })
                    .await
            }
            .await;
            match result {
                Ok(_) => self.confirm_isolation(e, &id, &network)?,
                Err(err) => {
                    self.setting_failed(e, now, &id, "moving it to the drill network", &err)?
                }
            }
        }
        Ok(())
    }

    fn confirm_isolation(
        &self,
        e: &mut Execution,
        id: &str,
        network: &DrillNetwork,
    ) -> Result<(), EngineError> {
        if let Some(x) = e.isolated.iter_mut().find(|x| x.source_server_id == id) {
            x.applied = true;
            x.retry.clear();
        }
        if let Some(s) = e.server_mut(id) {
            s.retry.clear();
        }
        self.record(
            e,
            Event::Isolated {
                server: id.to_string(),
                subnet: network.subnet_id.clone(),
            },
        )
    }
}

/// The drill-only network's launch template for a server whose template is `before`.
pub(super) fn drill_template(before: &LaunchTemplate, n: &DrillNetwork) -> LaunchTemplate {
    LaunchTemplate {
        subnet_id: Some(n.subnet_id.clone()),
        security_group_ids: if n.security_group_ids.is_empty() {
            before.security_group_ids.clone()
        } else {
            n.security_group_ids.clone()
        },
        private_ip: None,
        ..before.clone()
    }
}
