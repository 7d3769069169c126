//! Approvals keep every cross-policy rule (issue 16): whatever commits money — a final approval
//! or a confirmed 免申即享 offer — counts what the enterprise was already granted in the policy
//! year against the exclusive group (同一事项就高不重复, or 就高补差) and the annual cap over
//! several policies, in the same transaction, also when many approvals happen at once.

use crate::helpers::{Session, TestApp};
use crate::policies::{
    account, application_view, decide, definition, expect, offer_released_to, ok, policy_view,
    publish_policy, submit,
};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::sync::Arc;

/// A published policy paying `fixed` yuan to every enterprise of the district, with the given
/// `[cross]` rules; one review stage (the 工信 初审人).
async fn policy_with(app: &TestApp, id: &str, mode: &str, fixed: &str, cross: &str) -> String {
    let title = format!("跨政策规则测试奖励 {id}");
    let text = format!(
        "{}\n[cross]\n{cross}\n",
        definition(id, &title, mode, "350521", fixed)
    );
    publish_policy(app, &text, Some("100000000")).await
}

/// The demo enterprise applies to each policy for 2025; returns the receipt numbers.
async fn apply_to_all(firm: &Session, policies: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for id in policies {
        out.push(submit(firm, id, 2025, &["integrity"]).await);
    }
    out
}

/// Every application approved at once, each by its own reviewer session; the answers in order.
pub(crate) async fn approve_at_once(
    app: &TestApp,
    receipts: &[String],
) -> Vec<(StatusCode, Value)> {
    let mut sessions = Vec::new();
    for _ in receipts {
        sessions.push(Arc::new(app.login("reviewer1").await));
    }
    let tasks: Vec<_> = sessions
        .into_iter()
        .zip(receipts.iter().cloned())
        .map(|(s, receipt)| {
            tokio::spawn(async move {
                let res = decide(&s, &receipt, &json!({ "action": "approve" })).await;
                let status = res.status();
                (status, res.json::<Value>().await.unwrap())
            })
        })
        .collect();
    let mut out = Vec::new();
    for task in tasks {
        out.push(task.await.unwrap());
    }
    out
}

/// Fen granted by the approvals that passed, and how many passed.
fn granted(answers: &[(StatusCode, Value)]) -> (i64, usize) {
    let mut fen = 0;
    let mut passed = 0;
    for (status, body) in answers {
        match *status {
            StatusCode::OK => {
                assert_eq!(body["status"], "approved", "{body}");
                fen += fen_of(&body["approved_amount"]);
                passed += 1;
            }
            StatusCode::CONFLICT => assert_eq!(body["code"], "conflict", "{body}"),
            other => panic!("{other}: {body}"),
        }
    }
    (fen, passed)
}

pub(crate) fn fen_of(yuan: &Value) -> i64 {
    let text = yuan.as_str().unwrap_or_else(|| panic!("{yuan}"));
    let (whole, cents) = text.split_once('.').unwrap();
    whole.parse::<i64>().unwrap() * 100 + cents.parse::<i64>().unwrap()
}

async fn explanation(session: &Session, receipt: &str) -> Value {
    ok(session
        .get(&format!("/api/v1/applications/{receipt}/explanation"))
        .await)
    .await
}

#[tokio::test]
async fn approvals_at_once_in_one_exclusive_group_grant_once() {
    const N: usize = 6;
    let app = TestApp::spawn().await;
    let mut policies = Vec::new();
    for i in 0..N {
        let fixed = format!("{}", 10_000 + 1_000 * i);
        let cross = "exclusive_group = \"qq-once\"";
        policies.push(policy_with(&app, &format!("qq-once-{i}"), "apply", &fixed, cross).await);
    }
    let firm = app.login("enterprise").await;
    let receipts = apply_to_all(&firm, &policies).await;
    let answers = approve_at_once(&app, &receipts).await;
    let (_, passed) = granted(&answers);
    assert_eq!(passed, 1, "one grant per exclusive group: {answers:?}");
    let refused = answers
        .iter()
        .find(|(s, _)| *s == StatusCode::CONFLICT)
        .unwrap();
    let message = refused.1["message"].as_str().unwrap();
    assert!(message.contains("同一事项就高不重复"), "{message}");

    // A refused one is still in review, nothing committed for it; its reviewer sees why
    // before deciding, and what the enterprise already has in the group.
    let (k, _) = answers
        .iter()
        .enumerate()
        .find(|(_, (s, _))| *s == StatusCode::CONFLICT)
        .unwrap();
    let reviewer = app.login("reviewer1").await;
    let view = application_view(&reviewer, &receipts[k]).await;
    assert_eq!(view["status"], "submitted");
    assert_eq!(
        policy_view(&app, &policies[k]).await["budget_committed"],
        "0.00"
    );
    let shown = explanation(&reviewer, &receipts[k]).await;
    let rules = &shown["grant_rules"];
    assert_eq!(rules["allowed_amount"], "0.00", "{shown}");
    assert_eq!(
        rules["granted_before"].as_array().unwrap().len(),
        1,
        "{shown}"
    );
    assert_eq!(rules["granted_before"][0]["rule"], "同一事项");
    let page = reviewer
        .get(&format!("/applications/{}", receipts[k]))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("本年度已享受“跨政策规则测试奖励"), "{page}");
}

