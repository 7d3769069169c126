//! Money is never sent twice nor above the rule (issue 20, "Money"): a bank result answers one
//! line of one exported file, an exported file never changes and exporting it is a POST, no
//! approval grants more than the engine computed, and 免申即享 offers hold their money back
//! from the budget, also when many runs happen at once.

use crate::helpers::{Session, TestApp, assert_error};
use crate::policies::{
    account, application_view, approved, decide, definition, download, expect, export, fresh_firm,
    ok, own_code, payout_of, place, policy_view, publish_policy, simple_apply_policy, submit,
};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::sync::Arc;

/// Finance puts whatever the demo left payable on a batch of its own, so the next batch holds
/// only the test's payouts.
async fn flush(finance: &Session) {
    let res = finance.post("/api/v1/payouts/batches", &json!({})).await;
    assert!(matches!(
        res.status(),
        StatusCode::CREATED | StatusCode::CONFLICT
    ));
}

async fn new_batch(finance: &Session) -> (i64, String) {
    let batch = expect(
        finance.post("/api/v1/payouts/batches", &json!({})).await,
        StatusCode::CREATED,
    )
    .await;
    (
        batch["batch"]["id"].as_i64().unwrap(),
        batch["batch"]["batch_no"].as_str().unwrap().to_string(),
    )
}

async fn batch_of(finance: &Session, id: i64) -> Value {
    let desk = ok(finance.get("/api/v1/payouts").await).await;
    desk["batches"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["id"] == id)
        .unwrap()
        .clone()
}

/// A fresh enterprise with two approved 1,000-yuan applications and a confirmed account.
async fn two_payouts(app: &TestApp, username: &str) -> (Session, String, String) {
    let (firm, _) = fresh_firm(app, username).await;
    let receipts = approved(app, &firm, "1000", &[2001, 2002]).await;
    let name = firm.me["org_name"].as_str().unwrap().to_string();
    let path = format!("/api/v1/enterprises/{}/bank-account", own_code(&firm));
    ok(firm
        .put(&path, &account(&name, "6228480000000000001"))
        .await)
    .await;
    let (a, b) = (receipts[0].clone(), receipts[1].clone());
    (firm, a, b)
}

async fn import(finance: &Session, result: String) -> reqwest::Response {
    finance
        .upload("/api/v1/payouts/results", "result.csv", result.into_bytes())
        .await
}

// ---------------------------------------------------------------------------------------------
// 1. A bank result answers one line of one exported file

