//! 数据云柜: what a project's enterprise gives once, material by material, is kept and reused by
//! every later application that needs the same material while it is valid. An item is a file the
//! enterprise uploaded, or a licence the platform issued to the project, which serves as the
//! material that names it (the 项目备案证明 of a 施工许可 application is the project's own
//! 企业投资项目备案证明, never uploaded again). An application records which item served each of
//! its matter's materials, so the department reads exactly what it was applied with; a material
//! filed before the window takes the case in joins it.

use crate::access::{acts_for, visible_case, visible_project};
use crate::status::CaseStatus;
use crate::store::projects::ProjectRow;
use crate::store::vault::{self as store, VaultRow};
use chrono::{DateTime, NaiveDate, Utc};
use qinqing_domain::deadline::local_date;
use qinqing_kernel::attachments::{self, FileContent, NewMaterial};
use qinqing_kernel::store::attachments::Owner;
use qinqing_kernel::store::{Conn, StoreError};
use qinqing_kernel::{App, AppError, AppResult, Principal, RequestMeta};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use utoipa::ToSchema;

/// The owner kind of an uploaded item's file; its id is the item's.
const OWNER: &str = "construction_vault";
const FILED: &str = "construction.vault_filed";

/// A material filed in the 云柜 (the file comes with it).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct VaultInput {
    /// The material, as the catalogue names it (one of the project's matters' materials).
    pub material: String,
    /// The last day it may be reused (YYYY-MM-DD), when it expires; today or later.
    pub valid_until: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VaultItemView {
    pub id: i64,
    pub material: String,
    /// 企业上传 or 平台核发的电子证照.
    pub source: String,
    pub file_name: Option<String>,
    pub licence_no: Option<String>,
    pub valid_until: Option<NaiveDate>,
    /// Whether it may be reused today.
    pub valid: bool,
    pub added_at: DateTime<Utc>,
}

/// A project's 云柜.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VaultView {
    pub project_code: String,
    /// In force, one per material.
    pub items: Vec<VaultItemView>,
    /// The materials the project's matters not yet applied for need and the 云柜 cannot give
    /// (missing or expired), in catalogue order.
    pub wanted: Vec<String>,
    pub may_file: bool,
}

/// One material of a case: the item it was applied with, or none (not given).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CaseMaterialView {
    pub material: String,
    pub item: Option<VaultItemView>,
}

fn item_view(row: VaultRow, today: NaiveDate) -> VaultItemView {
    VaultItemView {
        source: match row.licence_no {
            Some(_) => "平台核发的电子证照".into(),
            None => "企业上传".into(),
        },
        valid: usable(&row, today),
        id: row.id,
        material: row.material,
        file_name: row.file_name,
        licence_no: row.licence_no,
        valid_until: row.valid_until,
        added_at: row.added_at,
    }
}

fn usable(row: &VaultRow, today: NaiveDate) -> bool {
    row.valid_until.is_none_or(|last| last >= today)
}

/// The project's 云柜, to whoever may see the project.
pub async fn of_project(app: &App, who: &Principal, code: &str) -> AppResult<VaultView> {
    let mut conn = app.db.conn().await?;
    let project = visible_project(&mut conn, who, code).await?;
    let today = local_date(app.now());
    let rows = store::live(&mut conn, project.id).await?;
    let cases = crate::store::cases::of_project(&mut conn, project.id).await?;
    // A matter still wants its materials until a case of it is taken in (a refused or lapsed
    // one may be applied for again).
    let settled: BTreeSet<&str> = cases
        .iter()
        .filter(|c| c.status != CaseStatus::Submitted && !c.status.may_apply_again())
        .map(|c| c.matter_code.as_str())
        .collect();
    let mut wanted: Vec<String> = Vec::new();
    let open = crate::catalogue()
        .matters
        .iter()
        .filter(|m| !settled.contains(m.code.as_str()));
    for material in open.flat_map(|m| &m.materials) {
        let held = rows
            .iter()
            .any(|r| &r.material == material && usable(r, today));
        if !held && !wanted.contains(material) {
            wanted.push(material.clone());
        }
    }
    Ok(VaultView {
        may_file: acts_for(who, &project),
        project_code: project.code,
        items: rows.into_iter().map(|r| item_view(r, today)).collect(),
        wanted,
    })
}

