//! 专家评审: the department examining a case draws experts of one speciality at random from the
//! district's pool. An expert who declared a conflict with the enterprise (its credit code or
//! name among their declared interests, or working for it) stands aside at the drawing, and the
//! trail records who and why. Each drawn expert reviews remotely by a link of their own, giving
//! an opinion and a score before the deadline, or standing aside for a conflict of their own.
//! The link's secret is shown once, to the staff who drew, to send on; only its hash is kept.

use crate::access::{of_department, visible_case};
use crate::case::{begin_on_case, moved_on};
use crate::status::CaseStatus;
use crate::store::cases::{self as case_store, CaseRow};
use crate::store::reviews::{self as store, ExpertRow, NewExpert, ReviewRow, SeatAnswer, SeatRow};
use chrono::{DateTime, NaiveDate, Utc};
use qinqing_domain::contact::PhoneNumber;
use qinqing_domain::deadline::{end_of_day, local_date};
use qinqing_domain::org::Role;
use qinqing_kernel::audit::{self, Change};
use qinqing_kernel::input::required_text;
use qinqing_kernel::store::{Conn, StoreError};
use qinqing_kernel::{App, AppError, AppResult, Principal, RequestMeta, status};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

status! {
    /// What an expert of the pool reviews.
    ExpertField {
        Planning => "planning", "城乡规划";
        Architecture => "architecture", "建筑设计";
        Structure => "structure", "结构工程";
        Fire => "fire", "消防";
        Environment => "environment", "环境保护";
        Water => "water", "水土保持";
    }
}

/// The most experts one review draws.
const MOST_SEATS: usize = 7;
/// The longest a review may take, in days (the hint of [`due_of`] says so).
const LONGEST_REVIEW_DAYS: i64 = 90;
/// The trail's object type of the pool's experts.
pub const EXPERT_OBJECT: &str = "construction_expert";

/// An expert as the administrator adds them to the pool.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct ExpertInput {
    pub name: String,
    /// planning | architecture | structure | fire | environment | water
    pub speciality: String,
    pub employer: String,
    pub phone: String,
    /// Declared conflicts of interest: enterprises' credit codes or names, one per line.
    pub conflicts: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ExpertView {
    pub id: i64,
    pub name: String,
    pub speciality: ExpertField,
    pub speciality_label: String,
    pub employer: String,
    /// To the administrator only.
    pub phone: Option<String>,
    pub conflicts: Vec<String>,
}

/// A drawing: how many experts of which speciality, and the last day for opinions.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct DrawInput {
    pub speciality: String,
    /// 1 to 7.
    pub experts: String,
    /// Beijing date (YYYY-MM-DD); opinions are taken to its end.
    pub due_on: String,
}

/// A review as the case's readers see it. The enterprise reads the opinions, not who gave them.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReviewView {
    pub id: i64,
    pub speciality: ExpertField,
    pub speciality_label: String,
    pub due_at: DateTime<Utc>,
    pub drawn_at: DateTime<Utc>,
    pub seats: Vec<SeatView>,
    /// The mean of the scores given so far, to one decimal.
    pub mean_score: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SeatView {
    /// The expert's name and employer for staff; "专家 1" … for the enterprise.
    pub expert: String,
    pub recusal: Option<String>,
    pub opinion: Option<String>,
    pub score: Option<i64>,
    pub submitted_at: Option<DateTime<Utc>>,
}

/// The result of a drawing: the review, and each drawn expert's link to send on (shown once).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Drawn {
    pub review: ReviewView,
    pub invitations: Vec<Invitation>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Invitation {
    pub expert: String,
    pub phone: String,
    /// The page the expert reviews on: `/expert-reviews/{secret}`.
    pub path: String,
}

/// What an expert's link opens.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SeatPage {
    pub expert: String,
    pub speciality_label: String,
    pub matter_name: String,
    pub project_name: String,
    pub enterprise_name: String,
    pub location: String,
    pub department: String,
    pub due_at: DateTime<Utc>,
    /// Whether the opinion is still taken: not given, not stood aside, before the deadline.
    pub open: bool,
    pub opinion: Option<String>,
    pub score: Option<i64>,
    pub recusal: Option<String>,
}

