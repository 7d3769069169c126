//! The OpenAPI document of the JSON API, generated from the handlers' annotations.

use crate::web::AppState;
use axum::Router;
use axum::body::Bytes;
use axum::http::header::CONTENT_TYPE;
use axum::routing::get;
use serde_json::{Value, json};
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
/// document is written out once, here, not on every request. Refusals by the framework answer in
/// the API's error body like every other error.
pub fn with_document(api: OpenApiRouter<AppState>) -> Router<AppState> {
    let (router, document) = api.split_for_parts();
    let body = match serde_json::to_value(&document).and_then(|mut doc| {
        declare_common_refusals(&mut doc);
        serde_json::to_vec(&doc)
    }) {
        Ok(json) => Bytes::from(json),
        Err(e) => {
            tracing::error!(error = %e, "the OpenAPI document could not be written as JSON");
            Bytes::from_static(b"{}")
        }
    };
    router
        .layer(axum::middleware::map_response(
            crate::web::error::framework_refusals_as_json,
        ))
        .route(
            "/api/v1/openapi.json",
            get(move || async move { ([(CONTENT_TYPE, "application/json")], body) }),
        )
}

/// Tags whose operations anyone may call without signing in.
const PUBLIC_TAGS: [&str; 3] = ["reference", "calendar", "system"];

/// The refusals the platform's common layers can give on an operation, beside what its handler
/// declares: the extractors refuse malformed input (400; 413, 415 and 422 for a body), the session
/// layer a missing session or CSRF token (401, 403), the lookup an unknown or invisible object
/// (404), the store a busy database (503 with `Retry-After`). Declared here by what each operation
/// takes, once, rather than on each of 150 handlers; what a handler declares itself is kept.
fn declare_common_refusals(doc: &mut Value) {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for (method, operation) in paths
        .values_mut()
        .filter_map(Value::as_object_mut)
        .flat_map(|item| item.iter_mut())
    {
        let statuses = refusals_of(method, operation);
        let Some(responses) = operation
            .get_mut("responses")
            .and_then(Value::as_object_mut)
        else {
            continue;
        };
        for status in statuses {
            responses
                .entry(status.to_string())
                .or_insert_with(|| refusal(status));
        }
    }
    if let Some(components) = doc.get_mut("components").and_then(Value::as_object_mut) {
        let shared = COMMON_REFUSALS
            .iter()
            .map(|(status, description)| {
                let body = json!({ "description": description, "content": { "application/json": {
                    "schema": { "$ref": "#/components/schemas/ErrorBody" } } } });
                (refusal_name(status), body)
            })
            .collect::<serde_json::Map<_, _>>();
        components.insert("responses".into(), Value::Object(shared));
    }
}

/// The statuses the common layers may answer on one operation.
fn refusals_of(method: &str, operation: &Value) -> Vec<&'static str> {
    let parameters_in = |place: &str| {
        operation["parameters"]
            .as_array()
            .is_some_and(|ps| ps.iter().any(|p| p["in"] == place))
    };
    let has_body = operation.get("requestBody").is_some();
    let public = method == "get"
        && operation["tags"].as_array().is_some_and(|tags| {
            tags.iter()
                .any(|t| PUBLIC_TAGS.contains(&t.as_str().unwrap_or("")))
        });
    let mut statuses = vec!["503"];
    if has_body || parameters_in("path") || parameters_in("query") {
        statuses.push("400");
    }
    if !public {
        statuses.extend(["401", "403"]);
    }
    if parameters_in("path") {
        statuses.push("404");
    }
    if has_body {
        statuses.extend(["413", "415"]);
    }
    // Path parameters are parsed as what they name (a credit code, a receipt number): a malformed
    // one is refused as invalid, like a field.
    if has_body || parameters_in("query") || parameters_in("path") {
        statuses.push("422");
    }
    statuses
}

/// Each common refusal, described once under `components/responses`.
const COMMON_REFUSALS: [(&str, &str); 8] = [
    ("400", "请求格式有误(JSON、地址或查询参数无法解析)"),
    ("401", "未登录或会话已过期"),
    ("403", "无权进行此操作,或缺少 X-CSRF-Token"),
    ("404", "没有这个对象,或无权查看"),
    ("413", "提交的内容过大"),
    ("415", "请求内容类型不对"),
    ("422", "内容有误:错误信息指出哪个字段或参数、哪一行"),
    ("503", "数据库繁忙,请按 Retry-After 稍后重试"),
];

fn refusal_name(status: &str) -> String {
    format!("Refusal{status}")
}

fn refusal(status: &str) -> Value {
    json!({ "$ref": format!("#/components/responses/{}", refusal_name(status)) })
}
