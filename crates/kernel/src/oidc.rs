//! Single sign-on: the second identity provider beside passwords, an OpenID Connect provider
//! (the provincial unified identity service) reached with the authorization code flow and PKCE.
//!
//! Each sign-in discovers the provider afresh (`/.well-known/openid-configuration` and its keys),
//! so rotated signing keys are picked up without a restart. The state, the PKCE verifier and the
//! nonce are kept in the database, not in the browser, so any server process can finish a sign-in
//! another one started; the browser only carries the state in a cookie, which binds the answer to
//! the browser that asked. The ID token's signature, issuer, audience, expiry and nonce are checked
//! by `openidconnect`.
//!
//! A subject signs in only through a confirmed link to an account. A first sign-in proposes a link
//! when a verified claim names exactly one account (a verified phone number, or the unified social
//! credit code of the enterprise whose person signs in), and the link is confirmed by the account's
//! owner with their password, or by an administrator — never silently. Every step is audited.

use crate::audit::{self, Change};
use crate::auth::{self, IdentityProvider, PasswordCredentials, PasswordProvider};
use crate::store::oidc::{self as store, Attempt, Link, Proposal};
use crate::store::{StoreError, users};
use crate::{App, AppError, AppResult, Principal, RequestMeta};
use chrono::{DateTime, Duration, Utc};
use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreIdToken, CoreIdTokenVerifier, CoreProviderMetadata,
};
use openidconnect::url;
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointMaybeSet, EndpointNotSet,
    EndpointSet, IssuerUrl, Nonce, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope,
    TokenResponse,
};
use qinqing_domain::CreditCode;
use qinqing_domain::contact::PhoneNumber;
use qinqing_domain::org::Role;
use std::net::IpAddr;

/// How long the provider may take to send the person back.
const ATTEMPT_LIFETIME: Duration = Duration::minutes(10);
/// How long the owner has to confirm a proposed link with their password.
const TICKET_LIFETIME: Duration = Duration::minutes(15);
/// The claim carrying an enterprise's unified social credit code (统一社会信用代码); no standard
/// claim exists for it.
pub const CREDIT_CODE_CLAIM: &str = "unified_social_credit_code";

/// How the platform meets its provider, from `qinqing serve`'s flags.
pub struct OidcSettings {
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    /// This platform's callback as registered with the provider (`…/auth/oidc/callback`).
    pub redirect_url: String,
    /// The text of the login page's button.
    pub label: String,
    /// Allow a plain-http issuer that is not on this machine (never in production).
    pub allow_insecure_http: bool,
}

/// A configured provider. The client secret is held in `openidconnect`'s secret type, whose
/// `Debug` prints no secret.
#[derive(Debug)]
pub struct Oidc {
    issuer: IssuerUrl,
    client_id: ClientId,
    client_secret: ClientSecret,
    redirect: RedirectUrl,
    pub label: String,
    http: reqwest::Client,
}

type DiscoveredClient = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

impl Oidc {
    pub fn new(settings: OidcSettings) -> anyhow::Result<Self> {
        let issuer = IssuerUrl::new(settings.issuer)
            .map_err(|e| anyhow::anyhow!("--oidc-issuer is not a URL: {e}"))?;
        check_transport(issuer.url(), settings.allow_insecure_http)?;
        let redirect = RedirectUrl::new(settings.redirect_url)
            .map_err(|e| anyhow::anyhow!("--oidc-redirect-url is not a URL: {e}"))?;
        anyhow::ensure!(
            !settings.client_id.trim().is_empty(),
            "--oidc-client-id is empty"
        );
        let http = reqwest::Client::builder()
            // Following redirects would let the provider's answers point the server anywhere.
            .redirect(reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(10))
            .build()?;
        Ok(Oidc {
            issuer,
            client_id: ClientId::new(settings.client_id),
            client_secret: ClientSecret::new(settings.client_secret),
            redirect,
            label: settings.label,
            http,
        })
    }

    pub fn issuer(&self) -> &str {
        self.issuer.as_str()
    }

