//! The official working-day calendar, for time limits counted in 工作日 ("3 个工作日内办结").
//!
//! Saturdays and Sundays are rest days and Monday–Friday working days, except where the State
//! Council's yearly notice says otherwise: public holidays (放假) are rest days and some weekend
//! days are made working days (调休上班). The notices are published each November for the next
//! year, so the data is text an administrator can edit; `data/calendar.csv` holds the published
//! schedules for 2025 and 2026 (sources in its header).
use chrono::{Datelike, Days, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Bound::{Excluded, Included, Unbounded};
use std::sync::LazyLock;

/// The official working-day calendar: weekends are rest days, except the 调休 weekend days made
/// working days; public holidays are rest days. Data per year, editable by an administrator.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CalendarData {
    pub holidays: BTreeSet<NaiveDate>,
    pub extra_working_days: BTreeSet<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("第 {line} 行:{message}")]
pub struct CalendarParseError {
    pub line: usize,
    pub message: String,
}

/// Whether a listed date is a rest day or a working day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DayKind {
    /// 放假: a rest day, whatever the weekday.
    Holiday,
    /// 调休上班: a Saturday or Sunday that is a working day.
    Workday,
}

impl DayKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DayKind::Holiday => "holiday",
            DayKind::Workday => "workday",
        }
    }

    /// The English key or the Chinese word (放假 / 上班).
    fn parse(s: &str) -> Option<Self> {
        match s {
            "holiday" | "放假" => Some(DayKind::Holiday),
            "workday" | "上班" => Some(DayKind::Workday),
            _ => None,
        }
    }

    fn default_name(self) -> &'static str {
        match self {
            DayKind::Holiday => "放假",
            DayKind::Workday => "调休上班",
        }
    }
}

/// One line of the calendar text, with the name of the holiday it belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarEntry {
    pub date: NaiveDate,
    pub kind: DayKind,
    pub name: String,
}

const OFFICIAL_TEXT: &str = include_str!("../data/calendar.csv");
const HEADER: &str = "date,kind,name";

/// The official entries, parsed once (the file is checked by the tests; a parse failure can only
/// leave the list empty, never panic).
static OFFICIAL_ENTRIES: LazyLock<Vec<CalendarEntry>> =
    LazyLock::new(|| CalendarData::parse_entries(OFFICIAL_TEXT).unwrap_or_default());

impl CalendarData {
    /// The State Council schedules for 2025 and 2026, compiled in from `data/calendar.csv`.
    pub fn official() -> Self {
        Self::from_entries(&OFFICIAL_ENTRIES)
    }

    /// The official schedules as text, with holiday names and source comments: the starting point
    /// for an administrator adding next year's notice.
    pub fn official_text() -> &'static str {
        OFFICIAL_TEXT
    }

    /// Text format, one date a line: "2026-10-01,holiday,国庆节" / "2026-09-27,workday,国庆节调休".
    ///
    /// Blank lines, lines starting with '#', and the header "date,kind,name" are skipped; the
    /// name is optional. Each date may appear once, and a workday must be a Saturday or Sunday
    /// (a weekday is a working day anyway, so listing one is a typo).
    pub fn parse(text: &str) -> Result<Self, CalendarParseError> {
        Self::parse_entries(text).map(|entries| Self::from_entries(&entries))
    }

    /// Like [`CalendarData::parse`], keeping the names.
    pub fn parse_entries(text: &str) -> Result<Vec<CalendarEntry>, CalendarParseError> {
        let mut entries = Vec::new();
        let mut seen: BTreeMap<NaiveDate, usize> = BTreeMap::new();
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        for (i, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') || line.eq_ignore_ascii_case(HEADER) {
                continue;
            }
            let entry = parse_line(line).map_err(|message| CalendarParseError {
                line: i + 1,
                message,
            })?;
            if let Some(earlier) = seen.insert(entry.date, i + 1) {
                let message = format!("日期 {} 重复(第 {earlier} 行已有)", entry.date);
                return Err(CalendarParseError {
                    line: i + 1,
                    message,
                });
            }
            entries.push(entry);
        }
        Ok(entries)
    }

    pub fn from_entries(entries: &[CalendarEntry]) -> Self {
        let dates = |kind| {
            entries
                .iter()
                .filter(|e| e.kind == kind)
                .map(|e| e.date)
                .collect()
        };
        CalendarData {
            holidays: dates(DayKind::Holiday),
            extra_working_days: dates(DayKind::Workday),
        }
    }

    /// The entries of this data in date order. Names come from the official schedule where the
    /// date and kind match it, otherwise a generic "放假" / "调休上班".
    pub fn entries(&self) -> Vec<CalendarEntry> {
        let official: BTreeMap<(NaiveDate, DayKind), &str> = OFFICIAL_ENTRIES
            .iter()
            .map(|e| ((e.date, e.kind), e.name.as_str()))
            .collect();
        let listed = self.holidays.iter().map(|d| (*d, DayKind::Holiday)).chain(
            self.extra_working_days
                .iter()
                .map(|d| (*d, DayKind::Workday)),
        );
        let mut entries: Vec<CalendarEntry> = listed
            .map(|(date, kind)| {
                let name = official
                    .get(&(date, kind))
                    .copied()
                    .unwrap_or(kind.default_name());
                CalendarEntry {
                    date,
                    kind,
                    name: name.to_owned(),
                }
            })
            .collect();
        entries.sort_by_key(|e| (e.date, e.kind));
        entries
    }

    /// The text form of [`CalendarData::entries`], which [`CalendarData::parse`] reads back.
    pub fn to_text(&self) -> String {
        entries_to_text(&self.entries())
    }

    /// The years with at least one listed date. A deadline in a year whose notice is not loaded
    /// yet is computed from weekends alone, which callers may want to flag.
    pub fn years(&self) -> BTreeSet<i32> {
        self.holidays
            .iter()
            .chain(&self.extra_working_days)
            .map(Datelike::year)
            .collect()
    }
}

