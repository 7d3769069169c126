//! The demo district: a 台商投资区-like zone with its towns, villages, departments, a bank,
//! 300 enterprises with three years of figures, and one account per role. Generated from a fixed
//! seed, so every demo start looks the same.

pub mod bulk;
pub mod enterprises;

use enterprises as enterprise_figures;
pub use enterprises::{generate_enterprises, generate_register};

use crate::auth::hash_password;
use crate::scene::DemoPart;
use crate::store::orgs::{self, NewOrganisation};
use crate::store::{StoreError, audit, enterprises as store, users};
use crate::{App, AppResult, Principal, RequestMeta};
use qinqing_domain::DivisionCode;
use qinqing_domain::org::{OrgKind, Role};

/// The password of every demo account (shown on the login page in demo mode only).
pub const DEMO_PASSWORD: &str = "Demo2026qq";
pub const DEMO_ENTERPRISES: usize = 300;
const DEMO_SEED: u64 = 20_261_122;

pub const DISTRICT: (&str, &str) = ("350521", "泉州台商投资区");
/// A division code and its name.
pub type Division = (&'static str, &'static str);

/// Towns and their villages (division codes are the zone's own numbering for the demo).
pub const TOWNS: [(&str, &str, [Division; 3]); 4] = [
    (
        "350521100",
        "洛阳镇",
        [
            ("350521100201", "洛阳村"),
            ("350521100202", "前亭村"),
            ("350521100203", "屿头村"),
        ],
    ),
    (
        "350521101",
        "东园镇",
        [
            ("350521101201", "东园村"),
            ("350521101202", "锦东村"),
            ("350521101203", "埭村"),
        ],
    ),
    (
        "350521102",
        "张坂镇",
        [
            ("350521102201", "张坂村"),
            ("350521102202", "浮山村"),
            ("350521102203", "玉埕村"),
        ],
    ),
    (
        "350521200",
        "百崎回族乡",
        [
            ("350521200201", "百崎村"),
            ("350521200202", "里春村"),
            ("350521200203", "莲埭村"),
        ],
    ),
];
const DEPARTMENTS: [&str; 11] = [
    "财政局",
    "商务局(招商局)",
    "工业和信息化局",
    "科技局",
    "人力资源和社会保障局",
    "自然资源局",
    "住房和城乡建设局",
    "市场监督管理局",
    "税务局",
    "效能办",
    "纪工委监察工委",
];
pub const BANK: &str = "中国农业银行泉州台商投资区支行";

/// One demo account: username, display name, role, and the organisation it sits in.
pub struct DemoAccount {
    pub username: &'static str,
    pub display_name: &'static str,
    pub role: Role,
    pub org: &'static str,
}

pub const ACCOUNTS: [DemoAccount; 14] = [
    DemoAccount {
        username: "admin",
        display_name: "平台管理员",
        role: Role::Admin,
        org: "泉州台商投资区",
    },
    DemoAccount {
        username: "enterprise",
        display_name: "陈企业",
        role: Role::EnterpriseUser,
        org: "(first enterprise)",
    },
    DemoAccount {
        username: "handler",
        display_name: "林经办",
        role: Role::Handler,
        org: "工业和信息化局",
    },
    DemoAccount {
        username: "reviewer1",
        display_name: "黄初审",
        role: Role::Reviewer1,
        org: "工业和信息化局",
    },
    DemoAccount {
        username: "reviewer2",
        display_name: "吴复审",
        role: Role::Reviewer2,
        org: "财政局",
    },
    DemoAccount {
        username: "reviewer3",
        display_name: "蔡终审",
        role: Role::Reviewer3,
        org: "财政局",
    },
    DemoAccount {
        username: "lead",
        display_name: "王局长",
        role: Role::DepartmentLead,
        org: "工业和信息化局",
    },
    DemoAccount {
        username: "steward",
        display_name: "郑管家",
        role: Role::Steward,
        org: "商务局(招商局)",
    },
    DemoAccount {
        username: "finance",
        display_name: "许拨付",
        role: Role::Finance,
        org: "财政局",
    },
    DemoAccount {
        username: "efficiency",
        display_name: "杨效能",
        role: Role::SupervisorEfficiency,
        org: "效能办",
    },
    DemoAccount {
        username: "investment",
        display_name: "苏招商",
        role: Role::SupervisorInvestment,
        org: "商务局(招商局)",
    },
    DemoAccount {
        username: "discipline",
        display_name: "周纪检",
        role: Role::SupervisorDiscipline,
        org: "纪工委监察工委",
    },
    DemoAccount {
        username: "bank",
        display_name: "李信贷",
        role: Role::BankStaff,
        org: BANK,
    },
    DemoAccount {
        username: "town",
        display_name: "洪镇干部",
        role: Role::Handler,
        org: "东园镇",
    },
];

