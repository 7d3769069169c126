//! 报建办件: a department's cases, and one case with the forms of 受理 and 审批.

use crate::case::{self, CaseDecisionInput, CaseView};
use crate::notice::Companion;
use crate::review::{ExpertField, ReviewView};
use crate::status::CaseStatus;
use crate::survey::{self, SurveyInput, SurveyMode, SurveyView};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Multipart, Path, Query, State};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use qinqing_kernel::AppResult;
use qinqing_kernel::listing::Tone;
use qinqing_kernel::web::AppState;
use qinqing_kernel::web::form::{Pairs, field};
use qinqing_kernel::web::pages::step::Step;
use qinqing_kernel::web::pages::{Done, Errors, Layout, answer, error_page, form_caller};
use qinqing_kernel::web::session::{Caller, PageUser};
use qinqing_kernel::web::upload::UploadForm;

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
    /// Its surveys (勘查), with their check-ins.
    surveys: Vec<SurveyView>,
    /// The project's other cases whose notices may be merged with its own (for its office).
    companions: Vec<Companion>,
    /// Its expert reviews, and the specialities experts are drawn by.
    reviews: Vec<ReviewView>,
    fields: &'static [ExpertField],
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

    /// Whether the notice form sent back had case `receipt` ticked.
    fn ticked(&self, receipt: &str) -> bool {
        self.form
            .iter()
            .any(|(name, value)| name == "cases" && value == receipt)
    }

    /// Whether the form sent back was the check-in of survey `id`: its mistakes and what was
    /// typed go back to that form only.
    fn posted_to(&self, id: &i64) -> bool {
        self.kept("survey") == id.to_string()
    }

    fn on_site(&self, s: &SurveyView) -> bool {
        s.mode == SurveyMode::OnSite
    }

    /// The mode the appointment form has chosen: what was sent back, else on site.
    fn appoints_video(&self) -> bool {
        self.kept("mode") == SurveyMode::Video.as_str()
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
    let who = &caller.principal;
    let found = async {
        let c = case::get(&state.app, who, receipt).await?;
        let surveys = survey::of_case(&state.app, who, receipt).await?;
        let companions = match c.may_publish_notice {
            true => crate::notice::companions(&state.app, who, receipt).await?,
            false => Vec::new(),
        };
        let reviews = crate::review::of_case(&state.app, who, receipt).await?;
        Ok((c, surveys, companions, reviews))
    };
    match found.await {
        Ok((c, surveys, companions, reviews)) => CasePage {
            layout: Layout::new(
                c.matter_name.clone(),
                Some(caller),
                state,
                "/construction-cases",
            ),
            c,
            surveys,
            companions,
            reviews,
            fields: ExpertField::ALL,
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
        ("tolerated", "已容缺受理,企业补齐材料的时限开始计算"),
        ("supplied", "材料已补齐"),
        ("decided", "审批决定已作出,企业可在项目页看到"),
        ("appointed", "勘查已安排"),
        ("checked_in", "已签到,勘查记录已保存"),
        ("paid", "窗口缴款已登记"),
    ];
    let notice = done.notice(&notices).unwrap_or_default();
    let blank = (Errors::new(), Pairs::new());
    render_case(&state, &caller, &receipt, blank, notice).await
}

/// Answers a step of the case's page: back to the page, or the page again with the mistake.
async fn step_answer<T>(step: &Step<String>, result: AppResult<T>, done: &str) -> Response {
    let posted = (step.key.as_str(), step.pairs());
    finish(step.state(), step.caller(), posted, result, done).await
}

/// The case's page again with a form's mistake, or the error page for a refusal.
pub(super) async fn again(step: &Step<String>, e: qinqing_kernel::AppError) -> Response {
    step_answer::<()>(step, Err(e), "").await
}

/// Back to the case's page with the confirmation `done`, or the page again with the mistake
/// and what was typed.
async fn finish<T>(
    state: &AppState,
    caller: &Caller,
    (receipt, pairs): (&str, &Pairs),
    result: AppResult<T>,
    done: &str,
) -> Response {
    let next = format!("/construction-cases/{receipt}?done={done}");
    answer(state, caller, result, &next, |errors| {
        render_case(state, caller, receipt, (errors, pairs.clone()), "")
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

/// 安排勘查.
pub async fn appoint_survey(step: Step<String>) -> Response {
    let text = |name: &str| step.field(name).to_string();
    let input = SurveyInput {
        mode: text("mode"),
        starts_at: text("starts_at"),
        ends_at: text("ends_at"),
        site_latitude: Some(text("site_latitude")),
        site_longitude: Some(text("site_longitude")),
        radius_m: Some(text("radius_m")),
    };
    let result = survey::appoint(step.app(), step.who(), &step.key, &input, step.meta()).await;
    step_answer(&step, result, "appointed").await
}

/// 勘查签到, from the inspector's phone: the form carries the photo.
pub async fn check_in(
    State(state): State<AppState>,
    user: PageUser,
    Path((receipt, id)): Path<(String, i64)>,
    form: Multipart,
) -> Result<Response, Response> {
    let form = UploadForm::read(form, "file").await;
    let caller = form_caller(&user, &form.pairs)?;
    let (who, meta) = (&caller.principal, &caller.meta);
    let result = async {
        let input = crate::api::check_in_form(&form)?;
        survey::check_in(&state.app, who, (&receipt, id), &input, meta).await
    }
    .await;
    let posted = (receipt.as_str(), &form.pairs);
    Ok(finish(&state, caller, posted, result, "checked_in").await)
}

/// 容缺受理.
pub async fn accept_tolerating(step: Step<String>) -> Response {
    let input = crate::tolerance::ToleranceInput {
        material: step.field("material").to_string(),
        supply_by: step.field("supply_by").to_string(),
    };
    let (app, who, meta) = (step.app(), step.who(), step.meta());
    let result = case::accept_tolerating(app, who, &step.key, &input, meta).await;
    step_answer(&step, result, "tolerated").await
}

/// 补齐容缺材料: the enterprise's form carries the file.
pub async fn supply(
    State(state): State<AppState>,
    user: PageUser,
    Path(receipt): Path<String>,
    form: Multipart,
) -> Result<Response, Response> {
    let form = UploadForm::read(form, "file").await;
    let caller = form_caller(&user, &form.pairs)?;
    let (who, meta) = (&caller.principal, &caller.meta);
    let result = async {
        let file = qinqing_kernel::web::upload::material(&form)?;
        crate::tolerance::supply(&state.app, who, &receipt, file, meta).await
    }
    .await;
    let posted = (receipt.as_str(), &form.pairs);
    Ok(finish(&state, caller, posted, result, "supplied").await)
}

/// 登记窗口缴款: the department records a payment made at its counter.
pub async fn record_payment(step: Step<String>) -> Response {
    let input = crate::fee::CounterPaymentInput {
        receipt_no: step.field("receipt_no").to_string(),
    };
    let (app, who, meta) = (step.app(), step.who(), step.meta());
    let result = crate::fee::paid_at_counter(app, who, &step.key, &input, meta).await;
    step_answer(&step, result, "paid").await
}
