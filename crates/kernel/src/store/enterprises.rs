//! The enterprise register and profiles (企业画像): identity, qualifications, yearly figures (one
//! row per figure, remembering whether the government or the enterprise supplied it) and the
//! enterprise's corrections of government figures.

use crate::store::sql::{Arg, bind_all, escape_like, next};
use crate::store::{Conn, Result, stored, time};
use chrono::{DateTime, Utc};
use qinqing_domain::enterprise::{
    CreditStatus, EnterpriseIdentity, FigureSource, Ownership, Qualification,
};
use qinqing_domain::{CreditCode, DivisionCode, IndustryCode};
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enterprise {
    pub id: i64,
    pub identity: EnterpriseIdentity,
    pub contact_phone: Option<String>,
    pub updated_at: DateTime<Utc>,
}

/// One stored figure of one year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Figure {
    pub year: i32,
    pub field: String,
    pub value: i64,
    pub source: FigureSource,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Correction {
    pub year: i32,
    pub field: String,
    pub old_value: Option<i64>,
    pub new_value: Option<i64>,
    pub username: String,
    /// The person's name, as pages show who did it.
    pub display_name: String,
    pub on_behalf_of: Option<String>,
    pub corrected_at: DateTime<Utc>,
}

/// Which enterprises a listing may return; built from the caller's scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScopeFilter {
    All,
    /// Enterprises whose region code starts with this prefix.
    RegionPrefix(String),
    /// Enterprises linked to this user (own enterprises, or a steward's assignments).
    LinkedTo(i64),
    Nothing,
}

#[derive(Debug, Clone)]
pub struct ListFilter {
    pub scope: ScopeFilter,
    /// Part of the name or of the credit code.
    pub text: Option<String>,
    pub region_prefix: Option<String>,
    pub industry_prefix: Option<String>,
    pub limit: i64,
    pub offset: i64,
}

pub async fn insert(
    conn: &mut Conn,
    identity: &EnterpriseIdentity,
    contact_phone: Option<&str>,
    now: DateTime<Utc>,
) -> Result<i64> {
    let org = crate::store::orgs::NewOrganisation {
        parent_id: None,
        kind: qinqing_domain::org::OrgKind::Enterprise,
        name: &identity.name,
        division_code: None,
    };
    let id = crate::store::orgs::insert(&mut *conn, &org, now).await?;
    let now = time::to_text(now);
    sqlx::query(
        "INSERT INTO enterprise (id, credit_code, name, legal_representative, contact_phone, \
         industry_code, region_code, ownership, established_on, credit_status, created_at, \
         updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)",
    )
    .bind(id)
    .bind(identity.credit_code.as_str())
    .bind(&identity.name)
    .bind(identity.legal_representative.as_deref())
    .bind(contact_phone)
    .bind(identity.industry_code.as_str())
    .bind(identity.region_code.as_str())
    .bind(identity.ownership.as_str())
    .bind(identity.established_on.map(time::date_to_text))
    .bind(identity.credit_status.as_str())
    .bind(now)
    .execute(conn)
    .await?;
    Ok(id)
}

pub async fn update_identity(
    conn: &mut Conn,
    id: i64,
    identity: &EnterpriseIdentity,
    contact_phone: Option<&str>,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "UPDATE enterprise SET name = $1, legal_representative = $2, contact_phone = $3, \
         industry_code = $4, region_code = $5, ownership = $6, established_on = $7, \
         credit_status = $8, updated_at = $9 WHERE id = $10",
    )
    .bind(&identity.name)
    .bind(identity.legal_representative.as_deref())
    .bind(contact_phone)
    .bind(identity.industry_code.as_str())
    .bind(identity.region_code.as_str())
    .bind(identity.ownership.as_str())
    .bind(identity.established_on.map(time::date_to_text))
    .bind(identity.credit_status.as_str())
    .bind(time::to_text(now))
    .bind(id)
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE organisation SET name = $1 WHERE id = $2")
        .bind(&identity.name)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

