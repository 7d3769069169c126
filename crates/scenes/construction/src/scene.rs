//! 厂房报建 as a scene of the platform: its navigation, its clock, who may read a project's or
//! a case's trail, and its share of the demo.

use async_trait::async_trait;
use axum::Router;
use qinqing_domain::org::Role;
use qinqing_kernel::audit::ActionLabel;
use qinqing_kernel::scene::{ClockKind, DemoPart, Matter, Scene, log_background, seen};
use qinqing_kernel::store::Conn;
use qinqing_kernel::web::{AppState, FrontCard, FrontItem, Icon, Link, NavLink, Section, WebScene};
use qinqing_kernel::{App, AppResult, Principal};
use utoipa_axum::router::OpenApiRouter;

pub struct Construction;

/// What the trail calls the actions the scene records.
const ACTIONS: &[ActionLabel] = &[
    ("construction.project_registered", "登记工业项目"),
    ("construction.case_submitted", "申报审批事项"),
    ("construction.case_accepted", "受理审批事项"),
    ("construction.case_accepted_tolerating", "容缺受理"),
    ("construction.material_supplied", "补齐容缺材料"),
    ("construction.vault_filed", "存入数据云柜"),
    ("construction.case_material_filed", "补充申请材料"),
    ("construction.fee_assessed", "核定应缴费用"),
    ("construction.fee_paid", "缴清费用"),
    ("construction.fee_refund_due", "重复或多缴的费用待退付"),
    ("construction.case_approved", "准予许可"),
    ("construction.case_simulated", "模拟审批通过"),
    ("construction.case_made_formal", "模拟审批转为正式审批"),
    ("construction.case_lapsed", "模拟审批失效"),
    ("construction.case_refused", "不予许可"),
    ("construction.entrusted", "委托行政服务中心审批"),
    ("construction.case_given_back", "委托到期,交还主管部门"),
    ("construction.survey_appointed", "安排勘查"),
    ("construction.survey_checked_in", "勘查签到"),
    ("construction.notice_published", "发布集中公示"),
    ("construction.objection_lodged", "公众对公示提出意见"),
    ("construction.objection_answered", "答复公示意见"),
    ("construction.licence_issued", "核发电子证照"),
    ("construction.expert_added", "专家入库"),
    ("construction.review_drawn", "抽取评审专家"),
    ("construction.review_opinion", "专家提交评审意见"),
    ("construction.review_stood_aside", "专家申请回避"),
];

#[async_trait]
impl Scene for Construction {
    fn name(&self) -> &'static str {
        "construction"
    }

    fn label(&self) -> &'static str {
        "厂房报建"
    }

    fn action_labels(&self) -> &'static [ActionLabel] {
        ACTIONS
    }

    fn matters(&self) -> Vec<Matter> {
        vec![Matter {
            key: "construction",
            label: "厂房报建:登记工业项目、申报审批事项",
            actions: &[
                "construction.project_",
                "construction.case_submitted",
                "construction.vault_filed",
                "construction.material_supplied",
            ],
        }]
    }

    fn clocks(&self) -> Vec<ClockKind> {
        vec![
            ClockKind {
                kind: crate::case::CLOCK.into(),
                label: "报建审批事项办理".into(),
                builtin_rule: None,
            },
            ClockKind {
                kind: crate::tolerance::CLOCK.into(),
                label: "报建容缺材料补齐".into(),
                builtin_rule: None,
            },
        ]
    }

    async fn sees_object(
        &self,
        conn: &mut Conn,
        who: &Principal,
        object_type: &str,
        object_id: &str,
    ) -> Option<AppResult<bool>> {
        // The trail is for staff; the enterprise follows its matters on the project's page.
        let staff = who.role.is_staff();
        match object_type {
            crate::project::OBJECT => Some(match staff {
                true => seen(crate::access::visible_project(conn, who, object_id).await),
                false => Ok(false),
            }),
            crate::case::OBJECT => Some(match staff {
                true => seen(crate::access::visible_case(conn, who, object_id).await),
                false => Ok(false),
            }),
            // A notice is public; its trail, like every trail, is for staff.
            crate::notice::OBJECT | crate::licence::OBJECT => Some(Ok(staff)),
            crate::review::EXPERT_OBJECT => Some(Ok(who.role == Role::Admin)),
            _ => None,
        }
    }

    async fn object_page(
        &self,
        _conn: &mut Conn,
        object_type: &str,
        object_id: &str,
    ) -> Option<AppResult<String>> {
        match object_type {
            crate::project::OBJECT => Some(Ok(format!("/projects/{object_id}"))),
            crate::case::OBJECT => Some(Ok(format!("/construction-cases/{object_id}"))),
            crate::notice::OBJECT => Some(Ok(format!("/notices/{object_id}"))),
            crate::licence::OBJECT => Some(Ok(format!("/licences/{object_id}"))),
            _ => None,
        }
    }

    async fn background(&self, app: &App) {
        log_background(
            crate::case::lapse_simulated(app).await,
            "模拟 approvals lapsed",
            "lapsing 模拟 approvals failed",
        );
        log_background(
            crate::entrustment::give_back_ended(app).await,
            "cases of ended entrustments given back",
            "giving back cases of ended entrustments failed",
        );
    }

    async fn load_demo(&self, app: &App, part: DemoPart) -> AppResult<()> {
        match part {
            DemoPart::Base => crate::demo::load(app).await,
            DemoPart::History => crate::demo::load_history(app).await,
        }
    }
}

