//! 政企合同双兑现 authoring rules: item types with their own warning rules, a breach suspending
//! the agreement's incentive payouts until it is waived, and who acts for a not-yet-registered
//! investor.

use crate::agreements::{act_path, clock_due, create, district, end_of, item, ok, org_id, status};
use crate::helpers::{TestApp, assert_error, enterprise_user_of};
use chrono::{DateTime, Utc};
use qinqing_domain::deadline::Grade;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// The clocks of an item that still run: (kind, reminder time).
async fn clocks(app: &TestApp, agreement: &Value, key: &str) -> Vec<(String, DateTime<Utc>)> {
    let id = item(agreement, key)["id"].as_i64().unwrap().to_string();
    let mut conn = app.app.db.conn().await.unwrap();
    let mut out = Vec::new();
    for d in qinqing_kernel::store::deadlines::for_object(&mut conn, "commitment", &id)
        .await
        .unwrap()
    {
        if d.state == qinqing_kernel::store::deadlines::State::Stopped {
            continue;
        }
        let warnings = qinqing_kernel::store::deadlines::warnings(&mut conn, d.id)
            .await
            .unwrap();
        let reminder = warnings
            .iter()
            .find(|w| w.grade == Grade::Reminder)
            .unwrap();
        out.push((d.kind, reminder.fire_at));
    }
    out
}

async fn audit_actions(app: &TestApp, agreement: &Value) -> Vec<String> {
    let mut conn = app.app.db.conn().await.unwrap();
    let id = agreement["id"].to_string();
    qinqing_kernel::store::audit::for_object(&mut conn, "agreement", &id)
        .await
        .unwrap()
        .into_iter()
        .map(|e| {
            let entry: Value = serde_json::from_str(&e.entry).unwrap();
            entry["action"].as_str().unwrap().to_string()
        })
        .collect()
}

fn rule(reminder_hours: u32) -> Value {
    json!({ "reminder_hours_before": reminder_hours, "demand_hours_after": 24,
            "escalate_hours_after_demand": 24 })
}

#[tokio::test]
async fn each_item_type_runs_its_own_clock_kind_with_its_warning_rule_or_the_commitment_one() {
    let (app, _clock) = district().await;
    let admin = app.login("admin").await;
    let rules = json!({ "commitment": rule(48), "commitment.land_delivery": rule(240) });
    let res = admin.put("/api/v1/admin/warning-rules", &rules).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let handler = app.login("handler").await;
    let firm = app.login("enterprise").await;
    let dept = org_id(&handler, "工业和信息化局").await;
    let input = json!({
        "project_name": "分类预警项目", "credit_code": firm.first_enterprise(),
        "signed_on": "2026-11-01", "total_investment": "1000000",
        "items": [
            { "key": "land", "item_type": "land_delivery", "side": "government",
              "content": "交付净地", "responsible_org_id": dept, "due_on": "2026-12-20" },
            { "key": "design", "side": "enterprise", "content": "方案设计", "due_on": "2026-12-20" },
            { "key": "misc", "side": "enterprise", "content": "其他约定", "due_on": "2026-12-20" },
        ]
    });
    let a = create(&handler, &input).await;
    assert_eq!(item(&a, "land")["item_type"], "land_delivery");
    assert_eq!(item(&a, "land")["item_type_label"], "交地");
    assert_eq!(
        item(&a, "design")["item_type"],
        "design",
        "the key names it"
    );
    assert_eq!(item(&a, "misc")["item_type"], "other");
    let due = end_of("2026-12-20");
    assert_eq!(
        clocks(&app, &a, "land").await,
        [(
            "commitment.land_delivery".to_string(),
            due - chrono::Duration::hours(240)
        )]
    );
    for key in ["design", "misc"] {
        let (kind, reminder) = clocks(&app, &a, key).await.remove(0);
        assert_eq!(
            kind,
            format!(
                "commitment.{}",
                item(&a, key)["item_type"].as_str().unwrap()
            )
        );
        assert_eq!(
            reminder,
            due - chrono::Duration::hours(48),
            "falls back to commitment"
        );
    }

    // Retyping an item moves it onto its new kind's clock.
    let path = format!("/api/v1/agreements/{}/items/misc", a["id"]);
    let retyped = json!({ "side": "government", "item_type": "land_delivery", "key": "misc",
        "content": "二期交地", "responsible_org_id": dept, "due_on": "2026-12-20" });
    let a = ok(handler.put(&path, &retyped).await).await;
    let kinds: Vec<String> = clocks(&app, &a, "misc")
        .await
        .into_iter()
        .map(|c| c.0)
        .collect();
    assert_eq!(kinds, ["commitment.land_delivery"]);

    // A type that does not exist, or an enterprise "incentive", names the field.
    for (t, side) in [("subsidy", "government"), ("incentive", "enterprise")] {
        let bad = json!({ "key": "x", "item_type": t, "side": side, "content": "奖补",
            "due_on": "2026-12-20" });
        let before = app.audit_count().await;
        let res = handler
            .post(&format!("/api/v1/agreements/{}/items", a["id"]), &bad)
            .await;
        assert_error(
            res,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            Some("item_type"),
        )
        .await;
        assert_eq!(app.audit_count().await, before);
    }
}

