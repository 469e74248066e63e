//! # drs-app — the application layer both faces call
//!
//! The window (`commands/`, Tauri) and the CLI (`cli/`, clap) are thin adapters over this crate:
//! they parse, call one use case, and render. Every rule lives here once — a real recovery needs
//! its plan's name typed again, a target whose credentials act in another account is refused,
//! a second process never drives an execution — and so do the loops that run while the app does
//! (report and tag-sync schedules, the replication health monitor, the follower of executions),
//! which the CLI can run too (`drs-orchestrator daemon`). No Tauri here.
//!
//! ```text
//!   ui/ (React) ─invoke─▶ commands/ ─┐                 ┌─▶ drs-store (SQLite: plans, journal, audit)
//!                                      ├─▶ drs-app::App ─┼─▶ drs-core (domain, engine, readiness)
//!   terminal ────────────▶ cli/ ──────┘                 ├─▶ drs-aws (the Cloud port over the SDK)
//!                                                        ├─▶ drs-sandbox, drs-secrets, drs-report
//! ```
//!
//! - [`App`]: the facade — the store, the keychain, the embedded sandbox, who acts, the
//!   executions this process drives, and the ports that differ between faces ([`Notifier`],
//!   [`executions::Observer`]).
//! - [`error`]: the one [`AppError`] with a closed [`ErrorCode`] (IPC) and an exit code (CLI).
//! - Use cases by area: [`targets`] (test, inventory), [`credentials`], [`readiness`] and pairs,
//!   [`launch_settings`], [`execute`] and [`executions`] (start, resume, requests, follow),
//!   [`reports`] and their [`delivery`], [`health`], [`tag_sync`], [`schedules`] (the loops).
//! - Plumbing: [`connect`] (a target to a `Cloud`), [`data_dir`], [`files`].
//! - [`ipc`]: the window's own IPC shapes, and the test that keeps the UI's TypeScript types
//!   (`ui/src/generated/ipc.ts`, generated from the Rust types) current.

pub mod connect;
pub mod credentials;
pub mod data_dir;
pub mod delivery;
pub mod diagnostics;
pub mod error;
pub mod execute;
pub mod executions;
pub mod failback;
pub mod files;
pub mod health;
pub mod ipc;
pub mod launch_settings;
pub mod logs;
pub mod monitoring;
pub mod native;
pub mod readiness;
pub mod reports;
pub mod schedules;
pub mod tag_sync;
pub mod targets;

pub use error::{AppError, ErrorCode};

use drs_secrets::{Keychain, Secrets};
use drs_store::Store;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, RwLock};

/// The sample groups and plan for the sandbox's built-in scenario, imported on first start.
pub const SAMPLE_ESTATE_YAML: &str = include_str!("../../../../examples/retail.yaml");

/// Opens the store in `data_dir`. On the very first start it creates the "Sandbox" target and
/// imports the sample groups and plan for the sandbox's scenario, so a new user sees a populated
/// app.
pub fn open_store(data_dir: &Path, actor: &str) -> Result<Store, drs_store::StoreError> {
    let mut store = Store::open(data_dir)?;
    if store.ensure_sandbox_target(actor)? {
        store.import_yaml(SAMPLE_ESTATE_YAML, actor)?;
    }
    Ok(store)
}

/// `t` as RFC 3339 in whole seconds (how the store, journals and reports write times).
pub fn rfc3339(t: time::OffsetDateTime) -> String {
    drs_core::timestamp::format(t)
}

/// Now, as [`rfc3339`].
pub fn now() -> String {
    drs_core::timestamp::now()
}

