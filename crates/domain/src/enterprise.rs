//! The enterprise profile (企业画像): identity, classification, credit, qualifications and yearly
//! figures. The size class is derived from the figures, never typed in.

use crate::size::{self, Classification, SizeFigures};
use crate::{CreditCode, DivisionCode, IndustryCode, Money};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// 企业登记注册类型, simplified to the classes policies test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Ownership {
    StateOwned,
    Collective,
    Private,
    HkMacaoTaiwan,
    Foreign,
    Mixed,
    Other,
}

impl Ownership {
    pub const ALL: [Ownership; 7] = [
        Ownership::StateOwned,
        Ownership::Collective,
        Ownership::Private,
        Ownership::HkMacaoTaiwan,
        Ownership::Foreign,
        Ownership::Mixed,
        Ownership::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Ownership::StateOwned => "state_owned",
            Ownership::Collective => "collective",
            Ownership::Private => "private",
            Ownership::HkMacaoTaiwan => "hk_macao_taiwan",
            Ownership::Foreign => "foreign",
            Ownership::Mixed => "mixed",
            Ownership::Other => "other",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Ownership::StateOwned => "国有",
            Ownership::Collective => "集体",
            Ownership::Private => "民营",
            Ownership::HkMacaoTaiwan => "港澳台投资",
            Ownership::Foreign => "外商投资",
            Ownership::Mixed => "混合所有制",
            Ownership::Other => "其他",
        }
    }

    /// Accepts the code ("private") or the Chinese label ("民营"), as spreadsheets carry either.
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        Self::ALL
            .into_iter()
            .find(|o| o.as_str() == s || o.label_zh() == s)
    }
}

/// Credit standing as the credit platform reports it; `Bad` (失信) blocks pledges and benefits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CreditStatus {
    Good,
    Watch,
    Bad,
}

impl CreditStatus {
    pub const ALL: [CreditStatus; 3] = [CreditStatus::Good, CreditStatus::Watch, CreditStatus::Bad];

    pub fn as_str(self) -> &'static str {
        match self {
            CreditStatus::Good => "good",
            CreditStatus::Watch => "watch",
            CreditStatus::Bad => "bad",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            CreditStatus::Good => "良好",
            CreditStatus::Watch => "关注",
            CreditStatus::Bad => "失信",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        Self::ALL
            .into_iter()
            .find(|c| c.as_str() == s || c.label_zh() == s)
    }
}

/// Where a figure came from: government data sources, or the enterprise's own correction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FigureSource {
    Government,
    Enterprise,
}

impl FigureSource {
    pub fn as_str(self) -> &'static str {
        match self {
            FigureSource::Government => "government",
            FigureSource::Enterprise => "enterprise",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "government" => Some(FigureSource::Government),
            "enterprise" => Some(FigureSource::Enterprise),
            _ => None,
        }
    }
}

/// A qualification or tag with the date it was recognised (e.g. 国家高新技术企业 2025-03-01).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Qualification {
    pub name: String,
    pub recognised_on: Option<NaiveDate>,
    pub expires_on: Option<NaiveDate>,
}

impl Qualification {
    /// Parses "国家高新技术企业@2025-03-01" (the files' form), "国家高新技术企业 2025-03-01" (the
    /// form a person types: the date after a space) or a bare "专精特新" (date unknown).
    pub fn parse(s: &str) -> Result<Self, String> {
        let s = s.trim();
        let (name, date) = match s.split_once('@') {
            Some((name, date)) => (name.trim(), Some(date.trim())),
            None => match s.rsplit_once(char::is_whitespace) {
                Some((name, date)) if looks_like_date(date) => (name.trim(), Some(date)),
                _ => (s, None),
            },
        };
        if name.is_empty() {
            return Err("资质名称不能为空".into());
        }
        let recognised_on = date
            .map(|d| {
                NaiveDate::parse_from_str(d, "%Y-%m-%d")
                    .map_err(|_| format!("资质“{name}”的认定日期“{d}”不是 YYYY-MM-DD 格式"))
            })
            .transpose()?;
        Ok(Qualification {
            name: name.to_string(),
            recognised_on,
            expires_on: None,
        })
    }

    /// The inverse of [`Qualification::parse`], as files write it.
    pub fn to_tag(&self) -> String {
        match self.recognised_on {
            Some(d) => format!("{}@{}", self.name, d),
            None => self.name.clone(),
        }
    }

    /// The inverse of [`Qualification::parse`], as a person reads and types it.
    pub fn to_line(&self) -> String {
        match self.recognised_on {
            Some(d) => format!("{} {}", self.name, d),
            None => self.name.clone(),
        }
    }
}

/// A word meant as a date: a year, a month and a day of one or two digits, joined by dashes
/// ("2025-03-01", also a wrong one such as "2025-13-01"), so that a name ending in a number or a
/// standard's number ("GB/T 19001-2016") stays a name.
fn looks_like_date(word: &str) -> bool {
    let parts: Vec<&str> = word.split('-').collect();
    let digits = |p: &str, lengths: std::ops::RangeInclusive<usize>| {
        lengths.contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit())
    };
    parts.len() == 3
        && digits(parts[0], 4..=4)
        && digits(parts[1], 1..=2)
        && digits(parts[2], 1..=2)
}

/// An enterprise's figures for one calendar year; every figure may be unknown.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct YearFigures {
    pub year: i32,
    pub revenue: Option<Money>,
    pub tax_paid: Option<Money>,
    pub employees: Option<u64>,
    pub total_assets: Option<Money>,
    pub rd_expense: Option<Money>,
    pub fixed_asset_investment: Option<Money>,
    pub equipment_investment: Option<Money>,
}

