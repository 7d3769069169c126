//! The sweep: every policy over every row, block by block, on all cores.
//!
//! Rows are split into one contiguous range per core; each range is processed in blocks of
//! [`BLOCK`] rows. For a block, every node of the shared graph is evaluated once into two bit
//! words per 64 rows (*true*, *unknown*; neither means *false*), children before parents. Then,
//! per policy, rows whose root is true get their reward computed — from the columns for the common
//! shapes ([`FastReward`]), otherwise by the single evaluator's code through a
//! [`RowView`](super::columns::RowView) — and the exclusive groups and annual caps are applied per
//! row. Budgets, which span all rows, are applied at the end in row order. Each thread writes its
//! own words of the result bitsets and keeps its eligible rows as one part, so nothing is copied
//! when the threads finish.

use super::columns::{Columns, Data, SIZE_MISSING, SIZE_NA, bit};
use super::compile::FastReward;
use super::compile::{Graph, Kernel, Node};
use crate::cross::{allocate, fill_cap, keep_highest};
use crate::eval::leaf::{RatioTest, Resolved, granted_other_year, tag_meets, value_passes};
use crate::eval::{Env, Outcome, Tri, decide_with, reward};
use crate::facts::TagView;
use crate::set::PolicySet;
use qinqing_domain::Money;

/// Rows per block: 64 words of bits, so a block's node values stay in cache.
pub const BLOCK: usize = 4096;
const WORDS: usize = BLOCK / 64;

/// The results of one policy over all rows.
///
/// Eligible rows are the set bits of `eligible`; their amounts are stored in row order, one part
/// per thread, and found by rank (the number of eligible rows before a row), so no row numbers
/// are stored.
#[derive(Debug, Clone, Default)]
pub struct PolicyColumn {
    pub(crate) eligible: Vec<u64>,
    pub(crate) undetermined: Vec<u64>,
    /// Eligible rows in the words before each word.
    pub(crate) rank: Vec<u32>,
    /// The evaluated amount when it is the same for every eligible row (then `amounts` is empty).
    pub(crate) constant: Option<i64>,
    pub(crate) parts: Vec<Part>,
}

/// The eligible rows of one thread's range: evaluated amounts (empty when constant) and granted
/// amounts (empty when no cross-policy rule touches the policy: then equal to the evaluated).
#[derive(Debug, Clone, Default)]
pub(crate) struct Part {
    /// Rank of the part's first row.
    pub first: usize,
    pub len: usize,
    pub amounts: Vec<i64>,
    pub granted: Vec<i64>,
}

impl PolicyColumn {
    fn amount(&self, part: &Part, i: usize) -> i64 {
        self.constant.unwrap_or_else(|| part.amounts[i])
    }

    fn granted_at(&self, part: &Part, i: usize) -> i64 {
        part.granted
            .get(i)
            .copied()
            .unwrap_or_else(|| self.amount(part, i))
    }

    /// (part, index) of an eligible row.
    fn position(&self, row: usize) -> Option<(&Part, usize)> {
        if !bit(&self.eligible, row) {
            return None;
        }
        let (w, b) = (row / 64, row % 64);
        let below = self.eligible[w] & ((1u64 << b) - 1);
        let r = self.rank[w] as usize + below.count_ones() as usize;
        let part = self
            .parts
            .iter()
            .rev()
            .find(|p| p.len > 0 && p.first <= r)?;
        Some((part, r - part.first))
    }

    fn total_granted(&self) -> i128 {
        self.parts
            .iter()
            .map(|part| {
                if !part.granted.is_empty() {
                    part.granted.iter().map(|&g| i128::from(g)).sum()
                } else if let Some(c) = self.constant {
                    i128::from(c) * part.len as i128
                } else {
                    part.amounts.iter().map(|&g| i128::from(g)).sum::<i128>()
                }
            })
            .sum()
    }
}

/// The outcome of a sweep.
#[derive(Debug, Clone)]
pub struct SweepResult {
    pub year: i32,
    pub rows: usize,
    pub policies: Vec<PolicyColumn>,
}

