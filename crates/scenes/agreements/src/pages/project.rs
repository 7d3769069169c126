//! An agreement's project page: its timeline (a vertical list by planned date, readable on a
//! phone, with a Gantt strip) and the forms the caller may use on it, each posting to its own
//! address. A step done redirects back with its notice; a refused one comes back open with what
//! was typed and its wrong fields marked.

use super::form::{ItemChoices, ItemForm};
use crate::steps::Step;
use crate::{AgreementView, ItemAction, ItemRights, Workspace, document, import};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Form, Multipart, Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use qinqing_domain::commitment::{Side, Status};
use qinqing_kernel::attachments::{AttachmentView, NewMaterial};
use qinqing_kernel::web::AppState;
use qinqing_kernel::web::form::{Pairs, field};
use qinqing_kernel::web::pages::{Done, Errors, Layout, answer, error_page, form_caller};
use qinqing_kernel::web::session::{Caller, PageUser};
use qinqing_kernel::web::upload::{UploadForm, material};
use qinqing_kernel::{AppError, AppResult};
use std::collections::HashMap;

/// The project page and one route per form on it.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/agreements/{id}", get(page))
        .route("/agreements/{id}/items", post(add_item))
        .route("/agreements/{id}/items/{key}", post(edit_item))
        .route("/agreements/{id}/items/{key}/report", post(report))
        .route("/agreements/{id}/items/{key}/evidence", post(add_evidence))
        .route("/agreements/{id}/items/{key}/confirm", post(confirm))
        .route("/agreements/{id}/items/{key}/dispute", post(dispute))
        .route("/agreements/{id}/items/{key}/waive", post(waive))
        .route("/agreements/{id}/items/{key}/breach", post(breach))
        .route("/agreements/{id}/import", post(import_items))
        .route("/agreements/{id}/documents", post(upload_document))
        .route("/agreements/{id}/enterprise", post(link_enterprise))
}
#[derive(Template, WebTemplate)]
#[template(path = "agreement.html")]
pub struct AgreementPage {
    layout: Layout,
    a: AgreementView,
    manages: bool,
    /// Government staff read the agreement's trail (留痕).
    may_trace: bool,
    /// The agreement document's files (协议文本).
    documents: Vec<AttachmentView>,
    rights: HashMap<String, ItemRights>,
    /// The edit form of each item the caller may rewrite, by key.
    edits: HashMap<String, ItemForm>,
    add: ItemForm,
    choices: ItemChoices,
    /// The form that was refused ("report:land_delivery", "add", "document"…), its typed
    /// fields and errors.
    failed: String,
    kept: Pairs,
    errors: Errors,
    /// The rows of a refused XLSX import.
    problems: Vec<String>,
    notice: &'static str,
    today: String,
    /// Each item's bar on the Gantt strip, by key: the inline style placing it.
    bars: HashMap<String, String>,
}

/// Places each item's bar on a strip from the signing date to the last planned date: it runs
/// from the planned date of the item it counts from — for an item on a fixed date, the item
/// before it on the timeline (or signing) — to its own planned date. `a.items` are in timeline
/// order.
fn gantt_bars(a: &AgreementView) -> HashMap<String, String> {
    let last = a
        .items
        .iter()
        .map(|i| i.planned_on)
        .max()
        .unwrap_or(a.signed_on);
    let span = (last - a.signed_on).num_days().max(1) as f64;
    let at = |d: chrono::NaiveDate| {
        ((d - a.signed_on).num_days().max(0) as f64 / span * 100.0).min(100.0)
    };
    let mut previous = a.signed_on;
    let mut bars = HashMap::new();
    for i in &a.items {
        let upstream = i
            .after
            .as_ref()
            .and_then(|k| a.items.iter().find(|u| &u.key == k));
        let start = upstream
            .map_or(previous, |u| u.planned_on)
            .min(i.planned_on);
        let left = at(start);
        // A bar is never thinner than a mark, so a same-day item still shows.
        let width = (at(i.planned_on) - left).max(1.0).min(100.0 - left);
        bars.insert(
            i.key.clone(),
            format!("margin-left:{left:.1}%;width:{width:.1}%"),
        );
        previous = i.planned_on;
    }
    bars
}

