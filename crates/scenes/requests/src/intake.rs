//! 12345 bulk import: the hotline's ticket export comes into the same pool as every other
//! request, each ticket registered and routed like one typed in by a handler (channel 12345,
//! the 工单编号 kept as the source reference). All or nothing: every row is checked before any is
//! stored, and a failure while storing rolls the whole file back. Idempotent: a ticket already
//! on the platform is skipped, so importing the same file twice adds nothing.
//!
//! The clocks start when the ticket reaches the platform, not at the call: the departments can
//! only answer what they have received. The call time is kept in the audit entry.

use crate::handling::{Registration, RequestInput, register};
use crate::model::Channel;
use crate::routing::category;
use crate::store::requests::{self as store, Category};
use qinqing_domain::org::Role;
use qinqing_exchange::hotline::{HEADERS, HotlineTicket, read_tickets};
use qinqing_exchange::{FileFormat, ImportReport, RowError};
use qinqing_kernel::audit::{self, Change};
use qinqing_kernel::enterprises::visible_enterprise;
use qinqing_kernel::store::{Conn, StoreError, Tx};
use qinqing_kernel::{App, AppError, AppResult, Principal, RequestMeta};
use serde::Serialize;
use utoipa::ToSchema;

/// The channel and the most tickets one file may carry.
const CHANNEL: Channel = Channel::Hotline12345;
const MAX_TICKETS: usize = 2000;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ImportSummary {
    /// Tickets in the file.
    pub tickets: usize,
    /// Registered now, with their receipt numbers.
    pub imported: Vec<String>,
    /// Tickets already on the platform (an earlier import), skipped.
    pub skipped: usize,
}

/// Handlers and leads register hotline requests; the administrator too.
fn may_import(who: &Principal) -> bool {
    matches!(who.role, Role::Handler | Role::DepartmentLead | Role::Admin)
}

fn row_error(t: &HotlineTicket, column: usize, value: &str, message: String) -> RowError {
    RowError {
        row: t.row,
        column: HEADERS[column].to_string(),
        value: value.to_string(),
        message,
    }
}

fn rejected(rows: usize, errors: Vec<RowError>) -> AppError {
    AppError::ImportRejected(ImportReport { rows, errors })
}

/// A 诉求类别 cell: a category's Chinese name or its code.
fn category_of<'a>(categories: &'a [Category], text: &str) -> Option<&'a Category> {
    categories.iter().find(|c| c.name == text || c.code == text)
}

pub async fn import(
    app: &App,
    who: &Principal,
    file_name: &str,
    bytes: &[u8],
    meta: &RequestMeta,
) -> AppResult<ImportSummary> {
    if !may_import(who) {
        return Err(AppError::forbidden(
            "只有经办人、部门负责人或平台管理员可以导入 12345 工单",
        ));
    }
    let format = FileFormat::from_file_name(file_name).ok_or_else(|| {
        AppError::invalid("file", "请上传 .csv 或 .xlsx 格式的 12345 工单导出文件")
    })?;
    let tickets = read_tickets(bytes, format).map_err(AppError::ImportRejected)?;
    if tickets.len() > MAX_TICKETS {
        return Err(AppError::invalid(
            "file",
            format!("一次最多导入 {MAX_TICKETS} 条工单,请分批导入"),
        ));
    }
    let mut tx = app.db.begin().await?;
    let categories = store::categories(&mut tx).await?;
    let mut errors = Vec::new();
    for t in &tickets {
        errors.extend(check(&mut tx, who, &categories, t).await?);
    }
    if !errors.is_empty() {
        return Err(rejected(tickets.len(), errors));
    }
    let mut summary = ImportSummary {
        tickets: tickets.len(),
        imported: Vec::new(),
        skipped: 0,
    };
    for t in &tickets {
        if store::by_source_ref(&mut tx, CHANNEL, &t.ticket_no)
            .await?
            .is_some()
        {
            summary.skipped += 1;
            continue;
        }
        let receipt = store_ticket(app, &mut tx, who, &categories, t, meta)
            .await
            .map_err(|e| as_row_error(e, t, tickets.len()))?;
        summary.imported.push(receipt);
    }
    let change = Change {
        action: "request.hotline_imported",
        object_type: "request_import",
        object_id: file_name.to_string(),
        on_behalf_of: None,
        detail: serde_json::json!({ "tickets": summary.tickets, "imported": summary.imported, "skipped": summary.skipped }),
    };
    audit::record(&mut tx, who, meta, change, app.now()).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(summary)
}

/// A refusal while registering a ticket (a title too long, a category without a routing
/// rule), reported against its row and column; failures of the platform stay what they are.
fn as_row_error(e: AppError, t: &HotlineTicket, rows: usize) -> AppError {
    let (column, value) = match e.field() {
        Some("source_ref") => (0, t.ticket_no.as_str()),
        Some("title") => (5, t.title.as_str()),
        Some("description") => (6, t.description.as_str()),
        _ => (4, t.category.as_str()),
    };
    match e {
        AppError::Internal(_) => e,
        other => rejected(rows, vec![row_error(t, column, value, other.to_string())]),
    }
}

/// The problems of one ticket the file alone cannot show: an unknown category, an enterprise
/// not on the platform or outside the importer's scope.
async fn check(
    conn: &mut Conn,
    who: &Principal,
    categories: &[Category],
    t: &HotlineTicket,
) -> AppResult<Vec<RowError>> {
    let mut errors = Vec::new();
    if category_of(categories, &t.category).is_none() {
        let names: Vec<&str> = categories.iter().map(|c| c.name.as_str()).collect();
        let message = format!("没有这类诉求,应为:{}", names.join("、"));
        errors.push(row_error(t, 4, &t.category, message));
    }
    let code = t.credit_code.as_str();
    match visible_enterprise(conn, who, &t.credit_code).await {
        Ok(_) => {}
        Err(AppError::NotFound(_)) => {
            errors.push(row_error(t, 3, code, "该企业未在本平台登记".into()))
        }
        Err(AppError::Forbidden(_)) => {
            errors.push(row_error(t, 3, code, "该企业不在您的管辖范围内".into()))
        }
        Err(e) => return Err(e),
    }
    Ok(errors)
}

async fn store_ticket(
    app: &App,
    tx: &mut Tx,
    who: &Principal,
    categories: &[Category],
    t: &HotlineTicket,
    meta: &RequestMeta,
) -> AppResult<String> {
    let code = category_of(categories, &t.category)
        .map(|c| c.code.clone())
        .unwrap_or_default();
    let category = category(tx, &code).await?;
    let enterprise = visible_enterprise(tx, who, &t.credit_code).await?;
    let contact = serde_json::json!({
        "name": t.contact_name, "phone": t.contact_phone,
        "called_at": t.called_at.format("%Y-%m-%d %H:%M").to_string(), "town": t.town,
    });
    let input = RequestInput {
        credit_code: t.credit_code.to_string(),
        category: category.code,
        title: Some(t.title.clone()),
        description: t.description.clone(),
        ..RequestInput::default()
    };
    let registration = Registration {
        enterprise_id: enterprise.id,
        region: enterprise.identity.region_code.clone(),
        credit_code: t.credit_code.clone(),
        channel: CHANNEL,
        source_ref: Some(t.ticket_no.clone()),
        registered_by: Some(who.user_id),
        lat: None,
        lon: None,
        contact: Some(contact.to_string()),
    };
    let view = register(app, tx, who, &input, registration, meta).await?;
    Ok(view.receipt_no)
}
