//! Whole-policy checks run after reading: tiers that overlap or can never apply, caps below
//! floors, empty ranges, rate parameters too precise to compare. Each finding names its line.

use crate::diag::Sink;
use crate::model::{
    Amount, AttrRef, Bound, Condition, Operand, Param, ParamValue, Policy, Reward, RewardKind,
    Test, Tier,
};
use crate::schema::{AttrType, Schema};
use chrono::NaiveDate;
use qinqing_domain::Money;
use std::collections::BTreeMap;

pub(crate) fn validate_policy(p: &Policy, schema: &Schema, sink: &mut Sink) {
    check_condition(&p.condition, &p.params, sink);
    let limits = top_level_limits(&p.condition);
    check_reward(&p.reward, p, schema, &limits, sink);
}

/// Every comparison's range must be satisfiable.
fn check_condition(c: &Condition, params: &BTreeMap<String, Param>, sink: &mut Sink) {
    match c {
        Condition::All(items) | Condition::Any(items) => {
            items.iter().for_each(|i| check_condition(i, params, sink));
        }
        Condition::Not(inner) => check_condition(inner, params, sink),
        Condition::Leaf(leaf) => {
            if let Test::Compare { operand, bounds } = &leaf.test {
                if let (Some((Bound::Lit(lo), lo_inc)), Some((Bound::Lit(hi), hi_inc))) =
                    (&bounds.lower, &bounds.upper)
                {
                    let empty = lo > hi || (lo == hi && !(*lo_inc && *hi_inc));
                    if empty {
                        sink.error(
                            leaf.line,
                            "条件的取值范围为空(下限高于上限),永远无法满足",
                            "the range is empty (lower bound above upper bound); the condition can never hold",
                        );
                    }
                }
                if matches!(operand, Operand::Ratio(..) | Operand::Growth(..)) {
                    check_rate_thresholds(bounds, params, leaf.line, sink);
                }
            }
        }
    }
}

/// A rate parameter used as a ratio threshold is compared with 4 decimal places.
fn check_rate_thresholds(
    bounds: &crate::model::Bounds,
    params: &BTreeMap<String, Param>,
    line: usize,
    sink: &mut Sink,
) {
    for (b, _) in bounds.lower.iter().chain(bounds.upper.iter()) {
        let Bound::Param(name) = b else { continue };
        let Some(p) = params.get(name) else { continue };
        for (_, v) in &p.values {
            if let ParamValue::Rate(r) = v
                && crate::num::decimal_to_scaled(*r, 4).is_err()
            {
                sink.error(
                    line,
                    format!("参数“${name}”用作比例门槛时最多保留 4 位小数(如 3.25%)"),
                    format!(
                        "parameter `${name}` used as a ratio threshold may have at most 4 decimals"
                    ),
                );
            }
        }
    }
}

/// Literal bounds that the top-level `all` of the conditions puts on an attribute: tiers outside
/// them can never apply.
fn top_level_limits(c: &Condition) -> Vec<(AttrRef, Option<i64>, Option<i64>)> {
    let items: Vec<&Condition> = match c {
        Condition::All(items) => items.iter().collect(),
        leaf @ Condition::Leaf(_) => vec![leaf],
        _ => Vec::new(),
    };
    let mut out = Vec::new();
    for item in items {
        let Condition::Leaf(leaf) = item else {
            continue;
        };
        let Test::Compare {
            operand: Operand::Value(r),
            bounds,
        } = &leaf.test
        else {
            continue;
        };
        let lo = match &bounds.lower {
            Some((Bound::Lit(v), true)) => Some(*v),
            Some((Bound::Lit(v), false)) => v.checked_add(1),
            _ => None,
        };
        let hi = match &bounds.upper {
            Some((Bound::Lit(v), true)) => Some(*v),
            Some((Bound::Lit(v), false)) => v.checked_sub(1),
            _ => None,
        };
        out.push((r.clone(), lo, hi));
    }
    out
}

fn check_reward(
    r: &Reward,
    p: &Policy,
    schema: &Schema,
    limits: &[(AttrRef, Option<i64>, Option<i64>)],
    sink: &mut Sink,
) {
    if let Some(when) = &r.when {
        check_condition(when, &p.params, sink);
    }
    check_floor_cap(r, &p.params, sink);
    match &r.kind {
        RewardKind::Tiers { base, tiers, .. } => {
            check_tiers(tiers, sink);
            let ty = schema.def(base.attr).ty;
            for (_, lo, hi) in limits.iter().filter(|(a, ..)| a == base) {
                check_reachable(tiers, *lo, *hi, ty, sink);
            }
        }
        RewardKind::Sum(parts) | RewardKind::Max(parts) => {
            parts
                .iter()
                .for_each(|c| check_reward(c, p, schema, limits, sink));
        }
        _ => {}
    }
}

/// Brackets must be non-empty, in order, and not overlap; only the last may be open.
fn check_tiers(tiers: &[Tier], sink: &mut Sink) {
    for (i, t) in tiers.iter().enumerate() {
        if let Some(to) = t.to
            && to <= t.from
        {
            sink.error(
                t.line,
                "档位的上限 to 须大于下限 from,此档永远不会适用",
                "a tier's `to` must be above its `from`; this tier can never apply",
            );
        }
        if t.to.is_none() && i + 1 < tiers.len() {
            sink.error(
                tiers[i + 1].line,
                "前一档没有上限(已覆盖以上全部取值),此档永远不会适用",
                "the previous tier is open-ended, so this tier can never apply",
            );
        }
        if let Some(prev_to) = i.checked_sub(1).and_then(|j| tiers[j].to)
            && t.from < prev_to
        {
            sink.error(
                t.line,
                "档位与前一档重叠(本档下限低于前一档上限)",
                "this tier overlaps the previous one (its `from` is below the previous `to`)",
            );
        }
    }
}