impl AgreementPage {
    fn tone(&self, status: &Status) -> &'static str {
        super::tone(*status)
    }

    /// The class of a side's tag.
    fn side_tag(&self, side: &Side) -> &'static str {
        match side {
            Side::Government => "gov",
            Side::Enterprise => "ent",
        }
    }

    fn bar(&self, key: &str) -> &str {
        self.bars.get(key).map_or("", String::as_str)
    }

    fn last_planned(&self) -> chrono::NaiveDate {
        self.a
            .items
            .iter()
            .map(|i| i.planned_on)
            .max()
            .unwrap_or(self.a.signed_on)
    }

    fn rights_of(&self, key: &str) -> Option<&ItemRights> {
        self.rights.get(key)
    }

    fn may(&self, key: &str, step: &str) -> bool {
        self.rights_of(key)
            .is_some_and(|r| r.steps.iter().any(|s| s.as_str() == step))
    }

    fn is_failed(&self, action: &str, key: &str) -> bool {
        self.failed == form_id(action, key)
    }

    /// What was typed in a refused form, or "".
    fn kept(&self, action: &str, key: &str, name: &str) -> &str {
        if self.is_failed(action, key) {
            field(&self.kept, name)
        } else {
            ""
        }
    }

    fn error(&self, action: &str, key: &str, name: &str) -> Option<&String> {
        self.errors
            .get(name)
            .filter(|_| self.is_failed(action, key))
    }
}

fn form_id(action: &str, key: &str) -> String {
    format!("{action}:{key}")
}

/// A form of the page: which one was refused, to reopen it, and which notice a done one earns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PageForm {
    Step(Step),
    Evidence,
    Edit,
    Add,
    Import,
    Document,
    Link,
}

impl PageForm {
    /// The form's name in the template (`self.is_failed("edit", key)`).
    fn as_str(self) -> &'static str {
        match self {
            PageForm::Step(step) => step.as_str(),
            PageForm::Evidence => "evidence",
            PageForm::Edit => "edit",
            PageForm::Add => "add",
            PageForm::Import => "import",
            PageForm::Document => "document",
            PageForm::Link => "link",
        }
    }

    /// The `?done=` code of its confirmation (see [`NOTICES`]).
    fn done(self) -> &'static str {
        match self {
            PageForm::Step(step) => step.past(),
            PageForm::Evidence => "evidence",
            PageForm::Edit => "saved",
            PageForm::Add => "added",
            PageForm::Import => "imported",
            PageForm::Document => "document",
            PageForm::Link => "linked",
        }
    }
}

/// A form as it was posted: which one, the item it is about ("" for the agreement's own forms)
/// and what was typed.
struct Posted<'a> {
    form: PageForm,
    key: &'a str,
    pairs: &'a Pairs,
}

impl<'a> Posted<'a> {
    fn on_item(form: PageForm, key: &'a str, pairs: &'a Pairs) -> Posted<'a> {
        Posted { form, key, pairs }
    }

    fn on_agreement(form: PageForm, pairs: &'a Pairs) -> Posted<'a> {
        Posted {
            form,
            key: "",
            pairs,
        }
    }
}

/// What the refused form was, for the page to reopen it.
struct Refused<'a> {
    posted: Posted<'a>,
    errors: Errors,
    /// The rows of a refused XLSX import.
    problems: Vec<String>,
}