/// The enterprise (or its steward) files a material with its file; it replaces the item of the
/// same material in force, and serves every application made from now on.
pub async fn file(
    app: &App,
    who: &Principal,
    code: &str,
    input: &VaultInput,
    file: NewMaterial<'_>,
    meta: &RequestMeta,
) -> AppResult<VaultItemView> {
    let now = app.now();
    let today = local_date(now);
    let material = known_material(&input.material)?;
    let valid_until = valid_until(input.valid_until.as_deref(), today)?;
    // A file's label is at most 50 characters; a district's material may be named longer.
    let label: String = material.chars().take(50).collect();
    attachments::check(&label, file.file_name, &file.bytes)?;
    let mut tx = app.db.begin().await?;
    let project = visible_project(&mut tx, who, code).await?;
    if !acts_for(who, &project) {
        return Err(AppError::forbidden(
            "只有建设单位或其亲清管家可以向数据云柜存放材料",
        ));
    }
    let id = store::file(
        &mut tx,
        (project.id, material),
        (None, valid_until),
        who.user_id,
        now,
    )
    .await?;
    let owner_id = id.to_string();
    let owner = Owner {
        kind: OWNER,
        id: &owner_id,
    };
    let (name, bytes) = (file.file_name, file.bytes);
    let kept = attachments::attach(&mut tx, owner, &label, name, bytes, who.user_id, now).await?;
    let detail = serde_json::json!({
        "material": material,
        "item": id,
        "valid_until": valid_until,
        "file_name": kept.file_name,
        "sha256": kept.sha256,
    });
    let object = (&project, crate::project::OBJECT, project.code.as_str());
    crate::trail::for_enterprise(&mut tx, (who, meta), object, (FILED, detail), now).await?;
    give_to_waiting_cases(&mut tx, (who, meta), &project, (material, id), now).await?;
    let row = store::get(&mut tx, project.id, id).await?;
    tx.commit().await.map_err(StoreError::from)?;
    let row = row.ok_or_else(|| AppError::Internal(anyhow::anyhow!("vault item {id} vanished")))?;
    Ok(item_view(row, today))
}

/// A material filed after applying still reaches the cases not yet taken in that need it: the
/// window judges the application as it stands when it takes it in.
async fn give_to_waiting_cases(
    conn: &mut Conn,
    by: (&Principal, &RequestMeta),
    project: &ProjectRow,
    (material, item_id): (&str, i64),
    now: DateTime<Utc>,
) -> AppResult<()> {
    let cases = crate::store::cases::of_project(conn, project.id).await?;
    let needs = |code: &str| {
        crate::catalogue()
            .get(code)
            .is_some_and(|m| m.materials.iter().any(|x| x == material))
    };
    let waiting = cases
        .iter()
        .filter(|c| c.status == CaseStatus::Submitted && needs(&c.matter_code));
    for case in waiting {
        store::record_case_material(conn, case.id, material, item_id).await?;
        let detail = serde_json::json!({ "material": material, "item": item_id });
        let change = ("construction.case_material_filed", detail);
        crate::trail::on_case(conn, by, case, change, now).await?;
    }
    Ok(())
}

fn known_material(typed: &str) -> AppResult<&'static str> {
    let typed = typed.trim();
    crate::catalogue()
        .matters
        .iter()
        .flat_map(|m| &m.materials)
        .find(|m| *m == typed)
        .map(String::as_str)
        .ok_or_else(|| AppError::invalid("material", "请选择审批事项所需的一项申请材料"))
}

/// The last day of the year: an example of a validity that is never in the past.
fn year_end(today: NaiveDate) -> NaiveDate {
    use chrono::Datelike;
    NaiveDate::from_ymd_opt(today.year(), 12, 31).unwrap_or(today)
}

