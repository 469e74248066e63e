//! Without a reachable keychain the error says what to install or unlock — and nothing is kept
//! anywhere else. (Own test binary: it points this process at a D-Bus socket that does not exist.)

#![allow(clippy::expect_used, clippy::unwrap_used)]

use drs_secrets::{Keychain, SecretKind, Secrets, SecretsError};

#[test]
fn no_keychain_is_a_clear_error_not_a_fallback() {
    std::env::set_var(
        "DBUS_SESSION_BUS_ADDRESS",
        "unix:path=/nonexistent/drs-orchestrator-bus",
    );
    let k = Keychain::with_service("io.github.drs-orchestrator.test");
    let err = k.check().unwrap_err();
    assert!(matches!(err, SecretsError::Unavailable(_)), "{err:?}");
    let text = err.to_string();
    assert!(text.contains("OS keychain is not available"), "{text}");
    assert!(text.contains("gnome-keyring"), "{text}");
    assert!(k
        .put("t", SecretKind::SecretAccessKey, "s3cr3t-value")
        .is_err());
    assert!(!format!("{:?}", k.get("t", SecretKind::SecretAccessKey)).contains("s3cr3t-value"));
}
