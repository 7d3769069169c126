//! The two file formats, told apart by the uploaded file's name.

/// A format of the enterprise file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileFormat {
    Csv,
    Xlsx,
}

impl FileFormat {
    /// The format an uploaded file's name announces ("企业名单.XLSX" → Xlsx), or `None` for any
    /// other extension (including the legacy binary ".xls", which is not read).
    pub fn from_file_name(name: &str) -> Option<Self> {
        let (_, extension) = name.trim().rsplit_once('.')?;
        if extension.eq_ignore_ascii_case("csv") {
            Some(FileFormat::Csv)
        } else if extension.eq_ignore_ascii_case("xlsx") {
            Some(FileFormat::Xlsx)
        } else {
            None
        }
    }

    /// The file name extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            FileFormat::Csv => "csv",
            FileFormat::Xlsx => "xlsx",
        }
    }

    /// The MIME type for a download response.
    pub fn content_type(self) -> &'static str {
        match self {
            FileFormat::Csv => "text/csv; charset=utf-8",
            FileFormat::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_follows_the_extension_in_any_case() {
        assert_eq!(
            FileFormat::from_file_name("企业名单.csv"),
            Some(FileFormat::Csv)
        );
        assert_eq!(
            FileFormat::from_file_name("企业名单.XLSX"),
            Some(FileFormat::Xlsx)
        );
        assert_eq!(
            FileFormat::from_file_name("a.b.Csv "),
            Some(FileFormat::Csv)
        );
        assert_eq!(FileFormat::from_file_name("企业名单.xls"), None);
        assert_eq!(FileFormat::from_file_name("csv"), None);
        assert_eq!(FileFormat::from_file_name(""), None);
    }

    #[test]
    fn extension_names_the_format_back() {
        for format in [FileFormat::Csv, FileFormat::Xlsx] {
            let name = format!("export.{}", format.extension());
            assert_eq!(FileFormat::from_file_name(&name), Some(format));
        }
    }
}
