//! IPC tests of the plan and group commands on Tauri's mock runtime, with the app's real
//! wiring (`setup`), the real capabilities and ACL (`context`), and a real SQLite file.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use crate::common;
use drs_orchestrator::{context, setup};
use serde_json::{json, Value};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{get_ipc_response, mock_builder, MockRuntime, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::{App, Manager, WebviewWindow, WebviewWindowBuilder};

struct Harness {
    _dir: tempfile::TempDir,
    _app: App<MockRuntime>,
    main: WebviewWindow<MockRuntime>,
    other: WebviewWindow<MockRuntime>,
}

fn harness() -> Harness {
    let dir = tempfile::tempdir().expect("temp dir");
    let app = setup(
        mock_builder(),
        drs_orchestrator::App::open(dir.path().to_path_buf()),
    )
    .build(context())
    .expect("app builds with the real context");
    let main = main_window(&app);
    let other = WebviewWindowBuilder::new(&app, "other", Default::default())
        .build()
        .expect("second window");
    Harness {
        _dir: dir,
        _app: app,
        main,
        other,
    }
}

/// The window labelled "main" (the one the capabilities grant the app's commands to).
fn main_window(app: &App<MockRuntime>) -> WebviewWindow<MockRuntime> {
    match app.get_webview_window("main") {
        Some(w) => w,
        None => WebviewWindowBuilder::new(app, "main", Default::default())
            .build()
            .expect("main window"),
    }
}

fn invoke_on(window: &WebviewWindow<MockRuntime>, cmd: &str, args: Value) -> Result<Value, Value> {
    let request = InvokeRequest {
        cmd: cmd.into(),
        callback: CallbackFn(0),
        error: CallbackFn(1),
        url: "tauri://localhost".parse().expect("url"),
        body: InvokeBody::Json(args),
        headers: Default::default(),
        invoke_key: INVOKE_KEY.to_string(),
    };
    get_ipc_response(window, request).map(|body| body.deserialize::<Value>().expect("json body"))
}

impl Harness {
    /// The next file dialog returns `answer` (debug builds answer dialogs for tests).
    fn answer(&self, answer: Option<&std::path::Path>) {
        self._app
            .state::<drs_orchestrator::dialogs::Dialogs>()
            .answer_next(answer.map(std::path::Path::to_path_buf));
    }

    fn call(&self, cmd: &str, args: Value) -> Result<Value, Value> {
        invoke_on(&self.main, cmd, args)
    }

    fn ok(&self, cmd: &str, args: Value) -> Value {
        self.call(cmd, args.clone())
            .unwrap_or_else(|e| panic!("{cmd} {args} failed: {e}"))
    }

    fn with_groups(self) -> Self {
        for (name, tier) in [("shop-db", "db"), ("shop-app", "app")] {
            self.ok(
                "group_save",
                json!({ "group": {
                    "name": name, "target": "Sandbox",
                    "selector": { "tags": { "Application": "shop", "Tier": tier } },
                    "launch": { "launchMode": "newInstances" }
                }}),
            );
        }
        self
    }
}

fn plan(waves: Value) -> Value {
    json!({ "name": "shop-dr", "rtoTargetMinutes": 60, "waves": waves })
}

#[test]
fn the_sandbox_target_and_the_sample_plan_exist_from_the_start() {
    let h = harness();
    let plan = h.ok("plan_get", json!({ "name": "retail-dr" }));
    assert_eq!(plan["plan"]["waves"].as_array().map(Vec::len), Some(3));
    assert_eq!(plan["revision"], 1);
    let targets = h.ok("target_list", json!({}));
    assert_eq!(targets[0]["name"], "Sandbox");
    assert_eq!(targets[0]["credentials"]["kind"], "sandbox");
    let info = h.ok("app_info", json!({}));
    assert!(info["storeError"].is_null());
    assert!(info["actor"].as_str().unwrap_or("").starts_with("local:"));
}

#[test]
fn testing_the_sandbox_target_shows_who_the_app_acts_as() {
    let h = harness();
    let me = h.ok("target_test", json!({ "name": "Sandbox" }));
    assert_eq!(me["account"], "111122223333");
    assert_eq!(me["arn"], "arn:aws:iam::111122223333:user/sandbox-admin");
    let err = h
        .call("target_test", json!({ "name": "nope" }))
        .expect_err("unknown");
    assert_eq!(err["code"], "not_found");
}

#[test]
fn create_edit_revisions_diff_restore() {
    let h = harness().with_groups();
    let one = json!([{ "name": "database", "groups": ["shop-db"] }]);
    let saved = h.ok("plan_save", json!({ "plan": plan(one) }));
    assert_eq!(saved["revision"], 1);

    let two = json!([
        { "name": "database", "groups": ["shop-db"] },
        { "name": "app", "groups": ["shop-app"], "dependsOn": ["database"], "approvalRequired": true, "timeoutMinutes": 45, "onFailure": "continue" }
    ]);
    let saved = h.ok(
        "plan_save",
        json!({ "plan": plan(two), "options": { "originalName": "shop-dr", "expectedRevision": 1, "message": "add app wave" } }),
    );
    assert_eq!(saved["revision"], 2);

    let got = h.ok("plan_get", json!({ "name": "shop-dr" }));
    assert_eq!(got["plan"]["waves"][1]["dependsOn"], json!(["database"]));
    assert_eq!(got["plan"]["waves"][1]["onFailure"], "continue");

    let list = h.ok("plan_list", json!({}));
    let shop = list
        .as_array()
        .and_then(|l| l.iter().find(|p| p["name"] == "shop-dr"))
        .expect("shop-dr is listed");
    assert_eq!(shop["waves"], 2);
    assert_eq!(shop["revision"], 2);

    let revisions = h.ok("plan_revisions", json!({ "name": "shop-dr" }));
    assert_eq!(revisions.as_array().map(Vec::len), Some(2));
    assert_eq!(revisions[0]["message"], "add app wave");

    let diff = h.ok(
        "plan_revision_diff",
        json!({ "name": "shop-dr", "from": 1, "to": 2 }),
    );
    assert!(
        diff.as_str().unwrap_or("").contains("+  - name: app"),
        "{diff}"
    );

    let restored = h.ok("plan_restore", json!({ "name": "shop-dr", "revision": 1 }));
    assert_eq!(restored["revision"], 3);
    assert_eq!(restored["plan"]["waves"].as_array().map(Vec::len), Some(1));

    let yaml = h.ok("plan_export_yaml", json!({ "name": "shop-dr" }));
    assert!(yaml
        .as_str()
        .unwrap_or("")
        .starts_with("apiVersion: drs-orchestrator/v1\nkind: RecoveryPlan\n"));
}

#[test]
fn invalid_plans_come_back_as_one_error_shape_with_problems() {
    let h = harness().with_groups();
    let waves = json!([
        { "name": "database", "groups": ["shop-db"], "dependsOn": ["app"] },
        { "name": "app", "groups": ["nope"], "dependsOn": ["database"] }
    ]);
    let problems = h.ok("plan_validate", json!({ "plan": plan(waves.clone()) }));
    let messages: Vec<&str> = problems
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p["message"].as_str())
        .collect();
    assert!(messages.contains(&"wave \"app\" refers to unknown protection group \"nope\""));
    assert!(messages.contains(&"dependency cycle: database → app → database"));

    let err = h
        .call("plan_save", json!({ "plan": plan(waves) }))
        .expect_err("must be refused");
    assert_eq!(err["code"], "invalid");
    assert!(err["message"]
        .as_str()
        .unwrap_or("")
        .contains("dependency cycle"));
    assert_eq!(err["problems"][0]["path"], "waves[1].groups[0]");
    assert!(
        h.call("plan_get", json!({ "name": "shop-dr" })).is_err(),
        "nothing was saved"
    );
}

