//! The OpenAPI document of the JSON API, generated from the handlers' annotations.

use crate::web::AppState;
use axum::Router;
use axum::body::Bytes;
use axum::http::header::CONTENT_TYPE;
use axum::routing::get;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

/// What no handler says: the API's title, description and the kernel's tags (each scene adds its
/// own). The paths and their schemas come from the handlers' annotations, as each file's route
/// table collects them.
#[derive(OpenApi)]
#[openapi(
    info(title = "亲清家园 Qinqing API", description = "政企服务与监督平台的 JSON 接口。会话以 Cookie 维持;改变状态的请求须带 X-CSRF-Token 头。"),
    tags(
        (name = "reference", description = "公共参考数据:信用代码、企业划型、行业"),
        (name = "calendar", description = "工作日历"),
        (name = "auth", description = "登录与会话"),
        (name = "enterprises", description = "企业注册与企业画像"),
        (name = "admin", description = "账户与组织管理"),
        (name = "deadlines", description = "时限与分级预警(提醒、警示、催告、上报纪检)"),
        (name = "messages", description = "站内信、短信与通知渠道;管理员的消息发送记录"),
        (name = "audit", description = "可验证的审计日志(RFC 9162 默克尔树、C2SP 签名检查点)"),
        (name = "system", description = "运行状态"),
    )
)]
pub struct ApiDoc;

/// The API's routes, and `/api/v1/openapi.json` serving the document they collected; the
/// document is written out once, here, not on every request.
pub fn with_document(api: OpenApiRouter<AppState>) -> Router<AppState> {
    let (router, document) = api.split_for_parts();
    let body = match serde_json::to_vec(&document) {
        Ok(json) => Bytes::from(json),
        Err(e) => {
            tracing::error!(error = %e, "the OpenAPI document could not be written as JSON");
            Bytes::from_static(b"{}")
        }
    };
    router.route(
        "/api/v1/openapi.json",
        get(move || async move { ([(CONTENT_TYPE, "application/json")], body) }),
    )
}
