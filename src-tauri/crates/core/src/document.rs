//! The versioned YAML schema for plans and protection groups.
//!
//! ```yaml
//! apiVersion: drs-orchestrator/v1
//! kind: RecoveryPlan            # or ProtectionGroup
//! metadata:
//!   name: shop-dr
//!   description: Web shop, three tiers
//! spec:
//!   rtoTargetMinutes: 60
//!   waves:
//!     - name: database
//!       groups: [shop-db]
//! ```
//!
//! A file may hold several documents separated by `---`. [`check_import`] parses and validates
//! the whole stream before anything is saved, and reports every problem with its field path and
//! line/column. Export followed by import gives back exactly what was exported.

use crate::group::{LaunchSettings, ProtectionGroup, Selector, ServerOverride};
use crate::plan::{RecoveryPlan, Wave};
use crate::validation::{join_path, Problem};
use crate::yaml_index::{index_documents, DocumentIndex};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// The schema version this build reads and writes.
pub const API_VERSION: &str = "drs-orchestrator/v1";
/// Largest YAML text accepted (bytes).
pub const MAX_DOCUMENT_BYTES: usize = 8 * 1024 * 1024;
/// At most this many problems are listed; the rest are counted.
pub const MAX_PROBLEMS: usize = 100;

/// The two kinds of document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DocumentKind {
    /// A recovery plan.
    RecoveryPlan,
    /// A protection group.
    ProtectionGroup,
}

/// One parsed document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Document {
    /// `kind: RecoveryPlan`.
    Plan(RecoveryPlan),
    /// `kind: ProtectionGroup`.
    Group(ProtectionGroup),
}

impl Document {
    /// The document's `metadata.name`.
    pub fn name(&self) -> &str {
        match self {
            Document::Plan(p) => &p.name,
            Document::Group(g) => &g.name,
        }
    }

