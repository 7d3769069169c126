//! The scene's JSON API: policies, applications and their review, payouts, integrity, pushes
//! and application materials.

pub mod materials;
pub mod policies;
pub mod pushes;

/// The scene's tag in the API document; its paths come from the handlers' annotations.
#[derive(utoipa::OpenApi)]
#[openapi(tags((name = "policies", description = "惠企政策兑现:政策库、可享政策、申报、审核、免申即享、直达拨付")))]
pub struct ApiDoc;
