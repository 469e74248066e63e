//! Store tests on a real SQLite file in a temporary directory.

use super::*;
use drs_core::{ProtectionGroup, RecoveryPlan, Selector, Wave};

fn group(name: &str) -> ProtectionGroup {
    ProtectionGroup {
        name: name.into(),
        target: "Sandbox".into(),
        selector: Selector::Tags([("Tier".to_string(), name.to_string())].into()),
        ..Default::default()
    }
}

fn plan(name: &str, groups: &[&str]) -> RecoveryPlan {
    RecoveryPlan {
        name: name.into(),
        failback_order: None,
        rto_target_minutes: Some(60),
        waves: groups
            .iter()
            .enumerate()
            .map(|(i, g)| Wave {
                name: format!("wave {}", i + 1),
                groups: vec![g.to_string()],
                depends_on: if i == 0 {
                    Some(vec![])
                } else {
                    Some(vec![format!("wave {i}")])
                },
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    }
}

fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Store::open(dir.path()).unwrap();
    s.ensure_sandbox_target("tester").unwrap();
    s.save_group(&group("db"), None, "tester").unwrap();
    s.save_group(&group("web"), None, "tester").unwrap();
    (dir, s)
}

#[test]
fn migrates_from_empty_and_reopens() {
    let dir = tempfile::tempdir().unwrap();
    {
        let s = Store::open(dir.path()).unwrap();
        let v: i64 = s
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v, schema::latest_version());
        let mode: String = s
            .conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
    }
    let s = Store::open(dir.path()).unwrap();
    assert!(s.plans().unwrap().is_empty());
}

#[test]
fn every_save_is_a_revision_with_diff_and_restore() {
    let (_d, mut s) = store();
    let mut p = plan("shop", &["db"]);
    let r1 = s.save_plan(&p, &SavePlan::default(), "alice").unwrap();
    assert_eq!(r1.revision, 1);
    p.waves.push(Wave {
        name: "web".into(),
        groups: vec!["web".into()],
        depends_on: Some(vec!["wave 1".into()]),
        ..Default::default()
    });
    let opts = SavePlan {
        original_name: Some("shop".into()),
        expected_revision: Some(1),
        message: "add web".into(),
    };
    assert_eq!(s.save_plan(&p, &opts, "bob").unwrap().revision, 2);
    let revs = s.plan_revisions("shop").unwrap();
    assert_eq!(revs.len(), 2);
    assert_eq!(revs[0].message, "add web");
    assert_eq!(revs[0].author, "bob");
    let diff = s.plan_diff("shop", 1, 2).unwrap();
    assert!(diff.contains("+  - name: web"), "{diff}");
    let restored = s.restore_plan("shop", 1, "carol").unwrap();
    assert_eq!(restored.revision, 3);
    assert_eq!(s.plan("shop").unwrap().plan.waves.len(), 1);
    assert_eq!(
        s.plan_revisions("shop").unwrap()[0].message,
        "restored revision 1"
    );
}

#[test]
fn stale_edit_is_refused() {
    let (_d, mut s) = store();
    let p = plan("shop", &["db"]);
    s.save_plan(&p, &SavePlan::default(), "a").unwrap();
    let opts = SavePlan {
        original_name: Some("shop".into()),
        expected_revision: Some(1),
        message: String::new(),
    };
    s.save_plan(&p, &opts, "a").unwrap();
    let err = s.save_plan(&p, &opts, "b").unwrap_err();
    assert!(
        err.to_string()
            .contains("revision 2 is newer than revision 1"),
        "{err}"
    );
    assert_eq!(s.plan("shop").unwrap().revision, 2);
}

#[test]
fn invalid_plan_is_not_saved() {
    let (_d, mut s) = store();
    let err = s
        .save_plan(&plan("shop", &["nope"]), &SavePlan::default(), "a")
        .unwrap_err();
    assert!(matches!(err, StoreError::Invalid { .. }));
    assert!(err
        .to_string()
        .contains("unknown protection group \"nope\""));
    assert!(s.plans().unwrap().is_empty());
}

