//! 超期未回访自动办结: a replied request that nobody followed up within the follow-up window is
//! closed by the scheduler. The window counts calendar days from the (latest) reply — a follow-up
//! is a phone call or a tap by the enterprise, not office work, so weekends count — and is
//! configured by an administrator (default 7 days).
//!
//! Restart-safe like the deadline warnings: each close is a conditional update from `replied`
//! in its own transaction with its audit entry, so a crash leaves the request for the next run
//! and two schedulers cannot both close it (nor close one the enterprise has just followed up).

use crate::model::{FollowUpResult, OBJECT, RequestStatus};
use crate::store::requests::{self as store, Move, RequestRow};
use chrono::Duration;
use qinqing_domain::org::Role;
use qinqing_kernel::audit::{self, Change};
use qinqing_kernel::store::{Conn, StoreError, settings};
use qinqing_kernel::{App, AppError, AppResult, Principal, RequestMeta};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The window when the administrator set none.
pub const DEFAULT_FOLLOW_UP_DAYS: i64 = 7;
const MAX_FOLLOW_UP_DAYS: i64 = 90;
/// How many requests one run closes at most; the next run takes the rest.
const BATCH: i64 = 200;

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RequestSettings {
    /// Calendar days after the reply within which the follow-up is expected (1–90).
    pub follow_up_days: i64,
}

/// The setting that holds the calendar days a replied request waits for its follow-up before
/// it is closed without one.
const FOLLOW_UP_DAYS_SETTING: &str = "request_follow_up_days";

async fn follow_up_days(conn: &mut Conn) -> AppResult<i64> {
    let stored = settings::get(conn, FOLLOW_UP_DAYS_SETTING).await?;
    Ok(stored
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(DEFAULT_FOLLOW_UP_DAYS))
}

/// The follow-up window; only the administrator, who sets it, reads it.
pub async fn get_settings(app: &App, who: &Principal) -> AppResult<RequestSettings> {
    if who.role != Role::Admin {
        return Err(AppError::forbidden("只有平台管理员可以查看回访期限设置"));
    }
    let mut conn = app.db.conn().await?;
    Ok(RequestSettings {
        follow_up_days: follow_up_days(&mut conn).await?,
    })
}

/// Sets the follow-up window; administrator.
pub async fn put_settings(
    app: &App,
    who: &Principal,
    input: &RequestSettings,
    meta: &RequestMeta,
) -> AppResult<RequestSettings> {
    if who.role != Role::Admin {
        return Err(AppError::forbidden("只有平台管理员可以设置回访期限"));
    }
    if !(1..=MAX_FOLLOW_UP_DAYS).contains(&input.follow_up_days) {
        return Err(AppError::invalid(
            "follow_up_days",
            format!("回访期限应为 1 至 {MAX_FOLLOW_UP_DAYS} 天"),
        ));
    }
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let old = follow_up_days(&mut tx).await?;
    let value = input.follow_up_days.to_string();
    settings::put(&mut tx, FOLLOW_UP_DAYS_SETTING, &value, now).await?;
    let change = Change {
        action: "request.settings_changed",
        object_type: "setting",
        object_id: FOLLOW_UP_DAYS_SETTING.into(),
        on_behalf_of: None,
        detail: serde_json::json!({ "old": old, "new": input.follow_up_days }),
    };
    audit::record(&mut tx, who, meta, change, now).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(input.clone())
}

/// Closes every replied request whose follow-up window has passed; returns how many this run
/// closed.
pub async fn close_expired(app: &App) -> AppResult<usize> {
    let now = app.now();
    let due = {
        let mut conn = app.db.conn().await?;
        let days = follow_up_days(&mut conn).await?;
        store::replied_before(&mut conn, now - Duration::days(days), BATCH).await?
    };
    let mut closed = 0;
    for r in &due {
        if close(app, r).await? {
            closed += 1;
        }
    }
    Ok(closed)
}

async fn close(app: &App, r: &RequestRow) -> AppResult<bool> {
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let m = Move::new(
        &[RequestStatus::Replied],
        "status = 'closed', follow_up_result = $3",
    )
    .text(FollowUpResult::Expired.as_str());
    if !store::apply(&mut tx, r.id, m, now).await? {
        // Followed up (or closed by another scheduler) since the listing.
        return Ok(false);
    }
    let change = Change {
        action: "request.auto_closed",
        object_type: OBJECT,
        object_id: r.receipt_no.clone(),
        on_behalf_of: None,
        detail: serde_json::json!({ "replied_at": r.replied_at, "reason": "超期未回访自动办结" }),
    };
    audit::record(
        &mut tx,
        &Principal::system(),
        &RequestMeta::default(),
        change,
        now,
    )
    .await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(true)
}
