//! `construction_expert`, `construction_review` and `construction_review_seat`.

use super::{kind, optional_time, required_time};
use crate::review::ExpertField;
use chrono::{DateTime, Utc};
use qinqing_kernel::store::{Conn, Result, time};
use sqlx::Row;
use sqlx::any::AnyRow;

#[derive(Debug, Clone)]
pub struct ExpertRow {
    pub id: i64,
    pub name: String,
    pub speciality: ExpertField,
    pub employer: String,
    pub phone: String,
    /// Declared conflicts: credit codes or names of enterprises, one per entry.
    pub conflicts: Vec<String>,
}

pub struct NewExpert<'a> {
    pub name: &'a str,
    pub speciality: ExpertField,
    pub employer: &'a str,
    pub phone: &'a str,
    pub conflicts: &'a [String],
}

#[derive(Debug, Clone)]
pub struct ReviewRow {
    pub id: i64,
    pub case_id: i64,
    pub speciality: ExpertField,
    pub due_at: DateTime<Utc>,
    pub drawn_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct SeatRow {
    pub id: i64,
    pub review_id: i64,
    pub expert_name: String,
    pub employer: String,
    pub recusal: Option<String>,
    pub opinion: Option<String>,
    pub score: Option<i64>,
    pub submitted_at: Option<DateTime<Utc>>,
}

fn expert(r: &AnyRow) -> Result<ExpertRow> {
    let conflicts: String = r.try_get("conflicts")?;
    Ok(ExpertRow {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        speciality: kind(r, "speciality")?,
        employer: r.try_get("employer")?,
        phone: r.try_get("phone")?,
        conflicts: conflicts.lines().map(str::to_string).collect(),
    })
}

pub async fn insert_expert(conn: &mut Conn, e: &NewExpert<'_>, now: DateTime<Utc>) -> Result<i64> {
    let row = sqlx::query(
        "INSERT INTO construction_expert (name, speciality, employer, phone, conflicts, \
         created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(e.name)
    .bind(e.speciality.as_str())
    .bind(e.employer)
    .bind(e.phone)
    .bind(e.conflicts.join("\n"))
    .bind(time::to_text(now))
    .fetch_one(conn)
    .await?;
    Ok(row.try_get("id")?)
}

const EXPERTS: &str =
    "SELECT id, name, speciality, employer, phone, conflicts FROM construction_expert";

/// The active experts, by speciality then name.
pub async fn experts(conn: &mut Conn) -> Result<Vec<ExpertRow>> {
    let sql = format!("{EXPERTS} WHERE active = 1 ORDER BY speciality, name, id");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_all(conn)
        .await?;
    rows.iter().map(expert).collect()
}

/// The active experts of one speciality.
pub async fn experts_in(conn: &mut Conn, field: ExpertField) -> Result<Vec<ExpertRow>> {
    let sql = format!("{EXPERTS} WHERE active = 1 AND speciality = $1 ORDER BY id");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(field.as_str())
        .fetch_all(conn)
        .await?;
    rows.iter().map(expert).collect()
}

pub async fn insert_review(
    conn: &mut Conn,
    (case_id, field): (i64, ExpertField),
    due_at: DateTime<Utc>,
    by: i64,
    now: DateTime<Utc>,
) -> Result<i64> {
    let row = sqlx::query(
        "INSERT INTO construction_review (case_id, speciality, due_at, drawn_by, drawn_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(case_id)
    .bind(field.as_str())
    .bind(time::to_text(due_at))
    .bind(by)
    .bind(time::to_text(now))
    .fetch_one(conn)
    .await?;
    Ok(row.try_get("id")?)
}

/// A drawn expert's seat with the hash of their link, or one recused at the drawing.
pub async fn insert_seat(
    conn: &mut Conn,
    (review_id, expert_id): (i64, i64),
    token_sha256: Option<&str>,
    recusal: Option<&str>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO construction_review_seat (review_id, expert_id, token_sha256, recusal) \
         VALUES ($1, $2, $3, $4)",
    )
    .bind(review_id)
    .bind(expert_id)
    .bind(token_sha256)
    .bind(recusal)
    .execute(conn)
    .await?;
    Ok(())
}

fn review(r: &AnyRow) -> Result<ReviewRow> {
    Ok(ReviewRow {
        id: r.try_get("id")?,
        case_id: r.try_get("case_id")?,
        speciality: kind(r, "speciality")?,
        due_at: required_time(r, "due_at")?,
        drawn_at: required_time(r, "drawn_at")?,
    })
}

const REVIEWS: &str = "SELECT id, case_id, speciality, due_at, drawn_at FROM construction_review";

pub async fn reviews_of_case(conn: &mut Conn, case_id: i64) -> Result<Vec<ReviewRow>> {
    let sql = format!("{REVIEWS} WHERE case_id = $1 ORDER BY id");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(case_id)
        .fetch_all(conn)
        .await?;
    rows.iter().map(review).collect()
}

pub async fn review_by_id(conn: &mut Conn, id: i64) -> Result<Option<ReviewRow>> {
    let sql = format!("{REVIEWS} WHERE id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(review).transpose()
}

const SEATS: &str = "SELECT s.id, s.review_id, x.name AS expert_name, x.employer, s.recusal, \
     s.opinion, s.score, s.submitted_at \
     FROM construction_review_seat s JOIN construction_expert x ON x.id = s.expert_id";

fn seat(r: &AnyRow) -> Result<SeatRow> {
    Ok(SeatRow {
        id: r.try_get("id")?,
        review_id: r.try_get("review_id")?,
        expert_name: r.try_get("expert_name")?,
        employer: r.try_get("employer")?,
        recusal: r.try_get("recusal")?,
        opinion: r.try_get("opinion")?,
        score: r.try_get("score")?,
        submitted_at: optional_time(r, "submitted_at")?,
    })
}

/// The seats of a review, in the order drawn.
pub async fn seats_of(conn: &mut Conn, review_id: i64) -> Result<Vec<SeatRow>> {
    let sql = format!("{SEATS} WHERE s.review_id = $1 ORDER BY s.id");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(review_id)
        .fetch_all(conn)
        .await?;
    rows.iter().map(seat).collect()
}

/// The seat whose link has this hash.
pub async fn seat_by_token(conn: &mut Conn, token_sha256: &str) -> Result<Option<SeatRow>> {
    let sql = format!("{SEATS} WHERE s.token_sha256 = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(token_sha256)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(seat).transpose()
}

/// What an expert answers by their link.
pub enum SeatAnswer<'a> {
    Opinion {
        text: &'a str,
        score: i64,
    },
    /// They stand aside, for this reason.
    StandsAside(&'a str),
}

/// Records an expert's opinion and score, or their standing aside; false when the seat already
/// has one or the other.
pub async fn answer_seat(
    conn: &mut Conn,
    id: i64,
    answer: &SeatAnswer<'_>,
    now: DateTime<Utc>,
) -> Result<bool> {
    let (opinion, score, recusal) = match *answer {
        SeatAnswer::Opinion { text, score } => (Some(text), Some(score), None),
        SeatAnswer::StandsAside(reason) => (None, None, Some(reason)),
    };
    let done = sqlx::query(
        "UPDATE construction_review_seat SET opinion = $1, score = $2, recusal = $3, \
         submitted_at = $4 WHERE id = $5 AND submitted_at IS NULL AND recusal IS NULL",
    )
    .bind(opinion)
    .bind(score)
    .bind(recusal)
    .bind(time::to_text(now))
    .bind(id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}
