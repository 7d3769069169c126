//! 亲情代办: an enterprise's own user authorises a steward assigned to it, or another account
//! (a colleague, an agent), to act for the enterprise on some matters until a date, and may
//! revoke it at any time. The matters are declared by the kernel and the scenes
//! ([`crate::scene::Matter`]); acting is checked in one place, [`check_acting`], which
//! [`crate::audit::record`] calls for every change made on an enterprise's behalf, inside the
//! change's transaction, so a refused act changes nothing.

use crate::audit::{self, Change};
use crate::principal::Mandate;
use crate::scene::Matter;
use crate::store::authorisations::{self as store, NewAuthorisation};
use crate::store::{Conn, StoreError, enterprises, users};
use crate::{App, AppError, AppResult, Principal, RequestMeta};
use chrono::{DateTime, NaiveDate, Utc};
use qinqing_domain::CreditCode;
use qinqing_domain::deadline::local_date;
use qinqing_domain::org::Role;
use serde::{Deserialize, Serialize};

/// The kernel's own matter: keeping the enterprise's profile up to date.
pub const PROFILE_MATTER: Matter = Matter {
    key: "profile",
    label: "维护企业画像(联系方式、资质、经营数据)",
    actions: &["enterprise.profile_updated"],
};

/// The longest an authorisation may run, in days from the day it is given.
const LONGEST_DAYS: i64 = 366;

/// The authorisations in force today for `user`, as mandates over the actions of their matters.
pub async fn mandates_of(
    app: &App,
    conn: &mut Conn,
    user: &users::User,
) -> AppResult<Vec<Mandate>> {
    if !matches!(user.role, Role::Steward | Role::EnterpriseUser) {
        return Ok(Vec::new());
    }
    let matters = app.matters();
    let held = store::in_force_for(conn, user.id, local_date(app.now())).await?;
    Ok(held
        .into_iter()
        .map(|a| Mandate {
            enterprise: a.credit_code,
            actions: matters
                .iter()
                .filter(|m| a.matters.iter().any(|k| k == m.key))
                .flat_map(|m| m.actions.iter().copied())
                .collect(),
        })
        .collect())
}

/// Refuses a change `who` makes for enterprise `code` unless they are its own user or hold an
/// authorisation in force whose matters cover `action`. Staff recording what they did for an
/// enterprise (a hotline request registered for it) are not acting under an authorisation.
pub async fn check_acting(
    conn: &mut Conn,
    who: &Principal,
    code: &CreditCode,
    action: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    if !crate::principal::acts_for_enterprise(who) || who.is_member_of(code) {
        return Ok(());
    }
    if who.mandates.iter().any(|m| m.covers(code, action)) {
        return Ok(());
    }
    let enterprise = enterprises::get_by_credit_code(conn, code)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("企业 {code} 不存在")))?;
    let latest = store::latest(conn, who.user_id, enterprise.id).await?;
    Err(AppError::forbidden(refusal(
        &enterprise.identity.name,
        latest.as_ref(),
        local_date(now),
    )))
}

/// Why acting for an enterprise is refused, from the latest authorisation it gave the caller.
fn refusal(enterprise: &str, latest: Option<&store::Authorisation>, today: NaiveDate) -> String {
    match latest {
        None => format!("“{enterprise}”尚未授权您代其办理事项,请先由企业在“代办授权”中授权"),
        Some(store::Authorisation {
            revoked_at: Some(at),
            ..
        }) => {
            let at = crate::notifications::beijing_minutes(*at);
            format!("“{enterprise}”已于 {at} 撤销对您的代办授权,您不能再代其办理")
        }
        Some(a) if a.valid_until < today => format!(
            "“{enterprise}”对您的代办授权已于 {} 到期,您不能再代其办理;如需继续代办,请企业重新授权",
            a.valid_until
        ),
        Some(_) => format!("“{enterprise}”给您的代办授权不包括这类事项,您不能代其办理"),
    }
}

/// One matter as a page or the API shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MatterView {
    pub key: &'static str,
    pub label: &'static str,
}

pub fn matter_views(app: &App) -> Vec<MatterView> {
    app.matters()
        .into_iter()
        .map(|m| MatterView {
            key: m.key,
            label: m.label,
        })
        .collect()
}

