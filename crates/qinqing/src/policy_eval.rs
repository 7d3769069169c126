//! `qinqing policy eval`: a whole enterprise file against a policy library on the column
//! evaluator. The file is read in pieces straight into columns (no record per row is kept),
//! swept once (exclusive groups, caps, top-ups and budgets applied as the single-record path
//! applies them), and the results are written in blocks formatted on all cores. Reasons, which
//! cost a full single-record evaluation each, are given only for the enterprises asked.

use anyhow::Context;
use qinqing_exchange::{CsvPieces, EnterpriseRecord, EnterpriseRows, FileFormat, ImportReport};
use qinqing_rules::batch::{Columns, ProfileColumns, SweepResult, sweep};
use qinqing_rules::{Facts, PolicySet, Value};
use std::collections::{HashMap, HashSet};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// Bytes read from the file at a time.
const PIECE: usize = 4 << 20;
/// Enterprises per block of output formatted by one thread.
const OUTPUT_BLOCK: usize = 16_384;

/// Which enterprises get a reason in the output.
pub enum Reasons {
    None,
    All,
    Some(HashSet<String>),
}

impl Reasons {
    /// "all", or credit codes separated by commas.
    pub fn parse(text: Option<&str>) -> Reasons {
        match text.map(str::trim) {
            None | Some("") => Reasons::None,
            Some("all") => Reasons::All,
            Some(codes) => Reasons::Some(codes.split(',').map(|c| c.trim().to_string()).collect()),
        }
    }

    fn wants(&self, code: &str) -> bool {
        match self {
            Reasons::None => false,
            Reasons::All => true,
            Reasons::Some(codes) => codes.contains(code),
        }
    }
}

pub struct EvalArgs {
    pub policies: PathBuf,
    pub enterprises: PathBuf,
    pub year: i32,
    pub out: Option<PathBuf>,
    pub explain: Option<String>,
    pub reasons: Reasons,
    pub breached_commitments: Option<PathBuf>,
}

pub fn run(args: EvalArgs) -> anyhow::Result<()> {
    let set = qinqing_rules::files::load_dir(&args.policies).map_err(|diagnostics| {
        for d in &diagnostics {
            eprintln!("{d}");
        }
        anyhow::anyhow!("政策文件有 {} 处问题", diagnostics.len())
    })?;
    let breaches = match &args.breached_commitments {
        Some(path) => Some(read_breaches(path)?),
        None => None,
    };
    let breached = |code: &str| {
        let count = qinqing_domain::CreditCode::parse(code)
            .ok()
            .and_then(|c| breaches.as_ref()?.get(&c).copied());
        Value::Integer(count.unwrap_or(0))
    };
    // Enterprises whose records are kept, to explain them with the single-record evaluator.
    let explained = match &args.explain {
        Some(code) => Reasons::Some(HashSet::from([code.trim().to_string()])),
        None => args.reasons,
    };
    let started = std::time::Instant::now();
    let mut profiles = ProfileColumns::new(&set.schema);
    let mut kept: HashMap<String, Vec<EnterpriseRecord>> = HashMap::new();
    read_enterprises(&args.enterprises, |record| {
        profiles.add(&record.identity, &record.qualifications, &record.figures);
        let code = record.identity.credit_code.as_str();
        if explained.wants(code) {
            kept.entry(code.to_string()).or_default().push(record);
        }
    })?;
    if breaches.is_some() {
        profiles.set_each("breached_commitments", breached);
    }
    let facts_of = |records: &[EnterpriseRecord]| {
        let figures: Vec<_> = records.iter().map(|r| r.figures.clone()).collect();
        let mut facts =
            Facts::from_profile(&records[0].identity, &records[0].qualifications, &figures);
        if breaches.is_some() {
            facts.set("breached_commitments", breached(&facts.subject_id));
        }
        facts
    };
    if let Some(code) = args.explain {
        let records = kept
            .get(code.trim())
            .with_context(|| format!("{} 中没有企业 {code}", args.enterprises.display()))?;
        println!(
            "{}",
            qinqing_rules::api::explain(&set, &facts_of(records), args.year)
        );
        return Ok(());
    }
    let out = args
        .out
        .context("没有 --explain 时须用 --out 指定结果文件")?;
    let cols = profiles.finish();
    let read = started.elapsed();
    let result = sweep(&set, &cols, args.year);
    let swept = started.elapsed();
    let reasons: HashMap<usize, Vec<String>> = (0..cols.len())
        .filter_map(|row| {
            let records = kept.get(cols.subject_id(row))?;
            let granted = |p| result.granted(p, row);
            let why = qinqing_rules::api::reasons(&set, &facts_of(records), args.year, granted);
            Some((row, why))
        })
        .collect();
    let lines = write_results(&out, &set, &cols, &result, &reasons)?;
    let seconds = |d: std::time::Duration| d.as_secs_f64();
    println!(
        "{} 家企业 × {} 项政策:{lines} 行结果写入 {}(读取 {:.2} 秒,测算 {:.2} 秒,写出 {:.2} 秒)",
        cols.len(),
        set.policies.len(),
        out.display(),
        seconds(read),
        seconds(swept - read),
        seconds(started.elapsed() - swept)
    );
    Ok(())
}

