//! Subscriptions and pushes (可订阅、精准推送): a published policy tells the enterprises it finds
//! eligible and those subscribed to its topic, department or level — once, whatever new version
//! is published later; a profile change that makes an enterprise eligible tells it once; staff
//! push a policy of their department to a filtered set within their scope; the push log shows
//! who was told what, how and when.

use crate::helpers::{Session, TestApp, assert_error};
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};

/// The towns of the demo district.
const TOWNS: [&str; 4] = ["350521100", "350521101", "350521102", "350521200"];

async fn expect(res: Response, status: StatusCode) -> Value {
    let got = res.status();
    let text = res.text().await.unwrap();
    assert_eq!(got, status, "{text}");
    if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    }
}

async fn ok(res: Response) -> Value {
    expect(res, StatusCode::OK).await
}

fn own_code(firm: &Session) -> String {
    firm.first_enterprise()
}

/// A definition with a fixed reward, the given topics and conditions (TOML inline tables).
fn definition(id: &str, topics: &str, conditions: &str, fixed: &str) -> String {
    format!(
        r#"id = "{id}"
title = "推送测试政策 {id}"
department = "区工业和信息化局"
level = "district"
topics = [{topics}]
entity = "enterprise"
mode = "apply"
effective = {{ from = 2000-01-01 }}

[conditions]
all = [ {conditions} ]

[reward]
fixed = "{fixed}"
"#
    )
}

