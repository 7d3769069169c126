//! The enterprise's application form as a person uses it (one multipart form with its
//! materials inside), who may read an application's trail, and the 站内信 that link to their
//! item: the enterprise is told when its 诉求 is answered.

use crate::helpers::{Session, TestApp};
use crate::requests::{ok, own_request, path, second_handler, set_routes};
use reqwest::StatusCode;
use serde_json::{Value, json};

const P7: &str = "p7-rd-investment";
const P7_MATERIAL: &str = "研发费用加计扣除申报表(以承诺代替)";
const PDF: &[u8] = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n";

/// Posts the application form as the browser does (multipart), with `fields` and, when given,
/// a file; returns the response (a redirect when the step went through).
async fn post_form(
    firm: &Session,
    fields: &[(&str, &str)],
    file: Option<(&str, &[u8])>,
) -> reqwest::Response {
    post_form_to(firm, P7, fields, file).await
}

/// [`post_form`] for another policy's form.
pub async fn post_form_to(
    firm: &Session,
    policy: &str,
    fields: &[(&str, &str)],
    file: Option<(&str, &[u8])>,
) -> reqwest::Response {
    let code = firm.first_enterprise();
    let mut form = reqwest::multipart::Form::new()
        .text("_csrf", firm.csrf.clone())
        .text("policy", policy.to_string())
        .text("code", code);
    for (name, value) in fields {
        form = form.text(name.to_string(), value.to_string());
    }
    if let Some((name, bytes)) = file {
        let part = reqwest::multipart::Part::bytes(bytes.to_vec()).file_name(name.to_string());
        form = form.part("file", part);
    }
    firm.client
        .post(format!("{}/applications/new", firm.base))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

/// Where a redirect goes.
pub fn location(res: &reqwest::Response) -> String {
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "the step went through");
    res.headers()["location"].to_str().unwrap().to_string()
}

/// The receipt number in the form's address after a step kept on the form.
pub fn receipt_in(address: &str) -> String {
    let start = address
        .find("receipt=")
        .expect("the form carries on an application")
        + 8;
    address[start..]
        .split(['&', '#'])
        .next()
        .unwrap()
        .to_string()
}

async fn application(session: &Session, receipt: &str) -> Value {
    ok(session
        .get(&format!("/api/v1/applications/{receipt}"))
        .await)
    .await
}

async fn page(session: &Session, path: &str) -> (StatusCode, String) {
    let res = session.get(path).await;
    (res.status(), res.text().await.unwrap())
}

