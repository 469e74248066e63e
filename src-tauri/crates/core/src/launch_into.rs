//! Applying pairs: writing `launchIntoInstanceProperties.launchIntoEC2InstanceID` (with
//! copyPrivateIp and copyTags off and right-sizing NONE) for every valid pair, after showing the
//! before/after of each launch configuration; and undoing it from the recorded "before".
//!
//! Right before writing, every paired instance is read again: one started, untagged or
//! terminated since the last refresh is skipped with the reason, never written.

use crate::cloud::Cloud;
use crate::inventory::InstanceState;
use crate::launch::{LaunchConfiguration, LaunchConfigurationUpdate};
use crate::pairing::{Pair, PairStatus};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One launch configuration to change: what it holds now and what it will hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub struct PairChange {
    /// Protection group.
    pub group: String,
    /// `s-…`.
    pub source_server_id: String,
    /// Server name.
    pub server_name: String,
    /// The DR instance.
    pub instance_id: String,
    /// The launch configuration now.
    pub before: LaunchConfiguration,
    /// The launch configuration after the change.
    pub after: LaunchConfiguration,
}

/// A pair that is not written, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub struct Skipped {
    /// `s-…` (or the instance, for an orphan).
    pub subject: String,
    /// Server or instance name.
    pub name: String,
    /// Why.
    pub reason: String,
}

/// What an apply (or undo) would do, for the confirmation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub struct ApplyPlan {
    /// Launch configurations that change.
    pub changes: Vec<PairChange>,
    /// Valid pairs already set (nothing to write).
    pub unchanged: usize,
    /// Pairs that are not written, with the reason.
    pub skipped: Vec<Skipped>,
}

/// What an apply (or undo) did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub struct ApplyOutcome {
    /// Written, with `after` as DRS returned it.
    pub applied: Vec<PairChange>,
    /// Not written, with the reason (including the re-check right before writing).
    pub skipped: Vec<Skipped>,
    /// DRS refused, with its message.
    pub failed: Vec<Skipped>,
}

/// The changes that apply the valid pairs among `pairs`, given the current launch
/// configurations.
pub fn plan_apply(pairs: &[Pair], launch: &BTreeMap<String, LaunchConfiguration>) -> ApplyPlan {
    let mut plan = ApplyPlan::default();
    for p in pairs {
        let name = p
            .server_name
            .clone()
            .or_else(|| p.instance_name.clone())
            .unwrap_or_default();
        let subject = p
            .source_server_id
            .clone()
            .or_else(|| p.instance_id.clone())
            .unwrap_or_default();
        let skip = |reason: String| Skipped {
            subject: subject.clone(),
            name: name.clone(),
            reason,
        };
        match p.status {
            PairStatus::Orphan => continue,
            PairStatus::Unmatched | PairStatus::Ambiguous => {
                plan.skipped.push(skip(p.note.clone()));
                continue;
            }
            PairStatus::Matched | PairStatus::Override => {}
        }
        let failing: Vec<String> = p
            .checks
            .iter()
            .filter(|c| !c.ok && !c.fixed_by_apply)
            .map(|c| c.message.clone())
            .collect();
        if !failing.is_empty() {
            plan.skipped.push(skip(failing.join("; ")));
            continue;
        }
        let (Some(server), Some(instance), Some(group)) =
            (&p.source_server_id, &p.instance_id, &p.group)
        else {
            continue;
        };
        let Some(before) = launch.get(server) else {
            plan.skipped
                .push(skip("its launch configuration could not be read".into()));
            continue;
        };
        let after = LaunchConfigurationUpdate::launch_into(server, instance).applied_to(before);
        if &after == before {
            plan.unchanged += 1;
            continue;
        }
        plan.changes.push(PairChange {
            group: group.clone(),
            source_server_id: server.clone(),
            server_name: name,
            instance_id: instance.clone(),
            before: before.clone(),
            after,
        });
    }
    plan
}