    async fn client(&self) -> AppResult<DiscoveredClient> {
        let metadata = CoreProviderMetadata::discover_async(self.issuer.clone(), &self.http)
            .await
            .map_err(|e| unreachable_provider("discovery", &e))?;
        Ok(CoreClient::from_provider_metadata(
            metadata,
            self.client_id.clone(),
            Some(self.client_secret.clone()),
        )
        .set_redirect_uri(self.redirect.clone()))
    }
}

/// An issuer is reached over https; plain http only on this machine (the test suite's provider)
/// or when explicitly allowed.
fn check_transport(url: &url::Url, allow_insecure_http: bool) -> anyhow::Result<()> {
    match url.scheme() {
        "https" => Ok(()),
        "http" if allow_insecure_http || is_loopback(url) => Ok(()),
        "http" => anyhow::bail!(
            "the OIDC issuer {url} is plain http: use https, or --oidc-allow-insecure-http for a test provider"
        ),
        other => anyhow::bail!("the OIDC issuer must be https, not {other}"),
    }
}

fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d == "localhost",
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

/// The provider could not be asked: logged for the operator, "busy, try again" for the person.
fn unreachable_provider(step: &str, e: &dyn std::fmt::Display) -> AppError {
    tracing::warn!(step, error = %e, "the OIDC provider did not answer");
    AppError::Busy
}

/// A sign-in on its way to the provider.
pub struct Started {
    /// Where to send the browser.
    pub authorize_url: String,
    /// The state, for the browser's cookie.
    pub state: String,
}

/// Starts a sign-in: PKCE (S256) challenge, state and nonce; the verifier and nonce stay here.
pub async fn start(app: &App, oidc: &Oidc, next: &str) -> AppResult<Started> {
    let client = oidc.client().await?;
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, state, nonce) = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("phone".to_string()))
        .add_scope(Scope::new("profile".to_string()))
        .set_pkce_challenge(challenge)
        .url();
    let attempt = Attempt {
        pkce_verifier: verifier.secret().clone(),
        nonce: nonce.secret().clone(),
        next_path: next.to_string(),
        expires_at: app.now() + ATTEMPT_LIFETIME,
    };
    let mut conn = app.db.conn().await?;
    store::delete_expired_attempts(&mut conn, app.now()).await?;
    store::insert_attempt(&mut conn, &hash(state.secret()), &attempt).await?;
    Ok(Started {
        authorize_url: url.to_string(),
        state: state.secret().clone(),
    })
}

/// The provider's answer as it reached the callback.
pub struct Callback {
    pub code: Option<String>,
    pub state: Option<String>,
    /// The provider's refusal (`access_denied` when the person cancelled).
    pub error: Option<String>,
    /// The issuer of the answer (RFC 9207), when the provider names it.
    pub iss: Option<String>,
    /// The state this browser was given when it started (its cookie).
    pub browser_state: Option<String>,
}

/// What a finished sign-in leads to.
pub enum Finished {
    /// A confirmed link: this account signs in.
    SignedIn { user_id: i64, next: String },
    /// A verified claim names an account; its owner confirms the link with their password (or
    /// an administrator confirms it).
    ConfirmLink(PendingConfirmation),
}

pub struct PendingConfirmation {
    /// The one-time ticket of the confirmation form.
    pub ticket: String,
    pub next: String,
    pub display_name: String,
    pub matched_by: MatchedBy,
    /// The verified claim's value as shown to its owner (a masked phone, a credit code).
    pub shown_claim: String,
}

/// The verified claim that proposed a link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchedBy {
    PhoneNumber,
    CreditCode,
}

impl MatchedBy {
    pub fn as_str(self) -> &'static str {
        match self {
            MatchedBy::PhoneNumber => "phone_number",
            MatchedBy::CreditCode => "credit_code",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [MatchedBy::PhoneNumber, MatchedBy::CreditCode]
            .into_iter()
            .find(|m| m.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            MatchedBy::PhoneNumber => "已核验的手机号",
            MatchedBy::CreditCode => "统一社会信用代码",
        }
    }
}