/// An expert's answer by their link.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct ExpertOpinionInput {
    /// 0 to 100; not needed when standing aside.
    pub score: Option<String>,
    pub opinion: Option<String>,
    /// Set to stand aside for a conflict of interest, with the reason.
    pub stand_aside: Option<String>,
}

/// The administrator adds an expert to the pool.
pub async fn add_expert(
    app: &App,
    who: &Principal,
    input: &ExpertInput,
    meta: &RequestMeta,
) -> AppResult<ExpertView> {
    if who.role != Role::Admin {
        return Err(AppError::forbidden("专家库由平台管理员维护"));
    }
    let name = required_text("name", &input.name, 50, "请填写专家姓名")?;
    let field = field_of("speciality", &input.speciality)?;
    let employer = required_text("employer", &input.employer, 100, "请填写工作单位")?;
    let phone =
        PhoneNumber::parse(&input.phone).map_err(|e| AppError::invalid("phone", e.to_string()))?;
    let conflicts: Vec<String> = input
        .conflicts
        .split(['\n', '、', ',', ',', ';', ';'])
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    if conflicts.iter().any(|c| c.chars().count() > 100) || conflicts.len() > 50 {
        return Err(AppError::invalid(
            "conflicts",
            "利害关系每行一家企业(信用代码或名称,100 字以内),最多 50 行",
        ));
    }
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let new = NewExpert {
        name: &name,
        speciality: field,
        employer: &employer,
        phone: phone.as_str(),
        conflicts: &conflicts,
    };
    let id = store::insert_expert(&mut tx, &new, now).await?;
    let change = Change {
        action: "construction.expert_added",
        object_type: EXPERT_OBJECT,
        object_id: id.to_string(),
        on_behalf_of: None,
        detail: serde_json::json!({ "speciality": field.as_str(), "conflicts": conflicts.len() }),
    };
    audit::record(&mut tx, who, meta, change, now).await?;
    tx.commit().await.map_err(StoreError::from)?;
    let row = ExpertRow {
        id,
        name,
        speciality: field,
        employer,
        phone: phone.as_str().into(),
        conflicts,
    };
    Ok(expert_view(row, true))
}

/// An expert as the pool's page shows them; the telephone only to the administrator.
fn expert_view(e: ExpertRow, with_phone: bool) -> ExpertView {
    ExpertView {
        id: e.id,
        name: e.name,
        speciality: e.speciality,
        speciality_label: e.speciality.label_zh().into(),
        employer: e.employer,
        phone: with_phone.then_some(e.phone),
        conflicts: e.conflicts,
    }
}

/// "林志远(泉州市城市规划设计研究院)": how staff read an expert.
fn named(name: &str, employer: &str) -> String {
    format!("{name}({employer})")
}

fn field_of(name: &str, text: &str) -> AppResult<ExpertField> {
    text.trim()
        .parse()
        .map_err(|_| AppError::invalid(name, "请选择专业"))
}

/// The pool, to the administrator and the staff of departments who draw from it.
pub async fn experts(app: &App, who: &Principal) -> AppResult<Vec<ExpertView>> {
    if !matches!(who.role, Role::Admin | Role::Handler | Role::DepartmentLead) {
        return Err(AppError::forbidden(
            "只有平台管理员和审批部门可以查看专家库",
        ));
    }
    let mut conn = app.db.conn().await?;
    let with_phone = who.role == Role::Admin;
    Ok(store::experts(&mut conn)
        .await?
        .into_iter()
        .map(|e| expert_view(e, with_phone))
        .collect())
}

/// Why an expert must stand aside from the enterprise's case, if they must.
fn conflict(expert: &ExpertRow, (credit_code, name): (&str, &str)) -> Option<String> {
    let (code, firm) = (comparable(credit_code), comparable(name));
    if comparable(&expert.employer) == firm {
        return Some(format!("任职于建设单位{name}"));
    }
    expert
        .conflicts
        .iter()
        .map(|c| comparable(c))
        .find(|c| *c == code || *c == firm)
        .map(|_| format!("申报与建设单位{name}存在利害关系"))
}

