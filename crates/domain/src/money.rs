//! Money: CNY held as an integer number of fen (1/100 yuan).
//!
//! Policy rewards, caps and payouts are compared and summed exactly, so amounts never pass through
//! floating point. Text is parsed digit by digit; more than two decimals is an error rather than a
//! rounding, because a silently rounded grant amount is a wrong grant amount.
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

/// An amount of CNY in fen (1/100 yuan). Exact; never a float.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(try_from = "String", into = "String")]
pub struct Money(i64);

/// Why a text amount was rejected; the messages are shown to users as they are.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("金额格式不正确")]
    Malformed,
    #[error("金额不能为空")]
    Empty,
    #[error("金额最多保留两位小数(精确到分)")]
    TooManyDecimals,
    #[error("金额的千分位逗号位置不正确")]
    BadGrouping,
    #[error("金额超出可处理的范围")]
    Overflow,
}

const FEN_PER_YUAN: i128 = 100;

impl Money {
    pub const ZERO: Money = Money(0);
    pub const MAX: Money = Money(i64::MAX);
    pub const MIN: Money = Money(i64::MIN);

    pub fn from_fen(fen: i64) -> Self {
        Money(fen)
    }

    /// Whole yuan. Saturates at [`Money::MAX`]/[`Money::MIN`] instead of panicking on amounts beyond
    /// ±92 万亿亿 yuan; use [`Money::checked_from_yuan`] where such input must be reported.
    pub fn from_yuan(yuan: i64) -> Self {
        Money(yuan.saturating_mul(100))
    }

    /// Whole yuan, or `None` when the amount does not fit.
    pub fn checked_from_yuan(yuan: i64) -> Option<Self> {
        yuan.checked_mul(100).map(Money)
    }

    pub fn fen(self) -> i64 {
        self.0
    }

    pub fn is_negative(self) -> bool {
        self.0 < 0
    }

    pub fn checked_add(self, other: Money) -> Option<Money> {
        self.0.checked_add(other.0).map(Money)
    }

    pub fn checked_sub(self, other: Money) -> Option<Money> {
        self.0.checked_sub(other.0).map(Money)
    }

    /// Multiplies by a count (e.g. a per-unit reward times the number of units).
    pub fn checked_mul(self, factor: i64) -> Option<Money> {
        self.0.checked_mul(factor).map(Money)
    }

    /// Sums amounts, `None` on overflow (a total that does not fit must not wrap around).
    pub fn checked_sum<I: IntoIterator<Item = Money>>(items: I) -> Option<Money> {
        items.into_iter().try_fold(Money::ZERO, Money::checked_add)
    }

    /// Parses "1234", "1234.5", "1234.56", "1,234.56", "-3.00"; more than 2 decimals is an error.
    ///
    /// Surrounding whitespace is ignored. Thousands commas are optional but, when present, must
    /// group the integer part in threes ("1,234,567"), so a mistyped "12,34" is caught.
    pub fn parse_yuan(s: &str) -> Result<Self, MoneyError> {
        let s = s.trim();
        if s.is_empty() {
            return Err(MoneyError::Empty);
        }
        let (negative, unsigned) = match s.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, s),
        };
        let (int_text, frac_text) = match unsigned.split_once('.') {
            Some((i, f)) => (i, Some(f)),
            None => (unsigned, None),
        };
        let int_digits = integer_digits(int_text)?;
        let frac_fen = fraction_fen(frac_text)?;
        let mut fen: i128 = 0;
        for d in int_digits.bytes() {
            fen = fen * 10 + i128::from(d - b'0');
            if fen > i128::from(i64::MAX) + 1 {
                return Err(MoneyError::Overflow);
            }
        }
        fen = fen * FEN_PER_YUAN + frac_fen;
        if negative {
            fen = -fen;
        }
        i64::try_from(fen)
            .map(Money)
            .map_err(|_| MoneyError::Overflow)
    }

    /// Amount in 万元 as an exact decimal (for the size-class table).
    pub fn wan_yuan(self) -> Decimal {
        // 1 万元 = 10 000 yuan = 1 000 000 fen.
        Decimal::new(self.0, 6)
    }

    /// Amount in yuan as an exact decimal with two places.
    pub fn yuan(self) -> Decimal {
        Decimal::new(self.0, 2)
    }

    /// "1,234,567.80" — thousands separators, always two decimals.
    pub fn format_grouped(self) -> String {
        let (whole, cents) = self.split();
        let digits = whole.to_string();
        let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 4);
        if self.is_negative() {
            out.push('-');
        }
        for (i, ch) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                out.push(',');
            }
            out.push(ch);
        }
        let _ = write!(out, ".{cents:02}");
        out
    }

    /// Whole yuan and remaining fen of the absolute value (`unsigned_abs` so `i64::MIN` is fine).
    fn split(self) -> (u64, u64) {
        let abs = self.0.unsigned_abs();
        (abs / 100, abs % 100)
    }
}

