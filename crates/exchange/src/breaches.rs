//! Breached commitments (违约承诺事项) by enterprise as CSV, for evaluating policies outside the
//! platform (`qinqing policy eval`): one enterprise a row, by 统一社会信用代码, with the number of
//! its enterprise-side commitment items found breached. Read like the blacklist, all or nothing.

use crate::bank::{decode, read_rows};
use crate::blacklist::find;
use crate::report::RowError;
use qinqing_domain::CreditCode;
use std::collections::BTreeMap;

const CODE: [&str; 3] = ["统一社会信用代码", "信用代码", "credit_code"];
const COUNT: [&str; 2] = ["违约承诺事项", "breached_commitments"];

/// Reads the counts by credit code; any wrong row rejects the file, with every problem listed.
pub fn read_breaches(bytes: &[u8]) -> Result<BTreeMap<CreditCode, i64>, Vec<RowError>> {
    let text = decode(bytes).map_err(|e| vec![e])?;
    let (rows, mut errors) = read_rows(&text)?;
    let header = rows.first().map(|h| h.cells.as_slice()).unwrap_or_default();
    let (Some(code_at), Some(count_at)) = (find(header, &CODE), find(header, &COUNT)) else {
        return Err(vec![RowError::new(
            1,
            "",
            "",
            "表头须含“统一社会信用代码”和“违约承诺事项”两列",
        )]);
    };
    let mut counts = BTreeMap::new();
    for row in rows.iter().skip(1) {
        let cell = |i: usize| row.cells.get(i).map_or("", |c| c.trim());
        let code = match CreditCode::parse(cell(code_at)) {
            Ok(c) => c,
            Err(e) => {
                let e = RowError::new(row.number, "credit_code", cell(code_at), e.to_string());
                errors.push(e);
                continue;
            }
        };
        let Ok(count) = cell(count_at).parse::<u32>() else {
            let message = "应为不小于 0 的整数";
            errors.push(RowError::new(
                row.number,
                "breached_commitments",
                cell(count_at),
                message,
            ));
            continue;
        };
        if counts.insert(code, i64::from(count)).is_some() {
            errors.push(RowError::new(
                row.number,
                "credit_code",
                cell(code_at),
                "与前面的行重复",
            ));
        }
    }
    if errors.is_empty() {
        Ok(counts)
    } else {
        errors.sort_by_key(|e| e.row);
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_counts_under_chinese_or_english_headers() {
        let file = "\u{feff}统一社会信用代码,违约承诺事项\r\n91110000600037341L,2\r\n";
        let counts = read_breaches(file.as_bytes()).unwrap();
        let code = CreditCode::parse("91110000600037341L").unwrap();
        assert_eq!(counts[&code], 2);
        let file = "credit_code,breached_commitments\n91110000600037341L,0\n";
        assert_eq!(read_breaches(file.as_bytes()).unwrap()[&code], 0);
    }

    #[test]
    fn every_wrong_row_is_reported() {
        let file = "credit_code,breached_commitments\n91110000600037341X,1\n91110000600037341L,-1\n91110000600037341L,1\n91110000600037341L,1\n";
        let errors = read_breaches(file.as_bytes()).unwrap_err();
        let cols: Vec<(usize, &str)> = errors.iter().map(|e| (e.row, e.column.as_str())).collect();
        assert_eq!(
            cols,
            [
                (2, "credit_code"),
                (3, "breached_commitments"),
                (5, "credit_code")
            ]
        );
        assert!(
            read_breaches(b"credit_code\n").is_err(),
            "the count column is required"
        );
    }
}