#[test]
fn audit_log_is_append_only() {
    let (_d, mut s) = store();
    s.save_plan(&plan("shop", &["db"]), &SavePlan::default(), "alice")
        .unwrap();
    let entries = s.audit(None, 100).unwrap();
    let actions: Vec<_> = entries.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        vec![
            "plan.create",
            "group.create",
            "group.create",
            "target.create"
        ]
    );
    assert_eq!(entries[0].actor, "alice");
    let upd = s.conn.execute("UPDATE audit_log SET actor = 'mallory'", []);
    assert!(upd.unwrap_err().to_string().contains("append-only"));
    let del = s.conn.execute("DELETE FROM audit_log", []);
    assert!(del.unwrap_err().to_string().contains("append-only"));
    assert_eq!(s.audit(None, 100).unwrap(), entries);
}

#[test]
fn failed_import_leaves_previous_state_untouched() {
    let (_d, mut s) = store();
    s.save_plan(&plan("shop", &["db"]), &SavePlan::default(), "a")
        .unwrap();
    let before_plans = s.plans().unwrap();
    let before_groups = s.groups().unwrap();
    let before_audit = s.audit(None, 1000).unwrap();
    // A valid group and a plan that is not: nothing may be written.
    let docs = vec![
        drs_core::Document::Group(group("app")),
        drs_core::Document::Plan(plan("shop", &["db", "missing"])),
    ];
    let err = s.import(&docs, "a").unwrap_err();
    assert!(
        err.to_string()
            .contains("unknown protection group \"missing\""),
        "{err}"
    );
    assert_eq!(s.plans().unwrap(), before_plans);
    assert_eq!(s.groups().unwrap(), before_groups);
    assert_eq!(s.audit(None, 1000).unwrap(), before_audit);
    // The same import, made valid, writes everything.
    let docs = vec![
        drs_core::Document::Group(group("app")),
        drs_core::Document::Plan(plan("shop", &["db", "app"])),
    ];
    let summary = s.import(&docs, "a").unwrap();
    assert_eq!(summary.plans, vec![("shop".to_string(), 2)]);
    assert_eq!(s.groups().unwrap().len(), 3);
}

#[test]
fn newer_database_is_refused_and_left_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    drop(Store::open(dir.path()).unwrap());
    {
        let c = rusqlite::Connection::open(dir.path().join(DB_FILE)).unwrap();
        c.pragma_update(None, "user_version", 99).unwrap();
    }
    let before = std::fs::read(dir.path().join(DB_FILE)).unwrap();
    let err = Store::open(dir.path()).unwrap_err();
    assert!(
        matches!(err, StoreError::TooNew { found: 99, .. }),
        "{err:?}"
    );
    assert!(err
        .to_string()
        .contains("newer version of DRS Orchestrator"));
    assert!(err.to_string().contains(DB_FILE));
    assert_eq!(std::fs::read(dir.path().join(DB_FILE)).unwrap(), before);
}

#[test]
fn a_file_that_is_not_a_database() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join(DB_FILE),
        b"this is not sqlite, just text that is long enough to be a header........",
    )
    .unwrap();
    let err = Store::open(dir.path()).unwrap_err();
    assert!(matches!(err, StoreError::NotOurs { .. }), "{err:?}");
}

#[test]
fn data_dir_that_cannot_be_created() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("plain-file");
    std::fs::write(&file, b"x").unwrap();
    let err = Store::open(&file.join("sub")).unwrap_err();
    assert!(matches!(err, StoreError::DataDir { .. }), "{err:?}");
    assert!(err.to_string().contains("plain-file"));
}

#[test]
fn groups_in_use_cannot_be_deleted_or_renamed() {
    let (_d, mut s) = store();
    s.save_plan(&plan("shop", &["db"]), &SavePlan::default(), "a")
        .unwrap();
    let err = s.delete_group("db", "a").unwrap_err();
    assert!(err.to_string().contains("used by plans \"shop\""), "{err}");
    let mut renamed = group("db");
    renamed.name = "database".into();
    assert!(s.save_group(&renamed, Some("db"), "a").is_err());
    s.delete_group("web", "a").unwrap();
    assert_eq!(s.groups().unwrap().len(), 1);
}

#[test]
fn explicit_server_in_two_groups_is_refused() {
    let (_d, mut s) = store();
    let mut a = group("a");
    a.selector = Selector::SourceServerIds(vec!["s-1234567890abcdef0".into()]);
    s.save_group(&a, None, "x").unwrap();
    let mut b = a.clone();
    b.name = "b".into();
    let err = s.save_group(&b, None, "x").unwrap_err();
    assert!(
        err.to_string().contains("also in protection group \"a\""),
        "{err}"
    );
}

