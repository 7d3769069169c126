//! Explanations: per test, the status, the actual value, the required value, and a Chinese
//! sentence such as "2025年营业收入 8,000.00 万元,需不低于 1 亿元". Also the near-miss search.

use super::leaf::{self, SizeRead};
use super::{Env, FactKey, Tri, combine};
use crate::facts::{Source, Val};
use crate::model::{
    Atom, AttrRef, Bound, Bounds, Condition, GrantScope, Leaf, Operand, TagWhen, Test,
};
use crate::schema::AttrType;
use crate::text;
use chrono::{Datelike, NaiveDate};
use qinqing_domain::enterprise::{CreditStatus, Ownership};
use qinqing_domain::region::DivisionLevel;
use qinqing_domain::size::SizeClass;
use qinqing_domain::{DivisionCode, IndustryCode};
use std::cmp::Ordering;

/// How one test came out, after any `not` above it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Passed,
    Failed,
    Unknown,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Passed => "passed",
            Status::Failed => "failed",
            Status::Unknown => "unknown",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Status::Passed => "符合",
            Status::Failed => "不符合",
            Status::Unknown => "待补充",
        }
    }

    fn of(t: Tri) -> Status {
        match t {
            Tri::True => Status::Passed,
            Tri::False => Status::Failed,
            Tri::Unknown => Status::Unknown,
        }
    }
}

/// The explanation of one test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub status: Status,
    /// The subject's value in words ("8,000.00 万元", "未提供").
    pub actual: String,
    /// What the policy requires ("需不低于 1 亿元").
    pub required: String,
    /// The whole sentence a business owner reads.
    pub sentence: String,
    /// Line of the test in the policy file (0 for implicit checks).
    pub line: usize,
}

/// A policy failed on only one numeric test, close to its threshold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NearMiss {
    pub line: usize,
    pub sentence: String,
    /// How far off, in words ("差 2,000.00 万元").
    pub gap: String,
}

/// A check not tied to a line of the file (entity, effective period).
pub(crate) fn implicit(status: Status, actual: &str, required: &str, sentence: String) -> Check {
    Check {
        status,
        actual: actual.to_string(),
        required: required.to_string(),
        sentence,
        line: 0,
    }
}

/// One check per leaf, in tree order; `not` flips the status and the wording.
pub(crate) fn checks<S: Source + ?Sized>(
    c: &Condition,
    leaves: &[(Tri, Vec<FactKey>)],
    env: &Env<'_>,
    src: &S,
) -> Vec<Check> {
    let mut out = Vec::new();
    walk(c, false, &mut 0, &mut |l, negated, i| {
        let raw = leaves.get(i).map_or(Tri::Unknown, |x| x.0);
        out.push(explain_leaf(l, negated, raw, env, src));
    });
    out
}

fn walk<'c>(
    c: &'c Condition,
    negated: bool,
    next: &mut usize,
    f: &mut dyn FnMut(&'c Leaf, bool, usize),
) {
    match c {
        Condition::All(items) | Condition::Any(items) => {
            for i in items {
                walk(i, negated, next, f);
            }
        }
        Condition::Not(inner) => walk(inner, !negated, next, f),
        Condition::Leaf(l) => {
            f(l, negated, *next);
            *next += 1;
        }
    }
}

fn explain_leaf<S: Source + ?Sized>(
    l: &Leaf,
    negated: bool,
    raw: Tri,
    env: &Env<'_>,
    src: &S,
) -> Check {
    let status = Status::of(if negated { raw.negate() } else { raw });
    let req = requirement(&l.test, negated, env);
    let actual = actual(&l.test, env, src);
    let required = match &l.label {
        Some(text) if negated => format!("不能:{text}"),
        Some(text) => text.clone(),
        None => req.required(),
    };
    Check {
        status,
        sentence: format!("{} {actual},{required}", req.subject),
        actual,
        required,
        line: l.line,
    }
}

/// Whether a requirement is stated as what must hold (需) or what must not (不能).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Modal {
    Need,
    MustNot,
}

/// What a test requires, without anyone's facts: the subject ("2025年营业收入") and the
/// predicate ("不低于 1 亿元"). An explanation reads it as a demand beside the subject's value
/// ("需不低于 1 亿元"); a policy's terms read it as a plain statement
/// ("2025年营业收入不低于 1 亿元").
struct Requirement {
    subject: String,
    modal: Modal,
    predicate: String,
}

