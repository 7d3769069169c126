//! Reading a policy file: TOML text → [`Policy`], or every problem found with its line.
//!
//! The reader resolves attribute names against the schema, checks each test against the
//! attribute's type and converts thresholds to scaled integers. Checks that look at the policy as
//! a whole (tiers, floors and caps, dates) are in the `validate` module, run right after.

mod cases;
mod fields;
mod reward;

use crate::diag::{Diagnostic, Sink};
use crate::model::{
    Atom, AttrRef, Bound, Bounds, Condition, CrossRules, Leaf, Level, Mode, Operand, Param,
    ParamType, ParamValue, Period, Policy, Rounding, TagWhen, Test,
};
use crate::schema::{AttrDef, AttrType, Entity, Schema};
use crate::tree::{self, Node, NodeKind};
use chrono::NaiveDate;
use fields::Fields;
use qinqing_domain::enterprise::{CreditStatus, Ownership};
use qinqing_domain::size::SizeClass;
use qinqing_domain::{DivisionCode, IndustryCode, Money};
use std::collections::BTreeMap;

const POLICY_KEYS: [&str; 16] = [
    "id",
    "title",
    "department",
    "level",
    "document_no",
    "topics",
    "entity",
    "mode",
    "effective",
    "rounding",
    "params",
    "conditions",
    "reward",
    "cross",
    "case",
    "description",
];

/// Reads and validates one policy file against `schema`.
pub fn parse_policy(file: &str, src: &str, schema: &Schema) -> Result<Policy, Vec<Diagnostic>> {
    let root = tree::parse(file, src).map_err(|d| vec![d])?;
    let mut cx = Ctx {
        schema,
        sink: Sink::new(file),
        entity: Entity::Enterprise,
        params: BTreeMap::new(),
    };
    let policy = cx.policy(&root);
    if let Some(p) = &policy {
        crate::validate::validate_policy(p, schema, &mut cx.sink);
    }
    match policy {
        Some(p) if cx.sink.is_clean() => Ok(p),
        _ => {
            let mut diags = cx.sink.diags;
            if diags.is_empty() {
                diags.push(Diagnostic::new(
                    file,
                    1,
                    "政策定义不完整",
                    "the policy definition is incomplete",
                ));
            }
            diags.sort_by_key(|d| d.line);
            Err(diags)
        }
    }
}

/// The reader's state for one file.
pub(crate) struct Ctx<'a> {
    pub schema: &'a Schema,
    pub sink: Sink,
    pub entity: Entity,
    pub params: BTreeMap<String, Param>,
}