/// Outcome counts of one policy, and what it grants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts {
    pub eligible: usize,
    pub ineligible: usize,
    pub undetermined: usize,
    /// Σ granted, fen.
    pub granted: i128,
}

impl SweepResult {
    pub fn counts(&self, policy: usize) -> Counts {
        let p = &self.policies[policy];
        let ones = |b: &[u64]| b.iter().map(|w| w.count_ones() as usize).sum::<usize>();
        let eligible = ones(&p.eligible);
        let undetermined = ones(&p.undetermined);
        Counts {
            eligible,
            undetermined,
            ineligible: self.rows - eligible - undetermined,
            granted: p.total_granted(),
        }
    }

    /// Counts over all policies.
    pub fn totals(&self) -> Counts {
        (0..self.policies.len())
            .map(|p| self.counts(p))
            .fold(Counts::default(), |a, c| Counts {
                eligible: a.eligible + c.eligible,
                ineligible: a.ineligible + c.ineligible,
                undetermined: a.undetermined + c.undetermined,
                granted: a.granted + c.granted,
            })
    }

    /// The granted amount after cross-policy rules (eligible rows only).
    pub fn granted(&self, policy: usize, row: usize) -> Option<Money> {
        let p = &self.policies[policy];
        p.position(row)
            .map(|(part, i)| Money::from_fen(p.granted_at(part, i)))
    }

    /// What [`Outcome::as_str`] says of the outcome of `policy` for `row`, without evaluating
    /// the row again.
    pub fn outcome_name(&self, policy: usize, row: usize) -> &'static str {
        let p = &self.policies[policy];
        if bit(&p.eligible, row) {
            "eligible"
        } else if bit(&p.undetermined, row) {
            "undetermined"
        } else {
            "ineligible"
        }
    }

    /// The outcome of `policy` for `row`, as the single evaluator states it; the missing facts
    /// of an undetermined row are listed by evaluating that row.
    pub fn outcome(&self, set: &PolicySet, cols: &Columns, policy: usize, row: usize) -> Outcome {
        let p = &self.policies[policy];
        if let Some((part, i)) = p.position(row) {
            return Outcome::Eligible {
                amount: Money::from_fen(p.amount(part, i)),
            };
        }
        if bit(&p.undetermined, row) {
            let env = Env::new(&set.schema, &set.policies[policy], self.year);
            return match decide_with(&env, &cols.row(row)) {
                u @ Outcome::Undetermined { .. } => u,
                // Cannot happen if the kernels agree with the tree; say so rather than hide it.
                other => Outcome::Undetermined {
                    missing: vec![crate::eval::MissingFact {
                        key: "internal:disagreement".into(),
                        label: format!("列式与逐条计算结果不一致:{}", other.as_str()),
                    }],
                },
            };
        }
        Outcome::Ineligible
    }
}

/// Evaluates every policy of `set` for every row of `cols` in policy year `year`, budget pools
/// shared among the rows as [`PolicySet::evaluate_all`] shares them among its subjects.
pub fn sweep(set: &PolicySet, cols: &Columns, year: i32) -> SweepResult {
    let mut result = sweep_before_budgets(set, cols, year);
    apply_budgets(set, &mut result.policies);
    result
}

