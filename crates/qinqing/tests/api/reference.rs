use crate::helpers::{TestApp, assert_error};
use reqwest::StatusCode;
use serde_json::Value;

async fn get(app: &TestApp, path: &str) -> (StatusCode, Value) {
    let res = app.anonymous().get(app.url(path)).send().await.unwrap();
    (res.status(), res.json().await.unwrap())
}

#[tokio::test]
async fn credit_codes_are_checked_with_a_reason() {
    let app = TestApp::spawn_empty().await;
    let (status, body) = get(&app, "/api/v1/reference/credit-code/91110000600037341L").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, serde_json::json!({ "valid": true, "reason": null }));
    let (_, body) = get(&app, "/api/v1/reference/credit-code/91110000600037341M").await;
    assert_eq!(body["valid"], false);
    assert!(body["reason"].as_str().unwrap().contains("校验"), "{body}");
    let (_, body) = get(&app, "/api/v1/reference/credit-code/123").await;
    assert_eq!(body["valid"], false);
}

#[tokio::test]
async fn size_class_is_derived_from_the_sector_row() {
    let app = TestApp::spawn_empty().await;
    let q = "/api/v1/reference/size-class?industry=C3311&employees=1200&revenue=30000000&total_assets=1";
    let (status, body) = get(&app, q).await;
    assert_eq!(status, StatusCode::OK);
    // 1200 staff would be large, but 3000 万元 revenue is below 40000: one class down.
    assert_eq!(body["size"], "medium");
    assert!(body["rule"].as_str().unwrap().starts_with("工业"), "{body}");
    let (_, body) = get(
        &app,
        "/api/v1/reference/size-class?industry=F5211&employees=5&revenue=500000",
    )
    .await;
    assert_eq!(body["size"], "micro");
    // Every real code gets a size class: a hospital (卫生, not listed by the 2017 document) is
    // classified by reference on the 其他未列明行业 row, and the rule says so.
    let (status, body) = get(
        &app,
        "/api/v1/reference/size-class?industry=Q8411&employees=150",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["size"], "medium");
    assert!(
        body["rule"]
            .as_str()
            .unwrap()
            .starts_with("本办法未列明的行业参照其他未列明行业"),
        "{body}"
    );
    let (status, body) = get(
        &app,
        "/api/v1/reference/size-class?industry=C1952&employees=350&revenue=30000000",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["size"], "medium");
}

#[tokio::test]
async fn size_class_refuses_bad_or_missing_figures_naming_the_field() {
    let app = TestApp::spawn_empty().await;
    let client = app.anonymous();
    let bad = |q: &str| {
        client
            .get(app.url(&format!("/api/v1/reference/size-class?{q}")))
            .send()
    };
    assert_error(
        bad("industry=Z99&employees=1&revenue=1").await.unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("industry"),
    )
    .await;
    assert_error(
        bad("industry=C3311&employees=-3&revenue=1").await.unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("employees"),
    )
    .await;
    assert_error(
        bad("industry=C3311&employees=3&revenue=1.234")
            .await
            .unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("revenue"),
    )
    .await;
    assert_error(
        bad("industry=C3311&employees=3").await.unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("revenue"),
    )
    .await;
}

#[tokio::test]
async fn working_days_skip_national_day_and_count_the_makeup_saturday() {
    let app = TestApp::spawn_empty().await;
    // 2026: 国庆 10-01..10-07 off, Saturday 10-10 is a working day.
    let (_, body) = get(
        &app,
        "/api/v1/calendar/working-days/add?from=2026-09-30&days=3",
    )
    .await;
    assert_eq!(body["date"], "2026-10-10");
    let (_, body) = get(
        &app,
        "/api/v1/calendar/working-days/between?from=2026-09-30&to=2026-10-10",
    )
    .await;
    assert_eq!(body["days"], 3);
    let (_, body) = get(
        &app,
        "/api/v1/calendar/working-days/add?from=2026-11-20&days=1",
    )
    .await;
    assert_eq!(body["date"], "2026-11-23", "Friday + 1 is Monday");
}

