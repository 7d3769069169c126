//! Enterprise size class per 《统计上大中小微型企业划分办法(2017)》(国统字〔2017〕213号).
//!
//! Many benefit policies are limited to 中小微企业, and the class must be derived from the
//! enterprise's figures rather than self-declared. The table below is the document's 附表, with
//! its notes applied to GB/T 4754-2017 codes:
//!
//! - 工业 = 采矿业 B, 制造业 C, 电力、热力、燃气及水生产和供应业 D.
//! - 交通运输业 = 道路 G54, 水上 G55, 航空 G56, 管道 G57, 多式联运和运输代理 G58 and 装卸搬运
//!   G591; not 铁路运输业 G53.
//! - 仓储业 = 通用 G592, 低温 G593, 危险品 G594, 农产品 G595, 中药材 G596, 其他 G599, i.e. G59
//!   without 装卸搬运.
//! - 信息传输业 = I63 电信、广播电视和卫星传输服务 and I64 互联网和相关服务.
//! - 房地产开发经营 K701, 物业管理 K702.
//! - 其他未列明行业 = M, N, O, 社会工作 Q85, R, 房地产中介服务 K703 and 其他房地产业 K709; not
//!   自有房地产经营活动 (房地产租赁经营 K704 in the 2017 classification).
//! - 农、林、牧、渔业 is the whole section A (including A05 专业及辅助性活动): the document
//!   lists the section without exceptions.
//!
//! The document's scope (第三条) is the 15 sections above and 社会工作. The industries it does not
//! list — 金融业 J, 教育 P, 卫生 Q84, 公共管理 S, 国际组织 T, 铁路运输 G53 and 房地产租赁经营
//! K704 — are classified *by reference* (参照) on the 其他未列明行业 row, as 《中小企业划型标准规定》
//! (工信部联企业〔2011〕300号, the basis of the 2017 document) 第八条 provides for "本规定以外的行业";
//! the result says so ([`Classification::by_reference`]), so a size class is derived for every
//! class of GB/T 4754-2017. (Banks and other financial firms have their own standard,
//! 《金融业企业划型标准规定》(银发〔2015〕309号), which is not modelled here.)
//!
//! Rule (说明 1): large, medium and small must meet every listed lower bound of their column,
//! otherwise the enterprise falls one class down; micro is whatever is left.
use crate::{IndustryCode, Money};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// 大/中/小/微 per 《统计上大中小微型企业划分办法(2017)》.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SizeClass {
    Large,
    Medium,
    Small,
    Micro,
}

impl SizeClass {
    pub const ALL: [SizeClass; 4] = [
        SizeClass::Large,
        SizeClass::Medium,
        SizeClass::Small,
        SizeClass::Micro,
    ];

    /// "large", "medium", "small", "micro".
    pub fn as_str(self) -> &'static str {
        match self {
            SizeClass::Large => "large",
            SizeClass::Medium => "medium",
            SizeClass::Small => "small",
            SizeClass::Micro => "micro",
        }
    }

    /// "大型", "中型", "小型", "微型".
    pub fn label_zh(self) -> &'static str {
        match self {
            SizeClass::Large => "大型",
            SizeClass::Medium => "中型",
            SizeClass::Small => "小型",
            SizeClass::Micro => "微型",
        }
    }

    /// Accepts the English key (any case) or the Chinese label.
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        SizeClass::ALL
            .into_iter()
            .find(|c| c.as_str().eq_ignore_ascii_case(s) || c.label_zh() == s)
    }

    /// True for 中小微企业 (medium, small, micro), the usual target of benefit policies.
    pub fn is_sme(self) -> bool {
        self != SizeClass::Large
    }
}

