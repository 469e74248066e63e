//! Recovery plans: ordered waves, each holding one or more protection groups, that may depend on
//! other waves (a directed acyclic graph), may wait for an approval, have a timeout and a failure
//! policy. The plan carries the RTO target drills are judged against.

use crate::rules;
use crate::validation::Problem;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap};

/// Most waves one plan may hold.
pub const MAX_WAVES: usize = 200;
/// Longest wave timeout: one week, in minutes.
pub const MAX_TIMEOUT_MINUTES: u32 = 7 * 24 * 60;
/// At most this many dependency cycles are named in one validation.
const MAX_CYCLES_REPORTED: usize = 10;

/// What happens to the rest of the plan when a server in a wave fails to launch.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub enum FailurePolicy {
    /// Stop the execution: later waves do not start.
    #[default]
    Stop,
    /// Record the failure and carry on with the waves that depend on this one.
    Continue,
}

/// One step of a plan.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export_to = "ipc.ts")]
pub struct Wave {
    /// Unique within the plan.
    pub name: String,
    /// Protection groups launched by this wave.
    #[serde(default)]
    pub groups: Vec<String>,
    /// Waves that must be done before this one starts. Absent: the wave before it in the list
    /// (as SRM, DRS's own recovery plans and the platform this replaces read a list of waves);
    /// `[]`: it starts with the first wave.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub depends_on: Option<Vec<String>>,
    /// The wave waits for an explicit approval before it starts.
    #[serde(default)]
    pub approval_required: bool,
    /// Minutes the wave may take before it counts as failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub timeout_minutes: Option<u32>,
    /// What a failure in this wave does to the rest.
    #[serde(default)]
    pub on_failure: FailurePolicy,
    /// Steps run, in order, before the wave's servers launch.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub before: Vec<Step>,
    /// Steps run, in order, once the wave's servers have launched; the wave (and its RTO to
    /// "application up") ends when they are done.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub after: Vec<Step>,
}

pub use crate::step::{
    CheckKind, Step, StepFailure, StepKind, MAX_INSTRUCTION_CHARS, MAX_STEPS_PER_WAVE,
    MAX_STEP_TIMEOUT_MINUTES,
};

/// A recovery plan.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export_to = "ipc.ts")]
pub struct RecoveryPlan {
    /// Unique name.
    pub name: String,
    /// Free text.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Recovery time objective for the whole plan, in minutes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub rto_target_minutes: Option<u32>,
    /// The waves, in display order.
    #[serde(default)]
    pub waves: Vec<Wave>,
    /// The order a failback runs the waves in (the plan's order when not set).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub failback_order: Option<FailbackOrder>,
}

/// The order a failback runs a plan's waves in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub enum FailbackOrder {
    /// The plan's order: what came up first goes home first.
    #[default]
    Plan,
    /// The reverse: the waves that depended on others go home first.
    Reverse,
}

