//! 诉求必应 pages: the enterprise's phone-first list with its submission form, the staff queue,
//! and one request with the forms its reader may use. The use cases decide; a form shown to
//! someone who may not use it is refused like the API would.

use super::Step;
use crate::access::handles_cases;
use crate::clinic::{self, AgendaItemView};
use crate::consultation::{self, ConsultationView, enterprise_side};
use crate::files;
use crate::handling::{
    self, DuplicateInput, ExtensionInput, FollowUpInput, ReplyInput, RequestInput, TransferInput,
};
use crate::model::{ExtensionStatus, RequestStatus, RequestView};
use crate::routing::{self, CategoryView};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{FromRequest, Multipart, Request};
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use qinqing_domain::org::Role;
use qinqing_kernel::attachments::AttachmentView;
use qinqing_kernel::listing::{Pager, Queue, QueueBar, QueueQuery, Tab, Tone};
use qinqing_kernel::web::AppState;
use qinqing_kernel::web::form::{Pairs, field};
use qinqing_kernel::web::pages::{
    Done, Errors, Layout, answer, error_page, errors_of, form_caller, form_errors, shows_error_page,
};
use qinqing_kernel::web::session::{Caller, PageUser};
use qinqing_kernel::web::upload::{UploadForm, file_response};
use qinqing_kernel::{AppError, AppResult, Principal};

/// The routes of this module's pages and forms.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/requests", get(list).post(submit))
        .route("/requests/{receipt}/attachments", post(upload))
        .route("/requests/{receipt}/attachments/{id}", get(attachment))
        .route("/requests/{receipt}", get(page))
        .route("/requests/{receipt}/accept", post(accept))
        .route("/requests/{receipt}/reply", post(reply))
        .route("/requests/{receipt}/extension", post(request_extension))
        .route(
            "/requests/{receipt}/extension/approve",
            post(approve_extension),
        )
        .route("/requests/{receipt}/transfer", post(transfer))
        .route("/requests/{receipt}/duplicate", post(mark_duplicate))
        .route("/requests/{receipt}/follow-up", post(follow_up))
}

#[derive(Template, WebTemplate)]
#[template(path = "requests.html")]
pub struct RequestsPage {
    layout: Layout,
    may_submit: bool,
    /// The analysis and import pages, for those who use them.
    may_analyse: bool,
    may_import: bool,
    /// (credit code, name) of the enterprises the caller acts for.
    enterprises: Vec<(String, String)>,
    categories: Vec<CategoryView>,
    items: Vec<RequestView>,
    bar: QueueBar,
    pager: Pager,
    now: DateTime<Utc>,
    errors: Errors,
    submit_key: String,
    form_code: String,
    form_category: String,
    form_description: String,
    form_location: String,
    form_title: String,
}

impl RequestsPage {
    /// A request's title, or what it is about when it came without one.
    fn title_of(&self, r: &RequestView) -> String {
        if r.title.is_empty() {
            format!("{}诉求", r.category_name)
        } else {
            r.title.clone()
        }
    }

    /// The colour of a request's status: late clocks first, then where it stands.
    fn tone(&self, r: &RequestView) -> Tone {
        match r.status {
            _ if r.overdue => Tone::Overdue,
            RequestStatus::Closed => Tone::Done,
            RequestStatus::Duplicate => Tone::Refused,
            RequestStatus::Replied => Tone::Progress,
            _ if r.resolution_running => Tone::of_due(r.resolution_due_at, self.now),
            _ => Tone::Progress,
        }
    }
}

