//! Thin `#[tauri::command]` adapters over the application layer (`drs_app::App`), one file per
//! area: they parse what the UI sends, call one use case, and return what it gives.

pub mod app;
pub mod documents;
pub mod execution;
pub mod group;
pub mod inventory;
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
