//! Time limits on any object and their graded warnings (时限与分级预警).
//!
//! Durability: a deadline and its four warnings (提醒, 警示, 催告, 上报纪检) are rows written in
//! the transaction that starts the clock. The scheduler fires a warning by a conditional UPDATE of
//! its `fired_at` in the same transaction as the notifications and the audit entry it produces.
//! A crash before commit leaves the warning unfired for the next run; two schedulers (two server
//! processes on PostgreSQL) cannot both fire it, because only one UPDATE finds `fired_at` empty.
//! We chose this small scheduler over a job crate: apalis and graphile_worker would each bring a
//! second storage model (graphile_worker is PostgreSQL-only) for what is, here, one indexed query
//! and one conditional update that behave the same on both databases.

use crate::audit::{self, Change};
use crate::listing::{Paged, Queue, Tab};
use crate::notifications::{self, NewMessage, Template};
use crate::scene::ClockKind;
use crate::store::deadlines::{self as store, Climb, Deadline, NewDeadline, State, Warning};
use crate::store::{Conn, StoreError, orgs, settings, users};
use crate::{App, AppError, AppResult, Principal, RequestMeta};
use chrono::{DateTime, Utc};
use qinqing_domain::DivisionCode;
use qinqing_domain::deadline::{Grade, Limit, WarningRule};
use qinqing_domain::org::{Role, Scope};
use serde::Serialize;
use std::collections::BTreeMap;

/// Who answers for a limit, and so which office supervises it: 效能办 watches the government
/// side, 招商办 the enterprise side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Government,
    Enterprise,
}

impl Side {
    fn as_str(self) -> &'static str {
        match self {
            Side::Government => "government",
            Side::Enterprise => "enterprise",
        }
    }

    fn supervisor(side: &str) -> Role {
        if side == "enterprise" {
            Role::SupervisorInvestment
        } else {
            Role::SupervisorEfficiency
        }
    }
}

/// A clock to start on an object.
pub struct Start<'a> {
    pub object_type: &'a str,
    pub object_id: &'a str,
    pub kind: &'a str,
    pub label: &'a str,
    pub region: &'a DivisionCode,
    pub side: Side,
    pub limit: Limit,
    /// The department answering for the clock, if one does: then only its handlers and lead
    /// are reminded and warned (the supervising offices still by region).
    pub org_id: Option<i64>,
}

/// Starts a clock and schedules its warnings; call inside the transaction of the change that
/// starts it.
pub async fn start(conn: &mut Conn, app: &App, s: Start<'_>, now: DateTime<Utc>) -> AppResult<i64> {
    let due = s.limit.due_at(now, &app.calendar());
    start_until(conn, app, s, due, now).await
}

/// Starts a clock that runs to a time fixed elsewhere (a contract's date), not to a limit
/// counted from now; `s.limit` is kept as the clock's nominal length.
pub async fn start_until(
    conn: &mut Conn,
    app: &App,
    s: Start<'_>,
    due: DateTime<Utc>,
    now: DateTime<Utc>,
) -> AppResult<i64> {
    let new = NewDeadline {
        object_type: s.object_type,
        object_id: s.object_id,
        kind: s.kind,
        label: s.label,
        region_code: s.region.as_str(),
        side: s.side.as_str(),
        unit: s.limit.unit,
        amount: i64::from(s.limit.amount),
        started_at: now,
        due_at: due,
        org_id: s.org_id,
    };
    let id = store::insert(conn, &new).await?;
    schedule(conn, app, id, s.kind, due).await?;
    Ok(id)
}

/// The warning rules an administrator configured, by kind of deadline; "default" applies to
/// kinds without their own.
pub type WarningRules = BTreeMap<String, WarningRule>;

/// Hours beyond which a rule is surely a typing mistake (90 days).
const MAX_RULE_HOURS: u32 = 90 * 24;

