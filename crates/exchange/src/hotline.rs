//! The 12345 hotline's ticket export (12345 工单导出), as CSV or XLSX: one ticket a row under
//! Chinese headers. Read like the enterprise file (UTF-8 or GBK, Excel's own cells, blank rows
//! skipped) and all or nothing: any bad row rejects the file with every problem, by the row the
//! user sees and the column's header.

use crate::format::FileFormat;
use crate::import::{RawRow, Sheet};
use crate::report::{ImportReport, RowError};
use chrono::{NaiveDate, NaiveDateTime};
use qinqing_domain::CreditCode;
use std::collections::HashSet;

/// The columns, in the order the hotline exports them; the first seven are required.
pub const HEADERS: [&str; 10] = [
    "工单编号",
    "来电时间",
    "企业名称",
    "统一社会信用代码",
    "诉求类别",
    "诉求标题",
    "诉求内容",
    "联系人",
    "联系电话",
    "所属镇街",
];
const REQUIRED: usize = 7;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HotlineTicket {
    /// The row as a spreadsheet shows it (the header is row 1).
    pub row: usize,
    /// 工单编号, unique in the file.
    pub ticket_no: String,
    /// 来电时间 in Beijing time (midnight when the file gives only the date).
    pub called_at: NaiveDateTime,
    pub enterprise_name: String,
    pub credit_code: CreditCode,
    /// 诉求类别 as written: a category's Chinese name or its code.
    pub category: String,
    pub title: String,
    pub description: String,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    /// 所属镇街 as the hotline wrote it, kept for the record (routing follows the enterprise's
    /// registered division).
    pub town: Option<String>,
}

fn error(row: usize, column: &str, value: &str, message: impl Into<String>) -> RowError {
    RowError::new(row, column, value, message)
}

/// Reads a ticket export; any wrong row rejects the file, with every problem listed.
pub fn read_tickets(bytes: &[u8], format: FileFormat) -> Result<Vec<HotlineTicket>, ImportReport> {
    let sheet = match format {
        FileFormat::Csv => crate::csv::read_sheet(bytes),
        FileFormat::Xlsx => crate::xlsx::read_sheet(bytes),
    };
    let sheet = sheet.map_err(|e| ImportReport {
        rows: 0,
        errors: vec![e],
    })?;
    parse(sheet)
}

fn parse(sheet: Sheet) -> Result<Vec<HotlineTicket>, ImportReport> {
    let mut rows = sheet.rows.into_iter().filter(|r| !r.is_blank());
    let header = rows.next();
    let data: Vec<RawRow> = rows.collect();
    let reject = |errors| ImportReport {
        rows: data.len(),
        errors,
    };
    let Some(header) = header.filter(|_| !data.is_empty()) else {
        return Err(reject(vec![RowError::file("文件中没有工单数据行")]));
    };
    let at = columns(&header).map_err(|e| reject(vec![e]))?;
    let mut errors = sheet.errors;
    let mut tickets = Vec::new();
    let mut seen = HashSet::new();
    for raw in &data {
        // A ticket number is taken even by a row with other mistakes, so its repeat is found.
        let number = at[0]
            .and_then(|c| raw.cell(c))
            .and_then(|c| c.as_ref().ok());
        let number = number.map_or("", |n| n.trim());
        if !number.is_empty() && !seen.insert(number.to_string()) {
            errors.push(error(
                raw.number,
                HEADERS[0],
                number,
                "工单编号与前面的行重复",
            ));
            continue;
        }
        match ticket(raw, &at) {
            Ok(t) => tickets.push(t),
            Err(mut row_errors) => errors.append(&mut row_errors),
        }
    }
    if errors.is_empty() {
        Ok(tickets)
    } else {
        errors.sort_by_key(|e| e.row);
        Err(reject(errors))
    }
}

/// The column index of each header, `None` for an optional column the file leaves out.
fn columns(header: &RawRow) -> Result<Vec<Option<usize>>, RowError> {
    let text = |cell: &crate::import::Cell| cell.as_ref().map(|t| t.trim().to_string()).ok();
    let at: Vec<Option<usize>> = HEADERS
        .iter()
        .map(|name| {
            header
                .cells
                .iter()
                .find(|(_, c)| text(c).as_deref() == Some(*name))
                .map(|(i, _)| *i)
        })
        .collect();
    let missing: Vec<&str> = HEADERS[..REQUIRED]
        .iter()
        .zip(&at)
        .filter(|(_, i)| i.is_none())
        .map(|(name, _)| *name)
        .collect();
    if missing.is_empty() {
        Ok(at)
    } else {
        Err(error(
            header.number,
            "",
            "",
            format!("表头缺少“{}”列", missing.join("”“")),
        ))
    }
}

