//! A protection group's launch settings through the CLI against `sandbox serve`: preview,
//! apply and verify through the AWS CLI (GetLaunchConfiguration and the launch template's
//! default version), drift made behind the app's back and detected, remediation of one
//! server, rollback from the recorded apply, and settings refused before any API call.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use crate::common;
use common::{aws, Cli};
use serde_json::Value;

const WEB01: &str = "s-0005e7a1100000001";
const WEB02: &str = "s-0005e7a1100000002";

const WEB_GROUP: &str = "apiVersion: drs-orchestrator/v1
kind: ProtectionGroup
metadata:
  name: retail-web
spec:
  target: Sandbox
  selector:
    tags: {Application: retail, Tier: web}
  launch:
    launchMode: newInstances
    subnetId: subnet-0d1a2b3c4d5e6f701
    securityGroupIds: [sg-0123456789abcdef0]
    instanceType: m5.xlarge
    launchDisposition: stopped
    copyPrivateIp: false
    copyTags: true
    rightSizing: none
    osByol: false
    recoveryMode: optimal
    drillNetwork:
      subnetId: subnet-0d1d2d3d4d5d6d7d8
      securityGroupIds: [sg-0123456789abcdef3]
  overrides:
    - sourceServerId: s-0005e7a1100000001
      privateIp: 10.20.1.50
      instanceType: r5.large
";

