//! Always-on monitoring through the CLI against `sandbox serve`: what a target's monitoring
//! should be (an alarm per replicating server at the target's critical lag, DRS's events routed
//! to the team's topic), deployed into moto (SNS, EventBridge) and the sandbox (CloudWatch's
//! alarms) and read back with the AWS CLI, and the same as a CloudFormation template that
//! `cfn-lint` (an independent peer) accepts.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use crate::common::{aws, Cli};
use crate::executions::serve;
use serde_json::Value;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// moto's server on a free port, stopped when dropped.
pub struct Moto {
    child: Child,
    /// Its URL.
    pub endpoint: String,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts moto (`None`, skipped, when it is not installed outside the full suite).
pub fn moto() -> Option<Moto> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = match Command::new("moto_server")
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
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
    let m = Moto {
        child,
        endpoint: format!("http://127.0.0.1:{port}"),
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Some(m);
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    panic!("moto_server did not start on port {port}");
}

/// The AWS CLI against moto (us-west-2), as JSON.
pub fn aws_moto(endpoint: &str, args: &[&str]) -> Value {
    let out = Command::new("aws")
        .args([
            "--endpoint-url",
            endpoint,
            "--region",
            "us-west-2",
            "--output",
            "json",
        ])
        .args(args)
        .env("AWS_ACCESS_KEY_ID", "AKIASANDBOXPROD00001")
        .env("AWS_SECRET_ACCESS_KEY", "anything")
        .env_remove("AWS_PROFILE")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "aws {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or(Value::Null)
}

/// The AWS CLI against the sandbox's CloudWatch (it speaks RPC v2 CBOR to it, as to AWS).
fn aws_cloudwatch(endpoint: &str, args: &[&str]) -> Value {
    let mut all = vec!["cloudwatch"];
    all.extend_from_slice(args);
    aws(endpoint, &all).unwrap_or(Value::Null)
}

#[test]
fn monitoring_is_deployed_drifts_is_brought_back_and_removed_without_a_trace() {
    let Some(moto) = moto() else { return };
    let sandbox = serve(&[]);
    let cli = Cli::new(&sandbox.endpoint);
    let m = moto.endpoint.as_str();
    let cw = sandbox.endpoint.as_str();
    // DRS and CloudWatch in the sandbox (moto does not speak CloudWatch's CBOR protocol, which
    // the SDK and the AWS CLI use); SNS and EventBridge in moto.
    cli.ok(&[
        "target",
        "edit",
        "Sandbox",
        "--sns-endpoint",
        m,
        "--events-endpoint",
        m,
        "--cloudwatch-endpoint",
        cw,
    ]);
    let before = cli.json(&["monitoring", "status", "--target", "Sandbox"], 3);
    assert_eq!(before["changes"].as_array().unwrap().len(), 1 + 3 + 40);
    // Without --yes nothing is made.
    cli.json(
        &[
            "monitoring",
            "deploy",
            "--target",
            "Sandbox",
            "--email",
            "ops@example.com",
        ],
        3,
    );
    assert!(aws_moto(m, &["sns", "list-topics"])["Topics"]
        .as_array()
        .unwrap()
        .is_empty());

    let deployed = cli.json(
        &[
            "monitoring",
            "deploy",
            "--target",
            "Sandbox",
            "--email",
            "ops@example.com",
            "--yes",
        ],
        0,
    );
    assert_eq!(deployed["done"].as_array().unwrap().len(), 1 + 1 + 3 + 40);
    assert!(
        deployed["after"]["changes"].as_array().unwrap().is_empty(),
        "{}",
        deployed["after"]["words"]
    );
    // Read back with the AWS CLI: topic (tagged), subscription, rules routed to it, alarms.
    let topics = aws_moto(m, &["sns", "list-topics"]);
    let topic = topics["Topics"][0]["TopicArn"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(topic.ends_with(":drs-orchestrator-Sandbox"));
    let tags = aws_moto(
        m,
        &["sns", "list-tags-for-resource", "--resource-arn", &topic],
    );
    assert!(tags["Tags"]
        .as_array()
        .unwrap()
        .iter()
        .any(|t| t["Key"] == "drs-orchestrator:owner"));
    let subs = aws_moto(
        m,
        &["sns", "list-subscriptions-by-topic", "--topic-arn", &topic],
    );
    assert_eq!(subs["Subscriptions"][0]["Endpoint"], "ops@example.com");
    let rules = aws_moto(
        m,
        &[
            "events",
            "list-rules",
            "--name-prefix",
            "drs-orchestrator-Sandbox-",
        ],
    );
    assert_eq!(rules["Rules"].as_array().unwrap().len(), 3);
    let targets = aws_moto(
        m,
        &[
            "events",
            "list-targets-by-rule",
            "--rule",
            "drs-orchestrator-Sandbox-launch",
        ],
    );
    assert_eq!(targets["Targets"][0]["Arn"], topic.as_str());
    let alarms = aws_cloudwatch(
        cw,
        &[
            "describe-alarms",
            "--alarm-name-prefix",
            "drs-orchestrator-Sandbox-lag-",
        ],
    );
    let alarms = alarms["MetricAlarms"].as_array().unwrap();
    assert_eq!(alarms.len(), 40, "the CLI follows DescribeAlarms' pages");
    assert_eq!(alarms[0]["MetricName"], "LagDuration");
    assert_eq!(alarms[0]["Threshold"], 1800.0);
    assert_eq!(alarms[0]["AlarmActions"][0], topic.as_str());
    let alarm_tags = aws_cloudwatch(
        cw,
        &[
            "list-tags-for-resource",
            "--resource-arn",
            alarms[0]["AlarmArn"].as_str().unwrap(),
        ],
    );
    assert!(alarm_tags["Tags"]
        .as_array()
        .unwrap()
        .iter()
        .any(|t| t["Key"] == "drs-orchestrator:owner"));

    // Drift: the critical lag lowered in the app, a rule edited in the console.
    cli.ok(&[
        "health",
        "thresholds",
        "--target",
        "Sandbox",
        "--lag-critical",
        "45",
    ]);
    aws_moto(
        m,
        &[
            "events",
            "put-rule",
            "--name",
            "drs-orchestrator-Sandbox-launch",
            "--event-pattern",
            r#"{"source":["aws.drs"]}"#,
        ],
    );
    let drift = cli.json(&["monitoring", "status", "--target", "Sandbox"], 3);
    let words: Vec<&str> = drift["words"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap())
        .collect();
    assert_eq!(words.len(), 1 + 40, "{words:?}");
    assert!(
        words[0].contains("drs-orchestrator-Sandbox-launch (its event pattern was changed)"),
        "{words:?}"
    );
    assert!(
        words[1].contains("threshold 1800 s, the target's critical lag is 2700 s"),
        "{words:?}"
    );
    let fixed = cli.json(&["monitoring", "deploy", "--target", "Sandbox", "--yes"], 0);
    assert!(fixed["after"]["changes"].as_array().unwrap().is_empty());
    // The address subscribed before is kept by a deploy that names none.
    assert_eq!(fixed["after"]["desired"]["emails"][0], "ops@example.com");

    // Removed completely: nothing named or tagged as the app's is left.
    cli.json(&["monitoring", "remove", "--target", "Sandbox", "--yes"], 0);
    assert!(aws_moto(m, &["sns", "list-topics"])["Topics"]
        .as_array()
        .unwrap()
        .is_empty());
    assert!(aws_moto(m, &["events", "list-rules"])["Rules"]
        .as_array()
        .unwrap()
        .is_empty());
    assert!(aws_cloudwatch(cw, &["describe-alarms"])["MetricAlarms"]
        .as_array()
        .unwrap()
        .is_empty());
    let audit = cli.json(&["audit", "--subject", "Sandbox"], 0);
    let actions: Vec<&str> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["action"].as_str().unwrap())
        .collect();
    assert!(
        actions.contains(&"monitoring.deploy") && actions.contains(&"monitoring.remove"),
        "{actions:?}"
    );
}

#[test]
fn a_targets_monitoring_is_planned_and_exported_as_a_template_cfn_lint_accepts() {
    let sandbox = serve(&[]);
    let cli = Cli::new(&sandbox.endpoint);
    cli.ok(&[
        "health",
        "thresholds",
        "--target",
        "Sandbox",
        "--lag-critical",
        "45",
    ]);
    let m = cli.json(
        &[
            "monitoring",
            "plan",
            "--target",
            "Sandbox",
            "--email",
            "ops@example.com",
        ],
        0,
    );
    assert_eq!(m["topic"], "drs-orchestrator-Sandbox");
    assert_eq!(m["rules"].as_array().unwrap().len(), 3);
    let alarms = m["alarms"].as_array().unwrap();
    assert_eq!(
        alarms.len(),
        40,
        "every replicating server of the retail scenario"
    );
    assert!(alarms.iter().all(|a| a["thresholdSeconds"] == 2700));
    assert_eq!(m["tags"]["drs-orchestrator:owner"], "drs-orchestrator");

    let r = cli.run(&[
        "monitoring",
        "plan",
        "--target",
        "Sandbox",
        "--email",
        "ops",
    ]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("\"ops\" is not an email address"),
        "{}",
        r.stderr
    );

    let file = cli.data().join("monitoring.json");
    cli.ok(&[
        "monitoring",
        "template",
        "--target",
        "Sandbox",
        "--email",
        "ops@example.com",
        "--out",
        file.to_str().unwrap(),
    ]);
    let t: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(t["Resources"].as_object().unwrap().len(), 3 + 3 + 40);
    match Command::new("cfn-lint").arg(&file).output() {
        Ok(o) => assert!(
            o.status.success(),
            "cfn-lint refused the template:\n{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        ),
        Err(e) => {
            assert!(
                std::env::var("DRS_E2E").as_deref() != Ok("1"),
                "cfn-lint is missing ({e}); run scripts/install-deps.sh --test"
            );
            eprintln!("skipped: cfn-lint is not installed");
        }
    }
}
