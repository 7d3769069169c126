//! Rules that span rows: one row per enterprise and year, and one identity per enterprise.
//!
//! Both are checked against the first row seen, with a hash map so a file of any length is
//! checked in one linear pass.

use super::draft::{Draft, IdentityDraft};
use super::row::RowReader;
use crate::columns::Column;
use qinqing_domain::CreditCode;
use std::collections::HashMap;

#[derive(Default)]
pub(super) struct CrossRowChecks {
    /// Per enterprise: the first row and the identity it gave, and the row of each year seen
    /// (one map, so a row costs one lookup and the code is copied once per enterprise).
    enterprises: HashMap<CreditCode, Seen>,
}

struct Seen {
    first_row: usize,
    identity: IdentityDraft,
    years: Vec<(i32, usize)>,
}

impl CrossRowChecks {
    /// Checks `draft` against the earlier rows, recording errors on the reader of its row.
    pub(super) fn check(&mut self, draft: &Draft, reader: &mut RowReader) {
        let Some(code) = &draft.credit_code else {
            return;
        };
        let Some(seen) = self.enterprises.get_mut(code) else {
            let seen = Seen {
                first_row: reader.number(),
                identity: draft.identity.clone(),
                years: draft
                    .year
                    .map(|y| (y, reader.number()))
                    .into_iter()
                    .collect(),
            };
            self.enterprises.insert(code.clone(), seen);
            return;
        };
        if let Some(year) = draft.year {
            check_year(seen, code, year, reader);
        }
        for column in draft.identity.differences(&seen.identity) {
            reader.error(
                column,
                format!(
                    "与第 {} 行不一致:同一企业(统一社会信用代码 {code})各年度行的{}必须相同",
                    seen.first_row,
                    column.label()
                ),
            );
        }
    }
}

fn check_year(seen: &mut Seen, code: &CreditCode, year: i32, reader: &mut RowReader) {
    match seen.years.iter().find(|(y, _)| *y == year) {
        Some((_, earlier)) => reader.error(
            Column::Year,
            format!(
                "与第 {earlier} 行重复:同一企业(统一社会信用代码 {code})的 {year} 年度数据只能有一行"
            ),
        ),
        None => seen.years.push((year, reader.number())),
    }
}
