//! Charts drawn on the server as accessible SVG, for supervisors who would rather look than
//! read: a monthly trend of a few stacked series, and horizontal bars by category (department,
//! town, policy) with each value written beside its bar.
//!
//! A page builds one from plain figures and writes it with `{{ chart|safe }}`; the chart's own
//! template escapes every name and figure. Each chart carries a Chinese `<title>` and `<desc>`,
//! a tooltip with the exact figure on every bar, and the same figures as a table under
//! 数据表, so nothing is told by colour or shape alone. The SVG scales with its viewBox and
//! never overflows a phone.
//!
//! Our own small module rather than a charting crate: what matters here (the accessible names,
//! the tooltips, the table, Chinese labels, the palette of `app.css`) is most of the code.
//! plotters' SVG backend would cost little to build (three crates, about 4 s) but writes bare
//! shapes and text, with no role, title, description or tooltip to hang these on.

use askama::Template;

/// The colour of a series, each with its meaning (the palette of `app.css`, every one at least
/// 4.5:1 against the white card).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// Done on time.
    Good,
    /// Late or overdue.
    Bad,
    /// Needs watching.
    Watch,
    /// A plain quantity with no judgement.
    Plain,
}

impl Tone {
    fn class(self) -> &'static str {
        match self {
            Tone::Good => "tone-good",
            Tone::Bad => "tone-bad",
            Tone::Watch => "tone-watch",
            Tone::Plain => "tone-plain",
        }
    }
}

/// One measure of a trend: its name in the legend and tooltips, and its colour.
#[derive(Debug, Clone)]
pub struct Series {
    pub name: String,
    pub tone: Tone,
}

/// One month of a trend: `2026-03` and one figure per series, in the order of the series.
#[derive(Debug, Clone)]
pub struct Month {
    pub month: String,
    pub values: Vec<i64>,
}

/// One bar of a chart by category.
#[derive(Debug, Clone)]
pub struct Bar {
    /// The department, town or policy.
    pub label: String,
    /// What the bar's length is drawn from (counts, or fen for money).
    pub value: i64,
    /// The value as people read it, written beside the bar ("12 件", "78.41 万元").
    pub shown: String,
    /// The exact figure, for the tooltip and the table ("784,130.48 元"); often `shown`.
    pub exact: String,
    /// Further figures for the table, one per extra heading.
    pub more: Vec<String>,
}

/// The width of every chart in SVG units; it scales to the width it is given.
const WIDTH: f64 = 360.0;
/// Room for the vertical axis's figures.
const AXIS: f64 = 34.0;
/// The trend's plotting height, the room above it for totals and below it for months.
const PLOT_HEIGHT: f64 = 150.0;
const PLOT_TOP: f64 = 18.0;
const MONTH_ROOM: f64 = 36.0;
/// A row of the chart by category: its label line, then its bar, then a gap.
const LABEL_LINE: f64 = 18.0;
const BAR_HEIGHT: f64 = 14.0;
const ROW: f64 = 42.0;
/// The shortest bar drawn for a figure above zero.
const THINNEST: f64 = 3.0;
/// The size of labels and values in SVG units, as `app.css` sets it.
const FONT: f64 = 14.0;
/// Months on the axis before only every other one is written.
const MONTH_LABELS: usize = 12;

/// A chart ready to be written into a page.
#[derive(Template, Debug)]
#[template(path = "chart.html")]
pub struct Chart {
    id: String,
    title: String,
    desc: String,
    height: f64,
    /// Segments stacked on one another, which a white edge parts.
    stacked: bool,
    lines: Vec<Line>,
    marks: Vec<Mark>,
    texts: Vec<Text>,
    legend: Vec<Series>,
    heads: Vec<String>,
    rows: Vec<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq)]
struct Line {
    x1: f64,
    y1: f64,
    x2: f64,
    y2: f64,
}

/// A bar or a segment of a stacked bar, with its tooltip.
#[derive(Debug, Clone, PartialEq)]
struct Mark {
    x: f64,
    y: f64,
    width: f64,
    height: f64,
    tone: &'static str,
    tip: String,
}

#[derive(Debug, Clone, PartialEq)]
struct Text {
    x: f64,
    y: f64,
    anchor: &'static str,
    class: &'static str,
    text: String,
}