#[tokio::test]
async fn working_day_queries_refuse_bad_dates() {
    let app = TestApp::spawn_empty().await;
    let client = app.anonymous();
    let res = client
        .get(app.url("/api/v1/calendar/working-days/add?from=2026-02-30&days=3"))
        .send()
        .await
        .unwrap();
    assert_error(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("from"),
    )
    .await;
    let res = client
        .get(app.url("/api/v1/calendar/working-days/add?from=2026-02-01&days=x"))
        .send()
        .await
        .unwrap();
    assert_error(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("days"),
    )
    .await;
    let res = client
        .get(app.url("/api/v1/calendar/working-days/between?from=2026-02-01"))
        .send()
        .await
        .unwrap();
    assert_error(res, StatusCode::UNPROCESSABLE_ENTITY, "invalid", Some("to")).await;
}

#[tokio::test]
async fn industries_list_sections_and_children() {
    let app = TestApp::spawn_empty().await;
    let (_, sections) = get(&app, "/api/v1/reference/industries").await;
    assert_eq!(sections.as_array().unwrap().len(), 20);
    let (_, c33) = get(&app, "/api/v1/reference/industries?parent=C33").await;
    assert!(c33.as_array().unwrap().iter().any(|n| n["code"] == "C331"));
}

#[tokio::test]
async fn industries_are_found_by_name_or_the_start_of_their_code() {
    let app = TestApp::spawn_empty().await;
    let (status, shoes) = get(&app, "/api/v1/reference/industries?q=皮鞋").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        shoes
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["code"] == "C1952" && c["name"] == "皮鞋制造"),
        "{shoes}"
    );
    let (_, by_code) = get(&app, "/api/v1/reference/industries?q=f513").await;
    let codes: Vec<&str> = by_code
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["code"].as_str().unwrap())
        .collect();
    assert!(
        codes.contains(&"F5132") && codes.iter().all(|c| c.starts_with("F513")),
        "{codes:?}"
    );
    let (_, none) = get(&app, "/api/v1/reference/industries?q=不存在的行业").await;
    assert_eq!(none, serde_json::json!([]));
}

/// Part of the statistics bureau's list for Fujian (统计用区划代码和城乡划分代码): 12-digit codes,
/// 城乡分类代码 on villages, two counties of 泉州市 and a county of another city.
const FUJIAN: &str = "统计用区划代码,名称,城乡分类代码
350000000000,福建省,
350500000000,泉州市,
350521000000,惠安县,
350521100000,螺城镇,
350521100201,南关社区居民委员会,111
350521100202,北关社区居民委员会,112
350521101000,螺阳镇,
350521101203,某某村委会,220
350524000000,安溪县,
350524100000,凤城镇,
350524100201,某社区居民委员会,111
350200000000,厦门市,
350203000000,思明区,
350203001000,厦港街道,
";

/// The division organisations of the platform: (kind, division code, parent's division code).
async fn division_orgs(app: &TestApp) -> Vec<(String, String, Option<String>)> {
    let mut conn = app.app.db.conn().await.unwrap();
    let orgs = qinqing_kernel::store::orgs::list_non_enterprise(&mut conn)
        .await
        .unwrap();
    let code_of = |id: Option<i64>| {
        orgs.iter()
            .find(|o| Some(o.id) == id)
            .and_then(|o| o.division_code.as_ref())
            .map(|c| c.as_str().to_owned())
    };
    let mut rows: Vec<_> = orgs
        .iter()
        .filter_map(|o| {
            let code = o.division_code.as_ref()?.as_str().to_owned();
            Some((o.kind.as_str().to_owned(), code, code_of(o.parent_id)))
        })
        .collect();
    rows.sort_by(|a, b| a.1.cmp(&b.1));
    rows
}

async fn district(app: &TestApp, code: &str, name: &str) {
    qinqing_kernel::setup::create_district(&app.app, code, name, "admin", "Setup2026ok")
        .await
        .unwrap();
}

