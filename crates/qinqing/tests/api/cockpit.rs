//! 监督驾驶舱: every clock of every scene by department and town, and the clocks behind a cell.

use crate::helpers::{REVIEW_CLOCK_LABEL, TestApp, assert_error, review_clock};
use chrono::{DateTime, Duration, Utc};
use reqwest::StatusCode;
use serde_json::Value;

/// Starts a policy-review clock of the department `org` in 东园镇, due at `due`; stopped at
/// `stopped` when given.
async fn clock(
    app: &TestApp,
    org: i64,
    n: usize,
    due: DateTime<Utc>,
    stopped: Option<DateTime<Utc>>,
) {
    let id = review_clock(app, org, "350521101", &format!("cockpit-{n}"), due).await;
    if let Some(at) = stopped {
        let mut conn = app.app.db.conn().await.unwrap();
        sqlx::query("UPDATE deadline SET state = 'stopped', stopped_at = $1 WHERE id = $2")
            .bind(qinqing_kernel::store::time::to_text(at))
            .bind(id)
            .execute(&mut *conn)
            .await
            .unwrap();
    }
}

async fn cockpit(session: &crate::helpers::Session, query: &str) -> Value {
    let res = session
        .get(&format!("/api/v1/supervision/cockpit?{query}"))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.unwrap()
}

/// The policies cell of a row.
fn policies_cell<'a>(c: &'a Value, key: &str) -> &'a Value {
    let owner = c["owners"]
        .as_array()
        .unwrap()
        .iter()
        .position(|o| o["name"] == "policies")
        .expect("the policies scene has a column");
    let row = c["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["key"] == key)
        .unwrap_or_else(|| panic!("row {key} in {c}"));
    &row["cells"][owner]
}

