//! Plans published to DRS's own recovery plans, and DRS's runs of them, for the window and the
//! CLI alike: preview what a plan becomes in DRS (steps, what it cannot express, whether DRS's
//! copy still matches), publish or update it, import a DRS plan as an app plan, start a native
//! drill or recovery with the same gates as an app-driven one, and follow a native run into the
//! journal as an execution the live view, the history and the drill report read like any other.
//! DRS drives a native run; the engine never does (it refuses an execution marked native).

use crate::execute::{self, Driver};
use crate::{AppError, ErrorCode};
use drs_core::cloud::{Cloud, CloudError};
use drs_core::execution::{self, Event, Execution, ExecutionKind, Journal};
pub use drs_core::native_plan::PublishOutcome;
use drs_core::native_plan::{
    self, find_copy, Drift, DriftState, Imported, NativeExecution, NativePlan, NativeRef,
    Publication, PublishInput,
};
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// A plan as DRS would hold it, next to DRS's current copy.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub struct NativePreview {
    /// What publishing would write.
    pub publication: Publication,
    /// DRS's copy against it.
    pub drift: Drift,
    /// DRS's copy, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub native: Option<NativePlan>,
    /// What an app-driven run adds to a native one.
    pub app_adds: Vec<String>,
}

/// Where a plan's native copy lives, with a connection to it.
struct Place {
    publication: Publication,
    rto_target_minutes: Option<u32>,
    cloud: Arc<dyn Cloud>,
    readiness: drs_core::readiness::Readiness,
}

fn cloud_error(target: &str, e: CloudError) -> AppError {
    AppError::from(e).context(&format!("target \"{target}\""))
}

impl AppError {
    /// The same error, its message prefixed with where it happened.
    pub fn context(mut self, place: &str) -> Self {
        self.message = format!("{place}: {}", self.message);
        self
    }
}

