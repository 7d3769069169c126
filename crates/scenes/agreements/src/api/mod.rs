//! The scene's JSON handlers under `/api/v1`, merged into the kernel's API by the scene.

// Handlers return `Result<_, Response>` to short-circuit with a finished response; a response is
// built once per request, so boxing it to shrink the `Err` variant would buy nothing.
#![allow(clippy::result_large_err)]

pub mod agreements;
pub mod documents;
pub mod import;
pub mod supervision;

/// The scene's tag in the API document; its paths come from the handlers' annotations.
#[derive(utoipa::OpenApi)]
#[openapi(tags((name = "agreements", description = "政企合同双兑现:投资协议、承诺事项时间轴、履约申报与确认、豁免与违约")))]
pub struct ApiDoc;
