//! 会诊日: the monthly session where hard requests meet every department face to face. It is
//! held on a day of the month the administrator sets (the 15th by default), moved to the next
//! working day when that day is a holiday or weekend. The owning department or 效能办 puts a
//! request on the agenda of the next session; 效能办 and the department leads of the district
//! record who attended, the minutes and the decisions. Each decision names a responsible
//! department and a due date and runs its own clock until that department reports it done.
//!
//! Sessions are internal: government staff other than stewards see them; the enterprise sees
//! its request's reply, not the discussion about it.

use crate::access::{handles_cases, of_owner, visible_row};
use crate::consultation::{due_date, enterprise_side};
use crate::handling::{optional_text, required_text};
use crate::store::clinic::{self as store, AgendaItemRow, ClinicDayRow, DecisionRow, NewDecision};
use crate::store::requests as requests_store;
use chrono::{DateTime, Datelike, Months, NaiveDate, Utc};
use qinqing_domain::DivisionCode;
use qinqing_domain::calendar::WorkingCalendar;
use qinqing_domain::deadline::{Limit, LimitUnit, end_of_day, local_date};
use qinqing_domain::org::{OrgKind, Role, Scope};
use qinqing_kernel::audit::{self, Change};
use qinqing_kernel::deadlines::{self, ClockAction, Side, Start};
use qinqing_kernel::store::{Conn, StoreError, orgs, settings};
use qinqing_kernel::{App, AppError, AppResult, Principal, RequestMeta};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub const OBJECT: &str = "clinic_day";
/// The object type of a decision's clock.
pub const DECISION_OBJECT: &str = "clinic_decision";
pub const DECISION_CLOCK: &str = "clinic.decision";
const DEFAULT_DAY: u32 = 15;
/// The last day every month has.
const MAX_DAY: u32 = 28;
const MAX_MINUTES: usize = 5000;
const MAX_TEXT: usize = 1000;

/// The session of a month: its set day, or the first working day after it.
pub fn session_date(calendar: &WorkingCalendar, year: i32, month: u32, day: u32) -> NaiveDate {
    let mut date =
        NaiveDate::from_ymd_opt(year, month, day.clamp(1, MAX_DAY)).unwrap_or(NaiveDate::MIN);
    while !calendar.is_working_day(date) {
        match date.succ_opt() {
            Some(next) => date = next,
            None => break,
        }
    }
    date
}

/// The next session held today or later.
pub fn next_session(calendar: &WorkingCalendar, today: NaiveDate, day: u32) -> NaiveDate {
    let this = session_date(calendar, today.year(), today.month(), day);
    if this >= today {
        return this;
    }
    let next = today
        .with_day(1)
        .and_then(|d| d.checked_add_months(Months::new(1)))
        .unwrap_or(today);
    session_date(calendar, next.year(), next.month(), day)
}

/// The session of the month before today's (the demo's past session).
pub(crate) fn previous_session(
    calendar: &WorkingCalendar,
    today: NaiveDate,
    day: u32,
) -> NaiveDate {
    let before = today
        .with_day(1)
        .and_then(|d| d.checked_sub_months(Months::new(1)))
        .unwrap_or(today);
    session_date(calendar, before.year(), before.month(), day)
}

/// The setting that holds the day of the month of the 会诊日 (1–28), when the administrator
/// changed it from the 15th.
const DAY_SETTING: &str = "clinic_day";

