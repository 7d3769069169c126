//! 政企合同双兑现 as a scene of the platform: its navigation, its clocks (one kind per item
//! type), the breached-commitments fact for the rules engine, who may read an agreement's
//! trail, its share of the background round and of the demo.

use async_trait::async_trait;
use axum::Router;
use qinqing_domain::commitment::ItemType;
use qinqing_domain::org::Role;
use qinqing_kernel::audit::ActionLabel;
use qinqing_kernel::notifications::Template;
use qinqing_kernel::scene::{ClockKind, DemoPart, Matter, Scene, log_background, seen};
use qinqing_kernel::scorecard::{Count, ScoreScope};
use qinqing_kernel::store::Conn;
use qinqing_kernel::store::enterprises::Enterprise;
use qinqing_kernel::web::{AppState, NavLink, Section, WebScene};
use qinqing_kernel::{App, AppResult, Principal};
use qinqing_rules::{Facts, Value};
use utoipa_axum::router::OpenApiRouter;

/// The trail's object type of an agreement.
const TRAIL_OBJECT: &str = "agreement";

pub struct Agreements;

/// What the trail calls the actions the scene records.
const ACTIONS: &[ActionLabel] = &[
    ("agreement.created", "登记合同"),
    ("agreement.enterprise_linked", "关联企业"),
    ("agreement.document_uploaded", "上传合同文本"),
    ("agreement.incentives_suspended", "暂停兑现政府承诺"),
    ("agreement.incentives_resumed", "恢复兑现政府承诺"),
    ("commitment.added", "新增合同条款"),
    ("commitment.edited", "修改合同条款"),
    ("commitment.imported", "导入合同条款"),
    ("commitment.moved", "调整履约期限"),
    ("commitment.evidence_uploaded", "上传履约凭证"),
    ("commitment.reported", "报告履约"),
    ("commitment.confirmed", "确认履约"),
    ("commitment.disputed", "提出异议"),
    ("commitment.waived", "免除履约"),
    ("commitment.breached", "认定违约"),
    ("demo.commitment_history", "演示履约记录"),
];

#[async_trait]
impl Scene for Agreements {
    fn name(&self) -> &'static str {
        "agreements"
    }

    fn label(&self) -> &'static str {
        "政企合同"
    }

    fn message_templates(&self) -> Vec<Template> {
        crate::messages::ALL.to_vec()
    }

    fn action_labels(&self) -> &'static [ActionLabel] {
        ACTIONS
    }

    fn matters(&self) -> Vec<Matter> {
        vec![Matter {
            key: "commitments",
            label: "政企合同:企业方承诺事项的履约申报与佐证",
            actions: &["commitment."],
        }]
    }

    fn clocks(&self) -> Vec<ClockKind> {
        ItemType::ALL
            .into_iter()
            .map(|t| ClockKind {
                kind: crate::clock_kind(t),
                label: format!("承诺事项:{}", t.label_zh()),
                builtin_rule: None,
            })
            .collect()
    }

    async fn add_enterprise_facts(
        &self,
        conn: &mut Conn,
        enterprises: &[Enterprise],
        facts: &mut [Facts],
    ) -> AppResult<()> {
        let ids: Vec<i64> = enterprises.iter().map(|e| e.id).collect();
        let breached = crate::store::agreements::breached_of_enterprises(conn, &ids).await?;
        for (enterprise, facts) in enterprises.iter().zip(facts) {
            let count = breached.get(&enterprise.id).copied().unwrap_or(0);
            facts.set("breached_commitments", Value::Integer(count));
        }
        Ok(())
    }

    async fn scorecard_counts(
        &self,
        conn: &mut Conn,
        scope: &ScoreScope<'_>,
    ) -> AppResult<Vec<Count>> {
        Ok(crate::store::agreements::scorecard_counts(conn, scope).await?)
    }

    async fn sees_object(
        &self,
        conn: &mut Conn,
        who: &Principal,
        object_type: &str,
        object_id: &str,
    ) -> Option<AppResult<bool>> {
        if object_type != TRAIL_OBJECT && object_type != crate::model::OBJECT {
            return None;
        }
        // The enterprise side sees the outcome on the case's own page, not the trail.
        if !who.role.is_staff() {
            return Some(Ok(false));
        }
        let Ok(id) = object_id.parse::<i64>() else {
            return Some(Ok(false));
        };
        // An item's trail (its clock, its warnings) is read by whoever sees its agreement.
        let agreement = if object_type == TRAIL_OBJECT {
            Some(id)
        } else {
            match crate::store::agreements::agreement_of_commitment(conn, id).await {
                Ok(found) => found,
                Err(e) => return Some(Err(e.into())),
            }
        };
        let Some(agreement) = agreement else {
            return Some(Ok(false));
        };
        Some(seen(crate::access::visible(conn, who, agreement).await))
    }

    async fn object_page(
        &self,
        conn: &mut Conn,
        object_type: &str,
        object_id: &str,
    ) -> Option<AppResult<String>> {
        if object_type != crate::model::OBJECT {
            return None;
        }
        let id = object_id.parse::<i64>().unwrap_or(0);
        let found = crate::store::agreements::agreement_of_commitment(conn, id).await;
        Some(match found {
            Ok(Some(agreement)) => Ok(crate::model::page_of(agreement)),
            Ok(None) => Err(qinqing_kernel::AppError::NotFound(format!(
                "没有编号为 {object_id} 的承诺事项"
            ))),
            Err(e) => Err(e.into()),
        })
    }

    async fn background(&self, app: &App) {
        log_background(
            crate::follow_slips(app).await,
            "commitment dates moved with late upstream items",
            "moving commitment clocks failed",
        );
    }

    async fn load_demo(&self, app: &App, part: DemoPart) -> AppResult<()> {
        if part == DemoPart::Base {
            crate::demo::agreements::load(app).await?;
        }
        Ok(())
    }
}

impl WebScene for Agreements {
    fn stylesheet(&self) -> &'static str {
        include_str!("../static/agreements.css")
    }

    fn api(&self) -> OpenApiRouter<AppState> {
        OpenApiRouter::with_openapi(<crate::api::ApiDoc as utoipa::OpenApi>::openapi())
            .merge(crate::api::agreements::routes())
            .merge(crate::api::supervision::routes())
            .merge(crate::api::import::routes())
            .merge(crate::api::documents::routes())
    }

    fn pages(&self) -> Router<AppState> {
        Router::new()
            .merge(crate::pages::agreements::routes())
            .merge(crate::pages::project::routes())
            .merge(crate::pages::supervision::routes())
    }

    fn nav(&self, who: Option<&Principal>) -> Vec<NavLink> {
        let Some(p) = who else {
            return Vec::new();
        };
        let mut links = Vec::new();
        if matches!(
            p.role,
            Role::EnterpriseUser | Role::Handler | Role::DepartmentLead | Role::Admin
        ) || p.role.is_supervisor()
        {
            links.push(NavLink::new(Section::Work, "/agreements", "政企合同"));
            links.push(NavLink::new(Section::Work, "/agreements/desk", "承诺事项"));
        }
        if p.role.is_supervisor() || matches!(p.role, Role::DepartmentLead | Role::Admin) {
            links.push(NavLink::new(
                Section::Watch,
                "/agreements/supervision",
                "履约监督",
            ));
        }
        if matches!(p.role, Role::SupervisorDiscipline | Role::Admin) {
            links.push(NavLink::new(
                Section::Watch,
                "/agreements/resupervision",
                "再监督",
            ));
        }
        links
    }
}
