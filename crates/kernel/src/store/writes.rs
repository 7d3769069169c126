//! Who writes first on SQLite, where one writer at a time holds the database: people at the
//! counter before long work. Long work writes in chunks, each a short transaction taken through
//! [`WriteGate::background_turn`], which waits while any interactive request is waiting for the
//! write lock and lets one chunk through at a time; interactive transactions never wait for the
//! gate. Every chunk's transaction is timed for `/metrics`.

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
    durations: Family<WorkLabel, Histogram>,
    longest: Gauge<f64, AtomicU64>,
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
            longest: Gauge::default(),
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

/// A background chunk's turn to write; timed from taking the turn to [`BackgroundTurn::done`].
pub struct BackgroundTurn<'a> {
    gate: &'a WriteGate,
    work: &'static str,
    started: Instant,
    _one_at_a_time: MutexGuard<'a, ()>,
}

impl BackgroundTurn<'_> {
    /// Records how long the chunk's transaction took.
    pub fn done(self) -> Duration {
        let took = self.started.elapsed();
        self.gate.record(self.work, took);
        took
    }
}

impl WriteGate {
    pub fn interactive(&self) -> Waiting<'_> {
        self.waiting.fetch_add(1, Ordering::SeqCst);
        Waiting(self)
    }

    /// Waits until no interactive request is waiting to write, then takes the one background
    /// turn.
    pub async fn background_turn(&self, work: &'static str) -> BackgroundTurn<'_> {
        let turn = self.background.lock().await;
        while self.waiting.load(Ordering::SeqCst) > 0 {
            let _ = tokio::time::timeout(RECHECK, self.free.notified()).await;
        }
        BackgroundTurn {
            gate: self,
            work,
            started: Instant::now(),
            _one_at_a_time: turn,
        }
    }

    fn record(&self, work: &str, took: Duration) {
        let seconds = took.as_secs_f64();
        self.durations
            .get_or_create(&WorkLabel { work: work.into() })
            .observe(seconds);
        if seconds > self.longest.get() {
            self.longest.set(seconds);
        }
    }

    /// Registers the chunk durations and the longest one with the server's metrics.
    pub fn register(self: &Arc<Self>, registry: &mut prometheus_client::registry::Registry) {
        registry.register(
            "background_write_duration_seconds",
            "How long each write transaction of long work (one chunk) held the database",
            self.durations.clone(),
        );
        registry.register(
            "background_write_longest_seconds",
            "The longest write transaction of long work since the server started",
            self.longest.clone(),
        );
    }

    /// The longest chunk transaction so far.
    pub fn longest(&self) -> Duration {
        Duration::from_secs_f64(self.longest.get())
    }
}
