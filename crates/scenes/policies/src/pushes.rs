//! 精准推送: the platform tells enterprises about the policies that concern them — by machine
//! match (the published policy finds the enterprise eligible), by subscription (the enterprise
//! asked for a topic, a department or a level) and by staff push (a department sends one of its
//! policies to enterprises filtered by region and industry). Each push is a line in the push log
//! and a message (站内信, and SMS through the outbox); the log's unique (policy, enterprise) pair
//! makes an enterprise hear about a policy once, whatever way and however often it matches.
//!
//! Pushes on a profile change run inside the transaction that changes, so a push (and its
//! message) exists exactly when the change was committed. Pushes on publication go out after it,
//! in chunks (`publication_pushes`).

use crate::store::policies::{self as policy_store, PolicyRow};
use crate::store::pushes::{self as store, NewPush, PushRow};
use crate::{level_label, row_by_slug};
use chrono::{DateTime, Datelike, Utc};
use qinqing_domain::org::{OrgKind, Role};
use qinqing_domain::{CreditCode, Money};
use qinqing_kernel::audit::{self, Change};
use qinqing_kernel::enterprises::visible_enterprise;
use qinqing_kernel::error::FieldErrors;
use qinqing_kernel::listing::{Paged, Queue};
use qinqing_kernel::notifications::{self, NewMessage, Prepared};
use qinqing_kernel::store::enterprises::{
    self as enterprise_store, Enterprise, ListFilter, ScopeFilter,
};
use qinqing_kernel::store::{Conn, StoreError, orgs, users};
use qinqing_kernel::{App, AppError, AppResult, Principal, RequestMeta};
use qinqing_rules::{EvalOptions, Outcome, Policy, Schema, evaluate};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap, HashSet};
use utoipa::ToSchema;

pub const KINDS: [&str; 3] = ["topic", "department", "level"];
pub const LEVELS: [&str; 4] = ["national", "provincial", "municipal", "district"];

pub fn kind_label(kind: &str) -> &'static str {
    match kind {
        "topic" => "主题",
        "department" => "部门",
        "level" => "层级",
        _ => "其他",
    }
}

pub fn channel_label(channel: &str) -> &'static str {
    match channel {
        "machine" => "精准匹配",
        "subscription" => "订阅",
        "staff" => "部门推送",
        _ => "其他",
    }
}