impl YearFigures {
    /// Sets the figure stored under `field` (one of [`FIGURE_FIELDS`]) to `value`: fen for
    /// money, a count for employees. `false` for a field it does not know.
    pub fn set_stored(&mut self, field: &str, value: i64) -> bool {
        let money = Some(Money::from_fen(value));
        match field {
            "revenue" => self.revenue = money,
            "tax_paid" => self.tax_paid = money,
            "employees" => self.employees = u64::try_from(value).ok(),
            "total_assets" => self.total_assets = money,
            "rd_expense" => self.rd_expense = money,
            "fixed_asset_investment" => self.fixed_asset_investment = money,
            "equipment_investment" => self.equipment_investment = money,
            _ => return false,
        }
        true
    }

    /// The size class these figures give in `industry`; `None` when a figure the sector's row
    /// needs is unknown.
    pub fn size_class(&self, industry: &IndustryCode) -> Option<Classification> {
        let figures = SizeFigures {
            employees: self.employees,
            revenue: self.revenue,
            total_assets: self.total_assets,
        };
        size::classify(industry, &figures).ok()
    }
}

/// The figure fields by name, in the order forms and files show them. Names are the column names
/// of the import format and the keys of the audit trail.
pub const FIGURE_FIELDS: [(&str, &str); 7] = [
    ("revenue", "营业收入(元)"),
    ("tax_paid", "纳税额(元)"),
    ("employees", "从业人员(人)"),
    ("total_assets", "资产总额(元)"),
    ("rd_expense", "研发费用(元)"),
    ("fixed_asset_investment", "固定资产投资(元)"),
    ("equipment_investment", "设备投资(元)"),
];

/// The identity part of an enterprise profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnterpriseIdentity {
    pub credit_code: CreditCode,
    pub name: String,
    pub legal_representative: Option<String>,
    pub industry_code: IndustryCode,
    pub region_code: DivisionCode,
    pub ownership: Ownership,
    pub established_on: Option<NaiveDate>,
    pub credit_status: CreditStatus,
}

/// Validates an enterprise or person name: not blank, no control characters, at most 100 chars.
pub fn parse_name(s: &str, what: &str) -> Result<String, String> {
    let s = s.trim();
    if s.is_empty() {
        return Err(format!("{what}不能为空"));
    }
    if s.chars().count() > 100 {
        return Err(format!("{what}不能超过 100 个字"));
    }
    if s.chars().any(char::is_control) {
        return Err(format!("{what}含有不可见的控制字符"));
    }
    Ok(s.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ownership_accepts_code_or_label() {
        for o in Ownership::ALL {
            assert_eq!(Ownership::parse(o.as_str()), Some(o));
            assert_eq!(Ownership::parse(o.label_zh()), Some(o));
        }
        assert_eq!(Ownership::parse("个体"), None);
    }

    #[test]
    fn credit_status_accepts_code_or_label() {
        for c in CreditStatus::ALL {
            assert_eq!(CreditStatus::parse(c.as_str()), Some(c));
            assert_eq!(CreditStatus::parse(c.label_zh()), Some(c));
        }
        assert_eq!(CreditStatus::parse("A"), None);
    }

    #[test]
    fn qualification_tags_round_trip() {
        let q = Qualification::parse(" 国家高新技术企业@2025-03-01 ").unwrap();
        assert_eq!(q.name, "国家高新技术企业");
        assert_eq!(q.recognised_on, NaiveDate::from_ymd_opt(2025, 3, 1));
        assert_eq!(Qualification::parse(&q.to_tag()).unwrap(), q);
        assert_eq!(Qualification::parse(&q.to_line()).unwrap(), q);
        assert_eq!(q.to_line(), "国家高新技术企业 2025-03-01");
        assert_eq!(
            Qualification::parse("专精特新").unwrap().recognised_on,
            None
        );
        // A name that ends in a number or a standard's number, or holds a space, stays a name.
        for name in [
            "省级 工业设计中心 2024",
            "质量管理体系认证 GB/T 19001-2016",
            "知识产权管理体系 20230101",
        ] {
            let named = Qualification::parse(name).unwrap();
            assert_eq!((named.name.as_str(), named.recognised_on), (name, None));
        }
    }

    #[test]
    fn qualification_with_bad_date_names_the_tag() {
        let err = Qualification::parse("专精特新@2025/03/01").unwrap_err();
        assert!(err.contains("专精特新"), "{err}");
        assert!(Qualification::parse("@2025-03-01").is_err());
        let err = Qualification::parse("国家高新技术企业 2025-13-01").unwrap_err();
        assert!(
            err.contains("国家高新技术企业") && err.contains("2025-13-01"),
            "{err}"
        );
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(
            parse_name("  泉州某某有限公司 ", "企业名称").unwrap(),
            "泉州某某有限公司"
        );
        assert!(parse_name("   ", "企业名称").is_err());
        assert!(parse_name(&"企".repeat(101), "企业名称").is_err());
        assert!(parse_name("a\u{0007}b", "企业名称").is_err());
    }

    #[test]
    fn size_class_needs_the_figures_its_sector_uses() {
        let industry = IndustryCode::parse("C3311").unwrap();
        let mut figures = YearFigures {
            year: 2025,
            employees: Some(350),
            revenue: Some(Money::from_yuan(30_000_000)),
            ..YearFigures::default()
        };
        let class = figures.size_class(&industry).unwrap();
        assert_eq!(class.size, size::SizeClass::Medium);
        figures.employees = None;
        assert!(figures.size_class(&industry).is_none());
    }
}
