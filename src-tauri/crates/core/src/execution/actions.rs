//! Following DRS post-launch actions: a server whose group declares required actions is
//! launched when its instance is, but counts as recovered — and lets its wave end — only once
//! DRS reports those actions succeeded. Its job is read again (by ID) until they have; a server
//! whose required action failed (or never reported) is failed with the reason, its instance
//! still its own (the drill's cleanup removes it like any other).

use super::journal::Event;
use super::model::ServerStatus;
use super::{Engine, EngineError, Execution};
use crate::launch_actions::{verdict, ActionRun};
use std::collections::BTreeMap;
use time::{Duration as Span, OffsetDateTime};

/// How long after a server's launch its required actions may take to report.
pub const ACTIONS_TIMEOUT: Span = Span::minutes(30);
/// How often a job is read again for its actions.
const LOOK_AGAIN: Span = Span::seconds(15);

impl Engine<'_> {
    /// Reads the jobs of launched servers that wait for their post-launch actions (when due)
    /// and settles the servers whose required actions are over.
    pub(super) async fn follow_actions(
        &mut self,
        e: &mut Execution,
        now: OffsetDateTime,
    ) -> Result<(), EngineError> {
        // (target, job) → servers waiting on it.
        let mut waiting: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
        for s in e.servers().filter(|s| s.awaits_actions()) {
            let job = s.batch.as_ref().and_then(|b| {
                e.batches
                    .iter()
                    .find(|x| &x.key == b)
                    .and_then(|x| x.job_id.clone())
            });
            if let Some(job) = job {
                waiting
                    .entry((s.target.clone(), job))
                    .or_default()
                    .push(s.source_server_id.clone());
            }
        }
        self.next_action_look
            .retain(|job, _| waiting.keys().any(|(_, j)| j == job));
        for ((target, job), servers) in waiting {
            if self.next_action_look.get(&job).is_some_and(|t| *t > now) {
                continue;
            }
            self.next_action_look.insert(job.clone(), now + LOOK_AGAIN);
            let cloud = self.cloud(&target)?;
            let runs: BTreeMap<String, Vec<ActionRun>> =
                match cloud.jobs(std::slice::from_ref(&job)).await {
                    Ok(jobs) => jobs
                        .into_iter()
                        .flat_map(|j| j.servers)
                        .map(|p| (p.source_server_id, p.action_runs))
                        .collect(),
                    // A read that failed is tried again at the next look.
                    Err(_) => continue,
                };
            for id in servers {
                let Some(s) = e.server_mut(&id) else { continue };
                for r in runs.get(&id).into_iter().flatten() {
                    match s.actions.iter_mut().find(|a| a.name == r.name) {
                        Some(a) => {
                            a.status = r.status.clone();
                            a.failure = r.failure.clone();
                        }
                        // An action the group does not declare (added in the console) is
                        // shown, and counts as DRS says.
                        None => s.actions.push(r.clone()),
                    }
                }
                let launched_at = s.ended_at.as_deref().and_then(super::model::parse);
                let overdue = launched_at.is_some_and(|t| now - t >= ACTIONS_TIMEOUT);
                let outcome = match verdict(&s.actions) {
                    Some(v) => v,
                    None if overdue => Err(format!(
                        "post-launch actions did not report within {} min ({})",
                        ACTIONS_TIMEOUT.whole_minutes(),
                        s.actions
                            .iter()
                            .filter(|a| !a.optional && !a.is_final())
                            .map(|a| format!("\"{}\" {}", a.name, a.status.to_lowercase()))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )),
                    None => continue,
                };
                let instance = s.ec2_instance_id.clone().unwrap_or_default();
                let event = match outcome {
                    Ok(()) => Event::ActionsPassed {
                        server: s.name.clone(),
                        actions: s.actions.iter().filter(|a| !a.optional).count(),
                    },
                    Err(why) => {
                        let why = format!("launched as {instance}, but {why}");
                        s.status = ServerStatus::Failed;
                        s.failure = Some(why.clone());
                        Event::ActionsFailed {
                            server: s.name.clone(),
                            why,
                        }
                    }
                };
                self.record(e, event)?;
            }
        }
        Ok(())
    }
}
