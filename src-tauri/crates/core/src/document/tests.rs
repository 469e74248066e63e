use super::*;
use crate::group::{LaunchDisposition, LaunchMode, RecoveryMode, RightSizing};
use crate::plan::FailurePolicy;
use proptest::prelude::*;

const PLAN: &str = "apiVersion: drs-orchestrator/v1
kind: RecoveryPlan
metadata:
  name: shop-dr
spec:
  rtoTargetMinutes: 60
  waves:
    - name: database
      groups: [shop-db]
    - name: app
      groups: [shop-app]
      dependsOn: [database]
      approvalRequired: true
";

const GROUPS: &str = "apiVersion: drs-orchestrator/v1
kind: ProtectionGroup
metadata:
  name: shop-db
spec:
  target: Sandbox
  selector:
    tags:
      Application: shop
      Tier: db
---
apiVersion: drs-orchestrator/v1
kind: ProtectionGroup
metadata:
  name: shop-app
spec:
  target: Sandbox
  selector:
    sourceServerIds: [s-1234567890abcdef0]
  launch:
    launchMode: preProvisioned
    copyPrivateIp: false
";

fn context() -> ImportContext {
    ImportContext {
        targets: ["Sandbox".to_string()].into(),
        groups: vec![],
    }
}

fn errors(text: &str) -> Vec<Problem> {
    check_import(text, &context()).unwrap_err().problems
}

#[test]
fn plan_with_its_groups_in_one_stream() {
    let text = format!("{GROUPS}---\n{PLAN}");
    let ok = check_import(&text, &context()).unwrap();
    assert_eq!(ok.documents.len(), 3);
    assert!(ok.warnings.is_empty(), "{:?}", ok.warnings);
    let Document::Plan(plan) = &ok.documents[2] else {
        panic!("third document is the plan")
    };
    assert_eq!(plan.waves[1].depends_on, Some(vec!["database".to_string()]));
    assert!(plan.waves[1].approval_required);
}

#[test]
fn unknown_group_has_path_and_position() {
    let p = errors(PLAN);
    assert_eq!(p.len(), 2);
    assert_eq!(p[0].path, "spec.waves[0].groups[0]");
    assert_eq!(
        p[0].message,
        "wave \"database\" refers to unknown protection group \"shop-db\""
    );
    assert_eq!((p[0].line, p[0].column), (Some(9), Some(16)));
    assert_eq!(
        p[0].to_string(),
        "line 9, column 16: error at spec.waves[0].groups[0]: wave \"database\" refers to unknown protection group \"shop-db\""
    );
}

#[test]
fn unknown_field_is_named_with_position() {
    let text = PLAN.replace("approvalRequired: true", "aproval: true");
    let p = check_import(&text, &context()).unwrap_err().problems;
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].path, "spec.waves[1].aproval");
    assert!(
        p[0].message.starts_with("unknown field `aproval`"),
        "{}",
        p[0].message
    );
    assert_eq!(p[0].line, Some(13));
}

#[test]
fn wrong_type_is_named_with_position() {
    let text = PLAN.replace("rtoTargetMinutes: 60", "rtoTargetMinutes: soon");
    let p = check_import(&text, &context()).unwrap_err().problems;
    assert_eq!(p[0].path, "spec.rtoTargetMinutes");
    assert!(p[0].message.contains("invalid type"), "{}", p[0].message);
    assert_eq!(p[0].line, Some(6));
}

#[test]
fn malformed_yaml_gives_a_syntax_error_with_position() {
    let p = errors("apiVersion: drs-orchestrator/v1\nkind: [RecoveryPlan\nmetadata: x\n");
    assert_eq!(p.len(), 1);
    assert!(
        p[0].message.starts_with("YAML syntax error"),
        "{}",
        p[0].message
    );
    assert!(p[0].line.is_some());
}

#[test]
fn version_and_kind_are_checked() {
    let p = errors(&PLAN.replace("drs-orchestrator/v1", "drs-orchestrator/v9"));
    assert_eq!(
        p[0].message,
        "unsupported apiVersion \"drs-orchestrator/v9\"; this version reads drs-orchestrator/v1"
    );
    assert_eq!(p[0].line, Some(1));
    let p = errors(&PLAN.replace("kind: RecoveryPlan", "kind: Plan"));
    assert_eq!(
        p[0].message,
        "unknown kind \"Plan\"; expected RecoveryPlan or ProtectionGroup"
    );
    assert_eq!(p[0].line, Some(2));
}

