//! Export: the value of each column of a record, typed, for the format writers to render.

use crate::columns::Column;
use crate::record::EnterpriseRecord;
use chrono::NaiveDate;
use qinqing_domain::Money;
use std::borrow::Cow;

/// Why an XLSX file could not be produced (in practice: more rows than a sheet holds).
#[derive(Debug, thiserror::Error)]
#[error("生成 Excel 文件失败:{0}")]
pub struct ExportError(#[from] rust_xlsxwriter::XlsxError);

/// One cell to export.
#[derive(Debug)]
pub(crate) enum Value<'a> {
    Blank,
    /// Free text (names, tags).
    Text(Cow<'a, str>),
    /// An identifier made of digits and letters that must stay text (codes, phone numbers).
    Code(&'a str),
    /// One of a fixed set: CSV writes the code, XLSX the Chinese label; import takes either.
    Choice {
        code: &'static str,
        label: &'static str,
    },
    Date(NaiveDate),
    Integer(i128),
    Money(Money),
}

/// The value of `column` in `record`.
pub(crate) fn value(record: &EnterpriseRecord, column: Column) -> Value<'_> {
    let identity = &record.identity;
    let figures = &record.figures;
    match column {
        Column::CreditCode => Value::Code(identity.credit_code.as_str()),
        Column::Name => Value::Text(Cow::Borrowed(&identity.name)),
        Column::IndustryCode => Value::Code(identity.industry_code.as_str()),
        Column::RegionCode => Value::Code(identity.region_code.as_str()),
        Column::EstablishedOn => identity.established_on.map_or(Value::Blank, Value::Date),
        Column::Ownership => Value::Choice {
            code: identity.ownership.as_str(),
            label: identity.ownership.label_zh(),
        },
        Column::Year => Value::Integer(figures.year.into()),
        Column::Employees => figures
            .employees
            .map_or(Value::Blank, |n| Value::Integer(n.into())),
        Column::Revenue => money(figures.revenue),
        Column::TotalAssets => money(figures.total_assets),
        Column::TaxPaid => money(figures.tax_paid),
        Column::RdExpense => money(figures.rd_expense),
        Column::EquipmentInvestment => money(figures.equipment_investment),
        Column::FixedAssetInvestment => money(figures.fixed_asset_investment),
        Column::Tags => tags(record),
        Column::LegalRepresentative => identity
            .legal_representative
            .as_deref()
            .map_or(Value::Blank, |name| Value::Text(Cow::Borrowed(name))),
        Column::ContactPhone => record
            .contact_phone
            .as_ref()
            .map_or(Value::Blank, |phone| Value::Code(phone.as_str())),
        Column::CreditStatus => Value::Choice {
            code: identity.credit_status.as_str(),
            label: identity.credit_status.label_zh(),
        },
    }
}

fn money(amount: Option<Money>) -> Value<'static> {
    amount.map_or(Value::Blank, Value::Money)
}

/// Tags joined with ';' in the form import splits again ("名称@YYYY-MM-DD").
fn tags(record: &EnterpriseRecord) -> Value<'_> {
    if record.qualifications.is_empty() {
        return Value::Blank;
    }
    let tags: Vec<String> = record.qualifications.iter().map(|q| q.to_tag()).collect();
    Value::Text(Cow::Owned(tags.join(";")))
}
