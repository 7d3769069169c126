//! 数智监督: 纪检 reads what the rules flag — the demo's bad rating nobody followed up (差评追责,
//! naming the reviewers who decided), its approval signed on a Saturday night, someone acting
//! for unusually many enterprises, many awards to one enterprise from policies sharing a rule,
//! someone releasing money to an enterprise whose data they had just changed, a request bounced
//! between departments — each with its reason; nobody else reads them, and the rules keep to a
//! reader's region.

use crate::agreements::org_id;
use crate::helpers::{Session, TestApp, assert_error};
use crate::policies::{
    decide, definition, ok, own_code, publish_policy, release, run_to_end, submit,
};
use crate::requests::{own_request, path, set_routes};
use chrono::Utc;
use qinqing_kernel::store::audit::{self, AuditActor, NewEntry};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn flags(app: &TestApp, username: &str) -> Value {
    let res = app
        .login(username)
        .await
        .get("/api/v1/supervision/flags")
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.unwrap()
}

/// The flags one rule raised.
fn of_rule<'a>(flags: &'a Value, key: &str) -> &'a Vec<Value> {
    let group = flags["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["rule"]["key"] == key)
        .unwrap_or_else(|| panic!("no rule {key}: {flags}"));
    assert!(
        group["rule"]["label"]
            .as_str()
            .is_some_and(|l| !l.is_empty())
    );
    group["flags"].as_array().unwrap()
}

#[tokio::test]
async fn discipline_sees_the_bad_rating_nobody_followed_up_and_the_night_approval() {
    let app = TestApp::spawn().await;
    let flags = flags(&app, "discipline").await;

    let late = of_rule(&flags, "bad_rating_follow_up");
    assert_eq!(late.len(), 1, "{flags}");
    let rating = &late[0];
    let reason = rating["reason"].as_str().unwrap();
    assert!(
        reason.contains("不满意(审核期间没有任何进度告知"),
        "{reason}"
    );
    assert!(reason.contains("仍未回访"), "{reason}");
    assert_eq!(rating["persons"], json!(["黄初审", "吴复审"]));
    // The policy's department answers for the follow-up.
    assert!(
        rating["department"]
            .as_str()
            .is_some_and(|d| d.ends_with('局')),
        "{rating}"
    );

    // The same application's 初审 approval was signed at 23:40 on a Saturday; its 复审 on the
    // Monday morning is not flagged.
    let night: Vec<&Value> = of_rule(&flags, "decision_off_hours")
        .iter()
        .filter(|f| f["link"] == rating["link"])
        .collect();
    assert_eq!(night.len(), 1, "{flags}");
    let reason = night[0]["reason"].as_str().unwrap();
    assert!(
        reason.contains("23:40") && reason.contains("深夜"),
        "{reason}"
    );
    assert_eq!(night[0]["persons"], json!(["黄初审"]));
    assert!(of_rule(&flags, "approved_above_computed").is_empty());
    // The demo's 免申即享 handler corrected an enterprise's legal representative, then released
    // the run that offered it money.
    let own = of_rule(&flags, "self_approval");
    assert_eq!(own.len(), 1, "{flags}");
    assert_eq!(own[0]["persons"], json!(["林经办"]));
    let reason = own[0]["reason"].as_str().unwrap();
    assert!(
        reason.contains("修改了该企业的资料:法定代表人")
            && reason.contains("核对发布了该企业的免申即享"),
        "{reason}"
    );
    assert!(of_rule(&flags, "bounced_transfers").is_empty());

    // 纪检 opens the application and its trail from the flag.
    let discipline = app.login("discipline").await;
    for link in [&rating["link"], &rating["trail"]] {
        let res = discipline.get(link.as_str().unwrap()).await;
        assert_eq!(res.status(), StatusCode::OK, "{link}");
    }
    let page = discipline
        .get("/supervision/flags")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("差评追责") && page.contains("仍未回访"));
    assert!(page.contains("黄初审、吴复审"));

    // Followed up at last: the flag stays, now saying how late.
    let admin = app.login("admin").await;
    let ratings: Value = admin.get("/api/v1/ratings").await.json().await.unwrap();
    let id = ratings
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["needs_follow_up"] == true)
        .and_then(|r| r["id"].as_i64())
        .unwrap();
    let follow =
        json!({ "note": "已致电企业致歉,今后每一环节短信告知进度", "finding": "not_duty" });
    let res = admin
        .post(&format!("/api/v1/ratings/{id}/follow-up"), &follow)
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let after = self::flags(&app, "discipline").await;
    let late = of_rule(&after, "bad_rating_follow_up");
    assert_eq!(late.len(), 1, "{after}");
    let reason = late[0]["reason"].as_str().unwrap();
    assert!(
        reason.contains("天才回访") && !reason.contains("履职不到位"),
        "{reason}"
    );
}