impl Chart {
    fn new(id: &str, title: &str) -> Chart {
        Chart {
            id: id.to_string(),
            title: title.to_string(),
            desc: String::new(),
            height: 0.0,
            stacked: false,
            lines: Vec::new(),
            marks: Vec::new(),
            texts: Vec::new(),
            legend: Vec::new(),
            heads: Vec::new(),
            rows: Vec::new(),
        }
    }

    /// The viewBox's width (its height depends on the data).
    fn width(&self) -> f64 {
        WIDTH
    }

    /// Nothing to draw: the page says 暂无数据 instead of an empty frame.
    fn is_empty(&self) -> bool {
        self.marks.is_empty()
    }

    fn text(&mut self, x: f64, y: f64, anchor: &'static str, class: &'static str, text: String) {
        self.texts.push(Text {
            x: tenth(x),
            y: tenth(y),
            anchor,
            class,
            text,
        });
    }

    /// A trend by month of `series` stacked, counted in `unit` (件). `id` must be unique on the
    /// page; it names the title and description the SVG is labelled by.
    pub fn trend(id: &str, title: &str, unit: &str, series: &[Series], months: &[Month]) -> Chart {
        let mut chart = Chart::new(id, title);
        let months = &with_gaps_filled(months, series.len());
        let totals: Vec<i64> = months.iter().map(|m| stack_total(&m.values)).collect();
        let (top, step) = scale(totals.iter().copied().max().unwrap_or(0));
        if top == 0 {
            return chart;
        }
        chart.height = PLOT_TOP + PLOT_HEIGHT + MONTH_ROOM;
        chart.stacked = series.len() > 1;
        let y_of = |v: i64| PLOT_TOP + PLOT_HEIGHT - v as f64 / top as f64 * PLOT_HEIGHT;
        for tick in (0..=top).step_by(usize::try_from(step).unwrap_or(1)) {
            let y = tenth(y_of(tick));
            chart.lines.push(Line {
                x1: AXIS,
                y1: y,
                x2: WIDTH,
                y2: y,
            });
            chart.text(AXIS - 4.0, y + 4.0, "end", "tick", tick.to_string());
        }
        let slot = (WIDTH - AXIS) / months.len() as f64;
        let bar = (slot * 0.62).min(30.0);
        let every = months.len().div_ceil(MONTH_LABELS);
        for (i, (m, total)) in months.iter().zip(&totals).enumerate() {
            let centre = AXIS + slot * (i as f64 + 0.5);
            let (year, month) = year_month(&m.month);
            let mut base = 0;
            for (s, &v) in series.iter().zip(&m.values) {
                let v = v.max(0);
                chart.marks.push(Mark {
                    x: tenth(centre - bar / 2.0),
                    y: tenth(y_of(base + v)),
                    width: tenth(bar),
                    height: tenth(y_of(base) - y_of(base + v)),
                    tone: s.tone.class(),
                    tip: format!("{year}年{month}月 {}:{v} {unit}", s.name),
                });
                base += v;
            }
            if months.len() <= MONTH_LABELS {
                chart.text(
                    centre,
                    y_of(*total) - 4.0,
                    "middle",
                    "total",
                    total.to_string(),
                );
            }
            let axis_y = PLOT_TOP + PLOT_HEIGHT;
            if i % every == 0 {
                chart.text(
                    centre,
                    axis_y + 15.0,
                    "middle",
                    "tick",
                    format!("{month}月"),
                );
            }
            if i == 0 || month == 1 {
                chart.text(centre, axis_y + 31.0, "middle", "tick", format!("{year}年"));
            }
        }
        // Empty months stay in the picture but draw no mark; only a trend of zeros says 暂无数据.
        chart.marks.retain(|m| m.height > 0.0);
        chart.desc = trend_desc(unit, series, months, &totals).unwrap_or_default();
        chart.legend = series.to_vec();
        chart.heads = std::iter::once("月份".to_string())
            .chain(series.iter().map(|s| format!("{}({unit})", s.name)))
            .chain((series.len() > 1).then(|| format!("合计({unit})")))
            .collect();
        chart.rows = months
            .iter()
            .zip(&totals)
            .map(|(m, total)| {
                let (year, month) = year_month(&m.month);
                std::iter::once(format!("{year}年{month}月"))
                    .chain(m.values.iter().map(i64::to_string))
                    .chain((series.len() > 1).then(|| total.to_string()))
                    .collect()
            })
            .collect();
        chart
    }

