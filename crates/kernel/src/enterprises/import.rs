//! Bulk import and export of enterprise profiles in the documented CSV/XLSX format.
//!
//! An import is all or nothing as far as the file goes: the file is parsed and every row checked
//! (format, and that the importer's scope covers the enterprise) before anything is written, and
//! one bad row means nothing is written. The rows are then written in chunks of a few hundred,
//! each chunk its own short transaction with each enterprise's audit entry, so importing a whole
//! register (100,000 enterprises) never holds the database for seconds while people at the
//! counter wait. The import is recorded as long work with its progress (the supervision cockpit
//! lists it); a crash part-way leaves the rows written so far and the import marked interrupted
//! (已中断) by the next server's background round — importing the same file again completes it,
//! since every row is written by credit code and writing a row twice changes nothing.

use super::registration::served_districts;
use crate::audit::{self, Change};
use crate::store::enterprises::{self as store, Enterprise, ListFilter};
use crate::store::enterprises_bulk as bulk;
use crate::store::long_work::{self, NewWork, WorkState};
use crate::store::writes::ChunkSize;
use crate::store::{Conn, StoreError};
use crate::{App, AppError, AppResult, Principal, RequestMeta};
use chrono::Datelike;
use qinqing_domain::DivisionCode;
use qinqing_domain::enterprise::{FigureSource, Qualification, YearFigures};
use qinqing_domain::org::may_import_enterprises;
use qinqing_exchange::{EnterpriseRecord, FileFormat, ImportReport, RowError};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ImportSummary {
    pub rows: usize,
    pub created: usize,
    pub updated: usize,
}

/// The first data row is the file's second line (the header is the first).
const FIRST_DATA_ROW: usize = 2;

pub async fn import(
    app: &App,
    who: &Principal,
    bytes: &[u8],
    format: FileFormat,
    meta: &RequestMeta,
) -> AppResult<ImportSummary> {
    if !may_import_enterprises(who.role) {
        return Err(AppError::forbidden("当前角色不能批量导入企业资料"));
    }
    let records =
        qinqing_exchange::parse_enterprises(bytes, format).map_err(AppError::ImportRejected)?;
    import_records(app, who, &records, meta).await
}

/// Imports records already parsed (from a file, or generated for the demo district).
pub async fn import_records(
    app: &App,
    who: &Principal,
    records: &[EnterpriseRecord],
    meta: &RequestMeta,
) -> AppResult<ImportSummary> {
    if !may_import_enterprises(who.role) {
        return Err(AppError::forbidden("当前角色不能批量导入企业资料"));
    }
    let existing = {
        let mut conn = app.db.conn().await?;
        let existing = existing_enterprises(&mut conn, records).await?;
        check_rows(who, records, &existing, &served_districts(&mut conn).await?)?;
        existing
    };
    let mut ids: HashMap<String, i64> = existing.iter().map(|(k, e)| (k.clone(), e.id)).collect();
    let work_id = record_start(app, who, records.len()).await?;
    let mut written = Ok(());
    let mut size = CHUNK;
    let mut rest = records;
    while !rest.is_empty() && written.is_ok() {
        let (chunk, after) = rest.split_at(size.get().min(rest.len()));
        rest = after;
        written = write_chunk(app, who, meta, chunk, &mut ids, work_id)
            .await
            .map(|took| size.after(took));
    }
    let end = if written.is_ok() {
        WorkState::Done
    } else {
        WorkState::Interrupted
    };
    let mut conn = app.db.conn().await?;
    long_work::finish(&mut conn, work_id, end, app.now()).await?;
    written?;
    Ok(ImportSummary {
        rows: records.len(),
        created: ids.len() - existing.len(),
        updated: existing.len(),
    })
}

/// Rows written per transaction: as many as take about 40 ms to write (a chunk is a few
/// multi-row statements: the new organisations, the identities, the figures, the audit
/// entries), between 50 and 500. Not fewer than 50: on a busy machine the target cannot be met
/// and ever smaller chunks only multiplied the transactions.
const CHUNK: ChunkSize = ChunkSize::new(50, (50, 500), std::time::Duration::from_millis(40));
/// The kind of long work an import is.
pub const IMPORT_WORK: &str = "enterprise_import";

/// An import whose progress has not moved for this long was cut off (its process stopped).
const STALLED_AFTER: chrono::TimeDelta = chrono::TimeDelta::minutes(2);

/// Marks imports cut off part-way interrupted (已中断), for the server's background round.
pub async fn interrupt_stalled(app: &App) -> AppResult<u64> {
    let now = app.now();
    let mut conn = app.db.conn().await?;
    let before = now - STALLED_AFTER;
    Ok(long_work::interrupt_stalled(&mut conn, IMPORT_WORK, before, now).await?)
}

