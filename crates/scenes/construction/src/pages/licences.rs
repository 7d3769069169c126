//! 电子证照核验: the public page a licence's QR code leads to.

use crate::licence::{self, LicenceCheck};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use qinqing_kernel::web::AppState;
use qinqing_kernel::web::pages::{Layout, error_page};
use qinqing_kernel::web::session::MaybeUser;

#[derive(Template, WebTemplate)]
#[template(path = "construction_licence.html")]
pub struct LicencePage {
    layout: Layout,
    c: LicenceCheck,
}

/// Anyone, logged in or not (a bank's clerk, a contractor, a neighbour).
pub async fn check(
    State(state): State<AppState>,
    MaybeUser(caller): MaybeUser,
    Path(no): Path<String>,
    Query(code): Query<crate::api::CodeQuery>,
) -> Response {
    match licence::check(&state.app, &no, code.h.as_deref()).await {
        Ok(c) => LicencePage {
            layout: Layout::new("电子证照核验", caller.as_ref(), &state, "/licences"),
            c,
        }
        .into_response(),
        Err(e) => error_page(&e, caller.as_ref(), &state),
    }
}
