//! Credit and clawbacks (信用与追回): the overview, repayments and the blacklist import.

use super::import_file;
use super::yuan::{filters, grouped};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Multipart, Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use qinqing_domain::org::Role;
use qinqing_kernel::AppError;
use qinqing_kernel::web::AppState;
use qinqing_kernel::web::form::{Pairs, field};
use qinqing_kernel::web::pages::{Layout, error_page, form_caller, shows_error_page};
use qinqing_kernel::web::session::{Caller, PageUser};
use qinqing_kernel::web::upload::UploadForm;

/// The routes of this module's pages and forms.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/integrity", get(integrity_page))
        .route("/integrity/blacklist", post(import_blacklist))
        .route("/clawbacks/{id}/repayments", post(repayment))
}

#[derive(Template, WebTemplate)]
#[template(path = "integrity.html")]
pub struct IntegrityPage {
    layout: Layout,
    o: crate::integrity::IntegrityOverview,
    is_finance: bool,
    may_import: bool,
    notice: String,
    problems: Vec<String>,
}

pub async fn integrity_page(State(state): State<AppState>, PageUser(caller): PageUser) -> Response {
    render_integrity(&state, &caller, String::new(), Vec::new()).await
}

async fn render_integrity(
    state: &AppState,
    caller: &Caller,
    notice: String,
    problems: Vec<String>,
) -> Response {
    let who = &caller.principal;
    match crate::integrity::overview(&state.app, who).await {
        Ok(o) => IntegrityPage {
            layout: Layout::new("信用与追回", Some(caller), state, "/integrity"),
            o,
            is_finance: matches!(who.role, Role::Finance | Role::Admin),
            may_import: matches!(who.role, Role::Admin | Role::DepartmentLead),
            notice,
            problems,
        }
        .into_response(),
        Err(e) => error_page(&e, Some(caller), state),
    }
}

/// Finance records a repayment of a clawback.
pub async fn repayment(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    axum::Form(pairs): axum::Form<Pairs>,
) -> Result<Response, Response> {
    let caller = form_caller(&user, &pairs)?;
    let input = crate::integrity::RepaymentInput {
        amount: field(&pairs, "amount").to_string(),
    };
    let result =
        crate::integrity::record_repayment(&state.app, &caller.principal, id, &input, &caller.meta)
            .await;
    Ok(match result {
        Ok(c) => {
            let notice = format!("已登记退回,尚欠 ¥{}", grouped(&c.outstanding));
            render_integrity(&state, caller, notice, Vec::new()).await
        }
        Err(e) if shows_error_page(&e) => error_page(&e, Some(caller), &state),
        Err(e) => render_integrity(&state, caller, String::new(), vec![e.to_string()]).await,
    })
}

/// Imports a credit blacklist; problems are listed row by row and nothing is recorded.
pub async fn import_blacklist(
    State(state): State<AppState>,
    user: PageUser,
    form: Multipart,
) -> Result<Response, Response> {
    let form = UploadForm::read(form, "file").await;
    let caller = form_caller(&user, &form.pairs)?;
    let (name, bytes) = import_file(form);
    let result = crate::integrity::import_blacklist(
        &state.app,
        &caller.principal,
        &name,
        &bytes,
        &caller.meta,
    )
    .await;
    Ok(match result {
        Ok(s) => {
            let notice = format!(
                "失信名单已导入:登记 {} 家,平台未注册 {} 家",
                s.recorded, s.not_registered
            );
            render_integrity(&state, caller, notice, Vec::new()).await
        }
        Err(AppError::ImportRejected(report)) => {
            let problems = report.errors.iter().map(ToString::to_string).collect();
            render_integrity(&state, caller, String::new(), problems).await
        }
        Err(e) => error_page(&e, Some(caller), &state),
    })
}