/// Where an authorisation stands today.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    InForce,
    Expired,
    Revoked,
}

impl Standing {
    pub fn label_zh(self) -> &'static str {
        match self {
            Standing::InForce => "有效",
            Standing::Expired => "已到期",
            Standing::Revoked => "已撤销",
        }
    }

    fn of(a: &store::Authorisation, today: NaiveDate) -> Standing {
        if a.revoked_at.is_some() {
            Standing::Revoked
        } else if a.valid_until < today {
            Standing::Expired
        } else {
            Standing::InForce
        }
    }
}

/// An authorisation as the enterprise sees it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AuthorisationView {
    pub id: i64,
    pub grantee_id: i64,
    /// The authorised person's name.
    pub grantee_name: String,
    /// 亲清管家 or 企业用户.
    pub grantee_role: &'static str,
    pub matters: Vec<String>,
    /// The matters in Chinese.
    pub matter_labels: Vec<&'static str>,
    /// The last day it holds (Beijing date).
    pub valid_until: NaiveDate,
    pub granted_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub standing: Standing,
    pub standing_label: &'static str,
}

fn view(a: store::Authorisation, matters: &[Matter], today: NaiveDate) -> AuthorisationView {
    let standing = Standing::of(&a, today);
    AuthorisationView {
        id: a.id,
        grantee_id: a.grantee_id,
        grantee_name: a.grantee_name,
        grantee_role: a.grantee_role.label_zh(),
        matter_labels: matters
            .iter()
            .filter(|m| a.matters.iter().any(|k| k == m.key))
            .map(|m| m.label)
            .collect(),
        matters: a.matters,
        valid_until: a.valid_until,
        granted_at: a.granted_at,
        revoked_at: a.revoked_at,
        standing,
        standing_label: standing.label_zh(),
    }
}

/// The enterprise's authorisations, newest first, for anyone who sees the enterprise.
pub async fn list(
    app: &App,
    who: &Principal,
    code: &CreditCode,
) -> AppResult<Vec<AuthorisationView>> {
    let mut conn = app.db.conn().await?;
    let enterprise = crate::enterprises::visible_enterprise(&mut conn, who, code).await?;
    let matters = app.matters();
    let today = local_date(app.now());
    Ok(store::of_enterprise(&mut conn, enterprise.id)
        .await?
        .into_iter()
        .map(|a| view(a, &matters, today))
        .collect())
}

/// Whom an enterprise authorises: one of its stewards, or another account by its phone number.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct GrantInput {
    /// A steward assigned to the enterprise.
    pub steward_id: Option<i64>,
    /// The phone number of another enterprise user's account (a colleague, an agent).
    pub phone: Option<String>,
    /// Matter keys (see GET /api/v1/authorisation-matters).
    pub matters: Vec<String>,
    /// The last day the authorisation holds, YYYY-MM-DD.
    pub valid_until: String,
}

/// Only the enterprise's own users give and take back authorisations: a steward cannot widen
/// its own mandate, and staff do not decide for the enterprise.
fn require_member(who: &Principal, code: &CreditCode) -> AppResult<()> {
    if who.is_member_of(code) {
        Ok(())
    } else {
        Err(AppError::forbidden("只有企业自己的用户可以授权或撤销代办"))
    }
}

/// Checks the matters and the date of a grant, reporting every wrong field.
fn read_terms(app: &App, input: &GrantInput) -> AppResult<(Vec<String>, NaiveDate)> {
    let mut errors = crate::FieldErrors::default();
    let known = app.matters();
    let mut matters: Vec<String> = Vec::new();
    for key in &input.matters {
        let key = key.trim();
        if !known.iter().any(|m| m.key == key) {
            errors.add("matters", format!("没有“{key}”这类可代办事项"));
        } else if !matters.iter().any(|k| k == key) {
            matters.push(key.to_string());
        }
    }
    if input.matters.is_empty() {
        errors.add("matters", "请至少选择一类可代办的事项");
    }
    let today = local_date(app.now());
    let until = NaiveDate::parse_from_str(input.valid_until.trim(), "%Y-%m-%d");
    let until = match until {
        Err(_) => {
            errors.add("valid_until", "请填写授权截止日期,如 2027-06-30");
            None
        }
        Ok(d) if d < today => {
            errors.add("valid_until", "截止日期不能早于今天");
            None
        }
        Ok(d) if (d - today).num_days() > LONGEST_DAYS => {
            errors.add("valid_until", "授权最长一年,请重新选择截止日期");
            None
        }
        Ok(d) => Some(d),
    };
    errors.finish()?;
    let until = until.ok_or_else(|| AppError::invalid("valid_until", "请填写授权截止日期"))?;
    Ok((matters, until))
}