fn stale_state() -> AppError {
    AppError::invalid(
        "state",
        "这次统一身份认证登录已失效或不是从本浏览器发起的,请回到登录页重新点击统一身份认证登录",
    )
}

fn unverified_answer(reason: &dyn std::fmt::Display) -> AppError {
    tracing::warn!(reason = %reason, "an OIDC answer failed verification");
    AppError::forbidden("统一身份认证的答复未通过核验,未能登录。请重新登录,或使用用户名和密码登录")
}

/// Finishes a sign-in: the state checked against this browser's and used once, the code
/// exchanged with the PKCE verifier, the ID token verified; then the subject's link decides.
pub async fn finish(
    app: &App,
    oidc: &Oidc,
    callback: Callback,
    meta: &RequestMeta,
) -> AppResult<Finished> {
    let state = callback.state.unwrap_or_default();
    let browser_state = callback.browser_state.unwrap_or_default();
    if state.is_empty() || !auth::csrf_matches(&browser_state, &state) {
        return Err(stale_state());
    }
    let attempt = {
        let mut conn = app.db.conn().await?;
        store::take_attempt(&mut conn, &hash(&state)).await?
    };
    let attempt = attempt
        .filter(|a| a.expires_at > app.now())
        .ok_or_else(stale_state)?;
    // An answer naming another issuer was meant for another provider (a mix-up attack).
    if callback
        .iss
        .as_deref()
        .is_some_and(|iss| iss != oidc.issuer())
    {
        return Err(unverified_answer(&"the answer names another issuer"));
    }
    if callback.error.is_some() {
        return Err(AppError::invalid(
            "code",
            "统一身份认证没有完成登录(已取消或被拒绝)",
        ));
    }
    let code = callback
        .code
        .filter(|c| !c.is_empty())
        .ok_or_else(|| AppError::invalid("code", "统一身份认证的答复缺少授权码"))?;
    let identity = verified_identity(oidc, code, attempt.pkce_verifier, attempt.nonce).await?;
    sign_in_or_propose(app, oidc, identity, attempt.next_path, meta).await
}

/// Who the provider vouches for, from a verified ID token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedIdentity {
    pub subject: String,
    /// Present only when the provider says it verified the number.
    pub phone: Option<PhoneNumber>,
    pub credit_code: Option<CreditCode>,
}

async fn verified_identity(
    oidc: &Oidc,
    code: String,
    verifier: String,
    nonce: String,
) -> AppResult<VerifiedIdentity> {
    let client = oidc.client().await?;
    let token = client
        .exchange_code(AuthorizationCode::new(code))
        .map_err(|e| unreachable_provider("token endpoint", &e))?
        .set_pkce_verifier(PkceCodeVerifier::new(verifier))
        .request_async(&oidc.http)
        .await
        .map_err(|e| unverified_answer(&e))?;
    let id_token = token
        .id_token()
        .ok_or_else(|| unverified_answer(&"no ID token"))?;
    identity_from(id_token, &client.id_token_verifier(), &Nonce::new(nonce))
}

/// Checks an ID token (signature, issuer, audience, expiry, nonce) and reads who it vouches for.
fn identity_from(
    id_token: &CoreIdToken,
    verifier: &CoreIdTokenVerifier<'_>,
    nonce: &Nonce,
) -> AppResult<VerifiedIdentity> {
    let claims = id_token
        .claims(verifier, nonce)
        .map_err(|e| unverified_answer(&e))?;
    let verified_phone = claims.phone_number_verified() == Some(true);
    let phone = claims
        .phone_number()
        .filter(|_| verified_phone)
        .and_then(|p| PhoneNumber::parse(p.as_str()).ok());
    // The signature covers the whole payload, so a claim the library has no field for is as
    // verified as the ones it has.
    let credit_code = payload_claim(&id_token.to_string(), CREDIT_CODE_CLAIM)
        .and_then(|c| CreditCode::parse(&c).ok());
    Ok(VerifiedIdentity {
        subject: claims.subject().as_str().to_string(),
        phone,
        credit_code,
    })
}