/// The warning rules in force, as administrators set them.
/// The warning rules as the administrator set them; only the administrator, who sets them,
/// reads them.
pub async fn rules_in_force(app: &App, who: &Principal) -> AppResult<WarningRules> {
    if who.role != Role::Admin {
        return Err(AppError::forbidden("只有平台管理员可以查看预警规则"));
    }
    let mut conn = app.db.conn().await?;
    warning_rules(&mut conn).await
}

pub async fn warning_rules(conn: &mut Conn) -> AppResult<WarningRules> {
    let Some(text) = settings::get(conn, settings::WARNING_RULES).await? else {
        return Ok(WarningRules::new());
    };
    serde_json::from_str(&text)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("stored warning rules: {e}")))
}

/// The rule of a kind: the administrator's for the kind, else for its family (the part before
/// the last `.`: `commitment` for `commitment.land_delivery`, and so on up), else the platform's
/// own for it, else the administrator's default, else the platform default.
pub(crate) fn rule_for(rules: &WarningRules, builtin: &[ClockKind], kind: &str) -> WarningRule {
    let mut family = Some(kind);
    while let Some(k) = family {
        if let Some(rule) = rules.get(k) {
            return rule.clone();
        }
        family = k.rsplit_once('.').map(|(parent, _)| parent);
    }
    builtin
        .iter()
        .find(|c| c.kind == kind)
        .and_then(|c| c.builtin_rule.clone())
        .or_else(|| rules.get("default").cloned())
        .unwrap_or_default()
}

/// Replaces the warning rules (administrator). Applies to clocks scheduled from now on.
pub async fn replace_warning_rules(
    app: &App,
    who: &Principal,
    rules: &WarningRules,
    meta: &RequestMeta,
) -> AppResult<()> {
    edit_warning_rules(app, who, meta, |_| rules.clone())
        .await
        .map(drop)
}

/// Sets the rules of the kinds in `set` and removes those of the kinds in `remove` (which then
/// follow their family or the default again), keeping every other kind's rule (administrator).
/// Returns the rules now in force.
pub async fn change_warning_rules(
    app: &App,
    who: &Principal,
    set: WarningRules,
    remove: &[String],
    meta: &RequestMeta,
) -> AppResult<WarningRules> {
    edit_warning_rules(app, who, meta, |mut rules| {
        rules.retain(|kind, _| !remove.contains(kind));
        rules.extend(set);
        rules
    })
    .await
}

/// Reads, edits and writes the rules in one transaction with their row taken, so an edit made
/// meanwhile (through the API, or on another page) is not lost.
async fn edit_warning_rules(
    app: &App,
    who: &Principal,
    meta: &RequestMeta,
    edit: impl FnOnce(WarningRules) -> WarningRules,
) -> AppResult<WarningRules> {
    if who.role != Role::Admin {
        return Err(AppError::forbidden("只有平台管理员可以修改预警规则"));
    }
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let stored = settings::get_for_update(&mut tx, settings::WARNING_RULES, "{}", now).await?;
    let stored: WarningRules = serde_json::from_str(&stored)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("stored warning rules: {e}")))?;
    let rules = edit(stored);
    check_warning_rules(app, &rules)?;
    let text = serde_json::to_string(&rules).map_err(|e| AppError::Internal(e.into()))?;
    settings::put(&mut tx, settings::WARNING_RULES, &text, now).await?;
    let change = Change {
        action: "deadline.rules_replaced",
        object_type: "setting",
        object_id: settings::WARNING_RULES.to_string(),
        on_behalf_of: None,
        detail: serde_json::json!({ "rules": rules }),
    };
    audit::record(&mut tx, who, meta, change, now).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(rules)
}