/// The day of the month in force.
pub async fn day_of_month(conn: &mut Conn) -> AppResult<u32> {
    let stored = settings::get(conn, DAY_SETTING).await?;
    Ok(stored
        .and_then(|s| s.trim().parse().ok())
        .filter(|d| (1..=MAX_DAY).contains(d))
        .unwrap_or(DEFAULT_DAY))
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ClinicDayInput {
    /// The day of the month, 1–28.
    pub day: u32,
}

/// The administrator moves the session to another day of the month.
pub async fn set_day_of_month(
    app: &App,
    who: &Principal,
    input: &ClinicDayInput,
    meta: &RequestMeta,
) -> AppResult<ClinicOverview> {
    if who.role != Role::Admin {
        return Err(AppError::forbidden("只有平台管理员可以设置会诊日"));
    }
    if !(1..=MAX_DAY).contains(&input.day) {
        return Err(AppError::invalid(
            "day",
            format!("会诊日应为每月 1 至 {MAX_DAY} 日"),
        ));
    }
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let before = day_of_month(&mut tx).await?;
    settings::put(&mut tx, DAY_SETTING, &input.day.to_string(), now).await?;
    let change = Change {
        action: "clinic.day_set",
        object_type: "setting",
        object_id: DAY_SETTING.to_string(),
        on_behalf_of: None,
        detail: serde_json::json!({ "before": before, "after": input.day }),
    };
    audit::record(&mut tx, who, meta, change, now).await?;
    tx.commit().await.map_err(StoreError::from)?;
    overview(app, who).await
}

/// Government staff see sessions; the enterprise's side does not.
fn may_see(who: &Principal) -> AppResult<()> {
    if who.role.is_staff() && !enterprise_side(who) {
        Ok(())
    } else {
        Err(AppError::forbidden("会诊日仅供政府部门查看"))
    }
}

/// 效能办 and department leads with a regional scope run the sessions; for a decision on a
/// request, that region must cover the request.
fn may_run(who: &Principal, region: Option<&DivisionCode>) -> AppResult<()> {
    let role = matches!(who.role, Role::SupervisorEfficiency | Role::DepartmentLead);
    let scope = match (&who.scope, region) {
        (Scope::All, _) => true,
        (Scope::Region(_), None) => true,
        (Scope::Region(_), Some(r)) => who.scope.covers_region(r),
        _ => false,
    };
    if role && scope {
        Ok(())
    } else {
        Err(AppError::forbidden("会诊日由效能办或本区部门负责人记录"))
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ClinicDaySummary {
    pub id: i64,
    pub held_on: NaiveDate,
    pub agenda_items: usize,
    pub recorded: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ClinicOverview {
    pub day_of_month: u32,
    /// The date of the next session (today or later), after any holiday shift.
    pub next_on: NaiveDate,
    /// Every session with an agenda, latest first.
    pub sessions: Vec<ClinicDaySummary>,
}

pub async fn overview(app: &App, who: &Principal) -> AppResult<ClinicOverview> {
    may_see(who)?;
    let mut conn = app.db.conn().await?;
    let day = day_of_month(&mut conn).await?;
    let next_on = next_session(&app.calendar(), local_date(app.now()), day);
    let mut sessions = Vec::new();
    for d in store::days(&mut conn).await? {
        sessions.push(ClinicDaySummary {
            agenda_items: store::items_of_day(&mut conn, d.id).await?.len(),
            recorded: d.recorded_at.is_some(),
            id: d.id,
            held_on: d.held_on,
        });
    }
    Ok(ClinicOverview {
        day_of_month: day,
        next_on,
        sessions,
    })
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DecisionView {
    pub id: i64,
    pub content: String,
    pub org_id: i64,
    pub org_name: String,
    pub due_on: NaiveDate,
    pub done_report: Option<String>,
    pub done_at: Option<DateTime<Utc>>,
    pub status: DecisionStatus,
    pub status_label: &'static str,
}

/// Where a 会诊日 decision stands, worked out from its report and due date (nothing stores it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DecisionStatus {
    Open,
    /// Past its due date without a report.
    Overdue,
    Done,
}

impl DecisionStatus {
    fn of(d: &DecisionRow, now: DateTime<Utc>) -> DecisionStatus {
        match d.done_at {
            Some(_) => DecisionStatus::Done,
            None if now > end_of_day(d.due_on) => DecisionStatus::Overdue,
            None => DecisionStatus::Open,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            DecisionStatus::Open => "open",
            DecisionStatus::Overdue => "overdue",
            DecisionStatus::Done => "done",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            DecisionStatus::Open => "办理中",
            DecisionStatus::Overdue => "已逾期",
            DecisionStatus::Done => "已完成",
        }
    }
}

fn decision_view(d: DecisionRow, now: DateTime<Utc>) -> DecisionView {
    let status = DecisionStatus::of(&d, now);
    DecisionView {
        id: d.id,
        content: d.content,
        org_id: d.org_id,
        org_name: d.org_name,
        due_on: d.due_on,
        done_report: d.done_report,
        done_at: d.done_at,
        status,
        status_label: status.label_zh(),
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AgendaItemView {
    pub id: i64,
    pub clinic_day_id: i64,
    pub held_on: NaiveDate,
    pub receipt_no: String,
    /// Whether the reader may open the request (the agenda is shown to all government staff).
    pub request_visible: bool,
    /// Whether the reader may take it off the agenda (until the session is recorded).
    pub may_withdraw: bool,
    pub enterprise_name: String,
    pub description: String,
    pub owner_name: String,
    /// Why the case is hard.
    pub reason: String,
    pub decisions: Vec<DecisionView>,
}

async fn item_view(
    conn: &mut Conn,
    who: &Principal,
    i: AgendaItemRow,
    now: DateTime<Utc>,
) -> AppResult<AgendaItemView> {
    let decisions = store::decisions_of_item(conn, i.id).await?;
    let request = requests_store::get_by_receipt(conn, &i.receipt_no).await?;
    let request_visible = match &request {
        Some(r) => crate::access::may_see(conn, who, r).await?,
        None => false,
    };
    let may_withdraw = decisions.is_empty()
        && request.as_ref().is_some_and(|r| {
            request_visible && (of_owner(who, r) || who.role == Role::SupervisorEfficiency)
        });
    Ok(AgendaItemView {
        request_visible,
        may_withdraw,
        decisions: decisions
            .into_iter()
            .map(|d| decision_view(d, now))
            .collect(),
        id: i.id,
        clinic_day_id: i.clinic_day_id,
        held_on: i.held_on,
        receipt_no: i.receipt_no,
        enterprise_name: i.enterprise_name,
        description: i.description,
        owner_name: i.owner_name,
        reason: i.reason,
    })
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrgRef {
    pub id: i64,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ClinicDayView {
    pub id: i64,
    pub held_on: NaiveDate,
    /// Whether the session's date has come, so that it can be recorded.
    pub held: bool,
    pub recorded_at: Option<DateTime<Utc>>,
    pub departments: Vec<OrgRef>,
    pub attendees: Option<String>,
    pub minutes: Option<String>,
    pub agenda: Vec<AgendaItemView>,
}

async fn day_view(
    conn: &mut Conn,
    who: &Principal,
    d: ClinicDayRow,
    now: DateTime<Utc>,
) -> AppResult<ClinicDayView> {
    let mut agenda = Vec::new();
    for i in store::items_of_day(conn, d.id).await? {
        agenda.push(item_view(conn, who, i, now).await?);
    }
    let departments = store::attendance(conn, d.id)
        .await?
        .into_iter()
        .map(|(id, name)| OrgRef { id, name })
        .collect();
    Ok(ClinicDayView {
        held: d.held_on <= local_date(now),
        recorded_at: d.recorded_at,
        id: d.id,
        held_on: d.held_on,
        departments,
        attendees: d.attendees,
        minutes: d.minutes,
        agenda,
    })
}

async fn stored_day(conn: &mut Conn, id: i64) -> AppResult<ClinicDayRow> {
    store::get_day(conn, id)
        .await?
        .ok_or_else(|| AppError::NotFound("没有这次会诊日".into()))
}

pub async fn get(app: &App, who: &Principal, id: i64) -> AppResult<ClinicDayView> {
    may_see(who)?;
    let mut conn = app.db.conn().await?;
    let d = stored_day(&mut conn, id).await?;
    day_view(&mut conn, who, d, app.now()).await
}

/// The sessions a request was on the agenda of, with their decisions, for staff who may see it.
pub async fn for_request(
    app: &App,
    who: &Principal,
    receipt_no: &str,
) -> AppResult<Vec<AgendaItemView>> {
    may_see(who)?;
    let mut conn = app.db.conn().await?;
    let r = visible_row(&mut conn, who, receipt_no).await?;
    let now = app.now();
    let mut out = Vec::new();
    for i in store::items_of_request(&mut conn, r.id).await? {
        out.push(item_view(&mut conn, who, i, now).await?);
    }
    Ok(out)
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct AgendaInput {
    /// Why the case needs every department at the table.
    pub reason: String,
}

fn conflict(message: impl Into<String>) -> AppError {
    AppError::Conflict {
        field: None,
        message: message.into(),
    }
}

/// The owning department or 效能办 puts a request in hand on the agenda of the next session.
pub async fn put_on_agenda(
    app: &App,
    who: &Principal,
    receipt_no: &str,
    input: &AgendaInput,
    meta: &RequestMeta,
) -> AppResult<AgendaItemView> {
    let mut conn = app.db.conn().await?;
    let day = day_of_month(&mut conn).await?;
    drop(conn);
    let held_on = next_session(&app.calendar(), local_date(app.now()), day);
    add_to_session(app, who, receipt_no, input, held_on, meta).await
}

/// Puts a request on the agenda of the session of `held_on` (the next one, or for the demo a
/// past one).
pub(crate) async fn add_to_session(
    app: &App,
    who: &Principal,
    receipt_no: &str,
    input: &AgendaInput,
    held_on: NaiveDate,
    meta: &RequestMeta,
) -> AppResult<AgendaItemView> {
    let reason = required_text("reason", &input.reason, MAX_TEXT, "请写明提交会诊的原因")?;
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let r = visible_row(&mut tx, who, receipt_no).await?;
    if !(of_owner(who, &r) || who.role == Role::SupervisorEfficiency) {
        return Err(AppError::forbidden("只有受理部门或效能办可以提交会诊日"));
    }
    if !r.status.is_in_hand() {
        return Err(conflict("这条诉求已答复或办结,不需要会诊"));
    }
    let day_id = store::day_on(&mut tx, held_on, now).await?;
    let id = match store::add_item(&mut tx, day_id, r.id, &reason, who.user_id, now).await {
        Err(StoreError::Duplicate) => {
            return Err(conflict(format!("这条诉求已列入 {held_on} 会诊日议程")));
        }
        other => other?,
    };
    let change = Change {
        action: "clinic.agenda_added",
        object_type: crate::model::OBJECT,
        object_id: r.receipt_no.clone(),
        on_behalf_of: None,
        detail: serde_json::json!({ "clinic_day": day_id, "held_on": held_on, "reason": reason }),
    };
    audit::record(&mut tx, who, meta, change, now).await?;
    let item = stored_item(&mut tx, id).await?;
    let shown = item_view(&mut tx, who, item, now).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(shown)
}

/// Whoever may put a request on the agenda may take it off again before the session is recorded
/// (the difficulty was solved meanwhile, or it was put on by mistake); the reason is kept.
pub async fn withdraw_from_agenda(
    app: &App,
    who: &Principal,
    item_id: i64,
    input: &AgendaInput,
    meta: &RequestMeta,
) -> AppResult<()> {
    let reason = required_text("reason", &input.reason, MAX_TEXT, "请写明撤出议程的原因")?;
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let item = stored_item(&mut tx, item_id).await?;
    let r = visible_row(&mut tx, who, &item.receipt_no).await?;
    if !(of_owner(who, &r) || who.role == Role::SupervisorEfficiency) {
        return Err(AppError::forbidden(
            "只有受理部门或效能办可以撤出会诊日议程",
        ));
    }
    let day = stored_day(&mut tx, item.clinic_day_id).await?;
    if day.recorded_at.is_some() || !store::remove_item(&mut tx, item_id).await? {
        return Err(conflict("会诊日已记录或已作出决定,议程不能再撤出"));
    }
    let change = Change {
        action: "clinic.agenda_withdrawn",
        object_type: crate::model::OBJECT,
        object_id: r.receipt_no.clone(),
        on_behalf_of: None,
        detail: serde_json::json!({ "clinic_day": item.clinic_day_id, "held_on": item.held_on, "reason": reason }),
    };
    audit::record(&mut tx, who, meta, change, now).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(())
}

async fn stored_item(conn: &mut Conn, id: i64) -> AppResult<AgendaItemRow> {
    store::item(conn, id)
        .await?
        .ok_or_else(|| AppError::NotFound("没有这项议程".into()))
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct RecordInput {
    /// The departments present.
    pub org_ids: Vec<i64>,
    /// The people present, as written.
    pub attendees: Option<String>,
    pub minutes: String,
}

/// Records attendance and minutes of a session that has been held, replacing an earlier record.
pub async fn record(
    app: &App,
    who: &Principal,
    id: i64,
    input: &RecordInput,
    meta: &RequestMeta,
) -> AppResult<ClinicDayView> {
    may_run(who, None)?;
    let minutes = required_text("minutes", &input.minutes, MAX_MINUTES, "请填写会议纪要")?;
    let attendees = optional_text("attendees", input.attendees.as_deref(), MAX_TEXT)?;
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let d = stored_day(&mut tx, id).await?;
    if d.held_on > local_date(now) {
        return Err(conflict(format!(
            "会诊日定于 {},召开后才能记录纪要",
            d.held_on
        )));
    }
    let mut present = Vec::new();
    for org in &input.org_ids {
        let found = orgs::get(&mut tx, *org).await?;
        match found {
            Some(o) if o.kind != OrgKind::Enterprise && o.kind != OrgKind::Bank => {
                present.push(o.id)
            }
            _ => return Err(AppError::invalid("org_ids", "请选择参会的政府部门")),
        }
    }
    if present.is_empty() {
        return Err(AppError::invalid("org_ids", "请选择参会的部门"));
    }
    present.sort_unstable();
    present.dedup();
    let text = attendees.as_deref().unwrap_or("");
    store::record(&mut tx, id, &present, text, &minutes, who.user_id, now).await?;
    let change = Change {
        action: "clinic.recorded",
        object_type: OBJECT,
        object_id: id.to_string(),
        on_behalf_of: None,
        detail: serde_json::json!({ "orgs": present, "attendees": attendees, "minutes": minutes }),
    };
    audit::record(&mut tx, who, meta, change, now).await?;
    let d = stored_day(&mut tx, id).await?;
    let shown = day_view(&mut tx, who, d, now).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(shown)
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct DecisionInput {
    /// The agenda item decided on.
    pub agenda_item_id: i64,
    pub content: String,
    /// The department responsible.
    pub org_id: i64,
    /// YYYY-MM-DD (Beijing).
    pub due_on: String,
}

/// A decision of a held session on one of its agenda items: a tracked action of one
/// department by a date, with its own clock.
pub async fn decide(
    app: &App,
    who: &Principal,
    id: i64,
    input: &DecisionInput,
    meta: &RequestMeta,
) -> AppResult<ClinicDayView> {
    let content = required_text("content", &input.content, MAX_TEXT, "请填写会议决定的事项")?;
    let now = app.now();
    let due_on = due_date("due_on", &input.due_on, local_date(now))?;
    let mut tx = app.db.begin().await?;
    let d = stored_day(&mut tx, id).await?;
    let item = store::item(&mut tx, input.agenda_item_id)
        .await?
        .filter(|i| i.clinic_day_id == d.id)
        .ok_or_else(|| AppError::invalid("agenda_item_id", "请选择本次会诊日议程中的诉求"))?;
    let r = requests_store::get(&mut tx, item.request_id)
        .await?
        .ok_or_else(|| AppError::NotFound("没有这条诉求".into()))?;
    may_run(who, Some(&crate::model::region(&r)?))?;
    if d.held_on > local_date(now) {
        return Err(conflict(format!(
            "会诊日定于 {},召开后才能记录决定",
            d.held_on
        )));
    }
    let org = orgs::get(&mut tx, input.org_id)
        .await?
        .filter(|o| o.kind == OrgKind::Department)
        .ok_or_else(|| AppError::invalid("org_id", "请选择责任部门"))?;
    let new = NewDecision {
        agenda_item_id: item.id,
        content: &content,
        org_id: org.id,
        due_on,
        decided_by: who.user_id,
    };
    let decision = store::insert_decision(&mut tx, &new, now).await?;
    let label = format!("{} 会诊日决定({}):{}", d.held_on, org.name, short(&content));
    let object_id = decision.to_string();
    let start = Start {
        object_type: DECISION_OBJECT,
        object_id: &object_id,
        kind: DECISION_CLOCK,
        label: &label,
        region: &crate::model::region(&r)?,
        side: Side::Government,
        limit: Limit {
            unit: LimitUnit::CalendarDays,
            amount: u32::try_from((due_on - local_date(now)).num_days()).unwrap_or(0),
        },
        org_id: Some(org.id),
    };
    deadlines::start_until(&mut tx, app, start, end_of_day(due_on), now).await?;
    let change = Change {
        action: "clinic.decided",
        object_type: OBJECT,
        object_id: d.id.to_string(),
        on_behalf_of: None,
        detail: serde_json::json!({
            "decision": decision, "receipt_no": r.receipt_no, "content": content,
            "org_id": org.id, "due_on": due_on,
        }),
    };
    audit::record(&mut tx, who, meta, change, now).await?;
    let shown = day_view(&mut tx, who, d, now).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(shown)
}

/// The first 30 characters, for a clock's label.
fn short(text: &str) -> String {
    let mut out: String = text.chars().take(30).collect();
    if text.chars().count() > 30 {
        out.push('…');
    }
    out
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct DoneInput {
    /// What was done.
    pub report: String,
}

/// The responsible department reports a decision done, once; its clock stops.
pub async fn report_done(
    app: &App,
    who: &Principal,
    decision_id: i64,
    input: &DoneInput,
    meta: &RequestMeta,
) -> AppResult<DecisionView> {
    let report = required_text("report", &input.report, MAX_TEXT, "请写明落实情况")?;
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let d = store::decision(&mut tx, decision_id)
        .await?
        .ok_or_else(|| AppError::NotFound("没有这项会议决定".into()))?;
    if !(handles_cases(who.role) && who.org_id == d.org_id) {
        return Err(AppError::forbidden("只有责任部门可以报告落实情况"));
    }
    if !store::mark_done(&mut tx, d.id, &report, who.user_id, now).await? {
        return Err(conflict("这项决定已报告落实"));
    }
    let object_id = d.id.to_string();
    let object = (DECISION_OBJECT, object_id.as_str());
    deadlines::control_open(&mut tx, app, object, DECISION_CLOCK, ClockAction::Stop, now).await?;
    let item = stored_item(&mut tx, d.agenda_item_id).await?;
    let change = Change {
        action: "clinic.decision_done",
        object_type: OBJECT,
        object_id: item.clinic_day_id.to_string(),
        on_behalf_of: None,
        detail: serde_json::json!({ "decision": d.id, "receipt_no": item.receipt_no, "report": report, "late": now > end_of_day(d.due_on) }),
    };
    audit::record(&mut tx, who, meta, change, now).await?;
    let updated = store::decision(&mut tx, d.id)
        .await?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("decision {} vanished", d.id)))?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(decision_view(updated, now))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn a_session_on_a_holiday_moves_to_the_next_working_day() {
        let calendar = WorkingCalendar::official();
        // 2026-02-15 to 23 is the Spring Festival.
        assert_eq!(session_date(&calendar, 2026, 2, 15), date(2026, 2, 24));
        // 2026-03-15 is a Sunday.
        assert_eq!(session_date(&calendar, 2026, 3, 15), date(2026, 3, 16));
        assert_eq!(session_date(&calendar, 2026, 4, 15), date(2026, 4, 15));
    }

    #[test]
    fn the_next_session_is_this_months_until_it_has_passed() {
        let calendar = WorkingCalendar::official();
        assert_eq!(
            next_session(&calendar, date(2026, 4, 15), 15),
            date(2026, 4, 15)
        );
        assert_eq!(
            next_session(&calendar, date(2026, 4, 16), 15),
            date(2026, 5, 15)
        );
        assert_eq!(
            next_session(&calendar, date(2026, 12, 20), 15),
            date(2027, 1, 15)
        );
        assert_eq!(
            previous_session(&calendar, date(2026, 3, 2), 15),
            date(2026, 2, 24)
        );
    }
}
