//! 督办 orders as stored, and what the re-supervision page (监督的再监督) reads.

use crate::store::cockpit::{Window, region_condition};
use crate::store::deadlines::{Deadline, FIRED_COLUMNS, Warning, fired_from_rows};
use crate::store::sql::{Arg, bind_all, next};
use crate::store::{Conn, Result, stored, time};
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};
use utoipa::ToSchema;

/// The object type an order's own clock and trail are on.
pub const ORDER_OBJECT: &str = "supervision_order";

/// Where a 督办 order stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    /// Awaiting the department's result (also after a result was sent back).
    Open,
    /// The department gave its result; the supervisor accepts it or sends it back.
    Answered,
    /// The supervisor accepted the result (办结).
    Closed,
}

impl OrderStatus {
    fn parse(s: &str) -> Option<Self> {
        match s {
            "open" => Some(OrderStatus::Open),
            "answered" => Some(OrderStatus::Answered),
            "closed" => Some(OrderStatus::Closed),
            _ => None,
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            OrderStatus::Open => "待办理",
            OrderStatus::Answered => "已报结果,待审核",
            OrderStatus::Closed => "已办结",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Order {
    pub id: i64,
    pub deadline_id: i64,
    pub org_id: Option<i64>,
    pub region_code: String,
    pub issued_by: i64,
    pub issued_at: DateTime<Utc>,
    pub note: String,
    pub days: i64,
    pub status: OrderStatus,
    pub result: Option<String>,
    pub answered_by: Option<i64>,
    pub answered_at: Option<DateTime<Utc>>,
    pub returned_reason: Option<String>,
    pub closed_at: Option<DateTime<Utc>>,
}

pub struct NewOrder<'a> {
    pub deadline_id: i64,
    pub org_id: Option<i64>,
    pub region_code: &'a str,
    pub issued_by: i64,
    pub note: &'a str,
    pub days: i64,
}

pub async fn insert(conn: &mut Conn, o: &NewOrder<'_>, now: DateTime<Utc>) -> Result<i64> {
    let row = sqlx::query(
        "INSERT INTO supervision_order (deadline_id, org_id, region_code, issued_by, issued_at, \
         note, days, status) VALUES ($1, $2, $3, $4, $5, $6, $7, 'open') RETURNING id",
    )
    .bind(o.deadline_id)
    .bind(o.org_id)
    .bind(o.region_code)
    .bind(o.issued_by)
    .bind(time::to_text(now))
    .bind(o.note)
    .bind(o.days)
    .fetch_one(conn)
    .await?;
    Ok(row.try_get("id")?)
}

const COLUMNS: &str = "SELECT o.id, o.deadline_id, o.org_id, o.region_code, o.issued_by, \
    o.issued_at, o.note, o.days, o.status, o.result, o.answered_by, o.answered_at, \
    o.returned_reason, o.closed_at FROM supervision_order o";

pub async fn get(conn: &mut Conn, id: i64) -> Result<Option<Order>> {
    let row = sqlx::query(AssertSqlSafe(format!("{COLUMNS} WHERE o.id = $1")))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.map(|r| from_row(&r)).transpose()
}

/// Whether the clock already has an order not yet closed.
pub async fn open_on(conn: &mut Conn, deadline_id: i64) -> Result<bool> {
    let n: i64 = sqlx::query(
        "SELECT COUNT(*) AS n FROM supervision_order WHERE deadline_id = $1 AND status <> 'closed'",
    )
    .bind(deadline_id)
    .fetch_one(conn)
    .await?
    .try_get("n")?;
    Ok(n > 0)
}

/// Records the department's result; false unless the order awaited one.
pub async fn answer(
    conn: &mut Conn,
    id: i64,
    user_id: i64,
    result: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE supervision_order SET status = 'answered', result = $1, answered_by = $2, \
         answered_at = $3 WHERE id = $4 AND status = 'open'",
    )
    .bind(result)
    .bind(user_id)
    .bind(time::to_text(now))
    .bind(id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The supervisor accepts the result (办结); false unless a result awaited them.
pub async fn close(conn: &mut Conn, id: i64, user_id: i64, now: DateTime<Utc>) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE supervision_order SET status = 'closed', closed_by = $1, closed_at = $2 \
         WHERE id = $3 AND status = 'answered'",
    )
    .bind(user_id)
    .bind(time::to_text(now))
    .bind(id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The supervisor sends the result back (退回): the order awaits a new one; false unless a
/// result awaited them.
pub async fn send_back(conn: &mut Conn, id: i64, reason: &str, days: i64) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE supervision_order SET status = 'open', returned_reason = $1, days = $2, \
         result = NULL, answered_by = NULL, answered_at = NULL WHERE id = $3 AND status = 'answered'",
    )
    .bind(reason)
    .bind(days)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

fn from_row(r: &AnyRow) -> Result<Order> {
    let status: String = r.try_get("status")?;
    let opt = |col: &str| -> Result<Option<DateTime<Utc>>> {
        let v: Option<String> = r.try_get(col)?;
        v.as_deref().map(time::from_text).transpose()
    };
    Ok(Order {
        id: r.try_get("id")?,
        deadline_id: r.try_get("deadline_id")?,
        org_id: r.try_get("org_id")?,
        region_code: r.try_get("region_code")?,
        issued_by: r.try_get("issued_by")?,
        issued_at: time::from_text(&r.try_get::<String, _>("issued_at")?)?,
        note: r.try_get("note")?,
        days: r.try_get("days")?,
        status: stored(
            "supervision_order.status",
            OrderStatus::parse(&status).ok_or(status.clone()),
        )?,
        result: r.try_get("result")?,
        answered_by: r.try_get("answered_by")?,
        answered_at: opt("answered_at")?,
        returned_reason: r.try_get("returned_reason")?,
        closed_at: opt("closed_at")?,
    })
}

/// An order not yet closed, with the clock it supervises and the due time of its own clock.
pub struct Pending {
    pub order: Order,
    pub supervised: Deadline,
    pub due_at: Option<DateTime<Utc>>,
}

/// The orders in the window's scope not yet closed, the oldest first (at most `limit`).
pub async fn pending(conn: &mut Conn, window: &Window<'_>, limit: i64) -> Result<Vec<Pending>> {
    let mut args = Vec::new();
    let scope = region_condition(window, &mut args);
    let limit = next(Arg::Int(limit), &mut args);
    let sql = format!(
        "{COLUMNS} WHERE o.status <> 'closed'{scope} ORDER BY o.issued_at, o.id LIMIT {limit}"
    );
    let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), &args)
        .fetch_all(&mut *conn)
        .await?;
    let mut out = Vec::new();
    for r in &rows {
        let order = from_row(r)?;
        let Some(supervised) = super::deadlines::get(conn, order.deadline_id).await? else {
            continue;
        };
        let due_at = order_clock_due(conn, order.id).await?;
        out.push(Pending {
            order,
            supervised,
            due_at,
        });
    }
    Ok(out)
}

