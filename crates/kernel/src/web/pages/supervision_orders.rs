//! 督办 pages: issuing an order from a warning or the cockpit's list, the order's page where the
//! department answers and the supervisor accepts or sends back, and 监督的再监督.

use super::{Layout, error_page};
use crate::AppError;
use crate::supervision::{self, IssueRequest, OrderView, Oversight, OversightRow, Review};
use crate::web::AppState;
use crate::web::session::PageUser;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};

/// The routes of this module's pages.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/supervision/orders", post(issue))
        .route("/supervision/orders/{id}", get(order))
        .route("/supervision/orders/{id}/{step}", post(step))
        .route("/supervision/oversight", get(oversight))
}

#[derive(serde::Deserialize)]
pub struct OrderForm {
    #[serde(default)]
    deadline_id: i64,
    #[serde(default)]
    note: String,
    #[serde(default)]
    days: String,
    #[serde(default)]
    result: String,
    #[serde(default)]
    decision: String,
    #[serde(default)]
    reason: String,
    #[serde(rename = "_csrf", default)]
    csrf: String,
}

/// The working days a form gives: empty for the default, else a whole number.
fn form_days(days: &str) -> Result<Option<u32>, AppError> {
    let days = days.trim();
    if days.is_empty() {
        return Ok(None);
    }
    days.parse()
        .map(Some)
        .map_err(|_| AppError::invalid("days", "督办时限应为 1 至 30 个工作日"))
}

/// Runs a form's change for a caller whose form carries their session's token, then shows
/// the order's page; the error page when the change is refused.
async fn submit(
    state: &AppState,
    user: &PageUser,
    csrf: &str,
    change: impl AsyncFnOnce(&crate::web::session::Caller) -> crate::AppResult<i64>,
) -> Response {
    if let Err(r) = user.check_csrf(csrf) {
        return r;
    }
    match change(&user.0).await {
        Ok(id) => Redirect::to(&supervision::order_page(id)).into_response(),
        Err(e) => error_page(&e, Some(&user.0), state),
    }
}

async fn issue(
    State(state): State<AppState>,
    user: PageUser,
    axum::Form(form): axum::Form<OrderForm>,
) -> Response {
    submit(&state, &user, &form.csrf, async |caller| {
        let req = IssueRequest {
            deadline_id: form.deadline_id,
            note: form.note.clone(),
            days: form_days(&form.days)?,
        };
        supervision::issue(&state.app, &caller.principal, &req, &caller.meta).await
    })
    .await
}

/// A step on an order: the department's result (`answer`) or the supervisor's verdict
/// (`review`: accept, or send back with a reason and days).
async fn step(
    State(state): State<AppState>,
    user: PageUser,
    Path((id, step)): Path<(i64, String)>,
    axum::Form(form): axum::Form<OrderForm>,
) -> Response {
    submit(&state, &user, &form.csrf, async |caller| {
        let (app, who, meta) = (&state.app, &caller.principal, &caller.meta);
        match (step.as_str(), form.decision.as_str()) {
            ("answer", _) => supervision::answer(app, who, id, &form.result, meta).await?,
            ("review", "accept") => {
                supervision::review(app, who, id, &Review::Accept, meta).await?
            }
            ("review", "send_back") => {
                let back = Review::SendBack {
                    reason: form.reason.clone(),
                    days: form_days(&form.days)?,
                };
                supervision::review(app, who, id, &back, meta).await?
            }
            ("review", _) => return Err(AppError::invalid("decision", "请选择办结或退回")),
            _ => return Err(AppError::NotFound("没有这个操作".into())),
        }
        Ok(id)
    })
    .await
}

#[derive(Template, WebTemplate)]
#[template(path = "supervision_order.html")]
pub struct OrderPage {
    layout: Layout,
    o: OrderView,
    /// The caller supervises (reads 监督的再监督 and the order's trail); else they answer it.
    oversees: bool,
}

async fn order(State(state): State<AppState>, user: PageUser, Path(id): Path<i64>) -> Response {
    let caller = &user.0;
    match supervision::order(&state.app, &caller.principal, id).await {
        Ok(o) => OrderPage {
            layout: Layout::new("督办事项", Some(caller), &state, "/supervision"),
            oversees: supervision::may_oversee(caller.principal.role),
            o,
        }
        .into_response(),
        Err(e) => error_page(&e, Some(caller), &state),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "supervision_oversight.html")]
pub struct OversightPage {
    layout: Layout,
    v: Oversight,
    may_supervise: bool,
    default_days: u32,
}

/// A list of the page: its heading, its rows, what it says when empty.
type Section<'a> = (&'static str, &'a [OversightRow], &'static str);

impl OversightPage {
    fn sections(&self) -> [Section<'_>; 3] {
        [
            ("无人处理的预警", &self.v.unacted, "没有无人处理的预警。"),
            (
                "上报纪检的事项",
                &self.v.escalations,
                "近 12 个月没有上报纪检的事项。",
            ),
            ("尚未办结的督办", &self.v.orders, "没有尚未办结的督办。"),
        ]
    }

    /// How long a row has waited, as people read it.
    fn waited(&self, row: &OversightRow) -> String {
        match row.waited_days {
            0 => "不足 1 天".into(),
            d => format!("{d} 天"),
        }
    }
}

async fn oversight(State(state): State<AppState>, user: PageUser) -> Response {
    let caller = &user.0;
    match supervision::oversight(&state.app, &caller.principal).await {
        Ok(v) => OversightPage {
            layout: Layout::new(
                "监督的再监督(全部业务)",
                Some(caller),
                &state,
                "/supervision",
            ),
            may_supervise: supervision::may_supervise(caller.principal.role),
            default_days: supervision::DEFAULT_DAYS,
            v,
        }
        .into_response(),
        Err(e) => error_page(&e, Some(caller), &state),
    }
}
