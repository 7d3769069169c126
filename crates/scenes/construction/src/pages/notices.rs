//! 集中公示 pages: the public list and one notice with its objections and answers, where anyone
//! objects during the period (phone first) and the office answers; and publishing a notice from
//! a case's page.

use crate::notice::{
    self, AnswerInput, NoticeInput, NoticeState, NoticeSummary, NoticeView, ObjectionInput,
};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Form, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use qinqing_kernel::AppResult;
use qinqing_kernel::listing::Tone;
use qinqing_kernel::web::AppState;
use qinqing_kernel::web::error::status_of;
use qinqing_kernel::web::form::{Pairs, field};
use qinqing_kernel::web::pages::step::Step;
use qinqing_kernel::web::pages::{
    Done, Errors, Layout, error_page, form_caller, form_errors, shows_error_page,
};
use qinqing_kernel::web::session::{Caller, ClientAddress, MaybeUser, PageUser};

fn tone(state: NoticeState) -> Tone {
    match state {
        NoticeState::Open => Tone::Progress,
        NoticeState::Upcoming => Tone::Progress,
        NoticeState::Closed => Tone::Done,
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "construction_notices.html")]
pub struct NoticesPage {
    layout: Layout,
    items: Vec<NoticeSummary>,
}

impl NoticesPage {
    fn tone(&self, n: &NoticeSummary) -> Tone {
        tone(n.state)
    }
}

/// 建设项目集中公示: anyone.
pub async fn list(State(state): State<AppState>, MaybeUser(caller): MaybeUser) -> Response {
    match notice::public_list(&state.app).await {
        Ok(items) => NoticesPage {
            layout: Layout::new("建设项目集中公示", caller.as_ref(), &state, "/notices"),
            items,
        }
        .into_response(),
        Err(e) => error_page(&e, caller.as_ref(), &state),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "construction_notice.html")]
pub struct NoticePage {
    layout: Layout,
    n: NoticeView,
    errors: Errors,
    notice: &'static str,
    /// What was typed in the objection form, kept when it comes back with a mistake.
    form: Pairs,
}

impl NoticePage {
    fn kept(&self, name: &str) -> &str {
        field(&self.form, name)
    }

    fn tone(&self) -> Tone {
        tone(self.n.state)
    }

    /// Whether the form sent back was the answer to objection `id`: its mistake and what was
    /// typed go back under that objection only.
    fn answering(&self, id: &i64) -> bool {
        self.kept("objection") == id.to_string()
    }
}

async fn render(
    state: &AppState,
    caller: Option<&Caller>,
    code: &str,
    (errors, form): (Errors, Pairs),
    notice: &'static str,
) -> Response {
    match notice::get(&state.app, caller.map(|c| &c.principal), code).await {
        Ok(n) => NoticePage {
            layout: Layout::new(n.title.clone(), caller, state, "/notices"),
            n,
            errors,
            notice,
            form,
        }
        .into_response(),
        Err(e) => error_page(&e, caller, state),
    }
}

pub async fn page(
    State(state): State<AppState>,
    MaybeUser(caller): MaybeUser,
    Path(code): Path<String>,
    Query(done): Query<Done>,
) -> Response {
    let notices = [
        ("objected", "您的意见已提交,答复将在本页公布"),
        ("answered", "答复已公布"),
        ("published", "集中公示已发布"),
    ];
    let notice = done.notice(&notices).unwrap_or_default();
    render(
        &state,
        caller.as_ref(),
        &code,
        (Errors::new(), Pairs::new()),
        notice,
    )
    .await
}

/// Back to the notice with `done`, or the notice again with the mistake and what was typed.
async fn finish<T>(
    state: &AppState,
    caller: Option<&Caller>,
    (code, pairs): (&str, &Pairs),
    result: AppResult<T>,
    done: &str,
) -> Response {
    match result {
        Ok(_) => Redirect::to(&format!("/notices/{code}?done={done}#objections")).into_response(),
        Err(e) if shows_error_page(&e) => error_page(&e, caller, state),
        Err(e) => {
            let again = render(state, caller, code, (form_errors(&e), pairs.clone()), "");
            (status_of(&e), again.await).into_response()
        }
    }
}

/// 提出意见: anyone, logged in or not; the objection is the objector's own words under their
/// own name and number, so a forged post could only say what its author could say directly.
pub async fn object(
    State(state): State<AppState>,
    MaybeUser(caller): MaybeUser,
    Path(code): Path<String>,
    ClientAddress(address): ClientAddress,
    headers: axum::http::HeaderMap,
    Form(pairs): Form<Pairs>,
) -> Response {
    let text = |name: &str| field(&pairs, name).to_string();
    let input = ObjectionInput {
        name: text("name"),
        phone: text("phone"),
        content: text("content"),
    };
    let meta = qinqing_kernel::web::session::request_meta(&headers);
    let result = notice::object(&state.app, &code, (&input, address), &meta).await;
    finish(&state, caller.as_ref(), (&code, &pairs), result, "objected").await
}

/// 答复意见: the office that published the notice.
pub async fn answer(
    State(state): State<AppState>,
    user: PageUser,
    Path((code, id)): Path<(String, i64)>,
    Form(pairs): Form<Pairs>,
) -> Result<Response, Response> {
    let caller = form_caller(&user, &pairs)?;
    let input = AnswerInput {
        answer: field(&pairs, "answer").to_string(),
    };
    let (who, meta) = (&caller.principal, &caller.meta);
    let result = notice::answer(&state.app, who, (&code, id), &input, meta).await;
    Ok(finish(&state, Some(caller), (&code, &pairs), result, "answered").await)
}

/// 发起集中公示, from a case's page: this case and the others ticked.
pub async fn publish(step: Step<String>) -> Response {
    let cases = step
        .pairs()
        .iter()
        .filter(|(name, _)| name == "cases")
        .map(|(_, receipt)| receipt.clone())
        .chain(std::iter::once(step.key.clone()))
        .collect();
    let text = |name: &str| step.field(name).to_string();
    let input = NoticeInput {
        cases,
        title: text("title"),
        body: text("body"),
        starts_on: text("starts_on"),
        ends_on: text("ends_on"),
    };
    let result = notice::publish(step.app(), step.who(), &input, step.meta()).await;
    match result {
        Ok(n) => Redirect::to(&format!("/notices/{}?done=published", n.code)).into_response(),
        Err(e) => super::cases::again(&step, e).await,
    }
}
