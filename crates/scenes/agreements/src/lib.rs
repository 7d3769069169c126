//! 政企合同双兑现 ("承诺必践"), a scene of the Qinqing platform: investment agreements between
//! the district and an enterprise, split into the commitment items of both sides (承诺事项),
//! each on the kernel's shared time-limit mechanism — with the project pages and the JSON API
//! to record and act on them, the XLSX import of items, the agreement document, supervision of
//! fulfilment by 效能办, 招商办 and 纪检, and the demo district's agreements. It plugs into the
//! kernel through [`scene()`].
//!
//! Planned dates are never stored: they follow from the items and today (see
//! `qinqing_domain::commitment`). Every change to an agreement re-syncs the clocks of its items
//! in the same transaction, so an open item always has exactly one running clock ending on its
//! planned date — supervised by 效能办 for government items and by 招商办 for enterprise items —
//! and a dependant whose date moved gets a new clock and tells the people answering for it.

pub mod api;
pub mod demo;
pub mod document;
pub mod import;
pub mod pages;
pub mod scene;
pub mod steps;
pub mod store;
pub mod supervision;

/// The scene, as the binary hands it to the kernel at start-up.
pub fn scene() -> std::sync::Arc<dyn qinqing_kernel::web::WebScene> {
    std::sync::Arc::new(scene::Agreements)
}

use crate::store::agreements::{AgreementRow, CommitmentFields, CommitmentRow, NewAgreement};
use chrono::{DateTime, NaiveDate, Utc};
use qinqing_domain::commitment::{
    Commitment, Due, ItemType, Offset, OffsetUnit, Outcome, STANDARD_TEMPLATE, Scheduled, Side,
    Status, Timeline, TimelineError,
};
use qinqing_domain::deadline::{Limit, LimitUnit, end_of_day, local_date};
use qinqing_domain::org::{Role, Scope};
use qinqing_domain::{CreditCode, DivisionCode, Money};
use qinqing_kernel::attachments::NewMaterial;
use qinqing_kernel::attachments::{self, AttachmentView, FileContent};
use qinqing_kernel::audit::{self, Change};
use qinqing_kernel::deadlines::{self, ClockAction, Start};
use qinqing_kernel::error::parsed;
use qinqing_kernel::notifications::{self, NewMessage, Template};
use qinqing_kernel::principal::{acts_for_enterprise, on_behalf};
use qinqing_kernel::store::attachments::Owner;
use qinqing_kernel::store::deadlines::{self as clock_store, State};
use qinqing_kernel::store::{Conn, StoreError, enterprises, orgs, users};
use qinqing_kernel::{App, AppError, AppResult, FieldErrors, Principal, RequestMeta};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The family of clocks commitment items run on. An item's clock is of the kind
/// `commitment.<type>` (e.g. `commitment.land_delivery`), so its warning rule (提醒/警示/催告
/// hours) is configured per item type, falling back to `commitment`, then to the default.
pub const CLOCK_KIND: &str = "commitment";
const OBJECT: &str = "commitment";
const MAX_TEXT: usize = 500;
const MAX_KEY: usize = 40;
/// `after` of an item counted from the signing date (not an item: a reserved key).
pub const FROM_SIGNING: &str = "signing";

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct AgreementInput {
    /// 项目名称
    pub project_name: String,
    /// The enterprise's 统一社会信用代码, once it is registered.
    pub credit_code: Option<String>,
    /// 投资方名称; defaults to the enterprise's name.
    pub investor_name: Option<String>,
    /// Where the project is (division code); defaults to the enterprise's region.
    pub region_code: Option<String>,
    /// 签约日期, YYYY-MM-DD
    pub signed_on: String,
    /// 总投资, in yuan with up to two decimals.
    pub total_investment: String,
    /// Itemise from the standard chain (企业注册 … 达产税收) before `items`.
    #[serde(default)]
    pub from_template: bool,
    #[serde(default)]
    pub items: Vec<ItemInput>,
}

/// One commitment item as staff enter it: due either on `due_on`, or `offset` `offset_unit`
/// after the item `after`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ItemInput {
    /// 事项编号, unique within the agreement (letters, digits, `_`, `-`).
    pub key: String,
    /// government | enterprise
    pub side: String,
    /// 事项类型: registration | land_delivery | design | construction_permit |
    /// construction_start | completion | production | full_production | incentive (政府方奖补兑现)
    /// | other. Defaults to the type whose code is the key, else other.
    pub item_type: Option<String>,
    /// 合同条款, e.g. "第五条第二款"
    #[serde(default)]
    pub clause: String,
    pub content: String,
    /// The government unit answering for a government item (organisation id).
    pub responsible_org_id: Option<i64>,
    #[serde(default)]
    pub responsible_unit: String,
    #[serde(default)]
    pub responsible_person: String,
    pub due_on: Option<String>,
    /// The key of the item this one follows, or `signing` (签约之日起): the due date is then
    /// fixed as `offset` after the signing date.
    pub after: Option<String>,
    pub offset: Option<u32>,
    /// months | calendar_days | working_days (default months)
    pub offset_unit: Option<String>,
    /// 改期后的日期
    pub replanned_on: Option<String>,
    #[serde(default)]
    pub evidence: String,
}

/// A step on an item.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum ItemAction {
    /// The responsible side reports fulfilment on `on` with its evidence.
    Report { on: String, evidence: String },
    /// The other side confirms a report.
    Confirm,
    /// The other side disputes a report; the item is open again.
    Dispute { reason: String },
    /// A department lead waives the item.
    Waive { reason: String },
    /// 招商办 or a department lead records a breach of an overdue item.
    Breach { reason: String },
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ItemView {
    pub id: i64,
    pub key: String,
    pub side: &'static str,
    pub side_label: &'static str,
    pub item_type: &'static str,
    pub item_type_label: &'static str,
    pub clause: String,
    pub content: String,
    pub responsible_org_id: Option<i64>,
    pub responsible_unit: String,
    pub responsible_person: String,
    /// The rule as written: "2026-06-30" or "“土地出让及交地”完成后 3 个月".
    pub due_label: String,
    pub due_on: Option<NaiveDate>,
    pub after: Option<String>,
    /// With `after`: how long after it (amount, months | calendar_days | working_days).
    pub offset: Option<u32>,
    pub offset_unit: Option<&'static str>,
    pub replanned_on: Option<NaiveDate>,
    /// The date the item is planned for today, after every slip and fulfilment upstream.
    pub planned_on: NaiveDate,
    pub status: &'static str,
    pub status_label: &'static str,
    /// The date reported or confirmed.
    pub fulfilled_on: Option<NaiveDate>,
    pub evidence: String,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AgreementView {
    pub id: i64,
    pub project_name: String,
    pub credit_code: Option<String>,
    pub investor_name: String,
    pub region_code: String,
    pub signed_on: NaiveDate,
    /// 总投资 (yuan, exact)
    pub total_investment: String,
    /// An enterprise item stands breached: the government's incentive items (奖补兑现) are
    /// suspended (暂停兑现) until a lead waives the breach.
    pub incentives_suspended: bool,
    pub items: Vec<ItemView>,
}

/// An agreement in a list, with how its items stand.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AgreementSummary {
    pub id: i64,
    pub project_name: String,
    pub investor_name: String,
    pub signed_on: NaiveDate,
    pub items: usize,
    pub overdue: usize,
    pub breached: usize,
}