/// A string claim of a (verified) compact JWT's payload.
fn payload_claim(jwt: &str, name: &str) -> Option<String> {
    use base64::Engine;
    let payload = jwt.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .ok()?;
    let json: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    json.get(name)?.as_str().map(str::to_string)
}

async fn sign_in_or_propose(
    app: &App,
    oidc: &Oidc,
    identity: VerifiedIdentity,
    next: String,
    meta: &RequestMeta,
) -> AppResult<Finished> {
    let mut conn = app.db.conn().await?;
    let link = store::find_link(&mut conn, oidc.issuer(), &identity.subject).await?;
    if let Some(link) = link.filter(|l| l.confirmed_at.is_some()) {
        drop(conn);
        let user_id = sign_in_linked(app, &link, meta).await?;
        return Ok(Finished::SignedIn { user_id, next });
    }
    let (user_id, matched_by, shown_claim) = match candidate(&mut conn, &identity).await? {
        Some(found) => found,
        None => {
            return Err(AppError::forbidden(
                "您的统一身份认证账户还没有关联本平台的账户,统一身份认证也没有提供能对应到某个账户的已核验手机号或统一社会信用代码。请用用户名和密码登录,或联系平台管理员",
            ));
        }
    };
    let user = users::get(&mut conn, user_id)
        .await?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("candidate account vanished")))?;
    drop(conn);
    let ticket = auth::anonymous_csrf_token();
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let proposal = Proposal {
        issuer: oidc.issuer(),
        subject: &identity.subject,
        user_id,
        matched_by: matched_by.as_str(),
        ticket_hash: &hash(&ticket),
        ticket_expires: now + TICKET_LIFETIME,
    };
    store::propose(&mut tx, &proposal, now).await?;
    let detail = serde_json::json!({ "issuer": oidc.issuer(), "matched_by": matched_by.as_str() });
    audit::record(
        &mut tx,
        &auth::principal_for_audit(&user),
        meta,
        user_change("auth.oidc_link_proposed", user_id, detail),
        now,
    )
    .await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(Finished::ConfirmLink(PendingConfirmation {
        ticket,
        next,
        display_name: user.display_name,
        matched_by,
        shown_claim,
    }))
}

/// The one enabled account a verified claim names: the phone first, then the credit code of
/// an enterprise with one person of its own. Two accounts with one number name nobody.
async fn candidate(
    conn: &mut crate::store::Conn,
    identity: &VerifiedIdentity,
) -> AppResult<Option<(i64, MatchedBy, String)>> {
    if let Some(phone) = &identity.phone {
        let holders: Vec<i64> = store::enabled_users_with_phone(conn)
            .await?
            .into_iter()
            .filter(|(_, stored)| PhoneNumber::parse(stored).is_ok_and(|p| &p == phone))
            .map(|(id, _)| id)
            .collect();
        if let [only] = holders[..] {
            return Ok(Some((only, MatchedBy::PhoneNumber, phone.masked())));
        }
    }
    if let Some(code) = &identity.credit_code {
        let members = store::enabled_members_of_enterprise(conn, code.as_str()).await?;
        if let [only] = members[..] {
            return Ok(Some((
                only,
                MatchedBy::CreditCode,
                code.as_str().to_string(),
            )));
        }
    }
    Ok(None)
}

/// A linked subject signs in, unless its account was switched off.
async fn sign_in_linked(app: &App, link: &Link, meta: &RequestMeta) -> AppResult<i64> {
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let user = users::get(&mut tx, link.user_id)
        .await?
        .filter(|u| !u.disabled)
        .ok_or_else(|| {
            AppError::forbidden("关联的账户已停用,不能登录。如有疑问请联系平台管理员")
        })?;
    let detail = serde_json::json!({ "provider": "oidc", "issuer": link.issuer });
    audit::record(
        &mut tx,
        &auth::principal_for_audit(&user),
        meta,
        user_change("auth.login", user.id, detail),
        now,
    )
    .await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(user.id)
}

