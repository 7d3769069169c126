//! Reading and correcting an enterprise profile.

use super::visible_enterprise;
use crate::audit::{self, Change};
use crate::error::FieldErrors;
use crate::store::enterprises::{self as store, Enterprise, Figure, ListFilter, NewCorrection};
use crate::store::{Conn, StoreError};
use crate::{App, AppError, AppResult, Principal, RequestMeta};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use qinqing_domain::contact::PhoneNumber;
use qinqing_domain::deadline::{Limit, LimitUnit};
use qinqing_domain::enterprise::{
    CreditStatus, EnterpriseIdentity, FIGURE_FIELDS, FigureSource, Ownership, Qualification,
    YearFigures, parse_name,
};
use qinqing_domain::org::{Role, may_edit_profile};
use qinqing_domain::size::SizeClass;
use qinqing_domain::{CreditCode, DivisionCode, IndustryCode, Money};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Serialize)]
pub struct FigureView {
    pub field: String,
    pub label: &'static str,
    /// Plain: "1234.56" yuan for money, a count for employees (what forms and files use).
    pub value: String,
    /// For reading: "1,234.56".
    pub display: String,
    pub source: FigureSource,
}

#[derive(Debug, Clone, Serialize)]
pub struct YearView {
    pub year: i32,
    pub figures: Vec<FigureView>,
    /// Derived from the year's figures; absent when a figure the sector needs is missing.
    pub size: Option<SizeClass>,
    pub size_rule: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CorrectionView {
    pub year: i32,
    pub field: String,
    /// The figure's name (营业收入).
    pub field_label: &'static str,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    /// The values as pages show them (thousands separated).
    pub old_shown: Option<String>,
    pub new_shown: Option<String>,
    pub username: String,
    /// Who corrected it, by name.
    pub person: String,
    pub on_behalf_of: Option<String>,
    pub corrected_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProfileView {
    pub identity: EnterpriseIdentity,
    pub contact_phone: Option<String>,
    pub updated_at: DateTime<Utc>,
    pub qualifications: Vec<Qualification>,
    pub years: Vec<YearView>,
    pub corrections: Vec<CorrectionView>,
    pub pledge_version: Option<String>,
    pub pledge_accepted_at: Option<DateTime<Utc>>,
    /// Whether the caller may change the registry fields (name, industry, region, ownership,
    /// credit status) or only what an enterprise may correct.
    pub may_edit_registry: bool,
    pub may_edit: bool,
    /// Where the enterprise is registered, by name ("东石镇 东石村"); the code when the
    /// platform does not know the division.
    pub region_name: String,
}

/// Edits to a profile. Absent fields stay as they are; for figures, an empty value removes it.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ProfileUpdate {
    pub name: Option<String>,
    pub legal_representative: Option<String>,
    pub contact_phone: Option<String>,
    pub industry_code: Option<String>,
    pub region_code: Option<String>,
    pub ownership: Option<String>,
    pub established_on: Option<String>,
    pub credit_status: Option<String>,
    /// Tags as "名称" or "名称@YYYY-MM-DD"; replaces the list when present.
    pub qualifications: Option<Vec<String>>,
    #[serde(default)]
    pub figures: Vec<FigureInput>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct FigureInput {
    pub year: i32,
    pub field: String,
    pub value: Option<String>,
}

fn is_money(field: &str) -> bool {
    field != "employees"
}

fn show(field: &str, value: i64) -> String {
    if is_money(field) {
        Money::from_fen(value).to_string()
    } else {
        value.to_string()
    }
}

fn show_grouped(field: &str, value: i64) -> String {
    if is_money(field) {
        Money::from_fen(value).format_grouped()
    } else {
        value.to_string()
    }
}

fn figure_label(field: &str) -> &'static str {
    FIGURE_FIELDS
        .iter()
        .find(|(name, _)| *name == field)
        .map_or("", |(_, label)| label)
}

/// Whether the caller edits as the enterprise (its own user, or its steward on its behalf).
fn edits_as_enterprise(role: Role) -> bool {
    matches!(role, Role::EnterpriseUser | Role::Steward)
}

pub async fn profile(app: &App, who: &Principal, code: &CreditCode) -> AppResult<ProfileView> {
    let mut conn = app.db.conn().await?;
    let enterprise = visible_enterprise(&mut conn, who, code).await?;
    let figures = store::figures(&mut conn, enterprise.id).await?;
    let years = year_views(&enterprise.identity.industry_code, &figures);
    let corrections = store::corrections(&mut conn, enterprise.id)
        .await?
        .into_iter()
        .map(|c| CorrectionView {
            old_value: c.old_value.map(|v| show(&c.field, v)),
            new_value: c.new_value.map(|v| show(&c.field, v)),
            old_shown: c.old_value.map(|v| show_grouped(&c.field, v)),
            new_shown: c.new_value.map(|v| show_grouped(&c.field, v)),
            field_label: figure_label(&c.field),
            year: c.year,
            field: c.field,
            username: c.username,
            person: c.display_name,
            on_behalf_of: c.on_behalf_of,
            corrected_at: c.corrected_at,
        })
        .collect();
    let pledge = store::latest_pledge(&mut conn, enterprise.id).await?;
    let region = &enterprise.identity.region_code;
    let region_name = crate::store::orgs::division_path(&mut conn, region).await?;
    Ok(ProfileView {
        region_name: if region_name.is_empty() {
            region.as_str().to_string()
        } else {
            region_name.join(" ")
        },
        qualifications: store::qualifications(&mut conn, enterprise.id).await?,
        years,
        corrections,
        pledge_version: pledge.as_ref().map(|p| p.0.clone()),
        pledge_accepted_at: pledge.map(|p| p.1),
        may_edit_registry: may_edit_profile(who.role) && !edits_as_enterprise(who.role),
        may_edit: may_edit_profile(who.role),
        identity: enterprise.identity,
        contact_phone: enterprise.contact_phone,
        updated_at: enterprise.updated_at,
    })
}

/// Groups stored figures by year (newest first) and derives each year's size class.
fn year_views(industry: &IndustryCode, figures: &[Figure]) -> Vec<YearView> {
    let mut by_year: BTreeMap<i32, Vec<&Figure>> = BTreeMap::new();
    for f in figures {
        by_year.entry(f.year).or_default().push(f);
    }
    by_year
        .into_iter()
        .rev()
        .map(|(year, figs)| {
            let class = year_figures(year, &figs).size_class(industry);
            let mut views: Vec<FigureView> = figs
                .iter()
                .map(|f| FigureView {
                    field: f.field.clone(),
                    label: figure_label(&f.field),
                    value: show(&f.field, f.value),
                    display: show_grouped(&f.field, f.value),
                    source: f.source,
                })
                .collect();
            views.sort_by_key(|v| FIGURE_FIELDS.iter().position(|(n, _)| *n == v.field));
            YearView {
                year,
                figures: views,
                size: class.as_ref().map(|c| c.size),
                size_rule: class.map(|c| c.rule),
            }
        })
        .collect()
}

/// The domain's view of one year's stored figures.
pub fn year_figures(year: i32, figures: &[&Figure]) -> YearFigures {
    let mut y = YearFigures {
        year,
        ..YearFigures::default()
    };
    for f in figures {
        y.set_stored(&f.field, f.value);
    }
    y
}

pub async fn list(
    app: &App,
    who: &Principal,
    mut filter: ListFilter,
) -> AppResult<(Vec<Enterprise>, i64)> {
    filter.scope = who.scope_filter();
    let mut conn = app.db.conn().await?;
    Ok(store::list(&mut conn, &filter).await?)
}

/// One change as the audit trail and the corrections record describe it.
#[derive(Debug, Serialize)]
struct FieldChange {
    field: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    year: Option<i32>,
    old: Option<String>,
    new: Option<String>,
}

/// Applies `update`; returns how many fields changed (0 changes nothing and records nothing).
pub async fn update_profile(
    app: &App,
    who: &Principal,
    code: &CreditCode,
    update: &ProfileUpdate,
    meta: &RequestMeta,
) -> AppResult<usize> {
    if !may_edit_profile(who.role) {
        return Err(AppError::forbidden("当前角色不能修改企业资料"));
    }
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let enterprise = visible_enterprise(&mut tx, who, code).await?;
    let as_enterprise = edits_as_enterprise(who.role);
    let (identity, phone) = apply_identity(&enterprise, update, as_enterprise)?;
    if identity.region_code != enterprise.identity.region_code {
        if !who.scope.covers_region(&identity.region_code) {
            return Err(AppError::invalid(
                "region_code",
                "不能把企业迁到您管辖范围以外的区划",
            ));
        }
        super::registration::ensure_region_is_ours(&mut tx, &identity.region_code).await?;
    }
    let mut changes = identity_changes(&enterprise, &identity, phone.as_deref());
    if !changes.is_empty() {
        store::update_identity(&mut tx, enterprise.id, &identity, phone.as_deref(), now).await?;
    }
    if let Some(tags) = &update.qualifications {
        changes.extend(replace_qualifications(&mut tx, enterprise.id, tags).await?);
    }
    let source = if as_enterprise {
        FigureSource::Enterprise
    } else {
        FigureSource::Government
    };
    let figure_changes = parse_figures(&update.figures, now)?;
    let stored = store::figures(&mut tx, enterprise.id).await?;
    let mut corrected = false;
    for (year, field, value) in figure_changes {
        let old = stored.iter().find(|f| f.year == year && f.field == field);
        if old.map(|f| f.value) == value {
            continue;
        }
        store::set_figure(&mut tx, enterprise.id, year, &field, value, source, now).await?;
        if as_enterprise && old.is_some_and(|f| f.source == FigureSource::Government) {
            let correction = NewCorrection {
                enterprise_id: enterprise.id,
                year,
                field: &field,
                old_value: old.map(|f| f.value),
                new_value: value,
                user_id: who.user_id,
                on_behalf_of: crate::principal::on_behalf(who, code).map(|_| enterprise.id),
            };
            store::insert_correction(&mut tx, &correction, now).await?;
            corrected = true;
        }
        changes.push(FieldChange {
            old: old.map(|f| show(&field, f.value)),
            new: value.map(|v| show(&field, v)),
            year: Some(year),
            field,
        });
    }
    if changes.is_empty() {
        return Ok(0);
    }
    if corrected {
        start_correction_review(app, &mut tx, &enterprise, now).await?;
    }
    let change = Change {
        action: "enterprise.profile_updated",
        object_type: "enterprise",
        object_id: code.to_string(),
        on_behalf_of: crate::principal::on_behalf(who, code),
        detail: serde_json::json!({ "changes": changes, "source": source.as_str() }),
    };
    audit::record(&mut tx, who, meta, change, now).await?;
    // The changed profile may matter to a scene (eligibility for published policies).
    for scene in app.scenes() {
        scene.profile_changed(&mut tx, app, code, now).await?;
    }
    tx.commit().await.map_err(StoreError::from)?;
    Ok(changes.len())
}

/// Staff have 3 working days to check an enterprise's correction of government figures; one
/// clock per enterprise covers every correction made while it runs.
pub const CORRECTION_REVIEW: &str = "profile.correction_review";
const CORRECTION_REVIEW_LIMIT: Limit = Limit {
    unit: LimitUnit::WorkingDays,
    amount: 3,
};

async fn start_correction_review(
    app: &App,
    conn: &mut Conn,
    enterprise: &Enterprise,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let code = enterprise.identity.credit_code.as_str();
    if crate::store::deadlines::open_of_kind(conn, "enterprise", code, CORRECTION_REVIEW).await? {
        return Ok(());
    }
    let label = format!("核实{}更正的经营数据", enterprise.identity.name);
    let start = crate::deadlines::Start {
        object_type: "enterprise",
        object_id: code,
        kind: CORRECTION_REVIEW,
        label: &label,
        region: &enterprise.identity.region_code,
        side: crate::deadlines::Side::Government,
        limit: CORRECTION_REVIEW_LIMIT,
        // Checking a correction is the district's, not one department's.
        org_id: None,
    };
    crate::deadlines::start(conn, app, start, now).await?;
    Ok(())
}

/// The identity after the update, refusing registry fields an enterprise may not change.
fn apply_identity(
    current: &Enterprise,
    update: &ProfileUpdate,
    as_enterprise: bool,
) -> AppResult<(EnterpriseIdentity, Option<String>)> {
    let mut errors = FieldErrors::default();
    let mut id = current.identity.clone();
    let mut phone = current.contact_phone.clone();
    // Registry fields come from the registration authority; an enterprise asks staff to fix them.
    let refuse_registry = |errors: &mut FieldErrors, field: &str, changed: bool| {
        if as_enterprise && changed {
            errors.add(
                field,
                "该项由登记机关数据维护,企业不能自行修改;如有错误请联系亲清管家",
            );
        }
    };
    let u = update;
    if let Some(v) = take(
        &mut errors,
        "name",
        u.name.as_deref().map(|s| parse_name(s, "企业名称")),
    ) {
        refuse_registry(&mut errors, "name", v != id.name);
        id.name = v;
    }
    if let Some(v) = take(
        &mut errors,
        "industry_code",
        u.industry_code.as_deref().map(IndustryCode::parse),
    ) {
        refuse_registry(&mut errors, "industry_code", v != id.industry_code);
        id.industry_code = v;
    }
    if let Some(v) = take(
        &mut errors,
        "region_code",
        u.region_code.as_deref().map(DivisionCode::parse),
    ) {
        refuse_registry(&mut errors, "region_code", v != id.region_code);
        id.region_code = v;
    }
    let ownership = u
        .ownership
        .as_deref()
        .map(|s| Ownership::parse(s).ok_or("请选择登记注册类型"));
    if let Some(v) = take(&mut errors, "ownership", ownership) {
        refuse_registry(&mut errors, "ownership", v != id.ownership);
        id.ownership = v;
    }
    let credit = u
        .credit_status
        .as_deref()
        .map(|s| CreditStatus::parse(s).ok_or("信用状况应为 良好、关注 或 失信"));
    if let Some(v) = take(&mut errors, "credit_status", credit) {
        refuse_registry(&mut errors, "credit_status", v != id.credit_status);
        id.credit_status = v;
    }
    let legal = u
        .legal_representative
        .as_deref()
        .map(|s| parse_name(s, "法定代表人"));
    if let Some(v) = take(&mut errors, "legal_representative", legal) {
        id.legal_representative = Some(v);
    }
    if let Some(v) = take(
        &mut errors,
        "established_on",
        u.established_on.as_deref().map(parse_optional_date),
    ) {
        id.established_on = v;
    }
    let new_phone = u.contact_phone.as_deref().map(|s| match s.trim() {
        "" => Ok(None),
        s => PhoneNumber::parse(s).map(|p| Some(p.as_str().to_string())),
    });
    if let Some(v) = take(&mut errors, "contact_phone", new_phone) {
        phone = v;
    }
    errors.finish()?;
    Ok((id, phone))
}

/// The parsed value of a field the update carries, recording its error if it does not parse.
fn take<T, E: std::fmt::Display>(
    errors: &mut FieldErrors,
    field: &str,
    input: Option<Result<T, E>>,
) -> Option<T> {
    input.and_then(|parsed| errors.check(field, parsed))
}

fn parse_optional_date(s: &str) -> Result<Option<NaiveDate>, String> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map(Some)
        .map_err(|_| format!("日期“{s}”应为 YYYY-MM-DD 格式"))
}

