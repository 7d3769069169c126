//! The column evaluator returns exactly what the single-record evaluator returns: for random
//! policies (every kind of test — 首次 over earlier grants too — and reward, parameters, cross-policy rules) and random subjects
//! with missing data, every outcome, amount, list of missing facts and granted amount agree.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test or benchmark stops at its first surprise"
)]
use chrono::NaiveDate;
use proptest::prelude::*;
use qinqing_domain::enterprise::{CreditStatus, Ownership, Qualification};
use qinqing_domain::{DivisionCode, IndustryCode, Money};
use qinqing_rules::batch::{Columns, sweep, sweep_before_budgets};
use qinqing_rules::facts::PastGrant;
use qinqing_rules::model::*;
use qinqing_rules::schema::{AttrType, Entity, Schema};
use qinqing_rules::{Facts, PolicySet, Value};
use rust_decimal::Decimal;
use std::collections::BTreeMap;

const CUSTOM: &str = r#"
[[attribute]]
name = "hires"
label = "新招用人员在岗月数"
type = "integer_list"
per_year = true

[[attribute]]
name = "flag"
label = "标记"
type = "bool"

[[attribute]]
name = "note"
label = "备注"
type = "text"

[[attribute]]
name = "score"
label = "评分"
type = "decimal"
per_year = true
"#;

fn schema() -> Schema {
    Schema::with_custom("attributes.toml", CUSTOM).unwrap()
}

fn id(s: &Schema, name: &str) -> usize {
    s.get(name).unwrap()
}

fn period() -> impl Strategy<Value = Period> {
    prop_oneof![
        Just(Period::PolicyYear),
        Just(Period::YearBefore),
        Just(Period::YearsBefore(2))
    ]
}

fn money_value() -> impl Strategy<Value = i64> {
    prop_oneof![
        0i64..2_000,
        0i64..20_000_000,
        1_000_000_000i64..50_000_000_000
    ]
}

fn bound(max: i64) -> impl Strategy<Value = Option<(Bound, bool)>> {
    prop_oneof![
        Just(None),
        (0..max, any::<bool>()).prop_map(|(v, inc)| Some((Bound::Lit(v), inc))),
        (
            prop::sample::select(vec![0i64, 1_000, 5_000, 10_000]),
            any::<bool>()
        )
            .prop_map(|(v, inc)| Some((Bound::Lit(v), inc))),
        any::<bool>().prop_map(|inc| Some((Bound::Param("thr".into()), inc))),
    ]
}

fn bounds(max: i64) -> impl Strategy<Value = Bounds> {
    (bound(max), bound(max)).prop_map(|(lower, upper)| Bounds { lower, upper })
}

