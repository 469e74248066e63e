//! # DRS Orchestrator — the app
//!
//! One binary, two faces: with no arguments it opens the Tauri window (the React + Cloudscape UI
//! bundled from `ui/dist`); with a subcommand it is the CLI. Both are thin adapters over the same
//! core:
//!
//! ```text
//!   ui/ (React) ──invoke──▶ commands/ ─┐
//!                                       ├──▶ drs-store (SQLite) ──▶ drs-core (domain, rules, YAML)
//!   terminal ──────────────▶ cli/ ─────┘
//! ```
//!
//! - [`commands`]: `#[tauri::command]` functions, one file per area; every error crosses the IPC
//!   boundary as one `{code, message, problems?}` shape ([`commands::IpcError`]).
//! - [`cli`]: clap subcommands with human output by default and `--json` for machines.
//! - [`data_dir`]: where the store lives (`--data-dir`, `DRS_ORCH_DATA_DIR`, or the platform's
//!   app data directory).
//! - [`files`]: reading YAML files safely and writing exports atomically.
//!
//! [`setup`] registers plugins, state and handlers on any [`tauri::Runtime`], so the IPC tests run
//! the same wiring on Tauri's mock runtime with the real capabilities from [`context`].

pub mod cli;
pub mod commands;
pub mod connect;
pub mod credentials;
pub mod data_dir;
pub mod execute;
pub mod files;
pub mod health;
pub mod launch_settings;
pub mod readiness;
pub mod reports;
pub mod tag_sync;

use drs_secrets::{Keychain, Secrets};
use drs_store::Store;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex, OnceLock};
use tauri::{Builder, Runtime};

/// The sample groups and plan for the sandbox's built-in scenario, imported on first start.
pub const SAMPLE_ESTATE_YAML: &str = include_str!("../examples/retail.yaml");

/// What every command can reach: the store (or why it could not be opened) and who is acting.
pub struct AppState {
    /// The open store; `None` when opening failed (see `open_error`).
    pub store: Arc<Mutex<Option<Store>>>,
    /// Why the store could not be opened, shown by every page.
    pub open_error: Option<String>,
    /// The data directory in use.
    pub data_dir: PathBuf,
    /// Who edits are recorded as.
    pub actor: String,
    /// The in-process sandbox behind the default "Sandbox" target.
    pub sandbox: connect::EmbeddedSandbox,
    /// The OS keychain, where target secrets live.
    pub keychain: Arc<dyn Secrets>,
    /// The startup check of the keychain: unset while it runs, then ok or why not.
    pub keychain_check: Arc<OnceLock<Result<(), String>>>,
    /// Live views of executions, and the executions this app drives.
    pub watchers: commands::execution::Watchers,
    /// Reports made and not yet saved.
    pub reports: commands::report::MadeReports,
}

impl AppState {
    /// Opens the store in `data_dir`, making sure the sandbox target exists. A failure is kept
    /// and reported by the UI instead of stopping the app.
    pub fn open(data_dir: PathBuf) -> Self {
        let actor = data_dir::actor();
        let opened = open_store(&data_dir, &actor);
        let (store, open_error) = match opened {
            Ok(s) => (Some(s), None),
            Err(e) => (None, Some(e.to_string())),
        };
        Self {
            store: Arc::new(Mutex::new(store)),
            open_error,
            data_dir,
            actor,
            sandbox: connect::EmbeddedSandbox::default(),
            keychain: Arc::new(Keychain::new()),
            keychain_check: Arc::new(OnceLock::new()),
            watchers: Default::default(),
            reports: Default::default(),
        }
    }

    /// Proves on a background thread that the OS keychain really keeps secrets (a write, read
    /// and delete of a probe entry), so that a missing or locked Secret Service is reported at
    /// startup rather than at the first save. The result is shown by the Targets page.
    pub fn check_keychain_in_background(&self) {
        let done = Arc::clone(&self.keychain_check);
        let spawned = std::thread::Builder::new()
            .name("keychain-check".into())
            .spawn(move || {
                let _ = done.set(Keychain::new().check().map_err(|e| e.to_string()));
            });
        if let Err(e) = spawned {
            let _ = self
                .keychain_check
                .set(Err(format!("the keychain check could not start: {e}")));
        }
    }
}

