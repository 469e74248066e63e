//! Targets and what they hold, as both faces use them: testing a target's connection (its
//! credentials must act in the account it names) and the inventory of every target read in
//! parallel (a target that fails is listed with why; the others are still read).

use crate::connect::{connect, resolve_targets, EndpointInUse};
use crate::{App, AppError, ErrorCode};
use drs_core::cloud::CallerIdentity;
use drs_core::inventory::{collect, Inventory, TargetFailure};
use serde::Serialize;

/// A tested target: who its credentials act as, and where its requests go.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub struct TargetTest {
    /// Who the credentials act as.
    #[serde(flatten)]
    #[ts(flatten)]
    pub identity: CallerIdentity,
    /// Where each service's requests go (the target alone decides).
    pub endpoints: Vec<EndpointInUse>,
}

impl App {
    /// Calls STS GetCallerIdentity through `name`'s credentials; credentials that act in
    /// another account than the target names are refused (`conflict`).
    pub async fn test_target(&self, name: &str) -> Result<TargetTest, AppError> {
        let lookup = name.to_string();
        let (target, resolved) = self
            .with_store_and_keychain(move |s, keychain| {
                resolve_targets(s, keychain, Some(&lookup))?
                    .pop()
                    .ok_or_else(|| {
                        AppError::new(
                            ErrorCode::NotFound,
                            format!("target \"{lookup}\" not found"),
                        )
                    })
            })
            .await?;
        let resolved = resolved?;
        let endpoints = resolved.endpoints_in_use();
        let cloud = connect(resolved, self.sandbox()).await?;
        let me = cloud.caller_identity().await.inspect_err(|e| {
            tracing::warn!(target_name = name, "target \"{name}\" test failed: {e}");
        })?;
        if me.account != target.account_id {
            let message = format!(
                "target \"{name}\" is configured for account {} but its credentials act in account {} ({})",
                target.account_id, me.account, me.arn
            );
            tracing::warn!(target_name = name, "{message}");
            return Err(AppError::new(ErrorCode::Conflict, message));
        }
        tracing::info!(
            target_name = name,
            "target \"{name}\": acting as {}",
            me.arn
        );
        Ok(TargetTest {
            identity: me,
            endpoints,
        })
    }

    /// The source servers and recovery-region instances of every target (or one), read in
    /// parallel. Targets that fail are listed in `failures` with the reason.
    pub async fn inventory(&self, target: Option<&str>) -> Result<Inventory, AppError> {
        let only = target.map(str::to_string);
        let targets = self
            .with_store_and_keychain(move |s, keychain| {
                if let Some(name) = &only {
                    if s.target(name).is_err() {
                        return Err(AppError::new(
                            ErrorCode::NotFound,
                            format!(
                                "target \"{name}\" not found (see: drs-orchestrator target list)"
                            ),
                        ));
                    }
                }
                Ok(resolve_targets(s, keychain, only.as_deref())?)
            })
            .await?;
        let mut clouds = Vec::new();
        let mut failures = Vec::new();
        for (t, resolved) in targets {
            let cloud = match resolved {
                Ok(r) => connect(r, self.sandbox()).await,
                Err(e) => Err(e),
            };
            match cloud {
                Ok(c) => clouds.push((t.name.clone(), c)),
                Err(e) => failures.push(TargetFailure {
                    target: t.name.clone(),
                    message: e.to_string(),
                }),
            }
        }
        let mut inventory = collect(clouds).await;
        inventory.failures.extend(failures);
        Ok(inventory)
    }
}
