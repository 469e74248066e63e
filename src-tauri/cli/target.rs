//! `drs-orchestrator target …`: the accounts and regions the app talks to.

use super::output::{self, Output};
use super::{Cx, Failure};
use crate::credentials::{self, SaveMode, SecretInput};
use clap::{ArgGroup, Args, Subcommand};
use drs_app::ErrorCode;
use drs_core::{CredentialSource, RoleBase, Target};
use drs_secrets::Secrets;
use drs_store::Store;
use secrecy::SecretString;

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
    /// Add a target. Secrets are read from standard input (hidden prompts on a terminal) and
    /// kept only in the OS keychain.
    Add(AddArgs),
    /// Change a target: regions, endpoint, credential source, or rotate its secrets.
    Edit(EditArgs),
    /// Remove a target no protection group uses, with its keychain entries.
    Remove {
        /// Target name.
        name: String,
    },
    /// Call STS GetCallerIdentity through the target's credentials; the account must match.
    Test {
        /// Target name.
        name: String,
    },
    /// List the profiles of the AWS config files (SSO and role profiles marked).
    Profiles,
}

/// Where a target's credentials come from (one source).
#[derive(Debug, Args)]
pub struct CredentialArgs {
    /// A named profile from the AWS config files (SSO profiles included).
    #[arg(long, help_heading = "Credentials")]
    profile: Option<String>,
    /// A role to assume, with the credentials of --via PROFILE or --via-target TARGET.
    #[arg(long, help_heading = "Credentials")]
    role_arn: Option<String>,
    /// The profile whose credentials assume the role.
    #[arg(long, conflicts_with = "via_target", help_heading = "Credentials")]
    via: Option<String>,
    /// The target whose credentials assume the role.
    #[arg(long, help_heading = "Credentials")]
    via_target: Option<String>,
    /// Session name for the role (shown in CloudTrail; default drs-orchestrator).
    #[arg(long, help_heading = "Credentials")]
    session_name: Option<String>,
    /// Read the role's external ID from standard input (kept in the OS keychain).
    #[arg(long, help_heading = "Credentials")]
    external_id_stdin: bool,
    /// An access key ID; its secret is read with --secret-stdin (kept in the OS keychain).
    #[arg(long, help_heading = "Credentials")]
    access_key_id: Option<String>,
    /// Read the secret access key from standard input (first line).
    #[arg(long, help_heading = "Credentials")]
    secret_stdin: bool,
    /// Read a session token from standard input (the line after the secret), for temporary keys.
    #[arg(long, help_heading = "Credentials")]
    session_token_stdin: bool,
    /// The built-in sandbox (with --endpoint-url: an external `sandbox serve`).
    #[arg(long, help_heading = "Credentials")]
    sandbox: bool,
}

/// `target add` options. Exactly one credential source.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("source").required(true).args(["profile", "role_arn", "access_key_id", "sandbox"])))]
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
    /// Endpoint of every service (an external sandbox, LocalStack); https:// unless on this
    /// machine.
    #[arg(long, value_name = "URL")]
    endpoint_url: Option<String>,
    #[command(flatten)]
    endpoints: EndpointArgs,
    #[command(flatten)]
    credentials: CredentialArgs,
}

/// Endpoints of single services (VPC interface endpoints answer one service each).
#[derive(Debug, Args)]
pub struct EndpointArgs {
    /// DRS endpoint (e.g. a VPC interface endpoint); "" removes it.
    #[arg(long, value_name = "URL")]
    drs_endpoint: Option<String>,
    /// EC2 endpoint; "" removes it.
    #[arg(long, value_name = "URL")]
    ec2_endpoint: Option<String>,
    /// STS endpoint; "" removes it.
    #[arg(long, value_name = "URL")]
    sts_endpoint: Option<String>,
    /// SNS endpoint (monitoring alerts); "" removes it.
    #[arg(long, value_name = "URL")]
    sns_endpoint: Option<String>,
    /// EventBridge endpoint (monitoring rules); "" removes it.
    #[arg(long, value_name = "URL")]
    events_endpoint: Option<String>,
    /// CloudWatch endpoint (monitoring alarms); "" removes it.
    #[arg(long, value_name = "URL")]
    cloudwatch_endpoint: Option<String>,
    /// S3 endpoint (report delivery); "" removes it.
    #[arg(long, value_name = "URL")]
    s3_endpoint: Option<String>,
    /// SES endpoint (report delivery by e-mail); "" removes it.
    #[arg(long, value_name = "URL")]
    ses_endpoint: Option<String>,
}

