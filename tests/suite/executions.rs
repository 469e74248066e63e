//! Drills through the CLI against `sandbox serve` (time-scaled), as a coordinator or a script
//! runs them: waves with a dependency and an approval, admission control at scale, a failing
//! server with both failure policies, a kill -9 at random points then `executions resume`, and
//! the safety of pre-provisioned DR instances.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use crate::common;
use common::{aws, Cli, Run, Serve};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

pub(crate) fn serve(extra: &[&str]) -> Serve {
    common::serve(&[&["--time-scale", "900"], extra].concat())
}

pub(crate) fn get(url: &str) -> Value {
    ureq::get(url)
        .call()
        .unwrap()
        .body_mut()
        .read_json()
        .unwrap()
}

/// What the drill tests do with the CLI besides running it.
pub(crate) trait DrillCli {
    fn spawn(&self, args: &[&str]) -> Spawned;
    fn executions(&self) -> Vec<Value>;
    fn execution(&self, id: &str) -> Value;
    fn wait_for_execution(&self) -> String;
}

impl DrillCli for Cli {
    /// Starts the CLI in the background, its output going to files (a pipe nobody reads would
    /// fill up and stall it).
    fn spawn(&self, args: &[&str]) -> Spawned {
        let out = self.data().join(format!("out-{}.txt", args.len()));
        let err = self.data().join(format!("err-{}.txt", args.len()));
        let child = std::process::Command::new(env!("CARGO_BIN_EXE_drs-orchestrator"))
            .args(args)
            .env("DRS_ORCH_DATA_DIR", self.data())
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&out).unwrap())
            .stderr(std::fs::File::create(&err).unwrap())
            .spawn()
            .unwrap();
        Spawned { child, out, err }
    }

    fn executions(&self) -> Vec<Value> {
        let out = self.ok(&["--json", "executions", "list"]);
        serde_json::from_str::<Value>(&out)
            .unwrap()
            .as_array()
            .unwrap()
            .clone()
    }

    fn execution(&self, id: &str) -> Value {
        let out = self.ok(&["--json", "executions", "show", id]);
        serde_json::from_str::<Value>(&out).unwrap()["execution"].clone()
    }

    fn wait_for_execution(&self) -> String {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(e) = self.executions().first() {
                return e["id"].as_str().unwrap().to_string();
            }
            assert!(Instant::now() < deadline, "no execution appeared");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

pub(crate) struct Spawned {
    pub(crate) child: std::process::Child,
    out: PathBuf,
    err: PathBuf,
}

pub(crate) fn finish(mut s: Spawned) -> Run {
    let status = s.child.wait().unwrap();
    Run {
        code: status.code().unwrap_or(-1),
        stdout: std::fs::read_to_string(&s.out).unwrap_or_default(),
        stderr: std::fs::read_to_string(&s.err).unwrap_or_default(),
    }
}

const THREE_WAVES: &str = "apiVersion: drs-orchestrator/v1
kind: RecoveryPlan
metadata:
  name: shop-drill
spec:
  rtoTargetMinutes: 60
  waves:
    - name: data
      groups: [retail-db, retail-cache]
    - name: application
      groups: [retail-app]
      dependsOn: [data]
      onFailure: continue
    - name: web
      groups: [retail-web]
      dependsOn: [application]
      approvalRequired: true
";

#[test]
fn a_three_wave_drill_with_an_approval_runs_to_a_verified_cleanup() {
    let sandbox = serve(&[]);
    let cli = Cli::new(&sandbox.endpoint);
    cli.import(THREE_WAVES);
    let child = cli.spawn(&[
        "--json",
        "drill",
        "--plan",
        "shop-drill",
        "--yes",
        "--override-readiness",
        "--tick-ms",
        "200",
    ]);
    let id = cli.wait_for_execution();
    // The web wave waits for its approval.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let e = cli.execution(&id);
        if e["waves"][2]["status"] == "waitingApproval" {
            // The waves before it have settled (their jobs may still be ending).
            for w in 0..2 {
                assert!(
                    e["waves"][w]["servers"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .all(|s| s["status"] == "launched"),
                    "{e}"
                );
            }
            break;
        }
        assert!(Instant::now() < deadline, "the web wave never waited: {e}");
        std::thread::sleep(Duration::from_millis(200));
    }
    // A report of the running execution says it is in progress.
    let running = cli.data().join("running.pdf");
    cli.ok(&[
        "report",
        "drill",
        "--execution",
        &id,
        "--out",
        running.to_str().unwrap(),
    ]);
    if let Some(text) = common::pdf_text(&running) {
        assert!(text.contains("IN PROGRESS"), "{text}");
        assert!(text.contains("approval"), "{text}");
    }
    cli.ok(&["executions", "approve", &id, "--wave", "web"]);
    let run = finish(child);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("\"waitingApproval\": \"web\"")
            || run.stdout.contains("\"waitingApproval\":\"web\""),
        "{}",
        run.stdout
    );

    let e = cli.execution(&id);
    assert_eq!(e["status"], "completed");
    assert_eq!(e["cleanup"]["status"], "verified");
    assert_eq!(e["cleanup"]["remaining"], serde_json::json!([]));
    assert_eq!(
        e["waves"][2]["approvedBy"]
            .as_str()
            .map(|s| s.starts_with("local:")),
        Some(true)
    );
    // Each server's timeline is the sandbox's job log, in order.
    for w in e["waves"].as_array().unwrap() {
        for s in w["servers"].as_array().unwrap() {
            assert_eq!(s["status"], "launched", "{s}");
            let steps = s["steps"].as_array().unwrap();
            let at = |event: &str| {
                steps.iter().find(|x| x["event"] == event).unwrap()["at"]
                    .as_str()
                    .unwrap()
                    .to_string()
            };
            assert!(at("SNAPSHOT_START") <= at("SNAPSHOT_END"), "{s}");
            assert!(at("SNAPSHOT_END") <= at("CONVERSION_END"), "{s}");
            assert!(at("CONVERSION_END") <= at("LAUNCH_START"), "{s}");
            assert!(at("LAUNCH_START") <= at("LAUNCHED"), "{s}");
            assert!(
                !steps.iter().any(|x| x["event"] == "LAUNCH_END"),
                "DRS has no LAUNCH_END: {s}"
            );
            assert!(s["endedAt"].as_str().is_some(), "{s}");
            assert!(
                s["ec2InstanceId"]
                    .as_str()
                    .is_some_and(|i| i.starts_with("i-")),
                "{s}"
            );
        }
    }
    // Waves ran in order: application's job was created (by DRS) after data's last server
    // launched (as EC2 reports it): both on AWS's clock.
    let first_job_of = |wave: &str| {
        e["batches"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|b| b["wave"] == wave)
            .filter_map(|b| b["jobCreatedAt"].as_str())
            .min()
            .unwrap()
            .to_string()
    };
    assert!(
        first_job_of("application").as_str() >= e["waves"][0]["endedAt"].as_str().unwrap(),
        "{e}"
    );
    // No drill instance is left.
    assert_eq!(drill_instances(&sandbox), 0);
    let audit = cli.ok(&["audit", "--subject", &id]);
    assert!(audit.contains("execution.approve"), "{audit}");

    // The drill report states what happened: the measured RTO (the last launch since the
    // start) against the 60-minute target, who approved the web wave, the cleanup proof.
    let pdf = cli.data().join("drill.pdf");
    cli.ok(&[
        "report",
        "drill",
        "--execution",
        &id,
        "--out",
        pdf.to_str().unwrap(),
    ]);
    let parse = |v: &Value| {
        time::OffsetDateTime::parse(
            v.as_str().unwrap(),
            &time::format_description::well_known::Rfc3339,
        )
        .unwrap()
    };
    let last = e["waves"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|w| w["servers"].as_array().unwrap().iter())
        .map(|s| parse(&s["endedAt"]))
        .max()
        .unwrap();
    let rto = (last - parse(&e["startedAt"])).whole_seconds();
    let clock = format!("{}:{:02}", rto / 60, rto % 60);
    let servers: usize = e["waves"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["servers"].as_array().unwrap().len())
        .sum();
    if let Some(text) = common::pdf_text(&pdf) {
        let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            flat.contains(&format!(
                "COMPLETED: all {servers} servers launched, cleanup verified"
            )),
            "{flat}"
        );
        assert!(
            flat.contains(&format!(
                "Every server launched {clock} after the start, against an RTO target of 1:00:00: the target was met."
            )),
            "measured RTO {clock}: {flat}"
        );
        let approver = e["waves"][2]["approvedBy"].as_str().unwrap();
        assert!(flat.contains(approver), "who approved");
        assert!(flat.contains("Cleanup proof"));
        assert!(flat.contains("none: DescribeRecoveryInstances no longer lists"));
        assert!(flat.contains("gone (verified)"));
        assert!(flat.contains("shop-drill (revision 1)"), "{flat}");
        assert!(flat.contains("retail-web-01"));
        let pages = text.matches("page ").count();
        assert!(pages >= 3 && flat.contains("page 1 of "), "{flat}");
    }
    let csv = cli.data().join("drill.csv");
    cli.ok(&[
        "report",
        "drill",
        "--execution",
        &id,
        "--out",
        csv.to_str().unwrap(),
        "--format",
        "csv",
    ]);
    let table = std::fs::read_to_string(&csv).unwrap();
    assert_eq!(table.lines().count(), servers + 1);
    assert!(table.lines().skip(1).all(|l| l.contains(",launched,")));
    // The readiness report now carries this drill's RTO per wave.
    let readiness = cli.data().join("readiness.pdf");
    cli.ok(&[
        "report",
        "readiness",
        "--plan",
        "shop-drill",
        "--out",
        readiness.to_str().unwrap(),
    ]);
    if let Some(text) = common::pdf_text(&readiness) {
        let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(flat.contains(&id), "the last drill: {flat}");
        assert!(flat.contains(&format!("Measured RTO {clock}")), "{flat}");
    }
}

