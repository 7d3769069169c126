//! 诉求必应: routing, the one transfer, clocks and extensions, reply and follow-up, refusals.

use crate::helpers::{Session, TestApp, assert_error};
use chrono::{DateTime, Utc};
use qinqing_kernel::clock::ManualClock;
use qinqing_kernel::deadlines::run_due;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::sync::Arc;

/// 东园镇, the demo town with its own economic office.
pub(crate) const TOWN: &str = "350521101";

async fn org_id(app: &TestApp, name: &str) -> i64 {
    let admin = app.login("admin").await;
    let orgs: Value = admin
        .get("/api/v1/organisations")
        .await
        .json()
        .await
        .unwrap();
    orgs.as_array()
        .unwrap()
        .iter()
        .find(|o| o["name"] == name)
        .and_then(|o| o["id"].as_i64())
        .unwrap_or_else(|| panic!("no organisation {name}"))
}

/// Routes: finance to 财政局 with 东园镇's own office for its enterprises; permit to 财政局;
/// policy and labour to 工业和信息化局; nothing for "other".
pub(crate) async fn set_routes(app: &TestApp) {
    let (finance, industry) = (
        org_id(app, "财政局").await,
        org_id(app, "工业和信息化局").await,
    );
    let town_office = org_id(app, "东园镇经济发展办").await;
    let admin = app.login("admin").await;
    let routes = json!([
        { "category": "finance", "region_prefix": "", "org_id": finance },
        { "category": "finance", "region_prefix": "350521", "org_id": finance },
        { "category": "finance", "region_prefix": TOWN, "org_id": town_office },
        { "category": "permit", "org_id": finance },
        { "category": "policy", "org_id": industry },
        { "category": "labour", "org_id": industry },
    ]);
    let res = admin.put("/api/v1/admin/request-routes", &routes).await;
    assert_eq!(res.status(), StatusCode::OK);
    let stored: Value = res.json().await.unwrap();
    assert_eq!(stored.as_array().unwrap().len(), 6);
}

pub(crate) async fn spawn() -> TestApp {
    let app = TestApp::spawn().await;
    set_routes(&app).await;
    app
}

pub(crate) async fn submit(session: &Session, body: Value) -> Value {
    let res = session.post("/api/v1/requests", &body).await;
    assert_eq!(
        res.status(),
        StatusCode::CREATED,
        "{}",
        res.text().await.unwrap()
    );
    res.json().await.unwrap()
}

/// The demo enterprise's own request of `category`.
pub(crate) async fn own_request(app: &TestApp, category: &str) -> (Session, Value) {
    let enterprise = app.login("enterprise").await;
    let code = enterprise.first_enterprise();
    let body = json!({ "credit_code": code, "category": category, "description": "想了解研发费用补助怎么申请" });
    let request = submit(&enterprise, body).await;
    (enterprise, request)
}

pub(crate) fn path(request: &Value, step: &str) -> String {
    format!(
        "/api/v1/requests/{}{step}",
        request["receipt_no"].as_str().unwrap()
    )
}

pub(crate) async fn ok(res: reqwest::Response) -> Value {
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.unwrap()
}