#[tokio::test]
async fn the_cockpit_counts_every_clock_by_department_and_town_and_lists_what_is_behind_a_cell() {
    let app = TestApp::spawn().await;
    let lead = app.login("lead").await;
    let org = lead.me["org_id"].as_i64().unwrap();
    let key = org.to_string();
    let supervisor = app.login("efficiency").await;
    let before = cockpit(&supervisor, "by=department").await;
    let now = Utc::now();
    clock(&app, org, 1, now - Duration::days(9), None).await;
    clock(&app, org, 2, now - Duration::days(2), None).await;
    clock(&app, org, 3, now + Duration::hours(5), None).await;
    clock(&app, org, 4, now + Duration::days(20), None).await;
    clock(
        &app,
        org,
        5,
        now - Duration::days(30),
        Some(now - Duration::days(29)),
    )
    .await;
    clock(
        &app,
        org,
        6,
        now - Duration::days(30),
        Some(now - Duration::days(31)),
    )
    .await;

    let after = cockpit(&supervisor, "by=department").await;
    let (b, a) = (policies_cell(&before, &key), policies_cell(&after, &key));
    let delta = |field: &str| a[field].as_i64().unwrap() - b[field].as_i64().unwrap_or(0);
    assert_eq!(delta("open"), 4, "{a}");
    assert_eq!(delta("overdue"), 2, "{a}");
    assert_eq!(delta("due_soon"), 1, "{a}");
    assert_eq!(delta("closed"), 2, "{a}");
    assert_eq!(delta("closed_on_time"), 1, "{a}");
    assert!(a["longest_delay_days"].as_i64().unwrap() >= 8, "{a}");
    // The first row is the department with the most overdue clocks.
    let rows = after["rows"].as_array().unwrap();
    let overdue = |r: &Value| r["total"]["overdue"].as_i64().unwrap();
    assert!(rows.windows(2).all(|w| overdue(&w[0]) >= overdue(&w[1])));
    // By town: the clocks are 东园镇's.
    let towns = cockpit(&supervisor, "by=town").await;
    let town = policies_cell(&towns, "350521101");
    assert!(town["overdue"].as_i64().unwrap() >= 2, "{town}");

    // Behind the cell: the overdue ones, the longest overdue first, each with its trail.
    let res = supervisor
        .get(&format!(
            "/api/v1/supervision/clocks?by=department&key={key}&owner=policies&status=overdue"
        ))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let listed: Value = res.json().await.unwrap();
    let mine: Vec<&Value> = listed
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["label"] == REVIEW_CLOCK_LABEL)
        .collect();
    assert_eq!(mine.len(), 2, "{listed}");
    assert_eq!(mine[0]["trail"], "/trace/application/cockpit-1");
    assert!(mine[0]["days_late"].as_i64() > mine[1]["days_late"].as_i64());
    assert_eq!(mine[0]["owner"], "惠企政策");
    let res = supervisor
        .get("/api/v1/supervision/clocks?owner=nothing-like-it")
        .await;
    assert_error(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("owner"),
    )
    .await;

    // The page shows the same, in Chinese, with links to the cells.
    let page = supervisor.get("/supervision").await.text().await.unwrap();
    assert!(
        page.contains("监督驾驶舱") && page.contains("惠企政策"),
        "{page}"
    );
    assert!(
        page.contains(&format!("key={key}&#38;owner=policies")),
        "cell links"
    );
    // Above the table, overdue clocks by department and closures by month, drawn as images.
    for title in ["各部门已逾期件数", "近 12 个月每月办结件数"] {
        assert!(page.contains(&format!(">{title}</title>")), "{title}");
    }
    assert!(page.matches(r#"role="img""#).count() >= 2);
}

#[tokio::test]
async fn a_department_lead_sees_only_the_own_department_and_others_see_no_cockpit() {
    let app = TestApp::spawn().await;
    let lead = app.login("lead").await;
    let org = lead.me["org_id"].as_i64().unwrap();
    let mine = cockpit(&lead, "").await;
    let keys: Vec<&str> = mine["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["key"].as_str().unwrap())
        .collect();
    assert!(keys.iter().all(|k| *k == org.to_string()), "{keys:?}");
    let res = lead
        .get("/api/v1/supervision/clocks?by=department&key=none&status=open")
        .await;
    assert_error(res, StatusCode::FORBIDDEN, "forbidden", None).await;
    for who in ["enterprise", "bank", "handler", "steward"] {
        let session = app.login(who).await;
        let res = session.get("/api/v1/supervision/cockpit").await;
        assert_error(res, StatusCode::FORBIDDEN, "forbidden", None).await;
        let page = session.get("/supervision").await;
        assert_eq!(page.status(), StatusCode::FORBIDDEN, "{who}");
    }
    let res = app
        .anonymous()
        .get(app.url("/api/v1/supervision/cockpit"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}

/// Clocks closed in one month of the cockpit's trend.
fn closed_in(cockpit: &Value, month: &str) -> i64 {
    cockpit["months"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["month"] == month)
        .map_or(0, |m| m["closed"].as_i64().unwrap())
}

#[tokio::test]
async fn the_trend_counts_beijing_months_and_a_lead_sees_only_their_department() {
    use chrono::{Datelike, TimeZone};
    use qinqing_domain::deadline::{beijing, local_date};
    let app = TestApp::spawn().await;
    let lead = app.login("lead").await;
    let efficiency = app.login("efficiency").await;
    let org = lead.me["org_id"].as_i64().unwrap();
    let everyone = cockpit(&efficiency, "by=department").await;
    let other: i64 = everyone["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["key"].as_str()?.parse().ok())
        .find(|id| *id != org)
        .unwrap();
    // 03:00 in Beijing on the first of this month is still last month in UTC.
    let first = local_date(Utc::now()).with_day(1).unwrap();
    let month = first.format("%Y-%m").to_string();
    let at = beijing()
        .from_local_datetime(&first.and_hms_opt(3, 0, 0).unwrap())
        .single()
        .unwrap()
        .with_timezone(&Utc);
    let (lead_before, all_before) = (
        closed_in(&cockpit(&lead, "").await, &month),
        closed_in(&everyone, &month),
    );

    clock(&app, org, 91, at + Duration::days(1), Some(at)).await;
    clock(&app, other, 92, at + Duration::days(1), Some(at)).await;

    assert_eq!(
        closed_in(&cockpit(&lead, "").await, &month),
        lead_before + 1
    );
    let all = cockpit(&efficiency, "by=department").await;
    assert_eq!(closed_in(&all, &month), all_before + 2);
}
