//! Open311 GeoReport v2: services and requests in JSON and XML with the standard's field
//! names, API keys, and the standard's error format.

use crate::helpers::TestApp;
use quick_xml::Reader;
use quick_xml::events::Event;
use reqwest::StatusCode;
use serde_json::{Value, json};

const SERVICE_FIELDS: [&str; 7] = [
    "service_code",
    "service_name",
    "description",
    "metadata",
    "type",
    "keywords",
    "group",
];
const REQUEST_FIELDS: [&str; 17] = [
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
];

/// The XML as (path of element names, text) for every leaf, e.g. ("services/service/group", "咨询").
fn leaves_of(xml: &str) -> Vec<(String, String)> {
    let mut reader = Reader::from_str(xml);
    let (mut path, mut out, mut text) = (Vec::<String>::new(), Vec::new(), String::new());
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(e) => {
                path.push(AsRef::<str>::as_ref(&e.name()).to_string());
                text.clear();
            }
            Event::Text(t) => text.push_str(&t.xml10_content()),
            Event::End(_) => {
                let joined = path.join("/");
                if !out
                    .iter()
                    .any(|(p, _): &(String, String)| p.starts_with(&format!("{joined}/")))
                {
                    out.push((joined, std::mem::take(&mut text)));
                }
                path.pop();
            }
            Event::Eof => break,
            _ => {}
        }
    }
    out
}

/// The child element names of the first `item` under the root.
fn fields_of(leaves: &[(String, String)], prefix: &str) -> Vec<String> {
    let mut names = Vec::new();
    for (path, _) in leaves {
        if let Some(rest) = path.strip_prefix(prefix) {
            let name = rest.split('/').next().unwrap().to_string();
            if names.contains(&name) {
                break;
            }
            names.push(name);
        }
    }
    names
}

/// The routes of the request tests and a key for a client; returns the key.
async fn with_key(app: &TestApp) -> String {
    let admin = app.login("admin").await;
    let orgs: Value = admin
        .get("/api/v1/organisations")
        .await
        .json()
        .await
        .unwrap();
    let industry = orgs
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["name"] == "工业和信息化局")
        .unwrap()["id"]
        .clone();
    let routes = json!([{ "category": "policy", "org_id": industry }]);
    let res = admin.put("/api/v1/admin/request-routes", &routes).await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = admin
        .post(
            "/api/v1/admin/api-keys",
            &json!({ "name": "12345 热线平台" }),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let issued: Value = res.json().await.unwrap();
    let listed: Value = admin
        .get("/api/v1/admin/api-keys")
        .await
        .json()
        .await
        .unwrap();
    assert!(
        !listed
            .to_string()
            .contains(issued["api_key"].as_str().unwrap()),
        "shown once"
    );
    issued["api_key"].as_str().unwrap().to_string()
}

