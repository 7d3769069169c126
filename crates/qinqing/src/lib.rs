//! The `qinqing` binary's library half: opening the platform over a database, serving it, and
//! the command-line tasks. Integration tests start the real server through [`serve`].

pub mod cli;
mod policy_eval;

use anyhow::Context;
use qinqing_kernel::sms::SmsProvider;
use qinqing_kernel::store::Db;
use qinqing_kernel::web::{AppState, Metrics, WebScene};
use qinqing_kernel::{App, Scene, SystemClock, audit_log, deadlines, notifications};
use std::sync::Arc;
use tokio::net::TcpListener;

/// The scenes of the platform, in the order their navigation entries and demo data come. A new
/// scene is one more line here.
pub fn scenes() -> Vec<Arc<dyn WebScene>> {
    vec![
        qinqing_policies::scene(),
        qinqing_requests::scene(),
        qinqing_agreements::scene(),
        qinqing_construction::scene(),
    ]
}

/// Connects, migrates and opens the platform; on first start creates the audit log's key
/// (origin from QINQING_AUDIT_ORIGIN, default `qinqing.local/audit`).
pub async fn open(db_url: &str) -> anyhow::Result<App> {
    open_with_clock(db_url, Arc::new(SystemClock)).await
}

/// [`open`] with another clock (tests move time forward to make deadlines fall due).
pub async fn open_with_clock(
    db_url: &str,
    clock: Arc<dyn qinqing_kernel::Clock>,
) -> anyhow::Result<App> {
    let db = Db::connect(db_url)
        .await
        .with_context(|| format!("connecting to {}", redact(db_url)))?;
    db.migrate().await.context("running migrations")?;
    let scenes = scenes().into_iter().map(|s| s as Arc<dyn Scene>).collect();
    let app = App::open(db, clock, scenes)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let origin =
        std::env::var("QINQING_AUDIT_ORIGIN").unwrap_or_else(|_| audit_log::DEFAULT_ORIGIN.into());
    audit_log::ensure_signer(&app, &origin)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(app)
}

/// The server's background work, every `interval` for as long as it runs: taking up a calendar
/// edited through another process, signing a checkpoint while audit entries arrive (at least
/// every minute is required), firing the warnings that have fallen due, each scene's own round
/// (closing replied requests whose follow-up window passed, moving the clocks of commitment
/// items held back by late upstream items, taking down policies whose period ended), removing
/// expired login sessions, sending the queued SMS, and copying SQLite's write-ahead log back
/// into the database file (see `Db::checkpoint`). Each task is safe to run in several
/// processes at once (see `audit_log::checkpoint`, `deadlines::run_due`, each scene's
/// `Scene::background`, `notifications::deliver_due`).
pub fn spawn_background(
    app: App,
    sms: Arc<dyn SmsProvider>,
    interval: std::time::Duration,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            if let Err(e) = qinqing_kernel::calendar::refresh(&app).await {
                tracing::error!(error = %e, "reloading the working calendar failed");
            }
            if let Err(e) = audit_log::checkpoint(&app).await {
                tracing::error!(error = %e, "signing an audit checkpoint failed");
            }
            match deadlines::run_due(&app).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(fired = n, "warnings fired"),
                Err(e) => tracing::error!(error = %e, "firing warnings failed"),
            }
            for scene in app.scenes() {
                scene.background(&app).await;
            }
            match qinqing_kernel::enterprises::import::interrupt_stalled(&app).await {
                Ok(0) => {}
                Ok(n) => tracing::warn!(count = n, "imports cut off part-way marked interrupted"),
                Err(e) => tracing::error!(error = %e, "checking for cut-off imports failed"),
            }
            match qinqing_kernel::auth::sweep_expired_sessions(&app).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(removed = n, "expired sessions removed"),
                Err(e) => tracing::error!(error = %e, "removing expired sessions failed"),
            }
            if let Err(e) = notifications::deliver_due(&app, sms.as_ref(), app.now()).await {
                tracing::error!(error = %e, "sending SMS failed; the outbox keeps them");
            }
            if let Err(e) = app.db.checkpoint().await {
                tracing::error!(error = %e, "checkpointing the write-ahead log failed");
            }
            tokio::time::sleep(interval).await;
        }
    })
}

/// Takes up the long work a stopped process left unfinished, while the server starts serving.
fn resume_long_work(app: &App) {
    let app = app.clone();
    tokio::spawn(async move {
        for scene in app.scenes() {
            scene.resume(&app).await;
        }
    });
}

/// How to serve.
pub struct ServeOptions {
    pub demo: bool,
    pub secure_cookies: bool,
    /// The address the public reaches the platform at, printed on documents (licences' QR codes).
    pub public_url: Option<String>,
    /// The secret the non-tax payment system signs its notices of payment with.
    pub payment_secret: Option<String>,
    /// How often to sign checkpoints, fire warnings, send SMS and run each scene's background
    /// round; `None` runs none of it (tests do it explicitly).
    pub background: Option<std::time::Duration>,
    /// The SMS gateway's webhook; without one, SMS are recorded and shown to administrators.
    pub sms_webhook: Option<String>,
    /// Single sign-on with an OpenID Connect provider, when configured.
    pub oidc: Option<qinqing_kernel::oidc::OidcSettings>,
}

/// Serves the platform on `listener` until the future `shutdown` completes.
pub async fn serve(
    app: App,
    listener: TcpListener,
    options: ServeOptions,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let sms = qinqing_kernel::sms::provider(options.sms_webhook.as_deref())?;
    let oidc = options
        .oidc
        .map(qinqing_kernel::oidc::Oidc::new)
        .transpose()?
        .map(Arc::new);
    let background = options
        .background
        .map(|interval| spawn_background(app.clone(), sms, interval));
    resume_long_work(&app);
    let metrics = Arc::new(Metrics::with_writes(app.db.gate()));
    let state = AppState {
        app,
        demo: options.demo,
        secure_cookies: options.secure_cookies,
        public_url: options.public_url,
        // An empty secret would let anyone sign: it is no secret at all.
        payment_secret: options
            .payment_secret
            .filter(|s| !s.trim().is_empty())
            .map(Into::into),
        metrics,
        oidc,
        scenes: scenes().into(),
    };
    // Connection info gives handlers the client's address (limits on login attempts).
    let service = qinqing_kernel::web::router(state)
        .into_make_service_with_connect_info::<std::net::SocketAddr>();
    let served = axum::serve(listener, service)
        .with_graceful_shutdown(shutdown)
        .await
        .context("serving HTTP");
    if let Some(task) = background {
        task.abort();
    }
    served
}

/// A database URL without its password, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            let user = credentials.split(':').next().unwrap_or("");
            format!("{}{user}:***{}", &url[..scheme + 3], &url[at..])
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_never_reach_messages() {
        assert_eq!(
            super::redact("postgres://qq:secret@db/qq"),
            "postgres://qq:***@db/qq"
        );
        assert_eq!(super::redact("sqlite://qinqing.db"), "sqlite://qinqing.db");
    }

    #[test]
    fn every_schema_name_means_one_shape_across_kernel_and_scenes() {
        let clashes = qinqing_kernel::web::api::schema_clashes(&super::scenes());
        assert!(
            clashes.is_empty(),
            "two types share these schema names; rename one: {clashes:?}"
        );
    }
}
