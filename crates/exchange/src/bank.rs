//! The payout bank files of 直达付 (拨付银行文件): the payout file the platform hands the bank,
//! and the result file the bank returns after executing it.
//!
//! The payout file is read by the bank's systems and by people in Excel, so it is UTF-8 with a
//! BOM, CRLF line ends and a fixed Chinese header; amounts are exact "100000.00" and account
//! numbers are written digit for digit. The result file is typed or exported by bank staff, so
//! its columns are found by header name (Chinese or English, extra columns ignored), it may be
//! UTF-8 or GBK, and every problem is reported at once by the row the user sees. A result file
//! with any bad row is rejected whole, like the enterprise file: a half-recorded payout result is
//! worse than none. The formats are documented in `COLUMNS.md` ("Payout bank files").

use crate::csv::{BOM, LineCounter};
use crate::report::RowError;
use csv::{ReaderBuilder, StringRecord, Terminator, WriterBuilder};
use qinqing_domain::Money;
use std::borrow::Cow;
use std::collections::HashMap;

/// Leading characters that make a spreadsheet treat a cell as a formula; as in the enterprise
/// CSV, such text is written with a leading apostrophe and read back without it.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// The header of the payout file, in its fixed column order.
pub const PAYOUT_HEADER: [&str; 8] = [
    "批次号",
    "行号",
    "收款人名称",
    "收款账号",
    "开户银行",
    "金额",
    "用途",
    "业务参考号",
];

/// One transfer of a payout batch: a row of the payout file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayoutLine {
    /// 批次号: the batch the line belongs to.
    pub batch: String,
    /// 行号: the line's number within the batch.
    pub line: u32,
    /// 收款人名称: the account holder's name, as the bank has it.
    pub payee_name: String,
    /// 收款账号: written exactly as given (digits, leading zeros kept).
    pub account: String,
    /// 开户银行: the bank (branch) holding the account.
    pub bank: String,
    /// 金额: written as plain yuan with two decimals ("100000.00"). Not validated here: the
    /// caller only puts positive amounts into a payout.
    pub amount: Money,
    /// 用途: the purpose shown on the payee's statement.
    pub purpose: String,
    /// 业务参考号: the idempotency reference the bank echoes in the result file. Should be
    /// unique and contain a non-digit so Excel cannot turn it into a number.
    pub reference: String,
}

/// Writes a payout file: UTF-8 with BOM, CRLF line ends, the [`PAYOUT_HEADER`] row and one row
/// per line in the given order. Text starting with `=`, `+`, `-`, `@`, tab or CR gets a leading
/// apostrophe so a spreadsheet cannot run it ([`read_result_file`] removes it again); amounts
/// and line numbers are never prefixed, and account numbers are written verbatim.
#[allow(
    clippy::expect_used,
    reason = "CSV written to memory has no I/O to fail"
)]
pub fn write_payout_file(lines: &[PayoutLine]) -> Vec<u8> {
    let mut out = BOM.to_vec();
    let mut writer = WriterBuilder::new()
        .terminator(Terminator::CRLF)
        .from_writer(&mut out);
    // Writing equal-length records into a Vec<u8> has no failure mode.
    writer.write_record(PAYOUT_HEADER).expect("CSV to memory");
    for line in lines {
        let number = line.line.to_string();
        let amount = line.amount.to_string();
        let fields = [
            guard(&line.batch),
            Cow::Borrowed(number.as_str()),
            guard(&line.payee_name),
            guard(&line.account),
            guard(&line.bank),
            Cow::Borrowed(amount.as_str()),
            guard(&line.purpose),
            guard(&line.reference),
        ];
        writer
            .write_record(fields.iter().map(|f| f.as_bytes()))
            .expect("CSV to memory");
    }
    writer.flush().expect("CSV to memory");
    drop(writer);
    out
}

/// What the bank did with one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// 成功: the money reached the account.
    Paid,
    /// 失败: the transfer was not made; `reason` is the bank's explanation (never blank).
    Failed { reason: String },
}