/// The sandbox's drill recovery instances in the production account's recovery region.
fn drill_instances(sandbox: &Serve) -> u64 {
    let state = get(&sandbox.admin("state"));
    state["accounts"]["111122223333"]["us-west-2"]["drillRecoveryInstances"]
        .as_u64()
        .unwrap()
}

fn scale_scenario(dir: &Path, servers: usize) -> PathBuf {
    let f = dir.join("bulk.yaml");
    std::fs::write(
        &f,
        format!(
            "name: bulk
accounts:
  - id: \"111122223333\"
    accessKeyId: AKIASANDBOXPROD00001
    secretAccessKey: bulk-secret
generate:
  account: \"111122223333\"
  region: us-west-2
  sourceServers: {servers}
  instances: {servers}
"
        ),
    )
    .unwrap();
    f
}

#[test]
fn admission_control_keeps_to_the_drs_quotas() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = scale_scenario(dir.path(), 700);
    let sandbox = serve(&["--scenario", scenario.to_str().unwrap()]);
    let cli = Cli::new(&sandbox.endpoint);
    let ids: Vec<String> = (0..250u64)
        .map(|i| format!("s-{:017x}", 0x6e0_0000_0000_u64 + i))
        .collect();
    cli.import(&format!(
        "apiVersion: drs-orchestrator/v1
kind: ProtectionGroup
metadata: {{name: first-250}}
spec:
  target: Sandbox
  selector:
    sourceServerIds: [{}]
---
apiVersion: drs-orchestrator/v1
kind: ProtectionGroup
metadata: {{name: all}}
spec:
  target: Sandbox
  selector:
    tags: {{Tier: web}}
---
apiVersion: drs-orchestrator/v1
kind: ProtectionGroup
metadata: {{name: all-app}}
spec:
  target: Sandbox
  selector:
    tags: {{Tier: app}}
---
apiVersion: drs-orchestrator/v1
kind: ProtectionGroup
metadata: {{name: all-db}}
spec:
  target: Sandbox
  selector:
    tags: {{Tier: db}}
---
apiVersion: drs-orchestrator/v1
kind: ProtectionGroup
metadata: {{name: all-cache}}
spec:
  target: Sandbox
  selector:
    tags: {{Tier: cache}}
---
apiVersion: drs-orchestrator/v1
kind: RecoveryPlan
metadata: {{name: two-fifty}}
spec:
  rtoTargetMinutes: 60
  waves:
    - {{name: one, groups: [first-250]}}
---
apiVersion: drs-orchestrator/v1
kind: RecoveryPlan
metadata: {{name: seven-hundred}}
spec:
  rtoTargetMinutes: 60
  waves:
    - {{name: everything, groups: [all, all-app, all-db, all-cache]}}
",
        ids.join(", ")
    ));

    // 250 servers: three jobs (100, 100, 50).
    let out = cli.ok(&[
        "--json",
        "drill",
        "--plan",
        "two-fifty",
        "--yes",
        "--override-readiness",
        "--tick-ms",
        "200",
    ]);
    let id = cli.executions()[0]["id"].as_str().unwrap().to_string();
    let e = cli.execution(&id);
    let sizes: Vec<usize> = e["batches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["servers"].as_array().unwrap().len())
        .collect();
    assert_eq!(sizes, [100, 100, 50], "{out}");

    // 700 servers in one wave: never more than 500 servers or 20 jobs active.
    let child = cli.spawn(&[
        "--json",
        "drill",
        "--plan",
        "seven-hundred",
        "--yes",
        "--override-readiness",
        "--tick-ms",
        "100",
    ]);
    let run = finish(child);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    // The sandbox measures the peaks itself, each time a job starts.
    let state = get(&sandbox.admin("state"));
    let region = &state["accounts"]["111122223333"]["us-west-2"];
    let peak_servers = region["peakServersInActiveJobs"].as_u64().unwrap();
    let peak_jobs = region["peakActiveJobs"].as_u64().unwrap();
    assert!(peak_servers <= 500, "{peak_servers} servers in active jobs");
    assert!(peak_jobs <= 20, "{peak_jobs} active jobs");
    assert_eq!(peak_servers, 500, "admission fills the quota");
    let id = cli.executions()[0]["id"].as_str().unwrap().to_string();
    let e = cli.execution(&id);
    assert_eq!(e["batches"].as_array().unwrap().len(), 7);
    assert_eq!(e["status"], "completed");
}

#[test]
fn kill_9_at_random_points_then_resume_never_launches_a_server_twice() {
    let sandbox = serve(&[]);
    let cli = Cli::new(&sandbox.endpoint);
    cli.import(
        THREE_WAVES
            .replace("      approvalRequired: true\n", "")
            .as_str(),
    );
    // Kill points drawn from a seed (DRS_TEST_SEED replays a failing run).
    use rand::{Rng, SeedableRng};
    let seed: u64 = std::env::var("DRS_TEST_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_261_201);
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let delays: Vec<u64> = (0..4).map(|_| rng.random_range(100..3_000)).collect();
    eprintln!("kill points (ms after start): {delays:?}; replay with DRS_TEST_SEED={seed}");
    for (round, delay_ms) in delays.into_iter().enumerate() {
        let before = get(&sandbox.admin("stats"));
        let before_starts = before["calls"]["drs:StartRecovery"].as_u64().unwrap_or(0);
        let mut child = cli.spawn(&[
            "--json",
            "drill",
            "--plan",
            "shop-drill",
            "--yes",
            "--override-readiness",
            "--tick-ms",
            "150",
        ]);
        std::thread::sleep(Duration::from_millis(delay_ms));
        let _ = child.child.kill(); // SIGKILL
        let _ = child.child.wait();
        let id = cli.executions()[0]["id"].as_str().unwrap().to_string();
        let resumed = cli.run(&["--json", "executions", "resume", &id, "--tick-ms", "150"]);
        assert_eq!(
            resumed.code, 0,
            "round {round}: {}\n{}",
            resumed.stdout, resumed.stderr
        );
        let e = cli.execution(&id);
        assert_eq!(e["status"], "completed", "round {round}");
        assert_eq!(e["cleanup"]["status"], "verified", "round {round}");
        // One StartRecovery per batch: nothing started twice.
        let after = get(&sandbox.admin("stats"));
        let starts = after["calls"]["drs:StartRecovery"].as_u64().unwrap() - before_starts;
        let batches = e["batches"].as_array().unwrap().len() as u64;
        assert_eq!(
            starts, batches,
            "round {round} (killed after {delay_ms} ms)"
        );
        let servers: usize = e["batches"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["servers"].as_array().unwrap().len())
            .sum();
        assert_eq!(servers, 32, "every server in exactly one batch");
        assert_eq!(
            drill_instances(&sandbox),
            0,
            "round {round}: drill instances left"
        );
    }
}

#[test]
fn a_drill_never_harms_the_pre_provisioned_dr_instances() {
    let sandbox = serve(&[]);
    let cli = Cli::new(&sandbox.endpoint);
    cli.import(
        THREE_WAVES
            .replace("      approvalRequired: true\n", "")
            .as_str(),
    );
    // Pair first: the launch configurations launch into the DR instances.
    cli.ok(&["pairs", "apply", "--plan", "shop-drill", "--yes"]);
    let pairs_before = cli.ok(&["--json", "pairs", "match", "--plan", "shop-drill"]);
    let state_before = get(&sandbox.admin("state"));
    let run = cli.run(&[
        "--json",
        "drill",
        "--plan",
        "shop-drill",
        "--yes",
        "--override-readiness",
        "--tick-ms",
        "150",
    ]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let id = cli.executions()[0]["id"].as_str().unwrap().to_string();
    let e = cli.execution(&id);
    assert_eq!(e["cleanup"]["status"], "verified");
    assert_eq!(drill_instances(&sandbox), 0);
    assert!(
        e["suspended"].as_array().unwrap().len() >= 20,
        "launch-into settings were suspended"
    );
    assert!(e["suspended"]
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s["restored"] == true));
    // The drill launched new instances, not into the DR instances.
    for w in e["waves"].as_array().unwrap() {
        for s in w["servers"].as_array().unwrap() {
            assert!(
                !s["ec2InstanceId"]
                    .as_str()
                    .unwrap_or("")
                    .starts_with("i-0d"),
                "{s}"
            );
        }
    }
    // Every DR instance still exists and is stopped as before; every launch-into setting is back.
    let state_after = get(&sandbox.admin("state"));
    let region = |s: &Value| s["accounts"]["111122223333"]["us-west-2"]["instanceStates"].clone();
    assert_eq!(
        region(&state_before)["stopped"],
        region(&state_after)["stopped"]
    );
    let pairs_after = cli.ok(&["--json", "pairs", "match", "--plan", "shop-drill"]);
    let valid = |text: &str| -> usize {
        serde_json::from_str::<Value>(text)
            .unwrap()
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| {
                p["checks"]
                    .as_array()
                    .is_some_and(|c| !c.is_empty() && c.iter().all(|c| c["ok"] == true))
            })
            .count()
    };
    assert_eq!(valid(&pairs_before), valid(&pairs_after));
    assert!(valid(&pairs_after) >= 25);
}

