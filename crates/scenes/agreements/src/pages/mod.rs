//! The scene's server-rendered pages, merged into the kernel's routes by the scene.

// Handlers return `Result<_, Response>` to short-circuit with a finished response; a response is
// built once per request, so boxing it to shrink the `Err` variant would buy nothing.
#![allow(clippy::result_large_err)]

pub mod agreements;
pub mod form;
pub mod project;
pub mod supervision;