fn under(region: &str) -> String {
    format!(r#"{{ attr = "region", under = ["{region}"] }}"#)
}

fn policy_input(definition: &str) -> Value {
    json!({
        "definition": definition,
        "document_text": "对符合条件的企业给予一次性奖励。",
        "guide": { "who": "本区企业", "conditions": "见政策原文", "materials": [],
                   "deadline": "每年 6 月 30 日前", "contact": "区工业和信息化局", "pledges": [] },
    })
}

async fn publish(lead: &Session, id: &str) {
    ok(lead
        .post(
            &format!("/api/v1/policies/{id}/lifecycle"),
            &json!({ "action": "publish" }),
        )
        .await)
    .await;
}

/// The handler writes the policy, the lead submits and publishes it.
async fn publish_policy(app: &TestApp, definition: &str) -> String {
    let handler = app.login("handler").await;
    let created = expect(
        handler
            .post("/api/v1/policies", &policy_input(definition))
            .await,
        StatusCode::CREATED,
    )
    .await;
    let id = created["id"].as_str().unwrap().to_string();
    let lead = app.login("lead").await;
    ok(lead
        .post(
            &format!("/api/v1/policies/{id}/lifecycle"),
            &json!({ "action": "submit_for_review" }),
        )
        .await)
    .await;
    publish(&lead, &id).await;
    id
}

async fn pushes_of(session: &Session, id: &str) -> Vec<Value> {
    let log = ok(session
        .get(&format!("/api/v1/policies/{id}/pushes?per_page=200"))
        .await)
    .await;
    let items = log["items"].as_array().unwrap().clone();
    assert_eq!(log["total"], items.len(), "one page holds the whole log");
    items
}

/// The site messages of a policy push the session's user holds about the policy `title`.
async fn pushed_messages(user: &Session, title: &str) -> Vec<Value> {
    let inbox = ok(user.get("/api/v1/messages").await).await;
    inbox["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["template"] == "policy_pushed" && m["body"].as_str().unwrap().contains(title))
        .cloned()
        .collect()
}

/// SMS queued for `username` that mention `title`.
async fn pushed_sms(app: &TestApp, username: &str, title: &str) -> usize {
    let admin = app.login("admin").await;
    let list = ok(admin
        .get("/api/v1/admin/outbox?channel=sms&per_page=200")
        .await)
    .await;
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| {
            m["recipient_username"] == username
                && m["template"] == "policy_pushed"
                && m["body"].as_str().unwrap_or_default().contains(title)
        })
        .count()
}

/// Demo accounts have no phone; SMS need one.
async fn give_phone(app: &TestApp, username: &str, phone: &str) {
    let mut conn = app.app.db.conn().await.unwrap();
    sqlx::query("UPDATE app_user SET phone = $1 WHERE username = $2")
        .bind(phone)
        .bind(username)
        .execute(&mut *conn)
        .await
        .unwrap();
}

/// The region code of the demo enterprise and a town it is not in.
async fn own_region_and_other_town(app: &TestApp, code: &str) -> (String, &'static str) {
    let region = app
        .enterprises()
        .await
        .into_iter()
        .find(|(c, _)| c == code)
        .unwrap()
        .1;
    let other = TOWNS.iter().find(|t| !region.starts_with(*t)).unwrap();
    (region, other)
}

#[tokio::test]
async fn publishing_tells_every_eligible_enterprise_once() {
    let app = TestApp::spawn().await;
    give_phone(&app, "enterprise", "13800138000").await;
    let firm = app.login("enterprise").await;
    let id = publish_policy(
        &app,
        &definition("push-all", r#""测试""#, &under("350521"), "10000"),
    )
    .await;
    let title = "推送测试政策 push-all";

    let lead = app.login("lead").await;
    let log = pushes_of(&lead, &id).await;
    let enterprises = app.enterprises().await;
    assert_eq!(
        log.len(),
        enterprises.len(),
        "every enterprise of the district"
    );
    for p in &log {
        assert_eq!(p["channel"], "machine");
        assert_eq!(p["channel_label"], "精准匹配");
        assert_eq!(p["amount"], "10000.00");
        assert_eq!(p["policy_version"], 1);
        assert!(p["pushed_by"].is_null());
    }
    let messages = pushed_messages(&firm, title).await;
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert_eq!(messages[0]["kind"], "政策推送");
    let body = messages[0]["body"].as_str().unwrap();
    assert!(body.contains("¥10,000.00"), "{body}");
    assert_eq!(pushed_sms(&app, "enterprise", title).await, 1, "and by SMS");

    // A new version, published, tells nobody again.
    let handler = app.login("handler").await;
    let edited = definition("push-all", r#""测试""#, &under("350521"), "20000");
    ok(handler
        .put(&format!("/api/v1/policies/{id}"), &policy_input(&edited))
        .await)
    .await;
    publish(&lead, &id).await;
    let view = ok(lead.get(&format!("/api/v1/policies/{id}")).await).await;
    assert_eq!(view["published_version"], 2);
    assert_eq!(pushes_of(&lead, &id).await.len(), log.len());
    assert_eq!(pushed_messages(&firm, title).await.len(), 1);
    assert_eq!(pushed_sms(&app, "enterprise", title).await, 1);

    // The enterprise sees what it was told.
    let code = own_code(&firm);
    let mine = ok(firm
        .get(&format!("/api/v1/enterprises/{code}/pushes"))
        .await)
    .await;
    let mine: Vec<&Value> = mine
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["policy_id"] == id.as_str())
        .collect();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0]["credit_code"], code.as_str());
    assert_eq!(mine[0]["amount"], "10000.00");
}

