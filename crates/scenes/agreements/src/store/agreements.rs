//! Investment agreements (政企合同) and their commitment items (承诺事项).

use chrono::{DateTime, NaiveDate, Utc};
use qinqing_domain::commitment::{Due, ItemType, Offset, OffsetUnit, Outcome, Side};
use qinqing_kernel::store::sql::id_conditions;
use qinqing_kernel::store::{Conn, Result, stored, time};
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgreementRow {
    pub id: i64,
    pub project_name: String,
    pub enterprise_id: Option<i64>,
    /// The enterprise's credit code, once it is linked.
    pub credit_code: Option<String>,
    pub investor_name: String,
    pub region_code: String,
    pub signed_on: NaiveDate,
    pub total_investment_fen: i64,
    pub created_org_id: i64,
    pub created_at: DateTime<Utc>,
    /// Since when a breach holds the incentive payouts, while it does.
    pub incentives_held_since: Option<NaiveDate>,
}

pub struct NewAgreement<'a> {
    pub project_name: &'a str,
    pub enterprise_id: Option<i64>,
    pub investor_name: &'a str,
    pub region_code: &'a str,
    pub signed_on: NaiveDate,
    pub total_investment_fen: i64,
    pub created_by: i64,
    pub created_org_id: i64,
}

pub async fn insert(conn: &mut Conn, a: &NewAgreement<'_>, now: DateTime<Utc>) -> Result<i64> {
    let row = sqlx::query(
        "INSERT INTO agreement (project_name, enterprise_id, investor_name, region_code, signed_on, \
         total_investment_fen, created_by, created_org_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(a.project_name)
    .bind(a.enterprise_id)
    .bind(a.investor_name)
    .bind(a.region_code)
    .bind(time::date_to_text(a.signed_on))
    .bind(a.total_investment_fen)
    .bind(a.created_by)
    .bind(a.created_org_id)
    .bind(time::to_text(now))
    .fetch_one(conn)
    .await?;
    Ok(row.try_get("id")?)
}

const AGREEMENT_COLUMNS: &str = "SELECT a.id, a.project_name, a.enterprise_id, e.credit_code, \
    a.investor_name, a.region_code, a.signed_on, a.total_investment_fen, a.created_org_id, \
    a.created_at, a.incentives_held_since FROM agreement a LEFT JOIN enterprise e ON e.id = a.enterprise_id";

fn agreement_from_row(r: &AnyRow) -> Result<AgreementRow> {
    Ok(AgreementRow {
        id: r.try_get("id")?,
        project_name: r.try_get("project_name")?,
        enterprise_id: r.try_get("enterprise_id")?,
        credit_code: r.try_get("credit_code")?,
        investor_name: r.try_get("investor_name")?,
        region_code: r.try_get("region_code")?,
        signed_on: time::date_from_text(&r.try_get::<String, _>("signed_on")?)?,
        total_investment_fen: r.try_get("total_investment_fen")?,
        created_org_id: r.try_get("created_org_id")?,
        created_at: time::from_text(&r.try_get::<String, _>("created_at")?)?,
        incentives_held_since: r
            .try_get::<Option<String>, _>("incentives_held_since")?
            .map(|d| time::date_from_text(&d))
            .transpose()?,
    })
}

pub async fn get(conn: &mut Conn, id: i64) -> Result<Option<AgreementRow>> {
    let sql = format!("{AGREEMENT_COLUMNS} WHERE a.id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.map(|r| agreement_from_row(&r)).transpose()
}

/// Every agreement, newest first; callers filter by scope.
pub async fn list(conn: &mut Conn) -> Result<Vec<AgreementRow>> {
    let sql = format!("{AGREEMENT_COLUMNS} ORDER BY a.signed_on DESC, a.id DESC");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_all(conn)
        .await?;
    rows.iter().map(agreement_from_row).collect()
}

/// Links the registered enterprise to an agreement signed by its investor; false when one is
/// linked already.
pub async fn link_enterprise(conn: &mut Conn, id: i64, enterprise_id: i64) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE agreement SET enterprise_id = $1 WHERE id = $2 AND enterprise_id IS NULL",
    )
    .bind(enterprise_id)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Claims the day's re-sync of an agreement's clocks; false when it was done today already.
pub async fn claim_daily_sync(conn: &mut Conn, id: i64, today: NaiveDate) -> Result<bool> {
    let today = time::date_to_text(today);
    let done = sqlx::query(
        "UPDATE agreement SET synced_on = $1 WHERE id = $2 \
         AND (synced_on IS NULL OR synced_on < $1)",
    )
    .bind(today)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Records since when a breach holds the incentive payouts (`None`: they are released).
pub async fn set_incentives_held(conn: &mut Conn, id: i64, since: Option<NaiveDate>) -> Result<()> {
    sqlx::query("UPDATE agreement SET incentives_held_since = $1 WHERE id = $2")
        .bind(since.map(time::date_to_text))
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Moves an item to `on` (改期), keeping everything else.
pub async fn set_replanned(conn: &mut Conn, id: i64, on: NaiveDate) -> Result<()> {
    sqlx::query("UPDATE commitment SET replanned_on = $1 WHERE id = $2")
        .bind(time::date_to_text(on))
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Locks an agreement's row until the transaction ends, so that two transactions re-syncing
/// its clocks run one after the other (a no-op update: PostgreSQL locks the row, SQLite the
/// database).
pub async fn lock(conn: &mut Conn, id: i64) -> Result<()> {
    sqlx::query("UPDATE agreement SET synced_on = synced_on WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// A commitment item as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitmentRow {
    pub id: i64,
    pub agreement_id: i64,
    pub key: String,
    pub side: Side,
    pub item_type: ItemType,
    pub clause: String,
    pub content: String,
    pub responsible_org_id: Option<i64>,
    pub responsible_unit: String,
    pub responsible_person: String,
    pub due: Due,
    pub replanned: Option<NaiveDate>,
    pub evidence: String,
    pub outcome: Outcome,
    /// What the last step said: the evidence reported, the dispute's or the waiver's reason.
    pub outcome_note: Option<String>,
}

/// The editable part of an item.
pub struct CommitmentFields<'a> {
    pub key: &'a str,
    pub side: Side,
    pub item_type: ItemType,
    pub clause: &'a str,
    pub content: &'a str,
    pub responsible_org_id: Option<i64>,
    pub responsible_unit: &'a str,
    pub responsible_person: &'a str,
    pub due: &'a Due,
    pub replanned: Option<NaiveDate>,
    pub evidence: &'a str,
}

/// (due_on, after_key, offset_amount, offset_unit) columns of a due rule.
fn due_columns(due: &Due) -> (Option<String>, Option<&str>, Option<i64>, Option<&str>) {
    match due {
        Due::On { date } => (Some(time::date_to_text(*date)), None, None, None),
        Due::After { item, offset } => (
            None,
            Some(item.as_str()),
            Some(i64::from(offset.amount)),
            Some(offset.unit.as_str()),
        ),
    }
}

/// Inserts an open item; `StoreError::Duplicate` when the key is taken in the agreement.
pub async fn insert_commitment(
    conn: &mut Conn,
    agreement_id: i64,
    c: &CommitmentFields<'_>,
) -> Result<i64> {
    let (due_on, after_key, amount, unit) = due_columns(c.due);
    let row = sqlx::query(
        "INSERT INTO commitment (agreement_id, item_key, side, clause, content, responsible_org_id, \
         responsible_unit, responsible_person, due_on, after_key, offset_amount, offset_unit, \
         replanned_on, evidence, item_type, outcome) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, 'open') \
         RETURNING id",
    )
    .bind(agreement_id)
    .bind(c.key)
    .bind(c.side.as_str())
    .bind(c.clause)
    .bind(c.content)
    .bind(c.responsible_org_id)
    .bind(c.responsible_unit)
    .bind(c.responsible_person)
    .bind(due_on)
    .bind(after_key)
    .bind(amount)
    .bind(unit)
    .bind(c.replanned.map(time::date_to_text))
    .bind(c.evidence)
    .bind(c.item_type.as_str())
    .fetch_one(conn)
    .await?;
    Ok(row.try_get("id")?)
}

/// Rewrites an item's editable fields (its key stays).
pub async fn update_commitment(conn: &mut Conn, id: i64, c: &CommitmentFields<'_>) -> Result<()> {
    let (due_on, after_key, amount, unit) = due_columns(c.due);
    sqlx::query(
        "UPDATE commitment SET side = $1, clause = $2, content = $3, responsible_org_id = $4, \
         responsible_unit = $5, responsible_person = $6, due_on = $7, after_key = $8, \
         offset_amount = $9, offset_unit = $10, replanned_on = $11, evidence = $12, \
         item_type = $13 WHERE id = $14",
    )
    .bind(c.side.as_str())
    .bind(c.clause)
    .bind(c.content)
    .bind(c.responsible_org_id)
    .bind(c.responsible_unit)
    .bind(c.responsible_person)
    .bind(due_on)
    .bind(after_key)
    .bind(amount)
    .bind(unit)
    .bind(c.replanned.map(time::date_to_text))
    .bind(c.evidence)
    .bind(c.item_type.as_str())
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

fn outcome_columns(outcome: Outcome) -> (&'static str, Option<String>) {
    match outcome {
        Outcome::Open => ("open", None),
        Outcome::Reported { on } => ("reported", Some(time::date_to_text(on))),
        Outcome::Fulfilled { on } => ("fulfilled", Some(time::date_to_text(on))),
        Outcome::Waived => ("waived", None),
        Outcome::Breached => ("breached", None),
    }
}

/// Moves an item from outcome `from` to `to`; false when it was no longer in `from` (someone
/// else acted first).
pub async fn set_outcome(
    conn: &mut Conn,
    id: i64,
    from: Outcome,
    to: Outcome,
    note: Option<&str>,
) -> Result<bool> {
    let (from_name, _) = outcome_columns(from);
    let (name, on) = outcome_columns(to);
    let done = sqlx::query(
        "UPDATE commitment SET outcome = $1, outcome_on = $2, outcome_note = $3 \
         WHERE id = $4 AND outcome = $5",
    )
    .bind(name)
    .bind(on)
    .bind(note)
    .bind(id)
    .bind(from_name)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

fn parse_outcome(name: &str, on: Option<NaiveDate>) -> Result<Outcome> {
    let dated = |make: fn(NaiveDate) -> Outcome| {
        on.map(make).ok_or_else(|| {
            qinqing_kernel::store::StoreError::Corrupt(format!("outcome {name} without a date"))
        })
    };
    match name {
        "open" => Ok(Outcome::Open),
        "reported" => dated(|on| Outcome::Reported { on }),
        "fulfilled" => dated(|on| Outcome::Fulfilled { on }),
        "waived" => Ok(Outcome::Waived),
        "breached" => Ok(Outcome::Breached),
        other => Err(qinqing_kernel::store::StoreError::Corrupt(format!(
            "outcome {other}"
        ))),
    }
}

fn parse_due(r: &AnyRow) -> Result<Due> {
    if let Some(date) = r.try_get::<Option<String>, _>("due_on")? {
        return Ok(Due::On {
            date: time::date_from_text(&date)?,
        });
    }
    let item: Option<String> = r.try_get("after_key")?;
    let amount: Option<i64> = r.try_get("offset_amount")?;
    let unit: Option<String> = r.try_get("offset_unit")?;
    let (Some(item), Some(amount), Some(unit)) = (item, amount, unit) else {
        return Err(qinqing_kernel::store::StoreError::Corrupt(
            "commitment without a due rule".into(),
        ));
    };
    let unit = stored("offset_unit", OffsetUnit::parse(&unit).ok_or(unit))?;
    let amount = stored("offset_amount", u32::try_from(amount))?;
    Ok(Due::After {
        item,
        offset: Offset { amount, unit },
    })
}

fn commitment_from_row(r: &AnyRow) -> Result<CommitmentRow> {
    let side: String = r.try_get("side")?;
    let item_type: String = r.try_get("item_type")?;
    let outcome_on = r
        .try_get::<Option<String>, _>("outcome_on")?
        .map(|s| time::date_from_text(&s))
        .transpose()?;
    Ok(CommitmentRow {
        id: r.try_get("id")?,
        agreement_id: r.try_get("agreement_id")?,
        key: r.try_get("item_key")?,
        side: stored("side", Side::parse(&side).ok_or(side))?,
        item_type: stored("item_type", ItemType::parse(&item_type).ok_or(item_type))?,
        clause: r.try_get("clause")?,
        content: r.try_get("content")?,
        responsible_org_id: r.try_get("responsible_org_id")?,
        responsible_unit: r.try_get("responsible_unit")?,
        responsible_person: r.try_get("responsible_person")?,
        due: parse_due(r)?,
        replanned: r
            .try_get::<Option<String>, _>("replanned_on")?
            .map(|s| time::date_from_text(&s))
            .transpose()?,
        evidence: r.try_get("evidence")?,
        outcome: parse_outcome(&r.try_get::<String, _>("outcome")?, outcome_on)?,
        outcome_note: r.try_get("outcome_note")?,
    })
}

/// The agreement an item belongs to.
pub async fn agreement_of_commitment(conn: &mut Conn, id: i64) -> Result<Option<i64>> {
    let row = sqlx::query("SELECT agreement_id FROM commitment WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await?;
    Ok(row.map(|r| r.try_get("agreement_id")).transpose()?)
}

/// The items of an agreement in the order they were added.
pub async fn commitments(conn: &mut Conn, agreement_id: i64) -> Result<Vec<CommitmentRow>> {
    let rows = sqlx::query("SELECT * FROM commitment WHERE agreement_id = $1 ORDER BY id")
        .bind(agreement_id)
        .fetch_all(conn)
        .await?;
    rows.iter().map(commitment_from_row).collect()
}

/// How many of each enterprise's own commitments are breached, for those of `ids` with any (and
/// perhaps of ids between them, when they lie close together).
pub async fn breached_of_enterprises(conn: &mut Conn, ids: &[i64]) -> Result<HashMap<i64, i64>> {
    let mut breached = HashMap::new();
    for (condition, args) in id_conditions("a.enterprise_id", ids, 1) {
        let sql = format!(
            "SELECT a.enterprise_id, CAST(COUNT(*) AS BIGINT) AS n FROM commitment c \
             JOIN agreement a ON a.id = c.agreement_id \
             WHERE {condition} AND c.side = 'enterprise' AND c.outcome = 'breached' \
             GROUP BY a.enterprise_id"
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for arg in args {
            query = query.bind(arg);
        }
        for row in query.fetch_all(&mut *conn).await? {
            breached.insert(row.try_get("enterprise_id")?, row.try_get("n")?);
        }
    }
    Ok(breached)
}

/// 承诺履约 for 部门评分: government-side commitments decided in the period (their outcome dated
/// within it, a Beijing date), by the unit answering for them; fulfilled counts good, breached
/// not, waived not at all.
pub async fn scorecard_counts(
    conn: &mut Conn,
    scope: &qinqing_kernel::scorecard::ScoreScope<'_>,
) -> Result<Vec<qinqing_kernel::scorecard::Count>> {
    // A date compares with an instant as text by its day: '2026-11-01' >= '2026-10-31T16:00…'.
    let sql = "SELECT c.responsible_org_id AS org_id, \
           SUM(CASE WHEN c.outcome = 'fulfilled' THEN 1 ELSE 0 END) AS good, COUNT(*) AS total \
         FROM commitment c JOIN agreement a ON a.id = c.agreement_id \
         WHERE c.side = 'government' AND c.responsible_org_id IS NOT NULL \
           AND c.outcome IN ('fulfilled', 'breached') \
           AND c.outcome_on >= $1 AND c.outcome_on < $2 AND a.region_code LIKE $3 ESCAPE '\\' \
         GROUP BY c.responsible_org_id";
    let measure = qinqing_kernel::scorecard::Measure::Commitments;
    qinqing_kernel::store::scorecard::read_counts(conn, measure, sql, scope).await
}
