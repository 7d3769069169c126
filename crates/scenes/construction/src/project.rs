//! Projects (工业项目): registered by the enterprise or its steward, with every matter of the
//! catalogue it will need, stage by stage, and where each stands.

use crate::access::{acts_for, visible_project};
use crate::catalogue::{Catalogue, MatterDef, Stage};
use crate::status::CaseStatus;
use crate::store::cases::{self as case_store, CaseRow};
use crate::store::projects::{self as store, NewProject, ProjectRow};
use qinqing_domain::{CreditCode, Money};
use qinqing_kernel::audit::{self, Change};
use qinqing_kernel::enterprises::visible_enterprise;
use qinqing_kernel::input::{optional_text, required_text};
use qinqing_kernel::principal::{acts_for_enterprise, on_behalf};
use qinqing_kernel::store::StoreError;
use qinqing_kernel::{App, AppError, AppResult, Principal, RequestMeta};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The audit trail's object type of a project.
pub const OBJECT: &str = "construction_project";

/// A project as the enterprise registers it.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct ProjectInput {
    pub credit_code: String,
    /// 项目名称.
    pub name: String,
    /// 地块编号, as the land transfer names it.
    pub parcel: String,
    /// 建设地点.
    pub location: String,
    /// 总投资 in yuan ("12000000", "1,200,000.50").
    pub investment: String,
    /// 总建筑面积 in square metres, up to two decimals.
    pub floor_area: String,
    /// The investment agreement's number, when the project is one's.
    pub agreement_no: Option<String>,
    /// 不动产权证号 of the land, when it is already registered.
    pub land_title_no: Option<String>,
    /// Chosen once per form: a retry returns the project first registered.
    pub submit_key: Option<String>,
}

/// A project in a list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProjectSummary {
    pub code: String,
    pub name: String,
    pub enterprise_name: String,
    pub location: String,
    /// Matters approved / matters of the catalogue.
    pub approved: usize,
    pub matters: usize,
    /// The stage being worked on: the first with a matter not yet approved.
    pub current_stage: String,
}

/// A project with every matter it will need, by stage.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProjectView {
    pub code: String,
    pub name: String,
    pub credit_code: String,
    pub enterprise_name: String,
    pub parcel: String,
    pub location: String,
    /// 万元.
    pub investment: String,
    /// Square metres.
    pub floor_area: String,
    pub agreement_no: Option<String>,
    pub land_title_no: Option<String>,
    pub stages: Vec<StageView>,
    /// Whether the caller may apply for its matters.
    pub may_apply: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StageView {
    /// land_planning | project_permit | construction_permit | completion | parallel
    pub stage: String,
    pub label: String,
    pub approved: usize,
    pub matters: Vec<ProjectMatter>,
}

/// One matter of the project: its catalogue entry and its latest case.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProjectMatter {
    pub code: String,
    pub name: String,
    pub department: String,
    pub promised_days: u32,
    pub legal_days: u32,
    pub needs_land_title: bool,
    pub materials: Vec<String>,
    pub basis: String,
    /// The latest case's receipt number and status, if applied for.
    pub receipt_no: Option<String>,
    pub status: Option<CaseStatus>,
    /// Where it stands, in words: 可申报, 待前置事项办结, or the case's status.
    pub state: String,
    /// The names of the prerequisites not yet approved.
    pub waiting_for: Vec<String>,
    /// Whether it may be applied for now (no case in hand, not approved).
    pub open_to_apply: bool,
}

/// Registers a project for an enterprise the caller acts for.
pub async fn register(
    app: &App,
    who: &Principal,
    input: &ProjectInput,
    meta: &RequestMeta,
) -> AppResult<ProjectView> {
    if !acts_for_enterprise(who) {
        return Err(AppError::forbidden("只有企业或其亲清管家可以登记项目"));
    }
    let code = CreditCode::parse(input.credit_code.trim())
        .map_err(|e| AppError::invalid("credit_code", e.to_string()))?;
    if !who.enterprises().contains(&code) {
        return Err(AppError::forbidden(
            "只能为本企业(或受托代办的企业)登记项目",
        ));
    }
    let fields = ProjectFields::parse(input)?;
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let enterprise = visible_enterprise(&mut tx, who, &code).await?;
    let submit_key = optional_text("submit_key", input.submit_key.as_deref(), 100)?;
    if let Some(key) = &submit_key
        && let Some(first) = store::by_submit_key(&mut tx, enterprise.id, key).await?
    {
        return view_of(&mut tx, who, first).await;
    }
    let project_code = qinqing_kernel::receipts::receipt_number("XM", now)?;
    let new = NewProject {
        code: &project_code,
        enterprise_id: enterprise.id,
        region_code: enterprise.identity.region_code.as_str(),
        name: &fields.name,
        parcel: &fields.parcel,
        location: &fields.location,
        investment: fields.investment.fen(),
        floor_area: fields.floor_area,
        agreement_no: fields.agreement_no.as_deref(),
        land_title_no: fields.land_title_no.as_deref(),
        registered_by: who.user_id,
        submit_key: submit_key.as_deref(),
    };
    match store::insert(&mut tx, &new, now).await {
        // The same form sent twice at once: the other registered it first.
        Err(StoreError::Duplicate) if submit_key.is_some() => {
            drop(tx);
            return registered_by_key(app, who, enterprise.id, submit_key.as_deref()).await;
        }
        other => other?,
    };
    let change = Change {
        action: "construction.project_registered",
        object_type: OBJECT,
        object_id: project_code.clone(),
        on_behalf_of: on_behalf(who, &code),
        detail: serde_json::json!({
            "name": fields.name,
            "parcel": fields.parcel,
            "investment": fields.investment.to_string(),
        }),
    };
    audit::record(&mut tx, who, meta, change, now).await?;
    let row = store::by_code(&mut tx, &project_code)
        .await?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("project {project_code} vanished")))?;
    let shown = view_of(&mut tx, who, row).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(shown)
}

