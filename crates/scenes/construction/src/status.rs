//! Where a case stands (see `qinqing_kernel::status!`).

use qinqing_kernel::status;

status! {
    /// A case (办件) of one matter: applied for (`submitted`), taken in by the department's window
    /// (`accepted`, its promised time limit running), then approved or refused. A matter that
    /// needs the land's title is approved `simulated` (模拟审批) before it, on conditions: it
    /// becomes `approved` when the title is registered, or `lapsed` at its date. A refused or
    /// lapsed matter may be applied for again.
    CaseStatus {
        Submitted => "submitted", "待受理";
        Accepted => "accepted", "审查中";
        Approved => "approved", "准予许可";
        Simulated => "simulated", "模拟审批通过";
        Refused => "refused", "不予许可";
        Lapsed => "lapsed", "模拟审批已失效";
    }
}

impl CaseStatus {
    /// Still with the department.
    pub fn is_open(self) -> bool {
        matches!(self, CaseStatus::Submitted | CaseStatus::Accepted)
    }

    /// Approved, formally or 模拟: the matters that wait for it may go on.
    pub fn lets_others_go_on(self) -> bool {
        matches!(self, CaseStatus::Approved | CaseStatus::Simulated)
    }

    /// Over: nothing more happens to it, and the matter may be applied for again.
    pub fn may_apply_again(self) -> bool {
        matches!(self, CaseStatus::Refused | CaseStatus::Lapsed)
    }
}
