//! Qinqing's store. One query layer over SQLite (the default, embedded) and PostgreSQL (production),
//! through sqlx's Any driver: the schema uses only BIGINT and TEXT so every query runs unchanged on
//! both. Functions take a `&mut AnyConnection`, so callers decide whether they run inside a write
//! transaction (`&mut *tx`) or on a pooled connection.

pub mod attachments;
pub mod audit;
pub mod audit_log;
pub mod authorisations;
pub mod cockpit;
pub mod db;
pub mod deadlines;
pub mod enterprises;
pub mod enterprises_bulk;
pub mod long_work;
pub mod notifications;
pub mod oidc;
pub mod orgs;
pub mod scorecard;
pub mod sessions;
pub mod settings;
pub mod sql;
pub mod supervision;
pub mod time;
pub mod users;
pub mod writes;

pub use db::{Backend, Db, Savepoint, Tx};
pub use sqlx::AnyConnection as Conn;

/// A storage failure. Constraint violations are told apart so use cases can turn them into
/// specific messages ("该统一社会信用代码已注册").
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("duplicate value violates a unique constraint")]
    Duplicate,
    /// Another writer held the database longer than a request may wait (SQLite's busy timeout,
    /// PostgreSQL's lock timeout), or no connection was free in time.
    #[error("the database is busy")]
    Busy,
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    #[error(transparent)]
    Database(sqlx::Error),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Duplicate,
            sqlx::Error::Database(db) if is_busy(db.code().as_deref(), db.message()) => {
                StoreError::Busy
            }
            sqlx::Error::PoolTimedOut => StoreError::Busy,
            _ => StoreError::Database(e),
        }
    }
}

/// Whether a database error says "wait and try again": SQLite's SQLITE_BUSY (5) and
/// SQLITE_LOCKED (6) with their extended codes, PostgreSQL's lock_not_available (55P03, the lock
/// timeout), query_canceled (57014, the statement timeout) and deadlock_detected (40P01: the
/// platform takes its locks in a fixed order, so this would be a fault, but the request that
/// lost is still only asked to try again).
/// PostgreSQL's SQLSTATE codes are always five characters; SQLite's are numbers below 10,000.
fn is_busy(code: Option<&str>, message: &str) -> bool {
    let busy_code = match code {
        Some(sqlstate) if sqlstate.len() == 5 => matches!(sqlstate, "55P03" | "57014" | "40P01"),
        Some(sqlite) => sqlite
            .parse::<i64>()
            .is_ok_and(|c| matches!(c & 0xff, 5 | 6)),
        None => false,
    };
    busy_code || message.contains("database is locked")
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

#[cfg(test)]
mod tests {
    #[test]
    fn busy_and_locked_databases_are_told_apart_from_other_failures() {
        assert!(super::is_busy(Some("5"), "database is locked"));
        assert!(super::is_busy(Some("517"), "database is locked"));
        assert!(super::is_busy(Some("6"), "database table is locked"));
        assert!(super::is_busy(
            Some("55P03"),
            "canceling statement due to lock timeout"
        ));
        assert!(super::is_busy(Some("40P01"), "deadlock detected"));
        assert!(!super::is_busy(Some("19"), "UNIQUE constraint failed"));
        assert!(!super::is_busy(Some("22021"), "invalid byte sequence"));
        assert!(!super::is_busy(None, "no such table"));
    }
}
