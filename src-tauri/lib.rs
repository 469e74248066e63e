//! # DRS Orchestrator — the app
//!
//! One binary, two faces: with no arguments it opens the Tauri window (the React + Cloudscape UI
//! bundled from `ui/dist`); with a subcommand it is the CLI. Both are thin adapters over one
//! application layer, `drs-app`, where every use case and rule lives once:
//!
//! ```text
//!   ui/ (React) ──invoke──▶ commands/ ─┐
//!                                       ├──▶ drs-app (App: the use cases) ──▶ drs-core, drs-store,
//!   terminal ──────────────▶ cli/ ─────┘                                       drs-aws, drs-sandbox,
//!                                                                              drs-secrets, drs-report
//! ```
//!
//! - [`commands`]: `#[tauri::command]` functions, one file per area; each parses, calls one
//!   `App` use case and returns its result; every error crosses the IPC boundary as one
//!   `{code, message, problems?}` shape (`drs_app::AppError`).
//! - [`dialogs`]: native file dialogs opened from Rust (no command takes a path from the page).
//! - [`cli`]: clap subcommands with human output by default and `--json` for machines; each
//!   calls the same use cases and renders them; errors exit with `AppError`'s exit code.
//!
//! [`setup`] registers plugins, the application and the handlers on any [`tauri::Runtime`], so
//! the IPC tests run the same wiring on Tauri's mock runtime with the real capabilities from
//! [`context`].

pub mod cli;
pub mod commands;
pub mod dialogs;

pub use drs_app::{
    connect, credentials, data_dir, execute, files, health, launch_settings, now, open_store,
    readiness, reports, rfc3339, tag_sync, App, SAMPLE_ESTATE_YAML,
};

use std::process::ExitCode;
use std::sync::Arc;
use tauri::{Builder, Manager, Runtime};

/// Desktop notifications for the application layer (best effort: a desktop without a
/// notification service shows none, and the window still shows everything).
struct DesktopNotifier<R: Runtime>(tauri::AppHandle<R>);

impl<R: Runtime> drs_app::Notifier for DesktopNotifier<R> {
    fn notify(&self, title: &str, body: &str) {
        use tauri_plugin_notification::NotificationExt;
        let _ = self
            .0
            .notification()
            .builder()
            .title(drs_app::notification_text(title, false))
            .body(drs_app::notification_text(body, true))
            .show();
    }
}

/// The generated Tauri context: `tauri.conf.json`, the bundled UI and the capabilities/ACL.
pub fn context<R: Runtime>() -> tauri::Context<R> {
    tauri::generate_context!()
}

/// Registers plugins, the application, and every command on `builder`; while the window runs,
/// the application's background loops (schedules, health monitor, the follower of executions)
/// run too and tell people through desktop notifications.
pub fn setup<R: Runtime>(builder: Builder<R>, app: App) -> Builder<R> {
    builder
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_notification::init())
        .manage(app)
        .manage(commands::report::MadeReports::default())
        .manage(dialogs::Dialogs::default())
        .setup(|handle| {
            let app = handle.state::<App>().inner().clone();
            app.set_notifier(Arc::new(DesktopNotifier(handle.handle().clone())));
            tauri::async_runtime::spawn(async move { app.spawn_background() });
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::app::app_info,
            commands::app::app_ready,
            commands::app::app_diagnostics,
            commands::app::app_background_problems,
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
            commands::report::report_schedule_choose_folder,
            commands::execution::execution_confirm_step,
            commands::report::report_schedule_run_now,
            commands::report::report_delivery_retry,
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
            commands::failback::plan_lifecycle,
            commands::failback::failback_check,
            commands::failback::reprotect_start,
            commands::failback::failback_start,
            commands::failback::failback_cleanup,
            commands::report::report_failback,
            commands::native::native_preview,
            commands::native::native_publish,
            commands::native::native_plans,
            commands::native::native_import,
            commands::native::native_start,
            commands::monitoring::monitoring_status,
            commands::monitoring::monitoring_deploy,
            commands::monitoring::monitoring_remove,
            commands::monitoring::monitoring_template_save,
            commands::app::permissions_list,
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
    // The window logs to the file only (its stderr is rarely seen); the guard flushes at exit.
    let (_logging, _) = drs_app::logs::init(&drs_app::logs::log_dir(&dir), 0);
    tracing::info!("window opened on {}", dir.display());
    let app = App::open(dir);
    app.check_keychain_in_background();
    match setup(Builder::default(), app).run(context()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: the window could not be opened: {e}");
            ExitCode::FAILURE
        }
    }
}
