//! Import of workbooks as Excel saves them: numbers as floats, date cells, error values, data
//! away from A1. The workbooks are built cell by cell with rust_xlsxwriter.

use crate::common::{code, errors};
use qinqing_exchange::{FileFormat, parse_enterprises};
use rust_xlsxwriter::{ExcelDateTime, Format, Formula, Workbook, Worksheet};

const LABELS: [&str; 10] = [
    "统一社会信用代码",
    "企业名称",
    "行业代码",
    "所在区划代码",
    "登记注册类型",
    "年度",
    "营业收入",
    "成立日期",
    "联系电话",
    "从业人员",
];

/// A workbook whose first sheet has the header on Excel row 3 from column B, as hand-made
/// sheets with a title row often do, and `fill` writing the data rows from row 4.
fn workbook(fill: impl FnOnce(&mut Worksheet)) -> Vec<u8> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    for (i, label) in (1u16..).zip(LABELS) {
        sheet.write_string(2, i, label).unwrap();
    }
    fill(sheet);
    workbook.save_to_buffer().unwrap()
}

/// Writes the identity columns of Excel row `row + 1` as a person typing them would.
fn write_identity(sheet: &mut Worksheet, row: u32, code: &str) {
    sheet.write_string(row, 1, code).unwrap();
    sheet
        .write_string(row, 2, "晋江市恒通鞋材有限公司")
        .unwrap();
    sheet.write_string(row, 3, "C1951").unwrap();
    sheet.write_number(row, 4, 350_521_101.0).unwrap();
    sheet.write_string(row, 5, "民营").unwrap();
}

#[test]
fn floats_and_date_cells_become_exact_values() {
    let a = code("91350582MA2XK8P3Q");
    let bytes = workbook(|sheet| {
        write_identity(sheet, 3, &a);
        sheet.write_number(3, 6, 2025.0).unwrap();
        sheet.write_number(3, 7, 12_345_678.9).unwrap();
        let date = ExcelDateTime::from_ymd(2016, 3, 18).unwrap();
        let date_format = Format::new().set_num_format("yyyy/m/d");
        sheet
            .write_datetime_with_format(3, 8, &date, &date_format)
            .unwrap();
        sheet.write_number(3, 9, 13_905_951_234.0).unwrap();
        sheet.write_number(3, 10, 286.0).unwrap();
    });
    let records = parse_enterprises(&bytes, FileFormat::Xlsx).unwrap();
    let record = &records[0];
    assert_eq!(record.identity.region_code.as_str(), "350521101");
    assert_eq!(record.figures.year, 2025);
    assert_eq!(record.figures.revenue.map(|m| m.fen()), Some(1_234_567_890));
    assert_eq!(
        record.identity.established_on.unwrap().to_string(),
        "2016-03-18"
    );
    assert_eq!(
        record.contact_phone.as_ref().unwrap().as_str(),
        "13905951234"
    );
    assert_eq!(record.figures.employees, Some(286));
}

#[test]
fn errors_name_the_excel_row_and_error_values() {
    let a = code("91350582MA2XK8P3Q");
    let bytes = workbook(|sheet| {
        write_identity(sheet, 3, &a);
        sheet.write_number(3, 6, 2024.0).unwrap();
        sheet.write_string(3, 7, "12,3x").unwrap();
        write_identity(sheet, 5, &a);
        sheet.write_number(5, 6, 2025.0).unwrap();
        sheet
            .write_formula(5, 7, Formula::new("=1/0").set_result("#DIV/0!"))
            .unwrap();
        sheet.write_number(5, 10, 1.5).unwrap();
        sheet.write_string(5, 20, "备注").unwrap();
    });
    let errors = errors(&bytes, FileFormat::Xlsx);
    let places: Vec<(usize, &str, &str)> = errors
        .iter()
        .map(|e| (e.row, e.column.as_str(), e.value.as_str()))
        .collect();
    assert_eq!(
        places,
        [
            (4, "revenue", "12,3x"),
            (6, "revenue", "#DIV/0!"),
            (6, "employees", "1.5"),
            (6, "", "备注"),
        ]
    );
    assert!(
        errors[1].message.contains("Excel 错误值"),
        "{}",
        errors[1].message
    );
    assert!(errors[3].message.contains("U 列"), "{}", errors[3].message);
}

#[test]
fn a_file_that_is_not_xlsx_is_reported_not_panicked_on() {
    let errors = errors(b"PK\x03\x04 not really a zip", FileFormat::Xlsx);
    assert_eq!((errors[0].row, errors[0].column.as_str()), (0, ""));
    assert!(
        errors[0].message.starts_with("无法读取 Excel 文件"),
        "{}",
        errors[0].message
    );
}

#[test]
fn far_apart_cells_do_not_allocate_the_bounding_box() {
    let bytes = workbook(|sheet| {
        sheet.write_string(1_048_575, 16_383, "x").unwrap();
    });
    let errors = errors(&bytes, FileFormat::Xlsx);
    let stray = errors.last().unwrap();
    assert_eq!((stray.row, stray.value.as_str()), (1_048_576, "x"));
    assert!(stray.message.contains("XFD 列"), "{}", stray.message);
}
