//! A small, line-annotated tree of a parsed TOML file.
//!
//! `toml_edit` keeps byte spans, but its API distinguishes tables, inline tables and arrays of
//! tables. The policy reader does not care how a table was written, only where it is, so the
//! document is converted once into [`Node`]s that carry their 1-based line. Numbers keep their
//! source text, so "0.035" becomes an exact decimal and never passes through `f64`.

use crate::diag::Diagnostic;
use chrono::NaiveDate;

/// One value of the file with the line it starts on.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node {
    pub line: usize,
    pub kind: NodeKind,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum NodeKind {
    Str(String),
    Int(i64),
    /// A float, kept as its source text (e.g. "0.035").
    Float(String),
    Bool(bool),
    Date(NaiveDate),
    /// A date-time or time, which no policy field accepts; kept as text for the message.
    OtherDateTime(String),
    Array(Vec<Node>),
    Table(Vec<Entry>),
}

/// A key of a table, its line and its value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Entry {
    pub key: String,
    pub line: usize,
    pub value: Node,
}

impl Node {
    /// A short name of the kind, for "expected a table, found a string" messages.
    pub fn kind_name(&self) -> &'static str {
        match self.kind {
            NodeKind::Str(_) => "字符串 string",
            NodeKind::Int(_) => "整数 integer",
            NodeKind::Float(_) => "小数 float",
            NodeKind::Bool(_) => "布尔值 boolean",
            NodeKind::Date(_) | NodeKind::OtherDateTime(_) => "日期 date",
            NodeKind::Array(_) => "数组 array",
            NodeKind::Table(_) => "表 table",
        }
    }

    pub fn as_table(&self) -> Option<&[Entry]> {
        match &self.kind {
            NodeKind::Table(entries) => Some(entries),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&[Node]> {
        match &self.kind {
            NodeKind::Array(items) => Some(items),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            NodeKind::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The text of a scalar as written: strings as they are, numbers as their digits.
    pub fn scalar_text(&self) -> Option<String> {
        match &self.kind {
            NodeKind::Str(s) => Some(s.clone()),
            NodeKind::Int(i) => Some(i.to_string()),
            NodeKind::Float(f) => Some(f.clone()),
            _ => None,
        }
    }
}

/// Parses `src` into a table node, or a diagnostic at the line of the syntax error.
pub(crate) fn parse(file: &str, src: &str) -> Result<Node, Diagnostic> {
    let doc = toml_edit::Document::parse(src).map_err(|e| {
        let line = e.span().map_or(1, |s| line_of(src, s.start));
        let detail = e.message().trim().to_string();
        Diagnostic::new(
            file,
            line,
            format!("TOML 语法错误:{detail}"),
            format!("TOML syntax error: {detail}"),
        )
    })?;
    let conv = Converter { src };
    Ok(conv.table(doc.as_table(), 1))
}

/// 1-based line of a byte offset.
pub(crate) fn line_of(src: &str, offset: usize) -> usize {
    let end = offset.min(src.len());
    src.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

struct Converter<'a> {
    src: &'a str,
}

impl Converter<'_> {
    fn line(&self, span: Option<std::ops::Range<usize>>, fallback: usize) -> usize {
        span.map_or(fallback, |s| line_of(self.src, s.start))
    }

    fn table(&self, table: &dyn toml_edit::TableLike, fallback: usize) -> Node {
        let mut entries = Vec::new();
        for (key, item) in table.iter() {
            let key_line = table
                .get_key_value(key)
                .and_then(|(k, _)| k.span())
                .map_or(fallback, |s| line_of(self.src, s.start));
            entries.push(Entry {
                key: key.to_string(),
                line: key_line,
                value: self.item(item, key_line),
            });
        }
        Node {
            line: fallback,
            kind: NodeKind::Table(entries),
        }
    }

    fn item(&self, item: &toml_edit::Item, fallback: usize) -> Node {
        match item {
            toml_edit::Item::Value(v) => self.value(v, fallback),
            toml_edit::Item::Table(t) => {
                let line = self.line(t.span(), fallback);
                let mut node = self.table(t, line);
                node.line = line;
                node
            }
            toml_edit::Item::ArrayOfTables(a) => {
                let items = a
                    .iter()
                    .map(|t| {
                        let line = self.line(t.span(), fallback);
                        self.table(t, line)
                    })
                    .collect();
                Node {
                    line: self.line(a.span(), fallback),
                    kind: NodeKind::Array(items),
                }
            }
            toml_edit::Item::None => Node {
                line: fallback,
                kind: NodeKind::Table(Vec::new()),
            },
        }
    }

    fn value(&self, value: &toml_edit::Value, fallback: usize) -> Node {
        let line = self.line(value.span(), fallback);
        let kind = match value {
            toml_edit::Value::String(s) => NodeKind::Str(s.value().clone()),
            toml_edit::Value::Integer(i) => NodeKind::Int(*i.value()),
            toml_edit::Value::Float(f) => {
                let text = value
                    .span()
                    .and_then(|s| self.src.get(s))
                    .map_or_else(|| f.value().to_string(), |t| t.trim().replace('_', ""));
                NodeKind::Float(text)
            }
            toml_edit::Value::Boolean(b) => NodeKind::Bool(*b.value()),
            toml_edit::Value::Datetime(d) => datetime(d.value()),
            toml_edit::Value::Array(a) => {
                NodeKind::Array(a.iter().map(|v| self.value(v, line)).collect())
            }
            toml_edit::Value::InlineTable(t) => {
                let mut node = self.table(t, line);
                node.line = line;
                return node;
            }
        };
        Node { line, kind }
    }
}

fn datetime(d: &toml_edit::Datetime) -> NodeKind {
    match (d.date, d.time, d.offset) {
        (Some(date), None, None) => NaiveDate::from_ymd_opt(
            i32::from(date.year),
            u32::from(date.month),
            u32::from(date.day),
        )
        .map_or_else(|| NodeKind::OtherDateTime(d.to_string()), NodeKind::Date),
        _ => NodeKind::OtherDateTime(d.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_follow_the_source() {
        let src = "a = 1\n\n[t]\nb = \"x\"\nc = 0.035\nd = 2025-01-01\n";
        let root = parse("f.toml", src).unwrap();
        let entries = root.as_table().unwrap();
        assert_eq!(entries[0].key, "a");
        assert_eq!(entries[0].line, 1);
        let t = entries[1].value.as_table().unwrap();
        assert_eq!(t[0].line, 4);
        assert_eq!(t[1].value.kind, NodeKind::Float("0.035".into()));
        assert_eq!(
            t[2].value.kind,
            NodeKind::Date(NaiveDate::from_ymd_opt(2025, 1, 1).unwrap())
        );
    }

    #[test]
    fn syntax_errors_carry_the_line() {
        let err = parse("f.toml", "a = 1\nb = = 2\n").unwrap_err();
        assert_eq!(err.line, 2);
        assert!(err.message_zh.contains("TOML"));
    }

    #[test]
    fn arrays_of_tables_become_arrays() {
        let src = "[[case]]\nname = \"a\"\n[[case]]\nname = \"b\"\n";
        let root = parse("f.toml", src).unwrap();
        let cases = root.as_table().unwrap()[0].value.as_array().unwrap();
        assert_eq!(cases.len(), 2);
        assert_eq!(cases[1].line, 3);
    }
}