/// One row of a result file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResultLine {
    /// The row as Excel or a text editor shows it (the header is row 1, the first data row 2).
    pub row: usize,
    /// 批次号 and 行号: the line of the payout file this row answers. A bank returns the payout
    /// file with its columns appended, so both come back as they were sent; the caller must
    /// check they are the line the reference is on now.
    pub batch: String,
    pub line: u32,
    /// 业务参考号, as in the payout file (apostrophe guard removed, trimmed).
    pub reference: String,
    pub outcome: Outcome,
    /// 金额, when the file has that column: always `Some` for a paid line then, and `Some` for a
    /// failed line whose cell is filled in. The caller must check it equals the amount sent.
    pub amount: Option<Money>,
    /// 银行流水号, when given.
    pub bank_txn: Option<String>,
}

/// Reads a result file: CSV, UTF-8 (with or without BOM) or GBK/GB18030, comma separated, with
/// a header row naming the columns (see `COLUMNS.md`; unknown columns are ignored).
///
/// Any problem makes the result `Err` with every problem found, ordered by row, and no lines.
/// Never panics, whatever the bytes. References, and batch lines, are unique within an `Ok`
/// result.
pub fn read_result_file(bytes: &[u8]) -> Result<Vec<ResultLine>, Vec<RowError>> {
    let text = decode(bytes).map_err(|error| vec![error])?;
    let (rows, mut errors) = read_rows(&text)?;
    let mut rows = rows.into_iter();
    let Some(header_row) = rows.next() else {
        return Err(vec![RowError::file(
            "文件是空的:结果文件应有表头行和至少一行数据",
        )]);
    };
    let header = Header::resolve(&header_row)?;
    let data: Vec<Row> = rows.collect();
    if data.is_empty() && errors.is_empty() {
        return Err(vec![RowError::file(
            "文件中没有数据行:表头下面至少要有一行结果",
        )]);
    }
    let mut seen = Seen::default();
    let mut lines = Vec::with_capacity(data.len());
    for row in &data {
        match read_line(&header, row, &mut seen) {
            Ok(line) => lines.push(line),
            Err(row_errors) => errors.extend(row_errors),
        }
    }
    if errors.is_empty() {
        Ok(lines)
    } else {
        errors.sort_by_key(|error| error.row);
        Err(errors)
    }
}

/// A column of the result file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Batch,
    Line,
    Reference,
    Status,
    Reason,
    Amount,
    BankTxn,
}

impl Field {
    const ALL: [Field; 7] = [
        Field::Batch,
        Field::Line,
        Field::Reference,
        Field::Status,
        Field::Reason,
        Field::Amount,
        Field::BankTxn,
    ];

    /// The English header, also the code name in [`RowError::column`].
    fn name(self) -> &'static str {
        match self {
            Field::Batch => "batch",
            Field::Line => "line",
            Field::Reference => "reference",
            Field::Status => "status",
            Field::Reason => "reason",
            Field::Amount => "amount",
            Field::BankTxn => "bank_txn",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Field::Batch => "批次号",
            Field::Line => "行号",
            Field::Reference => "业务参考号",
            Field::Status => "状态",
            Field::Reason => "失败原因",
            Field::Amount => "金额",
            Field::BankTxn => "银行流水号",
        }
    }

    fn required(self) -> bool {
        matches!(
            self,
            Field::Batch | Field::Line | Field::Reference | Field::Status
        )
    }

    /// The column a header cell names: English in any letter case, or the Chinese label,
    /// optionally followed by a unit in brackets ("金额(元)").
    fn from_header(text: &str) -> Option<Field> {
        let bare = without_unit(text);
        Field::ALL
            .into_iter()
            .find(|f| f.name().eq_ignore_ascii_case(text) || f.label() == text || f.label() == bare)
    }
}

/// "金额(元)" or "金额（元）" → "金额"; other text unchanged.
fn without_unit(text: &str) -> &str {
    ['(', '\u{FF08}']
        .into_iter()
        .find_map(|open| text.split_once(open))
        .filter(|(_, rest)| rest.ends_with([')', '\u{FF09}']))
        .map_or(text, |(head, _)| head.trim_end())
}

/// A non-blank record of the file, with the line it starts on.
pub(crate) struct Row {
    pub(crate) number: usize,
    pub(crate) cells: Vec<String>,
}

