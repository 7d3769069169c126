//! 分级承担 (issue 16): where fiscal levels share a policy's awards ("市、区两级按1:1分担"), each
//! grant is split between them and each level's share is committed against that level's budget
//! of the policy, in the grant's transaction — also when approvals or a 免申即享 run happen at
//! once — and a level whose budget is short refuses the grant.

use crate::approvals::{approve_at_once, fen_of};
use crate::helpers::{Session, TestApp};
use crate::policies::{
    account, application_view, decide, definition, expect, offer_released_to, ok, policy_input,
    policy_view, publish_input, run_to_end, submit,
};
use reqwest::StatusCode;
use serde_json::{Value, json};

const SHARES: &str = "[cross]\nshares = { municipal = 1, district = 1, source = \"第五条\" }\n";

/// A published policy paying `fixed` yuan to every enterprise of the district, shared 1:1 by
/// the city and the district, the district's budget `district` yuan and the city's unlimited.
async fn shared_policy(app: &TestApp, id: &str, mode: &str, fixed: &str, district: &str) -> String {
    let text = format!(
        "{}\n{SHARES}",
        definition(id, "分级承担测试奖励", mode, "350521", fixed)
    );
    let mut input = policy_input(&text, Some("100000000"));
    input["level_budgets"] = json!({ "district": district });
    publish_input(app, &input).await
}

/// Applications of `firm` for four policy years of `policy` (four grants of one policy).
async fn four_years(firm: &Session, policy: &str) -> Vec<String> {
    let mut receipts = Vec::new();
    for year in [2022, 2023, 2024, 2025] {
        receipts.push(submit(firm, policy, year, &["integrity"]).await);
    }
    receipts
}

fn level<'a>(policy: &'a Value, label: &str) -> &'a Value {
    policy["level_budgets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["level"] == label)
        .unwrap_or_else(|| panic!("no {label} budget: {policy}"))
}

