//! Downloads: reports as JSON, CSV or XLSX, and files the browser saves rather than shows.

use crate::AppError;
use crate::web::error::{ApiError, ApiResult};
use axum::Json;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use qinqing_exchange::table::Table;
use serde::Serialize;

/// A report in the format asked for: `json` (the default) the report itself, `csv` its first
/// table (every report puts its summary first) and `xlsx` all its tables, one sheet each, saved
/// as `{name}.csv` or `{name}.xlsx`.
pub fn report_download<T: Serialize>(
    report: T,
    tables: fn(&T) -> Vec<Table>,
    format: Option<&str>,
    name: &str,
) -> ApiResult<Response> {
    match format.unwrap_or("json") {
        "json" => Ok(Json(report).into_response()),
        "csv" => {
            let bytes = qinqing_exchange::table::write_table_csv(&tables(&report)[0]);
            Ok(csv_download(&format!("{name}.csv"), bytes))
        }
        "xlsx" => xlsx_download(&format!("{name}.xlsx"), &tables(&report)),
        other => Err(ApiError(AppError::invalid(
            "format",
            format!("不支持的格式“{other}”,应为 json、csv 或 xlsx"),
        ))),
    }
}

/// Report tables as an XLSX workbook download, one sheet per table.
pub fn xlsx_download(name: &str, tables: &[Table]) -> ApiResult<Response> {
    let bytes = qinqing_exchange::table::write_table_xlsx(tables)
        .map_err(|e| ApiError(AppError::Internal(anyhow::anyhow!(e))))?;
    let content_type = qinqing_exchange::FileFormat::Xlsx.content_type();
    Ok(attachment(name, content_type, bytes))
}

pub fn csv_download(name: &str, bytes: Vec<u8>) -> Response {
    attachment(name, "text/csv; charset=utf-8", bytes)
}

/// A file the browser saves as `name` rather than shows; every download of the API answers
/// with it, so they all carry the same headers.
pub fn attachment(name: &str, content_type: &str, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}
