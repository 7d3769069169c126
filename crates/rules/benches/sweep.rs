//! Sweep benchmark: 1,000,000 synthetic enterprises × 200 policies (variants of the example library).
//!
//! Run: `cargo bench -p qinqing-rules --bench sweep` (env `QINQING_BENCH_N` = number of
//! enterprises, default 1,000,000; `QINQING_BENCH_SEED`, default 42).
//!
//! Dataset (deterministic for a seed, SplitMix64): each enterprise has an industry drawn from 12
//! sectors (10 manufacturing/industrial, trade, software), a region in 泉州台商投资区 (350521,
//! 90 %) or outside, an ownership, a credit status (3 % 失信, 7 % 关注), revenue/employees/
//! assets/R&D/equipment investment for 2023, 2024 and 2025 around the sector's scale (0.05×–8×,
//! growth −15 %…+25 %, R&D missing for 8 %), qualifications like the demo data (高新 25 %, 省级
//! 专精特新 12 %, 小巨人 4 %, 科技型中小企业 15 %, dates 2019–2025) and, for 10 %, months employed of newly hired
//! target-group staff. Policies: the example library (with its year-on-year change, growth,
//! consecutive-years, increase-based percent and recognition-window policies p8–p10), each of the 12 files in ~17 variants whose numeric
//! thresholds and fixed amounts are scaled by 0.6–1.5 and whose groups, caps and budget pools
//! are per variant; every other variant of the R&D policy also requires an SME size class.
//!
//! Reported: load time (generating and building the columns), sweep time (all policies, all
//! enterprises, rewards, cross-policy rules and budgets), outcome counts, total granted, peak
//! memory (VmHWM), and the single-record evaluator on one enterprise × 500 policies.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test or benchmark stops at its first surprise"
)]
use qinqing_domain::enterprise::{CreditStatus, Ownership, Qualification};
use qinqing_domain::{DivisionCode, IndustryCode, Money};
use qinqing_rules::batch::{ColumnsBuilder, sweep};
use qinqing_rules::files::load_dir;
use qinqing_rules::model::{Atom, AttrRef, Bound, Condition, Leaf, Period, Policy, Test};
use qinqing_rules::{EvalOptions, Facts, PolicySet, Value, evaluate};
use std::path::PathBuf;
use std::time::Instant;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// (industry, median revenue 万元, median staff).
const SECTORS: [(&str, u64, u64); 12] = [
    ("C3311", 8_000, 180),
    ("C3421", 12_000, 220),
    ("C3811", 15_000, 260),
    ("C3911", 20_000, 300),
    ("C3971", 25_000, 280),
    ("C1711", 6_000, 350),
    ("C1951", 9_000, 500),
    ("C2651", 30_000, 200),
    ("C2927", 4_000, 120),
    ("D44", 40_000, 150),
    ("F5211", 3_000, 60),
    ("I6513", 2_000, 70),
];
const REGIONS: [&str; 6] = [
    "350521100201",
    "350521101201",
    "350521101",
    "350521102",
    "350521",
    "350503",
];

