//! Benefit-policy fulfilment: the policy library, entitlements, applications, review,
//! 免申即享 and payouts.

use crate::allocation::{self, AllocationView};
use crate::applications::{self, ApplicationView};
use crate::applying::{self, ApplicationInput};
use crate::auto_grant::{self, RunView};
use crate::builder::{self, BuildInput, BuilderView};
use crate::dashboard::Dashboard;
use crate::entitlements::{self, Entitlements};
use crate::grant_run::{self, RunReport};
use crate::integrity::{
    self, BlacklistSummary, ClawbackView, FalsePledgeInput, FalsePledgeOutcome, IntegrityOverview,
    RepaymentInput,
};
use crate::library::{self, LifecycleAction, PolicyInput, PolicyQuery, PolicyView, SearchResult};
use crate::payouts::{
    self, AccountInput, AccountView, NewBatch, PayoutDesk, PayoutView, ResultSummary,
};
use crate::ratings::{self, RatingInput, RatingView};
use crate::review::{self, Decision, QueueItem};
use crate::search;
use axum::Json;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use qinqing_kernel::listing::{Paged, QueueQuery, Tab};
use qinqing_kernel::web::AppState;
use qinqing_kernel::web::download::{csv_download, report_download};
use qinqing_kernel::web::error::{ApiError, ApiResult, ErrorBody};
use qinqing_kernel::web::session::{ApiUser, MaybeUser};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The routes of this file's handlers; each path is written once, in its handler's annotation.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get, update))
        .routes(routes!(definition))
        .routes(routes!(builder_view))
        .routes(routes!(builder_definition))
        .routes(routes!(lifecycle))
        .routes(routes!(run_auto_grant))
        .routes(routes!(auto_grant_run))
        .routes(routes!(auto_grant_runs))
        .routes(routes!(release_auto_grant))
        .routes(routes!(allocation, allocate))
        .routes(routes!(entitlements))
        .routes(routes!(enterprise_applications))
        .routes(routes!(bank_account, confirm_bank_account))
        .routes(routes!(submit))
        .routes(routes!(application))
        .routes(routes!(resubmit))
        .routes(routes!(explanation))
        .routes(routes!(withdraw))
        .routes(routes!(decide))
        .routes(routes!(sign))
        .routes(routes!(confirm_offer))
        .routes(routes!(close_offer))
        .routes(routes!(rate))
        .routes(routes!(ratings_list))
        .routes(routes!(follow_up))
        .routes(routes!(false_pledge))
        .routes(routes!(integrity_overview))
        .routes(routes!(import_blacklist))
        .routes(routes!(repayment))
        .routes(routes!(queue))
        .routes(routes!(dashboard))
        .routes(routes!(payout_desk))
        .routes(routes!(create_batch))
        .routes(routes!(export_batch))
        .routes(routes!(batch_file))
        .routes(routes!(import_results))
        .routes(routes!(retry))
}

/// Published policies (and, for staff, their department's drafts), searched in Chinese and
/// filtered. Public: no login needed.
#[utoipa::path(get, path = "/api/v1/policies", tag = "policies", params(PolicyQuery),
    responses((status = 200, body = SearchResult)))]
pub async fn list(
    State(state): State<AppState>,
    MaybeUser(caller): MaybeUser,
    Query(q): Query<PolicyQuery>,
) -> ApiResult<Json<SearchResult>> {
    let who = caller.as_ref().map(|c| &c.principal);
    Ok(Json(search::search(&state.app, who, &q).await?))
}

