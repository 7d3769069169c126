//! Notifications: the outbox (idempotent queuing, channel preferences), 站内信 over the API and in
//! the page header, the administrator's outbox, and SMS delivery through the webhook provider
//! (retries with back-off against a local gateway) and under concurrent delivery runs.

use crate::helpers::{Session, TestApp, assert_error};
use chrono::{DateTime, Duration, Utc};
use qinqing_kernel::notifications::{
    self, MAX_SMS_ATTEMPTS, NewMessage, Template, deliver_due, retry_delay,
};
use qinqing_kernel::sms::{SendFuture, SmsError, SmsProvider, WebhookProvider};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

const PHONE: &str = "13800138000";

/// Gives a demo account a phone number (accounts of the demo district have none); returns its id.
async fn give_phone(app: &TestApp, username: &str, phone: &str) -> i64 {
    let mut conn = app.app.db.conn().await.unwrap();
    sqlx::query("UPDATE app_user SET phone = $1 WHERE username = $2")
        .bind(phone)
        .bind(username)
        .execute(&mut *conn)
        .await
        .unwrap();
    user_id(app, username).await
}

/// A new staff account (no messages yet, past its first password change), logged in.
async fn fresh_user(app: &TestApp, username: &str, phone: Option<&str>) -> (i64, Session) {
    let admin = app.login("admin").await;
    let orgs = json_of(admin.get("/api/v1/organisations").await).await;
    let org = orgs
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["name"] == "财政局")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let new = json!({ "username": username, "display_name": "新同事", "phone": phone,
                      "org_id": org, "role": "reviewer_2", "password": "Start2026ok" });
    let res = admin.post("/api/v1/admin/users", &new).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let id = res.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let first = app.login_with(username, "Start2026ok").await;
    let change = json!({ "current_password": "Start2026ok", "new_password": "Mine2026abc" });
    let res = first.post("/api/v1/auth/password", &change).await;
    assert!(res.status().is_success());
    (id, app.login_with(username, "Mine2026abc").await)
}

/// Now, to the millisecond (the precision timestamps are stored with).
fn now_ms(app: &TestApp) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(app.app.now().timestamp_millis()).unwrap()
}

async fn user_id(app: &TestApp, username: &str) -> i64 {
    let mut conn = app.app.db.conn().await.unwrap();
    qinqing_kernel::store::users::find_by_username(&mut conn, username)
        .await
        .unwrap()
        .unwrap()
        .id
}

fn demand(user_id: i64, key: &str) -> NewMessage {
    NewMessage {
        recipient_user_id: user_id,
        template: Template::DEADLINE_DEMAND,
        params: json!({ "object": "企业 91350521MA2YTEST0X", "kind": "诉求响应", "due": "2026-10-10" }),
        idempotency_key: key.to_string(),
        link: Some("/enterprises/91350521MA2YTEST0X".into()),
    }
}

/// Queues a message in a transaction of its own, as a use case would inside its own.
async fn enqueue_at(app: &TestApp, message: NewMessage, now: DateTime<Utc>) -> usize {
    let mut tx = app.app.db.begin().await.unwrap();
    let queued = notifications::enqueue(&mut tx, message, now).await.unwrap();
    tx.commit().await.unwrap();
    queued
}

async fn enqueue(app: &TestApp, message: NewMessage) -> usize {
    enqueue_at(app, message, now_ms(app)).await
}

async fn put(session: &Session, path: &str, body: &Value) -> reqwest::Response {
    session
        .client
        .put(format!("{}{path}", session.base))
        .header("X-CSRF-Token", &session.csrf)
        .json(body)
        .send()
        .await
        .unwrap()
}

async fn json_of(res: reqwest::Response) -> Value {
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.unwrap()
}

