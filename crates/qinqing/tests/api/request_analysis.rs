//! 诉求必应, second part: 研判 figures and their export, the 12345 import, attachments on
//! requests, and closing replies never followed up — with the refusals by role and scope.

use crate::helpers::{Session, TestApp, assert_error, credit_code};
use crate::requests::{TOWN, ok, own_request, path, set_routes, spawn, submit};
use chrono::Utc;
use qinqing_kernel::clock::ManualClock;
use qinqing_requests::auto_close::close_expired;
use qinqing_requests::model::Channel;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::sync::Arc;

/// One enterprise in 东园镇 and one elsewhere.
async fn town_and_other(app: &TestApp) -> (String, String) {
    let all = app.enterprises().await;
    let inside = all.iter().find(|(_, r)| r.starts_with(TOWN)).unwrap();
    let outside = all.iter().find(|(_, r)| !r.starts_with(TOWN)).unwrap();
    (inside.0.clone(), outside.0.clone())
}

async fn hotline(handler: &Session, code: &str, category: &str, title: &str) -> Value {
    submit(
        handler,
        json!({ "credit_code": code, "category": category, "title": title, "description": format!("{title},请协调"), "channel": "hotline" }),
    )
    .await
}

async fn analysis(session: &Session, query: &str) -> reqwest::Response {
    session
        .get(&format!("/api/v1/dashboards/requests{query}"))
        .await
}

