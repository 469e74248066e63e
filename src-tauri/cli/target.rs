//! `drs-orchestrator target …`: the accounts and regions the app talks to.

use super::output::{self, Output};
use super::Failure;
use crate::connect::{cloud_for, EmbeddedSandbox};
use clap::{ArgGroup, Args, Subcommand};
use drs_core::{CredentialSource, Target};
use drs_store::Store;

/// Target subcommands.
#[derive(Debug, Subcommand)]
pub enum TargetCommand {
    /// List targets.
    List,
    /// Show one target.
    Show {
        /// Target name.
        name: String,
    },
    /// Add a target.
    Add(AddArgs),
    /// Remove a target no protection group uses.
    Remove {
        /// Target name.
        name: String,
    },
    /// Call STS GetCallerIdentity through the target's credentials; the account must match.
    Test {
        /// Target name.
        name: String,
    },
}

/// `target add` options. Exactly one credential source.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("credentials").required(true).args(["profile", "role_arn", "access_key_id", "sandbox"])))]
pub struct AddArgs {
    /// Target name.
    name: String,
    /// 12-digit account ID.
    #[arg(long)]
    account: String,
    /// Primary (source) region.
    #[arg(long)]
    region: String,
    /// Recovery region (where DRS runs).
    #[arg(long)]
    recovery_region: String,
    /// A named profile from the AWS config files (SSO profiles included).
    #[arg(long)]
    profile: Option<String>,
    /// A role to assume …
    #[arg(long, requires = "via")]
    role_arn: Option<String>,
    /// … with the credentials of this profile.
    #[arg(long)]
    via: Option<String>,
    /// Read the role's external ID from standard input (kept in the OS keychain).
    #[arg(long, requires = "role_arn")]
    external_id_stdin: bool,
    /// An access key whose secret is read from standard input (kept in the OS keychain).
    #[arg(long, requires = "secret_stdin")]
    access_key_id: Option<String>,
    /// Read the secret access key from standard input.
    #[arg(long)]
    secret_stdin: bool,
    /// The built-in sandbox (with --endpoint-url: an external `sandbox serve`).
    #[arg(long)]
    sandbox: bool,
    /// Endpoint override (an external sandbox, or a VPC endpoint).
    #[arg(long, value_name = "URL")]
    endpoint_url: Option<String>,
}

fn show(t: &Target) -> String {
    format!(
        "Target:     {}\nAccount:    {}\nRegions:    {} → {}\nCredentials: {}\nEndpoint:   {}",
        t.name,
        t.account_id,
        t.primary_region,
        t.recovery_region,
        output::credentials(&t.credentials),
        t.endpoint_url.as_deref().unwrap_or("AWS default")
    )
}

/// Runs a target subcommand.
pub fn run(
    cmd: &TargetCommand,
    store: &mut Store,
    actor: &str,
    out: &Output,
) -> Result<u8, Failure> {
    match cmd {
        TargetCommand::List => {
            let targets = store.targets()?;
            out.table(
                &targets,
                &["NAME", "ACCOUNT", "PRIMARY", "RECOVERY", "CREDENTIALS"],
                |t| {
                    vec![
                        t.name.clone(),
                        t.account_id.clone(),
                        t.primary_region.clone(),
                        t.recovery_region.clone(),
                        output::credentials(&t.credentials),
                    ]
                },
            );
            Ok(0)
        }
        TargetCommand::Show { name } => {
            let t = store.target(name)?;
            out.value(&t, || show(&t));
            Ok(0)
        }
        TargetCommand::Add(a) => {
            if a.access_key_id.is_some() || a.external_id_stdin {
                return Err(Failure::runtime(
                    "secrets (secret access keys, external IDs) are kept only in the OS keychain, and this build cannot store them yet; use --profile (with the key in ~/.aws/credentials) or --role-arn … --via PROFILE without an external ID",
                ));
            }
            let credentials = if a.sandbox {
                CredentialSource::Sandbox
            } else if let Some(p) = &a.profile {
                CredentialSource::Profile { profile: p.clone() }
            } else {
                CredentialSource::AssumeRole {
                    role_arn: a.role_arn.clone().unwrap_or_default(),
                    via: a.via.clone().unwrap_or_default(),
                    session_name: None,
                    external_id_stored: false,
                }
            };
            let t = Target {
                name: a.name.clone(),
                account_id: a.account.clone(),
                primary_region: a.region.clone(),
                recovery_region: a.recovery_region.clone(),
                endpoint_url: a.endpoint_url.clone(),
                credentials,
            };
            store.add_target(&t, actor)?;
            out.value(&t, || format!("added target \"{}\"\n{}", t.name, show(&t)));
            Ok(0)
        }
        TargetCommand::Remove { name } => {
            store.delete_target(name, actor)?;
            out.value(&serde_json::json!({ "removed": name }), || {
                format!("removed target \"{name}\"")
            });
            Ok(0)
        }
        TargetCommand::Test { name } => {
            let t = store.target(name)?;
            let runtime = tokio::runtime::Runtime::new()
                .map_err(|e| Failure::runtime(format!("cannot start the async runtime: {e}")))?;
            let me = runtime
                .block_on(async {
                    let sandbox = EmbeddedSandbox::default();
                    let cloud = cloud_for(&t, &sandbox).await?;
                    cloud.caller_identity().await
                })
                .map_err(|e| Failure::runtime(format!("target \"{name}\": {e}")))?;
            if me.account != t.account_id {
                return Err(Failure {
                    code: 3,
                    message: format!(
                        "target \"{name}\" is configured for account {} but its credentials act in account {} ({})",
                        t.account_id, me.account, me.arn
                    ),
                });
            }
            out.value(&me, || {
                format!(
                    "target \"{name}\": acting as {} in account {}",
                    me.arn, me.account
                )
            });
            Ok(0)
        }
    }
}
