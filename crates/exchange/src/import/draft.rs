//! A data row read column by column into values that may each be missing (because bad), so the
//! cross-row rules can still compare the columns that did parse.

use super::row::RowReader;
use super::values;
use crate::columns::Column;
use crate::record::EnterpriseRecord;
use chrono::NaiveDate;
use qinqing_domain::contact::PhoneNumber;
use qinqing_domain::enterprise::{
    CreditStatus, EnterpriseIdentity, Ownership, Qualification, YearFigures, parse_name,
};
use qinqing_domain::{CreditCode, DivisionCode, IndustryCode, Money};

/// One data row; `None` marks a column whose error has been recorded.
pub(super) struct Draft {
    pub(super) credit_code: Option<CreditCode>,
    pub(super) year: Option<i32>,
    pub(super) identity: IdentityDraft,
    figures: Option<YearFigures>,
    qualifications: Option<Vec<Qualification>>,
}

/// The columns that describe the enterprise rather than the year, and so must agree between the
/// rows of one enterprise. Optional columns hold `Some(None)` when blank.
#[derive(Clone)]
pub(super) struct IdentityDraft {
    name: Option<String>,
    industry_code: Option<IndustryCode>,
    region_code: Option<DivisionCode>,
    ownership: Option<Ownership>,
    established_on: Option<Option<NaiveDate>>,
    legal_representative: Option<Option<String>>,
    contact_phone: Option<Option<PhoneNumber>>,
    credit_status: Option<CreditStatus>,
}

impl Draft {
    pub(super) fn read(r: &mut RowReader) -> Draft {
        let credit_code = r.required(Column::CreditCode, values::credit_code);
        let identity = IdentityDraft::read(r);
        let year = r.required(Column::Year, values::year);
        let figures = read_figures(r, year);
        let qualifications = r
            .optional(Column::Tags, values::tags)
            .map(Option::unwrap_or_default);
        Draft {
            credit_code,
            year,
            identity,
            figures,
            qualifications,
        }
    }

    /// The record, when every column parsed.
    pub(super) fn into_record(self) -> Option<EnterpriseRecord> {
        let i = self.identity;
        let identity = EnterpriseIdentity {
            credit_code: self.credit_code?,
            name: i.name?,
            legal_representative: i.legal_representative?,
            industry_code: i.industry_code?,
            region_code: i.region_code?,
            ownership: i.ownership?,
            established_on: i.established_on?,
            credit_status: i.credit_status?,
        };
        Some(EnterpriseRecord {
            identity,
            contact_phone: i.contact_phone?,
            figures: self.figures?,
            qualifications: self.qualifications?,
        })
    }
}

impl IdentityDraft {
    fn read(r: &mut RowReader) -> IdentityDraft {
        IdentityDraft {
            name: r.required(Column::Name, |t| parse_name(t, Column::Name.label())),
            industry_code: r.required(Column::IndustryCode, values::industry_code),
            region_code: r.required(Column::RegionCode, values::region_code),
            established_on: r.optional(Column::EstablishedOn, |t| {
                values::date(t, Column::EstablishedOn.label())
            }),
            ownership: r.required(Column::Ownership, values::ownership),
            legal_representative: r.optional(Column::LegalRepresentative, |t| {
                parse_name(t, Column::LegalRepresentative.label())
            }),
            contact_phone: r.optional(Column::ContactPhone, values::phone),
            credit_status: r
                .optional(Column::CreditStatus, values::credit_status)
                .map(|status| status.unwrap_or(CreditStatus::Good)),
        }
    }

    /// The columns in which `self` and `earlier` both parsed and differ.
    pub(super) fn differences(&self, earlier: &IdentityDraft) -> Vec<Column> {
        let mut columns = Vec::new();
        let mut compare = |column, differs: Option<bool>| {
            if differs == Some(true) {
                columns.push(column);
            }
        };
        compare(Column::Name, differ(&self.name, &earlier.name));
        compare(
            Column::IndustryCode,
            differ(&self.industry_code, &earlier.industry_code),
        );
        compare(
            Column::RegionCode,
            differ(&self.region_code, &earlier.region_code),
        );
        compare(
            Column::EstablishedOn,
            differ(&self.established_on, &earlier.established_on),
        );
        compare(
            Column::Ownership,
            differ(&self.ownership, &earlier.ownership),
        );
        compare(
            Column::LegalRepresentative,
            differ(&self.legal_representative, &earlier.legal_representative),
        );
        compare(
            Column::ContactPhone,
            differ(&self.contact_phone, &earlier.contact_phone),
        );
        compare(
            Column::CreditStatus,
            differ(&self.credit_status, &earlier.credit_status),
        );
        columns
    }
}

/// Whether two parsed values differ; `None` when either failed to parse.
fn differ<T: PartialEq>(a: &Option<T>, b: &Option<T>) -> Option<bool> {
    Some(a.as_ref()? != b.as_ref()?)
}

/// The figures, when the year and every figure parsed. All columns are read before any `?` so
/// each bad cell is reported.
fn read_figures(r: &mut RowReader, year: Option<i32>) -> Option<YearFigures> {
    let employees = r.optional(Column::Employees, |t| {
        values::count(t, Column::Employees.label())
    });
    let revenue = read_money(r, Column::Revenue);
    let total_assets = read_money(r, Column::TotalAssets);
    let tax_paid = read_money(r, Column::TaxPaid);
    let rd_expense = read_money(r, Column::RdExpense);
    let equipment_investment = read_money(r, Column::EquipmentInvestment);
    let fixed_asset_investment = read_money(r, Column::FixedAssetInvestment);
    Some(YearFigures {
        year: year?,
        revenue: revenue?,
        tax_paid: tax_paid?,
        employees: employees?,
        total_assets: total_assets?,
        rd_expense: rd_expense?,
        fixed_asset_investment: fixed_asset_investment?,
        equipment_investment: equipment_investment?,
    })
}

fn read_money(r: &mut RowReader, column: Column) -> Option<Option<Money>> {
    r.optional(column, |t| values::money(t, column.label()))
}
