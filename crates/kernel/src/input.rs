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

/// A date typed as YYYY-MM-DD (trimmed) that falls within `range`; anything else is refused on
/// `field` with `hint`, which says what is expected and gives an example.
pub fn date_within(
    field: &str,
    typed: &str,
    range: impl std::ops::RangeBounds<chrono::NaiveDate>,
    hint: impl FnOnce() -> String,
) -> AppResult<chrono::NaiveDate> {
    chrono::NaiveDate::parse_from_str(typed.trim(), "%Y-%m-%d")
        .ok()
        .filter(|d| range.contains(d))
        .ok_or_else(|| AppError::invalid(field, hint()))
}

#[cfg(test)]
mod tests {
    use super::date_within;
    use chrono::NaiveDate;

    #[test]
    fn a_date_is_read_only_in_its_range_and_otherwise_refused_on_its_field() {
        let day = |d: u32| NaiveDate::from_ymd_opt(2026, 12, d).unwrap();
        let hint = || "如 2026-12-10".to_string();
        assert_eq!(
            date_within("on", " 2026-12-10 ", day(8).., hint).unwrap(),
            day(10)
        );
        for typed in ["2026-12-07", "2026-12-31", "12/10/2026", "", "2026-02-30"] {
            let refused = date_within("on", typed, day(8)..=day(30), hint).unwrap_err();
            assert!(matches!(refused, crate::AppError::Invalid { field, .. } if field == "on"));
        }
    }
}
