//! Pairing and readiness on the sandbox's built-in scenario, over HTTP through the real SDK
//! clients: every deliberate problem is found with the right severity; apply writes the launch
//! configurations (read back with GetLaunchConfiguration); an instance started since the last
//! refresh is skipped; a drill launched after apply (a direct StartRecovery) recovers into the
//! DR instance, keeping its ID and private IP; undo restores the launch configurations.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use drs_aws::{AwsCloud, CredentialSpec, TargetConnection};
use drs_core::cloud::Cloud;
use drs_core::group::{LaunchMode, LaunchSettings, ProtectionGroup, Selector};
use drs_core::launch_into;
use drs_core::plan::{RecoveryPlan, Wave};
use drs_core::readiness::{self, Readiness, Severity, Thresholds};
use drs_sandbox::scenario;
use drs_sandbox::SandboxConfig;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

async fn cloud(endpoint: &str) -> AwsCloud {
    AwsCloud::connect(TargetConnection {
        target: "Sandbox".into(),
        recovery_region: "us-west-2".into(),
        origin_region: Some("us-east-1".into()),
        endpoint_url: Some(endpoint.to_string()),
        endpoints: Default::default(),
        credentials: CredentialSpec::Static {
            access_key_id: scenario::RETAIL_PROD_KEY.into(),
            secret_access_key: "anything".into(),
            session_token: None,
        },
    })
    .await
    .unwrap()
}

/// The SDK clients themselves, for what the app does not do (StartRecovery, StartInstances).
async fn sdk(endpoint: &str) -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-west-2"))
        .endpoint_url(endpoint)
        .credentials_provider(aws_credential_types::Credentials::new(
            scenario::RETAIL_PROD_KEY,
            "anything",
            None,
            None,
            "test",
        ))
        .load()
        .await
}

fn groups() -> Vec<ProtectionGroup> {
    ["db", "cache", "mq", "app", "batch", "web"]
        .iter()
        .map(|tier| ProtectionGroup {
            name: format!("retail-{tier}"),
            target: "Sandbox".into(),
            selector: Selector::Tags(BTreeMap::from([
                ("Application".into(), "retail".into()),
                ("Tier".into(), tier.to_string()),
            ])),
            launch: LaunchSettings {
                launch_mode: LaunchMode::PreProvisioned,
                ..Default::default()
            },
            ..Default::default()
        })
        .collect()
}

fn plan() -> RecoveryPlan {
    let wave = |name: &str, groups: &[&str], after: &[&str]| Wave {
        name: name.into(),
        groups: groups.iter().map(|g| format!("retail-{g}")).collect(),
        depends_on: Some(after.iter().map(|s| s.to_string()).collect()),
        ..Default::default()
    };
    RecoveryPlan {
        name: "retail-dr".into(),
        failback_order: None,
        rto_target_minutes: Some(90),
        waves: vec![
            wave("data", &["db", "cache", "mq"], &[]),
            wave("application", &["app", "batch"], &["data"]),
            wave("web", &["web"], &["application"]),
        ],
        ..Default::default()
    }
}

async fn check(c: &Arc<dyn Cloud>) -> (Readiness, readiness::Evidence) {
    let clouds = BTreeMap::from([("Sandbox".to_string(), Ok(Arc::clone(c)))]);
    let now = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let ev = readiness::gather(&plan(), &groups(), &clouds, BTreeMap::new(), now).await;
    let r = readiness::assess(&plan(), &groups(), &ev, &Thresholds::default());
    (r, ev)
}

fn finding<'a>(r: &'a Readiness, server: &str, check: &str) -> &'a readiness::Finding {
    r.findings
        .iter()
        .find(|f| f.server_name.as_deref() == Some(server) && f.check == check)
        .unwrap_or_else(|| panic!("no {check} finding for {server}: {:#?}", r.findings))
}

