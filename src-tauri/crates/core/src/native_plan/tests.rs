use super::*;
use crate::group::LaunchMode;

fn server(i: usize, app: &str) -> SourceServer {
    let id = format!("s-{i:017x}");
    SourceServer {
        arn: format!("arn:aws:drs:us-west-2:111122223333:source-server/{id}"),
        id,
        target: "dr".into(),
        name: Some(format!("{app}-{i}")),
        tags: BTreeMap::from([("App".to_string(), app.to_string())]),
        ..Default::default()
    }
}

fn group(name: &str, app: &str) -> ProtectionGroup {
    ProtectionGroup {
        name: name.into(),
        target: "dr".into(),
        selector: Selector::Tags(BTreeMap::from([("App".to_string(), app.to_string())])),
        ..Default::default()
    }
}

fn wave(name: &str, groups: &[&str], deps: Option<&[&str]>) -> Wave {
    Wave {
        name: name.into(),
        groups: groups.iter().map(|s| s.to_string()).collect(),
        depends_on: deps.map(|d| d.iter().map(|s| s.to_string()).collect()),
        ..Default::default()
    }
}

fn wait(name: &str, minutes: u32) -> Step {
    Step {
        name: name.into(),
        kind: StepKind::Wait,
        minutes: Some(minutes),
        ..Default::default()
    }
}

struct Fixture {
    plan: RecoveryPlan,
    groups: Vec<ProtectionGroup>,
    servers: Vec<SourceServer>,
    launch: Vec<LaunchConfiguration>,
}

fn fixture() -> Fixture {
    let mut servers: Vec<SourceServer> = (0..3).map(|i| server(i, "db")).collect();
    servers.extend((10..260).map(|i| server(i, "app")));
    servers.push(server(900, "web"));
    servers.push(server(901, "batch"));
    let mut db = wave("database", &["db"], None);
    db.after.push(wait("settle", 150));
    let mut app = wave("application", &["app"], Some(&["database"]));
    app.approval_required = true;
    app.before.push(Step {
        name: "warm cache".into(),
        kind: StepKind::SsmCommand,
        document: "AWS-RunShellScript".into(),
        ..Default::default()
    });
    let mut web = wave("web", &["web"], Some(&["application"]));
    web.on_failure = FailurePolicy::Continue;
    let batch = wave("batch", &["batch"], Some(&["application"]));
    let mut pre = group("web", "web");
    pre.launch.launch_mode = LaunchMode::PreProvisioned;
    Fixture {
        plan: RecoveryPlan {
            name: "retail/prod".into(),
            waves: vec![db, app, web, batch],
            ..Default::default()
        },
        groups: vec![
            group("db", "db"),
            group("app", "app"),
            pre,
            group("batch", "batch"),
        ],
        launch: vec![LaunchConfiguration {
            source_server_id: format!("s-{:017x}", 900),
            launch_into_instance_id: Some("i-0dr0000000000900".into()),
            ..Default::default()
        }],
        servers,
    }
}

fn publish(f: &Fixture, revision: u32) -> Publication {
    publication(&PublishInput {
        plan: &f.plan,
        revision,
        groups: &f.groups,
        target: "dr",
        servers: &f.servers,
        launch: &f.launch,
    })
}

fn kinds(p: &Publication) -> Vec<String> {
    p.steps
        .iter()
        .map(|s| match &s.config {
            NativeStepConfig::Servers { servers } => format!("{}:{}", s.name, servers.len()),
            NativeStepConfig::Wait { minutes } => format!("{}:wait {minutes}", s.name),
        })
        .collect()
}

