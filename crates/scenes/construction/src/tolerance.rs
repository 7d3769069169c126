//! 容缺受理: the department takes a case in with a non-essential material missing, on the
//! enterprise's promise to supply it by a date; that promise runs on a clock of its own (the
//! enterprise's side, the department reminded to chase it) while the department's own limit waits,
//! the material comes in as a file on the case, and the case is approved only once it has.

use crate::access::acts_for;
use crate::case::{CaseView, OBJECT, begin_on_case, moved_on, view_in};
use crate::status::CaseStatus;
use crate::store::cases::{self as store, CaseRow};
use chrono::{DateTime, NaiveDate, Utc};
use qinqing_domain::DivisionCode;
use qinqing_domain::deadline::{Limit, LimitUnit, end_of_day};
use qinqing_kernel::attachments::{self, NewMaterial};
use qinqing_kernel::deadlines::{self, ClockAction, Side, Start};
use qinqing_kernel::input::date_within;
use qinqing_kernel::store::attachments::Owner;
use qinqing_kernel::store::{Conn, StoreError};
use qinqing_kernel::{App, AppError, AppResult, Principal, RequestMeta};
use serde::Deserialize;
use utoipa::ToSchema;

/// The clock of a promise to supply a tolerated material.
pub const CLOCK: &str = "construction.tolerance";
/// The longest a material may be promised for, in days.
const LONGEST_DAYS: i64 = 30;

/// 容缺受理: which material is missing and the day the enterprise promises it by.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct ToleranceInput {
    /// One of the matter's materials, as the catalogue names it; not the application itself.
    pub material: String,
    /// Beijing date (YYYY-MM-DD), after today and within 30 days.
    pub supply_by: String,
}

/// The materials of a matter that may be missing at 受理: all but the application itself.
pub fn tolerable(matter_code: &str) -> Vec<String> {
    crate::catalogue()
        .get(matter_code)
        .map(|m| {
            m.materials
                .iter()
                .filter(|name| !is_application(name))
                .cloned()
                .collect()
        })
        .unwrap_or_default()
}

fn is_application(material: &str) -> bool {
    material.contains("申请表") || material.contains("申请书")
}

/// The terms typed, checked against the case's matter and today.
pub(crate) fn terms(
    case: &CaseRow,
    input: &ToleranceInput,
    today: NaiveDate,
) -> AppResult<(String, NaiveDate)> {
    let material = input.material.trim();
    if !tolerable(&case.matter_code).iter().any(|m| m == material) {
        return Err(AppError::invalid(
            "material",
            "请选择本事项申请材料中缺少的一项(申请表、申请书不能容缺)",
        ));
    }
    let latest = today + chrono::Duration::days(LONGEST_DAYS);
    let tomorrow = today + chrono::Duration::days(1);
    let supply_by = date_within("supply_by", &input.supply_by, tomorrow..=latest, || {
        let example = today + chrono::Duration::days(7);
        format!("请填写企业承诺补齐的日期(明天起 {LONGEST_DAYS} 天内,如 {example})")
    })?;
    Ok((material.to_string(), supply_by))
}

/// Starts the promise's clock, to the end of its day; the enterprise answers for it.
pub(crate) async fn start_clock(
    conn: &mut Conn,
    app: &App,
    (case, region): (&CaseRow, &DivisionCode),
    (material, supply_by): (&str, NaiveDate),
    now: DateTime<Utc>,
) -> AppResult<()> {
    let label = format!("补齐容缺材料:{material}({})", case.project_name);
    let days = (supply_by - qinqing_domain::deadline::local_date(now)).num_days();
    let start = Start {
        object_type: OBJECT,
        object_id: &case.receipt_no,
        kind: CLOCK,
        label: &label,
        region,
        side: Side::Enterprise,
        limit: Limit {
            unit: LimitUnit::CalendarDays,
            amount: u32::try_from(days).unwrap_or(1),
        },
        // The department chases the enterprise: its staff are reminded, not every office's.
        org_id: Some(case.org_id),
    };
    deadlines::start_until(conn, app, start, end_of_day(supply_by), now).await?;
    Ok(())
}

/// The enterprise (or its steward) supplies the tolerated material as a file; its clock stops.
pub async fn supply(
    app: &App,
    who: &Principal,
    receipt_no: &str,
    file: NewMaterial<'_>,
    meta: &RequestMeta,
) -> AppResult<CaseView> {
    let now = app.now();
    let anyone = |_: &Principal, _: &CaseRow| true;
    let (mut tx, project, case) =
        begin_on_case(app, who, receipt_no, anyone, |_| String::new()).await?;
    if !acts_for(who, &project) {
        return Err(AppError::forbidden("只有建设单位或其亲清管家可以补齐材料"));
    }
    let tolerance = case.tolerated.as_ref().ok_or_else(|| AppError::Conflict {
        field: None,
        message: "本件没有容缺受理的材料".into(),
    })?;
    if case.status != CaseStatus::Accepted {
        return Err(moved_on(&case));
    }
    let owner = Owner {
        kind: OBJECT,
        id: &case.receipt_no,
    };
    // A file's label is at most 50 characters; a district's material may be named longer.
    let label: String = tolerance.material.chars().take(50).collect();
    let (name, bytes) = (file.file_name, file.bytes);
    attachments::attach(&mut tx, owner, &label, name, bytes, who.user_id, now).await?;
    if !store::supplied(&mut tx, case.id, now).await? {
        return Err(AppError::Conflict {
            field: None,
            message: format!("“{}”已经补齐", tolerance.material),
        });
    }
    let object = (OBJECT, case.receipt_no.as_str());
    deadlines::control_open(&mut tx, app, object, CLOCK, ClockAction::Stop, now).await?;
    let resumed = ClockAction::Resume;
    deadlines::control_open(&mut tx, app, object, crate::case::CLOCK, resumed, now).await?;
    let detail = serde_json::json!({ "material": tolerance.material });
    let change = ("construction.material_supplied", detail);
    let object = (&project, OBJECT, case.receipt_no.as_str());
    crate::trail::for_enterprise(&mut tx, (who, meta), object, change, now).await?;
    let shown = view_in(&mut tx, who, receipt_no).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(shown)
}

/// A file supplied on a case, to whoever may see the case.
pub async fn file(
    app: &App,
    who: &Principal,
    receipt_no: &str,
    id: i64,
) -> AppResult<attachments::FileContent> {
    let mut conn = app.db.conn().await?;
    let (_, case) = crate::access::visible_case(&mut conn, who, receipt_no).await?;
    let owner = Owner {
        kind: OBJECT,
        id: &case.receipt_no,
    };
    attachments::content(&mut conn, owner, id).await
}

/// A tolerated material not yet supplied stops an approval.
pub(crate) fn supplied_before_approval(case: &CaseRow) -> AppResult<()> {
    match &case.tolerated {
        Some(t) if t.supplied_at.is_none() => Err(AppError::Conflict {
            field: None,
            message: format!("容缺受理的“{}”尚未补齐,暂不能准予许可", t.material),
        }),
        _ => Ok(()),
    }
}
