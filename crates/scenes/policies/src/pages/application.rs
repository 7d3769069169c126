//! An application's page: its state, facts and pledges, the outcome's explanation, materials,
//! rating and history, with the forms of the steps the caller may take (see `application_steps`).

use super::library::may_author;
use super::yuan::filters;
use crate::applications::{self, ApplicationView};
use crate::review;
use crate::status::ApplicationStatus;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use qinqing_domain::org::Role;
use qinqing_kernel::web::AppState;
use qinqing_kernel::web::pages::{Done, Errors, Layout, error_page};
use qinqing_kernel::web::session::{Caller, PageUser};

/// The routes of this module's page.
pub fn routes() -> Router<AppState> {
    Router::new().route("/applications/{receipt}", get(application_page))
}

#[derive(Template, WebTemplate)]
#[template(path = "application.html")]
pub struct ApplicationPage {
    layout: Layout,
    a: ApplicationView,
    rating: Option<crate::ratings::RatingView>,
    levels: &'static [(i64, &'static str)],
    /// The 核实结论 a follow-up chooses from.
    findings: [crate::ratings::Finding; 2],
    acts_for_enterprise: bool,
    holds_stage: bool,
    /// When the caller's department must take it up (签收) by, while it has not.
    response_due: Option<chrono::DateTime<chrono::Utc>>,
    may_exclude: bool,
    /// The department lead may find a pledge of an approved application false.
    may_record_false_pledge: bool,
    materials: crate::materials::Materials,
    /// Whether the caller may open the trail (留痕与时限); the link is shown only then.
    may_read_trail: bool,
    explanation: crate::explanation::Explanation,
    errors: Errors,
    notice: String,
}

impl ApplicationPage {
    fn error(&self, key: &str) -> &str {
        self.errors.get(key).map_or("", String::as_str)
    }
}

pub async fn application_page(
    State(state): State<AppState>,
    PageUser(caller): PageUser,
    Path(receipt): Path<String>,
    Query(done): Query<Done>,
) -> Response {
    let notice = done.notice(&[
        ("rated", "感谢评价"),
        ("followed_up", "回访已记录"),
        ("status", STATUS_NOTICE),
    ]);
    let notice = notice.unwrap_or_default().to_string();
    render_application(&state, &caller, &receipt, Errors::new(), notice).await
}

/// Stands for "已办理:" and the application's new status, filled in once it is loaded.
pub(super) const STATUS_NOTICE: &str = "status";

/// The application's page, with a confirmation or the mistakes of a step marked.
pub(super) async fn render_application(
    state: &AppState,
    caller: &Caller,
    receipt: &str,
    errors: Errors,
    notice: String,
) -> Response {
    let who = &caller.principal;
    let a = match applications::get(&state.app, who, receipt).await {
        Ok(a) => a,
        Err(e) => return error_page(&e, Some(caller), state),
    };
    let rating = match crate::ratings::of_application(&state.app, who, receipt).await {
        Ok(r) => r,
        Err(e) => return error_page(&e, Some(caller), state),
    };
    let materials = match crate::materials::list(&state.app, who, receipt).await {
        Ok(m) => m,
        Err(e) => return error_page(&e, Some(caller), state),
    };
    let explanation = match crate::explanation::of_application(&state.app, who, receipt).await {
        Ok(x) => x,
        Err(e) => return error_page(&e, Some(caller), state),
    };
    let trail = qinqing_kernel::audit_log::may_read_history(
        &state.app,
        who,
        crate::applications::TRAIL_OBJECT,
        receipt,
    );
    let may_read_trail = match trail.await {
        Ok(may) => may,
        Err(e) => return error_page(&e, Some(caller), state),
    };
    let queued = review::queued(&state.app, who, &a.receipt_no)
        .await
        .unwrap_or_default();
    let holds_stage = queued.as_ref().is_some_and(|i| i.mine);
    let response_due = queued.and_then(|i| i.response_due_at);
    ApplicationPage {
        layout: Layout::new(format!("申报 {}", a.receipt_no), Some(caller), state, ""),
        acts_for_enterprise: matches!(who.role, Role::EnterpriseUser | Role::Steward),
        may_exclude: matches!(
            a.status,
            ApplicationStatus::Offered | ApplicationStatus::PendingCheck
        ) && may_author(who),
        may_record_false_pledge: a.status == ApplicationStatus::Approved
            && !a.pledges.is_empty()
            && matches!(who.role, Role::DepartmentLead | Role::Admin),
        rating,
        levels: &crate::ratings::LEVELS,
        findings: crate::ratings::Finding::ALL,
        holds_stage,
        response_due,
        materials,
        may_read_trail,
        explanation,
        errors,
        notice: if notice == STATUS_NOTICE {
            format!("已办理:{}", a.status_label)
        } else {
            notice
        },
        a,
    }
    .into_response()
}
