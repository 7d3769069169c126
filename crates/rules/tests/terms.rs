//! The example policies in words for people (谁可以享受, 可享多少): plain sentences with the
//! schema's labels, amounts in 元/万元, regions by name or as 本区, never a field code.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test stops at its first surprise"
)]
use qinqing_rules::files::load_dir;
use qinqing_rules::{PolicySet, RegionNames, Terms, terms};
use std::path::PathBuf;
use std::sync::OnceLock;

fn library() -> &'static PolicySet {
    static SET: OnceLock<PolicySet> = OnceLock::new();
    SET.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../policies/examples");
        load_dir(&dir).unwrap_or_else(|d| panic!("{d:?}"))
    })
}

/// The terms of an example policy for policy year 2025, with the district's name known or not.
fn terms_of(id: &str, names: &RegionNames) -> Terms {
    let set = library();
    let policy = set.policies.iter().find(|p| p.id == id).unwrap();
    terms(policy, &set.schema, 2025, Some(names))
}

fn district() -> RegionNames {
    RegionNames::from([("350521".to_string(), "泉州台商投资区".to_string())])
}

#[test]
fn an_auto_grant_policy_says_who_and_how_much() {
    let t = terms_of("p1a-gaoxin-first", &district());
    assert_eq!(t.year, 2025);
    assert_eq!(
        t.who,
        [
            "所在区域属于 泉州台商投资区",
            "资质「国家高新技术企业」在2025年内获得认定",
            "资质「国家高新技术企业」不能在2025年以前获得过认定",
        ]
    );
    assert_eq!(
        t.amount,
        ["奖励 30 万元", "与同一事项的其他政策不重复享受,就高享受"]
    );
}

#[test]
fn a_region_without_a_name_reads_as_the_district_never_as_its_code() {
    let t = terms_of("p3-equipment-investment", &RegionNames::new());
    assert_eq!(
        t.who,
        [
            "所在区域属于 本区",
            "所属行业属于 制造业",
            "2025年设备投资不低于 500 万元",
            "信用状况不能为 失信",
        ]
    );
    assert_eq!(
        t.amount,
        [
            "奖励2025年设备投资的 10%,上限 800 万元(依据:泉台管〔2025〕1号(示例)第二条)",
            "与同组扶持政策合计,每家每年不超过 200 万元",
        ]
    );
}

#[test]
fn a_percent_with_floor_and_cap_and_a_drafters_label() {
    let t = terms_of("p7-rd-investment", &district());
    assert_eq!(
        t.who,
        [
            "所在区域属于 泉州台商投资区",
            "所属行业属于 采矿业 或 制造业 或 电力、热力、燃气及水生产和供应业",
            "需为规模以上工业企业(年营业收入不低于 2,000 万元)",
            "2025年研发费用占营业收入的比例不低于 3%",
        ]
    );
    assert_eq!(
        t.amount[0],
        "奖励2025年研发费用的 5%,上限 100 万元,保底 2 万元"
    );
}

#[test]
fn alternatives_read_as_one_sentence_and_a_maximum_names_its_parts() {
    let t = terms_of("p2-revenue-breakthrough", &district());
    assert_eq!(
        t.who[2],
        "满足以下其一:2025年营业收入不低于 1 亿元,且2024年营业收入低于 1 亿元;或2025年营业收入不低于 5 亿元,且2024年营业收入低于 5 亿元;或2025年营业收入不低于 10 亿元,且2024年营业收入低于 10 亿元"
    );
    assert_eq!(
        t.amount,
        [
            "以下各项只享受金额最高的一项",
            "首次突破 1 亿元:奖励 10 万元",
            "首次突破 5 亿元:奖励 20 万元",
            "首次突破 10 亿元:奖励 50 万元",
            "与同组扶持政策合计,每家每年不超过 200 万元",
        ]
    );
}

