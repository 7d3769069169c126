//! Parsers of single cell values. Each takes trimmed, non-blank text and returns the value or a
//! Chinese message that says what is wrong and what is expected.

use chrono::NaiveDate;
use qinqing_domain::contact::PhoneNumber;
use qinqing_domain::enterprise::{CreditStatus, Ownership, Qualification};
use qinqing_domain::{CreditCode, DivisionCode, IndustryCode, Money};
use std::borrow::Cow;

/// Separators between tags: ASCII and full-width semicolons, and the bar.
const TAG_SEPARATORS: [char; 3] = [';', '\u{FF1B}', '|'];

/// Years the platform keeps figures for.
const YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

pub(super) fn credit_code(text: &str) -> Result<CreditCode, String> {
    CreditCode::parse(text).map_err(|e| e.to_string())
}

pub(super) fn industry_code(text: &str) -> Result<IndustryCode, String> {
    IndustryCode::parse(text).map_err(|e| e.to_string())
}

/// Adds a hint when Excel has turned a long code into scientific notation ("3.50521E+11"),
/// the usual way a region code gets mangled in a CSV saved by Excel.
pub(super) fn region_code(text: &str) -> Result<DivisionCode, String> {
    DivisionCode::parse(text).map_err(|e| {
        if text.contains(['E', 'e']) && text.contains('+') {
            format!("{e}:Excel 把代码显示成了科学计数法,请把该列设为“文本”格式后重新填写")
        } else {
            e.to_string()
        }
    })
}

pub(super) fn phone(text: &str) -> Result<PhoneNumber, String> {
    PhoneNumber::parse(text).map_err(|e| e.to_string())
}

/// Ownership by code in any letter case, or by Chinese label.
pub(super) fn ownership(text: &str) -> Result<Ownership, String> {
    Ownership::parse(&text.to_ascii_lowercase()).ok_or_else(|| {
        let labels: Vec<&str> = Ownership::ALL.iter().map(|o| o.label_zh()).collect();
        format!("登记注册类型无效:应为 {} 之一", labels.join("、"))
    })
}

/// Credit status by code in any letter case, or by Chinese label.
pub(super) fn credit_status(text: &str) -> Result<CreditStatus, String> {
    CreditStatus::parse(&text.to_ascii_lowercase()).ok_or_else(|| {
        let labels: Vec<&str> = CreditStatus::ALL.iter().map(|c| c.label_zh()).collect();
        format!("信用状况无效:应为 {} 之一", labels.join("、"))
    })
}

pub(super) fn year(text: &str) -> Result<i32, String> {
    text.parse::<i32>()
        .ok()
        .filter(|year| YEARS.contains(year))
        .ok_or_else(|| format!("年度应为 {}–{} 之间的整数", YEARS.start(), YEARS.end()))
}

/// A head count. Thousands separators are accepted (Excel writes them into a CSV when the cell
/// is formatted so) but must group in threes, so a mistyped "12,34" is caught.
pub(super) fn count(text: &str, label: &str) -> Result<u64, String> {
    without_grouping(text)
        .filter(|digits| digits.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|digits| digits.parse::<u64>().ok())
        .ok_or_else(|| format!("{label}应为不小于 0 的整数"))
}

/// The text with valid thousands commas removed; `None` when commas are present but misplaced.
fn without_grouping(text: &str) -> Option<Cow<'_, str>> {
    if !text.contains(',') {
        return Some(Cow::Borrowed(text));
    }
    let groups: Vec<&str> = text.split(',').collect();
    let first_ok = (1..=3).contains(&groups[0].len());
    let rest_ok = groups[1..].iter().all(|group| group.len() == 3);
    (first_ok && rest_ok).then(|| Cow::Owned(groups.concat()))
}

/// An amount in yuan, at most two decimals, not negative.
pub(super) fn money(text: &str, label: &str) -> Result<Money, String> {
    let amount = Money::parse_yuan(text).map_err(|e| format!("{label}不是有效金额:{e}"))?;
    if amount.is_negative() {
        return Err(format!("{label}不能为负数"));
    }
    Ok(amount)
}

