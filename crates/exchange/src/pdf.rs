//! Reports as PDF, for printing and for the 会诊日: a title, headings, paragraphs, key figures,
//! horizontal bar charts and tables, laid out on A4 pages with a page number on each.
//!
//! Text is set in STSong-Light (宋体), one of the Chinese fonts a PDF reader supplies itself
//! (Adobe-GB1 character collection, `UniGB-UTF16-H` encoding), so nothing is embedded and a
//! report is a few kilobytes; a `/ToUnicode` map lets readers search and copy the text. Widths
//! are those of the collection: a Chinese character one em, a Latin letter or digit half an em.
//! Characters outside the Basic Multilingual Plane are written as `?`.

use crate::table::{Cell, Table, cell_text};
use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str, TextStr};
use std::collections::BTreeSet;

/// A report to lay out.
#[derive(Debug, Clone, Default)]
pub struct Document {
    pub title: String,
    /// Under the title: the period, who it covers, when it was made.
    pub subtitle: String,
    /// At the foot of every page, before the page number.
    pub footer: String,
    pub blocks: Vec<Block>,
}

/// One piece of a report, in reading order.
#[derive(Debug, Clone)]
pub enum Block {
    Heading(String),
    /// Wrapped to the page's width.
    Paragraph(String),
    /// Key figures side by side, each a label over a large value.
    Figures(Vec<Figure>),
    Bars(BarChart),
    /// Split across pages with its header repeated; text too wide for its column is cut
    /// with "…".
    Table(Table),
    /// A QR code of the text (an address to verify the document at), with a caption beside it.
    Qr {
        text: String,
        caption: String,
    },
}

/// What a figure or bar says about itself, as the pages' status colours do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Good,
    Watch,
    Bad,
    Plain,
}

#[derive(Debug, Clone)]
pub struct Figure {
    pub label: String,
    pub value: String,
    pub tone: Tone,
}

/// Horizontal bars, one per category, each with its value written beside it.
#[derive(Debug, Clone)]
pub struct BarChart {
    pub title: String,
    pub bars: Vec<Bar>,
}

#[derive(Debug, Clone)]
pub struct Bar {
    pub label: String,
    /// The bar's length as a share of the longest possible, 0 to 1.
    pub share: f64,
    /// The value as written beside the bar ("96.5%").
    pub shown: String,
    pub tone: Tone,
}

const PAGE_WIDTH: f32 = 595.0;
const PAGE_HEIGHT: f32 = 842.0;
const MARGIN: f32 = 48.0;
const BODY_WIDTH: f32 = PAGE_WIDTH - 2.0 * MARGIN;
/// Room kept at the foot of each page for its number.
const FOOT: f32 = 40.0;
const FONT: Name<'static> = Name(b"F1");

/// The PDF of `doc`.
pub fn write(doc: &Document) -> Vec<u8> {
    let mut layout = Layout::new();
    layout.title(&doc.title, &doc.subtitle);
    for block in &doc.blocks {
        match block {
            Block::Heading(text) => layout.heading(text),
            Block::Paragraph(text) => layout.paragraph(text),
            Block::Figures(figures) => layout.figures(figures),
            Block::Bars(chart) => layout.bars(chart),
            Block::Table(table) => layout.table(table),
            Block::Qr { text, caption } => layout.qr(text, caption),
        }
    }
    let pages = layout.finish(&doc.footer);
    assemble(&doc.title, pages, &used_chars(doc))
}

/// Pages being filled from the top down.
struct Layout {
    pages: Vec<Content>,
    page: Content,
    /// The baseline of the next line, from the bottom of the page.
    y: f32,
}

impl Layout {
    fn new() -> Layout {
        Layout {
            pages: Vec::new(),
            page: Content::new(),
            y: PAGE_HEIGHT - MARGIN,
        }
    }

    /// Starts a new page unless `height` still fits on this one.
    fn room_for(&mut self, height: f32) {
        if self.y - height < MARGIN + FOOT {
            let full = std::mem::replace(&mut self.page, Content::new());
            self.pages.push(full);
            self.y = PAGE_HEIGHT - MARGIN;
        }
    }

    fn title(&mut self, title: &str, subtitle: &str) {
        self.y -= 20.0;
        text(&mut self.page, MARGIN, self.y, 20.0, INK, title);
        self.y -= 22.0;
        text(&mut self.page, MARGIN, self.y, 10.0, MUTED, subtitle);
        self.y -= 10.0;
        rule(&mut self.page, self.y, BRAND, 1.5);
        self.y -= 8.0;
    }