#[derive(Debug, Clone, Copy, Default)]
pub struct SizeFigures {
    pub employees: Option<u64>,
    pub revenue: Option<Money>,
    pub total_assets: Option<Money>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Classification {
    pub size: SizeClass,
    /// The sector's row in words, e.g. "工业:大型 从业人员≥1000人且营业收入≥40000万元;中型 …".
    pub rule: String,
    /// True when the industry is outside the document's scope and was classified by reference on
    /// the 其他未列明行业 row (see the module documentation).
    pub by_reference: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SizeError {
    /// The sector's row needs this figure: "employees" | "revenue" | "total_assets".
    #[error("划型需要{label}", label = match *.0 { "employees" => "从业人员数", "revenue" => "营业收入", _ => "资产总额" })]
    MissingFigure(&'static str),
    /// The code is too coarse: the industries below it belong to different rows.
    #[error("行业 {code}({name})下属行业分属不同划型标准({sectors}),请选择更细的行业代码")]
    Ambiguous {
        code: String,
        name: &'static str,
        sectors: String,
    },
}

/// A row of the document's table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Sector {
    Agriculture,
    Industry,
    Construction,
    Wholesale,
    Retail,
    Transport,
    Warehousing,
    Postal,
    Accommodation,
    Catering,
    InformationTransmission,
    SoftwareAndIt,
    RealEstateDevelopment,
    PropertyManagement,
    LeasingAndBusinessServices,
    Other,
}

/// One of the three figures the table uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Figure {
    /// 从业人员 X, persons.
    Employees,
    /// 营业收入 Y, 万元.
    Revenue,
    /// 资产总额 Z, 万元.
    Assets,
}

impl Figure {
    fn key(self) -> &'static str {
        match self {
            Figure::Employees => "employees",
            Figure::Revenue => "revenue",
            Figure::Assets => "total_assets",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Figure::Employees => "从业人员",
            Figure::Revenue => "营业收入",
            Figure::Assets => "资产总额",
        }
    }

    fn unit(self) -> &'static str {
        match self {
            Figure::Employees => "人",
            Figure::Revenue | Figure::Assets => "万元",
        }
    }
}

/// A figure with its lower bounds for large, medium and small.
type Bound = (Figure, [u64; 3]);

use Figure::{Assets, Employees, Revenue};

impl Sector {
    pub const ALL: [Sector; 16] = [
        Sector::Agriculture,
        Sector::Industry,
        Sector::Construction,
        Sector::Wholesale,
        Sector::Retail,
        Sector::Transport,
        Sector::Warehousing,
        Sector::Postal,
        Sector::Accommodation,
        Sector::Catering,
        Sector::InformationTransmission,
        Sector::SoftwareAndIt,
        Sector::RealEstateDevelopment,
        Sector::PropertyManagement,
        Sector::LeasingAndBusinessServices,
        Sector::Other,
    ];

