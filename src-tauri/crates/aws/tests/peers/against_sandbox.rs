//! The adapter against the sandbox over HTTP: the real SDK clients, the real wire protocols.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use drs_aws::{AwsCloud, CredentialSpec, TargetConnection};
use drs_core::cloud::{Cloud, CloudError};
use drs_core::inventory::{InstanceState, ReplicationState};
use drs_sandbox::scenario::{self, GenerateSpec, Scenario};
use drs_sandbox::{FaultConfig, SandboxConfig};

fn prod_keys() -> CredentialSpec {
    CredentialSpec::Static {
        access_key_id: scenario::RETAIL_PROD_KEY.into(),
        secret_access_key: "anything".into(),
        session_token: None,
    }
}

async fn cloud(endpoint: &str, credentials: CredentialSpec) -> AwsCloud {
    AwsCloud::connect(TargetConnection {
        target: "Sandbox".into(),
        recovery_region: "us-west-2".into(),
        origin_region: Some("us-east-1".into()),
        endpoint_url: Some(endpoint.to_string()),
        endpoints: Default::default(),
        credentials,
    })
    .await
    .unwrap()
}

/// The sandbox's counters (a blocking call, so off the async worker threads).
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
async fn inventory_of_the_retail_scenario() {
    let sandbox = drs_sandbox::start(SandboxConfig::default()).await.unwrap();
    let c = cloud(&sandbox.endpoint(), prod_keys()).await;

    let me = c.caller_identity().await.unwrap();
    assert_eq!(me.account, "111122223333");
    assert_eq!(me.arn, "arn:aws:iam::111122223333:user/sandbox-admin");

    let servers = c.source_servers().await.unwrap();
    assert_eq!(servers.len(), 40);
    let lagging = servers
        .iter()
        .find(|s| s.name.as_deref() == Some("retail-db-02"))
        .unwrap();
    assert_eq!(lagging.lag.as_deref(), Some("PT20M"));
    assert_eq!(lagging.lag_seconds, Some(1200));
    let stalled = servers
        .iter()
        .find(|s| s.name.as_deref() == Some("retail-mq-03"))
        .unwrap();
    assert_eq!(stalled.replication_state, Some(ReplicationState::Stalled));
    assert_eq!(
        stalled.replication_error.as_ref().unwrap().error,
        "AGENT_NOT_SEEN"
    );
    let web = servers
        .iter()
        .find(|s| s.name.as_deref() == Some("retail-web-01"))
        .unwrap();
    assert_eq!(
        web.hostname.as_deref(),
        Some("retail-web-01.corp.example.com")
    );
    assert_eq!(web.origin_region.as_deref(), Some("us-east-1"));
    assert!(web.origin_instance_id.as_deref().unwrap().starts_with("i-"));
    assert_eq!(web.tags.get("Tier").map(String::as_str), Some("web"));
    assert!(web.last_seen.is_some());

    let instances = c.recovery_instances_ec2().await.unwrap();
    assert_eq!(instances.len(), 39);
    assert_eq!(
        instances
            .iter()
            .filter(|i| i.state == InstanceState::Running)
            .count(),
        1
    );
    assert_eq!(
        instances
            .iter()
            .filter(|i| i.name.as_deref() == Some("retail-db-03"))
            .count(),
        2
    );
    let cache = instances
        .iter()
        .find(|i| i.name.as_deref() == Some("retail-cache-01"))
        .unwrap();
    assert_eq!(cache.architecture.as_deref(), Some("arm64"));
    assert_eq!(cache.root_device_type.as_deref(), Some("ebs"));
    sandbox.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_is_read() {
    let mut scenario = Scenario::retail();
    scenario.generate = Some(GenerateSpec {
        account: scenario::RETAIL_PROD_ACCOUNT.into(),
        region: "us-west-2".into(),
        source_servers: 2_500,
        instances: 3_100,
    });
    let sandbox = drs_sandbox::start(SandboxConfig {
        scenario,
        ..Default::default()
    })
    .await
    .unwrap();
    let c = cloud(&sandbox.endpoint(), prod_keys()).await;
    assert_eq!(c.source_servers().await.unwrap().len(), 2_540);
    assert_eq!(c.recovery_instances_ec2().await.unwrap().len(), 3_139);
    let s = stats(&sandbox).await;
    assert_eq!(s["calls"]["drs:DescribeSourceServers"], 3);
    assert_eq!(s["calls"]["ec2:DescribeInstances"], 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn assume_role_needs_the_right_external_id() {
    let sandbox = drs_sandbox::start(SandboxConfig::default()).await.unwrap();
    let role = format!(
        "arn:aws:iam::{}:role/{}",
        scenario::RETAIL_RECOVERY_ACCOUNT,
        scenario::RETAIL_RECOVERY_ROLE
    );
    let assume = |external: &str| CredentialSpec::AssumeRole {
        role_arn: role.clone(),
        external_id: Some(external.into()),
        session_name: "drs-orchestrator-test".into(),
        base: Box::new(prod_keys()),
    };
    let ok = cloud(&sandbox.endpoint(), assume(scenario::RETAIL_EXTERNAL_ID)).await;
    let me = ok.caller_identity().await.unwrap();
    assert_eq!(me.account, scenario::RETAIL_RECOVERY_ACCOUNT);
    assert_eq!(
        me.arn,
        "arn:aws:sts::444455556666:assumed-role/DRSOrchestratorRecovery/drs-orchestrator-test"
    );
    assert_eq!(
        ok.source_servers().await.unwrap().len(),
        6,
        "the recovery account's ERP servers"
    );

    let wrong = cloud(&sandbox.endpoint(), assume("not-the-id")).await;
    let err = wrong.caller_identity().await.unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, CloudError::Credentials(_)), "{err:?}");
    assert!(
        text.contains("not authorized to perform: sts:AssumeRole"),
        "{text}"
    );
    assert!(text.contains(&role), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_keys_are_access_denied_with_a_request_id() {
    let sandbox = drs_sandbox::start(SandboxConfig::default()).await.unwrap();
    let c = cloud(
        &sandbox.endpoint(),
        CredentialSpec::Static {
            access_key_id: "AKIAUNKNOWN000000000".into(),
            secret_access_key: "x".into(),
            session_token: None,
        },
    )
    .await;
    match c.source_servers().await.unwrap_err() {
        CloudError::AccessDenied {
            operation,
            request_id,
            ..
        } => {
            assert_eq!(operation, "drs:DescribeSourceServers");
            assert!(request_id.is_some());
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thirty_percent_throttling_is_absorbed_by_sdk_retries() {
    let sandbox = drs_sandbox::start(SandboxConfig {
        faults: FaultConfig {
            throttle_rate: 0.3,
            error_rate: 0.0,
            latency_ms: 0,
        },
        seed: 7,
        ..Default::default()
    })
    .await
    .unwrap();
    let c = cloud(&sandbox.endpoint(), prod_keys()).await;
    for _ in 0..5 {
        assert_eq!(c.caller_identity().await.unwrap().account, "111122223333");
        assert_eq!(c.source_servers().await.unwrap().len(), 40);
        assert_eq!(c.recovery_instances_ec2().await.unwrap().len(), 39);
    }
    let s = stats(&sandbox).await;
    let throttled: u64 = s["throttled"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert!(throttled > 0, "{s}");
    let calls = s["calls"]["drs:DescribeSourceServers"].as_u64().unwrap();
    assert!(calls > 5, "retries are visible in the stats: {s}");
}
