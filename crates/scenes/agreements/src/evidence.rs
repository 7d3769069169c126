//! An item's evidence files (佐证材料): uploaded by the side answering for it while it is open,
//! read by whoever may see the agreement.

use crate::access::{may_report, visible};
use crate::agreement::enterprise_code;
use crate::items::find_item;
use crate::model::OBJECT;
use crate::steps;
use qinqing_kernel::attachments::{self, AttachmentView, FileContent, NewMaterial};
use qinqing_kernel::audit::{self, Change};
use qinqing_kernel::principal::on_behalf;
use qinqing_kernel::store::attachments::Owner;
use qinqing_kernel::store::{Conn, StoreError};
use qinqing_kernel::{App, AppError, AppResult, Principal, RequestMeta};

/// The side answering for an open item uploads its evidence (佐证材料) before reporting.
pub async fn upload_evidence(
    app: &App,
    who: &Principal,
    id: i64,
    key: &str,
    file: NewMaterial<'_>,
    meta: &RequestMeta,
) -> AppResult<AttachmentView> {
    let mut tx = app.db.begin().await?;
    let added = attach_evidence(&mut tx, app, who, id, key, file, meta).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(added)
}

pub(crate) async fn attach_evidence(
    tx: &mut Conn,
    app: &App,
    who: &Principal,
    id: i64,
    key: &str,
    file: NewMaterial<'_>,
    meta: &RequestMeta,
) -> AppResult<AttachmentView> {
    let now = app.now();
    let (a, rows) = visible(tx, who, id).await?;
    let row = find_item(&rows, key)?;
    if !may_report(who, &a, row) {
        return Err(AppError::forbidden("佐证材料由承担该事项的一方上传"));
    }
    if !steps::may_add_evidence(who, &a, row) {
        return Err(AppError::Conflict {
            field: Some("file".into()),
            message: "该事项已申报或已办结,佐证材料不能再改动".into(),
        });
    }
    let object_id = row.id.to_string();
    let owner = Owner {
        kind: OBJECT,
        id: &object_id,
    };
    let added = attachments::attach(
        tx,
        owner,
        file.label,
        file.file_name,
        file.bytes,
        who.user_id,
        now,
    )
    .await?;
    let code = enterprise_code(&a);
    let change = Change {
        action: "commitment.evidence_uploaded",
        object_type: "agreement",
        object_id: id.to_string(),
        on_behalf_of: code.as_ref().and_then(|c| on_behalf(who, c)),
        detail: serde_json::json!({ "item": row.key, "file": added.id, "label": added.label,
            "file_name": added.file_name, "sha256": added.sha256 }),
    };
    audit::record(tx, who, meta, change, now).await?;
    Ok(added)
}

/// The evidence files of an item, for whoever may see the agreement.
pub async fn evidence(
    app: &App,
    who: &Principal,
    id: i64,
    key: &str,
) -> AppResult<Vec<AttachmentView>> {
    let mut conn = app.db.conn().await?;
    let (_, rows) = visible(&mut conn, who, id).await?;
    let object_id = find_item(&rows, key)?.id.to_string();
    let owner = Owner {
        kind: OBJECT,
        id: &object_id,
    };
    attachments::listed(&mut conn, owner).await
}

/// One evidence file's content.
pub async fn evidence_content(
    app: &App,
    who: &Principal,
    id: i64,
    key: &str,
    file_id: i64,
) -> AppResult<FileContent> {
    let mut conn = app.db.conn().await?;
    let (_, rows) = visible(&mut conn, who, id).await?;
    let object_id = find_item(&rows, key)?.id.to_string();
    let owner = Owner {
        kind: OBJECT,
        id: &object_id,
    };
    attachments::content(&mut conn, owner, file_id).await
}
