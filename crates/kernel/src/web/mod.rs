//! Qinqing's HTTP layer: the JSON API under `/api/v1` (described by `/api/v1/openapi.json`), the
//! server-rendered Chinese UI, `/healthz` and `/metrics`. Handlers are thin: they turn requests
//! into calls of the kernel's and the scenes' use cases and results into JSON or pages.

// Handlers return `Result<_, Response>` to short-circuit with a finished response; a response is
// built once per request, so boxing it to shrink the `Err` variant would buy nothing.
#![allow(clippy::result_large_err)]

pub mod api;
pub mod chart;
pub mod download;
pub mod error;
pub mod form;
pub mod icon;
pub mod input;
pub mod metrics;
pub mod openapi;
pub mod pages;
pub mod scene;
pub mod session;
pub mod static_files;
pub mod upload;

pub use icon::Icon;
pub use metrics::Metrics;
pub use scene::{FrontCard, FrontItem, Link, NavLink, Section, WebScene};

use crate::App;
use axum::Router;
use axum::http::{HeaderName, HeaderValue, Request, header};
use std::sync::Arc;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

/// Everything a handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub app: App,
    pub demo: bool,
    /// Set `Secure` on cookies (when served over HTTPS).
    pub secure_cookies: bool,
    /// The address the public reaches the platform at (no trailing slash), for documents.
    pub public_url: Option<String>,
    /// The secret the non-tax payment system signs its notices of payment with
    /// (`qinqing serve --payment-secret`); without one, no notice is taken.
    pub payment_secret: Option<Arc<str>>,
    pub metrics: Arc<Metrics>,
    /// The single sign-on provider, when one is configured (`qinqing serve --oidc-issuer …`).
    pub oidc: Option<Arc<crate::oidc::Oidc>>,
    /// The scenes plugged in, in the order the binary listed them.
    pub scenes: Arc<[Arc<dyn WebScene>]>,
}

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
/// Uploads (enterprise files) are limited to this size.
pub const MAX_BODY: usize = 20 * 1024 * 1024;

/// What pages may load: scripts only from this platform's own files (no inline script, no
/// `on…=` handlers), styles from its files and `style` attributes (the bar charts), images
/// from its files and data URLs, plugins only from here (the PDF viewer of previews); no
/// framing by any site, forms posted only here.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self' 'unsafe-inline'; img-src 'self' data:; \
     base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

/// How long browsers keep to HTTPS once they have seen it (a year).
const HSTS: &str = "max-age=31536000; includeSubDomains";

/// A header every answer carries unless its handler set it.
fn always(name: HeaderName, value: &'static str) -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
}

/// A request's path as the logs keep it: without its query (which may carry what people
/// searched for) and with any segment that looks like a secret (32 or more hex digits, as the
/// links experts review by) blanked, so logs hold no credential.
fn loggable(path: &str) -> String {
    path.split('/')
        .map(|segment| {
            let secret = segment.len() >= 32 && segment.bytes().all(|b| b.is_ascii_hexdigit());
            if secret { "…" } else { segment }
        })
        .collect::<Vec<_>>()
        .join("/")
}

pub fn router(state: AppState) -> Router {
    let trace = TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
        let id = req
            .headers()
            .get(&REQUEST_ID)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("-");
        let path = loggable(req.uri().path());
        tracing::info_span!("request", method = %req.method(), path = %path, request_id = %id)
    });
    let hsts = state.secure_cookies.then(|| HeaderValue::from_static(HSTS));
    let others = state.scenes.iter().fold(Router::new(), |routes, scene| {
        routes.merge(scene.other_routes())
    });
    others
        .merge(api::routes(&state.scenes))
        .merge(pages::routes(&state.scenes))
        .merge(static_files::routes(&state.scenes))
        .merge(metrics::routes())
        // A route layer sees the matched route pattern, which labels the metrics.
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            metrics::track,
        ))
        .layer(axum::middleware::from_fn(input::refuse_control_characters))
        .layer(RequestBodyLimitLayer::new(MAX_BODY))
        // Extractors (multipart forms) stop at 2 MB unless told otherwise; the layer above is
        // the one limit.
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY))
        .layer(CatchPanicLayer::new())
        // Security headers on every answer, pages and API alike. HSTS only when served over
        // HTTPS (`--secure-cookies`): over plain HTTP it would lock browsers out.
        .layer(always(
            header::CONTENT_SECURITY_POLICY,
            CONTENT_SECURITY_POLICY,
        ))
        .layer(always(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(always(header::X_FRAME_OPTIONS, "DENY"))
        .layer(always(
            header::REFERRER_POLICY,
            "strict-origin-when-cross-origin",
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::STRICT_TRANSPORT_SECURITY,
            move |_: &axum::response::Response| hsts.clone(),
        ))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(trace)
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        .with_state(state)
}

#[cfg(test)]
mod tests {
    use super::loggable;

    #[test]
    fn logs_keep_no_secret_segment() {
        let secret = "7ed67e785d874cba94c9355be33d03db8436ccdc45cc4febab44555d4bc65ea8";
        assert_eq!(
            loggable(&format!("/expert-reviews/{secret}")),
            "/expert-reviews/…"
        );
        assert_eq!(
            loggable("/construction-cases/BJ2026120813DF2B86"),
            "/construction-cases/BJ2026120813DF2B86"
        );
        assert_eq!(loggable("/"), "/");
    }
}
