//! The steps on a commitment item — report, confirm, dispute, waive, breach — and who may take
//! which, when. One check serves both: the project page offers exactly the steps [`allowed`]
//! lists, and [`next_outcome`] refuses any other with the reason.

use crate::access::{manages, may_confirm, may_record_breach, may_report, may_waive};
use crate::input::{parse_date, text};
use crate::items::{ItemAction, conflict};
use crate::store::agreements::{AgreementRow, CommitmentRow};
use chrono::NaiveDate;
use qinqing_domain::commitment::{Outcome, Status};
use qinqing_kernel::{AppError, AppResult, Principal};

/// A step on an item, without its inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Report,
    Confirm,
    Dispute,
    Waive,
    Breach,
}

impl Step {
    pub const ALL: [Step; 5] = [
        Step::Report,
        Step::Confirm,
        Step::Dispute,
        Step::Waive,
        Step::Breach,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Step::Report => "report",
            Step::Confirm => "confirm",
            Step::Dispute => "dispute",
            Step::Waive => "waive",
            Step::Breach => "breach",
        }
    }

    /// The audit action's suffix (`commitment.<past>`).
    pub(crate) fn past(self) -> &'static str {
        match self {
            Step::Report => "reported",
            Step::Confirm => "confirmed",
            Step::Dispute => "disputed",
            Step::Waive => "waived",
            Step::Breach => "breached",
        }
    }
}

impl ItemAction {
    pub fn step(&self) -> Step {
        match self {
            ItemAction::Report { .. } => Step::Report,
            ItemAction::Confirm => Step::Confirm,
            ItemAction::Dispute { .. } => Step::Dispute,
            ItemAction::Waive { .. } => Step::Waive,
            ItemAction::Breach { .. } => Step::Breach,
        }
    }
}

/// Whether the caller may take `step` on the item now (its state today being `status`); the
/// refusal says why.
pub(crate) fn check(
    who: &Principal,
    a: &AgreementRow,
    row: &CommitmentRow,
    status: Status,
    step: Step,
) -> AppResult<()> {
    let reported = matches!(row.outcome, Outcome::Reported { .. });
    let open_or_reported = row.outcome == Outcome::Open || reported;
    match step {
        Step::Report => {
            if !may_report(who, a, row) {
                return Err(AppError::forbidden("履约情况由承担该事项的一方申报"));
            }
            if row.outcome != Outcome::Open {
                return Err(conflict("该事项已申报或已办结"));
            }
            if status == Status::Suspended {
                return Err(conflict(
                    "企业方有承诺事项违约,本协议的奖补暂停兑现;违约经部门负责人豁免后方可申报",
                ));
            }
        }
        Step::Confirm | Step::Dispute => {
            if !may_confirm(who, a, row) {
                return Err(AppError::forbidden("履约申报由协议另一方确认"));
            }
            if !reported {
                return Err(conflict("该事项没有待确认的履约申报"));
            }
        }
        Step::Waive => {
            if !may_waive(who, a) {
                return Err(AppError::forbidden("豁免须经录入协议部门的负责人批准"));
            }
            // Waiving a breach lifts it (and the suspension of incentives it caused).
            if !open_or_reported && row.outcome != Outcome::Breached {
                return Err(conflict("该事项已办结"));
            }
        }
        Step::Breach => {
            if !may_record_breach(who, a) {
                return Err(AppError::forbidden("违约由招商办或部门负责人认定"));
            }
            if !open_or_reported {
                return Err(conflict("该事项已办结"));
            }
            if status != Status::Overdue && !reported {
                return Err(conflict("事项逾期后才能认定违约"));
            }
        }
    }
    Ok(())
}

/// The steps the caller may take on the item now.
pub(crate) fn allowed(
    who: &Principal,
    a: &AgreementRow,
    row: &CommitmentRow,
    status: Status,
) -> Vec<Step> {
    Step::ALL
        .into_iter()
        .filter(|&step| check(who, a, row, status, step).is_ok())
        .collect()
}

/// Whether the caller may rewrite the item: the managing staff, while it is open.
pub(crate) fn may_edit(who: &Principal, a: &AgreementRow, row: &CommitmentRow) -> bool {
    manages(who, a) && row.outcome == Outcome::Open
}

/// Whether the caller may add evidence files: the answering side, while the item is open.
pub(crate) fn may_add_evidence(who: &Principal, a: &AgreementRow, row: &CommitmentRow) -> bool {
    may_report(who, a, row) && row.outcome == Outcome::Open
}

fn reason(text_in: &str) -> AppResult<String> {
    text(text_in, true, "理由").map_err(|m| AppError::invalid("reason", m))
}

/// The outcome a step leads to, after checking that the caller may take it, with the note it
/// keeps (the evidence of a report, the reason of a dispute, waiver or breach).
pub(crate) fn next_outcome(
    who: &Principal,
    a: &AgreementRow,
    row: &CommitmentRow,
    status: Status,
    action: &ItemAction,
    today: NaiveDate,
) -> AppResult<(Outcome, Option<String>)> {
    check(who, a, row, status, action.step())?;
    match action {
        ItemAction::Report { on, evidence } => {
            let on = parse_date(on).map_err(|m| AppError::invalid("on", m))?;
            if on > today || on < a.signed_on {
                return Err(AppError::invalid("on", "履约日期应在签约日至今天之间"));
            }
            let evidence =
                text(evidence, true, "履约佐证").map_err(|m| AppError::invalid("evidence", m))?;
            Ok((Outcome::Reported { on }, Some(evidence)))
        }
        ItemAction::Confirm => {
            let Outcome::Reported { on } = row.outcome else {
                return Err(conflict("该事项没有待确认的履约申报"));
            };
            Ok((Outcome::Fulfilled { on }, row.outcome_note.clone()))
        }
        ItemAction::Dispute { reason: r } => Ok((Outcome::Open, Some(reason(r)?))),
        ItemAction::Waive { reason: r } => Ok((Outcome::Waived, Some(reason(r)?))),
        ItemAction::Breach { reason: r } => Ok((Outcome::Breached, Some(reason(r)?))),
    }
}
