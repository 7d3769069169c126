//! 政企合同双兑现 pages: the agreements the caller may see, and the new-agreement form itemised
//! from the standard chain; a refused form comes back with what was typed and its wrong fields
//! marked. A project's own page is in [`super::project`].

use super::form::{ItemChoices, ItemForm};
use crate::{AgreementInput, AgreementSummary};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
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
        .route("/agreements", get(list_page))
        .route("/agreements/new", get(new_page).post(create))
}

#[derive(Template, WebTemplate)]
#[template(path = "agreements.html")]
pub struct AgreementsPage {
    layout: Layout,
    list: Vec<AgreementSummary>,
    may_create: bool,
}

pub async fn list_page(State(state): State<AppState>, PageUser(caller): PageUser) -> Response {
    match crate::list(&state.app, &caller.principal).await {
        Ok(list) => AgreementsPage {
            layout: Layout::new("政企合同", Some(&caller), &state, "/agreements"),
            list,
            may_create: crate::may_create(&caller.principal),
        }
        .into_response(),
        Err(e) => error_page(&e, Some(&caller), &state),
    }
}

// ----- the new-agreement form -----

/// Blank rows under the template's, for items the chain does not have.
const EXTRA_ROWS: usize = 2;
/// The most rows a submitted form is read for.
const MAX_ROWS: usize = 60;

#[derive(Template, WebTemplate)]
#[template(path = "agreement_new.html")]
pub struct NewAgreementPage {
    layout: Layout,
    errors: Errors,
    project_name: String,
    credit_code: String,
    investor_name: String,
    region_code: String,
    signed_on: String,
    total_investment: String,
    rows: Vec<ItemForm>,
    choices: ItemChoices,
}

fn row_prefix(row: usize) -> String {
    format!("items[{row}].")
}

/// The template's rows, then blank ones.
fn standard_rows() -> Vec<ItemForm> {
    let template = crate::standard_template();
    let mut rows: Vec<ItemForm> = template
        .iter()
        .enumerate()
        .map(|(row, n)| ItemForm::of_template(row_prefix(row), n))
        .collect();
    rows.extend(
        (template.len()..template.len() + EXTRA_ROWS).map(|r| ItemForm::blank(row_prefix(r))),
    );
    rows
}

fn template_choices() -> ItemChoices {
    ItemChoices::new(
        crate::standard_template()
            .iter()
            .map(|n| (n.key.to_string(), n.title.to_string())),
    )
}

/// The form with what `pairs` hold (nothing for a new form), its `rows` and `errors`.
fn new_page_of(
    state: &AppState,
    caller: &Caller,
    pairs: &Pairs,
    rows: Vec<ItemForm>,
    errors: Errors,
) -> NewAgreementPage {
    let kept = |name: &str| field(pairs, name).to_string();
    NewAgreementPage {
        layout: Layout::new("录入投资协议", Some(caller), state, "/agreements"),
        project_name: kept("project_name"),
        credit_code: kept("credit_code"),
        investor_name: kept("investor_name"),
        region_code: kept("region_code"),
        signed_on: kept("signed_on"),
        total_investment: kept("total_investment"),
        rows,
        choices: template_choices(),
        errors,
    }
}

pub async fn new_page(State(state): State<AppState>, PageUser(caller): PageUser) -> Response {
    if !crate::may_create(&caller.principal) {
        let e = AppError::forbidden("只有招商部门工作人员可以录入投资协议");
        return error_page(&e, Some(&caller), &state);
    }
    new_page_of(
        &state,
        &caller,
        &Pairs::new(),
        standard_rows(),
        Errors::new(),
    )
    .into_response()
}

/// The rows of a submitted form as typed (template rows keep their keys).
fn submitted_rows(pairs: &Pairs, errors: &Errors) -> Vec<ItemForm> {
    let count = field(pairs, "rows").parse().unwrap_or(0).min(MAX_ROWS);
    let template = crate::standard_template();
    (0..count)
        .map(|row| {
            let form = match template.get(row) {
                Some(n) => ItemForm::of_template(row_prefix(row), n),
                None => ItemForm::blank(row_prefix(row)),
            };
            form.typed(pairs, errors)
        })
        .collect()
}

/// Error keys of the use case name the item by its place among the included rows; the form
/// names it by its row.
fn errors_by_row(e: &AppError, included: &[usize]) -> Errors {
    errors_of(e)
        .into_iter()
        .map(|(key, message)| {
            let row = key
                .strip_prefix("items[")
                .and_then(|rest| rest.split_once("]."))
                .and_then(|(n, f)| Some((included.get(n.parse::<usize>().ok()?)?, f)));
            match row {
                Some((row, f)) => (format!("{}{f}", row_prefix(*row)), message),
                None => (key, message),
            }
        })
        .collect()
}

pub async fn create(
    State(state): State<AppState>,
    user: PageUser,
    axum::Form(pairs): axum::Form<Pairs>,
) -> Response {
    let caller = match form_caller(&user, &pairs) {
        Ok(caller) => caller,
        Err(r) => return r,
    };
    let rows = submitted_rows(&pairs, &Errors::new());
    let included: Vec<usize> = (0..rows.len())
        .filter(|&r| rows[r].include && rows[r].is_filled())
        .collect();
    let given = |name: &str| Some(field(&pairs, name).to_string()).filter(|v| !v.trim().is_empty());
    let input = AgreementInput {
        project_name: field(&pairs, "project_name").to_string(),
        credit_code: given("credit_code"),
        investor_name: given("investor_name"),
        region_code: given("region_code"),
        signed_on: field(&pairs, "signed_on").to_string(),
        total_investment: field(&pairs, "total_investment").to_string(),
        from_template: false,
        items: included.iter().map(|&r| rows[r].input()).collect(),
    };
    match crate::create(&state.app, &caller.principal, &input, &caller.meta).await {
        Ok(a) => Redirect::to(&format!("/agreements/{}?done=created", a.id)).into_response(),
        Err(e) if shows_error_page(&e) => error_page(&e, Some(caller), &state),
        Err(e) => {
            let mut errors = errors_by_row(&e, &included);
            errors.insert("form".into(), format!("协议未保存:{e}"));
            let rows = submitted_rows(&pairs, &errors);
            let page = new_page_of(&state, caller, &pairs, rows, errors);
            (qinqing_kernel::web::error::status_of(&e), page).into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_item_error_is_shown_on_the_row_it_came_from() {
        // Rows 0, 2 and 5 were sent; the use case names the second of them.
        let e = AppError::invalid("items[1].after", "前置事项不存在");
        let errors = errors_by_row(&e, &[0, 2, 5]);
        assert_eq!(
            errors.get("items[2].after").map(String::as_str),
            Some("前置事项不存在")
        );
        let e = AppError::invalid("total_investment", "金额格式不对");
        assert!(errors_by_row(&e, &[0]).contains_key("total_investment"));
    }
}
