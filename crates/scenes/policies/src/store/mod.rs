//! The scene's SQL: policies and their versions, applications, 免申即享 runs, payouts, pushes,
//! ratings and integrity records, over the kernel's store.
//!
//! Lock order. On PostgreSQL a transaction that takes several rows for its rest takes them in
//! this order, so two transactions never wait for each other in a circle:
//! 1. the application (`applications::lock`; a grant takes it first, whatever took it before);
//! 2. the enterprise's grants of the year (`applications::lock_grants`);
//! 3. the policy's budget (`policies::lock`, `commit_budget`, `reserve_budget`, `commit_reserved`),
//!    then its fiscal levels' budgets (`level_budgets`), from the national level down;
//! 4. rows the transaction creates (offers, payouts, pushes, messages) and the trail entry,
//!    written last.
//!
//! A 免申即享 chunk starts at 3 (it creates its applications); a final approval and the
//! confirmation of an offer go 1 → 2 → 3 (a confirmation first saves the enterprise's own bank
//! account, which no other path holds). Nothing takes a lower number after a higher one.

pub mod applications;
pub mod auto_grant;
pub mod flags;
pub mod integrity;
pub mod level_budgets;
pub mod payouts;
pub mod policies;
pub mod pushes;
pub mod ratings;
