//! Starting, resuming and driving executions, shared by the window and the CLI: the readiness
//! gate, the refusal to overlap an unfinished execution, reading the plan's servers and the AWS
//! identity of every target, setting the execution up on its clock (the sandbox's simulated
//! clock on the sandbox), and the [`Driver`]: the one process allowed to drive an execution,
//! holding its lease (renewed by a heartbeat thread) and writing the journal under it.

use crate::connect::{connect, resolve_targets, EmbeddedSandbox, Resolved};
use crate::readiness as checks;
use drs_core::cloud::CloudError;
use drs_core::execution::{
    self, Clock, Clouds, DriveOptions, Execution, ExecutionKind, ScaledClock, SystemClock,
};
use drs_core::readiness::{Readiness, Severity};
use drs_secrets::Secrets;
use drs_store::{Lease, Store, StoreError, StoreJournal};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::{mpsc, Arc};
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
    /// Servers of the plan are in an execution that has not ended.
    #[error("{0}")]
    Overlap(String),
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

/// A new execution ID: time-ordered and unique (UUIDv7).
pub fn new_id() -> String {
    format!("exec-{}", uuid::Uuid::now_v7().simple())
}

/// Who drives, as leases name it: `host:pid:face` (`cli`, `window`).
pub fn owner(face: &str) -> String {
    let host = whoami::hostname().unwrap_or_else(|_| "localhost".into());
    format!("{host}:{}:{face}", std::process::id())
}

/// Whether the process a lease names is known to be gone: it ran on this host and no (living)
/// process has its ID. Unknown elsewhere (another host, a system without `/proc`): not gone.
pub fn owner_is_gone(owner: &str) -> bool {
    let mut parts = owner.rsplitn(3, ':');
    let (Some(_face), Some(pid), Some(host)) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    let here = whoami::hostname().unwrap_or_else(|_| "localhost".into());
    if host != here {
        return false;
    }
    let Ok(pid) = pid.parse::<u32>() else {
        return false;
    };
    if pid == std::process::id() {
        return false;
    }
    if !Path::new("/proc/self").exists() {
        return false;
    }
    // Gone, or a zombie (dead, not yet reaped by its parent).
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')),
    }
}

/// The rule both faces apply before a real recovery starts or resumes: the plan's name typed
/// again.
pub fn confirm_recovery(plan: &str, typed: Option<&str>) -> Result<(), String> {
    match typed {
        Some(t) if t == plan => Ok(()),
        Some(t) => Err(format!(
            "a real recovery needs the plan's name typed again: expected \"{plan}\", got \"{t}\""
        )),
        None => Err(format!(
            "a real recovery needs the plan's name typed again (\"{plan}\")"
        )),
    }
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
    /// How to drive it.
    pub options: DriveOptions,
}

/// Reads an execution and what driving it again needs.
pub fn resume_setup(store: &Store, secrets: &dyn Secrets, id: &str) -> Result<Resume, StoreError> {
    let execution = store.execution(id)?;
    let targets: BTreeSet<String> = execution.servers().map(|s| s.target.clone()).collect();
    Ok(Resume {
        targets: resolve(store, secrets, &targets)?,
        options: crate::failback::options_for(&execution, &store.groups()?),
        execution,
    })
}

/// The sandbox's simulated clock, read from its `/_sandbox/clock` endpoint.
async fn sandbox_clock(endpoint: &str) -> Option<ScaledClock> {
    let url = format!("{}/_sandbox/clock", endpoint.trim_end_matches('/'));
    let (body, round_trip): (serde_json::Value, Duration) =
        tokio::task::spawn_blocking(move || {
            let sent = std::time::Instant::now();
            let body = ureq::get(&url)
                .config()
                .timeout_global(Some(Duration::from_secs(5)))
                .build()
                .call()
                .ok()?
                .body_mut()
                .read_json()
                .ok()?;
            Some((body, sent.elapsed()))
        })
        .await
        .ok()??;
    let now = time::OffsetDateTime::parse(
        body["now"].as_str()?,
        &time::format_description::well_known::Rfc3339,
    )
    .ok()?;
    let scale = body["timeScale"].as_f64()?;
    // The answer was read half a round trip ago, in sandbox time.
    let since = time::Duration::seconds_f64(round_trip.as_secs_f64() / 2.0 * scale);
    Some(ScaledClock::new(now + since, scale))
}

/// The clock an execution over `targets` lives on: the sandbox's simulated clock when every
/// target is the sandbox, the system clock otherwise.
pub async fn clock_for(targets: &[Resolved], sandbox: &EmbeddedSandbox) -> Arc<dyn Clock> {
    if targets.is_empty() || !targets.iter().all(Resolved::is_sandbox) {
        return Arc::new(SystemClock);
    }
    let endpoint = match targets[0].endpoint() {
        Some(e) => Some(e.to_string()),
        None => sandbox.endpoint().await.ok(),
    };
    match endpoint {
        Some(e) => match sandbox_clock(&e).await {
            Some(c) => Arc::new(c),
            None => Arc::new(SystemClock),
        },
        None => Arc::new(SystemClock),
    }
}