pub(crate) const COLUMNS: &str = "SELECT id, credit_code, name, legal_representative, contact_phone, \
    industry_code, region_code, ownership, established_on, credit_status, updated_at FROM enterprise";

pub async fn get_by_credit_code(conn: &mut Conn, code: &CreditCode) -> Result<Option<Enterprise>> {
    let row = sqlx::query(AssertSqlSafe(format!("{COLUMNS} WHERE credit_code = $1")))
        .bind(code.as_str())
        .fetch_optional(conn)
        .await?;
    row.map(|r| from_row(&r)).transpose()
}

/// A page of enterprises matching the filter, ordered by credit code, and the total count.
pub async fn list(conn: &mut Conn, filter: &ListFilter) -> Result<(Vec<Enterprise>, i64)> {
    let (condition, args) = where_clause(filter);
    let total_sql = format!("SELECT COUNT(*) AS n FROM enterprise WHERE {condition}");
    let total: i64 = bind_all(sqlx::query(AssertSqlSafe(total_sql)), &args)
        .fetch_one(&mut *conn)
        .await?
        .try_get("n")?;
    let page_sql = format!(
        "{COLUMNS} WHERE {condition} ORDER BY credit_code LIMIT {} OFFSET {}",
        filter.limit.max(0),
        filter.offset.max(0)
    );
    let rows = bind_all(sqlx::query(AssertSqlSafe(page_sql)), &args)
        .fetch_all(conn)
        .await?;
    let page = rows.iter().map(from_row).collect::<Result<Vec<_>>>()?;
    Ok((page, total))
}

/// The enterprises with ids after `after` up to `up_to`, in id order, at most `limit`: long work
/// reads the register a chunk at a time.
pub async fn chunk(conn: &mut Conn, after: i64, up_to: i64, limit: i64) -> Result<Vec<Enterprise>> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "{COLUMNS} WHERE id > $1 AND id <= $2 ORDER BY id LIMIT $3"
    )))
    .bind(after)
    .bind(up_to)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    rows.iter().map(from_row).collect()
}

/// How many enterprises there are and the highest id (0 when there are none).
pub async fn extent(conn: &mut Conn) -> Result<(i64, i64)> {
    let row = sqlx::query("SELECT COUNT(*) AS n, COALESCE(MAX(id), 0) AS top FROM enterprise")
        .fetch_one(conn)
        .await?;
    Ok((row.try_get("n")?, row.try_get("top")?))
}

fn where_clause(filter: &ListFilter) -> (String, Vec<Arg>) {
    let mut conditions = Vec::new();
    let mut args = Vec::new();
    match &filter.scope {
        ScopeFilter::All => {}
        ScopeFilter::Nothing => conditions.push("1 = 0".to_string()),
        ScopeFilter::RegionPrefix(p) => {
            let n = next(Arg::Text(format!("{p}%")), &mut args);
            conditions.push(format!("region_code LIKE {n}"));
        }
        ScopeFilter::LinkedTo(user) => {
            let n = next(Arg::Int(*user), &mut args);
            conditions.push(format!(
                "id IN (SELECT enterprise_id FROM user_enterprise WHERE user_id = {n})"
            ));
        }
    }
    if let Some(text) = filter.text.as_deref().filter(|t| !t.is_empty()) {
        let n = next(Arg::Text(format!("%{}%", escape_like(text))), &mut args);
        conditions.push(format!(
            "(name LIKE {n} ESCAPE '\\' OR credit_code LIKE {n} ESCAPE '\\')"
        ));
    }
    if let Some(p) = filter.region_prefix.as_deref().filter(|p| !p.is_empty()) {
        let n = next(Arg::Text(format!("{}%", escape_like(p))), &mut args);
        conditions.push(format!("region_code LIKE {n} ESCAPE '\\'"));
    }
    if let Some(p) = filter.industry_prefix.as_deref().filter(|p| !p.is_empty()) {
        let n = next(Arg::Text(format!("{}%", escape_like(p))), &mut args);
        conditions.push(format!("industry_code LIKE {n} ESCAPE '\\'"));
    }
    if conditions.is_empty() {
        conditions.push("1 = 1".to_string());
    }
    (conditions.join(" AND "), args)
}