impl Requirement {
    /// "需不低于 1 亿元", "不能为 失信".
    fn required(&self) -> String {
        match self.modal {
            Modal::Need => format!("需{}", self.predicate),
            Modal::MustNot => format!("不能{}", self.predicate),
        }
    }

    /// "2025年营业收入不低于 1 亿元", "信用状况不能为 失信".
    fn statement(&self) -> String {
        match self.modal {
            Modal::Need => format!("{}{}", self.subject, self.predicate),
            Modal::MustNot => format!("{}不能{}", self.subject, self.predicate),
        }
    }
}

/// A leaf of a policy's conditions as a statement for people: the drafter's label when there is
/// one, else the generated requirement.
pub(crate) fn statement(l: &Leaf, negated: bool, env: &Env<'_>) -> String {
    match &l.label {
        Some(text) if negated => format!("不能:{text}"),
        Some(text) => text.clone(),
        None => requirement(&l.test, negated, env).statement(),
    }
}

/// A condition tree as statements for people, one per part of its top-level `all`: an `any`
/// reads as its alternatives, and a `not` turns the parts below it around (不能…; an `all`
/// under it becomes alternatives, as the evaluator reads it).
pub(crate) fn statements(c: &Condition, env: &Env<'_>) -> Vec<String> {
    let (c, negated) = strip_not(c, false);
    match (c, negated) {
        (Condition::All(items), false) | (Condition::Any(items), true) => items
            .iter()
            .map(|i| clause(i, negated, env, true))
            .collect(),
        _ => vec![clause(c, negated, env, true)],
    }
}

/// One part of a condition tree as one sentence; `alone` when it stands on a line of its own.
pub(crate) fn clause(c: &Condition, negated: bool, env: &Env<'_>, alone: bool) -> String {
    match c {
        Condition::Not(inner) => clause(inner, !negated, env, alone),
        Condition::Leaf(l) => statement(l, negated, env),
        Condition::All(items) | Condition::Any(items) => {
            let all = matches!(c, Condition::All(_)) != negated;
            let parts: Vec<String> = items
                .iter()
                .map(|i| clause(i, negated, env, false))
                .collect();
            if all {
                parts.join(",且")
            } else if alone {
                format!("满足以下其一:{}", parts.join(";或"))
            } else {
                format!("({})", parts.join(",或"))
            }
        }
    }
}

/// The condition below any `not`s, and whether an odd number of them turned it around.
fn strip_not(c: &Condition, negated: bool) -> (&Condition, bool) {
    match c {
        Condition::Not(inner) => strip_not(inner, !negated),
        _ => (c, negated),
    }
}

/// The requirement of a test; `negated` (under a `not`) turns it around.
fn requirement(test: &Test, negated: bool, env: &Env<'_>) -> Requirement {
    let modal = if negated { Modal::MustNot } else { Modal::Need };
    let (subject, modal, predicate) = match test {
        Test::Compare { operand, bounds } => (
            operand_subject(operand, env),
            Modal::Need,
            bounds_text(bounds, operand, negated, env),
        ),
        Test::InSet { attr, values } => {
            let ty = env.schema.def(attr.attr).ty;
            let names: Vec<String> = values
                .iter()
                .map(|v| match v {
                    Atom::Code(c) => code_label(ty, *c),
                    Atom::Text(t) => t.clone(),
                })
                .collect();
            let predicate = if names.len() == 1 || negated {
                format!("为 {}", names.join("、"))
            } else {
                format!("为 {} 之一", names.join("、"))
            };
            (subject(attr, env), modal, predicate)
        }
        Test::Under { attr, codes } => {
            let ty = env.schema.def(attr.attr).ty;
            let names: Vec<String> = codes.iter().map(|c| code_name(ty, c, env)).collect();
            (
                subject(attr, env),
                modal,
                format!("属于 {}", names.join(" 或 ")),
            )
        }
        Test::Is { attr, value } => (
            subject(attr, env),
            modal,
            format!("为 {}", if *value { "是" } else { "否" }),
        ),
        Test::Tag {
            name,
            when,
            valid_at_year_end,
        } => {
            let mut req = match when {
                TagWhen::Any => "持有该资质".to_string(),
                TagWhen::InPolicyYear => format!("在{}年内获得认定", env.year),
                TagWhen::InYearBefore => format!("在{}年内获得认定", env.year.saturating_sub(1)),
                TagWhen::BeforePolicyYear => format!("在{}年以前获得过认定", env.year),
                TagWhen::WithinYears(n) => format!(
                    "在{}–{}年间获得认定",
                    env.year.saturating_sub(i32::from(*n)).saturating_add(1),
                    env.year
                ),
                TagWhen::Between(from, to) => between_text(*from, *to),
            };
            if *valid_at_year_end {
                req.push_str(&format!("且{}年末仍在有效期内", env.year));
            }
            (format!("资质「{name}」"), modal, req)
        }
        Test::FirstGrant { scope } => {
            let subject = match scope {
                GrantScope::Policy(_) => "本政策奖励",
                GrantScope::Group(_) => "同一事项(不重复享受)的奖励",
            };
            (
                subject.to_string(),
                modal,
                "为首次获得(其他年度均未获得过)".to_string(),
            )
        }
    };
    Requirement {
        subject,
        modal,
        predicate,
    }
}

