//! The meaning of each test. These functions are the single definition used by both evaluators:
//! the column evaluator either calls them per row or precomputes lookup tables with them.

use super::{Env, FactKey, Tri};
use crate::facts::{GrantView, Source, TagView, Val, days_date};
use crate::model::{Atom, AttrRef, Bound, Bounds, GrantScope, Operand, ParamValue, TagWhen, Test};
use crate::schema::{AttrType, EMPLOYEES, INDUSTRY, REVENUE, TOTAL_ASSETS};
use chrono::{Datelike, NaiveDate};
use qinqing_domain::size::{self, SizeError, SizeFigures};
use qinqing_domain::{DivisionCode, IndustryCode, Money};
use std::cmp::Ordering;

/// Evaluates one test; on unknown, pushes the missing facts.
pub(crate) fn eval_test<S: Source + ?Sized>(
    test: &Test,
    env: &Env<'_>,
    src: &S,
    missing: &mut Vec<FactKey>,
) -> Tri {
    match test {
        Test::Compare { operand, bounds } => compare(operand, bounds, env, src, missing),
        Test::InSet { attr, values } => in_set(attr, values, env, src, missing),
        Test::Under { attr, codes } => match read(attr, env, src) {
            Some(Val::Industry(c)) => Tri::from_bool(industry_under(c, codes)),
            Some(Val::Region(c)) => Tri::from_bool(region_under(c, codes)),
            _ => unknown(attr, env, missing),
        },
        Test::Is { attr, value } => match read(attr, env, src) {
            Some(Val::Bool(b)) => Tri::from_bool(b == *value),
            _ => unknown(attr, env, missing),
        },
        Test::Tag {
            name,
            when,
            valid_at_year_end,
        } => tag(name, *when, *valid_at_year_end, env, src, missing),
        Test::FirstGrant { scope } => {
            let mut earlier = false;
            let known =
                src.for_each_grant(&mut |g| earlier |= granted_other_year(&g, scope, env.year));
            if !known {
                missing.push(FactKey::Grants);
                return Tri::Unknown;
            }
            Tri::from_bool(!earlier)
        }
    }
}

/// Whether a grant counts against a 首次 test of policy year `year`: made for another year —
/// earlier, or later but granted first — under the policy or the group of `scope`.
pub(crate) fn granted_other_year(g: &GrantView<'_>, scope: &GrantScope, year: i32) -> bool {
    g.year != year
        && match scope {
            GrantScope::Policy(id) => g.policy_id == id,
            GrantScope::Group(name) => g.group == Some(name.as_str()),
        }
}

fn unknown(attr: &AttrRef, env: &Env<'_>, missing: &mut Vec<FactKey>) -> Tri {
    missing.push(FactKey::Attr(attr.attr, attr.period.year(env.year)));
    Tri::Unknown
}

/// The value of an attribute reference, or `None` when unknown.
pub(crate) fn read<'s, S: Source + ?Sized>(
    r: &AttrRef,
    env: &Env<'_>,
    src: &'s S,
) -> Option<Val<'s>> {
    let def = env.schema.def(r.attr);
    src.value(r.attr, def, r.period.year(env.year))
}

/// True when `code` is equal to or below one of `codes` (industry codes nest by prefix).
pub(crate) fn industry_under(code: &IndustryCode, codes: &[String]) -> bool {
    codes.iter().any(|c| code.as_str().starts_with(c.as_str()))
}

/// True when the division is equal to or below one of `codes`.
pub(crate) fn region_under(code: &DivisionCode, codes: &[String]) -> bool {
    codes.iter().any(|c| {
        DivisionCode::parse(c)
            .map(|ancestor| code.is_under(&ancestor))
            .unwrap_or(false)
    })
}