#[async_trait]
impl WebScene for Construction {
    fn api(&self) -> OpenApiRouter<AppState> {
        OpenApiRouter::with_openapi(<crate::api::ApiDoc as utoipa::OpenApi>::openapi())
            .merge(crate::api::routes())
    }

    fn pages(&self) -> Router<AppState> {
        crate::pages::routes()
    }

    /// Notices in their period, for anyone to read and object to.
    async fn front_cards(&self, app: &App) -> AppResult<Vec<FrontCard>> {
        let open: Vec<FrontItem> = crate::notice::public_list(app)
            .await?
            .into_iter()
            .filter(|n| n.state == crate::notice::NoticeState::Open)
            .take(3)
            .map(|n| FrontItem {
                href: format!("/notices/{}", n.code),
                label: n.title,
                note: format!("公示至 {}", n.ends_on),
            })
            .collect();
        Ok(vec![FrontCard {
            title: "建设项目集中公示",
            icon: Icon::Watch,
            steps: match open.is_empty() {
                true => vec![
                    "目前没有正在公示的项目。公示期内,任何人都可以在线提出意见,审批部门的答复公开。",
                ],
                false => Vec::new(),
            },
            items: open,
            more: Some(Link::new("/notices", "查看全部公示")),
        }])
    }

    fn nav(&self, who: Option<&Principal>) -> Vec<NavLink> {
        let Some(p) = who else {
            return Vec::new();
        };
        let mut links = Vec::new();
        let watches = matches!(p.role, Role::Handler | Role::DepartmentLead | Role::Admin)
            || p.role.is_supervisor();
        if matches!(p.role, Role::EnterpriseUser | Role::Steward) || watches {
            links.push(NavLink::new(Section::Work, "/projects", "项目报建"));
            links.push(NavLink::new(Section::Work, "/notices", "集中公示"));
        }
        if watches {
            let section = match p.role {
                Role::Handler | Role::DepartmentLead => Section::Work,
                _ => Section::Watch,
            };
            links.push(NavLink::new(section, "/construction/dashboard", "报建看板"));
        }
        if matches!(p.role, Role::Handler | Role::DepartmentLead) {
            links.push(NavLink::new(
                Section::Work,
                "/construction-cases",
                "报建办件",
            ));
        }
        if matches!(p.role, Role::Handler | Role::DepartmentLead | Role::Admin) {
            let section = match p.role {
                Role::Admin => Section::Manage,
                _ => Section::Work,
            };
            links.push(NavLink::new(section, "/construction/experts", "评审专家库"));
            links.push(NavLink::new(
                section,
                "/construction/entrustments",
                "集中授权",
            ));
        }
        links
    }
}
