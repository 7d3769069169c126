//! The header row: which cell holds which column.

use super::RawRow;
use crate::columns::Column;
use crate::report::RowError;

/// Where each column sits in the rows of one file.
#[derive(Debug)]
pub(crate) struct Header {
    /// Cell index of each column, indexed by [`Column`]; `None` when the file lacks the column.
    positions: [Option<usize>; Column::ALL.len()],
    /// The cell indices that have a column, ascending. Other cells must stay empty.
    named: Vec<usize>,
}

impl Header {
    /// Maps the header row, or reports every unknown, repeated or missing column at once.
    pub(crate) fn resolve(row: &RawRow) -> Result<Header, Vec<RowError>> {
        let mut header = Header {
            positions: [None; Column::ALL.len()],
            named: Vec::new(),
        };
        let mut errors = Vec::new();
        for (index, cell) in &row.cells {
            let text = match cell {
                Ok(text) => text.trim(),
                Err(bad) => bad.value.as_str(),
            };
            if let Err(message) = header.place(*index, text) {
                errors.push(RowError::new(row.number, "", text, message));
            }
        }
        for column in Column::ALL {
            if column.spec().required && header.position(column).is_none() {
                errors.push(missing(row.number, column));
            }
        }
        if errors.is_empty() {
            Ok(header)
        } else {
            Err(errors)
        }
    }

    /// Records which column the header cell at `index` names; a blank cell names none.
    fn place(&mut self, index: usize, text: &str) -> Result<(), String> {
        if text.is_empty() {
            return Ok(());
        }
        let column = Column::from_header(text).ok_or_else(|| {
            format!(
                "无法识别的列名“{text}”:列名应为导入说明中的代码名(如 revenue)或中文名(如 营业收入)"
            )
        })?;
        let slot = &mut self.positions[column as usize];
        if slot.is_some() {
            return Err(format!(
                "列 {}({})出现了不止一次:每列只能有一个",
                column.name(),
                column.label()
            ));
        }
        *slot = Some(index);
        self.named.push(index);
        Ok(())
    }

    pub(crate) fn position(&self, column: Column) -> Option<usize> {
        self.positions[column as usize]
    }

    /// Whether the cell at `index` falls under a column.
    pub(crate) fn is_named(&self, index: usize) -> bool {
        self.named.binary_search(&index).is_ok()
    }
}

fn missing(row: usize, column: Column) -> RowError {
    RowError::new(
        row,
        "",
        "",
        format!("缺少必填列 {}({})", column.name(), column.label()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header_row(cells: &[&str]) -> RawRow {
        RawRow {
            number: 1,
            cells: cells
                .iter()
                .map(|c| Ok(c.to_string()))
                .enumerate()
                .collect(),
        }
    }

    const REQUIRED: [&str; 6] = [
        "credit_code",
        "name",
        "industry_code",
        "region_code",
        "ownership",
        "year",
    ];

    #[test]
    fn maps_names_and_labels_in_any_order() {
        let mut cells = vec!["营业收入", ""];
        cells.extend(REQUIRED.iter().rev());
        let header = Header::resolve(&header_row(&cells)).unwrap();
        assert_eq!(header.position(Column::Revenue), Some(0));
        assert_eq!(header.position(Column::CreditCode), Some(7));
        assert_eq!(header.position(Column::Tags), None);
        assert!(header.is_named(0) && !header.is_named(1) && !header.is_named(8));
    }

    #[test]
    fn reports_every_unknown_repeated_and_missing_column() {
        let errors =
            Header::resolve(&header_row(&["营收", "name", "企业名称", "year"])).unwrap_err();
        let messages: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(errors.len(), 6, "{messages:?}");
        assert_eq!(errors[0].value, "营收");
        assert!(messages[0].contains("无法识别的列名“营收”"));
        assert!(messages[1].contains("出现了不止一次"));
        assert!(messages[2].contains("缺少必填列 credit_code"));
        assert!(errors.iter().all(|e| e.row == 1 && e.column.is_empty()));
    }
}