/// A name or code as written in different hands compares equal: no spaces, Latin letters in
/// capitals, full-width brackets as half-width.
fn comparable(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '\u{ff08}' => '(',
            '\u{ff09}' => ')',
            c => c.to_ascii_uppercase(),
        })
        .collect()
}

/// The department draws experts for a case it is examining.
pub async fn draw(
    app: &App,
    who: &Principal,
    receipt_no: &str,
    input: &DrawInput,
    meta: &RequestMeta,
) -> AppResult<Drawn> {
    let now = app.now();
    let field = field_of("speciality", &input.speciality)?;
    let seats = input
        .experts
        .trim()
        .parse::<usize>()
        .ok()
        .filter(|n| (1..=MOST_SEATS).contains(n))
        .ok_or_else(|| {
            AppError::invalid("experts", format!("抽取人数应为 1 至 {MOST_SEATS} 名"))
        })?;
    let due_at = due_of(&input.due_on, local_date(now))?;
    let refusal = |c: &CaseRow| format!("本件由{}办理,其他部门不能抽取评审专家", c.org_name);
    let (mut tx, project, case) =
        begin_on_case(app, who, receipt_no, of_department, refusal).await?;
    if case.status != CaseStatus::Accepted {
        return Err(moved_on(&case));
    }
    let open_already = store::reviews_of_case(&mut tx, case.id)
        .await?
        .into_iter()
        .any(|r| r.speciality == field && r.due_at > now);
    if open_already {
        return Err(AppError::Conflict {
            field: Some("speciality".into()),
            message: format!("本件已抽取{}专家,评审截止前不能重新抽取", field.label_zh()),
        });
    }
    let enterprise = (project.credit_code.as_str(), case.enterprise_name.as_str());
    let (recused, mut eligible): (Vec<_>, Vec<_>) = store::experts_in(&mut tx, field)
        .await?
        .into_iter()
        .map(|e| (conflict(&e, enterprise), e))
        .partition(|(why, _)| why.is_some());
    if eligible.len() < seats {
        return Err(AppError::Conflict {
            field: Some("experts".into()),
            message: format!(
                "专家库中可抽取的{}专家只有 {} 名(另有 {} 名须回避),不足 {seats} 名;请减少人数或请管理员补充专家库",
                field.label_zh(),
                eligible.len(),
                recused.len()
            ),
        });
    }
    // At random: each eligible expert equally likely, whoever draws.
    eligible.sort_by_cached_key(|_| uuid::Uuid::new_v4());
    eligible.truncate(seats);
    let review_id =
        store::insert_review(&mut tx, (case.id, field), due_at, who.user_id, now).await?;
    for (why, expert) in &recused {
        store::insert_seat(&mut tx, (review_id, expert.id), None, why.as_deref()).await?;
    }
    let mut invitations = Vec::new();
    for (_, expert) in &eligible {
        let secret = format!(
            "{}{}",
            uuid::Uuid::new_v4().simple(),
            uuid::Uuid::new_v4().simple()
        );
        store::insert_seat(&mut tx, (review_id, expert.id), Some(&hash(&secret)), None).await?;
        invitations.push(Invitation {
            expert: named(&expert.name, &expert.employer),
            phone: expert.phone.clone(),
            path: format!("/expert-reviews/{secret}"),
        });
    }
    let detail = serde_json::json!({
        "review": review_id,
        "speciality": field.as_str(),
        "drawn": eligible.iter().map(|(_, e)| e.id).collect::<Vec<_>>(),
        "recused": recused.iter().map(|(why, e)| serde_json::json!({ "expert": e.id, "reason": why })).collect::<Vec<_>>(),
        "due_at": due_at,
    });
    crate::trail::on_case(
        &mut tx,
        (who, meta),
        &case,
        ("construction.review_drawn", detail),
        now,
    )
    .await?;
    let review = views(&mut tx, true, &case)
        .await?
        .into_iter()
        .find(|r| r.id == review_id)
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("review {review_id} vanished")))?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(Drawn {
        review,
        invitations,
    })
}