async fn render(
    state: &AppState,
    caller: &Caller,
    id: i64,
    notice: &'static str,
    refused: Option<Refused<'_>>,
) -> Response {
    let ws = match crate::workspace(&state.app, &caller.principal, id).await {
        Ok(ws) => ws,
        Err(e) => return error_page(&e, Some(caller), state),
    };
    let Workspace {
        agreement: mut a,
        manages,
        documents,
        rights,
    } = ws;
    // The timeline reads top to bottom in the order things are due.
    a.items.sort_by_key(|i| (i.planned_on, i.id));
    let (failed, kept, errors, problems) = match refused {
        Some(r) => (
            form_id(r.posted.form.as_str(), r.posted.key),
            r.posted.pairs.clone(),
            r.errors,
            r.problems,
        ),
        None => (String::new(), Pairs::new(), Errors::new(), Vec::new()),
    };
    let typed_if_failed = |form: ItemForm, action: PageForm, key: &str| {
        if failed == form_id(action.as_str(), key) {
            form.typed(&kept, &errors)
        } else {
            form
        }
    };
    let edits = a
        .items
        .iter()
        .filter(|i| rights.get(&i.key).is_some_and(|r| r.edit))
        .map(|i| {
            let form = typed_if_failed(ItemForm::of_item(i), PageForm::Edit, &i.key);
            (i.key.clone(), form)
        })
        .collect();
    let add = typed_if_failed(ItemForm::blank(String::new()), PageForm::Add, "");
    let choices = ItemChoices::new(a.items.iter().map(|i| (i.key.clone(), i.content.clone())));
    AgreementPage {
        layout: Layout::new(&a.project_name, Some(caller), state, "/agreements"),
        bars: gantt_bars(&a),
        today: qinqing_domain::deadline::local_date(state.app.now()).to_string(),
        may_trace: caller.principal.role.is_staff(),
        a,
        manages,
        documents,
        rights,
        edits,
        add,
        choices,
        failed,
        kept,
        errors,
        problems,
        notice,
    }
    .into_response()
}

/// The confirmations of the page's steps, by their `?done=` code.
const NOTICES: [(&str, &str); 12] = [
    ("created", "协议已保存,承诺事项已生成履约时间轴"),
    ("reported", "履约情况已申报,待协议另一方确认"),
    ("evidence", "佐证材料已上传"),
    ("confirmed", "已确认履约"),
    ("disputed", "已退回履约申报"),
    ("waived", "已豁免该事项"),
    ("breached", "已认定违约"),
    ("saved", "承诺事项已保存"),
    ("added", "承诺事项已添加"),
    ("linked", "已关联企业"),
    ("document", "协议文本已上传"),
    ("imported", "承诺事项已导入"),
];

pub async fn page(
    State(state): State<AppState>,
    PageUser(caller): PageUser,
    Path(id): Path<i64>,
    Query(q): Query<Done>,
) -> Response {
    let notice = q.notice(&NOTICES).unwrap_or("");
    render(&state, &caller, id, notice, None).await
}

/// How a form of the page answers: done, back to the page with its notice, at the item it was
/// about (`anchor`, "" for none); refused or failed, the error page; a mistake, the page again
/// with the form open.
async fn finish<T>(
    state: &AppState,
    caller: &Caller,
    id: i64,
    posted: Posted<'_>,
    anchor: &str,
    result: AppResult<T>,
) -> Response {
    let anchor = match anchor {
        "" => String::new(),
        key => format!("#item-{key}"),
    };
    let next = format!("/agreements/{id}?done={}{anchor}", posted.form.done());
    let problems = match &result {
        Err(AppError::ImportRejected(report)) => {
            report.errors.iter().map(ToString::to_string).collect()
        }
        _ => Vec::new(),
    };
    answer(state, caller, result, &next, |errors| {
        let refused = Refused {
            posted,
            errors,
            problems,
        };
        render(state, caller, id, "", Some(refused))
    })
    .await
}

/// A step on an item (`posted.key`), answered at the item.
async fn finish_item_step<T>(
    state: &AppState,
    caller: &Caller,
    id: i64,
    posted: Posted<'_>,
    result: AppResult<T>,
) -> Response {
    let anchor = posted.key;
    finish(state, caller, id, posted, anchor, result).await
}