async fn stats(sandbox: &drs_sandbox::RunningSandbox) -> serde_json::Value {
    let url = sandbox.admin_url("stats");
    tokio::task::spawn_blocking(move || {
        ureq::get(&url)
            .call()
            .unwrap()
            .body_mut()
            .read_json()
            .unwrap()
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_scenario_problems_apply_a_drill_into_the_dr_instance_and_undo() {
    let sandbox = drs_sandbox::start(SandboxConfig {
        time_scale: 600.0,
        ..Default::default()
    })
    .await
    .unwrap();
    let endpoint = sandbox.endpoint();
    let c: Arc<dyn Cloud> = Arc::new(cloud(&endpoint).await);

    // 1. Every deliberate problem, with its severity.
    let (r, ev) = check(&c).await;
    assert!(!r.ready);
    assert_eq!(r.servers, 40);
    let f = finding(&r, "retail-app-07", "pair.stopped");
    assert_eq!(f.severity, Severity::Blocker);
    assert!(f.message.contains("instance state running"));
    assert!(f
        .remediation
        .as_deref()
        .unwrap()
        .contains("aws ec2 stop-instances"));
    let f = finding(&r, "retail-app-08", "pair.awsdrsTag");
    assert_eq!(f.severity, Severity::Blocker);
    let f = finding(&r, "retail-db-03", "pair.ambiguous");
    assert_eq!(f.severity, Severity::Blocker);
    assert!(
        f.message
            .contains("2 DR instances are named \"retail-db-03\""),
        "{}",
        f.message
    );
    assert_eq!(
        finding(&r, "retail-db-04", "pair.unmatched").severity,
        Severity::Blocker
    );
    assert_eq!(
        finding(&r, "retail-batch-04", "pair.unmatched").severity,
        Severity::Blocker
    );
    let lag = finding(&r, "retail-db-02", "lag");
    assert_eq!(
        (lag.severity, lag.evidence.as_deref()),
        (Severity::Warning, Some("PT20M"))
    );
    assert_eq!(
        finding(&r, "retail-mq-03", "agentSeen").severity,
        Severity::Blocker
    );
    assert_eq!(
        finding(&r, "retail-mq-03", "replicationError").severity,
        Severity::Blocker
    );
    assert_eq!(
        finding(&r, "retail-web-01", "pair.launchConfiguration").severity,
        Severity::Blocker
    );
    assert!(
        r.findings
            .iter()
            .all(|f| f.server_name.as_deref() != Some("retail-web-02")
                || f.check == "pair.launchConfiguration"),
        "a healthy server has only the apply to do"
    );
    // Per server: every server once, in plan order, with its worst finding as its verdict.
    assert_eq!(r.by_server.len(), 40);
    let row = |name: &str| r.by_server.iter().find(|s| s.name == name).unwrap();
    assert_eq!(
        row("retail-mq-03").verdict,
        readiness::ServerVerdict::Blocked
    );
    assert!(row("retail-mq-03").blockers >= 2);
    assert_eq!(row("retail-db-02").lag_seconds, Some(1200));
    assert_eq!(
        row("retail-db-02").replication_state.as_deref(),
        Some("CONTINUOUS")
    );
    assert_eq!(r.by_server[0].wave, r.waves[0].wave);
    let s = stats(&sandbox).await;
    eprintln!(
        "API calls of a full readiness check on 40 servers: {}",
        s["calls"]
    );
    assert_eq!(s["calls"]["drs:GetLaunchConfiguration"], 40);

    // 2. An instance started since the refresh: the re-check right before apply skips it.
    let ec2 = aws_sdk_ec2::Client::new(&sdk(&endpoint).await);
    ec2.start_instances()
        .instance_ids("i-0d000000000000002")
        .send()
        .await
        .unwrap();
    let launch: BTreeMap<_, _> = ev.targets["Sandbox"]
        .launch
        .iter()
        .map(|l| (l.source_server_id.clone(), l.clone()))
        .collect();
    let plan_apply = launch_into::plan_apply(&r.pairs, &launch);
    assert_eq!(plan_apply.changes.len(), 35);
    assert_eq!(plan_apply.skipped.len(), 5, "{:#?}", plan_apply.skipped);
    let outcome = launch_into::apply(c.as_ref(), &plan_apply).await;
    assert_eq!(outcome.applied.len(), 34, "{:#?}", outcome.failed);
    assert!(outcome.failed.is_empty());
    let stale = outcome
        .skipped
        .iter()
        .find(|s| s.name == "retail-web-02")
        .unwrap();
    assert!(
        stale.reason.contains("i-0d000000000000002 is pending now"),
        "{}",
        stale.reason
    );

    // 3. Read back with the SDK itself.
    let drs = aws_sdk_drs::Client::new(&sdk(&endpoint).await);
    let web01 = "s-0005e7a1100000001";
    let lc = drs
        .get_launch_configuration()
        .source_server_id(web01)
        .send()
        .await
        .unwrap();
    assert_eq!(
        lc.launch_into_instance_properties()
            .and_then(|p| p.launch_into_ec2_instance_id()),
        Some("i-0d000000000000001")
    );
    assert_eq!(
        (lc.copy_tags(), lc.copy_private_ip()),
        (Some(false), Some(false))
    );
    assert_eq!(
        lc.target_instance_type_right_sizing_method()
            .map(|m| m.as_str()),
        Some("NONE")
    );

    // 4. A drill after apply recovers into the DR instance: same instance ID, same private IP.
    let before_ip = ec2
        .describe_instances()
        .instance_ids("i-0d000000000000001")
        .send()
        .await
        .unwrap()
        .reservations()[0]
        .instances()[0]
        .private_ip_address()
        .map(str::to_string);
    let job = drs
        .start_recovery()
        .is_drill(true)
        .source_servers(
            aws_sdk_drs::types::StartRecoveryRequestSourceServer::builder()
                .source_server_id(web01)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let job_id = job.job().unwrap().job_id().to_string();
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let jobs = drs
            .describe_jobs()
            .filters(
                aws_sdk_drs::types::DescribeJobsRequestFilters::builder()
                    .job_ids(&job_id)
                    .build(),
            )
            .send()
            .await
            .unwrap();
        let status = jobs.items()[0].status().map(|s| s.as_str().to_string());
        if status.as_deref() == Some("COMPLETED") {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the drill did not complete: {status:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let recovered = c.recovery_instances().await.unwrap();
    let ri = recovered
        .iter()
        .find(|r| r.source_server_id.as_deref() == Some(web01))
        .unwrap();
    assert_eq!(ri.ec2_instance_id.as_deref(), Some("i-0d000000000000001"));
    assert!(ri.is_drill);
    let after = c
        .instances(&["i-0d000000000000001".to_string()])
        .await
        .unwrap();
    assert_eq!(
        after[0].private_ip, before_ip,
        "the private IP survives the launch"
    );

    // 5. Undo puts the launch configurations back as they were.
    let undone = launch_into::undo(c.as_ref(), &outcome.applied).await;
    assert_eq!(undone.applied.len(), 34);
    let lc = c.launch_configuration(web01).await.unwrap();
    assert_eq!(
        lc, launch[web01],
        "restored to the configuration read before apply"
    );
}
