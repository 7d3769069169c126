//! Import stays linear: 10 000 rows parse well under a second in a release build.

use crate::common::{code, full_record};
use qinqing_exchange::{FileFormat, parse_enterprises, write_csv, write_xlsx};
use std::time::{Duration, Instant};

/// 2 500 enterprises with four years each.
fn ten_thousand_records() -> Vec<qinqing_exchange::EnterpriseRecord> {
    (0..2_500)
        .flat_map(|i| {
            let code = code(&format!("91350582MA{i:07}"));
            (2022..2026).map(move |year| full_record(&code, year))
        })
        .collect()
}

fn assert_fast(format: FileFormat, bytes: &[u8], expected: usize) {
    let started = Instant::now();
    let records = parse_enterprises(bytes, format).unwrap();
    let elapsed = started.elapsed();
    assert_eq!(records.len(), expected);
    // Unoptimised test builds are many times slower; the bound is for release builds.
    if !cfg!(debug_assertions) {
        assert!(elapsed < Duration::from_secs(1), "{format:?}: {elapsed:?}");
    }
}

#[test]
fn ten_thousand_rows_parse_quickly() {
    let records = ten_thousand_records();
    assert_fast(FileFormat::Csv, &write_csv(&records), records.len());
    assert_fast(
        FileFormat::Xlsx,
        &write_xlsx(&records).unwrap(),
        records.len(),
    );
}
