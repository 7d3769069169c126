//! The policy definition model: what one policy file holds once read and resolved.
//!
//! Attribute names are resolved to [`AttrId`]s of the [`Schema`](crate::schema::Schema) and
//! thresholds are converted to the attribute's scaled-integer unit while reading, so evaluation
//! never parses text and both evaluators compare exactly the same integers.

use crate::facts::Facts;
use crate::schema::{AttrId, AttrType, Entity};
use chrono::NaiveDate;
use qinqing_domain::Money;
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// Government level of the issuing body (国/省/市/区), and the fiscal level that pays a share.
/// Ordered from the national level down.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    National,
    Provincial,
    Municipal,
    District,
}

impl Level {
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "national" | "国" | "国家" => Some(Level::National),
            "provincial" | "省" => Some(Level::Provincial),
            "municipal" | "市" => Some(Level::Municipal),
            "district" | "区" | "县" => Some(Level::District),
            _ => None,
        }
    }

    /// Every level, from the national level down.
    pub const ALL: [Level; 4] = [
        Level::National,
        Level::Provincial,
        Level::Municipal,
        Level::District,
    ];

    /// The key a policy file writes it with.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::National => "national",
            Level::Provincial => "provincial",
            Level::Municipal => "municipal",
            Level::District => "district",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Level::National => "国家级",
            Level::Provincial => "省级",
            Level::Municipal => "市级",
            Level::District => "区级",
        }
    }
}

/// How the benefit reaches the beneficiary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// 申报: the enterprise applies.
    Apply,
    /// 免申即享: the platform finds the eligible and grants without application.
    AutoGrant,
    /// 即申即享: a one-step application with the data pre-filled.
    QuickApply,
}

impl Mode {
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "apply" => Some(Mode::Apply),
            "auto_grant" => Some(Mode::AutoGrant),
            "quick_apply" => Some(Mode::QuickApply),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Apply => "apply",
            Mode::AutoGrant => "auto_grant",
            Mode::QuickApply => "quick_apply",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Mode::Apply => "申报兑现",
            Mode::AutoGrant => "免申即享",
            Mode::QuickApply => "即申即享",
        }
    }
}

/// Rounding of computed amounts to the fen. Default: half up (四舍五入).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Rounding {
    #[default]
    HalfUp,
    HalfEven,
    /// Towards zero (舍去).
    Down,
    /// Away from zero (进一).
    Up,
}

impl Rounding {
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "half_up" => Some(Rounding::HalfUp),
            "half_even" => Some(Rounding::HalfEven),
            "down" => Some(Rounding::Down),
            "up" => Some(Rounding::Up),
            _ => None,
        }
    }
}

/// Which year's value of a per-year attribute a condition or reward reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Period {
    /// Attributes that have one value (industry, region); no year.
    Static,
    PolicyYear,
    YearBefore,
    /// N ≥ 2 years before the policy year (the earlier year of a change over the year before,
    /// or of `consecutive_years`).
    YearsBefore(u8),
}

impl Period {
    /// The calendar year read for policy year `year`; `None` for static attributes.
    pub fn year(self, year: i32) -> Option<i32> {
        match self {
            Period::Static => None,
            Period::PolicyYear => Some(year),
            Period::YearBefore => Some(year.saturating_sub(1)),
            Period::YearsBefore(n) => Some(year.saturating_sub(i32::from(n))),
        }
    }

    /// How many years before the policy year; `None` for static attributes.
    pub fn back(self) -> Option<u8> {
        match self {
            Period::Static => None,
            Period::PolicyYear => Some(0),
            Period::YearBefore => Some(1),
            Period::YearsBefore(n) => Some(n),
        }
    }

    /// The period `n` years before the policy year, in its canonical form.
    pub fn years_back(n: u8) -> Period {
        match n {
            0 => Period::PolicyYear,
            1 => Period::YearBefore,
            n => Period::YearsBefore(n),
        }
    }

