//! Targets and credentials end to end, through the real binary: secrets in a real Secret Service
//! (gnome-keyring under `dbus-run-session`, started by scripts/test.sh), connections through the
//! real SDK to a `sandbox serve` and to the embedded sandbox, profiles from temporary AWS config
//! files, and a byte search proving no secret reaches the data directory, an export or any
//! output.
//!
//! Each run gets its own HOME, data directory and AWS config files, so nothing of the machine's
//! own AWS set-up is read.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use crate::common;
use assert_cmd::Command;
use common::Serve;
use serde_json::Value;
use std::path::PathBuf;

/// The sandbox's production account keys (any secret is accepted; the key ID selects the user).
const PROD_KEY: &str = "AKIASANDBOXPROD00001";
const PROD_SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzzSECRETzz";
const SESSION_TOKEN: &str = "FQoGZXIvYXdzEXAMPLEzzTOKENzz";
const RECOVERY_ROLE: &str = "arn:aws:iam::444455556666:role/DRSOrchestratorRecovery";
const EXTERNAL_ID: &str = "sandbox-external-id";

fn keychain_available() -> bool {
    if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some() {
        return true;
    }
    assert!(
        std::env::var("DRS_E2E").as_deref() != Ok("1"),
        "no D-Bus session: run the tests through scripts/test.sh"
    );
    eprintln!("skipped: no D-Bus session bus (no Secret Service to keep secrets in)");
    false
}

