//! Authentication: identity providers, password login with back-off, sessions and CSRF tokens.
//!
//! An [`IdentityProvider`] only answers "which user is this?". Sessions, CSRF and the
//! [`Principal`] are the same whichever provider answered, so an OIDC provider for the provincial
//! single sign-on is one more implementation of the trait, and no handler changes.

use crate::audit::{self, Change};
use crate::store::{orgs, sessions, users};
use crate::{App, AppError, AppResult, Principal, RequestMeta};
use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use chrono::{DateTime, Duration, Utc};
use qinqing_domain::org::Scope;
use sha2::{Digest, Sha256};

/// How long a session lasts without logging in again.
pub const SESSION_LIFETIME: Duration = Duration::hours(12);
/// Failures allowed before the back-off starts.
pub const FREE_ATTEMPTS: i64 = 5;
const MAX_LOCK: Duration = Duration::minutes(30);

/// Answers which user presented these credentials.
pub trait IdentityProvider {
    type Credentials;
    fn authenticate(
        &self,
        app: &App,
        credentials: Self::Credentials,
        meta: &RequestMeta,
    ) -> impl std::future::Future<Output = AppResult<i64>> + Send;
}

pub struct PasswordCredentials {
    pub username: String,
    pub password: String,
}

/// Username and password, hashed with argon2id; repeated failures lock the account for a
/// doubling period (1, 2, 4 … up to 30 minutes).
pub struct PasswordProvider;

impl IdentityProvider for PasswordProvider {
    type Credentials = PasswordCredentials;

    async fn authenticate(
        &self,
        app: &App,
        credentials: PasswordCredentials,
        meta: &RequestMeta,
    ) -> AppResult<i64> {
        let now = app.now();
        let mut tx = app.db.begin().await?;
        let user = users::find_by_username(&mut tx, credentials.username.trim()).await?;
        let Some(user) = user.filter(|u| !u.disabled) else {
            // Spend the same time as a real check, so timing does not reveal which names exist.
            let _ = verify_password(&DUMMY_HASH, &credentials.password);
            return Err(bad_credentials());
        };
        if let Some(until) = user.locked_until.filter(|until| *until > now) {
            return Err(AppError::Locked(locked_message(until, now)));
        }
        let who = principal_for_audit(&user);
        if !verify_password(&user.password_hash, &credentials.password) {
            let failures = user.failed_logins + 1;
            let locked_until = lock_after(failures).map(|d| now + d);
            users::record_failed_login(&mut tx, user.id, failures, locked_until).await?;
            let detail = serde_json::json!({ "failures": failures, "locked_until": locked_until });
            audit::record(
                &mut tx,
                &who,
                meta,
                change("auth.login_failed", user.id, detail),
                now,
            )
            .await?;
            tx.commit().await.map_err(crate::store::StoreError::from)?;
            return Err(match locked_until {
                Some(until) => AppError::Locked(locked_message(until, now)),
                None => bad_credentials(),
            });
        }
        users::clear_failed_logins(&mut tx, user.id).await?;
        audit::record(
            &mut tx,
            &who,
            meta,
            change("auth.login", user.id, serde_json::json!({})),
            now,
        )
        .await?;
        tx.commit().await.map_err(crate::store::StoreError::from)?;
        Ok(user.id)
    }
}

/// A real argon2id hash, checked when the user does not exist.
static DUMMY_HASH: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| hash_password("no such user 0").unwrap_or_default());

fn bad_credentials() -> AppError {
    AppError::invalid("password", "用户名或密码错误")
}

fn locked_message(until: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let minutes = ((until - now).num_seconds() + 59) / 60;
    format!("登录失败次数过多,账户已暂时锁定,请 {minutes} 分钟后再试")
}

/// The lock period after `failures` consecutive failures, if any.
pub fn lock_after(failures: i64) -> Option<Duration> {
    let over = failures - FREE_ATTEMPTS;
    if over < 0 {
        return None;
    }
    let minutes = 1i64 << over.min(5);
    Some(Duration::minutes(minutes).min(MAX_LOCK))
}

fn change(action: &'static str, user_id: i64, detail: serde_json::Value) -> Change<'static> {
    Change {
        action,
        object_type: "user",
        object_id: user_id.to_string(),
        on_behalf_of: None,
        detail,
    }
}

/// Just enough of a principal to name the actor of an audit entry before scope is known.
fn principal_for_audit(user: &users::User) -> Principal {
    Principal {
        user_id: user.id,
        username: user.username.clone(),
        display_name: user.display_name.clone(),
        role: user.role,
        org_id: user.org_id,
        org_name: String::new(),
        scope: Scope::Nothing,
        must_change_password: user.must_change_password,
    }
}

pub fn hash_password(password: &str) -> AppResult<String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| AppError::Internal(anyhow::anyhow!("hashing a password: {e}")))
}

fn verify_password(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// At least 8 characters, with both letters and digits; at most 128.
pub fn check_password_strength(password: &str) -> AppResult<()> {
    let long_enough = password.chars().count() >= 8;
    let has_letter = password.chars().any(|c| c.is_alphabetic());
    let has_digit = password.chars().any(|c| c.is_ascii_digit());
    if password.chars().count() > 128 {
        return Err(AppError::invalid("new_password", "密码不能超过 128 个字符"));
    }
    if !(long_enough && has_letter && has_digit) {
        return Err(AppError::invalid(
            "new_password",
            "密码至少 8 位,且须同时包含字母和数字",
        ));
    }
    Ok(())
}

/// A started session: the cookie value (shown once, stored only hashed) and its CSRF token.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub token: String,
    pub csrf_token: String,
    pub expires_at: DateTime<Utc>,
}