/// The integer digits of `text` with any thousands commas removed (validated).
fn integer_digits(text: &str) -> Result<String, MoneyError> {
    if text.is_empty() {
        return Err(MoneyError::Malformed);
    }
    if !text.bytes().all(|b| b.is_ascii_digit() || b == b',') {
        return Err(MoneyError::Malformed);
    }
    if !text.contains(',') {
        return Ok(text.to_owned());
    }
    let groups: Vec<&str> = text.split(',').collect();
    let first_ok = (1..=3).contains(&groups[0].len());
    let rest_ok = groups[1..].iter().all(|g| g.len() == 3);
    if first_ok && rest_ok {
        Ok(groups.concat())
    } else {
        Err(MoneyError::BadGrouping)
    }
}

/// The fen value of the text after the decimal point: "5" → 50, "05" → 5, none → 0.
fn fraction_fen(text: Option<&str>) -> Result<i128, MoneyError> {
    let Some(text) = text else { return Ok(0) };
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(MoneyError::Malformed);
    }
    let digits = text.as_bytes();
    match digits.len() {
        1 => Ok(i128::from(digits[0] - b'0') * 10),
        2 => Ok(i128::from(digits[0] - b'0') * 10 + i128::from(digits[1] - b'0')),
        _ => Err(MoneyError::TooManyDecimals),
    }
}

/// Plain "1234.56" (no grouping), what CSV export and JSON use.
impl std::fmt::Display for Money {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (whole, cents) = self.split();
        let sign = if self.is_negative() { "-" } else { "" };
        write!(f, "{sign}{whole}.{cents:02}")
    }
}

impl std::str::FromStr for Money {
    type Err = MoneyError;
    fn from_str(s: &str) -> Result<Self, MoneyError> {
        Money::parse_yuan(s)
    }
}

impl TryFrom<String> for Money {
    type Error = MoneyError;
    fn try_from(s: String) -> Result<Self, MoneyError> {
        Money::parse_yuan(&s)
    }
}

