//! Who may see an agreement and who may do what with it and its items.

use crate::store;
use crate::store::agreements::{AgreementRow, CommitmentRow};
use qinqing_domain::DivisionCode;
use qinqing_domain::commitment::Side;
use qinqing_domain::org::{Role, Scope};
use qinqing_kernel::principal::acts_for_enterprise;
use qinqing_kernel::store::Conn;
use qinqing_kernel::{AppError, AppResult, Principal};

/// Government staff who record agreements (within their scope).
pub fn may_create(who: &Principal) -> bool {
    matches!(
        who.role,
        Role::Handler | Role::DepartmentLead | Role::SupervisorInvestment | Role::Admin
    )
}

/// Government staff who itemise and manage agreements in their scope.
pub(crate) fn manages(who: &Principal, a: &AgreementRow) -> bool {
    match who.role {
        Role::Admin => true,
        Role::SupervisorInvestment => covers(who, &a.region_code),
        Role::Handler | Role::DepartmentLead => {
            who.org_id == a.created_org_id && covers(who, &a.region_code)
        }
        _ => false,
    }
}

pub(crate) fn covers(who: &Principal, region: &str) -> bool {
    DivisionCode::parse(region).is_ok_and(|r| who.scope.covers_region(&r))
}

pub(crate) fn is_own_enterprise(who: &Principal, a: &AgreementRow) -> bool {
    acts_for_enterprise(who)
        && a.credit_code
            .as_deref()
            .is_some_and(|c| who.enterprises().iter().any(|e| e.as_str() == c))
}

/// Whether a staff member's own organisation answers for an item.
pub(crate) fn answers_for(who: &Principal, item: &CommitmentRow) -> bool {
    matches!(who.role, Role::Handler | Role::DepartmentLead)
        && item.responsible_org_id == Some(who.org_id)
}

/// The enterprise sees its own agreements; departments those they manage or answer an item of;
/// supervisors everything in their scope; 纪检 and the administrator everything.
pub(crate) fn may_see(who: &Principal, a: &AgreementRow, items: &[CommitmentRow]) -> bool {
    match who.role {
        Role::EnterpriseUser | Role::Steward => is_own_enterprise(who, a),
        Role::SupervisorEfficiency | Role::SupervisorInvestment | Role::SupervisorDiscipline => {
            who.scope == Scope::All || covers(who, &a.region_code)
        }
        Role::Admin => true,
        Role::Handler | Role::DepartmentLead => {
            manages(who, a) || items.iter().any(|i| answers_for(who, i))
        }
        _ => false,
    }
}

/// The side that answers for an item may report it: the enterprise for its items (the managing
/// staff while the investor has not registered yet), the responsible unit for government ones.
pub(crate) fn may_report(who: &Principal, a: &AgreementRow, item: &CommitmentRow) -> bool {
    match item.side {
        Side::Enterprise => {
            is_own_enterprise(who, a) || (a.enterprise_id.is_none() && manages(who, a))
        }
        Side::Government => {
            answers_for(who, item) || (item.responsible_org_id.is_none() && manages(who, a))
        }
    }
}

/// The other side confirms or disputes.
pub(crate) fn may_confirm(who: &Principal, a: &AgreementRow, item: &CommitmentRow) -> bool {
    match item.side {
        Side::Enterprise => manages(who, a),
        Side::Government => is_own_enterprise(who, a),
    }
}

pub(crate) fn may_waive(who: &Principal, a: &AgreementRow) -> bool {
    who.role == Role::Admin || (who.role == Role::DepartmentLead && manages(who, a))
}

pub(crate) fn may_record_breach(who: &Principal, a: &AgreementRow) -> bool {
    matches!(
        who.role,
        Role::Admin | Role::SupervisorInvestment | Role::DepartmentLead
    ) && manages(who, a)
}
pub(crate) async fn load(
    conn: &mut Conn,
    id: i64,
) -> AppResult<(AgreementRow, Vec<CommitmentRow>)> {
    let a = store::agreements::get(conn, id)
        .await?
        .ok_or_else(|| AppError::NotFound("没有这份协议".into()))?;
    let rows = store::agreements::commitments(conn, id).await?;
    Ok((a, rows))
}

pub(crate) async fn visible(
    conn: &mut Conn,
    who: &Principal,
    id: i64,
) -> AppResult<(AgreementRow, Vec<CommitmentRow>)> {
    let (a, rows) = load(conn, id).await?;
    // An agreement the caller may not see answers as one that does not exist.
    if !may_see(who, &a, &rows) {
        return Err(AppError::NotFound("没有这份协议".into()));
    }
    Ok((a, rows))
}
