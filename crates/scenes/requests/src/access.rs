//! Who may see a request and who may act on it (see the crate's comment).

use crate::store::requests::{self as request_store, RequestRow};
use crate::store::{clinic as clinic_store, consultations};
use qinqing_domain::DivisionCode;
use qinqing_domain::org::{OrgKind, Role};
use qinqing_kernel::store::{Conn, orgs};
use qinqing_kernel::{AppError, AppResult, Principal};

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
    // A request the caller may not see answers as one that does not exist, so numbers cannot
    // be probed.
    match row {
        Some(r) if may_see(conn, who, &r).await? => Ok(r),
        _ => Err(AppError::NotFound("没有这条诉求".into())),
    }
}