/// Where each column sits in the rows of one file.
struct Header {
    /// Cell index of each column, indexed by [`Field`]; `None` when the file lacks the column.
    positions: [Option<usize>; Field::ALL.len()],
}

impl Header {
    /// Maps the header row, or reports every repeated or missing column at once. Columns the
    /// bank adds or keeps from the payout file (收款账号, 备注, …) are ignored.
    fn resolve(row: &Row) -> Result<Header, Vec<RowError>> {
        let mut positions = [None; Field::ALL.len()];
        let mut errors = Vec::new();
        for (index, cell) in row.cells.iter().enumerate() {
            let text = cell.trim();
            let Some(field) = Field::from_header(text) else {
                continue;
            };
            let slot = &mut positions[field as usize];
            if slot.is_some() {
                errors.push(RowError::new(
                    row.number,
                    field.name(),
                    text,
                    format!(
                        "列 {}({})出现了不止一次:每列只能有一个",
                        field.name(),
                        field.label()
                    ),
                ));
            } else {
                *slot = Some(index);
            }
        }
        for field in Field::ALL {
            if field.required() && positions[field as usize].is_none() {
                errors.push(RowError::new(
                    row.number,
                    field.name(),
                    "",
                    format!(
                        "缺少必填列 {}({}):结果文件的表头必须包含“{}”列",
                        field.name(),
                        field.label(),
                        field.label()
                    ),
                ));
            }
        }
        if errors.is_empty() {
            Ok(Header { positions })
        } else {
            Err(errors)
        }
    }

    fn has(&self, field: Field) -> bool {
        self.positions[field as usize].is_some()
    }

    /// The trimmed, unguarded text of `field` in `row`; "" when absent.
    fn cell<'r>(&self, row: &'r Row, field: Field) -> &'r str {
        self.positions[field as usize]
            .and_then(|index| row.cells.get(index))
            .map_or("", |cell| unguard(cell.trim()).trim())
    }
}

/// The references and batch lines met so far, each with the row it was first seen on, so a
/// repeated one names the earlier row.
#[derive(Default)]
struct Seen {
    references: HashMap<String, usize>,
    lines: HashMap<(String, u32), usize>,
}

