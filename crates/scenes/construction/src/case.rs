//! Cases (办件): the enterprise applies for a matter of its project; the department that owns
//! the matter takes it in (受理), which starts the promised time limit in working days, and
//! decides. Matters are applied for in parallel (并联审批), but a matter is decided only once
//! its prerequisites are approved, and one that needs the land's title only once the project
//! has it.

use crate::access::{acts_for, of_department, visible_case, visible_project};
use crate::catalogue::{LAND_TITLE_MATTER, MatterDef};
use crate::status::CaseStatus;
use crate::store::cases::{self as store, CaseRow, Decision, NewCase};
use crate::store::entrustments as entrust_store;
use crate::store::projects::{self as project_store, ProjectRow};
use crate::tolerance::ToleranceInput;
use chrono::{DateTime, NaiveDate, Utc};
use qinqing_domain::CreditCode;
use qinqing_domain::deadline::{Limit, LimitUnit, local_date};
use qinqing_domain::org::Role;
use qinqing_kernel::audit::{self, Change};
use qinqing_kernel::deadlines::{self, ClockAction, Side, Start};
use qinqing_kernel::input::{date_within, optional_text, required_text};
use qinqing_kernel::principal::on_behalf;
use qinqing_kernel::store::deadlines as deadline_store;
use qinqing_kernel::store::{Conn, StoreError, Tx};
use qinqing_kernel::{App, AppError, AppResult, Principal, RequestMeta};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The audit trail's object type of a case.
pub const OBJECT: &str = "construction_case";
/// The clock of a case taken in: its matter's promised limit in working days.
pub const CLOCK: &str = "construction.matter";

/// An application for one matter of a project.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct ApplyInput {
    /// The matter's code in the catalogue.
    pub matter: String,
    /// What the enterprise adds, in words (optional).
    pub note: Option<String>,
}

/// A department's decision on a case it took in.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct CaseDecisionInput {
    /// true: 准予许可 (模拟 when the matter needs the land's title and the project has none yet);
    /// false: 不予许可 (a reason is required).
    pub approve: bool,
    pub note: Option<String>,
    /// 模拟审批 only: the conditions the approval rests on.
    pub conditions: Option<String>,
    /// 模拟审批 only: the last day (YYYY-MM-DD) it holds unless the title is registered.
    pub lapses_on: Option<String>,
    /// The land's registration only: the 不动产权证号 issued.
    pub land_title_no: Option<String>,
}

/// A case as its reader sees it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CaseView {
    pub receipt_no: String,
    pub project_code: String,
    pub project_name: String,
    pub enterprise_name: String,
    pub matter: String,
    pub matter_name: String,
    pub stage: String,
    pub department: String,
    /// The department in whose name the 行政服务中心 acts (受××局委托), under an entrustment.
    pub entrusted_by: Option<String>,
    pub status: CaseStatus,
    pub status_label: String,
    pub promised_days: i64,
    pub legal_days: i64,
    pub note: String,
    pub submitted_at: DateTime<Utc>,
    pub accepted_at: Option<DateTime<Utc>>,
    /// When the department must decide by (its promised limit from 受理); none while paused.
    pub due_at: Option<DateTime<Utc>>,
    /// The department's limit is paused (容缺: waiting for the enterprise's material).
    pub clock_paused: bool,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_note: Option<String>,
    /// 模拟审批: its conditions, its last day, and when it became formal.
    pub conditions: Option<String>,
    pub lapses_on: Option<NaiveDate>,
    pub made_formal_at: Option<DateTime<Utc>>,
    /// Whether approving it now would be 模拟 (the matter needs a title the project lacks).
    pub would_be_simulated: bool,
    /// Whether approving it registers the land's title.
    pub registers_land_title: bool,
    /// What the caller may do now; staff read the trail, the enterprise follows the case here.
    pub may_read_trail: bool,
    pub may_accept: bool,
    pub may_decide: bool,
    /// Whether the caller may appoint a survey (勘查) or check in to one.
    pub may_survey: bool,
    /// Whether the caller may publish the case's notice (集中公示), merged with others.
    pub may_publish_notice: bool,
    /// The electronic licence issued on its formal approval.
    pub licence_no: Option<String>,
    /// 容缺受理: the material taken in missing, the day it is promised by, when it came.
    pub tolerated_material: Option<String>,
    pub supply_by: Option<NaiveDate>,
    pub supplied_at: Option<DateTime<Utc>>,
    /// The files supplied on the case (read on the case itself, not in lists).
    pub supplied_files: Vec<qinqing_kernel::attachments::AttachmentView>,
    /// The matter's materials, each with the item of the 数据云柜 it was applied with, or none
    /// (not given: the department may take the case in 容缺 or refuse it). Read on the case itself.
    pub materials: Vec<crate::vault::CaseMaterialView>,
    /// 缴费: the case's payment order, once the department took it in, if its matter has fees.
    pub payment: Option<crate::fee::PaymentView>,
    /// Whether the caller (the department) may record a payment made at the counter.
    pub may_record_payment: bool,
    /// Whether the caller (the enterprise) may supply the tolerated material now.
    pub may_supply: bool,
    /// To the department taking it in: the materials that may be missing (容缺受理).
    pub tolerable_materials: Vec<String>,
}

