//! 诉求必应 as a scene of the platform: its navigation, its clocks, who may read a request's
//! trail, its share of the background round and of the demo.

use async_trait::async_trait;
use axum::Router;
use qinqing_domain::org::Role;
use qinqing_kernel::audit::ActionLabel;
use qinqing_kernel::flags::{Flag, FlagRule, FlagScope};
use qinqing_kernel::notifications::Template;
use qinqing_kernel::scene::{ClockKind, DemoPart, Matter, Scene, log_background, seen};
use qinqing_kernel::scorecard::{Count, ScoreScope};
use qinqing_kernel::store::Conn;
use qinqing_kernel::web::{AppState, FrontCard, Icon, Link, NavLink, Section, WebScene};
use qinqing_kernel::{App, AppResult, Principal};
use utoipa_axum::router::OpenApiRouter;

pub struct Requests;

/// What the trail calls the actions the scene records.
const ACTIONS: &[ActionLabel] = &[
    ("request.submitted", "提交诉求"),
    ("request.accepted", "受理诉求"),
    ("request.transferred", "转办"),
    ("request.marked_duplicate", "标记为重复诉求"),
    ("request.extension_requested", "申请延期"),
    ("request.extension_approved", "批准延期"),
    ("request.replied", "答复诉求"),
    ("request.followed_up", "回访"),
    ("request.auto_closed", "自动办结"),
    ("request.attachment_added", "上传附件"),
    ("request.consultation_invited", "发起会商"),
    ("request.consultation_answered", "会商答复"),
    ("request.hotline_imported", "导入热线工单"),
    ("request.routes_replaced", "修改诉求分派规则"),
    ("request.settings_changed", "修改诉求办理设置"),
    ("clinic.day_set", "确定会诊日"),
    ("clinic.agenda_added", "列入会诊议题"),
    ("clinic.agenda_withdrawn", "撤回会诊议题"),
    ("clinic.recorded", "记录会诊情况"),
    ("clinic.decided", "作出会诊决定"),
    ("clinic.decision_done", "落实会诊决定"),
    ("api_key.issued", "发放接口密钥"),
    ("api_key.revoked", "吊销接口密钥"),
];

#[async_trait]
impl Scene for Requests {
    fn name(&self) -> &'static str {
        "requests"
    }

    fn label(&self) -> &'static str {
        "诉求必应"
    }

    fn message_templates(&self) -> Vec<Template> {
        crate::messages::ALL.to_vec()
    }

    fn action_labels(&self) -> &'static [ActionLabel] {
        ACTIONS
    }

    fn matters(&self) -> Vec<Matter> {
        vec![Matter {
            key: "requests",
            label: "诉求必应:提交诉求、补充附件、回访评价",
            actions: &["request."],
        }]
    }

    fn clocks(&self) -> Vec<ClockKind> {
        [
            (crate::model::RESPONSE_CLOCK, "诉求响应(24 小时)"),
            (crate::model::RESOLUTION_CLOCK, "诉求办结"),
            (crate::consultation::CLOCK, "会商意见"),
            (crate::clinic::DECISION_CLOCK, "会诊日决定落实"),
        ]
        .into_iter()
        .map(|(kind, label)| ClockKind {
            kind: kind.into(),
            label: label.into(),
            builtin_rule: None,
        })
        .collect()
    }

    async fn scorecard_counts(
        &self,
        conn: &mut Conn,
        scope: &ScoreScope<'_>,
    ) -> AppResult<Vec<Count>> {
        Ok(crate::store::requests::scorecard_counts(conn, scope).await?)
    }

    async fn sees_object(
        &self,
        conn: &mut Conn,
        who: &Principal,
        object_type: &str,
        object_id: &str,
    ) -> Option<AppResult<bool>> {
        if object_type != crate::model::OBJECT {
            return None;
        }
        // The enterprise side sees the outcome on the case's own page, not the trail.
        if !who.role.is_staff() {
            return Some(Ok(false));
        }
        Some(seen(crate::access::visible_row(conn, who, object_id).await))
    }

    async fn object_page(
        &self,
        _conn: &mut Conn,
        object_type: &str,
        object_id: &str,
    ) -> Option<AppResult<String>> {
        (object_type == crate::model::OBJECT).then(|| Ok(crate::model::page_of(object_id)))
    }

    fn flag_rules(&self) -> &'static [FlagRule] {
        crate::flags::RULES
    }

    async fn flags(
        &self,
        app: &App,
        conn: &mut Conn,
        scope: &FlagScope<'_>,
    ) -> AppResult<Vec<Flag>> {
        crate::flags::raise(app, conn, scope).await
    }

    async fn background(&self, app: &App) {
        log_background(
            crate::auto_close::close_expired(app).await,
            "requests closed without a follow-up",
            "closing requests without follow-up failed",
        );
    }

    async fn load_demo(&self, app: &App, part: DemoPart) -> AppResult<()> {
        match part {
            DemoPart::Base => crate::demo::requests::load_routes(app).await,
            DemoPart::History => {
                crate::demo::requests::load(app).await?;
                crate::demo::clinic::load(app).await
            }
        }
    }
}