async fn record_start(app: &App, who: &Principal, rows: usize) -> AppResult<i64> {
    let label = format!("导入企业资料({rows} 行)");
    let work = NewWork {
        kind: IMPORT_WORK,
        label: &label,
        link: Some("/enterprises"),
        total: i64::try_from(rows).unwrap_or(i64::MAX),
        started_by: (!who.is_system()).then_some(who.user_id),
    };
    let mut conn = app.db.conn().await?;
    Ok(long_work::insert(&mut conn, &work, app.now()).await?)
}

/// Writes one chunk of rows, each with its audit entry, in one short transaction taken after
/// any interactive request waiting to write; how long the transaction took. A file's checks
/// make an enterprise's rows agree on its identity and give each year once; records that do not
/// (from another caller) apply in order, the later row standing.
async fn write_chunk(
    app: &App,
    who: &Principal,
    meta: &RequestMeta,
    chunk: &[EnterpriseRecord],
    ids: &mut HashMap<String, i64>,
    work_id: i64,
) -> AppResult<std::time::Duration> {
    let now = app.now();
    let (mut tx, turn) = app.db.begin_background(IMPORT_WORK).await?;
    let latest = latest_per_enterprise(chunk);
    let new: Vec<&EnterpriseRecord> = latest
        .iter()
        .copied()
        .filter(|r| !ids.contains_key(r.identity.credit_code.as_str()))
        .collect();
    let names: Vec<&str> = new.iter().map(|r| r.identity.name.as_str()).collect();
    let created = bulk::insert_organisations(&mut tx, &names, now).await?;
    for (record, id) in new.iter().zip(created) {
        ids.insert(record.identity.credit_code.as_str().to_string(), id);
    }
    let id_of = |r: &EnterpriseRecord| ids.get(r.identity.credit_code.as_str()).copied();
    let identities: Vec<bulk::IdentityRow> = latest
        .iter()
        .filter_map(|r| {
            Some(bulk::IdentityRow {
                id: id_of(r)?,
                identity: &r.identity,
                contact_phone: r.contact_phone.as_ref().map(|p| p.as_str()),
            })
        })
        .collect();
    bulk::write_identities(&mut tx, &identities, now).await?;
    let figures = figures_of(chunk, &id_of);
    bulk::write_figures(&mut tx, &figures, FigureSource::Government, now).await?;
    let qualifications = qualifications_of(chunk, &id_of);
    bulk::replace_qualifications(&mut tx, &qualifications).await?;
    let changes = chunk.iter().map(imported).collect();
    audit::record_many(&mut tx, who, meta, changes, now).await?;
    let n = i64::try_from(chunk.len()).unwrap_or(i64::MAX);
    long_work::advance(&mut tx, work_id, n, now).await?;
    // A failed chunk ends the import (interrupted), so the ids it made are not used again.
    tx.commit().await.map_err(StoreError::from)?;
    Ok(turn.done())
}

/// Each enterprise of the chunk once, in order of first appearance, as its last row gives it.
fn latest_per_enterprise(chunk: &[EnterpriseRecord]) -> Vec<&EnterpriseRecord> {
    let mut order: Vec<&str> = Vec::new();
    let mut last: HashMap<&str, &EnterpriseRecord> = HashMap::new();
    for record in chunk {
        let code = record.identity.credit_code.as_str();
        if last.insert(code, record).is_none() {
            order.push(code);
        }
    }
    order
        .iter()
        .filter_map(|code| last.get(code).copied())
        .collect()
}

/// The figures the chunk gives, each once with the value of the last row giving it.
fn figures_of(
    chunk: &[EnterpriseRecord],
    id_of: &impl Fn(&EnterpriseRecord) -> Option<i64>,
) -> Vec<(bulk::FigureKey, i64)> {
    let mut figures = BTreeMap::new();
    for record in chunk {
        let Some(enterprise_id) = id_of(record) else {
            continue;
        };
        for (field, value) in figure_values(&record.figures) {
            if let Some(value) = value {
                let key = bulk::FigureKey {
                    enterprise_id,
                    year: record.figures.year,
                    field,
                };
                figures.insert(key, value);
            }
        }
    }
    figures.into_iter().collect()
}

/// The qualifications of each enterprise whose rows list any, as its last such row lists them.
fn qualifications_of<'a>(
    chunk: &'a [EnterpriseRecord],
    id_of: &impl Fn(&EnterpriseRecord) -> Option<i64>,
) -> Vec<(i64, &'a [Qualification])> {
    let mut listed: BTreeMap<i64, &'a [Qualification]> = BTreeMap::new();
    for record in chunk.iter().filter(|r| !r.qualifications.is_empty()) {
        if let Some(id) = id_of(record) {
            listed.insert(id, &record.qualifications);
        }
    }
    listed.into_iter().collect()
}

