//! An independent client against `drs-orchestrator sandbox serve`: the AWS CLI (botocore's own
//! service models and parsers) with `--endpoint-url`. If the sandbox's wire format drifted from
//! AWS's, botocore would fail to parse it here.
//!
//! Runs when the `aws` command is available (scripts/install-deps.sh --test installs it in a
//! virtualenv that scripts/test.sh puts on PATH); `DRS_E2E=1` makes its absence a failure.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use crate::common;
use common::{serve, Serve};
use serde_json::Value;
use std::process::Command;

fn aws_available() -> bool {
    let found = Command::new("aws")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var("DRS_E2E").as_deref() != Ok("1"),
            "the AWS CLI is missing; run scripts/install-deps.sh --test"
        );
        eprintln!("skipped: the AWS CLI (aws) is not installed");
    }
    found
}

/// The AWS CLI pointed at the sandbox with `key`, isolated from any local AWS configuration.
fn aws_command(s: &Serve, key: &str, args: &[&str]) -> std::process::Output {
    Command::new("aws")
        .args([
            "--endpoint-url",
            &s.endpoint,
            "--region",
            "us-west-2",
            "--output",
            "json",
        ])
        .args(args)
        .env("AWS_ACCESS_KEY_ID", key)
        .env("AWS_SECRET_ACCESS_KEY", "anything")
        .env_remove("AWS_PROFILE")
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .env("AWS_MAX_ATTEMPTS", "10")
        .env("AWS_RETRY_MODE", "standard")
        .output()
        .unwrap()
}

fn aws(s: &Serve, key: &str, args: &[&str]) -> Value {
    let out = aws_command(s, key, args);
    assert!(
        out.status.success(),
        "aws {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    if out.stdout.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&out.stdout).unwrap()
    }
}

fn aws_err(s: &Serve, key: &str, args: &[&str]) -> String {
    let out = aws_command(s, key, args);
    assert!(!out.status.success(), "aws {args:?} should fail");
    String::from_utf8_lossy(&out.stderr).to_string()
}

const PROD: &str = "AKIASANDBOXPROD00001";