/// Reads one data row, or every problem of it.
fn read_line(header: &Header, row: &Row, seen: &mut Seen) -> Result<ResultLine, Vec<RowError>> {
    let mut errors = Vec::new();
    let mut error = |field: Field, value: &str, message: String| {
        errors.push(RowError::new(row.number, field.name(), value, message));
    };

    let batch = header.cell(row, Field::Batch);
    if batch.is_empty() {
        error(
            Field::Batch,
            "",
            "批次号不能为空:请保留拨付文件中的批次号".to_string(),
        );
    }
    let line_text = header.cell(row, Field::Line);
    let line = line_text.parse::<u32>().ok().filter(|n| *n > 0);
    if line.is_none() {
        error(
            Field::Line,
            line_text,
            "行号应为正整数:请保留拨付文件中的行号".to_string(),
        );
    }
    if let Some(n) = line.filter(|_| !batch.is_empty()) {
        let key = (batch.to_string(), n);
        if let Some(&first) = seen.lines.get(&key) {
            error(
                Field::Line,
                line_text,
                format!("批次 {batch} 第 {n} 行与第 {first} 行重复:每行只能有一个结果"),
            );
        } else {
            seen.lines.insert(key, row.number);
        }
    }

    let reference = header.cell(row, Field::Reference);
    if reference.is_empty() {
        error(Field::Reference, "", "业务参考号不能为空".to_string());
    } else if looks_like_scientific(reference) {
        error(
            Field::Reference,
            reference,
            "业务参考号被 Excel 显示成了科学计数法,已无法对应到拨付记录:请使用银行原始导出文件,或把该列设为“文本”格式后重新填写".to_string(),
        );
    } else if let Some(&first) = seen.references.get(reference) {
        error(
            Field::Reference,
            reference,
            format!("业务参考号与第 {first} 行重复:同一文件中每笔拨付只能出现一次"),
        );
    } else {
        seen.references.insert(reference.to_string(), row.number);
    }

    let status_text = header.cell(row, Field::Status);
    let status = status(status_text);
    if let Err(message) = &status {
        error(Field::Status, status_text, message.clone());
    }

    let reason = header.cell(row, Field::Reason);
    if status == Ok(Status::Failed) && reason.is_empty() {
        let message = if header.has(Field::Reason) {
            "状态为失败时必须填写失败原因".to_string()
        } else {
            "状态为失败时必须填写失败原因:文件缺少 失败原因(reason)列".to_string()
        };
        error(Field::Reason, "", message);
    }

    let amount_text = header.cell(row, Field::Amount);
    let mut amount = None;
    if !amount_text.is_empty() {
        match Money::parse_yuan(amount_text) {
            Ok(value) if value.is_negative() => {
                error(Field::Amount, amount_text, "金额不能为负数".to_string());
            }
            Ok(value) => amount = Some(value),
            Err(e) => error(
                Field::Amount,
                amount_text,
                format!("金额不是有效金额:{e}(应写为元,如 100000.00)"),
            ),
        }
    } else if header.has(Field::Amount) && status == Ok(Status::Paid) {
        error(
            Field::Amount,
            "",
            "状态为成功时必须填写金额(文件含金额列,用于核对实付金额)".to_string(),
        );
    }

    let bank_txn = header.cell(row, Field::BankTxn);
    if !errors.is_empty() {
        return Err(errors);
    }
    let outcome = match status {
        Ok(Status::Paid) => Outcome::Paid,
        _ => Outcome::Failed {
            reason: reason.to_string(),
        },
    };
    Ok(ResultLine {
        row: row.number,
        batch: batch.to_string(),
        line: line.unwrap_or_default(),
        reference: reference.to_string(),
        outcome,
        amount,
        bank_txn: (!bank_txn.is_empty()).then(|| bank_txn.to_string()),
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Paid,
    Failed,
}

/// 成功/success/paid or 失败/failed/fail, English in any letter case.
fn status(text: &str) -> Result<Status, String> {
    const EXPECTED: &str = "应为 成功(或 success、paid)或 失败(或 failed、fail)";
    match text.to_ascii_lowercase().as_str() {
        "" => Err(format!("状态不能为空:{EXPECTED}")),
        "成功" | "success" | "paid" => Ok(Status::Paid),
        "失败" | "failed" | "fail" => Ok(Status::Failed),
        _ => Err(format!(
            "无法识别的状态“{text}”:{EXPECTED};尚在处理中的笔数请不要放入结果文件"
        )),
    }
}

/// "6.22848E+18": a long number Excel has rounded for display and then saved so.
fn looks_like_scientific(text: &str) -> bool {
    let Some((mantissa, exponent)) = text.split_once(['E', 'e']) else {
        return false;
    };
    let exponent = exponent.strip_prefix('+').unwrap_or(exponent);
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = match mantissa.split_once('.') {
        Some((int, frac)) => digits(int) && digits(frac),
        None => digits(mantissa),
    };
    mantissa_ok && digits(exponent)
}

/// The file as text: UTF-8 (with or without BOM), else GB18030 (the GBK superset Chinese Excel
/// and bank systems save CSV in). Bytes valid in neither are rejected rather than replaced, so a
/// reference is never matched through a garbled character.
pub(crate) fn decode(bytes: &[u8]) -> Result<Cow<'_, str>, RowError> {
    if bytes.starts_with(b"PK\x03\x04") {
        return Err(RowError::file(
            "这是 Excel 工作簿(.xlsx),不是 CSV 文件:请在 Excel 中“另存为”“CSV UTF-8(逗号分隔)”后再上传",
        ));
    }
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        return Err(RowError::file(
            "文件是 UTF-16 编码(Excel 的“Unicode 文本”):请另存为“CSV UTF-8(逗号分隔)”后再上传",
        ));
    }
    let bytes = bytes.strip_prefix(BOM).unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(Cow::Borrowed(text)),
        Err(_) => encoding_rs::GB18030
            .decode_without_bom_handling_and_without_replacement(bytes)
            .ok_or_else(|| {
                RowError::file(
                    "文件编码无法识别:结果文件必须是 UTF-8(推荐)或 GBK/GB18030 编码的 CSV 文本",
                )
            }),
    }
}

