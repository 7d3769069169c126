//! Builders of valid records and files, and proptest strategies generating them.

use chrono::{Days, NaiveDate};
use proptest::collection::{btree_set, vec};
use proptest::option;
use proptest::prelude::*;
use qinqing_domain::contact::PhoneNumber;
use qinqing_domain::credit_code::{CHARSET, check_char};
use qinqing_domain::enterprise::{
    CreditStatus, EnterpriseIdentity, Ownership, Qualification, YearFigures,
};
use qinqing_domain::{CreditCode, DivisionCode, IndustryCode, Money, industry};
use qinqing_exchange::{EnterpriseRecord, FileFormat, RowError, parse_enterprises};
use std::collections::HashSet;

/// The required columns only, as a CSV header.
pub const MINIMAL_HEADER: &str = "credit_code,name,industry_code,region_code,ownership,year";

/// A valid code: `first17` completed with its check character.
pub fn code(first17: &str) -> String {
    let check = check_char(first17).expect("17 characters from the charset");
    format!("{first17}{check}")
}

/// A minimal valid CSV row for [`MINIMAL_HEADER`].
pub fn minimal_row(code: &str, year: i32) -> String {
    format!("{code},泉州某某有限公司,C3311,350582,民营,{year}")
}

pub fn csv(lines: &[&str]) -> Vec<u8> {
    lines.join("\n").into_bytes()
}

/// The errors of a file that must be rejected.
pub fn errors(bytes: &[u8], format: FileFormat) -> Vec<RowError> {
    match parse_enterprises(bytes, format) {
        Ok(records) => panic!("expected a rejection, got {} records", records.len()),
        Err(report) => report.errors,
    }
}

/// A record with every field filled in.
pub fn full_record(code: &str, year: i32) -> EnterpriseRecord {
    let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d);
    EnterpriseRecord {
        identity: EnterpriseIdentity {
            credit_code: CreditCode::parse(code).unwrap(),
            name: "晋江市恒通鞋材有限公司".to_string(),
            legal_representative: Some("陈志强".to_string()),
            industry_code: IndustryCode::parse("C1951").unwrap(),
            region_code: DivisionCode::parse("350582101").unwrap(),
            ownership: Ownership::Private,
            established_on: date(2016, 3, 18),
            credit_status: CreditStatus::Watch,
        },
        contact_phone: Some(PhoneNumber::parse("0595-22345678").unwrap()),
        figures: YearFigures {
            year,
            revenue: Some(Money::from_fen(1_234_567_890)),
            tax_paid: Some(Money::from_fen(5)),
            employees: Some(286),
            total_assets: Some(Money::ZERO),
            rd_expense: None,
            fixed_asset_investment: Some(Money::from_yuan(5_600_000)),
            equipment_investment: None,
        },
        qualifications: vec![
            Qualification {
                name: "专精特新".to_string(),
                recognised_on: date(2023, 11, 20),
                expires_on: None,
            },
            Qualification {
                name: "瞪羚企业".to_string(),
                recognised_on: None,
                expires_on: None,
            },
        ],
    }
}

fn credit_code() -> impl Strategy<Value = CreditCode> {
    ("[1-9ANY]", vec(0..CHARSET.len(), 16)).prop_map(|(department, values)| {
        let chars = values.iter().map(|&v| char::from(CHARSET.as_bytes()[v]));
        let first17: String = department.chars().chain(chars).collect();
        CreditCode::parse(&code(&first17)).unwrap()
    })
}

fn industry_code() -> impl Strategy<Value = IndustryCode> {
    (0..industry::all().len()).prop_map(|i| IndustryCode::parse(industry::all()[i].code).unwrap())
}

/// 6, 9 or 12 digits, never with an all-zero province, town or village part.
fn region_code() -> impl Strategy<Value = DivisionCode> {
    (11u32..=65, 0u32..10_000, 0usize..3, 1u32..1000, 1u32..1000).prop_map(
        |(province, county, level, town, village)| {
            let parts = [
                format!("{province:02}{county:04}"),
                format!("{town:03}"),
                format!("{village:03}"),
            ];
            DivisionCode::parse(&parts[..=level].concat()).unwrap()
        },
    )
}

