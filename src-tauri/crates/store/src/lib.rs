//! # drs-store — the local SQLite store
//!
//! One file, `drs-orchestrator.sqlite3`, in the data directory, opened in WAL mode with a busy
//! timeout so that the GUI and the CLI can use it at once. Migrations (rusqlite_migration) bring
//! an empty file to the current schema and refuse a file written by a newer version.
//!
//! - Targets and protection groups are stored as their domain JSON.
//! - Every save of a plan is a new revision; revisions can be listed, diffed and restored.
//! - The audit log is append-only: SQLite triggers refuse any UPDATE or DELETE on it.
//!
//! The store is the single write path: it validates what it is given (with [`drs_core`]'s rules)
//! and writes each change in one short immediate transaction, so a failure leaves nothing
//! half-written.

mod audit;
mod error;
mod executions;
mod groups;
mod launch_settings;
mod pairs;
mod plans;
mod schema;
mod settings;
mod targets;

pub use audit::AuditEntry;
pub use error::StoreError;
pub use executions::{
    Driver, ExecutionEvent, ExecutionSummary, Lease, Request, RequestRecord, StoreJournal,
    LEASE_STALE_SECONDS,
};
pub use pairs::{PairApplication, ReadinessSummary};
pub use plans::{PlanSummary, RevisionInfo, SavePlan, StoredPlan};

use rusqlite::{Connection, OpenFlags, TransactionBehavior};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// File name of the database inside the data directory.
pub const DB_FILE: &str = "drs-orchestrator.sqlite3";

/// Result of a store operation.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// An open store.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    path: PathBuf,
    access_warnings: Vec<String>,
}

/// What an import wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub struct ImportSummary {
    /// Groups created or replaced.
    pub groups: Vec<String>,
    /// Plans created or given a new revision, with that revision.
    pub plans: Vec<(String, u32)>,
}

fn now() -> String {
    drs_core::timestamp::now()
}

/// Creates `dir` (and its parents) when missing; `dir` itself readable by its owner only.
fn private_dir(dir: &Path) -> std::io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    let mut b = std::fs::DirBuilder::new();
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
    match b.create(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && dir.is_dir() => Ok(()),
        other => other,
    }
}

/// Creates the empty database file readable by its owner only, when missing (SQLite gives
/// its `-wal` and `-shm` files the same mode).
fn private_file(path: &Path) -> std::io::Result<()> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    match o.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

/// Why `path` is too open: others than its owner may read or write it (Unix).
fn too_open(path: &Path) -> Option<String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).ok()?.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            let what = if path.is_dir() { "directory" } else { "file" };
            let fix = if path.is_dir() { "700" } else { "600" };
            return Some(format!(
                "the {what} {} can be read by other users (mode {mode:o}); run `chmod {fix} {}` \
                 so only you can",
                path.display(),
                path.display()
            ));
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    None
}

impl Store {
    /// Opens (creating if needed) the store in `data_dir` and migrates it to the current schema.
    ///
    /// The directory is created readable by its owner only (0700) and the database file too
    /// (0600): the database decides which endpoints get credentials and which keychain entries
    /// are read. An existing directory or file others can read or write is used, with a
    /// warning ([`Store::access_warnings`]).
    pub fn open(data_dir: &Path) -> Result<Self> {
        let dir_error = |source| StoreError::DataDir {
            path: data_dir.to_path_buf(),
            source,
        };
        private_dir(data_dir).map_err(dir_error)?;
        let path = data_dir.join(DB_FILE);
        private_file(&path).map_err(dir_error)?;
        let access_warnings = [data_dir, path.as_path()]
            .iter()
            .filter_map(|p| too_open(p))
            .collect();
        let conn = Connection::open_with_flags(
            &path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|source| StoreError::Open {
            path: path.clone(),
            source,
        })?;
        let mut store = Self {
            conn,
            path,
            access_warnings,
        };
        store.prepare().map_err(|e| e.in_file(&store.path))?;
        Ok(store)
    }

    fn prepare(&mut self) -> Result<()> {
        self.conn.busy_timeout(Duration::from_secs(10))?;
        self.conn.pragma_update(None, "foreign_keys", true)?;
        let mode: String = self
            .conn
            .query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Conflict(format!(
                "could not switch the database to WAL mode (it is in {mode} mode)"
            )));
        }
        schema::migrate(&mut self.conn)
    }

    /// Path of the database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The data directory or database file when others than its owner may read or write it.
    pub fn access_warnings(&self) -> &[String] {
        &self.access_warnings
    }

    /// Runs `f` in one immediate transaction: all of it is written or none.
    fn write<T>(&mut self, f: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<T>) -> Result<T> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }

    /// Checks a YAML stream against what is stored (targets, groups) without writing anything.
    pub fn check_yaml(&self, text: &str) -> Result<drs_core::document::CheckedImport> {
        let context = drs_core::document::ImportContext {
            targets: self.target_names()?,
            groups: self.groups()?,
        };
        drs_core::document::check_import(text, &context).map_err(|e| StoreError::Invalid {
            what: "the YAML document".into(),
            problems: e.problems,
        })
    }

    /// Checks a whole YAML stream, then writes all of it in one transaction, or nothing.
    /// Returns what was written and the warnings.
    pub fn import_yaml(
        &mut self,
        text: &str,
        actor: &str,
    ) -> Result<(ImportSummary, Vec<drs_core::Problem>)> {
        let checked = self.check_yaml(text)?;
        let summary = self.write_documents(&checked.documents, actor)?;
        Ok((summary, checked.warnings))
    }

    /// Validates every document against what is stored, then writes them all in one transaction.
    /// Groups are written before plans; a plan that exists gets a new revision.
    pub fn import(&mut self, docs: &[drs_core::Document], actor: &str) -> Result<ImportSummary> {
        let context = drs_core::document::ImportContext {
            targets: self.target_names()?,
            groups: self.groups()?,
        };
        // Documents built in code are checked as one unit, exactly as a YAML file would be.
        let yaml = drs_core::document::documents_to_yaml(docs);
        drs_core::document::check_import(&yaml, &context).map_err(|e| StoreError::Invalid {
            what: "import".into(),
            problems: e.problems,
        })?;
        self.write_documents(docs, actor)
    }

    /// Writes already-checked documents in one transaction: groups first, then plans.
    fn write_documents(
        &mut self,
        docs: &[drs_core::Document],
        actor: &str,
    ) -> Result<ImportSummary> {
        self.write(|tx| {
            let mut summary = ImportSummary::default();
            for doc in docs {
                if let drs_core::Document::Group(g) = doc {
                    groups::upsert(tx, g, None, actor, "group.import")?;
                    summary.groups.push(g.name.clone());
                }
            }
            for doc in docs {
                if let drs_core::Document::Plan(p) = doc {
                    let saved = plans::save_in(
                        tx,
                        p,
                        &SavePlan {
                            original_name: Some(p.name.clone()),
                            expected_revision: None,
                            message: "imported from YAML".into(),
                        },
                        actor,
                        true,
                    )?;
                    summary.plans.push((p.name.clone(), saved.revision));
                }
            }
            Ok(summary)
        })
    }
}

#[cfg(test)]
mod tests;
