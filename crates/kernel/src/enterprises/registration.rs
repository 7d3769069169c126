//! Enterprise self-registration: the enterprise, its first user account and the accepted
//! 诚信承诺书, in one transaction.

use crate::audit::{self, Change};
use crate::auth::{check_password_strength, hash_password};
use crate::error::{FieldErrors, parsed};
use crate::store::{StoreError, enterprises, orgs, users};
use crate::users::parse_username;
use crate::{App, AppError, AppResult, Principal, RequestMeta};
use qinqing_domain::contact::PhoneNumber;
use qinqing_domain::enterprise::{CreditStatus, EnterpriseIdentity, Ownership, parse_name};
use qinqing_domain::org::{OrgKind, Role};
use qinqing_domain::{CreditCode, DivisionCode, IndustryCode};

/// The version of the 诚信承诺书 in force; acceptances record it.
pub const PLEDGE_VERSION: &str = "2026-01";

pub const PLEDGE_TEXT: &str = "本企业自愿注册使用亲清家园平台,郑重承诺:\n\
一、所填报的企业信息、经营数据及申报材料真实、准确、完整,无虚假记载、误导性陈述或重大遗漏;\n\
二、以承诺代替证明材料的事项,承诺内容真实有效,愿意接受有关部门的核查;\n\
三、如有虚报、瞒报、骗取惠企资金等失信行为,自愿退回已获资金,接受依法依规处理,\
并同意将失信信息记入企业信用记录、推送至信用信息共享平台实施联合惩戒;\n\
四、及时更新企业信息,配合政府部门开展政策兑现、合同履约和诉求办理工作。";

/// A registration as typed: every field raw, so that all mistakes are reported at once.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct RegistrationInput {
    pub credit_code: String,
    pub name: String,
    pub legal_representative: String,
    pub contact_phone: String,
    pub industry_code: String,
    pub region_code: String,
    /// state_owned | collective | private | hk_macao_taiwan | foreign | mixed | other
    pub ownership: String,
    pub username: String,
    pub display_name: String,
    pub password: String,
    /// The 诚信承诺书 version shown to the user.
    pub pledge_version: String,
    pub pledge_accepted: bool,
}

struct Registration {
    identity: EnterpriseIdentity,
    phone: PhoneNumber,
    username: String,
    display_name: String,
    password: String,
}

fn parse(input: &RegistrationInput) -> AppResult<Registration> {
    let mut errors = FieldErrors::default();
    let credit_code = errors.check("credit_code", CreditCode::parse(&input.credit_code));
    let name = errors.check("name", parse_name(&input.name, "企业名称"));
    let legal = errors.check(
        "legal_representative",
        parse_name(&input.legal_representative, "法定代表人"),
    );
    let phone = errors.check("contact_phone", PhoneNumber::parse(&input.contact_phone));
    let industry = errors.check("industry_code", IndustryCode::parse(&input.industry_code));
    let region = errors.check("region_code", DivisionCode::parse(&input.region_code));
    let ownership = errors.check(
        "ownership",
        Ownership::parse(&input.ownership).ok_or("请选择登记注册类型"),
    );
    let username = errors.check(
        "username",
        parse_username(&input.username).map_err(|e| e.to_string()),
    );
    let display_name = errors.check(
        "display_name",
        parse_name(&input.display_name, "联系人姓名"),
    );
    if let Err(e) = check_password_strength(&input.password, &input.username) {
        errors.add("password", e.to_string());
    }
    if !input.pledge_accepted || input.pledge_version != PLEDGE_VERSION {
        errors.add("pledge_accepted", "请阅读并同意现行版本的诚信承诺书");
    }
    errors.finish()?;
    Ok(Registration {
        identity: EnterpriseIdentity {
            credit_code: parsed(credit_code)?,
            name: parsed(name)?,
            legal_representative: Some(parsed(legal)?),
            industry_code: parsed(industry)?,
            region_code: parsed(region)?,
            ownership: parsed(ownership)?,
            established_on: None,
            credit_status: CreditStatus::Good,
        },
        phone: parsed(phone)?,
        username: parsed(username)?,
        display_name: parsed(display_name)?,
        password: input.password.clone(),
    })
}

