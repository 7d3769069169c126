//! The public policy library with search, a policy's page and the steps taken from it: its
//! life cycle, and the 免申即享 runs (compare, then release).

use super::yuan::{filters, grouped};
use crate::allocation::AllocationView;
use crate::auto_grant::{self, RunView};
use crate::grant_run::{self, RunReport};
use crate::library::{self, LifecycleAction, PolicyQuery, PolicyView};
use crate::search;
use crate::status::{ApplicationStatus, PolicyStatus};
use crate::terms::{self, Standing};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use qinqing_domain::org::Role;
use qinqing_kernel::listing::Queue;
use qinqing_kernel::web::AppState;
use qinqing_kernel::web::form::{Pairs, field};
use qinqing_kernel::web::pages::{Done, Layout, error_page, form_caller};
use qinqing_kernel::web::session::{Caller, MaybeUser, PageUser};
use qinqing_kernel::{AppResult, Principal};
use qinqing_rules::Terms;

/// The routes of this module's pages and forms.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/policies", get(list))
        .route("/policies/{id}", get(page))
        .route("/policies/{id}/submit-for-review", post(submit_for_review))
        .route("/policies/{id}/publish", post(publish))
        .route("/policies/{id}/withdraw", post(withdraw))
        .route("/policies/{id}/auto-grant", post(run_auto_grant))
        .route("/policies/{id}/allocation", post(allocate))
        .route(
            "/policies/{id}/auto-grant/runs/{run}/release",
            post(release_auto_grant),
        )
}

#[derive(Template, WebTemplate)]
#[template(path = "policies.html")]
pub struct PoliciesPage {
    layout: Layout,
    query: PolicyQuery,
    hits: Vec<crate::library::PolicyHit>,
    may_author: bool,
}

impl PoliciesPage {
    fn q(&self) -> &str {
        self.query.q.as_deref().unwrap_or("")
    }
    fn selected(&self, name: &str, value: &str) -> bool {
        let v = match name {
            "level" => self.query.level.as_deref(),
            "mode" => self.query.mode.as_deref(),
            "status" => self.query.status.as_deref(),
            _ => None,
        };
        v.unwrap_or("") == value
    }
}

/// The public library: search and filters; no login needed.
pub async fn list(
    State(state): State<AppState>,
    MaybeUser(caller): MaybeUser,
    Query(query): Query<PolicyQuery>,
) -> Response {
    let who = caller.as_ref().map(|c| &c.principal);
    match search::search(&state.app, who, &query).await {
        Ok(result) => PoliciesPage {
            layout: Layout::new("政策库", caller.as_ref(), &state, "/policies"),
            query,
            hits: result.items,
            may_author: who.is_some_and(may_author),
        }
        .into_response(),
        Err(e) => error_page(&e, caller.as_ref(), &state),
    }
}

/// Whether the caller may write policies (and exclude enterprises from a 免申即享 run).
pub(super) fn may_author(p: &Principal) -> bool {
    matches!(p.role, Role::Handler | Role::DepartmentLead | Role::Admin)
}

#[derive(Template, WebTemplate)]
#[template(path = "policy.html")]
pub struct PolicyPage {
    layout: Layout,
    p: PolicyView,
    /// The caller's enterprises, for "我要申报".
    enterprises: Vec<String>,
    is_staff: bool,
    may_publish: bool,
    may_run: bool,
    year: i32,
    report: Option<RunReport>,
    /// The 免申即享 runs to check and release (the department's staff).
    runs: Vec<RunView>,
    notice: String,
    /// The push form and push log (staff of the department, supervisors, admin).
    pushes: Option<super::pushes::PushPanel>,
    /// 谁可以享受 and 可享多少, in words.
    terms: Terms,
    /// Where each of the caller's enterprises stands with the policy.
    standings: Vec<Standing>,
    /// 按比例分配 of the policy year, for the department's lead of a policy paid 按比例.
    allocation: Option<AllocationView>,
}

impl PolicyPage {
    /// A version edited after publication waits for the lead to publish it.
    fn has_new_version(&self) -> bool {
        self.p.status == PolicyStatus::Published
            && self.p.published_version != Some(self.p.current_version)
    }
}

/// The run that a "released" confirmation speaks of (`?done=released&run=id`), or the run whose
/// progress the page follows (`?run=id`); and the page of the push log shown (`?page=n`).
#[derive(serde::Deserialize, Default)]
pub struct ReleasedRun {
    run: Option<i64>,
    page: Option<String>,
}

/// What a step on a policy's page redirected back with: its confirmation code and, for a
/// release, the run.
struct PolicyDone {
    done: Done,
    run: Option<i64>,
    /// The page of the push log to show.
    push_log: Queue,
}

