//! The scene's part of the demo district: the offices that decide the matters, with a window
//! clerk (经办人) and a lead each, so every matter can be applied for, taken in and decided.

use crate::case::{self, ApplyInput, DecisionInput};
use crate::project::{self, ProjectInput};
use qinqing_domain::org::{OrgKind, Role};
use qinqing_kernel::demo::{DemoOffice, add_offices, principal};
use qinqing_kernel::{App, AppResult, Principal, RequestMeta};

const OFFICES: [DemoOffice; 6] = [
    DemoOffice {
        name: "发展和改革局",
        kind: OrgKind::Department,
        staff: &[
            ("fgj", "方发改", Role::Handler),
            ("fgj.lead", "傅局长", Role::DepartmentLead),
        ],
    },
    DemoOffice {
        name: "自然资源局",
        kind: OrgKind::Department,
        staff: &[
            ("zrj", "曾规划", Role::Handler),
            ("zrj.lead", "钟局长", Role::DepartmentLead),
        ],
    },
    DemoOffice {
        name: "住房和城乡建设局",
        kind: OrgKind::Department,
        staff: &[
            ("zjj", "庄建设", Role::Handler),
            ("zjj.lead", "卓局长", Role::DepartmentLead),
        ],
    },
    DemoOffice {
        name: "生态环境局",
        kind: OrgKind::Department,
        staff: &[
            ("hbj", "何环评", Role::Handler),
            ("hbj.lead", "韩局长", Role::DepartmentLead),
        ],
    },
    DemoOffice {
        name: "水利局",
        kind: OrgKind::Department,
        staff: &[
            ("slj", "施水保", Role::Handler),
            ("slj.lead", "石局长", Role::DepartmentLead),
        ],
    },
    DemoOffice {
        name: "行政服务中心",
        kind: OrgKind::ServiceCentre,
        staff: &[
            ("fwzx", "范窗口", Role::Handler),
            ("fwzx.lead", "冯主任", Role::DepartmentLead),
        ],
    },
];

/// The offices and their staff (every demo district).
pub async fn load(app: &App) -> AppResult<()> {
    add_offices(app, &OFFICES).await
}

/// The full demo's projects: one under way in its first stage (two matters approved, one being
/// examined, one applied for alongside), one just registered.
pub async fn load_history(app: &App) -> AppResult<()> {
    let Some(firm) = principal(app, "enterprise").await? else {
        return Ok(());
    };
    let Some(code) = firm.enterprises().first().map(ToString::to_string) else {
        return Ok(());
    };
    let meta = RequestMeta::default();
    let input = ProjectInput {
        credit_code: code.clone(),
        name: "年产 10 万套智能卫浴生产线项目".into(),
        parcel: "2026G-012".into(),
        location: "东园镇锦厝村".into(),
        investment: "120000000".into(),
        floor_area: "36500.5".into(),
        land_title_no: Some("闽(2026)泉州台商投资区不动产权第 0001234 号".into()),
        ..ProjectInput::default()
    };
    let under_way = project::register(app, &firm, &input, &meta).await?;
    for (matter, office, decided) in [
        ("project_filing", "fgj", true),
        ("land_pre_review", "zrj", true),
        ("land_use_permit", "zrj", false),
    ] {
        let receipt = apply(app, &firm, &under_way.code, matter).await?;
        let Some(clerk) = principal(app, office).await? else {
            return Ok(());
        };
        case::accept(app, &clerk, &receipt, &meta).await?;
        if decided && let Some(lead) = principal(app, &format!("{office}.lead")).await? {
            let approve = DecisionInput {
                approve: true,
                note: Some("材料齐全,符合规定,准予许可".into()),
                ..DecisionInput::default()
            };
            case::decide(app, &lead, &receipt, &approve, &meta).await?;
        }
    }
    apply(app, &firm, &under_way.code, "eia_approval").await?;
    let input = ProjectInput {
        credit_code: code,
        name: "新建标准厂房项目".into(),
        parcel: "2026G-027".into(),
        location: "张坂镇后边村".into(),
        investment: "45000000".into(),
        floor_area: "18000".into(),
        ..ProjectInput::default()
    };
    project::register(app, &firm, &input, &meta).await?;
    Ok(())
}

async fn apply(app: &App, firm: &Principal, project: &str, matter: &str) -> AppResult<String> {
    let input = ApplyInput {
        matter: matter.into(),
        note: None,
    };
    let meta = RequestMeta::default();
    Ok(case::apply(app, firm, project, &input, &meta)
        .await?
        .receipt_no)
}
