//! The held-incentives rule: while an enterprise item stands breached, the government's
//! incentive items (奖补兑现) are suspended; the waiver that lifts the breach gives them back the
//! days they were held.

use crate::access::load;
use crate::model::AgreementView;
use crate::store;
use crate::store::agreements::{AgreementRow, CommitmentRow};
use crate::timeline::timeline;
use chrono::{DateTime, NaiveDate, Utc};
use qinqing_domain::commitment::{ItemType, Scheduled, Side, Status};
use qinqing_kernel::audit::{self, Change};
use qinqing_kernel::store::Conn;
use qinqing_kernel::{AppResult, Principal, RequestMeta};

/// A breach that begins holding the incentive payouts records the day; the waiver that releases
/// them moves each held incentive item on by the days it was held (改期), so the government has
/// the time to pay that it had left — one already late stays exactly as late. `rows` and
/// `scheduled` are the items before the step.
pub(crate) async fn hold_or_release_incentives(
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
pub(crate) async fn record_suspension(
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
        .filter(|i| i.item_type == ItemType::Incentive && i.side == Side::Government)
        .filter(|i| !a.incentives_suspended || i.status == Status::Suspended)
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
