//! Enterprise import benchmark: parse and import N rows (default 10,000) into a fresh database
//! holding the demo district, through the same use case the UI and the CLI call: on SQLite, and
//! on PostgreSQL too when `QINQING_BENCH_POSTGRES` names a server.
//!
//! Dataset: the `qinqing demo enterprises` generator (seed 1): real GB/T 4754-2017 class codes from
//! all 20 sections (drawn from the whole table), three years per enterprise, every figure column
//! filled, so 10,000 rows are 3,334 enterprises.
//!
//!     cargo bench -p qinqing --bench import             # 10,000 rows, CSV and XLSX
//!     cargo bench -p qinqing --bench import -- 300000   # a province's register (#21: < 20 s)
//!     QINQING_BENCH_POSTGRES=postgres://postgres@127.0.0.1:5432 cargo bench -p qinqing --bench import
//!
//! Targets: 10,000 rows in under 5 s (issues 2 and 15); 300,000 rows in under 20 s (issue 21).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test or benchmark stops at its first surprise"
)]
use qinqing_exchange::{FileFormat, parse_enterprises, write_csv, write_xlsx};
use qinqing_kernel::demo::{district_villages, generate_register, load_sized};
use qinqing_kernel::{Principal, RequestMeta};
use std::time::{Duration, Instant};

mod support;

fn main() -> anyhow::Result<()> {
    let rows = support::size(10_000)?;
    let mut records = generate_register(rows.div_ceil(3), 1, &district_villages());
    records.truncate(rows);
    let sections: std::collections::BTreeSet<char> = records
        .iter()
        .map(|r| r.identity.industry_code.section())
        .collect();
    let classes: std::collections::BTreeSet<&str> = records
        .iter()
        .map(|r| r.identity.industry_code.as_str())
        .collect();
    println!(
        "dataset: {} sections of GB/T 4754-2017, {} distinct classes",
        sections.len(),
        classes.len()
    );
    let runtime = tokio::runtime::Runtime::new()?;
    println!("database\trows\tformat\tbytes\tparse\timport (total, fresh database)");
    for format in [FileFormat::Csv, FileFormat::Xlsx] {
        let bytes = match format {
            FileFormat::Csv => write_csv(&records),
            FileFormat::Xlsx => write_xlsx(&records).map_err(|e| anyhow::anyhow!("{e}"))?,
        };
        let started = Instant::now();
        parse_enterprises(&bytes, format).map_err(|r| anyhow::anyhow!("{r}"))?;
        let parse = started.elapsed();
        runtime.block_on(support::on_each_database("import", async |label, url| {
            let import = import_into_fresh_db(&url, &bytes, format).await?;
            println!(
                "{label}\t{rows}\t{format:?}\t{}\t{}\t{}",
                bytes.len(),
                ms(parse),
                ms(import)
            );
            Ok(())
        }))?;
    }
    Ok(())
}

async fn import_into_fresh_db(
    url: &str,
    bytes: &[u8],
    format: FileFormat,
) -> anyhow::Result<Duration> {
    let app = qinqing::open(url).await?;
    load_sized(&app, 1)
        .await
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let started = Instant::now();
    let summary = qinqing_kernel::enterprises::import(
        &app,
        &Principal::system(),
        bytes,
        format,
        &RequestMeta::default(),
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let elapsed = started.elapsed();
    anyhow::ensure!(summary.created > 0, "nothing imported");
    app.db.close().await;
    Ok(elapsed)
}

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}
