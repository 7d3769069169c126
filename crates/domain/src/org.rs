//! Organisations and roles of the three domains (政、银、企) and three levels (区、镇、村), and the
//! scope rules that decide what a role in an organisation may see.

use crate::{CreditCode, DivisionCode};
use serde::{Deserialize, Serialize};

/// What kind of organisation a node of the organisation tree is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgKind {
    District,
    Town,
    Village,
    Department,
    Bank,
    Enterprise,
}

impl OrgKind {
    pub const ALL: [OrgKind; 6] = [
        OrgKind::District,
        OrgKind::Town,
        OrgKind::Village,
        OrgKind::Department,
        OrgKind::Bank,
        OrgKind::Enterprise,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrgKind::District => "district",
            OrgKind::Town => "town",
            OrgKind::Village => "village",
            OrgKind::Department => "department",
            OrgKind::Bank => "bank",
            OrgKind::Enterprise => "enterprise",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            OrgKind::District => "区",
            OrgKind::Town => "镇(街道)",
            OrgKind::Village => "村(社区)",
            OrgKind::Department => "部门",
            OrgKind::Bank => "银行",
            OrgKind::Enterprise => "企业",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn is_government(self) -> bool {
        matches!(
            self,
            OrgKind::District | OrgKind::Town | OrgKind::Village | OrgKind::Department
        )
    }
}

/// A role a user holds in one organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    EnterpriseUser,
    Handler,
    Reviewer1,
    Reviewer2,
    Reviewer3,
    DepartmentLead,
    Steward,
    Finance,
    SupervisorEfficiency,
    SupervisorInvestment,
    SupervisorDiscipline,
    BankStaff,
    Admin,
}

impl Role {
    pub const ALL: [Role; 13] = [
        Role::EnterpriseUser,
        Role::Handler,
        Role::Reviewer1,
        Role::Reviewer2,
        Role::Reviewer3,
        Role::DepartmentLead,
        Role::Steward,
        Role::Finance,
        Role::SupervisorEfficiency,
        Role::SupervisorInvestment,
        Role::SupervisorDiscipline,
        Role::BankStaff,
        Role::Admin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::EnterpriseUser => "enterprise_user",
            Role::Handler => "handler",
            Role::Reviewer1 => "reviewer_1",
            Role::Reviewer2 => "reviewer_2",
            Role::Reviewer3 => "reviewer_3",
            Role::DepartmentLead => "department_lead",
            Role::Steward => "steward",
            Role::Finance => "finance",
            Role::SupervisorEfficiency => "supervisor_efficiency",
            Role::SupervisorInvestment => "supervisor_investment",
            Role::SupervisorDiscipline => "supervisor_discipline",
            Role::BankStaff => "bank_staff",
            Role::Admin => "admin",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Role::EnterpriseUser => "企业用户",
            Role::Handler => "经办人",
            Role::Reviewer1 => "初审人",
            Role::Reviewer2 => "复审人",
            Role::Reviewer3 => "终审人",
            Role::DepartmentLead => "部门负责人",
            Role::Steward => "亲清管家",
            Role::Finance => "财政拨付",
            Role::SupervisorEfficiency => "效能办监督员",
            Role::SupervisorInvestment => "招商办监督员",
            Role::SupervisorDiscipline => "纪检监察",
            Role::BankStaff => "银行工作人员",
            Role::Admin => "平台管理员",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Whether a user of this role may sit in an organisation of that kind: enterprise users in
    /// enterprises, bank staff in banks, everyone else (including the administrator) in government.
    pub fn fits(self, kind: OrgKind) -> bool {
        match self {
            Role::EnterpriseUser => kind == OrgKind::Enterprise,
            Role::BankStaff => kind == OrgKind::Bank,
            _ => kind.is_government(),
        }
    }

    pub fn is_staff(self) -> bool {
        !matches!(self, Role::EnterpriseUser | Role::BankStaff)
    }

    /// Supervisors watch; they never change the objects they supervise.
    pub fn is_supervisor(self) -> bool {
        matches!(
            self,
            Role::SupervisorEfficiency | Role::SupervisorInvestment | Role::SupervisorDiscipline
        )
    }
}

/// What part of the platform's data a user may see. Derived from role and organisation, never
/// stored, so that moving a user to another organisation moves their scope with them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// The administrator and 纪检 ("supervision of the supervision") read everything.
    All,
    /// Government staff see the division of their organisation and everything below it.
    Region(DivisionCode),
    /// Enterprise users see their own enterprises; stewards the enterprises assigned to them.
    Enterprises(Vec<CreditCode>),
    Nothing,
}

