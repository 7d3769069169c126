//! Authentication: identity providers, password login with limits on attempts, sessions and
//! CSRF tokens.
//!
//! An identity provider only answers "which user is this?". Sessions, CSRF and the
//! [`Principal`] are the same whichever provider answered: passwords ([`PasswordProvider`]) or
//! the provincial single sign-on ([`crate::oidc`]), whose confirmed links end in the same
//! [`start_session`].

use crate::audit::{self, Change};
use crate::login_limits::LoginLimits;
use crate::store::{orgs, sessions, users};
use crate::{App, AppError, AppResult, Principal, RequestMeta};
use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use chrono::{DateTime, Duration, Utc};
use qinqing_domain::org::Scope;
use std::net::IpAddr;

/// How long a session lasts without logging in again.
pub const SESSION_LIFETIME: Duration = Duration::hours(12);

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
    /// The client's address, for the limits on attempts (`None` when unknown).
    pub address: Option<IpAddr>,
}

/// Username and password, hashed with argon2id. Attempts are limited per address and per
/// account and address ([`LoginLimits`]) before any hashing, and the password is checked outside
/// any transaction: only the outcome is written, briefly.
pub struct PasswordProvider;

impl IdentityProvider for PasswordProvider {
    type Credentials = PasswordCredentials;

    async fn authenticate(
        &self,
        app: &App,
        credentials: PasswordCredentials,
        meta: &RequestMeta,
    ) -> AppResult<i64> {
        let limits = app.scene_state::<LoginLimits>();
        limits
            .admit(credentials.address, &credentials.username)
            .map_err(|retry_after_seconds| AppError::Throttled {
                message: throttled_message(retry_after_seconds),
                retry_after_seconds,
            })?;
        let user = {
            let mut conn = app.db.conn().await?;
            users::find_by_username(&mut conn, credentials.username.trim()).await?
        };
        let user = user.filter(|u| !u.disabled);
        // Unknown users are checked against a real hash too, so the time taken does not reveal
        // which names exist.
        let hash = user
            .as_ref()
            .map_or_else(|| DUMMY_HASH.clone(), |u| u.password_hash.clone());
        let verified = verify_off_thread(hash, credentials.password).await?;
        match user {
            Some(user) if verified => {
                record_login(app, &user, meta).await?;
                Ok(user.id)
            }
            Some(user) => {
                record_failed_login(app, &user, meta).await?;
                Err(bad_credentials())
            }
            None => Err(bad_credentials()),
        }
    }
}

/// Checks a password on the blocking pool: argon2 takes tens of milliseconds of CPU, which
/// would otherwise stall the request threads.
async fn verify_off_thread(hash: String, password: String) -> AppResult<bool> {
    tokio::task::spawn_blocking(move || verify_password(&hash, &password))
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("checking a password: {e}")))
}

/// Hashes a new password on the blocking pool, like [`verify_off_thread`].
async fn hash_off_thread(password: String) -> AppResult<String> {
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("hashing a password: {e}")))?
}

/// A successful login: the failure count is cleared and the login audited, in one short write.
async fn record_login(app: &App, user: &users::User, meta: &RequestMeta) -> AppResult<()> {
    let now = app.now();
    let mut tx = app.db.begin().await?;
    users::clear_failed_logins(&mut tx, user.id).await?;
    let who = principal_for_audit(user);
    let detail = serde_json::json!({});
    audit::record(
        &mut tx,
        &who,
        meta,
        change("auth.login", user.id, detail),
        now,
    )
    .await?;
    tx.commit().await.map_err(crate::store::StoreError::from)?;
    Ok(())
}

/// A wrong password for a real account: counted and audited, in one short write. The account
/// is never locked: the limits on attempts keep a guesser out without keeping its owner out.
async fn record_failed_login(app: &App, user: &users::User, meta: &RequestMeta) -> AppResult<()> {
    let now = app.now();
    let failures = user.failed_logins + 1;
    let mut tx = app.db.begin().await?;
    users::record_failed_login(&mut tx, user.id, failures, None).await?;
    let who = principal_for_audit(user);
    let detail = serde_json::json!({ "failures": failures });
    let entry = change("auth.login_failed", user.id, detail);
    audit::record(&mut tx, &who, meta, entry, now).await?;
    tx.commit().await.map_err(crate::store::StoreError::from)?;
    Ok(())
}

/// A real argon2id hash, checked when the user does not exist.
static DUMMY_HASH: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| hash_password("no such user 0").unwrap_or_default());

/// The one answer to a wrong password and to an unknown or disabled user alike.
fn bad_credentials() -> AppError {
    AppError::invalid("password", "用户名或密码错误")
}

