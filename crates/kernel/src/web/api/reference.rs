//! Public reference checks: credit codes, size classes, industries, working days.

use crate::web::AppState;
use crate::web::error::{ApiResult, plain};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use qinqing_domain::size::{SizeFigures, classify};
use qinqing_domain::{CreditCode, IndustryCode, Money, industry};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The routes of this file's handlers; each path is written once, in its handler's annotation.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(credit_code))
        .routes(routes!(size_class))
        .routes(routes!(industries))
        .routes(routes!(add_working_days))
        .routes(routes!(working_days_between))
}

#[derive(Serialize, ToSchema)]
pub struct CreditCodeCheck {
    pub valid: bool,
    /// Why the code is invalid; null when valid.
    pub reason: Option<String>,
}

/// Checks a 统一社会信用代码, including its check character (GB 32100-2015).
#[utoipa::path(get, path = "/api/v1/reference/credit-code/{code}", tag = "reference",
    params(("code" = String, Path, description = "18 位统一社会信用代码")),
    responses((status = 200, body = CreditCodeCheck)))]
pub async fn credit_code(Path(code): Path<String>) -> Json<CreditCodeCheck> {
    Json(match CreditCode::parse(&code) {
        Ok(_) => CreditCodeCheck {
            valid: true,
            reason: None,
        },
        Err(e) => CreditCodeCheck {
            valid: false,
            reason: Some(e.to_string()),
        },
    })
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SizeQuery {
    /// GB/T 4754-2017 code, e.g. C3311.
    industry: Option<String>,
    /// 从业人员 (persons).
    employees: Option<String>,
    /// 营业收入 in CNY.
    revenue: Option<String>,
    /// 资产总额 in CNY.
    total_assets: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct SizeAnswer {
    /// large | medium | small | micro
    pub size: String,
    pub label: String,
    /// The sector's row of the 2017 table, in words.
    pub rule: String,
}

fn bad_param(field: &str, message: String) -> Response {
    plain(
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        &message,
        Some(field),
    )
}

fn money_param(field: &str, value: Option<&str>) -> Result<Option<Money>, Response> {
    value
        .filter(|v| !v.trim().is_empty())
        .map(|v| Money::parse_yuan(v).map_err(|e| bad_param(field, e.to_string())))
        .transpose()
}

/// Derives 大/中/小/微 from industry, employees, revenue and assets
/// (统计上大中小微型企业划分办法 2017).
#[utoipa::path(get, path = "/api/v1/reference/size-class", tag = "reference", params(SizeQuery),
    responses((status = 200, body = SizeAnswer), (status = 422, body = crate::web::error::ErrorBody)))]
pub async fn size_class(Query(q): Query<SizeQuery>) -> Response {
    let industry = match IndustryCode::parse(q.industry.as_deref().unwrap_or("")) {
        Ok(code) => code,
        Err(e) => return bad_param("industry", e.to_string()),
    };
    let employees = match q.employees.as_deref().filter(|v| !v.trim().is_empty()) {
        None => None,
        Some(v) => match v.trim().parse::<u64>() {
            Ok(n) => Some(n),
            Err(_) => return bad_param("employees", format!("从业人员应为非负整数,实际为“{v}”")),
        },
    };
    let figures = match (
        money_param("revenue", q.revenue.as_deref()),
        money_param("total_assets", q.total_assets.as_deref()),
    ) {
        (Ok(revenue), Ok(total_assets)) => SizeFigures {
            employees,
            revenue,
            total_assets,
        },
        (Err(r), _) | (_, Err(r)) => return r,
    };
    match classify(&industry, &figures) {
        Ok(c) => Json(SizeAnswer {
            size: c.size.as_str().to_string(),
            label: c.size.label_zh().to_string(),
            rule: c.rule,
        })
        .into_response(),
        Err(e) => {
            let field = match &e {
                qinqing_domain::size::SizeError::MissingFigure(field) => field,
                _ => "industry",
            };
            bad_param(field, e.to_string())
        }
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct IndustryQuery {
    /// Parent code; omit for the sections.
    parent: Option<String>,
    /// Part of a class's name or the start of its code (皮鞋, C195): the matching classes
    /// (小类), at most 20, instead of children.
    q: Option<String>,
}

/// Classes a picker offers for one typed text.
const PICKER_CLASSES: usize = 20;

#[derive(Serialize, ToSchema)]
pub struct IndustryItem {
    pub code: &'static str,
    pub name: &'static str,
}

/// The children of an industry code (or the 20 sections), or the classes matching typed text,
/// for pickers.
#[utoipa::path(get, path = "/api/v1/reference/industries", tag = "reference", params(IndustryQuery),
    responses((status = 200, body = Vec<IndustryItem>), (status = 422, body = crate::web::error::ErrorBody)))]
