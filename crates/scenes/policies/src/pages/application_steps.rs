//! The steps taken on an application's page, each its own form, address and handler: the
//! enterprise withdraws, confirms or declines an offer and rates the service; reviewers sign,
//! approve, return or reject; staff exclude an offer, follow up a rating and find a pledge false.

use super::application::{STATUS_NOTICE, render_application};
use super::my_applications::account_input;
use super::yuan::grouped;
use crate::auto_grant;
use crate::review::{self, Decision};
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use axum::{Form, Router};
use qinqing_kernel::web::AppState;
use qinqing_kernel::web::form::{Pairs, field};
use qinqing_kernel::web::pages::{Errors, error_page, form_caller, form_errors, shows_error_page};
use qinqing_kernel::web::session::{Caller, PageUser};
use qinqing_kernel::{App, AppError};

/// The routes of the steps, one each.
pub fn routes() -> Router<AppState> {
    Router::new()
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

/// A step posted from an application's page: who posted it, on which application, with what.
pub struct Step {
    state: AppState,
    user: PageUser,
    receipt: String,
    pairs: Pairs,
}

impl FromRequest<AppState> for Step {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let (mut parts, body) = req.into_parts();
        let user = PageUser::from_request_parts(&mut parts, state).await?;
        let Path(receipt) = Path::<String>::from_request_parts(&mut parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let Form(pairs) = Form::<Pairs>::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(IntoResponse::into_response)?;
        Ok(Self {
            state: state.clone(),
            user,
            receipt,
            pairs,
        })
    }
}

/// How a step answers when it went through: back to the page with a confirmation's code, or
/// (when the confirmation carries figures worked out by the step) the page with it at once.
enum Answer {
    Redirect(&'static str),
    Show(String),
}

/// The answer of a step that moved the application on: "已办理:" and its new status.
const STATUS_CHANGED: Answer = Answer::Redirect(STATUS_NOTICE);

impl Step {
    fn app(&self) -> &App {
        &self.state.app
    }

    fn field(&self, name: &str) -> &str {
        field(&self.pairs, name)
    }

    /// A text field, or none when it was left blank.
    fn optional(&self, name: &str) -> Option<String> {
        Some(self.field(name).to_string()).filter(|s| !s.trim().is_empty())
    }

    /// The confirmation; the error page for a refusal or failure; or the page again with the
    /// mistake next to the form that caused it.
    async fn answer(&self, caller: &Caller, result: Result<Answer, AppError>) -> Response {
        let (state, receipt) = (&self.state, self.receipt.as_str());
        match result {
            Ok(Answer::Redirect(code)) => {
                Redirect::to(&format!("/applications/{receipt}?done={code}")).into_response()
            }
            Ok(Answer::Show(notice)) => {
                render_application(state, caller, receipt, Errors::new(), notice).await
            }
            Err(e) if shows_error_page(&e) => error_page(&e, Some(caller), state),
            Err(e) => {
                render_application(state, caller, receipt, form_errors(&e), String::new()).await
            }
        }
    }

    /// A reviewer's decision on the stage the caller holds.
    async fn decide(&self, decision: Decision) -> Result<Response, Response> {
        let caller = form_caller(&self.user, &self.pairs)?;
        let (who, meta) = (&caller.principal, &caller.meta);
        let result = review::decide(self.app(), who, &self.receipt, &decision, meta).await;
        Ok(self.answer(caller, result.map(|_| STATUS_CHANGED)).await)
    }
}

/// The enterprise withdraws its application (撤回申报).
pub async fn withdraw(step: Step) -> Result<Response, Response> {
    let caller = form_caller(&step.user, &step.pairs)?;
    let (who, meta) = (&caller.principal, &caller.meta);
    let result = crate::applying::withdraw(step.app(), who, &step.receipt, meta).await;
    Ok(step.answer(caller, result.map(|_| STATUS_CHANGED)).await)
}

/// The reviewing department takes the application up (签收).
pub async fn sign(step: Step) -> Result<Response, Response> {
    let caller = form_caller(&step.user, &step.pairs)?;
    let (who, meta) = (&caller.principal, &caller.meta);
    let result = review::sign(step.app(), who, &step.receipt, meta).await;
    Ok(step.answer(caller, result.map(|_| STATUS_CHANGED)).await)
}

/// A reviewer approves (通过), with the amount and, when it was changed, the reason.
pub async fn approve(step: Step) -> Result<Response, Response> {
    let decision = Decision::Approve {
        amount: step.optional("amount"),
        reason: step.optional("reason"),
    };
    step.decide(decision).await
}

/// A reviewer returns the application for 补正, saying what is to be corrected.
pub async fn return_for_correction(step: Step) -> Result<Response, Response> {
    let note = step.field("note").to_string();
    step.decide(Decision::Return { note }).await
}

/// A reviewer rejects the application (不予通过), with the reason.
pub async fn reject(step: Step) -> Result<Response, Response> {
    let reason = step.field("reason").to_string();
    step.decide(Decision::Reject { reason }).await
}

/// The enterprise takes a 免申即享 offer, confirming the account the money goes to.
pub async fn confirm_offer(step: Step) -> Result<Response, Response> {
    let caller = form_caller(&step.user, &step.pairs)?;
    let account = account_input(&step.pairs);
    let (who, meta) = (&caller.principal, &caller.meta);
    let result = auto_grant::confirm(step.app(), who, &step.receipt, &account, meta).await;
    Ok(step.answer(caller, result.map(|_| STATUS_CHANGED)).await)
}

/// Closes a 免申即享 offer: the enterprise declines it (放弃享受), or staff exclude it (排除)
/// with a reason.
pub async fn close_offer(step: Step) -> Result<Response, Response> {
    let caller = form_caller(&step.user, &step.pairs)?;
    let reason = step.optional("reason");
    let (who, meta) = (&caller.principal, &caller.meta);
    let result =
        auto_grant::close_offer(step.app(), who, &step.receipt, reason.as_deref(), meta).await;
    Ok(step.answer(caller, result.map(|_| STATUS_CHANGED)).await)
}

/// The enterprise rates the service (好差评).
pub async fn rate(step: Step) -> Result<Response, Response> {
    let caller = form_caller(&step.user, &step.pairs)?;
    let input = crate::ratings::RatingInput {
        level: step.field("level").parse().unwrap_or(0),
        comment: step.optional("comment"),
    };
    let (who, meta) = (&caller.principal, &caller.meta);
    let result = crate::ratings::rate(step.app(), who, &step.receipt, &input, meta).await;
    Ok(step
        .answer(caller, result.map(|_| Answer::Redirect("rated")))
        .await)
}

/// The department records how it followed up a bad rating (回访整改).
pub async fn follow_up(step: Step) -> Result<Response, Response> {
    let caller = form_caller(&step.user, &step.pairs)?;
    let rating = step.field("rating").parse().unwrap_or(0);
    let (who, meta) = (&caller.principal, &caller.meta);
    let finding = crate::ratings::Finding::parse(step.field("finding"));
    let note = step.field("note");
    let result = crate::ratings::follow_up(step.app(), who, rating, note, finding, meta).await;
    Ok(step
        .answer(caller, result.map(|_| Answer::Redirect("followed_up")))
        .await)
}

/// The department lead finds a pledge of the approved application false (认定虚假承诺).
pub async fn record_false_pledge(step: Step) -> Result<Response, Response> {
    let caller = form_caller(&step.user, &step.pairs)?;
    let input = crate::integrity::FalsePledgeInput {
        reason: step.field("reason").to_string(),
    };
    let (who, meta) = (&caller.principal, &caller.meta);
    let result =
        crate::integrity::record_false_pledge(step.app(), who, &step.receipt, &input, meta).await;
    // The amount to recover and the block's end are shown once, on this answer.
    let shown = result.map(|o| {
        Answer::Show(match o.clawback_due {
            Some(due) => format!(
                "已认定虚假承诺,应追回 ¥{},企业限制至 {}",
                grouped(&due),
                o.blocked_until
            ),
            None => format!("已认定虚假承诺,拨付已停止,企业限制至 {}", o.blocked_until),
        })
    });
    Ok(step.answer(caller, shown).await)
}
