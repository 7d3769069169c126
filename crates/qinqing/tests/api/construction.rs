//! 厂房报建全网办 (issue 19): projects, their matters stage by stage, and cases applied for,
//! taken in and decided by the department that owns the matter, on the working-day clock.

use crate::helpers::{Session, TestApp};
use crate::policies::{expect, ok};
use chrono::{DateTime, TimeZone, Utc};
use qinqing_kernel::clock::ManualClock;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::sync::Arc;

fn beijing_time(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
    chrono::FixedOffset::east_opt(8 * 3600)
        .unwrap()
        .with_ymd_and_hms(y, m, d, h, 0, 0)
        .unwrap()
        .with_timezone(&Utc)
}

/// A project of the enterprise without the land's title yet.
async fn project(firm: &Session) -> String {
    let input = json!({
        "credit_code": firm.first_enterprise(),
        "name": "年产 10 万套智能卫浴生产线项目",
        "parcel": "2026G-012",
        "location": "东园镇锦厝村",
        "investment": "120,000,000",
        "floor_area": "36500.5",
    });
    let shown = expect(
        firm.post("/api/v1/projects", &input).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(shown["floor_area"], "36500.5", "{shown}");
    shown["code"].as_str().unwrap().to_string()
}

async fn apply(firm: &Session, project: &str, matter: &str) -> String {
    let path = format!("/api/v1/projects/{project}/cases");
    let case = expect(
        firm.post(&path, &json!({ "matter": matter })).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(case["status"], "submitted", "{case}");
    case["receipt_no"].as_str().unwrap().to_string()
}

async fn accept(staff: &Session, receipt: &str) -> Value {
    let path = format!("/api/v1/construction-cases/{receipt}/accept");
    staff.post(&path, &json!({})).await.json().await.unwrap()
}

async fn decide(lead: &Session, receipt: &str, approve: bool, note: &str) -> reqwest::Response {
    decide_with(lead, receipt, &json!({ "approve": approve, "note": note })).await
}

async fn decide_with(lead: &Session, receipt: &str, decision: &Value) -> reqwest::Response {
    let path = format!("/api/v1/construction-cases/{receipt}/decision");
    lead.post(&path, decision).await
}

/// Applies, takes in and approves a matter.
async fn approve(app: &TestApp, firm: &Session, project: &str, matter: &str, office: &str) {
    let receipt = apply(firm, project, matter).await;
    let clerk = app.login(office).await;
    assert_eq!(accept(&clerk, &receipt).await["status"], "accepted");
    let lead = app.login(&format!("{office}.lead")).await;
    let decided = ok(decide(&lead, &receipt, true, "").await).await;
    assert_eq!(decided["status"], "approved", "{decided}");
}

/// Every matter before the 建设工程规划许可证 approved.
async fn approve_up_to_the_permit(app: &TestApp, firm: &Session, project: &str) {
    approve(app, firm, project, "project_filing", "fgj").await;
    for m in ["land_pre_review", "land_use_permit", "design_review"] {
        approve(app, firm, project, m, "zrj").await;
    }
}

fn matter<'a>(project: &'a Value, code: &str) -> &'a Value {
    project["stages"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["matters"].as_array().unwrap())
        .find(|m| m["code"] == code)
        .unwrap_or_else(|| panic!("no matter {code}"))
}

