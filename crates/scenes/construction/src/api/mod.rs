//! The scene's JSON API under `/api/v1`: the matter catalogue, projects and their cases.

use crate::case::{self, ApplyInput, CaseDecisionInput, CaseView, StageApplyInput};
use crate::dashboard::Dashboard;
use crate::entrustment::{self, EntrustmentInput, EntrustmentView};
use crate::fee::{self, CounterPaymentInput, NoticeReceipt, PaymentNotice};
use crate::licence::{self, LicenceCheck};
use crate::notice::{
    self, AnswerInput, NoticeInput, NoticeSummary, NoticeView, ObjectionInput, ObjectionView,
};
use crate::project::{self, ProjectInput, ProjectSummary, ProjectView};
use crate::review::{
    self, DrawInput, Drawn, ExpertInput, ExpertOpinionInput, ExpertView, ReviewView, SeatPage,
};
use crate::survey::{self, CheckInInput, SurveyInput, SurveyView};
use crate::tolerance::{self, ToleranceInput};
use crate::vault::{self, VaultInput, VaultItemView, VaultView};
use axum::Json;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use qinqing_kernel::AppError;
use qinqing_kernel::web::AppState;
use qinqing_kernel::web::error::{ApiResult, ErrorBody};
use qinqing_kernel::web::session::{ApiUser, ClientAddress, MaybeUser};
use qinqing_kernel::web::upload::{UploadForm, file_response};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The scene's tag in the API document; its paths come from the handlers' annotations.
#[derive(utoipa::OpenApi)]
#[openapi(tags((name = "construction", description = "厂房报建全网办:审批事项目录、工业项目登记、事项申报、受理与审批")))]
pub struct ApiDoc;

/// The routes of the scene's handlers; each path is written once, in its handler's annotation.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(matters))
        .routes(routes!(list, register))
        .routes(routes!(get))
        .routes(routes!(apply))
        .routes(routes!(apply_stage))
        .routes(routes!(vault, file_in_vault))
        .routes(routes!(vault_file))
        .routes(routes!(case_material))
        .routes(routes!(payment_notice))
        .routes(routes!(counter_payment))
        .routes(routes!(dashboard))
        .routes(routes!(queue))
        .routes(routes!(get_case))
        .routes(routes!(accept))
        .routes(routes!(accept_tolerating))
        .routes(routes!(supply))
        .routes(routes!(case_file))
        .routes(routes!(decide))
        .routes(routes!(entrustments, entrust))
        .routes(routes!(surveys, appoint_survey))
        .routes(routes!(check_in))
        .routes(routes!(survey_photo))
        .routes(routes!(notices, publish_notice))
        .routes(routes!(get_notice))
        .routes(routes!(object))
        .routes(routes!(answer_objection))
        .routes(routes!(licence_pdf))
        .routes(routes!(check_licence))
        .routes(routes!(experts, add_expert))
        .routes(routes!(reviews, draw_review))
        .routes(routes!(expert_seat, expert_answer))
}

/// The approval matters of the catalogue, stage by stage, with their time limits, materials
/// and legal basis. Public: an investor reads it before registering a project.
#[utoipa::path(get, path = "/api/v1/construction/matters", tag = "construction",
    responses((status = 200, body = Vec<project::CatalogueEntry>)))]
pub async fn matters() -> Json<Vec<project::CatalogueEntry>> {
    Json(project::catalogue_entries())
}

