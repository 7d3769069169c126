//! Cross-policy rules over the example library: exclusive groups, the shared annual cap of
//! policies 2, 3 and 7, and the pro-rata budget of policy 6.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test or benchmark stops at its first surprise"
)]
use qinqing_domain::Money;
use qinqing_domain::enterprise::Qualification;
use qinqing_rules::api::{self, ResultRow};
use qinqing_rules::files::load_dir;
use qinqing_rules::{Entity, Facts, PolicySet, Value};
use std::path::PathBuf;

fn examples() -> PolicySet {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../policies/examples");
    load_dir(&dir).expect("examples load")
}

fn enterprise(code: &str) -> Facts {
    let mut f = Facts::new(code, &format!("企业{code}"), Entity::Enterprise);
    f.set("industry", Value::Industry("C3971".parse().unwrap()));
    f.set("region", Value::Region("350521101".parse().unwrap()));
    f.set(
        "credit_status",
        Value::CreditStatus(qinqing_domain::enterprise::CreditStatus::Good),
    );
    f
}

fn yuan(s: &str) -> Value {
    Value::Money(Money::parse_yuan(s).unwrap())
}

fn row<'a>(rows: &'a [ResultRow], code: &str, policy: &str) -> &'a ResultRow {
    rows.iter()
        .find(|r| r.credit_code == code && r.policy_id == policy)
        .unwrap()
}

#[test]
fn policies_2_3_and_7_share_an_annual_cap_of_two_million() {
    let set = examples();
    let mut f = enterprise("A");
    f.set_for_year("revenue", 2024, yuan("900000000"));
    f.set_for_year("revenue", 2025, yuan("1200000000")); // crosses 1 bn: 500,000
    f.set_for_year("equipment_investment", 2025, yuan("30000000")); // 10 %: 3,000,000
    f.set_for_year("rd_expense", 2025, yuan("60000000")); // 5 % capped: 1,000,000
    let rows = api::eval(&set, &[f], 2025);
    let p2 = row(&rows, "A", "p2-revenue-breakthrough");
    let p3 = row(&rows, "A", "p3-equipment-investment");
    let p7 = row(&rows, "A", "p7-rd-investment");
    // In order of policy id: p2 500,000, p3 the 1,500,000 left, p7 nothing.
    assert_eq!(p2.amount, Some(Money::from_yuan(500_000)));
    assert_eq!(p3.amount, Some(Money::from_yuan(1_500_000)));
    assert_eq!(p7.amount, Some(Money::ZERO));
    assert_eq!(p7.outcome, "eligible");
    assert!(p3.reason.contains("上限"), "{}", p3.reason);
}

#[test]
fn first_recognition_excludes_nothing_when_renewal_does_not_apply() {
    let set = examples();
    let mut f = enterprise("B");
    f.set_qualifications(Some(vec![
        Qualification::parse("国家高新技术企业@2025-03-01").unwrap(),
    ]));
    let rows = api::eval(&set, &[f], 2025);
    assert_eq!(
        row(&rows, "B", "p1a-gaoxin-first").amount,
        Some(Money::from_yuan(300_000))
    );
    assert_eq!(row(&rows, "B", "p1b-gaoxin-renewal").outcome, "ineligible");
}