fn serve() -> Serve {
    common::serve(&[])
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// A user with their own HOME, data directory and AWS config files.
struct User {
    home: tempfile::TempDir,
    /// Everything printed, to search for secrets at the end.
    printed: std::cell::RefCell<String>,
}

impl User {
    fn new() -> Self {
        let home = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(home.path().join(".aws")).unwrap();
        Self {
            home,
            printed: Default::default(),
        }
    }

    fn data(&self) -> PathBuf {
        self.home.path().join("data")
    }

    fn aws_file(&self, name: &str, text: &str) {
        std::fs::write(self.home.path().join(".aws").join(name), text).unwrap();
    }

    fn run_with(&self, args: &[&str], stdin: &str, env: &[(&str, &str)]) -> Run {
        let mut cmd = Command::cargo_bin("drs-orchestrator").unwrap();
        cmd.args(args)
            .env("DRS_ORCH_DATA_DIR", self.data())
            .env("HOME", self.home.path())
            .env("AWS_CONFIG_FILE", self.home.path().join(".aws/config"))
            .env(
                "AWS_SHARED_CREDENTIALS_FILE",
                self.home.path().join(".aws/credentials"),
            )
            .env("AWS_EC2_METADATA_DISABLED", "true");
        for var in [
            "AWS_PROFILE",
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_SESSION_TOKEN",
            "AWS_REGION",
            "AWS_DEFAULT_REGION",
        ] {
            cmd.env_remove(var);
        }
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.write_stdin(stdin).output().unwrap();
        let run = Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into(),
            stderr: String::from_utf8_lossy(&out.stderr).into(),
        };
        self.printed
            .borrow_mut()
            .push_str(&format!("{}{}", run.stdout, run.stderr));
        run
    }

    fn run(&self, args: &[&str], stdin: &str) -> Run {
        self.run_with(args, stdin, &[])
    }

    fn ok(&self, args: &[&str], stdin: &str) -> String {
        let r = self.run(args, stdin);
        assert_eq!(
            r.code, 0,
            "{args:?}\nstdout: {}\nstderr: {}",
            r.stdout, r.stderr
        );
        r.stdout
    }

    fn fails(&self, args: &[&str], stdin: &str, code: i32) -> String {
        let r = self.run(args, stdin);
        assert_eq!(
            r.code, code,
            "{args:?}\nstdout: {}\nstderr: {}",
            r.stdout, r.stderr
        );
        r.stderr
    }
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

fn add_keys(u: &User, name: &str, endpoint: &str) -> String {
    u.ok(
        &[
            "target",
            "add",
            name,
            "--account",
            "111122223333",
            "--region",
            "us-east-1",
            "--recovery-region",
            "us-west-2",
            "--access-key-id",
            PROD_KEY,
            "--secret-stdin",
            "--session-token-stdin",
            "--endpoint-url",
            endpoint,
        ],
        &format!("{PROD_SECRET}\n{SESSION_TOKEN}\n"),
    )
}

#[test]
fn keys_in_the_keychain_reach_the_sandbox_and_no_secret_leaks() {
    if !keychain_available() {
        return;
    }
    let sandbox = serve();
    let u = User::new();
    // The session's keychain outlives a run; names unique to this run keep the checks exact.
    let keys = format!("prod-keys-{}", std::process::id());
    let role = format!("recovery-{}", std::process::id());
    let added = add_keys(&u, &keys, &sandbox.endpoint);
    assert!(
        added.contains("secret and session token in keychain"),
        "{added}"
    );

    // Logged in full detail (every crate at trace in the file, ours at debug on stderr): the
    // secrets still appear nowhere (searched below, with the data directory and its logs).
    let me = u.run_with(
        &["-vv", "--json", "target", "test", &keys],
        "",
        &[("DRS_ORCH_LOG", "trace")],
    );
    assert_eq!(me.code, 0, "{}", me.stderr);
    assert!(
        me.stderr.contains("acting as"),
        "-vv logs on stderr: {}",
        me.stderr
    );
    let me: Value = serde_json::from_str(&me.stdout).unwrap();
    assert_eq!(me["account"], "111122223333");
    assert_eq!(me["arn"], "arn:aws:iam::111122223333:user/sandbox-admin");

    // The secrets are in the Secret Service, where secret-tool finds them.
    let found = std::process::Command::new("secret-tool")
        .args(["search", "--all", "service", "io.github.drs-orchestrator"])
        .output()
        .unwrap();
    let listing = String::from_utf8_lossy(&found.stdout).to_string()
        + &String::from_utf8_lossy(&found.stderr);
    assert!(
        listing.contains(&format!("/{keys}/secret-access-key")),
        "{listing}"
    );

    // Rotating the secret keeps the target; a role from it with the external ID works too.
    u.ok(
        &["target", "edit", &keys, "--secret-stdin"],
        &format!("{PROD_SECRET}-rotated\n"),
    );
    u.ok(
        &[
            "target",
            "add",
            &role,
            "--account",
            "444455556666",
            "--region",
            "us-east-1",
            "--recovery-region",
            "us-west-2",
            "--role-arn",
            RECOVERY_ROLE,
            "--via-target",
            &keys,
            "--external-id-stdin",
        ],
        &format!("{EXTERNAL_ID}\n"),
    );
    let me = u.ok(&["target", "test", &role], "");
    assert!(
        me.contains(
            "assumed-role/DRSOrchestratorRecovery/drs-orchestrator in account 444455556666"
        ),
        "{me}"
    );

    // Exports, the audit log, target listings and the data directory hold no secret.
    let export = u.home.path().join("export.yaml");
    u.ok(
        &[
            "plan",
            "export",
            "retail-dr",
            "--out",
            export.to_str().unwrap(),
        ],
        "",
    );
    u.ok(&["--json", "target", "list"], "");
    u.ok(&["--json", "target", "show", &keys], "");
    u.ok(&["--json", "audit", "--limit", "100"], "");
    let diagnostics = u.ok(&["diagnostics"], "");
    assert!(
        diagnostics.contains(&format!("{keys}: account 111122223333"))
            && diagnostics.contains("access key AKIA…"),
        "{diagnostics}"
    );
    let mut searched = common::files_under(&u.data());
    let logs: Vec<&PathBuf> = searched
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "log"))
        .collect();
    assert_eq!(
        logs.len(),
        1,
        "one log file for today in data/logs: {searched:?}"
    );
    let log = std::fs::read_to_string(logs[0]).unwrap();
    assert!(
        log.contains(&format!("target \"{keys}\": acting as")),
        "{log}"
    );
    assert!(
        log.contains("aws_smithy"),
        "the SDK's trace reached the file"
    );
    searched.push(export);
    assert!(searched
        .iter()
        .any(|p| p.ends_with("drs-orchestrator.sqlite3")));
    for path in &searched {
        let bytes = std::fs::read(path).unwrap();
        for secret in [
            PROD_SECRET,
            SESSION_TOKEN,
            EXTERNAL_ID,
            "SECRETzz",
            "TOKENzz",
        ] {
            assert!(
                !contains(&bytes, secret),
                "{secret} found in {}",
                path.display()
            );
        }
    }
    let printed = u.printed.borrow();
    for secret in [PROD_SECRET, SESSION_TOKEN, EXTERNAL_ID] {
        assert!(!printed.contains(secret), "{secret} was printed");
    }
    drop(printed);

    // Removing deletes the keychain entries (the role target first: it depends on the keys).
    let refused = u.fails(&["target", "remove", &keys], "", 2);
    assert!(
        refused.contains(&format!("role base of targets \"{role}\"")),
        "{refused}"
    );
    u.ok(&["target", "remove", &role], "");
    u.ok(&["target", "remove", &keys], "");
    let found = std::process::Command::new("secret-tool")
        .args(["search", "--all", "service", "io.github.drs-orchestrator"])
        .output()
        .unwrap();
    let listing = String::from_utf8_lossy(&found.stdout).to_string()
        + &String::from_utf8_lossy(&found.stderr);
    assert!(
        !listing.contains(&format!("/{keys}/")),
        "entries left: {listing}"
    );
    assert!(!listing.contains(&format!("/{role}/")), "{listing}");
}

