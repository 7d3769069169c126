//! 预警规则: the administrator sets, for each kind of clock by its name, when each grade of
//! warning fires and whom it tells. A row left empty follows the rule above it (the family's,
//! the platform's own for the kind, the default); the hours in force show in its boxes.

use super::{Layout, error_page};
use crate::AppError;
use crate::deadlines::{self, WarningRules};
use crate::web::AppState;
use crate::web::session::{Caller, PageUser};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Form, Router};
use qinqing_domain::deadline::{Grade, WarningRule};
use qinqing_domain::org::Role;
use std::collections::BTreeMap;

/// The routes of this module's page and form.
pub fn routes() -> Router<AppState> {
    Router::new().route("/admin/warning-rules", get(page).post(save))
}

/// The row of the rule every kind without its own follows.
const DEFAULT: &str = "default";

/// One kind of clock on the form: what the administrator typed (empty: follows the rule in force).
pub struct RuleRow {
    pub kind: String,
    pub label: String,
    pub reminder: String,
    pub demand: String,
    pub escalate: String,
    /// The rule the kind follows now, shown where a box is empty.
    pub in_force: WarningRule,
    /// Per grade, the roles told (none ticked: the platform's default recipients).
    pub to: Vec<(Grade, Vec<(Role, bool)>)>,
    /// This row is what the error is about.
    pub wrong: bool,
}

impl RuleRow {
    fn field(&self, name: &str) -> String {
        format!("{name}.{}", self.kind)
    }