/// An agreement whose enterprise item `invest` is overdue, with the government's incentive
/// `subsidy` (奖补兑现) and an ordinary government item `power`.
async fn with_incentive(app: &TestApp) -> Value {
    let handler = app.login("handler").await;
    let firm = app.login("enterprise").await;
    let dept = org_id(&handler, "工业和信息化局").await;
    let input = json!({
        "project_name": "奖补项目", "credit_code": firm.first_enterprise(),
        "signed_on": "2026-11-01", "total_investment": "90000000",
        "items": [
            { "key": "invest", "side": "enterprise", "content": "完成首期投资", "due_on": "2026-11-10" },
            { "key": "subsidy", "item_type": "incentive", "side": "government",
              "content": "兑现设备投资奖补", "responsible_org_id": dept, "due_on": "2026-12-31" },
            { "key": "power", "side": "government", "content": "通电到红线",
              "responsible_org_id": dept, "due_on": "2026-12-31" },
        ]
    });
    create(&handler, &input).await
}

#[tokio::test]
async fn a_breach_suspends_incentive_payouts_until_a_lead_waives_it() {
    let (app, clock) = district().await;
    let a = with_incentive(&app).await;
    assert_eq!(a["incentives_suspended"], false);
    assert_eq!(clock_due(&app, &a, "subsidy").await, [end_of("2026-12-31")]);
    let investment = app.login("investment").await;
    let breach = json!({ "action": "breach", "reason": "逾期未完成首期投资" });
    let a = ok(investment.post(&act_path(&a, "invest"), &breach).await).await;
    assert_eq!(a["incentives_suspended"], true);
    assert_eq!(status(&a, "subsidy"), "suspended");
    assert_eq!(item(&a, "subsidy")["status_label"], "暂停兑现");
    assert_eq!(status(&a, "power"), "planned", "only incentives are held");
    assert!(
        clock_due(&app, &a, "subsidy").await.is_empty(),
        "its clock stops"
    );
    assert_eq!(clock_due(&app, &a, "power").await, [end_of("2026-12-31")]);
    assert!(
        audit_actions(&app, &a)
            .await
            .contains(&"agreement.incentives_suspended".to_string())
    );

    // The department cannot report the payout, and nothing changes.
    let handler = app.login("handler").await;
    let report = json!({ "action": "report", "on": "2026-11-16", "evidence": "拨付凭证" });
    let before = app.audit_count().await;
    let res = handler.post(&act_path(&a, "subsidy"), &report).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert!(res.text().await.unwrap().contains("暂停兑现"));
    assert_eq!(app.audit_count().await, before);
    // Only a lead lifts the breach.
    let waive = json!({ "action": "waive", "reason": "企业已补足投资,经研究予以豁免" });
    assert_error(
        handler.post(&act_path(&a, "invest"), &waive).await,
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    )
    .await;

    // Twenty days later the breach is waived: the government's time to pay did not run while
    // the payout was held, so the incentive moves on by those twenty days; other items do not.
    clock.advance(chrono::Duration::days(20));
    let lead = app.login("lead").await;
    let a = ok(lead.post(&act_path(&a, "invest"), &waive).await).await;
    assert_eq!(status(&a, "invest"), "waived");
    assert_eq!(a["incentives_suspended"], false);
    assert_eq!(status(&a, "subsidy"), "planned");
    assert_eq!(item(&a, "subsidy")["planned_on"], "2027-01-20");
    assert_eq!(clock_due(&app, &a, "subsidy").await, [end_of("2027-01-20")]);
    assert_eq!(item(&a, "power")["planned_on"], "2026-12-31");
    let handler = app.login("handler").await;
    assert!(
        audit_actions(&app, &a)
            .await
            .contains(&"agreement.incentives_resumed".to_string())
    );
    let a = ok(handler.post(&act_path(&a, "subsidy"), &report).await).await;
    assert_eq!(status(&a, "subsidy"), "reported");
}

