//! 诉求必应: request categories, routing rules, the requests themselves and Open311 API keys.
//! State moves are conditional UPDATEs on the current status, so two people acting at once
//! cannot both move the same request.

use crate::model::{
    Channel, ExtensionStatus, FollowUpResult, OBJECT, RESOLUTION_CLOCK, RESPONSE_CLOCK,
    RequestStatus,
};
use chrono::{DateTime, Utc};
use qinqing_kernel::store::sql::{Arg, bind_all, escape_like, next};
use qinqing_kernel::store::{Conn, Result, stored, time};
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Category {
    pub code: String,
    pub name: String,
    pub description: String,
    pub group_name: String,
    pub keywords: String,
    pub limit_days: i64,
}

fn category_from_row(r: &AnyRow) -> Result<Category> {
    Ok(Category {
        code: r.try_get("code")?,
        name: r.try_get("name")?,
        description: r.try_get("description")?,
        group_name: r.try_get("group_name")?,
        keywords: r.try_get("keywords")?,
        limit_days: r.try_get("limit_days")?,
    })
}

const CATEGORY_COLUMNS: &str =
    "SELECT code, name, description, group_name, keywords, limit_days FROM request_category";

pub async fn categories(conn: &mut Conn) -> Result<Vec<Category>> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "{CATEGORY_COLUMNS} ORDER BY sort_order, code"
    )))
    .fetch_all(conn)
    .await?;
    rows.iter().map(category_from_row).collect()
}

pub async fn category(conn: &mut Conn, code: &str) -> Result<Option<Category>> {
    let row = sqlx::query(AssertSqlSafe(format!("{CATEGORY_COLUMNS} WHERE code = $1")))
        .bind(code)
        .fetch_optional(conn)
        .await?;
    row.map(|r| category_from_row(&r)).transpose()
}

/// One routing rule: a category's requests from regions starting with `region_prefix` go to
/// the organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub category_code: String,
    pub region_prefix: String,
    pub org_id: i64,
    pub org_name: String,
}

pub async fn routes(conn: &mut Conn) -> Result<Vec<Route>> {
    let rows = sqlx::query(
        "SELECT r.category_code, r.region_prefix, r.org_id, o.name AS org_name \
         FROM request_route r JOIN organisation o ON o.id = r.org_id \
         ORDER BY r.category_code, r.region_prefix",
    )
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Route {
                category_code: r.try_get("category_code")?,
                region_prefix: r.try_get("region_prefix")?,
                org_id: r.try_get("org_id")?,
                org_name: r.try_get("org_name")?,
            })
        })
        .collect()
}

