//! The single-record evaluator: one subject against one policy, with outcome, exact amount and
//! an explanation per condition.
//!
//! Semantics, shared with the column evaluator ([`crate::batch`]):
//!
//! - Conditions are three-valued (Kleene): a test whose facts are missing is *unknown*; `all` is
//!   false if any part is false, else unknown if any part is unknown; `any` dually; `not` swaps
//!   true and false and keeps unknown.
//! - Outcome: the policy's entity must match and its effective period must overlap the policy
//!   year, else *ineligible*. Then false conditions → *ineligible*; unknown → *undetermined* with
//!   the missing facts (those of the conditions plus those the reward will need); true → the
//!   reward is computed, and if a fact it needs is missing → *undetermined*, else *eligible* with
//!   the amount.
//! - Amounts are exact in fen; see the `reward` module for rounding.

mod explain;
pub(crate) mod leaf;
pub(crate) mod reward;
mod terms;

use crate::facts::{Facts, Source};
use crate::model::{Condition, ParamValue, Policy};
use crate::schema::{AttrId, Schema};
use chrono::NaiveDate;
use qinqing_domain::Money;
use rust_decimal::Decimal;
use std::collections::HashMap;

pub use explain::{Check, NearMiss, Status};
pub use terms::{Terms, sharing_sentence, terms};

/// A three-valued truth.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tri {
    True,
    False,
    Unknown,
}

impl Tri {
    pub fn from_bool(b: bool) -> Tri {
        if b { Tri::True } else { Tri::False }
    }

    pub fn negate(self) -> Tri {
        match self {
            Tri::True => Tri::False,
            Tri::False => Tri::True,
            Tri::Unknown => Tri::Unknown,
        }
    }
}

/// A fact the evaluator needed and did not have.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum FactKey {
    Attr(AttrId, Option<i32>),
    /// The qualification list itself is unknown.
    Qualifications,
    /// A held qualification whose recognition date is unknown.
    TagDate(String),
    /// The subject's grant history is unknown (a 首次 test).
    Grants,
    /// A parameter with no value in force on the reference date.
    Param(String),
}

/// A missing fact, by key ("rd_expense@2025") and in words ("2025年研发费用").
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MissingFact {
    pub key: String,
    pub label: String,
}

/// The three outcomes, never two.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Eligible { amount: Money },
    Ineligible,
    Undetermined { missing: Vec<MissingFact> },
}

impl Outcome {
    pub fn as_str(&self) -> &'static str {
        match self {
            Outcome::Eligible { .. } => "eligible",
            Outcome::Ineligible => "ineligible",
            Outcome::Undetermined { .. } => "undetermined",
        }
    }

    pub fn amount(&self) -> Option<Money> {
        match self {
            Outcome::Eligible { amount } => Some(*amount),
            _ => None,
        }
    }
}

/// Evaluation settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EvalOptions {
    /// A failed numeric test within this fraction of its threshold is a near miss (0.10 = 10 %).
    pub near_miss_margin: Decimal,
}

impl Default for EvalOptions {
    fn default() -> Self {
        EvalOptions {
            near_miss_margin: Decimal::new(10, 2),
        }
    }
}

/// The names of administrative divisions by code ("350521102" → "东园镇"), so that
/// explanations name regions the way people do. A code without a name is shown as it is.
pub type RegionNames = std::collections::BTreeMap<String, String>;

/// The full result for one subject and one policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evaluation {
    pub policy_id: String,
    pub title: String,
    pub year: i32,
    pub outcome: Outcome,
    /// One check per test, in the order of the file, plus the implicit ones (entity, period).
    pub checks: Vec<Check>,
    /// Set when the policy failed only one numeric test, within the margin.
    pub near_miss: Option<NearMiss>,
    /// How the amount was computed, in words (eligible only).
    pub reward_text: Option<String>,
}

/// What the evaluator needs besides the facts: the schema, the policy, the year and the
/// parameter values in force on the reference date.
pub(crate) struct Env<'a> {
    pub schema: &'a Schema,
    pub policy: &'a Policy,
    pub year: i32,
    pub year_start: NaiveDate,
    pub year_end: NaiveDate,
    params: HashMap<&'a str, ParamValue>,
    /// Names of regions for explanations; none when the caller gave none.
    pub region_names: Option<&'a RegionNames>,
}

