//! The organisation tree (三域三级): creating, renaming, moving and deactivating the district's
//! organisations, one by one or from a file.
//!
//! Only the platform administrator (who sits in the district) may change the tree: organisations
//! decide everyone's scope, so a department lead who could add a bank or move a town would hand
//! out access. Every other member of staff reads it. Each kind sits only under its parent kinds
//! ([`OrgKind::fits_under`]); districts, towns and villages carry their own division code, the
//! others cover their parent's. Organisations are deactivated, never deleted, and only once no
//! enabled account and no active organisation remain in them.

use crate::audit::{self, Change};
use crate::store::orgs::{self, NewOrganisation, Organisation};
use crate::store::{Conn, StoreError};
use crate::{App, AppError, AppResult, Principal, RequestMeta};
use qinqing_domain::DivisionCode;
use qinqing_domain::enterprise::parse_name;
use qinqing_domain::org::{OrgKind, Role};
use qinqing_exchange::directory::{self, ORGANISATION_COLUMNS};
use qinqing_exchange::{FileFormat, ImportReport, RowError};
use serde::Deserialize;

/// Only the administrator changes the tree (see the module comment).
pub fn require_admin(who: &Principal) -> AppResult<()> {
    if who.role == Role::Admin {
        Ok(())
    } else {
        Err(AppError::forbidden("只有平台管理员可以调整组织架构"))
    }
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct NewOrganisationInput {
    pub name: String,
    /// A kind code: district, town, village, department, efficiency_office, investment_office,
    /// discipline_office, service_centre, bank, bank_branch.
    pub kind: String,
    /// The organisation it sits under; none only for the district and a bank.
    pub parent_id: Option<i64>,
    /// Required for a district (6 digits), town (9) or village (12); ignored otherwise.
    pub division_code: Option<String>,
}

/// An organisation to create, its fields already read.
struct Draft {
    name: String,
    kind: OrgKind,
    parent_id: Option<i64>,
    division_code: Option<DivisionCode>,
}

fn parse_org_name(name: &str) -> AppResult<String> {
    parse_name(name, "组织名称").map_err(|m| AppError::invalid("name", m))
}

fn parse_kind(kind: &str) -> AppResult<OrgKind> {
    OrgKind::parse_code_or_label(kind)
        .filter(|k| *k != OrgKind::Enterprise)
        .ok_or_else(|| {
            let kinds: Vec<&str> = OrgKind::MANAGED.iter().map(|k| k.label_zh()).collect();
            AppError::invalid(
                "kind",
                format!("没有“{kind}”这种组织类型,可选:{}", kinds.join("、")),
            )
        })
}

fn parse_division(kind: OrgKind, code: Option<&str>) -> AppResult<Option<DivisionCode>> {
    let Some(len) = kind.division_code_len() else {
        return Ok(None);
    };
    let code = code
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .ok_or_else(|| {
            AppError::invalid(
                "division_code",
                format!("{}须填写 {len} 位区划代码", kind.label_zh()),
            )
        })?;
    let parsed =
        DivisionCode::parse(code).map_err(|e| AppError::invalid("division_code", e.to_string()))?;
    if parsed.as_str().len() != len {
        return Err(AppError::invalid(
            "division_code",
            format!("{}的区划代码应为 {len} 位", kind.label_zh()),
        ));
    }
    Ok(Some(parsed))
}

fn draft(input: &NewOrganisationInput) -> AppResult<Draft> {
    let kind = parse_kind(&input.kind)?;
    Ok(Draft {
        name: parse_org_name(&input.name)?,
        kind,
        parent_id: input.parent_id,
        division_code: parse_division(kind, input.division_code.as_deref())?,
    })
}

fn org_change(action: &'static str, id: i64, detail: serde_json::Value) -> Change<'static> {
    Change {
        action,
        object_type: "organisation",
        object_id: id.to_string(),
        on_behalf_of: None,
        detail,
    }
}

/// The active parent an organisation of `kind` would sit under, refused when the kind does not
/// belong there.
async fn checked_parent(
    conn: &mut Conn,
    kind: OrgKind,
    parent_id: Option<i64>,
) -> AppResult<Option<Organisation>> {
    let parent = match parent_id {
        Some(id) => Some(
            orgs::get(conn, id)
                .await?
                .filter(|p| p.active)
                .ok_or_else(|| AppError::invalid("parent_id", "所选上级组织不存在或已停用"))?,
        ),
        None => None,
    };
    if !kind.fits_under(parent.as_ref().map(|p| p.kind)) {
        let placed = parent
            .as_ref()
            .map_or("最上级".to_string(), |p| p.kind.label_zh().to_string());
        return Err(AppError::invalid(
            "parent_id",
            format!(
                "{}不能设在{}之下,只能设在{}之下",
                kind.label_zh(),
                placed,
                kind.parents_zh()
            ),
        ));
    }
    Ok(parent)
}

/// The division code an organisation of `kind` covers under `parent`: its own (which must lie
/// in the parent's division) for a district, town or village, the parent's for the others.
fn covered_division(
    kind: OrgKind,
    own: Option<&DivisionCode>,
    parent: Option<&Organisation>,
) -> AppResult<Option<DivisionCode>> {
    let inherited = parent.and_then(|p| p.division_code.clone());
    if !kind.is_division() {
        return Ok(inherited);
    }
    let own = own.ok_or_else(|| AppError::invalid("division_code", "须填写区划代码"))?;
    if let Some(above) = inherited.filter(|above| !own.is_under(above) || own == above) {
        return Err(AppError::invalid(
            "division_code",
            format!("区划代码 {own} 不在上级组织的区划 {above} 之内"),
        ));
    }
    Ok(Some(own.clone()))
}

/// Refuses a second active organisation of the same name under the same parent.
fn check_unique_name(
    all: &[Organisation],
    id: Option<i64>,
    parent_id: Option<i64>,
    name: &str,
) -> AppResult<()> {
    let taken = all
        .iter()
        .any(|o| o.active && Some(o.id) != id && o.parent_id == parent_id && o.name == name);
    if taken {
        return Err(AppError::Conflict {
            field: Some("name".into()),
            message: format!("同一上级下已有名为“{name}”的组织"),
        });
    }
    Ok(())
}

/// Refuses a second district, town or village with the same division code.
fn check_unique_division(all: &[Organisation], code: &DivisionCode) -> AppResult<()> {
    match all
        .iter()
        .find(|o| o.active && o.kind.is_division() && o.division_code.as_ref() == Some(code))
    {
        Some(other) => Err(AppError::Conflict {
            field: Some("division_code".into()),
            message: format!("区划代码 {code} 已由“{}”使用", other.name),
        }),
        None => Ok(()),
    }
}

/// Creates one organisation inside `conn`'s transaction, after every check; nothing is written
/// when a check fails, so an import can go on checking the next row.
async fn create_in(
    conn: &mut Conn,
    who: &Principal,
    meta: &RequestMeta,
    draft: &Draft,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<i64> {
    let parent = checked_parent(conn, draft.kind, draft.parent_id).await?;
    let division = covered_division(draft.kind, draft.division_code.as_ref(), parent.as_ref())?;
    let all = orgs::list_non_enterprise(conn).await?;
    check_unique_name(&all, None, draft.parent_id, &draft.name)?;
    if let Some(code) = draft.division_code.as_ref() {
        check_unique_division(&all, code)?;
    }
    let new = NewOrganisation {
        parent_id: draft.parent_id,
        kind: draft.kind,
        name: &draft.name,
        division_code: division.as_ref(),
    };
    let id = orgs::insert(conn, &new, now).await?;
    let detail = serde_json::json!({
        "name": draft.name, "kind": draft.kind.as_str(), "parent_id": draft.parent_id,
        "division_code": division.as_ref().map(|d| d.as_str()),
    });
    audit::record(
        conn,
        who,
        meta,
        org_change("organisation.created", id, detail),
        now,
    )
    .await?;
    Ok(id)
}

pub async fn create(
    app: &App,
    who: &Principal,
    input: &NewOrganisationInput,
    meta: &RequestMeta,
) -> AppResult<i64> {
    require_admin(who)?;
    let draft = draft(input)?;
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let id = create_in(&mut tx, who, meta, &draft, now).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(id)
}

/// A managed organisation (not an enterprise) by id, or 404.
async fn managed(conn: &mut Conn, id: i64) -> AppResult<Organisation> {
    orgs::get(conn, id)
        .await?
        .filter(|o| o.kind != OrgKind::Enterprise)
        .ok_or_else(|| AppError::NotFound("组织不存在".into()))
}

pub async fn rename(
    app: &App,
    who: &Principal,
    id: i64,
    name: &str,
    meta: &RequestMeta,
) -> AppResult<()> {
    require_admin(who)?;
    let name = parse_org_name(name)?;
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let org = managed(&mut tx, id).await?;
    let all = orgs::list_non_enterprise(&mut tx).await?;
    check_unique_name(&all, Some(id), org.parent_id, &name)?;
    orgs::rename(&mut tx, id, &name).await?;
    let detail = serde_json::json!({ "from": org.name, "to": name });
    audit::record(
        &mut tx,
        who,
        meta,
        org_change("organisation.renamed", id, detail),
        now,
    )
    .await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(())
}

/// Whether `candidate` is `id` or lies below it.
fn is_within(all: &[Organisation], id: i64, candidate: i64) -> bool {
    let mut at = Some(candidate);
    // The chain is at most as long as the tree; the bound guards a corrupted loop.
    for _ in 0..=all.len() {
        match at {
            Some(current) if current == id => return true,
            Some(current) => {
                at = all
                    .iter()
                    .find(|o| o.id == current)
                    .and_then(|o| o.parent_id)
            }
            None => return false,
        }
    }
    true
}

/// Places an organisation under another parent. Refused when the new parent lies within it (a
/// cycle), when its kind does not belong there, or when a district, town or village would leave
/// its division (its code fixes where it sits).
pub async fn move_to(
    app: &App,
    who: &Principal,
    id: i64,
    parent_id: Option<i64>,
    meta: &RequestMeta,
) -> AppResult<()> {
    require_admin(who)?;
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let org = managed(&mut tx, id).await?;
    let all = orgs::list_non_enterprise(&mut tx).await?;
    if parent_id.is_some_and(|p| is_within(&all, id, p)) {
        return Err(AppError::invalid(
            "parent_id",
            "不能把组织移到它自己或它的下级之下",
        ));
    }
    let parent = checked_parent(&mut tx, org.kind, parent_id).await?;
    let division = covered_division(org.kind, org.division_code.as_ref(), parent.as_ref())?;
    check_unique_name(&all, Some(id), parent_id, &org.name)?;
    orgs::move_to(&mut tx, id, parent_id, division.as_ref()).await?;
    let detail = serde_json::json!({ "from": org.parent_id, "to": parent_id });
    audit::record(
        &mut tx,
        who,
        meta,
        org_change("organisation.moved", id, detail),
        now,
    )
    .await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(())
}

/// Deactivates an organisation that holds no enabled account and no active organisation.
pub async fn deactivate(app: &App, who: &Principal, id: i64, meta: &RequestMeta) -> AppResult<()> {
    require_admin(who)?;
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let org = managed(&mut tx, id).await?;
    if !org.active {
        return Err(AppError::Conflict {
            field: None,
            message: format!("“{}”已停用", org.name),
        });
    }
    let accounts = crate::store::users::enabled_in_org(&mut tx, id).await?;
    let children = orgs::active_children(&mut tx, id).await?;
    if accounts > 0 || children > 0 {
        let mut left = Vec::new();
        if accounts > 0 {
            left.push(format!("{accounts} 个在用账户"));
        }
        if children > 0 {
            left.push(format!("{children} 个在用下级组织"));
        }
        return Err(AppError::Conflict {
            field: None,
            message: format!(
                "“{}”还有{},请先停用或调走后再停用本组织",
                org.name,
                left.join("和")
            ),
        });
    }
    orgs::deactivate(&mut tx, id).await?;
    let detail = serde_json::json!({ "name": org.name });
    audit::record(
        &mut tx,
        who,
        meta,
        org_change("organisation.deactivated", id, detail),
        now,
    )
    .await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(())
}

/// The active organisation of this name, for a file that names organisations rather than
/// numbering them; refused when none or several carry it.
pub fn find_by_name<'a>(all: &'a [Organisation], name: &str) -> Result<&'a Organisation, String> {
    let mut found = all.iter().filter(|o| o.active && o.name == name);
    match (found.next(), found.next()) {
        (Some(one), None) => Ok(one),
        (None, _) => Err(format!("没有名为“{name}”的在用组织")),
        (Some(_), Some(_)) => Err(format!("有多个名为“{name}”的组织,无法确定是哪一个")),
    }
}

/// The id of the active organisation of this name (for the command line).
pub async fn id_by_name(app: &App, name: &str) -> AppResult<i64> {
    let mut conn = app.db.conn().await?;
    let all = orgs::list_non_enterprise(&mut conn).await?;
    find_by_name(&all, name.trim())
        .map(|o| o.id)
        .map_err(|m| AppError::invalid("name", m))
}

/// The column of the organisation sheet a use-case field is reported under.
fn org_column(field: &str) -> &'static str {
    match field {
        "name" => "name",
        "kind" => "kind",
        "division_code" => "division_code",
        _ => "parent",
    }
}