const APP07: &str = "s-0005e7a1100000011";

#[test]
fn a_failing_server_fails_alone_and_the_policy_decides_what_follows() {
    for (policy, next_wave) in [("continue", "completed"), ("stop", "skipped")] {
        let sandbox = serve(&[]);
        let cli = Cli::new(&sandbox.endpoint);
        // retail-app-07's DR instance is left running: launching into it fails.
        if aws(
            &sandbox.endpoint,
            &[
                "drs",
                "update-launch-configuration",
                "--source-server-id",
                APP07,
                "--copy-tags",
                "--no-copy-private-ip",
                "--launch-into-instance-properties",
                "launchIntoEC2InstanceID=i-0d000000000000011",
            ],
        )
        .is_none()
        {
            return;
        }
        // Tags off again (the flag above only exists to pass a boolean).
        aws(
            &sandbox.endpoint,
            &[
                "drs",
                "update-launch-configuration",
                "--source-server-id",
                APP07,
                "--no-copy-tags",
            ],
        );
        cli.import(&format!(
            "apiVersion: drs-orchestrator/v1
kind: RecoveryPlan
metadata: {{name: failover}}
spec:
  rtoTargetMinutes: 60
  waves:
    - {{name: application, groups: [retail-app], onFailure: {policy}}}
    - {{name: web, groups: [retail-web], dependsOn: [application]}}
"
        ));
        let run = cli.run(&[
            "--json",
            "recover",
            "--plan",
            "failover",
            "--confirm",
            "failover",
            "--override-readiness",
            "--tick-ms",
            "150",
        ]);
        assert_eq!(
            run.code, 3,
            "did not fully succeed: {policy}: {}\n{}",
            run.stdout, run.stderr
        );
        let id = cli.executions()[0]["id"].as_str().unwrap().to_string();
        let e = cli.execution(&id);
        assert_eq!(e["kind"], "recovery");
        assert_eq!(e["status"], "failed");
        let app = &e["waves"][0];
        assert_eq!(app["status"], "failed");
        let failed: Vec<&Value> = app["servers"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["status"] == "failed")
            .collect();
        assert_eq!(failed.len(), 1, "{policy}: only that server fails");
        assert_eq!(failed[0]["name"], "retail-app-07");
        assert!(
            failed[0]["failure"]
                .as_str()
                .unwrap()
                .contains("must be stopped"),
            "{}",
            failed[0]
        );
        assert_eq!(e["waves"][1]["status"], next_wave, "{policy}");
        assert_eq!(
            e["cleanup"]["status"], "notNeeded",
            "a recovery is never cleaned up"
        );
        // The confirmation went to the audit log with who ran it.
        let audit = cli.ok(&["--json", "audit", "--subject", "failover"]);
        assert!(audit.contains("execution.recover"), "{audit}");
    }
    // Without the plan's name typed again, nothing starts.
    let sandbox = serve(&[]);
    let cli = Cli::new(&sandbox.endpoint);
    let r = cli.run(&["recover", "--plan", "retail-dr", "--confirm", "retail"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--confirm \"retail-dr\""), "{}", r.stderr);
    assert!(cli.executions().is_empty());
}

