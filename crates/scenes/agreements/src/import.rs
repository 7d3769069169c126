//! Commitment items imported from the XLSX template: every row is checked like an item entered
//! in the form, each problem named by its row and column, and nothing is saved on any error.

use crate::access::{load, manages, visible};
use crate::agreement::fix_from_signing;
use crate::clocks::sync_clocks;
use crate::input::parse_item;
use crate::model::{AgreementView, FROM_SIGNING, ItemInput, view};
use crate::store::agreements as store;
use crate::timeline::{as_commitment, timeline_field};
use qinqing_domain::commitment::{Commitment, ItemType, OffsetUnit, Outcome, Side, Timeline};
use qinqing_exchange::commitments::{ItemLine, header_of, read_items};
use qinqing_exchange::{ImportReport, RowError};
use qinqing_kernel::audit::{self, Change};
use qinqing_kernel::error::parsed;
use qinqing_kernel::store::{StoreError, orgs};
use qinqing_kernel::{App, AppError, AppResult, FieldErrors, Principal, RequestMeta};

/// The import template (事项导入模板.xlsx).
pub fn template() -> AppResult<Vec<u8>> {
    qinqing_exchange::commitments::template_xlsx().map_err(|e| AppError::Internal(e.into()))
}

/// A cell's code when it holds one of the labels users type (政府方, 交地, 个月), else as is,
/// so that the item's own check names the accepted codes.
fn code_for<T: Copy>(
    text: &str,
    all: &[T],
    code: fn(T) -> &'static str,
    label: fn(T) -> &'static str,
) -> String {
    all.iter()
        .find(|t| label(**t) == text)
        .map_or_else(|| text.to_string(), |t| code(*t).to_string())
}

fn optional(text: &str) -> Option<String> {
    (!text.is_empty()).then(|| text.to_string())
}

/// The item a row describes, or the problems of its cells.
fn input_of(line: &ItemLine, government: &[orgs::Organisation]) -> Result<ItemInput, RowError> {
    let offset = match line.get("offset") {
        "" => None,
        text => Some(text.parse::<u32>().map_err(|_| RowError {
            row: line.row,
            column: header_of("offset").into(),
            value: text.into(),
            message: "期限应为不小于 0 的整数".into(),
        })?),
    };
    let unit = line.get("responsible_unit");
    Ok(ItemInput {
        key: line.get("key").into(),
        side: code_for(
            line.get("side"),
            &[Side::Government, Side::Enterprise],
            Side::as_str,
            Side::label_zh,
        ),
        item_type: optional(line.get("item_type"))
            .map(|t| code_for(&t, &ItemType::ALL, ItemType::as_str, ItemType::label_zh)),
        clause: line.get("clause").into(),
        content: line.get("content").into(),
        // A unit named exactly like a government organisation answers for the item.
        responsible_org_id: government.iter().find(|o| o.name == unit).map(|o| o.id),
        responsible_unit: unit.into(),
        responsible_person: line.get("responsible_person").into(),
        due_on: optional(line.get("due_on")),
        after: optional(line.get("after")).map(|after| match after.as_str() {
            // What people type for "counted from the signing date".
            "签约" | "签约日" | "签约之日" => FROM_SIGNING.to_string(),
            _ => after,
        }),
        offset,
        offset_unit: optional(line.get("offset_unit")).map(|u| {
            let units = [
                OffsetUnit::Months,
                OffsetUnit::CalendarDays,
                OffsetUnit::WorkingDays,
            ];
            code_for(&u, &units, OffsetUnit::as_str, OffsetUnit::label_zh)
        }),
        replanned_on: None,
        evidence: line.get("evidence").into(),
    })
}

fn row_error(line: &ItemLine, field: &str, message: String) -> RowError {
    RowError {
        row: line.row,
        column: header_of(field).into(),
        value: line.get(field).into(),
        message,
    }
}

/// A problem of the file as a whole.
fn file_error(message: String) -> RowError {
    RowError {
        row: 0,
        column: String::new(),
        value: String::new(),
        message,
    }
}

fn rejected(rows: usize, errors: Vec<RowError>) -> AppError {
    AppError::ImportRejected(ImportReport { rows, errors })
}

/// Adds the items of an XLSX sheet to agreement `id`, all or none.
pub async fn import_items(
    app: &App,
    who: &Principal,
    id: i64,
    bytes: &[u8],
    meta: &RequestMeta,
) -> AppResult<AgreementView> {
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let (a, rows) = visible(&mut tx, who, id).await?;
    if !manages(who, &a) {
        return Err(AppError::forbidden(
            "只有录入协议的部门或招商办可以导入承诺事项",
        ));
    }
    let lines = read_items(bytes).map_err(AppError::ImportRejected)?;
    if lines.is_empty() {
        let empty = file_error("文件中没有承诺事项(表头下方每行一项)".into());
        return Err(rejected(0, vec![empty]));
    }
    let government: Vec<_> = orgs::list_non_enterprise(&mut tx)
        .await?
        .into_iter()
        .filter(|o| o.kind.is_government())
        .collect();
    let mut errors = Vec::new();
    let mut items = Vec::new();
    for line in &lines {
        let input = match input_of(line, &government) {
            Ok(input) => input,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        let mut fields = FieldErrors::default();
        let item = parse_item(&input, "", &mut fields);
        match fields.finish() {
            Ok(()) => {
                let mut item = parsed(item)?;
                fix_from_signing(&mut item, a.signed_on, app);
                items.push((line, item));
            }
            Err(e) => errors.extend(
                e.field_errors()
                    .into_iter()
                    .map(|f| row_error(line, &f.field, f.message)),
            ),
        }
    }
    if errors.is_empty() {
        // The new items join the agreement's timeline: keys unique, references known, no cycle.
        let mut all: Vec<Commitment> = rows.iter().map(as_commitment).collect();
        all.extend(items.iter().map(|(_, i)| Commitment {
            key: i.key.clone(),
            side: i.side,
            item_type: i.item_type,
            due: i.due.clone(),
            replanned: i.replanned,
            outcome: Outcome::Open,
        }));
        if let Err(e) = Timeline::new(all) {
            let line = items
                .iter()
                .rev()
                .find(|(_, i)| i.key == e.item())
                .map(|(l, _)| *l);
            errors.push(match line {
                Some(line) => row_error(line, timeline_field(&e), e.to_string()),
                None => file_error(e.to_string()),
            });
        }
    }
    if !errors.is_empty() {
        errors.sort_by_key(|e| e.row);
        return Err(rejected(lines.len(), errors));
    }
    for (_, item) in &items {
        store::insert_commitment(&mut tx, id, &item.fields()).await?;
    }
    let moved = sync_clocks(&mut tx, app, &a, now).await?;
    let keys: Vec<&str> = items.iter().map(|(_, i)| i.key.as_str()).collect();
    let change = Change {
        action: "commitment.imported",
        object_type: "agreement",
        object_id: id.to_string(),
        on_behalf_of: None,
        detail: serde_json::json!({ "items": keys, "moved": moved }),
    };
    audit::record(&mut tx, who, meta, change, now).await?;
    let (a, rows) = load(&mut tx, id).await?;
    let shown = view(app, &a, &rows, now)?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(shown)
}
