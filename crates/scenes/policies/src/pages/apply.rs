//! The application form (申报), one form with its materials inside: new (在线申报), a draft
//! carried on (继续申报) or an application returned for correction (补正申报). Whatever the
//! applicant does on it — save, upload or remove a material, submit — keeps everything typed and
//! uploaded: a file chosen before the first save creates the draft first and is kept with it.
//! A submission ends on its success page (receipt number, what happens next, time limit).

use super::credit_code;
use super::yuan::filters;
use crate::applications::{self, ApplicationView, FactInput};
use crate::applying::{self, ApplicationInput};
use crate::entitlements::{self, Entitlement};
use crate::library::{self, PolicyView};
use crate::materials::{self, Materials, RequiredMaterial};
use crate::status::ApplicationStatus;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Multipart, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use qinqing_kernel::web::AppState;
use qinqing_kernel::web::form::{Pairs, field};
use qinqing_kernel::web::pages::{
    Done, Errors, Layout, error_page, errors_of, form_caller, shows_error_page,
};
use qinqing_kernel::web::session::{Caller, PageUser};
use qinqing_kernel::web::upload::UploadForm;
use qinqing_kernel::{AppError, AppResult};
use std::collections::HashMap;

/// The routes of this module's pages and forms.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/applications/new", get(apply_page).post(apply))
        .route("/applications/{receipt}/submitted", get(submitted_page))
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
    notice: Option<&'static str>,
    /// The application the form carries on (a draft, or one returned for 补正), once it exists.
    receipt: Option<String>,
    status: Option<ApplicationStatus>,
    /// The materials the guide asks for, each with whether a file for it is uploaded.
    checklist: Vec<RequiredMaterial>,
    files: Vec<qinqing_kernel::attachments::AttachmentView>,
    submit_key: String,
    /// What the project is called, for a policy claimed once per project (技改项目名称).
    claim_label: Option<String>,
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
    /// 补正申报 only for an application returned for correction; 继续申报 for a draft.
    fn heading(&self) -> &'static str {
        match self.status {
            Some(ApplicationStatus::Returned) => "补正申报",
            Some(ApplicationStatus::Draft) => "继续申报",
            _ => "在线申报",
        }
    }
    /// A draft may be saved again; an application returned for 补正 is only resubmitted.
    fn may_save_draft(&self) -> bool {
        matches!(self.status, None | Some(ApplicationStatus::Draft))
    }
    /// The material the upload field suggests: the first one still missing.
    fn next_material(&self) -> &str {
        self.checklist
            .iter()
            .find(|c| !c.uploaded)
            .map_or("", |c| c.label.as_str())
    }
}

#[derive(serde::Deserialize)]
pub struct ApplyQuery {
    policy: String,
    code: String,
    receipt: Option<String>,
}

/// What the form confirms after a step that stays on it.
const NOTICES: &[(&str, &str)] = &[
    ("saved", "草稿已保存,填写的数据和承诺都已留存"),
    ("uploaded", "材料已上传,草稿已保存"),
    ("removed", "材料已删除"),
];

/// The application form: pre-filled from the profile, asking only for what is missing; a
/// draft or a returned application comes back with everything it holds.
pub async fn apply_page(
    State(state): State<AppState>,
    PageUser(caller): PageUser,
    Query(q): Query<ApplyQuery>,
    Query(done): Query<Done>,
) -> Response {
    let form = ApplyForm {
        policy: q.policy,
        code: q.code,
        receipt: q.receipt.filter(|r| !r.trim().is_empty()),
        values: HashMap::new(),
        errors: Errors::new(),
        notice: done.notice(NOTICES),
    };
    render_apply(&state, &caller, form).await
}

struct ApplyForm {
    policy: String,
    code: String,
    receipt: Option<String>,
    /// What was posted; empty when the form is first opened.
    values: HashMap<String, String>,
    errors: Errors,
    notice: Option<&'static str>,
}

/// The form's values as stored in an application: its figures and its ticked pledges.
fn stored_values(a: &ApplicationView) -> HashMap<String, String> {
    let claim = a.claim.iter().map(|c| ("claim".to_string(), c.clone()));
    let facts = a
        .facts
        .iter()
        .map(|f| (format!("fact_{}", f.key), f.value.clone()));
    let pledges = a
        .pledges
        .iter()
        .map(|p| (format!("pledge_{}", p.key), "on".to_string()));
    claim.chain(facts).chain(pledges).collect()
}

/// What the enterprise may get under the policy with the data it has now.
async fn entitlement_of(
    state: &AppState,
    caller: &Caller,
    code: &str,
    policy_id: &str,
    year: i32,
) -> AppResult<Option<Entitlement>> {
    let code = credit_code(code)?;
    let all = entitlements::for_enterprise(&state.app, &caller.principal, &code, year).await?;
    Ok(all
        .eligible
        .into_iter()
        .chain(all.undetermined)
        .chain(all.ineligible)
        .find(|e| e.policy_id == policy_id))
}