/// The clock kind of an item of type `t`.
pub fn clock_kind(t: ItemType) -> String {
    format!("{CLOCK_KIND}.{}", t.as_str())
}

/// Whether a clock kind is one of the commitment items' (`commitment` or `commitment.<type>`).
pub fn is_commitment_clock(kind: &str) -> bool {
    kind == CLOCK_KIND
        || kind
            .strip_prefix(CLOCK_KIND)
            .is_some_and(|rest| rest.starts_with('.'))
}

/// The standard chain, for the itemising form.
pub fn standard_template() -> &'static [qinqing_domain::commitment::TemplateNode] {
    &STANDARD_TEMPLATE
}

// ----- who may do what -----

/// Government staff who record agreements (within their scope).
pub fn may_create(who: &Principal) -> bool {
    matches!(
        who.role,
        Role::Handler | Role::DepartmentLead | Role::SupervisorInvestment | Role::Admin
    )
}

/// Government staff who itemise and manage agreements in their scope.
fn manages(who: &Principal, a: &AgreementRow) -> bool {
    match who.role {
        Role::Admin => true,
        Role::SupervisorInvestment => covers(who, &a.region_code),
        Role::Handler | Role::DepartmentLead => {
            who.org_id == a.created_org_id && covers(who, &a.region_code)
        }
        _ => false,
    }
}

fn covers(who: &Principal, region: &str) -> bool {
    DivisionCode::parse(region).is_ok_and(|r| who.scope.covers_region(&r))
}

fn is_own_enterprise(who: &Principal, a: &AgreementRow) -> bool {
    acts_for_enterprise(who)
        && a.credit_code
            .as_deref()
            .is_some_and(|c| who.enterprises().iter().any(|e| e.as_str() == c))
}

/// Whether a staff member's own organisation answers for an item.
fn answers_for(who: &Principal, item: &CommitmentRow) -> bool {
    matches!(who.role, Role::Handler | Role::DepartmentLead)
        && item.responsible_org_id == Some(who.org_id)
}

/// The enterprise sees its own agreements; departments those they manage or answer an item of;
/// supervisors everything in their scope; 纪检 and the administrator everything.
fn may_see(who: &Principal, a: &AgreementRow, items: &[CommitmentRow]) -> bool {
    match who.role {
        Role::EnterpriseUser | Role::Steward => is_own_enterprise(who, a),
        Role::SupervisorEfficiency | Role::SupervisorInvestment | Role::SupervisorDiscipline => {
            who.scope == Scope::All || covers(who, &a.region_code)
        }
        Role::Admin => true,
        Role::Handler | Role::DepartmentLead => {
            manages(who, a) || items.iter().any(|i| answers_for(who, i))
        }
        _ => false,
    }
}

/// The side that answers for an item may report it: the enterprise for its items (the managing
/// staff while the investor has not registered yet), the responsible unit for government ones.
fn may_report(who: &Principal, a: &AgreementRow, item: &CommitmentRow) -> bool {
    match item.side {
        Side::Enterprise => {
            is_own_enterprise(who, a) || (a.enterprise_id.is_none() && manages(who, a))
        }
        Side::Government => {
            answers_for(who, item) || (item.responsible_org_id.is_none() && manages(who, a))
        }
    }
}

/// The other side confirms or disputes.
fn may_confirm(who: &Principal, a: &AgreementRow, item: &CommitmentRow) -> bool {
    match item.side {
        Side::Enterprise => manages(who, a),
        Side::Government => is_own_enterprise(who, a),
    }
}

fn may_waive(who: &Principal, a: &AgreementRow) -> bool {
    who.role == Role::Admin || (who.role == Role::DepartmentLead && manages(who, a))
}

fn may_record_breach(who: &Principal, a: &AgreementRow) -> bool {
    matches!(
        who.role,
        Role::Admin | Role::SupervisorInvestment | Role::DepartmentLead
    ) && manages(who, a)
}

// ----- input -----

/// An item as validated, owning its texts.
struct Item {
    key: String,
    side: Side,
    item_type: ItemType,
    clause: String,
    content: String,
    responsible_org_id: Option<i64>,
    responsible_unit: String,
    responsible_person: String,
    due: Due,
    replanned: Option<NaiveDate>,
    evidence: String,
}

impl Item {
    fn fields(&self) -> CommitmentFields<'_> {
        CommitmentFields {
            key: &self.key,
            side: self.side,
            item_type: self.item_type,
            clause: &self.clause,
            content: &self.content,
            responsible_org_id: self.responsible_org_id,
            responsible_unit: &self.responsible_unit,
            responsible_person: &self.responsible_person,
            due: &self.due,
            replanned: self.replanned,
            evidence: &self.evidence,
        }
    }
}

fn parse_date(text: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| format!("“{}”不是有效日期,请按 2026-06-30 的格式填写", text.trim()))
}

fn text(value: &str, required: bool, what: &str) -> Result<String, String> {
    let value = value.trim();
    if required && value.is_empty() {
        return Err(format!("请填写{what}"));
    }
    if value.chars().count() > MAX_TEXT {
        return Err(format!("{what}不能超过 {MAX_TEXT} 字"));
    }
    Ok(value.to_string())
}

fn parse_key(key: &str) -> Result<String, String> {
    let key = key.trim();
    let ok = !key.is_empty()
        && key != FROM_SIGNING
        && key.len() <= MAX_KEY
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if ok {
        Ok(key.to_string())
    } else {
        Err(format!(
            "事项编号须为 1 至 {MAX_KEY} 位字母、数字、下划线或连字符"
        ))
    }
}

