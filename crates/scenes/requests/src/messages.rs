//! The messages the requests scene sends to enterprises.

use qinqing_kernel::notifications::{Params, Template};

/// A request was answered (`object`: the request's title and receipt, `department`, `reply`).
pub const REQUEST_REPLIED: Template = Template {
    key: "request_replied",
    label: "诉求答复",
    render: request_replied,
};

/// Every kind of message the scene sends.
pub const ALL: [Template; 1] = [REQUEST_REPLIED];

/// How much of the reply a message quotes; the request's page has all of it.
const QUOTED_CHARS: usize = 60;

fn request_replied(p: &Params) -> (String, String) {
    let object = p.get("object", "您的诉求");
    let department = p.get("department", "承办部门");
    let reply = p.get("reply", "");
    let quoted: String = reply.chars().take(QUOTED_CHARS).collect();
    let more = if quoted.len() < reply.len() {
        "……"
    } else {
        ""
    };
    (
        "诉求已答复".into(),
        format!("{object}已由{department}答复:{quoted}{more}。请查看答复并回访评价。"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_reply_is_quoted_in_part() {
        let params = serde_json::json!({
            "object": "诉求“用电报装”(受理号 SQ1)",
            "department": "发展和改革局",
            "reply": "已".repeat(100),
        });
        let (subject, body) = (REQUEST_REPLIED.render)(&Params(&params));
        assert_eq!(subject, "诉求已答复");
        assert!(body.starts_with("诉求“用电报装”(受理号 SQ1)已由发展和改革局答复:"));
        assert!(body.contains(&format!("{}……", "已".repeat(60))));
    }
}