/// The outbox rows of one user on one channel, newest first, as the administrator's API lists
/// them (whatever else the demo district queued).
async fn outbox_of(app: &TestApp, username: &str, channel: &str) -> Vec<Value> {
    let admin = app.login("admin").await;
    let list = json_of(
        admin
            .get(&format!(
                "/api/v1/admin/outbox?channel={channel}&per_page=200"
            ))
            .await,
    )
    .await;
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["recipient_username"] == username)
        .cloned()
        .collect()
}

fn at(v: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(v.as_str().unwrap())
        .unwrap()
        .with_timezone(&Utc)
}

#[tokio::test]
async fn the_same_event_queues_one_message_per_channel() {
    let app = TestApp::spawn().await;
    let (id, user) = fresh_user(&app, "xin.yi", Some(PHONE)).await;
    let now = now_ms(&app);

    let mut tx = app.app.db.begin().await.unwrap();
    let first = notifications::enqueue(&mut tx, demand(id, "deadline:7:demand"), now)
        .await
        .unwrap();
    // Again in the same transaction: silently nothing, and the transaction stays usable.
    let again = notifications::enqueue(&mut tx, demand(id, "deadline:7:demand"), now)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!((first, again), (2, 0), "site and SMS once each");
    assert_eq!(enqueue(&app, demand(id, "deadline:7:demand")).await, 0);

    // A message queued in a transaction that rolls back never existed.
    let mut tx = app.app.db.begin().await.unwrap();
    let n = notifications::enqueue(&mut tx, demand(id, "deadline:8:demand"), now)
        .await
        .unwrap();
    assert_eq!(n, 2);
    tx.rollback().await.unwrap();

    let inbox = json_of(user.get("/api/v1/messages").await).await;
    assert_eq!(inbox["unread"], 1);
    let items = inbox["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{inbox}");
    assert_eq!(items[0]["subject"], "催办通知");
    assert_eq!(items[0]["kind"], "催办");
    assert_eq!(
        items[0]["body"],
        "企业 91350521MA2YTEST0X的诉求响应已超过时限(2026-10-10)仍未办结,现予催办。请立即办理并说明原因。"
    );

    let sms = outbox_of(&app, "xin.yi", "sms").await;
    assert_eq!(sms.len(), 1, "{sms:?}");
    assert_eq!(sms[0]["state"], "pending");
    assert_eq!(sms[0]["address"], PHONE);
    assert_eq!(sms[0]["attempts"], 0);
    assert_eq!(at(&sms[0]["next_attempt_at"]), now);
    assert_eq!(sms[0]["idempotency_key"], "deadline:7:demand");
    assert!(
        sms[0]["body"]
            .as_str()
            .unwrap()
            .starts_with("【亲清家园】催办通知:企业 91350521MA2YTEST0X"),
        "{}",
        sms[0]["body"]
    );
    let site = outbox_of(&app, "xin.yi", "site").await;
    assert_eq!(site.len(), 1);
    assert_eq!(
        site[0]["state"], "sent",
        "site messages are delivered at once"
    );
    assert_eq!(at(&site[0]["sent_at"]), now);

    // No phone, no SMS.
    let (other, _) = fresh_user(&app, "xin.er", None).await;
    assert_eq!(
        enqueue(&app, demand(other, "deadline:7:demand:xin.er")).await,
        1
    );
    // Keys are unique per channel, whoever the recipient: an event that tells several users
    // names each user in its keys.
    assert_eq!(enqueue(&app, demand(other, "deadline:7:demand")).await, 0);
    // A blank key or an unknown recipient is an error the caller's transaction rolls back on.
    let mut tx = app.app.db.begin().await.unwrap();
    let blank = notifications::enqueue(&mut tx, demand(id, " "), now).await;
    assert!(blank.is_err());
    let nobody = notifications::enqueue(&mut tx, demand(999_999, "k"), now).await;
    assert!(nobody.is_err());
}

