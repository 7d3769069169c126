//! `policy eval`'s two paths agree to the fen: enterprise file rows put into columns
//! ([`ProfileColumns`], rows of one enterprise scattered through the file) and swept, against
//! the same enterprises as [`Facts::from_profile`] records evaluated one by one ([`api::eval`]),
//! over the example library with its exclusive groups, top-up, annual caps and budget pool.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test stops at its first surprise"
)]

use chrono::NaiveDate;
use proptest::prelude::*;
use qinqing_domain::credit_code::check_char;
use qinqing_domain::enterprise::{
    CreditStatus, EnterpriseIdentity, Ownership, Qualification, YearFigures,
};
use qinqing_domain::{CreditCode, DivisionCode, IndustryCode, Money};
use qinqing_rules::batch::{ProfileColumns, sweep};
use qinqing_rules::{Facts, PolicySet, Value, api};
use std::path::PathBuf;
use std::sync::OnceLock;

const YEAR: i32 = 2025;

fn library() -> &'static PolicySet {
    static SET: OnceLock<PolicySet> = OnceLock::new();
    SET.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../policies/examples");
        qinqing_rules::files::load_dir(&dir).expect("the example library loads")
    })
}

/// One enterprise of a file: identity, qualifications, figures of one to three years, breached
/// commitments.
#[derive(Debug, Clone)]
struct Enterprise {
    identity: EnterpriseIdentity,
    qualifications: Vec<Qualification>,
    years: Vec<YearFigures>,
    breaches: i64,
}

fn credit_code(i: usize) -> CreditCode {
    let body = format!("91350521MA{i:07}");
    let check = check_char(&body).unwrap();
    CreditCode::parse(&format!("{body}{check}")).unwrap()
}

fn date() -> impl Strategy<Value = Option<NaiveDate>> {
    prop::option::of(
        (2018i32..=2026, 1u32..=12).prop_map(|(y, m)| NaiveDate::from_ymd_opt(y, m, 1).unwrap()),
    )
}

fn qualification() -> impl Strategy<Value = Qualification> {
    let names = [
        "国家高新技术企业",
        "省级专精特新中小企业",
        "国家级专精特新“小巨人”企业",
        "科技型中小企业",
    ];
    (prop::sample::select(names.to_vec()), date(), date()).prop_map(
        |(name, recognised_on, expires_on)| Qualification {
            name: name.to_string(),
            recognised_on,
            expires_on,
        },
    )
}

/// Around the thresholds of the examples: 0 to 5 亿 in 万元 steps, missing sometimes.
fn money() -> impl Strategy<Value = Option<Money>> {
    prop::option::weighted(
        0.9,
        (0i64..50_000).prop_map(|wan| Money::from_yuan(wan * 10_000)),
    )
}

fn figures(year: i32) -> impl Strategy<Value = YearFigures> {
    (
        money(),
        money(),
        prop::option::of(0u64..2_000),
        money(),
        money(),
        money(),
        money(),
    )
        .prop_map(
            move |(revenue, tax_paid, employees, total_assets, rd_expense, fixed, equipment)| {
                YearFigures {
                    year,
                    revenue,
                    tax_paid,
                    employees,
                    total_assets,
                    rd_expense,
                    fixed_asset_investment: fixed,
                    equipment_investment: equipment,
                }
            },
        )
}

fn enterprise(i: usize) -> impl Strategy<Value = Enterprise> {
    let industries = ["C3311", "C3911", "C2651", "F5211", "I6513", "D44"];
    // Inside the district at each level, and outside it.
    let regions = ["350521100201", "350521101", "350521", "350503", "350582"];
    let ownerships = [
        Ownership::Private,
        Ownership::StateOwned,
        Ownership::HkMacaoTaiwan,
        Ownership::Foreign,
    ];
    let statuses = [
        CreditStatus::Good,
        CreditStatus::Good,
        CreditStatus::Watch,
        CreditStatus::Bad,
    ];
    let years = prop::sample::subsequence(vec![2023, 2024, 2025], 1..=3)
        .prop_flat_map(|ys| ys.into_iter().map(figures).collect::<Vec<_>>());
    (
        prop::sample::select(industries.to_vec()),
        prop::sample::select(regions.to_vec()),
        prop::sample::select(ownerships.to_vec()),
        prop::sample::select(statuses.to_vec()),
        date(),
        prop::collection::vec(qualification(), 0..3),
        years,
        0i64..3,
        // Often enough a 小巨人 of the policy year (provincial 专精特新 the year before: a
        // top-up) that the shared budget runs out.
        prop::bool::weighted(0.5),
    )
        .prop_map(
            move |(
                industry,
                region,
                ownership,
                credit_status,
                established_on,
                mut qualifications,
                years,
                breaches,
                giant,
            )| {
                if giant {
                    qualifications.push(Qualification {
                        name: "国家级专精特新“小巨人”企业".to_string(),
                        recognised_on: NaiveDate::from_ymd_opt(YEAR, 3, 1),
                        expires_on: None,
                    });
                    qualifications.push(Qualification {
                        name: "省级专精特新中小企业".to_string(),
                        recognised_on: NaiveDate::from_ymd_opt(YEAR - 1, 6, 1),
                        expires_on: None,
                    });
                }
                Enterprise {
                    identity: EnterpriseIdentity {
                        credit_code: credit_code(i),
                        name: format!("企业{i}"),
                        legal_representative: None,
                        industry_code: industry.parse::<IndustryCode>().unwrap(),
                        region_code: region.parse::<DivisionCode>().unwrap(),
                        ownership,
                        established_on,
                        credit_status,
                    },
                    qualifications,
                    years,
                    breaches,
                }
            },
        )
}

fn enterprises() -> impl Strategy<Value = Vec<Enterprise>> {
    (1usize..60).prop_flat_map(|n| (0..n).map(enterprise).collect::<Vec<_>>())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn column_and_single_record_paths_agree_to_the_fen(list in enterprises(), with_breaches: bool) {
        let set = library();
        // Single-record path: one Facts per enterprise, in file order.
        let facts: Vec<Facts> = list
            .iter()
            .map(|e| {
                let mut f = Facts::from_profile(&e.identity, &e.qualifications, &e.years);
                if with_breaches {
                    f.set("breached_commitments", Value::Integer(e.breaches));
                }
                f
            })
            .collect();
        let single = api::eval(set, &facts, YEAR);
        // Column path: the file's rows year by year, so each enterprise's rows are scattered.
        let mut profiles = ProfileColumns::new(&set.schema);
        for i in 0..list.iter().map(|e| e.years.len()).max().unwrap_or(0) {
            for e in &list {
                if let Some(y) = e.years.get(i) {
                    profiles.add(&e.identity, &e.qualifications, y);
                }
            }
        }
        if with_breaches {
            let by_code = |code: &str| {
                let e = list.iter().find(|e| e.identity.credit_code.as_str() == code).unwrap();
                Value::Integer(e.breaches)
            };
            profiles.set_each("breached_commitments", by_code);
        }
        let cols = profiles.finish();
        let result = sweep(set, &cols, YEAR);
        // Reasons for every enterprise too, so budget notes are checked as well.
        let reasons = (0..cols.len())
            .map(|row| (row, api::reasons(set, &facts[row], YEAR, |p| result.granted(p, row))))
            .collect();
        let mut text = String::from(api::EVAL_CSV_HEADER);
        api::sweep_csv(set, &cols, &result, 0..cols.len(), &reasons, &mut text);
        prop_assert_eq!(text, api::rows_to_csv(&single));
    }
}