#[test]
fn year_on_year_tests_and_a_percent_of_the_increase() {
    let t = terms_of("p8-rd-increase", &district());
    assert_eq!(t.who[2], "2025年研发费用较上年增加不低于 100 万元");
    assert_eq!(
        t.amount,
        [
            "奖励2025年研发费用较2024年增量的 6%,上限 50 万元",
            "由市级、区级财政按 1:1 分担(泉台管〔2025〕8号(示例)第五条)"
        ]
    );
    let growth = terms_of("p9-revenue-growth", &district());
    assert_eq!(growth.who[3], "2025年营业收入较上年增长不低于 20%");
    assert_eq!(
        growth.amount[..3],
        [
            "以下各项可同时享受,金额相加",
            "增速达 20%:奖励 10 万元",
            "连续两年保持增长:奖励 10 万元",
        ]
    );
}

#[test]
fn per_person_months_a_person_policy_and_a_budget() {
    let jobs = terms_of("p4-job-stabilisation", &district());
    assert_eq!(jobs.who[1], "需新招用重点群体人员至少 1 人");
    assert_eq!(
        jobs.amount,
        ["每人每月 500 元,每人最多 36 个月,上限 20 万元"]
    );
    let person = terms_of("p5-taiwan-iit", &district());
    assert_eq!(
        person.who,
        [
            "本政策面向个人",
            "台湾居民身份为 是",
            "工作单位所在区域属于 泉州台商投资区",
            "2025年个人所得税实缴额高于 0 元",
        ]
    );
    let zjtx = terms_of("p6a-zjtx-national", &district());
    assert_eq!(
        zjtx.amount,
        [
            "奖励 50 万元",
            "与同一事项的其他政策不重复享受,就高补差",
            "资金总额 500 万元,申领总额超出时按比例分配",
        ]
    );
}

#[test]
fn first_grants_recognition_windows_and_claims() {
    let first = terms_of("p11-first-above-scale", &district());
    assert_eq!(first.who[3], "本政策奖励为首次获得(其他年度均未获得过)");
    let window = terms_of("p10-tech-sme-window", &district());
    assert_eq!(
        window.who[1],
        "资质「科技型中小企业」在2023–2025年间获得认定"
    );
    let claims = terms_of("p12-upgrade-project", &district());
    assert_eq!(
        claims.amount[..2],
        [
            "奖励2025年设备投资的 8%,上限 100 万元",
            "可按技改项目名称分项申报,每项分别计算",
        ]
    );
}

#[test]
fn no_sentence_shows_a_field_or_division_code() {
    for policy in &library().policies {
        for names in [district(), RegionNames::new()] {
            let t = terms_of(&policy.id, &names);
            for line in t.who.iter().chain(&t.amount) {
                assert!(
                    !line.contains('@') && !line.contains('_') && !line.contains("350521"),
                    "{}: {line}",
                    policy.id
                );
                assert!(
                    !line.chars().any(|c| c.is_ascii_lowercase()),
                    "{}: {line}",
                    policy.id
                );
            }
        }
    }
}

#[test]
fn a_year_outside_the_effective_period_moves_to_the_nearest_one() {
    let set = library();
    let p10 = set
        .policies
        .iter()
        .find(|p| p.id == "p10-tech-sme-window")
        .unwrap();
    assert_eq!(p10.nearest_year_in_force(2027), 2025);
    assert_eq!(p10.nearest_year_in_force(2023), 2025);
    let open = set
        .policies
        .iter()
        .find(|p| p.id == "p3-equipment-investment")
        .unwrap();
    assert_eq!(open.nearest_year_in_force(2030), 2030);
}

#[test]
fn cost_sharing_names_the_levels_their_ratio_and_the_clause() {
    let t = terms_of("p12-upgrade-project", &district());
    assert_eq!(
        t.amount.last().map(String::as_str),
        Some("由省级、市级、区级财政按 8:1:1 分担(泉台管〔2025〕12号(示例)第七条)")
    );
}
