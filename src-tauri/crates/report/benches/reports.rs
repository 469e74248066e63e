//! How long a report takes to make and how big it is, at 40, 400 and 4,000 servers.
//!
//! `cargo bench -p drs-report --bench reports` (the bench profile is the release build).
//! Each figure is the best and the median of several runs of the whole report (layout, font
//! measurement, PDF serialisation and compression) on synthetic plans from
//! [`drs_report::sample`]: three waves, every tenth server blocked, every seventh lagging, a
//! finished drill with per-server timelines. Page counts are read from the PDF's page objects.

use drs_core::readiness::Thresholds;
use drs_report::{drill_pdf, readiness_pdf, sample, PlanReadiness, ReportContext};
use std::time::{Duration, Instant};

fn pages(pdf: &[u8]) -> usize {
    let needle = b"/Type/Page";
    pdf.windows(needle.len() + 1)
        .filter(|w| &w[..needle.len()] == needle && w[needle.len()] != b's')
        .count()
}

fn measure(runs: usize, mut f: impl FnMut() -> Vec<u8>) -> (Duration, Duration, Vec<u8>) {
    let mut times = Vec::new();
    let mut last = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        last = f();
        times.push(t.elapsed());
    }
    times.sort();
    (times[0], times[times.len() / 2], last)
}

fn main() {
    let cx = ReportContext {
        targets: vec!["Sandbox: 111122223333, us-east-1 → us-west-2".into()],
        identity: vec!["Sandbox: arn:aws:iam::111122223333:user/sandbox-admin".into()],
        generated_at: time::OffsetDateTime::now_utc(),
        version: env!("CARGO_PKG_VERSION").into(),
        target_thresholds: vec![],
    };
    println!("report      servers   best ms   median ms   pages   size KiB   (runs)");
    for servers in [40usize, 400, 4_000] {
        let runs = if servers >= 4_000 { 3 } else { 7 };
        let plan = PlanReadiness {
            readiness: sample::readiness(servers),
            last_drill: sample::drill(servers, false).ok(),
            failback: None,
        };
        let (best, median, pdf) = measure(runs, || {
            readiness_pdf(std::slice::from_ref(&plan), &cx, &Thresholds::default())
                .unwrap_or_default()
        });
        println!(
            "readiness   {servers:>7}   {:>7.1}   {:>9.1}   {:>5}   {:>8}   ({runs})",
            best.as_secs_f64() * 1e3,
            median.as_secs_f64() * 1e3,
            pages(&pdf),
            pdf.len().div_ceil(1024)
        );
        let Ok(e) = sample::drill(servers, true) else {
            continue;
        };
        let (best, median, pdf) = measure(runs, || drill_pdf(&e, &[], &cx).unwrap_or_default());
        println!(
            "drill       {servers:>7}   {:>7.1}   {:>9.1}   {:>5}   {:>8}   ({runs})",
            best.as_secs_f64() * 1e3,
            median.as_secs_f64() * 1e3,
            pages(&pdf),
            pdf.len().div_ceil(1024)
        );
    }
}
