//! The IPC boundary with the window: the few shapes only the window's commands send (what the
//! app runs on, an import's outcome, a report made and kept for saving, the progress of a long
//! operation), and the check that the UI's TypeScript declarations of every type crossing IPC,
//! `ui/src/generated/ipc.ts`, are the ones generated from the Rust types.
//!
//! Every type whose JSON reaches the UI, or that the UI sends, derives `ts_rs::TS` with
//! `#[ts(export_to = "ipc.ts")]` (and `#[ts(optional)]` on fields serde leaves out when empty).
//! The unit test in this module renders the commands' argument and result types, and every
//! type they contain, into one file and compares it with the checked-in one: it fails when they
//! differ. After changing such a type, regenerate the file and commit it with the change:
//!
//! ```text
//! DRS_UPDATE_IPC_TYPES=1 cargo test -p drs-app --lib ipc
//! ```

use crate::reports::Preview;
use drs_core::Problem;
use drs_store::ImportSummary;
use serde::Serialize;

/// What the header and Settings page show.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub struct AppInfo {
    /// App version.
    pub version: String,
    /// The data directory.
    pub data_dir: String,
    /// The database file, when open.
    pub database: Option<String>,
    /// Why the database could not be opened.
    pub store_error: Option<String>,
    /// Who edits are recorded as.
    pub actor: String,
    /// The startup check of the OS keychain (`unavailable` comes with `keychainError`).
    pub keychain: KeychainState,
    /// Why the keychain cannot be used.
    pub keychain_error: Option<String>,
    /// The data directory or database when others may read them.
    pub access_warnings: Vec<String>,
}

/// Where the startup check of the OS keychain is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub enum KeychainState {
    /// Still running.
    Checking,
    /// The keychain works.
    Ok,
    /// The keychain cannot be used.
    Unavailable,
}

impl KeychainState {
    /// The state of a check that has not ended (`None`), worked or failed.
    pub fn of(check: Option<&Result<(), String>>) -> Self {
        match check {
            None => Self::Checking,
            Some(Ok(())) => Self::Ok,
            Some(Err(_)) => Self::Unavailable,
        }
    }
}

/// What an import wrote, and its warnings.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub struct ImportOutcome {
    /// Groups and plans written.
    pub summary: ImportSummary,
    /// Warnings, with positions.
    pub warnings: Vec<Problem>,
}

/// A report made and kept in memory until the user saves it.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub struct MadeReport {
    /// Pass to `report_save`.
    pub token: String,
    /// What it says.
    pub preview: Preview,
}

/// Progress of a long operation: servers done of servers in all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub struct Progress {
    /// Done.
    pub done: usize,
    /// In all.
    pub total: usize,
}

#[cfg(test)]
mod typescript {
    //! Renders the IPC types with ts-rs and compares them with `ui/src/generated/ipc.ts`.

    use super::{AppInfo, ImportOutcome, MadeReport, Progress};
    use crate::credentials::{SaveMode, SecretInput};
    use crate::diagnostics::DiagnosticsText;
    use crate::executions::{ExecutionDetail, Orphan, RequestOutcome};
    use crate::health::TargetHealth;
    use crate::launch_settings::{GroupPreview, Members};
    use crate::readiness::{PairsOutcome, PairsPreview};
    use crate::reports::{ReportFormat, Schedule, ScheduleRun};
    use crate::schedules::Problem as BackgroundProblem;
    use crate::schedules::{ScheduleState, TagSchedule, TagScheduleState};
    use crate::tag_sync::TargetSync;
    use crate::AppError;
    use drs_aws::profiles::ProfileInfo;
    use drs_core::cloud::CallerIdentity;
    use drs_core::execution::{Execution, ExecutionKind};
    use drs_core::group_settings::LaunchApplication;
    use drs_core::inventory::Inventory;
    use drs_core::readiness::{Readiness, Thresholds};
    use drs_core::{Problem, ProtectionGroup, RecoveryPlan, Target};
    use drs_store::{
        AuditEntry, ExecutionSummary, PlanSummary, ReadinessSummary, RevisionInfo, SavePlan,
        StoredPlan,
    };
    use std::any::TypeId;
    use std::collections::BTreeMap;
    use std::path::{Path, PathBuf};
    use ts_rs::{Config, TypeVisitor, TS};

