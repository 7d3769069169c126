//! Account administration: creating accounts (one by one or from a file), changing roles,
//! deactivating, resetting passwords, unlocking. Only the platform
//! administrator may do any of it: accounts carry roles and roles carry scope.

use crate::audit::{self, Change};
use crate::auth::{check_password_strength, hash_password};
use crate::organisations::{find_by_name, row_errors};
use crate::store::{Conn, StoreError, orgs, sessions, users};
use crate::{App, AppError, AppResult, FieldErrors, Principal, RequestMeta, notifications};
use qinqing_domain::org::{OrgKind, Role};
use qinqing_exchange::directory::{self, ACCOUNT_COLUMNS};
use qinqing_exchange::{FileFormat, ImportReport};
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
    pub org_name: String,
    pub disabled: bool,
    pub must_change_password: bool,
}

pub(crate) fn require_admin(who: &Principal) -> AppResult<()> {
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

/// An account to create, its fields read and its temporary password hashed.
struct AccountDraft {
    username: String,
    display_name: String,
    phone: Option<String>,
    role: Role,
    password_hash: String,
}

fn password_field(e: AppError) -> AppError {
    match e {
        AppError::Invalid { message, .. } => AppError::invalid("password", message),
        other => other,
    }
}

/// Reads the fields that need no database, reporting every wrong one; hashes the password
/// (slow on purpose) before any transaction is opened.
fn account_draft(input: &NewUserInput) -> AppResult<AccountDraft> {
    let mut errors = FieldErrors::default();
    let username = errors.check("username", parse_username(&input.username).map_err(message));
    let display_name = errors.check(
        "display_name",
        qinqing_domain::enterprise::parse_name(&input.display_name, "姓名"),
    );
    let role = errors.check(
        "role",
        Role::parse_code_or_label(&input.role).ok_or(format!("没有“{}”这个角色", input.role)),
    );
    errors.check(
        "password",
        check_password_strength(&input.password, &input.username).map_err(message),
    );
    errors.finish()?;
    let (Some(username), Some(display_name), Some(role)) = (username, display_name, role) else {
        return Err(AppError::invalid("username", "输入有误"));
    };
    Ok(AccountDraft {
        username,
        display_name,
        phone: input
            .phone
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(str::to_string),
        role,
        password_hash: hash_password(&input.password).map_err(password_field)?,
    })
}

fn message(e: AppError) -> String {
    e.to_string()
}

/// The active organisation an account of `role` may be placed in.
async fn account_org(conn: &mut Conn, org_id: i64, role: Role) -> AppResult<Organisation> {
    let org = orgs::get(conn, org_id)
        .await?
        .filter(|o| o.active)
        .ok_or_else(|| AppError::invalid("org_id", "所选组织不存在或已停用"))?;
    if !role.fits(org.kind) {
        return Err(AppError::invalid(
            "role",
            format!("{}不能设在{}类组织中", role.label_zh(), org.kind.label_zh()),
        ));
    }
    Ok(org)
}

/// Creates one account inside `conn`'s transaction after every check; a taken username is
/// looked up first rather than left to the unique index, so a failed row leaves the
/// transaction usable for the next row of an import.
async fn create_account_in(
    conn: &mut Conn,
    who: &Principal,
    meta: &RequestMeta,
    draft: &AccountDraft,
    org_id: i64,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<i64> {
    let org = account_org(conn, org_id, draft.role).await?;
    if users::find_by_username(conn, &draft.username)
        .await?
        .is_some()
    {
        return Err(AppError::Conflict {
            field: Some("username".into()),
            message: format!("用户名“{}”已被使用", draft.username),
        });
    }
    let new = users::NewUser {
        username: &draft.username,
        display_name: &draft.display_name,
        phone: draft.phone.as_deref(),
        password_hash: &draft.password_hash,
        org_id: org.id,
        role: draft.role,
        must_change_password: true,
    };
    let id = users::insert(conn, &new, now).await?;
    if org.kind == OrgKind::Enterprise {
        users::link_enterprise(conn, id, org.id, users::Relation::Member).await?;
    }
    let detail = serde_json::json!({
        "username": draft.username, "role": draft.role.as_str(), "org_id": org.id,
    });
    audit::record(
        conn,
        who,
        meta,
        user_change("user.created", id, detail),
        now,
    )
    .await?;
    Ok(id)
}

pub async fn create_user(
    app: &App,
    who: &Principal,
    input: NewUserInput,
    meta: &RequestMeta,
) -> AppResult<i64> {
    require_admin(who)?;
    let draft = account_draft(&input)?;
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let id = create_account_in(&mut tx, who, meta, &draft, input.org_id, now).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(id)
}

/// An account the administrator manages, or 404; never their own (changing one's own role or
/// switching oneself off would leave the district without an administrator).
async fn other_account(conn: &mut Conn, who: &Principal, id: i64) -> AppResult<users::User> {
    if id == who.user_id {
        return Err(AppError::Conflict {
            field: None,
            message: "不能修改或停用自己的账户,请由其他管理员操作".into(),
        });
    }
    users::get(conn, id)
        .await?
        .ok_or_else(|| AppError::NotFound("账户不存在".into()))
}

/// Gives an account another role that fits its organisation. Enterprise users stay enterprise
/// users: their role follows from the enterprise they belong to.
pub async fn change_role(
    app: &App,
    who: &Principal,
    user_id: i64,
    role: &str,
    meta: &RequestMeta,
) -> AppResult<()> {
    require_admin(who)?;
    let role = Role::parse_code_or_label(role)
        .ok_or_else(|| AppError::invalid("role", format!("没有“{role}”这个角色")))?;
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let user = other_account(&mut tx, who, user_id).await?;
    if (user.role == Role::EnterpriseUser) != (role == Role::EnterpriseUser) {
        return Err(AppError::invalid(
            "role",
            "企业用户的角色随其企业而定,不能与工作人员角色互换",
        ));
    }
    account_org(&mut tx, user.org_id, role).await?;
    users::set_role(&mut tx, user.id, role).await?;
    let detail = serde_json::json!({ "from": user.role.as_str(), "to": role.as_str() });
    audit::record(
        &mut tx,
        who,
        meta,
        user_change("user.role_changed", user.id, detail),
        now,
    )
    .await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(())
}

/// Switches an account off; its sessions end in the same transaction, so it is logged out at
/// once everywhere.
pub async fn deactivate(
    app: &App,
    who: &Principal,
    user_id: i64,
    meta: &RequestMeta,
) -> AppResult<()> {
    require_admin(who)?;
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let user = other_account(&mut tx, who, user_id).await?;
    if user.disabled {
        return Err(AppError::Conflict {
            field: None,
            message: format!("账户 {} 已停用", user.username),
        });
    }
    users::disable(&mut tx, user.id).await?;
    sessions::delete_for_user(&mut tx, user.id).await?;
    audit::record(
        &mut tx,
        who,
        meta,
        user_change("user.deactivated", user.id, serde_json::json!({})),
        now,
    )
    .await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(())
}

/// Switches off the account of this username, as the platform itself (the command line).
pub async fn deactivate_by_username(app: &App, username: &str) -> AppResult<()> {
    let mut conn = app.db.conn().await?;
    let user = users::find_by_username(&mut conn, username.trim())
        .await?
        .ok_or_else(|| AppError::NotFound(format!("没有用户名为“{username}”的账户")))?;
    drop(conn);
    deactivate(app, &Principal::system(), user.id, &RequestMeta::default()).await
}

/// The column of the account sheet a use-case field is reported under.
fn account_column(field: &str) -> &'static str {
    match field {
        "username" => "username",
        "display_name" => "display_name",
        "role" => "role",
        "password" => "password",
        _ => "organisation",
    }
}

/// Imports an account sheet in one transaction, each account with its own audit entry and a
/// temporary password to change at first login. Any wrong row rejects the file with every
/// problem, and no account is created.
pub async fn import(
    app: &App,
    who: &Principal,
    bytes: &[u8],
    format: FileFormat,
    meta: &RequestMeta,
) -> AppResult<usize> {
    require_admin(who)?;
    let lines =
        directory::read(bytes, format, &ACCOUNT_COLUMNS).map_err(AppError::ImportRejected)?;
    let mut errors = Vec::new();
    let mut drafts = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for line in &lines {
        let input = NewUserInput {
            username: line.get("username").to_string(),
            display_name: line.get("display_name").to_string(),
            phone: Some(line.get("phone").to_string()),
            org_id: 0,
            role: line.get("role").to_string(),
            password: line.get("password").to_string(),
        };
        if !seen.insert(input.username.clone()) {
            errors.push(line.error("username", "用户名与前面的行重复"));
            continue;
        }
        match account_draft(&input) {
            Ok(draft) => drafts.push((line, draft)),
            Err(e) => errors.extend(row_errors(line, e, account_column)?),
        }
    }
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let all = orgs::list_non_enterprise(&mut tx).await?;
    for (line, draft) in &drafts {
        let created = match find_by_name(&all, line.get("organisation")) {
            Ok(org) => create_account_in(&mut tx, who, meta, draft, org.id, now).await,
            Err(m) => Err(AppError::invalid("org_id", m)),
        };
        if let Err(e) = created {
            errors.extend(row_errors(line, e, account_column)?);
        }
    }
    if !errors.is_empty() {
        errors.sort_by_key(|e| e.row);
        return Err(AppError::ImportRejected(ImportReport {
            rows: lines.len(),
            errors,
        }));
    }
    tx.commit().await.map_err(StoreError::from)?;
    Ok(lines.len())
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
    let mut conn = app.db.conn().await?;
    let names: std::collections::HashMap<i64, String> = orgs::list_non_enterprise(&mut conn)
        .await?
        .into_iter()
        .map(|o| (o.id, o.name))
        .collect();
    Ok(users::list(&mut conn)
        .await?
        .into_iter()
        .map(|u| UserSummary {
            id: u.id,
            role_label: u.role.label_zh(),
            org_name: names
                .get(&u.org_id)
                .cloned()
                .unwrap_or_else(|| "企业".into()),
            disabled: u.disabled,
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
    check_password_strength(temporary_password, "").map_err(password_field)?;
    let hash = hash_password(temporary_password)?;
    let now = app.now();
    let mut tx = app.db.begin().await?;
    users::get(&mut tx, user_id)
        .await?
        .ok_or_else(|| AppError::NotFound("账户不存在".into()))?;
    users::set_password(&mut tx, user_id, &hash, true, now).await?;
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
        template: notifications::Template::PASSWORD_RESET,
        params: serde_json::json!({ "at": notifications::beijing_minutes(now) }),
        idempotency_key: format!("password_reset:audit:{seq}"),
        link: Some("/password".into()),
    };
    notifications::enqueue(&mut tx, notice, now).await?;
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
        .filter(|o| o.kind == OrgKind::Department && o.active)
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
