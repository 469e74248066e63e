//! The CLI end to end: the real binary on a real data directory, as a user or a cron job runs it.
//! Bad input of every kind gets a clear error with its place, exit code 2, and changes nothing.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use assert_cmd::Command;
use std::path::{Path, PathBuf};

const SHOP: &str = include_str!("../fixtures/shop.yaml");

struct Cli {
    dir: tempfile::TempDir,
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Cli {
    fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn file(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, contents).unwrap();
        path
    }

    fn run_in(&self, data: &Path, args: &[&str]) -> Run {
        let out = Command::cargo_bin("drs-orchestrator")
            .unwrap()
            .env_remove("DRS_ORCH_DATA_DIR")
            .arg("--data-dir")
            .arg(data)
            .args(args)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).to_string();
        assert!(
            !stderr.contains("panicked"),
            "the process panicked: {stderr}"
        );
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).to_string(),
            stderr,
        }
    }

    fn run(&self, args: &[&str]) -> Run {
        self.run_in(&self.data(), args)
    }

    fn imported(self) -> Self {
        let f = self.file("shop.yaml", SHOP);
        let r = self.run(&["plan", "import", f.to_str().unwrap()]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        self
    }

    /// Everything a user can see of the stored state.
    fn snapshot(&self) -> String {
        let plans = self.run(&["--json", "plan", "list"]).stdout;
        let groups = self.run(&["--json", "group", "list"]).stdout;
        let revisions = self.run(&["--json", "plan", "revisions", "shop-dr"]).stdout;
        let export = self.run(&["plan", "export", "shop-dr"]).stdout;
        format!("{plans}\n{groups}\n{revisions}\n{export}")
    }
}

