//! The scene's tables: projects and the cases of their matters. Plain reads and writes; who may
//! do what is decided by the use cases.

pub mod cases;
pub mod entrustments;
pub mod licences;
pub mod notices;
pub mod payments;
pub mod projects;
pub mod reviews;
pub mod surveys;
pub mod vault;

use chrono::{DateTime, Utc};
use qinqing_kernel::store::{Result, stored, time};
use sqlx::Row;
use sqlx::any::AnyRow;

fn optional_time(r: &AnyRow, column: &str) -> Result<Option<DateTime<Utc>>> {
    r.try_get::<Option<String>, _>(column)?
        .map(|s| time::from_text(&s))
        .transpose()
}

fn required_time(r: &AnyRow, column: &str) -> Result<DateTime<Utc>> {
    time::from_text(&r.try_get::<String, _>(column)?)
}

/// A column holding one of the model's kinds; a value the platform never writes is corrupt.
fn kind<K: std::str::FromStr<Err = String>>(r: &AnyRow, column: &str) -> Result<K> {
    let text: String = r.try_get(column)?;
    stored(column, text.parse())
}
