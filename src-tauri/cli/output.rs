//! Human (tables) or machine (JSON) output for the CLI.

use comfy_table::{presets::UTF8_FULL_CONDENSED, ContentArrangement, Table};
use drs_core::{CredentialSource, Problem};
use serde::Serialize;

/// Where and how the CLI prints.
#[derive(Debug, Clone, Copy)]
pub struct Output {
    /// JSON instead of text.
    pub json: bool,
    /// Errors only.
    pub quiet: bool,
    /// Extra detail.
    pub verbose: bool,
}

impl Output {
    /// An output mode.
    pub fn new(json: bool, quiet: bool, verbose: bool) -> Self {
        Self {
            json,
            quiet,
            verbose,
        }
    }

    /// Prints `value` as JSON (in JSON mode) or `text` (otherwise, unless quiet).
    pub fn value<T: Serialize>(&self, value: &T, text: impl FnOnce() -> String) {
        if self.json {
            println!(
                "{}",
                serde_json::to_string_pretty(value)
                    .unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
            );
        } else if !self.quiet {
            let t = text();
            if !t.is_empty() {
                println!("{}", t.trim_end());
            }
        }
    }

    /// Prints rows as a table (or the rows as JSON).
    pub fn table<T: Serialize>(
        &self,
        rows: &[T],
        header: &[&str],
        row: impl Fn(&T) -> Vec<String>,
    ) {
        self.value(&rows, || {
            if rows.is_empty() {
                return "(none)".into();
            }
            let mut table = Table::new();
            table
                .load_preset(UTF8_FULL_CONDENSED)
                .set_content_arrangement(ContentArrangement::Dynamic)
                .set_header(header.to_vec());
            for r in rows {
                table.add_row(row(r));
            }
            table.to_string()
        });
    }

    /// Writes an exported YAML document to `file` atomically (saying so), or to standard output.
    pub fn yaml(
        &self,
        yaml: &str,
        file: Option<&std::path::Path>,
        what: &str,
    ) -> Result<(), crate::files::FileError> {
        match file {
            Some(path) => {
                crate::files::write_atomic(path, yaml)?;
                self.value(&serde_json::json!({ "written": path }), || {
                    format!("wrote {what} to {}", path.display())
                });
            }
            None => print!("{yaml}"),
        }
        Ok(())
    }

    /// Prints an error on stderr (JSON mode: `{"error": …}` on stdout too, for scripts).
    pub fn error(&self, message: &str) {
        if self.json {
            println!("{}", serde_json::json!({ "error": message }));
        }
        eprintln!("error: {message}");
    }

    /// Prints a note on stderr unless quiet.
    pub fn note(&self, message: &str) {
        if !self.quiet {
            eprintln!("{message}");
        }
    }
}

/// An empty table with the CLI's look and `header`.
pub fn table(header: &[&str]) -> Table {
    let mut table = Table::new();
    table
        .load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(header.to_vec());
    table
}

/// Problems as `FILE:line:column: error at path: message` lines, the form editors can jump to.
pub fn problems(file: &str, problems: &[Problem]) -> String {
    problems
        .iter()
        .map(|p| {
            let mut p = p.clone();
            let place = match (p.line.take(), p.column.take()) {
                (Some(l), Some(c)) => format!("{file}:{l}:{c}: "),
                (Some(l), None) => format!("{file}:{l}: "),
                _ => format!("{file}: "),
            };
            format!("{place}{p}")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A one-line description of a credential source (never a secret).
pub fn credentials(c: &CredentialSource) -> String {
    drs_app::diagnostics::describe_credentials(c)
}
