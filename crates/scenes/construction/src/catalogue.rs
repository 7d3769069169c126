//! The matter catalogue (事项目录) of industrial project approval: every matter a project may
//! need, in the four stages of the national reform (国办发〔2019〕11号) plus the matters run
//! alongside them, each with its owning department, its time limits in working days, its
//! prerequisites, its materials and the legal reference for its limit.
//!
//! The catalogue is data, not code: the national one is compiled in from `data/matters.csv`, and
//! a district may import its own sheet. Everything here is pure; a sheet is accepted only whole,
//! with every problem reported by row and column so it can be fixed in one pass.

use qinqing_exchange::directory::{Line, header_of};
use qinqing_exchange::matters::{MATTER_COLUMNS, read_matters};
use qinqing_exchange::{ExportError, FileFormat, ImportReport, RowError};
use std::collections::BTreeMap;

/// The stages of approval, in the order a project passes them; `Parallel` matters run beside
/// the stages rather than in one of them.
/// The matter whose approval registers the land's title (不动产权证): matters that need the title
/// are approved as 模拟 before it, and become formal when it is approved.
pub const LAND_TITLE_MATTER: &str = "land_registration";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Stage {
    LandPlanning,
    ProjectPermit,
    ConstructionPermit,
    Completion,
    Parallel,
}

