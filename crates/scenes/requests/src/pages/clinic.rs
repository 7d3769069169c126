//! 会商 and 会诊日 pages: the forms on a request's page (invite, opinion, put on the agenda) and
//! the session pages. A form that succeeds redirects back (POST-redirect-GET); one that is
//! refused shows its page again with the field marked, and changes nothing.

use super::Step;
use super::requests::render_request;
use crate::access::handles_cases;
use crate::clinic::{
    self, AgendaInput, ClinicDayInput, ClinicDayView, ClinicOverview, DecisionInput, DoneInput,
    RecordInput,
};
use crate::consultation::{self, InviteInput, OpinionInput};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use qinqing_domain::org::Role;
use qinqing_kernel::AppResult;
use qinqing_kernel::web::AppState;
use qinqing_kernel::web::form::{Pairs, field};
use qinqing_kernel::web::pages::{Errors, Layout, answer, error_page, form_caller};
use qinqing_kernel::web::session::{Caller, PageUser};

/// The routes of this module's pages and forms.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/requests/{receipt}/consultations", post(invite))
        .route("/requests/{receipt}/clinic", post(put_on_agenda))
        .route("/consultations/{id}/opinion", post(opinion))
        .route("/clinic-days", get(list).post(set_day))
        .route("/clinic-days/{id}", get(page))
        .route("/clinic-days/{id}/record", post(record))
        .route("/clinic-days/{id}/decide", post(decide))
        .route("/clinic-days/{id}/withdraw", post(withdraw))
        .route("/clinic-days/{id}/done", post(report_done))
}

/// Every value of a repeated field (checkboxes), as ids.
fn ids(pairs: &Pairs, name: &str) -> Vec<i64> {
    pairs
        .iter()
        .filter(|(k, _)| k == name)
        .filter_map(|(_, v)| v.trim().parse().ok())
        .collect()
}

/// Back to the request's page on success, or the page again with the mistake.
async fn back_to_request<T>(
    state: &AppState,
    caller: &Caller,
    receipt: &str,
    result: AppResult<T>,
) -> Response {
    let next = format!("/requests/{receipt}#internal");
    answer(state, caller, result, &next, |errors| {
        render_request(state, caller, receipt, errors, String::new())
    })
    .await
}

pub async fn invite(
    State(state): State<AppState>,
    user: PageUser,
    Path(receipt): Path<String>,
    axum::Form(pairs): axum::Form<Pairs>,
) -> Result<Response, Response> {
    let caller = form_caller(&user, &pairs)?;
    let input = InviteInput {
        org_ids: ids(&pairs, "org_ids"),
        question: field(&pairs, "question").to_string(),
        due_on: field(&pairs, "due_on").to_string(),
    };
    let result = consultation::invite(
        &state.app,
        &caller.principal,
        &receipt,
        &input,
        &caller.meta,
    )
    .await;
    Ok(back_to_request(&state, caller, &receipt, result).await)
}

pub async fn opinion(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    axum::Form(pairs): axum::Form<Pairs>,
) -> Result<Response, Response> {
    let caller = form_caller(&user, &pairs)?;
    let input = OpinionInput {
        opinion: field(&pairs, "opinion").to_string(),
    };
    let result =
        consultation::give_opinion(&state.app, &caller.principal, id, &input, &caller.meta).await;
    Ok(back_to_request(&state, caller, field(&pairs, "receipt"), result).await)
}

pub async fn put_on_agenda(
    State(state): State<AppState>,
    user: PageUser,
    Path(receipt): Path<String>,
    axum::Form(pairs): axum::Form<Pairs>,
) -> Result<Response, Response> {
    let caller = form_caller(&user, &pairs)?;
    let input = AgendaInput {
        reason: field(&pairs, "agenda_reason").to_string(),
    };
    let result = clinic::put_on_agenda(
        &state.app,
        &caller.principal,
        &receipt,
        &input,
        &caller.meta,
    )
    .await;
    let result = result.map_err(|e| super::requests::rename(e, "reason", "agenda_reason"));
    Ok(back_to_request(&state, caller, &receipt, result).await)
}

#[derive(Template, WebTemplate)]
#[template(path = "clinic_days.html")]
pub struct ClinicDaysPage {
    layout: Layout,
    o: ClinicOverview,
    is_admin: bool,
    errors: Errors,
}

async fn render_list(state: &AppState, caller: &Caller, errors: Errors) -> Response {
    let o = match clinic::overview(&state.app, &caller.principal).await {
        Ok(o) => o,
        Err(e) => return error_page(&e, Some(caller), state),
    };
    ClinicDaysPage {
        layout: Layout::new("会诊日", Some(caller), state, "/clinic-days"),
        is_admin: caller.principal.role == Role::Admin,
        o,
        errors,
    }
    .into_response()
}