    /// The year before this period (`None` for static attributes or past 50 years).
    pub fn earlier(self) -> Option<Period> {
        let n = self.back()?.checked_add(1).filter(|n| *n <= 50)?;
        Some(Period::years_back(n))
    }
}

impl AttrRef {
    /// The same attribute one year earlier.
    pub fn earlier(&self) -> Option<AttrRef> {
        Some(AttrRef {
            attr: self.attr,
            period: self.period.earlier()?,
        })
    }
}

/// An attribute read in a period.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AttrRef {
    pub attr: AttrId,
    pub period: Period,
}

/// A numeric threshold: a literal in the operand's scaled unit, or a named parameter.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Bound {
    Lit(i64),
    Param(String),
}

/// What a numeric comparison compares.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Operand {
    /// A money, integer, decimal or date attribute.
    Value(AttrRef),
    /// numerator / denominator, compared with a decimal (4 places: "3%" is 300).
    Ratio(AttrRef, AttrRef),
    /// The number of items of a list attribute.
    Count(AttrRef),
    /// The change against the year before: value of the first reference minus value of the
    /// second (the same attribute one year earlier), in the attribute's unit (较上年增加).
    Change(AttrRef, AttrRef),
    /// The growth rate against the year before, (this − previous) / previous, compared with a
    /// decimal (4 places: "20%" is 2000); a previous value ≤ 0 has no growth rate and fails.
    Growth(AttrRef, AttrRef),
}

impl Operand {
    /// The scaled-integer type thresholds are written in.
    pub fn threshold_type(&self, ty_of: impl Fn(AttrId) -> AttrType) -> AttrType {
        match self {
            Operand::Value(r) | Operand::Change(r, _) => ty_of(r.attr),
            Operand::Ratio(..) | Operand::Growth(..) => AttrType::Decimal,
            Operand::Count(_) => AttrType::Integer,
        }
    }

    /// The attributes the operand reads.
    pub fn refs(&self) -> Vec<&AttrRef> {
        match self {
            Operand::Value(r) | Operand::Count(r) => vec![r],
            Operand::Ratio(n, d) | Operand::Change(n, d) | Operand::Growth(n, d) => vec![n, d],
        }
    }
}

/// Lower and upper bounds of a comparison; `equals` is both bounds inclusive and equal.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Bounds {
    /// (bound, inclusive): `min` is inclusive, `above` exclusive.
    pub lower: Option<(Bound, bool)>,
    /// (bound, inclusive): `max` is inclusive, `below` exclusive.
    pub upper: Option<(Bound, bool)>,
}

/// When a tag (qualification) must have been recognised, relative to the policy year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TagWhen {
    /// Holding the tag at all (date not needed).
    Any,
    /// Recognised within the policy year.
    InPolicyYear,
    /// Recognised within the year before the policy year.
    InYearBefore,
    /// Recognised before 1 January of the policy year.
    BeforePolicyYear,
    /// Recognised within the N calendar years ending with the policy year.
    WithinYears(u8),
    /// Recognised on or after the first date and on or before the second (either may be open):
    /// "2023年至2025年间认定".
    Between(Option<NaiveDate>, Option<NaiveDate>),
}

/// A value of an enumerated or text attribute, for `in` tests.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Atom {
    /// Index into the enumeration's `ALL` (ownership, credit status, size class) or 0/1 for bool.
    Code(u8),
    Text(String),
}

/// One test of a condition tree.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Test {
    /// Ordered comparison, or a range when both bounds are set.
    Compare { operand: Operand, bounds: Bounds },
    /// Membership in a set of enumerated or text values.
    InSet { attr: AttrRef, values: Vec<Atom> },
    /// Hierarchical membership: the industry or region code is equal to or below one of `codes`.
    Under { attr: AttrRef, codes: Vec<String> },
    /// A boolean attribute has this value.
    Is { attr: AttrRef, value: bool },
    /// The enterprise holds tag `name`, recognised `when`; `valid_at_year_end` also requires it
    /// not to have expired by 31 December of the policy year.
    Tag {
        name: String,
        when: TagWhen,
        valid_at_year_end: bool,
    },
    /// 首次: the subject was granted nothing under `scope` for any other year than the policy
    /// year (that one is the exclusive group's and the one-grant-per-year rule's business).
    FirstGrant { scope: GrantScope },
}

