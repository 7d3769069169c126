//! The enterprise register written and read in bulk, as an import of a whole register does: a
//! few multi-row statements per chunk of rows instead of a dozen statements per row (100,000
//! enterprises were 1.2 million statements).

use super::enterprises::{COLUMNS, Enterprise, from_row, qualification_from_row};
use crate::store::sql::{id_conditions, in_list, statement_batches, value_rows};
use crate::store::{Conn, Result, stored, time};
use chrono::{DateTime, Utc};
use qinqing_domain::enterprise::{
    EnterpriseIdentity, FIGURE_FIELDS, FigureSource, Qualification, YearFigures,
};
use qinqing_domain::org::OrgKind;
use sqlx::{AssertSqlSafe, Row};
use std::collections::HashMap;

/// The enterprises whose credit codes are among `codes`, by credit code.
pub async fn by_credit_codes(conn: &mut Conn, codes: &[&str]) -> Result<Vec<Enterprise>> {
    let mut found = Vec::new();
    for batch in statement_batches(codes, 1) {
        let sql = format!(
            "{COLUMNS} WHERE credit_code IN ({})",
            in_list(1, batch.len())
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for code in batch {
            query = query.bind(*code);
        }
        for row in query.fetch_all(&mut *conn).await? {
            found.push(from_row(&row)?);
        }
    }
    Ok(found)
}

/// Creates an enterprise's organisation for each name; their ids, name for name. Organisations
/// of the same name are alike in every column, so which of them a name gets does not matter and
/// the order the database returns them in need not be relied on.
pub async fn insert_organisations(
    conn: &mut Conn,
    names: &[&str],
    now: DateTime<Utc>,
) -> Result<Vec<i64>> {
    let created_at = time::to_text(now);
    let mut ids_by_name: HashMap<String, Vec<i64>> = HashMap::new();
    for batch in statement_batches(names, 3) {
        let sql = format!(
            "INSERT INTO organisation (kind, name, created_at) VALUES {} RETURNING id, name",
            value_rows(batch.len(), 3)
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for name in batch {
            query = query
                .bind(OrgKind::Enterprise.as_str())
                .bind(*name)
                .bind(&created_at);
        }
        for row in query.fetch_all(&mut *conn).await? {
            ids_by_name
                .entry(row.try_get("name")?)
                .or_default()
                .push(row.try_get("id")?);
        }
    }
    names
        .iter()
        .map(|name| {
            ids_by_name
                .get_mut(*name)
                .and_then(Vec::pop)
                .ok_or_else(|| {
                    super::StoreError::Corrupt(format!("organisation “{name}” not created"))
                })
        })
        .collect()
}

/// One enterprise's identity as a bulk write gives it.
pub struct IdentityRow<'a> {
    pub id: i64,
    pub identity: &'a EnterpriseIdentity,
    pub contact_phone: Option<&'a str>,
}

/// Writes each enterprise's identity (new or overwriting) and names its organisation after it.
pub async fn write_identities(
    conn: &mut Conn,
    rows: &[IdentityRow<'_>],
    now: DateTime<Utc>,
) -> Result<()> {
    let now = time::to_text(now);
    for batch in statement_batches(rows, 12) {
        let sql = format!(
            "INSERT INTO enterprise (id, credit_code, name, legal_representative, contact_phone, \
             industry_code, region_code, ownership, established_on, credit_status, created_at, \
             updated_at) VALUES {} ON CONFLICT (id) DO UPDATE SET name = excluded.name, \
             legal_representative = excluded.legal_representative, \
             contact_phone = excluded.contact_phone, industry_code = excluded.industry_code, \
             region_code = excluded.region_code, ownership = excluded.ownership, \
             established_on = excluded.established_on, credit_status = excluded.credit_status, \
             updated_at = excluded.updated_at",
            value_rows(batch.len(), 12)
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for row in batch {
            let identity = row.identity;
            query = query
                .bind(row.id)
                .bind(identity.credit_code.as_str())
                .bind(identity.name.as_str())
                .bind(identity.legal_representative.as_deref())
                .bind(row.contact_phone)
                .bind(identity.industry_code.as_str())
                .bind(identity.region_code.as_str())
                .bind(identity.ownership.as_str())
                .bind(identity.established_on.map(time::date_to_text))
                .bind(identity.credit_status.as_str())
                .bind(now.as_str())
                .bind(now.as_str());
        }
        query.execute(&mut *conn).await?;
        let sql = format!(
            "INSERT INTO organisation (id, kind, name, created_at) VALUES {} \
             ON CONFLICT (id) DO UPDATE SET name = excluded.name",
            value_rows(batch.len(), 4)
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for row in batch {
            query = query
                .bind(row.id)
                .bind(OrgKind::Enterprise.as_str())
                .bind(row.identity.name.as_str())
                .bind(now.as_str());
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// One figure of one enterprise and year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FigureKey {
    pub enterprise_id: i64,
    pub year: i32,
    pub field: &'static str,
}

/// Sets each figure to its value from `source`; a figure appears once among `figures`.
pub async fn write_figures(
    conn: &mut Conn,
    figures: &[(FigureKey, i64)],
    source: FigureSource,
    now: DateTime<Utc>,
) -> Result<()> {
    let now = time::to_text(now);
    for batch in statement_batches(figures, 6) {
        let sql = format!(
            "INSERT INTO enterprise_figure (enterprise_id, year, field, value, source, updated_at) \
             VALUES {} ON CONFLICT (enterprise_id, year, field) DO UPDATE \
             SET value = excluded.value, source = excluded.source, updated_at = excluded.updated_at",
            value_rows(batch.len(), 6)
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for (key, value) in batch {
            query = query
                .bind(key.enterprise_id)
                .bind(i64::from(key.year))
                .bind(key.field)
                .bind(*value)
                .bind(source.as_str())
                .bind(now.as_str());
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Replaces each listed enterprise's qualifications with those given for it.
pub async fn replace_qualifications(conn: &mut Conn, of: &[(i64, &[Qualification])]) -> Result<()> {
    let ids: Vec<i64> = of.iter().map(|(id, _)| *id).collect();
    for batch in statement_batches(&ids, 1) {
        let sql = format!(
            "DELETE FROM enterprise_qualification WHERE enterprise_id IN ({})",
            in_list(1, batch.len())
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for id in batch {
            query = query.bind(*id);
        }
        query.execute(&mut *conn).await?;
    }
    let rows: Vec<(i64, &Qualification)> = of
        .iter()
        .flat_map(|(id, qualifications)| qualifications.iter().map(|q| (*id, q)))
        .collect();
    for batch in statement_batches(&rows, 4) {
        let sql = format!(
            "INSERT INTO enterprise_qualification (enterprise_id, name, recognised_on, expires_on) \
             VALUES {}",
            value_rows(batch.len(), 4)
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for (id, q) in batch {
            query = query
                .bind(*id)
                .bind(q.name.as_str())
                .bind(q.recognised_on.map(time::date_to_text))
                .bind(q.expires_on.map(time::date_to_text));
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// The figures of each of `ids` that has any as yearly profiles, oldest year first (and perhaps
/// of ids between them, when they lie close together). The database turns the stored rows (one
/// per figure) into one row per enterprise and year: a seventh of the rows to carry over.
pub async fn years_of(conn: &mut Conn, ids: &[i64]) -> Result<HashMap<i64, Vec<YearFigures>>> {
    let pivot: Vec<String> = FIGURE_FIELDS
        .iter()
        .map(|(field, _)| format!("MAX(CASE WHEN field = '{field}' THEN value END)"))
        .collect();
    let mut years: HashMap<i64, Vec<YearFigures>> = HashMap::new();
    for (condition, args) in id_conditions("enterprise_id", ids, 1) {
        let sql = format!(
            "SELECT enterprise_id, year, {} FROM enterprise_figure WHERE {condition} \
             GROUP BY enterprise_id, year ORDER BY enterprise_id, year",
            pivot.join(", ")
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for arg in args {
            query = query.bind(arg);
        }
        for row in query.fetch_all(&mut *conn).await? {
            let year: i64 = row.try_get(1)?;
            let mut figures = YearFigures {
                year: stored("enterprise_figure.year", i32::try_from(year))?,
                ..YearFigures::default()
            };
            for (i, (field, _)) in FIGURE_FIELDS.iter().enumerate() {
                if let Some(value) = row.try_get::<Option<i64>, _>(i + 2)? {
                    figures.set_stored(field, value);
                }
            }
            years.entry(row.try_get(0)?).or_default().push(figures);
        }
    }
    Ok(years)
}

/// The qualifications of each of `ids` that has any, by name (and perhaps of ids between
/// them, when they lie close together).
pub async fn qualifications_of(
    conn: &mut Conn,
    ids: &[i64],
) -> Result<HashMap<i64, Vec<Qualification>>> {
    let mut qualifications: HashMap<i64, Vec<Qualification>> = HashMap::new();
    for (condition, args) in id_conditions("enterprise_id", ids, 1) {
        let sql = format!(
            "SELECT enterprise_id, name, recognised_on, expires_on FROM enterprise_qualification \
             WHERE {condition} ORDER BY enterprise_id, name"
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for arg in args {
            query = query.bind(arg);
        }
        for row in query.fetch_all(&mut *conn).await? {
            let id: i64 = row.try_get("enterprise_id")?;
            qualifications
                .entry(id)
                .or_default()
                .push(qualification_from_row(&row)?);
        }
    }
    Ok(qualifications)
}