async fn post_form(app: &TestApp, ext: &str, form: &[(&str, &str)]) -> reqwest::Response {
    app.anonymous()
        .post(app.url(&format!("/open311/v2/requests.{ext}")))
        .form(form)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn services_carry_the_georeport_fields_in_json_and_xml() {
    let app = TestApp::spawn().await;
    let client = app.anonymous();
    let json: Value = client
        .get(app.url("/open311/v2/services.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let first = json.as_array().unwrap()[0].as_object().unwrap();
    let keys: Vec<&str> = first.keys().map(String::as_str).collect();
    for f in SERVICE_FIELDS {
        assert!(keys.contains(&f), "{f} in {keys:?}");
    }
    assert_eq!(first["service_code"], "policy");
    assert_eq!(first["metadata"], true);

    let xml = client
        .get(app.url("/open311/v2/services.xml"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let leaves = leaves_of(&xml);
    assert_eq!(fields_of(&leaves, "services/service/"), SERVICE_FIELDS);
    assert!(leaves.contains(&("services/service/service_name".into(), "政策咨询".into())));

    let definition = client
        .get(app.url("/open311/v2/services/finance.xml"))
        .send()
        .await
        .unwrap();
    assert_eq!(definition.status(), StatusCode::OK);
    let leaves = leaves_of(&definition.text().await.unwrap());
    assert!(leaves.contains(&(
        "service_definition/attributes/attribute/code".into(),
        "credit_code".into()
    )));
    let unknown = client
        .get(app.url("/open311/v2/services/nope.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    let body: Value = unknown.json().await.unwrap();
    assert_eq!(body[0]["code"], 404);
    assert!(body[0]["description"].is_string());
}

#[tokio::test]
async fn a_request_filed_with_a_key_is_routed_and_readable_in_both_formats() {
    let app = TestApp::spawn().await;
    let key = with_key(&app).await;
    let enterprise = app.login("enterprise").await;
    let code = enterprise.first_enterprise();
    let form = [
        ("api_key", key.as_str()),
        ("service_code", "policy"),
        ("description", "企业咨询研发费用补助"),
        ("address_string", "东园镇工业区 8 号"),
        ("lat", "24.93"),
        ("long", "118.76"),
        ("first_name", "三"),
        ("last_name", "张"),
        ("phone", "13800000000"),
        ("attribute[credit_code]", code.as_str()),
    ];
    let res = post_form(&app, "json", &form).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let created: Value = res.json().await.unwrap();
    let id = created[0]["service_request_id"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(id.starts_with("SQ"));

    let client = app.anonymous();
    let one: Value = client
        .get(app.url(&format!("/open311/v2/requests/{id}.json?api_key={key}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let r = one[0].as_object().unwrap();
    for f in REQUEST_FIELDS {
        assert!(r.contains_key(f), "{f} in {r:?}");
    }
    assert_eq!(r["status"], "open");
    assert_eq!(r["agency_responsible"], "工业和信息化局");
    assert_eq!(r["address"], "东园镇工业区 8 号");
    assert_eq!(r["long"], "118.76");
    assert!(chrono::DateTime::parse_from_rfc3339(r["expected_datetime"].as_str().unwrap()).is_ok());

    let xml = client
        .get(app.url(&format!(
            "/open311/v2/requests.xml?api_key={key}&service_code=policy&status=open"
        )))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let leaves = leaves_of(&xml);
    assert_eq!(
        fields_of(&leaves, "service_requests/request/"),
        REQUEST_FIELDS
    );
    assert!(leaves.contains(&(
        "service_requests/request/service_request_id".into(),
        id.clone()
    )));
    let closed: Value = client
        .get(app.url(&format!(
            "/open311/v2/requests.json?api_key={key}&status=closed"
        )))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(closed, json!([]));

    // Staff see it in their queue, filed through Open311 under the key's name.
    let handler = app.login("handler").await;
    let seen: Value = handler
        .get(&format!("/api/v1/requests/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(seen["channel"], "open311");
    assert_eq!(seen["source_ref"], "12345 热线平台");
}

#[tokio::test]
async fn bad_open311_input_gets_the_standards_errors() {
    let app = TestApp::spawn().await;
    let key = with_key(&app).await;
    let enterprise = app.login("enterprise").await;
    let code = enterprise.first_enterprise();
    let base = |key: &str| {
        vec![
            ("service_code", "policy".to_string()),
            ("description", "问政策".to_string()),
            ("address_string", "东园镇".to_string()),
            ("attribute[credit_code]", code.clone()),
            ("api_key", key.to_string()),
        ]
    };
    let send = |form: Vec<(&'static str, String)>, ext: &'static str| {
        let app = &app;
        async move {
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            post_form(app, ext, &form).await
        }
    };
    let before = app.audit_count().await;
    // No key, and a wrong key: 403 in JSON and XML.
    let mut no_key = base("");
    no_key.retain(|(k, _)| *k != "api_key");
    let res = send(no_key, "json").await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body[0]["code"], 403);
    let res = send(base("qq311_wrong"), "xml").await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let leaves = leaves_of(&res.text().await.unwrap());
    assert_eq!(
        leaves[0],
        ("errors/error/code".to_string(), "403".to_string())
    );
    assert_eq!(leaves[1].0, "errors/error/description");

    // Unknown service code and a missing enterprise: 400.
    let mut unknown = base(&key);
    unknown[0].1 = "nope".into();
    let res = send(unknown, "json").await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body[0]["code"], 400);
    let mut nobody = base(&key);
    nobody.retain(|(k, _)| *k != "attribute[credit_code]");
    let res = send(nobody, "xml").await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res.text().await.unwrap().contains("<code>400</code>"));
    let mut nowhere = base(&key);
    nowhere.retain(|(k, _)| *k != "address_string");
    assert_eq!(
        send(nowhere, "json").await.status(),
        StatusCode::BAD_REQUEST
    );
    assert_eq!(app.audit_count().await, before, "nothing was filed");

    // Reading needs the key; an unknown request is 404.
    let client = app.anonymous();
    let res = client
        .get(app.url("/open311/v2/requests.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = client
        .get(app.url(&format!("/open311/v2/requests/SQ0.xml?api_key={key}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);

    // A revoked key stops working.
    let admin = app.login("admin").await;
    let keys: Value = admin
        .get("/api/v1/admin/api-keys")
        .await
        .json()
        .await
        .unwrap();
    let id = keys[0]["id"].as_i64().unwrap();
    assert_eq!(
        admin
            .delete(&format!("/api/v1/admin/api-keys/{id}"))
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        send(base(&key), "json").await.status(),
        StatusCode::FORBIDDEN
    );
    let lead = app.login("lead").await;
    assert_eq!(
        lead.get("/api/v1/admin/api-keys").await.status(),
        StatusCode::FORBIDDEN
    );
}
