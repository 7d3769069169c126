//! The life of a request: registration, 签收, the one transfer, duplicates, extensions, the
//! reply and the follow-up. Each step checks the caller against the request, moves its status
//! by a conditional update, controls its clocks and records the audit entry in one transaction.

use crate::access::{acts_for, handles_cases, may_see, of_owner, visible_row};
use crate::model::{
    Channel, ExtensionStatus, FollowUpResult, OBJECT, RESOLUTION_CLOCK, RESPONSE_CLOCK,
    RESPONSE_LIMIT, RequestStatus, RequestView, credit_code, region, view,
};
use crate::routing::{category, owner_for};
use crate::store::requests::{self as store, Move, NewRequest, RequestFilter, RequestRow, SeenBy};
use chrono::{DateTime, Utc};
use qinqing_domain::deadline::{Limit, LimitUnit};
use qinqing_domain::org::{OrgKind, Role, Scope};
use qinqing_domain::{CreditCode, DivisionCode};
use qinqing_kernel::audit::{self, Change};
use qinqing_kernel::deadlines::{self, ClockAction, Side, Start};
use qinqing_kernel::enterprises::visible_enterprise;
use qinqing_kernel::listing::{Paged, Queue, Tab};
use qinqing_kernel::notifications::{self, NewMessage};
use qinqing_kernel::principal::{on_behalf, region_prefix};
use qinqing_kernel::store::{Conn, StoreError, Tx, orgs, users};
use qinqing_kernel::{App, AppError, AppResult, Principal, RequestMeta};
use serde::Deserialize;
use utoipa::ToSchema;

const MAX_DESCRIPTION: usize = 2000;
const MAX_TEXT: usize = 500;
/// The longest title, in characters (a 12345 ticket's 诉求标题 fits).
const MAX_TITLE: usize = 60;
/// How many characters of the description stand in for a missing title.
const DERIVED_TITLE: usize = 30;
/// The longest extension one approval grants.
const MAX_EXTENSION_DAYS: i64 = 30;

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct RequestInput {
    pub credit_code: String,
    /// A category code, e.g. policy, finance.
    pub category: String,
    /// A short subject (optional; the first words of the description stand in for it).
    pub title: Option<String>,
    pub description: String,
    pub location: Option<String>,
    /// Staff only: hotline (default) | 12345 | rating | window.
    pub channel: Option<String>,
    /// The source system's reference (12345 ticket number, rating id).
    pub source_ref: Option<String>,
    /// Chosen by the client once per form: a retry returns the first request.
    pub submit_key: Option<String>,
}

pub(crate) use qinqing_kernel::input::{optional_text, required_text};

/// The channel a caller registers through: enterprises on-line, stewards as such, and a
/// handler or lead of a government organisation covering the enterprise as the hotline
/// operator (the platform has no separate operator role; the 经办人 answering the hotline is one).
fn channel_of(who: &Principal, asked: Option<&str>) -> AppResult<Channel> {
    let asked = asked.map(str::trim).filter(|c| !c.is_empty());
    match who.role {
        Role::EnterpriseUser | Role::Steward if asked.is_some() => Err(AppError::invalid(
            "channel",
            "企业和亲清管家提交的诉求不需要填写来源渠道",
        )),
        Role::EnterpriseUser => Ok(Channel::Online),
        Role::Steward => Ok(Channel::Steward),
        Role::Handler | Role::DepartmentLead => {
            match asked.map_or(Some(Channel::Hotline), Channel::parse) {
                Some(c) if Channel::STAFF.contains(&c) => Ok(c),
                _ => Err(AppError::invalid(
                    "channel",
                    "来源渠道应为 hotline、12345、rating 或 window",
                )),
            }
        }
        _ => Err(AppError::forbidden(
            "只有企业、亲清管家或经办人可以登记诉求",
        )),
    }
}