/// Replaces every routing rule; `StoreError::Duplicate` when two name the same category and prefix.
pub async fn replace_routes(conn: &mut Conn, routes: &[(String, String, i64)]) -> Result<()> {
    sqlx::query("DELETE FROM request_route")
        .execute(&mut *conn)
        .await?;
    for (category, prefix, org) in routes {
        sqlx::query(
            "INSERT INTO request_route (category_code, region_prefix, org_id) VALUES ($1, $2, $3)",
        )
        .bind(category)
        .bind(prefix)
        .bind(*org)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// The organisation the most specific rule sends a category's request from `region` to.
pub async fn route_for(conn: &mut Conn, category: &str, region: &str) -> Result<Option<i64>> {
    let row = sqlx::query(
        "SELECT org_id FROM request_route WHERE category_code = $1 \
         AND substr($2, 1, length(region_prefix)) = region_prefix \
         ORDER BY length(region_prefix) DESC LIMIT 1",
    )
    .bind(category)
    .bind(region)
    .fetch_optional(conn)
    .await?;
    row.map(|r| r.try_get("org_id"))
        .transpose()
        .map_err(Into::into)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestRow {
    pub id: i64,
    pub receipt_no: String,
    pub enterprise_id: i64,
    pub credit_code: String,
    pub enterprise_name: String,
    pub region_code: String,
    pub category_code: String,
    pub category_name: String,
    pub limit_days: i64,
    /// A short subject: the 12345 ticket's 诉求标题, or the first words of the description.
    pub title: Option<String>,
    pub description: String,
    pub location: Option<String>,
    pub lat: Option<String>,
    pub lon: Option<String>,
    pub contact: Option<String>,
    pub channel: Channel,
    pub source_ref: Option<String>,
    pub registered_by: Option<i64>,
    pub owner_org_id: i64,
    pub owner_name: String,
    pub transferred_from: Option<i64>,
    pub transfer_reason: Option<String>,
    pub duplicate_of: Option<i64>,
    pub status: RequestStatus,
    pub grade: i64,
    pub reply: Option<String>,
    pub replied_at: Option<DateTime<Utc>>,
    pub extension_days: Option<i64>,
    pub extension_reason: Option<String>,
    pub extension_status: Option<ExtensionStatus>,
    pub follow_up_result: Option<FollowUpResult>,
    pub follow_up_comment: Option<String>,
    pub followed_up_at: Option<DateTime<Utc>>,
    pub submitted_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

pub(crate) const COLUMNS: &str = "SELECT q.id, q.receipt_no, q.enterprise_id, e.credit_code, \
    e.name AS enterprise_name, q.region_code, q.category_code, c.name AS category_name, \
    c.limit_days, q.title, q.description, q.location, q.lat, q.lon, q.contact, q.channel, q.source_ref, q.registered_by, \
    q.owner_org_id, o.name AS owner_name, q.transferred_from, q.transfer_reason, q.duplicate_of, \
    q.status, q.grade, q.reply, q.replied_at, q.extension_days, q.extension_reason, \
    q.extension_status, q.follow_up_result, q.follow_up_comment, q.followed_up_at, \
    q.submitted_at, q.updated_at \
    FROM request q JOIN enterprise e ON e.id = q.enterprise_id \
    JOIN request_category c ON c.code = q.category_code \
    JOIN organisation o ON o.id = q.owner_org_id";

fn optional_time(r: &AnyRow, column: &str) -> Result<Option<DateTime<Utc>>> {
    r.try_get::<Option<String>, _>(column)?
        .map(|s| time::from_text(&s))
        .transpose()
}

/// A column holding one of the model's kinds; a value the platform never writes is corrupt.
pub(crate) fn kind<K>(r: &AnyRow, column: &str, parse: fn(&str) -> Option<K>) -> Result<K> {
    let text: String = r.try_get(column)?;
    stored(column, parse(&text).ok_or(text))
}

fn optional_kind<K>(r: &AnyRow, column: &str, parse: fn(&str) -> Option<K>) -> Result<Option<K>> {
    let text: Option<String> = r.try_get(column)?;
    text.map(|t| stored(column, parse(&t).ok_or(t))).transpose()
}

pub(crate) fn from_row(r: &AnyRow) -> Result<RequestRow> {
    Ok(RequestRow {
        id: r.try_get("id")?,
        receipt_no: r.try_get("receipt_no")?,
        enterprise_id: r.try_get("enterprise_id")?,
        credit_code: r.try_get("credit_code")?,
        enterprise_name: r.try_get("enterprise_name")?,
        region_code: r.try_get("region_code")?,
        category_code: r.try_get("category_code")?,
        category_name: r.try_get("category_name")?,
        limit_days: r.try_get("limit_days")?,
        title: r.try_get("title")?,
        description: r.try_get("description")?,
        location: r.try_get("location")?,
        lat: r.try_get("lat")?,
        lon: r.try_get("lon")?,
        contact: r.try_get("contact")?,
        channel: kind(r, "channel", Channel::parse)?,
        source_ref: r.try_get("source_ref")?,
        registered_by: r.try_get("registered_by")?,
        owner_org_id: r.try_get("owner_org_id")?,
        owner_name: r.try_get("owner_name")?,
        transferred_from: r.try_get("transferred_from")?,
        transfer_reason: r.try_get("transfer_reason")?,
        duplicate_of: r.try_get("duplicate_of")?,
        status: kind(r, "status", RequestStatus::parse)?,
        grade: r.try_get("grade")?,
        reply: r.try_get("reply")?,
        replied_at: optional_time(r, "replied_at")?,
        extension_days: r.try_get("extension_days")?,
        extension_reason: r.try_get("extension_reason")?,
        extension_status: optional_kind(r, "extension_status", ExtensionStatus::parse)?,
        follow_up_result: optional_kind(r, "follow_up_result", FollowUpResult::parse)?,
        follow_up_comment: r.try_get("follow_up_comment")?,
        followed_up_at: optional_time(r, "followed_up_at")?,
        submitted_at: time::from_text(&r.try_get::<String, _>("submitted_at")?)?,
        updated_at: time::from_text(&r.try_get::<String, _>("updated_at")?)?,
    })
}

pub struct NewRequest<'a> {
    pub receipt_no: &'a str,
    pub enterprise_id: i64,
    pub region_code: &'a str,
    pub category_code: &'a str,
    pub title: Option<&'a str>,
    pub description: &'a str,
    pub location: Option<&'a str>,
    pub lat: Option<&'a str>,
    pub lon: Option<&'a str>,
    pub contact: Option<&'a str>,
    pub channel: Channel,
    pub source_ref: Option<&'a str>,
    pub registered_by: Option<i64>,
    pub submit_key: Option<&'a str>,
    pub owner_org_id: i64,
}

/// Inserts an open request of grade 1; `StoreError::Duplicate` on a reused submit key.
pub async fn insert(conn: &mut Conn, r: &NewRequest<'_>, now: DateTime<Utc>) -> Result<i64> {
    let row = sqlx::query(
        "INSERT INTO request (receipt_no, enterprise_id, region_code, category_code, description, \
         location, lat, lon, contact, channel, source_ref, registered_by, submit_key, owner_org_id, \
         status, grade, submitted_at, updated_at, title) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, \
         $10, $11, $12, $13, $14, 'open', 1, $15, $15, $16) RETURNING id",
    )
    .bind(r.receipt_no)
    .bind(r.enterprise_id)
    .bind(r.region_code)
    .bind(r.category_code)
    .bind(r.description)
    .bind(r.location)
    .bind(r.lat)
    .bind(r.lon)
    .bind(r.contact)
    .bind(r.channel.as_str())
    .bind(r.source_ref)
    .bind(r.registered_by)
    .bind(r.submit_key)
    .bind(r.owner_org_id)
    .bind(time::to_text(now))
    .bind(r.title)
    .fetch_one(conn)
    .await?;
    Ok(row.try_get("id")?)
}

/// The request that came from `channel` under the source system's reference (a 12345 工单编号).
pub async fn by_source_ref(
    conn: &mut Conn,
    channel: Channel,
    source_ref: &str,
) -> Result<Option<RequestRow>> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "{COLUMNS} WHERE q.channel = $1 AND q.source_ref = $2 ORDER BY q.id LIMIT 1"
    )))
    .bind(channel.as_str())
    .bind(source_ref)
    .fetch_optional(conn)
    .await?;
    row.map(|r| from_row(&r)).transpose()
}