impl EndpointArgs {
    /// `current` with what was given applied ("" removes one).
    fn apply(
        &self,
        current: Option<drs_core::ServiceEndpoints>,
    ) -> Option<drs_core::ServiceEndpoints> {
        let mut e = current.unwrap_or_default();
        for (given, slot) in [
            (&self.drs_endpoint, &mut e.drs),
            (&self.ec2_endpoint, &mut e.ec2),
            (&self.sts_endpoint, &mut e.sts),
            (&self.sns_endpoint, &mut e.sns),
            (&self.events_endpoint, &mut e.events),
            (&self.cloudwatch_endpoint, &mut e.cloudwatch),
            (&self.s3_endpoint, &mut e.s3),
            (&self.ses_endpoint, &mut e.ses),
        ] {
            match given.as_deref() {
                Some("") => *slot = None,
                Some(url) => *slot = Some(url.to_string()),
                None => {}
            }
        }
        (e != drs_core::ServiceEndpoints::default()).then_some(e)
    }
}

/// Validation warnings of a saved target (an endpoint outside AWS with real credentials).
fn warn(t: &Target, out: &Output) {
    for p in t.validate().iter().filter(|p| !p.is_error()) {
        out.note(&format!("warning: {}: {}", p.path, p.message));
    }
}

/// `target edit` options: only what is given changes.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("source").args(["profile", "role_arn", "access_key_id", "sandbox"])))]
pub struct EditArgs {
    /// Target name.
    name: String,
    /// 12-digit account ID.
    #[arg(long)]
    account: Option<String>,
    /// Primary (source) region.
    #[arg(long)]
    region: Option<String>,
    /// Recovery region (where DRS runs).
    #[arg(long)]
    recovery_region: Option<String>,
    /// Endpoint override.
    #[arg(long, value_name = "URL", conflicts_with = "no_endpoint_url")]
    endpoint_url: Option<String>,
    /// Remove the endpoint override (use AWS's endpoints).
    #[arg(long)]
    no_endpoint_url: bool,
    #[command(flatten)]
    endpoints: EndpointArgs,
    /// The role needs no external ID any more (its stored one is deleted).
    #[arg(long, conflicts_with = "external_id_stdin")]
    no_external_id: bool,
    /// The keys have no session token any more (its stored one is deleted).
    #[arg(long, conflicts_with = "session_token_stdin")]
    no_session_token: bool,
    #[command(flatten)]
    credentials: CredentialArgs,
}

/// Reads the secrets asked for, in order (secret, session token, external ID): hidden prompts
/// on a terminal, else one line each from standard input.
fn read_secrets(c: &CredentialArgs) -> Result<SecretInput, Failure> {
    use std::io::{BufRead, IsTerminal};
    let wanted: Vec<(&str, bool)> = vec![
        ("secret access key", c.secret_stdin),
        ("session token", c.session_token_stdin),
        ("external ID", c.external_id_stdin),
    ];
    let terminal = std::io::stdin().is_terminal();
    let mut lines = std::io::stdin().lock().lines();
    let mut values: Vec<Option<SecretString>> = Vec::new();
    for (what, asked) in wanted {
        if !asked {
            values.push(None);
            continue;
        }
        let value = if terminal {
            rpassword::prompt_password(format!("{what}: "))
                .map_err(|e| Failure::runtime(format!("cannot read the {what}: {e}")))?
        } else {
            match lines.next() {
                Some(Ok(line)) => line.trim_end_matches(['\r', '\n']).to_string(),
                Some(Err(e)) => {
                    return Err(Failure::runtime(format!(
                        "cannot read the {what} from standard input: {e}"
                    )))
                }
                None => {
                    return Err(Failure::invalid(format!(
                        "standard input ended before the {what} (give one per line: secret access key, session token, external ID — those asked for)"
                    )))
                }
            }
        };
        values.push(Some(SecretString::from(value)));
    }
    let mut values = values.into_iter();
    Ok(SecretInput {
        secret_access_key: values.next().flatten(),
        session_token: values.next().flatten(),
        external_id: values.next().flatten(),
    })
}

