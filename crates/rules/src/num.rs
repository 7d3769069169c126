//! Exact numbers: scaled integers, rates as decimals, and rounding to the fen.
//!
//! Every numeric fact is an `i64` in its type's unit (money in fen, decimals with 4 places, dates
//! in days). A computed amount such as 10 % of an investment is the exact rational
//! `base × mantissa / 10^scale`, evaluated in `i128` and rounded once, by the policy's rule, to the
//! fen. This is the arithmetic of `rust_decimal` without its 96-bit limit and without allocation,
//! so the column evaluator can run it per row and get the same answer as the single evaluator.

use crate::model::Rounding;
use rust_decimal::Decimal;
use std::str::FromStr;

/// Parses "1,234.5", "3%", "0.035" into an integer with `scale` decimal places.
///
/// More places than `scale` is an error (a threshold of 0.001 fen is a typo, not a rounding).
/// `percent` allows a trailing "%" (divides by 100).
pub(crate) fn parse_scaled(text: &str, scale: u32, percent: bool) -> Result<i64, String> {
    let d = parse_decimal(text, percent)?;
    decimal_to_scaled(d, scale)
}

/// Parses a decimal number, with an optional "%" when `percent`, and thousands commas.
pub(crate) fn parse_decimal(text: &str, percent: bool) -> Result<Decimal, String> {
    let trimmed = text.trim();
    let (body, is_percent) = match trimmed.strip_suffix('%') {
        Some(b) if percent => (b.trim(), true),
        Some(_) => return Err(format!("“{trimmed}”不能使用百分号")),
        None => (trimmed, false),
    };
    let cleaned: String = body.chars().filter(|&c| c != ',' && c != '_').collect();
    let valid_chars = cleaned
        .chars()
        .all(|c| c.is_ascii_digit() || c == '.' || c == '-');
    if cleaned.is_empty() || !valid_chars {
        return Err(format!("“{trimmed}”不是数字"));
    }
    let d = Decimal::from_str(&cleaned).map_err(|_| format!("“{trimmed}”不是数字"))?;
    if is_percent {
        d.checked_div(Decimal::ONE_HUNDRED)
            .ok_or_else(|| format!("“{trimmed}”超出范围"))
    } else {
        Ok(d)
    }
}

/// The decimal as an integer with `scale` places, or an error when it has more places.
pub(crate) fn decimal_to_scaled(d: Decimal, scale: u32) -> Result<i64, String> {
    let d = d.normalize();
    if d.scale() > scale {
        return Err(format!("{d} 最多保留 {scale} 位小数"));
    }
    let factor = 10i128.pow(scale - d.scale());
    d.mantissa()
        .checked_mul(factor)
        .and_then(|v| i64::try_from(v).ok())
        .ok_or_else(|| format!("{d} 超出范围"))
}

/// `num / den` rounded to an integer by `mode`; `den` must be positive.
pub(crate) fn round_div(num: i128, den: i128, mode: Rounding) -> i128 {
    debug_assert!(den > 0);
    // The common case fits in 64 bits, where division is several times faster.
    if let (Ok(n), Ok(d)) = (i64::try_from(num), i64::try_from(den)) {
        return i128::from(round_div64(n, d, mode));
    }
    let q = num.div_euclid(den);
    let r = num.rem_euclid(den); // 0 <= r < den, num = q*den + r
    if r == 0 {
        return q;
    }
    // The exact value lies strictly between q and q + 1; compare r with den − r rather than 2r
    // with den, which could overflow.
    let rest = den - r;
    let up = match mode {
        Rounding::Down => num < 0,
        Rounding::Up => num >= 0,
        Rounding::HalfUp => r > rest || (r == rest && num > 0),
        Rounding::HalfEven => r > rest || (r == rest && q % 2 != 0),
    };
    if up { q + 1 } else { q }
}

/// [`round_div`] on 64-bit integers (same rule, same results).
fn round_div64(num: i64, den: i64, mode: Rounding) -> i64 {
    let q = num.div_euclid(den);
    let r = num.rem_euclid(den);
    if r == 0 {
        return q;
    }
    // r < den ≤ i64::MAX, so 2r fits in u64.
    let twice = (r as u64) * 2;
    let den_u = den as u64;
    let up = match mode {
        Rounding::Down => num < 0,
        Rounding::Up => num >= 0,
        Rounding::HalfUp => twice > den_u || (twice == den_u && num > 0),
        Rounding::HalfEven => twice > den_u || (twice == den_u && q % 2 != 0),
    };
    if up { q + 1 } else { q }
}

/// `base_fen × rate`, rounded to the fen; saturates at the bounds of `i64`.
pub(crate) fn mul_rate(base_fen: i64, rate: Decimal, mode: Rounding) -> i64 {
    let Some(num) = i128::from(base_fen).checked_mul(rate.mantissa()) else {
        return saturate_sign(i128::from(base_fen).signum() * rate.mantissa().signum());
    };
    let den = 10i128.pow(rate.scale());
    clamp_i64(round_div(num, den, mode))
}

fn saturate_sign(sign: i128) -> i64 {
    if sign < 0 { i64::MIN } else { i64::MAX }
}

