//! 集中授权审批: a department entrusts one of its matters to the 行政服务中心 for a period. Cases
//! applied for while the entrustment is in force are taken in and decided by the centre, in the
//! department's name ("受××局委托"); when it ends before a case is decided, the case goes back to
//! the department with its clock.

use crate::store::cases as case_store;
use crate::store::entrustments::{self as store, EntrustmentRow, NewEntrustment};
use chrono::NaiveDate;
use qinqing_domain::deadline::local_date;
use qinqing_domain::org::{OrgKind, Role};
use qinqing_kernel::audit::{self, Change};
use qinqing_kernel::store::deadlines as deadline_store;
use qinqing_kernel::store::{StoreError, orgs};
use qinqing_kernel::{App, AppError, AppResult, Principal, RequestMeta};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The audit trail's object type of an entrustment.
pub const OBJECT: &str = "construction_entrustment";

/// A department's entrustment of one matter to the 行政服务中心.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct EntrustmentInput {
    /// The matter's code in the catalogue.
    pub matter: String,
    /// The 行政服务中心 entrusted.
    pub to_org_id: i64,
    /// First and last day (YYYY-MM-DD, Beijing), both included.
    pub starts_on: String,
    pub ends_on: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EntrustmentView {
    pub id: i64,
    pub matter: String,
    pub matter_name: String,
    /// The department that entrusts, and the centre entrusted.
    pub from: String,
    pub to: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub in_force: bool,
}

fn view(e: EntrustmentRow, today: NaiveDate) -> EntrustmentView {
    EntrustmentView {
        id: e.id,
        matter_name: crate::catalogue()
            .get(&e.matter_code)
            .map_or_else(|| e.matter_code.clone(), |m| m.name.clone()),
        matter: e.matter_code,
        from: e.from_name,
        to: e.to_name,
        in_force: e.starts_on <= today && today <= e.ends_on,
        starts_on: e.starts_on,
        ends_on: e.ends_on,
    }
}

/// Entrusts a matter of the caller's department (its lead, or the administrator).
pub async fn entrust(
    app: &App,
    who: &Principal,
    input: &EntrustmentInput,
    meta: &RequestMeta,
) -> AppResult<EntrustmentView> {
    let now = app.now();
    let today = local_date(now);
    let matter = crate::catalogue()
        .get(input.matter.trim())
        .ok_or_else(|| AppError::invalid("matter", "没有这个审批事项"))?;
    let starts_on = date("starts_on", &input.starts_on)?;
    let ends_on = date("ends_on", &input.ends_on)?;
    if ends_on < starts_on || ends_on < today {
        return Err(AppError::invalid(
            "ends_on",
            "委托截止日期应不早于开始日期,且不早于今天",
        ));
    }
    let mut tx = app.db.begin().await?;
    let (department, name) = crate::offices::deciding_org(&mut tx, &matter.department).await?;
    let lead_of_it = who.role == Role::DepartmentLead && who.org_id == department;
    if !(lead_of_it || who.role == Role::Admin) {
        return Err(AppError::forbidden(format!(
            "“{}”由{name}审批,只有{name}负责人可以委托",
            matter.name
        )));
    }
    let centre = orgs::get(&mut tx, input.to_org_id)
        .await?
        .filter(|o| o.active && o.kind == OrgKind::ServiceCentre && o.id != department)
        .ok_or_else(|| AppError::invalid("to_org_id", "受托单位应为本区的行政服务中心"))?;
    let new = NewEntrustment {
        matter_code: &matter.code,
        from_org_id: department,
        to_org_id: centre.id,
        starts_on,
        ends_on,
        created_by: who.user_id,
    };
    let id = store::insert(&mut tx, &new, now).await?;
    let change = Change {
        action: "construction.entrusted",
        object_type: OBJECT,
        object_id: id.to_string(),
        on_behalf_of: None,
        detail: serde_json::json!({
            "matter": matter.code, "from": name, "to": centre.name,
            "starts_on": starts_on, "ends_on": ends_on,
        }),
    };
    audit::record(&mut tx, who, meta, change, now).await?;
    let row = store::get(&mut tx, id)
        .await?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("entrustment {id} vanished")))?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(view(row, today))
}

fn date(field: &str, text: &str) -> AppResult<NaiveDate> {
    qinqing_kernel::input::date_within(field, text, .., || {
        "日期应写成 YYYY-MM-DD,如 2027-01-01".into()
    })
}

/// Every entrustment, for staff.
pub async fn list(app: &App, who: &Principal) -> AppResult<Vec<EntrustmentView>> {
    if !who.role.is_staff() {
        return Err(AppError::forbidden("只有政府工作人员可以查看委托"));
    }
    let today = local_date(app.now());
    let mut conn = app.db.conn().await?;
    let rows = store::list(&mut conn).await?;
    Ok(rows.into_iter().map(|e| view(e, today)).collect())
}

/// Gives back to their departments the open cases whose entrustment has ended, with their
/// clocks; each traced. Safe to run in several processes: a case goes back once.
pub async fn give_back_ended(app: &App) -> AppResult<usize> {
    let now = app.now();
    let mut conn = app.db.conn().await?;
    let ended = case_store::entrusted_past(&mut conn, local_date(now)).await?;
    drop(conn);
    let mut given = 0;
    for case in ended {
        let Some(department) = case.entrusted_by else {
            continue;
        };
        let mut tx = app.db.begin().await?;
        if case_store::give_back(&mut tx, case.id, now).await? {
            let object = crate::case::OBJECT;
            deadline_store::reassign(&mut tx, object, &case.receipt_no, department).await?;
            let change = Change {
                action: "construction.case_given_back",
                object_type: object,
                object_id: case.receipt_no.clone(),
                on_behalf_of: None,
                detail: serde_json::json!({ "from": case.org_name, "to": case.entrusted_by_name }),
            };
            audit::record(
                &mut tx,
                &Principal::system(),
                &RequestMeta::default(),
                change,
                now,
            )
            .await?;
            given += 1;
        }
        tx.commit().await.map_err(StoreError::from)?;
    }
    Ok(given)
}

/// What the entrustment form offers the caller: the matters it may entrust (those of its
/// department for a lead; every matter for the administrator) and the service centres.
pub struct Choices {
    pub matters: Vec<(String, String)>,
    pub centres: Vec<(i64, String)>,
}

pub async fn choices(app: &App, who: &Principal) -> AppResult<Choices> {
    let mut conn = app.db.conn().await?;
    let offices = orgs::list_non_enterprise(&mut conn).await?;
    let own = |department: &str| {
        who.role == Role::Admin
            || (who.role == Role::DepartmentLead
                && offices
                    .iter()
                    .any(|o| o.active && o.id == who.org_id && o.name == department))
    };
    Ok(Choices {
        matters: crate::catalogue()
            .matters
            .iter()
            .filter(|m| own(&m.department))
            .map(|m| (m.code.clone(), m.name.clone()))
            .collect(),
        centres: offices
            .into_iter()
            .filter(|o| o.active && o.kind == OrgKind::ServiceCentre)
            .map(|o| (o.id, o.name))
            .collect(),
    })
}
