//! The public policy search: a full-text index (Chinese, segmented) over title, document and
//! guide, rebuilt when the library changes. The index is keyed by the library's state (number
//! of policies and the latest change), read from the database on each search, so a change made
//! by another server process is seen at the next search too.

use crate::library::{PolicyHit, PolicyQuery, PolicyView, SearchResult, view};
use crate::status::PolicyStatus;
use crate::store::policies::{self as store, PolicyRow};
use qinqing_kernel::store::Conn;
use qinqing_kernel::{App, AppError, AppResult, Principal};
use qinqing_rules::model::Test;
use qinqing_search::{Filters, PolicyDoc, PolicyIndex};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

#[derive(Clone)]
struct CachedIndex {
    state: (i64, String),
    index: Arc<PolicyIndex>,
}

/// The search index with the library state it was built from, kept for the platform's life.
#[derive(Default)]
struct IndexCache(RwLock<Option<CachedIndex>>);

impl IndexCache {
    fn get(&self) -> Option<CachedIndex> {
        self.0
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    fn put(&self, index: CachedIndex) {
        *self
            .0
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(index);
    }
}

/// Searches the library. The public sees published and ended policies (published ones unless
/// a status is asked for); staff see their department's drafts as well.
pub async fn search(
    app: &App,
    who: Option<&Principal>,
    query: &PolicyQuery,
) -> AppResult<SearchResult> {
    let mut conn = app.db.conn().await?;
    let rows = store::list(&mut conn, None).await?;
    let index = index_for(app, &mut conn, &rows).await?;
    let visible: HashMap<&str, &PolicyRow> = rows
        .iter()
        .filter(|r| crate::library::is_visible(who, r))
        .map(|r| (r.slug.as_str(), r))
        .collect();
    let filters = Filters {
        level: query.level.clone(),
        department: query.department.clone(),
        topic: query.topic.clone(),
        industry: query.industry.clone(),
        status: Some(
            query
                .status
                .clone()
                .filter(|s| !s.trim().is_empty())
                .unwrap_or_else(|| PolicyStatus::Published.as_str().into()),
        ),
        mode: query.mode.clone(),
    };
    let hits = index
        .search(
            query.q.as_deref().unwrap_or(""),
            &filters,
            rows.len().max(1),
        )
        .map_err(|e| AppError::Internal(anyhow::anyhow!(e)))?;
    let items: Vec<PolicyHit> = hits
        .into_iter()
        .filter_map(|h| {
            visible.get(h.id.as_str()).map(|row| PolicyHit {
                policy: view(row),
                title_html: h.title_html,
                snippet_html: h.snippet_html,
            })
        })
        .collect();
    Ok(SearchResult {
        total: items.len(),
        items,
    })
}

async fn index_for(app: &App, conn: &mut Conn, rows: &[PolicyRow]) -> AppResult<Arc<PolicyIndex>> {
    let state = (
        i64::try_from(rows.len()).unwrap_or(i64::MAX),
        rows.iter()
            .map(|r| r.updated_at.to_rfc3339())
            .max()
            .unwrap_or_default(),
    );
    let cache = app.scene_state::<IndexCache>();
    if let Some(cached) = cache.get()
        && cached.state == state
    {
        return Ok(cached.index.clone());
    }
    let schema = crate::schema(conn).await?;
    let mut docs = Vec::with_capacity(rows.len());
    for row in rows {
        docs.push(document(conn, &schema, row).await?);
    }
    let index =
        Arc::new(PolicyIndex::build(&docs).map_err(|e| AppError::Internal(anyhow::anyhow!(e)))?);
    cache.put(CachedIndex {
        state,
        index: index.clone(),
    });
    Ok(index)
}

async fn document(
    conn: &mut Conn,
    schema: &qinqing_rules::Schema,
    row: &PolicyRow,
) -> AppResult<PolicyDoc> {
    let v: PolicyView = view(row);
    let version = row.published_version.unwrap_or(row.current_version);
    let definition = store::definition(conn, row.id, version)
        .await?
        .unwrap_or_default();
    let industries = qinqing_rules::parse_policy(&row.slug, &definition, schema)
        .map(|p| industries(&p, schema))
        .unwrap_or_default();
    let guide = &v.guide;
    let guide_text = [
        guide.who.as_str(),
        guide.conditions.as_str(),
        &guide.materials.join(" "),
        guide.deadline.as_str(),
        guide.contact.as_str(),
        v.offline_channel.as_deref().unwrap_or(""),
    ]
    .join("\n");
    Ok(PolicyDoc {
        id: v.id,
        title: v.title,
        document_text: v.document_text,
        guide: guide_text,
        level: v.level,
        department: v.department,
        topics: v.topics,
        industries,
        status: v.status.as_str().into(),
        mode: v.mode,
    })
}

/// The industry codes a policy's conditions name (every code under them qualifies); a policy
/// open to every industry is tagged with every section, so an industry filter keeps it.
fn industries(policy: &qinqing_rules::Policy, schema: &qinqing_rules::Schema) -> Vec<String> {
    let named = named_industries(policy, schema);
    if named.is_empty() {
        ('A'..='T').map(String::from).collect()
    } else {
        named
    }
}

fn named_industries(policy: &qinqing_rules::Policy, schema: &qinqing_rules::Schema) -> Vec<String> {
    let Some(industry) = schema.get("industry") else {
        return Vec::new();
    };
    policy
        .condition
        .leaves()
        .into_iter()
        .filter_map(|leaf| match &leaf.test {
            Test::Under { attr, codes } if attr.attr == industry => Some(codes.clone()),
            _ => None,
        })
        .flatten()
        .collect()
}
