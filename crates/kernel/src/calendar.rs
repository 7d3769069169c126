//! The working-day calendar in force: stored as the administrator's text document, loaded at
//! start and again every background round, replaced whole on edit.

use crate::audit::{self, Change};
use crate::store::{StoreError, settings};
use crate::{App, AppError, AppResult, Principal, RequestMeta};
use qinqing_domain::calendar::{CalendarData, WorkingCalendar};
use qinqing_domain::org::Role;

/// Loads the stored calendar, storing the official 2025–2026 schedule on first start.
pub async fn load_or_install(app: &App) -> AppResult<()> {
    let mut conn = app.db.conn().await?;
    let text = match settings::get(&mut conn, settings::CALENDAR).await? {
        Some(text) => text,
        None => {
            let text = CalendarData::official_text().to_string();
            settings::put(&mut conn, settings::CALENDAR, &text, app.now()).await?;
            text
        }
    };
    let data = CalendarData::parse(&text)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("stored calendar is invalid: {e}")))?;
    app.set_calendar(WorkingCalendar::new(data));
    Ok(())
}

/// Takes up the stored calendar again, so that an edit made through another server process
/// counts here too; the server does it in the background.
pub async fn refresh(app: &App) -> AppResult<()> {
    let text = document(app).await?;
    let data = CalendarData::parse(&text)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("stored calendar is invalid: {e}")))?;
    app.set_calendar(WorkingCalendar::new(data));
    Ok(())
}

/// The calendar document as an administrator edits it.
pub async fn document(app: &App) -> AppResult<String> {
    let mut conn = app.db.conn().await?;
    Ok(settings::get(&mut conn, settings::CALENDAR)
        .await?
        .unwrap_or_default())
}

/// Replaces the calendar; a document with any bad line changes nothing.
pub async fn replace(app: &App, who: &Principal, text: &str, meta: &RequestMeta) -> AppResult<()> {
    if who.role != Role::Admin {
        return Err(AppError::forbidden("只有平台管理员可以修改工作日历"));
    }
    let data =
        CalendarData::parse(text).map_err(|e| AppError::invalid("calendar", e.to_string()))?;
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let before = settings::get(&mut tx, settings::CALENDAR)
        .await?
        .unwrap_or_default();
    settings::put(&mut tx, settings::CALENDAR, text, now).await?;
    let detail = serde_json::json!({
        "holidays_before": CalendarData::parse(&before).map(|d| d.holidays.len()).unwrap_or(0),
        "holidays_after": data.holidays.len(),
        "working_weekend_days_after": data.extra_working_days.len(),
    });
    let change = Change {
        action: "calendar.replaced",
        object_type: "calendar",
        object_id: "calendar".into(),
        on_behalf_of: None,
        detail,
    };
    audit::record(&mut tx, who, meta, change, now).await?;
    tx.commit().await.map_err(StoreError::from)?;
    app.set_calendar(WorkingCalendar::new(data));
    Ok(())
}
