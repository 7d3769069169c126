//! What the platform benchmarks share: the size given on the command line, running one
//! measurement on a fresh SQLite file and then, when `QINQING_BENCH_POSTGRES` names a server,
//! on a fresh PostgreSQL database, and serving the platform to measure it over HTTP.

#![allow(
    dead_code,
    reason = "each benchmark compiles this module and uses only what it needs"
)]

use sqlx::Connection;

/// The allocator the `qinqing` binary runs on (see its `main.rs`), so that benchmarks measure
/// what the server does.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::future::Future;

/// The first argument that is not a flag, as the dataset's size; `default` without one.
pub fn size(default: usize) -> anyhow::Result<usize> {
    Ok(std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(default))
}

/// Runs `measure(label, url)` on a fresh SQLite file (removed after), then on a fresh
/// PostgreSQL database named after `name` when QINQING_BENCH_POSTGRES is set.
pub async fn on_each_database<F, Fut>(name: &str, measure: F) -> anyhow::Result<()>
where
    F: Fn(&'static str, String) -> Fut,
    Fut: Future<Output = anyhow::Result<()>>,
{
    let sqlite = std::env::temp_dir().join(format!("qinqing-{name}-{}.db", std::process::id()));
    let measured = measure("SQLite", format!("sqlite://{}", sqlite.display())).await;
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", sqlite.display()));
    }
    measured?;
    if let Ok(server) = std::env::var("QINQING_BENCH_POSTGRES") {
        let url = fresh_postgres(&server, name).await?;
        measure("PostgreSQL", url).await?;
    }
    Ok(())
}

async fn fresh_postgres(server: &str, name: &str) -> anyhow::Result<String> {
    sqlx::any::install_default_drivers();
    let server = server.trim_end_matches('/');
    let database = format!("qq_bench_{}_{}", name.replace('-', "_"), std::process::id());
    let mut admin = sqlx::AnyConnection::connect(&format!("{server}/postgres")).await?;
    for sql in [
        format!("DROP DATABASE IF EXISTS {database}"),
        format!("CREATE DATABASE {database}"),
    ] {
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&mut admin)
            .await?;
    }
    Ok(format!("{server}/{database}"))
}

/// Serves `app` as the demo platform on a free local port, with no background rounds (the
/// benchmark decides what runs), for as long as the benchmark runs; its base address.
pub async fn serve(app: &qinqing_kernel::App) -> anyhow::Result<String> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let options = qinqing::ServeOptions {
        demo: true,
        secure_cookies: false,
        public_url: None,
        payment_secret: None,
        background: None,
        sms_webhook: None,
        oidc: None,
    };
    tokio::spawn(qinqing::serve(
        app.clone(),
        listener,
        options,
        std::future::pending(),
    ));
    Ok(base)
}