#[tokio::test]
async fn a_whole_province_list_imports_only_the_county_of_the_platform() {
    let app = TestApp::spawn_empty().await;
    district(&app, "350521", "惠安县").await;
    let audit_before = app.audit_count().await;
    let report = qinqing_kernel::setup::import_divisions(&app.app, FUJIAN)
        .await
        .unwrap();
    assert_eq!(report.created, 5, "{report:?}");
    assert_eq!(report.present, 0);
    let summary = report.summary_zh();
    assert!(
        summary.contains("新增区划组织 5 个")
            && summary.contains("另有 8 个区划")
            && summary.contains("惠安县(350521)")
            && summary.contains("省级1")
            && summary.contains("县级2"),
        "{summary}"
    );
    let orgs = division_orgs(&app).await;
    let own = |c: &str| Some(c.to_owned());
    assert_eq!(
        orgs,
        [
            ("district".into(), "350521".into(), None),
            ("town".into(), "350521100".into(), own("350521")),
            ("village".into(), "350521100201".into(), own("350521100")),
            ("village".into(), "350521100202".into(), own("350521100")),
            ("town".into(), "350521101".into(), own("350521")),
            ("village".into(), "350521101203".into(), own("350521101")),
        ]
    );
    // One audit entry per organisation, carrying the 城乡分类代码.
    assert_eq!(app.audit_count().await, audit_before + 5);
    let mut conn = app.app.db.conn().await.unwrap();
    let entries = qinqing_kernel::store::audit::recent(&mut conn, 20)
        .await
        .unwrap();
    assert!(
        entries
            .iter()
            .any(|e| e.record.action == "setup.division_created"
                && e.record.detail["code"] == "350521101203"
                && e.record.detail["urban_rural"] == "220"),
        "the village's 城乡分类代码 is recorded"
    );
    drop(conn);

    // Importing again creates nothing and says what was already there.
    let again = qinqing_kernel::setup::import_divisions(&app.app, FUJIAN)
        .await
        .unwrap();
    assert_eq!((again.created, again.present), (0, 5));
    assert_eq!(app.audit_count().await, audit_before + 5);
}

#[tokio::test]
async fn a_city_platform_imports_its_counties_towns_and_villages() {
    let app = TestApp::spawn_empty().await;
    district(&app, "350500", "泉州市").await;
    let report = qinqing_kernel::setup::import_divisions(&app.app, FUJIAN)
        .await
        .unwrap();
    assert_eq!(report.created, 9, "{report:?}");
    let orgs = division_orgs(&app).await;
    let kinds: Vec<(&str, &str, Option<&str>)> = orgs
        .iter()
        .map(|(k, c, p)| (k.as_str(), c.as_str(), p.as_deref()))
        .collect();
    assert!(
        kinds.contains(&("district", "350521", Some("350500"))),
        "{kinds:?}"
    );
    assert!(
        kinds.contains(&("district", "350524", Some("350500"))),
        "{kinds:?}"
    );
    assert!(
        kinds.contains(&("town", "350524100", Some("350524"))),
        "{kinds:?}"
    );
    assert!(kinds.contains(&("village", "350524100201", Some("350524100"))));
    assert!(
        !kinds.iter().any(|(_, c, _)| c.starts_with("3502")),
        "厦门 is not ours"
    );
}

#[tokio::test]
async fn bad_division_rows_are_named_by_line_and_nothing_is_imported() {
    let app = TestApp::spawn_empty().await;
    district(&app, "350521", "惠安县").await;
    let audit_before = app.audit_count().await;
    let bad = "统计用区划代码,名称,城乡分类代码
350521100000,螺城镇,
3505211002,坏代码,
350521100201,南关社区居民委员会,999
350521101000,螺阳镇,220
";
    let err = qinqing_kernel::setup::import_divisions(&app.app, bad)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("第 3 行") && err.contains("第 4 行") && err.contains("第 5 行"),
        "{err}"
    );
    assert!(!err.contains("第 2 行"), "{err}");
    assert_eq!(division_orgs(&app).await.len(), 1, "nothing imported");
    assert_eq!(app.audit_count().await, audit_before);

    // A list with nothing under the platform's district is refused, naming the district.
    let elsewhere = "350203000000,思明区\n350203001000,厦港街道\n";
    let err = qinqing_kernel::setup::import_divisions(&app.app, elsewhere)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("惠安县(350521)"), "{err}");
    assert_eq!(division_orgs(&app).await.len(), 1);
}
