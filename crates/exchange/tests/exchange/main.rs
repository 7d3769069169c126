//! Integration tests of the enterprise file through the public API only: round trips, error
//! reports, what Excel writes, robustness against garbage, speed and the shipped sample.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test or benchmark stops at its first surprise"
)]
mod common;
mod errors;
mod excel;
mod never_panics;
mod round_trip;
mod samples;
