//! The Secrets port against a real Secret Service: gnome-keyring under `dbus-run-session`
//! (scripts/test.sh starts one, unlocked). Skipped without a session bus unless `DRS_E2E=1`.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use drs_secrets::{Keychain, SecretKind, Secrets};

fn keychain() -> Option<Keychain> {
    if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none() {
        assert!(
            std::env::var("DRS_E2E").as_deref() != Ok("1"),
            "no D-Bus session: run the tests through scripts/test.sh"
        );
        eprintln!("skipped: no D-Bus session bus (no Secret Service to test against)");
        return None;
    }
    Some(Keychain::with_service("io.github.drs-orchestrator.test"))
}

#[test]
fn store_read_replace_delete() {
    let Some(k) = keychain() else { return };
    k.check().expect("a real, unlocked Secret Service");
    let target = format!("t-{}", std::process::id());
    assert_eq!(k.get(&target, SecretKind::SecretAccessKey).unwrap(), None);
    k.put(
        &target,
        SecretKind::SecretAccessKey,
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    )
    .unwrap();
    assert_eq!(
        k.get(&target, SecretKind::SecretAccessKey)
            .unwrap()
            .as_deref(),
        Some("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    );
    // The entry is in the Secret Service itself, where secret-tool sees it.
    let found = std::process::Command::new("secret-tool")
        .args([
            "search",
            "--all",
            "service",
            "io.github.drs-orchestrator.test",
        ])
        .output()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout).to_string() + &String::from_utf8_lossy(&o.stderr)
        })
        .unwrap_or_default();
    assert!(
        found.contains(&format!("{target}/secret-access-key")),
        "secret-tool did not find the entry: {found}"
    );
    k.put(&target, SecretKind::SecretAccessKey, "replaced")
        .unwrap();
    assert_eq!(
        k.get(&target, SecretKind::SecretAccessKey)
            .unwrap()
            .as_deref(),
        Some("replaced")
    );
    k.put(&target, SecretKind::ExternalId, "ext-123").unwrap();
    k.delete(&target, SecretKind::SecretAccessKey).unwrap();
    assert_eq!(k.get(&target, SecretKind::SecretAccessKey).unwrap(), None);
    assert_eq!(
        k.get(&target, SecretKind::ExternalId).unwrap().as_deref(),
        Some("ext-123")
    );
    k.delete(&target, SecretKind::ExternalId).unwrap();
    k.delete(&target, SecretKind::ExternalId).unwrap();
}
