//! Administrative divisions (GB/T 2260 six-digit codes, extended by the statistics division codes
//! to 9 digits for towns/乡镇街道 and 12 digits for villages/村居).
//!
//! Staff accounts are scoped to a district, town or village (三级), and policies are restricted to
//! regions, so "is this village inside that district" must be answerable from the codes alone.
//! Each platform imports the part of the tree it needs (a district and its towns and villages,
//! plus development zones as their own nodes) from a "code,name" file, or from the statistics
//! bureau's published list for a whole province (统计用区划代码和城乡划分代码, 国家统计局): codes
//! padded to 12 digits ("350521000000" is the county 350521, "350521100000" the town 350521100),
//! a name, and for villages the 城乡分类代码 of 《统计上划分城乡的规定》(国函〔2008〕60号).
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// An administrative division code: 6 digits (GB/T 2260: province/city/county), 9 digits (town,
/// 乡镇街道) or 12 digits (village, 村/社区), as in the statistics division codes.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DivisionCode(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DivisionLevel {
    Province,
    City,
    County,
    Town,
    Village,
}

impl DivisionLevel {
    pub fn label_zh(self) -> &'static str {
        match self {
            DivisionLevel::Province => "省级",
            DivisionLevel::City => "地级",
            DivisionLevel::County => "县级",
            DivisionLevel::Town => "乡级",
            DivisionLevel::Village => "村级",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DivisionError {
    #[error("行政区划代码应为 6、9 或 12 位数字")]
    Malformed,
    #[error("行政区划代码的省级部分(前 2 位)不能为 00")]
    ZeroProvince,
    #[error("行政区划代码的乡镇或村部分不能全为 0")]
    ZeroSegment,
}

/// 城乡分类代码 of a village-level division, per 《统计上划分城乡的规定》(国函〔2008〕60号), as the
/// statistics bureau's division list gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UrbanRural {
    /// 111 主城区
    MainUrban,
    /// 112 城乡结合区
    UrbanFringe,
    /// 121 镇中心区
    TownCentre,
    /// 122 镇乡结合区
    TownFringe,
    /// 123 特殊区域
    Special,
    /// 210 乡中心区
    TownshipCentre,
    /// 220 村庄
    Village,
}

impl UrbanRural {
    pub const ALL: [UrbanRural; 7] = [
        UrbanRural::MainUrban,
        UrbanRural::UrbanFringe,
        UrbanRural::TownCentre,
        UrbanRural::TownFringe,
        UrbanRural::Special,
        UrbanRural::TownshipCentre,
        UrbanRural::Village,
    ];

    /// The three-digit code, e.g. "220".
    pub fn code(self) -> &'static str {
        match self {
            UrbanRural::MainUrban => "111",
            UrbanRural::UrbanFringe => "112",
            UrbanRural::TownCentre => "121",
            UrbanRural::TownFringe => "122",
            UrbanRural::Special => "123",
            UrbanRural::TownshipCentre => "210",
            UrbanRural::Village => "220",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            UrbanRural::MainUrban => "主城区",
            UrbanRural::UrbanFringe => "城乡结合区",
            UrbanRural::TownCentre => "镇中心区",
            UrbanRural::TownFringe => "镇乡结合区",
            UrbanRural::Special => "特殊区域",
            UrbanRural::TownshipCentre => "乡中心区",
            UrbanRural::Village => "村庄",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        UrbanRural::ALL.into_iter().find(|u| u.code() == s)
    }
}

impl DivisionCode {
    /// Accepts 6, 9 or 12 ASCII digits (surrounding spaces ignored). The province part and the
    /// town/village serial numbers may not be all zeros, since such codes name nothing.
    pub fn parse(s: &str) -> Result<Self, DivisionError> {
        let s = s.trim();
        if !matches!(s.len(), 6 | 9 | 12) || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(DivisionError::Malformed);
        }
        if s.starts_with("00") {
            return Err(DivisionError::ZeroProvince);
        }
        let zero_town = s.len() >= 9 && &s[6..9] == "000";
        let zero_village = s.len() == 12 && &s[9..12] == "000";
        if zero_town || zero_village {
            return Err(DivisionError::ZeroSegment);
        }
        Ok(DivisionCode(s.to_owned()))
    }

