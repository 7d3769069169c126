//! Reading what a test compares against: thresholds, min/max bounds, codes, enumerated values.

use super::fields::{self, Fields};
use super::{Ctx, type_zh};
use crate::model::{Atom, Bound, Bounds};
use crate::schema::AttrType;
use crate::tree::{Node, NodeKind};
use qinqing_domain::enterprise::{CreditStatus, Ownership};
use qinqing_domain::size::SizeClass;
use qinqing_domain::{DivisionCode, IndustryCode, Money};

impl Ctx<'_> {
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

    /// min / above / max / below / equals, at least one, `equals` alone.
    pub(super) fn bounds(
        &mut self,
        f: &mut Fields<'_>,
        ty: AttrType,
        line: usize,
    ) -> Option<Bounds> {
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

    pub(super) fn codes(&mut self, node: &Node, ty: AttrType) -> Option<Vec<String>> {
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

    pub(super) fn atoms(&mut self, node: &Node, ty: AttrType, key: &str) -> Option<Vec<Atom>> {
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
}

pub(super) const COMPARATORS: [&str; 5] = ["min", "above", "max", "below", "equals"];
