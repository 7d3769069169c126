//! Receipt numbers (受理号, 诉求编号, batch numbers) every scene hands out.

use crate::{AppError, AppResult};

/// A random receipt or batch number: prefix, Beijing date, eight random hex digits.
pub fn receipt_number(prefix: &str, now: chrono::DateTime<chrono::Utc>) -> AppResult<String> {
    let mut bytes = [0u8; 4];
    getrandom::fill(&mut bytes).map_err(|e| AppError::Internal(anyhow::anyhow!("{e}")))?;
    let date = now
        .with_timezone(&qinqing_domain::deadline::beijing())
        .format("%Y%m%d");
    Ok(format!("{prefix}{date}{}", hex::encode_upper(bytes)))
}
