use crate::helpers::TestApp;
use reqwest::StatusCode;

#[tokio::test]
async fn health_check_answers_when_the_database_is_reachable() {
    let app = TestApp::spawn_empty().await;
    let res = app
        .anonymous()
        .get(app.url("/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    app.app.db.close().await;
    let res = app
        .anonymous()
        .get(app.url("/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
}

#[tokio::test]
async fn every_response_carries_a_request_id() {
    let app = TestApp::spawn_empty().await;
    let res = app
        .anonymous()
        .get(app.url("/healthz"))
        .send()
        .await
        .unwrap();
    let id = res
        .headers()
        .get("x-request-id")
        .expect("request id header");
    assert_eq!(id.to_str().unwrap().len(), 36, "a UUID");
    let res = app
        .anonymous()
        .get(app.url("/healthz"))
        .header("x-request-id", "trace-me")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["x-request-id"], "trace-me");
}

#[tokio::test]
async fn metrics_are_in_prometheus_format_by_route() {
    let app = TestApp::spawn_empty().await;
    let client = app.anonymous();
    client
        .get(app.url("/api/v1/reference/credit-code/91110000600037341L"))
        .send()
        .await
        .unwrap();
    let text = app.text_of(&client, "/metrics").await;
    assert!(
        text.contains("# TYPE qinqing_http_requests counter"),
        "{text}"
    );
    assert!(
        text.contains(r#"route="/api/v1/reference/credit-code/{code}",status="200""#),
        "labelled by route pattern, not raw path: {text}"
    );
    assert!(text.contains("qinqing_http_request_duration_seconds_bucket"));
}

#[tokio::test]
async fn openapi_document_describes_the_api() {
    let app = TestApp::spawn_empty().await;
    let doc: serde_json::Value = app
        .anonymous()
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/api/v1/reference/credit-code/{code}",
        "/api/v1/reference/size-class",
        "/api/v1/calendar/working-days/add",
        "/api/v1/calendar/working-days/between",
        "/api/v1/auth/login",
        "/api/v1/enterprises/{code}",
        "/api/v1/enterprises/import",
        "/api/v1/applications/{receipt}/sign",
        "/api/v1/policies/{id}/auto-grant/runs",
        "/api/v1/auto-grant-runs/{run}/release",
        "/api/v1/auto-grant-runs/{run}",
    ] {
        assert!(
            doc["paths"].get(path).is_some(),
            "{path} missing from the OpenAPI document"
        );
    }
    // Every operation's tag is declared with a description, the scenes' own among them.
    let declared: Vec<&str> = doc["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            assert!(!t["description"].as_str().unwrap().is_empty(), "{t}");
            t["name"].as_str().unwrap()
        })
        .collect();
    for scene in ["policies", "requests", "agreements"] {
        assert!(declared.contains(&scene), "{scene} tag: {declared:?}");
    }
    for (path, operations) in doc["paths"].as_object().unwrap() {
        for (method, op) in operations.as_object().unwrap() {
            for tag in op["tags"].as_array().into_iter().flatten() {
                let tag = tag.as_str().unwrap();
                assert!(
                    declared.contains(&tag),
                    "{method} {path}: undeclared tag {tag}"
                );
            }
        }
    }
}

#[tokio::test]
async fn one_stylesheet_and_one_script_carry_the_kernel_and_every_scene() {
    let app = TestApp::spawn_empty().await;
    let client = app.anonymous();
    let css = client.get(app.url("/static/app.css")).send().await.unwrap();
    assert_eq!(css.headers()["content-type"], "text/css; charset=utf-8");
    let css = css.text().await.unwrap();
    for rule in [".main-nav", ".builder-row", ".agreement-list"] {
        assert!(css.contains(rule), "{rule} missing from app.css");
    }
    let js = client.get(app.url("/static/app.js")).send().await.unwrap();
    let js = js.text().await.unwrap();
    for function in ["function navMenus", "function policyBuilder"] {
        assert!(js.contains(function), "{function} missing from app.js");
    }
    let icons = client
        .get(app.url("/static/icons.svg"))
        .send()
        .await
        .unwrap();
    assert_eq!(icons.headers()["content-type"], "image/svg+xml");
    assert!(icons.text().await.unwrap().contains("<symbol id=\"house\""));
}

#[tokio::test]
async fn unknown_pages_are_404_in_chinese() {
    let app = TestApp::spawn_empty().await;
    let res = app
        .anonymous()
        .get(app.url("/no-such-page"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert!(res.text().await.unwrap().contains("页面不存在"));
}

/// No statement, lock wait or forgotten transaction holds the database for long: every pooled
/// connection carries the limits (PostgreSQL), or waits for the writer a bounded time (SQLite).
#[tokio::test]
async fn every_connection_bounds_how_long_it_waits_and_runs() {
    let app = TestApp::spawn().await;
    let mut conn = app.app.db.conn().await.unwrap();
    if app.db_url.starts_with("postgres") {
        for (name, expected) in [
            ("SHOW statement_timeout", "30s"),
            ("SHOW idle_in_transaction_session_timeout", "30s"),
            ("SHOW lock_timeout", "5s"),
        ] {
            let row = sqlx::query(name).fetch_one(&mut *conn).await.unwrap();
            let value: String = sqlx::Row::try_get(&row, 0).unwrap();
            assert_eq!(value, expected, "{name}");
        }
    } else {
        let row = sqlx::query("PRAGMA busy_timeout")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        let value: i64 = sqlx::Row::try_get(&row, 0).unwrap();
        assert_eq!(value, 5000);
    }
}

#[tokio::test]
async fn the_front_page_shows_visitors_the_policies_and_sends_people_to_their_workbench() {
    let app = TestApp::spawn().await;
    let res = app.anonymous().get(app.url("/")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let page = res.text().await.unwrap();
    for text in [
        "搜索惠企政策",
        "最新政策",
        "办理最多的政策",
        "已办理",
        "如何提交诉求",
        "如何核验办理留痕",
        "联系我们",
        "href=\"/login\"",
    ] {
        assert!(page.contains(text), "{text} missing from the front page");
    }
    for (user, home) in [
        ("enterprise", "/portal"),
        ("handler", "/workbench"),
        ("bank", "/workbench"),
    ] {
        let res = app.login(user).await.client;
        let res = res.get(app.url("/")).send().await.unwrap();
        assert!(res.status().is_redirection(), "{user}: {}", res.status());
        assert_eq!(res.headers()["location"], home, "{user}");
    }
}

#[tokio::test]
async fn the_navigation_links_only_pages_the_person_may_open() {
    let app = TestApp::spawn().await;
    for user in ["bank", "enterprise", "steward", "reviewer1", "finance"] {
        let session = app.login(user).await;
        let home = session.client.get(app.url("/")).send().await.unwrap();
        let home = home.headers()["location"].to_str().unwrap().to_string();
        let page = app.text_of(&session.client, &home).await;
        let nav = &page[page.find("aria-label=\"主导航\"").unwrap()..page.find("</nav>").unwrap()];
        for href in nav
            .split("href=\"")
            .skip(1)
            .filter_map(|s| s.split('"').next())
        {
            if href.starts_with("/static/") {
                continue;
            }
            let res = session.client.get(app.url(href)).send().await.unwrap();
            assert!(
                res.status().is_success() || res.status().is_redirection(),
                "{user}: the navigation links to {href}, which answers {}",
                res.status()
            );
        }
    }
}
