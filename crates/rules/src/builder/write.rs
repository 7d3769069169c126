//! Form → definition: the form's keys are set in the base definition, every other key
//! (parameters, cases, budget, rounding) and its comments are kept.

use super::{Form, Op, OpKind, QUALIFICATION, RewardForm, RewardType, Row, SharesForm, split_list};
use toml_edit::{Array, DocumentMut, InlineTable, Item, Table, Value};

/// The definition of `form`, written over `base` (a definition the form was read from, or
/// empty); a base that is not TOML is replaced.
pub fn write(form: &Form, base: &str) -> String {
    let mut doc: DocumentMut = base.parse().unwrap_or_default();
    meta(&mut doc, form);
    replace(&mut doc, "conditions", conditions(form));
    replace(&mut doc, "reward", reward(&form.reward));
    cross(&mut doc, form);
    doc.to_string()
}

/// Sets `key` to a string, or removes it when the text is empty.
fn set_text(t: &mut Table, key: &str, text: &str) {
    match text.trim() {
        "" => {
            t.remove(key);
        }
        v => {
            t.insert(key, toml_edit::value(v));
        }
    }
}

fn meta(doc: &mut DocumentMut, form: &Form) {
    let m = &form.meta;
    let root = doc.as_table_mut();
    for (key, text) in [
        ("id", &m.id),
        ("title", &m.title),
        ("department", &m.department),
        ("level", &m.level),
        ("document_no", &m.document_no),
        ("per_claim", &m.per_claim),
    ] {
        set_text(root, key, text);
    }
    let topics = split_list(&m.topics);
    if topics.is_empty() {
        root.remove("topics");
    } else {
        root.insert("topics", toml_edit::value(Array::from_iter(topics)));
    }
    set_text(root, "entity", &m.entity);
    set_text(root, "mode", &m.mode);
    let mut effective = InlineTable::new();
    for (key, text) in [("from", &m.effective_from), ("to", &m.effective_to)] {
        if !text.trim().is_empty() {
            effective.insert(key, date(text));
        }
    }
    if effective.is_empty() {
        root.remove("effective");
    } else {
        root.insert("effective", toml_edit::value(effective));
    }
}

/// A TOML date when the text is one, else the text (for the reader to report).
fn date(text: &str) -> Value {
    let text = text.trim();
    text.parse::<toml_edit::Datetime>()
        .map_or_else(|_| Value::from(text), Value::from)
}

/// A TOML integer when the text is one, else the text (for the reader to report).
fn integer(text: &str) -> Value {
    let text = text.trim();
    text.parse::<i64>()
        .map_or_else(|_| Value::from(text), Value::from)
}

/// Replaces a table where it stands in the file, with the comments above it; a new table
/// gets a blank line before it.
fn replace(doc: &mut DocumentMut, key: &str, mut table: Table) {
    match doc.get(key).and_then(Item::as_table) {
        Some(old) => {
            table.set_position(old.position());
            *table.decor_mut() = old.decor().clone();
        }
        None => table.decor_mut().set_prefix("\n"),
    }
    doc.insert(key, Item::Table(table));
}

fn conditions(form: &Form) -> Table {
    let mut items = Vec::new();
    let mut written = vec![false; form.groups.len()];
    for r in &form.conditions {
        match form.groups.get(r.group.wrapping_sub(1)) {
            Some(c) if !written[r.group - 1] => {
                written[r.group - 1] = true;
                let rows = form.conditions.iter().filter(|x| x.group == r.group);
                let mut group = InlineTable::new();
                group.insert(c.as_str(), Value::Array(array(rows.map(leaf), "\n    ")));
                items.push(Value::InlineTable(group));
            }
            Some(_) => {}
            None => items.push(leaf(r)),
        }
    }
    let mut t = Table::new();
    t.insert(
        form.combine.as_str(),
        toml_edit::value(array(items, "\n  ")),
    );
    t
}

/// An array with one item per line, each after `indent`.
fn array(items: impl IntoIterator<Item = Value>, indent: &str) -> Array {
    let mut a: Array = items.into_iter().collect();
    a.fmt();
    for v in a.iter_mut() {
        v.decor_mut().set_prefix(indent);
    }
    a.set_trailing_comma(true);
    a.set_trailing(indent.strip_suffix("  ").unwrap_or("\n"));
    a
}