/// The form's file, labelled `default_label` unless the form names it; missing or broken off,
/// it is the `file` field's error.
fn file_of<'a>(form: &'a UploadForm, default_label: &'a str) -> AppResult<NewMaterial<'a>> {
    let mut file = material(form)?;
    if file.label.trim().is_empty() {
        file.label = default_label;
    }
    Ok(file)
}

/// The form's file if one was chosen.
fn optional_file<'a>(
    form: &'a UploadForm,
    default_label: &'a str,
) -> AppResult<Option<NewMaterial<'a>>> {
    if form.file.is_none() && !form.interrupted {
        return Ok(None);
    }
    file_of(form, default_label).map(Some)
}

/// The item a form's fields describe (unprefixed, as the add and edit forms name them).
fn typed_item(pairs: &Pairs) -> crate::ItemInput {
    ItemForm::blank(String::new())
        .typed(pairs, &Errors::new())
        .input()
}

type ItemPath = Path<(i64, String)>;

/// A multipart form of the page (one that carries a file) and the caller who posted it.
async fn read_upload(user: &PageUser, form: Multipart) -> Result<(UploadForm, &Caller), Response> {
    let form = UploadForm::read(form, "file").await;
    let caller = form_caller(user, &form.pairs)?;
    Ok((form, caller))
}

/// 申报履约: the responsible side reports fulfilment, with an evidence file if one was chosen.
pub async fn report(
    State(state): State<AppState>,
    user: PageUser,
    Path((id, key)): ItemPath,
    form: Multipart,
) -> Result<Response, Response> {
    let (form, caller) = read_upload(&user, form).await?;
    let (app, who, meta) = (&state.app, &caller.principal, &caller.meta);
    let action = ItemAction::Report {
        on: form.field("on").to_string(),
        evidence: form.field("evidence").to_string(),
    };
    let result = async {
        let file = optional_file(&form, "履约佐证")?;
        crate::act_with(app, who, id, &key, &action, file, meta).await
    }
    .await;
    let posted = Posted::on_item(PageForm::Step(Step::Report), &key, &form.pairs);
    Ok(finish_item_step(&state, caller, id, posted, result).await)
}

/// 上传佐证材料 before reporting.
pub async fn add_evidence(
    State(state): State<AppState>,
    user: PageUser,
    Path((id, key)): ItemPath,
    form: Multipart,
) -> Result<Response, Response> {
    let (form, caller) = read_upload(&user, form).await?;
    let (app, who, meta) = (&state.app, &caller.principal, &caller.meta);
    let result = async {
        let file = file_of(&form, "履约佐证")?;
        crate::upload_evidence(app, who, id, &key, file, meta).await
    }
    .await;
    let posted = Posted::on_item(PageForm::Evidence, &key, &form.pairs);
    Ok(finish_item_step(&state, caller, id, posted, result).await)
}

/// A step without a file: confirm, or one that gives a reason.
async fn item_step(
    state: &AppState,
    user: &PageUser,
    (id, key): (i64, String),
    pairs: &Pairs,
    action: ItemAction,
) -> Result<Response, Response> {
    let caller = form_caller(user, pairs)?;
    let result = crate::act(
        &state.app,
        &caller.principal,
        id,
        &key,
        &action,
        &caller.meta,
    )
    .await;
    let posted = Posted::on_item(PageForm::Step(action.step()), &key, pairs);
    Ok(finish_item_step(state, caller, id, posted, result).await)
}

/// The reason a form gives for disputing, waiving or recording a breach.
fn reason(pairs: &Pairs) -> String {
    field(pairs, "reason").to_string()
}

/// 确认履约: the other side confirms a report.
pub async fn confirm(
    State(state): State<AppState>,
    user: PageUser,
    Path(item): ItemPath,
    Form(pairs): Form<Pairs>,
) -> Result<Response, Response> {
    item_step(&state, &user, item, &pairs, ItemAction::Confirm).await
}