fn parse_due(input: &ItemInput, prefix: &str, errors: &mut FieldErrors) -> Option<Due> {
    match (&input.due_on, &input.after) {
        (Some(date), None) => errors
            .check(&format!("{prefix}due_on"), parse_date(date))
            .map(|date| Due::On { date }),
        (None, Some(after)) => {
            let unit = input.offset_unit.as_deref().unwrap_or("months");
            let unit = errors.check(
                &format!("{prefix}offset_unit"),
                OffsetUnit::parse(unit).ok_or("期限单位应为 months、calendar_days 或 working_days"),
            );
            let amount = errors.check(
                &format!("{prefix}offset"),
                input.offset.ok_or("请填写前置事项完成后多长时间内履约"),
            );
            Some(Due::After {
                item: after.trim().to_string(),
                offset: Offset {
                    amount: amount?,
                    unit: unit?,
                },
            })
        }
        _ => {
            errors.add(
                &format!("{prefix}due_on"),
                "请填写履约日期,或选择前置事项及期限(二者择一)",
            );
            None
        }
    }
}

/// The item's type as given, or the type whose code is its key. Incentives (奖补兑现) are paid by
/// the government side, which is what a breach suspends.
fn parse_item_type(input: &ItemInput, side: Option<Side>) -> Result<ItemType, String> {
    let t = match input.item_type.as_deref().map(str::trim) {
        Some(t) if !t.is_empty() => ItemType::parse(t).ok_or_else(|| {
            let names: Vec<_> = ItemType::ALL
                .iter()
                .map(|t| format!("{}({})", t.as_str(), t.label_zh()))
                .collect();
            format!("事项类型应为 {}", names.join("、"))
        })?,
        _ => ItemType::parse(input.key.trim()).unwrap_or(ItemType::Other),
    };
    if t == ItemType::Incentive && side == Some(Side::Enterprise) {
        return Err("奖补兑现是政府方的承诺,承诺方应为政府方".into());
    }
    Ok(t)
}

fn parse_item(input: &ItemInput, prefix: &str, errors: &mut FieldErrors) -> Option<Item> {
    let f = |name: &str| format!("{prefix}{name}");
    let key = errors.check(&f("key"), parse_key(&input.key));
    let side = errors.check(
        &f("side"),
        Side::parse(input.side.trim()).ok_or("承诺方应为 government(政府方)或 enterprise(企业方)"),
    );
    let item_type = errors.check(&f("item_type"), parse_item_type(input, side));
    let clause = errors.check(&f("clause"), text(&input.clause, false, "合同条款"));
    let content = errors.check(&f("content"), text(&input.content, true, "承诺内容"));
    let unit = errors.check(
        &f("responsible_unit"),
        text(&input.responsible_unit, false, "责任单位"),
    );
    let person = errors.check(
        &f("responsible_person"),
        text(&input.responsible_person, false, "责任人"),
    );
    let evidence = errors.check(&f("evidence"), text(&input.evidence, false, "履约佐证"));
    let due = parse_due(input, prefix, errors);
    let replanned = match &input.replanned_on {
        Some(d) => Some(errors.check(&f("replanned_on"), parse_date(d))?),
        None => None,
    };
    Some(Item {
        key: key?,
        side: side?,
        item_type: item_type?,
        clause: clause?,
        content: content?,
        responsible_org_id: input.responsible_org_id,
        responsible_unit: unit?,
        responsible_person: person?,
        due: due?,
        replanned,
        evidence: evidence?,
    })
}

/// A government unit named as responsible must exist and be a government organisation.
async fn check_org(conn: &mut Conn, item: &Item, field: &str) -> AppResult<()> {
    let Some(id) = item.responsible_org_id else {
        return Ok(());
    };
    match orgs::get(conn, id).await? {
        Some(org) if org.kind.is_government() => Ok(()),
        _ => Err(AppError::invalid(field, "责任单位应为政府部门或镇(街道)")),
    }
}

/// The field a timeline error is about.
fn timeline_field(e: &TimelineError) -> &'static str {
    match e {
        TimelineError::DuplicateKey(_) => "key",
        TimelineError::UnknownReference { .. } | TimelineError::Cycle { .. } => "after",
        TimelineError::OffsetTooLong(_) => "offset",
    }
}

fn as_commitment(row: &CommitmentRow) -> Commitment {
    Commitment {
        key: row.key.clone(),
        side: row.side,
        item_type: row.item_type,
        due: row.due.clone(),
        replanned: row.replanned,
        outcome: row.outcome,
    }
}

fn timeline(rows: &[CommitmentRow]) -> AppResult<Timeline> {
    Timeline::new(rows.iter().map(as_commitment).collect())
        .map_err(|e| AppError::Internal(anyhow::anyhow!("stored timeline is invalid: {e}")))
}

// ----- views -----

fn due_label(due: &Due, rows: &[CommitmentRow]) -> String {
    match due {
        Due::On { date } => date.to_string(),
        Due::After { item, offset } => {
            let title = rows
                .iter()
                .find(|r| &r.key == item)
                .map_or(item.as_str(), |r| r.content.as_str());
            format!("“{title}”完成后 {}", offset.label_zh())
        }
    }
}

fn item_view(row: &CommitmentRow, s: &Scheduled, rows: &[CommitmentRow]) -> ItemView {
    let fulfilled_on = match row.outcome {
        Outcome::Reported { on } | Outcome::Fulfilled { on } => Some(on),
        _ => None,
    };
    let (due_on, after, offset) = match &row.due {
        Due::On { date } => (Some(*date), None, None),
        Due::After { item, offset } => (None, Some(item.clone()), Some(*offset)),
    };
    ItemView {
        id: row.id,
        key: row.key.clone(),
        side: row.side.as_str(),
        side_label: row.side.label_zh(),
        item_type: row.item_type.as_str(),
        item_type_label: row.item_type.label_zh(),
        clause: row.clause.clone(),
        content: row.content.clone(),
        responsible_org_id: row.responsible_org_id,
        responsible_unit: row.responsible_unit.clone(),
        responsible_person: row.responsible_person.clone(),
        due_label: due_label(&row.due, rows),
        due_on,
        after,
        offset: offset.map(|o| o.amount),
        offset_unit: offset.map(|o| o.unit.as_str()),
        replanned_on: row.replanned,
        planned_on: s.planned,
        status: s.status.as_str(),
        status_label: s.status.label_zh(),
        fulfilled_on,
        evidence: row.evidence.clone(),
        note: row.outcome_note.clone(),
    }
}

