//! Failback and reprotect for a whole plan, for both faces: where a plan is in its lifecycle,
//! failback readiness, starting a reprotect, a failback drill or a failback (the same engine,
//! journal, lease and live view as any execution), and the cleanup that brings a plan back to
//! normal (listed first, done only when confirmed).

use crate::error::{AppError, ErrorCode};
use crate::execute;
use crate::executions::Ready;
use crate::App;
use drs_core::execution::{self, Clouds, DriveOptions, Execution, ExecutionKind, ExecutionStatus};
use drs_core::failback::{self, FailbackReadiness, Lifecycle, OriginalChoice};
use drs_core::inventory::Ec2Instance;
use drs_core::readiness::Thresholds;
use drs_store::Store;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// The settings key under which a plan's last failback cleanup is recorded.
fn cleaned_key(plan: &str) -> String {
    format!("failback.cleanedUp.{plan}")
}

/// The plan's executions of its current lifecycle: the last recovery, the reprotect, the
/// failback and the protect-again that followed it (the newest of each).
#[derive(Debug, Default)]
pub struct Phases {
    /// The last real recovery.
    pub recovery: Option<Execution>,
    /// The last reprotect after it.
    pub reprotect: Option<Execution>,
    /// The last failback after it.
    pub failback: Option<Execution>,
    /// The last reprotect after the failback.
    pub protect_again: Option<Execution>,
}

fn lifecycle_of(store: &Store, plan: &str) -> Result<(Lifecycle, Phases), AppError> {
    store.plan(plan)?;
    let rows: Vec<failback::ExecutionRow> = store
        .executions(10_000)?
        .into_iter()
        .filter(|e| e.plan == plan)
        .map(|e| {
            (
                e.id,
                e.kind,
                e.direction,
                e.status,
                e.started_at,
                e.ended_at,
            )
        })
        .collect();
    let cleaned: Option<String> = store.setting(&cleaned_key(plan))?;
    let life = failback::lifecycle(plan, &rows, cleaned.as_deref());
    let mut phases = Phases::default();
    for step in &life.steps {
        let slot = match step.phase.as_str() {
            "recovery" => &mut phases.recovery,
            "reprotect" => &mut phases.reprotect,
            "failback" => &mut phases.failback,
            "protect again" => &mut phases.protect_again,
            _ => continue,
        };
        *slot = Some(store.execution(&step.execution)?);
    }
    Ok((life, phases))
}

/// What failback readiness read: the verdict, the recovery region's connections and clock, and
/// its source servers per target.
struct FailbackRead {
    readiness: FailbackReadiness,
    forward: Clouds,
    clock: Arc<dyn execution::Clock>,
    servers: BTreeMap<String, Vec<drs_core::inventory::SourceServer>>,
}

/// A failback's cleanup, listed (and, once confirmed, done).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub struct FailbackCleanup {
    /// Plan.
    pub plan: String,
    /// Failback source servers (origin region) whose replication is stopped.
    pub stop_replication: Vec<CleanupLine>,
    /// Old recovery instances (recovery region) terminated.
    pub terminate: Vec<CleanupLine>,
    /// Old recovery instances kept (DR instances, termination protection, or the user's
    /// choice): disconnected from DRS, never terminated.
    pub keep: Vec<CleanupLine>,
    /// It was done (not only listed).
    pub done: bool,
    /// What happened, per line, when done.
    pub results: Vec<String>,
}

/// One thing a cleanup acts on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub struct CleanupLine {
    /// Server name.
    pub server: String,
    /// Target.
    pub target: String,
    /// The source server or recovery instance.
    pub id: String,
    /// Its EC2 instance, for a recovery instance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub ec2_instance_id: Option<String>,
    /// Why it is kept, when it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub why: Option<String>,
}

/// The confirmation rule for a failback (as for a recovery): the plan's name typed again.
pub fn confirm_failback(plan: &str, typed: Option<&str>) -> Result<(), AppError> {
    execute::confirm_recovery(plan, typed).map_err(|m| {
        AppError::new(
            ErrorCode::Invalid,
            m.replace("a real recovery", "a failback"),
        )
    })
}

/// Each target's connection for the region an execution acts in.
pub fn clouds_for(e: &Execution, forward: Clouds) -> Result<Clouds, AppError> {
    if !e.acts_in_origin() {
        return Ok(forward);
    }
    let mut out = Clouds::new();
    for (t, c) in forward {
        out.insert(t, c.reversed()?);
    }
    Ok(out)
}

