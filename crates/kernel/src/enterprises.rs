//! Enterprise registration, profiles (企业画像), corrections, import and export.

pub mod import;
pub mod profile;
pub mod registration;

pub use import::{ImportSummary, export, import, import_records};
pub use profile::year_figures;
pub use profile::{
    CORRECTION_REVIEW, FigureInput, ProfileUpdate, ProfileView, YearView, list, profile,
    update_profile,
};
pub use registration::{PLEDGE_TEXT, PLEDGE_VERSION, RegistrationInput, register};

use crate::store::Conn;
use crate::store::enterprises::{self as store};
pub use crate::store::enterprises::{Enterprise, ListFilter, ScopeFilter};
use crate::{AppError, AppResult, Principal};
use qinqing_domain::CreditCode;

/// Loads an enterprise the caller may see: 404 when it does not exist, 403 when it is outside
/// the caller's scope.
/// The credit codes and names of the enterprises the caller acts for (its own, or those a
/// steward serves), for a picker where they are told apart by name.
pub async fn names_of_own(app: &crate::App, who: &Principal) -> AppResult<Vec<(String, String)>> {
    let mut conn = app.db.conn().await?;
    let mut out = Vec::new();
    for code in who.enterprises() {
        let name = store::get_by_credit_code(&mut conn, code)
            .await?
            .map(|e| e.identity.name)
            .unwrap_or_default();
        out.push((code.to_string(), name));
    }
    Ok(out)
}

pub async fn visible_enterprise(
    conn: &mut Conn,
    who: &Principal,
    code: &CreditCode,
) -> AppResult<Enterprise> {
    // An enterprise outside the caller's scope answers exactly as one that does not exist, so
    // credit codes cannot be probed.
    let not_found = || AppError::NotFound(format!("企业 {code} 不存在"));
    let enterprise = store::get_by_credit_code(conn, code)
        .await?
        .ok_or_else(not_found)?;
    if !who.covers_enterprise(code, &enterprise.identity.region_code) {
        return Err(not_found());
    }
    Ok(enterprise)
}
