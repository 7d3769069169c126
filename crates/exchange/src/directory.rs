//! The district's directory as files: the organisation tree and the accounts, one per row under
//! Chinese headers, as CSV or XLSX. This module only reads the cells (headers by Chinese name or
//! code, any order, blank rows skipped, Excel error cells reported); whether a row makes sense
//! (does the parent exist, does the role fit) is checked by the kernel, which knows the tree and
//! reports each problem by row and column code in the same [`RowError`] form.

use crate::export::ExportError;
use crate::format::FileFormat;
use crate::import::RawRow;
use crate::report::{ImportReport, RowError};
use crate::table::{Cell, Table, write_table_csv, write_table_xlsx};
use std::collections::BTreeMap;

/// One column of a directory sheet: (code, Chinese header, required).
pub type Column = (&'static str, &'static str, bool);

/// The organisation sheet. The parent is named as it is in the tree (or in an earlier row).
pub const ORGANISATION_COLUMNS: [Column; 4] = [
    ("name", "组织名称", true),
    ("kind", "组织类型", true),
    ("parent", "上级组织", false),
    ("division_code", "区划代码", false),
];

const ORGANISATION_EXAMPLES: [[&str; 4]; 3] = [
    ["发展和改革局", "部门", "(填写本区名称)", ""],
    ["中国建设银行某某支行", "银行", "", ""],
    [
        "中国建设银行某某支行营业部",
        "银行网点",
        "中国建设银行某某支行",
        "",
    ],
];

/// The account sheet. The organisation is named as it is in the tree; the role by its Chinese
/// name or code.
pub const ACCOUNT_COLUMNS: [Column; 6] = [
    ("username", "用户名", true),
    ("display_name", "姓名", true),
    ("phone", "手机号", false),
    ("organisation", "所在组织", true),
    ("role", "角色", true),
    ("password", "临时密码", true),
];

const ACCOUNT_EXAMPLES: [[&str; 6]; 1] = [[
    "zhang.san",
    "张三",
    "13800000000",
    "发展和改革局",
    "经办人",
    "Start2026ok",
]];

/// The steward sheet: one assignment or unassignment of a 亲清管家 a row. The steward is named by
/// username; the action is 指派 (the default when empty) or 取消.
pub const STEWARD_COLUMNS: [Column; 3] = [
    ("steward", "管家用户名", true),
    ("credit_code", "统一社会信用代码", true),
    ("action", "操作", false),
];

const STEWARD_EXAMPLES: [[&str; 3]; 2] = [
    ["li.guanjia", "91350100M000100Y43", "指派"],
    ["li.guanjia", "91110108551385082Q", "取消"],
];

/// One data row: its number as the spreadsheet shows it and its cells' text by column code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub row: usize,
    pub cells: BTreeMap<&'static str, String>,
}

impl Line {
    /// The trimmed text of column `code`, "" when empty.
    pub fn get(&self, code: &str) -> &str {
        self.cells.get(code).map_or("", |v| v.trim())
    }

    /// A problem of this row in column `code`, quoting the cell.
    pub fn error(&self, code: &str, message: impl Into<String>) -> RowError {
        RowError::new(self.row, code, self.get(code), message)
    }
}

/// The header of column `code` among `columns` ("" for an unknown code).
pub fn header_of(columns: &[Column], code: &str) -> &'static str {
    columns
        .iter()
        .find(|(c, _, _)| *c == code)
        .map_or("", |(_, h, _)| h)
}

/// The import template for `columns`: Chinese headers and example rows (delete them before use).
pub fn template(
    columns: &[Column],
    examples: &[&[&str]],
    title: &str,
    format: FileFormat,
) -> Result<Vec<u8>, ExportError> {
    let table = Table {
        title: title.into(),
        headers: columns.iter().map(|(_, h, _)| h.to_string()).collect(),
        rows: examples
            .iter()
            .map(|row| row.iter().map(|v| Cell::Text(v.to_string())).collect())
            .collect(),
    };
    match format {
        FileFormat::Csv => Ok(write_table_csv(&table)),
        FileFormat::Xlsx => write_table_xlsx(&[table]),
    }
}

pub fn organisation_template(format: FileFormat) -> Result<Vec<u8>, ExportError> {
    let examples: Vec<&[&str]> = ORGANISATION_EXAMPLES.iter().map(|r| &r[..]).collect();
    template(&ORGANISATION_COLUMNS, &examples, "组织", format)
}

pub fn account_template(format: FileFormat) -> Result<Vec<u8>, ExportError> {
    let examples: Vec<&[&str]> = ACCOUNT_EXAMPLES.iter().map(|r| &r[..]).collect();
    template(&ACCOUNT_COLUMNS, &examples, "账户", format)
}

