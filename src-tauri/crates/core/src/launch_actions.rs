//! DRS post-launch actions a protection group gives its servers: SSM documents DRS runs on each
//! recovered instance once its agent is discovered (a validation script, a monitoring agent,
//! …). A group declares them; the group's launch settings preview shows how each server differs
//! (a missing, changed or leftover action), apply writes them with `PutLaunchAction` and removes
//! the ones it wrote earlier that the group no longer declares (never an action someone else
//! added), and a recovery counts a server recovered only once its required actions succeeded.

use crate::group_settings::FieldChange;
use crate::rules;
use crate::validation::Problem;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Marks the actions the app wrote (in the action's description), so it never removes an
/// action somebody else added to a server.
pub const MANAGED: &str = "managed by drs-orchestrator";
/// Most post-launch actions one group may declare.
pub const MAX_ACTIONS: usize = 20;
/// Order of the first action when the group gives none (DRS allows 2–10000).
const FIRST_ORDER: u32 = 100;

/// What an action is for (DRS's category).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub enum ActionCategory {
    /// Checks that the recovered server works.
    #[default]
    Validation,
    /// Installs or starts monitoring.
    Monitoring,
    /// Changes configuration.
    Configuration,
    /// Security hardening.
    Security,
    /// Anything else.
    Other,
}

impl ActionCategory {
    /// DRS's word.
    pub fn word(self) -> &'static str {
        match self {
            Self::Validation => "VALIDATION",
            Self::Monitoring => "MONITORING",
            Self::Configuration => "CONFIGURATION",
            Self::Security => "SECURITY",
            Self::Other => "OTHER",
        }
    }
}

/// A post-launch action a group declares for its servers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export_to = "ipc.ts")]
pub struct PostLaunchAction {
    /// Unique within the group.
    pub name: String,
    /// The SSM document DRS runs (e.g. `AWS-RunShellScript` or the account's own).
    pub document: String,
    /// Its parameters (values as DRS passes them to the document).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub parameters: BTreeMap<String, String>,
    /// When it runs among the server's actions (2–10000); by default in the group's order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub order: Option<u32>,
    /// What it is for.
    #[serde(default)]
    pub category: ActionCategory,
    /// A failure does not count against the server (it is still recovered).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub optional: bool,
}

/// A post-launch action as DRS holds it for one source server.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub struct LaunchAction {
    /// DRS's action ID (a UUID).
    pub action_id: String,
    /// Name.
    pub name: String,
    /// The SSM document (`actionCode`).
    pub document: String,
    /// Order.
    pub order: u32,
    /// `VALIDATION`, `MONITORING`, …
    pub category: String,
    /// Parameters.
    #[serde(default)]
    pub parameters: BTreeMap<String, String>,
    /// Optional.
    pub optional: bool,
    /// Active.
    pub active: bool,
    /// Description (the app's actions say [`MANAGED`]).
    #[serde(default)]
    pub description: String,
}

impl LaunchAction {
    /// Written by the app.
    pub fn managed(&self) -> bool {
        self.description.starts_with(MANAGED)
    }

    fn summary(&self) -> String {
        let mut s = format!(
            "{} (order {}, {}{})",
            self.document,
            self.order,
            self.category.to_lowercase(),
            if self.optional { ", optional" } else { "" }
        );
        if !self.active {
            s.push_str(", inactive");
        }
        for (k, v) in &self.parameters {
            s.push_str(&format!(" {k}={v}"));
        }
        s
    }

    fn same_as(&self, other: &LaunchAction) -> bool {
        self.document == other.document
            && self.order == other.order
            && self.category == other.category
            && self.parameters == other.parameters
            && self.optional == other.optional
            && self.active == other.active
    }
}

/// How one action ran on a recovered server (from the job's `launchActionsStatus`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub struct ActionRun {
    /// Action name.
    pub name: String,
    /// `IN_PROGRESS`, `SUCCEEDED` or `FAILED`; `PENDING` before DRS reports a run.
    pub status: String,
    /// A failure does not count against the server.
    #[serde(default)]
    pub optional: bool,
    /// Why it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub failure: Option<String>,
}

impl ActionRun {
    /// Over, one way or the other.
    pub fn is_final(&self) -> bool {
        matches!(self.status.as_str(), "SUCCEEDED" | "FAILED")
    }
}

