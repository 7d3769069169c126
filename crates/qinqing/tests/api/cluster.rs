//! Several `qinqing serve` processes on one database behave as one platform: sessions, search
//! and background work (warnings, checkpoints) are shared, and nothing happens twice.

use crate::helpers::TestApp;
use crate::policies::{definition, ids, policy_input, publish_input, search};
use qinqing_domain::DivisionCode;
use qinqing_domain::deadline::{Limit, LimitUnit};
use qinqing_kernel::{audit_log, deadlines};
use reqwest::StatusCode;
use serde_json::Value;
use sqlx::Row;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A `qinqing serve` process, killed when dropped.
pub(crate) struct Server {
    child: Child,
    base: String,
}

impl Server {
    /// Starts the real binary on `db_url` with a background round every second.
    pub(crate) async fn start(db_url: &str) -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let listen = format!("127.0.0.1:{port}");
        let child = Command::new(env!("CARGO_BIN_EXE_qinqing"))
            .args(["serve", "--db", db_url, "--listen", &listen])
            .args(["--background-interval", "1"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the binary starts");
        let server = Server {
            child,
            base: format!("http://{listen}"),
        };
        server.wait_until_healthy().await;
        server
    }

    async fn wait_until_healthy(&self) {
        let client = reqwest::Client::new();
        for _ in 0..300 {
            let health = client.get(format!("{}/healthz", self.base)).send().await;
            if health.is_ok_and(|r| r.status() == StatusCode::OK) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{} did not become healthy in 30 s", self.base);
    }

    /// The platform as a test client sees it through this process.
    pub(crate) fn as_test_app(&self, seed: &TestApp) -> TestApp {
        TestApp {
            base: self.base.clone(),
            app: seed.app.clone(),
            db_url: seed.db_url.clone(),
        }
    }
}

impl Server {
    /// Kills the process at once (SIGKILL, as `kill -9`): no shutdown, no last write.
    pub(crate) fn kill_hard(mut self) {
        self.child.kill().expect("the process is killed");
        self.child.wait().expect("the killed process is reaped");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn count(seed: &TestApp, sql: &str) -> i64 {
    let mut conn = seed.app.db.conn().await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_one(&mut *conn)
        .await
        .unwrap()
        .try_get(0)
        .unwrap()
}

/// Clocks that fell due three days ago, so every grade of their warnings is due at once.
async fn start_overdue_clocks(seed: &TestApp, how_many: usize) {
    let now = seed.app.now();
    let region = DivisionCode::parse("350521").unwrap();
    let mut tx = seed.app.db.begin().await.unwrap();
    for n in 0..how_many {
        let id = format!("cluster-{n}");
        let start = deadlines::Start {
            object_type: "test",
            object_id: &id,
            kind: "test.overdue",
            label: "双机预警验证",
            region: &region,
            side: deadlines::Side::Government,
            limit: Limit {
                unit: LimitUnit::CalendarDays,
                amount: 1,
            },
            org_id: None,
        };
        let due = now - chrono::Duration::days(3);
        deadlines::start_until(
            &mut tx,
            &seed.app,
            start,
            due,
            now - chrono::Duration::days(4),
        )
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
}

const FIRED: &str = "SELECT COUNT(*) FROM deadline_warning WHERE fired_at IS NOT NULL";
const FIRED_AUDITED: &str =
    "SELECT COUNT(*) FROM audit_entry WHERE action = 'deadline.warning_fired'";

#[tokio::test]
async fn two_server_processes_on_one_database_behave_as_one_platform() {
    let seed = TestApp::spawn().await;
    start_overdue_clocks(&seed, 30).await;
    let (fired_before, audited_before) =
        (count(&seed, FIRED).await, count(&seed, FIRED_AUDITED).await);
    let (one, two) = tokio::join!(Server::start(&seed.db_url), Server::start(&seed.db_url));
    let (one, two) = (one.as_test_app(&seed), two.as_test_app(&seed));

    // A session opened through one process is good on the other.
    let lead = one.login("lead").await;
    let lead_on_two = crate::helpers::Session {
        client: lead.client.clone(),
        base: two.base.clone(),
        csrf: lead.csrf.clone(),
        me: lead.me.clone(),
    };
    let me: Value = lead_on_two
        .get("/api/v1/auth/me")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["username"], "lead", "{me}");

    // A policy published through one process is found by the other's search at once.
    let input = policy_input(
        &definition("qq-cluster", "双机检索验证政策", "apply", "350521", "1000"),
        None,
    );
    let id = publish_input(&one, &input).await;
    assert_eq!(ids(&search(None, &two, "q=双机检索验证").await), [id]);

    // Both processes run their background rounds every second against the same due warnings:
    // each warning fires once (one audit entry each), and the checkpoints both sign verify.
    tokio::time::sleep(Duration::from_secs(4)).await;
    let fired = count(&seed, FIRED).await - fired_before;
    let audited = count(&seed, FIRED_AUDITED).await - audited_before;
    assert_eq!(fired, 30 * 4, "every grade of every overdue clock fired");
    assert_eq!(audited, fired, "a warning was fired by both processes");
    let verified = audit_log::verify(&seed.app).await.unwrap();
    assert!(verified.is_ok(), "{verified:?}");
    assert!(count(&seed, "SELECT COUNT(*) FROM audit_checkpoint").await > 0);
}
