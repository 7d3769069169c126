//! A CSV enterprise file read piece by piece, so a file of millions of rows never exists in
//! memory as text or as records: the caller feeds the bytes as it reads them and gets each
//! good row's record straight away. Rows are checked exactly as [`parse_enterprises`] checks
//! them (same header, cell and cross-row rules, same messages and row numbers).
//!
//! [`parse_enterprises`]: super::parse_enterprises

use super::checks::CrossRowChecks;
use super::header::Header;
use super::{RawRow, Sheet, read_row};
use crate::csv::{BOM, read_lines};
use crate::record::EnterpriseRecord;
use crate::report::{ImportReport, RowError};

/// A CSV enterprise file read piece by piece: [`CsvPieces`] cuts the bytes into whole lines and
/// splits them into cells, [`EnterpriseRows`] reads the cells into records. The two stages can
/// run on two threads, a [`SheetPiece`] passing between them.
pub struct EnterpriseStream {
    pieces: CsvPieces,
    rows: EnterpriseRows,
}

impl Default for EnterpriseStream {
    fn default() -> Self {
        EnterpriseStream::new()
    }
}

impl EnterpriseStream {
    pub fn new() -> EnterpriseStream {
        EnterpriseStream {
            pieces: CsvPieces::new(),
            rows: EnterpriseRows::default(),
        }
    }

    /// Reads the complete lines `bytes` ends (with what earlier pieces left over), calling
    /// `each` with the record of every good row. Problems are kept for [`EnterpriseStream::finish`].
    pub fn feed(&mut self, bytes: &[u8], each: &mut impl FnMut(EnterpriseRecord)) {
        if let Some(piece) = self.pieces.feed(bytes) {
            self.rows.read(piece, each);
        }
    }

    /// Reads what is left (a last line without a line break) and says how the file went, like
    /// [`EnterpriseRows::finish`].
    pub fn finish(
        mut self,
        each: &mut impl FnMut(EnterpriseRecord),
    ) -> Result<usize, ImportReport> {
        if let Some(piece) = self.pieces.finish() {
            self.rows.read(piece, each);
        }
        self.rows.finish()
    }
}

/// Whole lines of the file split into cells, numbered as the user sees them.
pub struct SheetPiece(Result<Sheet, RowError>);

/// The first stage: bytes into whole lines and cells.
#[derive(Default)]
pub struct CsvPieces {
    /// Bytes after the last complete line seen.
    pending: Vec<u8>,
    /// How far `pending` has been scanned for line ends, and whether that point is in quotes.
    scanned: usize,
    in_quotes: bool,
    /// The end of the last complete line in `pending` (after its line break).
    cut: usize,
    /// Whether the start of the file (and its BOM) has been seen.
    started: bool,
    /// The line `pending` starts on.
    line: usize,
    header_width: Option<usize>,
}

impl CsvPieces {
    pub fn new() -> CsvPieces {
        CsvPieces {
            line: 1,
            ..CsvPieces::default()
        }
    }

    /// The complete lines `bytes` ends, with what earlier pieces left over; `None` when it ends
    /// none.
    pub fn feed(&mut self, bytes: &[u8]) -> Option<SheetPiece> {
        let bytes = if self.started {
            bytes
        } else {
            self.started = true;
            bytes.strip_prefix(BOM).unwrap_or(bytes)
        };
        self.pending.extend_from_slice(bytes);
        self.find_last_line_end();
        if self.cut == 0 {
            return None;
        }
        let rest = self.pending.split_off(self.cut);
        let lines = std::mem::replace(&mut self.pending, rest);
        self.scanned -= self.cut;
        self.cut = 0;
        self.read(&lines)
    }

    /// The last line, when the file does not end with a line break.
    pub fn finish(mut self) -> Option<SheetPiece> {
        let last = std::mem::take(&mut self.pending);
        self.read(&last)
    }

    /// Moves `cut` to after the last line break outside quotes (a doubled quote inside quotes
    /// toggles twice, so counting quotes is enough).
    fn find_last_line_end(&mut self) {
        for (i, &b) in self.pending.iter().enumerate().skip(self.scanned) {
            match b {
                b'"' => self.in_quotes = !self.in_quotes,
                b'\n' if !self.in_quotes => self.cut = i + 1,
                _ => {}
            }
        }
        self.scanned = self.pending.len();
    }

    fn read(&mut self, lines: &[u8]) -> Option<SheetPiece> {
        if lines.is_empty() {
            return None;
        }
        let first_line = self.line;
        self.line += lines.iter().filter(|&&b| b == b'\n').count();
        Some(SheetPiece(read_lines(
            lines,
            first_line,
            &mut self.header_width,
        )))
    }
}

/// The second stage: cells into records, with every check of [`parse_enterprises`].
///
/// [`parse_enterprises`]: super::parse_enterprises
#[derive(Default)]
pub struct EnterpriseRows {
    /// `None` until the header row is read; `Some(None)` when it was unusable.
    header: Option<Option<Header>>,
    checks: CrossRowChecks,
    errors: Vec<RowError>,
    data_rows: usize,
}

impl EnterpriseRows {
    /// Calls `each` with the record of every good row of `piece`; problems are kept.
    pub fn read(&mut self, piece: SheetPiece, each: &mut impl FnMut(EnterpriseRecord)) {
        let sheet = match piece.0 {
            Ok(sheet) => sheet,
            Err(error) => {
                self.errors.push(error);
                return;
            }
        };
        self.data_rows += sheet.errors.len();
        self.errors.extend(sheet.errors);
        for raw in sheet.rows.iter().filter(|row| !row.is_blank()) {
            self.read_raw(raw, each);
        }
    }

