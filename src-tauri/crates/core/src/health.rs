//! Replication health: each source server judged against its target's thresholds (the same
//! thresholds readiness uses), a summary for the Dashboard, and the alerts worth a desktop
//! notification when one look differs from the previous: a server crossing into critical, or
//! its agent disconnecting.

use crate::inventory::{ReplicationState, SourceServer};
use crate::readiness::{human_seconds, seconds_between, Thresholds};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How a server's replication is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts", rename = "HealthLevel")]
pub enum Level {
    /// Beyond the critical threshold, stalled, disconnected or its agent silent.
    Critical,
    /// Beyond the warning threshold, or not yet continuous.
    Warning,
    /// Continuous and within thresholds.
    Healthy,
}

/// One server's replication health.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub struct ServerHealth {
    /// Target.
    pub target: String,
    /// `s-…`.
    pub source_server_id: String,
    /// Display name.
    pub name: String,
    /// Replication state.
    pub replication_state: Option<String>,
    /// Lag in seconds.
    pub lag_seconds: Option<u64>,
    /// Seconds since DRS last heard from the agent.
    pub agent_silence_seconds: Option<i64>,
    /// The agent is disconnected (state DISCONNECTED, or silent beyond the threshold).
    pub agent_disconnected: bool,
    /// The verdict.
    pub level: Level,
    /// Why, in words.
    pub reasons: Vec<String>,
}

/// Judges every server of a target at `now` (RFC 3339).
pub fn assess(servers: &[SourceServer], t: &Thresholds, now: &str) -> Vec<ServerHealth> {
    servers
        .iter()
        .map(|s| {
            let mut reasons = Vec::new();
            let mut level = Level::Healthy;
            let mut worse = |l: Level, why: String| {
                level = level.min(l);
                reasons.push(why);
            };
            let silence = s
                .last_seen
                .as_deref()
                .and_then(|seen| seconds_between(seen, now));
            let state = s.replication_state.as_ref();
            let disconnected = matches!(state, Some(ReplicationState::Disconnected))
                || silence.is_some_and(|x| x > t.max_agent_silence_seconds as i64);
            match state {
                Some(ReplicationState::Continuous) => {}
                Some(
                    st @ (ReplicationState::Stalled
                    | ReplicationState::Disconnected
                    | ReplicationState::Stopped),
                ) => worse(Level::Critical, format!("replication is {}", st.as_str())),
                Some(st) => worse(
                    Level::Warning,
                    format!("replication is {}, not continuous", st.as_str()),
                ),
                None => worse(Level::Warning, "no replication state reported".into()),
            }
            if let Some(lag) = s.lag_seconds {
                if lag > t.critical_lag_seconds {
                    worse(
                        Level::Critical,
                        format!(
                            "lag {} (critical above {})",
                            human_seconds(lag),
                            human_seconds(t.critical_lag_seconds)
                        ),
                    );
                } else if lag > t.max_lag_seconds {
                    worse(
                        Level::Warning,
                        format!(
                            "lag {} (warning above {})",
                            human_seconds(lag),
                            human_seconds(t.max_lag_seconds)
                        ),
                    );
                }
            }
            if let Some(x) = silence.filter(|x| *x > t.max_agent_silence_seconds as i64) {
                worse(
                    Level::Critical,
                    format!(
                        "agent not seen for {} (threshold {})",
                        human_seconds(x.max(0) as u64),
                        human_seconds(t.max_agent_silence_seconds)
                    ),
                );
            }
            if let Some(e) = &s.replication_error {
                worse(Level::Critical, format!("replication error {}", e.error));
            }
            ServerHealth {
                target: s.target.clone(),
                source_server_id: s.id.clone(),
                name: s.display_name().to_string(),
                replication_state: state.map(|r| r.as_str().to_string()),
                lag_seconds: s.lag_seconds,
                agent_silence_seconds: silence,
                agent_disconnected: disconnected,
                level,
                reasons,
            }
        })
        .collect()
}

/// A desktop notification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Alert {
    /// Title.
    pub title: String,
    /// Body.
    pub body: String,
    /// The server.
    pub source_server_id: String,
}

/// What changed for the worse between two looks: servers crossing into critical and agents
/// disconnecting (a server seen for the first time alerts only if critical).
pub fn alerts(before: &[ServerHealth], after: &[ServerHealth]) -> Vec<Alert> {
    let prev: BTreeMap<(&str, &str), &ServerHealth> = before
        .iter()
        .map(|h| ((h.target.as_str(), h.source_server_id.as_str()), h))
        .collect();
    let alert = |title: &str, h: &ServerHealth| Alert {
        title: format!("{title}: {}", h.name),
        body: format!(
            "{} ({}, target {}): {}",
            h.name,
            h.source_server_id,
            h.target,
            h.reasons.join("; ")
        ),
        source_server_id: h.source_server_id.clone(),
    };
    let mut out = Vec::new();
    for h in after {
        let Some(was) = prev.get(&(h.target.as_str(), h.source_server_id.as_str())) else {
            continue; // first seen: the baseline
        };
        if h.agent_disconnected && !was.agent_disconnected {
            out.push(alert("Replication agent disconnected", h));
        } else if h.level == Level::Critical && was.level != Level::Critical {
            out.push(alert("Replication critical", h));
        }
    }
    out
}

