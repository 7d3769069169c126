//! 亲清管家 (帮办): the platform administrator assigns stewards to the enterprises they serve and
//! takes them off again, one by one or from a CSV or XLSX file. An assignment lets the steward
//! see the enterprise and be chosen by it; acting for it needs the enterprise's own
//! authorisation ([`crate::authorisations`]). Unassigning revokes that authorisation too.

use crate::audit;
use crate::authorisations::enterprise_change;
use crate::organisations::row_errors;
use crate::store::{Conn, StoreError, authorisations, enterprises, users};
use crate::{App, AppError, AppResult, Principal, RequestMeta};
use qinqing_domain::CreditCode;
use qinqing_domain::org::Role;
use qinqing_exchange::directory::{self, STEWARD_COLUMNS};
use qinqing_exchange::{FileFormat, ImportReport};

pub use crate::store::users::StewardAssignment;

fn require_admin(who: &Principal) -> AppResult<()> {
    if who.role == Role::Admin {
        Ok(())
    } else {
        Err(AppError::forbidden("只有平台管理员可以指派或取消亲清管家"))
    }
}

/// Whether a form, a call or a file row assigns or unassigns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Assign,
    Unassign,
}

impl Step {
    fn parse(text: &str) -> Result<Step, String> {
        match text.trim() {
            "" | "指派" => Ok(Step::Assign),
            "取消" | "取消指派" => Ok(Step::Unassign),
            other => Err(format!("操作“{other}”应为“指派”或“取消”")),
        }
    }
}

/// The enabled steward account of this id.
async fn steward(conn: &mut Conn, id: i64) -> AppResult<users::User> {
    users::get(conn, id)
        .await?
        .filter(|u| u.role == Role::Steward && !u.disabled)
        .ok_or_else(|| AppError::invalid("steward_id", "所选账户不是在用的亲清管家"))
}

async fn enterprise(conn: &mut Conn, code: &CreditCode) -> AppResult<enterprises::Enterprise> {
    enterprises::get_by_credit_code(conn, code)
        .await?
        .ok_or_else(|| AppError::invalid("credit_code", format!("企业 {code} 不存在")))
}