/// [`sweep`] without sharing budget pools: what each row is granted on its own, after exclusive
/// groups and annual caps, as [`PolicySet::subject_result`] gives it. For callers that hold a
/// budget back themselves, offer by offer (a 免申即享 run): a pool shared among whichever rows
/// one call happens to see would make a row's amount depend on its neighbours.
pub fn sweep_before_budgets(set: &PolicySet, cols: &Columns, year: i32) -> SweepResult {
    let envs: Vec<Env<'_>> = set
        .policies
        .iter()
        .map(|p| Env::new(&set.schema, p, year))
        .collect();
    let mut graph = Graph::default();
    for env in &envs {
        graph.add_policy(env, cols);
    }
    let rewards: Vec<Option<FastReward>> = envs
        .iter()
        .map(|env| FastReward::compile(&env.policy.reward, env, cols, &mut graph))
        .collect();
    let constants: Vec<Option<i64>> = rewards
        .iter()
        .map(|r| r.as_ref().and_then(FastReward::constant))
        .collect();
    let grouped = grouped_policies(set);
    let n_pol = set.policies.len();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let blocks = cols.n.div_ceil(BLOCK);
    let per_thread = blocks.div_ceil(threads.max(1)).max(1);
    let ranges: Vec<(usize, usize)> = (0..threads)
        .map(|t| {
            let first = (t * per_thread).min(blocks) * BLOCK;
            let last = ((t + 1) * per_thread).min(blocks) * BLOCK;
            (first.min(cols.n), last.min(cols.n))
        })
        .collect();
    let words = cols.n.div_ceil(64);
    let mut eligible: Vec<Vec<u64>> = (0..n_pol).map(|_| vec![0; words]).collect();
    let mut undetermined: Vec<Vec<u64>> = (0..n_pol).map(|_| vec![0; words]).collect();
    // Each thread writes its own words of every policy's bitsets.
    let mut slices: Vec<Vec<(&mut [u64], &mut [u64])>> = (0..threads).map(|_| Vec::new()).collect();
    for (e, u) in eligible.iter_mut().zip(undetermined.iter_mut()) {
        let (mut e, mut u) = (e.as_mut_slice(), u.as_mut_slice());
        for (t, &(a, b)) in ranges.iter().enumerate() {
            let w = (b - a).div_ceil(64);
            let (e_here, e_rest) = std::mem::take(&mut e).split_at_mut(w);
            let (u_here, u_rest) = std::mem::take(&mut u).split_at_mut(w);
            slices[t].push((e_here, u_here));
            e = e_rest;
            u = u_rest;
        }
    }
    let ctx = Ctx {
        set,
        cols,
        envs: &envs,
        graph: &graph,
        grouped: &grouped,
        rewards: &rewards,
        constants: &constants,
    };
    let parts: Vec<Vec<Part>> = std::thread::scope(|s| {
        let handles: Vec<_> = ranges
            .iter()
            .zip(slices)
            .map(|(&(a, b), bits)| {
                let ctx = &ctx;
                s.spawn(move || ctx.run(a, b, bits))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_default())
            .collect()
    });
    let mut policies: Vec<PolicyColumn> = eligible
        .into_iter()
        .zip(undetermined)
        .zip(constants)
        .map(|((eligible, undetermined), constant)| {
            let mut rank = Vec::with_capacity(eligible.len());
            let mut total = 0u32;
            for w in &eligible {
                rank.push(total);
                total += w.count_ones();
            }
            PolicyColumn {
                eligible,
                undetermined,
                rank,
                constant,
                parts: Vec::new(),
            }
        })
        .collect();
    for (thread_parts, &(a, _)) in parts.into_iter().zip(&ranges) {
        for (col, mut part) in policies.iter_mut().zip(thread_parts) {
            // An empty range (fewer blocks than threads) starts after every eligible row.
            let total = col.rank.last().map_or(0, |&r| r as usize)
                + col.eligible.last().map_or(0, |w| w.count_ones() as usize);
            part.first = col.rank.get(a / 64).map_or(total, |&r| r as usize);
            col.parts.push(part);
        }
    }
    SweepResult {
        year,
        rows: cols.n,
        policies,
    }
}

/// Policies in an exclusive group or a cap group (their amounts depend on each other per row).
fn grouped_policies(set: &PolicySet) -> Vec<bool> {
    let mut g = vec![false; set.policies.len()];
    for (_, members) in &set.cross.exclusive {
        members.iter().for_each(|&m| g[m] = true);
    }
    for (_, _, members) in &set.cross.caps {
        members.iter().for_each(|&m| g[m] = true);
    }
    g
}

struct Ctx<'a> {
    set: &'a PolicySet,
    cols: &'a Columns,
    envs: &'a [Env<'a>],
    graph: &'a Graph,
    grouped: &'a [bool],
    rewards: &'a [Option<FastReward>],
    constants: &'a [Option<i64>],
}

