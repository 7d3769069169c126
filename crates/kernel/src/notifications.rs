//! Notifications: 站内信 (site messages) and SMS, through an outbox in the database.
//!
//! Other use cases queue messages with [`enqueue`] inside their own write transaction, so a
//! message exists exactly when the change that caused it was committed. Each message is rendered
//! from a Chinese [`Template`] and queued once per channel and idempotency key. Site messages are
//! delivered at once; SMS wait in the outbox until [`deliver_due`] hands them to an
//! [`SmsProvider`], retrying failures with exponential back-off.
//!
//! Users read their messages and choose their channels here (the site cannot be turned off;
//! SMS can); the administrator sees every message and its delivery state.

use crate::audit::{self, Change};
use crate::sms::{SmsError, SmsProvider};
use crate::store::notifications::{self as store, Channel, DeliveryState, Message, OutboxFilter};
use crate::store::{Conn, StoreError, users};
use crate::{App, AppError, AppResult, Principal, RequestMeta};
use chrono::{DateTime, Duration, Utc};
use qinqing_domain::org::Role;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::HashMap;

/// A kind of message: the key stored with each message, the label an inbox shows for it and how
/// its Chinese subject and body are written from its parameters. The kernel's own kinds are the
/// associated constants below; a scene declares its kinds beside the use cases that send them and
/// lists them in [`crate::Scene::message_templates`], so inboxes can label them.
#[derive(Debug, Clone, Copy)]
pub struct Template {
    /// Stored with the message (`deadline_reminder`, `application_progress`); unique on the platform.
    pub key: &'static str,
    /// The kind as an inbox shows it (时限提醒, 申报进度).
    pub label: &'static str,
    /// The subject and body in Chinese.
    pub render: fn(&Params) -> (String, String),
}

impl PartialEq for Template {
    fn eq(&self, other: &Template) -> bool {
        self.key == other.key
    }
}

impl Template {
    /// A deadline approaches (提醒).
    pub const DEADLINE_REMINDER: Template = Template {
        key: "deadline_reminder",
        label: "时限提醒",
        render: deadline_reminder,
    };
    /// A deadline is about to be missed (预警, graded by `level`).
    pub const DEADLINE_WARNING: Template = Template {
        key: "deadline_warning",
        label: "时限预警",
        render: deadline_warning,
    };
    /// A deadline was missed: the handler is urged (催办).
    pub const DEADLINE_DEMAND: Template = Template {
        key: "deadline_demand",
        label: "催办",
        render: deadline_demand,
    };
    /// A missed deadline went up to a supervisor (督办).
    pub const DEADLINE_ESCALATED: Template = Template {
        key: "deadline_escalated",
        label: "督办",
        render: deadline_escalated,
    };
    /// A warning whose own recipients were nobody came up the ladder to this user.
    pub const DEADLINE_UNREACHED: Template = Template {
        key: "deadline_unreached",
        label: "预警无人接收",
        render: deadline_unreached,
    };
    /// A supervisor ordered the department to act on a late item (督办).
    pub const SUPERVISION_ORDER: Template = Template {
        key: "supervision_order",
        label: "督办",
        render: supervision_order,
    };
    /// The department answered a 督办 order; the supervisor reviews the result.
    pub const SUPERVISION_ANSWERED: Template = Template {
        key: "supervision_answered",
        label: "督办结果",
        render: supervision_answered,
    };
    /// An administrator reset the user's password.
    pub const PASSWORD_RESET: Template = Template {
        key: "password_reset",
        label: "账户安全",
        render: password_reset,
    };
    /// The kernel's own kinds of message.
    pub const KERNEL: [Template; 8] = [
        Template::DEADLINE_REMINDER,
        Template::DEADLINE_WARNING,
        Template::DEADLINE_DEMAND,
        Template::DEADLINE_ESCALATED,
        Template::DEADLINE_UNREACHED,
        Template::SUPERVISION_ORDER,
        Template::SUPERVISION_ANSWERED,
        Template::PASSWORD_RESET,
    ];

    /// The subject and body in Chinese, with `params` filled in.
    pub fn render(&self, params: &Value) -> (String, String) {
        (self.render)(&Params(params))
    }
}

