//! The report and tag-sync schedules from the command line: shown, set, refused when wrong,
//! run when due (once), run now, and run by the daemon; the reports delivered to S3 and by
//! e-mail (moto as S3 and SES, read back with the AWS CLI and moto's sent-mail list), a failed
//! delivery shown and retried.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use crate::common;
use crate::monitoring::{aws_moto, moto};
use std::time::{Duration, Instant};

#[test]
fn schedules_are_set_shown_and_run_from_the_command_line() {
    let sandbox = common::serve(&[]);
    let cli = common::Cli::new(&sandbox.endpoint);

    let none = cli.ok(&["schedule", "show"]);
    assert!(none.contains("report schedule: not set"), "{none}");
    assert!(none.contains("tag sync schedule: not set"), "{none}");

    // Wrong values are refused with what is wrong, and nothing is saved.
    let r = cli.run(&["schedule", "tags", "--every-hours", "0"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("1 to 24 hours"), "{}", r.stderr);
    let missing = cli.data().join("no such folder");
    let r = cli.run(&[
        "schedule",
        "report",
        "--folder",
        missing.to_str().unwrap(),
        "--hour",
        "6",
    ]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("no such folder"), "{}", r.stderr);
    let r = cli.run(&["schedule", "report", "--folder", "/tmp", "--hour", "24"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    let shown = cli.json(&["schedule", "show"], 0);
    assert!(shown["report"]["schedule"].is_null(), "{shown}");
    assert!(shown["tags"]["schedule"].is_null(), "{shown}");

    // A tag schedule never run is due: it runs once, then not until its interval has passed.
    cli.ok(&["schedule", "tags", "--every-hours", "6"]);
    let first = cli.json(&["schedule", "run"], 0);
    assert!(first["tags"]["at"].is_string(), "{first}");
    assert!(first["report"].is_null(), "{first}");
    let again = cli.ok(&["schedule", "run"]);
    assert!(again.contains("tag sync schedule: not due"), "{again}");

    // A weekly report schedule; run now, whatever its time, it writes a PDF per plan.
    let folder = tempfile::tempdir().unwrap();
    let set = cli.ok(&[
        "schedule",
        "report",
        "--folder",
        folder.path().to_str().unwrap(),
        "--hour",
        "6",
        "--weekly",
        "--weekday",
        "3",
    ]);
    assert!(set.contains("weekly on Wednesday at 06:00 UTC"), "{set}");
    let shown = cli.json(&["schedule", "show"], 0);
    assert_eq!(shown["report"]["schedule"]["cadence"], "weekly");
    assert!(shown["report"]["nextRun"].is_string(), "{shown}");
    let now = cli.json(&["schedule", "run", "--now"], 0);
    let files = now["report"]["files"].as_array().unwrap();
    assert!(!files.is_empty(), "{now}");
    for f in files {
        let bytes = std::fs::read(f.as_str().unwrap()).unwrap();
        assert!(bytes.starts_with(b"%PDF"), "{f}");
    }
    let shown = cli.ok(&["schedule", "show"]);
    assert!(shown.contains("last run:"), "{shown}");

    // Off keeps the settings.
    cli.ok(&["schedule", "report", "--off"]);
    cli.ok(&["schedule", "tags", "--off"]);
    let shown = cli.json(&["schedule", "show"], 0);
    assert_eq!(shown["report"]["schedule"]["enabled"], false);
    assert_eq!(shown["report"]["schedule"]["weekday"], 3);
    assert!(shown["report"]["nextRun"].is_null(), "{shown}");
    assert_eq!(shown["tags"]["schedule"]["enabled"], false);
    assert_eq!(shown["tags"]["schedule"]["intervalHours"], 6);
}

#[test]
fn the_daemon_runs_a_due_schedule_without_a_window() {
    let sandbox = common::serve(&[]);
    let cli = common::Cli::new(&sandbox.endpoint);
    cli.ok(&["schedule", "tags", "--every-hours", "1"]);
    let mut daemon = std::process::Command::new(env!("CARGO_BIN_EXE_drs-orchestrator"))
        .arg("daemon")
        .env("DRS_ORCH_DATA_DIR", cli.data())
        .env("DRS_ORCH_SCHEDULE_TICK_SECONDS", "1")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let ran = loop {
        let shown = cli.json(&["schedule", "show"], 0);
        if shown["tags"]["lastRun"]["at"].is_string() {
            break shown;
        }
        if Instant::now() > deadline || daemon.try_wait().unwrap().is_some() {
            let _ = daemon.kill();
            panic!("the daemon never ran the tag schedule: {shown}");
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    assert!(
        daemon.try_wait().unwrap().is_none(),
        "the daemon keeps running"
    );
    daemon.kill().unwrap();
    let _ = daemon.wait();
    assert!(
        ran["tags"]["lastRun"]["errors"]
            .as_array()
            .unwrap()
            .is_empty(),
        "{ran}"
    );
}

/// moto's record of everything it holds (its sent e-mail among it).
fn moto_data(endpoint: &str) -> serde_json::Value {
    let out = std::process::Command::new("python3")
        .args([
            "-c",
            "import sys,urllib.request;print(urllib.request.urlopen(sys.argv[1]).read().decode())",
            &format!("{endpoint}/moto-api/data.json"),
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn scheduled_reports_are_delivered_to_s3_and_by_email_and_a_failed_delivery_is_shown_and_retried() {
    let Some(moto) = moto() else { return };
    let m = moto.endpoint.as_str();
    let sandbox = common::serve(&[]);
    let cli = common::Cli::new(&sandbox.endpoint);
    // DRS in the sandbox; S3 and SES in moto.
    cli.ok(&[
        "target",
        "edit",
        "Sandbox",
        "--s3-endpoint",
        m,
        "--ses-endpoint",
        m,
    ]);
    let folder = tempfile::tempdir().unwrap();
    let dir = folder.path().to_str().unwrap();

    // Bad delivery settings are refused, each field named, and nothing is saved.
    let r = cli.run(&[
        "schedule",
        "report",
        "--folder",
        dir,
        "--hour",
        "6",
        "--deliver-with",
        "Sandbox",
        "--s3-bucket",
        "DR_Evidence",
        "--email-from",
        "dr@example.com",
        "--email-to",
        "auditors",
    ]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("delivery.s3.bucket"), "{}", r.stderr);
    assert!(r.stderr.contains("delivery.email.to[0]"), "{}", r.stderr);
    assert!(cli.json(&["schedule", "show"], 0)["report"]["schedule"].is_null());

    let set = cli.ok(&[
        "schedule",
        "report",
        "--folder",
        dir,
        "--hour",
        "6",
        "--deliver-with",
        "Sandbox",
        "--s3-bucket",
        "dr-evidence",
        "--s3-prefix",
        "readiness/",
        "--email-from",
        "dr@example.com",
        "--email-to",
        "auditors@example.com",
    ]);
    assert!(
        set.contains("delivered with target Sandbox: s3://dr-evidence/readiness/ (SSE-S3); e-mail from dr@example.com to auditors@example.com"),
        "{set}"
    );

    // The bucket does not exist yet and SES does not know the sender: the reports are written,
    // both deliveries fail, are shown, and wait for a retry.
    let failed = cli.json(&["schedule", "run", "--now"], 1);
    let deliveries = failed["report"]["deliveries"].as_array().unwrap();
    let files = failed["report"]["files"].as_array().unwrap();
    assert!(!files.is_empty(), "{failed}");
    assert_eq!(deliveries.len(), 2 * files.len(), "{failed}");
    assert!(
        deliveries.iter().all(|d| d["status"] == "retrying"),
        "{failed}"
    );
    let s3 = deliveries.iter().find(|d| d["channel"] == "s3").unwrap();
    assert!(
        s3["error"].as_str().unwrap().contains("NoSuchBucket"),
        "{s3}"
    );
    let mail = deliveries.iter().find(|d| d["channel"] == "email").unwrap();
    assert!(
        mail["error"].as_str().unwrap().contains("dr@example.com"),
        "{mail}"
    );
    assert!(mail["nextAttempt"].is_string(), "{mail}");
    let shown = cli.ok(&["schedule", "show"]);
    assert!(
        shown.contains("failed (attempt 1 of 5; retried at"),
        "{shown}"
    );
    assert!(shown.contains("waiting for a retry"), "{shown}");
    // Not yet due: a plain run leaves them waiting.
    let early = cli.json(&["schedule", "run"], 0);
    assert!(early["retried"].as_array().unwrap().is_empty(), "{early}");

    // The bucket is made (versioned) and the sender verified; the retry delivers both.
    aws_moto(
        m,
        &[
            "s3api",
            "create-bucket",
            "--bucket",
            "dr-evidence",
            "--create-bucket-configuration",
            "LocationConstraint=us-west-2",
        ],
    );
    aws_moto(
        m,
        &[
            "s3api",
            "put-bucket-versioning",
            "--bucket",
            "dr-evidence",
            "--versioning-configuration",
            "Status=Enabled",
        ],
    );
    aws_moto(
        m,
        &[
            "sesv2",
            "create-email-identity",
            "--email-identity",
            "dr@example.com",
        ],
    );
    let retried = cli.json(&["schedule", "run", "--retry"], 0);
    let retried = retried["retried"].as_array().unwrap();
    assert_eq!(retried.len(), deliveries.len());
    assert!(
        retried.iter().all(|d| d["status"] == "delivered"),
        "{retried:?}"
    );
    assert!(
        cli.json(&["schedule", "show"], 0)["report"]["pendingDeliveries"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    // S3: the object under the prefix, encrypted at rest, the version the app shows.
    let put = retried.iter().find(|d| d["channel"] == "s3").unwrap();
    let file = files[0].as_str().unwrap();
    let name = std::path::Path::new(file)
        .file_name()
        .unwrap()
        .to_str()
        .unwrap();
    let key = format!("readiness/{name}");
    assert_eq!(put["key"], key.as_str());
    let head = aws_moto(
        m,
        &[
            "s3api",
            "head-object",
            "--bucket",
            "dr-evidence",
            "--key",
            &key,
        ],
    );
    assert_eq!(head["ServerSideEncryption"], "AES256");
    assert_eq!(head["VersionId"], put["versionId"]);
    assert_eq!(head["ContentType"], "application/pdf");
    assert_eq!(
        head["ContentLength"].as_u64().unwrap(),
        std::fs::metadata(file).unwrap().len()
    );
    let shown = cli.ok(&["schedule", "show"]);
    assert!(
        shown.contains(&format!("S3 delivered to s3://dr-evidence/{key} (version ")),
        "{shown}"
    );

    // SES: one message per report to the auditors, the summary in the body, the PDF attached.
    let data = moto_data(m);
    let sent: Vec<&serde_json::Value> = data["ses"]["RawMessage"]
        .as_array()
        .unwrap()
        .iter()
        .collect();
    assert_eq!(sent.len(), files.len(), "{sent:?}");
    // The body is quoted-printable: its soft line breaks joined again.
    let raw = sent[0]["raw_data"]
        .as_str()
        .unwrap()
        .replace("=\r\n", "")
        .replace("=\n", "");
    assert_eq!(sent[0]["source"], "dr@example.com");
    assert!(raw.contains("auditors@example.com"), "{raw}");
    assert!(
        raw.contains("Readiness of recovery plan \"retail-dr\""),
        "{raw}"
    );
    assert!(raw.contains("The full report is attached."), "{raw}");
    assert!(raw.contains("application/pdf"), "{raw}");
    assert!(raw.contains(&format!("filename=\"{name}\"")), "{raw}");
    let mail = retried.iter().find(|d| d["channel"] == "email").unwrap();
    assert_eq!(mail["messageId"], sent[0]["id"]);

    // The deliveries are audited.
    let audit = cli.json(&["audit", "--subject", "readiness"], 0);
    assert!(
        audit
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["action"] == "report.delivery.retried"),
        "{audit}"
    );
}
