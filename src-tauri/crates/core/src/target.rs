//! Targets: an AWS account and its primary and recovery regions, with a description of where
//! its credentials come from. Secrets themselves never appear here; the keychain holds them and
//! this type only records that one is stored.

use crate::rules;
use crate::validation::Problem;
use serde::{Deserialize, Serialize};

/// Where a target's credentials come from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase", deny_unknown_fields)]
pub enum CredentialSource {
    /// The built-in simulated AWS estate (no AWS account needed).
    Sandbox,
    /// A named profile from the standard AWS config files (SSO profiles included).
    #[serde(rename_all = "camelCase")]
    Profile {
        /// Profile name in `~/.aws/config`.
        profile: String,
    },
    /// A role assumed from a base profile or another target.
    #[serde(rename_all = "camelCase")]
    AssumeRole {
        /// ARN of the role to assume.
        role_arn: String,
        /// Name of the base target or profile whose credentials assume the role.
        via: String,
        /// Session name shown in CloudTrail.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        session_name: Option<String>,
        /// True when an external ID is kept in the OS keychain for this target.
        #[serde(default)]
        external_id_stored: bool,
    },
    /// An access key whose secret is kept in the OS keychain.
    #[serde(rename_all = "camelCase")]
    AccessKeys {
        /// The access key ID (not secret).
        access_key_id: String,
    },
}

/// An AWS account + regions the app talks to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Target {
    /// Unique name, e.g. `prod-workloads`.
    pub name: String,
    /// 12-digit AWS account ID.
    pub account_id: String,
    /// Region where the source servers replicate from (and DRS runs for failback).
    pub primary_region: String,
    /// Region DRS recovers into.
    pub recovery_region: String,
    /// Endpoint override (the sandbox, or a VPC endpoint).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint_url: Option<String>,
    /// How credentials are obtained.
    pub credentials: CredentialSource,
}

impl Target {
    /// The built-in sandbox target every new installation starts with.
    pub fn sandbox() -> Self {
        Self {
            name: "Sandbox".into(),
            account_id: "111122223333".into(),
            primary_region: "us-east-1".into(),
            recovery_region: "us-west-2".into(),
            endpoint_url: None,
            credentials: CredentialSource::Sandbox,
        }
    }

    /// Checks names and formats; returns every problem found.
    pub fn validate(&self) -> Vec<Problem> {
        let mut problems = Vec::new();
        if let Err(m) = rules::check_name("target", &self.name) {
            problems.push(Problem::error("name", m));
        }
        if let Err(m) = rules::check_account_id(&self.account_id) {
            problems.push(Problem::error("accountId", m));
        }
        if let Err(m) = rules::check_region(&self.primary_region) {
            problems.push(Problem::error("primaryRegion", m));
        }
        if let Err(m) = rules::check_region(&self.recovery_region) {
            problems.push(Problem::error("recoveryRegion", m));
        }
        if let Some(url) = &self.endpoint_url {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                problems.push(Problem::error(
                    "endpointUrl",
                    format!("endpoint URL \"{url}\" must start with http:// or https://"),
                ));
            }
        }
        match &self.credentials {
            CredentialSource::Profile { profile } if profile.trim().is_empty() => problems.push(
                Problem::error("credentials.profile", "profile name must not be empty"),
            ),
            CredentialSource::AssumeRole { role_arn, via, .. } => {
                if !role_arn.starts_with("arn:aws") || !role_arn.contains(":role/") {
                    problems.push(Problem::error(
                        "credentials.roleArn",
                        format!("role ARN \"{role_arn}\" is not valid (expected arn:aws:iam::<account>:role/<name>)"),
                    ));
                }
                if via.trim().is_empty() {
                    problems.push(Problem::error(
                        "credentials.via",
                        "name the base profile or target that assumes the role",
                    ));
                }
            }
            CredentialSource::AccessKeys { access_key_id }
                if !(16..=128).contains(&access_key_id.len())
                    || !access_key_id.bytes().all(|b| b.is_ascii_alphanumeric()) =>
            {
                problems.push(Problem::error(
                    "credentials.accessKeyId",
                    "access key ID must be 16–128 letters or digits (e.g. AKIA…)",
                ))
            }
            _ => {}
        }
        problems
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sandbox_target_is_valid() {
        assert!(Target::sandbox().validate().is_empty());
    }

    #[test]
    fn bad_formats_are_named() {
        let mut t = Target::sandbox();
        t.account_id = "12".into();
        t.recovery_region = "west".into();
        let problems = t.validate();
        assert_eq!(problems.len(), 2);
        assert_eq!(problems[0].path, "accountId");
        assert_eq!(problems[1].path, "recoveryRegion");
    }
}
