//! The application form (申报): new, resubmitted after 补正, or a draft carried on.

use super::credit_code;
use super::yuan::filters;
use crate::applications::FactInput;
use crate::applying::{self, ApplicationInput};
use crate::entitlements::{self, Entitlement};
use crate::library::{self, PolicyView};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use qinqing_kernel::web::AppState;
use qinqing_kernel::web::form::{Pairs, field};
use qinqing_kernel::web::pages::{
    Errors, Layout, error_page, errors_of, form_caller, shows_error_page,
};
use qinqing_kernel::web::session::{Caller, PageUser};
use std::collections::HashMap;

/// The routes of this module's pages and forms.
pub fn routes() -> Router<AppState> {
    Router::new().route("/applications/new", get(apply_page).post(apply))
}

#[derive(Template, WebTemplate)]
#[template(path = "apply.html")]
pub struct ApplyPage {
    layout: Layout,
    p: PolicyView,
    code: String,
    year: i32,
    entitlement: Option<Entitlement>,
    /// Facts the form asks for: key and label.
    asks: Vec<(String, String)>,
    values: HashMap<String, String>,
    errors: Errors,
    /// The receipt of an application being resubmitted (补正) or a draft being submitted.
    receipt: Option<String>,
    submit_key: String,
}

impl ApplyPage {
    fn value(&self, key: &str) -> &str {
        self.values.get(key).map_or("", String::as_str)
    }
    fn error(&self, key: &str) -> &str {
        self.errors.get(key).map_or("", String::as_str)
    }
    fn signed(&self, key: &str) -> bool {
        self.values.contains_key(&format!("pledge_{key}"))
    }
}

#[derive(serde::Deserialize)]
pub struct ApplyQuery {
    policy: String,
    code: String,
    receipt: Option<String>,
}

/// The application form: pre-filled from the profile, asking only for what is missing.
pub async fn apply_page(
    State(state): State<AppState>,
    PageUser(caller): PageUser,
    Query(q): Query<ApplyQuery>,
) -> Response {
    let form = ApplyForm {
        policy: q.policy,
        code: q.code,
        receipt: q.receipt,
        values: HashMap::new(),
        errors: Errors::new(),
    };
    render_apply(&state, &caller, form).await
}

struct ApplyForm {
    policy: String,
    code: String,
    receipt: Option<String>,
    values: HashMap<String, String>,
    errors: Errors,
}

async fn render_apply(state: &AppState, caller: &Caller, form: ApplyForm) -> Response {
    let year = crate::api::policies::default_year(state);
    let p = match library::get(&state.app, Some(&caller.principal), &form.policy).await {
        Ok(p) => p,
        Err(e) => return error_page(&e, Some(caller), state),
    };
    let entitlement = match credit_code(&form.code) {
        Ok(code) => entitlements::for_enterprise(&state.app, &caller.principal, &code, year)
            .await
            .map(|all| {
                all.eligible
                    .into_iter()
                    .chain(all.undetermined)
                    .chain(all.ineligible)
                    .find(|e| e.policy_id == p.id)
            }),
        Err(e) => Err(e),
    };
    let entitlement = match entitlement {
        Ok(e) => e,
        Err(e) => return error_page(&e, Some(caller), state),
    };
    let mut asks: Vec<(String, String)> = entitlement
        .iter()
        .flat_map(|e| e.missing.iter().map(|m| (m.key.clone(), m.label.clone())))
        .collect();
    // Keep asking for what the applicant already typed, even once it decides the outcome.
    for (k, _) in form.values.iter().filter(|(k, _)| k.starts_with("fact_")) {
        let key = k.trim_start_matches("fact_").to_string();
        if !asks.iter().any(|(a, _)| *a == key) {
            asks.push((key.clone(), key));
        }
    }
    ApplyPage {
        layout: Layout::new(format!("申报:{}", p.title), Some(caller), state, "/portal"),
        code: form.code,
        year,
        entitlement,
        asks,
        submit_key: form
            .values
            .get("submit_key")
            .cloned()
            .unwrap_or_else(|| uuid::Uuid::new_v4().to_string()),
        values: form.values,
        errors: form.errors,
        receipt: form.receipt,
        p,
    }
    .into_response()
}

fn application_input(pairs: &Pairs, year: i32, draft: bool) -> ApplicationInput {
    ApplicationInput {
        policy: field(pairs, "policy").to_string(),
        credit_code: field(pairs, "code").to_string(),
        year,
        facts: pairs
            .iter()
            .filter_map(|(k, v)| {
                k.strip_prefix("fact_")
                    .filter(|_| !v.trim().is_empty())
                    .map(|key| FactInput {
                        key: key.to_string(),
                        value: v.clone(),
                    })
            })
            .collect(),
        pledges: pairs
            .iter()
            .filter_map(|(k, _)| k.strip_prefix("pledge_").map(str::to_string))
            .collect(),
        draft,
        submit_key: Some(field(pairs, "submit_key").to_string()).filter(|k| !k.is_empty()),
    }
}

/// Submits (or saves) the form; on a mistake the form comes back with everything kept.
pub async fn apply(
    State(state): State<AppState>,
    user: PageUser,
    axum::Form(pairs): axum::Form<Pairs>,
) -> Result<Response, Response> {
    let caller = form_caller(&user, &pairs)?;
    let year = crate::api::policies::default_year(&state);
    let draft = field(&pairs, "intent") == "draft";
    let input = application_input(&pairs, year, draft);
    let receipt = Some(field(&pairs, "receipt").to_string()).filter(|r| !r.is_empty());
    let result = match &receipt {
        Some(r) => applying::resubmit(&state.app, &caller.principal, r, &input, &caller.meta).await,
        None => applying::submit(&state.app, &caller.principal, &input, &caller.meta).await,
    };
    Ok(match result {
        Ok(a) => Redirect::to(&format!("/applications/{}", a.receipt_no)).into_response(),
        Err(e) if shows_error_page(&e) => error_page(&e, Some(caller), &state),
        Err(e) => {
            let mut errors = errors_of(&e);
            if errors.is_empty() {
                errors.insert("form".into(), e.to_string());
            }
            let form = ApplyForm {
                policy: input.policy,
                code: input.credit_code,
                receipt,
                values: pairs.into_iter().collect(),
                errors,
            };
            let page = render_apply(&state, caller, form).await;
            (qinqing_kernel::web::error::status_of(&e), page).into_response()
        }
    })
}
