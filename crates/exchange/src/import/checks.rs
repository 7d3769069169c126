//! Rules that span rows: one row per enterprise and year, and one identity per enterprise.
//!
//! Both are checked against the first row seen, with hash maps so a file of any length is
//! checked in one linear pass.

use super::draft::{Draft, IdentityDraft};
use super::row::RowReader;
use crate::columns::Column;
use qinqing_domain::CreditCode;
use std::collections::HashMap;
use std::collections::hash_map::Entry;

#[derive(Default)]
pub(super) struct CrossRowChecks {
    /// The row of each (enterprise, year) seen so far.
    years: HashMap<(CreditCode, i32), usize>,
    /// The first row of each enterprise and the identity it gave.
    identities: HashMap<CreditCode, (usize, IdentityDraft)>,
}

impl CrossRowChecks {
    /// Checks `draft` against the earlier rows, recording errors on the reader of its row.
    pub(super) fn check(&mut self, draft: &Draft, reader: &mut RowReader) {
        let Some(code) = &draft.credit_code else {
            return;
        };
        if let Some(year) = draft.year {
            self.check_year(code, year, reader);
        }
        self.check_identity(code, &draft.identity, reader);
    }

    fn check_year(&mut self, code: &CreditCode, year: i32, reader: &mut RowReader) {
        match self.years.entry((code.clone(), year)) {
            Entry::Occupied(earlier) => reader.error(
                Column::Year,
                format!(
                    "与第 {} 行重复:同一企业(统一社会信用代码 {code})的 {year} 年度数据只能有一行",
                    earlier.get()
                ),
            ),
            Entry::Vacant(slot) => {
                slot.insert(reader.number());
            }
        }
    }

    fn check_identity(
        &mut self,
        code: &CreditCode,
        identity: &IdentityDraft,
        reader: &mut RowReader,
    ) {
        match self.identities.entry(code.clone()) {
            Entry::Occupied(entry) => {
                let (earlier_row, earlier) = entry.get();
                for column in identity.differences(earlier) {
                    reader.error(
                        column,
                        format!(
                            "与第 {earlier_row} 行不一致:同一企业(统一社会信用代码 {code})各年度行的{}必须相同",
                            column.label()
                        ),
                    );
                }
            }
            Entry::Vacant(slot) => {
                slot.insert((reader.number(), identity.clone()));
            }
        }
    }
}
