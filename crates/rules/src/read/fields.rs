//! Helpers to read a table of the tree: take known keys, report the unknown ones.

use crate::diag::Sink;
use crate::tree::{Entry, Node, NodeKind};
use chrono::NaiveDate;

/// The entries of one table, with the keys already read marked, so that a misspelt key
/// ("amout") is reported instead of silently ignored.
pub(crate) struct Fields<'a> {
    entries: &'a [Entry],
    used: Vec<bool>,
    pub line: usize,
}

impl<'a> Fields<'a> {
    /// The fields of `node`, or a diagnostic when it is not a table.
    pub fn of(node: &'a Node, what: &str, sink: &mut Sink) -> Option<Fields<'a>> {
        match node.as_table() {
            Some(entries) => Some(Fields {
                entries,
                used: vec![false; entries.len()],
                line: node.line,
            }),
            None => {
                sink.error(
                    node.line,
                    format!("{what}应为表(table),实际为{}", node.kind_name()),
                    format!("{what} must be a table, found {}", node.kind_name()),
                );
                None
            }
        }
    }

    pub fn has(&self, key: &str) -> bool {
        self.entries.iter().any(|e| e.key == key)
    }

    /// The entry `key`, marked as read.
    pub fn take(&mut self, key: &str) -> Option<&'a Entry> {
        let i = self.entries.iter().position(|e| e.key == key)?;
        self.used[i] = true;
        Some(&self.entries[i])
    }

    /// Reports every key not taken, naming the keys that are allowed.
    pub fn finish(self, what: &str, allowed: &[&str], sink: &mut Sink) {
        for (entry, used) in self.entries.iter().zip(self.used) {
            if !used {
                sink.error(
                    entry.line,
                    format!(
                        "{what}中的未知字段“{}”(可用:{})",
                        entry.key,
                        allowed.join("、")
                    ),
                    format!(
                        "unknown key `{}` in {what} (allowed: {})",
                        entry.key,
                        allowed.join(", ")
                    ),
                );
            }
        }
    }

    /// A required string.
    pub fn req_str(&mut self, key: &str, what: &str, sink: &mut Sink) -> Option<(String, usize)> {
        let line = self.line;
        match self.take(key) {
            None => {
                sink.error(
                    line,
                    format!("{what}缺少必填字段“{key}”"),
                    format!("{what} lacks the required key `{key}`"),
                );
                None
            }
            Some(e) => string(&e.value, key, sink).map(|s| (s, e.line)),
        }
    }

    /// An optional string.
    pub fn opt_str(&mut self, key: &str, sink: &mut Sink) -> Option<(String, usize)> {
        let e = self.take(key)?;
        string(&e.value, key, sink).map(|s| (s, e.line))
    }

    /// An optional boolean.
    pub fn opt_bool(&mut self, key: &str, sink: &mut Sink) -> Option<bool> {
        let e = self.take(key)?;
        match e.value.kind {
            NodeKind::Bool(b) => Some(b),
            _ => {
                sink.error(
                    e.line,
                    format!("“{key}”应为 true 或 false"),
                    format!("`{key}` must be a boolean"),
                );
                None
            }
        }
    }

    /// An optional integer.
    pub fn opt_int(&mut self, key: &str, sink: &mut Sink) -> Option<(i64, usize)> {
        let e = self.take(key)?;
        match e.value.kind {
            NodeKind::Int(i) => Some((i, e.line)),
            _ => {
                sink.error(
                    e.line,
                    format!("“{key}”应为整数"),
                    format!("`{key}` must be an integer"),
                );
                None
            }
        }
    }

    /// An optional date (TOML date or "YYYY-MM-DD").
    pub fn opt_date(&mut self, key: &str, sink: &mut Sink) -> Option<(NaiveDate, usize)> {
        let e = self.take(key)?;
        date(&e.value, key, sink).map(|d| (d, e.line))
    }

    /// An optional list of strings.
    pub fn opt_str_list(&mut self, key: &str, sink: &mut Sink) -> Option<(Vec<String>, usize)> {
        let e = self.take(key)?;
        str_list(&e.value, key, sink).map(|l| (l, e.line))
    }
}

pub(crate) fn string(node: &Node, key: &str, sink: &mut Sink) -> Option<String> {
    match &node.kind {
        NodeKind::Str(s) => Some(s.clone()),
        _ => {
            sink.error(
                node.line,
                format!("“{key}”应为字符串,实际为{}", node.kind_name()),
                format!("`{key}` must be a string, found {}", node.kind_name()),
            );
            None
        }
    }
}

pub(crate) fn date(node: &Node, key: &str, sink: &mut Sink) -> Option<NaiveDate> {
    let parsed = match &node.kind {
        NodeKind::Date(d) => Some(*d),
        NodeKind::Str(s) => NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok(),
        _ => None,
    };
    if parsed.is_none() {
        sink.error(
            node.line,
            format!("“{key}”应为日期,如 2025-01-01"),
            format!("`{key}` must be a date such as 2025-01-01"),
        );
    }
    parsed
}

pub(crate) fn str_list(node: &Node, key: &str, sink: &mut Sink) -> Option<Vec<String>> {
    let Some(items) = node.as_array() else {
        sink.error(
            node.line,
            format!("“{key}”应为字符串数组"),
            format!("`{key}` must be an array of strings"),
        );
        return None;
    };
    let mut out = Vec::new();
    for item in items {
        out.push(string(item, key, sink)?);
    }
    Some(out)
}
