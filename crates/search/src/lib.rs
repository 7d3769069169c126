//! Full-text search over benefit policies (惠企政策) in Chinese.
//!
//! A pure library: the caller loads the policies (from the database, files, …),
//! builds a [`PolicyIndex`] in RAM with [`PolicyIndex::build`] and queries it
//! with [`PolicyIndex::search`]. Rebuild the index when the policies change; a
//! thousand policies index in well under a second (see the crate README).
//!
//! Why the query is not handed to tantivy's query parser: the parser turns a
//! word that jieba splits into several tokens into a *phrase* query, so
//! `创业贷款` would miss a policy about `创业担保贷款`. Instead the query is
//! segmented with the same jieba analyzer used at indexing time (search mode,
//! which also emits the shorter words inside long ones) and every token becomes
//! a term query over title (boosted), document text and guide, OR-ed together
//! and ranked by BM25. Because no query syntax is interpreted, characters such
//! as `"(:*` are just text.

mod highlight;

use std::collections::HashSet;

use tantivy::collector::TopDocs;
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, Occur, Query, TermQuery,
};
use tantivy::schema::{
    FAST, Field, IndexRecordOption, STRING, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::{LowerCaser, TextAnalyzer};
use tantivy::{
    DocAddress, Index, IndexReader, Order, ReloadPolicy, Searcher, TantivyDocument, Term,
};

/// Name under which the jieba analyzer is registered in the index.
const JIEBA: &str = "jieba";
/// Fast field holding the document's position in [`PolicyIndex::docs`].
const SLOT: &str = "slot";
/// A title match says more about a policy than a body match.
const TITLE_BOOST: f32 = 3.0;
/// Queries come from a search box; longer input is cut so that a pasted essay
/// cannot make one request expensive.
const MAX_QUERY_CHARS: usize = 200;
/// Upper bound on distinct query terms (each becomes three term queries).
const MAX_QUERY_TERMS: usize = 32;
/// Indexing memory budget. One thread keeps the build deterministic (one
/// segment, stable tie order); 50 MB holds thousands of policies in one segment.
const WRITER_MEMORY_BYTES: usize = 50_000_000;

/// One policy as the search index sees it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PolicyDoc {
    /// Policy slug; returned in [`Hit::id`]. Must be unique.
    pub id: String,
    pub title: String,
    /// Full text of the policy document.
    pub document_text: String,
    /// Application guide (申报指南).
    pub guide: String,
    /// Government level, e.g. `国家`, `省`, `市`, `区`.
    pub level: String,
    pub department: String,
    pub topics: Vec<String>,
    /// GB/T 4754 codes (`C3311`) or section letters (`C`).
    pub industries: Vec<String>,
    pub status: String,
    /// Delivery mode, e.g. `免申即享` or `申报`.
    pub mode: String,
}

/// Exact-match filters; `None` means "any". Values are compared after trimming
/// whitespace, and a blank value counts as `None` (so an empty `<select>` from a
/// web form does not filter everything out).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filters {
    pub level: Option<String>,
    pub department: Option<String>,
    /// Matches a policy if it is one of the policy's topics.
    pub topic: Option<String>,
    /// Matches a policy tagged with a code that this one is a prefix of, or
    /// that is a prefix of this one: `C` matches `C3311` and `C`; `C3311`
    /// matches `C`, `C33` and `C3311` (a section applies to everything below).
    /// ASCII letters are compared case-insensitively.
    pub industry: Option<String>,
    pub status: Option<String>,
    pub mode: Option<String>,
}

/// One search result.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    /// The policy slug ([`PolicyDoc::id`]).
    pub id: String,
    /// BM25 score; 0 when the query had no searchable terms (filter-only listing).
    pub score: f32,
    /// Whole title, HTML-escaped, matched terms wrapped in `<mark>…</mark>`.
    pub title_html: String,
    /// An excerpt of the document text (or of the guide when only the guide
    /// matched), HTML-escaped, matched terms wrapped in `<mark>…</mark>`, with
    /// `…` where it was cut. Without matches: the start of the document text.
    pub snippet_html: String,
}

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("search index error: {0}")]
    Index(#[from] tantivy::TantivyError),
    #[error("duplicate policy id: {0}")]
    DuplicateId(String),
}

#[derive(Debug, Clone, Copy)]
struct Fields {
    title: Field,
    document_text: Field,
    guide: Field,
    level: Field,
    department: Field,
    topic: Field,
    status: Field,
    mode: Field,
    /// Industry codes exactly as tagged (normalised).
    industry: Field,
    /// Every prefix of every industry code, so "tagged below filter" is one term.
    industry_prefix: Field,
    slot: Field,
}

