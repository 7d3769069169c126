//! The column store: many subjects' facts, one column per (attribute, year).
//!
//! Values are held as the evaluator reads them (scaled integers, interned codes), with a bit per
//! row saying whether the value is known. A [`RowView`] reads one row through the same
//! [`Source`] trait as a [`Facts`] record, so the per-row parts of the column evaluator (rewards,
//! missing facts) run the single evaluator's code.

use crate::eval::leaf::{SizeRead, classify_size};
use crate::facts::{Facts, GrantView, PastGrant, Source, TagView, Val, Value};
use crate::schema::{
    AttrDef, AttrType, EMPLOYEES, Entity, INDUSTRY, REVENUE, Schema, TOTAL_ASSETS,
};
use chrono::NaiveDate;
use qinqing_domain::enterprise::Qualification;
use qinqing_domain::{DivisionCode, IndustryCode};
use std::collections::HashMap;

/// A bitset over rows.
pub(crate) type Bits = Vec<u64>;

pub(crate) fn bit(bits: &[u64], i: usize) -> bool {
    bits.get(i / 64).is_some_and(|w| w >> (i % 64) & 1 == 1)
}

fn set_bit(bits: &mut Bits, i: usize) {
    if bits.len() <= i / 64 {
        bits.resize(i / 64 + 1, 0);
    }
    bits[i / 64] |= 1 << (i % 64);
}

/// The values of one column.
#[derive(Debug, Clone)]
pub(crate) enum Data {
    /// Money (fen), integers, decimals (×10⁴), dates (days).
    Num(Vec<i64>),
    /// Interned or enumerated codes: bool 0/1, enumeration index, or index into an interner.
    Id(Vec<u32>),
    /// Integer lists: row i is `items[offsets[i]..offsets[i + 1]]`.
    List { offsets: Vec<u32>, items: Vec<i64> },
}

#[derive(Debug, Clone)]
pub(crate) struct Column {
    pub ty: AttrType,
    pub data: Data,
    pub known: Bits,
}

/// One qualification of one row.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TagEntry {
    pub name: u32,
    pub recognised_on: Option<NaiveDate>,
    pub expires_on: Option<NaiveDate>,
}

/// One earlier grant of one row (names interned in `grant_names`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct GrantEntry {
    pub policy: u32,
    pub group: Option<u32>,
    pub year: i32,
}

/// A string interner.
#[derive(Debug, Clone)]
pub(crate) struct Interner<T> {
    pub items: Vec<T>,
    index: HashMap<String, u32>,
}

impl<T> Default for Interner<T> {
    fn default() -> Self {
        Interner {
            items: Vec::new(),
            index: HashMap::new(),
        }
    }
}

impl<T> Interner<T> {
    fn intern(&mut self, key: &str, make: impl FnOnce() -> T) -> u32 {
        if let Some(&i) = self.index.get(key) {
            return i;
        }
        let i = self.items.len() as u32;
        self.items.push(make());
        self.index.insert(key.to_string(), i);
        i
    }

    pub fn get(&self, key: &str) -> Option<u32> {
        self.index.get(key).copied()
    }
}

/// Many subjects of one entity, by column.
#[derive(Debug, Clone)]
pub struct Columns {
    pub(crate) entity: Entity,
    pub(crate) n: usize,
    pub(crate) subject_ids: Vec<String>,
    pub(crate) cols: Vec<Column>,
    /// (attribute, year or `None`) → index into `cols`.
    pub(crate) slots: HashMap<(usize, Option<i32>), usize>,
    /// The same as a dense table, for per-row reads: `attr * stride + (0 | 1 + year - year_base)`.
    dense: Vec<u32>,
    stride: usize,
    year_base: i32,
    pub(crate) industries: Interner<IndustryCode>,
    pub(crate) regions: Interner<DivisionCode>,
    pub(crate) texts: Interner<String>,
    pub(crate) tag_names: Interner<String>,
    pub(crate) tag_offsets: Vec<u32>,
    pub(crate) tags: Vec<TagEntry>,
    pub(crate) tags_known: Bits,
    /// Policy ids and group names of earlier grants.
    pub(crate) grant_names: Interner<String>,
    pub(crate) grant_offsets: Vec<u32>,
    pub(crate) grants: Vec<GrantEntry>,
    pub(crate) grants_known: Bits,
    /// Derived size class per year: 0–3 the class, [`SIZE_NA`], or [`SIZE_MISSING`].
    pub(crate) sizes: HashMap<i32, Vec<u8>>,
}

