//! The way home, through the CLI against `sandbox serve`, as a coordinator runs it after a
//! real recovery: recover, reprotect (killed with -9 and resumed), a second reprotect that finds
//! what exists, failback readiness with an original instance running, one deleted and a server
//! whose initial sync never ends, a failback drill (cleaned up, the recovery region untouched),
//! the failback in reverse wave order (killed with -9 and resumed: each server back in its
//! original instance with its private IP, nothing launched twice), protected again, the
//! leftovers listed then cleaned up — and the AWS CLI reading the final state in both regions.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use crate::common::{self, aws, aws_in, Cli};
use crate::executions::{finish, get, serve, DrillCli, Spawned};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

const PLAN: &str = "apiVersion: drs-orchestrator/v1
kind: RecoveryPlan
metadata:
  name: homecoming
spec:
  rtoTargetMinutes: 60
  failbackOrder: reverse
  waves:
    - name: data
      groups: [retail-db, retail-cache]
    - name: application
      groups: [retail-app]
      dependsOn: [data]
    - name: web
      groups: [retail-web]
      dependsOn: [application]
---
apiVersion: drs-orchestrator/v1
kind: RecoveryPlan
metadata:
  name: queues
spec:
  rtoTargetMinutes: 60
  waves:
    - name: queues
      groups: [retail-mq]
";

