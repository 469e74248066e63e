//! `drs-orchestrator schedule run` (what is due now, once: for cron) and `drs-orchestrator
//! daemon` (the loops the window runs in the background, without a window).

use super::{Cx, Failure};
use clap::Subcommand;

/// Schedule subcommands.
#[derive(Debug, Subcommand)]
pub enum ScheduleCommand {
    /// Run the report schedule and the tag-sync schedule if they are due now.
    Run,
}

/// `schedule run`.
pub fn run(cmd: &ScheduleCommand, cx: &Cx) -> Result<u8, Failure> {
    let ScheduleCommand::Run = cmd;
    let (report, tags) = cx.block_on(cx.app.run_due_schedules());
    let failed = report.as_ref().is_some_and(|r| !r.errors.is_empty())
        || tags.as_ref().is_some_and(|t| !t.errors.is_empty());
    cx.out.value(
        &serde_json::json!({ "report": report, "tags": tags }),
        || {
            let mut s = String::new();
            match &report {
                Some(r) => s.push_str(&format!(
                    "report schedule: wrote {} file(s){}\n",
                    r.files.len(),
                    if r.errors.is_empty() {
                        String::new()
                    } else {
                        format!("; failed: {}", r.errors.join("; "))
                    }
                )),
                None => s.push_str("report schedule: not due (or not set)\n"),
            }
            match &tags {
                Some(t) => s.push_str(&format!(
                    "tag sync schedule: tagged {} server(s){}\n",
                    t.written,
                    if t.errors.is_empty() {
                        String::new()
                    } else {
                        format!("; failed: {}", t.errors.join("; "))
                    }
                )),
                None => s.push_str("tag sync schedule: not due (or not set)\n"),
            }
            s
        },
    );
    Ok(if failed { 1 } else { 0 })
}

/// `daemon`: runs the background loops until Ctrl-C.
pub fn daemon(cx: &Cx) -> Result<u8, Failure> {
    cx.out.note(&format!(
        "running the schedules, the health monitor and the follower of executions on {} (Ctrl-C stops)",
        cx.app.data_dir().display()
    ));
    cx.block_on(async {
        cx.app.spawn_background();
        let _ = tokio::signal::ctrl_c().await;
    });
    Ok(0)
}
