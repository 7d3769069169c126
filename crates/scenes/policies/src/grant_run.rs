//! A 免申即享 run over every enterprise, as long work in short chunks. Starting it records the
//! run (state, cursor) and answers at once; a worker then reads a chunk of enterprises, works
//! out each one's outcome outside any transaction, and writes the chunk's offers, its notes and
//! the moved cursor in one short transaction. A crash between chunks loses nothing and repeats
//! nothing: the offers and the cursor commit together, and a restarted server takes the run up
//! where its cursor stands. Each offer holds its amount back from the policy's budget, so
//! nobody is offered money that is not there, however many runs are made.

use crate::funding::{self, LevelPurse};
use crate::status::{ApplicationStatus, PolicyStatus, RunStatus};
use crate::store::applications::{self as store, NewApplication, NewStep};
use crate::store::auto_grant::{self as run_store, NewNote, NewRun, NoteKind, RunRow, Tally};
use crate::store::policies::PolicyRow;
use chrono::{DateTime, Utc};
use qinqing_domain::Money;
use qinqing_domain::enterprise::CreditStatus;
use qinqing_domain::org::Role;
use qinqing_kernel::store::enterprises::{self as enterprise_store, Enterprise};
use qinqing_kernel::store::long_work::{self, NewWork, WorkState};
use qinqing_kernel::store::writes::{ChunkSize, FreshStatistics};
use qinqing_kernel::store::{Conn, StoreError};
use qinqing_kernel::{App, AppError, AppResult, Principal, RequestMeta};
use qinqing_rules::batch::{Columns, sweep_before_budgets};
use qinqing_rules::model::CostSharing;
use qinqing_rules::{Entity, Facts, Outcome};
use serde::Serialize;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use utoipa::ToSchema;

/// The kind of long work a run is.
const WORK: &str = "auto_grant";
/// Enterprises per chunk: where a run starts (small, since the first chunk's time is not yet
/// known and its pages are not yet cached: 200 took 261 ms on PostgreSQL in a debug build),
/// the bounds it adapts within, and what a chunk's write transaction should take, well below
/// the 100 ms no write may hold the database for, since a commit now and then takes a few
/// times longer than the ones before it (measured at 50 first and 25 ms: 94 ms on SQLite,
/// 108 ms on PostgreSQL). Up to 2,000: a policy usually finds a few in a hundred eligible, so
/// most chunks write little, and each chunk costs its reads and bookkeeping whatever its size.
const CHUNK: ChunkSize = ChunkSize::new(20, (10, 2000), Duration::from_millis(20));
/// A run whose progress has not moved for this long lost its worker (its server stopped).
const STALLED_AFTER: chrono::TimeDelta = chrono::TimeDelta::minutes(2);
/// How long a worker waits before trying a chunk again after a failure (the database busy).
const RETRY_AFTER: Duration = Duration::from_secs(1);
const MAX_ATTEMPTS: u32 = 5;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Offered {
    pub credit_code: String,
    pub name: String,
    pub amount: String,
    pub receipt_no: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Undetermined {
    pub credit_code: String,
    pub name: String,
    /// What is missing, in words.
    pub missing: Vec<String>,
}

/// A run as its starter follows it: how far it has got and, once it has finished, what it found.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct RunReport {
    pub id: i64,
    pub policy_id: String,
    pub year: i32,
    pub status: Option<RunStatus>,
    pub status_label: &'static str,
    /// Enterprises whose outcome is written, of `total`.
    pub done: i64,
    pub total: i64,
    /// The run its offers belong to, to be checked and released; absent when it offered nothing.
    pub run_id: Option<i64>,
    pub evaluated: i64,
    /// Offers made so far.
    pub offered_count: i64,
    /// The offers, once the run has finished.
    pub offered: Vec<Offered>,
    /// Eligible enterprises that already have an offer or application for this year.
    pub already_offered: i64,
    /// Enterprises whose data is incomplete, once the run has finished.
    pub undetermined: Vec<Undetermined>,
    /// Eligible, but the budget left could not cover them (in order of evaluation), once the
    /// run has finished.
    pub over_budget: Vec<Undetermined>,
    /// Blocked by a bad credit record.
    pub credit_blocked: i64,
    pub total_offered: String,
}