pub async fn industries(Query(q): Query<IndustryQuery>) -> Response {
    if let Some(text) = q.q.as_deref().filter(|t| !t.trim().is_empty()) {
        return Json(items(industry::search(text, PICKER_CLASSES))).into_response();
    }
    let parent = match q.parent.as_deref().filter(|p| !p.is_empty()) {
        None => None,
        Some(p) => match IndustryCode::parse(p) {
            Ok(code) => Some(code),
            Err(e) => return bad_param("parent", e.to_string()),
        },
    };
    Json(items(industry::children(parent.as_ref()))).into_response()
}

fn items(nodes: Vec<&'static industry::IndustryNode>) -> Vec<IndustryItem> {
    nodes
        .into_iter()
        .map(|n| IndustryItem {
            code: n.code,
            name: n.name,
        })
        .collect()
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AddQuery {
    /// YYYY-MM-DD
    from: Option<String>,
    /// Number of working days (0–3650).
    days: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct DateAnswer {
    pub date: String,
}

fn date_param(field: &str, value: Option<&str>) -> Result<NaiveDate, Response> {
    let value = value.unwrap_or("");
    NaiveDate::parse_from_str(value, "%Y-%m-%d").map_err(|_| {
        bad_param(
            field,
            format!("{field} 应为 YYYY-MM-DD 格式的日期,实际为“{value}”"),
        )
    })
}

/// The Nth working day after `from` (official calendar with holidays and 调休).
#[utoipa::path(get, path = "/api/v1/calendar/working-days/add", tag = "calendar", params(AddQuery),
    responses((status = 200, body = DateAnswer), (status = 422, body = crate::web::error::ErrorBody)))]
pub async fn add_working_days(
    State(state): State<crate::web::AppState>,
    Query(q): Query<AddQuery>,
) -> Response {
    let from = match date_param("from", q.from.as_deref()) {
        Ok(d) => d,
        Err(r) => return r,
    };
    let days = match q.days.as_deref().map(str::trim).map(str::parse::<u32>) {
        Some(Ok(n)) if n <= 3650 => n,
        _ => return bad_param("days", "days 应为 0 到 3650 之间的整数".into()),
    };
    let date = state.app.calendar().add_working_days(from, days);
    Json(DateAnswer {
        date: date.format("%Y-%m-%d").to_string(),
    })
    .into_response()
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BetweenQuery {
    from: Option<String>,
    to: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct DaysAnswer {
    pub days: u32,
}

/// Working days after `from` up to and including `to`.
#[utoipa::path(get, path = "/api/v1/calendar/working-days/between", tag = "calendar", params(BetweenQuery),
    responses((status = 200, body = DaysAnswer), (status = 422, body = crate::web::error::ErrorBody)))]
pub async fn working_days_between(
    State(state): State<crate::web::AppState>,
    Query(q): Query<BetweenQuery>,
) -> ApiResult<Response> {
    let (from, to) = match (
        date_param("from", q.from.as_deref()),
        date_param("to", q.to.as_deref()),
    ) {
        (Ok(f), Ok(t)) => (f, t),
        (Err(r), _) | (_, Err(r)) => return Ok(r),
    };
    if (to - from).num_days().abs() > 36_500 {
        return Ok(bad_param("to", "日期跨度不能超过 100 年".into()));
    }
    let days = state.app.calendar().working_days_between(from, to);
    Ok(Json(DaysAnswer { days }).into_response())
}