async fn render_list(
    state: &AppState,
    caller: &Caller,
    queue: &Queue,
    form: Option<(&Pairs, Errors)>,
) -> Response {
    let who = &caller.principal;
    let lists = async {
        let page = handling::queue(&state.app, who, None, queue).await?;
        let categories = routing::categories(&state.app).await?;
        let enterprises = qinqing_kernel::enterprises::names_of_own(&state.app, who).await?;
        AppResult::Ok((page, categories, enterprises))
    };
    let (page, categories, enterprises) = match lists.await {
        Ok(found) => found,
        Err(e) => return error_page(&e, Some(caller), state),
    };
    let empty = Pairs::new();
    let (pairs, errors) = form.unwrap_or((&empty, Errors::new()));
    let kept = |name: &str| field(pairs, name).to_string();
    let page = RequestsPage {
        layout: Layout::new("诉求", Some(caller), state, "/requests"),
        may_submit: matches!(who.role, Role::EnterpriseUser | Role::Steward),
        may_analyse: matches!(who.role, Role::DepartmentLead | Role::Admin)
            || who.role.is_supervisor(),
        may_import: matches!(who.role, Role::Handler | Role::DepartmentLead | Role::Admin),
        enterprises,
        categories,
        bar: queue.bar("/requests", &Tab::ALL, "标题、编号或企业名称"),
        pager: queue.pager("/requests", page.total),
        items: page.items,
        now: state.app.now(),
        errors,
        submit_key: uuid::Uuid::new_v4().to_string(),
        form_code: kept("credit_code"),
        form_category: kept("category"),
        form_description: kept("description"),
        form_location: kept("location"),
        form_title: kept("title"),
    };
    page.into_response()
}

/// The list at its address's tab, search and page; a mistyped address shows the defaults.
pub async fn list(
    State(state): State<AppState>,
    user: PageUser,
    q: Result<Query<QueueQuery>, QueryRejection>,
) -> Response {
    let q = q.map(|Query(q)| q).unwrap_or_default();
    let queue = q.read_leniently(handling::default_tab(&user.0.principal));
    render_list(&state, &user.0, &queue, None).await
}

/// The list as it opens, under a submission form answered with its mistakes.
async fn render_form_again(
    state: &AppState,
    caller: &Caller,
    pairs: &Pairs,
    errors: Errors,
) -> Response {
    let queue = QueueQuery::default().read_leniently(handling::default_tab(&caller.principal));
    render_list(state, caller, &queue, Some((pairs, errors))).await
}

/// A submission form: url-encoded, or multipart when it carries a file (`file`, `label`).
async fn read_submission(req: Request) -> Result<UploadForm, Response> {
    let multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    if multipart {
        let form = Multipart::from_request(req, &())
            .await
            .map_err(IntoResponse::into_response)?;
        Ok(UploadForm::read(form, "file").await)
    } else {
        let axum::Form(pairs) = axum::Form::<Pairs>::from_request(req, &())
            .await
            .map_err(IntoResponse::into_response)?;
        Ok(UploadForm {
            pairs,
            ..UploadForm::default()
        })
    }
}

pub async fn submit(State(state): State<AppState>, user: PageUser, req: Request) -> Response {
    let form = match read_submission(req).await {
        Ok(form) => form,
        Err(r) => return r,
    };
    let pairs = &form.pairs;
    if let Err(r) = user.check_csrf(field(pairs, "_csrf")) {
        return r;
    }
    let caller = &user.0;
    let text = |name: &str| Some(field(pairs, name).to_string()).filter(|s| !s.trim().is_empty());
    let input = RequestInput {
        credit_code: field(pairs, "credit_code").to_string(),
        category: field(pairs, "category").to_string(),
        title: text("title"),
        description: field(pairs, "description").to_string(),
        location: text("location"),
        submit_key: text("submit_key"),
        ..RequestInput::default()
    };
    // A file that would be refused stops the submission, so nothing is filed half.
    if let Err(e) = check_file(&form) {
        let errors = Errors::from([("file".to_string(), e.to_string())]);
        let page = render_form_again(&state, caller, pairs, errors).await;
        return (qinqing_kernel::web::error::status_of(&e), page).into_response();
    }
    match handling::submit(&state.app, &caller.principal, &input, &caller.meta).await {
        Ok(r) => match attach_from(&state, caller, &r.receipt_no, &form).await {
            Ok(()) => Redirect::to(&format!("/requests/{}", r.receipt_no)).into_response(),
            // The request is filed; the file is refused on its page, to be chosen again there.
            Err(e) => {
                let errors = Errors::from([("file".to_string(), e.to_string())]);
                let notice = "诉求已提交,但附件未能保存".to_string();
                let page = render_request(&state, caller, &r.receipt_no, errors, notice).await;
                (qinqing_kernel::web::error::status_of(&e), page).into_response()
            }
        },
        Err(e) if shows_error_page(&e) => error_page(&e, Some(caller), &state),
        Err(e) => {
            let page = render_form_again(&state, caller, pairs, form_errors(&e)).await;
            (qinqing_kernel::web::error::status_of(&e), page).into_response()
        }
    }
}

