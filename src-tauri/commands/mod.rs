//! Thin `#[tauri::command]` adapters over the store and the core, one file per area. Every error
//! crosses the IPC boundary as one serialisable shape, [`IpcError`].

pub mod app;
pub mod documents;
pub mod execution;
pub mod group;
pub mod inventory;
pub mod operations;
pub mod plan;
pub mod readiness;
pub mod report;

use crate::files::FileError;
use crate::AppState;
use drs_core::Problem;
use drs_store::{Store, StoreError};
use serde::Serialize;

/// The one error shape the UI receives. `code` is what the UI branches on:
/// - `invalid`: the input breaks a rule; `problems` lists each with its field path;
/// - `not_found`: the named plan, group or revision does not exist;
/// - `conflict`: a name is taken, an edit is stale, or something still uses the object;
/// - `store_unavailable`: the database could not be opened (read-only, newer version, …);
/// - `io`: a file could not be read or written;
/// - `aws`: AWS (or the sandbox) refused or could not be reached — the message says which;
/// - `keychain`: the OS keychain is missing, locked or refused; nothing was saved;
/// - `internal`: anything else.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct IpcError {
    /// Machine-readable kind.
    pub code: &'static str,
    /// Human-readable message.
    pub message: String,
    /// Validation problems, for `invalid`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<Problem>,
}

impl IpcError {
    pub(crate) fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            problems: Vec::new(),
        }
    }
}

impl From<StoreError> for IpcError {
    fn from(e: StoreError) -> Self {
        let code = match &e {
            StoreError::Invalid { .. } => "invalid",
            StoreError::NotFound { .. } => "not_found",
            StoreError::Conflict(_) | StoreError::Fenced { .. } => "conflict",
            StoreError::DataDir { .. }
            | StoreError::Open { .. }
            | StoreError::ReadOnly { .. }
            | StoreError::TooNew { .. }
            | StoreError::NotOurs { .. } => "store_unavailable",
            StoreError::Sqlite(_) | StoreError::Corrupt(_) => "internal",
        };
        let message = e.to_string();
        let problems = match e {
            StoreError::Invalid { problems, .. } => problems,
            _ => Vec::new(),
        };
        Self {
            code,
            message,
            problems,
        }
    }
}

impl From<drs_core::cloud::CloudError> for IpcError {
    fn from(e: drs_core::cloud::CloudError) -> Self {
        Self::new("aws", e.to_string())
    }
}

impl From<FileError> for IpcError {
    fn from(e: FileError) -> Self {
        match e {
            FileError::NotText { path, source } => Self {
                code: "invalid",
                message: format!("{path}: {source}"),
                problems: source.problems,
            },
            other => Self::new("io", other.to_string()),
        }
    }
}

impl From<crate::credentials::TargetError> for IpcError {
    fn from(e: crate::credentials::TargetError) -> Self {
        use crate::credentials::TargetError;
        match e {
            TargetError::Store(s) => s.into(),
            TargetError::Invalid { target, problems } => Self {
                code: "invalid",
                message: format!("target \"{target}\" is not valid"),
                problems,
            },
            other @ (TargetError::Keychain { .. } | TargetError::Inconsistent { .. }) => {
                Self::new("keychain", other.to_string())
            }
        }
    }
}

/// Result of a command.
pub type CmdResult<T> = Result<T, IpcError>;

/// Runs `f` with the open store, or reports why there is none.
pub(crate) fn with_store<T>(
    state: &AppState,
    f: impl FnOnce(&mut Store) -> Result<T, StoreError>,
) -> CmdResult<T> {
    locked(&state.store, state.open_error.as_deref(), |s| Ok(f(s)?))
}

/// Runs `f` with the open store and the keychain on a blocking thread: keychain calls block
/// (D-Bus) and must not run on the async runtime.
pub(crate) async fn with_store_and_keychain<T: Send + 'static>(
    state: &AppState,
    f: impl FnOnce(&mut Store, &dyn drs_secrets::Secrets) -> CmdResult<T> + Send + 'static,
) -> CmdResult<T> {
    let store = std::sync::Arc::clone(&state.store);
    let keychain = std::sync::Arc::clone(&state.keychain);
    let open_error = state.open_error.clone();
    tauri::async_runtime::spawn_blocking(move || {
        locked(&store, open_error.as_deref(), |s| f(s, keychain.as_ref()))
    })
    .await
    .map_err(|e| IpcError::new("internal", format!("a background task failed: {e}")))?
}

fn locked<T>(
    store: &std::sync::Mutex<Option<Store>>,
    open_error: Option<&str>,
    f: impl FnOnce(&mut Store) -> CmdResult<T>,
) -> CmdResult<T> {
    let mut guard = store.lock().map_err(|_| {
        IpcError::new(
            "internal",
            "the store lock was poisoned by an earlier failure; restart the app",
        )
    })?;
    match guard.as_mut() {
        Some(store) => f(store),
        None => Err(IpcError::new(
            "store_unavailable",
            open_error.unwrap_or("the store is not open").to_string(),
        )),
    }
}
