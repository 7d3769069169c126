//! The payout bank files of 直达付 through the public API: what the payout file looks like in
//! bytes, the result file as a bank makes it from the payout file, every rejection, and
//! robustness against garbage.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test or benchmark stops at its first surprise"
)]
use proptest::collection::vec;
use proptest::prelude::*;
use qinqing_domain::Money;
use qinqing_exchange::RowError;
use qinqing_exchange::bank::{
    Outcome, PAYOUT_HEADER, PayoutLine, ResultLine, read_result_file, write_payout_file,
};

const BOM: &[u8] = b"\xEF\xBB\xBF";

fn line(n: u32, account: &str, fen: i64, reference: &str) -> PayoutLine {
    PayoutLine {
        batch: "ZDF-2025-0007".to_string(),
        line: n,
        payee_name: "晋江市恒通鞋材有限公司".to_string(),
        account: account.to_string(),
        bank: "中国农业银行晋江支行".to_string(),
        amount: Money::from_fen(fen),
        purpose: "2025年度技改补助".to_string(),
        reference: reference.to_string(),
    }
}

fn sample_lines() -> Vec<PayoutLine> {
    vec![
        line(1, "6228480000000000001", 10_000_000, "QQ-ZDF-000001"),
        line(2, "0012345678901234", 5, "QQ-ZDF-000002"),
        PayoutLine {
            payee_name: "泉州\"新星\",科技有限公司".to_string(),
            purpose: "=HYPERLINK(\"http://x\")".to_string(),
            ..line(3, "35050166010700000123", 123_456_780, "QQ-ZDF-000003")
        },
    ]
}

/// The payout file's text without the BOM.
fn text_of(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes.strip_prefix(BOM).expect("a BOM")).unwrap()
}

/// The errors of a result file that must be rejected.
fn errors(text: &str) -> Vec<RowError> {
    match read_result_file(text.as_bytes()) {
        Ok(lines) => panic!("expected a rejection, got {lines:?}"),
        Err(errors) => errors,
    }
}

fn lines(text: &str) -> Vec<ResultLine> {
    read_result_file(text.as_bytes()).unwrap_or_else(|errors| {
        let messages: Vec<String> = errors.iter().map(ToString::to_string).collect();
        panic!("rejected: {messages:#?}")
    })
}

fn located(errors: &[RowError]) -> Vec<(usize, &str)> {
    errors.iter().map(|e| (e.row, e.column.as_str())).collect()
}

/// What a bank does with the payout file: reads it with a CSV parser, appends its own status,
/// reason and transaction columns and writes it back (optionally as GBK, without BOM, LF).
fn bank_result(payout: &[u8], outcome: impl Fn(usize) -> (&'static str, &'static str)) -> String {
    let mut reader = csv::ReaderBuilder::new().from_reader(payout.strip_prefix(BOM).unwrap());
    let mut out = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    header.extend(["状态", "失败原因", "银行流水号"].map(String::from));
    out.write_record(&header).unwrap();
    for (i, record) in reader.records().enumerate() {
        let mut fields: Vec<String> = record.unwrap().iter().map(String::from).collect();
        let (status, reason) = outcome(i);
        fields.extend([status.to_string(), reason.to_string(), format!("ABC{i:08}")]);
        out.write_record(&fields).unwrap();
    }
    String::from_utf8(out.into_inner().unwrap()).unwrap()
}

// --- The payout file -------------------------------------------------------------------------