/// Whose earlier grants a 首次 test looks at.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum GrantScope {
    /// The policy with this id (the policy's own).
    Policy(String),
    /// Any policy of this exclusive group (同一事项).
    Group(String),
}

impl Test {
    /// The same test `k` years earlier (`consecutive_years`); `None` past 50 years or for tests
    /// that are not comparisons.
    pub fn years_back(&self, k: u8) -> Option<Test> {
        let Test::Compare { operand, bounds } = self else {
            return None;
        };
        let shift = |r: &AttrRef| -> Option<AttrRef> {
            let n = r.period.back()?.checked_add(k).filter(|n| *n <= 50)?;
            Some(AttrRef {
                attr: r.attr,
                period: Period::years_back(n),
            })
        };
        let operand = match operand {
            Operand::Value(r) => Operand::Value(shift(r)?),
            Operand::Count(r) => Operand::Count(shift(r)?),
            Operand::Ratio(a, b) => Operand::Ratio(shift(a)?, shift(b)?),
            Operand::Change(a, b) => Operand::Change(shift(a)?, shift(b)?),
            Operand::Growth(a, b) => Operand::Growth(shift(a)?, shift(b)?),
        };
        Some(Test::Compare {
            operand,
            bounds: bounds.clone(),
        })
    }
}

/// A condition tree: Kleene three-valued and/or/not over tests.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Condition {
    All(Vec<Condition>),
    Any(Vec<Condition>),
    Not(Box<Condition>),
    Leaf(Leaf),
}

/// A test with its source line and an optional wording override.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Leaf {
    pub test: Test,
    pub line: usize,
    /// Replaces the generated "需…" wording when the drafter wants the document's own words.
    pub label: Option<String>,
}

impl Condition {
    /// Every leaf in tree order.
    pub fn leaves(&self) -> Vec<&Leaf> {
        let mut out = Vec::new();
        self.collect_leaves(&mut out);
        out
    }

    fn collect_leaves<'a>(&'a self, out: &mut Vec<&'a Leaf>) {
        match self {
            Condition::All(c) | Condition::Any(c) => {
                c.iter().for_each(|c| c.collect_leaves(out));
            }
            Condition::Not(c) => c.collect_leaves(out),
            Condition::Leaf(l) => out.push(l),
        }
    }
}

/// A money amount: literal or parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Amount {
    Lit(Money),
    Param(String),
}

/// A rate (10 % is 0.10): literal or parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rate {
    Lit(Decimal),
    Param(String),
}

/// Single amount per bracket, or marginal (progressive) rates on each slice of the base.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TierMode {
    Bracket,
    Marginal,
}

/// One bracket [from, to) of a tier table in the base's scaled unit; `to` open on the last.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tier {
    pub from: i64,
    pub to: Option<i64>,
    pub amount: Option<Amount>,
    pub rate: Option<Rate>,
    pub line: usize,
}

/// How a reward component computes its amount.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RewardKind {
    Fixed(Amount),
    /// `rate` × a money base, rounded to the fen by the policy's rounding.
    /// With `minus`, the base is the increase over that earlier value (按增量), never below 0.
    Percent {
        base: AttrRef,
        rate: Rate,
        minus: Option<AttrRef>,
    },
    Tiers {
        mode: TierMode,
        base: AttrRef,
        tiers: Vec<Tier>,
    },
    /// `rate` × quantity × months; with a list of months, each item is one unit and its months.
    PerUnit {
        rate: Amount,
        quantity: Option<AttrRef>,
        months: Option<AttrRef>,
        max_months: Option<i64>,
    },
    Sum(Vec<Reward>),
    Max(Vec<Reward>),
}

