//! The demo district's policy library: the rules engine's example policies (published, each
//! with its document, guide and two-stage review 工信 初审 → 财政 复审), and one policy handled
//! off the platform, which tells the enterprise where to go.

use crate::library::{self, Guide, LifecycleAction, PledgeTerm, PolicyInput, ReviewStage};
use qinqing_domain::org::Role;
use qinqing_kernel::demo::department;
use qinqing_kernel::store::settings;
use qinqing_kernel::{App, AppResult, Principal, RequestMeta};
use std::collections::BTreeMap;

/// The example library, compiled in so the demo works wherever the binary runs.
const ATTRIBUTES: &str = include_str!("../../../../../policies/examples/attributes.toml");
const EXAMPLES: [(&str, &str); 9] = [
    (
        "p1a-gaoxin-first",
        include_str!("../../../../../policies/examples/p1a-gaoxin-first.toml"),
    ),
    (
        "p1b-gaoxin-renewal",
        include_str!("../../../../../policies/examples/p1b-gaoxin-renewal.toml"),
    ),
    (
        "p2-revenue-breakthrough",
        include_str!("../../../../../policies/examples/p2-revenue-breakthrough.toml"),
    ),
    (
        "p3-equipment-investment",
        include_str!("../../../../../policies/examples/p3-equipment-investment.toml"),
    ),
    (
        "p4-job-stabilisation",
        include_str!("../../../../../policies/examples/p4-job-stabilisation.toml"),
    ),
    (
        "p5-taiwan-iit",
        include_str!("../../../../../policies/examples/p5-taiwan-iit.toml"),
    ),
    (
        "p6a-zjtx-national",
        include_str!("../../../../../policies/examples/p6a-zjtx-national.toml"),
    ),
    (
        "p6b-zjtx-provincial",
        include_str!("../../../../../policies/examples/p6b-zjtx-provincial.toml"),
    ),
    (
        "p7-rd-investment",
        include_str!("../../../../../policies/examples/p7-rd-investment.toml"),
    ),
];

/// A talent-housing subsidy the 人社局 window handles in person.
const OFFLINE_POLICY: &str = r#"
id = "talent-housing"
title = "高层次人才安居补助"
department = "区人力资源和社会保障局"
level = "district"
document_no = "泉台管〔2025〕9号"
topics = ["人才", "安居"]
mode = "apply"
effective = { from = 2025-01-01 }

[conditions]
all = [ { attr = "region", under = ["350521"] } ]

[reward]
fixed = "50000"
"#;

pub const INDUSTRY_DEPARTMENT: &str = "工业和信息化局";
pub const FINANCE_DEPARTMENT: &str = "财政局";
const HR_DEPARTMENT: &str = "人力资源和社会保障局";

struct Texts {
    department: &'static str,
    document: &'static str,
    guide: Guide,
    budget: &'static str,
    offline: Option<&'static str>,
}

