use super::*;
use crate::cases::run_case;
use crate::schema::Schema;
use crate::{EvalOptions, Facts, Value, evaluate, parse_policy};
use std::path::PathBuf;

fn examples_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../policies/examples")
}

fn schema() -> Schema {
    let src = std::fs::read_to_string(examples_dir().join("attributes.toml")).unwrap();
    Schema::with_custom("attributes.toml", &src).unwrap()
}

/// (file name, text) of every example policy.
fn examples() -> Vec<(String, String)> {
    let mut files: Vec<_> = std::fs::read_dir(examples_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .filter(|p| !p.ends_with("attributes.toml"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&p).unwrap())
        })
        .collect()
}

/// The text of the example whose file name starts with `prefix`.
fn example(prefix: &str) -> String {
    examples()
        .into_iter()
        .find(|(n, _)| n.starts_with(prefix))
        .map(|(_, src)| src)
        .unwrap()
}

/// The property of the builder: for each example it can show, form → definition gives a
/// policy that passes every case of the original, and reads back as the same form.
#[test]
fn every_representable_example_round_trips_with_identical_outcomes() {
    let schema = schema();
    let mut shown = Vec::new();
    for (name, src) in examples() {
        let original = parse_policy(&name, &src, &schema).unwrap();
        let Ok(form) = read(&src) else { continue };
        // Over the original, as the editor writes: the form's parts are all rewritten, and
        // the parameters (`$cap`) and cases stay.
        let written = write(&form, &src);
        let rebuilt = parse_policy(&name, &written, &schema)
            .unwrap_or_else(|d| panic!("{name}: {d:?}\n{written}"));
        for case in &original.cases {
            run_case(&rebuilt, &schema, case)
                .unwrap_or_else(|e| panic!("{name} «{}»: {e}\n{written}", case.name));
        }
        assert_eq!(read(&written).unwrap(), form, "{name}\n{written}");
        shown.push(name);
    }
    assert_eq!(shown.len(), 11, "{shown:?}");
    // A recognition window (p10), and shares between fiscal levels (p7 1:1, p12 8:1:1).
    for prefix in ["p10-", "p7-", "p12-"] {
        assert!(shown.iter().any(|n| n.starts_with(prefix)), "{shown:?}");
    }
}

#[test]
fn writing_over_the_original_keeps_parameters_cases_and_comments() {
    let src = example("p3-");
    let mut form = read(&src).unwrap();
    form.conditions[2].value = "6000000".into();
    let written = write(&form, &src);
    assert!(
        written.contains("# 2025-01-01 起上限提高到 800 万元"),
        "{written}"
    );
    assert!(written.contains("{ attr = \"equipment_investment\", min = \"6000000\" }"));
    let p = parse_policy("p3.toml", &written, &schema()).unwrap();
    assert_eq!(p.cases.len(), 7);
    assert!(p.params.contains_key("cap"));
    assert_eq!(
        p.cross.annual_cap.as_ref().unwrap().0,
        "district-industrial-support"
    );
}

#[test]
fn nested_groups_and_unknown_shapes_are_refused_not_dropped() {
    let p2 = example("p2-");
    let why = read(&p2).unwrap_err();
    assert!(
        why.to_string()
            .starts_with("此定义较复杂,请在高级模式中编辑"),
        "{why}"
    );
    for src in [
        "[conditions]\nall = [{ attr = \"revenue\", min = \"1\", below = \"9\" }]\n",
        "[conditions]\nnot = { attr = \"revenue\", min = \"1\" }\n",
        "[reward]\nsum = [{ fixed = \"1\" }]\n",
        "[conditions]\nall = [{ tag = \"x\", within_years = 3 }]\n",
        "id = [\n",
        "[conditions]\nall = [{ attr = \"region\", under = [\"350521,350522\"] }]\n",
    ] {
        assert!(read(src).is_err(), "{src}");
    }
}

