//! 集中公示: the office examining a project's matters merges their public notices (环评, 水保,
//! 规划 …) into one notice period on a public page. Anyone may object during the period, giving
//! a name and a telephone number; the office answers each objection and the answer is shown
//! beside it. The objector's number is seen only by the office.

use crate::status::CaseStatus;
use crate::store::cases::{self as case_store, CaseRow};
use crate::store::notices::{
    self as store, NewNotice, NewObjection, NoticeRow, NoticedMatter, ObjectionRow,
};
use chrono::{DateTime, NaiveDate, Utc};
use qinqing_domain::contact::PhoneNumber;
use qinqing_domain::deadline::local_date;
use qinqing_domain::org::Role;
use qinqing_kernel::input::required_text;
use qinqing_kernel::store::{Conn, StoreError};
use qinqing_kernel::{App, AppError, AppResult, Principal, RequestMeta, status};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The audit trail's object type of a notice.
pub const OBJECT: &str = "construction_notice";
/// The longest notice period, in days.
const LONGEST_PERIOD_DAYS: i64 = 90;
/// How many objections one telephone number may lodge against one notice.
const OBJECTIONS_PER_PHONE: i64 = 3;
/// How long a notice stays on the public list after its period, in days.
const SHOWN_AFTER_DAYS: u64 = 30;
/// The most cases one notice merges.
const MOST_CASES: usize = 20;
/// Objections one address may lodge at once, and how fast that allowance comes back: enough
/// for a village meeting behind one router, too few to flood a notice.
const OBJECTIONS_PER_ADDRESS: u32 = 20;
const OBJECTION_ALLOWANCE_BACK: std::time::Duration = std::time::Duration::from_secs(30);

/// Admits one objection from `address` (anyone may object, without an account), or tells how
/// long to wait. Kept in memory for the life of the process, like the limits on logins.
fn admit_objection(address: Option<std::net::IpAddr>) -> AppResult<()> {
    use governor::{DefaultKeyedRateLimiter, Quota};
    use std::num::NonZeroU32;
    static LIMITER: std::sync::LazyLock<DefaultKeyedRateLimiter<std::net::IpAddr>> =
        std::sync::LazyLock::new(|| {
            let burst = NonZeroU32::new(OBJECTIONS_PER_ADDRESS).unwrap_or(NonZeroU32::MIN);
            let quota = Quota::with_period(OBJECTION_ALLOWANCE_BACK)
                .unwrap_or_else(|| Quota::per_minute(NonZeroU32::MIN))
                .allow_burst(burst);
            DefaultKeyedRateLimiter::keyed(quota)
        });
    let address = address.unwrap_or(std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED));
    // Forget addresses whose allowance is whole again, so the map does not grow for ever.
    if LIMITER.len() > 10_000 {
        LIMITER.retain_recent();
    }
    LIMITER
        .check_key(&address)
        .map_err(|_| AppError::Throttled {
            message: "提交过于频繁,请稍后再试".into(),
            retry_after_seconds: OBJECTION_ALLOWANCE_BACK.as_secs(),
        })
}

status! {
    /// Where a notice's period stands, by the Beijing date.
    NoticeState {
        Upcoming => "upcoming", "即将公示";
        Open => "open", "公示中";
        Closed => "closed", "公示期已结束";
    }
}

impl NoticeState {
    fn on(period: (NaiveDate, NaiveDate), today: NaiveDate) -> NoticeState {
        if today < period.0 {
            NoticeState::Upcoming
        } else if today > period.1 {
            NoticeState::Closed
        } else {
            NoticeState::Open
        }
    }
}

/// A notice as its office publishes it.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct NoticeInput {
    /// The receipt numbers of the cases whose notices it merges: all of one project, at least
    /// one of them the caller's office's.
    pub cases: Vec<String>,
    pub title: String,
    /// What is made public, in words (the project's scale, the plan's indicators, the
    /// environmental measures …).
    pub body: String,
    /// The period, Beijing dates (YYYY-MM-DD), both included.
    pub starts_on: String,
    pub ends_on: String,
}

/// An objection as anyone lodges it.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct ObjectionInput {
    pub name: String,
    /// A mobile or a landline with its area code: the office calls back on it.
    pub phone: String,
    pub content: String,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct AnswerInput {
    pub answer: String,
}