fn throttled_message(retry_after_seconds: u64) -> String {
    format!("登录尝试过于频繁,请 {retry_after_seconds} 秒后再试")
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
pub(crate) fn principal_for_audit(user: &users::User) -> Principal {
    Principal {
        user_id: user.id,
        username: user.username.clone(),
        display_name: user.display_name.clone(),
        role: user.role,
        org_id: user.org_id,
        org_name: String::new(),
        scope: Scope::Nothing,
        must_change_password: user.must_change_password,
        mandates: Vec::new(),
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

/// The lowest zxcvbn score a password may have: 3 means "safely unguessable: moderate
/// protection from an offline slow-hash scenario" (about 10^8 guesses).
const MIN_STRENGTH: zxcvbn::Score = zxcvbn::Score::Three;

/// A password a person may choose: 8 to 128 characters with letters and digits, not containing
/// the username, and not easy to guess — zxcvbn's estimate, which knows common passwords
/// (`password1`), repeats (`aaaaaaa1`), keyboard runs, dates and the username.
pub fn check_password_strength(password: &str, username: &str) -> AppResult<()> {
    let length = password.chars().count();
    if length > 128 {
        return Err(AppError::invalid("new_password", "密码不能超过 128 个字符"));
    }
    let has_letter = password.chars().any(|c| c.is_alphabetic());
    let has_digit = password.chars().any(|c| c.is_ascii_digit());
    if length < 8 || !(has_letter && has_digit) {
        return Err(AppError::invalid(
            "new_password",
            "密码至少 8 位,且须同时包含字母和数字",
        ));
    }
    let username = username.trim().to_lowercase();
    if username.chars().count() >= 3 && password.to_lowercase().contains(&username) {
        return Err(AppError::invalid("new_password", "密码不能包含用户名"));
    }
    if zxcvbn::zxcvbn(password, &[username.as_str()]).score() < MIN_STRENGTH {
        return Err(AppError::invalid(
            "new_password",
            "密码太容易被猜到(常见密码、重复字符、键盘顺序或日期),请换一个更长、更不规律的密码",
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
    let principal = load_principal(app, &mut conn, session.user_id).await?;
    Ok(principal.map(|p| (p, session.csrf_token)))
}

/// Removes the sessions that have expired; the server runs it in the background.
pub async fn sweep_expired_sessions(app: &App) -> AppResult<u64> {
    app.scene_state::<LoginLimits>().forget_idle();
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
    load_principal(app, &mut conn, user_id).await
}

/// Builds the principal of a user: role, organisation, the scope they give, and the
/// authorisations in force today that let them act for other enterprises.
pub async fn load_principal(
    app: &App,
    conn: &mut crate::store::Conn,
    user_id: i64,
) -> AppResult<Option<Principal>> {
    let Some(user) = users::get(conn, user_id).await?.filter(|u| !u.disabled) else {
        return Ok(None);
    };
    let org = orgs::get(conn, user.org_id).await?.ok_or_else(|| {
        AppError::Internal(anyhow::anyhow!("user {} has no organisation", user.id))
    })?;
    let mut enterprises = users::linked_enterprises(conn, user.id).await?;
    let mandates = crate::authorisations::mandates_of(app, conn, &user).await?;
    for m in &mandates {
        if !enterprises.contains(&m.enterprise) {
            enterprises.push(m.enterprise.clone());
        }
    }
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
        mandates,
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
    check_password_strength(new, &who.username)?;
    if current == new {
        return Err(AppError::invalid(
            "new_password",
            "新密码不能与当前密码相同",
        ));
    }
    // Both argon2 runs (tens of milliseconds each) happen before the write transaction, off the
    // request threads; the write then checks that the password did not change in between.
    let mut conn = app.db.conn().await?;
    let user = users::get(&mut conn, who.user_id)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    drop(conn);
    if !verify_off_thread(user.password_hash.clone(), current.to_string()).await? {
        return Err(AppError::invalid("current_password", "当前密码不正确"));
    }
    let new_hash = hash_off_thread(new.to_string()).await?;
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let unchanged = users::get(&mut tx, user.id)
        .await?
        .is_some_and(|u| u.password_hash == user.password_hash);
    if !unchanged {
        return Err(AppError::Conflict {
            field: Some("current_password".into()),
            message: "密码刚被修改,请重新登录后再试".into(),
        });
    }
    users::set_password(&mut tx, user.id, &new_hash, false, now).await?;
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
    crate::digest::sha256_hex(token)
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
    fn passwords_hash_with_argon2id_and_verify() {
        let hash = hash_password("qinqing2026").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password(&hash, "qinqing2026"));
        assert!(!verify_password(&hash, "qinqing2027"));
        assert!(!verify_password("not a hash", "qinqing2026"));
    }

    #[test]
    fn weak_passwords_are_refused() {
        let weak = |p: &str| check_password_strength(p, "zhangsan").is_err();
        assert!(weak("short1"));
        assert!(weak("onlyletters"));
        assert!(weak("12345678"));
        assert!(weak("password1"));
        assert!(weak("aaaaaaa1"));
        assert!(weak("qwerty123"));
        assert!(weak("Zhangsan2026"));
        let e = check_password_strength("Zhangsan2026", "zhangsan").unwrap_err();
        assert_eq!(e.to_string(), "密码不能包含用户名");
    }

    #[test]
    fn the_passwords_of_the_demo_and_the_tests_are_strong_enough() {
        for p in [
            crate::demo::DEMO_PASSWORD,
            "Start2026ok",
            "Start2026ab",
            "Mine2026pass",
            "Mine2026abc",
            "Temp2026pass",
            "Reset2026zz",
            "Reset2026ab",
            "Register2026qq",
            "Hijack2026x",
            "Zhangban2026ok",
            "Browser2026ok",
            "Setup2026ok",
            "Better2026river",
            "Qiao7-lin-river",
        ] {
            assert!(check_password_strength(p, "someone").is_ok(), "{p}");
        }
    }

    #[test]
    fn csrf_comparison_needs_an_exact_match() {
        assert!(csrf_matches("abc", "abc"));
        assert!(!csrf_matches("abc", "abd"));
        assert!(!csrf_matches("abc", "abcd"));
        assert!(!csrf_matches("abc", ""));
    }
}
