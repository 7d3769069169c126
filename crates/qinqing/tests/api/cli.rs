//! The command line, run as a user would run it.

use crate::helpers::credit_code;
use std::process::Command;

fn qinqing(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_qinqing"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn temp(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("qq_cli_{}_{name}", uuid::Uuid::new_v4().simple()))
}

/// `qinqing setup` of the test district with its administrator.
fn setup(db: &str) -> std::process::Output {
    qinqing(&[
        "setup",
        "--db",
        db,
        "--district-code",
        "350521",
        "--district-name",
        "测试区",
        "--admin-password",
        "Setup2026ok",
    ])
}

#[test]
fn setup_then_import_divisions_and_enterprises_from_the_command_line() {
    let db = format!("sqlite://{}", temp("cli.db").display());
    let done = setup(&db);
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    let again = setup(&db);
    assert!(!again.status.success(), "a second setup is refused");

    let divisions = temp("divisions.csv");
    std::fs::write(
        &divisions,
        "code,name\n350521101,东园镇\n350521101201,东园村\n",
    )
    .unwrap();
    let out = qinqing(&[
        "import",
        "divisions",
        divisions.to_str().unwrap(),
        "--db",
        &db,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("2"));

    let bad = temp("bad.csv");
    let header = "credit_code,name,industry_code,region_code,ownership,year,revenue";
    std::fs::write(
        &bad,
        format!(
            "{header}\n{},甲公司,C3311,350521101201,private,2025,12x\n",
            credit_code("91350521MA2CLJ001")
        ),
    )
    .unwrap();
    let out = qinqing(&["import", "enterprises", bad.to_str().unwrap(), "--db", &db]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("第 2 行") && stderr.contains("revenue"),
        "{stderr}"
    );

    let good = temp("good.csv");
    std::fs::write(
        &good,
        format!(
            "{header}\n{},甲公司,C3311,350521101201,private,2025,1200000\n",
            credit_code("91350521MA2CLJ001")
        ),
    )
    .unwrap();
    let out = qinqing(&["import", "enterprises", good.to_str().unwrap(), "--db", &db]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("新增企业 1 家"));

    let export = temp("export.xlsx");
    let out = qinqing(&[
        "export",
        "enterprises",
        export.to_str().unwrap(),
        "--db",
        &db,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        std::fs::read(&export).unwrap().starts_with(b"PK"),
        "an XLSX (zip) file"
    );
}

#[test]
fn divisions_outside_the_district_or_malformed_are_refused() {
    let db = format!("sqlite://{}", temp("div.db").display());
    let done = setup(&db);
    assert!(done.status.success());
    let file = temp("divisions.csv");
    std::fs::write(&file, "350521101,东园镇\n3505211,坏代码\n").unwrap();
    let out = qinqing(&["import", "divisions", file.to_str().unwrap(), "--db", &db]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("第 2 行"));
    std::fs::write(&file, "110101001,别区的镇\n").unwrap();
    let out = qinqing(&["import", "divisions", file.to_str().unwrap(), "--db", &db]);
    assert!(!out.status.success());
}

/// Runs the binary and asserts it succeeded; returns what it printed.
fn succeeds(args: &[&str]) -> String {
    let out = qinqing(args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn a_district_sets_up_its_organisations_and_accounts_from_files() {
    let db = format!("sqlite://{}", temp("directory.db").display());
    assert!(setup(&db).status.success());
    let orgs = temp("orgs.csv");
    std::fs::write(
        &orgs,
        "组织名称,组织类型,上级组织,区划代码
         东园镇,镇(街道),测试区,350521101
         财政局,部门,测试区,
         效能办,效能办,测试区,
         农业银行,银行,,
         农业银行东园网点,银行网点,农业银行,
",
    )
    .unwrap();
    let printed = succeeds(&[
        "import",
        "organisations",
        orgs.to_str().unwrap(),
        "--db",
        &db,
    ]);
    assert!(printed.contains("导入组织 5 个"), "{printed}");

    // A wrong file names the row and column and adds nothing.
    let bad = temp("bad-accounts.csv");
    std::fs::write(
        &bad,
        "用户名,姓名,所在组织,角色,临时密码
         caizheng1,张财,财政局,复审人,Start2026ok
         nongyin1,李农,财政局,银行工作人员,Start2026ok
",
    )
    .unwrap();
    let out = qinqing(&["import", "accounts", bad.to_str().unwrap(), "--db", &db]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("第 3 行 [role]"), "{stderr}");

    let accounts = temp("accounts.csv");
    std::fs::write(
        &accounts,
        "用户名,姓名,所在组织,角色,临时密码
         caizheng1,张财,财政局,复审人,Start2026ok
         nongyin1,李农,农业银行东园网点,银行工作人员,Start2026ok
",
    )
    .unwrap();
    let printed = succeeds(&[
        "import",
        "accounts",
        accounts.to_str().unwrap(),
        "--db",
        &db,
    ]);
    assert!(printed.contains("导入账户 2 个"), "{printed}");

    // One by one: a department created and, while it is empty, deactivated; an account off.
    let args = [
        "organisation",
        "create",
        "--name",
        "科技局",
        "--kind",
        "部门",
    ];
    let printed = succeeds(&[&args[..], &["--parent", "测试区", "--db", &db]].concat());
    assert!(printed.contains("科技局"), "{printed}");
    succeeds(&["organisation", "deactivate", "科技局", "--db", &db]);
    let out = qinqing(&["organisation", "deactivate", "财政局", "--db", &db]);
    assert!(!out.status.success(), "财政局 still has an account");
    assert!(String::from_utf8_lossy(&out.stderr).contains("在用账户"));
    succeeds(&["account", "deactivate", "caizheng1", "--db", &db]);
    succeeds(&["organisation", "deactivate", "财政局", "--db", &db]);
}

#[test]
fn the_demo_generator_writes_an_importable_file() {
    let out_file = temp("demo.csv");
    let out = qinqing(&[
        "demo",
        "enterprises",
        "--count",
        "50",
        "--seed",
        "7",
        "--out",
        out_file.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bytes = std::fs::read(&out_file).unwrap();
    let records =
        qinqing_exchange::parse_enterprises(&bytes, qinqing_exchange::FileFormat::Csv).unwrap();
    assert_eq!(records.len(), 150);
}

#[test]
fn audit_verify_passes_an_intact_log_and_names_a_tampered_entry() {
    let path = temp("audit.db");
    let db = format!("sqlite://{}", path.display());
    let done = setup(&db);
    assert!(done.status.success());
    let out = qinqing(&["audit", "checkpoint", "--db", &db]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = qinqing(&["audit", "verify", "--db", &db]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("完好"));

    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let store = qinqing_kernel::store::Db::connect(&db).await.unwrap();
        let mut conn = store.conn().await.unwrap();
        sqlx::query("UPDATE audit_entry SET entry = REPLACE(entry, 'admin', 'root') WHERE seq = 1")
            .execute(&mut *conn)
            .await
            .unwrap();
    });
    let out = qinqing(&["audit", "verify", "--db", &db]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("第 1 条审计记录被改动"), "{stderr}");
}

#[test]
fn a_backup_of_a_live_sqlite_database_is_a_consistent_copy_and_never_overwrites() {
    let db = format!("sqlite://{}", temp("live.db").display());
    assert!(setup(&db).status.success());
    let copy = temp("backup.db");
    let out = qinqing(&["backup", copy.to_str().unwrap(), "--db", &db]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The copy is a database of its own: the district and its signed trail are in it.
    let copy_db = format!("sqlite://{}", copy.display());
    let out = qinqing(&["audit", "verify", "--db", &copy_db]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let again = qinqing(&["backup", copy.to_str().unwrap(), "--db", &db]);
    assert!(
        !again.status.success(),
        "an existing file is not overwritten"
    );
    assert!(String::from_utf8_lossy(&again.stderr).contains("已存在"));
}

fn examples() -> String {
    format!("{}/../../policies/examples", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn the_example_policies_validate_and_pass_their_cases() {
    let out = qinqing(&["policy", "check", &examples()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = qinqing(&["policy", "test", &examples()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains(" passed, 0 failed"));
}

#[test]
fn a_broken_policy_is_refused_with_its_file_and_line() {
    let dir = temp("policies");
    std::fs::create_dir_all(&dir).unwrap();
    let source =
        std::fs::read_to_string(format!("{}/p3-equipment-investment.toml", examples())).unwrap();
    std::fs::write(
        dir.join("attributes.toml"),
        std::fs::read(format!("{}/attributes.toml", examples())).unwrap(),
    )
    .unwrap();
    let broken = source.replacen("equipment_investment", "equipment_investmnet", 1);
    assert_ne!(broken, source, "the example names the attribute");
    std::fs::write(dir.join("p3.toml"), broken).unwrap();
    let out = qinqing(&["policy", "check", dir.to_str().unwrap()]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("p3.toml:") && stderr.contains("equipment_investmnet"),
        "{stderr}"
    );
}

#[test]
fn policy_eval_writes_a_row_per_enterprise_and_policy_and_explains_one() {
    let file = temp("eval.csv");
    let out = qinqing(&[
        "demo",
        "enterprises",
        "--count",
        "30",
        "--seed",
        "5",
        "--out",
        file.to_str().unwrap(),
    ]);
    assert!(out.status.success());
    let results = temp("results.csv");
    let out = qinqing(&[
        "policy",
        "eval",
        "--policies",
        &examples(),
        "--enterprises",
        file.to_str().unwrap(),
        "--year",
        "2025",
        "--out",
        results.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&results).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("credit_code,policy_id,outcome,amount,reason")
    );
    let rows: Vec<&str> = lines.collect();
    assert_eq!(
        rows.len(),
        30 * 13,
        "13 enterprise policies (p5 is for persons)"
    );
    assert!(rows.iter().all(|r| r.contains(",eligible,")
        || r.contains(",ineligible,")
        || r.contains(",undetermined,")));
    assert!(
        rows.iter().all(|r| r.ends_with(',')),
        "no reasons unless asked"
    );
    let code = rows[0].split(',').next().unwrap();
    let library = examples();
    let eval = |extra: &[&str]| {
        let mut args = vec![
            "policy",
            "eval",
            "--policies",
            &library,
            "--enterprises",
            file.to_str().unwrap(),
            "--year",
            "2025",
        ];
        args.extend_from_slice(extra);
        qinqing(&args)
    };
    let out = eval(&["--explain", code]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("2025 年度政策匹配结果"));

    let out = eval(&["--out", results.to_str().unwrap(), "--reasons", code]);
    assert!(out.status.success());
    let text = std::fs::read_to_string(&results).unwrap();
    let (asked, others): (Vec<&str>, Vec<&str>) =
        text.lines().skip(1).partition(|r| r.starts_with(code));
    assert_eq!(asked.len(), 13);
    assert!(
        asked.iter().all(|r| !r.ends_with(',')),
        "every policy of the enterprise asked has its reason: {asked:?}"
    );
    assert!(others.iter().all(|r| r.ends_with(',')));

    // A bad cell stops the run, named by file, row and column, and writes nothing.
    let mut bad = std::fs::read_to_string(&file).unwrap();
    let third = bad.lines().nth(2).unwrap().to_string();
    let broken = format!("9135052100000000XX{}", &third[third.find(',').unwrap()..]);
    bad = bad.replacen(&third, &broken, 1);
    let bad_file = temp("eval-bad.csv");
    std::fs::write(&bad_file, bad).unwrap();
    let bad_results = temp("eval-bad-results.csv");
    let out = qinqing(&[
        "policy",
        "eval",
        "--policies",
        &examples(),
        "--enterprises",
        bad_file.to_str().unwrap(),
        "--year",
        "2025",
        "--out",
        bad_results.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("eval-bad.csv") && stderr.contains("第 3 行 credit_code"),
        "{stderr}"
    );
    assert!(!bad_results.exists());
}

/// `policy eval` of a "no breached commitment" policy over `count` demo enterprises, with the
/// given extra arguments; the outcome per credit code, in file order.
fn eval_no_breach(count: &str, extra: &[&str]) -> (std::process::Output, Vec<(String, String)>) {
    let dir = temp("nobreach");
    std::fs::create_dir_all(&dir).unwrap();
    let policy = "id = \"no-breach\"\ntitle = \"守约企业奖励\"\ndepartment = \"工业和信息化局\"\n\
        level = \"district\"\nmode = \"apply\"\neffective = { from = 2024-01-01 }\n\n[conditions]\n\
        all = [ { attr = \"breached_commitments\", max = 0 } ]\n\n[reward]\nfixed = \"10000\"\n";
    std::fs::write(dir.join("no-breach.toml"), policy).unwrap();
    let file = temp("nobreach.csv");
    let made = qinqing(&[
        "demo",
        "enterprises",
        "--count",
        count,
        "--seed",
        "7",
        "--out",
        file.to_str().unwrap(),
    ]);
    assert!(made.status.success());
    let results = temp("nobreach-results.csv");
    let mut args = vec![
        "policy",
        "eval",
        "--policies",
        dir.to_str().unwrap(),
        "--enterprises",
        file.to_str().unwrap(),
        "--year",
        "2025",
        "--out",
        results.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let out = qinqing(&args);
    let rows = std::fs::read_to_string(&results)
        .unwrap_or_default()
        .lines()
        .skip(1)
        .map(|r| {
            let cells: Vec<&str> = r.split(',').collect();
            (cells[0].to_string(), cells[2].to_string())
        })
        .collect();
    (out, rows)
}

#[test]
fn policy_eval_takes_breached_commitments_from_a_file() {
    let (out, rows) = eval_no_breach("3", &[]);
    assert!(out.status.success());
    assert!(
        rows.iter().all(|(_, o)| o == "undetermined"),
        "unknown without the file: {rows:?}"
    );
    let breaches = temp("breaches.csv");
    std::fs::write(
        &breaches,
        format!("统一社会信用代码,违约承诺事项\n{},1\n", rows[0].0),
    )
    .unwrap();
    let (out, rows) = eval_no_breach("3", &["--breached-commitments", breaches.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let outcomes: Vec<&str> = rows.iter().map(|(_, o)| o.as_str()).collect();
    assert_eq!(
        outcomes,
        ["ineligible", "eligible", "eligible"],
        "not listed: none"
    );

    std::fs::write(
        &breaches,
        "credit_code,breached_commitments\n91110000600037341L,几项\n",
    )
    .unwrap();
    let (out, _) = eval_no_breach("3", &["--breached-commitments", breaches.to_str().unwrap()]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("breached_commitments") || stderr.contains("第 2 行"),
        "{stderr}"
    );
}

#[test]
fn a_district_is_set_up_from_files_alone() {
    let db = format!("sqlite://{}", temp("district.db").display());
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../scripts/district-from-files"
    );
    let out = Command::new(script)
        .arg(&db)
        .env("QINQING_BIN", env!("CARGO_BIN_EXE_qinqing"))
        .env("ENTERPRISES", "400")
        .output()
        .expect("the script runs");
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("不在本平台"),
        "out-of-district rows reported: {stdout}"
    );
    let count = |sql: &str| -> i64 {
        tokio::runtime::Runtime::new().unwrap().block_on(async {
            let store = qinqing_kernel::store::Db::connect(&db).await.unwrap();
            let mut conn = store.conn().await.unwrap();
            sqlx::Row::get(
                &sqlx::query(sqlx::AssertSqlSafe(sql))
                    .fetch_one(&mut *conn)
                    .await
                    .unwrap(),
                0,
            )
        })
    };
    assert_eq!(
        count("SELECT COUNT(*) FROM app_user WHERE role <> 'enterprise_user'"),
        10
    );
    assert_eq!(
        count("SELECT COUNT(*) FROM organisation WHERE kind = 'village'"),
        12
    );
    assert_eq!(
        count("SELECT COUNT(*) FROM organisation WHERE kind = 'bank_branch'"),
        1
    );
    assert_eq!(count("SELECT COUNT(*) FROM enterprise"), 400);
    assert_eq!(
        count("SELECT COUNT(DISTINCT SUBSTR(industry_code, 1, 1)) FROM enterprise"),
        20,
        "real class codes from every section of GB/T 4754"
    );
}
