//! The steps of a wave's runbook: what runs before a wave's servers launch and after they have —
//! a person's confirmation, an SSM command or automation, a Route 53 record change, or a check
//! that must hold before the plan goes on. Each kind's inputs are checked here, when the plan is
//! saved; whether the servers and zones they name exist is a readiness finding.

use crate::rules;
use crate::validation::Problem;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Longest a step may take: one day, in minutes.
pub const MAX_STEP_TIMEOUT_MINUTES: u32 = 24 * 60;
/// Most steps one wave may hold (before and after together).
pub const MAX_STEPS_PER_WAVE: usize = 50;
/// Longest step instruction, in characters.
pub const MAX_INSTRUCTION_CHARS: usize = 2000;
/// Most characters of an SSM step's parameters together (SSM's own limit on a command's
/// parameters is larger; this keeps a plan readable).
pub const MAX_PARAMETER_CHARS: usize = 16_000;
/// Minutes an automated step may take when the plan does not say.
pub const DEFAULT_AUTOMATED_TIMEOUT_MINUTES: u32 = 30;

/// What kind of step.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub enum StepKind {
    /// A checklist item a person confirms (who and when are recorded).
    #[default]
    Manual,
    /// An SSM document run on recovered instances (`SendCommand`), output captured.
    SsmCommand,
    /// An SSM automation runbook (`StartAutomationExecution`).
    SsmAutomation,
    /// A Route 53 record set pointed at a recovered instance (or a given value), then read back.
    Route53,
    /// A condition that must hold, retried until the step's timeout.
    Check,
    /// A fixed pause of `minutes` (let a database settle before the next wave); DRS's own
    /// recovery plans have the same WAIT step.
    Wait,
}

impl StepKind {
    /// Run by the engine, not by a person.
    pub fn automated(self) -> bool {
        self != Self::Manual
    }

    /// How the kind is written in a plan.
    pub fn label(self) -> &'static str {
        match self {
            Self::Manual => "manual",
            Self::SsmCommand => "ssmCommand",
            Self::SsmAutomation => "ssmAutomation",
            Self::Route53 => "route53",
            Self::Check => "check",
            Self::Wait => "wait",
        }
    }
}

/// What a check step verifies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub enum CheckKind {
    /// EC2 status checks 2/2 passed on every instance.
    Ec2Status,
    /// The SSM agent of every instance is online.
    SsmAgent,
    /// A TCP port answers, tried from a recovered instance (through SSM).
    Tcp,
    /// An HTTP URL answers 2xx/3xx, tried from a recovered instance (through SSM).
    Http,
}

/// What a failed step does to the rest of the plan.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub enum StepFailure {
    /// Its wave fails like a failed server (and with it, later waves when the wave says stop).
    #[default]
    Stop,
    /// Recorded; the plan goes on.
    Continue,
    /// A person decides: confirming the step goes on, cancelling the execution stops it.
    Ask,
}

/// A step of a wave's runbook, run before its servers launch or after they have. Fields that
/// belong to another kind are refused when the plan is saved.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export_to = "ipc.ts", rename = "PlanStep")]
pub struct Step {
    /// Unique within the wave.
    pub name: String,
    /// What it is.
    #[serde(default)]
    pub kind: StepKind,
    /// What the person is asked to do (manual steps).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub instruction: String,
    /// The SSM document (SSM command and automation steps), e.g. `AWS-RunShellScript`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub document: String,
    /// The document's parameters, each a list of values as SSM takes them.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub parameters: BTreeMap<String, Vec<String>>,
    /// Servers (by name) the step is about: where an SSM command or a network check runs, whose
    /// instances a status check reads, whose recovered private IP a Route 53 record gets. None:
    /// the wave's recovered instances (Route 53: the wave's only server).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub servers: Vec<String>,
    /// Route 53: the hosted zone written in a recovery.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub zone_id: String,
    /// Route 53: the hosted zone written in a drill (a zone of the same name seen only from the
    /// drill network). A drill never writes `zoneId`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub drill_zone_id: String,
    /// Route 53: the record name, e.g. `cache.retail.internal`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub record: String,
    /// Route 53: the record type (A, AAAA, CNAME or TXT); A when absent.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub record_type: String,
    /// Route 53: the record's TTL in seconds; 60 when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub ttl: Option<u32>,
    /// Route 53: the value written; absent: the recovered private IP of the server.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub value: String,
    /// Check: what is checked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub check: Option<CheckKind>,
    /// TCP check: the host tried (a name or an address); absent: the instance itself.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub host: String,
    /// TCP check: the port tried.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub port: Option<u16>,
    /// HTTP check: the URL fetched.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub url: String,
    /// Wait step: how many minutes it pauses (1 to a week).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub minutes: Option<u32>,
    /// Minutes the step may take (a manual step: wait for its confirmation; a check: keep
    /// trying). None: no limit for a manual step, 30 minutes for the others.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub timeout_minutes: Option<u32>,
    /// What its failure does: `stop`, `continue` or `ask`.
    #[serde(default)]
    pub on_failure: StepFailure,
    /// Run in drills too (`false`: recoveries only). A Route 53 step runs in drills only into
    /// its drill zone.
    #[serde(default = "yes", skip_serializing_if = "is_yes")]
    pub in_drills: bool,
}