#[tokio::test]
async fn the_most_specific_region_prefix_wins_and_the_empty_prefix_catches_the_rest() {
    let app = spawn().await;
    let enterprises = app.enterprises().await;
    let in_town = enterprises
        .iter()
        .find(|(_, r)| r.starts_with(TOWN))
        .unwrap();
    let elsewhere = enterprises
        .iter()
        .find(|(_, r)| !r.starts_with(TOWN))
        .unwrap();
    let hotline = app.login("handler").await;
    let register = |code: &str, ticket: &str| json!({ "credit_code": code, "category": "finance", "description": "流动资金贷款到期需要转贷", "channel": "12345", "source_ref": ticket });
    let a = submit(&hotline, register(&in_town.0, "12345-0001")).await;
    assert_eq!(a["owner_name"], "东园镇经济发展办");
    assert_eq!(a["channel"], "12345");
    assert_eq!(a["source_ref"], "12345-0001");
    assert!(a["receipt_no"].as_str().unwrap().starts_with("SQ"));
    let b = submit(&hotline, register(&elsewhere.0, "12345-0002")).await;
    assert_eq!(b["owner_name"], "财政局");
    // A ticket is registered once.
    let before = app.audit_count().await;
    assert_error(
        hotline
            .post("/api/v1/requests", &register(&elsewhere.0, "12345-0002"))
            .await,
        StatusCode::CONFLICT,
        "conflict",
        Some("source_ref"),
    )
    .await;
    assert_eq!(app.audit_count().await, before);

    // No rule at all for the category: refused, nothing stored.
    let before = app.audit_count().await;
    let none = json!({ "credit_code": in_town.0, "category": "other", "description": "其他问题" });
    assert_error(
        hotline.post("/api/v1/requests", &none).await,
        StatusCode::CONFLICT,
        "conflict",
        Some("category"),
    )
    .await;
    assert_eq!(app.audit_count().await, before);
}

#[tokio::test]
async fn routing_rules_are_the_administrators_and_are_checked() {
    let app = spawn().await;
    let admin = app.login("admin").await;
    let bank = org_id(&app, "中国农业银行泉州台商投资区支行").await;
    let bad = json!([
        { "category": "finance", "region_prefix": "35x", "org_id": bank },
        { "category": "nope", "org_id": bank },
    ]);
    let body = assert_error(
        admin.put("/api/v1/admin/request-routes", &bad).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("routes[0].region_prefix"),
    )
    .await;
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert!(fields.contains(&"routes[0].org_id") && fields.contains(&"routes[1].category"));
    let kept: Value = admin
        .get("/api/v1/admin/request-routes")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(kept.as_array().unwrap().len(), 6, "nothing changed");
    let lead = app.login("lead").await;
    assert_error(
        lead.put("/api/v1/admin/request-routes", &json!([])).await,
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    )
    .await;
}

#[tokio::test]
async fn an_enterprise_request_is_answered_and_closed_by_a_satisfied_follow_up() {
    let app = spawn().await;
    let enterprise = app.login("enterprise").await;
    let code = enterprise.first_enterprise();
    let body = json!({ "credit_code": code, "category": "policy", "description": "研发费用补助怎么申请?", "location": "东园镇工业区", "submit_key": "form-1" });
    let request = submit(&enterprise, body.clone()).await;
    assert_eq!(request["status"], "open");
    assert_eq!(request["channel"], "online");
    assert_eq!(request["owner_name"], "工业和信息化局");
    let submitted: DateTime<Utc> = request["submitted_at"].as_str().unwrap().parse().unwrap();
    let response_due: DateTime<Utc> = request["response_due_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(response_due - submitted, chrono::Duration::hours(24));
    assert!(request["resolution_due_at"].is_string());
    let again = submit(&enterprise, body).await;
    assert_eq!(
        again["receipt_no"], request["receipt_no"],
        "a retry is the same request"
    );

    let handler = app.login("handler").await;
    let accepted = ok(handler.post(&path(&request, "/accept"), &json!({})).await).await;
    assert_eq!(accepted["status"], "accepted");
    assert_error(
        handler
            .post(&path(&request, "/reply"), &json!({ "reply": " " }))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("reply"),
    )
    .await;
    let reply =
        json!({ "reply": "已电话说明:在平台“研发费用补助”页面按指引申报即可,材料只需研发台账。" });
    let replied = ok(handler.post(&path(&request, "/reply"), &reply).await).await;
    assert_eq!(replied["status"], "replied");
    let clocks: Value = handler
        .get(&format!(
            "/api/v1/deadlines?object_type=request&object_id={}",
            request["receipt_no"].as_str().unwrap()
        ))
        .await
        .json()
        .await
        .unwrap();
    assert!(
        clocks
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["state"] == "已办结"),
        "both clocks stop on the reply: {clocks}"
    );

    let done = json!({ "result": "satisfied", "comment": "解释清楚" });
    let closed = ok(enterprise.post(&path(&request, "/follow-up"), &done).await).await;
    assert_eq!(closed["status"], "closed");
    assert_eq!(closed["follow_up_result"], "satisfied");
    assert_error(
        enterprise.post(&path(&request, "/follow-up"), &done).await,
        StatusCode::CONFLICT,
        "conflict",
        None,
    )
    .await;
}