/// Who each connection acts as (its caller ARN, or why that is unknown), by target.
pub async fn identities(clouds: &Clouds) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (target, cloud) in clouds {
        let who = match cloud.caller_identity().await {
            Ok(me) => me.arn,
            Err(err) => format!("unknown ({err})"),
        };
        out.insert(target.clone(), who);
    }
    out
}

/// Connects every resolved target (async part) and picks the execution's clock.
pub async fn connect_all(
    resolved: Vec<crate::connect::TargetResolution>,
    sandbox: &EmbeddedSandbox,
) -> Result<(Clouds, Arc<dyn Clock>), CloudError> {
    let mut out = BTreeMap::new();
    let mut ok = Vec::new();
    for (t, r) in resolved {
        let r = r?;
        ok.push(r.clone());
        out.insert(t.name.clone(), connect(r, sandbox).await?);
    }
    let clock = clock_for(&ok, sandbox).await;
    Ok((out, clock))
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

/// An execution set up and ready to be driven (not yet in the journal: [`Driver::begin`]
/// writes it).
pub struct Ready {
    /// The execution.
    pub execution: Execution,
    /// Its targets' connections.
    pub clouds: Clouds,
    /// How to drive it.
    pub options: DriveOptions,
    /// Its clock.
    pub clock: Arc<dyn Clock>,
}

/// Checks readiness, refuses to overlap an unfinished execution, reads the plan's servers and
/// every target's AWS identity, and sets the execution up (audited).
pub async fn start(
    setup: Setup,
    store: &std::sync::Mutex<Store>,
    sandbox: &EmbeddedSandbox,
    options: &StartOptions,
) -> Result<Ready, StartError> {
    let Setup { prepared, revision } = setup;
    let plan_def = prepared.plan.clone();
    let groups = prepared.groups.clone();
    let plan = plan_def.name.as_str();
    let resolved: Vec<Resolved> = prepared
        .targets
        .iter()
        .filter_map(|(_, r)| r.as_ref().ok().cloned())
        .collect();
    let run = checks::check(prepared, sandbox).await;
    lock(store)?.save_readiness(&run.readiness)?;
    if !run.readiness.ready && !options.override_readiness {
        return Err(StartError::NotReady {
            plan: plan.to_string(),
            readiness: Box::new(run.readiness),
        });
    }
    // The readiness check already connected to every target and read its servers and launch
    // configurations: reuse them.
    let mut clouds = Clouds::new();
    for (target, cloud) in run.clouds {
        clouds.insert(target, cloud?);
    }
    let mut servers = BTreeMap::new();
    let mut preread = BTreeMap::new();
    for (target, ev) in run.evidence.targets {
        if let Some(message) = ev.error {
            return Err(StartError::Unreachable { target, message });
        }
        servers.insert(target, ev.servers);
        for lc in ev.launch {
            preread.insert(lc.source_server_id.clone(), lc);
        }
    }
    let clock = clock_for(&resolved, sandbox).await;
    let id = new_id();
    let mut e = execution::prepare(
        &id,
        &plan_def,
        revision,
        &groups,
        &servers,
        options.kind,
        &options.actor,
        &crate::rfc3339(clock.now()),
        options.auto_cleanup,
    )?;
    // No two executions drive the same servers: a recovery must not inherit a drill's
    // suspended launch-into settings or drill network, and two drills would fight.
    let mine: BTreeSet<String> = e.servers().map(|s| s.source_server_id.clone()).collect();
    let holding = lock(store)?.executions_holding(&mine)?;
    if let Some((other, shared)) = holding.first() {
        let restore_note = if options.kind == ExecutionKind::Recovery && other.kind == "drill" {
            " A recovery cannot start while a drill's suspended launch-into settings or drill network are not yet put back."
        } else {
            ""
        };
        return Err(StartError::Overlap(format!(
            "{} server(s) of plan \"{plan}\" (e.g. {}) are in {} {} of plan \"{}\", which has not ended ({}).{restore_note} Let it finish, cancel it (drs-orchestrator executions cancel {}), or, if its process died, resume it (drs-orchestrator executions resume {}).",
            shared.len(),
            shared.iter().take(3).cloned().collect::<Vec<_>>().join(", "),
            other.kind,
            other.id,
            other.plan,
            other.status,
            other.id,
            other.id
        )));
    }
    // Who the execution acts as, per target (shown live, in the history and the drill report).
    e.identities = identities(&clouds).await;
    let identity = e
        .identities
        .iter()
        .map(|(t, a)| format!("{t}: {a}"))
        .collect::<Vec<_>>()
        .join("; ");
    lock(store)?.audit_event_as(
        &options.actor,
        &identity,
        match options.kind {
            ExecutionKind::Drill => "execution.drill",
            ExecutionKind::Recovery => "execution.recover",
            ExecutionKind::Reprotect => "execution.reprotect",
        },
        "plan",
        plan,
        serde_json::json!({
            "execution": id,
            "revision": revision,
            "servers": e.servers().count(),
            "readinessOverridden": !run.readiness.ready,
            "actingAs": e.identities,
            "blockers": run.readiness.blockers,
        }),
    )?;
    let mut drive = DriveOptions::for_groups(&groups);
    drive.preread = Some((crate::rfc3339(clock.now()), preread));
    Ok(Ready {
        execution: e,
        clouds,
        options: drive,
        clock,
    })
}

/// Renews a lease every few seconds on a thread of its own (with its own connection), so a
/// live process keeps it however long an AWS call or a tick takes; stops when told, or when the
/// lease was taken over.
struct Heartbeat {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// How often a driver renews its lease.
const HEARTBEAT: Duration = Duration::from_secs(5);

impl Heartbeat {
    fn start(data_dir: &Path, lease: Lease) -> Self {
        let (tx, rx) = mpsc::channel::<()>();
        let dir = data_dir.to_path_buf();
        let thread = std::thread::Builder::new()
            .name(format!("lease-{}", lease.execution))
            .spawn(move || {
                let Ok(mut store) = Store::open(&dir) else {
                    return;
                };
                loop {
                    match rx.recv_timeout(HEARTBEAT) {
                        Err(mpsc::RecvTimeoutError::Timeout) => {}
                        _ => return,
                    }
                    if let Err(StoreError::Fenced { .. }) = store.heartbeat(&lease) {
                        return;
                    }
                }
            })
            .ok();
        Self {
            stop: Some(tx),
            thread,
        }
    }
}

impl Drop for Heartbeat {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The one process driving an execution: it holds the lease, renews it, and writes the journal
/// under it. Dropping it lets the lease go (the execution can then be driven elsewhere without
/// a takeover).
pub struct Driver {
    journal: StoreJournal,
    data_dir: PathBuf,
    _heartbeat: Heartbeat,
}

impl Driver {
    /// Takes the lease of a new execution (the caller then writes it to the journal with
    /// [`Event::Created`](drs_core::execution::journal::Event::Created)).
    pub fn begin(data_dir: &Path, id: &str, face: &str) -> Result<Self, StoreError> {
        let lease = Store::open(data_dir)?.acquire_lease(id, &owner(face), false)?;
        Self::with(data_dir, lease)
    }

    /// Takes the lease of an existing execution to drive it here: refused while another
    /// process drives it; a driver that stopped renewing its lease is taken over only with
    /// `take_over` (audited).
    pub fn take(
        data_dir: &Path,
        id: &str,
        face: &str,
        take_over: bool,
        actor: &str,
    ) -> Result<Self, StoreError> {
        let mut store = Store::open(data_dir)?;
        let before = store.driver(id)?;
        let (previous, silent) = match &before {
            drs_store::Driver::Live {
                owner,
                seconds_since_heartbeat,
            }
            | drs_store::Driver::Stale {
                owner,
                seconds_since_heartbeat,
            } => (Some(owner.clone()), *seconds_since_heartbeat),
            drs_store::Driver::None => (None, 0),
        };
        let gone = previous.as_deref().is_some_and(owner_is_gone);
        let lease = match (&previous, gone) {
            // Its process no longer exists: taking over needs no waiting.
            (Some(p), true) => store.take_lease_from(id, &owner(face), p)?,
            _ => store.acquire_lease(id, &owner(face), take_over)?,
        };
        if let Some(p) = previous {
            store.audit_event(
                actor,
                "execution.takeover",
                "execution",
                id,
                serde_json::json!({
                    "previousDriver": p,
                    "why": if gone { "its process no longer exists" } else { "it stopped renewing its lease" },
                    "silentForSeconds": silent,
                    "newDriver": lease.owner,
                }),
            )?;
        }
        Self::with(data_dir, lease)
    }

    fn with(data_dir: &Path, lease: Lease) -> Result<Self, StoreError> {
        Ok(Self {
            _heartbeat: Heartbeat::start(data_dir, lease.clone()),
            journal: StoreJournal::with_lease(data_dir, lease)?,
            data_dir: data_dir.to_path_buf(),
        })
    }

    /// The journal, written under the lease.
    pub fn journal(&self) -> &StoreJournal {
        &self.journal
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        if let (Some(lease), Ok(mut store)) = (self.journal.lease(), Store::open(&self.data_dir)) {
            let _ = store.release_lease(lease);
        }
    }
}