fn identity_changes(
    before: &Enterprise,
    after: &EnterpriseIdentity,
    phone: Option<&str>,
) -> Vec<FieldChange> {
    let b = &before.identity;
    let text = |v: &dyn std::fmt::Display| Some(v.to_string());
    let opt = |v: Option<&str>| v.map(str::to_string);
    let date = |v: Option<NaiveDate>| v.map(|d| d.to_string());
    let pairs: [(&str, Option<String>, Option<String>); 8] = [
        ("name", text(&b.name), text(&after.name)),
        (
            "legal_representative",
            opt(b.legal_representative.as_deref()),
            opt(after.legal_representative.as_deref()),
        ),
        (
            "contact_phone",
            opt(before.contact_phone.as_deref()),
            opt(phone),
        ),
        (
            "industry_code",
            text(&b.industry_code),
            text(&after.industry_code),
        ),
        (
            "region_code",
            text(&b.region_code),
            text(&after.region_code),
        ),
        (
            "ownership",
            text(&b.ownership.as_str()),
            text(&after.ownership.as_str()),
        ),
        (
            "established_on",
            date(b.established_on),
            date(after.established_on),
        ),
        (
            "credit_status",
            text(&b.credit_status.as_str()),
            text(&after.credit_status.as_str()),
        ),
    ];
    pairs
        .into_iter()
        .filter(|(_, old, new)| old != new)
        .map(|(field, old, new)| FieldChange {
            field: field.to_string(),
            year: None,
            old,
            new,
        })
        .collect()
}