#[tokio::test]
async fn users_choose_their_channels_but_keep_the_site() {
    let app = TestApp::spawn().await;
    // The enterprise's own user chooses; the key names differ from whatever the demo queued.
    let id = give_phone(&app, "enterprise", PHONE).await;
    let firm = app.login("enterprise").await;
    let prefs = json_of(firm.get("/api/v1/messages/preferences").await).await;
    assert_eq!(prefs, json!({ "site": true, "sms": true, "phone": PHONE }));

    let audited = app.audit_count().await;
    let off = json!({ "sms": false });
    let prefs = json_of(put(&firm, "/api/v1/messages/preferences", &off).await).await;
    assert_eq!(prefs["sms"], false);
    assert_eq!(
        app.audit_count().await,
        audited + 1,
        "the change is audited"
    );
    let same = json!({ "sms": false, "site": true });
    let res = put(&firm, "/api/v1/messages/preferences", &same).await;
    assert_eq!(json_of(res).await["sms"], false);
    assert_eq!(app.audit_count().await, audited + 1, "no change, no entry");
    assert_eq!(enqueue(&app, demand(id, "prefs:a")).await, 1, "site only");
    let sms = outbox_of(&app, "enterprise", "sms").await;
    assert!(!sms.iter().any(|m| m["idempotency_key"] == "prefs:a"));

    let no_site = json!({ "site": false, "sms": true });
    let res = put(&firm, "/api/v1/messages/preferences", &no_site).await;
    assert_error(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("site"),
    )
    .await;
    let prefs = json_of(firm.get("/api/v1/messages/preferences").await).await;
    assert_eq!(prefs["sms"], false, "a refused change changes nothing");

    let on = json!({ "sms": true });
    json_of(put(&firm, "/api/v1/messages/preferences", &on).await).await;
    assert_eq!(
        enqueue(&app, demand(id, "prefs:b")).await,
        2,
        "site and SMS again"
    );

    // Staff choose too; without a phone they get no SMS whatever they choose.
    let (_, staff) = fresh_user(&app, "xin.san", None).await;
    let prefs = json_of(staff.get("/api/v1/messages/preferences").await).await;
    assert_eq!(prefs, json!({ "site": true, "sms": true, "phone": null }));
    let res = put(&staff, "/api/v1/messages/preferences", &off).await;
    assert_eq!(json_of(res).await["sms"], false);
    // The CSRF token is required.
    let res = staff
        .client
        .put(format!("{}/api/v1/messages/preferences", staff.base))
        .json(&on)
        .send()
        .await
        .unwrap();
    assert_error(res, StatusCode::FORBIDDEN, "csrf", None).await;
}