/// How many enterprises the steward looks after in the demo.
const STEWARD_ENTERPRISES: usize = 5;

/// Loads the demo district into an empty database; returns false (and changes nothing) when
/// the database already holds organisations.
pub async fn load(app: &App) -> AppResult<bool> {
    if !load_sized(app, DEMO_ENTERPRISES).await? {
        return Ok(false);
    }
    load_history(app).await?;
    Ok(true)
}

/// The full demo's history, scene after scene (requests in every state, the past 会诊日 that
/// discussed some of them), for a district loaded with `load_sized`.
pub async fn load_history(app: &App) -> AppResult<()> {
    for scene in app.scenes() {
        scene.load_demo(app, DemoPart::History).await?;
    }
    Ok(())
}

/// The demo district with `enterprises` generated enterprises (tests use a handful).
pub async fn load_sized(app: &App, enterprises: usize) -> AppResult<bool> {
    let mut conn = app.db.conn().await?;
    if orgs::count(&mut conn).await? > 0 {
        return Ok(false);
    }
    drop(conn);
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let mut org_ids = Vec::new();
    let district_code = parse_code(DISTRICT.0)?;
    let district = insert_org(
        &mut tx,
        None,
        OrgKind::District,
        DISTRICT.1,
        Some(&district_code),
        now,
    )
    .await?;
    org_ids.push((DISTRICT.1, district));
    for (code, name, villages) in TOWNS {
        let town_code = parse_code(code)?;
        let town = insert_org(
            &mut tx,
            Some(district),
            OrgKind::Town,
            name,
            Some(&town_code),
            now,
        )
        .await?;
        org_ids.push((name, town));
        for (vcode, vname) in villages {
            let village_code = parse_code(vcode)?;
            insert_org(
                &mut tx,
                Some(town),
                OrgKind::Village,
                vname,
                Some(&village_code),
                now,
            )
            .await?;
        }
        let office = format!("{name}经济发展办");
        insert_org(
            &mut tx,
            Some(town),
            OrgKind::Department,
            &office,
            Some(&town_code),
            now,
        )
        .await?;
    }
    for name in DEPARTMENTS {
        let id = insert_org(
            &mut tx,
            Some(district),
            OrgKind::Department,
            name,
            Some(&district_code),
            now,
        )
        .await?;
        org_ids.push((name, id));
    }
    let bank = insert_org(&mut tx, None, OrgKind::Bank, BANK, None, now).await?;
    org_ids.push((BANK, bank));
    let detail = serde_json::json!({ "organisations": org_ids.len(), "seed": DEMO_SEED });
    let entry = audit::NewEntry {
        actor: None,
        action: "demo.organisations_created",
        object_type: "organisation",
        object_id: &district.to_string(),
        request_id: None,
        detail,
    };
    audit::append(&mut tx, entry, now).await?;
    tx.commit().await.map_err(StoreError::from)?;

    let records = generate_enterprises(enterprises, DEMO_SEED, &district_villages());
    crate::enterprises::import_records(
        app,
        &Principal::system(),
        &records,
        &RequestMeta::default(),
    )
    .await?;
    create_accounts(app, &org_ids, &records).await?;
    if let Some(first) = records.first() {
        seed_overdue_review(app, &first.identity.credit_code).await?;
    }
    for scene in app.scenes() {
        scene.load_demo(app, DemoPart::Base).await?;
    }
    Ok(true)
}