impl RunReport {
    pub fn is_running(&self) -> bool {
        self.status == Some(RunStatus::Running)
    }

    /// How far it has got, in whole percent.
    pub fn percent(&self) -> i64 {
        if self.total <= 0 {
            100
        } else {
            (self.done * 100 / self.total).clamp(0, 100)
        }
    }
}

pub(crate) fn may_run(who: &Principal, department_org_id: i64) -> bool {
    who.role == Role::Admin
        || (matches!(who.role, Role::Handler | Role::DepartmentLead)
            && who.org_id == department_org_id)
}

/// Starts a run of a published 免申即享 policy over every enterprise and answers at once; the
/// run works in the background. While one run of the policy works, starting it again for the
/// same year gives that run.
pub async fn start(
    app: &App,
    who: &Principal,
    slug: &str,
    year: i32,
    meta: &RequestMeta,
) -> AppResult<RunReport> {
    let run_id = record(app, who, slug, year, meta).await?;
    spawn_worker(app, run_id);
    report(app, who, run_id).await
}

/// Runs a policy over every enterprise to the end before answering (the demo's history, the
/// command line): the same chunks as a started run, worked by the caller.
pub async fn run_to_end(
    app: &App,
    who: &Principal,
    slug: &str,
    year: i32,
    meta: &RequestMeta,
) -> AppResult<RunReport> {
    let run_id = record(app, who, slug, year, meta).await?;
    if let Some(_place) = WorkingOn::claim(app, run_id) {
        work(app, run_id).await?;
    }
    report(app, who, run_id).await
}

/// The run of the policy for the year: a new one, or the one already working.
async fn record(
    app: &App,
    who: &Principal,
    slug: &str,
    year: i32,
    meta: &RequestMeta,
) -> AppResult<i64> {
    let policy = runnable_policy(app, who, slug).await?;
    let run_id = loop {
        if let Some(id) = record_start(app, who, &policy, year, meta).await? {
            break id;
        }
        // Another run of the policy works; when it finished in between, start again.
        if let Some(id) = already_running(app, &policy, year).await? {
            break id;
        }
    };
    Ok(run_id)
}

async fn runnable_policy(app: &App, who: &Principal, slug: &str) -> AppResult<PolicyRow> {
    let mut conn = app.db.conn().await?;
    let row = crate::row_by_slug(&mut conn, slug).await?;
    if !may_run(who, row.department_org_id) {
        return Err(AppError::forbidden(
            "只有政策所属部门的工作人员可以运行免申即享",
        ));
    }
    if row.status != PolicyStatus::Published || row.mode != "auto_grant" {
        return Err(AppError::Conflict {
            field: Some("policy".into()),
            message: "只有已上架的免申即享政策可以运行".into(),
        });
    }
    Ok(row)
}

/// Records the run and its progress in one short transaction; nothing when the policy already
/// has a run working.
async fn record_start(
    app: &App,
    who: &Principal,
    policy: &PolicyRow,
    year: i32,
    meta: &RequestMeta,
) -> AppResult<Option<i64>> {
    let now = app.now();
    let (total, up_to) = {
        let mut conn = app.db.conn().await?;
        enterprise_store::extent(&mut conn).await?
    };
    let label = format!("免申即享比对:{}({year} 年度)", policy.title);
    let mut tx = app.db.begin().await?;
    let work = NewWork {
        kind: WORK,
        label: &label,
        link: None,
        total,
        started_by: Some(who.user_id),
    };
    let work_id = long_work::insert(&mut tx, &work, now).await?;
    let run = NewRun {
        policy_id: policy.id,
        year,
        created_by: who.user_id,
        work_id,
        up_to_enterprise: up_to,
    };
    let run_id = match run_store::insert(&mut tx, &run, now).await {
        Err(StoreError::Duplicate) => return Ok(None),
        other => other?,
    };
    let link = format!("/policies/{}?run={run_id}#run-progress", policy.slug);
    long_work::set_link(&mut tx, work_id, &link).await?;
    let change = qinqing_kernel::audit::Change {
        action: "auto_grant.started",
        object_type: "policy",
        object_id: policy.slug.clone(),
        on_behalf_of: None,
        detail: serde_json::json!({ "year": year, "run": run_id, "enterprises": total }),
    };
    qinqing_kernel::audit::record(&mut tx, who, meta, change, now).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(Some(run_id))
}