impl RecoveryPlan {
    /// Checks the plan on its own and against the protection groups that exist.
    /// Paths are relative to the plan (`waves[1].dependsOn[0]`).
    pub fn validate(&self, groups: &BTreeSet<String>) -> Vec<Problem> {
        let mut problems = Vec::new();
        if let Err(m) = rules::check_name("plan", &self.name) {
            problems.push(Problem::error("name", m));
        }
        match self.rto_target_minutes {
            None => problems.push(Problem::warning(
                "rtoTargetMinutes",
                "no RTO target set: drills cannot be judged against one",
            )),
            Some(0) => problems.push(Problem::error(
                "rtoTargetMinutes",
                "RTO target must be at least 1 minute",
            )),
            Some(_) => {}
        }
        if self.waves.is_empty() {
            problems.push(Problem::error(
                "waves",
                "plan has no waves; add at least one",
            ));
            return problems;
        }
        if self.waves.len() > MAX_WAVES {
            problems.push(Problem::error(
                "waves",
                format!(
                    "plan has {} waves; at most {MAX_WAVES} are allowed",
                    self.waves.len()
                ),
            ));
            return problems;
        }
        let index = self.wave_index(&mut problems);
        let mut group_wave: HashMap<&str, &str> = HashMap::new();
        for (i, wave) in self.waves.iter().enumerate() {
            let base = format!("waves[{i}]");
            if let Err(m) = rules::check_name("wave", &wave.name) {
                problems.push(Problem::error(format!("{base}.name"), m));
            }
            if wave.groups.is_empty() {
                problems.push(Problem::error(
                    format!("{base}.groups"),
                    format!("wave \"{}\" has no protection groups", wave.name),
                ));
            }
            let mut seen = BTreeSet::new();
            for (j, g) in wave.groups.iter().enumerate() {
                let path = format!("{base}.groups[{j}]");
                if !seen.insert(g.as_str()) {
                    problems.push(Problem::error(
                        &path,
                        format!(
                            "wave \"{}\" lists protection group \"{g}\" twice",
                            wave.name
                        ),
                    ));
                    continue;
                }
                if !groups.contains(g) {
                    problems.push(Problem::error(
                        &path,
                        format!(
                            "wave \"{}\" refers to unknown protection group \"{g}\"",
                            wave.name
                        ),
                    ));
                }
                if let Some(other) = group_wave.insert(g.as_str(), wave.name.as_str()) {
                    if other != wave.name {
                        problems.push(Problem::error(
                            &path,
                            format!(
                                "protection group \"{g}\" is in waves \"{other}\" and \"{}\"; a group may be in one wave only",
                                wave.name
                            ),
                        ));
                    }
                }
            }
            let mut deps = BTreeSet::new();
            for (j, dep) in wave.depends_on.iter().flatten().enumerate() {
                let path = format!("{base}.dependsOn[{j}]");
                if !deps.insert(dep.as_str()) {
                    problems.push(Problem::warning(
                        &path,
                        format!("wave \"{}\" depends on \"{dep}\" twice", wave.name),
                    ));
                } else if !index.contains_key(dep.as_str()) {
                    problems.push(Problem::error(
                        &path,
                        format!("wave \"{}\" depends on unknown wave \"{dep}\"", wave.name),
                    ));
                }
            }
            let steps = wave.before.len() + wave.after.len();
            if steps > MAX_STEPS_PER_WAVE {
                problems.push(Problem::error(
                    format!("{base}.after"),
                    format!(
                        "wave \"{}\" has {steps} steps; at most {MAX_STEPS_PER_WAVE} are allowed",
                        wave.name
                    ),
                ));
            }
            let mut step_names = BTreeSet::new();
            for (phase, list) in [("before", &wave.before), ("after", &wave.after)] {
                for (j, step) in list.iter().enumerate() {
                    let path = format!("{base}.{phase}[{j}]");
                    step.validate(&path, &wave.name, &mut problems);
                    // Before its servers launch, a step on recovered servers must name them.
                    let needs_servers = match step.kind {
                        crate::step::StepKind::SsmCommand | crate::step::StepKind::Check => true,
                        crate::step::StepKind::Route53 => step.value.is_empty(),
                        _ => false,
                    };
                    if phase == "before" && needs_servers && step.servers.is_empty() {
                        problems.push(Problem::error(
                            format!("{path}.servers"),
                            format!(
                                "step \"{}\" runs before wave \"{}\" launches: name the servers (of earlier waves) it is about",
                                step.name, wave.name
                            ),
                        ));
                    }
                    if !step_names.insert(step.name.as_str()) {
                        problems.push(Problem::error(
                            format!("{path}.name"),
                            format!(
                                "wave \"{}\" has two steps named \"{}\"",
                                wave.name, step.name
                            ),
                        ));
                    }
                }
            }
            match wave.timeout_minutes {
                Some(0) => problems.push(Problem::error(
                    format!("{base}.timeoutMinutes"),
                    "timeout must be at least 1 minute",
                )),
                Some(t) if t > MAX_TIMEOUT_MINUTES => problems.push(Problem::error(
                    format!("{base}.timeoutMinutes"),
                    format!("timeout of {t} minutes is longer than a week ({MAX_TIMEOUT_MINUTES} minutes)"),
                )),
                _ => {}
            }
        }
        for cycle in self.cycles(&index).into_iter().take(MAX_CYCLES_REPORTED) {
            let first = cycle[0];
            let names: Vec<&str> = cycle
                .iter()
                .chain(std::iter::once(&first))
                .map(|&w| self.waves[w].name.as_str())
                .collect();
            problems.push(Problem::error(
                format!("waves[{first}].dependsOn"),
                format!("dependency cycle: {}", names.join(" → ")),
            ));
        }
        problems
    }