#[tokio::test]
async fn approvals_at_once_across_one_annual_cap_never_pass_it() {
    const N: usize = 6;
    let app = TestApp::spawn().await;
    let cross = "annual_cap = { group = \"qq-cap\", amount = \"25000\" }";
    let mut policies = Vec::new();
    for i in 0..N {
        policies.push(policy_with(&app, &format!("qq-cap-{i}"), "apply", "10000", cross).await);
    }
    let firm = app.login("enterprise").await;
    let receipts = apply_to_all(&firm, &policies).await;

    // Before any decision the reviewer sees the cap untouched.
    let reviewer = app.login("reviewer1").await;
    let before = explanation(&reviewer, &receipts[0]).await;
    assert_eq!(
        before["grant_rules"]["allowed_amount"], "10000.00",
        "{before}"
    );
    assert!(
        before["grant_rules"]["granted_before"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    let answers = approve_at_once(&app, &receipts).await;
    let (fen, passed) = granted(&answers);
    assert_eq!(fen, 2_500_000, "exactly the cap, never more: {answers:?}");
    assert_eq!(
        passed, 3,
        "10,000 + 10,000 + what is left (5,000): {answers:?}"
    );

    // The cut one says why, to the reviewer and to the enterprise.
    let (_, cut) = answers
        .iter()
        .find(|(s, b)| *s == StatusCode::OK && b["approved_amount"] == "5000.00")
        .unwrap();
    let receipt = cut["receipt_no"].as_str().unwrap();
    let seen = application_view(&firm, receipt).await;
    let note = seen["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["note"].as_str())
        .collect::<Vec<_>>()
        .join(";");
    assert!(note.contains("合计不超过"), "{seen}");
    let inbox = ok(firm.get("/api/v1/messages").await).await;
    assert!(inbox.to_string().contains("只能核定余下的"), "{inbox}");
}

#[tokio::test]
async fn a_raised_amount_is_refused_and_a_lowered_one_counts_against_the_cap() {
    let app = TestApp::spawn().await;
    let cross = "annual_cap = { group = \"qq-raise\", amount = \"15000\" }";
    let a = policy_with(&app, "qq-raise-a", "apply", "10000", cross).await;
    let b = policy_with(&app, "qq-raise-b", "apply", "10000", cross).await;
    let firm = app.login("enterprise").await;
    let receipts = apply_to_all(&firm, &[a, b]).await;
    let reviewer = app.login("reviewer1").await;
    let raised = json!({ "action": "approve", "amount": "12000", "reason": "企业申请提高" });
    let body = expect(
        decide(&reviewer, &receipts[0], &raised).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(body["field"], "amount");
    assert!(
        body["message"].as_str().unwrap().contains("只能核减"),
        "{body}"
    );
    assert_eq!(
        application_view(&firm, &receipts[0]).await["status"],
        "submitted"
    );

    let lowered = json!({ "action": "approve", "amount": "4000", "reason": "部分发票不属本年度" });
    let first = ok(decide(&reviewer, &receipts[0], &lowered).await).await;
    assert_eq!(first["approved_amount"], "4000.00");
    // 15,000 − 4,000 leaves 11,000: the second gets its full 10,000.
    let second = ok(decide(&reviewer, &receipts[1], &json!({ "action": "approve" })).await).await;
    assert_eq!(second["approved_amount"], "10000.00");
}

#[tokio::test]
async fn top_up_pays_the_difference_once() {
    let app = TestApp::spawn().await;
    let cross = "exclusive_group = \"qq-topup\"\ntop_up = true";
    let low = policy_with(&app, "qq-topup-low", "apply", "10000", cross).await;
    let high_a = policy_with(&app, "qq-topup-high-a", "apply", "30000", cross).await;
    let high_b = policy_with(&app, "qq-topup-high-b", "apply", "30000", cross).await;
    let firm = app.login("enterprise").await;
    let receipts = apply_to_all(&firm, &[low, high_a, high_b]).await;
    let reviewer = app.login("reviewer1").await;
    let first = ok(decide(&reviewer, &receipts[0], &json!({ "action": "approve" })).await).await;
    assert_eq!(first["approved_amount"], "10000.00");

    // The higher award later: the reviewer sees the difference before deciding.
    let shown = explanation(&reviewer, &receipts[1]).await;
    assert_eq!(
        shown["grant_rules"]["allowed_amount"], "20000.00",
        "{shown}"
    );
    let reason = shown["grant_rules"]["reasons"][0].as_str().unwrap();
    assert!(reason.contains("只补差额"), "{reason}");

    // Two higher awards approved at once: the difference is paid once.
    let answers = approve_at_once(&app, &receipts[1..]).await;
    let (fen, passed) = granted(&answers);
    assert_eq!((fen, passed), (2_000_000, 1), "{answers:?}");
}

#[tokio::test]
async fn confirming_an_auto_grant_offer_keeps_the_group_and_gives_back_what_it_held() {
    let app = TestApp::spawn().await;
    let cross = "exclusive_group = \"qq-offer\"\ntop_up = true";
    let applied = policy_with(&app, "qq-offer-apply", "apply", "10000", cross).await;
    let auto = policy_with(&app, "qq-offer-auto", "auto_grant", "25000", cross).await;
    let firm = app.login("enterprise").await;
    let receipt = submit(&firm, &applied, 2025, &["integrity"]).await;
    let reviewer = app.login("reviewer1").await;
    ok(decide(&reviewer, &receipt, &json!({ "action": "approve" })).await).await;

    let handler = app.login("handler").await;
    let offer = offer_released_to(&handler, &firm, &auto, 2025).await;
    let held = fen_of(&policy_view(&app, &auto).await["budget_reserved"]);

    // The enterprise sees the difference before confirming; confirming pays only it.
    let shown = explanation(&firm, &offer).await;
    assert_eq!(
        shown["grant_rules"]["allowed_amount"], "15000.00",
        "{shown}"
    );
    let name = firm.me["org_name"].as_str().unwrap().to_string();
    let confirmed = ok(firm
        .post(
            &format!("/api/v1/applications/{offer}/confirm"),
            &account(&name, "6228480000000000001"),
        )
        .await)
    .await;
    assert_eq!(confirmed["approved_amount"], "15000.00");
    let policy = policy_view(&app, &auto).await;
    assert_eq!(policy["budget_committed"], "15000.00");
    assert_eq!(fen_of(&policy["budget_reserved"]), held - 2_500_000);
}

#[tokio::test]
async fn a_confirmation_in_a_group_already_granted_is_refused() {
    let app = TestApp::spawn().await;
    let cross = "exclusive_group = \"qq-offer-once\"";
    let applied = policy_with(&app, "qq-once-apply", "apply", "30000", cross).await;
    let auto = policy_with(&app, "qq-once-auto", "auto_grant", "40000", cross).await;
    let firm = app.login("enterprise").await;
    let receipt = submit(&firm, &applied, 2025, &["integrity"]).await;
    let handler = app.login("handler").await;
    let offer = offer_released_to(&handler, &firm, &auto, 2025).await;
    // The application is approved first; the offer of the same matter may not pay again.
    let reviewer = app.login("reviewer1").await;
    ok(decide(&reviewer, &receipt, &json!({ "action": "approve" })).await).await;
    let name = firm.me["org_name"].as_str().unwrap().to_string();
    let body = expect(
        firm.post(
            &format!("/api/v1/applications/{offer}/confirm"),
            &account(&name, "6228480000000000001"),
        )
        .await,
        StatusCode::CONFLICT,
    )
    .await;
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("同一事项就高不重复"),
        "{body}"
    );
    assert_eq!(application_view(&firm, &offer).await["status"], "offered");
    assert_eq!(policy_view(&app, &auto).await["budget_committed"], "0.00");
}

/// 首次 (issue 16): a policy granted once, for any year, is never granted again; the grants
/// committed at the same time for different years settle one after the other.
#[tokio::test]
async fn first_grant_holds_over_the_whole_history_and_at_once() {
    let app = TestApp::spawn().await;
    let text = definition("qq-first", "首次上规测试奖励", "apply", "350521", "10000").replace(
        "under = [\"350521\"] } ]",
        "under = [\"350521\"] }, { first_grant = \"policy\" } ]",
    );
    let policy = publish_policy(&app, &text, Some("100000000")).await;
    let firm = app.login("enterprise").await;
    let mut receipts = Vec::new();
    for year in 2016..=2023 {
        receipts.push(submit(&firm, &policy, year, &["integrity"]).await);
    }
    // Applications for seven years approved at once: one grant, whichever comes first.
    let answers = approve_at_once(&app, &receipts[..7]).await;
    let (fen, passed) = granted(&answers);
    assert_eq!((fen, passed), (1_000_000, 1), "{answers:?}");
    let refused = answers
        .iter()
        .find(|(s, _)| *s == StatusCode::CONFLICT)
        .unwrap();
    let message = refused.1["message"].as_str().unwrap();
    assert!(message.contains("需为首次获得"), "{message}");

    // Years later, still not the first: refused at the approval and at a new submission.
    let reviewer = app.login("reviewer1").await;
    let body = expect(
        decide(&reviewer, &receipts[7], &json!({ "action": "approve" })).await,
        StatusCode::CONFLICT,
    )
    .await;
    let message = body["message"].as_str().unwrap();
    assert!(message.starts_with("不能核准:本政策奖励 20"), "{message}");
    assert!(message.contains("年已获得,需为首次获得"), "{message}");
    let body = expect(
        firm.post(
            "/api/v1/applications",
            &crate::policies::application(
                &policy,
                &crate::policies::own_code(&firm),
                2025,
                &["integrity"],
            ),
        )
        .await,
        StatusCode::CONFLICT,
    )
    .await;
    let message = body["message"].as_str().unwrap();
    assert!(message.starts_with("不符合申报条件:"), "{message}");
    assert!(
        message.contains("需为首次获得(其他年度均未获得过)"),
        "{message}"
    );
}

/// Several claims a year (issue 16): a `per_claim` policy takes one application per project,
/// refuses a repeated project, and its annual cap sums every claim.
#[tokio::test]
async fn claims_per_project_each_once_and_summed_under_the_cap() {
    let app = TestApp::spawn().await;
    let text = format!(
        "per_claim = \"技改项目名称\"\n{}\n[cross]\nannual_cap = {{ group = \"qq-claims\", amount = \"25000\" }}\n",
        definition("qq-claims", "技改项目测试补助", "apply", "350521", "10000")
    );
    let policy = publish_policy(&app, &text, Some("100000000")).await;
    let firm = app.login("enterprise").await;
    let code = crate::policies::own_code(&firm);
    let claim = |name: &str| {
        let mut body = crate::policies::application(&policy, &code, 2025, &["integrity"]);
        body["claim"] = json!(name);
        body
    };
    let mut receipts = Vec::new();
    for name in ["1号线智能化改造", "2号线设备更新", "仓储自动化"] {
        let view = expect(
            firm.post("/api/v1/applications", &claim(name)).await,
            StatusCode::CREATED,
        )
        .await;
        assert_eq!(view["claim"], name);
        receipts.push(view["receipt_no"].as_str().unwrap().to_string());
    }
    let body = expect(
        firm.post("/api/v1/applications", &claim(" 1号线智能化改造 "))
            .await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(body["field"], "claim");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("“1号线智能化改造”申报过该政策 2025 年度的补助,同一技改项目名称不得重复申报"),
        "{body}"
    );
    let body = expect(
        firm.post("/api/v1/applications", &claim("")).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(body["message"], "该政策按项目申报,请填写技改项目名称");

    // The form asks for the project by the policy's own name for it, says why when it is
    // left empty, and keeps it in a draft.
    let form = format!("/applications/new?policy={policy}&code={code}");
    let page = firm.get(&form).await.text().await.unwrap();
    assert!(
        page.contains(r#"<label for="claim">技改项目名称</label>"#),
        "{page}"
    );
    let res =
        crate::application_form::post_form_to(&firm, &policy, &[("intent", "draft")], None).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("该政策按项目申报,请填写技改项目名称")
    );
    let fields = [("intent", "draft"), ("claim", "仓储二期")];
    let res = crate::application_form::post_form_to(&firm, &policy, &fields, None).await;
    let draft = crate::application_form::receipt_in(&crate::application_form::location(&res));
    let page = firm
        .get(&format!("{form}&receipt={draft}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains(r#"name="claim" value="仓储二期""#), "{page}");

    // Each claim is its own grant; the third gets what is left of the 25,000 cap.
    let reviewer = app.login("reviewer1").await;
    let mut approved = Vec::new();
    for r in &receipts {
        let view = ok(decide(&reviewer, r, &json!({ "action": "approve" })).await).await;
        approved.push(view["approved_amount"].as_str().unwrap().to_string());
    }
    assert_eq!(approved, ["10000.00", "10000.00", "5000.00"]);

    // A policy not claimed per project takes no claim.
    let plain = policy_with(&app, "qq-plain", "apply", "1000", "").await;
    let mut body = crate::policies::application(&plain, &code, 2025, &["integrity"]);
    body["claim"] = json!("某项目");
    let body = expect(
        firm.post("/api/v1/applications", &body).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(body["field"], "claim");
}