#[test]
fn stale_edits_and_missing_plans_have_their_own_codes() {
    let h = harness().with_groups();
    let waves = json!([{ "name": "database", "groups": ["shop-db"] }]);
    h.ok("plan_save", json!({ "plan": plan(waves.clone()) }));
    let opts = json!({ "originalName": "shop-dr", "expectedRevision": 1 });
    h.ok(
        "plan_save",
        json!({ "plan": plan(waves.clone()), "options": opts }),
    );
    let err = h
        .call("plan_save", json!({ "plan": plan(waves), "options": opts }))
        .expect_err("stale");
    assert_eq!(err["code"], "conflict");
    let err = h
        .call("plan_get", json!({ "name": "nope" }))
        .expect_err("missing");
    assert_eq!(
        err,
        json!({ "code": "not_found", "message": "plan \"nope\" not found" })
    );
}

#[test]
fn clone_and_delete() {
    let h = harness().with_groups();
    h.ok(
        "plan_save",
        json!({ "plan": plan(json!([{ "name": "database", "groups": ["shop-db"] }])) }),
    );
    h.ok(
        "plan_clone",
        json!({ "name": "shop-dr", "newName": "shop-dr copy" }),
    );
    h.ok("plan_delete", json!({ "name": "shop-dr" }));
    let names: Vec<Value> = h
        .ok("plan_list", json!({}))
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| p["name"].clone())
        .filter(|n| n.as_str().is_some_and(|n| n.starts_with("shop")))
        .collect();
    assert_eq!(names, vec![json!("shop-dr copy")]);
    let audit = h.ok("audit_list", json!({ "subject": "shop-dr" }));
    assert_eq!(audit[0]["action"], "plan.delete");
}

