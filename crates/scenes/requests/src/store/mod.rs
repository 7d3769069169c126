//! The scene's SQL, over the kernel's store (`qinqing_kernel::store`): requests, their routing
//! and API keys, 会商, 会诊日 and the figures of 研判.

pub mod clinic;
pub mod consultations;
pub mod flags;
pub mod request_analysis;
pub mod requests;
