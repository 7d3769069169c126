//! 月度报告: a month of supervision for the 会诊日 and the leadership — the figures, the
//! overdue items with their departments and the departments ranked — as PDF and XLSX, for the
//! supervising offices, department leads and the administrator only.

use crate::helpers::{REVIEW_CLOCK_LABEL, TestApp, assert_error, review_clock};
use calamine::{Data, Reader, Xlsx};
use chrono::{Datelike, Duration, Months, Utc};
use qinqing_domain::deadline::local_date;
use reqwest::StatusCode;
use serde_json::Value;
use std::io::Cursor;

fn this_month() -> String {
    let today = local_date(Utc::now());
    format!("{}-{:02}", today.year(), today.month())
}

/// How a PDF content stream writes `text` shown in the report's font (UTF-16BE as hex).
fn shown_in_pdf(pdf: &[u8], text: &str) -> bool {
    let hex: String = text
        .encode_utf16()
        .map(|unit| format!("{unit:04X}"))
        .collect();
    String::from_utf8_lossy(pdf).to_uppercase().contains(&hex)
}

#[tokio::test]
async fn the_report_lists_an_overdue_item_with_its_department_in_json_xlsx_and_pdf() {
    let app = TestApp::spawn().await;
    let lead = app.login("lead").await;
    let org = lead.me["org_id"].as_i64().unwrap();
    review_clock(
        &app,
        org,
        "350521101",
        "report-late",
        Utc::now() - Duration::days(4),
    )
    .await;
    let efficiency = app.login("efficiency").await;
    let month = this_month();

    let res = efficiency
        .get(&format!(
            "/api/v1/supervision/monthly-report?month={month}&format=json"
        ))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let report: Value = res.json().await.unwrap();
    assert_eq!(report["month"], month);
    assert_eq!(report["scorecard"]["period"], month);
    assert!(report["figures"]["overdue"].as_i64().unwrap() >= 1);
    let late = report["late"].as_array().unwrap();
    let item = late
        .iter()
        .find(|l| l["trail"] == "/trace/application/report-late")
        .unwrap_or_else(|| panic!("the overdue item is listed: {report}"));
    assert_eq!(item["department"], "工业和信息化局");
    assert!(item["days_late"].as_i64().unwrap() >= 4);
    let days: Vec<i64> = late
        .iter()
        .map(|l| l["days_late"].as_i64().unwrap())
        .collect();
    assert!(
        days.windows(2).all(|w| w[0] >= w[1]),
        "longest first: {days:?}"
    );

    let xlsx = efficiency
        .get(&format!(
            "/api/v1/supervision/monthly-report?month={month}&format=xlsx"
        ))
        .await;
    assert_eq!(xlsx.status(), StatusCode::OK);
    let disposition = xlsx.headers()["content-disposition"].to_str().unwrap();
    assert!(disposition.contains(&format!("monthly-report-{month}.xlsx")));
    let bytes = xlsx.bytes().await.unwrap();
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes.to_vec())).unwrap();
    let sheets = book.sheet_names();
    for sheet in ["部门评分", "各部门在办与逾期", "逾期事项"] {
        assert!(sheets.iter().any(|s| s == sheet), "{sheets:?}");
    }
    let late_sheet = book.worksheet_range("逾期事项").unwrap();
    let found = late_sheet.rows().any(|row| {
        row.first() == Some(&Data::String("工业和信息化局".into()))
            && row.get(1) == Some(&Data::String(REVIEW_CLOCK_LABEL.into()))
    });
    assert!(found, "the overdue item is a row of its sheet");

    let pdf = efficiency
        .get(&format!(
            "/api/v1/supervision/monthly-report?month={month}&format=pdf"
        ))
        .await;
    assert_eq!(pdf.status(), StatusCode::OK);
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    let bytes = pdf.bytes().await.unwrap();
    assert!(bytes.starts_with(b"%PDF-"));
    assert!(bytes.trim_ascii_end().ends_with(b"%%EOF"));
    let text = String::from_utf8_lossy(&bytes);
    assert!(text.contains("/STSong-Light") && text.contains("/UniGB-UTF16-H"));
    assert!(
        text.contains("/ToUnicode"),
        "its text can be searched and copied"
    );
    for shown in [
        "智慧云监督 月度报告",
        "工业和信息化局",
        REVIEW_CLOCK_LABEL,
        "部门评分排名",
    ] {
        assert!(shown_in_pdf(&bytes, shown), "the PDF shows {shown}");
    }
}

#[tokio::test]
async fn the_last_full_month_unless_asked_and_a_wrong_month_is_named() {
    let app = TestApp::spawn().await;
    let efficiency = app.login("efficiency").await;
    let res = efficiency
        .get("/api/v1/supervision/monthly-report?format=json")
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let report: Value = res.json().await.unwrap();
    let first = local_date(Utc::now()).with_day(1).unwrap();
    let last = first.checked_sub_months(Months::new(1)).unwrap();
    assert_eq!(
        report["month"],
        format!("{}-{:02}", last.year(), last.month())
    );
    let next = first.checked_add_months(Months::new(1)).unwrap();
    let future = format!("{}-{:02}", next.year(), next.month());
    for wrong in ["2026", "2026-13", "abc", &future] {
        let res = efficiency
            .get(&format!("/api/v1/supervision/monthly-report?month={wrong}"))
            .await;
        assert_error(
            res,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            Some("month"),
        )
        .await;
    }
    let res = efficiency
        .get("/api/v1/supervision/monthly-report?format=docx")
        .await;
    assert_error(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("format"),
    )
    .await;
}

#[tokio::test]
async fn only_supervisors_leads_and_the_administrator_have_the_report() {
    let app = TestApp::spawn().await;
    for username in ["efficiency", "discipline", "lead", "admin"] {
        let res = app
            .login(username)
            .await
            .get("/api/v1/supervision/monthly-report?format=pdf")
            .await;
        assert_eq!(res.status(), StatusCode::OK, "{username}");
    }
    for username in ["reviewer1", "handler", "enterprise", "steward"] {
        let res = app
            .login(username)
            .await
            .get("/api/v1/supervision/monthly-report?format=pdf")
            .await;
        assert_error(res, StatusCode::FORBIDDEN, "forbidden", None).await;
    }
}
