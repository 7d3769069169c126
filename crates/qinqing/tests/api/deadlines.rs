//! Time limits and graded warnings, on a clock the tests move.

use crate::helpers::{TestApp, assert_error};
use chrono::{DateTime, TimeZone, Utc};
use qinqing_domain::deadline::beijing;
use qinqing_kernel::clock::ManualClock;
use qinqing_kernel::deadlines::run_due;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::sync::Arc;

fn beijing_time(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
    beijing()
        .with_ymd_and_hms(y, m, d, h, 0, 0)
        .unwrap()
        .with_timezone(&Utc)
}

/// The demo district at 15:00 on Wednesday 30 September 2026, the eve of 国庆; the demo
/// enterprise has just corrected its tax paid, a government figure. Returns the app, the clock and its credit code.
async fn correction_on_national_day_eve() -> (TestApp, Arc<ManualClock>, String) {
    let clock = Arc::new(ManualClock::new(beijing_time(2026, 9, 30, 15)));
    let app = TestApp::spawn_at(clock.clone()).await;
    stop_other_clocks(&app).await;
    // The demo's own overdue review was seeded three weeks back and all its grades have fired;
    // everyone answers them so that what follows is about the new clock only.
    for user in ["handler", "efficiency", "discipline"] {
        let session = app.login(user).await;
        for w in warnings_of(&session)
            .await
            .iter()
            .filter(|w| w["acted_at"].is_null())
        {
            let res = session
                .post(
                    &format!("/api/v1/warnings/{}/act", w["id"]),
                    &json!({ "note": "已核实" }),
                )
                .await;
            assert_eq!(res.status(), StatusCode::NO_CONTENT);
        }
    }
    let code = correct_tax_paid(&app, "999999.99").await;
    (app, clock, code)
}

/// The demo's applications and 免申即享 offers run clocks of their own (审核, 确认收款账户), and
/// so do the open items of its investment agreements (承诺事项); these tests are about the
/// enterprise's correction clock only, so the administrator closes (办结) the others first.
async fn stop_other_clocks(app: &TestApp) {
    let ids: Vec<i64> = {
        let mut conn = app.app.db.conn().await.unwrap();
        sqlx::query_scalar(
            "SELECT id FROM deadline \
             WHERE object_type IN ('application', 'application_response', 'commitment') \
             AND state <> 'stopped'",
        )
        .fetch_all(&mut *conn)
        .await
        .unwrap()
    };
    let admin = app.login("admin").await;
    for id in ids {
        let res = admin
            .post(&format!("/api/v1/deadlines/{id}/stop"), &json!({}))
            .await;
        assert_eq!(res.status(), StatusCode::OK);
    }
}

