//! Reward amounts, exact in fen.
//!
//! Rounding: a component that multiplies by a rate (percent, marginal tiers) computes the exact
//! rational amount and rounds it once to the fen by the policy's rule (default half up); fixed,
//! bracket and per-unit amounts are whole fen already. Sums, maxima, floors and caps then work on
//! fen. A component never goes below zero. Arithmetic saturates at the bounds of `i64` rather
//! than wrapping (no grant comes near 92 万亿亿元).

use super::{Env, FactKey, Tri};
use crate::facts::{Source, Val};
use crate::model::{Amount, AttrRef, ParamValue, Rate, Reward, RewardKind, Tier, TierMode};
use crate::text;
use rust_decimal::Decimal;

/// The amount of `r` in fen, or `None` with the missing facts pushed.
pub(crate) fn amount<S: Source + ?Sized>(
    r: &Reward,
    env: &Env<'_>,
    src: &S,
    missing: &mut Vec<FactKey>,
) -> Option<i64> {
    if let Some(when) = &r.when {
        match super::eval_condition(when, env, src, missing) {
            Tri::False => return Some(0),
            Tri::Unknown => return None,
            Tri::True => {}
        }
    }
    let raw = base_amount(r, env, src, missing)?.max(0);
    let floor = r.floor.as_ref().map(|a| money(a, env, missing));
    let cap = r.cap.as_ref().map(|a| money(a, env, missing));
    let mut v = raw;
    if let Some(f) = floor {
        v = v.max(f?);
    }
    if let Some(c) = cap {
        v = v.min(c?);
    }
    Some(v)
}

fn base_amount<S: Source + ?Sized>(
    r: &Reward,
    env: &Env<'_>,
    src: &S,
    missing: &mut Vec<FactKey>,
) -> Option<i64> {
    match &r.kind {
        RewardKind::Fixed(a) => money(a, env, missing),
        RewardKind::Percent { base, rate, minus } => {
            let b = percent_base(base, minus.as_ref(), env, src, missing);
            let r = rate_value(rate, env, missing);
            Some(crate::num::mul_rate(b?, r?, env.policy.rounding))
        }
        RewardKind::Tiers { mode, base, tiers } => {
            let b = num(base, env, src, missing)?;
            match mode {
                TierMode::Bracket => bracket(b, tiers, env, missing),
                TierMode::Marginal => marginal(b, tiers, env, missing),
            }
        }
        RewardKind::PerUnit {
            rate,
            quantity,
            months,
            max_months,
        } => {
            let rate = money(rate, env, missing);
            let units = unit_months(
                quantity.as_ref(),
                months.as_ref(),
                *max_months,
                env,
                src,
                missing,
            );
            Some(rate?.saturating_mul(units?))
        }
        RewardKind::Sum(parts) => {
            let mut total: Option<i64> = Some(0);
            for p in parts {
                let v = amount(p, env, src, missing);
                total = match (total, v) {
                    (Some(t), Some(v)) => Some(t.saturating_add(v)),
                    _ => None,
                };
            }
            total
        }
        RewardKind::Max(parts) => {
            let mut best: Option<i64> = Some(0);
            for p in parts {
                let v = amount(p, env, src, missing);
                best = match (best, v) {
                    (Some(b), Some(v)) => Some(b.max(v)),
                    _ => None,
                };
            }
            best
        }
    }
}

/// The base of a percent component: the value, or its increase over `minus` (both missing
/// facts are named).
fn percent_base<S: Source + ?Sized>(
    base: &AttrRef,
    minus: Option<&AttrRef>,
    env: &Env<'_>,
    src: &S,
    missing: &mut Vec<FactKey>,
) -> Option<i64> {
    let b = num(base, env, src, missing);
    match minus {
        None => b,
        Some(m) => {
            let prev = num(m, env, src, missing);
            Some(increase(b?, prev?))
        }
    }
}

/// The increase of `this` over `prev` (按增量): a decrease is no increase.
pub(crate) fn increase(this: i64, prev: i64) -> i64 {
    this.saturating_sub(prev).max(0)
}

