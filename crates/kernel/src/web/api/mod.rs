//! The JSON API under `/api/v1`.

pub mod admin;
pub mod agreement_documents;
pub mod agreement_import;
pub mod agreement_supervision;
pub mod agreements;
pub mod audit;
pub mod auth;
pub mod clinic;
pub mod deadlines;
pub mod enterprises;
pub mod materials;
pub mod notifications;
pub mod policies;
pub mod pushes;
pub mod reference;
pub mod request_analysis;
pub mod requests;

use crate::web::AppState;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete, get, patch, post, put};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/api/v1/openapi.json", get(crate::web::openapi::document))
        .route(
            "/api/v1/reference/credit-code/{code}",
            get(reference::credit_code),
        )
        .route("/api/v1/reference/size-class", get(reference::size_class))
        .route("/api/v1/reference/industries", get(reference::industries))
        .route(
            "/api/v1/calendar/working-days/add",
            get(reference::add_working_days),
        )
        .route(
            "/api/v1/calendar/working-days/between",
            get(reference::working_days_between),
        )
        .route(
            "/api/v1/calendar",
            get(admin::calendar).put(admin::replace_calendar),
        )
        .route("/api/v1/auth/login", post(auth::login))
        .route("/api/v1/auth/logout", post(auth::logout))
        .route("/api/v1/auth/me", get(auth::me))
        .route("/api/v1/auth/password", post(auth::change_password))
        .route("/api/v1/enterprises/register", post(enterprises::register))
        .route("/api/v1/enterprises", get(enterprises::list))
        .route("/api/v1/enterprises/import", post(enterprises::import))
        .route("/api/v1/enterprises/export", get(enterprises::export))
        .route(
            "/api/v1/enterprises/{code}",
            get(enterprises::get).merge(patch(enterprises::update)),
        )
        .route("/api/v1/organisations", get(admin::organisations))
        .route(
            "/api/v1/admin/users",
            get(admin::users).post(admin::create_user),
        )
        .route(
            "/api/v1/admin/users/{id}/reset-password",
            post(admin::reset_password),
        )
        .route("/api/v1/admin/stewards", post(admin::assign_steward))
        .route("/api/v1/warnings", get(deadlines::mine))
        .route("/api/v1/warnings/{id}/act", post(deadlines::act))
        .route("/api/v1/deadlines", get(deadlines::for_object))
        .route("/api/v1/deadlines/{id}/{action}", post(deadlines::control))
        .route(
            "/api/v1/admin/warning-rules",
            get(deadlines::rules).put(deadlines::replace_rules),
        )
        .route("/api/v1/messages", get(notifications::list))
        .route("/api/v1/messages/{id}/read", post(notifications::read))
        .route(
            "/api/v1/messages/preferences",
            get(notifications::preferences).put(notifications::set_preferences),
        )
        .route("/api/v1/admin/outbox", get(notifications::outbox))
        .route(
            "/api/v1/policies",
            get(policies::list).post(policies::create),
        )
        .route(
            "/api/v1/policies/{id}",
            get(policies::get).put(policies::update),
        )
        .route(
            "/api/v1/policies/{id}/definition",
            get(policies::definition),
        )
        .route("/api/v1/policies/builder", post(policies::builder_view))
        .route(
            "/api/v1/policies/builder/definition",
            post(policies::builder_definition),
        )
        .route("/api/v1/policies/{id}/lifecycle", post(policies::lifecycle))
        .route("/api/v1/policies/{id}/push", post(pushes::push))
        .route("/api/v1/policies/{id}/pushes", get(pushes::policy_pushes))
        .route(
            "/api/v1/enterprises/{code}/subscriptions",
            get(pushes::subscriptions).put(pushes::set_subscriptions),
        )
        .route(
            "/api/v1/enterprises/{code}/pushes",
            get(pushes::enterprise_pushes),
        )
        .route(
            "/api/v1/policies/{id}/auto-grant",
            post(policies::run_auto_grant),
        )
        .route(
            "/api/v1/policies/{id}/auto-grant/runs",
            get(policies::auto_grant_runs),
        )
        .route(
            "/api/v1/auto-grant-runs/{run}/release",
            post(policies::release_auto_grant),
        )
        .route(
            "/api/v1/enterprises/{code}/entitlements",
            get(policies::entitlements),
        )
        .route(
            "/api/v1/enterprises/{code}/applications",
            get(policies::enterprise_applications),
        )
        .route(
            "/api/v1/enterprises/{code}/bank-account",
            get(policies::bank_account).put(policies::confirm_bank_account),
        )
        .route("/api/v1/applications", post(policies::submit))
        .route("/api/v1/applications/{receipt}", get(policies::application))
        .route(
            "/api/v1/applications/{receipt}/submit",
            post(policies::resubmit),
        )
        .route(
            "/api/v1/applications/{receipt}/explanation",
            get(policies::explanation),
        )
        .route(
            "/api/v1/applications/{receipt}/materials",
            get(materials::list).post(materials::upload),
        )
        .route(
            "/api/v1/applications/{receipt}/materials/{id}",
            get(materials::content).delete(materials::remove),
        )
        .route(
            "/api/v1/applications/{receipt}/withdraw",
            post(policies::withdraw),
        )
        .route(
            "/api/v1/applications/{receipt}/decision",
            post(policies::decide),
        )
        .route("/api/v1/applications/{receipt}/sign", post(policies::sign))
        .route(
            "/api/v1/applications/{receipt}/confirm",
            post(policies::confirm_offer),
        )
        .route(
            "/api/v1/applications/{receipt}/close",
            post(policies::close_offer),
        )
        .route(
            "/api/v1/applications/{receipt}/rating",
            post(policies::rate),
        )
        .route("/api/v1/ratings", get(policies::ratings_list))
        .route("/api/v1/ratings/{id}/follow-up", post(policies::follow_up))
        .route(
            "/api/v1/applications/{receipt}/false-pledge",
            post(policies::false_pledge),
        )
        .route("/api/v1/integrity", get(policies::integrity_overview))
        .route(
            "/api/v1/integrity/blacklist",
            post(policies::import_blacklist),
        )
        .route(
            "/api/v1/clawbacks/{id}/repayments",
            post(policies::repayment),
        )
        .route("/api/v1/reviews", get(policies::queue))
        .route("/api/v1/dashboards/policies", get(policies::dashboard))
        .route("/api/v1/payouts", get(policies::payout_desk))
        .route("/api/v1/payouts/batches", post(policies::create_batch))
        .route(
            "/api/v1/payouts/batches/{id}/file",
            get(policies::batch_file),
        )
        .route("/api/v1/payouts/results", post(policies::import_results))
        .route("/api/v1/payouts/{id}/retry", post(policies::retry))
        .route("/api/v1/request-categories", get(requests::categories))
        .route(
            "/api/v1/admin/request-routes",
            get(requests::request_routes).put(requests::replace_routes),
        )
        .route(
            "/api/v1/requests",
            get(requests::list).post(requests::submit),
        )
        .route("/api/v1/requests/import", post(request_analysis::import))
        .route(
            "/api/v1/dashboards/requests",
            get(request_analysis::analysis),
        )
        .route(
            "/api/v1/admin/request-settings",
            get(request_analysis::settings).put(request_analysis::put_settings),
        )
        .route(
            "/api/v1/requests/{receipt}/attachments",
            get(requests::attachments).post(requests::attach),
        )
        .route(
            "/api/v1/requests/{receipt}/attachments/{id}",
            get(requests::attachment),
        )
        .route("/api/v1/requests/{receipt}", get(requests::get))
        .route("/api/v1/requests/{receipt}/accept", post(requests::accept))
        .route(
            "/api/v1/requests/{receipt}/transfer",
            post(requests::transfer),
        )
        .route(
            "/api/v1/requests/{receipt}/duplicate",
            post(requests::duplicate),
        )
        .route(
            "/api/v1/requests/{receipt}/extension",
            post(requests::request_extension),
        )
        .route(
            "/api/v1/requests/{receipt}/extension/approve",
            post(requests::approve_extension),
        )
        .route("/api/v1/requests/{receipt}/reply", post(requests::reply))
        .route(
            "/api/v1/requests/{receipt}/follow-up",
            post(requests::follow_up),
        )
        .route(
            "/api/v1/requests/{receipt}/consultations",
            get(clinic::consultations).post(clinic::invite),
        )
        .route("/api/v1/consultations/{id}/opinion", post(clinic::opinion))
        .route(
            "/api/v1/requests/{receipt}/clinic",
            get(clinic::request_agenda).post(clinic::put_on_agenda),
        )
        .route(
            "/api/v1/clinic-agenda/{id}/withdraw",
            post(clinic::withdraw),
        )
        .route("/api/v1/clinic-days", get(clinic::overview))
        .route("/api/v1/clinic-days/{id}", get(clinic::get))
        .route("/api/v1/clinic-days/{id}/record", put(clinic::record))
        .route("/api/v1/clinic-days/{id}/decisions", post(clinic::decide))
        .route("/api/v1/clinic-decisions/{id}/done", post(clinic::done))
        .route("/api/v1/admin/clinic-day", put(clinic::set_day))
        .route(
            "/api/v1/admin/api-keys",
            get(requests::api_keys).post(requests::issue_api_key),
        )
        .route(
            "/api/v1/admin/api-keys/{id}",
            delete(requests::revoke_api_key),
        )
        .route(
            "/api/v1/agreements",
            get(agreements::list).post(agreements::create),
        )
        .route("/api/v1/agreements/template", get(agreements::template))
        .route("/api/v1/agreements/desk", get(agreement_supervision::desk))
        .route(
            "/api/v1/agreements/dashboard",
            get(agreement_supervision::dashboard),
        )
        .route(
            "/api/v1/agreements/performance",
            get(agreement_supervision::performance),
        )
        .route(
            "/api/v1/agreements/resupervision",
            get(agreement_supervision::resupervision),
        )
        .route(
            "/api/v1/agreements/items-template.xlsx",
            get(agreement_import::template),
        )
        .route(
            "/api/v1/agreements/{id}/items/import",
            post(agreement_import::import_items),
        )
        .route(
            "/api/v1/agreements/{id}/documents",
            get(agreement_documents::list).post(agreement_documents::upload),
        )
        .route(
            "/api/v1/agreements/{id}/documents/{file}",
            get(agreement_documents::content),
        )
        .route("/api/v1/agreements/{id}", get(agreements::get))
        .route(
            "/api/v1/agreements/{id}/enterprise",
            post(agreements::link_enterprise),
        )
        .route("/api/v1/agreements/{id}/items", post(agreements::add_item))
        .route(
            "/api/v1/agreements/{id}/items/{key}",
            put(agreements::edit_item),
        )
        .route(
            "/api/v1/agreements/{id}/items/{key}/actions",
            post(agreements::act),
        )
        .route(
            "/api/v1/agreements/{id}/items/{key}/evidence",
            get(agreements::evidence).post(agreements::upload_evidence),
        )
        .route(
            "/api/v1/agreements/{id}/items/{key}/evidence/{file}",
            get(agreements::evidence_content),
        )
        .route("/api/v1/audit/checkpoint", get(audit::checkpoint))
        .route("/api/v1/audit/verifier", get(audit::verifier))
        .route("/api/v1/audit/entries/{index}", get(audit::entry))
        .route("/api/v1/audit/proof/inclusion", get(audit::inclusion))
        .route("/api/v1/audit/proof/consistency", get(audit::consistency))
}

/// 200 when the database answers, 503 otherwise.
#[utoipa::path(get, path = "/healthz", tag = "system",
    responses((status = 200, description = "数据库可用"), (status = 503, description = "数据库不可用")))]
pub async fn healthz(State(state): State<AppState>) -> (StatusCode, &'static str) {
    match state.app.db.ping().await {
        Ok(()) => (StatusCode::OK, "ok"),
        Err(e) => {
            tracing::warn!(error = %e, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
    }
}
