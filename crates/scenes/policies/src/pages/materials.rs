//! The materials part of an application's page: upload (multipart), preview, remove. After a
//! change the browser is sent back to the page (POST-redirect-GET); a refused file comes back on
//! the page with the reason beside the upload field, and nothing is stored.

use super::application::render_application;
use crate::materials;
use axum::Form;
use axum::Router;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use qinqing_kernel::AppError;
use qinqing_kernel::web::AppState;
use qinqing_kernel::web::pages::{error_page, errors_of, form_caller, shows_error_page};
use qinqing_kernel::web::session::PageUser;
use qinqing_kernel::web::upload::{UploadForm, file_response};

/// The routes of this module's pages and forms.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/applications/{receipt}/materials", post(upload))
        .route("/applications/{receipt}/materials/{id}", get(content))
        .route(
            "/applications/{receipt}/materials/{id}/remove",
            post(remove),
        )
}

fn back_to(receipt: &str) -> Response {
    Redirect::to(&format!("/applications/{receipt}#materials")).into_response()
}

async fn refused(state: &AppState, user: &PageUser, receipt: &str, e: AppError) -> Response {
    if shows_error_page(&e) {
        return error_page(&e, Some(&user.0), state);
    }
    let mut errors = errors_of(&e);
    errors.insert("materials".into(), e.to_string());
    let page = render_application(state, &user.0, receipt, errors, String::new()).await;
    (StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
}

pub async fn upload(
    State(state): State<AppState>,
    user: PageUser,
    Path(receipt): Path<String>,
    form: Multipart,
) -> Result<Response, Response> {
    let form = UploadForm::read(form, "file").await;
    let caller = form_caller(&user, &form.pairs)?;
    let uploaded = match qinqing_kernel::web::upload::material(&form) {
        Ok(file) => {
            materials::upload(&state.app, &caller.principal, &receipt, file, &caller.meta).await
        }
        Err(e) => Err(e),
    };
    Ok(match uploaded {
        Ok(_) => back_to(&receipt),
        Err(e) => refused(&state, &user, &receipt, e).await,
    })
}

pub async fn content(
    State(state): State<AppState>,
    PageUser(caller): PageUser,
    Path((receipt, id)): Path<(String, i64)>,
) -> Response {
    match materials::content(&state.app, &caller.principal, &receipt, id).await {
        Ok(file) => file_response(file),
        Err(e) => error_page(&e, Some(&caller), &state),
    }
}

#[derive(serde::Deserialize)]
pub struct RemoveForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
}

pub async fn remove(
    State(state): State<AppState>,
    user: PageUser,
    Path((receipt, id)): Path<(String, i64)>,
    Form(form): Form<RemoveForm>,
) -> Response {
    if let Err(r) = user.check_csrf(&form.csrf) {
        return r;
    }
    let caller = &user.0;
    match materials::remove(&state.app, &caller.principal, &receipt, id, &caller.meta).await {
        Ok(()) => back_to(&receipt),
        Err(e) => refused(&state, &user, &receipt, e).await,
    }
}