/// The end of the Beijing day typed, from today to [`LONGEST_REVIEW_DAYS`] on.
fn due_of(text: &str, today: NaiveDate) -> AppResult<DateTime<Utc>> {
    let latest = today + chrono::Duration::days(LONGEST_REVIEW_DAYS);
    let day = qinqing_kernel::input::date_within("due_on", text, today..=latest, || {
        "请填写提交评审意见的截止日期(今天起 90 天内,如 2026-12-15)".into()
    })?;
    Ok(end_of_day(day))
}

fn hash(secret: &str) -> String {
    qinqing_kernel::digest::sha256_hex(secret)
}

/// The reviews of a case the caller may see; experts are named to government staff only.
pub async fn of_case(app: &App, who: &Principal, receipt_no: &str) -> AppResult<Vec<ReviewView>> {
    let mut conn = app.db.conn().await?;
    let (project, case) = visible_case(&mut conn, who, receipt_no).await?;
    // Government staff read who reviewed; the enterprise and its steward do not.
    let names = who.role.is_staff() && !crate::access::acts_for(who, &project);
    views(&mut conn, names, &case).await
}

async fn views(conn: &mut Conn, staff: bool, case: &CaseRow) -> AppResult<Vec<ReviewView>> {
    let mut shown = Vec::new();
    for review in store::reviews_of_case(conn, case.id).await? {
        let seats = store::seats_of(conn, review.id).await?;
        shown.push(view(review, seats, staff));
    }
    Ok(shown)
}

fn view(review: ReviewRow, seats: Vec<SeatRow>, staff: bool) -> ReviewView {
    let scores: Vec<i64> = seats.iter().filter_map(|s| s.score).collect();
    let mean_score = (!scores.is_empty()).then(|| {
        let n = i64::try_from(scores.len()).unwrap_or(1);
        // Tenths, rounded half up (scores are 0 to 100).
        let tenths = (scores.iter().sum::<i64>() * 10 + n / 2) / n;
        format!("{}.{}", tenths / 10, tenths % 10)
    });
    ReviewView {
        id: review.id,
        speciality: review.speciality,
        speciality_label: review.speciality.label_zh().into(),
        due_at: review.due_at,
        drawn_at: review.drawn_at,
        mean_score,
        seats: seats
            .into_iter()
            .enumerate()
            .map(|(i, s)| SeatView {
                expert: match staff {
                    true => named(&s.expert_name, &s.employer),
                    false => format!("专家 {}", i + 1),
                },
                // An expert's own reason could tell the enterprise who they are.
                recusal: s.recusal.map(|why| if staff { why } else { "回避".into() }),
                opinion: s.opinion,
                score: s.score,
                submitted_at: s.submitted_at,
            })
            .collect(),
    }
}

/// What an expert's link opens; an unknown link is answered as not found.
pub async fn seat(app: &App, secret: &str) -> AppResult<SeatPage> {
    let mut conn = app.db.conn().await?;
    let (seat, review, case) = seat_of(&mut conn, secret).await?;
    Ok(seat_page(&seat, &review, &case, app.now()))
}

async fn seat_of(conn: &mut Conn, secret: &str) -> AppResult<(SeatRow, ReviewRow, CaseRow)> {
    let unknown = || AppError::NotFound("评审链接无效:请核对短信中的链接,或联系审批部门".into());
    let seat = store::seat_by_token(conn, &hash(secret.trim()))
        .await?
        .ok_or_else(unknown)?;
    let review = store::review_by_id(conn, seat.review_id)
        .await?
        .ok_or_else(unknown)?;
    let case = case_store::by_id(conn, review.case_id)
        .await?
        .ok_or_else(unknown)?;
    Ok((seat, review, case))
}

fn seat_page(seat: &SeatRow, review: &ReviewRow, case: &CaseRow, now: DateTime<Utc>) -> SeatPage {
    SeatPage {
        expert: seat.expert_name.clone(),
        speciality_label: review.speciality.label_zh().into(),
        matter_name: case.matter_name.clone(),
        project_name: case.project_name.clone(),
        enterprise_name: case.enterprise_name.clone(),
        location: case.project_location.clone(),
        department: case.org_name.clone(),
        due_at: review.due_at,
        open: seat.submitted_at.is_none()
            && seat.recusal.is_none()
            && now < review.due_at
            && case.status == CaseStatus::Accepted,
        opinion: seat.opinion.clone(),
        score: seat.score,
        recusal: seat.recusal.clone(),
    }
}

