//! Reward amounts, exact in fen.
//!
//! Rounding: a component that multiplies by a rate (percent, marginal tiers) computes the exact
//! rational amount and rounds it once to the fen by the policy's rule (default half up); fixed,
//! bracket and per-unit amounts are whole fen already. Sums, maxima, floors and caps then work on
//! fen. A component never goes below zero. Arithmetic saturates at the bounds of `i64` rather
//! than wrapping (no grant comes near 92 万亿亿元).

use super::explain::{scaled_text, subject};
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
            format!(
                "{} {b} × {}",
                base_words(base, minus.as_ref(), env),
                rate_words(rate, env)
            )
        }
        RewardKind::Tiers { base, mode, .. } => {
            let b = num(base, env, src, &mut scratch)
                .map_or("未知".into(), |v| value_text(base, v, env, false));
            format!("{} {b},{}", subject(base, env), tier_words(*mode))
        }
        RewardKind::PerUnit { rate, .. } => per_unit_words(rate, env),
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
    s.push_str(&limits_words(r, env));
    if let Some(v) = value {
        s.push_str(&format!(" → {}", text::money_exact(v)));
    }
    s
}

/// The amount rule in words for people, without anyone's figures: one line, or for a `sum` or
/// `max` a line saying how the parts combine and one line per part.
/// "奖励2025年研发费用的 5%,上限 100 万元,保底 2 万元".
pub(crate) fn terms(r: &Reward, env: &Env<'_>) -> Vec<String> {
    let mut lines = match &r.kind {
        RewardKind::Sum(parts) | RewardKind::Max(parts) => {
            let how = if matches!(r.kind, RewardKind::Sum(_)) {
                "以下各项可同时享受,金额相加"
            } else {
                "以下各项只享受金额最高的一项"
            };
            let mut lines = vec![how.to_string()];
            lines.extend(parts.iter().flat_map(|p| part_terms(p, env)));
            lines
        }
        _ => vec![rule_words(r, env)],
    };
    let limits = limits_words(r, env);
    if let Some(first) = lines.first_mut() {
        first.push_str(&limits);
    }
    lines
}

/// A component of a `sum` or `max`: its label, or when it counts, before its rule.
fn part_terms(r: &Reward, env: &Env<'_>) -> Vec<String> {
    let mut lines = terms(r, env);
    let lead = match (&r.label, &r.when) {
        (Some(l), _) => Some(format!("{l}:")),
        (None, Some(w)) => Some(format!(
            "{}的,",
            super::explain::clause(w, false, env, false)
        )),
        (None, None) => None,
    };
    if let (Some(lead), Some(first)) = (lead, lines.first_mut()) {
        first.insert_str(0, &lead);
    }
    lines
}

/// The rule of a single component, without its cap and floor.
fn rule_words(r: &Reward, env: &Env<'_>) -> String {
    match &r.kind {
        RewardKind::Fixed(a) => {
            let amount = money(a, env, &mut Vec::new()).map_or("?".into(), text::money_round);
            format!("奖励 {amount}{}", source_of(Some(a), env))
        }
        RewardKind::Percent { base, rate, minus } => format!(
            "奖励{}的 {}",
            base_words(base, minus.as_ref(), env),
            rate_words(rate, env)
        ),
        RewardKind::Tiers { mode, base, tiers } => {
            let brackets: Vec<String> = tiers
                .iter()
                .map(|t| bracket_words(*mode, base, t, env))
                .collect();
            format!(
                "按{}{}:{}",
                subject(base, env),
                tier_words(*mode),
                brackets.join(";")
            )
        }
        RewardKind::PerUnit {
            rate, max_months, ..
        } => {
            let most = max_months.map_or(String::new(), |m| format!(",每人最多 {m} 个月"));
            format!("{}{most}", per_unit_words(rate, env))
        }
        RewardKind::Sum(_) | RewardKind::Max(_) => terms(r, env).join(";"),
    }
}

/// "500 万元至 1,000 万元:奖励 10 万元", "1,000 万元以上的部分:3%".
fn bracket_words(mode: TierMode, base: &AttrRef, t: &Tier, env: &Env<'_>) -> String {
    let from = value_text(base, t.from, env, true);
    let range = match t.to {
        Some(to) => format!("{from}至{}", value_text(base, to, env, true)),
        None => format!("{from}以上"),
    };
    match mode {
        TierMode::Bracket => {
            let a = t
                .amount
                .as_ref()
                .and_then(|a| money(a, env, &mut Vec::new()));
            format!("{range}:奖励 {}", a.map_or("?".into(), text::money_round))
        }
        TierMode::Marginal => {
            let rate = t.rate.as_ref().map_or("?".into(), |r| rate_words(r, env));
            format!("{range}的部分:{rate}")
        }
    }
}

/// "2025年研发费用", or "2025年研发费用较2024年增量" for a percent of the increase.
fn base_words(base: &AttrRef, minus: Option<&AttrRef>, env: &Env<'_>) -> String {
    match minus {
        Some(m) => format!(
            "{}较{}年增量",
            subject(base, env),
            m.period.year(env.year).unwrap_or(env.year)
        ),
        None => subject(base, env),
    }
}

/// "10%", with the legal source of a rate given as a parameter.
fn rate_words(rate: &Rate, env: &Env<'_>) -> String {
    let rt = rate_value(rate, env, &mut Vec::new()).map_or("?".into(), |d| {
        crate::num::decimal_to_scaled(d, 4)
            .map(text::percent)
            .unwrap_or_else(|_| d.to_string())
    });
    match rate {
        Rate::Param(n) => format!("{rt}{}", env.param_source(n)),
        Rate::Lit(_) => rt,
    }
}

fn tier_words(mode: TierMode) -> &'static str {
    match mode {
        TierMode::Bracket => "按档定额",
        TierMode::Marginal => "超额累进",
    }
}

fn per_unit_words(rate: &Amount, env: &Env<'_>) -> String {
    let rt = money(rate, env, &mut Vec::new()).map_or("?".into(), text::money_round);
    format!("每人每月 {rt}")
}

/// ",上限 800 万元(依据:…),保底 2 万元": a component's cap and floor.
fn limits_words(r: &Reward, env: &Env<'_>) -> String {
    let mut s = String::new();
    for (word, a) in [("上限", &r.cap), ("保底", &r.floor)] {
        if let Some(v) = a.as_ref().and_then(|a| money(a, env, &mut Vec::new())) {
            let source = source_of(a.as_ref(), env);
            s.push_str(&format!(",{word} {}{source}", text::money_round(v)));
        }
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

/// A figure of the base in words: computed (`round` false) or a threshold as written.
fn value_text(r: &AttrRef, v: i64, env: &Env<'_>, round: bool) -> String {
    let def = env.schema.def(r.attr);
    scaled_text(def.ty, v, def.unit.as_deref().unwrap_or(""), round)
}
