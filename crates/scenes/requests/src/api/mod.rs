//! The scene's JSON API under `/api/v1`, merged into the kernel's with its OpenAPI paths.

pub mod clinic;
pub mod request_analysis;
pub mod requests;

/// The scene's tag in the API document; its paths come from the handlers' annotations.
#[derive(utoipa::OpenApi)]
#[openapi(tags((name = "requests", description = "诉求必应:诉求类别、分派规则、登记、签收、转办、延期、答复、回访;会商与会诊日;Open311 接口密钥")))]
pub struct ApiDoc;