/// Creates a draft policy from its definition file and its texts.
#[utoipa::path(post, path = "/api/v1/policies", tag = "policies", request_body = PolicyInput,
    responses((status = 201, body = PolicyView), (status = 403, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Json(input): Json<PolicyInput>,
) -> ApiResult<(StatusCode, Json<PolicyView>)> {
    let view = library::create(&state.app, &caller.principal, &input, &caller.meta).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

#[utoipa::path(get, path = "/api/v1/policies/{id}", tag = "policies",
    params(("id" = String, Path, description = "政策编号")),
    responses((status = 200, body = PolicyView), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    MaybeUser(caller): MaybeUser,
    Path(id): Path<String>,
) -> ApiResult<Json<PolicyView>> {
    let who = caller.as_ref().map(|c| &c.principal);
    Ok(Json(library::get(&state.app, who, &id).await?))
}

/// Edits a policy; a published one gets a new version.
#[utoipa::path(put, path = "/api/v1/policies/{id}", tag = "policies", request_body = PolicyInput,
    params(("id" = String, Path, description = "政策编号")),
    responses((status = 200, body = PolicyView), (status = 403, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(id): Path<String>,
    Json(input): Json<PolicyInput>,
) -> ApiResult<Json<PolicyView>> {
    Ok(Json(
        library::update(&state.app, &caller.principal, &id, &input, &caller.meta).await?,
    ))
}

/// The definition file (TOML) of the current version, as a download named after the policy.
#[utoipa::path(get, path = "/api/v1/policies/{id}/definition", tag = "policies",
    params(("id" = String, Path, description = "政策编号")),
    responses((status = 200, content_type = "application/toml", body = String), (status = 404, body = ErrorBody)))]
pub async fn definition(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let text = library::definition(&state.app, &caller.principal, &id).await?;
    Ok(toml_file(Some(&id), text))
}

/// Where the definition of an editor or an API client lives.
#[derive(Deserialize, ToSchema)]
pub struct DefinitionInput {
    /// The definition file (TOML); empty for a new policy.
    #[serde(default)]
    pub definition: String,
}

/// A definition as the form-based builder shows it, with the attribute catalogue; a definition
/// the builder cannot show has no form and says why. Staff only.
#[utoipa::path(post, path = "/api/v1/policies/builder", tag = "policies", request_body = DefinitionInput,
    responses((status = 200, body = BuilderView), (status = 403, body = ErrorBody)))]
pub async fn builder_view(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Json(input): Json<DefinitionInput>,
) -> ApiResult<Json<BuilderView>> {
    let view = builder::view(&state.app, &caller.principal, &input.definition).await?;
    Ok(Json(view))
}