/// Registers an enterprise and its first user; returns the new user's id.
pub async fn register(app: &App, input: &RegistrationInput, meta: &RequestMeta) -> AppResult<i64> {
    let reg = parse(input)?;
    let password_hash = hash_password(&reg.password)?;
    let now = app.now();
    let mut tx = app.db.begin().await?;
    ensure_region_is_ours(&mut tx, &reg.identity.region_code).await?;
    let duplicate_code = |e: StoreError| match e {
        StoreError::Duplicate => AppError::Conflict {
            field: Some("credit_code".into()),
            message: format!(
                "统一社会信用代码 {} 已注册,请直接登录或联系企业管理员",
                reg.identity.credit_code
            ),
        },
        other => other.into(),
    };
    if enterprises::get_by_credit_code(&mut tx, &reg.identity.credit_code)
        .await?
        .is_some()
    {
        return Err(duplicate_code(StoreError::Duplicate));
    }
    let enterprise_id = enterprises::insert(&mut tx, &reg.identity, Some(reg.phone.as_str()), now)
        .await
        .map_err(duplicate_code)?;
    let new_user = users::NewUser {
        username: &reg.username,
        display_name: &reg.display_name,
        phone: Some(reg.phone.as_str()),
        password_hash: &password_hash,
        org_id: enterprise_id,
        role: Role::EnterpriseUser,
        must_change_password: false,
    };
    let user_id = users::insert(&mut tx, &new_user, now)
        .await
        .map_err(|e| match e {
            StoreError::Duplicate => AppError::Conflict {
                field: Some("username".into()),
                message: format!("用户名“{}”已被使用", reg.username),
            },
            other => other.into(),
        })?;
    users::link_enterprise(&mut tx, user_id, enterprise_id, users::Relation::Member).await?;
    enterprises::record_pledge(&mut tx, enterprise_id, user_id, PLEDGE_VERSION, now).await?;
    let registrant = registrant(user_id, &reg, enterprise_id);
    let code = &reg.identity.credit_code;
    let registered = Change {
        action: "enterprise.registered",
        object_type: "enterprise",
        object_id: code.to_string(),
        on_behalf_of: None,
        detail: serde_json::json!({ "identity": reg.identity, "contact_phone": reg.phone.as_str(), "username": reg.username }),
    };
    audit::record(&mut tx, &registrant, meta, registered, now).await?;
    let pledged = Change {
        action: "enterprise.pledge_accepted",
        object_type: "enterprise",
        object_id: code.to_string(),
        on_behalf_of: None,
        detail: serde_json::json!({ "pledge_version": PLEDGE_VERSION }),
    };
    audit::record(&mut tx, &registrant, meta, pledged, now).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(user_id)
}

fn registrant(user_id: i64, reg: &Registration, enterprise_id: i64) -> Principal {
    Principal {
        user_id,
        username: reg.username.clone(),
        display_name: reg.display_name.clone(),
        role: Role::EnterpriseUser,
        org_id: enterprise_id,
        org_name: reg.identity.name.clone(),
        scope: qinqing_domain::org::Scope::Enterprises(vec![reg.identity.credit_code.clone()]),
        must_change_password: false,
        mandates: Vec::new(),
    }
}

/// The division codes of the districts this platform serves.
pub async fn served_districts(conn: &mut crate::store::Conn) -> AppResult<Vec<DivisionCode>> {
    Ok(orgs::list_non_enterprise(conn)
        .await?
        .into_iter()
        .filter(|o| o.kind == OrgKind::District)
        .filter_map(|o| o.division_code)
        .collect())
}

/// The region must lie inside a district this platform serves.
pub async fn ensure_region_is_ours(
    conn: &mut crate::store::Conn,
    region: &DivisionCode,
) -> AppResult<()> {
    if served_districts(conn)
        .await?
        .iter()
        .any(|d| region.is_under(d))
    {
        Ok(())
    } else {
        Err(AppError::invalid(
            "region_code",
            format!("区划 {region} 不在本平台服务的辖区内"),
        ))
    }
}