    /// The row's name as printed in the document.
    pub fn name_zh(self) -> &'static str {
        match self {
            Sector::Agriculture => "农、林、牧、渔业",
            Sector::Industry => "工业",
            Sector::Construction => "建筑业",
            Sector::Wholesale => "批发业",
            Sector::Retail => "零售业",
            Sector::Transport => "交通运输业",
            Sector::Warehousing => "仓储业",
            Sector::Postal => "邮政业",
            Sector::Accommodation => "住宿业",
            Sector::Catering => "餐饮业",
            Sector::InformationTransmission => "信息传输业",
            Sector::SoftwareAndIt => "软件和信息技术服务业",
            Sector::RealEstateDevelopment => "房地产开发经营",
            Sector::PropertyManagement => "物业管理",
            Sector::LeasingAndBusinessServices => "租赁和商务服务业",
            Sector::Other => "其他未列明行业",
        }
    }

    /// The row's figures with their lower bounds [large, medium, small], in the document's order.
    fn bounds(self) -> &'static [Bound] {
        match self {
            Sector::Agriculture => &[(Revenue, [20000, 500, 50])],
            Sector::Industry => &[(Employees, [1000, 300, 20]), (Revenue, [40000, 2000, 300])],
            Sector::Construction => &[(Revenue, [80000, 6000, 300]), (Assets, [80000, 5000, 300])],
            Sector::Wholesale => &[(Employees, [200, 20, 5]), (Revenue, [40000, 5000, 1000])],
            Sector::Retail => &[(Employees, [300, 50, 10]), (Revenue, [20000, 500, 100])],
            Sector::Transport => &[(Employees, [1000, 300, 20]), (Revenue, [30000, 3000, 200])],
            Sector::Warehousing => &[(Employees, [200, 100, 20]), (Revenue, [30000, 1000, 100])],
            Sector::Postal => &[(Employees, [1000, 300, 20]), (Revenue, [30000, 2000, 100])],
            Sector::Accommodation | Sector::Catering => {
                &[(Employees, [300, 100, 10]), (Revenue, [10000, 2000, 100])]
            }
            Sector::InformationTransmission => {
                &[(Employees, [2000, 100, 10]), (Revenue, [100000, 1000, 100])]
            }
            Sector::SoftwareAndIt => &[(Employees, [300, 100, 10]), (Revenue, [10000, 1000, 50])],
            Sector::RealEstateDevelopment => &[
                (Revenue, [200000, 1000, 100]),
                (Assets, [10000, 5000, 2000]),
            ],
            Sector::PropertyManagement => {
                &[(Employees, [1000, 300, 100]), (Revenue, [5000, 1000, 500])]
            }
            Sector::LeasingAndBusinessServices => {
                &[(Employees, [300, 100, 10]), (Assets, [120000, 8000, 100])]
            }
            Sector::Other => &[(Employees, [300, 100, 10])],
        }
    }

    /// The row in words: "工业:大型 从业人员≥1000人且营业收入≥40000万元;中型 …;其余为微型".
    pub fn rule_zh(self) -> String {
        let columns: Vec<String> = SizeClass::ALL[..3]
            .iter()
            .enumerate()
            .map(|(col, class)| {
                let conditions: Vec<String> = self
                    .bounds()
                    .iter()
                    .map(|(fig, lows)| format!("{}≥{}{}", fig.label(), lows[col], fig.unit()))
                    .collect();
                format!("{} {}", class.label_zh(), conditions.join("且"))
            })
            .collect();
        format!("{}:{};其余为微型", self.name_zh(), columns.join(";"))
    }
}

/// Which row a code prefix falls in. The most specific (longest) matching prefix wins, so "G591"
/// overrides "G59". The prefixes of [`BY_REFERENCE`] are outside the document's scope and map to
/// 其他未列明行业 by reference.
const SECTOR_OF_PREFIX: [(&str, Sector); 37] = [
    ("A", Sector::Agriculture),
    ("B", Sector::Industry),
    ("C", Sector::Industry),
    ("D", Sector::Industry),
    ("E", Sector::Construction),
    ("F51", Sector::Wholesale),
    ("F52", Sector::Retail),
    ("G53", Sector::Other),
    ("G54", Sector::Transport),
    ("G55", Sector::Transport),
    ("G56", Sector::Transport),
    ("G57", Sector::Transport),
    ("G58", Sector::Transport),
    ("G59", Sector::Warehousing),
    ("G591", Sector::Transport),
    ("G60", Sector::Postal),
    ("H61", Sector::Accommodation),
    ("H62", Sector::Catering),
    ("I63", Sector::InformationTransmission),
    ("I64", Sector::InformationTransmission),
    ("I65", Sector::SoftwareAndIt),
    ("J", Sector::Other),
    ("K701", Sector::RealEstateDevelopment),
    ("K702", Sector::PropertyManagement),
    ("K703", Sector::Other),
    ("K704", Sector::Other),
    ("K709", Sector::Other),
    ("L", Sector::LeasingAndBusinessServices),
    ("M", Sector::Other),
    ("N", Sector::Other),
    ("O", Sector::Other),
    ("P", Sector::Other),
    ("Q84", Sector::Other),
    ("Q85", Sector::Other),
    ("R", Sector::Other),
    ("S", Sector::Other),
    ("T", Sector::Other),
];

/// Industries the document does not list (第三条 and the notes to its 附表): 铁路运输业,
/// 金融业, 自有房地产经营活动, 教育, 卫生, 公共管理、社会保障和社会组织, 国际组织.
const BY_REFERENCE: [&str; 7] = ["G53", "J", "K704", "P", "Q84", "S", "T"];

/// True when the industry, or part of it for a coarse code, lies outside the document's scope.
pub fn is_by_reference(industry: &IndustryCode) -> bool {
    let code = industry.as_str();
    BY_REFERENCE
        .iter()
        .any(|prefix| code.starts_with(prefix) || prefix.starts_with(code))
}