/// The project a form with this key registered.
async fn registered_by_key(
    app: &App,
    who: &Principal,
    enterprise_id: i64,
    key: Option<&str>,
) -> AppResult<ProjectView> {
    let mut conn = app.db.conn().await?;
    let first = store::by_submit_key(&mut conn, enterprise_id, key.unwrap_or_default())
        .await?
        .ok_or_else(|| {
            AppError::Internal(anyhow::anyhow!("project of a duplicate key vanished"))
        })?;
    view_of(&mut conn, who, first).await
}

/// A project's fields, read from what was typed.
struct ProjectFields {
    name: String,
    parcel: String,
    location: String,
    investment: Money,
    /// Hundredths of a square metre.
    floor_area: i64,
    agreement_no: Option<String>,
    land_title_no: Option<String>,
}

impl ProjectFields {
    fn parse(input: &ProjectInput) -> AppResult<ProjectFields> {
        let investment = Money::parse_yuan(&input.investment)
            .ok()
            .filter(|m| m.fen() > 0)
            .ok_or_else(|| {
                AppError::invalid("investment", "总投资应为大于 0 的金额(元),如 12000000")
            })?;
        Ok(ProjectFields {
            name: required_text("name", &input.name, 60, "请填写项目名称")?,
            parcel: required_text("parcel", &input.parcel, 40, "请填写地块编号")?,
            location: required_text("location", &input.location, 100, "请填写建设地点")?,
            investment,
            floor_area: square_metres(&input.floor_area)?,
            agreement_no: optional_text("agreement_no", input.agreement_no.as_deref(), 40)?,
            land_title_no: optional_text("land_title_no", input.land_title_no.as_deref(), 60)?,
        })
    }
}

/// An area in square metres, up to two decimals, as hundredths.
fn square_metres(text: &str) -> AppResult<i64> {
    let wrong = || {
        AppError::invalid(
            "floor_area",
            "总建筑面积应为大于 0、不超过 1000 万的平方米数,如 12500.5",
        )
    };
    let area: Decimal = text.trim().replace(',', "").parse().map_err(|_| wrong())?;
    // No single industrial project reaches ten million square metres: a larger figure is a slip.
    if area <= Decimal::ZERO || area.scale() > 2 || area > Decimal::from(10_000_000) {
        return Err(wrong());
    }
    let hundredths = area.checked_mul(Decimal::ONE_HUNDRED).ok_or_else(wrong)?;
    i64::try_from(hundredths).map_err(|_| wrong())
}

/// Hundredths of a square metre, in square metres as people write them.
pub(crate) fn area_text(hundredths: i64) -> String {
    Decimal::new(hundredths, 2).normalize().to_string()
}

/// The projects the caller sees: the enterprise side its own, staff those of their region or
/// that reached their department.
pub async fn list(app: &App, who: &Principal) -> AppResult<Vec<ProjectSummary>> {
    let mut conn = app.db.conn().await?;
    let rows = if acts_for_enterprise(who) {
        let codes: Vec<&str> = who.enterprises().iter().map(CreditCode::as_str).collect();
        store::of_enterprises(&mut conn, &codes).await?
    } else if who.role.is_staff() {
        let mut seen = Vec::new();
        for row in store::in_region(&mut conn, "").await? {
            if crate::access::may_see(&mut conn, who, &row).await? {
                seen.push(row);
            }
        }
        seen
    } else {
        Vec::new()
    };
    let catalogue = crate::catalogue();
    let mut out = Vec::new();
    for row in rows {
        let cases = case_store::of_project(&mut conn, row.id).await?;
        out.push(summary(catalogue, row, &cases));
    }
    Ok(out)
}

