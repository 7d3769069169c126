//! Single sign-on links over the API: who may confirm and remove them, on both databases. (The
//! flow through a real OpenID provider is the browser journey tests/browser/sso.test.mjs; the ID
//! token checks are unit tests of the kernel's oidc module.)

use crate::helpers::{TestApp, assert_error};
use chrono::{Duration, Utc};
use qinqing_kernel::store::oidc::{self as store, Attempt, Proposal};
use reqwest::StatusCode;
use serde_json::{Value, json};

const ISSUER: &str = "https://sso.example.gov.cn";

/// A link proposed for `username`, as a first sign-in with a verified phone would leave it.
async fn propose(app: &TestApp, username: &str, subject: &str) -> i64 {
    let mut conn = app.app.db.conn().await.unwrap();
    let user = qinqing_kernel::store::users::find_by_username(&mut conn, username)
        .await
        .unwrap()
        .unwrap();
    let proposal = Proposal {
        issuer: ISSUER,
        subject,
        user_id: user.id,
        matched_by: "phone_number",
        ticket_hash: "not-a-real-ticket-hash",
        ticket_expires: Utc::now() + Duration::minutes(15),
    };
    store::propose(&mut conn, &proposal, Utc::now())
        .await
        .unwrap();
    store::find_link(&mut conn, ISSUER, subject)
        .await
        .unwrap()
        .unwrap()
        .id
}

#[tokio::test]
async fn only_the_administrator_confirms_a_proposed_link_and_owners_remove_only_their_own() {
    let app = TestApp::spawn().await;
    let id = propose(&app, "handler", "sub-handler").await;
    let admin = app.login("admin").await;
    let owner = app.login("handler").await;
    let other = app.login("lead").await;

    // Nobody but the administrator lists or confirms; another's link is not even found.
    let res = other.get("/api/v1/admin/oidc-links").await;
    assert_error(res, StatusCode::FORBIDDEN, "forbidden", None).await;
    let res = owner
        .post(
            &format!("/api/v1/admin/oidc-links/{id}/confirm"),
            &json!({}),
        )
        .await;
    assert_error(res, StatusCode::FORBIDDEN, "forbidden", None).await;
    let res = other
        .post(&format!("/api/v1/oidc-links/{id}/unlink"), &json!({}))
        .await;
    assert_error(res, StatusCode::NOT_FOUND, "not_found", None).await;

    // A pending link is not the owner's yet.
    let own: Value = owner
        .get("/api/v1/me/oidc-links")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(own, json!([]));

    let before = app.audit_count().await;
    let res = admin
        .post(
            &format!("/api/v1/admin/oidc-links/{id}/confirm"),
            &json!({}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        app.audit_count().await,
        before + 1,
        "the confirmation is audited"
    );
    let res = admin
        .post(
            &format!("/api/v1/admin/oidc-links/{id}/confirm"),
            &json!({}),
        )
        .await;
    assert_error(res, StatusCode::CONFLICT, "conflict", None).await;
    let all: Value = admin
        .get("/api/v1/admin/oidc-links")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(all[0]["confirmed"], true);
    assert_eq!(all[0]["matched_by"], "phone_number");

    // A later sign-in of the subject cannot re-point a confirmed link at another account.
    propose(&app, "lead", "sub-handler").await;
    let own: Value = owner
        .get("/api/v1/me/oidc-links")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(own[0]["id"], id);

    let res = owner
        .post(&format!("/api/v1/oidc-links/{id}/unlink"), &json!({}))
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        app.audit_count().await,
        before + 2,
        "the removal is audited"
    );
    let res = admin
        .post(&format!("/api/v1/oidc-links/{id}/unlink"), &json!({}))
        .await;
    assert_error(res, StatusCode::NOT_FOUND, "not_found", None).await;
}

#[tokio::test]
async fn a_started_sign_in_is_answered_once() {
    let app = TestApp::spawn().await;
    let mut conn = app.app.db.conn().await.unwrap();
    let attempt = Attempt {
        pkce_verifier: "verifier".to_string(),
        nonce: "nonce".to_string(),
        next_path: "/workbench".to_string(),
        expires_at: Utc::now() + Duration::minutes(10),
    };
    store::insert_attempt(&mut conn, "state-hash", &attempt)
        .await
        .unwrap();
    let taken = store::take_attempt(&mut conn, "state-hash")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (taken.nonce.as_str(), taken.next_path.as_str()),
        ("nonce", "/workbench")
    );
    assert!(
        store::take_attempt(&mut conn, "state-hash")
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn without_a_configured_provider_there_is_no_single_sign_on() {
    let app = TestApp::spawn().await;
    let client = app.anonymous();
    let login = client.get(app.url("/login")).send().await.unwrap();
    assert!(!login.text().await.unwrap().contains("/auth/oidc/start"));
    for path in ["/auth/oidc/start", "/auth/oidc/callback?code=a&state=b"] {
        let res = client.get(app.url(path)).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{path}");
    }
}
