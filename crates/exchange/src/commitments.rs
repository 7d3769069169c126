//! Commitment items (承诺事项) of an investment agreement as an XLSX sheet: a template with
//! Chinese headers and one example row, and its reading back into text rows by column code. The
//! values are checked by the agreements module, which reports each problem by row and column.

use crate::export::ExportError;
use crate::import::Sheet;
use crate::report::{ImportReport, RowError};
use crate::table::{Cell, Table, write_table_xlsx};
use std::collections::BTreeMap;

/// (code, header) of every column, in template order. The code is the item field it fills.
pub const ITEM_COLUMNS: [(&str, &str); 12] = [
    ("key", "事项编号"),
    ("item_type", "事项类型"),
    ("side", "承诺方"),
    ("clause", "合同条款"),
    ("content", "承诺内容"),
    ("responsible_unit", "责任单位"),
    ("responsible_person", "责任人"),
    ("due_on", "履约日期"),
    ("after", "前置事项编号"),
    ("offset", "前置事项完成后期限"),
    ("offset_unit", "期限单位"),
    ("evidence", "履约佐证"),
];

const EXAMPLE: [&str; 12] = [
    "land_delivery",
    "交地",
    "政府方",
    "第三条第一款",
    "完成土地出让并交付净地",
    "自然资源局",
    "张三",
    "2026-12-31",
    "",
    "",
    "",
    "土地出让合同、交地确认书",
];

/// The header of column `code` ("" for an unknown code).
pub fn header_of(code: &str) -> &'static str {
    ITEM_COLUMNS
        .iter()
        .find(|(c, _)| *c == code)
        .map_or("", |(_, h)| h)
}

/// The import template: one sheet, Chinese headers, one example row (delete it before use).
pub fn template_xlsx() -> Result<Vec<u8>, ExportError> {
    let table = Table {
        title: "承诺事项".into(),
        headers: ITEM_COLUMNS.iter().map(|(_, h)| h.to_string()).collect(),
        rows: vec![EXAMPLE.iter().map(|v| Cell::Text(v.to_string())).collect()],
    };
    write_table_xlsx(&[table])
}

/// One data row: its number as Excel shows it and its cells' text by column code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemLine {
    pub row: usize,
    pub cells: BTreeMap<&'static str, String>,
}

impl ItemLine {
    /// The trimmed text of column `code`, "" when empty.
    pub fn get(&self, code: &str) -> &str {
        self.cells.get(code).map_or("", |v| v.trim())
    }
}

/// Reads an items sheet (headers in Chinese or by code, any order); blank rows are skipped. An
/// unreadable file, a missing column or a cell without a value rejects the whole file.
pub fn read_items(bytes: &[u8]) -> Result<Vec<ItemLine>, ImportReport> {
    let reject = |errors: Vec<RowError>| ImportReport { rows: 0, errors };
    let Sheet { rows, errors } = crate::xlsx::read_sheet(bytes).map_err(|e| reject(vec![e]))?;
    let mut errors = errors;
    let mut rows = rows.into_iter().filter(|r| !r.is_blank());
    let Some(header) = rows.next() else {
        return Err(reject(vec![RowError::file("文件是空的:第一行应为表头")]));
    };
    let mut at: BTreeMap<&'static str, usize> = BTreeMap::new();
    for (index, cell) in &header.cells {
        let text = cell.as_deref().unwrap_or_default().trim();
        if let Some((code, _)) = ITEM_COLUMNS.iter().find(|(c, h)| *h == text || *c == text) {
            at.insert(code, *index);
        }
    }
    let missing: Vec<&str> = ITEM_COLUMNS
        .iter()
        .filter(|(c, _)| !at.contains_key(c))
        .map(|(_, h)| *h)
        .collect();
    if !missing.is_empty() {
        let message = format!("表头缺少列:{}(请使用下载的导入模板)", missing.join("、"));
        return Err(reject(vec![RowError::new(header.number, "", "", message)]));
    }
    let mut lines = Vec::new();
    for row in rows {
        let mut cells = BTreeMap::new();
        for (code, index) in &at {
            match row.cell(*index) {
                Some(Ok(text)) => {
                    cells.insert(*code, text.clone());
                }
                Some(Err(bad)) => {
                    let header = header_of(code);
                    errors.push(RowError::new(row.number, header, &bad.value, &bad.message));
                }
                None => {}
            }
        }
        lines.push(ItemLine {
            row: row.number,
            cells,
        });
    }
    if errors.is_empty() {
        Ok(lines)
    } else {
        Err(ImportReport {
            rows: lines.len(),
            errors,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_template_reads_back_as_its_example_row() {
        let bytes = template_xlsx().unwrap();
        let lines = read_items(&bytes).unwrap();
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].row, 2);
        assert_eq!(lines[0].get("key"), "land_delivery");
        assert_eq!(lines[0].get("side"), "政府方");
        assert_eq!(lines[0].get("after"), "");
    }

    #[test]
    fn a_missing_column_or_an_unreadable_file_is_refused() {
        let table = Table {
            title: "x".into(),
            headers: vec!["事项编号".into(), "承诺内容".into()],
            rows: vec![],
        };
        let report = read_items(&write_table_xlsx(&[table]).unwrap()).unwrap_err();
        assert!(report.errors[0].message.contains("承诺方"), "{report}");
        assert!(read_items(b"not a workbook").is_err());
    }
}