#[test]
fn waves_become_server_and_wait_steps_split_at_drs_limits() {
    let p = publish(&fixture(), 4);
    assert!(p.problems.is_empty(), "{:?}", p.problems);
    assert_eq!(p.native_name, "retail-prod");
    assert_eq!(
        kinds(&p),
        [
            "database:3",
            "database settle part 1 of 2:wait 120",
            "database settle part 2 of 2:wait 30",
            "application part 1 of 3:100",
            "application part 2 of 3:100",
            "application part 3 of 3:50",
            "web:1",
            "batch:1",
        ]
    );
    assert_eq!(p.servers(), 255);
    // A wave that continues after failures has OPTIONAL servers; the others CRITICAL.
    let NativeStepConfig::Servers { servers } = &p.steps[6].config else {
        panic!("web is a server step")
    };
    assert!(!servers[0].critical);
    let NativeStepConfig::Servers { servers } = &p.steps[0].config else {
        panic!("database is a server step")
    };
    assert!(servers.iter().all(|s| s.critical));
    assert_eq!(p.tags()[TAG_REVISION], "4");
}

#[test]
fn what_the_native_plan_cannot_express_is_listed_per_item() {
    let p = publish(&fixture(), 1);
    let items: Vec<(Option<&str>, &str)> = p
        .gaps
        .iter()
        .map(|g| (g.wave.as_deref(), g.item.as_str()))
        .collect();
    assert!(
        items.contains(&(Some("application"), "approval")),
        "{items:?}"
    );
    assert!(items.contains(&(Some("application"), "ssmCommand step \"warm cache\"")));
    assert!(items.contains(&(Some("application"), "wave size")));
    assert!(
        items.contains(&(Some("batch"), "parallel waves")),
        "{items:?}"
    );
    let blockers = p.drill_blockers();
    assert_eq!(blockers.len(), 1);
    assert!(blockers[0].native.contains("i-0dr0000000000900"));
}

#[test]
fn more_steps_than_drs_holds_is_refused() {
    let mut f = fixture();
    for i in 0..20 {
        f.plan.waves[0].after.push(wait(&format!("w{i}"), 5));
    }
    let p = publish(&f, 1);
    assert_eq!(p.problems.len(), 1);
    assert!(p.problems[0].contains("at most 20"), "{:?}", p.problems);
}

fn copy_of(p: &Publication) -> NativePlan {
    NativePlan {
        arn: "arn:aws:drs:us-west-2:111122223333:recovery-plan/rp-1".into(),
        name: p.native_name.clone(),
        description: p.description.clone(),
        status: "ACTIVE".into(),
        created_at: "2026-12-01T10:00:00Z".into(),
        updated_at: "2026-12-01T10:00:00Z".into(),
        tags: p.tags(),
        steps: p
            .steps
            .iter()
            .map(|s| NativeStep {
                wave: None,
                ..s.clone()
            })
            .collect(),
    }
}

#[test]
fn drift_tells_a_console_change_from_an_older_revision() {
    let f = fixture();
    let p = publish(&f, 3);
    assert_eq!(compare(&p, None).state, DriftState::NotPublished);
    let copy = copy_of(&p);
    assert_eq!(compare(&p, Some(&copy)).state, DriftState::InSync);

    // Changed in the console: a server dropped from the first step.
    let mut changed = copy.clone();
    if let NativeStepConfig::Servers { servers } = &mut changed.steps[0].config {
        servers.remove(0);
    }
    let d = compare(&p, Some(&changed));
    assert_eq!(d.state, DriftState::ChangedInDrs);
    assert_eq!(d.differences.len(), 1, "{:?}", d.differences);
    assert!(d.differences[0].contains("DRS does not launch s-00000000000000000 (db-0)"));

    // The plan changed since (revision 4); DRS's copy is revision 3's, untouched.
    let mut f4 = fixture();
    f4.plan.waves[0].after.clear();
    let p4 = publish(&f4, 4);
    let d = compare(&p4, Some(&copy));
    assert_eq!(d.state, DriftState::OlderRevision);
    assert_eq!(d.published_revision, Some(3));
    assert!(!d.differences.is_empty());

    let mut foreign = copy.clone();
    foreign.tags.clear();
    assert_eq!(compare(&p, Some(&foreign)).state, DriftState::NotOurs);
}

