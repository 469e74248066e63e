//! Targets: an AWS account and its primary and recovery regions, with a description of where
//! its credentials come from. Secrets themselves never appear here; the keychain holds them and
//! this type only records that one is stored.

use crate::rules;
use crate::validation::Problem;
use serde::{Deserialize, Serialize};

/// Whose credentials assume a role: a named profile, or another target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub enum RoleBase {
    /// A profile from the AWS config files.
    #[default]
    Profile,
    /// Another target (its credentials, whatever their source).
    Target,
}

/// Where a target's credentials come from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "camelCase", deny_unknown_fields)]
#[ts(export_to = "ipc.ts")]
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
        /// Name of the base profile or target whose credentials assume the role.
        via: String,
        /// Whether `via` names a profile or a target.
        #[serde(default)]
        via_kind: RoleBase,
        /// Session name shown in CloudTrail.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        session_name: Option<String>,
        /// True when an external ID is kept in the OS keychain for this target.
        #[serde(default)]
        external_id_stored: bool,
    },
    /// An access key whose secret (and session token, for temporary keys) is kept in the OS
    /// keychain.
    #[serde(rename_all = "camelCase")]
    AccessKeys {
        /// The access key ID (not secret).
        access_key_id: String,
        /// True when a session token is kept in the OS keychain too.
        #[serde(default)]
        session_token_stored: bool,
    },
}

impl CredentialSource {
    /// The short name of the kind, as in YAML/JSON (`sandbox`, `profile`, …).
    pub fn kind(&self) -> &'static str {
        match self {
            CredentialSource::Sandbox => "sandbox",
            CredentialSource::Profile { .. } => "profile",
            CredentialSource::AssumeRole { .. } => "assumeRole",
            CredentialSource::AccessKeys { .. } => "accessKeys",
        }
    }

    /// The target this one assumes a role from, if any.
    pub fn base_target(&self) -> Option<&str> {
        match self {
            CredentialSource::AssumeRole {
                via,
                via_kind: RoleBase::Target,
                ..
            } => Some(via),
            _ => None,
        }
    }
}

/// An AWS account + regions the app talks to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export_to = "ipc.ts")]
pub struct Target {
    /// Unique name, e.g. `prod-workloads`.
    pub name: String,
    /// 12-digit AWS account ID.
    pub account_id: String,
    /// Region where the source servers replicate from (and DRS runs for failback).
    pub primary_region: String,
    /// Region DRS recovers into.
    pub recovery_region: String,
    /// Endpoint override for every service (the sandbox, LocalStack).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub endpoint_url: Option<String>,
    /// Endpoints of single services (VPC interface endpoints: each answers one service),
    /// before `endpoint_url`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub endpoints: Option<ServiceEndpoints>,
    /// How credentials are obtained.
    pub credentials: CredentialSource,
}

/// An endpoint per AWS service the app calls (a VPC interface endpoint answers one service).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export_to = "ipc.ts")]
pub struct ServiceEndpoints {
    /// Elastic Disaster Recovery.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub drs: Option<String>,
    /// EC2 (instances, launch templates).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub ec2: Option<String>,
    /// STS (who the app acts as, assuming roles).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub sts: Option<String>,
    /// Systems Manager (wave steps: commands, automations, checks).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub ssm: Option<String>,
    /// Route 53 (wave steps: record changes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub route53: Option<String>,
    /// SNS (the monitoring's alert topic).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub sns: Option<String>,
    /// EventBridge (the monitoring's DRS event rules).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub events: Option<String>,
    /// CloudWatch (the monitoring's lag alarms).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub cloudwatch: Option<String>,
    /// S3 (report delivery into a bucket).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub s3: Option<String>,
    /// SES (report delivery by e-mail).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub ses: Option<String>,
}

