//! 数智监督: 纪检 reads what the rules flag — the demo's bad rating nobody followed up (差评追责,
//! naming the reviewers who decided), its approval signed on a Saturday night, someone acting
//! for unusually many enterprises — each with its reason; nobody else reads them.

use crate::helpers::{TestApp, assert_error};
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
