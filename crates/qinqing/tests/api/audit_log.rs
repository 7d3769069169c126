//! The audit trail as a verifiable log: checkpoints, proofs and tamper detection.

use crate::helpers::{TestApp, assert_error};
use crate::rfc9162::{self, decode_hashes, open_checkpoint, verify_consistency, verify_inclusion};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use qinqing_kernel::audit_log::{self, Tampering};
use qinqing_kernel::{Principal, RequestMeta};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn text(app: &TestApp, path: &str) -> String {
    let res = app.anonymous().get(app.url(path)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK, "{path}");
    res.text().await.unwrap()
}

async fn json_of(app: &TestApp, path: &str) -> Value {
    let res = app.anonymous().get(app.url(path)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK, "{path}");
    res.json().await.unwrap()
}

/// Signs a checkpoint now and returns it as an independent verifier sees it.
async fn signed_checkpoint(app: &TestApp) -> rfc9162::Checkpoint {
    audit_log::checkpoint(&app.app).await.unwrap();
    let note = text(app, "/api/v1/audit/checkpoint").await;
    let vkey = text(app, "/api/v1/audit/verifier").await;
    open_checkpoint(&note, &vkey).expect("a valid C2SP checkpoint signed by the published key")
}

async fn touch_profile(app: &TestApp, phone: &str) {
    let firm = app.login("enterprise").await;
    let code = firm.first_enterprise();
    let res = firm
        .patch(
            &format!("/api/v1/enterprises/{code}"),
            &json!({ "contact_phone": phone }),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
}

#[tokio::test]
async fn checkpoints_cover_every_entry_and_are_signed_by_the_published_key() {
    let app = TestApp::spawn().await;
    // More entries than one hashing chunk, as after an import.
    let mut tx = app.app.db.begin().await.unwrap();
    for n in 0..1200 {
        let change = qinqing_kernel::audit::Change {
            action: "enterprise.profile_updated",
            object_type: "enterprise",
            object_id: format!("bulk-{n}"),
            on_behalf_of: None,
            detail: serde_json::json!({}),
        };
        let (who, meta) = (Principal::system(), RequestMeta::default());
        qinqing_kernel::audit::record(&mut tx, &who, &meta, change, app.app.now())
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    let checkpoint = signed_checkpoint(&app).await;
    assert_eq!(checkpoint.origin, audit_log::DEFAULT_ORIGIN);
    assert_eq!(checkpoint.size as i64, app.audit_count().await);
    // They were hashed a few hundred per transaction, so signing after a large import never
    // holds the write lock for long.
    let metrics = app.metrics().await;
    let chunks: u64 = metrics
        .lines()
        .find_map(|l| {
            l.strip_prefix(
                "qinqing_write_transaction_duration_seconds_count{work=\"audit_hashing\"} ",
            )
        })
        .unwrap_or_else(|| panic!("{metrics}"))
        .parse()
        .unwrap();
    assert!(
        chunks >= checkpoint.size.div_ceil(500),
        "{} entries in {chunks} transactions",
        checkpoint.size
    );
    // Nothing new: no new checkpoint.
    assert_eq!(audit_log::checkpoint(&app.app).await.unwrap(), None);
}

#[tokio::test]
async fn every_entry_is_provably_included_in_the_checkpoint() {
    let app = TestApp::spawn().await;
    touch_profile(&app, "13700000001").await;
    let cp = signed_checkpoint(&app).await;
    let admin = app.login("admin").await;
    for index in 0..cp.size {
        let entry: Value = admin
            .get(&format!("/api/v1/audit/entries/{index}"))
            .await
            .json()
            .await
            .unwrap();
        let bytes = B64.decode(entry["entry_b64"].as_str().unwrap()).unwrap();
        let leaf = rfc9162::leaf_hash(&bytes);
        assert_eq!(
            B64.encode(leaf),
            entry["leaf_hash"],
            "leaf hash is SHA-256(0x00 ‖ entry)"
        );
        assert_eq!(
            serde_json::from_slice::<Value>(&bytes).unwrap(),
            entry["entry"]
        );
        let proof = json_of(
            &app,
            &format!(
                "/api/v1/audit/proof/inclusion?index={index}&size={}",
                cp.size
            ),
        )
        .await;
        assert!(
            verify_inclusion(
                index,
                cp.size,
                leaf,
                &decode_hashes(&proof["hashes"]),
                cp.root
            ),
            "entry {index}"
        );
    }
}

#[tokio::test]
async fn later_checkpoints_are_consistent_with_earlier_ones() {
    let app = TestApp::spawn().await;
    let mut checkpoints = vec![signed_checkpoint(&app).await];
    for phone in ["13700000002", "13700000003"] {
        touch_profile(&app, phone).await;
        checkpoints.push(signed_checkpoint(&app).await);
    }
    for (i, old) in checkpoints.iter().enumerate() {
        for new in &checkpoints[i..] {
            let proof = json_of(
                &app,
                &format!(
                    "/api/v1/audit/proof/consistency?from={}&to={}",
                    old.size, new.size
                ),
            )
            .await;
            assert!(
                verify_consistency(
                    old.size,
                    new.size,
                    old.root,
                    new.root,
                    &decode_hashes(&proof["hashes"])
                ),
                "{} → {}",
                old.size,
                new.size
            );
        }
    }
    // A proof against a root that was never signed fails.
    let (old, new) = (&checkpoints[0], &checkpoints[2]);
    let proof = json_of(
        &app,
        &format!(
            "/api/v1/audit/proof/consistency?from={}&to={}",
            old.size, new.size
        ),
    )
    .await;
    assert!(!verify_consistency(
        old.size,
        new.size,
        [7u8; 32],
        new.root,
        &decode_hashes(&proof["hashes"])
    ));
}

#[tokio::test]
async fn proofs_beyond_the_signed_tree_are_refused() {
    let app = TestApp::spawn().await;
    let cp = signed_checkpoint(&app).await;
    let client = app.anonymous();
    let get = |q: String| client.get(app.url(&q)).send();
    let res = get(format!(
        "/api/v1/audit/proof/inclusion?index=0&size={}",
        cp.size + 1
    ))
    .await
    .unwrap();
    assert_error(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("size"),
    )
    .await;
    let res = get(format!(
        "/api/v1/audit/proof/inclusion?index={}&size={}",
        cp.size, cp.size
    ))
    .await
    .unwrap();
    assert_error(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("index"),
    )
    .await;
    let res = get("/api/v1/audit/proof/consistency?from=3&to=2".into())
        .await
        .unwrap();
    assert_error(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("from"),
    )
    .await;
    let res = get("/api/v1/audit/proof/inclusion?size=2".into())
        .await
        .unwrap();
    assert_error(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("index"),
    )
    .await;
}

#[tokio::test]
async fn entries_are_readable_only_by_those_entitled_to_their_object() {
    let app = TestApp::spawn().await;
    touch_profile(&app, "13700000004").await;
    let last = (app.audit_count().await - 1) as u64;
    let path = format!("/api/v1/audit/entries/{last}");
    let firm = app.login("enterprise").await;
    assert_eq!(
        firm.get(&path).await.status(),
        StatusCode::OK,
        "its own profile's history"
    );
    let town = app.login("town").await;
    let own_region = firm
        .get(&format!(
            "/api/v1/enterprises/{}",
            firm.me["enterprises"][0].as_str().unwrap()
        ))
        .await;
    let region: Value = own_region.json().await.unwrap();
    let expected = if region["identity"]["region_code"]
        .as_str()
        .unwrap()
        .starts_with("350521101")
    {
        200
    } else {
        403
    };
    assert_eq!(
        town.get(&path).await.status().as_u16(),
        expected,
        "town staff: only inside their town"
    );
    assert_eq!(
        app.login("discipline").await.get(&path).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        app.login("bank").await.get(&path).await.status(),
        StatusCode::FORBIDDEN
    );
    // Login entries are about users: not for enterprises.
    assert_eq!(
        firm.get("/api/v1/audit/entries/0").await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.anonymous()
            .get(app.url(&path))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        firm.get("/api/v1/audit/entries/999999").await.status(),
        StatusCode::NOT_FOUND
    );
    // The largest index there is once crashed the handler computing the one after it.
    assert_eq!(
        firm.get(&format!("/api/v1/audit/entries/{}", i64::MAX))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
}

/// Runs raw SQL against the test database, as an intruder with database access would.
async fn tamper(app: &TestApp, sql: &str) {
    let mut conn = app.app.db.conn().await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
        .execute(&mut *conn)
        .await
        .unwrap();
}

async fn verified(app: &TestApp) -> Result<audit_log::Verified, Tampering> {
    audit_log::verify(&app.app).await.unwrap()
}

#[tokio::test]
async fn an_intact_log_verifies() {
    let app = TestApp::spawn().await;
    signed_checkpoint(&app).await;
    touch_profile(&app, "13700000005").await;
    signed_checkpoint(&app).await;
    let report = verified(&app).await.expect("intact");
    assert_eq!(report.checkpoints, 2);
    assert_eq!(report.entries as i64, app.audit_count().await);
}

#[tokio::test]
async fn an_altered_entry_is_named() {
    let app = TestApp::spawn().await;
    signed_checkpoint(&app).await;
    tamper(&app, "UPDATE audit_entry SET entry = REPLACE(entry, '\"action\":\"', '\"action\":\"x') WHERE seq = 3").await;
    assert_eq!(verified(&app).await, Err(Tampering::Altered(3)));
}

#[tokio::test]
async fn a_removed_entry_is_named() {
    let app = TestApp::spawn().await;
    signed_checkpoint(&app).await;
    tamper(&app, "DELETE FROM audit_entry WHERE seq = 5").await;
    assert_eq!(verified(&app).await, Err(Tampering::Missing(5)));
    // Removing the newest entries is caught by the checkpoint that covered them.
    let app = TestApp::spawn().await;
    let cp = signed_checkpoint(&app).await;
    tamper(
        &app,
        &format!("DELETE FROM audit_entry WHERE seq = {}", cp.size - 1),
    )
    .await;
    assert_eq!(verified(&app).await, Err(Tampering::Missing(cp.size - 1)));
}

#[tokio::test]
async fn reordered_entries_are_named() {
    let app = TestApp::spawn().await;
    signed_checkpoint(&app).await;
    tamper(&app, "UPDATE audit_entry SET seq = -1 WHERE seq = 2").await;
    tamper(&app, "UPDATE audit_entry SET seq = 2 WHERE seq = 4").await;
    tamper(&app, "UPDATE audit_entry SET seq = 4 WHERE seq = -1").await;
    assert_eq!(verified(&app).await, Err(Tampering::Altered(2)));
}

#[tokio::test]
async fn rewriting_an_entry_and_its_hashes_is_caught_by_the_signed_root() {
    let app = TestApp::spawn().await;
    signed_checkpoint(&app).await;
    tamper(&app, "DELETE FROM audit_hash").await;
    tamper(&app, "UPDATE audit_entry SET entry = REPLACE(entry, '\"action\":\"', '\"action\":\"x') WHERE seq = 3").await;
    assert!(matches!(
        verified(&app).await,
        Err(Tampering::RootMismatch(_))
    ));
}

#[tokio::test]
async fn a_forged_checkpoint_fails_its_signature() {
    let app = TestApp::spawn().await;
    let cp = signed_checkpoint(&app).await;
    let forged_root = B64.encode([9u8; 32]);
    tamper(&app, &format!(
        "UPDATE audit_checkpoint SET note = REPLACE(note, '{}', '{forged_root}') WHERE size = {}",
        B64.encode(cp.root), cp.size
    ))
    .await;
    assert_eq!(verified(&app).await, Err(Tampering::BadSignature(cp.size)));
}

#[tokio::test]
async fn the_log_never_signs_a_tree_inconsistent_with_its_last_checkpoint() {
    let app = TestApp::spawn().await;
    let before = signed_checkpoint(&app).await;
    // Someone rewrites the stored tree hashes; the next tree would no longer extend the signed one.
    tamper(
        &app,
        "UPDATE audit_hash SET hash = (SELECT hash FROM audit_hash WHERE idx = 0) WHERE idx > 0",
    )
    .await;
    touch_profile(&app, "13700000006").await;
    assert!(audit_log::checkpoint(&app.app).await.is_err());
    let note = text(&app, "/api/v1/audit/checkpoint").await;
    let vkey = text(&app, "/api/v1/audit/verifier").await;
    assert_eq!(
        open_checkpoint(&note, &vkey).unwrap().size,
        before.size,
        "no new checkpoint"
    );
}

/// The trail names every action in words: none of the codes the platform records reaches
/// the page.
#[tokio::test]
async fn every_action_the_demo_district_records_has_a_name_people_read() {
    let app = TestApp::spawn().await;
    let mut conn = app.app.db.conn().await.unwrap();
    let actions: Vec<String> = sqlx::query("SELECT DISTINCT action FROM audit_entry")
        .fetch_all(&mut *conn)
        .await
        .unwrap()
        .iter()
        .map(|row| sqlx::Row::try_get(row, "action").unwrap())
        .collect();
    assert!(actions.len() > 20, "{actions:?}");
    let unnamed: Vec<&String> = actions
        .iter()
        .filter(|a| app.app.action_label(a).is_none())
        .collect();
    assert!(unnamed.is_empty(), "actions without a name: {unnamed:?}");
}

#[tokio::test]
async fn the_trace_page_shows_the_history_to_those_entitled_to_it() {
    let app = TestApp::spawn().await;
    touch_profile(&app, "13700000007").await;
    let firm = app.login("enterprise").await;
    let code = firm.first_enterprise();
    let path = format!("/trace/enterprise/{code}");
    let page = app.login("discipline").await.get(&path).await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    for expected in [
        "批量导入企业数据",
        "修改企业画像",
        "联系电话",
        "→ 13700000007",
        "陈企业(企业用户)",
    ] {
        assert!(
            html.contains(expected),
            "{expected} missing from the trace page"
        );
    }
    assert_eq!(
        firm.get(&path).await.status(),
        StatusCode::OK,
        "an enterprise sees its own history"
    );
    assert_eq!(
        app.login("bank").await.get(&path).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.login("town").await.get("/trace/user/1").await.status(),
        StatusCode::FORBIDDEN
    );
}
