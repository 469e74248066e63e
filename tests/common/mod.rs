//! Shared by the integration tests: a `drs-orchestrator sandbox serve` on a free port, stopped
//! when dropped.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// A running `sandbox serve`.
pub struct Serve {
    pub child: Child,
    pub endpoint: String,
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `drs-orchestrator sandbox serve` on a free port with `extra` options and waits for it
/// to print its endpoint.
pub fn serve(extra: &[&str]) -> Serve {
    let mut child = Command::new(env!("CARGO_BIN_EXE_drs-orchestrator"))
        .args(["--json", "sandbox", "serve", "--port", "0"])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut text = String::new();
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        text.push_str(&line);
        if line == "}" {
            break;
        }
    }
    let v: Value = serde_json::from_str(&text).unwrap();
    Serve {
        child,
        endpoint: v["endpoint"].as_str().unwrap().to_string(),
    }
}