/// A clerk's form from scratch: two conditions and a percent reward with a cap.
#[test]
fn a_form_from_scratch_is_a_valid_definition() {
    let row = |attr: &str, op, value: &str| Row {
        attr: attr.into(),
        op,
        value: value.into(),
        ..Row::default()
    };
    let form = Form {
        meta: Meta {
            id: "smart-factory".into(),
            title: "智能工厂奖励".into(),
            department: "区科技和工业信息化局".into(),
            level: "district".into(),
            mode: "apply".into(),
            topics: "工业、智能制造".into(),
            effective_from: "2025-01-01".into(),
            ..Meta::default()
        },
        conditions: vec![
            row("region", Op::Under, "350521"),
            row("revenue", Op::Min, "20000000"),
            Row {
                group: 1,
                ..row(QUALIFICATION, Op::HasInPolicyYear, "国家高新技术企业")
            },
            Row {
                group: 1,
                ..row("credit_status", Op::NotIn, "bad,watch")
            },
            Row {
                year_before: true,
                ..row("employees", Op::Above, "10")
            },
        ],
        groups: vec![Combine::Any],
        reward: RewardForm {
            kind: RewardType::Percent,
            rate: "10%".into(),
            base: "rd_expense".into(),
            cap: "500000".into(),
            ..RewardForm::default()
        },
        ..Form::default()
    };
    let written = write(&form, "");
    let p =
        parse_policy("t.toml", &written, &schema()).unwrap_or_else(|d| panic!("{d:?}\n{written}"));
    assert_eq!(p.topics, ["工业", "智能制造"]);
    assert_eq!(read(&written).unwrap(), form, "{written}");
    let schema = schema();
    let mut facts = Facts::new("e1", "企业", crate::Entity::Enterprise);
    let mut set = |attr: &str, year, text: &str| {
        let ty = schema.def(schema.get(attr).unwrap()).ty;
        let value = Value::parse(ty, text).unwrap();
        facts.set_checked(&schema, attr, year, value).unwrap();
    };
    set("region", None, "350521101");
    set("credit_status", None, "good");
    set("revenue", Some(2025), "30000000");
    set("rd_expense", Some(2025), "9000000");
    set("employees", Some(2024), "12");
    let e = evaluate(&p, &schema, &facts, 2025, &EvalOptions::default());
    assert_eq!(
        e.outcome.amount(),
        Some(qinqing_domain::Money::from_fen(50_000_000)),
        "{e:?}"
    );
}

/// The tiered rewards, which no example uses: 按档定额 and 超额累进 round-trip with their cases.
#[test]
fn bracket_and_marginal_rewards_round_trip() {
    let head = "id = \"t\"\ntitle = \"t\"\ndepartment = \"d\"\nlevel = \"district\"\nmode = \"apply\"\neffective = { from = 2024-01-01 }\n";
    let case = |amount: &str| {
        format!(
            "[[case]]\nname = \"c\"\nyear = 2025\nexpect = \"eligible\"\namount = \"{amount}\"\nfacts = {{ years = {{ 2025 = {{ revenue = \"30000000\" }} }} }}\n"
        )
    };
    for (reward, amount) in [
        (
            "tiers = \"bracket\"\nof = \"revenue\"\nbrackets = [{ from = \"10000000\", to = \"50000000\", amount = \"100000\" }, { from = \"50000000\", amount = \"300000\" }]\n",
            "100000",
        ),
        (
            "tiers = \"marginal\"\nof = \"revenue\"\nbrackets = [{ to = \"10000000\", rate = \"1%\" }, { from = \"10000000\", rate = \"2%\" }]\ncap = \"1000000\"\n",
            "500000",
        ),
    ] {
        let src = format!("{head}[reward]\n{reward}\n{}", case(amount));
        let original = parse_policy("t.toml", &src, &schema()).unwrap();
        let form = read(&src).unwrap();
        assert_eq!(form.reward.brackets.len(), 2, "{form:?}");
        let written = write(&form, &src);
        let rebuilt = parse_policy("t.toml", &written, &schema()).unwrap();
        run_case(&rebuilt, &schema(), &original.cases[0]).unwrap();
        assert_eq!(read(&written).unwrap(), form, "{written}");
    }
}