/// Applies for a matter of a project the caller acts for.
pub async fn apply(
    app: &App,
    who: &Principal,
    project_code: &str,
    input: &ApplyInput,
    meta: &RequestMeta,
) -> AppResult<CaseView> {
    let note = optional_text("note", input.note.as_deref(), 500)?.unwrap_or_default();
    let mut tx = app.db.begin().await?;
    let project = applicant_project(&mut tx, who, project_code).await?;
    let matter = crate::catalogue()
        .get(input.matter.trim())
        .ok_or_else(|| AppError::invalid("matter", "没有这个审批事项"))?;
    let by = (who, meta);
    let receipt_no = apply_in(&mut tx, by, &project, (matter, &note), app.now()).await?;
    let shown = view_in(&mut tx, who, &receipt_no).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(shown)
}

/// One form per stage: matters of one stage applied for together, each with the materials the
/// 数据云柜 holds.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct StageApplyInput {
    /// The matters' codes, all of one stage.
    pub matters: Vec<String>,
    /// What the enterprise adds, in words (optional), on every case.
    pub note: Option<String>,
}

/// Applies for several matters of one stage at once: all are applied for, or none.
pub async fn apply_stage(
    app: &App,
    who: &Principal,
    project_code: &str,
    input: &StageApplyInput,
    meta: &RequestMeta,
) -> AppResult<Vec<CaseView>> {
    let note = optional_text("note", input.note.as_deref(), 500)?.unwrap_or_default();
    let matters = stage_matters(&input.matters)?;
    let mut tx = app.db.begin().await?;
    let project = applicant_project(&mut tx, who, project_code).await?;
    let mut receipts = Vec::new();
    for matter in matters {
        let by = (who, meta);
        receipts.push(apply_in(&mut tx, by, &project, (matter, &note), app.now()).await?);
    }
    let mut shown = Vec::new();
    for receipt_no in &receipts {
        shown.push(view_in(&mut tx, who, receipt_no).await?);
    }
    tx.commit().await.map_err(StoreError::from)?;
    Ok(shown)
}

/// The matters chosen, each once, all of one stage.
fn stage_matters(codes: &[String]) -> AppResult<Vec<&'static MatterDef>> {
    let mut matters: Vec<&MatterDef> = Vec::new();
    for code in codes {
        let matter = crate::catalogue()
            .get(code.trim())
            .ok_or_else(|| AppError::invalid("matters", "没有这个审批事项"))?;
        if !matters.iter().any(|m| m.code == matter.code) {
            matters.push(matter);
        }
    }
    let Some(first) = matters.first() else {
        return Err(AppError::invalid("matters", "请至少选择一个要申报的事项"));
    };
    if matters.iter().any(|m| m.stage != first.stage) {
        return Err(AppError::invalid(
            "matters",
            "一次只能申报同一阶段的事项,请分阶段申报",
        ));
    }
    Ok(matters)
}