pub fn steward_template(format: FileFormat) -> Result<Vec<u8>, ExportError> {
    let examples: Vec<&[&str]> = STEWARD_EXAMPLES.iter().map(|r| &r[..]).collect();
    template(&STEWARD_COLUMNS, &examples, "亲清管家", format)
}

/// Reads a directory sheet. An unreadable file, a missing column, a file without data rows,
/// an error cell or an empty required cell rejects the whole file with every problem found.
pub fn read(
    bytes: &[u8],
    format: FileFormat,
    columns: &'static [Column],
) -> Result<Vec<Line>, ImportReport> {
    let reject = |rows: usize, errors: Vec<RowError>| ImportReport { rows, errors };
    let sheet = match format {
        FileFormat::Csv => crate::csv::read_sheet(bytes),
        FileFormat::Xlsx => crate::xlsx::read_sheet(bytes),
    }
    .map_err(|e| reject(0, vec![e]))?;
    let mut errors = sheet.errors;
    let mut rows = sheet.rows.into_iter().filter(|r| !r.is_blank());
    let Some(header) = rows.next() else {
        return Err(reject(0, vec![RowError::file("文件是空的:第一行应为表头")]));
    };
    let at = header_columns(&header, columns).map_err(|e| reject(0, vec![e]))?;
    let mut lines = Vec::new();
    for row in rows {
        let mut cells = BTreeMap::new();
        for (code, index) in &at {
            match row.cell(*index) {
                Some(Ok(text)) => {
                    cells.insert(*code, text.trim().to_string());
                }
                Some(Err(bad)) => {
                    errors.push(RowError::new(row.number, code, &bad.value, &bad.message));
                }
                None => {}
            }
        }
        let line = Line {
            row: row.number,
            cells,
        };
        for (code, header, required) in columns {
            if *required && line.get(code).is_empty() && !errors_at(&errors, line.row, code) {
                errors.push(line.error(code, format!("“{header}”不能为空")));
            }
        }
        lines.push(line);
    }
    if lines.is_empty() && errors.is_empty() {
        errors.push(RowError::file("文件中没有数据行"));
    }
    if errors.is_empty() {
        Ok(lines)
    } else {
        errors.sort_by_key(|e| e.row);
        Err(reject(lines.len(), errors))
    }
}

fn errors_at(errors: &[RowError], row: usize, code: &str) -> bool {
    errors.iter().any(|e| e.row == row && e.column == code)
}

/// The column index of each column the header names; a missing required column is an error.
fn header_columns(
    header: &RawRow,
    columns: &'static [Column],
) -> Result<BTreeMap<&'static str, usize>, RowError> {
    let mut at = BTreeMap::new();
    for (index, cell) in &header.cells {
        let text = cell.as_deref().unwrap_or_default().trim();
        if let Some((code, _, _)) = columns
            .iter()
            .find(|(c, h, _)| *h == text || c.eq_ignore_ascii_case(text))
        {
            at.insert(*code, *index);
        }
    }
    let missing: Vec<&str> = columns
        .iter()
        .filter(|(c, _, required)| *required && !at.contains_key(c))
        .map(|(_, h, _)| *h)
        .collect();
    if missing.is_empty() {
        Ok(at)
    } else {
        let message = format!("表头缺少列:{}(请使用下载的导入模板)", missing.join("、"));
        Err(RowError::new(header.number, "", "", message))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_templates_read_back_as_their_examples() {
        for format in [FileFormat::Csv, FileFormat::Xlsx] {
            let orgs = read(
                &organisation_template(format).unwrap(),
                format,
                &ORGANISATION_COLUMNS,
            )
            .unwrap();
            assert_eq!(orgs.len(), 3);
            assert_eq!(orgs[2].row, 4);
            assert_eq!(orgs[2].get("kind"), "银行网点");
            assert_eq!(orgs[1].get("parent"), "");
            let accounts =
                read(&account_template(format).unwrap(), format, &ACCOUNT_COLUMNS).unwrap();
            assert_eq!(accounts[0].get("role"), "经办人");
        }
    }

    #[test]
    fn empty_required_cells_and_missing_columns_are_named() {
        let csv = "组织名称,组织类型,上级组织\n财政局,,区\n,部门,区\n";
        let report = read(csv.as_bytes(), FileFormat::Csv, &ORGANISATION_COLUMNS).unwrap_err();
        let places: Vec<(usize, &str)> = report
            .errors
            .iter()
            .map(|e| (e.row, e.column.as_str()))
            .collect();
        assert_eq!(places, [(2, "kind"), (3, "name")]);
        let csv = "组织名称,上级组织\n财政局,区\n";
        let report = read(csv.as_bytes(), FileFormat::Csv, &ORGANISATION_COLUMNS).unwrap_err();
        assert!(report.errors[0].message.contains("组织类型"), "{report}");
        let report = read(b"", FileFormat::Csv, &ACCOUNT_COLUMNS).unwrap_err();
        assert_eq!(report.rows, 0);
    }
}
