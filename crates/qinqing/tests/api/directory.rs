//! The organisation tree and accounts: who may change them, the rules of the tree, sessions that
//! end with a deactivated account, and imports that are all or nothing.

use crate::helpers::{Session, TestApp, assert_error};
use qinqing_exchange::table::{Cell, Table, write_table_xlsx};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn orgs(session: &Session) -> Vec<Value> {
    let res = session.get("/api/v1/organisations").await;
    assert_eq!(res.status(), StatusCode::OK);
    res.json::<Vec<Value>>().await.unwrap()
}

async fn org(session: &Session, name: &str) -> Value {
    orgs(session)
        .await
        .into_iter()
        .find(|o| o["name"] == name)
        .unwrap_or_else(|| panic!("no organisation {name}"))
}

async fn org_id(session: &Session, name: &str) -> i64 {
    org(session, name).await["id"].as_i64().unwrap()
}

fn new_org(name: &str, kind: &str, parent: Option<i64>) -> Value {
    json!({ "name": name, "kind": kind, "parent_id": parent })
}

async fn user_id(admin: &Session, username: &str) -> i64 {
    let users: Vec<Value> = admin.get("/api/v1/admin/users").await.json().await.unwrap();
    users.iter().find(|u| u["username"] == username).unwrap()["id"]
        .as_i64()
        .unwrap()
}