pub async fn qualifications(conn: &mut Conn, id: i64) -> Result<Vec<Qualification>> {
    let rows = sqlx::query(
        "SELECT name, recognised_on, expires_on FROM enterprise_qualification \
         WHERE enterprise_id = $1 ORDER BY name",
    )
    .bind(id)
    .fetch_all(conn)
    .await?;
    rows.iter().map(qualification_from_row).collect()
}

pub(crate) fn qualification_from_row(r: &AnyRow) -> Result<Qualification> {
    let date = |col: &str| -> Result<_> {
        let v: Option<String> = r.try_get(col)?;
        v.as_deref().map(time::date_from_text).transpose()
    };
    Ok(Qualification {
        name: r.try_get("name")?,
        recognised_on: date("recognised_on")?,
        expires_on: date("expires_on")?,
    })
}

pub async fn replace_qualifications(
    conn: &mut Conn,
    id: i64,
    qualifications: &[Qualification],
) -> Result<()> {
    sqlx::query("DELETE FROM enterprise_qualification WHERE enterprise_id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    for q in qualifications {
        sqlx::query(
            "INSERT INTO enterprise_qualification (enterprise_id, name, recognised_on, expires_on) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(id)
        .bind(&q.name)
        .bind(q.recognised_on.map(time::date_to_text))
        .bind(q.expires_on.map(time::date_to_text))
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

pub async fn figures(conn: &mut Conn, id: i64) -> Result<Vec<Figure>> {
    let rows = sqlx::query(
        "SELECT year, field, value, source FROM enterprise_figure WHERE enterprise_id = $1 \
         ORDER BY year, field",
    )
    .bind(id)
    .fetch_all(conn)
    .await?;
    rows.iter().map(figure_from_row).collect()
}

fn figure_from_row(r: &AnyRow) -> Result<Figure> {
    let source: String = r.try_get("source")?;
    Ok(Figure {
        year: stored(
            "enterprise_figure.year",
            i32::try_from(r.try_get::<i64, _>("year")?),
        )?,
        field: r.try_get("field")?,
        value: r.try_get("value")?,
        source: stored(
            "enterprise_figure.source",
            FigureSource::parse(&source).ok_or(source.clone()),
        )?,
    })
}

/// Sets one figure; `None` removes it.
pub async fn set_figure(
    conn: &mut Conn,
    id: i64,
    year: i32,
    field: &str,
    value: Option<i64>,
    source: FigureSource,
    now: DateTime<Utc>,
) -> Result<()> {
    let Some(value) = value else {
        sqlx::query(
            "DELETE FROM enterprise_figure WHERE enterprise_id = $1 AND year = $2 AND field = $3",
        )
        .bind(id)
        .bind(i64::from(year))
        .bind(field)
        .execute(conn)
        .await?;
        return Ok(());
    };
    sqlx::query(
        "INSERT INTO enterprise_figure (enterprise_id, year, field, value, source, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (enterprise_id, year, field) DO UPDATE \
         SET value = excluded.value, source = excluded.source, updated_at = excluded.updated_at",
    )
    .bind(id)
    .bind(i64::from(year))
    .bind(field)
    .bind(value)
    .bind(source.as_str())
    .bind(time::to_text(now))
    .execute(conn)
    .await?;
    Ok(())
}

pub struct NewCorrection<'a> {
    pub enterprise_id: i64,
    pub year: i32,
    pub field: &'a str,
    pub old_value: Option<i64>,
    pub new_value: Option<i64>,
    pub user_id: i64,
    pub on_behalf_of: Option<i64>,
}

pub async fn insert_correction(
    conn: &mut Conn,
    c: &NewCorrection<'_>,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO figure_correction (enterprise_id, year, field, old_value, new_value, \
         user_id, on_behalf_of, corrected_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(c.enterprise_id)
    .bind(i64::from(c.year))
    .bind(c.field)
    .bind(c.old_value)
    .bind(c.new_value)
    .bind(c.user_id)
    .bind(c.on_behalf_of)
    .bind(time::to_text(now))
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn corrections(conn: &mut Conn, id: i64) -> Result<Vec<Correction>> {
    let rows = sqlx::query(
        "SELECT c.year, c.field, c.old_value, c.new_value, u.username, u.display_name, \
         e.credit_code AS behalf, \
         c.corrected_at FROM figure_correction c JOIN app_user u ON u.id = c.user_id \
         LEFT JOIN enterprise e ON e.id = c.on_behalf_of WHERE c.enterprise_id = $1 \
         ORDER BY c.id",
    )
    .bind(id)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Correction {
                year: stored(
                    "figure_correction.year",
                    i32::try_from(r.try_get::<i64, _>("year")?),
                )?,
                field: r.try_get("field")?,
                old_value: r.try_get("old_value")?,
                new_value: r.try_get("new_value")?,
                username: r.try_get("username")?,
                display_name: r.try_get("display_name")?,
                on_behalf_of: r.try_get("behalf")?,
                corrected_at: time::from_text(&r.try_get::<String, _>("corrected_at")?)?,
            })
        })
        .collect()
}

