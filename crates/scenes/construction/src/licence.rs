//! 发证: an approved matter's electronic licence (电子证照). Issued when a case is approved
//! formally (at once, or when its 模拟 approval becomes formal), it says who holds it, for which
//! project and matter, and who issued it; its exact words are kept with their SHA-256, which the
//! trail records at issue. The PDF carries a QR code leading to a public page where anyone
//! checks that the licence in hand is one the platform issued, and reads what it really says.

use crate::store::cases::CaseRow;
use crate::store::licences::{self as store, LicenceRow};
use crate::store::projects::ProjectRow;
use chrono::{DateTime, NaiveDate, Utc};
use qinqing_domain::deadline::local_date;
use qinqing_exchange::pdf::{Block, Document};
use qinqing_kernel::store::Conn;
use qinqing_kernel::store::audit as trail;
use qinqing_kernel::{App, AppError, AppResult, Principal, RequestMeta};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The audit trail's object type of a licence.
pub const OBJECT: &str = "construction_licence";
const ISSUED: &str = "construction.licence_issued";
/// How much of the hash the QR code's address carries: enough that no forged licence matches.
const CODE_HEX: usize = 16;

/// What a licence says, as issued. The field order is the order of the hashed bytes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct LicenceContent {
    pub licence_no: String,
    /// What it is (建设工程规划许可证), as the catalogue names the matter's licence.
    pub licence_name: String,
    /// The matter approved (建设工程规划许可证核发).
    pub matter_name: String,
    pub holder: String,
    pub credit_code: String,
    pub project_name: String,
    pub project_code: String,
    pub location: String,
    pub receipt_no: String,
    /// The office that issued it; under an entrustment, the 行政服务中心 in the department's name.
    pub issuer: String,
    pub decision_note: String,
    pub land_title_no: Option<String>,
    pub issued_on: NaiveDate,
}

/// A licence as its verification page shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LicenceCheck {
    pub licence: LicenceContent,
    /// The kept words match their hash, and the hash is the one the trail recorded at issue.
    pub genuine: bool,
    /// The trail's entry of the issue: its position in the log and when it was recorded.
    pub trail_seq: Option<i64>,
    pub recorded_at: Option<String>,
    /// Whether the code scanned (the address's `h`) is this licence's; `None` without one.
    pub code_matches: Option<bool>,
}

/// Issues the licence of a case just approved formally, if its matter issues one, on the
/// trail; inside the decision's transaction, so an approval never stands without its licence.
pub(crate) async fn issue(
    conn: &mut Conn,
    (who, meta): (&Principal, &RequestMeta),
    (project, case): (&ProjectRow, &CaseRow),
    decision_note: &str,
    now: DateTime<Utc>,
) -> AppResult<Option<String>> {
    let Some(licence_name) = crate::catalogue()
        .get(&case.matter_code)
        .and_then(|m| m.licence.clone())
    else {
        return Ok(None);
    };
    let licence_no = qinqing_kernel::receipts::receipt_number("ZZ", now)?;
    let issuer = match &case.entrusted_by_name {
        Some(by) => format!("{}(受{by}委托)", case.org_name),
        None => case.org_name.clone(),
    };
    let content = LicenceContent {
        licence_no: licence_no.clone(),
        licence_name,
        matter_name: case.matter_name.clone(),
        holder: case.enterprise_name.clone(),
        credit_code: project.credit_code.clone(),
        project_name: project.name.clone(),
        project_code: project.code.clone(),
        location: project.location.clone(),
        receipt_no: case.receipt_no.clone(),
        issuer,
        decision_note: decision_note.to_string(),
        land_title_no: project.land_title_no.clone(),
        issued_on: local_date(now),
    };
    let text = serde_json::to_string(&content)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("licence {licence_no}: {e}")))?;
    let sha256 = hash(&text);
    let row = LicenceRow {
        licence_no: licence_no.clone(),
        case_id: case.id,
        content: text,
        sha256: sha256.clone(),
        issued_at: now,
    };
    store::insert(conn, &row).await?;
    let served = (project, content.licence_name.as_str(), licence_no.as_str());
    crate::vault::file_licence(conn, (who, meta), served, now).await?;
    let detail = serde_json::json!({ "case": case.receipt_no, "sha256": sha256 });
    let object = (OBJECT, licence_no.as_str());
    crate::trail::record(conn, (who, meta), object, (ISSUED, detail), now).await?;
    Ok(Some(licence_no))
}

