use crate::helpers::{TestApp, assert_error};
use reqwest::StatusCode;
use serde_json::{Value, json};

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
        .unwrap()["id"]
        .as_i64()
        .unwrap()
}

fn new_user(username: &str, org: i64, role: &str) -> Value {
    json!({ "username": username, "display_name": "新同事", "org_id": org, "role": role, "password": "Start2026ok" })
}

#[tokio::test]
async fn the_admin_creates_accounts_that_must_change_their_password() {
    let app = TestApp::spawn().await;
    let org = org_id(&app, "财政局").await;
    let admin = app.login("admin").await;
    let res = admin
        .post(
            "/api/v1/admin/users",
            &new_user("caizheng2", org, "reviewer_2"),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let session = app.login_with("caizheng2", "Start2026ok").await;
    assert_eq!(session.me["must_change_password"], true);
    assert_eq!(session.me["role_label"], "复审人");
    let res = admin
        .post(
            "/api/v1/admin/users",
            &new_user("caizheng2", org, "reviewer_2"),
        )
        .await;
    assert_error(res, StatusCode::CONFLICT, "conflict", Some("username")).await;
}

#[tokio::test]
async fn roles_must_fit_the_organisation() {
    let app = TestApp::spawn().await;
    let bank = org_id(&app, qinqing_kernel::demo::BANK).await;
    let admin = app.login("admin").await;
    let res = admin
        .post(
            "/api/v1/admin/users",
            &new_user("wrongrole", bank, "handler"),
        )
        .await;
    assert_error(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("role"),
    )
    .await;
    let res = admin
        .post("/api/v1/admin/users", &new_user("norole", bank, "emperor"))
        .await;
    assert_error(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("role"),
    )
    .await;
}

#[tokio::test]
async fn only_the_admin_administers() {
    let app = TestApp::spawn().await;
    let org = org_id(&app, "财政局").await;
    for user in ["handler", "lead", "discipline", "enterprise"] {
        let session = app.login(user).await;
        assert_error(
            session.get("/api/v1/admin/users").await,
            StatusCode::FORBIDDEN,
            "forbidden",
            None,
        )
        .await;
        let res = session
            .post("/api/v1/admin/users", &new_user("sneaky", org, "admin"))
            .await;
        assert_error(res, StatusCode::FORBIDDEN, "forbidden", None).await;
        let res = session
            .post(
                "/api/v1/admin/users/1/reset-password",
                &json!({ "password": "Hijack2026x" }),
            )
            .await;
        assert_error(res, StatusCode::FORBIDDEN, "forbidden", None).await;
    }
    let firm = app.login("enterprise").await;
    assert_error(
        firm.get("/api/v1/organisations").await,
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    )
    .await;
}

#[tokio::test]
async fn the_admin_edits_the_calendar_and_deadlines_follow_it() {
    let app = TestApp::spawn().await;
    let admin = app.login("admin").await;
    let add = "/api/v1/calendar/working-days/add?from=2026-11-20&days=1";
    let before: Value = admin.get(add).await.json().await.unwrap();
    assert_eq!(before["date"], "2026-11-23");
    let mut text = admin.get("/api/v1/calendar").await.text().await.unwrap();
    text.push_str("2026-11-23,holiday,测试假日\n");
    let put = |body: String| {
        admin
            .client
            .put(app.url("/api/v1/calendar"))
            .header("X-CSRF-Token", &admin.csrf)
            .body(body)
            .send()
    };
    assert_eq!(
        put(text.clone()).await.unwrap().status(),
        StatusCode::NO_CONTENT
    );
    let after: Value = admin.get(add).await.json().await.unwrap();
    assert_eq!(after["date"], "2026-11-24");
    // A bad line changes nothing.
    let res = put(format!("{text}2026-13-01,holiday,不存在\n"))
        .await
        .unwrap();
    assert_error(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("calendar"),
    )
    .await;
    let unchanged: Value = admin.get(add).await.json().await.unwrap();
    assert_eq!(unchanged["date"], "2026-11-24");
    let handler = app.login("handler").await;
    let res = handler
        .client
        .put(app.url("/api/v1/calendar"))
        .header("X-CSRF-Token", &handler.csrf)
        .body(text)
        .send()
        .await
        .unwrap();
    assert_error(res, StatusCode::FORBIDDEN, "forbidden", None).await;
}

#[tokio::test]
async fn a_calendar_edited_through_another_process_counts_after_the_next_refresh() {
    let app = TestApp::spawn().await;
    let admin = app.login("admin").await;
    let add = "/api/v1/calendar/working-days/add?from=2026-11-20&days=1";
    let mut text = admin.get("/api/v1/calendar").await.text().await.unwrap();
    text.push_str("2026-11-23,holiday,另一进程设定的假日\n");
    // Another server process stores the edit; this one still holds the calendar it loaded.
    let mut conn = app.app.db.conn().await.unwrap();
    qinqing_kernel::store::settings::put(
        &mut conn,
        qinqing_kernel::store::settings::CALENDAR,
        &text,
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    drop(conn);
    let before: Value = admin.get(add).await.json().await.unwrap();
    assert_eq!(before["date"], "2026-11-23");
    qinqing_kernel::calendar::refresh(&app.app).await.unwrap();
    let after: Value = admin.get(add).await.json().await.unwrap();
    assert_eq!(after["date"], "2026-11-24");
}