fn yes() -> bool {
    true
}

fn is_yes(b: &bool) -> bool {
    *b
}

impl Step {
    /// The step's timeout: the plan's, or the default of an automated step.
    pub fn effective_timeout(&self) -> Option<u32> {
        self.timeout_minutes.or_else(|| {
            (self.kind.automated() && self.kind != StepKind::Wait)
                .then_some(DEFAULT_AUTOMATED_TIMEOUT_MINUTES)
        })
    }

    /// Route 53: the record type written (A when the plan says none).
    pub fn record_type_or_default(&self) -> &str {
        if self.record_type.is_empty() {
            "A"
        } else {
            &self.record_type
        }
    }

    /// Checks one step; `base` is its path (`waves[0].after[1]`).
    pub(crate) fn validate(&self, base: &str, wave: &str, problems: &mut Vec<Problem>) {
        let mut err = |field: &str, message: String| {
            problems.push(Problem::error(format!("{base}.{field}"), message));
        };
        if let Err(m) = rules::check_name("step", &self.name) {
            err("name", m);
        }
        let kind = self.kind.label();
        let name = &self.name;
        // Fields of another kind are a mistake worth saying (a typo'd kind, a copied step).
        let used: &[(&str, bool)] = &[
            ("instruction", !self.instruction.is_empty()),
            ("document", !self.document.is_empty()),
            ("parameters", !self.parameters.is_empty()),
            ("zoneId", !self.zone_id.is_empty()),
            ("drillZoneId", !self.drill_zone_id.is_empty()),
            ("record", !self.record.is_empty()),
            ("recordType", !self.record_type.is_empty()),
            ("ttl", self.ttl.is_some()),
            ("value", !self.value.is_empty()),
            ("check", self.check.is_some()),
            ("host", !self.host.is_empty()),
            ("port", self.port.is_some()),
            ("url", !self.url.is_empty()),
            ("servers", !self.servers.is_empty()),
            ("minutes", self.minutes.is_some()),
        ];
        let allowed: &[&str] = match self.kind {
            StepKind::Manual => &["instruction"],
            StepKind::SsmCommand => &["document", "parameters", "servers"],
            StepKind::SsmAutomation => &["document", "parameters"],
            StepKind::Route53 => &[
                "zoneId",
                "drillZoneId",
                "record",
                "recordType",
                "ttl",
                "value",
                "servers",
            ],
            StepKind::Check => &["check", "host", "port", "url", "servers"],
            StepKind::Wait => &["minutes"],
        };
        for (field, present) in used {
            if *present && !allowed.contains(field) {
                err(
                    field,
                    format!("{field} does not apply to a {kind} step (step \"{name}\" of wave \"{wave}\")"),
                );
            }
        }
        match self.kind {
            StepKind::Manual => {
                if self.instruction.trim().is_empty() {
                    err(
                        "instruction",
                        format!(
                            "manual step \"{name}\" of wave \"{wave}\" says nothing to do: write the instruction the person confirms"
                        ),
                    );
                }
            }
            StepKind::SsmCommand | StepKind::SsmAutomation => {
                if let Err(m) = check_document_name(&self.document) {
                    err("document", format!("step \"{name}\": {m}"));
                }
                let mut total = 0;
                for (k, values) in &self.parameters {
                    if k.is_empty()
                        || k.len() > 64
                        || !k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                    {
                        err(
                            "parameters",
                            format!("parameter name \"{k}\" must be 1–64 letters, digits or _"),
                        );
                    }
                    total += k.len() + values.iter().map(String::len).sum::<usize>();
                    if values.iter().any(|v| rules::bidi_control(v).is_some()) {
                        err(
                            "parameters",
                            format!("parameter \"{k}\" contains a bidirectional control character"),
                        );
                    }
                }
                if total > MAX_PARAMETER_CHARS {
                    err(
                        "parameters",
                        format!("parameters are {total} characters long; at most {MAX_PARAMETER_CHARS} are allowed"),
                    );
                }
                if self.kind == StepKind::SsmCommand
                    && self.document.ends_with("RunShellScript")
                    && !self.parameters.contains_key("commands")
                {
                    err(
                        "parameters",
                        format!(
                            "{} needs the parameter \"commands\" (the lines to run)",
                            self.document
                        ),
                    );
                }
            }
            StepKind::Route53 => {
                for (field, id) in [("zoneId", &self.zone_id), ("drillZoneId", &self.drill_zone_id)]
                {
                    if field == "zoneId" || !id.is_empty() {
                        if let Err(m) = check_zone_id(id) {
                            err(field, m);
                        }
                    }
                }
                if self.in_drills && self.drill_zone_id.is_empty() {
                    err(
                        "drillZoneId",
                        format!(
                            "Route 53 step \"{name}\" runs in drills but names no drill zone: a drill never changes a production record; name the drill zone (drillZoneId) or set inDrills: false"
                        ),
                    );
                }
                if !self.drill_zone_id.is_empty() && self.drill_zone_id == self.zone_id {
                    err(
                        "drillZoneId",
                        "the drill zone must not be the production zone".to_string(),
                    );
                }
                if let Err(m) = check_record_name(&self.record) {
                    err("record", m);
                }
                let rtype = self.record_type_or_default();
                if !matches!(rtype, "A" | "AAAA" | "CNAME" | "TXT") {
                    err(
                        "recordType",
                        format!("record type {rtype} is not one of A, AAAA, CNAME, TXT"),
                    );
                }
                if let Some(t) = self.ttl {
                    if !(1..=172_800).contains(&t) {
                        err(
                            "ttl",
                            format!("TTL must be 1–172800 seconds, not {t}"),
                        );
                    }
                }
                if self.value.is_empty() {
                    if rtype != "A" {
                        err(
                            "value",
                            format!("a {rtype} record needs a value (only an A record takes the recovered private IP)"),
                        );
                    }
                    if self.servers.len() > 1 {
                        err(
                            "servers",
                            "a record points at one server's private IP: name one server".into(),
                        );
                    }
                } else {
                    if !self.servers.is_empty() {
                        err(
                            "servers",
                            "give either a value or the server whose private IP is written, not both"
                                .into(),
                        );
                    }
                    if rtype == "A" && self.value.parse::<std::net::Ipv4Addr>().is_err() {
                        err("value", format!("\"{}\" is not an IPv4 address", self.value));
                    }
                }
            }
            StepKind::Wait => match self.minutes {
                Some(m) if (1..=crate::plan::MAX_TIMEOUT_MINUTES).contains(&m) => {}
                Some(m) => err(
                    "minutes",
                    format!(
                        "wait step \"{name}\" of wave \"{wave}\" waits {m} minutes; it may wait 1 to {} minutes (a week)",
                        crate::plan::MAX_TIMEOUT_MINUTES
                    ),
                ),
                None => err(
                    "minutes",
                    format!("wait step \"{name}\" of wave \"{wave}\" says nothing about how long: give minutes"),
                ),
            },
            StepKind::Check => match self.check {
                None => err(
                    "check",
                    format!("check step \"{name}\" says nothing to check: ec2Status, ssmAgent, tcp or http"),
                ),
                Some(CheckKind::Tcp) => {
                    if self.port.unwrap_or(0) == 0 {
                        err("port", "a TCP check needs a port (1–65535)".into());
                    }
                    if !self.host.is_empty() {
                        if let Err(m) = check_host(&self.host) {
                            err("host", m);
                        }
                    }
                    if !self.url.is_empty() {
                        err("url", "a TCP check takes a host and port, not a URL".into());
                    }
                }
                Some(CheckKind::Http) => {
                    if !(self.url.starts_with("http://") || self.url.starts_with("https://"))
                        || self.url.len() > 2048
                        || self.url.chars().any(|c| c.is_whitespace() || c.is_control() || c == '\'')
                    {
                        err(
                            "url",
                            format!("\"{}\" is not an http:// or https:// URL", self.url),
                        );
                    }
                    if self.port.is_some() || !self.host.is_empty() {
                        err("port", "an HTTP check takes a URL, not a host and port".into());
                    }
                }
                Some(CheckKind::Ec2Status | CheckKind::SsmAgent) => {
                    if self.port.is_some() || !self.host.is_empty() || !self.url.is_empty() {
                        err(
                            "check",
                            "this check reads the instances' own status: it takes no host, port or URL".into(),
                        );
                    }
                }
            },
        }
        for (i, s) in self.servers.iter().enumerate() {
            if let Err(m) = rules::check_name("server", s) {
                err(&format!("servers[{i}]"), m);
            }
        }
        let chars = self.instruction.chars().count();
        if chars > MAX_INSTRUCTION_CHARS {
            err(
                "instruction",
                format!("instruction is {chars} characters long; at most {MAX_INSTRUCTION_CHARS} are allowed"),
            );
        }
        if let Some(c) = rules::bidi_control(&self.instruction) {
            err(
                "instruction",
                format!(
                    "instruction contains the bidirectional control character U+{:04X}",
                    c as u32
                ),
            );
        }
        match self.timeout_minutes {
            Some(0) => err("timeoutMinutes", "timeout must be at least 1 minute".into()),
            Some(t) if t > MAX_STEP_TIMEOUT_MINUTES => err(
                "timeoutMinutes",
                format!(
                    "a step may wait at most a day ({MAX_STEP_TIMEOUT_MINUTES} minutes), not {t}"
                ),
            ),
            _ => {}
        }
    }
}