/// The subject's value for a test, in words ("8,000.00 万元", "未提供").
fn actual<S: Source + ?Sized>(test: &Test, env: &Env<'_>, src: &S) -> String {
    match test {
        Test::Compare { operand, .. } => operand_actual(operand, env, src),
        Test::InSet { attr, .. } => {
            let ty = env.schema.def(attr.attr).ty;
            if ty == AttrType::SizeClass {
                match leaf::read_size(attr, env, src) {
                    SizeRead::Known(c) => code_label(ty, c),
                    SizeRead::NotApplicable => "所属行业不在划型标准范围内".to_string(),
                    SizeRead::Missing(_) => "无法推算(缺少划型数据)".to_string(),
                }
            } else {
                value_text(attr, leaf::read(attr, env, src), env)
            }
        }
        Test::Under { attr, .. } | Test::Is { attr, .. } => {
            value_text(attr, leaf::read(attr, env, src), env)
        }
        Test::Tag { name, .. } => tag_actual(name, src),
        Test::FirstGrant { scope } => grants_actual(scope, env.year, src),
    }
}

/// "2022、2023年已获得", "其他年度未获得过", or that the record is missing.
fn grants_actual<S: Source + ?Sized>(scope: &GrantScope, year: i32, src: &S) -> String {
    let mut years = Vec::new();
    let known = src.for_each_grant(&mut |g| {
        if leaf::granted_other_year(&g, scope, year) {
            years.push(g.year);
        }
    });
    years.sort_unstable();
    years.dedup();
    if !known {
        "获得奖补记录未提供".to_string()
    } else if years.is_empty() {
        "其他年度未获得过".to_string()
    } else {
        let years: Vec<String> = years.iter().map(i32::to_string).collect();
        format!("{}年已获得", years.join("、"))
    }
}

/// "在2023–2025年间获得认定" for whole years, else with the days.
fn between_text(from: Option<NaiveDate>, to: Option<NaiveDate>) -> String {
    let day = |d: NaiveDate| format!("{}年{}月{}日", d.year(), d.month(), d.day());
    let whole_years = from.is_none_or(|f| f.month() == 1 && f.day() == 1)
        && to.is_none_or(|t| t.month() == 12 && t.day() == 31);
    match (from, to) {
        (Some(f), Some(t)) if whole_years => format!("在{}–{}年间获得认定", f.year(), t.year()),
        (Some(f), Some(t)) => format!("在{}至{}间获得认定", day(f), day(t)),
        (Some(f), None) => format!("在{}或以后获得认定", day(f)),
        (None, Some(t)) => format!("在{}或以前获得认定", day(t)),
        (None, None) => "持有该资质".to_string(),
    }
}

fn tag_actual<S: Source + ?Sized>(name: &str, src: &S) -> String {
    let mut dates = Vec::new();
    let known = src.for_each_tag(&mut |t| {
        if t.name == name {
            dates.push(
                t.recognised_on
                    .map_or_else(|| "认定日期未提供".to_string(), |d| format!("{d} 认定")),
            );
        }
    });
    if !known {
        "资质信息未提供".to_string()
    } else if dates.is_empty() {
        "未获得".to_string()
    } else {
        dates.join("、")
    }
}

/// "2025年营业收入", "所属行业".
pub(crate) fn subject(r: &AttrRef, env: &Env<'_>) -> String {
    let def = env.schema.def(r.attr);
    match r.period.year(env.year) {
        Some(y) => format!("{y}年{}", def.label),
        None => def.label.clone(),
    }
}