#[test]
fn national_and_provincial_zjtx_are_exclusive_and_share_a_pro_rata_budget() {
    let set = examples();
    let mut subjects = Vec::new();
    // 12 enterprises with both titles in 2025: 12 × 500,000 = 6,000,000 > 5,000,000.
    for i in 0..12 {
        let mut f = enterprise(&format!("Z{i:02}"));
        f.set_qualifications(Some(vec![
            Qualification::parse("国家级专精特新“小巨人”企业@2025-07-15").unwrap(),
            Qualification::parse("省级专精特新中小企业@2025-03-01").unwrap(),
        ]));
        subjects.push(f);
    }
    let rows = api::eval(&set, &subjects, 2025);
    let national: Vec<&ResultRow> = rows
        .iter()
        .filter(|r| r.policy_id == "p6a-zjtx-national")
        .collect();
    let provincial: Vec<&ResultRow> = rows
        .iter()
        .filter(|r| r.policy_id == "p6b-zjtx-provincial")
        .collect();
    assert!(provincial.iter().all(|r| r.amount == Some(Money::ZERO)));
    assert!(
        provincial[0].reason.contains("就高不重复"),
        "{}",
        provincial[0].reason
    );
    let paid: i64 = national.iter().map(|r| r.amount.unwrap().fen()).sum();
    assert_eq!(paid, Money::from_yuan(5_000_000).fen());
    // 5,000,000 / 12 = 416,666.666…: 8 fen left over go to the first 8 (equal remainders).
    assert_eq!(national[0].amount, Some(Money::from_fen(41_666_667)));
    assert_eq!(national[11].amount, Some(Money::from_fen(41_666_666)));
    assert!(
        national[0].reason.contains("按比例"),
        "{}",
        national[0].reason
    );
}

#[test]
fn csv_output_has_the_documented_columns() {
    let set = examples();
    let rows = api::eval(&set, &[enterprise("C")], 2025);
    let csv = api::rows_to_csv(&rows);
    assert!(csv.starts_with("credit_code,policy_id,outcome,amount,reason\n"));
    // Every enterprise policy; the person policy (p5) is not listed for an enterprise.
    assert_eq!(csv.lines().count(), set.policies.len());
}

#[test]
fn explain_reads_as_prose() {
    let set = examples();
    let mut f = enterprise("91350521MA0000001X");
    f.set_for_year("revenue", 2024, yuan("80000000"));
    f.set_for_year("revenue", 2025, yuan("95000000"));
    f.set_for_year("equipment_investment", 2025, yuan("6000000"));
    let text = api::explain(&set, &f, 2025);
    println!("{text}");
    assert!(text.contains("设备投资补助"), "{text}");
    assert!(
        text.contains("2025年营业收入 9,500.00 万元,需不低于 1 亿元"),
        "{text}"
    );
    assert!(text.contains("补充2025年研发费用即可判断"), "{text}");
    assert!(text.contains("临界"), "{text}");
}

#[test]
fn grants_one_after_another_keep_the_groups_and_the_cap() {
    use qinqing_rules::cross::{PriorGrant, allowance};
    let set = examples();
    let cross = |id: &str| &set.get(id).unwrap().cross;
    let yuan = |y: i64| Money::from_yuan(y).fen();
    // 就高补差: the provincial title was paid 200,000; the national one pays the difference.
    let provincial = [PriorGrant {
        cross: cross("p6b-zjtx-provincial"),
        amount: yuan(200_000),
    }];
    let national = allowance(cross("p6a-zjtx-national"), yuan(500_000), &provincial);
    assert_eq!(national.amount, yuan(300_000));
    let text = api::limit_text(&national.limits[0], &["省级专精特新中小企业认定奖励"]);
    assert!(text.contains("只补差额"), "{text}");
    // 就高不重复: after the first recognition was paid, the renewal award is refused.
    let first = [PriorGrant {
        cross: cross("p1a-gaoxin-first"),
        amount: yuan(300_000),
    }];
    let renewal = allowance(cross("p1b-gaoxin-renewal"), yuan(100_000), &first);
    assert_eq!(renewal.amount, 0);
    let text = api::limit_text(&renewal.limits[0], &["国家高新技术企业首次认定奖励"]);
    assert!(text.contains("不再重复给予"), "{text}");
    // The joint 2,000,000 cap of policies 2, 3, 7 and 9: 1,800,000 used, 200,000 left.
    let used = [PriorGrant {
        cross: cross("p2-revenue-breakthrough"),
        amount: yuan(1_800_000),
    }];
    let capped = allowance(cross("p3-equipment-investment"), yuan(500_000), &used);
    assert_eq!(capped.amount, yuan(200_000));
}
