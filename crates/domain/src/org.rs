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
    /// 效能办: watches the clocks and the quality of service.
    EfficiencyOffice,
    /// 招商办: watches investment agreements.
    InvestmentOffice,
    /// 纪检监察: supervises the supervision.
    DisciplineOffice,
    /// 行政服务中心: the front counter where enterprises hand in matters.
    ServiceCentre,
    Bank,
    /// A branch (支行、网点) of a bank.
    BankBranch,
    Enterprise,
}

impl OrgKind {
    pub const ALL: [OrgKind; 11] = [
        OrgKind::District,
        OrgKind::Town,
        OrgKind::Village,
        OrgKind::Department,
        OrgKind::EfficiencyOffice,
        OrgKind::InvestmentOffice,
        OrgKind::DisciplineOffice,
        OrgKind::ServiceCentre,
        OrgKind::Bank,
        OrgKind::BankBranch,
        OrgKind::Enterprise,
    ];

    /// The kinds the organisation tree is built from (enterprises register themselves).
    pub const MANAGED: [OrgKind; 10] = [
        OrgKind::District,
        OrgKind::Town,
        OrgKind::Village,
        OrgKind::Department,
        OrgKind::EfficiencyOffice,
        OrgKind::InvestmentOffice,
        OrgKind::DisciplineOffice,
        OrgKind::ServiceCentre,
        OrgKind::Bank,
        OrgKind::BankBranch,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrgKind::District => "district",
            OrgKind::Town => "town",
            OrgKind::Village => "village",
            OrgKind::Department => "department",
            OrgKind::EfficiencyOffice => "efficiency_office",
            OrgKind::InvestmentOffice => "investment_office",
            OrgKind::DisciplineOffice => "discipline_office",
            OrgKind::ServiceCentre => "service_centre",
            OrgKind::Bank => "bank",
            OrgKind::BankBranch => "bank_branch",
            OrgKind::Enterprise => "enterprise",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            OrgKind::District => "区",
            OrgKind::Town => "镇(街道)",
            OrgKind::Village => "村(社区)",
            OrgKind::Department => "部门",
            OrgKind::EfficiencyOffice => "效能办",
            OrgKind::InvestmentOffice => "招商办",
            OrgKind::DisciplineOffice => "纪检监察",
            OrgKind::ServiceCentre => "行政服务中心",
            OrgKind::Bank => "银行",
            OrgKind::BankBranch => "银行网点",
            OrgKind::Enterprise => "企业",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// A kind by its code or its Chinese label (as people write it in a spreadsheet).
    pub fn parse_code_or_label(s: &str) -> Option<Self> {
        let s = s.trim();
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s || k.label_zh() == s)
    }

    pub fn is_government(self) -> bool {
        !matches!(
            self,
            OrgKind::Bank | OrgKind::BankBranch | OrgKind::Enterprise
        )
    }

    /// District, town and village: the levels of the division tree, each with its own code.
    pub fn is_division(self) -> bool {
        matches!(self, OrgKind::District | OrgKind::Town | OrgKind::Village)
    }

    /// The digits of the division code an organisation of this kind carries itself.
    pub fn division_code_len(self) -> Option<usize> {
        match self {
            OrgKind::District => Some(6),
            OrgKind::Town => Some(9),
            OrgKind::Village => Some(12),
            _ => None,
        }
    }

    /// Whether an organisation of this kind may sit under `parent` (`None`: at the root). The
    /// district is the root; towns sit under it, villages under towns; departments, the
    /// supervising offices and the service centre under the district or a town; banks at the
    /// root or under the district; branches under a bank. Nothing sits under a department, an
    /// office, a village or a branch, so no chain of parents can loop back on itself.
    pub fn fits_under(self, parent: Option<OrgKind>) -> bool {
        use OrgKind::*;
        match self {
            District => parent.is_none(),
            Town => parent == Some(District),
            Village => parent == Some(Town),
            Department | EfficiencyOffice | InvestmentOffice | DisciplineOffice | ServiceCentre => {
                matches!(parent, Some(District | Town))
            }
            Bank => matches!(parent, None | Some(District)),
            BankBranch => parent == Some(Bank),
            Enterprise => false,
        }
    }

    /// The kinds that may sit under `parent`, for the Chinese message of a refused placement.
    pub fn parents_zh(self) -> String {
        let mut names: Vec<&str> = Self::MANAGED
            .into_iter()
            .filter(|p| self.fits_under(Some(*p)))
            .map(|p| p.label_zh())
            .collect();
        if self.fits_under(None) {
            names.insert(0, "最上级(无上级)");
        }
        if names.is_empty() {
            "无".to_string()
        } else {
            names.join("或")
        }
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

    /// A role by its code or its Chinese label (as people write it in a spreadsheet).
    pub fn parse_code_or_label(s: &str) -> Option<Self> {
        let s = s.trim();
        Self::ALL
            .into_iter()
            .find(|r| r.as_str() == s || r.label_zh() == s)
    }

    /// Whether a user of this role may sit in an organisation of that kind: enterprise users in
    /// enterprises, bank staff in banks, everyone else (including the administrator) in government.
    pub fn fits(self, kind: OrgKind) -> bool {
        match self {
            Role::EnterpriseUser => kind == OrgKind::Enterprise,
            Role::BankStaff => matches!(kind, OrgKind::Bank | OrgKind::BankBranch),
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
    fn kinds_parse_by_code_or_label() {
        assert_eq!(
            OrgKind::parse_code_or_label(" 效能办 "),
            Some(OrgKind::EfficiencyOffice)
        );
        assert_eq!(
            OrgKind::parse_code_or_label("bank_branch"),
            Some(OrgKind::BankBranch)
        );
        assert_eq!(OrgKind::parse_code_or_label("局"), None);
    }

    #[test]
    fn each_kind_sits_only_under_its_parents() {
        use OrgKind::*;
        assert!(District.fits_under(None));
        assert!(!District.fits_under(Some(District)));
        assert!(Town.fits_under(Some(District)));
        assert!(!Town.fits_under(Some(Town)));
        assert!(Village.fits_under(Some(Town)));
        assert!(!Village.fits_under(Some(District)));
        assert!(Department.fits_under(Some(Town)));
        assert!(!Department.fits_under(Some(Department)));
        assert!(!Department.fits_under(None));
        assert!(DisciplineOffice.fits_under(Some(District)));
        assert!(Bank.fits_under(None) && Bank.fits_under(Some(District)));
        assert!(!Bank.fits_under(Some(Town)));
        assert!(BankBranch.fits_under(Some(Bank)));
        assert!(!BankBranch.fits_under(Some(District)));
        assert!(!Enterprise.fits_under(Some(District)));
        assert_eq!(BankBranch.parents_zh(), "银行");
        assert_eq!(Bank.parents_zh(), "最上级(无上级)或区");
    }

    #[test]
    fn no_kind_can_be_its_own_ancestor() {
        // A kind that may hold children never sits under a kind it may hold: the tree's depth
        // is bounded by the kinds, so a move can only make a cycle through a wrong placement.
        for child in OrgKind::ALL {
            for parent in OrgKind::ALL {
                if child.fits_under(Some(parent)) {
                    assert!(!parent.fits_under(Some(child)), "{child:?} / {parent:?}");
                }
            }
        }
    }

    #[test]
    fn roles_fit_only_their_domain() {
        assert!(Role::BankStaff.fits(OrgKind::BankBranch));
        assert!(Role::SupervisorEfficiency.fits(OrgKind::EfficiencyOffice));
        assert!(!Role::Handler.fits(OrgKind::BankBranch));
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
