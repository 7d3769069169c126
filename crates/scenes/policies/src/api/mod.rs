//! The scene's JSON API: policies, applications and their review, payouts, integrity, pushes
//! and application materials.

pub mod materials;
pub mod policies;
pub mod pushes;
