//! The form-based builder: a policy definition as fields and rows a clerk fills in, and back.
//!
//! The builder covers the common shapes of a definition: its metadata, conditions as rows
//! (comparisons, 较上年增加/增长率, 连续 N 年, qualifications with a time of recognition, 首次) combined with all / any with one level
//! of groups, a fixed, percent, per-unit, bracket,
//! marginal or highest-tier reward, and the exclusive group, annual cap and 分级承担. [`read`] turns a definition
//! into a [`Form`], or says plainly that it cannot ([`Unsupported`]) so the caller keeps the
//! TOML as written. [`write`] puts a form back into a definition, replacing only the keys the
//! form holds: parameters, test cases, budgets and the comments around them stay as they were.
//! Neither validates; the definition the builder writes is read and checked by
//! [`parse_policy`](crate::parse_policy) like any other, and [`problems`] words the mistakes
//! of the fields whose keys that check would name, or which the writer would leave out, by the
//! page's labels.

mod check;
mod read;
mod write;

#[cfg(test)]
mod tests;

pub use check::{problems, share_label};
pub use read::read;
pub use write::write;

pub use crate::model::Level;
use crate::schema::AttrType;
use serde::{Deserialize, Serialize};

/// The pseudo-attribute of qualification (资质) rows; not an identifier, so no attribute clashes.
pub const QUALIFICATION: &str = "@qualification";

/// The pseudo-attribute of 首次 rows: the enterprise's grants of other years.
pub const GRANTS: &str = "@grants";

/// Why a definition cannot be shown in the builder, in Chinese.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsupported(pub String);

impl std::fmt::Display for Unsupported {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "此定义较复杂,请在高级模式中编辑({})", self.0)
    }
}

/// How the rows of a group combine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Combine {
    #[default]
    All,
    Any,
}

impl Combine {
    pub const ALL: [Combine; 2] = [Combine::All, Combine::Any];

    /// The definition's key: `all` or `any`.
    pub fn as_str(self) -> &'static str {
        match self {
            Combine::All => "all",
            Combine::Any => "any",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Combine::All => "全部满足",
            Combine::Any => "满足任一",
        }
    }
}

/// The comparison of one condition row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    #[default]
    Min,
    Above,
    Max,
    Below,
    Equals,
    In,
    NotIn,
    Under,
    NotUnder,
    IsTrue,
    IsFalse,
    /// The number of items of a list attribute is at least the value.
    CountMin,
    /// The attribute divided by the row's denominator is at least the value ("3%").
    RatioMin,
    /// Qualification held, recognised at any time.
    Has,
    HasInPolicyYear,
    HasInYearBefore,
    HasBeforePolicyYear,
    Lacks,
    /// Never recognised before the policy year (首次认定).
    LacksBeforePolicyYear,
    /// The increase over the year before is at least the value (较上年增加).
    ChangeMin,
    /// The growth rate over the year before is at least the value ("20%", 较上年增长).
    GrowthMin,
    /// 首次: never granted this policy for another year.
    FirstGrant,
    /// 首次: never granted any policy of its exclusive group for another year.
    FirstGrantGroup,
}

/// Which attributes an operator applies to, for the page to offer only those that fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpKind {
    /// Money, integer, decimal, date.
    Ordered,
    /// Enumerated and text values.
    Set,
    /// Industry and region codes.
    Code,
    Bool,
    List,
    /// Numeric attributes, as the numerator of a ratio.
    Ratio,
    /// Per-year numeric attributes, against the year before.
    YearOnYear,
    Qualification,
    /// The enterprise's grants ([`GRANTS`]).
    Grants,
}

impl OpKind {
    pub fn as_str(self) -> &'static str {
        match self {
            OpKind::Ordered => "ordered",
            OpKind::Set => "set",
            OpKind::Code => "code",
            OpKind::Bool => "bool",
            OpKind::List => "list",
            OpKind::Ratio => "ratio",
            OpKind::YearOnYear => "year_on_year",
            OpKind::Qualification => "qualification",
            OpKind::Grants => "grants",
        }
    }

    /// The kinds of operator an attribute of type `ty` takes (`per_year`: it has a value per
    /// year, so it has a change over the year before).
    pub fn of_type(ty: AttrType, per_year: bool) -> &'static [OpKind] {
        match ty {
            AttrType::Money | AttrType::Integer | AttrType::Decimal if per_year => {
                &[OpKind::Ordered, OpKind::Ratio, OpKind::YearOnYear]
            }
            AttrType::Money | AttrType::Integer | AttrType::Decimal => {
                &[OpKind::Ordered, OpKind::Ratio]
            }
            AttrType::Date => &[OpKind::Ordered],
            AttrType::Industry | AttrType::Region => &[OpKind::Code],
            AttrType::Bool => &[OpKind::Bool],
            AttrType::IntegerList => &[OpKind::List],
            AttrType::Text | AttrType::Ownership | AttrType::CreditStatus | AttrType::SizeClass => {
                &[OpKind::Set]
            }
        }
    }
}

