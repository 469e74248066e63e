//! Reading YAML input files and writing exports, shared by the GUI commands and the CLI.

use drs_core::document::{decode_utf8, ParseError, MAX_DOCUMENT_BYTES};
use std::io::{Read, Write};
use std::path::Path;

/// Why a file could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// An I/O failure, with the path.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The file is too large to be a plan or group document.
    #[error("{path}: the file is larger than {MAX_DOCUMENT_BYTES} bytes; is it the right file?")]
    TooLarge {
        /// The file.
        path: String,
    },
    /// The file is not UTF-8.
    #[error("{path}: {source}")]
    NotText {
        /// The file.
        path: String,
        /// Where the bad byte is.
        source: ParseError,
    },
}

/// Reads a YAML file as text, refusing huge or non-UTF-8 files with the place of the problem.
pub fn read_yaml(path: &Path) -> Result<String, FileError> {
    let shown = path.display().to_string();
    let io = |source| FileError::Io {
        path: shown.clone(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let mut bytes = Vec::new();
    file.take(MAX_DOCUMENT_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() > MAX_DOCUMENT_BYTES {
        return Err(FileError::TooLarge { path: shown });
    }
    match decode_utf8(&bytes) {
        Ok(text) => Ok(text.to_string()),
        Err(source) => Err(FileError::NotText {
            path: shown,
            source,
        }),
    }
}

/// Writes `contents` to `path` atomically: a temporary file in the same directory is written,
/// flushed and renamed over the target, so an existing file is never left half-written.
pub fn write_atomic(path: &Path, contents: impl AsRef<[u8]>) -> Result<(), FileError> {
    let shown = path.display().to_string();
    let io = |source| FileError::Io {
        path: shown.clone(),
        source,
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(io)?;
    tmp.write_all(contents.as_ref()).map_err(io)?;
    tmp.as_file().sync_all().map_err(io)?;
    tmp.persist(path).map_err(|e| io(e.error))?;
    Ok(())
}
