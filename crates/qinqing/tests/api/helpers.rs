//! Spawning the app against a fresh database, and logged-in clients.

use qinqing_kernel::App;
use qinqing_kernel::clock::ManualClock;
use qinqing_kernel::demo::DEMO_PASSWORD;
use reqwest::{Client, Response, StatusCode};
use serde_json::{Value, json};
use sqlx::Connection;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// The secret the test platform shares with the non-tax payment system (tests play the system).
pub const PAYMENT_SECRET: &str = "test-payment-system-secret";

/// Enterprises the test district holds: enough to cover every town, small enough to be quick.
pub const TEST_ENTERPRISES: usize = 24;

pub struct TestApp {
    pub base: String,
    pub app: App,
    /// The database the platform runs on, for other processes to open.
    pub db_url: String,
}

/// What every test database's name starts with; then the test process's id and the second it
/// was made.
const PREFIX: &str = "qq_test_";

/// A test database this old is left over, whatever process made it (where there is no `/proc`
/// to ask whether that process still runs, or its id was reused).
const LEFT_OVER_SECONDS: u64 = 24 * 3600;

fn unix_seconds() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Whether this process has removed the databases earlier test runs left behind.
static SWEPT: AtomicBool = AtomicBool::new(false);

/// A fresh database URL: a new SQLite file, or a new PostgreSQL database, named after this
/// process. The first one a process makes first removes those of processes that have ended
/// (every test leaves its database, to be looked at after a failure; runs would pile them up).
async fn fresh_database() -> String {
    let name = format!(
        "{PREFIX}{}_{}_{}",
        std::process::id(),
        unix_seconds(),
        uuid::Uuid::new_v4().simple()
    );
    let sweep = !SWEPT.swap(true, Ordering::SeqCst);
    match std::env::var("QINQING_TEST_POSTGRES") {
        Ok(server) if !server.is_empty() => {
            sqlx::any::install_default_drivers();
            let server = server.trim_end_matches('/');
            let mut admin = sqlx::AnyConnection::connect(&format!("{server}/postgres"))
                .await
                .expect("PostgreSQL named by QINQING_TEST_POSTGRES is reachable");
            if sweep {
                drop_ended_databases(&mut admin).await;
            }
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(&mut admin)
                .await
                .expect("creating a test database");
            format!("{server}/{name}")
        }
        _ => {
            let dir = std::env::temp_dir();
            if sweep {
                remove_ended_files(&dir);
            }
            format!("sqlite://{}", dir.join(format!("{name}.db")).display())
        }
    }
}

/// Whether a test database (or file) named `name` belongs to a process that has ended: one
/// that `/proc` no longer lists, or (without `/proc`) one made over a day ago.
fn of_ended_process(name: &str) -> bool {
    let Some(rest) = name.strip_prefix(PREFIX) else {
        return false;
    };
    let mut parts = rest.splitn(3, '_');
    let pid = parts.next().and_then(|p| p.parse::<u32>().ok());
    let made = parts.next().and_then(|s| s.parse::<u64>().ok());
    let (Some(pid), Some(made)) = (pid, made) else {
        // Named before the process id and time were part of the name.
        return true;
    };
    let old = unix_seconds().saturating_sub(made) > LEFT_OVER_SECONDS;
    let proc = std::path::Path::new("/proc/self").exists();
    old || proc && !std::path::Path::new(&format!("/proc/{pid}")).exists()
}

async fn drop_ended_databases(admin: &mut sqlx::AnyConnection) {
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT CAST(datname AS TEXT) FROM pg_database WHERE datname LIKE 'qq\\_test\\_%'",
    )
    .fetch_all(&mut *admin)
    .await
    .unwrap_or_default();
    for name in names.iter().filter(|n| of_ended_process(n)) {
        let drop = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
        // Another process may be dropping it too; what is left goes next time.
        let _ = sqlx::query(sqlx::AssertSqlSafe(drop))
            .execute(&mut *admin)
            .await;
    }
}