/// Checks a group's actions; `base` is their path (`launch.postLaunchActions`).
pub fn validate(actions: &[PostLaunchAction], base: &str, problems: &mut Vec<Problem>) {
    if actions.len() > MAX_ACTIONS {
        problems.push(Problem::error(
            base,
            format!(
                "{} post-launch actions; at most {MAX_ACTIONS} are allowed",
                actions.len()
            ),
        ));
    }
    let mut names = std::collections::BTreeSet::new();
    for (i, a) in actions.iter().enumerate() {
        let at = |f: &str| format!("{base}[{i}].{f}");
        if let Err(m) = rules::check_name("action", &a.name) {
            problems.push(Problem::error(at("name"), m));
        } else if !a.name.starts_with(|c: char| c.is_ascii_alphanumeric())
            || !a
                .name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, ' ' | '/' | '_' | '-'))
        {
            problems.push(Problem::error(
                at("name"),
                format!(
                    "DRS names an action with letters, digits, spaces and / _ - only (starting with a letter or digit), not \"{}\"",
                    a.name
                ),
            ));
        } else if !names.insert(a.name.as_str()) {
            problems.push(Problem::error(
                at("name"),
                format!("two post-launch actions are named \"{}\"", a.name),
            ));
        }
        // DRS's pattern for an action's document: letters, digits, - / :
        if a.document.is_empty()
            || a.document.len() > 1011
            || !a
                .document
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '/' | ':'))
        {
            problems.push(Problem::error(
                at("document"),
                format!(
                    "\"{}\" is not an SSM document DRS can run (letters, digits, - / : only)",
                    a.document
                ),
            ));
        }
        if let Some(o) = a.order {
            if !(2..=10_000).contains(&o) {
                problems.push(Problem::error(
                    at("order"),
                    format!("order must be 2–10000, not {o}"),
                ));
            }
        }
        if a.parameters.len() > 20 {
            problems.push(Problem::error(
                at("parameters"),
                format!("{} parameters; DRS takes at most 20", a.parameters.len()),
            ));
        }
        for (k, v) in &a.parameters {
            if k.is_empty() || k.len() > 1011 || !k.chars().all(|c| c.is_ascii_alphanumeric()) {
                problems.push(Problem::error(
                    at("parameters"),
                    format!("\"{k}\" is not a parameter name DRS takes (letters and digits)"),
                ));
            }
            if v.is_empty()
                || v.len() > 1011
                || !v
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-'))
            {
                problems.push(Problem::error(
                    at("parameters"),
                    format!(
                        "parameter {k}: DRS takes letters, digits, . and - only, not \"{v}\" (put longer values in an SSM parameter and name it here)"
                    ),
                ));
            }
        }
    }
}

/// The actions `group`'s servers should hold, as DRS would (IDs not known yet).
pub fn desired(group: &str, actions: &[PostLaunchAction]) -> Vec<LaunchAction> {
    actions
        .iter()
        .enumerate()
        .map(|(i, a)| LaunchAction {
            action_id: String::new(),
            name: a.name.clone(),
            document: a.document.clone(),
            order: a
                .order
                .unwrap_or(FIRST_ORDER + 10 * u32::try_from(i).unwrap_or(0)),
            category: a.category.word().to_string(),
            parameters: a.parameters.clone(),
            optional: a.optional,
            active: true,
            description: format!("{MANAGED} (protection group {})", description_safe(group)),
        })
        .collect()
}

/// `text` with only the characters DRS allows in a description.
fn description_safe(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_ascii_alphanumeric() || " ():/.,'-_#*;".contains(*c))
        .collect()
}

/// The field name of an action's change.
fn field(name: &str) -> String {
    format!("action.{name}")
}

/// How a server's actions differ from the wanted ones: one change per action to add, change
/// or remove (only actions the app wrote are ever removed).
pub fn diff(want: &[LaunchAction], have: &[LaunchAction]) -> Vec<FieldChange> {
    let mut out = Vec::new();
    for w in want {
        match have.iter().find(|h| h.name == w.name) {
            Some(h) if h.same_as(w) => {}
            Some(h) => out.push(FieldChange {
                field: field(&w.name),
                before: Some(h.summary()),
                after: Some(w.summary()),
            }),
            None => out.push(FieldChange {
                field: field(&w.name),
                before: None,
                after: Some(w.summary()),
            }),
        }
    }
    for h in have.iter().filter(|h| h.managed()) {
        if !want.iter().any(|w| w.name == h.name) {
            out.push(FieldChange {
                field: field(&h.name),
                before: Some(h.summary()),
                after: None,
            });
        }
    }
    out
}

/// True when any change is to a post-launch action.
pub fn touches_actions(changes: &[FieldChange]) -> bool {
    changes.iter().any(|c| c.field.starts_with("action."))
}