/// Writes `plan.changes`, re-reading every instance first: one that is no longer stopped and
/// tagged is skipped. Each change is written on its own; one refused does not stop the others.
pub async fn apply(cloud: &dyn Cloud, plan: &ApplyPlan) -> ApplyOutcome {
    let mut outcome = ApplyOutcome {
        skipped: plan.skipped.clone(),
        ..Default::default()
    };
    let ids: Vec<String> = plan.changes.iter().map(|c| c.instance_id.clone()).collect();
    let fresh = match cloud.instances(&ids).await {
        Ok(list) => list,
        Err(e) => {
            outcome.failed = plan
                .changes
                .iter()
                .map(|c| Skipped {
                    subject: c.source_server_id.clone(),
                    name: c.server_name.clone(),
                    reason: format!("the DR instances could not be re-checked: {e}"),
                })
                .collect();
            return outcome;
        }
    };
    let fresh: BTreeMap<&str, _> = fresh.iter().map(|i| (i.id.as_str(), i)).collect();
    for change in &plan.changes {
        let skip = |reason: String| Skipped {
            subject: change.source_server_id.clone(),
            name: change.server_name.clone(),
            reason,
        };
        let reason = match fresh.get(change.instance_id.as_str()) {
            None => Some(format!("{} no longer exists", change.instance_id)),
            Some(i) if i.state != InstanceState::Stopped => Some(format!(
                "{} is {} now (it was stopped at the last refresh); stop it and apply again",
                change.instance_id,
                i.state.as_str()
            )),
            Some(i) if !i.allows_launch_into() => {
                Some(format!("{} lost its AWSDRS tag", change.instance_id))
            }
            Some(_) => None,
        };
        if let Some(reason) = reason {
            outcome.skipped.push(skip(reason));
            continue;
        }
        let update =
            LaunchConfigurationUpdate::launch_into(&change.source_server_id, &change.instance_id);
        match cloud.update_launch_configuration(&update).await {
            Ok(after) => outcome.applied.push(PairChange {
                after,
                ..change.clone()
            }),
            Err(e) => outcome.failed.push(skip(e.to_string())),
        }
    }
    outcome
}

/// Puts back the `before` of every recorded change.
pub async fn undo(cloud: &dyn Cloud, changes: &[PairChange]) -> ApplyOutcome {
    let mut outcome = ApplyOutcome::default();
    for change in changes {
        let update = LaunchConfigurationUpdate::restoring(&change.before);
        match cloud.update_launch_configuration(&update).await {
            Ok(now) => outcome.applied.push(PairChange {
                before: change.after.clone(),
                after: now,
                ..change.clone()
            }),
            Err(e) => outcome.failed.push(Skipped {
                subject: change.source_server_id.clone(),
                name: change.server_name.clone(),
                reason: e.to_string(),
            }),
        }
    }
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pairing::{MatchedBy, PairCheck};

    fn pair(server: &str, instance: &str, checks: Vec<PairCheck>) -> Pair {
        Pair {
            status: PairStatus::Matched,
            group: Some("g".into()),
            target: "t".into(),
            source_server_id: Some(server.into()),
            server_name: Some(format!("{server}-name")),
            instance_id: Some(instance.into()),
            instance_name: None,
            matched_by: Some(MatchedBy::NameTag),
            candidates: vec![],
            note: String::new(),
            checks,
        }
    }

    #[test]
    fn only_valid_pairs_that_change_something_are_written() {
        let lc = |s: &str, into: Option<&str>| LaunchConfiguration {
            source_server_id: s.into(),
            launch_into_instance_id: into.map(str::to_string),
            copy_private_ip: Some(false),
            copy_tags: Some(true),
            right_sizing: Some("BASIC".into()),
            ..Default::default()
        };
        let running = PairCheck {
            check: "stopped".into(),
            ok: false,
            message: "instance state running".into(),
            remediation: None,
            fixed_by_apply: false,
        };
        let launch = BTreeMap::from([
            ("s-1".to_string(), lc("s-1", None)),
            (
                "s-3".to_string(),
                LaunchConfiguration {
                    copy_tags: Some(false),
                    right_sizing: Some("NONE".into()),
                    ..lc("s-3", Some("i-3"))
                },
            ),
        ]);
        let plan = plan_apply(
            &[
                pair("s-1", "i-1", vec![]),
                pair("s-2", "i-2", vec![running]),
                pair("s-3", "i-3", vec![]),
            ],
            &launch,
        );
        assert_eq!(plan.changes.len(), 1);
        let c = &plan.changes[0];
        assert_eq!(c.after.launch_into_instance_id.as_deref(), Some("i-1"));
        assert_eq!(
            (c.after.copy_tags, c.after.right_sizing.as_deref()),
            (Some(false), Some("NONE"))
        );
        assert_eq!(c.before.right_sizing.as_deref(), Some("BASIC"));
        assert_eq!(plan.unchanged, 1);
        assert_eq!(plan.skipped.len(), 1);
        assert!(plan.skipped[0].reason.contains("running"));
    }
}