/// The project, if `who` may apply for its matters.
pub(crate) async fn applicant_project(
    conn: &mut Conn,
    who: &Principal,
    project_code: &str,
) -> AppResult<ProjectRow> {
    let project = visible_project(conn, who, project_code).await?;
    if !acts_for(who, &project) {
        return Err(AppError::forbidden("只有项目所属企业或其亲清管家可以申报"));
    }
    Ok(project)
}

/// Applies for `matter` inside the caller's transaction, with the materials the 数据云柜 holds;
/// returns the receipt number.
pub(crate) async fn apply_in(
    conn: &mut Conn,
    (who, meta): (&Principal, &RequestMeta),
    project: &ProjectRow,
    (matter, note): (&MatterDef, &str),
    now: DateTime<Utc>,
) -> AppResult<String> {
    if matter.code == LAND_TITLE_MATTER && project.land_title_no.is_some() {
        return Err(title_already());
    }
    let (department, _) = crate::offices::deciding_org(conn, &matter.department).await?;
    let entrusted =
        entrust_store::in_force(conn, &matter.code, department, local_date(now)).await?;
    let org_id = entrusted.as_ref().map_or(department, |e| e.to_org_id);
    let receipt_no = qinqing_kernel::receipts::receipt_number("BJ", now)?;
    let new = NewCase {
        receipt_no: &receipt_no,
        project_id: project.id,
        matter_code: &matter.code,
        matter_name: &matter.name,
        stage: matter.stage,
        org_id,
        entrustment: entrusted.map(|e| (e.id, department)),
        legal_days: matter.legal_days,
        promised_days: matter.promised_days,
        note,
        submitted_by: who.user_id,
    };
    let case_id = match store::insert(conn, &new, now).await {
        Err(StoreError::Duplicate) => {
            return Err(AppError::Conflict {
                field: Some("matter".into()),
                message: format!("“{}”已在办理或已办结,不能重复申报", matter.name),
            });
        }
        other => other?,
    };
    let ids = (project.id, case_id);
    crate::vault::apply_with(conn, ids, &matter.materials, local_date(now)).await?;
    let code = credit_code(project)?;
    let change = Change {
        action: "construction.case_submitted",
        object_type: OBJECT,
        object_id: receipt_no.clone(),
        on_behalf_of: on_behalf(who, &code),
        detail: serde_json::json!({ "project": project.code, "matter": matter.code }),
    };
    audit::record(conn, who, meta, change, now).await?;
    Ok(receipt_no)
}

fn credit_code(project: &ProjectRow) -> AppResult<CreditCode> {
    qinqing_kernel::store::stored("credit_code", CreditCode::parse(&project.credit_code))
        .map_err(AppError::from)
}

/// A transaction on the case `who` acts on, once the cases of ended entrustments are back with
/// their departments (so no one acts in a department's name after its entrustment ended);
/// refused with `refusal` unless `may` lets `who` act on it.
pub(crate) async fn begin_on_case(
    app: &App,
    who: &Principal,
    receipt_no: &str,
    may: impl Fn(&Principal, &CaseRow) -> bool,
    refusal: impl Fn(&CaseRow) -> String,
) -> AppResult<(Tx, ProjectRow, CaseRow)> {
    crate::entrustment::give_back_ended(app).await?;
    let mut tx = app.db.begin().await?;
    let (project, case) = visible_case(&mut tx, who, receipt_no).await?;
    if !may(who, &case) {
        return Err(AppError::forbidden(refusal(&case)));
    }
    Ok((tx, project, case))
}

/// The department's window takes a case in: its promised limit starts, in working days.
pub async fn accept(
    app: &App,
    who: &Principal,
    receipt_no: &str,
    meta: &RequestMeta,
) -> AppResult<CaseView> {
    take_in(app, who, receipt_no, None, meta).await
}

/// 容缺受理: takes the case in with a non-essential material missing until a promised day.
pub async fn accept_tolerating(
    app: &App,
    who: &Principal,
    receipt_no: &str,
    input: &ToleranceInput,
    meta: &RequestMeta,
) -> AppResult<CaseView> {
    take_in(app, who, receipt_no, Some(input), meta).await
}

