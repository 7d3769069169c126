//! Credit blacklists (失信名单) as CSV: one enterprise a row, by 统一社会信用代码, with the reason
//! and optionally the date the listing ends. Read like the bank's result files (UTF-8 or
//! GB18030, header by name in Chinese or English, every problem with its row), and all or nothing.

use crate::bank::{decode, read_rows};
use crate::report::RowError;
use chrono::NaiveDate;
use qinqing_domain::CreditCode;
use std::collections::HashSet;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlacklistLine {
    /// The row as a spreadsheet shows it (the header is row 1).
    pub row: usize,
    pub credit_code: CreditCode,
    pub reason: String,
    /// The last day of the listing; absent: the platform's configured period applies.
    pub until: Option<NaiveDate>,
}

const CODE: [&str; 3] = ["统一社会信用代码", "信用代码", "credit_code"];
const REASON: [&str; 3] = ["列入原因", "原因", "reason"];
const UNTIL: [&str; 3] = ["截止日期", "移出日期", "until"];

pub(crate) fn find(header: &[String], names: &[&str]) -> Option<usize> {
    header
        .iter()
        .position(|h| names.iter().any(|n| h.trim().eq_ignore_ascii_case(n)))
}

/// Reads a blacklist; any wrong row rejects the file, with every problem listed.
pub fn read_blacklist(bytes: &[u8]) -> Result<Vec<BlacklistLine>, Vec<RowError>> {
    let text = decode(bytes).map_err(|e| vec![e])?;
    let (rows, mut errors) = read_rows(&text)?;
    let Some((header, data)) = rows.split_first() else {
        return Err(vec![RowError::file(
            "文件是空的:第一行应为表头(统一社会信用代码,列入原因,截止日期)",
        )]);
    };
    let (Some(code_at), Some(reason_at)) =
        (find(&header.cells, &CODE), find(&header.cells, &REASON))
    else {
        return Err(vec![RowError::new(
            1,
            "",
            "",
            "表头须含“统一社会信用代码”和“列入原因”两列",
        )]);
    };
    let until_at = find(&header.cells, &UNTIL);
    let mut lines = Vec::new();
    let mut seen = HashSet::new();
    for row in data {
        let cell = |i: usize| row.cells.get(i).map_or("", |c| c.trim());
        let code = match CreditCode::parse(cell(code_at)) {
            Ok(c) => c,
            Err(e) => {
                errors.push(RowError::new(
                    row.number,
                    "credit_code",
                    cell(code_at),
                    e.to_string(),
                ));
                continue;
            }
        };
        if !seen.insert(code.clone()) {
            errors.push(RowError::new(
                row.number,
                "credit_code",
                cell(code_at),
                "与前面的行重复",
            ));
            continue;
        }
        let reason = cell(reason_at);
        if reason.is_empty() {
            errors.push(RowError::new(row.number, "reason", "", "请填写列入原因"));
            continue;
        }
        let until = match until_at.map(cell).filter(|t| !t.is_empty()) {
            None => None,
            Some(t) => match NaiveDate::parse_from_str(t, "%Y-%m-%d") {
                Ok(d) => Some(d),
                Err(_) => {
                    errors.push(RowError::new(row.number, "until", t, "日期应为 YYYY-MM-DD"));
                    continue;
                }
            },
        };
        lines.push(BlacklistLine {
            row: row.number,
            credit_code: code,
            reason: reason.to_string(),
            until,
        });
    }
    if errors.is_empty() {
        Ok(lines)
    } else {
        errors.sort_by_key(|e| e.row);
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_codes_reasons_and_dates_under_chinese_headers() {
        let file = "\u{feff}统一社会信用代码,列入原因,截止日期\r\n91110000600037341L,虚假承诺骗取补贴,2027-12-31\r\n";
        let lines = read_blacklist(file.as_bytes()).unwrap();
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].row, 2);
        assert_eq!(lines[0].credit_code.as_str(), "91110000600037341L");
        assert_eq!(lines[0].until, NaiveDate::from_ymd_opt(2027, 12, 31));
    }

    #[test]
    fn every_wrong_row_is_reported_and_nothing_is_returned() {
        let file = "credit_code,reason,until\n91110000600037341X,骗补,\n91110000600037341L,,\n91350521MA0000001R,骗补,31/12/2027\n";
        let errors = read_blacklist(file.as_bytes()).unwrap_err();
        let rows: Vec<usize> = errors.iter().map(|e| e.row).collect();
        assert_eq!(rows, vec![2, 3, 4]);
        assert_eq!(errors[1].column, "reason");
        assert_eq!(errors[2].column, "until");
    }

    #[test]
    fn a_file_without_the_required_columns_is_refused() {
        let errors = read_blacklist("名称,备注\n某公司,无\n".as_bytes()).unwrap_err();
        assert!(errors[0].message.contains("统一社会信用代码"));
        assert!(read_blacklist(b"").is_err());
    }
}
