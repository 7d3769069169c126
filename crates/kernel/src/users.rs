//! Account administration: creating accounts, resetting passwords, assigning stewards.
//! Only the platform administrator may do any of it.

use crate::audit::{self, Change};
use crate::auth::{check_password_strength, hash_password};
use crate::store::{StoreError, enterprises, orgs, sessions, users};
use crate::{App, AppError, AppResult, Principal, RequestMeta, notifications};
use qinqing_domain::CreditCode;
use qinqing_domain::org::Role;
use serde::Serialize;

pub use crate::store::orgs::Organisation;

#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
pub struct NewUserInput {
    pub username: String,
    pub display_name: String,
    pub phone: Option<String>,
    pub org_id: i64,
    /// A role code, e.g. handler, reviewer_1, steward.
    pub role: String,
    /// A temporary password; the user must change it at first login.
    pub password: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct UserSummary {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub role_label: &'static str,
    pub org_id: i64,
    pub locked: bool,
    pub must_change_password: bool,
}

fn require_admin(who: &Principal) -> AppResult<()> {
    if who.role == Role::Admin {
        Ok(())
    } else {
        Err(AppError::forbidden("只有平台管理员可以管理账户"))
    }
}

/// Usernames: 3–32 characters of lower-case letters, digits, '_', '-' and '.'.
pub fn parse_username(s: &str) -> AppResult<String> {
    let s = s.trim();
    let valid_chars = s
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "_-.".contains(c));
    if !(3..=32).contains(&s.len()) || !valid_chars {
        return Err(AppError::invalid(
            "username",
            "用户名须为 3–32 位小写字母、数字或 _ - .",
        ));
    }
    Ok(s.to_string())
}

pub async fn create_user(
    app: &App,
    who: &Principal,
    input: NewUserInput,
    meta: &RequestMeta,
) -> AppResult<i64> {
    require_admin(who)?;
    let username = parse_username(&input.username)?;
    let display_name = qinqing_domain::enterprise::parse_name(&input.display_name, "姓名")
        .map_err(|m| AppError::invalid("display_name", m))?;
    let role = Role::parse(&input.role)
        .ok_or_else(|| AppError::invalid("role", format!("没有“{}”这个角色", input.role)))?;
    check_password_strength(&input.password, &input.username).map_err(|e| match e {
        AppError::Invalid { message, .. } => AppError::invalid("password", message),
        other => other,
    })?;
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let org = orgs::get(&mut tx, input.org_id)
        .await?
        .ok_or_else(|| AppError::invalid("org_id", "所选组织不存在"))?;
    if !role.fits(org.kind) {
        return Err(AppError::invalid(
            "role",
            format!("{}不能设在{}类组织中", role.label_zh(), org.kind.label_zh()),
        ));
    }
    let new = users::NewUser {
        username: &username,
        display_name: &display_name,
        phone: input.phone.as_deref().filter(|p| !p.trim().is_empty()),
        password_hash: &hash_password(&input.password)?,
        org_id: org.id,
        role,
        must_change_password: true,
    };
    let id = users::insert(&mut tx, &new, now)
        .await
        .map_err(|e| match e {
            StoreError::Duplicate => AppError::Conflict {
                field: Some("username".into()),
                message: format!("用户名“{username}”已被使用"),
            },
            other => other.into(),
        })?;
    if org.kind == qinqing_domain::org::OrgKind::Enterprise {
        users::link_enterprise(&mut tx, id, org.id, users::Relation::Member).await?;
    }
    let detail =
        serde_json::json!({ "username": username, "role": role.as_str(), "org_id": org.id });
    audit::record(
        &mut tx,
        who,
        meta,
        user_change("user.created", id, detail),
        now,
    )
    .await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(id)
}