#[tokio::test]
async fn subscriptions_are_the_enterprises_own_and_bring_matching_policies() {
    let app = TestApp::spawn().await;
    let firm = app.login("enterprise").await;
    let code = own_code(&firm);
    let path = format!("/api/v1/enterprises/{code}/subscriptions");
    let initial = ok(firm.get(&path).await).await;
    assert_eq!(initial["subscriptions"], json!([]));

    // Mistakes are named, and change nothing.
    let bad = json!({ "subscriptions": [
        { "kind": "topic", "value": "数字经济" },
        { "kind": "colour", "value": "红" },
        { "kind": "level", "value": "galactic" },
        { "kind": "department", "value": "999999" },
    ]});
    let body = assert_error(
        firm.put(&path, &bad).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        None,
    )
    .await;
    let text = body.to_string();
    for field in ["subscriptions[1]", "subscriptions[2]", "subscriptions[3]"] {
        assert!(text.contains(field), "{text}");
    }
    assert_eq!(ok(firm.get(&path).await).await["subscriptions"], json!([]));

    // Staff and other enterprises do not manage them.
    let handler = app.login("handler").await;
    let topic = json!({ "subscriptions": [{ "kind": "topic", "value": "数字经济" }] });
    expect(handler.put(&path, &topic).await, StatusCode::FORBIDDEN).await;
    expect(handler.get(&path).await, StatusCode::FORBIDDEN).await;

    let audited = app.audit_count().await;
    let set = ok(firm.put(&path, &topic).await).await;
    assert_eq!(set["subscriptions"][0]["kind"], "topic");
    assert_eq!(set["subscriptions"][0]["kind_label"], "主题");
    assert_eq!(set["subscriptions"][0]["value"], "数字经济");
    assert_eq!(
        app.audit_count().await,
        audited + 1,
        "the change is audited"
    );
    ok(firm.put(&path, &topic).await).await;
    assert_eq!(app.audit_count().await, audited + 1, "no change, no entry");

    // A policy on the topic the enterprise is not eligible for still reaches it, once.
    let (_, other_town) = own_region_and_other_town(&app, &code).await;
    let id = publish_policy(
        &app,
        &definition(
            "push-topic",
            r#""数字经济", "技改""#,
            &under(other_town),
            "5000",
        ),
    )
    .await;
    let lead = app.login("lead").await;
    let log = pushes_of(&lead, &id).await;
    let ours: Vec<&Value> = log
        .iter()
        .filter(|p| p["credit_code"] == code.as_str())
        .collect();
    assert_eq!(ours.len(), 1, "{log:?}");
    assert_eq!(ours[0]["channel"], "subscription");
    assert!(ours[0]["amount"].is_null(), "not eligible: no amount");
    assert!(
        log.iter()
            .filter(|p| p["channel"] == "machine")
            .all(|p| p["amount"] == "5000.00")
    );
    let messages = pushed_messages(&firm, "推送测试政策 push-topic").await;
    assert_eq!(messages.len(), 1);
    let body = messages[0]["body"].as_str().unwrap();
    assert!(body.contains("订阅"), "{body}");
    assert!(!body.contains('¥'), "{body}");

    // Subscribing to the department (and a level) replaces the topic.
    let department =
        ok(lead.get(&format!("/api/v1/policies/{id}")).await).await["department_org_id"]
            .as_i64()
            .unwrap();
    let both = json!({ "subscriptions": [
        { "kind": "department", "value": department.to_string() },
        { "kind": "level", "value": "national" },
    ]});
    let set = ok(firm.put(&path, &both).await).await;
    let subs = set["subscriptions"].as_array().unwrap();
    assert_eq!(subs.len(), 2);
    assert_eq!(subs[0]["kind"], "department");
    assert_eq!(subs[0]["value_label"], "工业和信息化局");
    assert_eq!(subs[1]["value_label"], "国家级");
    let id2 = publish_policy(
        &app,
        &definition("push-dept", r#""其他""#, &under(other_town), "5000"),
    )
    .await;
    let log = pushes_of(&lead, &id2).await;
    let ours: Vec<&Value> = log
        .iter()
        .filter(|p| p["credit_code"] == code.as_str())
        .collect();
    assert_eq!(ours.len(), 1);
    assert_eq!(ours[0]["channel"], "subscription");

    // Unsubscribed: the next policy of the topic passes it by.
    ok(firm.put(&path, &json!({ "subscriptions": [] })).await).await;
    let id3 = publish_policy(
        &app,
        &definition("push-topic-2", r#""数字经济""#, &under(other_town), "5000"),
    )
    .await;
    let log = pushes_of(&lead, &id3).await;
    assert!(log.iter().all(|p| p["credit_code"] != code.as_str()));
    assert!(
        pushed_messages(&firm, "推送测试政策 push-topic-2")
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn a_profile_change_that_makes_the_enterprise_eligible_tells_it_once() {
    let app = TestApp::spawn().await;
    let firm = app.login("enterprise").await;
    let code = own_code(&firm);
    let condition = r#"{ attr = "tax_paid", min = "900000000" }"#;
    let id = publish_policy(
        &app,
        &definition("push-tax", r#""纳税""#, condition, "30000"),
    )
    .await;
    let title = "推送测试政策 push-tax";
    let lead = app.login("lead").await;
    assert!(
        pushes_of(&lead, &id)
            .await
            .iter()
            .all(|p| p["credit_code"] != code.as_str()),
        "not eligible at publication"
    );
    assert!(pushed_messages(&firm, title).await.is_empty());

    let path = format!("/api/v1/enterprises/{code}");
    let year = ok(firm.get(&format!("{path}/entitlements")).await).await["year"]
        .as_i64()
        .unwrap();
    let tax = |v: &str| json!({ "figures": [{ "year": year, "field": "tax_paid", "value": v }] });
    ok(firm.patch(&path, &tax("950000000")).await).await;
    let log = pushes_of(&lead, &id).await;
    let ours: Vec<&Value> = log
        .iter()
        .filter(|p| p["credit_code"] == code.as_str())
        .collect();
    assert_eq!(ours.len(), 1, "{log:?}");
    assert_eq!(ours[0]["channel"], "machine");
    assert_eq!(ours[0]["amount"], "30000.00");
    let messages = pushed_messages(&firm, title).await;
    assert_eq!(messages.len(), 1);
    assert!(messages[0]["body"].as_str().unwrap().contains("¥30,000.00"));

    // Further changes, even back and forth, do not tell it again.
    ok(firm.patch(&path, &tax("100")).await).await;
    ok(firm.patch(&path, &tax("960000000")).await).await;
    assert_eq!(pushes_of(&lead, &id).await.len(), log.len());
    assert_eq!(pushed_messages(&firm, title).await.len(), 1);
}

#[tokio::test]
async fn staff_push_a_policy_of_their_department_within_their_scope() {
    let app = TestApp::spawn().await;
    let firm = app.login("enterprise").await;
    let code = own_code(&firm);
    let (region, other_town) = own_region_and_other_town(&app, &code).await;
    let own_town = TOWNS.iter().find(|t| region.starts_with(*t)).unwrap();
    // Eligible are the enterprises of another town; the demo enterprise's town is pushed.
    let id = publish_policy(
        &app,
        &definition("push-staff", r#""测试""#, &under(other_town), "8000"),
    )
    .await;
    let lead = app.login("lead").await;
    let machine = pushes_of(&lead, &id).await.len();
    let path = format!("/api/v1/policies/{id}/push");
    let town_filter = json!({ "region": own_town });

    // Who may push: the department's handler and lead, nobody else.
    for username in ["town", "reviewer1", "enterprise", "steward", "efficiency"] {
        let session = app.login(username).await;
        assert_error(
            session.post(&path, &town_filter).await,
            StatusCode::FORBIDDEN,
            "forbidden",
            None,
        )
        .await;
    }
    let handler = app.login("handler").await;
    assert_error(
        handler.post(&path, &json!({})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("region"),
    )
    .await;
    assert_error(
        handler.post(&path, &json!({ "region": "35x" })).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("region"),
    )
    .await;

    let in_town = app
        .enterprises()
        .await
        .iter()
        .filter(|(_, r)| r.starts_with(own_town))
        .count();
    let audited = app.audit_count().await;
    let report = ok(handler.post(&path, &town_filter).await).await;
    assert_eq!(report["matched"], in_town);
    assert_eq!(report["pushed"], in_town);
    assert_eq!(report["already_pushed"], 0);
    assert_eq!(report["eligible"], 0);
    assert_eq!(app.audit_count().await, audited + 1, "the push is audited");
    let log = pushes_of(&lead, &id).await;
    assert_eq!(log.len(), machine + in_town);
    let ours = log
        .iter()
        .find(|p| p["credit_code"] == code.as_str())
        .unwrap();
    assert_eq!(ours["channel"], "staff");
    assert_eq!(ours["channel_label"], "部门推送");
    assert_eq!(ours["pushed_by"], "林经办");
    let messages = pushed_messages(&firm, "推送测试政策 push-staff").await;
    assert_eq!(messages.len(), 1);
    assert!(
        messages[0]["body"]
            .as_str()
            .unwrap()
            .contains("工业和信息化局")
    );

    // Pushed again (by the lead, over the whole district): only the rest are told.
    let report = ok(lead.post(&path, &json!({ "region": "350521" })).await).await;
    let all = app.enterprises().await.len();
    assert_eq!(report["matched"], all);
    assert_eq!(report["already_pushed"], machine + in_town);
    assert_eq!(report["pushed"], all - machine - in_town);
    assert_eq!(
        pushed_messages(&firm, "推送测试政策 push-staff")
            .await
            .len(),
        1
    );

    // The scope applies: an enterprise outside the district is beyond the handler's reach.
    let outside = insert_outside_enterprise(&app).await;
    let report = ok(handler.post(&path, &json!({ "region": "350502" })).await).await;
    assert_eq!(report["matched"], 0);
    let admin = app.login("admin").await;
    let report = ok(admin.post(&path, &json!({ "region": "350502" })).await).await;
    assert_eq!(report["matched"], 1);
    assert_eq!(report["pushed"], 1);
    assert!(
        pushes_of(&lead, &id)
            .await
            .iter()
            .any(|p| p["credit_code"] == outside.as_str() && p["pushed_by"] == "平台管理员")
    );

    // Industry filter: by prefix.
    let id2 = publish_policy(
        &app,
        &definition("push-industry", r#""测试""#, &under(other_town), "8000"),
    )
    .await;
    let report = ok(handler
        .post(
            &format!("/api/v1/policies/{id2}/push"),
            &json!({ "industry": "Z" }),
        )
        .await)
    .await;
    assert_eq!(report["matched"], 0, "no industry code starts with Z");

    // A draft is not pushed.
    let created = expect(
        handler
            .post(
                "/api/v1/policies",
                &policy_input(&definition(
                    "push-draft",
                    r#""测试""#,
                    &under("350521"),
                    "1",
                )),
            )
            .await,
        StatusCode::CREATED,
    )
    .await;
    let draft = created["id"].as_str().unwrap();
    assert_error(
        handler
            .post(&format!("/api/v1/policies/{draft}/push"), &town_filter)
            .await,
        StatusCode::CONFLICT,
        "conflict",
        None,
    )
    .await;
}

/// An enterprise registered outside the demo district (as if imported for another zone).
async fn insert_outside_enterprise(app: &TestApp) -> String {
    use qinqing_domain::enterprise::{CreditStatus, EnterpriseIdentity, Ownership};
    let code = crate::helpers::credit_code("91350502MA2Y8K3L7");
    let identity = EnterpriseIdentity {
        credit_code: qinqing_domain::CreditCode::parse(&code).unwrap(),
        name: "区外推送测试有限公司".into(),
        legal_representative: None,
        industry_code: qinqing_domain::IndustryCode::parse("C3911").unwrap(),
        region_code: qinqing_domain::DivisionCode::parse("350502").unwrap(),
        ownership: Ownership::Private,
        established_on: None,
        credit_status: CreditStatus::Good,
    };
    let mut conn = app.app.db.conn().await.unwrap();
    qinqing_kernel::store::enterprises::insert(&mut conn, &identity, None, app.app.now())
        .await
        .unwrap();
    code
}

#[tokio::test]
async fn the_push_log_is_for_the_department_the_supervisors_and_the_enterprise() {
    let app = TestApp::spawn().await;
    let id = publish_policy(
        &app,
        &definition("push-log", r#""测试""#, &under("350521"), "100"),
    )
    .await;
    let all = app.enterprises().await.len();
    for username in [
        "lead",
        "handler",
        "reviewer1",
        "efficiency",
        "discipline",
        "admin",
    ] {
        let session = app.login(username).await;
        assert_eq!(pushes_of(&session, &id).await.len(), all, "{username}");
    }
    for username in ["town", "reviewer2", "enterprise", "steward", "bank"] {
        let session = app.login(username).await;
        let res = session.get(&format!("/api/v1/policies/{id}/pushes")).await;
        assert_error(res, StatusCode::FORBIDDEN, "forbidden", None).await;
    }
    let anonymous = app
        .anonymous()
        .get(app.url(&format!("/api/v1/policies/{id}/pushes")))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);

    // An enterprise's own log: for itself (and its steward), not for staff or other firms.
    let firm = app.login("enterprise").await;
    let code = own_code(&firm);
    let path = format!("/api/v1/enterprises/{code}/pushes");
    let mine = ok(firm.get(&path).await).await;
    assert!(
        mine.as_array()
            .unwrap()
            .iter()
            .all(|p| p["credit_code"] == code.as_str())
    );
    assert!(
        mine.as_array()
            .unwrap()
            .iter()
            .any(|p| p["policy_id"] == id.as_str())
    );
    let handler = app.login("handler").await;
    assert_error(
        handler.get(&path).await,
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    )
    .await;
    let steward = app.login("steward").await;
    let theirs = steward.me["enterprises"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_string())
        .find(|c| *c != code);
    if let Some(other) = theirs {
        ok(steward
            .get(&format!("/api/v1/enterprises/{other}/pushes"))
            .await)
        .await;
        let res = firm
            .get(&format!("/api/v1/enterprises/{other}/pushes"))
            .await;
        assert_error(res, StatusCode::NOT_FOUND, "not_found", None).await;
    }
}

#[tokio::test]
async fn the_pages_carry_the_subscription_form_and_the_push_log() {
    let app = TestApp::spawn().await;
    let firm = app.login("enterprise").await;
    let code = own_code(&firm);
    let page = |s: &Session, path: String| {
        let client = s.client.clone();
        let url = app.url(&path);
        async move { client.get(url).send().await.unwrap().text().await.unwrap() }
    };
    let html = page(&firm, format!("/enterprises/{code}/entitlements")).await;
    assert!(html.contains("id=\"subscriptions\""), "{html}");
    let res = firm
        .client
        .post(app.url(&format!("/enterprises/{code}/subscriptions")))
        .form(&[
            ("_csrf", firm.csrf.as_str()),
            ("op", "add"),
            ("kind", "topic"),
            ("value", "技改"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let subs = ok(firm
        .get(&format!("/api/v1/enterprises/{code}/subscriptions"))
        .await)
    .await;
    assert_eq!(subs["subscriptions"][0]["value"], "技改");
    let html = page(&firm, format!("/enterprises/{code}/entitlements")).await;
    assert!(html.contains("主题:技改"), "{html}");

    let id = publish_policy(
        &app,
        &definition("push-page", r#""测试""#, &under("350521"), "100"),
    )
    .await;
    let lead = app.login("lead").await;
    let html = page(&lead, format!("/policies/{id}")).await;
    assert!(html.contains("id=\"pushes\""));
    assert!(html.contains("action=\"/policies/push-page/push\""));
    assert!(html.contains("精准匹配"));
    let res = lead
        .client
        .post(app.url(&format!("/policies/{id}/push")))
        .form(&[("_csrf", lead.csrf.as_str()), ("region", "350521")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    // The log is shown twenty at a time, newest first, with links to the other pages.
    let pushed = pushes_of(&lead, &id).await.len();
    assert!(
        pushed > 20,
        "the district's enterprises fill more than a page: {pushed}"
    );
    let html = page(&lead, format!("/policies/{id}")).await;
    assert!(
        html.contains(&format!("推送记录({pushed},最新在前)")),
        "{html}"
    );
    let rows = |html: &str| html.matches("<td class=\"title\">").count();
    assert_eq!(rows(&html), 20);
    assert!(html.contains(&format!("href=\"/policies/{id}?page=2#pushes\"")));
    let second = page(&lead, format!("/policies/{id}?page=2")).await;
    assert_eq!(rows(&second), pushed.min(40) - 20);
    let mistyped = page(&lead, format!("/policies/{id}?page=abc")).await;
    assert_eq!(rows(&mistyped), 20, "a mistyped page shows the first");
    // Nobody else sees the log on the page.
    let html = page(&firm, format!("/policies/{id}")).await;
    assert!(!html.contains("id=\"pushes\""));
    let reviewer = app.login("reviewer1").await;
    let html = page(&reviewer, format!("/policies/{id}")).await;
    assert!(
        html.contains("id=\"pushes\""),
        "staff of the department read it"
    );
    assert!(!html.contains("/push\""), "but do not push");
}