pub async fn by_submit_key(
    conn: &mut Conn,
    enterprise_id: i64,
    key: &str,
) -> Result<Option<RequestRow>> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "{COLUMNS} WHERE q.enterprise_id = $1 AND q.submit_key = $2"
    )))
    .bind(enterprise_id)
    .bind(key)
    .fetch_optional(conn)
    .await?;
    row.map(|r| from_row(&r)).transpose()
}

pub async fn get(conn: &mut Conn, id: i64) -> Result<Option<RequestRow>> {
    let row = sqlx::query(AssertSqlSafe(format!("{COLUMNS} WHERE q.id = $1")))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.map(|r| from_row(&r)).transpose()
}

pub async fn get_by_receipt(conn: &mut Conn, receipt_no: &str) -> Result<Option<RequestRow>> {
    let row = sqlx::query(AssertSqlSafe(format!("{COLUMNS} WHERE q.receipt_no = $1")))
        .bind(receipt_no)
        .fetch_optional(conn)
        .await?;
    row.map(|r| from_row(&r)).transpose()
}

/// What a listing narrows to; every field optional.
#[derive(Debug, Clone, Default)]
pub struct RequestFilter {
    /// Requests of these enterprises only (empty: any).
    pub credit_codes: Vec<String>,
    /// Requests of enterprises whose division code starts with this.
    pub region_prefix: Option<String>,
    pub receipt_nos: Vec<String>,
    pub category_codes: Vec<String>,
    pub statuses: Vec<RequestStatus>,
    pub submitted_from: Option<DateTime<Utc>>,
    pub submitted_to: Option<DateTime<Utc>>,
    /// Only what this reader may see (the SQL twin of the use cases' `may_see`).
    pub seen_by: Option<SeenBy>,
    /// Requests this organisation owns now.
    pub owner_org_id: Option<i64>,
    /// Requests with a running clock due before this time.
    pub overdue_at: Option<DateTime<Utc>>,
    /// Text in the title, the receipt number or the enterprise's name, ignoring case.
    pub search: Option<String>,
    pub limit: i64,
    pub offset: i64,
}

