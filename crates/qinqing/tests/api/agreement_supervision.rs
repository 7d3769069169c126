//! Supervision of 政企合同双兑现: the dashboard's figures on a known dataset, the departments'
//! performance feed, 监督的再监督, the commitment desk, and refusals by role and scope.
//!
//! The known dataset is one agreement in 张坂镇, where the demo has no project, so a 张坂镇
//! supervisor's figures are exactly these seven items; district-wide figures include the demo's.

use crate::helpers::{Session, TestApp, assert_error};
use chrono::{TimeZone, Utc};
use qinqing_domain::deadline::beijing;
use qinqing_kernel::clock::ManualClock;
use qinqing_kernel::deadlines::run_due;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::sync::Arc;

const TOWN: &str = "350521102";

async fn ok(res: reqwest::Response) -> Value {
    let status = res.status();
    let body = res.text().await.unwrap();
    assert!(status.is_success(), "{status}: {body}");
    serde_json::from_str(&body).unwrap_or(Value::Null)
}

async fn org_id(session: &Session, name: &str) -> i64 {
    let orgs = ok(session.get("/api/v1/organisations").await).await;
    orgs.as_array()
        .unwrap()
        .iter()
        .find(|o| o["name"] == name)
        .and_then(|o| o["id"].as_i64())
        .unwrap_or_else(|| panic!("no organisation {name}"))
}

fn item(key: &str, side: &str, content: &str, due: &str, dept: i64) -> Value {
    let org = if side == "government" {
        json!(dept)
    } else {
        Value::Null
    };
    json!({ "key": key, "side": side, "content": content, "due_on": due,
            "responsible_org_id": org, "responsible_unit": "工业和信息化局" })
}

struct Known {
    app: TestApp,
    id: i64,
}

/// At 09:00 on Monday 16 November 2026, an agreement of the demo enterprise in 张坂镇 with items
/// in every closing state: government items of 工业和信息化局 fulfilled on time, 10 days late,
/// 10 days overdue and waived; enterprise items started 30 days ahead of contract, breached and
/// due soon. The scheduler has fired the overdue item's warnings.
async fn known() -> Known {
    let clock = Arc::new(ManualClock::new(
        beijing()
            .with_ymd_and_hms(2026, 11, 16, 9, 0, 0)
            .unwrap()
            .with_timezone(&Utc),
    ));
    let app = TestApp::spawn_at(clock).await;
    let investment = app.login("investment").await;
    let handler = app.login("handler").await;
    let firm = app.login("enterprise").await;
    let admin = app.login("admin").await;
    let dept = org_id(&investment, "工业和信息化局").await;
    let code = firm.first_enterprise();
    let input = json!({
        "project_name": "张坂精密模具项目", "credit_code": code, "region_code": TOWN,
        "signed_on": "2026-06-01", "total_investment": "30000000",
        "items": [
            item("g_on", "government", "交付净地", "2026-10-01", dept),
            item("g_late", "government", "施工许可", "2026-10-01", dept),
            item("g_open", "government", "电力增容", "2026-11-06", dept),
            item("g_waive", "government", "过渡厂房", "2026-10-20", dept),
            item("construction_start", "enterprise", "开工建设", "2026-09-01", dept),
            item("e_breach", "enterprise", "投资达 3000 万元", "2026-10-15", dept),
            item("e_soon", "enterprise", "竣工验收", "2026-12-01", dept),
        ]
    });
    let a = ok(investment.post("/api/v1/agreements", &input).await).await;
    let id = a["id"].as_i64().unwrap();
    let act = |key: &str| format!("/api/v1/agreements/{id}/items/{key}/actions");
    let report = |on: &str| json!({ "action": "report", "on": on, "evidence": "佐证" });
    let confirm = json!({ "action": "confirm" });
    ok(handler.post(&act("g_on"), &report("2026-09-30")).await).await;
    ok(firm.post(&act("g_on"), &confirm).await).await;
    ok(handler.post(&act("g_late"), &report("2026-10-11")).await).await;
    ok(firm.post(&act("g_late"), &confirm).await).await;
    ok(firm
        .post(&act("construction_start"), &report("2026-08-02"))
        .await)
    .await;
    ok(investment.post(&act("construction_start"), &confirm).await).await;
    let breach = json!({ "action": "breach", "reason": "投资未到位" });
    ok(investment.post(&act("e_breach"), &breach).await).await;
    let waive = json!({ "action": "waive", "reason": "改为租赁" });
    ok(admin.post(&act("g_waive"), &waive).await).await;
    run_due(&app.app).await.unwrap();
    Known { app, id }
}

