//! The organisation tree and the accounts pages: every member of staff reads the tree; the
//! administrator creates, renames, moves and deactivates organisations, opens and manages
//! accounts, and imports either from a file. Organisations are chosen with a picker that shows
//! the tree and filters it as one types (static/org-picker.js; without script it is a list of
//! radio buttons).

use super::{Choice, Done, Errors, Layout, answer, error_page, form_caller};
use crate::organisations::{self, NewOrganisationInput};
use crate::store::orgs::Organisation;
use crate::users::{self, NewUserInput, UserSummary};
use crate::web::AppState;
use crate::web::form::{Pairs, field};
use crate::web::session::{Caller, PageUser};
use crate::web::upload::UploadForm;
use crate::{AppError, AppResult};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use qinqing_domain::org::{OrgKind, Role};
use qinqing_exchange::directory::{ACCOUNT_COLUMNS, Column, ORGANISATION_COLUMNS, header_of};
use qinqing_exchange::{FileFormat, ImportReport};

/// The routes of this module's pages and forms.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/organisations", get(organisations_page).post(create_org))
        .route("/organisations/{id}/rename", post(rename_org))
        .route("/organisations/{id}/move", post(move_org))
        .route("/organisations/{id}/deactivate", post(deactivate_org))
        .route("/organisations/import", post(import_orgs))
        .route("/admin/users", get(accounts_page).post(create_account))
        .route("/admin/users/{id}/reset", post(reset_password))
        .route("/admin/users/{id}/role", post(change_role))
        .route("/admin/users/{id}/deactivate", post(deactivate_account))
        .route("/admin/users/import", post(import_accounts))
}

/// One organisation as the picker and the tree show it.
pub struct TreeLine {
    pub id: i64,
    pub depth: usize,
    pub name: String,
    pub kind: OrgKind,
    pub division_code: String,
    pub active: bool,
    /// The names from the top down to this one, which the filter searches.
    pub path: String,
}

/// Orders organisations depth-first under their parents.
fn tree_lines(all: &[Organisation]) -> Vec<TreeLine> {
    fn walk(
        all: &[Organisation],
        parent: Option<i64>,
        above: &str,
        depth: usize,
        out: &mut Vec<TreeLine>,
    ) {
        for o in all.iter().filter(|o| o.parent_id == parent) {
            let path = if above.is_empty() {
                o.name.clone()
            } else {
                format!("{above} / {}", o.name)
            };
            out.push(TreeLine {
                id: o.id,
                depth: depth.min(5),
                name: o.name.clone(),
                kind: o.kind,
                division_code: o
                    .division_code
                    .as_ref()
                    .map(|d| d.to_string())
                    .unwrap_or_default(),
                active: o.active,
                path: path.clone(),
            });
            walk(all, Some(o.id), &path, depth + 1, out);
        }
    }
    let mut out = Vec::new();
    walk(all, None, "", 0, &mut out);
    out
}

/// A searchable organisation picker: the active part of the tree as radio buttons.
pub struct OrgPicker {
    pub field: String,
    pub label: &'static str,
    pub selected: String,
    /// Offer "no parent" (a bank at the top).
    pub allow_none: bool,
    pub lines: Vec<TreeLine>,
}

impl OrgPicker {
    fn new(all: &[Organisation], field: &'static str, label: &'static str, selected: &str) -> Self {
        OrgPicker {
            field: field.to_string(),
            label,
            selected: selected.to_string(),
            allow_none: false,
            lines: tree_lines(all).into_iter().filter(|l| l.active).collect(),
        }
    }
}

/// A problem of an imported file as the page shows it: the column by its Chinese header.
pub struct ImportProblem {
    pub row: usize,
    pub column: &'static str,
    pub value: String,
    pub message: String,
}

fn problems(report: &ImportReport, columns: &[Column]) -> Vec<ImportProblem> {
    report
        .errors
        .iter()
        .map(|e| ImportProblem {
            row: e.row,
            column: header_of(columns, &e.column),
            value: e.value.clone(),
            message: e.message.clone(),
        })
        .collect()
}

/// The parents an organisation of `kind` may move under: (value, label), "" for the top.
fn parent_choices(kind: OrgKind, id: i64, lines: &[TreeLine]) -> Vec<(String, String)> {
    let top = kind
        .fits_under(None)
        .then(|| (String::new(), "最上级(无上级)".to_string()));
    top.into_iter()
        .chain(
            lines
                .iter()
                .filter(|l| l.active && l.id != id && kind.fits_under(Some(l.kind)))
                .map(|l| (l.id.to_string(), l.path.clone())),
        )
        .collect()
}

/// A line of the managed tree, with the parents it may move under.
pub struct ManagedLine {
    pub line: TreeLine,
    pub parents: Vec<(String, String)>,
}