#[test]
fn payout_file_is_utf8_with_bom_crlf_and_the_chinese_header() {
    let bytes = write_payout_file(&sample_lines());
    assert!(bytes.starts_with(BOM));
    let text = text_of(&bytes);
    assert!(
        !text.replace("\r\n", "").contains('\n'),
        "bare LF in {text:?}"
    );
    let rows: Vec<&str> = text.split("\r\n").collect();
    assert_eq!(
        rows[0],
        "批次号,行号,收款人名称,收款账号,开户银行,金额,用途,业务参考号"
    );
    assert_eq!(rows[0], PAYOUT_HEADER.join(","));
    assert_eq!(
        rows[1],
        "ZDF-2025-0007,1,晋江市恒通鞋材有限公司,6228480000000000001,中国农业银行晋江支行,100000.00,2025年度技改补助,QQ-ZDF-000001"
    );
    assert_eq!(rows.len(), 5);
    assert_eq!(rows[4], "", "the last row ends with CRLF too");
}

#[test]
fn amounts_have_two_decimals_and_no_grouping() {
    let bytes = write_payout_file(&sample_lines());
    let rows: Vec<Vec<String>> = csv::Reader::from_reader(text_of(&bytes).as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect();
    let amounts: Vec<&str> = rows.iter().map(|r| r[5].as_str()).collect();
    assert_eq!(amounts, ["100000.00", "0.05", "1234567.80"]);
}

#[test]
fn account_numbers_stay_exactly_as_given() {
    let bytes = write_payout_file(&sample_lines());
    let text = text_of(&bytes);
    // Unquoted, unprefixed digits: neither rounded nor stripped of leading zeros.
    assert!(text.contains(",6228480000000000001,"), "{text}");
    assert!(text.contains(",0012345678901234,"), "{text}");
    assert!(text.contains(",35050166010700000123,"), "{text}");
}

#[test]
fn quotes_commas_and_formulas_are_escaped() {
    let bytes = write_payout_file(&sample_lines());
    let text = text_of(&bytes);
    assert!(
        text.contains(",\"泉州\"\"新星\"\",科技有限公司\","),
        "{text}"
    );
    assert!(
        text.contains(",\"'=HYPERLINK(\"\"http://x\"\")\","),
        "{text}"
    );
    let guarded = write_payout_file(&[PayoutLine {
        payee_name: "@某某".to_string(),
        bank: "+银行".to_string(),
        reference: "-R1".to_string(),
        ..line(1, "1", 100, "")
    }]);
    let row = text_of(&guarded).split("\r\n").nth(1).unwrap().to_string();
    assert_eq!(
        row,
        "ZDF-2025-0007,1,'@某某,1,'+银行,1.00,2025年度技改补助,'-R1"
    );
}

#[test]
fn an_empty_batch_is_just_the_header() {
    let bytes = write_payout_file(&[]);
    assert_eq!(text_of(&bytes), format!("{}\r\n", PAYOUT_HEADER.join(",")));
}

// --- Round trip ------------------------------------------------------------------------------

#[test]
fn the_bank_appends_its_columns_and_the_result_reads_back() {
    let sent = sample_lines();
    let payout = write_payout_file(&sent);
    let result = bank_result(&payout, |i| match i {
        1 => ("失败", "账户已销户"),
        _ => ("成功", ""),
    });
    let got = lines(&result);
    assert_eq!(got.len(), 3);
    for (line, sent) in got.iter().zip(&sent) {
        assert_eq!(line.reference, sent.reference);
        assert_eq!(
            (line.batch.as_str(), line.line),
            (sent.batch.as_str(), sent.line)
        );
        assert_eq!(
            line.amount,
            Some(sent.amount),
            "amount check for {}",
            line.reference
        );
    }
    assert_eq!(got[0].row, 2);
    assert_eq!(got[0].outcome, Outcome::Paid);
    assert_eq!(got[0].bank_txn.as_deref(), Some("ABC00000000"));
    assert_eq!(
        got[1].outcome,
        Outcome::Failed {
            reason: "账户已销户".to_string()
        }
    );
    assert_eq!(got[2].row, 4);
}

#[test]
fn a_gbk_result_without_bom_reads_the_same() {
    let payout = write_payout_file(&sample_lines());
    let result = bank_result(&payout, |_| ("成功", ""));
    let (gbk, _, unmappable) = encoding_rs::GB18030.encode(&result);
    assert!(!unmappable);
    assert!(std::str::from_utf8(&gbk).is_err(), "really not UTF-8");
    assert_eq!(read_result_file(&gbk), read_result_file(result.as_bytes()));
    let mut with_bom = BOM.to_vec();
    with_bom.extend_from_slice(result.as_bytes());
    assert_eq!(
        read_result_file(&with_bom),
        read_result_file(result.as_bytes())
    );
}

#[test]
fn guarded_references_read_back_without_the_apostrophe() {
    let sent = [line(1, "6228480000000000001", 100, "=R1")];
    let result = bank_result(&write_payout_file(&sent), |_| ("成功", ""));
    assert_eq!(lines(&result)[0].reference, "=R1");
}

#[test]
fn english_headers_any_order_and_status_words() {
    let got = lines(
        "Status,Reference,BANK_TXN,reason,amount,note,Line,BATCH\r\n\
         SUCCESS,R1,T1,,\"1,000.50\",x,1,B1\r\n\
         paid,R2,,,7,,2,B1\r\n\
         fail,R3,, 余额不足 ,,,3,B1\r\n\
         Failed,R4,T4,户名不符,3.00,,4,B1\r\n",
    );
    let summary: Vec<(&str, &Outcome, Option<Money>, Option<&str>)> = got
        .iter()
        .map(|l| {
            (
                l.reference.as_str(),
                &l.outcome,
                l.amount,
                l.bank_txn.as_deref(),
            )
        })
        .collect();
    let failed = |reason: &str| Outcome::Failed {
        reason: reason.to_string(),
    };
    assert_eq!(
        summary,
        [
            (
                "R1",
                &Outcome::Paid,
                Some(Money::from_fen(100_050)),
                Some("T1")
            ),
            ("R2", &Outcome::Paid, Some(Money::from_yuan(7)), None),
            ("R3", &failed("余额不足"), None, None),
            (
                "R4",
                &failed("户名不符"),
                Some(Money::from_yuan(3)),
                Some("T4")
            ),
        ]
    );
}

#[test]
fn minimal_file_has_no_amounts_and_rows_count_blank_lines() {
    let got = lines(
        "\u{feff}批次号,行号,业务参考号,状态(结果)\n\nB1,1,R1,成功\r\n  ,  ,  ,  \r\nB1,2,R2,成功\n",
    );
    let rows: Vec<(usize, Option<Money>)> = got.iter().map(|l| (l.row, l.amount)).collect();
    assert_eq!(rows, [(3, None), (5, None)]);
}

#[test]
fn reason_of_a_paid_line_is_ignored() {
    let got = lines("批次号,行号,业务参考号,状态,失败原因\nB1,1,R1,成功,交易成功\n");
    assert_eq!(got[0].outcome, Outcome::Paid);
}

// --- Rejections ------------------------------------------------------------------------------

#[test]
fn empty_files_are_rejected() {
    for text in ["", "\u{feff}", "\r\n\r\n", " , \n"] {
        let errors = errors(text);
        assert_eq!(located(&errors), [(0, "")], "{text:?}");
        assert!(errors[0].message.starts_with("文件是空的"), "{text:?}");
    }
    let errors = errors("批次号,行号,业务参考号,状态\r\n\r\n");
    assert_eq!(located(&errors), [(0, "")]);
    assert!(errors[0].message.starts_with("文件中没有数据行"));
}

#[test]
fn missing_and_repeated_columns_are_named() {
    let errors = errors("参考号,结果,金额,amount\nR1,成功,1,1\n");
    assert_eq!(
        located(&errors),
        [
            (1, "amount"),
            (1, "batch"),
            (1, "line"),
            (1, "reference"),
            (1, "status")
        ]
    );
    assert_eq!(errors[0].value, "amount");
    assert!(errors[0].message.contains("出现了不止一次"));
    assert!(errors[1].message.starts_with("缺少必填列 batch(批次号)"));
    assert!(errors[2].message.starts_with("缺少必填列 line(行号)"));
    assert!(
        errors[3]
            .message
            .starts_with("缺少必填列 reference(业务参考号)")
    );
    assert!(errors[4].message.starts_with("缺少必填列 status(状态)"));
}

#[test]
fn every_bad_cell_of_every_row_is_reported_at_once() {
    let file = "批次号,行号,业务参考号,状态,失败原因,金额\r\n\
                B,1,R1,成功,,100.00\r\n\
                B,2,,处理中,,1.234\r\n\
                B,3,R3,失败,,abc\r\n\
                B,4,R1,成功,,-5\r\n\
                B,5,R5,成功,,\r\n\
                B,6,R6,,,1\r\n\
                B,7,6.22848E+18,成功,,1\r\n\
                B,8,R8,成功,1\r\n";
    let errors = errors(file);
    assert_eq!(
        located(&errors),
        [
            (3, "reference"),
            (3, "status"),
            (3, "amount"),
            (4, "reason"),
            (4, "amount"),
            (5, "reference"),
            (5, "amount"),
            (6, "amount"),
            (7, "status"),
            (8, "reference"),
            (9, ""),
        ]
    );
    let message = |i: usize| errors[i].message.as_str();
    assert_eq!(message(0), "业务参考号不能为空");
    assert_eq!(errors[1].value, "处理中");
    assert!(message(1).starts_with("无法识别的状态“处理中”:应为 成功"));
    assert_eq!(errors[2].value, "1.234");
    assert!(message(2).contains("最多保留两位小数"), "{}", message(2));
    assert_eq!(message(3), "状态为失败时必须填写失败原因");
    assert!(message(4).starts_with("金额不是有效金额:金额格式不正确"));
    assert_eq!(errors[5].value, "R1");
    assert!(message(5).starts_with("业务参考号与第 2 行重复"));
    assert_eq!(message(6), "金额不能为负数");
    assert!(message(7).starts_with("状态为成功时必须填写金额"));
    assert!(message(8).starts_with("状态不能为空"));
    assert!(message(9).contains("科学计数法"));
    assert!(message(10).contains("本行有 5 列,表头有 6 列"));
}

#[test]
fn every_result_line_names_the_batch_line_it_answers() {
    let found = errors(
        "批次号,行号,业务参考号,状态\r\n\
         ,1,R1,成功\r\n\
         B1,0,R2,成功\r\n\
         B1,x,R3,成功\r\n\
         B1,4,R4,成功\r\n\
         B1,4,R5,成功\r\n\
         B2,4,R6,成功\r\n",
    );
    assert_eq!(
        located(&found),
        [(2, "batch"), (3, "line"), (4, "line"), (6, "line")]
    );
    assert!(found[0].message.starts_with("批次号不能为空"));
    assert_eq!(found[1].value, "0");
    assert!(found[1].message.starts_with("行号应为正整数"));
    assert!(found[3].message.contains("批次 B1 第 4 行与第 5 行重复"));
    // A file that does not say which lines it answers is refused whole.
    let missing = errors("业务参考号,状态\r\nR1,成功\r\n");
    assert_eq!(located(&missing), [(1, "batch"), (1, "line")]);
}

#[test]
fn a_failure_without_a_reason_column_says_so() {
    let errors = errors("batch,line,reference,status\nB1,1,R1,failed\n");
    assert_eq!(located(&errors), [(2, "reason")]);
    assert!(errors[0].message.contains("文件缺少 失败原因(reason)列"));
}

#[test]
fn text_in_no_known_encoding_is_rejected() {
    let errors = read_result_file(b"reference,status\n\xFF\xFE\xFF,paid\n").unwrap_err();
    assert_eq!(located(&errors), [(0, "")]);
    assert!(
        errors[0].message.contains("必须是 UTF-8"),
        "{}",
        errors[0].message
    );
}

#[test]
fn workbooks_and_utf16_text_get_a_specific_hint() {
    let xlsx = read_result_file(b"PK\x03\x04\x14\x00rest").unwrap_err();
    assert!(xlsx[0].message.contains("Excel 工作簿"));
    let utf16 = read_result_file(b"\xFF\xFEr\x00e\x00").unwrap_err();
    assert!(utf16[0].message.contains("UTF-16"));
}

#[test]
fn errors_display_their_place() {
    let errors = errors("batch,line,reference,status\nB1,1,R1,ok\n");
    assert_eq!(
        errors[0].to_string(),
        "第 2 行 status “ok”:无法识别的状态“ok”:应为 成功(或 success、paid)或 失败(或 failed、fail);尚在处理中的笔数请不要放入结果文件"
    );
}

// --- Properties ------------------------------------------------------------------------------

/// Free text that exercises quoting and the formula guard.
fn text() -> impl Strategy<Value = String> {
    "[=+@\\-\t]?[a-zA-Z0-9\u{4e00}-\u{9fa5},\"()· \r\n]{0,20}"
}

fn payout_line() -> impl Strategy<Value = PayoutLine> {
    (
        (
            "[A-Z]{2}[0-9]{1,12}",
            1..=u32::MAX,
            text(),
            "0?[0-9]{1,24}",
            text(),
        ),
        (0..=i64::MAX, text(), "[=+@-]?[A-Za-z][A-Za-z0-9-]{0,20}"),
    )
        .prop_map(
            |((batch, line, payee_name, account, bank), (fen, purpose, reference))| PayoutLine {
                batch,
                line,
                payee_name,
                account,
                bank,
                amount: Money::from_fen(fen),
                purpose,
                reference,
            },
        )
}

/// Header cells near the valid ones, and cells near the edge of valid.
fn cell() -> impl Strategy<Value = String> {
    prop_oneof![
        proptest::sample::select(vec![
            "批次号",
            "行号",
            "业务参考号",
            "状态",
            "失败原因",
            "金额",
            "银行流水号",
            "reference",
            "status",
            "成功",
            "失败",
            "paid",
            "fail",
            "",
        ])
        .prop_map(String::from),
        "[0-9.,'\"=+\\-E ]{0,10}",
        "\\PC{0,6}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_bytes_never_panic(bytes in vec(any::<u8>(), 0..2048)) {
        let _ = read_result_file(&bytes);
    }

    #[test]
    fn random_csv_never_panics(
        rows in vec(vec(cell(), 0..7), 0..8),
        line_end in prop_oneof![Just("\n"), Just("\r\n"), Just("\r")],
    ) {
        let lines: Vec<String> = rows.iter().map(|row| row.join(",")).collect();
        if let Err(errors) = read_result_file(lines.join(line_end).as_bytes()) {
            prop_assert!(!errors.is_empty());
            prop_assert!(errors.iter().all(|e| !e.message.is_empty()));
        }
    }

    #[test]
    fn every_payout_line_comes_back(lines in vec(payout_line(), 1..6)) {
        let mut seen = std::collections::HashSet::new();
        let mut seen_lines = std::collections::HashSet::new();
        let lines: Vec<PayoutLine> = lines
            .into_iter()
            .filter(|l| seen.insert(l.reference.clone()) && seen_lines.insert((l.batch.clone(), l.line)))
            .collect();
        let result = bank_result(&write_payout_file(&lines), |_| ("成功", ""));
        let got = read_result_file(result.as_bytes()).unwrap();
        let back: Vec<(String, u32, String, Option<Money>)> =
            got.into_iter().map(|l| (l.batch, l.line, l.reference, l.amount)).collect();
        let sent: Vec<(String, u32, String, Option<Money>)> =
            lines.into_iter().map(|l| (l.batch, l.line, l.reference, Some(l.amount))).collect();
        prop_assert_eq!(back, sent);
    }
}
