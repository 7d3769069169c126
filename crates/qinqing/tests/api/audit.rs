use crate::helpers::TestApp;
use serde_json::json;

#[tokio::test]
async fn every_state_change_appends_one_dense_entry_with_who_and_request_id() {
    let app = TestApp::spawn().await;
    let before = app.audit_count().await;
    let firm = app.login("enterprise").await;
    let code = firm.first_enterprise();
    let res = firm
        .client
        .patch(app.url(&format!("/api/v1/enterprises/{code}")))
        .header("X-CSRF-Token", &firm.csrf)
        .header("x-request-id", "req-audit-1")
        .json(&json!({ "contact_phone": "13700001234" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    // A change to the same value is no change, and records nothing.
    firm.patch(
        &format!("/api/v1/enterprises/{code}"),
        &json!({ "contact_phone": "13700001234" }),
    )
    .await;
    assert_eq!(
        app.audit_count().await,
        before + 2,
        "login + one profile update"
    );

    let mut conn = app.app.db.conn().await.unwrap();
    let recent = qinqing_kernel::store::audit::recent(&mut conn, 500)
        .await
        .unwrap();
    let seqs: Vec<i64> = recent.iter().map(|e| e.seq).collect();
    let expected: Vec<i64> = (0..recent.len() as i64).rev().collect();
    assert_eq!(seqs, expected, "sequence numbers are dense from 0");
    let update = &recent[0].record;
    assert_eq!(update.action, "enterprise.profile_updated");
    assert_eq!(update.object_id, code);
    assert_eq!(update.request_id.as_deref(), Some("req-audit-1"));
    assert_eq!(update.actor.as_ref().unwrap().username, "enterprise");
    assert_eq!(update.detail["changes"][0]["field"], "contact_phone");
    assert_eq!(update.detail["changes"][0]["new"], "13700001234");
    assert_eq!(
        recent[0].entry,
        serde_json::to_string(update).unwrap(),
        "stored bytes are the record"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_changes_get_distinct_dense_sequence_numbers() {
    let app = TestApp::spawn().await;
    let admin = app.login("admin").await;
    let codes: Vec<String> = app
        .enterprises()
        .await
        .into_iter()
        .map(|(c, _)| c)
        .take(8)
        .collect();
    let before = app.audit_count().await;
    let tasks: Vec<_> = codes
        .iter()
        .enumerate()
        .map(|(i, code)| {
            let request = admin
                .client
                .patch(app.url(&format!("/api/v1/enterprises/{code}")))
                .header("X-CSRF-Token", &admin.csrf)
                .json(&json!({ "contact_phone": format!("1390000{i:04}") }));
            tokio::spawn(async move { request.send().await.unwrap().status() })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap(), 200);
    }
    assert_eq!(app.audit_count().await, before + 8);
    let mut conn = app.app.db.conn().await.unwrap();
    let recent = qinqing_kernel::store::audit::recent(&mut conn, 1000)
        .await
        .unwrap();
    let seqs: Vec<i64> = recent.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (0..recent.len() as i64).rev().collect::<Vec<_>>());
}