/// A bound's value in the operand's scaled unit; `None` when its parameter has no value.
pub(crate) fn bound_value(b: &Bound, env: &Env<'_>) -> Option<i64> {
    match b {
        Bound::Lit(v) => Some(*v),
        Bound::Param(name) => match env.param(name)? {
            ParamValue::Money(m) => Some(m.fen()),
            ParamValue::Integer(i) => Some(i),
            ParamValue::Rate(r) => crate::num::decimal_to_scaled(r, 4).ok(),
        },
    }
}

/// Resolved bounds: (value, inclusive) each, or the name of a parameter without value.
pub(crate) struct Resolved {
    pub lower: Option<(i64, bool)>,
    pub upper: Option<(i64, bool)>,
}

pub(crate) fn resolve(bounds: &Bounds, env: &Env<'_>) -> Result<Resolved, FactKey> {
    let one = |b: &Option<(Bound, bool)>| -> Result<Option<(i64, bool)>, FactKey> {
        match b {
            None => Ok(None),
            Some((bound, inc)) => match bound_value(bound, env) {
                Some(v) => Ok(Some((v, *inc))),
                None => Err(FactKey::Param(match bound {
                    Bound::Param(n) => n.clone(),
                    Bound::Lit(_) => String::new(),
                })),
            },
        }
    };
    Ok(Resolved {
        lower: one(&bounds.lower)?,
        upper: one(&bounds.upper)?,
    })
}

/// Whether a value ordered against each bound as `vs_lower` / `vs_upper` passes.
pub(crate) fn passes(
    vs_lower: Option<(Ordering, bool)>,
    vs_upper: Option<(Ordering, bool)>,
) -> bool {
    let lower_ok =
        vs_lower.is_none_or(|(o, inc)| o == Ordering::Greater || (inc && o == Ordering::Equal));
    let upper_ok =
        vs_upper.is_none_or(|(o, inc)| o == Ordering::Less || (inc && o == Ordering::Equal));
    lower_ok && upper_ok
}

/// A plain value against resolved bounds.
pub(crate) fn value_passes(v: i64, r: &Resolved) -> bool {
    passes(
        r.lower.map(|(b, inc)| (v.cmp(&b), inc)),
        r.upper.map(|(b, inc)| (v.cmp(&b), inc)),
    )
}

/// A ratio against resolved bounds; an undefined ratio (denominator ≤ 0) fails.
pub(crate) fn ratio_passes(num: i64, ns: u32, den: i64, ds: u32, r: &Resolved) -> bool {
    RatioTest::new(ns, ds, r).passes(num, den)
}

/// A ratio test with its powers of ten worked out once (the column kernel reuses it per row).
///
/// num/10^ns ÷ den/10^ds vs t/10^4  ⇔  num·10^(ds+4) vs t·10^ns·den (den > 0). The left side
/// cannot overflow `i128`; the right side saturates, which keeps the order.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RatioTest {
    factor: i128,
    lower: Option<(i128, bool)>,
    upper: Option<(i128, bool)>,
}

impl RatioTest {
    pub fn new(ns: u32, ds: u32, r: &Resolved) -> RatioTest {
        let scale = 10i128.pow(ns);
        let side =
            |b: Option<(i64, bool)>| b.map(|(t, inc)| (i128::from(t).saturating_mul(scale), inc));
        RatioTest {
            factor: 10i128.pow(ds + 4),
            lower: side(r.lower),
            upper: side(r.upper),
        }
    }

    pub fn passes(&self, num: i64, den: i64) -> bool {
        if den <= 0 || (self.lower.is_none() && self.upper.is_none()) {
            return false;
        }
        let left = i128::from(num) * self.factor;
        let den = i128::from(den);
        let lower_ok = self.lower.is_none_or(|(t, inc)| {
            let right = t.saturating_mul(den);
            left > right || (inc && left == right)
        });
        let upper_ok = self.upper.is_none_or(|(t, inc)| {
            let right = t.saturating_mul(den);
            left < right || (inc && left == right)
        });
        lower_ok && upper_ok
    }
}

