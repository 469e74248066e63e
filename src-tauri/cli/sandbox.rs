//! `drs-orchestrator sandbox serve`: the simulated AWS estate on its own, for the AWS CLI and
//! other tools (`--endpoint-url`).

use super::output::Output;
use super::Failure;
use clap::{Args, Subcommand};
use drs_sandbox::{FaultConfig, SandboxConfig, Scenario};

/// Sandbox subcommands.
#[derive(Debug, Subcommand)]
pub enum SandboxCommand {
    /// Serve the sandbox on 127.0.0.1 until interrupted (Ctrl-C).
    Serve(ServeArgs),
}

fn rate(s: &str) -> Result<f64, String> {
    let v: f64 = s.parse().map_err(|_| format!("\"{s}\" is not a number"))?;
    if (0.0..=1.0).contains(&v) {
        Ok(v)
    } else {
        Err(format!("{v} is not a probability between 0 and 1"))
    }
}

fn scale(s: &str) -> Result<f64, String> {
    let v: f64 = s.parse().map_err(|_| format!("\"{s}\" is not a number"))?;
    if v > 0.0 && v <= 100_000.0 {
        Ok(v)
    } else {
        Err(format!("{v} must be above 0 and at most 100000"))
    }
}

/// `sandbox serve` options.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Built-in scenario name (retail) or a scenario YAML file.
    #[arg(long, default_value = "retail", value_name = "NAME|FILE")]
    scenario: String,
    /// Simulated seconds per real second (60 = a simulated minute per second).
    #[arg(long, default_value_t = 60.0, value_parser = scale)]
    time_scale: f64,
    /// Probability that a request is throttled (0–1).
    #[arg(long, default_value_t = 0.0, value_parser = rate, value_name = "P")]
    throttle_rate: f64,
    /// Probability that a request fails with a 5xx (0–1).
    #[arg(long, default_value_t = 0.0, value_parser = rate, value_name = "P")]
    error_rate: f64,
    /// Latency added to every request, in milliseconds.
    #[arg(long, default_value_t = 0, value_name = "N")]
    latency_ms: u64,
    /// Seed for injected faults and simulated durations.
    #[arg(long, default_value_t = 42, value_name = "N")]
    seed: u64,
}

/// Runs `sandbox serve` until Ctrl-C.
pub fn run(cmd: &SandboxCommand, out: &Output) -> Result<u8, Failure> {
    let SandboxCommand::Serve(args) = cmd;
    let scenario = Scenario::load(&args.scenario).map_err(|e| Failure::invalid(e.to_string()))?;
    let runtime = tokio::runtime::Runtime::new()
        .map_err(|e| Failure::runtime(format!("cannot start the async runtime: {e}")))?;
    runtime.block_on(async {
        let name = scenario.name.clone();
        let running = drs_sandbox::start(SandboxConfig {
            port: args.port,
            scenario,
            time_scale: args.time_scale,
            faults: FaultConfig {
                throttle_rate: args.throttle_rate,
                error_rate: args.error_rate,
                latency_ms: args.latency_ms,
            },
            seed: args.seed,
            admin_token: None,
        })
        .await
        .map_err(|e| Failure::runtime(e.to_string()))?;
        let endpoint = running.endpoint();
        let keys = running.credentials();
        let token = running.admin_token().to_string();
        out.value(&serde_json::json!({ "endpoint": endpoint, "scenario": name, "accounts": keys, "adminToken": token }), || {
            let mut s = format!(
                "DRS Orchestrator sandbox: scenario \"{name}\", time scale {}x, listening on {endpoint}\n\nAccounts (any secret is accepted; signatures are not verified):\n",
                args.time_scale
            );
            for k in &keys {
                s.push_str(&format!(
                    "  {}  {:<20}  AWS_ACCESS_KEY_ID={}  AWS_SECRET_ACCESS_KEY={}\n",
                    k.account_id, k.name, k.access_key_id, k.secret_access_key
                ));
            }
            if let Some(k) = keys.first() {
                s.push_str(&format!(
                    "\nTry:\n  AWS_ACCESS_KEY_ID={} AWS_SECRET_ACCESS_KEY=x aws --endpoint-url {endpoint} --region us-west-2 drs describe-source-servers\n",
                    k.access_key_id
                ));
            }
            s.push_str(&format!(
                "\nAdmin (this run's token in an x-sandbox-token header or ?token=): GET /_sandbox/stats, GET /_sandbox/state, POST /_sandbox/reset\n  curl '{endpoint}/_sandbox/stats?token={token}'\nOnly requests to 127.0.0.1/localhost are answered. Press Ctrl-C to stop."
            ));
            s
        });
        let _ = tokio::signal::ctrl_c().await;
        running.stop().await;
        Ok(0)
    })
}
