//! Files attached to a request (photos of the problem, a notice received, a contract page):
//! added by the enterprise, its steward or the staff who registered the request, while the
//! request is still open to work; seen by whoever may see the request. Each file is audited.

use crate::access::{acts_for, visible_row};
use crate::model::{OBJECT, credit_code};
use crate::store::requests::RequestRow;
use qinqing_kernel::attachments::{self, AttachmentView, FileContent};
use qinqing_kernel::audit::{self, Change};
use qinqing_kernel::store::StoreError;
use qinqing_kernel::store::attachments::Owner;
use qinqing_kernel::{App, AppError, AppResult, Principal, RequestMeta};

fn owner(r: &RequestRow) -> Owner<'_> {
    Owner {
        kind: OBJECT,
        id: &r.receipt_no,
    }
}

/// The enterprise side and whoever registered the request add its evidence.
fn may_attach(who: &Principal, r: &RequestRow) -> bool {
    acts_for(who, r) || r.registered_by == Some(who.user_id)
}

/// What a file is called when the uploader does not say.
const DEFAULT_LABEL: &str = "诉求附件";

/// Adds a file; refused once the request is closed or merged into another.
pub async fn attach(
    app: &App,
    who: &Principal,
    receipt_no: &str,
    label: &str,
    file_name: &str,
    bytes: Vec<u8>,
    meta: &RequestMeta,
) -> AppResult<AttachmentView> {
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let r = visible_row(&mut tx, who, receipt_no).await?;
    if !may_attach(who, &r) {
        return Err(AppError::forbidden(
            "只有提交诉求的企业或登记人可以添加附件",
        ));
    }
    if r.status.is_finished() {
        return Err(AppError::Conflict {
            field: Some("file".into()),
            message: "诉求已办结或已并案,不能再添加附件".into(),
        });
    }
    let label = Some(label.trim())
        .filter(|l| !l.is_empty())
        .unwrap_or(DEFAULT_LABEL);
    let added = attachments::attach(
        &mut tx,
        owner(&r),
        label,
        file_name,
        bytes,
        who.user_id,
        now,
    )
    .await?;
    let code = credit_code(&r)?;
    let change = Change {
        action: "request.attachment_added",
        object_type: OBJECT,
        object_id: r.receipt_no.clone(),
        on_behalf_of: crate::handling::registered_for(who, &code),
        detail: serde_json::json!({ "attachment": added.id, "label": added.label, "file_name": added.file_name, "sha256": added.sha256 }),
    };
    audit::record(&mut tx, who, meta, change, now).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(added)
}

pub async fn list(app: &App, who: &Principal, receipt_no: &str) -> AppResult<Vec<AttachmentView>> {
    let mut conn = app.db.conn().await?;
    let r = visible_row(&mut conn, who, receipt_no).await?;
    attachments::listed(&mut conn, owner(&r)).await
}

pub async fn content(
    app: &App,
    who: &Principal,
    receipt_no: &str,
    id: i64,
) -> AppResult<FileContent> {
    let mut conn = app.db.conn().await?;
    let r = visible_row(&mut conn, who, receipt_no).await?;
    attachments::content(&mut conn, owner(&r), id).await
}