#[tokio::test]
async fn the_analysis_counts_times_and_repeats_within_the_callers_region() {
    let app = spawn().await;
    let (inside, outside) = town_and_other(&app).await;
    let handler = app.login("handler").await;
    let a = hotline(&handler, &inside, "policy", "技改补助申报时间").await;
    hotline(&handler, &inside, "policy", "技改补助申报时间?").await;
    hotline(&handler, &outside, "labour", "招工难").await;
    ok(handler.post(&path(&a, "/accept"), &json!({})).await).await;
    let reply = json!({ "reply": "每年三月申报" });
    ok(handler.post(&path(&a, "/reply"), &reply).await).await;

    let lead = app.login("lead").await;
    let d: Value = ok(analysis(&lead, "").await).await;
    assert_eq!(d["total"], 3);
    let categories = d["by_category"].as_array().unwrap();
    assert_eq!(categories[0]["label"], "政策咨询");
    assert_eq!(categories[0]["total"], 2);
    assert_eq!(categories[0]["bar"], 100);
    assert_eq!(d["response"]["measured"], 1);
    assert!(d["response"]["median"].is_string());
    assert_eq!(d["response"]["on_time_bp"], 10000);
    assert_eq!(d["resolution"]["median"], "0.0");
    assert_eq!(d["by_month"].as_array().unwrap().len(), 6);
    let repeats = d["repeat_enterprises"].as_array().unwrap();
    assert_eq!(repeats.len(), 1, "{repeats:?}");
    assert_eq!(repeats[0]["count"], 2);
    let subjects = d["repeat_subjects"].as_array().unwrap();
    assert_eq!(subjects.len(), 1, "similar titles, same category and town");
    assert_eq!(
        d["oldest"].as_array().unwrap().len(),
        2,
        "the reply is not in hand"
    );

    // The town sees its town only.
    let town = app.login("town").await;
    let t: Value = ok(analysis(&town, "").await).await;
    assert_eq!(t["total"], 2);
    assert_eq!(t["by_town"].as_array().unwrap().len(), 1);

    // A period without requests, and a wrong one.
    let empty: Value = ok(analysis(&lead, "?from=2020-01&to=2020-03").await).await;
    assert_eq!(empty["total"], 0);
    assert_eq!(empty["by_month"].as_array().unwrap().len(), 3);
    for (query, field) in [
        ("?from=2026/01", "from"),
        ("?from=2026-05&to=2026-01", "from"),
        ("?from=2020-01&to=2026-01", "from"),
        ("?to=13", "to"),
    ] {
        assert_error(
            analysis(&lead, query).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            Some(field),
        )
        .await;
    }

    // Exports: CSV with a BOM, XLSX a workbook.
    let csv = analysis(&lead, "?format=csv").await;
    assert_eq!(csv.status(), StatusCode::OK);
    let bytes = csv.bytes().await.unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
    assert!(String::from_utf8_lossy(&bytes).contains("政策咨询"));
    let xlsx = analysis(&lead, "?format=xlsx").await.bytes().await.unwrap();
    assert!(xlsx.starts_with(b"PK"));

    // Refused: the enterprise, a department's handler, the bank.
    for who in ["enterprise", "handler", "bank"] {
        let session = app.login(who).await;
        assert_error(
            analysis(&session, "").await,
            StatusCode::FORBIDDEN,
            "forbidden",
            None,
        )
        .await;
    }
    let page = lead.get("/requests/analysis?from=2026-01").await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("诉求研判") && html.contains("chart-category"));
    assert!(html.contains(r#"<title id="chart-category-svg-title">本期诉求按类别</title>"#));
    let refused = app
        .login("enterprise")
        .await
        .get("/requests/analysis")
        .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
}

const HEAD: &str = "工单编号,来电时间,企业名称,统一社会信用代码,诉求类别,诉求标题,诉求内容,联系人,联系电话,所属镇街\r\n";

fn ticket(no: &str, code: &str, category: &str) -> String {
    format!(
        "{no},2026-11-20 09:30,某企业,{code},{category},转贷资金紧张,流动资金贷款下月到期,张三,13800000000,东园镇\r\n"
    )
}

async fn import(session: &Session, name: &str, file: String) -> reqwest::Response {
    session
        .upload("/api/v1/requests/import", name, file.into_bytes())
        .await
}

async fn count(session: &Session) -> usize {
    let all: Value = ok(session.get("/api/v1/requests").await).await;
    all["total"].as_u64().unwrap() as usize
}

#[tokio::test]
async fn a_12345_file_is_imported_whole_once_or_refused_row_by_row() {
    let app = spawn().await;
    let (inside, outside) = town_and_other(&app).await;
    let handler = app.login("handler").await;
    let admin = app.login("admin").await;
    let before = count(&admin).await;

    let bad = format!(
        "\u{feff}{HEAD}{}{}{}",
        ticket("GD0001", &inside, "融资服务"),
        ticket("GD0002", &outside, "修路"),
        ticket("GD0003", &credit_code("91350521MA0000000"), "政策咨询"),
    );
    let body = assert_error(
        import(&handler, "12345.csv", bad).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "import_rejected",
        None,
    )
    .await;
    let errors = body["rows"].as_array().unwrap_or_else(|| panic!("{body}"));
    let found: Vec<(i64, &str)> = errors
        .iter()
        .map(|e| (e["row"].as_i64().unwrap(), e["column"].as_str().unwrap()))
        .collect();
    assert_eq!(found, vec![(3, "诉求类别"), (4, "统一社会信用代码")]);
    assert_eq!(count(&admin).await, before, "nothing saved");

    let good = format!(
        "{HEAD}{}{}",
        ticket("GD0001", &inside, "融资服务"),
        ticket("GD0002", &outside, "labour"),
    );
    let done: Value = ok(import(&handler, "12345.csv", good.clone()).await).await;
    assert_eq!(done["imported"].as_array().unwrap().len(), 2);
    assert_eq!(done["skipped"], 0);
    let again: Value = ok(import(&handler, "12345.csv", good).await).await;
    assert_eq!(again["imported"].as_array().unwrap().len(), 0);
    assert_eq!(again["skipped"], 2);
    assert_eq!(count(&admin).await, before + 2);

    // Two imports running at once cannot both register a ticket: the store keeps one per number.
    let mut conn = app.app.db.conn().await.unwrap();
    let stored = qinqing_requests::store::requests::by_source_ref(
        &mut conn,
        Channel::Hotline12345,
        "GD0001",
    )
    .await
    .unwrap()
    .unwrap();
    let twin = qinqing_requests::store::requests::NewRequest {
        receipt_no: "SQ-TWIN",
        enterprise_id: stored.enterprise_id,
        region_code: &stored.region_code,
        category_code: &stored.category_code,
        title: None,
        description: "同一工单的第二次登记",
        location: None,
        lat: None,
        lon: None,
        contact: None,
        channel: Channel::Hotline12345,
        source_ref: Some("GD0001"),
        registered_by: None,
        submit_key: None,
        owner_org_id: stored.owner_org_id,
    };
    let refused =
        qinqing_requests::store::requests::insert(&mut conn, &twin, chrono::Utc::now()).await;
    assert!(matches!(
        refused,
        Err(qinqing_kernel::store::StoreError::Duplicate)
    ));
    drop(conn);

    let receipt = done["imported"][0].as_str().unwrap();
    let r: Value = ok(admin.get(&format!("/api/v1/requests/{receipt}")).await).await;
    assert_eq!(r["channel"], "12345");
    assert_eq!(r["source_ref"], "GD0001");
    assert_eq!(r["title"], "转贷资金紧张");
    assert_eq!(
        r["owner_name"], "东园镇经济发展办",
        "routed like any request"
    );

    // Refused: the enterprise and supervisors; a file that is not CSV or XLSX.
    for who in ["enterprise", "efficiency"] {
        let session = app.login(who).await;
        let file = format!("{HEAD}{}", ticket("GD0009", &inside, "融资服务"));
        assert_error(
            import(&session, "12345.csv", file).await,
            StatusCode::FORBIDDEN,
            "forbidden",
            None,
        )
        .await;
    }
    assert_error(
        import(&handler, "12345.txt", HEAD.into()).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("file"),
    )
    .await;
}

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

#[tokio::test]
async fn a_submission_whose_file_is_refused_files_nothing_and_keeps_the_text() {
    let app = spawn().await;
    let enterprise = app.login("enterprise").await;
    let code = enterprise.first_enterprise();
    let before: Value = ok(enterprise.get("/api/v1/requests").await).await;
    let description = "厂区门口道路破损,货车进出困难";
    let fields = [
        ("_csrf", enterprise.csrf.as_str()),
        ("credit_code", code.as_str()),
        ("category", "policy"),
        ("description", description),
    ];
    // An HTML page renamed .pdf: the type is read from the bytes.
    let res = enterprise
        .upload_with(
            "/requests",
            &fields,
            "照片.pdf",
            b"<html>hi</html>".to_vec(),
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = res.text().await.unwrap();
    assert!(page.contains(description), "the text typed is kept");
    let after: Value = ok(enterprise.get("/api/v1/requests").await).await;
    assert_eq!(after["total"], before["total"], "nothing is filed");
}

#[tokio::test]
async fn the_enterprise_attaches_files_seen_as_the_request_is() {
    let app = spawn().await;
    let (enterprise, request) = own_request(&app, "policy").await;
    let files = path(&request, "/attachments");
    let added = enterprise
        .upload_with(&files, &[("label", "现场照片")], "门口.png", PNG.to_vec())
        .await;
    assert_eq!(added.status(), StatusCode::CREATED);
    let added: Value = added.json().await.unwrap();
    assert_eq!(added["label"], "现场照片");
    let handler = app.login("handler").await;
    let listed: Value = ok(handler.get(&files).await).await;
    assert_eq!(listed.as_array().unwrap().len(), 1);
    let content = handler.get(&format!("{files}/{}", added["id"])).await;
    assert_eq!(content.status(), StatusCode::OK);
    assert_eq!(content.bytes().await.unwrap().as_ref(), PNG);

    // The department answers; it does not add the enterprise's evidence. Outsiders see nothing.
    assert_error(
        handler.upload(&files, "x.png", PNG.to_vec()).await,
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    )
    .await;
    for who in ["bank", "finance"] {
        let session = app.login(who).await;
        assert_eq!(
            session.get(&files).await.status(),
            StatusCode::NOT_FOUND,
            "{who}"
        );
    }
    assert_error(
        enterprise
            .upload(&files, "病毒.exe", b"MZ\x90\0".to_vec())
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("file"),
    )
    .await;
    let page = enterprise
        .get(&format!(
            "/requests/{}",
            request["receipt_no"].as_str().unwrap()
        ))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("门口.png") && page.contains("上传附件"));

    // Once closed, no more files.
    ok(handler
        .post(&path(&request, "/reply"), &json!({ "reply": "已答复" }))
        .await)
    .await;
    ok(enterprise
        .post(
            &path(&request, "/follow-up"),
            &json!({ "result": "satisfied" }),
        )
        .await)
    .await;
    assert_error(
        enterprise.upload(&files, "b.png", PNG.to_vec()).await,
        StatusCode::CONFLICT,
        "conflict",
        None,
    )
    .await;
}

#[tokio::test]
async fn a_reply_without_follow_up_closes_when_the_window_passes() {
    let clock = Arc::new(ManualClock::new(Utc::now()));
    let app = TestApp::spawn_at(clock.clone()).await;
    set_routes(&app).await;
    let (enterprise, quiet) = own_request(&app, "policy").await;
    let (_, answered) = own_request(&app, "policy").await;
    let handler = app.login("handler").await;
    for r in [&quiet, &answered] {
        ok(handler
            .post(&path(r, "/reply"), &json!({ "reply": "已答复" }))
            .await)
        .await;
    }
    ok(enterprise
        .post(
            &path(&answered, "/follow-up"),
            &json!({ "result": "basic" }),
        )
        .await)
    .await;
    clock.advance(chrono::Duration::days(6));
    assert_eq!(close_expired(&app.app).await.unwrap(), 0, "within 7 days");
    clock.advance(chrono::Duration::days(1) + chrono::Duration::minutes(1));
    let (a, b) = tokio::join!(close_expired(&app.app), close_expired(&app.app));
    assert_eq!(a.unwrap() + b.unwrap(), 1, "closed once, by one run");
    assert_eq!(close_expired(&app.app).await.unwrap(), 0);

    // A week later the morning's sessions have expired.
    let (admin, handler) = (app.login("admin").await, app.login("handler").await);
    let closed: Value = ok(admin.get(&path(&quiet, "")).await).await;
    assert_eq!(closed["status"], "closed");
    assert_eq!(closed["follow_up_result"], "expired");
    let kept: Value = ok(admin.get(&path(&answered, "")).await).await;
    assert_eq!(kept["follow_up_result"], "basic");
    let mut conn = app.app.db.conn().await.unwrap();
    let receipt = quiet["receipt_no"].as_str().unwrap();
    let trail = qinqing_kernel::store::audit::for_object(&mut conn, "request", receipt)
        .await
        .unwrap();
    assert!(
        format!("{trail:?}").contains("request.auto_closed"),
        "audited"
    );
    // Nobody may record the scheduler's result as a follow-up.
    let enterprise = app.login("enterprise").await;
    let (_, third) = own_request(&app, "policy").await;
    ok(handler
        .post(&path(&third, "/reply"), &json!({ "reply": "已答复" }))
        .await)
    .await;
    assert_error(
        enterprise
            .post(&path(&third, "/follow-up"), &json!({ "result": "expired" }))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("result"),
    )
    .await;

    // The window is the administrator's.
    let window = json!({ "follow_up_days": 3 });
    assert_error(
        handler.put("/api/v1/admin/request-settings", &window).await,
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    )
    .await;
    assert_error(
        admin
            .put(
                "/api/v1/admin/request-settings",
                &json!({ "follow_up_days": 0 }),
            )
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("follow_up_days"),
    )
    .await;
    ok(admin.put("/api/v1/admin/request-settings", &window).await).await;
    clock.advance(chrono::Duration::days(3) + chrono::Duration::minutes(1));
    assert_eq!(close_expired(&app.app).await.unwrap(), 1);
}

#[tokio::test]
async fn the_request_page_marks_a_duplicate_and_shows_stopped_clocks() {
    let app = spawn().await;
    let (_, first) = own_request(&app, "policy").await;
    let (_, repeat) = own_request(&app, "policy").await;
    let handler = app.login("handler").await;
    ok(handler.post(&path(&first, "/accept"), &json!({})).await).await;
    let page = |r: &Value| format!("/requests/{}", r["receipt_no"].as_str().unwrap());
    let shown = handler.get(&page(&first)).await.text().await.unwrap();
    assert!(
        shown.contains("已响应,计时已停止"),
        "the response clock stopped"
    );
    assert!(shown.contains("标记为重复并案"));
    let wrong = crate::requests::post_page(
        &handler,
        &format!("{}/duplicate", page(&repeat)),
        &[("of", "SQ-none")],
    )
    .await;
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.text().await.unwrap().contains("只能并入同一企业"));
    let of = first["receipt_no"].as_str().unwrap();
    let merged = crate::requests::post_page(
        &handler,
        &format!("{}/duplicate", page(&repeat)),
        &[("of", of)],
    )
    .await;
    assert_eq!(merged.status(), StatusCode::SEE_OTHER);
    let shown = handler.get(&page(&repeat)).await.text().await.unwrap();
    assert!(shown.contains("重复诉求,已并案"));
    // The enterprise picker names the enterprise.
    let enterprise = app.login("enterprise").await;
    let list = enterprise.get("/requests").await.text().await.unwrap();
    let code = enterprise.me["enterprises"][0].as_str().unwrap();
    assert!(list.contains(&format!("({code})")), "name with code");
}