/// Registers a request for an enterprise in the caller's scope and routes it at once.
pub async fn submit(
    app: &App,
    who: &Principal,
    input: &RequestInput,
    meta: &RequestMeta,
) -> AppResult<RequestView> {
    let channel = channel_of(who, input.channel.as_deref())?;
    let code = CreditCode::parse(input.credit_code.trim())
        .map_err(|e| AppError::invalid("credit_code", e.to_string()))?;
    let mut tx = app.db.begin().await?;
    let enterprise = visible_enterprise(&mut tx, who, &code).await?;
    let source_ref = optional_text("source_ref", input.source_ref.as_deref(), 100)?;
    let registration = Registration {
        enterprise_id: enterprise.id,
        region: enterprise.identity.region_code.clone(),
        credit_code: code,
        channel,
        source_ref,
        registered_by: Some(who.user_id),
        lat: None,
        lon: None,
        contact: None,
    };
    let shown = register(app, &mut tx, who, input, registration, meta).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(shown)
}

/// Who a request is for and where it came from, settled by the way in (session or Open311).
pub(crate) struct Registration {
    pub enterprise_id: i64,
    pub region: DivisionCode,
    pub credit_code: CreditCode,
    pub channel: Channel,
    pub source_ref: Option<String>,
    pub registered_by: Option<i64>,
    /// Open311 only: the position and the caller to call back.
    pub lat: Option<String>,
    pub lon: Option<String>,
    pub contact: Option<String>,
}

/// Validates, routes and stores a request inside `tx`, starting both clocks.
pub(crate) async fn register(
    app: &App,
    tx: &mut Tx,
    who: &Principal,
    input: &RequestInput,
    reg: Registration,
    meta: &RequestMeta,
) -> AppResult<RequestView> {
    let submit_key = optional_text("submit_key", input.submit_key.as_deref(), 100)?;
    if let Some(key) = &submit_key
        && let Some(first) = store::by_submit_key(tx, reg.enterprise_id, key).await?
    {
        return view(tx, first, app.now()).await;
    }
    let category = category(tx, &input.category).await?;
    let description = required_text(
        "description",
        &input.description,
        MAX_DESCRIPTION,
        "请描述遇到的问题",
    )?;
    let location = optional_text("location", input.location.as_deref(), 200)?;
    let title = optional_text("title", input.title.as_deref(), MAX_TITLE)?
        .unwrap_or_else(|| title_of(&description));
    let owner = owner_for(tx, &category, reg.region.as_str()).await?;
    let now = app.now();
    let receipt_no = qinqing_kernel::receipts::receipt_number("SQ", now)?;
    let new = NewRequest {
        receipt_no: &receipt_no,
        enterprise_id: reg.enterprise_id,
        region_code: reg.region.as_str(),
        category_code: &category.code,
        title: Some(&title),
        description: &description,
        location: location.as_deref(),
        lat: reg.lat.as_deref(),
        lon: reg.lon.as_deref(),
        contact: reg.contact.as_deref(),
        channel: reg.channel,
        source_ref: reg.source_ref.as_deref(),
        registered_by: reg.registered_by,
        submit_key: submit_key.as_deref(),
        owner_org_id: owner,
    };
    let id = match store::insert(tx, &new, now).await {
        // The one unique key a registration can meet: a 12345 ticket number already on file.
        Err(StoreError::Duplicate) if reg.channel == Channel::Hotline12345 => {
            return Err(AppError::Conflict {
                field: Some("source_ref".into()),
                message: "该 12345 工单已经登记,不能重复登记".into(),
            });
        }
        other => other?,
    };
    let row = stored(tx, id).await?;
    start_clock(tx, app, &row, RESPONSE_CLOCK, RESPONSE_LIMIT, now).await?;
    start_clock(tx, app, &row, RESOLUTION_CLOCK, resolution_limit(&row), now).await?;
    let change = Change {
        action: "request.submitted",
        object_type: OBJECT,
        object_id: receipt_no.clone(),
        on_behalf_of: registered_for(who, &reg.credit_code),
        detail: serde_json::json!({
            "category": category.code, "channel": reg.channel, "source_ref": reg.source_ref,
            "owner_org_id": owner, "title": title, "description": description,
        }),
    };
    audit::record(tx, who, meta, change, now).await?;
    view(tx, row, now).await
}

