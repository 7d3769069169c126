//! Benefit-policy fulfilment (惠企政策兑现), a scene of the Qinqing platform: the policy library,
//! what an enterprise may get, the application and its graded review, 免申即享 grants, pushes to
//! eligible enterprises, ratings, integrity records with clawbacks, and payment straight to the
//! enterprise's account (直达付). The rules engine decides eligibility and amounts; the scene
//! keeps the policy's definition file as the source of truth for its title, department, level,
//! mode and period, and adds what the engine does not know: the document, the application guide,
//! the review stages, the budget.

pub mod allocation;
pub mod api;
pub mod applications;
pub mod applying;
pub mod auto_grant;
pub mod builder;
pub mod dashboard;
pub mod demo;
pub mod entitlements;
pub mod explanation;
pub mod flags;
pub mod front;
pub mod funding;
pub mod grant_rules;
pub mod grant_run;
pub mod integrity;
pub mod library;
mod library_cache;
pub mod materials;
pub mod messages;
pub mod pages;
pub mod payouts;
pub mod progress;
pub mod publication_pushes;
pub mod pushes;
pub mod ratings;
pub mod response;
pub mod review;
pub mod scene;
pub mod search;
pub mod status;
pub mod store;
pub mod terms;

use crate::status::PolicyStatus;
use crate::store::policies::{self as policy_store, PolicyRow};
use qinqing_domain::Money;
use qinqing_kernel::store::enterprises::Enterprise;
use qinqing_kernel::store::enterprises_bulk;
use qinqing_kernel::store::{Conn, settings};
use qinqing_kernel::{App, AppError, AppResult};
use qinqing_rules::{Facts, Policy, PolicySet, Schema};
use std::collections::BTreeMap;
use std::sync::Arc;

/// The scene, for the binary's list of scenes.
pub fn scene() -> std::sync::Arc<dyn qinqing_kernel::web::WebScene> {
    std::sync::Arc::new(scene::Policies)
}

/// The setting that holds the custom attributes policies may test (the rules engine's
/// `attributes.toml`).
pub const POLICY_ATTRIBUTES: &str = "policy_attributes";

/// The names of the platform's divisions (the district, its towns and villages) by code, so
/// that explanations say "东园镇" where the rules test "350521102", and a village with its town
/// ("东园镇东园村"), as an address reads.
pub async fn region_names(conn: &mut Conn) -> AppResult<qinqing_rules::RegionNames> {
    let own: BTreeMap<String, String> = qinqing_kernel::store::orgs::list_non_enterprise(conn)
        .await?
        .into_iter()
        // Departments carry their division's code too; only the division itself names it.
        .filter(|o| o.kind.is_division())
        .filter_map(|o| Some((o.division_code?.as_str().to_string(), o.name)))
        .collect();
    Ok(own
        .iter()
        .map(|(code, name)| {
            let town = qinqing_domain::DivisionCode::parse(code)
                .ok()
                .filter(|c| c.level() == qinqing_domain::region::DivisionLevel::Village)
                .and_then(|c| c.parent())
                .and_then(|t| own.get(t.as_str()));
            let full = match town {
                Some(town) => format!("{town}{name}"),
                None => name.clone(),
            };
            (code.clone(), full)
        })
        .collect())
}

/// The attribute schema policies are written against: the standard profile fields plus the
/// custom attributes the administrator declared (`attributes.toml`).
pub async fn schema(conn: &mut Conn) -> AppResult<Arc<Schema>> {
    let attributes = settings::get(conn, POLICY_ATTRIBUTES).await?;
    library_cache::schema_of(attributes.as_deref(), || schema_of(attributes.as_deref()))
}

/// The schema of a stored attribute catalogue (none: the standard one).
fn schema_of(attributes: Option<&str>) -> AppResult<Schema> {
    match attributes {
        Some(src) => Schema::with_custom("attributes.toml", src).map_err(|d| {
            AppError::Internal(anyhow::anyhow!(
                "stored policy attributes do not parse: {}",
                d.first().map_or(String::new(), |d| d.message_en.clone())
            ))
        }),
        None => Ok(Schema::standard()),
    }
}

/// The published library as the rules engine sees it, with the rows it came from (in the
/// set's order of policy ids).
pub(crate) struct Published {
    pub set: Arc<PolicySet>,
    pub rows: Vec<PolicyRow>,
}

impl Published {
    pub fn row_of(&self, slug: &str) -> Option<&PolicyRow> {
        self.rows.iter().find(|r| r.slug == slug)
    }
}

/// A stored published definition, which parsed when it was published.
pub(crate) fn parse_stored(schema: &Schema, id: i64, version: i64, src: &str) -> AppResult<Policy> {
    let file = format!("policy-{id}-v{version}.toml");
    qinqing_rules::parse_policy(&file, src, schema).map_err(|d| {
        AppError::Internal(anyhow::anyhow!(
            "published definition {file} no longer parses: {}",
            d.first().map_or(String::new(), |d| d.message_en.clone())
        ))
    })
}

