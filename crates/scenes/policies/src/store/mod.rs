//! The scene's SQL: policies and their versions, applications, 免申即享 runs, payouts, pushes,
//! ratings and integrity records, over the kernel's store.

pub mod applications;
pub mod auto_grant;
pub mod integrity;
pub mod payouts;
pub mod policies;
pub mod pushes;
pub mod ratings;
