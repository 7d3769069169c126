//! Reading the cross-policy rules (`[cross]`): exclusive group, annual cap, budget pool and
//! the fiscal levels' shares.

use super::Ctx;
use super::fields::Fields;
use crate::model::{CostSharing, CrossRules, Level};
use crate::tree::Node;
use qinqing_domain::Money;

impl Ctx<'_> {
    pub(super) fn cross(&mut self, node: &Node) -> Option<CrossRules> {
        let mut f = Fields::of(node, "跨政策规则 cross", &mut self.sink)?;
        let mut rules = CrossRules {
            line: node.line,
            ..CrossRules::default()
        };
        rules.exclusive_group = f.opt_str("exclusive_group", &mut self.sink).map(|g| g.0);
        rules.top_up = f.opt_bool("top_up", &mut self.sink).unwrap_or(false);
        if rules.top_up && rules.exclusive_group.is_none() {
            self.sink.error(
                node.line,
                "top_up(就高补差)须与 exclusive_group(同一事项)一起使用",
                "`top_up` needs an `exclusive_group`",
            );
        }
        if let Some(e) = f.take("annual_cap") {
            rules.annual_cap = self.annual_cap(&e.value);
        }
        if let Some(e) = f.take("budget") {
            rules.budget = self.budget(&e.value);
        }
        if let Some(e) = f.take("shares") {
            rules.shares = self.shares(&e.value);
        }
        f.finish(
            "跨政策规则 cross",
            &[
                "exclusive_group",
                "top_up",
                "annual_cap",
                "budget",
                "shares",
            ],
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

    /// `shares = { municipal = 1, district = 1, source = "第八条" }`: at least two fiscal levels,
    /// each with a whole number of parts.
    fn shares(&mut self, node: &Node) -> Option<CostSharing> {
        const WHAT: &str = "分级承担 shares";
        let mut f = Fields::of(node, WHAT, &mut self.sink)?;
        let mut parts = Vec::new();
        let mut valid = true;
        for level in Level::ALL {
            let Some((n, line)) = f.opt_int(level.as_str(), &mut self.sink) else {
                valid &= !f.has(level.as_str());
                continue;
            };
            match u32::try_from(n) {
                Ok(p) if (1..=100).contains(&p) => parts.push((level, p)),
                _ => {
                    self.sink.error(
                        line,
                        format!(
                            "{}承担的份数应为 1 到 100 的整数,实际为 {n}",
                            level.label_zh()
                        ),
                        format!("the parts of `{}` must be 1..=100", level.as_str()),
                    );
                    valid = false;
                }
            }
        }
        let source = match f.take("source") {
            Some(e) => Some(self.legal_source(&e.value)?),
            None => None,
        };
        let allowed = ["national", "provincial", "municipal", "district", "source"];
        f.finish(WHAT, &allowed, &mut self.sink);
        if valid && parts.len() < 2 {
            self.sink.error(
                node.line,
                "分级承担至少要有两级财政,如 shares = { municipal = 1, district = 1 }(市、区按 1:1 分担)",
                "`shares` needs at least two fiscal levels",
            );
            valid = false;
        }
        valid.then_some(CostSharing {
            parts,
            source,
            line: node.line,
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
