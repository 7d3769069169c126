//! "我的申报": an enterprise's applications and grants, and its payout account.

use super::credit_code;
use super::yuan::filters;
use crate::applications::{self, ApplicationView};
use crate::payouts::{self, AccountInput};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use qinqing_kernel::AppError;
use qinqing_kernel::web::AppState;
use qinqing_kernel::web::form::{Pairs, field};
use qinqing_kernel::web::pages::{
    Errors, Layout, error_page, errors_of, form_caller, shows_error_page,
};
use qinqing_kernel::web::session::{Caller, PageUser};

/// The routes of this module's pages and forms.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/enterprises/{code}/applications",
            get(enterprise_applications),
        )
        .route("/enterprises/{code}/bank-account", post(confirm_account))
}

/// The payout account as the enterprise typed it, here or when it confirms an offer.
pub(super) fn account_input(pairs: &Pairs) -> AccountInput {
    AccountInput {
        payee_name: field(pairs, "payee_name").to_string(),
        account_no: field(pairs, "account_no").to_string(),
        bank_name: field(pairs, "bank_name").to_string(),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "applications.html")]
pub struct ApplicationsPage {
    layout: Layout,
    code: String,
    items: Vec<ApplicationView>,
    account: Option<crate::payouts::AccountView>,
    name: String,
    errors: Errors,
    notice: String,
}

impl ApplicationsPage {
    fn error(&self, key: &str) -> &str {
        self.errors.get(key).map_or("", String::as_str)
    }
}

/// "我的申报": an enterprise's applications, grants and its payout account.
pub async fn enterprise_applications(
    State(state): State<AppState>,
    PageUser(caller): PageUser,
    Path(code): Path<String>,
) -> Response {
    render_applications(&state, &caller, &code, Errors::new(), String::new()).await
}

async fn render_applications(
    state: &AppState,
    caller: &Caller,
    code: &str,
    errors: Errors,
    notice: String,
) -> Response {
    let who = &caller.principal;
    let code = match credit_code(code) {
        Ok(c) => c,
        Err(e) => return error_page(&e, Some(caller), state),
    };
    let loaded = async {
        let items = applications::of_enterprise(&state.app, who, &code).await?;
        let account = payouts::account(&state.app, who, &code).await?;
        let profile = qinqing_kernel::enterprises::profile(&state.app, who, &code).await?;
        Ok::<_, AppError>((items, account, profile.identity.name))
    }
    .await;
    match loaded {
        Ok((items, account, name)) => ApplicationsPage {
            layout: Layout::new("我的申报", Some(caller), state, "/portal"),
            code: code.to_string(),
            items,
            account,
            name,
            errors,
            notice,
        }
        .into_response(),
        Err(e) => error_page(&e, Some(caller), state),
    }
}

/// The enterprise confirms (or changes) its payout account.
pub async fn confirm_account(
    State(state): State<AppState>,
    user: PageUser,
    Path(code): Path<String>,
    axum::Form(pairs): axum::Form<Pairs>,
) -> Result<Response, Response> {
    let caller = form_caller(&user, &pairs)?;
    let parsed = match credit_code(&code) {
        Ok(c) => c,
        Err(e) => return Ok(error_page(&e, Some(caller), &state)),
    };
    let account = account_input(&pairs);
    let result = payouts::confirm_account(
        &state.app,
        &caller.principal,
        &parsed,
        &account,
        &caller.meta,
    )
    .await;
    Ok(match result {
        Ok(_) => {
            render_applications(
                &state,
                caller,
                &code,
                Errors::new(),
                "收款账户已确认".into(),
            )
            .await
        }
        Err(e) if shows_error_page(&e) => error_page(&e, Some(caller), &state),
        Err(e) => render_applications(&state, caller, &code, errors_of(&e), String::new()).await,
    })
}