#[tokio::test]
async fn an_approval_above_the_computed_amount_is_flagged_with_the_difference() {
    let app = TestApp::spawn().await;
    let mut conn = app.app.db.conn().await.unwrap();
    // Someone raised an approved amount in the database, around the platform.
    let raised = sqlx::query(
        "UPDATE application SET approved_amount = computed_amount + 100000 \
         WHERE id = (SELECT MIN(id) FROM application \
                     WHERE status = 'approved' AND computed_amount IS NOT NULL)",
    )
    .execute(&mut *conn)
    .await
    .unwrap();
    assert_eq!(raised.rows_affected(), 1);
    drop(conn);

    let flags = flags(&app, "admin").await;
    let above = of_rule(&flags, "approved_above_computed");
    assert_eq!(above.len(), 1, "{flags}");
    let reason = above[0]["reason"].as_str().unwrap();
    assert!(reason.contains("多出 ¥1,000.00"), "{reason}");
    assert!(!above[0]["persons"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn someone_acting_for_twenty_enterprises_in_a_month_is_flagged_nineteen_is_not() {
    let app = TestApp::spawn().await;
    let mut conn = app.app.db.conn().await.unwrap();
    // The demo steward's real submissions for its enterprises are kept with whom it acted for.
    let acting: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_entry WHERE on_behalf_of IS NOT NULL")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
    assert!(acting > 0);
    let steward: i64 = sqlx::query_scalar("SELECT id FROM app_user WHERE username = 'steward'")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    let already: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT on_behalf_of FROM audit_entry WHERE user_id = $1 AND on_behalf_of IS NOT NULL",
    )
    .bind(steward)
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    let fresh: Vec<String> = app
        .enterprises()
        .await
        .into_iter()
        .map(|(c, _)| c)
        .filter(|c| !already.contains(c))
        .collect();
    assert!(already.len() < 19 && already.len() + fresh.len() >= 20);
    let (first, last) = fresh.split_at(19 - already.len());
    // Entries as the trail records a steward's changes, for enterprises one after another.
    let mut act_for = async |code: &str| {
        let actor = AuditActor {
            user_id: steward,
            username: "steward".into(),
            role: "steward".into(),
            org_id: 1,
            on_behalf_of: Some(code.to_string()),
        };
        let entry = NewEntry {
            actor: Some(&actor),
            action: "enterprise.profile_updated",
            object_type: "enterprise",
            object_id: code,
            request_id: None,
            detail: json!({}),
        };
        audit::append(&mut conn, entry, Utc::now()).await.unwrap();
    };
    for code in first {
        act_for(code).await;
    }
    assert!(of_rule(&flags(&app, "discipline").await, "acting_for_many").is_empty());

    act_for(&last[0]).await;
    let flags = flags(&app, "discipline").await;
    let many = of_rule(&flags, "acting_for_many");
    assert_eq!(many.len(), 1, "{flags}");
    assert_eq!(many[0]["persons"], json!(["郑管家"]));
    let reason = many[0]["reason"].as_str().unwrap();
    assert!(reason.contains("代 20 家企业"), "{reason}");
}

#[tokio::test]
async fn only_discipline_and_the_administrator_read_the_flags() {
    let app = TestApp::spawn().await;
    for username in [
        "efficiency",
        "lead",
        "reviewer1",
        "handler",
        "enterprise",
        "steward",
    ] {
        let res = app
            .login(username)
            .await
            .get("/api/v1/supervision/flags")
            .await;
        assert_error(res, StatusCode::FORBIDDEN, "forbidden", None).await;
        let page = app.login(username).await.get("/supervision/flags").await;
        assert_eq!(page.status(), StatusCode::FORBIDDEN, "{username}");
    }
    let res = app
        .anonymous()
        .get(app.url("/api/v1/supervision/flags"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    flags(&app, "admin").await;
}

/// A staff account the administrator creates in `org`, logged in after its first password
/// change.
async fn staff(app: &TestApp, org: &str, username: &str, role: &str) -> Session {
    let admin = app.login("admin").await;
    let org = org_id(&admin, org).await;
    let user = json!({ "username": username, "display_name": format!("新同事{username}"),
        "org_id": org, "role": role, "password": "Start2026ok" });
    let res = admin.post("/api/v1/admin/users", &user).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let first = app.login_with(username, "Start2026ok").await;
    let change = json!({ "current_password": "Start2026ok", "new_password": "Qinqing2026new" });
    let res = first.post("/api/v1/auth/password", &change).await;
    assert!(res.status().is_success(), "{}", res.text().await.unwrap());
    app.login_with(username, "Qinqing2026new").await
}

/// The flags as a reader whose scope is one region reads them (纪检 reads the whole platform
/// today; the rules keep to a reader's region all the same).
async fn flags_in_region(app: &TestApp, region: &str) -> Value {
    let mut conn = app.app.db.conn().await.unwrap();
    let id: i64 = sqlx::query_scalar("SELECT id FROM app_user WHERE username = 'discipline'")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    let mut reader = qinqing_kernel::auth::load_principal(&app.app, &mut conn, id)
        .await
        .unwrap()
        .unwrap();
    drop(conn);
    let code = qinqing_domain::DivisionCode::parse(region).unwrap();
    reader.scope = qinqing_domain::org::Scope::Region(code);
    let flags = qinqing_kernel::flags::flags(&app.app, &reader)
        .await
        .unwrap();
    serde_json::to_value(flags).unwrap()
}

async fn flags_of(session: &Session) -> Value {
    ok(session.get("/api/v1/supervision/flags").await).await
}

/// The flags of a rule whose reason says `word`.
fn saying<'a>(flags: &'a Value, rule: &str, word: &str) -> Vec<&'a Value> {
    of_rule(flags, rule)
        .iter()
        .filter(|f| f["reason"].as_str().unwrap().contains(word))
        .collect()
}

/// A published apply-mode policy of 工信 paying `fixed` yuan to every enterprise of the district,
/// with the given `[cross]` rules; one review stage (the 工信 初审人, 黄初审).
async fn policy_with(app: &TestApp, id: &str, title: &str, fixed: &str, cross: &str) -> String {
    let text = format!(
        "{}\n[cross]\n{cross}\n",
        definition(id, title, "apply", "350521", fixed)
    );
    publish_policy(app, &text, Some("100000000")).await
}

async fn approve(reviewer: &Session, receipt: &str) -> Value {
    ok(decide(reviewer, receipt, &json!({ "action": "approve" })).await).await
}

#[tokio::test]
async fn a_third_award_under_one_annual_cap_in_a_year_is_flagged_two_are_not() {
    let app = TestApp::spawn().await;
    let cross = "annual_cap = { group = \"qq-flag-cap\", amount = \"100000\" }";
    let mut policies = Vec::new();
    for (i, title) in ["技改贴息甲", "技改贴息乙", "技改贴息丙"]
        .iter()
        .enumerate()
    {
        let id = format!("qq-flag-cap-{i}");
        policies.push(policy_with(&app, &id, title, "10000", cross).await);
    }
    let firm = app.login("enterprise").await;
    let mut receipts = Vec::new();
    for id in &policies {
        receipts.push(submit(&firm, id, 2025, &["integrity"]).await);
    }
    let reviewer = app.login("reviewer1").await;
    approve(&reviewer, &receipts[0]).await;
    approve(&reviewer, &receipts[1]).await;
    // Two grants under the cap: what the rules are for, nothing to look at.
    let discipline = app.login("discipline").await;
    let before = flags_of(&discipline).await;
    assert!(
        saying(&before, "many_awards_in_group", "技改贴息甲").is_empty(),
        "{before}"
    );

    approve(&reviewer, &receipts[2]).await;
    let after = flags_of(&discipline).await;
    let many = saying(&after, "many_awards_in_group", "技改贴息甲");
    assert_eq!(many.len(), 1, "{after}");
    let flag = many[0];
    let reason = flag["reason"].as_str().unwrap();
    for word in [
        "2025 政策年度",
        "共用年度合计上限 ¥100,000.00 的 3 项政策",
        "“技改贴息甲”¥10,000.00",
        "“技改贴息乙”¥10,000.00",
        "“技改贴息丙”¥10,000.00",
        "合计 ¥30,000.00",
    ] {
        assert!(reason.contains(word), "{word}: {reason}");
    }
    assert!(!reason.contains("被绕过平台"), "{reason}");
    assert_eq!(flag["persons"], json!(["黄初审"]));
    let name = firm.me["org_name"].as_str().unwrap();
    assert_eq!(flag["label"], format!("{name}(2025 政策年度)"));
    assert_eq!(flag["link"], format!("/applications/{}", receipts[2]));
    for link in [&flag["link"], &flag["trail"]] {
        let res = discipline.get(link.as_str().unwrap()).await;
        assert_eq!(res.status(), StatusCode::OK, "{link}");
    }

    // The demo enterprise is in 张坂镇: a reader of 东园镇 does not see it, one of 张坂镇 does.
    let dongyuan = flags_in_region(&app, "350521101").await;
    assert!(saying(&dongyuan, "many_awards_in_group", "技改贴息甲").is_empty());
    let zhangban = flags_in_region(&app, "350521102").await;
    assert_eq!(
        saying(&zhangban, "many_awards_in_group", "技改贴息甲").len(),
        1
    );
}

#[tokio::test]
async fn an_exclusive_group_paying_more_than_its_highest_award_is_flagged() {
    let app = TestApp::spawn().await;
    let cross = "exclusive_group = \"qq-flag-topup\"\ntop_up = true";
    let low = policy_with(&app, "qq-flag-low", "区级专精特新奖励", "10000", cross).await;
    let high = policy_with(&app, "qq-flag-high", "省级专精特新奖励", "30000", cross).await;
    let firm = app.login("enterprise").await;
    let first = submit(&firm, &low, 2025, &["integrity"]).await;
    let second = submit(&firm, &high, 2025, &["integrity"]).await;
    let reviewer = app.login("reviewer1").await;
    approve(&reviewer, &first).await;
    // 就高补差: the higher award pays only the difference, 10,000 + 20,000 = the highest.
    let topped = approve(&reviewer, &second).await;
    assert_eq!(topped["approved_amount"], "20000.00");
    let discipline = app.login("discipline").await;
    let before = flags_of(&discipline).await;
    assert!(
        saying(&before, "many_awards_in_group", "专精特新").is_empty(),
        "{before}"
    );

    // Someone paid the higher award in full, in the database, around the platform.
    let mut conn = app.app.db.conn().await.unwrap();
    let changed =
        sqlx::query("UPDATE application SET approved_amount = 3000000 WHERE receipt_no = $1")
            .bind(&second)
            .execute(&mut *conn)
            .await
            .unwrap();
    assert_eq!(changed.rows_affected(), 1);
    drop(conn);
    let after = flags_of(&discipline).await;
    let over = saying(&after, "many_awards_in_group", "专精特新");
    assert_eq!(over.len(), 1, "{after}");
    let reason = over[0]["reason"].as_str().unwrap();
    for word in [
        "同一事项(就高不重复)的 2 项政策",
        "“区级专精特新奖励”¥10,000.00",
        "“省级专精特新奖励”¥30,000.00",
        "合计 ¥40,000.00",
        "合计超过其中最高一项 ¥30,000.00",
        "被绕过平台改动",
    ] {
        assert!(reason.contains(word), "{word}: {reason}");
    }
    assert_eq!(over[0]["persons"], json!(["黄初审"]));
}

#[tokio::test]
async fn releasing_money_to_an_enterprise_whose_figures_one_changed_is_flagged() {
    let app = TestApp::spawn().await;
    let firm = app.login("enterprise").await;
    let code = own_code(&firm);
    let handler = app.login("handler").await;
    // The 工信 handler enters the demo enterprise's 2025 R&D expense, then runs a 免申即享
    // policy for 张坂镇.
    let figure =
        json!({ "figures": [{ "year": 2025, "field": "rd_expense", "value": "876543.21" }] });
    let res = handler
        .patch(&format!("/api/v1/enterprises/{code}"), &figure)
        .await;
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "{}",
        res.text().await.unwrap()
    );
    let id = publish_policy(
        &app,
        &definition(
            "qq-flag-self",
            "张坂镇研发奖励",
            "auto_grant",
            "350521102",
            "6666",
        ),
        Some("1000000"),
    )
    .await;
    let report = run_to_end(&handler, &id, 2025).await;
    let offered = report["offered"].as_array().unwrap();
    let mine = offered
        .iter()
        .find(|o| o["credit_code"] == code.as_str())
        .unwrap_or_else(|| panic!("no offer to {code}: {report}"));
    let mine = mine["receipt_no"].as_str().unwrap().to_string();
    // Another enterprise offered: the handler changes only its contact phone.
    let theirs = offered
        .iter()
        .find(|o| o["credit_code"] != code.as_str())
        .unwrap_or_else(|| panic!("one offer only: {report}"));
    let other = theirs["credit_code"].as_str().unwrap();
    let theirs = theirs["receipt_no"].as_str().unwrap();
    let phone = json!({ "contact_phone": "0595-22345678" });
    let res = handler
        .patch(&format!("/api/v1/enterprises/{other}"), &phone)
        .await;
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "{}",
        res.text().await.unwrap()
    );
    // It also registers a request the other enterprise phoned in: staff say whom a request is
    // for, which is no acting as the enterprise.
    set_routes(&app).await;
    let call = json!({ "credit_code": other, "category": "policy", "description": "企业来电咨询研发费用补助" });
    crate::requests::submit(&handler, call).await;
    let mut conn = app.app.db.conn().await.unwrap();
    let registered: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_entry a JOIN app_user u ON u.id = a.user_id \
         WHERE u.username = 'handler' AND a.on_behalf_of = $1",
    )
    .bind(other)
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    assert_eq!(registered, 1, "the trail says whom the request is for");
    drop(conn);
    // The handler releases the run: both offers go out in its name.
    release(&handler, &report).await;

    let discipline = app.login("discipline").await;
    let flags = flags_of(&discipline).await;
    let on = |receipt: &str| {
        of_rule(&flags, "self_approval")
            .iter()
            .filter(|f| f["link"] == format!("/applications/{receipt}"))
            .count()
    };
    assert_eq!(
        on(theirs),
        0,
        "a contact phone is no data the offer depends on"
    );
    assert_eq!(on(&mine), 1, "{flags}");
    let flag = of_rule(&flags, "self_approval")
        .iter()
        .find(|f| f["link"] == format!("/applications/{mine}"))
        .unwrap();
    assert_eq!(flag["persons"], json!(["林经办"]));
    let reason = flag["reason"].as_str().unwrap();
    for word in [
        "林经办于 ",
        "修改了该企业的资料:2025 年研发费用由",
        "改为 876543.21",
        "核对发布了该企业的免申即享,金额 ¥6,666.00",
    ] {
        assert!(reason.contains(word), "{word}: {reason}");
    }
    let name = firm.me["org_name"].as_str().unwrap();
    assert_eq!(flag["label"], format!("{name}:张坂镇研发奖励"));
    let page = discipline
        .get("/supervision/flags")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("自己录入自己审批") && page.contains("核对发布了该企业的免申即享"));
    let dongyuan = flags_in_region(&app, "350521101").await;
    assert!(of_rule(&dongyuan, "self_approval").is_empty());
}

