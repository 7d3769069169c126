//! 专家评审 pages: drawing experts from a case's page (the links shown once, to send on), the
//! expert's own page (phone first, no account: the link is their credential), and the pool the
//! administrator keeps.

use crate::review::{
    self, DrawInput, Drawn, ExpertField, ExpertInput, ExpertOpinionInput, ExpertView, SeatPage,
};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Form, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use qinqing_kernel::web::AppState;
use qinqing_kernel::web::error::status_of;
use qinqing_kernel::web::form::{Pairs, field};
use qinqing_kernel::web::pages::step::Step;
use qinqing_kernel::web::pages::{
    Done, Errors, Layout, error_page, form_caller, form_errors, shows_error_page,
};
use qinqing_kernel::web::session::{MaybeUser, PageUser};

#[derive(Template, WebTemplate)]
#[template(path = "construction_review_drawn.html")]
pub struct DrawnPage {
    layout: Layout,
    /// The platform's public address (`--public-url`), before each link; empty when not set.
    origin: String,
    receipt: String,
    drawn: Drawn,
}

impl DrawnPage {
    fn any_recused(&self) -> bool {
        self.drawn.review.seats.iter().any(|s| s.recusal.is_some())
    }
}

/// 抽取专家: the links are shown on the answer itself, once, never in an address.
pub async fn draw(step: Step<String>) -> Response {
    let text = |name: &str| step.field(name).to_string();
    let input = DrawInput {
        speciality: text("speciality"),
        experts: text("experts"),
        due_on: text("due_on"),
    };
    match review::draw(step.app(), step.who(), &step.key, &input, step.meta()).await {
        Ok(drawn) => private(
            DrawnPage {
                layout: Layout::new(
                    "评审专家已抽取",
                    Some(step.caller()),
                    step.state(),
                    "/construction-cases",
                ),
                origin: step.state().public_url.clone().unwrap_or_default(),
                receipt: step.key.clone(),
                drawn,
            }
            .into_response(),
        ),
        Err(e) => super::cases::again(&step, e).await,
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "construction_expert_review.html")]
pub struct SeatTemplate {
    layout: Layout,
    secret: String,
    seat: SeatPage,
    errors: Errors,
    notice: &'static str,
    form: Pairs,
}

impl SeatTemplate {
    fn kept(&self, name: &str) -> &str {
        field(&self.form, name)
    }
}

async fn render_seat(
    state: &AppState,
    caller: Option<&qinqing_kernel::web::session::Caller>,
    secret: &str,
    (errors, form): (Errors, Pairs),
    notice: &'static str,
) -> Response {
    match review::seat(&state.app, secret).await {
        Ok(seat) => SeatTemplate {
            layout: Layout::new("专家评审", caller, state, "/expert-reviews"),
            secret: secret.to_string(),
            seat,
            errors,
            notice,
            form,
        }
        .into_response(),
        Err(e) => error_page(&e, caller, state),
    }
}

/// An answer that carries an expert's link (in its address or on its page): never sent on as a
/// referrer, never kept by a browser or proxy cache.
fn private(page: Response) -> Response {
    use axum::http::{HeaderValue, header};
    let mut page = page;
    let headers = page.headers_mut();
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    page
}

/// The expert's page: the case and, while open, the form.
pub async fn seat(
    State(state): State<AppState>,
    MaybeUser(caller): MaybeUser,
    Path(secret): Path<String>,
    Query(done): Query<Done>,
) -> Response {
    let notice = done
        .notice(&[("given", "评审意见已提交,感谢您的评审")])
        .unwrap_or_default();
    let blank = (Errors::new(), Pairs::new());
    private(render_seat(&state, caller.as_ref(), &secret, blank, notice).await)
}

/// The expert's answer: the link is their credential, so no session is needed.
pub async fn answer(
    State(state): State<AppState>,
    MaybeUser(caller): MaybeUser,
    Path(secret): Path<String>,
    headers: axum::http::HeaderMap,
    Form(pairs): Form<Pairs>,
) -> Response {
    let text = |name: &str| Some(field(&pairs, name).to_string());
    let input = ExpertOpinionInput {
        score: text("score"),
        opinion: text("opinion"),
        stand_aside: (field(&pairs, "choice") == "stand_aside")
            .then(|| field(&pairs, "reason").to_string()),
    };
    let meta = qinqing_kernel::web::session::request_meta(&headers);
    private(
        match review::answer(&state.app, &secret, &input, &meta).await {
            Ok(_) => Redirect::to(&format!("/expert-reviews/{secret}?done=given")).into_response(),
            Err(e) if shows_error_page(&e) => error_page(&e, caller.as_ref(), &state),
            Err(e) => {
                let again = render_seat(
                    &state,
                    caller.as_ref(),
                    &secret,
                    (form_errors(&e), pairs),
                    "",
                );
                (status_of(&e), again.await).into_response()
            }
        },
    )
}

#[derive(Template, WebTemplate)]
#[template(path = "construction_experts.html")]
pub struct ExpertsPage {
    layout: Layout,
    experts: Vec<ExpertView>,
    fields: &'static [ExpertField],
    may_add: bool,
    errors: Errors,
    notice: &'static str,
    form: Pairs,
}

impl ExpertsPage {
    fn kept(&self, name: &str) -> &str {
        field(&self.form, name)
    }

    fn wrong(&self, name: &str) -> Option<&String> {
        self.errors.get(name)
    }
}

async fn render_pool(
    state: &AppState,
    caller: &qinqing_kernel::web::session::Caller,
    (errors, form): (Errors, Pairs),
    notice: &'static str,
) -> Response {
    match review::experts(&state.app, &caller.principal).await {
        Ok(experts) => ExpertsPage {
            layout: Layout::new("评审专家库", Some(caller), state, "/construction/experts"),
            experts,
            fields: ExpertField::ALL,
            may_add: caller.principal.role == qinqing_domain::org::Role::Admin,
            errors,
            notice,
            form,
        }
        .into_response(),
        Err(e) => error_page(&e, Some(caller), state),
    }
}

pub async fn pool(
    State(state): State<AppState>,
    PageUser(caller): PageUser,
    Query(done): Query<Done>,
) -> Response {
    let notice = done.notice(&[("added", "专家已入库")]).unwrap_or_default();
    render_pool(&state, &caller, (Errors::new(), Pairs::new()), notice).await
}

/// 添加专家: the administrator.
pub async fn add(
    State(state): State<AppState>,
    user: PageUser,
    Form(pairs): Form<Pairs>,
) -> Result<Response, Response> {
    let caller = form_caller(&user, &pairs)?;
    let text = |name: &str| field(&pairs, name).to_string();
    let input = ExpertInput {
        name: text("name"),
        speciality: text("speciality"),
        employer: text("employer"),
        phone: text("phone"),
        conflicts: text("conflicts"),
    };
    let (who, meta) = (&caller.principal, &caller.meta);
    let result = review::add_expert(&state.app, who, &input, meta).await;
    Ok(qinqing_kernel::web::pages::answer(
        &state,
        caller,
        result,
        "/construction/experts?done=added",
        |errors| render_pool(&state, caller, (errors, pairs.clone()), ""),
    )
    .await)
}