/// How to drive an execution of the plan's groups: a failback launches every group into what
/// its servers' launch configurations name (the original instances); a failback drill isolates
/// the groups that name a failback drill network (an origin-region subnet) — drill networks
/// and full-fidelity drills are recovery-region settings and do not apply.
pub fn options_for(e: &Execution, groups: &[drs_core::group::ProtectionGroup]) -> DriveOptions {
    let mut o = DriveOptions::for_groups(groups);
    if e.acts_in_origin() {
        o.drill_networks = execution::failback_drill_network_groups(groups);
        o.full_fidelity_groups.clear();
        o.launch_into_groups = e.servers().map(|s| s.group.clone()).collect();
    }
    o
}

impl App {
    /// Where `plan` is between a disaster and normal again.
    pub fn lifecycle(&self, plan: &str) -> Result<Lifecycle, AppError> {
        self.with_store(|s| Ok(lifecycle_of(s, plan)?.0))
    }

    /// The plan's lifecycle executions.
    pub fn phases(&self, plan: &str) -> Result<Phases, AppError> {
        self.with_store(|s| Ok(lifecycle_of(s, plan)?.1))
    }

    /// Connections (recovery region) and the clock for the targets of `e`.
    async fn connect_for(
        &self,
        e: &Execution,
    ) -> Result<(Clouds, Arc<dyn execution::Clock>), AppError> {
        let targets: BTreeSet<String> = e.servers().map(|s| s.target.clone()).collect();
        let resolved = self
            .with_store_and_keychain(move |s, k| Ok(execute::resolve(s, k, &targets)?))
            .await?;
        Ok(execute::connect_all(resolved, self.sandbox()).await?)
    }

    /// Failback readiness of a recovered plan: each server's failback source server and
    /// original instance, with findings and remediation. `choice` says what the failback would
    /// do with originals that are running or untagged.
    pub async fn failback_readiness(
        &self,
        plan: &str,
        choice: OriginalChoice,
    ) -> Result<FailbackReadiness, AppError> {
        let phases = self.phases(plan)?;
        Ok(self.read_failback(plan, &phases, choice).await?.readiness)
    }

    /// Connects the targets of the plan's last recovery and reads what failback readiness
    /// needs; a failback starts from the same connections and source servers.
    async fn read_failback(
        &self,
        plan: &str,
        phases: &Phases,
        choice: OriginalChoice,
    ) -> Result<FailbackRead, AppError> {
        let recovery = phases.recovery.as_ref().ok_or_else(|| {
            AppError::new(
                ErrorCode::Invalid,
                format!("plan \"{plan}\" has no real recovery to fail back from"),
            )
        })?;
        let (clouds, clock) = self.connect_for(recovery).await?;
        let recovered = failback::recovered(recovery, phases.reprotect.as_ref());
        let thresholds: BTreeMap<String, Thresholds> =
            self.with_store(|s| Ok(crate::health::thresholds(s)?))?;
        let now = crate::rfc3339(clock.now());
        let mut all = FailbackReadiness {
            plan: plan.to_string(),
            checked_at: now.clone(),
            recovery_execution: recovery.id.clone(),
            reprotect_execution: phases.reprotect.as_ref().map(|r| r.id.clone()),
            ready: true,
            blockers: 0,
            warnings: 0,
            servers: Vec::new(),
            findings: Vec::new(),
        };
        let mut servers = BTreeMap::new();
        for (target, forward) in &clouds {
            let fwd = forward.source_servers().await?;
            let mine: Vec<failback::Recovered> = recovered
                .iter()
                .filter(|r| &r.target == target)
                .cloned()
                .collect();
            if !mine.is_empty() {
                let origin = forward.reversed()?;
                let back = origin.source_servers().await?;
                let original_ids: Vec<String> = mine
                    .iter()
                    .filter_map(|r| {
                        fwd.iter()
                            .find(|s| s.id == r.source_server_id)
                            .and_then(|s| s.origin_instance_id.clone())
                    })
                    .collect();
                let originals: Vec<Ec2Instance> = if original_ids.is_empty() {
                    Vec::new()
                } else {
                    origin.instances(&original_ids).await?
                };
                let rec_ids: Vec<String> = mine.iter().map(|r| r.ec2_instance_id.clone()).collect();
                let rec = forward.instances(&rec_ids).await?;
                let t = thresholds.get(target).copied().unwrap_or_default();
                let r = failback::assess(
                    plan,
                    &recovery.id,
                    phases.reprotect.as_ref().map(|r| r.id.as_str()),
                    &mine,
                    &fwd,
                    &back,
                    &originals,
                    &rec,
                    &t,
                    choice,
                    &now,
                );
                all.servers.extend(r.servers);
                all.findings.extend(r.findings);
            }
            servers.insert(target.clone(), fwd);
        }
        all.blockers = all
            .findings
            .iter()
            .filter(|f| f.severity == drs_core::readiness::Severity::Blocker)
            .count();
        all.warnings = all.findings.len() - all.blockers;
        all.ready = all.blockers == 0 && !all.servers.is_empty();
        Ok(FailbackRead {
            readiness: all,
            forward: clouds,
            clock,
            servers,
        })
    }