#[test]
fn assume_role_with_the_right_and_a_wrong_external_id() {
    if !keychain_available() {
        return;
    }
    let u = User::new();
    // A role assumed from the built-in Sandbox target, on the embedded sandbox.
    let add = |name: &str, id: &str| {
        u.ok(
            &[
                "target",
                "add",
                name,
                "--account",
                "444455556666",
                "--region",
                "us-east-1",
                "--recovery-region",
                "us-west-2",
                "--role-arn",
                RECOVERY_ROLE,
                "--via-target",
                "Sandbox",
                "--session-name",
                "dr-drill",
                "--external-id-stdin",
            ],
            &format!("{id}\n"),
        )
    };
    add("recovery-ok", EXTERNAL_ID);
    add("recovery-wrong", "not-the-external-id");
    let me = u.ok(&["target", "test", "recovery-ok"], "");
    assert!(
        me.contains("arn:aws:sts::444455556666:assumed-role/DRSOrchestratorRecovery/dr-drill"),
        "{me}"
    );
    let err = u.fails(&["target", "test", "recovery-wrong"], "", 1);
    assert!(
        err.contains(&format!("access denied assuming role {RECOVERY_ROLE}")),
        "{err}"
    );
    assert!(err.contains("external ID"), "{err}");
    assert!(
        !err.contains("not-the-external-id"),
        "the external ID is echoed: {err}"
    );

    // Fixing the external ID in place makes it work; saying the role needs none stores none.
    u.ok(
        &["target", "edit", "recovery-wrong", "--external-id-stdin"],
        &format!("{EXTERNAL_ID}\n"),
    );
    u.ok(&["target", "test", "recovery-wrong"], "");
    let shown = u.ok(
        &["target", "edit", "recovery-wrong", "--no-external-id"],
        "",
    );
    assert!(!shown.contains("external ID in keychain"), "{shown}");
    let err = u.fails(&["target", "test", "recovery-wrong"], "", 1);
    assert!(err.contains("access denied assuming role"), "{err}");
    u.ok(&["target", "remove", "recovery-ok"], "");
    u.ok(&["target", "remove", "recovery-wrong"], "");
}