/// The run of the policy already working, when it is for the same year; nothing when none
/// works any more.
async fn already_running(app: &App, policy: &PolicyRow, year: i32) -> AppResult<Option<i64>> {
    let mut conn = app.db.conn().await?;
    match run_store::running_of_policy(&mut conn, policy.id).await? {
        Some(run) if run.year == year => Ok(Some(run.id)),
        Some(run) => Err(AppError::Conflict {
            field: Some("year".into()),
            message: format!(
                "该政策 {} 年度的比对正在进行,完成后再运行其他年度",
                run.year
            ),
        }),
        None => Ok(None),
    }
}

/// Where a run stands, for the department's staff.
pub async fn report(app: &App, who: &Principal, run_id: i64) -> AppResult<RunReport> {
    let mut conn = app.db.conn().await?;
    let not_found = || AppError::NotFound(format!("没有编号为 {run_id} 的免申即享比对"));
    let run = run_store::get(&mut conn, run_id)
        .await?
        .ok_or_else(not_found)?;
    let policy = crate::store::policies::get(&mut conn, run.policy_id)
        .await?
        .ok_or_else(not_found)?;
    if !may_run(who, policy.department_org_id) {
        return Err(AppError::forbidden(
            "只有政策所属部门的工作人员可以查看免申即享比对",
        ));
    }
    report_of(&mut conn, &policy.slug, &run).await
}

pub(crate) async fn report_of(conn: &mut Conn, slug: &str, run: &RunRow) -> AppResult<RunReport> {
    let work = match run.work_id {
        Some(id) => long_work::get(conn, id).await?,
        None => None,
    };
    let (done, total) = work.map_or((0, 0), |w| (w.done, w.total));
    let mut report = RunReport {
        id: run.id,
        policy_id: slug.to_string(),
        year: run.year,
        status: Some(run.status),
        status_label: run.status.label_zh(),
        done,
        total,
        run_id: (run.status != RunStatus::Empty).then_some(run.id),
        evaluated: done,
        offered_count: run.tally.offered,
        already_offered: run.tally.already_offered,
        credit_blocked: run.tally.credit_blocked,
        total_offered: Money::from_fen(run.tally.total_offered).to_string(),
        ..RunReport::default()
    };
    if run.status != RunStatus::Running {
        report.offered = offers_of(conn, run.id).await?;
        report.undetermined = notes_of(conn, run.id, NoteKind::Undetermined).await?;
        report.over_budget = notes_of(conn, run.id, NoteKind::OverBudget).await?;
    }
    Ok(report)
}

async fn offers_of(conn: &mut Conn, run_id: i64) -> AppResult<Vec<Offered>> {
    let filter = store::ApplicationFilter {
        run_id: Some(run_id),
        ..Default::default()
    };
    Ok(store::list(conn, &filter, i64::MAX)
        .await?
        .into_iter()
        .map(|r| Offered {
            credit_code: r.credit_code,
            name: r.enterprise_name,
            amount: Money::from_fen(r.computed_amount.unwrap_or(0)).to_string(),
            receipt_no: r.receipt_no,
        })
        .collect())
}