/// The constructs of issue 16 the builder shows: a change or a growth over the year before,
/// and 首次 (of the policy, or of its exclusive group).
#[test]
fn year_on_year_and_first_grant_rows_round_trip() {
    let src = "id = \"t\"\ntitle = \"t\"\ndepartment = \"d\"\nlevel = \"district\"\nmode = \"apply\"\neffective = { from = 2024-01-01 }\n\n[conditions]\nall = [\n  { change = \"rd_expense\", min = \"1000000\" },\n  { growth = \"revenue\", period = \"year_before\", min = \"20%\" },\n  { first_grant = \"group\" },\n]\n\n[reward]\nfixed = \"1\"\n\n[cross]\nexclusive_group = \"g\"\n";
    let form = read(src).unwrap();
    let ops: Vec<(&str, Op, &str, bool)> = form
        .conditions
        .iter()
        .map(|r| (r.attr.as_str(), r.op, r.value.as_str(), r.year_before))
        .collect();
    assert_eq!(
        ops,
        [
            ("rd_expense", Op::ChangeMin, "1000000", false),
            ("revenue", Op::GrowthMin, "20%", true),
            (GRANTS, Op::FirstGrantGroup, "", false),
        ]
    );
    let mut changed = form.clone();
    changed.conditions[2].op = Op::FirstGrant;
    let written = write(&changed, src);
    assert!(
        written.contains("{ first_grant = \"policy\" }"),
        "{written}"
    );
    assert!(
        written.contains("{ growth = \"revenue\", period = \"year_before\", min = \"20%\" }"),
        "{written}"
    );
    let p = parse_policy("t.toml", &written, &Schema::standard()).unwrap();
    assert_eq!(p.condition.leaves().len(), 3);
    assert_eq!(read(&written).unwrap(), changed);
    assert_eq!(OpKind::of_type(crate::AttrType::Money, false).len(), 2);
}

/// Several claims a year (per_claim): the builder shows what the project is called, writes it
/// into the header, and removes it when cleared.
#[test]
fn a_policy_claimed_per_project_keeps_its_claim_name_through_the_builder() {
    let src = "id = \"t\"\ntitle = \"t\"\ndepartment = \"d\"\nlevel = \"district\"\nmode = \"apply\"\nper_claim = \"技改项目名称\"\neffective = { from = 2024-01-01 }\n\n[conditions]\nall = [{ attr = \"revenue\", min = \"1\" }]\n\n[reward]\nfixed = \"1\"\n";
    let form = read(src).unwrap();
    assert_eq!(form.meta.per_claim, "技改项目名称");
    let mut renamed = form.clone();
    renamed.meta.per_claim = "产品名称".into();
    let written = write(&renamed, src);
    let p = parse_policy("t.toml", &written, &Schema::standard()).unwrap();
    assert_eq!(p.per_claim.as_deref(), Some("产品名称"));
    let mut yearly = form;
    yearly.meta.per_claim.clear();
    let written = write(&yearly, src);
    assert!(!written.contains("per_claim"), "{written}");
    assert_eq!(
        parse_policy("t.toml", &written, &Schema::standard())
            .unwrap()
            .per_claim,
        None
    );
}