/// Writes entries in the text format, with the header line.
pub fn entries_to_text(entries: &[CalendarEntry]) -> String {
    let mut out = format!("{HEADER}\n");
    for e in entries {
        out.push_str(&format!(
            "{},{},{}\n",
            e.date.format("%Y-%m-%d"),
            e.kind.as_str(),
            e.name
        ));
    }
    out
}

fn parse_line(line: &str) -> Result<CalendarEntry, String> {
    let mut fields = line.splitn(3, ',').map(str::trim);
    let date_text = fields.next().unwrap_or_default();
    let kind_text = fields
        .next()
        .ok_or("缺少类型:每行应为“日期,类型,名称”,如 2026-10-01,holiday,国庆节")?;
    let name = fields.next().unwrap_or_default().to_owned();
    let date = NaiveDate::parse_from_str(date_text, "%Y-%m-%d")
        .map_err(|_| format!("日期“{date_text}”格式不正确,应为 YYYY-MM-DD,如 2026-10-01"))?;
    let kind = DayKind::parse(kind_text)
        .ok_or_else(|| format!("类型“{kind_text}”无效,应为 holiday(放假)或 workday(调休上班)"))?;
    if kind == DayKind::Workday && is_weekday(date) {
        return Err(format!(
            "{date} 是{},本来就是工作日;workday 只用于调休上班的周六或周日",
            weekday_zh(date.weekday())
        ));
    }
    Ok(CalendarEntry { date, kind, name })
}

fn is_weekday(date: NaiveDate) -> bool {
    date.weekday().num_days_from_monday() < 5
}

fn weekday_zh(w: Weekday) -> &'static str {
    ["周一", "周二", "周三", "周四", "周五", "周六", "周日"][w.num_days_from_monday() as usize]
}

#[derive(Debug, Clone)]
pub struct WorkingCalendar {
    data: CalendarData,
}

impl WorkingCalendar {
    pub fn new(data: CalendarData) -> Self {
        WorkingCalendar { data }
    }

    /// The calendar of the compiled-in official schedules.
    pub fn official() -> Self {
        WorkingCalendar::new(CalendarData::official())
    }

    pub fn data(&self) -> &CalendarData {
        &self.data
    }

