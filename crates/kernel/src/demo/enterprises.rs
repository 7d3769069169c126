//! Generated enterprises with plausible, varied profiles. Deterministic for a seed, so the demo
//! district and benchmark datasets are reproducible.

use chrono::NaiveDate;
use qinqing_domain::contact::PhoneNumber;
use qinqing_domain::credit_code::check_char;
use qinqing_domain::enterprise::{
    CreditStatus, EnterpriseIdentity, Ownership, Qualification, YearFigures,
};
use qinqing_domain::industry::{self, IndustryLevel, IndustryNode};
use qinqing_domain::{CreditCode, DivisionCode, IndustryCode, Money};
use qinqing_exchange::EnterpriseRecord;

/// SplitMix64: small, fast, and good enough to vary demo data; not for anything secret.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// True with probability `percent` / 100.
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

const PLACES: [&str; 10] = [
    "泉州",
    "台商",
    "惠安",
    "闽南",
    "海西",
    "洛阳江",
    "东园",
    "张坂",
    "百崎",
    "湄洲湾",
];
const CHARSET: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const SURNAMES: [&str; 12] = [
    "陈", "林", "黄", "张", "李", "王", "吴", "刘", "蔡", "杨", "郑", "许",
];
const GIVEN: [&str; 12] = [
    "建国", "志强", "丽娟", "伟", "芳", "明辉", "晓东", "秀英", "俊杰", "雅婷", "国平", "海燕",
];

/// An industry, the words its firms are named with, and the scale of its revenue (万元 median).
struct Sector {
    code: &'static str,
    words: &'static [&'static str],
    revenue_wan: u64,
    staff: u64,
}

const SECTORS: [Sector; 16] = [
    Sector {
        code: "C3311",
        words: &["金属结构", "钢构"],
        revenue_wan: 8_000,
        staff: 180,
    },
    Sector {
        code: "C3421",
        words: &["精密机床", "数控装备"],
        revenue_wan: 12_000,
        staff: 220,
    },
    Sector {
        code: "C3811",
        words: &["电机", "动力科技"],
        revenue_wan: 15_000,
        staff: 260,
    },
    Sector {
        code: "C3911",
        words: &["智能计算", "电子信息"],
        revenue_wan: 20_000,
        staff: 300,
    },
    Sector {
        code: "C3971",
        words: &["光电", "半导体"],
        revenue_wan: 25_000,
        staff: 280,
    },
    Sector {
        code: "C1711",
        words: &["纺织", "棉纺"],
        revenue_wan: 6_000,
        staff: 350,
    },
    Sector {
        code: "C1811",
        words: &["服装", "服饰"],
        revenue_wan: 5_000,
        staff: 400,
    },
    Sector {
        code: "C1951",
        words: &["鞋业", "运动鞋材"],
        revenue_wan: 9_000,
        staff: 500,
    },
    Sector {
        code: "C2651",
        words: &["新材料", "合成材料"],
        revenue_wan: 30_000,
        staff: 200,
    },
    Sector {
        code: "C2927",
        words: &["塑胶", "日用塑料"],
        revenue_wan: 4_000,
        staff: 120,
    },
    Sector {
        code: "F5211",
        words: &["商贸", "百货"],
        revenue_wan: 3_000,
        staff: 60,
    },
    Sector {
        code: "G5431",
        words: &["物流", "供应链"],
        revenue_wan: 5_000,
        staff: 90,
    },
    Sector {
        code: "I6513",
        words: &["软件", "信息技术"],
        revenue_wan: 2_000,
        staff: 70,
    },
    Sector {
        code: "M7310",
        words: &["研究院", "检测技术"],
        revenue_wan: 1_500,
        staff: 40,
    },
    Sector {
        code: "E4710",
        words: &["建设工程", "建筑"],
        revenue_wan: 10_000,
        staff: 150,
    },
    Sector {
        code: "K7010",
        words: &["置业", "房地产开发"],
        revenue_wan: 20_000,
        staff: 50,
    },
];