/// Turns a refusal of one row into the row's errors, by column.
pub fn row_errors(
    line: &directory::Line,
    error: AppError,
    column: fn(&str) -> &'static str,
) -> AppResult<Vec<RowError>> {
    let fields = match error {
        AppError::Invalid { field, message } => vec![(field, message)],
        AppError::Fields(list) => list.into_iter().map(|f| (f.field, f.message)).collect(),
        AppError::Conflict { field, message } => vec![(field.unwrap_or_default(), message)],
        AppError::NotFound(message) => vec![(String::new(), message)],
        other => return Err(other),
    };
    Ok(fields
        .into_iter()
        .map(|(field, message)| line.error(column(&field), message))
        .collect())
}

/// Imports an organisation sheet: every row is checked and created in one transaction, each with
/// its own audit entry; a row may name as parent an organisation of an earlier row. Any wrong
/// row rejects the file with every problem, and nothing is created.
pub async fn import(
    app: &App,
    who: &Principal,
    bytes: &[u8],
    format: FileFormat,
    meta: &RequestMeta,
) -> AppResult<usize> {
    require_admin(who)?;
    let lines =
        directory::read(bytes, format, &ORGANISATION_COLUMNS).map_err(AppError::ImportRejected)?;
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let mut errors = Vec::new();
    for line in &lines {
        let all = orgs::list_non_enterprise(&mut tx).await?;
        let parent = match line.get("parent") {
            "" => Ok(None),
            name => find_by_name(&all, name).map(|p| Some(p.id)),
        };
        let parent_id = match parent {
            Ok(id) => id,
            Err(message) => {
                errors.push(line.error("parent", message));
                continue;
            }
        };
        let input = NewOrganisationInput {
            name: line.get("name").to_string(),
            kind: line.get("kind").to_string(),
            parent_id,
            division_code: Some(line.get("division_code").to_string()),
        };
        let created = match draft(&input) {
            Ok(d) => create_in(&mut tx, who, meta, &d, now).await,
            Err(e) => Err(e),
        };
        if let Err(e) = created {
            errors.extend(row_errors(line, e, org_column)?);
        }
    }
    if !errors.is_empty() {
        // Dropping the transaction rolls back the rows created before the first mistake.
        return Err(AppError::ImportRejected(ImportReport {
            rows: lines.len(),
            errors,
        }));
    }
    tx.commit().await.map_err(StoreError::from)?;
    Ok(lines.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn org(id: i64, parent: Option<i64>) -> Organisation {
        Organisation {
            id,
            parent_id: parent,
            kind: OrgKind::Department,
            name: format!("o{id}"),
            division_code: None,
            active: true,
        }
    }

    #[test]
    fn an_organisation_lies_within_itself_and_its_ancestors() {
        let all = [
            org(1, None),
            org(2, Some(1)),
            org(3, Some(2)),
            org(4, Some(1)),
        ];
        assert!(is_within(&all, 1, 3));
        assert!(is_within(&all, 2, 2));
        assert!(!is_within(&all, 2, 4));
        assert!(!is_within(&all, 3, 1));
    }

    #[test]
    fn kinds_are_read_by_label_and_enterprises_are_not_managed_here() {
        assert_eq!(parse_kind("行政服务中心").unwrap(), OrgKind::ServiceCentre);
        assert!(parse_kind("enterprise").is_err());
        assert!(parse_kind("科").is_err());
    }

    #[test]
    fn towns_need_a_nine_digit_code_departments_none() {
        assert!(parse_division(OrgKind::Town, None).is_err());
        assert!(parse_division(OrgKind::Town, Some("350521")).is_err());
        assert!(parse_division(OrgKind::Town, Some("350521101")).is_ok());
        assert_eq!(
            parse_division(OrgKind::Department, Some("x")).unwrap(),
            None
        );
    }

    #[test]
    fn a_town_must_lie_in_its_district() {
        let district = Organisation {
            kind: OrgKind::District,
            division_code: DivisionCode::parse("350521").ok(),
            ..org(1, None)
        };
        let inside = DivisionCode::parse("350521101").unwrap();
        let outside = DivisionCode::parse("350522101").unwrap();
        assert!(covered_division(OrgKind::Town, Some(&inside), Some(&district)).is_ok());
        assert!(covered_division(OrgKind::Town, Some(&outside), Some(&district)).is_err());
        let dept = covered_division(OrgKind::Department, None, Some(&district)).unwrap();
        assert_eq!(dept.unwrap().as_str(), "350521");
    }
}
