//! 会商: the owning department of a request in hand invites other departments to give their
//! opinion by a date. Each invitation runs its own clock on the shared deadline mechanism (so a
//! late opinion is warned like any late case); the invited department answers once, and the
//! clock stops. Opinions are internal: the enterprise and its steward never see them.

use crate::access::{handles_cases, of_owner, visible_row};
use crate::handling::required_text;
use crate::model::region;
use crate::store::consultations::{self as store, ConsultationRow, NewConsultation};
use crate::store::requests::{self as requests_store, RequestRow};
use chrono::{DateTime, NaiveDate, Utc};
use qinqing_domain::deadline::{Limit, LimitUnit, end_of_day, local_date};
use qinqing_domain::org::{OrgKind, Role};
use qinqing_kernel::audit::{self, Change};
use qinqing_kernel::deadlines::{self, ClockAction, Side, Start};
use qinqing_kernel::store::{Conn, StoreError, orgs};
use qinqing_kernel::{App, AppError, AppResult, Principal, RequestMeta};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The object type of an invitation's clock.
pub const OBJECT: &str = "request_consultation";
pub const CLOCK: &str = "request.consultation";
const MAX_TEXT: usize = 1000;
/// The furthest an opinion may be asked for: a 会商 is about a request in hand.
const MAX_DAYS_AHEAD: i64 = 30;

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct InviteInput {
    /// The departments asked for their opinion.
    pub org_ids: Vec<i64>,
    /// What the owner asks them.
    pub question: String,
    /// The date the opinions are due, YYYY-MM-DD (Beijing).
    pub due_on: String,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct OpinionInput {
    pub opinion: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ConsultationView {
    pub id: i64,
    pub receipt_no: String,
    pub org_id: i64,
    pub org_name: String,
    pub question: String,
    pub due_on: NaiveDate,
    pub invited_at: DateTime<Utc>,
    pub opinion: Option<String>,
    pub answered_at: Option<DateTime<Utc>>,
    pub timeliness: Timeliness,
    pub timeliness_label: &'static str,
}

/// Whether an invited department answered by the due date, worked out from its answer and the
/// date (nothing stores it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Timeliness {
    Pending,
    /// Past the due date without an answer.
    Overdue,
    OnTime,
    Late,
}

impl Timeliness {
    fn of(c: &ConsultationRow, now: DateTime<Utc>) -> Timeliness {
        let due = end_of_day(c.due_on);
        match c.answered_at {
            Some(at) if at <= due => Timeliness::OnTime,
            Some(_) => Timeliness::Late,
            None if now > due => Timeliness::Overdue,
            None => Timeliness::Pending,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Timeliness::Pending => "pending",
            Timeliness::Overdue => "overdue",
            Timeliness::OnTime => "on_time",
            Timeliness::Late => "late",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Timeliness::Pending => "待答复",
            Timeliness::Overdue => "已逾期未答复",
            Timeliness::OnTime => "按时答复",
            Timeliness::Late => "逾期答复",
        }
    }
}

fn view(c: ConsultationRow, now: DateTime<Utc>) -> ConsultationView {
    let timeliness = Timeliness::of(&c, now);
    let timeliness_label = timeliness.label_zh();
    ConsultationView {
        id: c.id,
        receipt_no: c.receipt_no,
        org_id: c.org_id,
        org_name: c.org_name,
        question: c.question,
        due_on: c.due_on,
        invited_at: c.invited_at,
        opinion: c.opinion,
        answered_at: c.answered_at,
        timeliness,
        timeliness_label,
    }
}

/// The due date: a real date from today on, within `MAX_DAYS_AHEAD` days.
pub(crate) fn due_date(field: &str, text: &str, today: NaiveDate) -> AppResult<NaiveDate> {
    let date = NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| AppError::invalid(field, "请填写日期,格式如 2026-03-15"))?;
    let days = (date - today).num_days();
    if !(0..=MAX_DAYS_AHEAD).contains(&days) {
        return Err(AppError::invalid(
            field,
            format!("日期应在今天至 {MAX_DAYS_AHEAD} 天以内"),
        ));
    }
    Ok(date)
}

fn conflict(message: &str) -> AppError {
    AppError::Conflict {
        field: None,
        message: message.into(),
    }
}

/// The departments to invite: at least one, each a department other than the owner.
async fn invitees(conn: &mut Conn, r: &RequestRow, ids: &[i64]) -> AppResult<Vec<(i64, String)>> {
    let mut out: Vec<(i64, String)> = Vec::new();
    for id in ids {
        if *id == r.owner_org_id {
            return Err(AppError::invalid("org_ids", "不能邀请本部门会商"));
        }
        let org = orgs::get(conn, *id)
            .await?
            .filter(|o| o.kind == OrgKind::Department)
            .ok_or_else(|| AppError::invalid("org_ids", "请选择要会商的部门"))?;
        if !out.iter().any(|(o, _)| *o == org.id) {
            out.push((org.id, org.name));
        }
    }
    if out.is_empty() {
        return Err(AppError::invalid("org_ids", "请至少选择一个部门"));
    }
    Ok(out)
}