/// What to write to make `have` hold `want`: the actions to put (an existing action keeps its
/// ID; a new one gets `new_id()`), and the IDs of the app's own actions to delete.
pub fn writes(
    want: &[LaunchAction],
    have: &[LaunchAction],
    mut new_id: impl FnMut() -> String,
) -> (Vec<LaunchAction>, Vec<String>) {
    let mut put = Vec::new();
    for w in want {
        match have.iter().find(|h| h.name == w.name) {
            Some(h) if h.same_as(w) => {}
            Some(h) => put.push(LaunchAction {
                action_id: h.action_id.clone(),
                ..w.clone()
            }),
            None => put.push(LaunchAction {
                action_id: new_id(),
                ..w.clone()
            }),
        }
    }
    let delete = have
        .iter()
        .filter(|h| h.managed() && !want.iter().any(|w| w.name == h.name))
        .map(|h| h.action_id.clone())
        .collect();
    (put, delete)
}

/// What a server's runs say once every required action is over: `Ok` when none failed, the
/// failures otherwise; `None` while a required action has not finished.
pub fn verdict(runs: &[ActionRun]) -> Option<Result<(), String>> {
    if runs.iter().any(|r| !r.optional && !r.is_final()) {
        return None;
    }
    let failed: Vec<String> = runs
        .iter()
        .filter(|r| !r.optional && r.status == "FAILED")
        .map(|r| match &r.failure {
            Some(f) => format!("\"{}\" failed: {f}", r.name),
            None => format!("\"{}\" failed", r.name),
        })
        .collect();
    Some(if failed.is_empty() {
        Ok(())
    } else {
        Err(failed.join("; "))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn declared() -> Vec<PostLaunchAction> {
        vec![
            PostLaunchAction {
                name: "db answers".into(),
                document: "AWS-RunShellScript".into(),
                parameters: BTreeMap::from([("port".into(), "5432".into())]),
                ..Default::default()
            },
            PostLaunchAction {
                name: "agent".into(),
                document: "Retail-InstallMonitoring".into(),
                category: ActionCategory::Monitoring,
                optional: true,
                ..Default::default()
            },
        ]
    }

    #[test]
    fn a_server_gets_what_is_missing_and_loses_only_the_apps_leftovers() {
        let want = desired("db", &declared());
        assert_eq!((want[0].order, want[1].order), (100, 110));
        let theirs = LaunchAction {
            action_id: "00000000-0000-0000-0000-000000000009".into(),
            name: "someone else's".into(),
            document: "AWS-Other".into(),
            order: 5,
            category: "OTHER".into(),
            active: true,
            ..Default::default()
        };
        let leftover = LaunchAction {
            action_id: "00000000-0000-0000-0000-000000000008".into(),
            name: "old check".into(),
            description: format!("{MANAGED} (protection group db)"),
            ..want[0].clone()
        };
        let changed = LaunchAction {
            action_id: "00000000-0000-0000-0000-000000000007".into(),
            order: 300,
            ..want[0].clone()
        };
        let have = vec![theirs, leftover, changed];
        let d = diff(&want, &have);
        let fields: Vec<(&str, bool, bool)> = d
            .iter()
            .map(|c| (c.field.as_str(), c.before.is_some(), c.after.is_some()))
            .collect();
        assert_eq!(
            fields,
            vec![
                ("action.db answers", true, true),
                ("action.agent", false, true),
                ("action.old check", true, false)
            ]
        );
        let mut n = 0;
        let (put, delete) = writes(&want, &have, || {
            n += 1;
            format!("new-{n}")
        });
        assert_eq!(put[0].action_id, "00000000-0000-0000-0000-000000000007");
        assert_eq!(put[1].action_id, "new-1");
        assert_eq!(
            delete,
            vec!["00000000-0000-0000-0000-000000000008".to_string()]
        );
        // Once written, nothing differs.
        assert!(diff(&want, &put).is_empty());
    }

    #[test]
    fn only_required_actions_decide() {
        let run = |name: &str, status: &str, optional: bool| ActionRun {
            name: name.into(),
            status: status.into(),
            optional,
            failure: (status == "FAILED").then(|| "exit 1".into()),
        };
        assert_eq!(verdict(&[run("a", "IN_PROGRESS", false)]), None);
        assert_eq!(
            verdict(&[run("a", "SUCCEEDED", false), run("b", "FAILED", true)]),
            Some(Ok(()))
        );
        assert_eq!(
            verdict(&[run("a", "FAILED", false)]),
            Some(Err("\"a\" failed: exit 1".into()))
        );
    }

    #[test]
    fn declarations_are_checked() {
        let mut bad = declared();
        bad[0].document = "AWS_RunShellScript".into();
        bad[1].order = Some(1);
        bad[1].name = "db answers".into();
        let mut p = Vec::new();
        validate(&bad, "launch.postLaunchActions", &mut p);
        let paths: Vec<&str> = p.iter().map(|x| x.path.as_str()).collect();
        assert_eq!(
            paths,
            vec![
                "launch.postLaunchActions[0].document",
                "launch.postLaunchActions[1].name",
                "launch.postLaunchActions[1].order"
            ]
        );
    }
}
