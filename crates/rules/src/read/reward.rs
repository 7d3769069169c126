//! Reading reward definitions: fixed, percent, tiers, per-unit, sum and max.

use super::Ctx;
use super::fields::Fields;
use crate::model::{Amount, Bound, Rate, Reward, RewardKind, Tier, TierMode};
use crate::schema::AttrType;
use crate::tree::Node;
use qinqing_domain::Money;

const REWARD_KEYS: [&str; 17] = [
    "fixed",
    "percent",
    "of",
    "basis",
    "period",
    "tiers",
    "brackets",
    "per_unit",
    "quantity",
    "months",
    "max_months",
    "sum",
    "max",
    "floor",
    "cap",
    "when",
    "label",
];

const KINDS: [&str; 6] = ["fixed", "percent", "tiers", "per_unit", "sum", "max"];

impl Ctx<'_> {
    /// A reward component (the `[reward]` table, or an item of `sum`/`max`).
    pub(crate) fn reward(&mut self, node: &Node) -> Option<Reward> {
        let mut f = Fields::of(node, "奖补标准", &mut self.sink)?;
        let line = node.line;
        let kinds: Vec<&str> = KINDS.iter().copied().filter(|k| f.has(k)).collect();
        if kinds.len() != 1 {
            self.sink.error(
                line,
                format!(
                    "奖补标准须恰好指定一种计算方式(fixed、percent、tiers、per_unit、sum、max),此处为 {}",
                    if kinds.is_empty() { "无".to_string() } else { kinds.join("、") }
                ),
                "a reward needs exactly one of fixed, percent, tiers, per_unit, sum, max",
            );
            return None;
        }
        let label = f.opt_str("label", &mut self.sink).map(|l| l.0);
        let when = match f.take("when") {
            Some(e) => Some(self.condition(&e.value)?),
            None => None,
        };
        let floor = match f.take("floor") {
            Some(e) => Some(self.amount(&e.value, "floor")?),
            None => None,
        };
        let cap = match f.take("cap") {
            Some(e) => Some(self.amount(&e.value, "cap")?),
            None => None,
        };
        let kind = match kinds[0] {
            "fixed" => {
                let e = f.take("fixed")?;
                RewardKind::Fixed(self.amount(&e.value, "fixed")?)
            }
            "percent" => self.percent(&mut f)?,
            "tiers" => self.tiers(&mut f)?,
            "per_unit" => self.per_unit(&mut f)?,
            key => {
                let e = f.take(key)?;
                let Some(items) = e.value.as_array() else {
                    self.sink.error(
                        e.line,
                        format!("{key} 应为奖补标准数组"),
                        format!("`{key}` must be an array of rewards"),
                    );
                    return None;
                };
                if items.is_empty() {
                    self.sink.error(
                        e.line,
                        format!("{key} 不能为空"),
                        format!("`{key}` is empty"),
                    );
                    return None;
                }
                let parts: Vec<Reward> = items.iter().filter_map(|i| self.reward(i)).collect();
                if parts.len() != items.len() {
                    return None;
                }
                if key == "sum" {
                    RewardKind::Sum(parts)
                } else {
                    RewardKind::Max(parts)
                }
            }
        };
        f.finish("奖补标准", &REWARD_KEYS, &mut self.sink);
        Some(Reward {
            kind,
            when,
            floor,
            cap,
            label,
            line,
        })
    }

    /// A money amount or "$param".
    pub(crate) fn amount(&mut self, node: &Node, key: &str) -> Option<Amount> {
        if let Some(name) = node.as_str().and_then(|s| s.trim().strip_prefix('$')) {
            return self
                .param_ref(name, node.line, AttrType::Money)
                .map(|_| Amount::Param(name.to_string()));
        }
        let text = node.scalar_text().unwrap_or_default();
        match Money::parse_yuan(&text) {
            Ok(m) if m >= Money::ZERO => Some(Amount::Lit(m)),
            Ok(_) => {
                self.sink.error(
                    node.line,
                    format!("{key} 不能为负数"),
                    format!("`{key}` must not be negative"),
                );
                None
            }
            Err(e) => {
                self.sink.error(
                    node.line,
                    format!("{key}“{text}”不是有效金额:{e}"),
                    format!("`{key}` = `{text}` is not an amount (yuan, at most 2 decimals)"),
                );
                None
            }
        }
    }

    /// A rate ("10%", "0.1") or "$param".
    fn rate(&mut self, node: &Node, key: &str) -> Option<Rate> {
        if let Some(name) = node.as_str().and_then(|s| s.trim().strip_prefix('$')) {
            return self
                .param_ref(name, node.line, AttrType::Decimal)
                .map(|_| Rate::Param(name.to_string()));
        }
        let text = node.scalar_text().unwrap_or_default();
        match crate::num::parse_decimal(&text, true) {
            Ok(r) if r.is_sign_negative() => {
                self.sink.error(
                    node.line,
                    format!("{key} 不能为负数"),
                    format!("`{key}` must not be negative"),
                );
                None
            }
            Ok(r) => Some(Rate::Lit(r)),
            Err(e) => {
                self.sink.error(
                    node.line,
                    format!("{key}“{text}”不是有效比例:{e}"),
                    format!("`{key}` = `{text}` is not a rate such as \"10%\""),
                );
                None
            }
        }
    }

    /// `of = attr` with an optional period; `allowed` lists the types the base may have.
    fn base(
        &mut self,
        f: &mut Fields<'_>,
        allowed: &[AttrType],
        what: &str,
    ) -> Option<crate::model::AttrRef> {
        let period = f.opt_str("period", &mut self.sink);
        let (name, line) = f.req_str("of", what, &mut self.sink)?;
        let (r, def) = self.attr_ref(&name, period, line)?;
        if !allowed.contains(&def.ty) {
            let names: Vec<_> = allowed.iter().map(|t| super::type_zh(*t)).collect();
            self.sink.error(
                line,
                format!("{what}的计算基数须为{}属性,“{name}”不是", names.join("或")),
                format!(
                    "the base of {what} must be {}; `{name}` is not",
                    names.join(" or ")
                ),
            );
            return None;
        }
        Some(r)
    }

    fn percent(&mut self, f: &mut Fields<'_>) -> Option<RewardKind> {
        let e = f.take("percent")?;
        let rate = self.rate(&e.value, "percent");
        let base = self.base(f, &[AttrType::Money], "比例奖补 percent");
        let minus = match f.opt_str("basis", &mut self.sink) {
            None => None,
            Some((b, _)) if b == "value" => None,
            Some((b, l)) if b == "increase" => {
                let base = base.as_ref()?;
                let Some(prev) = base.earlier() else {
                    self.sink.error(
                        l,
                        "按增量计算(basis = \"increase\")只适用于分年度的属性",
                        "`basis = \"increase\"` applies to per-year attributes only",
                    );
                    return None;
                };
                Some(prev)
            }
            Some((b, l)) => {
                self.sink.error(
                    l,
                    format!("basis“{b}”无效,应为 value(按当年数值)或 increase(按较上年的增量)"),
                    format!("invalid `basis` `{b}`; expected value or increase"),
                );
                return None;
            }
        };
        Some(RewardKind::Percent {
            base: base?,
            rate: rate?,
            minus,
        })
    }

    fn tiers(&mut self, f: &mut Fields<'_>) -> Option<RewardKind> {
        let (mode_text, line) = f.req_str("tiers", "阶梯奖补", &mut self.sink)?;
        let mode = match mode_text.as_str() {
            "bracket" => TierMode::Bracket,
            "marginal" => TierMode::Marginal,
            _ => {
                self.sink.error(
                    line,
                    format!("tiers“{mode_text}”无效,应为 bracket(按档定额)或 marginal(超额累进)"),
                    format!("invalid tiers `{mode_text}`; expected bracket or marginal"),
                );
                return None;
            }
        };
        let allowed: &[AttrType] = match mode {
            TierMode::Bracket => &[AttrType::Money, AttrType::Integer],
            TierMode::Marginal => &[AttrType::Money],
        };
        let base = self.base(f, allowed, "阶梯奖补 tiers")?;
        let base_ty = self.schema.def(base.attr).ty;
        let Some(e) = f.take("brackets") else {
            self.sink
                .error(line, "阶梯奖补缺少 brackets", "`tiers` needs `brackets`");
            return None;
        };
        let Some(items) = e.value.as_array() else {
            self.sink
                .error(e.line, "brackets 应为数组", "`brackets` must be an array");
            return None;
        };
        let tiers: Vec<Tier> = items
            .iter()
            .filter_map(|i| self.tier(i, mode, base_ty))
            .collect();
        if tiers.len() != items.len() {
            return None;
        }
        if tiers.is_empty() {
            self.sink
                .error(e.line, "brackets 不能为空", "`brackets` is empty");
            return None;
        }
        Some(RewardKind::Tiers { mode, base, tiers })
    }

    fn tier(&mut self, node: &Node, mode: TierMode, ty: AttrType) -> Option<Tier> {
        let mut f = Fields::of(node, "档位", &mut self.sink)?;
        let from = match f.take("from") {
            Some(e) => self.literal(&e.value, ty, "from")?,
            None => 0,
        };
        let to = match f.take("to") {
            Some(e) => Some(self.literal(&e.value, ty, "to")?),
            None => None,
        };
        let (amount, rate) = match mode {
            TierMode::Bracket => {
                let Some(e) = f.take("amount") else {
                    self.sink.error(
                        node.line,
                        "按档定额的档位需要 amount",
                        "a bracket tier needs `amount`",
                    );
                    return None;
                };
                (Some(self.amount(&e.value, "amount")?), None)
            }
            TierMode::Marginal => {
                let Some(e) = f.take("rate") else {
                    self.sink.error(
                        node.line,
                        "超额累进的档位需要 rate",
                        "a marginal tier needs `rate`",
                    );
                    return None;
                };
                (None, Some(self.rate(&e.value, "rate")?))
            }
        };
        f.finish("档位", &["from", "to", "amount", "rate"], &mut self.sink);
        Some(Tier {
            from,
            to,
            amount,
            rate,
            line: node.line,
        })
    }

    /// A literal threshold (no parameter) in the unit of `ty`.
    fn literal(&mut self, node: &Node, ty: AttrType, key: &str) -> Option<i64> {
        match self.bound(node, ty, key)? {
            Bound::Lit(v) => Some(v),
            Bound::Param(_) => {
                self.sink.error(
                    node.line,
                    format!("{key} 不能使用参数"),
                    format!("`{key}` cannot be a parameter"),
                );
                None
            }
        }
    }

    fn per_unit(&mut self, f: &mut Fields<'_>) -> Option<RewardKind> {
        let e = f.take("per_unit")?;
        let rate = self.amount(&e.value, "per_unit");
        let period = f.opt_str("period", &mut self.sink);
        let quantity = match f.opt_str("quantity", &mut self.sink) {
            Some((name, line)) => {
                let (r, def) = self.attr_ref(&name, period.clone(), line)?;
                if def.ty != AttrType::Integer {
                    self.sink.error(
                        line,
                        format!("quantity 须为整数属性,“{name}”不是"),
                        format!("`quantity` must be an integer attribute; `{name}` is not"),
                    );
                    return None;
                }
                Some(r)
            }
            None => None,
        };
        let months = match f.opt_str("months", &mut self.sink) {
            Some((name, line)) => {
                let (r, def) = self.attr_ref(&name, period, line)?;
                match def.ty {
                    AttrType::Integer => {}
                    AttrType::IntegerList if quantity.is_none() => {}
                    AttrType::IntegerList => {
                        self.sink.error(
                            line,
                            "months 为列表(每人一项)时,人数即列表项数,不能再写 quantity",
                            "with a list of months (one item per unit), `quantity` must be omitted",
                        );
                        return None;
                    }
                    _ => {
                        self.sink.error(
                            line,
                            format!("months 须为整数或整数列表属性,“{name}”不是"),
                            format!("`months` must be an integer or integer_list attribute; `{name}` is not"),
                        );
                        return None;
                    }
                }
                Some(r)
            }
            None => None,
        };
        let max_months = match f.opt_int("max_months", &mut self.sink) {
            Some((m, _)) if m > 0 => Some(m),
            Some((_, line)) => {
                self.sink
                    .error(line, "max_months 应大于 0", "`max_months` must be positive");
                return None;
            }
            None => None,
        };
        if quantity.is_none() && months.is_none() {
            self.sink.error(
                e.line,
                "按人按月奖补需要 quantity(数量)或 months(月数)",
                "`per_unit` needs `quantity`, `months`, or both",
            );
            return None;
        }
        Some(RewardKind::PerUnit {
            rate: rate?,
            quantity,
            months,
            max_months,
        })
    }
}
