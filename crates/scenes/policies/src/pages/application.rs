//! An application's page and the steps taken on it, each its own form and address: the
//! enterprise withdraws, confirms or declines an offer and rates the service; reviewers sign,
//! approve, return or reject; staff exclude an offer, follow up a rating and find a pledge false.

use super::library::may_author;
use super::my_applications::account_input;
use super::yuan::{filters, grouped};
use crate::applications::{self, ApplicationView};
use crate::auto_grant;
use crate::review::{self, Decision};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use qinqing_domain::org::Role;
use qinqing_kernel::AppError;
use qinqing_kernel::web::AppState;
use qinqing_kernel::web::pages::{
    Done, Errors, Layout, Pairs, error_page, field, form_caller, form_errors, shows_error_page,
};
use qinqing_kernel::web::session::{Caller, PageUser};

/// The routes of the application's page and of each step taken on it.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/applications/{receipt}", get(application_page))
        .route("/applications/{receipt}/withdraw", post(withdraw))
        .route("/applications/{receipt}/sign", post(sign))
        .route("/applications/{receipt}/approve", post(approve))
        .route(
            "/applications/{receipt}/return",
            post(return_for_correction),
        )
        .route("/applications/{receipt}/reject", post(reject))
        .route("/applications/{receipt}/confirm", post(confirm_offer))
        .route("/applications/{receipt}/close", post(close_offer))
        .route("/applications/{receipt}/rating", post(rate))
        .route("/applications/{receipt}/follow-up", post(follow_up))
        .route(
            "/applications/{receipt}/false-pledge",
            post(record_false_pledge),
        )
}

#[derive(Template, WebTemplate)]
#[template(path = "application.html")]
pub struct ApplicationPage {
    layout: Layout,
    a: ApplicationView,
    rating: Option<crate::ratings::RatingView>,
    levels: &'static [(i64, &'static str)],
    acts_for_enterprise: bool,
    holds_stage: bool,
    /// When the caller's department must take it up (签收) by, while it has not.
    response_due: Option<chrono::DateTime<chrono::Utc>>,
    may_exclude: bool,
    /// The department lead may find a pledge of an approved application false.
    may_record_false_pledge: bool,
    materials: crate::materials::Materials,
    explanation: crate::explanation::Explanation,
    errors: Errors,
    notice: String,
}

impl ApplicationPage {
    fn error(&self, key: &str) -> &str {
        self.errors.get(key).map_or("", String::as_str)
    }

