//! Report tables (dashboards, 统计报表) as CSV and XLSX that Excel opens correctly.
//!
//! A report is a list of tables of typed cells. CSV is written like the enterprise export (UTF-8
//! with a BOM, CRLF, formula-like text guarded); XLSX gets one sheet per table with a bold,
//! frozen, filterable header, numbers as numbers with Chinese-friendly column widths, and the
//! same exactness rule as the enterprise export: numbers Excel cannot hold exactly are text.

use crate::csv::{BOM, guard};
use crate::export::ExportError;
use crate::xlsx::{EXACT_IN_EXCEL, Formats, write_integer, write_money};
use csv::{Terminator, WriterBuilder};
use qinqing_domain::Money;
use rust_xlsxwriter::{ColNum, RowNum, Workbook, Worksheet, XlsxError};
use std::borrow::Cow;
use std::collections::HashSet;

/// One cell of a report table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    Text(String),
    Integer(i64),
    Money(Money),
    /// A share in basis points of one (e.g. 9870 = 98.70 %).
    Percent(i64),
    Blank,
}

/// One report table: a sheet of the workbook, or a whole CSV file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Table {
    /// The sheet name. Sanitised when written: characters Excel forbids (`[]:*?/\`, control
    /// characters) become `_`, leading and trailing apostrophes and spaces are dropped, the name
    /// is cut to Excel's 31 characters and made unique; an empty title becomes `Sheet<n>`.
    pub title: String,
    pub headers: Vec<String>,
    /// Rows may be shorter or longer than the header; missing cells are blank.
    pub rows: Vec<Vec<Cell>>,
}

impl Cell {
    pub fn text(text: &str) -> Cell {
        Cell::Text(text.to_string())
    }

    /// A figure given as text that may be missing (an average of nothing): blank then.
    pub fn text_or_blank(text: Option<&str>) -> Cell {
        text.map_or(Cell::Blank, Cell::text)
    }

    /// A share in basis points that may be missing (nothing to divide by): blank then.
    pub fn percent_or_blank(bp: Option<i64>) -> Cell {
        bp.map_or(Cell::Blank, Cell::Percent)
    }
}

impl Table {
    /// A table with these headers, one row per item of `rows`.
    pub fn new(title: &str, headers: &[&str], rows: impl IntoIterator<Item = Vec<Cell>>) -> Table {
        Table {
            title: title.to_string(),
            headers: headers.iter().map(|h| h.to_string()).collect(),
            rows: rows.into_iter().collect(),
        }
    }

    /// A dashboard's summary: one row per figure, its name and its value, under the headers
    /// 指标 and 数值. Dashboards put it first, so that it is what their CSV export holds.
    pub fn figures<'a>(title: &str, figures: impl IntoIterator<Item = (&'a str, Cell)>) -> Table {
        let rows = figures
            .into_iter()
            .map(|(name, value)| vec![Cell::text(name), value]);
        Table::new(title, &["指标", "数值"], rows)
    }

    /// The number of columns: the header's or the longest row's, whichever is larger.
    fn width(&self) -> usize {
        self.rows
            .iter()
            .map(Vec::len)
            .fold(self.headers.len(), usize::max)
    }
}