/// Three weeks ago the demo enterprise corrected its 2025 revenue and nobody has checked it: the
/// 3-working-day review clock has run out and every grade has fired, up to 纪检. (Three weeks,
/// because 3 working days plus the demand and its escalation fit in them even across 春节 or 国庆.)
async fn seed_overdue_review(app: &App, code: &qinqing_domain::CreditCode) -> AppResult<()> {
    let then = app.now() - chrono::Duration::days(21);
    let mut tx = app.db.begin().await?;
    let enterprise = store::get_by_credit_code(&mut tx, code)
        .await?
        .ok_or_else(|| crate::AppError::Internal(anyhow::anyhow!("demo enterprise missing")))?;
    let user = users::find_by_username(&mut tx, "enterprise")
        .await?
        .ok_or_else(|| {
            crate::AppError::Internal(anyhow::anyhow!("demo enterprise user missing"))
        })?;
    let old = store::figures(&mut tx, enterprise.id)
        .await?
        .into_iter()
        .find(|f| f.year == enterprise_figures::LAST_YEAR && f.field == "revenue")
        .map(|f| f.value);
    let new = old.map(|v| v + 12_345_600);
    let source = qinqing_domain::enterprise::FigureSource::Enterprise;
    store::set_figure(
        &mut tx,
        enterprise.id,
        enterprise_figures::LAST_YEAR,
        "revenue",
        new,
        source,
        then,
    )
    .await?;
    let correction = store::NewCorrection {
        enterprise_id: enterprise.id,
        year: enterprise_figures::LAST_YEAR,
        field: "revenue",
        old_value: old,
        new_value: new,
        user_id: user.id,
        on_behalf_of: None,
    };
    store::insert_correction(&mut tx, &correction, then).await?;
    let who = crate::auth::load_principal(app, &mut tx, user.id)
        .await?
        .ok_or_else(|| {
            crate::AppError::Internal(anyhow::anyhow!("demo enterprise user missing"))
        })?;
    let money = |v: Option<i64>| v.map(|f| qinqing_domain::Money::from_fen(f).to_string());
    let change = crate::audit::Change {
        action: "enterprise.profile_updated",
        object_type: "enterprise",
        object_id: code.to_string(),
        on_behalf_of: None,
        detail: serde_json::json!({
            "changes": [{ "field": "revenue", "year": enterprise_figures::LAST_YEAR, "old": money(old), "new": money(new) }],
            "source": "enterprise",
        }),
    };
    crate::audit::record(&mut tx, &who, &RequestMeta::default(), change, then).await?;
    let label = format!("核实{}更正的经营数据", enterprise.identity.name);
    let start = crate::deadlines::Start {
        object_type: "enterprise",
        object_id: code.as_str(),
        kind: crate::enterprises::CORRECTION_REVIEW,
        label: &label,
        region: &enterprise.identity.region_code,
        side: crate::deadlines::Side::Government,
        limit: qinqing_domain::deadline::Limit {
            unit: qinqing_domain::deadline::LimitUnit::WorkingDays,
            amount: 3,
        },
        // Checking a correction is the district's, not one department's.
        org_id: None,
    };
    crate::deadlines::start(&mut tx, app, start, then).await?;
    tx.commit().await.map_err(StoreError::from)?;
    crate::deadlines::run_due(app).await?;
    Ok(())
}

/// Every town and village code of the demo district, where demo enterprises are placed.
pub fn district_villages() -> Vec<DivisionCode> {
    TOWNS
        .iter()
        .flat_map(|(town, _, villages)| {
            std::iter::once(*town).chain(villages.iter().map(|(code, _)| *code))
        })
        .filter_map(|code| DivisionCode::parse(code).ok())
        .collect()
}

async fn create_accounts(
    app: &App,
    org_ids: &[(&str, i64)],
    records: &[qinqing_exchange::EnterpriseRecord],
) -> AppResult<()> {
    let now = app.now();
    let hash = hash_password(DEMO_PASSWORD)?;
    let mut tx = app.db.begin().await?;
    let mut codes: Vec<&qinqing_domain::CreditCode> =
        records.iter().map(|r| &r.identity.credit_code).collect();
    // Records come one per enterprise and year; the same enterprise's rows are adjacent.
    codes.dedup();
    let mut firms = Vec::new();
    for code in codes.into_iter().take(STEWARD_ENTERPRISES) {
        let e = store::get_by_credit_code(&mut tx, code)
            .await?
            .ok_or_else(|| crate::AppError::Internal(anyhow::anyhow!("demo enterprise missing")))?;
        firms.push(e);
    }
    let enterprise_ids: Vec<i64> = firms.iter().map(|f| f.id).collect();
    for account in &ACCOUNTS {
        let org_id = if account.role == Role::EnterpriseUser {
            // A district loaded without enterprises has no one for the enterprise account.
            let Some(&first) = enterprise_ids.first() else {
                continue;
            };
            first
        } else {
            org_ids
                .iter()
                .find(|(name, _)| *name == account.org)
                .map(|(_, id)| *id)
                .ok_or_else(|| {
                    crate::AppError::Internal(anyhow::anyhow!("no demo org {}", account.org))
                })?
        };
        let (username, name, role) = (account.username, account.display_name, account.role);
        let id = insert_account(&mut tx, (username, name, role), org_id, &hash, now).await?;
        let links: &[i64] = match account.role {
            Role::EnterpriseUser => &enterprise_ids[..1],
            Role::Steward => &enterprise_ids,
            _ => &[],
        };
        for &enterprise in links {
            let relation = if account.role == Role::Steward {
                users::Relation::Steward
            } else {
                users::Relation::Member
            };
            users::link_enterprise(&mut tx, id, enterprise, relation).await?;
            if relation == users::Relation::Steward {
                // The demo enterprises have authorised their steward for every matter (代办).
                let until = qinqing_domain::deadline::local_date(now) + chrono::Duration::days(365);
                let steward = users::get(&mut tx, id).await?;
                let firm = firms.iter().find(|f| f.id == enterprise);
                if let (Some(steward), Some(firm)) = (steward, firm) {
                    crate::authorisations::grant_as_platform(app, &mut tx, &steward, firm, until)
                        .await?;
                }
            }
        }
    }
    tx.commit().await.map_err(StoreError::from)?;
    Ok(())
}

