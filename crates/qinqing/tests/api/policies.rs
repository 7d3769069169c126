//! Benefit-policy fulfilment (惠企政策兑现): the public search, the policy life cycle, what an
//! enterprise may get, the application and its graded review, the budget under concurrent
//! approvals, payouts through the bank files, and 免申即享.

use crate::helpers::{Session, TestApp, assert_error, enterprise_user_of};
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;

const P3: &str = "p3-equipment-investment";
const P7: &str = "p7-rd-investment";

/// The body of a response that must have the given status.
pub(crate) async fn expect(res: Response, status: StatusCode) -> Value {
    let got = res.status();
    let text = res.text().await.unwrap();
    assert_eq!(got, status, "{text}");
    if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    }
}

pub(crate) async fn ok(res: Response) -> Value {
    expect(res, StatusCode::OK).await
}

pub(crate) fn own_code(firm: &Session) -> String {
    firm.first_enterprise()
}

/// A minimal definition: a fixed sum for every enterprise under `region`.
pub(crate) fn definition(id: &str, title: &str, mode: &str, region: &str, fixed: &str) -> String {
    format!(
        r#"id = "{id}"
title = "{title}"
department = "区工业和信息化局"
level = "district"
topics = ["测试"]
entity = "enterprise"
mode = "{mode}"
effective = {{ from = 2000-01-01 }}

[conditions]
all = [ {{ attr = "region", under = ["{region}"] }} ]

[reward]
fixed = "{fixed}"
"#
    )
}

pub(crate) fn policy_input(definition: &str, budget: Option<&str>) -> Value {
    json!({
        "definition": definition,
        "document_text": "对符合条件的企业给予一次性奖励,以承诺代替证明材料。",
        "guide": {
            "who": "本区企业",
            "conditions": "在本区注册",
            "materials": [],
            "deadline": "每年 6 月 30 日前",
            "contact": "区工业和信息化局 0595-87000001",
            "pledges": [{ "key": "integrity", "text": "本企业承诺所填数据真实、准确、完整。" }]
        },
        "budget": budget,
    })
}

/// The handler writes a policy and the lead publishes it; returns its id.
pub(crate) async fn publish_policy(
    app: &TestApp,
    definition: &str,
    budget: Option<&str>,
) -> String {
    publish_input(app, &policy_input(definition, budget)).await
}

/// The handler creates a policy from the whole input and the lead publishes it; returns its id.
pub(crate) async fn publish_input(app: &TestApp, input: &Value) -> String {
    let handler = app.login("handler").await;
    let created = expect(
        handler.post("/api/v1/policies", input).await,
        StatusCode::CREATED,
    )
    .await;
    let id = created["id"].as_str().unwrap().to_string();
    let lead = app.login("lead").await;
    for action in ["submit_for_review", "publish"] {
        let res = lead
            .post(
                &format!("/api/v1/policies/{id}/lifecycle"),
                &json!({ "action": action }),
            )
            .await;
        ok(res).await;
    }
    id
}

/// A published apply-mode policy paying `fixed` yuan to every enterprise of the district, one
/// review stage (the 工信 初审人), with the given budget.
pub(crate) async fn simple_apply_policy(
    app: &TestApp,
    id: &str,
    fixed: &str,
    budget: Option<&str>,
) -> String {
    publish_policy(
        app,
        &definition(id, "测试一次性奖励", "apply", "350521", fixed),
        budget,
    )
    .await
}

pub(crate) fn application(policy: &str, code: &str, year: i32, pledges: &[&str]) -> Value {
    json!({ "policy": policy, "credit_code": code, "year": year, "pledges": pledges })
}

/// The demo enterprise submits an application; returns its receipt number.
pub(crate) async fn submit(firm: &Session, policy: &str, year: i32, pledges: &[&str]) -> String {
    let body = application(policy, &own_code(firm), year, pledges);
    let view = expect(
        firm.post("/api/v1/applications", &body).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(view["status"], "submitted");
    view["receipt_no"].as_str().unwrap().to_string()
}

pub(crate) async fn decide(session: &Session, receipt: &str, decision: &Value) -> Response {
    session
        .post(
            &format!("/api/v1/applications/{receipt}/decision"),
            decision,
        )
        .await
}

pub(crate) async fn application_view(session: &Session, receipt: &str) -> Value {
    ok(session
        .get(&format!("/api/v1/applications/{receipt}"))
        .await)
    .await
}

pub(crate) async fn policy_view(app: &TestApp, id: &str) -> Value {
    let res = app
        .anonymous()
        .get(app.url(&format!("/api/v1/policies/{id}")))
        .send()
        .await
        .unwrap();
    ok(res).await
}

pub(crate) async fn search(session: Option<&Session>, app: &TestApp, query: &str) -> Vec<Value> {
    let path = format!("/api/v1/policies?{query}");
    let res = match session {
        Some(s) => s.get(&path).await,
        None => app.anonymous().get(app.url(&path)).send().await.unwrap(),
    };
    let body = ok(res).await;
    assert_eq!(
        body["total"].as_u64().unwrap() as usize,
        body["items"].as_array().unwrap().len()
    );
    body["items"].as_array().unwrap().clone()
}

pub(crate) fn ids(hits: &[Value]) -> Vec<String> {
    hits.iter()
        .map(|h| h["policy"]["id"].as_str().unwrap().to_string())
        .collect()
}

/// Another enterprise than the demo one, in a town other than 东园镇 (the `town` account's).
async fn other_enterprise(app: &TestApp, own: &str) -> String {
    app.enterprises()
        .await
        .into_iter()
        .find(|(c, _)| c != own)
        .unwrap()
        .0
}

/// An enterprise none of the demo accounts acts for (so the demo's own applications, accounts
/// and payouts leave it alone), eligible for equipment investment in 2025, with a new user of
/// its own. Returns the user's session and the amount the policy gives it.
pub(crate) async fn fresh_firm(app: &TestApp, username: &str) -> (Session, String) {
    let mut taken: Vec<Value> = Vec::new();
    for user in ["enterprise", "steward"] {
        taken.extend(
            app.login(user).await.me["enterprises"]
                .as_array()
                .unwrap()
                .clone(),
        );
    }
    let handler = app.login("handler").await;
    for (code, _) in app.enterprises().await {
        if taken.contains(&json!(code)) {
            continue;
        }
        let ent = ok(handler
            .get(&format!(
                "/api/v1/enterprises/{code}/entitlements?year=2025"
            ))
            .await)
        .await;
        let p3 = ent["eligible"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["policy_id"] == P3);
        if let Some(p3) = p3 {
            let amount = p3["amount"].as_str().unwrap().to_string();
            return (enterprise_user_of(app, username, &code).await, amount);
        }
    }
    panic!("no enterprise outside the demo cast is eligible for {P3}");
}

/// Starts a 免申即享 run: answered at once (202) with the run and its address.
pub(crate) async fn start_run(staff: &Session, policy: &str, year: i32) -> Value {
    let res = staff
        .post(
            &format!("/api/v1/policies/{policy}/auto-grant"),
            &json!({ "year": year }),
        )
        .await;
    let location = res
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_string());
    let run = expect(res, StatusCode::ACCEPTED).await;
    assert_eq!(
        location.as_deref(),
        Some(format!("/api/v1/auto-grant-runs/{}", run["id"]).as_str()),
        "{run}"
    );
    run
}

/// Where a run stands.
pub(crate) async fn run_report(staff: &Session, run: i64) -> Value {
    ok(staff.get(&format!("/api/v1/auto-grant-runs/{run}")).await).await
}

