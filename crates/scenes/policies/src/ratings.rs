//! 好差评: after a decision or a payment the enterprise may rate the service of its application
//! on the five levels of GB/T 39734. A bad rating (不满意, 非常不满意) opens a follow-up with a
//! 15-working-day limit on the shared deadline mechanism, so the supervising office (效能办) is
//! warned when nobody answers it; the policy's department answers it.

use crate::applications::visible_row;
use crate::status::ApplicationStatus;
use crate::store::policies;
use crate::store::ratings::{self as store, NewRating, RatingRow};
use chrono::{DateTime, Utc};
use qinqing_domain::deadline::{Limit, LimitUnit};
use qinqing_domain::org::{Role, Scope};
use qinqing_domain::{CreditCode, DivisionCode};
use qinqing_kernel::audit::{self, Change};
use qinqing_kernel::deadlines::{self, ClockAction, Side, Start};
use qinqing_kernel::principal::{acts_for_enterprise, on_behalf};
use qinqing_kernel::store::{Conn, StoreError};
use qinqing_kernel::{App, AppError, AppResult, Principal, RequestMeta};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The object type a rating's follow-up clock is filed under.
pub const OBJECT: &str = "rating";

/// The page of the application a rating is of, where messages about its follow-up link.
pub(crate) async fn page_of(conn: &mut Conn, rating_id: &str) -> AppResult<String> {
    let id = rating_id.parse::<i64>().unwrap_or(0);
    let rating = store::get(conn, id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("没有编号为 {rating_id} 的评价")))?;
    Ok(crate::applications::page_of(&rating.receipt_no))
}

/// The kind of clock a bad rating's follow-up runs on.
pub const FOLLOW_UP_CLOCK: &str = "policy.rating_follow_up";
const FOLLOW_UP_LIMIT: Limit = Limit {
    unit: LimitUnit::WorkingDays,
    amount: 15,
};

/// The five levels, best first.
pub const LEVELS: [(i64, &str); 5] = [
    (5, "非常满意"),
    (4, "满意"),
    (3, "基本满意"),
    (2, "不满意"),
    (1, "非常不满意"),
];

pub fn level_label(level: i64) -> &'static str {
    LEVELS
        .iter()
        .find(|(l, _)| *l == level)
        .map_or("未知", |(_, label)| label)
}

/// What the policy's department found when it looked into a bad rating (核实结论).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Finding {
    /// 属实:经办人员履职不到位. 纪检 sees it among 数智监督's flags (差评追责).
    DutyFailed,
    /// 经核实不属于履职问题 (the policy's conditions, a misunderstanding).
    NotDuty,
}

impl Finding {
    pub const ALL: [Finding; 2] = [Finding::DutyFailed, Finding::NotDuty];

    pub fn as_str(self) -> &'static str {
        match self {
            Finding::DutyFailed => "duty_failed",
            Finding::NotDuty => "not_duty",
        }
    }

    pub fn parse(s: &str) -> Option<Finding> {
        Finding::ALL.into_iter().find(|f| f.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Finding::DutyFailed => "属实,经办人员履职不到位",
            Finding::NotDuty => "不属于履职问题",
        }
    }
}

fn is_bad(level: i64) -> bool {
    level <= 2
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct RatingInput {
    /// 5 非常满意 … 1 非常不满意
    pub level: i64,
    pub comment: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RatingView {
    pub id: i64,
    pub receipt_no: String,
    pub policy_title: String,
    pub enterprise_name: String,
    pub level: i64,
    pub level_label: &'static str,
    pub comment: Option<String>,
    pub rated_at: DateTime<Utc>,
    /// Bad ratings need a follow-up.
    pub needs_follow_up: bool,
    pub follow_up_note: Option<String>,
    /// 核实结论 of the follow-up.
    pub follow_up_finding: Option<Finding>,
    pub follow_up_finding_label: Option<&'static str>,
    pub followed_up_at: Option<DateTime<Utc>>,
}

impl From<RatingRow> for RatingView {
    fn from(r: RatingRow) -> Self {
        RatingView {
            id: r.id,
            needs_follow_up: is_bad(r.level) && r.followed_up_at.is_none(),
            level_label: level_label(r.level),
            receipt_no: r.receipt_no,
            policy_title: r.policy_title,
            enterprise_name: r.enterprise_name,
            level: r.level,
            comment: r.comment,
            rated_at: r.rated_at,
            follow_up_note: r.follow_up_note,
            follow_up_finding: r.follow_up_finding,
            follow_up_finding_label: r.follow_up_finding.map(Finding::label_zh),
            followed_up_at: r.followed_up_at,
        }
    }
}

/// Rates an application once, after it was decided.
pub async fn rate(
    app: &App,
    who: &Principal,
    receipt_no: &str,
    input: &RatingInput,
    meta: &RequestMeta,
) -> AppResult<RatingView> {
    if !acts_for_enterprise(who) {
        return Err(AppError::forbidden("只有企业本身或其亲清管家可以评价"));
    }
    if !(1..=5).contains(&input.level) {
        return Err(AppError::invalid("level", "请选择 1 到 5 级评价"));
    }
    let comment = input
        .comment
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty());
    if is_bad(input.level) && comment.is_none() {
        return Err(AppError::invalid(
            "comment",
            "差评请写明不满意的原因,以便整改",
        ));
    }
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let row = visible_row(&mut tx, who, receipt_no).await?;
    if !ApplicationStatus::DECIDED.contains(&row.status) {
        return Err(AppError::Conflict {
            field: None,
            message: "办结(核准或不予通过)后才能评价".into(),
        });
    }
    let new = NewRating {
        application_id: row.id,
        enterprise_id: row.enterprise_id,
        policy_id: row.policy_id,
        region_code: &row.region_code,
        level: input.level,
        comment,
        rated_by: who.user_id,
    };
    let id = match store::insert(&mut tx, &new, now).await {
        Err(StoreError::Duplicate) => {
            return Err(AppError::Conflict {
                field: None,
                message: "这份申报已评价过".into(),
            });
        }
        other => other?,
    };
    if is_bad(input.level) {
        let region =
            DivisionCode::parse(&row.region_code).map_err(|e| AppError::Internal(e.into()))?;
        let label = format!("回访{}对“{}”的差评", row.enterprise_name, row.policy_title);
        let object_id = id.to_string();
        let department = policies::get(&mut tx, row.policy_id)
            .await?
            .map(|p| p.department_org_id);
        let start = Start {
            object_type: OBJECT,
            object_id: &object_id,
            kind: FOLLOW_UP_CLOCK,
            label: &label,
            region: &region,
            side: Side::Government,
            limit: FOLLOW_UP_LIMIT,
            org_id: department,
        };
        deadlines::start(&mut tx, app, start, now).await?;
    }
    let code = CreditCode::parse(&row.credit_code).map_err(|e| AppError::Internal(e.into()))?;
    let change = Change {
        action: "rating.given",
        object_type: "application",
        object_id: row.receipt_no.clone(),
        on_behalf_of: on_behalf(who, &code),
        detail: serde_json::json!({ "level": input.level, "label": level_label(input.level), "comment": comment }),
    };
    audit::record(&mut tx, who, meta, change, now).await?;
    let rating = store::get(&mut tx, id)
        .await?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("rating vanished")))?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(rating.into())
}