fn enterprise(rng: &mut Rng, i: usize, codes: &Codes) -> Facts {
    let mut f = Facts::new(
        &format!("91350521{i:010}"),
        "合成企业",
        qinqing_rules::Entity::Enterprise,
    );
    let s = rng.below(SECTORS.len() as u64) as usize;
    let (_, revenue_wan, staff) = SECTORS[s];
    f.set("industry", Value::Industry(codes.industries[s].clone()));
    let region = if rng.chance(90) {
        rng.below(5) as usize
    } else {
        5
    };
    f.set("region", Value::Region(codes.regions[region].clone()));
    f.set(
        "ownership",
        Value::Ownership(Ownership::ALL[rng.below(7) as usize]),
    );
    let credit = match rng.below(100) {
        0..=2 => CreditStatus::Bad,
        3..=9 => CreditStatus::Watch,
        _ => CreditStatus::Good,
    };
    f.set("credit_status", Value::CreditStatus(credit));
    let scale = [50, 120, 300, 600, 1000, 1500, 3000, 8000][rng.below(8) as usize] + rng.below(200);
    let mut rev = revenue_wan * scale / 1000;
    let mut emp = (staff * scale / 1000).max(3);
    for year in [2023, 2024, 2025] {
        rev = (rev * (85 + rng.below(40)) / 100).max(20);
        emp = (emp * (95 + rng.below(15)) / 100).max(3);
        let yuan = |wan: u64, rng: &mut Rng| {
            Value::Money(Money::from_fen(
                (wan * 1_000_000 + rng.below(1_000_000)) as i64,
            ))
        };
        f.set_for_year("revenue", year, yuan(rev, rng));
        f.set_for_year("employees", year, Value::Integer(emp as i64));
        f.set_for_year(
            "total_assets",
            year,
            yuan(rev * (60 + rng.below(120)) / 100, rng),
        );
        if !rng.chance(8) {
            f.set_for_year("rd_expense", year, yuan(rev * rng.below(7) / 100, rng));
        }
        f.set_for_year(
            "equipment_investment",
            year,
            yuan(rev * rng.below(12) / 100, rng),
        );
    }
    if rng.chance(10) {
        let n = 1 + rng.below(6) as usize;
        let months = (0..n).map(|_| 1 + rng.below(40) as i64).collect();
        f.set_for_year("target_group_hire_months", 2025, Value::IntegerList(months));
    }
    let mut tags = Vec::new();
    let tag = |name: &str, from: i32, span: u64, rng: &mut Rng| Qualification {
        name: name.to_string(),
        recognised_on: chrono::NaiveDate::from_ymd_opt(
            from + rng.below(span) as i32,
            1 + rng.below(12) as u32,
            1 + rng.below(28) as u32,
        ),
        expires_on: None,
    };
    if rng.chance(25) {
        tags.push(tag("国家高新技术企业", 2019, 7, rng));
        if rng.chance(30) {
            tags.push(tag("国家高新技术企业", 2025, 1, rng));
        }
    }
    if rng.chance(12) {
        tags.push(tag("省级专精特新中小企业", 2021, 5, rng));
    }
    if rng.chance(4) {
        tags.push(tag("国家级专精特新“小巨人”企业", 2022, 4, rng));
    }
    if rng.chance(15) {
        tags.push(tag("科技型中小企业", 2021, 5, rng));
    }
    f.set_qualifications(Some(tags));
    f
}

struct Codes {
    industries: Vec<IndustryCode>,
    regions: Vec<DivisionCode>,
}

/// Scales every literal threshold of a condition by `num / 100`.
fn scale_condition(c: &mut Condition, num: i64) {
    match c {
        Condition::All(items) | Condition::Any(items) => {
            items.iter_mut().for_each(|i| scale_condition(i, num));
        }
        Condition::Not(inner) => scale_condition(inner, num),
        Condition::Leaf(Leaf {
            test: Test::Compare { bounds, .. },
            ..
        }) => {
            for (b, _) in bounds.lower.iter_mut().chain(bounds.upper.iter_mut()) {
                if let Bound::Lit(v) = b {
                    *v = *v / 100 * num;
                }
            }
        }
        Condition::Leaf(_) => {}
    }
}

fn variants(base: &PolicySet, target: usize) -> PolicySet {
    let mut out = Vec::new();
    let sme = base.schema.get("size_class").expect("standard field");
    let mut k = 0;
    while out.len() < target {
        for p in &base.policies {
            if out.len() == target {
                break;
            }
            let mut v: Policy = p.clone();
            v.id = format!("{}-v{k:02}", p.id);
            v.cases.clear();
            let factor = 60 + (k as i64 * 37) % 91; // 60 %..150 %
            scale_condition(&mut v.condition, factor);
            if let Some(g) = &mut v.cross.exclusive_group {
                *g = format!("{g}-v{k}");
            }
            if let Some((g, _)) = &mut v.cross.annual_cap {
                *g = format!("{g}-v{k}");
            }
            if let Some(b) = &mut v.cross.budget {
                b.pool = format!("{}-v{k}", b.pool);
            }
            if p.id.starts_with("p7")
                && k % 2 == 1
                && let Condition::All(items) = &mut v.condition
            {
                items.push(Condition::Leaf(Leaf {
                    test: Test::InSet {
                        attr: AttrRef {
                            attr: sme,
                            period: Period::PolicyYear,
                        },
                        values: vec![Atom::Code(1), Atom::Code(2), Atom::Code(3)],
                    },
                    line: 0,
                    label: None,
                }));
            }
            out.push(v);
        }
        k += 1;
    }
    PolicySet::new(base.schema.clone(), out).expect("variants are consistent")
}

