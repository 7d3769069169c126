//! Multipart forms that carry one file, and files sent back to the browser.

use crate::AppError;
use crate::attachments::{FileContent, NewMaterial};
use axum::extract::Multipart;
use axum::http::header;
use axum::response::{IntoResponse, Response};

/// The text fields of a multipart form, in order (names may repeat), and its one file field.
#[derive(Debug, Default)]
pub struct UploadForm {
    pub pairs: crate::web::form::Pairs,
    /// The file's name as the browser gave it, and its bytes; `None` when no file was chosen.
    pub file: Option<(String, Vec<u8>)>,
    /// The upload broke off (the connection dropped, or the body exceeded the limit).
    pub interrupted: bool,
}

impl UploadForm {
    /// Reads the form; the part named `file_field` is the file.
    pub async fn read(mut form: Multipart, file_field: &str) -> UploadForm {
        let mut out = UploadForm::default();
        loop {
            let field = match form.next_field().await {
                Ok(Some(field)) => field,
                Ok(None) => break,
                Err(_) => {
                    out.interrupted = true;
                    break;
                }
            };
            let name = field.name().unwrap_or_default().to_string();
            if name == file_field {
                let file_name = field.file_name().unwrap_or_default().to_string();
                match field.bytes().await {
                    // A browser sends an empty, nameless part when no file was chosen.
                    Ok(bytes) if !file_name.is_empty() => {
                        out.file = Some((file_name, bytes.into()))
                    }
                    Ok(_) => {}
                    Err(_) => out.interrupted = true,
                }
            } else if let Ok(text) = field.text().await {
                out.pairs.push((name, text));
            }
        }
        out
    }

    /// The first value of a text field, or "": the text fields are a page form's pairs, read
    /// by the one `form::field`, so a multipart form and a urlencoded one answer alike.
    pub fn field(&self, name: &str) -> &str {
        crate::web::form::field(&self.pairs, name)
    }
}

/// Sends an uploaded file back: inline when a browser can show it (PDF, images), otherwise as a
/// download, under its own name (RFC 6266 `filename*`, so Chinese names survive). `nosniff` keeps
/// the browser from reading it as anything but its checked type.
pub fn file_response(file: FileContent) -> Response {
    let disposition = format!(
        "{}; filename*=UTF-8''{}",
        if file.inline { "inline" } else { "attachment" },
        percent_encoding::utf8_percent_encode(&file.file_name, percent_encoding::NON_ALPHANUMERIC)
    );
    (
        [
            (header::CONTENT_TYPE, file.content_type),
            (header::CONTENT_DISPOSITION, disposition),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".into()),
            (header::CACHE_CONTROL, "private, no-store".into()),
        ],
        file.bytes,
    )
        .into_response()
}

/// The material a multipart form carries; an interrupted or missing file is the `file` field's error.
pub fn material(form: &UploadForm) -> Result<NewMaterial<'_>, AppError> {
    if form.interrupted {
        return Err(AppError::invalid("file", "文件上传中断或超过 20 MB,请重试"));
    }
    let (file_name, bytes) = form
        .file
        .as_ref()
        .ok_or_else(|| AppError::invalid("file", "请选择要上传的文件"))?;
    Ok(NewMaterial {
        label: form.field("label"),
        file_name,
        bytes: bytes.clone(),
    })
}