/// Assigns or unassigns inside `conn`'s transaction, after looking first, so a refused row of
/// an import leaves the transaction usable for the next.
async fn apply(
    conn: &mut Conn,
    who: &Principal,
    meta: &RequestMeta,
    step: Step,
    steward: &users::User,
    code: &CreditCode,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<()> {
    let firm = enterprise(conn, code).await?;
    let linked = users::is_linked(conn, steward.id, firm.id, users::Relation::Steward).await?;
    let mut detail = serde_json::json!({
        "steward": steward.id, "steward_name": steward.display_name, "enterprise_name": firm.identity.name,
    });
    let action = match (step, linked) {
        (Step::Assign, true) => {
            return Err(conflict(format!(
                "{} 已负责“{}”",
                steward.display_name, firm.identity.name
            )));
        }
        (Step::Unassign, false) => {
            return Err(conflict(format!(
                "{} 并未负责“{}”",
                steward.display_name, firm.identity.name
            )));
        }
        (Step::Assign, false) => {
            users::link_enterprise(conn, steward.id, firm.id, users::Relation::Steward).await?;
            "enterprise.steward_assigned"
        }
        (Step::Unassign, true) => {
            users::unlink_steward(conn, steward.id, firm.id).await?;
            let revoked =
                authorisations::revoke_all_of(conn, steward.id, firm.id, who.user_id, now).await?;
            detail["authorisations_revoked"] = revoked.into();
            "enterprise.steward_unassigned"
        }
    };
    audit::record(
        conn,
        who,
        meta,
        enterprise_change(action, code, detail),
        now,
    )
    .await?;
    Ok(())
}

fn conflict(message: String) -> AppError {
    AppError::Conflict {
        field: Some("credit_code".into()),
        message,
    }
}

/// Assigns a steward to an enterprise, so it may serve it (and be authorised by it), or takes
/// one off; the authorisations the enterprise gave the steward end with the assignment.
pub async fn change(
    app: &App,
    who: &Principal,
    step: Step,
    steward_id: i64,
    code: &CreditCode,
    meta: &RequestMeta,
) -> AppResult<()> {
    require_admin(who)?;
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let person = steward(&mut tx, steward_id).await?;
    apply(&mut tx, who, meta, step, &person, code, now).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(())
}

/// Every assignment, for the administrator.
pub async fn list(app: &App, who: &Principal) -> AppResult<Vec<StewardAssignment>> {
    require_admin(who)?;
    let mut conn = app.db.conn().await?;
    Ok(users::steward_assignments(&mut conn, None).await?)
}

/// The stewards in service: (id, name), for the administrator's picker.
pub async fn stewards(app: &App, who: &Principal) -> AppResult<Vec<(i64, String)>> {
    require_admin(who)?;
    let mut conn = app.db.conn().await?;
    Ok(users::enabled_with_roles(&mut conn, &[Role::Steward])
        .await?
        .into_iter()
        .map(|u| (u.id, u.display_name))
        .collect())
}

/// The stewards serving one enterprise, for the enterprise choosing whom to authorise.
pub async fn of_enterprise(
    app: &App,
    who: &Principal,
    code: &CreditCode,
) -> AppResult<Vec<StewardAssignment>> {
    let mut conn = app.db.conn().await?;
    let firm = crate::enterprises::visible_enterprise(&mut conn, who, code).await?;
    Ok(users::steward_assignments(&mut conn, Some(firm.id)).await?)
}

/// The column of the steward sheet a use-case field is reported under.
fn steward_column(field: &str) -> &'static str {
    match field {
        "steward_id" | "steward" => "steward",
        "action" => "action",
        _ => "credit_code",
    }
}

/// Reads one row's steward, enterprise and step, or the row's problem.
async fn read_row(
    conn: &mut Conn,
    line: &directory::Line,
) -> AppResult<(users::User, CreditCode, Step)> {
    let mut errors = crate::FieldErrors::default();
    let step = errors.check("action", Step::parse(line.get("action")));
    let code = errors.check("credit_code", CreditCode::parse(line.get("credit_code")));
    let person = users::find_by_username(conn, line.get("steward"))
        .await?
        .filter(|u| u.role == Role::Steward && !u.disabled);
    if person.is_none() {
        errors.add("steward", "没有这个用户名的在用亲清管家");
    }
    errors.finish()?;
    match (person, code, step) {
        (Some(p), Some(c), Some(s)) => Ok((p, c, s)),
        _ => Err(AppError::invalid("steward", "输入有误")),
    }
}

/// Imports a steward sheet in one transaction, each row with its own audit entry. Any wrong
/// row (an unknown steward or enterprise, an assignment that exists already, an unassignment
/// of one that does not, a row repeated) rejects the file with every problem; nothing changes.
pub async fn import(
    app: &App,
    who: &Principal,
    bytes: &[u8],
    format: FileFormat,
    meta: &RequestMeta,
) -> AppResult<usize> {
    require_admin(who)?;
    let lines =
        directory::read(bytes, format, &STEWARD_COLUMNS).map_err(AppError::ImportRejected)?;
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let mut errors = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for line in &lines {
        let key = (
            line.get("steward").to_string(),
            line.get("credit_code").to_string(),
        );
        if !seen.insert(key) {
            errors.push(line.error("credit_code", "与前面的行重复"));
            continue;
        }
        let done = match read_row(&mut tx, line).await {
            Ok((person, code, step)) => apply(&mut tx, who, meta, step, &person, &code, now).await,
            Err(e) => Err(e),
        };
        if let Err(e) = done {
            errors.extend(row_errors(line, e, steward_column)?);
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