    fn heading(&mut self, heading: &str) {
        // A heading never ends a page: keep room for a few lines under it.
        self.room_for(80.0);
        self.y -= 24.0;
        text(&mut self.page, MARGIN, self.y, 13.0, INK, heading);
        self.y -= 6.0;
    }

    fn paragraph(&mut self, paragraph: &str) {
        for line in wrap(paragraph, 10.0, BODY_WIDTH) {
            self.room_for(16.0);
            self.y -= 15.0;
            text(&mut self.page, MARGIN, self.y, 10.0, INK, &line);
        }
        self.y -= 4.0;
    }

    fn figures(&mut self, figures: &[Figure]) {
        const PER_ROW: usize = 4;
        const HEIGHT: f32 = 52.0;
        let width = BODY_WIDTH / PER_ROW as f32;
        for row in figures.chunks(PER_ROW) {
            self.room_for(HEIGHT + 6.0);
            self.y -= HEIGHT + 6.0;
            for (i, figure) in row.iter().enumerate() {
                let x = MARGIN + width * i as f32;
                box_fill(&mut self.page, x + 2.0, self.y, width - 4.0, HEIGHT, PANEL);
                let label = fit(&figure.label, 9.0, width - 16.0);
                text(
                    &mut self.page,
                    x + 8.0,
                    self.y + HEIGHT - 16.0,
                    9.0,
                    MUTED,
                    &label,
                );
                let value = fit(&figure.value, 16.0, width - 16.0);
                let ink = colour(figure.tone);
                text(&mut self.page, x + 8.0, self.y + 12.0, 16.0, ink, &value);
            }
        }
        self.y -= 4.0;
    }

    fn bars(&mut self, chart: &BarChart) {
        const ROW: f32 = 18.0;
        const LABEL: f32 = 130.0;
        const VALUE: f32 = 60.0;
        self.room_for(20.0 + ROW * chart.bars.len().min(3) as f32);
        self.y -= 18.0;
        text(&mut self.page, MARGIN, self.y, 10.0, MUTED, &chart.title);
        let track = BODY_WIDTH - LABEL - VALUE;
        for bar in &chart.bars {
            self.room_for(ROW);
            self.y -= ROW;
            let label = fit(&bar.label, 9.0, LABEL - 8.0);
            text(&mut self.page, MARGIN, self.y + 4.0, 9.0, INK, &label);
            let x = MARGIN + LABEL;
            box_fill(&mut self.page, x, self.y + 2.0, track, ROW - 6.0, PANEL);
            let length = track * bar.share.clamp(0.0, 1.0) as f32;
            box_fill(
                &mut self.page,
                x,
                self.y + 2.0,
                length,
                ROW - 6.0,
                colour(bar.tone),
            );
            text(
                &mut self.page,
                x + track + 6.0,
                self.y + 4.0,
                9.0,
                INK,
                &bar.shown,
            );
        }
        self.y -= 6.0;
    }

    fn table(&mut self, table: &Table) {
        const ROW: f32 = 17.0;
        const SIZE: f32 = 8.5;
        let widths = column_widths(table, SIZE);
        self.room_for(ROW * 3.0);
        self.table_header(table, &widths, SIZE);
        for row in &table.rows {
            if self.y - ROW < MARGIN + FOOT {
                self.room_for(ROW * 2.0);
                self.table_header(table, &widths, SIZE);
            }
            self.y -= ROW;
            let mut x = MARGIN;
            for (i, width) in widths.iter().enumerate() {
                let cell = row.get(i).unwrap_or(&Cell::Blank);
                let shown = fit(&cell_text(cell), SIZE, width - 6.0);
                text(&mut self.page, x + 3.0, self.y + 5.0, SIZE, INK, &shown);
                x += width;
            }
            rule(&mut self.page, self.y, LINE, 0.5);
        }
        self.y -= 6.0;
    }

    /// The QR code at the left, 120 points square with its quiet zone, the caption beside it.
    fn qr(&mut self, content: &str, caption: &str) {
        const SIDE: f32 = 120.0;
        /// Light modules around the code, as scanners need (ISO/IEC 18004: four).
        const QUIET: usize = 4;
        let Some((width, dark)) = qr_modules(content) else {
            self.paragraph(content);
            return;
        };
        self.room_for(SIDE + 12.0);
        self.y -= SIDE + 8.0;
        let module = SIDE / (width + 2 * QUIET) as f32;
        for (i, _) in dark.iter().enumerate().filter(|(_, d)| **d) {
            let (row, column) = (i / width, i % width);
            let x = MARGIN + (column + QUIET) as f32 * module;
            let y = self.y + SIDE - (row + QUIET + 1) as f32 * module;
            // A hair wider than a module, so neighbouring squares leave no seams when printed.
            box_fill(
                &mut self.page,
                x,
                y,
                module + 0.05,
                module + 0.05,
                (0.0, 0.0, 0.0),
            );
        }
        let mut line_y = self.y + SIDE - 30.0;
        for line in wrap(caption, 10.0, BODY_WIDTH - SIDE - 16.0) {
            text(
                &mut self.page,
                MARGIN + SIDE + 16.0,
                line_y,
                10.0,
                INK,
                &line,
            );
            line_y -= 15.0;
        }
        self.y -= 4.0;
    }

