//! 部门评分: each department's score for a year or a month, ranked, with its charts, the
//! download and (for the administrator) the weights.

use super::{Layout, error_page};
use crate::AppError;
use crate::scorecard::{self, DepartmentScore, Measure, Scorecard, Weights};
use crate::web::AppState;
use crate::web::chart::{Bar, Chart, Tone};
use crate::web::session::{Caller, PageUser};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::Datelike;
use qinqing_domain::deadline::local_date;
use qinqing_domain::org::Role;

/// The routes of this module's pages.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/supervision/scorecard", get(page))
        .route("/supervision/scorecard/weights", post(set_weights))
}

#[derive(serde::Deserialize, Default)]
pub struct PeriodQuery {
    #[serde(default)]
    period: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "supervision_scorecard.html")]
pub struct ScorecardPage {
    layout: Layout,
    s: Scorecard,
    chart: Chart,
    /// The periods offered: this year and last, and this year's months so far.
    periods: Vec<(String, String)>,
    measures: [Measure; 3],
    may_set_weights: bool,
    /// The weights form as shown: the weights in force, or what the administrator typed.
    form: (String, String, String),
    /// Why the typed weights were refused.
    error: Option<String>,
}

impl ScorecardPage {
    /// The departments with a score, ranked.
    fn scored(&self) -> impl Iterator<Item = &DepartmentScore> {
        self.s.rows.iter().filter(|r| r.score.is_some())
    }

    /// The departments with nothing to count in the period, named in one line.
    fn unscored(&self) -> String {
        let names: Vec<&str> = self
            .s
            .rows
            .iter()
            .filter(|r| r.score.is_none())
            .map(|r| r.department.as_str())
            .collect();
        names.join("、")
    }

    fn rate(rate: &Option<f64>) -> String {
        rate.map_or_else(|| "—".into(), |r| format!("{r:.1}%"))
    }
}

async fn page(
    State(state): State<AppState>,
    PageUser(caller): PageUser,
    Query(q): Query<PeriodQuery>,
) -> Response {
    render(&state, &caller, q.period.as_deref(), None)
        .await
        .into_response()
}

/// The page of a period; with the administrator's refused weights, those typed and the reason.
async fn render(
    state: &AppState,
    caller: &Caller,
    period: Option<&str>,
    refused: Option<(&WeightsForm, String)>,
) -> Response {
    let s = match scorecard::scorecard(&state.app, &caller.principal, period).await {
        Ok(s) => s,
        Err(e) => return error_page(&e, Some(caller), state),
    };
    let w = s.weights;
    let (form, error) = match refused {
        Some((f, why)) => (
            (
                f.on_time.clone(),
                f.satisfaction.clone(),
                f.commitments.clone(),
            ),
            Some(why),
        ),
        None => (
            (
                w.on_time.to_string(),
                w.satisfaction.to_string(),
                w.commitments.to_string(),
            ),
            None,
        ),
    };
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = ScorecardPage {
        layout: Layout::new("部门评分", Some(caller), state, "/supervision"),
        chart: chart(&s),
        periods: periods(state.app.now()),
        measures: Measure::ALL,
        may_set_weights: caller.principal.role == Role::Admin,
        form,
        error,
        s,
    };
    (status, page).into_response()
}

/// The departments' scores as bars, the best first.
fn chart(s: &Scorecard) -> Chart {
    let bars: Vec<Bar> = s
        .rows
        .iter()
        .filter_map(|r| {
            let score = r.score?;
            Some(Bar {
                label: r.department.clone(),
                value: (score * 10.0).round() as i64,
                shown: format!("{score:.1} 分"),
                exact: format!("{score:.1} 分"),
                more: Vec::new(),
            })
        })
        .collect();
    Chart::bars(
        "scorecard-chart",
        &format!("{}各部门综合得分", s.period_label),
        Tone::Good,
        &["部门", "综合得分"],
        &bars,
    )
}

fn periods(now: chrono::DateTime<chrono::Utc>) -> Vec<(String, String)> {
    let today = local_date(now);
    let year = today.year();
    let mut out = vec![
        (year.to_string(), format!("{year} 年全年")),
        ((year - 1).to_string(), format!("{} 年全年", year - 1)),
    ];
    out.extend(
        (1..=today.month())
            .rev()
            .map(|m| (format!("{year}-{m:02}"), format!("{year} 年 {m} 月"))),
    );
    out
}

#[derive(serde::Deserialize)]
pub struct WeightsForm {
    #[serde(default)]
    on_time: String,
    #[serde(default)]
    satisfaction: String,
    #[serde(default)]
    commitments: String,
    #[serde(rename = "_csrf", default)]
    csrf: String,
}

fn weight(field: &str, value: &str) -> crate::AppResult<u32> {
    value
        .trim()
        .parse()
        .map_err(|_| AppError::invalid(field, "权重应为 0 至 100 的整数"))
}

async fn set_weights(
    State(state): State<AppState>,
    user: PageUser,
    axum::Form(form): axum::Form<WeightsForm>,
) -> Response {
    if let Err(r) = user.check_csrf(&form.csrf) {
        return r;
    }
    let caller = &user.0;
    let set = async {
        let new = Weights {
            on_time: weight("on_time", &form.on_time)?,
            satisfaction: weight("satisfaction", &form.satisfaction)?,
            commitments: weight("commitments", &form.commitments)?,
        };
        scorecard::set_weights(&state.app, &caller.principal, &new, &caller.meta).await
    };
    match set.await {
        Ok(_) => Redirect::to("/supervision/scorecard").into_response(),
        Err(e @ (AppError::Invalid { .. } | AppError::Fields(_))) => {
            render(&state, caller, None, Some((&form, e.to_string()))).await
        }
        Err(e) => error_page(&e, Some(caller), &state),
    }
}
