//! Files people upload as evidence: an application's materials (申报材料), and later an
//! agreement's document or a request's attachments.
//!
//! Only formats a reviewer's browser can show inline and that cannot run code are accepted: PDF,
//! JPEG, PNG and OFD (the national e-document format, a ZIP container). The kind is read from the
//! file's first bytes, and the name's extension must agree, so a renamed HTML or executable file
//! is refused rather than served back to a reviewer under a harmless name.

use serde::Serialize;
use std::fmt;

/// The largest file accepted, in bytes (10 MiB: a scanned multi-page certificate fits).
pub const MAX_UPLOAD_BYTES: usize = 10 * 1024 * 1024;

/// The longest file name kept, in characters; longer names are refused, not cut.
pub const MAX_NAME_CHARS: usize = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FileKind {
    Pdf,
    Jpeg,
    Png,
    Ofd,
}

impl FileKind {
    pub fn content_type(self) -> &'static str {
        match self {
            FileKind::Pdf => "application/pdf",
            FileKind::Jpeg => "image/jpeg",
            FileKind::Png => "image/png",
            FileKind::Ofd => "application/ofd",
        }
    }

    /// Whether a browser shows it inline (OFD needs a reader, so it is downloaded).
    pub fn previewable(self) -> bool {
        !matches!(self, FileKind::Ofd)
    }

    pub fn from_content_type(s: &str) -> Option<FileKind> {
        [FileKind::Pdf, FileKind::Jpeg, FileKind::Png, FileKind::Ofd]
            .into_iter()
            .find(|k| k.content_type() == s)
    }

    fn extensions(self) -> &'static [&'static str] {
        match self {
            FileKind::Pdf => &["pdf"],
            FileKind::Jpeg => &["jpg", "jpeg"],
            FileKind::Png => &["png"],
            FileKind::Ofd => &["ofd"],
        }
    }

    fn sniff(bytes: &[u8]) -> Option<FileKind> {
        if bytes.starts_with(b"%PDF-") {
            Some(FileKind::Pdf)
        } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(FileKind::Jpeg)
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(FileKind::Png)
        } else if bytes.starts_with(b"PK\x03\x04") {
            Some(FileKind::Ofd)
        } else {
            None
        }
    }
}

/// A file that passed the checks: a clean name, a known kind, a size within the limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    name: String,
    kind: FileKind,
    bytes: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UploadError {
    #[error("请选择要上传的文件")]
    Empty,
    #[error("文件超过 10 MB,请压缩或分页后上传")]
    TooLarge,
    #[error("文件名不能超过 100 个字符")]
    NameTooLong,
    #[error("只能上传 PDF、JPG、PNG 或 OFD 文件")]
    UnsupportedType,
    #[error("文件内容与扩展名“.{0}”不符,请上传原始文件")]
    Mismatch(String),
}

impl Upload {
    /// Checks an uploaded file. Path components and control characters are dropped from the
    /// name: it is only ever shown and sent back in a header, never used as a path.
    pub fn parse(file_name: &str, bytes: Vec<u8>) -> Result<Upload, UploadError> {
        if bytes.is_empty() {
            return Err(UploadError::Empty);
        }
        if bytes.len() > MAX_UPLOAD_BYTES {
            return Err(UploadError::TooLarge);
        }
        let name = clean_name(file_name);
        if name.chars().count() > MAX_NAME_CHARS {
            return Err(UploadError::NameTooLong);
        }
        let extension = name
            .rsplit_once('.')
            .map(|(_, e)| e.to_ascii_lowercase())
            .ok_or(UploadError::UnsupportedType)?;
        let kind = FileKind::sniff(&bytes).ok_or(UploadError::UnsupportedType)?;
        if !kind.extensions().contains(&extension.as_str()) {
            return Err(UploadError::Mismatch(extension));
        }
        Ok(Upload { name, kind, bytes })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn kind(&self) -> FileKind {
        self.kind
    }

    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }
}

impl fmt::Display for Upload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({} 字节)", self.name, self.bytes.len())
    }
}

/// The last path component of `raw`, without control characters or quotes.
fn clean_name(raw: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    last.chars()
        .filter(|c| !c.is_control() && *c != '"')
        .collect::<String>()
        .trim()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const PDF: &[u8] = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n";
    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

    #[test]
    fn a_pdf_is_accepted_under_its_own_name() {
        let u = Upload::parse("营业执照.PDF", PDF.to_vec()).unwrap();
        assert_eq!(u.kind(), FileKind::Pdf);
        assert_eq!(u.name(), "营业执照.PDF");
        assert_eq!(u.kind().content_type(), "application/pdf");
    }

    #[test]
    fn the_name_loses_its_path_and_control_characters() {
        let u = Upload::parse("C:\\Users\\张三\\..\\证明\"\u{7}.png", PNG.to_vec()).unwrap();
        assert_eq!(u.name(), "证明.png");
        let u = Upload::parse("../../etc/scan.png", PNG.to_vec()).unwrap();
        assert_eq!(u.name(), "scan.png");
    }

    #[test]
    fn html_renamed_to_pdf_is_refused() {
        let e = Upload::parse("scan.pdf", b"<html><script>".to_vec()).unwrap_err();
        assert_eq!(e, UploadError::UnsupportedType);
    }

    #[test]
    fn a_png_named_pdf_is_refused_as_a_mismatch() {
        let e = Upload::parse("scan.pdf", PNG.to_vec()).unwrap_err();
        assert_eq!(e, UploadError::Mismatch("pdf".into()));
    }

    #[test]
    fn empty_oversized_nameless_and_long_named_files_are_refused() {
        assert_eq!(Upload::parse("a.pdf", vec![]), Err(UploadError::Empty));
        let mut big = PDF.to_vec();
        big.resize(MAX_UPLOAD_BYTES + 1, b' ');
        assert_eq!(Upload::parse("a.pdf", big), Err(UploadError::TooLarge));
        let mut exact = PDF.to_vec();
        exact.resize(MAX_UPLOAD_BYTES, b' ');
        assert!(Upload::parse("a.pdf", exact).is_ok());
        assert_eq!(
            Upload::parse("no-extension", PDF.to_vec()),
            Err(UploadError::UnsupportedType)
        );
        let long = format!("{}.pdf", "证".repeat(MAX_NAME_CHARS));
        assert_eq!(
            Upload::parse(&long, PDF.to_vec()),
            Err(UploadError::NameTooLong)
        );
    }

    #[test]
    fn content_types_map_back_to_kinds() {
        for k in [FileKind::Pdf, FileKind::Jpeg, FileKind::Png, FileKind::Ofd] {
            assert_eq!(FileKind::from_content_type(k.content_type()), Some(k));
        }
        assert_eq!(FileKind::from_content_type("text/html"), None);
    }
}