fn schedule(app: &App, rows: &[CommitmentRow], now: DateTime<Utc>) -> AppResult<Vec<Scheduled>> {
    Ok(timeline(rows)?.schedule(local_date(now), &app.calendar()))
}

fn view(
    app: &App,
    a: &AgreementRow,
    rows: &[CommitmentRow],
    now: DateTime<Utc>,
) -> AppResult<AgreementView> {
    let timeline = timeline(rows)?;
    let scheduled = timeline.schedule(local_date(now), &app.calendar());
    Ok(AgreementView {
        id: a.id,
        project_name: a.project_name.clone(),
        credit_code: a.credit_code.clone(),
        investor_name: a.investor_name.clone(),
        region_code: a.region_code.clone(),
        signed_on: a.signed_on,
        total_investment: Money::from_fen(a.total_investment_fen).to_string(),
        incentives_suspended: timeline.incentives_suspended(),
        items: rows
            .iter()
            .zip(&scheduled)
            .map(|(r, s)| item_view(r, s, rows))
            .collect(),
    })
}

// ----- clocks -----

/// Gives every open item one running clock ending on its planned date and stops the clocks of
/// closed items; tells the people answering for an item whose date moved. Returns the moves
/// as (key, from, to) for the audit entry.
pub(crate) async fn sync_clocks(
    conn: &mut Conn,
    app: &App,
    a: &AgreementRow,
    now: DateTime<Utc>,
) -> AppResult<Vec<(String, NaiveDate, NaiveDate)>> {
    store::agreements::lock(conn, a.id).await?;
    let rows = store::agreements::commitments(conn, a.id).await?;
    let scheduled = schedule(app, &rows, now)?;
    let region = DivisionCode::parse(&a.region_code).map_err(|e| AppError::Internal(e.into()))?;
    let mut moved = Vec::new();
    for (row, s) in rows.iter().zip(&scheduled) {
        let object_id = row.id.to_string();
        let kind = clock_kind(row.item_type);
        // A suspended incentive's clock stops; lifting the suspension starts a new one.
        let runs = row.outcome == Outcome::Open && s.status != Status::Suspended;
        let wanted = runs.then(|| end_of_day(s.planned));
        let open: Vec<_> = clock_store::for_object(conn, OBJECT, &object_id)
            .await?
            .into_iter()
            .filter(|d| is_commitment_clock(&d.kind) && d.state != State::Stopped)
            .collect();
        if open.len() == 1 && open[0].kind == kind && wanted == Some(open[0].due_at) {
            continue;
        }
        let object = (OBJECT, object_id.as_str());
        let mut stopped: Vec<&str> = Vec::new();
        for d in &open {
            if !stopped.contains(&d.kind.as_str()) {
                stopped.push(&d.kind);
                deadlines::control_open(conn, app, object, &d.kind, ClockAction::Stop, now).await?;
            }
        }
        let Some(due) = wanted else { continue };
        let label = format!("{}:{}", a.project_name, row.content);
        let days = (s.planned - local_date(now)).num_days().max(0);
        let start = Start {
            object_type: OBJECT,
            object_id: &object_id,
            kind: &kind,
            label: &label,
            region: &region,
            side: match row.side {
                Side::Government => deadlines::Side::Government,
                Side::Enterprise => deadlines::Side::Enterprise,
            },
            limit: Limit {
                unit: LimitUnit::CalendarDays,
                amount: u32::try_from(days).unwrap_or(u32::MAX),
            },
            // The responsible unit answers for a government item; the managing department
            // chases the investor for the others.
            org_id: Some(row.responsible_org_id.unwrap_or(a.created_org_id)),
        };
        deadlines::start_until(conn, app, start, due, now).await?;
        if let Some(before) = open.first() {
            let from = local_date(before.due_at - chrono::Duration::seconds(1));
            if from != s.planned {
                tell_moved(conn, a, row, &label, from, s.planned, now).await?;
                moved.push((row.key.clone(), from, s.planned));
            }
        }
    }
    Ok(moved)
}

/// The people answering for an item: the enterprise's users for its items, the responsible
/// unit's handlers and lead for government ones.
async fn answerable(conn: &mut Conn, a: &AgreementRow, row: &CommitmentRow) -> AppResult<Vec<i64>> {
    match (row.side, a.enterprise_id, row.responsible_org_id) {
        (Side::Enterprise, Some(enterprise), _) => {
            Ok(users::of_enterprise(conn, enterprise).await?)
        }
        (Side::Government, _, Some(org)) => case_staff(conn, org).await,
        _ => Ok(Vec::new()),
    }
}

/// The people who confirm an item's report: the managing department's staff for enterprise
/// items, the enterprise's users for government ones.
async fn confirmers(conn: &mut Conn, a: &AgreementRow, row: &CommitmentRow) -> AppResult<Vec<i64>> {
    match (row.side, a.enterprise_id) {
        (Side::Enterprise, _) => case_staff(conn, a.created_org_id).await,
        (Side::Government, Some(enterprise)) => Ok(users::of_enterprise(conn, enterprise).await?),
        (Side::Government, None) => Ok(Vec::new()),
    }
}

/// The handlers and lead of a government unit.
async fn case_staff(conn: &mut Conn, org: i64) -> AppResult<Vec<i64>> {
    Ok(
        users::enabled_with_roles(conn, &[Role::Handler, Role::DepartmentLead])
            .await?
            .into_iter()
            .filter(|u| u.org_id == org)
            .map(|u| u.id)
            .collect(),
    )
}

/// Asks the other side to confirm a report.
async fn tell_reported(
    conn: &mut Conn,
    a: &AgreementRow,
    row: &CommitmentRow,
    on: NaiveDate,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let label = format!("{}:{}", a.project_name, row.content);
    for user in confirmers(conn, a, row).await? {
        let message = NewMessage {
            recipient_user_id: user,
            template: Template::CommitmentReported,
            params: serde_json::json!({ "object": label, "on": on.to_string() }),
            idempotency_key: format!("commitment:{}:reported:{on}:user:{user}", row.id),
        };
        notifications::enqueue(conn, message, now).await?;
    }
    Ok(())
}