/// A reward component: its computation, an optional condition, floor and cap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reward {
    pub kind: RewardKind,
    /// Only counts when this holds (inside `sum`/`max`).
    pub when: Option<Condition>,
    pub floor: Option<Amount>,
    pub cap: Option<Amount>,
    pub label: Option<String>,
    pub line: usize,
}

/// A parameter whose value changes from dated points on (a cap raised from 2025-01-01).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Param {
    pub name: String,
    pub label: Option<String>,
    pub ty: ParamType,
    /// (in force from, value), sorted by date, in the parameter type's scaled unit; rates are
    /// stored with 4 decimal places of the fraction (10 % = 0.1000 → 1000).
    pub values: Vec<(NaiveDate, ParamValue)>,
    /// The legal source of each value (parallel to `values`): the value's own `source`, else
    /// the parameter's.
    pub sources: Vec<Option<LegalSource>>,
    pub line: usize,
}

/// Where a figure comes from: a clause (条款) of a document (文号); without a document, the
/// policy's own `document_no`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegalSource {
    pub document_no: Option<String>,
    pub article: String,
}

impl LegalSource {
    /// "泉台管〔2024〕15号第三条" (the policy's document when the source names none).
    pub fn text(&self, policy_document: Option<&str>) -> String {
        match self.document_no.as_deref().or(policy_document) {
            Some(d) => format!("{d}{}", self.article),
            None => self.article.clone(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamType {
    Money,
    Integer,
    Rate,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamValue {
    Money(Money),
    Integer(i64),
    Rate(Decimal),
}

impl Param {
    /// The value in force on `date`: the last point on or before it.
    pub fn value_on(&self, date: NaiveDate) -> Option<ParamValue> {
        self.values
            .iter()
            .rev()
            .find(|(from, _)| *from <= date)
            .map(|(_, v)| *v)
    }

    /// The legal source of the value in force on `date`.
    pub fn source_on(&self, date: NaiveDate) -> Option<&LegalSource> {
        let i = self.values.iter().rposition(|(from, _)| *from <= date)?;
        self.sources.get(i)?.as_ref()
    }
}

/// How a budget is shared when the claims exceed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Allocation {
    /// In order of approval (the order of the enterprises given to the evaluator).
    InOrder,
    /// In proportion to the claims, remainders of a fen by largest remainder.
    ProRata,
}

impl Allocation {
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "in_order" => Some(Allocation::InOrder),
            "pro_rata" => Some(Allocation::ProRata),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Allocation::InOrder => "in_order",
            Allocation::ProRata => "pro_rata",
        }
    }
}

/// Rules that involve other policies or other enterprises.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CrossRules {
    /// 同一事项就高不重复: of the policies naming the same group, only the highest is granted.
    pub exclusive_group: Option<String>,
    /// 就高补差: a later, higher award of the exclusive group pays only the difference to what
    /// the group has already granted (otherwise a later award of the group is refused).
    pub top_up: bool,
    /// Per enterprise per year, the policies naming the same group share this cap.
    pub annual_cap: Option<(String, Money)>,
    /// A budget pool (policies naming the same pool share it), its total and its rule.
    pub budget: Option<Budget>,
    /// 分级承担: the fiscal levels that share each award, and in what parts.
    pub shares: Option<CostSharing>,
    pub line: usize,
}

/// How fiscal levels share every award of a policy ("市、区两级按1:1分担", "省市县按8:1:1"):
/// each level pays its part of the granted amount from its own budget.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CostSharing {
    /// (level, parts), in fiscal order (national first); at least two levels, parts ≥ 1.
    pub parts: Vec<(Level, u32)>,
    pub source: Option<LegalSource>,
    pub line: usize,
}

