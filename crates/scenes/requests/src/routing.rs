//! Request categories and the routing rules (category × region prefix → department).
//!
//! When no rule matches a request — not even the category's fallback with the empty prefix —
//! the submission is refused with a message naming the category, rather than parked with a
//! default owner: a request nobody owns is exactly what 首接负责 forbids, and the administrator
//! sees the gap at once.

use crate::store::requests::{self as store, Category};
use qinqing_domain::org::{OrgKind, Role};
use qinqing_kernel::audit::{self, Change};
use qinqing_kernel::store::{Conn, StoreError, orgs};
use qinqing_kernel::{App, AppError, AppResult, FieldErrors, Principal, RequestMeta};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CategoryView {
    pub code: String,
    pub name: String,
    pub description: String,
    pub group: String,
    pub keywords: Vec<String>,
    /// The resolution limit in working days.
    pub limit_days: i64,
}

impl From<Category> for CategoryView {
    fn from(c: Category) -> Self {
        CategoryView {
            keywords: c.keywords.split(',').map(str::to_string).collect(),
            code: c.code,
            name: c.name,
            description: c.description,
            group: c.group_name,
            limit_days: c.limit_days,
        }
    }
}

/// Every category; public, so that the form and Open311 clients can list them.
pub async fn categories(app: &App) -> AppResult<Vec<CategoryView>> {
    let mut conn = app.db.conn().await?;
    Ok(store::categories(&mut conn)
        .await?
        .into_iter()
        .map(CategoryView::from)
        .collect())
}

pub(crate) async fn category(conn: &mut Conn, code: &str) -> AppResult<Category> {
    store::category(conn, code.trim())
        .await?
        .ok_or_else(|| AppError::invalid("category", format!("没有“{}”这类诉求", code.trim())))
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RouteInput {
    pub category: String,
    /// Leading digits of the enterprise's division code; empty for the category's fallback.
    #[serde(default)]
    pub region_prefix: String,
    pub org_id: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RouteView {
    pub category: String,
    pub region_prefix: String,
    pub org_id: i64,
    pub org_name: String,
}

pub async fn routes(app: &App, who: &Principal) -> AppResult<Vec<RouteView>> {
    if !who.role.is_staff() {
        return Err(AppError::forbidden("只有政府工作人员可以查看诉求分派规则"));
    }
    let mut conn = app.db.conn().await?;
    Ok(store::routes(&mut conn)
        .await?
        .into_iter()
        .map(|r| RouteView {
            category: r.category_code,
            region_prefix: r.region_prefix,
            org_id: r.org_id,
            org_name: r.org_name,
        })
        .collect())
}

/// Replaces every routing rule at once (administrator); every wrong rule is reported.
pub async fn replace_routes(
    app: &App,
    who: &Principal,
    input: &[RouteInput],
    meta: &RequestMeta,
) -> AppResult<Vec<RouteView>> {
    if who.role != Role::Admin {
        return Err(AppError::forbidden("只有平台管理员可以修改诉求分派规则"));
    }
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let mut errors = FieldErrors::default();
    let mut rules = Vec::new();
    for (i, rule) in input.iter().enumerate() {
        let category = rule.category.trim();
        if store::category(&mut tx, category).await?.is_none() {
            errors.add(
                &format!("routes[{i}].category"),
                format!("没有“{category}”这类诉求"),
            );
        }
        let prefix = rule.region_prefix.trim();
        if prefix.len() > 12 || !prefix.bytes().all(|b| b.is_ascii_digit()) {
            errors.add(
                &format!("routes[{i}].region_prefix"),
                "区域前缀应为区划代码的前若干位数字(至多 12 位),留空表示兜底",
            );
        }
        let is_department = orgs::get(&mut tx, rule.org_id)
            .await?
            .is_some_and(|o| o.kind == OrgKind::Department);
        if !is_department {
            errors.add(&format!("routes[{i}].org_id"), "诉求只能分派给部门");
        }
        rules.push((category.to_string(), prefix.to_string(), rule.org_id));
    }
    errors.finish()?;
    match store::replace_routes(&mut tx, &rules).await {
        Err(StoreError::Duplicate) => {
            return Err(AppError::invalid(
                "routes",
                "同一类诉求、同一区域前缀只能有一条规则",
            ));
        }
        other => other?,
    }
    let change = Change {
        action: "request.routes_replaced",
        object_type: "setting",
        object_id: "request_routes".into(),
        on_behalf_of: None,
        detail: serde_json::json!({ "routes": input }),
    };
    audit::record(&mut tx, who, meta, change, now).await?;
    tx.commit().await.map_err(StoreError::from)?;
    routes(app, who).await
}

/// The department a category's request from `region` goes to.
pub(crate) async fn owner_for(
    conn: &mut Conn,
    category: &Category,
    region: &str,
) -> AppResult<i64> {
    store::route_for(conn, &category.code, region)
        .await?
        .ok_or_else(|| AppError::Conflict {
            field: Some("category".into()),
            message: format!(
                "“{}”类诉求尚未配置受理部门,请联系平台管理员设置分派规则",
                category.name
            ),
        })
}