fn compare<S: Source + ?Sized>(
    operand: &Operand,
    bounds: &Bounds,
    env: &Env<'_>,
    src: &S,
    missing: &mut Vec<FactKey>,
) -> Tri {
    let resolved = match resolve(bounds, env) {
        Ok(r) => r,
        Err(k) => {
            missing.push(k);
            return Tri::Unknown;
        }
    };
    match operand {
        Operand::Value(r) => match read(r, env, src) {
            Some(Val::Num(v)) => Tri::from_bool(value_passes(v, &resolved)),
            _ => unknown(r, env, missing),
        },
        Operand::Count(r) => match read(r, env, src) {
            Some(Val::List(l)) => Tri::from_bool(value_passes(
                i64::try_from(l.len()).unwrap_or(i64::MAX),
                &resolved,
            )),
            _ => unknown(r, env, missing),
        },
        Operand::Ratio(n, d) | Operand::Change(n, d) | Operand::Growth(n, d) => {
            let nv = read(n, env, src);
            let dv = read(d, env, src);
            match (nv, dv) {
                (Some(Val::Num(a)), Some(Val::Num(b))) => {
                    let ns = env.schema.def(n.attr).ty.scale();
                    let ds = env.schema.def(d.attr).ty.scale();
                    Tri::from_bool(match operand {
                        Operand::Change(..) => value_passes(a.saturating_sub(b), &resolved),
                        Operand::Growth(..) => {
                            ratio_passes(a, ns, b, ds, &growth_as_ratio(&resolved))
                        }
                        _ => ratio_passes(a, ns, b, ds, &resolved),
                    })
                }
                (a, b) => {
                    if !matches!(a, Some(Val::Num(_))) {
                        unknown(n, env, missing);
                    }
                    if !matches!(b, Some(Val::Num(_))) {
                        unknown(d, env, missing);
                    }
                    Tri::Unknown
                }
            }
        }
    }
}

/// Growth bounds as bounds of this / previous: growth ≥ 20 % ⇔ this / previous ≥ 120 % (for a
/// positive previous value; otherwise the ratio test fails, as growth has no meaning).
pub(crate) fn growth_as_ratio(r: &Resolved) -> Resolved {
    let shift = |b: Option<(i64, bool)>| b.map(|(v, inc)| (v.saturating_add(10_000), inc));
    Resolved {
        lower: shift(r.lower),
        upper: shift(r.upper),
    }
}

/// What the size class of a subject is in a year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SizeRead {
    Known(u8),
    /// The industry has no row in the 2017 table, or is too coarse to classify.
    NotApplicable,
    Missing(Vec<FactKey>),
}

/// The size class derived from industry and the year's figures, naming every missing figure.
pub(crate) fn classify_size(
    industry: Option<&IndustryCode>,
    employees: Option<i64>,
    revenue: Option<i64>,
    assets: Option<i64>,
    year: i32,
) -> SizeRead {
    let Some(industry) = industry else {
        return SizeRead::Missing(vec![FactKey::Attr(INDUSTRY, None)]);
    };
    let mut figures = SizeFigures {
        employees: employees.map(|e| u64::try_from(e).unwrap_or(0)),
        revenue: revenue.map(Money::from_fen),
        total_assets: assets.map(Money::from_fen),
    };
    let mut missing = Vec::new();
    // `classify` names one missing figure at a time: fill it with a stand-in and ask again, so
    // the request for data lists them all.
    for _ in 0..4 {
        match size::classify(industry, &figures) {
            Ok(c) if missing.is_empty() => return SizeRead::Known(crate::facts::size_code(c.size)),
            Ok(_) => break,
            Err(SizeError::MissingFigure(key)) => {
                let id = match key {
                    "employees" => {
                        figures.employees = Some(0);
                        EMPLOYEES
                    }
                    "revenue" => {
                        figures.revenue = Some(Money::ZERO);
                        REVENUE
                    }
                    _ => {
                        figures.total_assets = Some(Money::ZERO);
                        TOTAL_ASSETS
                    }
                };
                missing.push(FactKey::Attr(id, Some(year)));
            }
            // The sector is looked up before any figure, so this does not depend on them.
            Err(_) => return SizeRead::NotApplicable,
        }
    }
    SizeRead::Missing(missing)
}