/// More of issue 16: 连续 N 年 on comparisons of per-year figures, and a qualification
/// recognised within dates (2023年至2025年间认定), read, written back and evaluated.
#[test]
fn consecutive_years_and_recognition_windows_round_trip() {
    let src = "id = \"t\"\ntitle = \"t\"\ndepartment = \"d\"\nlevel = \"district\"\nmode = \"apply\"\neffective = { from = 2024-01-01 }\n\n# 连续两年增长\n[conditions]\nall = [\n  { growth = \"revenue\", min = \"20%\", consecutive_years = 2 },\n  { attr = \"revenue\", min = \"1000\", consecutive_years = 3 },\n  { ratio = [\"rd_expense\", \"revenue\"], min = \"3%\", consecutive_years = 1 },\n  { tag = \"科技型中小企业\", recognised_from = 2023-01-01, recognised_to = 2025-12-31 },\n  { not = { tag = \"失信\", recognised_from = 2020-01-01 } },\n]\n\n[reward]\nfixed = \"1\"\n";
    let form = read(src).unwrap();
    let fields: Vec<(Op, &str, &str, &str)> = form
        .conditions
        .iter()
        .map(|r| {
            let (y, f, t) = (&r.consecutive_years, &r.recognised_from, &r.recognised_to);
            (r.op, y.as_str(), f.as_str(), t.as_str())
        })
        .collect();
    assert_eq!(
        fields,
        [
            (Op::GrowthMin, "2", "", ""),
            (Op::Min, "3", "", ""),
            // One year is the default, not written.
            (Op::RatioMin, "", "", ""),
            (Op::Has, "", "2023-01-01", "2025-12-31"),
            (Op::Lacks, "", "2020-01-01", ""),
        ]
    );
    assert!(problems(&form).is_empty(), "{:?}", problems(&form));

    let mut changed = form.clone();
    changed.conditions[2].consecutive_years = "4".into();
    changed.conditions[3].recognised_from = "2022-01-01".into();
    changed.conditions[4].recognised_from.clear();
    changed.conditions[4].recognised_to = "2024-12-31".into();
    let written = write(&changed, src);
    for line in [
        "# 连续两年增长",
        "{ growth = \"revenue\", min = \"20%\", consecutive_years = 2 }",
        "{ ratio = [\"rd_expense\", \"revenue\"], min = \"3%\", consecutive_years = 4 }",
        "{ tag = \"科技型中小企业\", recognised_from = 2022-01-01, recognised_to = 2025-12-31 }",
        "{ not = { tag = \"失信\", recognised_to = 2024-12-31 } }",
    ] {
        assert!(written.contains(line), "{line}\n{written}");
    }
    let p = parse_policy("t.toml", &written, &Schema::standard())
        .unwrap_or_else(|d| panic!("{d:?}\n{written}"));
    // Each year of 连续 N 年 is a test of its own: 2 + 3 + 4 + 1 + 1.
    assert_eq!(p.condition.leaves().len(), 11);
    assert_eq!(read(&written).unwrap(), changed);

    // Back to one year: the key goes.
    let mut one = changed.clone();
    one.conditions[0].consecutive_years = "1".into();
    let written = write(&one, &written);
    assert!(
        written.contains("{ growth = \"revenue\", min = \"20%\" }"),
        "{written}"
    );
}