#[test]
fn cycle_in_a_document() {
    let text = format!(
        "{GROUPS}---\n{}",
        PLAN.replace(
            "      groups: [shop-db]\n",
            "      groups: [shop-db]\n      dependsOn: [app]\n"
        )
    );
    let p = errors(&text);
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].message, "dependency cycle: database → app → database");
    assert_eq!(p[0].path, "document 3.spec.waves[0].dependsOn");
    assert_eq!(p[0].line, Some(33));
}

#[test]
fn problems_in_several_documents_are_all_reported() {
    let text = GROUPS
        .replace("Tier: db", "aws:tier: db")
        .replace("s-1234567890abcdef0", "s-1");
    let p = errors(&text);
    assert_eq!(p.len(), 2, "{p:?}");
    assert_eq!(p[0].path, "document 1.spec.selector.tags.aws:tier");
    assert_eq!(p[0].line, Some(10));
    assert_eq!(p[1].path, "document 2.spec.selector.sourceServerIds[0]");
    assert_eq!(p[1].line, Some(19));
}

#[test]
fn not_utf8() {
    let err = decode_utf8(b"kind: x\nname: \xff\n").unwrap_err();
    assert_eq!(err.problems[0].line, Some(2));
    assert_eq!(err.problems[0].column, Some(7));
    assert!(err.problems[0].message.contains("not UTF-8"));
}

#[test]
fn empty_file() {
    assert_eq!(errors("")[0].message, "the file holds no YAML document");
}

#[test]
fn ten_thousand_waves_are_refused_clearly() {
    let mut text = String::from(GROUPS);
    text.push_str("---\napiVersion: drs-orchestrator/v1\nkind: RecoveryPlan\nmetadata:\n  name: big\nspec:\n  rtoTargetMinutes: 5\n  waves:\n");
    for i in 0..10_000 {
        text.push_str(&format!("    - name: w{i}\n      groups: [shop-db]\n"));
    }
    let p = errors(&text);
    assert_eq!(p.len(), 1);
    assert_eq!(
        p[0].message,
        "plan has 10000 waves; at most 200 are allowed"
    );
    assert_eq!(p[0].path, "document 3.spec.waves");
}

#[test]
fn too_many_problems_are_counted() {
    let mut text = String::from("apiVersion: drs-orchestrator/v1\nkind: RecoveryPlan\nmetadata:\n  name: big\nspec:\n  rtoTargetMinutes: 5\n  waves:\n");
    for i in 0..150 {
        text.push_str(&format!("    - name: w{i}\n      groups: [nope{i}]\n"));
    }
    let err = check_import(&text, &context()).unwrap_err();
    assert_eq!(err.problems.len(), MAX_PROBLEMS);
    assert_eq!(err.more, 50);
    assert!(err.to_string().ends_with("… and 50 more problems"));
}

#[test]
fn duplicate_names_in_one_file() {
    let text = format!(
        "{GROUPS}---\n{}",
        GROUPS.split("---\n").next().unwrap_or("")
    );
    let p = errors(&text);
    assert_eq!(p[0].message, "\"shop-db\" is defined twice in this file");
}

fn name() -> impl Strategy<Value = String> {
    "[A-Za-z0-9][A-Za-z0-9 _.:/=+@-]{0,20}[A-Za-z0-9]"
}

fn wave() -> impl Strategy<Value = Wave> {
    (
        name(),
        prop::collection::vec(name(), 0..3),
        prop::option::of(prop::collection::vec(name(), 0..3)),
        any::<bool>(),
        prop::option::of(1u32..10_000),
        prop::bool::ANY,
    )
        .prop_map(|(name, groups, depends_on, approval, timeout, cont)| Wave {
            name,
            groups,
            depends_on,
            approval_required: approval,
            timeout_minutes: timeout,
            on_failure: if cont {
                FailurePolicy::Continue
            } else {
                FailurePolicy::Stop
            },
            ..Default::default()
        })
}

fn plan() -> impl Strategy<Value = RecoveryPlan> {
    (
        name(),
        ".{0,40}",
        prop::option::of(0u32..100_000),
        prop::collection::vec(wave(), 0..6),
    )
        .prop_map(|(name, description, rto, waves)| RecoveryPlan {
            name,
            failback_order: None,
            description,
            rto_target_minutes: rto,
            waves,
        })
}

