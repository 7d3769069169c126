//! The icons of the pages: symbols of one sprite (static/icons.svg, from Lucide, ISC licence),
//! served from the binary and drawn with `<svg><use href="/static/icons.svg#ID"/></svg>`.

/// An icon of the sprite; only those the pages use are in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Icon {
    Home,
    Policy,
    Application,
    Request,
    Me,
    Workbench,
    Work,
    Watch,
    Manage,
    Search,
    Mail,
    Verify,
    Phone,
    Login,
}

impl Icon {
    /// The symbol's id in the sprite (Lucide's name of the icon).
    pub fn id(self) -> &'static str {
        match self {
            Icon::Home => "house",
            Icon::Policy => "landmark",
            Icon::Application => "file-text",
            Icon::Request => "message-square",
            Icon::Me => "user",
            Icon::Workbench => "layout-dashboard",
            Icon::Work => "briefcase",
            Icon::Watch => "eye",
            Icon::Manage => "settings",
            Icon::Search => "search",
            Icon::Mail => "mail",
            Icon::Verify => "shield-check",
            Icon::Phone => "phone",
            Icon::Login => "log-in",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_icon_is_in_the_sprite() {
        let sprite = include_str!("../../static/icons.svg");
        for icon in [
            Icon::Home,
            Icon::Policy,
            Icon::Application,
            Icon::Request,
            Icon::Me,
            Icon::Workbench,
            Icon::Work,
            Icon::Watch,
            Icon::Manage,
            Icon::Search,
            Icon::Mail,
            Icon::Verify,
            Icon::Phone,
            Icon::Login,
        ] {
            let symbol = format!("<symbol id=\"{}\"", icon.id());
            assert!(
                sprite.contains(&symbol),
                "{} missing from icons.svg",
                icon.id()
            );
        }
    }
}
