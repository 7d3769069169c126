//! 诉求必应's 会商 and 会诊日: invitations and opinions with their clocks, the monthly session on
//! its (configurable, holiday-shifted) day, its record and decisions as tracked actions, and
//! the refusals by role and scope.

use crate::helpers::{Session, TestApp, assert_error};
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use qinqing_domain::deadline::beijing;
use qinqing_kernel::clock::ManualClock;
use qinqing_kernel::deadlines::run_due;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::sync::Arc;

/// 10:00 Beijing time on a date.
fn beijing_morning(y: i32, m: u32, d: u32) -> DateTime<Utc> {
    beijing()
        .with_ymd_and_hms(y, m, d, 10, 0, 0)
        .single()
        .unwrap()
        .with_timezone(&Utc)
}

fn today(app: &TestApp) -> NaiveDate {
    qinqing_domain::deadline::local_date(app.app.now())
}

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
        .and_then(|o| o["id"].as_i64())
        .unwrap_or_else(|| panic!("no organisation {name}"))
}

/// A policy question of the demo enterprise: the demo routes it to 工业和信息化局.
async fn policy_request(app: &TestApp) -> (Session, String) {
    let enterprise = app.login("enterprise").await;
    let code = enterprise.first_enterprise();
    let body = json!({ "credit_code": code, "category": "policy", "description": "技改补助与研发补助能否叠加?" });
    let res = enterprise.post("/api/v1/requests", &body).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let r: Value = res.json().await.unwrap();
    assert_eq!(r["owner_name"], "工业和信息化局");
    (enterprise, r["receipt_no"].as_str().unwrap().to_string())
}

async fn json_of(res: reqwest::Response, status: StatusCode) -> Value {
    let got = res.status();
    let text = res.text().await.unwrap();
    assert_eq!(got, status, "{text}");
    serde_json::from_str(&text).unwrap()
}

fn invitation(orgs: &[i64], due_on: NaiveDate) -> Value {
    json!({ "org_ids": orgs, "question": "请就补助叠加的口径提出意见", "due_on": due_on.to_string() })
}

async fn clocks(session: &Session, object_type: &str, id: &Value) -> Vec<Value> {
    let path = format!("/api/v1/deadlines?object_type={object_type}&object_id={id}");
    let found: Value = session.get(&path).await.json().await.unwrap();
    found.as_array().unwrap().clone()
}