impl Ctx<'_> {
    fn policy(&mut self, root: &Node) -> Option<Policy> {
        let mut f = Fields::of(root, "政策文件", &mut self.sink)?;
        let id = f.req_str("id", "政策", &mut self.sink);
        if let Some((id, line)) = &id
            && !is_policy_id(id)
        {
            self.sink.error(
                *line,
                format!("政策编号“{id}”只能包含小写字母、数字、- 和 _"),
                format!("policy id `{id}` may only use lower-case letters, digits, `-` and `_`"),
            );
        }
        let title = f.req_str("title", "政策", &mut self.sink);
        let department = f.req_str("department", "政策", &mut self.sink);
        let level = self.enumerated(
            &mut f,
            "level",
            Level::parse,
            "national、provincial、municipal、district",
        );
        let document_no = f.opt_str("document_no", &mut self.sink).map(|s| s.0);
        let topics = f
            .opt_str_list("topics", &mut self.sink)
            .map(|t| t.0)
            .unwrap_or_default();
        let _ = f.opt_str("description", &mut self.sink);
        self.entity = match f.take("entity") {
            None => Entity::Enterprise,
            Some(e) => {
                let text = fields::string(&e.value, "entity", &mut self.sink).unwrap_or_default();
                Entity::parse(&text).unwrap_or_else(|| {
                    self.sink.error(
                        e.line,
                        "entity 应为 enterprise(企业)或 person(个人)",
                        "`entity` must be `enterprise` or `person`",
                    );
                    Entity::Enterprise
                })
            }
        };
        let mode = self.enumerated(
            &mut f,
            "mode",
            Mode::parse,
            "apply、auto_grant、quick_apply",
        );
        let rounding = if f.has("rounding") {
            self.optional_enumerated(
                &mut f,
                "rounding",
                Rounding::parse,
                "half_up、half_even、down、up",
            )
        } else {
            Some(Rounding::default())
        };
        let effective = self.effective(&mut f);
        if let Some(p) = f.take("params") {
            self.read_params(&p.value);
        }
        let condition = match f.take("conditions") {
            Some(c) => self.condition(&c.value),
            None => Some(Condition::All(Vec::new())),
        };
        let reward = match f.take("reward") {
            Some(r) => self.reward(&r.value),
            None => {
                self.sink.error(
                    root.line,
                    "政策缺少奖补标准 [reward]",
                    "the policy lacks a [reward] table",
                );
                None
            }
        };
        let cross = match f.take("cross") {
            Some(c) => self.cross(&c.value),
            None => Some(CrossRules::default()),
        };
        let cases = match f.take("case") {
            Some(c) => self.cases(&c.value),
            None => Vec::new(),
        };
        f.finish("政策文件", &POLICY_KEYS, &mut self.sink);
        let (effective_from, effective_to) = effective?;
        Some(Policy {
            id: id?.0,
            title: title?.0,
            department: department?.0,
            level: level?,
            document_no,
            topics,
            entity: self.entity,
            mode: mode?,
            effective_from,
            effective_to,
            rounding: rounding?,
            params: self.params.clone(),
            condition: condition?,
            reward: reward?,
            cross: cross?,
            cases,
            file: self.sink.file.clone(),
        })
    }

    /// A required enumerated string field.
    fn enumerated<T>(
        &mut self,
        f: &mut Fields<'_>,
        key: &str,
        parse: fn(&str) -> Option<T>,
        allowed: &str,
    ) -> Option<T> {
        if !f.has(key) {
            self.sink.error(
                f.line,
                format!("政策缺少必填字段“{key}”(可选:{allowed})"),
                format!("the policy lacks `{key}` ({allowed})"),
            );
            return None;
        }
        self.optional_enumerated(f, key, parse, allowed)
    }

    /// An optional enumerated string field; `None` when absent or invalid (invalid is reported).
    fn optional_enumerated<T>(
        &mut self,
        f: &mut Fields<'_>,
        key: &str,
        parse: fn(&str) -> Option<T>,
        allowed: &str,
    ) -> Option<T> {
        let e = f.take(key)?;
        let text = fields::string(&e.value, key, &mut self.sink)?;
        let parsed = parse(&text);
        if parsed.is_none() {
            self.sink.error(
                e.line,
                format!("“{key}”的值“{text}”无效,应为 {allowed} 之一"),
                format!("invalid `{key}` `{text}`; expected one of {allowed}"),
            );
        }
        parsed
    }

    fn effective(&mut self, f: &mut Fields<'_>) -> Option<(NaiveDate, Option<NaiveDate>)> {
        let Some(e) = f.take("effective") else {
            self.sink.error(
                f.line,
                "政策缺少有效期 effective = { from = …, to = … }",
                "the policy lacks `effective = { from = …, to = … }`",
            );
            return None;
        };
        let mut ef = Fields::of(&e.value, "有效期 effective", &mut self.sink)?;
        let from = ef.opt_date("from", &mut self.sink);
        let to = ef.opt_date("to", &mut self.sink);
        ef.finish("有效期 effective", &["from", "to"], &mut self.sink);
        let Some((from, _)) = from else {
            self.sink.error(
                e.line,
                "有效期缺少起始日期 from",
                "`effective` lacks `from`",
            );
            return None;
        };
        if let Some((to, line)) = to
            && to < from
        {
            self.sink.error(
                line,
                format!("有效期的截止日期 {to} 早于起始日期 {from}"),
                format!("effective period ends ({to}) before it starts ({from})"),
            );
        }
        Some((from, to.map(|t| t.0)))
    }

    fn read_params(&mut self, node: &Node) {
        let Some(entries) = node.as_table() else {
            self.sink
                .error(node.line, "params 应为表", "`params` must be a table");
            return;
        };
        for entry in entries {
            if !crate::schema::is_identifier(&entry.key) {
                self.sink.error(
                    entry.line,
                    format!("参数名“{}”只能包含小写字母、数字和下划线", entry.key),
                    format!(
                        "parameter name `{}` must be lower-case letters, digits, `_`",
                        entry.key
                    ),
                );
                continue;
            }
            if let Some(p) = self.param(&entry.key, &entry.value) {
                self.params.insert(entry.key.clone(), p);
            }
        }
    }

    fn param(&mut self, name: &str, node: &Node) -> Option<Param> {
        let what = format!("参数 {name}");
        let mut f = Fields::of(node, &what, &mut self.sink)?;
        let label = f.opt_str("label", &mut self.sink).map(|l| l.0);
        let ty = match f.opt_str("type", &mut self.sink) {
            Some((t, _)) if t == "money" => ParamType::Money,
            Some((t, _)) if t == "integer" => ParamType::Integer,
            Some((t, _)) if t == "rate" => ParamType::Rate,
            _ => {
                self.sink.error(
                    node.line,
                    format!("参数 {name} 的 type 应为 money、integer 或 rate"),
                    format!("parameter `{name}` needs `type` = money | integer | rate"),
                );
                ParamType::Money
            }
        };
        let mut values = Vec::new();
        match f.take("values").map(|e| &e.value) {
            Some(Node {
                kind: NodeKind::Array(items),
                ..
            }) => {
                for item in items {
                    if let Some(v) = self.param_value(item, ty, name) {
                        values.push(v);
                    }
                }
            }
            _ => self.sink.error(
                node.line,
                format!("参数 {name} 缺少 values = [{{ from = …, value = … }}]"),
                format!("parameter `{name}` needs `values = [{{ from = …, value = … }}]`"),
            ),
        }
        f.finish(&what, &["label", "type", "values"], &mut self.sink);
        for pair in values.windows(2) {
            if pair[1].0 <= pair[0].0 {
                self.sink.error(
                    node.line,
                    format!(
                        "参数 {name} 的生效日期应从早到晚排列且不重复({} 不晚于 {})",
                        pair[1].0, pair[0].0
                    ),
                    format!(
                        "the dates of parameter `{name}` must increase ({} is not after {})",
                        pair[1].0, pair[0].0
                    ),
                );
            }
        }
        if values.is_empty() {
            return None;
        }
        Some(Param {
            name: name.to_string(),
            label,
            ty,
            values,
            line: node.line,
        })
    }

    fn param_value(
        &mut self,
        item: &Node,
        ty: ParamType,
        name: &str,
    ) -> Option<(NaiveDate, ParamValue)> {
        let what = format!("参数 {name} 的取值");
        let mut f = Fields::of(item, &what, &mut self.sink)?;
        let from = f.opt_date("from", &mut self.sink);
        let value = f.take("value");
        f.finish(&what, &["from", "value"], &mut self.sink);
        let Some((from, _)) = from else {
            self.sink.error(
                item.line,
                format!("{what}缺少 from 日期"),
                format!("a value of `{name}` lacks `from`"),
            );
            return None;
        };
        let Some(value) = value else {
            self.sink.error(
                item.line,
                format!("{what}缺少 value"),
                format!("a value of `{name}` lacks `value`"),
            );
            return None;
        };
        let text = value.value.scalar_text().unwrap_or_default();
        let parsed = match ty {
            ParamType::Money => Money::parse_yuan(&text)
                .map(ParamValue::Money)
                .map_err(|e| e.to_string()),
            ParamType::Integer => {
                crate::num::parse_scaled(&text, 0, false).map(ParamValue::Integer)
            }
            ParamType::Rate => crate::num::parse_decimal(&text, true).map(ParamValue::Rate),
        };
        match parsed {
            Ok(v) => Some((from, v)),
            Err(e) => {
                self.sink.error(
                    value.line,
                    format!("参数 {name} 的取值“{text}”无效:{e}"),
                    format!("invalid value `{text}` of parameter `{name}`"),
                );
                None
            }
        }
    }

    /// Resolves an attribute name and period, checking entity and per-year-ness.
    pub(crate) fn attr_ref(
        &mut self,
        name: &str,
        period: Option<(String, usize)>,
        line: usize,
    ) -> Option<(AttrRef, &AttrDef)> {
        let Some(id) = self.schema.get(name) else {
            self.sink.error(
                line,
                format!("未知属性“{name}”:请先在属性目录 attributes.toml 中定义"),
                format!("unknown attribute `{name}`; declare it in attributes.toml first"),
            );
            return None;
        };
        let def = self.schema.def(id);
        if def.entity != self.entity {
            self.sink.error(
                line,
                format!(
                    "属性“{name}”属于{},而本政策面向{}",
                    def.entity.label_zh(),
                    self.entity.label_zh()
                ),
                format!(
                    "attribute `{name}` belongs to {} but the policy is for {}",
                    def.entity.as_str(),
                    self.entity.as_str()
                ),
            );
            return None;
        }
        let period = match (def.per_year, period) {
            (false, None) => Period::Static,
            (false, Some((_, pl))) => {
                self.sink.error(
                    pl,
                    format!("属性“{name}”不分年度,不能指定 period"),
                    format!("attribute `{name}` is not per-year; `period` does not apply"),
                );
                Period::Static
            }
            (true, None) => Period::PolicyYear,
            (true, Some((p, pl))) => match p.as_str() {
                "policy_year" => Period::PolicyYear,
                "year_before" => Period::YearBefore,
                _ => {
                    self.sink.error(
                        pl,
                        format!(
                            "period“{p}”无效,应为 policy_year(政策年度)或 year_before(上一年度)"
                        ),
                        format!("invalid period `{p}`; expected policy_year or year_before"),
                    );
                    Period::PolicyYear
                }
            },
        };
        Some((AttrRef { attr: id, period }, def))
    }

    /// A threshold of type `ty`: a literal, or "$param" of a matching parameter type.
    pub(crate) fn bound(&mut self, node: &Node, ty: AttrType, key: &str) -> Option<Bound> {
        if let Some(name) = node.as_str().and_then(|s| s.trim().strip_prefix('$')) {
            return self
                .param_ref(name, node.line, ty)
                .map(|_| Bound::Param(name.to_string()));
        }
        let value = match ty {
            AttrType::Date => fields::date(node, key, &mut self.sink).map(crate::facts::date_days),
            _ => {
                let text = node.scalar_text().unwrap_or_default();
                let parsed = match ty {
                    AttrType::Money => Money::parse_yuan(&text)
                        .map(Money::fen)
                        .map_err(|e| e.to_string()),
                    _ => crate::num::parse_scaled(&text, ty.scale(), ty == AttrType::Decimal),
                };
                match parsed {
                    Ok(v) => Some(v),
                    Err(e) => {
                        self.sink.error(
                            node.line,
                            format!("“{key}”的值“{text}”不是有效的{}:{e}", type_zh(ty)),
                            format!("`{key}` = `{text}` is not a valid {}", ty.as_str()),
                        );
                        None
                    }
                }
            }
        };
        value.map(Bound::Lit)
    }

    /// Checks a parameter reference against the type it is used as.
    pub(crate) fn param_ref(&mut self, name: &str, line: usize, ty: AttrType) -> Option<()> {
        let Some(p) = self.params.get(name) else {
            self.sink.error(
                line,
                format!("未定义的参数“${name}”"),
                format!("undefined parameter `${name}`"),
            );
            return None;
        };
        let fits = matches!(
            (p.ty, ty),
            (ParamType::Money, AttrType::Money)
                | (ParamType::Integer, AttrType::Integer)
                | (ParamType::Rate, AttrType::Decimal)
        );
        if !fits {
            self.sink.error(
                line,
                format!("参数“${name}”的类型与此处所需的{}不符", type_zh(ty)),
                format!(
                    "parameter `${name}` does not have the type needed here ({})",
                    ty.as_str()
                ),
            );
            return None;
        }
        Some(())
    }

    /// A condition node: `all`, `any`, `not`, or a leaf test.
    pub(crate) fn condition(&mut self, node: &Node) -> Option<Condition> {
        let mut f = Fields::of(node, "条件", &mut self.sink)?;
        for (key, is_all) in [("all", true), ("any", false)] {
            if let Some(e) = f.take(key) {
                let what = format!("条件 {key}");
                f.finish(&what, &[key], &mut self.sink);
                let Some(items) = e.value.as_array() else {
                    self.sink.error(
                        e.line,
                        format!("“{key}”应为条件数组"),
                        format!("`{key}` must be an array of conditions"),
                    );
                    return None;
                };
                let children: Vec<_> = items.iter().filter_map(|c| self.condition(c)).collect();
                if children.len() != items.len() {
                    return None;
                }
                return Some(if is_all {
                    Condition::All(children)
                } else {
                    Condition::Any(children)
                });
            }
        }
        if let Some(e) = f.take("not") {
            f.finish("条件 not", &["not"], &mut self.sink);
            return self
                .condition(&e.value)
                .map(|c| Condition::Not(Box::new(c)));
        }
        self.leaf(f)
    }

    fn leaf(&mut self, mut f: Fields<'_>) -> Option<Condition> {
        let line = f.line;
        let label = f.opt_str("label", &mut self.sink).map(|l| l.0);
        let parsed = if f.has("tag") {
            self.tag_test(&mut f).map(|t| (t, false))
        } else if f.has("ratio") || f.has("count") {
            self.numeric_test(&mut f, line).map(|t| (t, false))
        } else if f.has("attr") {
            self.attr_test(&mut f, line)
        } else {
            self.sink.error(
                line,
                "条件应包含 all、any、not、attr、ratio、count 或 tag 之一",
                "a condition needs one of all, any, not, attr, ratio, count or tag",
            );
            None
        };
        // Unknown keys are reported even when the test itself was wrong: a misspelt "mni" is
        // the likely reason the comparator is missing. Known keys of a failed test are not
        // reported again.
        if parsed.is_none() {
            for key in LEAF_KEYS {
                let _ = f.take(key);
            }
        }
        f.finish("条件", &LEAF_KEYS, &mut self.sink);
        let (test, negate) = parsed?;
        let leaf = Condition::Leaf(Leaf { test, line, label });
        Some(if negate {
            Condition::Not(Box::new(leaf))
        } else {
            leaf
        })
    }

    fn tag_test(&mut self, f: &mut Fields<'_>) -> Option<Test> {
        let (name, _) = f.req_str("tag", "条件", &mut self.sink)?;
        let within = f.opt_int("within_years", &mut self.sink);
        let when = match f.opt_str("recognised", &mut self.sink) {
            None if within.is_some() => None,
            None => Some(TagWhen::Any),
            Some((w, l)) => match w.as_str() {
                "any" => Some(TagWhen::Any),
                "in_policy_year" => Some(TagWhen::InPolicyYear),
                "in_year_before" => Some(TagWhen::InYearBefore),
                "before_policy_year" => Some(TagWhen::BeforePolicyYear),
                _ => {
                    self.sink.error(
                        l,
                        format!("recognised“{w}”无效,应为 any、in_policy_year、in_year_before 或 before_policy_year"),
                        format!("invalid `recognised` `{w}`"),
                    );
                    return None;
                }
            },
        };
        let when = match (when, within) {
            (Some(w), None) => w,
            (None, Some((n, l))) => match u8::try_from(n) {
                Ok(n) if (1..=50).contains(&n) => TagWhen::WithinYears(n),
                _ => {
                    self.sink.error(
                        l,
                        "within_years 应在 1 到 50 之间",
                        "`within_years` must be 1..=50",
                    );
                    return None;
                }
            },
            (Some(_), Some((_, l))) => {
                self.sink.error(
                    l,
                    "recognised 与 within_years 不能同时使用",
                    "use either `recognised` or `within_years`, not both",
                );
                return None;
            }
            (None, None) => TagWhen::Any,
        };
        let valid = f
            .opt_bool("valid_at_year_end", &mut self.sink)
            .unwrap_or(false);
        if self.entity != Entity::Enterprise {
            self.sink.error(
                f.line,
                "资质条件只适用于面向企业的政策",
                "qualification (tag) tests apply to enterprise policies only",
            );
            return None;
        }
        Some(Test::Tag {
            name: name.trim().to_string(),
            when,
            valid_at_year_end: valid,
        })
    }

    /// `ratio = [num, den]` or `count = attr`, with numeric bounds.
    fn numeric_test(&mut self, f: &mut Fields<'_>, line: usize) -> Option<Test> {
        let period = f.opt_str("period", &mut self.sink);
        let operand = if let Some(e) = f.take("ratio") {
            let names = fields::str_list(&e.value, "ratio", &mut self.sink)?;
            let [num, den] = names.as_slice() else {
                self.sink.error(
                    e.line,
                    "ratio 应为 [分子属性, 分母属性]",
                    "`ratio` must be [numerator, denominator]",
                );
                return None;
            };
            let (n, nd) = self.attr_ref(num, period.clone(), e.line)?;
            let nty = nd.ty;
            let (d, dd) = self.attr_ref(den, period, e.line)?;
            let dty = dd.ty;
            for (ty, name) in [(nty, num), (dty, den)] {
                if !matches!(ty, AttrType::Money | AttrType::Integer | AttrType::Decimal) {
                    self.sink.error(
                        e.line,
                        format!("比例的分子分母须为数值属性,“{name}”不是"),
                        format!("ratio operands must be numeric; `{name}` is not"),
                    );
                    return None;
                }
            }
            Operand::Ratio(n, d)
        } else {
            let (name, l) = f.req_str("count", "条件", &mut self.sink)?;
            let (r, def) = self.attr_ref(&name, period, l)?;
            if def.ty != AttrType::IntegerList {
                self.sink.error(
                    l,
                    format!("count 只能用于列表属性,“{name}”不是列表"),
                    format!("`count` applies to list attributes; `{name}` is not one"),
                );
                return None;
            }
            Operand::Count(r)
        };
        let ty = match operand {
            Operand::Ratio(..) => AttrType::Decimal,
            _ => AttrType::Integer,
        };
        let bounds = self.bounds(f, ty, line)?;
        Some(Test::Compare { operand, bounds })
    }

    /// `attr = …` with one comparator; the flag asks the caller to negate (`not_in`).
    fn attr_test(&mut self, f: &mut Fields<'_>, line: usize) -> Option<(Test, bool)> {
        let (name, l) = f.req_str("attr", "条件", &mut self.sink)?;
        let period = f.opt_str("period", &mut self.sink);
        let (r, def) = self.attr_ref(&name, period, l)?;
        let (ty, label) = (def.ty, def.label.clone());
        let mismatch = |cx: &mut Self, op: &str| {
            cx.sink.error(
                line,
                format!("“{label}”是{}类型,不能使用 {op}", type_zh(ty)),
                format!("`{name}` has type {}; `{op}` does not apply", ty.as_str()),
            );
            None
        };
        if let Some(e) = f.take("under") {
            if !matches!(ty, AttrType::Industry | AttrType::Region) {
                return mismatch(self, "under");
            }
            let codes = self.codes(&e.value, ty)?;
            return Some((Test::Under { attr: r, codes }, false));
        }
        for (key, negate) in [("in", false), ("not_in", true)] {
            if let Some(e) = f.take(key) {
                if !(ty.is_enumerated() || ty == AttrType::Text) {
                    return mismatch(self, key);
                }
                let values = self.atoms(&e.value, ty, key)?;
                return Some((Test::InSet { attr: r, values }, negate));
            }
        }
        if let Some(e) = f.take("is") {
            let NodeKind::Bool(value) = e.value.kind else {
                self.sink
                    .error(e.line, "is 应为 true 或 false", "`is` must be a boolean");
                return None;
            };
            if ty != AttrType::Bool {
                return mismatch(self, "is");
            }
            return Some((Test::Is { attr: r, value }, false));
        }
        if !ty.is_ordered() {
            if COMPARATORS.iter().any(|k| f.has(k)) {
                return mismatch(self, "min/max/above/below/equals");
            }
            self.sink.error(
                line,
                format!("条件缺少比较方式(“{label}”可用 {})", usable_ops(ty)),
                format!(
                    "the condition on `{name}` lacks a comparator ({})",
                    usable_ops(ty)
                ),
            );
            return None;
        }
        let bounds = self.bounds(f, ty, line)?;
        Some((
            Test::Compare {
                operand: Operand::Value(r),
                bounds,
            },
            false,
        ))
    }

    /// min / above / max / below / equals, at least one, `equals` alone.
    fn bounds(&mut self, f: &mut Fields<'_>, ty: AttrType, line: usize) -> Option<Bounds> {
        let mut b = Bounds::default();
        let mut ok = true;
        if let Some(e) = f.take("equals") {
            if COMPARATORS[..4].iter().any(|k| f.has(k)) {
                self.sink.error(
                    e.line,
                    "equals 不能与 min/max/above/below 同时使用",
                    "`equals` cannot be combined with min/max/above/below",
                );
                return None;
            }
            let v = self.bound(&e.value, ty, "equals")?;
            return Some(Bounds {
                lower: Some((v.clone(), true)),
                upper: Some((v, true)),
            });
        }
        for (key, inclusive) in [("min", true), ("above", false)] {
            if let Some(e) = f.take(key) {
                if b.lower.is_some() {
                    self.sink.error(
                        e.line,
                        "min 与 above 只能用一个",
                        "use either `min` or `above`",
                    );
                    ok = false;
                }
                match self.bound(&e.value, ty, key) {
                    Some(v) => b.lower = Some((v, inclusive)),
                    None => ok = false,
                }
            }
        }
        for (key, inclusive) in [("max", true), ("below", false)] {
            if let Some(e) = f.take(key) {
                if b.upper.is_some() {
                    self.sink.error(
                        e.line,
                        "max 与 below 只能用一个",
                        "use either `max` or `below`",
                    );
                    ok = false;
                }
                match self.bound(&e.value, ty, key) {
                    Some(v) => b.upper = Some((v, inclusive)),
                    None => ok = false,
                }
            }
        }
        if b.lower.is_none() && b.upper.is_none() && ok {
            self.sink.error(
                line,
                "数值条件需要 min、above、max、below 或 equals",
                "a numeric condition needs min, above, max, below or equals",
            );
            return None;
        }
        ok.then_some(b)
    }

    fn codes(&mut self, node: &Node, ty: AttrType) -> Option<Vec<String>> {
        let list = match &node.kind {
            NodeKind::Str(s) => vec![s.clone()],
            _ => fields::str_list(node, "under", &mut self.sink)?,
        };
        let mut out = Vec::new();
        for code in list {
            let parsed = if ty == AttrType::Industry {
                IndustryCode::parse(&code)
                    .map(|c| c.as_str().to_string())
                    .map_err(|e| e.to_string())
            } else {
                DivisionCode::parse(&code)
                    .map(|c| c.as_str().to_string())
                    .map_err(|e| e.to_string())
            };
            match parsed {
                Ok(c) => out.push(c),
                Err(e) => {
                    self.sink.error(
                        node.line,
                        format!("代码“{code}”无效:{e}"),
                        format!("invalid code `{code}`"),
                    );
                    return None;
                }
            }
        }
        if out.is_empty() {
            self.sink.error(
                node.line,
                "under 至少需要一个代码",
                "`under` needs at least one code",
            );
            return None;
        }
        Some(out)
    }

    fn atoms(&mut self, node: &Node, ty: AttrType, key: &str) -> Option<Vec<Atom>> {
        let list = fields::str_list(node, key, &mut self.sink)?;
        let mut out = Vec::new();
        for text in list {
            let atom = match ty {
                AttrType::Ownership => {
                    Ownership::parse(&text).map(|o| Atom::Code(crate::facts::ownership_code(o)))
                }
                AttrType::CreditStatus => {
                    CreditStatus::parse(&text).map(|c| Atom::Code(crate::facts::credit_code(c)))
                }
                AttrType::SizeClass => {
                    SizeClass::parse(&text).map(|s| Atom::Code(crate::facts::size_code(s)))
                }
                _ => Some(Atom::Text(text.clone())),
            };
            match atom {
                Some(a) => out.push(a),
                None => {
                    self.sink.error(
                        node.line,
                        format!("“{text}”不是有效的{}取值", type_zh(ty)),
                        format!("`{text}` is not a valid {} value", ty.as_str()),
                    );
                    return None;
                }
            }
        }
        if out.is_empty() {
            self.sink.error(
                node.line,
                format!("{key} 至少需要一个取值"),
                format!("`{key}` needs at least one value"),
            );
            return None;
        }
        Some(out)
    }

    fn cross(&mut self, node: &Node) -> Option<CrossRules> {
        let mut f = Fields::of(node, "跨政策规则 cross", &mut self.sink)?;
        let mut rules = CrossRules {
            line: node.line,
            ..CrossRules::default()
        };
        rules.exclusive_group = f.opt_str("exclusive_group", &mut self.sink).map(|g| g.0);
        if let Some(e) = f.take("annual_cap") {
            rules.annual_cap = self.annual_cap(&e.value);
        }
        if let Some(e) = f.take("budget") {
            rules.budget = self.budget(&e.value);
        }
        f.finish(
            "跨政策规则 cross",
            &["exclusive_group", "annual_cap", "budget"],
            &mut self.sink,
        );
        Some(rules)
    }

    fn annual_cap(&mut self, node: &Node) -> Option<(String, Money)> {
        let mut f = Fields::of(node, "annual_cap", &mut self.sink)?;
        let group = f.req_str("group", "annual_cap", &mut self.sink);
        let amount = self.money_field(&mut f, "amount", "annual_cap");
        f.finish("annual_cap", &["group", "amount"], &mut self.sink);
        Some((group?.0, amount?))
    }

    fn budget(&mut self, node: &Node) -> Option<crate::model::Budget> {
        let mut f = Fields::of(node, "budget", &mut self.sink)?;
        let pool = f.req_str("pool", "budget", &mut self.sink);
        let total = self.money_field(&mut f, "total", "budget");
        let allocation = match f.req_str("allocation", "budget", &mut self.sink) {
            Some((a, l)) => crate::model::Allocation::parse(&a).or_else(|| {
                self.sink.error(
                    l,
                    format!("allocation“{a}”无效,应为 in_order(按审批顺序)或 pro_rata(按比例)"),
                    format!("invalid allocation `{a}`; expected in_order or pro_rata"),
                );
                None
            }),
            None => None,
        };
        f.finish("budget", &["pool", "total", "allocation"], &mut self.sink);
        Some(crate::model::Budget {
            pool: pool?.0,
            total: total?,
            allocation: allocation?,
        })
    }

    /// A required positive money field.
    fn money_field(&mut self, f: &mut Fields<'_>, key: &str, what: &str) -> Option<Money> {
        let line = f.line;
        let Some(e) = f.take(key) else {
            self.sink.error(
                line,
                format!("{what} 缺少 {key}"),
                format!("`{what}` lacks `{key}`"),
            );
            return None;
        };
        let text = e.value.scalar_text().unwrap_or_default();
        match Money::parse_yuan(&text) {
            Ok(m) if m > Money::ZERO => Some(m),
            Ok(_) => {
                self.sink.error(
                    e.line,
                    format!("{key} 应大于 0"),
                    format!("`{key}` must be positive"),
                );
                None
            }
            Err(err) => {
                self.sink.error(
                    e.line,
                    format!("{key}“{text}”不是有效金额:{err}"),
                    format!("`{key}` = `{text}` is not an amount"),
                );
                None
            }
        }
    }
}

