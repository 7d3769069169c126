//! Uploaded files of any owner (an application's materials; later agreements and requests): the
//! checks every upload passes, and what is shown of it. Who may attach to what is decided by the
//! owner's module; these functions run inside its transaction.

use crate::store::Conn;
use crate::store::attachments::{self as store, AttachmentRow, NewAttachment, Owner};
use crate::{AppError, AppResult};
use chrono::{DateTime, Utc};
use qinqing_domain::upload::{FileKind, Upload};
use serde::Serialize;
use utoipa::ToSchema;

/// The most files one owner keeps at a time.
pub const MAX_FILES: usize = 30;

/// The longest label, in characters.
const MAX_LABEL_CHARS: usize = 50;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AttachmentView {
    pub id: i64,
    /// Which material it is ("营业执照").
    pub label: String,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    /// Hex SHA-256 of the content.
    pub sha256: String,
    pub uploaded_at: DateTime<Utc>,
    /// Whether a browser shows it inline (PDF and images); others are downloaded.
    pub previewable: bool,
}

impl From<AttachmentRow> for AttachmentView {
    fn from(r: AttachmentRow) -> Self {
        AttachmentView {
            previewable: FileKind::from_content_type(&r.content_type)
                .is_some_and(FileKind::previewable),
            id: r.id,
            label: r.label,
            file_name: r.file_name,
            content_type: r.content_type,
            size_bytes: r.size_bytes,
            sha256: r.sha256,
            uploaded_at: r.uploaded_at,
        }
    }
}

/// A file as it is sent back to a browser.
#[derive(Debug, Clone)]
pub struct FileContent {
    pub file_name: String,
    pub content_type: String,
    pub inline: bool,
    pub bytes: Vec<u8>,
}

/// Checks a file and its label as `attach` will, without storing anything: for forms that save
/// something else first and must not do so when the file would be refused.
pub fn check(label: &str, file_name: &str, bytes: &[u8]) -> AppResult<()> {
    parse_label(label)?;
    Upload::parse(file_name, bytes.to_vec())
        .map_err(|e| AppError::invalid("file", e.to_string()))?;
    Ok(())
}

/// Checks the file and label and stores the file for `owner`.
pub async fn attach(
    conn: &mut Conn,
    owner: Owner<'_>,
    label: &str,
    file_name: &str,
    bytes: Vec<u8>,
    user_id: i64,
    now: DateTime<Utc>,
) -> AppResult<AttachmentView> {
    let label = parse_label(label)?;
    let upload =
        Upload::parse(file_name, bytes).map_err(|e| AppError::invalid("file", e.to_string()))?;
    if store::list(conn, owner).await?.len() >= MAX_FILES {
        return Err(AppError::invalid(
            "file",
            format!("最多上传 {MAX_FILES} 个文件,请先删除不需要的文件"),
        ));
    }
    let sha256 = crate::digest::sha256_hex(upload.bytes());
    let new = NewAttachment {
        owner,
        label,
        file_name: upload.name(),
        content_type: upload.kind().content_type(),
        sha256: &sha256,
        content: upload.bytes(),
        uploaded_by: user_id,
    };
    let id = store::insert(conn, &new, now).await?;
    let row = store::get(conn, owner, id)
        .await?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("attachment {id} vanished")))?;
    Ok(row.into())
}

fn parse_label(label: &str) -> AppResult<&str> {
    let label = label.trim();
    if label.is_empty() {
        return Err(AppError::invalid("label", "请说明这是哪一项材料"));
    }
    if label.chars().count() > MAX_LABEL_CHARS {
        return Err(AppError::invalid(
            "label",
            format!("材料名称不能超过 {MAX_LABEL_CHARS} 个字"),
        ));
    }
    Ok(label)
}

pub async fn listed(conn: &mut Conn, owner: Owner<'_>) -> AppResult<Vec<AttachmentView>> {
    Ok(store::list(conn, owner)
        .await?
        .into_iter()
        .map(AttachmentView::from)
        .collect())
}

/// One of the owner's files; 404 for an id of another owner or a removed file.
pub async fn find(conn: &mut Conn, owner: Owner<'_>, id: i64) -> AppResult<AttachmentRow> {
    store::get(conn, owner, id)
        .await?
        .ok_or_else(|| AppError::NotFound("没有这个文件".into()))
}

pub async fn content(conn: &mut Conn, owner: Owner<'_>, id: i64) -> AppResult<FileContent> {
    let row = find(conn, owner, id).await?;
    let bytes = store::content(conn, row.id).await?;
    let view = AttachmentView::from(row);
    Ok(FileContent {
        inline: view.previewable,
        file_name: view.file_name,
        content_type: view.content_type,
        bytes,
    })
}

/// Removes one of the owner's files (the row stays, marked removed).
pub async fn detach(
    conn: &mut Conn,
    owner: Owner<'_>,
    id: i64,
    user_id: i64,
    now: DateTime<Utc>,
) -> AppResult<AttachmentView> {
    let row = find(conn, owner, id).await?;
    if !store::remove(conn, row.id, user_id, now).await? {
        return Err(AppError::NotFound("没有这个文件".into()));
    }
    Ok(row.into())
}

/// An uploaded file, as the multipart form or API delivered it, with the label it goes under.
pub struct NewMaterial<'a> {
    pub label: &'a str,
    pub file_name: &'a str,
    pub bytes: Vec<u8>,
}