#[tokio::test]
async fn a_project_shows_every_matter_it_needs_and_refuses_wrong_input_naming_the_field() {
    let app = TestApp::spawn().await;
    let firm = app.login("enterprise").await;
    let catalogue = app
        .text_of(&app.anonymous(), "/api/v1/construction/matters")
        .await;
    let catalogue: Value = serde_json::from_str(&catalogue).unwrap();
    assert!(catalogue.as_array().unwrap().len() >= 12, "{catalogue}");

    let bad = json!({
        "credit_code": firm.first_enterprise(), "name": "厂房", "parcel": "G1",
        "location": "东园镇", "investment": "很多", "floor_area": "100",
    });
    let refused = expect(
        firm.post("/api/v1/projects", &bad).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(refused["field"], "investment", "{refused}");
    let mut bad = bad;
    bad["investment"] = json!("1000000");
    bad["floor_area"] = json!("-3");
    let refused = expect(
        firm.post("/api/v1/projects", &bad).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(refused["field"], "floor_area", "{refused}");
    bad["floor_area"] = json!("1000000000000000000000000000");
    let refused = expect(
        firm.post("/api/v1/projects", &bad).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(refused["field"], "floor_area", "{refused}");
    // Staff do not register projects for enterprises.
    let handler = app.login("handler").await;
    expect(
        handler.post("/api/v1/projects", &bad).await,
        StatusCode::FORBIDDEN,
    )
    .await;

    let code = project(&firm).await;
    let shown = ok(firm.get(&format!("/api/v1/projects/{code}")).await).await;
    let stages: Vec<&str> = shown["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["label"].as_str().unwrap())
        .collect();
    assert_eq!(
        stages,
        [
            "立项用地规划许可",
            "工程建设许可",
            "施工许可",
            "竣工验收",
            "并行推进"
        ]
    );
    assert_eq!(matter(&shown, "project_filing")["state"], "可申报");
    let pre_review = matter(&shown, "land_pre_review");
    assert_eq!(pre_review["waiting_for"], json!(["企业投资项目备案"]));
    assert_eq!(
        matter(&shown, "construction_permit")["needs_land_title"],
        true
    );
    // Nobody else's: a department that decides none of its matters does not find it.
    expect(
        handler.get(&format!("/api/v1/projects/{code}")).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    // The enterprise's list and page.
    let list = ok(firm.get("/api/v1/projects").await).await;
    assert_eq!(list[0]["code"], code.as_str());
    assert_eq!(list[0]["current_stage"], "立项用地规划许可");
    let page = firm
        .get(&format!("/projects/{code}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("申报“企业投资项目备案”") && page.contains("申报所选事项"),
        "{page}"
    );
}

#[tokio::test]
async fn only_the_owning_department_takes_in_and_decides_and_never_before_the_prerequisites() {
    let app = TestApp::spawn().await;
    let firm = app.login("enterprise").await;
    let code = project(&firm).await;
    let filing = apply(&firm, &code, "project_filing").await;
    let pre_review = apply(&firm, &code, "land_pre_review").await;
    // Applied once at a time.
    let again = expect(
        firm.post(
            &format!("/api/v1/projects/{code}/cases"),
            &json!({ "matter": "project_filing" }),
        )
        .await,
        StatusCode::CONFLICT,
    )
    .await;
    assert!(
        again["message"].as_str().unwrap().contains("不能重复申报"),
        "{again}"
    );

    // 自然资源局 sees the project (it decides one of its matters) but not the 发改 case's forms.
    let zrj = app.login("zrj").await;
    let path = format!("/api/v1/construction-cases/{filing}/accept");
    let wrong = expect(zrj.post(&path, &json!({})).await, StatusCode::FORBIDDEN).await;
    assert!(
        wrong["message"].as_str().unwrap().contains("发展和改革局"),
        "{wrong}"
    );
    // Its own case: taken in, but not approved while 项目备案 is open.
    assert_eq!(accept(&zrj, &pre_review).await["status"], "accepted");
    let zrj_lead = app.login("zrj.lead").await;
    let early = expect(
        decide(&zrj_lead, &pre_review, true, "").await,
        StatusCode::CONFLICT,
    )
    .await;
    assert!(
        early["message"]
            .as_str()
            .unwrap()
            .contains("企业投资项目备案"),
        "{early}"
    );
    // The window clerk does not decide; the lead does, once the prerequisite is approved.
    let fgj = app.login("fgj").await;
    assert_eq!(accept(&fgj, &filing).await["status"], "accepted");
    expect(decide(&fgj, &filing, true, "").await, StatusCode::FORBIDDEN).await;
    let fgj_lead = app.login("fgj.lead").await;
    ok(decide(&fgj_lead, &filing, true, "予以备案").await).await;
    let decided = ok(decide(&zrj_lead, &pre_review, true, "").await).await;
    assert_eq!(decided["status"], "approved");
    // Decided once.
    expect(
        decide(&zrj_lead, &pre_review, false, "重复").await,
        StatusCode::CONFLICT,
    )
    .await;

    let shown = ok(firm.get(&format!("/api/v1/projects/{code}")).await).await;
    assert_eq!(matter(&shown, "land_pre_review")["state"], "准予许可");
    assert_eq!(shown["stages"][0]["approved"], 2);
    // The trail names each step; another department's staff may not read it.
    let trail = zrj_lead
        .get(&format!("/trace/construction_case/{pre_review}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        trail.contains("受理审批事项") && trail.contains("准予许可"),
        "{trail}"
    );
    let handler = app.login("handler").await;
    let res = handler
        .get(&format!("/trace/construction_case/{pre_review}"))
        .await;
    assert_ne!(res.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_matter_needing_the_land_title_waits_for_it_and_a_refusal_needs_a_reason() {
    let app = TestApp::spawn().await;
    let firm = app.login("enterprise").await;
    let code = project(&firm).await;
    approve_up_to_the_permit(&app, &firm, &code).await;
    let permit = apply(&firm, &code, "building_planning_permit").await;
    let zrj = app.login("zrj").await;
    accept(&zrj, &permit).await;
    let lead = app.login("zrj.lead").await;
    // Without the land's title only a 模拟 approval, with its conditions and date.
    let no_title = expect(
        decide(&lead, &permit, true, "").await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(no_title["field"], "conditions", "{no_title}");
    assert!(
        no_title["message"].as_str().unwrap().contains("不动产权证"),
        "{no_title}"
    );
    // Refused only with a reason; then it may be applied for again.
    let bare = expect(
        decide(&lead, &permit, false, " ").await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(bare["field"], "note", "{bare}");
    let refused = ok(decide(&lead, &permit, false, "未取得不动产权证书").await).await;
    assert_eq!(refused["status"], "refused");
    apply(&firm, &code, "building_planning_permit").await;
}

#[tokio::test]
async fn a_case_taken_in_is_due_its_promised_working_days_later_across_the_holidays() {
    // Tuesday 30 September 2025, the eve of 国庆节 and 中秋节 (1–8 October).
    let clock = Arc::new(ManualClock::new(beijing_time(2025, 9, 30, 9)));
    let app = TestApp::spawn_at(clock.clone()).await;
    let firm = app.login("enterprise").await;
    let code = project(&firm).await;
    let filing = apply(&firm, &code, "project_filing").await;
    let taken = accept(&app.login("fgj").await, &filing).await;
    // One working day: Thursday 9 October, to its end (Beijing).
    assert_eq!(taken["due_at"], "2025-10-09T16:00:00Z", "{taken}");

    // Thursday 12 February 2026, before 春节 (15–23 February; 14 and 28 February are worked).
    clock.set(beijing_time(2026, 2, 12, 9));
    let firm = app.login("enterprise").await;
    let pre_review = apply(&firm, &code, "land_pre_review").await;
    let taken = accept(&app.login("zrj").await, &pre_review).await;
    // Ten working days: 13, 14, 24, 25, 26, 27, 28 February, 2, 3, 4 March.
    assert_eq!(taken["due_at"], "2026-03-04T16:00:00Z", "{taken}");
}

#[tokio::test]
async fn a_simulated_approval_becomes_formal_when_the_land_title_is_registered_or_lapses() {
    // Monday 16 November 2026.
    let clock = Arc::new(ManualClock::new(beijing_time(2026, 11, 16, 9)));
    let app = TestApp::spawn_at(clock.clone()).await;
    let firm = app.login("enterprise").await;
    let code = project(&firm).await;
    approve_up_to_the_permit(&app, &firm, &code).await;
    let permit = apply(&firm, &code, "building_planning_permit").await;
    let zrj = app.login("zrj").await;
    let taken = accept(&zrj, &permit).await;
    assert_eq!(taken["would_be_simulated"], true, "{taken}");
    let lead = app.login("zrj.lead").await;
    let simulate = |lapses_on: &str| {
        json!({ "approve": true, "conditions": "取得不动产权证后生效;规划指标不得调整",
                "lapses_on": lapses_on })
    };
    // The date must be after today.
    let past = expect(
        decide_with(&lead, &permit, &simulate("2026-11-16")).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(past["field"], "lapses_on", "{past}");
    let simulated = ok(decide_with(&lead, &permit, &simulate("2027-03-31")).await).await;
    assert_eq!(simulated["status"], "simulated", "{simulated}");
    assert_eq!(simulated["lapses_on"], "2027-03-31");
    assert_eq!(
        simulated["licence_no"],
        Value::Null,
        "no licence on a 模拟 approval"
    );
    // The matters after it go on: 施工图审查 is approved on the 模拟 permit.
    approve(&app, &firm, &code, "drawing_review", "zjj").await;

    // The land's title is registered: the 模拟 permit is formal, without a new application.
    let registration = apply(&firm, &code, "land_registration").await;
    accept(&zrj, &registration).await;
    pay(&app, &zrj, &registration, "T-355").await;
    let bare = expect(
        decide(&lead, &registration, true, "").await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(bare["field"], "land_title_no", "{bare}");
    let title =
        json!({ "approve": true, "land_title_no": "闽(2026)泉州台商投资区不动产权第 0004321 号" });
    ok(decide_with(&lead, &registration, &title).await).await;
    let formal = ok(firm
        .get(&format!("/api/v1/construction-cases/{permit}"))
        .await)
    .await;
    assert_eq!(formal["status"], "approved", "{formal}");
    assert!(formal["made_formal_at"].is_string(), "{formal}");
    // Formal now, it has its licence, naming the land's title.
    let no = formal["licence_no"]
        .as_str()
        .expect("a licence once formal");
    let licence = app.public_json(&format!("/api/v1/licences/{no}")).await;
    assert_eq!(licence["genuine"], true, "{licence}");
    assert_eq!(
        licence["licence"]["land_title_no"],
        "闽(2026)泉州台商投资区不动产权第 0004321 号"
    );
    let shown = ok(firm.get(&format!("/api/v1/projects/{code}")).await).await;
    assert_eq!(
        shown["land_title_no"],
        "闽(2026)泉州台商投资区不动产权第 0004321 号"
    );
    let trail = lead
        .get(&format!("/trace/construction_case/{permit}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(trail.contains("模拟审批转为正式审批"), "{trail}");
    // Registered once.
    expect(
        firm.post(
            &format!("/api/v1/projects/{code}/cases"),
            &json!({ "matter": "land_registration" }),
        )
        .await,
        StatusCode::CONFLICT,
    )
    .await;

    // Another project's 模拟 permit lapses after its date when the title never comes.
    let other = project(&firm).await;
    approve_up_to_the_permit(&app, &firm, &other).await;
    let permit = apply(&firm, &other, "building_planning_permit").await;
    accept(&zrj, &permit).await;
    ok(decide_with(&lead, &permit, &simulate("2026-11-30")).await).await;
    let lapse = qinqing_construction::case::lapse_simulated;
    clock.set(beijing_time(2026, 11, 30, 23));
    assert_eq!(
        lapse(&app.app).await.unwrap(),
        0,
        "not before its last day ends"
    );
    clock.set(beijing_time(2026, 12, 1, 9));
    // A title registered after the last day does not revive it, even before the lapse job ran.
    let firm = app.login("enterprise").await;
    let registration = apply(&firm, &other, "land_registration").await;
    let zrj = app.login("zrj").await;
    accept(&zrj, &registration).await;
    pay(&app, &zrj, &registration, "T-421").await;
    let title =
        json!({ "approve": true, "land_title_no": "闽(2026)泉州台商投资区不动产权第 0004322 号" });
    ok(decide_with(&app.login("zrj.lead").await, &registration, &title).await).await;
    let still = ok(firm
        .get(&format!("/api/v1/construction-cases/{permit}"))
        .await)
    .await;
    assert_eq!(still["status"], "simulated", "{still}");
    assert_eq!(lapse(&app.app).await.unwrap(), 1);
    assert_eq!(lapse(&app.app).await.unwrap(), 0, "once");
    let lapsed = ok(firm
        .get(&format!("/api/v1/construction-cases/{permit}"))
        .await)
    .await;
    assert_eq!(lapsed["status"], "lapsed", "{lapsed}");
    // A lapsed matter may be applied for again.
    apply(&firm, &other, "building_planning_permit").await;
}

#[tokio::test]
async fn an_entrusted_matter_is_decided_by_the_centre_until_the_entrustment_ends() {
    // Monday 16 November 2026.
    let clock = Arc::new(ManualClock::new(beijing_time(2026, 11, 16, 9)));
    let app = TestApp::spawn_at(clock.clone()).await;
    let lead = app.login("zrj.lead").await;
    let admin = app.login("admin").await;
    let orgs = ok(admin.get("/api/v1/organisations").await).await;
    let id_of = |name: &str| {
        orgs.as_array()
            .unwrap()
            .iter()
            .find(|o| o["name"] == name)
            .and_then(|o| o["id"].as_i64())
            .unwrap()
    };
    let (centre, housing) = (id_of("行政服务中心"), id_of("住房和城乡建设局"));
    let entrust = |to: i64, ends_on: &str| {
        json!({ "matter": "land_pre_review", "to_org_id": to,
                "starts_on": "2026-11-16", "ends_on": ends_on })
    };
    let path = "/api/v1/construction/entrustments";
    // Only the lead of the department that decides the matter; only to the centre; a sane period.
    let other_lead = app.login("zjj.lead").await;
    expect(
        other_lead.post(path, &entrust(centre, "2026-11-20")).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let wrong = expect(
        lead.post(path, &entrust(housing, "2026-11-20")).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(wrong["field"], "to_org_id", "{wrong}");
    let wrong = expect(
        lead.post(path, &entrust(centre, "2026-11-01")).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(wrong["field"], "ends_on", "{wrong}");
    let made = expect(
        lead.post(path, &entrust(centre, "2026-11-20")).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(made["in_force"], true, "{made}");

    // Applied for while in force: the centre takes it in, in the department's name.
    let firm = app.login("enterprise").await;
    let code = project(&firm).await;
    approve(&app, &firm, &code, "project_filing", "fgj").await;
    let receipt = apply(&firm, &code, "land_pre_review").await;
    let zrj = app.login("zrj").await;
    let path = format!("/api/v1/construction-cases/{receipt}/accept");
    expect(zrj.post(&path, &json!({})).await, StatusCode::NOT_FOUND).await;
    let taken = accept(&app.login("fwzx").await, &receipt).await;
    assert_eq!(
        (
            &taken["department"],
            &taken["entrusted_by"],
            &taken["status"]
        ),
        (
            &json!("行政服务中心"),
            &json!("自然资源局"),
            &json!("accepted")
        ),
        "{taken}"
    );

    // The entrustment ends before the decision: the centre may no longer decide, the case is
    // back with 自然资源局 and its lead decides.
    clock.set(beijing_time(2026, 11, 23, 9));
    let centre_lead = app.login("fwzx.lead").await;
    expect(
        decide(&centre_lead, &receipt, true, "").await,
        StatusCode::NOT_FOUND,
    )
    .await;
    let lead = app.login("zrj.lead").await;
    let decided = ok(decide(&lead, &receipt, true, "").await).await;
    assert_eq!(
        (
            &decided["department"],
            &decided["entrusted_by"],
            &decided["status"]
        ),
        (&json!("自然资源局"), &Value::Null, &json!("approved")),
        "{decided}"
    );
    let trail = lead
        .get(&format!("/trace/construction_case/{receipt}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(trail.contains("委托到期,交还主管部门"), "{trail}");
}

/// A tiny PNG, as a phone's camera would send a photo.
const PHOTO: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

async fn check_in(
    inspector: &Session,
    receipt: &str,
    survey: i64,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let path = format!("/api/v1/construction-cases/{receipt}/surveys/{survey}/check-in");
    inspector
        .upload_with(&path, fields, "现场.png", PHOTO.to_vec())
        .await
}

async fn check_in_without_photo(
    inspector: &Session,
    receipt: &str,
    survey: i64,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let path = format!("/api/v1/construction-cases/{receipt}/surveys/{survey}/check-in");
    let mut form = reqwest::multipart::Form::new();
    for (name, value) in fields {
        form = form.text(name.to_string(), value.to_string());
    }
    inspector.post_multipart(&path, form).await
}

/// Tuesday 8 December 2026, 09:00 Beijing, on a clock the test moves.
async fn at_eight_on_a_tuesday() -> (Arc<ManualClock>, TestApp) {
    let clock = Arc::new(ManualClock::new(beijing_time(2026, 12, 8, 9)));
    let app = TestApp::spawn_at(clock.clone()).await;
    (clock, app)
}

/// A new project's 项目备案 taken in by 发展和改革局: the enterprise, the case and the clerk.
async fn filing_taken_in(app: &TestApp) -> (Session, String, Session) {
    let firm = app.login("enterprise").await;
    let code = project(&firm).await;
    let filing = apply(&firm, &code, "project_filing").await;
    let clerk = app.login("fgj").await;
    accept(&clerk, &filing).await;
    (firm, filing, clerk)
}

#[tokio::test]
async fn an_inspector_checks_in_on_the_site_with_a_photo_and_is_refused_away_from_it() {
    let (clock, app) = at_eight_on_a_tuesday().await;
    let (firm, filing, clerk) = filing_taken_in(&app).await;
    let surveys = format!("/api/v1/construction-cases/{filing}/surveys");
    let on_site = json!({
        "mode": "on_site", "starts_at": "2026-12-08 10:00", "ends_at": "2026-12-08T12:00",
        "site_latitude": "24.874512", "site_longitude": "118.675103", "radius_m": "300",
    });

    // Only the department examining the case appoints; mistakes name their field.
    let trail = app.audit_count().await;
    crate::helpers::assert_error(
        firm.post(&surveys, &on_site).await,
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    )
    .await;
    let mistakes = [
        ("mode", json!("walk"), "mode"),
        ("ends_at", json!("2026-12-08 09:30"), "ends_at"),
        ("starts_at", json!("明天上午"), "starts_at"),
        ("site_latitude", json!("118.675103"), "site_latitude"),
        ("radius_m", json!("10"), "radius_m"),
    ];
    for (key, value, field) in mistakes {
        let mut wrong = on_site.clone();
        wrong[key] = value;
        let res = clerk.post(&surveys, &wrong).await;
        crate::helpers::assert_error(
            res,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            Some(field),
        )
        .await;
    }
    assert_eq!(
        app.audit_count().await,
        trail,
        "a refused appointment is not on the trail"
    );
    assert_eq!(ok(firm.get(&surveys).await).await, json!([]));

    let survey = expect(clerk.post(&surveys, &on_site).await, StatusCode::CREATED).await;
    assert_eq!(survey["site"], "24.874512, 118.675103", "{survey}");
    assert_eq!(survey["radius_m"], 300);
    assert_eq!(survey["may_check_in"], true);
    let id = survey["id"].as_i64().unwrap();

    // About 2.8 km north of the site: refused, naming how far; without a photo or with a
    // document instead of one: refused. Nothing is recorded.
    clock.set(beijing_time(2026, 12, 8, 10) + chrono::Duration::minutes(30));
    let inspector = app.login("fgj").await;
    let other_office = app.login("zrj").await;
    let trail = app.audit_count().await;
    let far = [
        ("latitude", "24.900000"),
        ("longitude", "118.675103"),
        ("findings", "已到现场"),
    ];
    let body = crate::helpers::assert_error(
        check_in(&inspector, &filing, id, &far).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("location"),
    )
    .await;
    assert!(
        body["message"].as_str().unwrap().contains("2.8 公里"),
        "{body}"
    );
    let near = [
        ("latitude", "24.875412"),
        ("longitude", "118.675103"),
        ("findings", "现场与申报图纸一致"),
    ];
    let res = check_in_without_photo(&inspector, &filing, id, &near).await;
    crate::helpers::assert_error(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("file"),
    )
    .await;
    let path = format!("/api/v1/construction-cases/{filing}/surveys/{id}/check-in");
    let pdf = inspector
        .upload_with(&path, &near, "现场.pdf", b"%PDF-1.4\n".to_vec())
        .await;
    crate::helpers::assert_error(
        pdf,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("file"),
    )
    .await;
    let res = check_in(&other_office, &filing, id, &near).await;
    assert_eq!(
        res.status(),
        StatusCode::NOT_FOUND,
        "another department does not see the case"
    );
    assert_eq!(app.audit_count().await, trail);

    // 100 m from the centre, in the window, with a photo: recorded once.
    let done = ok(check_in(&inspector, &filing, id, &near).await).await;
    assert_eq!(done["distance_m"], 100, "{done}");
    assert_eq!(done["typed_location"], true, "typed by hand, so flagged");
    assert_eq!(done["location"], "24.875412, 118.675103");
    assert_eq!(done["outside_window"], false);
    assert_eq!(done["findings"], "现场与申报图纸一致");
    assert_eq!(done["may_check_in"], false);
    assert_eq!(done["photos"].as_array().unwrap().len(), 1, "{done}");
    assert_eq!(app.audit_count().await, trail + 1);
    let again = check_in(&inspector, &filing, id, &near).await;
    assert_eq!(again.status(), StatusCode::CONFLICT);

    // The enterprise sees the survey and its photo.
    let photo = done["photos"][0]["id"].as_i64().unwrap();
    let seen = firm.get(&format!("{surveys}/{id}/photos/{photo}")).await;
    assert_eq!(seen.status(), StatusCode::OK);
    assert_eq!(seen.headers()["content-type"], "image/png");
    assert_eq!(ok(firm.get(&surveys).await).await[0]["distance_m"], 100);
}

#[tokio::test]
async fn a_video_survey_records_its_recording_and_flags_a_check_in_outside_its_window() {
    let (_clock, app) = at_eight_on_a_tuesday().await;
    let (_, filing, clerk) = filing_taken_in(&app).await;
    let surveys = format!("/api/v1/construction-cases/{filing}/surveys");
    let video =
        json!({ "mode": "video", "starts_at": "2026-12-09 09:00", "ends_at": "2026-12-09 10:00" });
    let survey = expect(clerk.post(&surveys, &video).await, StatusCode::CREATED).await;
    assert_eq!(survey["site"], Value::Null, "{survey}");
    let id = survey["id"].as_i64().unwrap();

    let res = check_in_without_photo(&clerk, &filing, id, &[("findings", "视频查看")]).await;
    crate::helpers::assert_error(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("video_record"),
    )
    .await;
    // A day early: recorded, and flagged for the supervisors.
    let fields = [
        ("video_record", "腾讯会议 123 456 789"),
        ("findings", "企业通过视频展示了场地"),
    ];
    let done = ok(check_in_without_photo(&clerk, &filing, id, &fields).await).await;
    assert_eq!(done["outside_window"], true, "{done}");
    assert_eq!(done["video_record"], "腾讯会议 123 456 789");
    assert_eq!(done["distance_m"], Value::Null);

    // Once the case is decided, no new survey is appointed.
    ok(decide(&app.login("fgj.lead").await, &filing, true, "").await).await;
    let res = clerk.post(&surveys, &video).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
}

#[tokio::test]
async fn a_merged_notice_takes_objections_only_in_its_period_and_shows_the_answers() {
    // Tuesday 8 December 2026.
    let clock = Arc::new(ManualClock::new(beijing_time(2026, 12, 8, 9)));
    let app = TestApp::spawn_at(clock.clone()).await;
    let firm = app.login("enterprise").await;
    let code = project(&firm).await;
    let filing = apply(&firm, &code, "project_filing").await;
    let pre_review = apply(&firm, &code, "land_pre_review").await;
    let not_taken_in = apply(&firm, &code, "land_use_permit").await;
    let (fgj, zrj) = (app.login("fgj").await, app.login("zrj").await);
    accept(&fgj, &filing).await;
    accept(&zrj, &pre_review).await;
    let notice = json!({
        "cases": [pre_review, filing],
        "title": "年产 10 万套智能卫浴生产线项目批前集中公示",
        "body": "项目位于东园镇锦厝村,总建筑面积 36500.5 平方米;选址及备案信息予以公示。",
        "starts_on": "2026-12-08", "ends_on": "2026-12-17",
    });

    // Only an office deciding one of the matters publishes; mistakes name their field.
    let assert_error = crate::helpers::assert_error;
    let res = firm.post("/api/v1/construction/notices", &notice).await;
    assert_error(res, StatusCode::FORBIDDEN, "forbidden", None).await;
    let mut others = notice.clone();
    others["cases"] = json!([filing]);
    let res = zrj.post("/api/v1/construction/notices", &others).await;
    assert_error(res, StatusCode::FORBIDDEN, "forbidden", None).await;
    let mistakes = [
        ("starts_on", json!("2026-12-07"), "starts_on"),
        ("ends_on", json!("2026-12-01"), "ends_on"),
        ("cases", json!([pre_review, not_taken_in]), "cases"),
        ("cases", json!([]), "cases"),
        ("title", json!(" "), "title"),
    ];
    for (key, value, field) in mistakes {
        let mut wrong = notice.clone();
        wrong[key] = value;
        let res = zrj.post("/api/v1/construction/notices", &wrong).await;
        assert_error(
            res,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            Some(field),
        )
        .await;
    }

    let published = expect(
        zrj.post("/api/v1/construction/notices", &notice).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(published["state"], "open", "{published}");
    let names: Vec<&str> = published["matters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["department"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["发展和改革局", "自然资源局"]);
    let path = format!(
        "/api/v1/construction/notices/{}",
        published["code"].as_str().unwrap()
    );
    let listed = app.public_json("/api/v1/construction/notices").await;
    assert_eq!(listed[0]["code"], published["code"], "{listed}");

    // Anyone objects, logged out, with a number to be answered on.
    let public = app.anonymous();
    let objects = |body: Value| {
        let request = public
            .post(app.url(&format!("{path}/objections")))
            .json(&body);
        async move { request.send().await.unwrap() }
    };
    let objection = json!({ "name": "张三", "phone": "138 0595 1234", "content": "担心施工噪声影响锦厝村居民休息" });
    for (key, value, field) in [
        ("phone", "12345", "phone"),
        ("content", "", "content"),
        ("name", "", "name"),
    ] {
        let mut wrong = objection.clone();
        wrong[key] = json!(value);
        assert_error(
            objects(wrong).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            Some(field),
        )
        .await;
    }
    let lodged = expect(objects(objection.clone()).await, StatusCode::CREATED).await;
    assert_eq!(lodged["name"], "张*", "{lodged}");
    assert_eq!(lodged["phone"], Value::Null);
    let id = lodged["id"].as_i64().unwrap();
    for _ in 0..2 {
        expect(objects(objection.clone()).await, StatusCode::CREATED).await;
    }
    assert_error(
        objects(objection.clone()).await,
        StatusCode::CONFLICT,
        "conflict",
        Some("phone"),
    )
    .await;

    // The public reads the objection masked; the office reads who and how to call back.
    let seen = app.public_json(&path).await;
    assert_eq!(seen["objections"][0]["name"], "张*", "{seen}");
    assert_eq!(seen["objections"][0]["phone"], Value::Null);
    let office = ok(zrj.get(&path).await).await;
    assert_eq!(office["objections"][0]["name"], "张三");
    assert_eq!(office["objections"][0]["phone"], "13805951234");
    assert_eq!(office["may_answer"], true);

    // The offices of the merged matters answer, once; an office with no part in it may not.
    let fgj_sees = ok(fgj.get(&path).await).await;
    assert_eq!(fgj_sees["objections"][0]["phone"], "13805951234");
    let hbj = app.login("hbj").await;
    let answer_path = format!("{path}/objections/{id}/answer");
    let answer = json!({ "answer": "施工将限定在 7:00–12:00、14:00–22:00,并设置隔音围挡。" });
    assert_error(
        hbj.post(&answer_path, &answer).await,
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    )
    .await;
    let answered = ok(zrj.post(&answer_path, &answer).await).await;
    assert_eq!(answered["objections"][0]["answer"], answer["answer"]);
    let again = zrj.post(&answer_path, &answer).await;
    assert_error(again, StatusCode::CONFLICT, "conflict", None).await;
    let seen = app.public_json(&path).await;
    assert_eq!(
        seen["objections"][0]["answer"], answer["answer"],
        "the answer is public"
    );

    // The day after the period: refused, and nothing recorded.
    clock.set(beijing_time(2026, 12, 18, 9));
    let trail = app.audit_count().await;
    let mut late = objection.clone();
    late["phone"] = json!("13900000000");
    let body = assert_error(objects(late).await, StatusCode::CONFLICT, "conflict", None).await;
    assert!(
        body["message"].as_str().unwrap().contains("2026-12-17"),
        "{body}"
    );
    assert_eq!(app.audit_count().await, trail);
    let seen = app.public_json(&path).await;
    assert_eq!(seen["state"], "closed");
    assert_eq!(seen["may_object"], false);
    assert_eq!(seen["objections"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn an_approval_issues_a_licence_anyone_can_verify_by_its_number_and_code() {
    let app = TestApp::spawn().await;
    let firm = app.login("enterprise").await;
    let code = project(&firm).await;
    approve(&app, &firm, &code, "project_filing", "fgj").await;
    let shown = ok(firm.get(&format!("/api/v1/projects/{code}")).await).await;
    let receipt = matter(&shown, "project_filing")["receipt_no"]
        .as_str()
        .unwrap()
        .to_string();
    let case = ok(firm
        .get(&format!("/api/v1/construction-cases/{receipt}"))
        .await)
    .await;
    let no = case["licence_no"].as_str().expect("issued on approval");

    // The holder downloads it as PDF; a visitor cannot.
    let path = format!("/api/v1/construction-cases/{receipt}/licence");
    let pdf = firm.get(&path).await;
    assert_eq!(pdf.status(), StatusCode::OK);
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    assert!(pdf.bytes().await.unwrap().starts_with(b"%PDF-"));
    let public = app.anonymous();
    let res = public.get(app.url(&path)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);

    // Anyone checks it by its number: what it says, and that the platform issued it.
    let check = |query: String| {
        let request = public.get(app.url(&format!("/api/v1/licences/{query}")));
        async move { request.send().await.unwrap() }
    };
    let seen: Value = check(no.to_string()).await.json().await.unwrap();
    assert_eq!(seen["genuine"], true, "{seen}");
    assert_eq!(seen["code_matches"], Value::Null);
    assert_eq!(seen["licence"]["matter_name"], "企业投资项目备案");
    assert_eq!(seen["licence"]["licence_name"], "企业投资项目备案证明");
    assert_eq!(seen["licence"]["issuer"], "发展和改革局");
    assert_eq!(seen["licence"]["receipt_no"], receipt.as_str());
    assert!(seen["trail_seq"].is_i64(), "{seen}");
    let forged: Value = check(format!("{no}?h=0123456789abcdef"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(forged["code_matches"], false, "{forged}");
    let unknown = check("ZZ20260101DEADBEEF".into()).await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    let page = app.text_of(&public, &format!("/licences/{no}")).await;
    assert!(page.contains("核验通过"), "{page}");
}

#[tokio::test]
async fn experts_are_drawn_at_random_with_conflicts_standing_aside_and_review_by_their_link() {
    let (clock, app) = at_eight_on_a_tuesday().await;
    let assert_error = crate::helpers::assert_error;
    let admin = app.login("admin").await;
    let firm = app.login("enterprise").await;
    let credit_code = firm.first_enterprise();
    let code = project(&firm).await;
    let shown = ok(firm.get(&format!("/api/v1/projects/{code}")).await).await;
    let firm_name = shown["enterprise_name"].as_str().unwrap().to_string();
    let expert = |name: &str, employer: &str, conflicts: &str| {
        json!({ "name": name, "speciality": "planning", "employer": employer,
                "phone": "13905950001", "conflicts": conflicts })
    };
    let pool = "/api/v1/construction/experts";
    let res = firm
        .post(pool, &expert("林规", "泉州市规划设计院", ""))
        .await;
    assert_error(res, StatusCode::FORBIDDEN, "forbidden", None).await;
    let mut wrong = expert("林规", "泉州市规划设计院", "");
    wrong["phone"] = json!("12");
    assert_error(
        admin.post(pool, &wrong).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("phone"),
    )
    .await;
    for (name, employer, conflicts) in [
        ("林规", "泉州市规划设计院", ""),
        ("陈建", "福建省建筑设计研究院", credit_code.as_str()),
        ("王工", firm_name.as_str(), ""),
        ("黄规", "厦门大学建筑与土木工程学院", "某某房地产有限公司"),
        ("郑规", "泉州市城乡规划局退休", ""),
    ] {
        expect(
            admin.post(pool, &expert(name, employer, conflicts)).await,
            StatusCode::CREATED,
        )
        .await;
    }

    let design = apply(&firm, &code, "design_review").await;
    let zrj = app.login("zrj").await;
    accept(&zrj, &design).await;
    let path = format!("/api/v1/construction-cases/{design}/reviews");
    let draw = |n: &str| json!({ "speciality": "planning", "experts": n, "due_on": "2026-12-10" });
    assert_error(
        firm.post(&path, &draw("3")).await,
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    )
    .await;
    assert_error(
        zrj.post(&path, &draw("8")).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("experts"),
    )
    .await;
    let body = assert_error(
        zrj.post(&path, &draw("4")).await,
        StatusCode::CONFLICT,
        "conflict",
        Some("experts"),
    )
    .await;
    assert!(
        body["message"].as_str().unwrap().contains("只有 3 名"),
        "{body}"
    );

    // Three drawn; the two with a conflict stand aside, with the reason on record.
    let drawn = expect(zrj.post(&path, &draw("3")).await, StatusCode::CREATED).await;
    let invitations = drawn["invitations"].as_array().unwrap();
    assert_eq!(invitations.len(), 3, "{drawn}");
    let names = invitations
        .iter()
        .map(|i| i["expert"].as_str().unwrap().to_string())
        .collect::<Vec<_>>();
    assert!(
        names
            .iter()
            .all(|n| !n.starts_with("陈建") && !n.starts_with("王工")),
        "{names:?}"
    );
    let seats = drawn["review"]["seats"].as_array().unwrap();
    let recused: Vec<&str> = seats.iter().filter_map(|s| s["recusal"].as_str()).collect();
    assert_eq!(recused.len(), 2, "{seats:?}");
    assert!(
        recused.iter().any(|r| r.contains("任职于建设单位")),
        "{recused:?}"
    );

    // No second drawing of the speciality while the first runs: no drawing until it suits.
    let again = zrj.post(&path, &draw("1")).await;
    assert_error(again, StatusCode::CONFLICT, "conflict", Some("speciality")).await;
    // Departments draw from the pool but do not read the experts' telephones.
    let listed = ok(zrj.get(pool).await).await;
    assert_eq!(listed[0]["phone"], Value::Null, "{listed}");

    // Each expert reviews by their own link, logged out.
    let public = app.anonymous();
    let link = |i: usize| {
        format!(
            "/api/v1{}",
            invitations[i]["path"]
                .as_str()
                .unwrap()
                .trim_start_matches("")
        )
    };
    let opens = app.public_json(&link(0)).await;
    assert_eq!(opens["open"], true, "{opens}");
    assert_eq!(opens["matter_name"], "建设工程设计方案审查");
    let answer = |i: usize, body: Value| {
        let request = public.post(app.url(&link(i))).json(&body);
        async move { request.send().await.unwrap() }
    };
    assert_error(
        answer(0, json!({ "score": "120", "opinion": "方案可行" })).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("score"),
    )
    .await;
    assert_error(
        answer(0, json!({ "score": "85" })).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("opinion"),
    )
    .await;
    let given = ok(answer(
        0,
        json!({ "score": "85", "opinion": "方案符合规划条件,建议优化北侧退距" }),
    )
    .await)
    .await;
    assert_eq!(given["open"], false, "{given}");
    assert_eq!(
        answer(0, json!({ "score": "90", "opinion": "再提" }))
            .await
            .status(),
        StatusCode::CONFLICT
    );
    let no_reason = answer(1, json!({ "stand_aside": " " })).await;
    assert_error(
        no_reason,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("reason"),
    )
    .await;
    let aside = ok(answer(1, json!({ "stand_aside": "曾参与该项目前期方案咨询" })).await).await;
    assert!(
        aside["recusal"].as_str().unwrap().contains("曾参与"),
        "{aside}"
    );
    let unknown = public
        .get(app.url("/api/v1/expert-reviews/0123456789abcdef"))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);

    // After the deadline (the end of 10 December, Beijing) the third is refused.
    clock.set(beijing_time(2026, 12, 11, 0) + chrono::Duration::minutes(1));
    let late = answer(2, json!({ "score": "70", "opinion": "同意" })).await;
    assert_error(late, StatusCode::CONFLICT, "conflict", None).await;

    // The enterprise reads the opinions and the mean, not who gave them; staff read names.
    let firm = app.login("enterprise").await;
    let seen = ok(firm.get(&path).await).await;
    let review = &seen[0];
    assert_eq!(review["mean_score"], "85.0", "{review}");
    let experts: Vec<&str> = review["seats"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["expert"].as_str().unwrap())
        .collect();
    assert!(
        experts.iter().all(|e| e.starts_with("专家 ")),
        "{experts:?}"
    );
    let recusals: Vec<&str> = review["seats"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["recusal"].as_str())
        .collect();
    assert!(
        recusals.iter().all(|r| *r == "回避"),
        "an expert's own reason could name them: {recusals:?}"
    );
    let steward = ok(app.login("steward").await.get(&path).await).await;
    assert!(
        steward[0]["seats"][0]["expert"]
            .as_str()
            .unwrap()
            .starts_with("专家 "),
        "{steward}"
    );
    let staff = ok(app.login("zrj").await.get(&path).await).await;
    assert!(
        staff[0]["seats"][0]["expert"]
            .as_str()
            .unwrap()
            .contains('('),
        "{staff}"
    );
}

#[tokio::test]
async fn a_case_taken_in_with_a_material_missing_is_approved_only_once_it_is_supplied() {
    let (clock, app) = at_eight_on_a_tuesday().await;
    let assert_error = crate::helpers::assert_error;
    let firm = app.login("enterprise").await;
    let code = project(&firm).await;
    let pre_review = apply(&firm, &code, "land_pre_review").await;
    let zrj = app.login("zrj").await;
    let shown = ok(zrj
        .get(&format!("/api/v1/construction-cases/{pre_review}"))
        .await)
    .await;
    let tolerable: Vec<&str> = shown["tolerable_materials"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap())
        .collect();
    assert!(
        tolerable.contains(&"土地利用及规划符合性说明"),
        "{tolerable:?}"
    );
    assert!(
        !tolerable.iter().any(|m| m.contains("申请表")),
        "the application itself is never missing"
    );

    let path = format!("/api/v1/construction-cases/{pre_review}/accept-tolerating");
    let terms = |material: &str, by: &str| json!({ "material": material, "supply_by": by });
    let res = firm
        .post(&path, &terms("土地利用及规划符合性说明", "2026-12-15"))
        .await;
    assert_error(res, StatusCode::FORBIDDEN, "forbidden", None).await;
    for (material, by, field) in [
        ("用地预审与选址申请表", "2026-12-15", "material"),
        ("营业执照", "2026-12-15", "material"),
        ("土地利用及规划符合性说明", "2026-12-08", "supply_by"),
        ("土地利用及规划符合性说明", "2027-03-01", "supply_by"),
    ] {
        let res = zrj.post(&path, &terms(material, by)).await;
        assert_error(
            res,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            Some(field),
        )
        .await;
    }
    let taken = ok(zrj
        .post(&path, &terms("土地利用及规划符合性说明", "2026-12-15"))
        .await)
    .await;
    assert_eq!(taken["status"], "accepted", "{taken}");
    assert_eq!(taken["supply_by"], "2026-12-15");
    assert_eq!(
        taken["clock_paused"], true,
        "the department's limit waits: {taken}"
    );
    assert!(taken["due_at"].is_null(), "no day while paused: {taken}");

    // The enterprise's promise runs on its own clock, to the end of the day promised.
    let clocks = ok(app
        .login("admin")
        .await
        .get(&format!(
            "/api/v1/deadlines?object_type=construction_case&object_id={pre_review}"
        ))
        .await)
    .await;
    let promise = clocks
        .as_array()
        .unwrap()
        .iter()
        .find(|c| {
            c["label"]
                .as_str()
                .unwrap()
                .starts_with("补齐容缺材料:土地利用及规划符合性说明")
        })
        .unwrap_or_else(|| panic!("no promise clock: {clocks}"));
    assert_eq!(promise["due_at"], "2026-12-15T16:00:00Z", "{promise}");
    let own_clock = |clocks: &Value| {
        let matter = clocks
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["label"] == "建设项目用地预审与选址意见书核发办理");
        matter.unwrap()["state"].as_str().unwrap().to_string()
    };
    assert_eq!(
        own_clock(&clocks),
        "已暂停",
        "the department's limit waits for the material"
    );

    // Approved the day the prerequisite is done? Not before the material comes.
    approve(&app, &firm, &code, "project_filing", "fgj").await;
    let lead = app.login("zrj.lead").await;
    let early = decide(&lead, &pre_review, true, "").await;
    let body = assert_error(early, StatusCode::CONFLICT, "conflict", None).await;
    assert!(
        body["message"].as_str().unwrap().contains("尚未补齐"),
        "{body}"
    );

    clock.set(beijing_time(2026, 12, 14, 10));
    let firm = app.login("enterprise").await;
    let supply = format!("/api/v1/construction-cases/{pre_review}/supply");
    let other = app.login("fgj").await;
    let refused = other
        .upload(&supply, "说明.pdf", b"%PDF-1.4\n".to_vec())
        .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let supplied = ok(firm
        .upload(&supply, "符合性说明.pdf", b"%PDF-1.4\n".to_vec())
        .await)
    .await;
    assert!(supplied["supplied_at"].is_string(), "{supplied}");
    assert_eq!(
        supplied["supplied_files"][0]["label"],
        "土地利用及规划符合性说明"
    );
    let again = firm
        .upload(&supply, "符合性说明.pdf", b"%PDF-1.4\n".to_vec())
        .await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
    let clocks_path =
        format!("/api/v1/deadlines?object_type=construction_case&object_id={pre_review}");
    let clocks = ok(app.login("admin").await.get(&clocks_path).await).await;
    assert_eq!(own_clock(&clocks), "计时中", "and runs again once it came");
    let approved = ok(decide(&app.login("zrj.lead").await, &pre_review, true, "").await).await;
    assert_eq!(approved["status"], "approved", "{approved}");
}

const PDF: &[u8] = b"%PDF-1.4\n";

#[tokio::test]
async fn materials_filed_once_in_the_vault_serve_every_application_and_licences_file_themselves() {
    use crate::helpers::assert_error;
    let app = TestApp::spawn().await;
    let firm = app.login("enterprise").await;
    let code = project(&firm).await;
    let vault_path = format!("/api/v1/projects/{code}/vault");
    let empty = ok(firm.get(&vault_path).await).await;
    assert_eq!(empty["items"], json!([]));
    assert!(
        empty["wanted"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w == "项目符合产业政策的声明"),
        "{empty}"
    );

    // Refusals name the field and keep nothing.
    let file = |material: &'static str, until: &'static str| {
        [("material", material), ("valid_until", until)]
    };
    let declaration = "项目符合产业政策的声明";
    for (fields, field) in [
        (file("营业执照复印件", ""), "material"),
        (file(declaration, "2020-01-01"), "valid_until"),
        (file(declaration, "明年"), "valid_until"),
    ] {
        let refused = firm
            .upload_with(&vault_path, &fields, "声明.pdf", PDF.to_vec())
            .await;
        assert_error(
            refused,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            Some(field),
        )
        .await;
    }
    let not_pdf = firm
        .upload_with(
            &vault_path,
            &file(declaration, ""),
            "声明.exe",
            b"MZ".to_vec(),
        )
        .await;
    assert_error(
        not_pdf,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("file"),
    )
    .await;
    let staff = app.login("fgj").await;
    let hidden = staff
        .upload_with(
            &vault_path,
            &file(declaration, ""),
            "声明.pdf",
            PDF.to_vec(),
        )
        .await;
    assert_eq!(
        hidden.status(),
        StatusCode::NOT_FOUND,
        "a department sees no project it has no case of"
    );
    assert_eq!(ok(firm.get(&vault_path).await).await["items"], json!([]));

    let filed = expect(
        firm.upload_with(
            &vault_path,
            &file(declaration, "2099-12-31"),
            "声明.pdf",
            PDF.to_vec(),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(filed["source"], "企业上传");
    assert_eq!(filed["valid_until"], "2099-12-31");

    // Applied for, the case carries the declaration; the form it lacks is shown as not given.
    let filing = apply(&firm, &code, "project_filing").await;
    let case = ok(staff
        .get(&format!("/api/v1/construction-cases/{filing}"))
        .await)
    .await;
    let materials = case["materials"].as_array().unwrap();
    assert_eq!(materials.len(), 2, "{case}");
    assert!(
        materials[0]["item"].is_null(),
        "the information sheet was not given: {case}"
    );
    assert_eq!(materials[1]["material"], declaration);
    let item = materials[1]["item"]["id"].as_i64().unwrap();
    let file_path = format!("/api/v1/construction-cases/{filing}/materials/{item}");
    let read = staff.get(&file_path).await;
    assert_eq!(read.status(), StatusCode::OK);
    assert_eq!(read.bytes().await.unwrap().as_ref(), PDF);
    let stranger = app.login("zrj").await;
    assert_eq!(
        stranger.get(&file_path).await.status(),
        StatusCode::NOT_FOUND
    );

    // Filed before the window takes the case in, the missing sheet joins it.
    let sheet = materials[0]["material"].as_str().unwrap().to_string();
    let fields = [("material", sheet.as_str()), ("valid_until", "")];
    let late = firm
        .upload_with(&vault_path, &fields, "信息表.pdf", PDF.to_vec())
        .await;
    assert_eq!(late.status(), StatusCode::CREATED);
    let case = ok(staff
        .get(&format!("/api/v1/construction-cases/{filing}"))
        .await)
    .await;
    assert_eq!(
        case["materials"][0]["item"]["file_name"], "信息表.pdf",
        "{case}"
    );

    // The filing's licence files itself as the 项目备案证明 later matters need.
    assert_eq!(accept(&staff, &filing).await["status"], "accepted");
    ok(decide(&app.login("fgj.lead").await, &filing, true, "").await).await;
    let vault = ok(firm.get(&vault_path).await).await;
    let proof = vault["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["material"] == "项目备案证明")
        .unwrap_or_else(|| panic!("no 项目备案证明 in {vault}"));
    assert_eq!(proof["source"], "平台核发的电子证照");
    assert!(proof["licence_no"].as_str().unwrap().starts_with("ZZ"));

    // One form per stage: all of one stage, or nothing.
    let stage_path = format!("/api/v1/projects/{code}/stage-cases");
    for matters in [
        json!([]),
        json!(["land_pre_review", "design_review"]),
        json!(["nonsense"]),
    ] {
        let refused = firm.post(&stage_path, &json!({ "matters": matters })).await;
        assert_error(
            refused,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            Some("matters"),
        )
        .await;
    }
    let twice = json!({ "matters": ["land_pre_review", "project_filing"] });
    let refused = firm.post(&stage_path, &twice).await;
    assert_eq!(
        refused.status(),
        StatusCode::CONFLICT,
        "the filing is approved already"
    );
    let cases = expect(
        firm.post(
            &stage_path,
            &json!({ "matters": ["land_pre_review", "land_registration"] }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let cases = cases.as_array().unwrap();
    assert_eq!(
        cases.len(),
        2,
        "the refused form applied for nothing before"
    );
    let pre_review = &cases[0];
    let given = pre_review["materials"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["material"] == "项目备案证明")
        .unwrap();
    assert_eq!(
        given["item"]["licence_no"], proof["licence_no"],
        "{pre_review}"
    );
}

/// Plays the non-tax payment system: posts `notice`, signed with `secret`.
async fn notify(app: &TestApp, notice: &Value, secret: &str) -> reqwest::Response {
    use hmac::{KeyInit, Mac};
    let body = serde_json::to_vec(notice).unwrap();
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(&body);
    let signature = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
    reqwest::Client::new()
        .post(format!("{}/api/v1/construction/payments/notify", app.base))
        .header("content-type", "application/json")
        .header("x-payment-signature", signature)
        .body(body)
        .send()
        .await
        .unwrap()
}

/// The payment system's notice that the case's order was paid in full.
async fn pay(app: &TestApp, staff: &Session, receipt: &str, transaction: &str) -> Value {
    let case = ok(staff
        .get(&format!("/api/v1/construction-cases/{receipt}"))
        .await)
    .await;
    let order = &case["payment"];
    let notice = json!({
        "order_no": order["order_no"],
        "amount_fen": order["total_fen"],
        "transaction_id": transaction,
    });
    ok(notify(app, &notice, crate::helpers::PAYMENT_SECRET).await).await
}

#[tokio::test]
async fn fees_are_computed_from_the_schedule_and_paid_once_by_the_signed_notice_or_at_the_counter()
{
    use crate::helpers::assert_error;
    let app = TestApp::spawn().await;
    let firm = app.login("enterprise").await;
    let code = project(&firm).await;
    let registration = apply(&firm, &code, "land_registration").await;
    let zrj = app.login("zrj").await;
    let taken = accept(&zrj, &registration).await;
    let order = &taken["payment"];
    assert_eq!(order["total"], "550.00", "{taken}");
    assert_eq!(order["paid"], false);
    assert!(
        order["lines"][0]["basis"]
            .as_str()
            .unwrap()
            .contains("发改价格规〔2016〕2559号")
    );
    let order_no = order["order_no"].as_str().unwrap().to_string();
    let title =
        json!({ "approve": true, "land_title_no": "闽(2026)泉州台商投资区不动产权第 0000777 号" });
    let lead = app.login("zrj.lead").await;
    let early = decide_with(&lead, &registration, &title).await;
    let body = assert_error(early, StatusCode::CONFLICT, "conflict", None).await;
    assert!(
        body["message"].as_str().unwrap().contains("尚未缴清"),
        "{body}"
    );

    // The payment system's notices: only signed ones, only the exact amount, only known orders.
    let notice = |amount: i64, transaction: &str| json!({ "order_no": order_no, "amount_fen": amount, "transaction_id": transaction });
    let forged = notify(&app, &notice(55_000, "T-1"), "guessed-secret").await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let short = notify(&app, &notice(5_500, "T-1"), crate::helpers::PAYMENT_SECRET).await;
    assert_error(
        short,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("amount_fen"),
    )
    .await;
    let unknown = json!({ "order_no": "JF0", "amount_fen": 55_000, "transaction_id": "T-1" });
    let unknown = notify(&app, &unknown, crate::helpers::PAYMENT_SECRET).await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    let still = ok(zrj
        .get(&format!("/api/v1/construction-cases/{registration}"))
        .await)
    .await;
    assert_eq!(
        still["payment"]["paid"], false,
        "no refused notice paid anything"
    );

    // Paid once; the same notice again is received; a second payment (another transaction) is
    // received too, never counted, and put on the trail to be refunded.
    let secret = crate::helpers::PAYMENT_SECRET;
    let paid = ok(notify(&app, &notice(55_000, "T-1"), secret).await).await;
    assert_eq!(
        (&paid["recorded"], &paid["duplicate"]),
        (&json!(true), &json!(false))
    );
    let again = ok(notify(&app, &notice(55_000, "T-1"), secret).await).await;
    assert_eq!(
        (&again["recorded"], &again["duplicate"]),
        (&json!(false), &json!(false))
    );
    let twice = ok(notify(&app, &notice(55_000, "T-2"), secret).await).await;
    assert_eq!(
        (&twice["recorded"], &twice["duplicate"]),
        (&json!(false), &json!(true))
    );
    let counter = json!({ "receipt_no": "闽财 0001" });
    let payment_path = format!("/api/v1/construction-cases/{registration}/payment");
    assert_eq!(
        zrj.post(&payment_path, &counter).await.status(),
        StatusCode::CONFLICT
    );
    let shown = ok(firm
        .get(&format!("/api/v1/construction-cases/{registration}"))
        .await)
    .await;
    assert_eq!(shown["payment"]["paid_via"], "网上缴款");
    assert_eq!(shown["payment"]["payment_ref"], "T-1");
    let mut conn = app.app.db.conn().await.unwrap();
    let trail =
        qinqing_kernel::store::audit::for_object(&mut conn, "construction_case", &registration)
            .await
            .unwrap();
    let entries = |action: &str| trail.iter().filter(|e| e.record.action == action).count();
    assert_eq!(
        entries("construction.fee_paid"),
        1,
        "the payment is recorded once"
    );
    assert_eq!(
        entries("construction.fee_refund_due"),
        1,
        "the second is to be refunded"
    );
    let approved = ok(decide_with(&lead, &registration, &title).await).await;
    assert_eq!(approved["status"], "approved", "{approved}");

    // By floor area, to the fen; paid at the counter, recorded only by the department.
    approve_up_to_the_permit(&app, &firm, &code).await;
    for (m, office) in [
        ("building_planning_permit", "zrj"),
        ("drawing_review", "zjj"),
    ] {
        approve(&app, &firm, &code, m, office).await;
    }
    let permit = apply(&firm, &code, "construction_permit").await;
    let zjj = app.login("zjj").await;
    let taken = accept(&zjj, &permit).await;
    assert_eq!(
        taken["payment"]["total"], "2920040.00",
        "36500.5 m² at 80 yuan: {taken}"
    );
    assert_eq!(taken["may_record_payment"], true);
    let payment_path = format!("/api/v1/construction-cases/{permit}/payment");
    assert_eq!(
        firm.post(&payment_path, &counter).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        zrj.post(&payment_path, &counter).await.status(),
        StatusCode::FORBIDDEN
    );
    let unseen = app.login("hbj").await.post(&payment_path, &counter).await;
    assert_eq!(unseen.status(), StatusCode::NOT_FOUND);
    let blank = zjj.post(&payment_path, &json!({ "receipt_no": " " })).await;
    assert_error(
        blank,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("receipt_no"),
    )
    .await;
    let recorded = ok(zjj.post(&payment_path, &counter).await).await;
    assert_eq!(recorded["payment"]["paid_via"], "窗口缴款");
    assert_eq!(recorded["payment"]["payment_ref"], "闽财 0001");
    assert_eq!(recorded["may_record_payment"], false);
    let clicked_twice = ok(zjj.post(&payment_path, &counter).await).await;
    assert_eq!(clicked_twice["payment"]["payment_ref"], "闽财 0001");
    let another = json!({ "receipt_no": "闽财 0002" });
    let another = zjj.post(&payment_path, &another).await;
    assert_eq!(another.status(), StatusCode::CONFLICT);
}

#[tokio::test]
async fn the_dashboard_counts_working_days_per_stage_against_the_target_for_staff_only() {
    // Monday 16 November 2026, a plain working week.
    let clock = Arc::new(ManualClock::new(beijing_time(2026, 11, 16, 9)));
    let app = TestApp::spawn_at(clock.clone()).await;
    let firm = app.login("enterprise").await;
    let code = project(&firm).await;
    let filing = apply(&firm, &code, "project_filing").await;
    accept(&app.login("fgj").await, &filing).await;
    clock.set(beijing_time(2026, 11, 19, 10));
    ok(decide(&app.login("fgj.lead").await, &filing, true, "").await).await;
    let firm = app.login("enterprise").await;
    let pre_review = apply(&firm, &code, "land_pre_review").await;
    accept(&app.login("zrj").await, &pre_review).await;
    clock.set(beijing_time(2026, 11, 20, 15));

    let path = "/api/v1/construction/dashboard";
    let firm = app.login("enterprise").await;
    assert_eq!(firm.get(path).await.status(), StatusCode::FORBIDDEN);
    let board = ok(app.login("admin").await.get(path).await).await;
    assert_eq!(board["target_days"], 120);
    let ours = board["project_times"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["code"] == code.as_str())
        .unwrap_or_else(|| panic!("no {code} in {board}"));
    // The stage runs from the filing's 受理 on Monday to today, Friday, its second matter open.
    assert_eq!(ours["days"], 4, "{ours}");
    assert_eq!(ours["finished"], false);
    assert_eq!(ours["over_target"], false);
    let filing_time = board["matters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "企业投资项目备案")
        .unwrap();
    assert!(
        filing_time["over_promise"].as_u64().unwrap() >= 1,
        "3 days against a promise of 1: {filing_time}"
    );
    let stages = board["projects_by_stage"].as_array().unwrap();
    assert_eq!(stages[0]["label"], "立项用地规划许可");
    assert!(stages[0]["count"].as_u64().unwrap() >= 1, "{board}");

    // A department reads the figures of its own cases only.
    let theirs = ok(app.login("hbj").await.get(path).await).await;
    let listed = theirs["project_times"].as_array().unwrap();
    assert!(
        listed.iter().all(|p| p["code"] != code.as_str()),
        "{theirs}"
    );

    let page = app.login("zrj").await.get("/construction/dashboard").await;
    assert_eq!(page.status(), StatusCode::OK);
    let text = page.text().await.unwrap();
    assert!(text.contains("各项目审批用时") && text.contains("年产 10 万套智能卫浴生产线项目"));
}

#[tokio::test]
async fn a_lead_entrusts_its_own_matters_from_the_page_and_a_mistake_keeps_the_form() {
    let app = TestApp::spawn().await;
    let lead = app.login("zrj.lead").await;
    let page = lead
        .get("/construction/entrustments")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("建设用地规划许可证核发"),
        "its own matters are offered"
    );
    assert!(
        !page.contains(">企业投资项目备案<"),
        "not another department's"
    );
    let centre = page
        .split("name=\"to_org_id\">")
        .nth(1)
        .and_then(|s| s.split("value=\"").nth(1))
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_string();
    let form = |ends_on: &'static str| {
        vec![
            ("matter", "land_use_permit"),
            ("to_org_id", centre.as_str()),
            ("starts_on", "2026-12-01"),
            ("ends_on", ends_on),
        ]
    };
    let wrong = lead
        .post_form("/construction/entrustments", &form("2020-01-01"))
        .await;
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let again = wrong.text().await.unwrap();
    assert!(
        again.contains("委托截止日期应不早于开始日期") && again.contains("value=\"2020-01-01\"")
    );
    let done = lead
        .post_form("/construction/entrustments", &form("2099-12-31"))
        .await;
    assert_eq!(done.status(), StatusCode::SEE_OTHER);
    let listed = lead
        .get("/construction/entrustments")
        .await
        .text()
        .await
        .unwrap();
    assert!(listed.contains("2026-12-01 至 2099-12-31"), "{listed}");
    // A handler reads the list without the form; an enterprise not at all.
    let clerk = app
        .login("zrj")
        .await
        .get("/construction/entrustments")
        .await;
    assert!(!clerk.text().await.unwrap().contains("委托事项</summary>"));
    let firm = app
        .login("enterprise")
        .await
        .get("/construction/entrustments")
        .await;
    assert_eq!(firm.status(), StatusCode::FORBIDDEN);
}
