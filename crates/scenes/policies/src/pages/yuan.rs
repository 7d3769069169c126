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

/// An amount as a chart writes it beside a bar: 万元 with two decimals from 1 万元 up
/// ("78.41 万元"), else yuan ("8,500.50 元"); the exact amount goes in its tooltip.
pub(super) fn short(fen: i64) -> String {
    let money = qinqing_domain::Money::from_fen(fen);
    if fen.unsigned_abs() >= 1_000_000 {
        format!("{} 万元", money.wan_yuan().round_dp(2))
    } else {
        format!("{} 元", money.format_grouped())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_chart_writes_large_amounts_in_wan_yuan_and_small_ones_in_yuan() {
        assert_eq!(super::short(78_413_048), "78.41 万元");
        assert_eq!(super::short(1_000_000), "1.00 万元");
        assert_eq!(super::short(850_050), "8,500.50 元");
    }
}
