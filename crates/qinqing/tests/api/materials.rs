//! An application's materials (申报材料): checked on upload, kept with the application, shown to
//! those who may see it, changeable only by the enterprise while the application is with it.

use crate::helpers::{Session, TestApp, assert_error};
use reqwest::StatusCode;
use serde_json::{Value, json};

const P7: &str = "p7-rd-investment";
const P7_MATERIAL: &str = "研发费用加计扣除申报表(以承诺代替)";
const PDF: &[u8] = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n";

/// A p7 draft of the demo enterprise; returns its receipt number.
async fn draft(firm: &Session) -> String {
    let code = firm.me["enterprises"][0].as_str().unwrap();
    let body = json!({ "policy": P7, "credit_code": code, "year": 2025, "draft": true });
    let res = firm.post("/api/v1/applications", &body).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let view: Value = res.json().await.unwrap();
    view["receipt_no"].as_str().unwrap().to_string()
}

async fn materials(session: &Session, receipt: &str) -> Value {
    let res = session
        .get(&format!("/api/v1/applications/{receipt}/materials"))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.unwrap()
}

async fn upload(
    session: &Session,
    receipt: &str,
    label: &str,
    name: &str,
    bytes: &[u8],
) -> reqwest::Response {
    session
        .upload_with(
            &format!("/api/v1/applications/{receipt}/materials"),
            &[("label", label)],
            name,
            bytes.to_vec(),
        )
        .await
}

#[tokio::test]
async fn the_enterprise_uploads_a_material_that_reviewers_can_preview() {
    let app = TestApp::spawn().await;
    let firm = app.login("enterprise").await;
    let receipt = draft(&firm).await;
    let before = materials(&firm, &receipt).await;
    assert_eq!(
        before["checklist"],
        json!([{ "label": P7_MATERIAL, "uploaded": false }])
    );
    assert_eq!(before["may_change"], true);

    let res = upload(&firm, &receipt, P7_MATERIAL, "加计扣除申报表.pdf", PDF).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let added: Value = res.json().await.unwrap();
    assert_eq!(added["file_name"], "加计扣除申报表.pdf");
    assert_eq!(added["content_type"], "application/pdf");
    assert_eq!(added["size_bytes"], PDF.len());
    assert_eq!(added["previewable"], true);
    let after = materials(&firm, &receipt).await;
    assert_eq!(after["checklist"][0]["uploaded"], true);
    assert_eq!(after["files"].as_array().unwrap().len(), 1);

    // The reviewer of the enterprise's region sees the file inline, exactly as uploaded.
    let reviewer = app.login("reviewer1").await;
    let id = added["id"].as_i64().unwrap();
    let res = reviewer
        .get(&format!("/api/v1/applications/{receipt}/materials/{id}"))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let header = |name: &str| res.headers()[name].to_str().unwrap().to_string();
    assert_eq!(header("content-type"), "application/pdf");
    assert_eq!(header("x-content-type-options"), "nosniff");
    assert!(
        header("content-disposition").starts_with("inline; filename*=UTF-8''%E5%8A%A0"),
        "{}",
        header("content-disposition")
    );
    assert_eq!(res.bytes().await.unwrap().as_ref(), PDF);
    // But the reviewer cannot add to or remove from the enterprise's materials.
    let res = upload(&reviewer, &receipt, "补充", "a.pdf", PDF).await;
    assert_error(res, StatusCode::FORBIDDEN, "forbidden", None).await;
    let res = reviewer
        .delete(&format!("/api/v1/applications/{receipt}/materials/{id}"))
        .await;
    assert_error(res, StatusCode::FORBIDDEN, "forbidden", None).await;
    // Bank staff see neither the list nor the file.
    let bank = app.login("bank").await;
    let res = bank
        .get(&format!("/api/v1/applications/{receipt}/materials/{id}"))
        .await;
    assert_error(res, StatusCode::NOT_FOUND, "not_found", None).await;
    let res = bank
        .get(&format!("/api/v1/applications/{receipt}/materials"))
        .await;
    assert_error(res, StatusCode::NOT_FOUND, "not_found", None).await;
}

#[tokio::test]
async fn a_disguised_or_unlabelled_file_is_refused_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    let firm = app.login("enterprise").await;
    let receipt = draft(&firm).await;
    let audit_before = app.audit_count().await;
    let cases: [(&str, &str, &[u8], &str); 4] = [
        (
            P7_MATERIAL,
            "申报表.pdf",
            b"<html><script>alert(1)</script>",
            "file",
        ),
        (P7_MATERIAL, "申报表.pdf", b"\x89PNG\r\n\x1a\n\0\0", "file"),
        (P7_MATERIAL, "申报表.pdf", b"", "file"),
        ("  ", "申报表.pdf", PDF, "label"),
    ];
    for (label, name, bytes, field) in cases {
        let res = upload(&firm, &receipt, label, name, bytes).await;
        assert_error(
            res,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            Some(field),
        )
        .await;
    }
    let mut big = PDF.to_vec();
    big.resize(10 * 1024 * 1024 + 1, b' ');
    let res = upload(&firm, &receipt, P7_MATERIAL, "申报表.pdf", &big).await;
    let body = assert_error(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("file"),
    )
    .await;
    assert!(
        body["message"].as_str().unwrap().contains("10 MB"),
        "{body}"
    );
    assert!(
        materials(&firm, &receipt).await["files"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_eq!(app.audit_count().await, audit_before);
}

#[tokio::test]
async fn materials_are_fixed_once_submitted_and_removable_before() {
    let app = TestApp::spawn().await;
    let firm = app.login("enterprise").await;
    let receipt = draft(&firm).await;
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".as_slice();
    let first: Value = upload(&firm, &receipt, "现场照片", "车间.PNG", png)
        .await
        .json()
        .await
        .unwrap();
    let second: Value = upload(&firm, &receipt, P7_MATERIAL, "表.pdf", PDF)
        .await
        .json()
        .await
        .unwrap();
    // A draft's file may be removed; the audit trail keeps what it was.
    let audit_before = app.audit_count().await;
    let path = |v: &Value| format!("/api/v1/applications/{receipt}/materials/{}", v["id"]);
    let res = firm.delete(&path(&first)).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.audit_count().await, audit_before + 1);
    let res = firm.get(&path(&first)).await;
    assert_error(res, StatusCode::NOT_FOUND, "not_found", None).await;
    let res = firm.delete(&path(&first)).await;
    assert_error(res, StatusCode::NOT_FOUND, "not_found", None).await;
    // Submitted, the materials are what the reviewers decide on: no more changes.
    let code = firm.me["enterprises"][0].as_str().unwrap();
    let full = json!({ "policy": P7, "credit_code": code, "year": 2025, "pledges": ["integrity"],
        "facts": [{ "key": "rd_expense@2025", "value": "3000000000" }] });
    let res = firm
        .post(&format!("/api/v1/applications/{receipt}/submit"), &full)
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let listed = materials(&firm, &receipt).await;
    assert_eq!(listed["may_change"], false);
    assert_eq!(listed["files"][0]["id"], second["id"]);
    let res = upload(&firm, &receipt, "补充", "b.pdf", PDF).await;
    assert_error(res, StatusCode::CONFLICT, "conflict", Some("file")).await;
    let res = firm.delete(&path(&second)).await;
    assert_error(res, StatusCode::CONFLICT, "conflict", Some("file")).await;
}