/// A message's parameters (a JSON object). Every parameter is optional: a missing one reads as a
/// neutral phrase. Common ones: `object` (e.g. "企业 91350521MA…"), `kind` (e.g. "诉求响应"),
/// `due` (e.g. "2026-10-10"), `level` or `grade` (e.g. "黄色预警"), `to` (who a case was
/// escalated to), `at` (when something happened).
pub struct Params<'a>(pub &'a Value);

impl Params<'_> {
    /// A parameter as text: strings as they are, numbers and flags written out, absent or empty
    /// ones as `default`.
    pub fn get(&self, key: &str, default: &str) -> String {
        match self.0.get(key) {
            Some(Value::String(s)) if !s.trim().is_empty() => s.trim().to_string(),
            Some(v @ (Value::Number(_) | Value::Bool(_))) => v.to_string(),
            _ => default.to_string(),
        }
    }

    /// A text parameter that is present and not blank, trimmed.
    pub fn text(&self, key: &str) -> Option<&str> {
        self.0
            .get(key)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
    }

    /// The three parameters most messages use: `object`, `kind` and `due`.
    pub fn object_kind_due(&self) -> (String, String, String) {
        (
            self.get("object", "相关事项"),
            self.get("kind", "办理"),
            self.get("due", "规定时限"),
        )
    }
}

fn deadline_reminder(p: &Params) -> (String, String) {
    let (object, kind, due) = p.object_kind_due();
    (
        "办理时限提醒".into(),
        format!("{object}的{kind}将于 {due} 到期,请在时限内办结。"),
    )
}

fn deadline_warning(p: &Params) -> (String, String) {
    let (object, kind, due) = p.object_kind_due();
    // `grade` is accepted for `level` (the deadline module's word for it).
    let level = p.get("level", &p.get("grade", "预警"));
    (
        format!("办理时限{level}"),
        format!("{object}的{kind}临近时限({due}),已发出{level}。请抓紧办理,逾期将被催办。"),
    )
}

fn deadline_demand(p: &Params) -> (String, String) {
    let (object, kind, due) = p.object_kind_due();
    (
        "催办通知".into(),
        format!("{object}的{kind}已超过时限({due})仍未办结,现予催办。请立即办理并说明原因。"),
    )
}

fn deadline_escalated(p: &Params) -> (String, String) {
    let (object, kind, due) = p.object_kind_due();
    let to = p.get("to", "上级部门");
    (
        "督办通知".into(),
        format!("{object}的{kind}逾期未办结(时限 {due}),已提交{to}督办。"),
    )
}

fn deadline_unreached(p: &Params) -> (String, String) {
    let (object, kind, due) = p.object_kind_due();
    let grade = p.get("grade", "预警");
    let missing = p.get("missing", "经办人");
    (
        "预警无人接收,已上报".into(),
        format!(
            "{object}的{kind}(时限 {due})发出{grade},但应接收的{missing}没有可用账户,现直接报送您。请督促办理,并为该部门配置账户。"
        ),
    )
}

fn supervision_order(p: &Params) -> (String, String) {
    let (object, _, due) = p.object_kind_due();
    let note = p.get("note", "请抓紧办理");
    let from = p.get("from", "监督部门");
    let subject = match p.text("reason") {
        Some(_) => "督办结果被退回",
        None => "督办通知",
    };
    let reason = p
        .text("reason")
        .map(|r| format!("上次报送的结果被退回:{r}。"))
        .unwrap_or_default();
    (
        subject.into(),
        format!("{from}对{object}发出督办:{note}。{reason}请于 {due} 前办理并报送办理结果。"),
    )
}

fn supervision_answered(p: &Params) -> (String, String) {
    let object = p.get("object", "相关事项");
    let by = p.get("by", "承办部门");
    (
        "督办事项已报送结果".into(),
        format!("{by}已报送{object}的督办办理结果,请审核办结或退回。"),
    )
}

fn password_reset(p: &Params) -> (String, String) {
    let at = p.get("at", "近日");
    (
        "账户密码已重置".into(),
        format!(
            "您的账户密码已于 {at} 由平台管理员重置。请用管理员告知的临时密码登录并立即修改密码;如非本人申请,请立即联系平台管理员。"
        ),
    )
}