#[tokio::test]
async fn unread_counts_follow_reading_and_show_on_every_page() {
    let app = TestApp::spawn().await;
    let (id, user) = fresh_user(&app, "xin.si", None).await;
    let t0 = now_ms(&app);
    enqueue_at(&app, demand(id, "first"), t0).await;
    let reminder = NewMessage {
        template: Template::DEADLINE_REMINDER,
        ..demand(id, "second")
    };
    enqueue_at(&app, reminder, t0 + Duration::seconds(1)).await;

    let inbox = json_of(user.get("/api/v1/messages").await).await;
    assert_eq!(inbox["unread"], 2);
    let subjects: Vec<&str> = inbox["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["subject"].as_str().unwrap())
        .collect();
    assert_eq!(subjects, ["办理时限提醒", "催办通知"], "newest first");
    let newest = inbox["items"][0]["id"].as_i64().unwrap();
    let oldest = inbox["items"][1]["id"].as_i64().unwrap();

    let page = user.get("/workbench").await.text().await.unwrap();
    assert!(
        page.contains("站内信,2 条未读"),
        "the header shows the count"
    );

    let audited = app.audit_count().await;
    let read_oldest = format!("/api/v1/messages/{oldest}/read");
    let res = user.post(&read_oldest, &json!({})).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.audit_count().await, audited + 1, "reading is on record");
    let res = user.post(&read_oldest, &json!({})).await;
    assert_eq!(
        res.status(),
        StatusCode::NO_CONTENT,
        "reading twice is harmless"
    );
    assert_eq!(app.audit_count().await, audited + 1);
    let inbox = json_of(user.get("/api/v1/messages").await).await;
    assert_eq!(inbox["unread"], 1);
    assert!(inbox["items"][1]["read_at"].is_string());
    assert!(inbox["items"][0]["read_at"].is_null());
    let page = user.get("/tools").await.text().await.unwrap();
    assert!(page.contains("站内信,1 条未读"));

    // Someone else's message does not exist for the caller; nor does a made-up one.
    let (_, other) = fresh_user(&app, "xin.wu", None).await;
    let res = other
        .post(&format!("/api/v1/messages/{newest}/read"), &json!({}))
        .await;
    assert_error(res, StatusCode::NOT_FOUND, "not_found", None).await;
    let res = user.post("/api/v1/messages/999999/read", &json!({})).await;
    assert_error(res, StatusCode::NOT_FOUND, "not_found", None).await;
    let theirs = json_of(other.get("/api/v1/messages").await).await;
    assert_eq!(theirs, json!({ "unread": 0, "items": [] }));
    let page = other.get("/workbench").await.text().await.unwrap();
    assert!(page.contains("href=\"/messages\"") && !page.contains("条未读"));
    let anonymous = app.anonymous().get(app.url("/api/v1/messages")).send();
    let res = anonymous.await.unwrap();
    assert_error(res, StatusCode::UNAUTHORIZED, "unauthenticated", None).await;
    let res = user
        .client
        .post(format!("{}{read_oldest}", user.base))
        .send();
    assert_error(res.await.unwrap(), StatusCode::FORBIDDEN, "csrf", None).await;

    // The page marks read too, then shows the inbox with the count gone.
    let form = [("_csrf", user.csrf.as_str())];
    let res = user
        .client
        .post(format!("{}/messages/{newest}/read", user.base))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let page = user.get("/messages?done=read").await.text().await.unwrap();
    assert!(page.contains("没有未读消息") && page.contains("已标为已读"));
    assert!(!page.contains("条未读"));
}