pub async fn list(State(state): State<AppState>, user: PageUser) -> Response {
    render_list(&state, &user.0, Errors::new()).await
}

/// The administrator's form for the day of the month.
pub async fn set_day(
    State(state): State<AppState>,
    user: PageUser,
    axum::Form(pairs): axum::Form<Pairs>,
) -> Result<Response, Response> {
    let caller = form_caller(&user, &pairs)?;
    let input = ClinicDayInput {
        day: field(&pairs, "day").trim().parse().unwrap_or(0),
    };
    let result =
        clinic::set_day_of_month(&state.app, &caller.principal, &input, &caller.meta).await;
    let again = |errors| render_list(&state, caller, errors);
    Ok(answer(&state, caller, result, "/clinic-days", again).await)
}

#[derive(Template, WebTemplate)]
#[template(path = "clinic_day.html")]
pub struct ClinicDayPage {
    layout: Layout,
    d: ClinicDayView,
    /// 效能办 or a department lead: the record and decision forms.
    may_run: bool,
    /// The caller's department, whose open decisions get a "done" form.
    my_org_id: Option<i64>,
    departments: Vec<(i64, String)>,
    /// The departments recorded as present, ticked in the record form.
    present: Vec<i64>,
    errors: Errors,
}

async fn render_day(state: &AppState, caller: &Caller, id: i64, errors: Errors) -> Response {
    let who = &caller.principal;
    let found = async {
        let d = clinic::get(&state.app, who, id).await?;
        AppResult::Ok((d, qinqing_kernel::users::departments(&state.app).await?))
    };
    let (d, departments) = match found.await {
        Ok(found) => found,
        Err(e) => return error_page(&e, Some(caller), state),
    };
    ClinicDayPage {
        layout: Layout::new(
            format!("会诊日 {}", d.held_on),
            Some(caller),
            state,
            "/clinic-days",
        ),
        may_run: matches!(who.role, Role::SupervisorEfficiency | Role::DepartmentLead),
        my_org_id: handles_cases(who.role).then_some(who.org_id),
        present: d.departments.iter().map(|o| o.id).collect(),
        d,
        departments,
        errors,
    }
    .into_response()
}

pub async fn page(State(state): State<AppState>, user: PageUser, Path(id): Path<i64>) -> Response {
    render_day(&state, &user.0, id, Errors::new()).await
}

/// How a form on a session's page answers: back to the page, or the page again with the mistake.
async fn day_answer<T>(step: &Step<i64>, result: AppResult<T>) -> Response {
    let (state, caller, id) = (step.state(), step.caller(), step.key);
    let next = format!("/clinic-days/{id}");
    let again = |errors| render_day(state, caller, id, errors);
    answer(state, caller, result, &next, again).await
}

/// Records who attended and the minutes.
pub async fn record(step: Step<i64>) -> Response {
    let input = RecordInput {
        org_ids: ids(step.pairs(), "org_ids"),
        attendees: Some(step.field("attendees").to_string()),
        minutes: step.field("minutes").to_string(),
    };
    let result = clinic::record(step.app(), step.who(), step.key, &input, step.meta()).await;
    day_answer(&step, result).await
}

/// Records a decision on an agenda item.
pub async fn decide(step: Step<i64>) -> Response {
    let input = DecisionInput {
        agenda_item_id: step.field("agenda_item_id").parse().unwrap_or(0),
        content: step.field("content").to_string(),
        org_id: step.field("org_id").parse().unwrap_or(0),
        due_on: step.field("due_on").to_string(),
    };
    let result = clinic::decide(step.app(), step.who(), step.key, &input, step.meta()).await;
    day_answer(&step, result).await
}

/// Takes a request off the session's agenda, with a reason.
pub async fn withdraw(step: Step<i64>) -> Response {
    let input = AgendaInput {
        reason: step.field("reason").to_string(),
    };
    let item = step.field("agenda_item_id").parse().unwrap_or(0);
    let result =
        clinic::withdraw_from_agenda(step.app(), step.who(), item, &input, step.meta()).await;
    day_answer(&step, result).await
}

/// The responsible department reports a decision done.
pub async fn report_done(step: Step<i64>) -> Response {
    let input = DoneInput {
        report: step.field("report").to_string(),
    };
    let decision = step.field("decision_id").parse().unwrap_or(0);
    let result = clinic::report_done(step.app(), step.who(), decision, &input, step.meta()).await;
    day_answer(&step, result).await
}