/// An SSM document name: 3–128 of letters, digits, `_ - .`, or a document ARN.
pub fn check_document_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("name the SSM document to run (e.g. AWS-RunShellScript)".into());
    }
    let bare = name
        .strip_prefix("arn:")
        .and_then(|rest| rest.rsplit_once(":document/").map(|(_, n)| n))
        .unwrap_or(name);
    if bare.len() < 3
        || bare.len() > 128
        || !bare
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
    {
        return Err(format!(
            "\"{name}\" is not an SSM document name (3–128 letters, digits, _ - .)"
        ));
    }
    Ok(())
}

/// A hosted zone ID without the `/hostedzone/` Route 53 sometimes puts before it.
pub fn bare_zone_id(id: &str) -> &str {
    id.strip_prefix("/hostedzone/").unwrap_or(id)
}

/// A Route 53 hosted zone ID: `Z` and up to 31 upper-case letters and digits (a leading
/// `/hostedzone/` is accepted).
pub fn check_zone_id(id: &str) -> Result<(), String> {
    let bare = bare_zone_id(id);
    if bare.is_empty() {
        return Err("name the hosted zone (its ID, e.g. Z0123456789ABCDEFGHIJ)".into());
    }
    if bare.len() > 32
        || !bare.starts_with('Z')
        || !bare
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
    {
        return Err(format!(
            "\"{id}\" is not a Route 53 hosted zone ID (Z followed by upper-case letters and digits)"
        ));
    }
    Ok(())
}