fn user_change(action: &'static str, id: i64, detail: serde_json::Value) -> Change<'static> {
    Change {
        action,
        object_type: "user",
        object_id: id.to_string(),
        on_behalf_of: None,
        detail,
    }
}

pub async fn list_users(app: &App, who: &Principal) -> AppResult<Vec<UserSummary>> {
    require_admin(who)?;
    let now = app.now();
    let mut conn = app.db.conn().await?;
    Ok(users::list(&mut conn)
        .await?
        .into_iter()
        .map(|u| UserSummary {
            id: u.id,
            role_label: u.role.label_zh(),
            locked: u.locked_until.is_some_and(|t| t > now),
            username: u.username,
            display_name: u.display_name,
            role: u.role,
            org_id: u.org_id,
            must_change_password: u.must_change_password,
        })
        .collect())
}

/// Sets a temporary password, unlocks the account, ends its sessions; the user must choose a
/// new password at next login.
pub async fn reset_password(
    app: &App,
    who: &Principal,
    user_id: i64,
    temporary_password: &str,
    meta: &RequestMeta,
) -> AppResult<()> {
    require_admin(who)?;
    // A temporary password is replaced at the next login, where the username is checked.
    check_password_strength(temporary_password, "").map_err(|e| match e {
        AppError::Invalid { message, .. } => AppError::invalid("password", message),
        other => other,
    })?;
    let now = app.now();
    let mut tx = app.db.begin().await?;
    users::get(&mut tx, user_id)
        .await?
        .ok_or_else(|| AppError::NotFound("账户不存在".into()))?;
    users::set_password(
        &mut tx,
        user_id,
        &hash_password(temporary_password)?,
        true,
        now,
    )
    .await?;
    sessions::delete_for_user(&mut tx, user_id).await?;
    let detail = serde_json::json!({});
    let seq = audit::record(
        &mut tx,
        who,
        meta,
        user_change("user.password_reset", user_id, detail),
        now,
    )
    .await?;
    // Tell the user (站内信, and SMS if they take them); the audit entry names this reset.
    let notice = notifications::NewMessage {
        recipient_user_id: user_id,
        template: notifications::Template::PasswordReset,
        params: serde_json::json!({ "at": notifications::beijing_minutes(now) }),
        idempotency_key: format!("password_reset:audit:{seq}"),
    };
    notifications::enqueue(&mut tx, notice, now).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(())
}

/// Assigns a steward (亲清管家) to an enterprise, so they may act on its behalf.
pub async fn assign_steward(
    app: &App,
    who: &Principal,
    steward_id: i64,
    credit_code: &CreditCode,
    meta: &RequestMeta,
) -> AppResult<()> {
    require_admin(who)?;
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let steward = users::get(&mut tx, steward_id)
        .await?
        .filter(|u| u.role == Role::Steward)
        .ok_or_else(|| AppError::invalid("steward_id", "所选账户不是亲清管家"))?;
    let enterprise = enterprises::get_by_credit_code(&mut tx, credit_code)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("企业 {credit_code} 不存在")))?;
    users::link_enterprise(&mut tx, steward.id, enterprise.id, users::Relation::Steward)
        .await
        .map_err(|e| match e {
            StoreError::Duplicate => AppError::Conflict {
                field: None,
                message: "该管家已负责此企业".into(),
            },
            other => other.into(),
        })?;
    let detail = serde_json::json!({ "enterprise": credit_code.as_str() });
    audit::record(
        &mut tx,
        who,
        meta,
        user_change("user.steward_assigned", steward.id, detail),
        now,
    )
    .await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(())
}

/// The district's organisations below the enterprises (district, towns, villages,
/// departments, banks); government staff only.
pub async fn organisations(app: &App, who: &Principal) -> AppResult<Vec<Organisation>> {
    if !who.role.is_staff() {
        return Err(AppError::forbidden("只有政府工作人员可以查看组织架构"));
    }
    let mut conn = app.db.conn().await?;
    Ok(orgs::list_non_enterprise(&mut conn).await?)
}

/// The district's departments (those that own policies, handle requests, answer for items): (id, name).
pub async fn departments(app: &App) -> AppResult<Vec<(i64, String)>> {
    let mut conn = app.db.conn().await?;
    Ok(orgs::list_non_enterprise(&mut conn)
        .await?
        .into_iter()
        .filter(|o| o.kind == qinqing_domain::org::OrgKind::Department)
        .map(|o| (o.id, o.name))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_plain_lower_case() {
        assert_eq!(parse_username(" zhang.san ").unwrap(), "zhang.san");
        assert!(parse_username("ab").is_err());
        assert!(parse_username("Zhang").is_err());
        assert!(parse_username("张三").is_err());
        assert!(parse_username(&"a".repeat(33)).is_err());
    }
}