/// The projects the caller sees, newest first.
#[utoipa::path(get, path = "/api/v1/projects", tag = "construction",
    responses((status = 200, body = Vec<ProjectSummary>), (status = 401, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
) -> ApiResult<Json<Vec<ProjectSummary>>> {
    Ok(Json(project::list(&state.app, &caller.principal).await?))
}

/// Registers a project for an enterprise the caller acts for (the enterprise or its steward).
#[utoipa::path(post, path = "/api/v1/projects", tag = "construction", request_body = ProjectInput,
    responses((status = 201, body = ProjectView), (status = 403, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn register(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Json(input): Json<ProjectInput>,
) -> ApiResult<(StatusCode, Json<ProjectView>)> {
    let shown = project::register(&state.app, &caller.principal, &input, &caller.meta).await?;
    Ok((StatusCode::CREATED, Json(shown)))
}

/// One project with every matter it will need and where each stands.
#[utoipa::path(get, path = "/api/v1/projects/{code}", tag = "construction",
    params(("code" = String, Path, description = "项目编号")),
    responses((status = 200, body = ProjectView), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(code): Path<String>,
) -> ApiResult<Json<ProjectView>> {
    Ok(Json(
        project::get(&state.app, &caller.principal, &code).await?,
    ))
}

/// Applies for one matter of the project; matters may be applied for in parallel.
#[utoipa::path(post, path = "/api/v1/projects/{code}/cases", tag = "construction",
    params(("code" = String, Path, description = "项目编号")), request_body = ApplyInput,
    responses((status = 201, body = CaseView), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn apply(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(code): Path<String>,
    Json(input): Json<ApplyInput>,
) -> ApiResult<(StatusCode, Json<CaseView>)> {
    let (who, meta) = (&caller.principal, &caller.meta);
    let shown = case::apply(&state.app, who, &code, &input, meta).await?;
    Ok((StatusCode::CREATED, Json(shown)))
}

/// The cases of the caller's department, open ones first.
#[utoipa::path(get, path = "/api/v1/construction-cases", tag = "construction",
    responses((status = 200, body = Vec<CaseView>), (status = 401, body = ErrorBody)))]
pub async fn queue(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
) -> ApiResult<Json<Vec<CaseView>>> {
    Ok(Json(case::queue(&state.app, &caller.principal).await?))
}

#[utoipa::path(get, path = "/api/v1/construction-cases/{receipt}", tag = "construction",
    params(("receipt" = String, Path, description = "办件编号")),
    responses((status = 200, body = CaseView), (status = 404, body = ErrorBody)))]
pub async fn get_case(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(receipt): Path<String>,
) -> ApiResult<Json<CaseView>> {
    Ok(Json(
        case::get(&state.app, &caller.principal, &receipt).await?,
    ))
}

/// 受理: the owning department's window takes the case in; its promised limit starts.
#[utoipa::path(post, path = "/api/v1/construction-cases/{receipt}/accept", tag = "construction",
    params(("receipt" = String, Path, description = "办件编号")),
    responses((status = 200, body = CaseView), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn accept(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(receipt): Path<String>,
) -> ApiResult<Json<CaseView>> {
    let (who, meta) = (&caller.principal, &caller.meta);
    Ok(Json(case::accept(&state.app, who, &receipt, meta).await?))
}

/// 审批: the owning department's lead approves (once the prerequisites are approved and, where
/// the matter needs it, the land's title registered) or refuses with a reason.
#[utoipa::path(post, path = "/api/v1/construction-cases/{receipt}/decision", tag = "construction",
    params(("receipt" = String, Path, description = "办件编号")), request_body = CaseDecisionInput,
    responses((status = 200, body = CaseView), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn decide(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(receipt): Path<String>,
    Json(input): Json<CaseDecisionInput>,
) -> ApiResult<Json<CaseView>> {
    let (who, meta) = (&caller.principal, &caller.meta);
    Ok(Json(
        case::decide(&state.app, who, &receipt, &input, meta).await?,
    ))
}

/// Every entrustment (集中授权) of matters to the 行政服务中心, newest first; staff.
#[utoipa::path(get, path = "/api/v1/construction/entrustments", tag = "construction",
    responses((status = 200, body = Vec<EntrustmentView>), (status = 403, body = ErrorBody)))]
pub async fn entrustments(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
) -> ApiResult<Json<Vec<EntrustmentView>>> {
    Ok(Json(
        entrustment::list(&state.app, &caller.principal).await?,
    ))
}

/// Entrusts a matter of the caller's department to the 行政服务中心 for a period (its lead or the
/// administrator): cases applied for meanwhile are decided by the centre in the department's
/// name, and go back to the department if the period ends first.
#[utoipa::path(post, path = "/api/v1/construction/entrustments", tag = "construction",
    request_body = EntrustmentInput,
    responses((status = 201, body = EntrustmentView), (status = 403, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn entrust(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Json(input): Json<EntrustmentInput>,
) -> ApiResult<(StatusCode, Json<EntrustmentView>)> {
    let (who, meta) = (&caller.principal, &caller.meta);
    let shown = entrustment::entrust(&state.app, who, &input, meta).await?;
    Ok((StatusCode::CREATED, Json(shown)))
}

/// The surveys (勘查) of a case, in the order they were appointed, with their check-ins.
#[utoipa::path(get, path = "/api/v1/construction-cases/{receipt}/surveys", tag = "construction",
    params(("receipt" = String, Path, description = "办件编号")),
    responses((status = 200, body = Vec<SurveyView>), (status = 404, body = ErrorBody)))]