/// The description's first sentence, cut to a title's length.
/// The enterprise a request is registered or added to for: staff registering from another
/// channel always say so; the enterprise's own users act as themselves, a steward or an
/// authorised account on its behalf (and under its authorisation).
pub(crate) fn registered_for<'a>(who: &Principal, code: &'a CreditCode) -> Option<&'a CreditCode> {
    if qinqing_kernel::principal::acts_for_enterprise(who) {
        on_behalf(who, code)
    } else {
        Some(code)
    }
}

fn title_of(description: &str) -> String {
    let first = description
        .split(['。', '!', '?', '!', '?', '\n'])
        .find(|s| !s.trim().is_empty())
        .unwrap_or(description);
    first.trim().chars().take(DERIVED_TITLE).collect()
}

fn resolution_limit(r: &RequestRow) -> Limit {
    Limit {
        unit: LimitUnit::WorkingDays,
        amount: u32::try_from(r.limit_days).unwrap_or(1),
    }
}

async fn start_clock(
    conn: &mut Conn,
    app: &App,
    r: &RequestRow,
    kind: &str,
    limit: Limit,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let what = if kind == RESPONSE_CLOCK {
        "响应"
    } else {
        "办结"
    };
    let label = format!("{}的诉求 {} {what}", r.enterprise_name, r.receipt_no);
    let start = Start {
        object_type: OBJECT,
        object_id: &r.receipt_no,
        kind,
        label: &label,
        region: &region(r)?,
        side: Side::Government,
        limit,
        org_id: Some(r.owner_org_id),
    };
    deadlines::start(conn, app, start, now).await?;
    Ok(())
}

async fn stored(conn: &mut Conn, id: i64) -> AppResult<RequestRow> {
    store::get(conn, id)
        .await?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("request {id} vanished")))
}

async fn stop_clocks(
    conn: &mut Conn,
    app: &App,
    r: &RequestRow,
    kinds: &[&str],
    now: DateTime<Utc>,
) -> AppResult<()> {
    for kind in kinds {
        let object = (OBJECT, r.receipt_no.as_str());
        deadlines::control_open(conn, app, object, kind, ClockAction::Stop, now).await?;
    }
    Ok(())
}

fn conflict(message: &str) -> AppError {
    AppError::Conflict {
        field: None,
        message: message.into(),
    }
}

/// Applies a status move, refusing with `refusal` when the request is no longer where it was.
async fn apply(
    conn: &mut Conn,
    r: &RequestRow,
    m: Move<'_>,
    refusal: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    if store::apply(conn, r.id, m, now).await? {
        Ok(())
    } else {
        Err(conflict(refusal))
    }
}

/// Records the audit entry of a step and returns the request as it now stands.
async fn finish(
    mut tx: Tx,
    who: &Principal,
    meta: &RequestMeta,
    r: &RequestRow,
    action: &str,
    detail: serde_json::Value,
    now: DateTime<Utc>,
) -> AppResult<RequestView> {
    let code = credit_code(r)?;
    let change = Change {
        action,
        object_type: OBJECT,
        object_id: r.receipt_no.clone(),
        on_behalf_of: on_behalf(who, &code),
        detail,
    };
    audit::record(&mut tx, who, meta, change, now).await?;
    let row = stored(&mut tx, r.id).await?;
    let shown = view(&mut tx, row, now).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(shown)
}

