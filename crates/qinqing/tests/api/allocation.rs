//! 按比例分配 (issue 16): a policy whose budget pool is shared 按比例 grants in full at approval
//! but pays nothing until its department's lead allocates what is left of the pool among the
//! year's waiting grants of every policy sharing it.

use crate::helpers::TestApp;
use crate::policies::{application_view, decide, definition, expect, ok, policy_view, submit};
use reqwest::StatusCode;
use serde_json::json;

/// Two policies sharing one pool of 15,000 yuan 按比例, each paying 10,000.
async fn pooled_policies(app: &TestApp) -> [String; 2] {
    let mut ids = Vec::new();
    for id in ["qq-pool-a", "qq-pool-b"] {
        let text = format!(
            "{}\n[cross]\nbudget = {{ pool = \"qq-pool\", total = \"15000\", allocation = \"pro_rata\" }}\n",
            definition(
                id,
                &format!("按比例分配测试 {id}"),
                "apply",
                "350521",
                "10000"
            )
        );
        ids.push(crate::policies::publish_policy(app, &text, Some("100000000")).await);
    }
    [ids[0].clone(), ids[1].clone()]
}

#[tokio::test]
async fn a_pro_rata_pool_pays_nothing_until_its_lead_allocates_it_among_the_years_grants() {
    let app = TestApp::spawn().await;
    let [a, b] = pooled_policies(&app).await;
    let firm = app.login("enterprise").await;
    let reviewer = app.login("reviewer1").await;
    let mut receipts = Vec::new();
    for policy in [&a, &b] {
        let receipt = submit(&firm, policy, 2025, &["integrity"]).await;
        ok(decide(&reviewer, &receipt, &json!({ "action": "approve" })).await).await;
        receipts.push(receipt);
    }
    // Approved in full, nothing committed or paid yet.
    let view = application_view(&firm, &receipts[0]).await;
    assert_eq!(view["approved_amount"], "10000.00");
    assert_eq!(view["payout_status"], "allocating", "{view}");
    assert_eq!(policy_view(&app, &a).await["budget_committed"], "0.00");

    // Only the department's lead allocates; a policy paid in order has nothing to allocate.
    let handler = app.login("handler").await;
    let path = format!("/api/v1/policies/{a}/allocation?year=2025");
    expect(handler.post(&path, &json!({})).await, StatusCode::FORBIDDEN).await;
    let lead = app.login("lead").await;
    let preview = ok(lead.get(&path).await).await;
    assert_eq!(
        (
            &preview["grants"],
            &preview["claimed"],
            &preview["granted"],
            &preview["rule"]
        ),
        (
            &json!(2),
            &json!("20000.00"),
            &json!("15000.00"),
            &json!("按 75.00% 比例核定")
        ),
        "{preview}"
    );
    let plain = crate::policies::simple_apply_policy(&app, "qq-in-order", "100", None).await;
    let body = expect(
        lead.post(
            &format!("/api/v1/policies/{plain}/allocation?year=2025"),
            &json!({}),
        )
        .await,
        StatusCode::CONFLICT,
    )
    .await;
    assert!(
        body["message"].as_str().unwrap().contains("按审批先后"),
        "{body}"
    );

    // The lead sees the same on the policy's page and allocates there.
    let page = lead
        .get(&format!("/policies/{a}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("待核定 2 笔"), "{page}");
    assert!(page.contains("按 75.00% 比例核定"), "{page}");
    let res = lead
        .post_form(&format!("/policies/{a}/allocation"), &[("year", "2025")])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let back = res.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(back, format!("/policies/{a}?done=allocated#allocation"));
    let page = lead.get(&back).await.text().await.unwrap();
    assert!(page.contains("已按比例核定"), "{page}");
    assert!(page.contains("没有待按比例核定的款项"), "{page}");
    for (receipt, policy) in receipts.iter().zip([&a, &b]) {
        let view = application_view(&firm, receipt).await;
        assert_eq!(view["approved_amount"], "7500.00", "{view}");
        assert_eq!(view["payout_status"], "pending", "{view}");
        let steps = view["steps"].to_string();
        assert!(steps.contains("按 75.00% 比例核定"), "{steps}");
        assert_eq!(
            policy_view(&app, policy).await["budget_committed"],
            "7500.00"
        );
    }
    let inbox = ok(firm.get("/api/v1/messages").await).await;
    assert!(inbox.to_string().contains("已按比例核定"), "{inbox}");

    // Once allocated, nothing waits: a second allocation is refused and changes nothing.
    let again = expect(lead.post(&path, &json!({})).await, StatusCode::CONFLICT).await;
    assert_eq!(again["field"], "year", "{again}");
}

#[tokio::test]
async fn a_withdrawn_members_earlier_allocation_still_counts_against_the_pool() {
    let app = TestApp::spawn().await;
    let [a, b] = pooled_policies(&app).await;
    let firm = app.login("enterprise").await;
    let reviewer = app.login("reviewer1").await;
    let lead = app.login("lead").await;
    let allocation = |policy: &str| format!("/api/v1/policies/{policy}/allocation?year=2025");

    // The first grant fits the pool whole: 10,000 of its 15,000 are given.
    let first = submit(&firm, &a, 2025, &["integrity"]).await;
    ok(decide(&reviewer, &first, &json!({ "action": "approve" })).await).await;
    let given = ok(lead.post(&allocation(&a), &json!({})).await).await;
    assert_eq!(given["granted"], "10000.00", "{given}");
    let reason = json!({ "action": "withdraw", "reason": "上级政策调整,本政策停止执行" });
    let withdrawn = ok(lead
        .post(&format!("/api/v1/policies/{a}/lifecycle"), &reason)
        .await)
    .await;
    assert_eq!(withdrawn["status"], "withdrawn");

    // The other member's grant shares only what is left: the withdrawn policy's 10,000 were paid.
    let second = submit(&firm, &b, 2025, &["integrity"]).await;
    ok(decide(&reviewer, &second, &json!({ "action": "approve" })).await).await;
    let shown = ok(lead.post(&allocation(&b), &json!({})).await).await;
    assert_eq!(
        (&shown["allocated_before"], &shown["granted"]),
        (&json!("10000.00"), &json!("5000.00")),
        "{shown}"
    );
    assert_eq!(
        application_view(&firm, &second).await["approved_amount"],
        "5000.00"
    );
}