    /// Starts a reprotect of `plan`: after a recovery, reversed replication of each recovery
    /// instance towards the origin region; after a failback, the failed-back instances
    /// protected towards the recovery region again. A second reprotect finds what exists.
    pub async fn start_reprotect(&self, plan: &str, face: &str) -> Result<Ready, AppError> {
        let phases = self.phases(plan)?;
        let (template, direction, what) = match (&phases.failback, &phases.recovery) {
            (Some(f), _) if f.status == ExecutionStatus::Completed => (
                f.clone(),
                execution::Direction::Failover,
                "protect the failed-back instances again",
            ),
            (Some(f), _) if !f.status.is_final() => {
                return Err(AppError::new(
                    ErrorCode::Conflict,
                    format!(
                        "failback {} of plan \"{plan}\" has not ended: let it finish before protecting the plan again",
                        f.id
                    ),
                ))
            }
            (_, Some(r)) if r.status.is_final() => (
                r.clone(),
                execution::Direction::Failback,
                "replicate the recovered instances back to their origin region",
            ),
            (_, Some(r)) => {
                return Err(AppError::new(
                    ErrorCode::Conflict,
                    format!("recovery {} of plan \"{plan}\" has not ended: reprotect it once it has", r.id),
                ))
            }
            (_, None) => {
                return Err(AppError::new(
                    ErrorCode::Invalid,
                    format!("plan \"{plan}\" has no real recovery to reprotect"),
                ))
            }
        };
        for running in [&phases.reprotect, &phases.protect_again]
            .into_iter()
            .flatten()
        {
            if !running.status.is_final() && running.direction == direction {
                return Err(AppError::new(
                    ErrorCode::Conflict,
                    format!(
                        "reprotect {} of plan \"{plan}\" is still running: see it (drs-orchestrator executions show {}) or, if its process ended, resume it (drs-orchestrator executions resume {})",
                        running.id, running.id, running.id
                    ),
                ));
            }
        }
        let (forward, clock) = self.connect_for(&template).await?;
        let mut e = failback::reprotect_execution(
            &execute::new_id(),
            &template,
            direction,
            self.actor(),
            &crate::rfc3339(clock.now()),
        );
        if e.servers().next().is_none() {
            return Err(AppError::new(
                ErrorCode::Invalid,
                format!(
                    "execution {} launched no server: nothing to reprotect",
                    template.id
                ),
            ));
        }
        let clouds = clouds_for(&e, forward)?;
        e.identities = execute::identities(&clouds).await;
        let groups = self.with_store(|s| Ok(s.groups()?))?;
        let options = options_for(&e, &groups);
        self.with_store(|s| {
            Ok(s.audit_event(
                self.actor(),
                "execution.reprotect",
                "plan",
                plan,
                serde_json::json!({
                    "execution": e.id,
                    "from": template.id,
                    "direction": e.direction,
                    "what": what,
                    "servers": e.servers().count(),
                    "actingAs": e.identities,
                }),
            )?)
        })?;
        self.begin_execution(e, clouds, clock, options, face)
    }