pub async fn page(
    State(state): State<AppState>,
    MaybeUser(caller): MaybeUser,
    Path(id): Path<String>,
    Query(done): Query<Done>,
    Query(released): Query<ReleasedRun>,
) -> Response {
    let followed = match (caller.as_ref(), released.run) {
        (Some(c), Some(run)) if done.code().is_none() => {
            grant_run::report(&state.app, &c.principal, run).await.ok()
        }
        _ => None,
    };
    let notice = followed
        .as_ref()
        .filter(|r| !r.is_running())
        .map(finished_notice)
        .unwrap_or_default();
    let done = PolicyDone {
        done,
        run: released.run,
        push_log: Queue::untabbed(released.page.as_deref()),
    };
    render_policy(&state, caller.as_ref(), &id, followed, &done, notice).await
}

fn finished_notice(report: &RunReport) -> String {
    format!(
        "比对完成:{} 家企业待核对,合计 ¥{};核对无误后发布,企业才会收到确认通知",
        report.offered_count,
        grouped(&report.total_offered)
    )
}

/// How long the page waits for a run to finish before it shows the run's progress instead.
const QUICK_RUN: std::time::Duration = std::time::Duration::from_secs(3);

/// The run once it has finished, or as it stands after [`QUICK_RUN`].
async fn wait_briefly(state: &AppState, who: &Principal, mut report: RunReport) -> RunReport {
    let started = std::time::Instant::now();
    while report.is_running() && started.elapsed() < QUICK_RUN {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        match grant_run::report(&state.app, who, report.id).await {
            Ok(r) => report = r,
            Err(_) => break,
        }
    }
    report
}

/// The confirmation a redirect's code stands for, worded from the policy as it now is.
fn policy_notice(done: &PolicyDone, p: &PolicyView, runs: &[RunView]) -> String {
    match done.done.code() {
        Some("lifecycle") => format!("政策{}", p.status_label),
        Some("allocated") => "已按比例核定:款项已排队拨付,企业已收到通知".to_string(),
        Some("released") => {
            let sent = runs.iter().find(|r| Some(r.id) == done.run).map_or(0, |r| {
                r.offers
                    .iter()
                    .filter(|o| o.status != ApplicationStatus::Excluded)
                    .count()
            });
            format!("已发布:{sent} 家企业将收到免申即享确认通知")
        }
        _ => String::new(),
    }
}

async fn render_policy(
    state: &AppState,
    caller: Option<&Caller>,
    id: &str,
    report: Option<RunReport>,
    done: &PolicyDone,
    notice: String,
) -> Response {
    let who = caller.map(|c| &c.principal);
    match library::get(&state.app, who, id).await {
        Ok(p) => {
            let same_department = who.is_some_and(|w| w.org_id == p.department_org_id);
            let is_admin = who.is_some_and(|w| w.role == Role::Admin);
            let runs = match who.filter(|_| p.mode == "auto_grant") {
                Some(w) => auto_grant::runs(&state.app, w, id)
                    .await
                    .unwrap_or_default(),
                None => Vec::new(),
            };
            let notice = if notice.is_empty() {
                policy_notice(done, &p, &runs)
            } else {
                notice
            };
            let (terms, standings) = match terms_and_standings(state, who, &p).await {
                Ok(found) => found,
                Err(e) => return error_page(&e, caller, state),
            };
            let year = crate::api::policies::default_year(state);
            let allocation =
                match who.filter(|w| crate::library::may_publish(w, p.department_org_id)) {
                    Some(w) => crate::allocation::preview(&state.app, w, id, year)
                        .await
                        .unwrap_or_default(),
                    None => None,
                };
            PolicyPage {
                runs,
                allocation,
                layout: Layout::new(p.title.clone(), caller, state, "/policies"),
                enterprises: who
                    .filter(|w| acts_for_enterprises(w))
                    .map(|w| w.enterprises().iter().map(ToString::to_string).collect())
                    .unwrap_or_default(),
                is_staff: who.is_some_and(|w| w.role.is_staff() && w.role != Role::Steward),
                may_publish: is_admin
                    || (same_department && who.is_some_and(|w| w.role == Role::DepartmentLead)),
                may_run: p.mode == "auto_grant"
                    && p.status == PolicyStatus::Published
                    && (is_admin
                        || (same_department
                            && who.is_some_and(|w| {
                                matches!(w.role, Role::Handler | Role::DepartmentLead)
                            }))),
                year,
                report,
                pushes: super::pushes::push_panel(state, who, &p, &done.push_log).await,
                notice,
                terms,
                standings,
                p,
            }
            .into_response()
        }
        Err(e) => error_page(&e, caller, state),
    }
}