#[tokio::test]
async fn a_request_sent_back_to_a_department_that_passed_it_on_is_flagged() {
    let app = TestApp::spawn().await;
    set_routes(&app).await;
    let admin = app.login("admin").await;
    let (finance, industry, commerce) = (
        org_id(&admin, "财政局").await,
        org_id(&admin, "工业和信息化局").await,
        org_id(&admin, "商务局(招商局)").await,
    );
    let (reviewer2, handler) = (app.login("reviewer2").await, app.login("handler").await);
    let transfer = async |session: &Session, request: &Value, to: i64, reason: &str| {
        let body = json!({ "org_id": to, "reason": reason });
        ok(session.post(&path(request, "/transfer"), &body).await).await
    };
    // The platform lets a request be transferred once; someone cleared the mark in the database
    // so it could be passed on again.
    let clear = async |request: &Value| {
        let mut conn = app.app.db.conn().await.unwrap();
        sqlx::query("UPDATE request SET transferred_from = NULL WHERE receipt_no = $1")
            .bind(request["receipt_no"].as_str().unwrap())
            .execute(&mut *conn)
            .await
            .unwrap();
    };

    // 财政局 → 工信局 → 商务局: passed on twice, never back.
    let (_, onward) = own_request(&app, "permit").await;
    transfer(&reviewer2, &onward, industry, "属于工业项目审批").await;
    clear(&onward).await;
    transfer(&handler, &onward, commerce, "属于招商项目").await;
    let discipline = app.login("discipline").await;
    let flags = flags_of(&discipline).await;
    assert!(of_rule(&flags, "bounced_transfers").is_empty(), "{flags}");

    // 财政局 → 工信局 → 财政局: back where it started.
    let (_, back) = own_request(&app, "permit").await;
    assert_eq!(back["owner_name"], "财政局");
    transfer(&reviewer2, &back, industry, "属于工业项目审批").await;
    clear(&back).await;
    let returned = transfer(&handler, &back, finance, "还是财政的事").await;
    assert_eq!(returned["owner_name"], "财政局");
    let flags = flags_of(&discipline).await;
    let bounced = of_rule(&flags, "bounced_transfers");
    assert_eq!(bounced.len(), 1, "{flags}");
    let flag = &bounced[0];
    let reason = flag["reason"].as_str().unwrap();
    for word in [
        "转办 2 次,又转回了曾经转出过它的财政局",
        "财政局转工业和信息化局(理由:属于工业项目审批)",
        "工业和信息化局转财政局(理由:还是财政的事)",
    ] {
        assert!(reason.contains(word), "{word}: {reason}");
    }
    assert_eq!(flag["persons"], json!(["吴复审", "林经办"]));
    assert_eq!(flag["department"], "财政局");
    let receipt = back["receipt_no"].as_str().unwrap();
    assert_eq!(flag["link"], format!("/requests/{receipt}"));
    for link in [&flag["link"], &flag["trail"]] {
        let res = discipline.get(link.as_str().unwrap()).await;
        assert_eq!(res.status(), StatusCode::OK, "{link}");
    }

    // The onward one, passed on a third time by 商务局, is flagged too, for its three transfers;
    // a reader of 东园镇 sees neither.
    clear(&onward).await;
    let commerce_handler = staff(&app, "商务局(招商局)", "swhandler", "handler").await;
    let market = org_id(&admin, "市场监督管理局").await;
    transfer(&commerce_handler, &onward, market, "属于市场监管").await;
    let flags = flags_of(&discipline).await;
    let bounced = of_rule(&flags, "bounced_transfers");
    assert_eq!(bounced.len(), 2, "{flags}");
    let third = bounced
        .iter()
        .find(|f| f["link"] == format!("/requests/{}", onward["receipt_no"].as_str().unwrap()))
        .unwrap();
    let reason = third["reason"].as_str().unwrap();
    assert!(
        reason.starts_with("转办 3 次:") && reason.contains("商务局(招商局)转市场监督管理局"),
        "{reason}"
    );
    assert_eq!(
        third["persons"],
        json!(["吴复审", "林经办", "新同事swhandler"])
    );
    let dongyuan = flags_in_region(&app, "350521101").await;
    assert!(of_rule(&dongyuan, "bounced_transfers").is_empty());
    let zhangban = flags_in_region(&app, "350521102").await;
    assert_eq!(of_rule(&zhangban, "bounced_transfers").len(), 2);
}
