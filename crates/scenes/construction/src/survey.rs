//! 勘查: the department that took a case in appoints a site survey — on site, or by video where
//! going there is not needed — in a time window; its inspector checks in on a phone. Where and
//! when the check-in was made, the photos and the findings are recorded on the case's trail; a
//! check-in outside the window is flagged for the supervisors, and one farther from the site than
//! its radius is refused, so no one records a survey of a site they did not stand on.

use crate::access::{of_department, visible_case};
use crate::case::{begin_on_case, moved_on};
use crate::status::CaseStatus;
use crate::store::cases::CaseRow;
use crate::store::surveys::{self as store, NewCheckIn, NewSurvey, SurveyRow};
use chrono::{DateTime, Utc};
use qinqing_domain::deadline::parse_beijing_minute;
use qinqing_domain::geo::GeoPoint;
use qinqing_domain::upload::{FileKind, Upload};
use qinqing_kernel::attachments::{self, AttachmentView, FileContent, NewMaterial};
use qinqing_kernel::input::optional_text;
use qinqing_kernel::store::attachments::Owner;
use qinqing_kernel::store::{Conn, StoreError};
use qinqing_kernel::{App, AppError, AppResult, Principal, RequestMeta, status};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

status! {
    /// How a site is surveyed: the inspector on the site, or the enterprise showing it by video.
    SurveyMode {
        OnSite => "on_site", "现场勘查";
        Video => "video", "视频勘查";
    }
}

/// The owner kind of a survey's photos.
const PHOTOS: &str = "construction_survey";
/// A site's radius unless the department sets one, and the widest it may set: a factory plot
/// is a few hundred metres across.
const DEFAULT_RADIUS_M: i64 = 500;
const RADIUS_RANGE_M: std::ops::RangeInclusive<i64> = 50..=5_000;
/// The longest appointment window: a survey is a visit, not a season.
const LONGEST_WINDOW_DAYS: i64 = 30;

/// An appointment of a survey.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct SurveyInput {
    /// on_site | video
    pub mode: String,
    /// The window, Beijing time ("2026-12-08 09:00").
    pub starts_at: String,
    pub ends_at: String,
    /// On site: the site's centre in decimal degrees (WGS-84, as a phone's location reads).
    pub site_latitude: Option<String>,
    pub site_longitude: Option<String>,
    /// On site: how far from the centre, in metres, a check-in counts as on the site (500).
    pub radius_m: Option<String>,
}

/// A check-in as the inspector's phone sends it (with a photo, as the `file` field, on site).
#[derive(Default)]
pub struct CheckInInput<'a> {
    /// On site: where the phone is, in decimal degrees.
    pub latitude: &'a str,
    pub longitude: &'a str,
    /// "device" when the page took the position from the phone's location service (with
    /// `accuracy_m`, as it reported); anything else counts as typed by hand.
    pub located_by: &'a str,
    pub accuracy_m: &'a str,
    /// 勘查意见.
    pub findings: &'a str,
    /// By video: the meeting's or the recording's number.
    pub video_record: &'a str,
    pub photo: Option<NewMaterial<'a>>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SurveyView {
    pub id: i64,
    pub mode: SurveyMode,
    pub mode_label: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// On site: the site's centre ("24.874513, 118.675000") and radius in metres.
    pub site: Option<String>,
    pub radius_m: Option<i64>,
    pub checked_in_by: Option<String>,
    pub checked_in_at: Option<DateTime<Utc>>,
    /// On site: where the phone was, and how far from the site's centre in metres.
    pub location: Option<String>,
    pub distance_m: Option<i64>,
    /// On site: the position was typed by hand rather than taken from the phone's location
    /// service: flagged, since anyone can type the site's centre.
    pub typed_location: bool,
    /// On site, from the phone: the accuracy it reported, in metres.
    pub accuracy_m: Option<i64>,
    /// The check-in fell outside the appointed window.
    pub outside_window: bool,
    pub findings: Option<String>,
    pub video_record: Option<String>,
    pub photos: Vec<AttachmentView>,
    /// Whether the caller may check in now.
    pub may_check_in: bool,
}

