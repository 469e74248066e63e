//! Running a wave's automated steps: SSM commands and automations, Route 53 record changes and
//! checks. Each tick moves every running step one stage on and never waits: a step keeps its
//! place in the journal (what was sent, its IDs, when to look again).
//!
//! The rules of the engine hold here too. An action is written in the journal (its token)
//! before it is sent; once AWS has answered with an ID, that ID is followed and the action is
//! never sent again. After an answer that was lost, the action is looked for by its token — an
//! SSM command by its comment, an automation by its client token (which AWS keeps idempotent),
//! a record by reading it — before anything is sent again. Only a definitive refusal fails a
//! step; a drill writes a record only into the step's drill zone.

use super::journal::Event;
use super::model::{self, ExecutionKind, ServerStatus, StepRun, StepStatus};
use super::retry::{outcome, Outcome};
use super::{rfc3339, Engine, EngineError, Execution};
use crate::cloud::{Cloud, CloudError, CommandRequest, CommandResult, RecordSet};
use crate::step::{CheckKind, Step, StepFailure, StepKind};
use std::sync::Arc;
use time::{Duration as Span, OffsetDateTime};

/// How long a step waits before looking again at something AWS is doing.
const POLL: Span = Span::seconds(5);
/// How long a check waits between two tries, and a command for an agent to come online.
const RETRY: Span = Span::seconds(15);
/// Longest output kept for a step (the journal, the live view and the report show it).
pub const MAX_OUTPUT_CHARS: usize = 4000;
/// Seconds an SSM command may run on an instance.
const COMMAND_TIMEOUT_SECONDS: u32 = 600;
/// Commands of a check remembered (the latest ones).
const KEPT_COMMAND_IDS: usize = 10;

/// What one stage of a step came to.
enum Stage {
    /// Nothing to do until `at`.
    LookAgainAt(OffsetDateTime),
    /// It succeeded; a line saying what it found.
    Done(String),
    /// It failed for good; why.
    Failed(String),
}

/// Cuts `text` to at most `max` characters, saying so.
pub fn excerpt(text: &str, max: usize) -> String {
    let text = text.trim_end();
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut: String = text.chars().take(max.saturating_sub(20)).collect();
    format!("{cut}\n… (output cut)")
}

/// The recovered instances of the servers a step names (or of its wave's servers), by name.
fn step_instances(e: &Execution, wi: usize, spec: &Step) -> Result<Vec<(String, String)>, String> {
    if spec.servers.is_empty() {
        let w = &e.waves[wi];
        let launched: Vec<(String, String)> = w
            .servers
            .iter()
            .filter(|s| s.status == ServerStatus::Launched)
            .filter_map(|s| Some((s.name.clone(), s.ec2_instance_id.clone()?)))
            .collect();
        if launched.is_empty() {
            return Err(if w.servers.is_empty() {
                format!(
                    "wave \"{}\" has no servers: name the servers the step is about",
                    w.name
                )
            } else {
                format!("no server of wave \"{}\" has a recovered instance", w.name)
            });
        }
        return Ok(launched);
    }
    let mut out = Vec::new();
    for name in &spec.servers {
        let Some(s) = e.servers().find(|s| &s.name == name) else {
            return Err(format!("server \"{name}\" is in none of the plan's waves"));
        };
        match (&s.status, &s.ec2_instance_id) {
            (ServerStatus::Launched, Some(id)) => out.push((name.clone(), id.clone())),
            (status, _) => {
                return Err(format!(
                    "server \"{name}\" has no recovered instance (it is {})",
                    format!("{status:?}").to_lowercase()
                ))
            }
        }
    }
    Ok(out)
}

/// The target whose account the step acts in: its servers', else its wave's, else the first.
/// A wait step: done once its minutes have passed since it started (on the execution's clock,
/// so a resumed execution does not wait again from the start).
fn wait_step(run: &StepRun, spec: &Step, now: OffsetDateTime) -> Stage {
    let minutes = spec.minutes.unwrap_or(0);
    let started = run
        .started_at
        .as_deref()
        .and_then(model::parse)
        .unwrap_or(now);
    let until = started + time::Duration::minutes(i64::from(minutes));
    if now >= until {
        Stage::Done(format!("waited {minutes} min"))
    } else {
        Stage::LookAgainAt(until)
    }
}