/// A money amount in fen; a parameter without value is a missing fact.
pub(crate) fn money(a: &Amount, env: &Env<'_>, missing: &mut Vec<FactKey>) -> Option<i64> {
    match a {
        Amount::Lit(m) => Some(m.fen()),
        Amount::Param(name) => match env.param(name) {
            Some(ParamValue::Money(m)) => Some(m.fen()),
            _ => {
                missing.push(FactKey::Param(name.clone()));
                None
            }
        },
    }
}

fn rate_value(r: &Rate, env: &Env<'_>, missing: &mut Vec<FactKey>) -> Option<Decimal> {
    match r {
        Rate::Lit(d) => Some(*d),
        Rate::Param(name) => match env.param(name) {
            Some(ParamValue::Rate(d)) => Some(d),
            _ => {
                missing.push(FactKey::Param(name.clone()));
                None
            }
        },
    }
}

fn num<S: Source + ?Sized>(
    r: &AttrRef,
    env: &Env<'_>,
    src: &S,
    missing: &mut Vec<FactKey>,
) -> Option<i64> {
    match super::leaf::read(r, env, src) {
        Some(Val::Num(v)) => Some(v),
        _ => {
            missing.push(FactKey::Attr(r.attr, r.period.year(env.year)));
            None
        }
    }
}

/// The amount of the bracket holding `b`; below the first bracket, nothing.
fn bracket(b: i64, tiers: &[Tier], env: &Env<'_>, missing: &mut Vec<FactKey>) -> Option<i64> {
    let tier = tiers
        .iter()
        .find(|t| b >= t.from && t.to.is_none_or(|to| b < to));
    match tier.and_then(|t| t.amount.as_ref()) {
        Some(a) => money(a, env, missing),
        None => Some(0),
    }
}

/// Σ rate × (the part of `b` inside each bracket), exact, rounded once.
fn marginal(b: i64, tiers: &[Tier], env: &Env<'_>, missing: &mut Vec<FactKey>) -> Option<i64> {
    let mut slices = Vec::with_capacity(tiers.len());
    for t in tiers {
        let top = t.to.map_or(b, |to| b.min(to));
        let slice = i128::from(top) - i128::from(t.from);
        if slice <= 0 {
            continue;
        }
        let rate = rate_value(t.rate.as_ref()?, env, missing)?;
        slices.push((slice, rate));
    }
    let scale = slices.iter().map(|(_, r)| r.scale()).max().unwrap_or(0);
    let mut total: i128 = 0;
    for (slice, rate) in slices {
        let factor = 10i128.pow(scale - rate.scale());
        let term = slice
            .checked_mul(rate.mantissa())
            .and_then(|v| v.checked_mul(factor))
            .unwrap_or(i128::MAX / 4);
        total = total.saturating_add(term);
    }
    let rounded = crate::num::round_div(total, 10i128.pow(scale), env.policy.rounding);
    Some(crate::num::clamp_i64(rounded))
}

/// quantity × months (months per unit capped), or Σ capped months of a list.
fn unit_months<S: Source + ?Sized>(
    quantity: Option<&AttrRef>,
    months: Option<&AttrRef>,
    max_months: Option<i64>,
    env: &Env<'_>,
    src: &S,
    missing: &mut Vec<FactKey>,
) -> Option<i64> {
    let cap = |m: i64| max_months.map_or(m, |c| m.min(c)).max(0);
    let q = quantity.map(|r| num(r, env, src, missing).map(|v| v.max(0)));
    let m = match months {
        None => Some(1),
        Some(r) => match super::leaf::read(r, env, src) {
            Some(Val::Num(v)) => Some(cap(v)),
            Some(Val::List(items)) => Some(
                items
                    .iter()
                    .fold(0i64, |acc, &m| acc.saturating_add(cap(m))),
            ),
            _ => {
                missing.push(FactKey::Attr(r.attr, r.period.year(env.year)));
                None
            }
        },
    };
    let q = match q {
        Some(q) => q?,
        None => 1,
    };
    Some(q.saturating_mul(m?))
}