pub async fn surveys(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(receipt): Path<String>,
) -> ApiResult<Json<Vec<SurveyView>>> {
    let who = &caller.principal;
    Ok(Json(survey::of_case(&state.app, who, &receipt).await?))
}

/// 勘查: the department examining a case appoints a survey on site (the site's centre and
/// radius) or by video, in a window of Beijing time.
#[utoipa::path(post, path = "/api/v1/construction-cases/{receipt}/surveys", tag = "construction",
    params(("receipt" = String, Path, description = "办件编号")), request_body = SurveyInput,
    responses((status = 201, body = SurveyView), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn appoint_survey(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(receipt): Path<String>,
    Json(input): Json<SurveyInput>,
) -> ApiResult<(StatusCode, Json<SurveyView>)> {
    let (who, meta) = (&caller.principal, &caller.meta);
    let shown = survey::appoint(&state.app, who, &receipt, &input, meta).await?;
    Ok((StatusCode::CREATED, Json(shown)))
}

/// The inspector checks in (multipart): on site `latitude`, `longitude` and a photo (`file`,
/// JPG or PNG), refused beyond the site's radius; by video `video_record`; both `findings`.
/// A check-in outside the appointed window is recorded and flagged.
#[utoipa::path(post, path = "/api/v1/construction-cases/{receipt}/surveys/{id}/check-in",
    tag = "construction",
    params(("receipt" = String, Path, description = "办件编号"), ("id" = i64, Path, description = "勘查")),
    request_body(content = Object, content_type = "multipart/form-data",
        description = "latitude, longitude: 所在位置(度,WGS-84); located_by: device(取自手机定位)或留空(手工填写,将被标注); accuracy_m: 定位精度(米); findings: 勘查意见; video_record: 视频会议号或录像编号; file: 现场照片(JPG/PNG)"),
    responses((status = 200, body = SurveyView), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn check_in(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path((receipt, id)): Path<(String, i64)>,
    form: Multipart,
) -> ApiResult<Json<SurveyView>> {
    let form = UploadForm::read(form, "file").await;
    let input = check_in_form(&form)?;
    let (who, meta) = (&caller.principal, &caller.meta);
    let shown = survey::check_in(&state.app, who, (&receipt, id), &input, meta).await?;
    Ok(Json(shown))
}

/// One photo of a survey, to whoever may see the case.
#[utoipa::path(get, path = "/api/v1/construction-cases/{receipt}/surveys/{id}/photos/{file}",
    tag = "construction",
    params(("receipt" = String, Path, description = "办件编号"), ("id" = i64, Path, description = "勘查"),
           ("file" = i64, Path, description = "照片")),
    responses((status = 200, description = "照片"), (status = 404, body = ErrorBody)))]
pub async fn survey_photo(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path((receipt, id, file)): Path<(String, i64, i64)>,
) -> ApiResult<Response> {
    let content = survey::photo(&state.app, &caller.principal, (&receipt, id, file)).await?;
    Ok(file_response(content))
}

/// A check-in as a multipart form (the API's and the phone page's alike) carries it.
pub(crate) fn check_in_form(form: &UploadForm) -> qinqing_kernel::AppResult<CheckInInput<'_>> {
    let photo = match (&form.file, form.interrupted) {
        (None, false) => None,
        _ => Some(qinqing_kernel::web::upload::material(form)?),
    };
    Ok(CheckInInput {
        latitude: form.field("latitude"),
        longitude: form.field("longitude"),
        located_by: form.field("located_by"),
        accuracy_m: form.field("accuracy_m"),
        findings: form.field("findings"),
        video_record: form.field("video_record"),
        photo,
    })
}

/// 集中公示 on the public list: those in or before their period, and those over within a month,
/// open ones first. Public.
#[utoipa::path(get, path = "/api/v1/construction/notices", tag = "construction",
    responses((status = 200, body = Vec<NoticeSummary>)))]
pub async fn notices(State(state): State<AppState>) -> ApiResult<Json<Vec<NoticeSummary>>> {
    Ok(Json(notice::public_list(&state.app).await?))
}

