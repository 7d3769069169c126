//! 惠企政策兑现 as a scene of the platform: its navigation, its clocks, its share of the
//! background round and of the demo, and the push when a profile changes.

use async_trait::async_trait;
use axum::Router;
use chrono::{DateTime, Utc};
use qinqing_domain::CreditCode;
use qinqing_domain::deadline::WarningRule;
use qinqing_domain::org::{Role, Scope};
use qinqing_kernel::audit::ActionLabel;
use qinqing_kernel::flags::{Flag, FlagRule, FlagScope};
use qinqing_kernel::notifications::Template;
use qinqing_kernel::scene::{ClockKind, DemoPart, Matter, Scene, log_background};
use qinqing_kernel::scorecard::{Count, ScoreScope};
use qinqing_kernel::store::{Conn, Tx};
use qinqing_kernel::web::{AppState, FrontCard, Icon, Link, NavLink, Section, WebScene};
use qinqing_kernel::{App, AppResult, Principal};
use utoipa_axum::router::OpenApiRouter;

pub struct Policies;

/// What the trail calls the actions the scene records.
const ACTIONS: &[ActionLabel] = &[
    ("application.draft", "保存申报草稿"),
    ("application.submit", "提交申报"),
    ("application.resubmit", "补正后重新提交"),
    ("application.signed", "签收申报"),
    ("application.approved", "审核通过"),
    ("application.returned", "退回补正"),
    ("application.rejected", "审核不予通过"),
    ("application.withdrawn", "撤回申报"),
    ("application.material_added", "上传申报材料"),
    ("application.material_removed", "删除申报材料"),
    ("auto_grant.started", "发起免申即享比对"),
    ("auto_grant.run", "完成免申即享比对"),
    ("auto_grant.released", "发出免申即享确认通知"),
    ("auto_grant.confirmed", "企业确认免申即享"),
    ("bank_account.confirmed", "确认收款账户"),
    ("payout_batch.created", "生成拨付批次"),
    ("payout_batch.exported", "导出银行拨付文件"),
    ("payout.paid", "资金到账"),
    ("payout.failed", "拨付失败"),
    ("payout.retried", "重新拨付"),
    ("policy.created", "新建政策"),
    ("policy.edited", "修改政策"),
    ("policy.submitted_for_review", "政策提交审核"),
    ("policy.published", "发布政策"),
    ("policy.sent_back", "政策退回修改"),
    ("policy.withdrawn", "撤回政策"),
    ("policy.expired", "政策到期"),
    ("policy.pushed", "推送政策"),
    ("rating.given", "评价"),
    ("rating.followed_up", "差评回访"),
    ("enterprise.subscriptions_changed", "修改政策订阅"),
    ("integrity.blacklist_imported", "导入失信名单"),
    ("integrity.false_pledge", "认定虚假承诺"),
    ("integrity.repaid", "退回奖补资金"),
];

