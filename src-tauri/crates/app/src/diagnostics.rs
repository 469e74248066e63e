//! What support needs to know about an installation, without a secret: version, platform,
//! where the data and logs are, the keychain's state, each target (credentials described by
//! kind, access key IDs shortened) and what failed in the background. "Copy diagnostics" in
//! the window and `drs-orchestrator diagnostics` show the same text.

use crate::schedules::Problem;
use crate::App;
use drs_core::{CredentialSource, RoleBase};
use serde::Serialize;

/// One target as support sees it.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub struct TargetLine {
    /// Name.
    pub name: String,
    /// AWS account.
    pub account_id: String,
    /// Source region.
    pub primary_region: String,
    /// Recovery region.
    pub recovery_region: String,
    /// How it signs in, without secrets.
    pub credentials: String,
    /// A custom endpoint, when set.
    pub endpoint_url: Option<String>,
}

/// The installation as support sees it.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub struct Diagnostics {
    /// App version.
    pub version: String,
    /// Operating system and architecture.
    pub platform: String,
    /// The data directory.
    pub data_dir: String,
    /// The database file, when open.
    pub database: Option<String>,
    /// Why the database is not open.
    pub store_error: Option<String>,
    /// The log directory (when logging to a file).
    pub log_dir: Option<String>,
    /// The newest log file.
    pub log_file: Option<String>,
    /// Who edits are recorded as.
    pub actor: String,
    /// The OS keychain: `checking`, `ok` or why it cannot be used.
    pub keychain: String,
    /// The targets.
    pub targets: Vec<TargetLine>,
    /// Unfinished executions.
    pub unfinished_executions: usize,
    /// The data directory or database when others may read them.
    pub access_warnings: Vec<String>,
    /// What failed in the background and has not worked since.
    pub background_problems: Vec<Problem>,
}

/// The diagnostics and their text to paste into a support ticket.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub struct DiagnosticsText {
    /// The facts.
    pub diagnostics: Diagnostics,
    /// As text.
    pub text: String,
}

impl From<Diagnostics> for DiagnosticsText {
    fn from(diagnostics: Diagnostics) -> Self {
        Self {
            text: diagnostics.text(),
            diagnostics,
        }
    }
}

/// `c` for people, without a secret (the secret key, session token and external ID live in the
/// keychain and are never read here).
pub fn describe_credentials(c: &CredentialSource) -> String {
    match c {
        CredentialSource::Sandbox => "sandbox".into(),
        CredentialSource::Profile { profile } => format!("profile {profile}"),
        CredentialSource::AssumeRole {
            role_arn,
            via,
            via_kind,
            external_id_stored,
            ..
        } => format!(
            "role {role_arn} via {} {via}{}",
            match via_kind {
                RoleBase::Profile => "profile",
                RoleBase::Target => "target",
            },
            if *external_id_stored {
                " (external ID in keychain)"
            } else {
                ""
            }
        ),
        CredentialSource::AccessKeys {
            access_key_id,
            session_token_stored,
        } => format!(
            "access key {access_key_id} (secret{} in keychain)",
            if *session_token_stored {
                " and session token"
            } else {
                ""
            }
        ),
    }
}

/// An access key ID with only its first and last four characters (enough to tell keys apart in
/// a support ticket).
fn shorten_key_ids(text: &str, c: &CredentialSource) -> String {
    match c {
        CredentialSource::AccessKeys { access_key_id, .. } if access_key_id.len() > 8 => {
            let n = access_key_id.len();
            text.replace(
                access_key_id,
                &format!("{}…{}", &access_key_id[..4], &access_key_id[n - 4..]),
            )
        }
        _ => text.to_string(),
    }
}

