//! Malformed and unknown requests get AWS-shaped errors, never a panic or a dropped connection.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use drs_sandbox::SandboxConfig;

const AUTH_DRS: &str = "AWS4-HMAC-SHA256 Credential=AKIASANDBOXPROD00001/20261126/us-west-2/drs/aws4_request, SignedHeaders=host, Signature=0";
const AUTH_EC2: &str = "AWS4-HMAC-SHA256 Credential=AKIASANDBOXPROD00001/20261126/us-west-2/ec2/aws4_request, SignedHeaders=host, Signature=0";

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into()
}

struct Reply {
    status: u16,
    error_type: Option<String>,
    body: String,
}

fn post(endpoint: &str, path: &str, auth: Option<&str>, content_type: &str, body: &str) -> Reply {
    let mut req = agent()
        .post(&format!("{endpoint}{path}"))
        .header("content-type", content_type);
    if let Some(a) = auth {
        req = req.header("authorization", a);
    }
    let mut resp = req.send(body).unwrap();
    Reply {
        status: resp.status().as_u16(),
        error_type: resp
            .headers()
            .get("x-amzn-errortype")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
        body: resp.body_mut().read_to_string().unwrap(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_and_unknown_requests() {
    let sandbox = drs_sandbox::start(SandboxConfig::default()).await.unwrap();
    let ep = sandbox.endpoint();
    let ep2 = ep.clone();
    tokio::task::spawn_blocking(move || {
        let ep = ep2;
        // Not JSON.
        let r = post(
            &ep,
            "/DescribeSourceServers",
            Some(AUTH_DRS),
            "application/json",
            "{not json",
        );
        assert_eq!(r.status, 400);
        assert_eq!(r.error_type.as_deref(), Some("ValidationException"));
        // Wrong types.
        let r = post(
            &ep,
            "/DescribeSourceServers",
            Some(AUTH_DRS),
            "application/json",
            r#"{"maxResults":"lots"}"#,
        );
        assert_eq!(r.status, 400);
        assert!(r.body.contains("maxResults"), "{}", r.body);
        let r = post(
            &ep,
            "/DescribeSourceServers",
            Some(AUTH_DRS),
            "application/json",
            r#"{"nextToken":"forged"}"#,
        );
        assert_eq!(r.status, 400);
        let r = post(
            &ep,
            "/UpdateLaunchConfiguration",
            Some(AUTH_DRS),
            "application/json",
            r#"{"sourceServerID":"s-1"}"#,
        );
        assert_eq!(r.status, 400);
        assert!(r.body.contains("fieldList"), "{}", r.body);
        // Unknown operation.
        let r = post(
            &ep,
            "/FrobnicateServers",
            Some(AUTH_DRS),
            "application/json",
            "{}",
        );
        assert_eq!(r.status, 400);
        assert_eq!(r.error_type.as_deref(), Some("UnknownOperationException"));
        // No signature at all.
        let r = post(
            &ep,
            "/DescribeSourceServers",
            None,
            "application/json",
            "{}",
        );
        assert_eq!(r.status, 403);
        // EC2: unknown action, bad filter, bad page size — XML errors.
        let r = post(
            &ep,
            "/",
            Some(AUTH_EC2),
            "application/x-www-form-urlencoded",
            "Action=DescribeUnicorns&Version=2016-11-15",
        );
        assert_eq!(r.status, 400);
        assert!(r.body.contains("<Code>InvalidAction</Code>"), "{}", r.body);
        let r = post(
            &ep,
            "/",
            Some(AUTH_EC2),
            "application/x-www-form-urlencoded",
            "Action=DescribeInstances&Filter.1.Name=colour&Filter.1.Value.1=blue",
        );
        assert!(
            r.body.contains("<Code>InvalidParameterValue</Code>"),
            "{}",
            r.body
        );
        let r = post(
            &ep,
            "/",
            Some(AUTH_EC2),
            "application/x-www-form-urlencoded",
            "Action=DescribeInstances&MaxResults=-3",
        );
        assert!(
            r.body.contains("<Code>InvalidParameterValue</Code>"),
            "{}",
            r.body
        );
        // Binary garbage in a form body.
        let r = post(
            &ep,
            "/",
            Some(AUTH_EC2),
            "application/x-www-form-urlencoded",
            "\u{0}\u{1}%%%&&==",
        );
        assert_eq!(r.status, 400);
        // Admin endpoints.
        let stats: serde_json::Value = agent()
            .get(&format!("{ep}/_sandbox/stats"))
            .call()
            .unwrap()
            .body_mut()
            .read_json()
            .unwrap();
        assert!(
            stats["failed"]["drs:FrobnicateServers"].as_u64() == Some(1),
            "{stats}"
        );
        let state: serde_json::Value = agent()
            .get(&format!("{ep}/_sandbox/state"))
            .call()
            .unwrap()
            .body_mut()
            .read_json()
            .unwrap();
        assert_eq!(
            state["accounts"]["111122223333"]["us-west-2"]["sourceServers"],
            40
        );
        let reset = agent()
            .post(&format!("{ep}/_sandbox/reset"))
            .send("")
            .unwrap();
        assert_eq!(reset.status().as_u16(), 200);
        let stats: serde_json::Value = agent()
            .get(&format!("{ep}/_sandbox/stats"))
            .call()
            .unwrap()
            .body_mut()
            .read_json()
            .unwrap();
        assert_eq!(stats["total"], 0);
    })
    .await
    .unwrap();
    // Still serving after all that.
    assert!(ureq::get(&format!("{ep}/_sandbox/stats")).call().is_ok());
    sandbox.stop().await;
}