impl Ctx<'_> {
    /// Rows `start..end` (block-aligned start): fills the policies' bit words of the range and
    /// returns their eligible rows.
    fn run(&self, start: usize, end: usize, mut bits: Vec<(&mut [u64], &mut [u64])>) -> Vec<Part> {
        let n_pol = self.set.policies.len();
        let mut out: Vec<Part> = (0..n_pol).map(|_| Part::default()).collect();
        let n_nodes = self.graph.nodes.len();
        let mut t = vec![0u64; n_nodes * WORDS];
        let mut u = vec![0u64; n_nodes * WORDS];
        // Per block: amounts of the eligible rows and the granted amounts of grouped policies.
        let mut amounts = vec![0i64; n_pol * BLOCK];
        let mut granted = vec![0i64; n_pol * BLOCK];
        let mut elig = vec![0u64; n_pol * WORDS];
        let mut values = Vec::new();
        let mut missing = Vec::new();
        let mut block_start = start;
        while block_start < end {
            let len = BLOCK.min(end - block_start);
            let bw = len.div_ceil(64);
            let w0 = (block_start - start) / 64;
            self.eval_nodes(block_start, len, &mut t, &mut u);
            for (p, (e_bits, u_bits)) in bits.iter_mut().enumerate() {
                let root = self.graph.roots[p];
                let env = &self.envs[p];
                let grouped = self.grouped[p];
                let part = &mut out[p];
                for w in 0..bw {
                    let (tw, uw) = (t[root * WORDS + w], u[root * WORDS + w]);
                    if let Some(c) = self.constants[p] {
                        // Same amount for every eligible row: nothing to compute per row.
                        e_bits[w0 + w] = tw;
                        u_bits[w0 + w] = uw;
                        elig[p * WORDS + w] = tw;
                        part.len += tw.count_ones() as usize;
                        if grouped {
                            let mut pending = tw;
                            while pending != 0 {
                                let j = w * 64 + pending.trailing_zeros() as usize;
                                pending &= pending - 1;
                                granted[p * BLOCK + j] = c;
                            }
                        }
                        continue;
                    }
                    let mut eligible = 0u64;
                    let mut undetermined = uw;
                    let mut pending = tw;
                    while pending != 0 {
                        let b = pending.trailing_zeros() as usize;
                        pending &= pending - 1;
                        let j = w * 64 + b;
                        let a = match &self.rewards[p] {
                            Some(fast) => fast.amount(self.cols, block_start + j, j, &t, &u),
                            None => {
                                missing.clear();
                                let view = self.cols.row(block_start + j);
                                reward::amount(&env.policy.reward, env, &view, &mut missing)
                            }
                        };
                        match a {
                            Some(a) => {
                                eligible |= 1 << b;
                                part.len += 1;
                                if grouped {
                                    amounts[p * BLOCK + j] = a;
                                    granted[p * BLOCK + j] = a;
                                } else {
                                    part.amounts.push(a);
                                }
                            }
                            None => undetermined |= 1 << b,
                        }
                    }
                    e_bits[w0 + w] = eligible;
                    u_bits[w0 + w] = undetermined;
                    elig[p * WORDS + w] = eligible;
                }
            }
            self.cross(bw, &elig, &mut granted, &mut values);
            // Grouped policies: record after the cross-policy rules, in row order.
            for (p, part) in out.iter_mut().enumerate() {
                if !self.grouped[p] {
                    continue;
                }
                let constant = self.constants[p].is_some();
                for w in 0..bw {
                    let mut pending = elig[p * WORDS + w];
                    while pending != 0 {
                        let j = w * 64 + pending.trailing_zeros() as usize;
                        pending &= pending - 1;
                        if !constant {
                            part.amounts.push(amounts[p * BLOCK + j]);
                        }
                        part.granted.push(granted[p * BLOCK + j]);
                    }
                }
            }
            if block_start == start {
                // Reserve from the first block's counts, so the lists rarely move.
                let blocks_left = (end - start).div_ceil(BLOCK);
                for part in &mut out {
                    let expect = part.len * blocks_left * 9 / 8 + 16;
                    if !part.amounts.is_empty() {
                        part.amounts.reserve(expect);
                    }
                    if !part.granted.is_empty() {
                        part.granted.reserve(expect);
                    }
                }
            }
            block_start += len;
        }
        out
    }

    /// Exclusive groups, then annual caps, for the rows of a block where they change something.
    fn cross(&self, bw: usize, elig: &[u64], granted: &mut [i64], values: &mut Vec<Option<i64>>) {
        let cross = &self.set.cross;
        for (_, members) in &cross.exclusive {
            for w in 0..bw {
                // Only rows where two or more members are eligible.
                let (mut seen, mut multi) = (0u64, 0u64);
                for &p in members {
                    multi |= seen & elig[p * WORDS + w];
                    seen |= elig[p * WORDS + w];
                }
                while multi != 0 {
                    let j = w * 64 + multi.trailing_zeros() as usize;
                    multi &= multi - 1;
                    load(members, elig, granted, w, j, values);
                    keep_highest(values);
                    store(members, granted, j, values);
                }
            }
        }
        for (_, cap, members) in &cross.caps {
            for w in 0..bw {
                let mut any = members
                    .iter()
                    .fold(0u64, |acc, &p| acc | elig[p * WORDS + w]);
                while any != 0 {
                    let j = w * 64 + any.trailing_zeros() as usize;
                    any &= any - 1;
                    let sum = members
                        .iter()
                        .filter(|&&p| elig[p * WORDS + w] >> (j % 64) & 1 == 1)
                        .fold(0i64, |acc, &p| acc.saturating_add(granted[p * BLOCK + j]));
                    // Within the cap nothing changes.
                    if sum <= *cap {
                        continue;
                    }
                    load(members, elig, granted, w, j, values);
                    fill_cap(*cap, values);
                    store(members, granted, j, values);
                }
            }
        }
    }

    /// Evaluates every node of the graph for rows `start..start + len`.
    fn eval_nodes(&self, start: usize, len: usize, t: &mut [u64], u: &mut [u64]) {
        let words = len.div_ceil(64);
        let mask = |w: usize| -> u64 {
            let bits = (len - w * 64).min(64);
            if bits == 64 {
                u64::MAX
            } else {
                (1u64 << bits) - 1
            }
        };
        for (i, node) in self.graph.nodes.iter().enumerate() {
            let base = i * WORDS;
            match node {
                Node::Leaf(k) => self.leaf(
                    k,
                    start,
                    len,
                    &mut t[base..base + WORDS],
                    &mut u[base..base + WORDS],
                ),
                Node::Not(c) => {
                    for w in 0..words {
                        let (ct, cu) = (t[c * WORDS + w], u[c * WORDS + w]);
                        t[base + w] = !ct & !cu & mask(w);
                        u[base + w] = cu;
                    }
                }
                Node::All(items) | Node::Any(items) => {
                    let all = matches!(node, Node::All(_));
                    for w in 0..words {
                        let m = mask(w);
                        // all: true if every child true; false if any child false.
                        // any: true if any child true; false if every child false.
                        let (mut tt, mut ff) = if all { (m, 0) } else { (0, m) };
                        for &c in items {
                            let (ct, cu) = (t[c * WORDS + w], u[c * WORDS + w]);
                            let cf = !ct & !cu & m;
                            if all {
                                tt &= ct;
                                ff |= cf;
                            } else {
                                tt |= ct;
                                ff &= cf;
                            }
                        }
                        let (tt, ff) = if all { (tt & !ff, ff) } else { (tt, ff & !tt) };
                        t[base + w] = tt;
                        u[base + w] = !tt & !ff & m;
                    }
                }
            }
        }
    }

    /// A kernel over a block: sets `t` for true rows and `u` for unknown rows.
    fn leaf(&self, k: &Kernel, start: usize, len: usize, t: &mut [u64], u: &mut [u64]) {
        let cols = self.cols;
        let words = len.div_ceil(64);
        let w_start = start / 64;
        match k {
            Kernel::Const(c) => {
                for w in 0..words {
                    let m = mask(len, w);
                    t[w] = if *c == Tri::True { m } else { 0 };
                    u[w] = if *c == Tri::Unknown { m } else { 0 };
                }
            }
            Kernel::Num { col, lo, hi } => {
                let c = &cols.cols[*col];
                let Data::Num(v) = &c.data else {
                    return unknown(t, u, len);
                };
                match (inclusive_lower(*lo), inclusive_upper(*hi)) {
                    (Some(l), Some(h)) => {
                        range_words(t, u, len, start, &c.known, &v[start..start + len], l, h)
                    }
                    _ => known_words(t, u, len, start, &c.known, |_| false),
                }
            }
            Kernel::Count { col, lo, hi } => {
                let c = &cols.cols[*col];
                let Data::List { offsets, .. } = &c.data else {
                    return unknown(t, u, len);
                };
                let r = Resolved {
                    lower: *lo,
                    upper: *hi,
                };
                known_words(t, u, len, start, &c.known, |row| {
                    value_passes(i64::from(offsets[row + 1] - offsets[row]), &r)
                });
            }
            Kernel::Ratio {
                num,
                den,
                ns,
                ds,
                lo,
                hi,
            } => {
                let (a, b) = (&cols.cols[*num], &cols.cols[*den]);
                let (Data::Num(av), Data::Num(bv)) = (&a.data, &b.data) else {
                    return unknown(t, u, len);
                };
                let test = RatioTest::new(
                    *ns,
                    *ds,
                    &Resolved {
                        lower: *lo,
                        upper: *hi,
                    },
                );
                known_words(t, u, len, start, &a.known, |row| {
                    test.passes(av[row], bv[row])
                });
                // Unknown when either side is unknown.
                for w in 0..words {
                    let both = a.known[w_start + w] & b.known[w_start + w] & mask(len, w);
                    t[w] &= both;
                    u[w] = !both & mask(len, w);
                }
            }
            Kernel::Diff { a, b, lo, hi } => {
                let (ac, bc) = (&cols.cols[*a], &cols.cols[*b]);
                let (Data::Num(av), Data::Num(bv)) = (&ac.data, &bc.data) else {
                    return unknown(t, u, len);
                };
                let r = Resolved {
                    lower: *lo,
                    upper: *hi,
                };
                known_words(t, u, len, start, &ac.known, |row| {
                    value_passes(av[row].saturating_sub(bv[row]), &r)
                });
                for w in 0..words {
                    let both = ac.known[w_start + w] & bc.known[w_start + w] & mask(len, w);
                    t[w] &= both;
                    u[w] = !both & mask(len, w);
                }
            }
            Kernel::Ids { col, table } => {
                let c = &cols.cols[*col];
                let Data::Id(v) = &c.data else {
                    return unknown(t, u, len);
                };
                known_words(t, u, len, start, &c.known, |row| {
                    table.get(v[row] as usize).copied().unwrap_or(false)
                });
            }
            Kernel::Size { year, table } => match cols.sizes.get(year) {
                Some(sizes) => tri_words(t, u, len, start, |row| match sizes[row] {
                    SIZE_MISSING => Tri::Unknown,
                    SIZE_NA => Tri::False,
                    s => Tri::from_bool(table[usize::from(s)]),
                }),
                // No figures at all that year: the size needs them.
                None => tri_words(t, u, len, start, |row| {
                    if size_na_without_figures(cols, row) {
                        Tri::False
                    } else {
                        Tri::Unknown
                    }
                }),
            },
            Kernel::Tag {
                name,
                when,
                valid,
                year,
            } => {
                let (ys, ye) = crate::facts::year_bounds(*year).unwrap_or_default();
                tri_words(t, u, len, start, |row| {
                    if !bit(&cols.tags_known, row) {
                        return Tri::Unknown;
                    }
                    let Some(name) = name else { return Tri::False };
                    let (a, b) = (
                        cols.tag_offsets[row] as usize,
                        cols.tag_offsets[row + 1] as usize,
                    );
                    let mut result = Tri::False;
                    for e in &cols.tags[a..b] {
                        if e.name != *name {
                            continue;
                        }
                        let view = TagView {
                            name: "",
                            recognised_on: e.recognised_on,
                            expires_on: e.expires_on,
                        };
                        match tag_meets(&view, *when, *valid, *year, ys, ye) {
                            Some(true) => return Tri::True,
                            Some(false) => {}
                            None => result = Tri::Unknown,
                        }
                    }
                    result
                });
            }
            Kernel::FirstGrant { scope, year } => {
                // Grants are few per row: each goes through the single evaluator's test.
                tri_words(t, u, len, start, |row| {
                    if !bit(&cols.grants_known, row) {
                        return Tri::Unknown;
                    }
                    let earlier = cols
                        .grants_of(row)
                        .any(|g| granted_other_year(&g, scope, *year));
                    Tri::from_bool(!earlier)
                });
            }
        }
    }
}