#[tokio::test]
async fn only_the_admin_sees_the_outbox() {
    let app = TestApp::spawn().await;
    for user in ["enterprise", "handler", "lead", "discipline"] {
        let session = app.login(user).await;
        let res = session.get("/api/v1/admin/outbox").await;
        assert_error(res, StatusCode::FORBIDDEN, "forbidden", None).await;
        let res = session.get("/api/v1/admin/outbox?channel=fax").await;
        assert_error(res, StatusCode::FORBIDDEN, "forbidden", None).await;
        assert_eq!(
            session.get("/admin/outbox").await.status(),
            StatusCode::FORBIDDEN
        );
    }
    let admin = app.login("admin").await;
    let list = json_of(admin.get("/api/v1/admin/outbox").await).await;
    assert!(list["total"].is_i64() && list["items"].is_array());
    let res = admin.get("/api/v1/admin/outbox?channel=fax").await;
    assert_error(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("channel"),
    )
    .await;
    let res = admin.get("/api/v1/admin/outbox?state=lost").await;
    assert_error(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("state"),
    )
    .await;
    let page = admin.get("/admin/outbox").await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("消息记录"));
    // A page number far past the end (as a fuzzer types it) is an empty page, not a crash.
    let far = "page=223001813629136288";
    let list = json_of(admin.get(&format!("/api/v1/admin/outbox?{far}")).await).await;
    assert_eq!(list["items"].as_array().map(Vec::len), Some(0));
    assert!(list["total"].as_i64().unwrap() > 0);
    assert_eq!(
        admin.get(&format!("/admin/outbox?{far}")).await.status(),
        StatusCode::OK
    );
    let list = json_of(admin.get(&format!("/api/v1/enterprises?{far}")).await).await;
    assert_eq!(list["items"].as_array().map(Vec::len), Some(0));

    let doc = json_of(
        app.anonymous()
            .get(app.url("/api/v1/openapi.json"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    for path in [
        "/api/v1/messages",
        "/api/v1/messages/{id}/read",
        "/api/v1/messages/preferences",
        "/api/v1/admin/outbox",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} is documented");
    }
}

#[tokio::test]
async fn a_password_reset_tells_the_user_without_the_password() {
    let app = TestApp::spawn().await;
    let admin = app.login("admin").await;
    let orgs = json_of(admin.get("/api/v1/organisations").await).await;
    let org = orgs
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["name"] == "财政局")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let new = json!({ "username": "caiwu9", "display_name": "蔡务", "phone": PHONE, "org_id": org,
                      "role": "reviewer_2", "password": "Start2026ok" });
    let res = admin.post("/api/v1/admin/users", &new).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let id = res.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let res = admin
        .post(
            &format!("/api/v1/admin/users/{id}/reset-password"),
            &json!({ "password": "Reset2026zz" }),
        )
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);

    let site = outbox_of(&app, "caiwu9", "site").await;
    let sms = outbox_of(&app, "caiwu9", "sms").await;
    assert_eq!((site.len(), sms.len()), (1, 1));
    for m in [&site[0], &sms[0]] {
        assert_eq!(m["template"], "password_reset");
        let body = m["body"].as_str().unwrap();
        assert!(body.contains("由平台管理员重置"), "{body}");
        assert!(!body.contains("Reset2026zz"), "never the password");
    }
    // The user reads it once they have chosen a new password.
    let user = app.login_with("caiwu9", "Reset2026zz").await;
    let res = user.get("/api/v1/messages").await;
    assert_error(res, StatusCode::FORBIDDEN, "password_change_required", None).await;
    let res = user
        .post(
            "/api/v1/auth/password",
            &json!({ "current_password": "Reset2026zz", "new_password": "Mine2026abc" }),
        )
        .await;
    assert!(res.status().is_success(), "{}", res.text().await.unwrap());
    let user = app.login_with("caiwu9", "Mine2026abc").await;
    let inbox = json_of(user.get("/api/v1/messages").await).await;
    assert_eq!(inbox["unread"], 1);
    assert_eq!(inbox["items"][0]["subject"], "账户密码已重置");
}

/// A stand-in SMS gateway on 127.0.0.1: answers each request of a path with the next status of
/// that path's script (the last one repeats) and keeps what it was sent.
struct Gateway {
    url: String,
    received: Arc<Mutex<Vec<(String, Value)>>>,
}

async fn gateway(scripts: &[(&'static str, &'static [u16])]) -> Gateway {
    use axum::extract::{Json, State};
    use axum::http::{StatusCode as Status, Uri};
    type Shared = (
        Arc<Mutex<Vec<(String, Value)>>>,
        Arc<HashMap<&'static str, &'static [u16]>>,
    );
    async fn receive(
        State((received, scripts)): State<Shared>,
        uri: Uri,
        Json(body): Json<Value>,
    ) -> Status {
        let path = uri.path().to_string();
        let mut received = received.lock().unwrap();
        let seen = received.iter().filter(|(p, _)| *p == path).count();
        received.push((path.clone(), body));
        let script = scripts[path.as_str()];
        Status::from_u16(script[seen.min(script.len() - 1)]).unwrap()
    }
    let received = Arc::new(Mutex::new(Vec::new()));
    let scripts = Arc::new(scripts.iter().copied().collect::<HashMap<_, _>>());
    let router = axum::Router::new()
        .fallback(axum::routing::post(receive))
        .with_state((received.clone(), scripts));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await });
    Gateway { url, received }
}

impl Gateway {
    fn count(&self, path: &str) -> usize {
        self.received
            .lock()
            .unwrap()
            .iter()
            .filter(|(p, _)| p == path)
            .count()
    }
}

