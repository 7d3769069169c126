//! CSS and JavaScript, compiled into the binary: no CDN, nothing to deploy beside it.

use crate::web::AppState;
use axum::Router;
use axum::http::{StatusCode, header};
use axum::routing::{MethodRouter, get};

/// Assets change only with a new binary; the version in their URL busts caches on upgrade.
const CACHE: &str = "public, max-age=86400";
const CSS: &str = "text/css; charset=utf-8";
const JS: &str = "text/javascript; charset=utf-8";

fn asset(content_type: &'static str, body: &'static str) -> MethodRouter<AppState> {
    get(move || async move {
        (
            [
                (header::CONTENT_TYPE, content_type),
                (header::CACHE_CONTROL, CACHE),
            ],
            body,
        )
    })
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/static/app.css",
            asset(CSS, include_str!("../../static/app.css")),
        )
        .route(
            "/static/app.js",
            asset(JS, include_str!("../../static/app.js")),
        )
        .route(
            "/static/org-picker.js",
            asset(JS, include_str!("../../static/org-picker.js")),
        )
        .route(
            "/static/verify.js",
            asset(JS, include_str!("../../static/verify.js")),
        )
        .route("/favicon.ico", get(|| async { StatusCode::NO_CONTENT }))
}
