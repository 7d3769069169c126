//! Exported files read back as the records they were made from.

use crate::common::{code, full_record, records};
use calamine::{Data, Reader, Xlsx};
use proptest::prelude::*;
use qinqing_exchange::{COLUMNS, FileFormat, parse_enterprises, write_csv, write_xlsx};
use std::io::Cursor;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn csv_export_reads_back_unchanged(records in records()) {
        let bytes = write_csv(&records);
        prop_assert_eq!(parse_enterprises(&bytes, FileFormat::Csv), Ok(records));
    }

    #[test]
    fn xlsx_export_reads_back_unchanged(records in records()) {
        let bytes = write_xlsx(&records).unwrap();
        prop_assert_eq!(parse_enterprises(&bytes, FileFormat::Xlsx), Ok(records));
    }
}

#[test]
fn csv_starts_with_bom_and_code_name_header() {
    let record = full_record(&code("91350582MA2XK8P3Q"), 2025);
    let bytes = write_csv(&[record]);
    let text = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap()).unwrap();
    let lines: Vec<&str> = text.split("\r\n").collect();
    let header: Vec<&str> = COLUMNS.iter().map(|c| c.name).collect();
    assert_eq!(lines[0], header.join(","));
    assert_eq!(
        lines[1],
        "91350582MA2XK8P3Q6,晋江市恒通鞋材有限公司,C1951,350582101,2016-03-18,private,2025,286,\
         12345678.90,0.00,0.05,,,5600000.00,专精特新@2023-11-20;瞪羚企业,陈志强,0595-22345678,watch"
    );
    assert_eq!(lines[2], "");
}

#[test]
fn csv_guards_text_a_spreadsheet_would_run_as_a_formula() {
    let mut record = full_record(&code("91350582MA2XK8P3Q"), 2025);
    record.identity.name = "=HYPERLINK(\"http://x\")".to_string();
    let bytes = write_csv(std::slice::from_ref(&record));
    let text = String::from_utf8_lossy(&bytes);
    assert!(
        text.contains(",\"'=HYPERLINK(\"\"http://x\"\")\","),
        "{text}"
    );
    assert_eq!(parse_enterprises(&bytes, FileFormat::Csv), Ok(vec![record]));
}

#[test]
fn xlsx_has_a_chinese_header_and_keeps_codes_as_text() {
    let record = full_record(&code("91350582MA2XK8P3Q"), 2025);
    let bytes = write_xlsx(&[record]).unwrap();
    let mut workbook = Xlsx::new(Cursor::new(bytes)).unwrap();
    assert_eq!(workbook.sheet_names(), ["企业画像"]);
    let range = workbook.worksheet_range("企业画像").unwrap();
    let header: Vec<String> = range
        .rows()
        .next()
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    let labels: Vec<&str> = COLUMNS.iter().map(|c| c.label_zh).collect();
    assert_eq!(header, labels);
    let row = range.rows().nth(1).unwrap();
    assert_eq!(row[0], Data::String("91350582MA2XK8P3Q6".to_string()));
    assert_eq!(row[3], Data::String("350582101".to_string()));
    assert_eq!(row[5], Data::String("民营".to_string()));
    assert_eq!(row[8], Data::Float(12_345_678.9));
    assert!(matches!(row[4], Data::DateTime(_)), "{:?}", row[4]);
}

#[test]
fn empty_export_is_a_header_only_file_that_import_rejects() {
    let bytes = write_csv(&[]);
    let report = parse_enterprises(&bytes, FileFormat::Csv).unwrap_err();
    assert_eq!(report.errors[0].message, "文件中没有数据行");
    let bytes = write_xlsx(&[]).unwrap();
    let report = parse_enterprises(&bytes, FileFormat::Xlsx).unwrap_err();
    assert_eq!(report.errors[0].message, "文件中没有数据行");
}