/// The policy's terms for the policy year the platform works on, and where the enterprises the
/// caller acts for stand with it that year.
async fn terms_and_standings(
    state: &AppState,
    who: Option<&Principal>,
    p: &PolicyView,
) -> AppResult<(Terms, Vec<Standing>)> {
    let year = crate::api::policies::default_year(state);
    let words = terms::of_policy(&state.app, p, year).await?;
    let standings = match who.filter(|w| acts_for_enterprises(w)) {
        Some(w) if p.status == PolicyStatus::Published => {
            terms::standings(&state.app, w, w.enterprises(), &p.id, words.year).await?
        }
        _ => Vec::new(),
    };
    Ok((words, standings))
}

/// Enterprise users and stewards (帮办) act for enterprises on the platform.
fn acts_for_enterprises(who: &Principal) -> bool {
    matches!(who.role, Role::EnterpriseUser | Role::Steward)
}

/// 按比例核定: the lead allocates the pool among the year's waiting grants.
pub async fn allocate(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<String>,
    Form(pairs): Form<Pairs>,
) -> Result<Response, Response> {
    let caller = form_caller(&user, &pairs)?;
    let year = field(&pairs, "year")
        .parse()
        .unwrap_or_else(|_| crate::api::policies::default_year(&state));
    let (who, meta) = (&caller.principal, &caller.meta);
    Ok(
        match crate::allocation::allocate(&state.app, who, &id, year, meta).await {
            Ok(_) => {
                Redirect::to(&format!("/policies/{id}?done=allocated#allocation")).into_response()
            }
            Err(e) => error_page(&e, Some(caller), &state),
        },
    )
}

/// 提交审核: the author sends a draft to the department lead.
pub async fn submit_for_review(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<String>,
    Form(pairs): Form<Pairs>,
) -> Result<Response, Response> {
    lifecycle(&state, &user, &id, &pairs, LifecycleAction::SubmitForReview).await
}

/// 上架: the lead publishes the policy, or its new version.
pub async fn publish(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<String>,
    Form(pairs): Form<Pairs>,
) -> Result<Response, Response> {
    lifecycle(&state, &user, &id, &pairs, LifecycleAction::Publish).await
}

/// 撤回下架: the lead takes a published policy down, with the reason.
pub async fn withdraw(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<String>,
    Form(pairs): Form<Pairs>,
) -> Result<Response, Response> {
    lifecycle(&state, &user, &id, &pairs, LifecycleAction::Withdraw).await
}

/// A life-cycle step from the policy's page; back to the page, which words its confirmation.
async fn lifecycle(
    state: &AppState,
    user: &PageUser,
    id: &str,
    pairs: &Pairs,
    action: LifecycleAction,
) -> Result<Response, Response> {
    let caller = form_caller(user, pairs)?;
    let reason = Some(field(pairs, "reason")).filter(|r| !r.trim().is_empty());
    let (who, meta) = (&caller.principal, &caller.meta);
    let result = library::lifecycle(&state.app, who, id, action, reason, meta).await;
    Ok(match result {
        Ok(p) => Redirect::to(&format!("/policies/{}?done=lifecycle", p.id)).into_response(),
        Err(e) => error_page(&e, Some(caller), state),
    })
}

/// Starts a 免申即享 run from the policy's page: a quick run's report shows at once; a long one
/// shows its progress on the policy's page until it finishes.
pub async fn run_auto_grant(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<String>,
    axum::Form(pairs): axum::Form<Pairs>,
) -> Result<Response, Response> {
    let caller = form_caller(&user, &pairs)?;
    let year = field(&pairs, "year")
        .parse()
        .unwrap_or_else(|_| crate::api::policies::default_year(&state));
    let who = &caller.principal;
    let started = grant_run::start(&state.app, who, &id, year, &caller.meta).await;
    let report = match started {
        Ok(report) => wait_briefly(&state, who, report).await,
        Err(e) => return Ok(error_page(&e, Some(caller), &state)),
    };
    if report.is_running() {
        let progress = format!("/policies/{id}?run={}#run-progress", report.id);
        return Ok(Redirect::to(&progress).into_response());
    }
    let notice = finished_notice(&report);
    let done = PolicyDone {
        done: Done::default(),
        run: None,
        push_log: Queue::untabbed(None),
    };
    Ok(render_policy(&state, Some(caller), &id, Some(report), &done, notice).await)
}

/// Releases (发布) a checked 免申即享 run from the policy's page.
pub async fn release_auto_grant(
    State(state): State<AppState>,
    user: PageUser,
    // The page to go back to is the run's own policy, whatever the address said.
    Path((_policy, run)): Path<(String, i64)>,
    axum::Form(pairs): axum::Form<Pairs>,
) -> Result<Response, Response> {
    let caller = form_caller(&user, &pairs)?;
    let result = auto_grant::release(&state.app, &caller.principal, run, &caller.meta).await;
    Ok(match result {
        Ok(view) => Redirect::to(&format!(
            "/policies/{}?done=released&run={}",
            view.policy_id, view.id
        ))
        .into_response(),
        Err(e) => error_page(&e, Some(caller), &state),
    })
}