/// Publishes a notice merging the notices of a project's cases (环评, 水保, 规划 …) into one
/// period; by the staff of an office that decides one of them.
#[utoipa::path(post, path = "/api/v1/construction/notices", tag = "construction",
    request_body = NoticeInput,
    responses((status = 201, body = NoticeView), (status = 403, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn publish_notice(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Json(input): Json<NoticeInput>,
) -> ApiResult<(StatusCode, Json<NoticeView>)> {
    let (who, meta) = (&caller.principal, &caller.meta);
    let shown = notice::publish(&state.app, who, &input, meta).await?;
    Ok((StatusCode::CREATED, Json(shown)))
}

/// One notice with its objections and answers. Public; the office that published it also sees
/// the objectors' names and numbers.
#[utoipa::path(get, path = "/api/v1/construction/notices/{code}", tag = "construction",
    params(("code" = String, Path, description = "公示编号")),
    responses((status = 200, body = NoticeView), (status = 404, body = ErrorBody)))]
pub async fn get_notice(
    State(state): State<AppState>,
    MaybeUser(caller): MaybeUser,
    Path(code): Path<String>,
) -> ApiResult<Json<NoticeView>> {
    let who = caller.as_ref().map(|c| &c.principal);
    Ok(Json(notice::get(&state.app, who, &code).await?))
}

/// Anyone objects to a notice during its period, with a name and a telephone number to be
/// answered on; after the period (or before it) the objection is refused.
#[utoipa::path(post, path = "/api/v1/construction/notices/{code}/objections", tag = "construction",
    params(("code" = String, Path, description = "公示编号")), request_body = ObjectionInput,
    responses((status = 201, body = ObjectionView), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody),
              (status = 429, body = ErrorBody)))]
pub async fn object(
    State(state): State<AppState>,
    Path(code): Path<String>,
    ClientAddress(address): ClientAddress,
    headers: axum::http::HeaderMap,
    Json(input): Json<ObjectionInput>,
) -> ApiResult<(StatusCode, Json<ObjectionView>)> {
    let meta = qinqing_kernel::web::session::request_meta(&headers);
    let lodged = notice::object(&state.app, &code, (&input, address), &meta).await?;
    Ok((StatusCode::CREATED, Json(lodged)))
}

/// The office that published the notice answers an objection; the answer is shown with it.
#[utoipa::path(post, path = "/api/v1/construction/notices/{code}/objections/{id}/answer",
    tag = "construction",
    params(("code" = String, Path, description = "公示编号"), ("id" = i64, Path, description = "意见")),
    request_body = AnswerInput,
    responses((status = 200, body = NoticeView), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn answer_objection(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path((code, id)): Path<(String, i64)>,
    Json(input): Json<AnswerInput>,
) -> ApiResult<Json<NoticeView>> {
    let (who, meta) = (&caller.principal, &caller.meta);
    Ok(Json(
        notice::answer(&state.app, who, (&code, id), &input, meta).await?,
    ))
}

/// The case's electronic licence as PDF, once approved formally: its QR code leads to the public
/// page that verifies it. To whoever may see the case.
#[utoipa::path(get, path = "/api/v1/construction-cases/{receipt}/licence", tag = "construction",
    params(("receipt" = String, Path, description = "办件编号")),
    responses((status = 200, description = "电子证照 PDF", content_type = "application/pdf"),
              (status = 404, body = ErrorBody)))]
pub async fn licence_pdf(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(receipt): Path<String>,
    headers: axum::http::HeaderMap,
) -> ApiResult<Response> {
    let base = platform_address(&state, &headers);
    let (file_name, bytes) = licence::pdf(&state.app, &caller.principal, &receipt, &base).await?;
    Ok(file_response(qinqing_kernel::attachments::FileContent {
        file_name,
        content_type: "application/pdf".into(),
        inline: true,
        bytes,
    }))
}

/// This platform's public address, as configured (`--public-url`), else as the caller reached
/// it (scheme from how it is served), for addresses printed on documents.
fn platform_address(state: &AppState, headers: &axum::http::HeaderMap) -> String {
    if let Some(url) = &state.public_url {
        return url.clone();
    }
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
        })
        .unwrap_or("localhost");
    let scheme = if state.secure_cookies {
        "https"
    } else {
        "http"
    };
    format!("{scheme}://{host}")
}

#[derive(serde::Deserialize, utoipa::IntoParams)]
pub struct CodeQuery {
    /// The code the licence's QR code carried.
    pub h: Option<String>,
}