#[test]
fn clone_rename_delete() {
    let (_d, mut s) = store();
    s.save_plan(&plan("shop", &["db"]), &SavePlan::default(), "a")
        .unwrap();
    let c = s.clone_plan("shop", "shop copy", "a").unwrap();
    assert_eq!(c.revision, 1);
    assert!(s.clone_plan("shop", "shop copy", "a").is_err());
    let mut p = s.plan("shop copy").unwrap().plan;
    p.name = "shop 2".into();
    let opts = SavePlan {
        original_name: Some("shop copy".into()),
        expected_revision: Some(1),
        message: String::new(),
    };
    assert_eq!(s.save_plan(&p, &opts, "a").unwrap().revision, 2);
    assert_eq!(s.plan_revisions("shop 2").unwrap().len(), 2);
    s.delete_plan("shop 2", "a").unwrap();
    let names: Vec<_> = s.plans().unwrap().into_iter().map(|p| p.name).collect();
    assert_eq!(names, vec!["shop"]);
    assert!(matches!(s.plan("shop 2"), Err(StoreError::NotFound { .. })));
}

#[test]
fn two_connections_share_the_file() {
    let (d, mut s) = store();
    let mut other = Store::open(d.path()).unwrap();
    s.save_plan(&plan("one", &["db"]), &SavePlan::default(), "gui")
        .unwrap();
    other
        .save_plan(&plan("two", &["web"]), &SavePlan::default(), "cli")
        .unwrap();
    assert_eq!(s.plans().unwrap().len(), 2);
}

fn role_target(name: &str, via: &str) -> drs_core::Target {
    drs_core::Target {
        name: name.into(),
        account_id: "444455556666".into(),
        credentials: drs_core::CredentialSource::AssumeRole {
            role_arn: "arn:aws:iam::444455556666:role/DRSOrchestratorRecovery".into(),
            via: via.into(),
            via_kind: drs_core::RoleBase::Target,
            session_name: None,
            external_id_stored: true,
        },
        ..drs_core::Target::sandbox()
    }
}

#[test]
fn role_bases_must_exist_must_not_loop_and_cannot_be_removed_while_used() {
    let (_dir, mut s) = store();
    let err = s
        .add_target(&role_target("recovery", "nope"), "t")
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("the base target \"nope\" does not exist"),
        "{err}"
    );
    assert!(s.target("recovery").is_err(), "nothing saved");

    s.add_target(&role_target("recovery", "Sandbox"), "t")
        .unwrap();
    s.add_target(&role_target("staging", "recovery"), "t")
        .unwrap();
    // Sandbox → staging → recovery → … would loop once Sandbox assumed from staging.
    let mut looped = role_target("recovery", "staging");
    looped.name = "recovery".into();
    let err = s.update_target(&looped, "t").unwrap_err();
    assert!(
        err.to_string()
            .contains("role chain loops: recovery → staging → recovery"),
        "{err}"
    );
    assert_eq!(
        s.target("recovery").unwrap().credentials.base_target(),
        Some("Sandbox")
    );

    let err = s.delete_target("recovery", "t").unwrap_err();
    assert!(
        err.to_string().contains("role base of targets \"staging\""),
        "{err}"
    );
    s.delete_target("staging", "t").unwrap();
    s.delete_target("recovery", "t").unwrap();

    let err = s
        .update_target(&role_target("ghost", "Sandbox"), "t")
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound { .. }), "{err}");
}

#[test]
fn every_store_has_its_own_id() {
    let (_a, s1) = store();
    let (_b, s2) = store();
    let id = s1.store_id().unwrap();
    assert_eq!(id.len(), 16);
    assert_ne!(id, s2.store_id().unwrap());
    assert_eq!(id, s1.store_id().unwrap(), "stable");
}

fn execution(id: &str) -> drs_core::execution::Execution {
    serde_json::from_value(serde_json::json!({
        "id": id, "plan": "p", "planRevision": 1, "kind": "drill", "startedBy": "t",
        "startedAt": "2026-11-26T10:00:00Z", "status": "running", "autoCleanup": true,
        "waves": [{"name": "w1", "onFailure": "stop", "status": "running", "servers": []}],
        "cleanup": {"status": "pending"}
    }))
    .unwrap()
}

