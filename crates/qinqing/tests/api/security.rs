//! What an attacker tries at the door: redirects after login, weak passwords, control
//! characters, framing and script injection (security headers), probing which objects exist,
//! and reading settings that are not theirs.

use crate::helpers::{TestApp, assert_error, enterprise_user_of};
use qinqing_kernel::demo::DEMO_PASSWORD;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// The anonymous form token of the login page, as a browser would hold it.
async fn login_form_token(app: &TestApp, client: &reqwest::Client) -> String {
    let page = client
        .get(app.url("/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    page.split("name=\"_csrf\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn after_login_only_paths_of_this_platform_are_followed() {
    let app = TestApp::spawn().await;
    // Each `next` as the form posts it, and where the browser is sent.
    let cases = [
        ("/enterprises?page=2", "/enterprises?page=2"),
        // The text `/%09/…` (the form encoder sends `%25`) stays an encoded path of this site.
        ("/%09/evil.example", "/%09/evil.example"),
        ("/\t/evil.example", "/"),
        ("//evil.example", "/"),
        ("/\\evil.example", "/"),
        ("https://evil.example/", "/"),
        ("javascript:alert(1)", "/"),
        ("/a\r\nSet-Cookie: x=1", "/"),
        ("/a\nb", "/"),
    ];
    for (next, expected) in cases {
        let client = app.anonymous();
        let token = login_form_token(&app, &client).await;
        let res = client
            .post(app.url("/login"))
            .form(&[
                ("username", "handler"),
                ("password", DEMO_PASSWORD),
                ("_csrf", token.as_str()),
                ("next", next),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{next:?}");
        assert_eq!(res.headers()["location"], expected, "{next:?}");
    }
    // The tab sent percent-encoded in the page's own query string, as in the report.
    let client = app.anonymous();
    let page = client
        .get(app.url("/login?next=/%09/evil.example"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let text = page.text().await.unwrap();
    assert!(text.contains("name=\"next\" value=\"/\""), "{text}");
}

#[tokio::test]
async fn weak_passwords_and_passwords_with_the_username_are_refused() {
    let app = TestApp::spawn().await;
    let lead = app.login("lead").await;
    for (new, says) in [
        ("password1", "容易被猜到"),
        ("aaaaaaa1", "容易被猜到"),
        ("qwerty2026", "容易被猜到"),
        ("Lead2026qq", "用户名"),
    ] {
        let res = lead
            .post(
                "/api/v1/auth/password",
                &json!({ "current_password": DEMO_PASSWORD, "new_password": new }),
            )
            .await;
        let body = assert_error(
            res,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            Some("new_password"),
        )
        .await;
        assert!(
            body["message"].as_str().unwrap().contains(says),
            "{new}: {body}"
        );
    }
    // Registration applies the same rules.
    let res = app
        .anonymous()
        .post(app.url("/api/v1/enterprises/register"))
        .json(&json!({
            "credit_code": "", "name": "", "legal_representative": "", "contact_phone": "",
            "industry_code": "", "region_code": "", "ownership": "", "username": "firm01",
            "display_name": "", "password": "password1", "pledge_version": "",
            "pledge_accepted": false
        }))
        .send()
        .await
        .unwrap();
    let body: Value = res.json().await.unwrap();
    let errors = body["errors"].as_array().unwrap();
    assert!(
        errors
            .iter()
            .any(|e| e["field"] == "password" && e["message"].as_str().unwrap().contains("容易")),
        "{body}"
    );
    // The demo password is strong enough, and a strong one is taken.
    let res = lead
        .post(
            "/api/v1/auth/password",
            &json!({ "current_password": DEMO_PASSWORD, "new_password": "Qiao7-lin-river" }),
        )
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn control_characters_in_text_input_are_refused_with_the_field_named() {
    let app = TestApp::spawn().await;
    let before = app.audit_count().await;
    // A JSON body: the request's description.
    let enterprise = app.login("enterprise").await;
    let code = enterprise.first_enterprise();
    let body = json!({ "credit_code": code, "category": "policy", "description": "研发\u{0}补助" });
    let res = enterprise.post("/api/v1/requests", &body).await;
    assert_error(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("description"),
    )
    .await;
    // The login username, over the API and through the page form.
    let res = app
        .anonymous()
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({ "username": "hand\u{0}ler", "password": DEMO_PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_error(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("username"),
    )
    .await;
    let res = app
        .anonymous()
        .post(app.url("/login"))
        .form(&[
            ("username", "hand\u{0}ler"),
            ("password", "x"),
            ("_csrf", "t"),
        ])
        .send()
        .await
        .unwrap();
    assert_error(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("username"),
    )
    .await;
    // Filters in the query string and identifiers in the path.
    let handler = app.login("handler").await;
    for (path, field) in [
        ("/api/v1/enterprises?q=%00", "q"),
        ("/api/v1/enterprises?region=35%01", "region"),
        ("/api/v1/requests?status=%00", "status"),
        ("/api/v1/policies?q=a%00", "q"),
        ("/api/v1/requests/SQ%00", "path"),
        ("/enterprises?q=%00", "q"),
    ] {
        let res = handler.get(path).await;
        assert_error(
            res,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            Some(field),
        )
        .await;
    }
    // Line breaks and tabs in text are still welcome, and nothing was changed above.
    let body =
        json!({ "credit_code": code, "category": "policy", "description": "第一行\n第二行\t完" });
    let res = enterprise.post("/api/v1/requests", &body).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let filed: Value = res.json().await.unwrap();
    // A multipart form's text fields are checked too (its file is not text).
    let receipt = filed["receipt_no"].as_str().unwrap();
    let attachments = format!("/api/v1/requests/{receipt}/attachments");
    let label = [("label", "现场\u{0}照片")];
    let res = enterprise
        .upload_with(&attachments, &label, "a.png", vec![0, 1, 2])
        .await;
    assert_error(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("label"),
    )
    .await;
    // Of the two descriptions, only the one without a NUL was filed.
    let requests: Value = enterprise
        .get("/api/v1/requests")
        .await
        .json()
        .await
        .unwrap();
    let filed = requests["items"].as_array().unwrap();
    assert_eq!(filed.len(), 1, "{requests}");
    assert!(app.audit_count().await > before);
}

fn assert_security_headers(res: &reqwest::Response, what: &str) {
    let header = |name: &str| {
        res.headers()
            .get(name)
            .unwrap_or_else(|| panic!("{what}: no {name}"))
            .to_str()
            .unwrap()
            .to_string()
    };
    let csp = header("content-security-policy");
    assert!(csp.contains("frame-ancestors 'none'"), "{what}: {csp}");
    let script = csp
        .split(';')
        .find(|d| d.trim().starts_with("script-src"))
        .unwrap_or_else(|| panic!("{what}: {csp}"));
    assert!(!script.contains("unsafe-inline"), "{what}: {csp}");
    assert_eq!(header("x-content-type-options"), "nosniff", "{what}");
    assert!(!header("referrer-policy").is_empty(), "{what}");
}

/// No inline script and no `on…=` handler in a page, which the policy would block.
fn assert_no_inline_script(html: &str, what: &str) {
    for tag in html.split("<script").skip(1) {
        let open = tag.split('>').next().unwrap_or_default();
        assert!(open.contains("src="), "{what}: inline script {open}");
    }
    let lower = html.to_lowercase();
    for handler in [
        " onclick=",
        " onchange=",
        " onsubmit=",
        " onload=",
        " oninput=",
    ] {
        assert!(!lower.contains(handler), "{what}: {handler}");
    }
    assert!(!lower.contains("javascript:"), "{what}");
}

#[tokio::test]
async fn every_answer_carries_the_security_headers_and_pages_have_no_inline_script() {
    let app = TestApp::spawn().await;
    let anonymous = app.anonymous();
    for path in [
        "/login",
        "/register",
        "/policies",
        "/api/v1/auth/me",
        "/no-such-page",
    ] {
        let res = anonymous.get(app.url(path)).send().await.unwrap();
        assert_security_headers(&res, path);
        assert!(!res.headers().contains_key("strict-transport-security"));
        let html = res.text().await.unwrap();
        assert_no_inline_script(&html, path);
    }
    for (user, paths) in [
        (
            "handler",
            &["/enterprises", "/requests", "/reviews", "/messages"][..],
        ),
        (
            "enterprise",
            &["/portal", "/requests", "/agreements/desk"][..],
        ),
        (
            "admin",
            &[
                "/admin/users",
                "/admin/warning-rules",
                "/admin/request-routes",
            ][..],
        ),
    ] {
        let session = app.login(user).await;
        for path in paths {
            let res = session.get(path).await;
            assert_eq!(res.status(), StatusCode::OK, "{user} {path}");
            assert_security_headers(&res, path);
            assert_no_inline_script(&res.text().await.unwrap(), path);
        }
    }
    // HSTS only when served over HTTPS (`--secure-cookies`).
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let options = qinqing::ServeOptions {
        demo: false,
        secure_cookies: true,
        public_url: None,
        payment_secret: None,
        background: None,
        sms_webhook: None,
        oidc: None,
    };
    tokio::spawn(qinqing::serve(
        app.app.clone(),
        listener,
        options,
        std::future::pending(),
    ));
    let res = anonymous.get(format!("{base}/login")).send().await.unwrap();
    assert_security_headers(&res, "secure /login");
    let hsts = res.headers()["strict-transport-security"].to_str().unwrap();
    assert!(hsts.starts_with("max-age="), "{hsts}");
}

/// The status and body of an answer, to compare two answers whole.
async fn answer(res: reqwest::Response) -> (StatusCode, Value) {
    (res.status(), res.json().await.unwrap())
}

#[tokio::test]
async fn objects_the_caller_may_not_see_answer_as_if_they_did_not_exist() {
    let app = TestApp::spawn().await;
    let all = app.enterprises().await;
    let own = app.login("enterprise").await;
    let own_code = own.first_enterprise();
    let (other_code, _) = all.iter().find(|(c, _)| *c != own_code).unwrap().clone();
    let other = enterprise_user_of(&app, "other01", &other_code).await;

    // An enterprise by credit code: another enterprise's answers as an unknown one.
    let unknown_code = crate::helpers::credit_code("91350521MA0000000");
    let (status, hidden) =
        answer(other.get(&format!("/api/v1/enterprises/{own_code}")).await).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{hidden}");
    let (_, missing) = answer(
        other
            .get(&format!("/api/v1/enterprises/{unknown_code}"))
            .await,
    )
    .await;
    assert_eq!(hidden["code"], missing["code"]);
    assert_eq!(
        hidden["message"].as_str().unwrap().replace(&own_code, "X"),
        missing["message"]
            .as_str()
            .unwrap()
            .replace(&unknown_code, "X")
    );

    // A request of another enterprise answers as a number that was never given.
    let body =
        json!({ "credit_code": own_code, "category": "policy", "description": "研发补助怎么申请" });
    let filed: Value = own
        .post("/api/v1/requests", &body)
        .await
        .json()
        .await
        .unwrap();
    let receipt = filed["receipt_no"].as_str().unwrap();
    let hidden = answer(other.get(&format!("/api/v1/requests/{receipt}")).await).await;
    let missing = answer(other.get("/api/v1/requests/SQ00000000000").await).await;
    assert_eq!(hidden.0, StatusCode::NOT_FOUND, "{}", hidden.1);
    assert_eq!(hidden, missing);

    // Acting on an object one may see but not change stays 403.
    let res = own
        .post(&format!("/api/v1/requests/{receipt}/accept"), &json!({}))
        .await;
    assert_error(res, StatusCode::FORBIDDEN, "forbidden", None).await;
}

#[tokio::test]
async fn settings_are_read_only_by_the_administrator_who_sets_them() {
    let app = TestApp::spawn().await;
    let paths = [
        "/api/v1/admin/request-settings",
        "/api/v1/admin/warning-rules",
    ];
    for user in [
        "bank",
        "enterprise",
        "handler",
        "lead",
        "efficiency",
        "steward",
    ] {
        let session = app.login(user).await;
        for path in paths {
            let res = session.get(path).await;
            assert_error(res, StatusCode::FORBIDDEN, "forbidden", None).await;
        }
    }
    let admin = app.login("admin").await;
    for path in paths {
        assert_eq!(admin.get(path).await.status(), StatusCode::OK, "{path}");
    }
}

/// Requests the framework refuses before any handler runs answer in the API's error body, in
/// Chinese, naming the field where there is one — not in the framework's English plain text.
#[tokio::test]
async fn malformed_requests_are_refused_in_the_api_error_body() {
    let app = TestApp::spawn().await;
    let admin = app.login("admin").await;
    let url = app.url("/api/v1/admin/users");
    let send = |body: &'static str, content_type: &'static str| {
        admin
            .client
            .post(&url)
            .header("X-CSRF-Token", &admin.csrf)
            .header("Content-Type", content_type)
            .body(body)
            .send()
    };

    let body = assert_error(
        send("name=x", "text/plain").await.unwrap(),
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "invalid",
        None,
    )
    .await;
    assert!(body["message"].as_str().unwrap().contains("JSON"), "{body}");

    let body = assert_error(
        send("{not json", "application/json").await.unwrap(),
        StatusCode::BAD_REQUEST,
        "invalid",
        None,
    )
    .await;
    assert_eq!(body["message"], "请求内容不是有效的 JSON");

    let body = assert_error(
        send("{}", "application/json").await.unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("username"),
    )
    .await;
    assert_eq!(body["message"], "字段 username 缺少必填项");

    let body = assert_error(
        admin.get("/api/v1/audit/entries/not-a-number").await,
        StatusCode::BAD_REQUEST,
        "invalid",
        None,
    )
    .await;
    assert_eq!(body["message"], "地址中的参数格式有误");
}
