//! The agreement document itself (协议文本: PDF, OFD, JPG or PNG scans), kept with the generic
//! attachments. Staff who manage the agreement upload it; whoever may see the agreement reads it.

use crate::access::{manages, visible};
use qinqing_kernel::attachments::NewMaterial;
use qinqing_kernel::attachments::{self, AttachmentView, FileContent};
use qinqing_kernel::audit::{self, Change};
use qinqing_kernel::store::attachments::Owner;
use qinqing_kernel::store::{Conn, StoreError};
use qinqing_kernel::{App, AppError, AppResult, Principal, RequestMeta};

const OWNER: &str = "agreement";

fn owner(id: &str) -> Owner<'_> {
    Owner { kind: OWNER, id }
}

/// Adds a file of the agreement document.
pub async fn upload(
    app: &App,
    who: &Principal,
    id: i64,
    file: NewMaterial<'_>,
    meta: &RequestMeta,
) -> AppResult<AttachmentView> {
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let (a, _) = visible(&mut tx, who, id).await?;
    if !manages(who, &a) {
        return Err(AppError::forbidden("协议文本由录入协议的部门或招商办上传"));
    }
    let object_id = id.to_string();
    let label = if file.label.trim().is_empty() {
        "协议文本"
    } else {
        file.label
    };
    let added = attachments::attach(
        &mut tx,
        owner(&object_id),
        label,
        file.file_name,
        file.bytes,
        who.user_id,
        now,
    )
    .await?;
    let change = Change {
        action: "agreement.document_uploaded",
        object_type: "agreement",
        object_id,
        on_behalf_of: None,
        detail: serde_json::json!({ "file": added.id, "label": added.label,
            "file_name": added.file_name, "sha256": added.sha256 }),
    };
    audit::record(&mut tx, who, meta, change, now).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(added)
}

/// The files of the agreement document.
pub async fn list(app: &App, who: &Principal, id: i64) -> AppResult<Vec<AttachmentView>> {
    let mut conn = app.db.conn().await?;
    visible(&mut conn, who, id).await?;
    listed(&mut conn, id).await
}

/// The files of the agreement document, for a caller already allowed to see it.
pub(crate) async fn listed(conn: &mut Conn, id: i64) -> AppResult<Vec<AttachmentView>> {
    attachments::listed(conn, owner(&id.to_string())).await
}

/// One file's content.
pub async fn content(app: &App, who: &Principal, id: i64, file_id: i64) -> AppResult<FileContent> {
    let mut conn = app.db.conn().await?;
    visible(&mut conn, who, id).await?;
    attachments::content(&mut conn, owner(&id.to_string()), file_id).await
}
