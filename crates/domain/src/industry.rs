//! Industry classification GB/T 4754-2017 《国民经济行业分类》.
//!
//! Policy conditions name industries at any level ("制造业 C", "金属制品业 C33") and enterprises
//! are registered at the finest level ("C3311"), so codes are hierarchical: a condition on "C"
//! matches every code below it. The table (`data/industry.csv`) is the whole standard as amended
//! by its No. 1 amendment (2019): 20 sections, 97 divisions, 473 groups and 1381 classes, with the
//! official names; its header comment names the source. It is compiled in and parsed once. The
//! codes are prefix-nested: a node's parent is its code minus the last digit (the section letter
//! for a division).
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::LazyLock;

/// A GB/T 4754-2017 code: a section letter alone ("C") or the section letter followed by a
/// 2-, 3- or 4-digit code ("C33", "C331", "C3311"), and known to the embedded table.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct IndustryCode(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IndustryError {
    #[error("行业代码格式不正确")]
    Malformed,
    #[error("行业代码 {0} 不在 GB/T 4754-2017 中")]
    Unknown(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IndustryLevel {
    Section,
    Division,
    Group,
    Class,
}

impl IndustryLevel {
    /// The standard's Chinese word for the level: 门类, 大类, 中类, 小类.
    pub fn label_zh(self) -> &'static str {
        match self {
            IndustryLevel::Section => "门类",
            IndustryLevel::Division => "大类",
            IndustryLevel::Group => "中类",
            IndustryLevel::Class => "小类",
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            IndustryLevel::Section => "section",
            IndustryLevel::Division => "division",
            IndustryLevel::Group => "group",
            IndustryLevel::Class => "class",
        }
    }

    /// The level a code's shape implies: letter, letter + 2, 3 or 4 digits.
    fn of_code(code: &str) -> Option<Self> {
        let mut chars = code.chars();
        let letter = chars.next()?;
        if !letter.is_ascii_uppercase() || !chars.clone().all(|c| c.is_ascii_digit()) {
            return None;
        }
        match chars.count() {
            0 => Some(IndustryLevel::Section),
            2 => Some(IndustryLevel::Division),
            3 => Some(IndustryLevel::Group),
            4 => Some(IndustryLevel::Class),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct IndustryNode {
    pub code: &'static str,
    pub name: &'static str,
    pub level: IndustryLevel,
}

/// Division number ranges of each section (GB/T 4754-2017), which let bare digits ("3311")
/// imply their section.
const SECTION_RANGES: [(char, u8, u8); 20] = [
    ('A', 1, 5),
    ('B', 6, 12),
    ('C', 13, 43),
    ('D', 44, 46),
    ('E', 47, 50),
    ('F', 51, 52),
    ('G', 53, 60),
    ('H', 61, 62),
    ('I', 63, 65),
    ('J', 66, 69),
    ('K', 70, 70),
    ('L', 71, 72),
    ('M', 73, 75),
    ('N', 76, 79),
    ('O', 80, 82),
    ('P', 83, 83),
    ('Q', 84, 85),
    ('R', 86, 90),
    ('S', 91, 96),
    ('T', 97, 97),
];

/// The section a two-digit division number belongs to.
fn section_of_division(division: u8) -> Option<char> {
    SECTION_RANGES
        .iter()
        .find(|(_, lo, hi)| (*lo..=*hi).contains(&division))
        .map(|(s, _, _)| *s)
}

const CSV: &str = include_str!("../data/industry.csv");

struct Table {
    nodes: Vec<IndustryNode>,
    index: HashMap<&'static str, usize>,
}

static TABLE: LazyLock<Table> = LazyLock::new(|| {
    // The CSV is checked line by line in the tests; a bad line can only drop that node.
    let mut nodes: Vec<IndustryNode> = parse_table(CSV)
        .into_iter()
        .filter_map(Result::ok)
        .collect();
    nodes.sort_by(|a, b| a.code.cmp(b.code));
    nodes.dedup_by(|a, b| a.code == b.code);
    let index = nodes.iter().enumerate().map(|(i, n)| (n.code, i)).collect();
    Table { nodes, index }
});

/// The header line of the table; the lines before it are `#` comments naming the source.
const HEADER: &str = "code,name,level";

/// Parses the "code,name,level" table, one result per data line (`#` comments, blank lines and
/// the header are skipped).
fn parse_table(text: &'static str) -> Vec<Result<IndustryNode, String>> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| {
            let line = line.trim();
            !line.is_empty() && !line.starts_with('#') && line != HEADER
        })
        .map(|(i, line)| {
            parse_row(line).ok_or_else(|| format!("industry.csv 第 {} 行无效:{line}", i + 1))
        })
        .collect()
}

fn parse_row(line: &'static str) -> Option<IndustryNode> {
    let mut fields = line.split(',').map(str::trim);
    let (code, name, level) = (fields.next()?, fields.next()?, fields.next()?);
    if fields.next().is_some() || name.is_empty() {
        return None;
    }
    let level_of_code = IndustryLevel::of_code(code)?;
    (level_of_code.as_str() == level).then_some(IndustryNode {
        code,
        name,
        level: level_of_code,
    })
}

fn lookup(code: &str) -> Option<&'static IndustryNode> {
    let table: &'static Table = &TABLE;
    table.index.get(code).map(|&i| &table.nodes[i])
}

