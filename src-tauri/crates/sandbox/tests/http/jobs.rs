//! Job quotas and drill-instance replacement, over the DRS wire protocol.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use drs_sandbox::scenario::{GenerateSpec, Scenario, RETAIL_PROD_ACCOUNT};
use drs_sandbox::SandboxConfig;
use serde_json::{json, Value};

const AUTH: &str = "AWS4-HMAC-SHA256 Credential=AKIASANDBOXPROD00001/20261126/us-west-2/drs/aws4_request, SignedHeaders=host, Signature=0";

fn drs(ep: &str, op: &str, body: Value) -> (u16, Value) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut resp = agent
        .post(&format!("{ep}/{op}"))
        .header("authorization", AUTH)
        .header("content-type", "application/json")
        .send(body.to_string())
        .unwrap();
    (
        resp.status().as_u16(),
        resp.body_mut().read_json().unwrap_or(Value::Null),
    )
}

fn server_ids(ep: &str) -> Vec<String> {
    let mut ids = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut body = json!({ "maxResults": 1000 });
        if let Some(t) = &token {
            body["nextToken"] = json!(t);
        }
        let (_, v) = drs(ep, "DescribeSourceServers", body);
        ids.extend(
            v["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["sourceServerID"].as_str().unwrap().to_string()),
        );
        match v["nextToken"].as_str() {
            Some(t) => token = Some(t.to_string()),
            None => return ids,
        }
    }
}

fn start(ep: &str, ids: &[String], drill: bool) -> (u16, Value) {
    let servers: Vec<Value> = ids
        .iter()
        .map(|id| json!({ "sourceServerID": id }))
        .collect();
    drs(
        ep,
        "StartRecovery",
        json!({ "sourceServers": servers, "isDrill": drill }),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_job_and_active_server_quotas() {
    let mut scenario = Scenario::retail();
    scenario.generate = Some(GenerateSpec {
        account: RETAIL_PROD_ACCOUNT.into(),
        region: "us-west-2".into(),
        source_servers: 600,
        instances: 0,
    });
    // Time scale 1: jobs stay active for minutes, long enough to fill the quotas.
    let sandbox = drs_sandbox::start(SandboxConfig {
        scenario,
        time_scale: 1.0,
        ..Default::default()
    })
    .await
    .unwrap();
    let ep = sandbox.endpoint();
    tokio::task::spawn_blocking(move || {
        let ids = server_ids(&ep);
        assert_eq!(ids.len(), 640);
        // 500 servers in active jobs: five full jobs, then one more server is refused.
        for chunk in ids[..500].chunks(100) {
            assert_eq!(start(&ep, chunk, true).0, 202);
        }
        let (status, v) = start(&ep, &ids[500..501], true);
        assert_eq!(status, 402);
        assert!(
            v["message"]
                .as_str()
                .unwrap()
                .contains("At most 500 source servers"),
            "{v}"
        );
        // The 20-jobs quota is checked on a fresh sandbox below.
    })
    .await
    .unwrap();

    let sandbox2 = drs_sandbox::start(SandboxConfig {
        time_scale: 1.0,
        ..Default::default()
    })
    .await
    .unwrap();
    let ep2 = sandbox2.endpoint();
    tokio::task::spawn_blocking(move || {
        let ids = server_ids(&ep2);
        for id in &ids[..20] {
            assert_eq!(start(&ep2, std::slice::from_ref(id), true).0, 202);
        }
        let (status, v) = start(&ep2, &ids[20..21], true);
        assert_eq!(status, 402, "{v}");
        assert!(
            v["message"].as_str().unwrap().contains("At most 20 jobs"),
            "{v}"
        );
        // The jobs are PENDING or STARTED, never FAILED (DRS has no such job status).
        let (_, jobs) = drs(&ep2, "DescribeJobs", json!({}));
        for j in jobs["items"].as_array().unwrap() {
            assert!(
                ["PENDING", "STARTED"].contains(&j["status"].as_str().unwrap()),
                "{j}"
            );
        }
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_drill_replaces_the_previous_drill_instance() {
    let sandbox = drs_sandbox::start(SandboxConfig {
        time_scale: 5000.0,
        ..Default::default()
    })
    .await
    .unwrap();
    let ep = sandbox.endpoint();
    tokio::task::spawn_blocking(move || {
        let id = server_ids(&ep).into_iter().next().unwrap();
        let wait = |job: &str| {
            for _ in 0..200 {
                let (_, v) = drs(
                    &ep,
                    "DescribeJobs",
                    json!({ "filters": { "jobIDs": [job] } }),
                );
                if v["items"][0]["status"] == "COMPLETED" {
                    return v["items"][0].clone();
                }
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            panic!("job {job} did not complete");
        };
        let (_, first) = start(&ep, std::slice::from_ref(&id), true);
        let first = wait(first["job"]["jobID"].as_str().unwrap());
        let old = first["participatingServers"][0]["recoveryInstanceID"]
            .as_str()
            .unwrap()
            .to_string();
        let (_, second) = start(&ep, std::slice::from_ref(&id), true);
        let second = wait(second["job"]["jobID"].as_str().unwrap());
        let new = second["participatingServers"][0]["recoveryInstanceID"]
            .as_str()
            .unwrap()
            .to_string();
        assert_ne!(old, new);
        let (_, ris) = drs(
            &ep,
            "DescribeRecoveryInstances",
            json!({ "filters": { "sourceServerIDs": [id] } }),
        );
        let items = ris["items"].as_array().unwrap();
        assert_eq!(
            items.len(),
            1,
            "only the newest drill instance remains: {ris}"
        );
        assert_eq!(items[0]["recoveryInstanceID"], new.as_str());
    })
    .await
    .unwrap();
}
