//! Writing a policy: the editor for a new policy and for an existing one, with its trial against
//! one enterprise, the builder's rows, and the definition file's import and download.

use super::credit_code;
use super::policy_builder::{self, BuilderView, Editor};
use super::yuan::filters;
use crate::builder;
use crate::entitlements::{self, Entitlement};
use crate::library::{self, PolicyView};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Multipart, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use qinqing_domain::org::Role;
use qinqing_kernel::AppError;
use qinqing_kernel::enterprises;
use qinqing_kernel::web::AppState;
use qinqing_kernel::web::form::{Pairs, field};
use qinqing_kernel::web::pages::{Errors, Layout, error_page, form_caller, form_errors};
use qinqing_kernel::web::session::{Caller, PageUser};
use qinqing_rules::model::Level;
use std::collections::HashMap;

/// The routes of this module's pages and forms.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/policies/new", get(new_page).post(create))
        .route("/policies/{id}/edit", get(edit_page).post(update))
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
    /// (field, label) of each fiscal level's budget, from the national level down.
    fn levels(&self) -> Vec<(String, &'static str)> {
        Level::ALL
            .iter()
            .map(|&l| (level_budget_field(l), l.label_zh()))
            .collect()
    }
    /// Whether any level's budget is filled in or refused, to open their section.
    fn has_level_budgets(&self) -> bool {
        self.levels()
            .iter()
            .any(|(key, _)| !self.value(key).is_empty() || !self.error(key).is_empty())
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
    // Each level's budget of a policy several levels pay for.
    .chain(Level::ALL.map(|l| (level_budget_field(l), level_total(p, l))))
    .collect()
}

/// The name of the field of a level's budget, as the API names its errors.
fn level_budget_field(level: Level) -> String {
    format!("level_budgets.{}", level.as_str())
}

fn level_total(p: &library::PolicyView, level: Level) -> String {
    p.level_budgets
        .iter()
        .find(|b| b.key == level.as_str())
        .and_then(|b| b.total.clone())
        .unwrap_or_default()
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
        level_budgets: Level::ALL
            .iter()
            .map(|l| {
                (
                    l.as_str().to_string(),
                    v(&level_budget_field(*l)).to_string(),
                )
            })
            .filter(|(_, yuan)| !yuan.is_empty())
            .collect(),
        department_org_id: org("department_org_id"),
    }
}

/// What the editor page shows beside the fields: the trial's outcome, or a notice.
#[derive(Default)]
struct Shown {
    preview: Option<Entitlement>,
    notice: Option<String>,
    /// The builder's form as posted, when it is shown as filled in rather than as read back
    /// from the definition (a field the definition does not hold yet, with its mistake).
    form: Option<policy_builder::Form>,
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
    let mut editor = Editor::of(values.get("definition").cloned().unwrap_or_default());
    if let Some(form) = shown.form {
        editor.form = Ok(form);
    }
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
    let problems = editor.problems();
    // A form with mistakes is shown as filled in, not as read back from the definition (which
    // may not hold a wrong field at all); saving, trying or updating the file says what is
    // wrong instead.
    let form = (!problems.is_empty())
        .then(|| editor.form.clone().ok())
        .flatten();
    let notice = editor.notice;
    if !problems.is_empty() && ["save", "check", "sync"].contains(&field(&pairs, "intent")) {
        errors.insert("builder".into(), problems.join(";"));
        let shown = Shown {
            notice,
            form,
            ..Shown::default()
        };
        return Ok(render_editor(state, caller, editing, values, errors, shown).await);
    }
    let input = policy_input(&values);
    match field(&pairs, "intent") {
        "save" => {}
        "check" => {
            let (errors, shown) = match trial(state, caller, &pairs, &input.definition).await {
                Ok(p) => {
                    let preview = Some(p);
                    let shown = Shown {
                        preview,
                        notice,
                        form: None,
                    };
                    (Errors::new(), shown)
                }
                Err(e) => (form_errors(&e), Shown::default()),
            };
            return Ok(render_editor(state, caller, editing, values, errors, shown).await);
        }
        _ => {
            let shown = Shown {
                notice,
                form,
                preview: None,
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