#[tokio::test]
async fn a_stale_bank_result_is_refused_by_line_and_an_exported_file_never_changes() {
    let app = TestApp::spawn().await;
    let finance = app.login("finance").await;
    flush(&finance).await;
    let (firm, a, b) = two_payouts(&app, "stale").await;
    let (ref_a, ref_b) = (format!("QQ-{a}"), format!("QQ-{b}"));
    let (first, first_no) = new_batch(&finance).await;
    let first_file = export(&finance, first).await;
    let (line_a, line_b) = (place(&first_file, &ref_a), place(&first_file, &ref_b));
    assert!(line_a.starts_with(&format!("{first_no},")), "{line_a}");

    // The bank pays the first line and fails the second.
    let answer = format!(
        "批次号,行号,业务参考号,状态,失败原因,金额\r\n{line_a},{ref_a},成功,,1000.00\r\n{line_b},{ref_b},失败,账号已销户,\r\n"
    );
    let summary = ok(import(&finance, answer.clone()).await).await;
    assert_eq!(summary["paid"], 1);
    assert_eq!(summary["failed"], 1);

    // The failed payout is retried on a second batch, which is exported.
    let failed = payout_of(&finance, &b).await["id"].as_i64().unwrap();
    ok(finance
        .post(&format!("/api/v1/payouts/{failed}/retry"), &json!({}))
        .await)
    .await;
    let (second, second_no) = new_batch(&finance).await;
    let second_file = export(&finance, second).await;
    let line_b2 = place(&second_file, &ref_b);
    assert_eq!(line_b2, format!("{second_no},1"));
    // While that line waits for the bank, the payout cannot go on a third file.
    let res = finance
        .post(&format!("/api/v1/payouts/{failed}/retry"), &json!({}))
        .await;
    assert_error(res, StatusCode::CONFLICT, "conflict", None).await;

    // The first batch's answer imported again: its failed line was superseded, so the whole
    // file is refused, naming that line; the payout still waits for the second batch's answer.
    let body = expect(
        import(&finance, answer).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let rows = body["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "{body}");
    assert_eq!(rows[0]["row"], 3);
    assert_eq!(rows[0]["column"], "batch");
    let message = rows[0]["message"].as_str().unwrap();
    assert!(message.contains("已失效"), "{message}");
    assert!(message.contains(&second_no), "{message}");
    assert_eq!(payout_of(&finance, &b).await["status"], "batched");
    assert_eq!(
        application_view(&firm, &b).await["payout_status"],
        "batched"
    );

    // A result quoting another line of the right batch, or no batch line at all, is refused.
    let wrong_line =
        format!("批次号,行号,业务参考号,状态,失败原因\r\n{second_no},2,{ref_b},失败,户名不符\r\n");
    let body = expect(
        import(&finance, wrong_line).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(body["rows"][0]["column"], "line", "{body}");
    let bare = format!("业务参考号,状态,失败原因\r\n{ref_b},失败,户名不符\r\n");
    let body = expect(
        import(&finance, bare).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let columns: Vec<&str> = body["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["column"].as_str().unwrap())
        .collect();
    assert_eq!(columns, ["batch", "line"], "{body}");
    assert_eq!(payout_of(&finance, &b).await["status"], "batched");

    // The first batch's file is the same bytes as when it was exported, though a line of it
    // was paid again elsewhere; so is the second.
    assert_eq!(download(&finance, first).await, first_file);
    assert_eq!(download(&finance, second).await, second_file);

    // The second batch's own answer settles the payout.
    let answer = format!("批次号,行号,业务参考号,状态,金额\r\n{line_b2},{ref_b},成功,1000.00\r\n");
    let summary = ok(import(&finance, answer).await).await;
    assert_eq!(summary["paid"], 1);
    assert_eq!(application_view(&firm, &b).await["payout_status"], "paid");
}

// ---------------------------------------------------------------------------------------------
// 4. Exporting is a POST; downloading an exported file changes nothing

#[tokio::test]
async fn exporting_a_bank_file_is_a_post_and_downloading_it_changes_nothing() {
    let app = TestApp::spawn().await;
    let finance = app.login("finance").await;
    flush(&finance).await;
    two_payouts(&app, "exporter").await;
    let (batch, _) = new_batch(&finance).await;
    let file = format!("/api/v1/payouts/batches/{batch}/file");
    let export_path = format!("/api/v1/payouts/batches/{batch}/export");

    // Not exported yet: nothing to download, and a download does not export it.
    let res = finance.get(&file).await;
    assert_error(res, StatusCode::CONFLICT, "conflict", None).await;
    assert!(batch_of(&finance, batch).await["exported_at"].is_null());
    // Only finance exports.
    for user in ["handler", "bank"] {
        let res = app.login(user).await.post(&export_path, &json!({})).await;
        assert_error(res, StatusCode::FORBIDDEN, "forbidden", None).await;
    }
    assert!(batch_of(&finance, batch).await["exported_at"].is_null());

    let audits = app.audit_count().await;
    let bytes = export(&finance, batch).await;
    assert_eq!(app.audit_count().await, audits + 1, "the export is audited");
    let exported_at = batch_of(&finance, batch).await["exported_at"].clone();
    assert!(!exported_at.is_null());

    // Downloads and a second export answer the same bytes and change nothing.
    for _ in 0..3 {
        assert_eq!(download(&finance, batch).await, bytes);
    }
    assert_eq!(export(&finance, batch).await, bytes);
    assert_eq!(app.audit_count().await, audits + 1, "audited once");
    assert_eq!(batch_of(&finance, batch).await["exported_at"], exported_at);
    let res = app.login("handler").await.get(&file).await;
    assert_error(res, StatusCode::FORBIDDEN, "forbidden", None).await;
}

#[tokio::test]
async fn exports_of_one_batch_at_once_give_one_file_and_one_audit_entry() {
    const EXPORTS: usize = 8;
    let app = TestApp::spawn().await;
    let finance = app.login("finance").await;
    flush(&finance).await;
    two_payouts(&app, "racer").await;
    let (batch, _) = new_batch(&finance).await;
    let mut sessions = Vec::new();
    for _ in 0..EXPORTS {
        sessions.push(Arc::new(app.login("finance").await));
    }
    let audits = app.audit_count().await;
    let tasks: Vec<_> = sessions
        .into_iter()
        .map(|s| tokio::spawn(async move { export(&s, batch).await }))
        .collect();
    let mut files = Vec::new();
    for task in tasks {
        files.push(task.await.unwrap());
    }
    assert!(files.windows(2).all(|w| w[0] == w[1]), "one file");
    assert_eq!(download(&finance, batch).await, files[0]);
    assert_eq!(app.audit_count().await, audits + 1);
}

// ---------------------------------------------------------------------------------------------
// 3. No approval above the engine's amount

#[tokio::test]
async fn no_approval_grants_more_than_the_engine_computed() {
    let app = TestApp::spawn().await;
    let id = simple_apply_policy(&app, "qq-cap", "10000", None).await;
    let firm = app.login("enterprise").await;
    let receipt = submit(&firm, &id, 2025, &["integrity"]).await;
    let reviewer1 = app.login("reviewer1").await;
    let raised = json!({ "action": "approve", "amount": "5000000", "reason": "企业实际投入更大" });
    let res = decide(&reviewer1, &receipt, &raised).await;
    let body = expect(res, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(body["field"], "amount", "{body}");
    let message = body["message"].as_str().unwrap();
    assert!(
        message.contains("超过系统按申报材料测算的金额"),
        "{message}"
    );
    assert!(message.contains("10,000"), "{message}");
    let view = application_view(&firm, &receipt).await;
    assert_eq!(view["status"], "submitted");
    assert!(view["approved_amount"].is_null());
    assert!(view["payout_status"].is_null());
    assert_eq!(policy_view(&app, &id).await["budget_committed"], "0.00");
    // A cent above is as refused as a million; the computed amount itself and less pass.
    let res = decide(
        &reviewer1,
        &receipt,
        &json!({ "action": "approve", "amount": "10000.01", "reason": "四舍五入" }),
    )
    .await;
    assert_error(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("amount"),
    )
    .await;
    let lowered =
        json!({ "action": "approve", "amount": "8000", "reason": "部分设备发票不属本年度,核减" });
    let approved = ok(decide(&reviewer1, &receipt, &lowered).await).await;
    assert_eq!(approved["status"], "approved");
    assert_eq!(approved["approved_amount"], "8000.00");
    assert_eq!(policy_view(&app, &id).await["budget_committed"], "8000.00");
}

// ---------------------------------------------------------------------------------------------
// 2. 免申即享 offers hold their money back

/// A 免申即享 policy paying 10,000 yuan to every enterprise of the district, with room in the
/// budget for five.
async fn five_offers_policy(app: &TestApp, id: &str) -> String {
    publish_policy(
        app,
        &definition(
            id,
            "本区企业免申即享奖励(限额)",
            "auto_grant",
            "350521",
            "10000",
        ),
        Some("50000"),
    )
    .await
}

async fn run(staff: &Session, id: &str) -> Value {
    crate::policies::run_to_end(staff, id, 2025).await
}

async fn runs(staff: &Session, id: &str) -> Vec<Value> {
    ok(staff
        .get(&format!("/api/v1/policies/{id}/auto-grant/runs"))
        .await)
    .await
    .as_array()
    .unwrap()
    .clone()
}

#[tokio::test]
async fn auto_grant_offers_hold_the_budget_and_a_run_with_nothing_new_leaves_no_run() {
    let app = TestApp::spawn().await;
    let id = five_offers_policy(&app, "qq-reserve").await;
    let handler = app.login("handler").await;
    let first = run(&handler, &id).await;
    let offered = first["offered"].as_array().unwrap();
    assert_eq!(offered.len(), 5, "{first}");
    assert_eq!(first["total_offered"], "50000.00");
    let waiting = first["over_budget"].as_array().unwrap().len();
    assert!(waiting > 0, "more enterprises than money: {first}");
    let policy = policy_view(&app, &id).await;
    assert_eq!(policy["budget_reserved"], "50000.00");
    assert_eq!(policy["budget_committed"], "0.00");

    // Again, nothing confirmed yet: nobody else is offered money that is not there, and no
    // empty run is left to check.
    let again = run(&handler, &id).await;
    assert!(again["offered"].as_array().unwrap().is_empty(), "{again}");
    assert_eq!(again["total_offered"], "0.00");
    assert!(again["run_id"].is_null(), "{again}");
    assert_eq!(again["already_offered"], 5);
    assert_eq!(again["over_budget"].as_array().unwrap().len(), waiting);
    assert_eq!(runs(&handler, &id).await.len(), 1);

    // An excluded offer gives its money back; the next run offers it to the next in line.
    let receipt = offered[0]["receipt_no"].as_str().unwrap();
    ok(handler
        .post(
            &format!("/api/v1/applications/{receipt}/close"),
            &json!({ "reason": "经核查不属本区企业" }),
        )
        .await)
    .await;
    assert_eq!(policy_view(&app, &id).await["budget_reserved"], "40000.00");
    let third = run(&handler, &id).await;
    assert_eq!(third["offered"].as_array().unwrap().len(), 1, "{third}");
    assert_eq!(runs(&handler, &id).await.len(), 2);
    let policy = policy_view(&app, &id).await;
    assert_eq!(policy["budget_reserved"], "50000.00");
}

#[tokio::test]
async fn auto_grant_runs_at_once_never_offer_beyond_the_budget() {
    const RUNS: usize = 8;
    let app = TestApp::spawn().await;
    let id = five_offers_policy(&app, "qq-reserve-race").await;
    let mut sessions = Vec::new();
    for _ in 0..RUNS {
        sessions.push(Arc::new(app.login("handler").await));
    }
    let tasks: Vec<_> = sessions
        .into_iter()
        .map(|s| {
            let id = id.clone();
            tokio::spawn(async move { run(&s, &id).await })
        })
        .collect();
    // Starts while a run works give that run; each run counts once.
    let mut reports = std::collections::BTreeMap::new();
    for task in tasks {
        let report = task.await.unwrap();
        reports.insert(report["id"].as_i64().unwrap(), report);
    }
    let offered: usize = reports
        .values()
        .map(|r| r["offered"].as_array().unwrap().len())
        .sum();
    let with_run = reports.values().filter(|r| !r["run_id"].is_null()).count();
    assert_eq!(offered, 5, "five offers fit the budget, however many runs");
    assert_eq!(with_run, 1);
    let handler = app.login("handler").await;
    assert_eq!(runs(&handler, &id).await.len(), 1);
    let policy = policy_view(&app, &id).await;
    assert_eq!(policy["budget_reserved"], "50000.00");
}
