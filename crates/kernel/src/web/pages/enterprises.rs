//! The enterprise portal (我的企业), the staff workbench and enterprise register, profile pages,
//! profile correction, import and export.

use super::{Choice, Errors, Layout, error_page, errors_of, form_caller};
use crate::AppError;
use crate::enterprises::{self, FigureInput, ProfileUpdate, ProfileView};
use crate::listing::{Pager, QueueBar, QueueQuery, Tab};
use crate::web::AppState;
use crate::web::api::enterprises::{EnterpriseSummary, MAX_PER_PAGE, download, list_filter};
use crate::web::session::{Caller, PageUser};
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Multipart, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use qinqing_domain::CreditCode;
use qinqing_domain::enterprise::{CreditStatus, FIGURE_FIELDS, Ownership};
use qinqing_domain::org::{Role, may_import_enterprises};
use qinqing_exchange::{FileFormat, ImportReport};
use serde::Deserialize;
use std::collections::HashMap;

/// The routes of this module's pages and forms.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/portal", get(portal))
        .route("/workbench", get(workbench))
        .route("/enterprises", get(list))
        .route("/enterprises/import", get(import_page).post(import))
        .route("/enterprises/export.csv", get(export_csv))
        .route("/enterprises/export.xlsx", get(export_xlsx))
        .route("/enterprises/{code}", get(profile))
        .route("/enterprises/{code}/edit", get(edit_page).post(edit))
}

#[derive(Template, WebTemplate)]
#[template(path = "portal.html")]
pub struct PortalPage {
    layout: Layout,
    title: &'static str,
    /// Each enterprise with what the scenes offer it (我的可享政策, 我的申报, …).
    profiles: Vec<(ProfileView, Vec<crate::web::Link>)>,
}

/// 我的企业: the enterprises the user acts for, each with its latest figures and size class.
pub async fn portal(State(state): State<AppState>, PageUser(caller): PageUser) -> Response {
    // The enterprise's own users, and the steward (亲清管家) for the enterprises it serves.
    let title = match caller.principal.role {
        Role::EnterpriseUser => "我的企业",
        Role::Steward => "服务企业",
        _ => return Redirect::to("/workbench").into_response(),
    };
    let mut profiles = Vec::new();
    for code in caller.principal.enterprises() {
        match enterprises::profile(&state.app, &caller.principal, code).await {
            Ok(p) => {
                let links = state
                    .scenes
                    .iter()
                    .flat_map(|s| s.portal_links(code))
                    .collect();
                profiles.push((p, links));
            }
            Err(e) => return error_page(&e, Some(&caller), &state),
        }
    }
    PortalPage {
        layout: Layout::new(title, Some(&caller), &state, "/portal"),
        title,
        profiles,
    }
    .into_response()
}

#[derive(Template, WebTemplate)]
#[template(path = "workbench.html")]
pub struct WorkbenchPage {
    layout: Layout,
    enterprise_count: i64,
    scope_label: String,
    may_import: bool,
    may_export: bool,
    is_admin: bool,
    /// The scenes' shortcuts for this person.
    scene_links: Vec<crate::web::Link>,
    warnings: Vec<crate::deadlines::WarningView>,
    /// The caller issues 督办 from a warning's row (效能办, 纪检).
    may_supervise: bool,
    default_days: u32,
    bar: QueueBar,
    pager: Pager,
}

/// The workbench, with the caller's warnings at its address's tab (待我处理 unless asked),
/// search and page.
pub async fn workbench(
    State(state): State<AppState>,
    PageUser(caller): PageUser,
    q: Result<Query<QueueQuery>, QueryRejection>,
) -> Response {
    if caller.principal.role == Role::EnterpriseUser {
        return Redirect::to("/portal").into_response();
    }
    let filter = list_filter(None, None, None, 1, 1);
    let total = match enterprises::list(&state.app, &caller.principal, filter).await {
        Ok((_, total)) => total,
        Err(e) => return error_page(&e, Some(&caller), &state),
    };
    let page = q
        .map(|Query(q)| q)
        .unwrap_or_default()
        .read_leniently(Tab::Mine);
    let warnings = match crate::deadlines::warning_queue(&state.app, &caller.principal, &page).await
    {
        Ok(w) => w,
        Err(e) => return error_page(&e, Some(&caller), &state),
    };
    let scope_label = match &caller.principal.scope {
        qinqing_domain::org::Scope::All => "全区(全部数据)".to_string(),
        qinqing_domain::org::Scope::Region(code) => {
            format!("{} 及其下辖区域(区划 {code})", caller.principal.org_name)
        }
        qinqing_domain::org::Scope::Enterprises(codes) => {
            format!("指派给您的 {} 家企业", codes.len())
        }
        qinqing_domain::org::Scope::Nothing => "无企业数据权限".to_string(),
    };
    WorkbenchPage {
        layout: Layout::new("工作台", Some(&caller), &state, "/workbench"),
        enterprise_count: total,
        scope_label,
        may_import: may_import_enterprises(caller.principal.role),
        may_export: caller.principal.scope != qinqing_domain::org::Scope::Nothing,
        bar: page.bar("/workbench#warnings", &Tab::ALL, "事项名称或编号"),
        pager: page.pager("/workbench#warnings", warnings.total),
        warnings: warnings.items,
        may_supervise: crate::supervision::may_supervise(caller.principal.role),
        default_days: crate::supervision::DEFAULT_DAYS,
        is_admin: caller.principal.role == Role::Admin,
        scene_links: state
            .scenes
            .iter()
            .flat_map(|s| s.shortcuts(&caller.principal))
            .collect(),
    }
    .into_response()
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    q: Option<String>,
    region: Option<String>,
    industry: Option<String>,
    page: Option<i64>,
}