fn leaf(s: &Schema) -> impl Strategy<Value = Condition> + use<> {
    let r = |name: &str, p: Period| AttrRef {
        attr: id(s, name),
        period: p,
    };
    let money_attrs = ["revenue", "rd_expense", "equipment_investment"];
    let (revenue, rd) = (
        r("revenue", Period::PolicyYear),
        r("rd_expense", Period::PolicyYear),
    );
    let industry = r("industry", Period::Static);
    let region = r("region", Period::Static);
    let ownership = r("ownership", Period::Static);
    let credit = r("credit_status", Period::Static);
    let flag = r("flag", Period::Static);
    let note = r("note", Period::Static);
    let hires = r("hires", Period::PolicyYear);
    let score = r("score", Period::PolicyYear);
    let size = id(s, "size_class");
    let employees = id(s, "employees");
    let money_ids: Vec<usize> = money_attrs.iter().map(|n| id(s, n)).collect();
    let test = prop_oneof![
        (
            prop::sample::select(money_ids.clone()),
            period(),
            bounds(30_000_000)
        )
            .prop_map(|(attr, period, bounds)| {
                Test::Compare {
                    operand: Operand::Value(AttrRef { attr, period }),
                    bounds,
                }
            }),
        (period(), bounds(2_000)).prop_map(move |(period, bounds)| Test::Compare {
            operand: Operand::Value(AttrRef {
                attr: employees,
                period
            }),
            bounds
        }),
        bounds(1_000).prop_map(move |bounds| Test::Compare {
            operand: Operand::Ratio(rd.clone(), revenue.clone()),
            bounds
        }),
        // Year-on-year change and growth, in every period (YearsBefore(2) compares with a year
        // no subject has figures for, so its tests are unknown).
        (
            prop::sample::select(money_ids.clone()),
            period(),
            bounds(30_000_000),
            any::<bool>(),
        )
            .prop_map(|(attr, period, bounds, change)| {
                let this = AttrRef { attr, period };
                let prev = this.earlier().unwrap();
                Test::Compare {
                    operand: if change {
                        Operand::Change(this, prev)
                    } else {
                        Operand::Growth(this, prev)
                    },
                    bounds,
                }
            }),
        (prop::sample::select(money_ids), bounds(30_000), 0u8..3,).prop_map(|(attr, bounds, k)| {
            // consecutive_years: the growth test k years earlier, as the reader builds it.
            let this = AttrRef {
                attr,
                period: Period::PolicyYear,
            };
            let prev = this.earlier().unwrap();
            Test::Compare {
                operand: Operand::Growth(this, prev),
                bounds,
            }
            .years_back(k)
            .unwrap()
        }),
        bounds(4).prop_map({
            let hires = hires.clone();
            move |bounds| Test::Compare {
                operand: Operand::Count(hires.clone()),
                bounds,
            }
        }),
        bounds(20_000).prop_map(move |bounds| Test::Compare {
            operand: Operand::Value(score.clone()),
            bounds
        }),
        prop::collection::vec(0u8..7, 1..3).prop_map(move |c| Test::InSet {
            attr: ownership.clone(),
            values: c.into_iter().map(Atom::Code).collect()
        }),
        prop::collection::vec(0u8..3, 1..2).prop_map(move |c| Test::InSet {
            attr: credit.clone(),
            values: c.into_iter().map(Atom::Code).collect()
        }),
        (period(), prop::collection::vec(0u8..4, 1..3)).prop_map(move |(period, c)| Test::InSet {
            attr: AttrRef { attr: size, period },
            values: c.into_iter().map(Atom::Code).collect()
        }),
        prop::sample::subsequence(vec!["C", "C33", "C3311", "F", "J"], 1..3).prop_map(move |c| {
            Test::Under {
                attr: industry.clone(),
                codes: c.into_iter().map(String::from).collect(),
            }
        }),
        prop::sample::subsequence(vec!["350521", "350521101", "350503"], 1..2).prop_map(move |c| {
            Test::Under {
                attr: region.clone(),
                codes: c.into_iter().map(String::from).collect(),
            }
        }),
        any::<bool>().prop_map(move |value| Test::Is {
            attr: flag.clone(),
            value
        }),
        prop::sample::subsequence(vec!["a", "b", "c"], 1..3).prop_map(move |v| Test::InSet {
            attr: note.clone(),
            values: v.into_iter().map(|x| Atom::Text(x.into())).collect()
        }),
        (
            prop::sample::select(vec!["高新", "专精", "无人持有"]),
            prop_oneof![
                Just(TagWhen::Any),
                Just(TagWhen::InPolicyYear),
                Just(TagWhen::InYearBefore),
                Just(TagWhen::BeforePolicyYear),
                (1u8..4).prop_map(TagWhen::WithinYears),
                Just(TagWhen::Between(Some(date(2024, 7)), Some(date(2025, 12)))),
                Just(TagWhen::Between(None, Some(date(2025, 3)))),
                Just(TagWhen::Between(Some(date(2025, 1)), None))
            ],
            any::<bool>()
        )
            .prop_map(|(name, when, valid_at_year_end)| Test::Tag {
                name: name.into(),
                when,
                valid_at_year_end
            }),
        prop_oneof![
            prop::sample::select(vec!["p0", "p1", "p9"])
                .prop_map(|id| GrantScope::Policy(id.into())),
            prop::sample::select(vec!["g1", "g2", "g9"]).prop_map(|g| GrantScope::Group(g.into())),
        ]
        .prop_map(|scope| Test::FirstGrant { scope }),
    ];
    test.prop_map(|test| {
        Condition::Leaf(Leaf {
            test,
            line: 1,
            label: None,
        })
    })
}

fn condition(s: &Schema) -> BoxedStrategy<Condition> {
    leaf(s)
        .prop_recursive(3, 12, 3, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..3).prop_map(Condition::All),
                prop::collection::vec(inner.clone(), 0..3).prop_map(Condition::Any),
                inner.prop_map(|c| Condition::Not(Box::new(c))),
            ]
        })
        .boxed()
}

