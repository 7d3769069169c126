//! 项目报建: the caller's projects with the registration form, and one project.

use crate::case::{self, ApplyInput};
use crate::project::{self, ProjectInput, ProjectMatter, ProjectSummary, ProjectView};
use crate::status::CaseStatus;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use qinqing_kernel::AppResult;
use qinqing_kernel::listing::Tone;
use qinqing_kernel::principal::acts_for_enterprise;
use qinqing_kernel::web::AppState;
use qinqing_kernel::web::form::{Pairs, field};
use qinqing_kernel::web::pages::step::Step;
use qinqing_kernel::web::pages::{Done, Errors, Layout, answer, error_page, form_caller};
use qinqing_kernel::web::session::{Caller, PageUser};

#[derive(Template, WebTemplate)]
#[template(path = "construction_projects.html")]
pub struct ProjectsPage {
    layout: Layout,
    may_register: bool,
    /// (credit code, name) of the enterprises the caller acts for.
    enterprises: Vec<(String, String)>,
    items: Vec<ProjectSummary>,
    errors: Errors,
    form: Pairs,
    submit_key: String,
}

impl ProjectsPage {
    /// What was typed in a field of the form, kept when the form comes back.
    fn kept(&self, name: &str) -> &str {
        field(&self.form, name)
    }

    /// What is wrong with a field of the form, if anything.
    fn wrong(&self, name: &str) -> Option<&String> {
        self.errors.get(name)
    }
}

async fn render_list(state: &AppState, caller: &Caller, form: Pairs, errors: Errors) -> Response {
    let who = &caller.principal;
    let found = async {
        let items = project::list(&state.app, who).await?;
        let enterprises = qinqing_kernel::enterprises::names_of_own(&state.app, who).await?;
        AppResult::Ok((items, enterprises))
    };
    let (items, enterprises) = match found.await {
        Ok(found) => found,
        Err(e) => return error_page(&e, Some(caller), state),
    };
    ProjectsPage {
        layout: Layout::new("项目报建", Some(caller), state, "/projects"),
        may_register: acts_for_enterprise(who),
        enterprises,
        items,
        errors,
        form,
        submit_key: uuid::Uuid::new_v4().to_string(),
    }
    .into_response()
}

pub async fn list(State(state): State<AppState>, PageUser(caller): PageUser) -> Response {
    render_list(&state, &caller, Pairs::new(), Errors::new()).await
}

pub async fn register(
    State(state): State<AppState>,
    user: PageUser,
    axum::Form(pairs): axum::Form<Pairs>,
) -> Response {
    if let Err(r) = form_caller(&user, &pairs) {
        return r;
    }
    let caller = &user.0;
    let text = |name: &str| Some(field(&pairs, name).to_string()).filter(|s| !s.trim().is_empty());
    let input = ProjectInput {
        credit_code: field(&pairs, "credit_code").to_string(),
        name: field(&pairs, "name").to_string(),
        parcel: field(&pairs, "parcel").to_string(),
        location: field(&pairs, "location").to_string(),
        investment: field(&pairs, "investment").to_string(),
        floor_area: field(&pairs, "floor_area").to_string(),
        agreement_no: text("agreement_no"),
        land_title_no: text("land_title_no"),
        submit_key: text("submit_key"),
    };
    let result = project::register(&state.app, &caller.principal, &input, &caller.meta).await;
    let next = match &result {
        Ok(p) => format!("/projects/{}", p.code),
        Err(_) => String::new(),
    };
    answer(&state, caller, result, &next, |errors| {
        render_list(&state, caller, pairs.clone(), errors)
    })
    .await
}

#[derive(Template, WebTemplate)]
#[template(path = "construction_project.html")]
pub struct ProjectPage {
    layout: Layout,
    p: ProjectView,
    errors: Errors,
    /// The confirmation of the step just taken, if any.
    notice: &'static str,
}

impl ProjectPage {
    /// The colour of a matter's state: approved, under way, or over without approval.
    fn tone(&self, m: &ProjectMatter) -> Tone {
        match m.status {
            Some(CaseStatus::Approved) => Tone::Done,
            Some(CaseStatus::Refused | CaseStatus::Lapsed) => Tone::Refused,
            None => Tone::Progress,
            Some(_) => Tone::Progress,
        }
    }
}

async fn render_project(
    state: &AppState,
    caller: &Caller,
    code: &str,
    errors: Errors,
    notice: &'static str,
) -> Response {
    match project::get(&state.app, &caller.principal, code).await {
        Ok(p) => ProjectPage {
            layout: Layout::new(p.name.clone(), Some(caller), state, "/projects"),
            p,
            errors,
            notice,
        }
        .into_response(),
        Err(e) => error_page(&e, Some(caller), state),
    }
}

pub async fn page(
    State(state): State<AppState>,
    PageUser(caller): PageUser,
    Path(code): Path<String>,
    Query(done): Query<Done>,
) -> Response {
    let notices = [("applied", "已申报,等待审批部门受理")];
    let notice = done.notice(&notices).unwrap_or_default();
    render_project(&state, &caller, &code, Errors::new(), notice).await
}

/// 申报 one matter from the project's page.
pub async fn apply(step: Step<String>) -> Response {
    let input = ApplyInput {
        matter: step.field("matter").to_string(),
        note: Some(step.field("note").to_string()),
    };
    let (state, caller, code) = (step.state(), step.caller(), step.key.as_str());
    let result = case::apply(step.app(), step.who(), code, &input, step.meta()).await;
    let next = format!("/projects/{code}?done=applied#stages");
    answer(state, caller, result, &next, |errors| {
        render_project(state, caller, code, errors, "")
    })
    .await
}
