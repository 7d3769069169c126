//! Where scenes plug into the web layer: their JSON API, their pages, routes under other
//! standards, and their entries on the pages the kernel draws (navigation, workbench, portal).

use crate::Scene;
use crate::web::AppState;
use crate::web::icon::Icon;
use crate::{App, AppResult, Principal};
use async_trait::async_trait;
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

/// The sections the navigation groups its links in, so that a person meets a handful of
/// headings instead of twenty links (templates/base.html draws each as a menu).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// A destination of its own beside the menus, with its icon: the workbench, and an
    /// enterprise's 首页 / 政策 / 申报 / 诉求 (the tabs of its phone's bottom bar).
    Top(Icon),
    /// 办事: the daily work.
    Work,
    /// 监督: figures, warnings and supervision.
    Watch,
    /// 管理: accounts, organisations, rules and imports.
    Manage,
    /// 我的: the person's own account and the reference tools.
    Mine,
}

impl Section {
    /// The menus in the order the navigation shows them.
    pub const MENUS: [Section; 4] = [
        Section::Work,
        Section::Watch,
        Section::Manage,
        Section::Mine,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Section::Top(_) => "",
            Section::Work => "办事",
            Section::Watch => "监督",
            Section::Manage => "管理",
            Section::Mine => "我的",
        }
    }

    pub fn icon(self) -> Icon {
        match self {
            Section::Top(icon) => icon,
            Section::Work => Icon::Work,
            Section::Watch => Icon::Watch,
            Section::Manage => Icon::Manage,
            Section::Mine => Icon::Me,
        }
    }
}

/// An entry of the navigation: a link and the section it belongs in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NavLink {
    pub section: Section,
    pub link: Link,
}

impl NavLink {
    pub fn new(section: Section, href: impl Into<String>, label: &'static str) -> NavLink {
        NavLink {
            section,
            link: Link::new(href, label),
        }
    }
}

/// A card of the public front page: a list of links (the newest policies) or steps in plain
/// words (how to submit a 诉求), with a link to more.
pub struct FrontCard {
    pub title: &'static str,
    pub icon: Icon,
    pub items: Vec<FrontItem>,
    pub steps: Vec<&'static str>,
    pub more: Option<Link>,
}

/// A line of a front-page card: a link and a few words about it.
pub struct FrontItem {
    pub href: String,
    pub label: String,
    pub note: String,
}

/// A scene as the web layer sees it. Every method has a default that adds nothing.
#[async_trait]
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

    /// The scene's entries in the navigation for this person: only pages this person may open.
    fn nav(&self, _who: Option<&Principal>) -> Vec<NavLink> {
        Vec::new()
    }

    /// The scene's cards on the public front page, for visitors who are not logged in.
    async fn front_cards(&self, _app: &App) -> AppResult<Vec<FrontCard>> {
        Ok(Vec::new())
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