    /// The document's kind.
    pub fn kind(&self) -> DocumentKind {
        match self {
            Document::Plan(_) => DocumentKind::RecoveryPlan,
            Document::Group(_) => DocumentKind::ProtectionGroup,
        }
    }
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Metadata {
    name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    description: String,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct PlanSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    rto_target_minutes: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    failback_order: Option<crate::plan::FailbackOrder>,
    #[serde(default)]
    waves: Vec<Wave>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct GroupSpec {
    target: String,
    selector: Selector,
    #[serde(default)]
    launch: LaunchSettings,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    overrides: Vec<ServerOverride>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Envelope<S> {
    api_version: String,
    kind: DocumentKind,
    metadata: Metadata,
    spec: S,
}

/// Everything wrong with an input, each problem with its place.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", render_problems(.problems, *.more))]
pub struct ParseError {
    /// The problems (errors first), at most [`MAX_PROBLEMS`].
    pub problems: Vec<Problem>,
    /// How many more were found but not listed.
    pub more: usize,
}

fn render_problems(problems: &[Problem], more: usize) -> String {
    let mut out: Vec<String> = problems.iter().map(ToString::to_string).collect();
    if more > 0 {
        out.push(format!("… and {more} more problems"));
    }
    out.join("\n")
}

impl ParseError {
    fn new(mut problems: Vec<Problem>) -> Self {
        problems.sort_by_key(|p| (p.severity, p.line.unwrap_or(usize::MAX)));
        let more = problems.len().saturating_sub(MAX_PROBLEMS);
        problems.truncate(MAX_PROBLEMS);
        Self { problems, more }
    }

    fn single(problem: Problem) -> Self {
        Self::new(vec![problem])
    }
}

/// Decodes a file's bytes as UTF-8, or says where the first invalid byte is.
pub fn decode_utf8(bytes: &[u8]) -> Result<&str, ParseError> {
    std::str::from_utf8(bytes).map_err(|e| {
        let valid = &bytes[..e.valid_up_to()];
        let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
        let line_start = valid.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        let column = String::from_utf8_lossy(&valid[line_start..])
            .chars()
            .count()
            + 1;
        ParseError::single(Problem {
            line: Some(line),
            column: Some(column),
            ..Problem::error(
                "",
                format!(
                    "the file is not UTF-8 text: invalid byte 0x{:02X} at byte offset {}",
                    bytes[e.valid_up_to()],
                    e.valid_up_to()
                ),
            )
        })
    })
}

fn located(mut p: Problem, index: &DocumentIndex, prefix: &str) -> Problem {
    p = p.under(prefix);
    if p.line.is_none() {
        let inner = p.path.strip_prefix(prefix).unwrap_or(&p.path);
        let inner = inner.strip_prefix('.').unwrap_or(inner);
        if let Some((line, column)) = index.locate(inner) {
            p.line = Some(line);
            p.column = Some(column);
        }
    }
    p
}

fn deserialize_one<T: for<'de> Deserialize<'de>>(
    de: serde_norway::Deserializer<'_>,
    index: &DocumentIndex,
    prefix: &str,
) -> Result<T, Problem> {
    serde_path_to_error::deserialize(de).map_err(|err| {
        let path = err.path().to_string();
        let path = if path == "." { String::new() } else { path };
        let inner = err.into_inner();
        let location = inner.location();
        let mut message = inner.to_string();
        if let Some(cut) = message.rfind(" at line ") {
            message.truncate(cut);
        }
        // serde_norway prefixes its own notion of the path; ours is more precise.
        if let Some((head, rest)) = message.split_once(": ") {
            if !head.is_empty() && path.starts_with(head) {
                message = rest.to_string();
            }
        }
        let mut p = Problem::error(path, message);
        if let Some(loc) = location {
            p.line = Some(loc.line());
            p.column = Some(loc.column());
        }
        located(p, index, prefix)
    })
}

/// Parses a YAML stream into documents: syntax, schema version, kinds, field names and types.
/// Semantic checks (names, references, cycles) are [`check_import`]'s.
pub fn parse_documents(text: &str) -> Result<Vec<(Document, DocumentIndex)>, ParseError> {
    if text.len() > MAX_DOCUMENT_BYTES {
        return Err(ParseError::single(Problem::error(
            "",
            format!(
                "the document is {} bytes; at most {MAX_DOCUMENT_BYTES} are accepted",
                text.len()
            ),
        )));
    }
    let indexes = index_documents(text).map_err(|e| {
        ParseError::single(Problem {
            line: Some(e.position.0),
            column: Some(e.position.1),
            ..Problem::error("", format!("YAML syntax error: {}", e.message))
        })
    })?;
    if indexes.is_empty() {
        return Err(ParseError::single(Problem::error(
            "",
            "the file holds no YAML document",
        )));
    }
    let mut problems = Vec::new();
    let mut docs = Vec::new();
    let multi = indexes.len() > 1;
    for (n, (de, index)) in serde_norway::Deserializer::from_str(text)
        .zip(indexes)
        .enumerate()
    {
        let prefix = if multi {
            format!("document {}", n + 1)
        } else {
            String::new()
        };
        let at = |p: Problem| located(p, &index, &prefix);
        match index.api_version.as_deref() {
            Some(API_VERSION) => {}
            Some(other) => {
                problems.push(at(Problem::error(
                    "apiVersion",
                    format!("unsupported apiVersion \"{other}\"; this version reads {API_VERSION}"),
                )));
                continue;
            }
            None => {
                problems.push(at(Problem::error(
                    "apiVersion",
                    format!("missing apiVersion (expected {API_VERSION})"),
                )));
                continue;
            }
        }
        let doc = match index.kind.as_deref() {
            Some("RecoveryPlan") => {
                deserialize_one::<Envelope<PlanSpec>>(de, &index, &prefix).map(|e| {
                    Document::Plan(RecoveryPlan {
                        name: e.metadata.name,
                        failback_order: e.spec.failback_order,
                        description: e.metadata.description,
                        rto_target_minutes: e.spec.rto_target_minutes,
                        waves: e.spec.waves,
                    })
                })
            }
            Some("ProtectionGroup") => deserialize_one::<Envelope<GroupSpec>>(de, &index, &prefix)
                .map(|e| {
                    Document::Group(ProtectionGroup {
                        name: e.metadata.name,
                        description: e.metadata.description,
                        target: e.spec.target,
                        selector: e.spec.selector,
                        launch: e.spec.launch,
                        overrides: e.spec.overrides,
                    })
                }),
            Some(other) => Err(at(Problem::error(
                "kind",
                format!("unknown kind \"{other}\"; expected RecoveryPlan or ProtectionGroup"),
            ))),
            None => Err(at(Problem::error(
                "kind",
                "missing kind (RecoveryPlan or ProtectionGroup)",
            ))),
        };
        match doc {
            Ok(doc) => docs.push((doc, index)),
            Err(p) => problems.push(p),
        }
    }
    if problems.is_empty() {
        Ok(docs)
    } else {
        Err(ParseError::new(problems))
    }
}

/// What the rest of the system already holds, for the checks that look beyond one document.
#[derive(Debug, Clone, Default)]
pub struct ImportContext {
    /// Names of configured targets.
    pub targets: BTreeSet<String>,
    /// Protection groups already saved (a plan may use them; explicit servers may clash).
    pub groups: Vec<ProtectionGroup>,
}

/// A stream that passed every check, with its warnings.
#[derive(Debug, Clone)]
pub struct CheckedImport {
    /// The documents, in file order.
    pub documents: Vec<Document>,
    /// Warnings (with positions); they do not stop an import.
    pub warnings: Vec<Problem>,
}

/// Parses and validates a whole YAML stream against `context`; plans may use groups defined in
/// the same stream. Returns every problem, or the documents when there is no error.
pub fn check_import(text: &str, context: &ImportContext) -> Result<CheckedImport, ParseError> {
    let docs = parse_documents(text)?;
    let multi = docs.len() > 1;
    let mut group_names: BTreeSet<String> = context.groups.iter().map(|g| g.name.clone()).collect();
    let mut seen: BTreeSet<(bool, String)> = BTreeSet::new();
    let mut problems = Vec::new();
    for (n, (doc, index)) in docs.iter().enumerate() {
        let prefix = if multi {
            format!("document {}", n + 1)
        } else {
            String::new()
        };
        if !seen.insert((matches!(doc, Document::Plan(_)), doc.name().to_string())) {
            problems.push(located(
                Problem::error(
                    "metadata.name",
                    format!("\"{}\" is defined twice in this file", doc.name()),
                ),
                index,
                &prefix,
            ));
        }
        if let Document::Group(g) = doc {
            group_names.insert(g.name.clone());
        }
    }
    // Groups of the file replace saved groups of the same name for the conflict check.
    let mut all_groups: Vec<ProtectionGroup> = context
        .groups
        .iter()
        .filter(|g| {
            !docs
                .iter()
                .any(|(d, _)| matches!(d, Document::Group(f) if f.name == g.name))
        })
        .cloned()
        .collect();
    let first_file_group = all_groups.len();
    let mut file_group_doc = Vec::new();
    for (n, (doc, _)) in docs.iter().enumerate() {
        if let Document::Group(g) = doc {
            all_groups.push(g.clone());
            file_group_doc.push(n);
        }
    }
    for (gi, p) in crate::group::explicit_conflicts(&all_groups) {
        if gi >= first_file_group {
            let n = file_group_doc[gi - first_file_group];
            let prefix = if multi {
                format!("document {}", n + 1)
            } else {
                String::new()
            };
            problems.push(located(p.under("spec"), &docs[n].1, &prefix));
        }
    }
    for (n, (doc, index)) in docs.iter().enumerate() {
        let prefix = if multi {
            format!("document {}", n + 1)
        } else {
            String::new()
        };
        let found = match doc {
            Document::Plan(p) => p.validate(&group_names),
            Document::Group(g) => g.validate(&context.targets),
        };
        for p in found {
            problems.push(located(spec_path(p), index, &prefix));
        }
    }
    let (errors, warnings): (Vec<_>, Vec<_>) = problems.into_iter().partition(Problem::is_error);
    if errors.is_empty() {
        Ok(CheckedImport {
            documents: docs.into_iter().map(|(d, _)| d).collect(),
            warnings,
        })
    } else {
        Err(ParseError::new(
            errors.into_iter().chain(warnings).collect(),
        ))
    }
}

/// Maps a domain path (`name`, `waves[0]`) to its place in the document (`metadata.name`,
/// `spec.waves[0]`).
fn spec_path(mut p: Problem) -> Problem {
    p.path = if p.path == "name" || p.path == "description" {
        join_path("metadata", &p.path)
    } else {
        join_path("spec", &p.path)
    };
    p
}

/// Maps validation problems of a domain object to document paths (for display next to YAML).
pub fn to_document_paths(problems: Vec<Problem>) -> Vec<Problem> {
    problems.into_iter().map(spec_path).collect()
}

fn render<S: Serialize>(envelope: &Envelope<S>) -> String {
    // Serialising plain data into YAML cannot fail; fall back to an empty string defensively.
    serde_norway::to_string(envelope).unwrap_or_default()
}

/// A plan as a YAML document.
pub fn plan_to_yaml(plan: &RecoveryPlan) -> String {
    render(&Envelope {
        api_version: API_VERSION.into(),
        kind: DocumentKind::RecoveryPlan,
        metadata: Metadata {
            name: plan.name.clone(),
            description: plan.description.clone(),
        },
        spec: PlanSpec {
            rto_target_minutes: plan.rto_target_minutes,
            failback_order: plan.failback_order,
            waves: plan.waves.clone(),
        },
    })
}

/// A protection group as a YAML document.
pub fn group_to_yaml(group: &ProtectionGroup) -> String {
    render(&Envelope {
        api_version: API_VERSION.into(),
        kind: DocumentKind::ProtectionGroup,
        metadata: Metadata {
            name: group.name.clone(),
            description: group.description.clone(),
        },
        spec: GroupSpec {
            target: group.target.clone(),
            selector: group.selector.clone(),
            launch: group.launch.clone(),
            overrides: group.overrides.clone(),
        },
    })
}

/// Several documents as one YAML stream.
pub fn documents_to_yaml(docs: &[Document]) -> String {
    docs.iter()
        .map(|d| match d {
            Document::Plan(p) => plan_to_yaml(p),
            Document::Group(g) => group_to_yaml(g),
        })
        .collect::<Vec<_>>()
        .join("---\n")
}

#[cfg(test)]
mod tests;
