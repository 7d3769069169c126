//! The messages the policies scene sends to enterprises.

use qinqing_kernel::notifications::{Params, Template};

/// An application moved on (`object`: the policy and receipt, `status`, `note`).
pub const APPLICATION_PROGRESS: Template = Template {
    key: "application_progress",
    label: "申报进度",
    render: application_progress,
};
/// A 免申即享 grant awaits the enterprise's confirmation (`object`, `amount`, `due`).
pub const GRANT_OFFERED: Template = Template {
    key: "grant_offered",
    label: "免申即享",
    render: grant_offered,
};
/// The money arrived (`object`, `amount`).
pub const PAYOUT_ARRIVED: Template = Template {
    key: "payout_arrived",
    label: "资金到账",
    render: payout_arrived,
};
/// A policy was pushed to the enterprise (`object`: the policy; `via`: machine | subscription |
/// staff; `amount` when it is eligible; `department`).
pub const POLICY_PUSHED: Template = Template {
    key: "policy_pushed",
    label: "政策推送",
    render: policy_pushed,
};

/// Every kind of message the scene sends.
pub const ALL: [Template; 4] = [
    APPLICATION_PROGRESS,
    GRANT_OFFERED,
    PAYOUT_ARRIVED,
    POLICY_PUSHED,
];

fn application_progress(p: &Params) -> (String, String) {
    let object = p.get("object", "相关事项");
    let status = p.get("status", "有新进展");
    let note = p
        .text("note")
        .map(|n| format!("说明:{n}。"))
        .unwrap_or_default();
    (
        format!("申报{status}"),
        format!("{object}{status}。{note}详情请在“我的申报”查看。"),
    )
}

fn grant_offered(p: &Params) -> (String, String) {
    let (object, _, due) = p.object_kind_due();
    let amount = p.get("amount", "相应资金");
    (
        "免申即享:请确认收款账户".into(),
        format!(
            "您的企业符合{object},无需申报即可享受 {amount}。请在 {due} 前确认收款账户,逾期视为放弃。"
        ),
    )
}

fn payout_arrived(p: &Params) -> (String, String) {
    let object = p.get("object", "相关事项");
    let amount = p.get("amount", "政策资金");
    (
        "政策资金已到账".into(),
        format!("{object}的 {amount} 已拨付到账,请注意查收。"),
    )
}

fn policy_pushed(p: &Params) -> (String, String) {
    let object = p.get("object", "相关事项");
    let department = p.get("department", "政策主管部门");
    let amount = p
        .text("amount")
        .map(|a| format!("按贵企业现有资料测算,符合申报条件,预计可享 {a}。"))
        .unwrap_or_default();
    let why = match p.text("via") {
        Some("subscription") => "您订阅的政策类别有新政策上架".to_string(),
        Some("staff") => format!("{department}向贵企业推送政策"),
        _ => "有一项新上架的政策与贵企业匹配".to_string(),
    };
    (
        "惠企政策推送".into(),
        format!("{why}:{object}。{amount}详情请在“我的可享政策”查看。"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    #[test]
    fn every_message_reads_in_chinese_even_without_parameters() {
        for t in ALL {
            let (subject, body) = t.render(&Value::Null);
            assert!(!subject.is_empty() && !body.is_empty(), "{}", t.key);
        }
    }

    #[test]
    fn a_push_says_why_and_what_the_enterprise_may_expect() {
        let (_, body) = POLICY_PUSHED.render(&json!({
            "object": "研发费用补助", "via": "staff", "department": "工信局", "amount": "¥80,000.00"
        }));
        assert_eq!(
            body,
            "工信局向贵企业推送政策:研发费用补助。按贵企业现有资料测算,符合申报条件,预计可享 ¥80,000.00。详情请在“我的可享政策”查看。"
        );
        let (subject, body) =
            APPLICATION_PROGRESS.render(&json!({ "status": "已通过", "note": "  " }));
        assert_eq!(subject, "申报已通过");
        assert!(!body.contains("说明"), "{body}");
    }
}