impl Stage {
    pub const ALL: [Stage; 5] = [
        Stage::LandPlanning,
        Stage::ProjectPermit,
        Stage::ConstructionPermit,
        Stage::Completion,
        Stage::Parallel,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Stage::LandPlanning => "land_planning",
            Stage::ProjectPermit => "project_permit",
            Stage::ConstructionPermit => "construction_permit",
            Stage::Completion => "completion",
            Stage::Parallel => "parallel",
        }
    }

    /// The stage's name as 国办发〔2019〕11号 gives it.
    pub fn label(self) -> &'static str {
        match self {
            Stage::LandPlanning => "立项用地规划许可",
            Stage::ProjectPermit => "工程建设许可",
            Stage::ConstructionPermit => "施工许可",
            Stage::Completion => "竣工验收",
            Stage::Parallel => "并行推进",
        }
    }

    /// Accepts the code, the label, or the label followed by 阶段 (as sheets often write it).
    pub fn parse(s: &str) -> Option<Stage> {
        let s = s.trim();
        let label = s.strip_suffix("阶段").unwrap_or(s);
        Stage::ALL
            .into_iter()
            .find(|stage| stage.as_str() == s || stage.label() == label)
    }

    /// Whether a matter of this stage must wait for one of `other`'s: only the four sequential
    /// stages are ordered; a parallel matter may precede or follow any of them.
    fn is_later_than(self, other: Stage) -> bool {
        self != Stage::Parallel && other != Stage::Parallel && self > other
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatterDef {
    pub code: String,
    pub name: String,
    pub stage: Stage,
    /// The owning department's name, as the district's organisation is named.
    pub department: String,
    /// The statutory limit (or, where the law sets none, the district's), 1..=365.
    pub legal_days: u32,
    /// The district's promise, never above `legal_days`; equal to it when the sheet is silent.
    pub promised_days: u32,
    /// Prerequisite codes.
    pub after: Vec<String>,
    /// Whether the matter needs the land's 不动产权证: these may be approved as 模拟 before it.
    pub needs_land_title: bool,
    pub materials: Vec<String>,
    pub basis: String,
    /// The electronic licence (电子证照) an approval issues, by name; none for matters that issue
    /// none (a design review, a utility connection).
    pub licence: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Catalogue {
    /// In file order.
    pub matters: Vec<MatterDef>,
}

/// The longest limit accepted: a year of working days is already far beyond any real matter.
const MAX_DAYS: u32 = 365;

impl Catalogue {
    /// The national catalogue compiled in from data/matters.csv.
    #[allow(
        clippy::expect_used,
        reason = "the compiled-in file is fixed; a unit test proves it parses"
    )]
    pub fn builtin() -> Catalogue {
        let bytes = include_bytes!("../data/matters.csv");
        Catalogue::read(bytes, FileFormat::Csv).expect("the built-in matter catalogue is valid")
    }

    /// Reads a sheet (CSV or XLSX), rejecting it whole with every problem by row and column.
    pub fn read(bytes: &[u8], format: FileFormat) -> Result<Catalogue, ImportReport> {
        let lines = read_matters(bytes, format)?;
        Catalogue::from_lines(&lines).map_err(|errors| ImportReport {
            rows: lines.len(),
            errors,
        })
    }

    /// Checks the rows of a sheet and builds the catalogue; every problem is reported, in row
    /// order.
    pub fn from_lines(lines: &[Line]) -> Result<Catalogue, Vec<RowError>> {
        if lines.is_empty() {
            return Err(vec![file_error("事项目录是空的:至少需要一个事项")]);
        }
        let mut errors = Vec::new();
        let mut matters = Vec::new();
        let mut rows = Vec::new();
        let mut first_row: BTreeMap<&str, usize> = BTreeMap::new();
        for line in lines {
            // A repeated row is still checked, so its other problems are found in the same pass.
            let code = line.get("code");
            let repeated = first_row.get(code).filter(|_| !code.is_empty()).copied();
            if let Some(row) = repeated {
                errors.push(line.error("code", format!("“事项编码”与第 {row} 行重复")));
            } else {
                first_row.insert(code, line.row);
            }
            if let Some(matter) = parse_line(line, &mut errors).filter(|_| repeated.is_none()) {
                matters.push(matter);
                rows.push(line);
            }
        }
        let catalogue = Catalogue { matters };
        errors.extend(catalogue.prerequisite_errors(&rows));
        errors.extend(catalogue.cycle_errors(&rows));
        if errors.is_empty() {
            Ok(catalogue)
        } else {
            errors.sort_by_key(|e| e.row);
            Err(errors)
        }
    }

    /// The catalogue as a sheet in the import format, so an administrator can edit it and
    /// import it back.
    pub fn write(&self, format: FileFormat) -> Result<Vec<u8>, ExportError> {
        let rows: Vec<[String; 11]> = self.matters.iter().map(matter_cells).collect();
        let rows: Vec<Vec<&str>> = rows
            .iter()
            .map(|r| r.iter().map(String::as_str).collect())
            .collect();
        let rows: Vec<&[&str]> = rows.iter().map(Vec::as_slice).collect();
        qinqing_exchange::directory::template(&MATTER_COLUMNS, &rows, "审批事项", format)
    }

    pub fn get(&self, code: &str) -> Option<&MatterDef> {
        self.matters.iter().find(|m| m.code == code)
    }

    /// The materials, of any matter, that the licence named `licence` serves as (数据云柜), each
    /// once, in catalogue order.
    pub fn materials_served_by(&self, licence: &str) -> Vec<&str> {
        let mut served: Vec<&str> = Vec::new();
        let all = self.matters.iter().flat_map(|m| &m.materials);
        for material in all.filter(|m| licence_serves(licence, m)) {
            if !served.contains(&material.as_str()) {
                served.push(material);
            }
        }
        served
    }

    /// The prerequisites of `code` that are not in `done` (codes), in the order the matter
    /// lists them; empty for an unknown code.
    pub fn open_prerequisites<'a>(&'a self, code: &str, done: &[&str]) -> Vec<&'a MatterDef> {
        let Some(matter) = self.get(code) else {
            return Vec::new();
        };
        matter
            .after
            .iter()
            .filter(|p| !done.contains(&p.as_str()))
            .filter_map(|p| self.get(p))
            .collect()
    }

    /// Matters of a stage, in file order.
    pub fn of_stage(&self, stage: Stage) -> Vec<&MatterDef> {
        self.matters.iter().filter(|m| m.stage == stage).collect()
    }

    /// Unknown prerequisites, a matter waiting on itself, and prerequisites of a later stage.
    /// `rows[i]` is the line `self.matters[i]` came from.
    fn prerequisite_errors(&self, rows: &[&Line]) -> Vec<RowError> {
        let mut errors = Vec::new();
        for (matter, line) in self.matters.iter().zip(rows) {
            for code in &matter.after {
                let problem = match self.get(code) {
                    None => format!("“前置事项”中的“{code}”不是本目录的事项"),
                    Some(p) if p.code == matter.code => "“前置事项”不能包含本事项自身".into(),
                    Some(p) if p.stage.is_later_than(matter.stage) => format!(
                        "“前置事项”中的“{}”({code})属于{}阶段,晚于本事项的{}阶段",
                        p.name,
                        p.stage.label(),
                        matter.stage.label()
                    ),
                    Some(_) => continue,
                };
                errors.push(line.error("after", problem));
            }
        }
        errors
    }

    /// Every cycle among the prerequisites, reported at the row whose 前置事项 closes it and
    /// naming each matter on it. Self-references are left to [`Self::prerequisite_errors`].
    fn cycle_errors(&self, rows: &[&Line]) -> Vec<RowError> {
        let index: BTreeMap<&str, usize> = self
            .matters
            .iter()
            .enumerate()
            .map(|(i, m)| (m.code.as_str(), i))
            .collect();
        let edges: Vec<Vec<usize>> = self
            .matters
            .iter()
            .enumerate()
            .map(|(i, m)| {
                m.after
                    .iter()
                    .filter_map(|p| index.get(p.as_str()).copied())
                    .filter(|&p| p != i)
                    .collect()
            })
            .collect();
        find_cycles(&edges)
            .into_iter()
            .map(|cycle| {
                let names: Vec<String> = cycle
                    .iter()
                    .chain(cycle.first())
                    .map(|&i| format!("“{}”({})", self.matters[i].name, self.matters[i].code))
                    .collect();
                let closing = cycle[cycle.len() - 1];
                rows[closing].error("after", format!("前置事项形成循环:{}", names.join(" → ")))
            })
            .collect()
    }
}

