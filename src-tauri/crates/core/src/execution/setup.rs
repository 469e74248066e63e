//! Setting an execution up from a plan: every wave with its servers (each server once), the
//! effective wave order, and what the engine needs to know about the plan's groups.

use super::model::WaveStatus;
use super::model::{
    Cleanup, Execution, ExecutionKind, ExecutionStatus, ServerRun, StepPhase, StepRun, WaveRun,
};
use crate::group::{DrillNetwork, LaunchMode, ProtectionGroup};
use crate::inventory::SourceServer;
use crate::launch::LaunchConfiguration;
use crate::plan::RecoveryPlan;
use crate::readiness::members;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

/// Why an execution cannot be set up.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExecutionError {
    /// A wave names a group that does not exist.
    #[error("wave \"{wave}\" names protection group \"{group}\", which does not exist")]
    UnknownGroup {
        /// Wave.
        wave: String,
        /// Group.
        group: String,
    },
    /// A server would launch twice.
    #[error(
        "source server {server} is in groups \"{first}\" and \"{second}\"; it would launch twice"
    )]
    TwiceInPlan {
        /// Server.
        server: String,
        /// First group.
        first: String,
        /// Second group.
        second: String,
    },
    /// Nothing to launch.
    #[error("the plan selects no source server")]
    Empty,
}

/// Sets up an execution of `plan`: every wave with its servers (from `servers` per target).
#[allow(clippy::too_many_arguments)]
pub fn prepare(
    id: &str,
    plan: &RecoveryPlan,
    plan_revision: u32,
    groups: &[ProtectionGroup],
    servers: &BTreeMap<String, Vec<SourceServer>>,
    kind: ExecutionKind,
    started_by: &str,
    now: &str,
    auto_cleanup: bool,
) -> Result<Execution, ExecutionError> {
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    let mut waves = Vec::new();
    for (i, w) in plan.waves.iter().enumerate() {
        let mut runs = Vec::new();
        for g in &w.groups {
            let group = groups.iter().find(|x| &x.name == g).ok_or_else(|| {
                ExecutionError::UnknownGroup {
                    wave: w.name.clone(),
                    group: g.clone(),
                }
            })?;
            let empty = Vec::new();
            let pool = servers.get(&group.target).unwrap_or(&empty);
            for s in members(group, pool) {
                if let Some(first) = seen.insert(s.id.clone(), g.clone()) {
                    return Err(ExecutionError::TwiceInPlan {
                        server: s.id.clone(),
                        first,
                        second: g.clone(),
                    });
                }
                let mut run = ServerRun::new(&s.id, s.display_name(), g, &group.target);
                run.actions = group
                    .launch
                    .post_launch_actions
                    .iter()
                    .map(|a| crate::launch_actions::ActionRun {
                        name: a.name.clone(),
                        status: "PENDING".into(),
                        optional: a.optional,
                        failure: None,
                    })
                    .collect();
                runs.push(run);
            }
        }
        waves.push(WaveRun {
            name: w.name.clone(),
            depends_on: plan.dependencies(i),
            approval_required: w.approval_required,
            approved_by: None,
            timeout_minutes: w.timeout_minutes,
            timed_out: false,
            on_failure: w.on_failure,
            status: WaveStatus::Pending,
            started_at: None,
            ended_at: None,
            servers: runs,
            steps: w
                .before
                .iter()
                .map(|s| StepRun::new(s, StepPhase::Before, kind))
                .chain(
                    w.after
                        .iter()
                        .map(|s| StepRun::new(s, StepPhase::After, kind)),
                )
                .collect(),
        });
    }
    if waves.iter().all(|w| w.servers.is_empty()) {
        return Err(ExecutionError::Empty);
    }
    Ok(Execution {
        id: id.to_string(),
        plan: plan.name.clone(),
        plan_revision,
        kind,
        direction: Default::default(),
        started_by: started_by.to_string(),
        identities: BTreeMap::new(),
        started_at: now.to_string(),
        ended_at: None,
        status: ExecutionStatus::Running,
        rto_target_minutes: plan.rto_target_minutes,
        auto_cleanup,
        waves,
        batches: Vec::new(),
        suspended: Vec::new(),
        isolated: Vec::new(),
        cleanup: Cleanup {
            status: if kind == ExecutionKind::Drill {
                "pending".into()
            } else {
                "notNeeded".into()
            },
            ..Default::default()
        },
        gaps: Vec::new(),
        last_tick_at: None,
        failure: None,
        native: None,
        index: Default::default(),
    })
}

