//! Connecting, migrating and opening write transactions.

use crate::store::writes::{BackgroundTurn, WriteGate};
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::migrate::Migrator;
use sqlx::{Any, AnyPool, Executor};
use std::sync::Arc;
use std::time::Instant;

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("migrations/postgres");

/// A write transaction, timed from the moment it holds the write lock (SQLite) or starts
/// (PostgreSQL) to its commit, rollback or drop, for `/metrics`: how long each kind of write
/// kept others waiting, and the longest.
pub struct Tx {
    inner: sqlx::Transaction<'static, Any>,
    _held: Held,
}

/// Records on drop how long a write transaction was held.
struct Held {
    gate: Arc<WriteGate>,
    work: &'static str,
    since: Instant,
}

impl Drop for Held {
    fn drop(&mut self) {
        self.gate.record(self.work, self.since.elapsed());
    }
}

impl Tx {
    pub async fn commit(self) -> sqlx::Result<()> {
        self.inner.commit().await
    }

    pub async fn rollback(self) -> sqlx::Result<()> {
        self.inner.rollback().await
    }

    /// Lets this transaction's commit return before PostgreSQL has flushed it to disk, so the
    /// write-ahead log's fsync (at times tens of milliseconds) is not spent holding its locks.
    /// Only for a chunk of long work that moves its own cursor in the same transaction: a crash
    /// may lose the last such commits (well under a second of them), but then their cursor
    /// moves back with them and the work is done again on resume, never lost or done twice. A
    /// later ordinary commit flushes every one before it. SQLite in WAL mode with synchronous
    /// NORMAL already commits without a flush.
    pub async fn redone_if_lost(&mut self) -> sqlx::Result<()> {
        if self.inner.backend_name() == "PostgreSQL" {
            sqlx::query("SET LOCAL synchronous_commit = off")
                .execute(&mut *self.inner)
                .await?;
        }
        Ok(())
    }
}

impl std::ops::Deref for Tx {
    type Target = sqlx::AnyConnection;
    fn deref(&self) -> &sqlx::AnyConnection {
        &self.inner
    }
}

impl std::ops::DerefMut for Tx {
    fn deref_mut(&mut self) -> &mut sqlx::AnyConnection {
        &mut self.inner
    }
}

/// The label of interactive write transactions in the metrics.
const INTERACTIVE: &str = "interactive";

/// How long a write waits for another writer before the request is answered "busy, retry"
/// (503 with `Retry-After`), on both databases.
pub const WRITE_WAIT: std::time::Duration = std::time::Duration::from_secs(5);
/// The longest any one statement may run on PostgreSQL, and the longest a session may sit idle
/// inside a transaction: work is read and written in short chunks, so a statement this slow is
/// a fault, and a transaction left open by a stalled process must not hold its locks for ever.
/// Migrations lift the limit for their own connection.
pub const STATEMENT_LIMIT: std::time::Duration = std::time::Duration::from_secs(30);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The database handle every layer passes around; cheap to clone.
#[derive(Debug, Clone)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
    gate: Arc<WriteGate>,
}

