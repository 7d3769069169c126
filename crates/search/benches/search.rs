//! Index build time and query latency over 1,000 synthetic Chinese policies.
//!
//! `cargo bench -p qinqing-search --bench search`
//!
//! The corpus and the queries come from a fixed-seed PRNG ([`SEED`]), so every
//! run measures the same work. Latency is wall-clock time of
//! `PolicyIndex::search` with limit 10, i.e. including title and snippet
//! highlighting of the ten hits.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test or benchmark stops at its first surprise"
)]
use std::time::{Duration, Instant};

use qinqing_search::{Filters, PolicyDoc, PolicyIndex};

const SEED: u64 = 0x5EED_2026_0001;
const POLICIES: usize = 1_000;
const QUERIES: usize = 200;
const LIMIT: usize = 10;

/// splitmix64: tiny, deterministic, good enough to pick phrases.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const PHRASES: &[&str] = &[
    "高新技术企业",
    "研发费用",
    "设备投资",
    "稳岗补贴",
    "首次突破",
    "专精特新",
    "创业担保贷款",
    "人才引进",
    "租金补贴",
    "技术改造",
    "数字化转型",
    "首台套",
    "知识产权",
    "科技成果转化",
    "小微企业",
    "贷款贴息",
    "社保补贴",
    "职业技能培训",
    "产值",
    "规模以上工业企业",
    "绿色制造",
    "节能降耗",
    "外贸出口",
    "跨境电商",
    "招商引资",
    "总部经济",
    "孵化器",
    "众创空间",
    "企业技术中心",
    "工业互联网",
    "智能制造",
    "品牌建设",
    "质量提升",
    "标准制定",
    "融资担保",
    "上市挂牌",
    "应届高校毕业生",
    "吸纳就业",
    "以工代训",
    "一次性扩岗补助",
    "房产税",
    "城镇土地使用税",
    "增值税留抵退税",
    "加计扣除",
    "文化旅游",
    "现代农业",
    "物流降本",
    "新能源汽车",
    "生物医药",
    "集成电路",
    "软件和信息技术服务业",
    "首次入库",
    "研发投入",
    "专利",
    "商标",
    "博士后工作站",
];
const REGIONS: &[&str] = &["省", "市", "高新区", "经开区", "滨江区", "临港新区"];
const TITLE_FORMS: &[&str] = &[
    "关于支持{}的若干措施",
    "{}奖励实施细则",
    "关于做好{}工作的通知",
    "{}专项资金管理办法",
    "促进{}发展的实施意见",
    "{}申报指南",
];
const SENTENCES: &[&str] = &[
    "对认定为{}的企业，给予一次性奖励，最高不超过{}万元。",
    "企业{}年度增长超过{}%的，按增量部分给予补助。",
    "支持企业开展{}，按实际投入的{}%给予补贴。",
    "对符合条件的{}项目，优先推荐申报国家和省级专项资金，给予{}万元配套支持。",
    "本政策所称{}，是指在本市依法登记注册、具有独立法人资格的企业，近三年累计{}项以上。",
    "申报单位应当如实提供{}相关材料，对弄虚作假的，收回补助资金并{}年内取消申报资格。",
    "鼓励金融机构加大对{}的信贷支持，对新增贷款给予{}%贴息。",
    "各区县应当结合实际，统筹做好{}政策宣传和兑现工作，兑现时限不超过{}个工作日。",
];
const LEVELS: &[&str] = &["国家", "省", "市", "区"];
const DEPARTMENTS: &[&str] = &[
    "市科技局",
    "市工信局",
    "市人社局",
    "市财政局",
    "市商务局",
    "税务局",
];
const TOPICS: &[&str] = &[
    "科技创新",
    "人才",
    "就业创业",
    "金融支持",
    "税收优惠",
    "产业发展",
    "外贸",
];
const INDUSTRIES: &[&str] = &[
    "C", "C3311", "C39", "I65", "I6510", "F", "M73", "A01", "G54",
];
const STATUSES: &[&str] = &["有效", "有效", "有效", "已废止", "待生效"];
const MODES: &[&str] = &["申报", "免申即享"];

fn fill(rng: &mut Rng, form: &str, phrase: &str) -> String {
    form.replacen("{}", phrase, 1)
        .replacen("{}", &(1 + rng.below(500)).to_string(), 1)
}