pub(crate) fn clamp_i64(v: i128) -> i64 {
    i64::try_from(v).unwrap_or(if v < 0 { i64::MIN } else { i64::MAX })
}

/// "1234.5678" for a value of scale 4; trailing zeros after the point are kept to `min_places`.
pub(crate) fn format_scaled(value: i64, scale: u32, min_places: u32) -> String {
    let d = Decimal::from_i128_with_scale(i128::from(value), scale).normalize();
    let d = if d.scale() < min_places {
        let mut d = d;
        d.rescale(min_places);
        d
    } else {
        d
    };
    d.to_string()
}

/// Compares `num / den` (each an integer of its own scale) with `threshold` (scale 4).
/// `None` when the denominator is not positive: the ratio is undefined.
pub(crate) fn ratio_cmp(
    num: i64,
    num_scale: u32,
    den: i64,
    den_scale: u32,
    threshold: i64,
) -> Option<std::cmp::Ordering> {
    if den <= 0 {
        return None;
    }
    // num/10^ns ÷ den/10^ds  vs  t/10^4   ⇔   num·10^(ds+4)  vs  t·den·10^ns
    // |left| < 2^63 · 10^8 cannot overflow; `right` saturates, which keeps the order right
    // because the exact value would lie even further from `left`.
    let left = i128::from(num) * 10i128.pow(den_scale + 4);
    let right = i128::from(threshold)
        .saturating_mul(i128::from(den))
        .saturating_mul(10i128.pow(num_scale));
    Some(left.cmp(&right))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_scaled_values() {
        assert_eq!(parse_scaled("1,234.5", 2, false), Ok(123_450));
        assert_eq!(parse_scaled("3%", 4, true), Ok(300));
        assert_eq!(parse_scaled("0.035", 4, true), Ok(350));
        assert_eq!(parse_scaled("100000000", 2, false), Ok(10_000_000_000));
        assert!(parse_scaled("0.001", 2, false).is_err());
        assert!(parse_scaled("3%", 4, false).is_err());
        assert!(parse_scaled("abc", 2, false).is_err());
        assert!(parse_scaled("1e5", 2, false).is_err());
        assert!(parse_scaled("99999999999999999999", 2, false).is_err());
        assert_eq!(parse_scaled("-5", 0, false), Ok(-5));
    }

    #[test]
    fn rounding_modes_match_their_names() {
        use Rounding::*;
        let cases = [
            (25, 10, HalfUp, 3),
            (-25, 10, HalfUp, -3),
            (25, 10, HalfEven, 2),
            (35, 10, HalfEven, 4),
            (24, 10, HalfUp, 2),
            (29, 10, Down, 2),
            (-29, 10, Down, -2),
            (21, 10, Up, 3),
            (-21, 10, Up, -3),
            (20, 10, Up, 2),
        ];
        for (n, d, mode, want) in cases {
            assert_eq!(round_div(n, d, mode), want, "{n}/{d} {mode:?}");
        }
    }

    #[test]
    fn rates_multiply_exactly() {
        let ten_percent = Decimal::from_str("0.10").unwrap();
        assert_eq!(mul_rate(12_345, ten_percent, Rounding::HalfUp), 1_235);
        assert_eq!(mul_rate(12_345, ten_percent, Rounding::Down), 1_234);
        assert_eq!(
            mul_rate(i64::MAX, Decimal::from(2), Rounding::HalfUp),
            i64::MAX
        );
    }

    #[test]
    fn ratios_compare_exactly() {
        use std::cmp::Ordering::*;
        // 3 / 100 vs 3 %
        assert_eq!(ratio_cmp(300, 2, 10_000, 2, 300), Some(Equal));
        assert_eq!(ratio_cmp(299, 2, 10_000, 2, 300), Some(Less));
        assert_eq!(ratio_cmp(1, 2, 0, 2, 300), None);
        // money per person: 1,000.00 yuan / 4 people vs 250
        assert_eq!(ratio_cmp(100_000, 2, 4, 0, 2_500_000), Some(Equal));
    }

    #[test]
    fn formats_scaled_values() {
        assert_eq!(format_scaled(300, 4, 0), "0.03");
        assert_eq!(format_scaled(123_450, 2, 2), "1234.50");
        assert_eq!(format_scaled(5, 0, 0), "5");
    }

    proptest! {
        #[test]
        fn half_up_is_within_half(n in -1_000_000i128..1_000_000, d in 1i128..1000) {
            let q = round_div(n, d, Rounding::HalfUp);
            prop_assert!((q * d - n).abs() * 2 <= d);
        }

        #[test]
        fn the_64_bit_path_matches_the_128_bit_one(n in any::<i64>(), d in 1i64..i64::MAX, m in 0u8..4) {
            let mode = [Rounding::HalfUp, Rounding::HalfEven, Rounding::Down, Rounding::Up][m as usize];
            // Force the 128-bit path by scaling both sides by 2^64 (same quotient and remainder ratio).
            let wide = round_div(i128::from(n) << 64, i128::from(d) << 64, mode);
            prop_assert_eq!(i128::from(round_div64(n, d, mode)), wide);
        }

        #[test]
        fn parse_never_panics(s in "\\PC{0,20}") {
            let _ = parse_scaled(&s, 2, true);
        }
    }
}