    /// Wave name → position, reporting duplicate names.
    fn wave_index(&self, problems: &mut Vec<Problem>) -> HashMap<&str, usize> {
        let mut index = HashMap::new();
        for (i, wave) in self.waves.iter().enumerate() {
            if let Some(first) = index.get(wave.name.as_str()) {
                problems.push(Problem::error(
                    format!("waves[{i}].name"),
                    format!(
                        "duplicate wave name \"{}\" (waves {} and {} have it)",
                        wave.name,
                        first + 1,
                        i + 1
                    ),
                ));
            } else {
                index.insert(wave.name.as_str(), i);
            }
        }
        index
    }

    /// Every elementary cycle met by a depth-first search, each as wave positions in the order
    /// "depends on" is followed, starting from its lowest position. Iterative: a 10,000-wave
    /// chain does not overflow the stack.
    fn cycles(&self, index: &HashMap<&str, usize>) -> Vec<Vec<usize>> {
        let edges: Vec<Vec<usize>> = self
            .waves
            .iter()
            .enumerate()
            .map(|(i, _)| {
                self.dependencies(i)
                    .iter()
                    .filter_map(|d| index.get(d.as_str()).copied())
                    .collect()
            })
            .collect();
        #[derive(Clone, Copy, PartialEq)]
        enum Mark {
            New,
            Open,
            Done,
        }
        let mut mark = vec![Mark::New; self.waves.len()];
        let mut found: Vec<Vec<usize>> = Vec::new();
        let mut seen: BTreeSet<Vec<usize>> = BTreeSet::new();
        for start in 0..self.waves.len() {
            if mark[start] != Mark::New {
                continue;
            }
            let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
            mark[start] = Mark::Open;
            while let Some(&mut (node, ref mut next)) = stack.last_mut() {
                if let Some(&to) = edges[node].get(*next) {
                    *next += 1;
                    match mark[to] {
                        Mark::New => {
                            mark[to] = Mark::Open;
                            stack.push((to, 0));
                        }
                        Mark::Open => {
                            let from = stack.iter().position(|&(n, _)| n == to).unwrap_or(0);
                            let mut cycle: Vec<usize> =
                                stack[from..].iter().map(|&(n, _)| n).collect();
                            let min = cycle
                                .iter()
                                .enumerate()
                                .min_by_key(|&(_, &n)| n)
                                .map(|(i, _)| i)
                                .unwrap_or(0);
                            cycle.rotate_left(min);
                            if seen.insert(cycle.clone()) {
                                found.push(cycle);
                            }
                        }
                        Mark::Done => {}
                    }
                } else {
                    mark[node] = Mark::Done;
                    stack.pop();
                }
            }
        }
        found
    }

    /// Every step of the plan with its wave, wave by wave, before-steps first.
    pub fn steps(&self) -> impl Iterator<Item = (&Wave, &Step)> {
        self.waves
            .iter()
            .flat_map(|w| w.before.iter().chain(&w.after).map(move |s| (w, s)))
    }