fn amount() -> impl Strategy<Value = Amount> {
    prop_oneof![
        3 => (0i64..5_000_000).prop_map(|f| Amount::Lit(Money::from_fen(f))),
        1 => Just(Amount::Param("cap".into())),
    ]
}

fn rate() -> impl Strategy<Value = Rate> {
    prop_oneof![
        3 => (0i64..3_000, 0u32..5).prop_map(|(m, s)| Rate::Lit(Decimal::new(m, s + 2))),
        1 => Just(Rate::Param("rate".into())),
    ]
}

fn reward(s: &Schema) -> impl Strategy<Value = Reward> + use<> {
    let base = prop::sample::select(vec![
        id(s, "revenue"),
        id(s, "rd_expense"),
        id(s, "equipment_investment"),
    ]);
    let hires = id(s, "hires");
    let employees = id(s, "employees");
    let tiers =
        prop::collection::vec((1i64..5_000_000, amount(), rate()), 1..4).prop_map(|steps| {
            let mut from = 0;
            steps
                .into_iter()
                .enumerate()
                .map(|(i, (width, a, r))| {
                    let t = Tier {
                        from,
                        to: Some(from + width),
                        amount: Some(a),
                        rate: Some(r),
                        line: i,
                    };
                    from += width;
                    t
                })
                .collect::<Vec<_>>()
        });
    let kind = prop_oneof![
        amount().prop_map(RewardKind::Fixed),
        (base.clone(), period(), rate(), any::<bool>()).prop_map(
            |(attr, period, rate, increase)| {
                let base = AttrRef { attr, period };
                RewardKind::Percent {
                    minus: increase.then(|| base.earlier().unwrap()),
                    base,
                    rate,
                }
            }
        ),
        (base, any::<bool>(), tiers, any::<bool>()).prop_map(|(attr, bracket, mut tiers, open)| {
            if open && let Some(last) = tiers.last_mut() {
                last.to = None;
            }
            RewardKind::Tiers {
                mode: if bracket {
                    TierMode::Bracket
                } else {
                    TierMode::Marginal
                },
                base: AttrRef {
                    attr,
                    period: Period::PolicyYear,
                },
                tiers,
            }
        }),
        (amount(), any::<bool>(), prop::option::of(1i64..40)).prop_map(
            move |(rate, list, max_months)| {
                RewardKind::PerUnit {
                    rate,
                    quantity: (!list).then_some(AttrRef {
                        attr: employees,
                        period: Period::PolicyYear,
                    }),
                    months: list.then_some(AttrRef {
                        attr: hires,
                        period: Period::PolicyYear,
                    }),
                    max_months,
                }
            }
        ),
    ];
    let plain = (kind, prop::option::of(amount()), prop::option::of(amount())).prop_map(
        |(kind, floor, cap)| Reward {
            kind,
            when: None,
            floor,
            cap,
            label: None,
            line: 1,
        },
    );
    let cond = condition(s);
    plain.prop_recursive(2, 6, 3, move |inner| {
        (
            prop::collection::vec((inner, prop::option::of(cond.clone())), 1..3),
            any::<bool>(),
            prop::option::of(amount()),
        )
            .prop_map(|(parts, sum, cap)| {
                let parts = parts
                    .into_iter()
                    .map(|(mut r, when)| {
                        r.when = when;
                        r
                    })
                    .collect();
                Reward {
                    kind: if sum {
                        RewardKind::Sum(parts)
                    } else {
                        RewardKind::Max(parts)
                    },
                    when: None,
                    floor: None,
                    cap,
                    label: None,
                    line: 1,
                }
            })
    })
}

fn date(y: i32, m: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, 1).unwrap()
}

fn params(thr: i64, cap: i64, rate_bp: i64) -> BTreeMap<String, Param> {
    let p = |name: &str, ty, value| {
        (
            name.to_string(),
            Param {
                name: name.into(),
                label: None,
                ty,
                values: vec![(date(2024, 6), value)],
                sources: vec![None],
                line: 1,
            },
        )
    };
    [
        p(
            "thr",
            ParamType::Money,
            ParamValue::Money(Money::from_fen(thr)),
        ),
        p(
            "cap",
            ParamType::Money,
            ParamValue::Money(Money::from_fen(cap)),
        ),
        p(
            "rate",
            ParamType::Rate,
            ParamValue::Rate(Decimal::new(rate_bp, 4)),
        ),
    ]
    .into_iter()
    .collect()
}