    fn table_header(&mut self, table: &Table, widths: &[f32], size: f32) {
        const ROW: f32 = 18.0;
        self.y -= ROW;
        box_fill(&mut self.page, MARGIN, self.y, BODY_WIDTH, ROW, PANEL);
        let mut x = MARGIN;
        for (header, width) in table.headers.iter().zip(widths) {
            let shown = fit(header, size, width - 6.0);
            text(&mut self.page, x + 3.0, self.y + 5.5, size, INK, &shown);
            x += width;
        }
    }

    /// Every page, numbered at its foot.
    fn finish(mut self, footer: &str) -> Vec<Content> {
        self.pages.push(self.page);
        let total = self.pages.len();
        for (n, page) in self.pages.iter_mut().enumerate() {
            let foot = format!("{footer}  第 {} 页,共 {total} 页", n + 1);
            let x = (PAGE_WIDTH - text_width(&foot, 8.0)) / 2.0;
            text(page, x, MARGIN / 2.0, 8.0, MUTED, &foot);
        }
        self.pages
    }
}

/// Column widths: each as wide as its widest text (within bounds), all scaled to the body.
fn column_widths(table: &Table, size: f32) -> Vec<f32> {
    let columns = table.headers.len().max(1);
    let natural: Vec<f32> = (0..columns)
        .map(|i| {
            let header = table.headers.get(i).map_or(0.0, |h| text_width(h, size));
            let cells = table
                .rows
                .iter()
                .filter_map(|r| r.get(i))
                .map(|c| text_width(&cell_text(c), size))
                .fold(0.0, f32::max);
            (header.max(cells) + 8.0).clamp(30.0, 220.0)
        })
        .collect();
    let sum: f32 = natural.iter().sum();
    natural.iter().map(|w| w * BODY_WIDTH / sum).collect()
}

/// The QR code of `content` (error correction M, as printed documents use): its width in
/// modules and whether each module, row by row, is dark; `None` when it is too long for a code.
pub fn qr_modules(content: &str) -> Option<(usize, Vec<bool>)> {
    let code = qrcode::QrCode::with_error_correction_level(content, qrcode::EcLevel::M).ok()?;
    let dark = code
        .to_colors()
        .into_iter()
        .map(|c| c == qrcode::Color::Dark)
        .collect();
    Some((code.width(), dark))
}

type Rgb = (f32, f32, f32);
const INK: Rgb = (0.12, 0.13, 0.16);
const MUTED: Rgb = (0.36, 0.38, 0.42);
const PANEL: Rgb = (0.94, 0.95, 0.96);
const LINE: Rgb = (0.85, 0.86, 0.88);
const BRAND: Rgb = (0.72, 0.11, 0.11);

/// The colours of `app.css`'s status tones.
fn colour(tone: Tone) -> Rgb {
    match tone {
        Tone::Good => (0.09, 0.45, 0.24),
        Tone::Watch => (0.62, 0.38, 0.0),
        Tone::Bad => (0.72, 0.11, 0.11),
        Tone::Plain => (0.22, 0.35, 0.55),
    }
}

fn text(page: &mut Content, x: f32, y: f32, size: f32, (r, g, b): Rgb, s: &str) {
    page.set_fill_rgb(r, g, b);
    page.begin_text();
    page.set_font(FONT, size);
    page.next_line(x, y);
    page.show(Str(&utf16(s)));
    page.end_text();
}

fn box_fill(page: &mut Content, x: f32, y: f32, width: f32, height: f32, (r, g, b): Rgb) {
    page.set_fill_rgb(r, g, b);
    page.rect(x, y, width, height);
    page.fill_nonzero();
}

fn rule(page: &mut Content, y: f32, (r, g, b): Rgb, width: f32) {
    page.set_stroke_rgb(r, g, b);
    page.set_line_width(width);
    page.move_to(MARGIN, y);
    page.line_to(PAGE_WIDTH - MARGIN, y);
    page.stroke();
}

