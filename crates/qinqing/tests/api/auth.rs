use crate::helpers::{TestApp, assert_error};
use qinqing_kernel::demo::DEMO_PASSWORD;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn login_sets_an_http_only_same_site_cookie_and_returns_the_user() {
    let app = TestApp::spawn().await;
    let res = app
        .anonymous()
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({ "username": "handler", "password": DEMO_PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let cookie = res.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(cookie.starts_with("qq_session="), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["user"]["role"], "handler");
    assert_eq!(body["csrf_token"].as_str().unwrap().len(), 64);
}

#[tokio::test]
async fn wrong_passwords_and_unknown_users_get_the_same_answer() {
    let app = TestApp::spawn().await;
    let client = app.anonymous();
    for (user, password) in [("handler", "wrong-pass1"), ("nobody", DEMO_PASSWORD)] {
        let res = client
            .post(app.url("/api/v1/auth/login"))
            .json(&json!({ "username": user, "password": password }))
            .send()
            .await
            .unwrap();
        let body = assert_error(
            res,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            Some("password"),
        )
        .await;
        assert_eq!(body["message"], "用户名或密码错误");
    }
}

#[tokio::test]
async fn repeated_failures_lock_the_account_even_for_the_right_password() {
    let app = TestApp::spawn().await;
    let client = app.anonymous();
    let attempt = |password: &'static str| {
        client
            .post(app.url("/api/v1/auth/login"))
            .json(&json!({ "username": "handler", "password": password }))
            .send()
    };
    for _ in 0..4 {
        assert_eq!(
            attempt("wrong-pass1").await.unwrap().status(),
            StatusCode::UNPROCESSABLE_ENTITY
        );
    }
    // The fifth failure starts the back-off.
    assert_error(
        attempt("wrong-pass1").await.unwrap(),
        StatusCode::TOO_MANY_REQUESTS,
        "locked",
        None,
    )
    .await;
    assert_error(
        attempt(DEMO_PASSWORD).await.unwrap(),
        StatusCode::TOO_MANY_REQUESTS,
        "locked",
        None,
    )
    .await;
    // Other accounts are unaffected.
    app.login("lead").await;
}

#[tokio::test]
async fn admin_reset_unlocks_and_forces_a_password_change() {
    let app = TestApp::spawn().await;
    let client = app.anonymous();
    for _ in 0..5 {
        client
            .post(app.url("/api/v1/auth/login"))
            .json(&json!({ "username": "handler", "password": "wrong-pass1" }))
            .send()
            .await
            .unwrap();
    }
    let admin = app.login("admin").await;
    let users: serde_json::Value = admin.get("/api/v1/admin/users").await.json().await.unwrap();
    let handler = users
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == "handler")
        .unwrap();
    assert_eq!(handler["locked"], true);
    let id = handler["id"].as_i64().unwrap();
    let res = admin
        .post(
            &format!("/api/v1/admin/users/{id}/reset-password"),
            &json!({ "password": "Temp2026pass" }),
        )
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);

    let handler = app.login_with("handler", "Temp2026pass").await;
    assert_eq!(handler.me["must_change_password"], true);
    let res = handler.get("/api/v1/enterprises").await;
    assert_error(res, StatusCode::FORBIDDEN, "password_change_required", None).await;
    let res = handler
        .post(
            "/api/v1/auth/password",
            &json!({ "current_password": "Temp2026pass", "new_password": "Mine2026pass" }),
        )
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let handler = app.login_with("handler", "Mine2026pass").await;
    assert_eq!(
        handler.get("/api/v1/enterprises").await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn password_change_checks_the_current_password_and_strength_and_ends_sessions() {
    let app = TestApp::spawn().await;
    let session = app.login("lead").await;
    let change =
        |current: &str, new: &str| json!({ "current_password": current, "new_password": new });
    let res = session
        .post(
            "/api/v1/auth/password",
            &change("not-it-123", "Better2026x"),
        )
        .await;
    assert_error(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("current_password"),
    )
    .await;
    let res = session
        .post("/api/v1/auth/password", &change(DEMO_PASSWORD, "short"))
        .await;
    assert_error(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("new_password"),
    )
    .await;
    let res = session
        .post(
            "/api/v1/auth/password",
            &change(DEMO_PASSWORD, "Better2026x"),
        )
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        session.get("/api/v1/auth/me").await.status(),
        StatusCode::UNAUTHORIZED,
        "old session ended"
    );
    app.login_with("lead", "Better2026x").await;
}

