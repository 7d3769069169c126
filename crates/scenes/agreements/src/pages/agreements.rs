//! 政企合同双兑现 pages: the agreements the caller may see; the new-agreement form itemised
//! from the standard chain; and a project's page — its timeline (a vertical list by planned
//! date, readable on a phone) with the forms the caller may use on each item. Every form posts
//! back; a refused one comes back open with what was typed and its wrong fields marked.

use super::form::{ItemChoices, ItemForm};
use crate::{
    AgreementInput, AgreementSummary, AgreementView, ItemAction, ItemRights, Workspace, document,
    import,
};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Multipart, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use qinqing_kernel::attachments::AttachmentView;
use qinqing_kernel::attachments::NewMaterial;
use qinqing_kernel::web::AppState;
use qinqing_kernel::web::pages::{
    Done, Errors, Layout, Pairs, error_page, errors_of, field, form_caller, form_errors,
    shows_error_page,
};
use qinqing_kernel::web::session::{Caller, PageUser};
use qinqing_kernel::web::upload::UploadForm;
use qinqing_kernel::web::upload::material;
use qinqing_kernel::{AppError, AppResult};
use std::collections::HashMap;

/// The routes of this module's pages and forms.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/agreements", get(list_page))
        .route("/agreements/new", get(new_page).post(create))
        .route("/agreements/{id}", get(detail_page).post(action))
}

#[derive(Template, WebTemplate)]
#[template(path = "agreements.html")]
pub struct AgreementsPage {
    layout: Layout,
    list: Vec<AgreementSummary>,
    may_create: bool,
}

pub async fn list_page(State(state): State<AppState>, PageUser(caller): PageUser) -> Response {
    match crate::list(&state.app, &caller.principal).await {
        Ok(list) => AgreementsPage {
            layout: Layout::new("政企合同", Some(&caller), &state, "/agreements"),
            list,
            may_create: crate::may_create(&caller.principal),
        }
        .into_response(),
        Err(e) => error_page(&e, Some(&caller), &state),
    }
}

// ----- the new-agreement form -----

/// Blank rows under the template's, for items the chain does not have.
const EXTRA_ROWS: usize = 2;
/// The most rows a submitted form is read for.
const MAX_ROWS: usize = 60;

#[derive(Template, WebTemplate)]
#[template(path = "agreement_new.html")]
pub struct NewAgreementPage {
    layout: Layout,
    errors: Errors,
    project_name: String,
    credit_code: String,
    investor_name: String,
    region_code: String,
    signed_on: String,
    total_investment: String,
    rows: Vec<ItemForm>,
    choices: ItemChoices,
}

fn row_prefix(row: usize) -> String {
    format!("items[{row}].")
}

/// The template's rows, then blank ones.
fn standard_rows() -> Vec<ItemForm> {
    let template = crate::standard_template();
    let mut rows: Vec<ItemForm> = template
        .iter()
        .enumerate()
        .map(|(row, n)| ItemForm::of_template(row_prefix(row), n))
        .collect();
    rows.extend(
        (template.len()..template.len() + EXTRA_ROWS).map(|r| ItemForm::blank(row_prefix(r))),
    );
    rows
}

fn template_choices() -> ItemChoices {
    ItemChoices::new(
        crate::standard_template()
            .iter()
            .map(|n| (n.key.to_string(), n.title.to_string())),
    )
}

/// The form with what `pairs` hold (nothing for a new form), its `rows` and `errors`.
fn new_page_of(
    state: &AppState,
    caller: &Caller,
    pairs: &Pairs,
    rows: Vec<ItemForm>,
    errors: Errors,
) -> NewAgreementPage {
    let kept = |name: &str| field(pairs, name).to_string();
    NewAgreementPage {
        layout: Layout::new("录入投资协议", Some(caller), state, "/agreements"),
        project_name: kept("project_name"),
        credit_code: kept("credit_code"),
        investor_name: kept("investor_name"),
        region_code: kept("region_code"),
        signed_on: kept("signed_on"),
        total_investment: kept("total_investment"),
        rows,
        choices: template_choices(),
        errors,
    }
}