async fn notes_of(conn: &mut Conn, run_id: i64, kind: NoteKind) -> AppResult<Vec<Undetermined>> {
    Ok(run_store::notes(conn, run_id, kind)
        .await?
        .into_iter()
        .map(|(credit_code, name, missing)| Undetermined {
            credit_code,
            name,
            missing,
        })
        .collect())
}

// ---------------------------------------------------------------------------------------------
// The worker

/// The runs this process is working on, so a run has one worker per process.
#[derive(Default)]
struct Working(Mutex<HashSet<i64>>);

/// Holds a run's place in [`Working`] for as long as its worker lives.
struct WorkingOn {
    app: App,
    run_id: i64,
}

impl WorkingOn {
    fn claim(app: &App, run_id: i64) -> Option<WorkingOn> {
        let working = app.scene_state::<Working>();
        let mut set = working.0.lock().unwrap_or_else(|p| p.into_inner());
        set.insert(run_id).then(|| WorkingOn {
            app: app.clone(),
            run_id,
        })
    }
}

impl Drop for WorkingOn {
    fn drop(&mut self) {
        let working = self.app.scene_state::<Working>();
        let mut set = working.0.lock().unwrap_or_else(|p| p.into_inner());
        set.remove(&self.run_id);
    }
}

fn spawn_worker(app: &App, run_id: i64) {
    let Some(place) = WorkingOn::claim(app, run_id) else {
        return;
    };
    tokio::spawn(async move {
        if let Err(e) = work(&place.app, run_id).await {
            tracing::error!(run = run_id, error = %e, "a 免申即享 run stopped; it resumes later");
        }
        drop(place);
    });
}

/// Takes up every run left working when the server starts (its worker died with the process
/// that ran it). Another server still working one only costs a repeated read: each chunk is
/// written once, by whichever worker moves the cursor first.
pub async fn resume_all(app: &App) -> AppResult<usize> {
    let mut conn = app.db.conn().await?;
    let runs = run_store::running(&mut conn).await?;
    for run in &runs {
        spawn_worker(app, run.id);
    }
    Ok(runs.len())
}

/// Takes up runs whose progress has stopped moving (the server working them stopped), for the
/// background round.
pub async fn resume_stalled(app: &App) -> AppResult<usize> {
    let mut conn = app.db.conn().await?;
    let stalled = long_work::stalled(&mut conn, WORK, app.now() - STALLED_AFTER).await?;
    let runs = run_store::running(&mut conn).await?;
    let mut resumed = 0;
    for run in runs
        .iter()
        .filter(|r| stalled.iter().any(|w| Some(w.id) == r.work_id))
    {
        spawn_worker(app, run.id);
        resumed += 1;
    }
    Ok(resumed)
}

/// What a worker needs for every chunk of its run.
struct RunContext {
    run: RunRow,
    policy: PolicyRow,
    /// The published library and the policy's place in it.
    published: Arc<crate::Published>,
    index: usize,
    /// The person who started the run: offers and the audit trail name them.
    starter: Principal,
}

impl RunContext {
    /// How the fiscal levels share the policy's awards, as published.
    fn sharing(&self) -> Option<&CostSharing> {
        let policy = self.published.set.policies.get(self.index)?;
        policy.cross.shares.as_ref()
    }
}

/// Works a run through to its end, chunk after chunk.
async fn work(app: &App, run_id: i64) -> AppResult<()> {
    let Some(ctx) = context(app, run_id).await? else {
        return Ok(());
    };
    let mut ctx = ctx;
    let mut size = CHUNK;
    // Each chunk looks up the policy's live applications among its enterprises.
    let mut statistics = FreshStatistics::new(&["application"]);
    loop {
        let chunk = read_chunk(app, &ctx, size.get()).await?;
        let Some(last) = chunk.last().map(|(e, _)| e.id) else {
            return finish(app, &ctx).await;
        };
        let verdicts = judge(&ctx, chunk).await?;
        // Nothing when another worker wrote this chunk: read on from where it left the cursor.
        if let Some(took) = write_with_retries(app, &ctx, last, &verdicts).await? {
            size.after(took);
            statistics.wrote(&app.db, verdicts.len()).await?;
        }
        ctx.run = current(app, run_id).await?;
        if ctx.run.status != RunStatus::Running {
            return Ok(());
        }
        tokio::task::yield_now().await;
    }
}