/// `text` safe to show in a desktop notification: bidirectional controls and other control
/// characters (but new lines) removed, and, for a body (which Linux notification servers read
/// as markup), `&`, `<` and `>` escaped, so a server or plan name shows as written and cannot
/// make a link or reorder what is read.
pub fn notification_text(text: &str, markup: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if drs_core::rules::is_bidi_control(c) || (c.is_control() && c != '\n') {
            continue;
        }
        match c {
            '&' if markup => out.push_str("&amp;"),
            '<' if markup => out.push_str("&lt;"),
            '>' if markup => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

/// Tells people something while the app runs: a desktop notification in the window, a log line
/// for the CLI's `daemon`.
pub trait Notifier: Send + Sync {
    /// Shows `title` and `body` (best effort).
    fn notify(&self, title: &str, body: &str);
}

/// A notifier that writes to the log only.
#[derive(Debug, Default)]
pub struct LogNotifier;

impl Notifier for LogNotifier {
    fn notify(&self, title: &str, body: &str) {
        tracing::info!("{title}: {body}");
    }
}

struct Inner {
    store: Mutex<Option<Store>>,
    open_error: Option<String>,
    /// The data directory or database when others may read them.
    access_warnings: Vec<String>,
    data_dir: PathBuf,
    actor: String,
    sandbox: connect::EmbeddedSandbox,
    keychain: Arc<dyn Secrets>,
    keychain_check: OnceLock<Result<(), String>>,
    executions: executions::Registry,
    notifier: RwLock<Arc<dyn Notifier>>,
    problems: schedules::Problems,
}

/// The application: what every use case needs, shared by the window and the CLI. Cheap to
/// clone (the loops that run while the app does hold a clone).
#[derive(Clone)]
pub struct App {
    inner: Arc<Inner>,
}

impl App {
    /// Opens the store in `data_dir` (creating the sandbox target and the sample estate on the
    /// very first start). A failure is kept and reported by every use case instead of stopping
    /// the app.
    pub fn open(data_dir: PathBuf) -> Self {
        Self::with_keychain(data_dir, Arc::new(Keychain::new()))
    }

    /// [`App::open`] with another keychain (tests).
    pub fn with_keychain(data_dir: PathBuf, keychain: Arc<dyn Secrets>) -> Self {
        let actor = data_dir::actor();
        let (store, open_error) = match open_store(&data_dir, &actor) {
            Ok(s) => (Some(s), None),
            Err(e) => (None, Some(e.to_string())),
        };
        let access_warnings = store
            .as_ref()
            .map(|s| s.access_warnings().to_vec())
            .unwrap_or_default();
        for w in &access_warnings {
            tracing::warn!("{w}");
        }
        Self {
            inner: Arc::new(Inner {
                store: Mutex::new(store),
                open_error,
                access_warnings,
                data_dir,
                actor,
                sandbox: connect::EmbeddedSandbox::default(),
                keychain,
                keychain_check: OnceLock::new(),
                executions: executions::Registry::default(),
                notifier: RwLock::new(Arc::new(LogNotifier)),
                problems: schedules::Problems::default(),
            }),
        }
    }

    /// The data directory or database file when others than their owner may read or write
    /// them (see [`Store::open`]).
    pub fn access_warnings(&self) -> &[String] {
        &self.inner.access_warnings
    }

    /// The data directory.
    pub fn data_dir(&self) -> &Path {
        &self.inner.data_dir
    }

    /// Who edits are recorded as (`local:<user>`).
    pub fn actor(&self) -> &str {
        &self.inner.actor
    }

    /// The in-process sandbox behind the default "Sandbox" target.
    pub fn sandbox(&self) -> &connect::EmbeddedSandbox {
        &self.inner.sandbox
    }

    /// The OS keychain.
    pub fn keychain(&self) -> Arc<dyn Secrets> {
        Arc::clone(&self.inner.keychain)
    }

    /// Why the store could not be opened, if it could not.
    pub fn open_error(&self) -> Option<&str> {
        self.inner.open_error.as_deref()
    }

    /// The database file, when open.
    pub fn database(&self) -> Option<PathBuf> {
        self.inner
            .store
            .lock()
            .ok()
            .and_then(|g| g.as_ref().map(|s| s.path().to_path_buf()))
    }

    /// Where desktop notifications (or log lines) go.
    pub fn set_notifier(&self, notifier: Arc<dyn Notifier>) {
        if let Ok(mut n) = self.inner.notifier.write() {
            *n = notifier;
        }
    }

    /// Tells people something.
    pub fn notify(&self, title: &str, body: &str) {
        let n = self
            .inner
            .notifier
            .read()
            .map(|n| Arc::clone(&n))
            .unwrap_or_else(|_| Arc::new(LogNotifier));
        n.notify(title, body);
    }

    /// The executions this process drives, and who watches which.
    pub fn executions(&self) -> &executions::Registry {
        &self.inner.executions
    }

    /// Failures of the loops that run while the app does (shown on the Dashboard).
    pub fn background_problems(&self) -> &schedules::Problems {
        &self.inner.problems
    }

    /// Proves on a background thread that the OS keychain really keeps secrets (a write, read
    /// and delete of a probe entry), so that a missing or locked Secret Service is reported at
    /// startup rather than at the first save.
    pub fn check_keychain_in_background(&self) {
        let app = self.clone();
        let spawned = std::thread::Builder::new()
            .name("keychain-check".into())
            .spawn(move || {
                let result = Keychain::new().check().map_err(|e| e.to_string());
                match &result {
                    Ok(()) => tracing::info!("the OS keychain keeps secrets"),
                    Err(e) => tracing::warn!("the OS keychain cannot be used: {e}"),
                }
                // Set once per app; a second check keeps the first answer.
                let _ = app.inner.keychain_check.set(result);
            });
        if let Err(e) = spawned {
            let message = format!("the keychain check could not start: {e}");
            tracing::warn!("{message}");
            let _ = self.inner.keychain_check.set(Err(message));
        }
    }

    /// The keychain check: `None` while it runs.
    pub fn keychain_state(&self) -> Option<Result<(), String>> {
        self.inner.keychain_check.get().cloned()
    }

    /// Runs `f` with the open store, or reports why there is none.
    pub fn with_store<T>(
        &self,
        f: impl FnOnce(&mut Store) -> Result<T, AppError>,
    ) -> Result<T, AppError> {
        let mut guard = self.inner.store.lock().map_err(|_| {
            AppError::new(
                ErrorCode::Internal,
                "the store lock was poisoned by an earlier failure; restart the app",
            )
        })?;
        match guard.as_mut() {
            Some(store) => f(store),
            None => Err(AppError::new(
                ErrorCode::StoreUnavailable,
                self.open_error().unwrap_or("the store is not open"),
            )),
        }
    }

    /// Runs `f` with a store and the keychain on a blocking thread: keychain calls block (D-Bus,
    /// and an unlock prompt may wait for the user), so they run neither on the async runtime
    /// nor under the lock of the store every other command uses: `f` gets a connection of its
    /// own to the same database (SQLite serialises writes).
    pub async fn with_store_and_keychain<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Store, &dyn Secrets) -> Result<T, AppError> + Send + 'static,
    ) -> Result<T, AppError> {
        let app = self.clone();
        tokio::task::spawn_blocking(move || {
            if let Some(e) = app.open_error() {
                return Err(AppError::new(ErrorCode::StoreUnavailable, e));
            }
            let mut store = Store::open(app.data_dir())
                .map_err(|e| AppError::new(ErrorCode::StoreUnavailable, e.to_string()))?;
            let keychain = app.keychain();
            f(&mut store, keychain.as_ref())
        })
        .await
        .map_err(|e| {
            AppError::new(
                ErrorCode::Internal,
                format!("a background task failed: {e}"),
            )
        })?
    }
}