/// 退回申报: the other side sends a report back, with its reason.
pub async fn dispute(
    State(state): State<AppState>,
    user: PageUser,
    Path(item): ItemPath,
    Form(pairs): Form<Pairs>,
) -> Result<Response, Response> {
    let reason = reason(&pairs);
    item_step(&state, &user, item, &pairs, ItemAction::Dispute { reason }).await
}

/// 豁免: a department lead waives the item (or the breach recorded on it).
pub async fn waive(
    State(state): State<AppState>,
    user: PageUser,
    Path(item): ItemPath,
    Form(pairs): Form<Pairs>,
) -> Result<Response, Response> {
    let reason = reason(&pairs);
    item_step(&state, &user, item, &pairs, ItemAction::Waive { reason }).await
}

/// 认定违约 of an overdue item.
pub async fn breach(
    State(state): State<AppState>,
    user: PageUser,
    Path(item): ItemPath,
    Form(pairs): Form<Pairs>,
) -> Result<Response, Response> {
    let reason = reason(&pairs);
    item_step(&state, &user, item, &pairs, ItemAction::Breach { reason }).await
}

/// 修改事项或改期: the managing staff rewrite an open item; its key stays.
pub async fn edit_item(
    State(state): State<AppState>,
    user: PageUser,
    Path((id, key)): ItemPath,
    Form(pairs): Form<Pairs>,
) -> Result<Response, Response> {
    let caller = form_caller(&user, &pairs)?;
    let item = crate::ItemInput {
        key: key.clone(),
        ..typed_item(&pairs)
    };
    let (app, who, meta) = (&state.app, &caller.principal, &caller.meta);
    let result = crate::save_item(app, who, id, Some(&key), &item, meta).await;
    let posted = Posted::on_item(PageForm::Edit, &key, &pairs);
    Ok(finish_item_step(&state, caller, id, posted, result).await)
}

/// 添加承诺事项; the page comes back at the new item.
pub async fn add_item(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    Form(pairs): Form<Pairs>,
) -> Result<Response, Response> {
    let caller = form_caller(&user, &pairs)?;
    let item = typed_item(&pairs);
    let (app, who, meta) = (&state.app, &caller.principal, &caller.meta);
    let result = crate::save_item(app, who, id, None, &item, meta).await;
    let posted = Posted::on_agreement(PageForm::Add, &pairs);
    Ok(finish(&state, caller, id, posted, &item.key, result).await)
}

/// 从 XLSX 导入承诺事项: all rows or none.
pub async fn import_items(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    form: Multipart,
) -> Result<Response, Response> {
    let (form, caller) = read_upload(&user, form).await?;
    let (app, who, meta) = (&state.app, &caller.principal, &caller.meta);
    let result = async {
        let file = file_of(&form, "承诺事项")?;
        import::import_items(app, who, id, &file.bytes, meta).await
    }
    .await;
    let posted = Posted::on_agreement(PageForm::Import, &form.pairs);
    Ok(finish(&state, caller, id, posted, "", result).await)
}

/// 上传协议文本.
pub async fn upload_document(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    form: Multipart,
) -> Result<Response, Response> {
    let (form, caller) = read_upload(&user, form).await?;
    let (app, who, meta) = (&state.app, &caller.principal, &caller.meta);
    let result =
        async { document::upload(app, who, id, file_of(&form, "协议文本")?, meta).await }.await;
    let posted = Posted::on_agreement(PageForm::Document, &form.pairs);
    Ok(finish(&state, caller, id, posted, "", result).await)
}

/// 关联已注册的企业.
pub async fn link_enterprise(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    Form(pairs): Form<Pairs>,
) -> Result<Response, Response> {
    let caller = form_caller(&user, &pairs)?;
    let code = field(&pairs, "credit_code");
    let (app, who, meta) = (&state.app, &caller.principal, &caller.meta);
    let result = crate::link_enterprise(app, who, id, code, meta).await;
    let posted = Posted::on_agreement(PageForm::Link, &pairs);
    Ok(finish(&state, caller, id, posted, "", result).await)
}
