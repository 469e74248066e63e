//! Where the app keeps its data, and who edits are recorded as.

use std::path::PathBuf;

/// The app identifier (also the Tauri identifier); names the data directory.
pub const IDENTIFIER: &str = "io.github.drs-orchestrator";
/// Environment variable that overrides the data directory.
pub const ENV_DATA_DIR: &str = "DRS_ORCH_DATA_DIR";

/// The data directory: `explicit` (from `--data-dir`), else `DRS_ORCH_DATA_DIR`, else the
/// platform's app data directory (`~/.local/share/io.github.drs-orchestrator` on Linux — the
/// same place Tauri's `app_data_dir` names).
pub fn resolve(explicit: Option<PathBuf>) -> Result<PathBuf, String> {
    if let Some(dir) = explicit {
        return Ok(dir);
    }
    if let Some(dir) = std::env::var_os(ENV_DATA_DIR).filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    directories::BaseDirs::new()
        .map(|b| b.data_dir().join(IDENTIFIER))
        .ok_or_else(|| {
            format!("no home directory was found to keep data in; pass --data-dir DIR or set {ENV_DATA_DIR}")
        })
}

/// Who local edits are recorded as in the audit log: `local:<OS user>`.
pub fn actor() -> String {
    let user = whoami::username().unwrap_or_else(|_| "unknown".into());
    format!("local:{user}")
}