/// Writes a table as UTF-8 CSV with a BOM, CRLF line ends and a header row (what Excel
/// expects); money as plain "1234.56", percent as "98.70%", integers as digits, blank cells
/// empty. Text (headers included) that a spreadsheet would run as a formula is prefixed with an
/// apostrophe, as in the enterprise export. Every record has the table's width. The title is not
/// written (a CSV file has no sheet name).
#[allow(
    clippy::expect_used,
    reason = "CSV written to memory has no I/O to fail"
)]
pub fn write_table_csv(table: &Table) -> Vec<u8> {
    let mut out = BOM.to_vec();
    let width = table.width();
    if width == 0 {
        return out;
    }
    let mut writer = WriterBuilder::new()
        .terminator(Terminator::CRLF)
        .from_writer(&mut out);
    // Writing equal-length records into a Vec<u8> has no failure mode.
    let header = (0..width).map(|i| {
        table
            .headers
            .get(i)
            .map_or(Cow::Borrowed(""), |h| guard(Cow::Borrowed(h.as_str())))
    });
    writer
        .write_record(header.collect::<Vec<_>>().iter().map(|f| f.as_bytes()))
        .expect("CSV to memory");
    for row in &table.rows {
        let fields = (0..width).map(|i| row.get(i).map_or(Cow::Borrowed(""), csv_field));
        writer
            .write_record(fields.collect::<Vec<_>>().iter().map(|f| f.as_bytes()))
            .expect("CSV to memory");
    }
    writer.flush().expect("CSV to memory");
    drop(writer);
    out
}

fn csv_field(cell: &Cell) -> Cow<'_, str> {
    match cell {
        Cell::Text(text) => guard(Cow::Borrowed(text.as_str())),
        other => cell_text(other),
    }
}

/// The cell as a person reads it (a PDF shows it so); CSV writes the same, with formula-like
/// text guarded.
pub(crate) fn cell_text(cell: &Cell) -> Cow<'_, str> {
    match cell {
        Cell::Text(text) => Cow::Borrowed(text.as_str()),
        Cell::Integer(n) => Cow::Owned(n.to_string()),
        Cell::Money(amount) => Cow::Owned(amount.to_string()),
        Cell::Percent(bp) => Cow::Owned(percent_text(*bp)),
        Cell::Blank => Cow::Borrowed(""),
    }
}

/// Basis points as a percentage with two decimals: 9870 → "98.70%", -5 → "-0.05%".
fn percent_text(bp: i64) -> String {
    let sign = if bp < 0 { "-" } else { "" };
    let abs = bp.unsigned_abs();
    format!("{sign}{}.{:02}%", abs / 100, abs % 100)
}

/// Writes the tables to an XLSX workbook, one sheet per table in order, named after the
/// sanitised titles (see [`Table::title`]). Each sheet has a bold, frozen header row with an
/// autofilter over the table; money is a number formatted "#,##0.00", percent a number (9870 →
/// 0.987) formatted "0.00%", integers numbers formatted "0", text text. Integers, amounts and
/// percentages beyond the 15 digits Excel holds exactly are written as text ("1234.56",
/// "98.70%") so no digit is lost. Columns are sized to their content, counting Chinese
/// characters double. An empty slice gives a workbook with one empty sheet.
///
/// Fails when a table does not fit a sheet (more than 1 048 575 rows or 16 384 columns) or a
/// text is longer than the 32 767 characters a cell holds.
pub fn write_table_xlsx(tables: &[Table]) -> Result<Vec<u8>, ExportError> {
    let mut workbook = Workbook::new();
    let formats = Formats::new();
    let mut names = SheetNames::default();
    for (index, table) in tables.iter().enumerate() {
        let sheet = workbook.add_worksheet();
        sheet.set_name(names.claim(&table.title, index))?;
        write_sheet(sheet, table, &formats)?;
    }
    Ok(workbook.save_to_buffer()?)
}

fn write_sheet(sheet: &mut Worksheet, table: &Table, formats: &Formats) -> Result<(), XlsxError> {
    let width = table.width();
    if width == 0 {
        return Ok(());
    }
    let last_col = column_number(width - 1)?;
    let mut widths = vec![0usize; width];
    for (i, header) in table.headers.iter().enumerate() {
        let col = column_number(i)?;
        sheet.write_string_with_format(0, col, header, &formats.header)?;
        // Bold text and the filter button need room beyond the characters.
        widths[i] = display_width(header) + 3;
    }
    let mut last_row: RowNum = 0;
    for row in &table.rows {
        last_row = last_row
            .checked_add(1)
            .ok_or(XlsxError::RowColumnLimitError)?;
        for (i, cell) in row.iter().enumerate() {
            let col = column_number(i)?;
            write_cell(sheet, last_row, col, cell, formats)?;
            widths[i] = widths[i].max(shown_width(cell));
        }
    }
    for (i, chars) in widths.into_iter().enumerate() {
        sheet.set_column_width(column_number(i)?, column_width(chars))?;
    }
    sheet.set_freeze_panes(1, 0)?;
    sheet.autofilter(0, 0, last_row, last_col)?;
    Ok(())
}