/// Every rule tells only staff, with hours in range and 上报纪检 after 催告; an error names the
/// kind by its label.
fn check_warning_rules(app: &App, rules: &WarningRules) -> AppResult<()> {
    let kinds = app.clock_kinds();
    let name = |kind: &str| match kinds.iter().find(|k| k.kind == kind) {
        Some(k) => k.label.clone(),
        None if kind == "default" => "默认".to_string(),
        None => kind.to_string(),
    };
    for (kind, rule) in rules {
        let hours = [
            rule.reminder_hours_before,
            rule.demand_hours_after,
            rule.escalate_hours_after_demand,
        ];
        let outsiders = rule.recipients.values().flatten().any(|r| !r.is_staff());
        if outsiders {
            let message = format!("“{}”的预警只能发给政府工作人员的角色", name(kind));
            return Err(AppError::invalid(kind, message));
        }
        if hours.iter().any(|h| *h > MAX_RULE_HOURS) || rule.escalate_hours_after_demand == 0 {
            let message = format!(
                "“{}”的预警时点应在 0 至 {MAX_RULE_HOURS} 小时之间,上报纪检须晚于催告",
                name(kind)
            );
            return Err(AppError::invalid(kind, message));
        }
    }
    Ok(())
}

async fn schedule(
    conn: &mut Conn,
    app: &App,
    id: i64,
    kind: &str,
    due: DateTime<Utc>,
) -> AppResult<()> {
    let rule = rule_for(&warning_rules(conn).await?, &app.clock_kinds(), kind);
    for grade in Grade::ALL {
        store::schedule_warning(conn, id, grade, rule.fire_at(grade, due)).await?;
    }
    Ok(())
}

/// The roles told at a grade: the kind's configured ones, or the default ladder.
fn recipients(rule: &WarningRule, grade: Grade, side: &str) -> Vec<Role> {
    match rule.recipients.get(&grade) {
        Some(roles) => roles.clone(),
        None => default_recipients(grade, side),
    }
}

/// By default the supervising office joins at the demand, 纪检 at the top.
fn default_recipients(grade: Grade, side: &str) -> Vec<Role> {
    match grade {
        Grade::Reminder => vec![Role::Handler],
        Grade::Warning => vec![Role::Handler, Role::DepartmentLead],
        Grade::Demand => vec![Role::Handler, Role::DepartmentLead, Side::supervisor(side)],
        Grade::Escalated => vec![Side::supervisor(side), Role::SupervisorDiscipline],
    }
}

/// Roles that answer for a clock within a department, as opposed to the offices supervising it.
fn is_department_role(role: Role) -> bool {
    matches!(role, Role::Handler | Role::DepartmentLead)
}

/// Whether a user of `role` in `org_id` is one a warning on `d` is meant for: a department's
/// people only for their own department's clocks, when the clock has one.
fn of_answering_org(role: Role, org_id: i64, d: &Deadline) -> bool {
    !is_department_role(role) || d.org_id.is_none_or(|answering| answering == org_id)
}

/// Whether `who` is a recipient of a warning of `grade` on `d`.
fn addressed_to(
    who: &Principal,
    rules: &WarningRules,
    builtin: &[ClockKind],
    grade: Grade,
    d: &Deadline,
) -> bool {
    recipients(&rule_for(rules, builtin, &d.kind), grade, &d.side).contains(&who.role)
        && covers(who, &d.region_code)
        && of_answering_org(who.role, who.org_id, d)
}

/// Users of `roles` whose scope covers the deadline's region (and, for department roles, of
/// the department answering for it).
pub(crate) async fn users_told(
    conn: &mut Conn,
    roles: &[Role],
    d: &Deadline,
) -> AppResult<Vec<i64>> {
    let region = DivisionCode::parse(&d.region_code)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("deadline region: {e}")))?;
    let mut ids = Vec::new();
    for user in users::enabled_with_roles(conn, roles).await? {
        if !of_answering_org(user.role, user.org_id, d) {
            continue;
        }
        let division = orgs::get(conn, user.org_id)
            .await?
            .and_then(|o| o.division_code);
        if Scope::of(user.role, division.as_ref(), Vec::new()).covers_region(&region) {
            ids.push(user.id);
        }
    }
    Ok(ids)
}