/// Calls `each` with every row of an enterprise file: a CSV file piece by piece, an XLSX
/// workbook (a zip, not readable in pieces) whole. Any bad row stops the run with every
/// problem listed by file, row and column.
fn read_enterprises(path: &Path, mut each: impl FnMut(EnterpriseRecord)) -> anyhow::Result<()> {
    let format = FileFormat::from_file_name(&path.to_string_lossy())
        .with_context(|| format!("{}:请使用 .csv 或 .xlsx 文件", path.display()))?;
    let rejected = |report: ImportReport| {
        for row in &report.errors {
            eprintln!("{}:{row}", path.display());
        }
        anyhow::anyhow!("{}:{report}", path.display())
    };
    let reading = |e| anyhow::Error::new(e).context(format!("读取 {} 失败", path.display()));
    match format {
        FileFormat::Csv => {
            let mut file = std::fs::File::open(path).map_err(reading)?;
            // Two stages on two threads: this one reads the file and splits it into cells, the
            // caller's reads the cells into records and columns.
            let (send, receive) = std::sync::mpsc::sync_channel(2);
            let mut rows = EnterpriseRows::default();
            std::thread::scope(|s| {
                let splitter = s.spawn(move || -> std::io::Result<()> {
                    let mut pieces = CsvPieces::new();
                    let mut buffer = vec![0; PIECE];
                    loop {
                        let n = file.read(&mut buffer)?;
                        if n == 0 {
                            break;
                        }
                        if let Some(piece) = pieces.feed(&buffer[..n])
                            && send.send(piece).is_err()
                        {
                            return Ok(());
                        }
                    }
                    if let Some(piece) = pieces.finish() {
                        // The receiver reads until this thread ends; it cannot have hung up.
                        let _ = send.send(piece);
                    }
                    Ok(())
                });
                for piece in receive {
                    rows.read(piece, &mut each);
                }
                splitter
                    .join()
                    .unwrap_or_else(|_| Err(std::io::Error::other("读取线程异常退出")))
            })
            .map_err(reading)?;
            rows.finish().map_err(rejected)?;
        }
        FileFormat::Xlsx => {
            let bytes = std::fs::read(path).map_err(reading)?;
            let records = qinqing_exchange::parse_enterprises(&bytes, format).map_err(rejected)?;
            records.into_iter().for_each(each);
        }
    }
    Ok(())
}

fn read_breaches(
    path: &Path,
) -> anyhow::Result<std::collections::BTreeMap<qinqing_domain::CreditCode, i64>> {
    let bytes = std::fs::read(path).with_context(|| format!("读取 {} 失败", path.display()))?;
    qinqing_exchange::breaches::read_breaches(&bytes).map_err(|errors| {
        for row in &errors {
            eprintln!("{}:{row}", path.display());
        }
        anyhow::anyhow!("{} 中有 {} 处问题", path.display(), errors.len())
    })
}

/// Writes the result CSV: blocks of enterprises formatted in parallel, written in order.
/// Returns the number of result lines.
fn write_results(
    out: &Path,
    set: &PolicySet,
    cols: &Columns,
    result: &SweepResult,
    reasons: &HashMap<usize, Vec<String>>,
) -> anyhow::Result<usize> {
    let writing = |e| anyhow::Error::new(e).context(format!("写入 {} 失败", out.display()));
    let mut file = std::io::BufWriter::new(std::fs::File::create(out).map_err(writing)?);
    file.write_all(qinqing_rules::api::EVAL_CSV_HEADER.as_bytes())
        .map_err(writing)?;
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let blocks: Vec<std::ops::Range<usize>> = (0..cols.len())
        .step_by(OUTPUT_BLOCK)
        .map(|a| a..(a + OUTPUT_BLOCK).min(cols.len()))
        .collect();
    // One round formats as many blocks as there are threads, then writes them in order.
    for round in blocks.chunks(threads) {
        let texts: Vec<String> = std::thread::scope(|s| {
            let handles: Vec<_> = round
                .iter()
                .map(|rows| {
                    s.spawn(move || {
                        let mut text = String::new();
                        qinqing_rules::api::sweep_csv(
                            set,
                            cols,
                            result,
                            rows.clone(),
                            reasons,
                            &mut text,
                        );
                        text
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join()
                        .map_err(|_| anyhow::anyhow!("结果格式化线程异常退出"))
                })
                .collect::<anyhow::Result<_>>()
        })?;
        for text in texts {
            file.write_all(text.as_bytes()).map_err(writing)?;
        }
    }
    file.flush().map_err(writing)?;
    let listed = set
        .policies
        .iter()
        .filter(|p| p.entity == qinqing_rules::Entity::Enterprise)
        .count();
    Ok(cols.len() * listed)
}