impl<'a> Env<'a> {
    /// Parameters take the value in force on 31 December of the policy year: the year's figures
    /// are final then, and a cap raised during the year applies to that year's grants.
    pub fn new(schema: &'a Schema, policy: &'a Policy, year: i32) -> Env<'a> {
        let (year_start, year_end) =
            crate::facts::year_bounds(year).unwrap_or((NaiveDate::MIN, NaiveDate::MIN));
        let params = policy
            .params
            .iter()
            .filter_map(|(k, p)| p.value_on(year_end).map(|v| (k.as_str(), v)))
            .collect();
        Env {
            schema,
            policy,
            year,
            year_start,
            year_end,
            params,
            region_names: None,
        }
    }

    pub fn param(&self, name: &str) -> Option<ParamValue> {
        self.params.get(name).copied()
    }

    /// "(依据:泉台管〔2024〕15号第三条)" for the value of `name` in force, or nothing.
    pub fn param_source(&self, name: &str) -> String {
        self.policy
            .params
            .get(name)
            .and_then(|p| p.source_on(self.year_end))
            .map(|s| format!("(依据:{})", s.text(self.policy.document_no.as_deref())))
            .unwrap_or_default()
    }

    /// Words for a missing fact.
    pub fn missing_fact(&self, key: &FactKey) -> MissingFact {
        match key {
            FactKey::Attr(id, year) => {
                let def = self.schema.def(*id);
                match year {
                    Some(y) => MissingFact {
                        key: format!("{}@{y}", def.name),
                        label: format!("{y}年{}", def.label),
                    },
                    None => MissingFact {
                        key: def.name.clone(),
                        label: def.label.clone(),
                    },
                }
            }
            FactKey::Qualifications => MissingFact {
                key: "qualifications".into(),
                label: "资质认定信息".into(),
            },
            FactKey::TagDate(name) => MissingFact {
                key: format!("qualification_date:{name}"),
                label: format!("「{name}」的认定日期"),
            },
            FactKey::Grants => MissingFact {
                key: "grants".into(),
                label: "历年获得奖补记录".into(),
            },
            FactKey::Param(name) => MissingFact {
                key: format!("param:{name}"),
                label: format!("政策参数“{name}”在{}年的取值", self.year),
            },
        }
    }

    fn missing_facts(&self, mut keys: Vec<FactKey>) -> Vec<MissingFact> {
        keys.sort();
        keys.dedup();
        keys.iter().map(|k| self.missing_fact(k)).collect()
    }
}

/// A condition tree's value from its leaves' values (in tree order), with the missing facts of
/// the unknown parts when the whole is unknown.
pub(crate) fn combine(
    c: &Condition,
    leaves: &[(Tri, Vec<FactKey>)],
    next: &mut usize,
    missing: &mut Vec<FactKey>,
) -> Tri {
    match c {
        Condition::Leaf(_) => {
            let (t, m) = leaves
                .get(*next)
                .cloned()
                .unwrap_or((Tri::Unknown, Vec::new()));
            *next += 1;
            if t == Tri::Unknown {
                missing.extend(m);
            }
            t
        }
        Condition::Not(inner) => combine(inner, leaves, next, missing).negate(),
        Condition::All(items) | Condition::Any(items) => {
            let is_all = matches!(c, Condition::All(_));
            let (decisive, neutral) = if is_all {
                (Tri::False, Tri::True)
            } else {
                (Tri::True, Tri::False)
            };
            let mut unknown_missing = Vec::new();
            let mut result = neutral;
            for item in items {
                let t = combine(item, leaves, next, &mut unknown_missing);
                if t == decisive {
                    result = decisive;
                } else if t == Tri::Unknown && result != decisive {
                    result = Tri::Unknown;
                }
            }
            if result == Tri::Unknown {
                missing.extend(unknown_missing);
            }
            result
        }
    }
}