#[tokio::test]
async fn an_unsatisfied_follow_up_reopens_the_request_one_grade_up() {
    let app = spawn().await;
    let (enterprise, request) = own_request(&app, "labour").await;
    let handler = app.login("handler").await;
    let reply = json!({ "reply": "已转告人社局招聘会信息" });
    ok(handler.post(&path(&request, "/reply"), &reply).await).await;
    assert_error(
        enterprise
            .post(
                &path(&request, "/follow-up"),
                &json!({ "result": "unsatisfied" }),
            )
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("comment"),
    )
    .await;
    assert_error(
        enterprise
            .post(&path(&request, "/follow-up"), &json!({ "result": "meh" }))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("result"),
    )
    .await;
    let unhappy = json!({ "result": "unsatisfied", "comment": "招工问题没有解决" });
    let reopened = ok(enterprise
        .post(&path(&request, "/follow-up"), &unhappy)
        .await)
    .await;
    assert_eq!(reopened["status"], "reopened");
    assert_eq!(reopened["grade"], 2);
    let clocks: Value = handler
        .get(&format!(
            "/api/v1/deadlines?object_type=request&object_id={}",
            request["receipt_no"].as_str().unwrap()
        ))
        .await
        .json()
        .await
        .unwrap();
    let running: Vec<&Value> = clocks
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["state"] == "计时中")
        .collect();
    assert_eq!(running.len(), 1, "a new resolution clock: {clocks}");
    assert!(running[0]["label"].as_str().unwrap().contains("办结"));

    // The department records a phone follow-up of its second reply.
    let reply = json!({ "reply": "已对接两家劳务公司,下周到厂招聘" });
    ok(handler.post(&path(&request, "/reply"), &reply).await).await;
    let phone = json!({ "result": "basic", "comment": "电话回访:基本满意" });
    let closed = ok(handler.post(&path(&request, "/follow-up"), &phone).await).await;
    assert_eq!(closed["status"], "closed");
    assert_eq!(closed["grade"], 2);
}

#[tokio::test]
async fn the_owner_may_transfer_once_with_a_reason() {
    let app = spawn().await;
    let (enterprise, request) = own_request(&app, "permit").await;
    assert_eq!(request["owner_name"], "财政局");
    let industry = org_id(&app, "工业和信息化局").await;
    let finance = app.login("reviewer2").await;
    assert_error(
        finance
            .post(
                &path(&request, "/transfer"),
                &json!({ "org_id": industry, "reason": "" }),
            )
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("reason"),
    )
    .await;
    let handler = app.login("handler").await;
    let move_on = json!({ "org_id": industry, "reason": "属于工业项目审批" });
    assert_error(
        handler.post(&path(&request, "/transfer"), &move_on).await,
        StatusCode::NOT_FOUND,
        "not_found",
        None,
    )
    .await;
    let moved = ok(finance.post(&path(&request, "/transfer"), &move_on).await).await;
    assert_eq!(moved["owner_name"], "工业和信息化局");
    assert_eq!(moved["transferred"], true);
    assert_eq!(moved["transfer_reason"], "属于工业项目审批");
    // The first owner still sees it but no longer handles it.
    ok(finance.get(&path(&request, "")).await).await;
    assert_error(
        finance.post(&path(&request, "/accept"), &json!({})).await,
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    )
    .await;
    let finance_org = org_id(&app, "财政局").await;
    let back = json!({ "org_id": finance_org, "reason": "还是财政的事" });
    assert_error(
        handler.post(&path(&request, "/transfer"), &back).await,
        StatusCode::CONFLICT,
        "conflict",
        None,
    )
    .await;
    assert_error(
        enterprise.post(&path(&request, "/transfer"), &back).await,
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    )
    .await;
}

