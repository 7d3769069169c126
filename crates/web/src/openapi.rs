//! The OpenAPI document of the JSON API, generated from the handlers' annotations.

use axum::Json;
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(title = "亲清家园 Qinqing API", description = "政企服务与监督平台的 JSON 接口。会话以 Cookie 维持;改变状态的请求须带 X-CSRF-Token 头。"),
    paths(
        crate::api::healthz,
        crate::api::reference::credit_code,
        crate::api::reference::size_class,
        crate::api::reference::industries,
        crate::api::reference::add_working_days,
        crate::api::reference::working_days_between,
        crate::api::auth::login,
        crate::api::auth::logout,
        crate::api::auth::me,
        crate::api::auth::change_password,
        crate::api::enterprises::register,
        crate::api::enterprises::list,
        crate::api::enterprises::get,
        crate::api::enterprises::update,
        crate::api::enterprises::import,
        crate::api::enterprises::export,
        crate::api::admin::users,
        crate::api::admin::create_user,
        crate::api::admin::reset_password,
        crate::api::admin::assign_steward,
        crate::api::admin::organisations,
        crate::api::admin::calendar,
        crate::api::admin::replace_calendar,
        crate::api::deadlines::mine,
        crate::api::deadlines::act,
        crate::api::deadlines::for_object,
        crate::api::deadlines::control,
        crate::api::deadlines::rules,
        crate::api::deadlines::replace_rules,
        crate::api::notifications::list,
        crate::api::notifications::read,
        crate::api::notifications::preferences,
        crate::api::notifications::set_preferences,
        crate::api::notifications::outbox,
        crate::api::audit::checkpoint,
        crate::api::audit::verifier,
        crate::api::audit::entry,
        crate::api::audit::inclusion,
        crate::api::audit::consistency,
    ),
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

pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
