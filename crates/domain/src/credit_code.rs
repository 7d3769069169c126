//! 统一社会信用代码 (GB 32100-2015 《法人和其他组织统一社会信用代码编码规则》).
//!
//! Enterprises are keyed by this code everywhere (accounts, applications, credit records), so a
//! typo must be caught at the door: every single-character error is detected by the mod-31 check
//! character, and the error says which position is wrong.
use serde::{Deserialize, Serialize};

/// 统一社会信用代码 (GB 32100-2015), validated including its check character.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CreditCode(String);

/// Why a code was rejected; positions are 1-based as printed on a business licence.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CreditCodeError {
    #[error("统一社会信用代码应为 18 位,实际为 {0} 位")]
    WrongLength(usize),
    #[error("统一社会信用代码不能为空")]
    Empty,
    #[error(
        "统一社会信用代码第 {position} 位的字符“{found}”无效:只能是数字或大写字母(不使用 I、O、Z、S、V)"
    )]
    InvalidChar { position: usize, found: char },
    #[error("统一社会信用代码第 1 位(登记管理部门代码)“{0}”无效:应为 1–9、A、N 或 Y")]
    UnknownDepartment(char),
    #[error(
        "统一社会信用代码校验码错误:第 18 位应为“{expected}”,实际为“{found}”,请核对是否有输错的字符"
    )]
    WrongCheckChar { expected: char, found: char },
}

/// The 31 characters of the code, in value order (0–30). I, O, Z, S, V are left out because they
/// are easily confused with 1, 0, 2, 5, U.
pub const CHARSET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";

/// Length of a code, including the check character.
pub const LEN: usize = 18;

/// Weights Wi = 3^(i-1) mod 31 for positions i = 1..17.
const WEIGHTS: [u32; 17] = weights();

const fn weights() -> [u32; 17] {
    let mut w = [0u32; 17];
    let mut value = 1u32;
    let mut i = 0;
    while i < 17 {
        w[i] = value;
        value = value * 3 % 31;
        i += 1;
    }
    w
}

/// The value (0–30) of a code character, or `None` for a character outside [`CHARSET`].
fn char_value(c: char) -> Option<u32> {
    CHARSET.find(c).map(|i| i as u32)
}

/// The character of a value 0–30.
fn value_char(v: u32) -> char {
    CHARSET.as_bytes()[v as usize % 31] as char
}

/// 登记管理部门代码 (position 1) per GB 32100-2015 and its amendment No. 1 (A, N).
const DEPARTMENTS: [(char, &str); 12] = [
    ('1', "机构编制"),
    ('2', "外交"),
    ('3', "司法行政"),
    ('4', "文化"),
    ('5', "民政"),
    ('6', "旅游"),
    ('7', "宗教"),
    ('8', "工会"),
    ('9', "市场监管(工商)"),
    ('A', "中央军委改革和编制办公室"),
    ('N', "农业"),
    ('Y', "其他"),
];

/// The check character for the first 17 characters of a code, or `None` unless `first17` is
/// exactly 17 characters from [`CHARSET`] (lower-case letters are accepted). Demo-data generators
/// use this to complete a code; [`CreditCode::parse`] uses it to verify one.
pub fn check_char(first17: &str) -> Option<char> {
    let values: Vec<u32> = first17
        .chars()
        .map(|c| char_value(c.to_ascii_uppercase()))
        .collect::<Option<_>>()?;
    (values.len() == 17).then(|| check_value(&values))
}

/// (31 − Σ Ci·Wi mod 31) mod 31 as a character, over the values of positions 1–17.
fn check_value(values: &[u32]) -> char {
    let sum: u32 = values.iter().zip(WEIGHTS).map(|(v, w)| v * w).sum();
    value_char((31 - sum % 31) % 31)
}

