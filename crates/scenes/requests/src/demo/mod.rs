//! The scene's share of the demo district: routing rules, requests in every state and a past
//! 会诊日.

pub mod clinic;
pub mod requests;