/// The computation in words, e.g. "设备投资 1,234.00 万元 × 10% = 123.40 万元;上限 500 万元".
pub(crate) fn describe<S: Source + ?Sized>(r: &Reward, env: &Env<'_>, src: &S) -> String {
    let mut scratch = Vec::new();
    let value = amount(r, env, src, &mut scratch);
    let head = match &r.kind {
        RewardKind::Fixed(a) => format!("定额奖补{}", source_of(Some(a), env)),
        RewardKind::Percent { base, rate, minus } => {
            let b = percent_base(base, minus.as_ref(), env, src, &mut scratch)
                .map_or("未知".into(), text::money_actual);
            let rt = rate_value(rate, env, &mut scratch).map_or("?".into(), |d| {
                crate::num::decimal_to_scaled(d, 4)
                    .map(text::percent)
                    .unwrap_or_else(|_| d.to_string())
            });
            let rt = match rate {
                Rate::Param(n) => format!("{rt}{}", env.param_source(n)),
                Rate::Lit(_) => rt,
            };
            match minus {
                Some(m) => format!(
                    "{}较{}年增量 {b} × {rt}",
                    label(base, env),
                    m.period.year(env.year).unwrap_or(env.year)
                ),
                None => format!("{} {b} × {rt}", label(base, env)),
            }
        }
        RewardKind::Tiers { base, mode, .. } => {
            let b = num(base, env, src, &mut scratch)
                .map_or("未知".into(), |v| value_text(base, v, env));
            let how = match mode {
                TierMode::Bracket => "按档定额",
                TierMode::Marginal => "超额累进",
            };
            format!("{} {b},{how}", label(base, env))
        }
        RewardKind::PerUnit { rate, .. } => {
            let rt = money(rate, env, &mut scratch).map_or("?".into(), text::money_round);
            format!("每人每月 {rt}")
        }
        RewardKind::Sum(parts) | RewardKind::Max(parts) => {
            let joined: Vec<String> = parts
                .iter()
                .filter(|p| {
                    let mut m = Vec::new();
                    amount(p, env, src, &mut m).is_some_and(|v| v > 0)
                })
                .map(|p| describe(p, env, src))
                .collect();
            let word = if matches!(r.kind, RewardKind::Sum(_)) {
                "合计"
            } else {
                "取最高"
            };
            format!("{word}({})", joined.join(";"))
        }
    };
    let mut s = match &r.label {
        Some(l) => format!("{l}:{head}"),
        None => head,
    };
    if let Some(cap) = r.cap.as_ref().and_then(|a| money(a, env, &mut scratch)) {
        let source = source_of(r.cap.as_ref(), env);
        s.push_str(&format!(",上限 {}{source}", text::money_round(cap)));
    }
    if let Some(floor) = r.floor.as_ref().and_then(|a| money(a, env, &mut scratch)) {
        let source = source_of(r.floor.as_ref(), env);
        s.push_str(&format!(",保底 {}{source}", text::money_round(floor)));
    }
    if let Some(v) = value {
        s.push_str(&format!(" → {}", text::money_exact(v)));
    }
    s
}

/// The legal source of an amount given as a parameter, or nothing.
fn source_of(a: Option<&Amount>, env: &Env<'_>) -> String {
    match a {
        Some(Amount::Param(name)) => env.param_source(name),
        _ => String::new(),
    }
}

fn label(r: &AttrRef, env: &Env<'_>) -> String {
    let def = env.schema.def(r.attr);
    match r.period.year(env.year) {
        Some(y) => format!("{y}年{}", def.label),
        None => def.label.clone(),
    }
}

fn value_text(r: &AttrRef, v: i64, env: &Env<'_>) -> String {
    let def = env.schema.def(r.attr);
    match def.ty {
        crate::schema::AttrType::Money => text::money_actual(v),
        _ => format!("{v}{}", def.unit.as_deref().unwrap_or("")),
    }
}