/// The owner confirms a proposed link with their password: the same password check, limits and
/// audit as a login, then the link is confirmed and the account signs in.
pub async fn confirm_with_password(
    app: &App,
    ticket: &str,
    password: String,
    address: Option<IpAddr>,
    meta: &RequestMeta,
) -> AppResult<i64> {
    let (link, user) = {
        let mut conn = app.db.conn().await?;
        let link = store::find_by_ticket(&mut conn, &hash(ticket))
            .await?
            .filter(|l| l.ticket_expires.is_some_and(|t| t > app.now()))
            .ok_or_else(stale_ticket)?;
        let user = users::get(&mut conn, link.user_id)
            .await?
            .ok_or_else(stale_ticket)?;
        (link, user)
    };
    let credentials = PasswordCredentials {
        username: user.username.clone(),
        password,
        address,
    };
    let user_id = PasswordProvider
        .authenticate(app, credentials, meta)
        .await?;
    confirm_link(app, &auth::principal_for_audit(&user), &link, "owner", meta).await?;
    Ok(user_id)
}

fn stale_ticket() -> AppError {
    AppError::invalid(
        "ticket",
        "确认关联的页面已过期,请回到登录页重新使用统一身份认证登录",
    )
}

async fn confirm_link(
    app: &App,
    who: &Principal,
    link: &Link,
    confirmed_as: &str,
    meta: &RequestMeta,
) -> AppResult<()> {
    let now = app.now();
    let mut tx = app.db.begin().await?;
    if !store::confirm(&mut tx, link.id, who.user_id, now).await? {
        return Err(AppError::Conflict {
            field: None,
            message: "这项关联已经确认或已被解除".to_string(),
        });
    }
    let detail = serde_json::json!({
        "issuer": link.issuer,
        "matched_by": link.matched_by,
        "confirmed_by": confirmed_as,
    });
    audit::record(
        &mut tx,
        who,
        meta,
        user_change("auth.oidc_linked", link.user_id, detail),
        now,
    )
    .await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(())
}

/// A link as shown to the administrator or to the account's owner.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct LinkView {
    pub id: i64,
    pub user_id: i64,
    pub display_name: String,
    pub issuer: String,
    /// phone_number or credit_code.
    pub matched_by: String,
    pub matched_by_label: String,
    pub confirmed: bool,
    pub created_at: DateTime<Utc>,
    pub confirmed_at: Option<DateTime<Utc>>,
}

async fn view(conn: &mut crate::store::Conn, link: Link) -> AppResult<LinkView> {
    let display_name = users::get(conn, link.user_id)
        .await?
        .map(|u| u.display_name)
        .unwrap_or_default();
    Ok(LinkView {
        id: link.id,
        user_id: link.user_id,
        display_name,
        issuer: link.issuer,
        matched_by_label: MatchedBy::parse(&link.matched_by)
            .map_or("", MatchedBy::label_zh)
            .to_string(),
        matched_by: link.matched_by,
        confirmed: link.confirmed_at.is_some(),
        created_at: link.created_at,
        confirmed_at: link.confirmed_at,
    })
}

fn require_admin(who: &Principal) -> AppResult<()> {
    if who.role == Role::Admin {
        Ok(())
    } else {
        Err(AppError::forbidden(
            "只有平台管理员可以管理统一身份认证关联",
        ))
    }
}

/// Every link and proposal, for the administrator.
pub async fn list_all(app: &App, who: &Principal) -> AppResult<Vec<LinkView>> {
    require_admin(who)?;
    let mut conn = app.db.conn().await?;
    let mut views = Vec::new();
    for link in store::list_links(&mut conn).await? {
        views.push(view(&mut conn, link).await?);
    }
    Ok(views)
}

/// The caller's own links.
pub async fn list_own(app: &App, who: &Principal) -> AppResult<Vec<LinkView>> {
    let mut conn = app.db.conn().await?;
    let mut views = Vec::new();
    for link in store::links_of_user(&mut conn, who.user_id).await? {
        if link.confirmed_at.is_some() {
            views.push(view(&mut conn, link).await?);
        }
    }
    Ok(views)
}

