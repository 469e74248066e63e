//! The named profiles of the standard AWS config files, read with aws-config's own parser
//! (`~/.aws/config` and `~/.aws/credentials`, or `AWS_CONFIG_FILE` /
//! `AWS_SHARED_CREDENTIALS_FILE`). Used to list profiles for the target form, to refuse a profile
//! that does not exist with a precise message, and to tell when a profile signs in through IAM
//! Identity Center (SSO) so an expired token can be explained with the exact `aws sso login`.

use aws_config::profile::ProfileSet;
use aws_runtime::env_config::file::EnvConfigFiles;
use aws_types::os_shim_internal::{Env, Fs};
use drs_core::cloud::CloudError;
use serde::Serialize;

/// One profile, as the target form shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub struct ProfileInfo {
    /// Profile name.
    pub name: String,
    /// The profile (or a profile it sources from) signs in through IAM Identity Center.
    pub sso: bool,
    /// The role the profile assumes, if it is a role profile.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub role_arn: Option<String>,
    /// The profile's default region.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub region: Option<String>,
}

/// Where the config files are, for messages.
fn locations(env: &Env) -> String {
    let config = env
        .get("AWS_CONFIG_FILE")
        .unwrap_or_else(|_| "~/.aws/config".into());
    let credentials = env
        .get("AWS_SHARED_CREDENTIALS_FILE")
        .unwrap_or_else(|_| "~/.aws/credentials".into());
    format!("{config} and {credentials}")
}

async fn load(fs: &Fs, env: &Env) -> Result<ProfileSet, CloudError> {
    aws_config::profile::load(fs, env, &EnvConfigFiles::default(), None)
        .await
        .map_err(|e| {
            CloudError::Credentials(format!(
                "the AWS config files ({}) cannot be read: {e}",
                locations(env)
            ))
        })
}

fn uses_sso(set: &ProfileSet, name: &str) -> bool {
    let mut current = name;
    for _ in 0..16 {
        let Some(p) = set.get_profile(current) else {
            return false;
        };
        if p.get("sso_session").is_some() || p.get("sso_start_url").is_some() {
            return true;
        }
        match p.get("source_profile") {
            Some(next) if next != current => current = next,
            _ => return false,
        }
    }
    false
}

fn describe(set: &ProfileSet) -> Vec<ProfileInfo> {
    let mut out: Vec<ProfileInfo> = set
        .profiles()
        .filter_map(|name| {
            let p = set.get_profile(name)?;
            Some(ProfileInfo {
                name: name.to_string(),
                sso: uses_sso(set, name),
                role_arn: p.get("role_arn").map(str::to_string),
                region: p.get("region").map(str::to_string),
            })
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

async fn profiles_in(fs: &Fs, env: &Env) -> Result<Vec<ProfileInfo>, CloudError> {
    Ok(describe(&load(fs, env).await?))
}

async fn find_in(fs: &Fs, env: &Env, name: &str) -> Result<ProfileInfo, CloudError> {
    let all = profiles_in(fs, env).await?;
    if let Some(found) = all.iter().find(|p| p.name == name) {
        return Ok(found.clone());
    }
    let known = if all.is_empty() {
        "there are no profiles there".to_string()
    } else {
        format!(
            "profiles there: {}",
            all.iter()
                .map(|p| p.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    Err(CloudError::Credentials(format!(
        "profile \"{name}\" is not defined in {} ({known})",
        locations(env)
    )))
}

/// Every profile in the AWS config files, by name.
pub async fn profiles() -> Result<Vec<ProfileInfo>, CloudError> {
    profiles_in(&Fs::real(), &Env::real()).await
}

/// One profile; a precise error naming the files and the profiles there when it is not defined.
pub async fn find(name: &str) -> Result<ProfileInfo, CloudError> {
    find_in(&Fs::real(), &Env::real(), name).await
}

/// The sentence added to a credentials error of a profile that signs in through SSO.
pub fn sso_hint(profile: &str) -> String {
    format!(
        "profile \"{profile}\" signs in through IAM Identity Center (SSO) and its token is missing or expired; run `aws sso login --profile {profile}` and try again"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: &str = r#"
[default]
region = us-east-1

[profile corp]
sso_session = corp
sso_account_id = 111122223333
sso_role_name = DRSOperator

[profile recovery]
source_profile = corp
role_arn = arn:aws:iam::444455556666:role/DRSOrchestratorRecovery
region = us-west-2

[sso-session corp]
sso_start_url = https://example.awsapps.com/start
sso_region = us-east-1
"#;
    const CREDENTIALS: &str =
        "[keys]\naws_access_key_id = AKIAEXAMPLE000000001\naws_secret_access_key = x\n";

    fn fixture() -> (Fs, Env) {
        (
            Fs::from_slice(&[("/c/config", CONFIG), ("/c/credentials", CREDENTIALS)]),
            Env::from_slice(&[
                ("AWS_CONFIG_FILE", "/c/config"),
                ("AWS_SHARED_CREDENTIALS_FILE", "/c/credentials"),
                ("HOME", "/home/u"),
            ]),
        )
    }

    #[tokio::test]
    async fn lists_profiles_of_both_files_and_follows_source_profiles_to_sso() {
        let (fs, env) = fixture();
        let all = profiles_in(&fs, &env).await.unwrap();
        let names: Vec<&str> = all.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["corp", "default", "keys", "recovery"]);
        let recovery = &all[3];
        assert!(recovery.sso, "sources from an SSO profile");
        assert_eq!(recovery.region.as_deref(), Some("us-west-2"));
        assert!(recovery
            .role_arn
            .as_deref()
            .unwrap()
            .ends_with("DRSOrchestratorRecovery"));
        assert!(!all[2].sso);
    }

    #[tokio::test]
    async fn a_missing_profile_names_the_files_and_what_is_there() {
        let (fs, env) = fixture();
        let err = find_in(&fs, &env, "prod").await.unwrap_err().to_string();
        assert!(
            err.contains("profile \"prod\" is not defined in /c/config and /c/credentials"),
            "{err}"
        );
        assert!(
            err.contains("profiles there: corp, default, keys, recovery"),
            "{err}"
        );
    }
}
