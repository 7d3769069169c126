//! 站内信: the inbox with its notification preferences, and the administrator's outbox (the SMS
//! that were, or without a gateway would have been, sent).

use super::{Choice, CsrfForm, Done, Layout, button_answer, error_page};
use crate::notifications::{
    self, InboxItem, OutboxItem, OutboxRequest, Preferences, PreferencesInput, beijing_minutes,
};
use crate::sms::RECORDING;
use crate::web::AppState;
use crate::web::session::PageUser;
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

/// The routes of this module's pages and forms.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/messages", get(page))
        .route("/messages/{id}/read", post(read))
        .route("/messages/preferences", post(preferences))
        .route("/admin/outbox", get(outbox))
}

/// One message as the inbox shows it.
pub struct InboxLine {
    pub id: i64,
    pub kind: &'static str,
    pub subject: String,
    pub body: String,
    pub created_at: String,
    pub unread: bool,
    pub link: Option<String>,
}

impl From<InboxItem> for InboxLine {
    fn from(m: InboxItem) -> Self {
        InboxLine {
            id: m.id,
            kind: m.kind,
            subject: m.subject,
            body: m.body,
            created_at: beijing_minutes(m.created_at),
            unread: m.read_at.is_none(),
            link: m.link,
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "messages.html")]
pub struct MessagesPage {
    layout: Layout,
    unread: i64,
    items: Vec<InboxLine>,
    preferences: Preferences,
    notice: Option<&'static str>,
}

/// 站内信: the caller's messages, newest first, and how they want to be told.
pub async fn page(
    State(state): State<AppState>,
    PageUser(caller): PageUser,
    Query(done): Query<Done>,
) -> Response {
    let who = &caller.principal;
    let loaded = async {
        let inbox = notifications::inbox(&state.app, who).await?;
        let preferences = notifications::preferences(&state.app, who).await?;
        Ok::<_, crate::AppError>((inbox, preferences))
    };
    let (inbox, preferences) = match loaded.await {
        Ok(found) => found,
        Err(e) => return error_page(&e, Some(&caller), &state),
    };
    let notice = done.notice(&[("read", "已标为已读"), ("saved", "通知方式已保存")]);
    MessagesPage {
        layout: Layout::new("站内信", Some(&caller), &state, "/messages"),
        unread: inbox.unread,
        items: inbox.items.into_iter().map(InboxLine::from).collect(),
        preferences,
        notice,
    }
    .into_response()
}

/// Marks a message read, then shows the inbox again (so the header's count is fresh).
pub async fn read(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    Form(form): Form<CsrfForm>,
) -> Response {
    button_answer(
        &state,
        &user,
        &form.csrf,
        "/messages?done=read",
        async |caller| {
            notifications::mark_read(&state.app, &caller.principal, id, &caller.meta).await
        },
    )
    .await
}

#[derive(Deserialize)]
pub struct PreferencesForm {
    /// A checkbox: present ("on") when ticked.
    sms: Option<String>,
    #[serde(rename = "_csrf", default)]
    csrf: String,
}

pub async fn preferences(
    State(state): State<AppState>,
    user: PageUser,
    Form(form): Form<PreferencesForm>,
) -> Response {
    if let Err(r) = user.check_csrf(&form.csrf) {
        return r;
    }
    let caller = &user.0;
    let input = PreferencesInput {
        site: None,
        sms: form.sms.is_some(),
    };
    match notifications::set_preferences(&state.app, &caller.principal, &input, &caller.meta).await
    {
        Ok(_) => Redirect::to("/messages?done=saved").into_response(),
        Err(e) => error_page(&e, Some(caller), &state),
    }
}

/// One outbox row as the administrator's page shows it.
pub struct OutboxLine {
    pub created_at: String,
    /// The recipient by name, and the account as typed (an administrator finds it by that).
    pub recipient: String,
    pub account: String,
    pub address: String,
    pub channel: &'static str,
    pub kind: &'static str,
    pub body: String,
    pub state: &'static str,
    pub state_class: &'static str,
    pub state_label: &'static str,
    pub attempts: i64,
    /// "仅记录" for SMS the recording provider kept instead of sending.
    pub via: &'static str,
    pub when: String,
    pub last_error: String,
}

impl From<OutboxItem> for OutboxLine {
    fn from(item: OutboxItem) -> Self {
        let m = item.message;
        let state = m.state.as_str();
        let when = match (m.sent_at, m.next_attempt_at) {
            (Some(t), _) => format!("{} 发出", beijing_minutes(t)),
            (None, Some(t)) if state == "pending" => format!("{} 尝试", beijing_minutes(t)),
            _ => String::new(),
        };
        OutboxLine {
            created_at: beijing_minutes(m.created_at),
            recipient: m.recipient_name,
            account: m.recipient_username,
            address: m.address.unwrap_or_default(),
            channel: item.channel_label,
            kind: item.template_label,
            body: m.body,
            state,
            state_class: match state {
                "sent" => "good",
                "pending" => "watch",
                _ => "bad",
            },
            state_label: item.state_label,
            attempts: m.attempts,
            via: match m.sent_via.as_deref() {
                Some(RECORDING) => "仅记录,未发出",
                Some(_) => "短信网关",
                None => "",
            },
            when,
            last_error: m.last_error.unwrap_or_default(),
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_outbox.html")]
pub struct OutboxPage {
    layout: Layout,
    lines: Vec<OutboxLine>,
    total: i64,
    channel: String,
    state: String,
    channels: Vec<Choice>,
    states: Vec<Choice>,
    page: i64,
    pages: i64,
    prev_link: Option<String>,
    next_link: Option<String>,
}

#[derive(Deserialize)]
pub struct OutboxQuery {
    /// sms (the default), site, or empty for both.
    channel: Option<String>,
    state: Option<String>,
    page: Option<i64>,
}

const PER_PAGE: i64 = 100;

/// 消息记录: every message with its delivery state, SMS first of all (administrator only).
pub async fn outbox(
    State(state): State<AppState>,
    PageUser(caller): PageUser,
    Query(q): Query<OutboxQuery>,
) -> Response {
    let channel = q.channel.unwrap_or_else(|| "sms".into());
    let wanted = q.state.unwrap_or_default();
    let page = q.page.unwrap_or(1).max(1);
    let request = OutboxRequest {
        channel: Some(&channel),
        state: Some(&wanted),
        limit: PER_PAGE,
        offset: crate::listing::offset(page, PER_PAGE),
    };
    let found = match notifications::outbox(&state.app, &caller.principal, &request).await {
        Ok(found) => found,
        Err(e) => return error_page(&e, Some(&caller), &state),
    };
    let pages = ((found.total + PER_PAGE - 1) / PER_PAGE).max(1);
    let link = |p: i64| format!("/admin/outbox?channel={channel}&state={wanted}&page={p}");
    OutboxPage {
        layout: Layout::new("消息记录", Some(&caller), &state, "/admin/outbox"),
        total: found.total,
        lines: found.items.into_iter().map(OutboxLine::from).collect(),
        channels: vec![
            Choice {
                value: "sms",
                label: "短信",
            },
            Choice {
                value: "site",
                label: "站内信",
            },
            Choice {
                value: "",
                label: "全部渠道",
            },
        ],
        states: vec![
            Choice {
                value: "",
                label: "全部状态",
            },
            Choice {
                value: "pending",
                label: "待发送",
            },
            Choice {
                value: "sent",
                label: "已发送",
            },
            Choice {
                value: "failed",
                label: "发送失败",
            },
        ],
        prev_link: (page > 1).then(|| link(page - 1)),
        next_link: (page < pages).then(|| link(page + 1)),
        channel,
        state: wanted,
        page,
        pages,
    }
    .into_response()
}
