//! The shipped sample file and the column documentation stay true to the code.

use qinqing_exchange::{COLUMNS, FileFormat, parse_enterprises};

#[test]
fn sample_file_is_valid_and_has_one_enterprise_over_two_years() {
    let bytes = include_bytes!("../../examples/enterprises-sample.csv");
    let records = parse_enterprises(bytes, FileFormat::Csv).unwrap();
    assert_eq!(records.len(), 5);
    let first = &records[0].identity;
    assert_eq!(records[1].identity, *first);
    assert_eq!(
        (records[0].figures.year, records[1].figures.year),
        (2024, 2025)
    );
}

#[test]
fn columns_doc_lists_every_column() {
    let doc = include_str!("../../COLUMNS.md");
    for column in COLUMNS {
        assert!(
            doc.contains(&format!("`{}`", column.name)),
            "{} missing",
            column.name
        );
        assert!(doc.contains(column.label_zh), "{} missing", column.label_zh);
    }
}