/// The application the form carries on and its materials; none for a new form.
async fn carried_on(
    state: &AppState,
    caller: &Caller,
    receipt: Option<&str>,
) -> AppResult<Option<(ApplicationView, Materials)>> {
    let Some(receipt) = receipt else {
        return Ok(None);
    };
    let who = &caller.principal;
    let a = applications::get(&state.app, who, receipt).await?;
    let m = materials::list(&state.app, who, receipt).await?;
    Ok(Some((a, m)))
}

async fn render_apply(state: &AppState, caller: &Caller, mut form: ApplyForm) -> Response {
    let year = crate::api::policies::default_year(state);
    let loaded = async {
        let p = library::get(&state.app, Some(&caller.principal), &form.policy).await?;
        let entitlement = entitlement_of(state, caller, &form.code, &p.id, year).await?;
        let existing = carried_on(state, caller, form.receipt.as_deref()).await?;
        let mut conn = state.app.db.conn().await?;
        let schema = crate::schema(&mut conn).await?;
        let claim_label = match crate::store::policies::get_by_slug(&mut conn, &p.id).await? {
            Some(row) => crate::applying::claim_label(&mut conn, &row).await?,
            None => None,
        };
        Ok::<_, AppError>((p, entitlement, existing, schema, claim_label))
    };
    let (p, entitlement, existing, schema, claim_label) = match loaded.await {
        Ok(found) => found,
        Err(e) => return error_page(&e, Some(caller), state),
    };
    if form.values.is_empty()
        && let Some((a, _)) = &existing
    {
        form.values = stored_values(a);
    }
    let mut asks: Vec<(String, String)> = entitlement
        .iter()
        .flat_map(|e| e.missing.iter().map(|m| (m.key.clone(), m.label.clone())))
        .collect();
    // Keep asking for what the applicant already typed, even once it decides the outcome.
    for (k, _) in form.values.iter().filter(|(k, _)| k.starts_with("fact_")) {
        let key = k.trim_start_matches("fact_").to_string();
        if !asks.iter().any(|(a, _)| *a == key) {
            asks.push((key.clone(), applications::fact_label(&schema, &key)));
        }
    }
    asks.sort();
    let (status, checklist, files) = match existing {
        Some((a, m)) => (Some(a.status), m.checklist, m.files),
        None => (None, unchecked(&p.guide.materials), Vec::new()),
    };
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
        notice: form.notice,
        receipt: form.receipt,
        status,
        checklist,
        files,
        p,
        claim_label,
    }
    .into_response()
}

/// The guide's materials before anything is uploaded.
fn unchecked(labels: &[String]) -> Vec<RequiredMaterial> {
    labels
        .iter()
        .map(|label| RequiredMaterial {
            label: label.clone(),
            uploaded: false,
        })
        .collect()
}

fn application_input(pairs: &Pairs, year: i32, draft: bool) -> ApplicationInput {
    ApplicationInput {
        policy: field(pairs, "policy").to_string(),
        credit_code: field(pairs, "code").to_string(),
        year,
        claim: field(pairs, "claim").to_string(),
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

/// Which button sent the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Intent {
    Submit,
    SaveDraft,
    Upload,
    Remove(i64),
}

impl Intent {
    fn of(pairs: &Pairs) -> Intent {
        match field(pairs, "intent") {
            "draft" => Intent::SaveDraft,
            "upload" => Intent::Upload,
            other => other
                .strip_prefix("remove_")
                .and_then(|id| id.parse().ok())
                .map_or(Intent::Submit, Intent::Remove),
        }
    }
}

/// Where a step of the form ended: submitted, or kept on the form with a confirmation.
enum Outcome {
    Submitted(String),
    Kept {
        a: Box<ApplicationView>,
        done: &'static str,
    },
}

/// The form carrying on an application, with a step's confirmation.
fn form_address(a: &ApplicationView, done: &str) -> String {
    format!(
        "/applications/new?policy={}&code={}&receipt={}&done={done}#materials",
        a.policy_id, a.credit_code, a.receipt_no
    )
}

/// A step that failed, with the application it may have created on the way (a draft made to
/// keep an uploaded file), so that the form shown again carries on with it.
struct Failed {
    error: AppError,
    receipt: Option<String>,
}

fn failed(receipt: &Option<String>) -> impl FnOnce(AppError) -> Failed + '_ {
    move |error| Failed {
        error,
        receipt: receipt.clone(),
    }
}

