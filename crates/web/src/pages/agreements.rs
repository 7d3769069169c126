//! 政企合同双兑现 pages: the agreements the caller may see, and a project's timeline (a vertical
//! list by planned date, readable on a phone).

use super::{Layout, error_page};
use crate::AppState;
use crate::session::PageUser;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use qinqing_app::agreements::{self, AgreementSummary, AgreementView, document};
use qinqing_app::attachments::AttachmentView;

#[derive(Template, WebTemplate)]
#[template(path = "agreements.html")]
pub struct AgreementsPage {
    layout: Layout,
    list: Vec<AgreementSummary>,
}

#[derive(Template, WebTemplate)]
#[template(path = "agreement.html")]
pub struct AgreementPage {
    layout: Layout,
    a: AgreementView,
    /// The agreement document's files (协议文本).
    documents: Vec<AttachmentView>,
}

impl AgreementPage {
    /// The colour of a state's tag: closed well, needs watching, gone wrong.
    fn tone(&self, status: &str) -> &'static str {
        match status {
            "fulfilled_on_time" | "waived" => "good",
            "due_soon" | "due" | "reported" | "fulfilled_late" => "watch",
            "overdue" | "breached" | "suspended" => "bad",
            _ => "",
        }
    }
}

pub async fn list_page(State(state): State<AppState>, PageUser(caller): PageUser) -> Response {
    match agreements::list(&state.app, &caller.principal).await {
        Ok(list) => AgreementsPage {
            layout: Layout::new("政企合同", Some(&caller), &state, "/agreements"),
            list,
        }
        .into_response(),
        Err(e) => error_page(&e, Some(&caller), &state),
    }
}

pub async fn detail_page(
    State(state): State<AppState>,
    PageUser(caller): PageUser,
    Path(id): Path<i64>,
) -> Response {
    let who = &caller.principal;
    let found = match agreements::get(&state.app, who, id).await {
        Ok(a) => document::list(&state.app, who, id).await.map(|d| (a, d)),
        Err(e) => Err(e),
    };
    match found {
        Ok((mut a, documents)) => {
            // The timeline reads top to bottom in the order things are due.
            a.items.sort_by_key(|i| (i.planned_on, i.id));
            AgreementPage {
                layout: Layout::new(&a.project_name, Some(&caller), &state, "/agreements"),
                a,
                documents,
            }
            .into_response()
        }
        Err(e) => error_page(&e, Some(&caller), &state),
    }
}
