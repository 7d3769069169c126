//! The matter catalogue of industrial project approval (厂房报建事项目录) as a sheet: one
//! approval matter a row, under Chinese headers, as CSV or XLSX. This module only reads the
//! cells; whether the catalogue makes sense (stages, time limits, prerequisites) is checked by
//! the construction scene, which reports each problem by row and column code.

use crate::directory::{Column, Line, read, template};
use crate::export::ExportError;
use crate::format::FileFormat;
use crate::report::ImportReport;

/// The catalogue sheet. `after` lists prerequisite codes separated by `、`; `materials` are
/// separated by `;`; `land_title` is 是 or 否 (empty means 否).
pub const MATTER_COLUMNS: [Column; 11] = [
    ("code", "事项编码", true),
    ("name", "事项名称", true),
    ("stage", "审批阶段", true),
    ("department", "主管部门", true),
    ("legal_days", "法定时限(工作日)", true),
    ("promised_days", "承诺时限(工作日)", false),
    ("after", "前置事项", false),
    ("land_title", "需不动产权证", false),
    ("materials", "申请材料", false),
    ("basis", "设定依据", true),
    ("licence", "核发证照", false),
];

const MATTER_EXAMPLES: [[&str; 11]; 1] = [[
    "construction_permit",
    "建筑工程施工许可证核发",
    "施工许可",
    "住房和城乡建设局",
    "7",
    "3",
    "building_planning_permit、drawing_review",
    "是",
    "建筑工程施工许可证申请表;施工合同;施工图审查合格书",
    "《中华人民共和国建筑法》第八条",
    "建筑工程施工许可证",
]];

/// Reads a catalogue sheet into rows by column code; see [`read`] for what rejects a file.
pub fn read_matters(bytes: &[u8], format: FileFormat) -> Result<Vec<Line>, ImportReport> {
    read(bytes, format, &MATTER_COLUMNS)
}

/// The import template: Chinese headers and one example row (delete it before use).
pub fn matter_template(format: FileFormat) -> Result<Vec<u8>, ExportError> {
    let examples: Vec<&[&str]> = MATTER_EXAMPLES.iter().map(|r| &r[..]).collect();
    template(&MATTER_COLUMNS, &examples, "审批事项", format)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_template_reads_back_as_its_example() {
        for format in [FileFormat::Csv, FileFormat::Xlsx] {
            let lines = read_matters(&matter_template(format).unwrap(), format).unwrap();
            assert_eq!(lines.len(), 1);
            assert_eq!(lines[0].row, 2);
            assert_eq!(lines[0].get("code"), "construction_permit");
            assert_eq!(lines[0].get("legal_days"), "7");
            assert_eq!(lines[0].get("land_title"), "是");
            assert_eq!(lines[0].get("basis"), "《中华人民共和国建筑法》第八条");
        }
    }

    #[test]
    fn a_missing_basis_is_named_by_its_header() {
        let csv = "事项编码,事项名称,审批阶段,主管部门,法定时限(工作日),设定依据\n\
                   a,甲,施工许可,住房和城乡建设局,5,\n";
        let report = read_matters(csv.as_bytes(), FileFormat::Csv).unwrap_err();
        assert_eq!(report.errors.len(), 1, "{report}");
        assert_eq!(
            (report.errors[0].row, report.errors[0].column.as_str()),
            (2, "basis")
        );
        assert!(report.errors[0].message.contains("设定依据"), "{report}");
    }
}
