//! Reading an item as staff enter it (the form, the JSON API, an XLSX row) into a validated
//! [`Item`], each mistake named by its field.

use crate::model::{FROM_SIGNING, ItemInput};
use crate::store::agreements::CommitmentFields;
use chrono::NaiveDate;
use qinqing_domain::commitment::{Commitment, Due, ItemType, Offset, OffsetUnit, Outcome, Side};
use qinqing_kernel::store::{Conn, orgs};
use qinqing_kernel::{AppError, AppResult, FieldErrors};

const MAX_TEXT: usize = 500;
const MAX_KEY: usize = 40;

/// An item as validated, owning its texts.
pub(crate) struct Item {
    pub(crate) key: String,
    pub(crate) side: Side,
    pub(crate) item_type: ItemType,
    pub(crate) clause: String,
    pub(crate) content: String,
    pub(crate) responsible_org_id: Option<i64>,
    pub(crate) responsible_unit: String,
    pub(crate) responsible_person: String,
    pub(crate) due: Due,
    pub(crate) replanned: Option<NaiveDate>,
    pub(crate) evidence: String,
}

impl Item {
    pub(crate) fn fields(&self) -> CommitmentFields<'_> {
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

    /// The item as the timeline takes it, before anything is reported on it.
    pub(crate) fn as_open_commitment(&self) -> Commitment {
        Commitment {
            key: self.key.clone(),
            side: self.side,
            item_type: self.item_type,
            due: self.due.clone(),
            replanned: self.replanned,
            outcome: Outcome::Open,
        }
    }
}

pub(crate) fn parse_date(text: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| format!("“{}”不是有效日期,请按 2026-06-30 的格式填写", text.trim()))
}

pub(crate) fn text(value: &str, required: bool, what: &str) -> Result<String, String> {
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

pub(crate) fn parse_item(
    input: &ItemInput,
    prefix: &str,
    errors: &mut FieldErrors,
) -> Option<Item> {
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
pub(crate) async fn check_org(conn: &mut Conn, item: &Item, field: &str) -> AppResult<()> {
    let Some(id) = item.responsible_org_id else {
        return Ok(());
    };
    match orgs::get(conn, id).await? {
        Some(org) if org.kind.is_government() => Ok(()),
        _ => Err(AppError::invalid(field, "责任单位应为政府部门或镇(街道)")),
    }
}
