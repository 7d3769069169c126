//! Adding and rewriting an item, and the steps on it (report, confirm, dispute, waive, breach).

use crate::access::{load, manages, visible};
use crate::agreement::{enterprise_code, fix_from_signing};
use crate::clocks::{sync_clocks, tell_reported};
use crate::evidence::attach_evidence;
use crate::holds::{hold_or_release_incentives, record_suspension};
use crate::input::{check_org, parse_item};
use crate::model::{AgreementView, ItemInput, view};
use crate::steps;
use crate::store;
use crate::store::agreements::CommitmentRow;
use crate::timeline::{as_commitment, timeline, timeline_field};
use qinqing_domain::commitment::{Commitment, Outcome, Timeline};
use qinqing_domain::deadline::local_date;
use qinqing_kernel::attachments::NewMaterial;
use qinqing_kernel::audit::{self, Change};
use qinqing_kernel::error::parsed;
use qinqing_kernel::principal::on_behalf;
use qinqing_kernel::store::{Conn, StoreError};
use qinqing_kernel::{App, AppError, AppResult, FieldErrors, Principal, RequestMeta};
use serde::Deserialize;
use utoipa::ToSchema;

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
    timeline_items.push(item.as_open_commitment());
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

pub(crate) fn conflict(message: &str) -> AppError {
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
/// An item of a visible agreement, by key.
pub(crate) fn find_item<'a>(rows: &'a [CommitmentRow], key: &str) -> AppResult<&'a CommitmentRow> {
    rows.iter()
        .find(|r| r.key == key)
        .ok_or_else(|| AppError::NotFound(format!("协议中没有事项“{key}”")))
}