pub async fn start_session(app: &App, user_id: i64) -> AppResult<NewSession> {
    let token = random_token();
    let csrf_token = random_token();
    let now = app.now();
    let expires_at = now + SESSION_LIFETIME;
    let mut conn = app.db.conn().await?;
    sessions::insert(
        &mut conn,
        &token_hash(&token),
        user_id,
        &csrf_token,
        now,
        expires_at,
    )
    .await?;
    Ok(NewSession {
        token,
        csrf_token,
        expires_at,
    })
}

/// The principal and CSRF token of a live session; `None` for unknown or expired tokens and
/// for disabled users.
pub async fn resolve_session(app: &App, token: &str) -> AppResult<Option<(Principal, String)>> {
    let mut conn = app.db.conn().await?;
    let Some(session) = sessions::find(&mut conn, &token_hash(token)).await? else {
        return Ok(None);
    };
    if session.expires_at <= app.now() {
        sessions::delete(&mut conn, &token_hash(token)).await?;
        return Ok(None);
    }
    let principal = load_principal(&mut conn, session.user_id).await?;
    Ok(principal.map(|p| (p, session.csrf_token)))
}

/// Removes the sessions that have expired; the server runs it in the background.
pub async fn sweep_expired_sessions(app: &App) -> AppResult<u64> {
    let mut conn = app.db.conn().await?;
    Ok(sessions::delete_expired(&mut conn, app.now()).await?)
}

pub async fn end_session(app: &App, token: &str) -> AppResult<()> {
    let mut conn = app.db.conn().await?;
    sessions::delete(&mut conn, &token_hash(token)).await?;
    Ok(())
}

/// The principal of a user, as a fresh session would carry it.
pub async fn principal_of(app: &App, user_id: i64) -> AppResult<Option<Principal>> {
    let mut conn = app.db.conn().await?;
    load_principal(&mut conn, user_id).await
}

/// Builds the principal of a user: role, organisation and the scope they give.
pub async fn load_principal(
    conn: &mut crate::store::Conn,
    user_id: i64,
) -> AppResult<Option<Principal>> {
    let Some(user) = users::get(conn, user_id).await?.filter(|u| !u.disabled) else {
        return Ok(None);
    };
    let org = orgs::get(conn, user.org_id).await?.ok_or_else(|| {
        AppError::Internal(anyhow::anyhow!("user {} has no organisation", user.id))
    })?;
    let enterprises = users::linked_enterprises(conn, user.id).await?;
    let scope = Scope::of(user.role, org.division_code.as_ref(), enterprises);
    Ok(Some(Principal {
        user_id: user.id,
        username: user.username,
        display_name: user.display_name,
        role: user.role,
        org_id: org.id,
        org_name: org.name,
        scope,
        must_change_password: user.must_change_password,
    }))
}

/// Changes the caller's own password after checking the current one; ends their other sessions.
pub async fn change_password(
    app: &App,
    who: &Principal,
    current: &str,
    new: &str,
    meta: &RequestMeta,
) -> AppResult<()> {
    check_password_strength(new)?;
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let user = users::get(&mut tx, who.user_id)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    if !verify_password(&user.password_hash, current) {
        return Err(AppError::invalid("current_password", "当前密码不正确"));
    }
    if current == new {
        return Err(AppError::invalid(
            "new_password",
            "新密码不能与当前密码相同",
        ));
    }
    users::set_password(&mut tx, user.id, &hash_password(new)?, false, now).await?;
    sessions::delete_for_user(&mut tx, user.id).await?;
    audit::record(
        &mut tx,
        who,
        meta,
        change("auth.password_changed", user.id, serde_json::json!({})),
        now,
    )
    .await?;
    tx.commit().await.map_err(crate::store::StoreError::from)?;
    Ok(())
}

#[allow(
    clippy::expect_used,
    reason = "without the operating system's randomness no session can be made safely"
)]
fn random_token() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the operating system provides randomness");
    hex::encode(bytes)
}

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Compares two CSRF tokens in constant time.
pub fn csrf_matches(expected: &str, presented: &str) -> bool {
    expected.len() == presented.len()
        && expected
            .bytes()
            .zip(presented.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

/// A fresh random token for anonymous forms (login, registration): the double-submit cookie.
pub fn anonymous_csrf_token() -> String {
    random_token()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn back_off_starts_after_the_free_attempts_and_doubles_to_a_cap() {
        assert_eq!(lock_after(4), None);
        assert_eq!(lock_after(5), Some(Duration::minutes(1)));
        assert_eq!(lock_after(6), Some(Duration::minutes(2)));
        assert_eq!(lock_after(8), Some(Duration::minutes(8)));
        assert_eq!(lock_after(10), Some(Duration::minutes(30)));
        assert_eq!(lock_after(1000), Some(Duration::minutes(30)));
    }

    #[test]
    fn passwords_hash_with_argon2id_and_verify() {
        let hash = hash_password("qinqing2026").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password(&hash, "qinqing2026"));
        assert!(!verify_password(&hash, "qinqing2027"));
        assert!(!verify_password("not a hash", "qinqing2026"));
    }

    #[test]
    fn weak_passwords_are_refused() {
        assert!(check_password_strength("short1").is_err());
        assert!(check_password_strength("onlyletters").is_err());
        assert!(check_password_strength("12345678").is_err());
        assert!(check_password_strength("qinqing2026").is_ok());
    }

    #[test]
    fn csrf_comparison_needs_an_exact_match() {
        assert!(csrf_matches("abc", "abc"));
        assert!(!csrf_matches("abc", "abd"));
        assert!(!csrf_matches("abc", "abcd"));
        assert!(!csrf_matches("abc", ""));
    }
}