const BRANDS: [&str; 30] = [
    "恒信", "鸿达", "永盛", "嘉禾", "正通", "宏泰", "晋源", "华美", "联发", "瑞丰", "天成", "兴业",
    "盛世", "安泰", "金鼎", "同创", "福鑫", "海峡", "东方", "聚力", "博远", "中科", "利民", "凯越",
    "新阳", "长青", "远航", "德润", "华辰", "信和",
];
const SUFFIXES: [&str; 3] = ["有限公司", "股份有限公司", "科技有限公司"];
const OWNERSHIPS: [Ownership; 8] = [
    Ownership::Private,
    Ownership::Private,
    Ownership::Private,
    Ownership::HkMacaoTaiwan,
    Ownership::HkMacaoTaiwan,
    Ownership::Foreign,
    Ownership::StateOwned,
    Ownership::Mixed,
];
pub const FIRST_YEAR: i32 = 2023;
pub const LAST_YEAR: i32 = 2025;

/// Where the generated enterprises' industries come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Industries {
    /// The 16 profiled sectors of the demo district, whose names and figures the demo's policies
    /// and scenarios are written against.
    Profiled,
    /// Every class of GB/T 4754-2017: enterprise `i` is in section `i mod 20` (so any 20 or more
    /// enterprises cover all sections), at a class of that section drawn from the seed.
    WholeStandard,
}

/// `count` enterprises of the demo district's profiled sectors, placed in `regions`, each with
/// one record per year 2023–2025. Returns nothing when `regions` is empty.
pub fn generate_enterprises(
    count: usize,
    seed: u64,
    regions: &[DivisionCode],
) -> Vec<EnterpriseRecord> {
    generate(count, seed, regions, Industries::Profiled)
}

/// Like [`generate_enterprises`], but with real class codes from every section of GB/T 4754-2017,
/// as a district's register has: the dataset of `qinqing demo enterprises` and of the import
/// benchmark. Deterministic for a seed.
pub fn generate_register(
    count: usize,
    seed: u64,
    regions: &[DivisionCode],
) -> Vec<EnterpriseRecord> {
    generate(count, seed, regions, Industries::WholeStandard)
}

/// The classes of the standard, grouped by section in code order.
fn classes_by_section() -> Vec<Vec<&'static IndustryNode>> {
    let mut sections: Vec<Vec<&'static IndustryNode>> = Vec::new();
    for node in industry::all()
        .iter()
        .filter(|n| n.level == IndustryLevel::Class)
    {
        match sections.last_mut() {
            Some(last) if last[0].code[..1] == node.code[..1] => last.push(node),
            _ => sections.push(vec![node]),
        }
    }
    sections
}

fn generate(
    count: usize,
    seed: u64,
    regions: &[DivisionCode],
    industries: Industries,
) -> Vec<EnterpriseRecord> {
    if regions.is_empty() {
        return Vec::new();
    }
    let mut rng = Rng(seed);
    let sections = match industries {
        Industries::Profiled => Vec::new(),
        Industries::WholeStandard => classes_by_section(),
    };
    let mut records = Vec::with_capacity(count * 3);
    for index in 0..count {
        let (mut identity, sector) = identity(&mut rng, index, regions);
        if let Some(classes) = sections.get(index % sections.len().max(1)) {
            let class = rng.pick(classes);
            identity.industry_code = register_code(class);
            identity.name = register_name(index, class, &mut rng);
        }
        let phone = phone(&mut rng);
        let qualifications = qualifications(&mut rng);
        for (year, figures) in figures(&mut rng, sector) {
            records.push(EnterpriseRecord {
                identity: identity.clone(),
                contact_phone: Some(phone.clone()),
                figures: YearFigures { year, ..figures },
                qualifications: qualifications.clone(),
            });
        }
    }
    records
}

#[allow(clippy::expect_used, reason = "the table's own codes parse")]
fn register_code(class: &IndustryNode) -> IndustryCode {
    IndustryCode::parse(class.code).expect("a code of the table parses")
}

/// "泉州恒信皮鞋制造有限公司": the class name stands for the trade words.
fn register_name(index: usize, class: &IndustryNode, rng: &mut Rng) -> String {
    let trade = class
        .name
        .trim_start_matches("其他未列明")
        .trim_start_matches("其他");
    let suffix = *rng.pick(&SUFFIXES);
    unique_name(index, trade, suffix)
}