#[derive(Template, WebTemplate)]
#[template(path = "enterprises.html")]
pub struct ListPage {
    layout: Layout,
    items: Vec<EnterpriseSummary>,
    total: i64,
    page: i64,
    pages: i64,
    q: String,
    region: String,
    industry: String,
    prev_link: Option<String>,
    next_link: Option<String>,
}

const PER_PAGE: i64 = 30;

pub async fn list(
    State(state): State<AppState>,
    PageUser(caller): PageUser,
    Query(q): Query<ListQuery>,
) -> Response {
    let page = q.page.unwrap_or(1).max(1);
    let filter = list_filter(
        q.q.as_deref(),
        q.region.as_deref(),
        q.industry.as_deref(),
        page,
        PER_PAGE.min(MAX_PER_PAGE),
    );
    let (items, total) = match enterprises::list(&state.app, &caller.principal, filter).await {
        Ok(found) => found,
        Err(e) => return error_page(&e, Some(&caller), &state),
    };
    let pages = ((total + PER_PAGE - 1) / PER_PAGE).max(1);
    let (text, region, industry) = (
        q.q.unwrap_or_default(),
        q.region.unwrap_or_default(),
        q.industry.unwrap_or_default(),
    );
    let link = |p: i64| {
        let query = [
            ("q", text.as_str()),
            ("region", region.as_str()),
            ("industry", industry.as_str()),
        ]
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", crate::web::session::urlencode(v)))
        .chain(std::iter::once(format!("page={p}")))
        .collect::<Vec<_>>()
        .join("&");
        format!("/enterprises?{query}")
    };
    ListPage {
        layout: Layout::new("企业库", Some(&caller), &state, "/enterprises"),
        items: items.iter().map(EnterpriseSummary::from).collect(),
        total,
        page,
        pages,
        prev_link: (page > 1).then(|| link(page - 1)),
        next_link: (page < pages).then(|| link(page + 1)),
        q: text,
        region,
        industry,
    }
    .into_response()
}

fn parse_code(code: &str) -> Result<CreditCode, AppError> {
    CreditCode::parse(code).map_err(|e| AppError::NotFound(format!("没有这家企业:{e}")))
}

#[derive(Template, WebTemplate)]
#[template(path = "enterprise.html")]
pub struct ProfilePage {
    layout: Layout,
    p: ProfileView,
    saved: bool,
}

#[derive(Deserialize, Default)]
pub struct SavedQuery {
    saved: Option<String>,
}

pub async fn profile(
    State(state): State<AppState>,
    PageUser(caller): PageUser,
    Path(code): Path<String>,
    Query(q): Query<SavedQuery>,
) -> Response {
    let result = match parse_code(&code) {
        Ok(code) => enterprises::profile(&state.app, &caller.principal, &code).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(p) => ProfilePage {
            layout: Layout::new(p.identity.name.clone(), Some(&caller), &state, ""),
            p,
            saved: q.saved.is_some(),
        }
        .into_response(),
        Err(e) => error_page(&e, Some(&caller), &state),
    }
}

/// One input of the figures table: a year, a field and what the form holds for it.
pub struct FigureCell {
    pub name: String,
    pub value: String,
}

pub struct FigureRow {
    pub label: &'static str,
    pub cells: Vec<FigureCell>,
}

#[derive(Template, WebTemplate)]
#[template(path = "enterprise_edit.html")]
pub struct EditPage {
    layout: Layout,
    p: ProfileView,
    values: HashMap<String, String>,
    errors: Errors,
    years: Vec<i32>,
    rows: Vec<FigureRow>,
    ownerships: Vec<Choice>,
    credit_statuses: Vec<Choice>,
}

