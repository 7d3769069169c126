//! 诉求研判 and the 12345 import pages. The use cases decide who may see and do what; the
//! export links reach the JSON API's CSV and XLSX formats with the same period.

use crate::analysis::{
    self, Analysis, AnalysisQuery, GroupRow, ProblemRow, REPEAT_DAYS, SUBJECT_CHARS,
};
use crate::intake::{self, ImportSummary};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Multipart, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use qinqing_exchange::RowError;
use qinqing_exchange::hotline::HEADERS;
use qinqing_kernel::AppError;
use qinqing_kernel::web::AppState;
use qinqing_kernel::web::chart::{Bar, Chart, Month, Series, Tone};
use qinqing_kernel::web::pages::{Layout, error_page, form_caller};
use qinqing_kernel::web::session::PageUser;
use qinqing_kernel::web::upload::UploadForm;
use std::collections::HashSet;

/// The routes of this module's pages and forms.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/requests/analysis", get(analysis))
        .route("/requests/import", get(import_form).post(import))
}

#[derive(Template, WebTemplate)]
#[template(path = "request_analysis.html")]
pub struct AnalysisPage {
    layout: Layout,
    a: Analysis,
    /// The requests named on the page that the reader may open (the others are not links).
    openable: HashSet<String>,
    repeat_days: i64,
    subject_chars: usize,
}

impl AnalysisPage {
    /// A share in basis points as "98.70%".
    fn pct(&self, bp: &Option<i64>) -> String {
        bp.map_or_else(|| "—".into(), |v| format!("{}.{:02}%", v / 100, v % 100))
    }

    fn or_dash(&self, v: &Option<String>) -> String {
        v.clone().unwrap_or_else(|| "—".into())
    }

    /// Requests registered by month.
    fn month_chart(&self) -> Chart {
        let series = [Series {
            name: "登记诉求".into(),
            tone: Tone::Plain,
        }];
        let months: Vec<Month> = self
            .a
            .by_month
            .iter()
            .map(|m| Month {
                month: m.month.clone(),
                values: vec![m.total],
            })
            .collect();
        Chart::trend(
            "chart-month-svg",
            "每月登记的诉求件数",
            "件",
            &series,
            &months,
        )
    }

    /// The charts by group: heading, element id, chart.
    fn charts(&self) -> [(&'static str, &'static str, Chart); 3] {
        [
            ("按类别", "chart-category", "类别", &self.a.by_category),
            (
                "按受理部门",
                "chart-department",
                "受理部门",
                &self.a.by_department,
            ),
            ("按镇街", "chart-town", "镇街", &self.a.by_town),
        ]
        .map(|(title, id, head, groups)| (title, id, group_chart(title, id, head, groups)))
    }

    /// The lists of unresolved problems: heading, element id, rows.
    fn problems(&self) -> [(&'static str, &'static str, &[ProblemRow]); 3] {
        [
            ("最久未办结", "oldest", &self.a.oldest),
            ("已超过办结时限", "overdue", &self.a.overdue),
            ("回访不满意重新办理", "reopened", &self.a.reopened),
        ]
    }
}

/// Requests by one grouping, the largest group's bar the full width.
fn group_chart(title: &str, id: &str, head: &str, groups: &[GroupRow]) -> Chart {
    let bars: Vec<Bar> = groups
        .iter()
        .map(|g| Bar {
            label: g.label.clone(),
            value: g.total,
            shown: format!("{} 件", g.total),
            exact: format!("{} 件", g.total),
            more: vec![g.in_hand.to_string(), g.closed.to_string()],
        })
        .collect();
    Chart::bars(
        &format!("{id}-svg"),
        &format!("本期诉求{title}"),
        Tone::Plain,
        &[head, "诉求", "办理中", "已办结"],
        &bars,
    )
}

pub async fn analysis(
    State(state): State<AppState>,
    PageUser(caller): PageUser,
    Query(q): Query<AnalysisQuery>,
) -> Response {
    let found = match analysis::analyse(&state.app, &caller.principal, &q).await {
        Ok(a) => analysis::openable(&state.app, &caller.principal, &a)
            .await
            .map(|open| (a, open)),
        Err(e) => Err(e),
    };
    match found {
        Ok((a, openable)) => AnalysisPage {
            layout: Layout::new("诉求研判", Some(&caller), &state, "/requests/analysis"),
            a,
            openable,
            repeat_days: REPEAT_DAYS,
            subject_chars: SUBJECT_CHARS,
        }
        .into_response(),
        Err(e) => error_page(&e, Some(&caller), &state),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "request_import.html")]
pub struct ImportPage {
    layout: Layout,
    headers: &'static [&'static str],
    summary: Option<ImportSummary>,
    problems: Vec<RowError>,
    message: String,
}

fn import_page(state: &AppState, caller: &qinqing_kernel::web::session::Caller) -> ImportPage {
    ImportPage {
        layout: Layout::new("12345 工单导入", Some(caller), state, "/requests/import"),
        headers: &HEADERS,
        summary: None,
        problems: Vec::new(),
        message: String::new(),
    }
}

pub async fn import_form(State(state): State<AppState>, PageUser(caller): PageUser) -> Response {
    import_page(&state, &caller).into_response()
}

/// Imports the file; every problem is listed by row and column, and nothing is saved.
pub async fn import(
    State(state): State<AppState>,
    user: PageUser,
    form: Multipart,
) -> Result<Response, Response> {
    let form = UploadForm::read(form, "file").await;
    let caller = form_caller(&user, &form.pairs)?;
    let result = match crate::api::request_analysis::uploaded(&form) {
        Ok((name, bytes)) => {
            intake::import(&state.app, &caller.principal, name, bytes, &caller.meta).await
        }
        Err(e) => Err(e),
    };
    let mut page = import_page(&state, caller);
    Ok(match result {
        Ok(summary) => {
            page.summary = Some(summary);
            page.into_response()
        }
        Err(e @ (AppError::Forbidden(_) | AppError::Unauthenticated)) => {
            error_page(&e, Some(caller), &state)
        }
        Err(e) => {
            let status = qinqing_kernel::web::error::status_of(&e);
            page.message = e.to_string();
            if let AppError::ImportRejected(report) = e {
                page.problems = report.errors;
            }
            (status, page).into_response()
        }
    })
}