    /// Horizontal bars by category, each with its value written above its end. `heads` name the
    /// table's columns: the category, the value, then one per [`Bar::more`].
    pub fn bars(id: &str, title: &str, tone: Tone, heads: &[&str], bars: &[Bar]) -> Chart {
        let mut chart = Chart::new(id, title);
        let max = bars.iter().map(|b| b.value).max().unwrap_or(0);
        if max <= 0 {
            return chart;
        }
        chart.height = ROW * bars.len() as f64;
        for (i, b) in bars.iter().enumerate() {
            let top = ROW * i as f64;
            let room = WIDTH - text_width(&b.shown) - FONT;
            chart.text(0.0, top + FONT, "start", "label", fit(&b.label, room));
            chart.text(WIDTH, top + FONT, "end", "value", b.shown.clone());
            chart.marks.push(Mark {
                x: 0.0,
                y: tenth(top + LABEL_LINE + 2.0),
                width: bar_width(b.value, max),
                height: BAR_HEIGHT,
                tone: tone.class(),
                tip: format!("{}:{}", b.label, b.exact),
            });
        }
        chart.marks.retain(|m| m.width > 0.0);
        chart.desc = bars_desc(bars).unwrap_or_default();
        chart.heads = heads.iter().map(|h| h.to_string()).collect();
        chart.rows = bars
            .iter()
            .map(|b| {
                [b.label.clone(), b.exact.clone()]
                    .into_iter()
                    .chain(b.more.iter().cloned())
                    .collect()
            })
            .collect();
        chart
    }
}

/// The months in order with every month missing between two given ones added at zero, so the
/// spacing of the bars is the spacing of time.
fn with_gaps_filled(months: &[Month], series: usize) -> Vec<Month> {
    let mut out: Vec<Month> = Vec::with_capacity(months.len());
    for m in months {
        let next = out.last().and_then(|prev| following(&prev.month));
        let mut gap = next.filter(|n| n.as_str() < m.month.as_str());
        while let Some(missing) = gap {
            gap = following(&missing).filter(|n| n.as_str() < m.month.as_str());
            out.push(Month {
                month: missing,
                values: vec![0; series],
            });
        }
        out.push(m.clone());
    }
    out
}

/// "2026-12" → "2027-01"; `None` for anything that is not a month.
fn following(month: &str) -> Option<String> {
    let (y, m) = month.split_once('-')?;
    let (y, m): (u32, u32) = (y.parse().ok()?, m.parse().ok()?);
    Some(if m >= 12 {
        format!("{:04}-01", y + 1)
    } else {
        format!("{y:04}-{:02}", m + 1)
    })
}

/// The length of a bar: in proportion to the largest, which spans the width, but any figure
/// above zero at least [`THINNEST`] so that it shows.
fn bar_width(value: i64, max: i64) -> f64 {
    if value <= 0 {
        return 0.0;
    }
    tenth(value as f64 / max as f64 * WIDTH).max(THINNEST)
}

fn stack_total(values: &[i64]) -> i64 {
    values.iter().map(|v| (*v).max(0)).sum()
}

/// The top of the axis and the step between its figures: a round step (1, 2 or 5 times a power
/// of ten) giving at most four steps, and the first multiple of it at or above `max`; the axis
/// always starts at zero. `(0, 1)` when there is nothing to draw.
fn scale(max: i64) -> (i64, i64) {
    if max <= 0 {
        return (0, 1);
    }
    let mut power = 1_i64;
    loop {
        for m in [1, 2, 5] {
            let step = m * power;
            if max <= step * 4 {
                return ((max + step - 1) / step * step, step);
            }
        }
        power *= 10;
    }
}

/// "2026-03" → ("2026", 3); anything else keeps its text as the year, month 0.
fn year_month(month: &str) -> (&str, u32) {
    match month.split_once('-') {
        Some((y, m)) => (y, m.parse().unwrap_or(0)),
        None => (month, 0),
    }
}

/// Width of a text in SVG units at the chart's font size: Chinese characters a full em, digits
/// and Latin letters a little over half.
fn text_width(text: &str) -> f64 {
    text.chars()
        .map(|c| if c.is_ascii() { 0.6 } else { 1.0 })
        .sum::<f64>()
        * FONT
}

/// The label cut to `room` with an ellipsis; the tooltip and the table keep it whole.
fn fit(label: &str, room: f64) -> String {
    if text_width(label) <= room {
        return label.to_string();
    }
    let mut out = String::new();
    for c in label.chars() {
        if text_width(&out) + text_width(&c.to_string()) + FONT > room {
            break;
        }
        out.push(c);
    }
    out + "…"
}