/// (operator, code, Chinese wording, kind).
const OPS: [(Op, &str, &str, OpKind); 23] = [
    (Op::Min, "min", "不低于", OpKind::Ordered),
    (Op::Above, "above", "高于", OpKind::Ordered),
    (Op::Max, "max", "不高于", OpKind::Ordered),
    (Op::Below, "below", "低于", OpKind::Ordered),
    (Op::Equals, "equals", "等于", OpKind::Ordered),
    (Op::In, "in", "属于", OpKind::Set),
    (Op::NotIn, "not_in", "不属于", OpKind::Set),
    (Op::Under, "under", "属于(含下级)", OpKind::Code),
    (Op::NotUnder, "not_under", "不属于(含下级)", OpKind::Code),
    (Op::IsTrue, "is_true", "是", OpKind::Bool),
    (Op::IsFalse, "is_false", "否", OpKind::Bool),
    (Op::CountMin, "count_min", "项数不低于", OpKind::List),
    (
        Op::RatioMin,
        "ratio_min",
        "占分母的比例不低于",
        OpKind::Ratio,
    ),
    (Op::Has, "has", "已获得", OpKind::Qualification),
    (
        Op::HasInPolicyYear,
        "has_in_policy_year",
        "本年度获得认定",
        OpKind::Qualification,
    ),
    (
        Op::HasInYearBefore,
        "has_in_year_before",
        "上一年度获得认定",
        OpKind::Qualification,
    ),
    (
        Op::HasBeforePolicyYear,
        "has_before_policy_year",
        "本年度以前获得认定",
        OpKind::Qualification,
    ),
    (Op::Lacks, "lacks", "未获得", OpKind::Qualification),
    (
        Op::LacksBeforePolicyYear,
        "lacks_before_policy_year",
        "本年度以前未获得认定",
        OpKind::Qualification,
    ),
    (
        Op::ChangeMin,
        "change_min",
        "较上年增加不低于",
        OpKind::YearOnYear,
    ),
    (
        Op::GrowthMin,
        "growth_min",
        "较上年增长率不低于",
        OpKind::YearOnYear,
    ),
    (
        Op::FirstGrant,
        "first_grant",
        "首次获得本政策奖励",
        OpKind::Grants,
    ),
    (
        Op::FirstGrantGroup,
        "first_grant_group",
        "首次获得同一事项奖励",
        OpKind::Grants,
    ),
];

impl Op {
    pub fn all() -> impl Iterator<Item = Op> {
        OPS.iter().map(|o| o.0)
    }

    fn entry(self) -> &'static (Op, &'static str, &'static str, OpKind) {
        OPS.iter().find(|o| o.0 == self).unwrap_or(&OPS[0])
    }

    pub fn as_str(self) -> &'static str {
        self.entry().1
    }

    pub fn label_zh(self) -> &'static str {
        self.entry().2
    }

    pub fn kind(self) -> OpKind {
        self.entry().3
    }

    pub fn parse(s: &str) -> Option<Self> {
        OPS.iter().find(|o| o.1 == s).map(|o| o.0)
    }

    /// A comparison of figures, which may be required for several years in a row (连续 N 年).
    pub fn takes_consecutive_years(self) -> bool {
        matches!(
            self.kind(),
            OpKind::Ordered | OpKind::List | OpKind::Ratio | OpKind::YearOnYear
        )
    }

    /// Holding (or not holding) a qualification, which may be limited to a time of recognition
    /// (2023年至2025年间认定).
    pub fn takes_recognition_window(self) -> bool {
        matches!(self, Op::Has | Op::Lacks)
    }
}

/// One condition: an attribute (or [`QUALIFICATION`]), an operator and a value.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Row {
    /// 0: the top level; n: the n-th group of [`Form::groups`].
    pub group: usize,
    pub attr: String,
    pub op: Op,
    /// A threshold ("5000000", "3%", "$cap"), codes or values separated by commas, or the
    /// qualification's name.
    pub value: String,
    /// Reads the year before the policy year (上一年度) instead of the policy year.
    pub year_before: bool,
    /// The denominator attribute of a ratio.
    pub denominator: String,
    /// Replaces the generated requirement wording.
    pub label: String,
    /// 连续 N 年: the comparison holds in each of the N years ending with its period; empty
    /// (or 1) for the one year. Only on the rows whose operator [takes it](Op::takes_consecutive_years).
    pub consecutive_years: String,
    /// 认定时间范围: the qualification was recognised on or after this date (YYYY-MM-DD)…
    pub recognised_from: String,
    /// …and on or before this one; either may be empty. Only on the rows whose operator
    /// [takes them](Op::takes_recognition_window).
    pub recognised_to: String,
}

/// The policy's own fields.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Meta {
    pub id: String,
    pub title: String,
    pub department: String,
    pub level: String,
    pub mode: String,
    pub entity: String,
    pub document_no: String,
    /// Separated by 、 or commas.
    pub topics: String,
    /// YYYY-MM-DD.
    pub effective_from: String,
    pub effective_to: String,
    /// What the project is called when the policy is claimed once per project (技改项目名称);
    /// empty when it is claimed once a year.
    pub per_claim: String,
}

