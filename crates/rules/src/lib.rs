//! Qinqing's rules engine: benefit policies as data (one TOML file each), evaluated the same way
//! for one enterprise on a phone and for a whole province in one sweep.
//!
//! - [`schema`]: the attributes a policy may test (standard profile fields + custom ones).
//! - [`read`]: policy files → [`model::Policy`], every problem reported with file and line.
//! - [`eval`]: the single-record evaluator (outcome, exact amount, explanation, near miss).
//! - [`cross`]: exclusive groups, annual caps over several policies, budgets.
//! - [`batch`]: the column evaluator for sweeps over a whole population.
//! - [`builder`]: a definition as the form-based builder shows it, and back.
//!
//! The library performs no I/O; [`files`] holds the thin directory loader the CLI uses.

pub mod api;
pub mod batch;
pub mod builder;
pub mod cases;
pub mod cross;
pub mod diag;
pub mod eval;
pub mod facts;
pub mod files;
pub mod model;
mod num;
pub mod read;
pub mod schema;
pub mod set;
pub mod text;
mod tree;
mod validate;

pub use cases::{CaseReport, run_cases};
pub use diag::Diagnostic;
pub use eval::{
    EvalOptions, Evaluation, MissingFact, Outcome, RegionNames, Terms, decide, evaluate,
    evaluate_named, terms,
};
pub use facts::{Facts, Value};
pub use model::Policy;
pub use read::parse_policy;
pub use schema::{AttrDef, AttrType, Entity, Schema};
pub use set::PolicySet;