fn strings(text: &str) -> Value {
    Value::Array(Array::from_iter(split_list(text)))
}

/// One condition row as the reader's inline table.
fn leaf(r: &Row) -> Value {
    let mut t = InlineTable::new();
    let negated = matches!(r.op, Op::NotUnder | Op::Lacks | Op::LacksBeforePolicyYear);
    if r.op.kind() == OpKind::Grants {
        let scope = if r.op == Op::FirstGrantGroup {
            "group"
        } else {
            "policy"
        };
        t.insert("first_grant", scope.into());
    } else if r.attr == QUALIFICATION || r.op.kind() == OpKind::Qualification {
        t.insert("tag", r.value.trim().into());
        let recognised = match r.op {
            Op::HasInPolicyYear => Some("in_policy_year"),
            Op::HasInYearBefore => Some("in_year_before"),
            Op::HasBeforePolicyYear | Op::LacksBeforePolicyYear => Some("before_policy_year"),
            _ => None,
        };
        if let Some(w) = recognised {
            t.insert("recognised", w.into());
        }
        if r.op.takes_recognition_window() {
            for (key, text) in [
                ("recognised_from", &r.recognised_from),
                ("recognised_to", &r.recognised_to),
            ] {
                if !text.trim().is_empty() {
                    t.insert(key, date(text));
                }
            }
        }
    } else {
        let subject = match r.op {
            Op::CountMin => ("count", Value::from(r.attr.trim())),
            Op::RatioMin => (
                "ratio",
                Value::Array(Array::from_iter([r.attr.trim(), r.denominator.trim()])),
            ),
            Op::ChangeMin => ("change", Value::from(r.attr.trim())),
            Op::GrowthMin => ("growth", Value::from(r.attr.trim())),
            _ => ("attr", Value::from(r.attr.trim())),
        };
        t.insert(subject.0, subject.1);
        if r.year_before {
            t.insert("period", "year_before".into());
        }
        let (key, value) = match r.op {
            Op::In | Op::NotIn | Op::Under | Op::NotUnder => {
                let key = if r.op == Op::NotUnder {
                    "under"
                } else {
                    r.op.as_str()
                };
                (key, strings(&r.value))
            }
            Op::IsTrue | Op::IsFalse => ("is", Value::from(r.op == Op::IsTrue)),
            Op::CountMin | Op::RatioMin | Op::ChangeMin | Op::GrowthMin => {
                ("min", Value::from(r.value.trim()))
            }
            op => (op.as_str(), Value::from(r.value.trim())),
        };
        t.insert(key, value);
        if r.op.takes_consecutive_years() {
            match r.consecutive_years.trim() {
                "" | "1" => {}
                n => {
                    t.insert("consecutive_years", integer(n));
                }
            }
        }
    }
    if !r.label.trim().is_empty() {
        t.insert("label", r.label.trim().into());
    }
    t.fmt();
    if !negated {
        return Value::InlineTable(t);
    }
    let mut not = InlineTable::new();
    not.insert("not", Value::InlineTable(t));
    not.fmt();
    Value::InlineTable(not)
}