#[tokio::test]
async fn a_file_chosen_before_the_first_save_makes_the_draft_that_keeps_it_and_everything_typed() {
    let app = TestApp::spawn().await;
    let firm = app.login("enterprise").await;
    let fields = [
        ("submit_key", "form-upload-1"),
        ("intent", "upload"),
        ("fact_rd_expense@2025", "4000000"),
        ("pledge_integrity", "on"),
        ("label", P7_MATERIAL),
    ];
    let res = post_form(&firm, &fields, Some(("加计扣除申报表.pdf", PDF))).await;
    let address = location(&res);
    assert!(address.contains("done=uploaded"), "{address}");
    let receipt = receipt_in(&address);

    let draft = application(&firm, &receipt).await;
    assert_eq!(draft["status"], "draft");
    assert_eq!(draft["facts"][0]["key"], "rd_expense@2025");
    assert_eq!(draft["facts"][0]["value"], "4000000");
    assert_eq!(draft["facts_shown"][0]["label"], "2025年研发费用");
    assert_eq!(draft["facts_shown"][0]["value"], "400 万元");
    assert_eq!(draft["pledges"][0]["key"], "integrity");
    let files: Value = ok(firm
        .get(&format!("/api/v1/applications/{receipt}/materials"))
        .await)
    .await;
    assert_eq!(files["files"][0]["file_name"], "加计扣除申报表.pdf");

    // Reopened, the draft is 继续申报 (not 补正申报) with the figure, the tick and the file.
    let (status, html) = page(&firm, &address.replace("#materials", "")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("继续申报:"), "a draft carries on");
    assert!(!html.contains("补正申报"), "a draft is no 补正");
    assert!(html.contains(r#"value="4000000""#), "the figure is kept");
    assert!(
        html.contains(r#"name="pledge_integrity" value="on" checked"#),
        "the tick is kept"
    );
    assert!(html.contains("加计扣除申报表.pdf"));
    assert!(html.contains("材料已上传,草稿已保存"));

    // Saved again with a changed figure, the draft holds the new one and stays a draft.
    let again = [
        ("receipt", receipt.as_str()),
        ("intent", "draft"),
        ("fact_rd_expense@2025", "4200000"),
        ("pledge_integrity", "on"),
    ];
    let address = location(&post_form(&firm, &again, None).await);
    assert!(address.contains("done=saved"), "{address}");
    let draft = application(&firm, &receipt).await;
    assert_eq!(draft["status"], "draft");
    assert_eq!(draft["facts"][0]["value"], "4200000");
    assert_eq!(draft["progress"][0]["state"], "current");
    assert_eq!(draft["progress"][0]["note"], "草稿待提交");
}

#[tokio::test]
async fn a_file_without_its_form_saved_is_refused_on_the_form_with_everything_kept() {
    let app = TestApp::spawn().await;
    let firm = app.login("enterprise").await;
    let fields = [
        ("intent", "upload"),
        ("fact_rd_expense@2025", "4000000"),
        ("label", P7_MATERIAL),
    ];
    let res = post_form(&firm, &fields, Some(("假.pdf", b"<html></html>"))).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("只能上传 PDF、JPG、PNG 或 OFD 文件"),
        "{html}"
    );
    assert!(
        html.contains(r#"value="4000000""#),
        "the figure typed is kept"
    );
    // The draft made to hold the file keeps the figure; the refused file is not stored.
    assert!(html.contains("继续申报:"));
    let mine: Value = ok(firm
        .get(&format!(
            "/api/v1/enterprises/{}/applications",
            firm.first_enterprise()
        ))
        .await)
    .await;
    let draft = mine
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["policy_id"] == P7 && a["status"] == "draft")
        .expect("the draft holds the form");
    assert_eq!(draft["facts"][0]["value"], "4000000");
}

#[tokio::test]
async fn an_applications_trail_is_read_by_the_enterprise_and_the_departments_handling_it() {
    let app = TestApp::spawn().await;
    let firm = app.login("enterprise").await;
    let fields = [("intent", "draft"), ("fact_rd_expense@2025", "4000000")];
    let receipt = receipt_in(&location(&post_form(&firm, &fields, None).await));
    let trail = format!("/trace/application/{receipt}");
    let link = "查看留痕与时限";

    // 商务局 may see the application by its region but does not handle it.
    let other = second_handler(&app, "商务局(招商局)").await;
    let (status, html) = page(&other, &format!("/applications/{receipt}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!html.contains(link), "no link to a trail it may not read");
    assert_eq!(other.get(&trail).await.status(), StatusCode::FORBIDDEN);

    // The enterprise, the policy's department (its reviewer and lead), the department of the
    // second stage, finance and supervisors: the link is shown and opens.
    for who in [
        "enterprise",
        "reviewer1",
        "lead",
        "reviewer2",
        "finance",
        "discipline",
    ] {
        let session = app.login(who).await;
        let (status, html) = page(&session, &format!("/applications/{receipt}")).await;
        assert_eq!(status, StatusCode::OK, "{who} sees the application");
        assert!(html.contains(link), "{who} is shown the trail link");
        let (status, html) = page(&session, &trail).await;
        assert_eq!(status, StatusCode::OK, "{who} reads the trail");
        assert!(
            html.contains("保存申报草稿"),
            "{who} reads the draft's entry"
        );
    }
    // The bank is not shown the application at all.
    let bank = app.login("bank").await;
    assert_ne!(bank.get(&trail).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn the_enterprise_is_told_with_a_link_when_its_request_is_answered() {
    let app = TestApp::spawn().await;
    set_routes(&app).await;
    let (enterprise, request) = own_request(&app, "policy").await;
    let receipt = request["receipt_no"].as_str().unwrap();
    let handler = app.login("handler").await;
    ok(handler.post(&path(&request, "/accept"), &json!({})).await).await;
    let reply = json!({ "reply": "已电话说明:按平台指引申报即可,材料只需研发台账。" });
    ok(handler.post(&path(&request, "/reply"), &reply).await).await;

    let inbox: Value = ok(enterprise.get("/api/v1/messages").await).await;
    let told: Vec<&Value> = inbox["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| {
            m["template"] == "request_replied" && m["body"].as_str().unwrap().contains(receipt)
        })
        .collect();
    assert_eq!(told.len(), 1, "told once: {inbox}");
    assert_eq!(told[0]["subject"], "诉求已答复");
    assert_eq!(told[0]["kind"], "诉求答复");
    assert_eq!(told[0]["link"], format!("/requests/{receipt}"));
    assert!(
        told[0]["body"]
            .as_str()
            .unwrap()
            .contains("按平台指引申报即可")
    );
    let (status, _) = page(&enterprise, told[0]["link"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::OK, "the link opens for the enterprise");

    // The department's own inbox holds no such message.
    let theirs: Value = ok(handler.get("/api/v1/messages").await).await;
    assert!(
        theirs["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["template"] != "request_replied")
    );
}