/// How the reward is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RewardType {
    #[default]
    Fixed,
    Percent,
    PerUnit,
    /// The highest of several fixed amounts, each counting when its conditions hold (就高).
    Highest,
    /// The amount of the bracket [from, to) the base falls in (按档定额).
    Bracket,
    /// A rate on each slice of the base (超额累进).
    Marginal,
}

impl RewardType {
    pub const ALL: [RewardType; 6] = [
        RewardType::Fixed,
        RewardType::Percent,
        RewardType::PerUnit,
        RewardType::Highest,
        RewardType::Bracket,
        RewardType::Marginal,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RewardType::Fixed => "fixed",
            RewardType::Percent => "percent",
            RewardType::PerUnit => "per_unit",
            RewardType::Highest => "highest",
            RewardType::Bracket => "bracket",
            RewardType::Marginal => "marginal",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            RewardType::Fixed => "定额",
            RewardType::Percent => "按比例",
            RewardType::PerUnit => "按人按月",
            RewardType::Highest => "分档就高",
            RewardType::Bracket => "按档定额",
            RewardType::Marginal => "超额累进",
        }
    }
}

/// One tier of a highest-tier reward: its amount counts when all its conditions hold.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Tier {
    pub label: String,
    pub amount: String,
    pub conditions: Vec<Row>,
}

/// One bracket [from, to) of a tiered reward, in the base's unit; `to` empty on the last.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Bracket {
    pub from: String,
    pub to: String,
    /// The amount (按档定额) or the rate (超额累进) of the bracket.
    pub value: String,
}

impl RewardType {
    /// The key of a bracket's value in the definition, for the tiered types.
    pub fn bracket_key(self) -> Option<&'static str> {
        match self {
            RewardType::Bracket => Some("amount"),
            RewardType::Marginal => Some("rate"),
            _ => None,
        }
    }
}

/// The reward; only the fields of its type are written.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct RewardForm {
    pub kind: RewardType,
    /// The fixed amount, or the amount per unit and month.
    pub amount: String,
    /// The percentage ("10%").
    pub rate: String,
    /// The attribute a percentage or the brackets are taken of.
    pub base: String,
    /// The base, quantity and months are those of the year before the policy year.
    pub year_before: bool,
    /// Per unit: the integer attribute counting the units.
    pub quantity: String,
    /// Per unit: the months (integer, or one item per unit).
    pub months: String,
    pub max_months: String,
    pub floor: String,
    pub cap: String,
    pub label: String,
    pub tiers: Vec<Tier>,
    pub brackets: Vec<Bracket>,
}

/// The cross-policy rules the builder edits; a budget is kept as written.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct CrossForm {
    /// 同一事项就高不重复.
    pub exclusive_group: String,
    /// 就高补差: a later, higher award of the group pays only the difference.
    pub top_up: bool,
    /// The annual cap's group and amount.
    pub annual_cap_group: String,
    pub annual_cap: String,
    /// 分级承担: how the fiscal levels share each award.
    pub shares: SharesForm,
}

/// 分级承担 (`shares`): each fiscal level's whole parts ("8", "1", "1" for 省市县按8:1:1),
/// empty for a level that pays none; written only with two levels or more.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SharesForm {
    pub national: String,
    pub provincial: String,
    pub municipal: String,
    pub district: String,
    /// The clause that lays the sharing down ("第八条")…
    pub source: String,
    /// …of this document, when it is not the policy's own `document_no`.
    pub source_document_no: String,
}

impl SharesForm {
    /// Each level, from the national level down, with its parts as filled in.
    pub fn parts(&self) -> [(Level, &str); 4] {
        [
            (Level::National, &self.national),
            (Level::Provincial, &self.provincial),
            (Level::Municipal, &self.municipal),
            (Level::District, &self.district),
        ]
        .map(|(l, p)| (l, p.as_str()))
    }

    /// The parts of one level, to fill in.
    pub fn part_mut(&mut self, level: Level) -> &mut String {
        match level {
            Level::National => &mut self.national,
            Level::Provincial => &mut self.provincial,
            Level::Municipal => &mut self.municipal,
            Level::District => &mut self.district,
        }
    }

    /// The levels given parts.
    pub fn given(&self) -> Vec<(Level, &str)> {
        let given = self.parts().into_iter();
        given.filter(|(_, p)| !p.trim().is_empty()).collect()
    }
}

/// A definition as the builder shows it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Form {
    pub meta: Meta,
    /// How the top-level rows and groups combine.
    pub combine: Combine,
    /// How the rows of each group combine; group n is `groups[n - 1]`.
    pub groups: Vec<Combine>,
    pub conditions: Vec<Row>,
    pub reward: RewardForm,
    pub cross: CrossForm,
}

/// Splits a list written in a field: commas (either width) or 、.
pub(crate) fn split_list(text: &str) -> Vec<String> {
    text.split([',', ',', '、'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}
