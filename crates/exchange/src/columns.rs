//! The columns of the enterprise file: code names, Chinese labels and which are required.
//!
//! [`COLUMNS`] is the public, documented list (it drives `COLUMNS.md` and the export header);
//! [`Column`] names the same columns inside the crate so a typo is a compile error, not a
//! silently empty column.

/// One column of the enterprise file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ColumnSpec {
    /// The code name, used in CSV headers, in [`crate::RowError::column`] and in the API.
    pub name: &'static str,
    /// The Chinese header, accepted on import and written by the XLSX export.
    pub label_zh: &'static str,
    /// A required column must be present in the header and filled in on every row.
    pub required: bool,
    /// What the cell holds and in which form, for the documentation and upload page.
    pub description_zh: &'static str,
}

const fn spec(
    name: &'static str,
    label_zh: &'static str,
    required: bool,
    description_zh: &'static str,
) -> ColumnSpec {
    ColumnSpec {
        name,
        label_zh,
        required,
        description_zh,
    }
}

/// Every column, in the order exports write them (kept in step with the crate-internal `Column`).
pub const COLUMNS: &[ColumnSpec] = &[
    spec(
        "credit_code",
        "统一社会信用代码",
        true,
        "18 位,含校验位;同一企业多个年度的行使用同一代码",
    ),
    spec("name", "企业名称", true, "营业执照上的名称,不超过 100 个字"),
    spec(
        "industry_code",
        "行业代码",
        true,
        "GB/T 4754-2017 行业代码,如 C3311(也可只写数字 3311)",
    ),
    spec(
        "region_code",
        "所在区划代码",
        true,
        "统计用区划代码,6 位(县区)、9 位(乡镇街道)或 12 位(村社区)",
    ),
    spec(
        "established_on",
        "成立日期",
        false,
        "YYYY-MM-DD,如 2015-06-01",
    ),
    spec(
        "ownership",
        "登记注册类型",
        true,
        "国有、集体、民营、港澳台投资、外商投资、混合所有制、其他(或对应代码 state_owned、collective、private、hk_macao_taiwan、foreign、mixed、other)",
    ),
    spec("year", "年度", true, "数据所属年度,2000–2100 的整数"),
    spec(
        "employees",
        "从业人员",
        false,
        "年末从业人员数,不小于 0 的整数",
    ),
    spec(
        "revenue",
        "营业收入",
        false,
        "单位:元,最多两位小数,不小于 0;可带千分位逗号",
    ),
    spec(
        "total_assets",
        "资产总额",
        false,
        "单位:元,最多两位小数,不小于 0",
    ),
    spec("tax_paid", "纳税额", false, "单位:元,最多两位小数,不小于 0"),
    spec(
        "rd_expense",
        "研发费用",
        false,
        "单位:元,最多两位小数,不小于 0",
    ),
    spec(
        "equipment_investment",
        "设备投资",
        false,
        "单位:元,最多两位小数,不小于 0",
    ),
    spec(
        "fixed_asset_investment",
        "固定资产投资",
        false,
        "单位:元,最多两位小数,不小于 0",
    ),
    spec(
        "tags",
        "资质标签",
        false,
        "多个标签用 ; 或 \u{FF1B} 或 | 分隔;每个标签写“名称”或“名称@认定日期”,如 国家高新技术企业@2025-03-01",
    ),
    spec(
        "legal_representative",
        "法定代表人",
        false,
        "姓名,不超过 100 个字",
    ),
    spec(
        "contact_phone",
        "联系电话",
        false,
        "11 位手机号,或带区号的固定电话,如 0595-22345678",
    ),
    spec(
        "credit_status",
        "信用状况",
        false,
        "良好、关注、失信(或 good、watch、bad);不填视为良好",
    ),
];

/// A column of the enterprise file; the discriminant is its index in [`COLUMNS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Column {
    CreditCode,
    Name,
    IndustryCode,
    RegionCode,
    EstablishedOn,
    Ownership,
    Year,
    Employees,
    Revenue,
    TotalAssets,
    TaxPaid,
    RdExpense,
    EquipmentInvestment,
    FixedAssetInvestment,
    Tags,
    LegalRepresentative,
    ContactPhone,
    CreditStatus,
}

impl Column {
    /// Every column in [`COLUMNS`] order.
    pub(crate) const ALL: [Column; 18] = [
        Column::CreditCode,
        Column::Name,
        Column::IndustryCode,
        Column::RegionCode,
        Column::EstablishedOn,
        Column::Ownership,
        Column::Year,
        Column::Employees,
        Column::Revenue,
        Column::TotalAssets,
        Column::TaxPaid,
        Column::RdExpense,
        Column::EquipmentInvestment,
        Column::FixedAssetInvestment,
        Column::Tags,
        Column::LegalRepresentative,
        Column::ContactPhone,
        Column::CreditStatus,
    ];

    pub(crate) fn spec(self) -> &'static ColumnSpec {
        &COLUMNS[self as usize]
    }

    pub(crate) fn name(self) -> &'static str {
        self.spec().name
    }

    pub(crate) fn label(self) -> &'static str {
        self.spec().label_zh
    }

    /// The column a header cell names: a code name in any letter case, or the Chinese label,
    /// optionally followed by a unit in brackets ("营业收入(元)"), as hand-made sheets often add.
    pub(crate) fn from_header(text: &str) -> Option<Column> {
        let text = text.trim();
        let bare = without_unit(text);
        Column::ALL
            .into_iter()
            .find(|c| c.name().eq_ignore_ascii_case(text) || c.label() == text || c.label() == bare)
    }
}

/// "营业收入(元)" or "营业收入（元）" → "营业收入"; other text unchanged.
fn without_unit(text: &str) -> &str {
    ['(', '\u{FF08}']
        .into_iter()
        .find_map(|open| text.split_once(open))
        .filter(|(_, rest)| rest.ends_with([')', '\u{FF09}']))
        .map_or(text, |(head, _)| head.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// "CreditCode" → "credit_code".
    fn snake_case(camel: &str) -> String {
        let mut out = String::new();
        for c in camel.chars() {
            if c.is_ascii_uppercase() && !out.is_empty() {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        }
        out
    }

    #[test]
    fn column_enum_matches_the_public_list() {
        assert_eq!(Column::ALL.len(), COLUMNS.len());
        for (index, column) in Column::ALL.into_iter().enumerate() {
            assert_eq!(column as usize, index);
            assert_eq!(column.name(), snake_case(&format!("{column:?}")));
        }
    }

    #[test]
    fn header_accepts_code_names_labels_and_units() {
        assert_eq!(Column::from_header("revenue"), Some(Column::Revenue));
        assert_eq!(
            Column::from_header(" Credit_Code "),
            Some(Column::CreditCode)
        );
        assert_eq!(Column::from_header("营业收入"), Some(Column::Revenue));
        assert_eq!(Column::from_header("营业收入(元)"), Some(Column::Revenue));
        assert_eq!(
            Column::from_header("从业人员\u{FF08}人\u{FF09}"),
            Some(Column::Employees)
        );
        assert_eq!(Column::from_header("营收"), None);
        assert_eq!(Column::from_header("营业收入(元"), None);
        assert_eq!(Column::from_header(""), None);
    }

    #[test]
    fn labels_and_names_are_unique() {
        for (i, a) in COLUMNS.iter().enumerate() {
            for b in &COLUMNS[i + 1..] {
                assert_ne!(a.name, b.name);
                assert_ne!(a.label_zh, b.label_zh);
            }
        }
    }
}