/// The credential source the options describe, if they name one.
fn source(
    c: &CredentialArgs,
    previous: Option<&CredentialSource>,
) -> Result<Option<CredentialSource>, Failure> {
    if c.sandbox {
        return Ok(Some(CredentialSource::Sandbox));
    }
    if let Some(p) = &c.profile {
        return Ok(Some(CredentialSource::Profile { profile: p.clone() }));
    }
    if let Some(role_arn) = &c.role_arn {
        let (via, via_kind) = match (&c.via, &c.via_target) {
            (Some(p), None) => (p.clone(), RoleBase::Profile),
            (None, Some(t)) => (t.clone(), RoleBase::Target),
            _ => {
                return Err(Failure::invalid(
                    "--role-arn needs --via PROFILE or --via-target TARGET (whose credentials assume the role)",
                ))
            }
        };
        return Ok(Some(CredentialSource::AssumeRole {
            role_arn: role_arn.clone(),
            via,
            via_kind,
            session_name: c.session_name.clone(),
            external_id_stored: c.external_id_stdin,
        }));
    }
    if let Some(key) = &c.access_key_id {
        if !c.secret_stdin {
            return Err(Failure::invalid(
                "--access-key-id needs --secret-stdin (the secret access key is read from standard input, never from the command line)",
            ));
        }
        return Ok(Some(CredentialSource::AccessKeys {
            access_key_id: key.clone(),
            session_token_stored: c.session_token_stdin,
        }));
    }
    // Only secrets or role details for the existing source.
    let Some(previous) = previous else {
        return Ok(None);
    };
    let mut same = previous.clone();
    match &mut same {
        CredentialSource::AssumeRole {
            session_name,
            external_id_stored,
            ..
        } => {
            if c.session_name.is_some() {
                session_name.clone_from(&c.session_name);
            }
            *external_id_stored |= c.external_id_stdin;
        }
        CredentialSource::AccessKeys {
            session_token_stored,
            ..
        } => *session_token_stored |= c.session_token_stdin,
        _ => {}
    }
    Ok(Some(same))
}

/// Checks a target and the profile it names, on a small runtime (before any keychain call).
fn preflight(t: &Target) -> Result<(), Failure> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::runtime(format!("cannot start the async runtime: {e}")))?;
    Ok(runtime.block_on(credentials::preflight(t))?)
}

fn show(t: &Target) -> String {
    format!(
        "Target:     {}\nAccount:    {}\nRegions:    {} → {}\nCredentials: {}\nEndpoint:   {}",
        t.name,
        t.account_id,
        t.primary_region,
        t.recovery_region,
        output::credentials(&t.credentials),
        match (&t.endpoint_url, t.credentials.base_target(), &t.credentials) {
            (Some(url), _, _) => url.clone(),
            (None, Some(base), _) => format!("that of target {base}"),
            (None, None, CredentialSource::Sandbox) => "the built-in sandbox".into(),
            (None, None, _) => "AWS default".into(),
        }
    ) + &t
        .endpoints
        .iter()
        .flat_map(|e| e.each())
        .filter_map(|(service, url)| url.map(|u| format!("\n  {service}:      {u}")))
        .collect::<String>()
}

/// Runs a target subcommand.
pub fn run(cmd: &TargetCommand, cx: &Cx) -> Result<u8, Failure> {
    if let TargetCommand::Test { name } = cmd {
        return test(name, cx);
    }
    let keychain = cx.app.keychain();
    let actor = cx.actor().to_string();
    let out = cx.out;
    cx.with_store(|store| run_with(cmd, store, keychain.as_ref(), &actor, &out))
}

