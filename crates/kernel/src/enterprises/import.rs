//! Bulk import and export of enterprise profiles in the documented CSV/XLSX format.
//!
//! An import is all or nothing: the file is parsed and every row checked (format, and that the
//! importer's scope covers the enterprise) before anything is written; then all rows are written
//! in one transaction, each enterprise with its own audit entry.

use super::profile::year_figures;
use super::registration::served_districts;
use crate::audit::{self, Change};
use crate::store::enterprises::{self as store, Enterprise, ListFilter};
use crate::store::{Conn, StoreError};
use crate::{App, AppError, AppResult, Principal, RequestMeta};
use chrono::Datelike;
use qinqing_domain::DivisionCode;
use qinqing_domain::enterprise::{FigureSource, YearFigures};
use qinqing_domain::org::may_import_enterprises;
use qinqing_exchange::{EnterpriseRecord, FileFormat, ImportReport, RowError};
use serde::Serialize;
use std::collections::HashMap;

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
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let existing = existing_enterprises(&mut tx, records).await?;
    let districts = served_districts(&mut tx).await?;
    check_rows(who, records, &existing, &districts)?;
    let mut ids: HashMap<String, i64> = existing.iter().map(|(k, e)| (k.clone(), e.id)).collect();
    for record in records {
        let code = record.identity.credit_code.as_str().to_string();
        let phone = record.contact_phone.as_ref().map(|p| p.as_str());
        let id = match ids.get(&code) {
            Some(&id) => {
                store::update_identity(&mut tx, id, &record.identity, phone, now).await?;
                id
            }
            None => {
                let id = store::insert(&mut tx, &record.identity, phone, now).await?;
                ids.insert(code.clone(), id);
                id
            }
        };
        write_figures(&mut tx, id, &record.figures, now).await?;
        if !record.qualifications.is_empty() {
            store::replace_qualifications(&mut tx, id, &record.qualifications).await?;
        }
        let change = Change {
            action: "enterprise.imported",
            object_type: "enterprise",
            object_id: code,
            on_behalf_of: None,
            detail: serde_json::json!({ "identity": record.identity, "figures": record.figures }),
        };
        audit::record(&mut tx, who, meta, change, now).await?;
    }
    tx.commit().await.map_err(StoreError::from)?;
    Ok(ImportSummary {
        rows: records.len(),
        created: ids.len() - existing.len(),
        updated: existing.len(),
    })
}

async fn existing_enterprises(
    conn: &mut Conn,
    records: &[EnterpriseRecord],
) -> AppResult<HashMap<String, Enterprise>> {
    let mut found = HashMap::new();
    for r in records {
        let code = r.identity.credit_code.as_str();
        if found.contains_key(code) {
            continue;
        }
        if let Some(e) = store::get_by_credit_code(conn, &r.identity.credit_code).await? {
            found.insert(code.to_string(), e);
        }
    }
    Ok(found)
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

async fn write_figures(
    conn: &mut Conn,
    id: i64,
    figures: &YearFigures,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<()> {
    let money = |m: Option<qinqing_domain::Money>| m.map(|m| m.fen());
    let values = [
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
    ];
    for (field, value) in values {
        if value.is_some() {
            store::set_figure(
                conn,
                id,
                figures.year,
                field,
                value,
                FigureSource::Government,
                now,
            )
            .await?;
        }
    }
    Ok(())
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
    let mut records = Vec::new();
    for e in enterprises {
        let figures = store::figures(&mut conn, e.id).await?;
        let qualifications = store::qualifications(&mut conn, e.id).await?;
        let contact_phone = e
            .contact_phone
            .as_deref()
            .and_then(|p| qinqing_domain::contact::PhoneNumber::parse(p).ok());
        let mut years: Vec<i32> = figures.iter().map(|f| f.year).collect();
        years.dedup();
        if years.is_empty() {
            // The format has a row per enterprise and year; an enterprise with no figures yet
            // still gets its row, under last year, with the figures blank.
            years.push(app.now().year() - 1);
        }
        for year in years {
            let of_year: Vec<_> = figures.iter().filter(|f| f.year == year).collect();
            records.push(EnterpriseRecord {
                identity: e.identity.clone(),
                contact_phone: contact_phone.clone(),
                figures: year_figures(year, &of_year),
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
