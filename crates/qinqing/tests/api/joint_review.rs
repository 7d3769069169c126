//! 联审 (several departments review one stage in parallel) and the 24-hour response clock
//! (签收) every holder of a stage runs on.

use crate::helpers::{Session, TestApp, assert_error};
use crate::policies::{
    application_view, decide, definition, ok, policy_input, policy_view, publish_input, submit,
};
use chrono::{DateTime, TimeZone, Utc};
use qinqing_domain::org::Role;
use qinqing_kernel::clock::ManualClock;
use qinqing_kernel::deadlines::run_due;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::sync::Arc;

fn role(r: Role) -> Value {
    serde_json::to_value(r).unwrap()
}

/// A published policy paying `fixed` yuan to every enterprise of the district, whose one stage
/// is reviewed jointly by 工信 (初审人) and 财政 (复审人).
async fn joint_policy(app: &TestApp, id: &str, fixed: &str, budget: Option<&str>) -> String {
    let industry = app.login("reviewer1").await.me["org_id"].clone();
    let finance = app.login("reviewer2").await.me["org_id"].clone();
    let mut input = policy_input(
        &definition(id, "联审测试奖励", "apply", "350521", fixed),
        budget,
    );
    input["review_stages"] = json!([{
        "label": "联审",
        "org_id": industry,
        "role": role(Role::Reviewer1),
        "joint": [{ "org_id": finance, "role": role(Role::Reviewer2) }],
    }]);
    let id = publish_input(app, &input).await;
    let stages = &policy_view(app, &id).await["review_stages"];
    assert_eq!(stages[0]["joint"][0]["org_id"], finance, "{stages}");
    id
}

fn approve() -> Value {
    json!({ "action": "approve" })
}

async fn queue_item(session: &Session, receipt: &str) -> Value {
    let queue = ok(session.get(&format!("/api/v1/reviews?q={receipt}")).await).await;
    queue["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["application"]["receipt_no"] == receipt)
        .cloned()
        .unwrap_or(Value::Null)
}

async fn audit_actions(app: &TestApp, receipt: &str) -> Vec<String> {
    let mut conn = app.app.db.conn().await.unwrap();
    qinqing_kernel::store::audit::for_object(&mut conn, "application", receipt)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.record.action)
        .collect()
}

#[tokio::test]
async fn a_joint_stage_needs_distinct_departments_and_reviewing_roles() {
    let app = TestApp::spawn().await;
    let handler = app.login("handler").await;
    let industry = app.login("reviewer1").await.me["org_id"].clone();
    let town = app.login("town").await.me["org_id"].clone();
    let stage = |joint: Value| json!([{ "label": "联审", "org_id": industry, "role": role(Role::Reviewer1), "joint": joint }]);
    for joint in [
        // The same department twice.
        json!([{ "org_id": industry, "role": role(Role::Reviewer2) }]),
        // A town is not a department.
        json!([{ "org_id": town, "role": role(Role::Reviewer1) }]),
        // A handler does not review.
        json!([{ "org_id": industry.as_i64().unwrap() + 1, "role": role(Role::Handler) }]),
    ] {
        let mut input = policy_input(
            &definition("qq-joint-bad", "联审校验", "apply", "350521", "100"),
            None,
        );
        input["review_stages"] = stage(joint.clone());
        let res = handler.post("/api/v1/policies", &input).await;
        assert_error(
            res,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            Some("review_stages[0]"),
        )
        .await;
    }
}

