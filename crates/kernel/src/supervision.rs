//! 督办 and 监督的再监督 (issue 18): a supervisor orders the department answering for a late or
//! warned clock to act within some working days; the order carries its own clock, so it is
//! warned of and counted in the cockpit like any other. The department answers with a result,
//! which the supervisor accepts (办结) or sends back (退回). The re-supervision page lists, over
//! every scene, the warnings nobody acted on, the escalations to 纪检 and what 纪检 did, and the
//! orders still without an accepted result.

use crate::audit::{self, Change};
use crate::cockpit::{self, UnreachedWarning};
use crate::deadlines::{self, ClockAction, Side, Start};
use crate::notifications::{self, NewMessage, Template};
use crate::store::deadlines::{self as clocks, Deadline, State};
use crate::store::supervision::{self as store, NewOrder, Order, OrderStatus};
use crate::store::{Conn, StoreError, users};
use crate::{App, AppError, AppResult, Principal, RequestMeta};
use chrono::{DateTime, Utc};
use qinqing_domain::DivisionCode;
use qinqing_domain::deadline::{Limit, LimitUnit};
use qinqing_domain::org::Role;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The kind of an order's own clock.
pub const ORDER_KIND: &str = "supervision_order";
pub use crate::store::supervision::ORDER_OBJECT;
/// Working days an order gives when the supervisor names none.
pub const DEFAULT_DAYS: u32 = 3;
const MAX_DAYS: u32 = 30;
const MAX_TEXT: usize = 500;
/// How many rows each list of the re-supervision page shows.
const OVERSIGHT_LIMIT: i64 = 50;

/// A 督办 order to issue on a clock.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct IssueRequest {
    /// The clock (from a warning or the cockpit's list) whose item is supervised.
    pub deadline_id: i64,
    /// 督办要求 (at most 500 characters).
    pub note: String,
    /// Working days the department has, 1–30 (3 unless given).
    pub days: Option<u32>,
}

/// Whether a role issues and reviews 督办 orders: 效能办 and 纪检.
pub fn may_supervise(role: Role) -> bool {
    matches!(
        role,
        Role::SupervisorEfficiency | Role::SupervisorDiscipline
    )
}

/// Whether a role reads 监督的再监督: the supervising offices and the administrator.
pub fn may_oversee(role: Role) -> bool {
    role.is_supervisor() || role == Role::Admin
}

fn text(field: &str, value: &str, message: &str) -> AppResult<String> {
    let value = value.trim();
    if value.is_empty() || value.chars().count() > MAX_TEXT {
        return Err(AppError::invalid(field, message));
    }
    Ok(value.to_string())
}

fn days(days: Option<u32>) -> AppResult<u32> {
    let days = days.unwrap_or(DEFAULT_DAYS);
    if !(1..=MAX_DAYS).contains(&days) {
        return Err(AppError::invalid(
            "days",
            format!("督办时限应为 1 至 {MAX_DAYS} 个工作日"),
        ));
    }
    Ok(days)
}

fn refuse_unless_supervisor(who: &Principal) -> AppResult<()> {
    if may_supervise(who.role) {
        Ok(())
    } else {
        Err(AppError::forbidden("只有效能办和纪检监察可以督办"))
    }
}

fn refuse_out_of_scope(who: &Principal, region: &str) -> AppResult<()> {
    if deadlines::covers(who, region) {
        Ok(())
    } else {
        Err(AppError::forbidden("该事项不在您的管辖范围内"))
    }
}

