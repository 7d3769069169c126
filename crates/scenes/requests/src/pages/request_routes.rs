//! The administrator's form for the routing rules of 诉求必应 (category × region → department).

use crate::routing::{self, CategoryView, RouteInput};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use qinqing_domain::org::Role;
use qinqing_kernel::AppError;
use qinqing_kernel::web::AppState;
use qinqing_kernel::web::form::Pairs;
use qinqing_kernel::web::pages::{
    Done, Errors, Layout, error_page, errors_of, form_caller, shows_error_page,
};
use qinqing_kernel::web::session::{Caller, PageUser};

/// The routes of this module's pages and forms.
pub fn routes() -> Router<AppState> {
    Router::new().route("/admin/request-routes", get(page).post(save))
}

/// Blank rows offered under the rules, for new ones.
const BLANK_ROWS: usize = 3;

/// One row of the form as the administrator sees or typed it.
pub struct RouteLine {
    category: String,
    region_prefix: String,
    org_id: i64,
    error: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_request_routes.html")]
pub struct RoutesPage {
    layout: Layout,
    lines: Vec<RouteLine>,
    categories: Vec<CategoryView>,
    departments: Vec<(i64, String)>,
    error: String,
    saved: bool,
}

async fn render(
    state: &AppState,
    caller: &Caller,
    mut lines: Vec<RouteLine>,
    error: String,
    saved: bool,
) -> Response {
    let loaded = async {
        Ok::<_, AppError>((
            routing::categories(&state.app).await?,
            qinqing_kernel::users::departments(&state.app).await?,
        ))
    };
    let (categories, departments) = match loaded.await {
        Ok(found) => found,
        Err(e) => return error_page(&e, Some(caller), state),
    };
    lines.extend((0..BLANK_ROWS).map(|_| RouteLine {
        category: String::new(),
        region_prefix: String::new(),
        org_id: 0,
        error: String::new(),
    }));
    RoutesPage {
        layout: Layout::new("诉求分派规则", Some(caller), state, "/admin/request-routes"),
        lines,
        categories,
        departments,
        error,
        saved,
    }
    .into_response()
}

pub async fn page(
    State(state): State<AppState>,
    PageUser(caller): PageUser,
    Query(done): Query<Done>,
) -> Response {
    if caller.principal.role != Role::Admin {
        let e = AppError::forbidden("只有平台管理员可以修改诉求分派规则");
        return error_page(&e, Some(&caller), &state);
    }
    let lines = match routing::routes(&state.app, &caller.principal).await {
        Ok(routes) => routes
            .into_iter()
            .map(|r| RouteLine {
                category: r.category,
                region_prefix: r.region_prefix,
                org_id: r.org_id,
                error: String::new(),
            })
            .collect(),
        Err(e) => return error_page(&e, Some(&caller), &state),
    };
    let saved = done.code() == Some("saved");
    render(&state, &caller, lines, String::new(), saved).await
}

/// The rows of the form in order; a row without a category is left out (that is how a rule is
/// deleted).
fn typed_lines(pairs: &Pairs) -> Vec<RouteLine> {
    let values = |name: &str| -> Vec<&str> {
        pairs
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    };
    let (categories, prefixes, orgs) = (
        values("category"),
        values("region_prefix"),
        values("org_id"),
    );
    categories
        .iter()
        .enumerate()
        .filter(|(_, c)| !c.trim().is_empty())
        .map(|(i, c)| RouteLine {
            category: c.trim().to_string(),
            region_prefix: prefixes.get(i).map_or("", |p| p.trim()).to_string(),
            org_id: orgs.get(i).and_then(|o| o.parse().ok()).unwrap_or(0),
            error: String::new(),
        })
        .collect()
}

/// Replaces every rule with the form's rows; every wrong row is marked and nothing is saved.
pub async fn save(
    State(state): State<AppState>,
    user: PageUser,
    axum::Form(pairs): axum::Form<Pairs>,
) -> Result<Response, Response> {
    let caller = form_caller(&user, &pairs)?;
    let mut lines = typed_lines(&pairs);
    let input: Vec<RouteInput> = lines
        .iter()
        .map(|l| RouteInput {
            category: l.category.clone(),
            region_prefix: l.region_prefix.clone(),
            org_id: l.org_id,
        })
        .collect();
    let result = routing::replace_routes(&state.app, &caller.principal, &input, &caller.meta).await;
    Ok(match result {
        Ok(_) => Redirect::to("/admin/request-routes?done=saved").into_response(),
        Err(e) if shows_error_page(&e) => error_page(&e, Some(caller), &state),
        Err(e) => {
            mark_rows(&mut lines, &errors_of(&e));
            let page = render(&state, caller, lines, e.to_string(), false).await;
            (qinqing_kernel::web::error::status_of(&e), page).into_response()
        }
    })
}

/// Puts each `routes[i].field` message on row i.
fn mark_rows(lines: &mut [RouteLine], errors: &Errors) {
    for (key, message) in errors {
        let row = key
            .strip_prefix("routes[")
            .and_then(|rest| rest.split(']').next())
            .and_then(|i| i.parse::<usize>().ok());
        if let Some(line) = row.and_then(|i| lines.get_mut(i)) {
            line.error = message.clone();
        }
    }
}
