//! CSV: reading what Excel and text editors save, and writing what Excel opens correctly.

use crate::columns::{COLUMNS, Column};
use crate::export::{Value, value};
use crate::import::{RawRow, Sheet};
use crate::record::EnterpriseRecord;
use crate::report::RowError;
use csv::{ReaderBuilder, StringRecord, Terminator, WriterBuilder};
use std::borrow::Cow;

/// The UTF-8 byte order mark. Excel reads a CSV without it as the local code page (GBK in
/// China) and garbles every Chinese character, so exports start with it.
pub(crate) const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Leading characters that make a spreadsheet treat a cell as a formula. Exported text starting
/// with one is prefixed with an apostrophe (the spreadsheet convention for "this is text"), so a
/// name like "=HYPERLINK(…)" cannot run when the file is opened; import strips it again.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// Reads every record of a CSV file as text rows, numbered by the line each starts on. A record
/// whose field count differs from the header's is reported and left out: its fields cannot be
/// matched to columns.
pub(crate) fn read_sheet(bytes: &[u8]) -> Result<Sheet, RowError> {
    read_lines(bytes.strip_prefix(BOM).unwrap_or(bytes), 1, &mut None)
}

/// Reads whole lines of a CSV file starting on line `first_line` (a piece of the file cut after
/// a line break outside quotes, BOM removed); `header_width` is the field count of the file's
/// first record, set by the piece that holds it.
pub(crate) fn read_lines(
    bytes: &[u8],
    first_line: usize,
    header_width: &mut Option<usize>,
) -> Result<Sheet, RowError> {
    let text = decode(bytes);
    let mut reader = ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut lines = LineCounter::new(text.as_bytes());
    lines.line = first_line;
    let mut sheet = Sheet::default();
    let mut record = StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {
                let start = record.position().map_or(0, |p| p.byte());
                let row = raw_row(lines.line_of(start), &record);
                if row.is_blank() {
                    continue;
                }
                let width = *header_width.get_or_insert(record.len());
                if record.len() == width {
                    sheet.rows.push(row);
                } else {
                    sheet.errors.push(ragged(row.number, record.len(), width));
                }
            }
            Ok(false) => return Ok(sheet),
            Err(e) => return Err(RowError::file(format!("CSV 文件格式有误:{e}"))),
        }
    }
}

fn ragged(row: usize, fields: usize, width: usize) -> RowError {
    RowError::new(
        row,
        "",
        "",
        format!(
            "本行有 {fields} 列,表头有 {width} 列:请检查是否多了或少了逗号(含逗号的内容需用英文双引号括起来)"
        ),
    )
}

/// Line numbers of record starts. The csv crate's own line count lags behind on CRLF line ends
/// and blank lines, and the report must name the line the user sees.
pub(crate) struct LineCounter<'a> {
    text: &'a [u8],
    /// Everything before this offset has been counted.
    offset: usize,
    /// The line `offset` is on.
    line: usize,
}

impl<'a> LineCounter<'a> {
    pub(crate) fn new(text: &'a [u8]) -> Self {
        LineCounter {
            text,
            offset: 0,
            line: 1,
        }
    }

    /// The line of a record the reader reports at byte `position` (where it started looking,
    /// possibly before line breaks it skipped). Positions only grow, so the count is linear.
    pub(crate) fn line_of(&mut self, position: u64) -> usize {
        let from = usize::try_from(position).map_or(self.text.len(), |p| p.min(self.text.len()));
        let breaks = self.text[from..]
            .iter()
            .take_while(|b| matches!(b, b'\r' | b'\n'))
            .count();
        let start = (from + breaks).max(self.offset);
        let newlines = self.text[self.offset..start]
            .iter()
            .filter(|b| **b == b'\n');
        self.line += newlines.count();
        self.offset = start;
        self.line
    }
}

/// UTF-8 when the bytes are valid UTF-8, otherwise GB18030, the superset of the GBK that Excel
/// uses when saving CSV on a Chinese Windows. GB18030 decoding never fails (undecodable bytes
/// become U+FFFD and then fail validation of their cell). A piece cut at a line break decodes
/// like the whole file: neither encoding uses the byte of a line break inside a character.
fn decode(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => encoding_rs::GB18030.decode_without_bom_handling(bytes).0,
    }
}