fn step_target(e: &Execution, wi: usize, spec: &Step) -> Option<String> {
    spec.servers
        .iter()
        .find_map(|n| e.servers().find(|s| &s.name == n).map(|s| s.target.clone()))
        .or_else(|| e.waves[wi].servers.first().map(|s| s.target.clone()))
        .or_else(|| e.servers().next().map(|s| s.target.clone()))
        .or_else(|| e.identities.keys().next().cloned())
}

/// The script a network check runs on a recovered instance, and the document that runs it.
fn probe(spec: &Step, windows: bool) -> (String, Vec<String>) {
    let tcp_host = if spec.host.is_empty() {
        "127.0.0.1"
    } else {
        &spec.host
    };
    let port = spec.port.unwrap_or(0);
    match (spec.check, windows) {
        (Some(CheckKind::Http), false) => (
            "AWS-RunShellScript".into(),
            vec![format!(
                "curl -sS -o /dev/null -m 10 -w 'HTTP %{{http_code}}\\n' -f '{}'",
                spec.url
            )],
        ),
        (Some(CheckKind::Http), true) => (
            "AWS-RunPowerShellScript".into(),
            vec![format!(
                "$r = Invoke-WebRequest -UseBasicParsing -TimeoutSec 10 -Uri '{}'; \"HTTP $($r.StatusCode)\"",
                spec.url
            )],
        ),
        (_, false) => (
            "AWS-RunShellScript".into(),
            vec![format!(
                "timeout 10 bash -c '</dev/tcp/{tcp_host}/{port}' && echo 'port {port} on {tcp_host} answered'"
            )],
        ),
        (_, true) => (
            "AWS-RunPowerShellScript".into(),
            vec![format!(
                "if (Test-NetConnection -ComputerName '{tcp_host}' -Port {port} -InformationLevel Quiet) {{ 'port {port} on {tcp_host} answered' }} else {{ exit 1 }}"
            )],
        ),
    }
}

/// What a finished command said, instance by instance.
fn command_summary(results: &[CommandResult], names: &[(String, String)]) -> String {
    let mut out = String::new();
    for r in results {
        let name = names
            .iter()
            .find(|(_, id)| id == &r.instance_id)
            .map(|(n, _)| format!(" ({n})"))
            .unwrap_or_default();
        let code = r
            .response_code
            .map(|c| format!(", exit {c}"))
            .unwrap_or_default();
        out.push_str(&format!("{}{name}: {}{code}\n", r.instance_id, r.status));
        if !r.output.trim().is_empty() {
            out.push_str(&excerpt(&r.output, 1500));
            out.push('\n');
        }
    }
    excerpt(&out, MAX_OUTPUT_CHARS)
}

