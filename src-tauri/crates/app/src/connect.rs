//! From a stored target to a live `Cloud`: the built-in sandbox (started in-process on an
//! ephemeral loopback port the first time it is needed), an external sandbox or AWS endpoint, or
//! real AWS through aws-config's providers (profiles with SSO and `credential_process`, keys from
//! the OS keychain, `AssumeRoleProvider` from a profile or another target, with an external ID
//! from the keychain).
//!
//! Two steps: [`resolve`] reads the keychain (blocking) and follows role bases; [`connect`]
//! builds the SDK clients (async).

use crate::credentials;
use drs_aws::{AwsCloud, CredentialSpec, TargetConnection};
use drs_core::cloud::{Cloud, CloudError};
use drs_core::{CredentialSource, RoleBase, Target};
use drs_sandbox::{RunningSandbox, SandboxConfig};
use drs_secrets::{SecretKind, Secrets};
use std::sync::Arc;
use tokio::sync::OnceCell;

/// Environment variable setting the built-in sandbox's simulated seconds per real second
/// (default 60): a larger value makes drills on the sandbox finish sooner, for demos and tests.
pub const ENV_SANDBOX_TIME_SCALE: &str = "DRS_ORCH_SANDBOX_TIME_SCALE";

fn time_scale() -> f64 {
    std::env::var(ENV_SANDBOX_TIME_SCALE)
        .ok()
        .and_then(|v| v.parse::<f64>().ok())
        .filter(|v| v.is_finite() && *v > 0.0)
        .unwrap_or(SandboxConfig::default().time_scale)
}

/// The in-process sandbox, started on first use and kept for the life of the process.
#[derive(Default)]
pub struct EmbeddedSandbox {
    running: OnceCell<RunningSandbox>,
}

impl EmbeddedSandbox {
    /// Whether it was started (by a user's action on a sandbox target).
    pub fn is_running(&self) -> bool {
        self.running.get().is_some()
    }

    /// The endpoint URL, starting the sandbox if needed.
    pub async fn endpoint(&self) -> Result<String, CloudError> {
        let running = self
            .running
            .get_or_try_init(|| async {
                drs_sandbox::start(SandboxConfig {
                    time_scale: time_scale(),
                    ..SandboxConfig::default()
                })
                .await
                .map_err(|e| CloudError::Network {
                    operation: "sandbox".into(),
                    message: e.to_string(),
                })
            })
            .await?;
        Ok(running.endpoint())
    }
}

/// The keys the sandbox gives the production account of its built-in scenario.
fn sandbox_keys() -> CredentialSpec {
    CredentialSpec::Static {
        access_key_id: drs_sandbox::scenario::RETAIL_PROD_KEY.into(),
        secret_access_key: "sandbox-secret-not-checked".into(),
        session_token: None,
    }
}

/// A target's connection with its secrets read from the keychain, ready to connect.
#[derive(Clone)]
pub struct Resolved {
    connection: TargetConnection,
    /// No endpoint given and the credential chain ends in the sandbox: use the embedded one.
    embedded_sandbox: bool,
    /// The credential chain ends in the sandbox (embedded or `sandbox serve`).
    sandbox: bool,
}

impl Resolved {
    /// Connecting starts the embedded sandbox (a sandbox target without an endpoint).
    pub fn uses_embedded_sandbox(&self) -> bool {
        self.embedded_sandbox
    }

    /// The target is the sandbox (its executions live on the sandbox's simulated clock).
    pub fn is_sandbox(&self) -> bool {
        self.sandbox
    }

    /// The endpoint given for the target (none: AWS's, or the embedded sandbox's).
    pub fn endpoint(&self) -> Option<&str> {
        self.connection.endpoint_url.as_deref()
    }

    /// Where each service's requests go, as the target decides (never the environment).
    pub fn endpoints_in_use(&self) -> Vec<EndpointInUse> {
        let e = &self.connection.endpoints;
        e.each()
            .into_iter()
            .map(|(service, own)| EndpointInUse {
                service: service.to_string(),
                url: if self.embedded_sandbox && own.is_none() {
                    "the built-in sandbox".into()
                } else {
                    own.or(self.connection.endpoint_url.as_deref()).map_or_else(
                        || {
                            format!(
                                "AWS ({service}.{}.amazonaws.com)",
                                self.connection.recovery_region
                            )
                        },
                        str::to_string,
                    )
                },
            })
            .collect()
    }
}

/// Where one service's requests go.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub struct EndpointInUse {
    /// `drs`, `ec2` or `sts`.
    pub service: String,
    /// The URL, or how AWS's own is reached.
    pub url: String,
}

/// Reads what `target` needs from the keychain and the targets it assumes a role from. Blocking
/// (the keychain); call it off the async runtime.
pub fn resolve(
    target: &Target,
    targets: &[Target],
    secrets: &dyn Secrets,
    store_id: &str,
) -> Result<Resolved, CloudError> {
    let mut chain = vec![target.name.clone()];
    let (credentials, endpoint, sandbox) = spec(target, targets, secrets, store_id, &mut chain)?;
    Ok(Resolved {
        connection: TargetConnection {
            target: target.name.clone(),
            recovery_region: target.recovery_region.clone(),
            origin_region: Some(target.primary_region.clone()).filter(|r| !r.is_empty()),
            endpoint_url: endpoint.clone(),
            endpoints: target.endpoints.clone().unwrap_or_default(),
            credentials,
        },
        embedded_sandbox: sandbox && endpoint.is_none(),
        sandbox,
    })
}

