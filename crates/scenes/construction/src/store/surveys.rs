//! `construction_survey`.

use super::{kind, optional_time, required_time};
use crate::survey::SurveyMode;
use chrono::{DateTime, Utc};
use qinqing_domain::geo::GeoPoint;
use qinqing_kernel::store::{Conn, Result, stored, time};
use sqlx::Row;
use sqlx::any::AnyRow;

#[derive(Debug, Clone)]
pub struct SurveyRow {
    pub id: i64,
    pub case_id: i64,
    pub mode: SurveyMode,
    pub window: (DateTime<Utc>, DateTime<Utc>),
    /// On site: the site's centre and radius in metres.
    pub site: Option<(GeoPoint, i64)>,
    pub scheduled_at: DateTime<Utc>,
    pub check_in: Option<CheckInRow>,
}

/// A check-in as recorded.
#[derive(Debug, Clone)]
pub struct CheckInRow {
    pub by_name: String,
    pub at: DateTime<Utc>,
    /// On site: where the phone was, and how far from the site's centre.
    pub place: Option<(GeoPoint, i64)>,
    /// On site: the position came from the phone's location service, with this accuracy in
    /// metres (`Some(None)` when it reported none); `None` when typed by hand.
    pub from_device: Option<Option<i64>>,
    pub outside_window: bool,
    pub findings: String,
    pub video_record: Option<String>,
}

pub struct NewSurvey {
    pub case_id: i64,
    pub mode: SurveyMode,
    pub window: (DateTime<Utc>, DateTime<Utc>),
    pub site: Option<(GeoPoint, i64)>,
    pub scheduled_by: i64,
}

pub struct NewCheckIn<'a> {
    pub by: i64,
    pub place: Option<(GeoPoint, i64)>,
    pub from_device: Option<Option<i64>>,
    pub outside_window: bool,
    pub findings: &'a str,
    pub video_record: Option<&'a str>,
}

const SELECT: &str = "SELECT s.id, s.case_id, s.mode, s.window_starts_at, s.window_ends_at, \
     s.site_latitude, s.site_longitude, s.radius_m, s.scheduled_at, s.checked_in_at, \
     u.display_name AS checked_in_name, s.latitude, s.longitude, s.distance_m, \
     s.outside_window, s.findings, s.video_record, s.located_by, s.accuracy_m \
     FROM construction_survey s LEFT JOIN app_user u ON u.id = s.checked_in_by";

fn point(r: &AnyRow, latitude: &str, longitude: &str) -> Result<Option<GeoPoint>> {
    let lat: Option<i64> = r.try_get(latitude)?;
    let lng: Option<i64> = r.try_get(longitude)?;
    lat.zip(lng)
        .map(|(lat, lng)| stored(latitude, GeoPoint::from_micro(lat, lng).ok_or(lat)))
        .transpose()
}

fn from_row(r: &AnyRow) -> Result<SurveyRow> {
    let site = point(r, "site_latitude", "site_longitude")?;
    let radius: Option<i64> = r.try_get("radius_m")?;
    let check_in = match optional_time(r, "checked_in_at")? {
        None => None,
        Some(at) => Some(CheckInRow {
            by_name: r
                .try_get::<Option<String>, _>("checked_in_name")?
                .unwrap_or_default(),
            at,
            place: point(r, "latitude", "longitude")?
                .zip(r.try_get::<Option<i64>, _>("distance_m")?),
            from_device: match r.try_get::<Option<String>, _>("located_by")?.as_deref() {
                Some("device") => Some(r.try_get("accuracy_m")?),
                _ => None,
            },
            outside_window: r.try_get::<i64, _>("outside_window")? != 0,
            findings: r
                .try_get::<Option<String>, _>("findings")?
                .unwrap_or_default(),
            video_record: r.try_get("video_record")?,
        }),
    };
    Ok(SurveyRow {
        id: r.try_get("id")?,
        case_id: r.try_get("case_id")?,
        mode: kind(r, "mode")?,
        window: (
            required_time(r, "window_starts_at")?,
            required_time(r, "window_ends_at")?,
        ),
        site: site.zip(radius),
        scheduled_at: required_time(r, "scheduled_at")?,
        check_in,
    })
}

pub async fn insert(conn: &mut Conn, s: &NewSurvey, now: DateTime<Utc>) -> Result<i64> {
    let row = sqlx::query(
        "INSERT INTO construction_survey (case_id, mode, window_starts_at, window_ends_at, \
         site_latitude, site_longitude, radius_m, scheduled_by, scheduled_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(s.case_id)
    .bind(s.mode.as_str())
    .bind(time::to_text(s.window.0))
    .bind(time::to_text(s.window.1))
    .bind(s.site.map(|(p, _)| p.latitude_micro()))
    .bind(s.site.map(|(p, _)| p.longitude_micro()))
    .bind(s.site.map(|(_, radius)| radius))
    .bind(s.scheduled_by)
    .bind(time::to_text(now))
    .fetch_one(conn)
    .await?;
    Ok(row.try_get("id")?)
}

/// The surveys of a case, in the order they were appointed.
pub async fn of_case(conn: &mut Conn, case_id: i64) -> Result<Vec<SurveyRow>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE s.case_id = $1 ORDER BY s.id"
    )))
    .bind(case_id)
    .fetch_all(conn)
    .await?;
    rows.iter().map(from_row).collect()
}

/// One survey of a case.
pub async fn of_case_by_id(conn: &mut Conn, case_id: i64, id: i64) -> Result<Option<SurveyRow>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE s.case_id = $1 AND s.id = $2"
    )))
    .bind(case_id)
    .bind(id)
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// Records the check-in of a survey not yet checked in, of a case still being examined; false
/// when someone checked in first or the case was decided meanwhile.
pub async fn check_in(
    conn: &mut Conn,
    id: i64,
    c: &NewCheckIn<'_>,
    now: DateTime<Utc>,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE construction_survey SET checked_in_by = $1, checked_in_at = $2, latitude = $3, \
         longitude = $4, distance_m = $5, outside_window = $6, findings = $7, video_record = $8, \
         located_by = $10, accuracy_m = $11 \
         WHERE id = $9 AND checked_in_at IS NULL AND EXISTS (SELECT 1 FROM construction_case c \
         WHERE c.id = construction_survey.case_id AND c.status = $12)",
    )
    .bind(c.by)
    .bind(time::to_text(now))
    .bind(c.place.map(|(p, _)| p.latitude_micro()))
    .bind(c.place.map(|(p, _)| p.longitude_micro()))
    .bind(c.place.map(|(_, distance)| distance))
    .bind(i64::from(c.outside_window))
    .bind(c.findings)
    .bind(c.video_record)
    .bind(id)
    .bind(c.place.map(|_| match c.from_device {
        Some(_) => "device",
        None => "typed",
    }))
    .bind(c.from_device.flatten())
    .bind(crate::status::CaseStatus::Accepted.as_str())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}