/// Evaluates every leaf of `c` (no short-cut, so explanations are complete).
pub(crate) fn eval_leaves<S: Source + ?Sized>(
    c: &Condition,
    env: &Env<'_>,
    src: &S,
) -> Vec<(Tri, Vec<FactKey>)> {
    c.leaves()
        .into_iter()
        .map(|l| {
            let mut m = Vec::new();
            let t = leaf::eval_test(&l.test, env, src, &mut m);
            (t, m)
        })
        .collect()
}

/// A condition's value and, when unknown, its missing facts.
pub(crate) fn eval_condition<S: Source + ?Sized>(
    c: &Condition,
    env: &Env<'_>,
    src: &S,
    missing: &mut Vec<FactKey>,
) -> Tri {
    let leaves = eval_leaves(c, env, src);
    combine(c, &leaves, &mut 0, missing)
}

/// Why a policy does not apply at all, before its conditions.
pub(crate) fn precheck<S: Source + ?Sized>(env: &Env<'_>, src: &S) -> Option<Check> {
    let p = env.policy;
    if src.subject_entity() != p.entity {
        return Some(explain::implicit(
            Status::Failed,
            src.subject_entity().label_zh(),
            p.entity.label_zh(),
            format!(
                "本政策面向{},不适用于{}",
                p.entity.label_zh(),
                src.subject_entity().label_zh()
            ),
        ));
    }
    if !p.in_force_during(env.year) {
        let to = p
            .effective_to
            .map_or_else(|| "长期".to_string(), |d| d.to_string());
        return Some(explain::implicit(
            Status::Failed,
            &format!("{}年", env.year),
            &format!("{} 至 {to}", p.effective_from),
            format!(
                "政策有效期为 {} 至 {to},不覆盖{}年度",
                p.effective_from, env.year
            ),
        ));
    }
    None
}

/// The outcome without explanations: what batch evaluation must reproduce.
pub(crate) fn decide_with<S: Source + ?Sized>(env: &Env<'_>, src: &S) -> Outcome {
    if precheck(env, src).is_some() {
        return Outcome::Ineligible;
    }
    let mut missing = Vec::new();
    match eval_condition(&env.policy.condition, env, src, &mut missing) {
        Tri::False => Outcome::Ineligible,
        Tri::Unknown => {
            // Also name what the reward will need, so one request for data suffices.
            let mut reward_missing = Vec::new();
            let _ = reward::amount(&env.policy.reward, env, src, &mut reward_missing);
            missing.extend(reward_missing);
            Outcome::Undetermined {
                missing: env.missing_facts(missing),
            }
        }
        Tri::True => {
            let mut reward_missing = Vec::new();
            match reward::amount(&env.policy.reward, env, src, &mut reward_missing) {
                Some(fen) => Outcome::Eligible {
                    amount: Money::from_fen(fen),
                },
                None => Outcome::Undetermined {
                    missing: env.missing_facts(reward_missing),
                },
            }
        }
    }
}

/// The outcome of `policy` for `facts` in policy year `year`, without explanations.
pub fn decide(policy: &Policy, schema: &Schema, facts: &Facts, year: i32) -> Outcome {
    decide_with(&Env::new(schema, policy, year), facts)
}

/// The outcome with an explanation per condition and the near-miss flag.
pub fn evaluate(
    policy: &Policy,
    schema: &Schema,
    facts: &Facts,
    year: i32,
    options: &EvalOptions,
) -> Evaluation {
    evaluate_named(policy, schema, facts, year, options, None)
}

