//! Open311 GeoReport v2: civic-tech clients list the categories as services, file requests
//! with an API key and read their status. Requests carry our extension attribute
//! `credit_code`, because every request here belongs to an enterprise.
//!
//! Reading requests needs a key too (the standard leaves it to the jurisdiction): an
//! enterprise's request describes its business, which is not for anyone on the internet.
//!
//! The use cases are here; [`web`] serves them under `/open311/v2`.

pub mod web;

use crate::handling::{self, Registration, RequestInput};
use crate::model::{Channel, RequestStatus, RequestView, view};
use crate::routing;
use crate::store::requests::{self as store, RequestFilter};
use chrono::{DateTime, Utc};
use qinqing_domain::CreditCode;
use qinqing_kernel::store::StoreError;
use qinqing_kernel::store::enterprises as enterprise_store;
use qinqing_kernel::{App, AppError, AppResult, Principal, RequestMeta};
use std::collections::HashMap;

/// The channel of requests filed through Open311.
pub const CHANNEL: Channel = Channel::Open311;
/// The most requests one listing returns (the standard suggests a limit; 1000 is its example).
const LIST_LIMIT: i64 = 1000;

/// The live key's name, or Forbidden in the standard's sense (403).
pub async fn authorise(app: &App, api_key: Option<&str>) -> AppResult<String> {
    let key = api_key.map(str::trim).unwrap_or_default();
    crate::api_keys::check(app, key)
        .await?
        .ok_or_else(|| AppError::forbidden("api_key 缺失、错误或已吊销"))
}

/// A form field, trimmed; None when absent or blank.
fn field<'a>(form: &'a HashMap<String, String>, name: &str) -> Option<&'a str> {
    form.get(name).map(|v| v.trim()).filter(|v| !v.is_empty())
}

/// A coordinate in degrees within `limit`, kept as the client wrote it.
fn coordinate(form: &HashMap<String, String>, name: &str, limit: f64) -> AppResult<Option<String>> {
    match field(form, name) {
        None => Ok(None),
        Some(v) => match v.parse::<f64>() {
            Ok(x) if x.abs() <= limit => Ok(Some(v.to_string())),
            _ => Err(AppError::invalid(
                name,
                format!("{name} 应为 ±{limit} 以内的度数"),
            )),
        },
    }
}

/// Files a request from an Open311 form (application/x-www-form-urlencoded fields).
pub async fn create(
    app: &App,
    key_name: &str,
    form: &HashMap<String, String>,
    meta: &RequestMeta,
) -> AppResult<RequestView> {
    let Some(service_code) = field(form, "service_code") else {
        return Err(AppError::invalid("service_code", "缺少 service_code"));
    };
    let code_text = field(form, "attribute[credit_code]")
        .ok_or_else(|| AppError::invalid("attribute[credit_code]", "缺少企业统一社会信用代码"))?;
    let code = CreditCode::parse(code_text)
        .map_err(|e| AppError::invalid("attribute[credit_code]", e.to_string()))?;
    let (lat, lon) = (
        coordinate(form, "lat", 90.0)?,
        coordinate(form, "long", 180.0)?,
    );
    let location = field(form, "address_string");
    if location.is_none() && (lat.is_none() || lon.is_none()) {
        return Err(AppError::invalid(
            "address_string",
            "须提供 address_string,或同时提供 lat 与 long",
        ));
    }
    let name: Vec<&str> = ["last_name", "first_name"]
        .iter()
        .filter_map(|f| field(form, f))
        .collect();
    let contact = serde_json::json!({
        "name": name.concat(), "phone": field(form, "phone"), "email": field(form, "email"),
    });
    let mut tx = app.db.begin().await?;
    let enterprise = enterprise_store::get_by_credit_code(&mut tx, &code)
        .await?
        .ok_or_else(|| {
            AppError::invalid(
                "attribute[credit_code]",
                format!("企业 {code} 未在本平台登记"),
            )
        })?;
    let input = RequestInput {
        credit_code: code.to_string(),
        category: service_code.to_string(),
        description: field(form, "description").unwrap_or_default().to_string(),
        location: location.map(str::to_string),
        ..RequestInput::default()
    };
    let registration = Registration {
        enterprise_id: enterprise.id,
        region: enterprise.identity.region_code.clone(),
        credit_code: code,
        channel: CHANNEL,
        source_ref: Some(key_name.to_string()),
        registered_by: None,
        lat,
        lon,
        contact: Some(contact.to_string()),
    };
    let shown = handling::register(
        app,
        &mut tx,
        &Principal::system(),
        &input,
        registration,
        meta,
    )
    .await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(shown)
}

/// The standard's status: closed once the loop is finished (closed, or merged as a duplicate).
pub fn status(r: &RequestView) -> &'static str {
    if r.status.is_finished() {
        "closed"
    } else {
        "open"
    }
}

fn date_filter(form: &HashMap<String, String>, name: &str) -> AppResult<Option<DateTime<Utc>>> {
    field(form, name)
        .map(|v| {
            DateTime::parse_from_rfc3339(v)
                .map(|t| t.with_timezone(&Utc))
                .map_err(|_| AppError::invalid(name, format!("{name} 应为 RFC 3339 时间")))
        })
        .transpose()
}

/// Our statuses behind the standard's open/closed.
fn statuses(open_or_closed: &str) -> AppResult<Vec<RequestStatus>> {
    let closed = match open_or_closed {
        "open" => false,
        "closed" => true,
        _ => return Err(AppError::invalid("status", "status 应为 open 或 closed")),
    };
    let ours = RequestStatus::ALL.into_iter();
    Ok(ours.filter(|s| s.is_finished() == closed).collect())
}

/// Requests matching the standard's filters (service_request_id, service_code, start_date,
/// end_date, status); comma-separated lists where the standard allows them.
pub async fn list(app: &App, query: &HashMap<String, String>) -> AppResult<Vec<RequestView>> {
    let list_of = |name: &str| -> Vec<String> {
        field(query, name)
            .map(|v| v.split(',').map(|s| s.trim().to_string()).collect())
            .unwrap_or_default()
    };
    let mut status_filter = Vec::new();
    for s in list_of("status") {
        status_filter.extend(statuses(&s)?);
    }
    let filter = RequestFilter {
        receipt_nos: list_of("service_request_id"),
        category_codes: list_of("service_code"),
        statuses: status_filter,
        submitted_from: date_filter(query, "start_date")?,
        submitted_to: date_filter(query, "end_date")?,
        limit: LIST_LIMIT,
        ..RequestFilter::default()
    };
    let mut conn = app.db.conn().await?;
    let mut out = Vec::new();
    for r in store::list(&mut conn, &filter).await? {
        out.push(view(&mut conn, r, app.now()).await?);
    }
    Ok(out)
}

pub async fn get(app: &App, receipt_no: &str) -> AppResult<RequestView> {
    let mut conn = app.db.conn().await?;
    let r = store::get_by_receipt(&mut conn, receipt_no)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("没有编号为 {receipt_no} 的诉求")))?;
    view(&mut conn, r, app.now()).await
}

/// The categories as services.
pub async fn services(app: &App) -> AppResult<Vec<routing::CategoryView>> {
    routing::categories(app).await
}

pub async fn service(app: &App, code: &str) -> AppResult<routing::CategoryView> {
    services(app)
        .await?
        .into_iter()
        .find(|c| c.code == code)
        .ok_or_else(|| AppError::NotFound(format!("没有 service_code 为 {code} 的服务")))
}
