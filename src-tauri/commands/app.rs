//! App-wide commands: what the app is running on, targets, the audit log.

use super::{with_store, CmdResult};
use drs_app::credentials::{self, SaveMode, SecretInput};
use drs_app::ipc::{AppInfo, KeychainState};
use drs_app::App;
use drs_aws::profiles::ProfileInfo;
use drs_core::Target;
use drs_store::AuditEntry;
use tauri::State;

/// Version, data directory, database state and actor.
#[tauri::command]
pub fn app_info(state: State<'_, App>) -> AppInfo {
    let keychain = state.keychain_state();
    AppInfo {
        version: env!("CARGO_PKG_VERSION").into(),
        data_dir: state.data_dir().display().to_string(),
        database: state.database().map(|p| p.display().to_string()),
        store_error: state.open_error().map(str::to_string),
        actor: state.actor().to_string(),
        keychain: KeychainState::of(keychain.as_ref()),
        keychain_error: keychain.and_then(|r| r.err()),
        access_warnings: state.access_warnings().to_vec(),
    }
}

/// What support needs to know (version, data and log places, targets without secrets,
/// background failures); the window copies its text.
#[tauri::command]
pub fn app_diagnostics(state: State<'_, App>) -> drs_app::diagnostics::DiagnosticsText {
    state.diagnostics().into()
}

/// What failed in the app's background loops (schedules, health monitor, the follower of
/// executions) and has not worked since; the Dashboard shows them.
#[tauri::command]
pub fn app_background_problems(state: State<'_, App>) -> Vec<drs_app::schedules::Problem> {
    state.background_problems().list()
}

/// Environment variable that makes the app report its first painted frame on stdout (used by
/// `scripts/bench-startup.sh` to measure cold start).
pub const ENV_STARTUP_PROBE: &str = "DRS_ORCH_STARTUP_PROBE";

/// Called once by the UI after its first frame is painted. With `DRS_ORCH_STARTUP_PROBE=1` the
/// app prints `first-paint` on stdout, so a benchmark can time exec → first paint from outside.
#[tauri::command]
pub fn app_ready() {
    if std::env::var(ENV_STARTUP_PROBE).as_deref() == Ok("1") {
        use std::io::Write;
        let mut out = std::io::stdout();
        let _ = writeln!(out, "first-paint");
        let _ = out.flush();
    }
}

/// Every target.
#[tauri::command]
pub fn target_list(state: State<'_, App>) -> CmdResult<Vec<Target>> {
    with_store(&state, |s| s.targets())
}

/// Calls STS GetCallerIdentity through a target's credentials and checks the account.
#[tauri::command]
pub async fn target_test(
    state: State<'_, App>,
    name: String,
) -> CmdResult<drs_app::targets::TargetTest> {
    state.test_target(&name).await
}

/// Adds or edits a target with its secrets (kept only in the OS keychain). Returns the target
/// as stored, which says only whether a secret is kept.
#[tauri::command]
pub async fn target_save(
    state: State<'_, App>,
    target: Target,
    secrets: Option<SecretInput>,
    mode: SaveMode,
) -> CmdResult<Target> {
    credentials::preflight(&target).await?;
    let actor = state.actor().to_string();
    state
        .with_store_and_keychain(move |s, keychain| {
            Ok(credentials::save(
                s,
                keychain,
                target,
                secrets.unwrap_or_default(),
                mode,
                &actor,
            )?)
        })
        .await
}

/// Removes a target and its keychain entries.
#[tauri::command]
pub async fn target_remove(state: State<'_, App>, name: String) -> CmdResult<()> {
    let actor = state.actor().to_string();
    state
        .with_store_and_keychain(move |s, keychain| {
            Ok(credentials::remove(s, keychain, &name, &actor)?)
        })
        .await
}

/// The profiles of the AWS config files, for the target form.
#[tauri::command]
pub async fn aws_profiles() -> CmdResult<Vec<ProfileInfo>> {
    Ok(drs_aws::profiles::profiles().await?)
}

/// The newest audit entries, optionally about one object.
#[tauri::command]
pub fn audit_list(
    state: State<'_, App>,
    subject: Option<String>,
    limit: Option<u32>,
) -> CmdResult<Vec<AuditEntry>> {
    with_store(&state, |s| {
        s.audit(subject.as_deref(), limit.unwrap_or(200).min(10_000))
    })
}

/// The IAM actions each feature calls.
#[tauri::command]
pub fn permissions_list() -> Vec<drs_core::permissions::FeaturePermissions> {
    drs_core::permissions::features()
}