/// A link the caller may act on: any for the administrator, their own for anyone else; others'
/// links are not found, as if they did not exist.
async fn reachable_link(app: &App, who: &Principal, id: i64) -> AppResult<Link> {
    let mut conn = app.db.conn().await?;
    store::get_link(&mut conn, id)
        .await?
        .filter(|l| who.role == Role::Admin || l.user_id == who.user_id)
        .ok_or_else(|| AppError::NotFound("没有这项统一身份认证关联".to_string()))
}

/// The administrator confirms a proposed link (after checking with its owner by other means).
pub async fn confirm_by_admin(
    app: &App,
    who: &Principal,
    id: i64,
    meta: &RequestMeta,
) -> AppResult<()> {
    require_admin(who)?;
    let link = reachable_link(app, who, id).await?;
    confirm_link(app, who, &link, "administrator", meta).await
}

/// The administrator or the account's owner removes a link (or a proposal).
pub async fn unlink(app: &App, who: &Principal, id: i64, meta: &RequestMeta) -> AppResult<()> {
    let link = reachable_link(app, who, id).await?;
    let now = app.now();
    let mut tx = app.db.begin().await?;
    if !store::delete_link(&mut tx, link.id).await? {
        return Err(AppError::NotFound("没有这项统一身份认证关联".to_string()));
    }
    let detail = serde_json::json!({ "issuer": link.issuer, "matched_by": link.matched_by });
    audit::record(
        &mut tx,
        who,
        meta,
        user_change("auth.oidc_unlinked", link.user_id, detail),
        now,
    )
    .await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(())
}