/// Each cycle of the graph (`edges[i]` are the nodes `i` waits for) once, as the nodes along it
/// in the order they wait for each other; found by depth-first search in node order, so the
/// result does not depend on anything but the file.
fn find_cycles(edges: &[Vec<usize>]) -> Vec<Vec<usize>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        OnPath,
        Done,
    }
    fn visit(
        node: usize,
        edges: &[Vec<usize>],
        marks: &mut [Mark],
        path: &mut Vec<usize>,
        cycles: &mut Vec<Vec<usize>>,
    ) {
        marks[node] = Mark::OnPath;
        path.push(node);
        for &next in &edges[node] {
            match marks[next] {
                Mark::New => visit(next, edges, marks, path, cycles),
                Mark::OnPath => {
                    let start = path.iter().position(|&n| n == next).unwrap_or(0);
                    cycles.push(path[start..].to_vec());
                }
                Mark::Done => {}
            }
        }
        path.pop();
        marks[node] = Mark::Done;
    }
    let mut marks = vec![Mark::New; edges.len()];
    let mut cycles = Vec::new();
    for node in 0..edges.len() {
        if marks[node] == Mark::New {
            visit(node, edges, &mut marks, &mut Vec::new(), &mut cycles);
        }
    }
    cycles
}

/// One row's matter, or `None` with its problems added to `errors`.
fn parse_line(line: &Line, errors: &mut Vec<RowError>) -> Option<MatterDef> {
    let before = errors.len();
    for code in ["code", "name", "department", "basis"] {
        if line.get(code).is_empty() {
            errors.push(line.error(code, format!("“{}”不能为空", header(code))));
        }
    }
    let stage = Stage::parse(line.get("stage"));
    if stage.is_none() {
        let labels: Vec<&str> = Stage::ALL.iter().map(|s| s.label()).collect();
        let message = format!("“审批阶段”应为{}之一", labels.join("、"));
        errors.push(line.error("stage", message));
    }
    let legal_days = days(line, "legal_days", errors);
    let promised_days = match line.get("promised_days") {
        "" => legal_days,
        _ => days(line, "promised_days", errors),
    };
    if let (Some(legal), Some(promised)) = (legal_days, promised_days)
        && promised > legal
    {
        let message = format!("“承诺时限(工作日)”{promised} 天超过“法定时限(工作日)”{legal} 天");
        errors.push(line.error("promised_days", message));
    }
    let needs_land_title = match line.get("land_title") {
        "" | "否" => false,
        "是" => true,
        _ => {
            errors.push(line.error("land_title", "“需不动产权证”应填“是”或“否”(或留空)"));
            false
        }
    };
    if errors.len() > before {
        return None;
    }
    Some(MatterDef {
        code: line.get("code").to_string(),
        name: line.get("name").to_string(),
        stage: stage?,
        department: line.get("department").to_string(),
        legal_days: legal_days?,
        promised_days: promised_days?,
        after: split(line.get("after"), &['、', ',', ',']),
        needs_land_title,
        materials: split(line.get("materials"), &[';', ';']),
        basis: line.get("basis").to_string(),
        licence: Some(line.get("licence").to_string()).filter(|l| !l.is_empty()),
    })
}

