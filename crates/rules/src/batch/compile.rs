//! Compiling condition trees into a shared graph of column kernels.
//!
//! Every test becomes a [`Kernel`] with its thresholds resolved for the policy year; identical
//! kernels, and identical `all`/`any`/`not` nodes over the same children, are built once and
//! shared by every policy that uses them ("share work across policies testing the same thing").
//! Lookup tables (which industry codes lie under "C", which regions under the district) are
//! computed once per distinct value with the single evaluator's functions.

use super::columns::{Columns, Data};
use crate::eval::leaf::{bound_value, industry_under, region_under};
use crate::eval::{Env, Tri, precheck};
use crate::model::{Atom, Bounds, Condition, GrantScope, Operand, TagWhen, Test};
use crate::schema::AttrType;
use std::collections::HashMap;

/// A bound resolved to (value, inclusive).
pub(crate) type RBound = Option<(i64, bool)>;

/// A test over columns.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Kernel {
    Const(Tri),
    Num {
        col: usize,
        lo: RBound,
        hi: RBound,
    },
    Count {
        col: usize,
        lo: RBound,
        hi: RBound,
    },
    Ratio {
        num: usize,
        den: usize,
        ns: u32,
        ds: u32,
        lo: RBound,
        hi: RBound,
    },
    /// `a − b` (saturating) within the bounds: a change against the year before.
    Diff {
        a: usize,
        b: usize,
        lo: RBound,
        hi: RBound,
    },
    /// Passes when `table[code]`; codes outside the table fail.
    Ids {
        col: usize,
        table: Vec<bool>,
    },
    /// Size class of `year` in `table` (4 entries).
    Size {
        year: i32,
        table: [bool; 4],
    },
    Tag {
        name: Option<u32>,
        when: TagWhen,
        valid: bool,
        year: i32,
    },
    /// 首次: no grant of the policy or group for another year than `year`.
    FirstGrant {
        scope: GrantScope,
        year: i32,
    },
}

/// A node of the shared graph; children always have smaller ids.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Node {
    Leaf(Kernel),
    All(Vec<usize>),
    Any(Vec<usize>),
    Not(usize),
}

/// The graph and, per policy, its root.
#[derive(Debug, Default)]
pub(crate) struct Graph {
    pub nodes: Vec<Node>,
    index: HashMap<Node, usize>,
    pub roots: Vec<usize>,
}

impl Graph {
    fn intern(&mut self, node: Node) -> usize {
        if let Some(&i) = self.index.get(&node) {
            return i;
        }
        let i = self.nodes.len();
        self.nodes.push(node.clone());
        self.index.insert(node, i);
        i
    }

    /// Adds a policy's condition (or a constant false when it does not apply at all).
    pub fn add_policy(&mut self, env: &Env<'_>, cols: &Columns) -> usize {
        let root = if precheck(env, &cols.row_or_empty()).is_some() {
            self.intern(Node::Leaf(Kernel::Const(Tri::False)))
        } else {
            self.condition(&env.policy.condition, env, cols)
        };
        self.roots.push(root);
        root
    }

    /// Adds a condition (a reward's `when`), returning its node.
    pub fn add_condition(&mut self, c: &Condition, env: &Env<'_>, cols: &Columns) -> usize {
        self.condition(c, env, cols)
    }

    fn condition(&mut self, c: &Condition, env: &Env<'_>, cols: &Columns) -> usize {
        match c {
            Condition::Leaf(l) => {
                let k = kernel(&l.test, env, cols);
                self.intern(Node::Leaf(k))
            }
            Condition::Not(inner) => {
                let i = self.condition(inner, env, cols);
                self.intern(Node::Not(i))
            }
            Condition::All(items) | Condition::Any(items) => {
                let ids: Vec<usize> = items.iter().map(|i| self.condition(i, env, cols)).collect();
                let node = if matches!(c, Condition::All(_)) {
                    Node::All(ids)
                } else {
                    Node::Any(ids)
                };
                self.intern(node)
            }
        }
    }
}

impl Columns {
    /// The entity check needs a row; with no rows any row will do.
    fn row_or_empty(&self) -> EntityOnly {
        EntityOnly(self.entity)
    }
}

/// A source that only knows its entity (for the entity/period precheck).
struct EntityOnly(crate::schema::Entity);

