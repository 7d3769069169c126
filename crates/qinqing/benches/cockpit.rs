//! Supervision cockpit benchmark: the `/supervision` page for a district with 100,000 clocks and
//! 20,000 fired warnings, rendered by the real server for a 效能办 supervisor.
//!
//! Dataset: the demo district (its organisations, accounts and 24 enterprises), then N clocks
//! (default 100,000) spread over its departments, its towns and every scene's kinds of clock,
//! started over the last three years as a district accumulates them: nine in ten closed (one in
//! four of those late), the open tenth due from a month ago to a month ahead (about half
//! overdue); one fired warning for every fifth clock. Generated deterministically.
//!
//!     cargo bench -p qinqing --bench cockpit                       # SQLite
//!     QINQING_BENCH_POSTGRES=postgres://postgres@127.0.0.1:5432 \
//!       cargo bench -p qinqing --bench cockpit                     # and PostgreSQL
//!     cargo bench -p qinqing --bench cockpit -- 200000             # another size
//!
//! Target (issue 18): the cockpit renders in under 300 ms on SQLite and PostgreSQL.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test or benchmark stops at its first surprise"
)]
use chrono::{Duration, Utc};
use qinqing_kernel::App;
use qinqing_kernel::store::time;
use std::time::Instant;

const RUNS: usize = 20;

mod support;

fn main() -> anyhow::Result<()> {
    let clocks = support::size(100_000)?;
    let runtime = tokio::runtime::Runtime::new()?;
    println!("database\tclocks\twarnings\tpage p50\tpage p95\t(of {RUNS} runs)");
    runtime.block_on(support::on_each_database("cockpit", async |label, url| {
        measure(label, &url, clocks).await
    }))
}

async fn measure(label: &str, url: &str, clocks: usize) -> anyhow::Result<()> {
    let app = qinqing::open(url).await?;
    qinqing_kernel::demo::load_sized(&app, 24)
        .await
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let warnings = generate(&app, clocks).await?;
    let base = support::serve(&app).await?;
    let client = reqwest::Client::builder().cookie_store(true).build()?;
    let login = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&serde_json::json!({ "username": "efficiency", "password": qinqing_kernel::demo::DEMO_PASSWORD }))
        .send()
        .await?;
    anyhow::ensure!(login.status().is_success(), "login: {}", login.status());
    let mut times = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let started = Instant::now();
        let page = client.get(format!("{base}/supervision")).send().await?;
        anyhow::ensure!(page.status().is_success(), "cockpit: {}", page.status());
        let body = page.text().await?;
        times.push(started.elapsed());
        anyhow::ensure!(body.contains("监督驾驶舱"), "not the cockpit");
    }
    times.sort();
    let ms = |d: std::time::Duration| format!("{:.0} ms", d.as_secs_f64() * 1000.0);
    println!(
        "{label}\t{clocks}\t{warnings}\t{}\t{}",
        ms(times[RUNS / 2]),
        ms(times[RUNS * 95 / 100])
    );
    app.db.close().await;
    Ok(())
}

/// Writes the clocks and warnings in batches of multi-row INSERTs; returns the warnings written.
async fn generate(app: &App, clocks: usize) -> anyhow::Result<usize> {
    let mut conn = app.db.conn().await?;
    let orgs = qinqing_kernel::store::orgs::list_non_enterprise(&mut conn)
        .await
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    drop(conn);
    let departments: Vec<i64> = orgs.iter().map(|o| o.id).collect();
    let towns: Vec<String> = orgs
        .iter()
        .filter_map(|o| o.division_code.as_ref().map(|c| c.as_str().to_string()))
        .filter(|c| c.len() >= 9)
        .collect();
    let kinds: Vec<String> = app.clock_kinds().into_iter().map(|k| k.kind).collect();
    let now = Utc::now();
    let mut warnings = 0;
    for chunk in (0..clocks).collect::<Vec<_>>().chunks(500) {
        let mut tx = app.db.begin().await?;
        let mut sql = String::from(
            "INSERT INTO deadline (object_type, object_id, kind, label, region_code, side, unit, \
             amount, started_at, due_at, state, paused_at, stopped_at, org_id) VALUES ",
        );
        for (n, &i) in chunk.iter().enumerate() {
            // Closed ones due over the last three years; open ones from a month ago to a month ahead.
            let (state, due, stopped) = if i % 10 == 0 {
                let due = now + Duration::hours(i64::try_from(i % 1_440).unwrap() - 720);
                ("running", due, None)
            } else {
                let due = now - Duration::hours(i64::try_from(i % 26_000).unwrap());
                let closed = if i % 4 == 0 {
                    due + Duration::hours(30)
                } else {
                    due - Duration::hours(10)
                };
                ("stopped", due, Some(closed.min(now)))
            };
            let text = |t: chrono::DateTime<Utc>| format!("'{}'", time::to_text(t));
            sql.push_str(&format!(
                "{}('bench', 'c{i}', '{}', '基准事项 {i}', '{}', 'government', 'working_days', 3, {}, {}, '{state}', NULL, {}, {})",
                if n == 0 { "" } else { ", " },
                kinds[i % kinds.len()],
                towns[i % towns.len()],
                text(due - Duration::days(5)),
                text(due),
                stopped.map_or("NULL".into(), text),
                departments[i % departments.len()],
            ));
        }
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
    }
    let mut tx = app.db.begin().await?;
    let fired = time::to_text(now - Duration::days(1));
    let written = sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO deadline_warning (deadline_id, grade, fire_at, fired_at) \
         SELECT id, 'warning', '{fired}', '{fired}' FROM deadline WHERE object_type = 'bench' AND id % 5 = 0"
    )))
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    warnings += usize::try_from(written.rows_affected())?;
    Ok(warnings)
}