fn texts(id: &str) -> Texts {
    let pledge = |key: &str, text: &str| PledgeTerm {
        key: key.into(),
        text: text.into(),
    };
    let guide = |who: &str, conditions: &str, materials: &[&str], pledges: Vec<PledgeTerm>| Guide {
        who: who.into(),
        conditions: conditions.into(),
        materials: materials.iter().map(|m| m.to_string()).collect(),
        deadline: "每年 3 月 1 日至 6 月 30 日".into(),
        contact: "区工业和信息化局企业服务科 0595-87000001".into(),
        pledges,
    };
    let integrity = pledge(
        "integrity",
        "本企业承诺所填数据和所附材料真实、准确、完整,如有虚假,自愿退回已获资金并承担失信责任。",
    );
    match id {
        "p3-equipment-investment" => Texts {
            department: INDUSTRY_DEPARTMENT,
            document: "为鼓励工业企业技术改造,对本区工业企业年度设备投资额达到 500 万元以上的,按设备投资额的 10% 给予补助,单个企业最高 800 万元。设备投资以发票和入账凭证为准,可以承诺代替审计报告。",
            guide: guide(
                "本区注册的工业企业(国民经济行业分类 C 门类)",
                "上年度设备投资额不低于 500 万元,信用状况良好",
                &[
                    "设备购置发票清单(系统已从税务数据预填)",
                    "设备投资真实性承诺",
                ],
                vec![
                    integrity,
                    pledge(
                        "equipment",
                        "本企业承诺申报的设备已实际购置并投入使用,未重复申报其他财政补助。",
                    ),
                ],
            ),
            budget: "20000000",
            offline: None,
        },
        "p7-rd-investment" => Texts {
            department: INDUSTRY_DEPARTMENT,
            document: "对规模以上工业企业年度研发费用占营业收入比例达到 3% 以上的,按研发费用的 5% 给予奖励,最低 2 万元,最高 100 万元。研发费用以企业所得税加计扣除申报数为准。奖励资金由市、区两级财政按 1:1 分担。",
            guide: guide(
                "本区规模以上工业企业",
                "年营业收入不低于 2,000 万元,研发费用占营业收入不低于 3%",
                &["研发费用加计扣除申报表(以承诺代替)"],
                vec![integrity],
            ),
            budget: "3000000",
            offline: None,
        },
        "p4-job-stabilisation" => Texts {
            department: HR_DEPARTMENT,
            document: "企业新招用重点群体人员并缴纳社会保险的,按每人每月 500 元给予社保补贴,每人最长 36 个月。",
            guide: guide(
                "本区参保企业",
                "新招用重点群体人员并为其缴纳社会保险",
                &["新招用人员名单及在岗月数"],
                vec![integrity],
            ),
            budget: "2000000",
            offline: None,
        },
        "talent-housing" => Texts {
            department: HR_DEPARTMENT,
            document: "对引进的高层次人才,经认定后给予安居补助 5 万元。人才认定须本人到场核验原件,本平台不受理申报。",
            guide: guide(
                "在本区企业全职工作的高层次人才",
                "经区人才办认定为高层次人才",
                &["人才认定书原件", "劳动合同"],
                Vec::new(),
            ),
            budget: "1000000",
            offline: Some(
                "请携带人才认定书原件到区行政服务中心 2 楼人社窗口办理,咨询电话 0595-87000002",
            ),
        },
        _ => Texts {
            department: if id.starts_with("p5") {
                FINANCE_DEPARTMENT
            } else {
                INDUSTRY_DEPARTMENT
            },
            document: "符合条件的企业无需申报,平台根据已有数据自动比对,经部门核查后通知企业确认收款账户,资金直达企业账户(免申即享)。",
            guide: guide(
                "符合条件的本区企业(无需申报)",
                "由平台根据企业资质和经营数据自动判定",
                &[],
                Vec::new(),
            ),
            budget: "10000000",
            offline: None,
        },
    }
}

/// Each fiscal level's budget of the policies whose awards several levels share.
fn level_budgets(id: &str) -> BTreeMap<String, String> {
    let budgets: &[(&str, &str)] = match id {
        "p7-rd-investment" => &[("municipal", "1500000"), ("district", "1500000")],
        _ => &[],
    };
    budgets
        .iter()
        .map(|&(level, yuan)| (level.to_string(), yuan.to_string()))
        .collect()
}

/// Stores the custom attributes and publishes the library.
pub async fn load(app: &App) -> AppResult<()> {
    let mut tx = app.db.begin().await?;
    settings::put(&mut tx, crate::POLICY_ATTRIBUTES, ATTRIBUTES, app.now()).await?;
    tx.commit()
        .await
        .map_err(qinqing_kernel::store::StoreError::from)?;
    let industry = department(app, INDUSTRY_DEPARTMENT).await?;
    let finance = department(app, FINANCE_DEPARTMENT).await?;
    let stages = vec![
        ReviewStage {
            label: "初审".into(),
            org_id: industry,
            role: Role::Reviewer1,
            joint: Vec::new(),
        },
        ReviewStage {
            label: "复审".into(),
            org_id: finance,
            role: Role::Reviewer2,
            joint: Vec::new(),
        },
    ];
    let system = Principal::system();
    let meta = RequestMeta::default();
    let all = EXAMPLES
        .iter()
        .copied()
        .chain(std::iter::once(("talent-housing", OFFLINE_POLICY)));
    for (id, definition) in all {
        let t = texts(id);
        let input = PolicyInput {
            definition: definition.to_string(),
            document_text: t.document.into(),
            guide: t.guide,
            offline_channel: t.offline.map(str::to_string),
            review_stages: stages.clone(),
            decision_days: None,
            budget: Some(t.budget.into()),
            level_budgets: level_budgets(id),
            department_org_id: Some(department(app, t.department).await?),
        };
        library::create(app, &system, &input, &meta).await?;
        for step in [LifecycleAction::SubmitForReview, LifecycleAction::Publish] {
            library::lifecycle(app, &system, id, step, None, &meta).await?;
        }
    }
    Ok(())
}