    /// Starts a failback drill (`drill`) or a failback of `plan` (confirmed with the plan's
    /// name): the servers failback readiness finds ready, in the plan's waves (or their
    /// reverse, as the plan says).
    pub async fn start_failback(
        &self,
        plan: &str,
        drill: bool,
        choice: OriginalChoice,
        override_readiness: bool,
        confirm: Option<&str>,
        face: &str,
    ) -> Result<Ready, AppError> {
        if !drill {
            confirm_failback(plan, confirm)?;
        }
        let phases = self.phases(plan)?;
        if let Some(f) = phases
            .failback
            .as_ref()
            .filter(|f| f.status == ExecutionStatus::Completed)
        {
            return Err(AppError::new(
                ErrorCode::Conflict,
                format!("plan \"{plan}\" already failed back ({}): protect it again with drs-orchestrator reprotect --plan {plan}", f.id),
            ));
        }
        let FailbackRead {
            readiness,
            forward,
            clock,
            servers,
        } = self.read_failback(plan, &phases, choice).await?;
        if !readiness.ready && !override_readiness {
            let first: Vec<String> = readiness
                .findings
                .iter()
                .filter(|f| f.severity == drs_core::readiness::Severity::Blocker)
                .take(3)
                .map(|f| f.message.clone())
                .collect();
            return Err(AppError::new(
                ErrorCode::NotReady,
                format!(
                    "plan \"{plan}\" is not ready to fail back: {} blocker(s), e.g. {}. See drs-orchestrator failback --plan {plan} --check",
                    readiness.blockers,
                    first.join("; ")
                ),
            ));
        }
        if readiness.servers.iter().all(|s| !s.ready) {
            return Err(AppError::new(
                ErrorCode::NotReady,
                format!("no server of plan \"{plan}\" is ready to fail back"),
            ));
        }
        let recovery = phases.recovery.clone().ok_or_else(|| {
            AppError::new(
                ErrorCode::Invalid,
                format!("plan \"{plan}\" has no real recovery"),
            )
        })?;
        // The plan as it is now, its servers as the recovery region's DRS listed them for the
        // readiness check.
        let name = plan.to_string();
        let (plan_def, revision, groups) = self.with_store(move |s| {
            let p = s.plan(&name)?;
            Ok((p.plan.clone(), p.revision, s.groups()?))
        })?;
        let id = execute::new_id();
        let kind = if drill {
            ExecutionKind::Drill
        } else {
            ExecutionKind::Recovery
        };
        let setup = execution::prepare(
            &id,
            &plan_def,
            revision,
            &groups,
            &servers,
            kind,
            self.actor(),
            &crate::rfc3339(clock.now()),
            true,
        )
        .map_err(|e| AppError::new(ErrorCode::Invalid, e.to_string()))?;
        let max_lag = self.with_store(|s| {
            let t = crate::health::thresholds(s)?;
            Ok(recovery
                .servers()
                .map(|x| {
                    t.get(&x.target)
                        .copied()
                        .unwrap_or_default()
                        .max_lag_seconds
                })
                .min()
                .unwrap_or_else(|| Thresholds::default().max_lag_seconds))
        })?;
        let mut e = failback::failback_execution(
            setup,
            &readiness,
            plan_def.failback_order.unwrap_or_default(),
            max_lag,
            drill,
        );
        let mine: BTreeSet<String> = e.servers().map(|s| s.source_server_id.clone()).collect();
        let holding = self.with_store(|s| Ok(s.executions_holding(&mine)?))?;
        if let Some((other, _)) = holding.first() {
            return Err(AppError::new(
                ErrorCode::Conflict,
                format!(
                    "{} {} of plan \"{}\" holds servers of this failback and has not ended ({})",
                    other.kind, other.id, other.plan, other.status
                ),
            ));
        }
        let clouds = clouds_for(&e, forward)?;
        e.identities = execute::identities(&clouds).await;
        let options = options_for(&e, &groups);
        self.with_store(|s| {
            Ok(s.audit_event_as(
                self.actor(),
                &e.identities
                    .values()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join("; "),
                if drill {
                    "execution.failbackDrill"
                } else {
                    "execution.failback"
                },
                "plan",
                plan,
                serde_json::json!({
                    "execution": e.id,
                    "recovery": recovery.id,
                    "revision": revision,
                    "servers": e.servers().count(),
                    "originals": choice,
                    "readinessOverridden": !readiness.ready,
                    "blockers": readiness.blockers,
                    "actingAs": e.identities,
                }),
            )?)
        })?;
        self.begin_execution(e, clouds, clock, options, face)
    }