/// Issues a 督办 order on an overdue or warned clock; returns the order's id.
pub async fn issue(
    app: &App,
    who: &Principal,
    req: &IssueRequest,
    meta: &RequestMeta,
) -> AppResult<i64> {
    refuse_unless_supervisor(who)?;
    let note = text("note", &req.note, "请填写督办要求(500 字以内)")?;
    let days = days(req.days)?;
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let d = clocks::get(&mut tx, req.deadline_id)
        .await?
        .ok_or_else(|| AppError::NotFound("没有这个时限".into()))?;
    refuse_out_of_scope(who, &d.region_code)?;
    let late = d.state == State::Running && d.due_at < now;
    let warned = clocks::warnings(&mut tx, d.id)
        .await?
        .iter()
        .any(|w| w.fired_at.is_some());
    if d.state == State::Stopped || !(late || warned) {
        return Err(conflict("该事项已办结或尚未逾期、未发出预警,无需督办"));
    }
    if store::open_on(&mut tx, d.id).await? {
        return Err(conflict("该事项已在督办中"));
    }
    let new = NewOrder {
        deadline_id: d.id,
        org_id: d.org_id,
        region_code: &d.region_code,
        issued_by: who.user_id,
        note: &note,
        days: i64::from(days),
    };
    let id = store::insert(&mut tx, &new, now).await?;
    let due = start_clock(&mut tx, app, id, &d, days, now).await?;
    let params = serde_json::json!({ "object": d.label, "note": note, "from": who.org_name,
        "due": notifications::beijing_minutes(due) });
    tell_department(&mut tx, &d, id, params, now).await?;
    let change = Change {
        action: "supervision.order_issued",
        object_type: ORDER_OBJECT,
        object_id: id.to_string(),
        on_behalf_of: None,
        detail: serde_json::json!({ "deadline": d.id, "object_type": d.object_type,
            "object_id": d.object_id, "note": note, "days": days, "due_at": due }),
    };
    audit::record(&mut tx, who, meta, change, now).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(id)
}

fn conflict(message: &str) -> AppError {
    AppError::Conflict {
        field: None,
        message: message.into(),
    }
}

/// Starts the order's own clock of `days` working days; returns its due time.
async fn start_clock(
    conn: &mut Conn,
    app: &App,
    id: i64,
    supervised: &Deadline,
    days: u32,
    now: DateTime<Utc>,
) -> AppResult<DateTime<Utc>> {
    let region = DivisionCode::parse(&supervised.region_code)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("deadline region: {e}")))?;
    let limit = Limit {
        unit: LimitUnit::WorkingDays,
        amount: days,
    };
    let object_id = id.to_string();
    let label = format!("督办:{}", supervised.label);
    let start = Start {
        object_type: ORDER_OBJECT,
        object_id: &object_id,
        kind: ORDER_KIND,
        label: &label,
        region: &region,
        side: Side::Government,
        limit,
        org_id: supervised.org_id,
    };
    let due = limit.due_at(now, &app.calendar());
    deadlines::start_until(conn, app, start, due, now).await?;
    Ok(due)
}

/// Tells the department answering for the clock (its handlers and lead; the region's leads when
/// no department does) of an order issued or sent back.
async fn tell_department(
    conn: &mut Conn,
    d: &Deadline,
    order_id: i64,
    params: serde_json::Value,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let roles: &[Role] = match d.org_id {
        Some(_) => &[Role::Handler, Role::DepartmentLead],
        None => &[Role::DepartmentLead],
    };
    for user in deadlines::users_told(conn, roles, d).await? {
        let message = NewMessage {
            recipient_user_id: user,
            template: Template::SUPERVISION_ORDER,
            params: params.clone(),
            idempotency_key: format!(
                "supervision-{order_id}-{}-user-{user}",
                now.timestamp_micros()
            ),
            link: Some(order_page(order_id)),
        };
        notifications::enqueue(conn, message, now).await?;
    }
    Ok(())
}

/// Where an order is read and worked.
pub fn order_page(id: i64) -> String {
    format!("/supervision/orders/{id}")
}

async fn order_and_clock(conn: &mut Conn, id: i64) -> AppResult<(Order, Deadline)> {
    let order = store::get(conn, id)
        .await?
        .ok_or_else(|| AppError::NotFound("没有这个督办事项".into()))?;
    let d = clocks::get(conn, order.deadline_id)
        .await?
        .ok_or_else(|| AppError::NotFound("没有这个督办事项".into()))?;
    Ok((order, d))
}

/// Whether `who` answers the order for the department: its handlers and lead; the region's
/// leads when no department answers for the clock.
fn answers_for(who: &Principal, order: &Order) -> bool {
    match order.org_id {
        Some(org) => matches!(who.role, Role::Handler | Role::DepartmentLead) && who.org_id == org,
        None => who.role == Role::DepartmentLead && deadlines::covers(who, &order.region_code),
    }
}

