//! Whatever the bytes, import answers with records or a report; it never panics.

use crate::common::{code, full_record};
use proptest::collection::vec;
use proptest::prelude::*;
use qinqing_exchange::{FileFormat, parse_enterprises, write_xlsx};
use rust_xlsxwriter::Workbook;

/// Cell texts near the edge of valid: separators, quotes, digits, dates, Chinese, blanks.
fn cell_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[0-9.,:;@|'\"=+\\-/ E]{0,12}",
        "\\PC{0,8}",
        "[0-9A-Z]{17,19}",
        Just(String::new()),
    ]
}

fn header_cell() -> impl Strategy<Value = String> {
    prop_oneof![
        proptest::sample::select(
            qinqing_exchange::COLUMNS
                .iter()
                .map(|c| c.name)
                .collect::<Vec<_>>()
        )
        .prop_map(str::to_string),
        cell_text(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_bytes_never_panic(bytes in vec(any::<u8>(), 0..2048)) {
        let _ = parse_enterprises(&bytes, FileFormat::Csv);
        let _ = parse_enterprises(&bytes, FileFormat::Xlsx);
    }

    #[test]
    fn random_csv_text_never_panics(
        header in vec(header_cell(), 0..20),
        rows in vec(vec(cell_text(), 0..22), 0..8),
        line_end in prop_oneof![Just("\n"), Just("\r\n"), Just("\r")],
    ) {
        let mut lines = vec![header.join(",")];
        lines.extend(rows.iter().map(|row| row.join(",")));
        let _ = parse_enterprises(lines.join(line_end).as_bytes(), FileFormat::Csv);
    }

    #[test]
    fn random_workbook_cells_never_panic(
        header in vec(header_cell(), 0..20),
        rows in vec(vec((cell_text(), any::<f64>()), 0..22), 0..6),
    ) {
        let mut workbook = Workbook::new();
        let sheet = workbook.add_worksheet();
        for (col, text) in (0u16..).zip(&header) {
            sheet.write_string(0, col, text).unwrap();
        }
        for (row, cells) in (1u32..).zip(&rows) {
            for (col, (text, number)) in (0u16..).zip(cells) {
                if text.len() % 2 == 0 {
                    sheet.write_string(row, col, text).unwrap();
                } else {
                    sheet.write_number(row, col, *number).unwrap();
                }
            }
        }
        let bytes = workbook.save_to_buffer().unwrap();
        let _ = parse_enterprises(&bytes, FileFormat::Xlsx);
    }

    #[test]
    fn damaged_workbooks_never_panic(
        damage in vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
        cut in any::<prop::sample::Index>(),
    ) {
        let record = full_record(&code("91350582MA2XK8P3Q"), 2025);
        let mut bytes = write_xlsx(&[record]).unwrap();
        for (at, byte) in damage {
            let at = at.index(bytes.len());
            bytes[at] = byte;
        }
        let _ = parse_enterprises(&bytes, FileFormat::Xlsx);
        bytes.truncate(cut.index(bytes.len()));
        let _ = parse_enterprises(&bytes, FileFormat::Xlsx);
    }
}
