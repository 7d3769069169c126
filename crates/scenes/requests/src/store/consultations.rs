//! 会商: invitations of other departments to give their opinion on a request, by a date. The
//! opinion is written by a conditional UPDATE on an empty opinion, so it is given once.

use chrono::{DateTime, NaiveDate, Utc};
use qinqing_kernel::store::{Conn, Result, time};
use sqlx::Row;
use sqlx::any::AnyRow;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsultationRow {
    pub id: i64,
    pub request_id: i64,
    pub receipt_no: String,
    pub org_id: i64,
    pub org_name: String,
    pub question: String,
    pub due_on: NaiveDate,
    pub invited_by: i64,
    pub invited_at: DateTime<Utc>,
    pub opinion: Option<String>,
    pub answered_by: Option<i64>,
    pub answered_at: Option<DateTime<Utc>>,
}

const COLUMNS: &str = "SELECT c.id, c.request_id, q.receipt_no, c.org_id, o.name AS org_name, \
    c.question, c.due_on, c.invited_by, c.invited_at, c.opinion, c.answered_by, c.answered_at \
    FROM request_consultation c JOIN request q ON q.id = c.request_id \
    JOIN organisation o ON o.id = c.org_id";

fn from_row(r: &AnyRow) -> Result<ConsultationRow> {
    Ok(ConsultationRow {
        id: r.try_get("id")?,
        request_id: r.try_get("request_id")?,
        receipt_no: r.try_get("receipt_no")?,
        org_id: r.try_get("org_id")?,
        org_name: r.try_get("org_name")?,
        question: r.try_get("question")?,
        due_on: time::date_from_text(&r.try_get::<String, _>("due_on")?)?,
        invited_by: r.try_get("invited_by")?,
        invited_at: time::from_text(&r.try_get::<String, _>("invited_at")?)?,
        opinion: r.try_get("opinion")?,
        answered_by: r.try_get("answered_by")?,
        answered_at: r
            .try_get::<Option<String>, _>("answered_at")?
            .map(|s| time::from_text(&s))
            .transpose()?,
    })
}

pub struct NewConsultation<'a> {
    pub request_id: i64,
    pub org_id: i64,
    pub question: &'a str,
    pub due_on: NaiveDate,
    pub invited_by: i64,
}

/// Inserts an invitation; `StoreError::Duplicate` when the department was already invited.
pub async fn insert(conn: &mut Conn, c: &NewConsultation<'_>, now: DateTime<Utc>) -> Result<i64> {
    let row = sqlx::query(
        "INSERT INTO request_consultation (request_id, org_id, question, due_on, invited_by, \
         invited_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(c.request_id)
    .bind(c.org_id)
    .bind(c.question)
    .bind(time::date_to_text(c.due_on))
    .bind(c.invited_by)
    .bind(time::to_text(now))
    .fetch_one(conn)
    .await?;
    Ok(row.try_get("id")?)
}

pub async fn get(conn: &mut Conn, id: i64) -> Result<Option<ConsultationRow>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("{COLUMNS} WHERE c.id = $1")))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.map(|r| from_row(&r)).transpose()
}

/// The invitations of a request, oldest first.
pub async fn for_request(conn: &mut Conn, request_id: i64) -> Result<Vec<ConsultationRow>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{COLUMNS} WHERE c.request_id = $1 ORDER BY c.id"
    )))
    .bind(request_id)
    .fetch_all(conn)
    .await?;
    rows.iter().map(from_row).collect()
}

/// Whether the organisation was invited to give an opinion on the request.
pub async fn is_invited(conn: &mut Conn, request_id: i64, org_id: i64) -> Result<bool> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS n FROM request_consultation WHERE request_id = $1 AND org_id = $2",
    )
    .bind(request_id)
    .bind(org_id)
    .fetch_one(conn)
    .await?;
    Ok(row.try_get::<i64, _>("n")? > 0)
}

/// Records the opinion unless one was given already; false when it was.
pub async fn answer(
    conn: &mut Conn,
    id: i64,
    opinion: &str,
    by: i64,
    now: DateTime<Utc>,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE request_consultation SET opinion = $2, answered_by = $3, answered_at = $4 \
         WHERE id = $1 AND opinion IS NULL",
    )
    .bind(id)
    .bind(opinion)
    .bind(by)
    .bind(time::to_text(now))
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}