/// The account an enterprise authorises: a steward assigned to it, or an enabled enterprise
/// user of another enterprise found by phone number.
async fn grantee(
    conn: &mut Conn,
    input: &GrantInput,
    enterprise_id: i64,
) -> AppResult<users::User> {
    let phone = input
        .phone
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty());
    match (input.steward_id, phone) {
        (Some(id), None) => {
            let steward = users::get(conn, id)
                .await?
                .filter(|u| u.role == Role::Steward && !u.disabled);
            match steward {
                Some(s)
                    if users::is_linked(conn, s.id, enterprise_id, users::Relation::Steward)
                        .await? =>
                {
                    Ok(s)
                }
                _ => Err(AppError::invalid(
                    "steward_id",
                    "所选账户不是为本企业服务的亲清管家",
                )),
            }
        }
        (None, Some(phone)) => {
            let found = users::enterprise_users_by_phone(conn, phone).await?;
            match found.as_slice() {
                [] => Err(AppError::invalid(
                    "phone",
                    "没有使用这个手机号的企业账户,请对方先注册",
                )),
                [one]
                    if users::is_linked(conn, one.id, enterprise_id, users::Relation::Member)
                        .await? =>
                {
                    Err(AppError::invalid(
                        "phone",
                        "这是本企业自己的账户,无需授权即可办理",
                    ))
                }
                [one] => Ok(one.clone()),
                _ => Err(AppError::invalid(
                    "phone",
                    "有多个账户使用这个手机号,请联系平台管理员",
                )),
            }
        }
        _ => Err(AppError::invalid(
            "steward_id",
            "请选择一位亲清管家,或填写被授权人的手机号(二选一)",
        )),
    }
}

/// Authorises a steward or another account to act for the enterprise; one authorisation in
/// force per person: a new one for someone already authorised is refused until the old is revoked.
pub async fn grant(
    app: &App,
    who: &Principal,
    code: &CreditCode,
    input: &GrantInput,
    meta: &RequestMeta,
) -> AppResult<i64> {
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let enterprise = crate::enterprises::visible_enterprise(&mut tx, who, code).await?;
    require_member(who, code)?;
    let (matters, until) = read_terms(app, input)?;
    let person = grantee(&mut tx, input, enterprise.id).await?;
    let today = local_date(now);
    if let Some(old) = store::latest(&mut tx, person.id, enterprise.id).await?
        && Standing::of(&old, today) == Standing::InForce
    {
        return Err(AppError::Conflict {
            field: None,
            message: format!(
                "{} 已有一份有效的代办授权,请先撤销再重新授权",
                person.display_name
            ),
        });
    }
    let new = NewAuthorisation {
        enterprise_id: enterprise.id,
        grantee_id: person.id,
        matters: &matters,
        valid_until: until,
        granted_by: Some(who.user_id),
    };
    let id = store::insert(&mut tx, &new, now).await?;
    let labels: Vec<&str> = app
        .matters()
        .iter()
        .filter(|m| matters.iter().any(|k| k == m.key))
        .map(|m| m.label)
        .collect();
    let detail = serde_json::json!({
        "authorisation": id, "grantee": person.id, "grantee_name": person.display_name,
        "matters": matters, "matter_labels": labels, "valid_until": until.to_string(),
    });
    audit::record(
        &mut tx,
        who,
        meta,
        enterprise_change("enterprise.authorisation_granted", code, detail),
        now,
    )
    .await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(id)
}

