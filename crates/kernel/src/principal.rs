//! The authenticated caller. Handlers receive a `Principal` and never learn how the caller logged
//! in (password today, the provincial 政务服务网 single sign-on tomorrow).

use crate::store::audit::AuditActor;
use crate::store::enterprises::ScopeFilter;
use qinqing_domain::org::{Role, Scope};
use qinqing_domain::{CreditCode, DivisionCode};

#[derive(Debug, Clone)]
pub struct Principal {
    pub user_id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub org_id: i64,
    pub org_name: String,
    pub scope: Scope,
    pub must_change_password: bool,
    /// The authorisations in force that let this caller act for enterprises not their own
    /// (亲情代办); empty for staff.
    pub mandates: Vec<Mandate>,
}

/// An authorisation in force, as the caller carries it: for which enterprise, and which audit
/// actions (by prefix) the matters it names cover.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mandate {
    pub enterprise: CreditCode,
    pub actions: Vec<&'static str>,
}

impl Mandate {
    pub fn covers(&self, code: &CreditCode, action: &str) -> bool {
        self.enterprise == *code && self.actions.iter().any(|p| action.starts_with(p))
    }
}

/// The user id the platform itself acts under (command line, demo loading); never a real row.
const SYSTEM_USER: i64 = 0;

impl Principal {
    /// The platform acting on its own account, from the command line: full scope, and audit
    /// entries without a user.
    pub fn system() -> Principal {
        Principal {
            user_id: SYSTEM_USER,
            username: "system".into(),
            display_name: "平台".into(),
            role: Role::Admin,
            org_id: SYSTEM_USER,
            org_name: "平台".into(),
            scope: Scope::All,
            must_change_password: false,
            mandates: Vec::new(),
        }
    }

    pub fn is_system(&self) -> bool {
        self.user_id == SYSTEM_USER
    }

    /// The actor as the audit trail records it; `on_behalf_of` is set when a steward acts for
    /// an enterprise.
    pub fn audit_actor(&self, on_behalf_of: Option<&CreditCode>) -> Option<AuditActor> {
        (!self.is_system()).then(|| AuditActor {
            user_id: self.user_id,
            username: self.username.clone(),
            role: self.role.as_str().to_string(),
            org_id: self.org_id,
            on_behalf_of: on_behalf_of.map(|c| c.as_str().to_string()),
        })
    }

    pub fn covers_enterprise(&self, code: &CreditCode, region: &DivisionCode) -> bool {
        self.scope.covers_enterprise(code, region)
    }

    /// The listing filter for this caller's scope.
    pub fn scope_filter(&self) -> ScopeFilter {
        match &self.scope {
            Scope::All => ScopeFilter::All,
            Scope::Region(code) => ScopeFilter::RegionPrefix(region_prefix(code)),
            Scope::Enterprises(_) => ScopeFilter::LinkedTo(self.user_id),
            Scope::Nothing => ScopeFilter::Nothing,
        }
    }

    /// Whether the caller is one of the enterprise's own users (not acting for it by a mandate).
    pub fn is_member_of(&self, code: &CreditCode) -> bool {
        self.role == Role::EnterpriseUser
            && self.enterprises().contains(code)
            && !self.mandates.iter().any(|m| m.enterprise == *code)
    }

    pub fn enterprises(&self) -> &[CreditCode] {
        match &self.scope {
            Scope::Enterprises(codes) => codes,
            _ => &[],
        }
    }
}

/// The text prefix shared by every code under `code`: a city "350500" covers "3505…", a province
/// "350000" covers "35…", anything else covers codes that start with it in full.
pub fn region_prefix(code: &DivisionCode) -> String {
    let s = code.as_str();
    if s.len() == 6 && s.ends_with("0000") {
        s[..2].to_string()
    } else if s.len() == 6 && s.ends_with("00") {
        s[..4].to_string()
    } else {
        s.to_string()
    }
}

/// Who may act for an enterprise (apply, report, rate): its own users, and its steward (帮办代办).
pub fn acts_for_enterprise(who: &Principal) -> bool {
    matches!(who.role, Role::EnterpriseUser | Role::Steward)
}

/// The enterprise a steward or an authorised account acts for, recorded as such in the audit
/// trail (where the authorisation is checked); `None` for the enterprise's own users.
pub fn on_behalf<'a>(who: &Principal, code: &'a CreditCode) -> Option<&'a CreditCode> {
    (acts_for_enterprise(who) && !who.is_member_of(code)).then_some(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_prefix_follows_the_division_level() {
        let p = |s: &str| region_prefix(&DivisionCode::parse(s).unwrap());
        assert_eq!(p("350000"), "35");
        assert_eq!(p("350500"), "3505");
        assert_eq!(p("350521"), "350521");
        assert_eq!(p("350521101"), "350521101");
    }

    #[test]
    fn the_system_leaves_no_user_in_the_audit_trail() {
        assert!(Principal::system().audit_actor(None).is_none());
    }
}