#[derive(Template, WebTemplate)]
#[template(path = "organisations.html")]
pub struct OrganisationsPage {
    layout: Layout,
    lines: Vec<ManagedLine>,
    admin: bool,
    picker: OrgPicker,
    kinds: Vec<Choice>,
    form: Pairs,
    errors: Errors,
    notice: Option<&'static str>,
    problems: Vec<ImportProblem>,
}

impl OrganisationsPage {
    fn value(&self, name: &str) -> &str {
        field(&self.form, name)
    }
}

const ORG_NOTICES: [(&str, &str); 5] = [
    ("created", "已创建组织"),
    ("renamed", "已改名"),
    ("moved", "已调整上级组织"),
    ("deactivated", "已停用该组织"),
    ("imported", "导入成功,文件中的组织已全部创建"),
];

async fn orgs_view(
    state: &AppState,
    caller: &Caller,
    form: Pairs,
    errors: Errors,
    notice: Option<&'static str>,
    problems: Vec<ImportProblem>,
) -> Response {
    let all = match users::organisations(&state.app, &caller.principal).await {
        Ok(all) => all,
        Err(e) => return error_page(&e, Some(caller), state),
    };
    let every = tree_lines(&all);
    let mut picker = OrgPicker::new(&all, "parent_id", "上级组织", field(&form, "parent_id"));
    picker.allow_none = true;
    let managed = tree_lines(&all)
        .into_iter()
        .map(|line| ManagedLine {
            parents: parent_choices(line.kind, line.id, &every),
            line,
        })
        .collect();
    OrganisationsPage {
        layout: Layout::new("组织架构", Some(caller), state, "/organisations"),
        lines: managed,
        admin: caller.principal.role == Role::Admin,
        picker,
        kinds: OrgKind::MANAGED
            .iter()
            .map(|k| Choice {
                value: k.as_str(),
                label: k.label_zh(),
            })
            .collect(),
        form,
        errors,
        notice,
        problems,
    }
    .into_response()
}

pub async fn organisations_page(
    State(state): State<AppState>,
    PageUser(caller): PageUser,
    Query(done): Query<Done>,
) -> Response {
    let notice = done.notice(&ORG_NOTICES);
    orgs_view(&state, &caller, Pairs::new(), Errors::new(), notice, vec![]).await
}

fn optional_id(text: &str) -> AppResult<Option<i64>> {
    match text.trim() {
        "" => Ok(None),
        t => t
            .parse()
            .map(Some)
            .map_err(|_| AppError::invalid("parent_id", "请选择上级组织")),
    }
}

pub async fn create_org(
    State(state): State<AppState>,
    user: PageUser,
    Form(pairs): Form<Pairs>,
) -> Result<Response, Response> {
    let caller = form_caller(&user, &pairs)?;
    let result = match optional_id(field(&pairs, "parent_id")) {
        Ok(parent_id) => {
            let input = NewOrganisationInput {
                name: field(&pairs, "name").to_string(),
                kind: field(&pairs, "kind").to_string(),
                parent_id,
                division_code: Some(field(&pairs, "division_code").to_string()),
            };
            organisations::create(&state.app, &caller.principal, &input, &caller.meta).await
        }
        Err(e) => Err(e),
    };
    Ok(answer(
        &state,
        caller,
        result,
        "/organisations?done=created",
        |errors| orgs_view(&state, caller, pairs.clone(), errors, None, vec![]),
    )
    .await)
}

pub async fn rename_org(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    Form(pairs): Form<Pairs>,
) -> Result<Response, Response> {
    let caller = form_caller(&user, &pairs)?;
    let name = field(&pairs, "name");
    let result = organisations::rename(&state.app, &caller.principal, id, name, &caller.meta).await;
    Ok(answer(
        &state,
        caller,
        result,
        "/organisations?done=renamed",
        |errors| orgs_view(&state, caller, Pairs::new(), errors, None, vec![]),
    )
    .await)
}

pub async fn move_org(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    Form(pairs): Form<Pairs>,
) -> Result<Response, Response> {
    let caller = form_caller(&user, &pairs)?;
    let result = match optional_id(field(&pairs, "parent_id")) {
        Ok(parent) => {
            organisations::move_to(&state.app, &caller.principal, id, parent, &caller.meta).await
        }
        Err(e) => Err(e),
    };
    Ok(answer(
        &state,
        caller,
        result,
        "/organisations?done=moved",
        |errors| orgs_view(&state, caller, Pairs::new(), errors, None, vec![]),
    )
    .await)
}

