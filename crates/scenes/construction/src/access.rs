//! Who may see a project or a case, and who may act on it.
//!
//! The enterprise (its own users and its steward) sees its projects and acts on them. A
//! department sees the projects it decides a case of and acts on those cases. Supervisors, the
//! administrator and the staff of towns and of the district watch the projects of their region.

use crate::store::cases::{self as case_store, CaseRow};
use crate::store::projects::{self as project_store, ProjectRow};
use qinqing_domain::DivisionCode;
use qinqing_domain::org::{OrgKind, Role};
use qinqing_kernel::principal::acts_for_enterprise;
use qinqing_kernel::store::{Conn, orgs};
use qinqing_kernel::{AppError, AppResult, Principal};

/// The enterprise itself or its steward.
pub(crate) fn acts_for(who: &Principal, project: &ProjectRow) -> bool {
    acts_for_enterprise(who)
        && who
            .enterprises()
            .iter()
            .any(|c| c.as_str() == project.credit_code)
}

/// Roles of a department that handle its cases: the window takes them in, the lead decides.
pub(crate) fn of_department(who: &Principal, case: &CaseRow) -> bool {
    who.org_id == case.org_id && matches!(who.role, Role::Handler | Role::DepartmentLead)
}

/// Staff who watch the projects of a region: supervisors, the administrator, and the staff of
/// the district and its towns (a department sees only what reaches it).
async fn watches_region(conn: &mut Conn, who: &Principal, region: &str) -> AppResult<bool> {
    let Ok(region) = DivisionCode::parse(region) else {
        return Ok(false);
    };
    Ok(who.scope.covers_region(&region) && watches(conn, who).await?)
}

/// Whether `who` watches every project of the region its scope covers (supervisors, the
/// administrator, district and town staff), rather than only what reaches its department.
pub(crate) async fn watches(conn: &mut Conn, who: &Principal) -> AppResult<bool> {
    if !who.role.is_staff() {
        return Ok(false);
    }
    if who.role.is_supervisor() || who.role == Role::Admin {
        return Ok(true);
    }
    let kind = orgs::get(conn, who.org_id).await?.map(|o| o.kind);
    Ok(kind.is_some_and(|k| matches!(k, OrgKind::District | OrgKind::Town)))
}

pub(crate) async fn may_see(conn: &mut Conn, who: &Principal, p: &ProjectRow) -> AppResult<bool> {
    if acts_for(who, p) || watches_region(conn, who, &p.region_code).await? {
        return Ok(true);
    }
    if !who.role.is_staff() {
        return Ok(false);
    }
    let cases = case_store::of_project(conn, p.id).await?;
    Ok(cases.iter().any(|c| c.org_id == who.org_id))
}

/// The project by its number, if `who` may see it; one they may not see answers as one that
/// does not exist, so numbers cannot be probed.
pub(crate) async fn visible_project(
    conn: &mut Conn,
    who: &Principal,
    code: &str,
) -> AppResult<ProjectRow> {
    match project_store::by_code(conn, code.trim()).await? {
        Some(p) if may_see(conn, who, &p).await? => Ok(p),
        _ => Err(AppError::NotFound("没有这个项目".into())),
    }
}

/// The case by its receipt number, if `who` may see its project or decides it.
pub(crate) async fn visible_case(
    conn: &mut Conn,
    who: &Principal,
    receipt_no: &str,
) -> AppResult<(ProjectRow, CaseRow)> {
    let not_found = || AppError::NotFound("没有这件办件".into());
    let case = case_store::by_receipt(conn, receipt_no.trim())
        .await?
        .ok_or_else(not_found)?;
    let project = project_store::by_code(conn, &case.project_code)
        .await?
        .ok_or_else(not_found)?;
    if who.org_id == case.org_id && who.role.is_staff() || may_see(conn, who, &project).await? {
        Ok((project, case))
    } else {
        Err(not_found())
    }
}