#[test]
fn profiles_come_from_the_aws_config_files() {
    let sandbox = serve();
    let u = User::new();
    u.aws_file(
        "credentials",
        &format!("[sandbox-prod]\naws_access_key_id = {PROD_KEY}\naws_secret_access_key = {PROD_SECRET}\n"),
    );
    u.aws_file(
        "config",
        &format!(
            r#"[profile sandbox-prod]
region = us-east-1

[profile sandbox-recovery]
source_profile = sandbox-prod
endpoint_url = {endpoint}
role_arn = {RECOVERY_ROLE}
external_id = {EXTERNAL_ID}
role_session_name = from-profile

[profile from-process]
credential_process = sh -c "echo '{{\"Version\":1,\"AccessKeyId\":\"AKIASANDBOXRECOV0001\",\"SecretAccessKey\":\"x\"}}'"

[profile corp-sso]
sso_session = corp
sso_account_id = 111122223333
sso_role_name = DRSOperator
region = us-east-1

[sso-session corp]
sso_start_url = https://example.awsapps.com/start
sso_region = us-east-1
"#,
            endpoint = sandbox.endpoint
        ),
    );
    let listed = u.ok(&["--json", "target", "profiles"], "");
    let listed: Value = serde_json::from_str(&listed).unwrap();
    let names: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "corp-sso",
            "from-process",
            "sandbox-prod",
            "sandbox-recovery"
        ]
    );
    assert_eq!(listed[0]["sso"], true);

    let add = |name: &str, account: &str, profile: &str| {
        u.ok(
            &[
                "target",
                "add",
                name,
                "--account",
                account,
                "--region",
                "us-east-1",
                "--recovery-region",
                "us-west-2",
                "--profile",
                profile,
                "--endpoint-url",
                &sandbox.endpoint,
            ],
            "",
        );
    };
    add("prod", "111122223333", "sandbox-prod");
    add("recovery", "444455556666", "sandbox-recovery");
    add("process", "444455556666", "from-process");
    add("sso", "111122223333", "corp-sso");
    assert!(u
        .ok(&["target", "test", "prod"], "")
        .contains("arn:aws:iam::111122223333:user/sandbox-admin"));
    assert!(u
        .ok(&["target", "test", "recovery"], "")
        .contains("assumed-role/DRSOrchestratorRecovery/from-profile"));
    assert!(u
        .ok(&["target", "test", "process"], "")
        .contains("in account 444455556666"));
    // No cached SSO token under this HOME: say so, with the exact command to run.
    let err = u.fails(&["target", "test", "sso"], "", 1);
    assert!(
        err.contains("signs in through IAM Identity Center (SSO) and its token is missing or expired; run `aws sso login --profile corp-sso`"),
        "{err}"
    );

    // A profile that is not there is refused at add time, naming the files and the profiles.
    let err = u.fails(
        &[
            "target",
            "add",
            "typo",
            "--account",
            "111122223333",
            "--region",
            "us-east-1",
            "--recovery-region",
            "us-west-2",
            "--profile",
            "sandbox-prd",
        ],
        "",
        2,
    );
    assert!(
        err.contains("credentials.profile: profile \"sandbox-prd\" is not defined in"),
        "{err}"
    );
    assert!(
        err.contains("profiles there: corp-sso, from-process, sandbox-prod, sandbox-recovery"),
        "{err}"
    );

    // A profile removed from the files after the target was added: a clear error at test time.
    u.aws_file("credentials", "");
    let err = u.fails(&["target", "test", "prod"], "", 1);
    assert!(err.contains("profile \"sandbox-prod\""), "{err}");
}

#[test]
fn bad_input_is_named_and_nothing_is_half_saved() {
    if !keychain_available() {
        return;
    }
    let u = User::new();
    let base = [
        "target",
        "add",
        "bad",
        "--account",
        "111122223333",
        "--region",
        "us-east-1",
        "--recovery-region",
        "us-west-2",
    ];
    let with = |extra: &[&str]| -> Vec<String> {
        base.iter().chain(extra).map(|s| s.to_string()).collect()
    };
    for (args, stdin, expected) in [
        (
            with(&["--access-key-id", PROD_KEY, "--secret-stdin"]),
            "   \n",
            "credentials.secretAccessKey: secret access key is empty",
        ),
        (
            with(&["--access-key-id", PROD_KEY, "--secret-stdin"]),
            "",
            "standard input ended before the secret access key",
        ),
        (
            with(&["--access-key-id", "akia-lower", "--secret-stdin"]),
            "x\n",
            "credentials.accessKeyId: access key ID \"akia-lower\" is not valid",
        ),
        (
            with(&["--access-key-id", PROD_KEY]),
            "",
            "--access-key-id needs --secret-stdin",
        ),
        (
            with(&["--role-arn", "arn:aws:iam::12:role/x", "--via-target", "Sandbox"]),
            "",
            "credentials.roleArn: role ARN \"arn:aws:iam::12:role/x\" is not valid: account \"12\" is not 12 digits",
        ),
        (
            with(&["--role-arn", RECOVERY_ROLE]),
            "",
            "--role-arn needs --via PROFILE or --via-target TARGET",
        ),
        (
            with(&["--sandbox", "--endpoint-url", "localhost:4566"]),
            "",
            "endpointUrl: endpoint URL \"localhost:4566\" must use http:// or https://",
        ),
        (
            with(&["--role-arn", RECOVERY_ROLE, "--via-target", "Sandbox", "--external-id-stdin"]),
            "a b\n",
            "credentials.externalId: external ID must be 2–1,224 letters",
        ),
    ] {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let err = u.fails(&args, stdin, 2);
        assert!(err.contains(expected), "{args:?}: {err}");
    }
    let err = u.fails(
        &[
            "target",
            "add",
            "bad",
            "--account",
            "12",
            "--region",
            "east",
            "--recovery-region",
            "us-west-2",
            "--sandbox",
        ],
        "",
        2,
    );
    assert!(
        err.contains("accountId: account ID \"12\" is not valid"),
        "{err}"
    );
    assert!(err.contains("primaryRegion: region \"east\""), "{err}");

    // No keychain reachable: a clear error, and the target is not stored.
    let r = u.run_with(
        &[
            "target",
            "add",
            "locked",
            "--account",
            "111122223333",
            "--region",
            "us-east-1",
            "--recovery-region",
            "us-west-2",
            "--access-key-id",
            PROD_KEY,
            "--secret-stdin",
        ],
        &format!("{PROD_SECRET}\n"),
        &[("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("the OS keychain is not available"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("nothing was saved"), "{}", r.stderr);
    assert!(!r.stderr.contains(PROD_SECRET));
    let list = u.ok(&["target", "list"], "");
    assert!(!list.contains("locked") && !list.contains("bad"), "{list}");
}

/// A listener on loopback that counts the connections it receives.
fn trap() -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let hits = std::sync::Arc::new(AtomicUsize::new(0));
    let counted = hits.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            counted.fetch_add(1, Ordering::SeqCst);
            drop(stream);
        }
    });
    (url, hits)
}

