//! The report and tag-sync schedules from the command line: shown, set, refused when wrong,
//! run when due (once), run now, and run by the daemon.

use crate::common;
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
