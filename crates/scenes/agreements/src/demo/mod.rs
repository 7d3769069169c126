//! The scene's share of the demo district.

pub mod agreements;