/// A notice on the public list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NoticeSummary {
    pub code: String,
    pub title: String,
    pub project_name: String,
    pub publisher: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub state: NoticeState,
    pub state_label: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NoticeView {
    pub code: String,
    pub title: String,
    pub body: String,
    pub project_name: String,
    pub enterprise_name: String,
    pub location: String,
    /// The approvals it merges, and the department of each.
    pub matters: Vec<NoticedMatterView>,
    pub publisher: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub state: NoticeState,
    pub state_label: String,
    pub objections: Vec<ObjectionView>,
    /// Whether objections are taken now (during the period).
    pub may_object: bool,
    /// Whether the caller answers its objections (its office published it).
    pub may_answer: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NoticedMatterView {
    pub matter_name: String,
    pub department: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ObjectionView {
    pub id: i64,
    /// The objector's name, shown as 张* unless the caller's office published the notice.
    pub name: String,
    /// Only to the office that published the notice.
    pub phone: Option<String>,
    pub content: String,
    pub submitted_at: DateTime<Utc>,
    pub answer: Option<String>,
    pub answered_at: Option<DateTime<Utc>>,
}

/// The office publishes a notice merging the notices of a project's cases.
pub async fn publish(
    app: &App,
    who: &Principal,
    input: &NoticeInput,
    meta: &RequestMeta,
) -> AppResult<NoticeView> {
    if !matches!(who.role, Role::Handler | Role::DepartmentLead) {
        return Err(AppError::forbidden("只有审批部门的工作人员可以发布公示"));
    }
    let title = required_text("title", &input.title, 100, "请填写公示标题")?;
    let body = required_text("body", &input.body, 4000, "请填写公示内容")?;
    if input.cases.len() > MOST_CASES {
        return Err(AppError::invalid(
            "cases",
            format!("一则集中公示最多合并 {MOST_CASES} 个事项"),
        ));
    }
    let now = app.now();
    let period = period_of(input, local_date(now))?;
    // No office acts in a department's name after its entrustment ended.
    crate::entrustment::give_back_ended(app).await?;
    let mut tx = app.db.begin().await?;
    let cases = noticed_cases(&mut tx, who, &input.cases).await?;
    let code = qinqing_kernel::receipts::receipt_number("GS", now)?;
    let new = NewNotice {
        code: &code,
        project_id: cases[0].project_id,
        title: &title,
        body: &body,
        period,
        org_id: who.org_id,
        created_by: who.user_id,
    };
    let ids: Vec<i64> = cases.iter().map(|c| c.id).collect();
    store::insert(&mut tx, &new, &ids, now).await?;
    let detail = serde_json::json!({
        "project": cases[0].project_code,
        "cases": cases.iter().map(|c| &c.receipt_no).collect::<Vec<_>>(),
        "period": [period.0, period.1],
    });
    crate::trail::record(
        &mut tx,
        (who, meta),
        (OBJECT, &code),
        ("construction.notice_published", detail),
        now,
    )
    .await?;
    let shown = view_in(&mut tx, Some(who), &code, local_date(now)).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(shown)
}

/// The period typed: from today or later, in order, at most [`LONGEST_PERIOD_DAYS`] long.
fn period_of(input: &NoticeInput, today: NaiveDate) -> AppResult<(NaiveDate, NaiveDate)> {
    let date = |field: &str, text: &str| {
        qinqing_kernel::input::date_within(field, text, .., || "请填写日期,如 2026-12-08".into())
    };
    let starts = date("starts_on", &input.starts_on)?;
    let ends = date("ends_on", &input.ends_on)?;
    if starts < today {
        return Err(AppError::invalid("starts_on", "公示不能从过去的日期开始"));
    }
    if ends < starts {
        return Err(AppError::invalid("ends_on", "公示结束日期不能早于开始日期"));
    }
    if (ends - starts).num_days() >= LONGEST_PERIOD_DAYS {
        return Err(AppError::invalid(
            "ends_on",
            format!("公示期最长 {LONGEST_PERIOD_DAYS} 天"),
        ));
    }
    Ok((starts, ends))
}

/// A case's status lets its notice be published: taken in (批前公示) or approved (批后公示).
pub(crate) fn may_be_noticed(status: CaseStatus) -> bool {
    matches!(
        status,
        CaseStatus::Accepted | CaseStatus::Approved | CaseStatus::Simulated
    )
}

/// Another case of the same project whose notice may be merged with this one's.
#[derive(Debug, Clone)]
pub struct Companion {
    pub receipt_no: String,
    pub matter_name: String,
    pub department: String,
}

/// The project's other cases whose notices may be merged with the case's.
pub async fn companions(app: &App, who: &Principal, receipt_no: &str) -> AppResult<Vec<Companion>> {
    let mut conn = app.db.conn().await?;
    let (project, case) = crate::access::visible_case(&mut conn, who, receipt_no).await?;
    Ok(case_store::of_project(&mut conn, project.id)
        .await?
        .into_iter()
        .filter(|c| c.id != case.id && may_be_noticed(c.status))
        .map(|c| Companion {
            department: c.entrusted_by_name.unwrap_or(c.org_name),
            receipt_no: c.receipt_no,
            matter_name: c.matter_name,
        })
        .collect())
}

/// The cases named: of one project, each taken in or approved, one at least the caller's.
async fn noticed_cases(
    conn: &mut Conn,
    who: &Principal,
    receipts: &[String],
) -> AppResult<Vec<CaseRow>> {
    let mut cases: Vec<CaseRow> = Vec::new();
    for receipt in receipts {
        let not_found = || AppError::invalid("cases", format!("没有办件“{}”", receipt.trim()));
        let case = case_store::by_receipt(conn, receipt.trim())
            .await?
            .ok_or_else(not_found)?;
        if cases.iter().any(|c| c.id == case.id) {
            continue;
        }
        if cases
            .first()
            .is_some_and(|first| first.project_id != case.project_id)
        {
            return Err(AppError::invalid("cases", "集中公示的事项须属于同一个项目"));
        }
        if !may_be_noticed(case.status) {
            return Err(AppError::invalid(
                "cases",
                format!("“{}”{},不能公示", case.matter_name, case.status.label_zh()),
            ));
        }
        cases.push(case);
    }
    if cases.is_empty() {
        return Err(AppError::invalid("cases", "请选择要公示的事项"));
    }
    if !cases.iter().any(|c| c.org_id == who.org_id) {
        return Err(AppError::forbidden("只能为本部门办理的事项发起集中公示"));
    }
    Ok(cases)
}

/// The notices of the public list: those not yet over, and those over within the last month.
pub async fn public_list(app: &App) -> AppResult<Vec<NoticeSummary>> {
    let today = local_date(app.now());
    let since = today
        .checked_sub_days(chrono::Days::new(SHOWN_AFTER_DAYS))
        .unwrap_or(today);
    let mut conn = app.db.conn().await?;
    let rows = store::ending_since(&mut conn, since).await?;
    let mut shown: Vec<NoticeSummary> = rows.into_iter().map(|n| summary(n, today)).collect();
    // Open first, then upcoming, then those over.
    shown.sort_by_key(|n| match n.state {
        NoticeState::Open => 0,
        NoticeState::Upcoming => 1,
        NoticeState::Closed => 2,
    });
    Ok(shown)
}

fn summary(n: NoticeRow, today: NaiveDate) -> NoticeSummary {
    let state = NoticeState::on(n.period, today);
    NoticeSummary {
        code: n.code,
        title: n.title,
        project_name: n.project_name,
        publisher: n.org_name,
        starts_on: n.period.0,
        ends_on: n.period.1,
        state,
        state_label: state.label_zh().into(),
    }
}

/// One notice, to anyone; its office also sees the objectors' names and numbers.
pub async fn get(app: &App, who: Option<&Principal>, code: &str) -> AppResult<NoticeView> {
    let mut conn = app.db.conn().await?;
    view_in(&mut conn, who, code, local_date(app.now())).await
}

async fn notice(conn: &mut Conn, code: &str) -> AppResult<NoticeRow> {
    store::by_code(conn, code.trim())
        .await?
        .ok_or_else(|| AppError::NotFound("没有这则公示".into()))
}

/// The staff who answer a notice's objections (and see who lodged them): those of the office
/// that published it and of every office deciding a matter it merges.
fn answers_for(who: Option<&Principal>, n: &NoticeRow, matters: &[NoticedMatter]) -> bool {
    who.is_some_and(|p| {
        matches!(p.role, Role::Handler | Role::DepartmentLead)
            && (p.org_id == n.org_id || matters.iter().any(|m| m.org_id == p.org_id))
    })
}

async fn view_in(
    conn: &mut Conn,
    who: Option<&Principal>,
    code: &str,
    today: NaiveDate,
) -> AppResult<NoticeView> {
    let n = notice(conn, code).await?;
    let matters = store::matters_of(conn, n.id).await?;
    let office = answers_for(who, &n, &matters);
    let objections = store::objections_of(conn, n.id)
        .await?
        .into_iter()
        .map(|o| objection_view(o, office))
        .collect();
    let state = NoticeState::on(n.period, today);
    Ok(NoticeView {
        matters: matters
            .into_iter()
            .map(|m| NoticedMatterView {
                matter_name: m.matter_name,
                department: m.department,
            })
            .collect(),
        objections,
        may_object: state == NoticeState::Open,
        may_answer: office,
        state,
        state_label: state.label_zh().into(),
        code: n.code,
        title: n.title,
        body: n.body,
        project_name: n.project_name,
        enterprise_name: n.enterprise_name,
        location: n.location,
        publisher: n.org_name,
        starts_on: n.period.0,
        ends_on: n.period.1,
    })
}

fn objection_view(o: ObjectionRow, office: bool) -> ObjectionView {
    ObjectionView {
        id: o.id,
        name: if office { o.name } else { masked(&o.name) },
        phone: office.then_some(o.phone),
        content: o.content,
        submitted_at: o.submitted_at,
        answer: o.answer,
        answered_at: o.answered_at,
    }
}

/// A name as the public reads it: its first character, the rest starred (张*, 欧***).
fn masked(name: &str) -> String {
    let mut chars = name.chars();
    let first: String = chars.next().into_iter().collect();
    first + &"*".repeat(chars.count().clamp(1, 3))
}

/// Anyone objects during the period, with a name and a number to be called back on; from
/// `address`, whose allowance a well-formed objection uses up (a mistake costs none).
pub async fn object(
    app: &App,
    code: &str,
    (input, address): (&ObjectionInput, Option<std::net::IpAddr>),
    meta: &RequestMeta,
) -> AppResult<ObjectionView> {
    let name = required_text("name", &input.name, 50, "请填写您的姓名")?;
    let phone = PhoneNumber::parse(&input.phone)
        .map_err(|e| AppError::invalid("phone", format!("请填写可以回复您的电话:{e}")))?;
    let content = required_text("content", &input.content, 2000, "请写明您的意见和理由")?;
    admit_objection(address)?;
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let n = notice(&mut tx, code).await?;
    // One objection at a time per notice, so that the count per telephone holds.
    store::lock(&mut tx, n.id).await?;
    let today = local_date(now);
    match NoticeState::on(n.period, today) {
        NoticeState::Open => {}
        NoticeState::Upcoming => {
            return Err(closed(format!(
                "公示期自 {} 开始,届时再提出意见",
                n.period.0
            )));
        }
        NoticeState::Closed => {
            return Err(closed(format!(
                "公示期已于 {} 结束,不再受理异议",
                n.period.1
            )));
        }
    }
    if store::objections_by_phone(&mut tx, n.id, phone.as_str()).await? >= OBJECTIONS_PER_PHONE {
        return Err(AppError::Conflict {
            field: Some("phone".into()),
            message: format!("同一电话对本公示最多提出 {OBJECTIONS_PER_PHONE} 条意见"),
        });
    }
    let new = NewObjection {
        notice_id: n.id,
        name: &name,
        phone: phone.as_str(),
        content: &content,
    };
    let id = store::insert_objection(&mut tx, &new, now).await?;
    // The public lodges it: the trail records it under the platform, without the number.
    let detail = serde_json::json!({ "objection": id });
    let system = Principal::system();
    crate::trail::record(
        &mut tx,
        (&system, meta),
        (OBJECT, &n.code),
        ("construction.objection_lodged", detail),
        now,
    )
    .await?;
    let lodged = store::objections_of(&mut tx, n.id)
        .await?
        .into_iter()
        .find(|o| o.id == id)
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("objection {id} vanished")))?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(objection_view(lodged, false))
}