#[tokio::test]
async fn the_admin_creates_renames_moves_and_deactivates_an_organisation_each_audited() {
    let app = TestApp::spawn().await;
    let admin = app.login("admin").await;
    let district = org_id(&admin, "泉州台商投资区").await;
    let town = org_id(&admin, "东园镇").await;
    let audit_before = app.audit_count().await;

    let res = admin
        .post(
            "/api/v1/organisations",
            &new_org("统计局", "department", Some(district)),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let id = res.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let created = org(&admin, "统计局").await;
    assert_eq!(created["kind"], "department");
    assert_eq!(
        created["division_code"], "350521",
        "a department covers its parent's division"
    );

    let path = format!("/api/v1/organisations/{id}/rename");
    let res = admin.post(&path, &json!({ "name": "发展改革局" })).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let path = format!("/api/v1/organisations/{id}/move");
    let res = admin.post(&path, &json!({ "parent_id": town })).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let moved = org(&admin, "发展改革局").await;
    assert_eq!(moved["parent_id"], town);
    assert_eq!(
        moved["division_code"], "350521101",
        "it now covers the town"
    );

    let path = format!("/api/v1/organisations/{id}/deactivate");
    let res = admin.post(&path, &json!({})).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(org(&admin, "发展改革局").await["active"], false);
    assert_eq!(app.audit_count().await, audit_before + 4);
    let res = admin.post(&path, &json!({})).await;
    assert_error(res, StatusCode::CONFLICT, "conflict", None).await;

    // A deactivated organisation takes no new account.
    let account = json!({ "username": "gaige1", "display_name": "王改革", "org_id": id,
        "role": "handler", "password": "Start2026ok" });
    let res = admin.post("/api/v1/admin/users", &account).await;
    assert_error(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("org_id"),
    )
    .await;
}

#[tokio::test]
async fn every_kind_of_the_tree_can_be_created_under_its_own_parent() {
    let app = TestApp::spawn().await;
    let admin = app.login("admin").await;
    let district = org_id(&admin, "泉州台商投资区").await;
    for (name, kind) in [
        ("效能办公室", "efficiency_office"),
        ("招商办公室", "investment_office"),
        ("纪检监察室", "discipline_office"),
        ("政务服务中心", "service_centre"),
    ] {
        let res = admin
            .post(
                "/api/v1/organisations",
                &new_org(name, kind, Some(district)),
            )
            .await;
        assert_eq!(res.status(), StatusCode::CREATED, "{kind}");
    }
    let res = admin
        .post("/api/v1/organisations", &new_org("建设银行", "bank", None))
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let bank = res.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let res = admin
        .post(
            "/api/v1/organisations",
            &new_org("建设银行东园网点", "bank_branch", Some(bank)),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let town = json!({ "name": "新镇", "kind": "town", "parent_id": district, "division_code": "350521109" });
    assert_eq!(
        admin.post("/api/v1/organisations", &town).await.status(),
        StatusCode::CREATED
    );
    let new_town = org_id(&admin, "新镇").await;
    let village = json!({ "name": "新村", "kind": "village", "parent_id": new_town, "division_code": "350521109201" });
    assert_eq!(
        admin.post("/api/v1/organisations", &village).await.status(),
        StatusCode::CREATED
    );
    // Bank staff may sit in a branch; a handler may not.
    let branch = org_id(&admin, "建设银行东园网点").await;
    let staff = json!({ "username": "jianhang1", "display_name": "李建", "org_id": branch,
        "role": "bank_staff", "password": "Start2026ok" });
    assert_eq!(
        admin.post("/api/v1/admin/users", &staff).await.status(),
        StatusCode::CREATED
    );
    let wrong = json!({ "username": "jianhang2", "display_name": "李建", "org_id": branch,
        "role": "handler", "password": "Start2026ok" });
    let res = admin.post("/api/v1/admin/users", &wrong).await;
    assert_error(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("role"),
    )
    .await;
}

#[tokio::test]
async fn wrong_parents_cycles_duplicates_and_busy_organisations_are_refused() {
    let app = TestApp::spawn().await;
    let admin = app.login("admin").await;
    let district = org_id(&admin, "泉州台商投资区").await;
    let town = org_id(&admin, "东园镇").await;
    let village = org_id(&admin, "东园村").await;
    let finance = org_id(&admin, "财政局").await;
    let bank = org_id(&admin, qinqing_kernel::demo::BANK).await;
    let audit_before = app.audit_count().await;

    for body in [
        new_org("某银行", "bank", Some(town)),
        new_org("某网点", "bank_branch", Some(district)),
        new_org("某科室", "department", Some(finance)),
        new_org("某部门", "department", Some(village)),
        new_org("某部门", "department", None),
        json!({ "name": "外区镇", "kind": "town", "parent_id": district, "division_code": "350522101" }),
        json!({ "name": "无码镇", "kind": "town", "parent_id": district }),
    ] {
        let res = admin.post("/api/v1/organisations", &body).await;
        let field = if body["kind"] == "town" {
            "division_code"
        } else {
            "parent_id"
        };
        assert_error(
            res,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            Some(field),
        )
        .await;
    }
    let res = admin
        .post(
            "/api/v1/organisations",
            &new_org("科室", "court", Some(district)),
        )
        .await;
    assert_error(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("kind"),
    )
    .await;
    let res = admin
        .post(
            "/api/v1/organisations",
            &new_org("财政局", "department", Some(district)),
        )
        .await;
    assert_error(res, StatusCode::CONFLICT, "conflict", Some("name")).await;
    let twin = json!({ "name": "另一个东园镇", "kind": "town", "parent_id": district, "division_code": "350521101" });
    let res = admin.post("/api/v1/organisations", &twin).await;
    assert_error(res, StatusCode::CONFLICT, "conflict", Some("division_code")).await;

    // Moves: under its own village (a cycle), a department under a bank, a town under a town.
    let moves = [
        (town, json!({ "parent_id": village })),
        (finance, json!({ "parent_id": bank })),
        (district, json!({ "parent_id": town })),
        (finance, json!({ "parent_id": finance })),
    ];
    for (id, body) in moves {
        let res = admin
            .post(&format!("/api/v1/organisations/{id}/move"), &body)
            .await;
        assert_error(
            res,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            Some("parent_id"),
        )
        .await;
    }
    let res = admin
        .post(
            &format!("/api/v1/organisations/{finance}/rename"),
            &json!({ "name": "科技局" }),
        )
        .await;
    assert_error(res, StatusCode::CONFLICT, "conflict", Some("name")).await;

    // Deactivating what still has accounts or children says what is left.
    let res = admin
        .post(
            &format!("/api/v1/organisations/{finance}/deactivate"),
            &json!({}),
        )
        .await;
    let body = assert_error(res, StatusCode::CONFLICT, "conflict", None).await;
    assert!(
        body["message"].as_str().unwrap().contains("在用账户"),
        "{body}"
    );
    let res = admin
        .post(
            &format!("/api/v1/organisations/{town}/deactivate"),
            &json!({}),
        )
        .await;
    let body = assert_error(res, StatusCode::CONFLICT, "conflict", None).await;
    assert!(
        body["message"].as_str().unwrap().contains("下级组织"),
        "{body}"
    );
    assert_eq!(app.audit_count().await, audit_before, "nothing changed");
}

#[tokio::test]
async fn only_the_administrator_changes_the_tree_and_the_accounts() {
    let app = TestApp::spawn().await;
    let admin = app.login("admin").await;
    let district = org_id(&admin, "泉州台商投资区").await;
    let finance = org_id(&admin, "财政局").await;
    let handler_id = user_id(&admin, "handler").await;
    for username in ["lead", "handler", "town", "discipline", "bank"] {
        let s = app.login(username).await;
        let res = s
            .post(
                "/api/v1/organisations",
                &new_org("某银行", "bank", Some(district)),
            )
            .await;
        assert_error(res, StatusCode::FORBIDDEN, "forbidden", None).await;
        let res = s
            .post(
                &format!("/api/v1/organisations/{finance}/rename"),
                &json!({ "name": "x局" }),
            )
            .await;
        assert_error(res, StatusCode::FORBIDDEN, "forbidden", None).await;
        let res = s
            .post(
                &format!("/api/v1/organisations/{finance}/deactivate"),
                &json!({}),
            )
            .await;
        assert_error(res, StatusCode::FORBIDDEN, "forbidden", None).await;
        let res = s
            .post(
                &format!("/api/v1/admin/users/{handler_id}/role"),
                &json!({ "role": "admin" }),
            )
            .await;
        assert_error(res, StatusCode::FORBIDDEN, "forbidden", None).await;
        let res = s
            .post(
                &format!("/api/v1/admin/users/{handler_id}/deactivate"),
                &json!({}),
            )
            .await;
        assert_error(res, StatusCode::FORBIDDEN, "forbidden", None).await;
        let csv = "组织名称,组织类型,上级组织\n某部门,部门,泉州台商投资区\n";
        let res = s
            .upload(
                "/api/v1/organisations/import",
                "orgs.csv",
                csv.as_bytes().to_vec(),
            )
            .await;
        assert_error(res, StatusCode::FORBIDDEN, "forbidden", None).await;
    }
    assert!(orgs(&admin).await.iter().all(|o| o["name"] != "某银行"));
}

#[tokio::test]
async fn a_role_changes_only_to_one_that_fits_and_never_ones_own() {
    let app = TestApp::spawn().await;
    let admin = app.login("admin").await;
    let handler = user_id(&admin, "handler").await;
    let path = format!("/api/v1/admin/users/{handler}/role");
    let res = admin.post(&path, &json!({ "role": "初审人" })).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let me = app.login("handler").await.me;
    assert_eq!(me["role_label"], "初审人");
    let res = admin.post(&path, &json!({ "role": "bank_staff" })).await;
    assert_error(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("role"),
    )
    .await;
    let res = admin
        .post(&path, &json!({ "role": "enterprise_user" }))
        .await;
    assert_error(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("role"),
    )
    .await;
    let own = user_id(&admin, "admin").await;
    let res = admin
        .post(
            &format!("/api/v1/admin/users/{own}/role"),
            &json!({ "role": "handler" }),
        )
        .await;
    assert_error(res, StatusCode::CONFLICT, "conflict", None).await;
}

#[tokio::test]
async fn a_deactivated_account_is_logged_out_at_once_and_cannot_log_in() {
    let app = TestApp::spawn().await;
    let admin = app.login("admin").await;
    let handler = app.login("handler").await;
    assert_eq!(
        handler.get("/api/v1/auth/me").await.status(),
        StatusCode::OK
    );
    let id = user_id(&admin, "handler").await;
    let res = admin
        .post(&format!("/api/v1/admin/users/{id}/deactivate"), &json!({}))
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        handler.get("/api/v1/auth/me").await.status(),
        StatusCode::UNAUTHORIZED
    );
    let res = app
        .anonymous()
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({ "username": "handler", "password": qinqing_kernel::demo::DEMO_PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // Its organisation keeps one fewer account in use.
    let users: Vec<Value> = admin.get("/api/v1/admin/users").await.json().await.unwrap();
    let row = users.iter().find(|u| u["username"] == "handler").unwrap();
    assert_eq!(row["disabled"], true);
}

#[tokio::test]
async fn after_a_reset_nothing_but_the_password_change_works() {
    let app = TestApp::spawn().await;
    let admin = app.login("admin").await;
    let id = user_id(&admin, "finance").await;
    let res = admin
        .post(
            &format!("/api/v1/admin/users/{id}/reset-password"),
            &json!({ "password": "Temp2026ok" }),
        )
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let finance = app.login_with("finance", "Temp2026ok").await;
    assert_eq!(finance.me["must_change_password"], true);
    let res = finance.get("/api/v1/enterprises").await;
    let body = assert_error(res, StatusCode::FORBIDDEN, "password_change_required", None).await;
    assert!(
        body["message"].as_str().unwrap().contains("临时密码"),
        "{body}"
    );
    // The page flow: login lands on the password page, which says why.
    let client = app.anonymous();
    let page = client.get(app.url("/login")).send().await.unwrap();
    let csrf = page
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| c.strip_prefix("qq_csrf="))
        .map(|c| c.split(';').next().unwrap().to_string())
        .unwrap();
    let res = client
        .post(app.url("/login"))
        .form(&[
            ("username", "finance"),
            ("password", "Temp2026ok"),
            ("next", "/workbench"),
            ("_csrf", &csrf),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["location"], "/password");
    let res = client.get(app.url("/workbench")).send().await.unwrap();
    assert_eq!(res.headers()["location"], "/password");
    let html = client
        .get(app.url("/password"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("临时密码"), "the page says why");
}

fn xlsx(headers: &[&str], rows: &[&[&str]]) -> Vec<u8> {
    let table = Table {
        title: "组织".into(),
        headers: headers.iter().map(|h| h.to_string()).collect(),
        rows: rows
            .iter()
            .map(|r| r.iter().map(|v| Cell::Text(v.to_string())).collect())
            .collect(),
    };
    write_table_xlsx(&[table]).unwrap()
}

#[tokio::test]
async fn organisations_and_accounts_import_from_a_file_in_one_go() {
    let app = TestApp::spawn().await;
    let admin = app.login("admin").await;
    let orgs_file = xlsx(
        &["组织名称", "组织类型", "上级组织", "区划代码"],
        &[
            &["兴业银行", "银行", "", ""],
            &["兴业银行东园网点", "银行网点", "兴业银行", ""],
            &["应急管理局", "部门", "泉州台商投资区", ""],
            &["新建镇", "镇(街道)", "泉州台商投资区", "350521110"],
        ],
    );
    let res = admin
        .upload("/api/v1/organisations/import", "orgs.xlsx", orgs_file)
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.json::<Value>().await.unwrap()["rows"], 4);
    assert_eq!(org(&admin, "兴业银行东园网点").await["kind"], "bank_branch");
    assert_eq!(org(&admin, "新建镇").await["division_code"], "350521110");

    let accounts = "用户名,姓名,手机号,所在组织,角色,临时密码\n\
                    yingji1,陈应急,13800000001,应急管理局,经办人,Start2026ok\n\
                    xingye1,林兴业,,兴业银行东园网点,bank_staff,Start2026ok\n";
    let res = admin
        .upload(
            "/api/v1/admin/users/import",
            "accounts.csv",
            accounts.as_bytes().to_vec(),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let s = app.login_with("yingji1", "Start2026ok").await;
    assert_eq!(s.me["must_change_password"], true);
    assert_eq!(s.me["role_label"], "经办人");
}

#[tokio::test]
async fn a_file_with_any_wrong_row_imports_nothing_and_names_every_row_and_column() {
    let app = TestApp::spawn().await;
    let admin = app.login("admin").await;
    let before = orgs(&admin).await.len();
    let audit_before = app.audit_count().await;
    let file = "组织名称,组织类型,上级组织,区划代码\n\
                审计局,部门,泉州台商投资区,\n\
                某网点,银行网点,泉州台商投资区,\n\
                某科,科室,泉州台商投资区,\n\
                某所,部门,不存在的上级,\n\
                审计局,部门,泉州台商投资区,\n";
    let res = admin
        .upload(
            "/api/v1/organisations/import",
            "orgs.csv",
            file.as_bytes().to_vec(),
        )
        .await;
    let body = assert_error(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "import_rejected",
        None,
    )
    .await;
    let bad: Vec<(i64, &str)> = body["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["row"].as_i64().unwrap(), r["column"].as_str().unwrap()))
        .collect();
    assert_eq!(
        bad,
        [(3, "parent"), (4, "kind"), (5, "parent"), (6, "name")]
    );
    assert_eq!(
        orgs(&admin).await.len(),
        before,
        "the good first row was not kept"
    );
    assert_eq!(app.audit_count().await, audit_before);

    let accounts = "用户名,姓名,所在组织,角色,临时密码\n\
                    ok.user,张好,财政局,经办人,Start2026ok\n\
                    handler,重名,财政局,经办人,Start2026ok\n\
                    bad.role,李错,财政局,银行工作人员,Start2026ok\n\
                    weak.pw,王弱,财政局,经办人,short\n\
                    ok.user,张好,财政局,经办人,Start2026ok\n";
    let res = admin
        .upload(
            "/api/v1/admin/users/import",
            "accounts.csv",
            accounts.as_bytes().to_vec(),
        )
        .await;
    let body = assert_error(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "import_rejected",
        None,
    )
    .await;
    let bad: Vec<(i64, &str)> = body["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["row"].as_i64().unwrap(), r["column"].as_str().unwrap()))
        .collect();
    assert_eq!(
        bad,
        [
            (3, "username"),
            (4, "role"),
            (5, "password"),
            (6, "username")
        ]
    );
    let users: Vec<Value> = admin.get("/api/v1/admin/users").await.json().await.unwrap();
    assert!(users.iter().all(|u| u["username"] != "ok.user"));
}

#[tokio::test]
async fn templates_download_in_both_formats_and_read_back() {
    let app = TestApp::spawn().await;
    let admin = app.login("admin").await;
    let res = admin
        .get("/api/v1/organisations/template?format=xlsx")
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains("spreadsheetml")
    );
    let res = admin.get("/api/v1/admin/users/template?format=csv").await;
    assert_eq!(res.status(), StatusCode::OK);
    let text = res.text().await.unwrap();
    assert!(
        text.trim_start_matches('\u{feff}')
            .starts_with("用户名,姓名,手机号,所在组织,角色,临时密码")
    );
    let res = admin.get("/api/v1/admin/users/template?format=pdf").await;
    assert_error(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("format"),
    )
    .await;
}