fn changes_of<'a>(preview: &'a Value, server: &str) -> Vec<&'a str> {
    preview["servers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["sourceServerId"] == server)
        .unwrap()["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["field"].as_str().unwrap())
        .collect()
}

fn template_of(endpoint: &str, server: &str) -> Option<Value> {
    let lc = aws(
        endpoint,
        &[
            "drs",
            "get-launch-configuration",
            "--source-server-id",
            server,
        ],
    )?;
    let lt = lc["ec2LaunchTemplateID"].as_str().unwrap().to_string();
    let v = aws(
        endpoint,
        &[
            "ec2",
            "describe-launch-template-versions",
            "--launch-template-id",
            &lt,
            "--versions",
            "$Default",
        ],
    )?;
    Some(v["LaunchTemplateVersions"][0]["LaunchTemplateData"].clone())
}

#[test]
fn preview_apply_verify_drift_remediate_and_roll_back() {
    let sandbox = common::serve(&[]);
    let cli = Cli::new(&sandbox.endpoint);
    cli.import(WEB_GROUP);

    // Preview: ten web servers (tags AND), no conflict, every server differs.
    let p = cli.json(&["group", "preview", "retail-web"], 0);
    assert_eq!(p["members"].as_array().unwrap().len(), 10, "{p}");
    assert_eq!(p["conflicts"], serde_json::json!([]));
    assert_eq!(p["problems"], serde_json::json!([]), "{p}");
    let web01 = changes_of(&p, WEB01);
    for f in [
        "launchDisposition",
        "rightSizing",
        "osByol",
        "recoveryMode",
        "template.instanceType",
        "template.privateIp",
    ] {
        assert!(web01.contains(&f), "{f} in {web01:?}");
    }
    assert!(!changes_of(&p, WEB02).contains(&"template.privateIp"));

    // No terminal and no --yes: nothing is written.
    let r = cli.run(&["group", "apply", "retail-web"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("add --yes"), "{}", r.stderr);

    let a = cli.json(&["group", "apply", "retail-web", "--yes"], 0);
    assert_eq!(a["servers"].as_array().unwrap().len(), 10);
    assert!(a["servers"]
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s["status"] == "applied"));
    let first_apply = a["id"].as_i64().unwrap();
    // What DRS and EC2 hold now, read by an independent client.
    if let Some(lc) = aws(
        &sandbox.endpoint,
        &[
            "drs",
            "get-launch-configuration",
            "--source-server-id",
            WEB01,
        ],
    ) {
        assert_eq!(lc["launchDisposition"], "STOPPED");
        assert_eq!(lc["targetInstanceTypeRightSizingMethod"], "NONE");
        // (recoveryMode is newer than the AWS CLI's model; the drift check below covers it.)
        assert_eq!(lc["licensing"]["osByol"], false);
        assert_eq!(lc["copyTags"], true);
        let t = template_of(&sandbox.endpoint, WEB01).unwrap();
        assert_eq!(t["InstanceType"], "r5.large", "{t}");
        let nic = &t["NetworkInterfaces"][0];
        assert_eq!(nic["SubnetId"], "subnet-0d1a2b3c4d5e6f701");
        assert_eq!(nic["PrivateIpAddress"], "10.20.1.50");
        assert_eq!(nic["Groups"], serde_json::json!(["sg-0123456789abcdef0"]));
        let t2 = template_of(&sandbox.endpoint, WEB02).unwrap();
        assert_eq!(t2["InstanceType"], "m5.xlarge");
    }
    let d = cli.json(&["group", "drift", "retail-web"], 0);
    assert_eq!(
        d["servers"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| !s["changes"].as_array().unwrap().is_empty())
            .count(),
        0,
        "applied: no drift: {d}"
    );

    // Drift behind the app's back: someone starts web-02's instances after launch again.
    if aws(
        &sandbox.endpoint,
        &[
            "drs",
            "update-launch-configuration",
            "--source-server-id",
            WEB02,
            "--launch-disposition",
            "STARTED",
        ],
    )
    .is_some()
    {
        let d = cli.json(&["group", "drift", "retail-web"], 3);
        assert_eq!(changes_of(&d, WEB02), ["launchDisposition"]);
        let text = cli.run(&["group", "drift", "retail-web"]);
        assert_eq!(text.code, 3);
        assert!(
            text.stdout.contains("1 of 10 server(s) differ"),
            "{}",
            text.stdout
        );
        // Remediate that one server only.
        let fix = cli.json(
            &["group", "apply", "retail-web", "--yes", "--server", WEB02],
            0,
        );
        assert_eq!(fix["servers"].as_array().unwrap().len(), 1);
        cli.json(&["group", "drift", "retail-web"], 0);
    }

    // Roll the first apply back from its record.
    let r = cli.json(
        &[
            "group",
            "rollback",
            "retail-web",
            "--apply",
            &first_apply.to_string(),
            "--yes",
        ],
        0,
    );
    assert_eq!(r["rollsBack"], first_apply);
    assert_eq!(r["servers"].as_array().unwrap().len(), 10);
    if let Some(lc) = aws(
        &sandbox.endpoint,
        &[
            "drs",
            "get-launch-configuration",
            "--source-server-id",
            WEB01,
        ],
    ) {
        assert_eq!(lc["launchDisposition"], "STARTED", "back to before");
        assert_eq!(lc["targetInstanceTypeRightSizingMethod"], "BASIC");
        let t = template_of(&sandbox.endpoint, WEB01).unwrap();
        assert!(
            t["NetworkInterfaces"][0].get("PrivateIpAddress").is_none(),
            "the static IP is gone again: {t}"
        );
    }
    let after = cli.json(&["group", "preview", "retail-web"], 0);
    for f in [
        "recoveryMode",
        "osByol",
        "template.instanceType",
        "template.privateIp",
    ] {
        assert!(changes_of(&after, WEB01).contains(&f), "{f} was put back");
    }
    let again = cli.run(&[
        "group",
        "rollback",
        "retail-web",
        "--apply",
        &first_apply.to_string(),
        "--yes",
    ]);
    assert_eq!(again.code, 2);
    assert!(
        again.stderr.contains("already rolled back"),
        "{}",
        again.stderr
    );
    let applies = cli.json(&["group", "applies", "retail-web"], 0);
    assert!(applies.as_array().unwrap().len() >= 2);
    let audit = cli.ok(&["audit", "--subject", "retail-web"]);
    assert!(
        audit.contains("group.apply") && audit.contains("group.rollback"),
        "{audit}"
    );
}

#[test]
fn settings_that_do_not_exist_in_aws_are_refused_before_any_change() {
    let sandbox = common::serve(&[]);
    let cli = Cli::new(&sandbox.endpoint);
    cli.import(
        &WEB_GROUP
            .replace(
                "subnetId: subnet-0d1a2b3c4d5e6f701",
                "subnetId: subnet-0000000000000dead",
            )
            .replace("instanceType: m5.xlarge", "instanceType: m9.huge")
            .replace(
                "securityGroupIds: [sg-0123456789abcdef0]",
                "securityGroupIds: [sg-0000000000000beef]",
            ),
    );
    let p = cli.json(&["group", "preview", "retail-web"], 0);
    let problems: Vec<String> = p["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            format!(
                "{}: {}",
                x["path"].as_str().unwrap(),
                x["message"].as_str().unwrap()
            )
        })
        .collect();
    assert!(
        problems
            .iter()
            .any(|x| x
                .starts_with("launch.subnetId: subnet subnet-0000000000000dead does not exist")),
        "{problems:?}"
    );
    assert!(
        problems
            .iter()
            .any(|x| x.starts_with("launch.instanceType: instance type m9.huge does not exist")),
        "{problems:?}"
    );
    assert!(
        problems.iter().any(|x| x.starts_with(
            "launch.securityGroupIds[0]: security group sg-0000000000000beef does not exist"
        )),
        "{problems:?}"
    );
    let r = cli.run(&["group", "apply", "retail-web", "--yes"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("launch.subnetId"), "{}", r.stderr);
    let stats: Value = ureq::get(&sandbox.admin("stats"))
        .call()
        .unwrap()
        .body_mut()
        .read_json()
        .unwrap();
    assert!(
        stats["calls"]
            .get("drs:UpdateLaunchConfiguration")
            .is_none()
            && stats["calls"]
                .get("ec2:CreateLaunchTemplateVersion")
                .is_none(),
        "nothing was written: {stats}"
    );

    // A static IP given twice is refused when the group is saved.
    let dup = cli.data().join("dup.yaml");
    std::fs::write(
        &dup,
        format!(
            "{WEB_GROUP}    - sourceServerId: s-0005e7a1100000004\n      privateIp: 10.20.1.50\n"
        ),
    )
    .unwrap();
    let r = cli.run(&["group", "import", dup.to_str().unwrap()]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("overrides[1].privateIp"), "{}", r.stderr);
    // A static IP outside its subnet is found against AWS's subnets, before any change.
    cli.import(&format!(
        "{WEB_GROUP}    - sourceServerId: s-0005e7a1100000003\n      privateIp: 10.20.9.9\n"
    ));
    let p = cli.json(&["group", "preview", "retail-web"], 0);
    let text = p["problems"].to_string();
    assert!(
        text.contains("overrides[1].privateIp")
            && text.contains("outside the subnet's range 10.20.1.0/24"),
        "{text}"
    );
    let r = cli.run(&["group", "apply", "retail-web", "--yes"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
}

#[test]
fn a_server_two_groups_select_is_named_and_blocks_the_apply() {
    let sandbox = common::serve(&[]);
    let cli = Cli::new(&sandbox.endpoint);
    cli.import(WEB_GROUP);
    cli.import(
        "apiVersion: drs-orchestrator/v1
kind: ProtectionGroup
metadata:
  name: frontends
spec:
  target: Sandbox
  selector:
    tags: {Tier: web}
",
    );
    let p = cli.json(&["group", "preview", "retail-web"], 0);
    let conflicts = p["conflicts"].as_array().unwrap();
    assert_eq!(conflicts.len(), 10, "{p}");
    assert_eq!(
        conflicts[0]["groups"],
        serde_json::json!(["frontends", "retail-web"])
    );
    let r = cli.run(&["group", "apply", "retail-web", "--yes"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("is selected by protection groups \"frontends\" and \"retail-web\""),
        "{}",
        r.stderr
    );
    // Tags must all match: Tier=web AND Application=nope selects nothing.
    cli.import(
        "apiVersion: drs-orchestrator/v1
kind: ProtectionGroup
metadata:
  name: frontends
spec:
  target: Sandbox
  selector:
    tags: {Tier: web, Application: nope}
",
    );
    let p = cli.json(&["group", "preview", "frontends"], 0);
    assert_eq!(p["members"], serde_json::json!([]));
    let p = cli.json(&["group", "preview", "retail-web"], 0);
    assert_eq!(p["conflicts"], serde_json::json!([]));
}

#[test]
fn a_failure_part_way_leaves_a_record_of_exactly_which_servers_changed() {
    let sandbox = common::serve(&[]);
    let cli = Cli::new(&sandbox.endpoint);
    cli.import(WEB_GROUP);
    const WEB05: &str = "s-0005e7a1100000005";
    let refused = ureq::post(&sandbox.admin(&format!("refuse/UpdateLaunchConfiguration/{WEB05}")))
        .send_empty()
        .unwrap();
    assert!(refused.status().is_success());

    let a = cli.json(&["group", "apply", "retail-web", "--yes"], 1);
    let status = |a: &Value, id: &str| {
        a["servers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["sourceServerId"] == id)
            .unwrap()
            .clone()
    };
    let web05 = status(&a, WEB05);
    assert_eq!(web05["status"], "failed");
    assert!(
        web05["error"].as_str().unwrap().contains("refused"),
        "{web05}"
    );
    assert_eq!(web05["configurationWritten"], false);
    assert_eq!(status(&a, WEB01)["status"], "applied");
    // The stored record says the same, and so does AWS: only web-05 still differs.
    let applies = cli.json(&["group", "applies", "retail-web"], 0);
    let stored = &applies[0];
    assert_eq!(stored["id"], a["id"]);
    let applied = stored["servers"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["status"] == "applied")
        .count();
    assert_eq!(applied, 9);
    let d = cli.json(&["group", "drift", "retail-web"], 3);
    let drifted: Vec<&str> = d["servers"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| !s["changes"].as_array().unwrap().is_empty())
        .map(|s| s["sourceServerId"].as_str().unwrap())
        .collect();
    assert_eq!(drifted, [WEB05]);
    let audit = cli.ok(&["audit", "--subject", "retail-web"]);
    assert!(audit.contains("group.apply"), "{audit}");
    // A rollback puts back the nine that changed and leaves web-05 alone.
    let r = cli.json(
        &[
            "group",
            "rollback",
            "retail-web",
            "--apply",
            &a["id"].to_string(),
            "--yes",
        ],
        0,
    );
    assert_eq!(r["servers"].as_array().unwrap().len(), 9);
}