/// Whether `who` sees the order: the department answering it and the supervisors over its
/// region.
fn sees(who: &Principal, order: &Order) -> bool {
    answers_for(who, order) || (may_oversee(who.role) && deadlines::covers(who, &order.region_code))
}

/// Whether `who` may read the trail of order `id` (as written in the trail): whoever sees the
/// order; no one for an order that does not exist.
pub(crate) async fn sees_order(conn: &mut Conn, who: &Principal, id: &str) -> AppResult<bool> {
    let Ok(id) = id.parse::<i64>() else {
        return Ok(false);
    };
    Ok(store::get(conn, id)
        .await?
        .is_some_and(|order| sees(who, &order)))
}

/// The department answers with its result (办理结果), which stops the order's clock.
pub async fn answer(
    app: &App,
    who: &Principal,
    id: i64,
    result: &str,
    meta: &RequestMeta,
) -> AppResult<()> {
    let result = text("result", result, "请填写办理结果(500 字以内)")?;
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let (order, d) = order_and_clock(&mut tx, id).await?;
    if !answers_for(who, &order) {
        return Err(AppError::forbidden(
            "只有承办部门的经办人或负责人可以报送督办结果",
        ));
    }
    if !store::answer(&mut tx, id, who.user_id, &result, now).await? {
        return Err(conflict("该督办已报送结果或已办结"));
    }
    let object = (ORDER_OBJECT, id.to_string());
    deadlines::control_open(
        &mut tx,
        app,
        (object.0, &object.1),
        ORDER_KIND,
        ClockAction::Stop,
        now,
    )
    .await?;
    let message = NewMessage {
        recipient_user_id: order.issued_by,
        template: Template::SUPERVISION_ANSWERED,
        params: serde_json::json!({ "object": d.label, "by": who.org_name }),
        idempotency_key: format!("supervision-{id}-answered-{}", now.timestamp()),
        link: Some(order_page(id)),
    };
    notifications::enqueue(&mut tx, message, now).await?;
    record(
        &mut tx,
        who,
        meta,
        "supervision.order_answered",
        id,
        serde_json::json!({ "result": result }),
        now,
    )
    .await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(())
}

async fn record(
    conn: &mut Conn,
    who: &Principal,
    meta: &RequestMeta,
    action: &'static str,
    id: i64,
    detail: serde_json::Value,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let change = Change {
        action,
        object_type: ORDER_OBJECT,
        object_id: id.to_string(),
        on_behalf_of: None,
        detail,
    };
    audit::record(conn, who, meta, change, now).await?;
    Ok(())
}

/// A supervisor's verdict on a result.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(tag = "decision", rename_all = "snake_case")]
pub enum Review {
    /// 办结: the result is accepted.
    Accept,
    /// 退回: the department must act again, within `days` working days (the order's unless given).
    SendBack { reason: String, days: Option<u32> },
}

/// The supervisor accepts the department's result (办结) or sends it back (退回), which starts a
/// fresh clock on the order.
pub async fn review(
    app: &App,
    who: &Principal,
    id: i64,
    review: &Review,
    meta: &RequestMeta,
) -> AppResult<()> {
    refuse_unless_supervisor(who)?;
    let back = match review {
        Review::Accept => None,
        Review::SendBack { reason, days: d } => Some((
            text("reason", reason, "请填写退回理由(500 字以内)")?,
            d.map(|d| days(Some(d))).transpose()?,
        )),
    };
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let (order, d) = order_and_clock(&mut tx, id).await?;
    refuse_out_of_scope(who, &order.region_code)?;
    let not_answered = || conflict("该督办尚未报送结果或已办结");
    match back {
        None => {
            if !store::close(&mut tx, id, who.user_id, now).await? {
                return Err(not_answered());
            }
            record(
                &mut tx,
                who,
                meta,
                "supervision.order_closed",
                id,
                serde_json::json!({}),
                now,
            )
            .await?;
        }
        Some((reason, days)) => {
            let days = days.unwrap_or(u32::try_from(order.days).unwrap_or(DEFAULT_DAYS));
            if !store::send_back(&mut tx, id, &reason, i64::from(days)).await? {
                return Err(not_answered());
            }
            let due = start_clock(&mut tx, app, id, &d, days, now).await?;
            let params = serde_json::json!({ "object": d.label, "note": order.note,
                "from": who.org_name, "reason": reason, "due": notifications::beijing_minutes(due) });
            tell_department(&mut tx, &d, id, params, now).await?;
            let detail = serde_json::json!({ "reason": reason, "days": days, "due_at": due });
            record(
                &mut tx,
                who,
                meta,
                "supervision.order_returned",
                id,
                detail,
                now,
            )
            .await?;
        }
    }
    tx.commit().await.map_err(StoreError::from)?;
    Ok(())
}