#[test]
fn a_drill_completes_through_throttling_and_server_errors() {
    let sandbox = serve(&[
        "--throttle-rate",
        "0.3",
        "--error-rate",
        "0.05",
        "--seed",
        "7",
    ]);
    let cli = Cli::new(&sandbox.endpoint);
    cli.import(
        THREE_WAVES
            .replace("      approvalRequired: true\n", "")
            .as_str(),
    );
    let run = cli.run(&[
        "--json",
        "drill",
        "--plan",
        "shop-drill",
        "--yes",
        "--override-readiness",
        "--tick-ms",
        "150",
    ]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let stats = get(&sandbox.admin("stats"));
    let throttled: u64 = stats["throttled"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert!(throttled > 10, "the faults were injected: {stats}");
    assert_eq!(drill_instances(&sandbox), 0);
}

#[test]
fn cleanup_stops_and_disconnects_an_instance_protected_from_termination() {
    let sandbox = serve(&[]);
    let cli = Cli::new(&sandbox.endpoint);
    cli.import(
        THREE_WAVES
            .replace("      approvalRequired: true\n", "")
            .as_str(),
    );
    let run = cli.run(&[
        "--json",
        "drill",
        "--plan",
        "shop-drill",
        "--yes",
        "--override-readiness",
        "--no-cleanup",
        "--tick-ms",
        "150",
    ]);
    assert_eq!(
        run.code, 3,
        "a drill without its cleanup is not done: {}",
        run.stderr
    );
    let id = cli.executions()[0]["id"].as_str().unwrap().to_string();
    let e = cli.execution(&id);
    assert_eq!(e["cleanup"]["status"], "awaitingConfirmation");
    assert_eq!(
        cli.executions()[0]["status"],
        "running",
        "listed as not finished"
    );
    assert!(drill_instances(&sandbox) > 0);
    // Protect one drill instance against termination.
    let protected = e["waves"][0]["servers"][0]["ec2InstanceId"]
        .as_str()
        .unwrap()
        .to_string();
    if aws(
        &sandbox.endpoint,
        &[
            "ec2",
            "create-tags",
            "--resources",
            &protected,
            "--tags",
            "Key=DisableApiTermination,Value=true",
        ],
    )
    .is_none()
    {
        return;
    }
    let r = cli.run(&["--json", "cleanup", "--execution", &id]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    let e = cli.execution(&id);
    assert_eq!(e["status"], "completed", "{e}");
    assert_eq!(e["cleanup"]["status"], "verified");
    // Never terminated: stopped and disconnected from DRS instead, and said so.
    let kept: Vec<&Value> = e["cleanup"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["action"] == "stopAndDisconnect")
        .collect();
    assert_eq!(kept.len(), 1, "{e}");
    assert_eq!(kept[0]["ec2InstanceId"], protected.as_str());
    assert_eq!(kept[0]["keptBecause"], "termination protection is on");
    assert!(e["cleanup"]["message"]
        .as_str()
        .unwrap()
        .contains("stopped and disconnected, not terminated"));
    if let Some(v) = aws(
        &sandbox.endpoint,
        &["ec2", "describe-instances", "--instance-ids", &protected],
    ) {
        assert_eq!(
            v["Reservations"][0]["Instances"][0]["State"]["Name"],
            "stopped"
        );
    }
    assert_eq!(drill_instances(&sandbox), 0);
}

#[test]
fn a_recovery_into_pre_provisioned_instances_keeps_their_ids_and_ips() {
    let sandbox = serve(&[]);
    let cli = Cli::new(&sandbox.endpoint);
    cli.import(
        "apiVersion: drs-orchestrator/v1
kind: RecoveryPlan
metadata: {name: web-failover}
spec:
  rtoTargetMinutes: 30
  waves:
    - {name: web, groups: [retail-web]}
",
    );
    cli.ok(&["pairs", "apply", "--plan", "web-failover", "--yes"]);
    let run = cli.run(&[
        "--json",
        "recover",
        "--plan",
        "web-failover",
        "--confirm",
        "web-failover",
        "--tick-ms",
        "150",
    ]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let id = cli.executions()[0]["id"].as_str().unwrap().to_string();
    let e = cli.execution(&id);
    let servers = e["waves"][0]["servers"].as_array().unwrap();
    assert_eq!(servers.len(), 10);
    for s in servers {
        assert_eq!(s["status"], "launched", "{s}");
        assert!(
            s["expectedInstanceId"]
                .as_str()
                .unwrap()
                .starts_with("i-0d"),
            "{s}"
        );
        assert_eq!(s["ec2InstanceId"], s["expectedInstanceId"], "{s}");
        assert!(
            s["expectedPrivateIp"]
                .as_str()
                .unwrap()
                .starts_with("10.20.1."),
            "{s}"
        );
        assert!(
            s["steps"]
                .as_array()
                .unwrap()
                .iter()
                .any(|x| x["event"] == "VERIFIED"),
            "{s}"
        );
    }
    let audit = cli.ok(&["--json", "audit", "--subject", "web-failover"]);
    assert!(
        audit.contains("arn:aws:iam::111122223333:user/sandbox-admin"),
        "the caller identity is audited: {audit}"
    );
}

#[test]
fn a_full_fidelity_drill_launches_into_the_dr_instances_and_leaves_them_stopped() {
    let sandbox = serve(&[]);
    let cli = Cli::new(&sandbox.endpoint);
    cli.import(
        "apiVersion: drs-orchestrator/v1
kind: ProtectionGroup
metadata: {name: web-full}
spec:
  target: Sandbox
  selector:
    tags: {Application: retail, Tier: web}
  launch:
    launchMode: preProvisioned
    copyPrivateIp: false
    copyTags: false
    rightSizing: none
    fullFidelityDrills: true
---
apiVersion: drs-orchestrator/v1
kind: RecoveryPlan
metadata: {name: web-full-drill}
spec:
  rtoTargetMinutes: 30
  waves:
    - {name: web, groups: [web-full]}
",
    );
    // retail-web is also in the sample group retail-web: remove that one so pairs are 1:1.
    cli.ok(&["plan", "delete", "retail-dr", "--yes"]);
    cli.ok(&["group", "delete", "retail-web"]);
    cli.ok(&["pairs", "apply", "--plan", "web-full-drill", "--yes"]);
    let pairs_before = cli.ok(&["--json", "pairs", "match", "--plan", "web-full-drill"]);
    let run = cli.run(&[
        "--json",
        "drill",
        "--plan",
        "web-full-drill",
        "--yes",
        "--tick-ms",
        "150",
    ]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let id = cli.executions()[0]["id"].as_str().unwrap().to_string();
    let e = cli.execution(&id);
    assert_eq!(e["cleanup"]["status"], "verified", "{}", e["cleanup"]);
    assert!(
        e["suspended"].as_array().unwrap().is_empty(),
        "nothing suspended for full fidelity"
    );
    for s in e["waves"][0]["servers"].as_array().unwrap() {
        assert_eq!(
            s["ec2InstanceId"], s["expectedInstanceId"],
            "launched into its DR instance: {s}"
        );
        assert!(
            s["steps"]
                .as_array()
                .unwrap()
                .iter()
                .any(|x| x["event"] == "VERIFIED"),
            "{s}"
        );
    }
    // The DR instances are there and stopped; no drill recovery instance is left; pairs as before.
    let state = get(&sandbox.admin("state"));
    let region = &state["accounts"]["111122223333"]["us-west-2"];
    assert_eq!(region["drillRecoveryInstances"], 0);
    assert_eq!(
        region["instanceStates"]["terminated"],
        Value::Null,
        "nothing terminated: {region}"
    );
    let pairs_after = cli.ok(&["--json", "pairs", "match", "--plan", "web-full-drill"]);
    assert_eq!(pairs_before, pairs_after);
    let p: Value = serde_json::from_str(&pairs_after).unwrap();
    assert!(
        p.as_array().unwrap().iter().all(|p| p["checks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["ok"] == true)),
        "{p}"
    );
}

const ISOLATED_WEB: &str = "apiVersion: drs-orchestrator/v1
kind: ProtectionGroup
metadata:
  name: retail-web
spec:
  target: Sandbox
  selector:
    tags: {Application: retail, Tier: web}
  launch:
    launchMode: newInstances
    subnetId: subnet-0d1a2b3c4d5e6f701
    securityGroupIds: [sg-0123456789abcdef0]
    drillNetwork:
      subnetId: subnet-0d1d2d3d4d5d6d7d8
      securityGroupIds: [sg-0123456789abcdef3]
---
apiVersion: drs-orchestrator/v1
kind: RecoveryPlan
metadata:
  name: web-drill
spec:
  rtoTargetMinutes: 60
  waves:
    - name: web
      groups: [retail-web]
";

#[test]
fn a_drill_launches_into_the_drill_network_and_puts_the_recovery_settings_back() {
    let sandbox = serve(&[]);
    let cli = Cli::new(&sandbox.endpoint);
    cli.import(ISOLATED_WEB);
    cli.ok(&["group", "apply", "retail-web", "--yes"]);
    cli.ok(&["group", "drift", "retail-web"]);
    // Uninterrupted, then killed at different points and resumed.
    for (round, kill_after_ms) in [None, Some(250u64), Some(900)].into_iter().enumerate() {
        let mut child = cli.spawn(&[
            "--json",
            "drill",
            "--plan",
            "web-drill",
            "--yes",
            "--override-readiness",
            "--tick-ms",
            "150",
        ]);
        let id = match kill_after_ms {
            None => {
                let run = finish(child);
                assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
                cli.executions()[0]["id"].as_str().unwrap().to_string()
            }
            Some(ms) => {
                // Kill it `ms` after this round's execution exists (not an earlier round's).
                let deadline = Instant::now() + Duration::from_secs(60);
                let id = loop {
                    let list = cli.executions();
                    if list.len() > round {
                        break list[0]["id"].as_str().unwrap().to_string();
                    }
                    assert!(Instant::now() < deadline, "round {round}: no new execution");
                    std::thread::sleep(Duration::from_millis(20));
                };
                std::thread::sleep(Duration::from_millis(ms));
                let _ = child.child.kill();
                let _ = child.child.wait();
                let resumed = cli.run(&["--json", "executions", "resume", &id, "--tick-ms", "150"]);
                assert_eq!(
                    resumed.code, 0,
                    "round {round}: {}\n{}",
                    resumed.stdout, resumed.stderr
                );
                id
            }
        };
        let e = cli.execution(&id);
        assert_eq!(e["status"], "completed", "round {round}: {e}");
        let isolated = e["isolated"].as_array().unwrap();
        assert_eq!(isolated.len(), 10, "round {round}");
        assert!(isolated
            .iter()
            .all(|x| x["applied"] == true && x["restored"] == true));
        // Every drill instance came up in the drill subnet.
        for s in e["waves"][0]["servers"].as_array().unwrap() {
            let ec2 = s["ec2InstanceId"].as_str().unwrap();
            if let Some(v) = aws(
                &sandbox.endpoint,
                &["ec2", "describe-instances", "--instance-ids", ec2],
            ) {
                assert_eq!(
                    v["Reservations"][0]["Instances"][0]["SubnetId"], "subnet-0d1d2d3d4d5d6d7d8",
                    "round {round}: {ec2}"
                );
            }
        }
        // The recovery settings are back: no drift from the group.
        let d = cli.run(&["group", "drift", "retail-web"]);
        assert_eq!(d.code, 0, "round {round}: {}", d.stdout);
    }
}

const RETAIL_WEB_NEW_INSTANCES: &str = "apiVersion: drs-orchestrator/v1
kind: ProtectionGroup
metadata:
  name: retail-web
spec:
  target: Sandbox
  selector:
    tags: {Application: retail, Tier: web}
  launch:
    launchMode: newInstances
";

/// Every instance tagged as a DR instance, with its state, as EC2 (the AWS CLI) reads it.
fn dr_instances(endpoint: &str) -> Option<Vec<(String, String)>> {
    let v = aws(
        endpoint,
        &[
            "ec2",
            "describe-instances",
            "--filters",
            "Name=tag:AWSDRS,Values=AllowLaunchingIntoThisInstance",
        ],
    )?;
    let mut out: Vec<(String, String)> = v["Reservations"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r["Instances"].as_array().unwrap().iter())
        .map(|i| {
            (
                i["InstanceId"].as_str().unwrap().to_string(),
                i["State"]["Name"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    out.sort();
    Some(out)
}

#[test]
fn a_leftover_launch_into_in_a_new_instances_group_never_costs_a_dr_instance() {
    // As reported: pairs applied, then retail-web switched to new instances with its launch
    // configurations still naming the DR instances; a drill of the sample plan.
    let sandbox = serve(&[]);
    let cli = Cli::new(&sandbox.endpoint);
    cli.ok(&["pairs", "apply", "--plan", "retail-dr", "--yes"]);
    cli.import(RETAIL_WEB_NEW_INSTANCES);
    let Some(before) = dr_instances(&sandbox.endpoint) else {
        return;
    };
    // Readiness now calls it a blocker.
    let r = cli.json(&["readiness", "--plan", "retail-dr"], 3);
    assert!(
        r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["check"] == "launchInto" && f["severity"] == "blocker"),
        "{r}"
    );
    let child = cli.spawn(&[
        "--json",
        "drill",
        "--plan",
        "retail-dr",
        "--yes",
        "--override-readiness",
        "--tick-ms",
        "150",
    ]);
    let id = cli.wait_for_execution();
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let e = cli.execution(&id);
        if e["waves"][2]["status"] == "waitingApproval" {
            break;
        }
        assert!(Instant::now() < deadline, "web never waited: {e}");
        std::thread::sleep(Duration::from_millis(150));
    }
    cli.ok(&["executions", "approve", &id, "--wave", "web"]);
    // The sample plan's web wave asks a person to confirm a step before it launches.
    cli.ok(&[
        "executions",
        "confirm",
        &id,
        "--step",
        "payment provider notified",
    ]);
    let run = finish(child);
    let e = cli.execution(&id);
    assert_eq!(e["cleanup"]["status"], "verified", "{}\n{e}", run.stderr);
    // The web servers' leftover launch-into was suspended, confirmed, and put back.
    let web_ids: Vec<&str> = e["waves"][2]["servers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["sourceServerId"].as_str().unwrap())
        .collect();
    for id in &web_ids {
        let s = e["suspended"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["before"]["sourceServerId"] == *id)
            .unwrap_or_else(|| panic!("{id} not suspended"));
        assert_eq!(s["confirmed"], true);
        assert_eq!(s["restored"], true);
    }
    // Every DR instance is still there, as it was.
    assert_eq!(dr_instances(&sandbox.endpoint).unwrap(), before);
    assert_eq!(drill_instances(&sandbox), 0);
}

#[test]
fn a_full_fidelity_server_whose_settings_cannot_be_read_is_not_launched() {
    let sandbox = serve(&[]);
    let cli = Cli::new(&sandbox.endpoint);
    cli.import(
        "apiVersion: drs-orchestrator/v1
kind: ProtectionGroup
metadata:
  name: retail-web
spec:
  target: Sandbox
  selector:
    tags: {Application: retail, Tier: web}
  launch:
    launchMode: preProvisioned
    fullFidelityDrills: true
    copyPrivateIp: false
    copyTags: false
    rightSizing: none
---
apiVersion: drs-orchestrator/v1
kind: RecoveryPlan
metadata: {name: web-only}
spec:
  rtoTargetMinutes: 60
  waves:
    - {name: web, groups: [retail-web], onFailure: continue}
",
    );
    cli.ok(&["pairs", "apply", "--plan", "web-only", "--yes"]);
    let Some(before) = dr_instances(&sandbox.endpoint) else {
        return;
    };
    // One server's launch configuration is refused from now on.
    let victim = aws(&sandbox.endpoint, &["drs", "describe-source-servers"]).unwrap()["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["tags"]["Tier"] == "web")
        .unwrap()["sourceServerID"]
        .as_str()
        .unwrap()
        .to_string();
    ureq::post(&sandbox.admin(&format!("refuse/GetLaunchConfiguration/{victim}")))
        .send("")
        .unwrap();
    let run = cli.run(&[
        "--json",
        "drill",
        "--plan",
        "web-only",
        "--yes",
        "--override-readiness",
        "--tick-ms",
        "150",
    ]);
    assert_eq!(run.code, 3, "{}\n{}", run.stdout, run.stderr);
    let id = cli.executions()[0]["id"].as_str().unwrap().to_string();
    let e = cli.execution(&id);
    let s = e["waves"][0]["servers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["sourceServerId"] == victim.as_str())
        .unwrap();
    assert_eq!(s["status"], "failed", "{s}");
    assert!(s["batch"].is_null(), "never in a job: {s}");
    assert!(
        s["failure"]
            .as_str()
            .unwrap()
            .contains("it is not launched"),
        "{s}"
    );
    // The others launched into their DR instances and were stopped and disconnected; no DR
    // instance was terminated.
    assert_eq!(e["cleanup"]["status"], "verified");
    let after = dr_instances(&sandbox.endpoint).unwrap();
    assert_eq!(
        after.iter().map(|(i, _)| i).collect::<Vec<_>>(),
        before.iter().map(|(i, _)| i).collect::<Vec<_>>()
    );
    assert!(after.iter().all(|(_, state)| state != "terminated"));
}

#[test]
fn a_lost_start_recovery_answer_is_found_by_its_tags_and_nothing_leaks() {
    let sandbox = serve(&[]);
    let cli = Cli::new(&sandbox.endpoint);
    cli.import(
        THREE_WAVES
            .replace("      approvalRequired: true\n", "")
            .as_str(),
    );
    // The first two StartRecovery are carried out, then answered with a 500.
    ureq::post(&sandbox.admin("lose-answer/StartRecovery/2"))
        .send("")
        .unwrap();
    let run = cli.run(&[
        "--json",
        "drill",
        "--plan",
        "shop-drill",
        "--yes",
        "--override-readiness",
        "--tick-ms",
        "150",
    ]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let id = cli.executions()[0]["id"].as_str().unwrap().to_string();
    let shown = cli.ok(&["--json", "executions", "show", &id]);
    assert!(shown.contains("found job"), "adopted by its tags: {shown}");
    let e = cli.execution(&id);
    assert_eq!(e["status"], "completed");
    assert!(e["waves"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|w| w["servers"].as_array().unwrap())
        .all(|s| s["status"] == "launched"));
    // One StartRecovery per batch: the lost ones were found, not sent again.
    let stats = get(&sandbox.admin("stats"));
    assert_eq!(
        stats["calls"]["drs:StartRecovery"].as_u64().unwrap(),
        e["batches"].as_array().unwrap().len() as u64,
        "{stats}"
    );
    assert_eq!(stats["lostAnswers"]["drs:StartRecovery"], 2, "{stats}");
    assert_eq!(drill_instances(&sandbox), 0);
}

#[test]
fn two_resumes_at_once_leave_one_driver() {
    let sandbox = serve(&[]);
    let cli = Cli::new(&sandbox.endpoint);
    cli.import(
        THREE_WAVES
            .replace("      approvalRequired: true\n", "")
            .as_str(),
    );
    let mut child = cli.spawn(&[
        "--json",
        "drill",
        "--plan",
        "shop-drill",
        "--yes",
        "--override-readiness",
        "--tick-ms",
        "150",
    ]);
    let id = cli.wait_for_execution();
    // Once its driver holds the lease …
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let shown: Value =
            serde_json::from_str(&cli.ok(&["--json", "executions", "show", &id])).unwrap();
        if shown["driver"]["state"] == "live" {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no driver took the lease: {shown}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    // … while it runs, nobody else may drive it.
    let refused = cli.run(&["executions", "resume", &id, "--take-over"]);
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    assert!(
        refused.stderr.contains("is being driven by"),
        "{}",
        refused.stderr
    );
    let _ = child.child.kill();
    let _ = child.child.wait();
    // Two processes resume it at the same moment: one drives it, the other is refused.
    let spawn = |n: usize| {
        let out = cli.data().join(format!("resume-{n}.out"));
        let err = cli.data().join(format!("resume-{n}.err"));
        let c = std::process::Command::new(env!("CARGO_BIN_EXE_drs-orchestrator"))
            .args(["--json", "executions", "resume", &id, "--tick-ms", "150"])
            .env("DRS_ORCH_DATA_DIR", cli.data())
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&out).unwrap())
            .stderr(std::fs::File::create(&err).unwrap())
            .spawn()
            .unwrap();
        Spawned { child: c, out, err }
    };
    let (a, b) = (spawn(1), spawn(2));
    let (a, b) = (finish(a), finish(b));
    let mut codes = [a.code, b.code];
    codes.sort();
    assert_eq!(
        codes,
        [0, 2],
        "{}\n{}\n{}\n{}",
        a.stdout,
        a.stderr,
        b.stdout,
        b.stderr
    );
    let loser = if a.code == 2 { &a } else { &b };
    assert!(
        loser.stderr.contains("is being driven by") || loser.stderr.contains("no longer held by"),
        "{}",
        loser.stderr
    );
    let e = cli.execution(&id);
    assert_eq!(e["status"], "completed");
    let stats = get(&sandbox.admin("stats"));
    assert_eq!(
        stats["calls"]["drs:StartRecovery"].as_u64().unwrap(),
        e["batches"].as_array().unwrap().len() as u64
    );
    // The take-over is in the audit log.
    let audit = cli.ok(&["--json", "audit", "--subject", &id]);
    assert!(audit.contains("execution.takeover"), "{audit}");
}

#[cfg(unix)]
#[test]
fn a_drill_stopped_longer_than_its_wave_timeout_completes_when_continued() {
    let sandbox = serve(&[]);
    let cli = Cli::new(&sandbox.endpoint);
    // At 900x, 30 simulated minutes are 2 real seconds; jobs take 5–15 simulated minutes.
    cli.import(
        "apiVersion: drs-orchestrator/v1
kind: RecoveryPlan
metadata: {name: sleepy}
spec:
  rtoTargetMinutes: 120
  waves:
    - {name: data, groups: [retail-db, retail-cache], timeoutMinutes: 30}
    - {name: application, groups: [retail-app], timeoutMinutes: 30}
",
    );
    let child = cli.spawn(&[
        "--json",
        "drill",
        "--plan",
        "sleepy",
        "--yes",
        "--override-readiness",
        "--tick-ms",
        "150",
    ]);
    let id = cli.wait_for_execution();
    let deadline = Instant::now() + Duration::from_secs(60);
    while cli.execution(&id)["batches"].as_array().unwrap().is_empty() {
        assert!(Instant::now() < deadline, "no job started");
        std::thread::sleep(Duration::from_millis(50));
    }
    let pid = child.child.id().to_string();
    // The laptop sleeps: 6 real seconds, 90 simulated minutes.
    assert!(std::process::Command::new("kill")
        .args(["-STOP", &pid])
        .status()
        .unwrap()
        .success());
    std::thread::sleep(Duration::from_secs(6));
    assert!(std::process::Command::new("kill")
        .args(["-CONT", &pid])
        .status()
        .unwrap()
        .success());
    let run = finish(child);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let e = cli.execution(&id);
    assert_eq!(e["status"], "completed", "{e}");
    assert!(e["waves"]
        .as_array()
        .unwrap()
        .iter()
        .all(|w| w["timedOut"] == false && w["status"] == "completed"));
    assert!(
        e["gaps"].as_array().is_some_and(|g| !g.is_empty()),
        "the gap was seen: {e}"
    );
    let shown = cli.ok(&["executions", "show", &id]);
    assert!(shown.contains("the engine did not run for"), "{shown}");
    assert_eq!(drill_instances(&sandbox), 0);
}

const WITH_STEPS: &str = "apiVersion: drs-orchestrator/v1
kind: RecoveryPlan
metadata:
  name: shop-steps
spec:
  rtoTargetMinutes: 60
  waves:
    - name: data
      groups: [retail-db]
      after:
        - name: dba checks replication
          kind: manual
          instruction: Check that the database accepts writes.
    - name: web
      groups: [retail-web]
      dependsOn: [data]
      before:
        - name: payment provider notified
          kind: manual
          instruction: Tell the payment provider traffic moves to the recovery region.
        - name: only in a real recovery
          kind: manual
          instruction: Announce the failover on the status page.
          inDrills: false
";

/// Manual steps: the wave after the launch waits for its after-step, the next wave for its
/// before-step; each is confirmed from the command line while the drill runs, who and when are
/// recorded, a recovery-only step is skipped in a drill, and the wave ends when its steps do.
#[test]
fn manual_steps_wait_for_a_person_and_are_confirmed_from_the_cli() {
    let sandbox = serve(&[]);
    let cli = Cli::new(&sandbox.endpoint);
    cli.import(WITH_STEPS);
    let child = cli.spawn(&[
        "--json",
        "drill",
        "--plan",
        "shop-steps",
        "--yes",
        "--override-readiness",
        "--tick-ms",
        "150",
    ]);
    let id = cli.wait_for_execution();
    let wait_for = |what: &str, f: &dyn Fn(&Value) -> bool| -> Value {
        let deadline = Instant::now() + Duration::from_secs(90);
        loop {
            let e = cli.execution(&id);
            if f(&e) {
                return e;
            }
            assert!(Instant::now() < deadline, "never: {what}: {e}");
            std::thread::sleep(Duration::from_millis(150));
        }
    };
    let e = wait_for("the data wave's after-step waits", &|e| {
        e["waves"][0]["steps"][0]["status"] == "waiting"
    });
    assert_eq!(
        e["waves"][0]["status"], "running",
        "not over before its step"
    );
    assert_eq!(
        e["waves"][1]["status"], "pending",
        "web waits for data's steps"
    );
    assert!(e["waves"][0]["servers"]
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s["status"] == "launched"));
    // A step that does not exist, or a wave that does not, is named.
    let r = cli.run(&["executions", "confirm", &id, "--step", "nope"]);
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("no step \"nope\""), "{}", r.stderr);
    cli.ok(&[
        "executions",
        "confirm",
        &id,
        "--step",
        "dba checks replication",
    ]);
    let e = wait_for("web's before-step waits", &|e| {
        e["waves"][1]["steps"][0]["status"] == "waiting"
    });
    assert_eq!(e["waves"][0]["status"], "completed");
    assert!(e["waves"][0]["steps"][0]["confirmedBy"]
        .as_str()
        .unwrap()
        .starts_with("local:"));
    assert_eq!(e["waves"][1]["steps"][1]["status"], "skipped");
    assert!(
        e["waves"][1]["servers"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["status"] == "pending" && s["batch"].is_null()),
        "nothing of web launched before its step: {e}"
    );
    cli.ok(&[
        "executions",
        "confirm",
        &id,
        "--wave",
        "web",
        "--step",
        "payment provider notified",
    ]);
    let run = finish(child);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let e = cli.execution(&id);
    assert_eq!(e["status"], "completed");
    assert_eq!(e["waves"][1]["steps"][0]["status"], "done");
    // The data wave ended when its step was confirmed, after its last launch.
    let data = &e["waves"][0];
    let last_launch = data["servers"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["endedAt"].as_str())
        .max()
        .unwrap()
        .to_string();
    assert!(data["endedAt"].as_str().unwrap() >= last_launch.as_str());
    assert_eq!(data["endedAt"], data["steps"][0]["endedAt"]);
    // Confirming a step that is over is refused.
    let r = cli.run(&[
        "executions",
        "confirm",
        &id,
        "--step",
        "payment provider notified",
    ]);
    assert_ne!(r.code, 0, "{}", r.stdout);
    let shown = cli.ok(&["executions", "show", &id]);
    assert!(
        shown.contains("step \"payment provider notified\" confirmed by local:"),
        "{shown}"
    );
    // The drill report lists the steps with who confirmed them.
    let pdf = cli.data().join("steps.pdf");
    cli.ok(&[
        "report",
        "drill",
        "--execution",
        &id,
        "--out",
        pdf.to_str().unwrap(),
    ]);
    if let Some(text) = common::pdf_text(&pdf) {
        assert!(text.contains("Steps"), "{text}");
        assert!(text.contains("payment provider notified"), "{text}");
        assert!(text.contains("confirmed by local:"), "{text}");
        assert!(text.contains("runs in recoveries only"), "{text}");
    }
}

/// A step nobody confirms within its timeout fails; with policy stop its wave fails before any
/// server launches, and the waves after it do not run.
#[test]
fn an_unconfirmed_step_times_out_and_its_policy_stops_the_plan() {
    let sandbox = serve(&[]);
    let cli = Cli::new(&sandbox.endpoint);
    cli.import(
        "apiVersion: drs-orchestrator/v1
kind: RecoveryPlan
metadata:
  name: shop-timeout
spec:
  rtoTargetMinutes: 60
  waves:
    - name: data
      groups: [retail-db]
      before:
        - name: change window open
          kind: manual
          instruction: Confirm the change window is open.
          timeoutMinutes: 2
          onFailure: stop
    - name: web
      groups: [retail-web]
",
    );
    let run = cli.run(&[
        "--json",
        "drill",
        "--plan",
        "shop-timeout",
        "--yes",
        "--override-readiness",
        "--tick-ms",
        "100",
    ]);
    assert_ne!(run.code, 0, "{}", run.stdout);
    let id = cli.wait_for_execution();
    let e = cli.execution(&id);
    assert_eq!(e["status"], "failed", "{e}");
    let step = &e["waves"][0]["steps"][0];
    assert_eq!(step["status"], "failed");
    assert!(
        step["note"].as_str().unwrap().contains("within 2 min"),
        "{step}"
    );
    assert_eq!(e["waves"][0]["status"], "failed");
    assert!(e["waves"][0]["servers"]
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s["status"] == "notRun"));
    assert_eq!(e["waves"][1]["status"], "skipped");
    assert_eq!(e["batches"], serde_json::json!([]), "nothing launched");
}

/// A plan with every kind of automated step: SSM command and automation, Route 53, checks.
const RUNBOOK: &str = "apiVersion: drs-orchestrator/v1
kind: RecoveryPlan
metadata:
  name: shop-runbook
spec:
  rtoTargetMinutes: 60
  waves:
    - name: data
      groups: [retail-db, retail-cache]
      after:
        - name: database answers
          kind: ssmCommand
          document: AWS-RunShellScript
          parameters:
            commands: [echo checking PostgreSQL, pg_isready -h localhost -p 5432]
          servers: [retail-db-01]
        - name: status checks
          kind: check
          check: ec2Status
          servers: [retail-db-01, retail-cache-01]
        - name: postgres port
          kind: check
          check: tcp
          host: db.retail.internal
          port: 5432
          servers: [retail-db-01]
        - name: cache endpoint
          kind: route53
          zoneId: Z05RETAILPROD
          drillZoneId: Z05RETAILDRILL
          record: cache.retail.internal
          servers: [retail-cache-01]
    - name: web
      groups: [retail-web]
      before:
        - name: failover runbook
          kind: ssmAutomation
          document: Retail-SqlAlwaysOnFailover
          parameters:
            Listener: [sql-listener]
      after:
        - name: shop answers
          kind: check
          check: http
          url: http://localhost/health
";

fn runbook(sandbox: &Serve) -> Value {
    get(&sandbox.admin("runbook"))
}

/// Every kind of step runs in order and passes; the drill writes the cache record into the
/// drill zone only (read back with the AWS CLI), and the recovery time runs to the last step.
#[test]
fn a_drill_runs_every_kind_of_step_and_writes_only_the_drill_zone() {
    let sandbox = serve(&[]);
    let cli = Cli::new(&sandbox.endpoint);
    cli.import(RUNBOOK);
    let run = cli.run(&[
        "--json",
        "drill",
        "--plan",
        "shop-runbook",
        "--yes",
        "--override-readiness",
        "--tick-ms",
        "100",
    ]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let id = cli.wait_for_execution();
    let e = cli.execution(&id);
    assert_eq!(e["status"], "completed", "{e}");
    let steps: Vec<&Value> = e["waves"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|w| w["steps"].as_array().unwrap())
        .collect();
    assert_eq!(steps.len(), 6);
    for s in &steps {
        assert_eq!(s["status"], "done", "{s}");
    }
    let out = |name: &str| {
        steps
            .iter()
            .find(|s| s["name"] == name)
            .unwrap()
            .get("output")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    assert!(
        out("database answers").contains("checking PostgreSQL"),
        "{}",
        out("database answers")
    );
    assert!(out("status checks").contains("2/2"));
    assert!(out("postgres port").contains("port 5432 on db.retail.internal answered"));
    // The record points at the recovered cache's private IP, in the drill zone only.
    let cache = e["waves"][0]["servers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "retail-cache-01")
        .unwrap()["ec2InstanceId"]
        .as_str()
        .unwrap()
        .to_string();
    let records = |zone: &str| {
        aws(
            &sandbox.endpoint,
            &[
                "route53",
                "list-resource-record-sets",
                "--hosted-zone-id",
                zone,
            ],
        )
    };
    if let Some(drill) = records("Z05RETAILDRILL") {
        let sets = drill["ResourceRecordSets"].as_array().unwrap();
        let rec = sets
            .iter()
            .find(|r| r["Name"] == "cache.retail.internal." && r["Type"] == "A")
            .unwrap_or_else(|| panic!("no record in the drill zone: {drill}"));
        let ip = rec["ResourceRecords"][0]["Value"].as_str().unwrap();
        let described = aws(
            &sandbox.endpoint,
            &["ec2", "describe-instances", "--instance-ids", &cache],
        );
        // The instance is terminated by the cleanup but still described, with its IP.
        if let Some(d) = described {
            assert_eq!(
                d["Reservations"][0]["Instances"][0]["PrivateIpAddress"], ip,
                "{d}"
            );
        }
        let prod = records("Z05RETAILPROD").unwrap();
        let prod_rec = prod["ResourceRecordSets"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["Name"] == "cache.retail.internal.")
            .unwrap()
            .clone();
        assert_eq!(
            prod_rec["ResourceRecords"][0]["Value"], "10.10.2.41",
            "production untouched"
        );
    }
    // One automation, started once; the database command sent once.
    let rb = runbook(&sandbox);
    assert_eq!(rb["automations"].as_array().unwrap().len(), 1, "{rb}");
    let stats = get(&sandbox.admin("stats"));
    assert_eq!(stats["calls"]["ssm:StartAutomationExecution"], 1, "{stats}");
    assert!(
        stats["calls"]["route53:ChangeResourceRecordSets"] == 1,
        "{stats}"
    );
    // Recovery time runs to "application up": the web wave's last step, after its launches.
    let web = &e["waves"][1];
    let last_launch = web["servers"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["endedAt"].as_str())
        .max()
        .unwrap()
        .to_string();
    assert!(web["steps"][1]["endedAt"].as_str().unwrap() >= last_launch.as_str());
    assert_eq!(web["endedAt"], web["steps"][1]["endedAt"]);
    let pdf = cli.data().join("runbook.pdf");
    cli.ok(&[
        "report",
        "drill",
        "--execution",
        &id,
        "--out",
        pdf.to_str().unwrap(),
    ]);
    if let Some(text) = common::pdf_text(&pdf) {
        assert!(text.contains("application was up"), "{text}");
        assert!(text.contains("route53"), "{text}");
        assert!(text.contains("Z05RETAILDRILL"), "{text}");
    }
    let shown = cli.ok(&["executions", "show", &id]);
    assert!(shown.contains("Steps"), "{shown}");
    assert!(shown.contains("cache endpoint"), "{shown}");
    assert!(shown.contains("Z05RETAILDRILL"), "{shown}");
}

/// A check that never passes times out with its last answer; a failing SSM command whose
/// policy is stop fails its wave, and the next wave does not run.
#[test]
fn a_failing_command_stops_the_plan_and_a_check_that_never_passes_times_out() {
    let sandbox = serve(&[]);
    let cli = Cli::new(&sandbox.endpoint);
    cli.import(
        "apiVersion: drs-orchestrator/v1
kind: RecoveryPlan
metadata:
  name: shop-failing
spec:
  rtoTargetMinutes: 60
  waves:
    - name: data
      groups: [retail-cache]
      after:
        - name: legacy port
          kind: check
          check: tcp
          port: 9999
          servers: [retail-cache-01]
          timeoutMinutes: 2
          onFailure: continue
        - name: replication healthy
          kind: ssmCommand
          document: AWS-RunShellScript
          parameters:
            commands: [echo replication lag too high, exit 3]
          servers: [retail-cache-02]
          onFailure: stop
    - name: web
      groups: [retail-web]
",
    );
    let run = cli.run(&[
        "--json",
        "drill",
        "--plan",
        "shop-failing",
        "--yes",
        "--override-readiness",
        "--tick-ms",
        "100",
    ]);
    assert_ne!(run.code, 0, "{}", run.stdout);
    let id = cli.wait_for_execution();
    let e = cli.execution(&id);
    assert_eq!(e["status"], "failed", "{e}");
    let port = &e["waves"][0]["steps"][0];
    assert_eq!(port["status"], "failed", "{port}");
    let note = port["note"].as_str().unwrap();
    assert!(note.contains("did not succeed within 2 min"), "{note}");
    assert!(
        note.contains("port 9999"),
        "the last answer is the reason: {note}"
    );
    assert!(port["tries"].as_u64().unwrap() >= 2, "{port}");
    let cmd = &e["waves"][0]["steps"][1];
    assert_eq!(cmd["status"], "failed", "{cmd}");
    assert!(cmd["note"].as_str().unwrap().contains("exit 3"), "{cmd}");
    assert!(cmd["output"]
        .as_str()
        .unwrap()
        .contains("replication lag too high"));
    assert_eq!(e["waves"][0]["status"], "failed");
    assert_eq!(e["waves"][1]["status"], "skipped");
    assert_eq!(drill_instances(&sandbox), 0, "cleaned up all the same");
}

/// The answer to SendCommand is lost and the driver is killed while the step runs: the
/// command is found by its comment, never sent twice.
#[test]
fn a_step_command_is_sent_once_through_a_lost_answer_and_a_kill() {
    let sandbox = serve(&[]);
    let cli = Cli::new(&sandbox.endpoint);
    cli.import(
        "apiVersion: drs-orchestrator/v1
kind: RecoveryPlan
metadata:
  name: shop-once
spec:
  rtoTargetMinutes: 60
  waves:
    - name: data
      groups: [retail-cache]
      after:
        - name: warm the cache
          kind: ssmCommand
          document: AWS-RunShellScript
          parameters:
            commands: [echo warming]
          servers: [retail-cache-01]
        - name: hold
          kind: manual
          instruction: Confirm the cache is warm.
",
    );
    ureq::post(&sandbox.admin("lose-answer/SendCommand/1"))
        .send("")
        .unwrap();
    let child = cli.spawn(&[
        "--json",
        "drill",
        "--plan",
        "shop-once",
        "--yes",
        "--override-readiness",
        "--tick-ms",
        "100",
    ]);
    let id = cli.wait_for_execution();
    // Killed once the command has been sent (its answer lost).
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        if runbook(&sandbox)["commands"].as_array().unwrap().len() == 1 {
            break;
        }
        assert!(Instant::now() < deadline, "the command was never sent");
        std::thread::sleep(Duration::from_millis(50));
    }
    let mut child = child;
    let _ = child.child.kill(); // SIGKILL
    let _ = child.child.wait();
    let resumed = cli.spawn(&["--json", "executions", "resume", &id, "--tick-ms", "100"]);
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let e = cli.execution(&id);
        if e["waves"][0]["steps"][1]["status"] == "waiting" {
            assert_eq!(e["waves"][0]["steps"][0]["status"], "done", "{e}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "never got to the manual step: {e}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    cli.ok(&["executions", "confirm", &id, "--step", "hold"]);
    let run = finish(resumed);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let rb = runbook(&sandbox);
    assert_eq!(
        rb["commands"].as_array().unwrap().len(),
        1,
        "sent once: {rb}"
    );
    let stats = get(&sandbox.admin("stats"));
    assert_eq!(stats["calls"]["ssm:SendCommand"], 1, "{stats}");
    assert_eq!(stats["lostAnswers"]["ssm:SendCommand"], 1, "{stats}");
    let shown = cli.ok(&["--json", "executions", "show", &id]);
    assert!(
        shown.contains("accepted as"),
        "found by its comment: {shown}"
    );
}

/// A group's post-launch actions: written by `group apply` (read back with the AWS CLI),
/// reported in DRS's job, and deciding what counts as recovered: a drill whose required action
/// succeeds completes; one whose required action fails fails the server (not "launched").
#[test]
fn post_launch_actions_are_applied_read_back_and_decide_what_is_recovered() {
    let sandbox = serve(&[]);
    let cli = Cli::new(&sandbox.endpoint);
    cli.import(
        "apiVersion: drs-orchestrator/v1
kind: ProtectionGroup
metadata:
  name: valkey-checked
spec:
  target: Sandbox
  selector:
    sourceServerIds: [s-0005e7a110000001d]
  launch:
    launchMode: newInstances
    postLaunchActions:
      - name: valkey ready
        document: Retail-ValkeyCheck
        parameters:
          port: '6379'
      - name: monitoring agent
        document: AWS-ConfigureAWSPackage
        category: monitoring
        optional: true
---
apiVersion: drs-orchestrator/v1
kind: RecoveryPlan
metadata:
  name: valkey-checked
spec:
  rtoTargetMinutes: 60
  waves:
    - name: cache
      groups: [valkey-checked]
",
    );
    // The sample estate's cache group selects the same server: out of the way.
    cli.ok(&["plan", "delete", "retail-dr", "--yes"]);
    cli.ok(&["group", "delete", "retail-cache"]);
    // The preview names each missing action; apply writes them (and enables post-launch).
    let preview = cli.json(&["group", "preview", "valkey-checked"], 0);
    let fields: Vec<&str> = preview["servers"][0]["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        vec![
            "postLaunchEnabled",
            "action.valkey ready",
            "action.monitoring agent"
        ],
        "{preview}"
    );
    cli.json(&["group", "apply", "valkey-checked", "--yes"], 0);
    let drift = cli.json(&["group", "drift", "valkey-checked"], 0);
    assert_eq!(
        drift["servers"][0]["changes"],
        serde_json::json!([]),
        "{drift}"
    );
    if let Some(listed) = aws(
        &sandbox.endpoint,
        &[
            "drs",
            "list-launch-actions",
            "--resource-id",
            "s-0005e7a110000001d",
        ],
    ) {
        let items = listed["items"].as_array().unwrap();
        assert_eq!(items.len(), 2, "{listed}");
        assert_eq!(items[0]["actionCode"], "Retail-ValkeyCheck");
        assert_eq!(items[0]["optional"], false);
        assert_eq!(items[0]["parameters"]["port"]["value"], "6379");
        assert!(items[1]["description"]
            .as_str()
            .unwrap()
            .starts_with("managed by drs-orchestrator"));
    }
    let drill = |code: i32| {
        let before = cli.executions().len();
        let run = cli.run(&[
            "--json",
            "drill",
            "--plan",
            "valkey-checked",
            "--yes",
            "--override-readiness",
            "--tick-ms",
            "100",
        ]);
        assert_eq!(run.code, code, "{}\n{}", run.stdout, run.stderr);
        let list = cli.executions();
        assert_eq!(list.len(), before + 1);
        cli.execution(list[0]["id"].as_str().unwrap())
    };
    // Both actions succeed: the server is recovered once they reported.
    let e = drill(0);
    assert_eq!(e["status"], "completed", "{e}");
    let s = &e["waves"][0]["servers"][0];
    assert_eq!(s["status"], "launched");
    assert!(s["actions"]
        .as_array()
        .unwrap()
        .iter()
        .all(|a| a["status"] == "SUCCEEDED"));
    // The required check fails: the server is failed, with why, and the wave with it.
    ureq::post(&sandbox.admin("launch-action-fails/Retail-ValkeyCheck"))
        .send("")
        .unwrap();
    let e = drill(3);
    let s = &e["waves"][0]["servers"][0];
    assert_eq!(s["status"], "failed", "{e}");
    let why = s["failure"].as_str().unwrap();
    assert!(why.starts_with("launched as i-"), "{why}");
    assert!(why.contains("\"valkey ready\" failed"), "{why}");
    assert_eq!(e["waves"][0]["status"], "failed");
    assert_eq!(
        drill_instances(&sandbox),
        0,
        "its instance is cleaned up all the same"
    );
}