impl crate::App {
    async fn place(&self, plan: &str, target: Option<&str>) -> Result<Place, AppError> {
        let run = self.fresh_readiness(plan).await?;
        let name = plan.to_string();
        let (definition, revision, groups) = self.with_store(|s| {
            let stored = s.plan(&name)?;
            Ok((stored.plan, stored.revision, s.groups()?))
        })?;
        let targets: Vec<&String> = run.evidence.targets.keys().collect();
        let chosen =
            match (target, targets.as_slice()) {
                (Some(t), _) if run.evidence.targets.contains_key(t) => t.to_string(),
                (Some(t), _) => {
                    return Err(AppError::new(
                        ErrorCode::Invalid,
                        format!(
                            "plan \"{plan}\" has no servers in target \"{t}\"; its targets: {}",
                            targets
                                .iter()
                                .map(|t| t.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    ))
                }
                (None, [only]) => (*only).clone(),
                (None, []) => {
                    return Err(AppError::new(
                        ErrorCode::Invalid,
                        format!("plan \"{plan}\" has no protection group with a target"),
                    ))
                }
                (None, many) => {
                    return Err(AppError::new(
                        ErrorCode::Invalid,
                        format!(
                        "plan \"{plan}\" spans several targets ({}): say which one with --target",
                        many.iter().map(|t| t.as_str()).collect::<Vec<_>>().join(", ")
                    ),
                    ))
                }
            };
        let evidence = &run.evidence.targets[&chosen];
        if let Some(e) = &evidence.error {
            return Err(AppError::new(
                ErrorCode::Aws,
                format!("target \"{chosen}\" could not be read: {e}"),
            ));
        }
        let publication = native_plan::publication(&PublishInput {
            plan: &definition,
            revision,
            groups: &groups,
            target: &chosen,
            servers: &evidence.servers,
            launch: &evidence.launch,
        });
        let cloud = match run.clouds.get(&chosen) {
            Some(Ok(c)) => c.clone(),
            Some(Err(e)) => return Err(cloud_error(&chosen, e.clone())),
            None => {
                return Err(AppError::new(
                    ErrorCode::Internal,
                    format!("no connection to target \"{chosen}\""),
                ))
            }
        };
        Ok(Place {
            rto_target_minutes: definition.rto_target_minutes,
            publication,
            cloud,
            readiness: run.readiness,
        })
    }

    /// What `plan` becomes in DRS's recovery plans of `target` (the plan's only target when
    /// `None`), what DRS cannot express, and whether DRS's copy matches.
    pub async fn native_preview(
        &self,
        plan: &str,
        target: Option<&str>,
    ) -> Result<NativePreview, AppError> {
        let place = self.place(plan, target).await?;
        let mut calls = 0;
        let native = find_copy(
            place.cloud.as_ref(),
            &place.publication.native_name,
            &mut calls,
        )
        .await
        .map_err(|e| cloud_error(&place.publication.target, e))?;
        Ok(NativePreview {
            drift: native_plan::compare(&place.publication, native.as_ref()),
            publication: place.publication,
            native,
            app_adds: native_plan::app_adds()
                .into_iter()
                .map(str::to_string)
                .collect(),
        })
    }

    /// Publishes `plan` to DRS (creates the native plan, or brings DRS's copy to the current
    /// revision step by step), then reads it back. Idempotent: client tokens name the plan,
    /// revision and step, and a copy that already matches is left alone. Refused when the plan
    /// cannot be published or DRS has a plan of the same name the app did not publish.
    pub async fn publish_native(
        &self,
        plan: &str,
        target: Option<&str>,
    ) -> Result<PublishOutcome, AppError> {
        let place = self.place(plan, target).await?;
        let p = &place.publication;
        let t = p.target.clone();
        let outcome = native_plan::publish(place.cloud.as_ref(), p)
            .await
            .map_err(|e| match e {
                native_plan::PublishError::Cloud(c) => cloud_error(&t, c),
                native_plan::PublishError::NotOurs(_) => {
                    AppError::new(ErrorCode::Conflict, format!("target \"{t}\": {e}"))
                }
                native_plan::PublishError::Unpublishable { .. } => {
                    AppError::new(ErrorCode::Invalid, e.to_string())
                }
            })?;
        let PublishOutcome {
            arn,
            steps_created,
            steps_updated,
            steps_deleted,
            before,
            ..
        } = outcome.clone();
        let actor = self.actor().to_string();
        let (plan_name, drift_before) = (plan.to_string(), before.clone());
        let arn_audit = arn.clone();
        let (revision_n, servers, steps) = (p.revision, p.servers(), p.steps.len());
        self.with_store(move |s| {
            Ok(s.audit_event(
                &actor,
                "plan.publishNative",
                "plan",
                &plan_name,
                serde_json::json!({
                    "recoveryPlanArn": arn_audit,
                    "target": t,
                    "revision": revision_n,
                    "servers": servers,
                    "steps": steps,
                    "before": drift_before.state,
                    "stepsCreated": steps_created,
                    "stepsUpdated": steps_updated,
                    "stepsDeleted": steps_deleted,
                }),
            )?)
        })?;
        Ok(outcome)
    }

    /// DRS's native recovery plans in `target`, each with its steps and tags.
    pub async fn native_plans(&self, target: &str) -> Result<Vec<NativePlan>, AppError> {
        let cloud = self.connect_target(target).await?;
        let listed = cloud
            .native_plans()
            .await
            .map_err(|e| cloud_error(target, e))?;
        let mut out = Vec::new();
        for p in listed {
            out.push(
                cloud
                    .native_plan(&p.arn)
                    .await
                    .map_err(|e| cloud_error(target, e))?,
            );
        }
        Ok(out)
    }

    /// Makes an app plan (`name`, or the DRS plan's) and its groups from DRS recovery plan
    /// `arn` of `target`; nothing is saved when any of them exists already or does not validate.
    pub async fn import_native(
        &self,
        target: &str,
        arn: &str,
        name: Option<&str>,
    ) -> Result<Imported, AppError> {
        let cloud = self.connect_target(target).await?;
        let native = cloud
            .native_plan(arn)
            .await
            .map_err(|e| cloud_error(target, e))?;
        let name = name.map_or_else(|| native.name.clone(), str::to_string);
        let imported = native_plan::import(&native, &name, target);
        let saved = imported.clone();
        let actor = self.actor().to_string();
        let arn = arn.to_string();
        self.with_store(move |s| {
            if s.plan(&saved.plan.name).is_ok() {
                return Err(AppError::new(
                    ErrorCode::Conflict,
                    format!(
                        "a plan named \"{}\" exists already: import under another name (--name)",
                        saved.plan.name
                    ),
                ));
            }
            let existing: std::collections::BTreeSet<String> =
                s.groups()?.into_iter().map(|g| g.name).collect();
            if let Some(g) = saved.groups.iter().find(|g| existing.contains(&g.name)) {
                return Err(AppError::new(
                    ErrorCode::Conflict,
                    format!(
                        "a protection group named \"{}\" exists already: import under another name (--name)",
                        g.name
                    ),
                ));
            }
            let mut docs: Vec<drs_core::Document> = saved
                .groups
                .iter()
                .cloned()
                .map(drs_core::Document::Group)
                .collect();
            docs.push(drs_core::Document::Plan(saved.plan.clone()));
            s.import(&docs, &actor)?;
            s.audit_event(
                &actor,
                "plan.importNative",
                "plan",
                &saved.plan.name,
                serde_json::json!({ "recoveryPlanArn": arn, "target": saved.groups.first().map(|g| g.target.clone()), "groups": saved.groups.len(), "notes": saved.notes }),
            )?;
            Ok(())
        })?;
        Ok(imported)
    }

    pub(crate) async fn connect_target(&self, target: &str) -> Result<Arc<dyn Cloud>, AppError> {
        let wanted = target.to_string();
        let resolved = self
            .with_store_and_keychain(move |s, k| {
                Ok(execute::resolve(
                    s,
                    k,
                    &std::collections::BTreeSet::from([wanted]),
                )?)
            })
            .await?;
        let Some((_, r)) = resolved.into_iter().next() else {
            return Err(AppError::new(
                ErrorCode::NotFound,
                format!("no target named \"{target}\""),
            ));
        };
        let r = r.map_err(|e| cloud_error(target, e))?;
        crate::connect::connect(r, self.sandbox())
            .await
            .map_err(|e| cloud_error(target, e))
    }

    /// Starts DRS's run of `plan`'s native copy as a drill or a recovery (a recovery needs the
    /// plan's name in `confirm`), with the gates of an app-driven run: DRS's copy matches the
    /// plan, the plan is ready (unless overridden), no drill launches into a DR instance, no
    /// other execution holds its servers, no native run of it is unfinished. Audited; the run
    /// is journalled as an execution this process follows (`face` names it).
    pub async fn start_native(
        &self,
        plan: &str,
        target: Option<&str>,
        kind: ExecutionKind,
        confirm: Option<&str>,
        override_readiness: bool,
        face: &str,
    ) -> Result<NativeFollow, AppError> {
        if kind == ExecutionKind::Recovery {
            execute::confirm_recovery(plan, confirm)
                .map_err(|m| AppError::new(ErrorCode::Invalid, m))?;
        }
        let place = self.place(plan, target).await?;
        let p = &place.publication;
        let t = p.target.clone();
        let cloud = place.cloud.clone();
        let mut calls = 0;
        let copy = find_copy(cloud.as_ref(), &p.native_name, &mut calls)
            .await
            .map_err(|e| cloud_error(&t, e))?;
        let drift = native_plan::compare(p, copy.as_ref());
        let copy = match (drift.state, copy) {
            (DriftState::InSync, Some(c)) => c,
            (state, _) => {
                return Err(AppError::new(
                    ErrorCode::NotReady,
                    format!(
                        "DRS's copy of plan \"{plan}\" does not match revision {} ({}): publish it first (plan publish {plan}){}",
                        p.revision,
                        match state {
                            DriftState::NotPublished => "not published".to_string(),
                            DriftState::OlderRevision => "an older revision".to_string(),
                            DriftState::ChangedInDrs => "changed in DRS".to_string(),
                            DriftState::NotOurs => "a plan of that name the app did not publish".to_string(),
                            DriftState::InSync => String::new(),
                        },
                        if drift.differences.is_empty() { String::new() } else { format!(": {}", drift.differences.join("; ")) }
                    ),
                ))
            }
        };
        if kind == ExecutionKind::Drill {
            let blockers = p.drill_blockers();
            if !blockers.is_empty() {
                return Err(AppError::new(
                    ErrorCode::NotReady,
                    format!(
                        "a native drill of plan \"{plan}\" would launch into DR instances: {}. Run an app-driven drill instead (drill --plan {plan})",
                        blockers.iter().map(|g| g.item.clone()).collect::<Vec<_>>().join(", ")
                    ),
                ));
            }
        }
        if !place.readiness.ready && !override_readiness {
            return Err(AppError::new(
                ErrorCode::NotReady,
                format!(
                    "plan \"{plan}\" is not ready: {} blocker(s) (readiness --plan {plan}); override to start anyway",
                    place.readiness.blockers
                ),
            ));
        }
        let unfinished = cloud
            .native_executions(Some(&copy.arn))
            .await
            .map_err(|e| cloud_error(&t, e))?
            .into_iter()
            .find(|x| !x.is_final());
        if let Some(x) = unfinished {
            return Err(AppError::new(
                ErrorCode::Conflict,
                format!(
                    "DRS is already running plan \"{plan}\" ({}, started {}): follow it (native follow --plan {plan})",
                    x.arn, x.started_at
                ),
            ));
        }
        let mine: std::collections::BTreeSet<String> = p
            .steps
            .iter()
            .flat_map(|s| match &s.config {
                native_plan::NativeStepConfig::Servers { servers } => servers
                    .iter()
                    .map(|v| v.source_server_id.clone())
                    .collect::<Vec<_>>(),
                native_plan::NativeStepConfig::Wait { .. } => Vec::new(),
            })
            .collect();
        let holding = self.with_store(move |s| Ok(s.executions_holding(&mine)?))?;
        if let Some((other, _)) = holding.first() {
            return Err(AppError::new(
                ErrorCode::Conflict,
                format!(
                    "servers of plan \"{plan}\" are in {} {} of plan \"{}\", which has not ended",
                    other.kind, other.id, other.plan
                ),
            ));
        }
        let id = execute::new_id();
        let mut clouds = execution::Clouds::new();
        clouds.insert(t.clone(), cloud.clone());
        let identities = execute::identities(&clouds).await;
        let run_tags = BTreeMap::from([
            ("drs-orchestrator:execution".to_string(), id.clone()),
            ("drs-orchestrator:plan".to_string(), p.plan.clone()),
        ]);
        let actor = self.actor().to_string();
        let detail = serde_json::json!({
            "execution": id,
            "recoveryPlanArn": copy.arn,
            "revision": p.revision,
            "servers": p.servers(),
            "readinessOverridden": !place.readiness.ready,
            "actingAs": identities,
        });
        let (audit_plan, audit_actor) = (plan.to_string(), actor.clone());
        let identity = identities
            .iter()
            .map(|(t, a)| format!("{t}: {a}"))
            .collect::<Vec<_>>()
            .join("; ");
        self.with_store(move |s| {
            Ok(s.audit_event_as(
                &audit_actor,
                &identity,
                if kind == ExecutionKind::Drill {
                    "execution.nativeDrill"
                } else {
                    "execution.nativeRecover"
                },
                "plan",
                &audit_plan,
                detail,
            )?)
        })?;
        let run = cloud
            .start_native_execution(&copy.arn, kind == ExecutionKind::Drill, &run_tags, &id)
            .await
            .map_err(|e| cloud_error(&t, e))?;
        let mut base = native_base(
            &id, plan, p.revision, kind, &actor, identities, &t, &run, true,
        );
        base.rto_target_minutes = place.rto_target_minutes;
        let driver = Driver::begin(self.data_dir(), &id, face)?;
        driver
            .journal()
            .record(&base, &Event::Created)
            .map_err(|e| AppError::new(ErrorCode::Internal, e.to_string()))?;
        Ok(NativeFollow {
            execution: base,
            cloud,
            driver,
            names: names_of(p),
        })
    }

    /// Follows DRS's run into the journal until it ends; `listener` hears each new state. A
    /// drill is then handed to the engine for its cleanup (automatic with `auto_cleanup`): the
    /// caller drives it with [`Self::resume_execution`] once this returns (the lease is let go).
    pub async fn follow_native(
        &self,
        follow: NativeFollow,
        auto_cleanup: bool,
        listener: Option<&(dyn Fn(&Execution) + Send + Sync)>,
    ) -> Result<Execution, AppError> {
        let NativeFollow {
            mut execution,
            cloud,
            driver,
            names,
        } = follow;
        let Some(native) = execution.native.clone().filter(|n| n.drs_drives()) else {
            return Ok(execution);
        };
        let mut failures = 0u32;
        loop {
            match read_run(cloud.as_ref(), &native.execution_arn).await {
                Ok(Run {
                    run,
                    jobs,
                    instances,
                }) => {
                    failures = 0;
                    let mut next = native_plan::mirror(&execution, &run, &jobs, &instances, &names);
                    if run.is_final() {
                        next = native_plan::hand_over(next, auto_cleanup);
                    }
                    for what in changes(&execution, &next) {
                        driver
                            .journal()
                            .record(&next, &Event::Native { what })
                            .map_err(|e| AppError::new(ErrorCode::Conflict, e.to_string()))?;
                    }
                    execution = next;
                    if let Some(l) = listener {
                        l(&execution);
                    }
                    if run.is_final() {
                        return Ok(execution);
                    }
                }
                // Uncertain is not failed: DRS keeps running the plan whatever the network
                // does; the app keeps looking.
                Err(e) => {
                    failures += 1;
                    tracing::warn!(execution = %execution.id, "reading DRS's run failed ({failures}): {e}");
                }
            }
            tokio::time::sleep(FOLLOW_EVERY).await;
        }
    }

    /// Follows a native run in the background (the window).
    pub fn follow_native_in_background(&self, follow: NativeFollow) {
        let app = self.clone();
        tokio::spawn(async move {
            let id = follow.execution.id.clone();
            match app.follow_native(follow, true, None).await {
                Ok(e) if !e.status.is_final() => {
                    // A drill DRS has finished: its cleanup is the engine's.
                    match app.resume_execution(&id, None, false, "window").await {
                        Ok(Some(ready)) => app.drive_in_background(ready),
                        Ok(None) => {}
                        Err(err) => {
                            tracing::error!(execution = %id, "cleanup of DRS's drill not started: {}", err.message)
                        }
                    }
                }
                Ok(_) => {}
                Err(err) => {
                    tracing::error!(execution = %id, "following DRS's run stopped: {}", err.message);
                }
            }
        });
    }

    /// Takes up following a journalled native run no process follows (after a crash, or one
    /// started in the DRS console and adopted with [`Self::adopt_native_runs`]).
    pub async fn resume_native(&self, id: &str, face: &str) -> Result<NativeFollow, AppError> {
        let e = self.with_store(|s| Ok(s.execution(id)?))?;
        let Some(native) = e.native.clone() else {
            return Err(AppError::new(
                ErrorCode::Invalid,
                format!("execution {id} is not a native run"),
            ));
        };
        let cloud = self.connect_target(&native.target).await?;
        let driver = Driver::take(self.data_dir(), id, face, false, self.actor())?;
        let names = e
            .servers()
            .map(|s| (s.source_server_id.clone(), s.name.clone()))
            .collect();
        Ok(NativeFollow {
            execution: e,
            cloud,
            driver,
            names,
        })
    }

    /// Journals every native run of `plan`'s native copy in its target that the app does not
    /// know yet (started in the DRS console or by another tool), so the history shows them and
    /// they can be followed and reported. Returns the new executions' IDs.
    pub async fn adopt_native_runs(
        &self,
        plan: &str,
        target: Option<&str>,
    ) -> Result<Vec<String>, AppError> {
        let place = self.place(plan, target).await?;
        let p = &place.publication;
        let t = p.target.clone();
        let mut calls = 0;
        let Some(copy) = find_copy(place.cloud.as_ref(), &p.native_name, &mut calls)
            .await
            .map_err(|e| cloud_error(&t, e))?
        else {
            return Ok(Vec::new());
        };
        let runs = place
            .cloud
            .native_executions(Some(&copy.arn))
            .await
            .map_err(|e| cloud_error(&t, e))?;
        let known: Vec<Execution> = self.with_store(|s| {
            let mut out = Vec::new();
            for summary in s.executions(10_000)? {
                let e = s.execution(&summary.id)?;
                if e.native.is_some() {
                    out.push(e);
                }
            }
            Ok(out)
        })?;
        let mut adopted = Vec::new();
        for summary in runs {
            if known.iter().any(|e| {
                e.native
                    .as_ref()
                    .is_some_and(|n| n.execution_arn == summary.arn)
            }) {
                continue;
            }
            let Run {
                run,
                jobs,
                instances,
            } = read_run(place.cloud.as_ref(), &summary.arn)
                .await
                .map_err(|e| cloud_error(&t, e))?;
            let by_app = run.tags.contains_key("drs-orchestrator:execution");
            let id = execute::new_id();
            let kind = if run.drill {
                ExecutionKind::Drill
            } else {
                ExecutionKind::Recovery
            };
            let base = native_base(
                &id,
                plan,
                p.revision,
                kind,
                "DRS console",
                BTreeMap::new(),
                &t,
                &run,
                by_app,
            );
            let mut base = base;
            base.rto_target_minutes = place.rto_target_minutes;
            let e = native_plan::mirror(&base, &run, &jobs, &instances, &names_of(p));
            let driver = Driver::begin(self.data_dir(), &id, "adopt")?;
            driver
                .journal()
                .record(
                    &e,
                    &Event::Native {
                        what: format!("run {} found in DRS", run.arn),
                    },
                )
                .map_err(|err| AppError::new(ErrorCode::Internal, err.to_string()))?;
            adopted.push(id);
        }
        Ok(adopted)
    }
}

/// How often a native run is read while it runs.
const FOLLOW_EVERY: Duration = Duration::from_secs(2);

/// A native run being followed by this process.
pub struct NativeFollow {
    /// The execution as journalled.
    pub execution: Execution,
    cloud: Arc<dyn Cloud>,
    driver: Driver,
    names: BTreeMap<String, String>,
}

fn names_of(p: &Publication) -> BTreeMap<String, String> {
    p.steps
        .iter()
        .flat_map(|s| match &s.config {
            native_plan::NativeStepConfig::Servers { servers } => servers
                .iter()
                .map(|v| (v.source_server_id.clone(), v.name.clone()))
                .collect::<Vec<_>>(),
            native_plan::NativeStepConfig::Wait { .. } => Vec::new(),
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
fn native_base(
    id: &str,
    plan: &str,
    revision: u32,
    kind: ExecutionKind,
    actor: &str,
    identities: BTreeMap<String, String>,
    target: &str,
    run: &NativeExecution,
    by_app: bool,
) -> Execution {
    let mut e = native_plan::native_execution(id, plan, revision, kind, actor, &run.started_at);
    e.identities = identities;
    e.native = Some(NativeRef {
        target: target.to_string(),
        plan_arn: run.plan_arn.clone(),
        execution_arn: run.arn.clone(),
        started_by_app: by_app,
        drs_done: false,
    });
    e
}

/// A native run with its steps and the jobs its steps started.
async fn read_run(cloud: &dyn Cloud, arn: &str) -> Result<Run, CloudError> {
    let run = cloud.native_execution(arn).await?;
    let ids = run.job_ids();
    let jobs = if ids.is_empty() {
        Vec::new()
    } else {
        cloud.jobs(&ids).await?
    };
    // The EC2 instances behind the recovery instances of the jobs that have ended.
    let launched: Vec<String> = jobs
        .iter()
        .filter(|j| j.status == drs_core::jobs::JobStatus::Completed)
        .flat_map(|j| j.servers.iter().map(|s| s.source_server_id.clone()))
        .collect();
    let instances = if launched.is_empty() {
        Vec::new()
    } else {
        cloud.recovery_instances_of(&launched).await?
    };
    Ok(Run {
        run,
        jobs,
        instances,
    })
}

/// A native run as read: the run, its jobs, and the recovery instances of its ended jobs.
struct Run {
    run: NativeExecution,
    jobs: Vec<drs_core::jobs::Job>,
    instances: Vec<drs_core::launch::RecoveryInstance>,
}

/// What moved between two mirrors of a native run, in words (one journal event each).
fn changes(before: &Execution, after: &Execution) -> Vec<String> {
    let mut out = Vec::new();
    for w in &after.waves {
        let old = before.waves.iter().find(|b| b.name == w.name);
        if old.map(|o| o.status) != Some(w.status) {
            out.push(format!("step \"{}\" {:?}", w.name, w.status).to_lowercase());
        }
        for s in &w.servers {
            let was = old.and_then(|o| {
                o.servers
                    .iter()
                    .find(|x| x.source_server_id == s.source_server_id)
            });
            if was.map(|x| x.status) != Some(s.status) && s.status.is_final() {
                out.push(format!(
                    "{} ({}) {:?}{}",
                    s.name,
                    s.source_server_id,
                    s.status,
                    s.recovery_instance_id
                        .as_deref()
                        .map(|r| format!(" as {r}"))
                        .unwrap_or_default()
                ));
            }
        }
    }
    if before.status != after.status {
        out.push(format!("run {}", after.status.as_str()));
    }
    out
}