/// "2025年营业收入", "2025年研发费用占营业收入的比例", "2025年研发费用较上年增加".
fn operand_subject(op: &Operand, env: &Env<'_>) -> String {
    match op {
        Operand::Value(r) => subject(r, env),
        Operand::Count(r) => format!("{}(项数)", subject(r, env)),
        Operand::Ratio(n, d) => {
            let year = n
                .period
                .year(env.year)
                .map_or(String::new(), |y| format!("{y}年"));
            let (nd, dd) = (env.schema.def(n.attr), env.schema.def(d.attr));
            format!("{year}{}占{}的比例", nd.label, dd.label)
        }
        Operand::Change(a, _) => format!("{}较上年增加", subject(a, env)),
        Operand::Growth(a, _) => format!("{}较上年增长", subject(a, env)),
    }
}

fn operand_actual<S: Source + ?Sized>(op: &Operand, env: &Env<'_>, src: &S) -> String {
    match op {
        Operand::Value(r) => value_text(r, leaf::read(r, env, src), env),
        Operand::Count(r) => match leaf::read(r, env, src) {
            Some(Val::List(l)) => format!("{} 项", l.len()),
            _ => "未提供".to_string(),
        },
        Operand::Ratio(n, d) => {
            let (nd, dd) = (env.schema.def(n.attr), env.schema.def(d.attr));
            match (leaf::read(n, env, src), leaf::read(d, env, src)) {
                (Some(Val::Num(a)), Some(Val::Num(b))) => {
                    text::ratio_percent(a, nd.ty.scale(), b, dd.ty.scale())
                }
                _ => "无法计算(数据未提供)".to_string(),
            }
        }
        Operand::Change(a, b) => {
            let def = env.schema.def(a.attr);
            let unit = def.unit.as_deref().unwrap_or("");
            match (leaf::read(a, env, src), leaf::read(b, env, src)) {
                (Some(Val::Num(x)), Some(Val::Num(y))) => {
                    let d = x.saturating_sub(y);
                    let t = scaled_text(def.ty, d, unit, false);
                    if d < 0 {
                        let down = scaled_text(def.ty, d.saturating_neg(), unit, false);
                        format!("{t}(减少 {down})")
                    } else {
                        t
                    }
                }
                _ => not_computable(b, env),
            }
        }
        Operand::Growth(a, b) => {
            let scale = env.schema.def(a.attr).ty.scale();
            match (leaf::read(a, env, src), leaf::read(b, env, src)) {
                (Some(Val::Num(x)), Some(Val::Num(y))) if y > 0 => {
                    text::ratio_percent(x.saturating_sub(y), scale, y, scale)
                }
                (Some(Val::Num(_)), Some(Val::Num(_))) => {
                    "无法计算(上年数值为零或负数)".to_string()
                }
                _ => not_computable(b, env),
            }
        }
    }
}

/// "无法计算(2024年数据未提供)": a change needs both years.
fn not_computable(prev: &AttrRef, env: &Env<'_>) -> String {
    match prev.period.year(env.year) {
        Some(y) => format!("无法计算({y}年或{}年数据未提供)", y.saturating_add(1)),
        None => "无法计算(数据未提供)".to_string(),
    }
}

/// A value of an attribute in words.
fn value_text(r: &AttrRef, v: Option<Val<'_>>, env: &Env<'_>) -> String {
    let def = env.schema.def(r.attr);
    let unit = def.unit.as_deref().unwrap_or("");
    match v {
        None => "未提供".to_string(),
        Some(Val::Num(n)) => scaled_text(def.ty, n, unit, false),
        Some(Val::Bool(b)) => if b { "是" } else { "否" }.to_string(),
        Some(Val::Text(t)) => t.to_string(),
        Some(Val::Industry(c)) => format!("{} {}", c.as_str(), c.name()),
        Some(Val::Region(c)) => where_is(c, env),
        Some(Val::Code(c)) => code_label(def.ty, c),
        Some(Val::List(l)) => {
            let items: Vec<String> = l.iter().map(|x| format!("{x}{unit}")).collect();
            format!("{} 项({})", l.len(), items.join("、"))
        }
    }
}