impl From<Money> for String {
    fn from(m: Money) -> String {
        m.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::str::FromStr;

    fn yuan(s: &str) -> Money {
        Money::parse_yuan(s).unwrap()
    }

    #[test]
    fn parses_plain_and_decimal_amounts() {
        assert_eq!(yuan("1234"), Money::from_fen(123_400));
        assert_eq!(yuan("1234.5"), Money::from_fen(123_450));
        assert_eq!(yuan("1234.56"), Money::from_fen(123_456));
        assert_eq!(yuan("0.05"), Money::from_fen(5));
        assert_eq!(yuan("  88  "), Money::from_yuan(88));
        assert_eq!(yuan("007.10"), Money::from_fen(710));
    }

    #[test]
    fn parses_grouped_and_negative_amounts() {
        assert_eq!(yuan("1,234.56"), Money::from_fen(123_456));
        assert_eq!(yuan("1,234,567.80"), Money::from_fen(123_456_780));
        assert_eq!(yuan("-3.00"), Money::from_fen(-300));
        assert_eq!(yuan("-0.50"), Money::from_fen(-50));
        assert_eq!(yuan("-0"), Money::ZERO);
        assert_eq!(yuan("-1,000"), Money::from_yuan(-1000));
    }

    #[test]
    fn rejects_bad_input_with_specific_errors() {
        use MoneyError::*;
        let cases = [
            ("", Empty),
            ("   ", Empty),
            ("1.234", TooManyDecimals),
            ("0.001", TooManyDecimals),
            ("abc", Malformed),
            ("12a", Malformed),
            ("1.", Malformed),
            (".5", Malformed),
            ("-", Malformed),
            ("--1", Malformed),
            ("+1", Malformed),
            ("1.2.3", Malformed),
            ("1e5", Malformed),
            ("1 000", Malformed),
            ("1.-5", Malformed),
            ("１２", Malformed),
            ("¥12", Malformed),
            ("12,34", BadGrouping),
            ("1234,567", BadGrouping),
            (",123", BadGrouping),
            ("1,,234", BadGrouping),
            ("123,", BadGrouping),
            ("99999999999999999999", Overflow),
            ("92233720368547758.08", Overflow),
        ];
        for (input, expected) in cases {
            assert_eq!(Money::parse_yuan(input), Err(expected), "input {input:?}");
        }
    }

    #[test]
    fn parses_the_extremes_of_i64() {
        assert_eq!(yuan("92233720368547758.07"), Money::MAX);
        assert_eq!(yuan("-92233720368547758.08"), Money::MIN);
        assert_eq!(Money::MIN.to_string(), "-92233720368547758.08");
    }

    #[test]
    fn displays_plain_and_grouped() {
        assert_eq!(Money::from_fen(123_456).to_string(), "1234.56");
        assert_eq!(Money::from_fen(-50).to_string(), "-0.50");
        assert_eq!(Money::ZERO.to_string(), "0.00");
        assert_eq!(
            Money::from_fen(123_456_780).format_grouped(),
            "1,234,567.80"
        );
        assert_eq!(Money::from_fen(100_000).format_grouped(), "1,000.00");
        assert_eq!(Money::from_fen(99_999).format_grouped(), "999.99");
        assert_eq!(
            Money::from_fen(-123_456_789).format_grouped(),
            "-1,234,567.89"
        );
        assert_eq!(Money::MIN.format_grouped(), "-92,233,720,368,547,758.08");
    }

    #[test]
    fn wan_yuan_is_exact() {
        assert_eq!(Money::from_yuan(20_000_000).wan_yuan(), Decimal::from(2000));
        assert_eq!(
            Money::from_fen(1).wan_yuan(),
            Decimal::from_str("0.000001").unwrap()
        );
        assert_eq!(
            yuan("123.45").wan_yuan(),
            Decimal::from_str("0.012345").unwrap()
        );
        assert_eq!(yuan("123.45").yuan(), Decimal::from_str("123.45").unwrap());
    }

    #[test]
    fn checked_arithmetic_reports_overflow() {
        let a = Money::from_fen(150);
        assert_eq!(
            a.checked_add(Money::from_fen(50)),
            Some(Money::from_fen(200))
        );
        assert_eq!(
            a.checked_sub(Money::from_fen(200)),
            Some(Money::from_fen(-50))
        );
        assert_eq!(a.checked_mul(3), Some(Money::from_fen(450)));
        assert_eq!(Money::MAX.checked_add(Money::from_fen(1)), None);
        assert_eq!(Money::MIN.checked_sub(Money::from_fen(1)), None);
        assert_eq!(Money::checked_sum([a, a, a]), Some(Money::from_fen(450)));
        assert_eq!(Money::checked_sum([Money::MAX, a]), None);
        assert_eq!(Money::from_yuan(i64::MAX), Money::MAX);
        assert_eq!(Money::checked_from_yuan(i64::MAX), None);
    }

    #[test]
    fn serde_uses_the_plain_string() {
        let json = serde_json::to_string(&Money::from_fen(123_456)).unwrap();
        assert_eq!(json, "\"1234.56\"");
        let back: Money = serde_json::from_str("\"1,234.56\"").unwrap();
        assert_eq!(back, Money::from_fen(123_456));
        assert!(serde_json::from_str::<Money>("\"1.234\"").is_err());
    }

    proptest! {
        #[test]
        fn display_round_trips(fen in any::<i64>()) {
            let m = Money::from_fen(fen);
            prop_assert_eq!(Money::parse_yuan(&m.to_string()), Ok(m));
            prop_assert_eq!(Money::parse_yuan(&m.format_grouped()), Ok(m));
        }

        #[test]
        fn parse_never_panics(s in "\\PC{0,30}") {
            let _ = Money::parse_yuan(&s);
        }
    }
}