pub async fn record_pledge(
    conn: &mut Conn,
    enterprise_id: i64,
    user_id: i64,
    version: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO pledge_acceptance (enterprise_id, user_id, pledge_version, accepted_at) \
         VALUES ($1, $2, $3, $4)",
    )
    .bind(enterprise_id)
    .bind(user_id)
    .bind(version)
    .bind(time::to_text(now))
    .execute(conn)
    .await?;
    Ok(())
}

/// The latest 诚信承诺书 acceptance: version and time.
pub async fn latest_pledge(
    conn: &mut Conn,
    enterprise_id: i64,
) -> Result<Option<(String, DateTime<Utc>)>> {
    let row = sqlx::query(
        "SELECT pledge_version, accepted_at FROM pledge_acceptance WHERE enterprise_id = $1 \
         ORDER BY id DESC LIMIT 1",
    )
    .bind(enterprise_id)
    .fetch_optional(conn)
    .await?;
    row.map(|r| {
        Ok((
            r.try_get("pledge_version")?,
            time::from_text(&r.try_get::<String, _>("accepted_at")?)?,
        ))
    })
    .transpose()
}

pub async fn count(conn: &mut Conn) -> Result<i64> {
    Ok(sqlx::query("SELECT COUNT(*) AS n FROM enterprise")
        .fetch_one(conn)
        .await?
        .try_get("n")?)
}

pub(crate) fn from_row(row: &AnyRow) -> Result<Enterprise> {
    let text = |col: &str| -> Result<String> { Ok(row.try_get(col)?) };
    let ownership = text("ownership")?;
    let credit_status = text("credit_status")?;
    let established: Option<String> = row.try_get("established_on")?;
    Ok(Enterprise {
        id: row.try_get("id")?,
        identity: EnterpriseIdentity {
            credit_code: stored("credit_code", CreditCode::parse(&text("credit_code")?))?,
            name: text("name")?,
            legal_representative: row.try_get("legal_representative")?,
            industry_code: stored(
                "industry_code",
                IndustryCode::parse(&text("industry_code")?),
            )?,
            region_code: stored("region_code", DivisionCode::parse(&text("region_code")?))?,
            ownership: stored(
                "ownership",
                Ownership::parse(&ownership).ok_or(ownership.clone()),
            )?,
            established_on: established
                .as_deref()
                .map(time::date_from_text)
                .transpose()?,
            credit_status: stored(
                "credit_status",
                CreditStatus::parse(&credit_status).ok_or(credit_status.clone()),
            )?,
        },
        contact_phone: row.try_get("contact_phone")?,
        updated_at: time::from_text(&text("updated_at")?)?,
    })
}