/// The users a warning reaches: its own grade's recipients or, when those are nobody (a
/// department without a handler or lead account), at once the recipients of the nearest grade up
/// the ladder that has anyone — a warning must never fall silent.
async fn reach(
    conn: &mut Conn,
    rule: &WarningRule,
    grade: Grade,
    d: &Deadline,
) -> AppResult<(Vec<i64>, Option<Climb>)> {
    for up in Grade::ALL.into_iter().filter(|g| *g >= grade) {
        let told = users_told(conn, &recipients(rule, up, &d.side), d).await?;
        if !told.is_empty() {
            return Ok((told, (up != grade).then_some(Climb::To(up))));
        }
    }
    Ok((Vec::new(), Some(Climb::Nobody)))
}

fn role_labels(roles: &[Role]) -> String {
    let labels: Vec<&str> = roles.iter().map(|r| r.label_zh()).collect();
    labels.join("、")
}

fn template(grade: Grade) -> Template {
    match grade {
        Grade::Reminder => Template::DEADLINE_REMINDER,
        Grade::Warning => Template::DEADLINE_WARNING,
        Grade::Demand => Template::DEADLINE_DEMAND,
        Grade::Escalated => Template::DEADLINE_ESCALATED,
    }
}

/// Fires every warning whose time has come; returns how many this call fired.
pub async fn run_due(app: &App) -> AppResult<usize> {
    let now = app.now();
    let due = {
        let mut conn = app.db.conn().await?;
        store::due_warnings(&mut conn, now, 500).await?
    };
    let mut fired = 0;
    for warning in due {
        if fire(app, &warning, now).await? {
            fired += 1;
        }
    }
    Ok(fired)
}

/// The warning scheduler's writes, for the write gate and its metrics.
const WARNING_WORK: &str = "warnings";

/// Fires one warning: claim, notify, record — all or nothing.
/// Each in its own short transaction, after the counter's writes: a scheduler catching up on
/// hundreds of warnings never holds people back.
async fn fire(app: &App, warning: &Warning, now: DateTime<Utc>) -> AppResult<bool> {
    let (mut tx, turn) = app.db.begin_background(WARNING_WORK).await?;
    if !store::claim(&mut tx, warning.id, now).await? {
        turn.done();
        return Ok(false);
    }
    let deadline = store::get(&mut tx, warning.deadline_id)
        .await?
        .ok_or_else(|| {
            AppError::Internal(anyhow::anyhow!("warning {} has no deadline", warning.id))
        })?;
    let rule = rule_for(
        &warning_rules(&mut tx).await?,
        &app.clock_kinds(),
        &deadline.kind,
    );
    let (told, climbed) = reach(&mut tx, &rule, warning.grade, &deadline).await?;
    let mut params = serde_json::json!({
        "object": deadline.label,
        "grade": warning.grade.label_zh(),
        "due": deadline.due_at.with_timezone(&qinqing_domain::deadline::beijing()).format("%Y-%m-%d %H:%M").to_string(),
    });
    let template = match climbed {
        Some(climb) => {
            params["missing"] =
                role_labels(&recipients(&rule, warning.grade, &deadline.side)).into();
            store::record_climb(&mut tx, warning.id, climb).await?;
            Template::DEADLINE_UNREACHED
        }
        None => template(warning.grade),
    };
    let link = app
        .object_page(&mut tx, &deadline.object_type, &deadline.object_id)
        .await?;
    for user in &told {
        let message = NewMessage {
            recipient_user_id: *user,
            template,
            params: params.clone(),
            idempotency_key: format!("warning-{}-user-{user}", warning.id),
            link: link.clone(),
        };
        notifications::enqueue(&mut tx, message, now).await?;
    }
    let change = Change {
        action: "deadline.warning_fired",
        object_type: &deadline.object_type,
        object_id: deadline.object_id.clone(),
        on_behalf_of: None,
        detail: serde_json::json!({ "deadline": deadline.id, "grade": warning.grade.as_str(), "label": deadline.label, "due_at": deadline.due_at, "told": told, "climbed_to": climbed }),
    };
    audit::record(
        &mut tx,
        &Principal::system(),
        &RequestMeta::default(),
        change,
        now,
    )
    .await?;
    tx.commit().await.map_err(StoreError::from)?;
    turn.done();
    Ok(true)
}