/// A scaled number in words; thresholds (`round`) read as written.
pub(crate) fn scaled_text(ty: AttrType, n: i64, unit: &str, round: bool) -> String {
    let sep = if unit.is_empty() { "" } else { " " };
    match ty {
        AttrType::Money if round => text::money_round(n),
        AttrType::Money => text::money_actual(n),
        AttrType::Date => leaf::date_text(n),
        AttrType::Decimal => format!("{}{sep}{unit}", crate::num::format_scaled(n, 4, 0)),
        _ => format!("{n}{sep}{unit}"),
    }
}

fn code_label(ty: AttrType, c: u8) -> String {
    let i = usize::from(c);
    match ty {
        AttrType::Ownership => Ownership::ALL.get(i).map_or("?", |o| o.label_zh()),
        AttrType::CreditStatus => CreditStatus::ALL.get(i).map_or("?", |o| o.label_zh()),
        AttrType::SizeClass => SizeClass::ALL.get(i).map_or("?", |o| o.label_zh()),
        _ => "?",
    }
    .to_string()
}

/// An industry by its official name ("制造业"), a region by [`region_name`].
fn code_name(ty: AttrType, code: &str, env: &Env<'_>) -> String {
    match ty {
        AttrType::Industry => match IndustryCode::parse(code) {
            Ok(c) if !c.name().is_empty() => c.name().to_string(),
            _ => code.to_string(),
        },
        _ => region_name(code, env),
    }
}

/// Where a subject is: its division's name, or that of the nearest division above it with one.
fn where_is(code: &DivisionCode, env: &Env<'_>) -> String {
    if let Some(names) = env.region_names {
        let mut up = Some(code.clone());
        while let Some(c) = up {
            if let Some(name) = names.get(c.as_str()) {
                return name.clone();
            }
            up = c.parent();
        }
    }
    region_name(code.as_str(), env)
}

/// A region by its name when the caller gave names; a division the names lack by what it is
/// to the district ("本区", "本区指定的镇(街道)"), since people do not read division codes.
/// Without names (the command line, for staff who write policies) by its code.
fn region_name(code: &str, env: &Env<'_>) -> String {
    let Some(names) = env.region_names else {
        return code.to_string();
    };
    if let Some(name) = names.get(code) {
        return name.clone();
    }
    match DivisionCode::parse(code).map(|c| c.level()) {
        Ok(DivisionLevel::Province) => "本省",
        Ok(DivisionLevel::City) => "本市",
        Ok(DivisionLevel::County) => "本区",
        Ok(DivisionLevel::Town) => "本区指定的镇(街道)",
        Ok(DivisionLevel::Village) => "本区指定的村(社区)",
        Err(_) => "指定区域",
    }
    .to_string()
}

/// "不低于 1 亿元", "不低于 3% 且低于 10%"; negated: "低于 1 亿元".
fn bounds_text(b: &Bounds, op: &Operand, negated: bool, env: &Env<'_>) -> String {
    let (ty, unit) = match op {
        Operand::Value(r) | Operand::Change(r, _) => {
            let d = env.schema.def(r.attr);
            (d.ty, d.unit.clone().unwrap_or_default())
        }
        Operand::Ratio(..) | Operand::Growth(..) => (AttrType::Decimal, String::new()),
        Operand::Count(_) => (AttrType::Integer, "项".to_string()),
    };
    let show = |bound: &Bound| -> String {
        let value = match leaf::bound_value(bound, env) {
            Some(v) if matches!(op, Operand::Ratio(..) | Operand::Growth(..)) => text::percent(v),
            Some(v) => scaled_text(ty, v, &unit, true),
            None => "(参数未生效)".to_string(),
        };
        match bound {
            Bound::Param(name) => format!("{value}{}", env.param_source(name)),
            Bound::Lit(_) => value,
        }
    };
    if let (Some((lo, true)), Some((hi, true))) = (&b.lower, &b.upper)
        && lo == hi
    {
        let word = if negated { "不等于" } else { "等于" };
        return format!("{word} {}", show(lo));
    }
    let mut parts = Vec::new();
    if let Some((bound, inc)) = &b.lower {
        let word = match (inc, negated) {
            (true, false) => "不低于",
            (false, false) => "高于",
            (true, true) => "低于",
            (false, true) => "不高于",
        };
        parts.push(format!("{word} {}", show(bound)));
    }
    if let Some((bound, inc)) = &b.upper {
        let word = match (inc, negated) {
            (true, false) => "不高于",
            (false, false) => "低于",
            (true, true) => "高于",
            (false, true) => "不低于",
        };
        parts.push(format!("{word} {}", show(bound)));
    }
    let joiner = if negated { " 或 " } else { " 且 " };
    parts.join(joiner)
}