#[async_trait]
impl Scene for Policies {
    fn name(&self) -> &'static str {
        "policies"
    }

    fn label(&self) -> &'static str {
        "惠企政策"
    }

    fn message_templates(&self) -> Vec<Template> {
        crate::messages::ALL.to_vec()
    }

    fn action_labels(&self) -> &'static [ActionLabel] {
        ACTIONS
    }

    fn matters(&self) -> Vec<Matter> {
        vec![Matter {
            key: "policy_applications",
            label: "惠企政策:申报、补正材料、确认免申即享与收款账户、评价、订阅",
            actions: &[
                "application.",
                "auto_grant.",
                "bank_account.",
                "rating.",
                "enterprise.subscriptions_changed",
            ],
        }]
    }

    fn clocks(&self) -> Vec<ClockKind> {
        vec![
            ClockKind {
                kind: crate::applications::REVIEW_CLOCK.into(),
                label: "申报审核".into(),
                builtin_rule: None,
            },
            ClockKind {
                kind: crate::response::RESPONSE_CLOCK.into(),
                label: "审核环节签收(24 小时)".into(),
                // Too short for the default reminder a day before: four hours before instead
                // of the moment it starts.
                builtin_rule: Some(WarningRule {
                    reminder_hours_before: 4,
                    ..WarningRule::default()
                }),
            },
            ClockKind {
                kind: crate::applications::CONFIRM_CLOCK.into(),
                label: "免申即享确认".into(),
                builtin_rule: None,
            },
            ClockKind {
                kind: crate::ratings::FOLLOW_UP_CLOCK.into(),
                label: "差评回访整改".into(),
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
        if object_type != crate::applications::TRAIL_OBJECT {
            return None;
        }
        Some(crate::applications::may_read_trail(conn, who, object_id).await)
    }

    async fn object_page(
        &self,
        conn: &mut Conn,
        object_type: &str,
        object_id: &str,
    ) -> Option<AppResult<String>> {
        match object_type {
            crate::applications::TRAIL_OBJECT => Some(Ok(crate::applications::page_of(object_id))),
            crate::ratings::OBJECT => Some(crate::ratings::page_of(conn, object_id).await),
            _ => None,
        }
    }

    async fn scorecard_counts(
        &self,
        conn: &mut Conn,
        scope: &ScoreScope<'_>,
    ) -> AppResult<Vec<Count>> {
        Ok(crate::store::ratings::scorecard_counts(conn, scope).await?)
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

    async fn profile_changed(
        &self,
        tx: &mut Tx,
        app: &App,
        enterprise: &CreditCode,
        now: DateTime<Utc>,
    ) -> AppResult<()> {
        crate::pushes::push_newly_eligible(app, tx, enterprise, now).await?;
        Ok(())
    }

    async fn background(&self, app: &App) {
        log_background(
            crate::library::expire_ended(app).await,
            "policies past their period taken down",
            "taking down expired policies failed",
        );
        log_background(
            crate::grant_run::resume_stalled(app).await,
            "stalled 免申即享 runs taken up",
            "taking up stalled 免申即享 runs failed",
        );
        log_background(
            crate::publication_pushes::resume(app, true).await,
            "stalled pushes after a publication taken up",
            "taking up stalled pushes after a publication failed",
        );
    }

    async fn resume(&self, app: &App) {
        log_background(
            crate::grant_run::resume_all(app).await,
            "unfinished 免申即享 runs resumed",
            "resuming unfinished 免申即享 runs failed",
        );
        log_background(
            crate::auto_grant::resume_releases(app).await,
            "released 免申即享 runs whose offers were not all sent finished",
            "finishing the sending of released 免申即享 offers failed",
        );
        log_background(
            crate::publication_pushes::resume(app, false).await,
            "unfinished pushes after a publication resumed",
            "resuming the pushes after a publication failed",
        );
    }

    async fn load_demo(&self, app: &App, part: DemoPart) -> AppResult<()> {
        if part == DemoPart::Base {
            crate::demo::policies::load(app).await?;
            crate::demo::fulfilment::load(app).await?;
        }
        Ok(())
    }
}

#[async_trait]
impl WebScene for Policies {
    fn stylesheet(&self) -> &'static str {
        include_str!("../static/policies.css")
    }

    fn script(&self) -> &'static str {
        include_str!("../static/policies.js")
    }

    fn api(&self) -> OpenApiRouter<AppState> {
        OpenApiRouter::with_openapi(<crate::api::ApiDoc as utoipa::OpenApi>::openapi())
            .merge(crate::api::policies::routes())
            .merge(crate::api::pushes::routes())
            .merge(crate::api::materials::routes())
    }

    fn pages(&self) -> Router<AppState> {
        crate::pages::routes()
    }

    fn nav(&self, who: Option<&Principal>) -> Vec<NavLink> {
        let Some(p) = who.filter(|p| p.role != Role::Steward) else {
            let section = if who.is_some() {
                Section::Work
            } else {
                Section::Top(Icon::Policy)
            };
            return vec![NavLink::new(section, "/policies", "政策库")];
        };
        if p.role == Role::EnterpriseUser {
            return vec![
                NavLink::new(Section::Top(Icon::Policy), "/policies", "政策"),
                NavLink::new(Section::Top(Icon::Application), applications_of(p), "申报"),
            ];
        }
        let mut links = vec![NavLink::new(Section::Work, "/policies", "政策库")];
        if reviews(p.role) {
            links.push(NavLink::new(Section::Work, "/reviews", "审核"));
        }
        if matches!(p.role, Role::Finance | Role::Admin) || p.role.is_supervisor() {
            links.push(NavLink::new(Section::Work, "/payouts", "直达拨付"));
        }
        if matches!(p.role, Role::DepartmentLead | Role::Finance | Role::Admin)
            || p.role.is_supervisor()
        {
            links.push(NavLink::new(
                Section::Watch,
                "/dashboard/policies",
                "兑现统计",
            ));
            links.push(NavLink::new(Section::Watch, "/integrity", "信用与追回"));
        }
        links
    }

    async fn front_cards(&self, app: &App) -> AppResult<Vec<FrontCard>> {
        crate::front::cards(app).await
    }

    fn shortcuts(&self, who: &Principal) -> Vec<Link> {
        let mut links = vec![Link::new("/policies", "政策库")];
        if reviews(who.role) {
            links.push(Link::new("/reviews", "申报审核"));
        }
        links
    }

    fn portal_links(&self, enterprise: &CreditCode) -> Vec<Link> {
        vec![
            Link::new(
                format!("/enterprises/{enterprise}/entitlements"),
                "我的可享政策",
            ),
            Link::new(
                format!("/enterprises/{enterprise}/applications"),
                "我的申报",
            ),
        ]
    }
}

/// Whether the role reviews applications (the roles the review queue is for).
fn reviews(role: Role) -> bool {
    matches!(
        role,
        Role::Reviewer1 | Role::Reviewer2 | Role::Reviewer3 | Role::DepartmentLead | Role::Handler
    )
}

/// An enterprise user's applications: those of its enterprise, or the portal to choose one
/// when the user acts for several.
fn applications_of(p: &Principal) -> String {
    match &p.scope {
        Scope::Enterprises(codes) if codes.len() == 1 => {
            format!("/enterprises/{}/applications", codes[0])
        }
        _ => "/portal".into(),
    }
}
