//! The adapter's EC2 and STS calls against an independent implementation: moto's server
//! (`pip install 'moto[server]'`; scripts/install-deps.sh --test installs it). Moto has no DRS,
//! so only the EC2 and STS paths are covered here.
//!
//! Skipped when `moto_server` is not on PATH, unless `DRS_E2E=1` (then its absence fails).
//!
//! The external-ID test runs moto with IAM authorization on (`INITIAL_NO_AUTH_ACTION_COUNT`): the
//! first requests (made with the AWS CLI) create a user, its keys, a role whose trust policy
//! requires an external ID, and their policies; every later request is signed and checked.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use drs_aws::{AwsCloud, CredentialSpec, TargetConnection};
use drs_core::cloud::{Cloud, CloudError};
use drs_core::inventory::InstanceState;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Moto {
    child: Child,
    endpoint: String,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_moto() -> Option<Moto> {
    start_moto_with(&[])
}

fn start_moto_with(env: &[(&str, &str)]) -> Option<Moto> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = match Command::new("moto_server")
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
    {
        Ok(c) => c,
        Err(e) => {
            assert!(
                std::env::var("DRS_E2E").as_deref() != Ok("1"),
                "moto_server is missing ({e}); run scripts/install-deps.sh --test"
            );
            eprintln!("skipped: moto_server is not installed");
            return None;
        }
    };
    let moto = Moto {
        child,
        endpoint: format!("http://127.0.0.1:{port}"),
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Some(moto);
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    panic!("moto_server did not start on port {port}");
}

fn keys() -> CredentialSpec {
    CredentialSpec::Static {
        access_key_id: "AKIAMOTOTESTING00001".into(),
        secret_access_key: "testing".into(),
        session_token: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ec2_and_sts_against_moto() {
    let Some(moto) = start_moto() else { return };
    // Seed moto with three DR instances through the SDK.
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-west-2"))
        .endpoint_url(&moto.endpoint)
        .credentials_provider(aws_credential_types::Credentials::new(
            "AKIAMOTOTESTING00001",
            "testing",
            None,
            None,
            "test",
        ))
        .load()
        .await;
    let ec2 = aws_sdk_ec2::Client::new(&config);
    let mut ids = Vec::new();
    for name in ["dr-web-01", "dr-web-02", "dr-db-01"] {
        let out = ec2
            .run_instances()
            .image_id("ami-12c6146b")
            .instance_type(aws_sdk_ec2::types::InstanceType::M5Large)
            .min_count(1)
            .max_count(1)
            .tag_specifications(
                aws_sdk_ec2::types::TagSpecification::builder()
                    .resource_type(aws_sdk_ec2::types::ResourceType::Instance)
                    .tags(
                        aws_sdk_ec2::types::Tag::builder()
                            .key("Name")
                            .value(name)
                            .build(),
                    )
                    .tags(
                        aws_sdk_ec2::types::Tag::builder()
                            .key("AWSDRS")
                            .value("AllowLaunchingIntoThisInstance")
                            .build(),
                    )
                    .build(),
            )
            .send()
            .await
            .unwrap();
        ids.push(out.instances()[0].instance_id().unwrap().to_string());
    }
    ec2.stop_instances()
        .instance_ids(&ids[2])
        .send()
        .await
        .unwrap();

    let cloud = AwsCloud::connect(TargetConnection {
        target: "moto".into(),
        recovery_region: "us-west-2".into(),
        origin_region: Some("us-east-1".into()),
        endpoint_url: Some(moto.endpoint.clone()),
        endpoints: Default::default(),
        credentials: keys(),
    })
    .await
    .unwrap();
    let me = cloud.caller_identity().await.unwrap();
    assert_eq!(me.account, "123456789012");
    let instances = cloud.recovery_instances_ec2().await.unwrap();
    assert_eq!(instances.len(), 3);
    let db = instances
        .iter()
        .find(|i| i.name.as_deref() == Some("dr-db-01"))
        .unwrap();
    assert_eq!(db.state, InstanceState::Stopped);
    assert_eq!(
        db.tags.get("AWSDRS").map(String::as_str),
        Some("AllowLaunchingIntoThisInstance")
    );
    assert_eq!(db.instance_type.as_deref(), Some("m5.large"));
    assert!(db.private_ip.is_some());
    let web = instances
        .iter()
        .find(|i| i.name.as_deref() == Some("dr-web-01"))
        .unwrap();
    assert_eq!(web.state, InstanceState::Running);

    // AssumeRoleProvider through moto's STS: the caller becomes the assumed role.
    let assumed = AwsCloud::connect(TargetConnection {
        target: "moto-role".into(),
        recovery_region: "us-west-2".into(),
        origin_region: Some("us-east-1".into()),
        endpoint_url: Some(moto.endpoint.clone()),
        endpoints: Default::default(),
        credentials: CredentialSpec::AssumeRole {
            role_arn: "arn:aws:iam::123456789012:role/DRSOrchestrator".into(),
            external_id: Some("moto-external-id".into()),
            session_name: "drs-orchestrator-test".into(),
            base: Box::new(keys()),
        },
    })
    .await
    .unwrap();
    let me = assumed.caller_identity().await.unwrap();
    assert!(
        me.arn
            .contains("assumed-role/DRSOrchestrator/drs-orchestrator-test"),
        "{}",
        me.arn
    );
}

/// Runs the AWS CLI against moto with `keys`; returns its JSON output.
fn aws(endpoint: &str, keys: (&str, &str), args: &[&str]) -> serde_json::Value {
    let out = Command::new("aws")
        .args(["--endpoint-url", endpoint, "--output", "json"])
        .args(args)
        .env("AWS_ACCESS_KEY_ID", keys.0)
        .env("AWS_SECRET_ACCESS_KEY", keys.1)
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env_remove("AWS_PROFILE")
        .output()
        .expect("the AWS CLI (scripts/install-deps.sh --test installs it)");
    assert!(
        out.status.success(),
        "aws {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn assume_role_needs_the_right_external_id_in_moto() {
    // Five unauthenticated set-up calls, then IAM authorization for everything.
    let Some(moto) = start_moto_with(&[("INITIAL_NO_AUTH_ACTION_COUNT", "5")]) else {
        return;
    };
    let root = ("AKIAMOTOTESTING00001", "testing");
    let e = &moto.endpoint;
    aws(
        e,
        root,
        &["iam", "create-user", "--user-name", "coordinator"],
    );
    let key = aws(
        e,
        root,
        &["iam", "create-access-key", "--user-name", "coordinator"],
    );
    aws(
        e,
        root,
        &[
            "iam",
            "put-user-policy",
            "--user-name",
            "coordinator",
            "--policy-name",
            "assume",
            "--policy-document",
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sts:AssumeRole","sts:GetCallerIdentity"],"Resource":"*"}]}"#,
        ],
    );
    aws(
        e,
        root,
        &[
            "iam",
            "create-role",
            "--role-name",
            "DRSOrchestrator",
            "--assume-role-policy-document",
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:user/coordinator"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"moto-external-id"}}}]}"#,
        ],
    );
    aws(
        e,
        root,
        &[
            "iam",
            "put-role-policy",
            "--role-name",
            "DRSOrchestrator",
            "--policy-name",
            "all",
            "--policy-document",
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
        ],
    );
    let coordinator = CredentialSpec::Static {
        access_key_id: key["AccessKey"]["AccessKeyId"].as_str().unwrap().into(),
        secret_access_key: key["AccessKey"]["SecretAccessKey"].as_str().unwrap().into(),
        session_token: None,
    };
    let role = "arn:aws:iam::123456789012:role/DRSOrchestrator";
    let connect = |external_id: &str| {
        AwsCloud::connect(TargetConnection {
            target: "moto-role".into(),
            recovery_region: "us-east-1".into(),
            origin_region: Some("us-east-1".into()),
            endpoint_url: Some(moto.endpoint.clone()),
            endpoints: Default::default(),
            credentials: CredentialSpec::AssumeRole {
                role_arn: role.into(),
                external_id: Some(external_id.into()),
                session_name: "drs-orchestrator-test".into(),
                base: Box::new(coordinator.clone()),
            },
        })
    };

    let me = connect("moto-external-id")
        .await
        .unwrap()
        .caller_identity()
        .await
        .unwrap();
    assert!(
        me.arn
            .ends_with("assumed-role/DRSOrchestrator/drs-orchestrator-test"),
        "{}",
        me.arn
    );

    let err = connect("not-the-external-id")
        .await
        .unwrap()
        .caller_identity()
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, CloudError::Credentials(_)), "{err:?}");
    assert!(
        text.contains(&format!("access denied assuming role {role}")),
        "{text}"
    );
    assert!(text.contains("AccessDenied"), "{text}");
}