pub async fn new_page(State(state): State<AppState>, PageUser(caller): PageUser) -> Response {
    if !crate::may_create(&caller.principal) {
        let e = AppError::forbidden("只有招商部门工作人员可以录入投资协议");
        return error_page(&e, Some(&caller), &state);
    }
    new_page_of(
        &state,
        &caller,
        &Pairs::new(),
        standard_rows(),
        Errors::new(),
    )
    .into_response()
}

/// The rows of a submitted form as typed (template rows keep their keys).
fn submitted_rows(pairs: &Pairs, errors: &Errors) -> Vec<ItemForm> {
    let count = field(pairs, "rows").parse().unwrap_or(0).min(MAX_ROWS);
    let template = crate::standard_template();
    (0..count)
        .map(|row| {
            let form = match template.get(row) {
                Some(n) => ItemForm::of_template(row_prefix(row), n),
                None => ItemForm::blank(row_prefix(row)),
            };
            form.typed(pairs, errors)
        })
        .collect()
}

/// Error keys of the use case name the item by its place among the included rows; the form
/// names it by its row.
fn errors_by_row(e: &AppError, included: &[usize]) -> Errors {
    errors_of(e)
        .into_iter()
        .map(|(key, message)| {
            let row = key
                .strip_prefix("items[")
                .and_then(|rest| rest.split_once("]."))
                .and_then(|(n, f)| Some((included.get(n.parse::<usize>().ok()?)?, f)));
            match row {
                Some((row, f)) => (format!("{}{f}", row_prefix(*row)), message),
                None => (key, message),
            }
        })
        .collect()
}

pub async fn create(
    State(state): State<AppState>,
    user: PageUser,
    axum::Form(pairs): axum::Form<Pairs>,
) -> Response {
    let caller = match form_caller(&user, &pairs) {
        Ok(caller) => caller,
        Err(r) => return r,
    };
    let rows = submitted_rows(&pairs, &Errors::new());
    let included: Vec<usize> = (0..rows.len())
        .filter(|&r| rows[r].include && rows[r].is_filled())
        .collect();
    let given = |name: &str| Some(field(&pairs, name).to_string()).filter(|v| !v.trim().is_empty());
    let input = AgreementInput {
        project_name: field(&pairs, "project_name").to_string(),
        credit_code: given("credit_code"),
        investor_name: given("investor_name"),
        region_code: given("region_code"),
        signed_on: field(&pairs, "signed_on").to_string(),
        total_investment: field(&pairs, "total_investment").to_string(),
        from_template: false,
        items: included.iter().map(|&r| rows[r].input()).collect(),
    };
    match crate::create(&state.app, &caller.principal, &input, &caller.meta).await {
        Ok(a) => Redirect::to(&format!("/agreements/{}?done=created", a.id)).into_response(),
        Err(e) if shows_error_page(&e) => error_page(&e, Some(caller), &state),
        Err(e) => {
            let mut errors = errors_by_row(&e, &included);
            errors.insert("form".into(), format!("协议未保存:{e}"));
            let rows = submitted_rows(&pairs, &errors);
            let page = new_page_of(&state, caller, &pairs, rows, errors);
            (qinqing_kernel::web::error::status_of(&e), page).into_response()
        }
    }
}

// ----- the project page -----

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
    /// The colour of a state's tag: closed well, needs watching, gone wrong.
    fn tone(&self, status: &str) -> &'static str {
        match status {
            "fulfilled_on_time" | "waived" => "good",
            "due_soon" | "due" | "reported" | "fulfilled_late" => "watch",
            "overdue" | "breached" | "suspended" => "bad",
            _ => "",
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

/// What the refused form was, for the page to reopen it.
struct Refused<'a> {
    action: &'a str,
    key: &'a str,
    pairs: &'a Pairs,
    error: AppError,
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
        Some(r) => {
            let errors = form_errors(&r.error);
            let problems = match &r.error {
                AppError::ImportRejected(report) => {
                    report.errors.iter().map(ToString::to_string).collect()
                }
                _ => Vec::new(),
            };
            (form_id(r.action, r.key), r.pairs.clone(), errors, problems)
        }
        None => (String::new(), Pairs::new(), Errors::new(), Vec::new()),
    };
    let typed_if_failed = |form: ItemForm, action: &str, key: &str| {
        if failed == form_id(action, key) {
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
            (
                i.key.clone(),
                typed_if_failed(ItemForm::of_item(i), "edit", &i.key),
            )
        })
        .collect();
    let add = typed_if_failed(ItemForm::blank(String::new()), "add", "");
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