impl Columns {
    /// The earlier grants of a row whose grant history is known.
    pub(crate) fn grants_of(&self, row: usize) -> impl Iterator<Item = GrantView<'_>> {
        let (a, b) = (
            self.grant_offsets[row] as usize,
            self.grant_offsets[row + 1] as usize,
        );
        let name = |i: u32| self.grant_names.items[i as usize].as_str();
        self.grants[a..b].iter().map(move |g| GrantView {
            policy_id: name(g.policy),
            group: g.group.map(name),
            year: g.year,
        })
    }
}

pub(crate) const SIZE_NA: u8 = 4;
pub(crate) const SIZE_MISSING: u8 = 5;

impl Columns {
    /// Builds the store from records; records of another entity are skipped.
    pub fn from_facts<'a>(
        schema: &Schema,
        entity: Entity,
        facts: impl IntoIterator<Item = &'a Facts>,
    ) -> Columns {
        let mut b = ColumnsBuilder::new(schema, entity);
        for f in facts {
            b.push(f);
        }
        b.finish()
    }

    pub fn len(&self) -> usize {
        self.n
    }

    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    pub fn subject_id(&self, row: usize) -> &str {
        &self.subject_ids[row]
    }

    pub(crate) fn slot(&self, attr: usize, year: Option<i32>) -> Option<&Column> {
        if self.stride == 0 {
            // Years too far apart for a dense table: use the map.
            return self.slots.get(&(attr, year)).map(|&i| &self.cols[i]);
        }
        let offset = match year {
            None => 0,
            Some(y) => usize::try_from(i64::from(y) - i64::from(self.year_base) + 1).ok()?,
        };
        if offset >= self.stride {
            return None;
        }
        let i = *self.dense.get(attr * self.stride + offset)?;
        self.cols.get(i as usize)
    }

    /// Builds the dense slot table from `slots` (when the years span at most a few centuries).
    fn index_slots(&mut self) {
        let years = self.slots.keys().filter_map(|(_, y)| *y);
        let (lo, hi) = years.fold((i32::MAX, i32::MIN), |(lo, hi), y| (lo.min(y), hi.max(y)));
        let span = if lo > hi {
            0
        } else {
            i64::from(hi) - i64::from(lo) + 1
        };
        if span > 400 {
            self.stride = 0;
            return;
        }
        let base = if lo > hi { 0 } else { lo };
        let attrs = self.slots.keys().map(|(a, _)| a + 1).max().unwrap_or(0);
        self.year_base = base;
        self.stride = span as usize + 1;
        self.dense = vec![u32::MAX; attrs * self.stride];
        for (&(a, y), &i) in &self.slots {
            let off = y.map_or(0, |y| (i64::from(y) - i64::from(base)) as usize + 1);
            self.dense[a * self.stride + off] = i as u32;
        }
    }

    /// A view of one row for the per-row evaluator.
    pub(crate) fn row(&self, row: usize) -> RowView<'_> {
        RowView { cols: self, row }
    }

    /// Rough heap size in bytes, for the benchmark report.
    pub fn heap_bytes(&self) -> usize {
        let cols: usize = self
            .cols
            .iter()
            .map(|c| {
                c.known.len() * 8
                    + match &c.data {
                        Data::Num(v) => v.len() * 8,
                        Data::Id(v) => v.len() * 4,
                        Data::List { offsets, items } => offsets.len() * 4 + items.len() * 8,
                    }
            })
            .sum();
        let ids: usize = self.subject_ids.iter().map(|s| s.len() + 24).sum();
        let sizes: usize = self.sizes.values().map(Vec::len).sum();
        self.dense.len() * 4
            + cols
            + ids
            + sizes
            + self.tags.len() * 16
            + self.tag_offsets.len() * 4
            + self.grants.len() * 12
            + self.grant_offsets.len() * 4
    }
}