/// The text a hit is rendered from, kept in RAM beside the index instead of in
/// tantivy's doc store (no decompression or document parsing per hit).
#[derive(Debug)]
struct StoredDoc {
    id: String,
    title: String,
    document_text: String,
    guide: String,
}

/// An immutable, in-RAM index over a set of policies. `Send + Sync`: share it
/// behind an `Arc` and swap in a rebuilt one when the policies change.
pub struct PolicyIndex {
    reader: IndexReader,
    fields: Fields,
    analyzer: TextAnalyzer,
    /// Sorted by (title, id); the position is the `slot` fast field, so
    /// ordering by slot is the deterministic order of filter-only listings.
    docs: Vec<StoredDoc>,
}

impl std::fmt::Debug for PolicyIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PolicyIndex")
            .field("docs", &self.docs.len())
            .finish()
    }
}

impl PolicyIndex {
    /// Indexes `docs` in RAM. Fails on a duplicate id.
    pub fn build(docs: &[PolicyDoc]) -> Result<PolicyIndex, SearchError> {
        let mut seen = HashSet::with_capacity(docs.len());
        for doc in docs {
            if !seen.insert(doc.id.as_str()) {
                return Err(SearchError::DuplicateId(doc.id.clone()));
            }
        }
        let mut sorted: Vec<&PolicyDoc> = docs.iter().collect();
        sorted.sort_by(|a, b| (&a.title, &a.id).cmp(&(&b.title, &b.id)));

        let (schema, fields) = schema();
        let index = Index::create_in_ram(schema);
        let analyzer = analyzer();
        index.tokenizers().register(JIEBA, analyzer.clone());

        let mut writer = index.writer_with_num_threads(1, WRITER_MEMORY_BYTES)?;
        for (slot, doc) in sorted.iter().enumerate() {
            writer.add_document(to_tantivy(doc, slot as u64, &fields))?;
        }
        writer.commit()?;
        writer.wait_merging_threads()?;

        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let docs = sorted
            .into_iter()
            .map(|d| StoredDoc {
                id: d.id.clone(),
                title: d.title.clone(),
                document_text: d.document_text.clone(),
                guide: d.guide.clone(),
            })
            .collect();
        Ok(PolicyIndex {
            reader,
            fields,
            analyzer,
            docs,
        })
    }

    /// Number of indexed policies.
    pub fn len(&self) -> usize {
        self.docs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }

    /// Returns at most `limit` policies matching `filters`, ranked by BM25
    /// relevance to `query`. A query without searchable terms (empty, only
    /// whitespace or punctuation) lists every policy matching the filters,
    /// ordered by title then id.
    pub fn search(
        &self,
        query: &str,
        filters: &Filters,
        limit: usize,
    ) -> Result<Vec<Hit>, SearchError> {
        // TopDocs panics on a zero limit and pre-allocates `limit` slots.
        let limit = limit.min(self.docs.len());
        if limit == 0 {
            return Ok(Vec::new());
        }
        let searcher = self.reader.searcher();
        let phrase = query.trim();
        let terms = self.query_terms(query);
        let filter_clauses = self.filter_clauses(filters);

        if terms.is_empty() {
            let query: Box<dyn Query> = if filter_clauses.is_empty() {
                Box::new(AllQuery)
            } else {
                Box::new(BooleanQuery::new(filter_clauses))
            };
            let collector = TopDocs::with_limit(limit).order_by_fast_field::<u64>(SLOT, Order::Asc);
            let found = searcher.search(&query, &collector)?;
            return Ok(found
                .into_iter()
                .filter_map(|(slot, _)| self.docs.get(usize::try_from(slot?).ok()?))
                .map(|doc| Hit {
                    id: doc.id.clone(),
                    score: 0.0,
                    title_html: highlight::escape(&doc.title),
                    snippet_html: highlight::lead(&doc.document_text),
                })
                .collect());
        }

        let mut text_clauses: Vec<(Occur, Box<dyn Query>)> = Vec::with_capacity(terms.len() * 3);
        for term in &terms {
            let title = TermQuery::new(
                Term::from_field_text(self.fields.title, term),
                IndexRecordOption::WithFreqs,
            );
            text_clauses.push((
                Occur::Should,
                Box::new(BoostQuery::new(Box::new(title), TITLE_BOOST)),
            ));
            for field in [self.fields.document_text, self.fields.guide] {
                let query = TermQuery::new(
                    Term::from_field_text(field, term),
                    IndexRecordOption::WithFreqs,
                );
                text_clauses.push((Occur::Should, Box::new(query)));
            }
        }
        let text_query: Box<dyn Query> = Box::new(BooleanQuery::new(text_clauses));
        let query = if filter_clauses.is_empty() {
            text_query
        } else {
            let mut clauses = filter_clauses;
            clauses.push((Occur::Must, text_query));
            Box::new(BooleanQuery::new(clauses))
        };
        // Every match, so the whole phrase can be ranked first before the list is cut.
        let found = searcher.search(
            &query,
            &TopDocs::with_limit(self.docs.len()).order_by_score(),
        )?;
        let mut ranked = Vec::with_capacity(found.len());
        for (score, address) in found {
            if let Some(doc) = self
                .slot_of(&searcher, address)?
                .and_then(|s| self.docs.get(s))
            {
                ranked.push((phrase_rank(doc, phrase), score, doc));
            }
        }
        // Stable: equal phrase ranks keep BM25's order.
        ranked.sort_by_key(|(rank, _, _)| std::cmp::Reverse(*rank));
        ranked.truncate(limit);

        let marked = highlight::Marked {
            terms: marked_terms(self.term_weights(&searcher, &terms)?),
            phrase,
        };
        Ok(ranked
            .into_iter()
            .map(|(_, score, doc)| Hit {
                id: doc.id.clone(),
                score,
                title_html: highlight::whole(&self.analyzer, &doc.title, &marked),
                snippet_html: highlight::snippet(&self.analyzer, &doc.document_text, &marked)
                    .or_else(|| highlight::snippet(&self.analyzer, &doc.guide, &marked))
                    .unwrap_or_else(|| highlight::lead(&doc.document_text)),
            })
            .collect())
    }