#[test]
fn a_native_plan_imports_as_waves_with_one_group_per_server_step() {
    let p = publish(&fixture(), 1);
    let imported = import(&copy_of(&p), "retail-imported", "dr");
    let plan = &imported.plan;
    assert_eq!(plan.waves.len(), 6);
    assert_eq!(imported.groups.len(), 6);
    // The two waits after "database" come before the application's first part.
    assert_eq!(plan.waves[1].before.len(), 2);
    assert_eq!(plan.waves[1].before[0].minutes, Some(120));
    assert_eq!(plan.waves[4].on_failure, FailurePolicy::Continue);
    let names: BTreeSet<String> = imported.groups.iter().map(|g| g.name.clone()).collect();
    assert!(
        plan.validate(&names).iter().all(|p| !p.is_error()),
        "{:?}",
        plan.validate(&names)
    );
    let Selector::SourceServerIds(ids) = &imported.groups[0].selector else {
        panic!("explicit servers")
    };
    assert_eq!(ids.len(), 3);
}

#[test]
fn names_drs_refuses_are_made_acceptable() {
    assert_eq!(native_name("Retail (prod) ✓"), "Retail -prod- -");
    assert_eq!(native_name("_x"), "x");
    assert_eq!(native_name("日本"), "plan");
}

struct Recorded(std::sync::Mutex<Vec<String>>);

impl crate::execution::Journal for Recorded {
    fn record(
        &self,
        _: &Execution,
        event: &crate::execution::Event,
    ) -> Result<(), crate::execution::JournalError> {
        self.0.lock().unwrap().push(event.to_string());
        Ok(())
    }
    fn control(
        &self,
        _: &str,
    ) -> Result<crate::execution::Control, crate::execution::JournalError> {
        Ok(Default::default())
    }
}

fn native_run(status: &str, step2: &str, job2: Option<&str>) -> NativeExecution {
    let server = |id: &str, job: Option<&str>| NativeRunServer {
        arn: format!("arn:aws:drs:us-west-2:111122223333:source-server/{id}"),
        source_server_id: id.into(),
        critical: true,
        job_id: job.map(str::to_string),
    };
    NativeExecution {
        arn: "arn:aws:drs:us-west-2:111122223333:recovery-plan-execution/rpe-1".into(),
        plan_arn: "arn:aws:drs:us-west-2:111122223333:recovery-plan/rp-1".into(),
        drill: true,
        status: status.into(),
        started_at: "2026-12-01T10:00:00Z".into(),
        completed_at: None,
        error: None,
        tags: BTreeMap::new(),
        steps: vec![
            NativeRunStep {
                arn: "s1".into(),
                index: 1,
                name: "data".into(),
                status: "COMPLETED".into(),
                servers: vec![server("s-1", Some("drsjob-1"))],
                wait_minutes: None,
                error: None,
            },
            NativeRunStep {
                arn: "s2".into(),
                index: 2,
                name: "settle".into(),
                status: "COMPLETED".into(),
                servers: Vec::new(),
                wait_minutes: Some(5),
                error: None,
            },
            NativeRunStep {
                arn: "s3".into(),
                index: 3,
                name: "app".into(),
                status: step2.into(),
                servers: vec![server("s-2", job2), server("s-3", job2)],
                wait_minutes: None,
                error: None,
            },
        ],
    }
}

