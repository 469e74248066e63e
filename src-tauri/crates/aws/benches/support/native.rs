//! Publishing a 500-server, 5-wave plan to DRS's own recovery plans on the sandbox through the
//! real SDK clients, and DRS's drill of it, measured (not asserted).
//!
//! `cargo bench -p drs-aws --bench drill -- native` prints, for the first publish, a publish
//! that finds nothing to change, and a publish after one step was changed in DRS: the DRS calls
//! by operation (the sandbox's counts) and the real time; then the calls the app spends to
//! follow DRS's drill of it (each poll reads the run, its steps' jobs and, once a job has
//! ended, its recovery instances).

use super::{admin, drs_calls, sandbox, setup, TARGET};
use drs_core::native_plan::{self, NativeStepConfig, PublishInput};
use drs_sandbox::FaultConfig;
use std::time::{Duration, Instant};

pub async fn run() {
    let (sb, cloud) = sandbox(FaultConfig::default()).await;
    let ep = sb.endpoint();
    let (plan, groups) = setup();
    let servers = cloud.source_servers().await.unwrap();
    let publication = native_plan::publication(&PublishInput {
        plan: &plan,
        revision: 1,
        groups: &groups,
        target: TARGET,
        servers: &servers,
        launch: &[],
    });
    assert!(
        publication.problems.is_empty(),
        "{:?}",
        publication.problems
    );
    println!(
        "{} servers in {} waves, published as {} SERVER steps, on the sandbox through the AWS SDK over HTTP",
        publication.servers(),
        plan.waves.len(),
        publication.steps.len()
    );
    let measure = |label: &'static str| {
        let ep = ep.clone();
        async move {
            admin(&ep, "POST", "/_sandbox/stats/clear").await;
            (label, Instant::now(), ep)
        }
    };
    for round in [
        "first publish",
        "publish again (nothing to change)",
        "publish after a change in DRS",
    ] {
        if round == "publish after a change in DRS" {
            let copy = native_plan::find_copy(cloud.as_ref(), &publication.native_name, &mut 0)
                .await
                .unwrap()
                .unwrap();
            let mut changed = copy.steps[2].clone();
            if let NativeStepConfig::Servers { servers } = &mut changed.config {
                servers.truncate(50);
            }
            cloud
                .update_native_step(changed.arn.as_deref().unwrap(), &changed)
                .await
                .unwrap();
        }
        let (label, start, ep) = measure(round).await;
        let outcome = native_plan::publish(cloud.as_ref(), &publication)
            .await
            .unwrap();
        let took = start.elapsed();
        let (total, by_op) = drs_calls(&admin(&ep, "GET", "/_sandbox/stats").await);
        let ops: Vec<String> = by_op
            .iter()
            .filter(|(op, _)| op.starts_with("drs:"))
            .map(|(op, n)| format!("{} {n}", op.trim_start_matches("drs:")))
            .collect();
        println!(
            "{label}: {total} DRS calls ({}), {} steps added, {} rewritten, {} removed, {:.0} ms; DRS's copy then {:?}",
            ops.join(", "),
            outcome.steps_created,
            outcome.steps_updated,
            outcome.steps_deleted,
            took.as_secs_f64() * 1000.0,
            outcome.after.state
        );
    }
    // DRS's drill of it, followed as the app follows it (a poll every 2 s of real time).
    let copy = native_plan::find_copy(cloud.as_ref(), &publication.native_name, &mut 0)
        .await
        .unwrap()
        .unwrap();
    admin(&ep, "POST", "/_sandbox/stats/clear").await;
    let start = Instant::now();
    let run = cloud
        .start_native_execution(&copy.arn, true, &Default::default(), "bench-native")
        .await
        .unwrap();
    let mut polls = 0;
    loop {
        tokio::time::sleep(Duration::from_secs(2)).await;
        polls += 1;
        let r = cloud.native_execution(&run.arn).await.unwrap();
        let ids = r.job_ids();
        let jobs = cloud.jobs(&ids).await.unwrap();
        let ended: Vec<String> = jobs
            .iter()
            .filter(|j| j.status == drs_core::jobs::JobStatus::Completed)
            .flat_map(|j| j.servers.iter().map(|s| s.source_server_id.clone()))
            .collect();
        if !ended.is_empty() {
            cloud.recovery_instances_of(&ended).await.unwrap();
        }
        if r.is_final() {
            let (total, _) = drs_calls(&admin(&ep, "GET", "/_sandbox/stats").await);
            println!(
                "DRS's drill of it: {} after {:.1} s real ({polls} polls), {total} DRS calls to follow it ({:.1} per poll)",
                r.status,
                start.elapsed().as_secs_f64(),
                total as f64 / f64::from(polls)
            );
            break;
        }
    }
}