    /// The step at which each wave can start at the earliest: 0 for waves without dependencies,
    /// otherwise one more than the latest of its dependencies. `None` when the graph has a cycle
    /// or an unknown dependency.
    pub fn levels(&self) -> Option<Vec<usize>> {
        let index: HashMap<&str, usize> = self
            .waves
            .iter()
            .enumerate()
            .map(|(i, w)| (w.name.as_str(), i))
            .collect();
        let n = self.waves.len();
        let mut indegree = vec![0usize; n];
        let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); n];
        for (i, degree) in indegree.iter_mut().enumerate() {
            for d in self.dependencies(i).iter().collect::<BTreeSet<_>>() {
                let j = *index.get(d.as_str())?;
                *degree += 1;
                dependents[j].push(i);
            }
        }
        let mut level = vec![0usize; n];
        let mut ready: Vec<usize> = (0..n).filter(|&i| indegree[i] == 0).collect();
        let mut done = 0;
        while let Some(i) = ready.pop() {
            done += 1;
            for &k in &dependents[i] {
                level[k] = level[k].max(level[i] + 1);
                indegree[k] -= 1;
                if indegree[k] == 0 {
                    ready.push(k);
                }
            }
        }
        (done == n).then_some(level)
    }

    /// The waves wave `i` waits for: its `dependsOn`, or the wave before it when it has none.
    pub fn dependencies(&self, i: usize) -> Vec<String> {
        match self.waves.get(i).and_then(|w| w.depends_on.clone()) {
            Some(d) => d,
            None if i > 0 => self
                .waves
                .get(i - 1)
                .map(|w| vec![w.name.clone()])
                .unwrap_or_default(),
            None => Vec::new(),
        }
    }

    /// Waves after the first that say nothing about what they wait for: plans written before
    /// such waves waited for the wave before them, where they used to start with the first.
    pub fn implicit_waits(&self) -> Vec<usize> {
        (1..self.waves.len())
            .filter(|i| self.waves[*i].depends_on.is_none())
            .collect()
    }

    /// Names of every protection group the plan uses.
    pub fn group_names(&self) -> BTreeSet<&str> {
        self.waves
            .iter()
            .flat_map(|w| w.groups.iter().map(String::as_str))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wave(name: &str, groups: &[&str], deps: &[&str]) -> Wave {
        Wave {
            name: name.into(),
            groups: groups.iter().map(|s| s.to_string()).collect(),
            depends_on: Some(deps.iter().map(|s| s.to_string()).collect()),
            ..Default::default()
        }
    }

    fn groups() -> BTreeSet<String> {
        ["db", "app", "web"].iter().map(|s| s.to_string()).collect()
    }

    fn plan(waves: Vec<Wave>) -> RecoveryPlan {
        RecoveryPlan {
            name: "shop".into(),
            failback_order: None,
            rto_target_minutes: Some(60),
            waves,
            ..Default::default()
        }
    }

    fn messages(p: &RecoveryPlan) -> Vec<String> {
        p.validate(&groups())
            .into_iter()
            .map(|p| p.message)
            .collect()
    }

    #[test]
    fn valid_plan() {
        let p = plan(vec![
            wave("db", &["db"], &[]),
            wave("app", &["app"], &["db"]),
            wave("web", &["web"], &["app"]),
        ]);
        assert!(p.validate(&groups()).is_empty());
        assert_eq!(p.levels(), Some(vec![0, 1, 2]));
    }

    #[test]
    fn cycle_is_named() {
        let p = plan(vec![
            wave("db", &["db"], &["web"]),
            wave("app", &["app"], &["db"]),
            wave("web", &["web"], &["app"]),
        ]);
        let problems = p.validate(&groups());
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].message, "dependency cycle: db → web → app → db");
        assert_eq!(problems[0].path, "waves[0].dependsOn");
        assert_eq!(p.levels(), None);
    }

    #[test]
    fn self_dependency_is_a_cycle() {
        let p = plan(vec![wave("db", &["db"], &["db"])]);
        assert_eq!(messages(&p), vec!["dependency cycle: db → db"]);
    }

    #[test]
    fn two_cycles_are_both_named() {
        let p = plan(vec![
            wave("a", &["db"], &["b"]),
            wave("b", &["app"], &["a"]),
            wave("c", &["web"], &["c"]),
        ]);
        assert_eq!(
            messages(&p),
            vec!["dependency cycle: a → b → a", "dependency cycle: c → c"]
        );
    }

    #[test]
    fn unknown_group_empty_wave_duplicates() {
        let p = plan(vec![
            wave("db", &["dbx"], &[]),
            wave("db", &[], &["nowhere"]),
        ]);
        assert_eq!(
            messages(&p),
            vec![
                "duplicate wave name \"db\" (waves 1 and 2 have it)",
                "wave \"db\" refers to unknown protection group \"dbx\"",
                "wave \"db\" has no protection groups",
                "wave \"db\" depends on unknown wave \"nowhere\"",
            ]
        );
    }

    #[test]
    fn group_in_two_waves() {
        let p = plan(vec![
            wave("one", &["db"], &[]),
            wave("two", &["db"], &["one"]),
        ]);
        assert_eq!(
            messages(&p),
            vec!["protection group \"db\" is in waves \"one\" and \"two\"; a group may be in one wave only"]
        );
    }

    #[test]
    fn no_rto_is_a_warning_and_no_waves_an_error() {
        let p = RecoveryPlan {
            name: "x".into(),
            failback_order: None,
            ..Default::default()
        };
        let problems = p.validate(&groups());
        assert!(!problems[0].is_error());
        assert!(problems[1].is_error());
        assert_eq!(problems[1].message, "plan has no waves; add at least one");
    }

    #[test]
    fn too_many_waves() {
        let waves = (0..10_000)
            .map(|i| wave(&format!("w{i}"), &["db"], &[]))
            .collect();
        let problems = plan(waves).validate(&groups());
        assert_eq!(problems.len(), 1);
        assert_eq!(
            problems[0].message,
            "plan has 10000 waves; at most 200 are allowed"
        );
    }

    #[test]
    fn long_chain_does_not_overflow() {
        let mut waves = vec![wave("w0", &["db"], &["w199"])];
        for i in 1..200 {
            waves.push(wave(&format!("w{i}"), &[], &[&format!("w{}", i - 1)]));
        }
        let p = plan(waves);
        let cycles: Vec<_> = messages(&p)
            .into_iter()
            .filter(|m| m.starts_with("dependency cycle"))
            .collect();
        assert_eq!(cycles.len(), 1);
        assert!(cycles[0].starts_with("dependency cycle: w0 → w199 → w198"));
    }

    #[test]
    fn timeouts() {
        let mut w = wave("db", &["db"], &[]);
        w.timeout_minutes = Some(0);
        assert_eq!(
            messages(&plan(vec![w])),
            vec!["timeout must be at least 1 minute"]
        );
    }

    #[test]
    fn steps_are_checked_where_they_are() {
        let manual = |name: &str, instruction: &str| Step {
            name: name.into(),
            instruction: instruction.into(),
            in_drills: true,
            ..Default::default()
        };
        let mut w = wave("db", &["db"], &[]);
        w.before = vec![manual("notify", "Tell the payment provider.")];
        w.after = vec![
            manual("notify", "Again."),
            manual("check", " "),
            Step {
                timeout_minutes: Some(2000),
                ..manual("wait", "Wait for the DBA.")
            },
        ];
        let p = plan(vec![w]).validate(&groups());
        let at = |path: &str| {
            p.iter()
                .find(|x| x.path == path)
                .map(|x| x.message.clone())
                .unwrap_or_else(|| panic!("nothing at {path}: {p:?}"))
        };
        assert!(at("waves[0].after[0].name").contains("two steps named \"notify\""));
        assert!(at("waves[0].after[1].instruction").contains("says nothing to do"));
        assert!(at("waves[0].after[2].timeoutMinutes").contains("at most a day"));
        assert_eq!(p.len(), 3, "{p:?}");
        // As read from a document: a step runs in drills unless it says not.
        let step: Step = serde_json::from_str(
            r#"{"name": "announce", "kind": "manual", "instruction": "Post on the status page."}"#,
        )
        .unwrap();
        assert!(step.in_drills);
        assert_eq!(step.on_failure, crate::step::StepFailure::Stop);
    }
}