/// A DNS record name: labels of 1–63 letters, digits, `-` or `_` (a leading `*` label allowed),
/// 253 characters at most, an optional final dot.
pub fn check_record_name(name: &str) -> Result<(), String> {
    let bare = name.strip_suffix('.').unwrap_or(name);
    if bare.is_empty() {
        return Err("name the record (e.g. cache.retail.internal)".into());
    }
    if bare.len() > 253 {
        return Err(format!(
            "record name is {} characters long; at most 253 are allowed",
            bare.len()
        ));
    }
    for (i, label) in bare.split('.').enumerate() {
        let ok = (i == 0 && label == "*")
            || (!label.is_empty()
                && label.len() <= 63
                && label
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
                && !label.starts_with('-')
                && !label.ends_with('-'));
        if !ok {
            return Err(format!("\"{name}\" is not a DNS name (label \"{label}\")"));
        }
    }
    if !bare.contains('.') {
        return Err(format!(
            "\"{name}\" is not a fully qualified name (e.g. cache.retail.internal)"
        ));
    }
    Ok(())
}

/// A host for a TCP check: a DNS name or an IPv4 address.
fn check_host(host: &str) -> Result<(), String> {
    if host.parse::<std::net::Ipv4Addr>().is_ok() {
        return Ok(());
    }
    let ok = host.len() <= 253
        && host.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    if ok {
        Ok(())
    } else {
        Err(format!("\"{host}\" is not a host name or IPv4 address"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(step: &Step) -> Vec<(String, String)> {
        let mut p = Vec::new();
        step.validate("s", "web", &mut p);
        p.into_iter().map(|x| (x.path, x.message)).collect()
    }

    fn route53() -> Step {
        Step {
            name: "cache endpoint".into(),
            kind: StepKind::Route53,
            zone_id: "Z0RETAILPROD".into(),
            drill_zone_id: "Z0RETAILDRILL".into(),
            record: "cache.retail.internal".into(),
            servers: vec!["cache-01".into()],
            in_drills: true,
            ..Step::default()
        }
    }

    #[test]
    fn a_route53_step_that_runs_in_drills_needs_a_drill_zone() {
        assert_eq!(problems(&route53()), vec![]);
        let mut s = route53();
        s.drill_zone_id.clear();
        let p = problems(&s);
        assert_eq!(p[0].0, "s.drillZoneId");
        assert!(
            p[0].1.contains("never changes a production record"),
            "{p:?}"
        );
        s.in_drills = false;
        assert_eq!(problems(&s), vec![]);
        let mut s = route53();
        s.drill_zone_id = s.zone_id.clone();
        assert!(problems(&s)[0]
            .1
            .contains("must not be the production zone"));
    }

    #[test]
    fn route53_inputs_are_checked() {
        let mut s = route53();
        s.zone_id = "z-lower".into();
        s.record = "cache..internal".into();
        s.record_type = "MX".into();
        s.value = "not-an-ip".into();
        let p = problems(&s);
        let paths: Vec<&str> = p.iter().map(|x| x.0.as_str()).collect();
        assert_eq!(
            paths,
            vec!["s.zoneId", "s.record", "s.recordType", "s.servers"],
            "{p:?}"
        );
        let mut s = route53();
        s.servers.clear();
        s.value = "10.0.9.9".into();
        assert_eq!(problems(&s), vec![]);
        s.value = "ten".into();
        assert_eq!(problems(&s)[0].0, "s.value");
    }

    #[test]
    fn ssm_and_check_inputs_are_checked() {
        let cmd = Step {
            name: "db answers".into(),
            kind: StepKind::SsmCommand,
            document: "AWS-RunShellScript".into(),
            in_drills: true,
            ..Step::default()
        };
        assert!(problems(&cmd)[0]
            .1
            .contains("needs the parameter \"commands\""));
        let mut ok = cmd.clone();
        ok.parameters
            .insert("commands".into(), vec!["pg_isready".into()]);
        assert_eq!(problems(&ok), vec![]);
        let mut bad = ok.clone();
        bad.document = "run me!".into();
        bad.zone_id = "Z1".into();
        let p = problems(&bad);
        assert!(p
            .iter()
            .any(|x| x.0 == "s.zoneId" && x.1.contains("does not apply to a ssmCommand step")));
        assert!(p
            .iter()
            .any(|x| x.0 == "s.document" && x.1.contains("not an SSM document name")));
        let check = Step {
            name: "port".into(),
            kind: StepKind::Check,
            check: Some(CheckKind::Tcp),
            in_drills: true,
            ..Step::default()
        };
        assert_eq!(problems(&check)[0].0, "s.port");
        let http = Step {
            check: Some(CheckKind::Http),
            url: "ftp://x".into(),
            ..check.clone()
        };
        assert_eq!(problems(&http)[0].0, "s.url");
        assert_eq!(
            Step {
                kind: StepKind::Check,
                ..Step::default()
            }
            .effective_timeout(),
            Some(DEFAULT_AUTOMATED_TIMEOUT_MINUTES)
        );
        assert_eq!(Step::default().effective_timeout(), None);
    }
}
