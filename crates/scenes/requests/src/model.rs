//! The request as the use cases keep and show it: the kinds its stored text columns name (its
//! status, the channel it came in by, the extension asked for and the follow-up's result), its
//! clocks, and the view every way out (JSON, pages, Open311) shows. Each kind is stored and shown
//! in JSON by `as_str`, read back by `parse` (the store calls an unknown stored value corrupt)
//! and shown to people by `label_zh`.

use crate::store::requests::{self as request_store, RequestRow};
use chrono::{DateTime, Utc};
use qinqing_domain::deadline::{Limit, LimitUnit};
use qinqing_domain::{CreditCode, DivisionCode};
use qinqing_kernel::store::Conn;
use qinqing_kernel::store::deadlines::{self as deadline_store, State};
use qinqing_kernel::{AppError, AppResult};
use serde::Serialize;
use utoipa::ToSchema;

/// Where a request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RequestStatus {
    /// Waiting for 签收.
    Open,
    Accepted,
    /// Answered; the follow-up is due.
    Replied,
    /// The follow-up was unsatisfied: handled again one grade up.
    Reopened,
    Closed,
    /// Merged into another request of the same enterprise and category.
    Duplicate,
}

impl RequestStatus {
    pub const ALL: [RequestStatus; 6] = [
        RequestStatus::Open,
        RequestStatus::Accepted,
        RequestStatus::Replied,
        RequestStatus::Reopened,
        RequestStatus::Closed,
        RequestStatus::Duplicate,
    ];

    /// The statuses in which the owning department still has to act.
    pub const IN_HAND: [RequestStatus; 3] = [
        RequestStatus::Open,
        RequestStatus::Accepted,
        RequestStatus::Reopened,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RequestStatus::Open => "open",
            RequestStatus::Accepted => "accepted",
            RequestStatus::Replied => "replied",
            RequestStatus::Reopened => "reopened",
            RequestStatus::Closed => "closed",
            RequestStatus::Duplicate => "duplicate",
        }
    }

    pub fn parse(s: &str) -> Option<RequestStatus> {
        RequestStatus::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            RequestStatus::Open => "待签收",
            RequestStatus::Accepted => "办理中",
            RequestStatus::Replied => "已答复,待回访",
            RequestStatus::Reopened => "回访不满意,重新办理",
            RequestStatus::Closed => "已办结",
            RequestStatus::Duplicate => "重复诉求,已并案",
        }
    }

    pub fn is_in_hand(self) -> bool {
        RequestStatus::IN_HAND.contains(&self)
    }

    /// Closed, or merged into another: nothing more happens to the request itself.
    pub fn is_finished(self) -> bool {
        matches!(self, RequestStatus::Closed | RequestStatus::Duplicate)
    }
}

/// The way a request came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// The enterprise itself, on-line.
    Online,
    /// Its 亲清管家, on its behalf.
    Steward,
    /// A 经办人 answering the service hotline.
    Hotline,
    /// A 12345 hotline ticket, registered once per 工单编号.
    #[serde(rename = "12345")]
    Hotline12345,
    /// A bad 好差评 rating passed on.
    Rating,
    /// The 办不成事 window.
    Window,
    /// An Open311 client with an API key.
    Open311,
}

impl Channel {
    pub const ALL: [Channel; 7] = [
        Channel::Online,
        Channel::Steward,
        Channel::Hotline,
        Channel::Hotline12345,
        Channel::Rating,
        Channel::Window,
        Channel::Open311,
    ];

    /// The channels staff register requests from besides the steward's own.
    pub const STAFF: [Channel; 4] = [
        Channel::Hotline,
        Channel::Hotline12345,
        Channel::Rating,
        Channel::Window,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Online => "online",
            Channel::Steward => "steward",
            Channel::Hotline => "hotline",
            Channel::Hotline12345 => "12345",
            Channel::Rating => "rating",
            Channel::Window => "window",
            Channel::Open311 => "open311",
        }
    }

    pub fn parse(s: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Channel::Online => "企业在线提交",
            Channel::Steward => "亲清管家代办",
            Channel::Hotline => "服务热线登记",
            Channel::Hotline12345 => "12345 热线",
            Channel::Rating => "好差评差评转办",
            Channel::Window => "办不成事窗口",
            Channel::Open311 => "Open311 接口",
        }
    }
}

/// Where the owning department's request for more time stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ExtensionStatus {
    Pending,
    Approved,
}

impl ExtensionStatus {
    pub const ALL: [ExtensionStatus; 2] = [ExtensionStatus::Pending, ExtensionStatus::Approved];

    pub fn as_str(self) -> &'static str {
        match self {
            ExtensionStatus::Pending => "pending",
            ExtensionStatus::Approved => "approved",
        }
    }

    pub fn parse(s: &str) -> Option<ExtensionStatus> {
        ExtensionStatus::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            ExtensionStatus::Pending => "待批准",
            ExtensionStatus::Approved => "已批准",
        }
    }
}