fn summary(catalogue: &Catalogue, row: ProjectRow, cases: &[CaseRow]) -> ProjectSummary {
    let approved = |m: &MatterDef| {
        cases
            .iter()
            .any(|c| c.matter_code == m.code && c.status == CaseStatus::Approved)
    };
    let current = Stage::ALL
        .into_iter()
        .filter(|s| *s != Stage::Parallel)
        .find(|s| catalogue.of_stage(*s).into_iter().any(|m| !approved(m)));
    ProjectSummary {
        code: row.code,
        name: row.name,
        enterprise_name: row.enterprise_name,
        location: row.location,
        approved: catalogue.matters.iter().filter(|m| approved(m)).count(),
        matters: catalogue.matters.len(),
        current_stage: current.map_or("已全部办结".into(), |s| s.label().to_string()),
    }
}

/// One project, if the caller may see it.
pub async fn get(app: &App, who: &Principal, code: &str) -> AppResult<ProjectView> {
    let mut conn = app.db.conn().await?;
    let row = visible_project(&mut conn, who, code).await?;
    view_of(&mut conn, who, row).await
}

async fn view_of(
    conn: &mut qinqing_kernel::store::Conn,
    who: &Principal,
    row: ProjectRow,
) -> AppResult<ProjectView> {
    let cases = case_store::of_project(conn, row.id).await?;
    let catalogue = crate::catalogue();
    let approved = crate::case::going_on(&cases);
    let stages = Stage::ALL
        .into_iter()
        .map(|stage| {
            let matters: Vec<ProjectMatter> = catalogue
                .of_stage(stage)
                .into_iter()
                .map(|m| matter_view(catalogue, m, &cases, &approved))
                .collect();
            StageView {
                stage: stage.as_str().into(),
                label: stage.label().into(),
                approved: matters
                    .iter()
                    .filter(|m| m.status == Some(CaseStatus::Approved))
                    .count(),
                matters,
            }
        })
        .collect();
    Ok(ProjectView {
        may_apply: acts_for(who, &row),
        code: row.code,
        name: row.name,
        credit_code: row.credit_code,
        enterprise_name: row.enterprise_name,
        parcel: row.parcel,
        location: row.location,
        investment: Money::from_fen(row.investment)
            .wan_yuan()
            .normalize()
            .to_string(),
        floor_area: area_text(row.floor_area),
        agreement_no: row.agreement_no,
        land_title_no: row.land_title_no,
        stages,
    })
}

fn matter_view(
    catalogue: &Catalogue,
    m: &MatterDef,
    cases: &[CaseRow],
    approved: &[&str],
) -> ProjectMatter {
    // The latest case of the matter: a refused one stays shown until it is applied for again.
    let latest = cases.iter().rev().find(|c| c.matter_code == m.code);
    let waiting_for: Vec<String> = catalogue
        .open_prerequisites(&m.code, approved)
        .into_iter()
        .map(|p| p.name.clone())
        .collect();
    let status = latest.map(|c| c.status);
    let state = match status {
        Some(s) => s.label_zh().to_string(),
        None if waiting_for.is_empty() => "可申报".into(),
        None => "可并联申报,待前置事项办结后审批".into(),
    };
    ProjectMatter {
        code: m.code.clone(),
        name: m.name.clone(),
        department: m.department.clone(),
        promised_days: m.promised_days,
        legal_days: m.legal_days,
        needs_land_title: m.needs_land_title,
        materials: m.materials.clone(),
        basis: m.basis.clone(),
        receipt_no: latest.map(|c| c.receipt_no.clone()),
        status,
        state,
        waiting_for,
        open_to_apply: status.is_none_or(CaseStatus::may_apply_again),
    }
}

/// A matter of the catalogue, for those choosing what to apply for.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CatalogueEntry {
    pub code: String,
    pub name: String,
    pub stage: String,
    pub stage_label: String,
    pub department: String,
    pub legal_days: u32,
    pub promised_days: u32,
    /// The names of the matters to be approved first.
    pub after: Vec<String>,
    pub needs_land_title: bool,
    pub materials: Vec<String>,
    pub basis: String,
}

pub fn catalogue_entries() -> Vec<CatalogueEntry> {
    let catalogue = crate::catalogue();
    catalogue
        .matters
        .iter()
        .map(|m| CatalogueEntry {
            code: m.code.clone(),
            name: m.name.clone(),
            stage: m.stage.as_str().into(),
            stage_label: m.stage.label().into(),
            department: m.department.clone(),
            legal_days: m.legal_days,
            promised_days: m.promised_days,
            after: m
                .after
                .iter()
                .filter_map(|code| catalogue.get(code).map(|p| p.name.clone()))
                .collect(),
            needs_land_title: m.needs_land_title,
            materials: m.materials.clone(),
            basis: m.basis.clone(),
        })
        .collect()
}