/// A supervisor of 效能办 placed in 张坂镇 (its 经济发展办), created by the administrator.
async fn town_supervisor(app: &TestApp) -> Session {
    let admin = app.login("admin").await;
    let org = org_id(&admin, "张坂镇经济发展办").await;
    let user = json!({ "username": "zbxiaoneng", "display_name": "张坂效能", "org_id": org,
        "role": "supervisor_efficiency", "password": "Start2026ok" });
    let res = admin.post("/api/v1/admin/users", &user).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let first = app.login_with("zbxiaoneng", "Start2026ok").await;
    let change = json!({ "current_password": "Start2026ok", "new_password": "Zhangban2026ok" });
    let res = first.post("/api/v1/auth/password", &change).await;
    assert!(res.status().is_success(), "{}", res.text().await.unwrap());
    app.login_with("zbxiaoneng", "Zhangban2026ok").await
}

fn group<'a>(list: &'a Value, name: &str) -> &'a Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|g| g["name"] == name || g["department"] == name)
        .unwrap_or_else(|| panic!("no {name} in {list}"))
}

#[tokio::test]
async fn the_dashboard_counts_a_known_dataset_and_a_town_sees_only_its_town() {
    let k = known().await;
    let town = town_supervisor(&k.app).await;
    let d = ok(town.get("/api/v1/agreements/dashboard").await).await;
    assert_eq!(d["agreements"], 1, "the demo has no project in 张坂镇");
    assert_eq!(d["items"], 7);
    let overall = &d["overall"];
    assert_eq!(overall["due"], 6, "all but the item due soon");
    assert_eq!(overall["fulfilled_on_time"], 2);
    assert_eq!(overall["fulfilled_late"], 1);
    assert_eq!(overall["overdue_open"], 1);
    assert_eq!(overall["breached"], 1);
    assert_eq!(overall["waived"], 1);
    assert_eq!(
        overall["on_time_bp"], 4000,
        "2 of 5; the waived item is not counted"
    );
    assert_eq!(
        d["delay"],
        json!({ "items": 2, "total_days": 20, "average_days": "10.00", "max_days": 10 })
    );
    assert_eq!(d["started_ahead"], 1);
    assert_eq!(d["starts"][0]["contract_on"], "2026-09-01");
    assert_eq!(d["starts"][0]["started_on"], "2026-08-02");
    assert_eq!(d["starts"][0]["days_ahead"], 30);
    let dept = group(&d["by_department"], "工业和信息化局");
    assert_eq!(dept["due"], 4);
    assert_eq!(
        dept["on_time_bp"], 3333,
        "1 on time of 3 decided, rounded down"
    );
    let firm = &d["by_enterprise"][0];
    assert_eq!(
        (firm["due"].clone(), firm["on_time_bp"].clone()),
        (json!(2), json!(5000))
    );
    let states: Vec<(String, i64, i64)> = d["by_status"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["government"] != 0 || s["enterprise"] != 0)
        .map(|s| {
            let n = |f: &str| s[f].as_i64().unwrap();
            (
                s["status"].as_str().unwrap().to_string(),
                n("government"),
                n("enterprise"),
            )
        })
        .collect();
    let expected = [
        ("due_soon", 0, 1),
        ("overdue", 1, 0),
        ("fulfilled_on_time", 1, 1),
        ("fulfilled_late", 1, 0),
        ("waived", 1, 0),
        ("breached", 0, 1),
    ]
    .map(|(s, g, e)| (s.to_string(), g, e));
    assert_eq!(states, expected);

    // The district's 效能办 sees the demo's projects too.
    let district = ok(k
        .app
        .login("efficiency")
        .await
        .get("/api/v1/agreements/dashboard")
        .await)
    .await;
    assert_eq!(district["agreements"], 7);

    // Exports: CSV with a BOM, XLSX a ZIP.
    let csv = town.get("/api/v1/agreements/dashboard?format=csv").await;
    assert_eq!(csv.status(), StatusCode::OK);
    let bytes = csv.bytes().await.unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
    assert!(
        String::from_utf8_lossy(&bytes).contains("按期履约率,40.00%"),
        "{}",
        String::from_utf8_lossy(&bytes)
    );
    let xlsx = town.get("/api/v1/agreements/dashboard?format=xlsx").await;
    assert!(xlsx.bytes().await.unwrap().starts_with(b"PK\x03\x04"));
    let res = town.get("/api/v1/agreements/dashboard?format=pdf").await;
    assert_error(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("format"),
    )
    .await;
    let _ = k.id;
}

#[tokio::test]
async fn the_performance_feed_gives_each_department_its_year() {
    let k = known().await;
    let town = town_supervisor(&k.app).await;
    let feed = ok(town.get("/api/v1/agreements/performance?year=2026").await).await;
    assert_eq!(feed["year"], 2026);
    let departments = feed["departments"].as_array().unwrap();
    assert_eq!(departments.len(), 1, "{feed}");
    let d = &departments[0];
    let dept = org_id(&town, "工业和信息化局").await;
    assert_eq!(d["org_id"], dept);
    assert_eq!(d["department"], "工业和信息化局");
    for (field, n) in [
        ("due", 4),
        ("fulfilled_on_time", 1),
        ("fulfilled_late", 1),
        ("overdue_open", 1),
        ("breached", 0),
        ("waived", 1),
        ("awaiting_confirmation", 0),
        ("on_time_bp", 3333),
    ] {
        assert_eq!(d[field], n, "{field}");
    }
    let earlier = ok(town.get("/api/v1/agreements/performance?year=2025").await).await;
    assert_eq!(earlier["departments"], json!([]));
    let res = town.get("/api/v1/agreements/performance?year=1900").await;
    assert_error(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("year"),
    )
    .await;
}

