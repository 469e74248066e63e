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

/// The text of a PDF (poppler's `pdftotext -layout`), after checking that every page renders
/// (`pdftoppm`); `None` when poppler is missing outside the full test run.
#[allow(dead_code)]
pub fn pdf_text(path: &std::path::Path) -> Option<String> {
    let p = path.to_str().unwrap();
    let out = match Command::new("pdftotext").args(["-layout", p, "-"]).output() {
        Ok(o) => o,
        Err(e) => {
            assert!(
                std::env::var("DRS_E2E").as_deref() != Ok("1"),
                "pdftotext is missing: {e}"
            );
            return None;
        }
    };
    assert!(out.status.success(), "pdftotext {p}");
    let dir = tempfile::tempdir().unwrap();
    let render = Command::new("pdftoppm")
        .args(["-r", "30", "-png", p])
        .arg(dir.path().join("page"))
        .output()
        .unwrap();
    assert!(
        render.status.success(),
        "pdftoppm {p}: {}",
        String::from_utf8_lossy(&render.stderr)
    );
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}
