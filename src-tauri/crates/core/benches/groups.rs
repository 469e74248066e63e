//! Resolving 50 protection groups against 4,000 source servers, with the conflict check
//! across all of them (criterion).
//!
//! `cargo bench -p drs-core --bench groups`. Forty groups select by two tags (all must match),
//! ten list 100 explicit server IDs each (some of which no longer exist, some claimed by a tag
//! group too, so conflicts are found and reported).

#![allow(clippy::expect_used, clippy::unwrap_used, missing_docs)]

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use drs_core::group::{ProtectionGroup, Selector};
use drs_core::group_settings::resolve;
use drs_core::inventory::SourceServer;
use std::collections::BTreeMap;

fn servers(n: usize) -> Vec<SourceServer> {
    (0..n)
        .map(|i| {
            serde_json::from_value(serde_json::json!({
                "id": format!("s-{i:017x}"), "arn": "", "target": "bench",
                "name": format!("server-{i:05}"),
                "tags": {
                    "Application": format!("app-{:02}", i % 40),
                    "Tier": (["web", "app", "db"][i % 3]),
                    "Owner": format!("team-{}", i % 7),
                },
            }))
            .unwrap()
        })
        .collect()
}

fn groups() -> Vec<ProtectionGroup> {
    let mut out: Vec<ProtectionGroup> = (0..40)
        .map(|g| ProtectionGroup {
            name: format!("tags-{g:02}"),
            target: "bench".into(),
            selector: Selector::Tags(BTreeMap::from([
                ("Application".to_string(), format!("app-{g:02}")),
                ("Tier".to_string(), ["web", "app", "db"][g % 3].to_string()),
            ])),
            ..Default::default()
        })
        .collect();
    out.extend((0..10).map(|g| {
        ProtectionGroup {
            name: format!("listed-{g}"),
            target: "bench".into(),
            selector: Selector::SourceServerIds(
                (0..100)
                    .map(|i| {
                        format!(
                            "s-{:017x}",
                            g * 390 + i * 3 + if i % 25 == 0 { 9_000 } else { 0 }
                        )
                    })
                    .collect(),
            ),
            ..Default::default()
        }
    }));
    out
}

fn bench(c: &mut Criterion) {
    let inventory: BTreeMap<String, Result<Vec<SourceServer>, String>> =
        BTreeMap::from([("bench".to_string(), Ok(servers(4_000)))]);
    let groups = groups();
    let r = resolve(&groups, &inventory);
    eprintln!(
        "50 groups over 4,000 servers: {} memberships, {} conflicts, {} missing IDs",
        r.groups.iter().map(|g| g.servers.len()).sum::<usize>(),
        r.conflicts.len(),
        r.groups.iter().map(|g| g.missing.len()).sum::<usize>()
    );
    c.bench_function("resolve 50 groups over 4,000 servers with conflicts", |b| {
        b.iter(|| resolve(black_box(&groups), black_box(&inventory)))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
