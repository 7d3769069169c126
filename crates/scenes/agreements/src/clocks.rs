//! Each open item runs on one of the kernel's clocks, ending on its planned date; the people
//! answering for an item hear when its date moves, and the other side when it is reported.

use crate::model::OBJECT;
use crate::store;
use crate::store::agreements::{AgreementRow, CommitmentRow};
use crate::timeline::schedule;
use chrono::{DateTime, NaiveDate, Utc};
use qinqing_domain::DivisionCode;
use qinqing_domain::commitment::{ItemType, Outcome, Side, Status};
use qinqing_domain::deadline::{Limit, LimitUnit, end_of_day, local_date};
use qinqing_domain::org::Role;
use qinqing_kernel::deadlines::{self, ClockAction, Start};
use qinqing_kernel::notifications::{self, NewMessage};
use qinqing_kernel::store::deadlines::{self as clock_store, State};
use qinqing_kernel::store::{Conn, users};
use qinqing_kernel::{App, AppError, AppResult};

/// The family of clocks commitment items run on. An item's clock is of the kind
/// `commitment.<type>` (e.g. `commitment.land_delivery`), so its warning rule (提醒/警示/催告
/// hours) is configured per item type, falling back to `commitment`, then to the default.
pub const CLOCK_KIND: &str = "commitment";

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
pub(crate) async fn tell_reported(
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
            template: crate::messages::COMMITMENT_REPORTED,
            params: serde_json::json!({ "object": label, "on": on.to_string() }),
            idempotency_key: format!("commitment:{}:reported:{on}:user:{user}", row.id),
            link: Some(crate::model::page_of(a.id)),
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
            template: crate::messages::COMMITMENT_MOVED,
            params: serde_json::json!({ "object": label, "from": from.to_string(), "due": to.to_string() }),
            idempotency_key: format!("commitment:{}:moved:{to}:user:{user}", row.id),
            link: Some(crate::model::page_of(a.id)),
        };
        notifications::enqueue(conn, message, now).await?;
    }
    Ok(())
}