/// One subscription as the enterprise gives it: `kind` topic | department | level, and the
/// topic word, the department's organisation id, or the level (national | provincial |
/// municipal | district).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SubscriptionInput {
    pub kind: String,
    pub value: String,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct SubscriptionsInput {
    /// The whole set: what is not listed is unsubscribed.
    pub subscriptions: Vec<SubscriptionInput>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SubscriptionView {
    pub kind: String,
    pub kind_label: &'static str,
    pub value: String,
    /// The value in words: the department's name, "区级", or the topic itself.
    pub value_label: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Subscriptions {
    pub credit_code: String,
    pub subscriptions: Vec<SubscriptionView>,
}

/// One line of the push log.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PushView {
    pub policy_id: String,
    pub policy_title: String,
    pub policy_version: i64,
    pub credit_code: String,
    pub enterprise_name: String,
    /// machine | subscription | staff
    pub channel: String,
    pub channel_label: &'static str,
    /// The staff member who pushed (channel staff).
    pub pushed_by: Option<String>,
    pub pushed_at: DateTime<Utc>,
    /// What the policy gives the enterprise, yuan, when it was eligible at the push.
    pub amount: Option<String>,
}

fn push_view(r: &PushRow) -> PushView {
    PushView {
        policy_id: r.policy_slug.clone(),
        policy_title: r.policy_title.clone(),
        policy_version: r.policy_version,
        credit_code: r.credit_code.clone(),
        enterprise_name: r.enterprise_name.clone(),
        channel: r.channel.clone(),
        channel_label: channel_label(&r.channel),
        pushed_by: r.pushed_by_name.clone(),
        pushed_at: r.pushed_at,
        amount: r.amount.map(|f| Money::from_fen(f).to_string()),
    }
}

/// A staff push: enterprises whose region code and/or industry code start with these.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct PushInput {
    /// A division code prefix ("350521"), within the caller's scope.
    pub region: Option<String>,
    /// A GB/T 4754 industry code prefix ("C39").
    pub industry: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct PushReport {
    pub policy_id: String,
    /// Enterprises the filter (and the caller's scope) selected.
    pub matched: usize,
    /// Newly told.
    pub pushed: usize,
    /// Told about the policy before (by any channel): not told again.
    pub already_pushed: usize,
    /// Of the newly told, those the policy finds eligible.
    pub eligible: usize,
}

// ---- subscriptions ----

/// Subscriptions are the enterprise's own: its users and its steward manage them.
async fn own_enterprise(
    conn: &mut Conn,
    who: &Principal,
    code: &CreditCode,
) -> AppResult<Enterprise> {
    if !matches!(who.role, Role::EnterpriseUser | Role::Steward) {
        return Err(AppError::forbidden(
            "只有企业用户或亲清管家可以管理政策订阅",
        ));
    }
    visible_enterprise(conn, who, code).await
}

async fn views(conn: &mut Conn, enterprise: &Enterprise) -> AppResult<Subscriptions> {
    let mut out = Vec::new();
    for s in store::subscriptions(conn, enterprise.id).await? {
        let value_label = match s.kind.as_str() {
            "department" => match s.value.parse::<i64>() {
                Ok(id) => orgs::get(conn, id)
                    .await?
                    .map_or_else(|| s.value.clone(), |o| o.name),
                Err(_) => s.value.clone(),
            },
            "level" => level_label(&s.value).to_string(),
            _ => s.value.clone(),
        };
        out.push(SubscriptionView {
            kind_label: kind_label(&s.kind),
            kind: s.kind,
            value: s.value,
            value_label,
            created_at: s.created_at,
        });
    }
    Ok(Subscriptions {
        credit_code: enterprise.identity.credit_code.to_string(),
        subscriptions: out,
    })
}

pub async fn list_subscriptions(
    app: &App,
    who: &Principal,
    code: &CreditCode,
) -> AppResult<Subscriptions> {
    let mut conn = app.db.conn().await?;
    let enterprise = own_enterprise(&mut conn, who, code).await?;
    views(&mut conn, &enterprise).await
}

/// Checks and normalises subscriptions; all mistakes at once.
async fn parse_subscriptions(
    conn: &mut Conn,
    input: &[SubscriptionInput],
) -> AppResult<BTreeSet<(String, String)>> {
    let mut errors = FieldErrors::default();
    let mut out = BTreeSet::new();
    for (i, s) in input.iter().enumerate() {
        let field = format!("subscriptions[{i}]");
        let kind = s.kind.trim();
        let value = s.value.trim();
        match kind {
            "topic" => {
                if value.is_empty() || value.chars().count() > 40 {
                    errors.add(&field, "主题须为 1–40 个字");
                    continue;
                }
            }
            "department" => {
                let dept = match value.parse::<i64>() {
                    Ok(id) => orgs::get(conn, id).await?,
                    Err(_) => None,
                };
                if !dept.is_some_and(|o| o.kind == OrgKind::Department) {
                    errors.add(&field, "请选择一个政府部门");
                    continue;
                }
            }
            "level" => {
                if !LEVELS.contains(&value) {
                    errors.add(&field, "层级应为国家级、省级、市级或区级");
                    continue;
                }
            }
            _ => {
                errors.add(&field, "订阅类别应为主题、部门或层级");
                continue;
            }
        }
        out.insert((kind.to_string(), value.to_string()));
    }
    if out.len() > 50 {
        errors.add("subscriptions", "订阅最多 50 项");
    }
    errors.finish()?;
    Ok(out)
}

async fn record_subscriptions(
    conn: &mut Conn,
    who: &Principal,
    meta: &RequestMeta,
    code: &CreditCode,
    added: &[(String, String)],
    removed: &[(String, String)],
    now: DateTime<Utc>,
) -> AppResult<()> {
    if added.is_empty() && removed.is_empty() {
        return Ok(());
    }
    let pairs = |v: &[(String, String)]| {
        v.iter()
            .map(|(k, v)| serde_json::json!({ "kind": k, "value": v }))
            .collect::<Vec<_>>()
    };
    let change = Change {
        action: "enterprise.subscriptions_changed",
        object_type: "enterprise",
        object_id: code.to_string(),
        on_behalf_of: qinqing_kernel::principal::on_behalf(who, code),
        detail: serde_json::json!({ "added": pairs(added), "removed": pairs(removed) }),
    };
    audit::record(conn, who, meta, change, now).await?;
    Ok(())
}

/// Replaces the enterprise's subscriptions with `input` (PUT semantics).
pub async fn set_subscriptions(
    app: &App,
    who: &Principal,
    code: &CreditCode,
    input: &SubscriptionsInput,
    meta: &RequestMeta,
) -> AppResult<Subscriptions> {
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let enterprise = own_enterprise(&mut tx, who, code).await?;
    let wanted = parse_subscriptions(&mut tx, &input.subscriptions).await?;
    let current: BTreeSet<(String, String)> = store::subscriptions(&mut tx, enterprise.id)
        .await?
        .into_iter()
        .map(|s| (s.kind, s.value))
        .collect();
    let added: Vec<_> = wanted.difference(&current).cloned().collect();
    let removed: Vec<_> = current.difference(&wanted).cloned().collect();
    for (k, v) in &removed {
        store::unsubscribe(&mut tx, enterprise.id, k, v).await?;
    }
    let by = (!who.is_system()).then_some(who.user_id);
    for (k, v) in &added {
        store::subscribe(&mut tx, enterprise.id, k, v, by, now).await?;
    }
    record_subscriptions(&mut tx, who, meta, code, &added, &removed, now).await?;
    let out = views(&mut tx, &enterprise).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(out)
}

/// Adds one subscription (nothing happens when the enterprise already has it).
pub async fn subscribe(
    app: &App,
    who: &Principal,
    code: &CreditCode,
    input: &SubscriptionInput,
    meta: &RequestMeta,
) -> AppResult<Subscriptions> {
    change_one(app, who, code, input, meta, true).await
}

/// Removes one subscription (nothing happens when the enterprise does not have it).
pub async fn unsubscribe(
    app: &App,
    who: &Principal,
    code: &CreditCode,
    input: &SubscriptionInput,
    meta: &RequestMeta,
) -> AppResult<Subscriptions> {
    change_one(app, who, code, input, meta, false).await
}

async fn change_one(
    app: &App,
    who: &Principal,
    code: &CreditCode,
    input: &SubscriptionInput,
    meta: &RequestMeta,
    add: bool,
) -> AppResult<Subscriptions> {
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let enterprise = own_enterprise(&mut tx, who, code).await?;
    let parsed = if add {
        parse_subscriptions(&mut tx, std::slice::from_ref(input)).await?
    } else {
        BTreeSet::from([(
            input.kind.trim().to_string(),
            input.value.trim().to_string(),
        )])
    };
    let mut changed = Vec::new();
    for (k, v) in parsed {
        let done = if add {
            let by = (!who.is_system()).then_some(who.user_id);
            store::subscribe(&mut tx, enterprise.id, &k, &v, by, now).await?
        } else {
            store::unsubscribe(&mut tx, enterprise.id, &k, &v).await?
        };
        if done {
            changed.push((k, v));
        }
    }
    let (added, removed) = if add {
        (changed, Vec::new())
    } else {
        (Vec::new(), changed)
    };
    record_subscriptions(&mut tx, who, meta, code, &added, &removed, now).await?;
    let out = views(&mut tx, &enterprise).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(out)
}

// ---- pushes ----

/// The policy year pushes are evaluated for: last year, whose figures are complete (as the
/// entitlements page does).
pub(crate) fn policy_year(now: DateTime<Utc>) -> i32 {
    now.with_timezone(&qinqing_domain::deadline::beijing())
        .year()
        - 1
}

pub(crate) fn parse_definition(
    schema: &Schema,
    id: i64,
    version: i64,
    src: &str,
) -> AppResult<Policy> {
    let file = format!("policy-{id}-v{version}.toml");
    qinqing_rules::parse_policy(&file, src, schema).map_err(|d| {
        AppError::Internal(anyhow::anyhow!(
            "published definition {file} no longer parses: {}",
            d.first().map_or(String::new(), |d| d.message_en.clone())
        ))
    })
}

/// Enterprises whose facts are held in memory at once: a push by staff may match a whole
/// register.
const FACTS_AT_ONCE: usize = 2000;

/// What the policy gives each of `enterprises` (fen), in their order: `None` for those it does
/// not make eligible. Their facts are read a chunk at a time.
pub(crate) async fn eligible_amounts(
    app: &App,
    conn: &mut Conn,
    policy: &Policy,
    schema: &Schema,
    enterprises: &[Enterprise],
    year: i32,
) -> AppResult<Vec<Option<i64>>> {
    let mut amounts = Vec::with_capacity(enterprises.len());
    for chunk in enterprises.chunks(FACTS_AT_ONCE) {
        let facts = crate::facts_of_many(app, conn, chunk).await?;
        amounts.extend(facts.iter().map(|facts| {
            if policy.entity != facts.entity {
                return None;
            }
            match evaluate(policy, schema, facts, year, &EvalOptions::default()).outcome {
                Outcome::Eligible { amount } => Some(amount.fen()),
                _ => None,
            }
        }));
    }
    Ok(amounts)
}

/// Pushes of one policy version by one channel, with the messages that tell each enterprise's
/// users read and rendered ahead: long work prepares a chunk before its write transaction, which
/// then writes the pushes and messages in a statement or two.
pub(crate) struct PushBatch<'a> {
    row: &'a PolicyRow,
    version: i64,
    /// machine | subscription | staff
    channel: &'a str,
    pushed_by: Option<i64>,
    /// The enterprises to tell, each with the amount the policy gives it when known.
    targets: Vec<(i64, Option<i64>)>,
    messages: HashMap<i64, Vec<Prepared>>,
}