/// The definition (TOML) a builder form makes over its base, checked as saving checks it; a
/// mistake in the form's own fields (连续年数, 认定日期, 分级承担的份额) is refused first, field
/// `form`, naming the field as the builder labels it.
#[utoipa::path(post, path = "/api/v1/policies/builder/definition", tag = "policies", request_body = BuildInput,
    responses((status = 200, content_type = "application/toml", body = String),
              (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn builder_definition(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Json(input): Json<BuildInput>,
) -> ApiResult<Response> {
    let text = builder::definition(&state.app, &caller.principal, &input).await?;
    Ok(toml_file(None, text))
}

/// A definition file; with a file name, as a download.
pub fn toml_file(name: Option<&str>, text: String) -> Response {
    let mut res = (
        [(header::CONTENT_TYPE, "application/toml; charset=utf-8")],
        text,
    )
        .into_response();
    if let Some(name) = name
        && let Ok(v) = format!("attachment; filename=\"{name}.toml\"").parse()
    {
        res.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    res
}

#[derive(Deserialize, ToSchema)]
pub struct LifecycleInput {
    pub action: LifecycleAction,
    pub reason: Option<String>,
}

/// Submits for internal review, publishes (上架), sends back, or withdraws (下架).
#[utoipa::path(post, path = "/api/v1/policies/{id}/lifecycle", tag = "policies", request_body = LifecycleInput,
    params(("id" = String, Path, description = "政策编号")),
    responses((status = 200, body = PolicyView), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn lifecycle(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(id): Path<String>,
    Json(input): Json<LifecycleInput>,
) -> ApiResult<Json<PolicyView>> {
    let view = library::lifecycle(
        &state.app,
        &caller.principal,
        &id,
        input.action,
        input.reason.as_deref(),
        &caller.meta,
    )
    .await?;
    Ok(Json(view))
}

#[derive(Deserialize, ToSchema)]
pub struct RunInput {
    pub year: i32,
}

/// Starts a 免申即享 run over every enterprise (offers to the eligible ones) and answers at once
/// with the run (202, `Location` the run's address); it works in the background, in short
/// chunks. Started again while it works, for the same year, it answers with the same run.
#[utoipa::path(post, path = "/api/v1/policies/{id}/auto-grant", tag = "policies", request_body = RunInput,
    params(("id" = String, Path, description = "政策编号")),
    responses((status = 202, body = RunReport), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn run_auto_grant(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(id): Path<String>,
    Json(input): Json<RunInput>,
) -> ApiResult<Response> {
    let run =
        grant_run::start(&state.app, &caller.principal, &id, input.year, &caller.meta).await?;
    let location = format!("/api/v1/auto-grant-runs/{}", run.id);
    Ok((
        StatusCode::ACCEPTED,
        [(header::LOCATION, location)],
        Json(run),
    )
        .into_response())
}

/// A 免申即享 run: its state and progress (done of total enterprises) and, once it has finished,
/// its offers and the enterprises it could not offer to.
#[utoipa::path(get, path = "/api/v1/auto-grant-runs/{run}", tag = "policies",
    params(("run" = i64, Path, description = "比对编号")),
    responses((status = 200, body = RunReport), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn auto_grant_run(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(run): Path<i64>,
) -> ApiResult<Json<RunReport>> {
    Ok(Json(
        grant_run::report(&state.app, &caller.principal, run).await?,
    ))
}

/// The runs of a 免申即享 policy with their offers, newest first, for its department to check.
#[utoipa::path(get, path = "/api/v1/policies/{id}/auto-grant/runs", tag = "policies",
    params(("id" = String, Path, description = "政策编号")),
    responses((status = 200, body = Vec<RunView>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn auto_grant_runs(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<RunView>>> {
    Ok(Json(
        auto_grant::runs(&state.app, &caller.principal, &id).await?,
    ))
}

/// Releases (发布) a checked run: the enterprises of its offers not excluded are told and have
/// 10 working days to confirm. Once only.
#[utoipa::path(post, path = "/api/v1/auto-grant-runs/{run}/release", tag = "policies",
    params(("run" = i64, Path, description = "比对编号")),
    responses((status = 200, body = RunView), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn release_auto_grant(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(run): Path<i64>,
) -> ApiResult<Json<RunView>> {
    Ok(Json(
        auto_grant::release(&state.app, &caller.principal, run, &caller.meta).await?,
    ))
}

/// 按比例分配: what allocating the policy's pool now would give the year's waiting grants
/// (`null` when its budget is not shared 按比例). The policy's department lead.
#[utoipa::path(get, path = "/api/v1/policies/{id}/allocation", tag = "policies",
    params(("id" = String, Path, description = "政策编号"), AllocationQuery),
    responses((status = 200, body = Option<AllocationView>), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn allocation(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(id): Path<String>,
    Query(q): Query<AllocationQuery>,
) -> ApiResult<Json<Option<AllocationView>>> {
    let shown = allocation::preview(&state.app, &caller.principal, &id, q.year).await?;
    Ok(Json(shown))
}

/// Allocates the policy's 按比例 pool among the year's waiting grants of every policy sharing
/// it: the shares are committed, the payouts queued and the enterprises told. The policy's
/// department lead.
#[utoipa::path(post, path = "/api/v1/policies/{id}/allocation", tag = "policies",
    params(("id" = String, Path, description = "政策编号"), AllocationQuery),
    responses((status = 200, body = AllocationView), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn allocate(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(id): Path<String>,
    Query(q): Query<AllocationQuery>,
) -> ApiResult<Json<AllocationView>> {
    let shown =
        allocation::allocate(&state.app, &caller.principal, &id, q.year, &caller.meta).await?;
    Ok(Json(shown))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AllocationQuery {
    /// The policy year whose grants are allocated.
    year: i32,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct YearQuery {
    /// The policy year (default: last year, whose figures are complete).
    year: Option<i32>,
}

/// What the enterprise may get: every published policy against its profile.
#[utoipa::path(get, path = "/api/v1/enterprises/{code}/entitlements", tag = "policies",
    params(("code" = String, Path, description = "统一社会信用代码"), YearQuery),
    responses((status = 200, body = Entitlements), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn entitlements(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(code): Path<String>,
    Query(q): Query<YearQuery>,
) -> ApiResult<Json<Entitlements>> {
    let code = qinqing_kernel::web::api::enterprises::credit_code(&code)?;
    let year = q.year.unwrap_or_else(|| default_year(&state));
    Ok(Json(
        entitlements::for_enterprise(&state.app, &caller.principal, &code, year).await?,
    ))
}

/// Last year: the year whose figures are complete when applications open.
pub fn default_year(state: &AppState) -> i32 {
    use chrono::Datelike;
    state
        .app
        .now()
        .with_timezone(&qinqing_domain::deadline::beijing())
        .year()
        - 1
}

#[utoipa::path(get, path = "/api/v1/enterprises/{code}/applications", tag = "policies",
    params(("code" = String, Path, description = "统一社会信用代码")),
    responses((status = 200, body = Vec<ApplicationView>), (status = 403, body = ErrorBody)))]
pub async fn enterprise_applications(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(code): Path<String>,
) -> ApiResult<Json<Vec<ApplicationView>>> {
    let code = qinqing_kernel::web::api::enterprises::credit_code(&code)?;
    Ok(Json(
        applications::of_enterprise(&state.app, &caller.principal, &code).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/enterprises/{code}/bank-account", tag = "policies",
    params(("code" = String, Path, description = "统一社会信用代码")),
    responses((status = 200, body = Option<AccountView>), (status = 403, body = ErrorBody)))]
pub async fn bank_account(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(code): Path<String>,
) -> ApiResult<Json<Option<AccountView>>> {
    let code = qinqing_kernel::web::api::enterprises::credit_code(&code)?;
    Ok(Json(
        payouts::account(&state.app, &caller.principal, &code).await?,
    ))
}

/// The enterprise confirms the account payouts go to.
#[utoipa::path(put, path = "/api/v1/enterprises/{code}/bank-account", tag = "policies", request_body = AccountInput,
    params(("code" = String, Path, description = "统一社会信用代码")),
    responses((status = 200, body = AccountView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn confirm_bank_account(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(code): Path<String>,
    Json(input): Json<AccountInput>,
) -> ApiResult<Json<AccountView>> {
    let code = qinqing_kernel::web::api::enterprises::credit_code(&code)?;
    let view = payouts::confirm_account(&state.app, &caller.principal, &code, &input, &caller.meta)
        .await?;
    Ok(Json(view))
}

/// What the rules engine says about an application: each condition of its policy version
/// tested against the enterprise's data, and how the amount is computed.
#[utoipa::path(get, path = "/api/v1/applications/{receipt}/explanation", tag = "policies",
    params(("receipt" = String, Path, description = "受理号")),
    responses((status = 200, body = crate::explanation::Explanation),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn explanation(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(receipt): Path<String>,
) -> ApiResult<Json<crate::explanation::Explanation>> {
    Ok(Json(
        crate::explanation::of_application(&state.app, &caller.principal, &receipt).await?,
    ))
}

/// Saves a draft or submits an application (idempotent by `submit_key`).
#[utoipa::path(post, path = "/api/v1/applications", tag = "policies", request_body = ApplicationInput,
    responses((status = 201, body = ApplicationView), (status = 403, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn submit(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Json(input): Json<ApplicationInput>,
) -> ApiResult<(StatusCode, Json<ApplicationView>)> {
    let view = applying::submit(&state.app, &caller.principal, &input, &caller.meta).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

#[utoipa::path(get, path = "/api/v1/applications/{receipt}", tag = "policies",
    params(("receipt" = String, Path, description = "受理号")),
    responses((status = 200, body = ApplicationView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn application(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(receipt): Path<String>,
) -> ApiResult<Json<ApplicationView>> {
    Ok(Json(
        applications::get(&state.app, &caller.principal, &receipt).await?,
    ))
}

/// Submits a draft, or resubmits after 补正.
#[utoipa::path(post, path = "/api/v1/applications/{receipt}/submit", tag = "policies", request_body = ApplicationInput,
    params(("receipt" = String, Path, description = "受理号")),
    responses((status = 200, body = ApplicationView), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn resubmit(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(receipt): Path<String>,
    Json(input): Json<ApplicationInput>,
) -> ApiResult<Json<ApplicationView>> {
    let view = applying::resubmit(
        &state.app,
        &caller.principal,
        &receipt,
        &input,
        &caller.meta,
    )
    .await?;
    Ok(Json(view))
}

#[utoipa::path(post, path = "/api/v1/applications/{receipt}/withdraw", tag = "policies",
    params(("receipt" = String, Path, description = "受理号")),
    responses((status = 200, body = ApplicationView), (status = 409, body = ErrorBody)))]
pub async fn withdraw(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(receipt): Path<String>,
) -> ApiResult<Json<ApplicationView>> {
    Ok(Json(
        applying::withdraw(&state.app, &caller.principal, &receipt, &caller.meta).await?,
    ))
}

/// The holder of the current stage approves, returns for 补正, or rejects.
#[utoipa::path(post, path = "/api/v1/applications/{receipt}/decision", tag = "policies", request_body = Decision,
    params(("receipt" = String, Path, description = "受理号")),
    responses((status = 200, body = ApplicationView), (status = 403, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn decide(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(receipt): Path<String>,
    Json(decision): Json<Decision>,
) -> ApiResult<Json<ApplicationView>> {
    let view = review::decide(
        &state.app,
        &caller.principal,
        &receipt,
        &decision,
        &caller.meta,
    )
    .await?;
    Ok(Json(view))
}

/// The holder of the current stage takes the application up (签收), stopping its 24-hour
/// response clock.
#[utoipa::path(post, path = "/api/v1/applications/{receipt}/sign", tag = "policies",
    params(("receipt" = String, Path, description = "受理号")),
    responses((status = 200, body = ApplicationView), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn sign(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(receipt): Path<String>,
) -> ApiResult<Json<ApplicationView>> {
    let view = review::sign(&state.app, &caller.principal, &receipt, &caller.meta).await?;
    Ok(Json(view))
}

/// The enterprise confirms a 免申即享 offer with its account.
#[utoipa::path(post, path = "/api/v1/applications/{receipt}/confirm", tag = "policies", request_body = AccountInput,
    params(("receipt" = String, Path, description = "受理号")),
    responses((status = 200, body = ApplicationView), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn confirm_offer(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(receipt): Path<String>,
    Json(account): Json<AccountInput>,
) -> ApiResult<Json<ApplicationView>> {
    let view = auto_grant::confirm(
        &state.app,
        &caller.principal,
        &receipt,
        &account,
        &caller.meta,
    )
    .await?;
    Ok(Json(view))
}

#[derive(Deserialize, ToSchema)]
pub struct ReasonInput {
    pub reason: Option<String>,
}

/// Ends a 免申即享 offer: the enterprise declines, or staff exclude it with a reason.
#[utoipa::path(post, path = "/api/v1/applications/{receipt}/close", tag = "policies", request_body = ReasonInput,
    params(("receipt" = String, Path, description = "受理号")),
    responses((status = 200, body = ApplicationView), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn close_offer(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(receipt): Path<String>,
    Json(input): Json<ReasonInput>,
) -> ApiResult<Json<ApplicationView>> {
    let view = auto_grant::close_offer(
        &state.app,
        &caller.principal,
        &receipt,
        input.reason.as_deref(),
        &caller.meta,
    )
    .await?;
    Ok(Json(view))
}

/// One page of the applications under review in the caller's scope: a tab (all unless asked;
/// mine: the stages the caller's department holds), a search in receipt number, policy title and
/// enterprise name; those the caller holds first, by due time.
#[utoipa::path(get, path = "/api/v1/reviews", tag = "policies", params(QueueQuery),
    responses((status = 200, body = Paged<QueueItem>), (status = 403, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn queue(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Query(page): Query<QueueQuery>,
) -> ApiResult<Json<Paged<QueueItem>>> {
    let page = page.read(Tab::All)?;
    Ok(Json(
        review::queue(&state.app, &caller.principal, &page).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/payouts", tag = "policies",
    responses((status = 200, body = PayoutDesk), (status = 403, body = ErrorBody)))]
pub async fn payout_desk(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
) -> ApiResult<Json<PayoutDesk>> {
    Ok(Json(payouts::desk(&state.app, &caller.principal).await?))
}

/// Puts every payable payout on a new batch.
#[utoipa::path(post, path = "/api/v1/payouts/batches", tag = "policies",
    responses((status = 201, body = NewBatch), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn create_batch(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
) -> ApiResult<(StatusCode, Json<NewBatch>)> {
    let batch = payouts::create_batch(&state.app, &caller.principal, &caller.meta).await?;
    Ok((StatusCode::CREATED, Json(batch)))
}

/// Exports a batch's bank file for the bank (CSV, UTF-8 with BOM; columns in
/// crates/exchange/COLUMNS.md): the first export freezes the file and marks the batch exported;
/// exporting again answers the same file and changes nothing.
#[utoipa::path(post, path = "/api/v1/payouts/batches/{id}/export", tag = "policies",
    params(("id" = i64, Path, description = "批次")),
    responses((status = 200, content_type = "text/csv", body = String), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn export_batch(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    let (name, bytes) =
        payouts::export_batch(&state.app, &caller.principal, id, &caller.meta).await?;
    Ok(csv_download(&name, bytes))
}

/// The bank file of an exported batch, byte for byte as it was exported (a read).
#[utoipa::path(get, path = "/api/v1/payouts/batches/{id}/file", tag = "policies",
    params(("id" = i64, Path, description = "批次")),
    responses((status = 200, content_type = "text/csv", body = String), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, description = "尚未导出", body = ErrorBody)))]
pub async fn batch_file(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    let (name, bytes) = payouts::batch_file(&state.app, &caller.principal, id).await?;
    Ok(csv_download(&name, bytes))
}

/// Imports the bank's result file (multipart field `file`); all lines or none.
#[utoipa::path(post, path = "/api/v1/payouts/results", tag = "policies",
    request_body(content = Object, content_type = "multipart/form-data", description = "file: 银行回单 CSV"),
    responses((status = 200, body = ResultSummary), (status = 403, body = ErrorBody),
              (status = 422, description = "文件有错误,逐行列出", body = ErrorBody)))]
pub async fn import_results(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    form: Multipart,
) -> Result<Response, Response> {
    let (_, bytes) = qinqing_kernel::web::api::enterprises::uploaded_file(form).await?;
    let summary = payouts::import_results(&state.app, &caller.principal, &bytes, &caller.meta)
        .await
        .map_err(|e| ApiError(e).into_response())?;
    Ok(Json(summary).into_response())
}

/// Queues a failed line again (after the enterprise corrected its account).
#[utoipa::path(post, path = "/api/v1/payouts/{id}/retry", tag = "policies",
    params(("id" = i64, Path, description = "拨付")),
    responses((status = 200, body = PayoutView), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn retry(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<PayoutView>> {
    Ok(Json(
        payouts::retry(&state.app, &caller.principal, id, &caller.meta).await?,
    ))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DashboardQuery {
    /// json (default), csv (the summary table) or xlsx (every table, one sheet each)
    format: Option<String>,
}

/// Figures of policy fulfilment in the caller's scope.
#[utoipa::path(get, path = "/api/v1/dashboards/policies", tag = "policies", params(DashboardQuery),
    responses((status = 200, body = Dashboard), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn dashboard(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Query(q): Query<DashboardQuery>,
) -> ApiResult<Response> {
    let d = crate::dashboard::dashboard(&state.app, &caller.principal).await?;
    report_download(
        d,
        crate::dashboard::tables,
        q.format.as_deref(),
        "policy-dashboard",
    )
}

/// The enterprise rates the service of its decided application (好差评, GB/T 39734 levels).
#[utoipa::path(post, path = "/api/v1/applications/{receipt}/rating", tag = "policies", request_body = RatingInput,
    params(("receipt" = String, Path, description = "受理号")),
    responses((status = 201, body = RatingView), (status = 403, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn rate(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(receipt): Path<String>,
    Json(input): Json<RatingInput>,
) -> ApiResult<(StatusCode, Json<RatingView>)> {
    let view = ratings::rate(
        &state.app,
        &caller.principal,
        &receipt,
        &input,
        &caller.meta,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(view)))
}

#[utoipa::path(get, path = "/api/v1/ratings", tag = "policies",
    responses((status = 200, body = Vec<RatingView>), (status = 403, body = ErrorBody)))]
pub async fn ratings_list(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
) -> ApiResult<Json<Vec<RatingView>>> {
    Ok(Json(ratings::list(&state.app, &caller.principal).await?))
}

/// A department's note on its follow-up of a poor rating (named apart from a request's
/// follow-up in the OpenAPI document).
#[derive(Deserialize, ToSchema)]
#[schema(as = RatingFollowUpInput)]
pub struct FollowUpInput {
    pub note: String,
    /// 核实结论: duty_failed (属实,经办人员履职不到位) or not_duty.
    pub finding: Option<ratings::Finding>,
}

/// The policy's department records the follow-up of a bad rating.
#[utoipa::path(post, path = "/api/v1/ratings/{id}/follow-up", tag = "policies", request_body = FollowUpInput,
    params(("id" = i64, Path, description = "评价")),
    responses((status = 200, body = RatingView), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn follow_up(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(id): Path<i64>,
    Json(input): Json<FollowUpInput>,
) -> ApiResult<Json<RatingView>> {
    Ok(Json(
        ratings::follow_up(
            &state.app,
            &caller.principal,
            id,
            &input.note,
            input.finding,
            &caller.meta,
        )
        .await?,
    ))
}

/// The policy's department lead finds a pledge false: the enterprise is blocked, the money
/// clawed back (or the payout stopped if it has not gone to the bank).
#[utoipa::path(post, path = "/api/v1/applications/{receipt}/false-pledge", tag = "policies", request_body = FalsePledgeInput,
    params(("receipt" = String, Path, description = "受理号")),
    responses((status = 200, body = FalsePledgeOutcome), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn false_pledge(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(receipt): Path<String>,
    Json(input): Json<FalsePledgeInput>,
) -> ApiResult<Json<FalsePledgeOutcome>> {
    let outcome = integrity::record_false_pledge(
        &state.app,
        &caller.principal,
        &receipt,
        &input,
        &caller.meta,
    )
    .await?;
    Ok(Json(outcome))
}

/// Integrity records and clawbacks.
#[utoipa::path(get, path = "/api/v1/integrity", tag = "policies",
    responses((status = 200, body = IntegrityOverview), (status = 403, body = ErrorBody)))]
pub async fn integrity_overview(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
) -> ApiResult<Json<IntegrityOverview>> {
    Ok(Json(
        integrity::overview(&state.app, &caller.principal).await?,
    ))
}

/// Finance records a repayment of a clawback.
#[utoipa::path(post, path = "/api/v1/clawbacks/{id}/repayments", tag = "policies", request_body = RepaymentInput,
    params(("id" = i64, Path, description = "追回")),
    responses((status = 200, body = ClawbackView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn repayment(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(id): Path<i64>,
    Json(input): Json<RepaymentInput>,
) -> ApiResult<Json<ClawbackView>> {
    Ok(Json(
        integrity::record_repayment(&state.app, &caller.principal, id, &input, &caller.meta)
            .await?,
    ))
}

/// Imports a credit blacklist CSV (multipart field `file`; columns 统一社会信用代码, 列入原因,
/// 截止日期); all rows or none.
#[utoipa::path(post, path = "/api/v1/integrity/blacklist", tag = "policies",
    request_body(content = Object, content_type = "multipart/form-data", description = "file: 失信名单 CSV"),
    responses((status = 200, body = BlacklistSummary), (status = 403, body = ErrorBody),
              (status = 422, description = "文件有错误,逐行列出", body = ErrorBody)))]
pub async fn import_blacklist(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    form: Multipart,
) -> Result<Response, Response> {
    let (name, bytes) = qinqing_kernel::web::api::enterprises::uploaded_file(form).await?;
    let summary =
        integrity::import_blacklist(&state.app, &caller.principal, &name, &bytes, &caller.meta)
            .await
            .map_err(|e| ApiError(e).into_response())?;
    Ok(Json(summary).into_response())
}