/// The bits of the first `len` rows in word `w`.
fn mask(len: usize, w: usize) -> u64 {
    let bits = (len - w * 64).min(64);
    if bits == 64 {
        u64::MAX
    } else {
        (1u64 << bits) - 1
    }
}

fn unknown(t: &mut [u64], u: &mut [u64], len: usize) {
    for w in 0..len.div_ceil(64) {
        t[w] = 0;
        u[w] = mask(len, w);
    }
}

/// `v >= lower` as an inclusive bound; `None` when nothing passes (`> i64::MAX`).
fn inclusive_lower(b: Option<(i64, bool)>) -> Option<i64> {
    match b {
        None => Some(i64::MIN),
        Some((v, true)) => Some(v),
        Some((v, false)) => v.checked_add(1),
    }
}

fn inclusive_upper(b: Option<(i64, bool)>) -> Option<i64> {
    match b {
        None => Some(i64::MAX),
        Some((v, true)) => Some(v),
        Some((v, false)) => v.checked_sub(1),
    }
}

/// True bits where known and `pass`, unknown bits where not known (`start` is 64-aligned).
fn known_words(
    t: &mut [u64],
    u: &mut [u64],
    len: usize,
    start: usize,
    known: &[u64],
    pass: impl Fn(usize) -> bool,
) {
    for w in 0..len.div_ceil(64) {
        let m = mask(len, w);
        let k = known.get(start / 64 + w).copied().unwrap_or(0) & m;
        let base = start + w * 64;
        let n = (len - w * 64).min(64);
        let mut bits = 0u64;
        for b in 0..n {
            bits |= u64::from(pass(base + b)) << b;
        }
        t[w] = bits & k;
        u[w] = !k & m;
    }
}

