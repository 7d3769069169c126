//! Staff queues and lists: 待我处理 / 已超期 / 全部, search by title, receipt number and enterprise
//! name, pages; refusals of addresses that cannot be read, in the API and on the page.

use crate::helpers::{Session, TestApp, assert_error};
use crate::requests::{ok, path, set_routes, submit};
use chrono::Utc;
use qinqing_kernel::clock::ManualClock;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::sync::Arc;

/// The enterprise files `count` policy requests (routed to 工业和信息化局), the first titled
/// 路灯, the rest 道路; their receipts, oldest first.
async fn file_requests(enterprise: &Session, count: usize) -> Vec<String> {
    let code = enterprise.first_enterprise();
    let mut receipts = Vec::new();
    for n in 0..count {
        let title = if n == 0 {
            "厂区门口路灯不亮"
        } else {
            "厂区道路破损"
        };
        let body = json!({ "credit_code": code, "category": "policy", "title": format!("{title} {n}"),
            "description": "请尽快处理" });
        let filed = submit(enterprise, body).await;
        receipts.push(filed["receipt_no"].as_str().unwrap().to_string());
    }
    receipts
}

fn receipts_of(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["receipt_no"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn a_clerks_queue_narrows_to_its_tab_and_search_and_pages_through() {
    let clock = Arc::new(ManualClock::new(Utc::now()));
    let app = TestApp::spawn_at(clock.clone()).await;
    set_routes(&app).await;
    let enterprise = app.login("enterprise").await;
    let receipts = file_requests(&enterprise, 5).await;
    let handler = app.login("handler").await;

    let mine = ok(handler.get("/api/v1/requests?tab=mine").await).await;
    assert_eq!(mine["total"], 5, "{mine}");
    assert_eq!(mine["per_page"], 20);
    let search = ok(handler.get("/api/v1/requests?q=%E8%B7%AF%E7%81%AF").await).await;
    assert_eq!(
        receipts_of(&search),
        vec![receipts[0].clone()],
        "路灯 by title"
    );
    let lower = receipts[3].to_lowercase();
    let by_number = ok(handler.get(&format!("/api/v1/requests?q={lower}")).await).await;
    assert_eq!(
        receipts_of(&by_number),
        vec![receipts[3].clone()],
        "by receipt number, any case"
    );
    let name = mine["items"][0]["enterprise_name"].as_str().unwrap();
    let part: String = name.chars().take(4).collect();
    let by_name = ok(handler.get(&format!("/api/v1/requests?q={part}")).await).await;
    assert_eq!(by_name["total"], 5, "by the enterprise's name");

    // Pages: newest first, two at a time; the total counts every page.
    let second = ok(handler
        .get("/api/v1/requests?tab=mine&per_page=2&page=2")
        .await)
    .await;
    assert_eq!(second["total"], 5);
    assert_eq!(
        receipts_of(&second),
        vec![receipts[2].clone(), receipts[1].clone()]
    );
    let beyond = ok(handler.get("/api/v1/requests?per_page=2&page=9").await).await;
    assert_eq!(
        (beyond["total"].clone(), receipts_of(&beyond).len()),
        (json!(5), 0)
    );

    // Nothing is late yet; a day later no one has signed for them: all five are overdue.
    let overdue = ok(handler.get("/api/v1/requests?tab=overdue").await).await;
    assert_eq!(overdue["total"], 0);
    ok(handler
        .post(
            &path(&json!({ "receipt_no": receipts[4] }), "/accept"),
            &json!({}),
        )
        .await)
    .await;
    clock.advance(chrono::Duration::hours(25));
    let handler = app.login("handler").await;
    let overdue = ok(handler.get("/api/v1/requests?tab=overdue").await).await;
    let late = receipts_of(&overdue);
    assert!(
        receipts[..4].iter().all(|r| late.contains(r)),
        "never signed for: {overdue}"
    );
    assert!(
        overdue["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["overdue"] == true)
    );
    let roads = ok(handler
        .get("/api/v1/requests?tab=all&q=%E9%81%93%E8%B7%AF")
        .await)
    .await;
    assert_eq!(roads["total"], 4, "道路 in four titles");

    // 待我处理 of the enterprise: the replies waiting for its follow-up.
    let reply = json!({ "reply": "已安排维修,明日修复" });
    ok(handler
        .post(
            &path(&json!({ "receipt_no": receipts[4] }), "/reply"),
            &reply,
        )
        .await)
    .await;
    let enterprise = app.login("enterprise").await;
    let waiting = ok(enterprise.get("/api/v1/requests?tab=mine").await).await;
    assert_eq!(receipts_of(&waiting), vec![receipts[4].clone()]);
    // Another department's clerk has none of them waiting.
    let finance = app.login("reviewer2").await;
    let theirs = ok(finance.get("/api/v1/requests?tab=mine").await).await;
    assert_eq!(theirs["total"], 0, "{theirs}");
}

#[tokio::test]
async fn an_address_the_api_cannot_read_is_refused_in_chinese_and_never_fails() {
    let app = TestApp::spawn().await;
    set_routes(&app).await;
    let handler = app.login("handler").await;
    let long = "长".repeat(51);
    for (query, field) in [
        ("page=0", "page"),
        ("page=abc", "page"),
        ("page=-1", "page"),
        ("per_page=0", "per_page"),
        ("per_page=500", "per_page"),
        ("tab=later", "tab"),
        (&format!("q={long}") as &str, "q"),
    ] {
        let res = handler.get(&format!("/api/v1/requests?{query}")).await;
        let body = assert_error(
            res,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            Some(field),
        )
        .await;
        let message = body["message"].as_str().unwrap();
        assert!(
            message
                .chars()
                .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
            "{message}"
        );
    }
    // A parameter given twice is the framework's refusal, in the API's shape, not a failure.
    let twice = handler.get("/api/v1/requests?page=1&page=2").await;
    assert!(twice.status().is_client_error(), "{}", twice.status());
    let body: Value = twice.json().await.unwrap();
    assert_eq!(body["code"], "invalid");
}

#[tokio::test]
async fn the_queue_page_shows_twenty_a_page_with_links_and_reads_a_bad_address_as_the_default() {
    let app = TestApp::spawn().await;
    set_routes(&app).await;
    let enterprise = app.login("enterprise").await;
    file_requests(&enterprise, 21).await;
    let handler = app.login("handler").await;

    let first = handler.get("/requests").await;
    assert_eq!(first.status(), StatusCode::OK);
    let html = first.text().await.unwrap();
    assert!(html.contains("共 21 条,第 1 / 2 页"), "twenty a page");
    assert!(
        html.contains("href=\"/requests?tab=mine&#38;page=2\""),
        "a link to page 2"
    );
    assert!(
        html.contains("aria-current=\"page\">待我处理</a>"),
        "a clerk opens on 待我处理"
    );
    assert_eq!(html.matches("<td class=\"title\">").count(), 20);

    let searched = handler
        .get("/requests?tab=all&q=%E8%B7%AF%E7%81%AF")
        .await
        .text()
        .await
        .unwrap();
    assert!(searched.contains("共 1 条"), "路灯 found once");
    assert!(
        searched.contains("厂区门口路灯不亮 0"),
        "the title is listed"
    );
    assert!(
        searched.contains("value=\"路灯\""),
        "the search box keeps the text"
    );

    for bad in ["page=0", "page=abc", "tab=later", "page=1&page=2"] {
        let res = handler.get(&format!("/requests?{bad}")).await;
        assert_eq!(res.status(), StatusCode::OK, "{bad}");
        assert!(
            res.text().await.unwrap().contains("第 1 / 2 页"),
            "{bad} shows page 1"
        );
    }
    let empty = handler
        .get("/requests?tab=all&q=%E6%B2%A1%E6%9C%89")
        .await
        .text()
        .await
        .unwrap();
    assert!(empty.contains("没有找到与“没有”相关的诉求"));
}

#[tokio::test]
async fn the_review_queue_narrows_to_the_reviewers_turn_the_late_and_a_search() {
    let clock = Arc::new(ManualClock::new(Utc::now()));
    let app = TestApp::spawn_at(clock.clone()).await;
    let id = crate::policies::simple_apply_policy(&app, "qq-queue", "500", None).await;
    let firm = app.login("enterprise").await;
    let first = crate::policies::submit(&firm, &id, 2024, &["integrity"]).await;
    let second = crate::policies::submit(&firm, &id, 2025, &["integrity"]).await;
    let r1 = app.login("reviewer1").await;

    let mine = ok(r1.get("/api/v1/reviews?tab=mine").await).await;
    let held = receipts_of_applications(&mine);
    assert!(held.contains(&first) && held.contains(&second), "{mine}");
    assert!(
        mine["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["mine"] == true)
    );
    let one = ok(r1.get(&format!("/api/v1/reviews?q={second}")).await).await;
    assert_eq!(receipts_of_applications(&one), vec![second.clone()]);
    let paged = ok(r1.get("/api/v1/reviews?tab=mine&per_page=1&page=2").await).await;
    assert_eq!(paged["items"].as_array().unwrap().len(), 1);
    assert_eq!(paged["total"], mine["total"]);
    // 财政 复审 holds neither yet.
    let r2 = app.login("reviewer2").await;
    let theirs = ok(r2.get(&format!("/api/v1/reviews?tab=mine&q={first}")).await).await;
    assert_eq!(theirs["total"], 0, "{theirs}");

    // Not signed for within 24 hours: both are late.
    assert_eq!(
        ok(r1.get("/api/v1/reviews?tab=overdue").await).await["total"],
        0
    );
    clock.advance(chrono::Duration::hours(25));
    let r1 = app.login("reviewer1").await;
    let late = ok(r1.get("/api/v1/reviews?tab=overdue").await).await;
    let late_receipts = receipts_of_applications(&late);
    assert!(
        late_receipts.contains(&first) && late_receipts.contains(&second),
        "{late}"
    );

    for bad in ["page=0", "page=abc", "tab=later", "per_page=1000"] {
        let res = r1.get(&format!("/api/v1/reviews?{bad}")).await;
        assert_error(res, StatusCode::UNPROCESSABLE_ENTITY, "invalid", None).await;
    }
    let html = r1.get("/reviews?page=abc&tab=later").await;
    assert_eq!(html.status(), StatusCode::OK);
    let html = html.text().await.unwrap();
    assert!(
        html.contains("aria-current=\"page\">待我处理</a>"),
        "a reviewer opens on 待我处理"
    );
    assert!(html.contains("status tone-overdue"), "late rows are marked");
}

fn receipts_of_applications(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["application"]["receipt_no"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn the_warnings_list_narrows_to_those_not_acted_on_and_the_late_and_pages() {
    let clock = Arc::new(ManualClock::new(Utc::now()));
    let app = TestApp::spawn_at(clock.clone()).await;
    set_routes(&app).await;
    let enterprise = app.login("enterprise").await;
    let receipts = file_requests(&enterprise, 3).await;
    clock.advance(chrono::Duration::hours(25));
    qinqing_kernel::deadlines::run_due(&app.app).await.unwrap();
    let handler = app.login("handler").await;

    let all = ok(handler.get("/api/v1/warnings?per_page=200").await).await;
    let about: Vec<&str> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["object_id"].as_str().unwrap())
        .collect();
    assert!(
        receipts.iter().all(|r| about.contains(&r.as_str())),
        "{all}"
    );
    let late = ok(handler
        .get("/api/v1/warnings?tab=overdue&per_page=200")
        .await)
    .await;
    assert!(late["total"].as_i64().unwrap() >= 3, "{late}");
    assert!(
        late["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|w| w["overdue"] == true)
    );
    let one = ok(handler
        .get(&format!("/api/v1/warnings?q={}", receipts[1]))
        .await)
    .await;
    assert!(
        one["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|w| w["object_id"] == receipts[1].as_str())
    );
    assert!(one["total"].as_i64().unwrap() >= 1);

    // Acted on, a warning leaves 待我处理 and stays under 全部.
    let id = one["items"][0]["id"].as_i64().unwrap();
    let acted = handler
        .post(
            &format!("/api/v1/warnings/{id}/act"),
            &json!({ "note": "已电话联系企业" }),
        )
        .await;
    assert_eq!(acted.status(), StatusCode::NO_CONTENT);
    let waiting = ok(handler.get("/api/v1/warnings?tab=mine&per_page=200").await).await;
    assert!(
        waiting["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|w| w["id"] != id)
    );
    let still = ok(handler
        .get(&format!("/api/v1/warnings?q={}", receipts[1]))
        .await)
    .await;
    assert!(
        still["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w["id"] == id)
    );

    for bad in ["page=0", "page=abc", "tab=later"] {
        let res = handler.get(&format!("/api/v1/warnings?{bad}")).await;
        assert_error(res, StatusCode::UNPROCESSABLE_ENTITY, "invalid", None).await;
    }
    let page = handler.get("/workbench?page=abc").await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("aria-current=\"page\">待我处理</a>"));
    assert!(
        html.contains("status tone-overdue"),
        "late warnings are marked"
    );
}