    /// Accepts a code as the statistics bureau's list writes it, besides the forms of
    /// [`DivisionCode::parse`]: 12 digits padded with zeros ("350521000000" → "350521",
    /// "350521100000" → "350521100", "350000000000" → "350000"), and the short province ("35")
    /// and city ("3505") codes of some copies of that list.
    pub fn from_statistics(s: &str) -> Result<Self, DivisionError> {
        let s = s.trim();
        if !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(DivisionError::Malformed);
        }
        let code = match s.len() {
            2 => format!("{s}0000"),
            4 => format!("{s}00"),
            12 if s.ends_with("000000") => s[..6].to_owned(),
            12 if s.ends_with("000") => s[..9].to_owned(),
            _ => s.to_owned(),
        };
        DivisionCode::parse(&code)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Province "350000", city "350500", county "350521", town 9 digits, village 12 digits.
    pub fn level(&self) -> DivisionLevel {
        match self.0.len() {
            12 => DivisionLevel::Village,
            9 => DivisionLevel::Town,
            _ if self.0.ends_with("0000") => DivisionLevel::Province,
            _ if self.0.ends_with("00") => DivisionLevel::City,
            _ => DivisionLevel::County,
        }
    }

    /// Village → town (first 9 digits), town → county (first 6), county → "xxxx00",
    /// city → "xx0000", province → none.
    pub fn parent(&self) -> Option<DivisionCode> {
        let code = &self.0;
        let parent = match self.level() {
            DivisionLevel::Province => return None,
            DivisionLevel::City => format!("{}0000", &code[..2]),
            DivisionLevel::County => format!("{}00", &code[..4]),
            DivisionLevel::Town => code[..6].to_owned(),
            DivisionLevel::Village => code[..9].to_owned(),
        };
        Some(DivisionCode(parent))
    }

    /// The codes above this one, nearest first.
    pub fn ancestors(&self) -> impl Iterator<Item = DivisionCode> {
        std::iter::successors(self.parent(), DivisionCode::parent)
    }

    /// True when equal or below: "350521101203" is under "350521101" and "350521" and "350500".
    pub fn is_under(&self, ancestor: &DivisionCode) -> bool {
        self == ancestor || self.ancestors().any(|a| &a == ancestor)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Division {
    pub code: DivisionCode,
    pub name: String,
    /// 城乡分类代码, given for villages in the statistics bureau's list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub urban_rural: Option<UrbanRural>,
}

/// One problem in an imported division file, by 1-based line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DivisionRowError {
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for DivisionRowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "第 {} 行:{}", self.line, self.message)
    }
}

/// A tree of divisions whose every node's parent is in the tree (except the roots).
///
/// A root is a node none of whose ancestors is in the tree, so a district platform can import
/// "350521 惠安县" and everything below it without the province and city above.
#[derive(Debug, Clone, Default)]
pub struct DivisionTree {
    nodes: BTreeMap<DivisionCode, Division>,
}

/// A parsed line: its number and the division on it.
type Row = (usize, Division);

