//! 政企合同双兑现 ("承诺必践"), a scene of the Qinqing platform: investment agreements between
//! the district and an enterprise, split into the commitment items of both sides (承诺事项),
//! each on the kernel's shared time-limit mechanism — with the project pages and the JSON API
//! to record and act on them, the XLSX import of items, the agreement document, supervision of
//! fulfilment by 效能办, 招商办 and 纪检, and the demo district's agreements. It plugs into the
//! kernel through [`scene()`].
//!
//! Planned dates are never stored: they follow from the items and today (see
//! `qinqing_domain::commitment`). Every change to an agreement re-syncs the clocks of its items
//! in the same transaction, so an open item always has exactly one running clock ending on its
//! planned date — supervised by 效能办 for government items and by 招商办 for enterprise items —
//! and a dependant whose date moved gets a new clock and tells the people answering for it.

mod access;
mod agreement;
pub mod api;
mod clocks;
pub mod demo;
pub mod document;
mod evidence;
mod follow;
mod holds;
pub mod import;
mod input;
mod items;
mod messages;
mod model;
pub mod pages;
pub mod scene;
pub mod steps;
pub mod store;
pub mod supervision;
mod timeline;
mod workspace;

pub use access::may_create;
pub use agreement::{create, get, link_enterprise, list, standard_template};
pub use clocks::{CLOCK_KIND, clock_kind};
pub use evidence::{evidence, evidence_content, upload_evidence};
pub use follow::follow_slips;
pub use items::{ItemAction, act, act_with, save_item};
pub use model::{
    AgreementInput, AgreementSummary, AgreementView, FROM_SIGNING, ItemInput, ItemView,
};
pub use workspace::{ItemRights, Workspace, workspace};

/// The scene, as the binary hands it to the kernel at start-up.
pub fn scene() -> std::sync::Arc<dyn qinqing_kernel::web::WebScene> {
    std::sync::Arc::new(scene::Agreements)
}