/// A deadline with its warnings, as workbenches and traces show it.
#[derive(Debug, Clone, Serialize)]
pub struct DeadlineView {
    pub id: i64,
    pub object_type: String,
    pub object_id: String,
    pub label: String,
    pub limit: String,
    pub started_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    pub state: String,
    pub warnings: Vec<WarningView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct WarningView {
    pub id: i64,
    /// The clock warned of, which a 督办 order names.
    pub deadline_id: i64,
    pub grade: Grade,
    pub grade_label: &'static str,
    pub fire_at: DateTime<Utc>,
    pub fired_at: Option<DateTime<Utc>>,
    pub acted_at: Option<DateTime<Utc>>,
    pub act_note: Option<String>,
    /// What the warning is about, for lists that mix objects.
    pub label: String,
    pub object_type: String,
    pub object_id: String,
    /// The clock it warns of still runs past its due time.
    pub overdue: bool,
    /// Where the item and its trail are read.
    pub trail: String,
    /// The department whose clock it is, when it has one.
    pub department: Option<String>,
    /// The lower grades fired before this one for the same item, oldest first: who was told
    /// what, and since when.
    pub earlier: Vec<EarlierWarning>,
}

/// A lower grade fired earlier for the same item.
#[derive(Debug, Clone, Serialize)]
pub struct EarlierWarning {
    pub grade: Grade,
    pub grade_label: &'static str,
    pub fired_at: Option<DateTime<Utc>>,
}

fn warning_view(w: &Warning, d: &Deadline, now: DateTime<Utc>) -> WarningView {
    WarningView {
        overdue: d.state == State::Running && d.due_at < now,
        id: w.id,
        deadline_id: d.id,
        grade: w.grade,
        grade_label: w.grade.label_zh(),
        fire_at: w.fire_at,
        fired_at: w.fired_at,
        acted_at: w.acted_at,
        act_note: w.act_note.clone(),
        label: d.label.clone(),
        object_type: d.object_type.clone(),
        object_id: d.object_id.clone(),
        trail: format!("/trace/{}/{}", d.object_type, d.object_id),
        department: None,
        earlier: Vec::new(),
    }
}

fn state_label(state: &State) -> &'static str {
    match state {
        State::Running => "计时中",
        State::Paused => "已暂停",
        State::Stopped => "已办结",
    }
}

async fn view(conn: &mut Conn, d: Deadline, now: DateTime<Utc>) -> AppResult<DeadlineView> {
    let warnings = store::warnings(conn, d.id).await?;
    Ok(DeadlineView {
        warnings: warnings.iter().map(|w| warning_view(w, &d, now)).collect(),
        id: d.id,
        limit: format!("{}{}", d.amount, d.unit.label_zh()),
        state: state_label(&d.state).to_string(),
        object_type: d.object_type,
        object_id: d.object_id,
        label: d.label,
        started_at: d.started_at,
        due_at: d.due_at,
    })
}

pub(crate) fn covers(who: &Principal, region: &str) -> bool {
    match DivisionCode::parse(region) {
        Ok(code) => who.scope == Scope::All || who.scope.covers_region(&code),
        Err(_) => false,
    }
}

/// The deadlines of an object, for staff whose scope covers it.
pub async fn for_object(
    app: &App,
    who: &Principal,
    object_type: &str,
    object_id: &str,
) -> AppResult<Vec<DeadlineView>> {
    let found = {
        let mut conn = app.db.conn().await?;
        store::for_object(&mut conn, object_type, object_id).await?
    };
    // Whoever may read the object's trail sees its time limits beside it (the enterprise its
    // application's review limit), besides staff whose scope covers the clock's region.
    let reads_trail = !found.iter().all(|d| covers(who, &d.region_code))
        && crate::audit_log::may_read_history(app, who, object_type, object_id).await?;
    let mut conn = app.db.conn().await?;
    let mut out = Vec::new();
    for d in found {
        if reads_trail || covers(who, &d.region_code) {
            out.push(view(&mut conn, d, app.now()).await?);
        }
    }
    Ok(out)
}

