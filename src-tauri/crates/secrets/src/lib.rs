//! # drs-secrets — secrets only in the OS keychain
//!
//! The `Secrets` port and its one real implementation, [`Keychain`], over the `keyring` crate:
//! the Secret Service (gnome-keyring, KWallet) on Linux, the Keychain on macOS, the Credential
//! Manager on Windows. One entry per target and kind, under the app's identifier as the service.
//!
//! There is no plaintext fallback. keyring falls back to an in-memory mock when no platform
//! store is compiled in; this crate always compiles one in, and [`Keychain::check`] proves at
//! startup that the store really keeps a value (write, read back, delete a probe entry).

use std::fmt;

/// The app identifier, used as the keychain service name.
pub const SERVICE: &str = "io.github.drs-orchestrator";

/// What kind of secret an entry holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretKind {
    /// An AWS secret access key.
    SecretAccessKey,
    /// An AWS session token.
    SessionToken,
    /// An external ID for AssumeRole.
    ExternalId,
}

impl SecretKind {
    fn as_str(self) -> &'static str {
        match self {
            SecretKind::SecretAccessKey => "secret-access-key",
            SecretKind::SessionToken => "session-token",
            SecretKind::ExternalId => "external-id",
        }
    }
}

/// What went wrong with the keychain. Messages never contain the secret.
#[derive(Debug, thiserror::Error)]
pub enum SecretsError {
    /// No keychain could be reached, or it is locked.
    #[error("the OS keychain is not available ({0}). On Linux install and unlock a Secret Service (gnome-keyring or KWallet) in your desktop session; secrets are never stored anywhere else")]
    Unavailable(String),
    /// The keychain answered, but the value did not survive a round trip.
    #[error("the OS keychain did not keep a test value; secrets cannot be stored safely")]
    NotPersistent,
    /// Any other keychain failure, with the entry it concerned.
    #[error("keychain entry {entry}: {message}")]
    Entry {
        /// `target/kind`.
        entry: String,
        /// What the keychain said.
        message: String,
    },
}

/// Where the app keeps secrets.
pub trait Secrets: Send + Sync {
    /// Stores (or replaces) a secret.
    fn put(&self, target: &str, kind: SecretKind, value: &str) -> Result<(), SecretsError>;
    /// Reads a secret, `None` when there is none.
    fn get(&self, target: &str, kind: SecretKind) -> Result<Option<String>, SecretsError>;
    /// Deletes a secret (no error when there is none).
    fn delete(&self, target: &str, kind: SecretKind) -> Result<(), SecretsError>;
}

/// The OS keychain.
#[derive(Clone)]
pub struct Keychain {
    service: String,
}

impl fmt::Debug for Keychain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Keychain({})", self.service)
    }
}

fn entry_name(target: &str, kind: SecretKind) -> String {
    format!("{target}/{}", kind.as_str())
}

fn map(entry: &str, e: keyring::Error) -> SecretsError {
    match e {
        keyring::Error::PlatformFailure(inner) | keyring::Error::NoStorageAccess(inner) => {
            SecretsError::Unavailable(inner.to_string())
        }
        other => SecretsError::Entry {
            entry: entry.to_string(),
            message: other.to_string(),
        },
    }
}

impl Keychain {
    /// The keychain under the app's service name.
    pub fn new() -> Self {
        Self::with_service(SERVICE)
    }

    /// The keychain under another service name (tests use their own).
    pub fn with_service(service: &str) -> Self {
        Self {
            service: service.to_string(),
        }
    }

    fn entry(&self, name: &str) -> Result<keyring::Entry, SecretsError> {
        keyring::Entry::new(&self.service, name).map_err(|e| map(name, e))
    }

    /// Proves that a persistent store is active: writes a probe entry with a value never used
    /// before, reads it back through a second, independent handle (keyring's in-memory mock
    /// keeps a value only in the handle that wrote it), then deletes it.
    pub fn check(&self) -> Result<(), SecretsError> {
        let value = probe_value();
        let writer = self.entry("_probe")?;
        writer.set_password(&value).map_err(|e| map("_probe", e))?;
        let reader = self.entry("_probe")?;
        let back = reader.get_password();
        let _ = writer.delete_credential();
        match back {
            Ok(v) if v == value => Ok(()),
            Ok(_) | Err(keyring::Error::NoEntry) => Err(SecretsError::NotPersistent),
            Err(e) => Err(map("_probe", e)),
        }
    }
}

/// A value no earlier probe wrote: the process, the time and a counter.
fn probe_value() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!(
        "probe-{}-{nanos}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

impl Default for Keychain {
    fn default() -> Self {
        Self::new()
    }
}

impl Secrets for Keychain {
    fn put(&self, target: &str, kind: SecretKind, value: &str) -> Result<(), SecretsError> {
        let name = entry_name(target, kind);
        self.entry(&name)?
            .set_password(value)
            .map_err(|e| map(&name, e))
    }

    fn get(&self, target: &str, kind: SecretKind) -> Result<Option<String>, SecretsError> {
        let name = entry_name(target, kind);
        match self.entry(&name)?.get_password() {
            Ok(v) => Ok(Some(v)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(map(&name, e)),
        }
    }

    fn delete(&self, target: &str, kind: SecretKind) -> Result<(), SecretsError> {
        let name = entry_name(target, kind);
        match self.entry(&name)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(map(&name, e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// keyring's in-memory mock, the store keyring falls back to, is caught: what it keeps
    /// cannot be read back through another handle. (This test binary sets the mock as the
    /// default store; the real store is checked by the integration suite under a real Secret
    /// Service.)
    #[test]
    fn an_in_memory_store_is_not_taken_for_a_keychain() {
        keyring::set_default_credential_builder(keyring::mock::default_credential_builder());
        let k = Keychain::with_service("drs-orchestrator-test-mock");
        assert!(matches!(k.check(), Err(SecretsError::NotPersistent)));
        assert_ne!(probe_value(), probe_value());
    }
}
