//! Time limits (时限): when something is due, given a start, a limit in working days, calendar
//! days or hours, and pauses (e.g. while an application waits for the enterprise's 补正).
//!
//! Day-based limits count Beijing days (UTC+8, no daylight saving) and run to the end of the last
//! day: "3 个工作日" from Wednesday 30 September 2026 is due at the end of Saturday 10 October, the
//! third working day after it (国庆 1–7 October are holidays; the 10th is a 调休 working day).

use crate::calendar::WorkingCalendar;
use crate::org::Role;
use chrono::{DateTime, Duration, FixedOffset, NaiveDate, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Beijing time; China has had no daylight saving since 1991.
#[allow(
    clippy::expect_used,
    reason = "UTC+8 is within the ±24 hours chrono accepts"
)]
pub fn beijing() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset")
}

/// The Beijing date of an instant.
pub fn local_date(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&beijing()).date_naive()
}

/// The instant a Beijing day ends (midnight of the next day).
pub fn end_of_day(date: NaiveDate) -> DateTime<Utc> {
    let next = date.succ_opt().unwrap_or(date);
    beijing()
        .from_local_datetime(&next.and_hms_opt(0, 0, 0).unwrap_or_default())
        .single()
        .map_or_else(Utc::now, |t| t.with_timezone(&Utc))
}

/// A Beijing minute as people type it: "2026-12-08 09:30", or "2026-12-08T09:30" as a browser's
/// date-and-time field sends it.
pub fn parse_beijing_minute(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim().replacen('T', " ", 1);
    let naive = chrono::NaiveDateTime::parse_from_str(&text, "%Y-%m-%d %H:%M").ok()?;
    beijing()
        .from_local_datetime(&naive)
        .single()
        .map(|t| t.with_timezone(&Utc))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LimitUnit {
    WorkingDays,
    CalendarDays,
    Hours,
}

impl LimitUnit {
    pub fn as_str(self) -> &'static str {
        match self {
            LimitUnit::WorkingDays => "working_days",
            LimitUnit::CalendarDays => "calendar_days",
            LimitUnit::Hours => "hours",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            LimitUnit::WorkingDays,
            LimitUnit::CalendarDays,
            LimitUnit::Hours,
        ]
        .into_iter()
        .find(|u| u.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            LimitUnit::WorkingDays => "个工作日",
            LimitUnit::CalendarDays => "个自然日",
            LimitUnit::Hours => "小时",
        }
    }
}

/// A time limit such as "3 个工作日" or "24 小时".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limit {
    pub unit: LimitUnit,
    pub amount: u32,
}

impl Limit {
    /// When a limit started at `start` is due.
    pub fn due_at(self, start: DateTime<Utc>, calendar: &WorkingCalendar) -> DateTime<Utc> {
        let day = local_date(start);
        match self.unit {
            LimitUnit::WorkingDays => end_of_day(calendar.add_working_days(day, self.amount)),
            LimitUnit::CalendarDays => end_of_day(day + Duration::days(i64::from(self.amount))),
            LimitUnit::Hours => start + Duration::hours(i64::from(self.amount)),
        }
    }

    /// The due time of a clock due at `due` once this much more time is granted (an approved
    /// extension). Day limits count on from the clock's last day, not from the midnight that
    /// ends it, so "5 more working days" is five days and not six.
    pub fn extend(self, due: DateTime<Utc>, calendar: &WorkingCalendar) -> DateTime<Utc> {
        let last_day = local_date(due - Duration::seconds(1));
        match self.unit {
            LimitUnit::WorkingDays => end_of_day(calendar.add_working_days(last_day, self.amount)),
            LimitUnit::CalendarDays => {
                end_of_day(last_day + Duration::days(i64::from(self.amount)))
            }
            LimitUnit::Hours => due + Duration::hours(i64::from(self.amount)),
        }
    }

    /// The new due time after a pause from `paused` to `resumed`: the time that was left when
    /// the clock stopped is given again from the resumption. For day limits "left" is counted
    /// in the limit's own days, so a pause over a holiday costs the enterprise nothing.
    pub fn resume(
        self,
        due: DateTime<Utc>,
        paused: DateTime<Utc>,
        resumed: DateTime<Utc>,
        calendar: &WorkingCalendar,
    ) -> DateTime<Utc> {
        if resumed <= paused {
            return due;
        }
        if paused >= due {
            // Already late when paused: the pause must not turn a late case into one with time
            // to spare, so it stays exactly as late as it was.
            return due + (resumed - paused);
        }
        let (due_day, paused_day, resumed_day) = (
            local_date(due - Duration::seconds(1)),
            local_date(paused),
            local_date(resumed),
        );
        match self.unit {
            LimitUnit::WorkingDays => {
                let left = calendar.working_days_between(paused_day, due_day);
                end_of_day(calendar.add_working_days(resumed_day, left))
            }
            LimitUnit::CalendarDays => due + (resumed_day - paused_day),
            LimitUnit::Hours => due + (resumed - paused),
        }
    }
}