fn valid_until(typed: Option<&str>, today: NaiveDate) -> AppResult<Option<NaiveDate>> {
    let Some(typed) = typed.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    let hint = || {
        format!(
            "有效期请写今天或以后的日期(如 {}),长期有效请留空",
            year_end(today)
        )
    };
    qinqing_kernel::input::date_within("valid_until", typed, today.., hint).map(Some)
}

/// Files a licence just issued to the project as every material it serves, replacing what was
/// uploaded for them: the platform's own licence is the better evidence.
pub(crate) async fn file_licence(
    conn: &mut Conn,
    by: (&Principal, &RequestMeta),
    (project, licence_name, licence_no): (&ProjectRow, &str, &str),
    now: DateTime<Utc>,
) -> AppResult<()> {
    for material in crate::catalogue().materials_served_by(licence_name) {
        let item = (Some(licence_no), None);
        let id = store::file(conn, (project.id, material), item, by.0.user_id, now).await?;
        give_to_waiting_cases(conn, by, project, (material, id), now).await?;
    }
    Ok(())
}

/// Records, for a case just applied for, the item of the 云柜 that serves each of its matter's
/// materials today; the materials it cannot serve are shown to the department as not given.
pub(crate) async fn apply_with(
    conn: &mut Conn,
    (project_id, case_id): (i64, i64),
    materials: &[String],
    today: NaiveDate,
) -> AppResult<()> {
    let rows = store::live(conn, project_id).await?;
    for material in materials {
        let serving = rows
            .iter()
            .find(|r| &r.material == material && usable(r, today));
        if let Some(item) = serving {
            store::record_case_material(conn, case_id, material, item.id).await?;
        }
    }
    Ok(())
}

/// A case's materials, in the order its matter lists them, each with what served it.
pub(crate) async fn of_case(
    conn: &mut Conn,
    (case_id, matter_code): (i64, &str),
    today: NaiveDate,
) -> AppResult<Vec<CaseMaterialView>> {
    let mut given = store::of_case(conn, case_id).await?;
    let listed = crate::catalogue()
        .get(matter_code)
        .map(|m| m.materials.clone())
        .unwrap_or_default();
    Ok(listed
        .into_iter()
        .map(|material| {
            let at = given.iter().position(|g| g.material == material);
            let item = at.map(|i| item_view(given.swap_remove(i).item, today));
            CaseMaterialView { material, item }
        })
        .collect())
}

/// The file of an item of the project's 云柜, to the enterprise's side; staff read the files a
/// case was applied with through the case.
pub async fn content(app: &App, who: &Principal, code: &str, id: i64) -> AppResult<FileContent> {
    let mut conn = app.db.conn().await?;
    let project = visible_project(&mut conn, who, code).await?;
    if !acts_for(who, &project) {
        return Err(AppError::NotFound("没有这个文件".into()));
    }
    item_file(&mut conn, project.id, id).await
}

/// The file a case was applied with as one of its materials, to whoever may see the case.
pub async fn case_content(
    app: &App,
    who: &Principal,
    receipt_no: &str,
    id: i64,
) -> AppResult<FileContent> {
    let mut conn = app.db.conn().await?;
    let (project, case) = visible_case(&mut conn, who, receipt_no).await?;
    let given = store::of_case(&mut conn, case.id).await?;
    if !given.iter().any(|g| g.item.id == id) {
        return Err(AppError::NotFound("没有这个文件".into()));
    }
    item_file(&mut conn, project.id, id).await
}

async fn item_file(conn: &mut Conn, project_id: i64, id: i64) -> AppResult<FileContent> {
    let not_found = || AppError::NotFound("没有这个文件".into());
    let row = store::get(conn, project_id, id)
        .await?
        .ok_or_else(not_found)?;
    let owner_id = row.id.to_string();
    let owner = Owner {
        kind: OWNER,
        id: &owner_id,
    };
    let file = attachments::listed(conn, owner).await?;
    let first = file.first().ok_or_else(not_found)?;
    attachments::content(conn, owner, first.id).await
}
