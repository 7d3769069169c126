//! An application's page and the steps taken on it: the enterprise withdraws, confirms or
//! declines an offer and rates the service; reviewers sign, approve, return or reject; staff
//! exclude an offer, follow up a rating and find a pledge false.

use super::library::may_author;
use super::my_applications::account_input;
use super::yuan::{filters, grouped};
use crate::applications::{self, ApplicationView};
use crate::auto_grant;
use crate::review::{self, Decision};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use qinqing_domain::org::Role;
use qinqing_kernel::AppError;
use qinqing_kernel::web::AppState;
use qinqing_kernel::web::pages::{
    Done, Errors, Layout, Pairs, error_page, field, form_caller, form_errors, shows_error_page,
};
use qinqing_kernel::web::session::{Caller, PageUser};

/// The routes of this module's pages and forms.
pub fn routes() -> Router<AppState> {
    Router::new().route(
        "/applications/{receipt}",
        get(application_page).post(application_action),
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

/// Back to the application's page after a step, with the code of its confirmation.
fn application_done(receipt: &str, code: &str) -> Response {
    Redirect::to(&format!("/applications/{receipt}?done={code}")).into_response()
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

/// Every action on an application's page: withdraw, review decisions, confirm or decline an
/// offer. Errors come back on the same page, next to the form that caused them.
pub async fn application_action(
    State(state): State<AppState>,
    user: PageUser,
    Path(receipt): Path<String>,
    axum::Form(pairs): axum::Form<Pairs>,
) -> Result<Response, Response> {
    let caller = form_caller(&user, &pairs)?;
    let who = &caller.principal;
    let meta = &caller.meta;
    let text = |name: &str| Some(field(&pairs, name).to_string()).filter(|s| !s.trim().is_empty());
    let app = &state.app;
    let rated = match field(&pairs, "action") {
        "rate" => {
            let input = crate::ratings::RatingInput {
                level: field(&pairs, "level").parse().unwrap_or(0),
                comment: text("comment"),
            };
            Some(
                crate::ratings::rate(app, who, &receipt, &input, meta)
                    .await
                    .map(|_| Answer::Redirect("rated")),
            )
        }
        "false_pledge" => {
            let input = crate::integrity::FalsePledgeInput {
                reason: field(&pairs, "reason").to_string(),
            };
            Some(
                crate::integrity::record_false_pledge(app, who, &receipt, &input, meta)
                    .await
                    // The amount to recover and the block's end are shown once, on this answer.
                    .map(|o| {
                        Answer::Show(match o.clawback_due {
                            Some(due) => format!(
                                "已认定虚假承诺,应追回 ¥{},企业限制至 {}",
                                grouped(&due),
                                o.blocked_until
                            ),
                            None => {
                                format!("已认定虚假承诺,拨付已停止,企业限制至 {}", o.blocked_until)
                            }
                        })
                    }),
            )
        }
        "follow_up" => {
            let id = field(&pairs, "rating").parse().unwrap_or(0);
            Some(
                crate::ratings::follow_up(app, who, id, field(&pairs, "note"), meta)
                    .await
                    .map(|_| Answer::Redirect("followed_up")),
            )
        }
        _ => None,
    };
    if let Some(result) = rated {
        return Ok(match result {
            Ok(Answer::Redirect(code)) => application_done(&receipt, code),
            Ok(Answer::Show(notice)) => {
                render_application(&state, caller, &receipt, Errors::new(), notice).await
            }
            Err(e) if shows_error_page(&e) => error_page(&e, Some(caller), &state),
            Err(e) => {
                render_application(&state, caller, &receipt, form_errors(&e), String::new()).await
            }
        });
    }
    let result = match field(&pairs, "action") {
        "withdraw" => applications::withdraw(app, who, &receipt, meta).await,
        "sign" => review::sign(app, who, &receipt, meta).await,
        "approve" => {
            let d = Decision::Approve {
                amount: text("amount"),
                reason: text("reason"),
            };
            review::decide(app, who, &receipt, &d, meta).await
        }
        "return" => {
            let d = Decision::Return {
                note: field(&pairs, "note").to_string(),
            };
            review::decide(app, who, &receipt, &d, meta).await
        }
        "reject" => {
            let d = Decision::Reject {
                reason: field(&pairs, "reason").to_string(),
            };
            review::decide(app, who, &receipt, &d, meta).await
        }
        "confirm" => {
            let account = account_input(&pairs);
            auto_grant::confirm(app, who, &receipt, &account, meta).await
        }
        "close" => {
            auto_grant::close_offer(app, who, &receipt, text("reason").as_deref(), meta).await
        }
        _ => Err(AppError::NotFound("没有这个操作".into())),
    };
    Ok(match result {
        Ok(_) => application_done(&receipt, STATUS_NOTICE),
        Err(e) if shows_error_page(&e) => error_page(&e, Some(caller), &state),
        Err(e) => {
            render_application(&state, caller, &receipt, form_errors(&e), String::new()).await
        }
    })
}
