//! End to end in the real app window: the release-identical binary under Xvfb, driven over
//! WebDriver (tauri-driver → WebKitWebDriver). Creates a plan with two waves in the GUI,
//! restarts the app, finds the plan again, adds a target with access keys (kept in the session's
//! gnome-keyring) and tests it against a running sandbox, and saves screenshots to
//! `tests/artifacts/`.
//!
//! Runs when `DRS_E2E=1` (the README's test command sets it, starts Xvfb and puts tauri-driver
//! on PATH); otherwise it says why it did not run.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use crate::common;
use common::Serve;
use serde_json::{json, Value};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";
const GROUPS: &str = "apiVersion: drs-orchestrator/v1
kind: ProtectionGroup
metadata:
  name: shop-db
spec:
  target: Sandbox
  selector:
    tags: {Application: shop, Tier: db}
---
apiVersion: drs-orchestrator/v1
kind: ProtectionGroup
metadata:
  name: shop-app
spec:
  target: Sandbox
  selector:
    tags: {Application: shop, Tier: app}
";

/// The secret typed into the target form (any secret is accepted by the sandbox).
const E2E_SECRET: &str = "e2e/Secret/Key/Typed/In/The/Form/0001";

/// One window at a time: the screenshots capture the whole X display, so two windows of tests
/// running side by side would show in each other's pictures.
static ONE_WINDOW: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn one_window() -> std::sync::MutexGuard<'static, ()> {
    ONE_WINDOW
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Imports YAML text with the CLI (`group import` or `plan import`) into `data`.
fn import(app: &Path, data: &Path, what: &str, yaml: &str) {
    let file = data.with_file_name(format!("{what}.yaml"));
    std::fs::write(&file, yaml).unwrap();
    let imported = Command::new(app)
        .arg("--data-dir")
        .arg(data)
        .args([what, "import"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        imported.status.success(),
        "{}",
        String::from_utf8_lossy(&imported.stderr)
    );
}

fn serve_sandbox() -> Serve {
    common::serve(&[])
}

struct Driver {
    child: Child,
    base: String,
    agent: ureq::Agent,
}

impl Drop for Driver {
    /// Stops tauri-driver and everything it started (WebKitWebDriver, the app): they share the
    /// process group tauri-driver leads.
    fn drop(&mut self) {
        let group_killed = Command::new("kill")
            .args(["-TERM", "--", &format!("-{}", self.child.id())])
            .status()
            .is_ok_and(|s| s.success());
        if !group_killed {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Driver {
    fn start(data_dir: &Path) -> Self {
        let port = free_port();
        let native = free_port();
        let driver = std::env::var("TAURI_DRIVER").unwrap_or_else(|_| "tauri-driver".into());
        let child = Command::new(&driver)
            .args(["--port", &port.to_string(), "--native-port", &native.to_string()])
            .env("DRS_ORCH_DATA_DIR", data_dir)
            // Debug builds answer file dialogs from this file (a test cannot click them).
            .env(
                "DRS_ORCH_TEST_DIALOG_ANSWER",
                data_dir.with_file_name("dialog-answer"),
            )
            .env("WEBKIT_DISABLE_DMABUF_RENDERER", "1")
            .env("DRS_ORCH_SANDBOX_TIME_SCALE", "900")
            .env("WEBKIT_DISABLE_COMPOSITING_MODE", "1")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {driver}: {e} (install it with: cargo install tauri-driver --locked)"));
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)))
            .build()
            .into();
        let d = Driver {
            child,
            base: format!("http://127.0.0.1:{port}"),
            agent,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if d.agent.get(&format!("{}/status", d.base)).call().is_ok() {
                return d;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        panic!("tauri-driver did not answer on port {port}");
    }

    fn send(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}{path}", self.base);
        let mut resp = match (method, body) {
            ("GET", _) => self.agent.get(&url).call(),
            ("DELETE", _) => self.agent.delete(&url).call(),
            (_, b) => self.agent.post(&url).send_json(b.unwrap_or(json!({}))),
        }
        .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        let status = resp.status();
        let v: Value = resp.body_mut().read_json().unwrap_or(Value::Null);
        assert!(status.is_success(), "{method} {path} → {status}: {v}");
        v["value"].clone()
    }

    fn session(&self, app: &Path) -> Session<'_> {
        let caps = json!({ "capabilities": { "alwaysMatch": { "tauri:options": { "application": app } } } });
        let v = self.send("POST", "/session", Some(caps));
        Session {
            driver: self,
            id: v["sessionId"].as_str().expect("session id").to_string(),
        }
    }
}

struct Session<'a> {
    driver: &'a Driver,
    id: String,
}