/// How often the engine looks at DRS, in the execution's clock time. DescribeJobs is called
/// when a job can have changed: slowly while its servers are still in snapshot and
/// conversion, often once launches can happen, and very often when only the job's end is
/// awaited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PollTimes {
    /// While no server of a job can have launched yet.
    pub quiet: Duration,
    /// While servers of a job are launching.
    pub launching: Duration,
    /// When every server of a job has launched or failed and its end is imminent.
    pub ending: Duration,
    /// The shortest a launch has been seen to take (job created → server launched) before any
    /// was measured in this execution.
    pub first_launch: Duration,
}

impl Default for PollTimes {
    fn default() -> Self {
        Self {
            quiet: Duration::from_secs(60),
            launching: Duration::from_secs(10),
            ending: Duration::from_secs(3),
            first_launch: Duration::from_secs(180),
        }
    }
}

/// How the engine runs.
#[derive(Debug, Clone)]
pub struct DriveOptions {
    /// The longest real time between two ticks (people's requests are read every tick; AWS is
    /// called only when something is due).
    pub tick: Duration,
    /// When DRS is polled.
    pub poll: PollTimes,
    /// Pre-provisioned groups: a recovery launches their servers into their DR instances (and
    /// checks instance ID and private IP).
    pub launch_into_groups: BTreeSet<String>,
    /// Full-fidelity groups: a drill launches into their DR instances, then stops and
    /// disconnects them.
    pub full_fidelity_groups: BTreeSet<String>,
    /// Groups whose drills launch into a drill-only network.
    pub drill_networks: BTreeMap<String, DrillNetwork>,
    /// Launch configurations read moments before the start (by the readiness check), so a
    /// drill need not read them again; read at the time given.
    pub preread: Option<(String, BTreeMap<String, LaunchConfiguration>)>,
    /// Most launch-configuration reads in flight at once.
    pub read_concurrency: usize,
    /// Most servers of waves not yet started prepared in one tick.
    pub prepare_ahead: usize,
}

impl DriveOptions {
    /// The options for a plan whose groups are `groups`.
    pub fn for_groups(groups: &[ProtectionGroup]) -> Self {
        Self {
            tick: Duration::from_secs(2),
            poll: PollTimes::default(),
            launch_into_groups: launch_into_groups(groups),
            full_fidelity_groups: full_fidelity_groups(groups),
            drill_networks: drill_network_groups(groups),
            preread: None,
            read_concurrency: 16,
            prepare_ahead: 100,
        }
    }
}

/// Which groups of `groups` launch into pre-provisioned instances.
pub fn launch_into_groups(groups: &[ProtectionGroup]) -> BTreeSet<String> {
    groups
        .iter()
        .filter(|g| g.launch.launch_mode == LaunchMode::PreProvisioned)
        .map(|g| g.name.clone())
        .collect()
}

/// The groups whose drills launch into a drill-only network.
pub fn drill_network_groups(groups: &[ProtectionGroup]) -> BTreeMap<String, DrillNetwork> {
    groups
        .iter()
        .filter_map(|g| g.launch.drill_network.clone().map(|n| (g.name.clone(), n)))
        .collect()
}

/// The groups whose failback drills launch into an isolated network of the origin region.
pub fn failback_drill_network_groups(groups: &[ProtectionGroup]) -> BTreeMap<String, DrillNetwork> {
    groups
        .iter()
        .filter_map(|g| {
            g.launch
                .failback_drill_network
                .as_deref()
                .map(|n| (g.name.clone(), n.clone()))
        })
        .collect()
}

/// Full-fidelity drill groups: drills launch into their DR instances.
pub fn full_fidelity_groups(groups: &[ProtectionGroup]) -> BTreeSet<String> {
    groups
        .iter()
        .filter(|g| {
            g.launch.launch_mode == LaunchMode::PreProvisioned && g.launch.full_fidelity_drills
        })
        .map(|g| g.name.clone())
        .collect()
}
