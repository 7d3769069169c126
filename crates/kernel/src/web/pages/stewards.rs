//! 亲清管家 and 亲情代办 pages: the administrator assigns and unassigns stewards (a form, a
//! file, a cancel button on each assignment); an enterprise's own user sees, grants and revokes
//! the authorisations that let a steward or another account act for it (phone first).

use super::directory::{ImportProblem, import_answer};
use super::{Errors, Layout, answer, error_page, form_caller};
use crate::authorisations::{self, AuthorisationView, GrantInput, MatterView};
use crate::stewards::{self, Step, StewardAssignment};
use crate::web::AppState;
use crate::web::form::{Pairs, field};
use crate::web::session::{Caller, PageUser};
use crate::web::upload::UploadForm;
use crate::{AppError, AppResult};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Multipart, Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use qinqing_domain::CreditCode;
use qinqing_exchange::directory::STEWARD_COLUMNS;

/// The routes of this module's pages and forms.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/stewards", get(stewards_page).post(assign))
        .route("/admin/stewards/unassign", post(unassign))
        .route("/admin/stewards/import", post(import))
        .route(
            "/enterprises/{code}/authorisations",
            get(authorisations_page).post(grant),
        )
        .route(
            "/enterprises/{code}/authorisations/{id}/revoke",
            post(revoke),
        )
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_stewards.html")]
pub struct StewardsPage {
    layout: Layout,
    stewards: Vec<(i64, String)>,
    assignments: Vec<StewardAssignment>,
    form: Pairs,
    errors: Errors,
    notice: Option<&'static str>,
    problems: Vec<ImportProblem>,
}

impl StewardsPage {
    fn value(&self, name: &str) -> &str {
        field(&self.form, name)
    }
}

const STEWARD_NOTICES: [(&str, &str); 3] = [
    ("assigned", "已指派亲清管家"),
    ("unassigned", "已取消指派;企业给该管家的代办授权同时撤销"),
    ("imported", "导入成功,文件中的指派与取消已全部生效"),
];

async fn stewards_view(
    state: &AppState,
    caller: &Caller,
    form: Pairs,
    errors: Errors,
    notice: Option<&'static str>,
    problems: Vec<ImportProblem>,
) -> Response {
    let loaded = async {
        let people = stewards::stewards(&state.app, &caller.principal).await?;
        let assignments = stewards::list(&state.app, &caller.principal).await?;
        AppResult::Ok((people, assignments))
    };
    match loaded.await {
        Ok((stewards, assignments)) => StewardsPage {
            layout: Layout::new("亲清管家", Some(caller), state, "/admin/stewards"),
            stewards,
            assignments,
            form,
            errors,
            notice,
            problems,
        }
        .into_response(),
        Err(e) => error_page(&e, Some(caller), state),
    }
}

pub async fn stewards_page(
    State(state): State<AppState>,
    PageUser(caller): PageUser,
    Query(done): Query<super::Done>,
) -> Response {
    let notice = done.notice(&STEWARD_NOTICES);
    stewards_view(&state, &caller, Pairs::new(), Errors::new(), notice, vec![]).await
}

/// The steward and enterprise of an assignment form.
fn assignment(pairs: &Pairs) -> AppResult<(i64, CreditCode)> {
    let steward = field(pairs, "steward_id")
        .parse()
        .map_err(|_| AppError::invalid("steward_id", "请选择亲清管家"))?;
    let code = CreditCode::parse(field(pairs, "credit_code"))
        .map_err(|e| AppError::invalid("credit_code", e.to_string()))?;
    Ok((steward, code))
}

pub async fn assign(
    State(state): State<AppState>,
    user: PageUser,
    Form(pairs): Form<Pairs>,
) -> Result<Response, Response> {
    assignment_answer(&state, &user, pairs, Step::Assign).await
}

pub async fn unassign(
    State(state): State<AppState>,
    user: PageUser,
    Form(pairs): Form<Pairs>,
) -> Result<Response, Response> {
    assignment_answer(&state, &user, pairs, Step::Unassign).await
}

/// Makes the form's change and goes back to the list; a mistake shows the list again, with what
/// was typed kept when assigning.
async fn assignment_answer(
    state: &AppState,
    user: &PageUser,
    pairs: Pairs,
    step: Step,
) -> Result<Response, Response> {
    let caller = form_caller(user, &pairs)?;
    let result = match assignment(&pairs) {
        Ok((id, code)) => {
            stewards::change(&state.app, &caller.principal, step, id, &code, &caller.meta).await
        }
        Err(e) => Err(e),
    };
    let (next, kept) = match step {
        Step::Assign => ("/admin/stewards?done=assigned", pairs.clone()),
        Step::Unassign => ("/admin/stewards?done=unassigned", Pairs::new()),
    };
    Ok(answer(state, caller, result, next, |errors| {
        stewards_view(state, caller, kept, errors, None, vec![])
    })
    .await)
}