fn ids_of(list: &Value, label_end: &str, grade: &str) -> Vec<i64> {
    list.as_array()
        .unwrap()
        .iter()
        .filter(|w| w["label"].as_str().unwrap().ends_with(label_end) && w["grade"] == grade)
        .map(|w| w["warning_id"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn discipline_sees_unanswered_warnings_and_escalations_until_the_office_acts() {
    let k = known().await;
    let discipline = k.app.login("discipline").await;
    let r = ok(discipline.get("/api/v1/agreements/resupervision").await).await;
    let label = "张坂精密模具项目:电力增容";
    let demands = ids_of(&r["unacted"], label, "demand");
    assert_eq!(demands.len(), 1, "{r}");
    assert_eq!(ids_of(&r["unacted"], label, "warning").len(), 1);
    let escalated = ids_of(&r["escalations"], label, "escalated");
    assert_eq!(
        escalated.len(),
        1,
        "ten days overdue: the demand went up to 纪检"
    );
    let entry = r["unacted"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["warning_id"] == demands[0])
        .unwrap();
    assert_eq!(entry["supervisor"], "效能办监督员");
    assert_eq!(entry["agreement_id"], k.id);
    assert!(entry["waited_hours"].as_i64().unwrap() >= 0);

    // 效能办 finds the demand on its desk and acts; it leaves the re-supervision view.
    let efficiency = k.app.login("efficiency").await;
    let desk = ok(efficiency.get("/api/v1/agreements/desk").await).await;
    assert!(
        desk["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w["id"] == demands[0])
    );
    assert!(
        desk["overdue"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["key"] == "g_open")
    );
    assert!(
        desk["overdue"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["side_label"] == "政府方"),
        "效能办 watches the government side"
    );
    let res = efficiency
        .post(
            &format!("/api/v1/warnings/{}/act", demands[0]),
            &json!({ "note": "已督办" }),
        )
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let after = ok(discipline.get("/api/v1/agreements/resupervision").await).await;
    assert!(ids_of(&after["unacted"], label, "demand").is_empty());
    assert_eq!(
        ids_of(&after["unacted"], label, "warning").len(),
        1,
        "the 警示 is still unanswered"
    );
    let desk = ok(efficiency.get("/api/v1/agreements/desk").await).await;
    assert!(
        desk["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|w| w["id"] != demands[0])
    );
}

#[tokio::test]
async fn desks_show_what_each_side_answers_for() {
    let k = known().await;
    let handler = ok(k
        .app
        .login("handler")
        .await
        .get("/api/v1/agreements/desk")
        .await)
    .await;
    let keys = |v: &Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .filter(|i| i["agreement_id"] == k.id)
            .map(|i| i["key"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(keys(&handler["mine"]), ["g_open"]);
    assert_eq!(
        keys(&handler["overdue"]),
        Vec::<String>::new(),
        "a handler watches no scope"
    );
    let firm = ok(k
        .app
        .login("enterprise")
        .await
        .get("/api/v1/agreements/desk")
        .await)
    .await;
    assert_eq!(keys(&firm["mine"]), ["e_soon"]);
    assert_eq!(firm["warnings"], json!([]));
    let investment = ok(k
        .app
        .login("investment")
        .await
        .get("/api/v1/agreements/desk")
        .await)
    .await;
    assert!(
        investment["overdue"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["side_label"] == "企业方"),
        "招商办 watches the enterprise side"
    );
}

#[tokio::test]
async fn supervision_views_refuse_roles_that_do_not_supervise() {
    let app = TestApp::spawn().await;
    for user in ["enterprise", "handler", "bank", "steward"] {
        let s = app.login(user).await;
        for path in [
            "/api/v1/agreements/dashboard",
            "/api/v1/agreements/performance",
        ] {
            assert_error(s.get(path).await, StatusCode::FORBIDDEN, "forbidden", None).await;
        }
    }
    for user in ["enterprise", "handler", "efficiency", "investment", "lead"] {
        let s = app.login(user).await;
        let res = s.get("/api/v1/agreements/resupervision").await;
        assert_error(res, StatusCode::FORBIDDEN, "forbidden", None).await;
    }
    for user in ["discipline", "admin"] {
        let s = app.login(user).await;
        ok(s.get("/api/v1/agreements/resupervision").await).await;
    }
    let res = app
        .anonymous()
        .get(app.url("/api/v1/agreements/dashboard"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}
