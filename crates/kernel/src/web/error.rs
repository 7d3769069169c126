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