/// The label the form gives its file, or the default.
fn file_label(form: &UploadForm) -> &str {
    Some(form.field("label").trim())
        .filter(|l| !l.is_empty())
        .unwrap_or("诉求附件")
}

/// Checks the form's file, if it carries one, as attaching it will.
fn check_file(form: &UploadForm) -> AppResult<()> {
    if form.interrupted {
        return Err(AppError::invalid(
            "file",
            "文件上传中断或超过大小限制,请重试",
        ));
    }
    match &form.file {
        Some((name, bytes)) => qinqing_kernel::attachments::check(file_label(form), name, bytes),
        None => Ok(()),
    }
}

/// Attaches the form's file, if it carries one.
async fn attach_from(
    state: &AppState,
    caller: &Caller,
    receipt: &str,
    form: &UploadForm,
) -> AppResult<()> {
    check_file(form)?;
    let Some((name, bytes)) = &form.file else {
        return Ok(());
    };
    let label = file_label(form);
    let who = &caller.principal;
    files::attach(
        &state.app,
        who,
        receipt,
        label,
        name,
        bytes.clone(),
        &caller.meta,
    )
    .await?;
    Ok(())
}

/// Adds a file from the request's page.
pub async fn upload(
    State(state): State<AppState>,
    user: PageUser,
    Path(receipt): Path<String>,
    form: Multipart,
) -> Result<Response, Response> {
    let form = UploadForm::read(form, "file").await;
    let caller = form_caller(&user, &form.pairs)?;
    let result = match &form.file {
        None => Err(AppError::invalid("file", "请选择要上传的文件")),
        Some(_) => attach_from(&state, caller, &receipt, &form).await,
    };
    Ok(match result {
        Ok(()) => request_done(&receipt, "attached"),
        Err(e) if shows_error_page(&e) => error_page(&e, Some(caller), &state),
        Err(e) => {
            let mut errors = errors_of(&e);
            errors.insert("file".into(), e.to_string());
            let page = render_request(&state, caller, &receipt, errors, String::new()).await;
            (qinqing_kernel::web::error::status_of(&e), page).into_response()
        }
    })
}

/// One attached file, for whoever may see the request.
pub async fn attachment(
    State(state): State<AppState>,
    PageUser(caller): PageUser,
    Path((receipt, id)): Path<(String, i64)>,
) -> Response {
    match files::content(&state.app, &caller.principal, &receipt, id).await {
        Ok(file) => file_response(file),
        Err(e) => error_page(&e, Some(&caller), &state),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "request.html")]
pub struct RequestPage {
    layout: Layout,
    r: RequestView,
    in_hand: bool,
    is_owner: bool,
    is_lead: bool,
    acts_for: bool,
    /// The enterprise side or the registrant, while the request is open to work.
    may_attach: bool,
    attachments: Vec<AttachmentView>,
    departments: Vec<(i64, String)>,
    errors: Errors,
    notice: String,
    /// 会商 and 会诊日: government staff only.
    internal: Option<Internal>,
}

