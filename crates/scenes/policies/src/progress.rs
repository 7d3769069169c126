//! Where an application stands on the road from 提交 to 到账, as a stepper shows it: five
//! milestones, each done, under way, ended there, or still ahead. Worked out from the
//! application's and its payout's status, never from their labels.

use crate::status::ApplicationStatus::{
    self, Approved, Declined, Draft, Excluded, Offered, PendingCheck, Rejected, Returned,
    Submitted, Withdrawn,
};
use crate::status::PayoutStatus::{self, Allocating, Batched, Cancelled, Failed, Paid, Pending};
use serde::Serialize;
use utoipa::ToSchema;

/// The milestones of every application, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Milestone {
    Submitted,
    Reviewed,
    Approved,
    Paying,
    Paid,
}

impl Milestone {
    pub const ALL: [Milestone; 5] = [
        Milestone::Submitted,
        Milestone::Reviewed,
        Milestone::Approved,
        Milestone::Paying,
        Milestone::Paid,
    ];

    pub fn label_zh(self) -> &'static str {
        match self {
            Milestone::Submitted => "提交",
            Milestone::Reviewed => "受理审核",
            Milestone::Approved => "核准",
            Milestone::Paying => "拨付",
            Milestone::Paid => "到账",
        }
    }
}

/// How far one milestone is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StepState {
    Done,
    /// Under way: the application is here now.
    Current,
    /// The application stopped here (未通过, 已撤回, 拨付失败 …).
    Stopped,
    Ahead,
}

impl StepState {
    pub fn as_str(self) -> &'static str {
        match self {
            StepState::Done => "done",
            StepState::Current => "current",
            StepState::Stopped => "stopped",
            StepState::Ahead => "ahead",
        }
    }
}

/// One milestone of the stepper, with a word on where it stands when it is the one under way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ProgressStep {
    pub milestone: Milestone,
    pub label: &'static str,
    pub state: StepState,
    /// "待补正", "拨付中", "未通过" … beside the milestone the application is at.
    pub note: Option<&'static str>,
}

/// The stepper of an application: the milestone it is at, how it stands there, and every
/// milestone before it done.
pub fn of(status: ApplicationStatus, payout: Option<PayoutStatus>) -> Vec<ProgressStep> {
    let (at, state, note) = position(status, payout);
    Milestone::ALL
        .into_iter()
        .map(|m| {
            let state = match m {
                _ if m == at => state,
                _ if m < at => StepState::Done,
                _ => StepState::Ahead,
            };
            ProgressStep {
                milestone: m,
                label: m.label_zh(),
                state,
                note: note.filter(|_| m == at),
            }
        })
        .collect()
}

/// The milestone the application is at, how it stands there and the word for it.
fn position(
    status: ApplicationStatus,
    payout: Option<PayoutStatus>,
) -> (Milestone, StepState, Option<&'static str>) {
    use Milestone as M;
    use StepState::{Current, Done, Stopped};
    match (status, payout) {
        (Draft, _) => (M::Submitted, Current, Some("草稿待提交")),
        (PendingCheck | Offered, _) => (M::Submitted, Current, Some("待企业确认")),
        (Declined, _) => (M::Submitted, Stopped, Some("已放弃")),
        (Excluded, _) => (M::Submitted, Stopped, Some("已排除")),
        (Submitted, _) => (M::Reviewed, Current, Some("审核中")),
        (Returned, _) => (M::Reviewed, Current, Some("待补正")),
        (Rejected, _) => (M::Reviewed, Stopped, Some("未通过")),
        (Withdrawn, _) => (M::Reviewed, Stopped, Some("已撤回")),
        (Approved, None | Some(Pending)) => (M::Paying, Current, Some("待拨付")),
        (Approved, Some(Allocating)) => (M::Paying, Current, Some("待按比例核定")),
        (Approved, Some(Batched)) => (M::Paying, Current, Some("拨付中")),
        (Approved, Some(Failed)) => (M::Paying, Stopped, Some("拨付失败,待更正")),
        (Approved, Some(Cancelled)) => (M::Paying, Stopped, Some("已停止拨付")),
        (Approved, Some(Paid)) => (M::Paid, Done, Some("已到账")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn states(status: ApplicationStatus, payout: Option<PayoutStatus>) -> Vec<&'static str> {
        of(status, payout)
            .iter()
            .map(|s| s.state.as_str())
            .collect()
    }

    #[test]
    fn a_submitted_application_is_in_review() {
        assert_eq!(
            states(Submitted, None),
            ["done", "current", "ahead", "ahead", "ahead"]
        );
    }

    #[test]
    fn a_paid_application_has_every_milestone_done() {
        assert_eq!(states(Approved, Some(Paid)), ["done"; 5]);
        assert_eq!(of(Approved, Some(Paid))[4].note, Some("已到账"));
    }

    #[test]
    fn an_approved_application_waits_for_its_payout() {
        let steps = of(Approved, Some(Batched));
        assert_eq!(steps[3].state, StepState::Current);
        assert_eq!(steps[3].note, Some("拨付中"));
        assert_eq!(steps[2].state, StepState::Done);
    }

    #[test]
    fn a_rejected_application_stops_at_review() {
        assert_eq!(
            states(Rejected, None),
            ["done", "stopped", "ahead", "ahead", "ahead"]
        );
    }

    #[test]
    fn a_draft_is_not_yet_submitted() {
        assert_eq!(of(Draft, None)[0].state, StepState::Current);
        assert_eq!(of(Draft, None)[0].note, Some("草稿待提交"));
    }
}