/// 受理, whole or 容缺 when `tolerance` says which material is missing.
async fn take_in(
    app: &App,
    who: &Principal,
    receipt_no: &str,
    tolerance: Option<&ToleranceInput>,
    meta: &RequestMeta,
) -> AppResult<CaseView> {
    let now = app.now();
    let refusal = |c: &CaseRow| format!("本件由{}受理,其他部门不能受理", c.org_name);
    let (mut tx, project, case) =
        begin_on_case(app, who, receipt_no, of_department, refusal).await?;
    let region = qinqing_kernel::store::stored(
        "region_code",
        qinqing_domain::DivisionCode::parse(&project.region_code),
    )?;
    let key = (case.id, case.org_id);
    let taken = match tolerance {
        None => store::accept(&mut tx, key, who.user_id, now).await?,
        Some(input) => {
            let (material, by) = crate::tolerance::terms(&case, input, local_date(now))?;
            let taken =
                store::accept_tolerating(&mut tx, key, (&material, by), who.user_id, now).await?;
            if taken {
                let on = (&case, &region);
                crate::tolerance::start_clock(&mut tx, app, on, (&material, by), now).await?;
            }
            taken
        }
    };
    if !taken {
        return Err(moved_on(&case));
    }
    let label = format!("{}办理", case.matter_name);
    let start = Start {
        object_type: OBJECT,
        object_id: &case.receipt_no,
        kind: CLOCK,
        label: &label,
        region: &region,
        side: Side::Government,
        limit: limit_of(case.promised_days),
        org_id: Some(case.org_id),
    };
    deadlines::start(&mut tx, app, start, now).await?;
    if tolerance.is_some() {
        // The department cannot approve before the material comes, so its limit waits, as
        // during 补正; supplying resumes it.
        let object = (OBJECT, case.receipt_no.as_str());
        deadlines::control_open(&mut tx, app, object, CLOCK, ClockAction::Pause, now).await?;
    }
    let action = match tolerance {
        None => "construction.case_accepted",
        Some(_) => "construction.case_accepted_tolerating",
    };
    record(&mut tx, who, meta, action, &case, now).await?;
    crate::fee::assess_on_acceptance(&mut tx, (who, meta), (&project, &case), now).await?;
    let shown = view_in(&mut tx, who, receipt_no).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(shown)
}

/// A matter's promised limit as a clock's length.
fn limit_of(days: i64) -> Limit {
    Limit {
        unit: LimitUnit::WorkingDays,
        amount: u32::try_from(days).unwrap_or(u32::MAX),
    }
}

/// The department's lead decides a case taken in.
pub async fn decide(
    app: &App,
    who: &Principal,
    receipt_no: &str,
    input: &CaseDecisionInput,
    meta: &RequestMeta,
) -> AppResult<CaseView> {
    let now = app.now();
    let lead =
        |who: &Principal, c: &CaseRow| of_department(who, c) && who.role == Role::DepartmentLead;
    let refusal = |c: &CaseRow| format!("本件由{}负责人审批,其他人不能作出决定", c.org_name);
    let (mut tx, project, case) = begin_on_case(app, who, receipt_no, lead, refusal).await?;
    // The land's title, read with the project's row taken: a registration committed meanwhile
    // is seen, and one after waits for this decision (and then makes it formal).
    project_store::lock(&mut tx, project.id).await?;
    let project = project_again(&mut tx, &project.code).await?;
    if case.status != CaseStatus::Accepted {
        return Err(moved_on(&case));
    }
    let decision = if input.approve {
        approval(&mut tx, &project, &case, input, local_date(now)).await?
    } else {
        Approval {
            to: CaseStatus::Refused,
            note: required_text(
                "note",
                input.note.as_deref().unwrap_or_default(),
                500,
                "不予许可须说明理由和依据",
            )?,
            simulated: None,
            land_title: None,
        }
    };
    let stored = Decision {
        to: decision.to,
        note: &decision.note,
        simulated: decision.simulated.as_ref().map(|(c, on)| (c.as_str(), *on)),
    };
    if !store::decide(&mut tx, (case.id, case.org_id), &stored, who.user_id, now).await? {
        return Err(moved_on(&case));
    }
    let object = (OBJECT, case.receipt_no.as_str());
    deadlines::control_open(&mut tx, app, object, CLOCK, ClockAction::Stop, now).await?;
    // A case refused ends the enterprise's promise to supply a missing material too.
    let promise = crate::tolerance::CLOCK;
    deadlines::control_open(&mut tx, app, object, promise, ClockAction::Stop, now).await?;
    let action = match decision.to {
        CaseStatus::Simulated => "construction.case_simulated",
        CaseStatus::Refused => "construction.case_refused",
        _ => "construction.case_approved",
    };
    record(&mut tx, who, meta, action, &case, now).await?;
    if decision.to == CaseStatus::Refused {
        crate::fee::refund_if_paid(&mut tx, (who, meta), &case, now).await?;
    }
    if let Some(title) = &decision.land_title {
        register_title(&mut tx, who, meta, &project, title, now).await?;
    }
    if decision.to == CaseStatus::Approved {
        // Read again: registering the land's title just now is on the licence.
        let project = project_again(&mut tx, &project.code).await?;
        let by = (who, meta);
        crate::licence::issue(&mut tx, by, (&project, &case), &decision.note, now).await?;
    }
    let shown = view_in(&mut tx, who, receipt_no).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(shown)
}