/// `l <= v <= h` per value, as bits (a loop the compiler vectorises).
#[allow(clippy::too_many_arguments)]
fn range_words(
    t: &mut [u64],
    u: &mut [u64],
    len: usize,
    start: usize,
    known: &[u64],
    values: &[i64],
    l: i64,
    h: i64,
) {
    for (w, chunk) in values.chunks(64).enumerate() {
        let m = mask(len, w);
        let k = known.get(start / 64 + w).copied().unwrap_or(0) & m;
        let mut bits = 0u64;
        for (b, &x) in chunk.iter().enumerate() {
            bits |= u64::from((x >= l) & (x <= h)) << b;
        }
        t[w] = bits & k;
        u[w] = !k & m;
    }
}

/// Bits from a three-valued function of the row.
fn tri_words(t: &mut [u64], u: &mut [u64], len: usize, start: usize, f: impl Fn(usize) -> Tri) {
    for w in 0..len.div_ceil(64) {
        let (mut tw, mut uw) = (0u64, 0u64);
        for b in 0..(len - w * 64).min(64) {
            match f(start + w * 64 + b) {
                Tri::True => tw |= 1 << b,
                Tri::Unknown => uw |= 1 << b,
                Tri::False => {}
            }
        }
        t[w] = tw;
        u[w] = uw;
    }
}