/// The text as the font's codes: UTF-16, big-endian, one unit per character.
fn utf16(s: &str) -> Vec<u8> {
    s.chars().flat_map(|c| code(c).to_be_bytes()).collect()
}

fn code(c: char) -> u16 {
    u16::try_from(u32::from(c)).unwrap_or(u16::from(b'?'))
}

/// The advance of a character in ems: one for Chinese and everything else full-width, less for
/// ASCII, whose glyphs in the collection are proportional (the widths of a common serif face,
/// so that "2026-12-07 11:30" reads without gaps).
fn em(c: char) -> f32 {
    match c {
        ' ' | '.' | ',' | ':' | ';' | '\'' | '!' | '|' => 0.25,
        'i' | 'j' | 'l' | 't' | 'f' | 'r' => 0.3,
        '(' | ')' | '[' | ']' | '{' | '}' | '-' | '/' | '\\' | '`' | '"' => 0.33,
        'm' | 'M' | 'W' | '@' => 0.9,
        '%' | 'w' => 0.8,
        'A'..='Z' => 0.67,
        c if c.is_ascii_graphic() => 0.5,
        _ => 1.0,
    }
}

fn text_width(s: &str, size: f32) -> f32 {
    s.chars().map(em).sum::<f32>() * size
}

/// The text cut to `width`, ending in "…" when cut.
fn fit(s: &str, size: f32, width: f32) -> String {
    if text_width(s, size) <= width {
        return s.to_string();
    }
    let mut out = String::new();
    let mut used = size; // the ellipsis
    for c in s.chars() {
        used += em(c) * size;
        if used > width {
            break;
        }
        out.push(c);
    }
    out.push('…');
    out
}

/// Lines of at most `width`, broken between any two characters (Chinese has no spaces to
/// break at) and at line breaks in the text.
fn wrap(s: &str, size: f32, width: f32) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in s.lines() {
        let mut line = String::new();
        let mut used = 0.0;
        for c in paragraph.chars() {
            let w = em(c) * size;
            if used + w > width && !line.is_empty() {
                lines.push(std::mem::take(&mut line));
                used = 0.0;
            }
            line.push(c);
            used += w;
        }
        lines.push(line);
    }
    lines
}

/// The font: STSong-Light through the Adobe-GB1 collection, with the metrics its standard
/// description gives, half-em Latin glyphs and a map from codes back to text.
fn write_font(pdf: &mut Pdf, ids: &FontIds, used: &BTreeSet<char>) {
    let info = SystemInfo {
        registry: Str(b"Adobe"),
        ordering: Str(b"GB1"),
        supplement: 4,
    };
    pdf.type0_font(ids.font)
        .base_font(Name(b"STSong-Light"))
        .encoding_predefined(Name(b"UniGB-UTF16-H"))
        .descendant_font(ids.cid_font)
        .to_unicode(ids.to_unicode);
    let mut cid = pdf.cid_font(ids.cid_font);
    cid.subtype(CidFontType::Type0)
        .base_font(Name(b"STSong-Light"))
        .system_info(info)
        .font_descriptor(ids.descriptor)
        .default_width(1000.0);
    // The collection's proportional Latin glyphs, CIDs 1–95 for U+0020–U+007E, as wide as the
    // layout measures them.
    cid.widths()
        .consecutive(1, (' '..='~').map(|c| em(c) * 1000.0));
    cid.finish();
    pdf.font_descriptor(ids.descriptor)
        .name(Name(b"STSong-Light"))
        .flags(FontFlags::SERIF | FontFlags::SYMBOLIC)
        .bbox(Rect::new(-25.0, -254.0, 1000.0, 880.0))
        .italic_angle(0.0)
        .ascent(857.0)
        .descent(-143.0)
        .cap_height(857.0)
        .stem_v(91.0);
    let mut map = UnicodeCmap::<u16>::new(Name(b"Qinqing-UTF16"), info);
    for &c in used {
        if code(c) == u16::from(b'?') && c != '?' {
            continue;
        }
        map.pair(code(c), c);
    }
    pdf.stream(ids.to_unicode, &map.finish());
}

struct FontIds {
    font: Ref,
    cid_font: Ref,
    descriptor: Ref,
    to_unicode: Ref,
}

