//! The scene's pages: the policy library, entitlements, applications, reviews, payouts, the
//! policy builder, pushes and application materials.

pub mod materials;
pub mod policies;
pub mod policy_builder;
pub mod pushes;
