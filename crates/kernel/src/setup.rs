//! Setting up a district: its organisation, its first administrator, and its towns and villages
//! from a division file.

use crate::auth::{check_password_strength, hash_password};
use crate::store::orgs::{self, NewOrganisation};
use crate::store::{StoreError, audit, users};
use crate::users::parse_username;
use crate::{App, AppError, AppResult};
use qinqing_domain::org::{OrgKind, Role};
use qinqing_domain::region::{DivisionLevel, DivisionTree};
use qinqing_domain::{DivisionCode, enterprise::parse_name};

fn system_entry<'a>(
    action: &'a str,
    object_type: &'a str,
    object_id: &'a str,
    detail: serde_json::Value,
) -> audit::NewEntry<'a> {
    audit::NewEntry {
        actor: None,
        action,
        object_type,
        object_id,
        request_id: None,
        detail,
    }
}

/// Creates the district and its administrator; refused once any organisation exists.
pub async fn create_district(
    app: &App,
    code: &str,
    name: &str,
    admin_username: &str,
    admin_password: &str,
) -> AppResult<()> {
    let code =
        DivisionCode::parse(code).map_err(|e| AppError::invalid("district_code", e.to_string()))?;
    if code.as_str().len() != 6 {
        return Err(AppError::invalid(
            "district_code",
            "区(县)的区划代码应为 6 位",
        ));
    }
    let name = parse_name(name, "区名称").map_err(|m| AppError::invalid("district_name", m))?;
    let username = parse_username(admin_username)?;
    check_password_strength(admin_password, admin_username)?;
    let now = app.now();
    let mut tx = app.db.begin().await?;
    if orgs::count(&mut tx).await? > 0 {
        return Err(AppError::Conflict {
            field: None,
            message: "数据库中已有组织,不能重复初始化".into(),
        });
    }
    let org = NewOrganisation {
        parent_id: None,
        kind: OrgKind::District,
        name: &name,
        division_code: Some(&code),
    };
    let district = orgs::insert(&mut tx, &org, now).await?;
    let admin = users::NewUser {
        username: &username,
        display_name: "平台管理员",
        phone: None,
        password_hash: &hash_password(admin_password)?,
        org_id: district,
        role: Role::Admin,
        must_change_password: false,
    };
    let admin_id = users::insert(&mut tx, &admin, now).await?;
    let detail = serde_json::json!({ "district": code.as_str(), "name": name, "admin": username });
    audit::append(
        &mut tx,
        system_entry(
            "setup.district_created",
            "organisation",
            &district.to_string(),
            detail,
        ),
        now,
    )
    .await?;
    let detail = serde_json::json!({ "username": username, "role": "admin" });
    audit::append(
        &mut tx,
        system_entry("user.created", "user", &admin_id.to_string(), detail),
        now,
    )
    .await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(())
}

/// Creates an organisation for every town and village of the file not yet present, under the
/// organisation of its parent division. Returns how many were created.
pub async fn import_divisions(app: &App, text: &str) -> AppResult<usize> {
    let tree = DivisionTree::from_csv(text).map_err(|errors| {
        let lines: Vec<String> = errors
            .iter()
            .map(|e| format!("第 {} 行:{}", e.line, e.message))
            .collect();
        AppError::invalid("file", lines.join(";"))
    })?;
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let mut known = orgs::list_non_enterprise(&mut tx).await?;
    let mut divisions: Vec<_> = tree
        .iter()
        .filter(|d| matches!(d.code.level(), DivisionLevel::Town | DivisionLevel::Village))
        .collect();
    divisions.sort_by_key(|d| d.code.clone());
    let mut created = 0;
    for division in divisions {
        let has = |code: &DivisionCode| {
            known
                .iter()
                .find(|o| o.kind != OrgKind::Department && o.division_code.as_ref() == Some(code))
                .map(|o| o.id)
        };
        if has(&division.code).is_some() {
            continue;
        }
        let parent = division
            .code
            .parent()
            .and_then(|p| has(&p))
            .ok_or_else(|| {
                AppError::invalid(
                    "file",
                    format!("{} {} 的上级区划不在本平台中", division.code, division.name),
                )
            })?;
        let kind = if division.code.level() == DivisionLevel::Town {
            OrgKind::Town
        } else {
            OrgKind::Village
        };
        let org = NewOrganisation {
            parent_id: Some(parent),
            kind,
            name: &division.name,
            division_code: Some(&division.code),
        };
        let id = orgs::insert(&mut tx, &org, now).await?;
        let detail = serde_json::json!({ "code": division.code.as_str(), "name": division.name });
        audit::append(
            &mut tx,
            system_entry(
                "setup.division_created",
                "organisation",
                &id.to_string(),
                detail,
            ),
            now,
        )
        .await?;
        known.push(orgs::Organisation {
            id,
            parent_id: Some(parent),
            kind,
            name: division.name.clone(),
            division_code: Some(division.code.clone()),
        });
        created += 1;
    }
    tx.commit().await.map_err(StoreError::from)?;
    Ok(created)
}
