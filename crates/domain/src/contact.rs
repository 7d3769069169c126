//! Contact telephone numbers of enterprises and staff.
//!
//! Numbers arrive typed by hand or pasted from spreadsheets ("+86 138-1234-5678", "(0595)2234 5678"),
//! and are used for SMS reminders and follow-up calls (回访), so they are normalised to one form:
//! 11 digits for a mobile, "0595-22345678" for a landline.
use serde::{Deserialize, Serialize};

/// A contact telephone number: a mainland mobile (11 digits, 1[3-9]...) or a landline with
/// area code ("0595-22345678", "059522345678"); stored normalised.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PhoneNumber(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    #[error("联系电话格式不正确:应为 11 位手机号或带区号的固定电话")]
    Malformed,
    #[error("联系电话不能为空")]
    Empty,
    #[error("联系电话中含有无效字符“{0}”:只能包含数字、空格、连字符、括号和 +86")]
    InvalidChar(char),
}

/// Mobile or landline, for deciding whether an SMS can be sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PhoneKind {
    Mobile,
    Landline,
}

impl PhoneNumber {
    /// Accepts mobiles with or without the country code ("+86", "0086", "86") and landlines with
    /// the area code, with spaces, hyphens or parentheses anywhere.
    pub fn parse(s: &str) -> Result<Self, PhoneError> {
        let digits = significant_digits(s)?;
        let national = strip_country_code(&digits);
        if let Some(mobile) = as_mobile(national) {
            return Ok(PhoneNumber(mobile));
        }
        // "+86 595 22345678": the leading 0 of the area code is dropped after the country code.
        let with_trunk_zero;
        let national = if national.len() < digits.len() && !national.starts_with('0') {
            with_trunk_zero = format!("0{national}");
            &with_trunk_zero
        } else {
            national
        };
        as_landline(national)
            .map(PhoneNumber)
            .ok_or(PhoneError::Malformed)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn kind(&self) -> PhoneKind {
        if self.0.starts_with('1') {
            PhoneKind::Mobile
        } else {
            PhoneKind::Landline
        }
    }

    pub fn is_mobile(&self) -> bool {
        self.kind() == PhoneKind::Mobile
    }

    /// The number with the middle digits hidden ("138****5678", "0595-****5678"), for lists
    /// shown to people who need to recognise a number but not to call it.
    pub fn masked(&self) -> String {
        let n = self.0.len();
        let (head, tail) = match self.kind() {
            PhoneKind::Mobile => (3, 4),
            PhoneKind::Landline => (self.0.find('-').map_or(4, |i| i + 1), 4),
        };
        let hidden = n.saturating_sub(head + tail);
        format!(
            "{}{}{}",
            &self.0[..head],
            "*".repeat(hidden),
            &self.0[n - tail..]
        )
    }
}

/// The digits of the input (keeping a leading '+'), after dropping the separators people type.
fn significant_digits(s: &str) -> Result<String, PhoneError> {
    let s = s.trim();
    if s.is_empty() {
        return Err(PhoneError::Empty);
    }
    let mut out = String::with_capacity(s.len());
    for (i, c) in s.chars().enumerate() {
        match c {
            '0'..='9' => out.push(c),
            '+' if i == 0 => out.push(c),
            ' ' | '-' | '(' | ')' | '\u{3000}' | '－' | '（' | '）' => {}
            _ => return Err(PhoneError::InvalidChar(c)),
        }
    }
    Ok(out)
}

/// Removes a leading "+86", "0086", or a bare "86" in front of an 11-digit mobile.
fn strip_country_code(digits: &str) -> &str {
    if let Some(rest) = digits
        .strip_prefix("+86")
        .or_else(|| digits.strip_prefix("0086"))
    {
        return rest;
    }
    match digits.strip_prefix("86") {
        Some(rest) if as_mobile(rest).is_some() => rest,
        _ => digits,
    }
}

/// `^1[3-9]\d{9}$`.
fn as_mobile(d: &str) -> Option<String> {
    let b = d.as_bytes();
    let ok = b.len() == 11
        && b[0] == b'1'
        && (b'3'..=b'9').contains(&b[1])
        && b.iter().all(u8::is_ascii_digit);
    ok.then(|| d.to_owned())
}

/// "0" + area code + 7–8 digit local number → "0AAA-NNNNNNNN". Area codes 010 and 020–029 have
/// two digits after the 0; all others have three, so the split is determined by the digits.
fn as_landline(d: &str) -> Option<String> {
    if !d.starts_with('0') || !d.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let area_len = if d.starts_with("01") || d.starts_with("02") {
        3
    } else {
        4
    };
    if d.len() <= area_len {
        return None;
    }
    let (area, local) = d.split_at(area_len);
    let local_ok = (7..=8).contains(&local.len()) && !local.starts_with(['0', '1']);
    (local_ok && !area[1..].starts_with('0')).then(|| format!("{area}-{local}"))
}

impl std::fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for PhoneNumber {
    type Err = PhoneError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PhoneNumber::parse(s)
    }
}

