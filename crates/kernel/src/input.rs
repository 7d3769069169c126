//! Text typed into a form or sent to the API, read the same way everywhere: trimmed, empty is
//! absent, and too long is refused naming the field.

use crate::{AppError, AppResult};

/// Trimmed text, None when empty; refused when longer than `max` characters.
pub fn optional_text(field: &str, value: Option<&str>, max: usize) -> AppResult<Option<String>> {
    let value = value.map(str::trim).filter(|v| !v.is_empty());
    match value {
        Some(v) if v.chars().count() > max => {
            Err(AppError::invalid(field, format!("不超过 {max} 字")))
        }
        other => Ok(other.map(str::to_string)),
    }
}

/// Required text: refused when empty or too long, with `missing` as the message.
pub fn required_text(field: &str, value: &str, max: usize, missing: &str) -> AppResult<String> {
    optional_text(field, Some(value), max)?.ok_or_else(|| AppError::invalid(field, missing))
}