#[test]
fn the_journal_keeps_states_events_requests_and_finds_orphans() {
    let (_dir, mut s) = store();
    let mut e = execution("exec-1");
    s.save_execution(&e, "created").unwrap();
    s.save_execution(&e, "tick").unwrap();
    assert_eq!(s.execution("exec-1").unwrap(), e);
    assert_eq!(
        s.execution_events("exec-1").unwrap().len(),
        1,
        "ticks are not events"
    );

    s.request("exec-1", Request::Pause, "alice").unwrap();
    s.request("exec-1", Request::Approve("w1"), "bob").unwrap();
    assert!(s
        .request("exec-1", Request::Approve("nope"), "bob")
        .unwrap_err()
        .to_string()
        .contains("has waves w1"));
    let c = s.control("exec-1").unwrap();
    assert!(c.pause && !c.cancel);
    assert_eq!(c.approvals.get("w1").map(String::as_str), Some("bob"));
    s.request("exec-1", Request::Resume, "alice").unwrap();
    assert!(!s.control("exec-1").unwrap().pause);
    let asked = s.execution_requests("exec-1").unwrap();
    assert_eq!(
        asked
            .iter()
            .map(|r| (r.actor.as_str(), r.request.as_str(), r.wave.as_deref()))
            .collect::<Vec<_>>(),
        [
            ("alice", "pause", None),
            ("bob", "approve", Some("w1")),
            ("alice", "resume", None)
        ]
    );

    // The quotas are shared: another execution's active batches count.
    let mut other = execution("exec-2");
    other.batches = vec![
        drs_core::execution::Batch {
            key: "0-1".into(),
            target: "Sandbox".into(),
            wave: "w1".into(),
            servers: vec!["s-1".into(); 100],
            job_id: Some("drsjob-1".into()),
            done: false,
            ..Default::default()
        },
        drs_core::execution::Batch {
            key: "0-2".into(),
            target: "Sandbox".into(),
            wave: "w1".into(),
            servers: vec!["s-2".into(); 40],
            job_id: None,
            done: false,
            ..Default::default()
        },
        drs_core::execution::Batch {
            key: "0-3".into(),
            target: "Sandbox".into(),
            wave: "w1".into(),
            servers: vec!["s-3".into(); 7],
            job_id: Some("drsjob-3".into()),
            done: true,
            ..Default::default()
        },
        drs_core::execution::Batch {
            key: "0-4".into(),
            target: "Other".into(),
            wave: "w1".into(),
            servers: vec!["s-4".into(); 9],
            job_id: None,
            done: false,
            ..Default::default()
        },
    ];
    s.save_execution(&other, "created").unwrap();
    assert_eq!(s.active_elsewhere("exec-1", "Sandbox").unwrap(), (2, 140));
    assert_eq!(
        s.active_elsewhere("exec-2", "Sandbox").unwrap(),
        (0, 0),
        "its own batches are not 'elsewhere'"
    );

    e.status = drs_core::execution::ExecutionStatus::Completed;
    s.save_execution(&e, "ended").unwrap();
    assert_eq!(
        s.unfinished_executions()
            .unwrap()
            .iter()
            .map(|e| e.id.as_str())
            .collect::<Vec<_>>(),
        ["exec-2"],
        "finished executions are not resumed"
    );
    let err = s.request("exec-1", Request::Cancel, "alice").unwrap_err();
    assert!(err.to_string().contains("has ended"), "{err}");
    assert!(s
        .audit(Some("exec-1"), 10)
        .unwrap()
        .iter()
        .any(|a| a.action == "execution.approve"));
}

#[test]
fn settings_keep_json_values_and_audit_changes() {
    let (_dir, mut s) = store();
    assert_eq!(
        s.setting::<serde_json::Value>("reports.schedule").unwrap(),
        None
    );
    let v = serde_json::json!({"cadence": "daily", "folder": "/tmp/r"});
    s.set_setting("reports.schedule", &v, "alice", true)
        .unwrap();
    let w = serde_json::json!({"cadence": "weekly", "folder": "/tmp/r"});
    s.set_setting("reports.schedule", &w, "bob", true).unwrap();
    s.set_setting("reports.lastRun", &"2026-11-26", "app", false)
        .unwrap();
    assert_eq!(
        s.setting::<serde_json::Value>("reports.schedule").unwrap(),
        Some(w)
    );
    let audit = s.audit(Some("reports.schedule"), 10).unwrap();
    assert_eq!(audit.len(), 2);
    assert_eq!(audit[0].detail["before"], v, "the previous value is kept");
    assert!(s.audit(Some("reports.lastRun"), 10).unwrap().is_empty());
    // A value of the wrong shape is a clear error, not a panic.
    let e = s.setting::<Vec<u32>>("reports.schedule").unwrap_err();
    assert!(e.to_string().contains("setting reports.schedule"), "{e}");
}

