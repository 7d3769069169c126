//! Enterprise import benchmark: parse and import N rows (default 10,000) into a fresh SQLite
//! database holding the demo district, through the same use case the UI and the CLI call.
//!
//! Dataset: the `qinqing demo enterprises` generator (seed 1): real GB/T 4754-2017 class codes from
//! all 20 sections (drawn from the whole table), three years per enterprise, every figure column
//! filled, so 10,000 rows are 3,334 enterprises.
//!
//!     cargo bench -p qinqing --bench import            # 10,000 rows, CSV and XLSX
//!     cargo bench -p qinqing --bench import -- 50000   # another size
//!
//! Target (issues 2 and 15): 10,000 rows imported in under 5 s on SQLite.

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

fn main() -> anyhow::Result<()> {
    let rows: usize = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(10_000);
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
    println!("rows\tformat\tbytes\tparse\timport (total, fresh SQLite)");
    for format in [FileFormat::Csv, FileFormat::Xlsx] {
        let bytes = match format {
            FileFormat::Csv => write_csv(&records),
            FileFormat::Xlsx => write_xlsx(&records).map_err(|e| anyhow::anyhow!("{e}"))?,
        };
        let started = Instant::now();
        parse_enterprises(&bytes, format).map_err(|r| anyhow::anyhow!("{r}"))?;
        let parse = started.elapsed();
        let import = runtime.block_on(import_into_fresh_db(&bytes, format))?;
        println!(
            "{rows}\t{format:?}\t{}\t{}\t{}",
            bytes.len(),
            ms(parse),
            ms(import)
        );
    }
    Ok(())
}

async fn import_into_fresh_db(bytes: &[u8], format: FileFormat) -> anyhow::Result<Duration> {
    let dir = std::env::temp_dir().join(format!("qinqing-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let path = dir.join(format!("{format:?}.db"));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    let app = qinqing::open(&format!("sqlite://{}", path.display())).await?;
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
    std::fs::remove_dir_all(&dir)?;
    Ok(elapsed)
}

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}