/// The owning department invites other departments to give their opinion by a date.
pub async fn invite(
    app: &App,
    who: &Principal,
    receipt_no: &str,
    input: &InviteInput,
    meta: &RequestMeta,
) -> AppResult<Vec<ConsultationView>> {
    let question = required_text(
        "question",
        &input.question,
        MAX_TEXT,
        "请写明需要会商的问题",
    )?;
    let now = app.now();
    let due_on = due_date("due_on", &input.due_on, local_date(now))?;
    let mut tx = app.db.begin().await?;
    let r = visible_row(&mut tx, who, receipt_no).await?;
    if !of_owner(who, &r) {
        return Err(AppError::forbidden("只有受理这条诉求的部门可以发起会商"));
    }
    if !r.status.is_in_hand() {
        return Err(conflict("这条诉求已答复或办结,不能发起会商"));
    }
    let invited = invitees(&mut tx, &r, &input.org_ids).await?;
    for (org_id, org_name) in &invited {
        let new = NewConsultation {
            request_id: r.id,
            org_id: *org_id,
            question: &question,
            due_on,
            invited_by: who.user_id,
        };
        let id = match store::insert(&mut tx, &new, now).await {
            Err(StoreError::Duplicate) => {
                let message = format!("{org_name}已受邀会商这条诉求");
                return Err(AppError::invalid("org_ids", message));
            }
            other => other?,
        };
        start_clock(&mut tx, app, &r, id, (*org_id, org_name), due_on, now).await?;
    }
    let change = Change {
        action: "request.consultation_invited",
        object_type: crate::model::OBJECT,
        object_id: r.receipt_no.clone(),
        on_behalf_of: None,
        detail: serde_json::json!({
            "orgs": invited.iter().map(|(id, _)| id).collect::<Vec<_>>(),
            "question": question, "due_on": due_on,
        }),
    };
    audit::record(&mut tx, who, meta, change, now).await?;
    let shown = listed(&mut tx, r.id, now).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(shown)
}

async fn start_clock(
    conn: &mut Conn,
    app: &App,
    r: &RequestRow,
    id: i64,
    (org_id, org_name): (i64, &str),
    due_on: NaiveDate,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let label = format!("诉求 {} 的会商意见({org_name})", r.receipt_no);
    let days = (due_on - local_date(now)).num_days();
    let object_id = id.to_string();
    let start = Start {
        object_type: OBJECT,
        object_id: &object_id,
        kind: CLOCK,
        label: &label,
        region: &region(r)?,
        side: Side::Government,
        limit: Limit {
            unit: LimitUnit::CalendarDays,
            amount: u32::try_from(days).unwrap_or(0),
        },
        // The invited department answers for its opinion.
        org_id: Some(org_id),
    };
    deadlines::start_until(conn, app, start, end_of_day(due_on), now).await?;
    Ok(())
}

async fn listed(
    conn: &mut Conn,
    request_id: i64,
    now: DateTime<Utc>,
) -> AppResult<Vec<ConsultationView>> {
    let rows = store::for_request(conn, request_id).await?;
    Ok(rows.into_iter().map(|c| view(c, now)).collect())
}

/// A handler or lead of the invited department records its opinion, once; its clock stops.
/// A closed request takes no more opinions.
pub async fn give_opinion(
    app: &App,
    who: &Principal,
    id: i64,
    input: &OpinionInput,
    meta: &RequestMeta,
) -> AppResult<ConsultationView> {
    let opinion = required_text(
        "opinion",
        &input.opinion,
        MAX_TEXT,
        "请填写本部门的会商意见",
    )?;
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let c = store::get(&mut tx, id)
        .await?
        .ok_or_else(|| AppError::NotFound("没有这项会商".into()))?;
    if !(handles_cases(who.role) && who.org_id == c.org_id) {
        return Err(AppError::forbidden(
            "只有受邀部门的经办人或负责人可以提出会商意见",
        ));
    }
    let r = requests_store::get(&mut tx, c.request_id)
        .await?
        .ok_or_else(|| AppError::NotFound("没有这条诉求".into()))?;
    if r.status.is_finished() {
        return Err(conflict("这条诉求已办结,不再接收会商意见"));
    }
    if !store::answer(&mut tx, id, &opinion, who.user_id, now).await? {
        return Err(conflict("本部门已提出会商意见,不能重复提出"));
    }
    let object_id = id.to_string();
    deadlines::control_open(
        &mut tx,
        app,
        (OBJECT, &object_id),
        CLOCK,
        ClockAction::Stop,
        now,
    )
    .await?;
    let late = now > end_of_day(c.due_on);
    let change = Change {
        action: "request.consultation_answered",
        object_type: crate::model::OBJECT,
        object_id: r.receipt_no.clone(),
        on_behalf_of: None,
        detail: serde_json::json!({ "consultation": id, "org_id": c.org_id, "opinion": opinion, "late": late }),
    };
    audit::record(&mut tx, who, meta, change, now).await?;
    let row = store::get(&mut tx, id)
        .await?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("consultation {id} vanished")))?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(view(row, now))
}

/// Whether the caller is on the enterprise's side, to whom internal opinions are not shown.
pub fn enterprise_side(who: &Principal) -> bool {
    matches!(who.role, Role::EnterpriseUser | Role::Steward)
}

/// The invitations and opinions of a request, for the government staff who may see it.
pub async fn for_request(
    app: &App,
    who: &Principal,
    receipt_no: &str,
) -> AppResult<Vec<ConsultationView>> {
    if enterprise_side(who) {
        return Err(AppError::forbidden("会商意见是部门内部意见,企业端不可查看"));
    }
    let mut conn = app.db.conn().await?;
    let r = visible_row(&mut conn, who, receipt_no).await?;
    listed(&mut conn, r.id, app.now()).await
}
