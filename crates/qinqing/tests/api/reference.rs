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
