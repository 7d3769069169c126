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

/// A client whose connections come from another loopback address, as another computer's would.
fn client_from(last_octet: u8) -> reqwest::Client {
    let address = std::net::IpAddr::V4(std::net::Ipv4Addr::new(127, 0, 0, last_octet));
    reqwest::Client::builder()
        .local_address(address)
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn attempt(
    app: &TestApp,
    client: &reqwest::Client,
    username: &str,
    password: &str,
) -> reqwest::Response {
    client
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({ "username": username, "password": password }))
        .send()
        .await
        .unwrap()
}

/// A 429 with `Retry-After` in whole seconds, and the same message whoever was tried.
async fn assert_throttled(res: reqwest::Response) -> u64 {
    let wait: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let body = assert_error(
        res,
        StatusCode::TOO_MANY_REQUESTS,
        "too_many_attempts",
        None,
    )
    .await;
    assert!(
        body["message"].as_str().unwrap().contains("秒后再试"),
        "{body}"
    );
    wait
}

#[tokio::test]
async fn a_stranger_guessing_is_stopped_without_locking_the_owner_out() {
    let app = TestApp::spawn().await;
    let stranger = client_from(2);
    let burst = qinqing_kernel::login_limits::PER_ACCOUNT_BURST;
    for _ in 0..burst {
        let res = attempt(&app, &stranger, "handler", "wrong-pass1").await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
    // The stranger is refused before any password is checked, even with the right one…
    let wait = assert_throttled(attempt(&app, &stranger, "handler", "wrong-pass1").await).await;
    assert!((1..=31).contains(&wait), "{wait}");
    assert_throttled(attempt(&app, &stranger, "handler", DEMO_PASSWORD).await).await;
    // …while the owner, from their own computer, logs in as always.
    let owner = client_from(1);
    assert_eq!(
        attempt(&app, &owner, "handler", DEMO_PASSWORD)
            .await
            .status(),
        StatusCode::OK
    );
    // An unknown name is limited exactly like a real one: the answers reveal nothing.
    for _ in 0..burst {
        let res = attempt(&app, &stranger, "nobody", "wrong-pass1").await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
    assert_throttled(attempt(&app, &stranger, "nobody", "wrong-pass1").await).await;
}

#[tokio::test]
async fn a_flood_of_logins_from_one_address_is_answered_429_and_others_go_on() {
    let app = TestApp::spawn().await;
    let flooder = client_from(3);
    let burst = qinqing_kernel::login_limits::PER_ADDRESS_BURST;
    for i in 0..burst {
        let res = attempt(&app, &flooder, &format!("guess{i}"), "wrong-pass1").await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
    // The allowance comes back slowly while the burst is spent: a few more may pass.
    let mut tries = 0;
    while attempt(&app, &flooder, "again", "wrong-pass1")
        .await
        .status()
        != StatusCode::TOO_MANY_REQUESTS
    {
        tries += 1;
        assert!(tries < 20, "the flood was never stopped");
    }
    // From now on the flood gets one attempt a second: nearly all are refused at once.
    let started = std::time::Instant::now();
    let mut refused = 0;
    for i in 0..20 {
        let res = attempt(&app, &flooder, &format!("more{i}"), "x").await;
        if res.status() == StatusCode::TOO_MANY_REQUESTS {
            assert_throttled(res).await;
            refused += 1;
        }
    }
    assert!(refused >= 15, "{refused} of 20 refused");
    // Refused before hashing: twenty attempts cost less than twenty argon2 checks would.
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    // The page form is limited too, with the same answer and header.
    let res = flooder
        .post(app.url("/login"))
        .form(&[("username", "handler"), ("password", "x"), ("_csrf", "t")])
        .header("cookie", "qq_csrf=t")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(res.headers().contains_key("retry-after"));
    app.login("lead").await;
}

#[tokio::test]
async fn a_login_checks_the_password_without_holding_the_database() {
    let app = TestApp::spawn().await;
    // Another writer holds the database (on PostgreSQL: the handler's row).
    let mut writer = app.app.db.begin().await.unwrap();
    sqlx::query("UPDATE app_user SET display_name = display_name WHERE username = 'handler'")
        .execute(&mut *writer)
        .await
        .unwrap();
    // A wrong guess at an unknown name needs no write: it is answered at once, not after the
    // writer is done.
    let started = std::time::Instant::now();
    let res = attempt(&app, &app.anonymous(), "nobody", "wrong-pass1").await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    // A login that must write and cannot in time is told to come back: 503 with Retry-After,
    // never 500.
    let res = attempt(&app, &app.anonymous(), "handler", DEMO_PASSWORD).await;
    assert!(res.headers().contains_key("retry-after"));
    assert_error(res, StatusCode::SERVICE_UNAVAILABLE, "busy", None).await;
    writer.rollback().await.unwrap();
    app.login("handler").await;
}

#[tokio::test]
async fn unknown_users_and_wrong_passwords_take_about_as_long() {
    let app = TestApp::spawn().await;
    let client = app.anonymous();
    let timed = |username: &'static str| {
        let client = client.clone();
        let url = app.url("/api/v1/auth/login");
        async move {
            let started = std::time::Instant::now();
            for _ in 0..3 {
                client
                    .post(&url)
                    .json(&json!({ "username": username, "password": "wrong-pass1" }))
                    .send()
                    .await
                    .unwrap();
            }
            started.elapsed()
        }
    };
    let known = timed("handler").await;
    let unknown = timed("nobody").await;
    // Both check an argon2 hash: the unknown name is not answered in a fraction of the time.
    assert!(unknown * 3 > known, "unknown {unknown:?}, known {known:?}");
}

#[tokio::test]
async fn admin_reset_forces_a_password_change() {
    let app = TestApp::spawn().await;
    let admin = app.login("admin").await;
    let users: serde_json::Value = admin.get("/api/v1/admin/users").await.json().await.unwrap();
    let handler = users
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == "handler")
        .unwrap();
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
            &change("not-it-123", "Better2026river"),
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
            &change(DEMO_PASSWORD, "Better2026river"),
        )
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        session.get("/api/v1/auth/me").await.status(),
        StatusCode::UNAUTHORIZED,
        "old session ended"
    );
    app.login_with("lead", "Better2026river").await;
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
