//! The log: what the app did and what failed in the background, as lines in a daily rolling
//! file in the platform's log directory, and on stderr with `-v` (info) or `-vv` (debug).
//!
//! Both faces call [`init`] once at start. Only our own crates log at info and debug; the AWS
//! SDK, HTTP and WebKit stacks log warnings only (their debug output carries request details).
//! Nothing logged carries a secret: messages name targets, plans and executions, never
//! credentials (a test searches the log's bytes for a secret it saved).

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use tracing_appender::non_blocking::WorkerGuard;
use tracing_appender::rolling::{RollingFileAppender, Rotation};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

/// Environment variable naming the log directory (default: see [`log_dir`]).
pub const ENV_LOG_DIR: &str = "DRS_ORCH_LOG_DIR";
/// Environment variable with a filter for the log file in `tracing`'s syntax (e.g.
/// `debug` or `drs_core=debug,info`), replacing the default.
pub const ENV_LOG: &str = "DRS_ORCH_LOG";
/// How many daily files are kept.
pub const KEEP_FILES: usize = 14;
/// The log files' name: `drs-orchestrator.YYYY-MM-DD.log`.
pub const FILE_PREFIX: &str = "drs-orchestrator";

/// Our crates (everything else logs warnings only).
const OURS: [&str; 7] = [
    "drs_app",
    "drs_core",
    "drs_store",
    "drs_aws",
    "drs_report",
    "drs_secrets",
    "drs_orchestrator",
];

static DIR: OnceLock<PathBuf> = OnceLock::new();

/// Where the logs of the app whose data is in `data_dir` go: `DRS_ORCH_LOG_DIR` when set; on
/// macOS `~/Library/Logs/<identifier>` for the default data directory; otherwise `logs` in
/// the data directory (on Linux and Windows that is where Tauri's `app_log_dir` is too, and a
/// data directory chosen with `--data-dir` keeps its own logs beside its database).
pub fn log_dir(data_dir: &Path) -> PathBuf {
    if let Some(dir) = std::env::var_os(ENV_LOG_DIR).filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    if cfg!(target_os = "macos") {
        if let Some(base) = directories::BaseDirs::new() {
            if base.data_dir().join(crate::data_dir::IDENTIFIER) == data_dir {
                return base
                    .home_dir()
                    .join("Library/Logs")
                    .join(crate::data_dir::IDENTIFIER);
            }
        }
    }
    data_dir.join("logs")
}

/// The directory this process logs to, once [`init`] has run.
pub fn current_dir() -> Option<&'static Path> {
    DIR.get().map(PathBuf::as_path)
}

/// Keeps the log writer running; dropping it flushes what is buffered.
#[must_use = "dropping the guard stops writing the log file"]
pub struct Logging {
    _guard: Option<WorkerGuard>,
}

fn ours(level: &str) -> String {
    let mut directives = vec!["warn".to_string()];
    directives.extend(OURS.iter().map(|c| format!("{c}={level}")));
    directives.join(",")
}

/// Starts logging to a daily file in `dir` (created when missing) and, with `verbosity` 1 or 2,
/// to stderr at info or debug. A log directory that cannot be written is not fatal: the app
/// runs and logs to stderr, and the returned message says why (to show once).
pub fn init(dir: &Path, verbosity: u8) -> (Logging, Option<String>) {
    let stderr_level = match verbosity {
        0 => None,
        1 => Some("info"),
        _ => Some("debug"),
    };
    let stderr = stderr_level.map(|level| {
        tracing_subscriber::fmt::layer()
            .with_writer(std::io::stderr)
            .with_target(verbosity > 1)
            .with_filter(EnvFilter::new(ours(level)))
    });
    let file_filter = std::env::var(ENV_LOG)
        .ok()
        .filter(|f| !f.trim().is_empty())
        .map(EnvFilter::new)
        .unwrap_or_else(|| EnvFilter::new(ours("info")));
    let appender = std::fs::create_dir_all(dir)
        .map_err(|e| e.to_string())
        .and_then(|()| {
            RollingFileAppender::builder()
                .rotation(Rotation::DAILY)
                .filename_prefix(FILE_PREFIX)
                .filename_suffix("log")
                .max_log_files(KEEP_FILES)
                .build(dir)
                .map_err(|e| e.to_string())
        });
    let (file, guard, problem) = match appender {
        Ok(appender) => {
            let (writer, guard) = tracing_appender::non_blocking(appender);
            let layer = tracing_subscriber::fmt::layer()
                .with_writer(writer)
                .with_ansi(false)
                .with_filter(file_filter);
            let _ = DIR.set(dir.to_path_buf());
            (Some(layer), Some(guard), None)
        }
        Err(e) => (
            None,
            None,
            Some(format!(
                "the log directory {} cannot be written ({e}); logging to stderr only",
                dir.display()
            )),
        ),
    };
    // A second init in one process (tests) keeps the first subscriber.
    let _ = tracing_subscriber::registry()
        .with(file)
        .with(stderr)
        .try_init();
    if let Some(p) = &problem {
        tracing::warn!("{p}");
    }
    (Logging { _guard: guard }, problem)
}

/// The newest log file in `dir`, if any.
pub fn newest_file(dir: &Path) -> Option<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(FILE_PREFIX) && n.ends_with(".log"))
        })
        .collect();
    files.sort();
    files.pop()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_our_crates_log_below_warnings() {
        let d = ours("debug");
        assert!(d.starts_with("warn,"));
        assert!(d.contains("drs_core=debug"));
        assert!(!d.contains("aws_smithy") && !d.contains("hyper"));
    }

    #[test]
    fn a_chosen_data_directory_keeps_its_logs_beside_its_database() {
        let dir = tempfile::tempdir().unwrap();
        if std::env::var_os(ENV_LOG_DIR).is_none() {
            assert_eq!(log_dir(dir.path()), dir.path().join("logs"));
        }
        assert_eq!(newest_file(dir.path()), None);
        std::fs::write(dir.path().join("drs-orchestrator.2026-01-01.log"), "a").unwrap();
        std::fs::write(dir.path().join("drs-orchestrator.2026-01-02.log"), "b").unwrap();
        std::fs::write(dir.path().join("other.log"), "c").unwrap();
        assert_eq!(
            newest_file(dir.path()),
            Some(dir.path().join("drs-orchestrator.2026-01-02.log"))
        );
    }
}