/// Carries out the button's step. Whenever something is to be kept with the form — a draft, a
/// file, a removal — the form is saved first (as a new draft when there is none yet), so no
/// figure, tick or file is lost whatever comes after.
async fn carry_out(
    state: &AppState,
    caller: &Caller,
    upload: &UploadForm,
    year: i32,
) -> Result<Outcome, Failed> {
    let (app, who, meta) = (&state.app, &caller.principal, &caller.meta);
    let pairs = &upload.pairs;
    let intent = Intent::of(pairs);
    let with_file = upload.file.is_some() || upload.interrupted;
    let receipt = Some(field(pairs, "receipt").to_string()).filter(|r| !r.is_empty());
    if intent == Intent::Submit && !with_file {
        let input = application_input(pairs, year, false);
        let a = match &receipt {
            None => applying::submit(app, who, &input, meta).await,
            Some(r) => applying::resubmit(app, who, r, &input, meta).await,
        }
        .map_err(failed(&receipt))?;
        return Ok(Outcome::Submitted(a.receipt_no));
    }
    let draft = application_input(pairs, year, true);
    let a = match &receipt {
        None => applying::submit(app, who, &draft, meta).await,
        Some(r) => keep_form(state, caller, r, &draft).await,
    }
    .map_err(failed(&receipt))?;
    let kept = a.receipt_no.clone();
    let receipt = Some(kept.clone());
    if with_file || intent == Intent::Upload {
        let file = qinqing_kernel::web::upload::material(upload).map_err(failed(&receipt))?;
        materials::upload(app, who, &kept, file, meta)
            .await
            .map_err(failed(&receipt))?;
    }
    let done = match intent {
        Intent::Remove(id) => {
            materials::remove(app, who, &kept, id, meta)
                .await
                .map_err(failed(&receipt))?;
            "removed"
        }
        Intent::Upload => "uploaded",
        Intent::SaveDraft => "saved",
        Intent::Submit => {
            let input = application_input(pairs, year, false);
            applying::resubmit(app, who, &kept, &input, meta)
                .await
                .map_err(failed(&receipt))?;
            return Ok(Outcome::Submitted(kept));
        }
    };
    Ok(Outcome::Kept {
        a: Box::new(a),
        done,
    })
}

/// Saves a draft's form; an application returned for 补正 keeps its stored form until it is
/// resubmitted (the form shown again holds what was typed meanwhile).
async fn keep_form(
    state: &AppState,
    caller: &Caller,
    receipt: &str,
    input: &ApplicationInput,
) -> AppResult<ApplicationView> {
    let (app, who) = (&state.app, &caller.principal);
    let a = applications::get(app, who, receipt).await?;
    if a.status == ApplicationStatus::Draft {
        applying::resubmit(app, who, receipt, input, &caller.meta).await
    } else {
        Ok(a)
    }
}

/// Submits, saves or changes the materials of the form (multipart, for the file inside it);
/// on a mistake the form comes back with everything kept and the mistake beside its field.
pub async fn apply(
    State(state): State<AppState>,
    user: PageUser,
    form: Multipart,
) -> Result<Response, Response> {
    let upload = UploadForm::read(form, "file").await;
    let caller = form_caller(&user, &upload.pairs)?;
    let year = crate::api::policies::default_year(&state);
    let (policy, code) = (field(&upload.pairs, "policy"), field(&upload.pairs, "code"));
    Ok(match carry_out(&state, caller, &upload, year).await {
        Ok(Outcome::Submitted(receipt)) => {
            Redirect::to(&format!("/applications/{receipt}/submitted")).into_response()
        }
        Ok(Outcome::Kept { a, done }) => Redirect::to(&form_address(&a, done)).into_response(),
        Err(Failed { error, .. }) if shows_error_page(&error) => {
            error_page(&error, Some(caller), &state)
        }
        Err(Failed { error, receipt }) => {
            let mut errors = errors_of(&error);
            if errors.is_empty() {
                errors.insert("form".into(), error.to_string());
            }
            let form = ApplyForm {
                policy: policy.to_string(),
                code: code.to_string(),
                receipt,
                values: upload.pairs.iter().cloned().collect(),
                errors,
                notice: None,
            };
            let page = render_apply(&state, caller, form).await;
            (qinqing_kernel::web::error::status_of(&error), page).into_response()
        }
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "submitted.html")]
pub struct SubmittedPage {
    layout: Layout,
    a: ApplicationView,
}

/// The success page of a submission: the receipt number, who reviews it next and by when.
/// An application no longer under review is shown on its own page.
pub async fn submitted_page(
    State(state): State<AppState>,
    PageUser(caller): PageUser,
    Path(receipt): Path<String>,
) -> Response {
    let a = match applications::get(&state.app, &caller.principal, &receipt).await {
        Ok(a) => a,
        Err(e) => return error_page(&e, Some(&caller), &state),
    };
    if a.status != ApplicationStatus::Submitted {
        return Redirect::to(&applications::page_of(&a.receipt_no)).into_response();
    }
    SubmittedPage {
        layout: Layout::new("申报已提交", Some(&caller), &state, "/portal"),
        a,
    }
    .into_response()
}