async fn replace_qualifications(
    conn: &mut Conn,
    enterprise_id: i64,
    tags: &[String],
) -> AppResult<Option<FieldChange>> {
    let mut errors = FieldErrors::default();
    let parsed: Vec<Qualification> = tags
        .iter()
        .filter(|t| !t.trim().is_empty())
        .filter_map(|t| errors.check("qualifications", Qualification::parse(t)))
        .collect();
    errors.finish()?;
    let current = store::qualifications(conn, enterprise_id).await?;
    let as_tags = |qs: &[Qualification]| {
        qs.iter()
            .map(Qualification::to_tag)
            .collect::<Vec<_>>()
            .join(";")
    };
    if as_tags(&current) == as_tags(&parsed) {
        return Ok(None);
    }
    store::replace_qualifications(conn, enterprise_id, &parsed).await?;
    Ok(Some(FieldChange {
        field: "qualifications".into(),
        year: None,
        old: Some(as_tags(&current)),
        new: Some(as_tags(&parsed)),
    }))
}

/// Parses figure edits into (year, field, stored value); every bad entry is reported.
fn parse_figures(
    inputs: &[FigureInput],
    now: DateTime<Utc>,
) -> AppResult<Vec<(i32, String, Option<i64>)>> {
    let mut errors = FieldErrors::default();
    let latest_year = now.year();
    let mut out = Vec::new();
    for input in inputs {
        let key = format!("figures.{}.{}", input.year, input.field);
        if !(2000..=latest_year).contains(&input.year) {
            errors.add(&key, format!("年度应在 2000 至 {latest_year} 之间"));
            continue;
        }
        if !FIGURE_FIELDS.iter().any(|(name, _)| *name == input.field) {
            errors.add(&key, format!("没有“{}”这项经营数据", input.field));
            continue;
        }
        let value = input
            .value
            .as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty());
        let Some(value) = value else {
            out.push((input.year, input.field.clone(), None));
            continue;
        };
        if let Some(v) = errors.check(&key, parse_figure(&input.field, value)) {
            out.push((input.year, input.field.clone(), Some(v)));
        }
    }
    errors.finish()?;
    Ok(out)
}

fn parse_figure(field: &str, value: &str) -> Result<i64, String> {
    let label = figure_label(field);
    let parsed = if is_money(field) {
        Money::parse_yuan(value)
            .map(Money::fen)
            .map_err(|e| format!("{label}:{e}"))?
    } else {
        value
            .parse::<i64>()
            .map_err(|_| format!("{label}应为整数,实际为“{value}”"))?
    };
    if parsed < 0 {
        return Err(format!("{label}不能为负数"));
    }
    Ok(parsed)
}