/// Place and brand follow the index, so the first PLACES × BRANDS names are unique, and a branch
/// number keeps later ones apart.
fn unique_name(index: usize, trade: &str, suffix: &str) -> String {
    let place = PLACES[index % PLACES.len()];
    let brand = BRANDS[(index / PLACES.len()) % BRANDS.len()];
    let branch = index / (PLACES.len() * BRANDS.len());
    let branch = if branch == 0 {
        String::new()
    } else {
        format!("第{branch}")
    };
    format!("{place}{brand}{trade}{branch}{suffix}")
}

#[allow(clippy::expect_used, reason = "the generator makes only valid values")]
fn identity(
    rng: &mut Rng,
    index: usize,
    regions: &[DivisionCode],
) -> (EnterpriseIdentity, &'static Sector) {
    let sector = rng.pick(&SECTORS);
    let (words, suffix) = (*rng.pick(sector.words), *rng.pick(&SUFFIXES));
    let name = unique_name(index, words, suffix);
    let identity = EnterpriseIdentity {
        credit_code: credit_code(rng, index),
        name,
        legal_representative: Some(format!("{}{}", rng.pick(&SURNAMES), rng.pick(&GIVEN))),
        industry_code: IndustryCode::parse(sector.code)
            .expect("demo sectors use codes of the table"),
        region_code: rng.pick(regions).clone(),
        ownership: *rng.pick(&OWNERSHIPS),
        established_on: NaiveDate::from_ymd_opt(
            1995 + rng.below(29) as i32,
            1 + rng.below(12) as u32,
            1 + rng.below(28) as u32,
        ),
        credit_status: match rng.below(100) {
            0..=2 => CreditStatus::Bad,
            3..=9 => CreditStatus::Watch,
            _ => CreditStatus::Good,
        },
    };
    (identity, sector)
}

/// A valid code of a company registered with 市场监管 (9 → 1) in 惠安: two random characters,
/// then the index in base 31, so codes are unique for any count below 31^7.
#[allow(clippy::expect_used, reason = "the generator makes only valid values")]
fn credit_code(rng: &mut Rng, index: usize) -> CreditCode {
    let mut body = String::from("91350521");
    for _ in 0..2 {
        body.push(CHARSET[rng.below(CHARSET.len() as u64) as usize] as char);
    }
    let mut serial = [b'0'; 7];
    let mut n = index;
    for digit in serial.iter_mut().rev() {
        *digit = CHARSET[n % CHARSET.len()];
        n /= CHARSET.len();
    }
    body.extend(serial.iter().map(|&b| b as char));
    if let Some(check) = check_char(&body) {
        body.push(check);
    }
    CreditCode::parse(&body)
        .expect("a body of charset characters with its check character is valid")
}

#[allow(clippy::expect_used, reason = "the generator makes only valid values")]
fn phone(rng: &mut Rng) -> PhoneNumber {
    let number = format!("13{}{:08}", 5 + rng.below(5), rng.below(100_000_000));
    PhoneNumber::parse(&number).expect("13x and eight digits is a mobile number")
}

fn qualifications(rng: &mut Rng) -> Vec<Qualification> {
    let mut tags = Vec::new();
    let tag = |name: &str, year: i32, rng: &mut Rng| Qualification {
        name: name.to_string(),
        recognised_on: NaiveDate::from_ymd_opt(
            year,
            1 + rng.below(12) as u32,
            1 + rng.below(28) as u32,
        ),
        expires_on: None,
    };
    if rng.chance(25) {
        let year = 2019 + rng.below(7) as i32;
        tags.push(tag("国家高新技术企业", year, rng));
    }
    if rng.chance(12) {
        let year = 2021 + rng.below(5) as i32;
        tags.push(tag("省级专精特新中小企业", year, rng));
    }
    if rng.chance(4) {
        let year = 2022 + rng.below(4) as i32;
        tags.push(tag("国家级专精特新“小巨人”企业", year, rng));
    }
    if rng.chance(10) {
        tags.push(tag("科技型中小企业", 2024 + rng.below(2) as i32, rng));
    }
    tags
}