/// Verifies an electronic licence by its number: what it says, whether it is one the platform
/// issued (its words match the hash the trail recorded at issue), and whether the scanned code
/// is its own. Public.
#[utoipa::path(get, path = "/api/v1/licences/{no}", tag = "construction",
    params(("no" = String, Path, description = "证照编号"), CodeQuery),
    responses((status = 200, body = LicenceCheck), (status = 404, body = ErrorBody)))]
pub async fn check_licence(
    State(state): State<AppState>,
    Path(no): Path<String>,
    Query(code): Query<CodeQuery>,
) -> ApiResult<Json<LicenceCheck>> {
    Ok(Json(
        licence::check(&state.app, &no, code.h.as_deref()).await?,
    ))
}

/// The district's pool of review experts; the administrator and the staff of departments.
#[utoipa::path(get, path = "/api/v1/construction/experts", tag = "construction",
    responses((status = 200, body = Vec<ExpertView>), (status = 403, body = ErrorBody)))]
pub async fn experts(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
) -> ApiResult<Json<Vec<ExpertView>>> {
    Ok(Json(review::experts(&state.app, &caller.principal).await?))
}

/// Adds an expert to the pool, with their declared conflicts of interest; the administrator.
#[utoipa::path(post, path = "/api/v1/construction/experts", tag = "construction",
    request_body = ExpertInput,
    responses((status = 201, body = ExpertView), (status = 403, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn add_expert(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Json(input): Json<ExpertInput>,
) -> ApiResult<(StatusCode, Json<ExpertView>)> {
    let (who, meta) = (&caller.principal, &caller.meta);
    let added = review::add_expert(&state.app, who, &input, meta).await?;
    Ok((StatusCode::CREATED, Json(added)))
}

/// The expert reviews of a case; experts are named to staff only.
#[utoipa::path(get, path = "/api/v1/construction-cases/{receipt}/reviews", tag = "construction",
    params(("receipt" = String, Path, description = "办件编号")),
    responses((status = 200, body = Vec<ReviewView>), (status = 404, body = ErrorBody)))]
pub async fn reviews(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(receipt): Path<String>,
) -> ApiResult<Json<Vec<ReviewView>>> {
    let who = &caller.principal;
    Ok(Json(review::of_case(&state.app, who, &receipt).await?))
}

/// 专家评审: the department examining a case draws experts of a speciality at random, those with
/// a declared conflict standing aside; each drawn expert's review link is in the answer, once.
#[utoipa::path(post, path = "/api/v1/construction-cases/{receipt}/reviews", tag = "construction",
    params(("receipt" = String, Path, description = "办件编号")), request_body = DrawInput,
    responses((status = 201, body = Drawn), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn draw_review(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(receipt): Path<String>,
    Json(input): Json<DrawInput>,
) -> ApiResult<(StatusCode, Json<Drawn>)> {
    let (who, meta) = (&caller.principal, &caller.meta);
    let drawn = review::draw(&state.app, who, &receipt, &input, meta).await?;
    Ok((StatusCode::CREATED, Json(drawn)))
}

/// What an expert's review link opens: the case to review and the deadline. The link is the
/// expert's credential; an unknown one is not found.
#[utoipa::path(get, path = "/api/v1/expert-reviews/{secret}", tag = "construction",
    params(("secret" = String, Path, description = "评审链接")),
    responses((status = 200, body = SeatPage), (status = 404, body = ErrorBody)))]
pub async fn expert_seat(
    State(state): State<AppState>,
    Path(secret): Path<String>,
) -> ApiResult<Json<SeatPage>> {
    Ok(Json(review::seat(&state.app, &secret).await?))
}