/// Names that exercise CSV quoting (commas, quotes) and the formula guard (leading =, +, -, @).
fn enterprise_name() -> impl Strategy<Value = String> {
    "[=+@-]?[a-zA-Z0-9\u{4e00}-\u{9fa5},\"()·]{1,30}( [a-zA-Z0-9\u{4e00}-\u{9fa5}]{1,10})?"
}

fn phone() -> impl Strategy<Value = PhoneNumber> {
    prop_oneof![
        "1[3-9][0-9]{9}",
        "0(10|2[0-9])[2-9][0-9]{7}",
        "0[3-9][1-9][0-9][2-9][0-9]{6,7}"
    ]
    .prop_filter_map("a valid phone number", |s| PhoneNumber::parse(&s).ok())
}

/// Dates from 1900 (the start of Excel's calendar) to 2099.
fn date() -> impl Strategy<Value = NaiveDate> {
    (0u64..73_000).prop_map(|days| NaiveDate::from_ymd_opt(1900, 1, 1).unwrap() + Days::new(days))
}

fn qualification() -> impl Strategy<Value = Qualification> {
    ("[a-zA-Z0-9\u{4e00}-\u{9fa5}]{1,12}", option::of(date())).prop_map(|(name, recognised_on)| {
        Qualification {
            name,
            recognised_on,
            expires_on: None,
        }
    })
}

/// Typical amounts, and any amount up to the largest, which Excel cannot hold as a number.
fn money() -> impl Strategy<Value = Option<Money>> {
    option::of(prop_oneof![0i64..10_000_000_000_000, 0..=i64::MAX].prop_map(Money::from_fen))
}

fn figures() -> impl Strategy<Value = YearFigures> {
    (
        option::of(prop_oneof![0u64..100_000, any::<u64>()]),
        [money(), money(), money(), money(), money(), money()],
    )
        .prop_map(|(employees, amounts)| YearFigures {
            year: 0,
            employees,
            revenue: amounts[0],
            tax_paid: amounts[1],
            total_assets: amounts[2],
            rd_expense: amounts[3],
            fixed_asset_investment: amounts[4],
            equipment_investment: amounts[5],
        })
}

fn identity() -> impl Strategy<Value = EnterpriseIdentity> {
    (
        credit_code(),
        enterprise_name(),
        option::of("[\u{4e00}-\u{9fa5}]{2,4}"),
        industry_code(),
        region_code(),
        proptest::sample::select(Ownership::ALL.to_vec()),
        option::of(date()),
        proptest::sample::select(CreditStatus::ALL.to_vec()),
    )
        .prop_map(
            |(
                credit_code,
                name,
                legal_representative,
                industry_code,
                region_code,
                ownership,
                established_on,
                credit_status,
            )| {
                EnterpriseIdentity {
                    credit_code,
                    name,
                    legal_representative,
                    industry_code,
                    region_code,
                    ownership,
                    established_on,
                    credit_status,
                }
            },
        )
}

/// One enterprise's rows: a shared identity and one to three distinct years.
fn enterprise() -> impl Strategy<Value = Vec<EnterpriseRecord>> {
    (
        identity(),
        option::of(phone()),
        vec(qualification(), 0..4),
        btree_set(2000i32..=2100, 1..=3),
        vec(figures(), 3),
    )
        .prop_map(
            |(identity, contact_phone, qualifications, years, figures)| {
                years
                    .into_iter()
                    .zip(figures)
                    .map(|(year, figures)| EnterpriseRecord {
                        identity: identity.clone(),
                        contact_phone: contact_phone.clone(),
                        figures: YearFigures { year, ..figures },
                        qualifications: qualifications.clone(),
                    })
                    .collect()
            },
        )
}

/// A valid file's worth of records: several enterprises with distinct credit codes.
pub fn records() -> impl Strategy<Value = Vec<EnterpriseRecord>> {
    vec(enterprise(), 1..5).prop_map(|enterprises| {
        let mut seen = HashSet::new();
        enterprises
            .into_iter()
            .filter(|rows| seen.insert(rows[0].identity.credit_code.clone()))
            .flatten()
            .collect()
    })
}
