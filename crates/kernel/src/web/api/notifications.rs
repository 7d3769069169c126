//! 站内信 and notification preferences of the caller; the administrator's outbox.

use crate::notifications::{self, Inbox, OutboxItem, OutboxRequest, Preferences, PreferencesInput};
use crate::web::AppState;
use crate::web::error::ApiResult;
use crate::web::session::ApiUser;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The routes of this file's handlers; each path is written once, in its handler's annotation.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(read))
        .routes(routes!(preferences, set_preferences))
        .routes(routes!(outbox))
}

#[derive(Serialize, ToSchema)]
pub struct MessageItem {
    pub id: i64,
    /// Template code, e.g. deadline_demand, password_reset.
    pub template: String,
    /// What kind of message, in Chinese (催办, 账户安全 …).
    pub kind: String,
    pub subject: String,
    pub body: String,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: DateTime<Utc>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub read_at: Option<DateTime<Utc>>,
    /// The page of the item the message is about (`/applications/SB…`, `/requests/SQ…`).
    pub link: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct MessageList {
    /// Unread site messages in all (not only among those listed).
    pub unread: i64,
    /// Newest first; the latest 200.
    pub items: Vec<MessageItem>,
}

impl From<Inbox> for MessageList {
    fn from(inbox: Inbox) -> Self {
        MessageList {
            unread: inbox.unread,
            items: inbox
                .items
                .into_iter()
                .map(|m| MessageItem {
                    id: m.id,
                    template: m.template,
                    kind: m.kind.to_string(),
                    subject: m.subject,
                    body: m.body,
                    created_at: m.created_at,
                    read_at: m.read_at,
                    link: m.link,
                })
                .collect(),
        }
    }
}

/// The caller's 站内信, newest first, with the unread count.
#[utoipa::path(get, path = "/api/v1/messages", tag = "messages",
    responses((status = 200, body = MessageList), (status = 401, body = crate::web::error::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
) -> ApiResult<Json<MessageList>> {
    let inbox = notifications::inbox(&state.app, &caller.principal).await?;
    Ok(Json(inbox.into()))
}

/// Marks one of the caller's messages read (again: no change). Another user's message is 404.
#[utoipa::path(post, path = "/api/v1/messages/{id}/read", tag = "messages",
    params(("id" = i64, Path)),
    responses((status = 204, description = "已读"), (status = 404, body = crate::web::error::ErrorBody)))]
pub async fn read(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    notifications::mark_read(&state.app, &caller.principal, id, &caller.meta).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct PreferencesBody {
    /// Always true: 站内信 cannot be turned off.
    pub site: bool,
    /// Whether the caller receives SMS.
    pub sms: bool,
    /// The account's phone number; without one no SMS is sent.
    pub phone: Option<String>,
}

impl From<Preferences> for PreferencesBody {
    fn from(p: Preferences) -> Self {
        PreferencesBody {
            site: p.site,
            sms: p.sms,
            phone: p.phone,
        }
    }
}

/// The caller's notification channels.
#[utoipa::path(get, path = "/api/v1/messages/preferences", tag = "messages",
    responses((status = 200, body = PreferencesBody), (status = 401, body = crate::web::error::ErrorBody)))]
pub async fn preferences(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
) -> ApiResult<Json<PreferencesBody>> {
    let p = notifications::preferences(&state.app, &caller.principal).await?;
    Ok(Json(p.into()))
}

/// Chooses the caller's channels: SMS on or off. Turning 站内信 off is refused (422).
#[utoipa::path(put, path = "/api/v1/messages/preferences", tag = "messages",
    request_body = PreferencesInput,
    responses((status = 200, body = PreferencesBody), (status = 422, body = crate::web::error::ErrorBody)))]
pub async fn set_preferences(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Json(input): Json<PreferencesInput>,
) -> ApiResult<Json<PreferencesBody>> {
    let p =
        notifications::set_preferences(&state.app, &caller.principal, &input, &caller.meta).await?;
    Ok(Json(p.into()))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OutboxQuery {
    /// site or sms.
    channel: Option<String>,
    /// pending, sent or failed.
    state: Option<String>,
    page: Option<i64>,
    per_page: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct OutboxMessage {
    pub id: i64,
    pub recipient_user_id: i64,
    pub recipient_username: String,
    /// site or sms.
    pub channel: String,
    /// The phone number of an SMS.
    pub address: Option<String>,
    pub template: String,
    pub subject: String,
    /// The text as delivered (an SMS with its signature).
    pub body: String,
    pub idempotency_key: String,
    /// pending, sent or failed.
    pub state: String,
    pub state_label: String,
    pub attempts: i64,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: DateTime<Utc>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub sent_at: Option<DateTime<Utc>>,
    /// The SMS provider that delivered it: recording (kept on the platform, not sent) or webhook.
    pub sent_via: Option<String>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub read_at: Option<DateTime<Utc>>,
}

impl From<OutboxItem> for OutboxMessage {
    fn from(item: OutboxItem) -> Self {
        let m = item.message;
        OutboxMessage {
            id: m.id,
            recipient_user_id: m.recipient_user_id,
            recipient_username: m.recipient_username,
            channel: m.channel.as_str().to_string(),
            address: m.address,
            template: m.template,
            subject: m.subject,
            body: m.body,
            idempotency_key: m.idempotency_key,
            state: m.state.as_str().to_string(),
            state_label: item.state_label.to_string(),
            attempts: m.attempts,
            next_attempt_at: m.next_attempt_at,
            last_error: m.last_error,
            created_at: m.created_at,
            sent_at: m.sent_at,
            sent_via: m.sent_via,
            read_at: m.read_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct OutboxList {
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
    pub items: Vec<OutboxMessage>,
}

pub const MAX_PER_PAGE: i64 = 200;

/// Every message with its delivery state, newest first (administrator only).
#[utoipa::path(get, path = "/api/v1/admin/outbox", tag = "messages", params(OutboxQuery),
    responses((status = 200, body = OutboxList), (status = 403, body = crate::web::error::ErrorBody)))]
pub async fn outbox(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Query(q): Query<OutboxQuery>,
) -> ApiResult<Json<OutboxList>> {
    let page = q.page.unwrap_or(1).max(1);
    let per_page = q.per_page.unwrap_or(50).clamp(1, MAX_PER_PAGE);
    let request = OutboxRequest {
        channel: q.channel.as_deref(),
        state: q.state.as_deref(),
        limit: per_page,
        offset: crate::listing::offset(page, per_page),
    };
    let found = notifications::outbox(&state.app, &caller.principal, &request).await?;
    Ok(Json(OutboxList {
        total: found.total,
        page,
        per_page,
        items: found.items.into_iter().map(OutboxMessage::from).collect(),
    }))
}