async fn project_again(conn: &mut Conn, code: &str) -> AppResult<ProjectRow> {
    project_store::by_code(conn, code)
        .await?
        .ok_or_else(|| AppError::NotFound("没有这个项目".into()))
}

/// What approving a case records: formal or 模拟, and the land's title when it registers one.
struct Approval {
    to: CaseStatus,
    note: String,
    simulated: Option<(String, NaiveDate)>,
    land_title: Option<String>,
}

/// An approval, once its prerequisites are approved (formally or 模拟): 模拟, on conditions until
/// a date, when the matter needs the land's title and the project has none yet.
async fn approval(
    conn: &mut Conn,
    project: &ProjectRow,
    case: &CaseRow,
    input: &CaseDecisionInput,
    today: NaiveDate,
) -> AppResult<Approval> {
    prerequisites_done(conn, project, case).await?;
    crate::tolerance::supplied_before_approval(case)?;
    crate::fee::paid_before_approval(conn, case).await?;
    let note = optional_text("note", input.note.as_deref(), 500)?.unwrap_or_default();
    let land_title = if case.matter_code == LAND_TITLE_MATTER {
        if project.land_title_no.is_some() {
            return Err(title_already());
        }
        Some(required_text(
            "land_title_no",
            input.land_title_no.as_deref().unwrap_or_default(),
            60,
            "请填写核发的不动产权证号",
        )?)
    } else {
        None
    };
    let simulated = if needs_title(case) && project.land_title_no.is_none() {
        Some(simulation_terms(input, today)?)
    } else {
        None
    };
    Ok(Approval {
        to: if simulated.is_some() {
            CaseStatus::Simulated
        } else {
            CaseStatus::Approved
        },
        note,
        simulated,
        land_title,
    })
}

fn title_already() -> AppError {
    AppError::Conflict {
        field: None,
        message: "项目用地已登记不动产权证,不需再次登记".into(),
    }
}

fn needs_title(case: &CaseRow) -> bool {
    crate::catalogue()
        .get(&case.matter_code)
        .is_some_and(|m| m.needs_land_title)
}

/// The conditions of a 模拟 approval and its last day, after today.
fn simulation_terms(input: &CaseDecisionInput, today: NaiveDate) -> AppResult<(String, NaiveDate)> {
    let conditions = required_text(
        "conditions",
        input.conditions.as_deref().unwrap_or_default(),
        500,
        "项目用地尚未取得不动产权证,只能模拟审批:请写明模拟审批的条件",
    )?;
    let lapses_on = input.lapses_on.as_deref().unwrap_or_default();
    let lapses_on = date_within(
        "lapses_on",
        lapses_on,
        today + chrono::Duration::days(1)..,
        || "请填写模拟审批的失效日期(今天以后,如 2027-06-30):届时仍未取得不动产权证即失效".into(),
    )?;
    Ok((conditions, lapses_on))
}