/// Three years of figures that grow (or shrink) plausibly around the sector's scale.
fn figures(rng: &mut Rng, sector: &Sector) -> Vec<(i32, YearFigures)> {
    // Scale spans roughly 0.05× to 8× the sector median, so every size class occurs.
    let scale_permille =
        [50, 120, 300, 600, 1000, 1500, 3000, 8000][rng.below(8) as usize] + rng.below(200);
    let mut revenue_wan = sector.revenue_wan * scale_permille / 1000;
    let mut staff = (sector.staff * scale_permille / 1000).max(3);
    let mut out = Vec::new();
    for year in FIRST_YEAR..=LAST_YEAR {
        let growth = 85 + rng.below(40); // -15 % .. +25 %
        revenue_wan = (revenue_wan * growth / 100).max(20);
        staff = (staff * (95 + rng.below(15)) / 100).max(3);
        let yuan = |wan: u64, rng: &mut Rng| {
            Money::from_fen((wan * 10_000 * 100 + rng.below(1_000_000)) as i64)
        };
        let revenue = yuan(revenue_wan, rng);
        let missing_rd = rng.chance(8);
        out.push((
            year,
            YearFigures {
                year,
                revenue: Some(revenue),
                tax_paid: Some(yuan(revenue_wan * (3 + rng.below(5)) / 100, rng)),
                employees: Some(staff),
                total_assets: Some(yuan(revenue_wan * (60 + rng.below(120)) / 100, rng)),
                rd_expense: (!missing_rd).then(|| yuan(revenue_wan * rng.below(7) / 100, rng)),
                fixed_asset_investment: Some(yuan(revenue_wan * rng.below(20) / 100, rng)),
                equipment_investment: Some(yuan(revenue_wan * rng.below(12) / 100, rng)),
            },
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn regions() -> Vec<DivisionCode> {
        vec![
            DivisionCode::parse("350521101201").unwrap(),
            DivisionCode::parse("350521102").unwrap(),
        ]
    }

    #[test]
    fn generation_is_deterministic_for_a_seed() {
        assert_eq!(
            generate_enterprises(20, 7, &regions()),
            generate_enterprises(20, 7, &regions())
        );
        assert_ne!(
            generate_enterprises(20, 7, &regions()),
            generate_enterprises(20, 8, &regions())
        );
    }

    #[test]
    fn every_enterprise_is_unique_and_has_three_years() {
        let records = generate_enterprises(300, 1, &regions());
        assert_eq!(records.len(), 900);
        let codes: HashSet<_> = records
            .iter()
            .map(|r| r.identity.credit_code.clone())
            .collect();
        let names: HashSet<_> = records.iter().map(|r| r.identity.name.clone()).collect();
        assert_eq!(codes.len(), 300);
        assert_eq!(names.len(), 300);
        assert!(
            records
                .iter()
                .all(|r| regions().contains(&r.identity.region_code))
        );
    }

    /// The register dataset has real class codes from all 20 sections, each a class of the
    /// standard with a derivable size class, and stays reproducible for a seed.
    #[test]
    fn the_register_covers_every_section_with_real_classes() {
        let records = generate_register(40, 3, &regions());
        assert_eq!(records, generate_register(40, 3, &regions()));
        assert_ne!(records, generate_register(40, 4, &regions()));
        let sections: HashSet<char> = records
            .iter()
            .map(|r| r.identity.industry_code.section())
            .collect();
        assert_eq!(sections.len(), 20, "{sections:?}");
        for r in &records {
            let code = &r.identity.industry_code;
            assert_eq!(code.level(), IndustryLevel::Class, "{code}");
            assert!(r.figures.size_class(code).is_some(), "{code}");
        }
        let names: HashSet<_> = records.iter().map(|r| r.identity.name.clone()).collect();
        assert_eq!(names.len(), 40);
        assert!(
            records[0].identity.name.contains(
                records[0]
                    .identity
                    .industry_code
                    .name()
                    .trim_start_matches("其他")
            )
        );
    }

    /// The demo district's enterprises keep their profiled sectors.
    #[test]
    fn the_demo_keeps_its_profiled_sectors() {
        let records = generate_enterprises(100, 1, &regions());
        assert!(records.iter().all(|r| {
            SECTORS
                .iter()
                .any(|s| s.code == r.identity.industry_code.as_str())
        }));
    }

    #[test]
    fn the_demo_has_every_size_class() {
        let records = generate_enterprises(300, 1, &regions());
        let sizes: HashSet<_> = records
            .iter()
            .filter_map(|r| r.figures.size_class(&r.identity.industry_code))
            .map(|c| c.size)
            .collect();
        assert_eq!(sizes.len(), 4, "{sizes:?}");
    }
}