/// The policy's department answers a bad rating (回访整改) with what it found (核实结论); the
/// follow-up clock stops.
pub async fn follow_up(
    app: &App,
    who: &Principal,
    id: i64,
    note: &str,
    finding: Option<Finding>,
    meta: &RequestMeta,
) -> AppResult<RatingView> {
    let note = note.trim();
    if note.is_empty() {
        return Err(AppError::invalid("note", "请写明回访和整改情况"));
    }
    let Some(finding) = finding else {
        return Err(AppError::invalid(
            "finding",
            "请选择核实结论:是否属于经办人员履职不到位",
        ));
    };
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let rating = store::get(&mut tx, id)
        .await?
        .ok_or_else(|| AppError::NotFound("没有这条评价".into()))?;
    let application = crate::store::applications::get_by_receipt(&mut tx, &rating.receipt_no)
        .await?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("rating without application")))?;
    let policy = policies::get(&mut tx, application.policy_id)
        .await?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("rating without policy")))?;
    let of_department = matches!(who.role, Role::Handler | Role::DepartmentLead)
        && who.org_id == policy.department_org_id;
    if !(of_department || who.role == Role::Admin) {
        return Err(AppError::forbidden("差评由政策所属部门回访整改"));
    }
    if !is_bad(rating.level) {
        return Err(AppError::Conflict {
            field: None,
            message: "只有差评需要回访整改".into(),
        });
    }
    if !store::follow_up(&mut tx, id, (note, finding.as_str()), who.user_id, now).await? {
        return Err(AppError::Conflict {
            field: None,
            message: "这条差评已回访".into(),
        });
    }
    deadlines::control_open(
        &mut tx,
        app,
        ("rating", &id.to_string()),
        FOLLOW_UP_CLOCK,
        ClockAction::Stop,
        now,
    )
    .await?;
    let change = Change {
        action: "rating.followed_up",
        object_type: "application",
        object_id: rating.receipt_no.clone(),
        on_behalf_of: None,
        detail: serde_json::json!({ "rating": id, "note": note, "finding": finding.label_zh() }),
    };
    audit::record(&mut tx, who, meta, change, now).await?;
    let rating = store::get(&mut tx, id)
        .await?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("rating vanished")))?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(rating.into())
}

/// The rating of one application, for whoever may see the application.
pub async fn of_application(
    app: &App,
    who: &Principal,
    receipt_no: &str,
) -> AppResult<Option<RatingView>> {
    let mut conn = app.db.conn().await?;
    let row = visible_row(&mut conn, who, receipt_no).await?;
    Ok(store::of_application(&mut conn, row.id)
        .await?
        .map(RatingView::from))
}

/// Ratings in the caller's scope, for staff and supervisors.
pub async fn list(app: &App, who: &Principal) -> AppResult<Vec<RatingView>> {
    let prefix = match &who.scope {
        Scope::All => String::new(),
        Scope::Region(code) if who.role.is_staff() => {
            qinqing_kernel::principal::region_prefix(code)
        }
        _ => return Err(AppError::forbidden("只有工作人员可以查看评价")),
    };
    let mut conn = app.db.conn().await?;
    Ok(store::list(&mut conn, &prefix, 500)
        .await?
        .into_iter()
        .map(RatingView::from)
        .collect())
}