fn ticket(raw: &RawRow, at: &[Option<usize>]) -> Result<HotlineTicket, Vec<RowError>> {
    let mut errors = Vec::new();
    let mut cell = |i: usize| -> String {
        match at[i].and_then(|c| raw.cell(c)) {
            Some(Ok(text)) => text.trim().to_string(),
            Some(Err(bad)) => {
                errors.push(error(
                    raw.number,
                    HEADERS[i],
                    &bad.value,
                    bad.message.clone(),
                ));
                String::new()
            }
            None => String::new(),
        }
    };
    let values: Vec<String> = (0..HEADERS.len()).map(&mut cell).collect();
    let required = |i: usize, errors: &mut Vec<RowError>| {
        if values[i].is_empty() {
            errors.push(error(
                raw.number,
                HEADERS[i],
                "",
                format!("请填写{}", HEADERS[i]),
            ));
        }
    };
    for i in [0, 2, 4, 5, 6] {
        required(i, &mut errors);
    }
    let called_at = called_at(&values[1]);
    if called_at.is_none() {
        errors.push(error(
            raw.number,
            HEADERS[1],
            &values[1],
            "来电时间应写成 YYYY-MM-DD HH:MM 或 YYYY-MM-DD",
        ));
    }
    let code = CreditCode::parse(&values[3]);
    if let Err(e) = &code {
        errors.push(error(raw.number, HEADERS[3], &values[3], e.to_string()));
    }
    let optional = |i: usize| Some(values[i].clone()).filter(|v| !v.is_empty());
    match (called_at, code) {
        (Some(called_at), Ok(credit_code)) if errors.is_empty() => Ok(HotlineTicket {
            row: raw.number,
            ticket_no: values[0].clone(),
            called_at,
            enterprise_name: values[2].clone(),
            credit_code,
            category: values[4].clone(),
            title: values[5].clone(),
            description: values[6].clone(),
            contact_name: optional(7),
            contact_phone: optional(8),
            town: optional(9),
        }),
        _ => Err(errors),
    }
}

fn called_at(text: &str) -> Option<NaiveDateTime> {
    let text = text.trim().replace('/', "-");
    ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(&text, f).ok())
        .or_else(|| {
            NaiveDate::parse_from_str(&text, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = "工单编号,来电时间,企业名称,统一社会信用代码,诉求类别,诉求标题,诉求内容,联系人,联系电话,所属镇街\r\n";

    #[test]
    fn reads_tickets_under_the_hotline_headers() {
        let file = format!(
            "\u{feff}{HEAD}GD202611010001,2026-11-01 09:30,某某公司,91110000600037341L,融资服务,转贷资金紧张,流动资金贷款下月到期,张三,13800000000,东园镇\r\n"
        );
        let tickets = read_tickets(file.as_bytes(), FileFormat::Csv).unwrap();
        assert_eq!(tickets.len(), 1);
        assert_eq!(tickets[0].row, 2);
        assert_eq!(tickets[0].ticket_no, "GD202611010001");
        assert_eq!(tickets[0].category, "融资服务");
        assert_eq!(tickets[0].town.as_deref(), Some("东园镇"));
    }

    #[test]
    fn every_bad_cell_is_named_by_row_and_column_and_nothing_is_returned() {
        let file = format!(
            "{HEAD}GD1,2026-11-01 09:30,甲公司,91110000600037341X,融资服务,标题,内容,,,\r\nGD2,昨天,乙公司,91110000600037341L,融资服务,标题,,,,\r\nGD1,2026-11-02,丙公司,91110000600037341L,政策咨询,标题,内容,,,\r\n"
        );
        let report = read_tickets(file.as_bytes(), FileFormat::Csv).unwrap_err();
        let found: Vec<(usize, &str)> = report
            .errors
            .iter()
            .map(|e| (e.row, e.column.as_str()))
            .collect();
        assert_eq!(
            found,
            vec![
                (2, "统一社会信用代码"),
                (3, "诉求内容"),
                (3, "来电时间"),
                (4, "工单编号")
            ]
        );
    }

    #[test]
    fn a_file_without_the_required_headers_is_refused() {
        let report = read_tickets("编号,内容\nA,B\n".as_bytes(), FileFormat::Csv).unwrap_err();
        assert!(report.errors[0].message.contains("工单编号"));
        assert!(read_tickets(b"", FileFormat::Csv).is_err());
    }
}
