//! Import: from the rows a format reader produced to records, or to a report of every problem.
//!
//! The CSV and XLSX readers only turn bytes into [`RawRow`]s of text; everything after that
//! (header, cell values, cross-row rules) is shared, so both formats accept and reject the same.

mod checks;
mod draft;
mod header;
mod row;
mod stream;
mod values;

use crate::format::FileFormat;
use crate::record::EnterpriseRecord;
use crate::report::{ImportReport, RowError};
use checks::CrossRowChecks;
use draft::Draft;
use header::Header;
use row::RowReader;
pub use stream::{CsvPieces, EnterpriseRows, EnterpriseStream, SheetPiece};

/// A cell as a reader found it: its text, or why it has none usable (an Excel error value).
pub(crate) type Cell = Result<String, BadCell>;

/// A cell that holds no value, such as Excel's `#DIV/0!`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BadCell {
    /// What the cell shows, for the report.
    pub(crate) value: String,
    pub(crate) message: String,
}

/// A row of the file, with the number the user sees it under.
#[derive(Debug)]
pub(crate) struct RawRow {
    pub(crate) number: usize,
    /// (column index, cell) in ascending index order, A = 0. Sparse, because a spreadsheet
    /// row may hold a stray cell far to the right and padding would cost memory per row.
    pub(crate) cells: Vec<(usize, Cell)>,
}

impl RawRow {
    /// Spreadsheets are full of empty or formatted-but-empty rows; they carry no data.
    pub(crate) fn is_blank(&self) -> bool {
        self.cells.iter().all(|(_, cell)| is_blank(cell))
    }

    /// The cell at column `index`, if the row has one.
    pub(crate) fn cell(&self, index: usize) -> Option<&Cell> {
        self.cells
            .binary_search_by_key(&index, |(i, _)| *i)
            .ok()
            .map(|found| &self.cells[found].1)
    }
}

pub(crate) fn is_blank(cell: &Cell) -> bool {
    matches!(cell, Ok(text) if text.trim().is_empty())
}

/// What a format reader found: the rows, and the problems only it can see (such as a CSV line
/// with the wrong number of fields, which is left out of `rows`).
#[derive(Default)]
pub(crate) struct Sheet {
    pub(crate) rows: Vec<RawRow>,
    pub(crate) errors: Vec<RowError>,
}

/// Parses a whole enterprise file.
///
/// Any bad row makes the result `Err` with every problem of every row and no records, so a
/// file is either imported whole or fixed in one pass. Never panics, whatever the bytes.
pub fn parse_enterprises(
    bytes: &[u8],
    format: FileFormat,
) -> Result<Vec<EnterpriseRecord>, ImportReport> {
    let sheet = match format {
        FileFormat::Csv => crate::csv::read_sheet(bytes),
        FileFormat::Xlsx => crate::xlsx::read_sheet(bytes),
    };
    let sheet = sheet.map_err(|error| ImportReport {
        rows: 0,
        errors: vec![error],
    })?;
    parse_sheet(sheet)
}

/// The header is the first non-blank row; every later non-blank row is data.
fn parse_sheet(sheet: Sheet) -> Result<Vec<EnterpriseRecord>, ImportReport> {
    let mut rows = sheet.rows.into_iter().filter(|row| !row.is_blank());
    let header_row = rows.next();
    let data: Vec<RawRow> = rows.collect();
    let data_rows = data.len() + sheet.errors.len();
    let reject = |errors| ImportReport {
        rows: data_rows,
        errors,
    };
    let Some(header_row) = header_row.filter(|_| data_rows > 0) else {
        return Err(reject(vec![RowError::file("文件中没有数据行")]));
    };
    let header = Header::resolve(&header_row).map_err(reject)?;
    let mut errors = sheet.errors;
    match parse_data(&header, &data, &mut errors) {
        Some(records) => Ok(records),
        None => {
            errors.sort_by_key(|error| error.row);
            Err(reject(errors))
        }
    }
}

/// Reads every data row, adding all problems to `errors`; the records when there are none
/// (counting those already in `errors`).
fn parse_data(
    header: &Header,
    data: &[RawRow],
    errors: &mut Vec<RowError>,
) -> Option<Vec<EnterpriseRecord>> {
    let mut records = Vec::with_capacity(data.len());
    let mut checks = CrossRowChecks::default();
    for raw in data {
        records.extend(read_row(header, raw, &mut checks, errors));
    }
    errors.is_empty().then_some(records)
}

/// One data row's record, or its problems added to `errors`.
fn read_row(
    header: &Header,
    raw: &RawRow,
    checks: &mut CrossRowChecks,
    errors: &mut Vec<RowError>,
) -> Option<EnterpriseRecord> {
    let mut reader = RowReader::new(header, raw);
    let draft = Draft::read(&mut reader);
    checks.check(&draft, &mut reader);
    let row_errors = reader.into_errors();
    if row_errors.is_empty() {
        // A row without errors has every column parsed, so this always gives the record.
        draft.into_record()
    } else {
        errors.extend(row_errors);
        None
    }
}