fn policy(s: &Schema) -> impl Strategy<Value = Policy> + use<> {
    (
        condition(s),
        reward(s),
        (0i64..20_000_000, 0i64..5_000_000, 0i64..3_000),
        prop::option::of(prop::sample::select(vec!["g1", "g2"])),
        prop::option::of(prop::sample::select(vec!["c1", "c2"])),
        prop::option::of(prop::sample::select(vec!["b1", "b2"])),
        prop_oneof![4 => Just((date(2023, 1), None)), 1 => Just((date(2025, 6), None)), 1 => Just((date(2020, 1), Some(date(2024, 3))))],
        prop_oneof![9 => Just(Entity::Enterprise), 1 => Just(Entity::Person)],
    )
        .prop_map(|(condition, reward, (thr, cap, rate), excl, capg, pool, (from, to), entity)| Policy {
            id: String::new(),
            title: "随机政策".into(),
            department: "d".into(),
            level: Level::District,
            document_no: None,
            topics: Vec::new(),
            entity,
            mode: Mode::Apply,
            effective_from: from,
            effective_to: to,
            rounding: Rounding::HalfUp,
            params: params(thr, cap, rate),
            condition,
            reward,
            cross: CrossRules {
                // A group may not mix entities (the set rejects it).
                exclusive_group: excl.filter(|_| entity == Entity::Enterprise).map(String::from),
                // 就高补差 only differs from 就高 when grants come one after another.
                top_up: false,
                annual_cap: capg.map(|g| (g.to_string(), Money::from_fen(if g == "c1" { 3_000_000 } else { 100 }))),
                budget: pool.map(|b| Budget {
                    pool: b.into(),
                    total: Money::from_fen(if b == "b1" { 5_000_000 } else { 777 }),
                    allocation: if b == "b1" { Allocation::ProRata } else { Allocation::InOrder },
                }),
                // Shares split a grant; they never change whether or how much is granted.
                shares: None,
                line: 1,
            },
            per_claim: None,
            cases: Vec::new(),
            file: "random.toml".into(),
        })
}

fn tags() -> impl Strategy<Value = Option<Vec<Qualification>>> {
    let one = (
        prop::sample::select(vec!["高新", "专精", "其他"]),
        prop::option::of((2021i32..2027, 1u32..13)),
        prop::option::of((2024i32..2027, 1u32..13)),
    )
        .prop_map(|(name, rec, exp)| Qualification {
            name: name.into(),
            recognised_on: rec.map(|(y, m)| date(y, m)),
            expires_on: exp.map(|(y, m)| date(y, m)),
        });
    prop_oneof![1 => Just(None), 6 => prop::collection::vec(one, 0..4).prop_map(Some)]
}

/// Earlier grants: of policies and groups the random libraries use, before, in and after the
/// policy year; sometimes the history is unknown.
fn grants() -> impl Strategy<Value = Option<Vec<PastGrant>>> {
    let one = (
        prop::sample::select(vec!["p0", "p1", "p2", "p3"]),
        prop::option::of(prop::sample::select(vec!["g1", "g2"])),
        2021i32..2027,
    )
        .prop_map(|(id, group, year)| PastGrant {
            policy_id: id.into(),
            group: group.map(String::from),
            year,
        });
    prop_oneof![1 => Just(None), 6 => prop::collection::vec(one, 0..3).prop_map(Some)]
}

