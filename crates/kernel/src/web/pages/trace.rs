//! 留痕: the full history of an object, verifiable in the browser against the signed checkpoint.

use super::{Layout, error_page};
use crate::audit_log;
use crate::audit_log::{ActorNames, StoredEntry};
use crate::web::AppState;
use crate::web::session::PageUser;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use qinqing_domain::org::Role;

/// The routes of this module's pages and forms.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/trace/{object_type}/{object_id}", get(page))
        .route("/warnings/{id}/act", post(act_on_warning))
        .route("/deadlines/{id}/{action}", post(control_clock))
}

/// One row of the history as a person reads it.
pub struct TraceRow {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub changes: Vec<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "trace.html")]
pub struct TracePage {
    layout: Layout,
    heading: String,
    back: Option<String>,
    entries: Vec<TraceRow>,
    deadlines: Vec<crate::deadlines::DeadlineView>,
    /// Case staff may pause, resume and stop clocks.
    may_control: bool,
}

/// Who did it, by name: "张三(经办人)", or for an act on an enterprise's behalf
/// "由 李管家(亲清管家)代 某公司 办理".
fn actor_label(entry: &StoredEntry, names: &ActorNames) -> String {
    let Some(actor) = &entry.record.actor else {
        return "平台".into();
    };
    let role: &str = match Role::parse(&actor.role) {
        Some(role) => role.label_zh(),
        None => &actor.role,
    };
    let person = names
        .people
        .get(&actor.user_id)
        .map_or(actor.username.as_str(), String::as_str);
    match &actor.on_behalf_of {
        Some(code) => {
            let firm = names
                .enterprises
                .get(code)
                .map_or(code.as_str(), String::as_str);
            format!("由 {person}({role})代 {firm} 办理")
        }
        None => format!("{person}({role})"),
    }
}

/// The steward or authorised person of an assignment or an authorisation, its matters and
/// its last day.
fn mandate_lines(detail: &serde_json::Value) -> Option<Vec<String>> {
    let person = detail["grantee_name"]
        .as_str()
        .map(|n| format!("被授权人:{n}"))
        .or_else(|| {
            detail["steward_name"]
                .as_str()
                .map(|n| format!("亲清管家:{n}"))
        })?;
    let mut lines = vec![person];
    if let Some(labels) = detail["matter_labels"].as_array() {
        let labels: Vec<&str> = labels.iter().filter_map(|l| l.as_str()).collect();
        lines.push(format!("事项:{}", labels.join(";")));
    }
    if let Some(until) = detail["valid_until"].as_str() {
        lines.push(format!("有效至:{until}"));
    }
    if let Some(n) = detail["authorisations_revoked"].as_i64().filter(|n| *n > 0) {
        lines.push(format!("同时撤销其代办授权 {n} 份"));
    }
    Some(lines)
}

/// "2025 年 revenue:1000.00 → 1200.00" for each recorded change; the year of an import.
fn change_lines(detail: &serde_json::Value) -> Vec<String> {
    if let Some(year) = detail["figures"]["year"].as_i64() {
        return vec![format!("{year} 年度数据")];
    }
    if let Some(grade) = detail["grade"]
        .as_str()
        .and_then(qinqing_domain::deadline::Grade::parse)
    {
        let label = detail["label"].as_str().unwrap_or("");
        return vec![format!("{}:{label}", grade.label_zh())];
    }
    if let Some(lines) = mandate_lines(detail) {
        return lines;
    }
    let Some(changes) = detail["changes"].as_array() else {
        return Vec::new();
    };
    let text = |v: &serde_json::Value| v.as_str().unwrap_or("(空)").to_string();
    changes
        .iter()
        .map(|c| {
            let year = c["year"]
                .as_i64()
                .map(|y| format!("{y} 年 "))
                .unwrap_or_default();
            let field = field_label(c["field"].as_str().unwrap_or(""));
            format!("{year}{field}:{} → {}", text(&c["old"]), text(&c["new"]))
        })
        .collect()
}