impl CreditCode {
    /// Trims surrounding whitespace and upper-cases before checking.
    ///
    /// Checks, in order: length, the character set (naming the first bad position), the
    /// registration department (position 1) and the check character (position 18).
    pub fn parse(s: &str) -> Result<Self, CreditCodeError> {
        let code: String = s.trim().chars().map(|c| c.to_ascii_uppercase()).collect();
        let chars: Vec<char> = code.chars().collect();
        if chars.is_empty() {
            return Err(CreditCodeError::Empty);
        }
        if chars.len() != LEN {
            return Err(CreditCodeError::WrongLength(chars.len()));
        }
        let values = chars
            .iter()
            .enumerate()
            .map(|(i, &c)| {
                char_value(c).ok_or(CreditCodeError::InvalidChar {
                    position: i + 1,
                    found: c,
                })
            })
            .collect::<Result<Vec<u32>, _>>()?;
        if department_name(chars[0]).is_none() {
            return Err(CreditCodeError::UnknownDepartment(chars[0]));
        }
        let expected = check_value(&values[..17]);
        if chars[17] != expected {
            return Err(CreditCodeError::WrongCheckChar {
                expected,
                found: chars[17],
            });
        }
        Ok(CreditCode(code))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// 登记管理部门 (position 1), e.g. "市场监管(工商)" for codes starting with 9.
    pub fn department(&self) -> &'static str {
        self.0
            .chars()
            .next()
            .and_then(department_name)
            .unwrap_or("其他")
    }

    /// 登记管理机关行政区划码 (positions 3–8): where the organisation was registered.
    pub fn registration_region(&self) -> &str {
        &self.0[2..8]
    }

    /// 主体标识码 (positions 9–17), the former 组织机构代码 including its own check character.
    pub fn organization_code(&self) -> &str {
        &self.0[8..17]
    }

    /// True for 企业 registered by 市场监管 (positions 1–2 "91"), the platform's main subject.
    pub fn is_enterprise(&self) -> bool {
        self.0.starts_with("91")
    }
}

fn department_name(c: char) -> Option<&'static str> {
    DEPARTMENTS
        .iter()
        .find(|(d, _)| *d == c)
        .map(|(_, name)| *name)
}

impl std::fmt::Display for CreditCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for CreditCode {
    type Err = CreditCodeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CreditCode::parse(s)
    }
}

impl TryFrom<String> for CreditCode {
    type Error = CreditCodeError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        CreditCode::parse(&s)
    }
}

