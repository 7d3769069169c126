use clap::Parser;
use tracing_subscriber::EnvFilter;

/// mimalloc: bulk work (an import, `policy eval`) allocates many small values on one thread and
/// frees them on another, where glibc's allocator spends much of its time.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    // JSON logs when QINQING_LOG_FORMAT=json (for log shippers), readable lines otherwise.
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if std::env::var("QINQING_LOG_FORMAT").as_deref() == Ok("json") {
        builder.json().init();
    } else {
        builder.init();
    }
    match qinqing::cli::run(qinqing::cli::Cli::parse()).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("错误:{e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