/// `target test`: STS GetCallerIdentity through the target's credentials; credentials that act
/// in another account are a "no" (exit 3).
fn test(name: &str, cx: &Cx) -> Result<u8, Failure> {
    let me = cx
        .block_on(cx.app.test_target(name))
        .map_err(|e| match e.code {
            ErrorCode::Conflict => Failure {
                code: 3,
                message: e.message,
            },
            ErrorCode::Aws | ErrorCode::Keychain => {
                Failure::runtime(format!("target \"{name}\": {}", e.message))
            }
            _ => e.into(),
        })?;
    cx.out.value(&me, || {
        let mut s = format!(
            "target \"{name}\": acting as {} in account {}",
            me.identity.arn, me.identity.account
        );
        for e in &me.endpoints {
            s.push_str(&format!("\n  {:<4} {}", e.service, e.url));
        }
        s
    });
    Ok(0)
}

fn run_with(
    cmd: &TargetCommand,
    store: &mut Store,
    keychain: &dyn Secrets,
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
            let credentials = source(&a.credentials, None)?
                .ok_or_else(|| Failure::invalid("name one credential source"))?;
            let t = Target {
                name: a.name.clone(),
                account_id: a.account.clone(),
                primary_region: a.region.clone(),
                recovery_region: a.recovery_region.clone(),
                endpoint_url: a.endpoint_url.clone(),
                endpoints: a.endpoints.apply(None),
                credentials,
            };
            preflight(&t)?;
            let secrets = read_secrets(&a.credentials)?;
            let t = credentials::save(store, keychain, t, secrets, SaveMode::Add, actor)?;
            warn(&t, out);
            out.value(&t, || format!("added target \"{}\"\n{}", t.name, show(&t)));
            Ok(0)
        }
        TargetCommand::Edit(e) => {
            let mut t = store.target(&e.name)?;
            if let Some(v) = &e.account {
                t.account_id.clone_from(v);
            }
            if let Some(v) = &e.region {
                t.primary_region.clone_from(v);
            }
            if let Some(v) = &e.recovery_region {
                t.recovery_region.clone_from(v);
            }
            if e.no_endpoint_url {
                t.endpoint_url = None;
            } else if e.endpoint_url.is_some() {
                t.endpoint_url.clone_from(&e.endpoint_url);
            }
            t.endpoints = e.endpoints.apply(t.endpoints.take());
            if let Some(c) = source(&e.credentials, Some(&t.credentials))? {
                t.credentials = c;
            }
            match &mut t.credentials {
                CredentialSource::AssumeRole {
                    external_id_stored, ..
                } if e.no_external_id => *external_id_stored = false,
                CredentialSource::AccessKeys {
                    session_token_stored,
                    ..
                } if e.no_session_token => *session_token_stored = false,
                _ if e.no_external_id || e.no_session_token => {
                    return Err(Failure::invalid(format!(
                        "target \"{}\" has no {}",
                        e.name,
                        if e.no_external_id {
                            "role (so no external ID)"
                        } else {
                            "access keys (so no session token)"
                        }
                    )))
                }
                _ => {}
            }
            preflight(&t)?;
            let secrets = read_secrets(&e.credentials)?;
            let t = credentials::save(store, keychain, t, secrets, SaveMode::Edit, actor)?;
            warn(&t, out);
            out.value(&t, || {
                format!("changed target \"{}\"\n{}", t.name, show(&t))
            });
            Ok(0)
        }
        TargetCommand::Remove { name } => {
            credentials::remove(store, keychain, name, actor)?;
            out.value(&serde_json::json!({ "removed": name }), || {
                format!("removed target \"{name}\" and its keychain entries")
            });
            Ok(0)
        }
        TargetCommand::Profiles => {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| Failure::runtime(format!("cannot start the async runtime: {e}")))?;
            let profiles = runtime
                .block_on(drs_aws::profiles::profiles())
                .map_err(|e| Failure::runtime(e.to_string()))?;
            out.table(&profiles, &["PROFILE", "SIGN-IN", "ROLE", "REGION"], |p| {
                vec![
                    p.name.clone(),
                    if p.sso {
                        "SSO".into()
                    } else {
                        "keys/other".into()
                    },
                    p.role_arn.clone().unwrap_or_default(),
                    p.region.clone().unwrap_or_default(),
                ]
            });
            Ok(0)
        }
        TargetCommand::Test { .. } => Ok(0),
    }
}
