//! Diagnostics: what is wrong with a policy file, where, in Chinese for the staff who write
//! policies and in English for the engineers who maintain the engine.

use std::fmt;

/// One problem in a definition file, at a 1-based line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub file: String,
    pub line: usize,
    pub message_zh: String,
    pub message_en: String,
}

impl Diagnostic {
    pub fn new(
        file: &str,
        line: usize,
        message_zh: impl Into<String>,
        message_en: impl Into<String>,
    ) -> Self {
        Diagnostic {
            file: file.to_string(),
            line,
            message_zh: message_zh.into(),
            message_en: message_en.into(),
        }
    }
}

/// "examples/p3.toml:12: 未知属性 foo / unknown attribute foo".
impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: {} / {}",
            self.file, self.line, self.message_zh, self.message_en
        )
    }
}

/// Collects diagnostics for one file while a reader walks it.
#[derive(Debug, Default)]
pub(crate) struct Sink {
    pub file: String,
    pub diags: Vec<Diagnostic>,
}

impl Sink {
    pub fn new(file: &str) -> Self {
        Sink {
            file: file.to_string(),
            diags: Vec::new(),
        }
    }

    pub fn error(&mut self, line: usize, zh: impl Into<String>, en: impl Into<String>) {
        self.diags.push(Diagnostic::new(&self.file, line, zh, en));
    }

    pub fn is_clean(&self) -> bool {
        self.diags.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_file_line_and_both_languages() {
        let d = Diagnostic::new("a.toml", 3, "未知属性 x", "unknown attribute x");
        assert_eq!(d.to_string(), "a.toml:3: 未知属性 x / unknown attribute x");
    }
}
