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
    /// This run's admin token.
    pub token: String,
}

#[allow(dead_code)]
impl Serve {
    /// An admin URL with the token: `admin("stats")`.
    pub fn admin(&self, path: &str) -> String {
        admin_url(&self.endpoint, &self.token, path)
    }
}

/// `{endpoint}/_sandbox/{path}` with the admin token.
#[allow(dead_code)]
pub fn admin_url(endpoint: &str, token: &str, path: &str) -> String {
    format!("{endpoint}/_sandbox/{path}?token={token}")
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
        token: v["adminToken"].as_str().unwrap().to_string(),
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

/// What a CLI run printed and returned.
#[allow(dead_code)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// The CLI on a data directory of its own, with the Sandbox target pointed at a running
/// `sandbox serve` (so state lasts across commands).
#[allow(dead_code)]
pub struct Cli {
    pub dir: tempfile::TempDir,
}

#[allow(dead_code)]
impl Cli {
    pub fn new(endpoint: &str) -> Self {
        let cli = Self {
            dir: tempfile::tempdir().unwrap(),
        };
        cli.ok(&["target", "edit", "Sandbox", "--endpoint-url", endpoint]);
        cli
    }

    pub fn data(&self) -> &std::path::Path {
        self.dir.path()
    }

    pub fn cmd(&self) -> assert_cmd::Command {
        let mut c = assert_cmd::Command::cargo_bin("drs-orchestrator").unwrap();
        c.env("DRS_ORCH_DATA_DIR", self.data());
        c
    }

    pub fn run(&self, args: &[&str]) -> Run {
        let out = self.cmd().args(args).write_stdin("").output().unwrap();
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into(),
            stderr: String::from_utf8_lossy(&out.stderr).into(),
        }
    }

    pub fn ok(&self, args: &[&str]) -> String {
        let r = self.run(args);
        assert_eq!(r.code, 0, "{args:?}\n{}\n{}", r.stdout, r.stderr);
        r.stdout
    }

    /// Runs with `--json`, expects exit `code`, and parses standard output.
    pub fn json(&self, args: &[&str], code: i32) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let r = self.run(&all);
        assert_eq!(r.code, code, "{args:?}\n{}\n{}", r.stdout, r.stderr);
        serde_json::from_str(&r.stdout).unwrap()
    }

    /// Imports plans and groups from YAML text.
    pub fn import(&self, yaml: &str) {
        let f = self.data().join("import.yaml");
        std::fs::write(&f, yaml).unwrap();
        self.ok(&["plan", "import", f.to_str().unwrap()]);
    }
}

/// The AWS CLI against the sandbox (production account, us-west-2), as JSON; `None` when the
/// AWS CLI is missing outside the full test run.
#[allow(dead_code)]
pub fn aws(endpoint: &str, args: &[&str]) -> Option<Value> {
    aws_in(endpoint, "us-west-2", args)
}

/// A directory with DRS's service model as the newest botocore (installed with moto) has it:
/// the AWS CLI v1 carries an older copy without the recovery plan operations, and reads a newer
/// one from `AWS_DATA_PATH`. Empty (the CLI's own models) when Python or botocore is missing.
fn newer_models() -> std::path::PathBuf {
    static DIR: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("drs-aws-models-{}", std::process::id()));
        let _ = Command::new("python3")
            .args([
                "-c",
                "import sys,os,json,botocore.loaders as L\n\
m=L.Loader().load_service_model('drs','service-2')\n\
d=os.path.join(sys.argv[1],'drs',m['metadata']['apiVersion'])\n\
os.makedirs(d,exist_ok=True)\n\
json.dump(m,open(os.path.join(d,'service-2.json'),'w'))",
            ])
            .arg(&dir)
            .status();
        dir
    })
    .clone()
}

/// The AWS CLI against the sandbox in `region` (production account), as JSON.
#[allow(dead_code)]
pub fn aws_in(endpoint: &str, region: &str, args: &[&str]) -> Option<Value> {
    let out = Command::new("aws")
        .args([
            "--endpoint-url",
            endpoint,
            "--region",
            region,
            "--output",
            "json",
        ])
        .args(args)
        .env("AWS_ACCESS_KEY_ID", "AKIASANDBOXPROD00001")
        .env("AWS_SECRET_ACCESS_KEY", "anything")
        .env("AWS_DATA_PATH", newer_models())
        .env_remove("AWS_PROFILE")
        .output();
    match out {
        Ok(o) if o.status.success() => {
            Some(serde_json::from_slice(&o.stdout).unwrap_or(Value::Null))
        }
        Ok(o) => panic!("aws {args:?}: {}", String::from_utf8_lossy(&o.stderr)),
        Err(e) => {
            assert!(
                std::env::var("DRS_E2E").as_deref() != Ok("1"),
                "the AWS CLI is missing ({e}); run scripts/install-deps.sh --test"
            );
            eprintln!("skipped: the AWS CLI is not installed");
            None
        }
    }
}

#[allow(dead_code)]
/// Every file under `dir`, recursively.
pub fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                todo.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out
}