fn reward(r: &RewardForm) -> Table {
    let mut t = Table::new();
    set_text(&mut t, "label", &r.label);
    match r.kind {
        RewardType::Fixed => set_text(&mut t, "fixed", &r.amount),
        RewardType::Percent => {
            t.insert("percent", toml_edit::value(r.rate.trim()));
            t.insert("of", toml_edit::value(r.base.trim()));
        }
        RewardType::PerUnit => {
            t.insert("per_unit", toml_edit::value(r.amount.trim()));
            set_text(&mut t, "quantity", &r.quantity);
            set_text(&mut t, "months", &r.months);
            match r.max_months.trim().parse::<i64>() {
                Ok(m) => {
                    t.insert("max_months", toml_edit::value(m));
                }
                Err(_) => set_text(&mut t, "max_months", &r.max_months),
            }
        }
        RewardType::Bracket | RewardType::Marginal => {
            let mode = r.kind.as_str();
            let key = r.kind.bracket_key().unwrap_or("amount");
            t.insert("tiers", toml_edit::value(mode));
            t.insert("of", toml_edit::value(r.base.trim()));
            let brackets = r.brackets.iter().map(|b| {
                let mut c = InlineTable::new();
                for (k, v) in [("from", &b.from), ("to", &b.to)] {
                    if !v.trim().is_empty() {
                        c.insert(k, v.trim().into());
                    }
                }
                c.insert(key, b.value.trim().into());
                c.fmt();
                Value::InlineTable(c)
            });
            t.insert("brackets", toml_edit::value(array(brackets, "\n  ")));
        }
        RewardType::Highest => {
            let tiers = r.tiers.iter().map(|tier| {
                let mut c = InlineTable::new();
                if !tier.label.trim().is_empty() {
                    c.insert("label", tier.label.trim().into());
                }
                c.insert("fixed", tier.amount.trim().into());
                if !tier.conditions.is_empty() {
                    let mut when = InlineTable::new();
                    let rows = tier.conditions.iter().map(leaf);
                    let mut rows: Array = rows.collect();
                    rows.fmt();
                    when.insert("all", Value::Array(rows));
                    when.fmt();
                    c.insert("when", Value::InlineTable(when));
                }
                c.fmt();
                Value::InlineTable(c)
            });
            t.insert("max", toml_edit::value(array(tiers, "\n  ")));
        }
    }
    if !matches!(r.kind, RewardType::Fixed | RewardType::Highest) && r.year_before {
        t.insert("period", toml_edit::value("year_before"));
    }
    set_text(&mut t, "floor", &r.floor);
    set_text(&mut t, "cap", &r.cap);
    t
}

/// Sets the exclusive group, annual cap and 分级承担; a budget stays; an empty `[cross]` goes.
fn cross(doc: &mut DocumentMut, form: &Form) {
    let c = &form.cross;
    let mut t = doc
        .remove("cross")
        .and_then(|i| i.into_table().ok())
        .unwrap_or_else(|| {
            let mut t = Table::new();
            t.decor_mut().set_prefix("\n");
            t
        });
    set_text(&mut t, "exclusive_group", &c.exclusive_group);
    if c.top_up {
        t.insert("top_up", toml_edit::value(true));
    } else {
        t.remove("top_up");
    }
    if c.annual_cap_group.trim().is_empty() && c.annual_cap.trim().is_empty() {
        t.remove("annual_cap");
    } else {
        let mut cap = InlineTable::new();
        cap.insert("group", c.annual_cap_group.trim().into());
        cap.insert("amount", c.annual_cap.trim().into());
        set_value(&mut t, "annual_cap", cap);
    }
    match shares(&c.shares) {
        Some(shares) => set_value(&mut t, "shares", shares),
        None => {
            t.remove("shares");
        }
    }
    if !t.is_empty() {
        doc.insert("cross", Item::Table(t));
    }
}

/// Sets a small table, keeping the comment after the one it replaces
/// (`annual_cap = { … }   # 各项目合计`).
fn set_value(t: &mut Table, key: &str, mut value: InlineTable) {
    value.fmt();
    let mut value = Value::InlineTable(value);
    if let Some(old) = t.get(key).and_then(Item::as_value) {
        *value.decor_mut() = old.decor().clone();
    }
    t.insert(key, Item::Value(value));
}

/// 分级承担, when two levels or more are given parts: whole numbers as integers (anything
/// else as text, for the reader to report), the source as a clause or `{ document_no, article }`.
fn shares(s: &SharesForm) -> Option<InlineTable> {
    let given = s.given();
    if given.len() < 2 {
        return None;
    }
    let mut t = InlineTable::new();
    for (level, parts) in given {
        t.insert(level.as_str(), integer(parts));
    }
    let (article, document_no) = (s.source.trim(), s.source_document_no.trim());
    if !document_no.is_empty() {
        let mut source = InlineTable::new();
        source.insert("document_no", document_no.into());
        source.insert("article", article.into());
        source.fmt();
        t.insert("source", Value::InlineTable(source));
    } else if !article.is_empty() {
        t.insert("source", article.into());
    }
    Some(t)
}