/// [`evaluate`], with the explanations naming regions by `region_names`.
pub fn evaluate_named(
    policy: &Policy,
    schema: &Schema,
    facts: &Facts,
    year: i32,
    options: &EvalOptions,
    region_names: Option<&RegionNames>,
) -> Evaluation {
    let mut env = Env::new(schema, policy, year);
    env.region_names = region_names;
    let outcome = decide_with(&env, facts);
    let mut checks = Vec::new();
    let mut near_miss = None;
    if let Some(check) = precheck(&env, facts) {
        checks.push(check);
    } else {
        let leaves = eval_leaves(&policy.condition, &env, facts);
        checks = explain::checks(&policy.condition, &leaves, &env, facts);
        if outcome == Outcome::Ineligible {
            near_miss = explain::near_miss(&policy.condition, &leaves, &env, facts, options);
        }
    }
    let reward_text = outcome
        .amount()
        .map(|_| reward::describe(&policy.reward, &env, facts));
    Evaluation {
        policy_id: policy.id.clone(),
        title: policy.title.clone(),
        year,
        outcome,
        checks,
        near_miss,
        reward_text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::Value;
    use crate::read::parse_policy;
    use crate::schema::Entity;

    fn policy(body: &str) -> Policy {
        let src = format!(
            "id = \"t\"\ntitle = \"测试政策\"\ndepartment = \"d\"\nlevel = \"district\"\nmode = \"apply\"\neffective = {{ from = 2024-01-01 }}\n{body}"
        );
        parse_policy("t.toml", &src, &Schema::standard()).unwrap_or_else(|e| panic!("{e:?}"))
    }

    fn facts(revenue: Option<i64>, employees: Option<i64>) -> Facts {
        let mut f = Facts::new("x", "x", Entity::Enterprise);
        f.set("industry", Value::Industry("C3311".parse().unwrap()));
        if let Some(r) = revenue {
            f.set_for_year("revenue", 2025, Value::Money(Money::from_yuan(r)));
        }
        if let Some(e) = employees {
            f.set_for_year("employees", 2025, Value::Integer(e));
        }
        f
    }

    #[test]
    fn the_explanation_reads_like_the_issue() {
        let p = policy(
            "[conditions]\nall = [{ attr = \"revenue\", min = \"100000000\" }]\n[reward]\nfixed = 1\n",
        );
        let e = evaluate(
            &p,
            &Schema::standard(),
            &facts(Some(80_000_000), None),
            2025,
            &EvalOptions::default(),
        );
        assert_eq!(e.outcome, Outcome::Ineligible);
        assert_eq!(
            e.checks[0].sentence,
            "2025年营业收入 8,000.00 万元,需不低于 1 亿元"
        );
        assert_eq!(e.checks[0].status, Status::Failed);
        assert!(e.near_miss.is_none(), "20 % short is not near");
    }

    #[test]
    fn regions_read_by_name_when_names_are_given() {
        let p = policy(
            "[conditions]\nall = [{ attr = \"region\", under = [\"350521\"] }]\n[reward]\nfixed = 1\n",
        );
        let mut f = facts(None, None);
        f.set("region", Value::Region("350521102201".parse().unwrap()));
        let names = RegionNames::from([
            ("350521".to_string(), "泉州台商投资区".to_string()),
            ("350521102201".to_string(), "东园镇东园村".to_string()),
        ]);
        let (s, o) = (Schema::standard(), EvalOptions::default());
        let named = evaluate_named(&p, &s, &f, 2025, &o, Some(&names));
        assert_eq!(
            named.checks[0].sentence,
            "所在区域 东园镇东园村,需属于 泉州台商投资区"
        );
        let coded = evaluate(&p, &s, &f, 2025, &o);
        assert_eq!(
            coded.checks[0].sentence,
            "所在区域 350521102201,需属于 350521"
        );
    }

    #[test]
    fn a_region_the_names_lack_reads_as_what_it_is_to_the_district() {
        let p = policy(
            "[conditions]\nall = [{ attr = \"region\", under = [\"350521102\"] }]\n[reward]\nfixed = 1\n",
        );
        let mut f = facts(None, None);
        f.set("region", Value::Region("350521102201".parse().unwrap()));
        let names = RegionNames::from([("350521".to_string(), "泉州台商投资区".to_string())]);
        let (s, o) = (Schema::standard(), EvalOptions::default());
        let e = evaluate_named(&p, &s, &f, 2025, &o, Some(&names));
        assert_eq!(
            e.checks[0].sentence,
            "所在区域 泉州台商投资区,需属于 本区指定的镇(街道)"
        );
    }

    fn rd(years: &[(i32, i64)]) -> Facts {
        let mut f = Facts::new("x", "x", Entity::Enterprise);
        for (y, v) in years {
            f.set_for_year("rd_expense", *y, Value::Money(Money::from_yuan(*v)));
        }
        f
    }

    #[test]
    fn year_on_year_change_reads_with_both_numbers() {
        let p = policy(
            "[conditions]\nall = [{ change = \"rd_expense\", min = \"1000000\" }]\n[reward]\npercent = \"6%\"\nof = \"rd_expense\"\nbasis = \"increase\"\n",
        );
        let (s, o) = (Schema::standard(), EvalOptions::default());
        let short = evaluate(
            &p,
            &s,
            &rd(&[(2024, 2_000_000), (2025, 2_800_000)]),
            2025,
            &o,
        );
        assert_eq!(short.outcome, Outcome::Ineligible);
        assert_eq!(
            short.checks[0].sentence,
            "2025年研发费用较上年增加 80.00 万元,需不低于 100 万元"
        );
        let down = evaluate(
            &p,
            &s,
            &rd(&[(2024, 2_000_000), (2025, 1_500_000)]),
            2025,
            &o,
        );
        assert_eq!(
            down.checks[0].sentence,
            "2025年研发费用较上年增加 -50.00 万元(减少 50.00 万元),需不低于 100 万元"
        );
        let paid = evaluate(
            &p,
            &s,
            &rd(&[(2024, 2_000_000), (2025, 3_200_000)]),
            2025,
            &o,
        );
        assert_eq!(
            paid.outcome,
            Outcome::Eligible {
                amount: Money::from_yuan(72_000)
            }
        );
        assert_eq!(
            paid.reward_text.as_deref(),
            Some("2025年研发费用较2024年增量 120.00 万元 × 6% → 72,000.00 元")
        );
        // Without last year's figure the enterprise is asked for it, not turned away.
        let unknown = evaluate(&p, &s, &rd(&[(2025, 3_200_000)]), 2025, &o);
        let Outcome::Undetermined { missing } = &unknown.outcome else {
            panic!("{:?}", unknown.outcome)
        };
        let keys: Vec<_> = missing.iter().map(|m| m.key.as_str()).collect();
        assert_eq!(keys, ["rd_expense@2024"]);
        assert_eq!(
            unknown.checks[0].sentence,
            "2025年研发费用较上年增加 无法计算(2024年或2025年数据未提供),需不低于 100 万元"
        );
    }

    #[test]
    fn first_grant_looks_at_every_earlier_year_of_the_policy_or_its_group() {
        use crate::facts::PastGrant;
        let (s, o) = (Schema::standard(), EvalOptions::default());
        let grant = |id: &str, group: Option<&str>, year| PastGrant {
            policy_id: id.into(),
            group: group.map(String::from),
            year,
        };
        let own =
            policy("[conditions]\nall = [{ first_grant = \"policy\" }]\n[reward]\nfixed = 1\n");
        let group = policy(
            "[conditions]\nall = [{ first_grant = \"group\" }]\n[reward]\nfixed = 1\n[cross]\nexclusive_group = \"g\"\n",
        );
        let mut f = Facts::new("x", "x", Entity::Enterprise);
        let eligible = Outcome::Eligible {
            amount: Money::from_yuan(1),
        };
        assert_eq!(evaluate(&own, &s, &f, 2025, &o).outcome, eligible);
        // Years ago, not only the year before; a grant of the policy year itself is not another
        // year's.
        f.set_grants(Some(vec![
            grant("t", None, 2019),
            grant("u", Some("g"), 2025),
        ]));
        let e = evaluate(&own, &s, &f, 2025, &o);
        assert_eq!(e.outcome, Outcome::Ineligible);
        assert_eq!(
            e.checks[0].sentence,
            "本政策奖励 2019年已获得,需为首次获得(其他年度均未获得过)"
        );
        assert_eq!(evaluate(&group, &s, &f, 2025, &o).outcome, eligible);
        // Granted for a later year first: this year's would be the second.
        f.set_grants(Some(vec![grant("t", None, 2026)]));
        assert_eq!(
            evaluate(&own, &s, &f, 2025, &o).outcome,
            Outcome::Ineligible
        );
        f.set_grants(Some(vec![grant("u", Some("g"), 2023)]));
        let e = evaluate(&group, &s, &f, 2025, &o);
        assert_eq!(e.outcome, Outcome::Ineligible);
        assert!(
            e.checks[0]
                .sentence
                .starts_with("同一事项(不重复享受)的奖励 2023年已获得"),
            "{}",
            e.checks[0].sentence
        );
        f.set_grants(None);
        let Outcome::Undetermined { missing } = evaluate(&own, &s, &f, 2025, &o).outcome else {
            panic!("an unknown history is asked for")
        };
        assert_eq!(missing[0].label, "历年获得奖补记录");
    }

    #[test]
    fn a_recognition_window_reads_as_years_or_days() {
        let (s, o) = (Schema::standard(), EvalOptions::default());
        let mut f = Facts::new("x", "x", Entity::Enterprise);
        f.set_qualifications(Some(vec![
            qinqing_domain::enterprise::Qualification::parse("高新@2022-12-31").unwrap(),
        ]));
        let years = policy(
            "[conditions]\nall = [{ tag = \"高新\", recognised_from = 2023-01-01, recognised_to = 2025-12-31 }]\n[reward]\nfixed = 1\n",
        );
        let e = evaluate(&years, &s, &f, 2025, &o);
        assert_eq!(e.outcome, Outcome::Ineligible);
        assert!(
            e.checks[0].sentence.ends_with("需在2023–2025年间获得认定"),
            "{}",
            e.checks[0].sentence
        );
        let days = policy(
            "[conditions]\nall = [{ tag = \"高新\", recognised_from = 2022-12-31 }]\n[reward]\nfixed = 1\n",
        );
        let e = evaluate(&days, &s, &f, 2025, &o);
        assert_eq!(
            e.outcome,
            Outcome::Eligible {
                amount: Money::from_yuan(1)
            }
        );
        assert!(
            e.checks[0]
                .sentence
                .ends_with("需在2022年12月31日或以后获得认定"),
            "{}",
            e.checks[0].sentence
        );
    }

    #[test]
    fn a_parameter_shows_the_source_of_the_value_in_force() {
        let p = parse_policy(
            "t.toml",
            "id = \"t\"\ntitle = \"t\"\ndepartment = \"d\"\nlevel = \"district\"\nmode = \"apply\"\ndocument_no = \"泉台管〔2024〕15号\"\neffective = { from = 2024-01-01 }\n[params.thr]\ntype = \"money\"\nsource = \"第三条\"\nvalues = [{ from = 2024-01-01, value = \"100000000\" }, { from = 2025-01-01, value = \"90000000\", source = { document_no = \"泉台管〔2025〕1号\", article = \"第二条\" } }]\n[conditions]\nall = [{ attr = \"revenue\", min = \"$thr\" }]\n[reward]\nfixed = 1\n",
            &Schema::standard(),
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
        let (s, o) = (Schema::standard(), EvalOptions::default());
        let mut f = facts(Some(80_000_000), None);
        f.set_for_year("revenue", 2024, Value::Money(Money::from_yuan(80_000_000)));
        assert_eq!(
            evaluate(&p, &s, &f, 2024, &o).checks[0].sentence,
            "2024年营业收入 8,000.00 万元,需不低于 1 亿元(依据:泉台管〔2024〕15号第三条)"
        );
        assert_eq!(
            evaluate(&p, &s, &f, 2025, &o).checks[0].sentence,
            "2025年营业收入 8,000.00 万元,需不低于 9,000 万元(依据:泉台管〔2025〕1号第二条)"
        );
    }

    #[test]
    fn growth_and_consecutive_years() {
        let p = policy(
            "[conditions]\nall = [{ growth = \"rd_expense\", min = \"20%\", consecutive_years = 2 }]\n[reward]\nfixed = 1\n",
        );
        let (s, o) = (Schema::standard(), EvalOptions::default());
        let both = rd(&[(2023, 1_000_000), (2024, 1_200_000), (2025, 1_500_000)]);
        let e = evaluate(&p, &s, &both, 2025, &o);
        assert_eq!(
            e.outcome,
            Outcome::Eligible {
                amount: Money::from_yuan(1)
            }
        );
        assert_eq!(
            e.checks[0].sentence,
            "2025年研发费用较上年增长 25.00%,需不低于 20%"
        );
        assert_eq!(
            e.checks[1].sentence,
            "2024年研发费用较上年增长 20.00%,需不低于 20%"
        );
        let one = rd(&[(2023, 1_300_000), (2024, 1_200_000), (2025, 1_500_000)]);
        assert_eq!(
            evaluate(&p, &s, &one, 2025, &o).outcome,
            Outcome::Ineligible
        );
        // A previous value of zero has no growth rate: the test fails, and says why.
        let zero = rd(&[(2023, 0), (2024, 1_200_000), (2025, 1_500_000)]);
        let e = evaluate(&p, &s, &zero, 2025, &o);
        assert_eq!(e.outcome, Outcome::Ineligible);
        assert_eq!(
            e.checks[1].sentence,
            "2024年研发费用较上年增长 无法计算(上年数值为零或负数),需不低于 20%"
        );
    }

    #[test]
    fn near_miss_needs_a_single_failed_numeric_test_within_the_margin() {
        let p = policy(
            "[conditions]\nall = [{ attr = \"revenue\", min = \"100000000\" }, { attr = \"employees\", min = 100 }]\n[reward]\nfixed = 1\n",
        );
        let s = Schema::standard();
        let o = EvalOptions::default();
        let one = evaluate(&p, &s, &facts(Some(95_000_000), Some(200)), 2025, &o);
        assert_eq!(
            one.near_miss.as_ref().map(|n| n.gap.as_str()),
            Some("差 500.00 万元")
        );
        let two = evaluate(&p, &s, &facts(Some(95_000_000), Some(99)), 2025, &o);
        assert!(two.near_miss.is_none());
    }

    #[test]
    fn marginal_tiers_are_exact_and_rounded_once() {
        // 1 % of the first 10 yuan, 2.5 % above: 1,000.01 yuan → 0.10 + 24.75025 → 24.85.
        let p = policy(
            "[reward]\ntiers = \"marginal\"\nof = \"revenue\"\nbrackets = [{ from = 0, to = 10, rate = \"1%\" }, { from = 10, rate = \"2.5%\" }]\n",
        );
        let mut f = facts(None, None);
        f.set_for_year("revenue", 2025, Value::Money(Money::from_fen(100_001)));
        assert_eq!(
            decide(&p, &Schema::standard(), &f, 2025),
            Outcome::Eligible {
                amount: Money::from_fen(2_485)
            }
        );
    }

    #[test]
    fn size_class_names_every_missing_figure() {
        let p = policy(
            "[conditions]\nall = [{ attr = \"size_class\", in = [\"small\", \"micro\"] }]\n[reward]\nfixed = 1\n",
        );
        let Outcome::Undetermined { missing } =
            decide(&p, &Schema::standard(), &facts(None, None), 2025)
        else {
            panic!()
        };
        let keys: Vec<&str> = missing.iter().map(|m| m.key.as_str()).collect();
        assert_eq!(keys, ["revenue@2025", "employees@2025"]);
        assert_eq!(missing[0].label, "2025年营业收入");
        let small = facts(Some(5_000_000), Some(30));
        assert!(matches!(
            decide(&p, &Schema::standard(), &small, 2025),
            Outcome::Eligible { .. }
        ));
    }

    #[test]
    fn not_flips_status_and_wording() {
        let p = policy(
            "[conditions]\nall = [{ attr = \"credit_status\", not_in = [\"bad\"] }]\n[reward]\nfixed = 1\n",
        );
        let mut f = facts(None, None);
        f.set(
            "credit_status",
            Value::CreditStatus(qinqing_domain::enterprise::CreditStatus::Bad),
        );
        let e = evaluate(&p, &Schema::standard(), &f, 2025, &EvalOptions::default());
        assert_eq!(e.outcome, Outcome::Ineligible);
        assert_eq!(e.checks[0].status, Status::Failed);
        assert_eq!(e.checks[0].sentence, "信用状况 失信,不能为 失信");
    }

    #[test]
    fn policies_outside_their_period_or_entity_do_not_apply() {
        let p = policy("[reward]\nfixed = 1\n");
        let s = Schema::standard();
        assert_eq!(
            decide(&p, &s, &facts(None, None), 2023),
            Outcome::Ineligible
        );
        let person = Facts::new("p", "p", Entity::Person);
        assert_eq!(decide(&p, &s, &person, 2025), Outcome::Ineligible);
        assert_eq!(
            decide(&p, &s, &facts(None, None), 2025),
            Outcome::Eligible {
                amount: Money::from_yuan(1)
            }
        );
    }
}