fn user_change(action: &'static str, user_id: i64, detail: serde_json::Value) -> Change<'static> {
    Change {
        action,
        object_type: "user",
        object_id: user_id.to_string(),
        on_behalf_of: None,
        detail,
    }
}

fn hash(secret: &str) -> String {
    crate::digest::sha256_hex(secret)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> url::Url {
        url::Url::parse(s).unwrap()
    }

    #[test]
    fn issuers_are_https_except_on_this_machine_or_when_allowed() {
        assert!(check_transport(&url("https://sso.example.gov.cn/oidc"), false).is_ok());
        assert!(check_transport(&url("http://127.0.0.1:9000"), false).is_ok());
        assert!(check_transport(&url("http://localhost:9000"), false).is_ok());
        assert!(check_transport(&url("http://[::1]:9000"), false).is_ok());
        assert!(check_transport(&url("http://sso.example.gov.cn"), false).is_err());
        assert!(check_transport(&url("http://sso.example.gov.cn"), true).is_ok());
        assert!(check_transport(&url("ftp://sso.example.gov.cn"), true).is_err());
    }

    #[test]
    fn a_payload_claim_is_read_from_the_token() {
        use base64::Engine;
        let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(br#"{"sub":"a","unified_social_credit_code":"91350521MA2Y0X1234"}"#);
        let jwt = format!("eyJhbGciOiJSUzI1NiJ9.{payload}.c2ln");
        assert_eq!(
            payload_claim(&jwt, CREDIT_CODE_CLAIM).as_deref(),
            Some("91350521MA2Y0X1234")
        );
        assert_eq!(payload_claim(&jwt, "phone_number"), None);
        assert_eq!(payload_claim("not a token", CREDIT_CODE_CLAIM), None);
    }

    mod id_tokens {
        use super::super::*;
        use openidconnect::core::{CoreHmacKey, CoreIdTokenClaims, CoreJwsSigningAlgorithm};
        use openidconnect::{
            Audience, EmptyAdditionalClaims, EndUserPhoneNumber, JsonWebKeySet, StandardClaims,
            SubjectIdentifier,
        };

        const SECRET: &str = "shared-test-secret-of-the-client";
        const ISSUER: &str = "https://sso.example.gov.cn";

        struct Token {
            issuer: &'static str,
            audience: &'static str,
            expires_in: Duration,
            nonce: &'static str,
            phone_verified: Option<bool>,
        }

        const GOOD: Token = Token {
            issuer: ISSUER,
            audience: "qinqing",
            expires_in: Duration::minutes(5),
            nonce: "the-nonce",
            phone_verified: Some(true),
        };

        /// An ID token signed with the client secret (HS256), so a test needs no key pair.
        fn signed(t: Token) -> CoreIdToken {
            let now = Utc::now();
            let standard = StandardClaims::new(SubjectIdentifier::new("sub-1".to_string()))
                .set_phone_number(Some(EndUserPhoneNumber::new(
                    "+86 139 1234 0001".to_string(),
                )))
                .set_phone_number_verified(t.phone_verified);
            let claims = CoreIdTokenClaims::new(
                IssuerUrl::new(t.issuer.to_string()).unwrap(),
                vec![Audience::new(t.audience.to_string())],
                now + t.expires_in,
                now - Duration::minutes(1),
                standard,
                EmptyAdditionalClaims {},
            )
            .set_nonce(Some(Nonce::new(t.nonce.to_string())));
            CoreIdToken::new(
                claims,
                &CoreHmacKey::new(SECRET.as_bytes()),
                CoreJwsSigningAlgorithm::HmacSha256,
                None,
                None,
            )
            .unwrap()
        }

        fn verify(token: Token) -> AppResult<VerifiedIdentity> {
            let verifier = CoreIdTokenVerifier::new_confidential_client(
                ClientId::new("qinqing".to_string()),
                ClientSecret::new(SECRET.to_string()),
                IssuerUrl::new(ISSUER.to_string()).unwrap(),
                JsonWebKeySet::default(),
            )
            .set_allowed_algs(vec![CoreJwsSigningAlgorithm::HmacSha256]);
            identity_from(
                &signed(token),
                &verifier,
                &Nonce::new("the-nonce".to_string()),
            )
        }

        #[test]
        fn a_good_token_vouches_for_its_subject_and_verified_phone() {
            let identity = verify(GOOD).unwrap();
            assert_eq!(identity.subject, "sub-1");
            assert_eq!(identity.phone.unwrap().as_str(), "13912340001");
        }

        #[test]
        fn an_unverified_phone_is_not_used() {
            for verified in [Some(false), None] {
                let identity = verify(Token {
                    phone_verified: verified,
                    ..GOOD
                })
                .unwrap();
                assert_eq!(identity.phone, None);
            }
        }

        #[test]
        fn wrong_issuer_audience_nonce_or_an_expired_token_are_refused() {
            let refused = |t: Token| matches!(verify(t), Err(AppError::Forbidden(_)));
            assert!(refused(Token {
                issuer: "https://evil.example.com",
                ..GOOD
            }));
            assert!(refused(Token {
                audience: "another-client",
                ..GOOD
            }));
            assert!(refused(Token {
                nonce: "replayed-nonce",
                ..GOOD
            }));
            assert!(refused(Token {
                expires_in: Duration::minutes(-5),
                ..GOOD
            }));
        }

        #[test]
        fn a_token_signed_with_another_key_is_refused() {
            let verifier = CoreIdTokenVerifier::new_confidential_client(
                ClientId::new("qinqing".to_string()),
                ClientSecret::new("another-secret-entirely".to_string()),
                IssuerUrl::new(ISSUER.to_string()).unwrap(),
                JsonWebKeySet::default(),
            )
            .set_allowed_algs(vec![CoreJwsSigningAlgorithm::HmacSha256]);
            let nonce = Nonce::new("the-nonce".to_string());
            assert!(identity_from(&signed(GOOD), &verifier, &nonce).is_err());
        }
    }

    #[test]
    fn the_client_secret_never_shows_in_debug_output() {
        let oidc = Oidc::new(OidcSettings {
            issuer: "http://127.0.0.1:9000".to_string(),
            client_id: "qinqing".to_string(),
            client_secret: "very-secret-value".to_string(),
            redirect_url: "http://127.0.0.1:8080/auth/oidc/callback".to_string(),
            label: "使用统一身份认证登录".to_string(),
            allow_insecure_http: false,
        })
        .unwrap();
        assert!(!format!("{oidc:?}").contains("very-secret-value"));
    }
}
