//! XLSX: reading the first worksheet of what Excel or WPS saves, and writing a formatted sheet.

mod read;
mod write;

pub(crate) use read::read_sheet;
pub use write::write_xlsx;
pub(crate) use write::{EXACT_IN_EXCEL, Formats, write_integer, write_money};
