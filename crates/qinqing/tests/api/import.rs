use crate::helpers::{TestApp, assert_error, credit_code};
use reqwest::StatusCode;
use serde_json::Value;

const HEADER: &str =
    "credit_code,name,industry_code,region_code,ownership,year,employees,revenue,total_assets,tags";

fn csv(rows: &[String]) -> Vec<u8> {
    let mut text = format!("{HEADER}\n");
    for row in rows {
        text.push_str(row);
        text.push('\n');
    }
    text.into_bytes()
}

fn row(code: &str, name: &str, region: &str, year: i32, revenue: &str) -> String {
    format!(
        "{code},{name},C3311,{region},private,{year},120,{revenue},80000000,国家高新技术企业@2025-03-01"
    )
}

async fn total(app: &TestApp) -> i64 {
    let admin = app.login("admin").await;
    let page: Value = admin
        .get("/api/v1/enterprises?per_page=1")
        .await
        .json()
        .await
        .unwrap();
    page["total"].as_i64().unwrap()
}

#[tokio::test]
async fn a_good_file_imports_every_row_with_its_years() {
    let app = TestApp::spawn().await;
    let before = total(&app).await;
    let (a, b) = (
        credit_code("91350521MA2JMP001"),
        credit_code("91350521MA2JMP002"),
    );
    let file = csv(&[
        row(&a, "导入甲有限公司", "350521101201", 2024, "50000000"),
        row(&a, "导入甲有限公司", "350521101201", 2025, "62000000.55"),
        row(&b, "导入乙有限公司", "350521102", 2025, "3000000"),
    ]);
    let handler = app.login("handler").await;
    let res = handler
        .upload("/api/v1/enterprises/import", "enterprises.csv", file)
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let summary: Value = res.json().await.unwrap();
    assert_eq!(
        summary,
        serde_json::json!({ "rows": 3, "created": 2, "updated": 0 })
    );
    assert_eq!(total(&app).await, before + 2);
    let profile: Value = handler
        .get(&format!("/api/v1/enterprises/{a}"))
        .await
        .json()
        .await
        .unwrap();
    let years: Vec<i64> = profile["years"]
        .as_array()
        .unwrap()
        .iter()
        .map(|y| y["year"].as_i64().unwrap())
        .collect();
    assert_eq!(years, [2025, 2024]);
    assert_eq!(
        profile["years"][0]["size"], "small",
        "120 staff (under 300) and 6200 万元 in industry"
    );
    assert_eq!(profile["qualifications"][0]["name"], "国家高新技术企业");
}