/// A number of working days in column `code`, 1..=365.
fn days(line: &Line, code: &str, errors: &mut Vec<RowError>) -> Option<u32> {
    let parsed = line.get(code).parse::<u32>().ok();
    let valid = parsed.filter(|d| (1..=MAX_DAYS).contains(d));
    if valid.is_none() {
        let message = format!("“{}”应为 1 到 {MAX_DAYS} 之间的整数", header(code));
        errors.push(line.error(code, message));
    }
    valid
}

/// The non-empty trimmed items of a list cell.
fn split(cell: &str, separators: &[char]) -> Vec<String> {
    cell.split(separators)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

fn header(code: &str) -> &'static str {
    header_of(&MATTER_COLUMNS, code)
}

/// A matter's cells in the order of [`MATTER_COLUMNS`]; the promise is always written out.
fn matter_cells(m: &MatterDef) -> [String; 11] {
    [
        m.code.clone(),
        m.name.clone(),
        m.stage.label().to_string(),
        m.department.clone(),
        m.legal_days.to_string(),
        m.promised_days.to_string(),
        m.after.join("、"),
        if m.needs_land_title { "是" } else { "否" }.to_string(),
        m.materials.join(";"),
        m.basis.clone(),
        m.licence.clone().unwrap_or_default(),
    ]
}

/// A problem of the catalogue as a whole rather than of one row.
fn file_error(message: &str) -> RowError {
    RowError {
        row: 0,
        column: String::new(),
        value: String::new(),
        message: message.to_string(),
    }
}