    /// The failback's leftovers, listed; with `confirm` (the plan's name), done: replication of
    /// the failback source servers stopped, then the old recovery instances terminated — or
    /// kept (`keep`), and always kept when they are DR instances or protected from
    /// termination — and disconnected from DRS. Needs the plan protected again first.
    pub async fn failback_cleanup(
        &self,
        plan: &str,
        keep: bool,
        confirm: Option<&str>,
    ) -> Result<FailbackCleanup, AppError> {
        let phases = self.phases(plan)?;
        let (Some(recovery), Some(back), Some(again)) =
            (&phases.recovery, &phases.failback, &phases.protect_again)
        else {
            return Err(AppError::new(
                ErrorCode::Invalid,
                format!("plan \"{plan}\" has not failed back and been protected again: nothing to clean up yet"),
            ));
        };
        if again.status != ExecutionStatus::Completed {
            return Err(AppError::new(
                ErrorCode::Invalid,
                format!(
                    "plan \"{plan}\" is not protected again yet ({} is {}): clean up once it is",
                    again.id,
                    again.status.as_str()
                ),
            ));
        }
        let (forward, clock) = self.connect_for(recovery).await?;
        let mut listing = FailbackCleanup {
            plan: plan.to_string(),
            stop_replication: back
                .servers()
                .filter(|s| s.status == execution::ServerStatus::Launched)
                .map(|s| CleanupLine {
                    server: s.name.clone(),
                    target: s.target.clone(),
                    id: s.source_server_id.clone(),
                    ec2_instance_id: None,
                    why: None,
                })
                .collect(),
            terminate: Vec::new(),
            keep: Vec::new(),
            done: false,
            results: Vec::new(),
        };
        // The recovery instances as DRS and EC2 hold them now.
        for (target, cloud) in &forward {
            let ids: Vec<String> = recovery
                .servers()
                .filter(|s| &s.target == target)
                .filter_map(|s| s.recovery_instance_id.clone())
                .collect();
            let have: Vec<String> = cloud
                .recovery_instances()
                .await?
                .into_iter()
                .map(|r| r.recovery_instance_id)
                .filter(|r| ids.contains(r))
                .collect();
            let ec2: Vec<String> = recovery
                .servers()
                .filter(|s| {
                    s.recovery_instance_id
                        .as_ref()
                        .is_some_and(|r| have.contains(r))
                })
                .filter_map(|s| s.ec2_instance_id.clone())
                .collect();
            let instances = cloud.instances(&ec2).await?;
            let protected = cloud.termination_protected(&ec2).await?;
            for s in recovery.servers().filter(|s| &s.target == target) {
                let (Some(ri), Some(i)) = (&s.recovery_instance_id, &s.ec2_instance_id) else {
                    continue;
                };
                if !have.contains(ri) {
                    continue;
                }
                let inst = instances.iter().find(|x| &x.id == i);
                let dr = inst.is_some_and(|x| x.allows_launch_into());
                let why = if dr {
                    Some("a DR instance (tagged AWSDRS): kept for the next recovery".to_string())
                } else if protected.contains(i) {
                    Some("termination protection is on".to_string())
                } else if keep {
                    Some("kept as asked".to_string())
                } else {
                    None
                };
                let line = CleanupLine {
                    server: s.name.clone(),
                    target: target.clone(),
                    id: ri.clone(),
                    ec2_instance_id: Some(i.clone()),
                    why: why.clone(),
                };
                if why.is_some() {
                    listing.keep.push(line);
                } else {
                    listing.terminate.push(line);
                }
            }
        }
        let Some(typed) = confirm else {
            return Ok(listing);
        };
        confirm_failback(plan, Some(typed))?;
        // Replication of the failback source servers first: DRS refuses to terminate a
        // recovery instance that still replicates back.
        for line in &listing.stop_replication {
            let Some(cloud) = forward.get(&line.target) else {
                continue;
            };
            let origin = cloud.reversed()?;
            match origin.stop_replication(&line.id).await {
                Ok(()) => listing.results.push(format!(
                    "{}: replication of failback source server {} stopped",
                    line.server, line.id
                )),
                Err(err) => listing.results.push(format!(
                    "{}: stopping replication of {} failed: {err}",
                    line.server, line.id
                )),
            }
        }
        for (target, cloud) in &forward {
            let ids: Vec<String> = listing
                .terminate
                .iter()
                .filter(|l| &l.target == target)
                .map(|l| l.id.clone())
                .collect();
            for chunk in ids.chunks(200) {
                match cloud.terminate_recovery_instances(chunk).await {
                    Ok(job) => listing.results.push(format!(
                        "{} recovery instance(s) terminated on {target} (job {})",
                        chunk.len(),
                        job.job_id
                    )),
                    Err(err) => listing.results.push(format!(
                        "terminating {} recovery instance(s) on {target} failed: {err}",
                        chunk.len()
                    )),
                }
            }
            for line in listing.keep.iter().filter(|l| &l.target == target) {
                match cloud.disconnect_recovery_instance(&line.id).await {
                    Ok(()) => listing.results.push(format!(
                        "{}: recovery instance {} kept and disconnected from DRS",
                        line.server, line.id
                    )),
                    Err(err) => listing.results.push(format!(
                        "{}: disconnecting {} failed: {err}",
                        line.server, line.id
                    )),
                }
            }
        }
        let failed = listing.results.iter().any(|r| r.contains(" failed: "));
        listing.done = !failed;
        let key = cleaned_key(plan);
        let actor = self.actor().to_string();
        // On the executions' clock (the sandbox's simulated one on the sandbox).
        let when = crate::rfc3339(clock.now());
        let audit = serde_json::json!({
            "stopReplication": listing.stop_replication.len(),
            "terminate": listing.terminate.len(),
            "keep": listing.keep.len(),
            "results": listing.results,
        });
        self.with_store(|s| {
            if !failed {
                s.set_setting(&key, &when, &actor, false)?;
            }
            Ok(s.audit_event(&actor, "failback.cleanup", "plan", plan, audit)?)
        })?;
        Ok(listing)
    }
}

