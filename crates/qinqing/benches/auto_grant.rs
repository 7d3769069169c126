//! 免申即享 at a province's scale (issue 21): import a register of N enterprises with three
//! years each (default 100,000 enterprises, 300,000 rows), then run the demo's automatic
//! policies over every enterprise, each end to end through the same use cases staff and the
//! command line call (`enterprises::import_records`, `grant_run::run_to_end`): reading the
//! register a chunk at a time, judging by column, writing the offers. On SQLite, and on
//! PostgreSQL too when `QINQING_BENCH_POSTGRES` names a server.
//!
//! Dataset: the demo district (its organisations, accounts and policies), then the
//! `qinqing demo enterprises` generator (seed 1): real GB/T 4754-2017 classes from all 20
//! sections, villages of the demo district, every figure filled for 2023–2025. p2 (revenue
//! first past a threshold) and p1a (first recognised 国家高新技术企业) find some of them eligible.
//!
//!     cargo bench -p qinqing --bench auto_grant               # 100,000 enterprises
//!     cargo bench -p qinqing --bench auto_grant -- 1000000    # a province
//!     QINQING_BENCH_POSTGRES=postgres://postgres@127.0.0.1:5432 cargo bench -p qinqing --bench auto_grant
//!
//! Targets (issue 21): one run over 1,000,000 enterprises (3 M yearly rows) under 10 s end to
//! end, offers written; 300,000 rows imported under 20 s.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test or benchmark stops at its first surprise"
)]
use qinqing_kernel::demo::{district_villages, generate_register, load_sized};
use qinqing_kernel::{Principal, RequestMeta};
use std::time::Instant;

mod support;

/// The demo's automatic policies the benchmark runs, and the policy year.
const POLICIES: [&str; 2] = ["p2-revenue-breakthrough", "p1a-gaoxin-first"];
const YEAR: i32 = 2025;

fn main() -> anyhow::Result<()> {
    let enterprises = support::size(100_000)?;
    let records = generate_register(enterprises, 1, &district_villages());
    let runtime = tokio::runtime::Runtime::new()?;
    println!("database\tenterprises\twork\tseconds\tresult");
    runtime.block_on(support::on_each_database(
        "auto-grant",
        async |label, url| {
            let app = qinqing::open(&url).await?;
            load_sized(&app, 1)
                .await
                .map_err(|e| anyhow::anyhow!("{e:?}"))?;
            let (system, meta) = (Principal::system(), RequestMeta::default());
            let started = Instant::now();
            let summary =
                qinqing_kernel::enterprises::import_records(&app, &system, &records, &meta)
                    .await
                    .map_err(|e| anyhow::anyhow!("{e:?}"))?;
            let rows = summary.rows;
            let took = started.elapsed().as_secs_f64();
            println!("{label}\t{enterprises}\timport {rows} rows\t{took:.1}");
            for policy in POLICIES {
                let started = Instant::now();
                let report =
                    qinqing_policies::grant_run::run_to_end(&app, &system, policy, YEAR, &meta)
                        .await
                        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
                let took = started.elapsed().as_secs_f64();
                println!(
                    "{label}\t{enterprises}\trun {policy}\t{took:.1}\t{} evaluated, {} offered \
                 (¥{}), {} over budget, {} undetermined",
                    report.evaluated,
                    report.offered_count,
                    report.total_offered,
                    report.over_budget.len(),
                    report.undetermined.len()
                );
            }
            println!("peak memory of the process: {}", peak_memory());
            app.db.close().await;
            Ok(())
        },
    ))
}

/// The process's peak resident memory as Linux reports it (VmHWM).
fn peak_memory() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(|l| l.trim_start_matches("VmHWM:").trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into())
}