#[tokio::test]
async fn each_level_pays_its_share_and_a_short_level_refuses_even_at_once() {
    let app = TestApp::spawn().await;
    let policy = shared_policy(&app, "qq-shares", "apply", "10000", "15000").await;
    let firm = app.login("enterprise").await;
    // Four grants of 10,000 yuan (four policy years), the district paying 5,000 of each: its
    // 15,000 covers three.
    let receipts = four_years(&firm, &policy).await;

    // Before deciding, the reviewer sees who pays what.
    let reviewer = app.login("reviewer1").await;
    let shown = ok(reviewer
        .get(&format!("/api/v1/applications/{}/explanation", receipts[0]))
        .await)
    .await;
    let rules = &shown["grant_rules"];
    assert_eq!(
        rules["shares"],
        json!([{ "level": "市级", "amount": "5000.00" }, { "level": "区级", "amount": "5000.00" }]),
        "{shown}"
    );
    assert!(
        rules["sharing"]
            .as_str()
            .unwrap()
            .starts_with("由市级、区级财政按 1:1 分担"),
        "{shown}"
    );

    let answers = approve_at_once(&app, &receipts).await;
    let passed = answers.iter().filter(|a| a.0 == StatusCode::OK).count();
    assert_eq!(passed, 3, "{answers:?}");
    let (_, refused) = answers
        .iter()
        .find(|a| a.0 == StatusCode::CONFLICT)
        .unwrap_or_else(|| panic!("{answers:?}"));
    assert_eq!(
        refused["message"], "区级财政承担的 ¥5,000.00 超过本政策区级预算余额 ¥0.00,无法核准",
        "{refused}"
    );

    // Nothing of the refused grant was committed anywhere; each level holds its three shares.
    let shown = policy_view(&app, &policy).await;
    assert_eq!(shown["budget_committed"], "30000.00", "{shown}");
    let district = level(&shown, "区级");
    assert_eq!(district["total"], "15000.00");
    assert_eq!(district["committed"], "15000.00");
    let city = level(&shown, "市级");
    assert_eq!(
        (&city["total"], &city["committed"]),
        (&Value::Null, &json!("15000.00"))
    );

    // The enterprise reads where its money comes from.
    let granted = answers.iter().find(|a| a.0 == StatusCode::OK).unwrap();
    let receipt = granted.1["receipt_no"].as_str().unwrap();
    let view = application_view(&firm, receipt).await;
    assert_eq!(
        view["funding"],
        json!([{ "level": "市级", "amount": "5000.00" }, { "level": "区级", "amount": "5000.00" }])
    );
    let page = firm
        .get(&format!("/applications/{receipt}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("区级财政承担"), "{page}");
}

#[tokio::test]
async fn level_budgets_are_checked_when_a_policy_is_saved() {
    let app = TestApp::spawn().await;
    let handler = app.login("handler").await;
    let text = format!(
        "{}\n{SHARES}",
        definition(
            "qq-shares-input",
            "分级承担预算测试",
            "apply",
            "350521",
            "10000"
        )
    );
    let refused = |levels: Value| {
        let mut input = policy_input(&text, None);
        input["level_budgets"] = levels;
        input
    };
    for (levels, field, words) in [
        (
            json!({ "provincial": "1000" }),
            "level_budgets.provincial",
            "未规定由省级财政分担",
        ),
        (
            json!({ "district": "一百万" }),
            "level_budgets.district",
            "预算金额有误",
        ),
        (
            json!({ "district": "0" }),
            "level_budgets.district",
            "预算须大于 0",
        ),
        (
            json!({ "county": "100" }),
            "level_budgets.county",
            "未知的财政级次",
        ),
    ] {
        let body = expect(
            handler
                .post("/api/v1/policies", &refused(levels.clone()))
                .await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(body["field"], field, "{levels}: {body}");
        let message = body["message"].as_str().unwrap_or_default();
        assert!(message.contains(words), "{levels}: {body}");
    }
    let list = ok(handler.get("/api/v1/policies").await).await;
    assert!(
        !list.to_string().contains("qq-shares-input"),
        "nothing saved"
    );

    // A published policy's level budget cannot fall below what it already granted.
    let policy = shared_policy(&app, "qq-shares-lower", "apply", "10000", "15000").await;
    let firm = app.login("enterprise").await;
    let receipt = submit(&firm, &policy, 2025, &["integrity"]).await;
    let reviewer = app.login("reviewer1").await;
    ok(decide(&reviewer, &receipt, &json!({ "action": "approve" })).await).await;
    let lowered = format!(
        "{}\n{SHARES}",
        definition(
            "qq-shares-lower",
            "分级承担测试奖励",
            "apply",
            "350521",
            "10000"
        )
    );
    let mut input = policy_input(&lowered, Some("100000000"));
    input["level_budgets"] = json!({ "district": "4000" });
    let body = expect(
        handler
            .put("/api/v1/policies/qq-shares-lower", &input)
            .await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(body["field"], "level_budgets.district", "{body}");
    let shown = policy_view(&app, &policy).await;
    assert_eq!(level(&shown, "区级")["total"], "15000.00");
}

#[tokio::test]
async fn a_run_offers_only_what_every_level_can_hold_and_a_decline_gives_it_back() {
    let app = TestApp::spawn().await;
    let policy = shared_policy(&app, "qq-shares-auto", "auto_grant", "10000", "15000").await;
    let staff = app.login("handler").await;
    let report = run_to_end(&staff, &policy, 2025).await;
    let offered = report["offered"].as_array().unwrap();
    assert_eq!(offered.len(), 3, "{report}");
    assert!(
        !report["over_budget"].as_array().unwrap().is_empty(),
        "{report}"
    );
    let shown = policy_view(&app, &policy).await;
    assert_eq!(level(&shown, "区级")["reserved"], "15000.00", "{shown}");
    assert_eq!(level(&shown, "市级")["reserved"], "15000.00", "{shown}");

    // Excluding an offer gives its shares back.
    let receipt = offered[0]["receipt_no"].as_str().unwrap();
    exclude(&staff, receipt).await;
    let shown = policy_view(&app, &policy).await;
    assert_eq!(level(&shown, "区级")["reserved"], "10000.00", "{shown}");
    assert_eq!(level(&shown, "市级")["reserved"], "10000.00", "{shown}");
}

async fn exclude(staff: &Session, receipt: &str) {
    ok(staff
        .post(
            &format!("/api/v1/applications/{receipt}/close"),
            &json!({ "reason": "核查发现不符合条件" }),
        )
        .await)
    .await;
}

#[tokio::test]
async fn a_confirmed_offer_turns_each_levels_hold_into_its_share() {
    let app = TestApp::spawn().await;
    let policy = shared_policy(
        &app,
        "qq-shares-confirm",
        "auto_grant",
        "10000.01",
        "1000000",
    )
    .await;
    let staff = app.login("handler").await;
    let firm = app.login("enterprise").await;
    let offer = offer_released_to(&staff, &firm, &policy, 2025).await;
    let before = policy_view(&app, &policy).await;
    let held = fen_of(&level(&before, "区级")["reserved"]);

    let name = firm.me["org_name"].as_str().unwrap().to_string();
    let confirmed = ok(firm
        .post(
            &format!("/api/v1/applications/{offer}/confirm"),
            &account(&name, "6228480000000000001"),
        )
        .await)
    .await;
    // 10,000.01 yuan shared 1:1: the odd fen goes to the city, the higher level.
    assert_eq!(
        confirmed["funding"],
        json!([{ "level": "市级", "amount": "5000.01" }, { "level": "区级", "amount": "5000.00" }])
    );
    let after = policy_view(&app, &policy).await;
    let district = level(&after, "区级");
    assert_eq!(district["committed"], "5000.00", "{after}");
    assert_eq!(fen_of(&district["reserved"]), held - 500_000, "{after}");
    assert_eq!(level(&after, "市级")["committed"], "5000.01", "{after}");
}

#[tokio::test]
async fn a_level_budget_lowered_while_grants_commit_never_falls_below_them() {
    let app = TestApp::spawn().await;
    let policy = shared_policy(&app, "qq-shares-race", "apply", "10000", "20000").await;
    let firm = app.login("enterprise").await;
    let receipts = four_years(&firm, &policy).await;
    // The district's 20,000 covers the four shares of 5,000; at the same time its handler
    // lowers it to 10,000. Either the edit comes first (then at most two grants pass) or it is
    // refused because the grants hold more: never a total below what is committed.
    let handler = app.login("handler").await;
    let text = format!(
        "{}\n{SHARES}",
        definition(
            "qq-shares-race",
            "分级承担测试奖励",
            "apply",
            "350521",
            "10000"
        )
    );
    let mut input = policy_input(&text, Some("100000000"));
    input["level_budgets"] = json!({ "district": "10000" });
    // Everyone is logged in before anything starts, so that the edit and the approvals overlap.
    let mut decisions = Vec::new();
    for receipt in receipts {
        let reviewer = app.login("reviewer1").await;
        decisions.push(async move {
            decide(&reviewer, &receipt, &json!({ "action": "approve" }))
                .await
                .status()
        });
    }
    let decisions: Vec<_> = decisions.into_iter().map(tokio::spawn).collect();
    let edited = handler
        .put("/api/v1/policies/qq-shares-race", &input)
        .await
        .status();
    let mut answers = Vec::new();
    for decision in decisions {
        answers.push(decision.await.unwrap());
    }
    let passed = answers.iter().filter(|a| **a == StatusCode::OK).count();
    let shown = policy_view(&app, &policy).await;
    let district = level(&shown, "区级");
    let (total, committed) = (fen_of(&district["total"]), fen_of(&district["committed"]));
    assert!(committed <= total, "{edited} {answers:?} {shown}");
    assert_eq!(committed, 500_000 * passed as i64, "{shown}");
    match edited {
        StatusCode::OK => assert_eq!(total, 1_000_000, "{shown}"),
        StatusCode::CONFLICT => assert_eq!(total, 2_000_000, "{shown}"),
        other => panic!("the edit answered {other}: {shown}"),
    }
}