/// The forms on a request's page, each folded under its name.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Reply,
    Extension,
    Transfer,
    Duplicate,
    Consult,
    Clinic,
}

impl Action {
    /// The fields of the action's form that a refusal may name.
    fn fields(self) -> &'static [&'static str] {
        match self {
            Action::Reply => &["reply"],
            Action::Extension => &["days", "reason"],
            Action::Transfer => &["org_id", "transfer_reason"],
            Action::Duplicate => &["of"],
            Action::Consult => &["org_ids", "question", "due_on"],
            Action::Clinic => &["agenda_reason"],
        }
    }
}

impl RequestPage {
    /// Whether an action's form shows open: the one whose input was refused, else the likely
    /// next step (the lead approves a pending extension; the department otherwise replies).
    fn opens(&self, action: Action) -> bool {
        if !self.errors.is_empty() {
            return action.fields().iter().any(|f| self.errors.contains_key(*f));
        }
        let next = if self.is_lead && self.r.extension_status == Some(ExtensionStatus::Pending) {
            Action::Extension
        } else {
            Action::Reply
        };
        action == next
    }
}

/// The departments a request may be transferred to: every one but its owner.
async fn departments(state: &AppState, except: i64) -> AppResult<Vec<(i64, String)>> {
    let all = qinqing_kernel::users::departments(&state.app).await?;
    Ok(all.into_iter().filter(|(id, _)| *id != except).collect())
}

pub(super) async fn render_request(
    state: &AppState,
    caller: &Caller,
    receipt: &str,
    errors: Errors,
    notice: String,
) -> Response {
    let who = &caller.principal;
    let found = async {
        let r = handling::get(&state.app, who, receipt).await?;
        let departments = departments(state, r.owner_org_id).await?;
        let internal = internal(state, who, &r).await?;
        let attachments = files::list(&state.app, who, receipt).await?;
        AppResult::Ok((r, departments, internal, attachments))
    };
    let (r, departments, internal, attachments) = match found.await {
        Ok(found) => found,
        Err(e) => return error_page(&e, Some(caller), state),
    };
    let is_owner = who.role.is_staff() && !who.role.is_supervisor() && who.org_id == r.owner_org_id;
    let acts_for = who
        .enterprises()
        .iter()
        .any(|c| c.as_str() == r.credit_code);
    let may_attach = !r.status.is_finished() && (acts_for || r.registered_by == Some(who.user_id));
    let page = RequestPage {
        layout: Layout::new(
            format!("诉求 {}", r.receipt_no),
            Some(caller),
            state,
            "/requests",
        ),
        in_hand: r.status.is_in_hand(),
        is_owner,
        is_lead: is_owner && who.role == Role::DepartmentLead,
        acts_for,
        may_attach,
        attachments,
        departments,
        r,
        errors,
        notice,
        internal,
    };
    page.into_response()
}

/// What government staff see of the 会商 and 会诊日 of a request, and which forms they get.
pub struct Internal {
    consultations: Vec<ConsultationView>,
    agenda: Vec<AgendaItemView>,
    my_org_id: i64,
    may_consult: bool,
    may_put_on_agenda: bool,
}

async fn internal(
    state: &AppState,
    who: &Principal,
    r: &RequestView,
) -> AppResult<Option<Internal>> {
    if enterprise_side(who) {
        return Ok(None);
    }
    let in_hand = r.status.is_in_hand();
    let owner = who.org_id == r.owner_org_id && handles_cases(who.role);
    Ok(Some(Internal {
        consultations: consultation::for_request(&state.app, who, &r.receipt_no).await?,
        agenda: clinic::for_request(&state.app, who, &r.receipt_no).await?,
        my_org_id: who.org_id,
        may_consult: in_hand && owner,
        may_put_on_agenda: in_hand && (owner || who.role == Role::SupervisorEfficiency),
    }))
}