    /// A listed holiday is a rest day even if the same date is also listed as a workday.
    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        if self.data.holidays.contains(&date) {
            return false;
        }
        self.data.extra_working_days.contains(&date) || is_weekday(date)
    }

    /// The `days`-th working day after `from` (`from` itself never counts); days = 0 returns `from`.
    ///
    /// Saturates at the last date chrono can represent instead of failing.
    pub fn add_working_days(&self, from: NaiveDate, days: u32) -> NaiveDate {
        let mut current = from;
        let mut remaining = days;
        while remaining > 0 {
            match self.skip_plain_weeks(current, remaining) {
                Skip::Jumped(date, left) => (current, remaining) = (date, left),
                Skip::OutOfRange => return NaiveDate::MAX,
                Skip::None => {}
            }
            let Some(next) = current.succ_opt() else {
                return current;
            };
            current = next;
            if self.is_working_day(current) {
                remaining -= 1;
            }
        }
        current
    }

    /// Working days after `from` up to and including `to`; 0 when `to <= from`.
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> u32 {
        if to <= from {
            return 0;
        }
        let range = (Excluded(from), Included(to));
        let mut count = weekdays_after(from, to);
        count -= self
            .data
            .holidays
            .range(range)
            .filter(|d| is_weekday(**d))
            .count() as i64;
        count += self
            .data
            .extra_working_days
            .range(range)
            .filter(|d| !is_weekday(**d) && !self.data.holidays.contains(d))
            .count() as i64;
        u32::try_from(count.max(0)).unwrap_or(u32::MAX)
    }

    /// Jumps over whole weeks after `from` that hold no listed date: each has exactly 5 working
    /// days. Keeps at least one working day to count, so the caller's step lands exactly.
    fn skip_plain_weeks(&self, from: NaiveDate, remaining: u32) -> Skip {
        let mut weeks = i64::from((remaining - 1) / 5);
        if let Some(next_listed) = self.next_listed_after(from) {
            weeks = weeks.min(((next_listed - from).num_days() - 1) / 7);
        }
        if weeks <= 0 {
            return Skip::None;
        }
        match from.checked_add_days(Days::new(7 * weeks as u64)) {
            Some(date) => Skip::Jumped(date, remaining - 5 * weeks as u32),
            None => Skip::OutOfRange,
        }
    }

    fn next_listed_after(&self, date: NaiveDate) -> Option<NaiveDate> {
        let after = (Excluded(date), Unbounded);
        let holiday = self.data.holidays.range(after).next();
        let workday = self.data.extra_working_days.range(after).next();
        holiday.into_iter().chain(workday).min().copied()
    }
}

enum Skip {
    None,
    Jumped(NaiveDate, u32),
    OutOfRange,
}