/// "2015-06-01", or "2015/6/1" as Excel writes dates into a CSV in a Chinese locale.
pub(super) fn date(text: &str, label: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(text, "%Y/%m/%d"))
        .map_err(|_| format!("{label}不是有效日期:应为 YYYY-MM-DD 格式,如 2015-06-01"))
}

/// Tags separated by `;`, `；` or `|`; empty pieces (a trailing separator) are ignored. Every bad
/// tag is named in one message.
pub(super) fn tags(text: &str) -> Result<Vec<Qualification>, String> {
    let (tags, errors): (Vec<_>, Vec<_>) = text
        .split(TAG_SEPARATORS)
        .map(str::trim)
        .filter(|piece| !piece.is_empty())
        .map(Qualification::parse)
        .partition(Result::is_ok);
    if errors.is_empty() {
        Ok(tags.into_iter().flatten().collect())
    } else {
        let messages: Vec<String> = errors.into_iter().filter_map(Result::err).collect();
        Err(format!("资质标签有误:{}", messages.join(";")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_rejects_negative_and_malformed_amounts_by_label() {
        assert_eq!(money("1,234.5", "营业收入"), Ok(Money::from_fen(123_450)));
        assert_eq!(
            money("-1", "营业收入"),
            Err("营业收入不能为负数".to_string())
        );
        let err = money("12,3x", "营业收入").unwrap_err();
        assert!(err.starts_with("营业收入不是有效金额:"), "{err}");
    }

    #[test]
    fn counts_accept_grouping_but_not_fractions() {
        assert_eq!(count("1,234", "从业人员"), Ok(1234));
        assert_eq!(count("0", "从业人员"), Ok(0));
        assert!(count("12.5", "从业人员").is_err());
        assert!(count("-3", "从业人员").is_err());
        assert!(count("12,34", "从业人员").is_err());
        assert!(count("+3", "从业人员").is_err());
        assert_eq!(count(&u64::MAX.to_string(), "从业人员"), Ok(u64::MAX));
    }

    #[test]
    fn years_are_bounded() {
        assert_eq!(year("2025"), Ok(2025));
        assert!(year("1999").is_err());
        assert!(year("2101").is_err());
        assert!(year("2025.5").is_err());
    }

    #[test]
    fn dates_accept_dashes_and_excel_slashes() {
        let expected = NaiveDate::from_ymd_opt(2015, 6, 1).unwrap();
        assert_eq!(date("2015-06-01", "成立日期"), Ok(expected));
        assert_eq!(date("2015/6/1", "成立日期"), Ok(expected));
        assert!(date("2015-02-30", "成立日期").is_err());
        assert!(date("20150601", "成立日期").is_err());
    }

    #[test]
    fn tags_split_on_every_separator() {
        let parsed = tags("专精特新;国家高新技术企业@2025-03-01\u{FF1B}瞪羚企业|").unwrap();
        let names: Vec<&str> = parsed.iter().map(|q| q.name.as_str()).collect();
        assert_eq!(names, ["专精特新", "国家高新技术企业", "瞪羚企业"]);
        let err = tags("专精特新@2025/3/1;@2024-01-01").unwrap_err();
        assert!(
            err.contains("专精特新") && err.contains("资质名称不能为空"),
            "{err}"
        );
    }

    #[test]
    fn choices_accept_codes_in_any_case_and_labels() {
        assert_eq!(ownership("Private"), Ok(Ownership::Private));
        assert_eq!(ownership("民营"), Ok(Ownership::Private));
        assert!(ownership("个体").unwrap_err().contains("混合所有制"));
        assert_eq!(credit_status("失信"), Ok(CreditStatus::Bad));
        assert_eq!(credit_status("WATCH"), Ok(CreditStatus::Watch));
    }

    #[test]
    fn region_code_in_scientific_notation_gets_a_hint() {
        assert!(
            region_code("3.50521E+11")
                .unwrap_err()
                .contains("科学计数法")
        );
    }
}