fn keychain_error(target: &Target, e: drs_secrets::SecretsError) -> CloudError {
    CloudError::Credentials(format!("target \"{}\": {e}", target.name))
}

fn secret(
    target: &Target,
    secrets: &dyn Secrets,
    store_id: &str,
    kind: SecretKind,
    what: &str,
) -> Result<String, CloudError> {
    secrets
        .get(&credentials::entry(store_id, &target.name), kind)
        .map_err(|e| keychain_error(target, e))?
        .ok_or_else(|| {
            CloudError::Credentials(format!(
                "target \"{}\" has no {what} in the OS keychain (it was removed there); edit the target and enter it again",
                target.name
            ))
        })
}

/// The credential spec of `target`, the endpoint it inherits, and whether it ends in the sandbox.
fn spec(
    target: &Target,
    targets: &[Target],
    secrets: &dyn Secrets,
    store_id: &str,
    chain: &mut Vec<String>,
) -> Result<(CredentialSpec, Option<String>, bool), CloudError> {
    let own = target.endpoint_url.clone();
    Ok(match &target.credentials {
        CredentialSource::Sandbox => (sandbox_keys(), own, true),
        CredentialSource::Profile { profile } => {
            (CredentialSpec::Profile(profile.clone()), own, false)
        }
        CredentialSource::AccessKeys {
            access_key_id,
            session_token_stored,
        } => {
            let secret_access_key = secret(
                target,
                secrets,
                store_id,
                SecretKind::SecretAccessKey,
                "secret access key",
            )?;
            let session_token = if *session_token_stored {
                Some(secret(
                    target,
                    secrets,
                    store_id,
                    SecretKind::SessionToken,
                    "session token",
                )?)
            } else {
                None
            };
            (
                CredentialSpec::Static {
                    access_key_id: access_key_id.clone(),
                    secret_access_key,
                    session_token,
                },
                own,
                false,
            )
        }
        CredentialSource::AssumeRole {
            role_arn,
            via,
            via_kind,
            session_name,
            external_id_stored,
        } => {
            let external_id = if *external_id_stored {
                Some(secret(
                    target,
                    secrets,
                    store_id,
                    SecretKind::ExternalId,
                    "external ID",
                )?)
            } else {
                None
            };
            let (base, endpoint, sandbox) = match via_kind {
                RoleBase::Profile => (CredentialSpec::Profile(via.clone()), own, false),
                RoleBase::Target => {
                    if chain.iter().any(|c| c == via) || chain.len() > 16 {
                        chain.push(via.clone());
                        return Err(CloudError::Credentials(format!(
                            "role chain loops: {}",
                            chain.join(" → ")
                        )));
                    }
                    chain.push(via.clone());
                    let base = targets.iter().find(|t| &t.name == via).ok_or_else(|| {
                        CloudError::Credentials(format!(
                            "target \"{}\" assumes its role from target \"{via}\", which no longer exists",
                            target.name
                        ))
                    })?;
                    let (spec, inherited, sandbox) =
                        self::spec(base, targets, secrets, store_id, chain)?;
                    (spec, own.or(inherited), sandbox)
                }
            };
            (
                CredentialSpec::AssumeRole {
                    role_arn: role_arn.clone(),
                    external_id,
                    session_name: session_name
                        .clone()
                        .unwrap_or_else(|| "drs-orchestrator".into()),
                    base: Box::new(base),
                },
                endpoint,
                sandbox,
            )
        }
    })
}

/// A `Cloud` for a resolved target (starting the embedded sandbox when it is needed).
pub async fn connect(
    resolved: Resolved,
    sandbox: &EmbeddedSandbox,
) -> Result<Arc<dyn Cloud>, CloudError> {
    let mut connection = resolved.connection;
    if resolved.embedded_sandbox {
        connection.endpoint_url = Some(sandbox.endpoint().await?);
    }
    Ok(Arc::new(AwsCloud::connect(connection).await?))
}

/// A target with its connection, or why it cannot connect.
pub type TargetResolution = (Target, Result<Resolved, CloudError>);

/// Resolves the targets of `store` (only the one named, when given) with their secrets: each
/// with its connection, or why it cannot connect. Blocking (the keychain).
pub fn resolve_targets(
    store: &drs_store::Store,
    secrets: &dyn Secrets,
    only: Option<&str>,
) -> Result<Vec<TargetResolution>, drs_store::StoreError> {
    let all = store.targets()?;
    if let Some(name) = only {
        if !all.iter().any(|t| t.name == name) {
            return Err(drs_store::StoreError::NotFound {
                kind: "target",
                name: name.to_string(),
            });
        }
    }
    let store_id = store.store_id()?;
    Ok(all
        .iter()
        .filter(|t| only.is_none_or(|n| n == t.name))
        .map(|t| (t.clone(), resolve(t, &all, secrets, &store_id)))
        .collect())
}
