//! Who writes first on SQLite, where one writer at a time holds the database: people at the
//! counter before long work. Long work writes in chunks, each a short transaction taken through
//! [`WriteGate::background_turn`], which waits while any interactive request is waiting for the
//! write lock and lets one chunk through at a time; interactive transactions never wait for the
//! gate. Every write transaction, interactive or long work's, is timed for `/metrics` (see
//! [`crate::store::Tx`]).

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::{Mutex, MutexGuard, Notify};

/// How long a chunk waiting behind interactive writers sleeps before it looks again, in case
/// it missed the wake-up of the last one.
const RECHECK: Duration = Duration::from_millis(20);
/// Long work checkpoints SQLite's write-ahead log at most this often (see `Db::checkpoint`).
const CHECKPOINT_EVERY: Duration = Duration::from_millis(500);
/// A write transaction held longer than this keeps people at the counter waiting: it is
/// logged with its kind of work, beside the metrics.
const SLOW_WRITE: Duration = Duration::from_millis(100);

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct WorkLabel {
    pub work: String,
}

#[derive(Debug)]
pub struct WriteGate {
    /// Interactive requests waiting for the write lock right now.
    waiting: AtomicUsize,
    free: Notify,
    /// One background chunk writes at a time.
    background: Mutex<()>,
    /// How long write transactions held the database, by work (`interactive` for requests).
    durations: Family<WorkLabel, Histogram>,
    longest: Family<WorkLabel, Gauge<f64, AtomicU64>>,
    longest_lock: std::sync::Mutex<()>,
    last_checkpoint: std::sync::Mutex<Instant>,
}

impl Default for WriteGate {
    fn default() -> Self {
        WriteGate {
            waiting: AtomicUsize::new(0),
            free: Notify::new(),
            background: Mutex::new(()),
            // 1 ms to about 8 s.
            durations: Family::new_with_constructor(|| {
                Histogram::new(exponential_buckets(0.001, 2.0, 14))
            }),
            longest: Family::default(),
            longest_lock: std::sync::Mutex::new(()),
            last_checkpoint: std::sync::Mutex::new(Instant::now()),
        }
    }
}

/// An interactive request waiting for the write lock; background chunks hold back until it
/// is dropped.
pub struct Waiting<'a>(&'a WriteGate);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        if self.0.waiting.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.0.free.notify_waiters();
        }
    }
}

/// A background chunk's turn to write, from taking the turn to [`BackgroundTurn::done`].
pub struct BackgroundTurn<'a> {
    started: Instant,
    _one_at_a_time: MutexGuard<'a, ()>,
}

impl BackgroundTurn<'_> {
    /// Gives the turn up; how long the chunk took, for sizing the next one.
    pub fn done(self) -> Duration {
        self.started.elapsed()
    }
}

impl WriteGate {
    pub fn interactive(&self) -> Waiting<'_> {
        self.waiting.fetch_add(1, Ordering::SeqCst);
        Waiting(self)
    }

    /// Waits until no interactive request is waiting to write, then takes the one background
    /// turn.
    pub async fn background_turn(&self) -> BackgroundTurn<'_> {
        let turn = self.background.lock().await;
        while self.waiting.load(Ordering::SeqCst) > 0 {
            let _ = tokio::time::timeout(RECHECK, self.free.notified()).await;
        }
        BackgroundTurn {
            started: Instant::now(),
            _one_at_a_time: turn,
        }
    }

    /// Counts one write transaction of `work` that held the database for `took`.
    pub(crate) fn record(&self, work: &str, took: Duration) {
        if took > SLOW_WRITE {
            tracing::warn!(work, millis = took.as_millis(), "slow write transaction");
        }
        let label = WorkLabel { work: work.into() };
        let seconds = took.as_secs_f64();
        self.durations.get_or_create(&label).observe(seconds);
        let longest = self.longest.get_or_create(&label);
        // Transactions ending at once must not overwrite a longer one with a shorter.
        let _one_at_a_time = self.longest_lock.lock().unwrap_or_else(|p| p.into_inner());
        if seconds > longest.get() {
            longest.set(seconds);
        }
    }

    /// Whether long work should checkpoint SQLite's write-ahead log before its next chunk: true
    /// at most once every [`CHECKPOINT_EVERY`], and then not again until that has passed.
    pub(crate) fn checkpoint_due(&self) -> bool {
        let mut last = self
            .last_checkpoint
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        let due = last.elapsed() >= CHECKPOINT_EVERY;
        if due {
            *last = Instant::now();
        }
        due
    }

    /// Registers the write transactions' durations and the longest of each work with the
    /// server's metrics.
    pub fn register(self: &Arc<Self>, registry: &mut prometheus_client::registry::Registry) {
        registry.register(
            "write_transaction_duration_seconds",
            "How long each write transaction held the database, by work (interactive requests or \
             a kind of long work)",
            self.durations.clone(),
        );
        registry.register(
            "write_transaction_longest_seconds",
            "The longest write transaction since the server started, by work",
            self.longest.clone(),
        );
    }
}