pub async fn page(
    State(state): State<AppState>,
    user: PageUser,
    Path(receipt): Path<String>,
    Query(done): Query<Done>,
) -> Response {
    let notice = done.notice(&[("saved", "已保存"), ("attached", "附件已上传")]);
    let notice = notice.unwrap_or_default().to_string();
    render_request(&state, &user.0, &receipt, Errors::new(), notice).await
}

/// Back to the request's page after a step, with the code of its confirmation.
fn request_done(receipt: &str, code: &str) -> Response {
    Redirect::to(&done_address(receipt, code)).into_response()
}

fn done_address(receipt: &str, code: &str) -> String {
    format!("/requests/{receipt}?done={code}")
}

/// How a step on a request's page answers: back to the page with its confirmation, or the page
/// again with the mistake next to its form.
async fn step_answer<T>(step: &Step<String>, result: AppResult<T>) -> Response {
    let (state, caller, receipt) = (step.state(), step.caller(), step.key.as_str());
    let next = done_address(receipt, "saved");
    let again = |errors| render_request(state, caller, receipt, errors, String::new());
    answer(state, caller, result, &next, again).await
}

/// 签收.
pub async fn accept(step: Step<String>) -> Response {
    let result = handling::accept(step.app(), step.who(), &step.key, step.meta()).await;
    step_answer(&step, result).await
}

/// 答复.
pub async fn reply(step: Step<String>) -> Response {
    let input = ReplyInput {
        reply: step.field("reply").to_string(),
    };
    let result = handling::reply(step.app(), step.who(), &step.key, &input, step.meta()).await;
    step_answer(&step, result).await
}

/// 申请延期.
pub async fn request_extension(step: Step<String>) -> Response {
    let input = ExtensionInput {
        days: step.field("days").trim().parse().unwrap_or(0),
        reason: step.field("reason").to_string(),
    };
    let (app, who, meta) = (step.app(), step.who(), step.meta());
    let result = handling::request_extension(app, who, &step.key, &input, meta).await;
    step_answer(&step, result).await
}

/// 批准延期, by the department lead.
pub async fn approve_extension(step: Step<String>) -> Response {
    let result = handling::approve_extension(step.app(), step.who(), &step.key, step.meta()).await;
    step_answer(&step, result).await
}

/// 转办.
pub async fn transfer(step: Step<String>) -> Response {
    let input = TransferInput {
        org_id: step.field("org_id").parse().unwrap_or(0),
        reason: step.field("reason").to_string(),
    };
    let result = handling::transfer(step.app(), step.who(), &step.key, &input, step.meta()).await;
    let result = result.map_err(|e| rename(e, "reason", "transfer_reason"));
    step_answer(&step, result).await
}

/// The request page has several "reason" fields (延期, 转办, 会诊日); a refusal of one names the
/// field of its own form, so its message shows under that form only.
pub(crate) fn rename(e: AppError, from: &str, to: &str) -> AppError {
    match e {
        AppError::Invalid { field, message } if field == from => AppError::Invalid {
            field: to.into(),
            message,
        },
        other => other,
    }
}

/// 并案: marks the request a repeat of another.
pub async fn mark_duplicate(step: Step<String>) -> Response {
    let input = DuplicateInput {
        of: step.field("of").to_string(),
    };
    let (app, who, meta) = (step.app(), step.who(), step.meta());
    let result = handling::mark_duplicate(app, who, &step.key, &input, meta).await;
    step_answer(&step, result).await
}

/// 回访.
pub async fn follow_up(step: Step<String>) -> Response {
    let comment = Some(step.field("comment").to_string()).filter(|c| !c.is_empty());
    let input = FollowUpInput {
        result: step.field("result").to_string(),
        comment,
    };
    let result = handling::follow_up(step.app(), step.who(), &step.key, &input, step.meta()).await;
    step_answer(&step, result).await
}
