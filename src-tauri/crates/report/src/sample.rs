//! Synthetic plans and executions of any size, for the benchmark and the tests: three waves,
//! two groups each, every tenth server blocked (its agent is silent), every seventh lagging,
//! and one server whose name is far too long and uses characters outside the font.

use drs_core::execution::Execution;
use drs_core::readiness::{Finding, Readiness, ServerReadiness, ServerVerdict, Severity, WavePlan};

const WAVES: [&str; 3] = ["1-databases", "2-applications", "3-web"];

fn name(i: usize) -> String {
    if i == 7 {
        format!("retail-db-{i:04}-{}-\u{1F600}-名前-Ωμέγα", "x".repeat(200))
    } else {
        format!("retail-{}-{i:04}", ["db", "app", "web"][i % 3])
    }
}

/// A plan of `servers` servers as a readiness check would judge it.
pub fn readiness(servers: usize) -> Readiness {
    let mut by_server = Vec::new();
    let mut findings = Vec::new();
    for i in 0..servers {
        let wave = WAVES[i * 3 / servers.max(1)];
        let group = format!("{wave}-{}", if i % 2 == 0 { "a" } else { "b" });
        let id = format!("s-{i:017x}");
        let blocked = i % 10 == 0;
        let lagging = i % 7 == 0;
        let mut f = |severity, check: &str, message: String, remediation: &str| {
            findings.push(Finding {
                severity,
                check: check.into(),
                wave: Some(wave.into()),
                group: Some(group.clone()),
                source_server_id: Some(id.clone()),
                server_name: Some(name(i)),
                message,
                evidence: None,
                observed_at: "2026-11-26T10:00:00Z".into(),
                remediation: Some(remediation.into()),
            })
        };
        if blocked {
            f(
                Severity::Blocker,
                "agentSeen",
                "the replication agent was last seen 42 min ago (threshold 15 min)".into(),
                "check the agent service and its network path to DRS",
            );
        }
        if lagging {
            f(
                Severity::Warning,
                "lag",
                "replication lags 20 min behind (threshold 5 min)".into(),
                "check the agent's bandwidth and the staging area",
            );
        }
        by_server.push(ServerReadiness {
            wave: wave.into(),
            group,
            target: "Sandbox".into(),
            source_server_id: id,
            name: name(i),
            replication_state: Some(if blocked { "STALLED" } else { "CONTINUOUS" }.into()),
            lag_seconds: Some(if lagging { 1200 } else { (i % 50) as u64 }),
            last_seen: Some("2026-11-26T09:59:30Z".into()),
            launch_into: i % 2 == 0,
            dr_instance: (i % 2 == 0 && i % 20 != 0).then(|| format!("i-{i:017x}")),
            verdict: if blocked {
                ServerVerdict::Blocked
            } else if lagging {
                ServerVerdict::Warning
            } else {
                ServerVerdict::Ready
            },
            blockers: usize::from(blocked),
            warnings: usize::from(lagging),
        });
    }
    findings.sort_by_key(|a| a.severity);
    let blockers = findings
        .iter()
        .filter(|f| f.severity == Severity::Blocker)
        .count();
    Readiness {
        plan: "retail-dr".into(),
        checked_at: "2026-11-26T10:00:00Z".into(),
        ready: blockers == 0,
        blockers,
        warnings: findings.len() - blockers,
        servers,
        findings,
        waves: WAVES
            .iter()
            .map(|w| {
                drs_core::readiness::wave_plan(w, by_server.iter().filter(|s| s.wave == *w).count())
            })
            .collect::<Vec<WavePlan>>(),
        pairs: vec![],
        by_server,
    }
}

/// A finished drill of `servers` servers: each wave 10 minutes after the previous, one server
/// failed in the last wave, cleanup verified, the second wave approved by a person.
pub fn drill(servers: usize, failed: bool) -> Result<Execution, serde_json::Error> {
    let at = |minutes: usize, seconds: usize| {
        format!(
            "2026-11-26T10:{:02}:{:02}Z",
            minutes.min(59),
            seconds.min(59)
        )
    };
    let mut waves = Vec::new();
    for (w, wave) in WAVES.iter().enumerate() {
        let members: Vec<usize> = (0..servers)
            .filter(|i| i * 3 / servers.max(1) == w)
            .collect();
        let start = w * 10;
        let servers_json: Vec<serde_json::Value> = members
            .iter()
            .map(|&i| {
                let fails = failed && w == 2 && i == members[0];
                serde_json::json!({
                    "sourceServerId": format!("s-{i:017x}"),
                    "name": name(i),
                    "group": format!("{wave}-a"),
                    "target": "Sandbox",
                    "status": if fails { "failed" } else { "launched" },
                    "startedAt": at(start, 0),
                    "endedAt": at(start + 6 + i % 3, i % 60),
                    "recoveryInstanceId": (!fails).then(|| format!("i-r{i:016x}")),
                    "ec2InstanceId": (!fails).then(|| format!("i-e{i:016x}")),
                    "failure": fails.then_some("LAUNCH_FAILED: the launch template's subnet subnet-0bad has no free addresses"),
                })
            })
            .collect();
        waves.push(serde_json::json!({
            "name": wave,
            "dependsOn": if w == 0 { vec![] } else { vec![WAVES[w - 1]] },
            "approvalRequired": w == 1,
            "approvedBy": if w == 1 { Some("arn:aws:iam::111122223333:user/dr-lead") } else { None },
            "onFailure": "continue",
            "status": if failed && w == 2 { "failed" } else { "completed" },
            "startedAt": at(start, 0),
            "endedAt": at(start + 9, 0),
            "servers": servers_json,
        }));
    }
    let json = serde_json::json!({
        "id": "exec-20261126-100000-ab12",
        "plan": "retail-dr",
        "planRevision": 7,
        "kind": "drill",
        "startedBy": "arn:aws:iam::111122223333:user/dr-coordinator",
        "startedAt": at(0, 0),
        "endedAt": at(32, 0),
        "status": if failed { "failed" } else { "completed" },
        "rtoTargetMinutes": 30,
        "autoCleanup": true,
        "waves": waves,
        "batches": [],
        "suspended": [],
        "cleanup": {
            "status": "verified",
            "jobs": [["Sandbox", "drsjob-0000000000000c1ea"]],
            "remaining": [],
            "message": "terminated and verified",
        },
    });
    // The JSON above is the engine's own serialisation of an execution.
    serde_json::from_value(json)
}