async fn current(app: &App, run_id: i64) -> AppResult<RunRow> {
    let mut conn = app.db.conn().await?;
    run_store::get(&mut conn, run_id)
        .await?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("run {run_id} vanished")))
}

/// The run's context, or nothing when it has ended; a run whose policy has left the published
/// library ends with what it has offered.
async fn context(app: &App, run_id: i64) -> AppResult<Option<RunContext>> {
    let run = current(app, run_id).await?;
    if run.status != RunStatus::Running {
        return Ok(None);
    }
    let mut conn = app.db.conn().await?;
    let policy = crate::store::policies::get(&mut conn, run.policy_id)
        .await?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("run without policy")))?;
    let published = Arc::new(crate::published(&mut conn).await?);
    let starter = match run.created_by {
        Some(id) => qinqing_kernel::auth::load_principal(app, &mut conn, id).await?,
        None => None,
    }
    .unwrap_or_else(Principal::system);
    drop(conn);
    let index = published
        .set
        .policies
        .iter()
        .position(|p| p.id == policy.slug);
    let ctx = RunContext {
        run,
        policy,
        published,
        index: index.unwrap_or(usize::MAX),
        starter,
    };
    if index.is_none() {
        finish(app, &ctx).await?;
        return Ok(None);
    }
    Ok(Some(ctx))
}

/// The next chunk of enterprises after the cursor, each with its facts (reads only).
async fn read_chunk(
    app: &App,
    ctx: &RunContext,
    size: usize,
) -> AppResult<Vec<(Enterprise, Facts)>> {
    let mut conn = app.db.conn().await?;
    let limit = i64::try_from(size).unwrap_or(i64::MAX);
    let (after, up_to) = (ctx.run.after_enterprise, ctx.run.up_to_enterprise);
    let enterprises = enterprise_store::chunk(&mut conn, after, up_to, limit).await?;
    let facts = crate::facts_of_many(app, &mut conn, &enterprises).await?;
    Ok(enterprises.into_iter().zip(facts).collect())
}

/// What a run does for one enterprise.
enum Verdict {
    Offer(i64),
    Undetermined(Vec<String>),
    Nothing,
}

/// Works out every enterprise's verdict outside any transaction, on a blocking thread: the
/// chunk against the whole published library at once by column, since exclusive groups and
/// caps across policies decide what the run's policy grants.
async fn judge(
    ctx: &RunContext,
    chunk: Vec<(Enterprise, Facts)>,
) -> AppResult<Vec<(Enterprise, Verdict)>> {
    let (published, index, year) = (ctx.published.clone(), ctx.index, ctx.run.year);
    tokio::task::spawn_blocking(move || {
        let (enterprises, facts): (Vec<Enterprise>, Vec<Facts>) = chunk.into_iter().unzip();
        let verdicts = verdicts(&published.set, index, &facts, year)?;
        Ok(enterprises.into_iter().zip(verdicts).collect())
    })
    .await
    .map_err(|e| AppError::Internal(anyhow::anyhow!("evaluating a chunk: {e}")))?
}

/// What the policy at `index` of `set` means for each of `facts` (enterprises), in order.
fn verdicts(
    set: &qinqing_rules::PolicySet,
    index: usize,
    facts: &[Facts],
    year: i32,
) -> AppResult<Vec<Verdict>> {
    let columns = Columns::from_facts(&set.schema, Entity::Enterprise, facts);
    if columns.len() != facts.len() {
        return Err(AppError::Internal(anyhow::anyhow!(
            "{} of a chunk's {} subjects are not enterprises",
            facts.len() - columns.len(),
            facts.len()
        )));
    }
    // The run holds the budget back offer by offer; pools shared within a chunk would not.
    let swept = sweep_before_budgets(set, &columns, year);
    let verdict = |row: usize| match swept.granted(index, row) {
        Some(granted) if granted.fen() > 0 => Verdict::Offer(granted.fen()),
        Some(_) => Verdict::Nothing,
        None => match swept.outcome(set, &columns, index, row) {
            Outcome::Undetermined { missing } => {
                Verdict::Undetermined(missing.into_iter().map(|m| m.label).collect())
            }
            _ => Verdict::Nothing,
        },
    };
    Ok((0..columns.len()).map(verdict).collect())
}

