use super::parse_policy;
use crate::model::{Condition, GrantScope, RewardKind, Test};
use crate::schema::Schema;

const HEAD: &str = "id = \"t\"\ntitle = \"t\"\ndepartment = \"d\"\nlevel = \"district\"\nmode = \"apply\"\neffective = { from = 2024-01-01 }\n";

fn errors(body: &str) -> Vec<String> {
    match parse_policy("t.toml", &format!("{HEAD}{body}"), &Schema::standard()) {
        Ok(_) => Vec::new(),
        Err(d) => d
            .iter()
            .map(|d| format!("{}:{}", d.line, d.message_en))
            .collect(),
    }
}

#[test]
fn reads_a_minimal_policy() {
    let p = parse_policy(
        "t.toml",
        &format!("{HEAD}[conditions]\nall = [{{ attr = \"revenue\", min = \"100000000\" }}, {{ attr = \"industry\", under = [\"C\"] }}]\n[reward]\nfixed = \"300000\"\n"),
        &Schema::standard(),
    )
    .unwrap();
    assert_eq!(p.id, "t");
    let Condition::All(items) = &p.condition else {
        panic!()
    };
    assert_eq!(items.len(), 2);
    assert!(
        matches!(&items[1], Condition::Leaf(l) if matches!(l.test, Test::Under { .. }) && l.line == 8)
    );
    assert!(matches!(p.reward.kind, RewardKind::Fixed(_)));
}

#[test]
fn cost_sharing_needs_two_levels_whole_parts_and_known_levels() {
    let body = |shares: &str| format!("[reward]\nfixed = 1\n[cross]\nshares = {shares}\n");
    assert!(errors(&body("{ municipal = 1, district = 1 }")).is_empty());
    assert_eq!(
        errors(&body("{ district = 1 }")),
        vec!["10:`shares` needs at least two fiscal levels"]
    );
    assert_eq!(
        errors(&body("{ municipal = 0, district = 1 }")),
        vec!["10:the parts of `municipal` must be 1..=100"]
    );
    assert_eq!(
        errors(&body("{ municipal = \"1\", district = 1 }")),
        vec!["10:`municipal` must be an integer"]
    );
    assert_eq!(
        errors(&body("{ city = 1, district = 1 }")),
        vec![
            "10:unknown key `city` in 分级承担 shares (allowed: national, provincial, municipal, district, source)",
            "10:`shares` needs at least two fiscal levels",
        ]
    );
}

#[test]
fn unknown_attributes_and_keys_are_reported_with_lines() {
    let e = errors(
        "[conditions]\nall = [\n  { attr = \"revenu\", min = 1 },\n  { attr = \"revenue\", mni = 1 },\n]\n[reward]\nfixed = 1\n",
    );
    assert!(
        e.iter()
            .any(|m| m.starts_with("9:") && m.contains("unknown attribute `revenu`")),
        "{e:?}"
    );
    assert!(
        e.iter()
            .any(|m| m.starts_with("10:") && m.contains("unknown key `mni`")),
        "{e:?}"
    );
}

#[test]
fn type_mismatches_are_reported() {
    let e = errors(
        "[conditions]\nall = [{ attr = \"industry\", min = 1 }, { attr = \"revenue\", under = [\"C\"] }, { attr = \"revenue\", min = \"abc\" }]\n[reward]\nfixed = 1\n",
    );
    assert_eq!(e.len(), 3, "{e:?}");
    assert!(e.iter().all(|m| m.starts_with("8:")), "{e:?}");
}

#[test]
fn year_on_year_tests_are_checked_with_lines() {
    let e = errors(
        "[conditions]\nall = [\n  { change = \"industry\", min = 1 },\n  { growth = \"revenue\", min = \"20%\", consecutive_years = 11 },\n  { attr = \"industry\", under = [\"C\"], consecutive_years = 2 },\n]\n[reward]\npercent = \"5%\"\nof = \"revenue\"\nbasis = \"delta\"\n",
    );
    for (line, text) in [
        (9, "`change` applies to per-year numeric attributes"),
        (10, "`consecutive_years` must be 1..=10"),
        (
            11,
            "`consecutive_years` applies to comparisons of per-year figures only",
        ),
        (16, "invalid `basis` `delta`"),
    ] {
        assert!(
            e.iter()
                .any(|m| m.starts_with(&format!("{line}:")) && m.contains(text)),
            "{line} {text}: {e:?}"
        );
    }
}

#[test]
fn recognition_windows_are_checked() {
    let e = errors(
        "[conditions]\nall = [\n  { tag = \"高新\", recognised_from = 2025-01-01, recognised_to = 2023-12-31 },\n  { tag = \"高新\", recognised_from = 2023-01-01, within_years = 2 },\n]\n[reward]\nfixed = 1\n",
    );
    assert!(
        e.iter()
            .any(|m| m.starts_with("9:") && m.contains("`recognised_to` is before")),
        "{e:?}"
    );
    assert!(
        e.iter()
            .any(|m| m.starts_with("10:") && m.contains("use one of")),
        "{e:?}"
    );
}

