//! The example library in `policies/examples/` loads, validates and passes its own cases.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test or benchmark stops at its first surprise"
)]
use qinqing_rules::files::load_dir;
use std::path::PathBuf;

fn examples_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../policies/examples")
}

#[test]
fn the_example_library_passes_its_own_cases() {
    let set = load_dir(&examples_dir()).unwrap_or_else(|d| {
        panic!(
            "{}",
            d.iter()
                .map(|x| x.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        )
    });
    assert_eq!(set.policies.len(), 14);
    let report = qinqing_rules::run_cases(&set);
    assert!(report.is_success(), "{report}");
    assert!(report.passed >= 35, "{report}");
}

#[test]
fn check_and_test_report_on_the_library() {
    let summary = qinqing_rules::api::check(&examples_dir()).expect("valid");
    assert_eq!(summary.policies, 14);
    assert_eq!(summary.custom_attributes, 4);
    assert!(summary.to_string().contains("校验通过"));
    let report = qinqing_rules::api::test(&examples_dir());
    assert!(report.is_success(), "{report}");
    assert!(
        report
            .to_string()
            .ends_with(&format!("{} passed, 0 failed", report.passed))
    );
}

#[test]
fn a_broken_file_is_reported_with_its_line() {
    let dir = std::env::temp_dir().join(format!("qinqing-rules-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("bad.toml");
    std::fs::write(
        &file,
        "id = \"bad\"\ntitle = \"t\"\ndepartment = \"d\"\nlevel = \"district\"\nmode = \"apply\"\neffective = { from = 2024-01-01 }\n[conditions]\nall = [{ attr = \"turnover\", min = 1 }]\n[reward]\nfixed = 1\n",
    )
    .unwrap();
    let diags = qinqing_rules::api::check(&file).unwrap_err();
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert_eq!(diags[0].line, 8);
    assert!(
        diags[0]
            .to_string()
            .contains("bad.toml:8: 未知属性“turnover”"),
        "{}",
        diags[0]
    );
}

#[test]
fn check_refuses_a_parameter_without_its_legal_source() {
    let dir = std::env::temp_dir().join(format!("qinqing-rules-src-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("p.toml");
    let body = |source: &str| {
        format!(
            "id = \"p\"\ntitle = \"t\"\ndepartment = \"d\"\nlevel = \"district\"\nmode = \"apply\"\ndocument_no = \"泉台管〔2024〕15号\"\neffective = {{ from = 2024-01-01 }}\n[params.cap]\ntype = \"money\"\n{source}values = [{{ from = 2024-01-01, value = \"5000000\" }}]\n[reward]\nfixed = \"$cap\"\n"
        )
    };
    std::fs::write(&file, body("")).unwrap();
    let refused = qinqing_rules::api::check(&file).unwrap_err();
    std::fs::write(&file, body("source = \"第四条\"\n")).unwrap();
    let accepted = qinqing_rules::api::check(&file);
    // Loading alone (what stored definitions go through) still accepts it.
    std::fs::write(&file, body("")).unwrap();
    let loaded = qinqing_rules::files::load_dir(&file);
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert!(
        refused[0]
            .to_string()
            .contains("p.toml:8: 参数“cap”缺少法律依据"),
        "{}",
        refused[0]
    );
    assert!(accepted.is_ok(), "{accepted:?}");
    assert!(loaded.is_ok());
}