/// What the follow-up after a reply found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FollowUpResult {
    Satisfied,
    /// 基本满意.
    Basic,
    /// Reopens the request one grade up.
    Unsatisfied,
    /// Recorded by the scheduler when nobody followed up in time (`auto_close`).
    Expired,
}

impl FollowUpResult {
    pub const ALL: [FollowUpResult; 4] = [
        FollowUpResult::Satisfied,
        FollowUpResult::Basic,
        FollowUpResult::Unsatisfied,
        FollowUpResult::Expired,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FollowUpResult::Satisfied => "satisfied",
            FollowUpResult::Basic => "basic",
            FollowUpResult::Unsatisfied => "unsatisfied",
            FollowUpResult::Expired => "expired",
        }
    }

    pub fn parse(s: &str) -> Option<FollowUpResult> {
        FollowUpResult::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// A result a person records; `Expired` is the scheduler's alone.
    pub fn parse_given(s: &str) -> Option<FollowUpResult> {
        FollowUpResult::parse(s).filter(|r| *r != FollowUpResult::Expired)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            FollowUpResult::Satisfied => "满意",
            FollowUpResult::Basic => "基本满意",
            FollowUpResult::Unsatisfied => "不满意",
            FollowUpResult::Expired => "超期未回访自动办结",
        }
    }
}

/// The object type clocks and audit entries of requests carry.
pub const OBJECT: &str = "request";

/// A request's page, where messages about it link.
pub fn page_of(receipt_no: &str) -> String {
    format!("/requests/{receipt_no}")
}
/// The clock of the first answer (签收 or reply).
pub const RESPONSE_CLOCK: &str = "request.response";
/// The clock of the resolution, in the category's working days.
pub const RESOLUTION_CLOCK: &str = "request.resolution";
pub(crate) const RESPONSE_LIMIT: Limit = Limit {
    unit: LimitUnit::Hours,
    amount: 24,
};

/// A request as every way out shows it, with its labels and the state of its clocks.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RequestView {
    pub receipt_no: String,
    pub credit_code: String,
    pub enterprise_name: String,
    pub region_code: String,
    pub category: String,
    pub category_name: String,
    pub title: String,
    pub description: String,
    pub location: Option<String>,
    pub lat: Option<String>,
    pub lon: Option<String>,
    /// JSON of the caller's name, phone and email, for requests that came without an account.
    pub contact: Option<String>,
    pub channel: Channel,
    pub channel_label: &'static str,
    pub source_ref: Option<String>,
    /// The user who registered it (None for Open311 clients).
    pub registered_by: Option<i64>,
    pub owner_org_id: i64,
    pub owner_name: String,
    pub transferred: bool,
    pub transfer_reason: Option<String>,
    /// The receipt number of the request this one duplicates.
    pub duplicate_of: Option<String>,
    pub status: RequestStatus,
    pub status_label: &'static str,
    /// 1, raised by each unsatisfied follow-up.
    pub grade: i64,
    pub reply: Option<String>,
    pub replied_at: Option<DateTime<Utc>>,
    pub extension_days: Option<i64>,
    pub extension_reason: Option<String>,
    pub extension_status: Option<ExtensionStatus>,
    pub follow_up_result: Option<FollowUpResult>,
    pub follow_up_comment: Option<String>,
    pub followed_up_at: Option<DateTime<Utc>>,
    pub submitted_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Due time of the latest response clock (24 h).
    pub response_due_at: Option<DateTime<Utc>>,
    /// Whether that clock still runs (it stops at 签收, reply or when marked a duplicate).
    pub response_running: bool,
    /// Due time of the latest resolution clock.
    pub resolution_due_at: Option<DateTime<Utc>>,
    pub resolution_running: bool,
    /// A clock still runs past its due time: the response or the resolution is late.
    pub overdue: bool,
}

pub(crate) async fn view(
    conn: &mut Conn,
    r: RequestRow,
    now: DateTime<Utc>,
) -> AppResult<RequestView> {
    let clocks = deadline_store::for_object(conn, OBJECT, &r.receipt_no).await?;
    view_with(conn, r, &clocks, now).await
}

/// Requests as their list shows them: their clocks read in one statement.
pub(crate) async fn views(
    conn: &mut Conn,
    rows: Vec<RequestRow>,
    now: DateTime<Utc>,
) -> AppResult<Vec<RequestView>> {
    let receipts: Vec<&str> = rows.iter().map(|r| r.receipt_no.as_str()).collect();
    let mut clocks = deadline_store::for_objects(conn, OBJECT, &receipts).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let own = clocks.remove(&r.receipt_no).unwrap_or_default();
        out.push(view_with(conn, r, &own, now).await?);
    }
    Ok(out)
}