/// The due time of an order's running clock, if it has one.
pub async fn order_clock_due(conn: &mut Conn, order_id: i64) -> Result<Option<DateTime<Utc>>> {
    let open = super::deadlines::for_object(conn, ORDER_OBJECT, &order_id.to_string()).await?;
    Ok(open
        .into_iter()
        .rev()
        .find(|d| d.state != super::deadlines::State::Stopped)
        .map(|d| d.due_at))
}

/// Fired warnings on open clocks of items nobody acted on at all (no grade acted on, no 督办),
/// newest first (at most `limit`).
pub async fn unacted(
    conn: &mut Conn,
    window: &Window<'_>,
    limit: i64,
) -> Result<Vec<(Warning, Deadline)>> {
    let mut args = Vec::new();
    let since = next(Arg::Text(time::to_text(window.since)), &mut args);
    let scope = region_condition(window, &mut args);
    let limit = next(Arg::Int(limit), &mut args);
    let sql = format!(
        "{FIRED_COLUMNS} AND w.fired_at >= {since}{scope} AND d.state <> 'stopped' \
         AND NOT EXISTS (SELECT 1 FROM deadline_warning a WHERE a.deadline_id = d.id AND a.acted_at IS NOT NULL) \
         AND NOT EXISTS (SELECT 1 FROM supervision_order o WHERE o.deadline_id = d.id) \
         ORDER BY w.fired_at DESC, w.id DESC LIMIT {limit}"
    );
    let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), &args)
        .fetch_all(conn)
        .await?;
    fired_from_rows(&rows)
}

/// An escalation to 纪检 and what 纪检 did about it.
pub struct Escalation {
    pub warning: Warning,
    pub deadline: Deadline,
    /// The role of whoever acted on the escalation, if anyone did.
    pub acted_role: Option<String>,
    /// How many 督办 orders 纪检 issued on the item.
    pub discipline_orders: i64,
}

/// Escalations to 纪检 fired since the window's start, newest first (at most `limit`).
pub async fn escalations(
    conn: &mut Conn,
    window: &Window<'_>,
    limit: i64,
) -> Result<Vec<Escalation>> {
    let mut args = Vec::new();
    let since = next(Arg::Text(time::to_text(window.since)), &mut args);
    let scope = region_condition(window, &mut args);
    let limit = next(Arg::Int(limit), &mut args);
    let extra = "(SELECT u.role FROM app_user u WHERE u.id = w.acted_by) AS acted_role, \
        (SELECT COUNT(*) FROM supervision_order o JOIN app_user u ON u.id = o.issued_by \
         WHERE o.deadline_id = d.id AND u.role = 'supervisor_discipline') AS discipline_orders, ";
    let sql = format!(
        "{} AND w.grade = 'escalated' AND w.fired_at >= {since}{scope} \
         ORDER BY w.fired_at DESC, w.id DESC LIMIT {limit}",
        FIRED_COLUMNS.replacen("SELECT ", &format!("SELECT {extra}"), 1)
    );
    let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), &args)
        .fetch_all(conn)
        .await?;
    let fired = fired_from_rows(&rows)?;
    rows.iter()
        .zip(fired)
        .map(|(r, (warning, deadline))| {
            Ok(Escalation {
                warning,
                deadline,
                acted_role: r.try_get("acted_role")?,
                discipline_orders: r.try_get("discipline_orders")?,
            })
        })
        .collect()
}