impl EditPage {
    fn value(&self, key: &str) -> &str {
        self.values.get(key).map_or("", String::as_str)
    }

    fn error(&self, key: &str) -> &str {
        self.errors.get(key).map_or("", String::as_str)
    }
}

/// The years a profile form edits: those on record plus the last complete year.
fn editable_years(p: &ProfileView, now: chrono::DateTime<chrono::Utc>) -> Vec<i32> {
    use chrono::Datelike;
    let mut years: Vec<i32> = p.years.iter().map(|y| y.year).collect();
    let last = now.year() - 1;
    if !years.contains(&last) {
        years.push(last);
    }
    years.sort_unstable_by(|a, b| b.cmp(a));
    years.truncate(4);
    years
}

/// The form's values as stored: identity fields, qualifications, and `fig.<year>.<field>`.
fn stored_values(p: &ProfileView) -> HashMap<String, String> {
    let id = &p.identity;
    let mut values = HashMap::from([
        ("name".to_string(), id.name.clone()),
        (
            "legal_representative".to_string(),
            id.legal_representative.clone().unwrap_or_default(),
        ),
        (
            "contact_phone".to_string(),
            p.contact_phone.clone().unwrap_or_default(),
        ),
        ("industry_code".to_string(), id.industry_code.to_string()),
        ("region_code".to_string(), id.region_code.to_string()),
        ("ownership".to_string(), id.ownership.as_str().to_string()),
        (
            "established_on".to_string(),
            id.established_on.map(|d| d.to_string()).unwrap_or_default(),
        ),
        (
            "credit_status".to_string(),
            id.credit_status.as_str().to_string(),
        ),
        (
            "qualifications".to_string(),
            p.qualifications
                .iter()
                .map(|q| q.to_line())
                .collect::<Vec<_>>()
                .join("\n"),
        ),
    ]);
    for y in &p.years {
        for f in &y.figures {
            values.insert(format!("fig.{}.{}", y.year, f.field), f.value.clone());
        }
    }
    values
}

fn edit_page_for(
    state: &AppState,
    caller: &Caller,
    p: ProfileView,
    values: HashMap<String, String>,
    errors: Errors,
) -> EditPage {
    let years = editable_years(&p, state.app.now());
    let rows = FIGURE_FIELDS
        .iter()
        .map(|(field, label)| FigureRow {
            label,
            cells: years
                .iter()
                .map(|y| {
                    let name = format!("fig.{y}.{field}");
                    FigureCell {
                        value: values.get(&name).cloned().unwrap_or_default(),
                        name,
                    }
                })
                .collect(),
        })
        .collect();
    EditPage {
        layout: Layout::new(format!("修改 {}", p.identity.name), Some(caller), state, ""),
        ownerships: Ownership::ALL
            .iter()
            .map(|o| Choice {
                value: o.as_str(),
                label: o.label_zh(),
            })
            .collect(),
        credit_statuses: CreditStatus::ALL
            .iter()
            .map(|c| Choice {
                value: c.as_str(),
                label: c.label_zh(),
            })
            .collect(),
        p,
        values,
        errors,
        years,
        rows,
    }
}

pub async fn edit_page(
    State(state): State<AppState>,
    PageUser(caller): PageUser,
    Path(code): Path<String>,
) -> Response {
    let result = match parse_code(&code) {
        Ok(code) => enterprises::profile(&state.app, &caller.principal, &code).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(p) if p.may_edit => {
            let values = stored_values(&p);
            edit_page_for(&state, &caller, p, values, Errors::new()).into_response()
        }
        Ok(_) => error_page(
            &AppError::forbidden("当前角色不能修改企业资料"),
            Some(&caller),
            &state,
        ),
        Err(e) => error_page(&e, Some(&caller), &state),
    }
}

/// Turns the posted form into a profile update: registry fields only when the form showed them,
/// figures for every `fig.<year>.<field>` input.
fn update_from_form(form: &HashMap<String, String>, registry: bool) -> ProfileUpdate {
    let field = |k: &str| form.get(k).cloned();
    let mut figures = Vec::new();
    for (key, value) in form {
        let Some(rest) = key.strip_prefix("fig.") else {
            continue;
        };
        let Some((year, name)) = rest.split_once('.') else {
            continue;
        };
        let Ok(year) = year.parse::<i32>() else {
            continue;
        };
        figures.push(FigureInput {
            year,
            field: name.to_string(),
            value: Some(value.clone()),
        });
    }
    figures.sort_by(|a, b| (a.year, &a.field).cmp(&(b.year, &b.field)));
    ProfileUpdate {
        name: field("name").filter(|_| registry),
        industry_code: field("industry_code").filter(|_| registry),
        region_code: field("region_code").filter(|_| registry),
        ownership: field("ownership").filter(|_| registry),
        credit_status: field("credit_status").filter(|_| registry),
        legal_representative: field("legal_representative"),
        contact_phone: field("contact_phone"),
        established_on: field("established_on"),
        qualifications: field("qualifications").map(|q| {
            q.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_string)
                .collect()
        }),
        figures,
    }
}