/// The near miss: a failed numeric test (not under `not`) within the margin of its threshold,
/// whose passing alone would make the whole condition pass.
pub(crate) fn near_miss<S: Source + ?Sized>(
    c: &Condition,
    leaves: &[(Tri, Vec<FactKey>)],
    env: &Env<'_>,
    src: &S,
    options: &super::EvalOptions,
) -> Option<NearMiss> {
    let mut candidates = Vec::new();
    walk(c, false, &mut 0, &mut |l, negated, i| {
        if !negated && leaves.get(i).is_some_and(|x| x.0 == Tri::False) {
            candidates.push((l, i));
        }
    });
    for (l, i) in candidates {
        let Some(gap) = numeric_gap(&l.test, env, src, options.near_miss_margin) else {
            continue;
        };
        let mut forced = leaves.to_vec();
        forced[i] = (Tri::True, Vec::new());
        if combine(c, &forced, &mut 0, &mut Vec::new()) == Tri::True {
            let check = explain_leaf(l, false, Tri::False, env, src);
            return Some(NearMiss {
                line: l.line,
                sentence: check.sentence,
                gap,
            });
        }
    }
    None
}

/// The gap to the failed bound in words, when within `margin` × |threshold|.
fn numeric_gap<S: Source + ?Sized>(
    test: &Test,
    env: &Env<'_>,
    src: &S,
    margin: rust_decimal::Decimal,
) -> Option<String> {
    let Test::Compare { operand, bounds } = test else {
        return None;
    };
    let r = leaf::resolve(bounds, env).ok()?;
    // (actual, threshold) on a common integer scale, and the failed bound's value for words.
    let (actual, threshold, words): (i128, i128, Box<dyn Fn(i128) -> String>) = match operand {
        Operand::Value(a) | Operand::Change(a, _) => {
            let Some(Val::Num(v)) = leaf::read(a, env, src) else {
                return None;
            };
            let v = match operand {
                Operand::Change(_, b) => match leaf::read(b, env, src) {
                    Some(Val::Num(p)) => v.saturating_sub(p),
                    _ => return None,
                },
                _ => v,
            };
            let failed = failed_bound(v.cmp(&r.lower.map_or(v, |x| x.0)), &r, v)?;
            let ty = env.schema.def(a.attr).ty;
            let unit = env.schema.def(a.attr).unit.clone().unwrap_or_default();
            (
                i128::from(v),
                i128::from(failed),
                Box::new(move |g| scaled_text(ty, crate::num::clamp_i64(g), &unit, false)),
            )
        }
        Operand::Ratio(n, d) => {
            let (Some(Val::Num(a)), Some(Val::Num(b))) =
                (leaf::read(n, env, src), leaf::read(d, env, src))
            else {
                return None;
            };
            if b <= 0 {
                return None;
            }
            let ns = env.schema.def(n.attr).ty.scale();
            let ds = env.schema.def(d.attr).ty.scale();
            let t = match (r.lower, r.upper) {
                (Some((t, _)), _)
                    if crate::num::ratio_cmp(a, ns, b, ds, t) == Some(Ordering::Less) =>
                {
                    t
                }
                (_, Some((t, _))) => t,
                (Some((t, _)), None) => t,
                (None, None) => return None,
            };
            let actual = i128::from(a) * 10i128.pow(ds + 4);
            let threshold = i128::from(t) * i128::from(b) * 10i128.pow(ns);
            (actual, threshold, Box::new(|_| "接近门槛".to_string()))
        }
        Operand::Count(_) | Operand::Growth(..) => return None,
    };
    let gap = (threshold - actual).abs();
    let limit = threshold.abs().checked_mul(margin.mantissa())?;
    let scaled_gap = gap.checked_mul(10i128.pow(margin.scale()))?;
    if scaled_gap > limit {
        return None;
    }
    let w = words(gap);
    Some(if matches!(operand, Operand::Ratio(..)) {
        w
    } else {
        format!("差 {w}")
    })
}

/// The bound value a plain value failed.
fn failed_bound(_: Ordering, r: &leaf::Resolved, v: i64) -> Option<i64> {
    if let Some((t, inc)) = r.lower
        && (v < t || (v == t && !inc))
    {
        return Some(t);
    }
    if let Some((t, inc)) = r.upper
        && (v > t || (v == t && !inc))
    {
        return Some(t);
    }
    None
}
