//! 项目报建: the caller's projects with the registration form, and one project.

use crate::case::{self, StageApplyInput};
use crate::project::{self, ProjectInput, ProjectMatter, ProjectSummary, ProjectView, StageView};
use crate::status::CaseStatus;
use crate::vault::{self, VaultItemView, VaultView};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Multipart, Path, Query, State};
use axum::response::{IntoResponse, Response};
use qinqing_kernel::AppResult;
use qinqing_kernel::listing::Tone;
use qinqing_kernel::principal::acts_for_enterprise;
use qinqing_kernel::web::AppState;
use qinqing_kernel::web::form::{Pairs, field};
use qinqing_kernel::web::pages::step::Step;
use qinqing_kernel::web::pages::{Done, Errors, Layout, answer, error_page, form_caller};
use qinqing_kernel::web::session::{Caller, PageUser};
use qinqing_kernel::web::upload::UploadForm;

#[derive(Template, WebTemplate)]
#[template(path = "construction_projects.html")]
pub struct ProjectsPage {
    layout: Layout,
    may_register: bool,
    /// (credit code, name) of the enterprises the caller acts for.
    enterprises: Vec<(String, String)>,
    items: Vec<ProjectSummary>,
    errors: Errors,
    form: Pairs,
    submit_key: String,
}

impl ProjectsPage {
    /// What was typed in a field of the form, kept when the form comes back.
    fn kept(&self, name: &str) -> &str {
        field(&self.form, name)
    }

    /// What is wrong with a field of the form, if anything.
    fn wrong(&self, name: &str) -> Option<&String> {
        self.errors.get(name)
    }
}

async fn render_list(state: &AppState, caller: &Caller, form: Pairs, errors: Errors) -> Response {
    let who = &caller.principal;
    let found = async {
        let items = project::list(&state.app, who).await?;
        let enterprises = qinqing_kernel::enterprises::names_of_own(&state.app, who).await?;
        AppResult::Ok((items, enterprises))
    };
    let (items, enterprises) = match found.await {
        Ok(found) => found,
        Err(e) => return error_page(&e, Some(caller), state),
    };
    ProjectsPage {
        layout: Layout::new("项目报建", Some(caller), state, "/projects"),
        may_register: acts_for_enterprise(who),
        enterprises,
        items,
        errors,
        form,
        submit_key: uuid::Uuid::new_v4().to_string(),
    }
    .into_response()
}

pub async fn list(State(state): State<AppState>, PageUser(caller): PageUser) -> Response {
    render_list(&state, &caller, Pairs::new(), Errors::new()).await
}

pub async fn register(
    State(state): State<AppState>,
    user: PageUser,
    axum::Form(pairs): axum::Form<Pairs>,
) -> Response {
    if let Err(r) = form_caller(&user, &pairs) {
        return r;
    }
    let caller = &user.0;
    let text = |name: &str| Some(field(&pairs, name).to_string()).filter(|s| !s.trim().is_empty());
    let input = ProjectInput {
        credit_code: field(&pairs, "credit_code").to_string(),
        name: field(&pairs, "name").to_string(),
        parcel: field(&pairs, "parcel").to_string(),
        location: field(&pairs, "location").to_string(),
        investment: field(&pairs, "investment").to_string(),
        floor_area: field(&pairs, "floor_area").to_string(),
        agreement_no: text("agreement_no"),
        land_title_no: text("land_title_no"),
        submit_key: text("submit_key"),
    };
    let result = project::register(&state.app, &caller.principal, &input, &caller.meta).await;
    let next = match &result {
        Ok(p) => format!("/projects/{}", p.code),
        Err(_) => String::new(),
    };
    answer(&state, caller, result, &next, |errors| {
        render_list(&state, caller, pairs.clone(), errors)
    })
    .await
}

#[derive(Template, WebTemplate)]
#[template(path = "construction_project.html")]
pub struct ProjectPage {
    layout: Layout,
    p: ProjectView,
    vault: VaultView,
    errors: Errors,
    /// The confirmation of the step just taken, if any.
    notice: &'static str,
    /// What was chosen in the 数据云柜 form, kept when it comes back with a mistake.
    form: Pairs,
}

impl ProjectPage {
    /// The colour of a matter's state: approved, under way, or over without approval.
    fn tone(&self, m: &ProjectMatter) -> Tone {
        match m.status {
            Some(CaseStatus::Approved) => Tone::Done,
            Some(CaseStatus::Refused | CaseStatus::Lapsed) => Tone::Refused,
            None => Tone::Progress,
            Some(_) => Tone::Progress,
        }
    }

