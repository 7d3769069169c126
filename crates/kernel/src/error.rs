//! Errors a use case returns. Each carries a stable machine code and a Chinese message for the
//! person in front of the screen; validation errors name the field.

use qinqing_exchange::ImportReport;
use serde::Serialize;

/// One wrong field of a form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

/// Collects field errors while a form is parsed, so the user sees every mistake at once.
#[derive(Debug, Default)]
pub struct FieldErrors(Vec<FieldError>);

impl FieldErrors {
    /// Keeps the value of a successful parse; records the message of a failed one.
    pub fn check<T, E: std::fmt::Display>(
        &mut self,
        field: &str,
        parsed: Result<T, E>,
    ) -> Option<T> {
        match parsed {
            Ok(v) => Some(v),
            Err(e) => {
                self.add(field, e.to_string());
                None
            }
        }
    }

    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0.push(FieldError {
            field: field.to_string(),
            message: message.into(),
        });
    }

    /// `Err` with every recorded error, or `Ok` when there were none.
    pub fn finish(self) -> Result<(), AppError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(AppError::Fields(self.0))
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("请先登录")]
    Unauthenticated,
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{message}")]
    Invalid { field: String, message: String },
    /// Several fields of one form are wrong; all are reported at once.
    #[error("{}", .0.first().map(|e| e.message.as_str()).unwrap_or("输入有误"))]
    Fields(Vec<FieldError>),
    #[error("{message}")]
    Conflict {
        field: Option<String>,
        message: String,
    },
    /// Too many attempts (logins): try again after the given number of seconds.
    #[error("{message}")]
    Throttled {
        message: String,
        retry_after_seconds: u64,
    },
    /// The database could not take the write in time (another writer held it): nothing was
    /// changed, and the same request may simply be sent again shortly.
    #[error("系统繁忙,请稍后重试")]
    Busy,
    #[error("导入文件有 {} 处错误,未导入任何数据", .0.errors.len())]
    ImportRejected(ImportReport),
    #[error("服务器内部错误")]
    Internal(#[from] anyhow::Error),
}

impl AppError {
    /// Every field error, for forms that mark each wrong field.
    pub fn field_errors(&self) -> Vec<FieldError> {
        match self {
            AppError::Fields(errors) => errors.clone(),
            AppError::Invalid { field, message } => vec![FieldError {
                field: field.clone(),
                message: message.clone(),
            }],
            AppError::Conflict {
                field: Some(field),
                message,
            } => vec![FieldError {
                field: field.clone(),
                message: message.clone(),
            }],
            _ => Vec::new(),
        }
    }

    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        AppError::Invalid {
            field: field.to_string(),
            message: message.into(),
        }
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        AppError::Forbidden(message.into())
    }

    /// The stable code clients branch on.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Unauthenticated => "unauthenticated",
            AppError::Forbidden(_) => "forbidden",
            AppError::NotFound(_) => "not_found",
            AppError::Invalid { .. } | AppError::Fields(_) => "invalid",
            AppError::Conflict { .. } => "conflict",
            AppError::Throttled { .. } => "too_many_attempts",
            AppError::Busy => "busy",
            AppError::ImportRejected(_) => "import_rejected",
            AppError::Internal(_) => "internal",
        }
    }

    /// Seconds after which the same request may succeed, for `Retry-After`.
    pub fn retry_after_seconds(&self) -> Option<u64> {
        match self {
            AppError::Throttled {
                retry_after_seconds,
                ..
            } => Some(*retry_after_seconds),
            AppError::Busy => Some(BUSY_RETRY_AFTER_SECONDS),
            _ => None,
        }
    }

    pub fn field(&self) -> Option<&str> {
        match self {
            AppError::Invalid { field, .. } => Some(field),
            AppError::Fields(errors) => errors.first().map(|e| e.field.as_str()),
            AppError::Conflict { field, .. } => field.as_deref(),
            _ => None,
        }
    }
}

/// How long a client should wait before retrying a write the database was too busy to take.
pub const BUSY_RETRY_AFTER_SECONDS: u64 = 2;

impl From<crate::store::StoreError> for AppError {
    fn from(e: crate::store::StoreError) -> Self {
        match e {
            crate::store::StoreError::Busy => AppError::Busy,
            e => AppError::Internal(e.into()),
        }
    }
}

pub type AppResult<T> = Result<T, AppError>;

/// The value of a field that [`FieldErrors::finish`] has vouched for.
pub fn parsed<T>(value: Option<T>) -> AppResult<T> {
    value.ok_or_else(|| {
        AppError::Internal(anyhow::anyhow!("a field passed validation without a value"))
    })
}