/// The demo enterprise corrects its 2025 tax paid (a government figure), which starts a fresh
/// review clock once any open one is stopped. Returns its credit code.
async fn correct_tax_paid(app: &TestApp, value: &str) -> String {
    let firm = app.login("enterprise").await;
    let code = firm.first_enterprise();
    stop_open_clocks(app, &code).await;
    let res = firm
        .patch(
            &format!("/api/v1/enterprises/{code}"),
            &json!({ "figures": [{ "year": 2025, "field": "tax_paid", "value": value }] }),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    code
}

async fn stop_open_clocks(app: &TestApp, code: &str) {
    let handler = app.login("handler").await;
    for d in clocks(&handler, code).await {
        if d["state"] != "已办结" {
            handler
                .post(&format!("/api/v1/deadlines/{}/stop", d["id"]), &json!({}))
                .await;
        }
    }
}

async fn clocks(session: &crate::helpers::Session, code: &str) -> Vec<Value> {
    let res = session
        .get(&format!(
            "/api/v1/deadlines?object_type=enterprise&object_id={code}"
        ))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    res.json::<Vec<Value>>().await.unwrap()
}

async fn running_clock(session: &crate::helpers::Session, code: &str) -> Value {
    clocks(session, code)
        .await
        .into_iter()
        .find(|d| d["state"] != "已办结")
        .expect("a running clock")
}

async fn warnings_of(session: &crate::helpers::Session) -> Vec<Value> {
    let page: Value = session
        .get("/api/v1/warnings?per_page=200")
        .await
        .json()
        .await
        .unwrap();
    page["items"].as_array().unwrap().clone()
}

fn utc(v: &Value) -> DateTime<Utc> {
    v.as_str().unwrap().parse().unwrap()
}

#[tokio::test]
async fn a_correction_starts_a_three_working_day_clock_over_national_day() {
    let (app, _, code) = correction_on_national_day_eve().await;
    let clock = running_clock(&app.login("handler").await, &code).await;
    assert_eq!(clock["limit"], "3个工作日");
    // 10 October is a 调休 Saturday: the third working day after 30 September.
    assert_eq!(utc(&clock["due_at"]), beijing_time(2026, 10, 11, 0));
}

#[tokio::test]
async fn each_grade_fires_once_at_its_time_to_its_people() {
    let (app, clock, code) = correction_on_national_day_eve().await;
    // Sessions last 12 hours of the clock's time, so each look is a fresh login.
    let mine = async |user: &str| {
        let warnings = warnings_of(&app.login(user).await).await;
        warnings
            .into_iter()
            .filter(|w| w["object_id"] == code.as_str() && w["acted_at"].is_null())
            .map(|w| w["grade"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };

    assert_eq!(run_due(&app.app).await.unwrap(), 0, "nothing is due yet");
    clock.advance(chrono::Duration::days(9) + chrono::Duration::hours(10)); // 10 Oct 01:00
    assert_eq!(
        run_due(&app.app).await.unwrap(),
        1,
        "the reminder, a day before the limit"
    );
    assert_eq!(run_due(&app.app).await.unwrap(), 0, "and only once");
    assert_eq!(mine("handler").await, ["reminder"]);
    assert!(
        mine("lead").await.is_empty(),
        "reminders go to the handler only"
    );

    clock.advance(chrono::Duration::days(1)); // past the limit
    assert_eq!(run_due(&app.app).await.unwrap(), 1);
    assert_eq!(mine("lead").await, ["warning"]);
    assert!(mine("efficiency").await.is_empty());

    clock.advance(chrono::Duration::days(1)); // a day late: the demand goes to 效能办 too
    assert_eq!(run_due(&app.app).await.unwrap(), 1);
    assert_eq!(mine("efficiency").await, ["demand"]);
    assert!(mine("discipline").await.is_empty());

    clock.advance(chrono::Duration::days(1)); // nobody answered the demand: 纪检
    assert_eq!(run_due(&app.app).await.unwrap(), 1);
    assert_eq!(mine("discipline").await, ["escalated"]);

    // The handler's list holds the item once, at the highest grade sent to them, with the
    // lower grades sent before it and a link to the item's trail.
    let rows: Vec<Value> = warnings_of(&app.login("handler").await)
        .await
        .into_iter()
        .filter(|w| w["object_id"] == code.as_str() && w["acted_at"].is_null())
        .collect();
    assert_eq!(rows.len(), 1, "{rows:?}");
    let earlier: Vec<&str> = rows[0]["earlier"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["grade"].as_str().unwrap())
        .collect();
    assert_eq!(rows[0]["grade"], "demand", "{rows:?}");
    assert_eq!(earlier, ["reminder", "warning"], "{rows:?}");
    assert_eq!(rows[0]["trail"], format!("/trace/enterprise/{code}"));
}

/// Deactivates every account of `role`, as a district that has not staffed a department yet.
async fn deactivate_all(app: &TestApp, role: &str) {
    let admin = app.login("admin").await;
    let users = admin.get("/api/v1/admin/users").await;
    for user in users.json::<Vec<Value>>().await.unwrap() {
        if user["role"] == role && user["disabled"] == false {
            let res = admin
                .post(
                    &format!("/api/v1/admin/users/{}/deactivate", user["id"]),
                    &json!({}),
                )
                .await;
            assert_eq!(res.status(), StatusCode::NO_CONTENT, "{user}");
        }
    }
}

/// The newest message of `user` telling of a warning nobody could receive.
async fn unreached_message(app: &TestApp, user: &str) -> Option<Value> {
    let inbox: Value = app
        .login(user)
        .await
        .get("/api/v1/messages")
        .await
        .json()
        .await
        .unwrap();
    inbox["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["subject"] == "预警无人接收,已上报")
        .cloned()
}

#[tokio::test]
async fn a_warning_that_reaches_nobody_goes_up_the_ladder_at_once_and_shows_on_the_cockpit() {
    let (app, clock, code) = correction_on_national_day_eve().await;
    deactivate_all(&app, "handler").await;
    clock.advance(chrono::Duration::days(9) + chrono::Duration::hours(10)); // the reminder's time
    assert_eq!(run_due(&app.app).await.unwrap(), 1);
    let told = unreached_message(&app, "lead")
        .await
        .expect("the department lead is told the reminder nobody could receive");
    assert!(
        told["body"]
            .as_str()
            .unwrap()
            .contains("提醒,但应接收的经办人没有可用账户"),
        "{told}"
    );

    deactivate_all(&app, "department_lead").await;
    clock.advance(chrono::Duration::days(1)); // 警示, for handler and lead: both gone
    assert_eq!(run_due(&app.app).await.unwrap(), 1);
    let told = unreached_message(&app, "efficiency")
        .await
        .expect("the supervising office is told at once, not a day later at the demand");
    assert!(
        told["body"]
            .as_str()
            .unwrap()
            .contains("警示,但应接收的经办人、部门负责人没有可用账户"),
        "{told}"
    );

    let cockpit: Value = app
        .login("efficiency")
        .await
        .get("/api/v1/supervision/cockpit")
        .await
        .json()
        .await
        .unwrap();
    let unreached: Vec<(&str, &str)> = cockpit["unreached"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| u["trail"].as_str().unwrap().ends_with(&code))
        .map(|u| (u["grade"].as_str().unwrap(), u["climbed"].as_str().unwrap()))
        .collect();
    assert_eq!(
        unreached,
        [("警示", "已转监督部门")],
        "the item is listed once, at its highest grade: {cockpit}"
    );
    let page = app.login("efficiency").await.get("/supervision").await;
    let html = page.text().await.unwrap();
    assert!(html.contains("无人接收的预警") && html.contains("已转监督部门"));
}

#[tokio::test]
async fn answering_the_demand_keeps_it_from_reaching_discipline() {
    let (app, clock, code) = correction_on_national_day_eve().await;
    clock.advance(chrono::Duration::days(12));
    assert_eq!(
        run_due(&app.app).await.unwrap(),
        3,
        "reminder, warning and demand"
    );
    let efficiency = app.login("efficiency").await;
    let demand = warnings_of(&efficiency)
        .await
        .into_iter()
        .find(|w| w["object_id"] == code.as_str() && w["grade"] == "demand")
        .unwrap();
    let res = efficiency
        .post(
            &format!("/api/v1/warnings/{}/act", demand["id"]),
            &json!({ "note": "已督办工信局" }),
        )
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let res = efficiency
        .post(
            &format!("/api/v1/warnings/{}/act", demand["id"]),
            &json!({ "note": "again" }),
        )
        .await;
    assert_error(res, StatusCode::CONFLICT, "conflict", None).await;
    clock.advance(chrono::Duration::days(5));
    assert_eq!(
        run_due(&app.app).await.unwrap(),
        0,
        "no escalation after an answered demand"
    );
}

#[tokio::test]
async fn stopping_the_clock_cancels_what_has_not_fired() {
    let (app, clock, code) = correction_on_national_day_eve().await;
    let handler = app.login("handler").await;
    let id = running_clock(&handler, &code).await["id"].clone();
    let res = handler
        .post(&format!("/api/v1/deadlines/{id}/stop"), &json!({}))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    clock.advance(chrono::Duration::days(30));
    assert_eq!(run_due(&app.app).await.unwrap(), 0);
    let handler = app.login("handler").await;
    let res = handler
        .post(&format!("/api/v1/deadlines/{id}/stop"), &json!({}))
        .await;
    assert_error(res, StatusCode::CONFLICT, "conflict", None).await;
}

#[tokio::test]
async fn a_pause_for_supplements_gives_back_the_days_left() {
    let (app, clock, code) = correction_on_national_day_eve().await;
    let handler = app.login("handler").await;
    let id = running_clock(&handler, &code).await["id"].clone();
    // Paused the same afternoon (3 working days left), resumed Monday 12 October.
    assert_eq!(
        handler
            .post(&format!("/api/v1/deadlines/{id}/pause"), &json!({}))
            .await
            .status(),
        StatusCode::OK
    );
    clock.advance(chrono::Duration::days(12)); // 12 Oct 15:00
    assert_eq!(
        run_due(&app.app).await.unwrap(),
        0,
        "a paused clock warns nobody"
    );
    let handler = app.login("handler").await;
    let res = handler
        .post(&format!("/api/v1/deadlines/{id}/resume"), &json!({}))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let clock_view: Value = res.json().await.unwrap();
    assert_eq!(
        utc(&clock_view["due_at"]),
        beijing_time(2026, 10, 16, 0),
        "13, 14, 15 October"
    );
    let res = handler
        .post(&format!("/api/v1/deadlines/{id}/resume"), &json!({}))
        .await;
    assert_error(res, StatusCode::CONFLICT, "conflict", None).await;
}

#[tokio::test]
async fn a_warning_fires_once_when_the_scheduler_dies_mid_run_or_two_run_at_once() {
    let (app, clock, code) = correction_on_national_day_eve().await;
    clock.advance(chrono::Duration::days(12));
    // A scheduler claims the reminder and dies before committing: nothing was fired.
    {
        let mut conn = app.app.db.conn().await.unwrap();
        let due = qinqing_kernel::store::deadlines::due_warnings(&mut conn, clock_now(&app), 10)
            .await
            .unwrap();
        let mut tx = app.app.db.begin().await.unwrap();
        assert!(
            qinqing_kernel::store::deadlines::claim(&mut tx, due[0].id, clock_now(&app))
                .await
                .unwrap()
        );
        drop(tx);
    }
    // Two schedulers restart together: every due warning fires exactly once between them.
    let (a, b) = tokio::join!(run_due(&app.app), run_due(&app.app));
    assert_eq!(a.unwrap() + b.unwrap(), 3);
    assert_eq!(run_due(&app.app).await.unwrap(), 0);
    let mut conn = app.app.db.conn().await.unwrap();
    let fired = qinqing_kernel::store::audit::for_object(&mut conn, "enterprise", &code)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.record.action == "deadline.warning_fired")
        .count();
    assert_eq!(
        fired,
        3 + 4,
        "three here, plus the four of the demo's own overdue review"
    );
}

fn clock_now(app: &TestApp) -> DateTime<Utc> {
    app.app.now()
}

#[tokio::test]
async fn clocks_are_controlled_only_by_case_staff_in_scope() {
    let (app, _, code) = correction_on_national_day_eve().await;
    let handler = app.login("handler").await;
    let id = running_clock(&handler, &code).await["id"].clone();
    for user in ["efficiency", "discipline", "enterprise", "bank"] {
        let session = app.login(user).await;
        let res = session
            .post(&format!("/api/v1/deadlines/{id}/pause"), &json!({}))
            .await;
        assert_error(res, StatusCode::FORBIDDEN, "forbidden", None).await;
    }
    let res = handler
        .post(&format!("/api/v1/deadlines/{id}/rewind"), &json!({}))
        .await;
    assert_error(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("action"),
    )
    .await;
}

#[tokio::test]
async fn the_admin_sets_when_each_grade_fires_per_kind_of_deadline() {
    let clock = Arc::new(ManualClock::new(beijing_time(2026, 11, 16, 9)));
    let app = TestApp::spawn_at(clock.clone()).await;
    let admin = app.login("admin").await;
    let rules = json!({ "profile.correction_review": { "reminder_hours_before": 48, "demand_hours_after": 8, "escalate_hours_after_demand": 4 } });
    let put = |session: &crate::helpers::Session, body: &Value| {
        session
            .client
            .put(format!("{}/api/v1/admin/warning-rules", session.base))
            .header("X-CSRF-Token", &session.csrf)
            .json(body)
            .send()
    };
    assert_eq!(
        put(&admin, &rules).await.unwrap().status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        admin
            .get("/api/v1/admin/warning-rules")
            .await
            .json::<Value>()
            .await
            .unwrap(),
        rules
    );

    let code = correct_tax_paid(&app, "1.00").await;
    let clock_view = running_clock(&app.login("handler").await, &code).await;
    let due = utc(&clock_view["due_at"]);
    assert_eq!(
        due,
        beijing_time(2026, 11, 20, 0),
        "Monday + 3 working days"
    );
    let fire = |grade: &str| {
        utc(&clock_view["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|w| w["grade"] == grade)
            .unwrap()["fire_at"])
    };
    assert_eq!(fire("reminder"), due - chrono::Duration::hours(48));
    assert_eq!(fire("demand"), due + chrono::Duration::hours(8));
    assert_eq!(fire("escalated"), due + chrono::Duration::hours(12));

    let bad = json!({ "default": { "reminder_hours_before": 24, "demand_hours_after": 24, "escalate_hours_after_demand": 0 } });
    assert_error(
        put(&admin, &bad).await.unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("default"),
    )
    .await;
    let handler = app.login("handler").await;
    assert_error(
        put(&handler, &rules).await.unwrap(),
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    )
    .await;
}

#[tokio::test]
async fn the_admin_chooses_who_is_told_at_each_grade() {
    let (app, clock, code) = correction_on_national_day_eve().await;
    let admin = app.login("admin").await;
    let put = |body: Value| {
        admin
            .client
            .put(format!("{}/api/v1/admin/warning-rules", admin.base))
            .header("X-CSRF-Token", &admin.csrf)
            .json(&body)
            .send()
    };
    let rule = |recipients: Value| {
        json!({ "profile.correction_review": {
        "reminder_hours_before": 24, "demand_hours_after": 24, "escalate_hours_after_demand": 24,
        "recipients": recipients } })
    };
    let res = put(rule(json!({ "reminder": ["enterprise_user"] })))
        .await
        .unwrap();
    assert_error(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("profile.correction_review"),
    )
    .await;
    let res = put(rule(
        json!({ "reminder": ["department_lead", "supervisor_efficiency"] }),
    ))
    .await
    .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);

    clock.advance(chrono::Duration::days(9) + chrono::Duration::hours(10)); // the reminder's time
    assert_eq!(run_due(&app.app).await.unwrap(), 1);
    let grades_of = async |user: &str| {
        let warnings = warnings_of(&app.login(user).await).await;
        warnings
            .into_iter()
            .filter(|w| w["object_id"] == code.as_str() && w["acted_at"].is_null())
            .map(|w| w["grade"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(grades_of("lead").await, ["reminder"]);
    assert_eq!(grades_of("efficiency").await, ["reminder"]);
    assert!(
        grades_of("handler").await.is_empty(),
        "the handler is no longer told of reminders"
    );
    let handler = app.login("handler").await;
    let mut conn = app.app.db.conn().await.unwrap();
    let fired = qinqing_kernel::store::audit::for_object(&mut conn, "enterprise", &code)
        .await
        .unwrap();
    let reminder = fired
        .iter()
        .rev()
        .find(|e| e.record.action == "deadline.warning_fired")
        .unwrap();
    assert_eq!(reminder.record.detail["grade"], "reminder");
    let id = clocks(&handler, &code)
        .await
        .into_iter()
        .find(|d| d["state"] == "计时中")
        .unwrap()["warnings"][0]["id"]
        .clone();
    let res = handler
        .post(
            &format!("/api/v1/warnings/{id}/act"),
            &json!({ "note": "not mine" }),
        )
        .await;
    assert_error(res, StatusCode::FORBIDDEN, "forbidden", None).await;
}

#[tokio::test]
async fn the_warning_rules_page_sets_hours_and_recipients_by_the_kinds_name() {
    let app = TestApp::spawn().await;
    let admin = app.login("admin").await;
    // A family's rule set through the API is not a row of the page; saving the page keeps it.
    let family = json!({ "commitment": { "reminder_hours_before": 72, "demand_hours_after": 24, "escalate_hours_after_demand": 24 } });
    let put = admin
        .client
        .put(format!("{}/api/v1/admin/warning-rules", admin.base))
        .header("X-CSRF-Token", &admin.csrf)
        .json(&family)
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), StatusCode::NO_CONTENT);

    let page = app.text_of(&admin.client, "/admin/warning-rules").await;
    assert!(page.contains("申报审核"), "kinds by name");
    assert!(!page.contains("reminder_hours_before"), "no field codes");
    assert!(
        page.contains("placeholder=\"72\""),
        "the family's hours show on its kinds"
    );

    // Half a row is refused with the kind's name, and what was typed stays on the form.
    let res = admin
        .post_form(
            "/admin/warning-rules",
            &[
                ("reminder.policy.application_review", "48"),
                ("demand.policy.application_review", ""),
                ("escalate.policy.application_review", "4"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = res.text().await.unwrap();
    assert!(page.contains("“申报审核”的三个时点请都填写"), "{page}");
    assert!(page.contains("value=\"48\""), "typed values kept");
    assert_eq!(stored_rules(&admin).await, family, "nothing saved");

    // A whole row with recipients is saved; the family's rule stays.
    let res = admin
        .post_form(
            "/admin/warning-rules",
            &[
                ("reminder.policy.application_review", "48"),
                ("demand.policy.application_review", "8"),
                ("escalate.policy.application_review", "4"),
                ("to.demand.policy.application_review", "department_lead"),
                (
                    "to.demand.policy.application_review",
                    "supervisor_efficiency",
                ),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.text().await.unwrap().contains("已保存"));
    let mut expected = family.clone();
    expected["policy.application_review"] = json!({
        "reminder_hours_before": 48, "demand_hours_after": 8, "escalate_hours_after_demand": 4,
        "recipients": { "demand": ["department_lead", "supervisor_efficiency"] }
    });
    assert_eq!(stored_rules(&admin).await, expected);

    // An hour count out of range names the kind, not its code.
    let res = admin
        .post_form(
            "/admin/warning-rules",
            &[
                ("reminder.policy.application_review", "48"),
                ("demand.policy.application_review", "8"),
                ("escalate.policy.application_review", "0"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = res.text().await.unwrap();
    assert!(page.contains("“申报审核”的预警时点应在"), "{page}");
    assert_eq!(stored_rules(&admin).await, expected, "nothing changed");

    // A form without a kind's row (a page opened before a scene added the kind) keeps its rule.
    let default_row = [
        ("reminder.default", "24"),
        ("demand.default", "4"),
        ("escalate.default", "4"),
    ];
    let res = admin.post_form("/admin/warning-rules", &default_row).await;
    assert_eq!(res.status(), StatusCode::OK);
    expected["default"] = json!({
        "reminder_hours_before": 24, "demand_hours_after": 4, "escalate_hours_after_demand": 4
    });
    assert_eq!(stored_rules(&admin).await, expected);
    // A row sent empty gives its kind back to the rule in force.
    let empty_row = [
        ("reminder.policy.application_review", ""),
        ("demand.policy.application_review", ""),
        ("escalate.policy.application_review", ""),
    ];
    let res = admin.post_form("/admin/warning-rules", &empty_row).await;
    assert_eq!(res.status(), StatusCode::OK);
    expected
        .as_object_mut()
        .unwrap()
        .remove("policy.application_review");
    assert_eq!(stored_rules(&admin).await, expected);

    // Only the administrator.
    let handler = app.login("handler").await;
    let res = handler
        .post_form("/admin/warning-rules", &[("reminder.default", "1")])
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}

async fn stored_rules(admin: &crate::helpers::Session) -> Value {
    admin
        .get("/api/v1/admin/warning-rules")
        .await
        .json::<Value>()
        .await
        .unwrap()
}