/// A request as people read it, with its clocks (in the order they were started).
async fn view_with(
    conn: &mut Conn,
    r: RequestRow,
    clocks: &[deadline_store::Deadline],
    now: DateTime<Utc>,
) -> AppResult<RequestView> {
    let latest = |kind: &str| clocks.iter().rev().find(|d| d.kind == kind);
    let latest_due = |kind: &str| latest(kind).map(|d| d.due_at);
    let running = |kind: &str| latest(kind).is_some_and(|d| d.state == State::Running);
    let late = |kind: &str| running(kind) && latest_due(kind).is_some_and(|due| due < now);
    let duplicate_of = match r.duplicate_of {
        Some(id) => request_store::get(conn, id).await?.map(|o| o.receipt_no),
        None => None,
    };
    Ok(RequestView {
        response_due_at: latest_due(RESPONSE_CLOCK),
        response_running: running(RESPONSE_CLOCK),
        resolution_due_at: latest_due(RESOLUTION_CLOCK),
        resolution_running: running(RESOLUTION_CLOCK),
        overdue: late(RESPONSE_CLOCK) || late(RESOLUTION_CLOCK),
        title: r.title.clone().unwrap_or_default(),
        duplicate_of,
        status_label: r.status.label_zh(),
        channel_label: r.channel.label_zh(),
        transferred: r.transferred_from.is_some(),
        receipt_no: r.receipt_no,
        credit_code: r.credit_code,
        enterprise_name: r.enterprise_name,
        region_code: r.region_code,
        category: r.category_code,
        category_name: r.category_name,
        description: r.description,
        location: r.location,
        lat: r.lat,
        lon: r.lon,
        contact: r.contact,
        channel: r.channel,
        source_ref: r.source_ref,
        registered_by: r.registered_by,
        owner_org_id: r.owner_org_id,
        owner_name: r.owner_name,
        transfer_reason: r.transfer_reason,
        status: r.status,
        grade: r.grade,
        reply: r.reply,
        replied_at: r.replied_at,
        extension_days: r.extension_days,
        extension_reason: r.extension_reason,
        extension_status: r.extension_status,
        follow_up_result: r.follow_up_result,
        follow_up_comment: r.follow_up_comment,
        followed_up_at: r.followed_up_at,
        submitted_at: r.submitted_at,
        updated_at: r.updated_at,
    })
}

/// The enterprise's credit code, for the audit trail's on-behalf mark.
pub(crate) fn credit_code(r: &RequestRow) -> AppResult<CreditCode> {
    CreditCode::parse(&r.credit_code).map_err(|e| AppError::Internal(e.into()))
}

pub(crate) fn region(r: &RequestRow) -> AppResult<DivisionCode> {
    DivisionCode::parse(&r.region_code).map_err(|e| AppError::Internal(e.into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// JSON shows each kind by its `as_str`, the text the database stores.
    fn json_matches_stored<K: Serialize + Copy>(all: &[K], as_str: fn(K) -> &'static str) {
        for k in all {
            let json = serde_json::to_value(k).unwrap();
            assert_eq!(json, as_str(*k));
        }
    }

    #[test]
    fn each_kind_reads_back_what_it_stores_and_json_shows_the_same() {
        json_matches_stored(&RequestStatus::ALL, RequestStatus::as_str);
        json_matches_stored(&Channel::ALL, Channel::as_str);
        json_matches_stored(&ExtensionStatus::ALL, ExtensionStatus::as_str);
        json_matches_stored(&FollowUpResult::ALL, FollowUpResult::as_str);
        for s in RequestStatus::ALL {
            assert_eq!(RequestStatus::parse(s.as_str()), Some(s));
        }
        for c in Channel::ALL {
            assert_eq!(Channel::parse(c.as_str()), Some(c));
        }
        for e in ExtensionStatus::ALL {
            assert_eq!(ExtensionStatus::parse(e.as_str()), Some(e));
        }
        for r in FollowUpResult::ALL {
            assert_eq!(FollowUpResult::parse(r.as_str()), Some(r));
        }
        use crate::clinic::DecisionStatus;
        use crate::consultation::Timeliness;
        json_matches_stored(
            &[
                DecisionStatus::Open,
                DecisionStatus::Overdue,
                DecisionStatus::Done,
            ],
            DecisionStatus::as_str,
        );
        json_matches_stored(
            &[
                Timeliness::Pending,
                Timeliness::Overdue,
                Timeliness::OnTime,
                Timeliness::Late,
            ],
            Timeliness::as_str,
        );
        assert_eq!(RequestStatus::parse("未知"), None);
        assert_eq!(FollowUpResult::parse_given("expired"), None);
    }
}