/// Prepares telling `targets` about a policy version (reads only).
pub(crate) async fn prepare_pushes<'a>(
    conn: &mut Conn,
    row: &'a PolicyRow,
    (version, channel): (i64, &'a str),
    pushed_by: Option<i64>,
    targets: Vec<(i64, Option<i64>)>,
) -> AppResult<PushBatch<'a>> {
    let ids: Vec<i64> = targets.iter().map(|t| t.0).collect();
    let amounts: HashMap<i64, Option<i64>> = targets.iter().copied().collect();
    let pairs = users::of_enterprises(conn, &ids).await?;
    let to_tell = pairs
        .iter()
        .map(|&(enterprise_id, user)| {
            push_message(row, channel, enterprise_id, user, amounts[&enterprise_id])
        })
        .collect();
    let mut messages: HashMap<i64, Vec<Prepared>> = HashMap::new();
    let prepared = notifications::prepare(conn, to_tell).await?;
    for ((enterprise_id, _), message) in pairs.iter().zip(prepared) {
        messages.entry(*enterprise_id).or_default().push(message);
    }
    Ok(PushBatch {
        row,
        version,
        channel,
        pushed_by,
        targets,
        messages,
    })
}

fn push_message(
    row: &PolicyRow,
    channel: &str,
    enterprise_id: i64,
    user: i64,
    amount: Option<i64>,
) -> NewMessage {
    NewMessage {
        recipient_user_id: user,
        template: crate::messages::POLICY_PUSHED,
        params: serde_json::json!({
            "object": format!("“{}”", row.title),
            "via": channel,
            "department": row.department_name,
            "amount": amount.filter(|a| *a > 0).map(crate::yuan),
        }),
        idempotency_key: format!(
            "policy_push:{}:enterprise:{enterprise_id}:user:{user}",
            row.id
        ),
        link: Some(format!("/policies/{}", row.slug)),
    }
}