/// Writes a chunk, trying again a few times while the database is busy; the time its
/// transaction took, or nothing when another worker wrote the chunk first.
async fn write_with_retries(
    app: &App,
    ctx: &RunContext,
    last: i64,
    verdicts: &[(Enterprise, Verdict)],
) -> AppResult<Option<Duration>> {
    let blocked = blocked_enterprises(app, verdicts).await?;
    let mut attempt = 1;
    loop {
        match write_chunk(app, ctx, last, verdicts, &blocked).await {
            Err(AppError::Busy) if attempt < MAX_ATTEMPTS => {
                attempt += 1;
                tokio::time::sleep(RETRY_AFTER).await;
            }
            other => return other,
        }
    }
}

/// The eligible enterprises a bad credit record or an integrity finding keeps from grants.
async fn blocked_enterprises(
    app: &App,
    verdicts: &[(Enterprise, Verdict)],
) -> AppResult<HashSet<i64>> {
    let eligible: Vec<i64> = verdicts
        .iter()
        .filter(|(_, v)| matches!(v, Verdict::Offer(_)))
        .map(|(e, _)| e.id)
        .collect();
    let mut conn = app.db.conn().await?;
    let mut blocked = crate::integrity::blocked_among(&mut conn, &eligible, app.now()).await?;
    blocked.extend(
        verdicts
            .iter()
            .filter(|(e, v)| {
                matches!(v, Verdict::Offer(_)) && e.identity.credit_status == CreditStatus::Bad
            })
            .map(|(e, _)| e.id),
    );
    Ok(blocked)
}

/// One chunk's transaction: the policy row first (the budget), then the offers and notes, then
/// the run's cursor (which tells whether another worker got here first). A statement or two per
/// kind of row, whatever the chunk's size.
async fn write_chunk(
    app: &App,
    ctx: &RunContext,
    last: i64,
    verdicts: &[(Enterprise, Verdict)],
    blocked: &HashSet<i64>,
) -> AppResult<Option<Duration>> {
    let now = app.now();
    let (mut tx, turn) = app.db.begin_background(WORK).await?;
    // The chunk's offers and the run's cursor commit together.
    tx.redone_if_lost().await.map_err(StoreError::from)?;
    let budget_left = crate::store::policies::lock(&mut tx, ctx.policy.id).await?;
    let levels = LevelPurse::open(&mut tx, ctx.policy.id, ctx.sharing()).await?;
    let mut tally = Tally::default();
    let mut wanted = Vec::new();
    let mut notes = Vec::new();
    for (e, verdict) in verdicts {
        match verdict {
            Verdict::Offer(_) if blocked.contains(&e.id) => tally.credit_blocked += 1,
            Verdict::Offer(amount) => wanted.push((e, *amount)),
            Verdict::Undetermined(missing) => notes.push(NewNote {
                enterprise_id: e.id,
                kind: NoteKind::Undetermined,
                missing,
            }),
            Verdict::Nothing => {}
        }
    }
    let made = make_offers(&mut tx, ctx, &wanted, (budget_left, levels), now).await?;
    tally.offered = i64::try_from(made.offered.len()).unwrap_or(i64::MAX);
    tally.total_offered = made.offered.iter().map(|o| o.1).sum();
    tally.already_offered = made.already_offered;
    notes.extend(made.over_budget.iter().map(|&enterprise_id| NewNote {
        enterprise_id,
        kind: NoteKind::OverBudget,
        missing: &[],
    }));
    run_store::add_notes(&mut tx, ctx.run.id, &notes).await?;
    let span = (ctx.run.after_enterprise, last);
    if !run_store::advance(&mut tx, ctx.run.id, span, &tally).await? {
        tx.rollback().await.map_err(StoreError::from)?;
        turn.done();
        return Ok(None);
    }
    if let Some(work_id) = ctx.run.work_id {
        let n = i64::try_from(verdicts.len()).unwrap_or(i64::MAX);
        long_work::advance(&mut tx, work_id, n, now).await?;
    }
    tx.commit().await.map_err(StoreError::from)?;
    Ok(Some(turn.done()))
}

