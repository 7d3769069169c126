//! 督办 (supervision orders) and 监督的再监督: a supervisor orders the department answering for a
//! late clock to act; the department answers; the supervisor accepts or sends the result back.

use crate::helpers::{REVIEW_CLOCK_LABEL, Session, TestApp, assert_error, review_clock};
use chrono::{Duration, Utc};
use qinqing_kernel::clock::ManualClock;
use qinqing_kernel::deadlines::run_due;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::sync::Arc;

/// Starts a clock of department `org` in `region`, due `due_in` from now (negative: overdue).
async fn clock(app: &TestApp, org: i64, region: &str, id: &str, due_in: Duration) -> i64 {
    review_clock(app, org, region, id, Utc::now() + due_in).await
}

async fn issue(session: &Session, deadline: i64, note: &str, days: Value) -> reqwest::Response {
    session
        .post(
            "/api/v1/supervision/orders",
            &json!({ "deadline_id": deadline, "note": note, "days": days }),
        )
        .await
}

async fn order(session: &Session, id: i64) -> Value {
    let res = session
        .get(&format!("/api/v1/supervision/orders/{id}"))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.unwrap()
}

async fn answer(session: &Session, id: i64, result: &str) -> reqwest::Response {
    session
        .post(
            &format!("/api/v1/supervision/orders/{id}/answer"),
            &json!({ "result": result }),
        )
        .await
}

async fn review(session: &Session, id: i64, body: Value) -> reqwest::Response {
    session
        .post(&format!("/api/v1/supervision/orders/{id}/review"), &body)
        .await
}

/// The order's own clocks, oldest first.
async fn order_clocks(session: &Session, id: i64) -> Vec<Value> {
    let res = session
        .get(&format!(
            "/api/v1/deadlines?object_type=supervision_order&object_id={id}"
        ))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.unwrap()
}

async fn audit_actions(app: &TestApp, id: i64) -> Vec<String> {
    let mut conn = app.app.db.conn().await.unwrap();
    sqlx::query_scalar::<_, String>(
        "SELECT action FROM audit_entry WHERE object_type = 'supervision_order' AND object_id = $1 ORDER BY seq",
    )
    .bind(id.to_string())
    .fetch_all(&mut *conn)
    .await
    .unwrap()
}

