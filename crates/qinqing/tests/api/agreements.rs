//! 政企合同双兑现: agreements, the commitment timeline, supervision by side, refusals, and a
//! breach as a fact the rules engine tests.

use crate::helpers::{Session, TestApp, assert_error};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use qinqing_domain::deadline::{beijing, end_of_day};
use qinqing_kernel::clock::ManualClock;
use qinqing_kernel::deadlines::run_due;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::sync::Arc;

fn beijing_time(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
    beijing()
        .with_ymd_and_hms(y, m, d, h, 0, 0)
        .unwrap()
        .with_timezone(&Utc)
}

pub(crate) async fn ok(res: reqwest::Response) -> Value {
    let status = res.status();
    let body = res.text().await.unwrap();
    assert!(status.is_success(), "{status}: {body}");
    serde_json::from_str(&body).unwrap_or(Value::Null)
}

/// The demo district at 09:00 on Monday 16 November 2026.
pub(crate) async fn district() -> (TestApp, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new(beijing_time(2026, 11, 16, 9)));
    let app = TestApp::spawn_at(clock.clone()).await;
    (app, clock)
}

pub(crate) async fn org_id(session: &Session, name: &str) -> i64 {
    let orgs = ok(session.get("/api/v1/organisations").await).await;
    orgs.as_array()
        .unwrap()
        .iter()
        .find(|o| o["name"] == name)
        .and_then(|o| o["id"].as_i64())
        .unwrap_or_else(|| panic!("no organisation {name}"))
}

pub(crate) fn item<'a>(agreement: &'a Value, key: &str) -> &'a Value {
    agreement["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["key"] == key)
        .unwrap_or_else(|| panic!("no item {key} in {agreement}"))
}

pub(crate) fn planned(agreement: &Value, key: &str) -> String {
    item(agreement, key)["planned_on"]
        .as_str()
        .unwrap()
        .to_string()
}

pub(crate) fn status(agreement: &Value, key: &str) -> String {
    item(agreement, key)["status"].as_str().unwrap().to_string()
}

/// Land delivery by 工业和信息化局 due on 26 November, then the enterprise's construction start
/// three months after it and completion 24 months after that.
fn chain(project: &str, code: &str, dept: i64) -> Value {
    json!({
        "project_name": project, "credit_code": code, "signed_on": "2026-11-01",
        "total_investment": "120000000.00",
        "items": [
            { "key": "land", "side": "government", "clause": "第三条", "content": "交付净地",
              "responsible_org_id": dept, "responsible_unit": "工业和信息化局",
              "responsible_person": "林经办", "due_on": "2026-11-26", "evidence": "交地确认书" },
            { "key": "start", "side": "enterprise", "content": "开工建设", "after": "land",
              "offset": 3, "offset_unit": "months", "evidence": "开工报告" },
            { "key": "done", "side": "enterprise", "content": "竣工验收", "after": "start",
              "offset": 24 },
        ]
    })
}

pub(crate) async fn create(session: &Session, input: &Value) -> Value {
    let res = session.post("/api/v1/agreements", input).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    ok(res).await
}

pub(crate) fn act_path(agreement: &Value, key: &str) -> String {
    format!("/api/v1/agreements/{}/items/{key}/actions", agreement["id"])
}

/// The running clock of an item: its due time.
pub(crate) async fn clock_due(app: &TestApp, agreement: &Value, key: &str) -> Vec<DateTime<Utc>> {
    let id = item(agreement, key)["id"].as_i64().unwrap().to_string();
    let mut conn = app.app.db.conn().await.unwrap();
    qinqing_kernel::store::deadlines::for_object(&mut conn, "commitment", &id)
        .await
        .unwrap()
        .into_iter()
        .filter(|d| d.state != qinqing_kernel::store::deadlines::State::Stopped)
        .map(|d| d.due_at)
        .collect()
}

pub(crate) fn end_of(date: &str) -> DateTime<Utc> {
    end_of_day(NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap())
}

