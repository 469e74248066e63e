//! The execution journal: every state of every execution, written before the engine acts on it,
//! its events (the timeline), the requests people make of a running execution from any process
//! (pause, resume, cancel, approve a wave, confirm a drill's cleanup, give up a cleanup), and the
//! lease that lets one driver only write it: every journal write checks the writer still holds
//! the lease (owner and fencing version), so a process that lost it — stopped, then taken over —
//! can never write again.

use crate::{audit, now, Result, Store, StoreError};
use drs_core::execution::{Control, Event, Execution, Journal, JournalError};
use rusqlite::{params, OptionalExtension};
use serde::Serialize;
use std::path::Path;
use std::sync::Mutex;

/// One execution in a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub struct ExecutionSummary {
    /// ID.
    pub id: String,
    /// Plan.
    pub plan: String,
    /// `drill`, `recovery` or `reprotect`.
    pub kind: String,
    /// `failover` (towards the recovery region) or `failback` (back to the origin region).
    pub direction: String,
    /// Status.
    pub status: String,
    /// Started.
    pub started_at: String,
    /// Ended.
    pub ended_at: Option<String>,
    /// Who.
    pub started_by: String,
    /// A drill's cleanup status (`pending`, `awaitingConfirmation`, `verified`, `failed`, …).
    pub cleanup: String,
    /// Recovery time to the last server's launch, once every server launched (seconds).
    pub recovery_seconds: Option<i64>,
    /// Recovery time to "application up": the wave steps done too (seconds).
    pub application_up_seconds: Option<i64>,
    /// The plan's RTO target (seconds).
    pub target_seconds: Option<i64>,
}

/// An event of an execution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub struct ExecutionEvent {
    /// When.
    pub at: String,
    /// What.
    pub event: String,
    /// The execution's status then.
    pub status: String,
}

/// A request someone made of an execution, as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestRecord {
    /// When.
    pub at: String,
    /// Who asked.
    pub actor: String,
    /// `pause`, `resume`, `cancel`, `approve`, `cleanup`.
    pub request: String,
    /// The wave, for an approval.
    pub wave: Option<String>,
}

/// A request people can make of a running execution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Request<'a> {
    /// Start no new job.
    Pause,
    /// Go on after a pause.
    Resume,
    /// Stop and clean up.
    Cancel,
    /// Let a wave start.
    Approve(&'a str),
    /// Clean up a drill (when cleanup is not automatic).
    ConfirmCleanup,
    /// Stop retrying a drill's cleanup and restores; the execution ends with what is left
    /// listed.
    Abandon,
    /// A person confirms a wave's step (a manual step).
    ConfirmStep {
        /// Wave.
        wave: &'a str,
        /// Step.
        step: &'a str,
    },
}

/// A lease that has not been renewed for this long belongs to a driver that is gone (or
/// stopped): it may be taken over, explicitly.
pub const LEASE_STALE_SECONDS: i64 = 30;

/// The right to drive one execution: only its holder may write the journal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    /// Execution.
    pub execution: String,
    /// Who holds it (`host:pid:face`).
    pub owner: String,
    /// Fencing version: raised by every acquisition.
    pub version: i64,
}

/// Who drives an execution, as the lease says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(
    rename_all = "camelCase",
    rename_all_fields = "camelCase",
    tag = "state"
)]
#[ts(export_to = "ipc.ts")]
pub enum Driver {
    /// Nobody: never driven, or its driver let go (ended, waits for a confirmation, paused
    /// with Ctrl-C).
    None,
    /// A live driver (its heartbeat is recent).
    Live {
        /// Owner.
        owner: String,
        /// Seconds since its last heartbeat.
        seconds_since_heartbeat: i64,
    },
    /// A driver that stopped renewing its lease: gone, or stopped; taking over is explicit.
    Stale {
        /// Owner.
        owner: String,
        /// Seconds since its last heartbeat.
        seconds_since_heartbeat: i64,
    },
}

fn json<T: Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| StoreError::Corrupt(format!("execution: {e}")))
}