impl App {
    /// The failback report of `plan` (PDF, or its server table as CSV): the lifecycle with each
    /// phase's execution, each server's path there and back, failback readiness while the plan
    /// has not failed back (read from AWS), and what the cleanup did.
    pub async fn failback_report(
        &self,
        plan: &str,
        format: crate::reports::ReportFormat,
    ) -> Result<crate::reports::Made, AppError> {
        let name = plan.to_string();
        let (life, executions, cleanup, targets) = self.with_store(move |s| {
            let (life, _) = lifecycle_of(s, &name)?;
            let mut executions = BTreeMap::new();
            for step in &life.steps {
                executions.insert(step.execution.clone(), s.execution(&step.execution)?);
            }
            let cleanup: Vec<String> = s
                .audit(Some(&name), 200)?
                .into_iter()
                .find(|a| a.action == "failback.cleanup")
                .map(|a| {
                    let mut lines = vec![format!("{} by {}:", a.at, a.actor)];
                    lines.extend(
                        a.detail["results"]
                            .as_array()
                            .into_iter()
                            .flatten()
                            .filter_map(|r| r.as_str().map(|t| format!("  {t}"))),
                    );
                    lines
                })
                .unwrap_or_default();
            let used: BTreeSet<String> = executions
                .values()
                .flat_map(|e: &Execution| e.servers().map(|x| x.target.clone()))
                .collect();
            let targets: Vec<String> = s
                .targets()?
                .into_iter()
                .filter(|t| used.contains(&t.name))
                .map(|t| {
                    format!(
                        "{}: {}, {} → {}",
                        t.name, t.account_id, t.primary_region, t.recovery_region
                    )
                })
                .collect();
            Ok((life, executions, cleanup, targets))
        })?;
        let readiness = if matches!(
            life.phase,
            failback::Phase::Recovered
                | failback::Phase::Reprotecting
                | failback::Phase::ReadyToFailBack
        ) {
            self.failback_readiness(plan, OriginalChoice::Require)
                .await
                .ok()
        } else {
            None
        };
        let identity: Vec<String> = executions
            .values()
            .flat_map(|e| {
                e.identities
                    .iter()
                    .map(|(t, arn)| format!("{t}: {arn}"))
                    .collect::<Vec<_>>()
            })
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let story = drs_report::FailbackStory {
            lifecycle: life.clone(),
            executions,
            cleanup,
            readiness,
        };
        let now = time::OffsetDateTime::now_utc();
        let bytes = match format {
            crate::reports::ReportFormat::Pdf => drs_report::failback_pdf(
                &story,
                &drs_report::ReportContext {
                    targets,
                    identity,
                    generated_at: now,
                    version: env!("CARGO_PKG_VERSION").into(),
                    target_thresholds: vec![],
                },
            )
            .map_err(|e| AppError::new(ErrorCode::Internal, e.to_string()))?,
            crate::reports::ReportFormat::Csv => drs_report::failback_csv(&story).into_bytes(),
        };
        let steps = life.steps.len();
        Ok(crate::reports::Made {
            preview: crate::reports::Preview {
                title: format!("Failback report: {plan}"),
                file_name: format!(
                    "failback-{}.{}",
                    crate::reports::file_safe(plan),
                    format.extension()
                ),
                format,
                bytes: bytes.len(),
                summary: crate::reports::Summary::Failback {
                    plan: plan.to_string(),
                    phase: life.phase,
                    executions: steps,
                },
            },
            bytes,
        })
    }
}