#[tokio::test]
async fn dependants_move_when_an_upstream_item_slips_and_are_fixed_by_its_fulfilment() {
    let (app, clock) = district().await;
    let handler = app.login("handler").await;
    let firm = app.login("enterprise").await;
    let dept = org_id(&handler, "工业和信息化局").await;
    let a = create(
        &handler,
        &chain("滨海新材料项目", &firm.first_enterprise(), dept),
    )
    .await;
    assert_eq!(planned(&a, "start"), "2027-02-26");
    assert_eq!(planned(&a, "done"), "2029-02-26");
    assert_eq!(status(&a, "land"), "due_soon");
    assert_eq!(status(&a, "start"), "planned");
    assert_eq!(clock_due(&app, &a, "start").await, [end_of("2027-02-26")]);

    // Land is late: the enterprise's items are held back from today, not counted late.
    clock.advance(chrono::Duration::days(20));
    // Sessions lapse over three weeks.
    let (handler, firm) = (app.login("handler").await, app.login("enterprise").await);
    let path = format!("/api/v1/agreements/{}", a["id"]);
    let late = ok(firm.get(&path).await).await;
    assert_eq!(status(&late, "land"), "overdue");
    assert_eq!(planned(&late, "start"), "2027-03-06");
    assert_eq!(planned(&late, "done"), "2029-03-06");
    // The background work moves their clocks once a day.
    let follow = qinqing_agreements::follow_slips;
    assert_eq!(follow(&app.app).await.unwrap(), 2);
    assert_eq!(follow(&app.app).await.unwrap(), 0, "once a day");
    assert_eq!(clock_due(&app, &a, "start").await, [end_of("2027-03-06")]);

    // The department reports delivery on 4 December, the enterprise confirms: the chain is fixed
    // from the actual date, and the clocks follow.
    let report = json!({ "action": "report", "on": "2026-12-04", "evidence": "交地确认书已签" });
    ok(handler.post(&act_path(&a, "land"), &report).await).await;
    let done = ok(firm
        .post(&act_path(&a, "land"), &json!({ "action": "confirm" }))
        .await)
    .await;
    assert_eq!(status(&done, "land"), "fulfilled_late");
    assert_eq!(planned(&done, "start"), "2027-03-04");
    assert_eq!(planned(&done, "done"), "2029-03-04");
    assert!(clock_due(&app, &a, "land").await.is_empty());
    assert_eq!(clock_due(&app, &a, "start").await, [end_of("2027-03-04")]);
    assert_eq!(clock_due(&app, &a, "done").await, [end_of("2029-03-04")]);
    let inbox = ok(firm.get("/api/v1/messages").await).await;
    let moved = inbox["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["subject"] == "承诺事项计划日期调整")
        .count();
    assert!(
        moved >= 2,
        "the enterprise is told its dates moved: {inbox}"
    );

    // A later re-plan (改期) of the start moves completion with it.
    let mut start = chain("", "", dept)["items"][1].clone();
    start["replanned_on"] = json!("2027-05-31");
    let replanned = ok(handler.put(&format!("{path}/items/start"), &start).await).await;
    assert_eq!(planned(&replanned, "start"), "2027-05-31");
    assert_eq!(planned(&replanned, "done"), "2029-05-31");

    // The project page shows the timeline in the order things are due.
    let page = firm.get(&path.replace("/api/v1", "")).await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    let (land, start) = (
        html.find("交付净地").unwrap(),
        html.find("开工建设").unwrap(),
    );
    assert!(land < start && html.contains("逾期履约"), "{html}");
    let list = firm.get("/agreements").await.text().await.unwrap();
    assert!(list.contains("滨海新材料项目"));
}

async fn warned_labels(session: &Session, project: &str) -> Vec<(String, String)> {
    let list = ok(session.get("/api/v1/warnings?per_page=200").await).await;
    let mut out: Vec<(String, String)> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["label"].as_str().unwrap_or("").starts_with(project))
        .map(|w| {
            (
                w["label"].as_str().unwrap().to_string(),
                w["grade"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

#[tokio::test]
async fn warnings_go_to_the_office_that_supervises_the_items_side() {
    let (app, clock) = district().await;
    let handler = app.login("handler").await;
    let firm = app.login("enterprise").await;
    let dept = org_id(&handler, "工业和信息化局").await;
    let input = json!({
        "project_name": "智能装备项目", "credit_code": firm.first_enterprise(),
        "signed_on": "2026-11-01", "total_investment": "50000000",
        "items": [
            { "key": "power", "side": "government", "content": "通电到红线", "responsible_org_id": dept,
              "due_on": "2026-11-18" },
            { "key": "invest", "side": "enterprise", "content": "完成首期投资", "due_on": "2026-11-18" },
        ]
    });
    create(&handler, &input).await;
    // Past the demand (a day after the due date), before the escalation to 纪检.
    clock.advance(chrono::Duration::days(4));
    run_due(&app.app).await.unwrap();
    let efficiency = app.login("efficiency").await;
    let investment = app.login("investment").await;
    let demand = |what: &str| vec![(format!("智能装备项目:{what}"), "demand".to_string())];
    assert_eq!(
        warned_labels(&efficiency, "智能装备项目").await,
        demand("通电到红线")
    );
    assert_eq!(
        warned_labels(&investment, "智能装备项目").await,
        demand("完成首期投资")
    );
    let discipline = app.login("discipline").await;
    assert!(warned_labels(&discipline, "智能装备项目").await.is_empty());
    clock.advance(chrono::Duration::days(2));
    run_due(&app.app).await.unwrap();
    let discipline = app.login("discipline").await;
    let escalated = warned_labels(&discipline, "智能装备项目").await;
    assert_eq!(escalated.len(), 2, "纪检 sees both sides: {escalated:?}");
}

#[tokio::test]
async fn refusals_by_role_and_scope_and_bad_input_changes_nothing() {
    let (app, _clock) = district().await;
    let handler = app.login("handler").await;
    let firm = app.login("enterprise").await;
    let dept = org_id(&handler, "工业和信息化局").await;
    let code = firm.first_enterprise();
    let own = create(&handler, &chain("本企业项目", &code, dept)).await;
    let other_code = app
        .enterprises()
        .await
        .into_iter()
        .map(|(c, _)| c)
        .find(|c| *c != code)
        .unwrap();
    let other = create(&handler, &chain("他企项目", &other_code, dept)).await;

    // The enterprise sees its own agreement only, and may not itemise one.
    let list = ok(firm.get("/api/v1/agreements").await).await;
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["project_name"].as_str().unwrap())
        .collect();
    // The demo enterprise also signed the demo's 高端装备制造产业园项目.
    assert_eq!(names, ["本企业项目", "高端装备制造产业园项目"]);
    let path = format!("/api/v1/agreements/{}", other["id"]);
    assert_error(
        firm.get(&path).await,
        StatusCode::NOT_FOUND,
        "not_found",
        None,
    )
    .await;
    assert_error(
        firm.post("/api/v1/agreements", &chain("x", &code, dept))
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    )
    .await;
    assert_error(
        app.login("bank").await.get(&path).await,
        StatusCode::NOT_FOUND,
        "not_found",
        None,
    )
    .await;

    // A town's handler sees an agreement only once one of its items is the town's.
    let town = app.login("town").await;
    let own_path = format!("/api/v1/agreements/{}", own["id"]);
    assert_error(
        town.get(&own_path).await,
        StatusCode::NOT_FOUND,
        "not_found",
        None,
    )
    .await;
    let town_id = org_id(&handler, "东园镇").await;
    let road = json!({ "key": "road", "side": "government", "content": "道路接通",
        "responsible_org_id": town_id, "due_on": "2027-01-31" });
    let res = handler.post(&format!("{own_path}/items"), &road).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    ok(town.get(&own_path).await).await;
    // …but may not change its items.
    assert_error(
        town.put(&format!("{own_path}/items/road"), &road).await,
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    )
    .await;

    // Each side reports its own items; the other side confirms.
    let report = json!({ "action": "report", "on": "2026-11-10", "evidence": "照片" });
    assert_error(
        firm.post(&act_path(&own, "land"), &report).await,
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    )
    .await;
    ok(town.post(&act_path(&own, "road"), &report).await).await;
    assert_error(
        handler
            .post(&act_path(&own, "road"), &json!({ "action": "confirm" }))
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    )
    .await;
    // A waiver needs the lead; a breach needs an overdue item.
    let waive = json!({ "action": "waive", "reason": "规划调整,不再需要" });
    assert_error(
        handler.post(&act_path(&own, "done"), &waive).await,
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    )
    .await;
    let lead = app.login("lead").await;
    let waived = ok(lead.post(&act_path(&own, "done"), &waive).await).await;
    assert_eq!(status(&waived, "done"), "waived");
    let breach = json!({ "action": "breach", "reason": "未开工" });
    assert_error(
        lead.post(&act_path(&own, "start"), &breach).await,
        StatusCode::CONFLICT,
        "conflict",
        None,
    )
    .await;

    // Bad input names the field and the item, and changes nothing.
    let before = app.audit_count().await;
    let mut bad = chain("坏协议", &code, dept);
    bad["items"][1]["after"] = json!("nowhere");
    assert_error(
        handler.post("/api/v1/agreements", &bad).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("items[1].after"),
    )
    .await;
    let mut cycle = chain("", "", dept)["items"][0].clone();
    cycle["due_on"] = Value::Null;
    cycle["after"] = json!("done");
    cycle["offset"] = json!(1);
    let res = handler.put(&format!("{own_path}/items/land"), &cycle).await;
    let body = assert_error(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("after"),
    )
    .await;
    assert!(body["message"].as_str().unwrap().contains("循环"), "{body}");
    assert_error(
        handler
            .post(&format!("{own_path}/items"), &json!({ "key": "x", "side": "government", "content": "c", "due_on": "2026-02-30" }))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("due_on"),
    )
    .await;
    assert_eq!(app.audit_count().await, before);
    let list = ok(handler.get("/api/v1/agreements").await).await;
    // Both of this test's, plus the three demo projects where 工业和信息化局 answers an item.
    assert_eq!(list.as_array().unwrap().len(), 2 + 3);
}

/// A published quick-apply policy of 工业和信息化局 for every enterprise of the district
/// without a breached commitment.
async fn no_breach_policy(app: &TestApp) {
    let definition = "id = \"no-breach\"\ntitle = \"守约企业奖励\"\ndepartment = \"工业和信息化局\"\n\
        level = \"district\"\nmode = \"apply\"\neffective = { from = 2024-01-01 }\n\n[conditions]\n\
        all = [ { attr = \"region\", under = [\"350521\"] }, { attr = \"breached_commitments\", max = 0 } ]\n\n\
        [reward]\nfixed = \"10000\"\n";
    let input = json!({ "definition": definition, "document_text": "守约奖励政策原文", "budget": "1000000" });
    ok(app
        .login("handler")
        .await
        .post("/api/v1/policies", &input)
        .await)
    .await;
    let lead = app.login("lead").await;
    for action in ["submit_for_review", "publish"] {
        let path = "/api/v1/policies/no-breach/lifecycle";
        ok(lead.post(path, &json!({ "action": action })).await).await;
    }
}

async fn outcome_of(session: &Session, code: &str) -> String {
    let ent = ok(session
        .get(&format!(
            "/api/v1/enterprises/{code}/entitlements?year=2026"
        ))
        .await)
    .await;
    for group in ["eligible", "undetermined", "ineligible"] {
        if ent[group]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["policy_id"] == "no-breach")
        {
            return group.to_string();
        }
    }
    panic!("no-breach not listed: {ent}");
}

#[tokio::test]
async fn a_breached_commitment_makes_the_enterprise_ineligible() {
    let (app, _clock) = district().await;
    no_breach_policy(&app).await;
    let handler = app.login("handler").await;
    let firm = app.login("enterprise").await;
    let code = firm.first_enterprise();
    assert_eq!(outcome_of(&handler, &code).await, "eligible");
    let input = json!({
        "project_name": "逾期项目", "credit_code": code, "signed_on": "2025-01-10",
        "total_investment": "30000000", "from_template": true,
    });
    let a = create(&handler, &input).await;
    assert_eq!(a["items"].as_array().unwrap().len(), 8);
    assert_eq!(status(&a, "registration"), "overdue");
    let investment = app.login("investment").await;
    let breach = json!({ "action": "breach", "reason": "签约后逾期未注册" });
    assert_error(
        investment
            .post(
                &act_path(&a, "registration"),
                &json!({ "action": "breach", "reason": " " }),
            )
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("reason"),
    )
    .await;
    let breached = ok(investment
        .post(&act_path(&a, "registration"), &breach)
        .await)
    .await;
    assert_eq!(status(&breached, "registration"), "breached");
    assert_eq!(outcome_of(&handler, &code).await, "ineligible");
}

#[tokio::test]
async fn an_investor_signs_first_and_its_enterprise_is_linked_once_registered() {
    let (app, _clock) = district().await;
    let handler = app.login("handler").await;
    let firm = app.login("enterprise").await;
    let input = json!({
        "project_name": "新设公司项目", "investor_name": "厦门某投资有限公司",
        "region_code": "350521101", "signed_on": "2026-11-01", "total_investment": "80000000",
        "from_template": true,
    });
    let a = create(&handler, &input).await;
    assert_eq!(a["credit_code"], Value::Null);
    assert_eq!(
        item(&a, "registration")["responsible_unit"],
        "厦门某投资有限公司"
    );
    let path = format!("/api/v1/agreements/{}", a["id"]);
    assert_error(
        firm.get(&path).await,
        StatusCode::NOT_FOUND,
        "not_found",
        None,
    )
    .await;
    // Until the enterprise exists, the staff who manage the agreement report its registration.
    let report = json!({ "action": "report", "on": "2026-11-12", "evidence": "营业执照" });
    ok(handler.post(&act_path(&a, "registration"), &report).await).await;
    let link = json!({ "credit_code": firm.first_enterprise() });
    assert_error(
        firm.post(&format!("{path}/enterprise"), &link).await,
        StatusCode::NOT_FOUND,
        "not_found",
        None,
    )
    .await;
    assert_error(
        handler
            .post(
                &format!("{path}/enterprise"),
                &json!({ "credit_code": "91110000600037341X" }),
            )
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("credit_code"),
    )
    .await;
    let linked = ok(handler.post(&format!("{path}/enterprise"), &link).await).await;
    assert_eq!(linked["credit_code"], link["credit_code"]);
    ok(firm.get(&path).await).await;
    assert_error(
        handler.post(&format!("{path}/enterprise"), &link).await,
        StatusCode::CONFLICT,
        "conflict",
        None,
    )
    .await;
}

const PDF: &[u8] = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n";

#[tokio::test]
async fn the_answering_side_uploads_evidence_and_the_other_side_reads_it() {
    let (app, _clock) = district().await;
    let handler = app.login("handler").await;
    let firm = app.login("enterprise").await;
    let dept = org_id(&handler, "工业和信息化局").await;
    let a = create(&handler, &chain("佐证项目", &firm.first_enterprise(), dept)).await;
    let path = format!("/api/v1/agreements/{}/items/start/evidence", a["id"]);
    let fields = [("label", "开工报告")];
    let res = handler
        .upload_with(&path, &fields, "开工报告.pdf", PDF.to_vec())
        .await;
    assert_error(res, StatusCode::FORBIDDEN, "forbidden", None).await;
    let res = firm
        .upload_with(&path, &fields, "伪装.pdf", b"MZ not a pdf".to_vec())
        .await;
    assert_error(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("file"),
    )
    .await;
    let res = firm
        .upload_with(&path, &fields, "开工报告.pdf", PDF.to_vec())
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let added = ok(res).await;
    let listed = ok(handler.get(&path).await).await;
    assert_eq!(listed.as_array().unwrap().len(), 1);
    let res = handler.get(&format!("{path}/{}", added["id"])).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.bytes().await.unwrap().as_ref(), PDF);
    let outsider = app.login("bank").await;
    assert_error(
        outsider.get(&path).await,
        StatusCode::NOT_FOUND,
        "not_found",
        None,
    )
    .await;
}

/// The address a form of an agreement's page posts to: `/agreements/{id}/{form}`.
fn page_form_path(agreement: &Value, form: &str) -> String {
    format!("/agreements/{}/{form}", agreement["id"])
}

/// Posts a form of an agreement's page that carries a file (multipart, as the browser sends it).
async fn page_upload(
    session: &Session,
    agreement: &Value,
    form: &str,
    fields: &[(&str, &str)],
    (name, bytes): (&str, &[u8]),
) -> reqwest::Response {
    let mut all = vec![("_csrf", session.csrf.as_str())];
    all.extend_from_slice(fields);
    let path = page_form_path(agreement, form);
    session.upload_with(&path, &all, name, bytes.to_vec()).await
}

/// Posts a form of an agreement's page without a file (urlencoded, as the browser sends it).
async fn page_form(
    session: &Session,
    agreement: &Value,
    form: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    session
        .post_form(&page_form_path(agreement, form), fields)
        .await
}

async fn evidence_count(session: &Session, agreement: &Value, key: &str) -> usize {
    let path = format!(
        "/api/v1/agreements/{}/items/{key}/evidence",
        agreement["id"]
    );
    ok(session.get(&path).await).await.as_array().unwrap().len()
}

#[tokio::test]
async fn a_report_from_the_page_files_its_evidence_with_it_or_not_at_all() {
    let (app, _clock) = district().await;
    let handler = app.login("handler").await;
    let firm = app.login("enterprise").await;
    let dept = org_id(&handler, "工业和信息化局").await;
    let a = create(&handler, &chain("申报项目", &firm.first_enterprise(), dept)).await;
    let report = |on: &'static str| [("on", on), ("evidence", "开工报告及现场照片")];
    let report_form = "items/start/report";
    // A date in the future: refused, and the file chosen with it is not kept.
    let res = page_upload(
        &firm,
        &a,
        report_form,
        &report("2030-01-01"),
        ("开工报告.pdf", PDF),
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("履约日期应在签约日至今天之间")
    );
    assert_eq!(evidence_count(&handler, &a, "start").await, 0);
    let shown = ok(handler
        .get(&format!("/api/v1/agreements/{}", a["id"]))
        .await)
    .await;
    assert_ne!(status(&shown, "start"), "reported");

    let res = page_upload(
        &firm,
        &a,
        report_form,
        &report("2026-11-16"),
        ("开工报告.pdf", PDF),
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let location = res.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(
        location,
        format!("/agreements/{}?done=reported#item-start", a["id"])
    );
    assert_eq!(evidence_count(&handler, &a, "start").await, 1);
    // The managing department is asked to confirm: on its desk and in its inbox.
    let desk = ok(handler.get("/api/v1/agreements/desk").await).await;
    let waiting: Vec<&Value> = desk["to_confirm"].as_array().unwrap().iter().collect();
    assert_eq!(waiting.len(), 1, "{desk}");
    assert_eq!(waiting[0]["key"], "start");
    let firm_desk = ok(firm.get("/api/v1/agreements/desk").await).await;
    assert_eq!(firm_desk["to_confirm"].as_array().unwrap().len(), 0);
    let inbox = ok(handler.get("/api/v1/messages").await).await;
    let asked = inbox["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["template"] == "commitment_reported")
        .count();
    assert_eq!(asked, 1, "{inbox}");

    // The side that reported does not confirm its own report; the other side does.
    let confirm = "items/start/confirm";
    let res = page_form(&firm, &a, confirm, &[]).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = page_form(&handler, &a, confirm, &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let shown = ok(handler
        .get(&format!("/api/v1/agreements/{}", a["id"]))
        .await)
    .await;
    assert_eq!(status(&shown, "start"), "fulfilled_on_time");
    let desk = ok(handler.get("/api/v1/agreements/desk").await).await;
    assert_eq!(desk["to_confirm"].as_array().unwrap().len(), 0);

    // The managing department reads the agreement's trail, timed as the district reads a clock:
    // the district's 09:00 on 16 November, not UTC's 01:00.
    let trail = handler.get(&format!("/trace/agreement/{}", a["id"])).await;
    assert_eq!(trail.status(), StatusCode::OK);
    let html = trail.text().await.unwrap();
    assert!(html.contains("2026-11-16 09:00:00"), "{html}");
    assert!(!html.contains("2026-11-16 01:00"));
    let firm_trail = firm.get(&format!("/trace/agreement/{}", a["id"])).await;
    assert_eq!(firm_trail.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn items_added_and_rescheduled_on_the_page_come_back_at_the_item_or_with_the_form_kept() {
    let (app, _clock) = district().await;
    let handler = app.login("handler").await;
    let firm = app.login("enterprise").await;
    let dept = org_id(&handler, "工业和信息化局").await;
    let a = create(
        &handler,
        &chain("页面事项项目", &firm.first_enterprise(), dept),
    )
    .await;
    let added = |key: &'static str| {
        vec![
            ("key", key),
            ("side", "enterprise"),
            ("item_type", "other"),
            ("content", "试生产方案报备"),
            ("after", "signing"),
            ("offset", "2"),
            ("offset_unit", "months"),
        ]
    };
    // A key with a space: the page again, the mistake marked and what was typed kept.
    let res = page_form(&handler, &a, "items", &added("trial run")).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(html.contains("事项编号须为"), "{html}");
    assert!(html.contains("value=\"试生产方案报备\""));

    let res = page_form(&handler, &a, "items", &added("trial")).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        res.headers()["location"].to_str().unwrap(),
        format!("/agreements/{}?done=added#item-trial", a["id"])
    );
    // 改期 of the new item: its key stays whatever the key field says.
    let mut moved = added("renamed");
    moved.push(("replanned_on", "2027-03-01"));
    let res = page_form(&handler, &a, "items/trial", &moved).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        res.headers()["location"].to_str().unwrap(),
        format!("/agreements/{}?done=saved#item-trial", a["id"])
    );
    let shown = ok(handler
        .get(&format!("/api/v1/agreements/{}", a["id"]))
        .await)
    .await;
    assert_eq!(item(&shown, "trial")["replanned_on"], "2027-03-01");
    // The enterprise does not manage the agreement: the error page.
    let res = page_form(&firm, &a, "items", &added("other")).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn an_item_counted_from_signing_gets_its_date_and_blank_units_their_default() {
    let (app, _clock) = district().await;
    let handler = app.login("handler").await;
    let firm = app.login("enterprise").await;
    let input = json!({
        "project_name": "签约起算项目", "credit_code": firm.first_enterprise(),
        "signed_on": "2026-11-01", "total_investment": "1000000",
        "items": [
            { "key": "reg", "side": "enterprise", "content": "注册登记", "after": "signing",
              "offset": 1, "offset_unit": "months" },
            { "key": "land", "side": "government", "content": "交地", "after": "signing",
              "offset": 10, "offset_unit": "working_days" },
        ]
    });
    let a = create(&handler, &input).await;
    assert_eq!(item(&a, "reg")["due_on"], "2026-12-01");
    assert_eq!(planned(&a, "reg"), "2026-12-01");
    // Ten working days from a Sunday signing: 2 to 13 November.
    assert_eq!(item(&a, "land")["due_on"], "2026-11-13");
    assert_eq!(item(&a, "land")["responsible_unit"], handler.me["org_name"]);
    assert_ne!(item(&a, "reg")["responsible_unit"], "");
    assert_eq!(item(&a, "reg")["responsible_unit"], a["investor_name"]);

    let path = format!("/api/v1/agreements/{}/items", a["id"]);
    let reserved = json!({ "key": "signing", "side": "enterprise", "content": "签约",
        "due_on": "2026-11-01" });
    let res = handler.post(&path, &reserved).await;
    assert_error(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("key"),
    )
    .await;
}
