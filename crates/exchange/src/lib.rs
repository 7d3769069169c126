//! The enterprise file (企业画像导入导出): one row per enterprise and year, as CSV or XLSX.
//!
//! District staff keep enterprise lists in Excel, so import must accept what Excel really writes
//! (GBK-encoded CSV, numbers stored as floats, date cells, Chinese headers) and must report every
//! mistake at once, by the row number the user sees, so a file is fixed in one pass. A file with
//! any bad row is rejected whole: a half-imported list is harder to repair than a rejected one.
//! Export writes files this import reads back unchanged. The columns are documented in
//! `COLUMNS.md` next to this crate's manifest.

pub mod bank;
pub mod blacklist;
pub mod breaches;
mod columns;
pub mod commitments;
mod csv;
pub mod directory;
mod export;
mod format;
pub mod hotline;
mod import;
pub mod matters;
pub mod pdf;
mod record;
mod report;
pub mod table;
mod xlsx;

pub use crate::csv::write_csv;
pub use columns::{COLUMNS, ColumnSpec};
pub use export::ExportError;
pub use format::FileFormat;
pub use import::{CsvPieces, EnterpriseRows, EnterpriseStream, SheetPiece, parse_enterprises};
pub use record::EnterpriseRecord;
pub use report::{ImportReport, RowError};
pub use xlsx::write_xlsx;