#[tokio::test]
async fn an_order_reaches_the_department_runs_on_its_own_clock_and_closes_when_accepted() {
    let app = TestApp::spawn().await;
    let lead = app.login("lead").await;
    let handler = app.login("handler").await;
    let supervisor = app.login("efficiency").await;
    let org = lead.me["org_id"].as_i64().unwrap();
    let deadline = clock(&app, org, "350521101", "order-1", -Duration::days(2)).await;

    let res = issue(
        &supervisor,
        deadline,
        "请于三日内办结并说明逾期原因",
        json!(3),
    )
    .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let id = res.json::<Value>().await.unwrap()["id"].as_i64().unwrap();

    // The department's lead is told, with a link to the order, and may answer it.
    let inbox: Value = lead.get("/api/v1/messages").await.json().await.unwrap();
    let told: Vec<&Value> = inbox["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["template"] == "supervision_order")
        .collect();
    assert_eq!(told.len(), 1, "{inbox}");
    assert_eq!(told[0]["link"], format!("/supervision/orders/{id}"));
    assert!(
        told[0]["body"]
            .as_str()
            .unwrap()
            .contains(REVIEW_CLOCK_LABEL)
    );
    let shown = order(&lead, id).await;
    assert_eq!(shown["status"], "open");
    assert_eq!(shown["department"], "工业和信息化局");
    assert_eq!(shown["issued_by"], "杨效能");
    assert_eq!(shown["item_link"], "/applications/order-1");
    assert_eq!(shown["may_answer"], true);
    assert_eq!(order(&supervisor, id).await["may_answer"], false);

    // The order runs on a clock of its own, which the cockpit counts under 督办.
    let own = order_clocks(&supervisor, id).await;
    assert_eq!(own.len(), 1);
    assert_eq!(own[0]["state"], "计时中");
    assert_eq!(own[0]["limit"], "3个工作日");
    let cockpit: Value = supervisor
        .get("/api/v1/supervision/cockpit")
        .await
        .json()
        .await
        .unwrap();
    let column = cockpit["owners"]
        .as_array()
        .unwrap()
        .iter()
        .position(|o| o["label"] == "督办")
        .expect("a 督办 column");
    assert_eq!(cockpit["total"]["cells"][column]["open"], 1, "{cockpit}");

    // The lead answers once, which stops the order's clock and tells the supervisor.
    assert_eq!(
        answer(&lead, id, "已办结,逾期原因为材料补正")
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    let res = answer(&handler, id, "再答一次").await;
    assert_error(res, StatusCode::CONFLICT, "conflict", None).await;
    assert_eq!(order_clocks(&supervisor, id).await[0]["state"], "已办结");
    let inbox: Value = supervisor
        .get("/api/v1/messages")
        .await
        .json()
        .await
        .unwrap();
    assert!(
        inbox["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["template"] == "supervision_answered"),
        "{inbox}"
    );

    // Sent back with a reason: open again, on a fresh clock.
    let res = review(
        &supervisor,
        id,
        json!({ "decision": "send_back", "reason": "" }),
    )
    .await;
    assert_error(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("reason"),
    )
    .await;
    let back = json!({ "decision": "send_back", "reason": "未说明整改措施", "days": 2 });
    assert_eq!(
        review(&supervisor, id, back).await.status(),
        StatusCode::NO_CONTENT
    );
    let reopened = order(&handler, id).await;
    assert_eq!(reopened["status"], "open");
    assert_eq!(reopened["returned_reason"], "未说明整改措施");
    assert!(reopened["result"].is_null());
    let own = order_clocks(&supervisor, id).await;
    assert_eq!(own.len(), 2);
    assert_eq!(own[1]["state"], "计时中");
    assert_eq!(own[1]["limit"], "2个工作日");

    // The handler answers this time; the supervisor accepts (办结).
    assert_eq!(
        answer(&handler, id, "已补充整改措施").await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        review(&supervisor, id, json!({ "decision": "accept" }))
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    let closed = order(&supervisor, id).await;
    assert_eq!(closed["status"], "closed");
    assert_eq!(closed["answered_by"], "林经办");
    let res = review(&supervisor, id, json!({ "decision": "accept" })).await;
    assert_error(res, StatusCode::CONFLICT, "conflict", None).await;
    let trail = app
        .text_of(
            &supervisor.client,
            &format!("/trace/supervision_order/{id}"),
        )
        .await;
    assert!(
        trail.contains("发出督办") && trail.contains("督办办结"),
        "{trail}"
    );
    // The department that answered reads the order's trail too; the enterprise does not.
    let trail_path = format!("/trace/supervision_order/{id}");
    let res = handler.get(&trail_path).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.text().await.unwrap().contains("督办办结"));
    let firm = app.login("enterprise").await;
    assert_eq!(firm.get(&trail_path).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        audit_actions(&app, id).await,
        [
            "supervision.order_issued",
            "supervision.order_answered",
            "supervision.order_returned",
            "supervision.order_answered",
            "supervision.order_closed",
        ]
    );
}

#[tokio::test]
async fn orders_are_refused_to_the_wrong_people_and_bad_input_changes_nothing() {
    let app = TestApp::spawn().await;
    let lead = app.login("lead").await;
    let org = lead.me["org_id"].as_i64().unwrap();
    let supervisor = app.login("efficiency").await;
    let deadline = clock(&app, org, "350521101", "order-2", -Duration::days(1)).await;
    let mut others = Vec::new();
    for user in ["enterprise", "handler", "investment"] {
        others.push(app.login(user).await);
    }
    let before = app.audit_count().await;

    for user in others.iter().chain([&lead]) {
        let res = issue(user, deadline, "督办", json!(3)).await;
        assert_error(res, StatusCode::FORBIDDEN, "forbidden", None).await;
    }
    for (note, days, field) in [
        ("", json!(3), "note"),
        ("督办", json!(0), "days"),
        ("督办", json!(31), "days"),
        (&*"长".repeat(501), json!(3), "note"),
    ] {
        let res = issue(&supervisor, deadline, note, days).await;
        assert_error(
            res,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            Some(field),
        )
        .await;
    }
    // Out of the supervisor's scope: another district's clock (纪检 watches everywhere).
    let elsewhere = clock(&app, org, "350502001", "order-3", -Duration::days(1)).await;
    let res = issue(&supervisor, elsewhere, "督办", json!(3)).await;
    assert_error(res, StatusCode::FORBIDDEN, "forbidden", None).await;
    // Neither late nor warned: nothing to supervise yet.
    let early = clock(&app, org, "350521101", "order-4", Duration::days(10)).await;
    let res = issue(&supervisor, early, "督办", json!(3)).await;
    assert_error(res, StatusCode::CONFLICT, "conflict", None).await;
    assert_eq!(app.audit_count().await, before, "refusals change nothing");

    let res = issue(&supervisor, deadline, "督办", Value::Null).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let id = res.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    assert_eq!(
        order(&supervisor, id).await["days"],
        3,
        "three days unless given"
    );
    let res = issue(&supervisor, deadline, "再督办", json!(3)).await;
    assert_error(res, StatusCode::CONFLICT, "conflict", None).await;
    let discipline = app.login("discipline").await;
    assert_eq!(
        issue(&discipline, elsewhere, "纪检督办", json!(5))
            .await
            .status(),
        StatusCode::CREATED
    );

    // Only the department answering for the clock answers: not another department's handler,
    // not the enterprise, not the supervisor.
    for user in ["town", "enterprise", "efficiency"] {
        let res = answer(&app.login(user).await, id, "结果").await;
        assert_error(res, StatusCode::FORBIDDEN, "forbidden", None).await;
    }
    let res = app
        .login("town")
        .await
        .get(&format!("/api/v1/supervision/orders/{id}"))
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = answer(&lead, id, "  ").await;
    assert_error(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("result"),
    )
    .await;
    // Nothing to accept before a result; the department cannot accept its own.
    let res = review(&supervisor, id, json!({ "decision": "accept" })).await;
    assert_error(res, StatusCode::CONFLICT, "conflict", None).await;
    assert_eq!(
        answer(&lead, id, "已办结").await.status(),
        StatusCode::NO_CONTENT
    );
    let res = review(&lead, id, json!({ "decision": "accept" })).await;
    assert_error(res, StatusCode::FORBIDDEN, "forbidden", None).await;
    let res = review(
        &supervisor,
        id,
        json!({ "decision": "send_back", "reason": "重办", "days": 31 }),
    )
    .await;
    assert_error(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("days"),
    )
    .await;
    assert_eq!(order(&supervisor, id).await["status"], "answered");
}

async fn overview(session: &Session) -> Value {
    let res = session.get("/api/v1/supervision/oversight").await;
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.unwrap()
}

#[tokio::test]
async fn oversight_lists_unacted_warnings_escalations_and_orders_without_result() {
    let time = Arc::new(ManualClock::new(Utc::now()));
    let app = TestApp::spawn_at(time.clone()).await;
    let lead = app.login("lead").await;
    let org = lead.me["org_id"].as_i64().unwrap();
    let deadline = clock(&app, org, "350521101", "order-5", -Duration::days(6)).await;
    while run_due(&app.app).await.unwrap() > 0 {}
    time.advance(Duration::days(2));
    let lead = app.login("lead").await;
    let supervisor = app.login("efficiency").await;
    let rows_of = |v: &Value, list: &str| -> Vec<Value> {
        v[list]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["link"] == "/trace/application/order-5")
            .cloned()
            .collect()
    };
    let seen = overview(&supervisor).await;
    let unacted = rows_of(&seen, "unacted");
    assert_eq!(unacted.len(), 1, "one row per item: {seen}");
    assert_eq!(unacted[0]["what"], "上报纪检");
    assert_eq!(unacted[0]["department"], "工业和信息化局");
    assert_eq!(unacted[0]["deadline_id"], deadline);
    assert_eq!(unacted[0]["waited_days"], 2, "fired two days ago");
    let escalated = rows_of(&seen, "escalations");
    assert_eq!(escalated.len(), 1, "{seen}");
    assert_eq!(escalated[0]["outcome"], "纪检未处理");

    // 纪检 orders the department to act: no longer unacted, the escalation shows what 纪检 did,
    // and the order waits for its result.
    let discipline = app.login("discipline").await;
    let res = issue(&discipline, deadline, "请立即办结", json!(1)).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let id = res.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let seen = overview(&discipline).await;
    assert!(rows_of(&seen, "unacted").is_empty(), "{seen}");
    assert_eq!(rows_of(&seen, "escalations")[0]["outcome"], "纪检已督办");
    let orders: Vec<&Value> = seen["orders"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["link"] == format!("/supervision/orders/{id}"))
        .collect();
    assert_eq!(orders.len(), 1, "{seen}");
    assert_eq!(orders[0]["what"], "待办理");
    assert_eq!(orders[0]["department"], "工业和信息化局");

    for user in ["lead", "handler", "enterprise"] {
        let res = app
            .login(user)
            .await
            .get("/api/v1/supervision/oversight")
            .await;
        assert_error(res, StatusCode::FORBIDDEN, "forbidden", None).await;
    }
    // The pages: the oversight list with its 督办 forms, the order's page for the lead.
    let page = app
        .text_of(&supervisor.client, "/supervision/oversight")
        .await;
    assert!(page.contains("监督的再监督") && page.contains(REVIEW_CLOCK_LABEL));
    let page = app
        .text_of(&lead.client, &format!("/supervision/orders/{id}"))
        .await;
    assert!(
        page.contains("报送办理结果") && page.contains("周纪检"),
        "{page}"
    );
}