#[test]
fn a_launch_settings_apply_is_recorded_server_by_server_and_its_rollback_marks_it() {
    use drs_core::group_settings::{FieldChange, ServerApplyStatus, ServerRecord};
    let (_dir, mut s) = store();
    let record = |id: &str| ServerRecord {
        source_server_id: id.into(),
        name: format!("name-{id}"),
        before: drs_core::launch::LaunchConfiguration {
            source_server_id: id.into(),
            launch_disposition: Some("STOPPED".into()),
            ..Default::default()
        },
        before_template: None,
        changes: vec![FieldChange {
            field: "launchDisposition".into(),
            before: Some("STOPPED".into()),
            after: Some("STARTED".into()),
        }],
        status: ServerApplyStatus::Pending,
        error: None,
        configuration_written: false,
        template_version: None,
        before_actions: vec![],
        actions_written: false,
    };
    let mut app = s
        .begin_launch_application(
            "web",
            "Sandbox",
            "apply",
            None,
            vec![record("s-1"), record("s-2")],
            "alice",
        )
        .unwrap();
    // Written down before anything changes: an interrupted apply is still there.
    let stored = s.launch_application(app.id).unwrap();
    assert_eq!(stored.servers.len(), 2);
    assert!(stored.finished_at.is_none());
    app.servers[0].status = ServerApplyStatus::Applied;
    app.servers[0].configuration_written = true;
    s.save_launch_application(&app).unwrap();
    app.servers[1].status = ServerApplyStatus::Failed;
    app.servers[1].error = Some("throttled".into());
    s.finish_launch_application(&mut app).unwrap();
    let stored = s.launch_application(app.id).unwrap();
    assert_eq!((stored.applied(), stored.failed()), (1, 1));
    let audit = s.audit(Some("web"), 10).unwrap();
    assert_eq!(audit[0].action, "group.apply");
    assert_eq!(audit[0].detail["changed"][0]["sourceServerId"], "s-1");
    assert_eq!(audit[0].detail["failed"][0]["error"], "throttled");

    let mut back = s
        .begin_launch_application(
            "web",
            "Sandbox",
            "rollback",
            Some(app.id),
            vec![record("s-1")],
            "bob",
        )
        .unwrap();
    s.finish_launch_application(&mut back).unwrap();
    assert_eq!(
        s.launch_application(app.id).unwrap().rolled_back_by,
        Some(back.id)
    );
    assert_eq!(s.launch_applications("web").unwrap().len(), 2);
    assert!(s
        .launch_application(999)
        .unwrap_err()
        .to_string()
        .contains("999"));
}

#[test]
fn one_driver_holds_an_execution_and_a_fenced_one_cannot_write() {
    let (dir, mut s) = store();
    let e = execution("exec-l");
    assert_eq!(s.driver("exec-l").unwrap(), crate::Driver::None);
    let first = s.acquire_lease("exec-l", "laptop:1:cli", false).unwrap();
    s.save_execution_as(&e, "created", Some(&first)).unwrap();
    assert!(
        matches!(s.driver("exec-l").unwrap(), crate::Driver::Live { ref owner, .. } if owner == "laptop:1:cli")
    );
    // A second process is refused while the first is live, take-over or not.
    let err = s
        .acquire_lease("exec-l", "laptop:2:window", true)
        .unwrap_err();
    assert!(
        err.to_string().contains("is being driven by laptop:1:cli"),
        "{err}"
    );
    // The first stops renewing (stopped, or dead): stale, taken over only explicitly.
    s.conn
        .execute(
            "UPDATE execution_leases SET heartbeat = heartbeat - 120",
            [],
        )
        .unwrap();
    assert!(matches!(
        s.driver("exec-l").unwrap(),
        crate::Driver::Stale { .. }
    ));
    let err = s
        .acquire_lease("exec-l", "laptop:2:window", false)
        .unwrap_err();
    assert!(err.to_string().contains("take it over explicitly"), "{err}");
    let second = s.acquire_lease("exec-l", "laptop:2:window", true).unwrap();
    assert!(second.version > first.version);
    // The first comes back: every write and heartbeat of it is refused, naming the holder.
    let err = s.save_execution_as(&e, "tick", Some(&first)).unwrap_err();
    assert!(
        matches!(&err, crate::StoreError::Fenced { holder, .. } if holder == "laptop:2:window"),
        "{err}"
    );
    assert!(s.heartbeat(&first).is_err());
    // Another connection (another process) sees the same.
    let mut other = Store::open(dir.path()).unwrap();
    assert!(other.save_execution_as(&e, "tick", Some(&first)).is_err());
    other.save_execution_as(&e, "tick", Some(&second)).unwrap();
    // Releasing lets anyone drive it again without a take-over; a stale release does nothing.
    s.release_lease(&first).unwrap();
    assert!(matches!(
        s.driver("exec-l").unwrap(),
        crate::Driver::Live { .. }
    ));
    s.release_lease(&second).unwrap();
    assert_eq!(s.driver("exec-l").unwrap(), crate::Driver::None);
    let third = s.acquire_lease("exec-l", "laptop:3:cli", false).unwrap();
    assert!(third.version > second.version);
}

