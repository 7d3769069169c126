//! Reading the test cases embedded in a policy file (`[[case]]`).

use super::Ctx;
use super::fields::{self, Fields};
use crate::facts::{Facts, PastGrant, Value};
use crate::model::{Case, Expect, Level};
use crate::schema::AttrType;
use crate::tree::{Node, NodeKind};
use qinqing_domain::Money;
use qinqing_domain::enterprise::Qualification;

const CASE_KEYS: [&str; 11] = [
    "name",
    "year",
    "expect",
    "amount",
    "missing",
    "near_miss",
    "facts",
    "earlier",
    "granted_amount",
    "budget_left",
    "shares",
];

impl Ctx<'_> {
    pub(crate) fn cases(&mut self, node: &Node) -> Vec<Case> {
        let Some(items) = node.as_array() else {
            self.sink.error(
                node.line,
                "case 应写作 [[case]]",
                "cases must be written as [[case]]",
            );
            return Vec::new();
        };
        items.iter().filter_map(|i| self.case(i)).collect()
    }

    fn case(&mut self, node: &Node) -> Option<Case> {
        let mut f = Fields::of(node, "测试用例", &mut self.sink)?;
        let name = f.req_str("name", "测试用例", &mut self.sink);
        let year = f.opt_int("year", &mut self.sink).and_then(|(y, l)| {
            let ok = (1900..=2200).contains(&y);
            if !ok {
                self.sink.error(
                    l,
                    "year 应为 1900–2200 之间的年份",
                    "`year` must be 1900..=2200",
                );
            }
            ok.then_some(y as i32)
        });
        if year.is_none() && !f.has("year") {
            self.sink.error(
                node.line,
                "测试用例缺少 year(政策年度)",
                "a case needs `year`",
            );
        }
        let expect = match f.req_str("expect", "测试用例", &mut self.sink) {
            Some((e, l)) => Expect::parse(&e).or_else(|| {
                self.sink.error(
                    l,
                    format!("expect“{e}”无效,应为 eligible、ineligible 或 undetermined"),
                    format!("invalid expect `{e}`"),
                );
                None
            }),
            None => None,
        };
        let amount = match f.take("amount") {
            Some(e) => {
                let text = e.value.scalar_text().unwrap_or_default();
                match Money::parse_yuan(&text) {
                    Ok(m) => Some((m, e.line)),
                    Err(err) => {
                        self.sink.error(
                            e.line,
                            format!("amount“{text}”不是有效金额:{err}"),
                            format!("`amount` = `{text}` is not an amount"),
                        );
                        return None;
                    }
                }
            }
            None => None,
        };
        if let (Some(exp), Some((_, l))) = (expect, amount)
            && exp != Expect::Eligible
        {
            self.sink.error(
                l,
                "只有 expect = \"eligible\" 的用例才能写 amount",
                "`amount` only goes with expect = \"eligible\"",
            );
        }
        if expect == Some(Expect::Eligible) && amount.is_none() {
            self.sink.error(
                node.line,
                "expect = \"eligible\" 的用例需要 amount",
                "an eligible case needs `amount`",
            );
        }
        let missing = f.opt_str_list("missing", &mut self.sink).map(|m| m.0);
        let near_miss = f.opt_bool("near_miss", &mut self.sink);
        let facts = match f.take("facts") {
            Some(e) => self.case_facts(&e.value),
            None => Some(Facts::new("case", "测试用例", self.entity)),
        };
        let earlier = match f.take("earlier") {
            Some(e) => self.earlier(&e.value)?,
            None => Vec::new(),
        };
        let granted_amount = self.case_money(&mut f, "granted_amount")?;
        let budget_left = self.case_money(&mut f, "budget_left")?;
        let shares = match f.take("shares") {
            Some(e) => Some(self.case_shares(&e.value)?),
            None => None,
        };
        if expect.is_some_and(|e| e != Expect::Eligible)
            && (granted_amount.is_some() || shares.is_some())
        {
            self.sink.error(
                node.line,
                "只有 expect = \"eligible\" 的用例才能写 granted_amount 或 shares",
                "`granted_amount` and `shares` only go with expect = \"eligible\"",
            );
        }
        f.finish("测试用例", &CASE_KEYS, &mut self.sink);
        Some(Case {
            name: name?.0,
            year: year?,
            facts: facts?,
            expect: expect?,
            amount: amount.map(|a| a.0),
            missing,
            near_miss,
            earlier,
            granted_amount,
            budget_left,
            shares,
            line: node.line,
        })
    }

    /// An optional amount: `Some(None)` when absent, `None` after reporting an invalid one.
    fn case_money(&mut self, f: &mut Fields<'_>, key: &str) -> Option<Option<Money>> {
        let Some(e) = f.take(key) else {
            return Some(None);
        };
        let text = e.value.scalar_text().unwrap_or_default();
        match Money::parse_yuan(&text) {
            Ok(m) if m >= Money::ZERO => Some(Some(m)),
            _ => {
                self.sink.error(
                    e.line,
                    format!("{key}“{text}”不是有效金额(元,不小于 0)"),
                    format!("`{key}` = `{text}` is not an amount"),
                );
                None
            }
        }
    }

    /// `earlier = [{ policy = "p6a", amount = "300000" }, …]`: grants of the same policy year.
    fn earlier(&mut self, node: &Node) -> Option<Vec<(String, Money)>> {
        let Some(items) = node.as_array() else {
            self.sink.error(
                node.line,
                "earlier 应为数组,如 [{ policy = \"p6a\", amount = \"300000\" }]",
                "`earlier` must be an array of { policy, amount }",
            );
            return None;
        };
        let mut out = Vec::new();
        for item in items {
            let mut f = Fields::of(item, "earlier", &mut self.sink)?;
            let policy = f.req_str("policy", "earlier", &mut self.sink);
            let amount = self.case_money(&mut f, "amount")?;
            f.finish("earlier", &["policy", "amount"], &mut self.sink);
            let Some(amount) = amount else {
                self.sink.error(
                    item.line,
                    "earlier 的每一项都需要 amount(已核准的金额)",
                    "each item of `earlier` needs an `amount`",
                );
                return None;
            };
            out.push((policy?.0, amount));
        }
        Some(out)
    }

    /// `shares = { municipal = "25000", district = "25000" }`: each level's expected share.
    fn case_shares(&mut self, node: &Node) -> Option<Vec<(Level, Money)>> {
        let mut f = Fields::of(node, "shares", &mut self.sink)?;
        let mut out = Vec::new();
        for level in Level::ALL {
            if let Some(m) = self.case_money(&mut f, level.as_str())? {
                out.push((level, m));
            }
        }
        f.finish(
            "shares",
            &["national", "provincial", "municipal", "district"],
            &mut self.sink,
        );
        Some(out)
    }

    /// `[case.facts]`: static attributes at the top, per-year ones under `years.YYYY`.
    fn case_facts(&mut self, node: &Node) -> Option<Facts> {
        let entries = node.as_table().or_else(|| {
            self.sink
                .error(node.line, "facts 应为表", "`facts` must be a table");
            None
        })?;
        let mut facts = Facts::new("case", "测试用例", self.entity);
        let mut ok = true;
        for e in entries {
            match e.key.as_str() {
                "subject_id" | "name" => {
                    let text = fields::string(&e.value, &e.key, &mut self.sink)?;
                    if e.key == "name" {
                        facts.name = text;
                    } else {
                        facts.subject_id = text;
                    }
                }
                "qualifications" => match self.qualifications(&e.value) {
                    Some(q) => facts.set_qualifications(Some(q)),
                    None => ok = false,
                },
                "qualifications_unknown" => {
                    if e.value.kind == NodeKind::Bool(true) {
                        facts.set_qualifications(None);
                    }
                }
                "granted" => match self.granted(&e.value) {
                    Some(g) => facts.set_grants(Some(g)),
                    None => ok = false,
                },
                "grants_unknown" => {
                    if e.value.kind == NodeKind::Bool(true) {
                        facts.set_grants(None);
                    }
                }
                "years" => ok &= self.case_years(&e.value, &mut facts),
                key => ok &= self.case_value(key, e.line, &e.value, None, &mut facts),
            }
        }
        ok.then_some(facts)
    }

    fn case_years(&mut self, node: &Node, facts: &mut Facts) -> bool {
        let Some(years) = node.as_table() else {
            self.sink.error(
                node.line,
                "years 应为表,如 [case.facts.years.2025]",
                "`years` must be a table keyed by year",
            );
            return false;
        };
        let mut ok = true;
        for y in years {
            let Ok(year) = y.key.parse::<i32>() else {
                self.sink.error(
                    y.line,
                    format!("“{}”不是年份", y.key),
                    format!("`{}` is not a year", y.key),
                );
                ok = false;
                continue;
            };
            let Some(values) = y.value.as_table() else {
                self.sink
                    .error(y.line, "年度数据应为表", "a year's figures must be a table");
                ok = false;
                continue;
            };
            for v in values {
                ok &= self.case_value(&v.key, v.line, &v.value, Some(year), facts);
            }
        }
        ok
    }

    fn case_value(
        &mut self,
        key: &str,
        line: usize,
        node: &Node,
        year: Option<i32>,
        facts: &mut Facts,
    ) -> bool {
        let Some(id) = self.schema.get(key) else {
            self.sink.error(
                line,
                format!("用例中的未知属性“{key}”"),
                format!("unknown attribute `{key}` in a case"),
            );
            return false;
        };
        let ty = self.schema.def(id).ty;
        let value = match (&node.kind, ty) {
            (NodeKind::Array(items), AttrType::IntegerList) => {
                let list: Option<Vec<i64>> = items
                    .iter()
                    .map(|i| match i.kind {
                        NodeKind::Int(v) => Some(v),
                        _ => None,
                    })
                    .collect();
                list.map(Value::IntegerList)
                    .ok_or_else(|| "列表项应为整数".to_string())
            }
            (NodeKind::Bool(b), AttrType::Bool) => Ok(Value::Bool(*b)),
            (NodeKind::Date(d), AttrType::Date) => Ok(Value::Date(*d)),
            _ => match node.scalar_text() {
                Some(text) => Value::parse(ty, &text),
                None => Err(format!("应为{}", super::type_zh(ty))),
            },
        };
        let result = value.and_then(|v| facts.set_checked(self.schema, key, year, v));
        match result {
            Ok(()) => true,
            Err(e) => {
                self.sink.error(
                    line,
                    format!("用例属性“{key}”无效:{e}"),
                    format!("invalid value of `{key}` in a case"),
                );
                false
            }
        }
    }

    /// `granted = [{ policy = "p1a", year = 2023, group = "g" }, …]`: earlier grants.
    fn granted(&mut self, node: &Node) -> Option<Vec<PastGrant>> {
        let Some(items) = node.as_array() else {
            self.sink.error(
                node.line,
                "granted 应为数组,如 [{ policy = \"p1a\", year = 2023 }]",
                "`granted` must be an array of { policy, year, group }",
            );
            return None;
        };
        let mut out = Vec::new();
        for item in items {
            let mut f = Fields::of(item, "granted", &mut self.sink)?;
            let policy = f.req_str("policy", "granted", &mut self.sink);
            let year = f.opt_int("year", &mut self.sink);
            let group = f.opt_str("group", &mut self.sink).map(|g| g.0);
            f.finish("granted", &["policy", "year", "group"], &mut self.sink);
            let Some((year, _)) = year else {
                self.sink.error(
                    item.line,
                    "granted 的每一项都需要 year(获得奖补的政策年度)",
                    "each item of `granted` needs a `year`",
                );
                return None;
            };
            out.push(PastGrant {
                policy_id: policy?.0,
                group,
                year: i32::try_from(year).ok()?,
            });
        }
        Some(out)
    }

    fn qualifications(&mut self, node: &Node) -> Option<Vec<Qualification>> {
        let tags = fields::str_list(node, "qualifications", &mut self.sink)?;
        let mut out = Vec::new();
        for t in tags {
            match Qualification::parse(&t) {
                Ok(q) => out.push(q),
                Err(e) => {
                    self.sink.error(
                        node.line,
                        format!("资质“{t}”无效:{e}"),
                        format!("invalid qualification `{t}`"),
                    );
                    return None;
                }
            }
        }
        Some(out)
    }
}