/// Servers by level and replication state, and the lag distribution, for the Dashboard.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub struct HealthSummary {
    /// Servers in all.
    pub servers: usize,
    /// Critical.
    pub critical: usize,
    /// Warning.
    pub warning: usize,
    /// Healthy.
    pub healthy: usize,
    /// Servers by replication state.
    pub by_state: BTreeMap<String, usize>,
    /// Lag buckets: ≤ 1 min, ≤ warning, ≤ critical, > critical, not reported.
    pub lag_buckets: Vec<(String, usize)>,
}

/// Summarises `health` (judged with `t`).
pub fn summary(health: &[ServerHealth], t: &Thresholds) -> HealthSummary {
    let mut s = HealthSummary {
        servers: health.len(),
        ..Default::default()
    };
    let mut buckets = [0usize; 5];
    for h in health {
        match h.level {
            Level::Critical => s.critical += 1,
            Level::Warning => s.warning += 1,
            Level::Healthy => s.healthy += 1,
        }
        *s.by_state
            .entry(
                h.replication_state
                    .clone()
                    .unwrap_or_else(|| "unknown".into()),
            )
            .or_default() += 1;
        let i = match h.lag_seconds {
            None => 4,
            Some(l) if l <= 60 => 0,
            Some(l) if l <= t.max_lag_seconds => 1,
            Some(l) if l <= t.critical_lag_seconds => 2,
            Some(_) => 3,
        };
        buckets[i] += 1;
    }
    s.lag_buckets = vec![
        ("≤ 1 min".into(), buckets[0]),
        (
            format!("≤ {}", human_seconds(t.max_lag_seconds)),
            buckets[1],
        ),
        (
            format!("≤ {}", human_seconds(t.critical_lag_seconds)),
            buckets[2],
        ),
        (
            format!("> {}", human_seconds(t.critical_lag_seconds)),
            buckets[3],
        ),
        ("not reported".into(), buckets[4]),
    ];
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(id: &str, state: &str, lag: u64, seen: &str) -> SourceServer {
        serde_json::from_value(serde_json::json!({
            "id": id, "arn": "", "target": "t", "name": id,
            "replicationState": state, "lagSeconds": lag, "lastSeen": seen, "tags": {},
        }))
        .unwrap()
    }

    const NOW: &str = "2026-11-26T12:00:00Z";

    #[test]
    fn levels_follow_the_thresholds() {
        let t = Thresholds::default();
        let h = assess(
            &[
                server("s-ok", "CONTINUOUS", 5, "2026-11-26T11:59:50Z"),
                server("s-lag", "CONTINUOUS", 600, "2026-11-26T11:59:50Z"),
                server("s-crit", "CONTINUOUS", 3600, "2026-11-26T11:59:50Z"),
                server("s-quiet", "CONTINUOUS", 5, "2026-11-26T11:00:00Z"),
                server("s-sync", "INITIAL_SYNC", 5, "2026-11-26T11:59:50Z"),
            ],
            &t,
            NOW,
        );
        let levels: Vec<Level> = h.iter().map(|x| x.level).collect();
        assert_eq!(
            levels,
            [
                Level::Healthy,
                Level::Warning,
                Level::Critical,
                Level::Critical,
                Level::Warning
            ]
        );
        assert!(h[3].agent_disconnected);
        assert!(h[3].reasons[0].contains("agent not seen for 60 min"));
        let s = summary(&h, &t);
        assert_eq!((s.critical, s.warning, s.healthy), (2, 2, 1));
        assert_eq!(s.lag_buckets[0].1, 3);
    }

    #[test]
    fn alerts_fire_once_when_a_server_gets_worse() {
        let t = Thresholds::default();
        let before = assess(
            &[
                server("s-1", "CONTINUOUS", 5, "2026-11-26T11:59:50Z"),
                server("s-2", "CONTINUOUS", 400, "2026-11-26T11:59:50Z"),
            ],
            &t,
            NOW,
        );
        let after = assess(
            &[
                server("s-1", "DISCONNECTED", 5, "2026-11-26T11:00:00Z"),
                server("s-2", "CONTINUOUS", 4000, "2026-11-26T11:59:50Z"),
            ],
            &t,
            NOW,
        );
        let a = alerts(&before, &after);
        assert_eq!(a.len(), 2);
        assert!(a[0]
            .title
            .starts_with("Replication agent disconnected: s-1"));
        assert!(a[1].title.starts_with("Replication critical: s-2"));
        assert!(
            alerts(&after, &after).is_empty(),
            "no repeat while it stays so"
        );
        assert!(
            alerts(&[], &after).is_empty(),
            "the first look sets the baseline"
        );
    }
}