#[tokio::test]
async fn an_extension_needs_a_reason_and_the_leads_approval() {
    let app = spawn().await;
    let (_, request) = own_request(&app, "labour").await;
    let due_before: DateTime<Utc> = request["resolution_due_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let handler = app.login("handler").await;
    let ask = |days: i64, reason: &str| json!({ "days": days, "reason": reason });
    assert_error(
        handler
            .post(&path(&request, "/extension"), &ask(0, "需要协调"))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("days"),
    )
    .await;
    assert_error(
        handler
            .post(&path(&request, "/extension"), &ask(5, "  "))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("reason"),
    )
    .await;
    let lead = app.login("lead").await;
    assert_error(
        lead.post(&path(&request, "/extension/approve"), &json!({}))
            .await,
        StatusCode::CONFLICT,
        "conflict",
        None,
    )
    .await;
    let pending = ok(handler
        .post(&path(&request, "/extension"), &ask(5, "需要人社局共同研究"))
        .await)
    .await;
    assert_eq!(pending["extension_status"], "pending");
    assert_error(
        handler
            .post(&path(&request, "/extension/approve"), &json!({}))
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    )
    .await;
    let approved = ok(lead
        .post(&path(&request, "/extension/approve"), &json!({}))
        .await)
    .await;
    assert_eq!(approved["extension_status"], "approved");
    let due_after: DateTime<Utc> = approved["resolution_due_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        due_after - due_before >= chrono::Duration::days(5),
        "{due_before} → {due_after}"
    );
    assert_eq!(approved["response_due_at"], request["response_due_at"]);
}

#[tokio::test]
async fn the_24_hour_response_warning_fires_unless_the_request_is_signed_for() {
    let clock = Arc::new(ManualClock::new(Utc::now()));
    let app = TestApp::spawn_at(clock.clone()).await;
    set_routes(&app).await;
    let (_, late) = own_request(&app, "labour").await;
    let (_, signed) = own_request(&app, "labour").await;
    let handler = app.login("handler").await;
    ok(handler.post(&path(&signed, "/accept"), &json!({})).await).await;
    run_due(&app.app).await.unwrap();
    clock.advance(chrono::Duration::hours(25));
    run_due(&app.app).await.unwrap();
    // A day later the morning's session has expired.
    let handler = app.login("handler").await;
    let fired_on = |receipt: &Value| {
        let receipt = receipt["receipt_no"].as_str().unwrap().to_string();
        let handler = &handler;
        async move {
            let clocks: Value = handler
                .get(&format!(
                    "/api/v1/deadlines?object_type=request&object_id={receipt}"
                ))
                .await
                .json()
                .await
                .unwrap();
            let response = clocks
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["label"].as_str().unwrap().contains("响应"))
                .cloned()
                .unwrap();
            response["warnings"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|w| !w["fired_at"].is_null())
                .map(|w| w["grade"].as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        }
    };
    let late_grades = fired_on(&late).await;
    assert!(
        late_grades.contains(&"warning".to_string()),
        "{late_grades:?}"
    );
    assert!(fired_on(&signed).await.is_empty());
    let mine: Value = handler
        .get("/api/v1/warnings?per_page=200")
        .await
        .json()
        .await
        .unwrap();
    assert!(
        mine["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w["object_id"] == late["receipt_no"] && w["grade"] == "warning"),
        "the handler is told: {mine}"
    );
    let inbox: Value = handler.get("/api/v1/messages").await.json().await.unwrap();
    let page = format!("/requests/{}", late["receipt_no"].as_str().unwrap());
    assert!(
        inbox["items"].as_array().unwrap().iter().any(|m| {
            m["template"].as_str().unwrap().starts_with("deadline_") && m["link"] == page.as_str()
        }),
        "the warning's 站内信 links to the request: {inbox}"
    );
}

/// A handler of `org` the administrator adds, with its own password set.
pub(crate) async fn second_handler(app: &TestApp, org: &str) -> Session {
    let org = org_id(app, org).await;
    let admin = app.login("admin").await;
    let user = json!({ "username": "caizheng_handler", "display_name": "周经办", "org_id": org, "role": "handler", "password": "Start2026ok" });
    assert_eq!(
        admin.post("/api/v1/admin/users", &user).await.status(),
        StatusCode::CREATED
    );
    let first = app.login_with("caizheng_handler", "Start2026ok").await;
    let change = json!({ "current_password": "Start2026ok", "new_password": "Mine2026pass" });
    let res = first.post("/api/v1/auth/password", &change).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    app.login_with("caizheng_handler", "Mine2026pass").await
}

async fn warned_about(session: &Session) -> Vec<String> {
    let mine: Value = session
        .get("/api/v1/warnings?per_page=200")
        .await
        .json()
        .await
        .unwrap();
    mine["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["object_id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn warnings_reach_the_department_that_owns_the_request_and_follow_a_transfer() {
    let clock = Arc::new(ManualClock::new(Utc::now()));
    let app = TestApp::spawn_at(clock.clone()).await;
    set_routes(&app).await;
    let (_, labour) = own_request(&app, "labour").await;
    let (_, kept) = own_request(&app, "permit").await;
    let (_, moved) = own_request(&app, "permit").await;
    let industry = org_id(&app, "工业和信息化局").await;
    let finance = app.login("reviewer2").await;
    let move_on = json!({ "org_id": industry, "reason": "属于工业项目" });
    ok(finance.post(&path(&moved, "/transfer"), &move_on).await).await;
    clock.advance(chrono::Duration::hours(25));
    run_due(&app.app).await.unwrap();
    let receipt = |r: &Value| r["receipt_no"].as_str().unwrap().to_string();
    let industry_told = warned_about(&app.login("handler").await).await;
    let finance_told = warned_about(&second_handler(&app, "财政局").await).await;
    assert!(
        industry_told.contains(&receipt(&labour)),
        "{industry_told:?}"
    );
    assert!(
        industry_told.contains(&receipt(&moved)),
        "the new owner answers for the clock"
    );
    assert!(
        !industry_told.contains(&receipt(&kept)),
        "{industry_told:?}"
    );
    assert!(finance_told.contains(&receipt(&kept)), "{finance_told:?}");
    assert!(
        !finance_told.contains(&receipt(&labour)),
        "{finance_told:?}"
    );
    assert!(!finance_told.contains(&receipt(&moved)), "{finance_told:?}");
}

#[tokio::test]
async fn the_administrator_edits_the_routing_rules_on_a_page_row_by_row() {
    let app = spawn().await;
    let admin = app.login("admin").await;
    let page = admin.get("/admin/request-routes").await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("东园镇经济发展办"));
    let industry = org_id(&app, "工业和信息化局").await.to_string();
    let stored = || async {
        let rules: Value = ok(admin.get("/api/v1/admin/request-routes").await).await;
        rules.as_array().unwrap().len()
    };
    assert_eq!(stored().await, 6);
    // A town prefix with a letter in it: the row is marked and nothing changes.
    let rows = |prefix: &'static str| {
        let industry = industry.clone();
        move || {
            vec![
                ("category", "policy".to_string()),
                ("region_prefix", String::new()),
                ("org_id", industry.clone()),
                ("category", "finance".to_string()),
                ("region_prefix", prefix.to_string()),
                ("org_id", industry.clone()),
                ("category", String::new()),
                ("region_prefix", String::new()),
                ("org_id", "0".to_string()),
            ]
        }
    };
    let send = |fields: Vec<(&'static str, String)>| {
        let admin = &admin;
        async move {
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            post_page(admin, "/admin/request-routes", &fields).await
        }
    };
    let wrong = send(rows("35052x")()).await;
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.text().await.unwrap().contains("区域前缀应为区划代码"));
    assert_eq!(stored().await, 6, "nothing saved");
    let saved = send(rows("350521")()).await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        stored().await,
        2,
        "the blank row is left out, the others replace the rules"
    );
    let handler = app.login("handler").await;
    assert_eq!(
        handler.get("/admin/request-routes").await.status(),
        StatusCode::FORBIDDEN
    );
    let refused = post_page(&handler, "/admin/request-routes", &[("category", "policy")]).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert_eq!(stored().await, 2);
}