/// A matter is decided only once its prerequisites are approved, formally or 模拟.
async fn prerequisites_done(
    conn: &mut Conn,
    project: &ProjectRow,
    case: &CaseRow,
) -> AppResult<()> {
    let cases = store::of_project(conn, project.id).await?;
    let open: Vec<&str> = crate::catalogue()
        .open_prerequisites(&case.matter_code, &going_on(&cases))
        .into_iter()
        .map(|m: &MatterDef| m.name.as_str())
        .collect();
    if open.is_empty() {
        return Ok(());
    }
    Err(AppError::Conflict {
        field: None,
        message: format!("前置事项“{}”尚未办结,本事项暂不能准予许可", open.join("”“")),
    })
}

/// The matters approved, formally or 模拟, of a project's cases: those that let others go on.
pub(crate) fn going_on(cases: &[CaseRow]) -> Vec<&str> {
    cases
        .iter()
        .filter(|c| c.status.lets_others_go_on())
        .map(|c| c.matter_code.as_str())
        .collect()
}

/// Records the land's title and makes every 模拟 approval of the project formal, in one step and
/// without a new application, each traced.
async fn register_title(
    conn: &mut Conn,
    who: &Principal,
    meta: &RequestMeta,
    project: &ProjectRow,
    title: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    if !project_store::set_land_title(conn, project.id, title, now).await? {
        return Err(title_already());
    }
    // A 模拟 approval past its last day has lapsed, whether or not the lapse job ran yet.
    let today = local_date(now);
    let still_holds = |c: &CaseRow| c.lapses_on.is_some_and(|last| last >= today);
    let titled = project_again(conn, &project.code).await?;
    for case in store::of_project(conn, project.id).await? {
        if case.status == CaseStatus::Simulated
            && still_holds(&case)
            && store::end_simulation(conn, case.id, CaseStatus::Approved, now).await?
        {
            let detail = serde_json::json!({ "project": project.code, "land_title_no": title });
            let change = ("construction.case_made_formal", detail);
            crate::trail::on_case(conn, (who, meta), &case, change, now).await?;
            let note = case.decision_note.clone().unwrap_or_default();
            crate::licence::issue(conn, (who, meta), (&titled, &case), &note, now).await?;
        }
    }
    Ok(())
}

/// 模拟 approvals whose last day has passed without the land's title lapse; each traced.
/// Safe to run in several processes: a case moves once.
pub async fn lapse_simulated(app: &App) -> AppResult<usize> {
    let now = app.now();
    let mut conn = app.db.conn().await?;
    let due = store::simulated_past(&mut conn, local_date(now)).await?;
    drop(conn);
    let mut lapsed = 0;
    for case in due {
        let mut tx = app.db.begin().await?;
        if store::end_simulation(&mut tx, case.id, CaseStatus::Lapsed, now).await? {
            let system = Principal::system();
            let meta = RequestMeta::default();
            record(
                &mut tx,
                &system,
                &meta,
                "construction.case_lapsed",
                &case,
                now,
            )
            .await?;
            lapsed += 1;
        }
        tx.commit().await.map_err(StoreError::from)?;
    }
    Ok(lapsed)
}

/// The answer when a case is no longer where the action expects it.
pub(crate) fn moved_on(case: &CaseRow) -> AppError {
    AppError::Conflict {
        field: None,
        message: format!("本件已{},请刷新后再看", case.status.label_zh()),
    }
}

async fn record(
    conn: &mut Conn,
    who: &Principal,
    meta: &RequestMeta,
    action: &str,
    case: &CaseRow,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let detail = serde_json::json!({ "project": case.project_code, "matter": case.matter_code });
    crate::trail::on_case(conn, (who, meta), case, (action, detail), now).await
}

/// One case, if the caller may see it.
pub async fn get(app: &App, who: &Principal, receipt_no: &str) -> AppResult<CaseView> {
    let mut conn = app.db.conn().await?;
    view_in(&mut conn, who, receipt_no).await
}