async fn tell_moved(
    conn: &mut Conn,
    a: &AgreementRow,
    row: &CommitmentRow,
    label: &str,
    from: NaiveDate,
    to: NaiveDate,
    now: DateTime<Utc>,
) -> AppResult<()> {
    for user in answerable(conn, a, row).await? {
        let message = NewMessage {
            recipient_user_id: user,
            template: Template::CommitmentMoved,
            params: serde_json::json!({ "object": label, "from": from.to_string(), "due": to.to_string() }),
            idempotency_key: format!("commitment:{}:moved:{to}:user:{user}", row.id),
        };
        notifications::enqueue(conn, message, now).await?;
    }
    Ok(())
}

/// Makes the clocks follow the passing days: while an upstream item is late its dependants'
/// dates move a day each day, so once per agreement and Beijing day their clocks are moved and
/// the people answering for them told. Returns how many items moved.
pub async fn follow_slips(app: &App) -> AppResult<usize> {
    let now = app.now();
    let agreements = {
        let mut conn = app.db.conn().await?;
        store::agreements::list(&mut conn).await?
    };
    let mut moved_items = 0;
    for a in agreements {
        let mut tx = app.db.begin().await?;
        if !store::agreements::claim_daily_sync(&mut tx, a.id, local_date(now)).await? {
            continue;
        }
        let moved = sync_clocks(&mut tx, app, &a, now).await?;
        if !moved.is_empty() {
            moved_items += moved.len();
            let change = Change {
                action: "commitment.moved",
                object_type: "agreement",
                object_id: a.id.to_string(),
                on_behalf_of: None,
                detail: serde_json::json!({ "moved": moved }),
            };
            let system = Principal::system();
            audit::record(&mut tx, &system, &RequestMeta::default(), change, now).await?;
        }
        tx.commit().await.map_err(StoreError::from)?;
    }
    Ok(moved_items)
}

// ----- use cases -----

async fn load(conn: &mut Conn, id: i64) -> AppResult<(AgreementRow, Vec<CommitmentRow>)> {
    let a = store::agreements::get(conn, id)
        .await?
        .ok_or_else(|| AppError::NotFound("没有这份协议".into()))?;
    let rows = store::agreements::commitments(conn, id).await?;
    Ok((a, rows))
}

pub(crate) async fn visible(
    conn: &mut Conn,
    who: &Principal,
    id: i64,
) -> AppResult<(AgreementRow, Vec<CommitmentRow>)> {
    let (a, rows) = load(conn, id).await?;
    if !may_see(who, &a, &rows) {
        return Err(AppError::forbidden("无权查看这份协议"));
    }
    Ok((a, rows))
}

/// The standard chain's items for an agreement signed on `signed_on`: government items answered
/// by the creating unit and enterprise items by the investor until staff assign them.
fn template_items(signed_on: NaiveDate, investor: &str, unit: &str, app: &App) -> Vec<Item> {
    STANDARD_TEMPLATE
        .iter()
        .map(|n| Item {
            key: n.key.to_string(),
            side: n.side,
            item_type: n.item_type(),
            clause: String::new(),
            content: n.title.to_string(),
            responsible_org_id: None,
            responsible_unit: default_unit(n.side, investor, unit),
            responsible_person: String::new(),
            due: n.due(signed_on, &app.calendar()),
            replanned: None,
            evidence: n.evidence.to_string(),
        })
        .collect()
}

/// An item due `offset` after the signing date gets its date fixed: the signing date never moves.
fn fix_from_signing(item: &mut Item, signed_on: NaiveDate, app: &App) {
    if let Due::After { item: up, offset } = &item.due
        && up == FROM_SIGNING
    {
        item.due = Due::On {
            date: offset.apply(signed_on, &app.calendar()),
        };
    }
}

/// Who answers for an item until staff assign it: the investor for the enterprise side, the
/// unit that recorded the agreement for the government side.
fn default_unit(side: Side, investor: &str, unit: &str) -> String {
    match side {
        Side::Government => unit.to_string(),
        Side::Enterprise => investor.to_string(),
    }
}

/// Checks that `items` form a timeline; the error names the item and its field.
fn check_timeline(items: &[Item], field_of: impl Fn(usize, &str) -> String) -> AppResult<()> {
    let commitments = items
        .iter()
        .map(|i| Commitment {
            key: i.key.clone(),
            side: i.side,
            item_type: i.item_type,
            due: i.due.clone(),
            replanned: i.replanned,
            outcome: Outcome::Open,
        })
        .collect();
    Timeline::new(commitments).map(|_| ()).map_err(|e| {
        let index = items.iter().rposition(|i| i.key == e.item()).unwrap_or(0);
        AppError::invalid(&field_of(index, timeline_field(&e)), e.to_string())
    })
}