#[test]
fn unfinished_executions_holding_servers_are_found() {
    let (_dir, mut s) = store();
    let mut e: drs_core::execution::Execution = serde_json::from_value(serde_json::json!({
        "id": "exec-h", "plan": "p", "planRevision": 1, "kind": "drill", "startedBy": "t",
        "startedAt": "2026-11-26T10:00:00Z", "status": "running", "autoCleanup": true,
        "waves": [{"name": "w1", "onFailure": "stop", "status": "running", "servers": [
            {"sourceServerId": "s-1", "name": "a", "group": "g", "target": "t", "status": "queued"},
            {"sourceServerId": "s-2", "name": "b", "group": "g", "target": "t", "status": "queued"}
        ]}],
        "cleanup": {"status": "pending"}
    }))
    .unwrap();
    s.save_execution(&e, "created").unwrap();
    let wanted = ["s-2", "s-9"].iter().map(|x| x.to_string()).collect();
    let found = s.executions_holding(&wanted).unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].0.id, "exec-h");
    assert_eq!(found[0].1, ["s-2"]);
    e.status = drs_core::execution::ExecutionStatus::Completed;
    s.save_execution(&e, "ended").unwrap();
    assert!(s.executions_holding(&wanted).unwrap().is_empty());
}

#[cfg(unix)]
#[test]
fn the_data_directory_and_database_are_private_and_a_wider_one_is_flagged() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let store = Store::open(&dir).unwrap();
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&dir), 0o700);
    assert_eq!(mode(store.path()), 0o600);
    let wal = dir.join(format!("{DB_FILE}-wal"));
    if wal.exists() {
        assert_eq!(
            mode(&wal),
            0o600,
            "SQLite gives its WAL the database's mode"
        );
    }
    assert!(store.access_warnings().is_empty());
    drop(store);
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let again = Store::open(&dir).unwrap();
    assert_eq!(
        again.access_warnings().len(),
        1,
        "{:?}",
        again.access_warnings()
    );
    assert!(again.access_warnings()[0].contains("chmod 700"));
    assert_eq!(
        mode(&dir),
        0o755,
        "an existing directory is not changed behind the user's back"
    );
}

#[test]
fn a_target_change_is_audited_field_by_field() {
    let tmp = tempfile::tempdir().unwrap();
    let mut store = Store::open(tmp.path()).unwrap();
    let mut t = drs_core::Target {
        name: "prod".into(),
        account_id: "111122223333".into(),
        primary_region: "us-east-1".into(),
        recovery_region: "us-west-2".into(),
        endpoint_url: None,
        endpoints: None,
        credentials: drs_core::CredentialSource::Profile {
            profile: "prod".into(),
        },
    };
    store.save_target(&t, "ann").unwrap();
    t.endpoint_url = Some("https://drs.us-west-2.amazonaws.com".into());
    t.credentials = drs_core::CredentialSource::Profile {
        profile: "prod-admin".into(),
    };
    store.save_target(&t, "bob").unwrap();
    let entries = store.audit(Some("prod"), 10).unwrap();
    let update = entries
        .iter()
        .find(|e| e.action == "target.update")
        .unwrap();
    assert_eq!(update.actor, "bob");
    let changes = update.detail["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 2, "{changes:?}");
    assert!(changes.contains(&serde_json::json!({
        "field": "endpointUrl", "before": null, "after": "https://drs.us-west-2.amazonaws.com"
    })));
    assert!(changes.contains(&serde_json::json!({
        "field": "credentials.profile", "before": "prod", "after": "prod-admin"
    })));
}