/// Tiers outside the range the conditions allow can never apply.
fn check_reachable(
    tiers: &[Tier],
    lo: Option<i64>,
    hi: Option<i64>,
    ty: AttrType,
    sink: &mut Sink,
) {
    for t in tiers {
        let below = matches!((t.to, lo), (Some(to), Some(lo)) if to <= lo);
        let above = matches!(hi, Some(hi) if t.from > hi);
        if below || above {
            let unit = if ty == AttrType::Money { "(元)" } else { "" };
            sink.error(
                t.line,
                format!("申报条件已限定了基数范围{unit},此档位永远不会适用"),
                "the conditions exclude every base value of this tier; it can never apply",
            );
        }
    }
}

/// Floor must not exceed cap on any date where either changes.
fn check_floor_cap(r: &Reward, params: &BTreeMap<String, Param>, sink: &mut Sink) {
    let (Some(floor), Some(cap)) = (&r.floor, &r.cap) else {
        return;
    };
    let mut dates: Vec<NaiveDate> = vec![NaiveDate::MIN];
    for a in [floor, cap] {
        if let Amount::Param(name) = a
            && let Some(p) = params.get(name)
        {
            dates.extend(p.values.iter().map(|(d, _)| *d));
        }
    }
    for date in dates {
        let (Some(f), Some(c)) = (amount_on(floor, params, date), amount_on(cap, params, date))
        else {
            continue;
        };
        if c < f {
            sink.error(
                r.line,
                format!("上限 {c} 元低于保底 {f} 元"),
                format!("the cap ({c}) is below the floor ({f})"),
            );
            return;
        }
    }
}

fn amount_on(a: &Amount, params: &BTreeMap<String, Param>, date: NaiveDate) -> Option<Money> {
    match a {
        Amount::Lit(m) => Some(*m),
        Amount::Param(name) => match params.get(name)?.value_on(date)? {
            ParamValue::Money(m) => Some(m),
            _ => None,
        },
    }
}

#[cfg(test)]
mod tests {
    use crate::read::parse_policy;
    use crate::schema::Schema;

    fn errors(body: &str) -> Vec<String> {
        let src = format!(
            "id = \"t\"\ntitle = \"t\"\ndepartment = \"d\"\nlevel = \"district\"\nmode = \"apply\"\neffective = {{ from = 2024-01-01 }}\n{body}"
        );
        match parse_policy("t.toml", &src, &Schema::standard()) {
            Ok(_) => Vec::new(),
            Err(d) => d
                .iter()
                .map(|d| format!("{}:{}", d.line, d.message_en))
                .collect(),
        }
    }

    #[test]
    fn overlapping_and_open_tiers_are_reported() {
        let e = errors(
            "[reward]\ntiers = \"bracket\"\nof = \"revenue\"\nbrackets = [\n { from = 0, to = 100, amount = 1 },\n { from = 50, amount = 2 },\n { from = 200, amount = 3 },\n]\n",
        );
        assert!(
            e.iter()
                .any(|m| m.starts_with("12:") && m.contains("overlaps")),
            "{e:?}"
        );
        assert!(
            e.iter()
                .any(|m| m.starts_with("13:") && m.contains("open-ended")),
            "{e:?}"
        );
    }

    #[test]
    fn tiers_excluded_by_the_conditions_are_unreachable() {
        let e = errors(
            "[conditions]\nall = [{ attr = \"revenue\", min = 1000 }]\n[reward]\ntiers = \"bracket\"\nof = \"revenue\"\nbrackets = [\n { from = 0, to = 500, amount = 1 },\n { from = 500, amount = 2 },\n]\n",
        );
        assert_eq!(e.len(), 1, "{e:?}");
        assert!(
            e[0].starts_with("13:") && e[0].contains("never apply"),
            "{e:?}"
        );
    }

    #[test]
    fn cap_below_floor_is_reported_even_through_parameters() {
        let e =
            errors("[reward]\npercent = \"5%\"\nof = \"rd_expense\"\nfloor = 20000\ncap = 10000\n");
        assert!(e.iter().any(|m| m.contains("below the floor")), "{e:?}");
        let e = errors(
            "[params.cap]\ntype = \"money\"\nvalues = [{ from = 2020-01-01, value = 50000 }, { from = 2025-01-01, value = 100 }]\n[reward]\npercent = \"5%\"\nof = \"rd_expense\"\nfloor = 20000\ncap = \"$cap\"\n",
        );
        assert!(e.iter().any(|m| m.contains("below the floor")), "{e:?}");
    }

    #[test]
    fn empty_ranges_are_reported() {
        let e = errors(
            "[conditions]\nall = [{ attr = \"employees\", min = 10, below = 10 }]\n[reward]\nfixed = 1\n",
        );
        assert!(
            e.iter().any(|m| m.starts_with("8:") && m.contains("empty")),
            "{e:?}"
        );
    }
}
