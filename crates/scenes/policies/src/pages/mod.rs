//! The scene's pages, a module for each thing people do: the policy library and a policy's page,
//! writing a policy (with its builder), entitlements, applying, an application's page and its
//! steps, an enterprise's applications, the review queue, the payout desk, credit and clawbacks,
//! the fulfilment dashboard, pushes and application materials.

pub mod application;
pub mod application_steps;
pub mod apply;
pub mod dashboard;
pub mod entitlements;
pub mod integrity;
pub mod library;
pub mod materials;
pub mod my_applications;
pub mod payouts;
pub mod policy_builder;
pub mod policy_editor;
pub mod pushes;
pub mod reviews;
mod yuan;

use axum::Router;
use qinqing_domain::CreditCode;
use qinqing_kernel::AppError;
use qinqing_kernel::web::AppState;
use qinqing_kernel::web::upload::UploadForm;

/// The routes of every page and form of the scene.
pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(library::routes())
        .merge(policy_editor::routes())
        .merge(entitlements::routes())
        .merge(apply::routes())
        .merge(application::routes())
        .merge(application_steps::routes())
        .merge(my_applications::routes())
        .merge(reviews::routes())
        .merge(payouts::routes())
        .merge(integrity::routes())
        .merge(dashboard::routes())
        .merge(pushes::routes())
        .merge(materials::routes())
}

/// The enterprise a page's address or a form names by its credit code.
fn credit_code(code: &str) -> Result<CreditCode, AppError> {
    CreditCode::parse(code).map_err(|e| AppError::invalid("credit_code", e.to_string()))
}

/// The `file` part (its name and bytes) of an import form read by `UploadForm`. A missing or
/// broken file is left empty, so it is reported as an empty file by the import itself.
fn import_file(form: UploadForm) -> (String, Vec<u8>) {
    form.file.unwrap_or_default()
}