#[tokio::test]
async fn the_owner_invites_other_departments_and_each_gives_its_opinion_once() {
    let app = TestApp::spawn().await;
    let (enterprise, receipt) = policy_request(&app).await;
    let consultations = format!("/api/v1/requests/{receipt}/consultations");
    let (finance, land) = (
        org_id(&app, "财政局").await,
        org_id(&app, "自然资源局").await,
    );
    let handler = app.login("handler").await;
    let reviewer2 = app.login("reviewer2").await; // 财政局
    let due = today(&app) + Duration::days(3);

    // Before the invitation 财政局 neither sees the request nor may invite anyone to it.
    assert_error(
        reviewer2
            .post(&consultations, &invitation(&[land], due))
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
        None,
    )
    .await;
    assert_error(
        enterprise
            .post(&consultations, &invitation(&[land], due))
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    )
    .await;

    // Mistakes are told by field and change nothing.
    let own = org_id(&app, "工业和信息化局").await;
    let before = app.audit_count().await;
    for (body, field) in [
        (invitation(&[own], due), "org_ids"),
        (invitation(&[], due), "org_ids"),
        (
            invitation(&[finance], today(&app) - Duration::days(1)),
            "due_on",
        ),
        (
            json!({ "org_ids": [finance], "question": " ", "due_on": due.to_string() }),
            "question",
        ),
    ] {
        assert_error(
            handler.post(&consultations, &body).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            Some(field),
        )
        .await;
    }
    assert_eq!(app.audit_count().await, before);

    let invited = json_of(
        handler
            .post(&consultations, &invitation(&[finance, land], due))
            .await,
        StatusCode::CREATED,
    )
    .await;
    let invited = invited.as_array().unwrap();
    assert_eq!(invited.len(), 2);
    assert!(invited.iter().all(|c| c["timeliness"] == "pending"));
    assert_eq!(app.audit_count().await, before + 1);
    let ours = invited.iter().find(|c| c["org_id"] == finance).unwrap();
    let running = clocks(&handler, "request_consultation", &ours["id"]).await;
    assert_eq!(running.len(), 1);
    assert_eq!(running[0]["state"], "计时中");
    assert_error(
        handler
            .post(&consultations, &invitation(&[finance], due))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("org_ids"),
    )
    .await;

    // Invited, 财政局 sees the request; the owner and its other staff cannot answer for it.
    let page = reviewer2.get(&format!("/api/v1/requests/{receipt}")).await;
    assert_eq!(page.status(), StatusCode::OK);
    let opinion = format!("/api/v1/consultations/{}/opinion", ours["id"]);
    let text = json!({ "opinion": "两项补助可以叠加,但同一费用不得重复计算" });
    for other in [&handler, &app.login("finance").await] {
        assert_error(
            other.post(&opinion, &text).await,
            StatusCode::FORBIDDEN,
            "forbidden",
            None,
        )
        .await;
    }
    assert_error(
        reviewer2.post(&opinion, &json!({ "opinion": "" })).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("opinion"),
    )
    .await;
    let given = json_of(reviewer2.post(&opinion, &text).await, StatusCode::OK).await;
    assert_eq!(given["timeliness"], "on_time");
    assert_error(
        reviewer2.post(&opinion, &text).await,
        StatusCode::CONFLICT,
        "conflict",
        None,
    )
    .await;
    let stopped = clocks(&handler, "request_consultation", &ours["id"]).await;
    assert_eq!(stopped[0]["state"], "已办结");

    // The owner sees every opinion and its timeliness; the enterprise sees none of them.
    let seen = json_of(handler.get(&consultations).await, StatusCode::OK).await;
    let seen = seen.as_array().unwrap();
    assert_eq!(seen.len(), 2);
    assert!(
        seen.iter()
            .any(|c| c["opinion"] == text["opinion"] && c["timeliness_label"] == "按时答复")
    );
    assert!(
        seen.iter()
            .any(|c| c["opinion"].is_null() && c["timeliness"] == "pending")
    );
    assert_error(
        enterprise.get(&consultations).await,
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    )
    .await;
    let shown = enterprise
        .get(&format!("/requests/{receipt}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(!shown.contains("会商意见") && !shown.contains("同一费用不得重复计算"));
    let owner_page = handler
        .get(&format!("/requests/{receipt}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(owner_page.contains("同一费用不得重复计算") && owner_page.contains("按时答复"));
}

#[tokio::test]
async fn a_closed_request_takes_no_invitation_and_no_opinion() {
    let app = TestApp::spawn().await;
    let (enterprise, receipt) = policy_request(&app).await;
    let finance = org_id(&app, "财政局").await;
    let handler = app.login("handler").await;
    let consultations = format!("/api/v1/requests/{receipt}/consultations");
    let due = today(&app) + Duration::days(2);
    let invited = json_of(
        handler
            .post(&consultations, &invitation(&[finance], due))
            .await,
        StatusCode::CREATED,
    )
    .await;
    let reply = json!({ "reply": "可以叠加,详见政策第五条" });
    let path = |step: &str| format!("/api/v1/requests/{receipt}{step}");
    json_of(handler.post(&path("/reply"), &reply).await, StatusCode::OK).await;
    let happy = json!({ "result": "satisfied" });
    json_of(
        enterprise.post(&path("/follow-up"), &happy).await,
        StatusCode::OK,
    )
    .await;

    let reviewer2 = app.login("reviewer2").await;
    let opinion = format!("/api/v1/consultations/{}/opinion", invited[0]["id"]);
    assert_error(
        reviewer2
            .post(&opinion, &json!({ "opinion": "同意" }))
            .await,
        StatusCode::CONFLICT,
        "conflict",
        None,
    )
    .await;
    let land = org_id(&app, "自然资源局").await;
    assert_error(
        handler
            .post(&consultations, &invitation(&[land], due))
            .await,
        StatusCode::CONFLICT,
        "conflict",
        None,
    )
    .await;
}

#[tokio::test]
async fn an_opinion_past_its_date_is_warned_and_marked_late() {
    let clock = Arc::new(ManualClock::new(beijing_morning(2026, 4, 13)));
    let app = TestApp::spawn_at(clock.clone()).await;
    let (_, receipt) = policy_request(&app).await;
    let finance = org_id(&app, "财政局").await;
    let handler = app.login("handler").await;
    let due = today(&app) + Duration::days(1);
    let invited = json_of(
        handler
            .post(
                &format!("/api/v1/requests/{receipt}/consultations"),
                &invitation(&[finance], due),
            )
            .await,
        StatusCode::CREATED,
    )
    .await;
    let id = invited[0]["id"].clone();
    run_due(&app.app).await.unwrap();
    clock.advance(Duration::days(3));
    run_due(&app.app).await.unwrap();
    let handler = app.login("handler").await;
    let clock_now = &clocks(&handler, "request_consultation", &id).await[0];
    let fired: Vec<&str> = clock_now["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| !w["fired_at"].is_null())
        .map(|w| w["grade"].as_str().unwrap())
        .collect();
    assert!(fired.contains(&"warning"), "fired {fired:?}");
    let listed: Value = handler
        .get(&format!("/api/v1/requests/{receipt}/consultations"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed[0]["timeliness"], "overdue");

    let reviewer2 = app.login("reviewer2").await;
    let late = json_of(
        reviewer2
            .post(
                &format!("/api/v1/consultations/{id}/opinion"),
                &json!({ "opinion": "同意叠加" }),
            )
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(late["timeliness"], "late");
    assert_eq!(late["timeliness_label"], "逾期答复");
}

#[tokio::test]
async fn a_hard_case_goes_to_the_next_session_whose_decisions_become_tracked_actions() {
    // 2026-02-15 falls in the Spring Festival: the session moves to the 24th.
    let clock = Arc::new(ManualClock::new(beijing_morning(2026, 2, 2)));
    let app = TestApp::spawn_at(clock.clone()).await;
    let (enterprise, receipt) = policy_request(&app).await;
    let handler = app.login("handler").await;
    let overview = json_of(handler.get("/api/v1/clinic-days").await, StatusCode::OK).await;
    assert_eq!(overview["day_of_month"], 15);
    assert_eq!(overview["next_on"], "2026-02-24");
    assert_error(
        enterprise.get("/api/v1/clinic-days").await,
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    )
    .await;

    let agenda = format!("/api/v1/requests/{receipt}/clinic");
    let reason = json!({ "reason": "涉及财政、工信两个部门的口径" });
    let reviewer2 = app.login("reviewer2").await;
    assert_error(
        reviewer2.post(&agenda, &reason).await,
        StatusCode::NOT_FOUND,
        "not_found",
        None,
    )
    .await;
    assert_error(
        handler.post(&agenda, &json!({ "reason": "" })).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("reason"),
    )
    .await;
    let item = json_of(handler.post(&agenda, &reason).await, StatusCode::CREATED).await;
    assert_eq!(item["held_on"], "2026-02-24");
    assert_error(
        handler.post(&agenda, &reason).await,
        StatusCode::CONFLICT,
        "conflict",
        None,
    )
    .await;
    let session = format!("/api/v1/clinic-days/{}", item["clinic_day_id"]);
    let industry = org_id(&app, "工业和信息化局").await;
    let record = json!({ "org_ids": [industry, org_id(&app, "效能办").await], "attendees": "林经办、杨效能", "minutes": "明确由工信局统一答复" });
    let efficiency = app.login("efficiency").await;
    assert_error(
        efficiency.put(&format!("{session}/record"), &record).await,
        StatusCode::CONFLICT,
        "conflict",
        None,
    )
    .await;

    clock.advance(Duration::days(22));
    let reviewer2 = app.login("reviewer2").await;
    let (handler, efficiency, lead) = (
        app.login("handler").await,
        app.login("efficiency").await,
        app.login("lead").await,
    );
    assert_error(
        handler.put(&format!("{session}/record"), &record).await,
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    )
    .await;
    assert_error(
        efficiency
            .put(
                &format!("{session}/record"),
                &json!({ "org_ids": [industry], "minutes": "" }),
            )
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("minutes"),
    )
    .await;
    let recorded = json_of(
        efficiency.put(&format!("{session}/record"), &record).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(recorded["departments"].as_array().unwrap().len(), 2);
    assert_eq!(recorded["minutes"], "明确由工信局统一答复");
    // 财政局 is not handling the request: the agenda names it without a link it cannot open.
    let request_path = format!("/api/v1/requests/{receipt}");
    let day_page = format!("/clinic-days/{}", item["clinic_day_id"]);
    let link = format!("href=\"/requests/{receipt}\"");
    assert_eq!(
        reviewer2.get(&request_path).await.status(),
        StatusCode::NOT_FOUND
    );
    let html = reviewer2.get(&day_page).await.text().await.unwrap();
    assert!(html.contains(&receipt) && !html.contains(&link));

    let decision = json!({ "agenda_item_id": item["id"], "content": "工信局三日内上门讲解", "org_id": industry, "due_on": "2026-03-02" });
    assert_error(
        handler
            .post(&format!("{session}/decisions"), &decision)
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    )
    .await;
    assert_error(
        lead.post(&format!("{session}/decisions"), &json!({ "agenda_item_id": item["id"], "content": "x", "org_id": industry, "due_on": "2026-02-01" })).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("due_on"),
    )
    .await;
    let decided = json_of(
        lead.post(&format!("{session}/decisions"), &decision).await,
        StatusCode::CREATED,
    )
    .await;
    let taken = &decided["agenda"][0]["decisions"][0];
    assert_eq!(taken["status"], "open");
    // Decided on: it stays on the agenda.
    let withdraw = format!("/api/v1/clinic-agenda/{}/withdraw", item["id"]);
    assert_error(
        handler
            .post(&withdraw, &json!({ "reason": "已解决" }))
            .await,
        StatusCode::CONFLICT,
        "conflict",
        None,
    )
    .await;
    let tracked = clocks(&efficiency, "clinic_decision", &taken["id"]).await;
    assert_eq!(tracked.len(), 1);
    assert_eq!(tracked[0]["state"], "计时中");
    // A department given a decision may open the request it acts on.
    let finance = org_id(&app, "财政局").await;
    let for_finance = json!({ "agenda_item_id": item["id"], "content": "财政局核定叠加口径", "org_id": finance, "due_on": "2026-03-02" });
    json_of(
        lead.post(&format!("{session}/decisions"), &for_finance)
            .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(reviewer2.get(&request_path).await.status(), StatusCode::OK);
    let html = reviewer2.get(&day_page).await.text().await.unwrap();
    assert!(html.contains(&link));

    // The request shows the session and its decision to staff.
    let on_request = json_of(handler.get(&agenda).await, StatusCode::OK).await;
    assert_eq!(
        on_request[0]["decisions"][0]["content"],
        "工信局三日内上门讲解"
    );
    let page = handler
        .get(&format!("/requests/{receipt}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("2026-02-24 会诊日") && page.contains("工信局三日内上门讲解"));

    let done = format!("/api/v1/clinic-decisions/{}/done", taken["id"]);
    let report = json!({ "report": "已上门讲解" });
    assert_error(
        reviewer2.post(&done, &report).await,
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    )
    .await;
    let reported = json_of(handler.post(&done, &report).await, StatusCode::OK).await;
    assert_eq!(reported["status"], "done");
    assert_error(
        handler.post(&done, &report).await,
        StatusCode::CONFLICT,
        "conflict",
        None,
    )
    .await;
    assert_eq!(
        clocks(&efficiency, "clinic_decision", &taken["id"]).await[0]["state"],
        "已办结"
    );
    let page = efficiency
        .get(&format!("/clinic-days/{}", item["clinic_day_id"]))
        .await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("已上门讲解"));
}

#[tokio::test]
async fn the_administrator_moves_the_session_day_and_a_holiday_moves_it_further() {
    let clock = Arc::new(ManualClock::new(beijing_morning(2026, 9, 28)));
    let app = TestApp::spawn_at(clock).await;
    let admin = app.login("admin").await;
    let lead = app.login("lead").await;
    assert_error(
        lead.put("/api/v1/admin/clinic-day", &json!({ "day": 1 }))
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    )
    .await;
    assert_error(
        admin
            .put("/api/v1/admin/clinic-day", &json!({ "day": 29 }))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("day"),
    )
    .await;
    let before = json_of(admin.get("/api/v1/clinic-days").await, StatusCode::OK).await;
    assert_eq!(before["next_on"], "2026-10-15");
    // 1 October opens the National Day week: the session waits for the 8th.
    let moved = json_of(
        admin
            .put("/api/v1/admin/clinic-day", &json!({ "day": 1 }))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(moved["day_of_month"], 1);
    assert_eq!(moved["next_on"], "2026-10-08");
    let seen = json_of(lead.get("/api/v1/clinic-days").await, StatusCode::OK).await;
    assert_eq!(seen["next_on"], "2026-10-08");
}

#[tokio::test]
async fn an_agenda_item_is_withdrawn_with_a_reason_before_the_session_by_who_put_it_on() {
    let clock = Arc::new(ManualClock::new(beijing_morning(2026, 2, 2)));
    let app = TestApp::spawn_at(clock).await;
    let (_, receipt) = policy_request(&app).await;
    let handler = app.login("handler").await;
    let agenda = format!("/api/v1/requests/{receipt}/clinic");
    let item = json_of(
        handler
            .post(&agenda, &json!({ "reason": "口径不一" }))
            .await,
        StatusCode::CREATED,
    )
    .await;
    let withdraw = format!("/api/v1/clinic-agenda/{}/withdraw", item["id"]);
    let reason = json!({ "reason": "工信局已与财政局当面商定口径" });
    let reviewer2 = app.login("reviewer2").await;
    let before = app.audit_count().await;
    assert_error(
        reviewer2.post(&withdraw, &reason).await,
        StatusCode::NOT_FOUND,
        "not_found",
        None,
    )
    .await;
    assert_error(
        handler.post(&withdraw, &json!({ "reason": " " })).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("reason"),
    )
    .await;
    assert_eq!(app.audit_count().await, before, "refusals change nothing");
    let res = handler.post(&withdraw, &reason).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let on_request = json_of(handler.get(&agenda).await, StatusCode::OK).await;
    assert!(on_request.as_array().unwrap().is_empty());
    assert_eq!(app.audit_count().await, before + 1);
    assert_error(
        handler.post(&withdraw, &reason).await,
        StatusCode::NOT_FOUND,
        "not_found",
        None,
    )
    .await;
    // Solved after all? It may go on the agenda again.
    let again = handler
        .post(&agenda, &json!({ "reason": "口径仍不一" }))
        .await;
    assert_eq!(again.status(), StatusCode::CREATED);
}
