//! Build script: tauri-build reads `tauri.conf.json` at the package root and generates the
//! context, ACL and command permissions. Capabilities and permissions live under `src-tauri/`.

fn main() {
    let attributes = tauri_build::Attributes::new()
        .capabilities_path_pattern("./src-tauri/capabilities/**/*")
        .app_manifest(
            tauri_build::AppManifest::new()
                .permissions_path_pattern("./src-tauri/permissions/**/*")
                .commands(drs_commands()),
        );
    if let Err(error) = tauri_build::try_build(attributes) {
        println!("cargo::error=tauri-build failed: {error:#}");
        std::process::exit(1);
    }
}

/// Every `#[tauri::command]` the app exposes; tauri-build makes an `allow-…` permission for each.
fn drs_commands() -> &'static [&'static str] {
    &[
        "app_info",
        "app_ready",
        "app_diagnostics",
        "app_background_problems",
        "plan_list",
        "plan_get",
        "plan_validate",
        "plan_save",
        "plan_clone",
        "plan_delete",
        "plan_revisions",
        "plan_revision_get",
        "plan_revision_diff",
        "plan_restore",
        "plan_export_yaml",
        "plan_export_file",
        "group_list",
        "group_get",
        "group_validate",
        "group_save",
        "group_delete",
        "group_export_yaml",
        "group_export_file",
        "import_file",
        "import_yaml",
        "inventory_load",
        "target_list",
        "target_test",
        "target_save",
        "target_remove",
        "aws_profiles",
        "execution_start",
        "execution_watch",
        "execution_list",
        "execution_get",
        "execution_request",
        "execution_resume",
        "execution_orphans",
        "readiness_check",
        "readiness_get",
        "readiness_list",
        "pairs_preview",
        "pairs_apply",
        "pairs_undo",
        "pair_override_set",
        "pair_override_clear",
        "report_readiness",
        "report_drill",
        "report_save",
        "report_schedule_get",
        "report_schedule_set",
        "report_schedule_choose_folder",
        "execution_confirm_step",
        "report_schedule_run_now",
        "group_members",
        "group_launch_preview",
        "group_launch_apply",
        "group_launch_applies",
        "group_launch_rollback",
        "health_check",
        "thresholds_get",
        "thresholds_set",
        "tags_sync",
        "tags_schedule_get",
        "tags_schedule_set",
        "plan_lifecycle",
        "failback_check",
        "reprotect_start",
        "failback_start",
        "failback_cleanup",
        "report_failback",
        "native_preview",
        "native_publish",
        "native_plans",
        "native_import",
        "native_start",
        "monitoring_status",
        "monitoring_deploy",
        "monitoring_remove",
        "monitoring_template_save",
        "report_delivery_retry",
        "permissions_list",
        "audit_list",
    ]
}
