//! The demo district's requests (诉求必应). Every demo district gets routing rules, so that a
//! request can be filed at once; the full demo also plays 60 requests into every state through
//! the use cases (so each step is authorised, audited and on the clock): seven today, and a
//! history of the last four months played under a clock set back, from every channel. Requests
//! of departments without a demo account stay waiting (their response is overdue); replies of
//! more than a week ago nobody followed up are closed by `auto_close`. The small test district
//! leaves all of this out: their running clocks would fire in other tests.

use crate::auto_close;
use crate::handling::{
    self, ExtensionInput, FollowUpInput, ReplyInput, RequestInput, TransferInput,
};
use crate::model::RequestView;
use crate::routing::{self, RouteInput};
use chrono::Duration;
use qinqing_kernel::clock::ManualClock;
use qinqing_kernel::demo::department;
use qinqing_kernel::demo::principal;
use qinqing_kernel::{App, AppResult, Principal, RequestMeta};
use std::sync::Arc;

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

pub(crate) async fn load_routes(app: &App) -> AppResult<()> {
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
    let cast = Cast {
        filer: handler.clone(),
        owners: vec![handler, finance],
        codes: steward_codes(app, &enterprise).await?,
    };
    history(app, &cast).await?;
    auto_close::close_expired(app).await?;
    Ok(())
}

/// Who plays the history: the hotline handler registering, the departments with a demo
/// account answering, and the enterprises the requests are for.
struct Cast {
    filer: Principal,
    owners: Vec<Principal>,
    codes: Vec<String>,
}

/// The demo enterprise and the steward's enterprises.
async fn steward_codes(app: &App, enterprise: &Principal) -> AppResult<Vec<String>> {
    let mut codes: Vec<String> = enterprise
        .enterprises()
        .iter()
        .map(|c| c.to_string())
        .collect();
    if let Some(steward) = principal(app, "steward").await? {
        codes.extend(steward.enterprises().iter().map(|c| c.to_string()));
    }
    codes.dedup();
    Ok(codes)
}

/// How many requests the history plays, one every 50 hours (handling included) up to two
/// days ago.
const HISTORY: usize = 53;
const SLOT_HOURS: i32 = 50;
/// The channels staff register from, in turn.
const CHANNELS: [&str; 4] = ["hotline", "12345", "window", "rating"];
/// (category, title, description); some subjects come back, as they do (重复诉求).
const SUBJECTS: [(&str, &str, &str); 13] = [
    (
        "policy",
        "技改补助申报时间",
        "今年的技改补助什么时候开始申报?需要准备哪些材料?",
    ),
    (
        "finance",
        "流动资金贷款转贷",
        "流动资金贷款下月到期,希望协调转贷资金。",
    ),
    (
        "other",
        "厂区门口道路破损",
        "厂区门口道路破损,货车进出困难,希望协调修复。",
    ),
    ("labour", "旺季招工难", "订单增加,急需招聘一线工人 50 名。"),
    (
        "policy",
        "高企认定奖励到账",
        "高新技术企业认定奖励何时到账?",
    ),
    (
        "land",
        "厂房扩建用地",
        "计划扩建二期厂房,想了解周边用地指标。",
    ),
    (
        "permit",
        "食品经营许可变更",
        "经营地址变更,食品经营许可证如何办理变更?",
    ),
    (
        "other",
        "园区夜间照明不足",
        "园区道路夜间照明不足,员工下班不安全。",
    ),
    (
        "policy",
        "技改补助申报时间",
        "技改补助申报系统什么时候开放?",
    ),
    ("finance", "担保费补贴", "融资担保费补贴政策如何申请?"),
    (
        "other",
        "厂区门口道路破损",
        "门口道路又有新的坑洼,雨天积水严重。",
    ),
    (
        "policy",
        "研发费用补助条件",
        "研发费用补助的申报条件看不懂,希望讲解。",
    ),
    (
        "finance",
        "首贷对接",
        "第一次贷款,希望对接银行了解首贷产品。",
    ),
];

/// The last four months, played under a clock set back: each request registered by the
/// hotline handler and, where its department has a demo account, carried into a state.
async fn history(app: &App, cast: &Cast) -> AppResult<()> {
    if cast.codes.is_empty() {
        return Ok(());
    }
    let hour = Duration::hours(1);
    let slots = i32::try_from(HISTORY).unwrap_or(0);
    let clock = Arc::new(ManualClock::new(
        app.now() - hour * (SLOT_HOURS * slots + 48),
    ));
    let past = app.with_clock(clock.clone());
    let meta = RequestMeta::default();
    let mut spent = Duration::zero();
    for i in 0..HISTORY {
        clock.advance(hour * SLOT_HOURS - spent);
        spent = Duration::zero();
        let (category, title, text) = SUBJECTS[i % SUBJECTS.len()];
        let channel = CHANNELS[i % CHANNELS.len()];
        let input = RequestInput {
            credit_code: cast.codes[i % cast.codes.len()].clone(),
            category: category.into(),
            title: Some(title.into()),
            description: text.into(),
            channel: Some(channel.into()),
            source_ref: Some(format!("DEMO-{channel}-{i:04}")),
            ..RequestInput::default()
        };
        let r = handling::submit(&past, &cast.filer, &input, &meta).await?;
        if let Some(owner) = cast.owners.iter().find(|o| o.org_id == r.owner_org_id) {
            spent = play(&past, &clock, owner, &r, i % 6).await?;
        }
    }
    Ok(())
}

/// Carries a request into one of six states; the owning department records the follow-up
/// call. Step 5 leaves it waiting, its response overdue. Returns the time it took.
async fn play(
    app: &App,
    clock: &ManualClock,
    owner: &Principal,
    r: &RequestView,
    step: usize,
) -> AppResult<Duration> {
    let meta = RequestMeta::default();
    let receipt = r.receipt_no.as_str();
    let answer = ReplyInput {
        reply: "已与企业电话沟通并协调相关科室办理,办理结果已告知企业。".into(),
    };
    let result = match step {
        0 => {
            handling::accept(app, owner, receipt, &meta).await?;
            return Ok(Duration::zero());
        }
        1 => None,
        2 => Some(("satisfied", "答复及时")),
        3 => Some(("basic", "基本解决")),
        4 => Some(("unsatisfied", "问题仍未解决,希望再协调")),
        _ => return Ok(Duration::zero()),
    };
    let started = app.now();
    clock.advance(Duration::hours(3));
    handling::accept(app, owner, receipt, &meta).await?;
    clock.advance(Duration::hours(20));
    handling::reply(app, owner, receipt, &answer, &meta).await?;
    if let Some((result, comment)) = result {
        clock.advance(Duration::hours(2));
        let input = FollowUpInput {
            result: result.into(),
            comment: Some(comment.into()),
        };
        handling::follow_up(app, owner, receipt, &input, &meta).await?;
    }
    Ok(app.now() - started)
}
