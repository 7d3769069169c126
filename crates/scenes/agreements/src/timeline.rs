//! The items of an agreement as the domain's timeline: planned dates and states computed from
//! the items and today, never stored. Pure: no store, no clock but the one passed in.

use crate::input::Item;
use crate::store::agreements::CommitmentRow;
use chrono::{DateTime, Utc};
use qinqing_domain::commitment::{Commitment, Scheduled, Timeline, TimelineError};
use qinqing_domain::deadline::local_date;
use qinqing_kernel::{App, AppError, AppResult};

/// The field a timeline error is about.
pub(crate) fn timeline_field(e: &TimelineError) -> &'static str {
    match e {
        TimelineError::DuplicateKey(_) => "key",
        TimelineError::UnknownReference { .. } | TimelineError::Cycle { .. } => "after",
        TimelineError::OffsetTooLong(_) => "offset",
    }
}

pub(crate) fn as_commitment(row: &CommitmentRow) -> Commitment {
    Commitment {
        key: row.key.clone(),
        side: row.side,
        item_type: row.item_type,
        due: row.due.clone(),
        replanned: row.replanned,
        outcome: row.outcome,
    }
}

pub(crate) fn timeline(rows: &[CommitmentRow]) -> AppResult<Timeline> {
    Timeline::new(rows.iter().map(as_commitment).collect())
        .map_err(|e| AppError::Internal(anyhow::anyhow!("stored timeline is invalid: {e}")))
}

pub(crate) fn schedule(
    app: &App,
    rows: &[CommitmentRow],
    now: DateTime<Utc>,
) -> AppResult<Vec<Scheduled>> {
    Ok(timeline(rows)?.schedule(local_date(now), &app.calendar()))
}

/// Checks that `items` form a timeline; the error names the item and its field.
pub(crate) fn check_timeline(
    items: &[Item],
    field_of: impl Fn(usize, &str) -> String,
) -> AppResult<()> {
    let commitments = items.iter().map(Item::as_open_commitment).collect();
    Timeline::new(commitments).map(|_| ()).map_err(|e| {
        let index = items.iter().rposition(|i| i.key == e.item()).unwrap_or(0);
        AppError::invalid(&field_of(index, timeline_field(&e)), e.to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use qinqing_domain::commitment::{Due, ItemType, Offset, OffsetUnit, Side};

    fn item(key: &str, due: Due) -> Item {
        Item {
            key: key.into(),
            side: Side::Enterprise,
            item_type: ItemType::Other,
            clause: String::new(),
            content: key.into(),
            responsible_org_id: None,
            responsible_unit: String::new(),
            responsible_person: String::new(),
            due,
            replanned: None,
            evidence: String::new(),
        }
    }

    fn on(day: u32) -> Due {
        Due::On {
            date: NaiveDate::from_ymd_opt(2026, 12, day).unwrap_or_default(),
        }
    }

    fn after(key: &str) -> Due {
        Due::After {
            item: key.into(),
            offset: Offset {
                amount: 2,
                unit: OffsetUnit::Months,
            },
        }
    }

    fn refused_field(items: &[Item]) -> Option<String> {
        let e = check_timeline(items, |i, field| format!("items[{i}].{field}")).err()?;
        e.field_errors().into_iter().next().map(|f| f.field)
    }

    #[test]
    fn a_chain_of_items_forms_a_timeline() {
        let items = [item("land", on(1)), item("design", after("land"))];
        assert_eq!(refused_field(&items), None);
    }

    #[test]
    fn an_item_counted_from_a_missing_one_is_named_by_its_after_field() {
        let items = [item("land", on(1)), item("design", after("survey"))];
        assert_eq!(refused_field(&items).as_deref(), Some("items[1].after"));
    }

    #[test]
    fn a_repeated_key_is_named_on_the_later_item() {
        let items = [
            item("land", on(1)),
            item("permit", on(2)),
            item("land", on(3)),
        ];
        assert_eq!(refused_field(&items).as_deref(), Some("items[2].key"));
    }
}