/// Records an agreement with its items (from the standard template and/or as given).
pub async fn create(
    app: &App,
    who: &Principal,
    input: &AgreementInput,
    meta: &RequestMeta,
) -> AppResult<AgreementView> {
    if !may_create(who) {
        return Err(AppError::forbidden("只有招商部门工作人员可以录入投资协议"));
    }
    let mut errors = FieldErrors::default();
    let project = errors.check("project_name", text(&input.project_name, true, "项目名称"));
    let signed_on = errors.check("signed_on", parse_date(&input.signed_on));
    let investment = errors.check(
        "total_investment",
        Money::parse_yuan(&input.total_investment)
            .map_err(|e| e.to_string())
            .and_then(|m| {
                if m.is_negative() {
                    Err("总投资不能为负数".to_string())
                } else {
                    Ok(m)
                }
            }),
    );
    let code = match input.credit_code.as_deref().map(str::trim) {
        Some(c) if !c.is_empty() => errors.check("credit_code", CreditCode::parse(c)),
        _ => None,
    };
    let given: Vec<Option<Item>> = input
        .items
        .iter()
        .enumerate()
        .map(|(i, item)| parse_item(item, &format!("items[{i}]."), &mut errors))
        .collect();
    errors.finish()?;
    let (project, signed_on) = (parsed(project)?, parsed(signed_on)?);
    let investment = parsed(investment)?;
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let enterprise = match &code {
        Some(code) => Some(
            enterprises::get_by_credit_code(&mut tx, code)
                .await?
                .ok_or_else(|| AppError::invalid("credit_code", "平台上没有这家企业"))?,
        ),
        None => None,
    };
    let investor = match (input.investor_name.as_deref().map(str::trim), &enterprise) {
        (Some(name), _) if !name.is_empty() => {
            text(name, true, "投资方名称").map_err(|m| AppError::invalid("investor_name", m))?
        }
        (_, Some(e)) => e.identity.name.clone(),
        _ => {
            return Err(AppError::invalid(
                "investor_name",
                "请填写投资方名称或企业信用代码",
            ));
        }
    };
    let region = match (
        input.region_code.as_deref().map(str::trim),
        &enterprise,
        &who.scope,
    ) {
        (Some(r), _, _) if !r.is_empty() => {
            DivisionCode::parse(r).map_err(|e| AppError::invalid("region_code", e.to_string()))?
        }
        (_, Some(e), _) => e.identity.region_code.clone(),
        (_, None, Scope::Region(r)) => r.clone(),
        _ => return Err(AppError::invalid("region_code", "请选择项目所在区域")),
    };
    if !who.scope.covers_region(&region) {
        return Err(AppError::invalid(
            "region_code",
            "项目所在区域不在您的管辖范围内",
        ));
    }
    let mut items = if input.from_template {
        template_items(signed_on, &investor, &who.org_name, app)
    } else {
        Vec::new()
    };
    let offset = items.len();
    for (i, item) in given.into_iter().enumerate() {
        let mut item = parsed(item)?;
        fix_from_signing(&mut item, signed_on, app);
        check_org(&mut tx, &item, &format!("items[{i}].responsible_org_id")).await?;
        if item.responsible_unit.is_empty() {
            item.responsible_unit = default_unit(item.side, &investor, &who.org_name);
        }
        items.push(item);
    }
    let field_of = |index: usize, field: &str| match index.checked_sub(offset) {
        Some(i) => format!("items[{i}].{field}"),
        None => "from_template".to_string(),
    };
    check_timeline(&items, field_of)?;
    let new = NewAgreement {
        project_name: &project,
        enterprise_id: enterprise.as_ref().map(|e| e.id),
        investor_name: &investor,
        region_code: region.as_str(),
        signed_on,
        total_investment_fen: investment.fen(),
        created_by: who.user_id,
        created_org_id: who.org_id,
    };
    let id = store::agreements::insert(&mut tx, &new, now).await?;
    for item in &items {
        store::agreements::insert_commitment(&mut tx, id, &item.fields()).await?;
    }
    let (a, _) = load(&mut tx, id).await?;
    sync_clocks(&mut tx, app, &a, now).await?;
    let change = Change {
        action: "agreement.created",
        object_type: "agreement",
        object_id: id.to_string(),
        on_behalf_of: None,
        detail: serde_json::json!({ "project": project, "investor": investor, "signed_on": signed_on,
            "total_investment": investment.to_string(), "items": items.iter().map(|i| &i.key).collect::<Vec<_>>() }),
    };
    audit::record(&mut tx, who, meta, change, now).await?;
    let (a, rows) = load(&mut tx, id).await?;
    let shown = view(app, &a, &rows, now)?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(shown)
}

/// Adds an item (`key` = None) or rewrites the item `key`; dependants' clocks follow.
pub async fn save_item(
    app: &App,
    who: &Principal,
    id: i64,
    key: Option<&str>,
    input: &ItemInput,
    meta: &RequestMeta,
) -> AppResult<AgreementView> {
    let mut errors = FieldErrors::default();
    let item = parse_item(input, "", &mut errors);
    errors.finish()?;
    let mut item = parsed(item)?;
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let (a, rows) = visible(&mut tx, who, id).await?;
    if !manages(who, &a) {
        return Err(AppError::forbidden(
            "只有录入协议的部门或招商办可以修改承诺事项",
        ));
    }
    check_org(&mut tx, &item, "responsible_org_id").await?;
    fix_from_signing(&mut item, a.signed_on, app);
    let existing = match key {
        Some(key) => {
            let row = find_item(&rows, key)?;
            if !matches!(row.outcome, Outcome::Open) {
                return Err(AppError::Conflict {
                    field: None,
                    message: "已申报履约或已办结的事项不能修改".into(),
                });
            }
            // The key is the item's name in other items' rules; it does not change.
            item.key = row.key.clone();
            Some(row.id)
        }
        None => None,
    };
    let mut timeline_items: Vec<Commitment> = rows
        .iter()
        .filter(|r| Some(r.id) != existing)
        .map(as_commitment)
        .collect();
    timeline_items.push(Commitment {
        key: item.key.clone(),
        side: item.side,
        item_type: item.item_type,
        due: item.due.clone(),
        replanned: item.replanned,
        outcome: Outcome::Open,
    });
    Timeline::new(timeline_items)
        .map_err(|e| AppError::invalid(timeline_field(&e), e.to_string()))?;
    match existing {
        Some(row_id) => {
            store::agreements::update_commitment(&mut tx, row_id, &item.fields()).await?
        }
        None => match store::agreements::insert_commitment(&mut tx, id, &item.fields()).await {
            Err(StoreError::Duplicate) => {
                return Err(AppError::invalid("key", "该事项编号在本协议中已使用"));
            }
            other => {
                other?;
            }
        },
    }
    let moved = sync_clocks(&mut tx, app, &a, now).await?;
    let change = Change {
        action: if existing.is_some() {
            "commitment.edited"
        } else {
            "commitment.added"
        },
        object_type: "agreement",
        object_id: id.to_string(),
        on_behalf_of: None,
        detail: serde_json::json!({ "item": item.key, "content": item.content, "due": item.due,
            "replanned_on": item.replanned, "moved": moved }),
    };
    audit::record(&mut tx, who, meta, change, now).await?;
    let (a, rows) = load(&mut tx, id).await?;
    let shown = view(app, &a, &rows, now)?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(shown)
}

fn conflict(message: &str) -> AppError {
    AppError::Conflict {
        field: None,
        message: message.into(),
    }
}

/// Takes a step on item `key`: report, confirm, dispute, waive or breach.
pub async fn act(
    app: &App,
    who: &Principal,
    id: i64,
    key: &str,
    action: &ItemAction,
    meta: &RequestMeta,
) -> AppResult<AgreementView> {
    act_with(app, who, id, key, action, None, meta).await
}

