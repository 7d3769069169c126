//! Office hours: when a public servant's decision is expected. A decision outside them is not
//! wrong, but it is one of the things 纪检 is pointed at (数智监督): approvals signed late at night
//! or on a rest day are where favours hide.

use crate::calendar::WorkingCalendar;
use crate::deadline::beijing;
use chrono::{DateTime, Timelike, Utc};

/// Office hours begin at 07:00 Beijing time…
const OPENS_AT_HOUR: u32 = 7;
/// …and end at 22:00; overtime before then is ordinary in a service centre.
const CLOSES_AT_HOUR: u32 = 22;

/// Why an instant lies outside office hours, or `None` within them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OffHours {
    /// Between 22:00 and 07:00 Beijing time on a working day.
    Night,
    /// A rest day (weekend or public holiday) in daytime.
    RestDay,
    /// A rest day, at night.
    RestDayNight,
}

impl OffHours {
    pub fn label_zh(self) -> &'static str {
        match self {
            OffHours::Night => "深夜",
            OffHours::RestDay => "休息日",
            OffHours::RestDayNight => "休息日深夜",
        }
    }
}

/// Whether `at` falls outside office hours under the calendar in force.
pub fn outside_office_hours(calendar: &WorkingCalendar, at: DateTime<Utc>) -> Option<OffHours> {
    let local = at.with_timezone(&beijing());
    let night = !(OPENS_AT_HOUR..CLOSES_AT_HOUR).contains(&local.hour());
    let rest_day = !calendar.is_working_day(local.date_naive());
    match (rest_day, night) {
        (false, false) => None,
        (false, true) => Some(OffHours::Night),
        (true, false) => Some(OffHours::RestDay),
        (true, true) => Some(OffHours::RestDayNight),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn beijing_at(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        beijing()
            .with_ymd_and_hms(y, m, d, h, min, 0)
            .single()
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default()
    }

    #[test]
    fn a_weekday_from_seven_to_ten_at_night_is_office_hours() {
        let calendar = WorkingCalendar::official();
        // Tuesday 10 November 2026.
        assert_eq!(
            outside_office_hours(&calendar, beijing_at(2026, 11, 10, 7, 0)),
            None
        );
        assert_eq!(
            outside_office_hours(&calendar, beijing_at(2026, 11, 10, 21, 59)),
            None
        );
        assert_eq!(
            outside_office_hours(&calendar, beijing_at(2026, 11, 10, 22, 0)),
            Some(OffHours::Night)
        );
        assert_eq!(
            outside_office_hours(&calendar, beijing_at(2026, 11, 10, 6, 59)),
            Some(OffHours::Night)
        );
    }

    #[test]
    fn weekends_and_holidays_are_rest_days_but_a_working_weekend_is_not() {
        let calendar = WorkingCalendar::official();
        // Saturday 14 November 2026, afternoon and late evening.
        assert_eq!(
            outside_office_hours(&calendar, beijing_at(2026, 11, 14, 15, 0)),
            Some(OffHours::RestDay)
        );
        assert_eq!(
            outside_office_hours(&calendar, beijing_at(2026, 11, 14, 23, 40)),
            Some(OffHours::RestDayNight)
        );
        // 国庆: Thursday 1 October 2026 is a holiday.
        assert_eq!(
            outside_office_hours(&calendar, beijing_at(2026, 10, 1, 10, 0)),
            Some(OffHours::RestDay)
        );
        // Saturday 10 October 2026 is a 调休 working day.
        assert_eq!(
            outside_office_hours(&calendar, beijing_at(2026, 10, 10, 10, 0)),
            None
        );
        // 15:00 UTC is 23:00 in Beijing: the day and the hour are Beijing's.
        let late = Utc
            .with_ymd_and_hms(2026, 11, 10, 15, 0, 0)
            .single()
            .unwrap_or_default();
        assert_eq!(outside_office_hours(&calendar, late), Some(OffHours::Night));
    }
}
