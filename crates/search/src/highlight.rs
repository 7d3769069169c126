//! HTML highlighting of matched terms.
//!
//! Own code rather than tantivy's `SnippetGenerator`: jieba's search mode emits
//! overlapping tokens whose offsets are not monotonic (`创业`, `担保`, `贷款`,
//! then `创业担保贷款`), which the generator's fragment arithmetic does not
//! expect, and its length limit counts bytes (a third of the intended length
//! in Chinese). Here the excerpt is chosen in characters and every piece of
//! policy text passes through [`escape`] before it reaches the output.

use std::ops::Range;

use tantivy::tokenizer::TextAnalyzer;

/// Excerpt length in characters (about two lines of Chinese on a result page).
const SNIPPET_CHARS: usize = 100;
/// Characters shown before the first match, unless a sentence starts sooner.
const CONTEXT_CHARS: usize = 20;
/// Bounds the work on very long texts with a very common term.
const MAX_MATCHES: usize = 512;

const MARK_OPEN: &str = "<mark>";
const MARK_CLOSE: &str = "</mark>";
const ELLIPSIS: &str = "…";

/// Escapes text for HTML element content and attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    push_escaped(&mut out, text);
    out
}

fn push_escaped(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

/// What to mark: the query as typed wherever it occurs whole, and its terms (with their weights)
/// that are worth marking on their own.
pub(crate) struct Marked<'a> {
    pub terms: Vec<(String, f32)>,
    pub phrase: &'a str,
}

/// Byte ranges in `text` of the whole phrase (weighing as much as all terms together, counted
/// as term index `terms.len()`) and of tokens equal to one of `terms`, with the term's weight,
/// sorted by start.
fn matches(
    analyzer: &TextAnalyzer,
    text: &str,
    marked: &Marked,
) -> Vec<(Range<usize>, usize, f32)> {
    let terms = &marked.terms;
    let mut found = Vec::new();
    if marked.phrase.chars().count() >= 2 {
        let weight = terms.iter().map(|(_, w)| w).sum::<f32>() + 1.0;
        for (at, _) in text.match_indices(marked.phrase).take(MAX_MATCHES) {
            found.push((at..at + marked.phrase.len(), terms.len(), weight));
        }
    }
    let mut analyzer = analyzer.clone();
    let mut stream = analyzer.token_stream(text);
    while let Some(token) = stream.next() {
        if found.len() >= MAX_MATCHES {
            break;
        }
        if let Some(i) = terms.iter().position(|(t, _)| *t == token.text) {
            let range = token.offset_from..token.offset_to;
            // Offsets come from the tokenizer; never trust them to slice.
            if range.start < range.end && text.get(range.clone()).is_some() {
                found.push((range, i, terms[i].1));
            }
        }
    }
    found.sort_by_key(|(r, _, _)| (r.start, r.end));
    found
}

/// Writes `text[range]` escaped, with the (sorted) `marks` inside it wrapped in
/// `<mark>`; overlapping or touching marks are merged into one.
fn render(out: &mut String, text: &str, range: Range<usize>, marks: &[Range<usize>]) {
    let mut merged: Vec<Range<usize>> = Vec::new();
    for m in marks {
        let m = m.start.max(range.start)..m.end.min(range.end);
        if m.start >= m.end {
            continue;
        }
        match merged.last_mut() {
            Some(last) if m.start <= last.end => last.end = last.end.max(m.end),
            _ => merged.push(m),
        }
    }
    let mut at = range.start;
    for m in merged {
        push_escaped(out, &text[at..m.start]);
        out.push_str(MARK_OPEN);
        push_escaped(out, &text[m.clone()]);
        out.push_str(MARK_CLOSE);
        at = m.end;
    }
    push_escaped(out, &text[at..range.end]);
}

/// The whole text (a title) with matched terms marked.
pub(crate) fn whole(analyzer: &TextAnalyzer, text: &str, marked: &Marked) -> String {
    let marks: Vec<Range<usize>> = matches(analyzer, text, marked)
        .into_iter()
        .map(|(r, _, _)| r)
        .collect();
    let mut out = String::with_capacity(text.len() + 16);
    render(&mut out, text, 0..text.len(), &marks);
    out
}

/// The start of `text`, escaped: the excerpt shown when nothing matched.
pub(crate) fn lead(text: &str) -> String {
    let text = text.trim();
    let end = text
        .char_indices()
        .nth(SNIPPET_CHARS)
        .map_or(text.len(), |(i, _)| i);
    let mut out = escape(&text[..end]);
    if end < text.len() {
        out.push_str(ELLIPSIS);
    }
    out
}

/// An excerpt of about [`SNIPPET_CHARS`] characters around the window with the
/// most weight of distinct matched terms, or `None` if no term occurs.
pub(crate) fn snippet(analyzer: &TextAnalyzer, text: &str, marked: &Marked) -> Option<String> {
    let found = matches(analyzer, text, marked);
    if found.is_empty() {
        return None;
    }
    // Byte offset of every char, plus the end, to move by characters.
    let bounds: Vec<usize> = text
        .char_indices()
        .map(|(i, _)| i)
        .chain(std::iter::once(text.len()))
        .collect();
    let char_at = |byte: usize| bounds.partition_point(|&b| b < byte);
    let byte_at = |ch: usize| bounds[ch.min(bounds.len() - 1)];

    // Best window: starts at a match, spans SNIPPET_CHARS; the earliest wins ties.
    let mut best = (f32::MIN, 0usize);
    for (i, (start, _, _)) in found.iter().enumerate() {
        let window_end = byte_at(char_at(start.start) + SNIPPET_CHARS - CONTEXT_CHARS);
        let mut seen = vec![false; marked.terms.len() + 1];
        let mut score = 0.0;
        for (r, term, weight) in &found[i..] {
            if r.start >= window_end {
                break;
            }
            if !seen[*term] {
                seen[*term] = true;
                score += weight;
            }
        }
        if score > best.0 {
            best = (score, i);
        }
    }
    let first = found[best.1].0.start;

    // A little context before the first match, but not across a sentence end.
    let first_char = char_at(first);
    let mut start_char = first_char.saturating_sub(CONTEXT_CHARS);
    for ch in (start_char..first_char).rev() {
        let c = text[byte_at(ch)..].chars().next();
        if matches!(
            c,
            Some('。' | '！' | '？' | '；' | '\n' | '.' | '!' | '?' | ';')
        ) {
            start_char = ch + 1;
            break;
        }
    }
    let start = byte_at(start_char);
    let mut end = byte_at(start_char + SNIPPET_CHARS);
    // Do not cut a marked term in half.
    for (r, _, _) in &found {
        if r.start < end && r.end > end {
            end = r.end;
        }
    }
    // Skip leading whitespace so the excerpt does not start with a line break.
    let start = start + (text[start..end].len() - text[start..end].trim_start().len());

    let marks: Vec<Range<usize>> = found.into_iter().map(|(r, _, _)| r).collect();
    let mut out = String::with_capacity(end - start + 32);
    if start > 0 {
        out.push_str(ELLIPSIS);
    }
    render(&mut out, text, start..end, &marks);
    if end < text.trim_end().len() {
        out.push_str(ELLIPSIS);
    }
    Some(out)
}
