//! Thin `#[tauri::command]` adapters over the application layer (`drs_app::App`), one file per
//! area: they parse what the UI sends, call one use case, and return what it gives.

pub mod app;
pub mod documents;
pub mod execution;
pub mod failback;
pub mod group;
pub mod inventory;
pub mod monitoring;
pub mod native;
pub mod operations;
pub mod plan;
pub mod readiness;
pub mod report;

use drs_app::App;
use drs_store::{Store, StoreError};

pub use drs_app::{AppError as IpcError, ErrorCode};

/// Result of a command: every error crosses the IPC boundary as one shape, `{code, message,
/// problems}`, with `code` a closed [`ErrorCode`] (`invalid`, `not_found`, `conflict`,
/// `not_ready`, `store_unavailable`, `io`, `aws`, `keychain`, `internal`) the UI branches on.
pub type CmdResult<T> = Result<T, IpcError>;

/// Runs `f` with the open store, or reports why there is none.
pub(crate) fn with_store<T>(
    app: &App,
    f: impl FnOnce(&mut Store) -> Result<T, StoreError>,
) -> CmdResult<T> {
    app.with_store(|s| Ok(f(s)?))
}

/// The command names are written in four places that must agree: the handler registration
/// (`lib.rs`), the build script (which makes an `allow-…` permission per command), the
/// permission set the window is granted (`permissions/app-commands.toml`, named by
/// `capabilities/default.json`), and the UI's calls (`ui/src/backend.ts`).
#[cfg(test)]
mod command_lists {
    use std::collections::BTreeSet;

    /// Each `"name"` (a quoted identifier) in `text` after `start` and before `end`.
    fn quoted(text: &str, start: &str, end: &str) -> BTreeSet<String> {
        let from = text.find(start).map_or(0, |i| i + start.len());
        let body = &text[from..];
        let body = &body[..body.find(end).unwrap_or(body.len())];
        body.split('"')
            .skip(1)
            .step_by(2)
            .map(str::to_string)
            .collect()
    }

    fn handlers() -> BTreeSet<String> {
        let lib = include_str!("../lib.rs");
        let from = lib
            .find("generate_handler![")
            .expect("lib.rs registers the handlers");
        let body = &lib[from..];
        let body = &body[..body.find("])").expect("the handler list ends")];
        body.split(',')
            .filter_map(|item| item.trim().rsplit("::").next())
            .filter(|name| !name.is_empty() && !name.contains('['))
            .map(str::to_string)
            .collect()
    }

    #[test]
    fn the_four_command_lists_agree() {
        let handlers = handlers();
        assert!(handlers.len() > 60, "{handlers:?}");
        let build = quoted(include_str!("../build.rs"), "fn drs_commands()", "\n}\n");
        assert_eq!(
            handlers, build,
            "lib.rs generate_handler! vs build.rs drs_commands()"
        );
        let granted: BTreeSet<String> = quoted(
            include_str!("../permissions/app-commands.toml"),
            "permissions = [",
            "]",
        )
        .into_iter()
        .map(|p| p.strip_prefix("allow-").unwrap_or(&p).replace('-', "_"))
        .collect();
        assert_eq!(handlers, granted, "lib.rs vs permissions/app-commands.toml");
        let capability = include_str!("../capabilities/default.json");
        assert!(
            capability.contains("\"app-commands\""),
            "capabilities/default.json grants the app-commands set"
        );
        let called: BTreeSet<String> = include_str!("../../ui/src/backend.ts")
            .split("call<")
            .skip(1)
            .filter_map(|rest| rest.split_once(">(\"").map(|(_, after)| after))
            .filter_map(|after| after.split('"').next())
            .map(str::to_string)
            .collect();
        assert!(called.len() > 50, "{called:?}");
        let unknown: Vec<&String> = called.difference(&handlers).collect();
        assert!(
            unknown.is_empty(),
            "the UI calls unregistered commands: {unknown:?}"
        );
    }

    /// No command takes a file path from the web view: dialogs open in Rust (see `dialogs`).
    #[test]
    fn no_command_takes_a_path() {
        let sources = [
            include_str!("app.rs"),
            include_str!("documents.rs"),
            include_str!("execution.rs"),
            include_str!("group.rs"),
            include_str!("inventory.rs"),
            include_str!("operations.rs"),
            include_str!("plan.rs"),
            include_str!("readiness.rs"),
            include_str!("report.rs"),
        ];
        let mut commands = 0;
        for source in sources {
            for part in source.split("#[tauri::command]").skip(1) {
                let signature = &part[..part.find('{').unwrap_or(part.len())];
                commands += 1;
                assert!(
                    !signature.contains("PathBuf") && !signature.contains("Path>"),
                    "a command takes a path: {signature}"
                );
            }
        }
        assert!(commands > 60, "{commands} commands read");
    }
}
