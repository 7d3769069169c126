//! The scene's JSON API under `/api/v1`, merged into the kernel's with its OpenAPI paths.

pub mod clinic;
pub mod request_analysis;
pub mod requests;