fn column_number(index: usize) -> Result<ColNum, XlsxError> {
    ColNum::try_from(index).map_err(|_| XlsxError::RowColumnLimitError)
}

fn write_cell(
    sheet: &mut Worksheet,
    row: RowNum,
    col: ColNum,
    cell: &Cell,
    formats: &Formats,
) -> Result<(), XlsxError> {
    match cell {
        Cell::Text(text) => {
            sheet.write_string_with_format(row, col, text, &formats.text)?;
        }
        Cell::Integer(n) => write_integer(sheet, row, col, i128::from(*n), formats)?,
        Cell::Money(amount) => write_money(sheet, row, col, *amount, formats)?,
        Cell::Percent(bp) if u128::from(bp.unsigned_abs()) < EXACT_IN_EXCEL => {
            // With at most 15 significant digits, the double nearest bp / 10 000 shows exactly
            // the two-decimal percentage.
            let share = *bp as f64 / 10_000.0;
            sheet.write_number_with_format(row, col, share, &formats.percent)?;
        }
        Cell::Percent(bp) => {
            sheet.write_string_with_format(row, col, percent_text(*bp), &formats.text)?;
        }
        Cell::Blank => {}
    }
    Ok(())
}

/// The width of a cell as Excel shows it, in character units.
fn shown_width(cell: &Cell) -> usize {
    match cell {
        Cell::Text(text) => display_width(text),
        Cell::Integer(n) => n.to_string().len(),
        Cell::Money(amount) => amount.format_grouped().len(),
        Cell::Percent(bp) => percent_text(*bp).len(),
        Cell::Blank => 0,
    }
}

/// The width of the longest line of `text`, counting East Asian wide characters (汉字, full-width
/// punctuation) as two units, as they are about twice as wide as a digit in Excel's default font.
fn display_width(text: &str) -> usize {
    text.lines()
        .map(|line| line.chars().map(|c| if is_wide(c) { 2 } else { 1 }).sum())
        .max()
        .unwrap_or(0)
}

fn is_wide(c: char) -> bool {
    matches!(
        u32::from(c),
        0x1100..=0x115F // Hangul Jamo
            | 0x2E80..=0x303E // CJK radicals, punctuation
            | 0x3041..=0x4DBF // kana, bopomofo, CJK extension A
            | 0x4E00..=0x9FFF // CJK unified ideographs
            | 0xA000..=0xA4CF // Yi
            | 0xAC00..=0xD7A3 // Hangul syllables
            | 0xF900..=0xFAFF // CJK compatibility ideographs
            | 0xFE30..=0xFE4F // CJK compatibility forms
            | 0xFF00..=0xFF60 // full-width forms
            | 0xFFE0..=0xFFE6
            | 0x1F300..=0x1F64F // emoji
            | 0x1F900..=0x1F9FF
            | 0x20000..=0x3FFFD // CJK extensions B and later
    )
}

/// Column width in Excel's character units: content plus a margin, between a readable minimum
/// and a maximum beyond which long text is better cut off than stretching the sheet.
fn column_width(chars: usize) -> f64 {
    const MIN: usize = 8;
    const MAX: usize = 60;
    // Clamped to 8..=60, so the conversion is exact.
    (chars + 2).clamp(MIN, MAX) as f64
}

/// Sheet names handed out so far, to keep them unique as Excel requires (ignoring case).
struct SheetNames {
    taken: HashSet<String>,
}

