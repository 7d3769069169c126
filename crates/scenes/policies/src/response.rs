//! The 24-hour response clock (签收时限): when an application reaches a stage, each department
//! holding it (every one of a 联审) has 24 hours to take it up. Its first action — an explicit
//! 签收 or any decision — stops its clock; an unanswered one warns like every other clock.

use crate::library::stage_of;
use crate::library::{ReviewStage, stages};
use crate::store::policies::PolicyRow;
use chrono::{DateTime, Utc};
use qinqing_domain::DivisionCode;
use qinqing_domain::deadline::{Limit, LimitUnit};
use qinqing_kernel::deadlines::{self, ClockAction, Side, Start};
use qinqing_kernel::store::{Conn, deadlines as deadline_store, orgs};
use qinqing_kernel::{App, AppResult};

/// The kind of the response clocks, and the objects they hang on (one per application, stage
/// and department).
pub const RESPONSE_CLOCK: &str = "policy.application_response";
pub const RESPONSE_OBJECT: &str = "application_response";
const RESPONSE_LIMIT: Limit = Limit {
    unit: LimitUnit::Hours,
    amount: 24,
};

/// The object a department's response clock at a stage hangs on.
pub fn object_id(receipt_no: &str, stage: i64, org_id: i64) -> String {
    format!("{receipt_no}/{stage}/{org_id}")
}

/// An application as the response clocks need it: receipt number, region, the stage it is at.
pub(crate) struct AtStage<'a> {
    pub receipt_no: &'a str,
    pub region: &'a str,
    pub stage: i64,
}

/// Starts the response clock of every holder of the stage the application has reached.
pub(crate) async fn start(
    conn: &mut Conn,
    app: &App,
    policy: &PolicyRow,
    at: &AtStage<'_>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let stages = stages(policy);
    let Some(stage) = stage_of(&stages, at.stage) else {
        return Ok(());
    };
    let region = DivisionCode::parse(at.region).map_err(|e| {
        qinqing_kernel::AppError::Internal(anyhow::anyhow!("application region: {e}"))
    })?;
    for holder in stage.holders() {
        let org = orgs::get(conn, holder.org_id)
            .await?
            .map(|o| o.name)
            .unwrap_or_default();
        let label = format!(
            "{org}签收“{}”申报 {}({})",
            policy.title, at.receipt_no, stage.label
        );
        let id = object_id(at.receipt_no, at.stage, holder.org_id);
        let s = Start {
            object_type: RESPONSE_OBJECT,
            object_id: &id,
            kind: RESPONSE_CLOCK,
            label: &label,
            region: &region,
            side: Side::Government,
            limit: RESPONSE_LIMIT,
            org_id: Some(holder.org_id),
        };
        deadlines::start(conn, app, s, now).await?;
    }
    Ok(())
}

/// Stops one department's response clock at a stage (its first action); nothing if none runs.
pub(crate) async fn stop_one(
    conn: &mut Conn,
    app: &App,
    at: &AtStage<'_>,
    org_id: i64,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let id = object_id(at.receipt_no, at.stage, org_id);
    deadlines::control_open(
        conn,
        app,
        (RESPONSE_OBJECT, &id),
        RESPONSE_CLOCK,
        ClockAction::Stop,
        now,
    )
    .await
}

/// Stops the response clocks of every holder of a stage the application leaves.
pub(crate) async fn stop_all(
    conn: &mut Conn,
    app: &App,
    stage: &ReviewStage,
    at: &AtStage<'_>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    for holder in stage.holders() {
        stop_one(conn, app, at, holder.org_id, now).await?;
    }
    Ok(())
}

/// When a department's running response clock at a stage is due; `None` once it responded.
pub(crate) async fn due(
    conn: &mut Conn,
    receipt_no: &str,
    stage: i64,
    org_id: i64,
) -> AppResult<Option<DateTime<Utc>>> {
    let id = object_id(receipt_no, stage, org_id);
    Ok(deadline_store::for_object(conn, RESPONSE_OBJECT, &id)
        .await?
        .into_iter()
        .rfind(|d| d.kind == RESPONSE_CLOCK && !matches!(d.state, deadline_store::State::Stopped))
        .map(|d| d.due_at))
}
