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
    let token = sandbox.admin_token().to_string();
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
            .get(&format!("{ep}/_sandbox/stats?token={token}"))
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
            .get(&format!("{ep}/_sandbox/state?token={token}"))
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
            .post(&format!("{ep}/_sandbox/reset?token={token}"))
            .send("")
            .unwrap();
        assert_eq!(reset.status().as_u16(), 200);
        let stats: serde_json::Value = agent()
            .get(&format!("{ep}/_sandbox/stats?token={token}"))
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
    assert!(ureq::get(&sandbox.admin_url("stats")).call().is_ok());
    sandbox.stop().await;
}

/// Defence in depth: only loopback names, only the sandbox's own keys, admin only with the
/// run's token (the clock stays public: the engine reads it).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn foreign_hosts_unknown_keys_and_tokenless_admin_are_refused() {
    let sandbox = drs_sandbox::start(SandboxConfig::default()).await.unwrap();
    let ep = sandbox.endpoint();
    let token = sandbox.admin_token().to_string();
    let port = sandbox.addr().port();
    tokio::task::spawn_blocking(move || {
        let call = |path: &str, host: Option<String>, auth: &str| {
            let mut req = agent()
                .post(&format!("{ep}{path}"))
                .header("content-type", "application/json")
                .header("authorization", auth);
            if let Some(h) = host {
                req = req.header("host", &h);
            }
            let mut resp = req.send("{}").unwrap();
            (
                resp.status().as_u16(),
                resp.body_mut().read_to_string().unwrap(),
            )
        };
        // A page that re-pointed its own name at 127.0.0.1 (DNS rebinding) is refused.
        let (status, body) = call(
            "/DescribeSourceServers",
            Some(format!("attacker.example:{port}")),
            AUTH_DRS,
        );
        assert_eq!(status, 403, "{body}");
        assert!(body.contains("attacker.example"), "{body}");
        for host in [format!("localhost:{port}"), format!("127.0.0.1:{port}")] {
            assert_eq!(call("/DescribeSourceServers", Some(host), AUTH_DRS).0, 200);
        }
        // A key the sandbox did not hand out is refused.
        let (status, body) = call(
            "/DescribeSourceServers",
            None,
            "AWS4-HMAC-SHA256 Credential=AKIAREALPRODUCTIONKEY/20261126/us-west-2/drs/aws4_request, SignedHeaders=host, Signature=0",
        );
        assert_eq!(status, 403, "{body}");
        // Admin: refused without the token or with another one, served with it.
        for url in [
            format!("{ep}/_sandbox/stats"),
            format!("{ep}/_sandbox/state?token=guess"),
            format!("{ep}/_sandbox/reset"),
        ] {
            let r = agent().get(&url).call().unwrap();
            assert_eq!(r.status().as_u16(), 403, "{url}");
        }
        let refused = agent()
            .post(&format!("{ep}/_sandbox/reset"))
            .send("")
            .unwrap();
        assert_eq!(refused.status().as_u16(), 403);
        let with_header = agent()
            .get(&format!("{ep}/_sandbox/stats"))
            .header("x-sandbox-token", &token)
            .call()
            .unwrap();
        assert_eq!(with_header.status().as_u16(), 200);
        let clock = agent().get(&format!("{ep}/_sandbox/clock")).call().unwrap();
        assert_eq!(clock.status().as_u16(), 200, "the clock is public");
    })
    .await
    .unwrap();
    sandbox.stop().await;
}
