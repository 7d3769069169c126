//! A form posted to one step of a page, read the same way by every scene.

use crate::web::AppState;
use crate::web::form::{Pairs, field};
use crate::web::pages::form_caller;
use crate::web::session::{Caller, PageUser};
use crate::{App, Principal, RequestMeta};
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

/// A form posted to one step of a page: what every step's handler reads first — the caller
/// (only once the form's `_csrf` matches their session, as `form_caller` checks), the page's
/// key from the path (a receipt number, a session's id) and the form's fields.
pub struct Step<K> {
    state: AppState,
    user: PageUser,
    pub key: K,
    pairs: Pairs,
}

impl<K> Step<K> {
    pub fn state(&self) -> &AppState {
        &self.state
    }

    pub fn app(&self) -> &App {
        &self.state.app
    }

    pub fn caller(&self) -> &Caller {
        &self.user.0
    }

    pub fn who(&self) -> &Principal {
        &self.user.0.principal
    }

    pub fn meta(&self) -> &RequestMeta {
        &self.user.0.meta
    }

    /// The form's field `name`, "" when it has none.
    pub fn field(&self, name: &str) -> &str {
        field(&self.pairs, name)
    }

    pub fn pairs(&self) -> &Pairs {
        &self.pairs
    }
}

impl<K> FromRequest<AppState> for Step<K>
where
    K: DeserializeOwned + Send + 'static,
{
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let (mut parts, body) = req.into_parts();
        let user = PageUser::from_request_parts(&mut parts, state).await?;
        let Path(key) = Path::<K>::from_request_parts(&mut parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let axum::Form(pairs) =
            axum::Form::<Pairs>::from_request(Request::from_parts(parts, body), state)
                .await
                .map_err(IntoResponse::into_response)?;
        form_caller(&user, &pairs)?;
        Ok(Step {
            state: state.clone(),
            user,
            key,
            pairs,
        })
    }
}