/// The document's row for an industry (by reference for the industries it does not list). Errors
/// when the code is so coarse (e.g. "F", "G59") that industries below it fall in different rows.
pub fn sector_of(industry: &IndustryCode) -> Result<Sector, SizeError> {
    let code = industry.as_str();
    let own = SECTOR_OF_PREFIX
        .iter()
        .filter(|(prefix, _)| code.starts_with(prefix))
        .max_by_key(|(prefix, _)| prefix.len())
        .map(|(_, sector)| *sector);
    let below = SECTOR_OF_PREFIX
        .iter()
        .filter(|(prefix, _)| prefix.len() > code.len() && prefix.starts_with(code))
        .map(|(_, sector)| *sector);
    let mut outcomes: Vec<Sector> = own.into_iter().chain(below).collect();
    outcomes.sort();
    outcomes.dedup();
    match outcomes.as_slice() {
        [sector] => Ok(*sector),
        many => Err(SizeError::Ambiguous {
            code: code.to_owned(),
            name: industry.name(),
            sectors: many
                .iter()
                .map(|s| s.name_zh())
                .collect::<Vec<_>>()
                .join("、"),
        }),
    }
}

/// The value of one figure, in the table's unit; `None` when the enterprise did not report it.
fn figure_value(figures: &SizeFigures, figure: Figure) -> Option<Decimal> {
    match figure {
        Figure::Employees => figures.employees.map(Decimal::from),
        Figure::Revenue => figures.revenue.map(Money::wan_yuan),
        Figure::Assets => figures.total_assets.map(Money::wan_yuan),
    }
}