impl Diagnostics {
    /// As text to paste into a support ticket.
    pub fn text(&self) -> String {
        let none = || "—".to_string();
        let mut s = format!(
            "DRS Orchestrator {}\nPlatform:   {}\nData:       {}\nDatabase:   {}\nLogs:       {}\nLog file:   {}\nActor:      {}\nKeychain:   {}\nUnfinished executions: {}\n",
            self.version,
            self.platform,
            self.data_dir,
            match (&self.database, &self.store_error) {
                (Some(d), _) => d.clone(),
                (None, Some(e)) => format!("not open: {e}"),
                (None, None) => none(),
            },
            self.log_dir.clone().unwrap_or_else(none),
            self.log_file.clone().unwrap_or_else(none),
            self.actor,
            self.keychain,
            self.unfinished_executions,
        );
        s.push_str(&format!("Targets ({}):\n", self.targets.len()));
        for t in &self.targets {
            s.push_str(&format!(
                "  {}: account {}, {} → {}, {}{}\n",
                t.name,
                t.account_id,
                t.primary_region,
                t.recovery_region,
                t.credentials,
                t.endpoint_url
                    .as_deref()
                    .map(|u| format!(", endpoint {u}"))
                    .unwrap_or_default()
            ));
        }
        for w in &self.access_warnings {
            s.push_str(&format!("Warning: {w}\n"));
        }
        if self.background_problems.is_empty() {
            s.push_str("Background: no failures\n");
        } else {
            s.push_str("Background failures:\n");
            for p in &self.background_problems {
                s.push_str(&format!("  {} {}: {}\n", p.at, p.what, p.message));
            }
        }
        s
    }
}

impl App {
    /// What support needs to know about this installation, without a secret.
    pub fn diagnostics(&self) -> Diagnostics {
        let (targets, unfinished) = self
            .with_store(|s| Ok((s.targets()?, s.unfinished_executions()?.len())))
            .unwrap_or_default();
        let log_dir = crate::logs::current_dir();
        Diagnostics {
            version: env!("CARGO_PKG_VERSION").into(),
            platform: format!("{} {}", std::env::consts::OS, std::env::consts::ARCH),
            data_dir: self.data_dir().display().to_string(),
            database: self.database().map(|p| p.display().to_string()),
            store_error: self.open_error().map(str::to_string),
            log_dir: log_dir.map(|d| d.display().to_string()),
            log_file: log_dir
                .and_then(crate::logs::newest_file)
                .map(|f| f.display().to_string()),
            actor: self.actor().to_string(),
            keychain: match self.keychain_state() {
                None => "checking".into(),
                Some(Ok(())) => "ok".into(),
                Some(Err(e)) => format!("unavailable: {e}"),
            },
            targets: targets
                .into_iter()
                .map(|t| TargetLine {
                    credentials: shorten_key_ids(
                        &describe_credentials(&t.credentials),
                        &t.credentials,
                    ),
                    name: t.name,
                    account_id: t.account_id,
                    primary_region: t.primary_region,
                    recovery_region: t.recovery_region,
                    endpoint_url: t.endpoint_url,
                })
                .collect(),
            unfinished_executions: unfinished,
            access_warnings: self.access_warnings().to_vec(),
            background_problems: self.background_problems().list(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_key_ids_are_shortened_and_no_secret_is_read() {
        let c = CredentialSource::AccessKeys {
            access_key_id: "AKIAEXAMPLEKEY123456".into(),
            session_token_stored: true,
        };
        let text = shorten_key_ids(&describe_credentials(&c), &c);
        assert_eq!(
            text,
            "access key AKIA…3456 (secret and session token in keychain)"
        );
    }

    #[test]
    fn the_text_names_every_target_and_failure() {
        let d = Diagnostics {
            version: "1.2.3".into(),
            platform: "linux x86_64".into(),
            data_dir: "/d".into(),
            database: None,
            store_error: Some("read-only".into()),
            log_dir: Some("/d/logs".into()),
            log_file: None,
            actor: "local:ann".into(),
            keychain: "ok".into(),
            targets: vec![TargetLine {
                name: "prod".into(),
                account_id: "111122223333".into(),
                primary_region: "us-east-1".into(),
                recovery_region: "us-west-2".into(),
                credentials: "profile prod".into(),
                endpoint_url: None,
            }],
            unfinished_executions: 1,
            access_warnings: vec![],
            background_problems: vec![Problem {
                what: "the health monitor".into(),
                message: "target prod: cannot reach AWS".into(),
                at: "2026-12-01T10:00:00Z".into(),
            }],
        };
        let t = d.text();
        assert!(t.contains("DRS Orchestrator 1.2.3"));
        assert!(t.contains("not open: read-only"));
        assert!(t.contains("prod: account 111122223333, us-east-1 → us-west-2, profile prod"));
        assert!(t.contains("the health monitor: target prod: cannot reach AWS"));
    }
}