/// Takes an authorisation back at once: from the next request on, the person can no longer act.
pub async fn revoke(
    app: &App,
    who: &Principal,
    code: &CreditCode,
    id: i64,
    meta: &RequestMeta,
) -> AppResult<()> {
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let enterprise = crate::enterprises::visible_enterprise(&mut tx, who, code).await?;
    let found = store::get(&mut tx, id)
        .await?
        .filter(|a| a.credit_code == *code)
        .ok_or_else(|| AppError::NotFound("没有这份代办授权".into()))?;
    require_member(who, code)?;
    match Standing::of(&found, local_date(now)) {
        Standing::Revoked => return Err(conflict("这份授权已经撤销")),
        Standing::Expired => return Err(conflict("这份授权已经到期,无需撤销")),
        Standing::InForce => {}
    }
    if !store::revoke(&mut tx, found.id, who.user_id, now).await? {
        return Err(conflict("这份授权已经撤销"));
    }
    let detail = serde_json::json!({
        "authorisation": found.id, "grantee": found.grantee_id, "grantee_name": found.grantee_name,
        "enterprise_id": enterprise.id,
    });
    audit::record(
        &mut tx,
        who,
        meta,
        enterprise_change("enterprise.authorisation_revoked", code, detail),
        now,
    )
    .await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(())
}

fn conflict(message: &str) -> AppError {
    AppError::Conflict {
        field: None,
        message: message.into(),
    }
}

/// A change to an enterprise, recorded on its trail.
pub fn enterprise_change<'a>(
    action: &'a str,
    code: &CreditCode,
    detail: serde_json::Value,
) -> Change<'a> {
    Change {
        action,
        object_type: "enterprise",
        object_id: code.to_string(),
        on_behalf_of: None,
        detail,
    }
}

/// The platform authorises a steward for every matter (demo loading), as an enterprise would,
/// and records it on the enterprise's trail.
pub async fn grant_as_platform(
    app: &App,
    conn: &mut Conn,
    steward: &users::User,
    enterprise: &enterprises::Enterprise,
    until: NaiveDate,
) -> AppResult<()> {
    let all = app.matters();
    let matters: Vec<String> = all.iter().map(|m| m.key.to_string()).collect();
    let new = NewAuthorisation {
        enterprise_id: enterprise.id,
        grantee_id: steward.id,
        matters: &matters,
        valid_until: until,
        granted_by: None,
    };
    let now = app.now();
    let id = store::insert(conn, &new, now).await?;
    let labels: Vec<&str> = all.iter().map(|m| m.label).collect();
    let detail = serde_json::json!({
        "authorisation": id, "grantee": steward.id, "grantee_name": steward.display_name,
        "matters": matters, "matter_labels": labels, "valid_until": until.to_string(),
    });
    let change = enterprise_change(
        "enterprise.authorisation_granted",
        &enterprise.identity.credit_code,
        detail,
    );
    audit::record(
        conn,
        &Principal::system(),
        &RequestMeta::default(),
        change,
        now,
    )
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn held(revoked: bool, until: &str) -> store::Authorisation {
        store::Authorisation {
            id: 1,
            credit_code: CreditCode::parse("91350100M000100Y43").unwrap_or_else(|_| unreachable!()),
            enterprise_name: "某公司".into(),
            grantee_id: 2,
            grantee_name: "张三".into(),
            grantee_role: Role::Steward,
            matters: vec!["profile".into()],
            valid_until: NaiveDate::parse_from_str(until, "%Y-%m-%d").unwrap_or_default(),
            granted_at: DateTime::default(),
            revoked_at: revoked.then(DateTime::default),
        }
    }

    #[test]
    fn a_refusal_says_whether_the_authorisation_lapsed_or_was_taken_back() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 6).unwrap_or_default();
        assert!(refusal("某公司", None, today).contains("尚未授权"));
        assert!(refusal("某公司", Some(&held(true, "2027-01-01")), today).contains("撤销"));
        assert!(
            refusal("某公司", Some(&held(false, "2026-12-05")), today).contains("2026-12-05 到期")
        );
        assert!(refusal("某公司", Some(&held(false, "2026-12-06")), today).contains("不包括"));
    }
}