    /// Whether the administrator named recipients for any grade of this kind.
    fn names_recipients(&self) -> bool {
        self.to.iter().any(|(_, roles)| roles.iter().any(|r| r.1))
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_warning_rules.html")]
pub struct WarningRulesPage {
    layout: Layout,
    rows: Vec<RuleRow>,
    error: Option<String>,
    saved: bool,
}

/// The roles a warning may be sent to: government staff.
fn staff_roles() -> impl Iterator<Item = Role> {
    Role::ALL.into_iter().filter(|r| r.is_staff())
}

/// The kinds on the form, default first, with their names.
fn kinds(state: &AppState) -> Vec<(String, String)> {
    let mut kinds = vec![(DEFAULT.to_string(), "默认(未单独设定的种类)".to_string())];
    kinds.extend(
        state
            .app
            .clock_kinds()
            .into_iter()
            .map(|k| (k.kind, k.label)),
    );
    kinds
}

/// The rows as stored: a kind's own rule in its boxes, or empty boxes over the rule in force.
fn stored_rows(state: &AppState, rules: &WarningRules) -> Vec<RuleRow> {
    kinds(state)
        .into_iter()
        .map(|(kind, label)| {
            let own = rules.get(&kind);
            let hours =
                |f: fn(&WarningRule) -> u32| own.map(|r| f(r).to_string()).unwrap_or_default();
            let told = |g: Grade, role: Role| {
                own.is_some_and(|r| r.recipients.get(&g).is_some_and(|rs| rs.contains(&role)))
            };
            RuleRow {
                reminder: hours(|r| r.reminder_hours_before),
                demand: hours(|r| r.demand_hours_after),
                escalate: hours(|r| r.escalate_hours_after_demand),
                to: Grade::ALL
                    .into_iter()
                    .map(|g| (g, staff_roles().map(|role| (role, told(g, role))).collect()))
                    .collect(),
                in_force: in_force(state, rules, &kind),
                wrong: false,
                kind,
                label,
            }
        })
        .collect()
}

fn in_force(state: &AppState, rules: &WarningRules, kind: &str) -> WarningRule {
    if kind == DEFAULT {
        return rules.get(DEFAULT).cloned().unwrap_or_default();
    }
    deadlines::rule_for(rules, &state.app.clock_kinds(), kind)
}

/// Whether the form had the row: a page opened before a scene added a kind has no row for it,
/// and its stored rule must stay.
fn sent(form: &[(String, String)], row: &RuleRow) -> bool {
    let name = row.field("reminder");
    form.iter().any(|(k, _)| *k == name)
}

/// The rows as the administrator typed them, over the rules in force; rows the form did not
/// have stay as stored.
fn typed_rows(state: &AppState, rules: &WarningRules, form: &[(String, String)]) -> Vec<RuleRow> {
    let value = |name: String| {
        form.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default()
    };
    stored_rows(state, rules)
        .into_iter()
        .map(|mut row| {
            if !sent(form, &row) {
                return row;
            }
            row.reminder = value(row.field("reminder"));
            row.demand = value(row.field("demand"));
            row.escalate = value(row.field("escalate"));
            for (grade, roles) in &mut row.to {
                let name = format!("to.{}.{}", grade.as_str(), row.kind);
                for (role, ticked) in roles.iter_mut() {
                    *ticked = form.iter().any(|(k, v)| *k == name && v == role.as_str());
                }
            }
            row
        })
        .collect()
}

/// A row's rule: none when it is left empty; an error naming the kind when it is half filled
/// or a box is not a number of hours.
fn row_rule(row: &RuleRow) -> Result<Option<WarningRule>, String> {
    let boxes = [&row.reminder, &row.demand, &row.escalate];
    let recipients: BTreeMap<Grade, Vec<Role>> = row
        .to
        .iter()
        .map(|(g, roles)| {
            (
                *g,
                roles
                    .iter()
                    .filter(|r| r.1)
                    .map(|r| r.0)
                    .collect::<Vec<_>>(),
            )
        })
        .filter(|(_, roles)| !roles.is_empty())
        .collect();
    if boxes.iter().all(|b| b.is_empty()) && recipients.is_empty() {
        return Ok(None);
    }
    if boxes.iter().any(|b| b.is_empty()) {
        return Err(format!(
            "“{}”的三个时点请都填写(或都不填,沿用现行规则)",
            row.label
        ));
    }
    let hours = |text: &str, what: &str| {
        text.parse::<u32>()
            .map_err(|_| format!("“{}”的{what}应为不小于 0 的整数小时", row.label))
    };
    Ok(Some(WarningRule {
        reminder_hours_before: hours(&row.reminder, "提醒时点")?,
        demand_hours_after: hours(&row.demand, "催告时点")?,
        escalate_hours_after_demand: hours(&row.escalate, "上报纪检时点")?,
        recipients,
    }))
}

fn view(caller: &Caller, state: &AppState, rows: Vec<RuleRow>) -> WarningRulesPage {
    WarningRulesPage {
        layout: Layout::new("预警规则", Some(caller), state, "/admin/warning-rules"),
        rows,
        error: None,
        saved: false,
    }
}

pub async fn page(State(state): State<AppState>, PageUser(caller): PageUser) -> Response {
    match deadlines::rules_in_force(&state.app, &caller.principal).await {
        Ok(rules) => view(&caller, &state, stored_rows(&state, &rules)).into_response(),
        Err(e) => error_page(&e, Some(&caller), &state),
    }
}

/// Saves the rows the form had; other kinds' rules, and rules set through the API for a whole
/// family of kinds (`commitment`), which the table does not show, are kept.
pub async fn save(
    State(state): State<AppState>,
    user: PageUser,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let csrf = form
        .iter()
        .find(|(k, _)| k == "_csrf")
        .map_or("", |(_, v)| v.as_str());
    if let Err(r) = user.check_csrf(csrf) {
        return r;
    }
    let caller = &user.0;
    let stored = match deadlines::rules_in_force(&state.app, &caller.principal).await {
        Ok(rules) => rules,
        Err(e) => return error_page(&e, Some(caller), &state),
    };
    let mut rows = typed_rows(&state, &stored, &form);
    let (mut set, mut remove) = (WarningRules::new(), Vec::new());
    let mut wrong = None;
    for row in rows.iter_mut().filter(|row| sent(&form, row)) {
        match row_rule(row) {
            Ok(Some(rule)) => {
                set.insert(row.kind.clone(), rule);
            }
            Ok(None) => remove.push(row.kind.clone()),
            Err(message) => {
                row.wrong = true;
                wrong.get_or_insert(AppError::invalid(&row.kind, message));
            }
        }
    }
    let result = match wrong {
        Some(e) => Err(e),
        None => {
            let (who, meta) = (&caller.principal, &caller.meta);
            deadlines::change_warning_rules(&state.app, who, set, &remove, meta).await
        }
    };
    match result {
        Ok(rules) => {
            let mut page = view(caller, &state, stored_rows(&state, &rules));
            page.saved = true;
            page.into_response()
        }
        Err(e @ AppError::Forbidden(_)) => error_page(&e, Some(caller), &state),
        Err(e) => {
            if let AppError::Invalid { field, .. } = &e {
                for row in &mut rows {
                    row.wrong |= row.kind == *field;
                }
            }
            let mut page = view(caller, &state, rows);
            page.error = Some(e.to_string());
            (crate::web::error::status_of(&e), page).into_response()
        }
    }
}