impl DivisionTree {
    /// Parses "code,name[,城乡分类代码]" lines (optional header, e.g. "code,name" or the bureau's
    /// "统计用区划代码,名称,城乡分类代码" in any column order), rejecting malformed codes,
    /// duplicates and orphans (a node whose parent code is absent but is not a root of the file).
    /// Codes may be written as in the statistics bureau's list (see
    /// [`DivisionCode::from_statistics`]). Every bad line is reported; a file with any bad line
    /// yields no tree.
    ///
    /// Blank lines are skipped; a leading UTF-8 BOM (Excel's CSV export) is ignored; a field may be
    /// wrapped in double quotes.
    pub fn from_csv(text: &str) -> Result<Self, Vec<DivisionRowError>> {
        let mut errors = Vec::new();
        let mut rows: Vec<Row> = Vec::new();
        let mut first_line: HashMap<DivisionCode, usize> = HashMap::new();
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut columns = Columns::default();
        for (i, line) in text.lines().enumerate() {
            let line_no = i + 1;
            if line.trim().is_empty() {
                continue;
            }
            if line_no == 1
                && let Some(header) = Columns::of_header(line)
            {
                columns = header;
                continue;
            }
            match parse_line(line, &columns) {
                Err(message) => errors.push(DivisionRowError {
                    line: line_no,
                    message,
                }),
                Ok(division) => match first_line.get(&division.code) {
                    Some(&earlier) => errors.push(DivisionRowError {
                        line: line_no,
                        message: format!("代码 {} 重复(第 {earlier} 行已有)", division.code),
                    }),
                    None => {
                        first_line.insert(division.code.clone(), line_no);
                        rows.push((line_no, division));
                    }
                },
            }
        }
        let nodes: BTreeMap<DivisionCode, Division> = rows
            .iter()
            .map(|(_, d)| (d.code.clone(), d.clone()))
            .collect();
        errors.extend(
            rows.iter()
                .filter_map(|(line, d)| orphan_error(&nodes, *line, &d.code)),
        );
        if errors.is_empty() {
            Ok(DivisionTree { nodes })
        } else {
            errors.sort_by_key(|e| e.line);
            Err(errors)
        }
    }

    pub fn get(&self, code: &DivisionCode) -> Option<&Division> {
        self.nodes.get(code)
    }

    /// The direct children of a node, in code order.
    pub fn children(&self, code: &DivisionCode) -> Vec<&Division> {
        self.nodes
            .values()
            .filter(|d| d.code.parent().as_ref() == Some(code))
            .collect()
    }

    /// The nodes with no ancestor in the tree.
    pub fn roots(&self) -> Vec<&Division> {
        self.nodes
            .values()
            .filter(|d| d.code.ancestors().all(|a| !self.nodes.contains_key(&a)))
            .collect()
    }

    /// The node and its ancestors that are in the tree, from the root down — for breadcrumbs
    /// such as "惠安县 / 螺城镇 / 某某村".
    pub fn path(&self, code: &DivisionCode) -> Vec<&Division> {
        let mut chain: Vec<&Division> = std::iter::once(code.clone())
            .chain(code.ancestors())
            .filter_map(|c| self.nodes.get(&c))
            .collect();
        chain.reverse();
        chain
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// All nodes in code order.
    pub fn iter(&self) -> impl Iterator<Item = &Division> {
        self.nodes.values()
    }
}

/// Where the code, the name and the 城乡分类代码 stand in a line: "code,name[,城乡分类代码]" unless
/// a header says otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Columns {
    code: usize,
    name: usize,
    urban_rural: Option<usize>,
}

impl Default for Columns {
    fn default() -> Self {
        Columns {
            code: 0,
            name: 1,
            urban_rural: Some(2),
        }
    }
}

impl Columns {
    /// The columns a header line names, or `None` when the line is no header (it must name at
    /// least the code and the name).
    fn of_header(line: &str) -> Option<Columns> {
        let fields = split_fields(line).ok()?;
        let find = |names: &[&str]| {
            fields.iter().position(|f| {
                let f = f.trim().to_ascii_lowercase().replace(' ', "");
                names.contains(&f.as_str())
            })
        };
        Some(Columns {
            code: find(&["code", "代码", "区划代码", "统计用区划代码"])?,
            name: find(&["name", "名称"])?,
            urban_rural: find(&["urban_rural", "城乡分类代码", "城乡分类"]),
        })
    }

    fn count(&self) -> usize {
        [Some(self.code), Some(self.name), self.urban_rural]
            .into_iter()
            .flatten()
            .max()
            .map_or(0, |m| m + 1)
    }
}