#[test]
fn import_and_export_files() {
    let h = harness();
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("shop.yaml");
    std::fs::write(
        &file,
        "apiVersion: drs-orchestrator/v1\nkind: ProtectionGroup\nmetadata:\n  name: web\nspec:\n  target: Sandbox\n  selector:\n    tags: {Tier: web}\n---\napiVersion: drs-orchestrator/v1\nkind: RecoveryPlan\nmetadata:\n  name: web-dr\nspec:\n  rtoTargetMinutes: 30\n  waves:\n    - name: web\n      groups: [web]\n",
    )
    .expect("write");
    // The web view names no file: the dialog (opened by Rust) does.
    h.answer(Some(&file));
    let out = h.ok("import_file", json!({}));
    assert_eq!(out["summary"]["groups"], json!(["web"]));
    assert_eq!(out["summary"]["plans"], json!([["web-dr", 1]]));
    h.answer(None);
    assert_eq!(h.ok("import_file", json!({})), Value::Null, "cancelled");

    let bad = dir.path().join("bad.yaml");
    std::fs::write(
        &bad,
        b"apiVersion: drs-orchestrator/v1\nkind: RecoveryPlan\nmetadata:\n  name: \xff\n",
    )
    .expect("write");
    h.answer(Some(&bad));
    let err = h.call("import_file", json!({})).expect_err("not utf-8");
    assert_eq!(err["code"], "invalid");
    assert!(err["message"].as_str().unwrap_or("").contains("not UTF-8"));
    assert_eq!(err["problems"][0]["line"], 4);

    let exported = dir.path().join("out.yaml");
    h.answer(Some(&exported));
    let written = h.ok("plan_export_file", json!({ "name": "web-dr" }));
    assert_eq!(written, json!(exported.display().to_string()));
    let text = std::fs::read_to_string(&exported).expect("exported");
    assert!(text.contains("name: web-dr"));

    h.answer(Some(&dir.path().join("missing.yaml")));
    let missing = h.call("import_file", json!({})).expect_err("missing file");
    assert_eq!(missing["code"], "io");
    assert!(missing["message"]
        .as_str()
        .unwrap_or("")
        .contains("missing.yaml"));
}

