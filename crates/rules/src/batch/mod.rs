//! The column evaluator: a whole population against a whole policy library in one sweep.
//!
//! It must return exactly what the single-record evaluator returns (outcome, amount, missing
//! facts, and the granted amount after cross-policy rules); `tests/equivalence.rs` checks this
//! with random policies and random subjects, missing data included. The per-row parts (rewards,
//! missing facts) reuse the single evaluator's code; the tests become column kernels.

mod columns;
mod compile;
mod profiles;
mod sweep;

pub use columns::{Columns, ColumnsBuilder};
pub use profiles::ProfileColumns;
pub use sweep::{BLOCK, Counts, PolicyColumn, SweepResult, sweep, sweep_before_budgets};
