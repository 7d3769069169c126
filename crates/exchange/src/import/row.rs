//! Reading the cells of one data row, collecting a [`RowError`] for each bad one.

use super::header::Header;
use super::{Cell, RawRow, is_blank};
use crate::columns::Column;
use crate::report::RowError;

/// One data row being read. Every problem is recorded and reading goes on, so the report names
/// all bad cells of the row, not just the first.
pub(crate) struct RowReader<'a> {
    header: &'a Header,
    row: &'a RawRow,
    /// Each problem with the index of its cell, to list them left to right as the file shows.
    errors: Vec<(usize, RowError)>,
}

impl<'a> RowReader<'a> {
    /// Starts reading `row`; content outside the header's columns is reported straight away,
    /// since no column would receive it.
    pub(crate) fn new(header: &'a Header, row: &'a RawRow) -> Self {
        let mut reader = RowReader {
            header,
            row,
            errors: Vec::new(),
        };
        reader.check_unnamed_cells();
        reader
    }

    /// The row number the user sees.
    pub(crate) fn number(&self) -> usize {
        self.row.number
    }

    /// A column's value: `Some(None)` when the column is absent or the cell blank, `Some(Some)`
    /// when `parse` accepts the trimmed text, `None` (with the error recorded) otherwise.
    pub(crate) fn optional<T>(
        &mut self,
        column: Column,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<Option<T>> {
        let Some(cell) = self.cell(column) else {
            return Some(None);
        };
        match cell {
            Err(bad) => {
                self.error(column, bad.message.as_str());
                None
            }
            Ok(text) if text.trim().is_empty() => Some(None),
            Ok(text) => match parse(text.trim()) {
                Ok(value) => Some(Some(value)),
                Err(message) => {
                    self.error(column, message);
                    None
                }
            },
        }
    }

    /// Like [`RowReader::optional`], but a blank cell is an error too.
    pub(crate) fn required<T>(
        &mut self,
        column: Column,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<T> {
        match self.optional(column, parse)? {
            Some(value) => Some(value),
            None => {
                self.error(column, format!("{}不能为空", column.label()));
                None
            }
        }
    }

    /// Records a problem with `column` of this row, quoting the cell's text.
    pub(crate) fn error(&mut self, column: Column, message: impl Into<String>) {
        let value = self.cell(column).map_or("", shown);
        let index = self.header.position(column).unwrap_or(0);
        let error = RowError::new(self.row.number, column.name(), value, message);
        self.errors.push((index, error));
    }

    /// The problems of the row, left to right.
    pub(crate) fn into_errors(mut self) -> Vec<RowError> {
        self.errors.sort_by_key(|(index, _)| *index);
        self.errors.into_iter().map(|(_, error)| error).collect()
    }

    fn cell(&self, column: Column) -> Option<&'a Cell> {
        let row = self.row;
        self.header
            .position(column)
            .and_then(|index| row.cell(index))
    }

    fn check_unnamed_cells(&mut self) {
        for (index, cell) in &self.row.cells {
            if self.header.is_named(*index) || is_blank(cell) {
                continue;
            }
            let message = format!(
                "第 {} 列({} 列)没有列名,但本行该列有内容:请补上列名或删除该列",
                index + 1,
                column_letters(*index)
            );
            let error = RowError::new(self.row.number, "", shown(cell), message);
            self.errors.push((*index, error));
        }
    }
}

/// A cell's text as the report quotes it.
fn shown(cell: &Cell) -> &str {
    match cell {
        Ok(text) => text.trim(),
        Err(bad) => &bad.value,
    }
}

/// The spreadsheet name of a column: 0 → "A", 25 → "Z", 26 → "AA".
fn column_letters(index: usize) -> String {
    let mut letters = Vec::new();
    let mut n = index + 1;
    while n > 0 {
        let rest = (n - 1) % 26;
        letters.push(char::from(b'A' + rest as u8));
        n = (n - 1) / 26;
    }
    letters.iter().rev().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_letters_count_like_excel() {
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(25), "Z");
        assert_eq!(column_letters(26), "AA");
        assert_eq!(column_letters(16_383), "XFD");
    }
}