#[tokio::test]
async fn state_changes_need_the_csrf_token() {
    let app = TestApp::spawn().await;
    let session = app.login("admin").await;
    let res = session
        .client
        .put(app.url("/api/v1/calendar"))
        .body("2026-10-01,holiday,国庆节\n")
        .send()
        .await
        .unwrap();
    assert_error(res, StatusCode::FORBIDDEN, "csrf", Some("X-CSRF-Token")).await;
    let res = session
        .client
        .put(app.url("/api/v1/calendar"))
        .header("X-CSRF-Token", "0".repeat(64))
        .body("2026-10-01,holiday,国庆节\n")
        .send()
        .await
        .unwrap();
    assert_error(res, StatusCode::FORBIDDEN, "csrf", None).await;
}

#[tokio::test]
async fn page_forms_refuse_a_missing_or_foreign_csrf_token() {
    let app = TestApp::spawn().await;
    let client = app.anonymous();
    // No anonymous token cookie at all: a cross-site login attempt.
    let res = client
        .post(app.url("/login"))
        .form(&[
            ("username", "handler"),
            ("password", DEMO_PASSWORD),
            ("_csrf", "forged"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    // With the page's own token the same form logs in.
    let page = client
        .get(app.url("/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let token = page
        .split("name=\"_csrf\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let res = client
        .post(app.url("/login"))
        .form(&[
            ("username", "handler"),
            ("password", DEMO_PASSWORD),
            ("_csrf", token.as_str()),
            ("next", "/enterprises"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()["location"], "/enterprises");
    // A logged-in form without the session's token is refused before it is looked at…
    let password_form = |csrf: &str| {
        let fields = [
            ("current_password", "wrong"),
            ("new_password", "x"),
            ("confirm_password", "x"),
            ("_csrf", csrf),
        ];
        client.post(app.url("/password")).form(&fields).send()
    };
    let res = password_form(&token).await.unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(res.text().await.unwrap().contains("CSRF"));
    // …while with the session's token it is processed (and here refused for its content).
    let page = client
        .get(app.url("/password"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let session_token = page
        .split("name=\"_csrf\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    assert_ne!(session_token, token);
    let res = password_form(&session_token).await.unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn pages_send_visitors_to_login_and_back() {
    let app = TestApp::spawn().await;
    let res = app
        .anonymous()
        .get(app.url("/enterprises?page=2"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        res.headers()["location"],
        "/login?next=/enterprises%3Fpage%3D2"
    );
}

#[tokio::test]
async fn logout_ends_the_session() {
    let app = TestApp::spawn().await;
    let session = app.login("handler").await;
    assert_eq!(
        session
            .post("/api/v1/auth/logout", &json!({}))
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        session.get("/api/v1/auth/me").await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn expired_sessions_are_swept_and_live_ones_stay() {
    let clock = std::sync::Arc::new(qinqing_kernel::clock::ManualClock::new(chrono::Utc::now()));
    let app = TestApp::spawn_at(clock.clone()).await;
    let old = app.login("handler").await;
    clock.advance(qinqing_kernel::auth::SESSION_LIFETIME - chrono::Duration::hours(1));
    let fresh = app.login("lead").await;
    clock.advance(chrono::Duration::hours(2));
    let swept = qinqing_kernel::auth::sweep_expired_sessions(&app.app)
        .await
        .unwrap();
    assert_eq!(swept, 1, "only the handler's session had expired");
    assert_eq!(
        old.get("/api/v1/auth/me").await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(fresh.get("/api/v1/auth/me").await.status(), StatusCode::OK);
}