/// Error keys of figures are `figures.<year>.<field>`; the form's inputs are `fig.<year>.<field>`.
fn form_errors(e: &AppError) -> Errors {
    errors_of(e)
        .into_iter()
        .map(|(k, v)| {
            (
                k.strip_prefix("figures.")
                    .map_or(k.clone(), |rest| format!("fig.{rest}")),
                v,
            )
        })
        .collect()
}

pub async fn edit(
    State(state): State<AppState>,
    user: PageUser,
    Path(code): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    if let Err(r) = user.check_csrf(form.get("_csrf").map_or("", String::as_str)) {
        return r;
    }
    let caller = &user.0;
    let code = match parse_code(&code) {
        Ok(code) => code,
        Err(e) => return error_page(&e, Some(caller), &state),
    };
    let profile = match enterprises::profile(&state.app, &caller.principal, &code).await {
        Ok(p) => p,
        Err(e) => return error_page(&e, Some(caller), &state),
    };
    let update = update_from_form(&form, profile.may_edit_registry);
    match enterprises::update_profile(&state.app, &caller.principal, &code, &update, &caller.meta)
        .await
    {
        Ok(_) => Redirect::to(&format!("/enterprises/{code}?saved=1")).into_response(),
        Err(e @ (AppError::Invalid { .. } | AppError::Fields(_) | AppError::Conflict { .. })) => {
            let errors = form_errors(&e);
            let page = edit_page_for(&state, caller, profile, form, errors);
            (crate::web::error::status_of(&e), page).into_response()
        }
        Err(e) => error_page(&e, Some(caller), &state),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "import.html")]
pub struct ImportPage {
    layout: Layout,
    report: Option<ImportReport>,
    summary: Option<enterprises::ImportSummary>,
    error: Option<String>,
    columns: &'static [qinqing_exchange::ColumnSpec],
}

fn import_page_for(caller: &Caller, state: &AppState) -> ImportPage {
    ImportPage {
        layout: Layout::new("批量导入企业", Some(caller), state, "/enterprises/import"),
        report: None,
        summary: None,
        error: None,
        columns: qinqing_exchange::COLUMNS,
    }
}

pub async fn import_page(State(state): State<AppState>, PageUser(caller): PageUser) -> Response {
    if !may_import_enterprises(caller.principal.role) {
        return error_page(
            &AppError::forbidden("当前角色不能批量导入企业资料"),
            Some(&caller),
            &state,
        );
    }
    import_page_for(&caller, &state).into_response()
}

pub async fn import(
    State(state): State<AppState>,
    user: PageUser,
    form: Multipart,
) -> Result<Response, Response> {
    let form = crate::web::upload::UploadForm::read(form, "file").await;
    let caller = form_caller(&user, &form.pairs)?;
    let mut page = import_page_for(caller, &state);
    let Some((name, bytes)) = form.file else {
        page.error = Some("请选择要导入的 CSV 或 XLSX 文件".into());
        return Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    };
    let Some(format) = FileFormat::from_file_name(&name) else {
        page.error = Some(format!("“{name}”不是 .csv 或 .xlsx 文件"));
        return Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    };
    let result =
        enterprises::import(&state.app, &caller.principal, &bytes, format, &caller.meta).await;
    Ok(match result {
        Ok(summary) => {
            page.summary = Some(summary);
            page.into_response()
        }
        Err(AppError::ImportRejected(report)) => {
            page.report = Some(report);
            (axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
        }
        Err(e) => error_page(&e, Some(caller), &state),
    })
}

/// A download for the UI; a refusal is a page, not the API's JSON.
async fn export_download(state: &AppState, caller: &Caller, format: FileFormat) -> Response {
    match enterprises::export(&state.app, &caller.principal, format).await {
        Ok(bytes) => download(format, bytes),
        Err(e) => error_page(&e, Some(caller), state),
    }
}

pub async fn export_csv(State(state): State<AppState>, PageUser(caller): PageUser) -> Response {
    export_download(&state, &caller, FileFormat::Csv).await
}

pub async fn export_xlsx(State(state): State<AppState>, PageUser(caller): PageUser) -> Response {
    export_download(&state, &caller, FileFormat::Xlsx).await
}