pub async fn deactivate_org(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    Form(pairs): Form<Pairs>,
) -> Result<Response, Response> {
    let caller = form_caller(&user, &pairs)?;
    let result = organisations::deactivate(&state.app, &caller.principal, id, &caller.meta).await;
    Ok(answer(
        &state,
        caller,
        result,
        "/organisations?done=deactivated",
        |errors| orgs_view(&state, caller, Pairs::new(), errors, None, vec![]),
    )
    .await)
}

/// The uploaded file of an import form and its format, or the mistake to show.
fn uploaded(form: UploadForm) -> AppResult<(Vec<u8>, FileFormat)> {
    let (name, bytes) = form
        .file
        .filter(|_| !form.interrupted)
        .ok_or_else(|| AppError::invalid("file", "请选择要导入的 CSV 或 XLSX 文件"))?;
    let format = FileFormat::from_file_name(&name)
        .ok_or_else(|| AppError::invalid("file", format!("“{name}”不是 .csv 或 .xlsx 文件")))?;
    Ok((bytes, format))
}

/// How an import form answers: imports the uploaded file with `import`, then goes on to `next`,
/// shows the error page for a refusal, or the page again with every bad row of the file (or the
/// mistake of the form) listed.
pub(super) async fn import_answer<Page>(
    state: &AppState,
    caller: &Caller,
    form: UploadForm,
    import: impl AsyncFnOnce(Vec<u8>, FileFormat) -> AppResult<usize>,
    next: &str,
    columns: &[Column],
    again: impl FnOnce(Errors, Vec<ImportProblem>) -> Page,
) -> Response
where
    Page: Future<Output = Response>,
{
    let result = match uploaded(form) {
        Ok((bytes, format)) => import(bytes, format).await,
        Err(e) => Err(e),
    };
    match result {
        Err(AppError::ImportRejected(report)) => {
            let mut errors = Errors::new();
            errors.insert(
                "form".into(),
                format!(
                    "文件有 {} 处错误,未导入任何数据。请按下表修改后重新上传。",
                    report.errors.len()
                ),
            );
            let page = again(errors, problems(&report, columns)).await;
            (StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
        }
        other => answer(state, caller, other, next, |e| again(e, vec![])).await,
    }
}

pub async fn import_orgs(
    State(state): State<AppState>,
    user: PageUser,
    form: Multipart,
) -> Result<Response, Response> {
    let form = UploadForm::read(form, "file").await;
    let caller = form_caller(&user, &form.pairs)?;
    Ok(import_answer(
        &state,
        caller,
        form,
        async |bytes, format| {
            organisations::import(&state.app, &caller.principal, &bytes, format, &caller.meta).await
        },
        "/organisations?done=imported",
        &ORGANISATION_COLUMNS,
        |errors, problems| orgs_view(&state, caller, Pairs::new(), errors, None, problems),
    )
    .await)
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_users.html")]
pub struct AccountsPage {
    layout: Layout,
    users: Vec<UserSummary>,
    picker: OrgPicker,
    roles: Vec<Choice>,
    form: Pairs,
    errors: Errors,
    notice: Option<&'static str>,
    problems: Vec<ImportProblem>,
}

impl AccountsPage {
    fn value(&self, name: &str) -> &str {
        field(&self.form, name)
    }
}

const ACCOUNT_NOTICES: [(&str, &str); 5] = [
    (
        "created",
        "已开设账户。请把用户名和临时密码告诉本人:首次登录后须先设置新密码,才能使用其他功能。",
    ),
    (
        "reset",
        "已重置密码并解除锁定;该用户下次登录后须先设置新密码",
    ),
    ("role", "已修改角色"),
    ("deactivated", "已停用该账户,其所有登录已立即失效"),
    (
        "imported",
        "导入成功,文件中的账户已全部开设;首次登录须修改临时密码",
    ),
];

async fn accounts_view(
    state: &AppState,
    caller: &Caller,
    form: Pairs,
    errors: Errors,
    notice: Option<&'static str>,
    problems: Vec<ImportProblem>,
) -> Response {
    let loaded = async {
        let users = users::list_users(&state.app, &caller.principal).await?;
        let all = users::organisations(&state.app, &caller.principal).await?;
        AppResult::Ok((users, all))
    };
    let (users, all) = match loaded.await {
        Ok(found) => found,
        Err(e) => return error_page(&e, Some(caller), state),
    };
    AccountsPage {
        layout: Layout::new("账户管理", Some(caller), state, "/admin/users"),
        users,
        picker: OrgPicker::new(&all, "org_id", "所在组织", field(&form, "org_id")),
        roles: Role::ALL
            .iter()
            .filter(|r| **r != Role::EnterpriseUser)
            .map(|r| Choice {
                value: r.as_str(),
                label: r.label_zh(),
            })
            .collect(),
        form,
        errors,
        notice,
        problems,
    }
    .into_response()
}

pub async fn accounts_page(
    State(state): State<AppState>,
    PageUser(caller): PageUser,
    Query(done): Query<Done>,
) -> Response {
    let notice = done.notice(&ACCOUNT_NOTICES);
    accounts_view(&state, &caller, Pairs::new(), Errors::new(), notice, vec![]).await
}

pub async fn create_account(
    State(state): State<AppState>,
    user: PageUser,
    Form(pairs): Form<Pairs>,
) -> Result<Response, Response> {
    let caller = form_caller(&user, &pairs)?;
    let input = NewUserInput {
        username: field(&pairs, "username").to_string(),
        display_name: field(&pairs, "display_name").to_string(),
        phone: Some(field(&pairs, "phone").to_string()),
        org_id: field(&pairs, "org_id").parse().unwrap_or(-1),
        role: field(&pairs, "role").to_string(),
        password: field(&pairs, "password").to_string(),
    };
    let result = users::create_user(&state.app, &caller.principal, input, &caller.meta).await;
    // The password is never echoed back into the page.
    let kept: Pairs = pairs
        .iter()
        .filter(|(k, _)| k != "password")
        .cloned()
        .collect();
    Ok(answer(
        &state,
        caller,
        result,
        "/admin/users?done=created",
        |errors| accounts_view(&state, caller, kept, errors, None, vec![]),
    )
    .await)
}

/// One action on one account, answered with the accounts page.
async fn account_action(
    state: &AppState,
    caller: &Caller,
    result: AppResult<()>,
    done: &str,
) -> Response {
    let next = format!("/admin/users?done={done}");
    answer(state, caller, result, &next, |errors| {
        accounts_view(state, caller, Pairs::new(), errors, None, vec![])
    })
    .await
}

pub async fn reset_password(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    Form(pairs): Form<Pairs>,
) -> Result<Response, Response> {
    let caller = form_caller(&user, &pairs)?;
    let password = field(&pairs, "password");
    let result =
        users::reset_password(&state.app, &caller.principal, id, password, &caller.meta).await;
    Ok(account_action(&state, caller, result, "reset").await)
}

pub async fn change_role(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    Form(pairs): Form<Pairs>,
) -> Result<Response, Response> {
    let caller = form_caller(&user, &pairs)?;
    let role = field(&pairs, "role");
    let result = users::change_role(&state.app, &caller.principal, id, role, &caller.meta).await;
    Ok(account_action(&state, caller, result, "role").await)
}

pub async fn deactivate_account(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    Form(pairs): Form<Pairs>,
) -> Result<Response, Response> {
    let caller = form_caller(&user, &pairs)?;
    let result = users::deactivate(&state.app, &caller.principal, id, &caller.meta).await;
    Ok(account_action(&state, caller, result, "deactivated").await)
}

pub async fn import_accounts(
    State(state): State<AppState>,
    user: PageUser,
    form: Multipart,
) -> Result<Response, Response> {
    let form = UploadForm::read(form, "file").await;
    let caller = form_caller(&user, &form.pairs)?;
    Ok(import_answer(
        &state,
        caller,
        form,
        async |bytes, format| {
            users::import(&state.app, &caller.principal, &bytes, format, &caller.meta).await
        },
        "/admin/users?done=imported",
        &ACCOUNT_COLUMNS,
        |errors, problems| accounts_view(&state, caller, Pairs::new(), errors, None, problems),
    )
    .await)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn org(id: i64, parent: Option<i64>, kind: OrgKind, name: &str) -> Organisation {
        Organisation {
            id,
            parent_id: parent,
            kind,
            name: name.into(),
            division_code: None,
            active: true,
        }
    }

    #[test]
    fn the_tree_lists_children_under_their_parent_with_the_path_to_search() {
        let all = [
            org(1, None, OrgKind::District, "测试区"),
            org(5, None, OrgKind::Bank, "银行"),
            org(2, Some(1), OrgKind::Town, "东园镇"),
            org(3, Some(2), OrgKind::Village, "东园村"),
            org(4, Some(1), OrgKind::Department, "财政局"),
        ];
        let lines = tree_lines(&all);
        let order: Vec<(i64, usize)> = lines.iter().map(|l| (l.id, l.depth)).collect();
        assert_eq!(order, [(1, 0), (2, 1), (3, 2), (4, 1), (5, 0)]);
        assert_eq!(lines[2].path, "测试区 / 东园镇 / 东园村");
        let parents = parent_choices(OrgKind::Department, 4, &lines);
        let ids: Vec<&str> = parents.iter().map(|(v, _)| v.as_str()).collect();
        assert_eq!(ids, ["1", "2"]);
        let parents = parent_choices(OrgKind::Bank, 5, &lines);
        assert_eq!(parents[0].0, "");
    }
}