/// Builds [`Columns`] one record at a time, so a large dataset never exists as records at once.
pub struct ColumnsBuilder<'s> {
    schema: &'s Schema,
    cols: Columns,
    /// Builders of list columns keep their own items.
    lists: HashMap<usize, (Vec<u32>, Vec<i64>)>,
}

impl<'s> ColumnsBuilder<'s> {
    pub fn new(schema: &'s Schema, entity: Entity) -> ColumnsBuilder<'s> {
        ColumnsBuilder {
            schema,
            cols: Columns {
                entity,
                n: 0,
                subject_ids: Vec::new(),
                cols: Vec::new(),
                slots: HashMap::new(),
                dense: Vec::new(),
                stride: 0,
                year_base: 0,
                industries: Interner::default(),
                regions: Interner::default(),
                texts: Interner::default(),
                tag_names: Interner::default(),
                tag_offsets: vec![0],
                tags: Vec::new(),
                tags_known: Vec::new(),
                grant_names: Interner::default(),
                grant_offsets: vec![0],
                grants: Vec::new(),
                grants_known: Vec::new(),
                sizes: HashMap::new(),
            },
            lists: HashMap::new(),
        }
    }

    /// Adds one record; `false` (and nothing added) when it is of another entity.
    pub fn push(&mut self, f: &Facts) -> bool {
        if f.entity != self.cols.entity {
            return false;
        }
        let row = self.add_row(&f.subject_id, f.qualifications(), f.grants());
        for (name, year, value) in f.entries() {
            self.set_value(row, name, year, value);
        }
        true
    }

    /// Adds a row for a subject with nothing known but its qualifications (`None`: unknown) and
    /// that it was granted nothing (as [`Facts::new`]); its values follow with
    /// [`ColumnsBuilder::set_value`]. Returns the row.
    pub fn add_subject(
        &mut self,
        subject_id: &str,
        qualifications: Option<&[Qualification]>,
    ) -> usize {
        self.add_row(subject_id, qualifications, Some(&[]))
    }

    fn add_row(
        &mut self,
        subject_id: &str,
        qualifications: Option<&[Qualification]>,
        grants: Option<&[PastGrant]>,
    ) -> usize {
        let row = self.cols.n;
        self.cols.n += 1;
        self.cols.subject_ids.push(subject_id.to_string());
        if let Some(quals) = qualifications {
            set_bit(&mut self.cols.tags_known, row);
            for q in quals {
                let name = self.cols.tag_names.intern(&q.name, || q.name.clone());
                self.cols.tags.push(TagEntry {
                    name,
                    recognised_on: q.recognised_on,
                    expires_on: q.expires_on,
                });
            }
        }
        self.cols.tag_offsets.push(self.cols.tags.len() as u32);
        if let Some(grants) = grants {
            set_bit(&mut self.cols.grants_known, row);
            let names = &mut self.cols.grant_names;
            for g in grants {
                let mut name = |n: &String| names.intern(n, || n.clone());
                let entry = GrantEntry {
                    policy: name(&g.policy_id),
                    group: g.group.as_ref().map(&mut name),
                    year: g.year,
                };
                self.cols.grants.push(entry);
            }
        }
        self.cols.grant_offsets.push(self.cols.grants.len() as u32);
        row
    }

    /// Sets one value of an added row (any row, in any order, except list values, which go in
    /// row order). Same rule as [`Facts`]: an undeclared attribute, a value of the wrong type,
    /// or a year where none belongs is left unknown (`false`).
    pub fn set_value(&mut self, row: usize, attr: &str, year: Option<i32>, value: &Value) -> bool {
        match self.schema.get(attr) {
            Some(id) => self.set_by_id(row, id, year, value),
            None => false,
        }
    }

    /// [`ColumnsBuilder::set_value`] by attribute id (of the builder's schema).
    pub(crate) fn set_by_id(
        &mut self,
        row: usize,
        id: usize,
        year: Option<i32>,
        value: &Value,
    ) -> bool {
        let def = self.schema.def(id);
        if value.ty() != def.ty || def.per_year != year.is_some() || row >= self.cols.n {
            return false;
        }
        self.set(id, year, row, value);
        true
    }

    pub(crate) fn schema(&self) -> &'s Schema {
        self.schema
    }

