//! The demo district's requests (诉求必应). Every demo district gets routing rules, so that a
//! request can be filed at once; the full demo also plays a handful of requests into every
//! state through the use cases (so each step is authorised, audited and on the clock). The
//! small test district leaves those out: their running clocks would fire in other tests.

use super::fulfilment::principal;
use super::policies::department;
use crate::requests::RequestView;
use crate::requests::handling::{
    self, ExtensionInput, FollowUpInput, ReplyInput, RequestInput, TransferInput,
};
use crate::requests::routing::{self, RouteInput};
use crate::{App, AppResult, Principal, RequestMeta};

/// Category → department; 东园镇's financing requests go to its own office.
const ROUTES: [(&str, &str, &str); 7] = [
    ("policy", "", "工业和信息化局"),
    ("finance", "", "财政局"),
    ("finance", "350521101", "东园镇经济发展办"),
    ("labour", "", "人力资源和社会保障局"),
    ("land", "", "自然资源局"),
    ("permit", "", "市场监督管理局"),
    ("other", "", "工业和信息化局"),
];

pub(super) async fn load_routes(app: &App) -> AppResult<()> {
    let mut routes = Vec::new();
    for (category, prefix, org) in ROUTES {
        routes.push(RouteInput {
            category: category.into(),
            region_prefix: prefix.into(),
            org_id: department(app, org).await?,
        });
    }
    let meta = RequestMeta::default();
    routing::replace_routes(app, &Principal::system(), &routes, &meta).await?;
    Ok(())
}

async fn file(app: &App, who: &Principal, category: &str, text: &str) -> AppResult<RequestView> {
    let input = RequestInput {
        credit_code: who
            .enterprises()
            .first()
            .map(|c| c.to_string())
            .unwrap_or_default(),
        category: category.into(),
        description: text.into(),
        ..RequestInput::default()
    };
    handling::submit(app, who, &input, &RequestMeta::default()).await
}

/// Requests of the demo enterprise in every state: waiting, in hand, on extension, answered,
/// closed, reopened, transferred. Does nothing when the demo accounts are missing.
pub async fn load(app: &App) -> AppResult<()> {
    let (Some(enterprise), Some(handler), Some(lead), Some(finance)) = (
        principal(app, "enterprise").await?,
        principal(app, "handler").await?,
        principal(app, "lead").await?,
        principal(app, "reviewer2").await?,
    ) else {
        return Ok(());
    };
    let meta = RequestMeta::default();
    file(
        app,
        &enterprise,
        "policy",
        "企业技改补助今年什么时候开始申报?",
    )
    .await?;

    let r = file(
        app,
        &enterprise,
        "policy",
        "研发费用加计扣除和区里的研发补助能否同时享受?",
    )
    .await?;
    handling::accept(app, &handler, &r.receipt_no, &meta).await?;

    let r = file(
        app,
        &enterprise,
        "other",
        "厂区门口道路破损,货车进出困难,希望协调修复。",
    )
    .await?;
    handling::accept(app, &handler, &r.receipt_no, &meta).await?;
    let more = ExtensionInput {
        days: 5,
        reason: "需住建部门现场勘察并排入维修计划".into(),
    };
    handling::request_extension(app, &handler, &r.receipt_no, &more, &meta).await?;
    handling::approve_extension(app, &lead, &r.receipt_no, &meta).await?;

    let answered = ReplyInput {
        reply: "已核实:两项可以同时享受。加计扣除在汇算清缴时申报,区研发补助在平台“研发费用补助”中申报。".into(),
    };
    let r = file(app, &enterprise, "policy", "研发补助的申报材料有哪些?").await?;
    handling::reply(app, &handler, &r.receipt_no, &answered, &meta).await?;

    let r = file(app, &enterprise, "policy", "高新技术企业认定奖励何时到账?").await?;
    handling::reply(app, &handler, &r.receipt_no, &answered, &meta).await?;
    let happy = FollowUpInput {
        result: "satisfied".into(),
        comment: Some("答复及时".into()),
    };
    handling::follow_up(app, &enterprise, &r.receipt_no, &happy, &meta).await?;

    let r = file(app, &enterprise, "policy", "专精特新奖励的条件看不懂。").await?;
    handling::reply(app, &handler, &r.receipt_no, &answered, &meta).await?;
    let unhappy = FollowUpInput {
        result: "unsatisfied".into(),
        comment: Some("答非所问,希望当面讲解".into()),
    };
    handling::follow_up(app, &enterprise, &r.receipt_no, &unhappy, &meta).await?;

    let r = file(
        app,
        &enterprise,
        "finance",
        "技改项目需要中长期贷款,希望对接银行。",
    )
    .await?;
    if r.owner_name == "财政局" {
        let to = TransferInput {
            org_id: department(app, "工业和信息化局").await?,
            reason: "技改项目融资由工信局统筹对接银行".into(),
        };
        handling::transfer(app, &finance, &r.receipt_no, &to, &meta).await?;
    }
    Ok(())
}
