//! Chinese wording of amounts and values for explanations a business owner reads.
//!
//! Actual figures are shown in the largest sensible unit with two decimals, *truncated* rather
//! than rounded: 99,999,999.99 元 must not read "10,000.00 万元" next to "需不低于 1 亿元".
//! Thresholds are shown as written when round ("1 亿元", "500 万元"), exactly otherwise.

use qinqing_domain::Money;

const FEN_PER_WAN: i64 = 1_000_000; // 1 万元
const FEN_PER_YI: i64 = 10_000 * FEN_PER_WAN; // 1 亿元

/// An actual amount: "1.20 亿元", "8,000.00 万元", "1,234.56 元".
pub fn money_actual(fen: i64) -> String {
    let abs = fen.unsigned_abs();
    let sign = if fen < 0 { "-" } else { "" };
    let (unit_fen, unit) = if abs >= FEN_PER_YI as u64 {
        (FEN_PER_YI as u64, "亿元")
    } else if abs >= FEN_PER_WAN as u64 {
        (FEN_PER_WAN as u64, "万元")
    } else {
        return format!("{} 元", Money::from_fen(fen).format_grouped());
    };
    // Two decimals of the unit, truncated.
    let hundredths = abs / (unit_fen / 100);
    format!(
        "{sign}{}.{:02} {unit}",
        group(hundredths / 100),
        hundredths % 100
    )
}

/// A threshold or granted amount: "1 亿元", "500 万元", "2,000,000.50 元".
pub fn money_round(fen: i64) -> String {
    let abs = fen.unsigned_abs();
    let sign = if fen < 0 { "-" } else { "" };
    if abs != 0 && abs.is_multiple_of(FEN_PER_YI as u64) {
        format!("{sign}{} 亿元", group(abs / FEN_PER_YI as u64))
    } else if abs != 0 && abs.is_multiple_of(FEN_PER_WAN as u64) {
        format!("{sign}{} 万元", group(abs / FEN_PER_WAN as u64))
    } else if abs.is_multiple_of(100) {
        format!("{sign}{} 元", group(abs / 100))
    } else {
        format!("{} 元", Money::from_fen(fen).format_grouped())
    }
}

/// A granted amount in yuan with separators: "300,000.00 元".
pub fn money_exact(fen: i64) -> String {
    format!("{} 元", Money::from_fen(fen).format_grouped())
}

/// Thousands separators for a whole number.
pub fn group(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// A ratio of scale 4 as a percentage: 350 → "3.5%".
pub fn percent(scaled4: i64) -> String {
    // scaled4 / 10^4 × 100 = scaled4 / 100
    format!("{}%", crate::num::format_scaled(scaled4, 2, 0))
}

/// A computed ratio num/den (raw scaled values) as a percentage with two decimals, truncated.
pub fn ratio_percent(num: i64, num_scale: u32, den: i64, den_scale: u32) -> String {
    if den == 0 {
        return "无法计算(分母为 0)".to_string();
    }
    // value = num/10^ns ÷ den/10^ds; percent ×100; two decimals ×100
    let n = i128::from(num) * 10i128.pow(den_scale) * 10_000;
    let d = i128::from(den) * 10i128.pow(num_scale);
    let hundredths = n / d;
    let sign = if hundredths < 0 { "-" } else { "" };
    let h = hundredths.unsigned_abs();
    format!("{sign}{}.{:02}%", h / 100, h % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actual_amounts_use_the_largest_unit_truncated() {
        assert_eq!(money_actual(8_000 * FEN_PER_WAN), "8,000.00 万元");
        assert_eq!(money_actual(FEN_PER_YI - 1), "9,999.99 万元");
        assert_eq!(money_actual(120 * FEN_PER_YI / 100), "1.20 亿元");
        assert_eq!(money_actual(123_456), "1,234.56 元");
        assert_eq!(money_actual(-5 * FEN_PER_WAN), "-5.00 万元");
    }

    #[test]
    fn round_amounts_read_naturally() {
        assert_eq!(money_round(FEN_PER_YI), "1 亿元");
        assert_eq!(money_round(500 * FEN_PER_WAN), "500 万元");
        assert_eq!(money_round(2_000_000), "2 万元");
        assert_eq!(money_round(150_000), "1,500 元");
        assert_eq!(money_round(150_050), "1,500.50 元");
        assert_eq!(money_round(0), "0 元");
        assert_eq!(money_exact(30_000_000), "300,000.00 元");
    }

    #[test]
    fn percentages() {
        assert_eq!(percent(300), "3%");
        assert_eq!(percent(350), "3.5%");
        assert_eq!(ratio_percent(250, 2, 10_000, 2), "2.50%");
        assert_eq!(ratio_percent(1, 2, 3, 2), "33.33%");
        assert_eq!(ratio_percent(1, 2, 0, 2), "无法计算(分母为 0)");
    }
}