impl Engine<'_> {
    /// Starts the step a wave is at: a manual one waits for a person, an automated one is run
    /// by the engine from this tick on.
    pub(super) fn begin_step(step: &mut StepRun, wave: &str, now: OffsetDateTime) -> Event {
        step.started_at = Some(rfc3339(now));
        if step.kind.automated() {
            step.status = StepStatus::Running;
            Event::StepStarted {
                wave: wave.to_string(),
                step: step.name.clone(),
                kind: step.kind.label().to_string(),
            }
        } else {
            step.status = StepStatus::Waiting;
            Event::StepWaiting {
                wave: wave.to_string(),
                step: step.name.clone(),
            }
        }
    }

    /// A step failed: with policy ask it waits for a person, otherwise it is over.
    pub(super) fn fail_step(
        &self,
        e: &mut Execution,
        wi: usize,
        si: usize,
        why: String,
    ) -> Result<(), EngineError> {
        let now = rfc3339(self.clock.now());
        let wave = e.waves[wi].name.clone();
        let s = &mut e.waves[wi].steps[si];
        s.next_at = None;
        s.attempt = None;
        let step = s.name.clone();
        if s.on_failure == StepFailure::Ask && !s.asking {
            s.status = StepStatus::Waiting;
            s.asking = true;
            s.note = Some(format!(
                "failed: {why}; confirm it to go on, or cancel the execution"
            ));
            self.record(e, Event::StepAsks { wave, step, why })
        } else {
            s.status = StepStatus::Failed;
            s.ended_at = Some(now);
            s.note = Some(why.clone());
            self.record(e, Event::StepFailed { wave, step, why })
        }
    }

    /// Moves every running step on one stage; true when one ended (so the next can start in
    /// the same tick). `acting` false (paused): steps are followed but nothing new is sent.
    pub(super) async fn run_steps(
        &mut self,
        e: &mut Execution,
        now: OffsetDateTime,
        acting: bool,
    ) -> Result<bool, EngineError> {
        let mut ended = false;
        for wi in 0..e.waves.len() {
            for si in 0..e.waves[wi].steps.len() {
                let s = &e.waves[wi].steps[si];
                if s.status != StepStatus::Running
                    || s.next_at
                        .as_deref()
                        .and_then(model::parse)
                        .is_some_and(|t| t > now)
                {
                    continue;
                }
                let stage = self.advance_step(e, wi, si, now, acting).await?;
                let wave = e.waves[wi].name.clone();
                match stage {
                    Stage::LookAgainAt(at) => e.waves[wi].steps[si].next_at = Some(rfc3339(at)),
                    Stage::Done(summary) => {
                        let s = &mut e.waves[wi].steps[si];
                        s.status = StepStatus::Done;
                        s.ended_at = Some(rfc3339(self.clock.now()));
                        s.next_at = None;
                        s.attempt = None;
                        let step = s.name.clone();
                        self.record(
                            e,
                            Event::StepDone {
                                wave,
                                step,
                                summary,
                            },
                        )?;
                        ended = true;
                    }
                    Stage::Failed(why) => {
                        self.fail_step(e, wi, si, why)?;
                        ended = true;
                    }
                }
            }
        }
        Ok(ended)
    }

    /// Writes `token` as the step's attempt in the journal (before the call it names).
    fn journal_attempt(
        &self,
        e: &mut Execution,
        wi: usize,
        si: usize,
        action: String,
        token: &str,
    ) -> Result<(), EngineError> {
        let wave = e.waves[wi].name.clone();
        let s = &mut e.waves[wi].steps[si];
        s.attempt = Some(token.to_string());
        let step = s.name.clone();
        self.record(
            e,
            Event::StepSending {
                wave,
                step,
                action,
                token: token.to_string(),
            },
        )
    }

    /// AWS answered with `id` for the step's attempt.
    fn journal_sent(
        &self,
        e: &mut Execution,
        wi: usize,
        si: usize,
        id: String,
    ) -> Result<(), EngineError> {
        let wave = e.waves[wi].name.clone();
        let s = &mut e.waves[wi].steps[si];
        s.attempt = None;
        s.action_ids.push(id.clone());
        let keep = s.action_ids.len().saturating_sub(KEPT_COMMAND_IDS);
        s.action_ids.drain(..keep);
        let step = s.name.clone();
        self.record(e, Event::StepSent { wave, step, id })
    }

    /// What an error from a call that acts means for the step.
    fn after_error(&self, err: &CloudError, now: OffsetDateTime) -> Stage {
        match outcome(err) {
            Outcome::Refused => Stage::Failed(err.to_string()),
            Outcome::NotDone | Outcome::Unknown => Stage::LookAgainAt(now + RETRY),
        }
    }

    async fn advance_step(
        &mut self,
        e: &mut Execution,
        wi: usize,
        si: usize,
        now: OffsetDateTime,
        acting: bool,
    ) -> Result<Stage, EngineError> {
        let Some(spec) = e.waves[wi].steps[si].spec.clone() else {
            return Ok(Stage::Failed(
                "the step's definition is missing from the journal".into(),
            ));
        };
        if spec.kind == StepKind::Wait {
            return Ok(wait_step(&e.waves[wi].steps[si], &spec, now));
        }
        let Some(target) = step_target(e, wi, &spec) else {
            return Ok(Stage::Failed(
                "the execution has no target to act in".into(),
            ));
        };
        let cloud = self.cloud(&target)?;
        match spec.kind {
            StepKind::Manual => Ok(Stage::Failed(
                "a manual step is confirmed by a person".into(),
            )),
            StepKind::SsmCommand => {
                self.command_step(e, wi, si, &spec, &cloud, now, acting)
                    .await
            }
            StepKind::SsmAutomation => {
                self.automation_step(e, wi, si, &spec, &cloud, now, acting)
                    .await
            }
            StepKind::Route53 => {
                self.route53_step(e, wi, si, &spec, &cloud, now, acting)
                    .await
            }
            StepKind::Check => self.check_step(e, wi, si, &spec, &cloud, now, acting).await,
            StepKind::Wait => Ok(wait_step(&e.waves[wi].steps[si], &spec, now)),
        }
    }

    fn count_calls(e: &mut Execution, wi: usize, si: usize, n: u32) {
        e.waves[wi].steps[si].api_calls += n;
    }

    /// Whether every instance's SSM agent is online; when not, says which are not.
    async fn agents_online(
        &self,
        e: &mut Execution,
        wi: usize,
        si: usize,
        cloud: &Arc<dyn Cloud>,
        instances: &[(String, String)],
    ) -> Result<Result<Vec<crate::cloud::ManagedInstance>, String>, CloudError> {
        let ids: Vec<String> = instances.iter().map(|(_, id)| id.clone()).collect();
        Self::count_calls(e, wi, si, 1);
        let managed = cloud.managed_instances(&ids).await?;
        let offline: Vec<String> = instances
            .iter()
            .filter(|(_, id)| {
                !managed
                    .iter()
                    .any(|m| &m.id == id && m.ping_status == "Online")
            })
            .map(|(name, id)| {
                let status = managed
                    .iter()
                    .find(|m| &m.id == id)
                    .map_or("not registered with SSM", |m| m.ping_status.as_str());
                format!("{id} ({name}): {status}")
            })
            .collect();
        Ok(if offline.is_empty() {
            Ok(managed)
        } else {
            Err(format!("waiting for the SSM agent: {}", offline.join("; ")))
        })
    }

    /// Sends (or finds again) the command of a step and follows it: `Err(stage)` while the
    /// command is not over, its results when it is.
    #[allow(clippy::too_many_arguments)]
    async fn follow_command(
        &self,
        e: &mut Execution,
        wi: usize,
        si: usize,
        cloud: &Arc<dyn Cloud>,
        request: CommandRequest,
        now: OffsetDateTime,
        acting: bool,
    ) -> Result<Result<Vec<CommandResult>, Stage>, EngineError> {
        let s = &e.waves[wi].steps[si];
        let current = s.action_ids.last().cloned();
        let Some(command_id) = current else {
            if !acting {
                return Ok(Err(Stage::LookAgainAt(now + POLL)));
            }
            // An earlier send whose answer was lost: look for it by its comment first.
            if let Some(token) = s.attempt.clone() {
                let since = s.started_at.clone().unwrap_or_else(|| rfc3339(now));
                Self::count_calls(e, wi, si, 1);
                match cloud.find_command(&token, &since).await {
                    Ok(Some(id)) => {
                        self.journal_sent(e, wi, si, id)?;
                        return Ok(Err(Stage::LookAgainAt(now + POLL)));
                    }
                    Ok(None) => {}
                    Err(err) => return Ok(Err(Stage::LookAgainAt(now + RETRY).or_refused(&err))),
                }
            }
            let token = format!("drs-orchestrator {}", uuid::Uuid::now_v7());
            let request = CommandRequest {
                comment: token.clone(),
                ..request
            };
            self.journal_attempt(
                e,
                wi,
                si,
                format!(
                    "SSM {} to {}",
                    request.document,
                    request.instance_ids.join(", ")
                ),
                &token,
            )?;
            Self::count_calls(e, wi, si, 1);
            return Ok(Err(match cloud.send_command(&request).await {
                Ok(id) => {
                    self.journal_sent(e, wi, si, id)?;
                    Stage::LookAgainAt(now + POLL)
                }
                Err(err) => {
                    if outcome(&err) != Outcome::Unknown {
                        // Not carried out: the next try sends afresh.
                        e.waves[wi].steps[si].attempt = None;
                    }
                    e.waves[wi].steps[si].output = Some(format!("SendCommand: {err}"));
                    self.after_error(&err, now)
                }
            }));
        };
        Self::count_calls(e, wi, si, 1);
        match cloud.command_results(&command_id).await {
            Ok(results) if !results.is_empty() && results.iter().all(CommandResult::is_final) => {
                Ok(Ok(results))
            }
            Ok(_) => Ok(Err(Stage::LookAgainAt(now + POLL))),
            Err(err) => Ok(Err(Stage::LookAgainAt(now + RETRY).or_refused(&err))),
        }
    }

    #[allow(clippy::too_many_arguments)]
    async fn command_step(
        &self,
        e: &mut Execution,
        wi: usize,
        si: usize,
        spec: &Step,
        cloud: &Arc<dyn Cloud>,
        now: OffsetDateTime,
        acting: bool,
    ) -> Result<Stage, EngineError> {
        let instances = match step_instances(e, wi, spec) {
            Ok(i) => i,
            Err(why) => return Ok(Stage::Failed(why)),
        };
        let s = &e.waves[wi].steps[si];
        if s.action_ids.is_empty() && s.attempt.is_none() {
            match self.agents_online(e, wi, si, cloud, &instances).await {
                Ok(Ok(_)) => {}
                Ok(Err(waiting)) => {
                    e.waves[wi].steps[si].output = Some(waiting);
                    return Ok(Stage::LookAgainAt(now + RETRY));
                }
                Err(err) => return Ok(Stage::LookAgainAt(now + RETRY).or_refused(&err)),
            }
        }
        let ids: Vec<String> = instances.iter().map(|(_, id)| id.clone()).collect();
        e.waves[wi].steps[si].instances = ids.clone();
        let request = CommandRequest {
            document: spec.document.clone(),
            parameters: spec.parameters.clone(),
            instance_ids: ids,
            comment: String::new(),
            timeout_seconds: COMMAND_TIMEOUT_SECONDS,
        };
        match self
            .follow_command(e, wi, si, cloud, request, now, acting)
            .await?
        {
            Err(stage) => Ok(stage),
            Ok(results) => {
                let summary = command_summary(&results, &instances);
                e.waves[wi].steps[si].output = Some(summary.clone());
                let failed: Vec<String> = results
                    .iter()
                    .filter(|r| r.status != "Success")
                    .map(|r| {
                        let code = r
                            .response_code
                            .map(|c| format!(", exit {c}"))
                            .unwrap_or_default();
                        format!("{}: {}{code}", r.instance_id, r.status)
                    })
                    .collect();
                Ok(if failed.is_empty() {
                    Stage::Done(format!(
                        "{} succeeded on {} instance(s)",
                        spec.document,
                        results.len()
                    ))
                } else {
                    Stage::Failed(format!("{} failed on {}", spec.document, failed.join("; ")))
                })
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    async fn automation_step(
        &self,
        e: &mut Execution,
        wi: usize,
        si: usize,
        spec: &Step,
        cloud: &Arc<dyn Cloud>,
        now: OffsetDateTime,
        acting: bool,
    ) -> Result<Stage, EngineError> {
        let s = &e.waves[wi].steps[si];
        let Some(id) = s.action_ids.last().cloned() else {
            if !acting {
                return Ok(Stage::LookAgainAt(now + POLL));
            }
            // The client token makes a repeated start (after a lost answer) return the same
            // execution: the token is written down before the first call and reused. Every
            // call is written down first (a driver that lost the lease is refused here).
            let token = s
                .attempt
                .clone()
                .unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
            self.journal_attempt(
                e,
                wi,
                si,
                format!("SSM automation {}", spec.document),
                &token,
            )?;
            Self::count_calls(e, wi, si, 1);
            return Ok(
                match cloud
                    .start_automation(&spec.document, &spec.parameters, &token)
                    .await
                {
                    Ok(id) => {
                        self.journal_sent(e, wi, si, id)?;
                        Stage::LookAgainAt(now + POLL)
                    }
                    Err(err) => {
                        e.waves[wi].steps[si].output =
                            Some(format!("StartAutomationExecution: {err}"));
                        self.after_error(&err, now)
                    }
                },
            );
        };
        Self::count_calls(e, wi, si, 1);
        match cloud.automation(&id).await {
            Ok(run) if run.is_final() => {
                let outputs: Vec<String> = run
                    .outputs
                    .iter()
                    .map(|(k, v)| format!("{k} = {}", v.join(", ")))
                    .collect();
                let mut text = format!("automation {id}: {}", run.status);
                if let Some(f) = &run.failure {
                    text.push_str(&format!("\n{f}"));
                }
                if !outputs.is_empty() {
                    text.push('\n');
                    text.push_str(&outputs.join("\n"));
                }
                e.waves[wi].steps[si].output = Some(excerpt(&text, MAX_OUTPUT_CHARS));
                Ok(if run.status == "Success" {
                    Stage::Done(format!("automation {} succeeded", spec.document))
                } else {
                    Stage::Failed(format!(
                        "automation {} ended {}{}",
                        spec.document,
                        run.status,
                        run.failure.map(|f| format!(": {f}")).unwrap_or_default()
                    ))
                })
            }
            Ok(run) => {
                e.waves[wi].steps[si].output = Some(format!("automation {id}: {}", run.status));
                Ok(Stage::LookAgainAt(now + POLL))
            }
            Err(err) => Ok(Stage::LookAgainAt(now + RETRY).or_refused(&err)),
        }
    }

    #[allow(clippy::too_many_arguments)]
    async fn route53_step(
        &self,
        e: &mut Execution,
        wi: usize,
        si: usize,
        spec: &Step,
        cloud: &Arc<dyn Cloud>,
        now: OffsetDateTime,
        acting: bool,
    ) -> Result<Stage, EngineError> {
        let drill = e.kind == ExecutionKind::Drill;
        let zone = if drill {
            if spec.drill_zone_id.is_empty() {
                // The plan's validation refuses this; the engine refuses it again.
                return Ok(Stage::Failed(
                    "a drill never changes a production record, and the step names no drill zone"
                        .into(),
                ));
            }
            spec.drill_zone_id.clone()
        } else {
            spec.zone_id.clone()
        };
        let rtype = spec.record_type_or_default().to_string();
        let name = spec.record.trim_end_matches('.').to_string();
        // The value: given, or the recovered private IP of the step's server.
        let value = if !spec.value.is_empty() {
            spec.value.clone()
        } else if let Some(v) = e.waves[wi].steps[si].value.clone() {
            // Resolved (and written in the journal) when the change was sent.
            v
        } else {
            let instances = match step_instances(e, wi, spec) {
                Ok(i) => i,
                Err(why) => return Ok(Stage::Failed(why)),
            };
            if instances.len() != 1 {
                return Ok(Stage::Failed(format!(
                    "the record points at one server, and the wave has {}: name the server",
                    instances.len()
                )));
            }
            let id = instances[0].1.clone();
            e.waves[wi].steps[si].instances = vec![id.clone()];
            Self::count_calls(e, wi, si, 1);
            match cloud.instances(std::slice::from_ref(&id)).await {
                Ok(found) => match found.into_iter().next().and_then(|i| i.private_ip) {
                    Some(ip) => ip,
                    None => {
                        return Ok(Stage::Failed(format!(
                            "recovered instance {id} has no private IP"
                        )))
                    }
                },
                Err(err) => return Ok(Stage::LookAgainAt(now + RETRY).or_refused(&err)),
            }
        };
        let record = RecordSet {
            name: name.clone(),
            record_type: rtype.clone(),
            ttl: Some(i64::from(spec.ttl.unwrap_or(60))),
            values: vec![value.clone()],
        };
        let s = &e.waves[wi].steps[si];
        let Some(change) = s.action_ids.last().cloned() else {
            if !acting {
                return Ok(Stage::LookAgainAt(now + POLL));
            }
            // An UPSERT of the same value is idempotent: after a lost answer it is sent again
            // (with a new token), and the read-back below is what counts.
            let token = format!("drs-orchestrator {}", uuid::Uuid::now_v7());
            e.waves[wi].steps[si].value = Some(value.clone());
            self.journal_attempt(
                e,
                wi,
                si,
                format!("UPSERT {name} {rtype} {value} in zone {zone}"),
                &token,
            )?;
            Self::count_calls(e, wi, si, 1);
            return Ok(match cloud.upsert_record(&zone, &record, &token).await {
                Ok(id) => {
                    self.journal_sent(e, wi, si, id)?;
                    Stage::LookAgainAt(now + POLL)
                }
                Err(err) => {
                    e.waves[wi].steps[si].output = Some(format!("ChangeResourceRecordSets: {err}"));
                    self.after_error(&err, now)
                }
            });
        };
        Self::count_calls(e, wi, si, 1);
        match cloud.change_in_sync(&change).await {
            Ok(false) => {
                e.waves[wi].steps[si].output = Some(format!("change {change}: PENDING"));
                return Ok(Stage::LookAgainAt(now + POLL));
            }
            Ok(true) => {}
            Err(err) => return Ok(Stage::LookAgainAt(now + RETRY).or_refused(&err)),
        }
        Self::count_calls(e, wi, si, 1);
        match cloud.record(&zone, &name, &rtype).await {
            Ok(Some(read)) if read.values == record.values => {
                let text = format!(
                    "{} {} {} (TTL {}) in zone {zone}, change {change} INSYNC",
                    read.name,
                    read.record_type,
                    read.values.join(", "),
                    read.ttl.unwrap_or_default()
                );
                e.waves[wi].steps[si].output = Some(text.clone());
                Ok(Stage::Done(text))
            }
            Ok(other) => Ok(Stage::Failed(format!(
                "read back {name} {rtype} in zone {zone}: {} instead of {value}",
                other.map_or("no record".to_string(), |r| r.values.join(", "))
            ))),
            Err(err) => Ok(Stage::LookAgainAt(now + RETRY).or_refused(&err)),
        }
    }

    #[allow(clippy::too_many_arguments)]
    async fn check_step(
        &self,
        e: &mut Execution,
        wi: usize,
        si: usize,
        spec: &Step,
        cloud: &Arc<dyn Cloud>,
        now: OffsetDateTime,
        acting: bool,
    ) -> Result<Stage, EngineError> {
        let instances = match step_instances(e, wi, spec) {
            Ok(i) => i,
            Err(why) => return Ok(Stage::Failed(why)),
        };
        let ids: Vec<String> = instances.iter().map(|(_, id)| id.clone()).collect();
        e.waves[wi].steps[si].instances = ids.clone();
        let Some(check) = spec.check else {
            return Ok(Stage::Failed("the check says nothing to check".into()));
        };
        let not_yet = |e: &mut Execution, text: String| {
            let s = &mut e.waves[wi].steps[si];
            s.tries += 1;
            s.output = Some(excerpt(&text, MAX_OUTPUT_CHARS));
            Stage::LookAgainAt(now + RETRY)
        };
        match check {
            CheckKind::Ec2Status => {
                Self::count_calls(e, wi, si, 1);
                let checks = match cloud.status_checks(&ids).await {
                    Ok(c) => c,
                    Err(err) => return Ok(Stage::LookAgainAt(now + RETRY).or_refused(&err)),
                };
                let lines: Vec<String> = instances
                    .iter()
                    .map(|(name, id)| match checks.iter().find(|c| &c.id == id) {
                        Some(c) => format!(
                            "{id} ({name}): {}/2 (system {}, instance {})",
                            c.passed(),
                            c.system,
                            c.instance
                        ),
                        None => format!("{id} ({name}): no status yet"),
                    })
                    .collect();
                let all = instances
                    .iter()
                    .all(|(_, id)| checks.iter().any(|c| &c.id == id && c.passed() == 2));
                Ok(if all {
                    e.waves[wi].steps[si].output = Some(lines.join("\n"));
                    Stage::Done(format!("status checks 2/2 on {} instance(s)", ids.len()))
                } else {
                    not_yet(e, lines.join("\n"))
                })
            }
            CheckKind::SsmAgent => match self.agents_online(e, wi, si, cloud, &instances).await {
                Ok(Ok(_)) => {
                    e.waves[wi].steps[si].output =
                        Some(format!("SSM agent online on {}", ids.join(", ")));
                    Ok(Stage::Done(format!(
                        "SSM agent online on {} instance(s)",
                        ids.len()
                    )))
                }
                Ok(Err(waiting)) => Ok(not_yet(e, waiting)),
                Err(err) => Ok(Stage::LookAgainAt(now + RETRY).or_refused(&err)),
            },
            CheckKind::Tcp | CheckKind::Http => {
                // Tried from inside the recovery network: from the first recovered instance.
                let runner = vec![instances[0].clone()];
                let s = &e.waves[wi].steps[si];
                let in_flight = !s.action_ids.is_empty() || s.attempt.is_some();
                let mut windows = false;
                if !in_flight {
                    match self.agents_online(e, wi, si, cloud, &runner).await {
                        Ok(Ok(managed)) => {
                            windows = managed.iter().any(|m| m.platform == "Windows");
                        }
                        Ok(Err(waiting)) => return Ok(not_yet(e, waiting)),
                        Err(err) => return Ok(Stage::LookAgainAt(now + RETRY).or_refused(&err)),
                    }
                }
                let (document, commands) = probe(spec, windows);
                let request = CommandRequest {
                    document,
                    parameters: [("commands".to_string(), commands)].into_iter().collect(),
                    instance_ids: vec![runner[0].1.clone()],
                    comment: String::new(),
                    timeout_seconds: 60,
                };
                match self
                    .follow_command(e, wi, si, cloud, request, now, acting)
                    .await?
                {
                    Err(stage) => Ok(stage),
                    Ok(results) => {
                        let what = match check {
                            CheckKind::Http => spec.url.clone(),
                            _ => format!(
                                "port {} on {}",
                                spec.port.unwrap_or(0),
                                if spec.host.is_empty() {
                                    "the instance"
                                } else {
                                    &spec.host
                                }
                            ),
                        };
                        let summary = command_summary(&results, &runner);
                        if results.iter().all(|r| r.status == "Success") {
                            e.waves[wi].steps[si].output = Some(summary);
                            Ok(Stage::Done(format!(
                                "{what} answered from {} ({})",
                                runner[0].1, runner[0].0
                            )))
                        } else {
                            // This try is over: the next one sends a new command.
                            e.waves[wi].steps[si].action_ids.clear();
                            let tries = e.waves[wi].steps[si].tries + 1;
                            Ok(not_yet(
                                e,
                                format!(
                                    "try {tries}: {what} did not answer from {}\n{summary}",
                                    runner[0].1
                                ),
                            ))
                        }
                    }
                }
            }
        }
    }
}

trait OrRefused {
    fn or_refused(self, err: &CloudError) -> Stage;
}

impl OrRefused for Stage {
    /// A read refused for good fails the step; anything else is looked at again.
    fn or_refused(self, err: &CloudError) -> Stage {
        if outcome(err) == Outcome::Refused {
            Stage::Failed(err.to_string())
        } else {
            self
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probes_are_shell_or_powershell() {
        let tcp = Step {
            kind: StepKind::Check,
            check: Some(CheckKind::Tcp),
            host: "db.retail.internal".into(),
            port: Some(5432),
            ..Step::default()
        };
        let (doc, lines) = probe(&tcp, false);
        assert_eq!(doc, "AWS-RunShellScript");
        assert!(
            lines[0].contains("/dev/tcp/db.retail.internal/5432"),
            "{lines:?}"
        );
        let (doc, lines) = probe(&tcp, true);
        assert_eq!(doc, "AWS-RunPowerShellScript");
        assert!(lines[0].contains("-Port 5432"));
        let http = Step {
            check: Some(CheckKind::Http),
            url: "http://localhost/health".into(),
            ..tcp
        };
        assert!(probe(&http, false).1[0].contains("curl"));
    }

    #[test]
    fn outputs_are_cut() {
        let long = "x".repeat(5000);
        let cut = excerpt(&long, 100);
        assert!(cut.chars().count() <= 100);
        assert!(cut.ends_with("(output cut)"));
        assert_eq!(excerpt("short\n", 100), "short");
    }
}