/// The evaluation of a window and of consecutive years written by the builder.
#[test]
fn a_window_and_consecutive_years_from_the_builder_evaluate_as_written() {
    let form = Form {
        meta: Meta {
            id: "t".into(),
            title: "t".into(),
            department: "d".into(),
            level: "district".into(),
            mode: "apply".into(),
            effective_from: "2024-01-01".into(),
            ..Meta::default()
        },
        conditions: vec![
            Row {
                attr: "revenue".into(),
                op: Op::GrowthMin,
                value: "0%".into(),
                consecutive_years: "2".into(),
                ..Row::default()
            },
            Row {
                attr: QUALIFICATION.into(),
                op: Op::Has,
                value: "科技型中小企业".into(),
                recognised_from: "2023-01-01".into(),
                recognised_to: "2025-12-31".into(),
                ..Row::default()
            },
        ],
        reward: RewardForm {
            amount: "50000".into(),
            ..RewardForm::default()
        },
        ..Form::default()
    };
    let written = write(&form, "");
    let schema = Schema::standard();
    let p =
        parse_policy("t.toml", &written, &schema).unwrap_or_else(|d| panic!("{d:?}\n{written}"));
    let outcome = |revenues: [&str; 3], recognised: &str| {
        let mut facts = Facts::new("e1", "企业", crate::Entity::Enterprise);
        for (year, r) in (2023..).zip(revenues) {
            let value = Value::parse(crate::AttrType::Money, r).unwrap();
            facts
                .set_checked(&schema, "revenue", Some(year), value)
                .unwrap();
        }
        let held = format!("科技型中小企业@{recognised}");
        let held = qinqing_domain::enterprise::Qualification::parse(&held).unwrap();
        facts.set_qualifications(Some(vec![held]));
        let e = evaluate(&p, &schema, &facts, 2025, &EvalOptions::default());
        e.outcome.amount().is_some()
    };
    assert!(outcome(["100", "110", "120"], "2023-04-10"));
    // Growth this year but not the year before.
    assert!(!outcome(["120", "110", "120"], "2023-04-10"));
    // Recognised before the window.
    assert!(!outcome(["100", "110", "120"], "2022-12-31"));
}

/// What the clerk filled in wrongly is said in Chinese, by the field's label and row.
#[test]
fn wrong_consecutive_years_and_windows_are_named_by_their_fields() {
    let row = |op, years: &str, from: &str, to: &str| Row {
        attr: "revenue".into(),
        op,
        value: "1".into(),
        consecutive_years: years.into(),
        recognised_from: from.into(),
        recognised_to: to.into(),
        ..Row::default()
    };
    let mut form = Form {
        conditions: vec![
            row(Op::Min, "0", "", ""),
            row(Op::GrowthMin, "11", "", ""),
            row(Op::ChangeMin, "两", "", ""),
            row(Op::Has, "", "2025-01-01", "2023-12-31"),
            row(Op::Lacks, "", "2023-02-30", ""),
            // Fields the operator does not take are not written, so not checked.
            row(Op::In, "0", "", ""),
            row(Op::HasInPolicyYear, "", "2025-01-01", "2023-12-31"),
            row(Op::Below, "10", "", ""),
        ],
        ..Form::default()
    };
    form.reward.tiers.push(Tier {
        conditions: vec![row(Op::Above, "12", "", "")],
        ..Tier::default()
    });
    assert_eq!(
        problems(&form),
        [
            "第 1 项条件的“连续年数”应为 1 到 10 之间的整数(只要求当年时不填),现为“0”",
            "第 2 项条件的“连续年数”应为 1 到 10 之间的整数(只要求当年时不填),现为“11”",
            "第 3 项条件的“连续年数”应为 1 到 10 之间的整数(只要求当年时不填),现为“两”",
            "第 4 项条件的“认定日期自”(2025-01-01)晚于“认定日期至”(2023-12-31)",
            "第 5 项条件的“认定日期自”应为日期,如 2023-01-01,现为“2023-02-30”",
            "第 1 档的第 1 项条件的“连续年数”应为 1 到 10 之间的整数(只要求当年时不填),现为“12”",
        ]
    );
    let written = write(&form, "");
    assert!(
        !written.contains("{ attr = \"revenue\", in = [\"1\"], consecutive_years"),
        "{written}"
    );
    assert!(
        written.contains("{ tag = \"1\", recognised = \"in_policy_year\" }"),
        "{written}"
    );
}

