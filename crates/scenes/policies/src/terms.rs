//! 谁可以享受 and 可享多少 on a policy's page: the rules engine's terms of the version the
//! visitor sees, with the platform's names for regions; and, for a user acting for
//! enterprises, where each of them stands with the policy (the same evaluation as "我的可享政策").

use crate::entitlements::{self, Entitlement};
use crate::library::PolicyView;
use crate::row_by_slug;
use crate::store::policies as store;
use qinqing_domain::CreditCode;
use qinqing_kernel::{App, AppError, AppResult, Principal};
use qinqing_rules::Terms;

/// The terms of the policy as `p` shows it, for policy year `year` or, when the policy is not in
/// force then, the nearest year it is.
pub async fn of_policy(app: &App, p: &PolicyView, year: i32) -> AppResult<Terms> {
    let mut conn = app.db.conn().await?;
    let row = row_by_slug(&mut conn, &p.id).await?;
    // The public sees the version in force; a draft only its department, as it now reads.
    let version = p.published_version.unwrap_or(p.current_version);
    let definition = store::definition(&mut conn, row.id, version)
        .await?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("{} has no version {version}", p.id)))?;
    let schema = crate::schema(&mut conn).await?;
    let policy = crate::parse_definition(&schema, &definition, "definition")?;
    let names = crate::region_names(&mut conn).await?;
    let year = policy.nearest_year_in_force(year);
    Ok(qinqing_rules::terms(&policy, &schema, year, Some(&names)))
}

/// Where one enterprise stands with a policy in a policy year.
pub struct Standing {
    pub credit_code: String,
    pub name: String,
    pub year: i32,
    pub entitlement: Entitlement,
}

impl Standing {
    /// The conditions the enterprise does not meet, in words.
    pub fn unmet(&self) -> impl Iterator<Item = &str> {
        self.entitlement
            .checks
            .iter()
            .filter(|c| c.status == "failed")
            .map(|c| c.sentence.as_str())
    }
}

/// Where each of the caller's enterprises stands with the published policy `slug` in `year`;
/// nothing for a policy not published.
pub async fn standings(
    app: &App,
    who: &Principal,
    codes: &[CreditCode],
    slug: &str,
    year: i32,
) -> AppResult<Vec<Standing>> {
    let mut out = Vec::new();
    for code in codes {
        let all = entitlements::for_enterprise(app, who, code, year).await?;
        let found = all
            .eligible
            .into_iter()
            .chain(all.undetermined)
            .chain(all.ineligible)
            .find(|e| e.policy_id == slug);
        if let Some(entitlement) = found {
            out.push(Standing {
                credit_code: all.credit_code,
                name: all.name,
                year: all.year,
                entitlement,
            });
        }
    }
    Ok(out)
}