/// The grades of warning (分级预警), in escalation order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Grade {
    /// 提醒: before the limit.
    Reminder,
    /// 警示: at the limit.
    Warning,
    /// 催告: some time after the limit.
    Demand,
    /// 上报纪检: a demand nobody acted on.
    Escalated,
}

impl Grade {
    pub const ALL: [Grade; 4] = [
        Grade::Reminder,
        Grade::Warning,
        Grade::Demand,
        Grade::Escalated,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Grade::Reminder => "reminder",
            Grade::Warning => "warning",
            Grade::Demand => "demand",
            Grade::Escalated => "escalated",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|g| g.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Grade::Reminder => "提醒",
            Grade::Warning => "警示",
            Grade::Demand => "催告",
            Grade::Escalated => "上报纪检",
        }
    }
}

/// When each grade fires, relative to the due time, and whom it tells (configurable per kind of
/// deadline).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WarningRule {
    /// Hours before the due time the reminder fires.
    pub reminder_hours_before: u32,
    /// Hours after the due time the demand fires.
    pub demand_hours_after: u32,
    /// Hours after the demand that an unanswered demand goes to 纪检.
    pub escalate_hours_after_demand: u32,
    /// The roles told at a grade, where they differ from the platform's default (handler; then
    /// the lead; then the supervising office; then 纪检).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub recipients: BTreeMap<Grade, Vec<Role>>,
}

impl Default for WarningRule {
    fn default() -> Self {
        WarningRule {
            reminder_hours_before: 24,
            demand_hours_after: 24,
            escalate_hours_after_demand: 24,
            recipients: BTreeMap::new(),
        }
    }
}

