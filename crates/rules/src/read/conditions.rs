//! Reading eligibility conditions: all / any / not and the attr, ratio, count and tag tests.

use super::fields::{self, Fields};
use super::values::COMPARATORS;
use super::{Ctx, type_zh};
use crate::model::{Condition, GrantScope, Leaf, Operand, Period, TagWhen, Test};
use crate::schema::{AttrType, Entity};
use crate::tree::{Node, NodeKind};

impl Ctx<'_> {
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
        let parsed = if f.has("first_grant") {
            self.first_grant_test(&mut f).map(|t| (t, false))
        } else if f.has("tag") {
            self.tag_test(&mut f).map(|t| (t, false))
        } else if ["ratio", "count", "change", "growth"]
            .iter()
            .any(|k| f.has(k))
        {
            self.numeric_test(&mut f, line).map(|t| (t, false))
        } else if f.has("attr") {
            self.attr_test(&mut f, line)
        } else {
            self.sink.error(
                line,
                "条件应包含 all、any、not、attr、ratio、count、change、growth、tag 或 first_grant 之一",
                "a condition needs one of all, any, not, attr, ratio, count, change, growth, tag or first_grant",
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
        let years = self.consecutive_years(&mut f, parsed.as_ref().map(|p| &p.0));
        f.finish("条件", &LEAF_KEYS, &mut self.sink);
        let (test, negate) = parsed?;
        let one = |test: Test| {
            let leaf = Condition::Leaf(Leaf {
                test,
                line,
                label: label.clone(),
            });
            if negate {
                Condition::Not(Box::new(leaf))
            } else {
                leaf
            }
        };
        match years? {
            1 => Some(one(test)),
            // 连续 N 年: the same test in each of the N years ending with its own period.
            n => (0..n)
                .map(|k| test.years_back(k).map(&one))
                .collect::<Option<Vec<_>>>()
                .map(Condition::All),
        }
    }

    /// `consecutive_years = N` (1 when absent): only on comparisons of per-year figures.
    fn consecutive_years(&mut self, f: &mut Fields<'_>, test: Option<&Test>) -> Option<u8> {
        let Some((n, l)) = f.opt_int("consecutive_years", &mut self.sink) else {
            return Some(1);
        };
        let per_year = matches!(test, Some(Test::Compare { operand, .. })
            if operand.refs().iter().all(|r| r.period != Period::Static));
        if test.is_some() && !per_year {
            self.sink.error(
                l,
                "consecutive_years(连续年数)只适用于分年度数值、增量、增速或比例的比较",
                "`consecutive_years` applies to comparisons of per-year figures only",
            );
            return None;
        }
        match u8::try_from(n) {
            Ok(n @ 1..=10) => Some(n),
            _ => {
                self.sink.error(
                    l,
                    "consecutive_years 应在 1 到 10 之间",
                    "`consecutive_years` must be 1..=10",
                );
                None
            }
        }
    }

    /// `first_grant = "policy"` (首次: never granted this policy for another year) or
    /// `"group"` (nor any policy of its exclusive group).
    fn first_grant_test(&mut self, f: &mut Fields<'_>) -> Option<Test> {
        let (scope, l) = f.req_str("first_grant", "条件", &mut self.sink)?;
        let scope = match scope.as_str() {
            "policy" => GrantScope::Policy(self.own_id.clone()?),
            "group" => match &self.own_group {
                Some(g) => GrantScope::Group(g.clone()),
                None => {
                    self.sink.error(
                        l,
                        "first_grant = \"group\"(同一事项首次)需要在 [cross] 中设置 exclusive_group",
                        "`first_grant = \"group\"` needs an `exclusive_group` in [cross]",
                    );
                    return None;
                }
            },
            other => {
                self.sink.error(
                    l,
                    format!("first_grant“{other}”无效,应为 policy(本政策)或 group(同一事项)"),
                    format!("invalid `first_grant` `{other}`; expected `policy` or `group`"),
                );
                return None;
            }
        };
        Some(Test::FirstGrant { scope })
    }

    fn tag_test(&mut self, f: &mut Fields<'_>) -> Option<Test> {
        let (name, _) = f.req_str("tag", "条件", &mut self.sink)?;
        let within = f.opt_int("within_years", &mut self.sink);
        let when = match f.opt_str("recognised", &mut self.sink) {
            None => None,
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
        let from = f.opt_date("recognised_from", &mut self.sink);
        let to = f.opt_date("recognised_to", &mut self.sink);
        let range = (from.is_some() || to.is_some())
            .then(|| TagWhen::Between(from.map(|d| d.0), to.map(|d| d.0)));
        let when = match (when, within, range) {
            (Some(w), None, None) => w,
            (None, Some((n, l)), None) => match u8::try_from(n) {
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
            (None, None, Some(r)) => {
                if let (Some((a, _)), Some((b, l))) = (from, to)
                    && a > b
                {
                    self.sink.error(
                        l,
                        "recognised_to(认定截止日期)早于 recognised_from(认定起始日期)",
                        "`recognised_to` is before `recognised_from`",
                    );
                    return None;
                }
                r
            }
            (None, None, None) => TagWhen::Any,
            _ => {
                self.sink.error(
                    f.line,
                    "recognised、within_years、recognised_from/recognised_to 只能选用一种",
                    "use one of `recognised`, `within_years` or `recognised_from`/`recognised_to`",
                );
                return None;
            }
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

    /// `ratio = [num, den]`, `count = attr`, `change = attr` or `growth = attr`, with numeric
    /// bounds.
    fn numeric_test(&mut self, f: &mut Fields<'_>, line: usize) -> Option<Test> {
        let period = f.opt_str("period", &mut self.sink);
        let yoy = if f.has("change") { "change" } else { "growth" };
        let operand = if f.has("change") || f.has("growth") {
            let (name, l) = f.req_str(yoy, "条件", &mut self.sink)?;
            let (r, def) = self.attr_ref(&name, period, l)?;
            let label = def.label.clone();
            let ty = def.ty;
            let numeric = matches!(ty, AttrType::Money | AttrType::Integer | AttrType::Decimal);
            let Some(prev) = r.earlier().filter(|_| numeric) else {
                self.sink.error(
                    l,
                    format!("{yoy}(较上年)只适用于分年度的数值属性,“{label}”不是"),
                    format!("`{yoy}` applies to per-year numeric attributes; `{name}` is not one"),
                );
                return None;
            };
            if yoy == "change" {
                Operand::Change(r, prev)
            } else {
                Operand::Growth(r, prev)
            }
        } else if let Some(e) = f.take("ratio") {
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
        let ty = operand.threshold_type(|a| self.schema.def(a).ty);
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
}

const LEAF_KEYS: [&str; 25] = [
    "first_grant",
    "recognised_from",
    "recognised_to",
    "change",
    "growth",
    "consecutive_years",
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
