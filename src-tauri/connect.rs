//! From a stored target to a live `Cloud`: the built-in sandbox (started in-process on an
//! ephemeral loopback port the first time it is needed), an external sandbox or AWS endpoint, or
//! real AWS through the standard credential chain.

use drs_aws::{AwsCloud, CredentialSpec, TargetConnection};
use drs_core::cloud::{Cloud, CloudError};
use drs_core::{CredentialSource, Target};
use drs_sandbox::{RunningSandbox, SandboxConfig};
use std::sync::Arc;
use tokio::sync::OnceCell;

/// The in-process sandbox, started on first use and kept for the life of the process.
#[derive(Default)]
pub struct EmbeddedSandbox {
    running: OnceCell<RunningSandbox>,
}

impl EmbeddedSandbox {
    /// The endpoint URL, starting the sandbox if needed.
    pub async fn endpoint(&self) -> Result<String, CloudError> {
        let running = self
            .running
            .get_or_try_init(|| async {
                drs_sandbox::start(SandboxConfig::default())
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

/// A `Cloud` for `target`.
pub async fn cloud_for(
    target: &Target,
    sandbox: &EmbeddedSandbox,
) -> Result<Arc<dyn Cloud>, CloudError> {
    let (endpoint_url, credentials) = match &target.credentials {
        CredentialSource::Sandbox => {
            let endpoint = match &target.endpoint_url {
                Some(url) => url.clone(),
                None => sandbox.endpoint().await?,
            };
            (Some(endpoint), sandbox_keys())
        }
        CredentialSource::Profile { profile } => (
            target.endpoint_url.clone(),
            CredentialSpec::Profile(profile.clone()),
        ),
        CredentialSource::AssumeRole {
            role_arn,
            via,
            session_name,
            external_id_stored: false,
        } => (
            target.endpoint_url.clone(),
            CredentialSpec::AssumeRole {
                role_arn: role_arn.clone(),
                external_id: None,
                session_name: session_name
                    .clone()
                    .unwrap_or_else(|| "drs-orchestrator".into()),
                base: Box::new(CredentialSpec::Profile(via.clone())),
            },
        ),
        CredentialSource::AssumeRole { .. } | CredentialSource::AccessKeys { .. } => {
            return Err(CloudError::Credentials(format!(
                "target \"{}\" keeps its secret in the OS keychain; reading it needs the keychain support of `target add`, which this build does not have yet",
                target.name
            )))
        }
    };
    let cloud = AwsCloud::connect(TargetConnection {
        target: target.name.clone(),
        recovery_region: target.recovery_region.clone(),
        endpoint_url,
        credentials,
    })
    .await?;
    Ok(Arc::new(cloud))
}