fn status_text(e: &Execution) -> String {
    serde_json::to_value(e.status)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

impl Store {
    /// Writes an execution's whole state and an event, in one transaction.
    pub fn save_execution(&mut self, e: &Execution, event: &str) -> Result<()> {
        self.save_execution_as(e, event, None)
    }

    /// Who drives `id` now.
    pub fn driver(&self, id: &str) -> Result<Driver> {
        let row: Option<(Option<String>, i64)> = self
            .conn
            .query_row(
                "SELECT owner, unixepoch('now') - heartbeat FROM execution_leases WHERE execution = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        Ok(match row {
            None | Some((None, _)) => Driver::None,
            Some((Some(owner), age)) if age <= LEASE_STALE_SECONDS => Driver::Live {
                owner,
                seconds_since_heartbeat: age.max(0),
            },
            Some((Some(owner), age)) => Driver::Stale {
                owner,
                seconds_since_heartbeat: age,
            },
        })
    }

    /// Takes the lease of `id` for `owner`. Refused while a live driver holds it; a stale
    /// lease is taken only with `take_over` (audited by the caller). Each acquisition raises
    /// the fencing version, so the previous holder's writes are refused from now on.
    pub fn acquire_lease(&mut self, id: &str, owner: &str, take_over: bool) -> Result<Lease> {
        self.write(|tx| {
            let row: Option<(Option<String>, i64, i64)> = tx
                .query_row(
                    "SELECT owner, version, unixepoch('now') - heartbeat FROM execution_leases WHERE execution = ?1",
                    [id],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()?;
            let version = match row {
                None => 1,
                Some((None, v, _)) => v + 1,
                Some((Some(holder), _, age)) if age <= LEASE_STALE_SECONDS => {
                    return Err(StoreError::Conflict(format!(
                        "execution {id} is being driven by {holder} (its last heartbeat was {age} s ago); watch it or send it requests (pause, cancel, approve) instead"
                    )))
                }
                Some((Some(holder), v, age)) => {
                    if !take_over {
                        return Err(StoreError::Conflict(format!(
                            "execution {id} was driven by {holder}, which has not been heard from for {age} s (its process died or was stopped); take it over explicitly to drive it here"
                        )));
                    }
                    v + 1
                }
            };
            tx.execute(
                "INSERT INTO execution_leases (execution, owner, version, heartbeat, acquired) VALUES (?1, ?2, ?3, unixepoch('now'), ?4)
                 ON CONFLICT (execution) DO UPDATE SET owner = ?2, version = ?3, heartbeat = unixepoch('now'), acquired = ?4",
                params![id, owner, version, now()],
            )?;
            Ok(Lease {
                execution: id.to_string(),
                owner: owner.to_string(),
                version,
            })
        })
    }

    /// Takes the lease of `id` from `holder`, a driver known to be gone (its process no longer
    /// exists), however recent its last heartbeat; refused when someone else holds it now.
    pub fn take_lease_from(&mut self, id: &str, owner: &str, holder: &str) -> Result<Lease> {
        self.write(|tx| {
            let version: Option<i64> = tx
                .query_row(
                    "SELECT version FROM execution_leases WHERE execution = ?1 AND owner = ?2",
                    params![id, holder],
                    |r| r.get(0),
                )
                .optional()?;
            let Some(v) = version else {
                return Err(StoreError::Conflict(format!(
                    "execution {id} is no longer held by {holder}; look again at who drives it"
                )));
            };
            tx.execute(
                "UPDATE execution_leases SET owner = ?2, version = ?3, heartbeat = unixepoch('now'), acquired = ?4 WHERE execution = ?1",
                params![id, owner, v + 1, now()],
            )?;
            Ok(Lease {
                execution: id.to_string(),
                owner: owner.to_string(),
                version: v + 1,
            })
        })
    }

    /// Renews a lease; refused (fenced) when another driver took it.
    pub fn heartbeat(&mut self, lease: &Lease) -> Result<()> {
        let n = self.conn.execute(
            "UPDATE execution_leases SET heartbeat = unixepoch('now') WHERE execution = ?1 AND owner = ?2 AND version = ?3",
            params![lease.execution, lease.owner, lease.version],
        )?;
        if n == 0 {
            return Err(self.fenced(lease));
        }
        Ok(())
    }

    /// Lets go of a lease (the driver stops driving); nothing happens when it was taken over.
    pub fn release_lease(&mut self, lease: &Lease) -> Result<()> {
        self.conn.execute(
            "UPDATE execution_leases SET owner = NULL WHERE execution = ?1 AND owner = ?2 AND version = ?3",
            params![lease.execution, lease.owner, lease.version],
        )?;
        Ok(())
    }

    fn fenced(&self, lease: &Lease) -> StoreError {
        let holder: Option<Option<String>> = self
            .conn
            .query_row(
                "SELECT owner FROM execution_leases WHERE execution = ?1",
                [&lease.execution],
                |r| r.get(0),
            )
            .optional()
            .ok()
            .flatten();
        StoreError::Fenced {
            execution: lease.execution.clone(),
            holder: holder.flatten().unwrap_or_else(|| "nobody".into()),
        }
    }

    /// Writes an execution's whole state and an event, in one transaction, checking in it that
    /// `lease` (when given) is still held.
    pub fn save_execution_as(
        &mut self,
        e: &Execution,
        event: &str,
        lease: Option<&Lease>,
    ) -> Result<()> {
        let body = json(e)?;
        let status = status_text(e);
        let kind = json(&e.kind)?.trim_matches('"').to_string();
        let written = self.write(|tx| {
            if let Some(l) = lease {
                let held: i64 = tx.query_row(
                    "SELECT count(*) FROM execution_leases WHERE execution = ?1 AND owner = ?2 AND version = ?3",
                    params![l.execution, l.owner, l.version],
                    |r| r.get(0),
                )?;
                if held == 0 {
                    return Err(StoreError::Fenced {
                        execution: l.execution.clone(),
                        holder: String::new(),
                    });
                }
            }
            tx.execute(
                "INSERT INTO executions (id, plan, kind, status, started_at, ended_at, started_by, body, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
                 ON CONFLICT (id) DO UPDATE SET status = ?4, ended_at = ?6, body = ?8, updated_at = ?9, writes = writes + 1",
                params![e.id, e.plan, kind, status, e.started_at, e.ended_at, e.started_by, body, now()],
            )?;
            if event != "tick" {
                tx.execute(
                    "INSERT INTO execution_events (execution, at, event, status) VALUES (?1, ?2, ?3, ?4)",
                    params![e.id, now(), event, status],
                )?;
            }
            Ok(())
        });
        match (written, lease) {
            (Err(StoreError::Fenced { .. }), Some(l)) => Err(self.fenced(l)),
            (other, _) => other,
        }
    }

    /// Unfinished executions (any kind, any process) that hold any of `servers`, each with the
    /// servers it shares.
    pub fn executions_holding(
        &self,
        servers: &std::collections::BTreeSet<String>,
    ) -> Result<Vec<(ExecutionSummary, Vec<String>)>> {
        let mut out = Vec::new();
        for summary in self.unfinished_executions()? {
            let e = self.execution(&summary.id)?;
            let shared: Vec<String> = e
                .servers()
                .filter(|s| servers.contains(&s.source_server_id))
                .map(|s| s.source_server_id.clone())
                .collect();
            if !shared.is_empty() {
                out.push((summary, shared));
            }
        }
        Ok(out)
    }

    /// How many times each unfinished execution (and each of `also`) has been written, for
    /// windows that follow executions driven elsewhere.
    pub fn execution_versions(&self, also: &[String]) -> Result<Vec<(String, i64)>> {
        let mut stmt = self.conn.prepare(
            "SELECT id, writes FROM executions
             WHERE status NOT IN ('completed', 'failed', 'cancelled') OR id IN (SELECT value FROM json_each(?1))",
        )?;
        let list = serde_json::to_string(also).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let rows = stmt.query_map([list], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// One execution.
    pub fn execution(&self, id: &str) -> Result<Execution> {
        let body: Option<String> = self
            .conn
            .query_row("SELECT body FROM executions WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .optional()?;
        let body = body.ok_or_else(|| StoreError::NotFound {
            kind: "execution",
            name: id.to_string(),
        })?;
        serde_json::from_str(&body).map_err(|e| StoreError::Corrupt(format!("execution {id}: {e}")))
    }

    /// The newest executions first.
    pub fn executions(&self, limit: u32) -> Result<Vec<ExecutionSummary>> {
        let mut stmt = self.conn.prepare(
            "SELECT id, plan, kind, status, started_at, ended_at, started_by,
                    coalesce(json_extract(body, '$.cleanup.status'), ''), body,
                    coalesce(json_extract(body, '$.direction'), 'failover') FROM executions
             ORDER BY started_at DESC, id DESC LIMIT ?1",
        )?;
        let rows = stmt.query_map([limit], |r| {
            // The recovery times come from the execution itself (an unreadable body shows none).
            let rto = serde_json::from_str::<Execution>(&r.get::<_, String>(8)?)
                .ok()
                .map(|e| e.rto());
            Ok(ExecutionSummary {
                id: r.get(0)?,
                plan: r.get(1)?,
                kind: r.get(2)?,
                direction: r.get(9)?,
                status: r.get(3)?,
                started_at: r.get(4)?,
                ended_at: r.get(5)?,
                started_by: r.get(6)?,
                cleanup: r.get(7)?,
                recovery_seconds: rto.as_ref().and_then(|m| m.measured_seconds),
                application_up_seconds: rto.as_ref().and_then(|m| m.application_up_seconds),
                target_seconds: rto.as_ref().and_then(|m| m.target_seconds),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Executions that have not ended (to resume).
    pub fn unfinished_executions(&self) -> Result<Vec<ExecutionSummary>> {
        Ok(self
            .executions(10_000)?
            .into_iter()
            .filter(|e| !matches!(e.status.as_str(), "completed" | "failed" | "cancelled"))
            .collect())
    }

    /// An execution's events, oldest first.
    pub fn execution_events(&self, id: &str) -> Result<Vec<ExecutionEvent>> {
        let mut stmt = self.conn.prepare(
            "SELECT at, event, status FROM execution_events WHERE execution = ?1 ORDER BY id",
        )?;
        let rows = stmt.query_map([id], |r| {
            Ok(ExecutionEvent {
                at: r.get(0)?,
                event: r.get(1)?,
                status: r.get(2)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Records a request for a running execution (and audits it).
    pub fn request(&mut self, id: &str, request: Request<'_>, actor: &str) -> Result<()> {
        let e = self.execution(id)?;
        if e.status.is_final() {
            return Err(StoreError::Conflict(format!(
                "execution {id} has ended ({}); there is nothing to change",
                status_text(&e)
            )));
        }
        let (text, wave) = match request {
            Request::Pause => ("pause", None),
            Request::Resume => ("resume", None),
            Request::Cancel => ("cancel", None),
            Request::Approve(w) => {
                if !e.waves.iter().any(|x| x.name == w) {
                    return Err(StoreError::NotFound {
                        kind: "wave",
                        name: format!(
                            "{w} (execution {id} has waves {})",
                            e.waves
                                .iter()
                                .map(|x| x.name.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    });
                }
                ("approve", Some(w))
            }
            Request::ConfirmCleanup => ("cleanup", None),
            Request::Abandon => ("abandon", None),
            Request::ConfirmStep { wave, step } => {
                let Some(w) = e.waves.iter().find(|x| x.name == wave) else {
                    return Err(StoreError::NotFound {
                        kind: "wave",
                        name: format!("{wave} (in execution {id})"),
                    });
                };
                let Some(s) = w.steps.iter().find(|x| x.name == step) else {
                    return Err(StoreError::NotFound {
                        kind: "step",
                        name: format!(
                            "{step} (wave \"{wave}\" has {})",
                            if w.steps.is_empty() {
                                "no steps".to_string()
                            } else {
                                w.steps
                                    .iter()
                                    .map(|x| format!("\"{}\"", x.name))
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            }
                        ),
                    });
                };
                if s.status.is_final() {
                    return Err(StoreError::Conflict(format!(
                        "step \"{step}\" of wave \"{wave}\" is over already ({:?})",
                        s.status
                    )));
                }
                ("confirm", Some(wave))
            }
        };
        let step = match request {
            Request::ConfirmStep { step, .. } => Some(step),
            _ => None,
        };
        self.write(|tx| {
            tx.execute(
                "INSERT INTO execution_requests (execution, at, actor, request, wave, step) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![id, now(), actor, text, wave, step],
            )?;
            audit::append(
                tx,
                actor,
                &format!("execution.{text}"),
                "execution",
                id,
                serde_json::json!({ "plan": e.plan, "wave": wave, "step": step }),
            )
        })
    }

    /// Jobs and servers in active jobs of `target` held by unfinished executions other than
    /// `execution` (the DRS quotas are shared by all of them).
    pub fn active_elsewhere(&self, execution: &str, target: &str) -> Result<(usize, usize)> {
        let (jobs, servers): (i64, i64) = self.conn.query_row(
            "SELECT count(*), coalesce(sum(json_array_length(b.value, '$.servers')), 0)
             FROM executions e, json_each(e.body, '$.batches') b
             WHERE e.id != ?1 AND e.status NOT IN ('completed', 'failed', 'cancelled')
               AND json_extract(b.value, '$.target') = ?2
               AND json_extract(b.value, '$.done') = 0",
            params![execution, target],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        Ok((jobs.max(0) as usize, servers.max(0) as usize))
    }

    /// Every request made of an execution, oldest first (for its report).
    pub fn execution_requests(&self, id: &str) -> Result<Vec<RequestRecord>> {
        let mut stmt = self.conn.prepare(
            "SELECT at, actor, request, wave FROM execution_requests WHERE execution = ?1 ORDER BY id",
        )?;
        let rows = stmt.query_map([id], |r| {
            Ok(RequestRecord {
                at: r.get(0)?,
                actor: r.get(1)?,
                request: r.get(2)?,
                wave: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// What people asked of an execution so far.
    pub fn control(&self, id: &str) -> Result<Control> {
        let mut stmt = self.conn.prepare(
            "SELECT request, wave, actor, step FROM execution_requests WHERE execution = ?1 ORDER BY id",
        )?;
        let rows = stmt.query_map([id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Option<String>>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Option<String>>(3)?,
            ))
        })?;
        let mut c = Control::default();
        for row in rows {
            let (request, wave, actor, step) = row?;
            if let ("confirm", Some(w), Some(s)) = (request.as_str(), &wave, step) {
                c.confirmations.entry((w.clone(), s)).or_insert(actor);
                continue;
            }
            match (request.as_str(), wave) {
                ("pause", _) => c.pause = true,
                ("resume", _) => c.pause = false,
                ("cancel", _) => c.cancel = true,
                ("approve", Some(w)) => {
                    c.approvals.entry(w).or_insert(actor);
                }
                ("cleanup", _) => c.cleanup_confirmed = true,
                ("abandon", _) => c.abandon = true,
                _ => {}
            }
        }
        Ok(c)
    }
}

/// The [`Journal`] over a store of its own (its own SQLite connection), for the engine; with a
/// lease, every write checks it is still held.
pub struct StoreJournal {
    store: Mutex<Store>,
    lease: Option<Lease>,
}

impl StoreJournal {
    /// Opens the store in `data_dir` for the journal (no lease: for tests and tools that own
    /// the execution outright).
    pub fn open(data_dir: &Path) -> Result<Self> {
        Ok(Self {
            store: Mutex::new(Store::open(data_dir)?),
            lease: None,
        })
    }

    /// Opens the store for a driver holding `lease`.
    pub fn with_lease(data_dir: &Path, lease: Lease) -> Result<Self> {
        Ok(Self {
            store: Mutex::new(Store::open(data_dir)?),
            lease: Some(lease),
        })
    }

    /// The lease this journal writes under.
    pub fn lease(&self) -> Option<&Lease> {
        self.lease.as_ref()
    }

    fn store(&self) -> std::result::Result<std::sync::MutexGuard<'_, Store>, JournalError> {
        self.store
            .lock()
            .map_err(|_| JournalError::Store("the journal lock was poisoned".into()))
    }
}

fn journal_error(e: StoreError) -> JournalError {
    match e {
        StoreError::Fenced { execution, holder } => JournalError::Fenced { execution, holder },
        other => JournalError::Store(other.to_string()),
    }
}

impl Journal for StoreJournal {
    fn record(
        &self,
        execution: &Execution,
        event: &Event,
    ) -> std::result::Result<(), JournalError> {
        let text = if event.is_routine() {
            "tick".to_string()
        } else {
            event.to_string()
        };
        self.store()?
            .save_execution_as(execution, &text, self.lease.as_ref())
            .map_err(journal_error)
    }

    fn control(&self, id: &str) -> std::result::Result<Control, JournalError> {
        self.store()?.control(id).map_err(journal_error)
    }

    fn active_elsewhere(
        &self,
        execution: &str,
        target: &str,
    ) -> std::result::Result<(usize, usize), JournalError> {
        self.store()?
            .active_elsewhere(execution, target)
            .map_err(journal_error)
    }
}