impl CostSharing {
    /// Each level's share of `amount` fen: ⌊amount × part / Σparts⌋, and the fen left over — fewer
    /// than the number of levels — one each to the largest remainders (ties to the higher level),
    /// so the shares add up to exactly `amount`.
    pub fn split(&self, amount: i64) -> Vec<(Level, i64)> {
        let parts: Vec<i64> = self.parts.iter().map(|&(_, p)| i64::from(p)).collect();
        let sum = parts.iter().map(|&p| i128::from(p)).sum();
        let shares = crate::cross::pro_rata(amount.max(0), &parts, sum);
        self.parts.iter().map(|&(l, _)| l).zip(shares).collect()
    }

    /// "1:1", "8:1:1".
    pub fn ratio(&self) -> String {
        let parts: Vec<String> = self.parts.iter().map(|(_, p)| p.to_string()).collect();
        parts.join(":")
    }

    /// "市级、区级".
    pub fn levels_zh(&self) -> String {
        let levels: Vec<&str> = self.parts.iter().map(|(l, _)| l.label_zh()).collect();
        levels.join("、")
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Budget {
    pub pool: String,
    pub total: Money,
    pub allocation: Allocation,
}

/// What a test case expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    Eligible,
    Ineligible,
    Undetermined,
}

impl Expect {
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "eligible" => Some(Expect::Eligible),
            "ineligible" => Some(Expect::Ineligible),
            "undetermined" => Some(Expect::Undetermined),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Expect::Eligible => "eligible",
            Expect::Ineligible => "ineligible",
            Expect::Undetermined => "undetermined",
        }
    }
}

/// A test case embedded in a policy file, like an OpenFisca YAML test.
#[derive(Debug, Clone)]
pub struct Case {
    pub name: String,
    pub year: i32,
    pub facts: Facts,
    pub expect: Expect,
    /// Expected amount when eligible (before cross-policy rules).
    pub amount: Option<Money>,
    /// Expected missing facts ("rd_expense@2025") when undetermined.
    pub missing: Option<Vec<String>>,
    pub near_miss: Option<bool>,
    /// What the subject was already granted in the same policy year (policy id, fen), for
    /// `granted_amount`.
    pub earlier: Vec<(String, Money)>,
    /// Expected amount granted after the cross-policy rules, given `earlier` and `budget_left`.
    pub granted_amount: Option<Money>,
    /// What is left of the budget the grant is paid from.
    pub budget_left: Option<Money>,
    /// Expected share of each fiscal level of the granted amount (分级承担).
    pub shares: Option<Vec<(Level, Money)>>,
    pub line: usize,
}

/// One benefit policy.
#[derive(Debug, Clone)]
pub struct Policy {
    pub id: String,
    pub title: String,
    pub department: String,
    pub level: Level,
    pub document_no: Option<String>,
    pub topics: Vec<String>,
    pub entity: Entity,
    pub mode: Mode,
    /// In force from this date…
    pub effective_from: NaiveDate,
    /// …to this date inclusive (open when `None`).
    pub effective_to: Option<NaiveDate>,
    pub rounding: Rounding,
    pub params: BTreeMap<String, Param>,
    pub condition: Condition,
    pub reward: Reward,
    pub cross: CrossRules,
    /// Several claims per subject and year (per equipment project, per product), each with its
    /// own figures: the label of the key the applicant names each claim by ("技改项目名称").
    pub per_claim: Option<String>,
    pub cases: Vec<Case>,
    /// The file it was read from, for diagnostics and reports.
    pub file: String,
}

impl Policy {
    /// `year` when the policy is in force during it, else the nearest year that it is.
    pub fn nearest_year_in_force(&self, year: i32) -> i32 {
        use chrono::Datelike;
        let first = self.effective_from.year();
        let last = self.effective_to.map_or(i32::MAX, |to| to.year());
        year.clamp(first, last.max(first))
    }

    /// True when the effective period overlaps calendar year `year`.
    pub fn in_force_during(&self, year: i32) -> bool {
        let (Some(start), Some(end)) = (
            NaiveDate::from_ymd_opt(year, 1, 1),
            NaiveDate::from_ymd_opt(year, 12, 31),
        ) else {
            return false;
        };
        self.effective_from <= end && self.effective_to.is_none_or(|to| to >= start)
    }
}