/// Whether the row's industry has no size row at all (then the size test is false even
/// without figures, as in the single evaluator).
fn size_na_without_figures(cols: &Columns, row: usize) -> bool {
    let industry = match cols.slot(crate::schema::INDUSTRY, None) {
        Some(c) => match &c.data {
            Data::Id(v) if bit(&c.known, row) => cols.industries.items.get(v[row] as usize),
            _ => None,
        },
        None => None,
    };
    matches!(
        crate::eval::leaf::classify_size(industry, None, None, None, 0),
        crate::eval::leaf::SizeRead::NotApplicable
    )
}

/// The members' granted amounts of block row `j` (`None` when not eligible).
fn load(
    members: &[usize],
    elig: &[u64],
    granted: &[i64],
    w: usize,
    j: usize,
    values: &mut Vec<Option<i64>>,
) {
    values.clear();
    values.extend(
        members
            .iter()
            .map(|&p| (elig[p * WORDS + w] >> (j % 64) & 1 == 1).then(|| granted[p * BLOCK + j])),
    );
}

fn store(members: &[usize], granted: &mut [i64], j: usize, values: &[Option<i64>]) {
    for (&p, v) in members.iter().zip(values) {
        if let Some(v) = v {
            granted[p * BLOCK + j] = *v;
        }
    }
}