/// What became of a chunk's eligible enterprises.
#[derive(Default)]
struct Made {
    /// Offers made, waiting for staff to check them, each (application id, amount) with its
    /// amount held back from the budget.
    offered: Vec<(i64, i64)>,
    /// Enterprises with a live offer or application for the policy and year already.
    already_offered: i64,
    /// Enterprises the budget left (after what earlier offers hold) cannot cover.
    over_budget: Vec<i64>,
}

/// Most rounds of drawing receipt numbers again: a number drawn twice is one in four billion a
/// day per pair, so a second round is rare and a sixth means something else refuses the rows.
const MAX_INSERT_ROUNDS: usize = 5;

/// Makes the chunk's offers, in enterprise order while the budget (and each sharing fiscal
/// level's) lasts, holding their amounts back from the budgets in one update each; each offer
/// gets its first step ("offer").
async fn make_offers(
    conn: &mut Conn,
    ctx: &RunContext,
    wanted: &[(&Enterprise, i64)],
    (mut budget_left, mut levels): (Option<i64>, LevelPurse<'_>),
    now: DateTime<Utc>,
) -> AppResult<Made> {
    let (policy, year) = (ctx.policy.id, ctx.run.year);
    let ids: Vec<i64> = wanted.iter().map(|(e, _)| e.id).collect();
    let live = run_store::live_among(conn, policy, year, &ids).await?;
    let mut made = Made::default();
    let mut pending = Vec::new();
    for &(e, amount) in wanted {
        if live.contains(&e.id) {
            made.already_offered += 1;
        } else if budget_left.is_some_and(|left| amount > left) || !levels.take(amount) {
            made.over_budget.push(e.id);
        } else {
            budget_left = budget_left.map(|left| left - amount);
            pending.push((e, amount));
        }
    }
    for _ in 0..MAX_INSERT_ROUNDS {
        if pending.is_empty() {
            break;
        }
        pending = insert_offers(conn, ctx, pending, &mut made, now).await?;
    }
    if !pending.is_empty() {
        return Err(AppError::Internal(anyhow::anyhow!(
            "{} offers of run {} refused by the database",
            pending.len(),
            ctx.run.id
        )));
    }
    let held: i64 = made.offered.iter().map(|o| o.1).sum();
    let amounts = made.offered.iter().map(|o| o.1);
    if held > 0
        && !(crate::store::policies::reserve_budget(conn, policy, held).await?
            && funding::hold(conn, policy, ctx.sharing(), amounts).await?)
    {
        // The policy row is locked and its budget was read under the lock: cannot happen.
        return Err(AppError::Internal(anyhow::anyhow!(
            "the budget of policy {policy} moved under its lock"
        )));
    }
    let starter = &ctx.starter;
    let steps: Vec<NewStep> = made
        .offered
        .iter()
        .map(|&(application_id, amount)| NewStep {
            application_id,
            stage: 0,
            action: "offer",
            user_id: (!starter.is_system()).then_some(starter.user_id),
            username: &starter.display_name,
            // A run is started by the department's staff, never on an enterprise's behalf.
            org_name: &starter.org_name,
            note: None,
            amount: Some(amount),
        })
        .collect();
    store::add_steps(conn, &steps, now).await?;
    Ok(made)
}

/// Inserts offers for `pending` with fresh receipt numbers; returns those the database left out
/// for a receipt number drawn twice, to be drawn again. An enterprise that got a live
/// application meanwhile counts as already offered.
async fn insert_offers<'e>(
    conn: &mut Conn,
    ctx: &RunContext,
    pending: Vec<(&'e Enterprise, i64)>,
    made: &mut Made,
    now: DateTime<Utc>,
) -> AppResult<Vec<(&'e Enterprise, i64)>> {
    let receipts = pending
        .iter()
        .map(|_| qinqing_kernel::receipts::receipt_number("MS", now))
        .collect::<AppResult<Vec<String>>>()?;
    let news: Vec<NewApplication> = pending
        .iter()
        .zip(&receipts)
        .map(|(&(e, amount), receipt_no)| new_offer(ctx, e, amount, receipt_no))
        .collect();
    let inserted = store::insert_many(conn, &news, now).await?;
    let mut left_out = Vec::new();
    for (&(e, amount), receipt_no) in pending.iter().zip(&receipts) {
        match inserted.get(receipt_no) {
            Some(&id) => made.offered.push((id, amount)),
            None => left_out.push((e, amount)),
        }
    }
    if left_out.is_empty() {
        return Ok(left_out);
    }
    let ids: Vec<i64> = left_out.iter().map(|(e, _)| e.id).collect();
    let live = run_store::live_among(conn, ctx.policy.id, ctx.run.year, &ids).await?;
    let before = left_out.len();
    left_out.retain(|(e, _)| !live.contains(&e.id));
    made.already_offered += i64::try_from(before - left_out.len()).unwrap_or(i64::MAX);
    Ok(left_out)
}

fn new_offer<'a>(
    ctx: &'a RunContext,
    enterprise: &'a Enterprise,
    amount: i64,
    receipt_no: &'a str,
) -> NewApplication<'a> {
    let (policy, id) = (&ctx.policy, &enterprise.identity);
    NewApplication {
        receipt_no,
        policy_id: policy.id,
        policy_version: policy.published_version.unwrap_or(policy.current_version),
        enterprise_id: enterprise.id,
        credit_code: id.credit_code.as_str(),
        region_code: id.region_code.as_str(),
        year: ctx.run.year,
        claim_key: "",
        channel: "auto_grant",
        status: ApplicationStatus::PendingCheck,
        computed_amount: Some(amount),
        form: "[]",
        pledges: "[]",
        submit_key: None,
        created_by: Some(ctx.starter.user_id).filter(|_| !ctx.starter.is_system()),
        run_id: Some(ctx.run.id),
    }
}

/// Ends the run: `checking` when it offered something, else `empty`; its progress is done and
/// the audit trail records what it found, in the starter's name.
async fn finish(app: &App, ctx: &RunContext) -> AppResult<()> {
    let now = app.now();
    let run = current(app, ctx.run.id).await?;
    let status = if run.tally.offered > 0 {
        RunStatus::Checking
    } else {
        RunStatus::Empty
    };
    let mut tx = app.db.begin().await?;
    if !run_store::finish(&mut tx, run.id, status).await? {
        return Ok(());
    }
    if let Some(work_id) = run.work_id {
        long_work::finish(&mut tx, work_id, WorkState::Done, now).await?;
    }
    let change = qinqing_kernel::audit::Change {
        action: "auto_grant.run",
        object_type: "policy",
        object_id: ctx.policy.slug.clone(),
        on_behalf_of: None,
        detail: serde_json::json!({ "year": run.year, "run": run.id, "offered": run.tally.offered, "already_offered": run.tally.already_offered, "credit_blocked": run.tally.credit_blocked, "total": Money::from_fen(run.tally.total_offered).to_string() }),
    };
    let meta = RequestMeta::default();
    qinqing_kernel::audit::record(&mut tx, &ctx.starter, &meta, change, now).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(())
}
