//! The payout desk (直达拨付): batches, the bank file, the bank's result file, retries.

use super::import_file;
use super::yuan::{filters, grouped};
use crate::payouts::{self, PayoutDesk};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Multipart, Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use qinqing_kernel::AppError;
use qinqing_kernel::web::AppState;
use qinqing_kernel::web::pages::{Layout, Pairs, error_page, field, form_caller, shows_error_page};
use qinqing_kernel::web::session::{Caller, PageUser};
use qinqing_kernel::web::upload::UploadForm;

/// The routes of this module's pages and forms.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/payouts", get(payouts_page).post(payouts_action))
        .route("/payouts/batches/{id}/file", get(batch_file))
        .route("/payouts/results", post(import_results))
}

#[derive(Template, WebTemplate)]
#[template(path = "payouts.html")]
pub struct PayoutsPage {
    layout: Layout,
    desk: PayoutDesk,
    notice: String,
    problems: Vec<String>,
}

pub async fn payouts_page(State(state): State<AppState>, PageUser(caller): PageUser) -> Response {
    render_payouts(&state, &caller, String::new(), Vec::new()).await
}

async fn render_payouts(
    state: &AppState,
    caller: &Caller,
    notice: String,
    problems: Vec<String>,
) -> Response {
    match payouts::desk(&state.app, &caller.principal).await {
        Ok(desk) => PayoutsPage {
            layout: Layout::new("直达拨付", Some(caller), state, "/payouts"),
            desk,
            notice,
            problems,
        }
        .into_response(),
        Err(e) => error_page(&e, Some(caller), state),
    }
}

/// Creates a batch, or queues a failed line again.
pub async fn payouts_action(
    State(state): State<AppState>,
    user: PageUser,
    axum::Form(pairs): axum::Form<Pairs>,
) -> Result<Response, Response> {
    let caller = form_caller(&user, &pairs)?;
    let (who, meta) = (&caller.principal, &caller.meta);
    let notice = match field(&pairs, "action") {
        "batch" => payouts::create_batch(&state.app, who, meta).await.map(|b| {
            format!(
                "已生成批次 {}:{} 笔,合计 ¥{}{}",
                b.batch.batch_no,
                b.batch.lines,
                grouped(&b.batch.total),
                if b.waiting_for_account.is_empty() {
                    String::new()
                } else {
                    format!(";{} 笔待企业确认收款账户", b.waiting_for_account.len())
                }
            )
        }),
        "retry" => match field(&pairs, "payout").parse::<i64>() {
            Ok(id) => payouts::retry(&state.app, who, id, meta)
                .await
                .map(|p| format!("{} 已重新排入待拨付", p.reference)),
            Err(_) => Err(AppError::invalid("payout", "没有指定拨付")),
        },
        _ => Err(AppError::NotFound("没有这个操作".into())),
    };
    Ok(match notice {
        Ok(n) => render_payouts(&state, caller, n, Vec::new()).await,
        Err(e) if shows_error_page(&e) => error_page(&e, Some(caller), &state),
        Err(e) => render_payouts(&state, caller, String::new(), vec![e.to_string()]).await,
    })
}

/// Downloads a batch's bank file.
pub async fn batch_file(
    State(state): State<AppState>,
    PageUser(caller): PageUser,
    Path(id): Path<i64>,
) -> Response {
    match payouts::export_batch(&state.app, &caller.principal, id, &caller.meta).await {
        Ok((name, bytes)) => qinqing_kernel::web::download::csv_download(&name, bytes),
        Err(e) => error_page(&e, Some(&caller), &state),
    }
}

/// Imports the bank's result file; problems are listed line by line and nothing is recorded.
pub async fn import_results(
    State(state): State<AppState>,
    user: PageUser,
    form: Multipart,
) -> Result<Response, Response> {
    let form = UploadForm::read(form, "file").await;
    let caller = form_caller(&user, &form.pairs)?;
    let (_, bytes) = import_file(form);
    let result = payouts::import_results(&state.app, &caller.principal, &bytes, &caller.meta).await;
    Ok(match result {
        Ok(s) => {
            let notice = format!(
                "回单已导入:到账 {} 笔,失败 {} 笔,此前已登记 {} 笔",
                s.paid, s.failed, s.already_recorded
            );
            render_payouts(&state, caller, notice, Vec::new()).await
        }
        Err(AppError::ImportRejected(report)) => {
            let problems = report.errors.iter().map(ToString::to_string).collect();
            render_payouts(&state, caller, String::new(), problems).await
        }
        Err(e) => error_page(&e, Some(caller), &state),
    })
}