    /// The number of data rows, or every problem of every row (then the records given to
    /// `each` must be dropped: a file is taken whole or not at all).
    pub fn finish(self) -> Result<usize, ImportReport> {
        let mut errors = self.errors;
        if self.header.is_none() || self.data_rows == 0 && errors.is_empty() {
            errors = vec![RowError::file("文件中没有数据行")];
        }
        if errors.is_empty() {
            return Ok(self.data_rows);
        }
        errors.sort_by_key(|error| error.row);
        Err(ImportReport {
            rows: self.data_rows,
            errors,
        })
    }

    fn read_raw(&mut self, raw: &RawRow, each: &mut impl FnMut(EnterpriseRecord)) {
        let Some(header) = &self.header else {
            let header = Header::resolve(raw).map_err(|errors| self.errors.extend(errors));
            self.header = Some(header.ok());
            return;
        };
        self.data_rows += 1;
        // Without a usable header the rows cannot be read; the header's problems say why.
        if let Some(header) = header
            && let Some(record) = read_row(header, raw, &mut self.checks, &mut self.errors)
        {
            each(record);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::FileFormat;
    use crate::import::parse_enterprises;

    /// Feeds `bytes` in pieces of `size` bytes.
    fn stream(bytes: &[u8], size: usize) -> Result<Vec<EnterpriseRecord>, ImportReport> {
        let mut records = Vec::new();
        let mut each = |r| records.push(r);
        let mut s = EnterpriseStream::new();
        for piece in bytes.chunks(size) {
            s.feed(piece, &mut each);
        }
        s.finish(&mut each).map(|_| records)
    }

    const HEADER: &str =
        "credit_code,name,industry_code,region_code,ownership,year,revenue,tags\r\n";

    fn file(rows: &[&str]) -> Vec<u8> {
        let mut text = format!("\u{feff}{HEADER}");
        for r in rows {
            text.push_str(r);
            text.push_str("\r\n");
        }
        text.into_bytes()
    }

    #[test]
    fn any_piece_size_reads_like_the_whole_file() {
        let bytes = file(&[
            "91350521MA0000001R,\"甲公司,有限\",C3311,350521,private,2024,100,",
            "",
            "91350521MA0000001R,\"甲公司,有限\",C3311,350521,private,2025,120.5,",
        ]);
        let whole = parse_enterprises(&bytes, FileFormat::Csv);
        assert_eq!(whole.as_ref().map(Vec::len), Ok(2));
        for size in [1, 2, 3, 7, 64, 100_000] {
            assert_eq!(stream(&bytes, size), whole, "pieces of {size} bytes");
        }
    }

    #[test]
    fn problems_name_the_row_and_column_as_the_whole_file_does() {
        let bytes = file(&[
            "91350521MA0000001R,甲公司,C3311,350521,private,2024,12x,",
            "91350521MA0000001R,甲公司,C3311,350521,private,2024,1,",
            "only,three,fields",
        ]);
        let whole = parse_enterprises(&bytes, FileFormat::Csv).unwrap_err();
        let streamed = stream(&bytes, 5).unwrap_err();
        assert_eq!(streamed, whole);
        assert!(
            streamed
                .errors
                .iter()
                .any(|e| e.row == 2 && e.column == "revenue")
        );
        assert!(
            streamed
                .errors
                .iter()
                .any(|e| e.row == 3 && e.column == "year")
        );
        assert!(
            streamed
                .errors
                .iter()
                .any(|e| e.row == 4 && e.message.contains("本行有 3 列"))
        );
    }

    /// A code of the demo district for enterprise `n`.
    fn code(n: usize) -> String {
        let body = format!("91350521MA{n:07}");
        let check = qinqing_domain::credit_code::check_char(&body).unwrap();
        format!("{body}{check}")
    }

    #[test]
    fn a_long_file_reads_and_reports_like_the_whole_file() {
        // 6,000 rows: a year given twice, a changed name and a bad figure far apart, read in
        // one piece and in many.
        let mut rows: Vec<String> = (0..3000)
            .flat_map(|n| {
                [2024, 2025].map(|y| format!("{},公司{n},C3311,350521,private,{y},{n},", code(n)))
            })
            .collect();
        let good = file(&rows.iter().map(String::as_str).collect::<Vec<_>>());
        let whole = parse_enterprises(&good, FileFormat::Csv);
        assert_eq!(whole.as_ref().map(Vec::len), Ok(6000));
        assert_eq!(stream(&good, 1 << 20), whole);

        rows[3] = format!("{},公司1,C3311,350521,private,2024,1,", code(1));
        rows[3101] = format!("{},别的名字,C3311,350521,private,2025,1,", code(1550));
        rows[5998] = format!("{},公司2999,C3311,350521,private,2024,12x,", code(2999));
        let bad = file(&rows.iter().map(String::as_str).collect::<Vec<_>>());
        let whole = parse_enterprises(&bad, FileFormat::Csv).unwrap_err();
        assert_eq!(whole.errors.len(), 3, "{whole:?}");
        assert_eq!(stream(&bad, 1 << 20).unwrap_err(), whole);
        assert_eq!(stream(&bad, 4096).unwrap_err(), whole);
    }

    #[test]
    fn an_empty_file_or_a_header_alone_has_no_data_rows() {
        for bytes in [&b""[..], HEADER.as_bytes()] {
            let report = stream(bytes, 4).unwrap_err();
            assert_eq!(report.errors[0].message, "文件中没有数据行");
        }
    }
}
