//! Turning use-case errors into HTTP responses: `{"code", "message", "field"}` JSON for the API.

use crate::{AppError, FieldError};
use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use qinqing_exchange::RowError;
use serde::Serialize;
use utoipa::ToSchema;

/// The error body of every API failure.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// Stable machine code: unauthenticated, forbidden, not_found, invalid, conflict,
    /// too_many_attempts, busy, import_rejected, csrf, internal.
    pub code: String,
    /// What went wrong, in Chinese, for the person in front of the screen.
    pub message: String,
    /// The first field at fault, when the error is about a field.
    pub field: Option<String>,
    /// Every wrong field, when a form had several.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(value_type = Vec<Object>)]
    pub errors: Vec<FieldError>,
    /// Every bad row of a rejected import.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(value_type = Vec<Object>)]
    pub rows: Vec<RowError>,
}

/// An API error response.
#[derive(Debug)]
pub struct ApiError(pub AppError);

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        ApiError(e)
    }
}

pub fn status_of(e: &AppError) -> StatusCode {
    match e {
        AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
        AppError::Forbidden(_) => StatusCode::FORBIDDEN,
        AppError::NotFound(_) => StatusCode::NOT_FOUND,
        AppError::Invalid { .. } | AppError::Fields(_) | AppError::ImportRejected(_) => {
            StatusCode::UNPROCESSABLE_ENTITY
        }
        AppError::Conflict { .. } => StatusCode::CONFLICT,
        AppError::Throttled { .. } => StatusCode::TOO_MANY_REQUESTS,
        AppError::Busy => StatusCode::SERVICE_UNAVAILABLE,
        AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let e = self.0;
        if let AppError::Internal(inner) = &e {
            tracing::error!(error = ?inner, "internal error");
        }
        let rows = match &e {
            AppError::ImportRejected(report) => report.errors.clone(),
            _ => Vec::new(),
        };
        let body = ErrorBody {
            code: e.code().to_string(),
            message: e.to_string(),
            field: e.field().map(str::to_string),
            errors: e.field_errors(),
            rows,
        };
        with_retry_after(&e, (status_of(&e), Json(body)).into_response())
    }
}

/// Adds `Retry-After` to the answer of an error that passes with time (too many attempts, a
/// busy database).
pub fn with_retry_after(e: &AppError, mut response: Response) -> Response {
    if let Some(seconds) = e.retry_after_seconds() {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    response
}

/// An error that is not a use-case error: bad CSRF token, malformed request.
pub fn plain(status: StatusCode, code: &str, message: &str, field: Option<&str>) -> Response {
    let body = ErrorBody {
        code: code.to_string(),
        message: message.to_string(),
        field: field.map(str::to_string),
        errors: Vec::new(),
        rows: Vec::new(),
    };
    (status, Json(body)).into_response()
}

pub type ApiResult<T> = Result<T, ApiError>;

/// The framework refuses malformed requests itself, before any handler runs (a body that is not
/// JSON, a wrong content type, a path or query that does not parse, a body over the limit), and
/// answers in English plain text. This middleware on the API routes turns those answers into the
/// API's error body in Chinese, so every refusal a client meets has one shape; the framework's
/// own words stay in the log.
pub async fn framework_refusals_as_json(response: Response) -> Response {
    let status = response.status();
    let is_plain_text = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/plain"));
    if !status.is_client_error() || !is_plain_text {
        return response;
    }
    let text = match axum::body::to_bytes(response.into_body(), 64 * 1024).await {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(_) => String::new(),
    };
    tracing::debug!(%status, refusal = %text, "request refused by the framework");
    let (code, message, field) = refusal_in_chinese(status, &text);
    plain(status, code, &message, field.as_deref())
}

/// What a framework refusal means for the person who sent the request.
fn refusal_in_chinese(status: StatusCode, text: &str) -> (&'static str, String, Option<String>) {
    const JSON_FIELDS: &str = "Failed to deserialize the JSON body into the target type: ";
    match status {
        StatusCode::PAYLOAD_TOO_LARGE => (
            "too_large",
            format!("提交的内容过大,上限为 {} MB", super::MAX_BODY / 1024 / 1024),
            None,
        ),
        StatusCode::UNSUPPORTED_MEDIA_TYPE if text.contains("multipart") => (
            "invalid",
            "请以文件上传(multipart/form-data)方式提交".into(),
            None,
        ),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => (
            "invalid",
            "请求内容须为 JSON(Content-Type: application/json)".into(),
            None,
        ),
        StatusCode::METHOD_NOT_ALLOWED => ("invalid", "这个地址不支持该请求方法".into(), None),
        StatusCode::NOT_FOUND => ("not_found", "没有这个地址".into(), None),
        _ if text.starts_with(JSON_FIELDS) => json_field_refusal(&text[JSON_FIELDS.len()..]),
        _ if text.contains("request body as JSON") => {
            ("invalid", "请求内容不是有效的 JSON".into(), None)
        }
        _ if text.contains("query string") => ("invalid", "查询参数格式有误".into(), None),
        _ if text.contains("URL") || text.contains("path") => {
            ("invalid", "地址中的参数格式有误".into(), None)
        }
        _ => ("invalid", "请求格式有误".into(), None),
    }
}

/// "name: missing field `name` at line 1 column 2" → which field, and what is wrong with it.
fn json_field_refusal(detail: &str) -> (&'static str, String, Option<String>) {
    let backticked = |s: &str| s.split('`').nth(1).map(str::to_string);
    let (path, what) = match detail.split_once(": ") {
        Some((path, what)) if !path.contains(' ') => (Some(path.to_string()), what),
        _ => (None, detail),
    };
    let field = if what.starts_with("missing field") {
        backticked(what)
    } else {
        path.filter(|p| p != ".")
    };
    let problem = if what.starts_with("missing field") {
        "缺少必填项"
    } else if what.starts_with("unknown variant") {
        "取值不在允许的范围内"
    } else if what.starts_with("unknown field") {
        "是不认识的字段"
    } else if what.starts_with("invalid type") || what.starts_with("invalid value") {
        "的类型或取值不对"
    } else {
        "有误"
    };
    let message = match (&field, what.starts_with("unknown field")) {
        (_, true) => format!("字段 {} {problem}", backticked(what).unwrap_or_default()),
        (Some(f), false) => format!("字段 {f} {problem}"),
        (None, false) => format!("请求内容{problem}"),
    };
    ("invalid", message, field)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_json_field_is_named() {
        let (code, message, field) = refusal_in_chinese(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Failed to deserialize the JSON body into the target type: missing field `name` at line 1 column 2",
        );
        assert_eq!(code, "invalid");
        assert_eq!(field.as_deref(), Some("name"));
        assert_eq!(message, "字段 name 缺少必填项");
    }

    #[test]
    fn a_wrongly_typed_json_field_is_named_by_its_path() {
        let (_, message, field) = refusal_in_chinese(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Failed to deserialize the JSON body into the target type: amount_fen: invalid type: string \"x\", expected i64 at line 1 column 20",
        );
        assert_eq!(field.as_deref(), Some("amount_fen"));
        assert_eq!(message, "字段 amount_fen 的类型或取值不对");
    }

    #[test]
    fn a_wrong_content_type_says_what_is_expected() {
        let (_, message, _) = refusal_in_chinese(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Expected request with `Content-Type: application/json`",
        );
        assert!(message.contains("JSON"), "{message}");
    }
}