#[test]
fn import_list_show_export_round_trip() {
    let cli = Cli::new().imported();
    let list = cli.run(&["--json", "plan", "list"]);
    let plans: serde_json::Value = serde_json::from_str(&list.stdout).unwrap();
    let shop = plans
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "shop-dr")
        .unwrap();
    assert_eq!(shop["waves"], 2);
    // The sample plan for the sandbox is there from the first start.
    assert!(plans
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["name"] == "retail-dr"));

    let show = cli.run(&["plan", "show", "shop-dr"]);
    assert_eq!(show.code, 0);
    assert!(show.stdout.contains("application"), "{}", show.stdout);
    assert!(show.stdout.contains("required"));

    // Export → import into a fresh data dir is lossless.
    let out = cli.dir.path().join("export.yaml");
    let r = cli.run(&["plan", "export", "shop-dr", "--out", out.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let groups = cli.dir.path().join("groups.yaml");
    let mut all = String::new();
    for g in ["shop-db", "shop-app"] {
        all.push_str(&cli.run(&["group", "export", g]).stdout);
        all.push_str("---\n");
    }
    all.push_str(&std::fs::read_to_string(&out).unwrap());
    std::fs::write(&groups, &all).unwrap();
    let fresh = cli.dir.path().join("fresh");
    assert_eq!(
        cli.run_in(&fresh, &["plan", "import", groups.to_str().unwrap()])
            .code,
        0
    );
    assert_eq!(
        cli.run_in(&fresh, &["plan", "export", "shop-dr"]).stdout,
        std::fs::read_to_string(&out).unwrap()
    );
}

#[test]
fn revisions_diff_restore() {
    let cli = Cli::new().imported();
    let changed = SHOP.replace("rtoTargetMinutes: 60", "rtoTargetMinutes: 45");
    let f = cli.file("changed.yaml", changed);
    assert_eq!(cli.run(&["plan", "import", f.to_str().unwrap()]).code, 0);
    let diff = cli.run(&["plan", "diff", "shop-dr", "1"]);
    assert!(
        diff.stdout.contains("-  rtoTargetMinutes: 60"),
        "{}",
        diff.stdout
    );
    assert!(diff.stdout.contains("+  rtoTargetMinutes: 45"));
    assert_eq!(cli.run(&["plan", "restore", "shop-dr", "1"]).code, 0);
    let revs: serde_json::Value =
        serde_json::from_str(&cli.run(&["--json", "plan", "revisions", "shop-dr"]).stdout).unwrap();
    assert_eq!(revs.as_array().unwrap().len(), 3);
    assert_eq!(revs[0]["message"], "restored revision 1");
}

fn assert_refused(cli: &Cli, name: &str, contents: &[u8], expected: &[&str]) {
    let before = cli.snapshot();
    let f = cli.file(name, contents);
    for verb in ["validate", "import"] {
        let r = cli.run(&["plan", verb, f.to_str().unwrap()]);
        assert_eq!(r.code, 2, "{verb} {name}: {}", r.stderr);
        for e in expected {
            assert!(
                r.stderr.contains(e),
                "{verb} {name}: expected {e:?} in\n{}",
                r.stderr
            );
        }
    }
    assert_eq!(cli.snapshot(), before, "{name} changed the stored data");
}

#[test]
fn malformed_yaml() {
    let cli = Cli::new().imported();
    assert_refused(
        &cli,
        "malformed.yaml",
        b"apiVersion: drs-orchestrator/v1\nkind: RecoveryPlan\nmetadata: {name: [x\n",
        &["malformed.yaml:4:1:", "YAML syntax error"],
    );
}

#[test]
fn unknown_field_and_wrong_type() {
    let cli = Cli::new().imported();
    assert_refused(
        &cli,
        "unknown.yaml",
        SHOP.replace("approvalRequired: true", "approvalRequird: true")
            .as_bytes(),
        &[
            "unknown.yaml:43:7:",
            "spec.waves[1].approvalRequird",
            "unknown field `approvalRequird`",
        ],
    );
    assert_refused(
        &cli,
        "type.yaml",
        SHOP.replace("timeoutMinutes: 30", "timeoutMinutes: half an hour")
            .as_bytes(),
        &[
            "type.yaml:39:23:",
            "spec.waves[0].timeoutMinutes",
            "invalid type: string \"half an hour\", expected u32",
        ],
    );
}

#[test]
fn dependency_cycle_is_named() {
    let cli = Cli::new().imported();
    let text = SHOP.replace(
        "      timeoutMinutes: 30\n",
        "      timeoutMinutes: 30\n      dependsOn: [application]\n",
    );
    assert_refused(
        &cli,
        "cycle.yaml",
        text.as_bytes(),
        &[
            "cycle.yaml:40:18:",
            "dependency cycle: database → application → database",
            "1 error(s)",
        ],
    );
}

#[test]
fn ten_thousand_waves() {
    let cli = Cli::new().imported();
    let mut text = String::from(
        "apiVersion: drs-orchestrator/v1\nkind: RecoveryPlan\nmetadata:\n  name: huge\nspec:\n  rtoTargetMinutes: 60\n  waves:\n",
    );
    for i in 0..10_000 {
        text.push_str(&format!(
            "    - name: w{i}\n      groups: [shop-db]\n      dependsOn: [w{}]\n",
            i + 1
        ));
    }
    assert_refused(
        &cli,
        "huge.yaml",
        text.as_bytes(),
        &[
            "huge.yaml:8:5:",
            "plan has 10000 waves; at most 200 are allowed",
        ],
    );
}

#[test]
fn not_utf8() {
    let cli = Cli::new().imported();
    let mut bytes = SHOP.as_bytes().to_vec();
    bytes.extend_from_slice(b"# caf\xe9\n");
    assert_refused(
        &cli,
        "latin1.yaml",
        &bytes,
        &["latin1.yaml:45:6:", "not UTF-8 text: invalid byte 0xE9"],
    );
}

#[test]
fn a_failed_import_says_nothing_was_imported() {
    let cli = Cli::new().imported();
    let f = cli.file("bad.yaml", SHOP.replace("shop-app]", "nope]"));
    let r = cli.run(&["plan", "import", f.to_str().unwrap()]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("1 error(s); nothing was imported"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_valid_group_with_an_invalid_plan_writes_neither() {
    let cli = Cli::new().imported();
    let text = format!(
        "apiVersion: drs-orchestrator/v1\nkind: ProtectionGroup\nmetadata:\n  name: shop-web\nspec:\n  target: Sandbox\n  selector:\n    tags: {{Tier: web}}\n---\n{}",
        SHOP.split("---\n").nth(2).unwrap().replace("groups: [shop-app]", "groups: [shop-web, ghost]")
    );
    assert_refused(
        &cli,
        "partial.yaml",
        text.as_bytes(),
        &["unknown protection group \"ghost\""],
    );
}

#[test]
fn database_from_a_newer_version() {
    let cli = Cli::new().imported();
    let db = cli.data().join("drs-orchestrator.sqlite3");
    // Mark the schema as newer than this build knows, with SQLite's own header field.
    let mut bytes = std::fs::read(&db).unwrap();
    bytes[60..64].copy_from_slice(&99u32.to_be_bytes());
    std::fs::write(&db, &bytes).unwrap();
    let r = cli.run(&["plan", "list"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr
            .contains("written by a newer version of DRS Orchestrator (schema version 99"),
        "{}",
        r.stderr
    );
    assert_eq!(
        std::fs::read(&db).unwrap(),
        bytes,
        "the newer database was modified"
    );
}

#[test]
fn read_only_data_dir() {
    let cli = Cli::new().imported();
    let data = cli.data();
    let db = data.join("drs-orchestrator.sqlite3");
    let before = std::fs::read(&db).unwrap();
    // As root, permissions do not stop writes: make the directory a read-only bind mount.
    let is_root = std::process::Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout == b"0\n")
        .unwrap_or(false);
    let mounted = is_root
        && std::process::Command::new("mount")
            .arg("--bind")
            .arg(&data)
            .arg(&data)
            .status()
            .map(|s| s.success())
            .unwrap_or(false)
        && std::process::Command::new("mount")
            .args(["-o", "remount,ro,bind"])
            .arg(&data)
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
    if !is_root {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o444)).unwrap();
        std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o555)).unwrap();
    } else if !mounted {
        eprintln!("skipped: running as root without permission to mount a read-only directory");
        return;
    }
    let f = cli.file(
        "shop2.yaml",
        SHOP.replace("rtoTargetMinutes: 60", "rtoTargetMinutes: 5"),
    );
    let r = cli.run(&["plan", "import", f.to_str().unwrap()]);
    if mounted {
        let _ = std::process::Command::new("umount").arg(&data).status();
    } else {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("is read-only"), "{}", r.stderr);
    assert!(r.stderr.contains("drs-orchestrator.sqlite3"));
    assert_eq!(std::fs::read(&db).unwrap(), before);
}

