//! Timestamps as stored: RFC 3339 UTC with milliseconds, so that text order is time order.

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};

pub fn to_text(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

pub fn from_text(s: &str) -> crate::store::Result<DateTime<Utc>> {
    crate::store::stored(
        "timestamp",
        DateTime::parse_from_rfc3339(s).map(|t| t.with_timezone(&Utc)),
    )
}

pub fn date_to_text(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

pub fn date_from_text(s: &str) -> crate::store::Result<NaiveDate> {
    crate::store::stored("date", NaiveDate::parse_from_str(s, "%Y-%m-%d"))
}