/// Endpoints: the target alone decides where its signed requests go — not `AWS_ENDPOINT_URL*`
/// left in the environment, not a profile's `endpoint_url`; plain HTTP only to this machine;
/// an endpoint outside AWS with real credentials is saved with a warning.
#[test]
fn the_target_alone_decides_where_its_requests_go() {
    use std::sync::atomic::Ordering;
    let u = User::new();
    let (trap_url, hits) = trap();
    u.aws_file(
        "config",
        &format!("[profile prod]\nregion = us-west-2\nendpoint_url = {trap_url}\n"),
    );
    u.aws_file(
        "credentials",
        "[prod]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = x\n",
    );
    u.ok(
        &[
            "target",
            "add",
            "prod",
            "--account",
            "111122223333",
            "--region",
            "us-east-1",
            "--recovery-region",
            "us-west-2",
            "--profile",
            "prod",
        ],
        "",
    );
    // Someone once pointed every SDK at a local test service; a real target ignores it (the
    // call goes to AWS, which this machine may not reach: either way not to the trap).
    let env = [
        ("AWS_ENDPOINT_URL", trap_url.as_str()),
        ("AWS_ENDPOINT_URL_STS", trap_url.as_str()),
        ("AWS_ENDPOINT_URL_DRS", trap_url.as_str()),
    ];
    let r = u.run_with(&["target", "test", "prod"], "", &env);
    assert_ne!(r.code, 0, "{}", r.stdout);
    assert_eq!(hits.load(Ordering::SeqCst), 0, "{}", r.stderr);
    // The control: set on the target itself, the endpoint is used.
    let edit = u.run(&["target", "edit", "prod", "--sts-endpoint", &trap_url], "");
    assert_eq!(edit.code, 0, "{}", edit.stderr);
    assert!(
        edit.stderr.contains("warning: endpoints.sts")
            && edit.stderr.contains("not an AWS endpoint"),
        "{}",
        edit.stderr
    );
    let _ = u.run_with(&["target", "test", "prod"], "", &env);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while hits.load(Ordering::SeqCst) == 0 && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(
        hits.load(Ordering::SeqCst) > 0,
        "the target's own endpoint was not used"
    );
    // Plain HTTP to another machine is refused, with keys or a profile alike.
    let err = u.fails(
        &[
            "target",
            "edit",
            "prod",
            "--endpoint-url",
            "http://drs.internal.example.com",
        ],
        "",
        2,
    );
    assert!(err.contains("must use https://"), "{err}");
    let shown = u.ok(&["--json", "target", "show", "prod"], "");
    let shown: Value = serde_json::from_str(&shown).unwrap();
    assert!(
        shown.get("endpointUrl").is_none(),
        "nothing was saved: {shown}"
    );
    // Every change is in the audit log, field by field.
    let audit = u.ok(&["--json", "audit", "--subject", "prod"], "");
    assert!(audit.contains("endpoints.sts"), "{audit}");
}
