//! Reading the first worksheet into text rows.
//!
//! Excel keeps every number as an f64 and every date as a day count, so cells are turned into
//! the text a user would have typed: the shortest decimal that round-trips the float (12345678.9
//! stays "12345678.9", never "12345678.899999999"; 350521101.0 becomes "350521101"), and dates
//! as YYYY-MM-DD. The shared import code then parses that text exactly as it parses CSV.

use crate::import::{BadCell, Cell, RawRow, Sheet};
use crate::report::RowError;
use calamine::{Data, DataRef, ExcelDateTime, Reader, SheetType, Xlsx};
use std::collections::BTreeMap;
use std::io::Cursor;

/// Reads the first worksheet; rows are numbered and cells indexed as Excel shows them.
///
/// The workbook is untrusted input and calamine can panic on some damaged files (an integer
/// overflow on absurd cell references, found by the never-panics property test); a panic inside
/// it is reported as a damaged file instead of taking the request or the command down.
pub(crate) fn read_sheet(bytes: &[u8]) -> Result<Sheet, RowError> {
    std::panic::catch_unwind(|| read_sheet_unguarded(bytes)).unwrap_or_else(|_| {
        Err(RowError::file(
            "Excel 文件已损坏,无法读取,请用 Excel 重新另存为 .xlsx 后再导入",
        ))
    })
}

/// Cells are streamed rather than loaded as calamine's dense `Range`, whose size is the sheet's
/// bounding box: two cells at A1 and XFD1048576 would ask for 17 billion cells. Memory here
/// grows with the cells actually present.
fn read_sheet_unguarded(bytes: &[u8]) -> Result<Sheet, RowError> {
    let mut workbook = Xlsx::new(Cursor::new(bytes)).map_err(|e| {
        RowError::file(format!(
            "无法读取 Excel 文件,请确认它是 .xlsx 格式(旧版 .xls 请先另存为 .xlsx):{e}"
        ))
    })?;
    let name = workbook
        .sheets_metadata()
        .iter()
        .find(|sheet| sheet.typ == SheetType::WorkSheet)
        .map(|sheet| sheet.name.clone())
        .ok_or_else(|| RowError::file("Excel 文件中没有工作表"))?;
    let damaged = |e| RowError::file(format!("无法读取工作表“{name}”,文件可能已损坏:{e}"));
    let mut reader = workbook.worksheet_cells_reader(&name).map_err(damaged)?;
    let mut rows: BTreeMap<u32, BTreeMap<u32, Cell>> = BTreeMap::new();
    while let Some(found) = reader.next_cell().map_err(damaged)? {
        if *found.get_value() == DataRef::Empty {
            continue;
        }
        let (row, column) = found.get_position();
        let value = cell(&Data::from(found.get_value().clone()));
        rows.entry(row).or_default().insert(column, value);
    }
    Ok(Sheet {
        rows: rows.into_iter().map(raw_row).collect(),
        errors: Vec::new(),
    })
}

fn raw_row((row, cells): (u32, BTreeMap<u32, Cell>)) -> RawRow {
    RawRow {
        number: to_usize(row).saturating_add(1),
        cells: cells
            .into_iter()
            .map(|(column, cell)| (to_usize(column), cell))
            .collect(),
    }
}

fn to_usize(n: u32) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

fn cell(data: &Data) -> Cell {
    match data {
        Data::Empty => Ok(String::new()),
        Data::String(text) | Data::DurationIso(text) => Ok(text.clone()),
        Data::DateTimeIso(text) => Ok(date_part(text).to_string()),
        Data::Int(n) => Ok(n.to_string()),
        Data::Float(f) => Ok(f.to_string()),
        Data::Bool(b) => Ok(if *b { "TRUE" } else { "FALSE" }.to_string()),
        Data::DateTime(datetime) => Ok(date_time_text(datetime)),
        Data::Error(e) => Err(BadCell {
            value: e.to_string(),
            message: format!("单元格是 Excel 错误值 {e}:请修正公式,或直接填写数值"),
        }),
    }
}

/// "2015-06-01T00:00:00" → "2015-06-01": the columns hold dates, not times.
fn date_part(iso: &str) -> &str {
    iso.split_once('T').map_or(iso, |(date, _)| date)
}

/// A date cell as YYYY-MM-DD (any time of day dropped, as the columns hold dates); a duration
/// cell as its plain number of days.
fn date_time_text(datetime: &ExcelDateTime) -> String {
    if datetime.is_datetime() {
        let (year, month, day, ..) = datetime.to_ymd_hms_milli();
        format!("{year:04}-{month:02}-{day:02}")
    } else {
        datetime.as_f64().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::{CellErrorType, ExcelDateTimeType};

    #[test]
    fn floats_become_the_decimal_the_user_typed() {
        assert_eq!(
            cell(&Data::Float(12_345_678.9)),
            Ok("12345678.9".to_string())
        );
        assert_eq!(
            cell(&Data::Float(350_521_101.0)),
            Ok("350521101".to_string())
        );
        assert_eq!(cell(&Data::Float(0.1)), Ok("0.1".to_string()));
        assert_eq!(cell(&Data::Int(2025)), Ok("2025".to_string()));
    }

    #[test]
    fn dates_become_iso_dates() {
        let date = ExcelDateTime::new(45_943.541, ExcelDateTimeType::DateTime, false);
        assert_eq!(cell(&Data::DateTime(date)), Ok("2025-10-13".to_string()));
        let iso = Data::DateTimeIso("2015-06-01T00:00:00".to_string());
        assert_eq!(cell(&iso), Ok("2015-06-01".to_string()));
    }

    #[test]
    fn error_values_are_bad_cells() {
        let bad = cell(&Data::Error(CellErrorType::Div0)).unwrap_err();
        assert_eq!(bad.value, "#DIV/0!");
        assert!(bad.message.contains("#DIV/0!"));
    }
}