    /// The number of rows added.
    pub fn len(&self) -> usize {
        self.cols.n
    }

    pub fn is_empty(&self) -> bool {
        self.cols.n == 0
    }

    pub fn subject_id(&self, row: usize) -> &str {
        &self.cols.subject_ids[row]
    }

    fn set(&mut self, attr: usize, year: Option<i32>, row: usize, value: &Value) {
        let ty = value.ty();
        let next = self.cols.cols.len();
        let idx = *self.cols.slots.entry((attr, year)).or_insert(next);
        if idx == next {
            let data = match ty {
                AttrType::Money | AttrType::Integer | AttrType::Decimal | AttrType::Date => {
                    Data::Num(Vec::new())
                }
                AttrType::IntegerList => Data::List {
                    offsets: Vec::new(),
                    items: Vec::new(),
                },
                _ => Data::Id(Vec::new()),
            };
            self.cols.cols.push(Column {
                ty,
                data,
                known: Vec::new(),
            });
        }
        let code = match value {
            Value::Bool(b) => u32::from(*b),
            Value::Text(t) => self.cols.texts.intern(t, || t.clone()),
            Value::Industry(c) => self.cols.industries.intern(c.as_str(), || c.clone()),
            Value::Region(c) => self.cols.regions.intern(c.as_str(), || c.clone()),
            Value::Ownership(o) => u32::from(crate::facts::ownership_code(*o)),
            Value::CreditStatus(c) => u32::from(crate::facts::credit_code(*c)),
            _ => 0,
        };
        let col = &mut self.cols.cols[idx];
        set_bit(&mut col.known, row);
        match (&mut col.data, value) {
            (Data::Num(v), _) => {
                grow_to(v, row);
                v[row] = match value.view() {
                    Val::Num(n) => n,
                    _ => 0,
                };
            }
            (Data::Id(v), _) => {
                grow_to(v, row);
                v[row] = code;
            }
            (Data::List { .. }, Value::IntegerList(items)) => {
                let (offsets, all) = self.lists.entry(idx).or_default();
                // Rows before this one that had no list: empty ranges.
                offsets.resize(row + 1, all.len() as u32);
                all.extend_from_slice(items);
                offsets.push(all.len() as u32);
            }
            _ => {}
        }
    }

    /// Pads every column to the number of rows and derives the size classes.
    pub fn finish(mut self) -> Columns {
        let n = self.cols.n;
        let words = n.div_ceil(64);
        for (i, col) in self.cols.cols.iter_mut().enumerate() {
            col.known.resize(words, 0);
            match &mut col.data {
                Data::Num(v) => v.resize(n, 0),
                Data::Id(v) => v.resize(n, 0),
                Data::List { offsets, items } => {
                    let (mut o, it) = self.lists.remove(&i).unwrap_or_default();
                    // A list set for the last row ends with its end offset at n + 1 entries.
                    let end = it.len() as u32;
                    o.resize(n + 1, end);
                    *offsets = o;
                    *items = it;
                }
            }
        }
        self.cols.tags_known.resize(words, 0);
        self.cols.grants_known.resize(words, 0);
        self.cols.index_slots();
        self.cols.sizes = derive_sizes(&self.cols);
        self.cols
    }
}

