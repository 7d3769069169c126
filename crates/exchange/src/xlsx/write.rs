//! Writing records as a formatted worksheet that import reads back unchanged.

use crate::columns::Column;
use crate::export::{ExportError, Value, value};
use crate::record::EnterpriseRecord;
use chrono::Datelike;
use qinqing_domain::Money;
use rust_xlsxwriter::{ColNum, ExcelDateTime, Format, RowNum, Workbook, Worksheet, XlsxError};

const SHEET_NAME: &str = "企业画像";

/// Excel keeps numbers as f64, exact to 15 significant digits. Larger integers and amounts are
/// written as text so they survive the round trip digit for digit.
pub(crate) const EXACT_IN_EXCEL: u128 = 1_000_000_000_000_000;

/// Writes records to an XLSX workbook with one sheet "企业画像": a bold, frozen header of
/// Chinese labels, codes and phone numbers as text (so Excel neither drops leading zeros nor
/// shows 3.50521E+11), money as numbers formatted "#,##0.00" and dates as date cells.
pub fn write_xlsx(records: &[EnterpriseRecord]) -> Result<Vec<u8>, ExportError> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name(SHEET_NAME)?;
    let formats = Formats::new();
    write_header(sheet, &formats)?;
    let mut last_row: RowNum = 0;
    for record in records {
        last_row = last_row
            .checked_add(1)
            .ok_or(XlsxError::RowColumnLimitError)?;
        for column in Column::ALL {
            write_cell(sheet, last_row, column, value(record, column), &formats)?;
        }
    }
    sheet.autofilter(0, 0, last_row, last_column())?;
    Ok(workbook.save_to_buffer()?)
}

/// The cell formats of a sheet, created once (also used by the report tables).
pub(crate) struct Formats {
    pub(crate) header: Format,
    pub(crate) text: Format,
    pub(crate) date: Format,
    pub(crate) money: Format,
    pub(crate) integer: Format,
    /// A share of one as a number shown "98.70%".
    pub(crate) percent: Format,
}

impl Formats {
    pub(crate) fn new() -> Self {
        Formats {
            header: Format::new().set_bold().set_background_color("#DDEBF7"),
            text: Format::new().set_num_format("@"),
            date: Format::new().set_num_format("yyyy-mm-dd"),
            money: Format::new().set_num_format("#,##0.00"),
            integer: Format::new().set_num_format("0"),
            percent: Format::new().set_num_format("0.00%"),
        }
    }
}

fn write_header(sheet: &mut Worksheet, formats: &Formats) -> Result<(), XlsxError> {
    for column in Column::ALL {
        let index = column_index(column);
        sheet.write_string_with_format(0, index, column.label(), &formats.header)?;
        sheet.set_column_width(index, width(column))?;
    }
    sheet.set_freeze_panes(1, 0)?;
    Ok(())
}

fn write_cell(
    sheet: &mut Worksheet,
    row: RowNum,
    column: Column,
    value: Value<'_>,
    formats: &Formats,
) -> Result<(), XlsxError> {
    let col = column_index(column);
    match value {
        Value::Blank => {}
        Value::Text(text) => {
            sheet.write_string_with_format(row, col, text, &formats.text)?;
        }
        Value::Code(code) => {
            sheet.write_string_with_format(row, col, code, &formats.text)?;
        }
        Value::Choice { label, .. } => {
            sheet.write_string(row, col, label)?;
        }
        Value::Date(date) => match excel_date(date) {
            Some(date) => {
                sheet.write_datetime_with_format(row, col, &date, &formats.date)?;
            }
            None => {
                sheet.write_string_with_format(row, col, date.to_string(), &formats.text)?;
            }
        },
        Value::Integer(n) => write_integer(sheet, row, col, n, formats)?,
        Value::Money(amount) => write_money(sheet, row, col, amount, formats)?,
    }
    Ok(())
}

/// Writes an integer as a number formatted "0", or as text when Excel could not hold it exactly.
pub(crate) fn write_integer(
    sheet: &mut Worksheet,
    row: RowNum,
    col: ColNum,
    n: i128,
    formats: &Formats,
) -> Result<(), XlsxError> {
    if n.unsigned_abs() < EXACT_IN_EXCEL {
        sheet.write_number_with_format(row, col, n as f64, &formats.integer)?;
    } else {
        sheet.write_string_with_format(row, col, n.to_string(), &formats.text)?;
    }
    Ok(())
}

/// Writes an amount as a number formatted "#,##0.00", or as text ("1234.56") when Excel could
/// not hold it exactly.
pub(crate) fn write_money(
    sheet: &mut Worksheet,
    row: RowNum,
    col: ColNum,
    amount: Money,
    formats: &Formats,
) -> Result<(), XlsxError> {
    if u128::from(amount.fen().unsigned_abs()) < EXACT_IN_EXCEL {
        // fen / 100 is the double nearest the exact amount, and with at most 15 significant
        // digits its shortest decimal form (what import reads back) is that exact amount.
        let yuan = amount.fen() as f64 / 100.0;
        sheet.write_number_with_format(row, col, yuan, &formats.money)?;
    } else {
        sheet.write_string_with_format(row, col, amount.to_string(), &formats.text)?;
    }
    Ok(())
}

/// The date as an Excel date, or `None` outside the years Excel can show (1900–9999).
fn excel_date(date: chrono::NaiveDate) -> Option<ExcelDateTime> {
    let year = u16::try_from(date.year()).ok()?;
    // Month and day of a valid date always fit a u8.
    let month = u8::try_from(date.month()).ok()?;
    let day = u8::try_from(date.day()).ok()?;
    ExcelDateTime::from_ymd(year, month, day).ok()
}

fn column_index(column: Column) -> ColNum {
    // 18 columns: far below Excel's 16 384.
    column as ColNum
}

fn last_column() -> ColNum {
    column_index(Column::ALL[Column::ALL.len() - 1])
}

/// Column widths in Excel's character units, wide enough for typical content and its header.
fn width(column: Column) -> f64 {
    match column {
        Column::Name => 36.0,
        Column::Tags => 40.0,
        Column::CreditCode => 22.0,
        Column::RegionCode | Column::ContactPhone => 16.0,
        Column::Revenue
        | Column::TotalAssets
        | Column::TaxPaid
        | Column::RdExpense
        | Column::EquipmentInvestment
        | Column::FixedAssetInvestment => 18.0,
        Column::Ownership | Column::EstablishedOn | Column::LegalRepresentative => 14.0,
        Column::IndustryCode | Column::Employees | Column::CreditStatus => 12.0,
        Column::Year => 8.0,
    }
}