#[tokio::test]
async fn a_repeat_is_linked_to_the_open_original() {
    let app = spawn().await;
    let (_, first) = own_request(&app, "policy").await;
    let (_, repeat) = own_request(&app, "policy").await;
    let (_, other) = own_request(&app, "labour").await;
    let handler = app.login("handler").await;
    assert_error(
        handler
            .post(
                &path(&repeat, "/duplicate"),
                &json!({ "of": other["receipt_no"] }),
            )
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("of"),
    )
    .await;
    let linked = ok(handler
        .post(
            &path(&repeat, "/duplicate"),
            &json!({ "of": first["receipt_no"] }),
        )
        .await)
    .await;
    assert_eq!(linked["status"], "duplicate");
    assert_eq!(linked["duplicate_of"], first["receipt_no"]);
}

#[tokio::test]
async fn requests_are_refused_outside_role_and_scope() {
    let app = spawn().await;
    let (enterprise, own) = own_request(&app, "policy").await;
    let steward = app.login("steward").await;
    let other_code = steward.me["enterprises"][1].as_str().unwrap().to_string();
    // A steward registers for an enterprise it serves, recorded as such.
    let theirs = submit(
        &steward,
        json!({ "credit_code": other_code, "category": "policy", "description": "帮企业问政策" }),
    )
    .await;
    assert_eq!(theirs["channel"], "steward");
    // Another enterprise's request.
    assert_error(
        enterprise.get(&path(&theirs, "")).await,
        StatusCode::NOT_FOUND,
        "not_found",
        None,
    )
    .await;
    let listed: Value = enterprise
        .get("/api/v1/requests")
        .await
        .json()
        .await
        .unwrap();
    assert!(
        listed["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["receipt_no"] == own["receipt_no"])
    );
    // An enterprise neither files for another nor names a channel.
    let foreign = json!({ "credit_code": other_code, "category": "policy", "description": "x" });
    assert_error(
        enterprise.post("/api/v1/requests", &foreign).await,
        StatusCode::NOT_FOUND,
        "not_found",
        None,
    )
    .await;
    let code = enterprise.me["enterprises"][0].as_str().unwrap();
    let channel = json!({ "credit_code": code, "category": "policy", "description": "x", "channel": "12345" });
    assert_error(
        enterprise.post("/api/v1/requests", &channel).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("channel"),
    )
    .await;
    // Bank staff have nothing to do with requests.
    let bank = app.login("bank").await;
    assert_error(
        bank.get(&path(&own, "")).await,
        StatusCode::NOT_FOUND,
        "not_found",
        None,
    )
    .await;
    assert_error(
        bank.get("/api/v1/requests").await,
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    )
    .await;
    assert_error(
        bank.post("/api/v1/requests", &foreign).await,
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    )
    .await;
    // The enterprise does not handle its own request.
    assert_error(
        enterprise.post(&path(&own, "/accept"), &json!({})).await,
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    )
    .await;
    // A town sees its own enterprises' requests only.
    let enterprises = app.enterprises().await;
    let region_of = |code: &str| {
        enterprises
            .iter()
            .find(|(c, _)| c == code)
            .unwrap()
            .1
            .clone()
    };
    let town = app.login("town").await;
    for request in [&own, &theirs] {
        let res = town.get(&path(request, "")).await;
        let inside = region_of(request["credit_code"].as_str().unwrap()).starts_with(TOWN);
        let expected = if inside {
            StatusCode::OK
        } else {
            StatusCode::NOT_FOUND
        };
        assert_eq!(res.status(), expected);
    }
    let hotline = app.login("handler").await;
    let outside = enterprises
        .iter()
        .find(|(_, r)| !r.starts_with(TOWN))
        .unwrap();
    let filed = submit(
        &hotline,
        json!({ "credit_code": outside.0, "category": "finance", "description": "贷款", "channel": "hotline" }),
    )
    .await;
    assert_error(
        town.get(&path(&filed, "")).await,
        StatusCode::NOT_FOUND,
        "not_found",
        None,
    )
    .await;
    // The efficiency office watches every request of the district.
    let efficiency = app.login("efficiency").await;
    ok(efficiency.get(&path(&filed, "")).await).await;
    assert_error(
        efficiency.post(&path(&filed, "/accept"), &json!({})).await,
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    )
    .await;
}

#[tokio::test]
async fn the_demo_routes_every_category_and_plays_requests_into_every_state() {
    let app = TestApp::spawn().await;
    let admin = app.login("admin").await;
    let routes: Value = admin
        .get("/api/v1/admin/request-routes")
        .await
        .json()
        .await
        .unwrap();
    let categories: Value = admin
        .get("/api/v1/request-categories")
        .await
        .json()
        .await
        .unwrap();
    for c in categories.as_array().unwrap() {
        assert!(
            routes
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r["category"] == c["code"] && r["region_prefix"] == ""),
            "{} has a fallback",
            c["code"]
        );
    }
    qinqing_kernel::demo::load_history(&app.app).await.unwrap();
    let all: Value = admin
        .get("/api/v1/requests?per_page=200")
        .await
        .json()
        .await
        .unwrap();
    let statuses: Vec<&str> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    for status in ["open", "accepted", "replied", "closed", "reopened"] {
        assert!(statuses.contains(&status), "{status} in {statuses:?}");
    }
    assert_eq!(statuses.len(), 60, "60 requests");
    assert_eq!(all["total"], 60);
    let all = all["items"].as_array().unwrap();
    for channel in ["online", "hotline", "12345", "window", "rating"] {
        assert!(all.iter().any(|r| r["channel"] == channel), "{channel}");
    }
    for result in ["satisfied", "basic", "expired"] {
        assert!(
            all.iter().any(|r| r["follow_up_result"] == result),
            "{result}"
        );
    }
    let categories: std::collections::HashSet<&str> = all
        .iter()
        .map(|r| r["category"].as_str().unwrap())
        .collect();
    assert_eq!(categories.len(), 6, "every category");
    assert!(
        all.iter().any(|r| r["status"] == "open"
            && r["response_running"] == true
            && r["response_due_at"].as_str().unwrap() < Utc::now().to_rfc3339().as_str()),
        "a response overdue"
    );
    assert!(all.iter().any(|r| r["extension_status"] == "approved"));
}