pub(crate) async fn view_in(
    conn: &mut Conn,
    who: &Principal,
    receipt_no: &str,
) -> AppResult<CaseView> {
    let (project, case) = visible_case(conn, who, receipt_no).await?;
    let case_id = case.id;
    let clocks = deadline_store::for_object(conn, OBJECT, &case.receipt_no).await?;
    let clock = clocks.iter().rev().find(|d| d.kind == CLOCK);
    // A paused limit has no day yet: it moves by the time the pause lasts.
    let clock_paused = clock.is_some_and(|d| d.paused_at.is_some());
    let due_at = clock.filter(|d| d.paused_at.is_none()).map(|d| d.due_at);
    let owner = qinqing_kernel::store::attachments::Owner {
        kind: OBJECT,
        id: &case.receipt_no,
    };
    let files = qinqing_kernel::attachments::listed(conn, owner).await?;
    let ours = of_department(who, &case);
    let mut shown = view(who, case, due_at);
    shown.may_supply = acts_for(who, &project)
        && shown.status == CaseStatus::Accepted
        && shown.tolerated_material.is_some()
        && shown.supplied_at.is_none();
    shown.supplied_files = files;
    shown.clock_paused = clock_paused;
    // Each item served on the day of the application, which is what the department judges.
    let applied_on = local_date(shown.submitted_at);
    shown.materials = crate::vault::of_case(conn, (case_id, &shown.matter), applied_on).await?;
    let payment = crate::store::payments::of_case(conn, case_id).await?;
    let payable = shown.status == CaseStatus::Accepted;
    shown.payment = payment.map(|p| crate::fee::payment_view(p, payable));
    shown.may_record_payment = ours && shown.payment.as_ref().is_some_and(|p| p.payable);
    Ok(shown)
}

fn view(who: &Principal, case: CaseRow, due_at: Option<DateTime<Utc>>) -> CaseView {
    let ours = of_department(who, &case);
    let tolerated = case.tolerated.clone();
    CaseView {
        tolerable_materials: match ours && case.status == CaseStatus::Submitted {
            true => crate::tolerance::tolerable(&case.matter_code),
            false => Vec::new(),
        },
        tolerated_material: tolerated.as_ref().map(|t| t.material.clone()),
        supply_by: tolerated.as_ref().map(|t| t.supply_by),
        supplied_at: tolerated.and_then(|t| t.supplied_at),
        may_supply: false,
        supplied_files: Vec::new(),
        materials: Vec::new(),
        clock_paused: false,
        payment: None,
        may_record_payment: false,
        may_survey: crate::survey::may_survey(who, &case),
        may_publish_notice: ours && crate::notice::may_be_noticed(case.status),
        licence_no: case.licence_no.clone(),
        would_be_simulated: needs_title(&case) && case.project_land_title.is_none(),
        registers_land_title: case.matter_code == LAND_TITLE_MATTER,
        conditions: case.conditions.clone(),
        lapses_on: case.lapses_on,
        made_formal_at: case.made_formal_at,
        may_read_trail: who.role.is_staff(),
        may_accept: ours && case.status == CaseStatus::Submitted,
        may_decide: ours && who.role == Role::DepartmentLead && case.status == CaseStatus::Accepted,
        receipt_no: case.receipt_no,
        project_code: case.project_code,
        project_name: case.project_name,
        enterprise_name: case.enterprise_name,
        matter: case.matter_code,
        matter_name: case.matter_name,
        stage: case.stage.label().into(),
        department: case.org_name,
        entrusted_by: case.entrusted_by_name,
        status_label: case.status.label_zh().into(),
        status: case.status,
        promised_days: case.promised_days,
        legal_days: case.legal_days,
        note: case.note,
        submitted_at: case.submitted_at,
        accepted_at: case.accepted_at,
        due_at,
        decided_at: case.decided_at,
        decision_note: case.decision_note,
    }
}

/// The cases of the caller's department, open ones first.
pub async fn queue(app: &App, who: &Principal) -> AppResult<Vec<CaseView>> {
    if !matches!(who.role, Role::Handler | Role::DepartmentLead) {
        return Ok(Vec::new());
    }
    let mut conn = app.db.conn().await?;
    let rows = store::of_org(&mut conn, who.org_id).await?;
    let ids: Vec<&str> = rows.iter().map(|c| c.receipt_no.as_str()).collect();
    let clocks = deadline_store::for_objects(&mut conn, OBJECT, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|case| {
            let due = clocks
                .get(&case.receipt_no)
                .and_then(|ds| ds.iter().rev().find(|d| d.kind == CLOCK))
                .map(|d| d.due_at);
            view(who, case, due)
        })
        .collect())
}