/// The size class of the subject in the year of `r`.
pub(crate) fn read_size<S: Source + ?Sized>(r: &AttrRef, env: &Env<'_>, src: &S) -> SizeRead {
    let Some(year) = r.period.year(env.year) else {
        return SizeRead::NotApplicable;
    };
    let schema = env.schema;
    let num = |id: usize| match src.value(id, schema.def(id), Some(year)) {
        Some(Val::Num(v)) => Some(v),
        _ => None,
    };
    let industry = match src.value(INDUSTRY, schema.def(INDUSTRY), None) {
        Some(Val::Industry(c)) => Some(c),
        _ => None,
    };
    classify_size(
        industry,
        num(EMPLOYEES),
        num(REVENUE),
        num(TOTAL_ASSETS),
        year,
    )
}

fn in_set<S: Source + ?Sized>(
    attr: &AttrRef,
    values: &[Atom],
    env: &Env<'_>,
    src: &S,
    missing: &mut Vec<FactKey>,
) -> Tri {
    if env.schema.def(attr.attr).ty == AttrType::SizeClass {
        return match read_size(attr, env, src) {
            SizeRead::Known(code) => Tri::from_bool(values.contains(&Atom::Code(code))),
            SizeRead::NotApplicable => Tri::False,
            SizeRead::Missing(m) => {
                missing.extend(m);
                Tri::Unknown
            }
        };
    }
    match read(attr, env, src) {
        Some(Val::Code(c)) => Tri::from_bool(values.contains(&Atom::Code(c))),
        Some(Val::Text(t)) => {
            Tri::from_bool(values.iter().any(|v| matches!(v, Atom::Text(x) if x == t)))
        }
        _ => unknown(attr, env, missing),
    }
}

/// Whether one held qualification meets the date constraints: `None` when its date is needed
/// and unknown.
pub(crate) fn tag_meets(
    t: &TagView<'_>,
    when: TagWhen,
    valid_at_year_end: bool,
    year: i32,
    year_start: NaiveDate,
    year_end: NaiveDate,
) -> Option<bool> {
    let valid = !valid_at_year_end || t.expires_on.is_none_or(|e| e >= year_end);
    if !valid {
        return Some(false);
    }
    if when == TagWhen::Any {
        return Some(true);
    }
    let d = t.recognised_on?;
    let y = d.year();
    Some(match when {
        TagWhen::Any => true,
        TagWhen::InPolicyYear => y == year,
        TagWhen::InYearBefore => y == year.saturating_sub(1),
        TagWhen::BeforePolicyYear => d < year_start,
        TagWhen::WithinYears(n) => y <= year && y > year.saturating_sub(i32::from(n)),
        TagWhen::Between(from, to) => from.is_none_or(|f| d >= f) && to.is_none_or(|t| d <= t),
    })
}

fn tag<S: Source + ?Sized>(
    name: &str,
    when: TagWhen,
    valid: bool,
    env: &Env<'_>,
    src: &S,
    missing: &mut Vec<FactKey>,
) -> Tri {
    let mut result = Tri::False;
    let known = src.for_each_tag(&mut |t| {
        if t.name != name || result == Tri::True {
            return;
        }
        match tag_meets(&t, when, valid, env.year, env.year_start, env.year_end) {
            Some(true) => result = Tri::True,
            Some(false) => {}
            None => result = Tri::Unknown,
        }
    });
    if !known {
        missing.push(FactKey::Qualifications);
        return Tri::Unknown;
    }
    if result == Tri::Unknown {
        missing.push(FactKey::TagDate(name.to_string()));
    }
    result
}

/// The date of a day count, for messages.
pub(crate) fn date_text(days: i64) -> String {
    days_date(days).map_or_else(|| days.to_string(), |d| d.to_string())
}