/// Writes the prepared pushes and the messages of the enterprises not told before; returns the
/// enterprises told now.
pub(crate) async fn write_pushes(
    conn: &mut Conn,
    batch: &PushBatch<'_>,
    now: DateTime<Utc>,
) -> AppResult<Vec<i64>> {
    let pushes: Vec<NewPush> = batch
        .targets
        .iter()
        .map(|&(enterprise_id, amount)| NewPush {
            policy_id: batch.row.id,
            policy_version: batch.version,
            enterprise_id,
            channel: batch.channel,
            pushed_by: batch.pushed_by,
            amount,
        })
        .collect();
    let told = store::insert_many(conn, &pushes, now).await?;
    let messages: Vec<Prepared> = told
        .iter()
        .filter_map(|id| batch.messages.get(id))
        .flatten()
        .cloned()
        .collect();
    notifications::enqueue_prepared(conn, &messages, now).await?;
    Ok(told)
}

fn all_enterprises(
    scope: ScopeFilter,
    region: Option<String>,
    industry: Option<String>,
) -> ListFilter {
    ListFilter {
        scope,
        text: None,
        region_prefix: region,
        industry_prefix: industry,
        limit: i64::MAX,
        offset: 0,
    }
}

/// Called when an enterprise's profile changed (inside that transaction): re-checks only the
/// published policies it was not told about yet, and tells it about those it is now eligible
/// for. Cheap when it has heard of them all: one query, nothing parsed.
pub(crate) async fn push_newly_eligible(
    app: &App,
    conn: &mut Conn,
    code: &CreditCode,
    now: DateTime<Utc>,
) -> AppResult<usize> {
    let Some(enterprise) = enterprise_store::get_by_credit_code(conn, code).await? else {
        return Ok(0);
    };
    let pending = store::unpushed_definitions(conn, enterprise.id).await?;
    if pending.is_empty() {
        return Ok(0);
    }
    let schema = crate::schema(conn).await?;
    let facts = crate::enterprise_facts(app, conn, &enterprise).await?;
    let year = policy_year(now);
    let mut pushed = 0;
    for (id, version, src) in pending {
        let policy = parse_definition(&schema, id, version, &src)?;
        if policy.entity != facts.entity {
            continue;
        }
        let ev = evaluate(&policy, &schema, &facts, year, &EvalOptions::default());
        let Outcome::Eligible { amount } = ev.outcome else {
            continue;
        };
        let Some(row) = policy_store::get(conn, id).await? else {
            continue;
        };
        let target = vec![(enterprise.id, Some(amount.fen()))];
        let batch = prepare_pushes(conn, &row, (version, "machine"), None, target).await?;
        pushed += write_pushes(conn, &batch, now).await?.len();
    }
    Ok(pushed)
}

