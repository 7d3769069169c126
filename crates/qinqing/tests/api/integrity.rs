//! After the decision: 好差评 ratings and their follow-up, false pledges with clawback, the
//! credit blacklist, and the fulfilment dashboard.

use crate::helpers::{Session, TestApp, assert_error};
use reqwest::StatusCode;
use serde_json::{Value, json};

const YEAR: i32 = 2025;

async fn ok(res: reqwest::Response) -> Value {
    let status = res.status();
    let body = res.text().await.unwrap();
    assert!(status.is_success(), "{status}: {body}");
    serde_json::from_str(&body).unwrap_or(Value::Null)
}

/// A published apply-mode policy of 工业和信息化局 granting 100,000 yuan to every enterprise of
/// the district against an integrity pledge, reviewed in one stage by its 初审人.
async fn pledge_policy(app: &TestApp, id: &str) {
    let definition = format!(
        "id = \"{id}\"\ntitle = \"诚信测试补助\"\ndepartment = \"工业和信息化局\"\nlevel = \"district\"\n\
         mode = \"apply\"\neffective = {{ from = 2024-01-01 }}\n\n[conditions]\n\
         all = [ {{ attr = \"region\", under = [\"350521\"] }} ]\n\n[reward]\nfixed = \"100000\"\n"
    );
    let input = json!({ "definition": definition, "document_text": "测试政策原文", "budget": "1000000",
        "guide": { "pledges": [{ "key": "integrity", "text": "所填内容真实,如有虚假自愿退回资金。" }] } });
    ok(app
        .login("handler")
        .await
        .post("/api/v1/policies", &input)
        .await)
    .await;
    let lead = app.login("lead").await;
    for action in ["submit_for_review", "publish"] {
        let path = format!("/api/v1/policies/{id}/lifecycle");
        ok(lead.post(&path, &json!({ "action": action })).await).await;
    }
}

/// The demo enterprise's application under a fresh pledge policy, approved; returns it and
/// its receipt.
async fn approved_with_pledge(app: &TestApp) -> (Session, String) {
    pledge_policy(app, "integrity-test").await;
    let firm = app.login("enterprise").await;
    let code = firm.first_enterprise();
    let submitted = ok(firm
        .post(
            "/api/v1/applications",
            &json!({ "policy": "integrity-test", "credit_code": code, "year": YEAR,
                     "pledges": ["integrity"] }),
        )
        .await)
    .await;
    let receipt = submitted["receipt_no"].as_str().unwrap().to_string();
    let reviewer = app.login("reviewer1").await;
    let path = format!("/api/v1/applications/{receipt}/decision");
    ok(reviewer.post(&path, &json!({ "action": "approve" })).await).await;
    (firm, receipt)
}

async fn pay(app: &TestApp, firm: &Session, receipt: &str) {
    let code = firm.me["enterprises"][0].as_str().unwrap();
    let profile = ok(firm.get(&format!("/api/v1/enterprises/{code}")).await).await;
    let account = json!({ "payee_name": profile["identity"]["name"], "account_no": "6228480000000000001",
                          "bank_name": "中国农业银行泉州台商投资区支行" });
    let client = &firm.client;
    let res = client
        .put(format!(
            "{}/api/v1/enterprises/{code}/bank-account",
            firm.base
        ))
        .header("X-CSRF-Token", &firm.csrf)
        .json(&account)
        .send()
        .await
        .unwrap();
    ok(res).await;
    let finance = app.login("finance").await;
    let batch = ok(finance.post("/api/v1/payouts/batches", &json!({})).await).await;
    let id = batch["batch"]["id"].as_i64().unwrap();
    let file = crate::policies::export(&finance, id).await;
    let place = crate::policies::place(&file, &format!("QQ-{receipt}"));
    let result = format!("批次号,行号,业务参考号,状态,失败原因\n{place},QQ-{receipt},成功,\n");
    ok(finance
        .upload("/api/v1/payouts/results", "result.csv", result.into_bytes())
        .await)
    .await;
}