/// What the trend shows, in a sentence; `None` without months.
fn trend_desc(unit: &str, series: &[Series], months: &[Month], totals: &[i64]) -> Option<String> {
    let name = |m: &Month| {
        let (y, mo) = year_month(&m.month);
        format!("{y}年{mo}月")
    };
    let (first, last) = (name(months.first()?), name(months.last()?));
    let sums: Vec<String> = series
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let sum: i64 = months.iter().filter_map(|m| m.values.get(i)).sum();
            format!("{}合计 {sum} {unit}", s.name)
        })
        .collect();
    let (most, total) = months.iter().zip(totals).max_by_key(|(_, t)| **t)?;
    Some(format!(
        "{first}至{last}共 {} 个月:{};最多的是{}({total} {unit})。",
        months.len(),
        sums.join(","),
        name(most)
    ))
}

/// What the bars show, in a sentence; `None` without bars.
fn bars_desc(bars: &[Bar]) -> Option<String> {
    let most = bars.iter().max_by_key(|b| b.value)?;
    let least = bars.iter().min_by_key(|b| b.value)?;
    Some(format!(
        "共 {} 项;最多的是{}({}),最少的是{}({})。",
        bars.len(),
        most.label,
        most.exact,
        least.label,
        least.exact
    ))
}

/// Coordinates to a tenth of a unit, which keeps the SVG short.
fn tenth(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn month(month: &str, values: &[i64]) -> Month {
        Month {
            month: month.into(),
            values: values.to_vec(),
        }
    }

    fn series() -> Vec<Series> {
        vec![
            Series {
                name: "按时办结".into(),
                tone: Tone::Good,
            },
            Series {
                name: "逾期办结".into(),
                tone: Tone::Bad,
            },
        ]
    }

    fn bar(label: &str, value: i64) -> Bar {
        Bar {
            label: label.into(),
            value,
            shown: format!("{value} 件"),
            exact: format!("{value} 件"),
            more: vec!["3".into()],
        }
    }

    /// A trend of on-time and late closures.
    fn trend(months: &[Month]) -> Chart {
        Chart::trend("t", "按月办结", "件", &series(), months)
    }

    fn baseline() -> f64 {
        PLOT_TOP + PLOT_HEIGHT
    }

    #[test]
    fn the_axis_starts_at_zero_and_rises_in_round_steps_past_the_largest_figure() {
        assert_eq!(scale(0), (0, 1));
        assert_eq!(scale(1), (1, 1));
        assert_eq!(scale(4), (4, 1));
        assert_eq!(scale(7), (8, 2));
        assert_eq!(scale(13), (15, 5));
        assert_eq!(scale(96), (100, 50));
        assert_eq!(scale(1234), (1500, 500));
    }

    #[test]
    fn stacked_segments_stand_on_the_zero_line_and_the_tallest_month_fits() {
        let c = trend(&[month("2026-03", &[6, 2]), month("2026-04", &[3, 0])]);
        let march: Vec<&Mark> = c.marks.iter().filter(|m| m.tip.contains("3月")).collect();
        assert_eq!(march.len(), 2);
        assert_eq!(
            march[0].y + march[0].height,
            baseline(),
            "on time from zero"
        );
        assert_eq!(
            march[1].y + march[1].height,
            march[0].y,
            "late on top of on time"
        );
        // 8 on an axis to 8: the tallest month reaches the top and no further.
        assert_eq!(march[1].y, PLOT_TOP);
        assert_eq!(march[0].height, 6.0 / 8.0 * PLOT_HEIGHT);
        assert_eq!(c.marks.len(), 3, "a zero draws no mark");
        assert!(
            c.marks
                .iter()
                .all(|m| m.x >= AXIS && m.x + m.width <= WIDTH)
        );
        assert!(
            c.texts
                .iter()
                .any(|t| t.text == "0" && t.y == baseline() + 4.0)
        );
    }

    #[test]
    fn the_trend_reads_in_chinese_with_exact_figures_in_tooltips_and_table() {
        let c = trend(&[month("2025-12", &[6, 2]), month("2026-01", &[3, 1])]);
        let texts: Vec<&str> = c.texts.iter().map(|t| t.text.as_str()).collect();
        for label in ["12月", "1月", "2025年", "2026年"] {
            assert!(texts.contains(&label), "{label} in {texts:?}");
        }
        assert!(c.marks.iter().any(|m| m.tip == "2026年1月 逾期办结:1 件"));
        assert_eq!(
            c.heads,
            ["月份", "按时办结(件)", "逾期办结(件)", "合计(件)"]
        );
        assert_eq!(c.rows[0], ["2025年12月", "6", "2", "8"]);
        assert_eq!(
            c.desc,
            "2025年12月至2026年1月共 2 个月:按时办结合计 9 件,逾期办结合计 3 件;最多的是2025年12月(8 件)。"
        );
    }

    #[test]
    fn months_without_figures_keep_their_place_at_zero() {
        let c = trend(&[month("2025-11", &[1, 0]), month("2026-02", &[2, 1])]);
        let months: Vec<&str> = c.rows.iter().map(|r| r[0].as_str()).collect();
        assert_eq!(
            months,
            ["2025年11月", "2025年12月", "2026年1月", "2026年2月"]
        );
        assert_eq!(c.rows[2], ["2026年1月", "0", "0", "0"]);
    }

    #[test]
    fn a_long_trend_writes_every_other_month_and_no_totals() {
        let months: Vec<Month> = (1..=24)
            .map(|i| {
                month(
                    &format!("{}-{:02}", 2025 + (i - 1) / 12, (i - 1) % 12 + 1),
                    &[i],
                )
            })
            .collect();
        let c = Chart::trend("t", "按月", "件", &series()[..1], &months);
        let month_labels = c.texts.iter().filter(|t| t.text.ends_with('月')).count();
        assert_eq!(month_labels, 12);
        assert!(!c.texts.iter().any(|t| t.class == "total"));
    }

    #[test]
    fn the_longest_bar_spans_the_width_and_the_others_are_in_proportion() {
        let c = Chart::bars(
            "b",
            "按部门",
            Tone::Plain,
            &["部门", "诉求", "办理中"],
            &[bar("区商务局", 10), bar("区财政局", 5), bar("区税务局", 0)],
        );
        assert_eq!(c.marks[0].width, WIDTH);
        assert_eq!(c.marks[1].width, WIDTH / 2.0);
        assert_eq!(c.marks.len(), 2, "a zero draws no bar but keeps its row");
        assert_eq!(c.height, 3.0 * ROW);
        assert!(c.texts.iter().any(|t| t.text == "0 件"));
        assert_eq!(c.rows[2], ["区税务局", "0 件", "3"]);
        let tiny = Chart::bars(
            "b",
            "按部门",
            Tone::Plain,
            &["部门"],
            &[bar("甲", 1000), bar("乙", 1)],
        );
        assert_eq!(tiny.marks[1].width, THINNEST, "a figure above zero shows");
    }

    #[test]
    fn a_long_label_is_cut_to_leave_room_for_its_value() {
        let long = "工业企业技术改造设备投资补助及研发费用奖励与高层次人才安居补助";
        let c = Chart::bars(
            "b",
            "按政策",
            Tone::Plain,
            &["政策", "金额"],
            &[bar(long, 1)],
        );
        let label = &c.texts[0].text;
        assert!(label.ends_with('…') && label.len() < long.len(), "{label}");
        assert!(text_width(label) + text_width("1 件") + FONT <= WIDTH + FONT);
        assert!(c.marks[0].tip.contains(long), "the tooltip keeps it whole");
    }

    #[test]
    fn names_are_escaped_in_the_svg_and_the_table() {
        let html = Chart::bars(
            "b",
            "按<部门>",
            Tone::Plain,
            &["部门", "件数"],
            &[bar("A&B<script>", 2)],
        )
        .render()
        .unwrap();
        assert!(!html.contains("<script>") && !html.contains("A&B"));
        assert!(html.contains("A&#38;B&#60;script&#62;") || html.contains("A&amp;B&lt;script&gt;"));
        assert!(html.contains(r#"role="img""#));
        assert!(html.contains(r#"aria-labelledby="b-title" aria-describedby="b-desc""#));
    }

    #[test]
    fn nothing_to_draw_says_so_plainly() {
        for c in [
            Chart::bars("b", "按部门", Tone::Plain, &["部门", "件数"], &[]),
            Chart::bars(
                "b",
                "按部门",
                Tone::Plain,
                &["部门", "件数"],
                &[bar("区商务局", 0)],
            ),
            trend(&[]),
            trend(&[month("2026-03", &[0, 0])]),
        ] {
            let html = c.render().unwrap();
            assert!(html.contains("暂无数据"), "{html}");
            assert!(!html.contains("<svg") && !html.contains("<table"), "{html}");
        }
    }
}