#[test]
fn the_aws_cli_reads_what_the_scenario_holds() {
    if !aws_available() {
        return;
    }
    let s = serve(&[]);
    let me = aws(&s, PROD, &["sts", "get-caller-identity"]);
    assert_eq!(me["Account"], "111122223333");

    let servers = aws(&s, PROD, &["drs", "describe-source-servers"]);
    let items = servers["items"].as_array().unwrap();
    assert_eq!(items.len(), 40);
    let stalled = items
        .iter()
        .find(|i| i["tags"]["Name"] == "retail-mq-03")
        .unwrap();
    assert_eq!(
        stalled["dataReplicationInfo"]["dataReplicationState"],
        "STALLED"
    );
    assert_eq!(
        stalled["dataReplicationInfo"]["dataReplicationError"]["error"],
        "AGENT_NOT_SEEN"
    );

    // Paginated by the CLI itself.
    let paged = aws(
        &s,
        PROD,
        &["drs", "describe-source-servers", "--page-size", "7"],
    );
    assert_eq!(paged["items"].as_array().unwrap().len(), 40);

    let dr = aws(
        &s,
        PROD,
        &[
            "ec2",
            "describe-instances",
            "--filters",
            "Name=tag:AWSDRS,Values=AllowLaunchingIntoThisInstance",
            "Name=instance-state-name,Values=stopped",
        ],
    );
    let count: usize = dr["Reservations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["Instances"].as_array().unwrap().len())
        .sum();
    assert_eq!(
        count, 37,
        "39 DR instances, minus the one without the tag and the one left running"
    );

    let id = items[0]["sourceServerID"].as_str().unwrap();
    let cfg = aws(
        &s,
        PROD,
        &["drs", "get-launch-configuration", "--source-server-id", id],
    );
    assert_eq!(cfg["sourceServerID"], id);
    let updated = aws(
        &s,
        PROD,
        &[
            "drs",
            "update-launch-configuration",
            "--source-server-id",
            id,
            "--no-copy-private-ip",
            "--target-instance-type-right-sizing-method",
            "NONE",
        ],
    );
    assert_eq!(updated["copyPrivateIp"], false);
    assert_eq!(updated["targetInstanceTypeRightSizingMethod"], "NONE");

    let arn = items[0]["arn"].as_str().unwrap();
    aws(
        &s,
        PROD,
        &[
            "drs",
            "tag-resource",
            "--resource-arn",
            arn,
            "--tags",
            "Owner=dr-team",
        ],
    );
    let tags = aws(
        &s,
        PROD,
        &["drs", "list-tags-for-resource", "--resource-arn", arn],
    );
    assert_eq!(tags["tags"]["Owner"], "dr-team");
    aws(
        &s,
        PROD,
        &[
            "drs",
            "untag-resource",
            "--resource-arn",
            arn,
            "--tag-keys",
            "Owner",
        ],
    );
    let tags = aws(
        &s,
        PROD,
        &["drs", "list-tags-for-resource", "--resource-arn", arn],
    );
    assert!(tags["tags"].get("Owner").is_none());
}

#[test]
fn errors_are_shaped_as_aws_sends_them() {
    if !aws_available() {
        return;
    }
    let s = serve(&[]);
    let e = aws_err(
        &s,
        PROD,
        &[
            "drs",
            "get-launch-configuration",
            "--source-server-id",
            "s-00000000000000000",
        ],
    );
    assert!(e.contains("ResourceNotFoundException"), "{e}");
    let e = aws_err(
        &s,
        PROD,
        &[
            "ec2",
            "start-instances",
            "--instance-ids",
            "i-0123456789abcdef0",
        ],
    );
    assert!(e.contains("InvalidInstanceID.NotFound"), "{e}");
    let e = aws_err(&s, "AKIAUNKNOWN000000000", &["sts", "get-caller-identity"]);
    assert!(e.contains("InvalidClientTokenId"), "{e}");
    let e = aws_err(
        &s,
        PROD,
        &[
            "sts",
            "assume-role",
            "--role-arn",
            "arn:aws:iam::444455556666:role/DRSOrchestratorRecovery",
            "--role-session-name",
            "drill",
            "--external-id",
            "wrong",
        ],
    );
    assert!(e.contains("AccessDenied"), "{e}");
}

#[test]
fn throttled_cli_calls_succeed_after_retries() {
    if !aws_available() {
        return;
    }
    let s = serve(&["--throttle-rate", "0.3", "--seed", "3"]);
    for _ in 0..5 {
        let servers = aws(&s, PROD, &["drs", "describe-source-servers"]);
        assert_eq!(servers["items"].as_array().unwrap().len(), 40);
    }
    let stats: Value = ureq::get(&s.admin("stats"))
        .call()
        .unwrap()
        .body_mut()
        .read_json()
        .unwrap();
    assert!(
        stats["throttled"]["drs:DescribeSourceServers"]
            .as_u64()
            .unwrap_or(0)
            > 0,
        "{stats}"
    );
}

fn server_id(s: &Serve, name: &str) -> String {
    let servers = aws(s, PROD, &["drs", "describe-source-servers"]);
    servers["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["tags"]["Name"] == name)
        .unwrap()["sourceServerID"]
        .as_str()
        .unwrap()
        .to_string()
}

fn dr_instance(s: &Serve, name: &str) -> String {
    let filter = format!("Name=tag:Name,Values={name}");
    let v = aws(
        s,
        PROD,
        &["ec2", "describe-instances", "--filters", &filter],
    );
    v["Reservations"][0]["Instances"][0]["InstanceId"]
        .as_str()
        .unwrap()
        .to_string()
}

fn wait_for_job(s: &Serve, job: &str) -> Value {
    let filter = format!("jobIDs={job}");
    for _ in 0..100 {
        let v = aws(s, PROD, &["drs", "describe-jobs", "--filters", &filter]);
        if v["items"][0]["status"] == "COMPLETED" {
            return v["items"][0].clone();
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    panic!("job {job} did not complete");
}

#[test]
fn a_drill_launches_into_dr_instances_and_cleanup_terminates_them() {
    if !aws_available() {
        return;
    }
    let s = serve(&["--time-scale", "2000"]);
    let app01 = server_id(&s, "retail-app-01");
    let app08 = server_id(&s, "retail-app-08");
    let web01 = server_id(&s, "retail-web-01");
    let dr01 = dr_instance(&s, "retail-app-01");
    let dr08 = dr_instance(&s, "retail-app-08");
    for (server, dr) in [(&app01, &dr01), (&app08, &dr08)] {
        let props = format!("launchIntoEC2InstanceID={dr}");
        aws(
            &s,
            PROD,
            &[
                "drs",
                "update-launch-configuration",
                "--source-server-id",
                server,
                "--launch-into-instance-properties",
                &props,
                "--no-copy-private-ip",
                "--no-copy-tags",
            ],
        );
    }
    let started = aws(
        &s,
        PROD,
        &[
            "drs",
            "start-recovery",
            "--is-drill",
            "--tags",
            "Execution=exec-1",
            "--source-servers",
            &format!("sourceServerID={app01}"),
            &format!("sourceServerID={app08}"),
            &format!("sourceServerID={web01}"),
        ],
    );
    let job = started["job"]["jobID"].as_str().unwrap().to_string();
    assert_eq!(started["job"]["initiatedBy"], "START_DRILL");
    assert_eq!(started["job"]["tags"]["Execution"], "exec-1");
    let done = wait_for_job(&s, &job);
    let status = |id: &str| {
        done["participatingServers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["sourceServerID"] == id)
            .unwrap()["launchStatus"]
            .clone()
    };
    assert_eq!(status(&app01), "LAUNCHED");
    assert_eq!(status(&web01), "LAUNCHED");
    assert_eq!(
        status(&app08),
        "FAILED",
        "its DR instance lacks the AWSDRS tag"
    );

    let log = aws(
        &s,
        PROD,
        &["drs", "describe-job-log-items", "--job-id", &job],
    );
    let events: Vec<&str> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(events.first(), Some(&"JOB_START"));
    assert_eq!(events.last(), Some(&"JOB_END"));
    for e in [
        "SNAPSHOT_START",
        "SNAPSHOT_END",
        "CONVERSION_START",
        "CONVERSION_END",
        "LAUNCH_START",
        "LAUNCH_FAILED",
    ] {
        assert!(events.contains(&e), "{e} missing from {events:?}");
    }
    let failed = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["event"] == "LAUNCH_FAILED")
        .unwrap();
    assert!(failed["eventData"]["rawError"]
        .as_str()
        .unwrap()
        .contains("AWSDRS"));

    let instances = aws(&s, PROD, &["drs", "describe-recovery-instances"]);
    let items = instances["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    let into = items
        .iter()
        .find(|r| r["sourceServerID"] == app01.as_str())
        .unwrap();
    assert_eq!(
        into["ec2InstanceID"],
        dr01.as_str(),
        "launched into the DR instance: same instance ID"
    );
    assert_eq!(into["ec2InstanceState"], "RUNNING");
    assert_eq!(into["isDrill"], true);

    // Cleanup terminates every recovery instance it is given, the launched-into one included.
    let ids: Vec<String> = items
        .iter()
        .map(|r| r["recoveryInstanceID"].as_str().unwrap().to_string())
        .collect();
    let mut args = vec![
        "drs",
        "terminate-recovery-instances",
        "--recovery-instance-ids",
    ];
    args.extend(ids.iter().map(String::as_str));
    let term = aws(&s, PROD, &args);
    assert_eq!(term["job"]["type"], "TERMINATE");
    wait_for_job(&s, term["job"]["jobID"].as_str().unwrap());
    assert_eq!(
        aws(&s, PROD, &["drs", "describe-recovery-instances"])["items"],
        serde_json::json!([])
    );
    let v = aws(
        &s,
        PROD,
        &["ec2", "describe-instances", "--instance-ids", &dr01],
    );
    assert_eq!(
        v["Reservations"][0]["Instances"][0]["State"]["Name"],
        "terminated"
    );
}

#[test]
fn recovery_quotas_and_conflicts() {
    if !aws_available() {
        return;
    }
    let s = serve(&["--time-scale", "1"]);
    let web01 = server_id(&s, "retail-web-01");
    aws(
        &s,
        PROD,
        &[
            "drs",
            "start-recovery",
            "--is-drill",
            "--source-servers",
            &format!("sourceServerID={web01}"),
        ],
    );
    let e = aws_err(
        &s,
        PROD,
        &[
            "drs",
            "start-recovery",
            "--is-drill",
            "--source-servers",
            &format!("sourceServerID={web01}"),
        ],
    );
    assert!(e.contains("ConflictException"), "{e}");
    let many: Vec<String> = (0..101)
        .map(|i| format!("sourceServerID=s-{:017x}", i))
        .collect();
    let mut args = vec!["drs", "start-recovery", "--source-servers"];
    args.extend(many.iter().map(String::as_str));
    let e = aws_err(&s, PROD, &args);
    assert!(e.contains("ServiceQuotaExceededException"), "{e}");
}

#[test]
fn snapshots_failback_and_disconnect() {
    if !aws_available() {
        return;
    }
    let s = serve(&["--time-scale", "2000"]);
    let web02 = server_id(&s, "retail-web-02");
    let snaps = aws(
        &s,
        PROD,
        &[
            "drs",
            "describe-recovery-snapshots",
            "--source-server-id",
            &web02,
            "--order",
            "ASC",
        ],
    );
    let items = snaps["items"].as_array().unwrap();
    assert_eq!(items.len(), 29);
    assert!(
        items[0]["expectedTimestamp"].as_str().unwrap()
            < items[28]["expectedTimestamp"].as_str().unwrap()
    );

    let job = aws(
        &s,
        PROD,
        &[
            "drs",
            "start-recovery",
            "--source-servers",
            &format!("sourceServerID={web02}"),
        ],
    );
    assert_eq!(job["job"]["initiatedBy"], "START_RECOVERY");
    wait_for_job(&s, job["job"]["jobID"].as_str().unwrap());
    let ri = aws(
        &s,
        PROD,
        &[
            "drs",
            "describe-recovery-instances",
            "--filters",
            &format!("sourceServerIDs={web02}"),
        ],
    );
    let ri_id = ri["items"][0]["recoveryInstanceID"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(ri["items"][0]["isDrill"], false);

    let rev = aws(
        &s,
        PROD,
        &[
            "drs",
            "reverse-replication",
            "--recovery-instance-id",
            &ri_id,
        ],
    );
    // A failback source server in the origin region replicates the recovery instance back.
    let arn = rev["reversedDirectionSourceServerArn"].as_str().unwrap();
    assert!(arn.starts_with("arn:aws:drs:us-east-1:"), "{arn}");
    let back_id = arn.rsplit('/').next().unwrap();
    assert_ne!(back_id, web02);
    let back = crate::common::aws_in(
        &s.endpoint,
        "us-east-1",
        &[
            "drs",
            "describe-source-servers",
            "--filters",
            &format!("sourceServerIDs={back_id}"),
        ],
    )
    .unwrap();
    assert_eq!(back["items"][0]["replicationDirection"], "FAILBACK");
    assert_eq!(
        back["items"][0]["sourceProperties"]["identificationHints"]["awsInstanceID"],
        ri["items"][0]["ec2InstanceID"]
    );

    aws(
        &s,
        PROD,
        &[
            "drs",
            "disconnect-recovery-instance",
            "--recovery-instance-id",
            &ri_id,
        ],
    );
    assert_eq!(
        aws(&s, PROD, &["drs", "describe-recovery-instances"])["items"],
        serde_json::json!([])
    );
    let v = aws(
        &s,
        PROD,
        &["ec2", "describe-instances", "--instance-ids", &ri_id],
    );
    assert_eq!(
        v["Reservations"][0]["Instances"][0]["State"]["Name"], "running",
        "disconnect leaves EC2 alone"
    );
    let e = aws_err(
        &s,
        PROD,
        &[
            "drs",
            "disconnect-recovery-instance",
            "--recovery-instance-id",
            &ri_id,
        ],
    );
    assert!(e.contains("ResourceNotFoundException"), "{e}");
}

#[test]
fn launch_template_versions() {
    if !aws_available() {
        return;
    }
    let s = serve(&[]);
    let app03 = server_id(&s, "retail-app-03");
    let cfg = aws(
        &s,
        PROD,
        &[
            "drs",
            "get-launch-configuration",
            "--source-server-id",
            &app03,
        ],
    );
    let lt = cfg["ec2LaunchTemplateID"].as_str().unwrap().to_string();
    let v = aws(
        &s,
        PROD,
        &[
            "ec2",
            "describe-launch-template-versions",
            "--launch-template-id",
            &lt,
            "--versions",
            "$Default",
        ],
    );
    assert_eq!(v["LaunchTemplateVersions"][0]["VersionNumber"], 1);
    assert_eq!(
        v["LaunchTemplateVersions"][0]["LaunchTemplateData"]["InstanceType"],
        "m6i.xlarge"
    );
    let data = r#"{"InstanceType":"m6i.2xlarge","NetworkInterfaces":[{"DeviceIndex":0,"SubnetId":"subnet-0d1a2b3c4d5e6f702","Groups":["sg-0123456789abcdef1"],"PrivateIpAddress":"10.20.2.99"}]}"#;
    let created = aws(
        &s,
        PROD,
        &[
            "ec2",
            "create-launch-template-version",
            "--launch-template-id",
            &lt,
            "--source-version",
            "$Latest",
            "--launch-template-data",
            data,
        ],
    );
    assert_eq!(created["LaunchTemplateVersion"]["VersionNumber"], 2);
    assert_eq!(created["LaunchTemplateVersion"]["DefaultVersion"], false);
    let modified = aws(
        &s,
        PROD,
        &[
            "ec2",
            "modify-launch-template",
            "--launch-template-id",
            &lt,
            "--default-version",
            "2",
        ],
    );
    assert_eq!(modified["LaunchTemplate"]["DefaultVersionNumber"], 2);
    let v = aws(
        &s,
        PROD,
        &[
            "ec2",
            "describe-launch-template-versions",
            "--launch-template-id",
            &lt,
            "--versions",
            "$Default",
        ],
    );
    let d = &v["LaunchTemplateVersions"][0]["LaunchTemplateData"];
    assert_eq!(d["InstanceType"], "m6i.2xlarge");
    assert_eq!(d["NetworkInterfaces"][0]["PrivateIpAddress"], "10.20.2.99");
    assert_eq!(
        d["NetworkInterfaces"][0]["Groups"],
        serde_json::json!(["sg-0123456789abcdef1"])
    );
    let e = aws_err(
        &s,
        PROD,
        &[
            "ec2",
            "modify-launch-template",
            "--launch-template-id",
            "lt-0ffffffffffffffff",
            "--default-version",
            "1",
        ],
    );
    assert!(e.contains("InvalidLaunchTemplateId.NotFound"), "{e}");
}

#[test]
fn instances_take_simulated_time_to_start_and_stop() {
    if !aws_available() {
        return;
    }
    let s = serve(&["--time-scale", "60"]);
    let dr = dr_instance(&s, "retail-app-02");
    let state = || {
        aws(
            &s,
            PROD,
            &["ec2", "describe-instances", "--instance-ids", &dr],
        )["Reservations"][0]["Instances"][0]["State"]["Name"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let started = aws(&s, PROD, &["ec2", "start-instances", "--instance-ids", &dr]);
    assert_eq!(
        started["StartingInstances"][0]["CurrentState"]["Name"],
        "pending"
    );
    assert_eq!(
        started["StartingInstances"][0]["PreviousState"]["Name"],
        "stopped"
    );
    // 30 simulated seconds are half a real second at 60x.
    until(&state, "running");
    let stopped = aws(&s, PROD, &["ec2", "stop-instances", "--instance-ids", &dr]);
    assert_eq!(
        stopped["StoppingInstances"][0]["CurrentState"]["Name"],
        "stopping"
    );
    until(&state, "stopped");
}

/// Waits until `state()` reads `want` (the sandbox's clock moves the instance there).
fn until(state: &dyn Fn() -> String, want: &str) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let now = state();
        if now == want {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the instance stayed {now}, never {want}"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

/// The Python that runs the AWS CLI (its virtualenv), which has botocore and its service models.
fn botocore_python() -> Option<std::path::PathBuf> {
    let out = Command::new("sh")
        .args(["-c", "command -v aws"])
        .output()
        .ok()?;
    let aws = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let python = std::path::Path::new(&aws).parent()?.join("python3");
    python.exists().then_some(python)
}

#[test]
fn every_sandbox_answer_the_app_relies_on_matches_the_service_models() {
    if !aws_available() {
        return;
    }
    let python = botocore_python().expect("the AWS CLI's python3 next to it");
    let s = serve(&["--time-scale", "900"]);
    let out = Command::new(python)
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/sandbox_models.py"
        ))
        .arg(&s.endpoint)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{text}");
    // It really looked at what the engine reads.
    for op in [
        "drs:StartRecovery",
        "drs:DescribeJobs",
        "drs:DescribeJobLogItems",
        "drs:DescribeRecoveryInstances",
        "drs:TerminateRecoveryInstances",
        "drs:GetLaunchConfiguration",
        "ec2:DescribeInstances",
        "ec2:DescribeInstanceAttribute",
        "ec2:DescribeInstanceStatus",
        "sts:GetCallerIdentity",
        "drs:PutLaunchAction",
        "drs:ListLaunchActions",
        "ssm:DescribeInstanceInformation",
        "ssm:SendCommand",
        "ssm:ListCommands",
        "ssm:ListCommandInvocations",
        "ssm:StartAutomationExecution",
        "ssm:GetAutomationExecution",
        "route53:ListHostedZones",
        "route53:ChangeResourceRecordSets",
        "route53:GetChange",
        "route53:ListResourceRecordSets",
        "drs:ReverseReplication",
        "drs:StopReplication",
        "drs:DescribeLaunchConfigurationTemplates",
        "drs:UpdateLaunchConfigurationTemplate",
    ] {
        assert!(
            text.contains(&format!("checked {op} (")),
            "{op} not checked:\n{text}"
        );
    }
}
