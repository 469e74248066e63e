//! Runs the engine's deterministic simulation over many seeds and prints what it did:
//!
//! ```sh
//! cargo run --release -p drs-core --features simulation --example simulate -- --seeds 5000
//! cargo run --release -p drs-core --features simulation --example simulate -- --seed 1234
//! ```
//!
//! Exit code 1 when a seed broke an invariant (each is printed with how to replay it).

use drs_core::execution::simulation::{run_many, run_traced};
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse::<u64>().ok())
    };
    if let Some(seed) = value("--seed") {
        let r = run_traced(seed, true);
        for line in &r.trace {
            println!("{line}");
        }
        println!(
            "seed {seed}: {:?} of {} servers, status {:?}; {} ticks, {} calls, {} faults, {} crashes, {} fenced, {} jumps",
            r.kind, r.servers, r.status, r.ticks, r.calls, r.faults, r.crashes, r.fenced, r.jumps
        );
        for v in &r.violations {
            println!("VIOLATION: {v}");
        }
        std::process::exit(i32::from(!r.violations.is_empty()));
    }
    let count = value("--seeds").unwrap_or(1000);
    let first = value("--from").unwrap_or(0);
    let t = Instant::now();
    let (failing, total) = run_many(first..first + count);
    let secs = t.elapsed().as_secs_f64();
    println!(
        "{count} seeds in {secs:.1} s ({:.0} seeds/min): {} engine ticks, {} cloud calls, {} faults injected ({:.0}/min), {} crashes, {} fenced, {} clock jumps, {} servers",
        count as f64 / secs * 60.0,
        total.ticks,
        total.calls,
        total.faults,
        total.faults as f64 / secs * 60.0,
        total.crashes,
        total.fenced,
        total.jumps,
        total.servers
    );
    for r in &failing {
        println!(
            "seed {}: {}\n  {}",
            r.seed,
            r.violations.join("\n  "),
            r.replay_hint()
        );
    }
    if !failing.is_empty() {
        println!("{} of {count} seeds broke an invariant", failing.len());
        std::process::exit(1);
    }
}