pub(crate) async fn published(conn: &mut Conn) -> AppResult<Published> {
    let attributes = settings::get(conn, POLICY_ATTRIBUTES).await?;
    let definitions = policy_store::published_definitions(conn).await?;
    let set = library_cache::set_of(attributes.as_deref(), &definitions, || {
        let schema = schema_of(attributes.as_deref())?;
        let policies = definitions
            .iter()
            .map(|(id, version, src)| parse_stored(&schema, *id, *version, src))
            .collect::<AppResult<Vec<_>>>()?;
        PolicySet::new(schema, policies).map_err(|d| {
            AppError::Internal(anyhow::anyhow!(
                "published policies conflict: {}",
                d.first().map_or(String::new(), |d| d.message_en.clone())
            ))
        })
    })?;
    // The rows are read fresh each time: their budgets move with every grant.
    let mut by_slug: BTreeMap<String, PolicyRow> =
        policy_store::list(conn, Some(PolicyStatus::Published))
            .await?
            .into_iter()
            .map(|row| (row.slug.clone(), row))
            .collect();
    let rows = set
        .policies
        .iter()
        .filter_map(|p| by_slug.remove(&p.id))
        .collect();
    Ok(Published { set, rows })
}

/// What the platform knows about an enterprise, as facts for the rules engine.
/// Other scenes add what they know (a breached commitment).
pub(crate) async fn enterprise_facts(
    app: &App,
    conn: &mut Conn,
    enterprise: &Enterprise,
) -> AppResult<Facts> {
    let facts = facts_of_many(app, conn, std::slice::from_ref(enterprise)).await?;
    facts
        .into_iter()
        .next()
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("no facts read for an enterprise")))
}

/// [`enterprise_facts`] of each of `enterprises`, in their order, read a few statements per
/// 256 enterprises: long work over the whole register reads it a chunk at a time.
pub(crate) async fn facts_of_many(
    app: &App,
    conn: &mut Conn,
    enterprises: &[Enterprise],
) -> AppResult<Vec<Facts>> {
    let ids: Vec<i64> = enterprises.iter().map(|e| e.id).collect();
    let mut years = enterprises_bulk::years_of(conn, &ids).await?;
    let mut qualifications = enterprises_bulk::qualifications_of(conn, &ids).await?;
    let mut histories = grant_rules::histories(conn, &ids).await?;
    let mut facts: Vec<Facts> = enterprises
        .iter()
        .map(|e| {
            let years = years.remove(&e.id).unwrap_or_default();
            let qualifications = qualifications.remove(&e.id).unwrap_or_default();
            let mut facts = Facts::from_profile(&e.identity, &qualifications, &years);
            facts.set_grants(Some(histories.remove(&e.id).unwrap_or_default()));
            facts
        })
        .collect();
    for scene in app.scenes() {
        scene
            .add_enterprise_facts(conn, enterprises, &mut facts)
            .await?;
    }
    Ok(facts)
}

/// Reads a definition against the stored schema; its problems, each with its line, are one
/// error of `field`.
pub(crate) fn parse_definition(
    schema: &Schema,
    definition: &str,
    field: &str,
) -> AppResult<qinqing_rules::Policy> {
    qinqing_rules::parse_policy("definition.toml", definition, schema).map_err(|diags| {
        let message = diags
            .iter()
            .map(|d| format!("第 {} 行:{}", d.line, d.message_zh))
            .collect::<Vec<_>>()
            .join(";");
        AppError::invalid(field, message)
    })
}

/// Amounts as people read them: "¥1,234.56".
pub fn yuan(fen: i64) -> String {
    format!("¥{}", Money::from_fen(fen).format_grouped())
}

/// A policy's level (国家级, 省级, …) as people read it.
pub fn level_label(level: &str) -> &'static str {
    match level {
        "national" => "国家级",
        "provincial" => "省级",
        "municipal" => "市级",
        "district" => "区级",
        _ => "其他",
    }
}

/// The policy with this id, or "no such policy".
pub(crate) async fn row_by_slug(conn: &mut Conn, slug: &str) -> AppResult<PolicyRow> {
    store::policies::get_by_slug(conn, slug)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("没有编号为“{slug}”的政策")))
}

/// The policy with this id, read after taking its row, for a caller `may` allows to change it:
/// what is checked against its budgets (committed, reserved) stays true until the transaction
/// ends, whatever a grant does meanwhile. `may` is asked of the row before it is taken, so a
/// caller refused never holds its grants back, and again after (an administrator may have moved
/// the policy to another department in between).
pub(crate) async fn locked_row_by_slug(
    conn: &mut Conn,
    slug: &str,
    may: impl Fn(&PolicyRow) -> bool,
    refusal: &str,
) -> AppResult<PolicyRow> {
    let unlocked = row_by_slug(conn, slug).await?;
    if !may(&unlocked) {
        return Err(AppError::forbidden(refusal));
    }
    store::policies::lock(conn, unlocked.id).await?;
    let row = row_by_slug(conn, slug).await?;
    if !may(&row) {
        return Err(AppError::forbidden(refusal));
    }
    Ok(row)
}