fn subject(i: usize) -> impl Strategy<Value = Facts> {
    let years = prop::collection::vec(
        (
            prop::option::of(money_value()),
            prop::option::of(money_value()),
            prop::option::of(money_value()),
            prop::option::of(0i64..3_000),
            prop::option::of(money_value()),
            prop::option::of(prop::collection::vec(-2i64..50, 0..4)),
            prop::option::of(0i64..30_000),
        ),
        3..=3,
    );
    (
        prop::option::of(prop::sample::select(vec![
            "C3311", "C3971", "F5211", "J66", "K7010", "C",
        ])),
        prop::option::of(prop::sample::select(vec![
            "350521101201",
            "350521",
            "350503",
            "110101",
        ])),
        prop::option::of(0usize..7),
        prop::option::of(0usize..3),
        prop::option::of(any::<bool>()),
        prop::option::of(prop::sample::select(vec!["a", "b", "z"])),
        years,
        (tags(), grants()),
    )
        .prop_map(
            move |(ind, reg, own, cred, flag, note, years, (tags, grants))| {
                let mut f = Facts::new(&format!("S{i:03}"), "随机企业", Entity::Enterprise);
                if let Some(c) = ind {
                    f.set("industry", Value::Industry(IndustryCode::parse(c).unwrap()));
                }
                if let Some(c) = reg {
                    f.set("region", Value::Region(DivisionCode::parse(c).unwrap()));
                }
                if let Some(o) = own {
                    f.set("ownership", Value::Ownership(Ownership::ALL[o]));
                }
                if let Some(c) = cred {
                    f.set("credit_status", Value::CreditStatus(CreditStatus::ALL[c]));
                }
                if let Some(b) = flag {
                    f.set("flag", Value::Bool(b));
                }
                if let Some(n) = note {
                    f.set("note", Value::Text(n.into()));
                }
                for (k, (rev, rd, eq, emp, assets, hires, score)) in years.into_iter().enumerate() {
                    let y = 2023 + k as i32;
                    let money = |v: Option<i64>| v.map(|x| Value::Money(Money::from_fen(x)));
                    for (name, v) in [
                        ("revenue", money(rev)),
                        ("rd_expense", money(rd)),
                        ("equipment_investment", money(eq)),
                        ("total_assets", money(assets)),
                    ] {
                        if let Some(v) = v {
                            f.set_for_year(name, y, v);
                        }
                    }
                    if let Some(e) = emp {
                        f.set_for_year("employees", y, Value::Integer(e));
                    }
                    if let Some(h) = hires {
                        f.set_for_year("hires", y, Value::IntegerList(h));
                    }
                    if let Some(s) = score {
                        f.set_for_year("score", y, Value::Decimal(s));
                    }
                }
                f.set_qualifications(tags);
                f.set_grants(grants);
                f
            },
        )
}

fn subjects() -> impl Strategy<Value = Vec<Facts>> {
    (0usize..40).prop_flat_map(|n| (0..n).map(subject).collect::<Vec<_>>())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn column_and_single_evaluators_agree(
        policies in prop::collection::vec(policy(&schema()), 1..7),
        subjects in subjects(),
        year in 2024i32..=2025,
    ) {
        let s = schema();
        let policies: Vec<Policy> = policies
            .into_iter()
            .enumerate()
            .map(|(i, mut p)| {
                p.id = format!("p{i}");
                p
            })
            .collect();
        let set = PolicySet::new(s.clone(), policies).unwrap();
        let single = set.evaluate_all(&subjects, year);
        let cols = Columns::from_facts(&s, Entity::Enterprise, &subjects);
        let swept = sweep(&set, &cols, year);
        let each = sweep_before_budgets(&set, &cols, year);
        for (row, r) in single.iter().enumerate() {
            for (p, cell) in r.cells.iter().enumerate() {
                let outcome = swept.outcome(&set, &cols, p, row);
                prop_assert_eq!(&outcome, &cell.outcome, "policy {} row {}", p, row);
                prop_assert_eq!(swept.granted(p, row), cell.granted, "granted, policy {} row {}", p, row);
            }
            // Before budgets: what the subject is granted on its own.
            let outcomes = r.cells.iter().map(|c| c.outcome.clone()).collect();
            let alone = set.subject_result(r.subject_id.clone(), outcomes);
            for (p, cell) in alone.cells.iter().enumerate() {
                prop_assert_eq!(each.granted(p, row), cell.granted, "alone, policy {} row {}", p, row);
            }
        }
    }
}

#[test]
fn attribute_types_in_the_test_schema_are_as_declared() {
    let s = schema();
    assert_eq!(s.def(id(&s, "hires")).ty, AttrType::IntegerList);
    assert_eq!(s.def(id(&s, "score")).ty, AttrType::Decimal);
}

