//! EC2 → DRS tag sync through the CLI against `sandbox serve`: a dry run writes nothing, the
//! sync writes new tags and changed values (read back with the AWS CLI), a second run finds
//! everything in line, and the sync is audited.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use crate::common;
use common::{aws, Cli};
use serde_json::Value;

fn server<'a>(inventory: &'a Value, name: &str) -> &'a Value {
    inventory["sourceServers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
        .unwrap()
}

fn drs_tags(endpoint: &str, arn: &str) -> Option<Value> {
    aws(
        endpoint,
        &["drs", "list-tags-for-resource", "--resource-arn", arn],
    )
    .map(|v| v["tags"].clone())
}

#[test]
fn a_dry_run_then_a_sync_of_instance_tags_onto_source_servers() {
    let sandbox = common::serve(&[]);
    let cli = Cli::new(&sandbox.endpoint);
    let inventory = cli.json(&["inventory"], 0);
    let db01 = server(&inventory, "retail-db-01")["arn"]
        .as_str()
        .unwrap()
        .to_string();
    let web01 = server(&inventory, "retail-web-01")["arn"]
        .as_str()
        .unwrap()
        .to_string();

    let dry = cli.json(&["tags", "sync", "--dry-run"], 0);
    let plan = &dry[0]["plan"];
    assert_eq!(dry[0]["target"], "Sandbox");
    assert_eq!(plan["servers"].as_array().unwrap().len(), 40, "{plan}");
    let db = plan["servers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "retail-db-01")
        .unwrap();
    assert_eq!(db["add"]["Owner"], "team-db");
    assert_eq!(db["change"][0]["key"], "CostCenter");
    assert_eq!(db["change"][0]["before"], "CC-4410");
    assert_eq!(db["change"][0]["after"], "CC-5520");
    assert_eq!(dry[0]["written"], 0);
    if let Some(tags) = drs_tags(&sandbox.endpoint, &db01) {
        assert!(
            tags.get("Owner").is_none(),
            "a dry run writes nothing: {tags}"
        );
    }

    let done = cli.json(&["tags", "sync"], 0);
    assert_eq!(done[0]["written"], 40);
    if let Some(tags) = drs_tags(&sandbox.endpoint, &db01) {
        assert_eq!(tags["Owner"], "team-db");
        assert_eq!(tags["CostCenter"], "CC-5520");
        assert_eq!(tags["Tier"], "db", "tags already there are kept");
    }
    if let Some(tags) = drs_tags(&sandbox.endpoint, &web01) {
        assert_eq!(tags["Owner"], "team-web");
    }
    let again = cli.json(&["tags", "sync", "--dry-run", "--target", "Sandbox"], 0);
    assert_eq!(again[0]["plan"]["servers"], serde_json::json!([]));
    assert_eq!(again[0]["plan"]["inLine"], 40);
    let audit = cli.ok(&["audit", "--subject", "Sandbox"]);
    assert!(audit.contains("tags.sync"), "{audit}");

    let r = cli.run(&["tags", "sync", "--target", "nope"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("nope"), "{}", r.stderr);
    let text = cli.run(&["tags", "sync", "--dry-run"]);
    assert!(
        text.stdout
            .contains("0 server(s) to tag, 40 already in line"),
        "{}",
        text.stdout
    );
}
