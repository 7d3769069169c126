//! 厂房报建全网办, a scene of the Qinqing platform: an enterprise registers its industrial project
//! and applies on-line for the approval matters of the four stages of the national reform of
//! construction approval (立项用地规划许可, 工程建设许可, 施工许可, 竣工验收, and the matters run
//! alongside); the department that owns a matter takes it in on its promised time limit in
//! working days and decides, and everyone concerned sees where every matter stands. It plugs
//! into the kernel through [`scene()`].
//!
//! The matters come from a catalogue (`data/matters.csv`, each with its legal basis), read by
//! [`catalogue`], which knows nothing of the database.

mod access;
pub mod api;
pub mod case;
pub mod catalogue;
pub mod dashboard;
pub mod demo;
pub mod entrustment;
pub mod fee;
pub mod licence;
pub mod notice;
mod offices;
pub mod pages;
pub mod project;
pub mod review;
pub mod scene;
pub mod status;
pub mod store;
pub mod survey;
pub mod tolerance;
mod trail;
pub mod vault;

use catalogue::Catalogue;
use std::sync::LazyLock;

/// The catalogue in force: the national one compiled in.
pub(crate) fn catalogue() -> &'static Catalogue {
    static BUILTIN: LazyLock<Catalogue> = LazyLock::new(Catalogue::builtin);
    &BUILTIN
}

/// The scene, as the binary hands it to the kernel at start-up.
pub fn scene() -> std::sync::Arc<dyn qinqing_kernel::web::WebScene> {
    std::sync::Arc::new(scene::Construction)
}
