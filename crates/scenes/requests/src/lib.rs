//! 诉求必应: enterprise requests in a closed loop — 登记 (registered by the enterprise, its
//! steward, a hotline handler or another channel), routed at once to the owning department
//! (首接负责, one transfer allowed), a 24-hour response clock and a resolution clock of the
//! category's working days on the shared deadline mechanism, extensions approved by the
//! department lead, the reply, and the 回访 that closes the request or reopens it one grade up.
//! A transfer keeps both clocks as they are: the enterprise's wait does not start again because
//! the government passed its request on.
//!
//! Who sees a request: the enterprise and its steward; the owning department, the one it was
//! transferred from and those invited to 会商; whoever registered it; supervisors, towns and the district within their
//! region. A request is closed by a follow-up, or by the scheduler when the follow-up window
//! passes without one (`auto_close`).
//!
//! The crate plugs into the platform through [`scene()`]: the use cases sit at its root (with
//! the request model shared by them below), over their SQL in [`store`]; [`api`], [`pages`] and
//! [`open311::web`] serve them, and [`demo`] plays the scene's share of the demo district.

pub mod analysis;
pub mod api;
pub mod api_keys;
pub mod auto_close;
pub mod clinic;
pub mod consultation;
pub mod demo;
pub mod files;
pub mod handling;
pub mod intake;
pub mod model;
pub mod open311;
pub mod pages;
pub mod routing;
pub mod scene;
pub mod store;

use crate::model::{Channel, ExtensionStatus, FollowUpResult, RequestStatus};
use crate::store::requests::{self as request_store, RequestRow};
use crate::store::{clinic as clinic_store, consultations};
use chrono::{DateTime, Utc};
use qinqing_domain::deadline::{Limit, LimitUnit};
use qinqing_domain::org::{OrgKind, Role};
use qinqing_domain::{CreditCode, DivisionCode};
use qinqing_kernel::store::deadlines::{self as deadline_store, State};
use qinqing_kernel::store::{Conn, orgs};
use qinqing_kernel::{AppError, AppResult, Principal};
use serde::Serialize;
use std::sync::Arc;
use utoipa::ToSchema;

/// The scene, for the binary's list of scenes.
pub fn scene() -> Arc<dyn qinqing_kernel::web::WebScene> {
    Arc::new(scene::Requests)
}

/// The object type clocks and audit entries of requests carry.
pub const OBJECT: &str = "request";
/// The clock of the first answer (签收 or reply).
pub const RESPONSE_CLOCK: &str = "request.response";
/// The clock of the resolution, in the category's working days.
pub const RESOLUTION_CLOCK: &str = "request.resolution";
const RESPONSE_LIMIT: Limit = Limit {
    unit: LimitUnit::Hours,
    amount: 24,
};

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RequestView {
    pub receipt_no: String,
    pub credit_code: String,
    pub enterprise_name: String,
    pub region_code: String,
    pub category: String,
    pub category_name: String,
    pub title: String,
    pub description: String,
    pub location: Option<String>,
    pub lat: Option<String>,
    pub lon: Option<String>,
    /// JSON of the caller's name, phone and email, for requests that came without an account.
    pub contact: Option<String>,
    pub channel: Channel,
    pub channel_label: &'static str,
    pub source_ref: Option<String>,
    /// The user who registered it (None for Open311 clients).
    pub registered_by: Option<i64>,
    pub owner_org_id: i64,
    pub owner_name: String,
    pub transferred: bool,
    pub transfer_reason: Option<String>,
    /// The receipt number of the request this one duplicates.
    pub duplicate_of: Option<String>,
    pub status: RequestStatus,
    pub status_label: &'static str,
    /// 1, raised by each unsatisfied follow-up.
    pub grade: i64,
    pub reply: Option<String>,
    pub replied_at: Option<DateTime<Utc>>,
    pub extension_days: Option<i64>,
    pub extension_reason: Option<String>,
    pub extension_status: Option<ExtensionStatus>,
    pub follow_up_result: Option<FollowUpResult>,
    pub follow_up_comment: Option<String>,
    pub followed_up_at: Option<DateTime<Utc>>,
    pub submitted_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Due time of the latest response clock (24 h).
    pub response_due_at: Option<DateTime<Utc>>,
    /// Whether that clock still runs (it stops at 签收, reply or when marked a duplicate).
    pub response_running: bool,
    /// Due time of the latest resolution clock.
    pub resolution_due_at: Option<DateTime<Utc>>,
    pub resolution_running: bool,
}