impl ServiceEndpoints {
    /// Each service with its endpoint, when set.
    pub fn each(&self) -> [(&'static str, Option<&str>); 10] {
        [
            ("drs", self.drs.as_deref()),
            ("ec2", self.ec2.as_deref()),
            ("sts", self.sts.as_deref()),
            ("ssm", self.ssm.as_deref()),
            ("route53", self.route53.as_deref()),
            ("sns", self.sns.as_deref()),
            ("events", self.events.as_deref()),
            ("cloudwatch", self.cloudwatch.as_deref()),
            ("s3", self.s3.as_deref()),
            ("ses", self.ses.as_deref()),
        ]
    }
}

/// AWS's own domains (commercial, China, GovCloud and ISO partitions, the dual-stack `api.aws`).
const AWS_DOMAINS: [&str; 6] = [
    "amazonaws.com",
    "amazonaws.com.cn",
    "api.aws",
    "c2s.ic.gov",
    "sc2s.sgov.gov",
    "amazonaws.eu",
];

/// Whether `url`'s host is in one of AWS's domains.
pub fn is_aws_host(url: &str) -> bool {
    url::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
        .is_some_and(|h| {
            AWS_DOMAINS
                .iter()
                .any(|d| h == *d || h.ends_with(&format!(".{d}")))
        })
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
            endpoints: None,
            credentials: CredentialSource::Sandbox,
        }
    }

    /// Every endpoint set on the target, with its field path: `endpointUrl`, `endpoints.drs`…
    pub fn endpoint_fields(&self) -> Vec<(String, &str)> {
        let mut out = Vec::new();
        if let Some(u) = &self.endpoint_url {
            out.push(("endpointUrl".to_string(), u.as_str()));
        }
        if let Some(e) = &self.endpoints {
            for (service, url) in e.each() {
                if let Some(u) = url {
                    out.push((format!("endpoints.{service}"), u));
                }
            }
        }
        out
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
        for (path, url) in self.endpoint_fields() {
            if let Err(m) = rules::check_endpoint_url(url) {
                problems.push(Problem::error(path, m));
            } else if !matches!(self.credentials, CredentialSource::Sandbox) && !is_aws_host(url) {
                problems.push(Problem::warning(
                    path,
                    format!(
                        "{url} is not an AWS endpoint: requests signed with this target's \
                         credentials (and their session token) go there; set it only for an \
                         endpoint you run"
                    ),
                ));
            }
        }
        match &self.credentials {
            CredentialSource::Sandbox => {}
            CredentialSource::Profile { profile } => {
                if profile.trim().is_empty() {
                    problems.push(Problem::error(
                        "credentials.profile",
                        "profile name must not be empty",
                    ));
                } else if profile.trim() != profile || profile.contains(['[', ']']) {
                    problems.push(Problem::error(
                        "credentials.profile",
                        format!("profile name \"{profile}\" has spaces at its ends or brackets"),
                    ));
                }
            }
            CredentialSource::AssumeRole {
                role_arn,
                via,
                via_kind,
                session_name,
                ..
            } => {
                if let Err(m) = rules::check_role_arn(role_arn) {
                    problems.push(Problem::error("credentials.roleArn", m));
                }
                if via.trim().is_empty() {
                    problems.push(Problem::error(
                        "credentials.via",
                        "name the base profile or target that assumes the role",
                    ));
                } else if *via_kind == RoleBase::Target && via == &self.name {
                    problems.push(Problem::error(
                        "credentials.via",
                        format!("target \"{via}\" cannot assume a role from itself"),
                    ));
                }
                if let Some(session) = session_name {
                    if let Err(m) = rules::check_session_name(session) {
                        problems.push(Problem::error("credentials.sessionName", m));
                    }
                }
            }
            CredentialSource::AccessKeys { access_key_id, .. } => {
                if let Err(m) = rules::check_access_key_id(access_key_id) {
                    problems.push(Problem::error("credentials.accessKeyId", m));
                }
            }
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

    fn with(credentials: CredentialSource) -> Target {
        Target {
            name: "recovery".into(),
            credentials,
            ..Target::sandbox()
        }
    }

    #[test]
    fn role_arns_session_names_and_endpoints_are_checked() {
        let role = |arn: &str, session: Option<&str>| {
            with(CredentialSource::AssumeRole {
                role_arn: arn.into(),
                via: "ops".into(),
                via_kind: RoleBase::Profile,
                session_name: session.map(str::to_string),
                external_id_stored: false,
            })
            .validate()
        };
        assert!(role("arn:aws:iam::444455556666:role/DRS/Recovery", Some("drs-1")).is_empty());
        let p = role("arn:aws:iam::4444:role/x", None);
        assert!(p[0].message.contains("\"4444\" is not 12 digits"), "{p:?}");
        let p = role("arn:aws:s3:::bucket", Some("x"));
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(p[0].message.contains("service must be iam"));
        assert_eq!(p[1].path, "credentials.sessionName");

        let mut t = Target::sandbox();
        for (url, fragment) in [
            ("localhost:4566", "must use http"),
            ("ftp://x", "must use http"),
            ("http://", "not a valid URL"),
            ("http://u:p@h", "user name or password"),
            ("https://h/?a=1", "query"),
        ] {
            t.endpoint_url = Some(url.into());
            let p = t.validate();
            assert!(p[0].message.contains(fragment), "{url}: {p:?}");
            assert!(
                !p[0].message.contains("u:p"),
                "the password is echoed: {p:?}"
            );
        }
        t.endpoint_url = Some("http://127.0.0.1:4566".into());
        assert!(t.validate().is_empty());
        // Plain HTTP only to this machine; keys of a real account to a host outside AWS warn.
        t.endpoint_url = Some("http://drs.example.com".into());
        assert!(
            t.validate()[0].message.contains("https://"),
            "{:?}",
            t.validate()
        );
        t.endpoint_url = None;
        t.credentials = CredentialSource::Profile {
            profile: "prod".into(),
        };
        t.endpoints = Some(ServiceEndpoints {
            drs: Some("https://vpce-0abc-drs.drs.us-west-2.vpce.amazonaws.com".into()),
            ec2: Some("https://ec2.internal.example.com".into()),
            ..ServiceEndpoints::default()
        });
        let p = t.validate();
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(p[0].path, "endpoints.ec2");
        assert!(!p[0].is_error());
        assert!(is_aws_host("https://drs.us-west-2.amazonaws.com"));
        assert!(!is_aws_host("https://amazonaws.com.evil.example"));
    }

    #[test]
    fn a_target_cannot_assume_from_itself_and_keys_must_look_like_keys() {
        let p = with(CredentialSource::AssumeRole {
            role_arn: "arn:aws:iam::444455556666:role/R".into(),
            via: "recovery".into(),
            via_kind: RoleBase::Target,
            session_name: None,
            external_id_stored: true,
        })
        .validate();
        assert!(p[0].message.contains("from itself"), "{p:?}");
        for key in ["", "   ", "akiaexample0000001", "AKIA EXAMPLE00001"] {
            let p = with(CredentialSource::AccessKeys {
                access_key_id: key.into(),
                session_token_stored: false,
            })
            .validate();
            assert_eq!(p[0].path, "credentials.accessKeyId", "{key:?}");
        }
    }

    #[test]
    fn older_stored_bodies_still_read() {
        let t: Target = serde_json::from_str(
            r#"{"name":"r","accountId":"444455556666","primaryRegion":"us-east-1","recoveryRegion":"us-west-2","credentials":{"kind":"assumeRole","roleArn":"arn:aws:iam::444455556666:role/R","via":"ops"}}"#,
        )
        .unwrap();
        assert_eq!(t.credentials.base_target(), None);
        let t: Target = serde_json::from_str(
            r#"{"name":"k","accountId":"444455556666","primaryRegion":"us-east-1","recoveryRegion":"us-west-2","credentials":{"kind":"accessKeys","accessKeyId":"AKIAEXAMPLE000000001"}}"#,
        )
        .unwrap();
        assert_eq!(t.credentials.kind(), "accessKeys");
    }
}
