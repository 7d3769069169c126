//! The import report: every problem of a rejected file, located as the user sees it.

use serde::Serialize;
use std::fmt;

/// One problem of an imported file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowError {
    /// The 1-based row as Excel or a text editor shows it (the header is row 1, the first data
    /// row 2). 0 when the problem concerns the whole file rather than a row (unreadable, empty).
    pub row: usize,
    /// The column's code name (e.g. "revenue"), or "" for a problem of the file or a whole row.
    pub column: String,
    /// The offending text as found in the cell (trimmed), or "" when there is none.
    pub value: String,
    /// What is wrong, in Chinese, specific enough to fix the cell without further help.
    pub message: String,
}

impl RowError {
    pub(crate) fn new(row: usize, column: &str, value: &str, message: impl Into<String>) -> Self {
        RowError {
            row,
            column: column.to_string(),
            value: value.to_string(),
            message: message.into(),
        }
    }

    /// A problem of the file as a whole.
    pub(crate) fn file(message: impl Into<String>) -> Self {
        RowError::new(0, "", "", message)
    }
}

/// "第 7 行 revenue “12,3x”:营业收入不是有效金额:…", for logs and command-line tools.
impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut place = Vec::new();
        if self.row > 0 {
            place.push(format!("第 {} 行", self.row));
        }
        if !self.column.is_empty() {
            place.push(self.column.clone());
        }
        if !self.value.is_empty() {
            place.push(format!("“{}”", self.value));
        }
        if place.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}:{}", place.join(" "), self.message)
        }
    }
}

/// Why a file was rejected: how many data rows it had and every problem found in them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    /// Data rows read (blank rows and the header not counted); 0 when the file was unreadable.
    pub rows: usize,
    /// Every problem, ordered by row.
    pub errors: Vec<RowError>,
}

/// One line per problem under a summary line.
impl fmt::Display for ImportReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "共 {} 行数据,发现 {} 处错误",
            self.rows,
            self.errors.len()
        )?;
        for error in &self.errors {
            write!(f, "\n{error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ImportReport {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_locates_the_problem() {
        let error = RowError::new(7, "revenue", "12,3x", "营业收入不是有效金额");
        assert_eq!(
            error.to_string(),
            "第 7 行 revenue “12,3x”:营业收入不是有效金额"
        );
        assert_eq!(
            RowError::file("文件中没有数据行").to_string(),
            "文件中没有数据行"
        );
        let report = ImportReport {
            rows: 3,
            errors: vec![error],
        };
        assert_eq!(
            report.to_string(),
            "共 3 行数据,发现 1 处错误\n第 7 行 revenue “12,3x”:营业收入不是有效金额"
        );
    }
}