/// An order as its page and the API show it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrderView {
    pub id: i64,
    pub status: OrderStatus,
    pub status_label: &'static str,
    /// What the supervised item is.
    pub label: String,
    /// The item's own page, else its trail.
    pub item_link: String,
    /// The order's own trail.
    pub trail: String,
    pub department: String,
    pub issued_by: String,
    pub issued_at: DateTime<Utc>,
    pub note: String,
    pub days: i64,
    /// The due time of the order's running clock.
    pub due_at: Option<DateTime<Utc>>,
    pub result: Option<String>,
    pub answered_by: Option<String>,
    pub answered_at: Option<DateTime<Utc>>,
    pub returned_reason: Option<String>,
    pub closed_at: Option<DateTime<Utc>>,
    /// The caller may give the result now.
    pub may_answer: bool,
    /// The caller may accept or send back the result now.
    pub may_review: bool,
}

/// One order, for the department answering it and the supervisors over its region.
pub async fn order(app: &App, who: &Principal, id: i64) -> AppResult<OrderView> {
    let mut conn = app.db.conn().await?;
    let (order, d) = order_and_clock(&mut conn, id).await?;
    if !sees(who, &order) {
        return Err(AppError::forbidden("您无权查看这项督办"));
    }
    let item_link = app
        .object_page(&mut conn, &d.object_type, &d.object_id)
        .await?
        .unwrap_or_else(|| format!("/trace/{}/{}", d.object_type, d.object_id));
    let departments = deadlines::department_names(app).await?;
    let name = async |conn: &mut Conn, id: Option<i64>| -> AppResult<Option<String>> {
        Ok(match id {
            Some(id) => users::get(conn, id).await?.map(|u| u.display_name),
            None => None,
        })
    };
    Ok(OrderView {
        id,
        status: order.status,
        status_label: order.status.label_zh(),
        label: d.label.clone(),
        item_link,
        trail: format!("/trace/{ORDER_OBJECT}/{id}"),
        department: department_of(&departments, order.org_id),
        issued_by: name(&mut conn, Some(order.issued_by))
            .await?
            .unwrap_or_default(),
        issued_at: order.issued_at,
        due_at: store::order_clock_due(&mut conn, id).await?,
        answered_by: name(&mut conn, order.answered_by).await?,
        may_answer: answers_for(who, &order) && order.status == OrderStatus::Open,
        may_review: may_supervise(who.role)
            && deadlines::covers(who, &order.region_code)
            && order.status == OrderStatus::Answered,
        note: order.note,
        days: order.days,
        result: order.result,
        answered_at: order.answered_at,
        returned_reason: order.returned_reason,
        closed_at: order.closed_at,
    })
}

fn department_of(names: &std::collections::HashMap<i64, String>, org: Option<i64>) -> String {
    org.and_then(|id| names.get(&id).cloned())
        .unwrap_or_else(|| "未指定部门(由属地负责人办理)".into())
}

/// One row of the re-supervision page.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OversightRow {
    pub label: String,
    pub department: String,
    /// 提醒, 催告 … for a warning; the order's status for an order.
    pub what: String,
    /// What became of it: 纪检已督办, 无人处理, 已逾期 …
    pub outcome: String,
    /// Since when it waits.
    pub since: DateTime<Utc>,
    /// Whole days it has waited.
    pub waited_days: i64,
    /// The item (or the order's page).
    pub link: String,
    /// The clock a 督办 order would name, when one may still be issued.
    pub deadline_id: Option<i64>,
    /// Needs attention most (nobody acted, or past its time).
    pub late: bool,
}