/// The surveys of a case the caller may see.
pub async fn of_case(app: &App, who: &Principal, receipt_no: &str) -> AppResult<Vec<SurveyView>> {
    let mut conn = app.db.conn().await?;
    let (_, case) = visible_case(&mut conn, who, receipt_no).await?;
    views(&mut conn, who, &case).await
}

async fn views(conn: &mut Conn, who: &Principal, case: &CaseRow) -> AppResult<Vec<SurveyView>> {
    let mut shown = Vec::new();
    for survey in store::of_case(conn, case.id).await? {
        let photos = attachments::listed(conn, photos_of(&survey.id.to_string())).await?;
        shown.push(view(who, case, survey, photos));
    }
    Ok(shown)
}

/// One photo of a survey of a case the caller may see.
pub async fn photo(
    app: &App,
    who: &Principal,
    (receipt_no, survey_id, file_id): (&str, i64, i64),
) -> AppResult<FileContent> {
    let mut conn = app.db.conn().await?;
    let (_, case) = visible_case(&mut conn, who, receipt_no).await?;
    let survey = store::of_case_by_id(&mut conn, case.id, survey_id)
        .await?
        .ok_or_else(no_such_survey)?;
    attachments::content(&mut conn, photos_of(&survey.id.to_string()), file_id).await
}

fn no_such_survey() -> AppError {
    AppError::NotFound("没有这次勘查".into())
}

fn photos_of(id: &str) -> Owner<'_> {
    Owner { kind: PHOTOS, id }
}

/// Whether `who` may appoint or check in to a survey of the case: its department, while the
/// case is being examined.
pub fn may_survey(who: &Principal, case: &CaseRow) -> bool {
    of_department(who, case) && case.status == CaseStatus::Accepted
}

fn view(who: &Principal, case: &CaseRow, s: SurveyRow, photos: Vec<AttachmentView>) -> SurveyView {
    let check_in = s.check_in.as_ref();
    SurveyView {
        id: s.id,
        mode: s.mode,
        mode_label: s.mode.label_zh().into(),
        starts_at: s.window.0,
        ends_at: s.window.1,
        site: s.site.map(|(p, _)| p.to_string()),
        radius_m: s.site.map(|(_, r)| r),
        checked_in_by: check_in.map(|c| c.by_name.clone()),
        checked_in_at: check_in.map(|c| c.at),
        location: check_in.and_then(|c| c.place).map(|(p, _)| p.to_string()),
        distance_m: check_in.and_then(|c| c.place).map(|(_, d)| d),
        typed_location: check_in.is_some_and(|c| c.place.is_some() && c.from_device.is_none()),
        accuracy_m: check_in.and_then(|c| c.from_device.flatten()),
        outside_window: check_in.is_some_and(|c| c.outside_window),
        findings: check_in.map(|c| c.findings.clone()),
        video_record: check_in.and_then(|c| c.video_record.clone()),
        photos,
        may_check_in: check_in.is_none() && may_survey(who, case),
    }
}

/// The department appoints a survey of a case it is examining.
pub async fn appoint(
    app: &App,
    who: &Principal,
    receipt_no: &str,
    input: &SurveyInput,
    meta: &RequestMeta,
) -> AppResult<SurveyView> {
    let now = app.now();
    let refusal = |c: &CaseRow| format!("本件由{}办理,其他部门不能安排勘查", c.org_name);
    let (mut tx, _, case) = begin_on_case(app, who, receipt_no, of_department, refusal).await?;
    if case.status != CaseStatus::Accepted {
        return Err(moved_on(&case));
    }
    let mode: SurveyMode = input
        .mode
        .trim()
        .parse()
        .map_err(|_| AppError::invalid("mode", "请选择现场勘查或视频勘查"))?;
    let window = appointment_window(input, now)?;
    let site = match mode {
        SurveyMode::OnSite => Some(site_of(input)?),
        SurveyMode::Video => None,
    };
    let new = NewSurvey {
        case_id: case.id,
        mode,
        window,
        site,
        scheduled_by: who.user_id,
    };
    let id = store::insert(&mut tx, &new, now).await?;
    let detail = serde_json::json!({
        "survey": id,
        "mode": mode.as_str(),
        "window": [window.0, window.1],
        "site": site.map(|(p, r)| format!("{p} ±{r}m")),
    });
    crate::trail::on_case(
        &mut tx,
        (who, meta),
        &case,
        ("construction.survey_appointed", detail),
        now,
    )
    .await?;
    let shown = one(&mut tx, who, &case, id).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(shown)
}