/// Beijing time, minutes: how messages state when something happened.
pub fn beijing_minutes(t: DateTime<Utc>) -> String {
    t.with_timezone(&qinqing_domain::deadline::beijing())
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// The signature every SMS in mainland China starts with.
pub const SMS_SIGNATURE: &str = "【亲清家园】";

/// The text of an SMS: signature, subject, body.
pub fn sms_text(subject: &str, body: &str) -> String {
    format!("{SMS_SIGNATURE}{subject}:{body}")
}

/// A message to queue with [`enqueue`].
#[derive(Debug, Clone)]
pub struct NewMessage {
    pub recipient_user_id: i64,
    pub template: Template,
    /// The template's parameters, e.g. `{"object": "企业 9135…", "kind": "诉求响应", "due": "2026-10-10"}`.
    pub params: Value,
    /// Names the event that causes the message, e.g. `deadline:42:reminder:user:7`: queuing the
    /// same key again (per channel) queues nothing, silently. Keys are unique per channel across
    /// all recipients, so an event that tells several users puts the user in the key. At most
    /// 200 characters.
    pub idempotency_key: String,
    /// The page of the item the message is about (`/applications/SB…`, `/requests/…`): the
    /// inbox links to it. Every message is about something; `None` only for account notices.
    pub link: Option<String>,
}

/// Queues a message on every channel the recipient accepts (site always; SMS when they have a phone
/// and have not turned SMS off). Call inside the caller's transaction. Returns how many were queued.
///
/// Repeats (same idempotency key) queue nothing and return 0 for that channel; a statement that
/// skips a duplicate leaves the transaction usable on PostgreSQL too. An unknown recipient is an
/// error (`NotFound`), which the caller's `?` turns into a rollback of its change.
pub async fn enqueue(conn: &mut Conn, message: NewMessage, now: DateTime<Utc>) -> AppResult<usize> {
    let ready = prepare(conn, vec![message]).await?;
    enqueue_prepared(conn, &ready, now).await
}

/// A message rendered and addressed, waiting to be queued: long work prepares a chunk's messages
/// (reads only) before its write transaction and queues them inside it in one statement.
#[derive(Debug, Clone)]
pub struct Prepared {
    recipient_user_id: i64,
    template: &'static str,
    subject: String,
    body: String,
    idempotency_key: String,
    link: Option<String>,
    /// The phone an SMS goes to, when the recipient takes SMS.
    sms_to: Option<String>,
}

/// Renders the messages and reads how each recipient is reached. Refuses, as [`enqueue`] does, a
/// key that is empty or too long and a recipient that does not exist.
pub async fn prepare(conn: &mut Conn, messages: Vec<NewMessage>) -> AppResult<Vec<Prepared>> {
    let ids: Vec<i64> = messages.iter().map(|m| m.recipient_user_id).collect();
    let reach: HashMap<i64, store::Reach> = store::reach(conn, &ids)
        .await?
        .into_iter()
        .map(|r| (r.user_id, r))
        .collect();
    messages
        .into_iter()
        .map(|m| {
            let key = m.idempotency_key.trim();
            if key.is_empty() || key.chars().count() > 200 {
                return Err(AppError::invalid(
                    "idempotency_key",
                    "消息的幂等键须为 1–200 个字符",
                ));
            }
            let user = reach.get(&m.recipient_user_id).ok_or_else(|| {
                AppError::NotFound(format!("收信账户 {} 不存在", m.recipient_user_id))
            })?;
            let (subject, body) = m.template.render(&m.params);
            Ok(Prepared {
                recipient_user_id: user.user_id,
                template: m.template.key,
                subject,
                body,
                idempotency_key: key.to_string(),
                link: m.link,
                sms_to: sms_address(user),
            })
        })
        .collect()
}

/// The phone an SMS to this user goes to: none when they have no phone, are disabled or turned
/// SMS off.
fn sms_address(user: &store::Reach) -> Option<String> {
    let phone = user
        .phone
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())?;
    (!user.disabled && user.sms_enabled).then(|| phone.to_string())
}