/// Boundaries, missing figures and every reward shape, on a small fixed library.
#[test]
fn fixed_library_agrees_on_boundaries() {
    let s = schema();
    let head = |id: &str| {
        format!(
            "id = \"{id}\"\ntitle = \"t\"\ndepartment = \"d\"\nlevel = \"district\"\nmode = \"apply\"\neffective = {{ from = 2024-01-01 }}\n"
        )
    };
    let files = vec![
        (
            "a.toml".to_string(),
            format!(
                "{}[reward]\ntiers = \"bracket\"\nof = \"revenue\"\nbrackets = [{{ from = 0, to = 10, amount = 5 }}, {{ from = 10, amount = 7 }}]\n",
                head("a")
            ),
        ),
        (
            "b.toml".to_string(),
            format!(
                "{}[conditions]\nall = [{{ attr = \"revenue\", min = 10 }}]\n[reward]\nmax = [{{ fixed = 1, when = {{ attr = \"revenue\", above = 10 }} }}, {{ percent = \"33.3333%\", of = \"revenue\", floor = 2 }}]\n",
                head("b")
            ),
        ),
        (
            "c.toml".to_string(),
            format!(
                "{}[reward]\nper_unit = 500\nmonths = \"hires\"\nmax_months = 36\ncap = 20000\n",
                head("c")
            ),
        ),
        (
            "d.toml".to_string(),
            format!(
                "{}[reward]\ntiers = \"marginal\"\nof = \"revenue\"\nbrackets = [{{ from = 0, to = 10, rate = \"1%\" }}, {{ from = 10, rate = \"2.5%\" }}]\n",
                head("d")
            ),
        ),
    ];
    let files: Vec<(String, String)> = files;
    let set = PolicySet::from_sources(Some(("attributes.toml", CUSTOM)), &files).unwrap();
    let mut subjects = Vec::new();
    for (i, rev) in [
        None,
        Some(0),
        Some(999),
        Some(1_000),
        Some(1_001),
        Some(1_234_567),
    ]
    .into_iter()
    .enumerate()
    {
        let mut f = Facts::new(&format!("S{i}"), "x", Entity::Enterprise);
        if let Some(r) = rev {
            f.set_for_year("revenue", 2025, Value::Money(Money::from_fen(r)));
        }
        if i % 2 == 0 {
            f.set_for_year("hires", 2025, Value::IntegerList(vec![12, 40, -1]));
        }
        subjects.push(f);
    }
    let single = set.evaluate_all(&subjects, 2025);
    let cols = Columns::from_facts(&s, Entity::Enterprise, &subjects);
    let swept = sweep(&set, &cols, 2025);
    for (row, r) in single.iter().enumerate() {
        for (p, cell) in r.cells.iter().enumerate() {
            assert_eq!(
                swept.outcome(&set, &cols, p, row),
                cell.outcome,
                "policy {p} row {row}"
            );
            assert_eq!(swept.granted(p, row), cell.granted, "policy {p} row {row}");
        }
    }
    // Spot checks of the meaning: 10 yuan is in the second bracket; 48 months at 500.
    assert_eq!(single[3].cells[0].granted, Some(Money::from_yuan(7)));
    assert_eq!(single[0].cells[2].granted, Some(Money::from_yuan(20_000)));
}

/// Enough subjects for several blocks and both threads (the property test stays within one).
#[test]
fn many_blocks_and_threads_agree() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let s = schema();
    let mut runner = TestRunner::deterministic();
    for _ in 0..2 {
        let policies: Vec<Policy> = prop::collection::vec(policy(&s), 4..8)
            .new_tree(&mut runner)
            .unwrap()
            .current()
            .into_iter()
            .enumerate()
            .map(|(i, mut p)| {
                p.id = format!("p{i}");
                p
            })
            .collect();
        let set = PolicySet::new(s.clone(), policies).unwrap();
        let subjects: Vec<Facts> = (0..6_000)
            .map(|i| subject(i).new_tree(&mut runner).unwrap().current())
            .collect();
        let single = set.evaluate_all(&subjects, 2025);
        let cols = Columns::from_facts(&s, Entity::Enterprise, &subjects);
        let swept = sweep(&set, &cols, 2025);
        for (row, r) in single.iter().enumerate() {
            for (p, cell) in r.cells.iter().enumerate() {
                assert_eq!(
                    swept.outcome(&set, &cols, p, row),
                    cell.outcome,
                    "policy {p} row {row}"
                );
                assert_eq!(
                    swept.granted(p, row),
                    cell.granted,
                    "granted, policy {p} row {row}"
                );
            }
        }
        let total: i128 = r_total(&single);
        assert_eq!(swept.totals().granted, total);
    }
}

fn r_total(single: &[qinqing_rules::set::SubjectResult]) -> i128 {
    single
        .iter()
        .flat_map(|r| r.cells.iter())
        .filter_map(|c| c.granted.map(|g| i128::from(g.fen())))
        .sum()
}