fn may_push(who: &Principal, department_org_id: i64) -> bool {
    who.role == Role::Admin
        || (matches!(who.role, Role::Handler | Role::DepartmentLead)
            && who.org_id == department_org_id)
}

fn prefix(
    field: &str,
    text: Option<&str>,
    ok: fn(char) -> bool,
    errors: &mut FieldErrors,
) -> Option<String> {
    let text = text.map(str::trim).filter(|t| !t.is_empty())?;
    if text.chars().count() > 12 || !text.chars().all(ok) {
        errors.add(field, "筛选条件格式有误");
        return None;
    }
    Some(text.to_uppercase())
}

/// A department's handler or lead pushes one of its published policies to the enterprises in
/// their scope whose region and/or industry code start with the given prefixes.
pub async fn staff_push(
    app: &App,
    who: &Principal,
    slug: &str,
    input: &PushInput,
    meta: &RequestMeta,
) -> AppResult<PushReport> {
    let mut conn = app.db.conn().await?;
    let row = row_by_slug(&mut conn, slug).await?;
    if !may_push(who, row.department_org_id) {
        return Err(AppError::forbidden(
            "只有政策所属部门的经办人或负责人可以推送政策",
        ));
    }
    let Some(version) = row
        .published_version
        .filter(|_| row.status == crate::status::PolicyStatus::Published)
    else {
        return Err(AppError::Conflict {
            field: None,
            message: "只有已上架的政策可以推送".into(),
        });
    };
    let (region, industry) = push_filter(input)?;
    let schema = crate::schema(&mut conn).await?;
    let src = policy_store::definition(&mut conn, row.id, version)
        .await?
        .unwrap_or_default();
    let policy = parse_definition(&schema, row.id, version, &src)?;
    let filter = all_enterprises(who.scope_filter(), region.clone(), industry.clone());
    let (enterprises, _) = enterprise_store::list(&mut conn, &filter).await?;
    let told: BTreeSet<i64> = store::pushed_enterprises(&mut conn, row.id)
        .await?
        .into_iter()
        .collect();
    // Read and evaluate first, outside any transaction; then write briefly.
    let year = policy_year(app.now());
    let untold: Vec<Enterprise> = enterprises
        .iter()
        .filter(|e| !told.contains(&e.id))
        .cloned()
        .collect();
    let amounts = eligible_amounts(app, &mut conn, &policy, &schema, &untold, year).await?;
    let to_tell: Vec<(i64, Option<i64>)> = untold.iter().map(|e| e.id).zip(amounts).collect();
    drop(conn);
    let mut report = PushReport {
        policy_id: row.slug.clone(),
        matched: enterprises.len(),
        already_pushed: enterprises.len() - to_tell.len(),
        ..PushReport::default()
    };
    let detail = serde_json::json!({
        "version": version, "region": region, "industry": industry,
        "matched": report.matched, "to_tell": to_tell.len(),
    });
    let mut record = Some(Change {
        action: "policy.pushed",
        object_type: "policy",
        object_id: row.slug.clone(),
        on_behalf_of: None,
        detail,
    });
    let by = (!who.is_system()).then_some(who.user_id);
    // A short transaction per chunk; the first also records the push in the trail. Cut off
    // halfway, the push is made whole by pushing again: nobody is told twice.
    for chunk in to_tell.chunks(STAFF_CHUNK) {
        let mut conn = app.db.conn().await?;
        let batch = prepare_pushes(&mut conn, &row, (version, "staff"), by, chunk.to_vec()).await?;
        drop(conn);
        let now = app.now();
        let mut tx = app.db.begin().await?;
        if let Some(change) = record.take() {
            audit::record(&mut tx, who, meta, change, now).await?;
        }
        let told: HashSet<i64> = write_pushes(&mut tx, &batch, now)
            .await?
            .into_iter()
            .collect();
        tx.commit().await.map_err(StoreError::from)?;
        for (enterprise_id, amount) in chunk {
            if told.contains(enterprise_id) {
                report.pushed += 1;
                report.eligible += usize::from(amount.is_some());
            } else {
                report.already_pushed += 1;
            }
        }
    }
    if let Some(change) = record {
        // Nobody left to tell: the push is still recorded.
        let mut tx = app.db.begin().await?;
        audit::record(&mut tx, who, meta, change, app.now()).await?;
        tx.commit().await.map_err(StoreError::from)?;
    }
    Ok(report)
}