impl crate::facts::Source for EntityOnly {
    fn subject_entity(&self) -> crate::schema::Entity {
        self.0
    }
    fn value(
        &self,
        _: usize,
        _: &crate::schema::AttrDef,
        _: Option<i32>,
    ) -> Option<crate::facts::Val<'_>> {
        None
    }
    fn for_each_tag(&self, _: &mut dyn FnMut(crate::facts::TagView<'_>)) -> bool {
        false
    }
    fn for_each_grant(&self, _: &mut dyn FnMut(crate::facts::GrantView<'_>)) -> bool {
        false
    }
}

fn resolve(b: &Bounds, env: &Env<'_>) -> Option<(RBound, RBound)> {
    let one = |x: &Option<(crate::model::Bound, bool)>| match x {
        None => Some(None),
        Some((bound, inc)) => bound_value(bound, env).map(|v| Some((v, *inc))),
    };
    Some((one(&b.lower)?, one(&b.upper)?))
}

/// The column of an attribute reference, if the store has one.
fn column(cols: &Columns, r: &crate::model::AttrRef, env: &Env<'_>) -> Option<usize> {
    let def = env.schema.def(r.attr);
    let &i = cols.slots.get(&(r.attr, r.period.year(env.year)))?;
    (cols.cols[i].ty == def.ty).then_some(i)
}

fn kernel(test: &Test, env: &Env<'_>, cols: &Columns) -> Kernel {
    const UNKNOWN: Kernel = Kernel::Const(Tri::Unknown);
    match test {
        Test::Compare { operand, bounds } => {
            // A parameter without value makes the test unknown, as in the single evaluator.
            let Some((lo, hi)) = resolve(bounds, env) else {
                return UNKNOWN;
            };
            match operand {
                Operand::Value(r) => match column(cols, r, env) {
                    Some(col) if matches!(cols.cols[col].data, Data::Num(_)) => {
                        Kernel::Num { col, lo, hi }
                    }
                    _ => UNKNOWN,
                },
                Operand::Count(r) => match column(cols, r, env) {
                    Some(col) => Kernel::Count { col, lo, hi },
                    None => UNKNOWN,
                },
                Operand::Change(n, d) => match (column(cols, n, env), column(cols, d, env)) {
                    (Some(a), Some(b)) => Kernel::Diff { a, b, lo, hi },
                    _ => UNKNOWN,
                },
                Operand::Growth(n, d) => {
                    let g = crate::eval::leaf::growth_as_ratio(&crate::eval::leaf::Resolved {
                        lower: lo,
                        upper: hi,
                    });
                    match (column(cols, n, env), column(cols, d, env)) {
                        (Some(num), Some(den)) => Kernel::Ratio {
                            num,
                            den,
                            ns: env.schema.def(n.attr).ty.scale(),
                            ds: env.schema.def(d.attr).ty.scale(),
                            lo: g.lower,
                            hi: g.upper,
                        },
                        _ => UNKNOWN,
                    }
                }
                Operand::Ratio(n, d) => match (column(cols, n, env), column(cols, d, env)) {
                    (Some(num), Some(den)) => Kernel::Ratio {
                        num,
                        den,
                        ns: env.schema.def(n.attr).ty.scale(),
                        ds: env.schema.def(d.attr).ty.scale(),
                        lo,
                        hi,
                    },
                    _ => UNKNOWN,
                },
            }
        }
        Test::InSet { attr, values } => {
            let ty = env.schema.def(attr.attr).ty;
            if ty == AttrType::SizeClass {
                let Some(year) = attr.period.year(env.year) else {
                    return Kernel::Const(Tri::False);
                };
                let mut table = [false; 4];
                for (i, t) in table.iter_mut().enumerate() {
                    *t = values.contains(&Atom::Code(i as u8));
                }
                return Kernel::Size { year, table };
            }
            let Some(col) = column(cols, attr, env) else {
                return UNKNOWN;
            };
            let table = match ty {
                AttrType::Text => cols
                    .texts
                    .items
                    .iter()
                    .map(|t| values.iter().any(|v| matches!(v, Atom::Text(x) if x == t)))
                    .collect(),
                _ => (0..=u8::MAX)
                    .map(|c| values.contains(&Atom::Code(c)))
                    .collect(),
            };
            Kernel::Ids { col, table }
        }
        Test::Under { attr, codes } => {
            let Some(col) = column(cols, attr, env) else {
                return UNKNOWN;
            };
            let table = match env.schema.def(attr.attr).ty {
                AttrType::Industry => cols
                    .industries
                    .items
                    .iter()
                    .map(|c| industry_under(c, codes))
                    .collect(),
                _ => cols
                    .regions
                    .items
                    .iter()
                    .map(|c| region_under(c, codes))
                    .collect(),
            };
            Kernel::Ids { col, table }
        }
        Test::Is { attr, value } => match column(cols, attr, env) {
            Some(col) => Kernel::Ids {
                col,
                table: vec![!*value, *value],
            },
            None => UNKNOWN,
        },
        Test::Tag {
            name,
            when,
            valid_at_year_end,
        } => Kernel::Tag {
            name: cols.tag_names.get(name),
            when: *when,
            valid: *valid_at_year_end,
            year: env.year,
        },
        Test::FirstGrant { scope } => Kernel::FirstGrant {
            scope: scope.clone(),
            year: env.year,
        },
    }
}

/// A reward computed straight from the columns, for every shape but a parameter without value
/// or a base the store lacks (those run the single evaluator's code per row). `when` conditions
/// are nodes of the shared graph. Same rules as [`crate::eval::reward`]: a component never goes
/// below zero, then the floor, then the cap.
#[derive(Debug, Clone)]
pub(crate) struct FastReward {
    when: Option<usize>,
    floor: Option<i64>,
    cap: Option<i64>,
    kind: FastKind,
}

#[derive(Debug, Clone)]
enum FastKind {
    Const(i64),
    Percent {
        col: usize,
        /// The earlier year's column when the base is the increase.
        minus: Option<usize>,
        rate: rust_decimal::Decimal,
        rounding: crate::model::Rounding,
    },
    Bracket {
        col: usize,
        /// (from, to, amount)
        tiers: Vec<(i64, Option<i64>, i64)>,
    },
    PerUnit {
        rate: i64,
        quantity: Option<usize>,
        months: Option<usize>,
        max_months: Option<i64>,
    },
    Sum(Vec<FastReward>),
    Max(Vec<FastReward>),
}

impl FastReward {
    /// `None` when some part needs the per-row fallback.
    pub fn compile(
        r: &crate::model::Reward,
        env: &Env<'_>,
        cols: &Columns,
        graph: &mut Graph,
    ) -> Option<FastReward> {
        use crate::eval::reward::money;
        use crate::model::{ParamValue, Rate, RewardKind, TierMode};
        let mut scratch = Vec::new();
        let mut resolve = |a: &Option<crate::model::Amount>| -> Option<Option<i64>> {
            match a {
                None => Some(None),
                Some(a) => money(a, env, &mut scratch).map(Some),
            }
        };
        let floor = resolve(&r.floor)?;
        let cap = resolve(&r.cap)?;
        let num_col = |r: &crate::model::AttrRef| {
            column(cols, r, env).filter(|&c| matches!(cols.cols[c].data, Data::Num(_)))
        };
        let kind = match &r.kind {
            RewardKind::Fixed(a) => FastKind::Const(money(a, env, &mut Vec::new())?),
            RewardKind::Percent { base, rate, minus } => FastKind::Percent {
                col: num_col(base)?,
                minus: match minus {
                    Some(m) => Some(num_col(m)?),
                    None => None,
                },
                rate: match rate {
                    Rate::Lit(d) => *d,
                    Rate::Param(name) => match env.param(name)? {
                        ParamValue::Rate(d) => d,
                        _ => return None,
                    },
                },
                rounding: env.policy.rounding,
            },
            RewardKind::Tiers {
                mode: TierMode::Bracket,
                base,
                tiers,
            } => {
                let mut out = Vec::new();
                for t in tiers {
                    let a = money(t.amount.as_ref()?, env, &mut Vec::new())?;
                    out.push((t.from, t.to, a));
                }
                FastKind::Bracket {
                    col: num_col(base)?,
                    tiers: out,
                }
            }
            RewardKind::Tiers { .. } => return None,
            RewardKind::PerUnit {
                rate,
                quantity,
                months,
                max_months,
            } => FastKind::PerUnit {
                rate: money(rate, env, &mut Vec::new())?,
                quantity: match quantity {
                    Some(q) => Some(num_col(q)?),
                    None => None,
                },
                months: match months {
                    Some(m) => Some(column(cols, m, env)?),
                    None => None,
                },
                max_months: *max_months,
            },
            RewardKind::Sum(parts) | RewardKind::Max(parts) => {
                let fast: Option<Vec<FastReward>> = parts
                    .iter()
                    .map(|p| FastReward::compile(p, env, cols, graph))
                    .collect();
                if matches!(r.kind, RewardKind::Sum(_)) {
                    FastKind::Sum(fast?)
                } else {
                    FastKind::Max(fast?)
                }
            }
        };
        let when = r.when.as_ref().map(|c| graph.add_condition(c, env, cols));
        Some(FastReward {
            when,
            floor,
            cap,
            kind,
        })
    }

    /// The amount of every eligible row when it does not depend on the row.
    pub fn constant(&self) -> Option<i64> {
        match (&self.when, &self.kind) {
            (None, FastKind::Const(v)) => Some(clamp((*v).max(0), self.floor, self.cap)),
            _ => None,
        }
    }

    /// The amount for a row whose conditions hold; `None` when a fact it needs is unknown.
    /// `j` is the row's index in the block whose node bits are `t`/`u`.
    pub fn amount(
        &self,
        cols: &Columns,
        row: usize,
        j: usize,
        t: &[u64],
        u: &[u64],
    ) -> Option<i64> {
        use super::columns::bit;
        const WORDS: usize = super::sweep::BLOCK / 64;
        if let Some(n) = self.when {
            let word = n * WORDS + j / 64;
            if t[word] >> (j % 64) & 1 == 0 {
                return if u[word] >> (j % 64) & 1 == 1 {
                    None
                } else {
                    Some(0)
                };
            }
        }
        let num = |col: usize| match &cols.cols[col].data {
            Data::Num(v) if bit(&cols.cols[col].known, row) => Some(v[row]),
            _ => None,
        };
        let raw = match &self.kind {
            FastKind::Const(v) => *v,
            FastKind::Percent {
                col,
                minus,
                rate,
                rounding,
            } => {
                let b = match minus {
                    Some(m) => crate::eval::reward::increase(num(*col)?, num(*m)?),
                    None => num(*col)?,
                };
                crate::num::mul_rate(b, *rate, *rounding)
            }
            FastKind::Bracket { col, tiers } => {
                let b = num(*col)?;
                tiers
                    .iter()
                    .find(|(from, to, _)| b >= *from && to.is_none_or(|to| b < to))
                    .map_or(0, |t| t.2)
            }
            FastKind::PerUnit {
                rate,
                quantity,
                months,
                max_months,
            } => {
                let cap = |m: i64| max_months.map_or(m, |c| m.min(c)).max(0);
                let q = match quantity {
                    Some(c) => num(*c).map(|v| v.max(0)),
                    None => Some(1),
                };
                let m = match months {
                    None => Some(1),
                    Some(c) => {
                        let col = &cols.cols[*c];
                        if !bit(&col.known, row) {
                            None
                        } else {
                            match &col.data {
                                Data::Num(v) => Some(cap(v[row])),
                                Data::List { offsets, items } => Some(
                                    items[offsets[row] as usize..offsets[row + 1] as usize]
                                        .iter()
                                        .fold(0i64, |acc, &m| acc.saturating_add(cap(m))),
                                ),
                                Data::Id(_) => None,
                            }
                        }
                    }
                };
                rate.saturating_mul(q?.saturating_mul(m?))
            }
            FastKind::Sum(parts) => {
                let mut total = Some(0i64);
                for p in parts {
                    let v = p.amount(cols, row, j, t, u);
                    total = total.zip(v).map(|(a, b)| a.saturating_add(b));
                }
                total?
            }
            FastKind::Max(parts) => {
                let mut best = Some(0i64);
                for p in parts {
                    let v = p.amount(cols, row, j, t, u);
                    best = best.zip(v).map(|(a, b)| a.max(b));
                }
                best?
            }
        }
        .max(0);
        Some(clamp(raw, self.floor, self.cap))
    }
}

/// Floor then cap, as in the single evaluator.
fn clamp(v: i64, floor: Option<i64>, cap: Option<i64>) -> i64 {
    let v = floor.map_or(v, |f| v.max(f));
    cap.map_or(v, |c| v.min(c))
}