/// Splits a CSV line on commas outside double quotes; quotes around a field are removed.
fn split_fields(line: &str) -> Result<Vec<String>, String> {
    let mut fields = vec![String::new()];
    let mut quoted = false;
    for ch in line.chars() {
        match ch {
            '"' => quoted = !quoted,
            ',' if !quoted => fields.push(String::new()),
            _ => fields.last_mut().map_or((), |f| f.push(ch)),
        }
    }
    if quoted {
        return Err("引号未闭合".to_owned());
    }
    Ok(fields.into_iter().map(|f| f.trim().to_owned()).collect())
}

fn parse_line(line: &str, columns: &Columns) -> Result<Division, String> {
    if !line.contains(',') {
        return Err("缺少逗号:每行应为“代码,名称”".to_owned());
    }
    let fields = split_fields(line)?;
    // Trailing empty fields (a spreadsheet's blank columns) are not extra columns.
    let used = fields
        .iter()
        .rposition(|f| !f.is_empty())
        .map_or(0, |i| i + 1);
    if used > columns.count().max(2) {
        return Err("列数过多:每行应为“代码,名称”,村级可加第三列“城乡分类代码”".to_owned());
    }
    let field = |i: usize| fields.get(i).map_or("", String::as_str);
    let code_text = field(columns.code);
    let code = DivisionCode::from_statistics(code_text)
        .map_err(|e| format!("代码“{code_text}”无效:{e}"))?;
    let name = field(columns.name);
    if name.is_empty() {
        return Err(format!("代码 {code} 缺少名称"));
    }
    let urban_rural = match columns.urban_rural.map(field).filter(|t| !t.is_empty()) {
        None => None,
        Some(text) => {
            let parsed = UrbanRural::parse(text).ok_or_else(|| {
                format!("城乡分类代码“{text}”无效:应为 111、112、121、122、123、210 或 220")
            })?;
            if code.level() != DivisionLevel::Village {
                return Err(format!("城乡分类代码只用于村级区划,{code} 不是村级"));
            }
            Some(parsed)
        }
    };
    Ok(Division {
        code,
        name: name.to_owned(),
        urban_rural,
    })
}

/// An error when the node's parent is missing although a higher ancestor is present: the node
/// would hang below a gap in the tree.
fn orphan_error(
    nodes: &BTreeMap<DivisionCode, Division>,
    line: usize,
    code: &DivisionCode,
) -> Option<DivisionRowError> {
    let parent = code.parent()?;
    if nodes.contains_key(&parent) {
        return None;
    }
    let present = parent.ancestors().find(|a| nodes.contains_key(a))?;
    Some(DivisionRowError {
        line,
        message: format!(
            "{code} 的上级区划 {parent} 不在文件中(文件中有更上级的 {present} {}),请补充 {parent}",
            nodes[&present].name
        ),
    })
}

impl std::fmt::Display for DivisionCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for DivisionCode {
    type Err = DivisionError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        DivisionCode::parse(s)
    }
}

impl TryFrom<String> for DivisionCode {
    type Error = DivisionError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        DivisionCode::parse(&s)
    }
}