/// Normalises user input to the table's form: upper-case letter, and the section letter added to
/// bare digits. `None` when the text cannot be an industry code at all.
fn normalise(s: &str) -> Option<String> {
    let s = s.trim();
    let first = s.chars().next()?;
    if first.is_ascii_alphabetic() {
        let code = format!("{}{}", first.to_ascii_uppercase(), &s[1..]);
        return IndustryLevel::of_code(&code).map(|_| code);
    }
    let digits_ok = (2..=4).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit());
    if !digits_ok {
        return None;
    }
    let division: u8 = s[..2].parse().ok()?;
    // Two digits that are no division ("98") are still well-formed: report them as unknown.
    let section = section_of_division(division).unwrap_or('?');
    Some(format!("{section}{s}"))
}

impl IndustryCode {
    /// Accepts "C3311" and also the bare digits "3311" (the section is implied by the division).
    /// Lower case ("c3311") and surrounding spaces are accepted too.
    pub fn parse(s: &str) -> Result<Self, IndustryError> {
        let code = normalise(s).ok_or(IndustryError::Malformed)?;
        match lookup(&code) {
            Some(node) => Ok(IndustryCode(node.code.to_owned())),
            None => Err(IndustryError::Unknown(
                code.trim_start_matches('?').to_owned(),
            )),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn section(&self) -> char {
        self.0.chars().next().unwrap_or('?')
    }

    /// The official name, e.g. "金属结构制造" for C3311.
    pub fn name(&self) -> &'static str {
        self.node().map_or("", |n| n.name)
    }

    pub fn level(&self) -> IndustryLevel {
        IndustryLevel::of_code(&self.0).unwrap_or(IndustryLevel::Section)
    }

    /// The table entry of this code.
    pub fn node(&self) -> Option<&'static IndustryNode> {
        lookup(&self.0)
    }

    pub fn parent(&self) -> Option<IndustryCode> {
        let parent_len = match self.level() {
            IndustryLevel::Section => return None,
            IndustryLevel::Division => 1,
            IndustryLevel::Group | IndustryLevel::Class => self.0.len() - 1,
        };
        Some(IndustryCode(self.0[..parent_len].to_owned()))
    }

    /// The chain from the section down to this code ("C", "C33", "C331", "C3311").
    pub fn path(&self) -> Vec<IndustryCode> {
        let mut chain = vec![self.clone()];
        while let Some(parent) = chain.last().and_then(IndustryCode::parent) {
            chain.push(parent);
        }
        chain.reverse();
        chain
    }

    /// True when `self` equals `ancestor` or lies below it ("C3311" is under "C", "C33", "C331").
    pub fn is_under(&self, ancestor: &IndustryCode) -> bool {
        // Codes nest by prefix: every descendant's code starts with its ancestor's code.
        self.0.starts_with(&ancestor.0)
    }
}

/// Every node of the embedded table, in code order.
pub fn all() -> &'static [IndustryNode] {
    &TABLE.nodes
}

/// The direct children of a node (or the sections, for `None`).
pub fn children(parent: Option<&IndustryCode>) -> Vec<&'static IndustryNode> {
    let Some(parent) = parent else {
        return all()
            .iter()
            .filter(|n| n.level == IndustryLevel::Section)
            .collect();
    };
    let child_len = if parent.0.len() == 1 {
        3
    } else {
        parent.0.len() + 1
    };
    all()
        .iter()
        .filter(|n| n.code.len() == child_len && n.code.starts_with(parent.as_str()))
        .collect()
}

/// The classes (小类) whose code starts with `text` or whose name contains it, codes first, at
/// most `limit`: what a picker offers as someone types 皮鞋 or C195.
pub fn search(text: &str, limit: usize) -> Vec<&'static IndustryNode> {
    let text = text.trim();
    if text.is_empty() {
        return Vec::new();
    }
    let upper = text.to_ascii_uppercase();
    let classes = || all().iter().filter(|n| n.level == IndustryLevel::Class);
    let by_code = classes().filter(|n| n.code.starts_with(&upper));
    let by_name = classes().filter(|n| !n.code.starts_with(&upper) && n.name.contains(text));
    by_code.chain(by_name).take(limit).collect()
}