/// The expert gives an opinion and a score (0–100) before the deadline, or stands aside for a
/// conflict of interest; once.
#[utoipa::path(post, path = "/api/v1/expert-reviews/{secret}", tag = "construction",
    params(("secret" = String, Path, description = "评审链接")), request_body = ExpertOpinionInput,
    responses((status = 200, body = SeatPage), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn expert_answer(
    State(state): State<AppState>,
    Path(secret): Path<String>,
    headers: axum::http::HeaderMap,
    Json(input): Json<ExpertOpinionInput>,
) -> ApiResult<Json<SeatPage>> {
    let meta = qinqing_kernel::web::session::request_meta(&headers);
    Ok(Json(
        review::answer(&state.app, &secret, &input, &meta).await?,
    ))
}

/// 容缺受理: the owning department's window takes the case in with one non-essential material
/// missing, on the enterprise's promise to supply it by a day (a clock of the enterprise's side);
/// the case is approved only once it has come.
#[utoipa::path(post, path = "/api/v1/construction-cases/{receipt}/accept-tolerating",
    tag = "construction",
    params(("receipt" = String, Path, description = "办件编号")), request_body = ToleranceInput,
    responses((status = 200, body = CaseView), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn accept_tolerating(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(receipt): Path<String>,
    Json(input): Json<ToleranceInput>,
) -> ApiResult<Json<CaseView>> {
    let (who, meta) = (&caller.principal, &caller.meta);
    Ok(Json(
        case::accept_tolerating(&state.app, who, &receipt, &input, meta).await?,
    ))
}

/// The enterprise supplies the material its case was taken in without (multipart `file`).
#[utoipa::path(post, path = "/api/v1/construction-cases/{receipt}/supply", tag = "construction",
    params(("receipt" = String, Path, description = "办件编号")),
    request_body(content = Object, content_type = "multipart/form-data", description = "file: 补齐的材料(PDF/OFD/JPG/PNG)"),
    responses((status = 200, body = CaseView), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn supply(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(receipt): Path<String>,
    form: Multipart,
) -> ApiResult<Json<CaseView>> {
    let form = UploadForm::read(form, "file").await;
    let file = qinqing_kernel::web::upload::material(&form)?;
    let (who, meta) = (&caller.principal, &caller.meta);
    Ok(Json(
        tolerance::supply(&state.app, who, &receipt, file, meta).await?,
    ))
}

/// A file supplied on a case, to whoever may see the case.
#[utoipa::path(get, path = "/api/v1/construction-cases/{receipt}/files/{file}", tag = "construction",
    params(("receipt" = String, Path, description = "办件编号"), ("file" = i64, Path, description = "文件")),
    responses((status = 200, description = "文件内容"), (status = 404, body = ErrorBody)))]
pub async fn case_file(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path((receipt, file)): Path<(String, i64)>,
) -> ApiResult<Response> {
    let content = tolerance::file(&state.app, &caller.principal, &receipt, file).await?;
    Ok(file_response(content))
}

/// Applies for several matters of one stage at once (one form per stage), each with the
/// materials the project's 数据云柜 holds; all are applied for, or none.
#[utoipa::path(post, path = "/api/v1/projects/{code}/stage-cases", tag = "construction",
    params(("code" = String, Path, description = "项目编号")), request_body = StageApplyInput,
    responses((status = 201, body = Vec<CaseView>), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn apply_stage(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(code): Path<String>,
    Json(input): Json<StageApplyInput>,
) -> ApiResult<(StatusCode, Json<Vec<CaseView>>)> {
    let (who, meta) = (&caller.principal, &caller.meta);
    let shown = case::apply_stage(&state.app, who, &code, &input, meta).await?;
    Ok((StatusCode::CREATED, Json(shown)))
}

/// The project's 数据云柜: the materials kept for reuse, and those its coming matters still need.
#[utoipa::path(get, path = "/api/v1/projects/{code}/vault", tag = "construction",
    params(("code" = String, Path, description = "项目编号")),
    responses((status = 200, body = VaultView), (status = 404, body = ErrorBody)))]
pub async fn vault(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(code): Path<String>,
) -> ApiResult<Json<VaultView>> {
    Ok(Json(
        vault::of_project(&state.app, &caller.principal, &code).await?,
    ))
}