/// Queues prepared messages (each on its site channel and, where it takes SMS, as an SMS) in as
/// few statements as their number allows. Returns how many were queued; repeats queue nothing.
pub async fn enqueue_prepared(
    conn: &mut Conn,
    ready: &[Prepared],
    now: DateTime<Utc>,
) -> AppResult<usize> {
    let texts: Vec<Option<String>> = ready
        .iter()
        .map(|p| p.sms_to.as_ref().map(|_| sms_text(&p.subject, &p.body)))
        .collect();
    let mut rows = Vec::with_capacity(ready.len() * 2);
    for (p, text) in ready.iter().zip(&texts) {
        let site = store::NewMessage {
            recipient_user_id: p.recipient_user_id,
            channel: Channel::Site,
            address: None,
            template: p.template,
            subject: &p.subject,
            body: &p.body,
            idempotency_key: &p.idempotency_key,
            state: DeliveryState::Sent,
            next_attempt_at: None,
            sent_at: Some(now),
            link: p.link.as_deref(),
        };
        rows.push(site);
        if let (Some(phone), Some(text)) = (p.sms_to.as_deref(), text) {
            rows.push(store::NewMessage {
                channel: Channel::Sms,
                address: Some(phone),
                body: text,
                state: DeliveryState::Pending,
                next_attempt_at: Some(now),
                sent_at: None,
                ..site
            });
        }
    }
    let queued = store::insert_many(conn, &rows, now).await?;
    Ok(usize::try_from(queued).unwrap_or(usize::MAX))
}

/// How many times an SMS is tried before it is marked failed.
pub const MAX_SMS_ATTEMPTS: i64 = 6;
/// How long a delivery run holds a claimed SMS before another run may take it over (only
/// happens when the claiming process died mid-send; far longer than a provider call may take).
pub const CLAIM_LEASE: Duration = Duration::minutes(5);
/// The longest wait between two attempts.
pub const MAX_RETRY_DELAY: Duration = Duration::minutes(60);
/// How many due SMS one query fetches.
const DELIVERY_BATCH: i64 = 100;

/// The wait after the `attempts`-th failed attempt: 1 minute, then 2, 4, 8 … up to an hour.
pub fn retry_delay(attempts: i64) -> Duration {
    let doublings = u32::try_from(attempts.clamp(1, 30) - 1).unwrap_or(0);
    Duration::minutes(1i64 << doublings).min(MAX_RETRY_DELAY)
}

/// Delivers every pending SMS that is due at `now` through `provider`; returns how many were
/// delivered.
///
/// **For the server's background loop**: call it every few seconds, e.g.
/// `notifications::deliver_due(&app, provider.as_ref(), app.now()).await`, with the provider
/// from [`crate::sms::provider`] (`--sms-webhook URL` → webhook, otherwise recording). Log an
/// `Err` and carry on: the outbox keeps the messages. It needs no transaction of its own and
/// may run in several processes at once: each SMS is claimed by exactly one run (see
/// [`crate::store::notifications::claim`]), sent outside any transaction, and its outcome
/// recorded. A failed attempt is retried after [`retry_delay`] (1, 2, 4 … minutes); after
/// [`MAX_SMS_ATTEMPTS`] attempts, or when the gateway refuses the request outright
/// ([`SmsError::Permanent`]), the SMS is marked failed with the last error. Site messages need
/// no delivery.
pub async fn deliver_due(
    app: &App,
    provider: &dyn SmsProvider,
    now: DateTime<Utc>,
) -> AppResult<usize> {
    let mut conn = app.db.conn().await?;
    let mut delivered = 0;
    loop {
        // Every id fetched leaves the due set: claimed here (its next attempt moves to the end
        // of the lease, then to the retry time) or claimed by another run. So this ends.
        let due = store::due_sms(&mut conn, now, DELIVERY_BATCH).await?;
        if due.is_empty() {
            return Ok(delivered);
        }
        for id in due {
            let Some(message) = store::claim(&mut conn, id, now, now + CLAIM_LEASE).await? else {
                continue;
            };
            let phone = message.address.as_deref().unwrap_or_default();
            let outcome = if phone.is_empty() {
                Err(SmsError::Permanent("短信没有收信号码".into()))
            } else {
                provider.send(phone, &message.body).await
            };
            match outcome {
                Ok(()) => {
                    store::mark_sent(&mut conn, id, provider.name(), now).await?;
                    delivered += 1;
                }
                Err(SmsError::Temporary(e)) if message.attempts < MAX_SMS_ATTEMPTS => {
                    let next = now + retry_delay(message.attempts);
                    tracing::warn!(message = id, attempts = message.attempts, error = %e, retry_at = %next, "SMS attempt failed; will retry");
                    store::mark_retry(&mut conn, id, &e, next).await?;
                }
                Err(SmsError::Temporary(e) | SmsError::Permanent(e)) => {
                    tracing::error!(message = id, attempts = message.attempts, error = %e, "SMS delivery failed; giving up");
                    store::mark_failed(&mut conn, id, &e).await?;
                }
            }
        }
    }
}

