//! The scene's server-rendered pages, merged into the kernel's routes by the scene.

// Handlers return `Result<_, Response>` to short-circuit with a finished response; a response is
// built once per request, so boxing it to shrink the `Err` variant would buy nothing.
#![allow(clippy::result_large_err)]

use qinqing_domain::commitment::Status;

pub mod agreements;
pub mod form;
pub mod project;
pub mod supervision;

/// The colour of an item state's tag: closed well, needs watching, gone wrong; none while it is
/// only planned.
fn tone(status: Status) -> &'static str {
    match status {
        Status::FulfilledOnTime | Status::Waived => "good",
        Status::DueSoon | Status::Due | Status::Reported | Status::FulfilledLate => "watch",
        Status::Overdue | Status::Breached | Status::Suspended => "bad",
        Status::Planned => "",
    }
}
