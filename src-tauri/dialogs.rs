//! Native file dialogs, opened from Rust: no command takes a file path from the web view, so a
//! script injected into the page could not read or write a file the user did not choose. The
//! commands that read or write user files (import, export, saving a report, the report
//! schedule's folder) open the dialog themselves and act on what the user picked.
//!
//! End-to-end tests cannot click native dialogs. In debug builds only, a test answers them
//! instead: through [`Dialogs::answer_next`] (IPC tests on the mock runtime) or, for the real
//! window, a file named by `DRS_ORCH_TEST_DIALOG_ANSWER` whose content is the next answer (the
//! file is removed when read; no file means "cancelled"). Release builds have neither.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Mutex;
use tauri::{AppHandle, Runtime};

/// What to ask the user for.
#[derive(Debug, Clone)]
pub enum Pick {
    /// A file to read.
    Open {
        /// Dialog title.
        title: &'static str,
        /// Filter name and extensions.
        filter: (&'static str, &'static [&'static str]),
    },
    /// A file to write.
    Save {
        /// Dialog title.
        title: &'static str,
        /// The proposed file name.
        file_name: String,
        /// Filter name and extensions.
        filter: (&'static str, &'static [&'static str]),
    },
    /// A folder.
    Folder {
        /// Dialog title.
        title: &'static str,
    },
}

/// The YAML filter.
pub const YAML: (&str, &[&str]) = ("YAML", &["yaml", "yml"]);
/// CloudFormation templates (JSON).
pub const JSON: (&str, &[&str]) = ("CloudFormation template", &["json"]);

/// The dialogs of one window, and the folders its dialog returned (the only ones a report
/// schedule may be given).
#[derive(Default)]
pub struct Dialogs {
    chosen_folders: Mutex<BTreeSet<PathBuf>>,
    #[cfg(debug_assertions)]
    answers: Mutex<std::collections::VecDeque<Option<PathBuf>>>,
}

/// Debug builds: the file whose content answers the next dialog (end-to-end tests).
#[cfg(debug_assertions)]
pub const ENV_TEST_ANSWER: &str = "DRS_ORCH_TEST_DIALOG_ANSWER";

impl Dialogs {
    /// Debug builds: the next dialog returns `answer` without opening (tests).
    #[cfg(debug_assertions)]
    pub fn answer_next(&self, answer: Option<PathBuf>) {
        if let Ok(mut q) = self.answers.lock() {
            q.push_back(answer);
        }
    }

    /// A test's answer, in debug builds, when one is set up.
    #[cfg(debug_assertions)]
    fn test_answer(&self) -> Option<Option<PathBuf>> {
        if let Some(a) = self.answers.lock().ok().and_then(|mut q| q.pop_front()) {
            return Some(a);
        }
        let file = PathBuf::from(std::env::var_os(ENV_TEST_ANSWER)?);
        let text = std::fs::read_to_string(&file).ok();
        let _ = std::fs::remove_file(&file);
        Some(
            text.map(|t| t.trim().to_string())
                .filter(|t| !t.is_empty())
                .map(PathBuf::from),
        )
    }

    /// Asks the user; `None` when they cancelled.
    pub async fn pick<R: Runtime>(&self, app: &AppHandle<R>, what: Pick) -> Option<PathBuf> {
        #[cfg(debug_assertions)]
        if let Some(answer) = self.test_answer() {
            return self.remember(&what, answer);
        }
        let picked = native(app, what.clone()).await;
        self.remember(&what, picked)
    }

    fn remember(&self, what: &Pick, picked: Option<PathBuf>) -> Option<PathBuf> {
        if let (Pick::Folder { .. }, Some(p)) = (what, &picked) {
            if let Ok(mut f) = self.chosen_folders.lock() {
                f.insert(p.clone());
            }
        }
        picked
    }

    /// Whether `folder` came from this window's folder dialog.
    pub fn was_chosen(&self, folder: &std::path::Path) -> bool {
        self.chosen_folders.lock().is_ok_and(|f| f.contains(folder))
    }
}

/// Opens the platform's dialog and waits for the user (without blocking the main thread).
async fn native<R: Runtime>(app: &AppHandle<R>, what: Pick) -> Option<PathBuf> {
    use tauri_plugin_dialog::DialogExt;
    let (tx, rx) = tokio::sync::oneshot::channel();
    let done = move |p: Option<tauri_plugin_dialog::FilePath>| {
        let _ = tx.send(p.and_then(|p| p.into_path().ok()));
    };
    let builder = app.dialog().file();
    match what {
        Pick::Open { title, filter } => builder
            .set_title(title)
            .add_filter(filter.0, filter.1)
            .pick_file(done),
        Pick::Save {
            title,
            file_name,
            filter,
        } => builder
            .set_title(title)
            .set_file_name(file_name)
            .add_filter(filter.0, filter.1)
            .save_file(done),
        Pick::Folder { title } => builder.set_title(title).pick_folder(done),
    }
    rx.await.ok().flatten()
}
