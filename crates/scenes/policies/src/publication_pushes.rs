//! The pushes that follow a publication (精准推送), as long work in short chunks. Publishing
//! records a sweep (the version, a cursor over the enterprises, its long-work row) in the
//! publishing transaction; once that commits, a worker reads a chunk of enterprises, evaluates
//! the policy for each outside any transaction, and writes the chunk's pushes together with the
//! moved cursor in one short transaction. Then the subscribers are told. A sweep cut off by a
//! crash is taken up on restart where its cursor stands: each enterprise hears of the policy
//! once, however often the sweep is resumed.

use crate::pushes::{
    eligible_amounts, parse_definition, policy_year, prepare_pushes, write_pushes,
};
use crate::status::PolicyStatus;
use crate::store::policies::{self as policy_store, PolicyRow};
use crate::store::pushes::{self as store, Sweep};
use chrono::{DateTime, Utc};
use qinqing_kernel::store::enterprises::{self as enterprise_store, Enterprise};
use qinqing_kernel::store::long_work::{self, NewWork, WorkState};
use qinqing_kernel::store::writes::ChunkSize;
use qinqing_kernel::store::{Conn, StoreError};
use qinqing_kernel::{App, AppError, AppResult, Principal};
use qinqing_rules::{Policy, Schema};
use std::collections::HashSet;
use std::time::Duration;

/// The kind of long work a sweep is.
pub(crate) const WORK: &str = "policy_push";
/// Enterprises looked at per transaction, adapted to the time their pushes take to write
/// (starting small, and up to 2,000, as runs do).
const CHUNK: ChunkSize = ChunkSize::new(20, (10, 2000), Duration::from_millis(20));
/// How long the publishing request waits for its pushes before it answers; a sweep still
/// working then goes on in the background, its progress shown as long work.
const WAIT_FOR_PUSHES: Duration = Duration::from_secs(10);
/// A sweep whose progress has not moved for this long lost its worker (its server stopped).
const STALLED_AFTER: chrono::TimeDelta = chrono::TimeDelta::minutes(2);

/// Called inside the publishing transaction: records the sweep that tells the enterprises about
/// `version` once the publication has committed.
pub(crate) async fn plan(
    conn: &mut Conn,
    row: &PolicyRow,
    version: i64,
    who: &Principal,
    now: DateTime<Utc>,
) -> AppResult<i64> {
    let (enterprises, highest_id) = enterprise_store::extent(conn).await?;
    let label = format!("精准推送:{}", row.title);
    let link = format!("/policies/{}#pushes", row.slug);
    let work = NewWork {
        kind: WORK,
        label: &label,
        link: Some(&link),
        total: enterprises,
        started_by: (!who.is_system()).then_some(who.user_id),
    };
    let work_id = long_work::insert(conn, &work, now).await?;
    Ok(store::insert_sweep(conn, row.id, version, work_id, highest_id).await?)
}

/// Sends a planned sweep's pushes on a task of its own and waits for it a while: in a small
/// district the publication answers with its pushes made; in a large one the sweep goes on after
/// the answer, and a client that hangs up does not stop it.
pub(crate) async fn send(app: &App, sweep_id: i64) {
    let task = spawn(app, sweep_id);
    if tokio::time::timeout(WAIT_FOR_PUSHES, task).await.is_err() {
        tracing::info!(
            sweep = sweep_id,
            "pushes after a publication go on in the background"
        );
    }
}

fn spawn(app: &App, sweep_id: i64) -> tokio::task::JoinHandle<()> {
    let app = app.clone();
    tokio::spawn(async move {
        if let Err(e) = work(&app, sweep_id).await {
            tracing::error!(sweep = sweep_id, error = %e, "pushes after a publication stopped; they resume later");
        }
    })
}

/// Takes up every sweep left unfinished (at the server's start), or only those whose progress
/// has stopped (in the background round, where another server may still be working one). Two
/// workers on one sweep only cost repeated reads: each chunk is written by whichever moves the
/// cursor first.
pub async fn resume(app: &App, only_stalled: bool) -> AppResult<usize> {
    let mut conn = app.db.conn().await?;
    let stalled_before = only_stalled.then(|| app.now() - STALLED_AFTER);
    let sweeps = store::unfinished_sweeps(&mut conn, stalled_before).await?;
    for id in &sweeps {
        spawn(app, *id);
    }
    Ok(sweeps.len())
}

/// The policy's pushes still going out after its publication, with their progress.
pub async fn in_progress(app: &App, slug: &str) -> AppResult<Option<long_work::Work>> {
    let mut conn = app.db.conn().await?;
    let Some(work_id) = store::running_sweep_work(&mut conn, slug).await? else {
        return Ok(None);
    };
    Ok(long_work::get(&mut conn, work_id).await?)
}

/// What a worker needs for every chunk of its sweep.
struct SweepContext {
    policy: Policy,
    schema: std::sync::Arc<Schema>,
    /// The policy year evaluated: the one before the publication's.
    year: i32,
}