#[test]
fn usage_errors_and_help() {
    let cli = Cli::new();
    let r = cli.run(&["plan", "frobnicate"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("unrecognized subcommand 'frobnicate'"));
    let r = cli.run(&["plan", "show", "nope"]);
    assert_eq!(r.code, 2);
    assert_eq!(r.stderr.trim(), "error: plan \"nope\" not found");
    let r = cli.run(&["plan", "delete", "nope"]);
    assert_eq!(r.code, 2);
    for args in [
        &["--help"][..],
        &["plan", "--help"],
        &["plan", "import", "--help"],
        &["group", "--help"],
    ] {
        let r = cli.run(args);
        assert_eq!(r.code, 0, "{args:?}");
        assert!(r.stdout.contains("Usage:"), "{args:?}");
    }
    let missing = cli.run(&["plan", "import", "/nonexistent/plan.yaml"]);
    assert_eq!(missing.code, 1);
    assert!(
        missing
            .stderr
            .contains("/nonexistent/plan.yaml: No such file"),
        "{}",
        missing.stderr
    );
}

#[test]
fn json_errors_for_scripts() {
    let cli = Cli::new().imported();
    let f = cli.file("bad.yaml", SHOP.replace("shop-app]", "nope]"));
    let r = cli.run(&["--json", "plan", "validate", f.to_str().unwrap()]);
    assert_eq!(r.code, 2);
    let first: serde_json::Value = serde_json::from_str(
        r.stdout
            .lines()
            .take_while(|l| !l.starts_with("{\"error\""))
            .collect::<Vec<_>>()
            .join("\n")
            .as_str(),
    )
    .unwrap();
    assert_eq!(first["valid"], false);
    assert_eq!(first["problems"][0]["line"], 41);
    assert_eq!(
        first["problems"][0]["path"],
        "document 3.spec.waves[1].groups[0]"
    );
}

#[test]
fn a_bad_scenario_file_is_rejected_with_line_and_field() {
    let cli = Cli::new();
    let f = cli.file(
        "estate.yaml",
        "name: mine\naccounts:\n  - id: \"111122223333\"\n    accessKeyId: AKIAX\n    secretAccessKey: y\nsourceServers:\n  - account: \"111122223333\"\n    region: us-west-2\n    name: web-01\n    lag: [1, 2]\n",
    );
    let r = cli.run(&["sandbox", "serve", "--scenario", f.to_str().unwrap()]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("line 10, column 10: sourceServers[0].lag"),
        "{}",
        r.stderr
    );
    let r = cli.run(&["sandbox", "serve", "--scenario", "nowhere.yaml"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("cannot read scenario file nowhere.yaml"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("built-in scenarios: retail"));
    let r = cli.run(&["sandbox", "serve", "--error-rate", "-1"]);
    assert_eq!(r.code, 2);
}

#[test]
fn a_target_can_point_at_an_external_sandbox() {
    use std::io::{BufRead, BufReader};
    let cli = Cli::new();
    let mut serve = std::process::Command::new(env!("CARGO_BIN_EXE_drs-orchestrator"))
        .args(["--json", "sandbox", "serve", "--port", "0"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut text = String::new();
    for line in BufReader::new(serve.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        text.push_str(&line);
        if line == "}" {
            break;
        }
    }
    let endpoint = serde_json::from_str::<serde_json::Value>(&text).unwrap()["endpoint"]
        .as_str()
        .unwrap()
        .to_string();
    let add = |name: &str, account: &str| {
        cli.run(&[
            "target",
            "add",
            name,
            "--account",
            account,
            "--region",
            "us-east-1",
            "--recovery-region",
            "us-west-2",
            "--sandbox",
            "--endpoint-url",
            &endpoint,
        ])
    };
    assert_eq!(add("ext", "111122223333").code, 0);
    let r = cli.run(&["target", "test", "ext"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r
        .stdout
        .contains("acting as arn:aws:iam::111122223333:user/sandbox-admin"));
    let inv = cli.run(&["--json", "inventory", "--target", "ext"]);
    assert_eq!(inv.code, 0, "{}", inv.stderr);
    let v: serde_json::Value = serde_json::from_str(&inv.stdout).unwrap();
    assert_eq!(v["sourceServers"].as_array().unwrap().len(), 40);
    assert_eq!(v["instances"].as_array().unwrap().len(), 39);
    // A target whose account does not match its credentials: checked, and the answer is no.
    assert_eq!(add("mismatch", "999999999999").code, 0);
    let r = cli.run(&["target", "test", "mismatch"]);
    assert_eq!(r.code, 3);
    assert!(r.stderr.contains(
        "configured for account 999999999999 but its credentials act in account 111122223333"
    ));
    assert_eq!(add("ext", "111122223333").code, 2, "names are unique");
    let _ = serve.kill();
    let _ = serve.wait();
    // With the sandbox gone, the error says what could not be reached.
    let r = cli.run(&["target", "test", "ext"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("target \"ext\""), "{}", r.stderr);
}