#[tokio::test]
async fn a_bad_rating_opens_a_follow_up_that_the_department_answers() {
    let app = TestApp::spawn().await;
    let (firm, receipt) = approved_with_pledge(&app).await;
    let rate = format!("/api/v1/applications/{receipt}/rating");
    let res = firm.post(&rate, &json!({ "level": 1 })).await;
    assert_error(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("comment"),
    )
    .await;
    let res = firm
        .post(&rate, &json!({ "level": 6, "comment": "?" }))
        .await;
    assert_error(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("level"),
    )
    .await;
    let reviewer = app.login("reviewer1").await;
    let res = reviewer.post(&rate, &json!({ "level": 5 })).await;
    assert_error(res, StatusCode::FORBIDDEN, "forbidden", None).await;

    let rating = ok(firm
        .post(
            &rate,
            &json!({ "level": 2, "comment": "补正要求写得不清楚" }),
        )
        .await)
    .await;
    assert_eq!(rating["level_label"], "不满意");
    assert_eq!(rating["needs_follow_up"], true);
    let again = firm.post(&rate, &json!({ "level": 5 })).await;
    assert_error(again, StatusCode::CONFLICT, "conflict", None).await;

    // The follow-up runs on a 15-working-day clock the supervising office can see.
    let id = rating["id"].as_i64().unwrap();
    let clocks = ok(app
        .login("efficiency")
        .await
        .get(&format!(
            "/api/v1/deadlines?object_type=rating&object_id={id}"
        ))
        .await)
    .await;
    let clock = clocks
        .as_array()
        .unwrap()
        .first()
        .cloned()
        .expect("a follow-up clock");
    assert!(clock["limit"].as_str().unwrap().contains("15"), "{clock}");
    assert_eq!(clock["state"], "计时中");

    let follow = format!("/api/v1/ratings/{id}/follow-up");
    let finance = app.login("finance").await;
    let res = finance
        .post(
            &follow,
            &json!({ "note": "已电话回访", "finding": "not_duty" }),
        )
        .await;
    assert_error(res, StatusCode::FORBIDDEN, "forbidden", None).await;
    let handler = app.login("handler").await;
    let res = handler
        .post(&follow, &json!({ "note": " ", "finding": "not_duty" }))
        .await;
    assert_error(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("note"),
    )
    .await;
    let res = handler
        .post(&follow, &json!({ "note": "已电话回访" }))
        .await;
    assert_error(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("finding"),
    )
    .await;
    let done = ok(handler
        .post(
            &follow,
            &json!({ "note": "已电话回访,补正告知书写得不清", "finding": "duty_failed" }),
        )
        .await)
    .await;
    assert_eq!(done["needs_follow_up"], false);
    assert_eq!(done["follow_up_finding_label"], "属实,经办人员履职不到位");
    // Followed up in time, but the handlers failed their duty: 纪检 is pointed at it (差评追责).
    let flags = ok(app
        .login("discipline")
        .await
        .get("/api/v1/supervision/flags")
        .await)
    .await;
    let rule = flags["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["rule"]["key"] == "bad_rating_follow_up")
        .unwrap();
    let page = format!("/applications/{receipt}");
    let flag = rule["flags"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["link"] == page.as_str())
        .unwrap_or_else(|| panic!("{rule}"));
    let reason = flag["reason"].as_str().unwrap();
    assert!(
        reason.contains("按时回访") && reason.contains("履职不到位:已电话回访,补正告知书写得不清"),
        "{reason}"
    );
    let clocks = ok(handler
        .get(&format!(
            "/api/v1/deadlines?object_type=rating&object_id={id}"
        ))
        .await)
    .await;
    assert_eq!(clocks[0]["state"], "已办结");
    let listed = ok(app.login("efficiency").await.get("/api/v1/ratings").await).await;
    assert!(listed.as_array().unwrap().iter().any(|r| r["id"] == id));
}

#[tokio::test]
async fn only_a_decided_application_can_be_rated() {
    let app = TestApp::spawn().await;
    pledge_policy(&app, "integrity-test").await;
    let firm = app.login("enterprise").await;
    let code = firm.me["enterprises"][0].as_str().unwrap();
    let submitted = ok(firm
        .post(
            "/api/v1/applications",
            &json!({ "policy": "integrity-test", "credit_code": code, "year": YEAR,
                     "pledges": ["integrity"] }),
        )
        .await)
    .await;
    let receipt = submitted["receipt_no"].as_str().unwrap();
    let res = firm
        .post(
            &format!("/api/v1/applications/{receipt}/rating"),
            &json!({ "level": 5 }),
        )
        .await;
    assert_error(res, StatusCode::CONFLICT, "conflict", None).await;
}

#[tokio::test]
async fn a_false_pledge_claws_back_the_paid_money_and_blocks_the_enterprise() {
    let app = TestApp::spawn().await;
    let (firm, receipt) = approved_with_pledge(&app).await;
    pay(&app, &firm, &receipt).await;
    let path = format!("/api/v1/applications/{receipt}/false-pledge");
    let handler = app.login("handler").await;
    let res = handler
        .post(&path, &json!({ "reason": "设备未实际购置" }))
        .await;
    assert_error(res, StatusCode::FORBIDDEN, "forbidden", None).await;
    let lead = app.login("lead").await;
    let res = lead.post(&path, &json!({ "reason": "" })).await;
    assert_error(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("reason"),
    )
    .await;
    let outcome = ok(lead
        .post(&path, &json!({ "reason": "现场核查:设备未实际购置" }))
        .await)
    .await;
    let view = ok(firm.get(&format!("/api/v1/applications/{receipt}")).await).await;
    assert_eq!(outcome["clawback_due"], view["approved_amount"]);

    // Blocked: no new application, and the steward cannot pledge for it either.
    let code = firm.me["enterprises"][0].as_str().unwrap();
    let res = firm
        .post(
            "/api/v1/applications",
            &json!({ "policy": "integrity-test", "credit_code": code, "year": 2024,
                     "pledges": ["integrity"] }),
        )
        .await;
    let body = assert_error(res, StatusCode::FORBIDDEN, "forbidden", None).await;
    assert!(body["message"].as_str().unwrap().contains("失信"), "{body}");

    // Finance records repayments, never more than is outstanding.
    let finance = app.login("finance").await;
    let overview = ok(finance.get("/api/v1/integrity").await).await;
    let clawback = &overview["clawbacks"][0];
    let id = clawback["id"].as_i64().unwrap();
    let repay = format!("/api/v1/clawbacks/{id}/repayments");
    ok(finance.post(&repay, &json!({ "amount": "100000" })).await).await;
    let res = finance.post(&repay, &json!({ "amount": "99999999" })).await;
    assert_error(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("amount"),
    )
    .await;
    let res = lead.post(&repay, &json!({ "amount": "1" })).await;
    assert_error(res, StatusCode::FORBIDDEN, "forbidden", None).await;
    let overview = ok(finance.get("/api/v1/integrity").await).await;
    assert_eq!(overview["clawbacks"][0]["repaid"], "100000.00");
    assert_eq!(overview["records"][0]["kind"], "false_pledge");
}

#[tokio::test]
async fn a_false_pledge_found_before_payment_stops_the_payout_and_frees_the_budget() {
    let app = TestApp::spawn().await;
    let (_firm, receipt) = approved_with_pledge(&app).await;
    let admin = app.login("admin").await;
    let before = ok(admin.get("/api/v1/policies/integrity-test").await).await;
    let lead = app.login("lead").await;
    let outcome = ok(lead
        .post(
            &format!("/api/v1/applications/{receipt}/false-pledge"),
            &json!({ "reason": "发票系伪造" }),
        )
        .await)
    .await;
    assert_eq!(outcome["payout_cancelled"], true);
    assert!(outcome["clawback_due"].is_null());
    let after = ok(admin.get("/api/v1/policies/integrity-test").await).await;
    assert_eq!(
        after["budget_committed"], "0.00",
        "before: {}",
        before["budget_committed"]
    );
    let desk = ok(app.login("finance").await.get("/api/v1/payouts").await).await;
    let line = desk["payouts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["receipt_no"] == receipt.as_str())
        .cloned()
        .unwrap();
    assert_eq!(line["status"], "cancelled");
}

#[tokio::test]
async fn a_blacklist_blocks_listed_enterprises_and_a_wrong_file_changes_nothing() {
    let app = TestApp::spawn().await;
    let firm = app.login("enterprise").await;
    let code = firm.first_enterprise();
    let admin = app.login("admin").await;
    let bad =
        format!("统一社会信用代码,列入原因,截止日期\n{code},骗取补贴,2099-12-31\n123,骗取补贴,\n");
    let res = admin
        .upload("/api/v1/integrity/blacklist", "list.csv", bad.into_bytes())
        .await;
    assert_error(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "import_rejected",
        None,
    )
    .await;
    let overview = ok(admin.get("/api/v1/integrity").await).await;
    assert!(overview["records"].as_array().unwrap().is_empty());

    let res = firm
        .upload("/api/v1/integrity/blacklist", "list.csv", Vec::new())
        .await;
    assert_error(res, StatusCode::FORBIDDEN, "forbidden", None).await;

    let good = format!(
        "统一社会信用代码,列入原因,截止日期\n{code},骗取补贴,2099-12-31\n91350521MA0000001R,未注册企业,\n"
    );
    let summary = ok(admin
        .upload("/api/v1/integrity/blacklist", "list.csv", good.into_bytes())
        .await)
    .await;
    assert_eq!(summary["recorded"], 1);
    assert_eq!(summary["not_registered"], 1);
    let res = firm
        .post(
            "/api/v1/applications",
            &json!({ "policy": "p3-equipment-investment", "credit_code": code, "year": YEAR,
                     "pledges": ["integrity", "equipment"] }),
        )
        .await;
    assert_error(res, StatusCode::FORBIDDEN, "forbidden", None).await;
}

#[tokio::test]
async fn the_dashboard_counts_what_was_decided_and_paid_and_exports_it() {
    let app = TestApp::spawn().await;
    let efficiency = app.login("efficiency").await;
    let before = ok(efficiency.get("/api/v1/dashboards/policies").await).await;
    let (firm, receipt) = approved_with_pledge(&app).await;
    pay(&app, &firm, &receipt).await;
    let after = ok(efficiency.get("/api/v1/dashboards/policies").await).await;
    let approved = |d: &Value| {
        d["by_status"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["status"] == "approved")
            .map_or(0, |s| s["applied"].as_i64().unwrap())
    };
    assert_eq!(approved(&after), approved(&before) + 1);
    let paid = |d: &Value| {
        d["paid"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["policy"] == "诚信测试补助")
            .map_or(0, |p| p["paid_fen"].as_i64().unwrap())
    };
    let view = ok(firm.get(&format!("/api/v1/applications/{receipt}")).await).await;
    let amount: f64 = view["approved_amount"].as_str().unwrap().parse().unwrap();
    assert_eq!(
        paid(&after) - paid(&before),
        (amount * 100.0).round() as i64
    );
    assert!(after["on_time_bp"].as_i64().is_some());
    // The page draws the money paid by policy, each bar telling its amount.
    let page = efficiency
        .get("/dashboard/policies")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains(">各项政策已拨付金额</title>"), "{page}");
    assert!(page.contains("<title>诚信测试补助:"), "{page}");

    let csv = efficiency
        .get("/api/v1/dashboards/policies?format=csv")
        .await;
    assert_eq!(csv.status(), StatusCode::OK);
    let bytes = csv.bytes().await.unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
    assert!(String::from_utf8_lossy(&bytes).contains("按时办结率"));
    let xlsx = efficiency
        .get("/api/v1/dashboards/policies?format=xlsx")
        .await;
    assert_eq!(xlsx.status(), StatusCode::OK);
    assert!(xlsx.bytes().await.unwrap().starts_with(b"PK"));
    let res = efficiency
        .get("/api/v1/dashboards/policies?format=pdf")
        .await;
    assert_error(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("format"),
    )
    .await;
    let res = firm.get("/api/v1/dashboards/policies").await;
    assert_error(res, StatusCode::FORBIDDEN, "forbidden", None).await;
}