#[test]
fn consecutive_years_repeat_the_test_for_each_year() {
    let p = parse_policy(
        "t.toml",
        &format!("{HEAD}[conditions]\nall = [{{ growth = \"revenue\", above = 0, consecutive_years = 3 }}]\n[reward]\nfixed = 1\n"),
        &Schema::standard(),
    )
    .unwrap();
    let leaves = p.condition.leaves();
    assert_eq!(leaves.len(), 3);
    let years: Vec<_> = leaves
        .iter()
        .map(|l| match &l.test {
            Test::Compare { operand, .. } => operand.refs()[0].period.year(2025),
            _ => None,
        })
        .collect();
    assert_eq!(years, [Some(2025), Some(2024), Some(2023)]);
}

#[test]
fn dates_out_of_order_are_reported() {
    let src = "id = \"t\"\ntitle = \"t\"\ndepartment = \"d\"\nlevel = \"district\"\nmode = \"apply\"\neffective = { from = 2025-01-01, to = 2024-12-31 }\n[reward]\nfixed = 1\n";
    let e = parse_policy("t.toml", src, &Schema::standard()).unwrap_err();
    assert!(
        e.iter()
            .any(|d| d.line == 6 && d.message_en.contains("ends")),
        "{e:?}"
    );
}

#[test]
fn bad_toml_is_a_diagnostic_not_a_panic() {
    for src in [
        "",
        "=",
        "[[[",
        "id = 1",
        "reward = 5",
        "[reward]\nsum = []\n",
        "[conditions]\nnot = 1\n",
    ] {
        let r = parse_policy("t.toml", src, &Schema::standard());
        assert!(r.is_err(), "{src:?}");
    }
}

mod no_panics {
    use super::*;
    use proptest::prelude::*;

    const EXAMPLE: &str =
        include_str!("../../../../policies/examples/p2-revenue-breakthrough.toml");

    proptest! {
        #[test]
        fn truncated_or_corrupted_files_give_diagnostics(cut in 0usize..4000, at in 0usize..4000, junk in "\\PC{0,8}") {
            let mut src: String = EXAMPLE.chars().take(cut).collect();
            let pos = src.char_indices().map(|(i, _)| i).nth(at % (src.chars().count() + 1)).unwrap_or(src.len());
            src.insert_str(pos, &junk);
            let _ = parse_policy("p2.toml", &src, &Schema::standard());
        }

        #[test]
        fn arbitrary_text_never_panics(src in "\\PC{0,200}") {
            let _ = parse_policy("x.toml", &src, &Schema::standard());
        }
    }
}

#[test]
fn first_grant_names_the_policy_or_its_group() {
    let p = parse_policy(
        "t.toml",
        &format!("{HEAD}[conditions]\nall = [{{ first_grant = \"group\" }}, {{ first_grant = \"policy\" }}]\n[reward]\nfixed = 1\n[cross]\nexclusive_group = \"g\"\n"),
        &Schema::standard(),
    )
    .unwrap_or_else(|e| panic!("{e:?}"));
    let tests: Vec<_> = p
        .condition
        .leaves()
        .iter()
        .map(|l| l.test.clone())
        .collect();
    assert_eq!(
        tests,
        [
            Test::FirstGrant {
                scope: GrantScope::Group("g".into())
            },
            Test::FirstGrant {
                scope: GrantScope::Policy("t".into())
            }
        ]
    );
    let e = errors("[conditions]\nall = [{ first_grant = \"group\" }]\n[reward]\nfixed = 1\n");
    assert_eq!(
        e,
        ["8:`first_grant = \"group\"` needs an `exclusive_group` in [cross]"]
    );
    let e = errors(
        "[conditions]\nall = [{ first_grant = \"ever\", consecutive_years = 2 }]\n[reward]\nfixed = 1\n",
    );
    assert!(
        e.iter().any(|m| m.contains("invalid `first_grant` `ever`")),
        "{e:?}"
    );
}

#[test]
fn per_claim_names_its_key_and_excludes_groups_and_auto_grant() {
    let p = parse_policy(
        "t.toml",
        &format!("per_claim = \"技改项目名称\"\n{HEAD}[reward]\nfixed = 1\n"),
        &Schema::standard(),
    )
    .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(p.per_claim.as_deref(), Some("技改项目名称"));
    let e = errors("per_claim = \"项目\"\n[reward]\nfixed = 1\n[cross]\nexclusive_group = \"g\"\n");
    assert!(
        e.iter()
            .any(|m| m.contains("cannot have an `exclusive_group`")),
        "{e:?}"
    );
    let auto = HEAD.replace("mode = \"apply\"", "mode = \"auto_grant\"");
    let d = parse_policy(
        "t.toml",
        &format!("{auto}per_claim = \"项目\"\n[reward]\nfixed = 1\n"),
        &Schema::standard(),
    )
    .unwrap_err();
    assert!(d[0].message_zh.contains("免申即享"), "{d:?}");
    let e = errors("per_claim = \" \"\n[reward]\nfixed = 1\n");
    assert!(
        e.iter().any(|m| m.contains("names the key of a claim")),
        "{e:?}"
    );
}