fn group() -> impl Strategy<Value = ProtectionGroup> {
    (
        name(),
        ".{0,40}",
        prop::bool::ANY,
        prop::collection::btree_map(name(), ".{0,10}", 0..4),
        prop::collection::vec("s-[a-z0-9]{17}", 0..4),
        prop::option::of("subnet-[0-9a-f]{8}"),
        prop::option::of(prop::bool::ANY),
        prop::collection::vec(
            ("s-[a-z0-9]{17}", prop::option::of("10\\.0\\.[0-9]\\.[0-9]")),
            0..3,
        ),
    )
        .prop_map(
            |(name, description, by_tags, tags, ids, subnet, flag, overrides)| ProtectionGroup {
                name,
                description,
                target: "Sandbox".into(),
                selector: if by_tags {
                    Selector::Tags(tags)
                } else {
                    Selector::SourceServerIds(ids)
                },
                launch: LaunchSettings {
                    launch_mode: if flag == Some(true) {
                        LaunchMode::PreProvisioned
                    } else {
                        LaunchMode::NewInstances
                    },
                    subnet_id: subnet,
                    security_group_ids: vec!["sg-0123abcd".into()],
                    instance_type: flag.map(|_| "m5.large".into()),
                    launch_disposition: flag.map(|f| {
                        if f {
                            LaunchDisposition::Started
                        } else {
                            LaunchDisposition::Stopped
                        }
                    }),
                    copy_private_ip: flag,
                    copy_tags: flag.map(|f| !f),
                    right_sizing: flag.map(|f| {
                        if f {
                            RightSizing::None
                        } else {
                            RightSizing::InAws
                        }
                    }),
                    os_byol: flag,
                    post_launch_actions: vec![],
                    full_fidelity_drills: flag == Some(true),
                    drill_network: (flag == Some(false)).then(|| crate::group::DrillNetwork {
                        subnet_id: "subnet-0d0d0d0d".into(),
                        security_group_ids: vec!["sg-0d0d0d0d".into()],
                    }),
                    failback_drill_network: (flag == Some(true)).then(|| {
                        Box::new(crate::group::DrillNetwork {
                            subnet_id: "subnet-0e0e0e0e".into(),
                            security_group_ids: vec![],
                        })
                    }),
                    recovery_mode: flag.map(|f| {
                        if f {
                            RecoveryMode::Fast
                        } else {
                            RecoveryMode::Optimal
                        }
                    }),
                },
                overrides: overrides
                    .into_iter()
                    .map(|(id, ip)| ServerOverride {
                        source_server_id: id,
                        private_ip: ip,
                        ..Default::default()
                    })
                    .collect(),
            },
        )
}

proptest! {
    #[test]
    fn plan_yaml_round_trip_is_lossless(plan in plan()) {
        let yaml = plan_to_yaml(&plan);
        let docs = parse_documents(&yaml).map_err(|e| TestCaseError::fail(format!("{e}\n{yaml}")))?;
        prop_assert_eq!(docs.len(), 1);
        prop_assert_eq!(&docs[0].0, &Document::Plan(plan));
    }

    #[test]
    fn group_yaml_round_trip_is_lossless(group in group()) {
        let yaml = group_to_yaml(&group);
        let docs = parse_documents(&yaml).map_err(|e| TestCaseError::fail(format!("{e}\n{yaml}")))?;
        prop_assert_eq!(&docs[0].0, &Document::Group(group));
    }

    #[test]
    fn streams_round_trip(plans in prop::collection::vec(plan(), 1..3), groups in prop::collection::vec(group(), 1..3)) {
        let docs: Vec<Document> = groups.into_iter().map(Document::Group)
            .chain(plans.into_iter().map(Document::Plan)).collect();
        let yaml = documents_to_yaml(&docs);
        let parsed = parse_documents(&yaml).map_err(|e| TestCaseError::fail(format!("{e}\n{yaml}")))?;
        let parsed: Vec<Document> = parsed.into_iter().map(|(d, _)| d).collect();
        prop_assert_eq!(parsed, docs);
    }

    #[test]
    fn arbitrary_text_never_panics(text in ".{0,200}") {
        let _ = check_import(&text, &context());
    }
}