/// Works a sweep through to its end, chunk after chunk.
async fn work(app: &App, sweep_id: i64) -> AppResult<()> {
    let mut conn = app.db.conn().await?;
    let Some(mut sweep) = store::sweep(&mut conn, sweep_id).await? else {
        return Ok(());
    };
    let Some(started) = long_work::get(&mut conn, sweep.work_id)
        .await?
        .filter(|w| w.state == WorkState::Running)
        .map(|w| w.started_at)
    else {
        return Ok(());
    };
    let schema = crate::schema(&mut conn).await?;
    let src = policy_store::definition(&mut conn, sweep.policy_id, sweep.policy_version)
        .await?
        .unwrap_or_default();
    let policy = parse_definition(&schema, sweep.policy_id, sweep.policy_version, &src)?;
    drop(conn);
    let ctx = SweepContext {
        policy,
        schema,
        year: policy_year(started),
    };
    let mut size = CHUNK;
    loop {
        // A policy withdrawn or republished meanwhile is not pushed further in this version.
        let Some(row) = still_published(app, &sweep).await? else {
            return finish(app, &sweep).await;
        };
        let Some(took) = push_chunk(app, &ctx, &row, &sweep, size.get()).await? else {
            tell_subscribers(app, &row, &sweep).await?;
            return finish(app, &sweep).await;
        };
        size.after(took);
        let mut conn = app.db.conn().await?;
        sweep = store::sweep(&mut conn, sweep_id)
            .await?
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("sweep {sweep_id} vanished")))?;
        tokio::task::yield_now().await;
    }
}

async fn still_published(app: &App, sweep: &Sweep) -> AppResult<Option<PolicyRow>> {
    let mut conn = app.db.conn().await?;
    let row = policy_store::get(&mut conn, sweep.policy_id).await?;
    Ok(row.filter(|r| {
        r.status == PolicyStatus::Published && r.published_version == Some(sweep.policy_version)
    }))
}

/// Reads the next `size` enterprises after the cursor, finds whom the policy makes eligible
/// (reads only), then writes their pushes and the moved cursor in one transaction; how long that
/// took, or nothing when no enterprise is left.
async fn push_chunk(
    app: &App,
    ctx: &SweepContext,
    row: &PolicyRow,
    sweep: &Sweep,
    size: usize,
) -> AppResult<Option<Duration>> {
    let mut conn = app.db.conn().await?;
    let (after, up_to) = (sweep.after_enterprise, sweep.up_to_enterprise);
    let limit = i64::try_from(size).unwrap_or(i64::MAX);
    let chunk = enterprise_store::chunk(&mut conn, after, up_to, limit).await?;
    let Some(last) = chunk.last().map(|e| e.id) else {
        return Ok(None);
    };
    let told: HashSet<i64> = store::pushed_between(&mut conn, sweep.policy_id, after, last)
        .await?
        .into_iter()
        .collect();
    let looked_at = i64::try_from(chunk.len()).unwrap_or(i64::MAX);
    let untold: Vec<Enterprise> = chunk
        .into_iter()
        .filter(|e| !told.contains(&e.id))
        .collect();
    let (policy, schema) = (&ctx.policy, &ctx.schema);
    let amounts = eligible_amounts(app, &mut conn, policy, schema, &untold, ctx.year).await?;
    let eligible: Vec<(i64, Option<i64>)> = untold
        .iter()
        .zip(amounts)
        .filter_map(|(e, amount)| Some((e.id, Some(amount?))))
        .collect();
    let version = (sweep.policy_version, "machine");
    let batch = prepare_pushes(&mut conn, row, version, None, eligible).await?;
    drop(conn);
    let now = app.now();
    let (mut tx, turn) = app.db.begin_background(WORK).await?;
    // The chunk's pushes and the sweep's cursor commit together.
    tx.redone_if_lost().await.map_err(StoreError::from)?;
    if !store::advance_sweep(&mut tx, sweep.id, after, last).await? {
        // Another worker wrote this chunk; read on from where it left the cursor.
        tx.rollback().await.map_err(StoreError::from)?;
        return Ok(Some(turn.done()));
    }
    write_pushes(&mut tx, &batch, now).await?;
    long_work::advance(&mut tx, sweep.work_id, looked_at, now).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(Some(turn.done()))
}

/// Tells the enterprises subscribed to one of the policy's topics, its department or its level,
/// a chunk per transaction, sized like the sweep's by the time its writes take (a fixed hundred
/// a transaction was bounded by nothing); those told before (by the machine match or earlier)
/// are not told again.
async fn tell_subscribers(app: &App, row: &PolicyRow, sweep: &Sweep) -> AppResult<()> {
    let topics: Vec<String> = serde_json::from_str(&row.topics).unwrap_or_default();
    let department = row.department_org_id.to_string();
    let mut conn = app.db.conn().await?;
    let subscribers = store::subscribers(&mut conn, &topics, &department, &row.level).await?;
    drop(conn);
    let mut size = CHUNK;
    let mut rest = subscribers.as_slice();
    while !rest.is_empty() {
        let (chunk, after) = rest.split_at(size.get().min(rest.len()));
        rest = after;
        let targets = chunk.iter().map(|&id| (id, None)).collect();
        let version = (sweep.policy_version, "subscription");
        let mut conn = app.db.conn().await?;
        let batch = prepare_pushes(&mut conn, row, version, None, targets).await?;
        drop(conn);
        let now = app.now();
        let (mut tx, turn) = app.db.begin_background(WORK).await?;
        write_pushes(&mut tx, &batch, now).await?;
        tx.commit().await.map_err(StoreError::from)?;
        size.after(turn.done());
    }
    Ok(())
}

async fn finish(app: &App, sweep: &Sweep) -> AppResult<()> {
    let (mut tx, turn) = app.db.begin_background(WORK).await?;
    long_work::finish(&mut tx, sweep.work_id, WorkState::Done, app.now()).await?;
    tx.commit().await.map_err(StoreError::from)?;
    turn.done();
    Ok(())
}