/// Classifies an enterprise by its industry and figures. Only the figures of the sector's row are
/// required; the first missing one (in the row's order) is reported.
pub fn classify(
    industry: &IndustryCode,
    figures: &SizeFigures,
) -> Result<Classification, SizeError> {
    let sector = sector_of(industry)?;
    let values = sector
        .bounds()
        .iter()
        .map(|(fig, lows)| {
            figure_value(figures, *fig)
                .map(|v| (v, lows))
                .ok_or(SizeError::MissingFigure(fig.key()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let size = SizeClass::ALL[..3]
        .iter()
        .enumerate()
        .find(|(col, _)| {
            values
                .iter()
                .all(|(v, lows)| *v >= Decimal::from(lows[*col]))
        })
        .map_or(SizeClass::Micro, |(_, class)| *class);
    let by_reference = is_by_reference(industry);
    let rule = if by_reference {
        format!("本办法未列明的行业参照{}", sector.rule_zh())
    } else {
        sector.rule_zh()
    };
    Ok(Classification {
        size,
        rule,
        by_reference,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> IndustryCode {
        IndustryCode::parse(s).unwrap()
    }

    fn figures(x: Option<u64>, y_wan: Option<i64>, z_wan: Option<i64>) -> SizeFigures {
        SizeFigures {
            employees: x,
            revenue: y_wan.map(|w| Money::from_yuan(w * 10_000)),
            total_assets: z_wan.map(|w| Money::from_yuan(w * 10_000)),
        }
    }

    /// A representative code for every row of the table.
    const SECTOR_CODES: [(Sector, &str); 16] = [
        (Sector::Agriculture, "A0111"),
        (Sector::Industry, "C3311"),
        (Sector::Construction, "E4710"),
        (Sector::Wholesale, "F511"),
        (Sector::Retail, "F5211"),
        (Sector::Transport, "G5431"),
        (Sector::Warehousing, "G5990"),
        (Sector::Postal, "G60"),
        (Sector::Accommodation, "H6110"),
        (Sector::Catering, "H6210"),
        (Sector::InformationTransmission, "I6410"),
        (Sector::SoftwareAndIt, "I6513"),
        (Sector::RealEstateDevelopment, "K7010"),
        (Sector::PropertyManagement, "K7020"),
        (Sector::LeasingAndBusinessServices, "L7211"),
        (Sector::Other, "M7310"),
    ];

    /// The document's table, typed in again independently of `Sector::bounds`:
    /// (row, [X bounds], [Y bounds], [Z bounds]) with empty arrays for unused figures.
    #[allow(clippy::type_complexity)]
    const DOCUMENT_TABLE: [(Sector, &[u64], &[u64], &[u64]); 16] = [
        (Sector::Agriculture, &[], &[20000, 500, 50], &[]),
        (Sector::Industry, &[1000, 300, 20], &[40000, 2000, 300], &[]),
        (
            Sector::Construction,
            &[],
            &[80000, 6000, 300],
            &[80000, 5000, 300],
        ),
        (Sector::Wholesale, &[200, 20, 5], &[40000, 5000, 1000], &[]),
        (Sector::Retail, &[300, 50, 10], &[20000, 500, 100], &[]),
        (
            Sector::Transport,
            &[1000, 300, 20],
            &[30000, 3000, 200],
            &[],
        ),
        (
            Sector::Warehousing,
            &[200, 100, 20],
            &[30000, 1000, 100],
            &[],
        ),
        (Sector::Postal, &[1000, 300, 20], &[30000, 2000, 100], &[]),
        (
            Sector::Accommodation,
            &[300, 100, 10],
            &[10000, 2000, 100],
            &[],
        ),
        (Sector::Catering, &[300, 100, 10], &[10000, 2000, 100], &[]),
        (
            Sector::InformationTransmission,
            &[2000, 100, 10],
            &[100000, 1000, 100],
            &[],
        ),
        (
            Sector::SoftwareAndIt,
            &[300, 100, 10],
            &[10000, 1000, 50],
            &[],
        ),
        (
            Sector::RealEstateDevelopment,
            &[],
            &[200000, 1000, 100],
            &[10000, 5000, 2000],
        ),
        (
            Sector::PropertyManagement,
            &[1000, 300, 100],
            &[5000, 1000, 500],
            &[],
        ),
        (
            Sector::LeasingAndBusinessServices,
            &[300, 100, 10],
            &[],
            &[120000, 8000, 100],
        ),
        (Sector::Other, &[300, 100, 10], &[], &[]),
    ];

    fn code_for(sector: Sector) -> IndustryCode {
        code(SECTOR_CODES.iter().find(|(s, _)| *s == sector).unwrap().1)
    }

    /// Figures exactly at column `col`'s bounds, or with figure `lower` (0 = X, 1 = Y, 2 = Z) one
    /// unit below: one person, or one fen below the 万元 bound, to prove the comparison is exact.
    fn at_bounds(x: &[u64], y: &[u64], z: &[u64], col: usize, lower: Option<usize>) -> SizeFigures {
        let lowered = |index: usize| lower == Some(index);
        let money = |bounds: &[u64], index: usize| {
            bounds
                .get(col)
                .map(|b| Money::from_fen(*b as i64 * 1_000_000 - i64::from(lowered(index))))
        };
        SizeFigures {
            employees: x.get(col).map(|b| b - u64::from(lowered(0))),
            revenue: money(y, 1),
            total_assets: money(z, 2),
        }
    }

    #[test]
    fn sector_codes_map_to_their_rows() {
        for (sector, c) in SECTOR_CODES {
            assert_eq!(sector_of(&code(c)), Ok(sector), "{c}");
        }
    }

    #[test]
    fn every_row_at_and_just_below_every_bound() {
        let classes = [SizeClass::Large, SizeClass::Medium, SizeClass::Small];
        for (sector, x, y, z) in DOCUMENT_TABLE {
            let industry = code_for(sector);
            for (col, class) in classes.iter().enumerate() {
                let at = classify(&industry, &at_bounds(x, y, z, col, None)).unwrap();
                assert_eq!(at.size, *class, "{sector:?} exactly at {class:?} bounds");
                for (index, bounds) in [x, y, z].iter().enumerate() {
                    if bounds.is_empty() {
                        continue;
                    }
                    let below = classify(&industry, &at_bounds(x, y, z, col, Some(index))).unwrap();
                    assert_eq!(
                        below.size,
                        classes.get(col + 1).copied().unwrap_or(SizeClass::Micro),
                        "{sector:?}: figure {index} just below the {class:?} bound"
                    );
                }
            }
        }
    }

    #[test]
    fn one_class_down_when_a_bound_is_missed() {
        let industry = code("C3311");
        // 1200 persons qualify for large, but 3000 万元 revenue only for medium.
        let c = classify(&industry, &figures(Some(1200), Some(3000), None)).unwrap();
        assert_eq!(c.size, SizeClass::Medium);
        // Large revenue with 25 persons: small.
        let c = classify(&industry, &figures(Some(25), Some(50000), None)).unwrap();
        assert_eq!(c.size, SizeClass::Small);
        // Either figure below the small bounds makes it micro.
        let c = classify(&industry, &figures(Some(19), Some(50000), None)).unwrap();
        assert_eq!(c.size, SizeClass::Micro);
        let c = classify(&industry, &figures(Some(5000), Some(299), None)).unwrap();
        assert_eq!(c.size, SizeClass::Micro);
    }

    #[test]
    fn rule_text_spells_out_the_row() {
        let c = classify(&code("C33"), &figures(Some(10), Some(10), None)).unwrap();
        assert_eq!(
            c.rule,
            "工业:大型 从业人员≥1000人且营业收入≥40000万元;中型 从业人员≥300人且营业收入≥2000万元;小型 从业人员≥20人且营业收入≥300万元;其余为微型"
        );
        assert_eq!(
            Sector::Other.rule_zh(),
            "其他未列明行业:大型 从业人员≥300人;中型 从业人员≥100人;小型 从业人员≥10人;其余为微型"
        );
        assert!(
            Sector::LeasingAndBusinessServices
                .rule_zh()
                .contains("资产总额≥120000万元")
        );
    }

    #[test]
    fn reports_the_first_missing_figure_of_the_row() {
        let err = |c: &str, f: SizeFigures| classify(&code(c), &f).unwrap_err();
        assert_eq!(
            err("C3311", figures(None, None, None)),
            SizeError::MissingFigure("employees")
        );
        assert_eq!(
            err("C3311", figures(Some(5), None, Some(1))),
            SizeError::MissingFigure("revenue")
        );
        assert_eq!(
            err("E4710", figures(Some(5), Some(1), None)),
            SizeError::MissingFigure("total_assets")
        );
        assert_eq!(
            err("L7211", figures(None, Some(1), Some(1))),
            SizeError::MissingFigure("employees")
        );
        assert_eq!(
            SizeError::MissingFigure("total_assets").to_string(),
            "划型需要资产总额"
        );
        // Only the row's figures are needed.
        assert!(classify(&code("A0111"), &figures(None, Some(600), None)).is_ok());
        assert!(classify(&code("M7310"), &figures(Some(150), None, None)).is_ok());
        assert!(classify(&code("L7211"), &figures(Some(150), None, Some(9000))).is_ok());
    }

    #[test]
    fn document_notes_on_combined_rows() {
        let sector = |c: &str| sector_of(&code(c));
        // 工业 = B, C, D.
        for c in ["B", "B06", "C", "C13", "D44"] {
            assert_eq!(sector(c), Ok(Sector::Industry), "{c}");
        }
        // 装卸搬运 is transport, the rest of G59 is warehousing.
        assert_eq!(sector("G591"), Ok(Sector::Transport));
        assert_eq!(sector("G5910"), Ok(Sector::Transport));
        for c in ["G592", "G5941", "G5951", "G596", "G599"] {
            assert_eq!(sector(c), Ok(Sector::Warehousing), "{c}");
        }
        assert_eq!(sector("G58"), Ok(Sector::Transport));
        assert_eq!(sector("I63"), Ok(Sector::InformationTransmission));
        assert_eq!(sector("I64"), Ok(Sector::InformationTransmission));
        assert_eq!(sector("K7030"), Ok(Sector::Other));
        assert_eq!(sector("K709"), Ok(Sector::Other));
        assert_eq!(sector("Q85"), Ok(Sector::Other));
        for c in ["M", "N", "O", "R", "R90"] {
            assert_eq!(sector(c), Ok(Sector::Other), "{c}");
        }
        assert_eq!(sector("A05"), Ok(Sector::Agriculture));
        assert_eq!(sector("L"), Ok(Sector::LeasingAndBusinessServices));
    }

    #[test]
    fn industries_outside_the_document_are_classified_by_reference() {
        for c in [
            "J", "J66", "J6621", "P83", "P8341", "Q84", "Q8411", "S92", "T97", "T9700", "G53",
            "G5311", "K704", "K7040",
        ] {
            assert_eq!(sector_of(&code(c)), Ok(Sector::Other), "{c}");
            let c = classify(&code(c), &figures(Some(150), None, None)).unwrap();
            assert_eq!(c.size, SizeClass::Medium);
            assert!(c.by_reference);
            assert!(
                c.rule.starts_with("本办法未列明的行业参照其他未列明行业:"),
                "{}",
                c.rule
            );
        }
        // Industries the document lists are not by reference, 社会工作 Q85 among them.
        for c in ["Q8521", "K7030", "K7090", "M7310", "G5411", "C1952"] {
            let c = classify(&code(c), &figures(Some(150), Some(1), Some(1))).unwrap();
            assert!(!c.by_reference, "{c:?}");
        }
    }

    /// Every class of GB/T 4754-2017 (as amended in 2019) maps to a row of the 2017 table, so a
    /// size class is derived for every real code; only the industries the document does not list
    /// are by reference.
    #[test]
    fn every_class_of_the_standard_maps_to_a_row() {
        let classes: Vec<IndustryCode> = crate::industry::all()
            .iter()
            .filter(|n| n.level == crate::industry::IndustryLevel::Class)
            .map(|n| code(n.code))
            .collect();
        assert_eq!(classes.len(), 1381);
        let mut per_sector = std::collections::BTreeMap::new();
        for class in &classes {
            let sector = sector_of(class).unwrap_or_else(|e| panic!("{class}: {e}"));
            *per_sector.entry(sector).or_insert(0) += 1;
            let enough = SizeFigures {
                employees: Some(5000),
                revenue: Some(Money::from_yuan(5_000_000_000)),
                total_assets: Some(Money::from_yuan(5_000_000_000)),
            };
            assert_eq!(
                classify(class, &enough).unwrap().size,
                SizeClass::Large,
                "{class}"
            );
        }
        // Every row of the table, 其他未列明行业 included, is used by some class.
        assert_eq!(per_sector.len(), Sector::ALL.len(), "{per_sector:?}");
        let by_reference = classes.iter().filter(|c| is_by_reference(c)).count();
        let outside = |c: &&IndustryCode| {
            let s = c.as_str();
            ["G53", "J", "K704", "P", "Q84", "S", "T"]
                .iter()
                .any(|p| s.starts_with(p))
        };
        assert_eq!(by_reference, classes.iter().filter(outside).count());
        assert!(by_reference > 0 && by_reference < 200, "{by_reference}");
    }

    #[test]
    fn coarse_codes_spanning_rows_are_ambiguous() {
        for c in ["F", "G", "G59", "H", "I", "K", "K70"] {
            let err = sector_of(&code(c)).unwrap_err();
            assert!(matches!(err, SizeError::Ambiguous { .. }), "{c}: {err:?}");
        }
        let msg = sector_of(&code("G59")).unwrap_err().to_string();
        assert!(
            msg.contains("交通运输业") && msg.contains("仓储业"),
            "{msg}"
        );
    }

    #[test]
    fn size_class_names() {
        for class in SizeClass::ALL {
            assert_eq!(SizeClass::parse(class.as_str()), Some(class));
            assert_eq!(SizeClass::parse(class.label_zh()), Some(class));
        }
        assert_eq!(SizeClass::parse(" Micro "), Some(SizeClass::Micro));
        assert_eq!(SizeClass::parse("huge"), None);
        assert!(SizeClass::Micro.is_sme() && !SizeClass::Large.is_sme());
        assert_eq!(
            serde_json::to_string(&SizeClass::Medium).unwrap(),
            "\"medium\""
        );
    }

    #[test]
    fn negative_or_zero_figures_are_micro() {
        let f = SizeFigures {
            employees: Some(0),
            revenue: Some(Money::from_fen(-1)),
            total_assets: None,
        };
        assert_eq!(classify(&code("C3311"), &f).unwrap().size, SizeClass::Micro);
    }
}