/// Opens a step by the owning department: the request, visible and owned by the caller.
async fn owned(tx: &mut Tx, who: &Principal, receipt_no: &str) -> AppResult<RequestRow> {
    let r = visible_row(tx, who, receipt_no).await?;
    if !of_owner(who, &r) {
        return Err(AppError::forbidden("只有受理这条诉求的部门可以办理"));
    }
    Ok(r)
}

/// 签收: the owning department acknowledges the request; the response clock stops.
pub async fn accept(
    app: &App,
    who: &Principal,
    receipt_no: &str,
    meta: &RequestMeta,
) -> AppResult<RequestView> {
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let r = owned(&mut tx, who, receipt_no).await?;
    let m = Move::new(&[RequestStatus::Open], "status = 'accepted'");
    apply(&mut tx, &r, m, "这条诉求已签收", now).await?;
    stop_clocks(&mut tx, app, &r, &[RESPONSE_CLOCK], now).await?;
    finish(
        tx,
        who,
        meta,
        &r,
        "request.accepted",
        serde_json::json!({}),
        now,
    )
    .await
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct TransferInput {
    /// The department that takes the request over.
    pub org_id: i64,
    pub reason: String,
}

/// Hands the request to another department, once, with a reason (首接负责: the first owner
/// cannot pass it on silently, and the second cannot pass it on at all).
pub async fn transfer(
    app: &App,
    who: &Principal,
    receipt_no: &str,
    input: &TransferInput,
    meta: &RequestMeta,
) -> AppResult<RequestView> {
    let reason = required_text("reason", &input.reason, MAX_TEXT, "请写明转办理由")?;
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let r = owned(&mut tx, who, receipt_no).await?;
    if r.transferred_from.is_some() {
        return Err(conflict("这条诉求已转办过一次,不能再次转办,请本部门办理"));
    }
    let target = orgs::get(&mut tx, input.org_id)
        .await?
        .filter(|o| o.kind == OrgKind::Department && o.id != r.owner_org_id)
        .ok_or_else(|| AppError::invalid("org_id", "请选择另一个部门"))?;
    let m = Move::new(
        &RequestStatus::IN_HAND,
        "status = 'open', transferred_from = owner_org_id, owner_org_id = $3, transfer_reason = $4",
    )
    .int(target.id)
    .text(&reason);
    apply(&mut tx, &r, m, "这条诉求已答复或办结,不能转办", now).await?;
    // 首接负责 keeps the clocks running; the new owner now answers for them.
    qinqing_kernel::store::deadlines::reassign(&mut tx, OBJECT, &r.receipt_no, target.id).await?;
    let detail = serde_json::json!({ "from": r.owner_org_id, "to": target.id, "to_name": target.name, "reason": reason });
    finish(tx, who, meta, &r, "request.transferred", detail, now).await
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct DuplicateInput {
    /// The receipt number of the open request this one repeats.
    pub of: String,
}

/// Links a repeat of an open request (same enterprise, same category) to it; the repeat's
/// clocks stop and it stays findable under the original.
pub async fn mark_duplicate(
    app: &App,
    who: &Principal,
    receipt_no: &str,
    input: &DuplicateInput,
    meta: &RequestMeta,
) -> AppResult<RequestView> {
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let r = owned(&mut tx, who, receipt_no).await?;
    let original = store::get_by_receipt(&mut tx, input.of.trim()).await?;
    let original = match original {
        Some(o) if store::is_open_twin(&mut tx, &r, o.id).await? => o,
        _ => {
            return Err(AppError::invalid(
                "of",
                "只能并入同一企业、同一类别且尚未办结的另一条诉求",
            ));
        }
    };
    let m = Move::new(
        &RequestStatus::IN_HAND,
        "status = 'duplicate', duplicate_of = $3",
    )
    .int(original.id);
    apply(&mut tx, &r, m, "这条诉求已答复或办结,不能并案", now).await?;
    stop_clocks(&mut tx, app, &r, &[RESPONSE_CLOCK, RESOLUTION_CLOCK], now).await?;
    let detail = serde_json::json!({ "duplicate_of": original.receipt_no });
    finish(tx, who, meta, &r, "request.marked_duplicate", detail, now).await
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ExtensionInput {
    /// Further working days asked for (1–30).
    pub days: i64,
    pub reason: String,
}

/// The owning department asks for more time, with a reason; its lead decides.
pub async fn request_extension(
    app: &App,
    who: &Principal,
    receipt_no: &str,
    input: &ExtensionInput,
    meta: &RequestMeta,
) -> AppResult<RequestView> {
    if !(1..=MAX_EXTENSION_DAYS).contains(&input.days) {
        return Err(AppError::invalid(
            "days",
            format!("延期天数应为 1 至 {MAX_EXTENSION_DAYS} 个工作日"),
        ));
    }
    let reason = required_text("reason", &input.reason, MAX_TEXT, "请写明延期理由")?;
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let r = owned(&mut tx, who, receipt_no).await?;
    if r.extension_status == Some(ExtensionStatus::Pending) {
        return Err(conflict("已有待审批的延期申请"));
    }
    let m = Move::new(
        &RequestStatus::IN_HAND,
        "extension_days = $3, extension_reason = $4, extension_status = 'pending'",
    )
    .int(input.days)
    .text(&reason);
    apply(&mut tx, &r, m, "这条诉求已答复或办结,不需要延期", now).await?;
    let detail = serde_json::json!({ "days": input.days, "reason": reason });
    finish(
        tx,
        who,
        meta,
        &r,
        "request.extension_requested",
        detail,
        now,
    )
    .await
}

/// The lead of the owning department approves the pending extension: the resolution clock's
/// due time moves by the days asked for.
pub async fn approve_extension(
    app: &App,
    who: &Principal,
    receipt_no: &str,
    meta: &RequestMeta,
) -> AppResult<RequestView> {
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let r = owned(&mut tx, who, receipt_no).await?;
    if who.role != Role::DepartmentLead {
        return Err(AppError::forbidden("延期须由受理部门的负责人批准"));
    }
    let (Some(ExtensionStatus::Pending), Some(days)) = (r.extension_status, r.extension_days)
    else {
        return Err(conflict("没有待审批的延期申请"));
    };
    let extra = Limit {
        unit: LimitUnit::WorkingDays,
        amount: u32::try_from(days).unwrap_or(1),
    };
    let object = (OBJECT, r.receipt_no.as_str());
    let due = deadlines::extend_running(&mut tx, app, object, RESOLUTION_CLOCK, extra, now)
        .await?
        .ok_or_else(|| conflict("办结时限已停止,不能延期"))?;
    let m = Move::new(&RequestStatus::IN_HAND, "extension_status = 'approved'");
    apply(&mut tx, &r, m, "这条诉求已答复或办结,不需要延期", now).await?;
    let detail = serde_json::json!({ "days": days, "resolution_due_at": due });
    finish(tx, who, meta, &r, "request.extension_approved", detail, now).await
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ReplyInput {
    /// In plain language: what was done and what the enterprise gets.
    pub reply: String,
}

/// The owning department answers the enterprise; both clocks stop and the follow-up is due.
pub async fn reply(
    app: &App,
    who: &Principal,
    receipt_no: &str,
    input: &ReplyInput,
    meta: &RequestMeta,
) -> AppResult<RequestView> {
    let text = required_text(
        "reply",
        &input.reply,
        MAX_DESCRIPTION,
        "请用通俗的话写明办理情况和结果",
    )?;
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let r = owned(&mut tx, who, receipt_no).await?;
    let m = Move::new(
        &RequestStatus::IN_HAND,
        "status = 'replied', reply = $3, replied_by = $4, replied_at = $5",
    )
    .text(&text)
    .int(who.user_id)
    .text(&qinqing_kernel::store::time::to_text(now));
    apply(&mut tx, &r, m, "这条诉求已答复或办结", now).await?;
    stop_clocks(&mut tx, app, &r, &[RESPONSE_CLOCK, RESOLUTION_CLOCK], now).await?;
    tell_replied(&mut tx, &r, &text, now).await?;
    let detail = serde_json::json!({ "reply": text });
    finish(tx, who, meta, &r, "request.replied", detail, now).await
}

/// Tells the enterprise's users that their request was answered, linking to it.
async fn tell_replied(
    conn: &mut Conn,
    r: &RequestRow,
    reply: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let object = match &r.title {
        Some(title) => format!("您的诉求“{title}”(受理号 {})", r.receipt_no),
        None => format!("您的诉求(受理号 {})", r.receipt_no),
    };
    let params = serde_json::json!({
        "object": object,
        "department": r.owner_name,
        "reply": reply,
    });
    for user in users::of_enterprise(conn, r.enterprise_id).await? {
        let message = NewMessage {
            recipient_user_id: user,
            template: crate::messages::REQUEST_REPLIED,
            params: params.clone(),
            // A request reopened one grade up is answered again: tell that answer too.
            idempotency_key: format!(
                "request:{}:replied:grade:{}:user:{user}",
                r.receipt_no, r.grade
            ),
            link: Some(crate::model::page_of(&r.receipt_no)),
        };
        notifications::enqueue(conn, message, now).await?;
    }
    Ok(())
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct FollowUpInput {
    /// satisfied 满意 | basic 基本满意 | unsatisfied 不满意
    pub result: String,
    pub comment: Option<String>,
}

/// 回访 after the reply, by the enterprise or by the owning department recording a phone call:
/// satisfied or basically satisfied closes the request; not satisfied reopens it one grade up
/// with a new resolution clock.
pub async fn follow_up(
    app: &App,
    who: &Principal,
    receipt_no: &str,
    input: &FollowUpInput,
    meta: &RequestMeta,
) -> AppResult<RequestView> {
    let Some(result) = FollowUpResult::parse_given(input.result.trim()) else {
        return Err(AppError::invalid(
            "result",
            "回访结果应为 satisfied、basic 或 unsatisfied",
        ));
    };
    let comment = optional_text("comment", input.comment.as_deref(), MAX_TEXT)?;
    let reopen = result == FollowUpResult::Unsatisfied;
    if reopen && comment.is_none() {
        return Err(AppError::invalid(
            "comment",
            "不满意请写明原因,以便重新办理",
        ));
    }
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let r = visible_row(&mut tx, who, receipt_no).await?;
    if !(acts_for(who, &r) || of_owner(who, &r)) {
        return Err(AppError::forbidden("回访由企业本人或受理部门记录"));
    }
    let set = if reopen {
        "status = 'reopened', grade = grade + 1, follow_up_result = $3, follow_up_comment = NULLIF($4, ''), \
         followed_up_at = $5, extension_status = NULL"
    } else {
        "status = 'closed', follow_up_result = $3, follow_up_comment = NULLIF($4, ''), followed_up_at = $5"
    };
    let m = Move::new(&[RequestStatus::Replied], set)
        .text(result.as_str())
        .text(comment.as_deref().unwrap_or(""))
        .text(&qinqing_kernel::store::time::to_text(now));
    apply(&mut tx, &r, m, "答复后才能回访,且每次答复只回访一次", now).await?;
    if reopen {
        start_clock(
            &mut tx,
            app,
            &r,
            RESOLUTION_CLOCK,
            resolution_limit(&r),
            now,
        )
        .await?;
    }
    let detail = serde_json::json!({ "result": result.as_str(), "comment": comment, "reopened": reopen, "grade": r.grade + i64::from(reopen) });
    finish(tx, who, meta, &r, "request.followed_up", detail, now).await
}

/// One request, for whoever may see it.
pub async fn get(app: &App, who: &Principal, receipt_no: &str) -> AppResult<RequestView> {
    let mut conn = app.db.conn().await?;
    let r = visible_row(&mut conn, who, receipt_no).await?;
    view(&mut conn, r, app.now()).await
}

/// One page of the requests the caller may see, newest first, optionally of one status: the
/// queue's tab narrows it (待我处理: for a department, what it owns and must still act on; for
/// the enterprise side, replies waiting for its follow-up), its search text too. The SQL lists
/// only what the caller may see; `may_see` still confirms each row shown.
pub async fn queue(
    app: &App,
    who: &Principal,
    status: Option<RequestStatus>,
    queue: &Queue,
) -> AppResult<Paged<RequestView>> {
    if who.role == Role::BankStaff {
        return Err(AppError::forbidden("银行工作人员不处理企业诉求"));
    }
    let now = app.now();
    let mut conn = app.db.conn().await?;
    let mut filter = RequestFilter {
        statuses: status.into_iter().collect(),
        seen_by: Some(seen_by(&mut conn, who).await?),
        search: queue.search.clone(),
        limit: queue.per_page,
        offset: queue.offset(),
        ..RequestFilter::default()
    };
    match queue.tab {
        Tab::All => {}
        Tab::Overdue => filter.overdue_at = Some(now),
        Tab::Mine if !narrow_to_mine(who, &mut filter) => return Ok(queue.paged(0, Vec::new())),
        Tab::Mine => {}
    }
    let total = store::count(&mut conn, &filter).await?;
    let mut seen = Vec::new();
    for r in store::list(&mut conn, &filter).await? {
        if may_see(&mut conn, who, &r).await? {
            seen.push(r);
        }
    }
    let items = crate::model::views(&mut conn, seen, now).await?;
    Ok(queue.paged(total, items))
}

/// The tab a page's list opens on: a department's staff see what waits for them; the enterprise
/// side and those who watch see everything.
pub fn default_tab(who: &Principal) -> Tab {
    if handles_cases(who.role) {
        Tab::Mine
    } else {
        Tab::All
    }
}

/// 待我处理: narrows `filter` to the requests waiting for the reader to act; false when nothing
/// can (readers who act on no request, or a status filter that excludes what waits).
fn narrow_to_mine(who: &Principal, filter: &mut RequestFilter) -> bool {
    let waiting: &[RequestStatus] = if handles_cases(who.role) {
        filter.owner_org_id = Some(who.org_id);
        &RequestStatus::IN_HAND
    } else if matches!(who.role, Role::EnterpriseUser | Role::Steward) {
        &[RequestStatus::Replied]
    } else {
        &[]
    };
    filter.statuses = if filter.statuses.is_empty() {
        waiting.to_vec()
    } else {
        filter
            .statuses
            .iter()
            .copied()
            .filter(|s| waiting.contains(s))
            .collect()
    };
    !filter.statuses.is_empty()
}

/// `may_see` as a listing's condition: the caller's enterprises, organisation and own
/// registrations, and the region of supervisors, administrators and non-department staff.
async fn seen_by(conn: &mut Conn, who: &Principal) -> AppResult<SeenBy> {
    let watches_region = if who.role.is_supervisor() || who.role == Role::Admin {
        true
    } else if who.role.is_staff() {
        let kind = orgs::get(conn, who.org_id).await?.map(|o| o.kind);
        kind.is_some_and(|k| k != OrgKind::Department)
    } else {
        false
    };
    let region_prefix = match &who.scope {
        Scope::All if watches_region => Some(String::new()),
        Scope::Region(code) if watches_region => Some(region_prefix(code)),
        _ => None,
    };
    let acts_for = matches!(who.role, Role::EnterpriseUser | Role::Steward);
    Ok(SeenBy {
        org_id: who.role.is_staff().then_some(who.org_id),
        user_id: who.user_id,
        credit_codes: if acts_for {
            who.enterprises().iter().map(|c| c.to_string()).collect()
        } else {
            Vec::new()
        },
        region_prefix,
    })
}