/// 监督的再监督 over every scene.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Oversight {
    /// Warnings on open clocks of items nobody acted on (no grade handled, no 督办), each item
    /// once at its highest grade.
    pub unacted: Vec<OversightRow>,
    /// Warnings whose own recipients had no account and went up the ladder.
    pub unreached: Vec<UnreachedWarning>,
    /// Escalations to 纪检 and what 纪检 did.
    pub escalations: Vec<OversightRow>,
    /// 督办 orders without an accepted result, the oldest first.
    pub orders: Vec<OversightRow>,
    pub as_of: DateTime<Utc>,
}

/// The re-supervision page, for the supervising offices and the administrator over their scope.
pub async fn oversight(app: &App, who: &Principal) -> AppResult<Oversight> {
    if !may_oversee(who.role) {
        return Err(AppError::forbidden("只有监督部门可以查看监督的再监督"));
    }
    let viewer = cockpit::viewer(who)?;
    let now = app.now();
    let window = cockpit::window(&viewer, now);
    let departments = deadlines::department_names(app).await?;
    let mut conn = app.db.conn().await?;
    let waited = |since: DateTime<Utc>| (now - since).num_days().max(0);
    let unacted =
        deadlines::highest_per_item(store::unacted(&mut conn, &window, OVERSIGHT_LIMIT).await?)
            .into_iter()
            .map(|(w, d, _)| {
                let since = w.fired_at.unwrap_or(w.fire_at);
                OversightRow {
                    what: w.grade.label_zh().into(),
                    outcome: "无人处理".into(),
                    since,
                    waited_days: waited(since),
                    link: format!("/trace/{}/{}", d.object_type, d.object_id),
                    department: department_of(&departments, d.org_id),
                    deadline_id: Some(d.id),
                    late: true,
                    label: d.label,
                }
            })
            .collect();
    let escalations = store::escalations(&mut conn, &window, OVERSIGHT_LIMIT)
        .await?
        .into_iter()
        .map(|e| {
            let since = e.warning.fired_at.unwrap_or(e.warning.fire_at);
            let acted = e.acted_role.as_deref().and_then(Role::parse);
            let outcome = match (e.discipline_orders, acted) {
                (n, _) if n > 0 => "纪检已督办".to_string(),
                (_, Some(Role::SupervisorDiscipline)) => "纪检已处理".to_string(),
                (_, Some(role)) => format!("{}已处理,纪检未处理", role.label_zh()),
                (_, None) if e.deadline.state == State::Stopped => "已办结,纪检未处理".into(),
                (_, None) => "纪检未处理".into(),
            };
            OversightRow {
                what: e.warning.grade.label_zh().into(),
                late: !outcome.starts_with("纪检已"),
                outcome,
                since,
                waited_days: waited(since),
                link: format!("/trace/{}/{}", e.deadline.object_type, e.deadline.object_id),
                department: department_of(&departments, e.deadline.org_id),
                deadline_id: (e.deadline.state != State::Stopped).then_some(e.deadline.id),
                label: e.deadline.label,
            }
        })
        .collect();
    let orders = store::pending(&mut conn, &window, OVERSIGHT_LIMIT)
        .await?
        .into_iter()
        .map(|p| {
            let overdue = p.due_at.is_some_and(|due| due < now);
            let outcome = match (p.order.status, p.due_at) {
                (OrderStatus::Answered, _) => "待监督部门审核".to_string(),
                (_, Some(due)) if due < now => {
                    format!("逾期 {} 天未报结果", (now - due).num_days().max(0))
                }
                (_, Some(due)) => {
                    format!("{} 前报结果", crate::notifications::beijing_minutes(due))
                }
                (_, None) => "未报结果".into(),
            };
            OversightRow {
                what: p.order.status.label_zh().into(),
                outcome,
                since: p.order.issued_at,
                waited_days: waited(p.order.issued_at),
                link: order_page(p.order.id),
                department: department_of(&departments, p.order.org_id),
                deadline_id: None,
                late: overdue,
                label: p.supervised.label,
            }
        })
        .collect();
    let unreached = cockpit::unreached(&mut conn, &viewer, &window).await?;
    Ok(Oversight {
        unacted,
        unreached,
        escalations,
        orders,
        as_of: now,
    })
}