/// Enterprises told per transaction by a staff push.
const STAFF_CHUNK: usize = 50;

/// A staff push's region and industry prefixes, at least one of them given.
fn push_filter(input: &PushInput) -> AppResult<(Option<String>, Option<String>)> {
    let blank = |t: &Option<String>| t.as_deref().is_none_or(|t| t.trim().is_empty());
    if blank(&input.region) && blank(&input.industry) {
        return Err(AppError::invalid(
            "region",
            "请按区划或行业至少选择一个筛选条件",
        ));
    }
    let mut errors = FieldErrors::default();
    let region = prefix(
        "region",
        input.region.as_deref(),
        |c| c.is_ascii_digit(),
        &mut errors,
    );
    let industry = prefix(
        "industry",
        input.industry.as_deref(),
        |c| c.is_ascii_alphanumeric(),
        &mut errors,
    );
    errors.finish()?;
    Ok((region, industry))
}

/// Who may read a policy's push log: its department's staff, the supervisors, the
/// administrator.
pub fn may_read_policy_log(who: &Principal, department_org_id: i64) -> bool {
    who.role == Role::Admin
        || who.role.is_supervisor()
        || (who.role.is_staff() && who.org_id == department_org_id)
}

/// One page of a policy's pushes, newest first: a district's policy may reach thousands.
pub async fn policy_push_page(
    app: &App,
    who: &Principal,
    slug: &str,
    page: &Queue,
) -> AppResult<Paged<PushView>> {
    let mut conn = app.db.conn().await?;
    let policy_id = policy_with_log(&mut conn, who, slug).await?;
    let total = store::count_of_policy(&mut conn, policy_id).await?;
    let rows = store::page_of_policy(&mut conn, policy_id, page.per_page, page.offset()).await?;
    Ok(page.paged(total, rows.iter().map(push_view).collect()))
}

/// The id of the policy whose push log the caller asks for, if they may read it.
async fn policy_with_log(conn: &mut Conn, who: &Principal, slug: &str) -> AppResult<i64> {
    let row = row_by_slug(conn, slug).await?;
    if !may_read_policy_log(who, row.department_org_id) {
        return Err(AppError::forbidden("无权查看这项政策的推送记录"));
    }
    Ok(row.id)
}

/// The policies pushed to an enterprise, newest first: for the enterprise itself (its users
/// and its steward).
pub async fn enterprise_pushes(
    app: &App,
    who: &Principal,
    code: &CreditCode,
) -> AppResult<Vec<PushView>> {
    let mut conn = app.db.conn().await?;
    let enterprise = own_enterprise(&mut conn, who, code).await?;
    let rows = store::of_enterprise(&mut conn, enterprise.id).await?;
    Ok(rows.iter().map(push_view).collect())
}