    /// Set to `1` to write the file instead of comparing.
    const ENV_UPDATE: &str = "DRS_UPDATE_IPC_TYPES";
    /// How to regenerate the file.
    const REGENERATE: &str = "DRS_UPDATE_IPC_TYPES=1 cargo test -p drs-app --lib ipc";
    /// The file every IPC type is exported to (`#[ts(export_to = "ipc.ts")]`).
    const FILE_NAME: &str = "ipc.ts";

    /// The checked-in file.
    fn generated_file() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../ui/src/generated/ipc.ts")
    }

    /// The roots: every type a command takes from the UI or gives back (its result, its error,
    /// what it streams on a channel). What they contain is found from them.
    fn visit_roots(v: &mut Declarations) {
        // Every command's error.
        v.visit::<AppError>();
        // App, targets, audit (commands/app.rs).
        v.visit::<AppInfo>();
        v.visit::<Target>();
        v.visit::<SecretInput>();
        v.visit::<SaveMode>();
        v.visit::<CallerIdentity>();
        v.visit::<crate::targets::TargetTest>();
        v.visit::<ProfileInfo>();
        v.visit::<AuditEntry>();
        // Plans and groups (commands/plan.rs, group.rs, documents.rs).
        v.visit::<PlanSummary>();
        v.visit::<StoredPlan>();
        v.visit::<RecoveryPlan>();
        v.visit::<SavePlan>();
        v.visit::<RevisionInfo>();
        v.visit::<Problem>();
        v.visit::<ProtectionGroup>();
        v.visit::<ImportOutcome>();
        // Inventory, readiness and pairs (commands/inventory.rs, readiness.rs).
        v.visit::<Inventory>();
        v.visit::<Readiness>();
        v.visit::<ReadinessSummary>();
        v.visit::<PairsPreview>();
        v.visit::<PairsOutcome>();
        // Executions (commands/execution.rs).
        v.visit::<ExecutionKind>();
        v.visit::<Execution>();
        v.visit::<ExecutionSummary>();
        v.visit::<ExecutionDetail>();
        v.visit::<RequestOutcome>();
        v.visit::<Orphan>();
        // Reports (commands/report.rs).
        v.visit::<ReportFormat>();
        v.visit::<MadeReport>();
        v.visit::<Schedule>();
        v.visit::<ScheduleState>();
        v.visit::<ScheduleRun>();
        // Operations (commands/operations.rs).
        v.visit::<Members>();
        v.visit::<GroupPreview>();
        v.visit::<LaunchApplication>();
        v.visit::<Progress>();
        v.visit::<TargetHealth>();
        v.visit::<Thresholds>();
        v.visit::<TargetSync>();
        v.visit::<TagSchedule>();
        v.visit::<TagScheduleState>();
        // Failback (commands/failback.rs).
        v.visit::<drs_core::failback::Lifecycle>();
        v.visit::<drs_core::failback::FailbackReadiness>();
        v.visit::<drs_core::failback::OriginalChoice>();
        v.visit::<crate::failback::FailbackCleanup>();
        v.visit::<crate::native::NativePreview>();
        v.visit::<drs_core::native_plan::PublishOutcome>();
        v.visit::<drs_core::native_plan::NativePlan>();
        v.visit::<drs_core::native_plan::Imported>();
        v.visit::<drs_core::permissions::FeaturePermissions>();
        v.visit::<crate::monitoring::MonitoringStatus>();
        v.visit::<crate::monitoring::MonitoringOutcome>();
        // Support (commands/app.rs).
        v.visit::<DiagnosticsText>();
        v.visit::<BackgroundProblem>();
    }

    /// The declarations found so far, by TypeScript name, and what is wrong.
    struct Declarations {
        cfg: Config,
        found: BTreeMap<String, Declaration>,
        errors: Vec<String>,
    }

    /// One TypeScript declaration and the Rust type it comes from.
    struct Declaration {
        id: TypeId,
        rust: &'static str,
        text: String,
    }

    impl TypeVisitor for Declarations {
        fn visit<T: TS + 'static + ?Sized>(&mut self) {
            // Primitives, collections and inlined types have no declaration of their own.
            let Some(path) = T::output_path() else {
                return;
            };
            let rust = std::any::type_name::<T>();
            let name = T::ident(&self.cfg);
            if let Some(seen) = self.found.get(&name) {
                if seen.id != TypeId::of::<T>() {
                    self.errors.push(format!(
                        "`{}` and `{rust}` are both `{name}` in TypeScript: give one another \
                         name with #[ts(rename = \"...\")]",
                        seen.rust
                    ));
                }
                return;
            }
            if path != Path::new(FILE_NAME) {
                self.errors.push(format!(
                    "`{rust}` is exported to {}: add #[ts(export_to = \"{FILE_NAME}\")] to it",
                    path.display()
                ));
                return;
            }
            let text = match T::export_to_string(&self.cfg) {
                Ok(text) => text,
                Err(e) => {
                    self.errors.push(format!("`{rust}`: {e}"));
                    return;
                }
            };
            // ts-rs writes its own note line, the imports (none: everything is in one file),
            // an empty line, and the declaration.
            let declaration = match text.split_once("\n\n") {
                Some((head, declaration)) if head.lines().count() == 1 => declaration,
                _ => {
                    self.errors
                        .push(format!("`{rust}` imports types from other files:\n{text}"));
                    return;
                }
            };
            self.found.insert(
                name,
                Declaration {
                    id: TypeId::of::<T>(),
                    rust,
                    text: declaration
                        .trim_end()
                        .lines()
                        .map(str::trim_end)
                        .collect::<Vec<_>>()
                        .join("\n"),
                },
            );
            T::visit_dependencies(self);
        }
    }

    /// The whole file: a header, then every declaration in name order.
    fn render() -> Result<String, String> {
        let mut declarations = Declarations {
            // i64 and u64 are JSON numbers, and `number` in the UI.
            cfg: Config::new().with_large_int("number"),
            found: BTreeMap::new(),
            errors: Vec::new(),
        };
        visit_roots(&mut declarations);
        if !declarations.errors.is_empty() {
            return Err(declarations.errors.join("\n"));
        }
        let mut out = format!(
            "// The types that cross IPC between the window and the Rust backend, generated from\n\
             // the Rust types (ts-rs) by the drs-app test `ipc::typescript`. Do not edit: change\n\
             // the Rust type, then regenerate this file with\n\
             //   {REGENERATE}\n"
        );
        for declaration in declarations.found.values() {
            out.push('\n');
            out.push_str(&declaration.text);
            out.push('\n');
        }
        Ok(out)
    }

    /// The first line where `a` and `b` differ, for the failure message.
    fn first_difference(a: &str, b: &str) -> String {
        let (mut a_lines, mut b_lines) = (a.lines(), b.lines());
        for n in 1.. {
            match (a_lines.next(), b_lines.next()) {
                (None, None) => break,
                (x, y) if x == y => continue,
                (x, y) => {
                    return format!(
                        "line {n}:\n  Rust types: {}\n  ipc.ts:     {}",
                        x.unwrap_or("(end of file)"),
                        y.unwrap_or("(end of file)")
                    )
                }
            }
        }
        "(only line endings differ)".into()
    }

    #[test]
    fn generated_typescript_matches_the_rust_types() {
        let generated = match render() {
            Ok(text) => text,
            Err(errors) => panic!("the IPC types cannot be rendered:\n{errors}"),
        };
        let path = generated_file();
        if std::env::var(ENV_UPDATE).as_deref() == Ok("1") {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).expect("create ui/src/generated");
            }
            std::fs::write(&path, &generated).expect("write ui/src/generated/ipc.ts");
            return;
        }
        let checked_in = std::fs::read_to_string(&path)
            .unwrap_or_default()
            .replace("\r\n", "\n");
        assert!(
            checked_in == generated,
            "the IPC types drifted: {} is not what the Rust types generate (first difference at \
             {}).\nRegenerate it with `{REGENERATE}` and commit it with the Rust change.",
            path.display(),
            first_difference(&generated, &checked_in),
        );
    }
}