#[tokio::test]
async fn the_webhook_is_retried_with_back_off_until_it_takes_the_sms() {
    let app = TestApp::spawn().await;
    let (id, _) = fresh_user(&app, "xin.liu", Some(PHONE)).await;
    let gw = gateway(&[("/flaky", &[500, 503, 200])]).await;
    let provider = WebhookProvider::new(&format!("{}/flaky", gw.url)).unwrap();
    let t0 = now_ms(&app);
    assert_eq!(enqueue_at(&app, demand(id, "flaky"), t0).await, 2);

    assert_eq!(deliver_due(&app.app, &provider, t0).await.unwrap(), 0);
    let sms = &outbox_of(&app, "xin.liu", "sms").await[0];
    assert_eq!(
        (sms["state"].as_str(), sms["attempts"].as_i64()),
        (Some("pending"), Some(1))
    );
    assert_eq!(at(&sms["next_attempt_at"]), t0 + Duration::minutes(1));
    assert!(sms["last_error"].as_str().unwrap().contains("500"), "{sms}");

    // Not yet due: nothing is tried.
    let early = t0 + Duration::seconds(59);
    assert_eq!(deliver_due(&app.app, &provider, early).await.unwrap(), 0);
    assert_eq!(gw.count("/flaky"), 1);

    let t1 = t0 + Duration::minutes(1);
    assert_eq!(deliver_due(&app.app, &provider, t1).await.unwrap(), 0);
    let sms = &outbox_of(&app, "xin.liu", "sms").await[0];
    assert_eq!(sms["attempts"], 2);
    assert_eq!(
        at(&sms["next_attempt_at"]),
        t1 + Duration::minutes(2),
        "the wait doubles"
    );
    assert!(sms["last_error"].as_str().unwrap().contains("503"));

    let t2 = t1 + Duration::minutes(2);
    assert_eq!(deliver_due(&app.app, &provider, t2).await.unwrap(), 1);
    let sms = &outbox_of(&app, "xin.liu", "sms").await[0];
    assert_eq!(sms["state"], "sent");
    assert_eq!(sms["attempts"], 3);
    assert_eq!(sms["sent_via"], "webhook");
    assert_eq!(at(&sms["sent_at"]), t2);
    assert!(sms["last_error"].is_null() && sms["next_attempt_at"].is_null());

    // Delivered once: later runs leave it alone. The gateway got phone and text as JSON.
    assert_eq!(
        deliver_due(&app.app, &provider, t2 + Duration::days(1))
            .await
            .unwrap(),
        0
    );
    let received = gw.received.lock().unwrap().clone();
    assert_eq!(received.len(), 3);
    for (_, body) in &received {
        assert_eq!(body, &json!({ "phone": PHONE, "text": sms["body"] }));
    }
}