impl std::fmt::Display for IndustryCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for IndustryCode {
    type Err = IndustryError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        IndustryCode::parse(s)
    }
}

impl TryFrom<String> for IndustryCode {
    type Error = IndustryError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        IndustryCode::parse(&s)
    }
}

impl From<IndustryCode> for String {
    fn from(c: IndustryCode) -> String {
        c.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn code(s: &str) -> IndustryCode {
        IndustryCode::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn every_csv_line_is_valid() {
        let errors: Vec<String> = parse_table(CSV)
            .into_iter()
            .filter_map(Result::err)
            .collect();
        assert!(errors.is_empty(), "{errors:#?}");
        let first_data_line = CSV.lines().find(|l| !l.starts_with('#'));
        assert_eq!(first_data_line, Some(HEADER));
        assert!(
            CSV.starts_with("# GB/T 4754-2017"),
            "the table names its source"
        );
    }

    #[test]
    fn a_picker_finds_classes_by_name_or_by_the_start_of_their_code() {
        let codes = |text: &str| -> Vec<&str> { search(text, 20).iter().map(|n| n.code).collect() };
        assert!(codes("皮鞋").contains(&"C1952"), "{:?}", codes("皮鞋"));
        assert!(codes("c195").iter().all(|c| c.starts_with("C195")));
        assert!(codes("c195").contains(&"C1952"));
        assert!(codes("石").contains(&"C3032"), "建筑用石加工");
        assert!(codes("制造").len() == 20, "at most the limit");
        assert!(codes("  ").is_empty());
        assert!(codes("不存在的行业").is_empty());
    }

    fn count(level: IndustryLevel) -> usize {
        all().iter().filter(|n| n.level == level).count()
    }

    /// GB/T 4754-2017 has 20 门类, 97 大类, 473 中类 and 1380 小类; its No. 1 amendment (2019)
    /// adds 7215 农村集体经济组织管理, giving 1381 小类.
    #[test]
    fn counts_per_level_match_the_amended_standard() {
        assert_eq!(count(IndustryLevel::Section), 20);
        assert_eq!(count(IndustryLevel::Division), 97);
        assert_eq!(count(IndustryLevel::Group), 473);
        assert_eq!(count(IndustryLevel::Class), 1381);
        assert_eq!(code("L7215").name(), "农村集体经济组织管理");
        assert_eq!(code("L7215").parent(), Some(code("L721")));
    }

    /// Every group has at least one class, and every division at least one group: the leaves of
    /// the tree are exactly the classes, so an enterprise can always be registered at class level.
    #[test]
    fn every_group_and_division_has_children() {
        for node in all() {
            if node.level != IndustryLevel::Class {
                assert!(
                    !children(Some(&code(node.code))).is_empty(),
                    "{}",
                    node.code
                );
            }
        }
    }

    /// A group that the standard does not subdivide has the single class "group + 0" of the same
    /// name (022 造林和更新 / 0220); a subdivided group never has a class ending in 0.
    #[test]
    fn undivided_groups_have_their_zero_class() {
        for group in all().iter().filter(|n| n.level == IndustryLevel::Group) {
            let classes = children(Some(&code(group.code)));
            let zero = classes.iter().find(|c| c.code.ends_with('0'));
            match zero {
                Some(zero) => {
                    assert_eq!(classes.len(), 1, "{}", group.code);
                    assert_eq!(zero.name, group.name, "{}", group.code);
                }
                None => assert!(!classes.is_empty(), "{}", group.code),
            }
        }
        assert_eq!(code("A0220").name(), "造林和更新");
    }

    /// Real class codes from an enterprise register (issue #15), Quanzhou's core industries among
    /// them; each parses with its official name.
    #[test]
    fn real_register_codes_parse() {
        let cases = [
            ("C1952", "皮鞋制造"),
            ("C3032", "建筑用石加工"),
            ("F5191", "再生物资回收与批发"),
            ("F5132", "服装批发"),
            ("H6220", "快餐服务"),
            ("D4411", "火力发电"),
            ("G5411", "公共电汽车客运"),
            ("Q8411", "综合医院"),
            ("C1711", "棉纺纱加工"),
            ("C1819", "其他机织服装制造"),
            ("C3099", "其他非金属矿物制品制造"),
            ("B1012", "建筑装饰用石开采"),
            ("F5292", "互联网零售"),
            ("O8010", "家庭服务"),
            ("S9620", "村民自治组织"),
            ("T9700", "国际组织"),
        ];
        for (c, name) in cases {
            let parsed = code(c);
            assert_eq!(parsed.level(), IndustryLevel::Class, "{c}");
            assert_eq!(parsed.name(), name, "{c}");
        }
        // Names that changed between editions are the 2017 ones.
        assert_eq!(code("C203").name(), "木质制品制造");
        assert_eq!(code("C395").name(), "非专业视听设备制造");
        assert_eq!(code("M746").name(), "环境与生态监测检测服务");
    }

    #[test]
    fn csv_is_sorted_without_duplicates() {
        let codes: Vec<&str> = parse_table(CSV)
            .into_iter()
            .map(|r| r.unwrap().code)
            .collect();
        let mut sorted = codes.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(codes, sorted);
        assert_eq!(all().len(), codes.len());
    }

    #[test]
    fn every_node_has_its_parent() {
        for node in all() {
            let c = code(node.code);
            assert_eq!(c.level(), node.level);
            if let Some(parent) = c.parent() {
                assert!(
                    lookup(parent.as_str()).is_some(),
                    "{} has no parent {}",
                    node.code,
                    parent
                );
            } else {
                assert_eq!(node.level, IndustryLevel::Section);
            }
        }
    }

    #[test]
    fn has_all_20_sections_and_97_divisions() {
        let sections: String = children(None).iter().map(|n| n.code).collect();
        assert_eq!(sections, "ABCDEFGHIJKLMNOPQRST");
        let divisions: Vec<&IndustryNode> = all()
            .iter()
            .filter(|n| n.level == IndustryLevel::Division)
            .collect();
        assert_eq!(divisions.len(), 97);
        // Divisions are numbered 01–97 without gaps.
        for (i, d) in divisions.iter().enumerate() {
            assert_eq!(d.code[1..].parse::<usize>().unwrap(), i + 1, "{}", d.code);
        }
    }

    #[test]
    fn sections_cover_their_official_division_ranges() {
        let expected = [
            ("A", 1, 5),
            ("B", 6, 12),
            ("C", 13, 43),
            ("D", 44, 46),
            ("E", 47, 50),
            ("F", 51, 52),
            ("G", 53, 60),
            ("H", 61, 62),
            ("I", 63, 65),
            ("J", 66, 69),
            ("K", 70, 70),
            ("L", 71, 72),
            ("M", 73, 75),
            ("N", 76, 79),
            ("O", 80, 82),
            ("P", 83, 83),
            ("Q", 84, 85),
            ("R", 86, 90),
            ("S", 91, 96),
            ("T", 97, 97),
        ];
        for (section, lo, hi) in expected {
            let numbers: Vec<u32> = children(Some(&code(section)))
                .iter()
                .map(|n| n.code[1..].parse().unwrap())
                .collect();
            assert_eq!(numbers, (lo..=hi).collect::<Vec<_>>(), "section {section}");
        }
    }

    #[test]
    fn official_names() {
        let cases = [
            ("A", "农、林、牧、渔业"),
            ("C", "制造业"),
            ("D", "电力、热力、燃气及水生产和供应业"),
            ("I", "信息传输、软件和信息技术服务业"),
            ("S", "公共管理、社会保障和社会组织"),
            ("C13", "农副食品加工业"),
            ("C33", "金属制品业"),
            ("C37", "铁路、船舶、航空航天和其他运输设备制造业"),
            ("G59", "装卸搬运和仓储业"),
            ("I65", "软件和信息技术服务业"),
            ("C3311", "金属结构制造"),
            ("C3670", "汽车零部件及配件制造"),
            ("G5990", "其他仓储业"),
            ("I6520", "集成电路设计"),
            ("M7513", "新材料技术推广服务"),
            ("A0511", "种子种苗培育活动"),
        ];
        for (c, name) in cases {
            assert_eq!(code(c).name(), name, "{c}");
        }
    }

    #[test]
    fn demo_data_codes_are_known() {
        let codes = "C331 C3311 C34 C342 C3421 C38 C381 C3811 C39 C391 C3911 C392 C3921 C397 C3971 \
            C17 C171 C1711 C18 C181 C1811 C19 C195 C1951 C26 C265 C2651 C29 C292 C2927 C35 C351 \
            C3511 C36 C367 C3670 C27 C272 C2720 F51 F511 F52 F521 F5211 G54 G543 G59 G599 G5990 \
            H61 H611 H6110 H62 H621 H6210 I64 I641 I6410 I65 I651 I652 I6520 K70 K701 K7010 K702 \
            K7020 L72 L721 L7211 M73 M731 M7310 M75 M751 M7513 E47 E471 E4710 A01 A011 A0111 A05 \
            A051 A0511";
        for c in codes.split_whitespace() {
            assert_eq!(code(c).as_str(), c);
        }
    }

    /// GB/T 4754-2011 had the classes 5430 道路货物运输 and 6510 软件开发; the 2017 edition split
    /// them (5431–5439, 6511–6519), so the old codes must not be accepted as 2017 codes.
    #[test]
    fn classes_dropped_in_2017_are_unknown() {
        for c in ["G5430", "I6510"] {
            assert_eq!(
                IndustryCode::parse(c),
                Err(IndustryError::Unknown(c.to_owned()))
            );
        }
        assert_eq!(code("G543").name(), "道路货物运输");
        assert_eq!(children(Some(&code("I651"))).len(), 4);
    }

    #[test]
    fn parses_lowercase_and_bare_digits() {
        assert_eq!(code("c3311").as_str(), "C3311");
        assert_eq!(code(" 3311 ").as_str(), "C3311");
        assert_eq!(code("33").as_str(), "C33");
        assert_eq!(code("331").as_str(), "C331");
        assert_eq!(code("0111").as_str(), "A0111");
        assert_eq!(code("6520").as_str(), "I6520");
        assert_eq!(code("k").as_str(), "K");
    }

    #[test]
    fn rejects_malformed_and_unknown() {
        for s in [
            "", " ", "3", "33111", "C3", "C33111", "CC33", "3C", "C-33", "中33", "C３３",
        ] {
            assert_eq!(
                IndustryCode::parse(s),
                Err(IndustryError::Malformed),
                "{s:?}"
            );
        }
        assert_eq!(
            IndustryCode::parse("C9999"),
            Err(IndustryError::Unknown("C9999".into()))
        );
        assert_eq!(
            IndustryCode::parse("A33"),
            Err(IndustryError::Unknown("A33".into()))
        );
        assert_eq!(
            IndustryCode::parse("98"),
            Err(IndustryError::Unknown("98".into()))
        );
        assert_eq!(
            IndustryCode::parse("U"),
            Err(IndustryError::Unknown("U".into()))
        );
    }

    #[test]
    fn hierarchy() {
        let c3311 = code("C3311");
        assert_eq!(c3311.section(), 'C');
        assert_eq!(c3311.level(), IndustryLevel::Class);
        assert_eq!(c3311.parent(), Some(code("C331")));
        assert_eq!(code("C331").parent(), Some(code("C33")));
        assert_eq!(code("C33").parent(), Some(code("C")));
        assert_eq!(code("C").parent(), None);
        let path: Vec<String> = c3311.path().into_iter().map(String::from).collect();
        assert_eq!(path, ["C", "C33", "C331", "C3311"]);
        for ancestor in ["C", "C33", "C331", "C3311"] {
            assert!(c3311.is_under(&code(ancestor)), "{ancestor}");
        }
        assert!(!c3311.is_under(&code("C34")));
        assert!(!c3311.is_under(&code("B")));
        assert!(!code("C33").is_under(&code("C3311")));
        assert_eq!(IndustryLevel::Group.label_zh(), "中类");
    }

    #[test]
    fn children_by_level() {
        let names: Vec<&str> = children(Some(&code("C39")))
            .iter()
            .map(|n| n.code)
            .collect();
        assert_eq!(
            names,
            [
                "C391", "C392", "C393", "C394", "C395", "C396", "C397", "C398", "C399"
            ]
        );
        let names: Vec<&str> = children(Some(&code("K"))).iter().map(|n| n.code).collect();
        assert_eq!(names, ["K70"]);
        assert!(children(Some(&code("C3311"))).is_empty());
    }

    #[test]
    fn serde_validates() {
        let c: IndustryCode = serde_json::from_str("\"c33\"").unwrap();
        assert_eq!(serde_json::to_string(&c).unwrap(), "\"C33\"");
        assert!(serde_json::from_str::<IndustryCode>("\"Z99\"").is_err());
    }

    proptest! {
        #[test]
        fn every_node_is_under_each_of_its_ancestors(i in 0usize..2000) {
            let nodes = all();
            let c = code(nodes[i % nodes.len()].code);
            for ancestor in c.path() {
                prop_assert!(c.is_under(&ancestor));
            }
        }

        #[test]
        fn parse_never_panics(s in "\\PC{0,8}") {
            let _ = IndustryCode::parse(&s);
        }
    }
}