/// A path from the web view is never used: the commands take none (an extra `path` argument
/// is ignored), and the report schedule accepts only a folder the folder dialog returned.
#[test]
fn no_path_comes_from_the_web_view() {
    let h = harness();
    let dir = tempfile::tempdir().expect("dir");
    let victim = dir.path().join("bashrc");
    h.answer(None);
    let out = h.ok(
        "plan_export_file",
        json!({ "name": "retail-dr", "path": victim }),
    );
    assert_eq!(out, Value::Null, "cancelled in the dialog: nothing written");
    assert!(!victim.exists(), "the web view's path was not used");

    let schedule = |folder: &std::path::Path| {
        json!({ "schedule": {
            "enabled": true, "folder": folder, "cadence": "daily", "weekday": 1, "hour": 6,
            "plans": [], "format": "pdf", "savedAt": null
        }})
    };
    let refused = h
        .call("report_schedule_set", schedule(dir.path()))
        .expect_err("a folder typed by the web view");
    assert_eq!(refused["code"], "invalid");
    assert!(refused["message"]
        .as_str()
        .unwrap_or("")
        .contains("folder dialog"));
    h.answer(Some(dir.path()));
    let chosen = h.ok("report_schedule_choose_folder", json!({}));
    assert_eq!(chosen, json!(dir.path().display().to_string()));
    let saved = h.ok("report_schedule_set", schedule(dir.path()));
    assert_eq!(saved["schedule"]["folder"], json!(dir.path()));
    // Saved once, the same folder can be saved again (hour changed) after a restart.
    let again = h.ok("report_schedule_set", schedule(dir.path()));
    assert!(again["nextRun"].is_string());
}

/// The production bundle carries no test hook (dialogs were once answered from
/// sessionStorage in the page).
#[test]
fn the_bundle_has_no_test_hook() {
    let dist = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("ui/dist");
    let files = common::files_under(&dist);
    assert!(
        files
            .iter()
            .any(|f| f.extension().is_some_and(|e| e == "js")),
        "build the UI first (npm --prefix ui run build)"
    );
    for f in files {
        let text = std::fs::read(&f).expect("read");
        for hook in ["drs.e2e", "DRS_ORCH_TEST_DIALOG", "plugin:dialog"] {
            assert!(
                !text.windows(hook.len()).any(|w| w == hook.as_bytes()),
                "{hook} in {}",
                f.display()
            );
        }
    }
}

#[test]
fn groups_in_use_cannot_be_deleted() {
    let h = harness().with_groups();
    h.ok(
        "plan_save",
        json!({ "plan": plan(json!([{ "name": "database", "groups": ["shop-db"] }])) }),
    );
    let err = h
        .call("group_delete", json!({ "name": "shop-db" }))
        .expect_err("in use");
    assert_eq!(err["code"], "conflict");
    h.ok("group_delete", json!({ "name": "shop-app" }));
    let problems = h.ok(
        "group_validate",
        json!({ "group": { "name": "x", "target": "Nowhere", "selector": { "tags": {} }, "launch": {} } }),
    );
    assert_eq!(problems[0]["message"], "unknown target \"Nowhere\"");
}

#[test]
fn only_the_main_window_may_call_the_backend() {
    let h = harness();
    assert!(h.call("plan_list", json!({})).is_ok());
    let denied = invoke_on(&h.other, "plan_list", json!({})).expect_err("ACL denies other windows");
    assert!(denied.to_string().contains("not allowed"), "{denied}");
}

#[test]
fn an_unusable_database_is_reported_not_fatal() {
    let dir = tempfile::tempdir().expect("dir");
    std::fs::write(
        dir.path().join("drs-orchestrator.sqlite3"),
        vec![b'x'; 4096],
    )
    .expect("write");
    let app = setup(
        mock_builder(),
        drs_orchestrator::App::open(dir.path().to_path_buf()),
    )
    .build(context())
    .expect("app builds even without a database");
    let main = main_window(&app);
    let err = invoke_on(&main, "plan_list", json!({})).expect_err("no store");
    assert_eq!(err["code"], "store_unavailable");
    assert!(err["message"]
        .as_str()
        .unwrap_or("")
        .contains("not a DRS Orchestrator database"));
    let info = invoke_on(&main, "app_info", json!({})).expect("app_info works");
    assert!(info["storeError"].is_string());
}