impl Default for SheetNames {
    fn default() -> Self {
        // Excel reserves "History" for change tracking and refuses a sheet of that name.
        SheetNames {
            taken: HashSet::from(["history".to_string()]),
        }
    }
}

/// Excel's limit on sheet names, in UTF-16 units.
const MAX_SHEET_NAME: usize = 31;

impl SheetNames {
    /// A valid, unused sheet name for the table at `index` with this title.
    fn claim(&mut self, title: &str, index: usize) -> String {
        let mut base = sanitise(title);
        if base.is_empty() {
            base = format!("Sheet{}", index + 1);
        }
        let mut name = base.clone();
        let mut n = 1;
        while self.taken.contains(&name.to_lowercase()) {
            n += 1;
            let suffix = format!(" ({n})");
            let kept = truncate_utf16(&base, MAX_SHEET_NAME - suffix.len());
            name = format!("{}{suffix}", kept.trim_end_matches(['\'', ' ']));
        }
        self.taken.insert(name.to_lowercase());
        name
    }
}

/// A title as a sheet name Excel accepts (possibly empty).
fn sanitise(title: &str) -> String {
    let replaced: String = title
        .chars()
        .map(|c| {
            if c.is_control() || matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\') {
                '_'
            } else {
                c
            }
        })
        .collect();
    let trimmed = replaced.trim_matches(|c: char| c == '\'' || c.is_whitespace());
    let cut = truncate_utf16(trimmed, MAX_SHEET_NAME);
    cut.trim_end_matches(|c: char| c == '\'' || c.is_whitespace())
        .to_string()
}

