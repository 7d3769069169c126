//! What one row of the enterprise file holds.

use qinqing_domain::contact::PhoneNumber;
use qinqing_domain::enterprise::{EnterpriseIdentity, Qualification, YearFigures};

/// One row of the enterprise file: an enterprise's identity and its figures for one year.
///
/// An enterprise with figures for several years spans several rows whose identity columns agree.
#[derive(Debug, Clone, PartialEq)]
pub struct EnterpriseRecord {
    /// `credit_status` is `Good` when the column is absent or blank.
    pub identity: EnterpriseIdentity,
    pub contact_phone: Option<PhoneNumber>,
    /// `figures.year` comes from the `year` column.
    pub figures: YearFigures,
    pub qualifications: Vec<Qualification>,
}