impl From<CreditCode> for String {
    fn from(c: CreditCode) -> String {
        c.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Codes printed on real business licences, and a widely used example code.
    const KNOWN_VALID: [&str; 4] = [
        "91110000600037341L",
        "91350100M000100Y43",
        "91110108551385082Q",
        "91440300708461136T",
    ];

    #[test]
    fn weights_are_powers_of_three_mod_31() {
        assert_eq!(
            WEIGHTS,
            [
                1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28
            ]
        );
    }

    #[test]
    fn accepts_known_valid_codes() {
        for code in KNOWN_VALID {
            let parsed = CreditCode::parse(code).unwrap_or_else(|e| panic!("{code}: {e}"));
            assert_eq!(parsed.as_str(), code);
        }
    }

    #[test]
    fn trims_and_uppercases() {
        let parsed = CreditCode::parse("  91110000600037341l \n").unwrap();
        assert_eq!(parsed.as_str(), "91110000600037341L");
        assert_eq!(parsed.department(), "市场监管(工商)");
        assert_eq!(parsed.registration_region(), "110000");
        assert_eq!(parsed.organization_code(), "600037341");
        assert!(parsed.is_enterprise());
    }

    #[test]
    fn reports_length_with_the_count() {
        assert_eq!(CreditCode::parse(""), Err(CreditCodeError::Empty));
        assert_eq!(
            CreditCode::parse("9111000060003734"),
            Err(CreditCodeError::WrongLength(16))
        );
        assert_eq!(
            CreditCode::parse("91110000600037341LL"),
            Err(CreditCodeError::WrongLength(19))
        );
        // Counted in characters, not bytes.
        assert_eq!(
            CreditCode::parse("统一社会信用代码"),
            Err(CreditCodeError::WrongLength(8))
        );
        let msg = CreditCodeError::WrongLength(16).to_string();
        assert!(msg.contains("18") && msg.contains("16"), "{msg}");
    }

    #[test]
    fn reports_the_position_of_an_invalid_character() {
        for (bad, pos) in [
            ('I', 3),
            ('O', 1),
            ('Z', 10),
            ('S', 17),
            ('V', 18),
            ('-', 5),
        ] {
            let mut chars: Vec<char> = "91110000600037341L".chars().collect();
            chars[pos - 1] = bad;
            let code: String = chars.into_iter().collect();
            assert_eq!(
                CreditCode::parse(&code),
                Err(CreditCodeError::InvalidChar {
                    position: pos,
                    found: bad
                }),
                "{code}"
            );
        }
        let msg = CreditCodeError::InvalidChar {
            position: 3,
            found: 'I',
        }
        .to_string();
        assert!(msg.contains("第 3 位") && msg.contains('I'), "{msg}");
    }

    #[test]
    fn reports_expected_and_found_check_character() {
        let err = CreditCode::parse("91110000600037341M").unwrap_err();
        assert_eq!(
            err,
            CreditCodeError::WrongCheckChar {
                expected: 'L',
                found: 'M'
            }
        );
        let msg = err.to_string();
        assert!(msg.contains("“L”") && msg.contains("“M”"), "{msg}");
    }

    #[test]
    fn rejects_unknown_department() {
        // 'B' is a valid character but not a registration department.
        let body = "B1110000600037341";
        let code = format!("{body}{}", check_char(body).unwrap());
        assert_eq!(
            CreditCode::parse(&code),
            Err(CreditCodeError::UnknownDepartment('B'))
        );
    }

    #[test]
    fn check_char_completes_a_code() {
        assert_eq!(check_char("91110000600037341"), Some('L'));
        assert_eq!(
            check_char("91110000600037341".to_lowercase().as_str()),
            Some('L')
        );
        assert_eq!(check_char("9111000060003734"), None);
        assert_eq!(check_char("91110000600037341L"), None);
        assert_eq!(check_char("9111000060003734I"), None);
    }

    /// A weighted mod-31 check with weights coprime to the prime 31 detects every single
    /// substitution: changing position i by d ≠ 0 changes the sum by d·Wi ≢ 0 (mod 31).
    #[test]
    fn every_single_character_substitution_is_rejected() {
        for valid in KNOWN_VALID {
            let original: Vec<char> = valid.chars().collect();
            for pos in 0..LEN {
                for replacement in CHARSET.chars().filter(|c| *c != original[pos]) {
                    let mut mutated = original.clone();
                    mutated[pos] = replacement;
                    let code: String = mutated.into_iter().collect();
                    assert!(
                        CreditCode::parse(&code).is_err(),
                        "{code} (from {valid}) accepted"
                    );
                }
            }
        }
    }

    #[test]
    fn serde_round_trip_validates() {
        let code = CreditCode::parse("91110000600037341L").unwrap();
        let json = serde_json::to_string(&code).unwrap();
        assert_eq!(json, "\"91110000600037341L\"");
        assert_eq!(serde_json::from_str::<CreditCode>(&json).unwrap(), code);
        assert!(serde_json::from_str::<CreditCode>("\"91110000600037341M\"").is_err());
    }

    fn body17() -> impl Strategy<Value = String> {
        let dept = prop::sample::select(DEPARTMENTS.iter().map(|(c, _)| *c).collect::<Vec<_>>());
        let rest = prop::collection::vec(
            prop::sample::select(CHARSET.chars().collect::<Vec<_>>()),
            16,
        );
        (dept, rest).prop_map(|(d, r)| std::iter::once(d).chain(r).collect())
    }

    proptest! {
        #[test]
        fn generated_codes_are_valid(body in body17()) {
            let check = check_char(&body).unwrap();
            let code = format!("{body}{check}");
            prop_assert_eq!(CreditCode::parse(&code).map(|c| c.0), Ok(code.clone()));
            prop_assert_eq!(CreditCode::parse(&code.to_lowercase()).map(|c| c.0), Ok(code));
        }

        #[test]
        fn generated_codes_with_another_check_char_are_rejected(body in body17(), shift in 1u32..31) {
            let check = char_value(check_char(&body).unwrap()).unwrap();
            let wrong = value_char((check + shift) % 31);
            let is_wrong_check = matches!(
                CreditCode::parse(&format!("{body}{wrong}")),
                Err(CreditCodeError::WrongCheckChar { .. })
            );
            prop_assert!(is_wrong_check);
        }

        #[test]
        fn parse_never_panics(s in "\\PC{0,24}") {
            let _ = CreditCode::parse(&s);
        }
    }
}