pub(crate) async fn view(conn: &mut Conn, r: RequestRow) -> AppResult<RequestView> {
    let clocks = deadline_store::for_object(conn, OBJECT, &r.receipt_no).await?;
    let latest = |kind: &str| clocks.iter().rev().find(|d| d.kind == kind);
    let latest_due = |kind: &str| latest(kind).map(|d| d.due_at);
    let running = |kind: &str| latest(kind).is_some_and(|d| d.state == State::Running);
    let duplicate_of = match r.duplicate_of {
        Some(id) => request_store::get(conn, id).await?.map(|o| o.receipt_no),
        None => None,
    };
    Ok(RequestView {
        response_due_at: latest_due(RESPONSE_CLOCK),
        response_running: running(RESPONSE_CLOCK),
        resolution_due_at: latest_due(RESOLUTION_CLOCK),
        resolution_running: running(RESOLUTION_CLOCK),
        title: r.title.clone().unwrap_or_default(),
        duplicate_of,
        status_label: r.status.label_zh(),
        channel_label: r.channel.label_zh(),
        transferred: r.transferred_from.is_some(),
        receipt_no: r.receipt_no,
        credit_code: r.credit_code,
        enterprise_name: r.enterprise_name,
        region_code: r.region_code,
        category: r.category_code,
        category_name: r.category_name,
        description: r.description,
        location: r.location,
        lat: r.lat,
        lon: r.lon,
        contact: r.contact,
        channel: r.channel,
        source_ref: r.source_ref,
        registered_by: r.registered_by,
        owner_org_id: r.owner_org_id,
        owner_name: r.owner_name,
        transfer_reason: r.transfer_reason,
        status: r.status,
        grade: r.grade,
        reply: r.reply,
        replied_at: r.replied_at,
        extension_days: r.extension_days,
        extension_reason: r.extension_reason,
        extension_status: r.extension_status,
        follow_up_result: r.follow_up_result,
        follow_up_comment: r.follow_up_comment,
        followed_up_at: r.followed_up_at,
        submitted_at: r.submitted_at,
        updated_at: r.updated_at,
    })
}

/// Roles of a department that handle its cases.
pub fn handles_cases(role: Role) -> bool {
    matches!(
        role,
        Role::Handler | Role::DepartmentLead | Role::Reviewer1 | Role::Reviewer2 | Role::Reviewer3
    )
}

/// Whether `who` works in the department that owns the request now.
pub(crate) fn of_owner(who: &Principal, r: &RequestRow) -> bool {
    handles_cases(who.role) && who.org_id == r.owner_org_id
}

/// The enterprise itself or its steward.
pub(crate) fn acts_for(who: &Principal, r: &RequestRow) -> bool {
    matches!(who.role, Role::EnterpriseUser | Role::Steward)
        && who
            .enterprises()
            .iter()
            .any(|c| c.as_str() == r.credit_code)
}

/// Whether `who` may see the request (see the module comment).
pub(crate) async fn may_see(conn: &mut Conn, who: &Principal, r: &RequestRow) -> AppResult<bool> {
    if acts_for(who, r)
        || who.org_id == r.owner_org_id && who.role.is_staff()
        || r.transferred_from == Some(who.org_id) && who.role.is_staff()
        || r.registered_by == Some(who.user_id)
        || who.role.is_staff() && consultations::is_invited(conn, r.id, who.org_id).await?
        || who.role.is_staff() && clinic_store::decides_for(conn, r.id, who.org_id).await?
    {
        return Ok(true);
    }
    let Ok(region) = DivisionCode::parse(&r.region_code) else {
        return Ok(false);
    };
    if !who.scope.covers_region(&region) {
        return Ok(false);
    }
    if who.role.is_supervisor() || who.role == Role::Admin {
        return Ok(true);
    }
    // Staff of a town, village or the district itself watch their region; a department sees
    // only what reached it.
    let kind = orgs::get(conn, who.org_id).await?.map(|o| o.kind);
    Ok(who.role.is_staff() && kind.is_some_and(|k| k != OrgKind::Department))
}

/// The request by receipt number, if `who` may see it.
pub(crate) async fn visible_row(
    conn: &mut Conn,
    who: &Principal,
    receipt_no: &str,
) -> AppResult<RequestRow> {
    let row = request_store::get_by_receipt(conn, receipt_no.trim()).await?;
    match row {
        Some(r) if may_see(conn, who, &r).await? => Ok(r),
        Some(_) => Err(AppError::forbidden("无权查看这条诉求")),
        None => Err(AppError::NotFound("没有这条诉求".into())),
    }
}

/// The enterprise's credit code, for the audit trail's on-behalf mark.
pub(crate) fn credit_code(r: &RequestRow) -> AppResult<CreditCode> {
    CreditCode::parse(&r.credit_code).map_err(|e| AppError::Internal(e.into()))
}

pub(crate) fn region(r: &RequestRow) -> AppResult<DivisionCode> {
    DivisionCode::parse(&r.region_code).map_err(|e| AppError::Internal(e.into()))
}