/// Takes a step with an evidence file (a report and its 佐证) in one transaction: a refused
/// step keeps no file, a refused file takes no step.
pub async fn act_with(
    app: &App,
    who: &Principal,
    id: i64,
    key: &str,
    action: &ItemAction,
    file: Option<NewMaterial<'_>>,
    meta: &RequestMeta,
) -> AppResult<AgreementView> {
    let mut tx = app.db.begin().await?;
    if let Some(file) = file {
        attach_evidence(&mut tx, app, who, id, key, file, meta).await?;
    }
    let shown = act_in(&mut tx, app, who, id, key, action, meta).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(shown)
}

async fn act_in(
    tx: &mut Conn,
    app: &App,
    who: &Principal,
    id: i64,
    key: &str,
    action: &ItemAction,
    meta: &RequestMeta,
) -> AppResult<AgreementView> {
    let now = app.now();
    let (a, rows) = visible(tx, who, id).await?;
    let index = rows
        .iter()
        .position(|r| r.key == key)
        .ok_or_else(|| AppError::NotFound(format!("协议中没有事项“{key}”")))?;
    let timeline_before = timeline(&rows)?;
    let scheduled = timeline_before.schedule(local_date(now), &app.calendar());
    let row = &rows[index];
    let (outcome, note) = steps::next_outcome(
        who,
        &a,
        row,
        scheduled[index].status,
        action,
        local_date(now),
    )?;
    if !store::agreements::set_outcome(tx, row.id, row.outcome, outcome, note.as_deref()).await? {
        return Err(conflict("该事项刚被他人处理,请刷新后再试"));
    }
    let was_held = timeline_before.incentives_suspended();
    hold_or_release_incentives(tx, &a, &rows, &scheduled, was_held, local_date(now)).await?;
    let moved = sync_clocks(tx, app, &a, now).await?;
    if let Outcome::Reported { on } = outcome {
        tell_reported(tx, &a, row, on, now).await?;
    }
    let code = enterprise_code(&a);
    let action_name = format!("commitment.{}", action.step().past());
    let change = Change {
        action: &action_name,
        object_type: "agreement",
        object_id: id.to_string(),
        on_behalf_of: code.as_ref().and_then(|c| on_behalf(who, c)),
        detail: serde_json::json!({ "item": row.key, "note": note, "planned_on": scheduled[index].planned, "moved": moved }),
    };
    audit::record(tx, who, meta, change, now).await?;
    let (a, rows) = load(tx, id).await?;
    let shown = view(app, &a, &rows, now)?;
    if timeline_before.incentives_suspended() != shown.incentives_suspended {
        record_suspension(tx, who, meta, &shown, &row.key, now).await?;
    }
    Ok(shown)
}

/// A breach that begins holding the incentive payouts records the day; the waiver that releases
/// them moves each held incentive item on by the days it was held (改期), so the government has
/// the time to pay that it had left — one already late stays exactly as late. `rows` and
/// `scheduled` are the items before the step.
async fn hold_or_release_incentives(
    conn: &mut Conn,
    a: &AgreementRow,
    rows: &[CommitmentRow],
    scheduled: &[Scheduled],
    was_held: bool,
    today: NaiveDate,
) -> AppResult<()> {
    let (_, after) = load(conn, a.id).await?;
    let held = timeline(&after)?.incentives_suspended();
    if held && !was_held {
        store::agreements::set_incentives_held(conn, a.id, Some(today)).await?;
    } else if was_held && !held {
        store::agreements::set_incentives_held(conn, a.id, None).await?;
        let days = a
            .incentives_held_since
            .map_or(0, |since| (today - since).num_days());
        for (row, s) in rows.iter().zip(scheduled) {
            if days > 0 && s.status == Status::Suspended {
                store::agreements::set_replanned(
                    conn,
                    row.id,
                    s.planned + chrono::Duration::days(days),
                )
                .await?;
            }
        }
    }
    Ok(())
}

/// Audits a breach suspending the agreement's incentive payouts, or its waiver resuming them,
/// naming the incentive items held or released.
async fn record_suspension(
    conn: &mut Conn,
    who: &Principal,
    meta: &RequestMeta,
    a: &AgreementView,
    cause: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let incentives: Vec<&str> = a
        .items
        .iter()
        .filter(|i| i.item_type == ItemType::Incentive.as_str() && i.side == "government")
        .filter(|i| !a.incentives_suspended || i.status == Status::Suspended.as_str())
        .map(|i| i.key.as_str())
        .collect();
    let change = Change {
        action: if a.incentives_suspended {
            "agreement.incentives_suspended"
        } else {
            "agreement.incentives_resumed"
        },
        object_type: "agreement",
        object_id: a.id.to_string(),
        on_behalf_of: None,
        detail: serde_json::json!({ "cause": cause, "incentives": incentives }),
    };
    audit::record(conn, who, meta, change, now).await?;
    Ok(())
}

/// Links the enterprise an investor registered (企业注册) to the agreement it signed; from then
/// on the enterprise sees the agreement and answers for its items.
pub async fn link_enterprise(
    app: &App,
    who: &Principal,
    id: i64,
    credit_code: &str,
    meta: &RequestMeta,
) -> AppResult<AgreementView> {
    let code = CreditCode::parse(credit_code.trim())
        .map_err(|e| AppError::invalid("credit_code", e.to_string()))?;
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let (a, _) = visible(&mut tx, who, id).await?;
    if !manages(who, &a) {
        return Err(AppError::forbidden(
            "只有录入协议的部门或招商办可以关联企业",
        ));
    }
    let enterprise = enterprises::get_by_credit_code(&mut tx, &code)
        .await?
        .ok_or_else(|| AppError::invalid("credit_code", "平台上没有这家企业"))?;
    if !store::agreements::link_enterprise(&mut tx, id, enterprise.id).await? {
        return Err(conflict("这份协议已关联企业"));
    }
    let change = Change {
        action: "agreement.enterprise_linked",
        object_type: "agreement",
        object_id: id.to_string(),
        on_behalf_of: None,
        detail: serde_json::json!({ "credit_code": code.as_str(), "name": enterprise.identity.name }),
    };
    audit::record(&mut tx, who, meta, change, now).await?;
    let (a, rows) = load(&mut tx, id).await?;
    let shown = view(app, &a, &rows, now)?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(shown)
}

/// The enterprise the agreement is with, once linked: whom staff act on behalf of.
fn enterprise_code(a: &AgreementRow) -> Option<CreditCode> {
    a.credit_code
        .as_deref()
        .and_then(|c| CreditCode::parse(c).ok())
}

