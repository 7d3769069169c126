//! Import of CSV text: what is accepted, and how each problem is reported.

use crate::common::{MINIMAL_HEADER, code, csv, errors, minimal_row};
use qinqing_domain::enterprise::{CreditStatus, Ownership};
use qinqing_exchange::{FileFormat, ImportReport, RowError, parse_enterprises};

fn located(error: &RowError) -> (usize, &str) {
    (error.row, error.column.as_str())
}

#[test]
fn minimal_file_gives_defaults_for_absent_columns() {
    let a = code("91350582MA2XK8P3Q");
    let records = parse_enterprises(
        &csv(&[MINIMAL_HEADER, &minimal_row(&a, 2025)]),
        FileFormat::Csv,
    )
    .unwrap();
    assert_eq!(records.len(), 1);
    let record = &records[0];
    assert_eq!(record.identity.credit_status, CreditStatus::Good);
    assert_eq!(record.identity.ownership, Ownership::Private);
    assert_eq!(record.figures.year, 2025);
    assert_eq!(record.figures.revenue, None);
    assert!(record.qualifications.is_empty() && record.contact_phone.is_none());
}

#[test]
fn every_bad_cell_of_every_row_is_reported() {
    let a = code("91350582MA2XK8P3Q");
    let header = format!("{MINIMAL_HEADER},revenue,employees,established_on,contact_phone,tags");
    let rows = [
        header,
        format!("{},,,,,", minimal_row(&a, 2020)),
        "91350582MA2XK8P3Q0,泉州某某有限公司,C3311,3505,个体,1999,,,,,".to_string(),
        format!(
            "{},-5,1.5,2020-02-30,123,专精特新@2025/1/1",
            minimal_row(&a, 2021)
        ),
        format!("{},,,,,", minimal_row(&a, 2022)),
        format!("{},,,,,", minimal_row(&a, 2023)),
        format!("{},\"12,3x\",,,,", minimal_row(&a, 2024)),
    ];
    let lines: Vec<&str> = rows.iter().map(String::as_str).collect();
    let report = parse_enterprises(&csv(&lines), FileFormat::Csv).unwrap_err();
    assert_eq!(report.rows, 6);
    let places: Vec<(usize, &str)> = report.errors.iter().map(located).collect();
    assert_eq!(
        places,
        [
            (3, "credit_code"),
            (3, "region_code"),
            (3, "ownership"),
            (3, "year"),
            (4, "revenue"),
            (4, "employees"),
            (4, "established_on"),
            (4, "contact_phone"),
            (4, "tags"),
            (7, "revenue"),
        ]
    );
    let last = report.errors.last().unwrap();
    assert_eq!(last.value, "12,3x");
    assert!(
        last.message.starts_with("营业收入不是有效金额:"),
        "{}",
        last.message
    );
    assert!(
        report.errors[0].message.contains("校验码"),
        "{}",
        report.errors[0].message
    );
    assert!(report.errors[4].message.contains("不能为负数"));
}

#[test]
fn blank_required_cells_are_named() {
    let rows = csv(&[MINIMAL_HEADER, ",  ,C3311,350582,民营,2025"]);
    let errors = errors(&rows, FileFormat::Csv);
    let messages: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
    assert_eq!(messages, ["统一社会信用代码不能为空", "企业名称不能为空"]);
}

#[test]
fn a_second_row_for_the_same_enterprise_and_year_names_the_first() {
    let a = code("91350582MA2XK8P3Q");
    let b = code("91350524MA31HUYW6");
    let file = csv(&[
        MINIMAL_HEADER,
        &minimal_row(&a, 2024),
        &minimal_row(&b, 2024),
        &minimal_row(&a, 2025),
        &minimal_row(&a, 2024),
    ]);
    let errors = errors(&file, FileFormat::Csv);
    assert_eq!(errors.len(), 1);
    assert_eq!(located(&errors[0]), (5, "year"));
    assert!(
        errors[0].message.contains("与第 2 行重复"),
        "{}",
        errors[0].message
    );
}

#[test]
fn rows_of_one_enterprise_must_agree_on_its_identity() {
    let a = code("91350582MA2XK8P3Q");
    let header = format!("{MINIMAL_HEADER},legal_representative");
    let file = csv(&[
        &header,
        &format!("{a},泉州某某有限公司,C3311,350582,民营,2023,陈志强"),
        &format!("{a},泉州某某有限公司,C3311,350582,private,2024,陈志强"),
        &format!("{a},泉州另一家有限公司,C3311,350583,民营,2025,"),
    ]);
    let errors = errors(&file, FileFormat::Csv);
    let places: Vec<(usize, &str)> = errors.iter().map(located).collect();
    assert_eq!(
        places,
        [(4, "name"), (4, "region_code"), (4, "legal_representative")]
    );
    assert_eq!(errors[0].value, "泉州另一家有限公司");
    assert!(
        errors[0].message.contains("与第 2 行不一致"),
        "{}",
        errors[0].message
    );
    assert!(errors[0].message.contains("企业名称"));
}

