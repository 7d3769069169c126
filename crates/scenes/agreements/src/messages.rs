//! The messages the agreements scene sends to the two sides of an agreement.

use qinqing_kernel::notifications::{Params, Template};

/// A commitment item's planned date moved (`object`: project and item, `from`, `due`).
pub const COMMITMENT_MOVED: Template = Template {
    key: "commitment_moved",
    label: "承诺事项",
    render: commitment_moved,
};
/// The other side reported a commitment item fulfilled (`object`, `on`): confirm or dispute.
pub const COMMITMENT_REPORTED: Template = Template {
    key: "commitment_reported",
    label: "承诺事项",
    render: commitment_reported,
};

/// Every kind of message the scene sends.
pub const ALL: [Template; 2] = [COMMITMENT_MOVED, COMMITMENT_REPORTED];

fn commitment_moved(p: &Params) -> (String, String) {
    let (object, _, due) = p.object_kind_due();
    let from = p.get("from", "原定日期");
    (
        "承诺事项计划日期调整".into(),
        format!(
            "{object}的计划完成日期由 {from} 调整为 {due}(前置事项进度变化、改期或奖补暂停后恢复)。请按新的日期安排履约。"
        ),
    )
}

fn commitment_reported(p: &Params) -> (String, String) {
    let object = p.get("object", "相关事项");
    let on = p.get("on", "近日");
    (
        "履约申报待确认".into(),
        format!(
            "协议另一方申报{object}已于 {on} 履约。请在“承诺事项”中核实佐证材料,确认履约或说明理由退回。"
        ),
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
        let (_, body) =
            COMMITMENT_MOVED.render(&json!({ "from": "2026-03-01", "due": "2026-04-01" }));
        assert!(body.contains("由 2026-03-01 调整为 2026-04-01"), "{body}");
    }
}
