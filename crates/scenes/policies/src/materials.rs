//! Materials (申报材料) the enterprise uploads to its application: while it is a draft or
//! returned for 补正, the enterprise or its steward adds and removes files; everyone who may see
//! the application may preview them. Each upload and removal is audited with the file's hash.

use crate::applications::{record, visible_row};
use crate::library::Guide;
use crate::status::ApplicationStatus;
use crate::store::{applications::ApplicationRow, policies};
use qinqing_domain::CreditCode;
use qinqing_kernel::attachments::NewMaterial;
use qinqing_kernel::attachments::{self, AttachmentView, FileContent};
use qinqing_kernel::principal::acts_for_enterprise;
use qinqing_kernel::store::attachments::Owner;
use qinqing_kernel::store::{Conn, StoreError};
use qinqing_kernel::{App, AppError, AppResult, Principal, RequestMeta};
use serde::Serialize;
use utoipa::ToSchema;

/// A material the policy's guide asks for, and whether a file for it was uploaded.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RequiredMaterial {
    pub label: String,
    pub uploaded: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Materials {
    pub files: Vec<AttachmentView>,
    /// The guide's list of materials, each with whether it was uploaded.
    pub checklist: Vec<RequiredMaterial>,
    /// Whether the caller may add or remove files now.
    pub may_change: bool,
}

fn owner(row: &ApplicationRow) -> Owner<'_> {
    Owner {
        kind: "application",
        id: &row.receipt_no,
    }
}

fn may_change(who: &Principal, row: &ApplicationRow) -> bool {
    acts_for_enterprise(who)
        && matches!(
            row.status,
            ApplicationStatus::Draft | ApplicationStatus::Returned
        )
}

fn ensure_may_change(who: &Principal, row: &ApplicationRow) -> AppResult<()> {
    if !acts_for_enterprise(who) {
        return Err(AppError::forbidden(
            "只有企业本身或其亲清管家可以上传或删除申报材料",
        ));
    }
    if !may_change(who, row) {
        return Err(AppError::Conflict {
            field: Some("file".into()),
            message: format!("申报{},材料不能再改动", row.status.label_zh()),
        });
    }
    Ok(())
}

pub async fn list(app: &App, who: &Principal, receipt_no: &str) -> AppResult<Materials> {
    let mut conn = app.db.conn().await?;
    let row = visible_row(&mut conn, who, receipt_no).await?;
    let files = attachments::listed(&mut conn, owner(&row)).await?;
    let checklist = guide_materials(&mut conn, &row)
        .await?
        .into_iter()
        .map(|label| RequiredMaterial {
            uploaded: files.iter().any(|f| f.label == label),
            label,
        })
        .collect();
    Ok(Materials {
        may_change: may_change(who, &row),
        files,
        checklist,
    })
}

async fn guide_materials(conn: &mut Conn, row: &ApplicationRow) -> AppResult<Vec<String>> {
    let guide: Guide = policies::get(conn, row.policy_id)
        .await?
        .and_then(|p| serde_json::from_str(&p.guide).ok())
        .unwrap_or_default();
    Ok(guide.materials)
}

pub async fn upload(
    app: &App,
    who: &Principal,
    receipt_no: &str,
    file: NewMaterial<'_>,
    meta: &RequestMeta,
) -> AppResult<AttachmentView> {
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let row = visible_row(&mut tx, who, receipt_no).await?;
    ensure_may_change(who, &row)?;
    let added = attachments::attach(
        &mut tx,
        owner(&row),
        file.label,
        file.file_name,
        file.bytes,
        who.user_id,
        now,
    )
    .await?;
    audit_file(
        &mut tx,
        who,
        meta,
        &row,
        "application.material_added",
        &added,
        now,
    )
    .await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(added)
}

pub async fn remove(
    app: &App,
    who: &Principal,
    receipt_no: &str,
    id: i64,
    meta: &RequestMeta,
) -> AppResult<()> {
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let row = visible_row(&mut tx, who, receipt_no).await?;
    ensure_may_change(who, &row)?;
    let removed = attachments::detach(&mut tx, owner(&row), id, who.user_id, now).await?;
    let action = "application.material_removed";
    audit_file(&mut tx, who, meta, &row, action, &removed, now).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(())
}

/// A file's content for preview or download.
pub async fn content(
    app: &App,
    who: &Principal,
    receipt_no: &str,
    id: i64,
) -> AppResult<FileContent> {
    let mut conn = app.db.conn().await?;
    let row = visible_row(&mut conn, who, receipt_no).await?;
    attachments::content(&mut conn, owner(&row), id).await
}

async fn audit_file(
    conn: &mut Conn,
    who: &Principal,
    meta: &RequestMeta,
    row: &ApplicationRow,
    action: &str,
    file: &AttachmentView,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<()> {
    let code = CreditCode::parse(&row.credit_code).map_err(|e| AppError::Internal(e.into()))?;
    let detail = serde_json::json!({
        "file_id": file.id, "label": file.label, "file_name": file.file_name,
        "size_bytes": file.size_bytes, "sha256": file.sha256,
    });
    record(conn, who, meta, action, &row.receipt_no, &code, detail, now).await
}