#[test]
fn targets_with_secrets_over_ipc_the_web_view_never_sees_a_secret() {
    if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none() {
        assert!(
            std::env::var("DRS_E2E").as_deref() != Ok("1"),
            "no D-Bus session: run the tests through scripts/test.sh"
        );
        eprintln!("skipped: no D-Bus session bus (no Secret Service)");
        return;
    }
    let h = harness();
    let name = format!("recovery-ipc-{}", std::process::id());
    let target = |role: &str| {
        json!({
            "name": name, "accountId": "444455556666",
            "primaryRegion": "us-east-1", "recoveryRegion": "us-west-2",
            "credentials": { "kind": "assumeRole", "roleArn": role,
                             "via": "Sandbox", "viaKind": "target", "externalIdStored": true }
        })
    };
    let role = "arn:aws:iam::444455556666:role/DRSOrchestratorRecovery";

    // Invalid: each problem comes back with its field path; nothing is stored.
    let err = h
        .call(
            "target_save",
            json!({ "target": target("arn:aws:iam::4444:role/x"), "mode": "add",
                    "secrets": { "externalId": " " } }),
        )
        .expect_err("invalid");
    assert_eq!(err["code"], "invalid");
    let paths: Vec<&str> = err["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["credentials.roleArn"]);
    assert_eq!(h.ok("target_list", json!({})).as_array().unwrap().len(), 1);

    let saved = h.ok(
        "target_save",
        json!({ "target": target(role), "mode": "add",
                "secrets": { "externalId": "sandbox-external-id" } }),
    );
    assert_eq!(saved["credentials"]["externalIdStored"], true);
    let me = h.ok("target_test", json!({ "name": name }));
    assert_eq!(
        me["arn"],
        "arn:aws:sts::444455556666:assumed-role/DRSOrchestratorRecovery/drs-orchestrator"
    );

    // A wrong external ID: access denied naming the role, and the ID is not echoed.
    h.ok(
        "target_save",
        json!({ "target": target(role), "mode": "edit",
                "secrets": { "externalId": "wrong-external-id" } }),
    );
    let err = h
        .call("target_test", json!({ "name": name }))
        .expect_err("denied");
    assert_eq!(err["code"], "aws");
    let message = err["message"].as_str().unwrap();
    assert!(
        message.contains(&format!("access denied assuming role {role}")),
        "{message}"
    );

    // Nothing the web view received holds a secret.
    let everything = [
        saved.to_string(),
        err.to_string(),
        h.ok("target_list", json!({})).to_string(),
        h.ok("audit_list", json!({})).to_string(),
        h.ok("app_info", json!({})).to_string(),
    ]
    .join("\n");
    for secret in ["sandbox-external-id", "wrong-external-id"] {
        assert!(
            !everything.contains(secret),
            "{secret} reached the web view"
        );
    }

    h.ok("target_remove", json!({ "name": name }));
    let err = h
        .call("target_test", json!({ "name": name }))
        .expect_err("removed");
    assert_eq!(err["code"], "not_found");
}

#[test]
fn the_app_checks_the_keychain_at_startup() {
    let dir = tempfile::tempdir().unwrap();
    let state = drs_orchestrator::App::open(dir.path().to_path_buf());
    state.check_keychain_in_background();
    let app = setup(mock_builder(), state).build(context()).unwrap();
    let main = main_window(&app);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let info = loop {
        let info = invoke_on(&main, "app_info", json!({})).unwrap();
        if info["keychain"] != "checking" || std::time::Instant::now() > deadline {
            break info;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some() {
        assert_eq!(info["keychain"], "ok", "{info}");
        assert!(info["keychainError"].is_null());
    } else {
        assert_eq!(info["keychain"], "unavailable", "{info}");
        let why = info["keychainError"].as_str().unwrap();
        assert!(why.contains("install and unlock a Secret Service"), "{why}");
    }
}

#[test]
fn a_drill_run_from_a_terminal_is_followed_and_approved_from_the_window_without_a_second_driver() {
    let sandbox = common::serve(&["--time-scale", "900"]);
    let cli = common::Cli::new(&sandbox.endpoint);
    cli.import(
        "apiVersion: drs-orchestrator/v1
kind: RecoveryPlan
metadata: {name: two-waves}
spec:
  rtoTargetMinutes: 60
  waves:
    - {name: data, groups: [retail-db]}
    - name: web
      groups: [retail-web]
      approvalRequired: true
      before:
        - {name: notify, kind: manual, instruction: Tell the payment provider.}
",
    );
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_drs-orchestrator"))
        .args([
            "--json",
            "drill",
            "--plan",
            "two-waves",
            "--yes",
            "--override-readiness",
            "--tick-ms",
            "150",
        ])
        .env("DRS_ORCH_DATA_DIR", cli.data())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // The window opens on the same data directory.
    let app = setup(
        mock_builder(),
        drs_orchestrator::App::open(cli.data().to_path_buf()),
    )
    .build(context())
    .unwrap();
    let main = main_window(&app);
    let wait = |what: &str, f: &dyn Fn(&Value) -> bool| -> Value {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(90);
        loop {
            let list = invoke_on(&main, "execution_list", json!({})).unwrap();
            if let Some(id) = list[0]["id"].as_str() {
                let d = invoke_on(&main, "execution_get", json!({ "id": id })).unwrap();
                if f(&d) {
                    return d;
                }
            }
            assert!(std::time::Instant::now() < deadline, "never: {what}");
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    };
    // It follows what the terminal drives: the first wave's progress, then the approval.
    // (The first wave's servers can be final a tick before its job is, so wait for both.)
    let d = wait("the web wave waits", &|d| {
        d["execution"]["waves"][1]["status"] == "waitingApproval"
            && d["execution"]["waves"][0]["status"] == "completed"
    });
    let id = d["execution"]["id"].as_str().unwrap().to_string();
    assert_eq!(d["driving"], false, "the window does not drive it");
    assert_eq!(d["driver"]["state"], "live", "{d}");
    assert!(d["driver"]["owner"].as_str().unwrap().ends_with(":cli"));
    assert_eq!(d["execution"]["waves"][0]["status"], "completed");
    assert!(d["execution"]["identities"]["Sandbox"]
        .as_str()
        .unwrap()
        .starts_with("arn:aws:iam::111122223333:"));
    // Resuming it here is refused while the terminal drives it.
    let refused = invoke_on(
        &main,
        "execution_resume",
        json!({ "id": id, "confirm": null, "takeOver": true }),
    )
    .expect_err("driven elsewhere");
    assert_eq!(refused["code"], "conflict");
    // Approved from the window: recorded for the terminal's engine, which acts on it.
    let outcome = invoke_on(
        &main,
        "execution_request",
        json!({ "id": id, "request": "approve", "wave": "web" }),
    )
    .unwrap();
    assert_eq!(outcome["drivenHere"], false);
    assert_eq!(outcome["driver"]["state"], "live");
    // Its manual step waits; the window sees it, a terminal confirms it.
    wait("the web wave's step waits", &|d| {
        d["execution"]["waves"][1]["steps"][0]["status"] == "waiting"
    });
    cli.ok(&["executions", "confirm", &id, "--step", "notify"]);
    let d = wait("the step is done", &|d| {
        d["execution"]["waves"][1]["steps"][0]["status"] == "done"
    });
    assert!(d["execution"]["waves"][1]["steps"][0]["confirmedBy"]
        .as_str()
        .unwrap()
        .starts_with("local:"));
    let d = wait("the drill ends", &|d| {
        d["execution"]["status"] == "completed"
    });
    assert_eq!(d["execution"]["cleanup"]["status"], "verified");
    assert!(d["execution"]["waves"][1]["approvedBy"]
        .as_str()
        .unwrap()
        .starts_with("local:"));
    assert!(child.wait().unwrap().success());
    // One driver all along: nothing was taken over.
    let audit = invoke_on(&main, "audit_list", json!({})).unwrap();
    assert!(!audit.to_string().contains("execution.takeover"), "{audit}");
    assert_eq!(
        invoke_on(&main, "execution_orphans", json!({})).unwrap(),
        json!([])
    );
}