pub async fn detail_page(
    State(state): State<AppState>,
    PageUser(caller): PageUser,
    Path(id): Path<i64>,
    Query(q): Query<Done>,
) -> Response {
    let notice = q.notice(&NOTICES).unwrap_or("");
    render(&state, &caller, id, notice, None).await
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

/// Takes the step a form asks for; the code of its confirmation.
async fn take_step(
    state: &AppState,
    caller: &Caller,
    id: i64,
    form: &UploadForm,
) -> AppResult<&'static str> {
    let (app, who, meta) = (&state.app, &caller.principal, &caller.meta);
    let key = form.field("key");
    let reason = || form.field("reason").to_string();
    let item = || {
        ItemForm::blank(String::new())
            .typed(&form.pairs, &Errors::new())
            .input()
    };
    let act =
        |action: ItemAction| async move { crate::act(app, who, id, key, &action, meta).await };
    Ok(match form.field("action") {
        "report" => {
            let action = ItemAction::Report {
                on: form.field("on").to_string(),
                evidence: form.field("evidence").to_string(),
            };
            let file = optional_file(form, "履约佐证")?;
            crate::act_with(app, who, id, key, &action, file, meta).await?;
            "reported"
        }
        "evidence" => {
            let file = file_of(form, "履约佐证")?;
            crate::upload_evidence(app, who, id, key, file, meta).await?;
            "evidence"
        }
        "confirm" => act(ItemAction::Confirm).await.map(|_| "confirmed")?,
        "dispute" => act(ItemAction::Dispute { reason: reason() })
            .await
            .map(|_| "disputed")?,
        "waive" => act(ItemAction::Waive { reason: reason() })
            .await
            .map(|_| "waived")?,
        "breach" => act(ItemAction::Breach { reason: reason() })
            .await
            .map(|_| "breached")?,
        "edit" => {
            crate::save_item(app, who, id, Some(key), &item(), meta).await?;
            "saved"
        }
        "add" => {
            crate::save_item(app, who, id, None, &item(), meta).await?;
            "added"
        }
        "link" => {
            crate::link_enterprise(app, who, id, form.field("credit_code"), meta).await?;
            "linked"
        }
        "document" => {
            let file = file_of(form, "协议文本")?;
            document::upload(app, who, id, file, meta).await?;
            "document"
        }
        "import" => {
            let file = file_of(form, "承诺事项")?;
            import::import_items(app, who, id, &file.bytes, meta).await?;
            "imported"
        }
        _ => return Err(AppError::invalid("action", "未知的操作")),
    })
}

/// Every form of the project page (all multipart, so any may carry a file).
pub async fn action(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    form: Multipart,
) -> Response {
    let form = UploadForm::read(form, "file").await;
    let caller = match form_caller(&user, &form.pairs) {
        Ok(caller) => caller,
        Err(r) => return r,
    };
    match take_step(&state, caller, id, &form).await {
        Ok(code) => {
            let anchor = match form.field("key") {
                "" => String::new(),
                key => format!("#item-{key}"),
            };
            Redirect::to(&format!("/agreements/{id}?done={code}{anchor}")).into_response()
        }
        Err(e) if shows_error_page(&e) => error_page(&e, Some(caller), &state),
        Err(error) => {
            let status = qinqing_kernel::web::error::status_of(&error);
            let refused = Refused {
                action: form.field("action"),
                key: form.field("key"),
                pairs: &form.pairs,
                error,
            };
            let page = render(&state, caller, id, "", Some(refused)).await;
            (status, page).into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_item_error_is_shown_on_the_row_it_came_from() {
        // Rows 0, 2 and 5 were sent; the use case names the second of them.
        let e = AppError::invalid("items[1].after", "前置事项不存在");
        let errors = errors_by_row(&e, &[0, 2, 5]);
        assert_eq!(
            errors.get("items[2].after").map(String::as_str),
            Some("前置事项不存在")
        );
        let e = AppError::invalid("total_investment", "金额格式不对");
        assert!(errors_by_row(&e, &[0]).contains_key("total_investment"));
    }
}