/// The window typed: both ends, in order, ending in the future and at most a month long.
fn appointment_window(
    input: &SurveyInput,
    now: DateTime<Utc>,
) -> AppResult<(DateTime<Utc>, DateTime<Utc>)> {
    let minute = |field: &str, text: &str| {
        parse_beijing_minute(text).ok_or_else(|| {
            AppError::invalid(field, "请填写日期和时间,如 2026-12-08 09:00(北京时间)")
        })
    };
    let starts = minute("starts_at", &input.starts_at)?;
    let ends = minute("ends_at", &input.ends_at)?;
    if ends <= starts {
        return Err(AppError::invalid("ends_at", "结束时间应晚于开始时间"));
    }
    if ends <= now {
        return Err(AppError::invalid("ends_at", "勘查时段已经过去,请重新约定"));
    }
    if ends - starts > chrono::Duration::days(LONGEST_WINDOW_DAYS) {
        return Err(AppError::invalid(
            "ends_at",
            format!("勘查时段最长 {LONGEST_WINDOW_DAYS} 天"),
        ));
    }
    Ok((starts, ends))
}

/// The site's centre and radius for a survey on site.
fn site_of(input: &SurveyInput) -> AppResult<(GeoPoint, i64)> {
    let centre = GeoPoint::parse(
        input.site_latitude.as_deref().unwrap_or_default(),
        input.site_longitude.as_deref().unwrap_or_default(),
    )
    .map_err(|e| AppError::invalid(&format!("site_{}", e.field()), e.to_string()))?;
    let radius = match input.radius_m.as_deref().map(str::trim) {
        None | Some("") => DEFAULT_RADIUS_M,
        Some(text) => text
            .parse::<i64>()
            .ok()
            .filter(|r| RADIUS_RANGE_M.contains(r))
            .ok_or_else(|| {
                AppError::invalid(
                    "radius_m",
                    format!(
                        "现场范围应为 {} 至 {} 米之间的整数",
                        RADIUS_RANGE_M.start(),
                        RADIUS_RANGE_M.end()
                    ),
                )
            })?,
    };
    Ok((centre, radius))
}

