//! Qinqing's store. One query layer over SQLite (the default, embedded) and PostgreSQL (production),
//! through sqlx's Any driver: the schema uses only BIGINT and TEXT so every query runs unchanged on
//! both. Functions take a `&mut AnyConnection`, so callers decide whether they run inside a write
//! transaction (`&mut *tx`) or on a pooled connection.

pub mod attachments;
pub mod audit;
pub mod audit_log;
pub mod cockpit;
pub mod db;
pub mod deadlines;
pub mod enterprises;
pub mod notifications;
pub mod orgs;
pub mod sessions;
pub mod settings;
pub mod sql;
pub mod time;
pub mod users;

pub use db::{Backend, Db, Savepoint, Tx};
pub use sqlx::AnyConnection as Conn;

/// A storage failure. Constraint violations are told apart so use cases can turn them into
/// specific messages ("该统一社会信用代码已注册").
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("duplicate value violates a unique constraint")]
    Duplicate,
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    #[error(transparent)]
    Database(sqlx::Error),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Duplicate,
            _ => StoreError::Database(e),
        }
    }
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// Parses a stored value with a domain parser; stored values were valid when written, so a
/// failure means the database was changed behind the platform's back.
pub fn stored<T, E: std::fmt::Display>(
    column: &str,
    parsed: std::result::Result<T, E>,
) -> Result<T> {
    parsed.map_err(|e| StoreError::Corrupt(format!("{column}: {e}")))
}
