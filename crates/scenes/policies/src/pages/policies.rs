//! Pages of benefit-policy fulfilment: the public policy library with search, a policy's page,
//! "我的可享政策", the application form and its progress, the review queue, the payout desk.

use super::policy_builder::{self, BuilderView, Editor};
use crate::applications::{self, ApplicationInput, ApplicationView, FactInput};
use crate::auto_grant::{self, RunReport, RunView};
use crate::builder;
use crate::entitlements::{self, Entitlement, Entitlements};
use crate::library::{self, LifecycleAction, PolicyQuery, PolicyView};
use crate::payouts::{self, AccountInput, PayoutDesk};
use crate::review::{self, Decision, QueueItem};
use crate::search;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Multipart, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use qinqing_domain::CreditCode;
use qinqing_domain::org::Role;
use qinqing_kernel::enterprises;
use qinqing_kernel::web::AppState;
use qinqing_kernel::web::pages::{
    Done, Errors, Layout, Pairs, error_page, errors_of, field, form_caller, form_errors,
    shows_error_page,
};
use qinqing_kernel::web::session::{Caller, MaybeUser, PageUser};
use qinqing_kernel::web::upload::UploadForm;
use qinqing_kernel::{AppError, Principal};
use std::collections::HashMap;

/// The routes of this module's pages and forms.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/policies", get(list))
        .route("/policies/new", get(new_page).post(create))
        .route("/policies/{id}", get(page))
        .route("/policies/{id}/edit", get(edit_page).post(update))
        .route("/policies/{id}/lifecycle", post(lifecycle))
        .route("/policies/{id}/auto-grant", post(run_auto_grant))
        .route(
            "/policies/{id}/auto-grant/runs/{run}/release",
            post(release_auto_grant),
        )
        .route("/enterprises/{code}/entitlements", get(entitlements_page))
        .route(
            "/enterprises/{code}/applications",
            get(enterprise_applications),
        )
        .route("/enterprises/{code}/bank-account", post(confirm_account))
        .route("/applications/new", get(apply_page).post(apply))
        .route(
            "/applications/{receipt}",
            get(application_page).post(application_action),
        )
        .route("/reviews", get(reviews))
        .route("/dashboard/policies", get(dashboard))
        .route("/integrity", get(integrity_page))
        .route("/integrity/blacklist", post(import_blacklist))
        .route("/clawbacks/{id}/repayments", post(repayment))
        .route("/payouts", get(payouts_page).post(payouts_action))
        .route("/payouts/batches/{id}/file", get(batch_file))
        .route("/payouts/results", post(import_results))
}

/// Template filters of these pages.
mod filters {
    /// An amount in yuan as the views carry it ("784130.48") with thousands separators
    /// ("784,130.48"), as amounts are written everywhere else; anything else is shown as it is.
    #[askama::filter_fn]
    pub fn yuan(value: &dyn std::fmt::Display, _: &dyn askama::Values) -> askama::Result<String> {
        Ok(super::grouped(&value.to_string()))
    }
}

