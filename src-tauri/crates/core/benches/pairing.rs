//! Pair matching and readiness at scale, measured with criterion (not asserted).
//!
//! `cargo bench -p drs-core --bench pairing`:
//! - `match 4,000 servers × 10,000 instances`: [`match_pairs`] over 4,000 source servers and
//!   10,000 recovery-region instances (4,000 tagged DR instances named like the servers, with
//!   odd case and spacing, plus 6,000 unrelated instances), then [`check_pairs`];
//! - `readiness of a 4,000-server plan`: [`assess`] of a four-wave plan over that estate with a
//!   launch configuration per server (the evidence already read; no I/O).

#![allow(clippy::expect_used, clippy::unwrap_used, missing_docs)]

use criterion::{criterion_group, criterion_main, Criterion};
use drs_core::group::{LaunchMode, LaunchSettings, ProtectionGroup, Selector};
use drs_core::inventory::{Ec2Instance, InstanceState, ReplicationState, SourceServer};
use drs_core::launch::LaunchConfiguration;
use drs_core::pairing::{check_pairs, match_pairs, PairContext};
use drs_core::plan::{RecoveryPlan, Wave};
use drs_core::readiness::{assess, Evidence, TargetEvidence, Thresholds};
use std::collections::BTreeMap;
use std::hint::black_box;

const TIERS: [&str; 4] = ["web", "app", "db", "cache"];

fn estate() -> (
    Vec<SourceServer>,
    Vec<Ec2Instance>,
    Vec<LaunchConfiguration>,
) {
    let servers: Vec<SourceServer> = (0..4_000)
        .map(|i| SourceServer {
            id: format!("s-{:017x}", i),
            arn: String::new(),
            target: "bench".into(),
            name: Some(format!("gen-{}-{i:05}", TIERS[i % 4])),
            hostname: Some(format!("gen-{}-{i:05}.corp.example.com", TIERS[i % 4])),
            replication_state: Some(ReplicationState::Continuous),
            lag: Some("PT3S".into()),
            lag_seconds: Some(3),
            last_seen: Some("2026-11-26T10:00:00Z".into()),
            replication_error: None,
            origin_instance_id: None,
            origin_account_id: None,
            origin_region: None,
            recommended_instance_type: None,
            os: Some("Linux".into()),
            architecture: Some("x86_64".into()),
            replication_direction: None,
            reversed_source_server_id: None,
            recovery_instance_id: None,
            initial_sync_percent: None,
            tags: BTreeMap::from([("Tier".to_string(), TIERS[i % 4].to_string())]),
        })
        .collect();
    let instances: Vec<Ec2Instance> = (0..10_000)
        .map(|i| {
            let mut tags = BTreeMap::new();
            let name = if i < 4_000 {
                tags.insert("AWSDRS".into(), "AllowLaunchingIntoThisInstance".into());
                // Odd case and spacing, as people type them.
                format!("  GEN-{}-{i:05} ", TIERS[i % 4].to_uppercase())
            } else {
                format!("other-{i:05}")
            };
            Ec2Instance {
                id: format!("i-{:017x}", 0x9e_0000_0000_u64 + i as u64),
                target: "bench".into(),
                region: "us-west-2".into(),
                name: Some(name),
                state: if i < 4_000 {
                    InstanceState::Stopped
                } else {
                    InstanceState::Running
                },
                instance_type: Some("m5.large".into()),
                private_ip: None,
                subnet_id: None,
                architecture: Some("x86_64".into()),
                platform: Some("Linux/UNIX".into()),
                root_device_type: Some("ebs".into()),
                boot_mode: None,
                tags,
                launch_time: None,
            }
        })
        .collect();
    let launch = servers
        .iter()
        .map(|s| LaunchConfiguration {
            source_server_id: s.id.clone(),
            copy_private_ip: Some(false),
            copy_tags: Some(true),
            right_sizing: Some("BASIC".into()),
            ec2_launch_template_id: Some("lt-1".into()),
            ..Default::default()
        })
        .collect();
    (servers, instances, launch)
}

fn groups() -> Vec<ProtectionGroup> {
    TIERS
        .iter()
        .map(|t| ProtectionGroup {
            name: format!("gen-{t}"),
            target: "bench".into(),
            selector: Selector::Tags(BTreeMap::from([("Tier".to_string(), t.to_string())])),
            launch: LaunchSettings {
                launch_mode: LaunchMode::PreProvisioned,
                ..Default::default()
            },
            ..Default::default()
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let (servers, instances, launch) = estate();
    let grouped: Vec<(String, SourceServer)> = servers
        .iter()
        .map(|s| (format!("gen-{}", s.tags["Tier"]), s.clone()))
        .collect();
    let mut g = c.benchmark_group("pairing");
    g.sample_size(20);
    g.bench_function("match 4,000 servers × 10,000 instances", |b| {
        b.iter(|| {
            let mut pairs = match_pairs("bench", black_box(&grouped), black_box(&instances), &[]);
            let ctx = PairContext {
                servers: servers.iter().map(|s| (s.id.as_str(), s)).collect(),
                instances: instances.iter().map(|i| (i.id.as_str(), i)).collect(),
                launch: launch
                    .iter()
                    .map(|l| (l.source_server_id.as_str(), l))
                    .collect(),
                recovery_instances: &[],
            };
            check_pairs(&mut pairs, &ctx);
            assert_eq!(pairs.len(), 4_000);
            pairs
        })
    });
    let plan = RecoveryPlan {
        name: "bench".into(),
        failback_order: None,
        rto_target_minutes: Some(120),
        waves: TIERS
            .iter()
            .map(|t| Wave {
                name: t.to_string(),
                groups: vec![format!("gen-{t}")],
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    };
    let evidence = Evidence {
        observed_at: "2026-11-26T10:00:30Z".into(),
        targets: BTreeMap::from([(
            "bench".to_string(),
            TargetEvidence {
                servers: servers.clone(),
                instances: instances.clone(),
                launch: launch.clone(),
                ..Default::default()
            },
        )]),
        overrides: BTreeMap::new(),
        thresholds: BTreeMap::new(),
    };
    let groups = groups();
    g.bench_function("readiness of a 4,000-server plan", |b| {
        b.iter(|| {
            let r = assess(
                black_box(&plan),
                &groups,
                black_box(&evidence),
                &Thresholds::default(),
            );
            assert_eq!(r.servers, 4_000);
            r
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
