//! Amounts in yuan as the pages show them.

/// Template filters of the scene's pages.
pub(super) mod filters {
    /// An amount in yuan as the views carry it ("784130.48") with thousands separators
    /// ("784,130.48"), as amounts are written everywhere else; anything else is shown as it is.
    #[askama::filter_fn]
    pub fn yuan(value: &dyn std::fmt::Display, _: &dyn askama::Values) -> askama::Result<String> {
        Ok(super::grouped(&value.to_string()))
    }
}

/// "784130.48" → "784,130.48"; anything that is not an amount stays as it is.
pub(super) fn grouped(text: &str) -> String {
    qinqing_domain::Money::parse_yuan(text)
        .map_or_else(|_| text.to_string(), |m| m.format_grouped())
}