#[test]
fn unknown_repeated_and_missing_columns_reject_the_file() {
    let file = csv(&["credit_code,name,营收,NAME,year", "x,y,z,w,2025"]);
    let report = parse_enterprises(&file, FileFormat::Csv).unwrap_err();
    assert_eq!(report.rows, 1);
    assert!(
        report
            .errors
            .iter()
            .all(|e| e.row == 1 && e.column.is_empty())
    );
    assert_eq!(report.errors[0].value, "营收");
    assert!(report.errors[0].message.contains("无法识别的列名“营收”"));
    assert!(report.errors[1].message.contains("出现了不止一次"));
    let missing: Vec<&str> = report.errors[2..]
        .iter()
        .map(|e| e.message.as_str())
        .collect();
    assert_eq!(
        missing,
        [
            "缺少必填列 industry_code(行业代码)",
            "缺少必填列 region_code(所在区划代码)",
            "缺少必填列 ownership(登记注册类型)",
        ]
    );
}

#[test]
fn files_without_data_rows_are_rejected() {
    for file in [
        &b""[..],
        b"\xEF\xBB\xBF",
        b"\n\n",
        MINIMAL_HEADER.as_bytes(),
        b"a,b\n,\n",
    ] {
        let report = parse_enterprises(file, FileFormat::Csv).unwrap_err();
        let expected = ImportReport {
            rows: 0,
            errors: vec![RowError {
                row: 0,
                column: String::new(),
                value: String::new(),
                message: "文件中没有数据行".to_string(),
            }],
        };
        assert_eq!(report, expected, "{file:?}");
    }
}

#[test]
fn ragged_rows_and_content_without_a_header_are_row_errors() {
    let a = code("91350582MA2XK8P3Q");
    let file = csv(&[
        &format!("{MINIMAL_HEADER},"),
        &format!("{},", minimal_row(&a, 2024)),
        &format!("{},备注", minimal_row(&a, 2025)),
        &minimal_row(&a, 2026),
    ]);
    let errors = errors(&file, FileFormat::Csv);
    assert_eq!(errors.len(), 2);
    assert_eq!((errors[0].row, errors[0].value.as_str()), (3, "备注"));
    assert!(
        errors[0].message.contains("第 7 列(G 列)没有列名"),
        "{}",
        errors[0].message
    );
    assert_eq!(errors[1].row, 4);
    assert!(
        errors[1].message.contains("本行有 6 列,表头有 7 列"),
        "{}",
        errors[1].message
    );
}

#[test]
fn headers_may_be_labels_or_code_names_in_any_case_and_order() {
    let a = code("91350582MA2XK8P3Q");
    let file = csv(&[
        "年度, 所在区划代码 ,Credit_Code,行业代码,企业名称,OWNERSHIP,营业收入(元),信用状况",
        &format!(" 2025 ,350582, {a} ,C3311,  泉州某某有限公司 ,外商投资,\" 1,234.50 \",失信"),
    ]);
    let records = parse_enterprises(&file, FileFormat::Csv).unwrap();
    let record = &records[0];
    assert_eq!(record.identity.credit_code.as_str(), a);
    assert_eq!(record.identity.name, "泉州某某有限公司");
    assert_eq!(record.identity.ownership, Ownership::Foreign);
    assert_eq!(record.identity.credit_status, CreditStatus::Bad);
    assert_eq!(record.figures.revenue.map(|m| m.fen()), Some(123_450));
}

#[test]
fn gbk_csv_from_excel_is_decoded() {
    let a = code("91350582MA2XK8P3Q");
    let text = format!(
        "统一社会信用代码,企业名称,行业代码,所在区划代码,登记注册类型,年度\r\n{a},晋江市恒通鞋材有限公司,C1951,350582,民营,2025\r\n"
    );
    let (gbk, _, unmappable) = encoding_rs::GBK.encode(&text);
    assert!(!unmappable && std::str::from_utf8(&gbk).is_err());
    let records = parse_enterprises(&gbk, FileFormat::Csv).unwrap();
    assert_eq!(records[0].identity.name, "晋江市恒通鞋材有限公司");
}

#[test]
fn utf8_with_bom_and_excel_style_dates_are_accepted() {
    let a = code("91350582MA2XK8P3Q");
    let mut file = b"\xEF\xBB\xBF".to_vec();
    file.extend(csv(&[
        &format!("{MINIMAL_HEADER},established_on,employees"),
        &format!("{},2016/3/8,\"1,234\"", minimal_row(&a, 2025)),
    ]));
    let records = parse_enterprises(&file, FileFormat::Csv).unwrap();
    let established = records[0].identity.established_on.unwrap();
    assert_eq!(established.to_string(), "2016-03-08");
    assert_eq!(records[0].figures.employees, Some(1234));
}