/// Follows a run until it has finished; returns its report.
pub(crate) async fn finished(staff: &Session, run: i64, within: std::time::Duration) -> Value {
    let started = std::time::Instant::now();
    loop {
        let report = run_report(staff, run).await;
        if report["status"] != "running" {
            return report;
        }
        assert!(
            started.elapsed() < within,
            "run {run} still working: {report}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// Runs a 免申即享 policy to its end; returns the run's report.
pub(crate) async fn run_to_end(staff: &Session, policy: &str, year: i32) -> Value {
    let run = start_run(staff, policy, year).await;
    let id = run["id"].as_i64().unwrap();
    finished(staff, id, std::time::Duration::from_secs(60)).await
}

/// Runs a 免申即享 policy to its end and releases it; returns the receipt number of the offer it
/// made to `firm`'s enterprise.
pub(crate) async fn offer_released_to(
    staff: &Session,
    firm: &Session,
    policy: &str,
    year: i32,
) -> String {
    let report = run_to_end(staff, policy, year).await;
    release(staff, &report).await;
    let code = own_code(firm);
    report["offered"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["credit_code"] == code.as_str())
        .unwrap_or_else(|| panic!("no offer to {code}: {report}"))["receipt_no"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Releases (发布) a checked 免申即享 run; returns the run.
pub(crate) async fn release(staff: &Session, report: &Value) -> Value {
    let run = report["run_id"]
        .as_i64()
        .unwrap_or_else(|| panic!("{report}"));
    ok(staff
        .post(
            &format!("/api/v1/auto-grant-runs/{run}/release"),
            &json!({}),
        )
        .await)
    .await
}

pub(crate) fn account(payee: &str, account_no: &str) -> Value {
    json!({ "payee_name": payee, "account_no": account_no, "bank_name": "中国农业银行泉州台商投资区支行" })
}

// ---------------------------------------------------------------------------------------------
// 1. The public search

#[tokio::test]
async fn the_public_finds_policies_by_chinese_words_and_filters() {
    let app = TestApp::spawn().await;
    let hits = search(None, &app, "q=研发").await;
    assert!(ids(&hits).contains(&P7.to_string()), "{hits:?}");
    let p7 = hits.iter().find(|h| h["policy"]["id"] == P7).unwrap();
    let snippet = p7["snippet_html"].as_str().unwrap();
    assert!(snippet.contains("<mark>研发</mark>"), "{snippet}");
    assert!(
        !ids(&hits).contains(&P3.to_string()),
        "equipment investment says nothing of R&D"
    );

    // The query as typed first; 企业, in every policy, is not marked on its own.
    let gaoxin = search(None, &app, "q=高新技术企业").await;
    let first = gaoxin[0]["policy"]["title"].as_str().unwrap();
    assert!(first.contains("高新技术企业"), "{gaoxin:?}");
    for hit in &gaoxin {
        let snippet = hit["snippet_html"].as_str().unwrap();
        assert!(
            !snippet
                .replace("<mark>高新技术企业</mark>", "")
                .contains("<mark>企业</mark>"),
            "{snippet}"
        );
    }

    let auto = search(None, &app, "mode=auto_grant").await;
    assert!(!auto.is_empty());
    assert!(
        auto.iter()
            .all(|h| h["policy"]["mode"] == "auto_grant" && h["policy"]["mode_label"] == "免申即享")
    );
    assert!(ids(&auto).contains(&"p1a-gaoxin-first".to_string()));
    assert!(!ids(&auto).contains(&P3.to_string()));

    let all = search(None, &app, "").await;
    assert_eq!(all.len(), 10, "nine examples and the offline policy");
    assert_eq!(search(None, &app, "level=district").await.len(), 10);
    assert!(search(None, &app, "level=national").await.is_empty());

    let finance = search(None, &app, "department=财政局").await;
    assert_eq!(ids(&finance), ["p5-taiwan-iit"]);
    let industry = search(None, &app, "department=工业和信息化局&q=研发").await;
    assert_eq!(ids(&industry), [P7]);
}

#[tokio::test]
async fn drafts_are_seen_only_by_their_department() {
    let app = TestApp::spawn().await;
    let handler = app.login("handler").await;
    let def = definition(
        "qq-draft",
        "海丝数字经济草稿补助",
        "apply",
        "350521",
        "1000",
    );
    expect(
        handler
            .post("/api/v1/policies", &policy_input(&def, None))
            .await,
        StatusCode::CREATED,
    )
    .await;

    // The public: neither by search, nor by asking for drafts, nor by its id.
    assert!(search(None, &app, "q=海丝").await.is_empty());
    assert!(search(None, &app, "q=海丝&status=draft").await.is_empty());
    let res = app
        .anonymous()
        .get(app.url("/api/v1/policies/qq-draft"))
        .send()
        .await
        .unwrap();
    assert_error(res, StatusCode::NOT_FOUND, "not_found", None).await;

    // Another department and an enterprise neither.
    let finance = app.login("reviewer2").await;
    assert!(
        search(Some(&finance), &app, "status=draft")
            .await
            .is_empty()
    );
    assert_eq!(
        finance.get("/api/v1/policies/qq-draft").await.status(),
        StatusCode::NOT_FOUND
    );
    let firm = app.login("enterprise").await;
    assert!(search(Some(&firm), &app, "status=draft").await.is_empty());

    // The authoring department does.
    let drafts = search(Some(&handler), &app, "status=draft").await;
    assert_eq!(ids(&drafts), ["qq-draft"]);
    assert_eq!(drafts[0]["policy"]["status_label"], "草稿");
    let reviewer = app.login("reviewer1").await;
    assert_eq!(
        ids(&search(Some(&reviewer), &app, "q=海丝&status=draft").await),
        ["qq-draft"]
    );
    ok(reviewer.get("/api/v1/policies/qq-draft").await).await;
}

// ---------------------------------------------------------------------------------------------
// 2. The policy life cycle

#[tokio::test]
async fn a_policy_is_written_by_the_handler_and_published_by_the_lead() {
    let app = TestApp::spawn().await;
    let handler = app.login("handler").await;
    let def = definition("qq-life", "生命周期测试补助", "apply", "350521", "1000");
    let created = expect(
        handler
            .post("/api/v1/policies", &policy_input(&def, Some("5000000")))
            .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(created["status"], "draft");
    assert_eq!(created["current_version"], 1);
    assert!(created["published_version"].is_null());
    assert_eq!(created["budget_total"], "5000000.00");
    assert_eq!(created["budget_committed"], "0.00");
    assert_eq!(created["department"], "工业和信息化局");
    assert_eq!(
        created["review_stages"].as_array().unwrap().len(),
        1,
        "no stages given: one, the department's 初审人"
    );

    // The same id again.
    let res = handler
        .post("/api/v1/policies", &policy_input(&def, None))
        .await;
    assert_error(res, StatusCode::CONFLICT, "conflict", Some("definition")).await;

    // A broken definition names its line.
    let broken = def.replace("level = \"district\"", "level = \"district");
    let res = handler
        .post("/api/v1/policies", &policy_input(&broken, None))
        .await;
    let body = assert_error(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("definition"),
    )
    .await;
    let message = body["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("第 4 行"), "{body}");

    // Enterprises and other departments write no policies.
    let firm = app.login("enterprise").await;
    let other = definition("qq-firm", "企业自拟政策", "apply", "350521", "1");
    let res = firm
        .post("/api/v1/policies", &policy_input(&other, None))
        .await;
    assert_error(res, StatusCode::FORBIDDEN, "forbidden", None).await;
    let res = app
        .login("reviewer2")
        .await
        .put("/api/v1/policies/qq-life", &policy_input(&def, None))
        .await;
    assert_error(res, StatusCode::FORBIDDEN, "forbidden", None).await;

    // The handler submits for review but cannot publish.
    let lifecycle =
        |action: &str, reason: Option<&str>| json!({ "action": action, "reason": reason });
    let res = handler
        .post(
            "/api/v1/policies/qq-life/lifecycle",
            &lifecycle("submit_for_review", None),
        )
        .await;
    assert_eq!(ok(res).await["status"], "review");
    let res = handler
        .post(
            "/api/v1/policies/qq-life/lifecycle",
            &lifecycle("publish", None),
        )
        .await;
    assert_error(res, StatusCode::FORBIDDEN, "forbidden", None).await;
    assert!(search(None, &app, "q=生命周期").await.is_empty());

    let lead = app.login("lead").await;
    let res = lead
        .post(
            "/api/v1/policies/qq-life/lifecycle",
            &lifecycle("publish", None),
        )
        .await;
    let published = ok(res).await;
    assert_eq!(published["status"], "published");
    assert_eq!(published["published_version"], 1);
    assert_eq!(ids(&search(None, &app, "q=生命周期").await), ["qq-life"]);
    // Publishing twice is not a step.
    let res = lead
        .post(
            "/api/v1/policies/qq-life/lifecycle",
            &lifecycle("publish", None),
        )
        .await;
    assert_error(res, StatusCode::CONFLICT, "conflict", None).await;

    // Withdrawal needs a reason, and only the lead gives it.
    let res = lead
        .post(
            "/api/v1/policies/qq-life/lifecycle",
            &lifecycle("withdraw", Some("  ")),
        )
        .await;
    assert_error(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("reason"),
    )
    .await;
    let res = handler
        .post(
            "/api/v1/policies/qq-life/lifecycle",
            &lifecycle("withdraw", Some("政策调整")),
        )
        .await;
    assert_error(res, StatusCode::FORBIDDEN, "forbidden", None).await;
    let res = lead
        .post(
            "/api/v1/policies/qq-life/lifecycle",
            &lifecycle("withdraw", Some("上级政策调整,本政策停止执行")),
        )
        .await;
    let withdrawn = ok(res).await;
    assert_eq!(withdrawn["status"], "withdrawn");
    assert_eq!(withdrawn["withdrawn_reason"], "上级政策调整,本政策停止执行");
    assert!(
        search(None, &app, "q=生命周期").await.is_empty(),
        "a withdrawn policy leaves the published list"
    );
    assert_eq!(
        ids(&search(None, &app, "q=生命周期&status=withdrawn").await),
        ["qq-life"]
    );
    // Nobody applies to a withdrawn policy.
    let res = firm
        .post(
            "/api/v1/applications",
            &application("qq-life", &own_code(&firm), 2025, &["integrity"]),
        )
        .await;
    assert_error(res, StatusCode::CONFLICT, "conflict", Some("policy")).await;
}

#[tokio::test]
async fn editing_a_published_policy_makes_a_new_version_and_applications_keep_theirs() {
    let app = TestApp::spawn().await;
    let id = simple_apply_policy(&app, "qq-versions", "1000", None).await;
    let firm = app.login("enterprise").await;
    let receipt = submit(&firm, &id, 2025, &["integrity"]).await;
    let before = application_view(&firm, &receipt).await;
    assert_eq!(before["policy_version"], 1);
    assert_eq!(before["computed_amount"], "1000.00");

    let handler = app.login("handler").await;
    let def2 = definition(
        &id,
        "测试一次性奖励(2026 年修订)",
        "apply",
        "350521",
        "2000",
    );
    // Version 2 also rewords the document and the pledge, and cuts the budget.
    let mut input2 = policy_input(&def2, Some("500"));
    input2["document_text"] = json!("2026 年修订:奖励提高到 2,000 元。");
    input2["guide"]["pledges"][0]["text"] = json!("本企业承诺(2026 年修订)所填数据真实。");
    let edited = ok(handler
        .put(&format!("/api/v1/policies/{id}"), &input2)
        .await)
    .await;
    assert_eq!(edited["current_version"], 2);
    assert_eq!(
        edited["published_version"], 1,
        "the new version waits for the lead"
    );
    assert_eq!(edited["status"], "published");
    // The id cannot change.
    let renamed = definition("qq-renamed", "测试一次性奖励", "apply", "350521", "2000");
    let res = handler
        .put(
            &format!("/api/v1/policies/{id}"),
            &policy_input(&renamed, None),
        )
        .await;
    assert_error(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("definition"),
    )
    .await;

    // Until published, the public, new applications and entitlements still see version 1.
    let public = policy_view(&app, &id).await;
    assert_eq!(public["title"], "测试一次性奖励", "{public}");
    let v1_pledge = "本企业承诺所填数据真实、准确、完整。";
    assert_eq!(public["guide"]["pledges"][0]["text"], v1_pledge);
    assert!(public["budget_total"].is_null());
    assert!(
        public["document_text"]
            .as_str()
            .unwrap()
            .starts_with("对符合条件的企业")
    );
    let draft_v2 = ok(handler
        .get(&format!("/api/v1/policies/{id}/definition"))
        .await)
    .await;
    assert!(draft_v2.as_str().unwrap().contains("fixed = \"2000\""));
    let pending = submit(&firm, &id, 2023, &["integrity"]).await;
    let pending = application_view(&firm, &pending).await;
    assert_eq!(pending["policy_version"], 1);
    assert_eq!(pending["computed_amount"], "1000.00");
    assert_eq!(pending["policy_title"], "测试一次性奖励");
    assert_eq!(pending["pledges"][0]["text"], v1_pledge);
    let code = own_code(&firm);
    let ent = ok(firm
        .get(&format!(
            "/api/v1/enterprises/{code}/entitlements?year=2024"
        ))
        .await)
    .await;
    let mine = ent["eligible"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["policy_id"] == id.as_str())
        .unwrap();
    assert_eq!(mine["amount"], "1000.00");

    // 1,000 yuan are committed by an approval; a version with a budget of 500 cannot go live.
    let reviewer = app.login("reviewer1").await;
    ok(decide(&reviewer, &receipt, &json!({ "action": "approve" })).await).await;
    let lead = app.login("lead").await;
    let publish = || async {
        lead.post(
            &format!("/api/v1/policies/{id}/lifecycle"),
            &json!({ "action": "publish" }),
        )
        .await
    };
    let body = assert_error(
        publish().await,
        StatusCode::CONFLICT,
        "conflict",
        Some("budget"),
    )
    .await;
    assert!(
        body["message"].as_str().unwrap().contains("1000.00"),
        "{body}"
    );
    assert_eq!(policy_view(&app, &id).await["published_version"], 1);
    // The handler corrects version 2 (still unpublished: no version 3) and the lead publishes.
    input2["budget"] = json!("5000");
    let corrected = ok(handler
        .put(&format!("/api/v1/policies/{id}"), &input2)
        .await)
    .await;
    assert_eq!(corrected["current_version"], 2);
    assert_eq!(ok(publish().await).await["published_version"], 2);

    let public = policy_view(&app, &id).await;
    assert_eq!(public["title"], "测试一次性奖励(2026 年修订)");
    assert_eq!(public["document_text"], "2026 年修订:奖励提高到 2,000 元。");
    assert_eq!(
        public["guide"]["pledges"][0]["text"],
        "本企业承诺(2026 年修订)所填数据真实。"
    );
    assert_eq!(public["budget_total"], "5000.00");
    let after = application_view(&firm, &receipt).await;
    assert_eq!(
        after["policy_version"], 1,
        "the application keeps its version"
    );
    assert_eq!(after["computed_amount"], "1000.00");
    let newer = submit(&firm, &id, 2024, &["integrity"]).await;
    let newer = application_view(&firm, &newer).await;
    assert_eq!(newer["policy_version"], 2);
    assert_eq!(newer["computed_amount"], "2000.00");
}

// ---------------------------------------------------------------------------------------------
// 3. Entitlements

#[tokio::test]
async fn the_enterprise_sees_what_it_may_get_and_others_do_not() {
    let app = TestApp::spawn().await;
    let firm = app.login("enterprise").await;
    let code = own_code(&firm);
    let ent = ok(firm
        .get(&format!(
            "/api/v1/enterprises/{code}/entitlements?year=2025"
        ))
        .await)
    .await;
    assert_eq!(ent["credit_code"], code.as_str());
    assert_eq!(ent["year"], 2025);
    let p3 = ent["eligible"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["policy_id"] == P3)
        .expect("eligible for equipment investment");
    assert_eq!(p3["amount"], "734130.48");
    assert_eq!(p3["granted"], "734130.48");
    let granted: i64 = ent["eligible"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["granted_fen"].as_i64().unwrap())
        .sum();
    assert_eq!(ent["total_fen"].as_i64().unwrap(), granted);
    assert!(granted >= 73_413_048);
    let p7 = ent["undetermined"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["policy_id"] == P7)
        .expect("R&D reward undetermined");
    assert_eq!(p7["missing"][0]["key"], "rd_expense@2025");
    assert!(p7["amount"].is_null());
    let offline = ent
        .as_object()
        .unwrap()
        .iter()
        .filter(|(k, _)| ["eligible", "undetermined", "ineligible"].contains(&k.as_str()))
        .flat_map(|(_, v)| v.as_array().unwrap().clone())
        .find(|e| e["policy_id"] == "talent-housing")
        .unwrap();
    assert!(
        offline["offline_channel"]
            .as_str()
            .unwrap()
            .contains("人社窗口")
    );

    // Another enterprise's, the bank, a town outside the enterprise's town: refused.
    let other = other_enterprise(&app, &code).await;
    let res = firm
        .get(&format!("/api/v1/enterprises/{other}/entitlements"))
        .await;
    assert_error(res, StatusCode::NOT_FOUND, "not_found", None).await;
    let bank = app.login("bank").await;
    let res = bank
        .get(&format!("/api/v1/enterprises/{code}/entitlements"))
        .await;
    assert_error(res, StatusCode::NOT_FOUND, "not_found", None).await;
    let (_, region) = app
        .enterprises()
        .await
        .into_iter()
        .find(|(c, _)| *c == code)
        .unwrap();
    assert!(!region.starts_with("350521101"), "not in 东园镇: {region}");
    let town = app.login("town").await;
    let res = town
        .get(&format!("/api/v1/enterprises/{code}/entitlements"))
        .await;
    assert_error(res, StatusCode::NOT_FOUND, "not_found", None).await;
    let (inside, _) = app
        .enterprises()
        .await
        .into_iter()
        .find(|(_, r)| r.starts_with("350521101"))
        .unwrap();
    ok(town
        .get(&format!("/api/v1/enterprises/{inside}/entitlements"))
        .await)
    .await;
    // The department's staff see it.
    ok(app
        .login("handler")
        .await
        .get(&format!(
            "/api/v1/enterprises/{code}/entitlements?year=2025"
        ))
        .await)
    .await;

    // The enterprise adds its R&D expense: the reward is decided.
    let res = firm
        .patch(
            &format!("/api/v1/enterprises/{code}"),
            &json!({ "figures": [{ "year": 2025, "field": "rd_expense", "value": "3000000000" }] }),
        )
        .await;
    ok(res).await;
    let after = ok(firm
        .get(&format!(
            "/api/v1/enterprises/{code}/entitlements?year=2025"
        ))
        .await)
    .await;
    assert!(
        !after["undetermined"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["policy_id"] == P7),
        "{after}"
    );
    let p7 = after["eligible"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["policy_id"] == P7)
        .expect("eligible once the expense is known");
    assert_eq!(p7["amount"], "1000000.00", "capped at 100 万元");
    assert!(after["total_fen"].as_i64().unwrap() > ent["total_fen"].as_i64().unwrap());
}

/// The words of a page a visitor reads: its HTML without tags.
fn visible_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for ch in html.chars() {
        match ch {
            '<' => in_tag = true,
            '>' => in_tag = false,
            _ if !in_tag => out.push(ch),
            _ => {}
        }
    }
    out
}

/// The demo's 免申即享 reward for a first 国家高新技术企业 recognition (in force 2025–2027).
const P1A: &str = "p1a-gaoxin-first";

/// The policy year a page speaks of: last year, moved into p1a's period.
fn p1a_year(app: &TestApp) -> i32 {
    use chrono::Datelike;
    let now = app
        .app
        .now()
        .with_timezone(&qinqing_domain::deadline::beijing());
    (now.year() - 1).clamp(2025, 2027)
}

#[tokio::test]
async fn a_policy_page_says_who_may_enjoy_it_and_how_much() {
    let app = TestApp::spawn().await;
    let year = p1a_year(&app);
    let page = format!("/policies/{P1A}");
    let html = app.text_of(&app.anonymous(), &page).await;
    let text = visible_text(&html);
    for line in [
        "谁可以享受".to_string(),
        "所在区域属于 泉州台商投资区".to_string(),
        format!("资质「国家高新技术企业」在{year}年内获得认定"),
        format!("资质「国家高新技术企业」不能在{year}年以前获得过认定"),
        "可享多少".to_string(),
        "奖励 30 万元".to_string(),
        "与同一事项的其他政策不重复享受,就高享受".to_string(),
        "免申即享:无需申报".to_string(),
    ] {
        assert!(text.contains(&line), "{line} missing from {text}");
    }
    assert!(
        !text.contains("350521") && !text.contains("region"),
        "{text}"
    );
    // A visitor is offered the login, which comes back to this policy.
    assert!(
        html.contains(&format!(
            r#"href="/login?next=/policies/{P1A}">登录查看是否可享</a>"#
        )),
        "{html}"
    );

    // The demo enterprise was first recognised years ago: not this reward, and why.
    let firm = app.login("enterprise").await;
    let code = own_code(&firm);
    let text = visible_text(&firm.get(&page).await.text().await.unwrap());
    assert!(!text.contains("登录查看是否可享"), "{text}");
    let path = format!("/api/v1/enterprises/{code}/entitlements?year={year}");
    let name = ok(firm.get(&path).await).await["name"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(text.contains(&format!("{name} · {year} 年度")), "{text}");
    assert!(text.contains("暂不符合"), "{text}");
    assert!(
        text.contains(&format!("认定,不能在{year}年以前获得过认定")),
        "{text}"
    );

    // An enterprise first recognised in the policy year is told its amount.
    let handler = app.login("handler").await;
    let mut first = None;
    for (candidate, _) in app.enterprises().await {
        let ent = ok(handler
            .get(&format!(
                "/api/v1/enterprises/{candidate}/entitlements?year={year}"
            ))
            .await)
        .await;
        if ent["eligible"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["policy_id"] == P1A && e["granted"] == "300000.00")
        {
            first = Some((candidate, ent["name"].as_str().unwrap().to_string()));
            break;
        }
    }
    let (candidate, name) = first.expect("the demo has a first 国家高新技术企业 recognition");
    let owner = enterprise_user_of(&app, "gaoxin-owner", &candidate).await;
    let text = visible_text(&owner.get(&page).await.text().await.unwrap());
    assert!(
        text.contains(&format!("{name} · {year} 年度")) && text.contains("符合条件"),
        "{text}"
    );
    assert!(text.contains("可享 ¥300,000.00"), "{text}");
    assert!(text.contains("查看本企业全部可享政策"), "{text}");
}

// ---------------------------------------------------------------------------------------------
// 4. The application journey

#[tokio::test]
async fn an_application_goes_through_both_stages_with_a_correction() {
    let app = TestApp::spawn().await;
    let (firm, computed) = fresh_firm(&app, "applicant").await;
    let code = own_code(&firm);
    let committed_before = policy_view(&app, P3).await["budget_committed"].clone();

    // Every pledge must be signed; unknown ones are refused.
    let res = firm
        .post(
            "/api/v1/applications",
            &application(P3, &code, 2025, &["integrity"]),
        )
        .await;
    assert_error(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("pledges"),
    )
    .await;
    let res = firm
        .post(
            "/api/v1/applications",
            &application(P3, &code, 2025, &["integrity", "equipment", "made-up"]),
        )
        .await;
    assert_error(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("pledges"),
    )
    .await;
    // Staff do not apply.
    let res = app
        .login("handler")
        .await
        .post(
            "/api/v1/applications",
            &application(P3, &code, 2025, &["integrity", "equipment"]),
        )
        .await;
    assert_error(res, StatusCode::FORBIDDEN, "forbidden", None).await;

    let mut body = application(P3, &code, 2025, &["integrity", "equipment"]);
    body["submit_key"] = json!("form-7f3a");
    let first = expect(
        firm.post("/api/v1/applications", &body).await,
        StatusCode::CREATED,
    )
    .await;
    let receipt = first["receipt_no"].as_str().unwrap().to_string();
    assert!(receipt.starts_with("SB"), "{receipt}");
    assert_eq!(first["status"], "submitted");
    assert_eq!(first["computed_amount"], computed.as_str());
    assert_eq!(first["stage_label"], "初审");
    assert_eq!(first["pledges"].as_array().unwrap().len(), 2);
    assert!(
        first["pledges"][1]["text"]
            .as_str()
            .unwrap()
            .contains("未重复申报")
    );
    // The retry of the same form is the same application.
    let retry = firm.post("/api/v1/applications", &body).await;
    assert!(retry.status().is_success());
    assert_eq!(
        retry.json::<Value>().await.unwrap()["receipt_no"],
        receipt.as_str()
    );
    let listed = ok(firm
        .get(&format!("/api/v1/enterprises/{code}/applications"))
        .await)
    .await;
    assert_eq!(listed.as_array().unwrap().len(), 1);
    // A second application without the key is refused.
    let res = firm
        .post(
            "/api/v1/applications",
            &application(P3, &code, 2025, &["integrity", "equipment"]),
        )
        .await;
    assert_error(res, StatusCode::CONFLICT, "conflict", Some("policy")).await;

    // The review queue of 工信 初审 holds it.
    let reviewer1 = app.login("reviewer1").await;
    let queue = ok(reviewer1.get(&format!("/api/v1/reviews?q={receipt}")).await).await;
    let item = queue["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["application"]["receipt_no"] == receipt.as_str())
        .unwrap();
    assert_eq!(item["mine"], true);

    // 财政 复审 does not hold the first stage.
    let reviewer2 = app.login("reviewer2").await;
    let res = decide(&reviewer2, &receipt, &json!({ "action": "approve" })).await;
    assert_error(res, StatusCode::FORBIDDEN, "forbidden", None).await;

    // Returned for 补正: a note is required; the clock pauses.
    let res = decide(
        &reviewer1,
        &receipt,
        &json!({ "action": "return", "note": " " }),
    )
    .await;
    assert_error(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("note"),
    )
    .await;
    let note = "请补充设备购置发票清单中第 3 项的入账凭证";
    let returned = ok(decide(
        &reviewer1,
        &receipt,
        &json!({ "action": "return", "note": note }),
    )
    .await)
    .await;
    assert_eq!(returned["status"], "returned");
    assert_eq!(returned["note"], note);
    let clocks = ok(reviewer1
        .get(&format!(
            "/api/v1/deadlines?object_type=application&object_id={receipt}"
        ))
        .await)
    .await;
    let clocks = clocks.as_array().unwrap();
    assert_eq!(clocks.len(), 1, "{clocks:?}");
    assert_eq!(clocks[0]["state"], "已暂停");
    let inbox = ok(firm.get("/api/v1/messages").await).await;
    assert!(
        inbox["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["body"].as_str().unwrap().contains(note)),
        "{inbox}"
    );
    // Not in review any more: nobody decides it.
    let res = decide(&reviewer1, &receipt, &json!({ "action": "approve" })).await;
    assert_error(res, StatusCode::CONFLICT, "conflict", None).await;

    // The enterprise resubmits; the clock runs again.
    let resubmitted = ok(firm
        .post(
            &format!("/api/v1/applications/{receipt}/submit"),
            &application(P3, &code, 2025, &["integrity", "equipment"]),
        )
        .await)
    .await;
    assert_eq!(resubmitted["status"], "submitted");
    let clocks = ok(reviewer1
        .get(&format!(
            "/api/v1/deadlines?object_type=application&object_id={receipt}"
        ))
        .await)
    .await;
    assert_eq!(clocks[0]["state"], "计时中");

    // 初审 approves; the application moves to 财政 复审.
    let first_stage = ok(decide(&reviewer1, &receipt, &json!({ "action": "approve" })).await).await;
    assert_eq!(first_stage["status"], "submitted");
    assert_eq!(first_stage["stage_label"], "复审");
    assert_eq!(first_stage["approved_amount"], computed.as_str());
    let res = decide(&reviewer1, &receipt, &json!({ "action": "approve" })).await;
    assert_error(res, StatusCode::FORBIDDEN, "forbidden", None).await;

    // A different amount needs a reason.
    let res = decide(
        &reviewer2,
        &receipt,
        &json!({ "action": "approve", "amount": "1000" }),
    )
    .await;
    assert_error(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("reason"),
    )
    .await;
    let unchanged = application_view(&firm, &receipt).await;
    assert_eq!(unchanged["status"], "submitted");
    assert!(unchanged["payout_status"].is_null());

    let approved = ok(decide(
        &reviewer2,
        &receipt,
        &json!({ "action": "approve", "amount": "1000", "reason": "第 3 项设备发票不属本年度,核减" }),
    )
    .await)
    .await;
    assert_eq!(approved["status"], "approved");
    assert_eq!(approved["approved_amount"], "1000.00");
    assert_eq!(approved["payout_status"], "pending");
    let actions: Vec<&str> = approved["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["submit", "return", "resubmit", "approve", "approve"]
    );
    let yuan = |v: &Value| v.as_str().unwrap().parse::<f64>().unwrap();
    let committed = policy_view(&app, P3).await["budget_committed"].clone();
    assert_eq!(yuan(&committed) - yuan(&committed_before), 1000.0);
    let desk = ok(app.login("finance").await.get("/api/v1/payouts").await).await;
    let payout = desk["payouts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["receipt_no"] == receipt.as_str())
        .unwrap();
    assert_eq!(payout["amount"], "1000.00");
    assert_eq!(payout["reference"], format!("QQ-{receipt}"));
    let clocks = ok(reviewer1
        .get(&format!(
            "/api/v1/deadlines?object_type=application&object_id={receipt}"
        ))
        .await)
    .await;
    assert_eq!(clocks[0]["state"], "已办结");
    // Decided: not withdrawn any more.
    let res = firm
        .post(
            &format!("/api/v1/applications/{receipt}/withdraw"),
            &json!({}),
        )
        .await;
    assert_error(res, StatusCode::CONFLICT, "conflict", None).await;

    // Another enterprise's user reads nothing of it.
    let stranger = app.login("enterprise").await;
    let res = stranger
        .get(&format!("/api/v1/applications/{receipt}"))
        .await;
    assert!(
        matches!(res.status(), StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
        "{}",
        res.status()
    );
    let res = stranger
        .get(&format!("/api/v1/enterprises/{code}/applications"))
        .await;
    assert_error(res, StatusCode::NOT_FOUND, "not_found", None).await;
}

#[tokio::test]
async fn drafts_lack_facts_and_a_withdrawn_application_can_be_made_again() {
    let app = TestApp::spawn().await;
    let firm = app.login("enterprise").await;
    let code = own_code(&firm);
    // Submitting p7 without the R&D expense asks for it.
    let res = firm
        .post(
            "/api/v1/applications",
            &application(P7, &code, 2025, &["integrity"]),
        )
        .await;
    let body = assert_error(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("facts"),
    )
    .await;
    assert!(
        body["message"].as_str().unwrap().contains("研发费用"),
        "{body}"
    );
    // A draft may lack it.
    let mut draft = application(P7, &code, 2025, &[]);
    draft["draft"] = json!(true);
    let saved = expect(
        firm.post("/api/v1/applications", &draft).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(saved["status"], "draft");
    assert!(saved["computed_amount"].is_null());
    let receipt = saved["receipt_no"].as_str().unwrap().to_string();
    // The draft is submitted with the fact added.
    let mut full = application(P7, &code, 2025, &["integrity"]);
    full["facts"] = json!([{ "key": "rd_expense@2025", "value": "3000000000" }]);
    let submitted = ok(firm
        .post(&format!("/api/v1/applications/{receipt}/submit"), &full)
        .await)
    .await;
    assert_eq!(submitted["status"], "submitted");
    assert_eq!(submitted["computed_amount"], "1000000.00");
    assert_eq!(submitted["facts"][0]["key"], "rd_expense@2025");
    // Withdrawn before decision, it may be made again.
    let withdrawn = ok(firm
        .post(
            &format!("/api/v1/applications/{receipt}/withdraw"),
            &json!({}),
        )
        .await)
    .await;
    assert_eq!(withdrawn["status"], "withdrawn");
    let res = decide(
        &app.login("reviewer1").await,
        &receipt,
        &json!({ "action": "approve" }),
    )
    .await;
    assert_error(res, StatusCode::CONFLICT, "conflict", None).await;
    let again = firm.post("/api/v1/applications", &full).await;
    assert_eq!(again.status(), StatusCode::CREATED);
    // The offline policy and 免申即享 ones are not applied for here.
    let res = firm
        .post(
            "/api/v1/applications",
            &application("talent-housing", &code, 2025, &[]),
        )
        .await;
    let body = assert_error(res, StatusCode::CONFLICT, "conflict", Some("policy")).await;
    assert!(
        body["message"].as_str().unwrap().contains("人社窗口"),
        "{body}"
    );
    let res = firm
        .post(
            "/api/v1/applications",
            &application("p1a-gaoxin-first", &code, 2025, &[]),
        )
        .await;
    assert_error(res, StatusCode::CONFLICT, "conflict", Some("policy")).await;
}

#[tokio::test]
async fn a_rejection_needs_a_reason_and_tells_the_enterprise() {
    let app = TestApp::spawn().await;
    let id = simple_apply_policy(&app, "qq-reject", "1000", None).await;
    let firm = app.login("enterprise").await;
    let receipt = submit(&firm, &id, 2025, &["integrity"]).await;
    let reviewer1 = app.login("reviewer1").await;
    let res = decide(
        &reviewer1,
        &receipt,
        &json!({ "action": "reject", "reason": "" }),
    )
    .await;
    assert_error(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("reason"),
    )
    .await;
    let rejected = ok(decide(
        &reviewer1,
        &receipt,
        &json!({ "action": "reject", "reason": "设备发票与企业名称不符" }),
    )
    .await)
    .await;
    assert_eq!(rejected["status"], "rejected");
    assert!(rejected["payout_status"].is_null());
    let inbox = ok(firm.get("/api/v1/messages").await).await;
    assert!(
        inbox["items"].as_array().unwrap().iter().any(|m| m["body"]
            .as_str()
            .unwrap()
            .contains("设备发票与企业名称不符")),
        "{inbox}"
    );
    assert_eq!(policy_view(&app, &id).await["budget_committed"], "0.00");
}

// ---------------------------------------------------------------------------------------------
// 5. The budget

#[tokio::test]
async fn an_approval_the_budget_cannot_cover_changes_nothing() {
    let app = TestApp::spawn().await;
    let id = simple_apply_policy(&app, "qq-small-budget", "1000", Some("500")).await;
    let firm = app.login("enterprise").await;
    let receipt = submit(&firm, &id, 2025, &["integrity"]).await;
    let reviewer1 = app.login("reviewer1").await;
    let res = decide(&reviewer1, &receipt, &json!({ "action": "approve" })).await;
    assert_error(res, StatusCode::CONFLICT, "conflict", Some("amount")).await;
    let view = application_view(&firm, &receipt).await;
    assert_eq!(view["status"], "submitted");
    assert!(view["approved_amount"].is_null());
    assert!(view["payout_status"].is_null());
    assert_eq!(view["steps"].as_array().unwrap().len(), 1);
    assert_eq!(policy_view(&app, &id).await["budget_committed"], "0.00");
    let desk = ok(app.login("finance").await.get("/api/v1/payouts").await).await;
    assert!(
        !desk["payouts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["receipt_no"] == receipt.as_str())
    );
    // A smaller amount, with its reason, fits.
    let approved = ok(decide(
        &reviewer1,
        &receipt,
        &json!({ "action": "approve", "amount": "500", "reason": "预算余额按比例核减" }),
    )
    .await)
    .await;
    assert_eq!(approved["status"], "approved");
    assert_eq!(policy_view(&app, &id).await["budget_committed"], "500.00");
}

#[tokio::test]
async fn concurrent_final_approvals_never_exceed_the_budget() {
    const APPLICATIONS: i32 = 8;
    const AFFORDABLE: usize = 3;
    let app = TestApp::spawn().await;
    let id = simple_apply_policy(&app, "qq-race", "1000", Some("3500")).await;
    let firm = app.login("enterprise").await;
    let mut receipts = Vec::new();
    for year in 2001..2001 + APPLICATIONS {
        receipts.push(submit(&firm, &id, year, &["integrity"]).await);
    }
    // Each approval from its own session, all at once.
    let mut reviewers = Vec::new();
    for _ in 0..APPLICATIONS {
        reviewers.push(Arc::new(app.login("reviewer1").await));
    }
    let tasks: Vec<_> = receipts
        .iter()
        .cloned()
        .zip(reviewers)
        .map(|(receipt, reviewer)| {
            tokio::spawn(async move {
                let res = decide(&reviewer, &receipt, &json!({ "action": "approve" })).await;
                (res.status(), res.text().await.unwrap())
            })
        })
        .collect();
    let mut approved = 0;
    for task in tasks {
        let (status, body) = task.await.unwrap();
        match status {
            StatusCode::OK => approved += 1,
            StatusCode::CONFLICT => assert!(body.contains("预算"), "{body}"),
            other => panic!("{other}: {body}"),
        }
    }
    assert_eq!(approved, AFFORDABLE);
    let policy = policy_view(&app, &id).await;
    assert_eq!(policy["budget_committed"], "3000.00");
    let mut statuses = Vec::new();
    for receipt in &receipts {
        let view = application_view(&firm, receipt).await;
        statuses.push(view["status"].as_str().unwrap().to_string());
        assert_eq!(
            view["payout_status"].is_null(),
            view["status"] == "submitted",
            "a payout exactly for the approved: {view}"
        );
    }
    assert_eq!(
        statuses.iter().filter(|s| *s == "approved").count(),
        AFFORDABLE
    );
    assert_eq!(
        statuses.iter().filter(|s| *s == "submitted").count(),
        APPLICATIONS as usize - AFFORDABLE
    );
    let desk = ok(app.login("finance").await.get("/api/v1/payouts").await).await;
    let ours = desk["payouts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| receipts.iter().any(|r| p["receipt_no"] == r.as_str()))
        .count();
    assert_eq!(ours, AFFORDABLE);
}

// ---------------------------------------------------------------------------------------------
// 6. Payouts

/// Approved applications of the demo enterprise under a new policy paying `fixed` yuan, one
/// per year given; returns their receipt numbers.
pub(crate) async fn approved(
    app: &TestApp,
    firm: &Session,
    fixed: &str,
    years: &[i32],
) -> Vec<String> {
    let id = simple_apply_policy(app, "qq-pay", fixed, None).await;
    let reviewer1 = app.login("reviewer1").await;
    let mut out = Vec::new();
    for &year in years {
        let receipt = submit(firm, &id, year, &["integrity"]).await;
        let view = ok(decide(&reviewer1, &receipt, &json!({ "action": "approve" })).await).await;
        assert_eq!(view["status"], "approved");
        out.push(receipt);
    }
    out
}

pub(crate) async fn payout_of(finance: &Session, receipt: &str) -> Value {
    let desk = ok(finance.get("/api/v1/payouts").await).await;
    desk["payouts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["receipt_no"] == receipt)
        .unwrap()
        .clone()
}

/// Finance exports a batch's bank file (a POST: it marks the batch exported).
pub(crate) async fn export(finance: &Session, batch: i64) -> Vec<u8> {
    csv_body(
        finance
            .post(
                &format!("/api/v1/payouts/batches/{batch}/export"),
                &json!({}),
            )
            .await,
    )
    .await
}

/// Finance downloads an exported batch's bank file again (a GET: a read).
pub(crate) async fn download(finance: &Session, batch: i64) -> Vec<u8> {
    csv_body(
        finance
            .get(&format!("/api/v1/payouts/batches/{batch}/file"))
            .await,
    )
    .await
}

async fn csv_body(res: Response) -> Vec<u8> {
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.headers()[reqwest::header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    res.bytes().await.unwrap().to_vec()
}

pub(crate) fn file_line<'a>(file: &'a str, reference: &str) -> &'a str {
    file.lines()
        .find(|l| l.contains(reference))
        .unwrap_or_else(|| panic!("no line for {reference} in {file}"))
}

/// "批次号,行号" of the payout with `reference` in an exported bank file (BOM included): the
/// start of the bank's result line for it.
pub(crate) fn place(file: &[u8], reference: &str) -> String {
    let text = std::str::from_utf8(&file[3..]).unwrap();
    let fields: Vec<&str> = file_line(text, reference).split(',').take(2).collect();
    fields.join(",")
}

#[tokio::test]
async fn payouts_go_to_the_confirmed_account_through_the_bank_files() {
    let app = TestApp::spawn().await;
    let finance = app.login("finance").await;
    // Whatever the demo left payable goes on a batch of its own first.
    let flushed = finance.post("/api/v1/payouts/batches", &json!({})).await;
    assert!(matches!(
        flushed.status(),
        StatusCode::CREATED | StatusCode::CONFLICT
    ));
    let (firm, _) = fresh_firm(&app, "payee").await;
    let receipts = approved(&app, &firm, "1000", &[2001, 2002]).await;
    let (a, b) = (&receipts[0], &receipts[1]);
    let code = own_code(&firm);
    let name = firm.me["org_name"].as_str().unwrap().to_string();

    // No confirmed account yet: nothing to pay.
    let res = finance.post("/api/v1/payouts/batches", &json!({})).await;
    assert_error(res, StatusCode::CONFLICT, "conflict", None).await;

    // The payee must be the enterprise itself.
    let bank_account = format!("/api/v1/enterprises/{code}/bank-account");
    let res = firm
        .put(&bank_account, &account("张三", "6228480000000000001"))
        .await;
    assert_error(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("payee_name"),
    )
    .await;
    let put_account = async |number: &str| firm.put(&bank_account, &account(&name, number)).await;
    let confirmed = ok(put_account("6228480000000000001").await).await;
    assert_eq!(confirmed["payee_name"], name.as_str());
    assert!(!confirmed["confirmed_at"].is_null());
    let stored = ok(firm
        .get(&format!("/api/v1/enterprises/{code}/bank-account"))
        .await)
    .await;
    assert_eq!(stored["account_no"], "6228480000000000001");
    // Staff do not confirm an enterprise's account.
    let res = app
        .login("handler")
        .await
        .put(&bank_account, &account(&name, "6228480000000000002"))
        .await;
    assert_error(res, StatusCode::FORBIDDEN, "forbidden", None).await;

    // Only finance makes a batch.
    for user in ["handler", "reviewer2", "bank"] {
        let res = app
            .login(user)
            .await
            .post("/api/v1/payouts/batches", &json!({}))
            .await;
        assert_error(res, StatusCode::FORBIDDEN, "forbidden", None).await;
    }
    let batch = expect(
        finance.post("/api/v1/payouts/batches", &json!({})).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(batch["batch"]["lines"], 2);
    assert_eq!(batch["batch"]["total"], "2000.00");
    let batch_id = batch["batch"]["id"].as_i64().unwrap();
    assert_eq!(application_view(&firm, a).await["payout_status"], "batched");
    // Nothing is left for a second batch.
    let res = finance.post("/api/v1/payouts/batches", &json!({})).await;
    assert_error(res, StatusCode::CONFLICT, "conflict", None).await;

    // The bank file: BOM, the fixed header, one line per payout with its reference.
    let res = app
        .login("handler")
        .await
        .get(&format!("/api/v1/payouts/batches/{batch_id}/file"))
        .await;
    assert_error(res, StatusCode::FORBIDDEN, "forbidden", None).await;
    let bytes = export(&finance, batch_id).await;
    let (pa, pb) = (
        place(&bytes, &format!("QQ-{a}")),
        place(&bytes, &format!("QQ-{b}")),
    );
    let batch_no = batch["batch"]["batch_no"].as_str().unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
    let file = String::from_utf8(bytes[3..].to_vec()).unwrap();
    assert!(file.starts_with("批次号,行号,收款人名称,收款账号,开户银行,金额,用途,业务参考号\r\n"));
    let line = file_line(&file, &format!("QQ-{a}"));
    assert!(line.contains(&name), "{line}");
    assert!(line.contains(",6228480000000000001,"), "{line}");
    assert!(line.contains(",1000.00,"), "{line}");
    assert!(line.ends_with(&format!("QQ-{a}")), "{line}");
    file_line(&file, &format!("QQ-{b}"));
    assert_eq!(file.lines().count(), 3);
    assert_eq!(
        export(&finance, batch_id).await,
        bytes,
        "the same bytes again"
    );

    // A result with an unknown reference and a wrong amount is refused whole.
    let bad = format!(
        "批次号,行号,业务参考号,状态,失败原因,金额\r\n{pa},QQ-{a},成功,,1000.00\r\n{batch_no},9,QQ-NOSUCH,成功,,1000.00\r\n{pb},QQ-{b},成功,,999.00\r\n"
    );
    let res = finance
        .upload("/api/v1/payouts/results", "result.csv", bad.into_bytes())
        .await;
    let body = expect(res, StatusCode::UNPROCESSABLE_ENTITY).await;
    let rows = body["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2, "{body}");
    assert_eq!(rows[0]["row"], 3);
    assert_eq!(rows[0]["column"], "reference");
    assert_eq!(rows[1]["row"], 4);
    assert_eq!(rows[1]["column"], "amount");
    assert_eq!(application_view(&firm, a).await["payout_status"], "batched");
    assert_eq!(payout_of(&finance, a).await["status"], "batched");
    // Non-finance import nothing.
    let res = app
        .login("bank")
        .await
        .upload("/api/v1/payouts/results", "result.csv", b"x".to_vec())
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    // The bank pays the first and fails the second.
    let result = format!(
        "批次号,行号,业务参考号,状态,失败原因,金额,银行流水号\r\n{pa},QQ-{a},成功,,1000.00,TX0001\r\n{pb},QQ-{b},失败,账号已销户,,\r\n"
    );
    let summary = ok(finance
        .upload(
            "/api/v1/payouts/results",
            "result.csv",
            result.clone().into_bytes(),
        )
        .await)
    .await;
    assert_eq!(
        summary,
        json!({ "paid": 1, "failed": 1, "already_recorded": 0 })
    );
    let view = application_view(&firm, a).await;
    assert_eq!(view["payout_status"], "paid");
    assert_eq!(view["payout_label"], "已到账");
    assert_eq!(application_view(&firm, b).await["payout_status"], "failed");
    let paid_messages = |inbox: &Value| {
        inbox["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["subject"] == "政策资金已到账")
            .count()
    };
    let inbox = ok(firm.get("/api/v1/messages").await).await;
    assert_eq!(paid_messages(&inbox), 1, "{inbox}");
    assert!(
        inbox["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["body"].as_str().unwrap().contains(a.as_str())),
        "{inbox}"
    );

    // The same result again changes nothing.
    let again = ok(finance
        .upload("/api/v1/payouts/results", "result.csv", result.into_bytes())
        .await)
    .await;
    assert_eq!(
        again,
        json!({ "paid": 0, "failed": 0, "already_recorded": 2 })
    );
    assert_eq!(
        paid_messages(&ok(firm.get("/api/v1/messages").await).await),
        1
    );
    // A paid line is never reported failed afterwards.
    let flip = format!("批次号,行号,业务参考号,状态,失败原因\r\n{pa},QQ-{a},失败,退票\r\n");
    let res = finance
        .upload("/api/v1/payouts/results", "result.csv", flip.into_bytes())
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(payout_of(&finance, a).await["status"], "paid");

    // The failed line: the enterprise corrects its account, finance queues it again.
    let failed = payout_of(&finance, b).await;
    assert_eq!(failed["failure_reason"], "账号已销户");
    let paid_id = payout_of(&finance, a).await["id"].as_i64().unwrap();
    let res = finance
        .post(&format!("/api/v1/payouts/{paid_id}/retry"), &json!({}))
        .await;
    assert_error(res, StatusCode::CONFLICT, "conflict", None).await;
    ok(put_account("6228480000000000999").await).await;
    let failed_id = failed["id"].as_i64().unwrap();
    let res = app
        .login("handler")
        .await
        .post(&format!("/api/v1/payouts/{failed_id}/retry"), &json!({}))
        .await;
    assert_error(res, StatusCode::FORBIDDEN, "forbidden", None).await;
    let retried = ok(finance
        .post(&format!("/api/v1/payouts/{failed_id}/retry"), &json!({}))
        .await)
    .await;
    assert_eq!(retried["status"], "pending");
    let second = expect(
        finance.post("/api/v1/payouts/batches", &json!({})).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(second["batch"]["lines"], 1);
    let second_id = second["batch"]["id"].as_i64().unwrap();
    assert_ne!(second_id, batch_id);
    let bytes = export(&finance, second_id).await;
    let file = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let line = file_line(&file, &format!("QQ-{b}"));
    assert!(
        line.contains(",6228480000000000999,"),
        "the corrected account: {line}"
    );
    assert_eq!(file.lines().count(), 2);
    let result = format!(
        "批次号,行号,业务参考号,状态,金额\r\n{},QQ-{b},成功,1000.00\r\n",
        place(&bytes, &format!("QQ-{b}"))
    );
    let summary = ok(finance
        .upload("/api/v1/payouts/results", "result.csv", result.into_bytes())
        .await)
    .await;
    assert_eq!(summary["paid"], 1);
    assert_eq!(application_view(&firm, b).await["payout_status"], "paid");
    assert_eq!(
        paid_messages(&ok(firm.get("/api/v1/messages").await).await),
        2
    );
}

// ---------------------------------------------------------------------------------------------
// 7. 免申即享

/// An automatic R&D reward sharing p7's annual cap: the demo district has enterprises it makes
/// eligible, ones it cannot decide for want of R&D figures, and ones whose cap it meets. Its
/// budget pool is far too small for them all: the pool is shared out as money is granted, never
/// among whichever enterprises one chunk of a run happens to hold.
const RD_AUTO: &str = r#"id = "qq-rd-auto"
title = "研发投入免申即享奖励"
department = "区工业和信息化局"
level = "district"
topics = ["测试"]
entity = "enterprise"
mode = "auto_grant"
effective = { from = 2024-01-01 }

[conditions]
all = [
  { attr = "region", under = ["350521"] },
  { ratio = ["rd_expense", "revenue"], min = "1%" },
]

[reward]
percent = "10%"
of = "rd_expense"
cap = "1500000"

[cross]
annual_cap = { group = "district-industrial-support", amount = "2000000" }
budget = { pool = "qq-rd-pool", total = "100", allocation = "pro_rata" }
"#;

/// The values of `list` (`offered`, `undetermined` of a run) by credit code.
fn by_code(list: &Value, value: impl Fn(&Value) -> Value) -> BTreeMap<String, Value> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|e| (e["credit_code"].as_str().unwrap().to_string(), value(e)))
        .collect()
}

#[tokio::test]
async fn a_run_offers_what_each_enterprises_entitlements_show() {
    let app = TestApp::spawn().await;
    let id = publish_policy(&app, RD_AUTO, None).await;
    let handler = app.login("handler").await;
    let report = run_to_end(&handler, &id, 2025).await;
    let offered = by_code(&report["offered"], |o| o["amount"].clone());
    let undetermined = by_code(&report["undetermined"], |u| u["missing"].clone());

    // The page each enterprise reads works enterprise by enterprise; the run by column.
    let (mut eligible, mut undecided) = (BTreeMap::new(), BTreeMap::new());
    for (code, _) in app.enterprises().await {
        let path = format!("/api/v1/enterprises/{code}/entitlements?year=2025");
        let ent = ok(handler.get(&path).await).await;
        let ours = |outcome: &str| {
            ent[outcome]
                .as_array()
                .unwrap()
                .iter()
                .find(|e| e["policy_id"] == id.as_str())
                .cloned()
        };
        if let Some(e) = ours("eligible").filter(|e| e["granted_fen"].as_i64() > Some(0)) {
            eligible.insert(code.clone(), e["granted"].clone());
        }
        if let Some(e) = ours("undetermined") {
            let labels = e["missing"].as_array().unwrap().iter();
            undecided.insert(code, labels.map(|m| m["label"].clone()).collect());
        }
    }
    let blocked = report["credit_blocked"].as_u64().unwrap() as usize;
    assert_eq!(offered.len() + blocked, eligible.len(), "{report}");
    for (code, amount) in &offered {
        assert_eq!(eligible.get(code), Some(amount), "{code}");
    }
    assert_eq!(undetermined, undecided);
    assert!(!offered.is_empty() && !undetermined.is_empty(), "{report}");
}

#[tokio::test]
async fn auto_grant_offers_once_and_staff_exclude_with_a_reason() {
    let app = TestApp::spawn().await;
    let handler = app.login("handler").await;
    let run = |id: &str| format!("/api/v1/policies/{id}/auto-grant");
    // The demo district's 国家高新技术企业 first recognised in 2025 (the demo may have run it).
    let report = run_to_end(&handler, "p1a-gaoxin-first", 2025).await;
    assert_eq!(report["evaluated"], crate::helpers::TEST_ENTERPRISES);
    let offered = report["offered"].as_array().unwrap();
    assert!(offered.iter().all(|o| o["amount"] == "300000.00"));
    let eligible = offered.len() + report["already_offered"].as_u64().unwrap() as usize;
    assert!(eligible > 0, "{report}");
    // Again: nothing new.
    let again = run_to_end(&handler, "p1a-gaoxin-first", 2025).await;
    assert!(again["offered"].as_array().unwrap().is_empty());
    assert_eq!(again["already_offered"], eligible);
    assert_eq!(again["total_offered"], "0.00");

    // A policy of our own, so the offer to exclude is a fresh one.
    let id = publish_policy(
        &app,
        &definition(
            "qq-exclude",
            "东园镇企业免申即享奖励",
            "auto_grant",
            "350521101",
            "100",
        ),
        None,
    )
    .await;
    let report = run_to_end(&handler, &id, 2025).await;
    let receipt = report["offered"][0]["receipt_no"]
        .as_str()
        .unwrap_or_else(|| panic!("{report}"))
        .to_string();
    assert!(receipt.starts_with("MS"));

    // Another department's policy, another department's staff, an apply-mode policy: refused.
    let res = handler
        .post(&run("p5-taiwan-iit"), &json!({ "year": 2025 }))
        .await;
    assert_error(res, StatusCode::FORBIDDEN, "forbidden", None).await;
    for user in ["town", "reviewer2", "finance"] {
        let res = app
            .login(user)
            .await
            .post(&run("p1a-gaoxin-first"), &json!({ "year": 2025 }))
            .await;
        assert_error(res, StatusCode::FORBIDDEN, "forbidden", None).await;
    }
    let res = handler.post(&run(P3), &json!({ "year": 2025 })).await;
    assert_error(res, StatusCode::CONFLICT, "conflict", Some("policy")).await;

    // Staff exclude an offer only with a reason; then it is over.
    let close = format!("/api/v1/applications/{receipt}/close");
    let res = handler.post(&close, &json!({ "reason": "" })).await;
    assert_error(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("reason"),
    )
    .await;
    let res = app
        .login("reviewer2")
        .await
        .post(&close, &json!({ "reason": "不属本部门" }))
        .await;
    assert_error(res, StatusCode::FORBIDDEN, "forbidden", None).await;
    let pending = application_view(&handler, &receipt).await;
    assert_eq!(pending["status"], "pending_check");
    let excluded = ok(handler
        .post(&close, &json!({ "reason": "经核查该企业认定证书已被撤销" }))
        .await)
    .await;
    assert_eq!(excluded["status"], "excluded");
    assert_eq!(excluded["note"], "经核查该企业认定证书已被撤销");
    let res = handler.post(&close, &json!({ "reason": "again" })).await;
    assert_error(res, StatusCode::CONFLICT, "conflict", None).await;

    // Only the policy's department releases the run, and only once; the excluded offer stays
    // excluded and nobody is told of it.
    let run = report["run_id"].as_i64().unwrap();
    let path = format!("/api/v1/auto-grant-runs/{run}/release");
    for user in ["reviewer2", "town", "enterprise", "finance"] {
        let res = app.login(user).await.post(&path, &json!({})).await;
        assert_error(res, StatusCode::FORBIDDEN, "forbidden", None).await;
    }
    let res = handler
        .post("/api/v1/auto-grant-runs/999999/release", &json!({}))
        .await;
    assert_error(res, StatusCode::NOT_FOUND, "not_found", None).await;
    let runs = ok(handler
        .get(&format!("/api/v1/policies/{id}/auto-grant/runs"))
        .await)
    .await;
    assert_eq!(runs[0]["id"], run);
    assert_eq!(runs[0]["status"], "checking");
    let released = release(&handler, &report).await;
    assert_eq!(released["status"], "released");
    let offers = released["offers"].as_array().unwrap();
    assert!(
        offers
            .iter()
            .any(|o| o["receipt_no"] == receipt.as_str() && o["status"] == "excluded")
    );
    assert!(
        offers
            .iter()
            .filter(|o| o["receipt_no"] != receipt.as_str())
            .all(|o| o["status"] == "offered")
    );
    let res = handler.post(&path, &json!({})).await;
    assert_error(res, StatusCode::CONFLICT, "conflict", None).await;
    let res = app
        .login("reviewer2")
        .await
        .get(&format!("/api/v1/policies/{id}/auto-grant/runs"))
        .await;
    assert_error(res, StatusCode::FORBIDDEN, "forbidden", None).await;
}

#[tokio::test]
async fn the_enterprise_confirms_an_offer_with_its_account_and_is_paid() {
    let app = TestApp::spawn().await;
    // A 免申即享 policy for every enterprise of 张坂镇, where the demo enterprise is.
    let id = publish_policy(
        &app,
        &definition(
            "qq-zhangban",
            "张坂镇企业免申即享奖励",
            "auto_grant",
            "350521102",
            "8888.88",
        ),
        Some("1000000"),
    )
    .await;
    let firm = app.login("enterprise").await;
    let code = own_code(&firm);
    let handler = app.login("handler").await;
    let report = run_to_end(&handler, &id, 2025).await;
    let offered = report["offered"].as_array().unwrap();
    let in_town = app
        .enterprises()
        .await
        .iter()
        .filter(|(_, r)| r.starts_with("350521102"))
        .count();
    // One enterprise of the town has a bad credit record: it gets nothing.
    let blocked = report["credit_blocked"].as_u64().unwrap() as usize;
    assert_eq!(offered.len() + blocked, in_town, "{report}");
    assert!(!offered.is_empty());
    assert_eq!(
        report["total_offered"],
        format!("{:.2}", 8888.88 * offered.len() as f64)
    );
    let mine = offered
        .iter()
        .find(|o| o["credit_code"] == code.as_str())
        .expect("the demo enterprise is offered");
    let receipt = mine["receipt_no"].as_str().unwrap().to_string();

    // Until staff release the run, the enterprise neither sees nor confirms the offer, nor is told.
    let told = |inbox: &Value| {
        inbox["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["subject"] == "免申即享:请确认收款账户")
    };
    assert!(!told(&ok(firm.get("/api/v1/messages").await).await));
    let res = firm.get(&format!("/api/v1/applications/{receipt}")).await;
    assert_error(res, StatusCode::NOT_FOUND, "not_found", None).await;
    let name = firm.me["org_name"].as_str().unwrap().to_string();
    let res = firm
        .post(
            &format!("/api/v1/applications/{receipt}/confirm"),
            &account(&name, "6228480000000000001"),
        )
        .await;
    assert_error(res, StatusCode::NOT_FOUND, "not_found", None).await;
    let res = firm
        .post(&format!("/api/v1/applications/{receipt}/close"), &json!({}))
        .await;
    assert_error(res, StatusCode::NOT_FOUND, "not_found", None).await;
    let listed = ok(firm
        .get(&format!("/api/v1/enterprises/{code}/applications"))
        .await)
    .await;
    assert!(
        listed
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["receipt_no"] != receipt.as_str()),
        "{listed}"
    );
    assert!(application_view(&handler, &receipt).await["due_at"].is_null());
    release(&handler, &report).await;

    // The enterprise is told, and sees the offer waiting for it.
    let inbox = ok(firm.get("/api/v1/messages").await).await;
    assert!(
        inbox["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["subject"] == "免申即享:请确认收款账户"),
        "{inbox}"
    );
    let view = application_view(&firm, &receipt).await;
    assert_eq!(view["status"], "offered");
    assert_eq!(view["channel"], "auto_grant");
    assert_eq!(view["computed_amount"], "8888.88");
    assert!(!view["due_at"].is_null());

    // Staff do not confirm for it; a wrong payee is refused.
    let confirm = format!("/api/v1/applications/{receipt}/confirm");
    let res = handler
        .post(&confirm, &account(&name, "6228480000000000001"))
        .await;
    assert_error(res, StatusCode::FORBIDDEN, "forbidden", None).await;
    let res = firm
        .post(&confirm, &account("别的公司", "6228480000000000001"))
        .await;
    assert_error(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("payee_name"),
    )
    .await;
    assert_eq!(application_view(&firm, &receipt).await["status"], "offered");

    let confirmed = ok(firm
        .post(&confirm, &account(&name, "6228480000000000001"))
        .await)
    .await;
    assert_eq!(confirmed["status"], "approved");
    assert_eq!(confirmed["approved_amount"], "8888.88");
    assert_eq!(confirmed["payout_status"], "pending");
    let stored = ok(firm
        .get(&format!("/api/v1/enterprises/{code}/bank-account"))
        .await)
    .await;
    assert_eq!(stored["account_no"], "6228480000000000001");
    let policy = policy_view(&app, &id).await;
    assert_eq!(policy["budget_committed"], "8888.88");
    // Confirmed once only; a later run offers it nothing more.
    let res = firm
        .post(&confirm, &account(&name, "6228480000000000001"))
        .await;
    assert_error(res, StatusCode::CONFLICT, "conflict", None).await;
    let again = run_to_end(&handler, &id, 2025).await;
    assert!(again["offered"].as_array().unwrap().is_empty());
    assert_eq!(again["already_offered"], offered.len());
    assert_eq!(again["credit_blocked"], blocked);
    // The payout goes on the next batch.
    let batch = expect(
        app.login("finance")
            .await
            .post("/api/v1/payouts/batches", &json!({}))
            .await,
        StatusCode::CREATED,
    )
    .await;
    assert!(batch["batch"]["lines"].as_i64().unwrap() >= 1);
    let view = application_view(&firm, &receipt).await;
    assert_eq!(view["payout_status"], "batched");
}

#[tokio::test]
async fn the_enterprise_may_decline_an_offer() {
    let app = TestApp::spawn().await;
    let id = publish_policy(
        &app,
        &definition(
            "qq-decline",
            "可放弃的免申即享奖励",
            "auto_grant",
            "350521102",
            "100",
        ),
        None,
    )
    .await;
    let firm = app.login("enterprise").await;
    let handler = app.login("handler").await;
    let receipt = offer_released_to(&handler, &firm, &id, 2025).await;
    let declined = ok(firm
        .post(&format!("/api/v1/applications/{receipt}/close"), &json!({}))
        .await)
    .await;
    assert_eq!(declined["status"], "declined");
    assert!(declined["payout_status"].is_null());
    assert_eq!(policy_view(&app, &id).await["budget_committed"], "0.00");
}

#[tokio::test]
async fn reviewers_see_the_engines_reasons_beside_the_application() {
    let app = TestApp::spawn().await;
    let firm = app.login("enterprise").await;
    let code = own_code(&firm);
    let mut full = application(P7, &code, 2025, &["integrity"]);
    full["facts"] = json!([{ "key": "rd_expense@2025", "value": "3000000000" }]);
    let view = expect(
        firm.post("/api/v1/applications", &full).await,
        StatusCode::CREATED,
    )
    .await;
    let receipt = view["receipt_no"].as_str().unwrap();
    let path = format!("/api/v1/applications/{receipt}/explanation");
    let reviewer = app.login("reviewer1").await;
    let x = ok(reviewer.get(&path).await).await;
    assert_eq!(x["outcome"], "eligible", "{x}");
    assert_eq!(x["amount"], view["computed_amount"]);
    assert_eq!(x["policy_version"], view["policy_version"]);
    let checks = x["checks"].as_array().unwrap();
    assert!(!checks.is_empty());
    assert!(checks.iter().all(|c| c["status"] == "passed"), "{x}");
    // The fact the applicant added is what the R&D condition was tested with.
    assert!(
        checks
            .iter()
            .any(|c| c["sentence"].as_str().unwrap().contains("研发")),
        "{x}"
    );
    assert_eq!(ok(firm.get(&path).await).await["outcome"], "eligible");
    // 我的可享政策 sends the enterprise to this application instead of offering a second one.
    let ent = ok(firm
        .get(&format!(
            "/api/v1/enterprises/{code}/entitlements?year=2025"
        ))
        .await)
    .await;
    let p7 = ent["undetermined"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["policy_id"] == P7)
        .unwrap();
    assert_eq!(p7["application"]["receipt_no"], receipt);
    assert_eq!(p7["application"]["status_label"], "审核中");
    let res = app.login("bank").await.get(&path).await;
    assert_error(res, StatusCode::NOT_FOUND, "not_found", None).await;
}

// ---------------------------------------------------------------------------------------------
// The form-based builder

#[tokio::test]
async fn the_builder_shows_a_definition_as_a_form_and_writes_it_back() {
    let app = TestApp::spawn().await;
    let handler = app.login("handler").await;

    // The definition file downloads under the policy's name.
    let res = handler
        .get(&format!("/api/v1/policies/{P3}/definition"))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let header = |res: &Response, name: &str| res.headers()[name].to_str().unwrap().to_string();
    assert_eq!(
        header(&res, "content-type"),
        "application/toml; charset=utf-8"
    );
    assert_eq!(
        header(&res, "content-disposition"),
        format!("attachment; filename=\"{P3}.toml\"")
    );
    let p3 = res.text().await.unwrap();

    let view = ok(handler
        .post("/api/v1/policies/builder", &json!({ "definition": p3 }))
        .await)
    .await;
    let form = &view["form"];
    assert_eq!(form["meta"]["id"], P3);
    assert_eq!(form["combine"], "all");
    let ops: Vec<&str> = form["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["op"].as_str().unwrap())
        .collect();
    assert_eq!(ops, ["under", "under", "min", "not_in"]);
    assert_eq!(form["reward"]["kind"], "percent");
    assert_eq!(form["reward"]["cap"], "$cap");
    let names: Vec<&str> = view["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"@qualification") && names.contains(&"revenue"),
        "{names:?}"
    );

    // A changed form over its base: the new threshold, the parameters and cases kept.
    let mut changed = form.clone();
    changed["conditions"][2]["value"] = json!("6000000");
    let res = handler
        .post(
            "/api/v1/policies/builder/definition",
            &json!({ "form": changed, "base": p3 }),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let written = res.text().await.unwrap();
    assert!(written.contains("min = \"6000000\""), "{written}");
    assert!(
        written.contains("[params.cap]") && written.contains("[[case]]"),
        "{written}"
    );

    // A form naming an unknown attribute is refused with the definition's line.
    changed["conditions"][2]["attr"] = json!("revenu");
    let res = handler
        .post(
            "/api/v1/policies/builder/definition",
            &json!({ "form": changed, "base": p3 }),
        )
        .await;
    let body = assert_error(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("definition"),
    )
    .await;
    assert!(
        body["message"].as_str().unwrap().contains("revenu"),
        "{body}"
    );

    // A mistake in the form's own fields is named by the field, before anything is written.
    changed["conditions"][2]["attr"] = json!("revenue");
    changed["conditions"][2]["consecutive_years"] = json!("0");
    changed["cross"]["shares"] = json!({ "municipal": "1" });
    let res = handler
        .post(
            "/api/v1/policies/builder/definition",
            &json!({ "form": changed, "base": p3 }),
        )
        .await;
    let body = assert_error(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("form"),
    )
    .await;
    let message = body["message"].as_str().unwrap();
    for words in ["第 3 项条件的“连续年数”应为 1 到 10", "现只填了“市级份额”"]
    {
        assert!(message.contains(words), "{words}: {body}");
    }

    // Deeper nesting than one level of groups has no form, and says so.
    let nested =
        "[conditions]\nall = [{ any = [{ all = [{ attr = \"revenue\", min = \"1\" }] }] }]\n";
    let view = ok(handler
        .post("/api/v1/policies/builder", &json!({ "definition": nested }))
        .await)
    .await;
    assert!(view["form"].is_null(), "{view}");
    assert!(
        view["unsupported"]
            .as_str()
            .unwrap()
            .starts_with("此定义较复杂,请在高级模式中编辑"),
        "{view}"
    );

    // Enterprises do not use the builder.
    let firm = app.login("enterprise").await;
    let res = firm
        .post("/api/v1/policies/builder", &json!({ "definition": p3 }))
        .await;
    assert_error(res, StatusCode::FORBIDDEN, "forbidden", None).await;
    let res = firm
        .post(
            "/api/v1/policies/builder/definition",
            &json!({ "form": form, "base": "" }),
        )
        .await;
    assert_error(res, StatusCode::FORBIDDEN, "forbidden", None).await;
}

/// Issue 16's common constructs in the builder: a growth over the year before and 首次.
#[tokio::test]
async fn the_builder_shows_growth_and_first_grant() {
    let app = TestApp::spawn().await;
    let handler = app.login("handler").await;
    let text = definition("qq-grow", "增长首次测试", "apply", "350521", "1").replace(
        "under = [\"350521\"] } ]",
        "under = [\"350521\"] }, { growth = \"revenue\", min = \"20%\" }, { first_grant = \"policy\" } ]",
    );
    let view = ok(handler
        .post("/api/v1/policies/builder", &json!({ "definition": text }))
        .await)
    .await;
    let ops: Vec<&str> = view["form"]["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["op"].as_str().unwrap())
        .collect();
    assert_eq!(ops, ["under", "growth_min", "first_grant"], "{view}");
    let kinds = |name: &str| -> Vec<String> {
        let a = view["attributes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["name"] == name)
            .unwrap_or_else(|| panic!("{name}: {view}"));
        serde_json::from_value(a["kinds"].clone()).unwrap()
    };
    assert_eq!(kinds("@grants"), ["grants"]);
    assert!(kinds("revenue").contains(&"year_on_year".to_string()));

    // The editor page offers both, in words.
    let id = publish_policy(&app, &text, None).await;
    let page = handler
        .get(&format!("/policies/{id}/edit"))
        .await
        .text()
        .await
        .unwrap();
    for words in [
        "较上年增长率不低于",
        "首次获得本政策奖励",
        "获奖记录(首次)",
        "连续年数(可不填)",
        "认定日期自(可不填)",
        "省级份额",
    ] {
        assert!(page.contains(words), "{words}");
    }
}

#[tokio::test]
async fn a_policy_cannot_take_an_id_the_paths_use() {
    let app = TestApp::spawn().await;
    let handler = app.login("handler").await;
    for id in ["builder", "new"] {
        let input = policy_input(&definition(id, "占用路径", "apply", "350521", "1"), None);
        let res = handler.post("/api/v1/policies", &input).await;
        let body = assert_error(
            res,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            Some("definition"),
        )
        .await;
        assert!(body["message"].as_str().unwrap().contains("保留"), "{body}");
    }
}