/// How far back a workbench looks for warnings; older unanswered ones stay in the
/// re-supervision view (监督的再监督).
const WORKBENCH_DAYS: i64 = 90;
/// How many of the caller's warnings a workbench lists.
const WORKBENCH_WARNINGS: usize = 200;

/// Warnings fired in the last 90 days that the caller is a recipient of (by role, scope and
/// department), newest first.
pub async fn my_warnings(app: &App, who: &Principal) -> AppResult<Vec<WarningView>> {
    let now = app.now();
    Ok(addressed_warnings(app, who)
        .await?
        .into_iter()
        .take(WORKBENCH_WARNINGS)
        .map(|(w, d)| warning_view(&w, &d, now))
        .collect())
}

/// One page of the caller's warnings of the last 90 days, newest first: 待我处理 (not yet acted
/// on), 已超期 (the clock still runs past its due time) or all, searched in what they are about.
pub async fn warning_queue(
    app: &App,
    who: &Principal,
    page: &Queue,
) -> AppResult<Paged<WarningView>> {
    let now = app.now();
    let departments = department_names(app).await?;
    let shown = highest_per_item(addressed_warnings(app, who).await?)
        .into_iter()
        .map(|(w, d, earlier)| WarningView {
            department: d.org_id.and_then(|id| departments.get(&id).cloned()),
            earlier,
            ..warning_view(&w, &d, now)
        })
        .filter(|w| match page.tab {
            Tab::Mine => w.acted_at.is_none(),
            Tab::Overdue => w.overdue,
            Tab::All => true,
        })
        .filter(|w| page.finds(&[&w.label, &w.object_id]));
    Ok(page.page_of(shown.collect()))
}

/// Each item's warning of the highest grade (newest item first), with the lower grades fired
/// before it: an item overdue for days is one row at 催告, not three.
pub(crate) fn highest_per_item(
    found: Vec<(Warning, Deadline)>,
) -> Vec<(Warning, Deadline, Vec<EarlierWarning>)> {
    let mut items: Vec<(Warning, Deadline, Vec<EarlierWarning>)> = Vec::new();
    for (warning, deadline) in found {
        let Some(kept) = items.iter_mut().find(|(_, d, _)| d.id == deadline.id) else {
            items.push((warning, deadline, Vec::new()));
            continue;
        };
        let lower = if kept.0.grade < warning.grade {
            std::mem::replace(&mut kept.0, warning)
        } else {
            warning
        };
        kept.2.push(EarlierWarning {
            grade: lower.grade,
            grade_label: lower.grade.label_zh(),
            fired_at: lower.fired_at,
        });
        kept.2.sort_by_key(|e| e.grade);
    }
    items
}

/// The names of the departments, by organisation id.
pub(crate) async fn department_names(
    app: &App,
) -> AppResult<std::collections::HashMap<i64, String>> {
    let mut conn = app.db.conn().await?;
    let orgs = crate::store::orgs::list_non_enterprise(&mut conn).await?;
    Ok(orgs.into_iter().map(|o| (o.id, o.name)).collect())
}

/// The warnings fired in the last 90 days addressed to the caller, with their clocks.
async fn addressed_warnings(app: &App, who: &Principal) -> AppResult<Vec<(Warning, Deadline)>> {
    if !who.role.is_staff() {
        return Ok(Vec::new());
    }
    let mut conn = app.db.conn().await?;
    let rules = warning_rules(&mut conn).await?;
    let builtin = app.clock_kinds();
    let since = app.now() - chrono::Duration::days(WORKBENCH_DAYS);
    Ok(store::fired_since(&mut conn, &Grade::ALL, since)
        .await?
        .into_iter()
        .filter(|(w, d)| addressed_to(who, &rules, &builtin, w.grade, d))
        .collect())
}