    /// A file size for people: "820 KB", "2.4 MB".
    fn size(&self, bytes: &i64) -> String {
        const MB: i64 = 1024 * 1024;
        if *bytes >= MB {
            format!("{:.1} MB", *bytes as f64 / MB as f64)
        } else {
            format!("{} KB", (*bytes + 1023) / 1024)
        }
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
const STATUS_NOTICE: &str = "status";

/// How a step on an application's page answers: back to the page with a confirmation's code,
/// or (when the confirmation carries figures worked out by the step) shown at once.
enum Answer {
    Redirect(&'static str),
    Show(String),
}

/// The answer of a step that moved the application on: "已办理:" and its new status.
const STATUS_CHANGED: Answer = Answer::Redirect(STATUS_NOTICE);

/// Back to the application's page after a step, with the code of its confirmation.
fn application_done(receipt: &str, code: &str) -> Response {
    Redirect::to(&format!("/applications/{receipt}?done={code}")).into_response()
}

/// How every step answers: its confirmation; the error page for a refusal or failure; or the
/// page again with the mistake next to the form that caused it.
async fn answer(
    state: &AppState,
    caller: &Caller,
    receipt: &str,
    result: Result<Answer, AppError>,
) -> Response {
    match result {
        Ok(Answer::Redirect(code)) => application_done(receipt, code),
        Ok(Answer::Show(notice)) => {
            render_application(state, caller, receipt, Errors::new(), notice).await
        }
        Err(e) if shows_error_page(&e) => error_page(&e, Some(caller), state),
        Err(e) => render_application(state, caller, receipt, form_errors(&e), String::new()).await,
    }
}

/// A text field, or none when it was left blank.
fn optional(pairs: &Pairs, name: &str) -> Option<String> {
    Some(field(pairs, name).to_string()).filter(|s| !s.trim().is_empty())
}

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
    let queued = match review::queue(&state.app, who).await {
        Ok(items) => items
            .into_iter()
            .find(|i| i.application.receipt_no == a.receipt_no),
        Err(_) => None,
    };
    let holds_stage = queued.as_ref().is_some_and(|i| i.mine);
    let response_due = queued.and_then(|i| i.response_due_at);
    ApplicationPage {
        layout: Layout::new(format!("申报 {}", a.receipt_no), Some(caller), state, ""),
        acts_for_enterprise: matches!(who.role, Role::EnterpriseUser | Role::Steward),
        may_exclude: matches!(a.status.as_str(), "offered" | "pending_check") && may_author(who),
        may_record_false_pledge: a.status == "approved"
            && !a.pledges.is_empty()
            && matches!(who.role, Role::DepartmentLead | Role::Admin),
        rating,
        levels: &crate::ratings::LEVELS,
        holds_stage,
        response_due,
        materials,
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

/// The enterprise withdraws its application (撤回申报).
pub async fn withdraw(
    State(state): State<AppState>,
    user: PageUser,
    Path(receipt): Path<String>,
    Form(pairs): Form<Pairs>,
) -> Result<Response, Response> {
    let caller = form_caller(&user, &pairs)?;
    let result = applications::withdraw(&state.app, &caller.principal, &receipt, &caller.meta)
        .await
        .map(|_| STATUS_CHANGED);
    Ok(answer(&state, caller, &receipt, result).await)
}

/// The reviewing department takes the application up (签收).
pub async fn sign(
    State(state): State<AppState>,
    user: PageUser,
    Path(receipt): Path<String>,
    Form(pairs): Form<Pairs>,
) -> Result<Response, Response> {
    let caller = form_caller(&user, &pairs)?;
    let result = review::sign(&state.app, &caller.principal, &receipt, &caller.meta)
        .await
        .map(|_| STATUS_CHANGED);
    Ok(answer(&state, caller, &receipt, result).await)
}

/// A reviewer approves (通过), with the amount and, when it was changed, the reason.
pub async fn approve(
    State(state): State<AppState>,
    user: PageUser,
    Path(receipt): Path<String>,
    Form(pairs): Form<Pairs>,
) -> Result<Response, Response> {
    let decision = Decision::Approve {
        amount: optional(&pairs, "amount"),
        reason: optional(&pairs, "reason"),
    };
    decide(&state, &user, &receipt, &pairs, decision).await
}

/// A reviewer returns the application for 补正, saying what is to be corrected.
pub async fn return_for_correction(
    State(state): State<AppState>,
    user: PageUser,
    Path(receipt): Path<String>,
    Form(pairs): Form<Pairs>,
) -> Result<Response, Response> {
    let note = field(&pairs, "note").to_string();
    decide(&state, &user, &receipt, &pairs, Decision::Return { note }).await
}

/// A reviewer rejects the application (不予通过), with the reason.
pub async fn reject(
    State(state): State<AppState>,
    user: PageUser,
    Path(receipt): Path<String>,
    Form(pairs): Form<Pairs>,
) -> Result<Response, Response> {
    let reason = field(&pairs, "reason").to_string();
    decide(&state, &user, &receipt, &pairs, Decision::Reject { reason }).await
}

/// A reviewer's decision on the stage the caller holds.
async fn decide(
    state: &AppState,
    user: &PageUser,
    receipt: &str,
    pairs: &Pairs,
    decision: Decision,
) -> Result<Response, Response> {
    let caller = form_caller(user, pairs)?;
    let result = review::decide(
        &state.app,
        &caller.principal,
        receipt,
        &decision,
        &caller.meta,
    )
    .await
    .map(|_| STATUS_CHANGED);
    Ok(answer(state, caller, receipt, result).await)
}

/// The enterprise takes a 免申即享 offer, confirming the account the money goes to.
pub async fn confirm_offer(
    State(state): State<AppState>,
    user: PageUser,
    Path(receipt): Path<String>,
    Form(pairs): Form<Pairs>,
) -> Result<Response, Response> {
    let caller = form_caller(&user, &pairs)?;
    let account = account_input(&pairs);
    let (who, meta) = (&caller.principal, &caller.meta);
    let result = auto_grant::confirm(&state.app, who, &receipt, &account, meta)
        .await
        .map(|_| STATUS_CHANGED);
    Ok(answer(&state, caller, &receipt, result).await)
}

/// Closes a 免申即享 offer: the enterprise declines it (放弃享受), or staff exclude it (排除)
/// with a reason.
pub async fn close_offer(
    State(state): State<AppState>,
    user: PageUser,
    Path(receipt): Path<String>,
    Form(pairs): Form<Pairs>,
) -> Result<Response, Response> {
    let caller = form_caller(&user, &pairs)?;
    let reason = optional(&pairs, "reason");
    let (who, meta) = (&caller.principal, &caller.meta);
    let result = auto_grant::close_offer(&state.app, who, &receipt, reason.as_deref(), meta)
        .await
        .map(|_| STATUS_CHANGED);
    Ok(answer(&state, caller, &receipt, result).await)
}

/// The enterprise rates the service (好差评).
pub async fn rate(
    State(state): State<AppState>,
    user: PageUser,
    Path(receipt): Path<String>,
    Form(pairs): Form<Pairs>,
) -> Result<Response, Response> {
    let caller = form_caller(&user, &pairs)?;
    let input = crate::ratings::RatingInput {
        level: field(&pairs, "level").parse().unwrap_or(0),
        comment: optional(&pairs, "comment"),
    };
    let (who, meta) = (&caller.principal, &caller.meta);
    let result = crate::ratings::rate(&state.app, who, &receipt, &input, meta)
        .await
        .map(|_| Answer::Redirect("rated"));
    Ok(answer(&state, caller, &receipt, result).await)
}

/// The department records how it followed up a bad rating (回访整改).
pub async fn follow_up(
    State(state): State<AppState>,
    user: PageUser,
    Path(receipt): Path<String>,
    Form(pairs): Form<Pairs>,
) -> Result<Response, Response> {
    let caller = form_caller(&user, &pairs)?;
    let rating = field(&pairs, "rating").parse().unwrap_or(0);
    let (who, meta) = (&caller.principal, &caller.meta);
    let result = crate::ratings::follow_up(&state.app, who, rating, field(&pairs, "note"), meta)
        .await
        .map(|_| Answer::Redirect("followed_up"));
    Ok(answer(&state, caller, &receipt, result).await)
}

/// The department lead finds a pledge of the approved application false (认定虚假承诺).
pub async fn record_false_pledge(
    State(state): State<AppState>,
    user: PageUser,
    Path(receipt): Path<String>,
    Form(pairs): Form<Pairs>,
) -> Result<Response, Response> {
    let caller = form_caller(&user, &pairs)?;
    let input = crate::integrity::FalsePledgeInput {
        reason: field(&pairs, "reason").to_string(),
    };
    let (who, meta) = (&caller.principal, &caller.meta);
    let result = crate::integrity::record_false_pledge(&state.app, who, &receipt, &input, meta)
        .await
        // The amount to recover and the block's end are shown once, on this answer.
        .map(|o| {
            Answer::Show(match o.clawback_due {
                Some(due) => format!(
                    "已认定虚假承诺,应追回 ¥{},企业限制至 {}",
                    grouped(&due),
                    o.blocked_until
                ),
                None => format!("已认定虚假承诺,拨付已停止,企业限制至 {}", o.blocked_until),
            })
        });
    Ok(answer(&state, caller, &receipt, result).await)
}
