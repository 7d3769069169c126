//! 诉求必应: enterprise requests in a closed loop — 登记 (registered by the enterprise, its
//! steward, a hotline handler or another channel), routed at once to the owning department
//! (首接负责, one transfer allowed), a 24-hour response clock and a resolution clock of the
//! category's working days on the shared deadline mechanism, extensions approved by the
//! department lead, the reply, and the 回访 that closes the request or reopens it one grade up.
//! A transfer keeps both clocks as they are: the enterprise's wait does not start again because
//! the government passed its request on.
//!
//! Who sees a request: the enterprise and its steward; the owning department, the one it was
//! transferred from and those invited to 会商; whoever registered it; supervisors, towns and the district within their
//! region. A request is closed by a follow-up, or by the scheduler when the follow-up window
//! passes without one (`auto_close`).
//!
//! The crate plugs into the platform through [`scene()`]: the use cases sit at its root (with
//! the request model they share in [`model`] and who may see and act in [`access`]), over their
//! SQL in [`store`]; [`api`], [`pages`] and [`open311::web`] serve them, and [`demo`] plays the
//! scene's share of the demo district.

pub mod access;
pub mod analysis;
pub mod api;
pub mod api_keys;
pub mod auto_close;
pub mod clinic;
pub mod consultation;
pub mod demo;
pub mod files;
pub mod flags;
pub mod handling;
pub mod intake;
pub mod messages;
pub mod model;
pub mod open311;
pub mod pages;
pub mod routing;
pub mod scene;
pub mod store;

use std::sync::Arc;

/// The scene, for the binary's list of scenes.
pub fn scene() -> Arc<dyn qinqing_kernel::web::WebScene> {
    Arc::new(scene::Requests)
}