fn job(id: &str, done: bool, servers: &[(&str, crate::jobs::LaunchStatus)]) -> Job {
    Job {
        job_id: id.into(),
        status: if done {
            crate::jobs::JobStatus::Completed
        } else {
            crate::jobs::JobStatus::Started
        },
        job_type: "LAUNCH".into(),
        initiated_by: "START_DRILL".into(),
        created: "2026-12-01T10:00:05Z".into(),
        ended: done.then(|| "2026-12-01T10:09:00Z".to_string()),
        tags: BTreeMap::new(),
        servers: servers
            .iter()
            .map(|(s, st)| crate::jobs::JobServer {
                source_server_id: s.to_string(),
                launch_status: st.clone(),
                recovery_instance_id: (*st == crate::jobs::LaunchStatus::Launched)
                    .then(|| format!("i-{s}")),
                action_runs: Vec::new(),
            })
            .collect(),
    }
}

#[tokio::test]
async fn a_native_run_is_mirrored_step_by_step_and_never_driven_by_the_engine() {
    use crate::jobs::LaunchStatus::{InProgress, Launched};
    let mut base = native_execution(
        "exec-1",
        "retail",
        2,
        crate::execution::ExecutionKind::Drill,
        "ann",
        "2026-12-01T10:00:00Z",
    );
    base.native = Some(NativeRef {
        target: "dr".into(),
        plan_arn: "rp".into(),
        execution_arn: "rpe".into(),
        started_by_app: true,
        drs_done: false,
    });
    let names = BTreeMap::from([("s-1".to_string(), "db-1".to_string())]);
    let running = mirror(
        &base,
        &native_run("IN_PROGRESS", "EXECUTING", Some("drsjob-2")),
        &[
            job("drsjob-1", true, &[("s-1", Launched)]),
            job("drsjob-2", false, &[("s-2", Launched), ("s-3", InProgress)]),
        ],
        &[],
        &names,
    );
    assert_eq!(running.status, ExecutionStatus::Running);
    let waves: Vec<(&str, WaveStatus)> = running
        .waves
        .iter()
        .map(|w| (w.name.as_str(), w.status))
        .collect();
    assert_eq!(
        waves,
        [
            ("data", WaveStatus::Completed),
            ("settle (wait 5 min)", WaveStatus::Completed),
            ("app", WaveStatus::Running)
        ]
    );
    assert_eq!(running.waves[0].servers[0].name, "db-1");
    // The wait ran from the end of the step before it, for its minutes.
    assert_eq!(
        running.waves[1].started_at.as_deref(),
        Some("2026-12-01T10:09:00Z")
    );
    assert_eq!(
        running.waves[1].ended_at.as_deref(),
        Some("2026-12-01T10:14:00Z")
    );
    assert_eq!(running.waves[2].servers[0].status, ServerStatus::Launched);
    assert_eq!(running.waves[2].servers[1].status, ServerStatus::Launching);
    assert_eq!(running.batches.len(), 2);
    assert!(!running.batches[1].done);
    assert_eq!(running.waves[2].depends_on, ["settle (wait 5 min)"]);

    // The engine refuses to drive it: DRS does.
    let journal = Recorded(std::sync::Mutex::new(Vec::new()));
    let clock = crate::execution::ManualClock::new(time::OffsetDateTime::UNIX_EPOCH);
    let options = crate::execution::DriveOptions::for_groups(&[]);
    let result = crate::execution::drive(
        running.clone(),
        &crate::execution::Clouds::new(),
        &journal,
        &clock,
        &options,
        true,
    )
    .await;
    assert!(
        matches!(result, Err(crate::execution::EngineError::RunByDrs(ref id)) if id == "exec-1"),
        "{result:?}"
    );
    assert!(journal.0.lock().unwrap().is_empty());

    // A failed run: the step that failed, the servers that never ran.
    let failed = mirror(
        &running,
        &native_run("FAILED", "SKIPPED", None),
        &[job("drsjob-1", true, &[("s-1", Launched)])],
        &[],
        &names,
    );
    assert_eq!(failed.status, ExecutionStatus::Failed);
    assert_eq!(failed.waves[2].status, WaveStatus::Skipped);
    assert!(failed.waves[2]
        .servers
        .iter()
        .all(|s| s.status == ServerStatus::NotRun));
}