impl Scope {
    /// Scope of `role` held in an organisation placed at `division` (the nearest division code
    /// of the organisation or its ancestors), for a user linked to `enterprises`.
    pub fn of(role: Role, division: Option<&DivisionCode>, enterprises: Vec<CreditCode>) -> Scope {
        match role {
            Role::Admin | Role::SupervisorDiscipline => Scope::All,
            Role::EnterpriseUser | Role::Steward => Scope::Enterprises(enterprises),
            Role::BankStaff => Scope::Nothing,
            _ => division.map_or(Scope::Nothing, |d| Scope::Region(d.clone())),
        }
    }

    pub fn covers_enterprise(&self, code: &CreditCode, region: &DivisionCode) -> bool {
        match self {
            Scope::All => true,
            Scope::Region(root) => region.is_under(root),
            Scope::Enterprises(codes) => codes.contains(code),
            Scope::Nothing => false,
        }
    }

    pub fn covers_region(&self, region: &DivisionCode) -> bool {
        match self {
            Scope::All => true,
            Scope::Region(root) => region.is_under(root),
            Scope::Enterprises(_) | Scope::Nothing => false,
        }
    }
}

/// Who may change an enterprise's profile. Supervisors and bank staff only read; reviewers and
/// finance act on cases, not on profiles.
pub fn may_edit_profile(role: Role) -> bool {
    matches!(
        role,
        Role::EnterpriseUser | Role::Steward | Role::Handler | Role::DepartmentLead | Role::Admin
    )
}

/// Who may bulk-import enterprise profiles (each row still has to be in the importer's scope).
pub fn may_import_enterprises(role: Role) -> bool {
    matches!(role, Role::Handler | Role::DepartmentLead | Role::Admin)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> DivisionCode {
        DivisionCode::parse(s).unwrap()
    }

    #[test]
    fn role_codes_round_trip_and_are_unique() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        let mut codes: Vec<_> = Role::ALL.iter().map(|r| r.as_str()).collect();
        codes.dedup();
        assert_eq!(codes.len(), Role::ALL.len());
        assert_eq!(Role::parse("root"), None);
    }

    #[test]
    fn org_kinds_round_trip() {
        for kind in OrgKind::ALL {
            assert_eq!(OrgKind::parse(kind.as_str()), Some(kind));
        }
    }

    #[test]
    fn roles_fit_only_their_domain() {
        assert!(Role::EnterpriseUser.fits(OrgKind::Enterprise));
        assert!(!Role::EnterpriseUser.fits(OrgKind::Department));
        assert!(Role::BankStaff.fits(OrgKind::Bank));
        assert!(!Role::Handler.fits(OrgKind::Bank));
        assert!(Role::Handler.fits(OrgKind::Town));
        assert!(!Role::Admin.fits(OrgKind::Enterprise));
    }

    #[test]
    fn town_staff_see_their_villages_but_not_a_sibling_town() {
        let scope = Scope::of(Role::Handler, Some(&code("350521101")), vec![]);
        assert!(scope.covers_region(&code("350521101")));
        assert!(scope.covers_region(&code("350521101201")));
        assert!(!scope.covers_region(&code("350521102")));
        assert!(!scope.covers_region(&code("350521102201")));
        assert!(!scope.covers_region(&code("350521")));
    }

    #[test]
    fn discipline_and_admin_read_everything_bank_reads_no_profile() {
        let any = code("110101001");
        let cc = CreditCode::parse("91110000600037341L").unwrap();
        assert!(Scope::of(Role::SupervisorDiscipline, None, vec![]).covers_enterprise(&cc, &any));
        assert!(Scope::of(Role::Admin, None, vec![]).covers_enterprise(&cc, &any));
        assert!(!Scope::of(Role::BankStaff, None, vec![]).covers_enterprise(&cc, &any));
        assert!(!Scope::of(Role::Handler, None, vec![]).covers_enterprise(&cc, &any));
    }

    #[test]
    fn enterprise_users_see_only_their_own() {
        let own = CreditCode::parse("91110000600037341L").unwrap();
        let scope = Scope::of(Role::EnterpriseUser, None, vec![own.clone()]);
        let region = code("350521101");
        assert!(scope.covers_enterprise(&own, &region));
        let other = CreditCode::parse("91350521MA2Y3K8P06").unwrap();
        assert!(!scope.covers_enterprise(&other, &region));
        assert!(!scope.covers_region(&region));
    }

    #[test]
    fn supervisors_never_edit_profiles() {
        for role in Role::ALL.into_iter().filter(|r| r.is_supervisor()) {
            assert!(!may_edit_profile(role));
            assert!(!may_import_enterprises(role));
        }
    }
}
