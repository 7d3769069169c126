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

/// What a division import did, for the operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DivisionImport {
    /// The platform's district, "惠安县(350521)".
    pub district: String,
    pub created: usize,
    /// Rows under the district that were already organisations.
    pub present: usize,
    /// Rows outside or above the district, by level, not imported.
    pub outside: Vec<(DivisionLevel, usize)>,
}

impl DivisionImport {
    /// One line for the command line: "新增区划组织 12 个,已有 3 个;文件中另有 … 不在 … 范围内,未导入".
    pub fn summary_zh(&self) -> String {
        let mut text = format!("新增区划组织 {} 个,已有 {} 个", self.created, self.present);
        let outside: usize = self.outside.iter().map(|(_, n)| n).sum();
        if outside > 0 {
            let by_level: Vec<String> = self
                .outside
                .iter()
                .map(|(level, n)| format!("{}{n}", level.label_zh()))
                .collect();
            text.push_str(&format!(
                ";文件中另有 {outside} 个区划({})不在本平台 {} 范围内,未导入",
                by_level.join("、"),
                self.district
            ));
        }
        text
    }
}

/// The organisation kind a division below the platform's district becomes: a county under a
/// city-level platform is a district of its own (区/县), towns and villages are towns and villages.
fn kind_of(level: DivisionLevel) -> Option<OrgKind> {
    match level {
        DivisionLevel::County => Some(OrgKind::District),
        DivisionLevel::Town => Some(OrgKind::Town),
        DivisionLevel::Village => Some(OrgKind::Village),
        DivisionLevel::Province | DivisionLevel::City => None,
    }
}

/// Creates an organisation for every division of the file that lies below the platform's
/// district and is not yet present, under the organisation of its parent division: towns and
/// villages, and for a city-level platform its counties too. The file may be the statistics
/// bureau's list for a whole province; the rows outside the district are counted, not imported.
/// A file with any bad row imports nothing and names every bad row by line.
pub async fn import_divisions(app: &App, text: &str) -> AppResult<DivisionImport> {
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
    let (district_code, district) = known
        .iter()
        .find(|o| o.kind == OrgKind::District && o.parent_id.is_none())
        .and_then(|o| {
            Some((
                o.division_code.clone()?,
                format!("{}({})", o.name, o.division_code.as_ref()?),
            ))
        })
        .ok_or_else(|| {
            AppError::invalid("file", "平台尚未初始化:请先运行 qinqing setup 建立区县")
        })?;
    let mut outside: std::collections::BTreeMap<DivisionLevel, usize> = Default::default();
    let mut divisions = Vec::new();
    // The district's own row is neither imported nor reported.
    for division in tree.iter().filter(|d| d.code != district_code) {
        let below = division.code.is_under(&district_code);
        match kind_of(division.code.level()).filter(|_| below) {
            Some(kind) => divisions.push((division, kind)),
            None => *outside.entry(division.code.level()).or_default() += 1,
        }
    }
    if divisions.is_empty() {
        return Err(AppError::invalid(
            "file",
            format!("文件中没有本平台 {district} 范围内的区划"),
        ));
    }
    let mut report = DivisionImport {
        district,
        created: 0,
        present: 0,
        outside: outside.into_iter().collect(),
    };
    // Code order puts every parent before its children.
    divisions.sort_by_key(|(d, _)| d.code.clone());
    for (division, kind) in divisions {
        let has = |code: &DivisionCode| {
            known
                .iter()
                .find(|o| o.kind.is_division() && o.division_code.as_ref() == Some(code))
                .map(|o| o.id)
        };
        if has(&division.code).is_some() {
            report.present += 1;
            continue;
        }
        let parent = division
            .code
            .parent()
            .and_then(|p| has(&p))
            .ok_or_else(|| {
                AppError::invalid(
                    "file",
                    format!(
                        "{} {} 的上级区划 {} 既不在文件中也不在本平台中",
                        division.code,
                        division.name,
                        division.code.parent().map(String::from).unwrap_or_default()
                    ),
                )
            })?;
        let org = NewOrganisation {
            parent_id: Some(parent),
            kind,
            name: &division.name,
            division_code: Some(&division.code),
        };
        let id = orgs::insert(&mut tx, &org, now).await?;
        let detail = serde_json::json!({
            "code": division.code.as_str(),
            "name": division.name,
            "urban_rural": division.urban_rural.map(|u| u.code()),
        });
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
            active: true,
        });
        report.created += 1;
    }
    tx.commit().await.map_err(StoreError::from)?;
    Ok(report)
}
