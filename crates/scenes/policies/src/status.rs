//! The statuses the scene keeps, with the value stored and sent as JSON (`as_str`, snake_case)
//! and the label people read (`label_zh`) side by side. A stored value the scene does not know
//! is corrupt data (`parse` fails), never shown as "未知".

use qinqing_kernel::status;

status! {
    /// Where a payout (直达付) stands: `pending` → `batched` → `paid` or `failed`; a failed one
    /// is queued again after correction, and one not yet paid is `cancelled` when its pledge is
    /// found false. A grant of a policy whose budget is shared 按比例 waits `allocating` until
    /// its department allocates the budget among the year's grants.
    PayoutStatus {
        Allocating => "allocating", "待按比例核定";
        Pending => "pending", "待拨付";
        Batched => "batched", "拨付中";
        Paid => "paid", "已到账";
        Failed => "failed", "拨付失败,待更正";
        Cancelled => "cancelled", "已停止拨付";
    }
}

status! {
    /// Where an application (申报) or a 免申即享 grant stands. An application goes `draft` →
    /// `submitted` → `approved` or `rejected`, via `returned` (补正) and back; a grant goes
    /// `pending_check` → `offered` → `approved`, or ends `declined` or `excluded`.
    ApplicationStatus {
        Draft => "draft", "草稿";
        Submitted => "submitted", "审核中";
        Returned => "returned", "待补正";
        Approved => "approved", "已核准";
        Rejected => "rejected", "未通过";
        Withdrawn => "withdrawn", "已撤回";
        PendingCheck => "pending_check", "待核对(免申即享)";
        Offered => "offered", "待确认(免申即享)";
        Declined => "declined", "已放弃";
        Excluded => "excluded", "已排除";
    }
}

impl ApplicationStatus {
    /// Closed without money granted: the database lets the enterprise apply again after these
    /// (see the `application_live` index).
    pub fn closed_without_grant(self) -> bool {
        matches!(
            self,
            Self::Withdrawn | Self::Rejected | Self::Declined | Self::Excluded
        )
    }

    /// Decided by a reviewer (what the handling-time figures count).
    pub const DECIDED: &[ApplicationStatus] = &[Self::Approved, Self::Rejected];
}

status! {
    /// Where a policy stands in its life: written (`draft`), checked (`review`), on the shelf
    /// (`published`), and taken off at its end date (`expired`) or by its department
    /// (`withdrawn`).
    PolicyStatus {
        Draft => "draft", "草稿";
        Review => "review", "待审核";
        Published => "published", "已上架";
        Expired => "expired", "已到期下架";
        Withdrawn => "withdrawn", "已撤回下架";
    }
}

status! {
    /// A 免申即享 run: it works through the enterprises, staff check its offers, then release it
    /// and the enterprises are told; a run that found nothing new to offer ends `empty`.
    RunStatus {
        Running => "running", "比对中";
        Checking => "checking", "待核对";
        Released => "released", "已发布";
        Empty => "empty", "无新增";
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Serialize;
    use std::fmt::Debug;
    use std::str::FromStr;

    fn reads_back<T>(all: &[T], as_str: fn(T) -> &'static str)
    where
        T: Serialize + FromStr + PartialEq + Debug + Copy,
    {
        for &s in all {
            assert_eq!(as_str(s).parse::<T>().ok(), Some(s));
            assert_eq!(serde_json::to_value(s).ok(), Some(as_str(s).into()));
        }
    }

    #[test]
    fn every_status_reads_back_what_it_stores_and_sends_the_same_as_json() {
        reads_back(PayoutStatus::ALL, PayoutStatus::as_str);
        reads_back(RunStatus::ALL, RunStatus::as_str);
        reads_back(ApplicationStatus::ALL, ApplicationStatus::as_str);
        reads_back(PolicyStatus::ALL, PolicyStatus::as_str);
    }

    #[test]
    fn a_stored_status_the_scene_does_not_know_does_not_parse() {
        assert!("unknown".parse::<PayoutStatus>().is_err());
        assert!("".parse::<RunStatus>().is_err());
        assert!("unknown".parse::<ApplicationStatus>().is_err());
        assert!("Published".parse::<PolicyStatus>().is_err());
    }
}
