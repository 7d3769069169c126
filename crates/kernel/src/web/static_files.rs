//! CSS, JavaScript and the icons, compiled into the binary: no CDN, nothing to deploy beside it.

use crate::web::{AppState, WebScene};
use axum::Router;
use axum::body::Bytes;
use axum::http::{StatusCode, header};
use axum::routing::{MethodRouter, get};
use std::sync::Arc;

/// Assets change only with a new binary; the version in their URL busts caches on upgrade.
const CACHE: &str = "public, max-age=86400";
const CSS: &str = "text/css; charset=utf-8";
const JS: &str = "text/javascript; charset=utf-8";
const SVG: &str = "image/svg+xml";

fn asset(content_type: &'static str, body: impl Into<Bytes>) -> MethodRouter<AppState> {
    let body: Bytes = body.into();
    get(move || {
        let body = body.clone();
        async move {
            (
                [
                    (header::CONTENT_TYPE, content_type),
                    (header::CACHE_CONTROL, CACHE),
                ],
                body,
            )
        }
    })
}

/// The kernel's asset followed by every scene's, as one file: one request on a phone.
fn joined(
    kernel: &'static str,
    scenes: &[Arc<dyn WebScene>],
    part: fn(&dyn WebScene) -> &'static str,
) -> String {
    std::iter::once(kernel)
        .chain(scenes.iter().map(|s| part(s.as_ref())))
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn routes(scenes: &[Arc<dyn WebScene>]) -> Router<AppState> {
    Router::new()
        .route(
            "/static/app.css",
            asset(
                CSS,
                joined(include_str!("../../static/app.css"), scenes, |s| {
                    s.stylesheet()
                }),
            ),
        )
        .route(
            "/static/app.js",
            asset(
                JS,
                joined(include_str!("../../static/app.js"), scenes, |s| s.script()),
            ),
        )
        .route(
            "/static/org-picker.js",
            asset(JS, include_str!("../../static/org-picker.js")),
        )
        .route(
            "/static/verify.js",
            asset(JS, include_str!("../../static/verify.js")),
        )
        .route(
            "/static/icons.svg",
            asset(SVG, include_str!("../../static/icons.svg")),
        )
        .route("/favicon.ico", get(|| async { StatusCode::NO_CONTENT }))
}