fn hash(text: &str) -> String {
    qinqing_kernel::digest::sha256_hex(text)
}

/// Anyone checks a licence by its number; `code` is the hash prefix its QR code carried.
pub async fn check(app: &App, licence_no: &str, code: Option<&str>) -> AppResult<LicenceCheck> {
    let mut conn = app.db.conn().await?;
    let row = store::by_no(&mut conn, licence_no.trim())
        .await?
        .ok_or_else(|| AppError::NotFound("平台没有签发过这个编号的证照".into()))?;
    let licence: LicenceContent = qinqing_kernel::store::stored(
        "content",
        serde_json::from_str(&row.content).map_err(|e| e.to_string()),
    )?;
    let issue = trail::for_object(&mut conn, OBJECT, &row.licence_no)
        .await?
        .into_iter()
        .find(|e| e.record.action == ISSUED);
    let recorded = issue
        .as_ref()
        .and_then(|e| e.record.detail["sha256"].as_str().map(str::to_string));
    let genuine = hash(&row.content) == row.sha256 && recorded.as_deref() == Some(&row.sha256);
    Ok(LicenceCheck {
        code_matches: code
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(|c| c.eq_ignore_ascii_case(&row.sha256[..CODE_HEX.min(row.sha256.len())])),
        trail_seq: issue.as_ref().map(|e| e.seq),
        recorded_at: issue.map(|e| e.record.recorded_at),
        genuine,
        licence,
    })
}

/// The licence's PDF, to whoever may see its case; its QR code leads to `verify_base`
/// (this platform's address as the caller reached it) `/licences/{no}?h=…`.
pub async fn pdf(
    app: &App,
    who: &Principal,
    receipt_no: &str,
    verify_base: &str,
) -> AppResult<(String, Vec<u8>)> {
    let mut conn = app.db.conn().await?;
    let (_, case) = crate::access::visible_case(&mut conn, who, receipt_no).await?;
    let no_licence = || AppError::NotFound("本件尚未核发电子证照".into());
    let licence_no = case.licence_no.ok_or_else(no_licence)?;
    let row = store::by_no(&mut conn, &licence_no)
        .await?
        .ok_or_else(no_licence)?;
    let content: LicenceContent = qinqing_kernel::store::stored(
        "content",
        serde_json::from_str(&row.content).map_err(|e| e.to_string()),
    )?;
    let address = format!(
        "{verify_base}/licences/{}?h={}",
        row.licence_no,
        &row.sha256[..CODE_HEX.min(row.sha256.len())]
    );
    let file_name = format!("{}-{}.pdf", content.matter_name, content.licence_no);
    Ok((
        file_name,
        qinqing_exchange::pdf::write(&document(&content, address)),
    ))
}

fn document(c: &LicenceContent, address: String) -> Document {
    let mut lines = vec![
        format!("持证单位:{}", c.holder),
        format!("统一社会信用代码:{}", c.credit_code),
        format!("项目名称:{}(项目编号 {})", c.project_name, c.project_code),
        format!("建设地点:{}", c.location),
    ];
    if let Some(title) = &c.land_title_no {
        lines.push(format!("不动产权证号:{title}"));
    }
    lines.push(format!("办件编号:{}", c.receipt_no));
    if !c.decision_note.is_empty() {
        lines.push(format!("审批意见:{}", c.decision_note));
    }
    lines.push(format!("发证机关:{}", c.issuer));
    lines.push(format!("发证日期:{}", c.issued_on.format("%Y年%m月%d日")));
    let mut blocks: Vec<Block> = lines.into_iter().map(Block::Paragraph).collect();
    blocks.push(Block::Qr {
        text: address,
        caption: "扫码核验:用手机扫描左侧二维码,在亲清家园平台查验本证照是否由平台签发,以及证照的原始内容。".into(),
    });
    Document {
        title: c.licence_name.clone(),
        subtitle: format!("电子证照 · 证照编号 {}", c.licence_no),
        footer: format!("亲清家园电子证照 {}", c.licence_no),
        blocks,
    }
}