/// Whether a licence serves as a material: the material names it exactly, names it without the
/// kind of project in front (企业投资项目备案证明 serves as 项目备案证明), or names it in brackets
/// after what it proves (用地批准手续(不动产权证书)) — but never the application for it
/// (建筑工程施工许可证申请表 is a form the enterprise fills) nor the licence with more than it
/// holds (建设工程规划许可证及附图: the drawings are the enterprise's).
pub fn licence_serves(licence: &str, material: &str) -> bool {
    let long_enough = material.chars().count() >= 4;
    let bracketed = [format!("({licence})"), format!("({licence})")];
    material == licence
        || (long_enough && licence.ends_with(material))
        || bracketed.iter().any(|b| material.ends_with(b.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn licences_serve_as_the_materials_that_name_them_and_never_as_their_application() {
        let national = Catalogue::builtin();
        assert_eq!(
            national.materials_served_by("企业投资项目备案证明"),
            ["项目备案证明"]
        );
        assert_eq!(
            national.materials_served_by("建设工程规划许可证"),
            ["建设工程规划许可证"],
            "the drawings of 建设工程规划许可证及附图 are the enterprise's"
        );
        assert!(
            national
                .materials_served_by("建筑工程施工许可证")
                .is_empty()
        );
        let title = national.materials_served_by("不动产权证书");
        assert!(!title.is_empty());
        assert!(
            title.iter().all(|m| m.ends_with("(不动产权证书)")),
            "{title:?}"
        );
        // Too short a material names no licence in particular.
        assert!(!licence_serves("建设工程规划许可证", "许可证"));
        assert!(!licence_serves("企业投资项目备案证明", "证明"));
    }

    const HEADER: &str = "事项编码,事项名称,审批阶段,主管部门,法定时限(工作日),承诺时限(工作日),前置事项,需不动产权证,申请材料,设定依据";

    /// Reads a CSV sheet made of the standard header and `rows`.
    fn sheet(rows: &[&str]) -> Result<Catalogue, ImportReport> {
        let text = std::iter::once(HEADER)
            .chain(rows.iter().copied())
            .collect::<Vec<_>>()
            .join("\n");
        Catalogue::read(text.as_bytes(), FileFormat::Csv)
    }

    /// (row, column) of every problem, in report order.
    fn places(report: &ImportReport) -> Vec<(usize, &str)> {
        report
            .errors
            .iter()
            .map(|e| (e.row, e.column.as_str()))
            .collect()
    }

    const FILING: &str =
        "filing,企业投资项目备案,立项用地规划许可,发展和改革局,1,,,否,备案信息表,条例";
    const LAND: &str =
        "land,建设用地规划许可证,立项用地规划许可阶段,自然资源局,20,5,filing,,,城乡规划法";

    #[test]
    fn the_builtin_catalogue_covers_every_stage_with_a_basis() {
        let catalogue = Catalogue::builtin();
        assert_eq!(catalogue.matters.len(), 17);
        for stage in Stage::ALL {
            assert!(!catalogue.of_stage(stage).is_empty(), "{stage:?} is empty");
        }
        for m in &catalogue.matters {
            assert!(!m.basis.is_empty(), "{} has no basis", m.code);
            assert!(!m.materials.is_empty(), "{} has no materials", m.code);
            assert!(m.promised_days <= m.legal_days, "{}", m.code);
        }
        let permit = catalogue.get("construction_permit").unwrap();
        assert!(permit.needs_land_title);
        assert_eq!(permit.stage, Stage::ConstructionPermit);
        assert_eq!(permit.legal_days, 7);
        assert!(permit.basis.contains("建筑法》第八条"), "{}", permit.basis);
        let titled: Vec<&str> = catalogue
            .matters
            .iter()
            .filter(|m| m.needs_land_title)
            .map(|m| m.code.as_str())
            .collect();
        assert_eq!(titled, ["building_planning_permit", "construction_permit"]);
        let registration = catalogue.get(LAND_TITLE_MATTER).unwrap();
        assert!(!registration.needs_land_title);
        assert!(registration.basis.contains("不动产登记暂行条例"));
        let eia = catalogue.get("eia_approval").unwrap();
        assert_eq!((eia.stage, eia.legal_days), (Stage::Parallel, 30));
    }

    #[test]
    fn the_builtin_catalogue_departments_are_the_districts() {
        let known = [
            "发展和改革局",
            "自然资源局",
            "住房和城乡建设局",
            "生态环境局",
            "水利局",
            "行政服务中心",
        ];
        for m in &Catalogue::builtin().matters {
            assert!(known.contains(&m.department.as_str()), "{}", m.department);
        }
    }

    #[test]
    fn stages_parse_from_code_label_and_label_with_stage() {
        for stage in Stage::ALL {
            assert_eq!(Stage::parse(stage.as_str()), Some(stage));
            assert_eq!(Stage::parse(stage.label()), Some(stage));
            assert_eq!(
                Stage::parse(&format!(" {}阶段 ", stage.label())),
                Some(stage)
            );
        }
        assert_eq!(Stage::parse("规划许可"), None);
        assert_eq!(Stage::parse(""), None);
    }

    #[test]
    fn a_small_sheet_reads_with_defaults_and_lists() {
        let catalogue = sheet(&[FILING, LAND]).unwrap();
        let filing = catalogue.get("filing").unwrap();
        assert_eq!((filing.legal_days, filing.promised_days), (1, 1));
        assert!(!filing.needs_land_title);
        let land = catalogue.get("land").unwrap();
        assert_eq!(land.stage, Stage::LandPlanning);
        assert_eq!(land.promised_days, 5);
        assert_eq!(land.after, ["filing"]);
        assert!(land.materials.is_empty());
    }

    #[test]
    fn a_repeated_code_is_refused_at_the_second_row() {
        let report = sheet(&[FILING, FILING]).unwrap_err();
        assert_eq!(places(&report), [(3, "code")]);
        assert!(report.errors[0].message.contains("第 2 行"), "{report}");
        assert_eq!(report.errors[0].value, "filing");
    }

    #[test]
    fn an_unknown_stage_is_refused() {
        let row = "x,某事项,规划阶段,自然资源局,20,,,,,依据";
        let report = sheet(&[row]).unwrap_err();
        assert_eq!(places(&report), [(2, "stage")]);
        assert_eq!(report.errors[0].value, "规划阶段");
        assert!(report.errors[0].message.contains("竣工验收"), "{report}");
    }

    #[test]
    fn days_must_be_whole_numbers_from_1_to_365() {
        let rows = [
            "a,甲,施工许可,住房和城乡建设局,0,,,,,依据",
            "b,乙,施工许可,住房和城乡建设局,366,,,,,依据",
            "c,丙,施工许可,住房和城乡建设局,7.5,,,,,依据",
            "d,丁,施工许可,住房和城乡建设局,7,三,,,,依据",
            "e,戊,施工许可,住房和城乡建设局,365,-1,,,,依据",
        ];
        let report = sheet(&rows).unwrap_err();
        assert_eq!(
            places(&report),
            [
                (2, "legal_days"),
                (3, "legal_days"),
                (4, "legal_days"),
                (5, "promised_days"),
                (6, "promised_days")
            ]
        );
        assert!(
            report.errors[0].message.contains("法定时限(工作日)"),
            "{report}"
        );
        assert!(
            report.errors[3].message.contains("承诺时限(工作日)"),
            "{report}"
        );
    }

    #[test]
    fn a_promise_beyond_the_legal_limit_is_refused() {
        let report = sheet(&["a,甲,施工许可,住房和城乡建设局,7,8,,,,依据"]).unwrap_err();
        assert_eq!(places(&report), [(2, "promised_days")]);
        assert_eq!(report.errors[0].value, "8");
        assert!(report.errors[0].message.contains("超过"), "{report}");
        assert!(sheet(&["a,甲,施工许可,住房和城乡建设局,7,7,,,,依据"]).is_ok());
    }

    #[test]
    fn land_title_is_yes_no_or_empty() {
        let report = sheet(&["a,甲,施工许可,住房和城乡建设局,7,,,需要,,依据"]).unwrap_err();
        assert_eq!(places(&report), [(2, "land_title")]);
        assert!(
            report.errors[0].message.contains("需不动产权证"),
            "{report}"
        );
        let yes = sheet(&["a,甲,施工许可,住房和城乡建设局,7,,,是,,依据"]).unwrap();
        assert!(yes.matters[0].needs_land_title);
    }

    #[test]
    fn an_unknown_prerequisite_is_named_in_the_after_column() {
        let row = "land,建设用地规划许可证,立项用地规划许可,自然资源局,20,,filing、nowhere,,,依据";
        let report = sheet(&[FILING, row]).unwrap_err();
        assert_eq!(places(&report), [(3, "after")]);
        assert_eq!(report.errors[0].value, "filing、nowhere");
        assert_eq!(
            report.errors[0].message,
            "“前置事项”中的“nowhere”不是本目录的事项"
        );
    }

    #[test]
    fn a_prerequisite_of_a_later_stage_is_refused() {
        let early = "plan,建设工程规划许可证,工程建设许可,自然资源局,20,,permit,是,,依据";
        let late = "permit,建筑工程施工许可证,施工许可,住房和城乡建设局,7,,,是,,依据";
        let report = sheet(&[early, late]).unwrap_err();
        assert_eq!(places(&report), [(2, "after")]);
        let message = &report.errors[0].message;
        assert!(message.contains("建筑工程施工许可证"), "{message}");
        assert!(
            message.contains("施工许可阶段,晚于本事项的工程建设许可阶段"),
            "{message}"
        );
    }

    #[test]
    fn parallel_matters_may_precede_or_follow_any_stage() {
        let survey = "survey,多测合一,并行推进,行政服务中心,5,,permit,,,依据";
        let permit = "permit,建筑工程施工许可证,施工许可,住房和城乡建设局,7,,,是,,依据";
        let check = "check,规划条件核实,竣工验收,自然资源局,10,,survey,,,依据";
        let catalogue = sheet(&[survey, permit, check]).unwrap();
        assert_eq!(catalogue.matters.len(), 3);
    }

    #[test]
    fn a_cycle_is_refused_naming_its_matters() {
        let a = "a,设计方案审查,工程建设许可,自然资源局,20,,b,,,依据";
        let b = "b,建设工程规划许可证,工程建设许可,自然资源局,20,,a,,,依据";
        let report = sheet(&[FILING, a, b]).unwrap_err();
        assert_eq!(places(&report), [(4, "after")]);
        assert_eq!(
            report.errors[0].message,
            "前置事项形成循环:“设计方案审查”(a) → “建设工程规划许可证”(b) → “设计方案审查”(a)"
        );
        let own = "c,某事项,施工许可,住房和城乡建设局,7,,c,,,依据";
        let report = sheet(&[own]).unwrap_err();
        assert_eq!(places(&report), [(2, "after")]);
        assert!(report.errors[0].message.contains("自身"), "{report}");
    }

    #[test]
    fn every_problem_of_a_sheet_is_reported_in_row_order() {
        let rows = [
            "a,甲,施工许可,住房和城乡建设局,7,9,z,也许,,依据",
            "a,乙,某阶段,住房和城乡建设局,x,,,,,依据",
        ];
        let report = sheet(&rows).unwrap_err();
        assert_eq!(
            places(&report),
            [
                (2, "promised_days"),
                (2, "land_title"),
                (3, "code"),
                (3, "stage"),
                (3, "legal_days")
            ]
        );
        assert_eq!(report.rows, 2);
    }

    #[test]
    fn an_empty_catalogue_is_refused() {
        let errors = Catalogue::from_lines(&[]).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].row, 0);
        assert!(errors[0].message.contains("空"), "{}", errors[0]);
        let report = sheet(&[]).unwrap_err();
        assert_eq!(report.rows, 0);
        assert_eq!(places(&report), [(0, "")]);
    }

    #[test]
    fn open_prerequisites_are_those_not_done() {
        let catalogue = Catalogue::builtin();
        let open: Vec<&str> = catalogue
            .open_prerequisites("construction_permit", &["building_planning_permit"])
            .iter()
            .map(|m| m.code.as_str())
            .collect();
        assert_eq!(open, ["drawing_review", "fire_design_review"]);
        let all_done = [
            "building_planning_permit",
            "drawing_review",
            "fire_design_review",
        ];
        assert!(
            catalogue
                .open_prerequisites("construction_permit", &all_done)
                .is_empty()
        );
        assert!(
            catalogue
                .open_prerequisites("project_filing", &[])
                .is_empty()
        );
        assert!(
            catalogue
                .open_prerequisites("no_such_matter", &[])
                .is_empty()
        );
    }

    #[test]
    fn of_stage_keeps_file_order() {
        let catalogue = Catalogue::builtin();
        let first: Vec<&str> = catalogue
            .of_stage(Stage::LandPlanning)
            .iter()
            .map(|m| m.code.as_str())
            .collect();
        assert_eq!(
            first,
            [
                "project_filing",
                "land_pre_review",
                "land_use_permit",
                LAND_TITLE_MATTER
            ]
        );
    }

    #[test]
    fn the_catalogue_round_trips_through_both_formats() {
        let catalogue = Catalogue::builtin();
        for format in [FileFormat::Csv, FileFormat::Xlsx] {
            let bytes = catalogue.write(format).unwrap();
            assert_eq!(Catalogue::read(&bytes, format).unwrap(), catalogue);
        }
    }
}