/// An item of a visible agreement, by key.
fn find_item<'a>(rows: &'a [CommitmentRow], key: &str) -> AppResult<&'a CommitmentRow> {
    rows.iter()
        .find(|r| r.key == key)
        .ok_or_else(|| AppError::NotFound(format!("协议中没有事项“{key}”")))
}

/// The side answering for an open item uploads its evidence (佐证材料) before reporting.
pub async fn upload_evidence(
    app: &App,
    who: &Principal,
    id: i64,
    key: &str,
    file: NewMaterial<'_>,
    meta: &RequestMeta,
) -> AppResult<AttachmentView> {
    let mut tx = app.db.begin().await?;
    let added = attach_evidence(&mut tx, app, who, id, key, file, meta).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(added)
}

async fn attach_evidence(
    tx: &mut Conn,
    app: &App,
    who: &Principal,
    id: i64,
    key: &str,
    file: NewMaterial<'_>,
    meta: &RequestMeta,
) -> AppResult<AttachmentView> {
    let now = app.now();
    let (a, rows) = visible(tx, who, id).await?;
    let row = find_item(&rows, key)?;
    if !may_report(who, &a, row) {
        return Err(AppError::forbidden("佐证材料由承担该事项的一方上传"));
    }
    if !steps::may_add_evidence(who, &a, row) {
        return Err(AppError::Conflict {
            field: Some("file".into()),
            message: "该事项已申报或已办结,佐证材料不能再改动".into(),
        });
    }
    let object_id = row.id.to_string();
    let owner = Owner {
        kind: OBJECT,
        id: &object_id,
    };
    let added = attachments::attach(
        tx,
        owner,
        file.label,
        file.file_name,
        file.bytes,
        who.user_id,
        now,
    )
    .await?;
    let code = enterprise_code(&a);
    let change = Change {
        action: "commitment.evidence_uploaded",
        object_type: "agreement",
        object_id: id.to_string(),
        on_behalf_of: code.as_ref().and_then(|c| on_behalf(who, c)),
        detail: serde_json::json!({ "item": row.key, "file": added.id, "label": added.label,
            "file_name": added.file_name, "sha256": added.sha256 }),
    };
    audit::record(tx, who, meta, change, now).await?;
    Ok(added)
}

/// The evidence files of an item, for whoever may see the agreement.
pub async fn evidence(
    app: &App,
    who: &Principal,
    id: i64,
    key: &str,
) -> AppResult<Vec<AttachmentView>> {
    let mut conn = app.db.conn().await?;
    let (_, rows) = visible(&mut conn, who, id).await?;
    let object_id = find_item(&rows, key)?.id.to_string();
    let owner = Owner {
        kind: OBJECT,
        id: &object_id,
    };
    attachments::listed(&mut conn, owner).await
}

/// One evidence file's content.
pub async fn evidence_content(
    app: &App,
    who: &Principal,
    id: i64,
    key: &str,
    file_id: i64,
) -> AppResult<FileContent> {
    let mut conn = app.db.conn().await?;
    let (_, rows) = visible(&mut conn, who, id).await?;
    let object_id = find_item(&rows, key)?.id.to_string();
    let owner = Owner {
        kind: OBJECT,
        id: &object_id,
    };
    attachments::content(&mut conn, owner, file_id).await
}

/// What the caller may do with one item on the project page.
#[derive(Debug, Clone)]
pub struct ItemRights {
    pub steps: Vec<steps::Step>,
    /// Rewrite the item (content, responsibility, due rule, 改期).
    pub edit: bool,
    /// Add evidence files (佐证材料).
    pub add_evidence: bool,
    /// The item's evidence files.
    pub evidence: Vec<AttachmentView>,
}

/// An agreement as its project page shows it to the caller: the timeline, the document, each
/// item's evidence and the steps the caller may take.
#[derive(Debug, Clone)]
pub struct Workspace {
    pub agreement: AgreementView,
    /// The caller itemises and manages the agreement (adds items, links the enterprise,
    /// uploads the document).
    pub manages: bool,
    pub documents: Vec<AttachmentView>,
    /// By item key.
    pub rights: std::collections::HashMap<String, ItemRights>,
}

pub async fn workspace(app: &App, who: &Principal, id: i64) -> AppResult<Workspace> {
    let now = app.now();
    let mut conn = app.db.conn().await?;
    let (a, rows) = visible(&mut conn, who, id).await?;
    let agreement = view(app, &a, &rows, now)?;
    let scheduled = schedule(app, &rows, now)?;
    let mut rights = std::collections::HashMap::new();
    for (row, s) in rows.iter().zip(&scheduled) {
        let status = s.status;
        let object_id = row.id.to_string();
        let owner = Owner {
            kind: OBJECT,
            id: &object_id,
        };
        let entry = ItemRights {
            steps: steps::allowed(who, &a, row, status),
            edit: steps::may_edit(who, &a, row),
            add_evidence: steps::may_add_evidence(who, &a, row),
            evidence: attachments::listed(&mut conn, owner).await?,
        };
        rights.insert(row.key.clone(), entry);
    }
    let documents = document::listed(&mut conn, id).await?;
    Ok(Workspace {
        manages: manages(who, &a),
        agreement,
        documents,
        rights,
    })
}

pub async fn get(app: &App, who: &Principal, id: i64) -> AppResult<AgreementView> {
    let mut conn = app.db.conn().await?;
    let (a, rows) = visible(&mut conn, who, id).await?;
    view(app, &a, &rows, app.now())
}

/// The agreements the caller may see, newest first.
pub async fn list(app: &App, who: &Principal) -> AppResult<Vec<AgreementSummary>> {
    let now = app.now();
    let mut conn = app.db.conn().await?;
    let mut out = Vec::new();
    for a in store::agreements::list(&mut conn).await? {
        let rows = store::agreements::commitments(&mut conn, a.id).await?;
        if !may_see(who, &a, &rows) {
            continue;
        }
        let scheduled = schedule(app, &rows, now)?;
        let count = |status: Status| scheduled.iter().filter(|s| s.status == status).count();
        out.push(AgreementSummary {
            id: a.id,
            items: rows.len(),
            overdue: count(Status::Overdue),
            breached: count(Status::Breached),
            project_name: a.project_name,
            investor_name: a.investor_name,
            signed_on: a.signed_on,
        });
    }
    Ok(out)
}
