//! The scene's pages, built on the kernel's page kit (`qinqing_kernel::web::pages`).

pub mod clinic;
pub mod request_analysis;
pub mod request_routes;
pub mod requests;

pub use qinqing_kernel::web::pages::step::Step;
