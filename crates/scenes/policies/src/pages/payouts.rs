//! The payout desk (直达拨付): batches, the bank file, the bank's result file, retries.

use super::import_file;
use super::yuan::{filters, grouped};
use crate::payouts::{self, PayoutDesk};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Multipart, Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use qinqing_kernel::AppError;
use qinqing_kernel::web::AppState;
use qinqing_kernel::web::form::Pairs;
use qinqing_kernel::web::pages::{Layout, error_page, form_caller, shows_error_page};
use qinqing_kernel::web::session::{Caller, PageUser};
use qinqing_kernel::web::upload::UploadForm;

/// The routes of the desk and of each step taken at it.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/payouts", get(payouts_page))
        .route("/payouts/batches", post(create_batch))
        .route("/payouts/batches/{id}/export", post(export_batch))
        .route("/payouts/batches/{id}/file", get(batch_file))
        .route("/payouts/{id}/retry", post(retry))
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

/// Puts every ready payout on a new batch (生成拨付批次).
pub async fn create_batch(
    State(state): State<AppState>,
    user: PageUser,
    Form(pairs): Form<Pairs>,
) -> Result<Response, Response> {
    let caller = form_caller(&user, &pairs)?;
    let notice = payouts::create_batch(&state.app, &caller.principal, &caller.meta)
        .await
        .map(|b| {
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
        });
    Ok(answer(&state, caller, notice).await)
}

/// Queues a failed payout again, once its details are corrected (更正后重新拨付).
pub async fn retry(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    Form(pairs): Form<Pairs>,
) -> Result<Response, Response> {
    let caller = form_caller(&user, &pairs)?;
    let notice = payouts::retry(&state.app, &caller.principal, id, &caller.meta)
        .await
        .map(|p| format!("{} 已重新排入待拨付", p.reference));
    Ok(answer(&state, caller, notice).await)
}

/// How a step at the desk answers: the desk with its confirmation, the error page for a
/// refusal or failure, or the desk with the mistake listed.
async fn answer(state: &AppState, caller: &Caller, notice: Result<String, AppError>) -> Response {
    match notice {
        Ok(n) => render_payouts(state, caller, n, Vec::new()).await,
        Err(e) if shows_error_page(&e) => error_page(&e, Some(caller), state),
        Err(e) => render_payouts(state, caller, String::new(), vec![e.to_string()]).await,
    }
}

/// Exports a batch's bank file (导出银行文件): the browser downloads it, and the batch is
/// marked exported.
pub async fn export_batch(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    Form(pairs): Form<Pairs>,
) -> Result<Response, Response> {
    let caller = form_caller(&user, &pairs)?;
    let exported = payouts::export_batch(&state.app, &caller.principal, id, &caller.meta).await;
    Ok(download_or_error(&state, caller, exported))
}

/// Downloads the bank file of an exported batch again, unchanged.
pub async fn batch_file(
    State(state): State<AppState>,
    PageUser(caller): PageUser,
    Path(id): Path<i64>,
) -> Response {
    let file = payouts::batch_file(&state.app, &caller.principal, id).await;
    download_or_error(&state, &caller, file)
}

fn download_or_error(
    state: &AppState,
    caller: &Caller,
    file: Result<(String, Vec<u8>), AppError>,
) -> Response {
    match file {
        Ok((name, bytes)) => qinqing_kernel::web::download::csv_download(&name, bytes),
        Err(e) => error_page(&e, Some(caller), state),
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