/// A recipient acts on a fired warning (督办 / 已处理, with a note). Acting on the demand stops
/// its escalation to 纪检.
pub async fn act(
    app: &App,
    who: &Principal,
    warning_id: i64,
    note: &str,
    meta: &RequestMeta,
) -> AppResult<()> {
    let note = note.trim();
    if note.is_empty() || note.chars().count() > 500 {
        return Err(AppError::invalid("note", "请填写处理情况(500 字以内)"));
    }
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let warning = store::warning(&mut tx, warning_id)
        .await?
        .ok_or_else(|| AppError::NotFound("没有这条预警".into()))?;
    let deadline = store::get(&mut tx, warning.deadline_id)
        .await?
        .ok_or_else(|| AppError::NotFound("没有这条预警".into()))?;
    if !addressed_to(
        who,
        &warning_rules(&mut tx).await?,
        &app.clock_kinds(),
        warning.grade,
        &deadline,
    ) {
        return Err(AppError::forbidden("这条预警不是发给您的"));
    }
    if !store::act(&mut tx, warning_id, who.user_id, note, now).await? {
        return Err(AppError::Conflict {
            field: None,
            message: "这条预警尚未发出或已有人处理".into(),
        });
    }
    if warning.grade == Grade::Demand {
        store::cancel_pending(&mut tx, deadline.id, &[Grade::Escalated]).await?;
    }
    let change = Change {
        action: "deadline.warning_acted",
        object_type: &deadline.object_type,
        object_id: deadline.object_id.clone(),
        on_behalf_of: None,
        detail: serde_json::json!({ "deadline": deadline.id, "grade": warning.grade.as_str(), "note": note }),
    };
    audit::record(&mut tx, who, meta, change, now).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(())
}

/// What a staff member may do to a clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClockAction {
    Pause,
    Resume,
    Stop,
}

/// Whether a role handles cases and so may pause, resume and stop their clocks.
pub fn may_control(role: Role) -> bool {
    matches!(
        role,
        Role::Handler
            | Role::DepartmentLead
            | Role::Reviewer1
            | Role::Reviewer2
            | Role::Reviewer3
            | Role::Admin
    )
}

/// Pauses (补正), resumes or stops (办结) a clock; staff who handle cases, in scope.
pub async fn control(
    app: &App,
    who: &Principal,
    id: i64,
    action: ClockAction,
    meta: &RequestMeta,
) -> AppResult<DeadlineView> {
    if !may_control(who.role) {
        return Err(AppError::forbidden("当前角色不能暂停、恢复或办结时限"));
    }
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let d = store::get(&mut tx, id)
        .await?
        .ok_or_else(|| AppError::NotFound("没有这个时限".into()))?;
    if !covers(who, &d.region_code) {
        return Err(AppError::forbidden("该时限不在您的管辖范围内"));
    }
    let due = transition(&mut tx, app, &d, action, now).await?;
    let name = match action {
        ClockAction::Pause => "deadline.paused",
        ClockAction::Resume => "deadline.resumed",
        ClockAction::Stop => "deadline.stopped",
    };
    let change = Change {
        action: name,
        object_type: &d.object_type,
        object_id: d.object_id.clone(),
        on_behalf_of: None,
        detail: serde_json::json!({ "deadline": id, "due_before": d.due_at, "due_after": due }),
    };
    audit::record(&mut tx, who, meta, change, now).await?;
    let updated = store::get(&mut tx, id)
        .await?
        .ok_or_else(|| AppError::NotFound("没有这个时限".into()))?;
    let shown = view(&mut tx, updated, now).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(shown)
}