/// Keeps the planner's statistics of the tables long work fills up to date while it fills
/// them: a 免申即享 run adds a row per enterprise to a table that may have held a few hundred,
/// and with statistics from before, PostgreSQL estimated one row for the policy's applications
/// and read all of them in every chunk (about 100 ms a chunk at 88,000 rows). Autovacuum
/// catches up only a minute later, or never where it is turned off. The tables are analysed
/// each time the rows written since the work started double, from 1,000 on: about 17 times
/// for 100,000 rows.
#[derive(Debug, Clone)]
pub struct FreshStatistics {
    tables: &'static [&'static str],
    written: u64,
    next: u64,
}

impl FreshStatistics {
    pub fn new(tables: &'static [&'static str]) -> Self {
        FreshStatistics {
            tables,
            written: 0,
            next: 1_000,
        }
    }

    /// Counts `rows` more written, and refreshes the statistics when they have doubled.
    pub async fn wrote(&mut self, db: &super::Db, rows: usize) -> super::Result<()> {
        self.written += u64::try_from(rows).unwrap_or(u64::MAX);
        if self.written >= self.next {
            self.next = self.written.saturating_mul(2);
            db.analyze(self.tables).await?;
        }
        Ok(())
    }
}

/// How many items long work takes in its next chunk: more while chunks write quickly, fewer
/// when they are slow, so each chunk's write transaction takes about `target` on whatever
/// database and machine it runs (PostgreSQL pays a round trip per statement, SQLite does not).
#[derive(Debug, Clone, Copy)]
pub struct ChunkSize {
    size: usize,
    min: usize,
    max: usize,
    target: Duration,
}

impl ChunkSize {
    pub const fn new(first: usize, (min, max): (usize, usize), target: Duration) -> ChunkSize {
        ChunkSize {
            size: first,
            min,
            max,
            target,
        }
    }

    pub fn get(&self) -> usize {
        self.size
    }

    /// Adapts the size to how long the last chunk's transaction took: in proportion at once
    /// when it was slow (one slow chunk must not be followed by several), growing by half at
    /// most when it was quick.
    pub fn after(&mut self, took: Duration) {
        if took > self.target * 3 / 2 {
            let fitting = self.size as f64 * self.target.as_secs_f64() / took.as_secs_f64();
            self.size = (fitting as usize).clamp(self.min, self.size);
        } else if took < self.target / 2 {
            self.size = (self.size * 3 / 2).min(self.max);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ChunkSize;
    use std::time::Duration;

    #[test]
    fn chunks_grow_while_quick_and_shrink_when_slow_within_their_bounds() {
        let ms = Duration::from_millis;
        let mut size = ChunkSize::new(200, (20, 500), ms(25));
        size.after(ms(5));
        assert_eq!(size.get(), 300);
        size.after(ms(20));
        assert_eq!(size.get(), 300, "near the target it stays");
        for _ in 0..10 {
            size.after(ms(1));
        }
        assert_eq!(size.get(), 500);
        size.after(ms(100));
        assert_eq!(
            size.get(),
            125,
            "four times the target: a quarter the size, at once"
        );
        size.after(ms(1000));
        assert_eq!(size.get(), 20, "never below the least");
    }
}