pub(crate) async fn post_page(
    session: &Session,
    path: &str,
    form: &[(&str, &str)],
) -> reqwest::Response {
    let mut fields = vec![("_csrf", session.csrf.as_str())];
    fields.extend_from_slice(form);
    session
        .client
        .post(format!("{}{path}", session.base))
        .form(&fields)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_pages_take_a_request_from_the_phone_to_its_follow_up() {
    let app = spawn().await;
    let enterprise = app.login("enterprise").await;
    let code = enterprise.first_enterprise();
    let list = enterprise.get("/requests").await;
    assert_eq!(list.status(), StatusCode::OK);
    assert!(list.text().await.unwrap().contains("提交诉求"));
    let form = |description: &'static str| {
        vec![
            ("credit_code", code.clone()),
            ("category", "policy".to_string()),
            ("description", description.to_string()),
        ]
    };
    let send = |fields: Vec<(&'static str, String)>| {
        let enterprise = &enterprise;
        async move {
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            post_page(enterprise, "/requests", &fields).await
        }
    };
    let kept = send(form("  ")).await;
    assert_eq!(kept.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(kept.text().await.unwrap().contains("请描述遇到的问题"));
    let filed = send(form("厂房消防验收需要多久?")).await;
    assert_eq!(filed.status(), StatusCode::SEE_OTHER);
    let location = filed.headers()["location"].to_str().unwrap().to_string();
    assert!(location.starts_with("/requests/SQ"));

    let handler = app.login("handler").await;
    let page = handler.get(&location).await.text().await.unwrap();
    assert!(page.contains("厂房消防验收需要多久?") && page.contains("签收"));
    let empty = post_page(&handler, &format!("{location}/reply"), &[("reply", "")]).await;
    assert_eq!(empty.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        empty
            .text()
            .await
            .unwrap()
            .contains("请用通俗的话写明办理情况和结果")
    );
    // A transfer without a reason is refused under the transfer form, not the extension's
    // (both have a "reason" field), and the transfer form is the one shown open.
    let transfer = [("org_id", "1"), ("reason", "")];
    let refused = post_page(&handler, &format!("{location}/transfer"), &transfer).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = refused.text().await.unwrap();
    let transfer_form = &page[page.find("id=\"act-transfer\"").unwrap()..];
    let transfer_form = &transfer_form[..transfer_form.find("</details>").unwrap()];
    assert!(transfer_form.contains("请写明转办理由"), "{transfer_form}");
    assert!(
        transfer_form.starts_with("id=\"act-transfer\" open"),
        "{transfer_form}"
    );
    let extension_form = &page[page.find("id=\"act-extension\"").unwrap()..];
    let extension_form = &extension_form[..extension_form.find("</details>").unwrap()];
    assert!(!extension_form.contains("error-text"), "{extension_form}");
    let replied = post_page(
        &handler,
        &format!("{location}/reply"),
        &[("reply", "一般 5 个工作日")],
    )
    .await;
    // Each step answers with a redirect back to the page (a refresh sends nothing again).
    let saved = format!("{location}?done=saved");
    assert_eq!(replied.status(), StatusCode::SEE_OTHER);
    assert_eq!(replied.headers()["location"], saved.as_str());
    let shown = handler.get(&saved).await.text().await.unwrap();
    assert!(shown.contains("已保存") && shown.contains("已答复,待回访"));
    let closed = post_page(
        &enterprise,
        &format!("{location}/follow-up"),
        &[("result", "satisfied")],
    )
    .await;
    assert_eq!(closed.status(), StatusCode::SEE_OTHER);
    let shown = enterprise.get(&saved).await.text().await.unwrap();
    assert!(shown.contains("已办结"));

    let bank = app.login("bank").await;
    assert_eq!(bank.get(&location).await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_department_handling_a_request_reads_its_trail_and_outsiders_do_not() {
    let app = spawn().await;
    let (enterprise, request) = own_request(&app, "policy").await;
    let trail = format!("/trace/request/{}", request["receipt_no"].as_str().unwrap());
    let page = app.login("handler").await.get(&trail).await;
    assert_eq!(page.status(), StatusCode::OK, "the request page links here");
    assert!(page.text().await.unwrap().contains("工业和信息化局"));
    for outsider in ["town", "bank"] {
        let res = app.login(outsider).await.get(&trail).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{outsider}");
    }
    assert_eq!(
        enterprise.get(&trail).await.status(),
        StatusCode::FORBIDDEN,
        "the enterprise follows its request on the request's own page"
    );
}

#[tokio::test]
async fn the_list_narrows_to_a_status_and_refuses_one_that_does_not_exist() {
    let app = spawn().await;
    let (enterprise, request) = own_request(&app, "policy").await;
    let listed = |list: Value| {
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["receipt_no"] == request["receipt_no"])
    };
    let open = ok(enterprise.get("/api/v1/requests?status=open").await).await;
    assert!(listed(open));
    let closed = ok(enterprise.get("/api/v1/requests?status=closed").await).await;
    assert!(!listed(closed));
    assert_error(
        enterprise.get("/api/v1/requests?status=finished").await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("status"),
    )
    .await;
}