    /// Segments the query with the indexing analyzer and keeps distinct tokens
    /// that contain a letter or digit (jieba emits spaces and punctuation as
    /// tokens, and those would match every document that has them).
    fn query_terms(&self, query: &str) -> Vec<String> {
        let end = query
            .char_indices()
            .nth(MAX_QUERY_CHARS)
            .map_or(query.len(), |(i, _)| i);
        let mut analyzer = self.analyzer.clone();
        let mut stream = analyzer.token_stream(&query[..end]);
        let mut terms: Vec<String> = Vec::new();
        while let Some(token) = stream.next() {
            if terms.len() >= MAX_QUERY_TERMS {
                break;
            }
            if token.text.chars().any(char::is_alphanumeric) && !terms.contains(&token.text) {
                terms.push(token.text.clone());
            }
        }
        terms
    }

    /// Filters as non-scoring `Must` clauses: a filter must not change the
    /// ranking (multi-valued fields would otherwise add uneven BM25 scores).
    fn filter_clauses(&self, filters: &Filters) -> Vec<(Occur, Box<dyn Query>)> {
        let f = &self.fields;
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let mut exact = |field: Field, value: &Option<String>| {
            if let Some(value) = value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
                clauses.push((Occur::Must, constant(raw_term(field, value))));
            }
        };
        exact(f.level, &filters.level);
        exact(f.department, &filters.department);
        exact(f.topic, &filters.topic);
        exact(f.status, &filters.status);
        exact(f.mode, &filters.mode);

        if let Some(code) = filters
            .industry
            .as_deref()
            .map(normalize_industry)
            .filter(|c| !c.is_empty())
        {
            // Tagged at or below the filter code...
            let mut alternatives: Vec<(Occur, Box<dyn Query>)> =
                vec![(Occur::Should, raw_term(f.industry_prefix, &code))];
            // ...or tagged with a broader code (a proper prefix of it).
            for prefix in prefixes(&code).filter(|p| p.len() < code.len()) {
                alternatives.push((Occur::Should, raw_term(f.industry, prefix)));
            }
            clauses.push((
                Occur::Must,
                constant(Box::new(BooleanQuery::new(alternatives))),
            ));
        }
        clauses
    }

    /// Per-term weights for choosing and marking snippets: inverse document
    /// frequency over the document text, so rare terms pick the excerpt.
    fn term_weights(
        &self,
        searcher: &Searcher,
        terms: &[String],
    ) -> Result<Vec<(String, f32)>, SearchError> {
        let n = searcher.num_docs() as f32;
        terms
            .iter()
            .map(|t| {
                let df =
                    searcher.doc_freq(&Term::from_field_text(self.fields.document_text, t))? as f32;
                Ok((t.clone(), (1.0 + (n - df + 0.5) / (df + 0.5)).ln()))
            })
            .collect()
    }

    fn slot_of(
        &self,
        searcher: &Searcher,
        address: DocAddress,
    ) -> Result<Option<usize>, SearchError> {
        let column = searcher
            .segment_reader(address.segment_ord)
            .fast_fields()
            .u64(SLOT)?;
        Ok(column
            .first(address.doc_id)
            .and_then(|s| usize::try_from(s).ok()))
    }
}

