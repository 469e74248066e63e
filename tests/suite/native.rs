//! DRS's own recovery plans through the CLI against `sandbox serve`, the AWS CLI playing the
//! console: a plan previewed (what DRS cannot express listed), published, published again
//! (nothing written), changed in "the console", the change shown, updated back; DRS's run of it
//! started from the app as a drill, followed into the history with each server's instance and
//! reported; a run started in the console adopted and followed; the DRS plan imported as an
//! app plan; the gates of a native run (confirmation, no drive by the engine, no overlap).

#![allow(clippy::expect_used, clippy::unwrap_used)]

use crate::common::{self, aws, Cli};
use crate::executions::{serve, DrillCli};
use serde_json::Value;

const PLAN: &str = "apiVersion: drs-orchestrator/v1
kind: RecoveryPlan
metadata:
  name: shop-native
spec:
  rtoTargetMinutes: 60
  waves:
    - name: data
      groups: [retail-db, retail-cache]
      after:
        - name: let the database settle
          kind: wait
          minutes: 3
    - name: application
      groups: [retail-app]
      approvalRequired: true
";

fn steps(endpoint: &str, arn: &str) -> Vec<Value> {
    aws(
        endpoint,
        &[
            "drs",
            "list-recovery-plan-steps",
            "--recovery-plan-arn",
            arn,
        ],
    )
    .unwrap()["recoveryPlanSteps"]
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn a_plan_published_to_drs_is_changed_in_the_console_updated_run_there_and_reported() {
    let sandbox = serve(&[]);
    let ep = sandbox.endpoint.as_str();
    let cli = Cli::new(ep);
    cli.import(PLAN);

    // Preview: steps in order, a wait step as DRS's WAIT, what DRS cannot do; not published.
    let p = cli.json(&["plan", "publish", "shop-native", "--check"], 3);
    assert_eq!(p["drift"]["state"], "notPublished");
    let names: Vec<&str> = p["publication"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["data", "data let the database settle", "application"]
    );
    assert_eq!(p["publication"]["steps"][1]["config"]["minutes"], 3);
    let gaps = p["publication"]["gaps"].as_array().unwrap();
    assert!(
        gaps.iter()
            .any(|g| g["wave"] == "application" && g["item"] == "approval"),
        "{gaps:?}"
    );

    // Publish: the AWS CLI reads the plan, its steps and the app's tags.
    let out = cli.json(&["plan", "publish", "shop-native"], 0);
    assert_eq!(out["created"], true);
    assert_eq!(out["stepsCreated"], 3);
    assert_eq!(out["after"]["state"], "inSync");
    let arn = out["arn"].as_str().unwrap().to_string();
    let Some(plan) = aws(
        ep,
        &["drs", "get-recovery-plan", "--recovery-plan-arn", &arn],
    ) else {
        return;
    };
    assert_eq!(plan["recoveryPlan"]["name"], "shop-native");
    assert_eq!(
        plan["recoveryPlan"]["tags"]["drs-orchestrator:plan"],
        "shop-native"
    );
    let listed = steps(ep, &arn);
    assert_eq!(listed.len(), 3);
    assert_eq!(
        listed[0]["configuration"]["serverStepConfiguration"]["servers"]
            .as_array()
            .unwrap()
            .len(),
        10,
        "6 databases and 4 caches"
    );
    assert_eq!(
        listed[1]["configuration"]["waitStepConfiguration"]["waitDurationMinutes"],
        3
    );

    // Publishing again writes no step.
    let again = cli.json(&["plan", "publish", "shop-native"], 0);
    assert_eq!(again["created"], false);
    assert_eq!(
        (
            again["stepsCreated"].clone(),
            again["stepsUpdated"].clone(),
            again["stepsDeleted"].clone()
        ),
        (0.into(), 0.into(), 0.into())
    );
    assert_eq!(again["arn"], arn.as_str());

    // Someone shortens the wait in the console: the app says what differs.
    let wait_step = listed[1]["recoveryPlanStepArn"].as_str().unwrap();
    aws(
        ep,
        &[
            "drs",
            "update-recovery-plan-step",
            "--recovery-plan-step-arn",
            wait_step,
            "--configuration",
            r#"{"waitStepConfiguration":{"waitDurationMinutes":1}}"#,
        ],
    );
    let drift = cli.json(&["plan", "publish", "shop-native", "--check"], 3);
    assert_eq!(drift["drift"]["state"], "changedInDrs");
    assert_eq!(drift["drift"]["publishedRevision"], 1);
    let diff = drift["drift"]["differences"].as_array().unwrap();
    assert_eq!(diff.len(), 1, "{diff:?}");
    assert!(
        diff[0]
            .as_str()
            .unwrap()
            .contains("waits 1 min in DRS; the plan's waits 3 min"),
        "{diff:?}"
    );

    // Update: one step rewritten, DRS's copy matches again.
    let update = cli.json(&["plan", "publish", "shop-native"], 0);
    assert_eq!(update["stepsUpdated"], 1);
    assert_eq!(update["after"]["state"], "inSync");
    assert_eq!(
        steps(ep, &arn)[1]["configuration"]["waitStepConfiguration"]["waitDurationMinutes"],
        3
    );

    // A real recovery through DRS needs the plan's name typed.
    let r = cli.run(&["native", "recover", "--plan", "shop-native"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("typed again"), "{}", r.stderr);

    // A native drill from the app, followed to its end.
    let r = cli.run(&[
        "native",
        "drill",
        "--plan",
        "shop-native",
        "--override-readiness",
    ]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    let id = cli.executions()[0]["id"].as_str().unwrap().to_string();
    let e = cli.execution(&id);
    assert_eq!(e["status"], "completed");
    // DRS's drill ended, the app cleaned up its own jobs' instances, as after any drill.
    assert_eq!(e["cleanup"]["status"], "verified", "{}", e["cleanup"]);
    assert_eq!(e["cleanup"]["items"].as_array().unwrap().len(), 22);
    assert_eq!(e["native"]["drsDone"], true);
    assert_eq!(e["kind"], "drill");
    let run_arn = e["native"]["executionArn"].as_str().unwrap().to_string();
    assert_eq!(e["native"]["startedByApp"], true);
    let waves = e["waves"].as_array().unwrap();
    assert_eq!(waves.len(), 3);
    assert_eq!(
        waves[1]["name"],
        "data let the database settle (wait 3 min)"
    );
    let servers: Vec<&Value> = waves
        .iter()
        .flat_map(|w| w["servers"].as_array().unwrap())
        .collect();
    assert_eq!(
        servers.len(),
        22,
        "10 data servers and 12 application servers"
    );
    assert!(
        servers
            .iter()
            .all(|s| s["status"] == "launched" && s["ec2InstanceId"].as_str().is_some()),
        "{servers:?}"
    );
    assert_eq!(
        e["batches"].as_array().unwrap().len(),
        2,
        "one job per SERVER step"
    );
    // DRS's own view of the run: completed, tagged with the app's execution.
    let run = aws(
        ep,
        &[
            "drs",
            "get-recovery-plan-execution",
            "--recovery-plan-execution-arn",
            &run_arn,
        ],
    )
    .unwrap();
    assert_eq!(run["recoveryPlanExecution"]["status"], "COMPLETED");
    assert_eq!(run["recoveryPlanExecution"]["mode"], "DRILL");
    assert_eq!(
        run["recoveryPlanExecution"]["tags"]["drs-orchestrator:execution"],
        id.as_str()
    );
    // The drill report is made from it like any other.
    let pdf = cli.data().join("native.pdf");
    cli.ok(&[
        "report",
        "drill",
        "--execution",
        &id,
        "--out",
        pdf.to_str().unwrap(),
    ]);
    if let Some(text) = common::pdf_text(&pdf) {
        assert!(text.contains("retail-db-01"), "{text}");
        assert!(text.contains("22/22"), "{text}");
    }

    // A drill started in the console: adopted into the history, then followed to its end.
    aws(
        ep,
        &[
            "drs",
            "start-recovery-plan-execution",
            "--recovery-plan-arn",
            &arn,
            "--mode",
            "DRILL",
        ],
    );
    let adopted = cli.json(&["native", "adopt", "--plan", "shop-native"], 0);
    let adopted = adopted.as_array().unwrap();
    assert_eq!(
        adopted.len(),
        1,
        "only the console's run is new: {adopted:?}"
    );
    let other = adopted[0].as_str().unwrap();
    let r = cli.run(&["native", "follow", other]);
    assert_eq!(
        r.code, 3,
        "waits for the cleanup's confirmation\n{}\n{}",
        r.stdout, r.stderr
    );
    let followed = cli.execution(other);
    assert_eq!(followed["startedBy"], "DRS console");
    assert_eq!(followed["native"]["startedByApp"], false);
    // A drill someone else started is not cleaned up without asking.
    assert_eq!(
        followed["cleanup"]["status"], "awaitingConfirmation",
        "{}",
        followed["cleanup"]
    );
    let r = cli.run(&["cleanup", "--execution", other]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    let cleaned = cli.execution(other);
    assert_eq!(cleaned["status"], "completed");
    assert_eq!(cleaned["cleanup"]["status"], "verified");
    let history = cli.json(&["executions", "list"], 0);
    assert_eq!(history.as_array().unwrap().len(), 2);

    // The DRS plan imported as an app plan: one wave (and group) per SERVER step.
    let imported = cli.json(
        &[
            "native", "import", "--target", "Sandbox", "--arn", &arn, "--name", "from-drs",
        ],
        0,
    );
    assert_eq!(imported["plan"]["waves"].as_array().unwrap().len(), 2);
    assert_eq!(imported["plan"]["waves"][1]["before"][0]["minutes"], 3);
    let shown = cli.json(&["plan", "show", "from-drs"], 0);
    assert_eq!(shown["plan"]["plan"]["waves"][0]["groups"][0], "from-drs-1");
    // Importing it again under the same name saves nothing.
    let r = cli.run(&[
        "native", "import", "--target", "Sandbox", "--arn", &arn, "--name", "from-drs",
    ]);
    assert_eq!(r.code, 2, "{}", r.stderr);

    // An identity without drs:CreateRecoveryPlan: the refusal names the action and the
    // feature, and nothing is created.
    let other = PLAN.replace("shop-native", "other-native");
    cli.import(&other);
    let denied = ureq::post(&sandbox.admin("refuse/CreateRecoveryPlan/*"))
        .send_empty()
        .unwrap();
    assert_eq!(denied.status(), 200);
    let r = cli.run(&["plan", "publish", "other-native"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("lacks the IAM action drs:CreateRecoveryPlan (needed by: native)"),
        "{}",
        r.stderr
    );
    let plans = aws(ep, &["drs", "list-recovery-plans"]).unwrap();
    assert_eq!(plans["recoveryPlans"].as_array().unwrap().len(), 1);
}