/// Shares each budget pool among its claims in row order, then policy order.
fn apply_budgets(set: &PolicySet, policies: &mut [PolicyColumn]) {
    for pool in &set.cross.pools {
        // Materialise the granted amounts the pool may change.
        for &p in &pool.members {
            let col = &mut policies[p];
            let constant = col.constant;
            for part in &mut col.parts {
                if part.granted.len() != part.len {
                    part.granted = match constant {
                        Some(c) => vec![c; part.len],
                        None => part.amounts.clone(),
                    };
                }
            }
        }
        // (policy, rank) of every positive claim, in row order, then policy order.
        let words = policies.first().map_or(0, |c| c.eligible.len());
        let mut at: Vec<(usize, usize)> = Vec::new();
        for w in 0..words {
            let mut any = pool
                .members
                .iter()
                .fold(0u64, |acc, &p| acc | policies[p].eligible[w]);
            while any != 0 {
                let b = any.trailing_zeros() as usize;
                any &= any - 1;
                for &p in &pool.members {
                    let col = &policies[p];
                    if col.eligible[w] >> b & 1 == 1 {
                        let below = col.eligible[w] & ((1u64 << b) - 1);
                        at.push((p, col.rank[w] as usize + below.count_ones() as usize));
                    }
                }
            }
        }
        let locate = |col: &PolicyColumn, r: usize| {
            let k = col
                .parts
                .iter()
                .rposition(|p| p.len > 0 && p.first <= r)
                .unwrap_or(0);
            (k, r - col.parts[k].first)
        };
        let mut claims = Vec::with_capacity(at.len());
        let mut slots = Vec::with_capacity(at.len());
        for &(p, r) in &at {
            let (k, i) = locate(&policies[p], r);
            let g = policies[p].parts[k].granted[i];
            if g > 0 {
                claims.push(g);
                slots.push((p, k, i));
            }
        }
        let paid = allocate(pool.total, &claims, pool.allocation);
        for ((p, k, i), pay) in slots.into_iter().zip(paid) {
            policies[p].parts[k].granted[i] = pay;
        }
    }
}