/// Files a material in the 数据云柜 (multipart): it replaces the one of the same name and serves
/// every application made from now on while valid.
#[utoipa::path(post, path = "/api/v1/projects/{code}/vault", tag = "construction",
    params(("code" = String, Path, description = "项目编号")),
    request_body(content = Object, content_type = "multipart/form-data",
        description = "material: 材料名称(审批事项所需材料之一); valid_until: 有效期至(YYYY-MM-DD,可空); file: 文件(PDF/OFD/JPG/PNG)"),
    responses((status = 201, body = VaultItemView), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn file_in_vault(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(code): Path<String>,
    form: Multipart,
) -> ApiResult<(StatusCode, Json<VaultItemView>)> {
    let form = UploadForm::read(form, "file").await;
    let (input, file) = vault_form(&form)?;
    let (who, meta) = (&caller.principal, &caller.meta);
    let shown = vault::file(&state.app, who, &code, &input, file, meta).await?;
    Ok((StatusCode::CREATED, Json(shown)))
}

/// What a 数据云柜 form carries, the API's and the page's alike.
pub(crate) fn vault_form(
    form: &UploadForm,
) -> Result<(VaultInput, qinqing_kernel::attachments::NewMaterial<'_>), qinqing_kernel::AppError> {
    let input = VaultInput {
        material: form.field("material").to_string(),
        valid_until: Some(form.field("valid_until").to_string()),
    };
    Ok((input, qinqing_kernel::web::upload::material(form)?))
}

/// The file of an item of the project's 数据云柜.
#[utoipa::path(get, path = "/api/v1/projects/{code}/vault/{item}", tag = "construction",
    params(("code" = String, Path, description = "项目编号"), ("item" = i64, Path, description = "云柜材料")),
    responses((status = 200, description = "文件内容"), (status = 404, body = ErrorBody)))]
pub async fn vault_file(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path((code, item)): Path<(String, i64)>,
) -> ApiResult<Response> {
    let content = vault::content(&state.app, &caller.principal, &code, item).await?;
    Ok(file_response(content))
}

/// The file a case was applied with as one of its materials.
#[utoipa::path(get, path = "/api/v1/construction-cases/{receipt}/materials/{item}", tag = "construction",
    params(("receipt" = String, Path, description = "办件编号"), ("item" = i64, Path, description = "云柜材料")),
    responses((status = 200, description = "文件内容"), (status = 404, body = ErrorBody)))]
pub async fn case_material(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path((receipt, item)): Path<(String, i64)>,
) -> ApiResult<Response> {
    let content = vault::case_content(&state.app, &caller.principal, &receipt, item).await?;
    Ok(file_response(content))
}

/// The gateway hook: the non-tax payment system (非税收入缴款系统) tells of a payment, its JSON
/// body signed with the secret shared with it (header `X-Payment-Signature: sha256=` and the hex
/// HMAC-SHA256 of the body). The order is paid once and for its exact amount; the same notice
/// sent again is answered as received (`recorded: false`), another payment of a paid order is
/// refused.
#[utoipa::path(post, path = "/api/v1/construction/payments/notify", tag = "construction",
    request_body = PaymentNotice,
    responses((status = 200, body = NoticeReceipt), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn payment_notice(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> ApiResult<Json<NoticeReceipt>> {
    let secret = state
        .payment_secret
        .as_deref()
        .ok_or_else(|| AppError::NotFound("本平台未接入非税收入缴款系统".into()))?;
    let signature = headers
        .get("x-payment-signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !fee::signed_by_payment_system(secret, &body, signature) {
        return Err(AppError::forbidden("缴款通知的签名无效").into());
    }
    let notice: PaymentNotice = serde_json::from_slice(&body)
        .map_err(|e| AppError::invalid("body", format!("缴款通知格式有误:{e}")))?;
    let meta = qinqing_kernel::web::session::request_meta(&headers);
    Ok(Json(fee::notified(&state.app, &notice, &meta).await?))
}

/// A payment made at the counter, recorded by the department handling the case with the
/// receipt's number (非税收入票据号).
#[utoipa::path(post, path = "/api/v1/construction-cases/{receipt}/payment", tag = "construction",
    params(("receipt" = String, Path, description = "办件编号")), request_body = CounterPaymentInput,
    responses((status = 200, body = CaseView), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn counter_payment(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(receipt): Path<String>,
    Json(input): Json<CounterPaymentInput>,
) -> ApiResult<Json<CaseView>> {
    let (who, meta) = (&caller.principal, &caller.meta);
    Ok(Json(
        fee::paid_at_counter(&state.app, who, &receipt, &input, meta).await?,
    ))
}

/// 报建看板: the region's projects by stage, cases by status, working days per matter against
/// its limits, each project's working days against the district's target, the share done
/// wholly on-line and what became of 模拟 approvals. Staff.
#[utoipa::path(get, path = "/api/v1/construction/dashboard", tag = "construction",
    responses((status = 200, body = Dashboard), (status = 403, body = ErrorBody)))]
pub async fn dashboard(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
) -> ApiResult<Json<Dashboard>> {
    Ok(Json(
        crate::dashboard::of_region(&state.app, &caller.principal).await?,
    ))
}