/// The size class of every row for every year that has figures, computed with the single
/// evaluator's [`classify_size`] (in parallel: it is the costly part of loading).
fn derive_sizes(c: &Columns) -> HashMap<i32, Vec<u8>> {
    // Only years with a figure the size table uses; other years are handled by the kernel.
    let mut years: Vec<i32> = c
        .slots
        .keys()
        .filter(|(a, _)| [EMPLOYEES, REVENUE, TOTAL_ASSETS].contains(a))
        .filter_map(|(_, y)| *y)
        .collect();
    years.sort_unstable();
    years.dedup();
    let mut out = HashMap::new();
    for year in years {
        let mut sizes = vec![0u8; c.n];
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        let chunk = c.n.div_ceil(threads).max(1);
        std::thread::scope(|s| {
            for (k, part) in sizes.chunks_mut(chunk).enumerate() {
                s.spawn(move || {
                    for (j, out) in part.iter_mut().enumerate() {
                        *out = size_of_row(c, k * chunk + j, year);
                    }
                });
            }
        });
        out.insert(year, sizes);
    }
    out
}

fn size_of_row(c: &Columns, row: usize, year: i32) -> u8 {
    let num = |attr| match c.slot(attr, Some(year)) {
        Some(Column {
            data: Data::Num(v),
            known,
            ..
        }) if bit(known, row) => Some(v[row]),
        _ => None,
    };
    let industry = match c.slot(INDUSTRY, None) {
        Some(Column {
            data: Data::Id(v),
            known,
            ..
        }) if bit(known, row) => c.industries.items.get(v[row] as usize),
        _ => None,
    };
    match classify_size(
        industry,
        num(EMPLOYEES),
        num(REVENUE),
        num(TOTAL_ASSETS),
        year,
    ) {
        SizeRead::Known(k) => k,
        SizeRead::NotApplicable => SIZE_NA,
        SizeRead::Missing(_) => SIZE_MISSING,
    }
}

/// Makes `row` a valid index of `v` (rows may be set out of order, so never shrink).
fn grow_to<T: Default + Clone>(v: &mut Vec<T>, row: usize) {
    if v.len() <= row {
        v.resize(row + 1, T::default());
    }
}

/// One row of a [`Columns`], readable like a [`Facts`] record.
pub(crate) struct RowView<'c> {
    cols: &'c Columns,
    row: usize,
}

impl Source for RowView<'_> {
    fn subject_entity(&self) -> Entity {
        self.cols.entity
    }

    fn value(&self, id: usize, def: &AttrDef, year: Option<i32>) -> Option<Val<'_>> {
        let col = self.cols.slot(id, year)?;
        let r = self.row;
        if col.ty != def.ty || !bit(&col.known, r) {
            return None;
        }
        Some(match &col.data {
            Data::Num(v) => Val::Num(v[r]),
            Data::List { offsets, items } => {
                let (a, b) = (offsets[r] as usize, offsets[r + 1] as usize);
                Val::List(&items[a..b])
            }
            Data::Id(v) => {
                let code = v[r];
                match def.ty {
                    AttrType::Bool => Val::Bool(code == 1),
                    AttrType::Text => Val::Text(self.cols.texts.items.get(code as usize)?),
                    AttrType::Industry => {
                        Val::Industry(self.cols.industries.items.get(code as usize)?)
                    }
                    AttrType::Region => Val::Region(self.cols.regions.items.get(code as usize)?),
                    _ => Val::Code(code as u8),
                }
            }
        })
    }

    fn for_each_tag(&self, f: &mut dyn FnMut(TagView<'_>)) -> bool {
        if !bit(&self.cols.tags_known, self.row) {
            return false;
        }
        let (a, b) = (
            self.cols.tag_offsets[self.row] as usize,
            self.cols.tag_offsets[self.row + 1] as usize,
        );
        for t in &self.cols.tags[a..b] {
            f(TagView {
                name: &self.cols.tag_names.items[t.name as usize],
                recognised_on: t.recognised_on,
                expires_on: t.expires_on,
            });
        }
        true
    }

    fn for_each_grant(&self, f: &mut dyn FnMut(GrantView<'_>)) -> bool {
        if !bit(&self.cols.grants_known, self.row) {
            return false;
        }
        self.cols.grants_of(self.row).for_each(f);
        true
    }
}
