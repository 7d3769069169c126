//! 亲清管家 and 亲情代办: the administrator assigns and unassigns stewards (one by one and by
//! file, all or nothing); an enterprise authorises a steward or a colleague on chosen matters
//! until a date and revokes it; acting under a revoked, expired, too narrow or another
//! enterprise's authorisation is refused; the trail says who acted for whom.

use crate::helpers::{TestApp, assert_error, enterprise_user_of};
use chrono::{Duration, Utc};
use qinqing_kernel::clock::ManualClock;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::sync::Arc;

async fn steward_id(app: &TestApp) -> i64 {
    let admin = app.login("admin").await;
    let users: Vec<Value> = admin.get("/api/v1/admin/users").await.json().await.unwrap();
    users
        .iter()
        .find(|u| u["username"] == "steward")
        .and_then(|u| u["id"].as_i64())
        .unwrap()
}

async fn assignments(app: &TestApp) -> Vec<(i64, String)> {
    let admin = app.login("admin").await;
    let list: Vec<Value> = admin
        .get("/api/v1/admin/stewards")
        .await
        .json()
        .await
        .unwrap();
    list.iter()
        .map(|a| {
            (
                a["steward_id"].as_i64().unwrap(),
                a["credit_code"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

async fn actions_on(app: &TestApp, code: &str) -> Vec<String> {
    let mut conn = app.app.db.conn().await.unwrap();
    qinqing_kernel::store::audit::for_object(&mut conn, "enterprise", code)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.record.action)
        .collect()
}

/// An enterprise the demo steward does not serve.
async fn unserved(app: &TestApp, served: &[String]) -> String {
    app.enterprises()
        .await
        .into_iter()
        .map(|(c, _)| c)
        .find(|c| !served.contains(c))
        .unwrap()
}

fn today_plus(days: i64) -> String {
    let today = qinqing_domain::deadline::local_date(Utc::now());
    (today + Duration::days(days)).to_string()
}

#[tokio::test]
async fn the_administrator_assigns_and_unassigns_stewards_and_no_one_else_may() {
    let app = TestApp::spawn().await;
    let id = steward_id(&app).await;
    let steward = app.login("steward").await;
    let served: Vec<String> = serde_json::from_value(steward.me["enterprises"].clone()).unwrap();
    let code = unserved(&app, &served).await;
    let body = json!({ "steward_id": id, "credit_code": code });
    for who in ["handler", "lead", "efficiency", "steward", "enterprise"] {
        let session = app.login(who).await;
        let res = session.post("/api/v1/admin/stewards", &body).await;
        assert_error(res, StatusCode::FORBIDDEN, "forbidden", None).await;
    }
    let admin = app.login("admin").await;
    let res = admin.post("/api/v1/admin/stewards", &body).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert!(assignments(&app).await.contains(&(id, code.clone())));
    let res = admin.post("/api/v1/admin/stewards", &body).await;
    assert_error(res, StatusCode::CONFLICT, "conflict", None).await;
    let me: Value = app.login("steward").await.me;
    assert!(
        me["enterprises"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c == &json!(code))
    );

    let lead = app.login("lead").await;
    let res = lead.post("/api/v1/admin/stewards/unassign", &body).await;
    assert_error(res, StatusCode::FORBIDDEN, "forbidden", None).await;
    let res = admin.post("/api/v1/admin/stewards/unassign", &body).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert!(!assignments(&app).await.contains(&(id, code.clone())));
    let res = admin.post("/api/v1/admin/stewards/unassign", &body).await;
    assert_error(res, StatusCode::CONFLICT, "conflict", None).await;
    let res = app
        .login("steward")
        .await
        .get(&format!("/api/v1/enterprises/{code}"))
        .await;
    assert_eq!(
        res.status(),
        StatusCode::NOT_FOUND,
        "the steward no longer sees it"
    );
    let actions = actions_on(&app, &code).await;
    assert!(actions.ends_with(&[
        "enterprise.steward_assigned".to_string(),
        "enterprise.steward_unassigned".to_string()
    ]));
}

#[tokio::test]
async fn a_steward_file_with_any_wrong_row_changes_nothing_and_names_every_row() {
    let app = TestApp::spawn().await;
    let steward = app.login("steward").await;
    let served: Vec<String> = serde_json::from_value(steward.me["enterprises"].clone()).unwrap();
    let free = unserved(&app, &served).await;
    let admin = app.login("admin").await;
    let res = admin
        .get("/api/v1/admin/stewards/template?format=csv")
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.text().await.unwrap().contains("管家用户名"));
    let before = assignments(&app).await;
    let audit_before = app.audit_count().await;
    let file = format!(
        "管家用户名,统一社会信用代码,操作\n\
         steward,{free},指派\n\
         nobody,{free},指派\n\
         steward,123,指派\n\
         steward,{served0},指派\n\
         handler,{free},取消\n\
         steward,{served1},撤销\n",
        served0 = served[0],
        served1 = served[1],
    );
    let res = admin
        .upload(
            "/api/v1/admin/stewards/import",
            "stewards.csv",
            file.into_bytes(),
        )
        .await;
    let body = assert_error(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "import_rejected",
        None,
    )
    .await;
    let bad: Vec<(i64, &str)> = body["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["row"].as_i64().unwrap(), r["column"].as_str().unwrap()))
        .collect();
    assert_eq!(
        bad,
        [
            (3, "steward"),
            (4, "credit_code"),
            (5, "credit_code"),
            (6, "steward"),
            (7, "action")
        ]
    );
    assert_eq!(app.audit_count().await, audit_before);
    assert_eq!(
        assignments(&app).await,
        before,
        "the good first row was not kept"
    );

    let file = format!(
        "管家用户名,统一社会信用代码,操作\nsteward,{free},\nsteward,{},取消\n",
        served[0]
    );
    let res = admin
        .upload(
            "/api/v1/admin/stewards/import",
            "stewards.csv",
            file.into_bytes(),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["rows"], 2);
    let after: Vec<String> = assignments(&app)
        .await
        .into_iter()
        .map(|(_, c)| c)
        .collect();
    assert!(after.contains(&free));
    assert!(!after.contains(&served[0]));
    let handler = app.login("handler").await;
    let res = handler
        .upload(
            "/api/v1/admin/stewards/import",
            "stewards.csv",
            b"x".to_vec(),
        )
        .await;
    assert_error(res, StatusCode::FORBIDDEN, "forbidden", None).await;
}

/// The demo enterprise's authorisation of the demo steward.
async fn steward_mandate(firm: &crate::helpers::Session, code: &str) -> Value {
    let list: Vec<Value> = firm
        .get(&format!("/api/v1/enterprises/{code}/authorisations"))
        .await
        .json()
        .await
        .unwrap();
    list.into_iter()
        .find(|a| a["standing"] == "in_force" && a["grantee_role"] == "亲清管家")
        .unwrap()
}

/// The steward changes the enterprise's contact phone (each time to a new number, so that
/// every call is a change to make).
async fn steward_edits(app: &TestApp, code: &str) -> reqwest::Response {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    app.login("steward")
        .await
        .patch(
            &format!("/api/v1/enterprises/{code}"),
            &json!({ "contact_phone": format!("0595-2234{n:04}") }),
        )
        .await
}

#[tokio::test]
async fn acting_needs_the_enterprises_authorisation_in_force_for_the_matter() {
    let app = TestApp::spawn().await;
    let firm = app.login("enterprise").await;
    let code = firm.first_enterprise();
    let id = steward_id(&app).await;
    // The demo enterprise authorised its steward for everything: acting works and says so.
    assert_eq!(steward_edits(&app, &code).await.status(), StatusCode::OK);
    let mandate = steward_mandate(&firm, &code).await;

    // Nobody but the enterprise's own user grants or revokes.
    let revoke = format!(
        "/api/v1/enterprises/{code}/authorisations/{}/revoke",
        mandate["id"]
    );
    for who in ["steward", "admin", "handler"] {
        let res = app.login(who).await.post(&revoke, &json!({})).await;
        assert_error(res, StatusCode::FORBIDDEN, "forbidden", None).await;
    }
    let grant_path = format!("/api/v1/enterprises/{code}/authorisations");
    let profile_only =
        json!({ "steward_id": id, "matters": ["profile"], "valid_until": today_plus(30) });
    let res = app
        .login("steward")
        .await
        .post(&grant_path, &profile_only)
        .await;
    assert_error(res, StatusCode::FORBIDDEN, "forbidden", None).await;
    // Another enterprise's user cannot even see this enterprise's authorisations.
    let other = unserved(&app, std::slice::from_ref(&code)).await;
    let stranger = enterprise_user_of(&app, "stranger", &other).await;
    let res = stranger.post(&revoke, &json!({})).await;
    assert_error(res, StatusCode::NOT_FOUND, "not_found", None).await;

    // A second authorisation while one is in force is refused.
    let res = firm.post(&grant_path, &profile_only).await;
    assert_error(res, StatusCode::CONFLICT, "conflict", None).await;

    // Revoked: refused at once, with a message that says why.
    assert_eq!(
        firm.post(&revoke, &json!({})).await.status(),
        StatusCode::NO_CONTENT
    );
    let body = assert_error(
        steward_edits(&app, &code).await,
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    )
    .await;
    assert!(body["message"].as_str().unwrap().contains("撤销"), "{body}");
    let res = firm.post(&revoke, &json!({})).await;
    assert_error(res, StatusCode::CONFLICT, "conflict", None).await;

    // An authorisation for other matters does not cover the profile.
    let requests_only =
        json!({ "steward_id": id, "matters": ["requests"], "valid_until": today_plus(30) });
    let res = firm.post(&grant_path, &requests_only).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let narrow: Value = res.json().await.unwrap();
    let body = assert_error(
        steward_edits(&app, &code).await,
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    )
    .await;
    assert!(
        body["message"].as_str().unwrap().contains("不包括"),
        "{body}"
    );
    let res = firm
        .post(&format!("{grant_path}/{}/revoke", narrow["id"]), &json!({}))
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);

    // Bad terms are named field by field and change nothing.
    let res = firm
        .post(
            &grant_path,
            &json!({ "steward_id": id, "matters": ["nothing"], "valid_until": "2020-01-01" }),
        )
        .await;
    let body = assert_error(res, StatusCode::UNPROCESSABLE_ENTITY, "invalid", None).await;
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .map(|e| e.iter().filter_map(|f| f["field"].as_str()).collect())
        .unwrap_or_default();
    assert!(
        fields.contains(&"matters") && fields.contains(&"valid_until"),
        "{body}"
    );

    // Authorised for the profile again: acting works and the trail names both.
    let res = firm.post(&grant_path, &profile_only).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    assert_eq!(steward_edits(&app, &code).await.status(), StatusCode::OK);
    let actions = actions_on(&app, &code).await;
    for action in [
        "enterprise.authorisation_granted",
        "enterprise.authorisation_revoked",
    ] {
        assert!(actions.iter().any(|a| a == action), "{action} is audited");
    }
    let page = firm
        .get(&format!("/trace/enterprise/{code}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("由 郑管家(亲清管家)代 "),
        "the trail says who acted for whom"
    );
    assert!(page.contains("撤销代办授权"));
}

#[tokio::test]
async fn an_expired_authorisation_is_refused() {
    let clock = Arc::new(ManualClock::new(Utc::now()));
    let app = TestApp::spawn_at(clock.clone()).await;
    let firm = app.login("enterprise").await;
    let code = firm.first_enterprise();
    let id = steward_id(&app).await;
    let mandate = steward_mandate(&firm, &code).await;
    let revoke = format!(
        "/api/v1/enterprises/{code}/authorisations/{}/revoke",
        mandate["id"]
    );
    assert_eq!(
        firm.post(&revoke, &json!({})).await.status(),
        StatusCode::NO_CONTENT
    );
    let today = qinqing_domain::deadline::local_date(app.app.now());
    let res = firm
        .post(
            &format!("/api/v1/enterprises/{code}/authorisations"),
            &json!({ "steward_id": id, "matters": ["profile"], "valid_until": today.to_string() }),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    assert_eq!(steward_edits(&app, &code).await.status(), StatusCode::OK);
    clock.advance(Duration::days(2));
    let body = assert_error(
        steward_edits(&app, &code).await,
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    )
    .await;
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains(&format!("{today} 到期")),
        "{body}"
    );
    let list: Vec<Value> = app
        .login("enterprise")
        .await
        .get(&format!("/api/v1/enterprises/{code}/authorisations"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list[0]["standing"], "expired");
}

#[tokio::test]
async fn a_colleague_acts_for_the_enterprise_only_while_authorised_and_the_trail_says_so() {
    let app = TestApp::spawn().await;
    let firm = app.login("enterprise").await;
    let code = firm.first_enterprise();
    let other = unserved(&app, std::slice::from_ref(&code)).await;
    let colleague = enterprise_user_of(&app, "colleague", &other).await;
    let mut conn = app.app.db.conn().await.unwrap();
    sqlx::query("UPDATE app_user SET phone = '13905951234' WHERE username = 'colleague'")
        .execute(&mut *conn)
        .await
        .unwrap();
    drop(conn);
    let edit = json!({ "contact_phone": "0595-28888888" });
    let path = format!("/api/v1/enterprises/{code}");
    let res = colleague.patch(&path, &edit).await;
    assert_error(res, StatusCode::NOT_FOUND, "not_found", None).await;

    let grant_path = format!("/api/v1/enterprises/{code}/authorisations");
    let res = firm
        .post(&grant_path, &json!({ "phone": "13900000000", "matters": ["profile"], "valid_until": today_plus(7) }))
        .await;
    assert_error(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("phone"),
    )
    .await;
    let res = firm
        .post(&grant_path, &json!({ "phone": "13905951234", "matters": ["profile"], "valid_until": today_plus(7) }))
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let granted: Value = res.json().await.unwrap();

    let colleague = app.login("colleague").await;
    assert_eq!(colleague.patch(&path, &edit).await.status(), StatusCode::OK);
    let mut conn = app.app.db.conn().await.unwrap();
    let history = qinqing_kernel::store::audit::for_object(&mut conn, "enterprise", &code)
        .await
        .unwrap();
    drop(conn);
    let last = history.last().unwrap();
    let actor = last.record.actor.as_ref().unwrap();
    assert_eq!(actor.username, "colleague");
    assert_eq!(actor.on_behalf_of.as_deref(), Some(code.as_str()));
    // It cannot act for its own enterprise's matters it was not given elsewhere, nor grant.
    let res = colleague
        .post(&grant_path, &json!({ "phone": "13905951234", "matters": ["profile"], "valid_until": today_plus(7) }))
        .await;
    assert_error(res, StatusCode::FORBIDDEN, "forbidden", None).await;

    let res = firm
        .post(
            &format!("{grant_path}/{}/revoke", granted["id"]),
            &json!({}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let res = colleague.patch(&path, &edit).await;
    assert_error(res, StatusCode::NOT_FOUND, "not_found", None).await;
}