    /// The materials of the stage's matters open to apply, each once, with the item of the
    /// 数据云柜 that would serve it today (none: not yet filed, or expired).
    fn stage_materials<'a>(
        &'a self,
        s: &'a StageView,
    ) -> Vec<(&'a str, Option<&'a VaultItemView>)> {
        let mut listed: Vec<(&str, Option<&VaultItemView>)> = Vec::new();
        let open = s.matters.iter().filter(|m| m.open_to_apply);
        for material in open.flat_map(|m| &m.materials) {
            if listed.iter().all(|(name, _)| name != material) {
                let held = self
                    .vault
                    .items
                    .iter()
                    .find(|i| &i.material == material && i.valid);
                listed.push((material, held));
            }
        }
        listed
    }

    /// Whether any matter of the stage may be applied for now.
    fn stage_open(&self, s: &StageView) -> bool {
        self.p.may_apply && s.matters.iter().any(|m| m.open_to_apply)
    }

    /// The materials the 数据云柜 form offers: those still wanted, then those held (to renew).
    fn vault_choices(&self) -> Vec<&str> {
        let held = self.vault.items.iter().map(|i| i.material.as_str());
        let mut choices: Vec<&str> = self.vault.wanted.iter().map(String::as_str).collect();
        choices.extend(held.filter(|h| !self.vault.wanted.iter().any(|w| w == h)));
        choices
    }

    fn kept(&self, name: &str) -> &str {
        field(&self.form, name)
    }

    /// Whether the stage's form came back (with a mistake) from this stage.
    fn sent_from(&self, s: &StageView) -> bool {
        self.kept("stage") == s.stage
    }

    /// Whether the stage's form came back with this matter ticked.
    fn ticked(&self, s: &StageView, m: &ProjectMatter) -> bool {
        self.sent_from(s) && all_of(&self.form, "matters").contains(&m.code)
    }

    /// Whether the 数据云柜 form came back with this material chosen.
    fn chosen(&self, material: &str) -> bool {
        self.kept("material") == material
    }
}

async fn render_project(
    state: &AppState,
    caller: &Caller,
    (code, form): (&str, Pairs),
    errors: Errors,
    notice: &'static str,
) -> Response {
    let who = &caller.principal;
    let found = async {
        let p = project::get(&state.app, who, code).await?;
        let vault = vault::of_project(&state.app, who, code).await?;
        AppResult::Ok((p, vault))
    };
    match found.await {
        Ok((p, vault)) => ProjectPage {
            layout: Layout::new(p.name.clone(), Some(caller), state, "/projects"),
            p,
            vault,
            errors,
            notice,
            form,
        }
        .into_response(),
        Err(e) => error_page(&e, Some(caller), state),
    }
}

pub async fn page(
    State(state): State<AppState>,
    PageUser(caller): PageUser,
    Path(code): Path<String>,
    Query(done): Query<Done>,
) -> Response {
    let notices = [
        ("applied", "已申报,等待审批部门受理"),
        ("filed", "已存入数据云柜,申报时自动复用"),
    ];
    let notice = done.notice(&notices).unwrap_or_default();
    render_project(
        &state,
        &caller,
        (&code, Pairs::new()),
        Errors::new(),
        notice,
    )
    .await
}

/// 申报 the matters ticked in one stage's form, each with what the 数据云柜 holds.
pub async fn apply_stage(step: Step<String>) -> Response {
    let input = StageApplyInput {
        matters: all_of(step.pairs(), "matters"),
        note: Some(step.field("note").to_string()),
    };
    let (state, caller, code) = (step.state(), step.caller(), step.key.as_str());
    let result = case::apply_stage(step.app(), step.who(), code, &input, step.meta()).await;
    let next = format!("/projects/{code}?done=applied#stages");
    let kept = (code, step.pairs().clone());
    answer(state, caller, result, &next, |errors| {
        render_project(state, caller, kept, errors, "")
    })
    .await
}

fn all_of(pairs: &Pairs, name: &str) -> Vec<String> {
    pairs
        .iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .collect()
}

/// 存入数据云柜: the form carries the file.
pub async fn file_in_vault(
    State(state): State<AppState>,
    user: PageUser,
    Path(code): Path<String>,
    form: Multipart,
) -> Result<Response, Response> {
    let form = UploadForm::read(form, "file").await;
    let caller = form_caller(&user, &form.pairs)?;
    let (who, meta) = (&caller.principal, &caller.meta);
    let result = async {
        let (input, file) = crate::api::vault_form(&form)?;
        vault::file(&state.app, who, &code, &input, file, meta).await
    }
    .await;
    let next = format!("/projects/{code}?done=filed#vault");
    let kept = (code.as_str(), form.pairs.clone());
    Ok(answer(&state, caller, result, &next, |errors| {
        render_project(&state, caller, kept, errors, "")
    })
    .await)
}