impl WarningRule {
    /// When `grade` fires for a deadline due at `due`.
    pub fn fire_at(&self, grade: Grade, due: DateTime<Utc>) -> DateTime<Utc> {
        let hours = |h: u32| Duration::hours(i64::from(h));
        match grade {
            Grade::Reminder => due - hours(self.reminder_hours_before),
            Grade::Warning => due,
            Grade::Demand => due + hours(self.demand_hours_after),
            Grade::Escalated => {
                due + hours(self.demand_hours_after) + hours(self.escalate_hours_after_demand)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::CalendarData;

    #[test]
    fn a_typed_beijing_minute_is_eight_hours_ahead_of_utc() {
        let at = Utc.with_ymd_and_hms(2026, 12, 8, 1, 30, 0).unwrap();
        assert_eq!(parse_beijing_minute(" 2026-12-08 09:30 "), Some(at));
        assert_eq!(parse_beijing_minute("2026-12-08T09:30"), Some(at));
        assert_eq!(parse_beijing_minute("2026-12-08"), None);
        assert_eq!(parse_beijing_minute("2026-13-08 09:30"), None);
    }

    fn calendar() -> WorkingCalendar {
        WorkingCalendar::new(CalendarData::official())
    }

    /// An instant given in Beijing time.
    fn at(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
        beijing()
            .with_ymd_and_hms(y, m, d, h, 0, 0)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn three_working_days_across_national_day_end_on_the_makeup_saturday() {
        let due = Limit {
            unit: LimitUnit::WorkingDays,
            amount: 3,
        }
        .due_at(at(2026, 9, 30, 15), &calendar());
        assert_eq!(due, at(2026, 10, 11, 0), "end of Saturday 10 October");
    }

    #[test]
    fn a_late_evening_start_counts_its_beijing_day() {
        // 23:30 Beijing on Friday 20 November is 15:30 UTC the same day.
        let due = Limit {
            unit: LimitUnit::WorkingDays,
            amount: 1,
        }
        .due_at(at(2026, 11, 20, 23), &calendar());
        assert_eq!(due, at(2026, 11, 24, 0), "end of Monday 23 November");
    }

    #[test]
    fn an_extension_counts_on_from_the_last_day_and_skips_the_holiday() {
        // Due at the end of Wednesday 30 September; 3 more working days skip 国庆 and end on
        // the make-up Saturday 10 October.
        let working = |amount| Limit {
            unit: LimitUnit::WorkingDays,
            amount,
        };
        let due = at(2026, 10, 1, 0);
        assert_eq!(working(3).extend(due, &calendar()), at(2026, 10, 11, 0));
        let hours = Limit {
            unit: LimitUnit::Hours,
            amount: 24,
        };
        assert_eq!(hours.extend(due, &calendar()), at(2026, 10, 2, 0));
        let days = Limit {
            unit: LimitUnit::CalendarDays,
            amount: 2,
        };
        assert_eq!(days.extend(due, &calendar()), at(2026, 10, 3, 0));
    }

    #[test]
    fn calendar_days_and_hours_ignore_the_calendar() {
        let start = at(2026, 9, 30, 15);
        assert_eq!(
            Limit {
                unit: LimitUnit::CalendarDays,
                amount: 3
            }
            .due_at(start, &calendar()),
            at(2026, 10, 4, 0)
        );
        assert_eq!(
            Limit {
                unit: LimitUnit::Hours,
                amount: 24
            }
            .due_at(start, &calendar()),
            at(2026, 10, 1, 15)
        );
    }

    #[test]
    fn a_pause_returns_the_working_days_that_were_left() {
        let limit = Limit {
            unit: LimitUnit::WorkingDays,
            amount: 3,
        };
        let cal = calendar();
        // Started Monday 16 Nov, due end of Thursday 19 Nov; paused Tuesday 17 with 2 days left.
        let due = limit.due_at(at(2026, 11, 16, 9), &cal);
        assert_eq!(due, at(2026, 11, 20, 0));
        // Resumed Monday 23 Nov: two working days from there is Wednesday 25 Nov.
        let resumed = limit.resume(due, at(2026, 11, 17, 10), at(2026, 11, 23, 9), &cal);
        assert_eq!(resumed, at(2026, 11, 26, 0));
        // Paused and resumed the same day: nothing changes.
        assert_eq!(
            limit.resume(due, at(2026, 11, 17, 10), at(2026, 11, 17, 16), &cal),
            due
        );
    }

    #[test]
    fn a_pause_over_national_day_costs_nothing() {
        let limit = Limit {
            unit: LimitUnit::WorkingDays,
            amount: 3,
        };
        let cal = calendar();
        let due = limit.due_at(at(2026, 9, 28, 9), &cal); // Mon 28 Sep + 3 → Thu 8 Oct
        assert_eq!(due, at(2026, 10, 9, 0));
        // Paused on the 29th (2 days left: 30 Sep, 8 Oct); resumed on the 8th: 9 Oct, 10 Oct.
        let resumed = limit.resume(due, at(2026, 9, 29, 9), at(2026, 10, 8, 9), &cal);
        assert_eq!(resumed, at(2026, 10, 11, 0));
    }

    #[test]
    fn a_clock_paused_when_already_late_stays_as_late() {
        let limit = Limit {
            unit: LimitUnit::WorkingDays,
            amount: 3,
        };
        let due = at(2026, 11, 6, 0);
        let (paused, resumed) = (at(2026, 11, 22, 10), at(2026, 11, 23, 10));
        let new_due = limit.resume(due, paused, resumed, &calendar());
        assert_eq!(new_due, due + Duration::days(1));
        assert!(new_due < resumed, "still overdue after the resumption");
    }

    #[test]
    fn hour_limits_resume_by_the_time_paused() {
        let limit = Limit {
            unit: LimitUnit::Hours,
            amount: 24,
        };
        let due = at(2026, 11, 21, 9);
        assert_eq!(
            limit.resume(due, at(2026, 11, 20, 10), at(2026, 11, 20, 15), &calendar()),
            at(2026, 11, 21, 14)
        );
    }

    #[test]
    fn grades_fire_in_order_around_the_due_time() {
        let rule = WarningRule::default();
        let due = at(2026, 10, 11, 0);
        let times: Vec<_> = Grade::ALL.iter().map(|g| rule.fire_at(*g, due)).collect();
        assert!(times.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(times[0], at(2026, 10, 10, 0));
        assert_eq!(times[3], at(2026, 10, 13, 0));
    }

    #[test]
    fn codes_round_trip() {
        for g in Grade::ALL {
            assert_eq!(Grade::parse(g.as_str()), Some(g));
        }
        for u in [
            LimitUnit::WorkingDays,
            LimitUnit::CalendarDays,
            LimitUnit::Hours,
        ] {
            assert_eq!(LimitUnit::parse(u.as_str()), Some(u));
        }
    }
}
