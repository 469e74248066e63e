//! The one error both faces receive: a closed [`ErrorCode`] the window branches on (sent over
//! IPC as `{code, message, problems}`) and the CLI turns into its exit code.

use crate::credentials::TargetError;
use crate::execute::StartError;
use crate::files::FileError;
use crate::launch_settings::SettingsError;
use crate::reports::ReportError;
use drs_core::cloud::CloudError;
use drs_core::Problem;
use drs_store::StoreError;
use serde::Serialize;

/// What kind of failure, as the window branches on it and the CLI exits with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[ts(export_to = "ipc.ts")]
pub enum ErrorCode {
    /// The input breaks a rule; `problems` lists each with its field path (CLI exit 2).
    Invalid,
    /// The named object does not exist (exit 2).
    NotFound,
    /// A name is taken, an edit is stale, something still uses the object, or another process
    /// drives the execution (exit 2).
    Conflict,
    /// Readiness found blockers and no override was given (exit 3).
    NotReady,
    /// The database could not be opened (read-only, newer version, …) (exit 1).
    StoreUnavailable,
    /// A file could not be read or written (exit 1).
    Io,
    /// AWS (or the sandbox) refused or could not be reached — the message says which (exit 1).
    Aws,
    /// The OS keychain is missing, locked or refused; nothing was saved (exit 1).
    Keychain,
    /// Anything else (exit 1).
    Internal,
}

impl ErrorCode {
    /// The CLI's exit code for this kind of failure (0 success; 1 runtime failure; 2 invalid
    /// input or usage; 3 "checked, and the answer is no").
    pub fn exit_code(self) -> u8 {
        match self {
            Self::Invalid | Self::NotFound | Self::Conflict => 2,
            Self::NotReady => 3,
            Self::StoreUnavailable | Self::Io | Self::Aws | Self::Keychain | Self::Internal => 1,
        }
    }
}

/// A failure of a use case, with what to show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[error("{message}")]
#[ts(export_to = "ipc.ts", rename = "BackendError")]
pub struct AppError {
    /// What kind.
    pub code: ErrorCode,
    /// For people.
    pub message: String,
    /// Validation problems, for `invalid`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[ts(as = "Option<_>", optional)]
    pub problems: Vec<Problem>,
}