impl Db {
    /// Connects to `sqlite://path` (the file is created on first start) or `postgres://...`.
    pub async fn connect(url: &str) -> anyhow::Result<Db> {
        install_default_drivers();
        let backend = backend_of(url)?;
        let options = AnyPoolOptions::new().max_connections(pool_size(backend));
        let pool = match backend {
            Backend::Sqlite => {
                options
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            // WAL lets readers proceed while one writer commits; the busy timeout
                            // makes a second writer wait instead of failing, up to WRITE_WAIT.
                            // No automatic checkpoints: SQLite would run one (and its fsync) inside
                            // whichever commit crossed the threshold, making a person at the
                            // counter wait for the pages long work wrote; `Db::checkpoint` copies
                            // them back between chunks and in the background round instead.
                            let pragmas = format!(
                                "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                                 PRAGMA busy_timeout = {}; PRAGMA foreign_keys = ON; \
                                 PRAGMA wal_autocheckpoint = 0;",
                                WRITE_WAIT.as_millis()
                            );
                            conn.execute(sqlx::AssertSqlSafe(pragmas)).await?;
                            Ok(())
                        })
                    })
                    .connect(&sqlite_url_creating_file(url))
                    .await?
            }
            Backend::Postgres => {
                options
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            // A statement waiting for a row or table lock gives up after
                            // WRITE_WAIT, as SQLite's busy timeout does, rather than forever.
                            let timeouts = format!(
                                "SET lock_timeout = '{}ms'; SET statement_timeout = '{limit}ms'; \
                                 SET idle_in_transaction_session_timeout = '{limit}ms'",
                                WRITE_WAIT.as_millis(),
                                limit = STATEMENT_LIMIT.as_millis()
                            );
                            conn.execute(sqlx::AssertSqlSafe(timeouts)).await?;
                            Ok(())
                        })
                    })
                    .connect(url)
                    .await?
            }
        };
        Ok(Db {
            pool,
            backend,
            gate: Default::default(),
        })
    }

    pub async fn migrate(&self) -> anyhow::Result<()> {
        let mut conn = self.pool.acquire().await?;
        let migrator = match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => {
                // Rebuilding a large table may take longer than any request should.
                conn.execute("SET statement_timeout = 0").await?;
                &POSTGRES_MIGRATIONS
            }
        };
        migrator.run(&mut *conn).await?;
        if self.backend == Backend::Postgres {
            // The connection goes back to the pool with the limit every other one has.
            conn.execute(sqlx::AssertSqlSafe(format!(
                "SET statement_timeout = '{}ms'",
                STATEMENT_LIMIT.as_millis()
            )))
            .await?;
        }
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// A pooled connection for reads.
    pub async fn conn(&self) -> crate::store::Result<sqlx::pool::PoolConnection<Any>> {
        Ok(self.pool.acquire().await?)
    }

    /// Opens a write transaction. On SQLite it takes the write lock at once (BEGIN IMMEDIATE):
    /// a deferred transaction that reads first and writes later would fail with SQLITE_BUSY
    /// instead of waiting when another writer got there in between.
    /// Interactive requests call this; while one waits for SQLite's write lock, long work holds
    /// back its next chunk (see [`WriteGate`]).
    pub async fn begin(&self) -> crate::store::Result<Tx> {
        let _waiting = (self.backend == Backend::Sqlite).then(|| self.gate.interactive());
        self.begin_now(INTERACTIVE).await
    }

    /// Opens the write transaction of one chunk of long work, after every interactive request
    /// waiting to write: commit it, then call [`BackgroundTurn::done`] to time it.
    pub async fn begin_background(
        &self,
        work: &'static str,
    ) -> crate::store::Result<(Tx, BackgroundTurn<'_>)> {
        if self.gate.checkpoint_due() {
            self.checkpoint().await?;
        }
        let turn = self.gate.background_turn().await;
        Ok((self.begin_now(work).await?, turn))
    }

    async fn begin_now(&self, work: &'static str) -> crate::store::Result<Tx> {
        let inner = match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        };
        let held = Held {
            gate: self.gate.clone(),
            work,
            since: Instant::now(),
        };
        Ok(Tx { inner, _held: held })
    }

    /// Copies what the write-ahead log holds back into the SQLite database file, as far as
    /// readers allow, without blocking writers (a passive checkpoint); the log then starts
    /// again from its beginning at a later write. Nothing to do on PostgreSQL.
    pub async fn checkpoint(&self) -> crate::store::Result<()> {
        if self.backend == Backend::Sqlite {
            sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
                .execute(&self.pool)
                .await?;
        }
        Ok(())
    }

    /// Refreshes PostgreSQL's planner statistics of `tables` (`ANALYZE`, which takes no lock that
    /// writers wait for); nothing on SQLite, whose plans here do not depend on them.
    pub async fn analyze(&self, tables: &[&str]) -> crate::store::Result<()> {
        if self.backend == Backend::Postgres {
            for table in tables {
                sqlx::query(sqlx::AssertSqlSafe(format!("ANALYZE {table}")))
                    .execute(&self.pool)
                    .await?;
            }
        }
        Ok(())
    }

    /// The writer queue, for the server's metrics.
    pub fn gate(&self) -> &Arc<WriteGate> {
        &self.gate
    }

    /// Writes a consistent copy of a SQLite database to `file` while the platform keeps running
    /// (`VACUUM INTO`: one read transaction, so the copy is a single moment of the database and
    /// opens as an ordinary SQLite file). PostgreSQL is backed up with its own tools (`pg_dump`).
    pub async fn backup_to(&self, file: &std::path::Path) -> anyhow::Result<()> {
        if self.backend == Backend::Postgres {
            anyhow::bail!("PostgreSQL 请用 pg_dump 备份(例如 pg_dump -Fc -f qinqing.dump 库名)");
        }
        if file.exists() {
            anyhow::bail!("{} 已存在:备份不覆盖已有文件", file.display());
        }
        let path = file
            .to_str()
            .ok_or_else(|| anyhow::anyhow!("备份文件路径须为 UTF-8"))?;
        sqlx::query("VACUUM INTO $1")
            .bind(path)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// `SELECT 1`, for the health check.
    pub async fn ping(&self) -> crate::store::Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// A savepoint inside a write transaction: a statement that may fail (a refused duplicate)
/// is tried under it, so the transaction stays usable afterwards — PostgreSQL otherwise aborts
/// the whole transaction on the first failed statement.
pub struct Savepoint;

impl Savepoint {
    pub async fn begin(conn: &mut sqlx::AnyConnection) -> crate::store::Result<Savepoint> {
        conn.execute("SAVEPOINT qq_attempt").await?;
        Ok(Savepoint)
    }

    pub async fn release(self, conn: &mut sqlx::AnyConnection) -> crate::store::Result<()> {
        conn.execute("RELEASE SAVEPOINT qq_attempt").await?;
        Ok(())
    }

    pub async fn roll_back(self, conn: &mut sqlx::AnyConnection) -> crate::store::Result<()> {
        conn.execute("ROLLBACK TO SAVEPOINT qq_attempt").await?;
        Ok(())
    }
}

fn backend_of(url: &str) -> anyhow::Result<Backend> {
    if url.starts_with("sqlite:") {
        Ok(Backend::Sqlite)
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Backend::Postgres)
    } else {
        anyhow::bail!("unsupported database URL {url:?}: use sqlite://FILE or postgres://...")
    }
}