/// One demo account (username, name, role) in `org_id`, with its entry in the trail.
async fn insert_account(
    tx: &mut crate::store::Conn,
    (username, display_name, role): (&str, &str, Role),
    org_id: i64,
    hash: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<i64> {
    let user = users::NewUser {
        username,
        display_name,
        phone: None,
        password_hash: hash,
        org_id,
        role,
        must_change_password: false,
    };
    let id = users::insert(tx, &user, now).await?;
    let entry = audit::NewEntry {
        actor: None,
        action: "user.created",
        object_type: "user",
        object_id: &id.to_string(),
        request_id: None,
        detail: serde_json::json!({ "username": username, "role": role.as_str(), "org_id": org_id, "demo": true }),
    };
    audit::append(tx, entry, now).await?;
    Ok(id)
}

fn parse_code(code: &str) -> AppResult<DivisionCode> {
    DivisionCode::parse(code).map_err(|e| crate::AppError::Internal(anyhow::anyhow!("{code}: {e}")))
}

async fn insert_org(
    conn: &mut crate::store::Conn,
    parent_id: Option<i64>,
    kind: OrgKind,
    name: &str,
    division_code: Option<&DivisionCode>,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<i64> {
    let org = NewOrganisation {
        parent_id,
        kind,
        name,
        division_code,
    };
    Ok(orgs::insert(conn, &org, now).await?)
}

/// An office a scene's demo needs, with its staff accounts (username, name, role; the demo
/// password): a scene brings the departments the district's first list lacks.
pub struct DemoOffice {
    pub name: &'static str,
    pub kind: OrgKind,
    pub staff: &'static [(&'static str, &'static str, Role)],
}

/// Adds the offices the district lacks under the district, and their accounts that do not exist.
pub async fn add_offices(app: &App, offices: &[DemoOffice]) -> AppResult<()> {
    let now = app.now();
    let hash = hash_password(DEMO_PASSWORD)?;
    let district_code = parse_code(DISTRICT.0)?;
    let mut tx = app.db.begin().await?;
    let existing = orgs::list_non_enterprise(&mut tx).await?;
    let district = existing
        .iter()
        .find(|o| o.kind == OrgKind::District)
        .map(|o| o.id)
        .ok_or_else(|| crate::AppError::Internal(anyhow::anyhow!("demo district missing")))?;
    for office in offices {
        let org_id = match existing.iter().find(|o| o.name == office.name) {
            Some(org) => org.id,
            None => {
                let code = Some(&district_code);
                insert_org(&mut tx, Some(district), office.kind, office.name, code, now).await?
            }
        };
        for &(username, display_name, role) in office.staff {
            if users::find_by_username(&mut tx, username).await?.is_some() {
                continue;
            }
            insert_account(&mut tx, (username, display_name, role), org_id, &hash, now).await?;
        }
    }
    tx.commit().await.map_err(StoreError::from)?;
    Ok(())
}

/// The demo account `username` as a logged-in principal, if it exists.
pub async fn principal(app: &App, username: &str) -> AppResult<Option<Principal>> {
    let mut conn = app.db.conn().await?;
    let Some(user) = users::find_by_username(&mut conn, username).await? else {
        return Ok(None);
    };
    crate::auth::load_principal(app, &mut conn, user.id).await
}

/// The id of the demo department called `name`.
pub async fn department(app: &App, name: &str) -> AppResult<i64> {
    let mut conn = app.db.conn().await?;
    orgs::list_non_enterprise(&mut conn)
        .await?
        .into_iter()
        .find(|o| o.name == name)
        .map(|o| o.id)
        .ok_or_else(|| crate::AppError::Internal(anyhow::anyhow!("demo department {name} missing")))
}