/// 分级承担 in the cross-policy section: each level's parts and the source, read from p12
/// (省市县按 8:1:1), written back with the comments around, and left out below two levels.
#[test]
fn shares_between_fiscal_levels_round_trip() {
    use crate::model::{LegalSource, Level};
    let src = example("p12-");
    let form = read(&src).unwrap();
    let s = &form.cross.shares;
    assert_eq!(
        s.given(),
        [
            (Level::Provincial, "8"),
            (Level::Municipal, "1"),
            (Level::District, "1")
        ]
    );
    assert_eq!(
        (s.source.as_str(), s.source_document_no.as_str()),
        ("第七条", "")
    );
    assert!(problems(&form).is_empty(), "{:?}", problems(&form));

    // 市、区两级按 1:1, laid down in another document.
    let mut changed = form.clone();
    let s = &mut changed.cross.shares;
    s.provincial.clear();
    s.source = "第三条".into();
    s.source_document_no = "泉财〔2025〕3号".into();
    let written = write(&changed, &src);
    for line in [
        "# 补助资金由省、市、区三级财政按 8:1:1 分担。",
        "annual_cap = { group = \"upgrade-projects\", amount = \"1500000\" }   # 各项目合计",
        "shares = { municipal = 1, district = 1, source = { document_no = \"泉财〔2025〕3号\", article = \"第三条\" } }",
    ] {
        assert!(written.contains(line), "{line}\n{written}");
    }
    let p = parse_policy("p12.toml", &written, &schema()).unwrap_or_else(|d| panic!("{d:?}"));
    let shares = p.cross.shares.as_ref().unwrap();
    assert_eq!(shares.parts, [(Level::Municipal, 1), (Level::District, 1)]);
    assert_eq!(
        shares.source,
        Some(LegalSource {
            document_no: Some("泉财〔2025〕3号".into()),
            article: "第三条".into()
        })
    );
    assert_eq!(read(&written).unwrap(), changed);

    // One level is not a sharing: not written, and said so.
    let mut single = changed.clone();
    single.cross.shares.district.clear();
    let one = write(&single, &written);
    assert!(!one.contains("shares = { municipal"), "{one}");
    assert_eq!(
        problems(&single),
        [
            "分级承担须填写至少两级财政的份额(如市级 1、区级 1 即市、区按 1:1 分担),现只填了“市级份额”"
        ]
    );
    // All cleared: the key goes, the rest of [cross] stays.
    let mut none = single;
    none.cross.shares = SharesForm::default();
    let written = write(&none, &written);
    let p = parse_policy("p12.toml", &written, &schema()).unwrap_or_else(|d| panic!("{d:?}"));
    assert!(p.cross.shares.is_none(), "{written}");
    assert!(p.cross.annual_cap.is_some(), "{written}");
}

/// Wrong parts are named by their level's field.
#[test]
fn wrong_shares_are_named_by_their_fields() {
    let mut form = Form::default();
    let s = &mut form.cross.shares;
    (s.national, s.provincial, s.municipal, s.district) =
        ("0".into(), "101".into(), "一".into(), "1".into());
    assert_eq!(
        problems(&form),
        [
            "分级承担的“国家级份额”应为 1 到 100 的整数(如省、市、区按 8:1:1 分担时省级填 8),现为“0”",
            "分级承担的“省级份额”应为 1 到 100 的整数(如省、市、区按 8:1:1 分担时省级填 8),现为“101”",
            "分级承担的“市级份额”应为 1 到 100 的整数(如省、市、区按 8:1:1 分担时省级填 8),现为“一”",
        ]
    );
    // Written as filled in, the definition's own check refuses them too.
    let written = write(&form, "");
    assert!(
        written.contains(
            "shares = { national = 0, provincial = 101, municipal = \"一\", district = 1 }"
        ),
        "{written}"
    );
    let mut source_only = Form::default();
    source_only.cross.shares.source_document_no = "泉财〔2025〕3号".into();
    assert_eq!(
        problems(&source_only),
        ["填写了“分级承担依据的文号”,还须填写“分级承担依据(条款)”"]
    );
    source_only.cross.shares.source = "第三条".into();
    assert_eq!(
        problems(&source_only),
        ["填写了“分级承担依据(条款)”,还须填写至少两级财政的份额"]
    );
}