/// What people call a field of the enterprise profile that a change names (`revenue` → 营业收入):
/// the identity fields here, the figures as the rules engine labels them.
fn field_label(field: &str) -> String {
    let identity = match field {
        "name" => "企业名称",
        "legal_representative" => "法定代表人",
        "contact_phone" => "联系电话",
        "industry_code" => "所属行业",
        "region_code" => "所在区域",
        "ownership" => "登记注册类型",
        "established_on" => "成立日期",
        "credit_status" => "信用状况",
        "qualifications" => "资质与荣誉",
        other => {
            let schema = qinqing_rules::Schema::standard();
            return schema
                .get(other)
                .map_or_else(|| other.to_string(), |id| schema.def(id).label.clone());
        }
    };
    identity.to_string()
}

fn row(app: &crate::App, entry: &StoredEntry, names: &ActorNames) -> TraceRow {
    TraceRow {
        seq: entry.seq,
        at: chrono::DateTime::parse_from_rfc3339(&entry.record.recorded_at).map_or_else(
            |_| entry.record.recorded_at.clone(),
            |t| super::beijing(&t.to_utc(), "%Y-%m-%d %H:%M:%S"),
        ),
        actor: actor_label(entry, names),
        action: app
            .action_label(&entry.record.action)
            .unwrap_or("其他操作")
            .to_string(),
        changes: change_lines(&entry.record.detail),
    }
}

pub async fn page(
    State(state): State<AppState>,
    PageUser(caller): PageUser,
    Path((object_type, object_id)): Path<(String, String)>,
) -> Response {
    let history = audit_log::history(&state.app, &caller.principal, &object_type, &object_id).await;
    let deadlines =
        crate::deadlines::for_object(&state.app, &caller.principal, &object_type, &object_id).await;
    let loaded = match history.and_then(|h| deadlines.map(|d| (h, d))) {
        Ok((entries, deadlines)) => audit_log::actor_names(&state.app, &entries)
            .await
            .map(|names| (entries, deadlines, names)),
        Err(e) => Err(e),
    };
    match loaded {
        Ok((entries, deadlines, names)) => {
            let back = (object_type == "enterprise").then(|| format!("/enterprises/{object_id}"));
            let heading = match object_type.as_str() {
                "enterprise" => format!("企业 {object_id}"),
                _ => format!("编号 {object_id}"),
            };
            TracePage {
                layout: Layout::new(format!("留痕 {object_id}"), Some(&caller), &state, ""),
                heading,
                back,
                entries: entries.iter().map(|e| row(&state.app, e, &names)).collect(),
                deadlines,
                may_control: crate::deadlines::may_control(caller.principal.role),
            }
            .into_response()
        }
        Err(e) => error_page(&e, Some(&caller), &state),
    }
}

#[derive(serde::Deserialize)]
pub struct ActForm {
    #[serde(default)]
    note: String,
    #[serde(rename = "_csrf", default)]
    csrf: String,
}

/// A recipient acts on a warning from the workbench.
pub async fn act_on_warning(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<ActForm>,
) -> Response {
    super::button_answer(&state, &user, &form.csrf, "/workbench", async |caller| {
        crate::deadlines::act(&state.app, &caller.principal, id, &form.note, &caller.meta).await
    })
    .await
}

/// Pause (补正), resume or stop (办结) a clock from its object's trace page.
pub async fn control_clock(
    State(state): State<AppState>,
    user: PageUser,
    Path((id, action)): Path<(i64, String)>,
    axum::Form(form): axum::Form<ActForm>,
) -> Response {
    if let Err(r) = user.check_csrf(&form.csrf) {
        return r;
    }
    let caller = &user.0;
    let action = match action.as_str() {
        "pause" => crate::deadlines::ClockAction::Pause,
        "resume" => crate::deadlines::ClockAction::Resume,
        "stop" => crate::deadlines::ClockAction::Stop,
        _ => {
            return error_page(
                &crate::AppError::NotFound("没有这个操作".into()),
                Some(caller),
                &state,
            );
        }
    };
    match crate::deadlines::control(&state.app, &caller.principal, id, action, &caller.meta).await {
        Ok(view) => {
            let target = format!("/trace/{}/{}", view.object_type, view.object_id);
            axum::response::Redirect::to(&target).into_response()
        }
        Err(e) => error_page(&e, Some(caller), &state),
    }
}