impl From<DivisionCode> for String {
    fn from(c: DivisionCode) -> String {
        c.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn dc(s: &str) -> DivisionCode {
        DivisionCode::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn levels() {
        assert_eq!(dc("350000").level(), DivisionLevel::Province);
        assert_eq!(dc("350500").level(), DivisionLevel::City);
        assert_eq!(dc("350521").level(), DivisionLevel::County);
        assert_eq!(dc("350521101").level(), DivisionLevel::Town);
        assert_eq!(dc("350521101203").level(), DivisionLevel::Village);
        assert_eq!(dc("110101").level(), DivisionLevel::County);
        assert_eq!(DivisionLevel::Town.label_zh(), "乡级");
    }

    #[test]
    fn parents() {
        let chain: Vec<String> = dc("350521101203").ancestors().map(String::from).collect();
        assert_eq!(chain, ["350521101", "350521", "350500", "350000"]);
        assert_eq!(dc("350000").parent(), None);
        // A town directly under a city without counties (东莞市 441900).
        assert_eq!(dc("441900003").parent(), Some(dc("441900")));
    }

    #[test]
    fn is_under() {
        let village = dc("350521101203");
        for a in ["350521101203", "350521101", "350521", "350500", "350000"] {
            assert!(village.is_under(&dc(a)), "{a}");
        }
        assert!(!village.is_under(&dc("350521102")));
        assert!(!village.is_under(&dc("350502")));
        assert!(!dc("350521").is_under(&dc("350521101")));
        assert!(!dc("350521").is_under(&dc("360000")));
    }

    #[test]
    fn rejects_malformed_codes() {
        for s in [
            "",
            "35052",
            "3505211",
            "35052110120",
            "3505211012034",
            "35052a",
            "３５００００",
        ] {
            assert_eq!(
                DivisionCode::parse(s),
                Err(DivisionError::Malformed),
                "{s:?}"
            );
        }
        assert_eq!(
            DivisionCode::parse("000000"),
            Err(DivisionError::ZeroProvince)
        );
        assert_eq!(
            DivisionCode::parse("350521000"),
            Err(DivisionError::ZeroSegment)
        );
        assert_eq!(
            DivisionCode::parse("350521101000"),
            Err(DivisionError::ZeroSegment)
        );
        assert_eq!(dc(" 350521 ").as_str(), "350521");
    }

    const HUIAN: &str = "code,name
350521,惠安县
350521100,螺城镇
350521100201,\"南关社区\"
350521101,螺阳镇
350521101203,某某村
";

    #[test]
    fn builds_a_tree_from_a_county_down() {
        let tree = DivisionTree::from_csv(HUIAN).unwrap();
        assert_eq!(tree.len(), 5);
        let roots: Vec<&str> = tree.roots().iter().map(|d| d.name.as_str()).collect();
        assert_eq!(roots, ["惠安县"]);
        let towns: Vec<&str> = tree
            .children(&dc("350521"))
            .iter()
            .map(|d| d.name.as_str())
            .collect();
        assert_eq!(towns, ["螺城镇", "螺阳镇"]);
        assert_eq!(tree.get(&dc("350521100201")).unwrap().name, "南关社区");
        let path: Vec<&str> = tree
            .path(&dc("350521101203"))
            .iter()
            .map(|d| d.name.as_str())
            .collect();
        assert_eq!(path, ["惠安县", "螺阳镇", "某某村"]);
        assert_eq!(tree.iter().count(), 5);
    }

    #[test]
    fn accepts_several_roots_bom_and_blank_lines() {
        let text = "\u{feff}350521,惠安县\n\n350524,安溪县\r\n350524101,\"某镇,含逗号\"\n";
        let tree = DivisionTree::from_csv(text).unwrap();
        assert_eq!(tree.roots().len(), 2);
        assert_eq!(tree.get(&dc("350524101")).unwrap().name, "某镇,含逗号");
        assert!(DivisionTree::from_csv("").unwrap().is_empty());
    }

    #[test]
    fn reports_every_bad_line() {
        let text = "code,name
350000,福建省
350500,泉州市
350521,惠安县
35052X,坏代码
350521101
350521101,螺阳镇
350521101,重复镇
350521102203,缺乡镇的村
350582101,缺县的镇
350521102,
350521103,某镇,多余列
350521104,\"某镇,含逗号\"
";
        let errors = DivisionTree::from_csv(text).unwrap_err();
        let lines: Vec<usize> = errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, [5, 6, 8, 9, 10, 11, 12], "{errors:#?}");
        assert!(errors[0].message.contains("35052X"), "{}", errors[0]);
        assert!(errors[1].message.contains("逗号"));
        assert!(errors[2].message.contains("重复") && errors[2].message.contains("第 7 行"));
        assert!(errors[3].message.contains("350521102"), "{}", errors[3]);
        assert!(errors[4].message.contains("350582"), "{}", errors[4]);
        assert!(errors[5].message.contains("名称"));
        assert!(errors[6].message.contains("城乡分类代码"), "{}", errors[6]);
        assert_eq!(
            errors[0].to_string(),
            format!("第 5 行:{}", errors[0].message)
        );
    }

    #[test]
    fn a_header_is_only_skipped_on_the_first_line() {
        let errors = DivisionTree::from_csv("350521,惠安县\ncode,name\n").unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].line, 2);
    }

    /// The statistics bureau's list for a province: codes padded to 12 digits, 城乡分类代码 on
    /// villages, the bureau's column names.
    const BUREAU: &str = "统计用区划代码,名称,城乡分类代码