pub async fn import(
    State(state): State<AppState>,
    user: PageUser,
    form: Multipart,
) -> Result<Response, Response> {
    let form = UploadForm::read(form, "file").await;
    let caller = form_caller(&user, &form.pairs)?;
    Ok(import_answer(
        &state,
        caller,
        form,
        async |bytes, format| {
            stewards::import(&state.app, &caller.principal, &bytes, format, &caller.meta).await
        },
        "/admin/stewards?done=imported",
        &STEWARD_COLUMNS,
        |errors, problems| stewards_view(&state, caller, Pairs::new(), errors, None, problems),
    )
    .await)
}

#[derive(Template, WebTemplate)]
#[template(path = "authorisations.html")]
pub struct AuthorisationsPage {
    layout: Layout,
    code: String,
    enterprise_name: String,
    /// Only the enterprise's own users grant and revoke.
    may_grant: bool,
    stewards: Vec<StewardAssignment>,
    matters: Vec<MatterView>,
    authorisations: Vec<AuthorisationView>,
    form: Pairs,
    errors: Errors,
    notice: Option<&'static str>,
}

impl AuthorisationsPage {
    fn value(&self, name: &str) -> &str {
        field(&self.form, name)
    }

    fn checked(&self, key: &str) -> bool {
        self.form.iter().any(|(k, v)| k == "matters" && v == key)
    }
}

const AUTHORISATION_NOTICES: [(&str, &str); 2] = [
    (
        "granted",
        "已授权。被授权人从现在起可以在所选事项上代企业办理,截止日期过后自动失效。",
    ),
    ("revoked", "已撤销授权,被授权人从现在起不能再代企业办理"),
];

async fn authorisations_view(
    state: &AppState,
    caller: &Caller,
    code: &str,
    form: Pairs,
    errors: Errors,
    notice: Option<&'static str>,
) -> Response {
    let loaded = async {
        let parsed = CreditCode::parse(code)
            .map_err(|_| AppError::NotFound(format!("企业 {code} 不存在")))?;
        let profile = crate::enterprises::profile(&state.app, &caller.principal, &parsed).await?;
        let list = authorisations::list(&state.app, &caller.principal, &parsed).await?;
        let stewards = stewards::of_enterprise(&state.app, &caller.principal, &parsed).await?;
        AppResult::Ok((parsed, profile.identity.name, list, stewards))
    };
    match loaded.await {
        Ok((parsed, enterprise_name, authorisations, stewards)) => AuthorisationsPage {
            layout: Layout::new("代办授权", Some(caller), state, "/portal"),
            may_grant: caller.principal.is_member_of(&parsed),
            code: parsed.to_string(),
            enterprise_name,
            stewards,
            matters: authorisations::matter_views(&state.app),
            authorisations,
            form,
            errors,
            notice,
        }
        .into_response(),
        Err(e) => error_page(&e, Some(caller), state),
    }
}

pub async fn authorisations_page(
    State(state): State<AppState>,
    PageUser(caller): PageUser,
    Path(code): Path<String>,
    Query(done): Query<super::Done>,
) -> Response {
    let notice = done.notice(&AUTHORISATION_NOTICES);
    authorisations_view(&state, &caller, &code, Pairs::new(), Errors::new(), notice).await
}

/// The grant form: a steward from the list, or another account's phone number.
fn grant_input(pairs: &Pairs) -> GrantInput {
    let whom = field(pairs, "grantee");
    GrantInput {
        steward_id: whom.parse().ok(),
        phone: (whom == "phone").then(|| field(pairs, "phone").to_string()),
        matters: pairs
            .iter()
            .filter(|(k, _)| k == "matters")
            .map(|(_, v)| v.clone())
            .collect(),
        valid_until: field(pairs, "valid_until").to_string(),
    }
}

pub async fn grant(
    State(state): State<AppState>,
    user: PageUser,
    Path(code): Path<String>,
    Form(pairs): Form<Pairs>,
) -> Result<Response, Response> {
    let caller = form_caller(&user, &pairs)?;
    let result = match CreditCode::parse(&code) {
        Ok(parsed) => {
            let input = grant_input(&pairs);
            authorisations::grant(&state.app, &caller.principal, &parsed, &input, &caller.meta)
                .await
        }
        Err(_) => Err(AppError::NotFound(format!("企业 {code} 不存在"))),
    };
    let next = format!("/enterprises/{code}/authorisations?done=granted");
    Ok(answer(&state, caller, result, &next, |errors| {
        authorisations_view(&state, caller, &code, pairs.clone(), errors, None)
    })
    .await)
}

pub async fn revoke(
    State(state): State<AppState>,
    user: PageUser,
    Path((code, id)): Path<(String, i64)>,
    Form(pairs): Form<Pairs>,
) -> Result<Response, Response> {
    let caller = form_caller(&user, &pairs)?;
    let result = match CreditCode::parse(&code) {
        Ok(parsed) => {
            authorisations::revoke(&state.app, &caller.principal, &parsed, id, &caller.meta).await
        }
        Err(_) => Err(AppError::NotFound(format!("企业 {code} 不存在"))),
    };
    let next = format!("/enterprises/{code}/authorisations?done=revoked");
    Ok(answer(&state, caller, result, &next, |errors| {
        authorisations_view(&state, caller, &code, Pairs::new(), errors, None)
    })
    .await)
}