/// "784130.48" → "784,130.48"; anything that is not an amount stays as it is.
fn grouped(text: &str) -> String {
    qinqing_domain::Money::parse_yuan(text)
        .map_or_else(|_| text.to_string(), |m| m.format_grouped())
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

fn may_author(p: &Principal) -> bool {
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
}

impl PolicyPage {
    /// A version edited after publication waits for the lead to publish it.
    fn has_new_version(&self) -> bool {
        self.p.status == "published" && self.p.published_version != Some(self.p.current_version)
    }
}

/// The run that a "released" confirmation speaks of (`?done=released&run=id`).
#[derive(serde::Deserialize, Default)]
pub struct ReleasedRun {
    run: Option<i64>,
}

/// What a step on a policy's page redirected back with: its confirmation code and, for a
/// release, the run.
#[derive(Default)]
struct PolicyDone {
    done: Done,
    run: Option<i64>,
}

pub async fn page(
    State(state): State<AppState>,
    MaybeUser(caller): MaybeUser,
    Path(id): Path<String>,
    Query(done): Query<Done>,
    Query(released): Query<ReleasedRun>,
) -> Response {
    let done = PolicyDone {
        done,
        run: released.run,
    };
    render_policy(&state, caller.as_ref(), &id, None, &done, String::new()).await
}

/// The confirmation a redirect's code stands for, worded from the policy as it now is.
fn policy_notice(done: &PolicyDone, p: &PolicyView, runs: &[RunView]) -> String {
    match done.done.code() {
        Some("lifecycle") => format!("政策{}", p.status_label),
        Some("released") => {
            let sent = runs.iter().find(|r| Some(r.id) == done.run).map_or(0, |r| {
                r.offers.iter().filter(|o| o.status != "excluded").count()
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
            PolicyPage {
                runs,
                layout: Layout::new(p.title.clone(), caller, state, "/policies"),
                enterprises: who
                    .filter(|w| matches!(w.role, Role::EnterpriseUser | Role::Steward))
                    .map(|w| w.enterprises().iter().map(ToString::to_string).collect())
                    .unwrap_or_default(),
                is_staff: who.is_some_and(|w| w.role.is_staff() && w.role != Role::Steward),
                may_publish: is_admin
                    || (same_department && who.is_some_and(|w| w.role == Role::DepartmentLead)),
                may_run: p.mode == "auto_grant"
                    && p.status == "published"
                    && (is_admin
                        || (same_department
                            && who.is_some_and(|w| {
                                matches!(w.role, Role::Handler | Role::DepartmentLead)
                            }))),
                year: crate::api::policies::default_year(state),
                report,
                pushes: super::pushes::push_panel(state, who, &p).await,
                notice,
                p,
            }
            .into_response()
        }
        Err(e) => error_page(&e, caller, state),
    }
}

/// 上架 / 下架 and the other life-cycle steps, from the policy's page.
pub async fn lifecycle(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<String>,
    axum::Form(pairs): axum::Form<Pairs>,
) -> Result<Response, Response> {
    let caller = form_caller(&user, &pairs)?;
    let action = match field(&pairs, "action") {
        "submit_for_review" => LifecycleAction::SubmitForReview,
        "publish" => LifecycleAction::Publish,
        "send_back" => LifecycleAction::SendBack,
        "withdraw" => LifecycleAction::Withdraw,
        _ => {
            return Ok(error_page(
                &AppError::NotFound("没有这个操作".into()),
                Some(caller),
                &state,
            ));
        }
    };
    let reason = Some(field(&pairs, "reason")).filter(|r| !r.trim().is_empty());
    let (who, meta) = (&caller.principal, &caller.meta);
    let result = library::lifecycle(&state.app, who, &id, action, reason, meta).await;
    Ok(match result {
        Ok(p) => Redirect::to(&format!("/policies/{}?done=lifecycle", p.id)).into_response(),
        Err(e) => error_page(&e, Some(caller), &state),
    })
}

/// Runs a 免申即享 policy from its page and shows the run's report.
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
    let result = auto_grant::run(&state.app, &caller.principal, &id, year, &caller.meta).await;
    Ok(match result {
        Ok(report) => {
            let notice = format!(
                "比对完成:{} 家企业待核对,合计 ¥{};核对无误后发布,企业才会收到确认通知",
                report.offered.len(),
                grouped(&report.total_offered)
            );
            render_policy(
                &state,
                Some(caller),
                &id,
                Some(report),
                &PolicyDone::default(),
                notice,
            )
            .await
        }
        Err(e) => error_page(&e, Some(caller), &state),
    })
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

#[derive(Template, WebTemplate)]
#[template(path = "entitlements.html")]
pub struct EntitlementsPage {
    layout: Layout,
    e: Entitlements,
    /// The policy years to choose from, the latest first.
    years: Vec<i32>,
    /// The subscription form (the enterprise's users and steward).
    subscriptions: Option<super::pushes::SubscriptionPanel>,
}

impl EntitlementsPage {
    fn groups(&self) -> [(&'static str, &'static str, &[Entitlement]); 3] {
        [
            ("可享政策", "eligible", &self.e.eligible),
            ("补充资料后可判断", "undetermined", &self.e.undetermined),
            ("暂不符合", "ineligible", &self.e.ineligible),
        ]
    }
}

fn credit_code(code: &str) -> Result<CreditCode, AppError> {
    CreditCode::parse(code).map_err(|e| AppError::invalid("credit_code", e.to_string()))
}

/// How many policy years the entitlements page offers, ending with last year.
const YEARS_SHOWN: i32 = 3;

#[derive(serde::Deserialize)]
pub struct YearChoice {
    year: Option<String>,
}

/// "我的可享政策" of one enterprise, for one of the last three policy years (default last year).
pub async fn entitlements_page(
    State(state): State<AppState>,
    PageUser(caller): PageUser,
    Path(code): Path<String>,
    Query(choice): Query<YearChoice>,
) -> Response {
    let latest = crate::api::policies::default_year(&state);
    let years: Vec<i32> = (0..YEARS_SHOWN).map(|i| latest - i).collect();
    let year = choice
        .year
        .and_then(|y| y.trim().parse::<i32>().ok())
        .filter(|y| years.contains(y))
        .unwrap_or(latest);
    let result = match credit_code(&code) {
        Ok(code) => entitlements::for_enterprise(&state.app, &caller.principal, &code, year).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(e) => EntitlementsPage {
            layout: Layout::new("我的可享政策", Some(&caller), &state, "/portal"),
            years,
            subscriptions: super::pushes::subscription_panel(
                &state,
                &caller.principal,
                &e.credit_code,
            )
            .await,
            e,
        }
        .into_response(),
        Err(e) => error_page(&e, Some(&caller), &state),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "apply.html")]
pub struct ApplyPage {
    layout: Layout,
    p: PolicyView,
    code: String,
    year: i32,
    entitlement: Option<Entitlement>,
    /// Facts the form asks for: key and label.
    asks: Vec<(String, String)>,
    values: HashMap<String, String>,
    errors: Errors,
    /// The receipt of an application being resubmitted (补正) or a draft being submitted.
    receipt: Option<String>,
    submit_key: String,
}

impl ApplyPage {
    fn value(&self, key: &str) -> &str {
        self.values.get(key).map_or("", String::as_str)
    }
    fn error(&self, key: &str) -> &str {
        self.errors.get(key).map_or("", String::as_str)
    }
    fn signed(&self, key: &str) -> bool {
        self.values.contains_key(&format!("pledge_{key}"))
    }
}

#[derive(serde::Deserialize)]
pub struct ApplyQuery {
    policy: String,
    code: String,
    receipt: Option<String>,
}

/// The application form: pre-filled from the profile, asking only for what is missing.
pub async fn apply_page(
    State(state): State<AppState>,
    PageUser(caller): PageUser,
    Query(q): Query<ApplyQuery>,
) -> Response {
    let form = ApplyForm {
        policy: q.policy,
        code: q.code,
        receipt: q.receipt,
        values: HashMap::new(),
        errors: Errors::new(),
    };
    render_apply(&state, &caller, form).await
}

struct ApplyForm {
    policy: String,
    code: String,
    receipt: Option<String>,
    values: HashMap<String, String>,
    errors: Errors,
}

async fn render_apply(state: &AppState, caller: &Caller, form: ApplyForm) -> Response {
    let year = crate::api::policies::default_year(state);
    let p = match library::get(&state.app, Some(&caller.principal), &form.policy).await {
        Ok(p) => p,
        Err(e) => return error_page(&e, Some(caller), state),
    };
    let entitlement = match credit_code(&form.code) {
        Ok(code) => entitlements::for_enterprise(&state.app, &caller.principal, &code, year)
            .await
            .map(|all| {
                all.eligible
                    .into_iter()
                    .chain(all.undetermined)
                    .chain(all.ineligible)
                    .find(|e| e.policy_id == p.id)
            }),
        Err(e) => Err(e),
    };
    let entitlement = match entitlement {
        Ok(e) => e,
        Err(e) => return error_page(&e, Some(caller), state),
    };
    let mut asks: Vec<(String, String)> = entitlement
        .iter()
        .flat_map(|e| e.missing.iter().map(|m| (m.key.clone(), m.label.clone())))
        .collect();
    // Keep asking for what the applicant already typed, even once it decides the outcome.
    for (k, _) in form.values.iter().filter(|(k, _)| k.starts_with("fact_")) {
        let key = k.trim_start_matches("fact_").to_string();
        if !asks.iter().any(|(a, _)| *a == key) {
            asks.push((key.clone(), key));
        }
    }
    ApplyPage {
        layout: Layout::new(format!("申报:{}", p.title), Some(caller), state, "/portal"),
        code: form.code,
        year,
        entitlement,
        asks,
        submit_key: form
            .values
            .get("submit_key")
            .cloned()
            .unwrap_or_else(|| uuid::Uuid::new_v4().to_string()),
        values: form.values,
        errors: form.errors,
        receipt: form.receipt,
        p,
    }
    .into_response()
}

fn application_input(pairs: &Pairs, year: i32, draft: bool) -> ApplicationInput {
    ApplicationInput {
        policy: field(pairs, "policy").to_string(),
        credit_code: field(pairs, "code").to_string(),
        year,
        facts: pairs
            .iter()
            .filter_map(|(k, v)| {
                k.strip_prefix("fact_")
                    .filter(|_| !v.trim().is_empty())
                    .map(|key| FactInput {
                        key: key.to_string(),
                        value: v.clone(),
                    })
            })
            .collect(),
        pledges: pairs
            .iter()
            .filter_map(|(k, _)| k.strip_prefix("pledge_").map(str::to_string))
            .collect(),
        draft,
        submit_key: Some(field(pairs, "submit_key").to_string()).filter(|k| !k.is_empty()),
    }
}

/// Submits (or saves) the form; on a mistake the form comes back with everything kept.
pub async fn apply(
    State(state): State<AppState>,
    user: PageUser,
    axum::Form(pairs): axum::Form<Pairs>,
) -> Result<Response, Response> {
    let caller = form_caller(&user, &pairs)?;
    let year = crate::api::policies::default_year(&state);
    let draft = field(&pairs, "intent") == "draft";
    let input = application_input(&pairs, year, draft);
    let receipt = Some(field(&pairs, "receipt").to_string()).filter(|r| !r.is_empty());
    let result = match &receipt {
        Some(r) => {
            applications::resubmit(&state.app, &caller.principal, r, &input, &caller.meta).await
        }
        None => applications::submit(&state.app, &caller.principal, &input, &caller.meta).await,
    };
    Ok(match result {
        Ok(a) => Redirect::to(&format!("/applications/{}", a.receipt_no)).into_response(),
        Err(e) if shows_error_page(&e) => error_page(&e, Some(caller), &state),
        Err(e) => {
            let mut errors = errors_of(&e);
            if errors.is_empty() {
                errors.insert("form".into(), e.to_string());
            }
            let form = ApplyForm {
                policy: input.policy,
                code: input.credit_code,
                receipt,
                values: pairs.into_iter().collect(),
                errors,
            };
            let page = render_apply(&state, caller, form).await;
            (qinqing_kernel::web::error::status_of(&e), page).into_response()
        }
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "application.html")]
pub struct ApplicationPage {
    layout: Layout,
    a: ApplicationView,
    rating: Option<crate::ratings::RatingView>,
    levels: &'static [(i64, &'static str)],
    acts_for_enterprise: bool,
    holds_stage: bool,
    /// When the caller's department must take it up (签收) by, while it has not.
    response_due: Option<chrono::DateTime<chrono::Utc>>,
    may_exclude: bool,
    /// The department lead may find a pledge of an approved application false.
    may_record_false_pledge: bool,
    materials: crate::materials::Materials,
    explanation: crate::explanation::Explanation,
    errors: Errors,
    notice: String,
}

impl ApplicationPage {
    fn error(&self, key: &str) -> &str {
        self.errors.get(key).map_or("", String::as_str)
    }

    /// A file size for people: "820 KB", "2.4 MB".
    fn size(&self, bytes: &i64) -> String {
        const MB: i64 = 1024 * 1024;
        if *bytes >= MB {
            format!("{:.1} MB", *bytes as f64 / MB as f64)
        } else {
            format!("{} KB", (*bytes + 1023) / 1024)
        }
    }
}

pub async fn application_page(
    State(state): State<AppState>,
    PageUser(caller): PageUser,
    Path(receipt): Path<String>,
    Query(done): Query<Done>,
) -> Response {
    let notice = done.notice(&[
        ("rated", "感谢评价"),
        ("followed_up", "回访已记录"),
        ("status", STATUS_NOTICE),
    ]);
    let notice = notice.unwrap_or_default().to_string();
    render_application(&state, &caller, &receipt, Errors::new(), notice).await
}

/// Stands for "已办理:" and the application's new status, filled in once it is loaded.
const STATUS_NOTICE: &str = "status";

/// How a step on an application's page answers: back to the page with a confirmation's code,
/// or (when the confirmation carries figures worked out by the step) shown at once.
enum Answer {
    Redirect(&'static str),
    Show(String),
}

/// Back to the application's page after a step, with the code of its confirmation.
fn application_done(receipt: &str, code: &str) -> Response {
    Redirect::to(&format!("/applications/{receipt}?done={code}")).into_response()
}

pub(super) async fn render_application(
    state: &AppState,
    caller: &Caller,
    receipt: &str,
    errors: Errors,
    notice: String,
) -> Response {
    let who = &caller.principal;
    let a = match applications::get(&state.app, who, receipt).await {
        Ok(a) => a,
        Err(e) => return error_page(&e, Some(caller), state),
    };
    let rating = match crate::ratings::of_application(&state.app, who, receipt).await {
        Ok(r) => r,
        Err(e) => return error_page(&e, Some(caller), state),
    };
    let materials = match crate::materials::list(&state.app, who, receipt).await {
        Ok(m) => m,
        Err(e) => return error_page(&e, Some(caller), state),
    };
    let explanation = match crate::explanation::of_application(&state.app, who, receipt).await {
        Ok(x) => x,
        Err(e) => return error_page(&e, Some(caller), state),
    };
    let queued = match review::queue(&state.app, who).await {
        Ok(items) => items
            .into_iter()
            .find(|i| i.application.receipt_no == a.receipt_no),
        Err(_) => None,
    };
    let holds_stage = queued.as_ref().is_some_and(|i| i.mine);
    let response_due = queued.and_then(|i| i.response_due_at);
    ApplicationPage {
        layout: Layout::new(format!("申报 {}", a.receipt_no), Some(caller), state, ""),
        acts_for_enterprise: matches!(who.role, Role::EnterpriseUser | Role::Steward),
        may_exclude: matches!(a.status.as_str(), "offered" | "pending_check") && may_author(who),
        may_record_false_pledge: a.status == "approved"
            && !a.pledges.is_empty()
            && matches!(who.role, Role::DepartmentLead | Role::Admin),
        rating,
        levels: &crate::ratings::LEVELS,
        holds_stage,
        response_due,
        materials,
        explanation,
        errors,
        notice: if notice == STATUS_NOTICE {
            format!("已办理:{}", a.status_label)
        } else {
            notice
        },
        a,
    }
    .into_response()
}

/// Every action on an application's page: withdraw, review decisions, confirm or decline an
/// offer. Errors come back on the same page, next to the form that caused them.
pub async fn application_action(
    State(state): State<AppState>,
    user: PageUser,
    Path(receipt): Path<String>,
    axum::Form(pairs): axum::Form<Pairs>,
) -> Result<Response, Response> {
    let caller = form_caller(&user, &pairs)?;
    let who = &caller.principal;
    let meta = &caller.meta;
    let text = |name: &str| Some(field(&pairs, name).to_string()).filter(|s| !s.trim().is_empty());
    let app = &state.app;
    let rated = match field(&pairs, "action") {
        "rate" => {
            let input = crate::ratings::RatingInput {
                level: field(&pairs, "level").parse().unwrap_or(0),
                comment: text("comment"),
            };
            Some(
                crate::ratings::rate(app, who, &receipt, &input, meta)
                    .await
                    .map(|_| Answer::Redirect("rated")),
            )
        }
        "false_pledge" => {
            let input = crate::integrity::FalsePledgeInput {
                reason: field(&pairs, "reason").to_string(),
            };
            Some(
                crate::integrity::record_false_pledge(app, who, &receipt, &input, meta)
                    .await
                    // The amount to recover and the block's end are shown once, on this answer.
                    .map(|o| {
                        Answer::Show(match o.clawback_due {
                            Some(due) => format!(
                                "已认定虚假承诺,应追回 ¥{},企业限制至 {}",
                                grouped(&due),
                                o.blocked_until
                            ),
                            None => {
                                format!("已认定虚假承诺,拨付已停止,企业限制至 {}", o.blocked_until)
                            }
                        })
                    }),
            )
        }
        "follow_up" => {
            let id = field(&pairs, "rating").parse().unwrap_or(0);
            Some(
                crate::ratings::follow_up(app, who, id, field(&pairs, "note"), meta)
                    .await
                    .map(|_| Answer::Redirect("followed_up")),
            )
        }
        _ => None,
    };
    if let Some(result) = rated {
        return Ok(match result {
            Ok(Answer::Redirect(code)) => application_done(&receipt, code),
            Ok(Answer::Show(notice)) => {
                render_application(&state, caller, &receipt, Errors::new(), notice).await
            }
            Err(e) if shows_error_page(&e) => error_page(&e, Some(caller), &state),
            Err(e) => {
                render_application(&state, caller, &receipt, form_errors(&e), String::new()).await
            }
        });
    }
    let result = match field(&pairs, "action") {
        "withdraw" => applications::withdraw(app, who, &receipt, meta).await,
        "sign" => review::sign(app, who, &receipt, meta).await,
        "approve" => {
            let d = Decision::Approve {
                amount: text("amount"),
                reason: text("reason"),
            };
            review::decide(app, who, &receipt, &d, meta).await
        }
        "return" => {
            let d = Decision::Return {
                note: field(&pairs, "note").to_string(),
            };
            review::decide(app, who, &receipt, &d, meta).await
        }
        "reject" => {
            let d = Decision::Reject {
                reason: field(&pairs, "reason").to_string(),
            };
            review::decide(app, who, &receipt, &d, meta).await
        }
        "confirm" => {
            let account = account_input(&pairs);
            auto_grant::confirm(app, who, &receipt, &account, meta).await
        }
        "close" => {
            auto_grant::close_offer(app, who, &receipt, text("reason").as_deref(), meta).await
        }
        _ => Err(AppError::NotFound("没有这个操作".into())),
    };
    Ok(match result {
        Ok(_) => application_done(&receipt, STATUS_NOTICE),
        Err(e) if shows_error_page(&e) => error_page(&e, Some(caller), &state),
        Err(e) => {
            render_application(&state, caller, &receipt, form_errors(&e), String::new()).await
        }
    })
}

fn account_input(pairs: &Pairs) -> AccountInput {
    AccountInput {
        payee_name: field(pairs, "payee_name").to_string(),
        account_no: field(pairs, "account_no").to_string(),
        bank_name: field(pairs, "bank_name").to_string(),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "applications.html")]
pub struct ApplicationsPage {
    layout: Layout,
    code: String,
    items: Vec<ApplicationView>,
    account: Option<crate::payouts::AccountView>,
    name: String,
    errors: Errors,
    notice: String,
}

impl ApplicationsPage {
    fn error(&self, key: &str) -> &str {
        self.errors.get(key).map_or("", String::as_str)
    }
}

/// "我的申报": an enterprise's applications, grants and its payout account.
pub async fn enterprise_applications(
    State(state): State<AppState>,
    PageUser(caller): PageUser,
    Path(code): Path<String>,
) -> Response {
    render_applications(&state, &caller, &code, Errors::new(), String::new()).await
}

async fn render_applications(
    state: &AppState,
    caller: &Caller,
    code: &str,
    errors: Errors,
    notice: String,
) -> Response {
    let who = &caller.principal;
    let code = match credit_code(code) {
        Ok(c) => c,
        Err(e) => return error_page(&e, Some(caller), state),
    };
    let loaded = async {
        let items = applications::of_enterprise(&state.app, who, &code).await?;
        let account = payouts::account(&state.app, who, &code).await?;
        let profile = qinqing_kernel::enterprises::profile(&state.app, who, &code).await?;
        Ok::<_, AppError>((items, account, profile.identity.name))
    }
    .await;
    match loaded {
        Ok((items, account, name)) => ApplicationsPage {
            layout: Layout::new("我的申报", Some(caller), state, "/portal"),
            code: code.to_string(),
            items,
            account,
            name,
            errors,
            notice,
        }
        .into_response(),
        Err(e) => error_page(&e, Some(caller), state),
    }
}

/// The enterprise confirms (or changes) its payout account.
pub async fn confirm_account(
    State(state): State<AppState>,
    user: PageUser,
    Path(code): Path<String>,
    axum::Form(pairs): axum::Form<Pairs>,
) -> Result<Response, Response> {
    let caller = form_caller(&user, &pairs)?;
    let parsed = match credit_code(&code) {
        Ok(c) => c,
        Err(e) => return Ok(error_page(&e, Some(caller), &state)),
    };
    let account = account_input(&pairs);
    let result = payouts::confirm_account(
        &state.app,
        &caller.principal,
        &parsed,
        &account,
        &caller.meta,
    )
    .await;
    Ok(match result {
        Ok(_) => {
            render_applications(
                &state,
                caller,
                &code,
                Errors::new(),
                "收款账户已确认".into(),
            )
            .await
        }
        Err(e) if shows_error_page(&e) => error_page(&e, Some(caller), &state),
        Err(e) => render_applications(&state, caller, &code, errors_of(&e), String::new()).await,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "reviews.html")]
pub struct ReviewsPage {
    layout: Layout,
    items: Vec<QueueItem>,
}

/// The review queue: what the caller holds first, by due time.
pub async fn reviews(State(state): State<AppState>, PageUser(caller): PageUser) -> Response {
    match review::queue(&state.app, &caller.principal).await {
        Ok(items) => ReviewsPage {
            layout: Layout::new("审核", Some(&caller), &state, "/reviews"),
            items,
        }
        .into_response(),
        Err(e) => error_page(&e, Some(&caller), &state),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "payouts.html")]
pub struct PayoutsPage {
    layout: Layout,
    desk: PayoutDesk,
    notice: String,
    problems: Vec<String>,
}

pub async fn payouts_page(State(state): State<AppState>, PageUser(caller): PageUser) -> Response {
    render_payouts(&state, &caller, String::new(), Vec::new()).await
}

async fn render_payouts(
    state: &AppState,
    caller: &Caller,
    notice: String,
    problems: Vec<String>,
) -> Response {
    match payouts::desk(&state.app, &caller.principal).await {
        Ok(desk) => PayoutsPage {
            layout: Layout::new("直达拨付", Some(caller), state, "/payouts"),
            desk,
            notice,
            problems,
        }
        .into_response(),
        Err(e) => error_page(&e, Some(caller), state),
    }
}

/// Creates a batch, or queues a failed line again.
pub async fn payouts_action(
    State(state): State<AppState>,
    user: PageUser,
    axum::Form(pairs): axum::Form<Pairs>,
) -> Result<Response, Response> {
    let caller = form_caller(&user, &pairs)?;
    let (who, meta) = (&caller.principal, &caller.meta);
    let notice = match field(&pairs, "action") {
        "batch" => payouts::create_batch(&state.app, who, meta).await.map(|b| {
            format!(
                "已生成批次 {}:{} 笔,合计 ¥{}{}",
                b.batch.batch_no,
                b.batch.lines,
                grouped(&b.batch.total),
                if b.waiting_for_account.is_empty() {
                    String::new()
                } else {
                    format!(";{} 笔待企业确认收款账户", b.waiting_for_account.len())
                }
            )
        }),
        "retry" => match field(&pairs, "payout").parse::<i64>() {
            Ok(id) => payouts::retry(&state.app, who, id, meta)
                .await
                .map(|p| format!("{} 已重新排入待拨付", p.reference)),
            Err(_) => Err(AppError::invalid("payout", "没有指定拨付")),
        },
        _ => Err(AppError::NotFound("没有这个操作".into())),
    };
    Ok(match notice {
        Ok(n) => render_payouts(&state, caller, n, Vec::new()).await,
        Err(e) if shows_error_page(&e) => error_page(&e, Some(caller), &state),
        Err(e) => render_payouts(&state, caller, String::new(), vec![e.to_string()]).await,
    })
}

/// Downloads a batch's bank file.
pub async fn batch_file(
    State(state): State<AppState>,
    PageUser(caller): PageUser,
    Path(id): Path<i64>,
) -> Response {
    match payouts::export_batch(&state.app, &caller.principal, id, &caller.meta).await {
        Ok((name, bytes)) => qinqing_kernel::web::download::csv_download(&name, bytes),
        Err(e) => error_page(&e, Some(&caller), &state),
    }
}

/// The `file` part (its name and bytes) of an import form read by `UploadForm`. A missing or
/// broken file is left empty, so it is reported as an empty file by the import itself.
fn import_file(form: UploadForm) -> (String, Vec<u8>) {
    form.file.unwrap_or_default()
}

/// Imports the bank's result file; problems are listed line by line and nothing is recorded.
pub async fn import_results(
    State(state): State<AppState>,
    user: PageUser,
    form: Multipart,
) -> Result<Response, Response> {
    let form = UploadForm::read(form, "file").await;
    let caller = form_caller(&user, &form.pairs)?;
    let (_, bytes) = import_file(form);
    let result = payouts::import_results(&state.app, &caller.principal, &bytes, &caller.meta).await;
    Ok(match result {
        Ok(s) => {
            let notice = format!(
                "回单已导入:到账 {} 笔,失败 {} 笔,此前已登记 {} 笔",
                s.paid, s.failed, s.already_recorded
            );
            render_payouts(&state, caller, notice, Vec::new()).await
        }
        Err(AppError::ImportRejected(report)) => {
            let problems = report.errors.iter().map(ToString::to_string).collect();
            render_payouts(&state, caller, String::new(), problems).await
        }
        Err(e) => error_page(&e, Some(caller), &state),
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "policy_edit.html")]
pub struct PolicyEditPage {
    layout: Layout,
    /// The policy being edited; `None` for a new one.
    editing: Option<String>,
    values: HashMap<String, String>,
    errors: Errors,
    departments: Vec<(i64, String)>,
    preview: Option<Entitlement>,
    builder: BuilderView,
    notice: Option<String>,
    /// (credit code, name) of enterprises to try the definition on.
    firms: Vec<(String, String)>,
}

impl PolicyEditPage {
    fn value(&self, key: &str) -> &str {
        self.values.get(key).map_or("", String::as_str)
    }
    fn error(&self, key: &str) -> &str {
        self.errors.get(key).map_or("", String::as_str)
    }
    fn is(&self, key: &str, id: &i64) -> bool {
        self.value(key) == id.to_string()
    }
    /// Whether a department is among those a stage is reviewed jointly with (联审).
    fn joins(&self, key: &str, id: &i64) -> bool {
        let id = id.to_string();
        self.value(key).split(',').any(|v| v == id)
    }
}

/// The form's fields for an existing policy.
fn policy_values(p: &PolicyView, definition: String) -> HashMap<String, String> {
    let stage = |i: usize| {
        p.review_stages
            .get(i)
            .map(|s| s.org_id.to_string())
            .unwrap_or_default()
    };
    let joint = |i: usize| {
        p.review_stages.get(i).map_or_else(String::new, |s| {
            let ids: Vec<String> = s.joint.iter().map(|h| h.org_id.to_string()).collect();
            ids.join(",")
        })
    };
    let pledges: Vec<String> = p
        .guide
        .pledges
        .iter()
        .map(|pl| format!("{}|{}", pl.key, pl.text))
        .collect();
    [
        ("definition", definition),
        ("document_text", p.document_text.clone()),
        ("guide_who", p.guide.who.clone()),
        ("guide_conditions", p.guide.conditions.clone()),
        ("guide_materials", p.guide.materials.join("\n")),
        ("guide_deadline", p.guide.deadline.clone()),
        ("guide_contact", p.guide.contact.clone()),
        ("guide_pledges", pledges.join("\n")),
        (
            "offline_channel",
            p.offline_channel.clone().unwrap_or_default(),
        ),
        ("budget", p.budget_total.clone().unwrap_or_default()),
        ("decision_days", p.decision_days.to_string()),
        ("department_org_id", p.department_org_id.to_string()),
        ("stage1_org", stage(0)),
        ("stage2_org", stage(1)),
        ("stage1_joint", joint(0)),
        ("stage2_joint", joint(1)),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

fn policy_input(values: &HashMap<String, String>) -> library::PolicyInput {
    let v = |k: &str| values.get(k).map_or("", String::as_str).trim();
    let lines = |k: &str| -> Vec<String> {
        v(k).lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect()
    };
    let org = |k: &str| v(k).parse::<i64>().ok();
    let mut review_stages = Vec::new();
    for (key, joint_key, label, role) in [
        ("stage1_org", "stage1_joint", "初审", Role::Reviewer1),
        ("stage2_org", "stage2_joint", "复审", Role::Reviewer2),
    ] {
        if let Some(org_id) = org(key) {
            let joint: Vec<library::StageHolder> = v(joint_key)
                .split(',')
                .filter_map(|id| id.trim().parse::<i64>().ok())
                .filter(|id| *id != org_id)
                .map(|org_id| library::StageHolder { org_id, role })
                .collect();
            let label = if joint.is_empty() {
                label.to_string()
            } else {
                format!("{label}(联审)")
            };
            review_stages.push(library::ReviewStage {
                label,
                org_id,
                role,
                joint,
            });
        }
    }
    library::PolicyInput {
        definition: values.get("definition").cloned().unwrap_or_default(),
        document_text: v("document_text").to_string(),
        guide: library::Guide {
            who: v("guide_who").into(),
            conditions: v("guide_conditions").into(),
            materials: lines("guide_materials"),
            deadline: v("guide_deadline").into(),
            contact: v("guide_contact").into(),
            pledges: lines("guide_pledges")
                .into_iter()
                .map(|l| match l.split_once('|') {
                    Some((key, text)) => library::PledgeTerm {
                        key: key.trim().into(),
                        text: text.trim().into(),
                    },
                    None => library::PledgeTerm {
                        key: String::new(),
                        text: l,
                    },
                })
                .collect(),
        },
        offline_channel: Some(v("offline_channel").to_string()),
        review_stages,
        decision_days: v("decision_days").parse().ok(),
        budget: Some(v("budget").to_string()),
        department_org_id: org("department_org_id"),
    }
}

/// What the editor page shows beside the fields: the trial's outcome, or a notice.
#[derive(Default)]
struct Shown {
    preview: Option<Entitlement>,
    notice: Option<String>,
}

async fn render_editor(
    state: &AppState,
    caller: &Caller,
    editing: Option<String>,
    values: HashMap<String, String>,
    errors: Errors,
    shown: Shown,
) -> Response {
    let loaded = async {
        let departments = qinqing_kernel::users::departments(&state.app).await?;
        let catalogue = builder::attributes(&state.app, &caller.principal).await?;
        // The first enterprises in the caller's scope, to pick one for the trial.
        let filter = qinqing_kernel::web::api::enterprises::list_filter(None, None, None, 1, 50);
        let (firms, _) = enterprises::list(&state.app, &caller.principal, filter).await?;
        let firms = firms
            .iter()
            .map(|e| (e.identity.credit_code.to_string(), e.identity.name.clone()))
            .collect();
        Ok::<_, AppError>((departments, catalogue, firms))
    };
    let (departments, catalogue, firms) = match loaded.await {
        Ok(d) => d,
        Err(e) => return error_page(&e, Some(caller), state),
    };
    let editor = Editor::of(values.get("definition").cloned().unwrap_or_default());
    let title = if editing.is_some() {
        "修改政策"
    } else {
        "编写政策"
    };
    PolicyEditPage {
        layout: Layout::new(title, Some(caller), state, "/policies"),
        editing,
        values,
        errors,
        departments,
        preview: shown.preview,
        builder: BuilderView::new(&editor, &catalogue),
        notice: shown.notice,
        firms,
    }
    .into_response()
}

/// A new policy: the definition file (conditions and reward) and the texts around it.
pub async fn new_page(State(state): State<AppState>, PageUser(caller): PageUser) -> Response {
    let mut values = HashMap::new();
    values.insert("decision_days".into(), "3".into());
    values.insert(
        "department_org_id".into(),
        caller.principal.org_id.to_string(),
    );
    values.insert("stage1_org".into(), caller.principal.org_id.to_string());
    let year = crate::api::policies::default_year(&state);
    values.insert("definition".into(), policy_builder::starter(year));
    render_editor(
        &state,
        &caller,
        None,
        values,
        Errors::new(),
        Shown::default(),
    )
    .await
}

pub async fn edit_page(
    State(state): State<AppState>,
    PageUser(caller): PageUser,
    Path(id): Path<String>,
) -> Response {
    let who = &caller.principal;
    let loaded = async {
        let p = library::editing(&state.app, who, &id).await?;
        let definition = library::definition(&state.app, who, &id).await?;
        Ok::<_, AppError>(policy_values(&p, definition))
    }
    .await;
    match loaded {
        Ok(values) => {
            render_editor(
                &state,
                &caller,
                Some(id),
                values,
                Errors::new(),
                Shown::default(),
            )
            .await
        }
        Err(e) => error_page(&e, Some(&caller), &state),
    }
}

/// Saves the policy; or (intent = check) evaluates the unsaved definition against one
/// enterprise and shows the outcome beside the form; or edits the builder's rows, imports a
/// definition file into the editor, or downloads the editor's definition — saving nothing.
pub async fn create(
    State(state): State<AppState>,
    user: PageUser,
    form: Multipart,
) -> Result<Response, Response> {
    save(&state, user, None, form).await
}

pub async fn update(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<String>,
    form: Multipart,
) -> Result<Response, Response> {
    save(&state, user, Some(id), form).await
}

async fn save(
    state: &AppState,
    user: PageUser,
    editing: Option<String>,
    form: Multipart,
) -> Result<Response, Response> {
    let qinqing_kernel::web::upload::UploadForm { pairs, file, .. } =
        qinqing_kernel::web::upload::UploadForm::read(form, "definition_file").await;
    let caller = form_caller(&user, &pairs)?;
    let mut values = form_values(&pairs);
    let mut editor = Editor::posted(&values);
    let mut errors = Errors::new();
    match field(&pairs, "intent") {
        "import" => match import_definition(state, caller, file).await {
            Ok(imported) => editor = imported,
            Err(e) => {
                errors.insert("definition_file".into(), e.to_string());
            }
        },
        "download" => {
            let name = download_name(&editor, editing.as_deref());
            return Ok(crate::api::policies::toml_file(
                Some(&name),
                editor.definition,
            ));
        }
        intent => {
            editor.reshape(intent);
        }
    }
    values.insert("definition".into(), editor.definition.clone());
    let input = policy_input(&values);
    let notice = editor.notice;
    match field(&pairs, "intent") {
        "save" => {}
        "check" => {
            let (errors, shown) = match trial(state, caller, &pairs, &input.definition).await {
                Ok(p) => {
                    let preview = Some(p);
                    (Errors::new(), Shown { preview, notice })
                }
                Err(e) => (form_errors(&e), Shown::default()),
            };
            return Ok(render_editor(state, caller, editing, values, errors, shown).await);
        }
        _ => {
            let shown = Shown {
                preview: None,
                notice,
            };
            return Ok(render_editor(state, caller, editing, values, errors, shown).await);
        }
    }
    let (who, meta) = (&caller.principal, &caller.meta);
    let saved = match &editing {
        Some(id) => library::update(&state.app, who, id, &input, meta).await,
        None => library::create(&state.app, who, &input, meta).await,
    };
    Ok(match saved {
        Ok(p) => Redirect::to(&format!("/policies/{}", p.id)).into_response(),
        Err(e @ (AppError::Forbidden(_) | AppError::Internal(_))) => {
            error_page(&e, Some(caller), state)
        }
        Err(e) => {
            let errors = form_errors(&e);
            render_editor(state, caller, editing, values, errors, Shown::default()).await
        }
    })
}

/// The editor's fields; the 联审 checkboxes, one pair each, become one comma-separated value.
fn form_values(pairs: &Pairs) -> HashMap<String, String> {
    let mut values: HashMap<String, String> = HashMap::new();
    for (k, v) in pairs {
        match values.get_mut(k) {
            Some(joined) if k.ends_with("_joint") => {
                joined.push(',');
                joined.push_str(v);
            }
            _ => {
                values.insert(k.clone(), v.clone());
            }
        }
    }
    values
}

/// The unsaved definition evaluated for the enterprise of the 试算 field.
async fn trial(
    state: &AppState,
    caller: &Caller,
    pairs: &Pairs,
    definition: &str,
) -> Result<Entitlement, AppError> {
    let code = credit_code(field(pairs, "check_code"))?;
    let year = crate::api::policies::default_year(state);
    entitlements::preview(&state.app, &caller.principal, definition, &code, year).await
}

/// The uploaded definition file, checked as saving checks it; a file with problems changes
/// nothing in the editor.
async fn import_definition(
    state: &AppState,
    caller: &Caller,
    file: Option<(String, Vec<u8>)>,
) -> Result<Editor, AppError> {
    let Some((name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        return Err(AppError::invalid(
            "definition_file",
            "请选择要导入的定义文件(.toml)",
        ));
    };
    let text = String::from_utf8(bytes)
        .map_err(|_| AppError::invalid("definition_file", "定义文件须为 UTF-8 编码的文本"))?;
    let text = text.trim_start_matches('\u{feff}').replace("\r\n", "\n");
    builder::check(&state.app, &caller.principal, &text)
        .await
        .map_err(|e| AppError::invalid("definition_file", format!("{name} 未导入:{e}")))?;
    let mut editor = Editor::of(text);
    editor.notice = Some(format!("已导入定义文件 {name},保存后生效"));
    Ok(editor)
}

/// The download's file name: the policy id the editor holds, when it is one.
fn download_name(editor: &Editor, editing: Option<&str>) -> String {
    let id = editor.form.as_ref().map(|f| f.meta.id.trim()).ok();
    id.filter(|id| {
        !id.is_empty()
            && id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
    })
    .or(editing)
    .unwrap_or("policy")
    .to_string()
}

#[derive(Template, WebTemplate)]
#[template(path = "dashboard.html")]
pub struct DashboardPage {
    layout: Layout,
    d: crate::dashboard::Dashboard,
}

impl DashboardPage {
    /// A share in basis points as "98.70%".
    fn pct(&self, bp: &Option<i64>) -> String {
        bp.map_or_else(|| "—".into(), |v| format!("{}.{:02}%", v / 100, v % 100))
    }
    /// The width of a bar, in percent of the largest amount paid by one policy.
    fn bar(&self, fen: &i64) -> i64 {
        let max = self.d.paid.iter().map(|p| p.paid_fen).max().unwrap_or(0);
        if max > 0 { fen * 100 / max } else { 0 }
    }
}

/// Figures of policy fulfilment for leads and supervisors.
pub async fn dashboard(State(state): State<AppState>, PageUser(caller): PageUser) -> Response {
    match crate::dashboard::dashboard(&state.app, &caller.principal).await {
        Ok(d) => DashboardPage {
            layout: Layout::new("兑现统计", Some(&caller), &state, "/dashboard/policies"),
            d,
        }
        .into_response(),
        Err(e) => error_page(&e, Some(&caller), &state),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "integrity.html")]
pub struct IntegrityPage {
    layout: Layout,
    o: crate::integrity::IntegrityOverview,
    is_finance: bool,
    may_import: bool,
    notice: String,
    problems: Vec<String>,
}

pub async fn integrity_page(State(state): State<AppState>, PageUser(caller): PageUser) -> Response {
    render_integrity(&state, &caller, String::new(), Vec::new()).await
}

async fn render_integrity(
    state: &AppState,
    caller: &Caller,
    notice: String,
    problems: Vec<String>,
) -> Response {
    let who = &caller.principal;
    match crate::integrity::overview(&state.app, who).await {
        Ok(o) => IntegrityPage {
            layout: Layout::new("信用与追回", Some(caller), state, "/integrity"),
            o,
            is_finance: matches!(who.role, Role::Finance | Role::Admin),
            may_import: matches!(who.role, Role::Admin | Role::DepartmentLead),
            notice,
            problems,
        }
        .into_response(),
        Err(e) => error_page(&e, Some(caller), state),
    }
}

/// Finance records a repayment of a clawback.
pub async fn repayment(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    axum::Form(pairs): axum::Form<Pairs>,
) -> Result<Response, Response> {
    let caller = form_caller(&user, &pairs)?;
    let input = crate::integrity::RepaymentInput {
        amount: field(&pairs, "amount").to_string(),
    };
    let result =
        crate::integrity::record_repayment(&state.app, &caller.principal, id, &input, &caller.meta)
            .await;
    Ok(match result {
        Ok(c) => {
            let notice = format!("已登记退回,尚欠 ¥{}", grouped(&c.outstanding));
            render_integrity(&state, caller, notice, Vec::new()).await
        }
        Err(e) if shows_error_page(&e) => error_page(&e, Some(caller), &state),
        Err(e) => render_integrity(&state, caller, String::new(), vec![e.to_string()]).await,
    })
}

/// Imports a credit blacklist; problems are listed row by row and nothing is recorded.
pub async fn import_blacklist(
    State(state): State<AppState>,
    user: PageUser,
    form: Multipart,
) -> Result<Response, Response> {
    let form = UploadForm::read(form, "file").await;
    let caller = form_caller(&user, &form.pairs)?;
    let (name, bytes) = import_file(form);
    let result = crate::integrity::import_blacklist(
        &state.app,
        &caller.principal,
        &name,
        &bytes,
        &caller.meta,
    )
    .await;
    Ok(match result {
        Ok(s) => {
            let notice = format!(
                "失信名单已导入:登记 {} 家,平台未注册 {} 家",
                s.recorded, s.not_registered
            );
            render_integrity(&state, caller, notice, Vec::new()).await
        }
        Err(AppError::ImportRejected(report)) => {
            let problems = report.errors.iter().map(ToString::to_string).collect();
            render_integrity(&state, caller, String::new(), problems).await
        }
        Err(e) => error_page(&e, Some(caller), &state),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(items: &[(&str, &str)]) -> Pairs {
        items
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn the_editor_makes_a_joint_stage_from_the_ticked_departments() {
        let form = pairs(&[
            ("stage1_org", "5"),
            ("stage1_joint", "5"),
            ("stage1_joint", "7"),
            ("stage1_joint", "8"),
            ("stage2_org", "9"),
        ]);
        let input = policy_input(&form_values(&form));
        let [first, second] = input.review_stages.as_slice() else {
            panic!("two stages: {:?}", input.review_stages);
        };
        assert_eq!(first.label, "初审(联审)");
        let joint: Vec<(i64, Role)> = first.joint.iter().map(|h| (h.org_id, h.role)).collect();
        assert_eq!(joint, [(7, Role::Reviewer1), (8, Role::Reviewer1)]);
        assert_eq!(second.label, "复审");
        assert!(second.joint.is_empty());
    }
}