350000000000,福建省,
350500000000,泉州市,
350521000000,惠安县,
350521100000,螺城镇,
350521100201,南关社区居民委员会,111
350521101000,螺阳镇,
350521101203,某某村委会,220
350524000000,安溪县,
350524100000,凤城镇,
";

    #[test]
    fn reads_the_statistics_bureau_layout() {
        let tree = DivisionTree::from_csv(BUREAU).unwrap();
        assert_eq!(tree.len(), 9);
        let roots: Vec<&str> = tree.roots().iter().map(|d| d.name.as_str()).collect();
        assert_eq!(roots, ["福建省"]);
        let town = tree.get(&dc("350521101")).unwrap();
        assert_eq!((town.name.as_str(), town.urban_rural), ("螺阳镇", None));
        let village = tree.get(&dc("350521101203")).unwrap();
        assert_eq!(village.urban_rural, Some(UrbanRural::Village));
        assert_eq!(
            tree.get(&dc("350521100201")).unwrap().urban_rural,
            Some(UrbanRural::MainUrban)
        );
        assert_eq!(
            tree.get(&dc("350500")).unwrap().code.level(),
            DivisionLevel::City
        );
        // The bureau's web pages put the 城乡分类代码 before the name; the header says so.
        let reordered = "统计用区划代码,城乡分类代码,名称\n350521101203,220,某某村委会\n";
        let tree = DivisionTree::from_csv(reordered).unwrap();
        assert_eq!(tree.get(&dc("350521101203")).unwrap().name, "某某村委会");
    }

    #[test]
    fn statistics_codes_normalise_to_their_level() {
        let cases = [
            ("35", "350000"),
            ("3505", "350500"),
            ("350000000000", "350000"),
            ("350500000000", "350500"),
            ("350521000000", "350521"),
            ("350521100000", "350521100"),
            ("350521100201", "350521100201"),
            ("350521100", "350521100"),
        ];
        for (text, code) in cases {
            assert_eq!(DivisionCode::from_statistics(text), Ok(dc(code)), "{text}");
        }
        for bad in ["", "3", "350", "35052110", "000000000000", "35052110000a"] {
            assert!(DivisionCode::from_statistics(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn bad_urban_rural_codes_are_named_by_line() {
        let text = "code,name,城乡分类代码
350521100,螺城镇,111
350521100201,南关社区,999
350521100202,北关社区,220
";
        let errors = DivisionTree::from_csv(text).unwrap_err();
        let lines: Vec<usize> = errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, [2, 3], "{errors:#?}");
        assert!(errors[0].message.contains("村级"), "{}", errors[0]);
        assert!(errors[1].message.contains("999"), "{}", errors[1]);
        assert_eq!(
            UrbanRural::parse("122").map(UrbanRural::label_zh),
            Some("镇乡结合区")
        );
    }

    #[test]
    fn serde_validates() {
        let c: DivisionCode = serde_json::from_str("\"350521\"").unwrap();
        assert_eq!(serde_json::to_string(&c).unwrap(), "\"350521\"");
        assert!(serde_json::from_str::<DivisionCode>("\"3505\"").is_err());
    }

    proptest! {
        #[test]
        fn every_ancestor_is_above(code in "[1-6][1-9][0-9]{4}([0-9]{2}[1-9]([0-9]{2}[1-9])?)?") {
            let c = dc(&code);
            for a in c.ancestors() {
                prop_assert!(c.is_under(&a));
                prop_assert!(a.level() < c.level());
                prop_assert!(!a.is_under(&c));
            }
        }

        #[test]
        fn from_csv_never_panics(s in "\\PC{0,60}") {
            let _ = DivisionTree::from_csv(&s);
        }
    }
}