const COMPARATORS: [&str; 5] = ["min", "above", "max", "below", "equals"];

const LEAF_KEYS: [&str; 19] = [
    "attr",
    "period",
    "min",
    "above",
    "max",
    "below",
    "equals",
    "in",
    "not_in",
    "under",
    "is",
    "ratio",
    "count",
    "tag",
    "recognised",
    "within_years",
    "valid_at_year_end",
    "label",
    "all/any/not",
];

fn usable_ops(ty: AttrType) -> &'static str {
    match ty {
        AttrType::Industry | AttrType::Region => "under",
        AttrType::Bool => "is",
        AttrType::IntegerList => "count(写作 count = 属性名)",
        _ => "in、not_in",
    }
}

/// Chinese name of a type, for messages.
pub(crate) fn type_zh(ty: AttrType) -> &'static str {
    match ty {
        AttrType::Money => "金额",
        AttrType::Integer => "整数",
        AttrType::Decimal => "小数",
        AttrType::Bool => "是/否",
        AttrType::Text => "文本",
        AttrType::Date => "日期",
        AttrType::Industry => "行业代码",
        AttrType::Region => "区划代码",
        AttrType::Ownership => "登记注册类型",
        AttrType::CreditStatus => "信用状况",
        AttrType::SizeClass => "企业规模",
        AttrType::IntegerList => "整数列表",
    }
}

fn is_policy_id(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase() || c.is_ascii_digit())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
}

#[cfg(test)]
mod tests;