/// The audit entry of one imported row: the identity and the year's figures it gave.
fn imported(record: &EnterpriseRecord) -> Change<'static> {
    Change {
        action: "enterprise.imported",
        object_type: "enterprise",
        object_id: record.identity.credit_code.as_str().to_string(),
        on_behalf_of: None,
        detail: serde_json::json!({ "identity": record.identity, "figures": record.figures }),
    }
}

async fn existing_enterprises(
    conn: &mut Conn,
    records: &[EnterpriseRecord],
) -> AppResult<HashMap<String, Enterprise>> {
    let codes: BTreeSet<&str> = records
        .iter()
        .map(|r| r.identity.credit_code.as_str())
        .collect();
    let codes: Vec<&str> = codes.into_iter().collect();
    Ok(bulk::by_credit_codes(conn, &codes)
        .await?
        .into_iter()
        .map(|e| (e.identity.credit_code.as_str().to_string(), e))
        .collect())
}

/// Every row must lie in a district the platform serves and in the importer's scope, and so
/// must the enterprise it overwrites; every offending row is reported.
fn check_rows(
    who: &Principal,
    records: &[EnterpriseRecord],
    existing: &HashMap<String, Enterprise>,
    districts: &[DivisionCode],
) -> AppResult<()> {
    let mut errors = Vec::new();
    for (i, r) in records.iter().enumerate() {
        let code = &r.identity.credit_code;
        let region = &r.identity.region_code;
        let message = if !districts.iter().any(|d| region.is_under(d)) {
            Some(format!("区划 {region} 不在本平台服务的辖区内"))
        } else if !who.covers_enterprise(code, region)
            || existing
                .get(code.as_str())
                .is_some_and(|e| !who.covers_enterprise(code, &e.identity.region_code))
        {
            Some("该企业不在您的管辖范围内,不能导入".to_string())
        } else {
            None
        };
        if let Some(message) = message {
            errors.push(RowError {
                row: i + FIRST_DATA_ROW,
                column: "region_code".into(),
                value: region.to_string(),
                message,
            });
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::ImportRejected(ImportReport {
            rows: records.len(),
            errors,
        }))
    }
}

/// The figures a row may give, by the name the register stores them under.
fn figure_values(figures: &YearFigures) -> [(&'static str, Option<i64>); 7] {
    let money = |m: Option<qinqing_domain::Money>| m.map(|m| m.fen());
    [
        ("revenue", money(figures.revenue)),
        ("tax_paid", money(figures.tax_paid)),
        (
            "employees",
            figures.employees.and_then(|e| i64::try_from(e).ok()),
        ),
        ("total_assets", money(figures.total_assets)),
        ("rd_expense", money(figures.rd_expense)),
        (
            "fixed_asset_investment",
            money(figures.fixed_asset_investment),
        ),
        ("equipment_investment", money(figures.equipment_investment)),
    ]
}

/// Every enterprise in the caller's scope, one row per enterprise and year, in the import format.
pub async fn export(app: &App, who: &Principal, format: FileFormat) -> AppResult<Vec<u8>> {
    if who.scope == qinqing_domain::org::Scope::Nothing {
        return Err(AppError::forbidden("当前角色不能导出企业资料"));
    }
    let mut conn = app.db.conn().await?;
    let filter = ListFilter {
        scope: who.scope_filter(),
        text: None,
        region_prefix: None,
        industry_prefix: None,
        limit: i64::MAX,
        offset: 0,
    };
    let (enterprises, _) = store::list(&mut conn, &filter).await?;
    let ids: Vec<i64> = enterprises.iter().map(|e| e.id).collect();
    let mut years_of = bulk::years_of(&mut conn, &ids).await?;
    let mut qualifications_of = bulk::qualifications_of(&mut conn, &ids).await?;
    let mut records = Vec::new();
    for e in enterprises {
        let mut years = years_of.remove(&e.id).unwrap_or_default();
        let qualifications = qualifications_of.remove(&e.id).unwrap_or_default();
        let contact_phone = e
            .contact_phone
            .as_deref()
            .and_then(|p| qinqing_domain::contact::PhoneNumber::parse(p).ok());
        if years.is_empty() {
            // The format has a row per enterprise and year; an enterprise with no figures yet
            // still gets its row, under last year, with the figures blank.
            years.push(YearFigures {
                year: app.now().year() - 1,
                ..YearFigures::default()
            });
        }
        for figures in years {
            records.push(EnterpriseRecord {
                identity: e.identity.clone(),
                contact_phone: contact_phone.clone(),
                figures,
                qualifications: qualifications.clone(),
            });
        }
    }
    match format {
        FileFormat::Csv => Ok(qinqing_exchange::write_csv(&records)),
        FileFormat::Xlsx => qinqing_exchange::write_xlsx(&records)
            .map_err(|e| AppError::Internal(anyhow::anyhow!("writing XLSX: {e}"))),
    }
}
