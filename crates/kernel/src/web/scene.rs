//! Where scenes plug into the web layer: their JSON API, their pages, routes under other
//! standards, and their entries on the pages the kernel draws (navigation, workbench, portal).

use crate::Principal;
use crate::Scene;
use crate::web::AppState;
use axum::Router;
use qinqing_domain::CreditCode;
use utoipa_axum::router::OpenApiRouter;

/// A link a scene puts on a shared page (the top navigation, the workbench, the portal).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub href: String,
    pub label: &'static str,
}

impl Link {
    pub fn new(href: impl Into<String>, label: &'static str) -> Link {
        Link {
            href: href.into(),
            label,
        }
    }
}

/// A scene as the web layer sees it. Every method has a default that adds nothing.
pub trait WebScene: Scene {
    /// The scene's JSON API under `/api/v1`, with the OpenAPI description of each path.
    fn api(&self) -> OpenApiRouter<AppState> {
        OpenApiRouter::new()
    }

    /// The scene's pages (server-rendered, Chinese).
    fn pages(&self) -> Router<AppState> {
        Router::new()
    }

    /// Other routes under their own standards (Open311 and the like).
    fn other_routes(&self) -> Router<AppState> {
        Router::new()
    }

    /// The scene's own styles (its `static/*.css`), served after the kernel's stylesheet.
    fn stylesheet(&self) -> &'static str {
        ""
    }

    /// The scene's own scripts (its `static/*.js`), served after the kernel's app.js.
    fn script(&self) -> &'static str {
        ""
    }

    /// The scene's entries in the top navigation for this person (none when not logged in).
    fn nav(&self, _who: Option<&Principal>) -> Vec<Link> {
        Vec::new()
    }

    /// The scene's shortcuts in the staff workbench's 常用操作 (a few, not the whole navigation).
    fn shortcuts(&self, _who: &Principal) -> Vec<Link> {
        Vec::new()
    }

    /// What an enterprise (or its steward) can open from the portal card of one enterprise.
    fn portal_links(&self, _enterprise: &CreditCode) -> Vec<Link> {
        Vec::new()
    }
}