/// Who reads a listing, as far as the SQL can tell: a request is listed when any of these holds.
#[derive(Debug, Clone, Default)]
pub struct SeenBy {
    /// The reader's organisation: it owns the request now or transferred it away.
    pub org_id: Option<i64>,
    /// The reader registered the request.
    pub user_id: i64,
    /// The reader acts for these enterprises (the enterprise itself, its steward).
    pub credit_codes: Vec<String>,
    /// The reader watches this region: `Some("")` is everywhere.
    pub region_prefix: Option<String>,
}

fn seen_by_sql(seen: &SeenBy, args: &mut Vec<Arg>) -> String {
    let mut any = vec![format!(
        "q.registered_by = {}",
        next(Arg::Int(seen.user_id), args)
    )];
    if let Some(org) = seen.org_id {
        let mark = next(Arg::Int(org), args);
        any.push(format!(
            "q.owner_org_id = {mark} OR q.transferred_from = {mark}"
        ));
    }
    if !seen.credit_codes.is_empty() {
        let marks: Vec<String> = seen
            .credit_codes
            .iter()
            .map(|c| next(Arg::Text(c.clone()), args))
            .collect();
        any.push(format!("e.credit_code IN ({})", marks.join(", ")));
    }
    if let Some(prefix) = &seen.region_prefix {
        let mark = next(Arg::Text(format!("{}%", escape_like(prefix))), args);
        any.push(format!("q.region_code LIKE {mark} ESCAPE '\\'"));
    }
    format!("({})", any.join(" OR "))
}

/// The WHERE clause of `filter` and its arguments.
fn filter_sql(filter: &RequestFilter) -> (String, Vec<Arg>) {
    let mut args = Vec::new();
    let mut conditions = Vec::new();
    let mut any_of = |column: &str, values: &[String], args: &mut Vec<Arg>| {
        if !values.is_empty() {
            let marks: Vec<String> = values
                .iter()
                .map(|v| next(Arg::Text(v.clone()), args))
                .collect();
            conditions.push(format!("{column} IN ({})", marks.join(", ")));
        }
    };
    any_of("e.credit_code", &filter.credit_codes, &mut args);
    any_of("q.receipt_no", &filter.receipt_nos, &mut args);
    any_of("q.category_code", &filter.category_codes, &mut args);
    let statuses: Vec<String> = filter.statuses.iter().map(|s| s.as_str().into()).collect();
    any_of("q.status", &statuses, &mut args);
    if let Some(prefix) = &filter.region_prefix {
        let mark = next(Arg::Text(format!("{}%", escape_like(prefix))), &mut args);
        conditions.push(format!("q.region_code LIKE {mark} ESCAPE '\\'"));
    }
    if let Some(from) = filter.submitted_from {
        let mark = next(Arg::Text(time::to_text(from)), &mut args);
        conditions.push(format!("q.submitted_at >= {mark}"));
    }
    if let Some(to) = filter.submitted_to {
        let mark = next(Arg::Text(time::to_text(to)), &mut args);
        conditions.push(format!("q.submitted_at <= {mark}"));
    }
    if let Some(seen) = &filter.seen_by {
        conditions.push(seen_by_sql(seen, &mut args));
    }
    if let Some(org) = filter.owner_org_id {
        conditions.push(format!(
            "q.owner_org_id = {}",
            next(Arg::Int(org), &mut args)
        ));
    }
    if let Some(at) = filter.overdue_at {
        let mark = next(Arg::Text(time::to_text(at)), &mut args);
        conditions.push(format!(
            "EXISTS (SELECT 1 FROM deadline d WHERE d.object_type = '{OBJECT}' \
             AND d.object_id = q.receipt_no AND d.kind IN ('{RESPONSE_CLOCK}', '{RESOLUTION_CLOCK}') \
             AND d.state = 'running' AND d.due_at < {mark})"
        ));
    }
    if let Some(text) = &filter.search {
        let pattern = format!("%{}%", escape_like(&text.to_lowercase()));
        let mark = next(Arg::Text(pattern), &mut args);
        conditions.push(format!(
            "(LOWER(COALESCE(q.title, '')) LIKE {mark} ESCAPE '\\' \
             OR LOWER(q.receipt_no) LIKE {mark} ESCAPE '\\' OR LOWER(e.name) LIKE {mark} ESCAPE '\\')"
        ));
    }
    let sql = if conditions.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", conditions.join(" AND "))
    };
    (sql, args)
}

