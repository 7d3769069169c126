//! The kinds a request's stored text columns name: its status, the channel it came in by, the
//! extension asked for and the follow-up's result. Each is stored and shown in JSON by
//! `as_str`, read back by `parse` (the store calls an unknown stored value corrupt) and shown to
//! people by `label_zh`.

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

#[cfg(test)]
mod tests {
    use super::*;

    /// JSON shows each kind by the same text the database stores.
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
        assert_eq!(RequestStatus::parse("未知"), None);
        assert_eq!(FollowUpResult::parse_given("expired"), None);
    }
}