#[cfg(test)]
mod tests {
    use super::notification_text;
    use super::{App, AppError, ErrorCode};
    use drs_secrets::{SecretKind, Secrets, SecretsError};
    use std::sync::{mpsc, Arc, Mutex};

    /// A keychain waiting for the user to unlock it: `get` blocks until released.
    struct Locked {
        asked: Mutex<mpsc::Sender<()>>,
        unlock: Mutex<mpsc::Receiver<()>>,
    }

    impl Secrets for Locked {
        fn put(&self, _: &str, _: SecretKind, _: &str) -> Result<(), SecretsError> {
            Ok(())
        }
        fn get(&self, _: &str, _: SecretKind) -> Result<Option<String>, SecretsError> {
            if let Ok(tx) = self.asked.lock() {
                let _ = tx.send(());
            }
            if let Ok(rx) = self.unlock.lock() {
                let _ = rx.recv_timeout(std::time::Duration::from_secs(30));
            }
            Ok(None)
        }
        fn delete(&self, _: &str, _: SecretKind) -> Result<(), SecretsError> {
            Ok(())
        }
    }

    /// A keychain prompt does not hold up the store: while a keychain call waits, every other
    /// command still reads and writes.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_waiting_keychain_does_not_hold_the_store() {
        let dir = tempfile::tempdir().unwrap();
        let (asked_tx, asked) = mpsc::channel();
        let (unlock, unlock_rx) = mpsc::channel();
        let app = App::with_keychain(
            dir.path().to_path_buf(),
            Arc::new(Locked {
                asked: Mutex::new(asked_tx),
                unlock: Mutex::new(unlock_rx),
            }),
        );
        let waiting = tokio::spawn({
            let app = app.clone();
            async move {
                app.with_store_and_keychain(|s, k| {
                    k.get("Sandbox", SecretKind::SecretAccessKey)
                        .map_err(|e| AppError::new(ErrorCode::Keychain, e.to_string()))?;
                    Ok(s.targets()?.len())
                })
                .await
            }
        });
        asked
            .recv_timeout(std::time::Duration::from_secs(10))
            .unwrap();
        // The keychain is waiting; the store answers and takes a write.
        let targets = app.with_store(|s| Ok(s.targets()?.len())).unwrap();
        assert_eq!(targets, 1, "the sandbox target");
        app.with_store(|s| {
            Ok(s.audit_event("test", "probe", "app", "x", serde_json::json!({}))?)
        })
        .unwrap();
        unlock.send(()).unwrap();
        assert_eq!(waiting.await.unwrap().unwrap(), 1);
    }

    #[test]
    fn notifications_show_names_as_written() {
        assert_eq!(
            notification_text("web-01 <a href=\"x\">fix</a> & co", true),
            "web-01 &lt;a href=\"x\"&gt;fix&lt;/a&gt; &amp; co"
        );
        assert_eq!(notification_text("a<b", false), "a<b");
        assert_eq!(
            notification_text("retail\u{202E}rd-\u{7}\nnext", true),
            "retailrd-\nnext"
        );
    }
}