fn raw_row(number: usize, record: &StringRecord) -> RawRow {
    RawRow {
        number,
        cells: record
            .iter()
            .map(|field| Ok(unguard(field).to_string()))
            .enumerate()
            .collect(),
    }
}

/// Removes the apostrophe [`guard`] added.
fn unguard(field: &str) -> &str {
    match field.strip_prefix('\'') {
        Some(rest) if rest.starts_with(FORMULA_STARTS) => rest,
        _ => field,
    }
}

/// Prefixes text that a spreadsheet would run as a formula.
pub(crate) fn guard(text: Cow<'_, str>) -> Cow<'_, str> {
    if text.starts_with(FORMULA_STARTS) {
        Cow::Owned(format!("'{text}"))
    } else {
        text
    }
}

/// Writes records as UTF-8 CSV with a BOM, a header of code names and CRLF line ends (what Excel
/// expects); money as plain "1234.56", dates as YYYY-MM-DD, tags joined with ';'.
#[allow(
    clippy::expect_used,
    reason = "CSV written to memory has no I/O to fail"
)]
pub fn write_csv(records: &[EnterpriseRecord]) -> Vec<u8> {
    let mut out = BOM.to_vec();
    let mut writer = WriterBuilder::new()
        .terminator(Terminator::CRLF)
        .from_writer(&mut out);
    // Writing equal-length records into a Vec<u8> has no failure mode.
    writer
        .write_record(COLUMNS.iter().map(|c| c.name))
        .expect("CSV to memory");
    for record in records {
        let fields = Column::ALL.map(|column| field(value(record, column)));
        writer
            .write_record(fields.iter().map(|f| f.as_ref()))
            .expect("CSV to memory");
    }
    writer.flush().expect("CSV to memory");
    drop(writer);
    out
}

fn field(value: Value<'_>) -> Cow<'_, str> {
    match value {
        Value::Blank => Cow::Borrowed(""),
        Value::Text(text) => guard(text),
        Value::Code(code) => guard(Cow::Borrowed(code)),
        Value::Choice { code, .. } => Cow::Borrowed(code),
        Value::Date(date) => Cow::Owned(date.format("%Y-%m-%d").to_string()),
        Value::Integer(n) => Cow::Owned(n.to_string()),
        Value::Money(amount) => Cow::Owned(amount.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_utf8_with_and_without_bom_and_gbk() {
        assert_eq!(decode("企业,1".as_bytes()), "企业,1");
        assert_eq!(
            read_sheet(b"\xEF\xBB\xBFname").unwrap().rows[0].cells[0].1,
            Ok("name".into())
        );
        // "企业" in GBK.
        assert_eq!(decode(b"\xC6\xF3\xD2\xB5"), "企业");
    }

    #[test]
    fn rows_are_numbered_by_line_including_blank_lines() {
        let sheet = read_sheet(b"a,b\r\n\r\n1,2\n3,\"x\ny\"\r\n,\n\n5,6").unwrap();
        let numbers: Vec<usize> = sheet.rows.iter().map(|r| r.number).collect();
        assert_eq!(numbers, [1, 3, 4, 8]);
        let third = &sheet.rows[2].cells;
        assert_eq!(
            third,
            &[(0, Ok("3".to_string())), (1, Ok("x\ny".to_string()))]
        );
    }

    #[test]
    fn records_of_the_wrong_width_are_reported() {
        let sheet = read_sheet(b"a,b\n1,2,3\n4\n5,6").unwrap();
        assert_eq!(sheet.rows.len(), 2);
        let rows: Vec<usize> = sheet.errors.iter().map(|e| e.row).collect();
        assert_eq!(rows, [2, 3]);
        assert!(sheet.errors[0].message.contains("本行有 3 列,表头有 2 列"));
    }

    #[test]
    fn formula_like_text_is_guarded_and_restored() {
        for text in ["=1+1", "+86", "-", "@x", "普通"] {
            assert_eq!(unguard(&guard(Cow::Borrowed(text))), text);
        }
        assert_eq!(guard(Cow::Borrowed("=SUM(A1)")), "'=SUM(A1)");
        assert_eq!(unguard("'普通"), "'普通");
    }
}