/// Requests matching `filter`, newest first, `filter.limit` of them after `filter.offset`.
pub async fn list(conn: &mut Conn, filter: &RequestFilter) -> Result<Vec<RequestRow>> {
    let (filter_sql, args) = filter_sql(filter);
    let sql = format!(
        "{COLUMNS}{filter_sql} ORDER BY q.submitted_at DESC, q.id DESC LIMIT {} OFFSET {}",
        filter.limit.max(0),
        filter.offset.max(0)
    );
    let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), &args)
        .fetch_all(conn)
        .await?;
    rows.iter().map(from_row).collect()
}

/// How many requests match `filter`, on every page.
pub async fn count(conn: &mut Conn, filter: &RequestFilter) -> Result<i64> {
    let (filter_sql, args) = filter_sql(filter);
    let sql = format!(
        "SELECT COUNT(*) AS n FROM request q JOIN enterprise e ON e.id = q.enterprise_id{filter_sql}"
    );
    let row = bind_all(sqlx::query(AssertSqlSafe(sql)), &args)
        .fetch_one(conn)
        .await?;
    Ok(row.try_get("n")?)
}

/// Whether request `of` is another, still open request of the same enterprise and category.
pub async fn is_open_twin(conn: &mut Conn, r: &RequestRow, of: i64) -> Result<bool> {
    let row = sqlx::query(
        "SELECT id FROM request WHERE id = $1 AND id <> $2 AND enterprise_id = $3 \
         AND category_code = $4 AND status IN ('open', 'accepted', 'reopened', 'replied')",
    )
    .bind(of)
    .bind(r.id)
    .bind(r.enterprise_id)
    .bind(&r.category_code)
    .fetch_optional(conn)
    .await?;
    Ok(row.is_some())
}

/// One state move: the columns it sets (`column = $n`, placeholders numbered from 3 in the
/// order the values are added), allowed only from the `from` statuses.
pub struct Move<'a> {
    pub from: &'a [RequestStatus],
    pub set: &'a str,
    args: Vec<Arg>,
}

impl<'a> Move<'a> {
    pub fn new(from: &'a [RequestStatus], set: &'a str) -> Self {
        Move {
            from,
            set,
            args: Vec::new(),
        }
    }

    pub fn text(mut self, value: &str) -> Self {
        self.args.push(Arg::Text(value.to_string()));
        self
    }

    pub fn int(mut self, value: i64) -> Self {
        self.args.push(Arg::Int(value));
        self
    }
}

