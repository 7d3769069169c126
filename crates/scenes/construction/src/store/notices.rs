//! `construction_notice`, `construction_notice_case` and `construction_objection`.

use super::optional_time;
use super::required_time;
use chrono::{DateTime, NaiveDate, Utc};
use qinqing_kernel::store::{Conn, Result, time};
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

#[derive(Debug, Clone)]
pub struct NoticeRow {
    pub id: i64,
    pub code: String,
    pub project_id: i64,
    pub project_name: String,
    pub enterprise_name: String,
    pub location: String,
    pub title: String,
    pub body: String,
    pub period: (NaiveDate, NaiveDate),
    pub org_id: i64,
    pub org_name: String,
    pub created_at: DateTime<Utc>,
}

/// A matter a notice merges, as the public reads it.
#[derive(Debug, Clone)]
pub struct NoticedMatter {
    pub matter_name: String,
    pub department: String,
    /// The office deciding its case: it too answers the notice's objections.
    pub org_id: i64,
}

#[derive(Debug, Clone)]
pub struct ObjectionRow {
    pub id: i64,
    pub name: String,
    pub phone: String,
    pub content: String,
    pub submitted_at: DateTime<Utc>,
    pub answer: Option<String>,
    pub answered_at: Option<DateTime<Utc>>,
}

pub struct NewNotice<'a> {
    pub code: &'a str,
    pub project_id: i64,
    pub title: &'a str,
    pub body: &'a str,
    pub period: (NaiveDate, NaiveDate),
    pub org_id: i64,
    pub created_by: i64,
}

pub struct NewObjection<'a> {
    pub notice_id: i64,
    pub name: &'a str,
    pub phone: &'a str,
    pub content: &'a str,
}

const SELECT: &str = "SELECT n.id, n.code, n.project_id, p.name AS project_name, \
     e.name AS enterprise_name, p.location, n.title, n.body, n.starts_on, n.ends_on, n.org_id, \
     o.name AS org_name, n.created_at \
     FROM construction_notice n JOIN construction_project p ON p.id = n.project_id \
     JOIN enterprise e ON e.id = p.enterprise_id JOIN organisation o ON o.id = n.org_id";

fn from_row(r: &AnyRow) -> Result<NoticeRow> {
    let date = |column: &str| -> Result<NaiveDate> {
        time::date_from_text(&r.try_get::<String, _>(column)?)
    };
    Ok(NoticeRow {
        id: r.try_get("id")?,
        code: r.try_get("code")?,
        project_id: r.try_get("project_id")?,
        project_name: r.try_get("project_name")?,
        enterprise_name: r.try_get("enterprise_name")?,
        location: r.try_get("location")?,
        title: r.try_get("title")?,
        body: r.try_get("body")?,
        period: (date("starts_on")?, date("ends_on")?),
        org_id: r.try_get("org_id")?,
        org_name: r.try_get("org_name")?,
        created_at: required_time(r, "created_at")?,
    })
}

pub async fn insert(
    conn: &mut Conn,
    n: &NewNotice<'_>,
    cases: &[i64],
    now: DateTime<Utc>,
) -> Result<i64> {
    let row = sqlx::query(
        "INSERT INTO construction_notice (code, project_id, title, body, starts_on, ends_on, \
         org_id, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(n.code)
    .bind(n.project_id)
    .bind(n.title)
    .bind(n.body)
    .bind(time::date_to_text(n.period.0))
    .bind(time::date_to_text(n.period.1))
    .bind(n.org_id)
    .bind(n.created_by)
    .bind(time::to_text(now))
    .fetch_one(&mut *conn)
    .await?;
    let id: i64 = row.try_get("id")?;
    for case_id in cases {
        sqlx::query("INSERT INTO construction_notice_case (notice_id, case_id) VALUES ($1, $2)")
            .bind(id)
            .bind(*case_id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(id)
}

pub async fn by_code(conn: &mut Conn, code: &str) -> Result<Option<NoticeRow>> {
    let row = sqlx::query(AssertSqlSafe(format!("{SELECT} WHERE n.code = $1")))
        .bind(code)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// The notices whose period ends on or after `since`, those ending soonest first.
pub async fn ending_since(conn: &mut Conn, since: NaiveDate) -> Result<Vec<NoticeRow>> {
    let sql = format!("{SELECT} WHERE n.ends_on >= $1 ORDER BY n.ends_on, n.id");
    let rows = sqlx::query(AssertSqlSafe(sql))
        .bind(time::date_to_text(since))
        .fetch_all(conn)
        .await?;
    rows.iter().map(from_row).collect()
}

/// The matters a notice merges, in the order of their cases.
pub async fn matters_of(conn: &mut Conn, notice_id: i64) -> Result<Vec<NoticedMatter>> {
    let rows = sqlx::query(
        "SELECT c.matter_name, COALESCE(b.name, o.name) AS department, c.org_id \
         FROM construction_notice_case nc JOIN construction_case c ON c.id = nc.case_id \
         JOIN organisation o ON o.id = c.org_id LEFT JOIN organisation b ON b.id = c.entrusted_by \
         WHERE nc.notice_id = $1 ORDER BY c.id",
    )
    .bind(notice_id)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(NoticedMatter {
                matter_name: r.try_get("matter_name")?,
                department: r.try_get("department")?,
                org_id: r.try_get("org_id")?,
            })
        })
        .collect()
}

pub async fn insert_objection(
    conn: &mut Conn,
    o: &NewObjection<'_>,
    now: DateTime<Utc>,
) -> Result<i64> {
    let row = sqlx::query(
        "INSERT INTO construction_objection (notice_id, name, phone, content, submitted_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(o.notice_id)
    .bind(o.name)
    .bind(o.phone)
    .bind(o.content)
    .bind(time::to_text(now))
    .fetch_one(conn)
    .await?;
    Ok(row.try_get("id")?)
}

/// Takes the notice's row until the transaction ends.
pub async fn lock(conn: &mut Conn, id: i64) -> Result<()> {
    sqlx::query("UPDATE construction_notice SET created_at = created_at WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// How many objections one phone lodged against a notice.
pub async fn objections_by_phone(conn: &mut Conn, notice_id: i64, phone: &str) -> Result<i64> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS n FROM construction_objection WHERE notice_id = $1 AND phone = $2",
    )
    .bind(notice_id)
    .bind(phone)
    .fetch_one(conn)
    .await?;
    Ok(row.try_get("n")?)
}

/// A notice's objections, oldest first.
pub async fn objections_of(conn: &mut Conn, notice_id: i64) -> Result<Vec<ObjectionRow>> {
    let rows = sqlx::query(
        "SELECT id, name, phone, content, submitted_at, answer, answered_at \
         FROM construction_objection WHERE notice_id = $1 ORDER BY id",
    )
    .bind(notice_id)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(ObjectionRow {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
                phone: r.try_get("phone")?,
                content: r.try_get("content")?,
                submitted_at: required_time(r, "submitted_at")?,
                answer: r.try_get("answer")?,
                answered_at: optional_time(r, "answered_at")?,
            })
        })
        .collect()
}

/// Answers an objection of the notice not yet answered; false when it was answered meanwhile
/// (or is not the notice's).
pub async fn answer(
    conn: &mut Conn,
    (notice_id, id): (i64, i64),
    answer: &str,
    by: i64,
    now: DateTime<Utc>,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE construction_objection SET answer = $1, answered_by = $2, answered_at = $3 \
         WHERE id = $4 AND notice_id = $5 AND answer IS NULL",
    )
    .bind(answer)
    .bind(by)
    .bind(time::to_text(now))
    .bind(id)
    .bind(notice_id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}