/// The value of `field` in `year` of an enterprise's profile, as forms write it.
fn figure(profile: &Value, year: i64, field: &str) -> String {
    let year = profile["years"]
        .as_array()
        .unwrap()
        .iter()
        .find(|y| y["year"] == year)
        .unwrap();
    let figure = year["figures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["field"] == field)
        .unwrap();
    figure["value"].as_str().unwrap().to_string()
}

/// The names an enterprise's trail gives it, entry by entry, and its organisation's name.
async fn trail_and_organisation(app: &TestApp, code: &str) -> (Vec<String>, String) {
    let mut conn = app.app.db.conn().await.unwrap();
    let trail = qinqing_kernel::store::audit::for_object(&mut conn, "enterprise", code)
        .await
        .unwrap()
        .into_iter()
        .map(|e| {
            assert_eq!(e.record.action, "enterprise.imported");
            e.record.detail["identity"]["name"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    let code = qinqing_domain::CreditCode::parse(code).unwrap();
    let enterprise = qinqing_kernel::store::enterprises::get_by_credit_code(&mut conn, &code)
        .await
        .unwrap()
        .unwrap();
    let organisation = qinqing_kernel::store::orgs::get(&mut conn, enterprise.id)
        .await
        .unwrap()
        .unwrap();
    (trail, organisation.name)
}

#[tokio::test]
async fn every_row_is_on_the_trail_and_a_later_file_overwrites_the_register() {
    let app = TestApp::spawn().await;
    let a = credit_code("91350521MA2JMP011");
    let handler = app.login("handler").await;
    let first = csv(&[
        row(&a, "旧名有限公司", "350521101201", 2025, "1000000"),
        row(&a, "旧名有限公司", "350521101201", 2024, "900000"),
    ]);
    let res = handler
        .upload("/api/v1/enterprises/import", "enterprises.csv", first)
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let (trail, organisation) = trail_and_organisation(&app, &a).await;
    assert_eq!(trail, ["旧名有限公司", "旧名有限公司"], "one entry per row");
    assert_eq!(organisation, "旧名有限公司");

    // A later file renames it and gives 2025 again: the register, its organisation and its
    // trail follow; the year the file does not give is kept.
    let second = csv(&[row(&a, "新名有限公司", "350521101201", 2025, "2500000")]);
    let res = handler
        .upload("/api/v1/enterprises/import", "enterprises.csv", second)
        .await;
    let summary: Value = res.json().await.unwrap();
    assert_eq!(
        summary,
        serde_json::json!({ "rows": 1, "created": 0, "updated": 1 })
    );
    let path = format!("/api/v1/enterprises/{a}");
    let profile: Value = handler.get(&path).await.json().await.unwrap();
    assert_eq!(profile["identity"]["name"], "新名有限公司");
    assert_eq!(figure(&profile, 2025, "revenue"), "2500000.00");
    assert_eq!(figure(&profile, 2024, "revenue"), "900000.00");
    let (trail, organisation) = trail_and_organisation(&app, &a).await;
    assert_eq!(trail, ["旧名有限公司", "旧名有限公司", "新名有限公司"]);
    assert_eq!(organisation, "新名有限公司");
}

#[tokio::test]
async fn a_file_with_bad_rows_imports_nothing_and_names_every_bad_row() {
    let app = TestApp::spawn().await;
    let before = total(&app).await;
    let good = credit_code("91350521MA2JMP003");
    let file = csv(&[
        row(&good, "好企业有限公司", "350521101201", 2025, "1000"),
        row(
            "91350521MA2JMP00X",
            "坏代码有限公司",
            "350521101201",
            2025,
            "1000",
        ),
        row(
            &credit_code("91350521MA2JMP004"),
            "坏金额有限公司",
            "350521101201",
            2025,
            "\"12,3x\"",
        ),
    ]);
    let handler = app.login("handler").await;
    let audit_before = app.audit_count().await;
    let res = handler
        .upload("/api/v1/enterprises/import", "enterprises.csv", file)
        .await;
    let body = assert_error(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "import_rejected",
        None,
    )
    .await;
    assert_eq!(app.audit_count().await, audit_before, "nothing recorded");
    let bad: Vec<(i64, &str)> = body["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["row"].as_i64().unwrap(), r["column"].as_str().unwrap()))
        .collect();
    assert_eq!(bad, [(3, "credit_code"), (4, "revenue")]);
    assert_eq!(total(&app).await, before);
}

#[tokio::test]
async fn rows_outside_the_importers_scope_are_refused() {
    let app = TestApp::spawn().await;
    let town = app.login("town").await;
    let file = csv(&[
        row(
            &credit_code("91350521MA2JMP005"),
            "本镇企业有限公司",
            "350521101202",
            2025,
            "1000",
        ),
        row(
            &credit_code("91350521MA2JMP006"),
            "邻镇企业有限公司",
            "350521102201",
            2025,
            "1000",
        ),
        row(
            &credit_code("91350521MA2JMP007"),
            "外省企业有限公司",
            "110101001",
            2025,
            "1000",
        ),
    ]);
    let res = town
        .upload("/api/v1/enterprises/import", "enterprises.csv", file)
        .await;
    let body = assert_error(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "import_rejected",
        None,
    )
    .await;
    let bad: Vec<i64> = body["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["row"].as_i64().unwrap())
        .collect();
    assert_eq!(bad, [3, 4]);
}

#[tokio::test]
async fn only_import_roles_may_import() {
    let app = TestApp::spawn().await;
    let file = csv(&[row(
        &credit_code("91350521MA2JMP008"),
        "甲有限公司",
        "350521101202",
        2025,
        "1000",
    )]);
    for user in ["enterprise", "steward", "efficiency", "bank"] {
        let session = app.login(user).await;
        let res = session
            .upload(
                "/api/v1/enterprises/import",
                "enterprises.csv",
                file.clone(),
            )
            .await;
        assert_error(res, StatusCode::FORBIDDEN, "forbidden", None).await;
    }
    let admin = app.login("admin").await;
    let res = admin
        .upload("/api/v1/enterprises/import", "enterprises.txt", file)
        .await;
    assert_error(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("file"),
    )
    .await;
}

#[tokio::test]
async fn exports_re_import_to_the_same_profiles_in_both_formats() {
    let app = TestApp::spawn().await;
    let admin = app.login("admin").await;
    let (code, _) = app.enterprises().await.remove(0);
    let before: Value = admin
        .get(&format!("/api/v1/enterprises/{code}"))
        .await
        .json()
        .await
        .unwrap();
    for format in ["csv", "xlsx"] {
        let res = admin
            .get(&format!("/api/v1/enterprises/export?format={format}"))
            .await;
        assert_eq!(res.status(), StatusCode::OK);
        let bytes = res.bytes().await.unwrap().to_vec();
        let res = admin
            .upload(
                "/api/v1/enterprises/import",
                &format!("export.{format}"),
                bytes,
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK, "{format}");
        let summary: Value = res.json().await.unwrap();
        assert_eq!(summary["created"], 0);
        assert_eq!(summary["updated"], crate::helpers::TEST_ENTERPRISES as i64);
        let after: Value = admin
            .get(&format!("/api/v1/enterprises/{code}"))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(before["identity"], after["identity"], "{format}");
        assert_eq!(before["years"], after["years"], "{format}");
        assert_eq!(
            before["qualifications"], after["qualifications"],
            "{format}"
        );
    }
    let res = admin.get("/api/v1/enterprises/export?format=pdf").await;
    assert_error(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("format"),
    )
    .await;
}

#[tokio::test]
async fn an_enterprise_exports_only_itself() {
    let app = TestApp::spawn().await;
    let firm = app.login("enterprise").await;
    let own = firm.first_enterprise();
    let text = firm
        .get("/api/v1/enterprises/export?format=csv")
        .await
        .text()
        .await
        .unwrap();
    let codes: std::collections::HashSet<&str> = text
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').next())
        .collect();
    assert_eq!(codes.into_iter().collect::<Vec<_>>(), [own.as_str()]);
}

#[tokio::test]
async fn a_role_without_enterprise_scope_exports_nothing() {
    let app = TestApp::spawn().await;
    let bank = app.login("bank").await;
    let res = bank.get("/api/v1/enterprises/export?format=csv").await;
    assert_error(res, StatusCode::FORBIDDEN, "forbidden", None).await;
    let page = bank.get("/enterprises/export.xlsx").await;
    assert_eq!(page.status(), StatusCode::FORBIDDEN);
    assert!(
        page.text().await.unwrap().contains("无权访问"),
        "a page, not the API's JSON"
    );
    let workbench = bank.get("/workbench").await.text().await.unwrap();
    assert!(
        !workbench.contains("/enterprises/export.xlsx"),
        "no link to what would be refused"
    );
}