/// Waits until `ok` holds for the execution `id` (re-read every 100 ms), up to 3 minutes.
fn until(cli: &Cli, id: &str, what: &str, ok: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(180);
    loop {
        let e = cli.execution(id);
        if ok(&e) {
            return e;
        }
        assert!(Instant::now() < deadline, "waited too long for {what}: {e}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn servers(e: &Value) -> Vec<Value> {
    e["waves"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|w| w["servers"].as_array().unwrap().clone())
        .collect()
}

fn calls(stats: &Value, op: &str) -> u64 {
    stats["calls"][op].as_u64().unwrap_or(0)
}

fn newest(cli: &Cli) -> String {
    cli.executions()[0]["id"].as_str().unwrap().to_string()
}

/// Runs an execution command to its end (exit `code`) and reads the execution it made.
fn drive(cli: &Cli, args: &[&str], code: i32) -> Value {
    let r = cli.run(args);
    assert_eq!(r.code, code, "{args:?}\n{}\n{}", r.stdout, r.stderr);
    cli.execution(&newest(cli))
}

/// Starts the CLI with `args` in the background and waits for the execution it makes (the
/// newest one, other than the newest before it started).
fn spawn_execution(cli: &Cli, args: &[&str]) -> (Spawned, String) {
    let before = cli.executions().first().map(|e| e["id"].clone());
    let child = cli.spawn(args);
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(e) = cli.executions().first() {
            if Some(&e["id"]) != before.as_ref() {
                return (child, e["id"].as_str().unwrap().to_string());
            }
        }
        assert!(
            Instant::now() < deadline,
            "no execution appeared for {args:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Kills the CLI driving `id` with -9, resumes the execution (with `extra` arguments) to its end
/// and reads it.
fn kill_and_resume(cli: &Cli, mut child: Spawned, id: &str, extra: &[&str]) -> Value {
    let _ = child.child.kill(); // SIGKILL
    let _ = child.child.wait();
    let mut args = vec!["--json", "executions", "resume", id, "--tick-ms", "150"];
    args.extend_from_slice(extra);
    let resumed = cli.run(&args);
    assert_eq!(resumed.code, 0, "{}\n{}", resumed.stdout, resumed.stderr);
    cli.execution(id)
}

fn status(cli: &Cli, plan: &str) -> Value {
    cli.json(&["plan", "status", plan], 0)
}

#[test]
fn a_recovered_plan_goes_home_and_is_protected_again() {
    let sandbox = serve(&[]);
    let cli = Cli::new(&sandbox.endpoint);
    cli.import(PLAN);
    // The web tier's failback drills launch into an isolated subnet of the origin region.
    let web = cli.ok(&["group", "export", "retail-web"]);
    assert!(web.contains("    rightSizing: none\n"), "{web}");
    cli.import(&web.replace(
        "    rightSizing: none\n",
        "    rightSizing: none\n    failbackDrillNetwork:\n      subnetId: subnet-0e1a2b3c4d5e6f7d1\n",
    ));
    let recover = |plan: &str| {
        drive(
            &cli,
            &[
                "recover",
                "--plan",
                plan,
                "--confirm",
                plan,
                "--override-readiness",
                "--tick-ms",
                "150",
            ],
            0,
        )
    };
    let recovered = recover("homecoming");
    assert_eq!(recovered["status"], "completed");
    assert_eq!(status(&cli, "homecoming")["phase"], "recovered");
    let rec_servers = servers(&recovered);
    assert_eq!(rec_servers.len(), 32);
    // Each server's recovery-region instance, and its original instance in us-east-1.
    let recovery_ec2: BTreeMap<String, String> = rec_servers
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap().to_string(),
                s["ec2InstanceId"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let Some(forward) = aws(&sandbox.endpoint, &["drs", "describe-source-servers"]) else {
        return;
    };
    let original: BTreeMap<String, String> = forward["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| recovery_ec2.contains_key(s["tags"]["Name"].as_str().unwrap_or("")))
        .map(|s| {
            (
                s["tags"]["Name"].as_str().unwrap().to_string(),
                s["sourceProperties"]["identificationHints"]["awsInstanceID"]
                    .as_str()
                    .unwrap()
                    .to_string(),
            )
        })
        .collect();
    assert_eq!(original.len(), 32);
    let originals_before = aws_in(
        &sandbox.endpoint,
        "us-east-1",
        &["ec2", "describe-instances"],
    )
    .unwrap();
    let original_ip: BTreeMap<String, String> = originals_before["Reservations"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r["Instances"].as_array().unwrap().clone())
        .map(|i| {
            (
                i["InstanceId"].as_str().unwrap().to_string(),
                i["PrivateIpAddress"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();

    // Reprotect, killed with -9 once its ReverseReplication calls were written down.
    let before = get(&sandbox.admin("stats"));
    let (child, id) = spawn_execution(
        &cli,
        &[
            "--json",
            "reprotect",
            "--plan",
            "homecoming",
            "--tick-ms",
            "150",
        ],
    );
    until(&cli, &id, "reversed replication sent", |e| {
        servers(e).iter().any(|s| s["reversal"]["sent"] == true)
    });
    let reprotect = kill_and_resume(&cli, child, &id, &[]);
    assert_eq!(reprotect["kind"], "reprotect");
    assert_eq!(reprotect["direction"], "failback");
    assert_eq!(reprotect["status"], "completed");
    for s in servers(&reprotect) {
        assert_eq!(s["status"], "launched", "{s}");
        assert_eq!(s["reversal"]["state"], "CONTINUOUS", "{s}");
    }
    let after = get(&sandbox.admin("stats"));
    assert_eq!(
        calls(&after, "drs:ReverseReplication") - calls(&before, "drs:ReverseReplication"),
        32,
        "each recovery instance reversed once, through a kill -9"
    );
    // A second reprotect finds everything and sends nothing.
    let again = drive(
        &cli,
        &["reprotect", "--plan", "homecoming", "--tick-ms", "150"],
        0,
    );
    assert_eq!(again["status"], "completed");
    let after_again = get(&sandbox.admin("stats"));
    assert_eq!(
        calls(&after_again, "drs:ReverseReplication"),
        calls(&after, "drs:ReverseReplication")
    );
    // The way back exists in the origin region.
    let back = aws_in(
        &sandbox.endpoint,
        "us-east-1",
        &["drs", "describe-source-servers"],
    )
    .unwrap();
    let failback_servers: Vec<&Value> = back["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["replicationDirection"] == "FAILBACK")
        .collect();
    assert_eq!(failback_servers.len(), 32);
    assert!(failback_servers.iter().all(|s| {
        recovery_ec2
            .values()
            .any(|i| s["sourceProperties"]["identificationHints"]["awsInstanceID"] == *i)
    }));
    assert_eq!(status(&cli, "homecoming")["phase"], "readyToFailBack");

    // Failback readiness: the originals run (blockers), one was deleted (a new instance).
    let db06 = original["retail-db-06"].clone();
    let deleted = ureq::post(&sandbox.admin(&format!("delete-instance/{db06}")))
        .send_empty()
        .unwrap();
    assert_eq!(deleted.status(), 200);
    let check = cli.json(&["failback", "--plan", "homecoming", "--check"], 3);
    let findings = check["findings"].as_array().unwrap();
    assert_eq!(
        findings
            .iter()
            .filter(|f| f["check"] == "failback.originalRunning")
            .count(),
        31
    );
    let gone = findings
        .iter()
        .find(|f| f["check"] == "failback.originalGone")
        .unwrap();
    assert_eq!(gone["serverName"], "retail-db-06");
    assert_eq!(gone["severity"], "warning");
    let refused = cli.run(&[
        "failback",
        "--plan",
        "homecoming",
        "--confirm",
        "homecoming",
    ]);
    assert_eq!(refused.code, 3, "{}\n{}", refused.stdout, refused.stderr);
    assert!(refused.stderr.contains("is running"), "{}", refused.stderr);
    let wrong = cli.run(&["failback", "--plan", "homecoming", "--confirm", "home"]);
    assert_eq!(wrong.code, 2, "{}", wrong.stderr);
    let prepared = cli.json(
        &[
            "failback",
            "--plan",
            "homecoming",
            "--check",
            "--originals",
            "prepare",
        ],
        0,
    );
    assert_eq!(prepared["blockers"], 0, "{prepared}");
    // Production still writes in the recovery region: the lag is over the threshold until the
    // failback stops the recovery instances.
    assert_eq!(
        prepared["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["check"] == "failback.lag")
            .count(),
        32
    );
    // The readiness report of a recovered plan has its way home.
    let readiness_pdf = cli.data().join("readiness.pdf");
    cli.ok(&[
        "report",
        "readiness",
        "--plan",
        "homecoming",
        "--out",
        readiness_pdf.to_str().unwrap(),
    ]);
    if let Some(text) = common::pdf_text(&readiness_pdf) {
        assert!(text.contains("Failback"), "{text}");
        assert!(text.contains("ready to fail back"), "{text}");
        assert!(text.contains("Not ready to fail back"), "{text}");
    }
    // And so has the scheduled one.
    let folder = cli.data().join("scheduled");
    std::fs::create_dir_all(&folder).unwrap();
    cli.ok(&[
        "schedule",
        "report",
        "--folder",
        folder.to_str().unwrap(),
        "--hour",
        "6",
        "--plan",
        "homecoming",
    ]);
    cli.ok(&["schedule", "run", "--now"]);
    let written: Vec<_> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|f| f.unwrap().path())
        .collect();
    assert_eq!(written.len(), 1, "{written:?}");
    if let Some(text) = common::pdf_text(&written[0]) {
        assert!(text.contains("Not ready to fail back"), "{text}");
    }

    // Failback drill, killed with -9 once its first job started, then resumed: launched in
    // us-east-1 and cleaned up; the recovery region untouched.
    let before_drill = get(&sandbox.admin("stats"));
    let (child, did) = spawn_execution(
        &cli,
        &[
            "--json",
            "failback",
            "--plan",
            "homecoming",
            "--drill",
            "--originals",
            "prepare",
            "--tick-ms",
            "150",
        ],
    );
    until(&cli, &did, "a job of the failback drill", |e| {
        e["batches"]
            .as_array()
            .is_some_and(|b| b.iter().any(|b| b["jobId"].is_string()))
    });
    let drill = kill_and_resume(&cli, child, &did, &[]);
    // The web servers were moved to the failback drill network and put back.
    let isolated = drill["isolated"].as_array().unwrap();
    assert_eq!(isolated.len(), 10, "{isolated:?}");
    assert!(isolated
        .iter()
        .all(|x| x["drillSubnetId"] == "subnet-0e1a2b3c4d5e6f7d1"
            && x["applied"] == true
            && x["restored"] == true));
    let after_drill = get(&sandbox.admin("stats"));
    assert_eq!(
        calls(&after_drill, "drs:StartRecovery") - calls(&before_drill, "drs:StartRecovery"),
        drill["batches"].as_array().unwrap().len() as u64,
        "nothing started twice through a kill -9"
    );
    assert_eq!(drill["kind"], "drill");
    assert_eq!(drill["direction"], "failback");
    assert_eq!(drill["cleanup"]["status"], "verified");
    for s in servers(&drill) {
        let i = s["ec2InstanceId"].as_str().unwrap();
        assert!(!recovery_ec2.values().any(|r| r == i), "{s}");
        assert!(
            !original.values().any(|o| o == i),
            "a drill never launches into an original"
        );
    }
    let rec_ids: Vec<&str> = recovery_ec2.values().map(String::as_str).collect();
    let mut describe = vec!["ec2", "describe-instances", "--instance-ids"];
    describe.extend(rec_ids.iter().copied());
    let rec_state = aws(&sandbox.endpoint, &describe).unwrap();
    let states: BTreeSet<String> = rec_state["Reservations"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r["Instances"].as_array().unwrap().clone())
        .map(|i| i["State"]["Name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        states,
        BTreeSet::from(["running".to_string()]),
        "production keeps running in the recovery region during a failback drill"
    );

    // The failback, killed with -9 while it stops the recovery instances, then resumed.
    let before = get(&sandbox.admin("stats"));
    let (mut child, fid) = spawn_execution(
        &cli,
        &[
            "--json",
            "failback",
            "--plan",
            "homecoming",
            "--confirm",
            "homecoming",
            "--originals",
            "prepare",
            "--tick-ms",
            "150",
        ],
    );
    until(
        &cli,
        &fid,
        "a recovery instance stopped for the failback",
        |e| servers(e).iter().any(|s| s["drain"]["stopSent"] == true),
    );
    let _ = child.child.kill();
    let _ = child.child.wait();
    let no_confirm = cli.run(&["executions", "resume", &fid]);
    assert_eq!(no_confirm.code, 2, "a failback resumes only when confirmed");
    let resumed = cli.run(&[
        "--json",
        "executions",
        "resume",
        &fid,
        "--confirm",
        "homecoming",
        "--tick-ms",
        "150",
    ]);
    assert_eq!(resumed.code, 0, "{}\n{}", resumed.stdout, resumed.stderr);
    let fb = cli.execution(&fid);
    assert_eq!(fb["kind"], "recovery");
    assert_eq!(fb["direction"], "failback");
    assert_eq!(fb["status"], "completed");
    // Reverse order: web, then application, then data.
    let order: Vec<&str> = fb["waves"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["name"].as_str().unwrap())
        .collect();
    assert_eq!(order, ["web", "application", "data"]);
    let started = |w: usize| fb["waves"][w]["startedAt"].as_str().unwrap().to_string();
    assert!(started(0) < started(1) && started(1) < started(2));
    for s in servers(&fb) {
        // It launched once its recovery instance was stopped and its lag came under the
        // threshold.
        assert_eq!(s["drain"]["done"], true, "{s}");
        assert!(s["drain"]["lagSeconds"].as_u64().unwrap() <= 300, "{s}");
        let name = s["name"].as_str().unwrap();
        let ec2 = s["ec2InstanceId"].as_str().unwrap();
        if name == "retail-db-06" {
            assert_ne!(ec2, original[name], "its original is gone: a new instance");
        } else {
            assert_eq!(
                ec2, original[name],
                "{name} is back in its original instance"
            );
            assert_eq!(s["expectedPrivateIp"], original_ip[ec2].as_str(), "{s}");
        }
        assert_eq!(s["status"], "launched");
    }
    let after = get(&sandbox.admin("stats"));
    let starts = calls(&after, "drs:StartRecovery") - calls(&before, "drs:StartRecovery");
    assert_eq!(
        starts,
        fb["batches"].as_array().unwrap().len() as u64,
        "nothing started twice through a kill -9"
    );
    let rec_state = aws(&sandbox.endpoint, &describe).unwrap();
    let states: BTreeSet<String> = rec_state["Reservations"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r["Instances"].as_array().unwrap().clone())
        .map(|i| i["State"]["Name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(states, BTreeSet::from(["stopped".to_string()]));
    assert_eq!(status(&cli, "homecoming")["phase"], "failedBack");

    // Protected again, killed with -9 once its calls were written down, then resumed: the
    // original source servers replicate from the instances back home.
    let before_again = get(&sandbox.admin("stats"));
    let (child, pid) = spawn_execution(
        &cli,
        &[
            "--json",
            "reprotect",
            "--plan",
            "homecoming",
            "--tick-ms",
            "150",
        ],
    );
    until(&cli, &pid, "protection sent", |e| {
        servers(e).iter().any(|s| s["reversal"]["sent"] == true)
    });
    let again = kill_and_resume(&cli, child, &pid, &[]);
    assert_eq!(
        calls(&get(&sandbox.admin("stats")), "drs:ReverseReplication")
            - calls(&before_again, "drs:ReverseReplication"),
        32,
        "each failed-back instance protected once, through a kill -9"
    );
    assert_eq!(again["direction"], "failover");
    assert_eq!(again["status"], "completed");
    let forward = aws(&sandbox.endpoint, &["drs", "describe-source-servers"]).unwrap();
    let protected: BTreeMap<String, (String, String)> = forward["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| original.contains_key(s["tags"]["Name"].as_str().unwrap_or("")))
        .map(|s| {
            (
                s["tags"]["Name"].as_str().unwrap().to_string(),
                (
                    s["dataReplicationInfo"]["dataReplicationState"]
                        .as_str()
                        .unwrap()
                        .to_string(),
                    s["sourceProperties"]["identificationHints"]["awsInstanceID"]
                        .as_str()
                        .unwrap()
                        .to_string(),
                ),
            )
        })
        .collect();
    for s in servers(&fb) {
        let name = s["name"].as_str().unwrap();
        let (state, from) = &protected[name];
        assert_eq!(state, "CONTINUOUS", "{name}");
        assert_eq!(from, s["ec2InstanceId"].as_str().unwrap(), "{name}");
    }
    assert_eq!(status(&cli, "homecoming")["phase"], "protectedAgain");

    // The leftovers: listed first, then cleaned up when confirmed.
    let listed = cli.json(&["failback", "--plan", "homecoming", "--cleanup"], 0);
    assert_eq!(listed["done"], false);
    assert_eq!(listed["stopReplication"].as_array().unwrap().len(), 32);
    assert_eq!(listed["terminate"].as_array().unwrap().len(), 32);
    let done = cli.json(
        &[
            "failback",
            "--plan",
            "homecoming",
            "--cleanup",
            "--confirm",
            "homecoming",
        ],
        0,
    );
    assert_eq!(done["done"], true, "{done}");
    let back = aws_in(
        &sandbox.endpoint,
        "us-east-1",
        &["drs", "describe-source-servers"],
    )
    .unwrap();
    assert!(back["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["replicationDirection"] == "FAILBACK")
        .all(|s| s["dataReplicationInfo"]["dataReplicationState"] == "STOPPED"));
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let left = aws(&sandbox.endpoint, &["drs", "describe-recovery-instances"]).unwrap();
        let left: Vec<&Value> = left["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| recovery_ec2.values().any(|i| r["ec2InstanceID"] == *i))
            .collect();
        if left.is_empty() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "old recovery instances left: {left:?}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let life = status(&cli, "homecoming");
    assert_eq!(life["phase"], "protected", "{life}");
    assert!(life["cleanedUpAt"].is_string());
    // The failback report: each server there and back, and what was cleaned up.
    let report = cli.data().join("failback.pdf");
    cli.ok(&[
        "report",
        "failback",
        "--plan",
        "homecoming",
        "--out",
        report.to_str().unwrap(),
    ]);
    // Kept for people to look at, like the window's screenshots.
    let artifacts = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/artifacts");
    if std::fs::create_dir_all(&artifacts).is_ok() {
        let _ = std::fs::copy(&report, artifacts.join("failback-report.pdf"));
    }
    if let Some(text) = common::pdf_text(&report) {
        assert!(text.contains("Failback report: homecoming"), "{text}");
        assert!(text.contains("32 of 32 servers are back"), "{text}");
        assert!(text.contains("(original)"), "{text}");
        assert!(
            text.contains("(new)"),
            "retail-db-06 came back as a new instance: {text}"
        );
        assert!(text.contains("terminated"), "the cleanup: {text}");
    }
    let csv = cli.data().join("failback.csv");
    cli.ok(&[
        "report",
        "failback",
        "--plan",
        "homecoming",
        "--out",
        csv.to_str().unwrap(),
        "--format",
        "csv",
    ]);
    let rows = std::fs::read_to_string(&csv).unwrap();
    assert_eq!(rows.lines().count(), 33, "{rows}");
    assert_eq!(
        rows.lines()
            .filter(|l| l.contains("\"home, protected again\""))
            .count(),
        32,
        "{rows}"
    );

    // A server whose reversed initial sync never ends: a blocker, not a silent wait.
    let queues = recover("queues");
    let recovered_queues = servers(&queues)
        .iter()
        .filter(|s| s["status"] == "launched")
        .count();
    let stuck = ureq::post(&sandbox.admin("reverse-sync-stuck/retail-mq-02"))
        .send_empty()
        .unwrap();
    assert_eq!(stuck.status(), 200);
    let (child, qid) = spawn_execution(
        &cli,
        &[
            "--json",
            "reprotect",
            "--plan",
            "queues",
            "--tick-ms",
            "150",
        ],
    );
    until(&cli, &qid, "every server but the stuck one in sync", |e| {
        servers(e)
            .iter()
            .filter(|s| s["status"] == "launched")
            .count()
            == recovered_queues - 1
    });
    let check = cli.json(&["failback", "--plan", "queues", "--check"], 3);
    let sync = check["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["check"] == "failback.notInSync")
        .unwrap_or_else(|| panic!("{check}"));
    assert_eq!(sync["serverName"], "retail-mq-02");
    assert!(
        sync["message"].as_str().unwrap().contains("initial sync"),
        "{sync}"
    );
    cli.ok(&["executions", "cancel", &qid]);
    let run = finish(child);
    assert_eq!(run.code, 3, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(cli.execution(&qid)["status"], "cancelled");
}