#[tokio::test]
async fn an_sms_the_gateway_never_takes_fails_after_the_last_attempt() {
    let app = TestApp::spawn().await;
    let (id, _) = fresh_user(&app, "xin.liu", Some(PHONE)).await;
    let gw = gateway(&[("/down", &[503]), ("/refuses", &[400])]).await;
    let down = WebhookProvider::new(&format!("{}/down", gw.url)).unwrap();
    let mut now = now_ms(&app);
    enqueue_at(&app, demand(id, "down"), now).await;

    let mut waits = Vec::new();
    for attempt in 1..=MAX_SMS_ATTEMPTS {
        assert_eq!(deliver_due(&app.app, &down, now).await.unwrap(), 0);
        let sms = &outbox_of(&app, "xin.liu", "sms").await[0];
        assert_eq!(sms["attempts"], attempt);
        if attempt < MAX_SMS_ATTEMPTS {
            assert_eq!(sms["state"], "pending");
            let next = at(&sms["next_attempt_at"]);
            waits.push((next - now).num_minutes());
            assert_eq!(next - now, retry_delay(attempt));
            now = next;
        } else {
            assert_eq!(sms["state"], "failed");
            assert!(sms["next_attempt_at"].is_null());
            assert!(sms["last_error"].as_str().unwrap().contains("503"));
        }
    }
    assert_eq!(waits, [1, 2, 4, 8, 16]);
    assert_eq!(
        deliver_due(&app.app, &down, now + Duration::days(1))
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        gw.count("/down"),
        MAX_SMS_ATTEMPTS as usize,
        "no attempt after the last"
    );

    // A request the gateway refuses outright (4xx) is not retried.
    let refuses = WebhookProvider::new(&format!("{}/refuses", gw.url)).unwrap();
    enqueue_at(&app, demand(id, "refused"), now).await;
    assert_eq!(deliver_due(&app.app, &refuses, now).await.unwrap(), 0);
    let sms = outbox_of(&app, "xin.liu", "sms").await;
    let refused = sms
        .iter()
        .find(|m| m["idempotency_key"] == "refused")
        .unwrap();
    assert_eq!(
        (refused["state"].as_str(), refused["attempts"].as_i64()),
        (Some("failed"), Some(1))
    );
    assert_eq!(gw.count("/refuses"), 1);

    // An unreachable gateway is a failure to retry, like a 5xx.
    let nowhere = WebhookProvider::new("http://127.0.0.1:9/sms").unwrap();
    enqueue_at(&app, demand(id, "nowhere"), now).await;
    assert_eq!(deliver_due(&app.app, &nowhere, now).await.unwrap(), 0);
    let sms = outbox_of(&app, "xin.liu", "sms").await;
    let nowhere = sms
        .iter()
        .find(|m| m["idempotency_key"] == "nowhere")
        .unwrap();
    assert_eq!(nowhere["state"], "pending");
    assert!(nowhere["last_error"].as_str().unwrap().contains("无法访问"));
}

/// Counts what it is asked to send; yields while "sending", so that concurrent runs interleave.
#[derive(Default)]
struct Counting(Mutex<HashMap<String, usize>>);

impl SmsProvider for Counting {
    fn name(&self) -> &'static str {
        "counting"
    }

    fn send<'a>(&'a self, _phone: &'a str, text: &'a str) -> SendFuture<'a> {
        Box::pin(async move {
            tokio::time::sleep(std::time::Duration::from_millis(3)).await;
            *self.0.lock().unwrap().entry(text.to_string()).or_default() += 1;
            Ok::<(), SmsError>(())
        })
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_delivery_runs_send_each_sms_once() {
    let app = TestApp::spawn().await;
    let (id, _) = fresh_user(&app, "xin.liu", Some(PHONE)).await;
    let now = now_ms(&app);
    const N: usize = 24;
    for i in 0..N {
        let message = NewMessage {
            params: json!({ "object": format!("事项 {i}") }),
            ..demand(id, &format!("concurrent:{i}"))
        };
        assert_eq!(enqueue_at(&app, message, now).await, 2);
    }
    let provider = Arc::new(Counting::default());
    let runs: Vec<_> = (0..4)
        .map(|_| {
            let (app, provider) = (app.app.clone(), provider.clone());
            tokio::spawn(async move { deliver_due(&app, provider.as_ref(), now).await.unwrap() })
        })
        .collect();
    let mut delivered = 0;
    for run in runs {
        delivered += run.await.unwrap();
    }
    assert_eq!(delivered, N, "the runs together delivered each SMS");
    let sent = provider.0.lock().unwrap().clone();
    assert_eq!(sent.len(), N);
    assert!(
        sent.values().all(|&n| n == 1),
        "each SMS sent once: {sent:?}"
    );
    let sms = outbox_of(&app, "xin.liu", "sms").await;
    assert_eq!(sms.len(), N);
    assert!(
        sms.iter()
            .all(|m| m["state"] == "sent" && m["attempts"] == 1 && m["sent_via"] == "counting")
    );
}