/// Pauses, resumes or stops clock `d`, rescheduling or cancelling its warnings; returns the due
/// time after the change. Refuses an action that does not fit the clock's state.
async fn transition(
    conn: &mut Conn,
    app: &App,
    d: &Deadline,
    action: ClockAction,
    now: DateTime<Utc>,
) -> AppResult<DateTime<Utc>> {
    let limit = Limit {
        unit: d.unit,
        amount: u32::try_from(d.amount).unwrap_or(u32::MAX),
    };
    let (state, due) = match (action, &d.state, d.paused_at) {
        (ClockAction::Pause, State::Running, _) => (State::Paused, d.due_at),
        (ClockAction::Resume, State::Paused, Some(paused)) => (
            State::Running,
            limit.resume(d.due_at, paused, now, &app.calendar()),
        ),
        (ClockAction::Stop, State::Running | State::Paused, _) => (State::Stopped, d.due_at),
        _ => {
            let message = format!("时限当前{},不能这样操作", state_label(&d.state));
            return Err(AppError::Conflict {
                field: None,
                message,
            });
        }
    };
    store::set_state(conn, d.id, state.clone(), due, now).await?;
    match state {
        State::Running => schedule(conn, app, d.id, &d.kind, due).await?,
        State::Stopped => store::cancel_pending(conn, d.id, &Grade::ALL).await?,
        State::Paused => {}
    }
    Ok(due)
}

/// Applies `action` to the open clock of `kind` on an object, inside the caller's transaction
/// (a case's own workflow pauses its clock for 补正 and stops it on decision). No open clock:
/// nothing to do.
pub async fn control_open(
    conn: &mut Conn,
    app: &App,
    object: (&str, &str),
    kind: &str,
    action: ClockAction,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let open = store::for_object(conn, object.0, object.1).await?;
    for d in open.iter().filter(|d| d.kind == kind) {
        let fits = matches!(
            (action, &d.state),
            (ClockAction::Pause, State::Running)
                | (ClockAction::Resume, State::Paused)
                | (ClockAction::Stop, State::Running | State::Paused)
        );
        if fits {
            transition(conn, app, d, action, now).await?;
        }
    }
    Ok(())
}

/// Grants `extra` time to the running clock of `kind` on an object (an approved extension),
/// inside the caller's transaction: its due time moves and its unfired warnings move with it.
/// Returns the new due time, or None when the object has no running clock of that kind.
pub async fn extend_running(
    conn: &mut Conn,
    app: &App,
    object: (&str, &str),
    kind: &str,
    extra: Limit,
    now: DateTime<Utc>,
) -> AppResult<Option<DateTime<Utc>>> {
    let open = store::for_object(conn, object.0, object.1).await?;
    let Some(d) = open
        .iter()
        .find(|d| d.kind == kind && d.state == State::Running)
    else {
        return Ok(None);
    };
    let due = extra.extend(d.due_at, &app.calendar());
    store::set_state(conn, d.id, State::Running, due, now).await?;
    schedule(conn, app, d.id, &d.kind, due).await?;
    Ok(Some(due))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(hours: u32) -> WarningRule {
        WarningRule {
            reminder_hours_before: hours,
            ..WarningRule::default()
        }
    }

    #[test]
    fn a_kind_without_its_own_rule_falls_back_to_its_family_then_the_default() {
        let mut rules = WarningRules::new();
        rules.insert("default".into(), rule(1));
        assert_eq!(rule_for(&rules, &[], "commitment.design"), rule(1));
        rules.insert("commitment".into(), rule(2));
        assert_eq!(rule_for(&rules, &[], "commitment.design"), rule(2));
        rules.insert("commitment.land_delivery".into(), rule(3));
        assert_eq!(rule_for(&rules, &[], "commitment.land_delivery"), rule(3));
        assert_eq!(rule_for(&rules, &[], "commitment.design"), rule(2));
        assert_eq!(
            rule_for(&WarningRules::new(), &[], "commitment.design"),
            rule(24)
        );
    }
}