/// The expert answers by their link: an opinion and a score before the deadline, or standing
/// aside; once.
pub async fn answer(
    app: &App,
    secret: &str,
    input: &ExpertOpinionInput,
    meta: &RequestMeta,
) -> AppResult<SeatPage> {
    let stand_aside = input.stand_aside.as_deref().map(str::trim);
    let (text, score) = match stand_aside {
        Some("") => return Err(AppError::invalid("reason", "请写明回避理由")),
        Some(_) => (String::new(), 0),
        None => (
            required_text(
                "opinion",
                input.opinion.as_deref().unwrap_or_default(),
                2000,
                "请填写评审意见",
            )?,
            score_of(input.score.as_deref().unwrap_or_default())?,
        ),
    };
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let (seat, review, case) = seat_of(&mut tx, secret).await?;
    if case.status != CaseStatus::Accepted {
        return Err(moved_on(&case));
    }
    if now >= review.due_at {
        return Err(AppError::Conflict {
            field: None,
            message: "评审截止时间已过,不再接收意见;如有特殊情况请联系审批部门".into(),
        });
    }
    let reason;
    let given = match stand_aside {
        Some(why) => {
            reason = format!("专家申请回避:{}", why.chars().take(200).collect::<String>());
            SeatAnswer::StandsAside(&reason)
        }
        None => SeatAnswer::Opinion { text: &text, score },
    };
    if !store::answer_seat(&mut tx, seat.id, &given, now).await? {
        return Err(AppError::Conflict {
            field: None,
            message: "您已提交过评审意见(或已申请回避),不能重复提交".into(),
        });
    }
    let (action, detail) = match given {
        SeatAnswer::Opinion { score, .. } => (
            "construction.review_opinion",
            serde_json::json!({ "review": review.id, "seat": seat.id, "score": score }),
        ),
        SeatAnswer::StandsAside(_) => (
            "construction.review_stood_aside",
            serde_json::json!({ "review": review.id, "seat": seat.id }),
        ),
    };
    // The expert is no account of the platform: the trail records the seat.
    let system = Principal::system();
    crate::trail::on_case(&mut tx, (&system, meta), &case, (action, detail), now).await?;
    let (seat, review, case) = seat_of(&mut tx, secret).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(seat_page(&seat, &review, &case, now))
}

fn score_of(text: &str) -> AppResult<i64> {
    text.trim()
        .parse::<i64>()
        .ok()
        .filter(|s| (0..=100).contains(s))
        .ok_or_else(|| AppError::invalid("score", "评分应为 0 至 100 的整数"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expert(employer: &str, conflicts: &[&str]) -> ExpertRow {
        ExpertRow {
            id: 1,
            name: "林工".into(),
            speciality: ExpertField::Planning,
            employer: employer.into(),
            phone: "13800000000".into(),
            conflicts: conflicts.iter().map(|c| c.to_string()).collect(),
        }
    }

    #[test]
    fn an_expert_stands_aside_for_a_declared_interest_or_the_employer() {
        let firm = ("91350521MA0000000X", "泉州恒信电机有限公司");
        assert!(conflict(&expert("泉州市规划设计院", &[]), firm).is_none());
        assert!(conflict(&expert("泉州市规划设计院", &["91350521MA0000000X"]), firm).is_some());
        assert!(
            conflict(
                &expert("泉州市规划设计院", &[" 泉州恒信电机有限公司 "]),
                firm
            )
            .is_some()
        );
        assert!(conflict(&expert("泉州恒信电机有限公司", &[]), firm).is_some());
        assert!(
            conflict(&expert("泉州市规划设计院", &["恒信"]), firm).is_none(),
            "whole names only"
        );
        assert!(conflict(&expert("泉州市规划设计院", &["91350521ma0000000x"]), firm).is_some());
        let bracketed = (
            "91350521MA0000000X",
            "泉州恒信\u{ff08}集团\u{ff09}电机有限公司",
        );
        assert!(conflict(&expert("院", &["泉州恒信(集团)电机有限公司"]), bracketed).is_some());
    }
}