/// Opens the store in `data_dir`. On the very first start it creates the "Sandbox" target and
/// imports the sample groups and plan for the sandbox's scenario, so a new user sees a populated
/// app. Shared by the window and the CLI.
pub fn open_store(data_dir: &std::path::Path, actor: &str) -> Result<Store, drs_store::StoreError> {
    let mut store = Store::open(data_dir)?;
    if store.ensure_sandbox_target(actor)? {
        store.import_yaml(SAMPLE_ESTATE_YAML, actor)?;
    }
    Ok(store)
}

/// `t` as RFC 3339 in whole seconds (how the store, journals and reports write times).
pub fn rfc3339(t: time::OffsetDateTime) -> String {
    t.replace_nanosecond(0)
        .unwrap_or(t)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// Now, as [`rfc3339`].
pub fn now() -> String {
    rfc3339(time::OffsetDateTime::now_utc())
}

/// The generated Tauri context: `tauri.conf.json`, the bundled UI and the capabilities/ACL.
pub fn context<R: Runtime>() -> tauri::Context<R> {
    tauri::generate_context!()
}

/// Registers plugins, state and every command on `builder`.
pub fn setup<R: Runtime>(builder: Builder<R>, state: AppState) -> Builder<R> {
    builder
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_notification::init())
        .manage(state)
        .setup(|app| {
            commands::report::spawn_schedule(app.handle().clone());
            commands::execution::spawn_follower(app.handle().clone());
            commands::operations::spawn_monitors(app.handle().clone());
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::app::app_info,
            commands::app::app_ready,
            commands::app::target_list,
            commands::app::target_test,
            commands::app::target_save,
            commands::app::target_remove,
            commands::app::aws_profiles,
            commands::app::audit_list,
            commands::plan::plan_list,
            commands::plan::plan_get,
            commands::plan::plan_validate,
            commands::plan::plan_save,
            commands::plan::plan_clone,
            commands::plan::plan_delete,
            commands::plan::plan_revisions,
            commands::plan::plan_revision_get,
            commands::plan::plan_revision_diff,
            commands::plan::plan_restore,
            commands::plan::plan_export_yaml,
            commands::plan::plan_export_file,
            commands::group::group_list,
            commands::group::group_get,
            commands::group::group_validate,
            commands::group::group_save,
            commands::group::group_delete,
            commands::group::group_export_yaml,
            commands::group::group_export_file,
            commands::documents::import_file,
            commands::documents::import_yaml,
            commands::inventory::inventory_load,
            commands::execution::execution_start,
            commands::execution::execution_watch,
            commands::execution::execution_list,
            commands::execution::execution_get,
            commands::execution::execution_request,
            commands::execution::execution_resume,
            commands::execution::execution_orphans,
            commands::readiness::readiness_check,
            commands::readiness::readiness_get,
            commands::readiness::readiness_list,
            commands::readiness::pairs_preview,
            commands::readiness::pairs_apply,
            commands::readiness::pairs_undo,
            commands::readiness::pair_override_set,
            commands::readiness::pair_override_clear,
            commands::report::report_readiness,
            commands::report::report_drill,
            commands::report::report_save,
            commands::report::report_schedule_get,
            commands::report::report_schedule_set,
            commands::report::report_schedule_run_now,
            commands::operations::group_members,
            commands::operations::group_launch_preview,
            commands::operations::group_launch_apply,
            commands::operations::group_launch_applies,
            commands::operations::group_launch_rollback,
            commands::operations::health_check,
            commands::operations::thresholds_get,
            commands::operations::thresholds_set,
            commands::operations::tags_sync,
            commands::operations::tags_schedule_get,
            commands::operations::tags_schedule_set,
        ])
}

/// Opens the GUI on the data directory from `DRS_ORCH_DATA_DIR` or the platform default.
pub fn run_gui() -> ExitCode {
    let dir = match data_dir::resolve(None) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let state = AppState::open(dir);
    state.check_keychain_in_background();
    match setup(Builder::default(), state).run(context()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: the window could not be opened: {e}");
            ExitCode::FAILURE
        }
    }
}