#[tokio::test]
async fn for_an_unregistered_investor_staff_report_until_the_enterprise_is_linked() {
    let (app, _clock) = district().await;
    let handler = app.login("handler").await;
    let firm = app.login("enterprise").await;
    let code = firm.first_enterprise();
    let others = app.enterprises().await;
    let other_code = &others.iter().find(|(c, _)| c != &code).unwrap().0;
    let other = enterprise_user_of(&app, "other_firm", other_code).await;
    let input = json!({
        "project_name": "待注册项目", "investor_name": "泉州某实业投资有限公司",
        "region_code": "350521101", "signed_on": "2026-11-01", "total_investment": "60000000",
        "from_template": true,
    });
    let a = create(&handler, &input).await;
    assert_eq!(item(&a, "registration")["item_type"], "registration");
    let path = format!("/api/v1/agreements/{}", a["id"]);
    let report = json!({ "action": "report", "on": "2026-11-12", "evidence": "开工报告" });
    // Nobody on the enterprise side sees it yet.
    for session in [&firm, &other] {
        assert_error(
            session.get(&path).await,
            StatusCode::NOT_FOUND,
            "not_found",
            None,
        )
        .await;
    }
    let link = json!({ "credit_code": code });
    ok(handler.post(&format!("{path}/enterprise"), &link).await).await;
    // Once linked, the enterprise answers for its items: staff no longer report them, and an
    // enterprise user of another company neither sees nor reports them.
    assert_error(
        handler.post(&act_path(&a, "design"), &report).await,
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    )
    .await;
    assert_error(
        other.post(&act_path(&a, "design"), &report).await,
        StatusCode::NOT_FOUND,
        "not_found",
        None,
    )
    .await;
    assert_error(
        other.get(&path).await,
        StatusCode::NOT_FOUND,
        "not_found",
        None,
    )
    .await;
    let done = ok(firm.post(&act_path(&a, "design"), &report).await).await;
    assert_eq!(status(&done, "design"), "reported");
}

/// An items sheet in the template's columns with the given rows.
fn items_sheet(rows: &[[&str; 12]]) -> Vec<u8> {
    use qinqing_exchange::commitments::ITEM_COLUMNS;
    use qinqing_exchange::table::{Cell, Table, write_table_xlsx};
    let table = Table {
        title: "承诺事项".into(),
        headers: ITEM_COLUMNS.iter().map(|(_, h)| h.to_string()).collect(),
        rows: rows
            .iter()
            .map(|r| r.iter().map(|v| Cell::Text(v.to_string())).collect())
            .collect(),
    };
    write_table_xlsx(&[table]).unwrap()
}

const LAND: [&str; 12] = [
    "land",
    "交地",
    "政府方",
    "第三条",
    "交付净地",
    "工业和信息化局",
    "林经办",
    "2026-12-31",
    "",
    "",
    "",
    "交地确认书",
];