fn remove_ended_files(dir: &std::path::Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        // The database file and SQLite's -wal and -shm files beside it.
        if name.contains(".db") && of_ended_process(&name) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

impl TestApp {
    /// The platform with the demo district (and TEST_ENTERPRISES enterprises) loaded.
    pub async fn spawn() -> TestApp {
        let app = Self::spawn_empty().await;
        app.load_demo().await;
        app
    }

    /// The demo district on a clock the test moves.
    pub async fn spawn_at(clock: Arc<ManualClock>) -> TestApp {
        let app = Self::spawn_empty_with(clock).await;
        app.load_demo().await;
        app
    }

    async fn load_demo(&self) {
        qinqing_kernel::demo::load_sized(&self.app, TEST_ENTERPRISES)
            .await
            .expect("demo district loads");
    }

    /// The platform over a migrated, empty database.
    pub async fn spawn_empty() -> TestApp {
        Self::spawn_empty_with(Arc::new(qinqing_kernel::SystemClock)).await
    }

    async fn spawn_empty_with(clock: Arc<dyn qinqing_kernel::Clock>) -> TestApp {
        let url = fresh_database().await;
        let app = qinqing::open_with_clock(&url, clock)
            .await
            .expect("database opens and migrates");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        // Tests sign checkpoints when they need one, so entry counts stay deterministic.
        let options = qinqing::ServeOptions {
            demo: true,
            secure_cookies: false,
            public_url: None,
            payment_secret: Some(PAYMENT_SECRET.into()),
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
        TestApp {
            base,
            app,
            db_url: url,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub fn anonymous(&self) -> Client {
        Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
    }

    /// The body of `path` as `client` gets it, as text.
    pub async fn text_of(&self, client: &Client, path: &str) -> String {
        let res = client.get(self.url(path)).send().await.unwrap();
        res.text().await.unwrap()
    }

    /// The body of `path` as a visitor who is not logged in gets it, as JSON.
    pub async fn public_json(&self, path: &str) -> serde_json::Value {
        let res = self.anonymous().get(self.url(path)).send().await.unwrap();
        res.json().await.unwrap()
    }

    /// The server's Prometheus metrics.
    pub async fn metrics(&self) -> String {
        self.text_of(&self.anonymous(), "/metrics").await
    }

    /// Logs in a demo account over the API.
    pub async fn login(&self, username: &str) -> Session {
        self.login_with(username, DEMO_PASSWORD).await
    }

    pub async fn login_with(&self, username: &str, password: &str) -> Session {
        let client = self.anonymous();
        let res = client
            .post(self.url("/api/v1/auth/login"))
            .json(&json!({ "username": username, "password": password }))
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.status(),
            StatusCode::OK,
            "login of {username}: {}",
            res.text().await.unwrap()
        );
        let body: Value = res.json().await.unwrap();
        Session {
            client,
            base: self.base.clone(),
            csrf: body["csrf_token"].as_str().unwrap().to_string(),
            me: body["user"].clone(),
        }
    }

    /// Credit codes of the enterprises a staff member with full scope sees, with their regions.
    pub async fn enterprises(&self) -> Vec<(String, String)> {
        let admin = self.login("admin").await;
        let page: Value = admin
            .get("/api/v1/enterprises?per_page=200")
            .await
            .json()
            .await
            .unwrap();
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["credit_code"].as_str().unwrap().to_string(),
                    e["region_code"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    }

    pub async fn audit_count(&self) -> i64 {
        let mut conn = self.app.db.conn().await.unwrap();
        qinqing_kernel::store::audit::count(&mut conn)
            .await
            .unwrap()
    }
}

/// A logged-in client: cookie jar plus the session's CSRF token.
pub struct Session {
    pub client: Client,
    pub base: String,
    pub csrf: String,
    pub me: Value,
}

impl Session {
    /// The credit code of the (first) enterprise the session acts for.
    pub fn first_enterprise(&self) -> String {
        self.me["enterprises"][0]
            .as_str()
            .expect("the session acts for an enterprise")
            .to_string()
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap()
    }

    /// Posts a page's form as the browser does (urlencoded, with the session's form token).
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        let mut all = vec![("_csrf", self.csrf.as_str())];
        all.extend_from_slice(fields);
        self.client
            .post(format!("{}{path}", self.base))
            .form(&all)
            .send()
            .await
            .unwrap()
    }

    pub async fn post(&self, path: &str, body: &Value) -> Response {
        self.client
            .post(format!("{}{path}", self.base))
            .header("X-CSRF-Token", &self.csrf)
            .json(body)
            .send()
            .await
            .unwrap()
    }

    pub async fn patch(&self, path: &str, body: &Value) -> Response {
        self.client
            .patch(format!("{}{path}", self.base))
            .header("X-CSRF-Token", &self.csrf)
            .json(body)
            .send()
            .await
            .unwrap()
    }

    pub async fn put(&self, path: &str, body: &Value) -> Response {
        self.client
            .put(format!("{}{path}", self.base))
            .header("X-CSRF-Token", &self.csrf)
            .json(body)
            .send()
            .await
            .unwrap()
    }

    pub async fn upload(&self, path: &str, file_name: &str, bytes: Vec<u8>) -> Response {
        self.upload_with(path, &[], file_name, bytes).await
    }

    /// A multipart POST of text `fields` and the `file` field.
    pub async fn upload_with(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        file_name: &str,
        bytes: Vec<u8>,
    ) -> Response {
        let part = reqwest::multipart::Part::bytes(bytes).file_name(file_name.to_string());
        let mut form = reqwest::multipart::Form::new();
        for (name, value) in fields {
            form = form.text(name.to_string(), value.to_string());
        }
        self.post_multipart(path, form.part("file", part)).await
    }

    /// A multipart POST of `form` as it is.
    pub async fn post_multipart(&self, path: &str, form: reqwest::multipart::Form) -> Response {
        self.client
            .post(format!("{}{path}", self.base))
            .header("X-CSRF-Token", &self.csrf)
            .multipart(form)
            .send()
            .await
            .unwrap()
    }

    pub async fn delete(&self, path: &str) -> Response {
        self.client
            .delete(format!("{}{path}", self.base))
            .header("X-CSRF-Token", &self.csrf)
            .send()
            .await
            .unwrap()
    }
}

/// Asserts an API error: status, code and (if given) the field at fault; returns the body.
pub async fn assert_error(
    res: Response,
    status: StatusCode,
    code: &str,
    field: Option<&str>,
) -> Value {
    assert_eq!(res.status(), status);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["code"], code, "{body}");
    if let Some(field) = field {
        assert_eq!(body["field"], field, "{body}");
    }
    assert!(
        body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    body
}

/// A valid credit code built from a 17-character body.
pub fn credit_code(body17: &str) -> String {
    let check = qinqing_domain::credit_code::check_char(body17).expect("valid body");
    format!("{body17}{check}")
}

/// An enterprise user of another enterprise (the demo has one enterprise account), logged in.
pub async fn enterprise_user_of(app: &TestApp, username: &str, code: &str) -> Session {
    let mut conn = app.app.db.conn().await.unwrap();
    let code = qinqing_domain::CreditCode::parse(code).unwrap();
    let enterprise = qinqing_kernel::store::enterprises::get_by_credit_code(&mut conn, &code)
        .await
        .unwrap()
        .unwrap();
    let hash = qinqing_kernel::auth::hash_password(qinqing_kernel::demo::DEMO_PASSWORD).unwrap();
    let user = qinqing_kernel::store::users::NewUser {
        username,
        display_name: "另一企业",
        phone: None,
        password_hash: &hash,
        org_id: enterprise.id,
        role: qinqing_domain::org::Role::EnterpriseUser,
        must_change_password: false,
    };
    let id = qinqing_kernel::store::users::insert(&mut conn, &user, app.app.now())
        .await
        .unwrap();
    qinqing_kernel::store::users::link_enterprise(
        &mut conn,
        id,
        enterprise.id,
        qinqing_kernel::store::users::Relation::Member,
    )
    .await
    .unwrap();
    drop(conn);
    app.login(username).await
}

/// The label of the clocks [`review_clock`] starts.
pub const REVIEW_CLOCK_LABEL: &str = "时限验证申报";

/// Starts a 3-working-day review clock of department `org` on application `id` in `region`, due
/// at `due` (started five days before); its id.
pub async fn review_clock(
    app: &TestApp,
    org: i64,
    region: &str,
    id: &str,
    due: chrono::DateTime<chrono::Utc>,
) -> i64 {
    use qinqing_domain::deadline::{Limit, LimitUnit};
    use qinqing_kernel::deadlines::{Side, Start, start_until};
    let region = qinqing_domain::DivisionCode::parse(region).unwrap();
    let start = Start {
        object_type: "application",
        object_id: id,
        kind: "policy.application_review",
        label: REVIEW_CLOCK_LABEL,
        region: &region,
        side: Side::Government,
        limit: Limit {
            unit: LimitUnit::WorkingDays,
            amount: 3,
        },
        org_id: Some(org),
    };
    let mut tx = app.app.db.begin().await.unwrap();
    let started = due - chrono::Duration::days(5);
    let id = start_until(&mut tx, &app.app, start, due, started)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    id
}