/// jieba in search mode (long words are also indexed as their shorter dictionary
/// words, which is what lets `创业贷款` find `创业担保贷款`), lower-cased so
/// Latin text such as `SaaS` matches case-insensitively.
fn analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(tantivy_jieba::JiebaTokenizer::new())
        .filter(LowerCaser)
        .build()
}

fn schema() -> (Schema, Fields) {
    // Term queries only, so no positions; term frequencies feed BM25.
    let text = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(JIEBA)
            .set_index_option(IndexRecordOption::WithFreqs),
    );
    let mut b = Schema::builder();
    let fields = Fields {
        title: b.add_text_field("title", text.clone()),
        document_text: b.add_text_field("document_text", text.clone()),
        guide: b.add_text_field("guide", text),
        level: b.add_text_field("level", STRING),
        department: b.add_text_field("department", STRING),
        topic: b.add_text_field("topic", STRING),
        status: b.add_text_field("status", STRING),
        mode: b.add_text_field("mode", STRING),
        industry: b.add_text_field("industry", STRING),
        industry_prefix: b.add_text_field("industry_prefix", STRING),
        slot: b.add_u64_field(SLOT, FAST),
    };
    (b.build(), fields)
}

fn to_tantivy(doc: &PolicyDoc, slot: u64, f: &Fields) -> TantivyDocument {
    let mut d = TantivyDocument::default();
    d.add_text(f.title, &doc.title);
    d.add_text(f.document_text, &doc.document_text);
    d.add_text(f.guide, &doc.guide);
    d.add_text(f.level, doc.level.trim());
    d.add_text(f.department, doc.department.trim());
    d.add_text(f.status, doc.status.trim());
    d.add_text(f.mode, doc.mode.trim());
    for topic in &doc.topics {
        d.add_text(f.topic, topic.trim());
    }
    let mut prefixes_seen = HashSet::new();
    for code in doc.industries.iter().map(|c| normalize_industry(c)) {
        if code.is_empty() {
            continue;
        }
        for prefix in prefixes(&code) {
            if prefixes_seen.insert(prefix.to_owned()) {
                d.add_text(f.industry_prefix, prefix);
            }
        }
        d.add_text(f.industry, &code);
    }
    d.add_u64(f.slot, slot);
    d
}

fn normalize_industry(code: &str) -> String {
    code.trim().to_ascii_uppercase()
}

/// Non-empty prefixes of `s` at char boundaries, shortest first.
fn prefixes(s: &str) -> impl Iterator<Item = &str> {
    s.char_indices()
        .skip(1)
        .map(|(i, _)| i)
        .chain(std::iter::once(s.len()))
        .map(move |end| &s[..end])
}

fn raw_term(field: Field, value: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(
        Term::from_field_text(field, value),
        IndexRecordOption::Basic,
    ))
}

/// How well a policy holds the query as typed, before its parts count: in the title (2), in its
/// text or guide (1), or only in pieces (0). "高新技术企业" then comes before policies that say
/// only 企业.
fn phrase_rank(doc: &StoredDoc, phrase: &str) -> u8 {
    if phrase.chars().count() < 2 {
        0
    } else if doc.title.contains(phrase) {
        2
    } else if doc.document_text.contains(phrase) || doc.guide.contains(phrase) {
        1
    } else {
        0
    }
}

/// The query's terms worth marking on their own: a term in more than half of the library (企业,
/// 政策) marks nothing by itself, unless every term is that common.
fn marked_terms(weights: Vec<(String, f32)>) -> Vec<(String, f32)> {
    // The weight of a term in exactly half of the documents.
    let common = std::f32::consts::LN_2;
    let rare: Vec<(String, f32)> = weights
        .iter()
        .filter(|(_, w)| *w >= common)
        .cloned()
        .collect();
    if rare.is_empty() { weights } else { rare }
}

fn constant(query: Box<dyn Query>) -> Box<dyn Query> {
    Box::new(ConstScoreQuery::new(query, 0.0))
}

#[cfg(test)]
mod tests;
