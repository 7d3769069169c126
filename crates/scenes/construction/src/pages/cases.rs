//! 报建办件: a department's cases, and one case with the forms of 受理 and 审批.

use crate::case::{self, CaseDecisionInput, CaseView};
use crate::status::CaseStatus;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use qinqing_kernel::AppResult;
use qinqing_kernel::listing::Tone;
use qinqing_kernel::web::AppState;
use qinqing_kernel::web::form::{Pairs, field};
use qinqing_kernel::web::pages::step::Step;
use qinqing_kernel::web::pages::{Done, Errors, Layout, answer, error_page};
use qinqing_kernel::web::session::{Caller, PageUser};

/// The colour of a case's status: a running limit by how near it is, then where it stands.
fn tone(c: &CaseView, now: DateTime<Utc>) -> Tone {
    match c.status {
        CaseStatus::Approved => Tone::Done,
        CaseStatus::Simulated => Tone::Progress,
        CaseStatus::Refused | CaseStatus::Lapsed => Tone::Refused,
        CaseStatus::Accepted => Tone::of_due(c.due_at, now),
        CaseStatus::Submitted => Tone::Progress,
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "construction_cases.html")]
pub struct CasesPage {
    layout: Layout,
    items: Vec<CaseView>,
    now: DateTime<Utc>,
}

impl CasesPage {
    fn tone(&self, c: &CaseView) -> Tone {
        tone(c, self.now)
    }
}

pub async fn queue(State(state): State<AppState>, PageUser(caller): PageUser) -> Response {
    match case::queue(&state.app, &caller.principal).await {
        Ok(items) => CasesPage {
            layout: Layout::new("报建办件", Some(&caller), &state, "/construction-cases"),
            items,
            now: state.app.now(),
        }
        .into_response(),
        Err(e) => error_page(&e, Some(&caller), &state),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "construction_case.html")]
pub struct CasePage {
    layout: Layout,
    c: CaseView,
    now: DateTime<Utc>,
    errors: Errors,
    /// The confirmation of the step just taken, if any.
    notice: &'static str,
    /// What was typed in the decision form, kept when it comes back with a mistake.
    form: Pairs,
}

impl CasePage {
    fn kept(&self, name: &str) -> &str {
        field(&self.form, name)
    }

    fn tone(&self) -> Tone {
        tone(&self.c, self.now)
    }

    /// The last day of the limit (a limit runs to the end of its last day, Beijing time).
    fn due_day(&self) -> Option<String> {
        let last_moment = self.c.due_at? - chrono::Duration::seconds(1);
        Some(qinqing_kernel::web::pages::beijing(
            &last_moment,
            "%Y-%m-%d",
        ))
    }
}

async fn render_case(
    state: &AppState,
    caller: &Caller,
    receipt: &str,
    (errors, form): (Errors, Pairs),
    notice: &'static str,
) -> Response {
    match case::get(&state.app, &caller.principal, receipt).await {
        Ok(c) => CasePage {
            layout: Layout::new(
                c.matter_name.clone(),
                Some(caller),
                state,
                "/construction-cases",
            ),
            c,
            now: state.app.now(),
            errors,
            notice,
            form,
        }
        .into_response(),
        Err(e) => error_page(&e, Some(caller), state),
    }
}

pub async fn page(
    State(state): State<AppState>,
    PageUser(caller): PageUser,
    Path(receipt): Path<String>,
    Query(done): Query<Done>,
) -> Response {
    let notices = [
        ("accepted", "已受理,办理时限开始计算"),
        ("decided", "审批决定已作出,企业可在项目页看到"),
    ];
    let notice = done.notice(&notices).unwrap_or_default();
    let blank = (Errors::new(), Pairs::new());
    render_case(&state, &caller, &receipt, blank, notice).await
}

/// Answers a step of the case's page: back to the page, or the page again with the mistake.
async fn step_answer<T>(step: &Step<String>, result: AppResult<T>, done: &str) -> Response {
    let (state, caller, receipt) = (step.state(), step.caller(), step.key.as_str());
    let next = format!("/construction-cases/{receipt}?done={done}");
    answer(state, caller, result, &next, |errors| {
        render_case(state, caller, receipt, (errors, step.pairs().clone()), "")
    })
    .await
}

/// 受理.
pub async fn accept(step: Step<String>) -> Response {
    let result = case::accept(step.app(), step.who(), &step.key, step.meta()).await;
    step_answer(&step, result, "accepted").await
}

/// 审批.
pub async fn decide(step: Step<String>) -> Response {
    let text = |name: &str| Some(step.field(name).to_string());
    let input = CaseDecisionInput {
        approve: step.field("decision") == "approve",
        note: text("note"),
        conditions: text("conditions"),
        lapses_on: text("lapses_on"),
        land_title_no: text("land_title_no"),
    };
    let result = case::decide(step.app(), step.who(), &step.key, &input, step.meta()).await;
    step_answer(&step, result, "decided").await
}