impl Session<'_> {
    fn cmd(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        self.driver
            .send(method, &format!("/session/{}{path}", self.id), body)
    }

    fn try_find(&self, using: &str, value: &str) -> Option<String> {
        let url = format!("{}/session/{}/element", self.driver.base, self.id);
        let mut resp = self
            .driver
            .agent
            .post(&url)
            .send_json(json!({ "using": using, "value": value }))
            .ok()?;
        if !resp.status().is_success() {
            return None;
        }
        let v: Value = resp.body_mut().read_json().ok()?;
        v["value"][ELEMENT].as_str().map(str::to_string)
    }

    fn find(&self, using: &str, value: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(id) = self.try_find(using, value) {
                return id;
            }
            if Instant::now() > deadline {
                self.screenshot("failure");
                panic!("no element {using} {value}");
            }
            std::thread::sleep(Duration::from_millis(250));
        }
    }

    fn css(&self, selector: &str) -> String {
        self.find("css selector", selector)
    }

    fn text(&self, text: &str) -> String {
        self.find("xpath", &format!("//*[normalize-space(text())='{text}']"))
    }

    /// A tab of a Cloudscape tab set, by its label.
    fn tab(&self, label: &str) -> String {
        self.find(
            "xpath",
            &format!("//*[@role='tab'][.//*[normalize-space(text())='{label}']]"),
        )
    }

    /// Clicks `element`, waiting out a moment when it cannot take the click (a layout still
    /// moving, an animation); a screenshot shows it when it never can.
    fn click(&self, element: &str) {
        // WebKitWebDriver does not scroll an element into view before clicking it.
        self.cmd(
            "POST",
            "/execute/sync",
            Some(json!({
                "script": "arguments[0].scrollIntoView({block: 'center'}); return true;",
                "args": [{ "element-6066-11e4-a52e-4f735466cecf": element }]
            })),
        );
        let url = format!(
            "{}/session/{}/element/{element}/click",
            self.driver.base, self.id
        );
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let mut resp = self
                .driver
                .agent
                .post(&url)
                .send_json(json!({}))
                .unwrap_or_else(|e| panic!("click {element}: {e}"));
            if resp.status().is_success() {
                return;
            }
            let v: Value = resp.body_mut().read_json().unwrap_or(Value::Null);
            if Instant::now() > deadline || v["value"]["error"] != "element not interactable" {
                let shot = self.screenshot("failed-click");
                panic!("click {element}: {v} (screen: {})", shot.display());
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    fn type_into(&self, element: &str, text: &str) {
        self.cmd(
            "POST",
            &format!("/element/{element}/value"),
            Some(json!({ "text": text })),
        );
    }

    fn value_of(&self, element: &str) -> String {
        self.cmd("GET", &format!("/element/{element}/property/value"), None)
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    fn choose(&self, multiselect: &str, option: &str) {
        self.click(&self.css(&format!("[data-testid='{multiselect}'] button")));
        self.click(&self.find(
            "xpath",
            &format!("//*[@data-testid='{multiselect}']//*[@role='option']//*[normalize-space(text())='{option}']"),
        ));
        // Close the dropdown.
        self.cmd("POST", "/actions", Some(json!({ "actions": [{ "type": "key", "id": "kbd", "actions": [
            { "type": "keyDown", "value": "\u{E00C}" }, { "type": "keyUp", "value": "\u{E00C}" } ] }] })));
    }

    /// Picks an option of a (single) select; it closes by itself.
    fn select(&self, select: &str, option: &str) {
        self.click(&self.css(&format!("[data-testid='{select}'] button")));
        self.click(&self.find(
            "xpath",
            &format!("//*[@data-testid='{select}']//*[@role='option']//*[normalize-space(text())='{option}']"),
        ));
    }

    /// Recovery plans → select `plan` → the page its button `button` opens.
    fn plan_page(&self, plan: &str, button: &str) {
        self.click(&self.text("Recovery plans"));
        self.click(&self.find(
            "xpath",
            &format!("//tr[.//*[normalize-space(text())='{plan}']]//input[@type='radio']"),
        ));
        self.click(&self.css(&format!("[data-testid='{button}']")));
    }

    fn wait_for_text(&self, text: &str) {
        self.find("xpath", &format!("//*[contains(normalize-space(.), '{text}') and not(*[contains(normalize-space(.), '{text}')])]"));
    }

    /// Saves a screenshot of the X display (the whole app window). WebKitWebDriver's own
    /// screenshot endpoint hangs under Xvfb with WebKitGTK 2.50, so ImageMagick's `import`
    /// captures the display instead.
    fn screenshot(&self, name: &str) -> PathBuf {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/artifacts");
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("{name}.png"));
        let status = Command::new("import")
            .args(["-window", "root"])
            .arg(&path)
            .status()
            .expect("ImageMagick's import is needed for screenshots");
        assert!(status.success(), "screenshot {name} failed");
        path
    }

    fn close(self) {
        self.cmd("DELETE", "", None);
    }
}

#[test]
fn create_a_two_wave_plan_restart_and_find_it() {
    if std::env::var("DRS_E2E").as_deref() != Ok("1") {
        eprintln!("skipped: set DRS_E2E=1 with Xvfb and tauri-driver available (the README's test command does)");
        return;
    }
    let _window = one_window();
    let app = PathBuf::from(env!("CARGO_BIN_EXE_drs-orchestrator"));
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    import(&app, &data, "group", GROUPS);

    // A daily report schedule saved long ago: due as soon as the app runs, so the app's own
    // schedule loop writes the readiness reports into this folder while the test goes on.
    let scheduled = tmp.path().join("scheduled reports");
    std::fs::create_dir_all(&scheduled).unwrap();
    {
        let mut store = drs_store::Store::open(&data).unwrap();
        store
            .set_setting(
                "reports.schedule",
                &json!({
                    "enabled": true, "folder": scheduled, "cadence": "daily", "weekday": 1,
                    "hour": 0, "plans": ["retail-dr"], "format": "pdf",
                    "savedAt": "2026-01-01T00:00:00Z",
                }),
                "e2e",
                true,
            )
            .unwrap();
    }

    let driver = Driver::start(&data);

    // First run: create the plan with two waves through the UI.
    let s = driver.session(&app);
    s.click(&s.text("Recovery plans"));
    s.text("retail-dr"); // the sample plan every new installation starts with
    s.screenshot("01-plans");
    s.click(&s.css("[data-testid='create-plan']"));
    let name = s.css("[data-testid='plan-name'] input");
    s.type_into(&name, "E2E shop drill");
    s.choose("wave-groups-0", "shop-db");
    s.click(&s.css("[data-testid='add-wave']"));
    s.css("[data-testid='wave-1']");
    s.choose("wave-groups-1", "shop-app");
    // A manual step after the second wave's launch, written in the editor.
    s.click(&s.css("[data-testid='add-step-1']"));
    let instruction = s.css("[data-testid='step-instruction-1-after-0'] input");
    s.type_into(&instruction, "Check the shop answers on its recovery URL.");
    // And a Route 53 step: in drills it writes only the drill zone.
    s.click(&s.css("[data-testid='add-step-1']"));
    s.choose("step-kind-1-after-1", "Route 53 record");
    s.type_into(
        &s.css("[data-testid='step-record-1-after-1'] input"),
        "shop.retail.internal",
    );
    s.type_into(
        &s.css("[data-testid='step-zone-1-after-1'] input"),
        "Z05RETAILPROD",
    );
    s.wait_for_text("names no drill zone");
    s.type_into(
        &s.css("[data-testid='step-drill-zone-1-after-1'] input"),
        "Z05RETAILDRILL",
    );
    s.type_into(
        &s.css("[data-testid='step-server-1-after-1'] input"),
        "shop-app-01",
    );
    s.wait_for_text("No problems: the plan can be saved.");
    s.screenshot("02-plan-editor");
    s.click(&s.css("[data-testid='save-plan']"));
    s.wait_for_text("Revision 1");
    s.close();

    // Second run: a new process on the same data directory finds the plan again.
    let s = driver.session(&app);
    s.click(&s.text("Recovery plans"));
    let link = s.text("E2E shop drill");
    s.screenshot("03-plans-after-restart");
    s.click(&link);
    s.wait_for_text("Revision 1");
    assert_eq!(
        s.value_of(&s.css("[data-testid='wave-name-0'] input")),
        "wave 1"
    );
    assert_eq!(
        s.value_of(&s.css("[data-testid='wave-name-1'] input")),
        "wave 2"
    );
    assert_eq!(
        s.value_of(&s.css("[data-testid='step-instruction-1-after-0'] input")),
        "Check the shop answers on its recovery URL."
    );
    assert_eq!(
        s.value_of(&s.css("[data-testid='step-drill-zone-1-after-1'] input")),
        "Z05RETAILDRILL"
    );
    s.click(&s.text("Dependency graph"));
    s.css("[data-testid='wave-graph'] .react-flow__node");
    std::thread::sleep(Duration::from_millis(500));
    s.screenshot("04-dependency-graph");

    // The built-in sandbox answers through the real SDK: the window shows who the app acts as.
    s.click(&s.text("Targets"));
    s.click(&s.css("[data-testid='targets-table'] input[type='radio']"));
    s.click(&s.css("[data-testid='test-target']"));
    s.wait_for_text("arn:aws:iam::111122223333:user/sandbox-admin");
    s.screenshot("05-target-tested");

    // And the inventory read from it, problems first.
    s.click(&s.text("Inventory"));
    s.wait_for_text("STALLED — AGENT_NOT_SEEN");
    s.screenshot("06-inventory");

    // Readiness of the sample plan, then its pairs applied through the confirmation dialog
    // (the window's embedded sandbox keeps what was written for the life of the app).
    s.plan_page("retail-dr", "plan-readiness");
    s.click(&s.css("[data-testid='check-readiness']"));
    s.wait_for_text("46 blockers");
    s.wait_for_text("replication error AGENT_NOT_SEEN");
    s.screenshot("07-readiness");
    s.click(&s.css("[data-testid='readiness-pairs']"));
    s.wait_for_text("Matched (35)");
    s.click(&s.css("[data-testid='pairs-apply']"));
    s.css("[data-testid='pairs-diff']");
    s.click(&s.css("[data-testid='pairs-confirm']"));
    s.wait_for_text("Applied 35 launch configuration(s)");
    s.wait_for_text("35 already set");
    s.screenshot("08-pairs-applied");

    // A drill of the sample plan from the window: start it (past the readiness blockers, which
    // is recorded), approve the web wave when it waits, watch it end with a verified cleanup.
    s.plan_page("retail-dr", "plan-readiness");
    s.click(&s.css("[data-testid='readiness-drill']"));
    s.click(&s.text("Start even if readiness finds blockers (recorded in the audit log)"));
    s.click(&s.css("[data-testid='start-execution']"));
    s.css("[data-testid='execution-summary']");
    s.click(&s.css("[data-testid='approve-web']"));
    // The web wave's manual step waits for a person, shown like an approval.
    s.css("[data-testid='step-waiting-payment provider notified']");
    s.screenshot("09-drill-live");
    s.click(&s.css("[data-testid='confirm-step-payment provider notified']"));
    s.wait_for_text("confirmed by local:");
    // The data wave's SSM command and Route 53 change ran before the web wave started.
    s.wait_for_text("SSM command · database answers: done");
    s.wait_for_text("Route 53 · cache endpoint: done");
    s.wait_for_text("Cleanup");
    s.find(
        "xpath",
        "//*[@data-testid='cleanup-proof']//*[normalize-space(text())='verified']",
    );
    s.wait_for_text("40/40 launched");
    s.click(&s.css("[data-testid='presentation']"));
    s.screenshot("10-drill-done");
    s.click(&s.text("Executions"));
    s.css("[data-testid='executions-table'] a");
    s.screenshot("11-executions");

    // Reports: the drill's report and the plan's readiness report, saved where the (preset)
    // save dialog says, read back with pdftotext.
    s.click(&s.text("Reports"));
    s.click(&s.tab("Drills"));
    s.click(&s.css("[data-testid='report-executions'] tbody tr input[type='radio']"));
    s.click(&s.css("[data-testid='make-drill-report']"));
    s.css("[data-testid='report-preview']");
    s.wait_for_text("40 of 40");
    s.find(
        "xpath",
        "//*[@data-testid='report-preview']//*[normalize-space(text())='verified']",
    );
    s.screenshot("12-drill-report-preview");
    let drill_pdf = tmp.path().join("drill report.pdf");
    std::fs::write(
        tmp.path().join("dialog-answer"),
        drill_pdf.to_str().unwrap(),
    )
    .unwrap();
    s.click(&s.css("[data-testid='report-save']"));
    s.wait_for_text("Saved to");
    if let Some(text) = common::pdf_text(&drill_pdf) {
        assert!(text.contains("Drill report: retail-dr"), "{text}");
        assert!(text.contains("cleanup verified"), "{text}");
        assert!(text.contains("Approvals and requests"), "{text}");
    }
    s.click(&s.tab("Readiness"));
    s.click(&s.css("[data-testid='make-readiness-report']"));
    s.css("[data-testid='report-preview']");
    s.wait_for_text("Blocked servers");
    s.screenshot("13-readiness-report-preview");
    let readiness_pdf = tmp.path().join("readiness.pdf");
    std::fs::write(
        tmp.path().join("dialog-answer"),
        readiness_pdf.to_str().unwrap(),
    )
    .unwrap();
    s.click(&s.css("[data-testid='report-save']"));
    s.wait_for_text("Saved to");
    if let Some(text) = common::pdf_text(&readiness_pdf) {
        assert!(text.contains("Overview of all plans"), "every plan: {text}");
        assert!(text.contains("Plan retail-dr"), "{text}");
    }
    s.click(&s.tab("Schedule"));
    s.css("[data-testid='schedule-files']");
    s.screenshot("14-report-schedule");
    let written: Vec<_> = std::fs::read_dir(&scheduled)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert!(
        written
            .iter()
            .any(|f| f.starts_with("readiness-retail-dr-") && f.ends_with(".pdf")),
        "the schedule wrote the report while the app ran: {written:?}"
    );

    // A group's launch settings: edit them, see the servers the group selects, review the
    // per-server diff against DRS and EC2, apply, and find every server in line.
    s.click(&s.text("Protection groups"));
    s.click(&s.text("retail-web"));
    let itype = s.css("[data-testid='launch-instance-type'] input");
    s.type_into(&itype, "m5.xlarge");
    s.find(
        "xpath",
        "//*[@data-testid='members-preview']//*[contains(text(), 'retail-web-01')]",
    );
    s.screenshot("15-group-editor-members");
    s.click(&s.css("[data-testid='save-group']"));
    s.wait_for_text("Saved protection group \"retail-web\".");
    s.click(&s.find(
        "xpath",
        "//tr[.//*[normalize-space(text())='retail-web']]//input[@type='radio']",
    ));
    s.click(&s.css("[data-testid='group-actions'] button"));
    s.click(&s.text("Launch settings: review and apply"));
    s.find(
        "xpath",
        "//*[@data-testid='launch-diff']//*[normalize-space(text())='template.instanceType']",
    );
    s.screenshot("16-launch-settings-diff");
    s.click(&s.css("[data-testid='review-apply']"));
    s.click(&s.css("[data-testid='confirm-apply']"));
    s.wait_for_text("10 server(s) changed");
    s.wait_for_text("(0/10)");
    s.screenshot("17-launch-settings-applied");

    // A target with access keys, added in the form: the secret goes to the OS keychain, the
    // connection test reaches an external sandbox with it and shows the caller ARN.
    let sandbox = serve_sandbox();
    s.click(&s.text("Targets"));
    s.click(&s.css("[data-testid='add-target']"));
    s.type_into(&s.css("[data-testid='target-name'] input"), "dr-keys");
    s.type_into(
        &s.css("[data-testid='target-account'] input"),
        "444455556666",
    );
    s.type_into(
        &s.css("[data-testid='target-endpoint'] input"),
        &sandbox.endpoint,
    );
    s.click(&s.text("Access keys"));
    s.type_into(
        &s.css("[data-testid='target-access-key-id'] input"),
        "AKIASANDBOXRECOV0001",
    );
    s.type_into(&s.css("[data-testid='target-secret'] input"), E2E_SECRET);
    s.screenshot("18-add-target");
    s.click(&s.css("[data-testid='target-save']"));
    s.wait_for_text("Target dr-keys was added.");
    s.click(&s.find(
        "xpath",
        "//tr[.//*[normalize-space(text())='dr-keys']]//input[@type='radio']",
    ));
    s.click(&s.css("[data-testid='test-target']"));
    s.wait_for_text("arn:aws:iam::444455556666:user/sandbox-admin");
    s.click(&s.css("[data-testid='use-target']"));
    s.wait_for_text("dr-keys: 444455556666 user/sandbox-admin");
    s.screenshot("19-keys-target-tested");
    // Support: where the logs are, and the diagnostics to copy.
    s.click(&s.text("Settings"));
    s.css("[data-testid='support']");
    s.wait_for_text("Copy diagnostics");
    s.wait_for_text("drs-orchestrator.");
    s.screenshot("20-settings-support");
    s.close();
    drop(sandbox);

    // The secret is nowhere in the data directory.
    for path in common::files_under(&data) {
        let bytes = std::fs::read(&path).unwrap();
        assert!(
            !bytes
                .windows(E2E_SECRET.len())
                .any(|w| w == E2E_SECRET.as_bytes()),
            "the secret is in {}",
            path.display()
        );
    }

    // The store agrees with what the window showed.
    let shown = Command::new(&app)
        .arg("--data-dir")
        .arg(&data)
        .args(["--json", "plan", "show", "E2E shop drill"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&shown.stdout).unwrap();
    let waves = &v["plan"]["plan"]["waves"];
    assert_eq!(waves[0]["groups"], json!(["shop-db"]));
    assert_eq!(waves[1]["groups"], json!(["shop-app"]));
    assert_eq!(waves[1]["dependsOn"], json!(["wave 1"]));
    assert_eq!(
        waves[1]["after"],
        json!([
            { "name": "step 1", "kind": "manual", "instruction": "Check the shop answers on its recovery URL.", "onFailure": "stop" },
            { "name": "step 2", "kind": "route53", "servers": ["shop-app-01"], "zoneId": "Z05RETAILPROD", "drillZoneId": "Z05RETAILDRILL", "record": "shop.retail.internal", "onFailure": "stop" }
        ])
    );
    assert_eq!(v["problems"], json!([]));
}

/// The way home in the window, on the built-in sandbox: a recovery of a small plan started
/// from the Executions page, then the plan's Failback page walks reprotect, failback readiness
/// (originals prepared, as chosen) and a failback confirmed by name, each followed live.
#[test]
fn the_way_home_walks_recover_reprotect_and_failback() {
    if std::env::var("DRS_E2E").as_deref() != Ok("1") {
        eprintln!("skipped: set DRS_E2E=1 with Xvfb and tauri-driver available (the README's test command does)");
        return;
    }
    let _window = one_window();
    let app = PathBuf::from(env!("CARGO_BIN_EXE_drs-orchestrator"));
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    import(
        &app,
        &data,
        "plan",
        "apiVersion: drs-orchestrator/v1
kind: RecoveryPlan
metadata: {name: homecoming}
spec:
  rtoTargetMinutes: 60
  waves:
    - {name: data, groups: [retail-db]}
    - {name: web, groups: [retail-web], dependsOn: [data]}
",
    );
    let driver = Driver::start(&data);
    let s = driver.session(&app);
    // A real recovery, confirmed by the plan's name.
    s.click(&s.text("Executions"));
    s.click(&s.css("[data-testid='new-execution']"));
    s.select("start-plan", "homecoming");
    s.click(&s.text("Recovery (failover)"));
    s.type_into(&s.css("[data-testid='confirm-plan'] input"), "homecoming");
    s.click(&s.text("Start even if readiness finds blockers (recorded in the audit log)"));
    s.click(&s.css("[data-testid='start-execution']"));
    s.wait_for_text("16/16 launched");
    // The plan's way home.
    s.plan_page("homecoming", "plan-lifecycle");
    s.wait_for_text("Where the plan is: recovered");
    s.screenshot("21-lifecycle-recovered");
    s.click(&s.css("[data-testid='start-reprotect']"));
    s.wait_for_text("Reprotect: homecoming");
    s.wait_for_text("16/16 replicating");
    s.screenshot("22-reprotect-live");
    s.plan_page("homecoming", "plan-lifecycle");
    s.wait_for_text("Where the plan is: ready to fail back");
    s.click(&s.css("[data-testid='failback-check']"));
    s.wait_for_text("Not ready: 16 blocker(s)");
    s.click(&s.text("Prepare them"));
    // Warnings: the originals get prepared, and the lag is high while production runs in the
    // recovery region (the failback waits for it after the stop).
    s.wait_for_text("Ready to fail back, 32 warning(s)");
    s.screenshot("23-failback-readiness");
    s.click(&s.css("[data-testid='failback-start']"));
    s.type_into(&s.css("[data-testid='failback-typed'] input"), "homecoming");
    s.click(&s.css("[data-testid='failback-confirm']"));
    s.wait_for_text("Failback: homecoming");
    s.wait_for_text("16/16 launched");
    s.screenshot("24-failback-done");
    s.plan_page("homecoming", "plan-lifecycle");
    s.wait_for_text("Where the plan is: failed back, not yet protected again");
    s.css("[data-testid='start-reprotect']");
    s.screenshot("25-lifecycle-failed-back");
    s.close();
    // The store agrees: each server back in its original instance.
    let out = Command::new(&app)
        .arg("--data-dir")
        .arg(&data)
        .args(["--json", "plan", "status", "homecoming"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["phase"], "failedBack", "{v}");
}

#[test]
fn publish_the_plan_to_drs_and_run_a_drill_there() {
    if std::env::var("DRS_E2E").as_deref() != Ok("1") {
        eprintln!("skipped: set DRS_E2E=1 with Xvfb and tauri-driver available (the README's test command does)");
        return;
    }
    let _window = one_window();
    let app = PathBuf::from(env!("CARGO_BIN_EXE_drs-orchestrator"));
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    import(
        &app,
        &data,
        "plan",
        "apiVersion: drs-orchestrator/v1
kind: RecoveryPlan
metadata: {name: shop-in-drs}
spec:
  rtoTargetMinutes: 60
  waves:
    - name: data
      groups: [retail-db]
      after: [{name: settle, kind: wait, minutes: 2}]
    - {name: cache, groups: [retail-cache], dependsOn: [data], approvalRequired: true}
",
    );
    let driver = Driver::start(&data);
    let s = driver.session(&app);
    s.plan_page("shop-in-drs", "plan-native");
    s.wait_for_text("Not published to DRS");
    s.wait_for_text("starts as soon as the step before it ends: DRS has no approval step");
    s.screenshot("26-native-preview");
    s.click(&s.css("[data-testid='native-publish']"));
    s.wait_for_text("matches the current revision");
    s.wait_for_text("data settle");
    s.screenshot("27-native-published");
    s.click(&s.text("Start even if readiness finds blockers (recorded in the audit log)"));
    s.click(&s.css("[data-testid='native-drill']"));
    s.wait_for_text("Drill: shop-in-drs");
    s.wait_for_text("started from this app");
    s.wait_for_text("Run by DRS; cleaned up by the app");
    s.wait_for_text("10/10 launched");
    s.screenshot("28-native-drill");

    // Always-on monitoring in the (sandbox's) account: shown before it is made, deployed, in
    // place afterwards.
    s.click(&s.text("Monitoring"));
    s.wait_for_text("Not deployed");
    s.wait_for_text("create SNS topic drs-orchestrator-Sandbox");
    s.type_into(
        &s.css("input[aria-label='E-mail recipients']"),
        "ops@example.com",
    );
    s.click(&s.text("Apply"));
    s.wait_for_text("subscribe ops@example.com");
    s.screenshot("29-monitoring-plan");
    s.click(&s.css("[data-testid='monitoring-deploy']"));
    s.click(&s.css("[data-testid='monitoring-confirm']"));
    s.wait_for_text("Deployed and in place");
    s.wait_for_text("some awaiting confirmation");
    s.screenshot("30-monitoring-deployed");
    s.close();
    let out = Command::new(&app)
        .arg("--data-dir")
        .arg(&data)
        .args(["--json", "executions", "list"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v[0]["kind"], "drill", "{v}");
}