/// The longest prefix of `text` of at most `units` UTF-16 units (how Excel counts).
fn truncate_utf16(text: &str, units: usize) -> &str {
    let mut used = 0;
    for (at, c) in text.char_indices() {
        used += c.len_utf16();
        if used > units {
            return &text[..at];
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::{Data, Reader, Xlsx};
    use std::io::Cursor;

    fn text(s: &str) -> Cell {
        Cell::Text(s.to_string())
    }

    fn sample() -> Table {
        Table {
            title: "申报汇总".to_string(),
            headers: vec![
                "区县".to_string(),
                "企业数".to_string(),
                "兑现金额(元)".to_string(),
                "兑现率".to_string(),
            ],
            rows: vec![
                vec![
                    text("鼓楼区"),
                    Cell::Integer(42),
                    Cell::Money(Money::from_fen(123_456)),
                    Cell::Percent(9870),
                ],
                vec![
                    text("=HYPERLINK(\"x\")"),
                    Cell::Integer(-3),
                    Cell::Money(Money::from_fen(-5)),
                    Cell::Percent(-5),
                ],
                vec![text("台江, \"新\"\n区"), Cell::Blank],
            ],
        }
    }

    #[test]
    fn constructors_build_the_same_table_as_the_fields() {
        let figures = Table::figures(
            "概况",
            [
                ("平均", Cell::text_or_blank(None)),
                ("按时率", Cell::percent_or_blank(Some(9870))),
            ],
        );
        let expected = Table {
            title: "概况".to_string(),
            headers: vec!["指标".to_string(), "数值".to_string()],
            rows: vec![
                vec![text("平均"), Cell::Blank],
                vec![text("按时率"), Cell::Percent(9870)],
            ],
        };
        assert_eq!(figures, expected);
        assert_eq!(Cell::text_or_blank(Some("1.50")), text("1.50"));
        assert_eq!(Cell::percent_or_blank(None), Cell::Blank);
    }

    #[test]
    fn csv_has_bom_crlf_formats_and_guard() {
        let bytes = write_table_csv(&sample());
        let expected = "\u{FEFF}区县,企业数,兑现金额(元),兑现率\r\n\
                        鼓楼区,42,1234.56,98.70%\r\n\
                        \"'=HYPERLINK(\"\"x\"\")\",-3,-0.05,-0.05%\r\n\
                        \"台江, \"\"新\"\"\n区\",,,\r\n";
        assert_eq!(String::from_utf8(bytes).unwrap(), expected);
    }

    #[test]
    fn csv_guards_headers_and_pads_to_the_widest_row() {
        let table = Table {
            title: String::new(),
            headers: vec!["-差额".to_string()],
            rows: vec![vec![Cell::Percent(0), Cell::Integer(i64::MIN)], vec![]],
        };
        let bytes = write_table_csv(&table);
        assert_eq!(
            bytes,
            "\u{FEFF}'-差额,\r\n0.00%,-9223372036854775808\r\n,\r\n".as_bytes()
        );
        assert_eq!(write_table_csv(&Table::default()), BOM);
    }

    #[test]
    fn csv_of_zero_rows_is_the_header() {
        let mut table = sample();
        table.rows.clear();
        assert_eq!(
            write_table_csv(&table),
            "\u{FEFF}区县,企业数,兑现金额(元),兑现率\r\n".as_bytes()
        );
    }

    #[test]
    fn percent_text_has_two_decimals() {
        assert_eq!(percent_text(9870), "98.70%");
        assert_eq!(percent_text(10_000), "100.00%");
        assert_eq!(percent_text(7), "0.07%");
        assert_eq!(percent_text(-123), "-1.23%");
        assert_eq!(percent_text(i64::MIN), "-92233720368547758.08%");
    }

    fn read_back(bytes: Vec<u8>) -> Xlsx<Cursor<Vec<u8>>> {
        Xlsx::new(Cursor::new(bytes)).unwrap()
    }

    #[test]
    fn xlsx_has_one_sheet_per_table_with_numbers_as_numbers() {
        let mut empty = sample();
        empty.title = "空表".to_string();
        empty.rows.clear();
        let bytes = write_table_xlsx(&[sample(), empty]).unwrap();
        let mut workbook = read_back(bytes);
        assert_eq!(workbook.sheet_names(), ["申报汇总", "空表"]);

        let range = workbook.worksheet_range("申报汇总").unwrap();
        let header: Vec<&Data> = range.rows().next().unwrap().iter().collect();
        assert_eq!(
            header,
            [
                &Data::String("区县".into()),
                &Data::String("企业数".into()),
                &Data::String("兑现金额(元)".into()),
                &Data::String("兑现率".into()),
            ]
        );
        assert_eq!(
            range.get_value((1, 0)),
            Some(&Data::String("鼓楼区".into()))
        );
        assert_eq!(range.get_value((1, 1)), Some(&Data::Float(42.0)));
        assert_eq!(range.get_value((1, 2)), Some(&Data::Float(1234.56)));
        assert_eq!(range.get_value((1, 3)), Some(&Data::Float(0.987)));
        // XLSX cells are never formulas: text is kept as typed, unguarded.
        assert_eq!(
            range.get_value((2, 0)),
            Some(&Data::String("=HYPERLINK(\"x\")".into()))
        );
        assert_eq!(range.get_value((2, 1)), Some(&Data::Float(-3.0)));
        assert_eq!(range.get_value((2, 2)), Some(&Data::Float(-0.05)));
        assert_eq!(range.get_value((2, 3)), Some(&Data::Float(-0.0005)));
        assert_eq!(range.get_value((3, 1)), Some(&Data::Empty));
        assert_eq!(range.get_size(), (4, 4));

        let range = workbook.worksheet_range("空表").unwrap();
        assert_eq!(range.get_size(), (1, 4));
        assert_eq!(
            range.get_value((0, 3)),
            Some(&Data::String("兑现率".into()))
        );
    }

    #[test]
    fn xlsx_writes_what_excel_cannot_hold_exactly_as_text() {
        let table = Table {
            title: "大数".to_string(),
            headers: vec!["a".into(), "b".into(), "c".into()],
            rows: vec![vec![
                Cell::Integer(i64::MAX),
                Cell::Money(Money::from_fen(1_000_000_000_000_000)),
                Cell::Percent(-1_000_000_000_000_000),
            ]],
        };
        let mut workbook = read_back(write_table_xlsx(&[table]).unwrap());
        let range = workbook.worksheet_range("大数").unwrap();
        let row: Vec<&Data> = range.rows().nth(1).unwrap().iter().collect();
        assert_eq!(
            row,
            [
                &Data::String("9223372036854775807".into()),
                &Data::String("10000000000000.00".into()),
                &Data::String("-10000000000000.00%".into()),
            ]
        );
    }

    #[test]
    fn xlsx_header_is_bold_and_cells_carry_their_number_formats() {
        let mut workbook = read_back(write_table_xlsx(&[sample()]).unwrap());
        let styles = workbook.worksheet_style("申报汇总").unwrap();
        let header = styles.get((0, 0)).unwrap();
        assert!(header.font.as_ref().is_some_and(|font| font.is_bold()));
        let format = |pos| {
            styles
                .get(pos)
                .and_then(|style| style.number_format.as_ref())
                .map(|format| format.format_code.clone())
        };
        assert_eq!(format((1, 0)).as_deref(), Some("@"));
        assert_eq!(format((1, 1)).as_deref(), Some("0"));
        assert_eq!(format((1, 2)).as_deref(), Some("#,##0.00"));
        assert_eq!(format((1, 3)).as_deref(), Some("0.00%"));
    }

    #[test]
    fn sheet_names_are_sanitised_and_unique() {
        let mut names = SheetNames::default();
        assert_eq!(
            names.claim("2024/上半年:汇总[区]", 0),
            "2024_上半年_汇总_区_"
        );
        assert_eq!(names.claim("  '报表'  ", 1), "报表");
        assert_eq!(names.claim("报表", 2), "报表 (2)");
        assert_eq!(names.claim("", 3), "Sheet4");
        assert_eq!(names.claim("History", 4), "History (2)");
        let long = "各区县惠企政策兑现情况统计表二零二四年度上半年全部企业明细汇总";
        let first = names.claim(long, 5);
        assert_eq!(first.chars().count(), 31);
        let second = names.claim(long, 6);
        assert_eq!(second.chars().count(), 31);
        assert!(second.ends_with(" (2)"));
        // A character outside the BMP counts as two units, as in Excel.
        let emoji = names.claim(&"😀".repeat(20), 7);
        assert_eq!(emoji.chars().count(), 15);
    }

    #[test]
    fn duplicate_and_odd_titles_still_make_a_workbook() {
        let tables: Vec<Table> = ["汇总", "汇总", "", "a'", "x".repeat(40).as_str()]
            .into_iter()
            .map(|title| Table {
                title: title.to_string(),
                ..sample()
            })
            .collect();
        let workbook = read_back(write_table_xlsx(&tables).unwrap());
        assert_eq!(
            workbook.sheet_names(),
            ["汇总", "汇总 (2)", "Sheet3", "a", &"x".repeat(31)]
        );
    }

    #[test]
    fn column_widths_count_chinese_double() {
        assert_eq!(display_width("abc"), 3);
        assert_eq!(display_width("鼓楼区（合计）"), 14);
        assert_eq!(display_width("鼓楼区(合计)"), 12);
        assert_eq!(display_width("第一行很长\nab"), 10);
        assert_eq!(column_width(0), 8.0);
        assert_eq!(column_width(20), 22.0);
        assert_eq!(column_width(500), 60.0);
    }

    #[test]
    fn zero_tables_and_zero_columns_still_make_a_workbook() {
        assert!(write_table_xlsx(&[]).is_ok());
        let workbook = read_back(write_table_xlsx(&[Table::default()]).unwrap());
        assert_eq!(workbook.sheet_names(), ["Sheet1"]);
    }
}