/// The non-blank records of the CSV text, numbered by the line each starts on, and the records
/// whose field count differs from the header's (reported, left out).
pub(crate) fn read_rows(text: &str) -> Result<(Vec<Row>, Vec<RowError>), Vec<RowError>> {
    let mut reader = ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut lines = LineCounter::new(text.as_bytes());
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    let mut header_width = None;
    let mut record = StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {
                let start = record.position().map_or(0, |p| p.byte());
                let number = lines.line_of(start);
                if record.iter().all(|field| field.trim().is_empty()) {
                    continue;
                }
                let width = *header_width.get_or_insert(record.len());
                if record.len() == width {
                    rows.push(Row {
                        number,
                        cells: record.iter().map(str::to_string).collect(),
                    });
                } else {
                    errors.push(RowError::new(
                        number,
                        "",
                        "",
                        format!(
                            "本行有 {} 列,表头有 {width} 列:请检查是否多了或少了逗号(含逗号的内容需用英文双引号括起来)",
                            record.len()
                        ),
                    ));
                }
            }
            Ok(false) => return Ok((rows, errors)),
            Err(e) => return Err(vec![RowError::file(format!("CSV 文件格式有误:{e}"))]),
        }
    }
}

/// Prefixes text that a spreadsheet would run as a formula.
fn guard(text: &str) -> Cow<'_, str> {
    if text.starts_with(FORMULA_STARTS) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// Removes the apostrophe [`guard`] added.
fn unguard(text: &str) -> &str {
    match text.strip_prefix('\'') {
        Some(rest) if rest.starts_with(FORMULA_STARTS) => rest,
        _ => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_match_in_either_language_with_units() {
        assert_eq!(Field::from_header("业务参考号"), Some(Field::Reference));
        assert_eq!(Field::from_header("Reference"), Some(Field::Reference));
        assert_eq!(Field::from_header("BANK_TXN"), Some(Field::BankTxn));
        assert_eq!(Field::from_header("金额(元)"), Some(Field::Amount));
        assert_eq!(Field::from_header("金额（元）"), Some(Field::Amount));
        assert_eq!(Field::from_header("收款账号"), None);
    }

    #[test]
    fn status_words_in_any_letter_case() {
        for word in ["成功", "success", "SUCCESS", "Paid"] {
            assert_eq!(status(word), Ok(Status::Paid), "{word}");
        }
        for word in ["失败", "failed", "FAIL"] {
            assert_eq!(status(word), Ok(Status::Failed), "{word}");
        }
        assert!(
            status("处理中")
                .unwrap_err()
                .contains("无法识别的状态“处理中”")
        );
        assert!(status("").unwrap_err().starts_with("状态不能为空"));
    }

    #[test]
    fn scientific_notation_is_recognised() {
        assert!(looks_like_scientific("6.22848E+18"));
        assert!(looks_like_scientific("1E+5"));
        assert!(looks_like_scientific("2.5e10"));
        assert!(!looks_like_scientific("QQ-2025-E1"));
        assert!(!looks_like_scientific("E+5"));
        assert!(!looks_like_scientific("ZDF20250001"));
    }

    #[test]
    fn guard_round_trips() {
        for text in ["=1+1", "+86", "-", "@x", "\tx", "普通", ""] {
            assert_eq!(unguard(&guard(text)), text);
        }
        assert_eq!(guard("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(unguard("'普通"), "'普通");
    }

    #[test]
    fn undecodable_bytes_are_an_error_not_garbage() {
        assert_eq!(decode("参考号".as_bytes()).unwrap(), "参考号");
        assert_eq!(decode(b"\xEF\xBB\xBFref").unwrap(), "ref");
        // "成功" in GBK.
        assert_eq!(decode(b"\xB3\xC9\xB9\xA6").unwrap(), "成功");
        assert!(decode(b"\xFF\x00").unwrap_err().message.contains("UTF-8"));
    }
}
