//! Page parts of subscriptions and pushes: the subscription form (and what was pushed) on the
//! enterprise's entitlements page, the push form and push log on a policy's page for staff.

use crate::library::PolicyView;
use crate::pushes::{
    self, PushInput, PushView, SubscriptionInput, SubscriptionView, may_read_policy_log,
};
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use qinqing_domain::CreditCode;
use qinqing_domain::org::Role;
use qinqing_kernel::Principal;
use qinqing_kernel::listing::{Pager, Queue};
use qinqing_kernel::store::long_work::Work;
use qinqing_kernel::web::AppState;
use qinqing_kernel::web::form::{Pairs, field};
use qinqing_kernel::web::pages::{error_page, form_caller};
use qinqing_kernel::web::session::PageUser;

/// The routes of this module's pages and forms.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/policies/{id}/push", post(push_form))
        .route("/enterprises/{code}/subscriptions", post(subscription_form))
}

/// The enterprise's subscriptions, the choices for new ones, and what it was told.
pub struct SubscriptionPanel {
    pub code: String,
    pub items: Vec<SubscriptionView>,
    pub departments: Vec<(i64, String)>,
    pub pushes: Vec<PushView>,
}

/// For the enterprise's users and steward; `None` for anyone else.
pub async fn subscription_panel(
    state: &AppState,
    who: &Principal,
    code: &str,
) -> Option<SubscriptionPanel> {
    let code = CreditCode::parse(code).ok()?;
    let items = pushes::list_subscriptions(&state.app, who, &code)
        .await
        .ok()?
        .subscriptions;
    Some(SubscriptionPanel {
        code: code.to_string(),
        items,
        departments: qinqing_kernel::users::departments(&state.app)
            .await
            .unwrap_or_default(),
        pushes: pushes::enterprise_pushes(&state.app, who, &code)
            .await
            .unwrap_or_default(),
    })
}

/// A policy's push log, a page at a time, and whether the caller may push it.
pub struct PushPanel {
    pub may_push: bool,
    pub pushes: Vec<PushView>,
    pub total: i64,
    pub pager: Pager,
    /// The pushes of its publication still going out, with their progress.
    pub sending: Option<Work>,
}

/// For its department's staff, supervisors and the administrator; `None` for anyone else.
pub async fn push_panel(
    state: &AppState,
    who: Option<&Principal>,
    p: &PolicyView,
    page: &Queue,
) -> Option<PushPanel> {
    let who = who.filter(|w| may_read_policy_log(w, p.department_org_id))?;
    let may_push = p.status == crate::status::PolicyStatus::Published
        && (who.role == Role::Admin
            || (matches!(who.role, Role::Handler | Role::DepartmentLead)
                && who.org_id == p.department_org_id));
    let log = pushes::policy_push_page(&state.app, who, &p.id, page)
        .await
        .unwrap_or_else(|_| page.paged(0, Vec::new()));
    let sending = crate::publication_pushes::in_progress(&state.app, &p.id)
        .await
        .unwrap_or_default();
    Some(PushPanel {
        sending,
        may_push,
        pager: page.pager(&format!("/policies/{}#pushes", p.id), log.total),
        total: log.total,
        pushes: log.items,
    })
}

/// Adds or removes one subscription from the entitlements page.
pub async fn subscription_form(
    State(state): State<AppState>,
    user: PageUser,
    Path(code): Path<String>,
    axum::Form(pairs): axum::Form<Pairs>,
) -> Result<Response, Response> {
    let caller = form_caller(&user, &pairs)?;
    let parsed = CreditCode::parse(&code)
        .map_err(|e| qinqing_kernel::AppError::invalid("credit_code", e.to_string()));
    let input = SubscriptionInput {
        kind: field(&pairs, "kind").to_string(),
        value: field(&pairs, "value").to_string(),
    };
    let result = match parsed {
        Ok(code) if field(&pairs, "op") == "remove" => {
            pushes::unsubscribe(&state.app, &caller.principal, &code, &input, &caller.meta).await
        }
        Ok(code) => {
            pushes::subscribe(&state.app, &caller.principal, &code, &input, &caller.meta).await
        }
        Err(e) => Err(e),
    };
    Ok(match result {
        Ok(s) => Redirect::to(&format!(
            "/enterprises/{}/entitlements#subscriptions",
            s.credit_code
        ))
        .into_response(),
        Err(e) => error_page(&e, Some(caller), &state),
    })
}

/// A staff push from the policy's page.
pub async fn push_form(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<String>,
    axum::Form(pairs): axum::Form<Pairs>,
) -> Result<Response, Response> {
    let caller = form_caller(&user, &pairs)?;
    let given = |name: &str| Some(field(&pairs, name).trim().to_string()).filter(|s| !s.is_empty());
    let input = PushInput {
        region: given("region"),
        industry: given("industry"),
    };
    let result = pushes::staff_push(&state.app, &caller.principal, &id, &input, &caller.meta).await;
    Ok(match result {
        Ok(r) => Redirect::to(&format!("/policies/{}#pushes", r.policy_id)).into_response(),
        Err(e) => error_page(&e, Some(caller), &state),
    })
}