fn policy(rng: &mut Rng, i: usize) -> PolicyDoc {
    let region = rng.pick(REGIONS);
    let (form, phrase) = (rng.pick(TITLE_FORMS), rng.pick(PHRASES));
    let title = format!("{region}{}", fill(rng, form, phrase));
    // 1–3 KB of text: sentences are 60–110 bytes of UTF-8.
    let target = 1_000 + rng.below(2_000);
    let mut text = String::new();
    while text.len() < target {
        let (form, phrase) = (rng.pick(SENTENCES), rng.pick(PHRASES));
        let sentence = fill(rng, form, phrase);
        text.push_str(&sentence);
    }
    let guide = format!(
        "申报条件：{}。申报材料：营业执照、{}证明材料。",
        rng.pick(PHRASES),
        rng.pick(PHRASES)
    );
    let topics = (0..1 + rng.below(2))
        .map(|_| rng.pick(TOPICS).to_owned())
        .collect();
    let industries = (0..rng.below(3))
        .map(|_| rng.pick(INDUSTRIES).to_owned())
        .collect();
    PolicyDoc {
        id: format!("policy-{i:04}"),
        title,
        document_text: text,
        guide,
        level: rng.pick(LEVELS).into(),
        department: rng.pick(DEPARTMENTS).into(),
        topics,
        industries,
        status: rng.pick(STATUSES).into(),
        mode: rng.pick(MODES).into(),
    }
}

fn query(rng: &mut Rng) -> String {
    (0..1 + rng.below(3))
        .map(|_| rng.pick(PHRASES))
        .collect::<Vec<_>>()
        .join(" ")
}

fn filters(rng: &mut Rng) -> Filters {
    let mut f = Filters::default();
    match rng.below(4) {
        0 => f.level = Some(rng.pick(LEVELS).into()),
        1 => f.topic = Some(rng.pick(TOPICS).into()),
        2 => f.industry = Some(rng.pick(INDUSTRIES).into()),
        _ => {
            f.status = Some("有效".into());
            f.mode = Some(rng.pick(MODES).into());
        }
    }
    f
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn measure(name: &str, index: &PolicyIndex, cases: &[(String, Filters)]) {
    let mut times = Vec::with_capacity(cases.len());
    let mut hits = 0;
    for (q, f) in cases {
        let start = Instant::now();
        let found = index.search(q, f, LIMIT).expect("search");
        times.push(start.elapsed());
        hits += found.len();
    }
    times.sort();
    println!(
        "{name:<28} median {:>8.3} ms   p99 {:>8.3} ms   max {:>8.3} ms   (avg hits {:.1})",
        percentile(&times, 0.5).as_secs_f64() * 1e3,
        percentile(&times, 0.99).as_secs_f64() * 1e3,
        times.last().unwrap().as_secs_f64() * 1e3,
        hits as f64 / cases.len() as f64,
    );
}

fn main() {
    let mut rng = Rng(SEED);
    let docs: Vec<PolicyDoc> = (0..POLICIES).map(|i| policy(&mut rng, i)).collect();
    let bytes: usize = docs.iter().map(|d| d.document_text.len()).sum();
    println!(
        "{POLICIES} policies, {:.1} MB of document text (avg {:.1} KB), seed {SEED:#x}",
        bytes as f64 / 1e6,
        bytes as f64 / POLICIES as f64 / 1e3
    );

    let start = Instant::now();
    let index = PolicyIndex::build(&docs).expect("build");
    println!(
        "index build                  {:>8.1} ms",
        start.elapsed().as_secs_f64() * 1e3
    );

    let plain: Vec<(String, Filters)> = (0..QUERIES)
        .map(|_| (query(&mut rng), Filters::default()))
        .collect();
    let filtered: Vec<(String, Filters)> = (0..QUERIES)
        .map(|_| (query(&mut rng), filters(&mut rng)))
        .collect();
    let listing: Vec<(String, Filters)> = (0..QUERIES)
        .map(|_| (String::new(), filters(&mut rng)))
        .collect();

    // Warm-up (first use loads jieba's dictionary if build did not already).
    measure("warm-up", &index, &plain[..20]);
    measure("query, no filters", &index, &plain);
    measure("query + filters", &index, &filtered);
    measure("empty query + filters", &index, &listing);
}