/// Monday–Friday dates in (from, to], for from < to.
fn weekdays_after(from: NaiveDate, to: NaiveDate) -> i64 {
    let days = (to - from).num_days();
    let start = i64::from(from.weekday().num_days_from_monday());
    // Whole weeks hold 5 weekdays; the remaining days have the weekdays of from+1 ..= from+rem.
    let partial = (1..=days % 7).filter(|k| (start + k) % 7 < 5).count() as i64;
    days / 7 * 5 + partial
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn official() -> WorkingCalendar {
        WorkingCalendar::official()
    }

    fn naive_count(cal: &WorkingCalendar, from: NaiveDate, to: NaiveDate) -> u32 {
        from.iter_days()
            .skip(1)
            .take_while(|x| *x <= to)
            .filter(|x| cal.is_working_day(*x))
            .count() as u32
    }

    #[test]
    fn official_file_parses() {
        let entries = CalendarData::parse_entries(CalendarData::official_text()).unwrap();
        assert_eq!(entries.len(), 72);
        let data = CalendarData::official();
        assert_eq!(data.holidays.len(), 61);
        assert_eq!(data.extra_working_days.len(), 11);
        assert_eq!(data.years(), BTreeSet::from([2025, 2026]));
    }

    #[test]
    fn official_2025_schedule() {
        let data = CalendarData::official();
        let holidays_2025: Vec<NaiveDate> = data
            .holidays
            .iter()
            .filter(|x| x.year() == 2025)
            .copied()
            .collect();
        // 元旦 1 + 春节 8 + 清明 3 + 劳动节 5 + 端午 3 + 国庆中秋 8.
        assert_eq!(holidays_2025.len(), 28);
        let workdays: Vec<String> = data
            .extra_working_days
            .iter()
            .filter(|x| x.year() == 2025)
            .map(|x| x.to_string())
            .collect();
        assert_eq!(
            workdays,
            [
                "2025-01-26",
                "2025-02-08",
                "2025-04-27",
                "2025-09-28",
                "2025-10-11"
            ]
        );
    }

    #[test]
    fn official_2026_schedule() {
        let data = CalendarData::official();
        let holidays_2026 = data.holidays.iter().filter(|x| x.year() == 2026).count();
        // 元旦 3 + 春节 9 + 清明 3 + 劳动节 5 + 端午 3 + 中秋 3 + 国庆 7.
        assert_eq!(holidays_2026, 33);
        let workdays: Vec<String> = data
            .extra_working_days
            .iter()
            .filter(|x| x.year() == 2026)
            .map(|x| x.to_string())
            .collect();
        assert_eq!(
            workdays,
            [
                "2026-01-04",
                "2026-02-14",
                "2026-02-28",
                "2026-05-09",
                "2026-09-20",
                "2026-10-10"
            ]
        );
        for (first, last) in [
            ("2026-01-01", "2026-01-03"),
            ("2026-02-15", "2026-02-23"),
            ("2026-04-04", "2026-04-06"),
            ("2026-05-01", "2026-05-05"),
            ("2026-06-19", "2026-06-21"),
            ("2026-09-25", "2026-09-27"),
            ("2026-10-01", "2026-10-07"),
        ] {
            for day in d(first).iter_days().take_while(|x| *x <= d(last)) {
                assert!(data.holidays.contains(&day), "{day}");
            }
        }
    }

    #[test]
    fn working_day_rules() {
        let cal = official();
        assert!(cal.is_working_day(d("2026-09-30"))); // Wednesday
        assert!(!cal.is_working_day(d("2026-10-01"))); // 国庆节
        assert!(cal.is_working_day(d("2026-10-10"))); // Saturday, 调休上班
        assert!(!cal.is_working_day(d("2026-10-17"))); // ordinary Saturday
        assert!(!cal.is_working_day(d("2026-10-03"))); // Saturday inside the holiday
        assert!(cal.is_working_day(d("2027-03-01"))); // Monday of a year without data
    }

    #[test]
    fn three_working_days_across_national_day_2026() {
        // 10/1–10/7 off; 10/8 Thu, 10/9 Fri, 10/10 Sat (调休上班).
        assert_eq!(
            official().add_working_days(d("2026-09-30"), 3),
            d("2026-10-10")
        );
        assert_eq!(
            official().add_working_days(d("2026-09-30"), 4),
            d("2026-10-12")
        );
    }

    #[test]
    fn from_the_friday_before_spring_festival() {
        let cal = official();
        // 2026: Sat 2/14 is worked, 2/15–2/23 off.
        assert_eq!(cal.add_working_days(d("2026-02-13"), 1), d("2026-02-14"));
        assert_eq!(cal.add_working_days(d("2026-02-13"), 3), d("2026-02-25"));
        // 2025: Sun 1/26 is worked, 1/28–2/4 off.
        assert_eq!(cal.add_working_days(d("2025-01-24"), 3), d("2025-02-05"));
        assert_eq!(
            cal.working_days_between(d("2025-01-24"), d("2025-02-05")),
            3
        );
    }

    #[test]
    fn add_zero_and_between_edges() {
        let cal = official();
        assert_eq!(cal.add_working_days(d("2026-10-01"), 0), d("2026-10-01"));
        assert_eq!(
            cal.working_days_between(d("2026-10-10"), d("2026-10-01")),
            0
        );
        assert_eq!(
            cal.working_days_between(d("2026-10-01"), d("2026-10-01")),
            0
        );
        // The whole of October 2026: 22 weekdays − 5 holidays on weekdays + 1 调休 Saturday.
        assert_eq!(
            cal.working_days_between(d("2026-09-30"), d("2026-10-31")),
            18
        );
    }

    #[test]
    fn extremes_do_not_panic() {
        let cal = official();
        assert_eq!(cal.add_working_days(NaiveDate::MAX, 5), NaiveDate::MAX);
        assert_eq!(
            cal.add_working_days(d("2026-01-01"), u32::MAX),
            NaiveDate::MAX
        );
        let far = cal.add_working_days(d("2000-01-03"), 100_000);
        assert_eq!(cal.working_days_between(d("2000-01-03"), far), 100_000);
        assert!(cal.working_days_between(NaiveDate::MIN, NaiveDate::MAX) > 0);
    }

    #[test]
    fn holiday_wins_over_workday_in_hand_built_data() {
        let date = d("2026-10-17");
        let data = CalendarData {
            holidays: BTreeSet::from([date]),
            extra_working_days: BTreeSet::from([date]),
        };
        let cal = WorkingCalendar::new(data);
        assert!(!cal.is_working_day(date));
        assert_eq!(
            cal.working_days_between(d("2026-10-16"), d("2026-10-18")),
            0
        );
    }

    #[test]
    fn official_data_round_trips_with_names() {
        let text = CalendarData::official().to_text();
        assert!(
            text.starts_with("date,kind,name\n2025-01-01,holiday,元旦\n"),
            "{text}"
        );
        assert!(text.contains("2026-10-10,workday,国庆节调休上班\n"));
        assert_eq!(
            CalendarData::parse(&text).unwrap(),
            CalendarData::official()
        );
        let stripped: Vec<&str> = OFFICIAL_TEXT
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
            .collect();
        assert_eq!(text.lines().collect::<Vec<_>>(), stripped);
    }

    #[test]
    fn parses_the_documented_format() {
        let text = "# 示例\n\n2027-10-01,holiday,国庆节\n2027-09-26 , workday , 国庆节调休\n2027-10-02,放假\n2027-10-09,上班,调休,含逗号\n";
        let entries = CalendarData::parse_entries(text).unwrap();
        assert_eq!(entries.len(), 4);
        assert_eq!(entries[1].kind, DayKind::Workday);
        assert_eq!(entries[1].name, "国庆节调休");
        assert_eq!(entries[2].name, "");
        assert_eq!(entries[3].name, "调休,含逗号");
        let data = CalendarData::parse(text).unwrap();
        assert_eq!(
            data.to_text(),
            "date,kind,name\n2027-09-26,workday,调休上班\n2027-10-01,holiday,放假\n2027-10-02,holiday,放假\n2027-10-09,workday,调休上班\n"
        );
    }

    #[test]
    fn reports_bad_lines_with_their_number() {
        let err = |text: &str| CalendarData::parse(text).unwrap_err();
        let e = err("2026-10-01,holiday,国庆节\n2026-13-01,holiday,坏日期\n");
        assert_eq!(e.line, 2);
        assert!(e.message.contains("2026-13-01"), "{e}");
        assert_eq!(e.to_string(), format!("第 2 行:{}", e.message));
        let e = err("date,kind,name\n2026-10-01,rest,国庆节\n");
        assert_eq!(e.line, 2);
        assert!(e.message.contains("rest"));
        let e = err("2026-10-01\n");
        assert!(e.message.contains("缺少类型"));
        let e = err("2026-10-01,holiday\n\n2026-10-01,holiday\n");
        assert_eq!(e.line, 3);
        assert!(e.message.contains("第 1 行"));
        let e = err("2026-09-21,workday,周一\n");
        assert!(e.message.contains("周一"), "{e}");
        let e = err("2026-10-01,workday,国庆节\n");
        assert!(e.message.contains("周四"), "{e}");
    }

    fn date_in(years: std::ops::Range<i32>) -> impl Strategy<Value = NaiveDate> {
        (years, 1u32..=365).prop_map(|(y, ord)| NaiveDate::from_yo_opt(y, ord).unwrap())
    }

    fn calendar_data() -> impl Strategy<Value = CalendarData> {
        let dates = || prop::collection::btree_set(date_in(2025..2028), 0..40);
        (dates(), dates()).prop_map(|(holidays, extra)| CalendarData {
            extra_working_days: extra
                .into_iter()
                .filter(|x| !is_weekday(*x))
                .filter(|x| !holidays.contains(x))
                .collect(),
            holidays,
        })
    }

    proptest! {
        #[test]
        fn between_inverts_add(from in date_in(2024..2028), n in 0u32..800) {
            let cal = official();
            let to = cal.add_working_days(from, n);
            prop_assert_eq!(cal.working_days_between(from, to), n);
            if n > 0 {
                prop_assert!(cal.is_working_day(to));
                prop_assert_eq!(cal.working_days_between(from, to.pred_opt().unwrap()), n - 1);
            }
        }

        #[test]
        fn between_inverts_add_on_random_data(data in calendar_data(), from in date_in(2024..2029), n in 0u32..400) {
            let cal = WorkingCalendar::new(data);
            let to = cal.add_working_days(from, n);
            prop_assert_eq!(cal.working_days_between(from, to), n);
            prop_assert_eq!(cal.working_days_between(from, to), naive_count(&cal, from, to));
        }

        #[test]
        fn between_matches_counting_day_by_day(from in date_in(2024..2028), to in date_in(2024..2028)) {
            let cal = official();
            prop_assert_eq!(cal.working_days_between(from, to), naive_count(&cal, from, to));
        }

        #[test]
        fn text_round_trips(data in calendar_data()) {
            prop_assert_eq!(CalendarData::parse(&data.to_text()), Ok(data));
        }

        #[test]
        fn parse_never_panics(s in "\\PC{0,40}") {
            let _ = CalendarData::parse(&s);
        }
    }
}