impl TryFrom<String> for PhoneNumber {
    type Error = PhoneError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        PhoneNumber::parse(&s)
    }
}

impl From<PhoneNumber> for String {
    fn from(c: PhoneNumber) -> String {
        c.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ok(s: &str) -> String {
        PhoneNumber::parse(s)
            .unwrap_or_else(|e| panic!("{s:?}: {e}"))
            .0
    }

    #[test]
    fn normalises_mobiles() {
        for input in [
            "13812345678",
            "138 1234 5678",
            "138-1234-5678",
            "+86 138 1234 5678",
            "+8613812345678",
            "0086 13812345678",
            "8613812345678",
            "  13812345678  ",
        ] {
            assert_eq!(ok(input), "13812345678", "{input}");
        }
        assert_eq!(ok("19912345678"), "19912345678");
        assert!(PhoneNumber::parse("13812345678").unwrap().is_mobile());
    }

    #[test]
    fn normalises_landlines() {
        for input in [
            "0595-22345678",
            "059522345678",
            "(0595)22345678",
            "0595 2234 5678",
            "+86 595 22345678",
        ] {
            assert_eq!(ok(input), "0595-22345678", "{input}");
        }
        assert_eq!(ok("010-62345678"), "010-62345678");
        assert_eq!(ok("02188886666"), "021-88886666");
        assert_eq!(ok("0838-2234567"), "0838-2234567");
        assert_eq!(
            PhoneNumber::parse("0595-22345678").unwrap().kind(),
            PhoneKind::Landline
        );
    }

    #[test]
    fn rejects_malformed_numbers() {
        for input in [
            "12812345678",    // second digit 2 is not a mobile prefix
            "1381234567",     // 10 digits
            "138123456789",   // 12 digits
            "23812345678",    // no leading 0 or 1
            "0595-123456",    // local number too short
            "0595-123456789", // local number too long
            "0595-02345678",  // local number may not start with 0
            "0095-22345678",  // area code may not start with 00
            "+86 12812345678",
            "+1 4155550100",
            "0",
        ] {
            assert_eq!(
                PhoneNumber::parse(input),
                Err(PhoneError::Malformed),
                "{input}"
            );
        }
        assert_eq!(PhoneNumber::parse(" "), Err(PhoneError::Empty));
        assert_eq!(
            PhoneNumber::parse("138a2345678"),
            Err(PhoneError::InvalidChar('a'))
        );
        assert_eq!(
            PhoneNumber::parse("0595-2234567转8"),
            Err(PhoneError::InvalidChar('转'))
        );
        assert_eq!(
            PhoneNumber::parse("13+812345678"),
            Err(PhoneError::InvalidChar('+'))
        );
    }

    #[test]
    fn masks_the_middle() {
        assert_eq!(
            PhoneNumber::parse("13812345678").unwrap().masked(),
            "138****5678"
        );
        assert_eq!(
            PhoneNumber::parse("0595-22345678").unwrap().masked(),
            "0595-****5678"
        );
        assert_eq!(
            PhoneNumber::parse("010-62345678").unwrap().masked(),
            "010-****5678"
        );
    }

    #[test]
    fn serde_validates() {
        let p: PhoneNumber = serde_json::from_str("\"+86 138-1234-5678\"").unwrap();
        assert_eq!(serde_json::to_string(&p).unwrap(), "\"13812345678\"");
        assert!(serde_json::from_str::<PhoneNumber>("\"12345\"").is_err());
    }

    proptest! {
        #[test]
        fn normalised_numbers_parse_to_themselves(
            second in 3u8..=9, rest in "[0-9]{9}", area in "0[3-9][0-9]{2}", local in "[2-9][0-9]{7}"
        ) {
            let mobile = format!("1{second}{rest}");
            prop_assert_eq!(ok(&mobile), mobile.clone());
            let landline = format!("{area}-{local}");
            prop_assert_eq!(ok(&landline), landline.clone());
            prop_assert_eq!(ok(&landline.replace('-', "")), landline);
        }

        #[test]
        fn parse_never_panics(s in "\\PC{0,20}") {
            let _ = PhoneNumber::parse(&s);
        }
    }
}