/// Applies a move; false when the request was not in one of its `from` statuses. The statuses
/// are the use cases' own constants, never input, so they are written into the SQL.
pub async fn apply(conn: &mut Conn, id: i64, m: Move<'_>, now: DateTime<Utc>) -> Result<bool> {
    let statuses: Vec<String> = m.from.iter().map(|s| format!("'{}'", s.as_str())).collect();
    let sql = format!(
        "UPDATE request SET {}, updated_at = $1 WHERE id = $2 AND status IN ({})",
        m.set,
        statuses.join(", ")
    );
    let mut args = vec![Arg::Text(time::to_text(now)), Arg::Int(id)];
    args.extend(m.args);
    let done = bind_all(sqlx::query(AssertSqlSafe(sql)), &args)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Replied requests whose reply is older than `replied_before`, oldest first: those whose
/// follow-up window has passed.
pub async fn replied_before(
    conn: &mut Conn,
    replied_before: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<RequestRow>> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "{COLUMNS} WHERE q.status = 'replied' AND q.replied_at <= $1 ORDER BY q.replied_at LIMIT $2"
    )))
    .bind(time::to_text(replied_before))
    .bind(limit)
    .fetch_all(conn)
    .await?;
    rows.iter().map(from_row).collect()
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKey {
    pub id: i64,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// Stores a key's hash; `StoreError::Duplicate` when the name is taken.
pub async fn insert_api_key(
    conn: &mut Conn,
    name: &str,
    key_hash: &str,
    created_by: i64,
    now: DateTime<Utc>,
) -> Result<i64> {
    let row = sqlx::query(
        "INSERT INTO api_key (name, key_hash, created_by, created_at) VALUES ($1, $2, $3, $4) \
         RETURNING id",
    )
    .bind(name)
    .bind(key_hash)
    .bind(created_by)
    .bind(time::to_text(now))
    .fetch_one(conn)
    .await?;
    Ok(row.try_get("id")?)
}

pub async fn api_keys(conn: &mut Conn) -> Result<Vec<ApiKey>> {
    let rows = sqlx::query("SELECT id, name, created_at, revoked_at FROM api_key ORDER BY id")
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(ApiKey {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
                created_at: time::from_text(&r.try_get::<String, _>("created_at")?)?,
                revoked_at: optional_time(r, "revoked_at")?,
            })
        })
        .collect()
}

/// Revokes a key once; false when there is no such live key.
pub async fn revoke_api_key(conn: &mut Conn, id: i64, now: DateTime<Utc>) -> Result<bool> {
    let done =
        sqlx::query("UPDATE api_key SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
            .bind(time::to_text(now))
            .bind(id)
            .execute(conn)
            .await?;
    Ok(done.rows_affected() == 1)
}

/// The name of the live key with this hash.
pub async fn api_key_name(conn: &mut Conn, key_hash: &str) -> Result<Option<String>> {
    let row = sqlx::query("SELECT name FROM api_key WHERE key_hash = $1 AND revoked_at IS NULL")
        .bind(key_hash)
        .fetch_optional(conn)
        .await?;
    row.map(|r| r.try_get("name"))
        .transpose()
        .map_err(Into::into)
}

/// 好差评 for 部门评分: the enterprises' answers at the follow-up call (回访) in the period, by the
/// department that owned the request; 满意 and 基本满意 count good.
pub async fn scorecard_counts(
    conn: &mut Conn,
    scope: &qinqing_kernel::scorecard::ScoreScope<'_>,
) -> Result<Vec<qinqing_kernel::scorecard::Count>> {
    let sql = "SELECT owner_org_id AS org_id, \
           SUM(CASE WHEN follow_up_result IN ('satisfied', 'basic') THEN 1 ELSE 0 END) AS good, \
           COUNT(*) AS total \
         FROM request \
         WHERE follow_up_result IS NOT NULL AND followed_up_at >= $1 AND followed_up_at < $2 \
           AND region_code LIKE $3 ESCAPE '\\' \
         GROUP BY owner_org_id";
    let measure = qinqing_kernel::scorecard::Measure::Satisfaction;
    qinqing_kernel::store::scorecard::read_counts(conn, measure, sql, scope).await
}
