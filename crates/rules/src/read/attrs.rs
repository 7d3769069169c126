//! Resolving attribute names against the schema: entity and per-year period checks.

use super::Ctx;
use crate::model::{AttrRef, Period};
use crate::schema::AttrDef;

impl Ctx<'_> {
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
}
