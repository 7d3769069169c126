use crate::helpers::{TestApp, assert_error, credit_code};
use qinqing_kernel::enterprises::PLEDGE_VERSION;
use reqwest::StatusCode;
use serde_json::{Value, json};

fn registration(code: &str, username: &str) -> Value {
    json!({
        "credit_code": code,
        "name": "泉州新注册科技有限公司",
        "legal_representative": "陈新",
        "contact_phone": "13800001111",
        "industry_code": "C3971",
        "region_code": "350521101201",
        "ownership": "private",
        "username": username,
        "display_name": "陈联系",
        "password": "Register2026qq",
        "pledge_version": PLEDGE_VERSION,
        "pledge_accepted": true,
    })
}

async fn register(app: &TestApp, body: &Value) -> reqwest::Response {
    app.anonymous()
        .post(app.url("/api/v1/enterprises/register"))
        .json(body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn an_enterprise_registers_with_its_pledge_and_sees_its_profile() {
    let app = TestApp::spawn().await;
    let code = credit_code("91350521MA2NEW001");
    let client = app.anonymous();
    let res = client
        .post(app.url("/api/v1/enterprises/register"))
        .json(&registration(&code, "newfirm"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["user"]["enterprises"], json!([code]));
    let profile: Value = client
        .get(app.url(&format!("/api/v1/enterprises/{code}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(profile["identity"]["name"], "泉州新注册科技有限公司");
    assert_eq!(profile["pledge_version"], PLEDGE_VERSION);
    assert!(profile["pledge_accepted_at"].is_string());
    assert_eq!(profile["identity"]["credit_status"], "good");
}

#[tokio::test]
async fn registration_reports_every_bad_field_and_creates_nothing() {
    let app = TestApp::spawn().await;
    let before = app.audit_count().await;
    let mut body = registration("91350521MA2NEW00X", "bad user");
    body["contact_phone"] = json!("12345");
    body["pledge_accepted"] = json!(false);
    let res = register(&app, &body).await;
    let err = assert_error(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("credit_code"),
    )
    .await;
    let fields: Vec<&str> = err["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        [
            "credit_code",
            "contact_phone",
            "username",
            "pledge_accepted"
        ]
    );
    assert_eq!(
        app.audit_count().await,
        before,
        "nothing recorded, nothing changed"
    );
}

#[tokio::test]
async fn a_pledge_of_another_version_is_not_accepted() {
    let app = TestApp::spawn().await;
    let mut body = registration(&credit_code("91350521MA2NEW002"), "oldpledge");
    body["pledge_version"] = json!("2019-01");
    assert_error(
        register(&app, &body).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("pledge_accepted"),
    )
    .await;
}

#[tokio::test]
async fn a_credit_code_registers_once() {
    let app = TestApp::spawn().await;
    let code = credit_code("91350521MA2NEW003");
    assert_eq!(
        register(&app, &registration(&code, "first")).await.status(),
        StatusCode::CREATED
    );
    let res = register(&app, &registration(&code, "second")).await;
    assert_error(res, StatusCode::CONFLICT, "conflict", Some("credit_code")).await;
    let res = register(
        &app,
        &registration(&credit_code("91350521MA2NEW004"), "first"),
    )
    .await;
    assert_error(res, StatusCode::CONFLICT, "conflict", Some("username")).await;
}

#[tokio::test]
async fn registration_outside_the_district_is_refused() {
    let app = TestApp::spawn().await;
    let mut body = registration(&credit_code("91350521MA2NEW005"), "elsewhere");
    body["region_code"] = json!("110101001");
    assert_error(
        register(&app, &body).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("region_code"),
    )
    .await;
}

/// An enterprise in town 350521101 and one in another town.
async fn inside_and_outside_donguan(app: &TestApp) -> (String, String) {
    let all = app.enterprises().await;
    let inside = all
        .iter()
        .find(|(_, r)| r.starts_with("350521101"))
        .expect("an enterprise in 东园镇");
    let outside = all
        .iter()
        .find(|(_, r)| !r.starts_with("350521101"))
        .expect("an enterprise elsewhere");
    (inside.0.clone(), outside.0.clone())
}

#[tokio::test]
async fn town_staff_see_their_town_and_never_a_sibling_town() {
    let app = TestApp::spawn().await;
    let (inside, outside) = inside_and_outside_donguan(&app).await;
    let town = app.login("town").await;
    assert_eq!(
        town.get(&format!("/api/v1/enterprises/{inside}"))
            .await
            .status(),
        StatusCode::OK
    );
    let res = town.get(&format!("/api/v1/enterprises/{outside}")).await;
    assert_error(res, StatusCode::NOT_FOUND, "not_found", None).await;
    let page: Value = town
        .get("/api/v1/enterprises?per_page=200")
        .await
        .json()
        .await
        .unwrap();
    let items = page["items"].as_array().unwrap();
    assert!(!items.is_empty());
    assert!(
        items
            .iter()
            .all(|e| e["region_code"].as_str().unwrap().starts_with("350521101"))
    );
    assert_eq!(page["total"].as_i64().unwrap() as usize, items.len());
}

#[tokio::test]
async fn enterprise_users_see_only_their_own_enterprise() {
    let app = TestApp::spawn().await;
    let firm = app.login("enterprise").await;
    let own = firm.first_enterprise();
    assert_eq!(
        firm.get(&format!("/api/v1/enterprises/{own}"))
            .await
            .status(),
        StatusCode::OK
    );
    let other = app
        .enterprises()
        .await
        .into_iter()
        .map(|(c, _)| c)
        .find(|c| *c != own)
        .unwrap();
    assert_error(
        firm.get(&format!("/api/v1/enterprises/{other}")).await,
        StatusCode::NOT_FOUND,
        "not_found",
        None,
    )
    .await;
    let page: Value = firm.get("/api/v1/enterprises").await.json().await.unwrap();
    assert_eq!(page["total"], 1);
}

#[tokio::test]
async fn discipline_reads_everything_and_the_bank_reads_no_profile() {
    let app = TestApp::spawn().await;
    let (_, outside) = inside_and_outside_donguan(&app).await;
    let discipline = app.login("discipline").await;
    assert_eq!(
        discipline
            .get(&format!("/api/v1/enterprises/{outside}"))
            .await
            .status(),
        StatusCode::OK
    );
    let page: Value = discipline
        .get("/api/v1/enterprises")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["total"], crate::helpers::TEST_ENTERPRISES as i64);
    let bank = app.login("bank").await;
    assert_eq!(
        bank.get(&format!("/api/v1/enterprises/{outside}"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn unknown_and_malformed_credit_codes_are_told_apart() {
    let app = TestApp::spawn().await;
    let admin = app.login("admin").await;
    let missing = credit_code("91350521MA2YYYYY9");
    assert_error(
        admin.get(&format!("/api/v1/enterprises/{missing}")).await,
        StatusCode::NOT_FOUND,
        "not_found",
        None,
    )
    .await;
    assert_error(
        admin.get("/api/v1/enterprises/not-a-code").await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("credit_code"),
    )
    .await;
}

fn figure(year: i32, field: &str, value: &str) -> Value {
    json!({ "figures": [{ "year": year, "field": field, "value": value }] })
}

#[tokio::test]
async fn an_enterprise_correcting_a_government_figure_is_recorded_old_to_new() {
    let app = TestApp::spawn().await;
    let firm = app.login("enterprise").await;
    let code = firm.first_enterprise();
    let path = format!("/api/v1/enterprises/{code}");
    let before: Value = firm.get(&path).await.json().await.unwrap();
    let year_2025 = before["years"]
        .as_array()
        .unwrap()
        .iter()
        .find(|y| y["year"] == 2025)
        .unwrap()
        .clone();
    let old = year_2025["figures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["field"] == "tax_paid")
        .unwrap()["value"]
        .clone();

    let res = firm
        .patch(&path, &figure(2025, "tax_paid", "1234567.50"))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let after: Value = firm.get(&path).await.json().await.unwrap();
    let tax = after["years"][0]["figures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["field"] == "tax_paid")
        .unwrap()
        .clone();
    assert_eq!(tax["value"], "1234567.50");
    assert_eq!(tax["source"], "enterprise");
    // The newest correction (the demo seeds an older one of revenue).
    let correction = after["corrections"].as_array().unwrap().last().unwrap();
    assert_eq!(correction["old_value"], old);
    assert_eq!(correction["new_value"], "1234567.50");
    assert_eq!(correction["username"], "enterprise");
}

#[tokio::test]
async fn an_enterprise_cannot_change_registry_fields() {
    let app = TestApp::spawn().await;
    let firm = app.login("enterprise").await;
    let code = firm.first_enterprise();
    let res = firm
        .patch(
            &format!("/api/v1/enterprises/{code}"),
            &json!({ "industry_code": "I6513", "credit_status": "good" }),
        )
        .await;
    // credit_status may be sent unchanged (forms post every field); the industry change is refused.
    let body = assert_error(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("industry_code"),
    )
    .await;
    assert!(body["message"].as_str().unwrap().contains("登记机关"));
}

#[tokio::test]
async fn bad_figures_change_nothing_and_name_the_year_and_field() {
    let app = TestApp::spawn().await;
    let firm = app.login("enterprise").await;
    let code = firm.first_enterprise();
    let path = format!("/api/v1/enterprises/{code}");
    let before: Value = firm.get(&path).await.json().await.unwrap();
    let update = json!({
        "contact_phone": "13900002222",
        "figures": [
            { "year": 2025, "field": "revenue", "value": "12x" },
            { "year": 2025, "field": "employees", "value": "-3" },
            { "year": 1999, "field": "revenue", "value": "1" },
            { "year": 2025, "field": "profit", "value": "1" }
        ]
    });
    let body = assert_error(
        firm.patch(&path, &update).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        None,
    )
    .await;
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        [
            "figures.2025.revenue",
            "figures.2025.employees",
            "figures.1999.revenue",
            "figures.2025.profit"
        ]
    );
    let after: Value = firm.get(&path).await.json().await.unwrap();
    assert_eq!(
        before, after,
        "the valid phone change was not applied either"
    );
}

#[tokio::test]
async fn a_steward_acts_on_behalf_of_assigned_enterprises_only() {
    let app = TestApp::spawn().await;
    let steward = app.login("steward").await;
    let assigned: Vec<String> = serde_json::from_value(steward.me["enterprises"].clone()).unwrap();
    assert_eq!(assigned.len(), 5);
    let res = steward
        .patch(
            &format!("/api/v1/enterprises/{}", assigned[0]),
            &json!({ "contact_phone": "0595-22345678" }),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let mut conn = app.app.db.conn().await.unwrap();
    let history = qinqing_kernel::store::audit::for_object(&mut conn, "enterprise", &assigned[0])
        .await
        .unwrap();
    let last = history.last().unwrap();
    assert_eq!(last.record.action, "enterprise.profile_updated");
    let actor = last.record.actor.as_ref().unwrap();
    assert_eq!(actor.username, "steward");
    assert_eq!(actor.on_behalf_of.as_deref(), Some(assigned[0].as_str()));
    let other = app
        .enterprises()
        .await
        .into_iter()
        .map(|(c, _)| c)
        .find(|c| !assigned.contains(c))
        .unwrap();
    let res = steward
        .patch(
            &format!("/api/v1/enterprises/{other}"),
            &json!({ "contact_phone": "0595-22345678" }),
        )
        .await;
    assert_error(res, StatusCode::NOT_FOUND, "not_found", None).await;
}

#[tokio::test]
async fn supervisors_and_banks_cannot_edit_profiles() {
    let app = TestApp::spawn().await;
    let (code, _) = inside_and_outside_donguan(&app).await;
    for user in ["efficiency", "discipline", "bank", "finance"] {
        let session = app.login(user).await;
        let res = session
            .patch(
                &format!("/api/v1/enterprises/{code}"),
                &json!({ "contact_phone": "13800001111" }),
            )
            .await;
        assert_error(res, StatusCode::FORBIDDEN, "forbidden", None).await;
    }
}

#[tokio::test]
async fn staff_change_registry_fields_within_their_scope() {
    let app = TestApp::spawn().await;
    let (inside, outside) = inside_and_outside_donguan(&app).await;
    let town = app.login("town").await;
    let res = town
        .patch(
            &format!("/api/v1/enterprises/{inside}"),
            &json!({ "industry_code": "C3421", "credit_status": "watch" }),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let profile: Value = town
        .get(&format!("/api/v1/enterprises/{inside}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(profile["identity"]["industry_code"], "C3421");
    assert_eq!(profile["identity"]["credit_status"], "watch");
    // Moving an enterprise out of the town would put it out of the staff member's own reach.
    let res = town
        .patch(
            &format!("/api/v1/enterprises/{inside}"),
            &json!({ "region_code": "350521102" }),
        )
        .await;
    assert_error(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("region_code"),
    )
    .await;
    let res = town
        .patch(
            &format!("/api/v1/enterprises/{outside}"),
            &json!({ "credit_status": "bad" }),
        )
        .await;
    assert_error(res, StatusCode::NOT_FOUND, "not_found", None).await;
}

/// The enterprise's own page names where it is registered (town and village), not the code.
#[tokio::test]
async fn the_portal_names_the_town_and_village_of_the_enterprise() {
    let app = TestApp::spawn().await;
    let firm = app.login("enterprise").await;
    let profile = firm
        .get(&format!("/api/v1/enterprises/{}", firm.first_enterprise()))
        .await;
    let profile: Value = profile.json().await.unwrap();
    assert_eq!(profile["identity"]["region_code"], "350521102201");
    assert_eq!(profile["region_name"], "张坂镇 张坂村");
    let page = firm.get("/portal").await.text().await.unwrap();
    assert!(page.contains("<dd>张坂镇 张坂村</dd>"), "{page}");
    assert!(
        !page.contains("350521102201"),
        "no division code on the page"
    );
}
