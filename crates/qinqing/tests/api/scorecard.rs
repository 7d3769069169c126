//! 部门评分: every department's on-time rate over every scene's clocks, its 好评率 and its
//! commitments kept, combined with the administrator's weights and ranked; downloadable; read by
//! the supervising offices and department leads only.

use crate::helpers::{TestApp, assert_error, review_clock};
use chrono::{Datelike, Duration, Utc};
use qinqing_domain::deadline::local_date;
use qinqing_kernel::deadlines::{self, ClockAction};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn scorecard(app: &TestApp, username: &str, query: &str) -> Value {
    let res = app
        .login(username)
        .await
        .get(&format!("/api/v1/supervision/scorecard{query}"))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.unwrap()
}

fn row<'a>(card: &'a Value, department: &str) -> &'a Value {
    card["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["department"] == department)
        .unwrap_or_else(|| panic!("no {department}: {card}"))
}

/// (good, total) of one measure of a row.
fn counts(row: &Value, measure: &str) -> (i64, i64) {
    let m = row["measures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["measure"] == measure)
        .unwrap();
    (m["good"].as_i64().unwrap(), m["total"].as_i64().unwrap())
}

/// The score as the page's rule states it: the weighted mean of the rates a department has.
fn expected_score(row: &Value, weights: &Value) -> Option<f64> {
    let (mut sum, mut weight) = (0.0, 0.0);
    for m in row["measures"].as_array().unwrap() {
        let Some(rate) = m["rate"].as_f64() else {
            continue;
        };
        let w = weights[m["measure"].as_str().unwrap()].as_f64().unwrap();
        sum += rate * w;
        weight += w;
    }
    (weight > 0.0).then(|| (sum / weight * 10.0).round() / 10.0)
}

/// A clock of department `org` in 东园镇, due `due_in` from now; closed at once when `close`
/// says so.
async fn clock(app: &TestApp, org: i64, id: &str, due_in: Duration, close: bool) {
    let now = Utc::now();
    review_clock(app, org, "350521101", id, now + due_in).await;
    if close {
        let mut tx = app.app.db.begin().await.unwrap();
        let (kind, object) = ("policy.application_review", ("application", id));
        deadlines::control_open(&mut tx, &app.app, object, kind, ClockAction::Stop, now)
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }
}

#[tokio::test]
async fn departments_are_ranked_by_the_weighted_mean_of_their_rates_across_scenes() {
    let app = TestApp::spawn().await;
    let card = scorecard(&app, "efficiency", "").await;
    assert_eq!(
        card["period"],
        local_date(Utc::now()).year().to_string(),
        "the current year unless asked"
    );
    let rows = card["rows"].as_array().unwrap();
    assert!(rows.len() >= 3, "{card}");
    let mut previous = f64::MAX;
    for r in rows {
        assert_eq!(r["measures"].as_array().unwrap().len(), 3);
        let expected = expected_score(r, &card["weights"]);
        assert_eq!(r["score"].as_f64(), expected, "{r}");
        let score = r["score"].as_f64().unwrap_or(-1.0);
        assert!(score <= previous, "best first: {card}");
        previous = score;
    }
    assert_eq!(rows[0]["rank"], 1);
    // The demo's bad rating of the six-week-old application counts against its department.
    let rated: Vec<&Value> = rows
        .iter()
        .filter(|r| {
            let (good, total) = counts(r, "satisfaction");
            total > good
        })
        .collect();
    assert!(!rated.is_empty(), "{card}");
    // The demo's requests were followed up; their departments have ratings too.
    assert!(rows.iter().any(|r| counts(r, "satisfaction").1 > 0));
    assert!(rows.iter().any(|r| counts(r, "on_time").1 > 0));
}

#[tokio::test]
async fn a_clock_closed_on_time_counts_good_one_open_past_its_time_counts_late() {
    let app = TestApp::spawn().await;
    let lead = app.login("lead").await;
    let org = lead.me["org_id"].as_i64().unwrap();
    let department = "工业和信息化局";
    let before = counts(
        row(&scorecard(&app, "lead", "").await, department),
        "on_time",
    );

    clock(&app, org, "score-on-time", Duration::days(2), true).await;
    clock(&app, org, "score-late", -Duration::hours(2), false).await;
    clock(&app, org, "score-not-due", Duration::days(2), false).await;

    let after = counts(
        row(&scorecard(&app, "lead", "").await, department),
        "on_time",
    );
    assert_eq!((after.0 - before.0, after.1 - before.1), (1, 2));
}

#[tokio::test]
async fn the_administrator_sets_the_weights_and_every_score_follows() {
    let app = TestApp::spawn().await;
    let admin = app.login("admin").await;
    let only_on_time = json!({ "on_time": 100, "satisfaction": 0, "commitments": 0 });
    let res = admin
        .put("/api/v1/supervision/scorecard/weights", &only_on_time)
        .await;
    assert_eq!(res.status(), StatusCode::OK);

    let card = scorecard(&app, "efficiency", "").await;
    assert_eq!(card["weights"], only_on_time);
    for r in card["rows"].as_array().unwrap() {
        let on_time = r["measures"][0]["rate"].as_f64();
        assert_eq!(r["score"].as_f64(), on_time, "{r}");
    }
    let mut conn = app.app.db.conn().await.unwrap();
    let recorded: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_entry WHERE action = 'scorecard.weights_changed'",
    )
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    assert_eq!(recorded, 1);

    // Refused: nothing weighs, a weight over 100, someone else than the administrator.
    let none = json!({ "on_time": 0, "satisfaction": 0, "commitments": 0 });
    let res = admin
        .put("/api/v1/supervision/scorecard/weights", &none)
        .await;
    assert_error(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("on_time"),
    )
    .await;
    let big = json!({ "on_time": 50, "satisfaction": 101, "commitments": 0 });
    let res = admin
        .put("/api/v1/supervision/scorecard/weights", &big)
        .await;
    assert_error(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("satisfaction"),
    )
    .await;
    let efficiency = app.login("efficiency").await;
    let res = efficiency
        .put("/api/v1/supervision/scorecard/weights", &only_on_time)
        .await;
    assert_error(res, StatusCode::FORBIDDEN, "forbidden", None).await;
    assert_eq!(scorecard(&app, "lead", "").await["weights"], only_on_time);

    // On the page, a refused weight is shown again with the reason, as typed.
    let page = admin
        .post_form(
            "/supervision/scorecard/weights",
            &[
                ("on_time", "abc"),
                ("satisfaction", "30"),
                ("commitments", "20"),
            ],
        )
        .await;
    assert_eq!(page.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = page.text().await.unwrap();
    assert!(html.contains("权重应为 0 至 100 的整数"));
    assert!(html.contains(r#"name="on_time" min="0" max="100" value="abc""#));
}

#[tokio::test]
async fn a_month_or_a_year_is_scored_and_downloaded_and_a_wrong_period_is_named() {
    let app = TestApp::spawn().await;
    let today = local_date(Utc::now());
    let month = format!("{}-{:02}", today.year(), today.month());
    let card = scorecard(&app, "discipline", &format!("?period={month}")).await;
    assert_eq!(
        card["period_label"],
        format!("{} 年 {} 月", today.year(), today.month())
    );
    let efficiency = app.login("efficiency").await;
    for wrong in ["2026-13", "abc", "1999", "2026-1-1"] {
        let res = efficiency
            .get(&format!("/api/v1/supervision/scorecard?period={wrong}"))
            .await;
        assert_error(
            res,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            Some("period"),
        )
        .await;
    }

    let xlsx = efficiency
        .get("/api/v1/supervision/scorecard?format=xlsx")
        .await;
    assert_eq!(xlsx.status(), StatusCode::OK);
    assert!(
        xlsx.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains(".xlsx")
    );
    assert!(xlsx.bytes().await.unwrap().starts_with(b"PK"));
    let csv = efficiency
        .get("/api/v1/supervision/scorecard?format=csv")
        .await
        .text()
        .await
        .unwrap();
    let header = csv.trim_start_matches('\u{feff}').lines().next().unwrap();
    assert!(
        header.starts_with("排名,部门,综合得分,按时办结率"),
        "{header}"
    );
    assert!(csv.contains("工业和信息化局"));
}

#[tokio::test]
async fn only_supervisors_leads_and_the_administrator_read_the_scorecard() {
    let app = TestApp::spawn().await;
    for username in ["efficiency", "investment", "discipline", "lead", "admin"] {
        scorecard(&app, username, "").await;
    }
    for username in ["reviewer1", "handler", "enterprise", "steward", "finance"] {
        let session = app.login(username).await;
        let res = session.get("/api/v1/supervision/scorecard").await;
        assert_error(res, StatusCode::FORBIDDEN, "forbidden", None).await;
        let page = session.get("/supervision/scorecard").await;
        assert_eq!(page.status(), StatusCode::FORBIDDEN, "{username}");
    }
    let page = app.login("lead").await.get("/supervision/scorecard").await;
    let html = page.text().await.unwrap();
    assert!(html.contains("部门评分") && html.contains("工业和信息化局"));
}