fn closed(message: String) -> AppError {
    AppError::Conflict {
        field: None,
        message,
    }
}

/// The office that published the notice answers an objection, once.
pub async fn answer(
    app: &App,
    who: &Principal,
    (code, objection_id): (&str, i64),
    input: &AnswerInput,
    meta: &RequestMeta,
) -> AppResult<NoticeView> {
    let answer = required_text("answer", &input.answer, 2000, "请填写答复内容")?;
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let n = notice(&mut tx, code).await?;
    let matters = store::matters_of(&mut tx, n.id).await?;
    if !answers_for(Some(who), &n, &matters) {
        return Err(AppError::forbidden(format!(
            "本公示由{}发布,由其和所公示事项的审批部门答复意见",
            n.org_name
        )));
    }
    let key = (n.id, objection_id);
    if !store::answer(&mut tx, key, &answer, who.user_id, now).await? {
        let known = store::objections_of(&mut tx, n.id).await?;
        return Err(match known.iter().any(|o| o.id == objection_id) {
            true => closed("这条意见已经答复,请刷新后再看".into()),
            false => AppError::NotFound("没有这条意见".into()),
        });
    }
    let detail = serde_json::json!({ "objection": objection_id });
    crate::trail::record(
        &mut tx,
        (who, meta),
        (OBJECT, &n.code),
        ("construction.objection_answered", detail),
        now,
    )
    .await?;
    let shown = view_in(&mut tx, Some(who), &n.code, local_date(now)).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(shown)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_public_reads_a_masked_name() {
        assert_eq!(masked("张三"), "张*");
        assert_eq!(masked("欧阳娜娜"), "欧***");
        assert_eq!(masked("李"), "李*");
    }

    #[test]
    fn a_period_includes_both_its_days() {
        let day = |d: u32| NaiveDate::from_ymd_opt(2026, 12, d).unwrap();
        let period = (day(8), day(17));
        assert_eq!(NoticeState::on(period, day(7)), NoticeState::Upcoming);
        assert_eq!(NoticeState::on(period, day(8)), NoticeState::Open);
        assert_eq!(NoticeState::on(period, day(17)), NoticeState::Open);
        assert_eq!(NoticeState::on(period, day(18)), NoticeState::Closed);
    }
}