#[async_trait]
impl WebScene for Requests {
    fn api(&self) -> OpenApiRouter<AppState> {
        OpenApiRouter::with_openapi(<crate::api::ApiDoc as utoipa::OpenApi>::openapi())
            .merge(crate::api::requests::routes())
            .merge(crate::api::request_analysis::routes())
            .merge(crate::api::clinic::routes())
    }

    fn pages(&self) -> Router<AppState> {
        Router::new()
            .merge(crate::pages::requests::routes())
            .merge(crate::pages::request_analysis::routes())
            .merge(crate::pages::clinic::routes())
            .merge(crate::pages::request_routes::routes())
    }

    fn other_routes(&self) -> Router<AppState> {
        crate::open311::web::routes()
    }

    async fn front_cards(&self, _app: &App) -> AppResult<Vec<FrontCard>> {
        Ok(vec![FrontCard {
            title: "如何提交诉求",
            icon: Icon::Request,
            items: Vec::new(),
            steps: vec![
                "登录后打开“诉求”,写下遇到的问题,可附上材料;也可拨打 12345 热线。",
                "平台当即分派给承办部门,24 小时内响应,并在时限内办结;超时自动预警。",
                "办理结果以站内信告诉您,您可以评价;不满意的评价有专人回访。",
            ],
            more: Some(Link::new("/login", "登录提交诉求")),
        }])
    }

    fn nav(&self, who: Option<&Principal>) -> Vec<NavLink> {
        let Some(p) = who else {
            return Vec::new();
        };
        match p.role {
            Role::EnterpriseUser => {
                return vec![NavLink::new(
                    Section::Top(Icon::Request),
                    "/requests",
                    "诉求",
                )];
            }
            Role::Steward => return vec![NavLink::new(Section::Work, "/requests", "诉求")],
            Role::BankStaff => return Vec::new(),
            _ => {}
        }
        let mut links = vec![
            NavLink::new(Section::Work, "/requests", "诉求"),
            NavLink::new(Section::Work, "/clinic-days", "会诊日"),
        ];
        if matches!(p.role, Role::DepartmentLead | Role::Admin) || p.role.is_supervisor() {
            links.push(NavLink::new(
                Section::Watch,
                "/requests/analysis",
                "诉求研判",
            ));
        }
        if matches!(p.role, Role::Handler | Role::DepartmentLead | Role::Admin) {
            links.push(NavLink::new(
                Section::Work,
                "/requests/import",
                "12345 导入",
            ));
        }
        if p.role == Role::Admin {
            links.push(NavLink::new(
                Section::Manage,
                "/admin/request-routes",
                "诉求分派",
            ));
        }
        links
    }
}