fn pool_size(backend: Backend) -> u32 {
    match backend {
        Backend::Sqlite => 8,
        Backend::Postgres => 16,
    }
}

/// sqlx opens SQLite files read-write but does not create them unless asked (`mode=rwc`).
fn sqlite_url_creating_file(url: &str) -> String {
    if url.contains("mode=") || url.contains(":memory:") {
        url.to_string()
    } else if url.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_choose_the_backend() {
        assert_eq!(backend_of("sqlite://qinqing.db").unwrap(), Backend::Sqlite);
        assert_eq!(
            backend_of("postgres://127.0.0.1/test").unwrap(),
            Backend::Postgres
        );
        assert_eq!(backend_of("postgresql://h/db").unwrap(), Backend::Postgres);
        assert!(backend_of("mysql://h/db").is_err());
    }

    #[test]
    fn sqlite_files_are_created_on_first_start() {
        assert_eq!(
            sqlite_url_creating_file("sqlite://q.db"),
            "sqlite://q.db?mode=rwc"
        );
        assert_eq!(
            sqlite_url_creating_file("sqlite://q.db?x=1"),
            "sqlite://q.db?x=1&mode=rwc"
        );
        assert_eq!(
            sqlite_url_creating_file("sqlite://q.db?mode=ro"),
            "sqlite://q.db?mode=ro"
        );
    }
}
