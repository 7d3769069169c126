//! The agreement as the use cases take it in (an agreement with its items, an item) and as
//! they show it (the agreement with its timeline, a list entry), drawn from the stored rows and
//! today.

use crate::store::agreements::{AgreementRow, CommitmentRow};
use crate::timeline::timeline;
use chrono::{DateTime, NaiveDate, Utc};
use qinqing_domain::Money;
use qinqing_domain::commitment::{Due, ItemType, Outcome, Scheduled, Side, Status};
use qinqing_domain::deadline::local_date;
use qinqing_kernel::{App, AppResult};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The object type an item is known by: its clocks and its evidence files are filed under it.
pub(crate) const OBJECT: &str = "commitment";
/// An agreement's page, where messages about its items link.
pub(crate) fn page_of(agreement_id: i64) -> String {
    format!("/agreements/{agreement_id}")
}

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

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ItemView {
    pub id: i64,
    pub key: String,
    /// government | enterprise
    #[schema(value_type = String)]
    pub side: Side,
    pub side_label: &'static str,
    #[schema(value_type = String)]
    pub item_type: ItemType,
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
    /// planned | due_soon | due | overdue | reported | fulfilled_on_time | fulfilled_late |
    /// waived | breached | suspended
    #[schema(value_type = String)]
    pub status: Status,
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
        side: row.side,
        side_label: row.side.label_zh(),
        item_type: row.item_type,
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
        status: s.status,
        status_label: s.status.label_zh(),
        fulfilled_on,
        evidence: row.evidence.clone(),
        note: row.outcome_note.clone(),
    }
}
pub(crate) fn view(
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