/// The file: catalog, page tree, the pages with their content, the font.
fn assemble(title: &str, pages: Vec<Content>, used: &BTreeSet<char>) -> Vec<u8> {
    let mut pdf = Pdf::new();
    let mut next = 1;
    let mut id = || {
        next += 1;
        Ref::new(next - 1)
    };
    let (catalog, tree, info) = (id(), id(), id());
    let fonts = FontIds {
        font: id(),
        cid_font: id(),
        descriptor: id(),
        to_unicode: id(),
    };
    let streams: Vec<Vec<u8>> = pages.into_iter().map(|p| p.finish().to_vec()).collect();
    let page_ids: Vec<(Ref, Ref)> = streams.iter().map(|_| (id(), id())).collect();
    pdf.catalog(catalog).pages(tree);
    pdf.document_info(info)
        .title(TextStr(title))
        .producer(TextStr("亲清家园"));
    let count = i32::try_from(page_ids.len()).unwrap_or(i32::MAX);
    pdf.pages(tree)
        .kids(page_ids.iter().map(|(page, _)| *page))
        .count(count);
    for ((page_id, content_id), stream) in page_ids.iter().zip(&streams) {
        let mut page = pdf.page(*page_id);
        page.media_box(Rect::new(0.0, 0.0, PAGE_WIDTH, PAGE_HEIGHT))
            .parent(tree)
            .contents(*content_id);
        page.resources().fonts().pair(FONT, fonts.font);
        page.finish();
        pdf.stream(*content_id, stream);
    }
    write_font(&mut pdf, &fonts, used);
    pdf.finish()
}

/// Every character the pages may show: the document's text, the page numbers and the
/// ellipsis of cut text.
fn used_chars(doc: &Document) -> BTreeSet<char> {
    let mut texts: Vec<String> = vec![
        doc.title.clone(),
        doc.subtitle.clone(),
        doc.footer.clone(),
        "0123456789 第页,共…?".to_string(),
    ];
    for block in &doc.blocks {
        match block {
            Block::Heading(t) | Block::Paragraph(t) => texts.push(t.clone()),
            Block::Figures(figures) => {
                texts.extend(
                    figures
                        .iter()
                        .flat_map(|f| [f.label.clone(), f.value.clone()]),
                );
            }
            Block::Bars(chart) => {
                texts.push(chart.title.clone());
                texts.extend(
                    chart
                        .bars
                        .iter()
                        .flat_map(|b| [b.label.clone(), b.shown.clone()]),
                );
            }
            Block::Table(table) => {
                texts.extend(table.headers.iter().cloned());
                let cells = table.rows.iter().flatten();
                texts.extend(cells.map(|c| cell_text(c).into_owned()));
            }
            // The text too: shown as a paragraph when it is too long for a code.
            Block::Qr { text, caption } => texts.extend([text.clone(), caption.clone()]),
        }
    }
    texts.iter().flat_map(|t| t.chars()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A finder pattern at (row, column): a dark 7×7 ring around a light ring around a dark 3×3.
    fn is_finder(width: usize, dark: &[bool], (row, column): (usize, usize)) -> bool {
        (0..7).all(|r| {
            (0..7).all(|c| {
                let ring = r.min(c).min(6 - r).min(6 - c);
                dark[(row + r) * width + column + c] == (ring != 1)
            })
        })
    }

    #[test]
    fn a_qr_code_has_its_three_finder_patterns() {
        let (width, dark) =
            qr_modules("http://127.0.0.1:8080/licences/ZZ20261208ABCDEF12?h=0123456789abcdef")
                .unwrap();
        assert_eq!(dark.len(), width * width);
        assert!(
            width >= 21 && (width - 17) % 4 == 0,
            "a QR version's width: {width}"
        );
        for corner in [(0, 0), (0, width - 7), (width - 7, 0)] {
            assert!(is_finder(width, &dark, corner), "finder at {corner:?}");
        }
        assert!(
            !is_finder(width, &dark, (width - 7, width - 7)),
            "none at the fourth corner"
        );
    }

    #[test]
    fn a_licence_page_draws_its_code_and_keeps_its_caption_searchable() {
        let doc = Document {
            title: "企业投资项目备案".into(),
            subtitle: "电子证照".into(),
            footer: "亲清家园".into(),
            blocks: vec![Block::Qr {
                text: "http://localhost/licences/ZZ1".into(),
                caption: "扫码核验".into(),
            }],
        };
        let pdf = write(&doc);
        let body = String::from_utf8_lossy(&pdf);
        let squares = body.matches(" re").count();
        let (_, dark) = qr_modules("http://localhost/licences/ZZ1").unwrap();
        let modules = dark.iter().filter(|d| **d).count();
        assert!(
            squares >= modules,
            "{squares} rectangles for {modules} dark modules"
        );
    }
}