/// One site message as its recipient sees it.
#[derive(Debug, Clone, Serialize)]
pub struct InboxItem {
    pub id: i64,
    pub template: String,
    pub kind: &'static str,
    pub subject: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
    /// The page of the item the message is about.
    pub link: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Inbox {
    pub unread: i64,
    pub items: Vec<InboxItem>,
}

/// How many site messages the inbox shows.
pub const INBOX_LIMIT: i64 = 200;

fn require_user(who: &Principal) -> AppResult<()> {
    if who.is_system() {
        Err(AppError::forbidden("平台账户没有站内信"))
    } else {
        Ok(())
    }
}

/// The caller's site messages, newest first, with the unread count.
pub async fn inbox(app: &App, who: &Principal) -> AppResult<Inbox> {
    require_user(who)?;
    let mut conn = app.db.conn().await?;
    let items = store::inbox(&mut conn, who.user_id, INBOX_LIMIT)
        .await?
        .into_iter()
        .map(|m| InboxItem {
            id: m.id,
            kind: app.message_label(&m.template),
            template: m.template,
            subject: m.subject,
            body: m.body,
            created_at: m.created_at,
            read_at: m.read_at,
            link: m.link,
        })
        .collect();
    Ok(Inbox {
        unread: store::unread_count(&mut conn, who.user_id).await?,
        items,
    })
}

/// The caller's unread site messages (for the header of every page): one indexed COUNT.
pub async fn unread_count(app: &App, who: &Principal) -> AppResult<i64> {
    if who.is_system() {
        return Ok(0);
    }
    let mut conn = app.db.conn().await?;
    Ok(store::unread_count(&mut conn, who.user_id).await?)
}

/// Marks one of the caller's site messages read. Someone else's message is "not found", so ids
/// reveal nothing. Reading twice changes nothing the second time.
pub async fn mark_read(app: &App, who: &Principal, id: i64, meta: &RequestMeta) -> AppResult<()> {
    require_user(who)?;
    let now = app.now();
    let mut tx = app.db.begin().await?;
    store::get(&mut tx, id)
        .await?
        .filter(|m| m.recipient_user_id == who.user_id && m.channel == Channel::Site)
        .ok_or_else(|| AppError::NotFound("站内信不存在".into()))?;
    if !store::mark_read(&mut tx, id, who.user_id, now).await? {
        return Ok(());
    }
    let change = Change {
        action: "message.read",
        object_type: "message",
        object_id: id.to_string(),
        on_behalf_of: None,
        detail: serde_json::json!({}),
    };
    audit::record(&mut tx, who, meta, change, now).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(())
}

/// A user's channels. The site is always on.
#[derive(Debug, Clone, Serialize)]
pub struct Preferences {
    pub site: bool,
    pub sms: bool,
    /// The number SMS go to; without one no SMS is sent whatever `sms` says.
    pub phone: Option<String>,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct PreferencesInput {
    /// Must be true (or absent): 站内信 cannot be turned off.
    pub site: Option<bool>,
    /// Whether to receive SMS.
    pub sms: bool,
}

pub async fn preferences(app: &App, who: &Principal) -> AppResult<Preferences> {
    require_user(who)?;
    let mut conn = app.db.conn().await?;
    preferences_of(&mut conn, who.user_id).await
}

async fn preferences_of(conn: &mut Conn, user_id: i64) -> AppResult<Preferences> {
    let user = users::get(conn, user_id)
        .await?
        .ok_or_else(|| AppError::NotFound("账户不存在".into()))?;
    Ok(Preferences {
        site: true,
        sms: store::sms_enabled(conn, user_id).await?,
        phone: user.phone.filter(|p| !p.trim().is_empty()),
    })
}

/// Sets the caller's channels; audited when something changed.
pub async fn set_preferences(
    app: &App,
    who: &Principal,
    input: &PreferencesInput,
    meta: &RequestMeta,
) -> AppResult<Preferences> {
    require_user(who)?;
    if input.site == Some(false) {
        return Err(AppError::invalid(
            "site",
            "站内信不能关闭:平台的通知、催办和督办都经站内信送达",
        ));
    }
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let before = preferences_of(&mut tx, who.user_id).await?;
    if before.sms == input.sms {
        return Ok(before);
    }
    store::set_sms_enabled(&mut tx, who.user_id, input.sms, now).await?;
    let change = Change {
        action: "notification.preferences_changed",
        object_type: "user",
        object_id: who.user_id.to_string(),
        on_behalf_of: None,
        detail: serde_json::json!({ "sms": { "old": before.sms, "new": input.sms } }),
    };
    audit::record(&mut tx, who, meta, change, now).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(Preferences {
        sms: input.sms,
        ..before
    })
}

/// One outbox message as the administrator sees it.
#[derive(Debug, Clone, Serialize)]
pub struct OutboxItem {
    #[serde(flatten)]
    pub message: Message,
    pub template_label: &'static str,
    pub channel_label: &'static str,
    pub state_label: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct OutboxPage {
    pub total: i64,
    pub items: Vec<OutboxItem>,
}

/// A filter value as typed: `None` when unset or blank.
fn given(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|s| !s.is_empty())
}

/// What the administrator asks of the outbox: filters as typed (unset or empty: all), a page.
#[derive(Debug, Clone, Default)]
pub struct OutboxRequest<'a> {
    /// site or sms.
    pub channel: Option<&'a str>,
    /// pending, sent or failed.
    pub state: Option<&'a str>,
    pub limit: i64,
    pub offset: i64,
}

/// Every user's messages with their delivery state, newest first (administrator only).
pub async fn outbox(
    app: &App,
    who: &Principal,
    request: &OutboxRequest<'_>,
) -> AppResult<OutboxPage> {
    if who.role != Role::Admin {
        return Err(AppError::forbidden("只有平台管理员可以查看消息发送记录"));
    }
    let channel = match given(request.channel) {
        Some(c) => Some(
            Channel::parse(c)
                .ok_or_else(|| AppError::invalid("channel", "渠道应为 site 或 sms"))?,
        ),
        None => None,
    };
    let state = match given(request.state) {
        Some(s) => Some(
            DeliveryState::parse(s)
                .ok_or_else(|| AppError::invalid("state", "状态应为 pending、sent 或 failed"))?,
        ),
        None => None,
    };
    let filter = OutboxFilter {
        channel,
        state,
        limit: request.limit,
        offset: request.offset,
    };
    let mut conn = app.db.conn().await?;
    let (messages, total) = store::list(&mut conn, &filter).await?;
    Ok(OutboxPage {
        total,
        items: messages
            .into_iter()
            .map(|m| OutboxItem {
                template_label: app.message_label(&m.template),
                channel_label: m.channel.label_zh(),
                state_label: m.state.label_zh(),
                message: m,
            })
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn templates_render_in_chinese_with_their_parameters() {
        let params =
            json!({ "object": "企业 91350521MA2Y0000X", "kind": "诉求响应", "due": "2026-10-10" });
        let (subject, body) = Template::DEADLINE_REMINDER.render(&params);
        assert_eq!(subject, "办理时限提醒");
        assert_eq!(
            body,
            "企业 91350521MA2Y0000X的诉求响应将于 2026-10-10 到期,请在时限内办结。"
        );
        let (subject, body) =
            Template::DEADLINE_WARNING.render(&json!({ "level": "红色预警", "due": 3 }));
        assert_eq!(subject, "办理时限红色预警");
        assert!(body.contains("相关事项的办理临近时限(3)"), "{body}");
        let (_, body) = Template::DEADLINE_ESCALATED.render(&json!({}));
        assert!(body.contains("已提交上级部门督办"), "{body}");
        for t in Template::KERNEL {
            let (subject, body) = t.render(&Value::Null);
            assert!(!subject.is_empty() && !body.is_empty(), "{}", t.key);
        }
    }

    #[test]
    fn retries_back_off_exponentially_up_to_an_hour() {
        let minutes: Vec<i64> = (1..=8).map(|n| retry_delay(n).num_minutes()).collect();
        assert_eq!(minutes, [1, 2, 4, 8, 16, 32, 60, 60]);
        assert_eq!(retry_delay(1000), MAX_RETRY_DELAY);
        assert!(CLAIM_LEASE > Duration::from_std(crate::sms::WEBHOOK_TIMEOUT).unwrap());
    }

    #[test]
    fn sms_carry_the_signature() {
        assert_eq!(
            sms_text("催办通知", "请办理。"),
            "【亲清家园】催办通知:请办理。"
        );
    }

    #[test]
    fn times_are_told_in_beijing_time() {
        let t = DateTime::parse_from_rfc3339("2026-01-01T16:30:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(beijing_minutes(t), "2026-01-02 00:30");
    }
}