/// The inspector checks in: on site within the site's radius, with a photo; by video with the
/// recording's number. A check-in outside the window is recorded and flagged.
pub async fn check_in(
    app: &App,
    who: &Principal,
    (receipt_no, survey_id): (&str, i64),
    input: &CheckInInput<'_>,
    meta: &RequestMeta,
) -> AppResult<SurveyView> {
    let now = app.now();
    let refusal = |c: &CaseRow| format!("本件由{}办理,其他部门不能签到勘查", c.org_name);
    let (mut tx, _, case) = begin_on_case(app, who, receipt_no, of_department, refusal).await?;
    if case.status != CaseStatus::Accepted {
        return Err(moved_on(&case));
    }
    let survey = store::of_case_by_id(&mut tx, case.id, survey_id)
        .await?
        .ok_or_else(no_such_survey)?;
    if let Some(photo) = &input.photo {
        photo_is_an_image(photo)?;
    }
    let findings = optional_text("findings", Some(input.findings), 1000)?.unwrap_or_default();
    let (place, video_record) = match survey.mode {
        SurveyMode::OnSite => (Some(on_the_site(&survey, input)?), None),
        SurveyMode::Video => (None, Some(recording(input)?)),
    };
    let outside_window = now < survey.window.0 || now > survey.window.1;
    let new = NewCheckIn {
        by: who.user_id,
        place,
        from_device: (input.located_by == "device").then(|| {
            // What a browser reports: metres, as a decimal.
            input
                .accuracy_m
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|a| a.is_finite() && *a >= 0.0)
                .map(|a| a.round().min(1e9) as i64)
        }),
        outside_window,
        findings: &findings,
        video_record: video_record.as_deref(),
    };
    if !store::check_in(&mut tx, survey.id, &new, now).await? {
        return Err(AppError::Conflict {
            field: None,
            message: "这次勘查已有人签到,或本件已办结,请刷新后再看".into(),
        });
    }
    if let Some(photo) = &input.photo {
        let owner_id = survey.id.to_string();
        let label = Some(photo.label.trim())
            .filter(|l| !l.is_empty())
            .unwrap_or("现场照片");
        let (name, bytes) = (photo.file_name, photo.bytes.clone());
        attachments::attach(
            &mut tx,
            photos_of(&owner_id),
            label,
            name,
            bytes,
            who.user_id,
            now,
        )
        .await?;
    }
    let detail = serde_json::json!({
        "survey": survey.id,
        "mode": survey.mode.as_str(),
        "location": place.map(|(p, _)| p.to_string()),
        "distance_m": place.map(|(_, d)| d),
        "outside_window": outside_window,
    });
    crate::trail::on_case(
        &mut tx,
        (who, meta),
        &case,
        ("construction.survey_checked_in", detail),
        now,
    )
    .await?;
    let shown = one(&mut tx, who, &case, survey.id).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(shown)
}

/// Where the phone is and how far from the site's centre, refused beyond the radius; an on-site
/// check-in carries a photo of the site.
fn on_the_site(survey: &SurveyRow, input: &CheckInInput<'_>) -> AppResult<(GeoPoint, i64)> {
    let here = GeoPoint::parse(input.latitude, input.longitude)
        .map_err(|e| AppError::invalid(e.field(), e.to_string()))?;
    let (centre, radius) = survey
        .site
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("on-site survey without a site")))?;
    let distance = here.distance_m(centre).round() as i64;
    if distance > radius {
        return Err(AppError::invalid(
            "location",
            format!(
                "您所在位置距项目现场约 {},超出 {radius} 米的现场范围,不能签到;请到现场后再签到,如确需远程勘查请另行安排视频勘查",
                shown_distance(distance)
            ),
        ));
    }
    if input.photo.is_none() {
        return Err(AppError::invalid("file", "现场勘查须拍摄至少一张现场照片"));
    }
    Ok((here, distance))
}

/// A survey's photo is a picture: JPG or PNG.
fn photo_is_an_image(photo: &NewMaterial<'_>) -> AppResult<()> {
    let is_image = Upload::parse(photo.file_name, photo.bytes.clone())
        .is_ok_and(|u| matches!(u.kind(), FileKind::Jpeg | FileKind::Png));
    if !is_image {
        return Err(AppError::invalid("file", "现场照片须为 JPG 或 PNG 图片"));
    }
    Ok(())
}

/// "320 米", "3.2 公里".
fn shown_distance(metres: i64) -> String {
    if metres < 1_000 {
        format!("{metres} 米")
    } else {
        format!("{:.1} 公里", metres as f64 / 1_000.0)
    }
}

fn recording(input: &CheckInInput<'_>) -> AppResult<String> {
    qinqing_kernel::input::required_text(
        "video_record",
        input.video_record,
        100,
        "视频勘查须填写会议号或录像存档编号",
    )
}

async fn one(conn: &mut Conn, who: &Principal, case: &CaseRow, id: i64) -> AppResult<SurveyView> {
    views(conn, who, case)
        .await?
        .into_iter()
        .find(|s| s.id == id)
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("survey {id} vanished")))
}