#[tokio::test]
async fn a_joint_stage_passes_when_every_department_has_approved() {
    let app = TestApp::spawn().await;
    let id = joint_policy(&app, "qq-joint", "1000", None).await;
    let firm = app.login("enterprise").await;
    let receipt = submit(&firm, &id, 2025, &["integrity"]).await;
    let (r1, r2) = (app.login("reviewer1").await, app.login("reviewer2").await);

    // Both departments find it in their queue, each with its own 24-hour response clock.
    for reviewer in [&r1, &r2] {
        let item = queue_item(reviewer, &receipt).await;
        assert_eq!(item["mine"], true, "{item}");
        assert!(!item["response_due_at"].is_null(), "{item}");
    }
    let view = application_view(&firm, &receipt).await;
    assert_eq!(view["joint"], true);
    assert_eq!(view["holders"].as_array().unwrap().len(), 2);
    assert!(view["holder"].as_str().unwrap().contains("联审"), "{view}");

    // Not a holder: another role of 财政, 工信's handler, the enterprise.
    for user in ["reviewer3", "handler", "enterprise", "lead"] {
        let res = decide(&app.login(user).await, &receipt, &approve()).await;
        assert_error(res, StatusCode::FORBIDDEN, "forbidden", None).await;
    }
    // A different amount needs a reason, in a joint stage too.
    let res = decide(
        &r1,
        &receipt,
        &json!({ "action": "approve", "amount": "900" }),
    )
    .await;
    assert_error(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("reason"),
    )
    .await;

    // 工信 approves: the stage waits for 财政.
    let after_one = ok(decide(&r1, &receipt, &approve()).await).await;
    assert_eq!(after_one["status"], "submitted");
    let holders = after_one["holders"].as_array().unwrap();
    assert_eq!(holders[0]["approved"], true, "{after_one}");
    assert!(
        holders[0]["response_due_at"].is_null(),
        "approving is taking it up"
    );
    assert_eq!(holders[1]["approved"], false);
    assert!(!holders[1]["response_due_at"].is_null());
    let res = decide(&r1, &receipt, &approve()).await;
    assert_error(res, StatusCode::CONFLICT, "conflict", None).await;
    assert_eq!(queue_item(&r1, &receipt).await["mine"], false);
    assert_eq!(queue_item(&r2, &receipt).await["mine"], true);

    // 财政 approves: the stage, the last, passes — the final decision with the computed amount.
    let done = ok(decide(&r2, &receipt, &approve()).await).await;
    assert_eq!(done["status"], "approved", "{done}");
    assert_eq!(done["approved_amount"], "1000.00");
    assert_eq!(done["payout_status"], "pending");
    let approvals = done["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["action"] == "approve")
        .count();
    assert_eq!(approvals, 2);
    // Every opinion is in the audit trail.
    let audited = audit_actions(&app, &receipt).await;
    assert_eq!(
        audited
            .iter()
            .filter(|a| *a == "application.approved")
            .count(),
        2,
        "{audited:?}"
    );
}

#[tokio::test]
async fn any_department_of_a_joint_stage_returns_or_rejects_it() {
    let app = TestApp::spawn().await;
    let id = joint_policy(&app, "qq-joint-no", "1000", None).await;
    let firm = app.login("enterprise").await;
    let receipt = submit(&firm, &id, 2025, &["integrity"]).await;
    let (r1, r2) = (app.login("reviewer1").await, app.login("reviewer2").await);
    ok(decide(&r1, &receipt, &approve()).await).await;

    // 财政 returns it for 补正: the clock pauses and 工信's approval no longer stands.
    let returned = ok(decide(
        &r2,
        &receipt,
        &json!({ "action": "return", "note": "请补充设备发票" }),
    )
    .await)
    .await;
    assert_eq!(returned["status"], "returned");
    let res = decide(&r1, &receipt, &approve()).await;
    assert_error(res, StatusCode::CONFLICT, "conflict", None).await;
    let code = firm.first_enterprise();
    ok(firm
        .post(
            &format!("/api/v1/applications/{receipt}/submit"),
            &crate::policies::application(&id, &code, 2025, &["integrity"]),
        )
        .await)
    .await;
    let again = application_view(&firm, &receipt).await;
    assert_eq!(again["status"], "submitted");
    assert!(
        again["holders"]
            .as_array()
            .unwrap()
            .iter()
            .all(|h| h["approved"] == false && !h["response_due_at"].is_null()),
        "both review the corrected form, each with a new response clock: {again}"
    );

    // 工信 approves again; 财政 rejects — with a reason only — and that is the decision.
    ok(decide(&r1, &receipt, &approve()).await).await;
    let res = decide(&r2, &receipt, &json!({ "action": "reject", "reason": "" })).await;
    assert_error(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("reason"),
    )
    .await;
    let rejected = ok(decide(
        &r2,
        &receipt,
        &json!({ "action": "reject", "reason": "设备不属于鼓励类目录" }),
    )
    .await)
    .await;
    assert_eq!(rejected["status"], "rejected");
    assert_eq!(rejected["note"], "设备不属于鼓励类目录");
    assert!(rejected["payout_status"].is_null());
    let audited = audit_actions(&app, &receipt).await;
    for action in [
        "application.approved",
        "application.returned",
        "application.rejected",
    ] {
        assert!(audited.iter().any(|a| a == action), "{action}: {audited:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_last_two_opinions_given_at_once_pass_the_stage_exactly_once() {
    const APPLICATIONS: i32 = 8;
    let app = TestApp::spawn().await;
    let id = joint_policy(&app, "qq-joint-race", "1000", Some("100000")).await;
    let firm = app.login("enterprise").await;
    let mut receipts = Vec::new();
    for year in 2001..2001 + APPLICATIONS {
        receipts.push(submit(&firm, &id, year, &["integrity"]).await);
    }
    // Every session first, then every opinion at once: the two of each application race.
    let mut sessions = Vec::new();
    for receipt in &receipts {
        for user in ["reviewer1", "reviewer2"] {
            sessions.push((Arc::new(app.login(user).await), receipt.clone()));
        }
    }
    let start = Arc::new(tokio::sync::Barrier::new(sessions.len()));
    let tasks: Vec<_> = sessions
        .into_iter()
        .map(|(reviewer, receipt)| {
            let start = start.clone();
            tokio::spawn(async move {
                start.wait().await;
                let res = decide(&reviewer, &receipt, &approve()).await;
                (res.status(), res.text().await.unwrap())
            })
        })
        .collect();
    for task in tasks {
        let (status, body) = task.await.unwrap();
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    for receipt in &receipts {
        let view = application_view(&firm, receipt).await;
        assert_eq!(view["status"], "approved", "{view}");
        assert_eq!(view["payout_status"], "pending");
        let steps = view["steps"].as_array().unwrap();
        assert_eq!(
            steps.iter().filter(|s| s["action"] == "approve").count(),
            2,
            "one opinion per department, one pass: {view}"
        );
    }
    let policy = policy_view(&app, &id).await;
    assert_eq!(
        policy["budget_committed"],
        format!("{}.00", 1000 * APPLICATIONS)
    );
    let desk = ok(app.login("finance").await.get("/api/v1/payouts").await).await;
    let ours = desk["payouts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| receipts.iter().any(|r| p["receipt_no"] == r.as_str()))
        .count();
    assert_eq!(ours, receipts.len());
}

fn beijing_time(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
    qinqing_domain::deadline::beijing()
        .with_ymd_and_hms(y, m, d, h, 0, 0)
        .unwrap()
        .with_timezone(&Utc)
}

/// (object, grade, fired) of the warnings of every response clock of an application.
async fn response_warnings(app: &TestApp, receipt: &str) -> Vec<(String, String, bool)> {
    let mut conn = app.app.db.conn().await.unwrap();
    let rows: Vec<(String, String, Option<String>)> = sqlx::query_as(
        "SELECT d.object_id, w.grade, w.fired_at FROM deadline_warning w \
         JOIN deadline d ON d.id = w.deadline_id \
         WHERE d.kind = 'policy.application_response' AND d.object_id LIKE $1 ORDER BY w.id",
    )
    .bind(format!("{receipt}/%"))
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    rows.into_iter()
        .map(|(o, g, f)| (o, g, f.is_some()))
        .collect()
}

fn fired(warnings: &[(String, String, bool)], grade: &str) -> usize {
    warnings.iter().filter(|(_, g, f)| g == grade && *f).count()
}

#[tokio::test]
async fn an_application_not_signed_for_within_24_hours_warns() {
    // Monday 30 November 2026, 10:00 in Beijing: the review clock (3 working days) is far off.
    let clock = Arc::new(ManualClock::new(beijing_time(2026, 11, 30, 10)));
    let app = TestApp::spawn_at(clock.clone()).await;
    let id = crate::policies::simple_apply_policy(&app, "qq-respond", "500", None).await;
    let firm = app.login("enterprise").await;
    let signed = submit(&firm, &id, 2024, &["integrity"]).await;
    let unsigned = submit(&firm, &id, 2025, &["integrity"]).await;
    let r1 = app.login("reviewer1").await;
    let due = queue_item(&r1, &unsigned).await["response_due_at"].clone();
    assert_eq!(
        due.as_str().map(|d| d.parse::<DateTime<Utc>>().unwrap()),
        Some(beijing_time(2026, 12, 1, 10)),
        "24 hours"
    );

    // Only the stage's holder signs, once.
    let sign = format!("/api/v1/applications/{signed}/sign");
    for user in ["reviewer2", "enterprise", "handler"] {
        let res = app.login(user).await.post(&sign, &json!({})).await;
        assert_error(res, StatusCode::FORBIDDEN, "forbidden", None).await;
    }
    clock.advance(chrono::Duration::hours(2));
    let view = ok(r1.post(&sign, &json!({})).await).await;
    assert!(view["holders"][0]["response_due_at"].is_null(), "{view}");
    assert!(
        view["steps"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["action"] == "sign" && s["action_label"] == "签收")
    );
    let res = r1.post(&sign, &json!({})).await;
    assert_error(res, StatusCode::CONFLICT, "conflict", None).await;
    assert!(queue_item(&r1, &signed).await["response_due_at"].is_null());
    assert!(
        audit_actions(&app, &signed)
            .await
            .iter()
            .any(|a| a == "application.signed")
    );

    // Four hours before the due time the unsigned one is reminded (提醒), not sooner; at the due
    // time it warns (警示); the signed one never does.
    run_due(&app.app).await.unwrap();
    assert_eq!(
        fired(&response_warnings(&app, &unsigned).await, "reminder"),
        0
    );
    clock.advance(chrono::Duration::hours(18)); // 30 Nov 10:00 + 20 h
    run_due(&app.app).await.unwrap();
    assert_eq!(
        fired(&response_warnings(&app, &unsigned).await, "reminder"),
        1
    );
    clock.advance(chrono::Duration::hours(5));
    run_due(&app.app).await.unwrap();
    let late = response_warnings(&app, &unsigned).await;
    assert_eq!(fired(&late, "warning"), 1, "{late:?}");
    assert_eq!(fired(&late, "demand"), 0, "{late:?}");
    let on_time = response_warnings(&app, &signed).await;
    assert!(on_time.iter().all(|(_, _, f)| !f), "{on_time:?}");
    // A day late: the demand goes to 效能办.
    clock.advance(chrono::Duration::hours(24));
    run_due(&app.app).await.unwrap();
    assert_eq!(
        fired(&response_warnings(&app, &unsigned).await, "demand"),
        1
    );
    let efficiency = app.login("efficiency").await;
    let warnings = ok(efficiency.get("/api/v1/warnings?per_page=200").await).await;
    assert!(
        warnings["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w["object_id"].as_str().unwrap_or("").starts_with(&unsigned)),
        "{warnings}"
    );
    // Deciding is taking it up too: the late clock stops (a new session: the old one expired).
    let r1 = app.login("reviewer1").await;
    ok(decide(&r1, &unsigned, &approve()).await).await;
    clock.advance(chrono::Duration::hours(48));
    run_due(&app.app).await.unwrap();
    let stopped = response_warnings(&app, &unsigned).await;
    assert_eq!(fired(&stopped, "escalated"), 0);
}
