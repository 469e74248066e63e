//! Starting and resuming executions, shared by the window and the CLI: the readiness gate,
//! reading the plan's servers, setting the execution up, connecting to its targets, and driving
//! the engine with the store's journal.

use crate::connect::{connect, resolve_targets, EmbeddedSandbox};
use crate::readiness as checks;
use drs_core::cloud::CloudError;
use drs_core::execution::{self, Clouds, DriveOptions, Execution, ExecutionKind, Journal};
use drs_core::readiness::{Readiness, Severity};
use drs_secrets::Secrets;
use drs_store::{Store, StoreError};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

/// Why an execution did not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The store refused.
    #[error("{0}")]
    Store(#[from] StoreError),
    /// Readiness found blockers and no override was given.
    #[error("plan \"{plan}\" is not ready: {} blocker(s), e.g. {}. Fix them, or start with the readiness override (recorded in the audit log)", readiness.blockers, first_blockers(readiness))]
    NotReady {
        /// Plan.
        plan: String,
        /// The verdict.
        readiness: Box<Readiness>,
    },
    /// A target could not be reached.
    #[error("{0}")]
    Cloud(#[from] CloudError),
    /// A target's servers could not be read.
    #[error("target \"{target}\" could not be read: {message}")]
    Unreachable {
        /// Target.
        target: String,
        /// Why.
        message: String,
    },
    /// The plan cannot run as it is.
    #[error("{0}")]
    Plan(#[from] execution::ExecutionError),
    /// The journal could not be written.
    #[error("the execution journal: {0}")]
    Journal(String),
}

fn first_blockers(r: &Readiness) -> String {
    r.findings
        .iter()
        .filter(|f| f.severity == Severity::Blocker)
        .take(3)
        .map(|f| match &f.server_name {
            Some(s) => format!("{s}: {}", f.message),
            None => f.message.clone(),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// How to start.
#[derive(Debug, Clone)]
pub struct StartOptions {
    /// Drill or recovery.
    pub kind: ExecutionKind,
    /// Start despite readiness blockers (audited).
    pub override_readiness: bool,
    /// Clean a drill up without asking.
    pub auto_cleanup: bool,
    /// Who starts it.
    pub actor: String,
}

/// A new execution ID: time-ordered and unique enough for one machine.
pub fn new_id() -> String {
    let t = time::OffsetDateTime::now_utc();
    let nanos = t.unix_timestamp_nanos();
    format!(
        "exec-{}-{:04x}",
        t.unix_timestamp(),
        (nanos % 65_536) as u16
    )
}

fn now() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// Connections to `targets`, with their secrets read from the keychain (blocking part).
pub fn resolve(
    store: &Store,
    secrets: &dyn Secrets,
    targets: &BTreeSet<String>,
) -> Result<Vec<crate::connect::TargetResolution>, StoreError> {
    Ok(resolve_targets(store, secrets, None)?
        .into_iter()
        .filter(|(t, _)| targets.contains(&t.name))
        .collect())
}

/// What resuming an execution needs, read from the store and the keychain (blocking).
pub struct Resume {
    /// The execution as journalled.
    pub execution: Execution,
    /// Its targets, resolved.
    pub targets: Vec<crate::connect::TargetResolution>,
    /// How to drive it (poll interval `tick`).
    pub options: DriveOptions,
}

/// Reads an execution and what driving it again needs.
pub fn resume_setup(
    store: &Store,
    secrets: &dyn Secrets,
    id: &str,
    tick: Duration,
) -> Result<Resume, StoreError> {
    let execution = store.execution(id)?;
    let targets: BTreeSet<String> = execution.servers().map(|s| s.target.clone()).collect();
    Ok(Resume {
        targets: resolve(store, secrets, &targets)?,
        options: {
            let groups = store.groups()?;
            DriveOptions {
                tick,
                launch_into_groups: execution::drill_suspended_groups(&groups),
                drill_networks: execution::drill_network_groups(&groups),
            }
        },
        execution,
    })
}

/// Connects every resolved target (async part).
pub async fn clouds(
    resolved: Vec<crate::connect::TargetResolution>,
    sandbox: &EmbeddedSandbox,
) -> Result<Clouds, CloudError> {
    let mut out = BTreeMap::new();
    for (t, r) in resolved {
        out.insert(t.name.clone(), connect(r?, sandbox).await?);
    }
    Ok(out)
}

fn lock(s: &std::sync::Mutex<Store>) -> Result<std::sync::MutexGuard<'_, Store>, StartError> {
    s.lock()
        .map_err(|_| StartError::Journal("the store lock was poisoned".into()))
}

/// What a start needs from the store and the keychain, read beforehand (blocking: keychain
/// calls must not run on the async runtime).
pub struct Setup {
    prepared: checks::Prepared,
    revision: u32,
}

/// Reads the plan, its groups and its targets' connections (with secrets).
pub fn setup(store: &Store, secrets: &dyn Secrets, plan: &str) -> Result<Setup, StartError> {
    Ok(Setup {
        revision: store.plan(plan)?.revision,
        prepared: checks::prepare(store, secrets, plan)?,
    })
}

/// Checks readiness, reads the plan's servers and writes the new execution to the journal.
pub async fn start(
    setup: Setup,
    store: &std::sync::Mutex<Store>,
    sandbox: &EmbeddedSandbox,
    journal: &dyn Journal,
    options: &StartOptions,
) -> Result<(Execution, Clouds, DriveOptions), StartError> {
    let Setup { prepared, revision } = setup;
    let plan_def = prepared.plan.clone();
    let groups = prepared.groups.clone();
    let plan = plan_def.name.as_str();
    let run = checks::check(prepared, sandbox).await;
    lock(store)?.save_readiness(&run.readiness)?;
    if !run.readiness.ready && !options.override_readiness {
        return Err(StartError::NotReady {
            plan: plan.to_string(),
            readiness: Box::new(run.readiness),
        });
    }
    // The readiness check already connected to every target and read its servers: reuse both.
    let mut clouds = Clouds::new();
    for (target, cloud) in run.clouds {
        clouds.insert(target, cloud?);
    }
    let mut servers = BTreeMap::new();
    for (target, ev) in run.evidence.targets {
        if let Some(message) = ev.error {
            return Err(StartError::Unreachable { target, message });
        }
        servers.insert(target, ev.servers);
    }
    let id = new_id();
    let mut e = execution::prepare(
        &id,
        &plan_def,
        revision,
        &groups,
        &servers,
        options.kind,
        &options.actor,
        &now(),
        options.auto_cleanup,
    )?;
    // A recovery into pre-provisioned instances must keep each instance's ID and private IP:
    // write down what each launch-into server must come up as.
    let mut callers = Vec::new();
    let into = match options.kind {
        ExecutionKind::Recovery => execution::launch_into_groups(&groups),
        ExecutionKind::Drill => execution::full_fidelity_groups(&groups),
    };
    if !into.is_empty() || options.kind == ExecutionKind::Recovery {
        for (target, cloud) in &clouds {
            if options.kind == ExecutionKind::Recovery {
                if let Ok(me) = cloud.caller_identity().await {
                    callers.push(format!("{target}: {}", me.arn));
                }
            }
            let ids: Vec<String> = e
                .servers()
                .filter(|s| &s.target == target && into.contains(&s.group))
                .map(|s| s.source_server_id.clone())
                .collect();
            let mut expected = BTreeMap::new();
            for id in ids {
                if let Ok(lc) = cloud.launch_configuration(&id).await {
                    if let Some(i) = lc.launch_into_instance_id {
                        expected.insert(id, i);
                    }
                }
            }
            let instances = cloud
                .instances(&expected.values().cloned().collect::<Vec<_>>())
                .await
                .unwrap_or_default();
            for w in &mut e.waves {
                for s in &mut w.servers {
                    if let Some(i) = expected.get(&s.source_server_id) {
                        s.expected_instance_id = Some(i.clone());
                        s.expected_private_ip = instances
                            .iter()
                            .find(|x| &x.id == i)
                            .and_then(|x| x.private_ip.clone());
                    }
                }
            }
        }
    }
    {
        let mut s = lock(store)?;
        s.audit_event(
            &options.actor,
            match options.kind {
                ExecutionKind::Drill => "execution.drill",
                ExecutionKind::Recovery => "execution.recover",
            },
            "plan",
            plan,
            serde_json::json!({
                "execution": id,
                "revision": revision,
                "servers": e.servers().count(),
                "readinessOverridden": !run.readiness.ready,
                "actingAs": callers,
                "blockers": run.readiness.blockers,
            }),
        )?;
    }
    journal.record(&e, "created").map_err(StartError::Journal)?;
    let drive = DriveOptions {
        tick: Duration::from_secs(2),
        launch_into_groups: execution::drill_suspended_groups(&groups),
        drill_networks: execution::drill_network_groups(&groups),
    };
    Ok((e, clouds, drive))
}