impl AppError {
    /// An error of `code` saying `message`.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            problems: Vec::new(),
        }
    }

    /// Invalid input, with its problems.
    pub fn invalid(message: impl Into<String>, problems: Vec<Problem>) -> Self {
        Self {
            code: ErrorCode::Invalid,
            message: message.into(),
            problems,
        }
    }

    /// The CLI's exit code.
    pub fn exit_code(&self) -> u8 {
        self.code.exit_code()
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        let code = match &e {
            StoreError::Invalid { .. } => ErrorCode::Invalid,
            StoreError::NotFound { .. } => ErrorCode::NotFound,
            StoreError::Conflict(_) | StoreError::Fenced { .. } => ErrorCode::Conflict,
            StoreError::DataDir { .. }
            | StoreError::Open { .. }
            | StoreError::ReadOnly { .. }
            | StoreError::TooNew { .. }
            | StoreError::NotOurs { .. } => ErrorCode::StoreUnavailable,
            StoreError::Sqlite(_) | StoreError::Corrupt(_) => ErrorCode::Internal,
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

impl From<CloudError> for AppError {
    fn from(e: CloudError) -> Self {
        if let CloudError::AccessDenied { operation, .. } = &e {
            // Name the missing action and what needs it.
            let needed_by: Vec<&str> = drs_core::permissions::features_calling(operation)
                .iter()
                .map(|f| f.id)
                .collect();
            let features = if needed_by.is_empty() {
                String::new()
            } else {
                format!(" (needed by: {})", needed_by.join(", "))
            };
            return Self::new(
                ErrorCode::Aws,
                format!(
                    "{e}. The app's identity lacks the IAM action {operation}{features}; every action the app calls: drs-orchestrator permissions"
                ),
            );
        }
        Self::new(ErrorCode::Aws, e.to_string())
    }
}

impl FileError {
    /// What kind of failure: a file that is not a document is bad input; the rest is I/O.
    pub fn code(&self) -> ErrorCode {
        match self {
            FileError::NotText { .. } | FileError::TooLarge { .. } => ErrorCode::Invalid,
            FileError::Io { .. } => ErrorCode::Io,
        }
    }
}

impl From<FileError> for AppError {
    fn from(e: FileError) -> Self {
        let code = e.code();
        match e {
            FileError::NotText { path, source } => Self {
                code,
                message: format!("{path}: {source}"),
                problems: source.problems,
            },
            other => Self::new(code, other.to_string()),
        }
    }
}

impl From<TargetError> for AppError {
    fn from(e: TargetError) -> Self {
        match e {
            TargetError::Store(s) => s.into(),
            TargetError::Invalid { target, problems } => Self {
                code: ErrorCode::Invalid,
                message: format!("target \"{target}\" is not valid"),
                problems,
            },
            other @ (TargetError::Keychain { .. } | TargetError::Inconsistent { .. }) => {
                Self::new(ErrorCode::Keychain, other.to_string())
            }
        }
    }
}

impl From<SettingsError> for AppError {
    fn from(e: SettingsError) -> Self {
        match e {
            SettingsError::Store(s) => s.into(),
            SettingsError::Cloud(c) => c.into(),
            SettingsError::Invalid { problems, .. } => Self::invalid(
                "the launch settings are not valid in AWS; nothing was changed",
                problems,
            ),
            SettingsError::Conflict(m) => Self::new(ErrorCode::Conflict, m),
        }
    }
}

impl From<StartError> for AppError {
    fn from(e: StartError) -> Self {
        match e {
            StartError::NotReady { .. } => Self::new(ErrorCode::NotReady, e.to_string()),
            StartError::Store(s) => s.into(),
            StartError::Plan(_) => Self::new(ErrorCode::Invalid, e.to_string()),
            StartError::Overlap(_) => Self::new(ErrorCode::Conflict, e.to_string()),
            other => Self::new(ErrorCode::Aws, other.to_string()),
        }
    }
}

impl From<ReportError> for AppError {
    fn from(e: ReportError) -> Self {
        match e {
            ReportError::Store(s) => s.into(),
            ReportError::File(f) => f.into(),
            ReportError::NoPlans => Self::new(ErrorCode::NotFound, e.to_string()),
            ReportError::Schedule(_) => Self::new(ErrorCode::Invalid, e.to_string()),
            ReportError::Layout(_) => Self::new(ErrorCode::Internal, e.to_string()),
        }
    }
}

impl From<drs_core::execution::EngineError> for AppError {
    fn from(e: drs_core::execution::EngineError) -> Self {
        match e {
            drs_core::execution::EngineError::Journal(
                drs_core::execution::JournalError::Fenced { .. },
            ) => Self::new(ErrorCode::Conflict, e.to_string()),
            drs_core::execution::EngineError::RunByDrs(_) => {
                Self::new(ErrorCode::Conflict, e.to_string())
            }
            other => Self::new(ErrorCode::Internal, other.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_serialise_as_the_window_branches_on_them_and_map_to_exit_codes() {
        let e = AppError::new(ErrorCode::NotReady, "2 blockers");
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            serde_json::json!({ "code": "not_ready", "message": "2 blockers" })
        );
        assert_eq!(e.exit_code(), 3);
        assert_eq!(ErrorCode::Conflict.exit_code(), 2);
        assert_eq!(ErrorCode::Aws.exit_code(), 1);
        let store: AppError = StoreError::NotFound {
            kind: "plan",
            name: "x".into(),
        }
        .into();
        assert_eq!(store.code, ErrorCode::NotFound);
    }
}