#[tokio::test]
async fn items_import_from_the_xlsx_template_all_or_nothing_with_row_and_column() {
    let (app, _clock) = district().await;
    let handler = app.login("handler").await;
    let firm = app.login("enterprise").await;
    let input = json!({
        "project_name": "导入项目", "credit_code": firm.first_enterprise(),
        "signed_on": "2026-11-01", "total_investment": "1000000",
    });
    let a = create(&handler, &input).await;
    let res = handler.get("/api/v1/agreements/items-template.xlsx").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains("spreadsheetml")
    );
    let template = res.bytes().await.unwrap();
    assert!(template.starts_with(b"PK"), "an XLSX workbook");

    let path = format!("/api/v1/agreements/{}/items/import", a["id"]);
    let start = [
        "start",
        "开工",
        "企业方",
        "",
        "开工建设",
        "",
        "",
        "",
        "land",
        "3",
        "个月",
        "开工报告",
    ];
    let mut bad = start;
    bad[2] = "甲方";
    bad[4] = "";
    let before = app.audit_count().await;
    let res = handler
        .upload_with(&path, &[], "事项.xlsx", items_sheet(&[LAND, bad]))
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = res.json().await.unwrap();
    let cells: Vec<(i64, &str)> = body["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["row"].as_i64().unwrap(), e["column"].as_str().unwrap()))
        .collect();
    assert_eq!(cells, [(3, "承诺方"), (3, "承诺内容")], "{body}");
    assert_eq!(app.audit_count().await, before, "nothing saved");
    let agreement_path = format!("/api/v1/agreements/{}", a["id"]);
    let unchanged = ok(handler.get(&agreement_path).await).await;
    assert!(unchanged["items"].as_array().unwrap().is_empty());

    // An enterprise does not itemise the agreement.
    let res = firm
        .upload_with(&path, &[], "事项.xlsx", items_sheet(&[LAND]))
        .await;
    assert_error(res, StatusCode::FORBIDDEN, "forbidden", None).await;

    let registration = [
        "reg",
        "企业注册",
        "企业方",
        "",
        "注册登记",
        "",
        "",
        "",
        "签约",
        "1",
        "个月",
        "营业执照",
    ];
    let res = handler
        .upload_with(
            &path,
            &[],
            "事项.xlsx",
            items_sheet(&[LAND, start, registration]),
        )
        .await;
    let done = ok(res).await;
    assert_eq!(
        item(&done, "reg")["due_on"],
        "2026-12-01",
        "one month from signing"
    );
    assert_eq!(item(&done, "land")["item_type"], "land_delivery");
    let dept = org_id(&handler, "工业和信息化局").await;
    assert_eq!(item(&done, "land")["responsible_org_id"], dept);
    assert_eq!(item(&done, "start")["due_label"], "“交付净地”完成后 3个月");
    assert_eq!(item(&done, "start")["planned_on"], "2027-03-31");

    // A key already on the agreement names its row and column.
    let res = handler
        .upload_with(&path, &[], "事项.xlsx", items_sheet(&[LAND]))
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["rows"][0]["row"], 2, "{body}");
    assert_eq!(body["rows"][0]["column"], "事项编号");
}

#[tokio::test]
async fn the_managing_department_uploads_the_agreement_document_and_both_sides_read_it() {
    let (app, _clock) = district().await;
    let handler = app.login("handler").await;
    let firm = app.login("enterprise").await;
    let input = json!({
        "project_name": "协议文本项目", "credit_code": firm.first_enterprise(),
        "signed_on": "2026-11-01", "total_investment": "1000000",
    });
    let a = create(&handler, &input).await;
    let path = format!("/api/v1/agreements/{}/documents", a["id"]);
    let pdf = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n".to_vec();
    let res = firm.upload_with(&path, &[], "协议.pdf", pdf.clone()).await;
    assert_error(res, StatusCode::FORBIDDEN, "forbidden", None).await;
    let res = handler
        .upload_with(&path, &[], "协议.docx", b"PK\x03\x04 not allowed".to_vec())
        .await;
    assert_error(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("file"),
    )
    .await;
    let res = handler
        .upload_with(&path, &[], "投资协议.pdf", pdf.clone())
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let added = ok(res).await;
    assert_eq!(added["label"], "协议文本");
    let listed = ok(firm.get(&path).await).await;
    assert_eq!(listed.as_array().unwrap().len(), 1);
    let res = firm.get(&format!("{path}/{}", added["id"])).await;
    assert_eq!(res.bytes().await.unwrap().as_ref(), pdf.as_slice());
    let page = firm
        .get(&format!("/agreements/{}", a["id"]))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("投资协议.pdf"), "the page shows it");
    assert!(
        audit_actions(&app, &a)
            .await
            .contains(&"agreement.document_uploaded".to_string())
    );
    let outsider = app.login("bank").await;
    assert_error(
        outsider.get(&path).await,
        StatusCode::NOT_FOUND,
        "not_found",
        None,
    )
    .await;
}
