//! The store's error type.

use drs_core::Problem;
use std::path::{Path, PathBuf};

/// Everything that can go wrong in the store, with the place it went wrong.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The data directory could not be created or entered.
    #[error("cannot use the data directory {path}: {source}")]
    DataDir {
        /// The directory.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The database file could not be opened.
    #[error("cannot open the database {path}: {source}")]
    Open {
        /// The file.
        path: PathBuf,
        /// Why.
        source: rusqlite::Error,
    },
    /// The data directory or database is read-only.
    #[error("the database {path} is read-only: check the permissions of the data directory and the file, or choose another --data-dir")]
    ReadOnly {
        /// The file.
        path: PathBuf,
    },
    /// The file was written by a newer version of the app.
    #[error("the database {path} was written by a newer version of DRS Orchestrator (schema version {found}; this version knows up to {supported}). Upgrade the app or use another --data-dir; the file was not changed")]
    TooNew {
        /// The file.
        path: PathBuf,
        /// Its schema version.
        found: i64,
        /// The newest this build knows.
        supported: i64,
    },
    /// The file is not a database of this app.
    #[error("{path} is not a DRS Orchestrator database ({detail})")]
    NotOurs {
        /// The file.
        path: PathBuf,
        /// What SQLite said.
        detail: String,
    },
    /// A named object does not exist.
    #[error("{kind} \"{name}\" not found")]
    NotFound {
        /// "plan", "protection group", …
        kind: &'static str,
        /// Its name.
        name: String,
    },
    /// The change clashes with what is stored (name taken, stale revision, still in use).
    #[error("{0}")]
    Conflict(String),
    /// The object breaks a rule; nothing was written.
    #[error("{what} is not valid:\n{}", .problems.iter().map(|p| format!("  {p}")).collect::<Vec<_>>().join("\n"))]
    Invalid {
        /// What was being saved.
        what: String,
        /// Every problem.
        problems: Vec<Problem>,
    },
    /// Any other SQLite error.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// Another driver holds the execution's lease now.
    #[error("execution {execution} is driven by {holder} now; this process stops driving it")]
    Fenced {
        /// Execution.
        execution: String,
        /// The lease's holder.
        holder: String,
    },
    /// Stored JSON that no longer reads (should not happen).
    #[error("stored data is damaged: {0}")]
    Corrupt(String),
}

impl StoreError {
    /// Turns generic SQLite failures met while opening into the specific ones, naming the file.
    pub(crate) fn in_file(self, path: &Path) -> Self {
        use rusqlite::ErrorCode;
        match self {
            StoreError::Sqlite(rusqlite::Error::SqliteFailure(e, msg)) => match e.code {
                ErrorCode::ReadOnly | ErrorCode::CannotOpen | ErrorCode::PermissionDenied => {
                    StoreError::ReadOnly {
                        path: path.to_path_buf(),
                    }
                }
                ErrorCode::NotADatabase => StoreError::NotOurs {
                    path: path.to_path_buf(),
                    detail: msg.unwrap_or_else(|| e.to_string()),
                },
                _ => StoreError::Open {
                    path: path.to_path_buf(),
                    source: rusqlite::Error::SqliteFailure(e, msg),
                },
            },
            StoreError::TooNew {
                found, supported, ..
            } => StoreError::TooNew {
                path: path.to_path_buf(),
                found,
                supported,
            },
            other => other,
        }
    }
}