/// User + system CPU time of the process so far, in seconds (from /proc/self/stat, in ticks
/// of 1/100 s): unlike wall time it does not grow when other jobs share the cores.
fn cpu_seconds() -> f64 {
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            // Fields after the command name (which is in parentheses and may hold spaces).
            let rest = s.rsplit_once(')')?.1;
            let f: Vec<&str> = rest.split_whitespace().collect();
            let ticks = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
            Some(ticks / 100.0)
        })
        .unwrap_or(0.0)
}

fn peak_mib() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(|l| l.trim_start_matches("VmHWM:").trim().to_string())
        })
        .unwrap_or_else(|| "n/a".into())
}

fn main() {
    let n: usize = std::env::var("QINQING_BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let seed: u64 = std::env::var("QINQING_BENCH_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(42);
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../policies/examples");
    let library = load_dir(&dir).expect("example library loads");
    let set = variants(&library, 200);
    let codes = Codes {
        industries: SECTORS
            .iter()
            .map(|s| IndustryCode::parse(s.0).expect("sector codes exist"))
            .collect(),
        regions: REGIONS
            .iter()
            .map(|r| DivisionCode::parse(r).expect("region codes are valid"))
            .collect(),
    };

    let t = Instant::now();
    let mut rng = Rng(seed);
    let mut builder = ColumnsBuilder::new(&set.schema, qinqing_rules::Entity::Enterprise);
    let mut sample = None;
    for i in 0..n {
        let f = enterprise(&mut rng, i, &codes);
        builder.push(&f);
        if i == 7 {
            sample = Some(f);
        }
    }
    let cols = builder.finish();
    let load = t.elapsed();
    println!(
        "dataset: {n} enterprises (seed {seed}), {} policies; columns {:.0} MiB",
        set.policies.len(),
        cols.heap_bytes() as f64 / 1_048_576.0
    );
    println!("load (generate + build columns + derive size classes): {load:.2?}");

    let mut best = None;
    let mut result = None;
    let runs: usize = std::env::var("QINQING_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    for run in 1..=runs {
        let (t, cpu) = (Instant::now(), cpu_seconds());
        let r = sweep(&set, &cols, 2025);
        let e = t.elapsed();
        println!(
            "sweep run {run}: {e:.3?} (CPU {:.2} s)",
            cpu_seconds() - cpu
        );
        best = Some(best.map_or(e, |b: std::time::Duration| b.min(e)));
        result = Some(r);
    }
    let r = result.expect("at least one run");
    let c = r.totals();
    println!(
        "sweep best: {:.3?} for {} enterprise × policy results",
        best.unwrap_or_default(),
        n * set.policies.len()
    );
    println!(
        "outcomes: eligible {}, ineligible {}, undetermined {}",
        c.eligible, c.ineligible, c.undetermined
    );
    let total = Money::from_fen(i64::try_from(c.granted).unwrap_or(i64::MAX));
    println!(
        "total granted after cross-policy rules: {} 元",
        total.format_grouped()
    );

    if let Some(f) = sample {
        let five_hundred = variants(&library, 500);
        let opts = EvalOptions::default();
        let t = Instant::now();
        let rounds = 20;
        let mut checks = 0;
        for _ in 0..rounds {
            for p in &five_hundred.policies {
                checks += evaluate(p, &five_hundred.schema, &f, 2025, &opts)
                    .checks
                    .len();
            }
        }
        println!(
            "single record: one enterprise × 500 policies with explanations: {:.3?} ({checks} checks)",
            t.elapsed() / rounds
        );
    }
    println!("peak memory (VmHWM): {}", peak_mib());
}
